"""Request controls: ``counts`` (how many key points, how many words of prose), ``focus`` (what the
reader cares about) and ``url`` (a page Briefly fetches), through the HTTP API with the fake
backend; every url refusal answers its own JSON error."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.briefing.lengths import ADJUSTABLE, LENGTHS
from service.engine.engine import Engine
from service.engine.protocol import Counts
from service.http.app import create_app
from service.settings import Settings
from tests.fakes import HashingEmbedder, ReplayGenerator, reply_by_instruction

ARTICLE = (
    "The city council approved a new budget on Tuesday after a long debate. "
    "The budget raises spending on public schools by 4 percent next year. "
    "Mayor Ana Ruiz said the plan protects every branch library in the city. "
    "Library hours will be extended on weekends under the new plan. "
    "Opponents on the council said property taxes would rise as a result. "
    "The vote was seven to two, with two members absent from the chamber. "
    "Road repairs will receive an extra 2 million dollars from the reserve fund. "
    "The council will hold a public hearing on parking fees in March. "
    "Police staffing stays at last year's level under the approved budget. "
    "Residents can read the full budget on the city's website from Friday. "
    "The budget also funds two new bus routes to the industrial park. "
    "A separate vote on water rates was postponed until the summer session."
)


def brief(client: FlaskClient, **body: Any) -> Any:
    return client.post("/v1/briefings", json={"article": ARTICLE, "mode": "extractive", **body})


# ---------------------------------------------------------------- counts
def test_counts_set_the_number_of_key_points_and_the_contract_follows(client: FlaskClient) -> None:
    response = brief(client, lengths=["key_points"], counts={"key_points": 5})
    assert response.status_code == 200, response.get_json()
    key_points = response.get_json()["briefings"]["key_points"]
    assert len(key_points["sentences"]) == 5
    assert key_points["within_contract"]
    assert key_points["contract"] == "5 bullet points, each one sentence of at most 25 words"
    default = brief(client, lengths=["key_points"]).get_json()["briefings"]["key_points"]
    assert len(default["sentences"]) == 3


def test_counts_set_a_prose_word_range(client: FlaskClient) -> None:
    body = brief(client, lengths=["paragraph"], counts={"paragraph": {"min_words": 30, "max_words": 45}}).get_json()
    paragraph = body["briefings"]["paragraph"]
    assert 30 <= paragraph["words"] <= 45
    assert paragraph["within_contract"]
    assert paragraph["contract"] == "one paragraph, 30 to 45 words"


def test_counts_reach_the_prompt(client: FlaskClient, generator: ReplayGenerator) -> None:
    brief(
        client,
        mode="abstractive",
        lengths=["key_points", "brief"],
        counts={"key_points": 6, "brief": {"min_words": 300, "max_words": 400}},
    )
    prompts = {p.max_new_tokens: p.user for p in generator.prompts}
    assert any("as six bullet points" in user for user in prompts.values())
    assert any("about 350 words" in user for user in prompts.values())


@pytest.mark.parametrize(
    ("counts", "field", "message"),
    [
        ({"key_points": 11}, "counts.key_points", "counts.key_points must be from 1 to 10"),
        ({"key_points": 0}, "counts.key_points", "from 1 to 10"),
        ({"paragraph": {"min_words": 80, "max_words": 60}}, "counts.paragraph", "30 <= min_words < max_words <= 200"),
        ({"brief": {"min_words": 100, "max_words": 900}}, "counts.brief", "100 <= min_words < max_words <= 500"),
        ({"brief": {"min_words": 200}}, "counts.brief.max_words", "Field required"),
        ({"headline": 3}, "counts", "unknown"),
        ({"key_points": "many"}, "counts.key_points", "valid integer"),
    ],
)
def test_counts_out_of_bounds_are_a_422_naming_the_field(
    client: FlaskClient, counts: dict[str, Any], field: str, message: str
) -> None:
    response = brief(client, counts=counts)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"].startswith(field)
    assert message in error["message"]


def test_lengths_document_what_counts_may_change(client: FlaskClient) -> None:
    lengths = {entry["name"]: entry for entry in client.get("/v1/lengths").get_json()["lengths"]}
    assert lengths["key_points"]["adjustable"] == {"items": {"min": 1, "max": 10}}
    assert lengths["paragraph"]["adjustable"] == {"words": {"min": 30, "max": 200}}
    assert "adjustable" not in lengths["headline"]
    assert set(Counts.model_fields) == set(ADJUSTABLE)  # the request model and the table agree


def test_default_counts_change_nothing() -> None:
    for name, adjustable in ADJUSTABLE.items():
        spec = LENGTHS[name]
        same = (
            adjustable.resize(spec, items=spec.items)
            if adjustable.items
            else adjustable.resize(spec, words=(spec.min_words, spec.max_words))
        )
        assert same == spec


# ---------------------------------------------------------------- focus
def test_focus_raises_the_sentences_about_it(client: FlaskClient) -> None:
    plain = brief(client, lengths=["key_points"]).get_json()["briefings"]["key_points"]["text"]
    focused = brief(client, lengths=["key_points"], focus="money for road repairs").get_json()
    text = focused["briefings"]["key_points"]["text"]
    assert "Road repairs" not in plain
    assert "Road repairs" in text


def test_focus_is_told_to_the_model_but_never_taken_as_evidence(
    client: FlaskClient, generator: ReplayGenerator
) -> None:
    generator.reply = reply_by_instruction({"sentence": "The mayor resigned over the stadium deal on Tuesday."})
    body = brief(
        client, mode="abstractive", lengths=["tldr"], focus="the mayor resigned over the stadium deal"
    ).get_json()
    assert "The reader is most interested in: the mayor resigned over the stadium deal" in generator.prompts[-1].user
    tldr = body["briefings"]["tldr"]
    assert "resigned" not in tldr["text"]
    assert tldr["rejected"]
    assert tldr["rejected"][0]["text"].startswith("The mayor resigned")


def test_a_focus_over_300_characters_is_refused(client: FlaskClient) -> None:
    response = brief(client, focus="x" * 301)
    assert response.status_code == 413 or response.status_code == 422
    assert response.get_json()["error"]["field"] == "focus"


# ---------------------------------------------------------------- url
PAGE = f"<html><head><title>Council passes budget | City News</title></head><body><article><h1>Council passes budget</h1>{''.join(f'<p>{s}.</p>' for s in ARTICLE.split('. '))}</article></body></html>"


class Site(BaseHTTPRequestHandler):
    """A tiny site: /article (an HTML page), /big, /slow, /image, /to-private (a redirect to a
    private address), /hop/N (redirect chains)."""

    protocol_version = "HTTP/1.0"

    def log_message(self, *args: Any) -> None:
        pass

    def send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/article":
            self.send(200, PAGE.encode())
        elif self.path == "/big":
            self.send(200, b"<p>x</p>" * 200_000)
        elif self.path == "/slow":
            time.sleep(2)
            self.send(200, PAGE.encode())
        elif self.path == "/image":
            self.send(200, b"\x89PNG....", "image/png")
        elif self.path == "/to-private":
            self.send(302, b"", Location="http://10.0.0.5/article")
        elif self.path.startswith("/hop/"):
            left = int(self.path.rsplit("/", 1)[1])
            self.send(302, b"", Location=f"/hop/{left - 1}" if left > 1 else "/article")
        else:
            self.send(404, b"not found")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def url_client(tmp_path: Path, **overrides: Any) -> FlaskClient:
    options: dict[str, Any] = {
        "allow_urls": True,
        "url_allowed_addresses": "127.0.0.1",
        "url_max_bytes": 500_000,
        "url_timeout_s": 1.0,
        **overrides,
    }
    settings = Settings(cache_dir=str(tmp_path), risk_threshold=0.9, **options)
    engine = Engine(settings, generator=ReplayGenerator(), embedder=HashingEmbedder())
    engine.load()
    return create_app(settings, engine=engine).test_client()


def test_a_url_is_fetched_and_briefed_as_its_page(tmp_path: Path, site: str) -> None:
    response = url_client(tmp_path).post(
        "/v1/briefings", json={"url": f"{site}/hop/2", "lengths": ["headline", "tldr"], "mode": "extractive"}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    extracted = body["input"]["extracted"]
    assert extracted["from"] == "url"
    assert extracted["url"] == f"{site}/article"
    assert extracted["redirects"] == 2
    assert extracted["title"] == "Council passes budget"
    assert "budget" in body["briefings"]["tldr"]["text"]


@pytest.mark.parametrize(
    ("path_or_url", "overrides", "status", "code"),
    [
        ("/article", {"allow_urls": False}, 400, "url_refused"),
        ("ftp://example.com/article", {}, 400, "url_refused"),
        ("http://10.1.2.3/article", {}, 400, "url_refused"),  # private
        ("/article", {"url_allowed_addresses": ""}, 400, "url_refused"),  # loopback, not allowed
        ("http://169.254.10.10/article", {}, 400, "url_refused"),  # link-local
        ("http://169.254.169.254/latest/meta-data/", {}, 400, "url_refused"),  # cloud metadata
        ("/to-private", {}, 400, "url_refused"),  # a redirect to a private address
        ("/hop/6", {}, 400, "url_refused"),  # too many redirects
        ("/big", {}, 413, "payload_too_large"),
        ("/slow", {}, 504, "url_timeout"),
        ("/image", {}, 415, "unsupported_media_type"),
        ("/missing", {}, 502, "url_fetch_failed"),
    ],
    ids=[
        "off",
        "scheme",
        "private",
        "loopback",
        "link-local",
        "metadata",
        "redirect-to-private",
        "redirects",
        "too-large",
        "too-slow",
        "content-type",
        "site-404",
    ],
)
def test_every_url_refusal_is_its_own_json_error(
    tmp_path: Path, site: str, path_or_url: str, overrides: dict[str, Any], status: int, code: str
) -> None:
    url = site + path_or_url if path_or_url.startswith("/") else path_or_url
    response = url_client(tmp_path, **overrides).post("/v1/briefings", json={"url": url, "mode": "extractive"})
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["field"] == "url"
    assert error["message"]


def test_url_and_article_together_are_refused(tmp_path: Path, site: str) -> None:
    response = url_client(tmp_path).post("/v1/briefings", json={"url": f"{site}/article", "article": ARTICLE})
    assert response.status_code == 422
    assert "not both" in response.get_json()["error"]["message"]
