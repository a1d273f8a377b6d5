"""Batches: many articles, one result each. A bad item gets its own error and never fails the
others; the HTTP endpoint and ``python -m service batch`` share this code."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

from service.briefing.briefer import FORMATS, MODES
from service.engine import intake
from service.engine.engine import Engine
from service.errors import GenerationTimeout, InvalidInput, is_internal, public_error
from service.settings import Settings

log = logging.getLogger(__name__)


def checked_defaults(fields: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Batch-wide defaults (lengths, format, mode), checked up front so a typo fails the whole
    batch at once instead of every item."""
    defaults = {k: fields[k] for k in intake.BATCH_OPTION_FIELDS if k in fields}
    intake.lengths(defaults.get("lengths"))
    intake.choice(defaults.get("format"), "format", FORMATS, "text")
    intake.choice(defaults.get("mode"), "mode", MODES, settings.default_mode)
    return defaults


def brief_item(
    engine: Engine, raw: Any, index: int, defaults: dict[str, Any], settings: Settings, strict: bool
) -> dict[str, Any]:
    """One result: ``{"id", "status": 200, "result"}`` or ``{"id", "status", "error"}``. ``strict``
    refuses unknown fields (HTTP); the CLI ignores them, since data files carry extra columns."""
    item_id: str | None = None
    try:
        item_id = intake.item_id(raw, index)
        fields = {k: v for k, v in raw.items() if k != "id"}
        if strict:
            intake.refuse_unknown(fields, intake.BRIEFING_FIELDS)
        else:
            fields = {k: v for k, v in fields.items() if k in intake.BRIEFING_FIELDS}
        result = engine.brief_intake(intake.briefing({**defaults, **fields}, settings))
        return {"id": item_id, "status": 200, "result": result}
    except Exception as exc:
        if is_internal(exc):
            log.exception("batch item %s failed", item_id if item_id is not None else index)
        return error_row(item_id, index, exc)


def brief_all(
    engine: Engine,
    items: Iterable[Any],
    defaults: dict[str, Any],
    settings: Settings,
    strict: bool,
    budget_s: float | None = None,
) -> Iterator[dict[str, Any]]:
    """Results in item order. Duplicate ids are errors (results could not be told apart). With a
    ``budget_s``, items not started in time are answered 504 "not attempted", to be sent again."""
    started = time.monotonic()
    seen: set[str] = set()
    for index, raw in enumerate(items):
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(raw_id, str) and raw_id in seen:
            yield error_row(raw_id, index, InvalidInput(f"duplicate id {raw_id!r} (item {index})", field="id"))
            continue
        if budget_s is not None and time.monotonic() - started > budget_s:
            yield error_row(
                raw_id,
                index,
                GenerationTimeout(f"not attempted: the batch's {budget_s:.0f} s budget ran out; send it again"),
            )
            continue
        if isinstance(raw_id, str):
            seen.add(raw_id)
        yield brief_item(engine, raw, index, defaults, settings, strict)


def error_row(item_id: Any, index: int, exc: Exception) -> dict[str, Any]:
    """A failed item's result: its id (None unless a string), its position, status and error."""
    status, body, _ = public_error(exc)
    return {"id": item_id if isinstance(item_id, str) else None, "index": index, "status": status, **body}
