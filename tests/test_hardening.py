"""Overload, request ids, logs without article text, API keys and CORS — each with a test."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import pytest

from service.engine.engine import Engine
from service.http.app import create_app
from service.settings import Settings
from tests.fakes import HashingEmbedder, ReplayGenerator
from tests.support import ARTICLE


def make_client(settings: Settings, generator: ReplayGenerator | None = None):
    engine = Engine(settings, generator=generator or ReplayGenerator(), embedder=HashingEmbedder())
    engine.load()
    return create_app(settings, engine=engine).test_client(), engine


def test_overload_is_refused_at_once_with_retry_after(tmp_path: Path) -> None:
    release = threading.Event()
    entered = threading.Semaphore(0)

    def slow_reply(prompt):
        entered.release()
        release.wait(10)
        return ""

    settings = Settings(cache_dir=str(tmp_path), max_running=1, max_waiting=1, free_writing="on", risk_threshold=0.9)
    client, engine = make_client(settings, ReplayGenerator(reply=slow_reply))
    statuses: list[int] = []
    threads = [
        threading.Thread(
            target=lambda: statuses.append(
                create_app(settings, engine=engine)
                .test_client()
                .post("/v1/briefings", json={"article": ARTICLE, "lengths": ["tldr"], "mode": "auto"})
                .status_code
            )
        )
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    assert entered.acquire(timeout=5)  # one generation running
    deadline = time.monotonic() + 5
    while engine.admission.waiting < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    for _ in range(6):  # 8 requests against a capacity of 2 (1 running + 1 waiting): 4x capacity
        started = time.monotonic()
        r = client.post("/v1/briefings", json={"article": ARTICLE, "lengths": ["tldr"], "mode": "auto"})
        # Refused without waiting for the running generation (it holds its slot for 10 s); the bound
        # leaves room for a CI host that pauses this thread while other tests' workers load models.
        assert time.monotonic() - started < 5.0
        assert r.status_code == 429
        assert r.get_json()["error"]["code"] == "overloaded"
        assert int(r.headers["Retry-After"]) >= 1
    assert engine.admission.rejected == 6
    # Extractive requests need no generation slot and still answer.
    assert client.post("/v1/briefings", json={"article": ARTICLE, "mode": "extractive"}).status_code == 200
    release.set()
    for t in threads:
        t.join(10)
    assert statuses == [200, 200]
    assert engine.admission.running == 0
    assert engine.admission.waiting == 0


def test_request_id_is_honoured_or_made(client) -> None:
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["X-Request-ID"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id <script>" + "x" * 200}).headers["X-Request-ID"]
    assert len(made) == 32
    assert made.isalnum()


def test_logs_are_json_with_request_id_and_never_the_article(client, caplog: pytest.LogCaptureFixture) -> None:
    from service.http.observability import JsonFormatter

    secret = "Zanzibar-unique-phrase rebels captured the city on Thursday."
    with caplog.at_level(logging.INFO):
        client.post("/v1/briefings", json={"article": secret}, headers={"X-Request-ID": "rid-7"})
    lines = [JsonFormatter().format(r) for r in caplog.records]
    access = [json.loads(line) for line in lines if '"request"' in line]
    assert access
    assert access[-1]["request_id"] == "rid-7"
    assert access[-1]["status"] == 200
    assert not any("Zanzibar" in line for line in lines)


@pytest.fixture
def keyed(tmp_path: Path):
    keyfile = tmp_path / "keys"
    keyfile.write_text("# comment\nfile-key-2\n")
    settings = Settings(cache_dir=str(tmp_path), api_keys="env-key-1", api_keys_file=str(keyfile))
    return make_client(settings)[0]


def test_api_keys_required_when_configured(keyed) -> None:
    r = keyed.post("/v1/briefings", json={"article": ARTICLE, "mode": "extractive"})
    assert r.status_code == 401
    assert r.get_json()["error"]["code"] == "unauthorized"
    assert "Bearer" in r.headers["WWW-Authenticate"]
    assert (
        keyed.post("/v1/briefings", json={"article": ARTICLE}, headers={"Authorization": "Bearer wrong"}).status_code
        == 401
    )
    ok = {"json": {"article": ARTICLE, "mode": "extractive"}}
    assert keyed.post("/v1/briefings", headers={"Authorization": "Bearer env-key-1"}, **ok).status_code == 200
    assert keyed.post("/v1/briefings", headers={"X-API-Key": "file-key-2"}, **ok).status_code == 200
    assert keyed.get("/healthz").status_code == 200
    assert keyed.get("/readyz").status_code == 200


def test_cors_is_off_by_default_and_follows_the_allow_list(client, tmp_path: Path) -> None:
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/v1/lengths", headers={"Origin": "https://evil.example"}).headers
    )
    allowed = make_client(Settings(cache_dir=str(tmp_path), cors_origins="https://news.example"))[0]
    r = allowed.options(
        "/v1/briefings", headers={"Origin": "https://news.example", "Access-Control-Request-Method": "POST"}
    )
    assert r.headers["Access-Control-Allow-Origin"] == "https://news.example"
    r = allowed.get("/v1/lengths", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_metrics_count_requests_rejections_and_tokens(client) -> None:
    client.post("/v1/briefings", json={"article": ARTICLE, "mode": "extractive"})
    client.post("/v1/briefings", json={"article": ARTICLE, "lengths": ["haiku"]})
    text = client.get("/metrics").get_data(as_text=True)
    assert 'briefly_requests_total{route="/v1/briefings",status="200"} 1.0' in text
    assert 'briefly_rejections_total{reason="invalid_input"} 1.0' in text
    assert "briefly_request_seconds_bucket" in text
    assert "briefly_queue_waiting 0.0" in text
    assert "briefly_ready 1.0" in text
    assert "briefly_generated_tokens_total" in text
