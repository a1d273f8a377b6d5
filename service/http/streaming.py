"""Server-sent events for a briefing in progress: a worker thread does the work and a queue
carries what it hears to the response, which a WSGI server writes event by event.

A client that disconnects makes the server's next write fail; the server then closes the
response, which marks the stream gone, and the work stops at its next step. A comment line
every few seconds keeps proxies from timing the stream out and finds a gone client between
events (during the article's prefill, say)."""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

from service.briefing.briefer import BriefingListener, LengthBriefing, Preview
from service.engine import protocol
from service.errors import ClientGone, is_internal

log = logging.getLogger(__name__)

HEARTBEAT_S = 5.0
_END = object()


def format_event(name: str, data: Any) -> str:
    """One SSE event; JSON never contains a raw newline, so one ``data:`` line suffices."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class EventStream(BriefingListener):
    """The response body (an iterable with ``close``) and the listener the briefer talks to.

    Events: ``analysed`` (mode, lengths, input, article sentences), ``token`` ({length, text}),
    ``briefing`` ({length, briefing}), then ``done`` (the full JSON response) or ``error``."""

    def __init__(
        self, work: Callable[[BriefingListener], dict[str, Any]], cleanup: ExitStack, heartbeat_s: float = HEARTBEAT_S
    ) -> None:
        self._events: queue.Queue[Any] = queue.Queue()
        self._gone = threading.Event()
        self._heartbeat_s = heartbeat_s
        self._cleanup = cleanup
        self._worker = threading.Thread(target=self._run, args=(work,), name="briefly-stream", daemon=True)
        self._worker.start()

    # ---------------------------------------------------------------- the worker's side
    def _run(self, work: Callable[[BriefingListener], dict[str, Any]]) -> None:
        try:
            self._events.put(format_event("done", work(self)))
        except ClientGone:
            log.info("stream client went away; briefing stopped")
        except Exception as exc:  # reported in the stream: the 200 status line is long gone
            if is_internal(exc):
                log.exception("error while streaming a briefing")
            self._events.put(format_event("error", protocol.dump(protocol.Error.of(exc)[1])))
        finally:
            self._cleanup.close()  # the generation slot frees when the work ends, not the response
            self._events.put(_END)

    def analysed(self, preview: Preview) -> None:
        self._events.put(format_event("analysed", protocol.dump(protocol.Analysed.of(preview))))

    def token(self, length: str, delta: str) -> None:
        self._events.put(format_event("token", {"length": length, "text": delta}))

    def briefing(self, length: str, briefing: LengthBriefing) -> None:
        shipped = protocol.dump(protocol.Briefing.model_validate(briefing))
        self._events.put(format_event("briefing", {"length": length, "briefing": shipped}))

    def cancelled(self) -> bool:
        return self._gone.is_set()

    # ---------------------------------------------------------------- the server's side
    def __iter__(self) -> Iterator[str]:
        while True:
            try:
                item = self._events.get(timeout=self._heartbeat_s)
            except queue.Empty:
                yield ": keep-alive\n\n"
                continue
            if item is _END:
                return
            yield item

    def close(self) -> None:
        """Called by the WSGI server when the response ends, early (client gone) or not."""
        self._gone.set()
