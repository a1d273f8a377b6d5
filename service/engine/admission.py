"""Bounded admission: at most N generations run and at most M wait, per worker; the rest are
refused at once (429 with Retry-After) instead of piling up in an unbounded queue."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from service.errors import Overloaded

DEFAULT_RETRY_S = 20.0  # Retry-After before any generation has been timed


class Admission:
    def __init__(
        self, max_running: int, max_waiting: int, typical_seconds: float | None = None, what: str = "generations"
    ) -> None:
        self.what = what  # what is admitted, for the refusal's message
        self.max_running = max_running
        self.max_waiting = max_waiting
        # One generation's usual length, learned as generations finish; None until the first has.
        self.typical_seconds = typical_seconds
        self._slots = threading.Semaphore(max_running)
        self._lock = threading.Lock()
        self.running = 0
        self.waiting = 0
        self.rejected = 0

    @contextmanager
    def slot(self, wait_s: float) -> Iterator[None]:
        """Hold a generation slot for the ``with`` block; refuse at once when the queue is full,
        and give up (504) if no slot frees within ``wait_s``."""
        with self._lock:
            typical = self.typical_seconds if self.typical_seconds is not None else DEFAULT_RETRY_S
            retry = max(1, round(typical * (self.waiting + 1) / self.max_running))
            full = self.running + self.waiting >= self.max_running + self.max_waiting
            # Refuse now rather than after a wait that would end in a refusal anyway (once we know
            # how long generations take: a cold worker admits up to the queue limit).
            too_slow = self.typical_seconds is not None and self.running >= self.max_running and retry > wait_s
            if full or too_slow:
                self.rejected += 1
                raise Overloaded(
                    f"the server is overloaded: {self.running} {self.what} running and {self.waiting} waiting",
                    retry_after=retry,
                )
            self.waiting += 1
        acquired = self._slots.acquire(timeout=wait_s)
        with self._lock:
            self.waiting -= 1
            if acquired:
                self.running += 1
            else:
                self.rejected += 1
        if not acquired:
            raise Overloaded(f"no slot for {self.what} freed within {wait_s:.0f} s", retry_after=retry)
        started = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self.running -= 1
                # Learn how long generations take, so Retry-After and refusals track reality.
                took = time.monotonic() - started
                self.typical_seconds = took if self.typical_seconds is None else 0.8 * self.typical_seconds + 0.2 * took
            self._slots.release()
