"""The OpenAPI 3.1 description of the HTTP API: the bodies' schemas come from the protocol's
models (service/engine/protocol.py), the same models that validate requests and write responses."""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from service import __version__
from service.engine import protocol
from service.engine.protocol import BriefingRequest, RewriteRequest


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


ERRORS = {
    "400": _error("Malformed body: not JSON, not an object, invalid UTF-8 or nested too deep"),
    "401": _error("API keys are configured and none matched"),
    "413": _error("Body or text over its limit (the message names the limit and the size)"),
    "415": _error("Content-Type is not application/json, text/plain (or text/html for briefings)"),
    "422": _error("Well-formed but unusable: empty text, unknown length, style, mode, format or field"),
    "429": _error("Overloaded: every generation slot and waiting place is taken (see Retry-After)"),
    "503": _error("The model is loading, failed its self-check, or the server is draining"),
    "504": _error("Generation ran past its time budget with nothing usable"),
}


def _json(schema_ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _get(summary: str, schema: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    responses = {"200": {"description": summary, "content": {"application/json": {"schema": schema}}}}
    responses.update(extra or {})
    return {"get": {"summary": summary, "responses": responses}}


def component_schemas() -> dict[str, Any]:
    """Every request and response body, as the protocol's models describe them."""
    _, schemas = models_json_schema(protocol.DOCUMENTED, ref_template="#/components/schemas/{model}")
    return dict(schemas["$defs"])


def _option(model: type[BaseModel], field: str) -> dict[str, Any]:
    """A request field given in the query string of a text body: a string, one of the field's
    choices where it has them."""
    allowed = protocol.choices(model, field)
    return {"type": "string", "enum": allowed} if allowed else {"type": "string"}


def _briefings_path(text: dict[str, Any]) -> dict[str, Any]:
    options = [
        _query("lengths", {"type": "string"}, "comma-separated lengths (text/plain bodies)"),
        _query("format", _option(BriefingRequest, "format"), "text or markdown (text/plain bodies)"),
        _query("mode", _option(BriefingRequest, "mode"), "auto, extractive or abstractive (text/plain bodies)"),
        _query("title", _option(BriefingRequest, "title"), "the article's title (text/plain bodies)"),
    ]
    return {
        "post": {
            "summary": "Brief an article at every requested length",
            "parameters": options,
            "requestBody": {
                "required": True,
                "content": {**_json("BriefingRequest"), "text/plain": {"schema": text}, "text/html": {"schema": text}},
            },
            "responses": {
                "200": {
                    "description": "The briefings; with `Accept: text/event-stream`, server-sent events instead: "
                    "`analysed` (mode, lengths, input, article_sentences), `token` ({length, text}) while a "
                    "length is generated, `briefing` ({length, briefing}) as each is verified, then `done` "
                    "(this JSON) or `error` ({error}). Disconnecting stops the generation.",
                    "content": {**_json("BriefingResponse"), "text/event-stream": {"schema": {"type": "string"}}},
                },
                **ERRORS,
            },
        }
    }


def _batch_path() -> dict[str, Any]:
    return {
        "post": {
            "summary": "Brief several articles; one result (or error) per article, in order",
            "requestBody": {"required": True, "content": _json("BatchRequest")},
            "responses": {"200": {"description": "Per-article results", "content": _json("BatchResponse")}, **ERRORS},
        }
    }


def _rewrite_path(text: dict[str, Any]) -> dict[str, Any]:
    return {
        "post": {
            "summary": "Rewrite a text in a style, sentence by sentence, facts kept",
            "parameters": [_query("style", _option(RewriteRequest, "style"), "the style (text/plain bodies)")],
            "requestBody": {"required": True, "content": {**_json("RewriteRequest"), "text/plain": {"schema": text}}},
            "responses": {"200": {"description": "The rewrite", "content": _json("RewriteResponse")}, **ERRORS},
        }
    }


def _lookup_paths() -> dict[str, Any]:
    return {
        "/v1/lengths": _get("The length contract", {"type": "object", "required": ["lengths"]}),
        "/v1/styles": _get("The rewrite styles", {"type": "object", "required": ["styles"]}),
        "/v1/modes": _get("Briefing modes and the default", {"type": "object", "required": ["modes", "default"]}),
        "/healthz": _get("Liveness: the process answers", {"type": "object", "required": ["status"]}),
        "/readyz": _get(
            "Readiness: model loaded and self-checked",
            {"type": "object", "required": ["status"]},
            {"503": ERRORS["503"]},
        ),
    }


def _check_path() -> dict[str, Any]:
    return {
        "post": {
            "summary": "Fact-check any summary against its article, sentence by sentence, with the briefings' checks",
            "requestBody": {"required": True, "content": _json("CheckRequest")},
            "responses": {
                "200": {"description": "Each sentence's verdict", "content": _json("CheckResponse")},
                **ERRORS,
            },
        }
    }


@functools.cache  # the models never change within a process; building takes a few ms
def build_spec() -> dict[str, Any]:
    schemas = component_schemas()
    text = TypeAdapter(protocol.Text).json_schema()  # a text/plain or text/html body
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Briefly",
            "version": __version__,
            "description": "News briefings at several lengths, and rewrites, every sentence verified.",
        },
        "paths": {
            "/v1/briefings": _briefings_path(text),
            "/v1/briefings/batch": _batch_path(),
            "/v1/rewrite": _rewrite_path(text),
            "/v1/check": _check_path(),
            **_lookup_paths(),
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }
