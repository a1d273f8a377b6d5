"""Under gunicorn with the real model: SIGTERM drains without losing requests; a killed worker is
replaced and serving again within seconds; readiness is off while draining."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

from service.engine.engine import Engine
from service.http.app import create_app
from service.settings import Settings
from tests.fakes import HashingEmbedder, ReplayGenerator
from tests.server import call, start_gunicorn, wait_ready, worker_pids


def post_in_background(base: str, article: str, results: list) -> threading.Thread:
    body = json.dumps({"article": article, "lengths": ["headline", "tldr"], "mode": "auto"}).encode()

    def run() -> None:
        try:
            results.append(call(base + "/v1/briefings", body, timeout=120)[0])
        except Exception as exc:
            results.append(repr(exc))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_readiness_turns_off_while_draining(tmp_path) -> None:
    settings = Settings(cache_dir=str(tmp_path))
    engine = Engine(settings, generator=ReplayGenerator(), embedder=HashingEmbedder())
    engine.load()
    client = create_app(settings, engine=engine).test_client()
    assert client.get("/readyz").status_code == 200
    engine.drain()
    r = client.get("/readyz")
    assert r.status_code == 503 and r.get_json()["status"] == "draining"
    assert client.post("/v1/briefings", json={"article": "Rebels took the city on Friday."}).status_code == 503
    assert client.get("/healthz").status_code == 200


@pytest.mark.slow
def test_sigterm_drains_requests_in_flight(seed_article: str) -> None:
    proc, base = start_gunicorn(BRIEFLY_MAX_WAITING="4")
    try:
        wait_ready(base, proc)
        results: list = []
        threads = [post_in_background(base, seed_article, results) for _ in range(3)]
        time.sleep(1.0)  # all three accepted: one generating, two waiting for the slot
        proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(150)
        assert results == [200, 200, 200]
        proc.wait(30)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.slow
def test_killed_worker_is_replaced_and_serving_within_seconds(seed_article: str) -> None:
    proc, base = start_gunicorn()
    try:
        wait_ready(base, proc)
        (worker,) = worker_pids(proc.pid)
        results: list = []
        thread = post_in_background(base, seed_article, results)
        time.sleep(1.0)
        os.kill(worker, signal.SIGKILL)
        thread.join(60)
        killed_at = time.monotonic()
        recovered = wait_ready(base, proc, limit_s=60)
        status, body = call(
            base + "/v1/briefings", json.dumps({"article": seed_article, "mode": "extractive"}).encode()
        )
        assert status == 200 and body["briefings"]["tldr"]["within_contract"]
        assert worker_pids(proc.pid) and worker_pids(proc.pid)[0] != worker
        print(f"worker replaced and ready {recovered:.1f} s after kill -9")
        assert time.monotonic() - killed_at < 30
    finally:
        proc.terminate()
        proc.wait(60)
