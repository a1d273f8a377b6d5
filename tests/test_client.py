"""The Python client (clients/python) against the running app: the fake engine's Flask app served over
real HTTP on a free port, called through ``briefly_client`` as a user would; and its models checked
against the server contract they are generated from."""

from __future__ import annotations

import copy
import importlib
import importlib.util
import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from service import errors as server_errors
from service.briefing.lengths import LENGTHS
from service.engine.engine import Engine
from service.http.app import create_app
from service.settings import Settings
from tests.fakes import HashingEmbedder, ReplayGenerator, reply_by_instruction
from tests.support import ARTICLE

# The client is imported from the checkout, not installed: its folder goes on the path.
CLIENT_DIR = Path(__file__).resolve().parent.parent / "clients" / "python"
if str(CLIENT_DIR) not in sys.path:
    sys.path.insert(0, str(CLIENT_DIR))

import briefly_client  # noqa: E402
from briefly_client import (  # noqa: E402
    AnalysedEvent,
    BatchItem,
    BatchResponse,
    Briefing,
    BriefingEvent,
    BriefingResponse,
    BrieflyError,
    CheckResponse,
    Client,
    Counts,
    DoneEvent,
    InvalidInput,
    NotReady,
    Overloaded,
    PayloadTooLarge,
    RewriteResponse,
    ServerError,
    TokenEvent,
    TransportError,
    Unauthorized,
    Unavailable,
    UpstreamError,
    UrlRefused,
    WordRange,
)
from briefly_client.errors import BY_CODE, error_class  # noqa: E402
from briefly_client.events import sse_messages  # noqa: E402
from briefly_client.models import ArticleInput, Sentence  # noqa: E402

HEADLINE = "Springfield council votes to build new library on Main Street"
API_KEY = "client-test-key"


@contextmanager
def serving(app: Callable[..., Any]) -> Iterator[str]:
    """``app`` (any WSGI app) served over HTTP on a free port by a background thread; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="client-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def fake_app(tmp: Path, generator: ReplayGenerator, **settings: Any) -> Flask:
    """The app with the fake engine, as tests/conftest.py builds it (same limits)."""
    config = Settings(
        cache_dir=str(tmp / "cache"),
        max_body_bytes=200_000,
        max_article_chars=50_000,
        free_writing="on",
        risk_threshold=0.9,
        **settings,
    )
    engine = Engine(config, generator=generator, embedder=HashingEmbedder())
    engine.load()
    return create_app(config, engine=engine)


@pytest.fixture(scope="module")
def generator() -> ReplayGenerator:
    return ReplayGenerator(reply=reply_by_instruction({"headline": HEADLINE}))


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory, generator: ReplayGenerator) -> Iterator[str]:
    with serving(fake_app(tmp_path_factory.mktemp("open"), generator)) as url:
        yield url


@pytest.fixture(scope="module")
def keyed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(fake_app(tmp_path_factory.mktemp("keyed"), ReplayGenerator(), api_keys=API_KEY)) as url:
        yield url


@pytest.fixture
def briefly(base_url: str) -> Iterator[Client]:
    with Client(base_url, timeout=30) as client:
        yield client


# ---------------------------------------------------------------- briefings, typed
def test_brief_parses_the_response_into_the_generated_models(briefly: Client) -> None:
    response = briefly.brief(ARTICLE, title="Library vote", lengths=["headline", "tldr"], mode="extractive")
    assert isinstance(response, BriefingResponse)
    assert list(response.briefings) == ["headline", "tldr"]
    assert response.mode == "extractive"
    tldr = response.briefings["tldr"]
    assert isinstance(tldr, Briefing)
    assert tldr.text
    assert tldr.words == len(tldr.text.split())
    assert all(isinstance(s, Sentence) and s.origin in {"extracted", "condensed", "title"} for s in tldr.sentences)
    assert all(0 <= s.support <= 1 and s.cites for s in tldr.sentences)
    assert isinstance(response.input, ArticleInput)
    assert response.input.tokens > 0
    assert response.article_sentences[0].startswith("The city council")
    assert response.model["id"] == "replay"
    assert "total_s" in response.timings


def test_the_models_keep_every_field_the_server_writes(base_url: str) -> None:
    """Parsing and writing back a raw answer loses nothing: the models describe all of it."""
    raw = requests.post(f"{base_url}/v1/briefings", json={"article": ARTICLE, "mode": "auto"}, timeout=30).json()
    assert BriefingResponse.model_validate(raw).model_dump(mode="json", exclude_unset=True) == raw


def test_lengths_may_be_a_comma_separated_string_and_default_to_the_servers(briefly: Client) -> None:
    assert list(briefly.brief(ARTICLE, lengths="tldr,headline", mode="extractive").briefings) == ["tldr", "headline"]
    assert list(briefly.brief(ARTICLE, mode="extractive").briefings) == list(LENGTHS)


def test_focus_and_counts_reach_the_server(briefly: Client) -> None:
    response = briefly.brief(
        ARTICLE, lengths=["key_points"], mode="extractive", focus="the library's cost", counts=Counts(key_points=2)
    )
    assert len(response.briefings["key_points"].text.splitlines()) == 2
    with pytest.raises(InvalidInput) as caught:
        briefly.brief(ARTICLE, lengths=["key_points"], counts={"key_points": 99})
    assert caught.value.field == "counts.key_points"


def test_a_url_is_sent_for_the_server_to_fetch(briefly: Client) -> None:
    with pytest.raises(UrlRefused) as caught:  # the test server fetches nothing
        briefly.brief(url="http://127.0.0.1:9/article", lengths=["tldr"])
    assert (caught.value.status, caught.value.code, caught.value.field) == (400, "url_refused", "url")


def test_only_the_options_given_are_sent() -> None:
    """None means "the server's default": it is left out, as are a request model's unset fields."""
    bodies: list[Any] = []

    def record(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        bodies.append(json.loads(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))))
        return canned(422, error_body("invalid_input"))(environ, start_response)

    counts = Counts(paragraph=WordRange(min_words=40, max_words=80))
    with serving(record) as url, Client(url) as client, pytest.raises(InvalidInput):
        client.brief(url="https://example.com/a", lengths=("tldr", "paragraph"), focus="schools", counts=counts)
    assert bodies == [
        {
            "url": "https://example.com/a",
            "lengths": ["tldr", "paragraph"],
            "focus": "schools",
            "counts": {"paragraph": {"min_words": 40, "max_words": 80}},
        }
    ]


def test_a_web_page_is_briefed_from_its_html(briefly: Client) -> None:
    page = "<html><head><title>Library vote</title></head><body><article><p>" + ARTICLE + "</p></article></body></html>"
    response = briefly.brief(html=page, lengths=["tldr"], mode="extractive")
    assert response.input.extracted is not None
    assert response.briefings["tldr"].text


# ---------------------------------------------------------------- streaming
def test_stream_yields_typed_events_in_order_ending_with_the_plain_answer(briefly: Client) -> None:
    options: dict[str, Any] = {"lengths": ["headline", "tldr"], "mode": "auto"}
    events = list(briefly.stream_brief(ARTICLE, **options))
    kinds = [type(event) for event in events]
    assert kinds[0] is AnalysedEvent
    assert kinds[-1] is DoneEvent
    assert kinds.count(DoneEvent) == 1
    assert set(kinds[1:-1]) <= {TokenEvent, BriefingEvent}
    analysed, done = events[0], events[-1]
    assert isinstance(analysed, AnalysedEvent)
    assert isinstance(done, DoneEvent)
    assert analysed.lengths == ["headline", "tldr"]
    assert analysed.article_sentences == done.article_sentences

    tokens = [e for e in events if isinstance(e, TokenEvent)]
    assert "".join(t.text for t in tokens) == HEADLINE
    assert {t.length for t in tokens} == {"headline"}
    first_briefing = next(i for i, e in enumerate(events) if isinstance(e, BriefingEvent))
    assert all(isinstance(e, TokenEvent) for e in events[1:first_briefing])  # tokens come before their briefing
    streamed = {e.length: e.briefing for e in events if isinstance(e, BriefingEvent)}
    assert list(streamed) == analysed.lengths
    assert streamed == done.briefings

    plain = briefly.brief(ARTICLE, **options)
    assert done.briefings == plain.briefings
    assert done.briefings["headline"].text == HEADLINE
    assert isinstance(done.response(), BriefingResponse)
    assert done.response().briefings == plain.briefings


def test_a_refused_stream_raises_before_any_event(briefly: Client) -> None:
    with pytest.raises(InvalidInput) as caught:
        next(briefly.stream_brief("", lengths=["tldr"]))
    assert caught.value.status == 422
    assert caught.value.field == "article"


def test_an_error_event_is_raised_as_its_typed_error(briefly: Client, generator: ReplayGenerator) -> None:
    def broken(prompt: Any) -> str:
        raise RuntimeError("the fake model broke")

    normal, generator.reply = generator.reply, broken
    try:
        events: list[Any] = []
        with pytest.raises(ServerError) as caught:
            events.extend(briefly.stream_brief(ARTICLE, lengths=["headline"], mode="abstractive"))
    finally:
        generator.reply = normal
    assert isinstance(events[0], AnalysedEvent)
    assert not any(isinstance(e, DoneEvent) for e in events)
    assert caught.value.code == "internal_error"
    assert caught.value.status == 500


def test_sse_parsing_splits_on_newlines_only_and_skips_comments() -> None:
    """U+2028 inside a JSON string is no line break; CRLF lines, chunks cut mid-line and keep-alive
    comments are all read as a browser's EventSource reads them."""
    stream = ': keep-alive\n\nevent: token\r\ndata: {"length": "tldr", "text": "a\u2028b"}\r\n\r\n'
    stream += "event: done\ndata: {}\n\n"
    raw = stream.encode()
    chunks = [raw[i : i + 7] for i in range(0, len(raw), 7)]
    assert list(sse_messages(chunks)) == [("token", '{"length": "tldr", "text": "a\u2028b"}'), ("done", "{}")]


# ---------------------------------------------------------------- batch, rewrite, check, lookups
def test_batch_returns_one_typed_result_per_item_in_order(briefly: Client) -> None:
    items: list[Any] = [
        BatchItem(id="model", article=ARTICLE),  # a generated request model: only what was set is sent
        {"id": "mapping", "article": ARTICLE, "format": "text"},
        {"id": "empty", "article": "   "},
    ]
    batch = briefly.brief_batch(items, lengths=["headline"], mode="extractive", format="markdown")
    assert isinstance(batch, BatchResponse)
    assert (batch.succeeded, batch.failed) == (2, 1)
    assert [r.id for r in batch.results] == ["model", "mapping", "empty"]
    first, second, empty = batch.results
    assert first.status == 200
    assert first.result is not None
    assert second.result is not None
    # The model's unset "format" (default "text") was not sent, so the batch's markdown applies to it.
    assert first.result.briefings["headline"].text.startswith("**")
    assert not second.result.briefings["headline"].text.startswith("**")
    assert empty.status == 422
    assert empty.error is not None
    assert empty.error.code == "invalid_input"


def test_check_gives_each_sentence_a_typed_verdict(briefly: Client) -> None:
    summary = "The council voted 7 to 2 on Tuesday to build a new library. The library will cost $9 million."
    checked = briefly.check(summary, article=ARTICLE)
    assert isinstance(checked, CheckResponse)
    assert checked.supported is False
    first, second = checked.sentences
    assert first.supported
    assert first.cites == [0]
    assert not second.supported
    assert any("9" in reason for reason in second.reasons)


def test_rewrite_and_the_lookups(briefly: Client) -> None:
    rewritten = briefly.rewrite(ARTICLE, "plain")
    assert isinstance(rewritten, RewriteResponse)
    assert rewritten.style == "plain"
    assert rewritten.text
    assert [spec["name"] for spec in briefly.lengths()] == list(LENGTHS)
    assert "plain" in [style["name"] for style in briefly.styles()]
    assert "extractive" in briefly.modes()["modes"]
    assert briefly.ready()
    assert briefly.healthy()
    assert "/v1/briefings" in briefly.openapi()["paths"]


# ---------------------------------------------------------------- errors, typed
def test_an_empty_article_is_invalid_input_naming_the_field(briefly: Client) -> None:
    with pytest.raises(InvalidInput) as caught:
        briefly.brief("", lengths=["tldr"])
    error = caught.value
    assert (error.status, error.code, error.field) == (422, "invalid_input", "article")
    assert "empty" in error.message
    with pytest.raises(InvalidInput) as unknown:
        briefly.brief(ARTICLE, lengths=["haiku"])
    assert unknown.value.field == "lengths"
    assert "haiku" in unknown.value.message


def test_an_article_over_the_limit_is_payload_too_large(briefly: Client) -> None:
    with pytest.raises(PayloadTooLarge) as caught:
        briefly.brief("a" * 60_000)
    error = caught.value
    assert (error.status, error.code, error.field) == (413, "payload_too_large", "article")
    assert "60000" in error.message
    assert "50000" in error.message


def test_a_body_over_the_limit_is_payload_too_large(briefly: Client) -> None:
    with pytest.raises(PayloadTooLarge) as caught:
        briefly.brief("word " * 50_000)  # 250 kB of JSON; the test server takes 200 kB
    assert caught.value.code == "payload_too_large"
    assert "200000" in caught.value.message


def test_api_keys_are_sent_as_bearer_tokens(keyed_url: str) -> None:
    with Client(keyed_url) as anonymous, pytest.raises(Unauthorized) as caught:
        anonymous.brief(ARTICLE, lengths=["headline"])
    assert (caught.value.status, caught.value.code) == (401, "unauthorized")
    with Client(keyed_url, api_key="wrong") as wrong, pytest.raises(Unauthorized):
        wrong.lengths()
    with Client(keyed_url) as anonymous:
        assert anonymous.ready()  # the probes need no key
    with Client(keyed_url, api_key=API_KEY) as keyed:
        assert list(keyed.brief(ARTICLE, lengths=["headline"], mode="extractive").briefings) == ["headline"]
        assert isinstance(next(iter(keyed.stream_brief(ARTICLE, lengths=["headline"]))), AnalysedEvent)


def canned(status: int, body: bytes, content_type: str = "application/json", **headers: str) -> Callable[..., Any]:
    """A WSGI app answering every request with one response (what a busy server or a proxy says)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response(f"{status} X", [("Content-Type", content_type), *headers.items()])
        return [body]

    return app


def error_body(code: str, message: str = "m", field: str | None = None) -> bytes:
    return json.dumps({"error": {"code": code, "message": message, **({"field": field} if field else {})}}).encode()


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected", "code"),
    [
        (429, error_body("overloaded"), {"Retry-After": "3"}, Overloaded, "overloaded"),
        (503, error_body("not_ready"), {}, NotReady, "not_ready"),
        (502, b"<html>Bad Gateway</html>", {}, UpstreamError, "http_502"),  # a proxy's page, not our JSON
        (418, error_body("teapot"), {}, briefly_client.ClientError, "teapot"),  # an unknown code: its family
        (500, error_body("internal_error"), {}, ServerError, "internal_error"),
    ],
)
def test_error_answers_map_to_classes_by_code_then_status(
    status: int, body: bytes, headers: dict[str, str], expected: type[BrieflyError], code: str
) -> None:
    content_type = "application/json" if body.startswith(b"{") else "text/html"
    answer = canned(status, body, content_type, **headers, **{"X-Request-ID": "req-1"})
    with serving(answer) as url, Client(url) as client, pytest.raises(BrieflyError) as caught:
        client.brief(ARTICLE)
    error = caught.value
    assert type(error) is expected
    assert (error.status, error.code, error.request_id) == (status, code, "req-1")
    if isinstance(error, Overloaded):
        assert error.retry_after == 3


def test_not_ready_is_false_not_an_error() -> None:
    with serving(canned(503, b'{"status": "loading"}')) as url, Client(url) as client:
        assert client.ready() is False
        with pytest.raises(Unavailable):
            client.lengths()


def test_no_server_is_a_transport_error() -> None:
    with serving(canned(200, b"{}")) as url:
        pass  # the port is free again
    with Client(url, timeout=2) as client, pytest.raises(TransportError) as caught:
        client.lengths()
    assert caught.value.code == "connection_failed"
    assert caught.value.status is None


def test_every_error_code_the_server_sends_has_its_class() -> None:
    """Each error a client can see (service/errors.py) maps to a class of the same status, by code."""

    def subclasses(cls: type[server_errors.BrieflyError]) -> Iterator[type[server_errors.BrieflyError]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    seen = [
        cls
        for cls in subclasses(server_errors.BrieflyError)
        if cls is not server_errors.ClientGone  # nobody is left to read it
        and not (cls.status >= 500 and cls.status not in (503, 504) and not cls.upstream)  # internal: a plain 500
    ]
    assert seen, "no server errors found"
    for cls in seen:
        assert cls.code in BY_CODE, f"{cls.__name__} ({cls.code}): add it to briefly_client.errors.BY_CODE"
        assert error_class(cls.status, cls.code) is BY_CODE[cls.code]
        assert BY_CODE[cls.code].default_status == cls.status, cls.__name__


def test_the_context_manager_closes_the_session_it_made(monkeypatch: pytest.MonkeyPatch, base_url: str) -> None:
    closed: list[requests.Session] = []

    class Recording(requests.Session):
        def close(self) -> None:
            closed.append(self)
            super().close()

    monkeypatch.setattr(requests, "Session", Recording)
    with Client(base_url) as client:
        assert client.ready()
    assert len(closed) == 1
    mine = requests.Session()
    with Client(base_url, session=mine) as borrowed:
        assert borrowed.ready()
    assert closed == [closed[0]]  # a session the caller brought is the caller's to close


# ---------------------------------------------------------------- the models are the server's contract
def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_models", CLIENT_DIR / "generate_models.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generate_models() -> ModuleType:
    try:
        import datamodel_code_generator  # noqa: F401
    except ImportError:
        pytest.fail("datamodel-code-generator is missing: install requirements-dev.txt (it regenerates the models)")
    return load_generator()


def test_committed_models_are_what_the_server_contract_generates(generate_models: ModuleType) -> None:
    committed = (CLIENT_DIR / "briefly_client" / "models.py").read_text(encoding="utf-8")
    assert generate_models.generate() == committed, (
        "the server's contract changed: run `.venv/bin/python clients/python/generate_models.py` and commit "
        "clients/python/briefly_client/models.py"
    )


def test_a_contract_change_makes_the_generated_models_differ(generate_models: ModuleType) -> None:
    """The drift check can fail: one new response field changes the generated file."""
    document = copy.deepcopy(generate_models.server_document())
    schema = document["components"]["schemas"]["BriefingResponse"]
    schema["properties"]["reading_time_s"] = {"type": "integer", "title": "Reading Time S"}
    schema["required"].append("reading_time_s")
    changed = generate_models.generate(document)
    assert changed != (CLIENT_DIR / "briefly_client" / "models.py").read_text(encoding="utf-8")
    assert "reading_time_s: Annotated[int" in changed


def test_the_generated_models_cover_every_documented_body(generate_models: ModuleType) -> None:
    """Every schema of the server's OpenAPI document (and the streamed Analysed) is a client model."""
    document = generate_models.server_document()
    models = importlib.import_module("briefly_client.models")
    for name in document["components"]["schemas"]:
        assert isinstance(getattr(models, name, None), type), name


def test_the_generator_reads_the_document_the_server_serves(generate_models: ModuleType, briefly: Client) -> None:
    """Built in-process, the document is GET /openapi.json's, plus only the streamed bodies it lacks."""
    served, built = briefly.openapi(), generate_models.server_document()
    added = set(built["components"]["schemas"]) - set(served["components"]["schemas"])
    assert added <= set(generate_models.STREAMED_MODELS)
    for name in added:
        del built["components"]["schemas"][name]
    assert built == served
