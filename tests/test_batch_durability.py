"""Nothing lost, nothing written twice: queue workers killed with SIGKILL ten times during a 300-item
job, and the service and its workers restarted mid-job, on both back ends, with the real embedded
model (extractive items). The embedded default runs items inside gunicorn's workers; the Redis back
end runs them in ``briefly worker`` processes against a redis-server the test starts."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.batch_support import BACKENDS, briefing_line, file_lines, jsonl, redis_server, short_dir, wait_final
from tests.server import ROOT, start_gunicorn, wait_ready, worker_pids

pytestmark = pytest.mark.slow
KILLS = 10


class Stack:
    """The service as deployed on one back end: gunicorn (the API; on the embedded default it also
    runs items) and, with Redis, separate worker processes."""

    def __init__(self, backend: str, data: Path, queue_url: str) -> None:
        self.backend, self.data = backend, data
        self.env = {
            "BRIEFLY_DATA_DIR": str(data),
            "BRIEFLY_QUEUE_URL": queue_url,
            "BRIEFLY_BATCH_REDELIVER_S": "3",
            "BRIEFLY_DEFAULT_MODE": "extractive",
        }
        self.gunicorn: subprocess.Popen[bytes] | None = None
        self.base = ""
        self.workers: list[subprocess.Popen[bytes]] = []

    def start(self, workers: int = 2) -> None:
        self.gunicorn, self.base = start_gunicorn(**self.env)
        wait_ready(self.base, self.gunicorn)
        if self.backend == "redis":
            for _ in range(workers):
                self.start_worker()

    def start_worker(self) -> None:
        env = {**os.environ, **self.env, "BRIEFLY_LOG_FORMAT": "text"}
        command = [sys.executable, "-m", "service", "worker"]
        self.workers.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )

    def kill_a_worker(self) -> None:
        """SIGKILL one process that runs items, and let another take its place (gunicorn's master
        replaces its worker; a worker process is started again, as a deployment restarts it)."""
        if self.backend == "redis":
            victim = self.workers.pop(0)
            victim.kill()
            victim.wait()
            self.start_worker()
            return
        assert self.gunicorn is not None
        (pid,) = self.gunicorn_workers()
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while self.gunicorn_workers() in ([], [pid]) and time.monotonic() < deadline:
            time.sleep(0.1)

    def gunicorn_workers(self) -> list[int]:
        """gunicorn's workers (the master's other child is the embedded queue's redis-server)."""
        assert self.gunicorn is not None
        found = []
        for pid in worker_pids(self.gunicorn.pid):
            try:
                if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(pid)
            except OSError:
                continue
        return found

    def stop(self) -> None:
        """SIGTERM the service; SIGKILL the workers (they die mid-item)."""
        for worker in self.workers:
            worker.kill()
            worker.wait()
        self.workers = []
        if self.gunicorn is not None:
            self.gunicorn.terminate()
            self.gunicorn.wait(timeout=120)
            self.gunicorn = None

    def client(self) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.base + "/v1", api_key="none", max_retries=5, timeout=60)


@contextmanager
def stack_for(backend: str) -> Iterator[Stack]:
    with ExitStack() as exits:
        data = short_dir()
        url = exits.enter_context(redis_server(data)) if backend == "redis" else ""
        stack = Stack(backend, data, url)
        exits.callback(stack.stop)
        stack.start()
        yield stack


def start_batch(client: openai.OpenAI, items: int) -> str:
    data = jsonl([briefing_line(f"item-{i}") for i in range(items)])
    uploaded = client.files.create(file=("in.jsonl", io.BytesIO(data)), purpose="batch")
    return client.batches.create(input_file_id=uploaded.id, endpoint="/v1/briefings", completion_window="24h").id


def finished(client: openai.OpenAI, batch_id: str) -> int:
    counts = client.batches.retrieve(batch_id).request_counts
    assert counts is not None
    return counts.completed + counts.failed


def wait_progress(client: openai.OpenAI, batch_id: str, beyond: int, limit_s: float = 300) -> int:
    deadline = time.monotonic() + limit_s
    while (done := finished(client, batch_id)) <= beyond:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no progress beyond {beyond} in {limit_s} s")
        time.sleep(0.2)
    return done


def assert_every_item_once(client: openai.OpenAI, batch: Any, items: int) -> None:
    assert batch.status == "completed", batch
    assert (batch.request_counts.completed, batch.request_counts.failed) == (items, 0)
    lines = file_lines(client, batch.output_file_id) + file_lines(client, batch.error_file_id)
    written = Counter(line["custom_id"] for line in lines)
    assert set(written) == {f"item-{i}" for i in range(items)}, "items lost"
    assert max(written.values()) == 1, "items written twice"
    assert all(line["response"]["status_code"] == 200 for line in lines)


@pytest.mark.parametrize("backend", BACKENDS)
def test_workers_killed_ten_times_lose_nothing_and_write_nothing_twice(backend: str) -> None:
    items = 300
    with stack_for(backend) as stack:
        client = stack.client()
        batch_id = start_batch(client, items)
        done, kills = 0, 0
        while kills < KILLS:
            done = wait_progress(client, batch_id, done)
            if done >= items:
                break
            stack.kill_a_worker()
            kills += 1
        assert kills == KILLS, f"the job ended after {kills} kills; make it longer"
        assert_every_item_once(client, wait_final(client, batch_id, limit_s=600), items)


@pytest.mark.parametrize("backend", BACKENDS)
def test_service_and_workers_restarted_mid_job_finish_every_item(backend: str) -> None:
    items = 100
    with stack_for(backend) as stack:
        client = stack.client()
        batch_id = start_batch(client, items)
        wait_progress(client, batch_id, 10)
        stack.stop()
        stack.start()
        client = stack.client()
        assert_every_item_once(client, wait_final(client, batch_id, limit_s=600), items)
