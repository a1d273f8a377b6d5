"""Nothing lost, nothing written twice: queue workers killed with SIGKILL ten times during a 300-item
job, and the service and its workers restarted mid-job, on both back ends, with the real embedded
model (extractive items). The embedded default runs items inside gunicorn's workers; the Redis back
end runs them in ``briefly worker`` processes against a redis-server the test starts.

Waits are long but fail on a stall, not on a clock: a slow machine (model loads of 30 s and more
after each kill) passes, a lost item (a batch that stops moving short of its total) fails. The
queue's own Redis is watched throughout, so the test also shows that the killed workers' messages
were really redelivered: messages left in a dead worker's acknowledgement set, later acknowledged.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
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
import redis

from service.engine.batches.queue import NAMESPACE, QUEUE_NAME
from tests.batch_support import BACKENDS, briefing_line, file_lines, jsonl, redis_server, wait_final
from tests.server import ROOT, short_dir, start_gunicorn, wait_ready, worker_pids

pytestmark = pytest.mark.slow
KILLS = 10
REDELIVER_S = 3
STALL_S = 600  # no progress for this long (model loads included) is a failure
READY_S = 600


class QueueWatch:
    """Reads Dramatiq's keys in the queue's Redis: which messages sit in the acknowledgement set of
    a worker that stopped heartbeating (killed), and whether they were acknowledged since."""

    def __init__(self, client: redis.Redis) -> None:
        self.r = client
        self.orphaned: set[bytes] = set()  # message ids seen held by a dead worker

    def observe(self) -> None:
        now_ms = time.time() * 1000
        with contextlib.suppress(redis.RedisError):  # the queue restarting with the service
            for broker, beat in self.r.zrange(f"{NAMESPACE}:__heartbeats__", 0, -1, withscores=True):
                if now_ms - beat > 1500:  # live workers beat at least every 0.6 s here
                    acks = f"{NAMESPACE}:__acks__.{broker.decode()}.{QUEUE_NAME}"
                    self.orphaned |= set(self.r.smembers(acks))

    def pending(self) -> set[bytes]:
        """Messages not yet acknowledged (still on the queue, or held by a worker)."""
        return set(self.r.hkeys(f"{NAMESPACE}:{QUEUE_NAME}.msgs"))


class Stack:
    """The service as deployed on one back end: gunicorn (the API; on the embedded default it also
    runs items) and, with Redis, separate worker processes."""

    def __init__(self, backend: str, data: Path, queue_url: str) -> None:
        self.backend, self.data = backend, data
        self.env = {
            "BRIEFLY_DATA_DIR": str(data),
            "BRIEFLY_QUEUE_URL": queue_url,
            "BRIEFLY_BATCH_REDELIVER_S": str(REDELIVER_S),
            "BRIEFLY_DEFAULT_MODE": "extractive",
        }
        self.gunicorn: subprocess.Popen[bytes] | None = None
        self.base = ""
        self.workers: list[subprocess.Popen[bytes]] = []
        self.logs = data / "logs"
        self.logs.mkdir(exist_ok=True)
        self.log_of: dict[int, Path] = {}

    def start(self, workers: int = 2) -> None:
        self.gunicorn, self.base = start_gunicorn(**self.env)
        wait_ready(self.base, self.gunicorn, limit_s=READY_S)
        if self.backend == "redis":
            for _ in range(workers):
                self.start_worker()

    def start_worker(self) -> subprocess.Popen[bytes]:
        env = {**os.environ, **self.env, "BRIEFLY_LOG_FORMAT": "text"}
        command = [sys.executable, "-m", "service", "worker"]
        log = self.logs / f"worker-{time.monotonic_ns()}.log"
        with log.open("wb") as out:
            worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        self.workers.append(worker)
        self.log_of[worker.pid] = log
        return worker

    def consuming(self, worker: subprocess.Popen[bytes]) -> bool:
        """Whether a ``briefly worker`` has loaded its model and takes items."""
        if worker.poll() is not None:
            log = self.log_of[worker.pid].read_text(errors="replace")[-2000:]
            raise RuntimeError(f"a worker exited with {worker.returncode}: {log}")
        return b"consuming batch items" in self.log_of[worker.pid].read_bytes()

    def wait_consuming(self, limit_s: float = READY_S) -> None:
        """Until every ``briefly worker`` consumes."""
        deadline = time.monotonic() + limit_s
        while not all(self.consuming(worker) for worker in self.workers):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the workers did not start consuming in {limit_s} s")
            time.sleep(0.2)

    def kill_a_worker(self) -> None:
        """SIGKILL one process that runs items, and let another take its place (gunicorn's master
        replaces its worker; a worker process is started again, as a deployment restarts it). A
        worker still loading its model holds no item: the oldest one that consumes is killed."""
        if self.backend == "redis":
            victim = next((w for w in self.workers if self.consuming(w)), None)
            if victim is None:  # progress came from a worker killed since: wait for one
                deadline = time.monotonic() + READY_S
                while victim is None and time.monotonic() < deadline:
                    time.sleep(0.2)
                    victim = next((w for w in self.workers if self.consuming(w)), None)
                assert victim is not None, f"no worker consumed within {READY_S} s"
            self.workers.remove(victim)
            victim.kill()
            victim.wait()
            self.start_worker()
            return
        assert self.gunicorn is not None
        (pid,) = worker_pids(self.gunicorn.pid)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while worker_pids(self.gunicorn.pid) in ([], [pid]) and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM the service; SIGKILL the workers (they die mid-item)."""
        for worker in self.workers:
            worker.kill()
            worker.wait()
        self.workers = []
        if self.gunicorn is not None:
            self.gunicorn.terminate()
            self.gunicorn.wait(timeout=300)
            self.gunicorn = None

    def client(self) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.base + "/v1", api_key="none", max_retries=5, timeout=120)

    def queue(self) -> redis.Redis:
        if self.env["BRIEFLY_QUEUE_URL"]:
            return redis.Redis.from_url(self.env["BRIEFLY_QUEUE_URL"])
        return redis.Redis(unix_socket_path=str(self.data / "queue" / "redis.sock"))


@contextmanager
def stack_for(backend: str) -> Iterator[Stack]:
    with ExitStack() as exits:
        data = short_dir()
        exits.callback(shutil.rmtree, data, ignore_errors=True)
        url = exits.enter_context(redis_server(data)) if backend == "redis" else ""
        stack = Stack(backend, data, url)
        exits.callback(stop_embedded_queue, data)  # should the service not have stopped it
        exits.callback(stack.stop)
        stack.start()
        yield stack


def stop_embedded_queue(data: Path) -> None:
    socket = data / "queue" / "redis.sock"
    if socket.exists():
        with contextlib.suppress(redis.RedisError):
            redis.Redis(unix_socket_path=str(socket), socket_timeout=5).shutdown(nosave=True)


def start_batch(client: openai.OpenAI, items: int) -> str:
    data = jsonl([briefing_line(f"item-{i}") for i in range(items)])
    uploaded = client.files.create(file=("in.jsonl", io.BytesIO(data)), purpose="batch")
    return client.batches.create(input_file_id=uploaded.id, endpoint="/v1/briefings", completion_window="24h").id


def finished(client: openai.OpenAI, batch_id: str) -> int:
    counts = client.batches.retrieve(batch_id).request_counts
    assert counts is not None
    return counts.completed + counts.failed


def wait_progress(client: openai.OpenAI, batch_id: str, beyond: int, watch: QueueWatch) -> int:
    """Items finished, once more than ``beyond`` are; fails after STALL_S without one."""
    deadline = time.monotonic() + STALL_S
    while (done := finished(client, batch_id)) <= beyond:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no item finished beyond {beyond} in {STALL_S} s")
        watch.observe()
        time.sleep(0.2)
    return done


def assert_every_item_once(client: openai.OpenAI, batch: Any, items: int) -> None:
    assert batch.status == "completed", batch
    assert (batch.request_counts.completed, batch.request_counts.failed) == (items, 0)
    lines = file_lines(client, batch.output_file_id) + file_lines(client, batch.error_file_id)
    written = Counter(line["custom_id"] for line in lines)
    lost = {f"item-{i}" for i in range(items)} - set(written)
    twice = {custom_id for custom_id, n in written.items() if n > 1}
    assert not lost, f"{len(lost)} items lost"
    assert not twice, f"{len(twice)} items written twice"
    assert all(line["response"]["status_code"] == 200 for line in lines)


def assert_redelivered(watch: QueueWatch) -> None:
    """Killed workers held messages, and each of those was run again and acknowledged."""
    assert watch.orphaned, "no kill left a message in a dead worker's hands: nothing was redelivered"
    assert not watch.orphaned & watch.pending(), "a dead worker's message was never acknowledged"


@pytest.mark.parametrize("backend", BACKENDS)
def test_workers_killed_ten_times_lose_nothing_and_write_nothing_twice(backend: str) -> None:
    items = 300
    with stack_for(backend) as stack:
        client, watch = stack.client(), QueueWatch(stack.queue())
        batch_id = start_batch(client, items)
        done, kills = 0, 0
        while kills < KILLS:
            done = wait_progress(client, batch_id, done, watch)
            if done >= items:
                break
            watch.observe()
            stack.kill_a_worker()
            kills += 1
        assert kills == KILLS, f"the job ended after {kills} kills; make it longer"
        batch = wait_final(client, batch_id, stall_s=STALL_S, watch=watch.observe)
        assert_every_item_once(client, batch, items)
        assert_redelivered(watch)
        print(f"{backend}: {kills} kills, {len(watch.orphaned)} messages redelivered, 0 lost, 0 written twice")


@pytest.mark.parametrize("backend", BACKENDS)
def test_service_and_workers_restarted_mid_job_finish_every_item(backend: str) -> None:
    items = 100
    with stack_for(backend) as stack:
        client, watch = stack.client(), QueueWatch(stack.queue())
        batch_id = start_batch(client, items)
        wait_progress(client, batch_id, 10, watch)
        stack.stop()
        stack.start()
        client = stack.client()
        batch = wait_final(client, batch_id, stall_s=STALL_S, watch=watch.observe)
        assert_every_item_once(client, batch, items)
