"""End to end: gunicorn with the real embedded model, the sample article, every length in contract."""

from __future__ import annotations

import json

import pytest

from service.lengths import LENGTHS
from service.verifier import numbers_in
from tests.server import call, start_gunicorn, wait_ready

@pytest.fixture(scope="module")
def server() -> str:
    proc, base = start_gunicorn(BRIEFLY_REQUEST_TIMEOUT_S="240")
    try:
        wait_ready(base, proc)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=60)


@pytest.mark.slow
def test_sample_article_gives_every_length_within_contract(server: str, seed_article: str) -> None:
    status, body = call(server + "/v1/briefings?mode=auto", seed_article.encode(), "text/plain")
    assert status == 200, body
    assert list(body["briefings"]) == list(LENGTHS)
    for name, briefing in body["briefings"].items():
        assert briefing["within_contract"], (name, briefing["violations"], briefing["text"])
        assert briefing["text"].strip()
    assert "SmolLM2" in body["model"]["id"]
    assert body["input"]["tokens"] > 500 and body["input"]["condensed"] is False
    shipped = " ".join(b["text"] for b in body["briefings"].values())
    assert numbers_in(shipped) <= numbers_in(seed_article)


@pytest.mark.slow
def test_paraphrase_keeps_the_articles_numbers(server: str, seed_article: str) -> None:
    status, body = call(server + "/v1/rewrite", json.dumps({"text": seed_article, "style": "paraphrase"}).encode())
    assert status == 200, body
    assert numbers_in(body["text"]) == numbers_in(seed_article)
    assert body["style"] == "paraphrase" and body["rewritten_sentences"] + body["kept_original_sentences"] == len(body["sentences"])
