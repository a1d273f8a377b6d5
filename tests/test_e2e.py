"""End to end: gunicorn with the real embedded model, the sample article, every length in contract."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from service.lengths import LENGTHS
from service.verifier import numbers_in

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url: str, body: bytes | None = None, content_type: str = "application/json", timeout: float = 300) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type} if body else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def server() -> str:
    port = free_port()
    env = dict(os.environ, PORT=str(port), BRIEFLY_HOST="127.0.0.1", BRIEFLY_WORKERS="1", BRIEFLY_REQUEST_TIMEOUT_S="240")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", "service.wsgi:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if call(base + "/readyz", timeout=2)[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert proc.poll() is None, "gunicorn exited during start-up"
            time.sleep(0.5)
        else:
            pytest.fail("the service did not become ready within 180 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=60)


@pytest.mark.slow
def test_sample_article_gives_every_length_within_contract(server: str, seed_article: str) -> None:
    status, body = call(server + "/v1/briefings", seed_article.encode(), "text/plain")
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
