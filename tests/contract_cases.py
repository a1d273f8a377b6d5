"""Requests whose answers pin the HTTP contract: the OpenAPI document and every error body.

``python -m tests.contract_cases --write`` records what the service answers today into
``tests/data/contract-snapshot.json``; ``tests/test_contract_snapshot.py`` replays the same requests
and compares. Re-record only when a change to the contract is intended, and say so in the commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.support import ARTICLE

SNAPSHOT = Path(__file__).resolve().parent / "data" / "contract-snapshot.json"


# (method, path, keyword arguments for Flask's test client)
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/openapi.json", {}),
    ("GET", "/v1/lengths", {}),
    ("GET", "/v1/styles", {}),
    ("GET", "/v1/modes", {}),
    ("GET", "/nope", {}),
    ("GET", "/v1/briefings", {}),
    ("POST", "/v1/briefings", {"data": "{not json", "content_type": "application/json"}),
    ("POST", "/v1/briefings", {"data": "[1, 2]", "content_type": "application/json"}),
    ("POST", "/v1/briefings", {"data": "x", "content_type": "application/xml"}),
    ("POST", "/v1/briefings", {"json": {"article": ""}}),
    ("POST", "/v1/briefings", {"json": {"article": "   \n "}}),
    ("POST", "/v1/briefings", {"json": {"article": 42}}),
    ("POST", "/v1/briefings", {"json": {"article": ["a"]}}),
    ("POST", "/v1/briefings", {"json": {"title": "no article"}}),
    ("POST", "/v1/briefings", {"json": {"article": ARTICLE, "html": "<p>x</p>"}}),
    ("POST", "/v1/briefings", {"json": {"article": ARTICLE, "title": 5}}),
    ("POST", "/v1/briefings", {"json": {"article": ARTICLE, "lengths": ["haiku"]}}),
    ("POST", "/v1/briefings", {"json": {"article": ARTICLE, "lengths": []}}),
    ("POST", "/v1/briefings", {"json": {"article": ARTICLE, "lengths": "tldr"}}),
    ("POST", "/v1/briefings", {"json": {"article": ARTICLE, "format": "html"}}),
    ("POST", "/v1/briefings", {"json": {"article": ARTICLE, "mode": "creative"}}),
    ("POST", "/v1/briefings", {"json": {"article": ARTICLE, "colour": "red"}}),
    ("POST", "/v1/briefings", {"json": {"article": "!!! ... ???"}}),
    ("POST", "/v1/briefings", {"json": {"article": "a" * 60_000}}),
    ("POST", "/v1/briefings", {"json": {"html": "<html><body><nav>menu</nav></body></html>"}}),
    ("POST", "/v1/briefings?lengths=haiku", {"data": ARTICLE, "content_type": "text/plain"}),
    ("POST", "/v1/briefings?mode=creative", {"data": ARTICLE, "content_type": "text/plain"}),
    ("POST", "/v1/rewrite", {"json": {"text": ARTICLE}}),
    ("POST", "/v1/rewrite", {"json": {"text": ARTICLE, "style": "pirate"}}),
    ("POST", "/v1/rewrite", {"json": {"style": "plain"}}),
    ("POST", "/v1/rewrite", {"json": {"text": "", "style": "plain"}}),
    ("POST", "/v1/rewrite", {"json": {"text": ARTICLE, "style": "plain", "extra": 1}}),
    ("POST", "/v1/rewrite?style=pirate", {"data": ARTICLE, "content_type": "text/plain"}),
    ("POST", "/v1/files", {"json": {"purpose": "batch"}}),
    ("POST", "/v1/batches", {"data": "x", "content_type": "text/plain"}),
    ("POST", "/v1/briefings/batch", {"json": {}}),
    ("POST", "/v1/briefings/batch", {"json": {"articles": []}}),
    ("POST", "/v1/briefings/batch", {"json": {"articles": "x"}}),
    ("POST", "/v1/briefings/batch", {"json": {"articles": [{"id": "a"}], "mode": "creative"}}),
    ("POST", "/v1/briefings/batch", {"json": {"articles": [{"id": "a", "article": ARTICLE}], "colour": 1}}),
    (
        "POST",
        "/v1/briefings/batch",
        {
            "json": {
                "lengths": ["tldr"],
                "mode": "extractive",
                "articles": [
                    {"id": "a", "article": ""},
                    {"article": ARTICLE},
                    {"id": "c", "article": ARTICLE, "colour": 1},
                    {"id": "d", "article": ARTICLE, "lengths": ["haiku"]},
                    {"id": "d", "article": ARTICLE},
                    "not an object",
                ],
            }
        },
    ),
]


def answer(client: Any, method: str, path: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The status and JSON body of one case, with the parts that vary between runs removed."""
    response = client.open(path, method=method, **kwargs)
    return {"status": response.status_code, "body": response.get_json()}


def record(client: Any) -> list[dict[str, Any]]:
    return [{"method": m, "path": p, "kwargs": k, **answer(client, m, p, k)} for m, p, k in CASES]


def _client() -> Any:
    import tempfile

    from service.engine.engine import Engine
    from service.http.app import create_app
    from service.settings import Settings
    from tests.fakes import HashingEmbedder, ReplayGenerator

    settings = Settings(
        cache_dir=tempfile.mkdtemp(),
        max_body_bytes=200_000,
        max_article_chars=50_000,
        free_writing="on",
        risk_threshold=0.9,
    )
    engine = Engine(settings, generator=ReplayGenerator(), embedder=HashingEmbedder())
    engine.load()
    return create_app(settings, engine=engine).test_client()


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.contract_cases --write")
    SNAPSHOT.write_text(json.dumps(record(_client()), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
