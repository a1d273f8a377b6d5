"""HTTP routes: read bodies, validate them with the protocol's models (service/engine/protocol.py),
have the engine's serving module answer them (service/engine/serving.py), write the response
models as JSON. No model code here."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Request, Response, current_app, jsonify, request

from service.briefing.briefer import MODES, BriefingListener
from service.briefing.lengths import LENGTHS
from service.briefing.styles import STYLES
from service.engine import serving
from service.engine.engine import Engine
from service.engine.protocol import (
    BRIEFING_TEXT_FIELDS,
    BatchRequest,
    BatchResponse,
    BriefingRequest,
    BriefingResponse,
    CheckRequest,
    CheckResponse,
    RewriteRequest,
    RewriteResponse,
    dump,
    parse,
)
from service.errors import (
    CheckTimeout,
    EngineError,
    EngineTimeout,
    EngineUnavailable,
    GenerationTimeout,
    InvalidInput,
    MalformedRequest,
    NotAnArticle,
    NotReady,
    Overloaded,
    PayloadTooLarge,
    UnsupportedMediaType,
    UrlFetchFailed,
    UrlRefused,
    UrlTimeout,
)
from service.http.openapi import Operation, build_spec, operation
from service.http.streaming import EventStream
from service.settings import Settings
from service.text.language import describe_families
from service.web.page import decode_page

bp = Blueprint("api", __name__)

# The errors each kind of route may answer with, for the OpenAPI document (service/http/openapi.py).
BODY_ERRORS = (MalformedRequest, PayloadTooLarge, UnsupportedMediaType, InvalidInput)
SERVING_ERRORS = (NotReady,)
MODEL_ERRORS = (Overloaded, GenerationTimeout, EngineError, EngineUnavailable, EngineTimeout)
PAGE_ERRORS = (NotAnArticle,)
URL_ERRORS = (UrlRefused, UrlFetchFailed, UrlTimeout)
CHECK_ERRORS = (Overloaded, CheckTimeout)
STREAM_EVENTS = (
    "`analysed` (mode, lengths, input, article_sentences), `token` ({length, text}) while a length is "
    "generated, `briefing` ({length, briefing}) as each is verified, then `done` (this JSON) or `error` "
    "({error}). Disconnecting stops the generation."
)

REWRITE_TEXT_FIELDS = {"text": "text"}  # body kind -> the field its body fills
MAX_JSON_DEPTH = 8
TEXT_MEDIA_TYPES = {"text/plain": "text", "text/html": "html"}  # media type -> body kind
TEXT_BODIES = {media: BRIEFING_TEXT_FIELDS[kind] for media, kind in TEXT_MEDIA_TYPES.items()}


def engine() -> Engine:
    return current_app.extensions["briefly.engine"]


def settings() -> Settings:
    return current_app.config["BRIEFLY_SETTINGS"]


def _body(req: Request) -> tuple[str, dict[str, Any] | str]:
    """('json', object), ('text', str) or ('html', str), by content type; errors name what was wrong."""
    mimetype = req.mimetype or ""
    raw = req.get_data(cache=False)  # werkzeug enforces MAX_CONTENT_LENGTH here (413)
    if mimetype == "application/json":
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedRequest(f"the body is not valid UTF-8 (byte {exc.start})") from exc
        if _json_depth(decoded) > MAX_JSON_DEPTH:
            raise MalformedRequest(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        try:
            data = json.loads(decoded)
        except ValueError as exc:
            raise MalformedRequest(f"the body is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise MalformedRequest("the JSON body must be an object")
        return "json", data
    if mimetype in TEXT_MEDIA_TYPES:
        declared = req.mimetype_params.get("charset")
        try:
            if mimetype == "text/html":  # a saved page says its own charset, or it is guessed
                return "html", decode_page(raw, declared)
            return TEXT_MEDIA_TYPES[mimetype], raw.decode(declared or "utf-8")
        except (UnicodeDecodeError, LookupError) as exc:
            raise MalformedRequest(f"the body is not valid {declared or 'utf-8'}: {exc}") from exc
    raise UnsupportedMediaType(
        f"Content-Type must be application/json, text/plain or text/html, not {mimetype or 'missing'!r}"
    )


def _json_depth(text: str) -> int:
    """Nesting depth without parsing (so a hostile body cannot recurse the parser)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            escaped = not escaped and ch == "\\"
            if ch == '"' and not escaped:
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _fields(kind: str, body: Any, text_fields: dict[str, str], allowed: Iterable[str]) -> dict[str, Any]:
    """JSON bodies as they are (the model refuses unknown fields); text bodies fill the route's
    field for their kind and take options from the query string."""
    if kind == "json":
        return dict(body)
    if kind not in text_fields:
        accepted = ["application/json"] + [media for media, k in TEXT_MEDIA_TYPES.items() if k in text_fields]
        raise UnsupportedMediaType(f"this endpoint takes {' or '.join(accepted)}")
    fields = {k: v for k, v in request.args.items() if k in allowed and k not in text_fields.values()}
    fields[text_fields[kind]] = body
    return fields


@bp.post("/v1/briefings")
@operation(
    Operation(
        "Brief an article at every requested length",
        body=BriefingRequest,
        text_bodies=TEXT_BODIES,
        response=BriefingResponse,
        response_description="The briefings",
        streams=STREAM_EVENTS,
        errors=BODY_ERRORS + SERVING_ERRORS + MODEL_ERRORS + PAGE_ERRORS + URL_ERRORS,
    )
)
def briefings() -> Any:
    kind, body = _body(request)
    fields = _fields(kind, body, BRIEFING_TEXT_FIELDS, BriefingRequest.model_fields)
    briefing = parse(BriefingRequest, fields, settings())
    if wants_event_stream(request):
        return _stream_briefing(engine(), briefing)
    return jsonify(dump(serving.brief(engine(), briefing)))


@bp.post("/v1/briefings/batch")
@operation(
    Operation(
        "Brief several articles; one result (or error) per article, in order",
        body=BatchRequest,
        response=BatchResponse,
        response_description="Per-article results",
        errors=BODY_ERRORS + SERVING_ERRORS,
    )
)
def briefings_batch() -> Any:
    """Up to ``max_batch_articles`` articles, one result each in order; a bad item gets its own error."""
    kind, body = _body(request)
    if kind != "json":
        raise UnsupportedMediaType("this endpoint takes application/json")
    return jsonify(dump(serving.brief_batch(engine(), parse(BatchRequest, body, settings()))))


def wants_event_stream(req: Request) -> bool:
    return req.accept_mimetypes.best_match(["application/json", "text/event-stream"]) == "text/event-stream"


def _stream_briefing(eng: Engine, briefing: BriefingRequest) -> Response:
    """Server-sent events. Readiness, the intake and admission are settled first, so a busy or
    loading server still answers 429/503 as JSON; after the status line, errors arrive as an
    ``error`` event."""
    item, cleanup = serving.open_briefing(eng, briefing)
    metrics = current_app.extensions["briefly.metrics"]

    def work(listener: BriefingListener) -> dict[str, Any]:
        result = dump(serving.answer(eng, item, listener, admitted=True))
        metrics.record_result(result)  # the after-request hook saw only the stream's headers
        return result

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # nginx: pass events through at once
    try:
        return Response(EventStream(work, cleanup), mimetype="text/event-stream", headers=headers)
    except BaseException:
        cleanup.close()  # never leak the slot
        raise


@bp.post("/v1/rewrite")
@operation(
    Operation(
        "Rewrite a text in a style, sentence by sentence, facts kept",
        body=RewriteRequest,
        text_bodies={"text/plain": REWRITE_TEXT_FIELDS["text"]},
        response=RewriteResponse,
        response_description="The rewrite",
        errors=BODY_ERRORS + SERVING_ERRORS + MODEL_ERRORS,
    )
)
def rewrite() -> Any:
    kind, body = _body(request)
    fields = _fields(kind, body, REWRITE_TEXT_FIELDS, RewriteRequest.model_fields)
    return jsonify(dump(serving.rewrite(engine(), parse(RewriteRequest, fields, settings()))))


@bp.post("/v1/check")
@operation(
    Operation(
        "Fact-check any summary against its article, sentence by sentence, with the briefings' checks",
        body=CheckRequest,
        response=CheckResponse,
        response_description="Each sentence's verdict",
        errors=BODY_ERRORS + SERVING_ERRORS + PAGE_ERRORS + CHECK_ERRORS,
    )
)
def check() -> Any:
    """Fact-check any summary against its article with the checks the briefings pass."""
    kind, body = _body(request)
    fields = _fields(kind, body, {}, CheckRequest.model_fields)
    return jsonify(dump(serving.check(engine(), parse(CheckRequest, fields, settings()))))


@bp.get("/v1/lengths")
@operation(Operation("The length contract", response={"type": "object", "required": ["lengths", "scripts"]}))
def lengths() -> Any:
    return jsonify({"lengths": [spec.describe() for spec in LENGTHS.values()], "scripts": describe_families()})


@bp.get("/v1/styles")
@operation(Operation("The rewrite styles", response={"type": "object", "required": ["styles"]}))
def styles() -> Any:
    return jsonify({"styles": [spec.describe() for spec in STYLES.values()]})


@bp.get("/v1/modes")
@operation(Operation("Briefing modes and the default", response={"type": "object", "required": ["modes", "default"]}))
def modes() -> Any:
    default = settings().default_mode
    return jsonify({"modes": list(MODES), "default": default})


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(build_spec(current_app))


@bp.get("/healthz")
@operation(Operation("Liveness: the process answers", response={"type": "object", "required": ["status"]}))
def healthz() -> Any:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@operation(
    Operation(
        "Readiness: model loaded and self-checked",
        response={"type": "object", "required": ["status"]},
        errors=SERVING_ERRORS,
    )
)
def readyz() -> Any:
    eng = engine()
    problem = eng.readiness_problem()
    body: dict[str, Any] = {"status": eng.state if problem is None or not eng.ready else "unavailable"}
    if problem is not None:
        body["error"] = {"code": problem.code, "message": problem.message}
    else:
        body["model"] = eng.model_info()
    return jsonify(body), (200 if problem is None else 503)
