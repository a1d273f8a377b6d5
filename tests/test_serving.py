"""Serving: every endpoint is answered the same way, readiness first: a worker still loading refuses
before it fetches a page or extracts one."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from service.engine import serving
from service.engine.engine import Engine
from service.web import page


@pytest.fixture
def loading(engine: Engine) -> Engine:
    engine.state = "loading"
    return engine


def test_a_loading_worker_refuses_a_url_before_fetching_it(
    client: FlaskClient, loading: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetched: list[str] = []

    def fetch(url: str, policy: Any) -> tuple[str, dict[str, object]]:
        fetched.append(url)
        return "<html><body><p>Never read.</p></body></html>", {}

    monkeypatch.setattr(serving, "fetch_html", fetch)
    answer = client.post("/v1/briefings", json={"url": "https://example.com/news"})
    assert answer.status_code == 503
    assert answer.get_json()["error"]["code"] == "not_ready"
    assert fetched == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/briefings", {"html": "<html><body><p>A page.</p></body></html>"}),
        ("/v1/check", {"html": "<html><body><p>A page.</p></body></html>", "summary": "A page."}),
    ],
)
def test_a_loading_worker_refuses_a_page_before_extracting_it(
    client: FlaskClient, loading: Engine, monkeypatch: pytest.MonkeyPatch, path: str, body: dict[str, str]
) -> None:
    extracted: list[str] = []
    monkeypatch.setattr(serving, "extract_article", lambda html: extracted.append(html) or page.extract_article(html))
    answer = client.post(path, json=body)
    assert answer.status_code == 503
    assert extracted == []


def test_every_endpoint_refuses_alike_while_loading(client: FlaskClient, loading: Engine, seed_article: str) -> None:
    bodies = {
        "/v1/briefings": {"article": seed_article},
        "/v1/rewrite": {"text": seed_article, "style": "plain"},
        "/v1/check": {"article": seed_article, "summary": "The council voted."},
        "/v1/briefings/batch": {"articles": [{"id": "a", "article": seed_article}]},
    }
    for path, body in bodies.items():
        answer = client.post(path, json=body)
        assert answer.status_code == 503, path
        assert answer.get_json()["error"]["code"] == "not_ready", path
