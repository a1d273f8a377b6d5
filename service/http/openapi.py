"""The OpenAPI 3.1 description of the HTTP API, built from the same tables the API validates with."""

from __future__ import annotations

from typing import Any

from service import __version__
from service.briefing.briefer import FORMATS, MODES
from service.briefing.lengths import LENGTHS
from service.briefing.styles import STYLES


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


def build_spec() -> dict[str, Any]:
    length_enum = {"type": "string", "enum": list(LENGTHS)}
    text = {"type": "string", "minLength": 1}
    briefing_query = [
        _query("lengths", {"type": "string"}, "comma-separated lengths (text/plain bodies)"),
        _query("format", {"type": "string", "enum": list(FORMATS)}, "text or markdown (text/plain bodies)"),
        _query("mode", {"type": "string", "enum": list(MODES)}, "auto, extractive or abstractive (text/plain bodies)"),
        _query("title", {"type": "string"}, "the article's title (text/plain bodies)"),
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Briefly",
            "version": __version__,
            "description": "News briefings at several lengths, and rewrites, every sentence verified.",
        },
        "paths": {
            "/v1/briefings": {
                "post": {
                    "summary": "Brief an article at every requested length",
                    "parameters": briefing_query,
                    "requestBody": {
                        "required": True,
                        "content": {
                            **_json("BriefingRequest"),
                            "text/plain": {"schema": text},
                            "text/html": {"schema": text},
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The briefings; with `Accept: text/event-stream`, server-sent events instead: "
                            "`analysed` (mode, lengths, input, article_sentences), `token` ({length, text}) while a "
                            "length is generated, `briefing` ({length, briefing}) as each is verified, then `done` "
                            "(this JSON) or `error` ({error}). Disconnecting stops the generation.",
                            "content": {
                                **_json("BriefingResponse"),
                                "text/event-stream": {"schema": {"type": "string"}},
                            },
                        },
                        **ERRORS,
                    },
                }
            },
            "/v1/briefings/batch": {
                "post": {
                    "summary": "Brief several articles; one result (or error) per article, in order",
                    "requestBody": {"required": True, "content": _json("BatchRequest")},
                    "responses": {
                        "200": {"description": "Per-article results", "content": _json("BatchResponse")},
                        **ERRORS,
                    },
                }
            },
            "/v1/rewrite": {
                "post": {
                    "summary": "Rewrite a text in a style, sentence by sentence, facts kept",
                    "parameters": [
                        _query("style", {"type": "string", "enum": list(STYLES)}, "the style (text/plain bodies)")
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {**_json("RewriteRequest"), "text/plain": {"schema": text}},
                    },
                    "responses": {"200": {"description": "The rewrite", "content": _json("RewriteResponse")}, **ERRORS},
                }
            },
            "/v1/lengths": _get("The length contract", {"type": "object", "required": ["lengths"]}),
            "/v1/styles": _get("The rewrite styles", {"type": "object", "required": ["styles"]}),
            "/v1/modes": _get("Briefing modes and the default", {"type": "object", "required": ["modes", "default"]}),
            "/healthz": _get("Liveness: the process answers", {"type": "object", "required": ["status"]}),
            "/readyz": _get(
                "Readiness: model loaded and self-checked",
                {"type": "object", "required": ["status"]},
                {"503": ERRORS["503"]},
            ),
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "field": {"type": "string"},
                            },
                        }
                    },
                },
                "BriefingRequest": {
                    "type": "object",
                    "oneOf": [{"required": ["article"]}, {"required": ["html"]}],
                    "additionalProperties": False,
                    "properties": {
                        "article": text,
                        "html": {**text, "description": "a web page: its main text and title are extracted"},
                        "title": {"type": "string"},
                        "lengths": {"type": "array", "items": length_enum, "minItems": 1},
                        "format": {"type": "string", "enum": list(FORMATS)},
                        "mode": {"type": "string", "enum": list(MODES)},
                    },
                },
                "BatchRequest": {
                    "type": "object",
                    "required": ["articles"],
                    "additionalProperties": False,
                    "properties": {
                        "articles": {
                            "type": "array",
                            "minItems": 1,
                            "items": {
                                "type": "object",
                                "required": ["id"],
                                "properties": {"id": {"type": "string", "minLength": 1, "maxLength": 200}},
                                "description": "an id plus the fields of a BriefingRequest",
                            },
                        },
                        "lengths": {"type": "array", "items": length_enum, "minItems": 1},
                        "format": {"type": "string", "enum": list(FORMATS)},
                        "mode": {"type": "string", "enum": list(MODES)},
                    },
                },
                "BatchResponse": {
                    "type": "object",
                    "required": ["results", "succeeded", "failed"],
                    "properties": {
                        "results": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id", "status"],
                                "properties": {
                                    "id": {"type": ["string", "null"]},
                                    "status": {"type": "integer"},
                                    "result": {"$ref": "#/components/schemas/BriefingResponse"},
                                    "error": {"$ref": "#/components/schemas/Error/properties/error"},
                                },
                            },
                        },
                        "succeeded": {"type": "integer"},
                        "failed": {"type": "integer"},
                    },
                },
                "Sentence": {
                    "type": "object",
                    "required": ["text", "origin", "support", "cites"],
                    "properties": {
                        "text": {"type": "string"},
                        "origin": {"type": "string", "enum": ["generated", "extracted"]},
                        "support": {"type": "number"},
                        "cites": {"type": "array", "items": {"type": "integer"}},
                        "flagged": {"type": "string"},
                    },
                },
                "Briefing": {
                    "type": "object",
                    "required": ["text", "words", "within_contract", "violations", "sentences", "rejected"],
                    "properties": {
                        "text": {"type": "string"},
                        "words": {"type": "integer"},
                        "within_contract": {"type": "boolean"},
                        "violations": {"type": "array", "items": {"type": "string"}},
                        "sentences": {"type": "array", "items": {"$ref": "#/components/schemas/Sentence"}},
                        "rejected": {"type": "array", "items": {"type": "object"}},
                    },
                },
                "BriefingResponse": {
                    "type": "object",
                    "required": ["briefings", "mode", "cut_short", "input", "article_sentences", "timings", "model"],
                    "properties": {
                        "briefings": {
                            "type": "object",
                            "additionalProperties": {"$ref": "#/components/schemas/Briefing"},
                        },
                        "mode": {"type": "string", "enum": list(MODES)},
                        "cut_short": {"type": "boolean"},
                        "input": {"type": "object", "required": ["tokens", "condensed"]},
                        "article_sentences": {"type": "array", "items": {"type": "string"}},
                        "timings": {"type": "object"},
                        "model": {"type": "object"},
                    },
                },
                "RewriteRequest": {
                    "type": "object",
                    "required": ["text", "style"],
                    "additionalProperties": False,
                    "properties": {"text": text, "style": {"type": "string", "enum": list(STYLES)}},
                },
                "RewriteResponse": {
                    "type": "object",
                    "required": ["text", "style", "sentences", "rewritten_sentences", "kept_original_sentences"],
                    "properties": {
                        "text": {"type": "string"},
                        "style": {"type": "string", "enum": list(STYLES)},
                        "sentences": {"type": "array", "items": {"type": "object"}},
                        "rewritten_sentences": {"type": "integer"},
                        "kept_original_sentences": {"type": "integer"},
                    },
                },
            },
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }
