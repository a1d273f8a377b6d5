"""Checking has a bounded cost: checks are admitted apart from generations (429 with Retry-After once
the worker's check slots and waiting places are taken), each stops at its deadline with a clear 504,
and briefings and /readyz keep answering while checks run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.engine.engine import Engine
from service.http.app import create_app
from service.settings import Settings
from tests.fakes import HashingEmbedder, ReplayGenerator
from tests.support import ARTICLE


@pytest.fixture
def slow_checks(tmp_path: Path) -> Iterator[tuple[Flask, threading.Event, threading.Semaphore]]:
    """An app whose checks wait until released: one runs, none may wait, the rest are refused."""
    settings = Settings(cache_dir=str(tmp_path), free_writing="on", check_slots=1, check_waiting=0, risk_threshold=0.9)
    engine = Engine(settings, generator=ReplayGenerator(), embedder=HashingEmbedder())
    engine.load()
    assert engine.checker is not None
    release, started = threading.Event(), threading.Semaphore(0)
    real_check = engine.checker.check

    def held(article: str, summary: str, deadline: float | None = None) -> Any:
        started.release()
        release.wait(10)
        return real_check(article, summary, deadline)

    engine.checker.check = held  # type: ignore[method-assign]
    yield create_app(settings, engine=engine), release, started
    release.set()


def test_a_saturated_worker_refuses_checks_but_keeps_briefing_and_probing(
    slow_checks: tuple[Flask, threading.Event, threading.Semaphore],
) -> None:
    app, release, started = slow_checks
    body = {"article": ARTICLE, "summary": "The council voted 7 to 2 on Tuesday to build a new library."}
    answers: list[int] = []

    def post() -> None:
        with app.test_client() as c:
            answers.append(c.post("/v1/check", json=body).status_code)

    running = threading.Thread(target=post)
    running.start()
    assert started.acquire(timeout=10)  # one check holds the only slot
    client: FlaskClient = app.test_client()
    refused = client.post("/v1/check", json=body)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "overloaded"
    assert "checks" in refused.get_json()["error"]["message"]
    assert int(refused.headers["Retry-After"]) >= 1
    # Meanwhile the worker still answers its probes and briefs.
    assert client.get("/readyz").status_code == 200
    brief = client.post("/v1/briefings", json={"article": ARTICLE, "mode": "extractive", "lengths": ["tldr"]})
    assert brief.status_code == 200
    release.set()
    running.join(10)
    assert answers == [200]
    assert client.post("/v1/check", json=body).status_code == 200  # the slot is free again


def test_a_check_past_its_deadline_is_a_clear_504(tmp_path: Path) -> None:
    settings = Settings(cache_dir=str(tmp_path), free_writing="on", check_timeout_s=0.0, risk_threshold=0.9)
    engine = Engine(settings, generator=ReplayGenerator(), embedder=HashingEmbedder())
    engine.load()
    client = create_app(settings, engine=engine).test_client()
    answer = client.post("/v1/check", json={"article": ARTICLE, "summary": "The council voted. " * 200})
    assert answer.status_code == 504
    assert answer.get_json()["error"]["code"] == "check_timeout"
    assert "shorter summary" in answer.get_json()["error"]["message"]
