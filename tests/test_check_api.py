"""POST /v1/check: any summary fact-checked against its article, every sentence with its verdict."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.support import ARTICLE


def test_a_summary_gets_a_verdict_per_sentence_with_reasons_and_sources(client: FlaskClient) -> None:
    summary = "The council voted 7 to 2 on Tuesday to build a new library. The library will cost $9 million."
    r = client.post("/v1/check", json={"article": ARTICLE, "summary": summary})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["supported"] is False
    assert 0 <= body["support"] <= 1
    first, second = body["sentences"]
    assert first["supported"]
    assert first["reasons"] == []
    assert first["cites"] == [0]
    assert not second["supported"]
    assert any("9" in reason for reason in second["reasons"])
    assert body["article_sentences"][0].startswith("The city council")


def test_the_article_may_come_as_a_web_page(client: FlaskClient) -> None:
    page = "<html><head><title>Vote</title></head><body><article><p>" + ARTICLE + "</p></article></body></html>"
    r = client.post(
        "/v1/check", json={"html": page, "summary": "Critics said the money should go to road repairs instead."}
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["supported"] is True


def test_bad_check_requests_are_clear_json_errors(client: FlaskClient) -> None:
    cases = [
        ({"article": ARTICLE}, "summary"),
        ({"summary": "x"}, "article"),
        ({"article": ARTICLE, "html": "<p>x</p>", "summary": "x"}, "html"),
        ({"article": ARTICLE, "summary": "x", "colour": 1}, "colour"),
        ({"article": ARTICLE, "summary": ""}, "summary"),
    ]
    for body, field in cases:
        r = client.post("/v1/check", json=body)
        assert r.status_code == 422, (body, r.get_json())
        assert r.get_json()["error"]["code"] == "invalid_input", body
        assert r.get_json()["error"]["field"] == field, body
    assert client.post("/v1/check", data="x", content_type="text/plain").status_code == 415


def test_the_check_is_in_the_openapi_document(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    assert "/v1/check" in spec["paths"]
    assert {"CheckRequest", "CheckResponse"} <= set(spec["components"]["schemas"])
