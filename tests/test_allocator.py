"""glibc malloc settings (service/allocator.py): applied once per process, accepted by the C library."""

from __future__ import annotations

import sys

import pytest

from service import allocator


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_malloc_settings_are_accepted_once_per_process() -> None:
    assert allocator.tune() is True
    assert allocator.tune() is True  # cached: a second call changes nothing
    assert allocator.tune.cache_info().hits >= 1
