"""Server-sent events for briefings: what arrives, in what order, and what a disconnect stops."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from flask.testing import FlaskClient

from service.engine.engine import Engine
from service.http.app import create_app
from service.settings import Settings
from tests.fakes import HashingEmbedder, ReplayGenerator, reply_by_instruction
from tests.support import ARTICLE, error_of

STREAM = {"Accept": "text/event-stream"}
HEADLINE = "Springfield council votes to build new library on Main Street"


def parse_events(chunks: Iterable[bytes | str]) -> list[tuple[str, Any]]:
    """(event name, decoded data) for each SSE event; comment lines (keep-alives) are skipped."""
    text = "".join(c.decode() if isinstance(c, bytes) else c for c in chunks)
    events = []
    for block in text.split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]
        if not lines:
            continue
        fields = dict(line.split(": ", 1) for line in lines)
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def app_with(settings: Settings, generator: ReplayGenerator) -> tuple[Engine, FlaskClient]:
    engine = Engine(settings, generator=generator, embedder=HashingEmbedder())
    engine.load()
    return engine, create_app(settings, engine=engine).test_client()


def test_extractive_stream_sends_each_length_then_the_full_response(client: FlaskClient) -> None:
    r = client.post("/v1/briefings", json={"article": ARTICLE, "mode": "extractive"}, headers=STREAM)
    assert r.status_code == 200
    assert r.mimetype == "text/event-stream"
    assert r.headers["Cache-Control"] == "no-cache"
    assert r.headers["X-Accel-Buffering"] == "no"
    events = parse_events(r.response)
    names = [name for name, _ in events]
    assert names == ["analysed"] + ["briefing"] * 5 + ["done"]
    analysed, done = events[0][1], events[-1][1]
    assert analysed["article_sentences"] == done["article_sentences"]
    assert analysed["mode"] == "extractive"
    streamed = {data["length"]: data["briefing"] for name, data in events if name == "briefing"}
    assert streamed == done["briefings"]
    assert list(streamed) == analysed["lengths"]
    plain = client.post("/v1/briefings", json={"article": ARTICLE, "mode": "extractive"}).get_json()
    assert plain["briefings"] == done["briefings"]  # the stream ends with the same answer as plain JSON


def test_generating_stream_sends_tokens_as_they_come(settings: Settings) -> None:
    generator = ReplayGenerator(reply=reply_by_instruction({"headline": HEADLINE}))
    _, client = app_with(settings, generator)
    r = client.post(
        "/v1/briefings", json={"article": ARTICLE, "mode": "auto", "lengths": ["headline", "tldr"]}, headers=STREAM
    )
    events = parse_events(r.response)
    tokens = [data for name, data in events if name == "token"]
    assert len(tokens) == len(HEADLINE.split())
    assert {t["length"] for t in tokens} == {"headline"}
    assert "".join(t["text"] for t in tokens) == HEADLINE
    first_briefing = next(i for i, (name, _) in enumerate(events) if name == "briefing")
    assert all(name == "token" for name, _ in events[1:first_briefing])  # tokens precede their verified briefing
    done = events[-1]
    assert done[0] == "done"
    assert done[1]["briefings"]["headline"]["text"] == HEADLINE
    assert done[1]["model"]["id"] == "replay"


def test_client_disconnect_stops_the_generation_and_frees_the_slot(settings: Settings) -> None:
    long_reply = " ".join(["Springfield"] * 400)
    generator = ReplayGenerator(reply=lambda prompt: long_reply, seconds_per_word=0.01)
    engine, client = app_with(settings, generator)
    r = client.post(
        "/v1/briefings", json={"article": ARTICLE, "mode": "auto", "lengths": ["brief"]}, headers=STREAM, buffered=False
    )
    chunks = iter(r.response)
    seen = [next(chunks) for _ in range(4)]  # analysed + a few tokens: generation is under way
    assert parse_events(seen)[0][0] == "analysed"
    r.close()  # what a WSGI server does when its write to a gone client fails
    deadline = time.monotonic() + 5
    while engine.admission.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert engine.admission.running == 0  # the slot is free again
    stopped_at = generator.words_decoded
    time.sleep(0.1)
    assert generator.words_decoded == stopped_at < 100  # stopped, far short of 400 words


def test_refusal_and_bad_input_are_plain_json_errors_not_streams(settings: Settings) -> None:
    engine, client = app_with(settings, ReplayGenerator())
    r = client.post("/v1/briefings", json={"article": "", "mode": "auto"}, headers=STREAM)
    assert r.status_code == 422
    assert error_of(r)["field"] == "article"
    with engine.admission.slot(1):  # the worker's one generation slot is busy ...
        engine.admission.max_waiting = 0  # ... and nobody may wait
        r = client.post("/v1/briefings", json={"article": ARTICLE, "mode": "auto"}, headers=STREAM)
    assert r.status_code == 429
    assert r.mimetype == "application/json"
    assert "Retry-After" in r.headers


def test_an_error_mid_stream_is_an_error_event_without_internals(settings: Settings) -> None:
    def explode(prompt):
        raise ZeroDivisionError("secret internals")

    engine, client = app_with(settings, ReplayGenerator(reply=explode))
    r = client.post("/v1/briefings", json={"article": ARTICLE, "mode": "auto"}, headers=STREAM)
    events = parse_events(r.response)
    assert events[0][0] == "analysed"
    assert events[-1] == (
        "error",
        {"error": {"code": "internal_error", "message": "internal error; the server log has the details"}},
    )
    assert "secret" not in r.get_data(as_text=True)
    assert engine.admission.running == 0


def test_json_stays_the_default_unless_the_client_prefers_events(client: FlaskClient) -> None:
    for accept in ("*/*", "application/json", "application/json, text/event-stream;q=0.5"):
        r = client.post("/v1/briefings", json={"article": ARTICLE, "mode": "extractive"}, headers={"Accept": accept})
        assert r.mimetype == "application/json", accept


def test_streamed_generations_are_counted_in_the_metrics(settings: Settings) -> None:
    _, client = app_with(settings, ReplayGenerator(reply=reply_by_instruction({"headline": HEADLINE})))

    def tokens() -> float:
        line = next(
            row
            for row in client.get("/metrics").get_data(as_text=True).splitlines()
            if row.startswith("briefly_generated_tokens_total")
        )
        return float(line.split()[1])

    before = tokens()
    r = client.post("/v1/briefings", json={"article": ARTICLE, "mode": "auto", "lengths": ["headline"]}, headers=STREAM)
    parse_events(r.response)
    assert tokens() - before == len(HEADLINE.split())
