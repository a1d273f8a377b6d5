"""A typed Python client for the Briefly HTTP API.

    from briefly_client import Client

    with Client("http://localhost:8000", api_key="...") as briefly:
        response = briefly.brief(article_text, lengths=["headline", "tldr"])
        print(response.briefings["headline"].text)

The request and response models (:mod:`briefly_client.models`) are generated from the server's
OpenAPI document; errors are :mod:`briefly_client.errors` exceptions; the events of a streamed
briefing are in :mod:`briefly_client.events`.
"""

from __future__ import annotations

__version__ = "1.0.0"

from briefly_client.client import Client
from briefly_client.errors import (
    BadRequest,
    BrieflyError,
    CheckTimeout,
    ClientError,
    Conflict,
    EngineError,
    EngineTimeout,
    EngineUnavailable,
    GenerationTimeout,
    InvalidInput,
    NotAnArticle,
    NotFound,
    NotReady,
    Overloaded,
    PayloadTooLarge,
    QueueUnavailable,
    ServerError,
    Timeout,
    TransportError,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
    UpstreamError,
    UrlFetchFailed,
    UrlRefused,
    UrlTimeout,
)
from briefly_client.events import AnalysedEvent, BriefingEvent, DoneEvent, StreamEvent, TokenEvent
from briefly_client.models import (
    Analysed,
    ArticleInput,
    BatchItem,
    BatchResponse,
    BatchResult,
    Briefing,
    BriefingResponse,
    CheckedSentence,
    CheckResponse,
    Counts,
    RewriteResponse,
    Sentence,
    WordRange,
)

__all__ = [
    "Analysed",
    "AnalysedEvent",
    "ArticleInput",
    "BadRequest",
    "BatchItem",
    "BatchResponse",
    "BatchResult",
    "Briefing",
    "BriefingEvent",
    "BriefingResponse",
    "BrieflyError",
    "CheckResponse",
    "CheckedSentence",
    "Client",
    "ClientError",
    "Conflict",
    "Counts",
    "DoneEvent",
    "EngineError",
    "EngineTimeout",
    "EngineUnavailable",
    "GenerationTimeout",
    "InvalidInput",
    "NotAnArticle",
    "NotFound",
    "NotReady",
    "Overloaded",
    "PayloadTooLarge",
    "QueueUnavailable",
    "RewriteResponse",
    "Sentence",
    "ServerError",
    "StreamEvent",
    "Timeout",
    "TokenEvent",
    "TransportError",
    "Unauthorized",
    "Unavailable",
    "UnsupportedMediaType",
    "UpstreamError",
    "UrlFetchFailed",
    "UrlRefused",
    "UrlTimeout",
    "CheckTimeout",
    "WordRange",
    "__version__",
]
