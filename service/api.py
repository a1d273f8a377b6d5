"""HTTP routes: parse and validate requests, call the engine, shape JSON. No model code here."""

from __future__ import annotations

import json
import re
import unicodedata
from contextlib import ExitStack
from typing import Any

from flask import Blueprint, Request, Response, current_app, jsonify, request

from service.briefer import FORMATS, MODES, BriefingListener, BriefingRequest
from service.engine import Engine
from service.eventstream import EventStream
from service.errors import InvalidInput, MalformedRequest, PayloadTooLarge, UnsupportedMediaType
from service.lengths import DEFAULT_LENGTHS, LENGTHS
from service.openapi import build_spec
from service.rewriter import RewriteRequest
from service.styles import STYLES
from service.webpage import extract_article

bp = Blueprint("api", __name__)

BRIEFING_FIELDS = {"article", "html", "title", "lengths", "format", "mode"}
BRIEFING_TEXT_FIELDS = {"text": "article", "html": "html"}  # body kind -> the field its body fills
REWRITE_FIELDS = {"text", "style"}
REWRITE_TEXT_FIELDS = {"text": "text"}
# C0/C1 controls except tab and newline, bidi overrides and zero-width characters: invisible, and a
# classic way to smuggle instructions or break tokenizers. Removed before anything reads the text.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
MAX_JSON_DEPTH = 8
TEXT_MEDIA_TYPES = {"text/plain": "text", "text/html": "html"}  # media type -> body kind


def engine() -> Engine:
    return current_app.extensions["briefly.engine"]


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
        try:
            return TEXT_MEDIA_TYPES[mimetype], raw.decode(req.mimetype_params.get("charset", "utf-8"))
        except (UnicodeDecodeError, LookupError) as exc:
            raise MalformedRequest(f"the body is not valid {req.mimetype_params.get('charset', 'utf-8')}: {exc}") from exc
    raise UnsupportedMediaType(f"Content-Type must be application/json, text/plain or text/html, not {mimetype or 'missing'!r}")


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


def validated_text(value: Any, field: str) -> str:
    """A usable text field: a string, valid Unicode, invisible characters removed, not empty, not too long."""
    if not isinstance(value, str):
        raise InvalidInput(f"'{field}' must be a string", field=field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(f"'{field}' contains an unpaired surrogate at position {exc.start}", field=field) from exc
    value = unicodedata.normalize("NFC", _INVISIBLE.sub("", value)).strip()
    if not value:
        raise InvalidInput(f"'{field}' is empty", field=field)
    limit = current_app.config["BRIEFLY_SETTINGS"].max_article_chars
    if len(value) > limit:
        raise PayloadTooLarge(f"'{field}' has {len(value)} characters; the limit is {limit}", field=field)
    return value


def _choice(value: Any, field: str, allowed: dict[str, Any] | tuple[str, ...], default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str) or value not in allowed:
        raise InvalidInput(f"unknown {field} {value!r}; choose one of {sorted(allowed)}", field=field)
    return value


def _lengths(value: Any) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_LENGTHS
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InvalidInput("'lengths' must be a non-empty list of length names", field="lengths")
    unknown = [v for v in value if v not in LENGTHS]
    if unknown:
        raise InvalidInput(f"unknown lengths {unknown}; choose from {list(LENGTHS)}", field="lengths")
    return tuple(dict.fromkeys(value))


def _fields(kind: str, body: Any, text_fields: dict[str, str], allowed: set[str]) -> dict[str, Any]:
    """JSON bodies as-is (unknown fields refused, one text field required); text bodies fill the
    route's field for their kind and take options from the query string."""
    if kind == "json":
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise InvalidInput(f"unknown fields {unknown}; accepted: {sorted(allowed)}", field=unknown[0])
        if not set(text_fields.values()) & set(body):
            first = next(iter(text_fields.values()))
            raise InvalidInput(f"'{first}' is required", field=first)
        return dict(body)
    if kind not in text_fields:
        accepted = ["application/json"] + [media for media, k in TEXT_MEDIA_TYPES.items() if k in text_fields]
        raise UnsupportedMediaType(f"this endpoint takes {' or '.join(accepted)}")
    fields = {k: v for k, v in request.args.items() if k in allowed and k not in text_fields.values()}
    fields[text_fields[kind]] = body
    return fields


def _article_and_title(fields: dict[str, Any]) -> tuple[str, str | None, dict[str, object] | None]:
    """From "article", or from "html" (main text and title extracted); a given title wins."""
    if "article" in fields and "html" in fields:
        raise InvalidInput("send either 'article' or 'html', not both", field="html")
    title = fields.get("title")
    title = validated_text(title, "title") if title not in (None, "") else None
    if "html" not in fields:
        return validated_text(fields["article"], "article"), title, None
    html = validated_text(fields["html"], "html")
    page = extract_article(html)
    return validated_text(page.text, "article"), title or page.title, page.describe(len(html))


@bp.post("/v1/briefings")
def briefings() -> Any:
    kind, body = _body(request)
    fields = _fields(kind, body, BRIEFING_TEXT_FIELDS, BRIEFING_FIELDS)
    article, title, extracted = _article_and_title(fields)
    brief_request = BriefingRequest(
        article=article,
        title=title,
        lengths=_lengths(fields.get("lengths")),
        fmt=_choice(fields.get("format"), "format", FORMATS, "text"),
        mode=_choice(fields.get("mode"), "mode", MODES, current_app.config["BRIEFLY_SETTINGS"].default_mode),
    )
    eng = engine()
    if wants_event_stream(request):
        return _stream_briefing(eng, brief_request, extracted)
    result = eng.brief(brief_request)
    if extracted:
        result["input"]["extracted"] = extracted
    return jsonify(result)


def wants_event_stream(req: Request) -> bool:
    return req.accept_mimetypes.best_match(["application/json", "text/event-stream"]) == "text/event-stream"


def _stream_briefing(eng: Engine, brief_request: BriefingRequest, extracted: dict[str, object] | None) -> Response:
    """Server-sent events. Readiness and admission are settled first, so a busy or loading server
    still answers 429/503 as JSON; after the status line, errors arrive as an ``error`` event."""
    eng.require_ready()
    cleanup = ExitStack()
    cleanup.enter_context(eng.admit(brief_request))

    def work(listener: BriefingListener) -> dict[str, Any]:
        result = eng.brief_admitted(brief_request, listener)
        if extracted:
            result["input"]["extracted"] = extracted
        return result

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # nginx: pass events through at once
    try:
        return Response(EventStream(work, cleanup), mimetype="text/event-stream", headers=headers)
    except BaseException:
        cleanup.close()  # never leak the slot
        raise


@bp.post("/v1/rewrite")
def rewrite() -> Any:
    kind, body = _body(request)
    fields = _fields(kind, body, REWRITE_TEXT_FIELDS, REWRITE_FIELDS)
    if fields.get("style") is None:
        raise InvalidInput(f"'style' is required; choose one of {list(STYLES)}", field="style")
    rewrite_request = RewriteRequest(text=validated_text(fields["text"], "text"), style=_choice(fields["style"], "style", STYLES, ""))
    return jsonify(engine().rewrite(rewrite_request))


@bp.get("/v1/lengths")
def lengths() -> Any:
    return jsonify({"lengths": [spec.describe() for spec in LENGTHS.values()]})


@bp.get("/v1/styles")
def styles() -> Any:
    return jsonify({"styles": [spec.describe() for spec in STYLES.values()]})


@bp.get("/v1/modes")
def modes() -> Any:
    default = current_app.config["BRIEFLY_SETTINGS"].default_mode
    return jsonify({"modes": list(MODES), "default": default})


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(build_spec())


@bp.get("/healthz")
def healthz() -> Any:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Any:
    eng = engine()
    body: dict[str, Any] = {"status": eng.state}
    if eng.failure:
        body["error"] = {"code": "not_ready", "message": eng.failure}
    if eng.ready:
        body["model"] = eng.model_info()
    return jsonify(body), (200 if eng.ready else 503)
