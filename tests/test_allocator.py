"""glibc malloc settings (service/allocator.py): both phases accepted by the C library, once per process."""

from __future__ import annotations

import sys

import pytest

from service import allocator


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_malloc_settings_are_accepted_once_per_process() -> None:
    assert allocator.tune() is True  # loading: arenas and a low mmap threshold
    assert allocator.settle() is True  # serving: temporaries reused from the heap
    assert allocator.tune() is True and allocator.tune.cache_info().hits >= 1  # once: nothing undone
