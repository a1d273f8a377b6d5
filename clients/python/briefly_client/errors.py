"""The errors a Briefly server answers, as exceptions: one base class, one class per status family
and status, and one per error code where a code says more than its status.

Every error body the server writes is ``{"error": {"code", "message", "field"?}}`` with an HTTP
status; :func:`error_for` picks the class by code first, then by status, then by status family,
so a code this client does not know yet still lands in the right family.
"""

from __future__ import annotations

from collections.abc import Mapping


class BrieflyError(Exception):
    """Any failure of a call. ``status`` is the HTTP status (None when no response came, or for an
    ``error`` event in a stream, whose status line said 200: then the class's usual status);
    ``code`` is the server's stable, machine-readable code; ``message`` is for people; ``field`` names
    the request field at fault, when one is; ``request_id`` is the response's X-Request-ID."""

    default_status: int | None = None

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status: int | None = None,
        field: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status if status is not None else self.default_status
        self.field = field
        self.request_id = request_id

    def __str__(self) -> str:
        where = f" (field {self.field!r})" if self.field else ""
        status = f"{self.status} " if self.status is not None else ""
        return f"{status}{self.code}: {self.message}{where}"


# ---------------------------------------------------------------- no answer from the server
class TransportError(BrieflyError):
    """No usable answer: the connection failed, the client's own timeout ran out, or a stream broke
    off. ``code`` is ``connection_failed``, ``client_timeout``, ``stream_broken`` or ``request_failed``."""


# ---------------------------------------------------------------- 4xx: the request
class ClientError(BrieflyError):
    """4xx: the server refused the request as sent."""


class BadRequest(ClientError):
    """400: the body cannot be parsed (not JSON, not an object, bad UTF-8, nested too deep)."""

    default_status = 400


class UrlRefused(BadRequest):
    """400 ``url_refused``: a ``url`` the server will not fetch (fetching off, not http(s), a private
    or loopback address, too many redirects)."""


class Unauthorized(ClientError):
    """401: the server has API keys and the request carried none that matches."""

    default_status = 401


class NotFound(ClientError):
    """404: no such endpoint (a base URL with a wrong path, or an older server), or no such batch
    file or batch (API keys see only their own)."""

    default_status = 404


class Conflict(ClientError):
    """409: the batch or file is in a state that refuses the action (a finished batch cannot be
    cancelled, a running batch's input file cannot be deleted)."""

    default_status = 409


class PayloadTooLarge(ClientError):
    """413: the body or a text is over its limit; the message names the limit and the size."""

    default_status = 413


class UnsupportedMediaType(ClientError):
    """415: a content type the endpoint does not read."""

    default_status = 415


class InvalidInput(ClientError):
    """422: well-formed but unusable (an empty article, an unknown length, style, mode or field)."""

    default_status = 422


class NotAnArticle(InvalidInput):
    """422 ``not_an_article``: the text or page is no article to brief (a caption, a stub, an index
    page); the message names the measured reason."""


class Overloaded(ClientError):
    """429: every generation slot and waiting place is taken. ``retry_after`` is the server's
    Retry-After in seconds (None when it sent none)."""

    default_status = 429

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status: int | None = None,
        field: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code, status=status, field=field, request_id=request_id)
        self.retry_after = retry_after


# ---------------------------------------------------------------- 5xx: the server
class ServerError(BrieflyError):
    """5xx: the server failed; a 500 says only that its log has the details."""

    default_status = 500


class UpstreamError(ServerError):
    """502: something the server depends on failed (its remote engine, the page at ``url``)."""

    default_status = 502


class EngineError(UpstreamError):
    """502 ``engine_error``: the remote generation engine answered with an error or nonsense."""


class UrlFetchFailed(UpstreamError):
    """502 ``url_fetch_failed``: the page at ``url`` could not be fetched."""


class Unavailable(ServerError):
    """503: the server cannot take work now (see the subclasses); worth retrying later."""

    default_status = 503


class NotReady(Unavailable):
    """503 ``not_ready``: the model is loading, failed its self-check, or the server is draining."""


class EngineUnavailable(Unavailable):
    """503 ``engine_unavailable``: the remote generation engine cannot be reached or is overloaded."""


class QueueUnavailable(Unavailable):
    """503 ``queue_unavailable``: the batch queue or its store cannot be reached; try again shortly."""


class Timeout(ServerError):
    """504: a time limit ran out on the server (generation, the remote engine, fetching ``url``)."""

    default_status = 504


class GenerationTimeout(Timeout):
    """504 ``generation_timeout``: generation ran past its budget with nothing usable."""


class EngineTimeout(Timeout):
    """504 ``engine_timeout``: the remote generation engine did not answer in time."""


class UrlTimeout(Timeout):
    """504 ``url_timeout``: the page at ``url`` did not arrive within the fetch time limit."""


class CheckTimeout(Timeout):
    """504 ``check_timeout``: a fact-check ran past its time budget; send a shorter summary."""


# The lookup tables :func:`error_for` reads: a code says most, then the status, then its family.
BY_CODE: Mapping[str, type[BrieflyError]] = {
    "malformed_request": BadRequest,
    "url_refused": UrlRefused,
    "unauthorized": Unauthorized,
    "not_found": NotFound,
    "conflict": Conflict,
    "payload_too_large": PayloadTooLarge,
    "unsupported_media_type": UnsupportedMediaType,
    "invalid_input": InvalidInput,
    "not_an_article": NotAnArticle,
    "overloaded": Overloaded,
    "internal_error": ServerError,
    "engine_error": EngineError,
    "url_fetch_failed": UrlFetchFailed,
    "not_ready": NotReady,
    "engine_unavailable": EngineUnavailable,
    "queue_unavailable": QueueUnavailable,
    "generation_timeout": GenerationTimeout,
    "engine_timeout": EngineTimeout,
    "url_timeout": UrlTimeout,
    "check_timeout": CheckTimeout,
}
BY_STATUS: Mapping[int, type[BrieflyError]] = {
    400: BadRequest,
    401: Unauthorized,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: InvalidInput,
    429: Overloaded,
    500: ServerError,
    502: UpstreamError,
    503: Unavailable,
    504: Timeout,
}


def error_class(status: int | None, code: str) -> type[BrieflyError]:
    """The class for an error: by code when the code's class agrees with the status (or there is
    no status), else by status, else by the status's family."""
    by_code = BY_CODE.get(code)
    if by_code is not None and (status is None or by_code.default_status == status):
        return by_code
    if status is None:
        return BrieflyError
    if status in BY_STATUS:
        return BY_STATUS[status]
    if 400 <= status < 500:
        return ClientError
    if status >= 500:
        return ServerError
    return BrieflyError


def error_for(
    status: int | None,
    code: str,
    message: str,
    *,
    field: str | None = None,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> BrieflyError:
    """The exception for an error the server answered (``status`` None: an ``error`` event)."""
    cls = error_class(status, code)
    if issubclass(cls, Overloaded):
        return cls(message, code=code, status=status, field=field, request_id=request_id, retry_after=retry_after)
    return cls(message, code=code, status=status, field=field, request_id=request_id)
