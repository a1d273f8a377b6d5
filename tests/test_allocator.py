"""glibc malloc settings (service/models/allocator.py): both phases accepted by the C library, once per process."""

from __future__ import annotations

import sys

import pytest

from service.models import allocator


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_malloc_settings_are_accepted_once_per_process() -> None:
    assert allocator.tune() is True  # loading: arenas and a low mmap threshold
    assert allocator.settle() is True  # serving: temporaries reused from the heap
    assert allocator.tune() is True
    assert allocator.tune.cache_info().hits >= 1


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_release_hands_back_what_the_heap_kept() -> None:
    allocator.tune()
    allocator.settle()  # as in a loaded worker: blocks of a few MB come from the heap
    blocks = [bytearray(b"x" * (1 << 20)) for _ in range(120)]
    del blocks[::2]  # 60 MB of holes between live blocks: free, but still resident
    before = _resident_mb()
    allocator.release()
    assert before - _resident_mb() >= 30
    del blocks
