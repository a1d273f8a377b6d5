"""The OpenAPI document is generated from the routes and errors.py: a route or an error missing from
it fails here."""

from __future__ import annotations

import re

from flask import Flask, jsonify
from flask.testing import FlaskClient

from service.engine.protocol import BRIEFING_SOURCES, BriefingRequest
from service.errors import public_classes
from service.http import access
from service.http.openapi import OPEN_ROUTES, UNDOCUMENTED, build_spec, undocumented_routes


def test_every_route_is_documented_or_listed_as_no_part_of_the_api(app: Flask) -> None:
    assert undocumented_routes(app) == []
    spec = build_spec(app)
    routes = {rule.rule for rule in app.url_map.iter_rules()} - UNDOCUMENTED
    assert {re.sub(r"<([^<>]+)>", r"{\1}", route) for route in routes} == set(spec["paths"])


def test_a_route_added_without_a_description_is_found(app: Flask) -> None:
    app.add_url_rule("/v1/forgotten", "forgotten", lambda: jsonify({}))
    assert undocumented_routes(app) == ["/v1/forgotten"]


def test_every_error_a_client_can_receive_is_in_the_document(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    documented = {
        code
        for path in spec["paths"].values()
        for op in path.values()
        for status, response in op["responses"].items()
        for code in response.get("x-error-codes", [])
    }
    assert {cls.code for cls in public_classes()} <= documented
    assert {"not_an_article", "engine_error", "url_fetch_failed"} <= documented  # 422 and both 502s
    briefings = spec["paths"]["/v1/briefings"]["post"]["responses"]
    assert {"502", "429", "401"} <= set(briefings)
    assert "Retry-After" in briefings["429"]["headers"]


def test_every_query_option_a_text_body_takes_is_documented(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    documented = {p["name"] for p in spec["paths"]["/v1/briefings"]["post"]["parameters"] if p["in"] == "query"}
    scalar = {name for name in BriefingRequest.model_fields if name not in {*BRIEFING_SOURCES, "counts"}}
    assert documented == scalar
    assert {"focus", "language", "lengths", "mode"} <= documented
    assert {p["name"] for p in spec["paths"]["/v1/rewrite"]["post"]["parameters"]} == {"style"}


def test_a_documented_query_option_is_honoured(client: FlaskClient, seed_article: str) -> None:
    answer = client.post(
        "/v1/briefings?lengths=tldr&mode=extractive&language=de&focus=Library",
        data=seed_article,
        content_type="text/plain",
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["input"]["language"] == "de"
    assert list(answer.get_json()["briefings"]) == ["tldr"]


def test_open_routes_are_the_ones_access_control_leaves_open() -> None:
    assert OPEN_ROUTES <= access.OPEN_PATHS
    assert all(path in access.OPEN_PATHS for path in UNDOCUMENTED if not path.startswith("/static"))


def test_the_upload_body_and_the_listing_query_are_documented(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    upload = spec["paths"]["/v1/files"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]
    schema = spec["components"]["schemas"][upload["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert (schema["properties"]["file"]["type"], schema["properties"]["file"]["format"]) == ("string", "binary")
    assert schema["properties"]["purpose"]["const"] == "batch"
    assert set(schema["required"]) == {"file", "purpose"}
    listing = {p["name"]: p for p in spec["paths"]["/v1/batches"]["get"]["parameters"]}
    assert set(listing) == {"after", "limit"}
    assert all(p["in"] == "query" for p in listing.values())
    assert (listing["limit"]["schema"]["minimum"], listing["limit"]["schema"]["maximum"]) == (1, 100)
