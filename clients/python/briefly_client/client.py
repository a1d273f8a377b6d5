"""The client: one method per endpoint, typed request options in, generated response models out,
the server's errors raised as :mod:`briefly_client.errors` exceptions."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

import requests
from pydantic import BaseModel, ValidationError

from briefly_client import __version__
from briefly_client.errors import BrieflyError, NotReady, TransportError, Unavailable, error_for
from briefly_client.events import DoneEvent, StreamEvent, decode, sse_messages
from briefly_client.models import (
    BatchItem,
    BatchResponse,
    BriefingResponse,
    CheckResponse,
    Counts,
    Error,
    RewriteResponse,
)

# requests' (connect, read) timeout: the server's generation budget is 90 s by default; a stream
# sends a keep-alive every 5 s, so the read timeout bounds a silence, not the whole stream.
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 120.0)
Timeout = float | tuple[float, float] | None


class Client:
    """A Briefly server at ``base_url`` (e.g. ``http://localhost:8000``).

    ``api_key`` is sent as ``Authorization: Bearer <key>`` when given. ``timeout`` is requests'
    timeout in seconds (one number, or (connect, read)). ``session`` lets a caller bring a configured
    ``requests.Session`` (proxies, retries, certificates); the client closes only a session it made.
    Use it as a context manager, or call :meth:`close`.

    The client does not validate requests itself: the server does, and its 422 arrives as
    :class:`~briefly_client.errors.InvalidInput` naming the field.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        *,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._own_session = session is None
        self._session = session if session is not None else requests.Session()
        self._headers = {"Accept": "application/json", "User-Agent": f"briefly-client/{__version__}"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"

    def __repr__(self) -> str:
        return f"Client({self.base_url!r})"

    # ---------------------------------------------------------------- lifecycle
    def close(self) -> None:
        if self._own_session:
            self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # ---------------------------------------------------------------- briefings
    def brief(
        self,
        article: str | None = None,
        *,
        html: str | None = None,
        url: str | None = None,
        title: str | None = None,
        lengths: str | Sequence[str] | None = None,
        mode: str | None = None,
        focus: str | None = None,
        counts: Counts | Mapping[str, Any] | None = None,
        format: str | None = None,
    ) -> BriefingResponse:
        """Brief one article at every requested length (the server's defaults when ``lengths`` is
        None). Give exactly one of ``article`` (its text), ``html`` (a web page, whose main text and
        title are extracted) or ``url`` (a page for the server to fetch, where it allows that).
        ``focus`` says what the reader cares about; ``counts`` (a :class:`Counts` or a mapping)
        resizes key points and prose lengths within the bounds GET /v1/lengths gives. Options left
        None are not sent: the server's defaults apply."""
        body = briefing_body(article, html, url, title, lengths, mode, focus, counts, format)
        return BriefingResponse.model_validate(self._request("POST", "/v1/briefings", body))

    def stream_brief(
        self,
        article: str | None = None,
        *,
        html: str | None = None,
        url: str | None = None,
        title: str | None = None,
        lengths: str | Sequence[str] | None = None,
        mode: str | None = None,
        focus: str | None = None,
        counts: Counts | Mapping[str, Any] | None = None,
        format: str | None = None,
    ) -> Iterator[StreamEvent]:
        """:meth:`brief`, streamed: yields an ``AnalysedEvent``, ``TokenEvent`` s and ``BriefingEvent``
        s as the work goes, and last a ``DoneEvent`` (the response :meth:`brief` returns). An
        ``error`` event is raised as a :class:`BrieflyError`, and so is a refusal before the stream
        starts (a 422, 429 or 503 comes as JSON). The request is sent when the first event is asked
        for. Stopping early (``break``, or closing the iterator) disconnects, which stops the
        generation on the server."""
        body = briefing_body(article, html, url, title, lengths, mode, focus, counts, format)
        headers = {**self._headers, "Accept": "text/event-stream"}
        try:
            response = self._session.post(
                self._url("/v1/briefings"), json=body, headers=headers, timeout=self.timeout, stream=True
            )
        except requests.RequestException as exc:
            raise _transport_error(exc) from exc
        with response:
            if response.status_code != 200:
                raise _error_of(response)
            if response.headers.get("Content-Type", "").startswith("application/json"):  # a server that does not stream
                yield DoneEvent.model_validate(response.json())
                return
            try:
                for name, data in sse_messages(response.iter_content(chunk_size=None)):
                    if name == "error":
                        raise _error_event(data, response)
                    event = decode(name, data)
                    if event is None:  # an event a newer server sends and this client does not know
                        continue
                    yield event
                    if isinstance(event, DoneEvent):
                        return
            except requests.RequestException as exc:
                raise _transport_error(exc) from exc
        raise TransportError("the event stream ended before its 'done' event", code="stream_broken")

    def brief_batch(
        self,
        items: Iterable[BatchItem | Mapping[str, Any]],
        *,
        lengths: str | Sequence[str] | None = None,
        mode: str | None = None,
        format: str | None = None,
        **defaults: Any,
    ) -> BatchResponse:
        """Several articles in one call; each item needs an ``id`` and one of ``article``/``html``
        (and may override the batch-wide options). One result per item, in order, each a briefing
        or that item's own error: a bad item does not fail the batch. Other batch-wide options the
        server takes go in ``defaults``."""
        articles = [_plain(item) for item in items]
        options = {"lengths": _lengths(lengths), "mode": mode, "format": format, **defaults}
        body = {"articles": articles, **{k: v for k, v in options.items() if v is not None}}
        return BatchResponse.model_validate(self._request("POST", "/v1/briefings/batch", body))

    # ---------------------------------------------------------------- rewrites and checks
    def rewrite(self, text: str, style: str) -> RewriteResponse:
        """``text`` rewritten in ``style`` (see :meth:`styles`), sentence by sentence, facts kept."""
        return RewriteResponse.model_validate(self._request("POST", "/v1/rewrite", {"text": text, "style": style}))

    def check(self, summary: str, article: str | None = None, *, html: str | None = None) -> CheckResponse:
        """Fact-check ``summary`` (written by anything) against ``article``, or against the main text
        of the web page ``html``: each sentence's verdict, support and sources."""
        body = _given({"summary": summary, "article": article, "html": html})
        return CheckResponse.model_validate(self._request("POST", "/v1/check", body))

    # ---------------------------------------------------------------- what the server offers
    def lengths(self) -> list[dict[str, Any]]:
        """The length contract: each length's name, shape and word limits."""
        return list(self._request("GET", "/v1/lengths")["lengths"])

    def styles(self) -> list[dict[str, Any]]:
        """The rewrite styles."""
        return list(self._request("GET", "/v1/styles")["styles"])

    def modes(self) -> dict[str, Any]:
        """``{"modes": [...], "default": ...}``: the briefing modes and the server's default."""
        return dict(self._request("GET", "/v1/modes"))

    def openapi(self) -> dict[str, Any]:
        """The server's OpenAPI document (the contract this client's models are generated from)."""
        return dict(self._request("GET", "/openapi.json"))

    def healthy(self) -> bool:
        """Whether the process answers ``/healthz``."""
        try:
            self._request("GET", "/healthz")
        except BrieflyError:
            return False
        return True

    def ready(self) -> bool:
        """Whether the model is loaded and self-checked: ``/readyz`` answers 200 (True) or 503 (False;
        loading, failed its self-check, or draining). Anything else raises (no connection, say);
        /readyz needs no API key."""
        try:
            self._request("GET", "/readyz")
        except Unavailable:
            return False
        return True

    def wait_ready(self, timeout_s: float = 120.0, interval_s: float = 0.5) -> None:
        """Wait until :meth:`ready`; :class:`NotReady` after ``timeout_s`` (a server still starting
        refuses connections at first: that counts as not ready)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if self.ready():
                    return
            except TransportError:
                pass
            if time.monotonic() >= deadline:
                raise NotReady(f"{self.base_url} not ready within {timeout_s} s", code="not_ready")
            time.sleep(interval_s)

    # ---------------------------------------------------------------- HTTP
    def _url(self, path: str) -> str:
        return self.base_url + path

    def _request(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """The decoded JSON of a 2xx answer; anything else raised as its error."""
        try:
            response = self._session.request(
                method, self._url(path), json=body, headers=self._headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise _transport_error(exc) from exc
        with response:
            if not 200 <= response.status_code < 300:
                raise _error_of(response)
            try:
                return response.json()
            except ValueError as exc:
                raise _error_of(response, f"the answer is not JSON: {response.text[:200]!r}") from exc


def briefing_body(
    article: str | None,
    html: str | None,
    url: str | None,
    title: str | None,
    lengths: str | Sequence[str] | None,
    mode: str | None,
    focus: str | None,
    counts: Counts | Mapping[str, Any] | None,
    format: str | None,
) -> dict[str, Any]:
    """A briefing request's JSON body: the options given, the server's defaults for the rest."""
    return _given(
        {
            "article": article,
            "html": html,
            "url": url,
            "title": title,
            "lengths": _lengths(lengths),
            "mode": mode,
            "focus": focus,
            "counts": None if counts is None else _plain(counts),
            "format": format,
        }
    )


def _given(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


def _lengths(lengths: str | Sequence[str] | None) -> str | list[str] | None:
    """A list of names, or the comma-separated string the server also reads, as given."""
    return lengths if lengths is None or isinstance(lengths, str) else list(lengths)


def _plain(value: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    """A request model or mapping as JSON-ready data: only what was set, so the server's (or the
    batch's) defaults fill the rest."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True)
    return dict(value)


# ---------------------------------------------------------------- errors
def _error_of(response: requests.Response, message: str | None = None) -> BrieflyError:
    """The exception for an error answer: the body's code, message and field when it is the
    server's JSON error; ``http_<status>`` and the start of the body otherwise (a proxy's page)."""
    request_id = response.headers.get("X-Request-ID")
    retry_after = _seconds(response.headers.get("Retry-After"))
    status = response.status_code
    try:
        detail = Error.model_validate(response.json()).error
    except (ValueError, ValidationError):
        text = message or response.text.strip()[:500] or response.reason or "no body"
        return error_for(status, f"http_{status}", text, request_id=request_id, retry_after=retry_after)
    return error_for(
        status, detail.code, detail.message, field=detail.field, request_id=request_id, retry_after=retry_after
    )


def _error_event(data: str, response: requests.Response) -> BrieflyError:
    """An ``error`` event: its status line said 200, so the class's usual status stands."""
    request_id = response.headers.get("X-Request-ID")
    try:
        detail = Error.model_validate_json(data).error
    except ValidationError:
        return error_for(None, "internal_error", data[:500], request_id=request_id)
    return error_for(None, detail.code, detail.message, field=detail.field, request_id=request_id)


def _transport_error(exc: requests.RequestException) -> TransportError:
    if isinstance(exc, requests.Timeout):
        return TransportError(f"no answer within the client's timeout: {exc}", code="client_timeout")
    if isinstance(exc, requests.ConnectionError):
        return TransportError(f"cannot reach the server: {exc}", code="connection_failed")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return TransportError(f"the answer broke off: {exc}", code="stream_broken")
    return TransportError(f"the request failed: {exc}", code="request_failed")


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: the server never sends one
