"""Admission refuses up front when the queue is full or the expected wait exceeds the budget."""

from __future__ import annotations

import threading

import pytest

from service.engine.admission import Admission
from service.errors import Overloaded


def occupy(admission: Admission, threads: int = 1, wait_s: float = 5) -> tuple[threading.Event, list[threading.Thread]]:
    """Threads that take (or queue for) a slot and hold it until the event is set."""
    release = threading.Event()

    def hold() -> None:
        with admission.slot(wait_s):
            release.wait(5)

    started = [threading.Thread(target=hold) for _ in range(threads)]
    for t in started:
        t.start()
    while admission.running == 0 or admission.running + admission.waiting < threads:
        pass
    return release, started


def finish(release: threading.Event, threads: list[threading.Thread]) -> None:
    release.set()
    for t in threads:
        t.join(10)


def test_refuses_when_the_expected_wait_exceeds_the_budget() -> None:
    admission = Admission(max_running=1, max_waiting=10, typical_seconds=20.0)
    release, threads = occupy(admission)
    with pytest.raises(Overloaded) as refused, admission.slot(5):  # one 20 s generation ahead, 5 s budget
        pass
    assert refused.value.retry_after == 20
    finish(release, threads)
    with admission.slot(5):  # free again: admitted at once
        assert admission.running == 1


def test_a_wait_that_times_out_is_an_overload_not_a_timeout() -> None:
    admission = Admission(max_running=1, max_waiting=1, typical_seconds=0.01)
    release, threads = occupy(admission)
    with pytest.raises(Overloaded), admission.slot(0.05):
        pass
    finish(release, threads)
    assert admission.waiting == 0
    assert admission.rejected == 1


def test_a_cold_worker_admits_up_to_the_queue_limit_then_learns() -> None:
    admission = Admission(max_running=1, max_waiting=2)
    assert admission.typical_seconds is None
    release, threads = occupy(admission, threads=3)  # one running, two waiting: nothing predicted yet
    with pytest.raises(Overloaded), admission.slot(5):  # the queue limit still holds
        pass
    finish(release, threads)
    assert admission.typical_seconds is not None  # learned from the finished generations
    assert admission.running == 0
    assert admission.waiting == 0
