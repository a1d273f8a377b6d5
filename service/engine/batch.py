"""Batches: many articles, one result each. A bad item gets its own error and never fails the
others; the HTTP endpoint and ``python -m service batch`` share this code."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

from service.engine import protocol
from service.engine.engine import Engine
from service.engine.protocol import BatchResult, BriefingRequest
from service.errors import GenerationTimeout, InvalidInput, is_internal
from service.settings import Settings

log = logging.getLogger(__name__)


def brief_item(
    engine: Engine, raw: Any, index: int, defaults: dict[str, Any], settings: Settings, strict: bool
) -> BatchResult:
    """One result: its id, status 200 and the briefing, or its error. ``strict`` refuses unknown
    fields (HTTP); the CLI ignores them, since data files carry extra columns."""
    item_id: str | None = None
    try:
        item_id = protocol.item_id(raw, index)
        fields = {k: v for k, v in raw.items() if k != "id" and (strict or k in BriefingRequest.model_fields)}
        request = protocol.parse(BriefingRequest, {**defaults, **fields}, settings)
        return BatchResult(id=item_id, status=200, result=engine.serve_briefing(request.to_domain(settings)))
    except Exception as exc:
        if is_internal(exc):
            log.exception("batch item %s failed", item_id if item_id is not None else index)
        return BatchResult.failed(item_id, index, exc)


def brief_all(
    engine: Engine,
    items: Iterable[Any],
    defaults: dict[str, Any],
    settings: Settings,
    strict: bool,
    budget_s: float | None = None,
) -> Iterator[BatchResult]:
    """Results in item order. Duplicate ids are errors (results could not be told apart). With a
    ``budget_s``, items not started in time are answered 504 "not attempted", to be sent again."""
    started = time.monotonic()
    seen: set[str] = set()
    for index, raw in enumerate(items):
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(raw_id, str) and raw_id in seen:
            yield BatchResult.failed(raw_id, index, InvalidInput(f"duplicate id {raw_id!r} (item {index})", field="id"))
            continue
        if budget_s is not None and time.monotonic() - started > budget_s:
            yield BatchResult.failed(
                raw_id,
                index,
                GenerationTimeout(f"not attempted: the batch's {budget_s:.0f} s budget ran out; send it again"),
            )
            continue
        if isinstance(raw_id, str):
            seen.add(raw_id)
        yield brief_item(engine, raw, index, defaults, settings, strict)
