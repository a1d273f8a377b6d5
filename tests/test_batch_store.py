"""The batch store's promises on both back ends (SQLite and a real Redis): an item's outcome is
written and counted once, whichever comes first, and never after the batch stopped taking them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from service.engine.batches.store import RedisStore, SQLiteStore, Store
from tests.batch_support import BACKEND_PARAMS, redis_server
from tests.server import short_dir


@pytest.fixture(params=BACKEND_PARAMS)
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    data = short_dir()
    try:
        if request.param == "redis":
            with redis_server(data) as url:
                yield RedisStore(redis.Redis.from_url(url))
        else:
            yield SQLiteStore(Path(data))
    finally:
        shutil.rmtree(data, ignore_errors=True)


def batch(store: Store, status: str = "in_progress") -> str:
    store.add_file({"id": "file-1", "owner": "me", "lines": 3}, [b"{}\n" * 3])
    store.add_batch({"id": "batch_1", "owner": "me", "input_file_id": "file-1", "status": status, "total": 3})
    return "batch_1"


def counts(store: Store, batch_id: str) -> tuple[int, int, int]:
    found = store.batch(batch_id)
    assert found is not None
    return found["completed"], found["failed"], found["skipped"]


def test_an_outcome_is_written_and_counted_once(store: Store) -> None:
    b = batch(store)
    assert store.account(b, "c:a", 0, "completed", '{"id": "1"}')
    assert not store.account(b, "c:a", 0, "completed", '{"id": "1 again"}')  # a redelivered run
    assert not store.account(b, "c:a", 0, "skipped", None)  # a cancel after it ran
    assert store.account(b, "c:b", 1, "skipped", None)
    assert not store.account(b, "c:b", 1, "failed", '{"id": "2"}')  # skipped stays skipped
    assert counts(store, b) == (1, 0, 1)
    assert list(store.lines(b)) == [(0, "c:a", False, '{"id": "1"}')]  # a skipped item has no line


def test_nothing_joins_a_batch_that_stopped_taking_outcomes(store: Store) -> None:
    b = batch(store)
    assert store.account(b, "c:a", 0, "failed", '{"id": "1"}')
    assert store.update_batch(b, {"status": "expired"}, when=("in_progress",))
    assert not store.update_batch(b, {"status": "cancelling"}, when=("in_progress",))
    assert not store.account(b, "c:b", 1, "completed", '{"id": "2"}')  # finished after expiry
    assert counts(store, b) == (0, 1, 0)
    assert list(store.lines(b)) == [(0, "c:a", True, '{"id": "1"}')]


def test_a_file_is_in_use_while_a_batch_reads_it(store: Store) -> None:
    b = batch(store)
    assert store.file_in_use("file-1")
    store.update_batch(b, {"status": "completed"})
    assert not store.file_in_use("file-1")
    assert b"".join(store.file_content("file-1")) == b"{}\n" * 3
    assert store.delete_file("file-1")
    assert store.file("file-1") is None
    with pytest.raises(FileNotFoundError):
        store.file_content("file-1")


def test_result_lines_come_in_input_order_however_many(store: Store) -> None:
    b = batch(store)
    store.update_batch(b, {"total": 450})
    for index in [*range(449, 200, -1), *range(201)]:  # recorded out of order, more than one read holds
        outcome = "skipped" if index % 100 == 7 else ("failed" if index % 3 == 0 else "completed")
        assert store.account(b, f"l:{index}", index, outcome, None if outcome == "skipped" else f"line {index}")
    lines = list(store.lines(b))
    assert [index for index, *_ in lines] == [i for i in range(450) if i % 100 != 7]
    assert all((key, failed, line) == (f"l:{i}", i % 3 == 0, f"line {i}") for i, key, failed, line in lines)
