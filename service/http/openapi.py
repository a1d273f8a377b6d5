"""The OpenAPI 3.1 description of the HTTP API, generated: its paths from the app's routes, each
route's parameters and bodies from the protocol's models (service/engine/protocol.py, the same
models that validate requests and write responses), its error responses from the error classes a
route declares (service/errors.py: status, code and the class's own description).

A route says what it is with :func:`operation`; a route without one is left out of the document only
if it is listed in ``UNDOCUMENTED`` (tests/test_openapi.py fails on any other).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from service import __version__
from service.engine import batch_protocol, protocol
from service.errors import BrieflyError, Unauthorized

# Served, but no part of the API: the page, its files, the docs viewer, the spec itself, the scrape.
_RULE_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
UNDOCUMENTED = frozenset({"/", "/docs", "/static/<path:filename>", "/openapi.json", "/metrics"})
# Open without a key (service/http/access.py keeps its own list; a test holds the two together).
OPEN_ROUTES = frozenset({"/healthz", "/readyz"})
_TYPE = {int: "integer", float: "number", bool: "boolean", str: "string"}

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Operation:
    """What a route documents. ``body``: its JSON body's model; ``text_bodies``: media type -> the
    body model's field a text body fills (options then come in the query string, one parameter per
    other scalar field); ``multipart``: the model of a multipart/form-data body's fields (a file is
    ``bytes``); ``query``: the model of a route's query parameters; ``response``: the 200 body's
    model, or a JSON schema for a lookup table; ``errors``: every error class the route may answer
    with (401 is added to routes behind keys)."""

    summary: str
    body: type[BaseModel] | None = None
    text_bodies: dict[str, str] = field(default_factory=dict)
    multipart: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | dict[str, Any] | None = None
    response_description: str = ""
    streams: str = ""  # what a text/event-stream answer holds, when the route streams
    errors: tuple[type[BrieflyError], ...] = ()


def operation(described: Operation) -> Callable[[View], View]:
    """Attach ``described`` to a view function, for :func:`build_spec`."""

    def attach(view: View) -> View:
        view.operation = described  # type: ignore[attr-defined]
        return view

    return attach


def _about(cls: type[BrieflyError]) -> str:
    """An error class's docstring as one line, without its "413: " status prefix."""
    text = " ".join((inspect.getdoc(cls) or cls.__name__).split())
    return re.sub(r"^\d{3}(?: \([^)]*\))?:\s*", "", text)


def _error_responses(errors: tuple[type[BrieflyError], ...]) -> dict[str, Any]:
    by_status: dict[int, list[type[BrieflyError]]] = {}
    for cls in dict.fromkeys(errors):
        by_status.setdefault(cls.status, []).append(cls)
    responses: dict[str, Any] = {}
    for status in sorted(by_status):
        classes = by_status[status]
        responses[str(status)] = {
            "description": " ".join(f"`{cls.code}`: {_about(cls)}" for cls in classes),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            "x-error-codes": [cls.code for cls in classes],
        }
        if status == 429:
            responses[str(status)]["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
    return responses


def _ref(model: type[BaseModel]) -> dict[str, Any]:
    return {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}


def _scalar(annotation: Any) -> str | None:
    """The JSON type a query string can carry for a field, or None (an object, such as ``counts``)."""
    args = [a for a in getattr(annotation, "__args__", (annotation,)) if a is not type(None)]
    if any(isinstance(a, type) and issubclass(a, BaseModel) for a in args):
        return None
    return next((_TYPE[a] for a in args if a in _TYPE), "string")


def _query_options(model: type[BaseModel], filled: set[str]) -> list[dict[str, Any]]:
    """A text body's options: the body model's scalar fields other than the article's sources (the
    body is the article; ``filled``: the fields a text body fills), as the route reads them from the
    query string."""
    described = model.model_json_schema()["properties"]
    parameters = []
    for name, info in model.model_fields.items():
        kind = _scalar(info.annotation)
        if name in filled or name in protocol.BRIEFING_SOURCES or kind is None:
            continue
        allowed = protocol.choices(model, name)
        schema: dict[str, Any] = {"type": "string", "enum": allowed} if allowed else {"type": kind}
        if name == "lengths":
            schema = {"type": "string", "description": "comma-separated length names"}
        about = described[name].get("description") or info.description or name
        parameters.append(
            {"name": name, "in": "query", "required": False, "schema": schema, "description": f"{about} (text bodies)"}
        )
    return parameters


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """A query model's fields as query parameters, each with its schema and description."""
    described = model.model_json_schema()["properties"]
    return [
        {
            "name": name,
            "in": "query",
            "required": info.is_required(),
            "schema": {k: v for k, v in described[name].items() if k not in ("title", "description")},
            "description": info.description or name,
        }
        for name, info in model.model_fields.items()
    ]


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: "/v1/files/<file_id>" -> "/v1/files/{file_id}"."""
    return _RULE_VARIABLE.sub(r"{\1}", rule)


def _path_parameters(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """A Flask rule as an OpenAPI path and its parameters."""
    names = _RULE_VARIABLE.findall(rule)
    return openapi_path(rule), [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names
    ]


def _operation(described: Operation, rule: str, text_schema: dict[str, Any]) -> dict[str, Any]:
    path_parameters = _path_parameters(rule)[1]
    document: dict[str, Any] = {"summary": described.summary}
    content: dict[str, Any] = {}
    if described.body is not None:
        content["application/json"] = _ref(described.body)
        for media in described.text_bodies:
            content[media] = {"schema": text_schema}
        document["requestBody"] = {"required": True, "content": content}
        if described.text_bodies:
            path_parameters += _query_options(described.body, set(described.text_bodies.values()))
    if described.multipart is not None:
        document["requestBody"] = {"required": True, "content": {"multipart/form-data": _ref(described.multipart)}}
    if described.query is not None:
        path_parameters += _query_parameters(described.query)
    if path_parameters:
        document["parameters"] = path_parameters
    answer: dict[str, Any] = {"description": described.response_description or described.summary}
    if isinstance(described.response, dict):
        answer["content"] = {"application/json": {"schema": described.response}}
    elif described.response is not None:
        answer["content"] = {"application/json": _ref(described.response)}
    if described.streams:
        answer["description"] += f"; with `Accept: text/event-stream`, server-sent events instead: {described.streams}"
        answer["content"]["text/event-stream"] = {"schema": {"type": "string"}}
    errors = described.errors + (() if rule in OPEN_ROUTES else (Unauthorized,))
    document["responses"] = {"200": answer, **_error_responses(errors)}
    return document


def component_schemas() -> dict[str, Any]:
    """Every request and response body, as the protocol's models describe them."""
    documented = (*protocol.DOCUMENTED, *batch_protocol.DOCUMENTED)
    _, schemas = models_json_schema(documented, ref_template="#/components/schemas/{model}")
    return dict(schemas["$defs"])


def undocumented_routes(app: Flask) -> list[str]:
    """Routes that neither document themselves nor are listed as no part of the API."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule not in UNDOCUMENTED and not hasattr(app.view_functions[rule.endpoint], "operation")
    )


def build_spec(app: Flask) -> dict[str, Any]:
    """The document for ``app``'s routes (built once per app: routes never change after start-up)."""
    cached: dict[str, Any] | None = app.extensions.get("briefly.openapi")
    if cached is not None:
        return cached
    text_schema = TypeAdapter(protocol.Text).json_schema()  # a text/plain or text/html body
    paths: dict[str, Any] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        described = getattr(app.view_functions[rule.endpoint], "operation", None)
        if rule.rule in UNDOCUMENTED or described is None:
            continue
        path = _path_parameters(rule.rule)[0]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(described, rule.rule, text_schema)
    spec = {
        "openapi": "3.1.0",
        "info": {
            "title": "Briefly",
            "version": __version__,
            "description": "News briefings at several lengths, and rewrites, every sentence verified.",
        },
        "paths": paths,
        "components": {
            "schemas": component_schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }
    app.extensions["briefly.openapi"] = spec
    return spec
