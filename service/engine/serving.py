"""Serving: a validated request (service/engine/protocol.py) answered by the engine, the same way for
every endpoint and every caller (the HTTP routes, batches, the command line).

Each request goes: readiness first (a worker that is loading, failed or draining refuses before it
fetches or extracts anything), then the intake (a ``url`` fetched, a page's main text extracted,
the domain's job built), then the engine's work, then the response model. Only the HTTP layer and
the command line serialise what comes back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from service.briefing.briefer import SILENT, BriefingJob, BriefingListener
from service.briefing.rewriter import RewriteJob
from service.engine import protocol
from service.engine.engine import Engine
from service.engine.protocol import (
    BatchRequest,
    BatchResponse,
    BatchResult,
    BriefingRequest,
    BriefingResponse,
    CheckRequest,
    CheckResponse,
    RewriteRequest,
    RewriteResponse,
    checked_text,
)
from service.errors import GenerationTimeout, InvalidInput, is_internal
from service.settings import Settings
from service.text.segmenter import first_part
from service.web.fetcher import FetchPolicy, fetch_html
from service.web.page import ExtractedPage, extract_article

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BriefingIntake:
    """A briefing's job and, for a page (``html`` or ``url``), what was extracted from it."""

    job: BriefingJob
    extracted: dict[str, object] | None = None


def article_from_html(html: str, settings: Settings) -> tuple[str, ExtractedPage]:
    """A web page's main text, checked as an article is (a fact-check needs the whole article), and the page."""
    page = extract_article(html)
    return checked_text(page.text, "article", settings.max_article_chars), page


@dataclass(frozen=True)
class PageArticle:
    """A page's main text as a briefing takes it: whole, or its first part when longer than the
    article limit (``cut``: why, for the response's note)."""

    text: str
    page: ExtractedPage
    cut: str | None = None


def briefing_from_html(html: str, settings: Settings) -> PageArticle:
    """A web page's main text for a briefing: one longer than the article limit is not refused (the
    reader chose the page, and news puts its gist first) but cut to its first part at a paragraph or
    sentence end, and the briefing says so."""
    page = extract_article(html)
    text = checked_text(page.text, "article", None)
    limit = settings.max_article_chars
    if len(text) <= limit:
        return PageArticle(text, page)
    part = first_part(text, limit)
    cut = (
        f"the page's main text has {len(text)} characters, over the limit of {limit}: "
        f"briefed from its first {len(part)}"
    )
    return PageArticle(part, page, cut)


def intake(request: BriefingRequest, settings: Settings) -> BriefingIntake:
    """The briefing to run: a ``url`` fetched, a page's article and title extracted. No readiness
    check: the command line validates its input this way before any model loads."""
    title, article, extracted = request.title, request.article, None
    html, fetched = request.html, None
    if request.url is not None:
        fetched_html, fetched = fetch_html(request.url, FetchPolicy.of(settings))
        html = checked_text(fetched_html, "html", settings.max_html_chars)
    cut = None
    if html is not None:
        taken = briefing_from_html(html, settings)
        article, page, cut = taken.text, taken.page, taken.cut
        title, extracted = title or page.title, {**page.describe(len(html)), **(fetched or {})}
        if cut is not None:
            extracted["briefed_characters"] = len(article)
    job = BriefingJob(
        article=article,
        title=title,
        lengths=tuple(request.lengths),
        fmt=request.format,
        mode=request.mode or settings.default_mode,
        focus=request.focus,
        sizes=request.counts.sizes() if request.counts else {},
        language=request.language,
        cut=cut,
    )
    return BriefingIntake(job, extracted)


def brief(engine: Engine, request: BriefingRequest, listener: BriefingListener = SILENT) -> BriefingResponse:
    engine.require_ready()
    return answer(engine, intake(request, engine.settings), listener)


def open_briefing(engine: Engine, request: BriefingRequest) -> tuple[BriefingIntake, ExitStack]:
    """For a stream: readiness, the intake and the generation slot settled before the response
    starts, so a refusal is still a JSON status. The caller closes the stack when the work ends."""
    engine.require_ready()
    item = intake(request, engine.settings)
    slot = ExitStack()
    slot.enter_context(engine.admit(item.job))
    return item, slot


def answer(
    engine: Engine, item: BriefingIntake, listener: BriefingListener = SILENT, admitted: bool = False
) -> BriefingResponse:
    """A taken-in briefing answered: the result, the model that made it and what extraction found.
    ``admitted``: the caller holds the generation slot already (:func:`open_briefing`)."""
    result = engine.brief_admitted(item.job, listener) if admitted else engine.brief(item.job, listener)
    return BriefingResponse.of(result, engine.model_info(), item.extracted)


def rewrite(engine: Engine, request: RewriteRequest) -> RewriteResponse:
    engine.require_ready()
    result = engine.rewrite(RewriteJob(text=request.text, style=request.style))
    return RewriteResponse.of(result, engine.model_info())


def check(engine: Engine, request: CheckRequest) -> CheckResponse:
    engine.require_ready()
    article = request.article if request.html is None else article_from_html(request.html, engine.settings)[0]
    return CheckResponse.of(engine.check(article, request.summary))


def brief_batch(engine: Engine, request: BatchRequest) -> BatchResponse:
    """Every item of a synchronous batch, in order. Generating items stop being started after half
    the request budget (answered 504 "not attempted", to be sent again), so a batch ends within
    the proxy's timeout."""
    engine.require_ready()
    settings = engine.settings
    results = brief_all(
        engine, request.articles, request.defaults(), settings, strict=True, budget_s=settings.request_timeout_s / 2
    )
    return BatchResponse.of(list(results))


def brief_item(
    engine: Engine, raw: Any, index: int, defaults: dict[str, Any], settings: Settings, strict: bool
) -> BatchResult:
    """One batch item's result: its id, status 200 and the briefing, or its error; a bad item never
    fails the others. ``strict`` refuses unknown fields (HTTP); the command line ignores them, since
    data files carry extra columns."""
    item_id: str | None = None
    try:
        item_id = protocol.item_id(raw, index)
        fields = {k: v for k, v in raw.items() if k != "id" and (strict or k in BriefingRequest.model_fields)}
        request = protocol.parse(BriefingRequest, {**defaults, **fields}, settings)
        return BatchResult(id=item_id, status=200, result=brief(engine, request))
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
