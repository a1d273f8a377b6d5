"""Helpers for the batch API's tests: a Redis server of their own, a service in a thread, JSONL."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from werkzeug.serving import make_server

from service.engine.batches.runner import ItemWorker
from service.engine.engine import Engine
from service.http.app import create_app
from service.settings import Settings
from tests.fakes import HashingEmbedder
from tests.server import free_port
from tests.support import ARTICLE

BACKENDS = ("embedded", "redis")
# The same, for fixtures: the embedded default (what `make run` gives) in the fast tests, a Redis
# server of the test's own only in the slow ones (`make test-fast` skips them, `make test` runs both).
BACKEND_PARAMS = ("embedded", pytest.param("redis", marks=pytest.mark.slow))
FINAL = ("completed", "failed", "expired", "cancelled")


def redis_server_binary() -> str:
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if found is None:
        pytest.skip("Debian's redis-server is not installed (.ci/run installs it: apt-get install redis-server)")
    return found


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A real redis-server on a free port, persisting to ``folder``; its URL."""
    port = free_port()
    command = [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
    command += ["--save", "", "--appendonly", "yes", "--daemonize", "no", "--logfile", str(folder / "redis.log")]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=30)


def backend_settings(backend: str, data_dir: Path, queue_url: str = "", **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": str(data_dir),
        "cache_dir": str(data_dir / "cache"),
        "queue_url": queue_url if backend == "redis" else "",
        "batch_redeliver_s": 3,
        "log_format": "text",
        "max_article_chars": 50_000,
    }
    return Settings(**{**values, **overrides})


class SlowEmbedder(HashingEmbedder):
    """The fake embedder, taking ``delay_s`` a call: items slow enough to cancel or expire mid-batch."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s

    def encode(self, sentences: Any) -> Any:
        time.sleep(self.delay_s)
        return super().encode(sentences)


@dataclass
class Service:
    base: str
    settings: Settings
    engine: Engine
    worker: ItemWorker | None


@contextmanager
def service_in_thread(settings: Settings, embedder: Any = None, consume: bool = True) -> Iterator[Service]:
    """The Flask app on a free port (werkzeug, threaded) with a fake model, and an in-process queue
    worker running its items, as a web worker does on the embedded default."""
    from tests.fakes import ReplayGenerator

    engine = Engine(settings, generator=ReplayGenerator(), embedder=embedder or HashingEmbedder())
    engine.load()
    app = create_app(settings, engine=engine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    worker = ItemWorker(engine) if consume else None
    if worker is not None:
        worker.start()
    try:
        yield Service(f"http://127.0.0.1:{server.server_port}", settings, engine, worker)
    finally:
        if worker is not None:
            worker.stop(timeout_s=10)
        server.shutdown()
        batches = app.extensions.get("briefly.batches")
        if batches is not None:
            batches.close()


def briefing_line(custom_id: str, **body: Any) -> str:
    body = {"article": ARTICLE, "lengths": ["tldr"], "mode": "extractive", **body}
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": "/v1/briefings", "body": body})


def jsonl(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def wait_final(client: Any, batch_id: str, stall_s: float = 120, watch: Any = None, poll_s: float = 0.2) -> Any:
    """The batch once it reaches a final status (an openai client's Batch). Fails only when it
    makes no progress (status or counts) for ``stall_s``: a slow machine waits longer, a lost item
    still fails. ``watch`` (a callable) is called on every poll, every ``poll_s``."""
    batch = client.batches.retrieve(batch_id)
    seen, since = None, time.monotonic()
    while batch.status not in FINAL:
        now = (batch.status, batch.request_counts.completed, batch.request_counts.failed)
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since > stall_s:
            raise TimeoutError(f"batch still {batch.status}, no progress in {stall_s} s: {batch.request_counts}")
        if watch is not None:
            watch()
        time.sleep(poll_s)
        batch = client.batches.retrieve(batch_id)
    return batch


def file_lines(client: Any, file_id: str | None) -> list[dict[str, Any]]:
    if not file_id:
        return []
    return [json.loads(line) for line in client.files.content(file_id).text.splitlines() if line.strip()]
