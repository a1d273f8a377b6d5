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
    assert r.status_code == 503
    assert r.get_json()["status"] == "draining"
    assert client.post("/v1/briefings", json={"article": "Rebels took the city on Friday."}).status_code == 503
    assert client.get("/healthz").status_code == 200


def briefing_seconds(base: str, article: str) -> float:
    """One generating briefing, timed: this machine's pace (the worker's admission learns it too)."""
    body = json.dumps({"article": article, "lengths": ["headline", "tldr"], "mode": "auto"}).encode()
    started = time.monotonic()
    status, _ = call(base + "/v1/briefings", body, timeout=300)
    assert status == 200
    return time.monotonic() - started


@pytest.mark.slow
def test_sigterm_drains_requests_in_flight(seed_article: str) -> None:
    """As many requests in flight as this machine can hold (one generating, up to two waiting for
    the slot: each waiter must get it within the admission wait, which admission checks against
    the generation time it measured), then SIGTERM: every one of them is answered."""
    proc, base = start_gunicorn(BRIEFLY_MAX_WAITING="4")
    try:
        wait_ready(base, proc)
        generation_s = briefing_seconds(base, seed_article)
        timeout_s = Settings.from_env().request_timeout_s
        admission_wait_s = min(30.0, timeout_s / 3)  # Engine.admission_wait_s
        waiting = min(2, int(admission_wait_s / (1.5 * generation_s)))
        print(f"a briefing takes {generation_s:.1f} s here: {1 + waiting} requests in flight")
        results: list = []
        threads = [post_in_background(base, seed_article, results) for _ in range(1 + waiting)]
        time.sleep(1.0)  # all accepted: one generating, the others waiting for the slot
        proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join((1 + waiting) * 2 * generation_s + 30)
        assert results == [200] * (1 + waiting)
        proc.wait(30)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def model_load_s(base: str) -> float:
    """How long the serving worker took to load its model (its /readyz model block)."""
    status, body = call(base + "/readyz", timeout=10)
    assert status == 200
    return float(body["model"]["load_s"])


@pytest.mark.slow
def test_killed_worker_is_replaced_and_serving_within_seconds(seed_article: str) -> None:
    """A replacement worker starts as the first one did: the bound is this machine's start-up time
    (gunicorn, imports, model load, self-check), measured in the same test, scaled by how much
    slower the replacement's own model load ran (a shared machine's load varies), with room for
    the kill."""
    proc, base = start_gunicorn()
    try:
        startup_s = wait_ready(base, proc)
        first_load_s = model_load_s(base)
        (worker,) = worker_pids(proc.pid)
        results: list = []
        thread = post_in_background(base, seed_article, results)
        time.sleep(1.0)
        os.kill(worker, signal.SIGKILL)
        thread.join(60)
        killed_at = time.monotonic()
        recovered = wait_ready(base, proc, limit_s=max(60.0, 5 * startup_s))
        slower = max(1.0, model_load_s(base) / max(first_load_s, 0.1))
        bound_s = 1.5 * startup_s * slower + 10
        status, body = call(
            base + "/v1/briefings", json.dumps({"article": seed_article, "mode": "extractive"}).encode()
        )
        assert status == 200
        assert body["briefings"]["tldr"]["within_contract"]
        assert worker_pids(proc.pid)
        assert worker_pids(proc.pid)[0] != worker
        print(
            f"started in {startup_s:.1f} s (model {first_load_s:.1f} s); worker replaced and ready "
            f"{recovered:.1f} s after kill -9 (its model load {slower:.1f}x slower); bound {bound_s:.1f} s"
        )
        assert time.monotonic() - killed_at < bound_s
    finally:
        proc.terminate()
        proc.wait(60)
