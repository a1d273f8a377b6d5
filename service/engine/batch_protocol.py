"""The batch API's bodies, in the shapes of OpenAI's Files and Batches APIs, so that the ``openai``
client's ``files`` and ``batches`` calls work against Briefly unchanged.

Kept apart from service/engine/protocol.py (the synchronous endpoints' bodies): the two change for
different reasons. Timestamps are Unix seconds, as OpenAI writes them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from service.engine.protocol import ErrorDetail, _Body

# The endpoint an input line names -> the synchronous route that answers it (service/engine/batches/items.py).
ENDPOINTS = ("/v1/briefings", "/v1/rewrite", "/v1/check")
BATCH_STATUSES = (
    "validating",
    "failed",
    "in_progress",
    "finalizing",
    "completed",
    "expired",
    "cancelling",
    "cancelled",
)
# A completion window: a number and a unit, as OpenAI's "24h"; Briefly takes any window up to a week.
WINDOW_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_WINDOW_S = 7 * 86400
METADATA_KEYS, METADATA_KEY_CHARS, METADATA_VALUE_CHARS = 16, 64, 512
CUSTOM_ID_MAX_CHARS = 512

if TYPE_CHECKING:  # the checker sees plain strings; pydantic sees the tables' names
    EndpointName = str
    StatusName = str
else:
    EndpointName = Literal[ENDPOINTS]
    StatusName = Literal[BATCH_STATUSES]


def window_seconds(window: str) -> int:
    """'24h' -> 86400; a window that is no number and unit, or over a week, is refused."""
    match = re.fullmatch(r"(\d{1,7})([smhd])", window.strip())
    seconds = int(match[1]) * WINDOW_UNITS[match[2]] if match else 0
    if not 0 < seconds <= MAX_WINDOW_S:
        raise PydanticCustomError(
            "completion_window",
            "'completion_window' must be a duration such as '24h' (s, m, h or d), at most 7 days",
            {"field": "completion_window"},
        )
    return seconds


class BatchCreateRequest(_Body):
    """POST /v1/batches: run every line of an uploaded file against one endpoint."""

    input_file_id: str = Field(min_length=1, max_length=100, description="a file uploaded with purpose 'batch'")
    endpoint: EndpointName = Field(description="the endpoint every line of the file calls")
    completion_window: str = Field(
        default="24h", description="how long the batch may run before it expires with its partial results"
    )
    metadata: dict[str, str] | None = Field(
        default=None, description="up to 16 key-value pairs (keys up to 64 characters, values up to 512)"
    )
    output_expires_after: dict[str, Any] | None = Field(default=None, description="accepted and ignored")

    @field_validator("completion_window")
    @classmethod
    def _window(cls, value: str) -> str:
        window_seconds(value)
        return value

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is not None and (
            len(value) > METADATA_KEYS
            or any(len(k) > METADATA_KEY_CHARS or len(v) > METADATA_VALUE_CHARS for k, v in value.items())
        ):
            raise PydanticCustomError(
                "metadata",
                "'metadata' holds at most {keys} pairs, keys of at most {key} characters and values of at most {value}",
                {"field": "metadata", "keys": METADATA_KEYS, "key": METADATA_KEY_CHARS, "value": METADATA_VALUE_CHARS},
            )
        return value


class FileUpload(BaseModel):
    """POST /v1/files: a multipart/form-data body, as the openai client's ``files.create`` sends it."""

    file: bytes = Field(description="the JSONL file: one request a line (see InputLine)")
    purpose: Literal["batch"] = Field(description="what the file is for: always 'batch'")


class BatchListQuery(_Body):
    """GET /v1/batches: one page of batches, newest first. Other query parameters are ignored."""

    model_config = ConfigDict(extra="ignore")

    after: str | None = Field(
        default=None, max_length=200, description="the last batch id of the previous page: list older ones"
    )
    limit: int = Field(default=20, ge=1, le=100, description="batches on the page (1 to 100)")


class InputLine(BaseModel):
    """One line of a batch input file."""

    model_config = ConfigDict(extra="forbid")

    custom_id: str = Field(min_length=1, max_length=CUSTOM_ID_MAX_CHARS, description="unique within the file")
    method: Literal["POST"]
    url: str = Field(description="the batch's endpoint")
    body: dict[str, Any] = Field(description="the body that endpoint takes as JSON")


class FileObject(BaseModel):
    """An uploaded input file, or a batch's output or error file."""

    id: str
    object: Literal["file"] = "file"
    bytes: int
    created_at: int
    filename: str
    purpose: Literal["batch", "batch_output"]
    status: Literal["processed"] = "processed"
    expires_at: int | None = None
    status_details: str | None = None


class FileDeleted(BaseModel):
    id: str
    object: Literal["file"] = "file"
    deleted: bool


class FileList(BaseModel):
    object: Literal["list"] = "list"
    data: list[FileObject]
    has_more: bool = False


class BatchError(BaseModel):
    """Why a batch failed as a whole (a line's own errors go to its error file)."""

    code: str
    message: str
    param: str | None = None
    line: int | None = None


class BatchErrors(BaseModel):
    object: Literal["list"] = "list"
    data: list[BatchError]


class RequestCounts(BaseModel):
    total: int
    completed: int
    failed: int


class BatchObject(BaseModel):
    """A batch: its state, its progress and, once it ends, its output and error files."""

    id: str
    object: Literal["batch"] = "batch"
    endpoint: str
    errors: BatchErrors | None = None
    input_file_id: str
    completion_window: str
    status: StatusName
    output_file_id: str | None = None
    error_file_id: str | None = None
    created_at: int
    in_progress_at: int | None = None
    expires_at: int | None = None
    finalizing_at: int | None = None
    completed_at: int | None = None
    failed_at: int | None = None
    expired_at: int | None = None
    cancelling_at: int | None = None
    cancelled_at: int | None = None
    request_counts: RequestCounts
    metadata: dict[str, str] | None = None


class BatchList(BaseModel):
    object: Literal["list"] = "list"
    data: list[BatchObject]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool


class ItemResponse(BaseModel):
    status_code: int
    request_id: str
    body: dict[str, Any]


class OutputLine(BaseModel):
    """One line of an output or error file: the item's response (any status), or an error when it
    got none (a malformed line, a batch that expired first)."""

    id: str
    custom_id: str | None
    response: ItemResponse | None
    error: ErrorDetail | None


# The batch API's bodies, for the OpenAPI document (service/http/openapi.py).
DOCUMENTED: tuple[tuple[type[BaseModel], Literal["validation", "serialization"]], ...] = (
    (BatchCreateRequest, "validation"),
    (FileUpload, "validation"),
    (InputLine, "validation"),
    (FileObject, "serialization"),
    (FileDeleted, "serialization"),
    (FileList, "serialization"),
    (BatchObject, "serialization"),
    (BatchList, "serialization"),
    (OutputLine, "serialization"),
)
