"""Admission refuses up front when the queue is full or the expected wait exceeds the budget."""

import threading

import pytest

from service.admission import Admission
from service.errors import Overloaded


def test_refuses_when_the_expected_wait_exceeds_the_budget() -> None:
    admission = Admission(max_running=1, max_waiting=10, typical_seconds=20.0)
    release = threading.Event()

    def hold() -> None:
        with admission.slot(60):
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    while admission.running == 0:
        pass
    with pytest.raises(Overloaded) as refused:  # one 20 s generation ahead, 5 s budget
        with admission.slot(5):
            pass
    assert refused.value.retry_after == 20
    release.set()
    holder.join(5)
    with admission.slot(5):  # free again: admitted at once
        assert admission.running == 1


def test_a_wait_that_times_out_is_an_overload_not_a_timeout() -> None:
    admission = Admission(max_running=1, max_waiting=1, typical_seconds=0.01)
    release = threading.Event()

    def hold() -> None:
        with admission.slot(1):
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    while admission.running == 0:
        pass
    with pytest.raises(Overloaded):
        with admission.slot(0.05):
            pass
    release.set()
    holder.join(5)
    assert admission.waiting == 0 and admission.rejected == 1


def test_a_cold_worker_admits_up_to_the_queue_limit_then_learns() -> None:
    admission = Admission(max_running=1, max_waiting=2)
    assert admission.typical_seconds is None
    release = threading.Event()

    def hold() -> None:
        with admission.slot(1):
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    while admission.running == 0:
        pass
    def wait_turn() -> None:
        with admission.slot(5):
            pass

    waiters = [threading.Thread(target=wait_turn) for _ in range(2)]
    for w in waiters:
        w.start()
    while admission.waiting < 2:
        pass
    with pytest.raises(Overloaded):  # the queue limit still holds
        with admission.slot(5):
            pass
    release.set()
    holder.join(5)
    for w in waiters:
        w.join(5)
    assert admission.typical_seconds is not None  # learned from the finished generations
    assert admission.running == 0 and admission.waiting == 0
