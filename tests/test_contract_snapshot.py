"""The HTTP contract does not drift by accident: the OpenAPI document and every error body answer
as recorded in ``tests/data/contract-snapshot.json`` (see ``tests/contract_cases.py``)."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from tests.contract_cases import SNAPSHOT, answer

RECORDED = json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def _strip_timings(body: object) -> object:
    """Timings differ run to run; everything else of a success body is compared."""
    if isinstance(body, dict):
        return {k: _strip_timings(v) for k, v in body.items() if k != "timings"}
    if isinstance(body, list):
        return [_strip_timings(v) for v in body]
    return body


@pytest.mark.parametrize("case", RECORDED, ids=[f"{c['method']} {c['path']} #{i}" for i, c in enumerate(RECORDED)])
def test_the_service_answers_as_recorded(client: FlaskClient, case: dict) -> None:
    got = answer(client, case["method"], case["path"], case["kwargs"])
    assert got["status"] == case["status"]
    assert _strip_timings(got["body"]) == _strip_timings(case["body"])


def test_the_snapshot_covers_errors_of_every_kind() -> None:
    codes = {c["body"]["error"]["code"] for c in RECORDED if isinstance(c["body"], dict) and "error" in c["body"]}
    assert {
        "malformed_request",
        "unsupported_media_type",
        "invalid_input",
        "payload_too_large",
        "not_found",
        "method_not_allowed",
    } <= codes
