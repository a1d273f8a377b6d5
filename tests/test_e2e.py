"""End to end: gunicorn with the real embedded model, the sample article, every length in contract."""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.request

import pytest

from service.briefing.lengths import LENGTHS
from service.text.facts import numbers_in
from tests.server import call


@pytest.fixture(scope="module")
def server(live_server: str) -> str:
    return live_server


@pytest.mark.slow
def test_sample_article_gives_every_length_within_contract(server: str, seed_article: str) -> None:
    status, body = call(server + "/v1/briefings?mode=auto", seed_article.encode(), "text/plain")
    assert status == 200, body
    assert list(body["briefings"]) == list(LENGTHS)
    for name, briefing in body["briefings"].items():
        assert briefing["within_contract"], (name, briefing["violations"], briefing["text"])
        assert briefing["text"].strip()
    assert "SmolLM2" in body["model"]["id"]
    assert body["input"]["tokens"] > 300
    assert body["input"]["condensed"] is False
    shipped = " ".join(b["text"] for b in body["briefings"].values())
    assert numbers_in(shipped) <= numbers_in(seed_article)


@pytest.mark.slow
def test_paraphrase_keeps_the_articles_numbers(server: str, seed_article: str) -> None:
    status, body = call(server + "/v1/rewrite", json.dumps({"text": seed_article, "style": "paraphrase"}).encode())
    assert status == 200, body
    assert numbers_in(body["text"]) == numbers_in(seed_article)
    assert body["style"] == "paraphrase"
    assert body["rewritten_sentences"] + body["kept_original_sentences"] == len(body["sentences"])


def generations_running(base: str) -> float:
    with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("briefly_generations_running "):
                return float(line.split()[1])
    raise AssertionError("no briefly_generations_running gauge")


@pytest.mark.slow
def test_streaming_through_gunicorn_and_a_disconnect_stops_the_model(server: str, seed_article: str) -> None:
    host, port = server.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    conn.request(
        "POST",
        "/v1/briefings?mode=abstractive&lengths=brief",
        seed_article.encode(),
        {"Content-Type": "text/plain", "Accept": "text/event-stream"},
    )
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/event-stream")
    seen = b""
    while seen.count(b"event: token") < 3:  # the model is decoding the brief, token by token
        seen += response.read1(4096)
    assert seen.startswith(b"event: analysed")
    assert generations_running(server) == 1
    conn.sock.shutdown(socket.SHUT_RDWR)
    conn.close()
    gone = time.monotonic()
    while generations_running(server) and time.monotonic() - gone < 30:
        time.sleep(0.05)
    stopped_after = time.monotonic() - gone
    # A brief of up to 240 new tokens decodes for several seconds; a dropped client stops it at once.
    assert stopped_after < 2.0, stopped_after
