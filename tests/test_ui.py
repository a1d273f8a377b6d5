"""The page and docs as files: served with a same-origin CSP, open without a key, nothing external."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from flask.testing import FlaskClient

from service.engine.engine import Engine
from service.http.app import create_app
from service.settings import Settings
from tests.fakes import HashingEmbedder, ReplayGenerator

STATIC = Path(__file__).resolve().parent.parent / "service" / "http" / "static"


def test_page_and_docs_are_served_with_a_same_origin_policy(client: FlaskClient) -> None:
    for path, marker in (("/", "Briefly — news briefings"), ("/docs", "swagger-ui")):
        r = client.get(path)
        assert r.status_code == 200
        assert r.mimetype == "text/html"
        assert marker in r.get_data(as_text=True)
        policy = r.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
    for asset in (
        "/static/app.js",
        "/static/app.css",
        "/static/docs.js",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
    ):
        assert client.get(asset).status_code == 200, asset


def test_our_pages_reference_nothing_outside_the_server() -> None:
    for name in ("index.html", "docs.html", "app.js", "app.css", "docs.js"):
        text = (STATIC / name).read_text()
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), name
        assert "innerHTML" not in text  # server text goes in as text, never as markup


def test_page_is_open_but_the_api_is_not_when_keys_are_configured(settings: Settings) -> None:
    keyed = dataclasses.replace(settings, api_keys="secret-key")
    engine = Engine(keyed, generator=ReplayGenerator(), embedder=HashingEmbedder())
    engine.load()
    client = create_app(keyed, engine=engine).test_client()
    assert client.get("/").status_code == 200
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/docs").status_code == 200
    assert client.post("/v1/briefings", json={"article": "Rebels took Hama on Thursday."}).status_code == 401
    r = client.post(
        "/v1/briefings",
        json={"article": "Rebels took Hama on Thursday."},
        headers={"Authorization": "Bearer secret-key"},
    )
    assert r.status_code == 200


def test_the_page_lists_batch_jobs_with_their_progress() -> None:
    """A panel lists the key's batches (GET /v1/batches) with a progress bar each, refreshable by
    keyboard; every call the page makes carries the API key the page's other calls carry."""
    html = (STATIC / "index.html").read_text()
    script = (STATIC / "app.js").read_text()
    assert 'aria-labelledby="batches-heading"' in html
    assert '<h2 id="batches-heading">' in html
    assert re.search(r'<button id="batches-refresh" type="button">', html)
    assert re.search(r'<p id="batches-status"[^>]*role="status"', html)
    assert 'getJSON("/v1/batches?limit=20")' in script
    assert 'createElement("progress")' in script
    calls = re.findall(r"fetch\(([^;]*?)\);", script, re.S)
    assert len(calls) >= 6, calls
    assert all("headers(" in call for call in calls), calls
