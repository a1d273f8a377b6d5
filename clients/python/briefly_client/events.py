"""The events of a streamed briefing (``POST /v1/briefings`` with ``Accept: text/event-stream``), typed.

In order: one :class:`AnalysedEvent` (the analysed input), then :class:`TokenEvent` s while a length
is generated and a :class:`BriefingEvent` as each length is verified, then one :class:`DoneEvent`:
the same response a plain call returns. An ``error`` event is raised as a
:class:`~briefly_client.errors.BrieflyError` instead of being yielded.

``AnalysedEvent`` and ``DoneEvent`` are the generated models themselves (subclassed only to be told
apart from plain responses); the two small payloads the OpenAPI document describes only in words,
``{length, text}`` and ``{length, briefing}``, are written here around the generated ``Briefing``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar

from pydantic import BaseModel

from briefly_client.models import Analysed, Briefing, BriefingResponse


class AnalysedEvent(Analysed):
    """``analysed``: the mode, the lengths to come, the input's size and the article's sentences."""

    name: ClassVar[str] = "analysed"


class TokenEvent(BaseModel):
    """``token``: a piece of text just generated for ``length`` (before it is verified)."""

    name: ClassVar[str] = "token"
    length: str
    text: str


class BriefingEvent(BaseModel):
    """``briefing``: one length, verified and final."""

    name: ClassVar[str] = "briefing"
    length: str
    briefing: Briefing


class DoneEvent(BriefingResponse):
    """``done``: the whole response, exactly what a plain (non-streamed) call returns."""

    name: ClassVar[str] = "done"

    def response(self) -> BriefingResponse:
        """This event as a plain :class:`BriefingResponse`."""
        return BriefingResponse.model_validate(self.model_dump())


StreamEvent = AnalysedEvent | TokenEvent | BriefingEvent | DoneEvent
EVENT_TYPES: dict[str, type[StreamEvent]] = {
    cls.name: cls for cls in (AnalysedEvent, TokenEvent, BriefingEvent, DoneEvent)
}


def sse_messages(chunks: Iterable[bytes]) -> Iterator[tuple[str, str]]:
    """(event name, data) for each server-sent event in a byte stream; comments (keep-alives) are
    skipped. Lines are split on bytes, not with ``str.splitlines``: the server writes JSON without
    escaping non-ASCII, and splitlines would also break a line at U+2028 inside a string."""
    buffer = b""
    name = "message"  # the SSE default
    data: list[str] = []
    for chunk in chunks:
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for raw in lines:
            line = raw.removesuffix(b"\r").decode("utf-8")
            if not line:  # a blank line ends the event
                if data:
                    yield name, "\n".join(data)
                name, data = "message", []
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
    if data:  # a last event without its blank line
        yield name, "\n".join(data)


def decode(name: str, data: str) -> StreamEvent | None:
    """The typed event for a known event name; None for one this client does not know (a newer
    server's), which callers skip. (``error`` is the caller's to raise.)"""
    cls = EVENT_TYPES.get(name)
    return cls.model_validate_json(data) if cls is not None else None
