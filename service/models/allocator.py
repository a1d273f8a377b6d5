"""glibc malloc settings for a process that holds a model: what loading frees goes back, what
serving allocates again and again is reused.

Why, in two phases:
* loading allocates and frees many buffers of a few MB (tensors read from disk, quantised, copied).
  glibc raises its mmap threshold each time such a buffer is freed, so later ones come from the
  heap, where freed memory stays resident: building the 4-bit model grew RSS to ~960 MB for ~600 MB
  of live data. :func:`tune` fixes the threshold at 1 MB: large buffers get their own mappings,
  returned on free. It also caps arenas at two (per-thread heaps crept +84 MB over 1,000 requests
  with glibc's default, +12 MB with two; bench/soak).
* serving then allocates the same few-MB temporaries at every prefill and decode step
  (activations, weights unpacked for a prefill). Mapped and zero-filled afresh each time, they made
  the sample article's prefill 1.04 s; :func:`settle`, called once the model is loaded, raises the
  threshold to 4 MB (trim threshold 8 MB) so most are reused from the heap: 0.76 s, peak RSS
  unchanged (~780 MB). 32/64 MB gave 0.53 s but ~820-870 MB: over the worker's 800 MB budget.
* after each generation, :func:`release` (``malloc_trim``) hands back what the heap kept: ~120 MB
  stayed resident after one briefing and the next article's prefill peaked on top of it (bench:
  794 MB peak without, 746 MB with, no slower).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
ARENAS = 2
LOADING_MMAP_THRESHOLD = 1 << 20
SERVING_MMAP_THRESHOLD = 4 << 20
SERVING_TRIM_THRESHOLD = 8 << 20


@functools.cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    return libc if libc is not None and hasattr(libc, "mallopt") else None


@functools.cache
def tune() -> bool:
    """Loading settings, once per process; False where the C library has no ``mallopt``."""
    libc = _libc()
    return (
        libc is not None
        and bool(libc.mallopt(M_ARENA_MAX, ARENAS))
        and bool(libc.mallopt(M_MMAP_THRESHOLD, LOADING_MMAP_THRESHOLD))
    )


@functools.cache
def settle() -> bool:
    """Serving settings, once the model is loaded."""
    libc = _libc()
    return (
        libc is not None
        and bool(libc.mallopt(M_MMAP_THRESHOLD, SERVING_MMAP_THRESHOLD))
        and bool(libc.mallopt(M_TRIM_THRESHOLD, SERVING_TRIM_THRESHOLD))
    )


def release() -> None:
    """Return the heap's free pages to the system (``malloc_trim``; milliseconds)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
