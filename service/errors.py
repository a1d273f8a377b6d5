"""One exception hierarchy; each class documents the HTTP status it maps to.

The HTTP layer turns any :class:`BrieflyError` into ``{"error": {"code", "message"}}`` with
``status``; anything else is a bug, logged, and answered with a generic 500.
"""

from __future__ import annotations


class BrieflyError(Exception):
    """Base class. ``code`` is stable and machine-readable; the message is for people."""

    status: int = 500
    code: str = "internal_error"
    # A 5xx the client should hear about (an upstream's failure, named), not a bug to hide.
    upstream: bool = False

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def headers(self) -> dict[str, str]:
        """Extra response headers this error calls for (none by default)."""
        return {}


def is_internal(exc: Exception) -> bool:
    """A bug or a server-side failure: logged with its trace, never described to the client.
    (503 not ready, 504 timeout and an upstream's 502 are states a client should know about.)"""
    return not isinstance(exc, BrieflyError) or _internal(type(exc))


def _internal(cls: type[BrieflyError]) -> bool:
    return cls.status >= 500 and cls.status not in (503, 504) and not cls.upstream


def public_classes() -> list[type[BrieflyError]]:
    """Every error class a client may receive, as the OpenAPI document lists them: not an internal
    failure, and not 499 (the client that would read it has gone)."""
    found: list[type[BrieflyError]] = []
    waiting = list(BrieflyError.__subclasses__())
    while waiting:
        cls = waiting.pop(0)
        waiting += cls.__subclasses__()
        if not _internal(cls) and cls.status != ClientGone.status:
            found.append(cls)
    return found


def public_error(exc: Exception) -> tuple[int, dict[str, object], dict[str, str]]:
    """(status, body, headers) a client may see for ``exc``: our errors as they are, except that
    internal ones (and anything unexpected) say only that the server log has the details."""
    if isinstance(exc, BrieflyError) and not is_internal(exc):
        body: dict[str, object] = {"code": exc.code, "message": exc.message}
        if exc.field:
            body["field"] = exc.field
        return exc.status, {"error": body}, exc.headers()
    return 500, {"error": {"code": "internal_error", "message": "internal error; the server log has the details"}}, {}


class MalformedRequest(BrieflyError):
    """400: the body cannot be parsed (bad JSON, wrong top-level type)."""

    status = 400
    code = "malformed_request"


class PayloadTooLarge(BrieflyError):
    """413: the body or the article exceeds a configured limit."""

    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(BrieflyError):
    """415: a content type we do not read."""

    status = 415
    code = "unsupported_media_type"


class InvalidInput(BrieflyError):
    """422: well-formed but unusable (empty article, unknown length, style or mode)."""

    status = 422
    code = "invalid_input"


class NotFound(BrieflyError):
    """404: no such file or batch (or one that another API key owns: keys see only their own)."""

    status = 404
    code = "not_found"


class Conflict(BrieflyError):
    """409: the object is in a state that refuses the action (cancelling a finished batch, deleting
    a file a running batch still reads)."""

    status = 409
    code = "conflict"


class Unauthorized(BrieflyError):
    """401: API keys are configured and the request carries none that matches."""

    status = 401
    code = "unauthorized"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="briefly"'}


class Overloaded(BrieflyError):
    """429: every generation slot and every waiting place is taken; retry after ``retry_after`` s."""

    status = 429
    code = "overloaded"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class NotReady(BrieflyError):
    """503: the model is still loading or failed its self-check."""

    status = 503
    code = "not_ready"


class QueueUnavailable(BrieflyError):
    """503: the batch queue or its store cannot be reached (its Redis down or restarting); try again
    shortly."""

    status = 503
    code = "queue_unavailable"


class GenerationTimeout(BrieflyError):
    """504: generation ran past the request's time budget and nothing usable was produced."""

    status = 504
    code = "generation_timeout"


class CheckTimeout(BrieflyError):
    """504: a fact-check ran past its time budget (a summary too long to check in it)."""

    status = 504
    code = "check_timeout"


class ClientGone(BrieflyError):
    """499 (nginx's "client closed request"): a streaming client disconnected, so the work stopped.
    Nobody is left to read the status; it is logged."""

    status = 499
    code = "client_gone"


class ConfigurationError(BrieflyError):
    """Start-up failure: a bad setting, prompt template or model folder. Never reaches a client."""

    status = 500
    code = "configuration_error"


class ModelLoadError(ConfigurationError):
    """The model could not be loaded (missing files, unsafe format, unknown architecture)."""

    code = "model_load_error"


class NotAnArticle(BrieflyError):
    """422: the page or text is no article to brief (a caption, a stub, a status table, a product or
    index page); the message names the measured reason."""

    status = 422
    code = "not_an_article"


class UrlRefused(BrieflyError):
    """400: a ``url`` Briefly will not fetch (fetching is off, a scheme other than http(s), an address
    that is private, loopback, link-local or a metadata service, directly or after a redirect, or
    too many redirects)."""

    status = 400
    code = "url_refused"


class UrlFetchFailed(BrieflyError):
    """502: the page at ``url`` could not be fetched (connection refused, DNS failure, an error status)."""

    status = 502
    code = "url_fetch_failed"
    upstream = True


class UrlTimeout(BrieflyError):
    """504: the page at ``url`` did not arrive within the fetch time limit."""

    status = 504
    code = "url_timeout"


class EngineError(BrieflyError):
    """502: the remote generation engine answered with an error or with something that is not a
    chat completion (malformed JSON, a dropped stream); the message names the cause."""

    status = 502
    code = "engine_error"
    upstream = True


class EngineUnavailable(BrieflyError):
    """503: the remote generation engine cannot be reached or is overloaded even after retries."""

    status = 503
    code = "engine_unavailable"


class EngineTimeout(BrieflyError):
    """504: the remote generation engine did not answer within its timeout."""

    status = 504
    code = "engine_timeout"
