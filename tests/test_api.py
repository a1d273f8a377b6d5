"""The HTTP contract, with an injected fake model: status codes, JSON shapes, every error."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from service.briefing.lengths import LENGTHS
from service.briefing.styles import STYLES
from service.engine.engine import Engine
from service.http.app import create_app
from service.settings import Settings
from tests.fakes import HashingEmbedder, ReplayGenerator, reply_by_instruction
from tests.support import ARTICLE, error_of


def test_briefings_json_returns_every_length_by_default(client: FlaskClient) -> None:
    r = client.post("/v1/briefings", json={"article": ARTICLE})
    assert r.status_code == 200
    body = r.get_json()
    assert list(body["briefings"]) == list(LENGTHS)
    for briefing in body["briefings"].values():
        assert {"text", "words", "within_contract", "violations", "sentences"} <= set(briefing)
        assert isinstance(briefing["text"], str)
        assert isinstance(briefing["words"], int)
    assert {"tokens", "condensed"} <= set(body["input"])
    assert isinstance(body["input"]["tokens"], int)
    assert body["input"]["tokens"] > 0
    assert body["model"]["id"] == "replay"
    assert "total_s" in body["timings"]
    assert body["article_sentences"][0].startswith("The city council")


def test_briefings_plain_text_body_with_query_options(client: FlaskClient) -> None:
    r = client.post(
        "/v1/briefings?lengths=tldr,headline&format=markdown&mode=extractive",
        data=ARTICLE,
        content_type="text/plain; charset=utf-8",
    )
    assert r.status_code == 200
    body = r.get_json()
    assert list(body["briefings"]) == ["tldr", "headline"]
    assert body["mode"] == "extractive"
    assert isinstance(body["input"]["tokens"], int)
    assert body["input"]["condensed"] is False
    assert body["briefings"]["headline"]["text"].startswith("**")


def test_markdown_key_points_are_a_bullet_list(client: FlaskClient) -> None:
    r = client.post("/v1/briefings", json={"article": ARTICLE, "lengths": ["key_points"], "format": "markdown"})
    lines = r.get_json()["briefings"]["key_points"]["text"].split("\n")
    assert len(lines) == 3
    assert all(line.startswith("- ") for line in lines)


def test_title_reaches_the_prompt(client: FlaskClient, generator: ReplayGenerator) -> None:
    client.post(
        "/v1/briefings", json={"article": ARTICLE, "title": "Library vote", "lengths": ["tldr"], "mode": "auto"}
    )
    assert "Title: Library vote" in generator.prompts[-1].user


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "malformed_request"),
        ({"data": "[1, 2]", "content_type": "application/json"}, 400, "malformed_request"),
        ({"data": b"\xff\xfe bad", "content_type": "text/plain"}, 400, "malformed_request"),
        ({"data": "x", "content_type": "application/xml"}, 415, "unsupported_media_type"),
        ({"data": "x"}, 415, "unsupported_media_type"),
        ({"json": {"article": ""}}, 422, "invalid_input"),
        ({"json": {"article": "   \n "}}, 422, "invalid_input"),
        ({"json": {"article": 42}}, 422, "invalid_input"),
        ({"json": {"article": ["a"]}}, 422, "invalid_input"),
        ({"json": {"title": "no article"}}, 422, "invalid_input"),
        ({"json": {"article": ARTICLE, "lengths": ["haiku"]}}, 422, "invalid_input"),
        ({"json": {"article": ARTICLE, "lengths": []}}, 422, "invalid_input"),
        ({"json": {"article": ARTICLE, "format": "html"}}, 422, "invalid_input"),
        ({"json": {"article": ARTICLE, "mode": "creative"}}, 422, "invalid_input"),
        ({"json": {"article": ARTICLE, "colour": "red"}}, 422, "invalid_input"),
        ({"json": {"article": "!!! ... ???"}}, 422, "invalid_input"),
        ({"data": '{"article": "\\ud800 lone"}', "content_type": "application/json"}, 422, "invalid_input"),
        (
            {"data": '{"article": ' + "[" * 50 + "]" * 50 + "}", "content_type": "application/json"},
            400,
            "malformed_request",
        ),
    ],
)
def test_briefing_errors(client: FlaskClient, kwargs: dict, status: int, code: str) -> None:
    r = client.post("/v1/briefings", **kwargs)
    assert r.status_code == status, r.get_json()
    assert error_of(r)["code"] == code


def test_unknown_length_error_names_the_field(client: FlaskClient) -> None:
    r = client.post("/v1/briefings", json={"article": ARTICLE, "lengths": ["haiku"]})
    err = error_of(r)
    assert err["field"] == "lengths"
    assert "haiku" in err["message"]


def test_body_over_limit_is_413(client: FlaskClient) -> None:
    r = client.post("/v1/briefings", data="word " * 60_000, content_type="text/plain")
    assert r.status_code == 413
    assert error_of(r)["code"] == "payload_too_large"


def test_article_over_character_limit_is_413_naming_sizes(client: FlaskClient) -> None:
    r = client.post("/v1/briefings", json={"article": "a" * 60_000})
    assert r.status_code == 413
    assert "60000" in error_of(r)["message"]
    assert "50000" in error_of(r)["message"]


def test_invisible_characters_are_removed_before_use(client: FlaskClient) -> None:
    r = client.post(
        "/v1/briefings", json={"article": "\u202e\u200b" + ARTICLE.replace(" ", " \u200b"), "lengths": ["tldr"]}
    )
    assert r.status_code == 200
    assert not any(ch in json.dumps(r.get_json()["article_sentences"]) for ch in ("\\u200b", "\\u202e"))


def test_rewrite_every_style_answers(client: FlaskClient) -> None:
    for style in STYLES:
        r = client.post("/v1/rewrite", json={"text": ARTICLE, "style": style})
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        assert body["style"] == style
        assert body["text"]
        assert {"rewritten_sentences", "sentences"} <= set(body)


def test_rewrite_plain_text_body(client: FlaskClient) -> None:
    r = client.post("/v1/rewrite?style=formal", data=ARTICLE, content_type="text/plain")
    assert r.status_code == 200
    assert r.get_json()["style"] == "formal"


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"text": ARTICLE}, 422),
        ({"text": ARTICLE, "style": "pirate"}, 422),
        ({"style": "plain"}, 422),
        ({"text": "", "style": "plain"}, 422),
    ],
)
def test_rewrite_errors(client: FlaskClient, payload: dict, status: int) -> None:
    r = client.post("/v1/rewrite", json=payload)
    assert r.status_code == status
    assert error_of(r)["code"] == "invalid_input"


def test_default_mode_is_published_and_used(client: FlaskClient, generator: ReplayGenerator) -> None:
    assert client.get("/v1/modes").get_json() == {
        "modes": ["auto", "extractive", "abstractive"],
        "default": "extractive",
    }
    assert client.post("/v1/briefings", json={"article": ARTICLE}).get_json()["mode"] == "extractive"
    assert generator.prompts == []  # extractive never calls the model


def test_lengths_and_styles_are_published(client: FlaskClient) -> None:
    lengths = client.get("/v1/lengths").get_json()["lengths"]
    assert [x["name"] for x in lengths] == list(LENGTHS)
    assert next(x for x in lengths if x["name"] == "headline")["max_words"] == 14
    styles = client.get("/v1/styles").get_json()["styles"]
    assert [x["name"] for x in styles] == list(STYLES)


def test_health_and_readiness(client: FlaskClient) -> None:
    assert client.get("/healthz").status_code == 200
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.get_json()["status"] == "ready"


def test_not_ready_until_loaded_and_after_failed_self_check(settings: Settings) -> None:
    engine = Engine(settings, generator=ReplayGenerator(fail_self_check=True), embedder=HashingEmbedder())
    client = create_app(settings, engine=engine).test_client()
    assert client.get("/readyz").status_code == 503  # still loading
    assert client.post("/v1/briefings", json={"article": ARTICLE}).status_code == 503
    with pytest.raises(RuntimeError):
        engine.load()
    r = client.get("/readyz")
    assert r.status_code == 503
    assert "self-check" in r.get_json()["error"]["message"]
    assert client.get("/healthz").status_code == 200


def test_unknown_route_and_method_are_json(client: FlaskClient) -> None:
    assert error_of(client.get("/nope"))["code"] == "not_found"
    r = client.get("/v1/briefings")
    assert r.status_code == 405
    assert error_of(r)["code"] == "method_not_allowed"


def test_our_bugs_are_a_generic_500_without_a_trace(settings: Settings) -> None:
    def explode(prompt):
        raise ZeroDivisionError("secret internals")

    engine = Engine(settings, generator=ReplayGenerator(reply=explode), embedder=HashingEmbedder())
    engine.state = "ready"
    engine._wire()
    r = (
        create_app(settings, engine=engine)
        .test_client()
        .post("/v1/briefings", json={"article": ARTICLE, "mode": "auto"})
    )
    assert r.status_code == 500
    err = error_of(r)
    assert err["code"] == "internal_error"
    assert "secret" not in err["message"]
    assert "Traceback" not in r.get_data(as_text=True)


def test_generated_reply_is_used_when_supported(settings: Settings) -> None:
    reply = reply_by_instruction({"headline": "Springfield council votes to build new library on Main Street"})
    engine = Engine(settings, generator=ReplayGenerator(reply=reply), embedder=HashingEmbedder())
    engine.load()
    r = (
        create_app(settings, engine=engine)
        .test_client()
        .post("/v1/briefings", json={"article": ARTICLE, "lengths": ["headline"], "mode": "auto"})
    )
    headline = r.get_json()["briefings"]["headline"]
    assert headline["text"] == "Springfield council votes to build new library on Main Street"
    assert headline["sentences"][0]["origin"] == "generated"


def test_a_large_web_page_is_held_to_the_html_limit_and_its_text_cut_to_the_article_limit(client: FlaskClient) -> None:
    # A real news page's markup is hundreds of kilobytes (scripts, styles, menus); its article is not.
    script = "<script>var x = '" + "a" * 80_000 + "';</script>"
    paragraphs = "".join(f"<p>{sentence}.</p>" for sentence in ARTICLE.split(". "))
    page = f"<html><head><title>Library vote</title>{script}</head><body><article>{paragraphs}</article></body></html>"
    assert len(page) > 50_000  # over this app's article limit, under its body limit
    response = client.post("/v1/briefings", json={"html": page, "lengths": ["tldr"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["input"]["extracted"]["html_characters"] == len(page)
    long_text = "".join(f"<p>Report {n}: {ARTICLE}</p>" for n in range(200))  # extracted: over 50,000
    response = client.post("/v1/briefings", json={"html": f"<html><body><article>{long_text}</article></body></html>"})
    assert response.status_code == 200  # a page's text over the limit is briefed from its first part
    body = response.get_json()
    assert body["cut_short"] is True
    assert body["input"]["extracted"]["briefed_characters"] <= 50_000 < body["input"]["extracted"]["characters"]
