"""The batch API's routes, in the shapes of OpenAI's Files and Batches APIs: parse, call the batch
jobs (service/engine/batches/jobs.py), return JSON. Files and batches are scoped to the API key."""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

import redis
from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from service.engine.batch_protocol import (
    BatchCreateRequest,
    BatchList,
    BatchListQuery,
    BatchObject,
    FileDeleted,
    FileList,
    FileObject,
    FileUpload,
)
from service.engine.batches.jobs import Batches
from service.engine.protocol import Error, dump, parse
from service.errors import (
    ConfigurationError,
    Conflict,
    InvalidInput,
    MalformedRequest,
    NotFound,
    PayloadTooLarge,
    QueueUnavailable,
    UnsupportedMediaType,
)
from service.http.access import owner
from service.http.openapi import Operation, operation
from service.settings import Settings

log = logging.getLogger(__name__)
bp = Blueprint("batches", __name__)
FORM_OVERHEAD_BYTES = 1 << 20  # multipart boundaries and the purpose field around the file
_building = threading.Lock()
# Every batch route can answer these besides its own errors.
UNAVAILABLE = (QueueUnavailable,)


def batches() -> Batches:
    """This worker's batch jobs, built on first use (after fork: it connects to the queue); not
    kept when the queue cannot be reached, so the next request tries again."""
    found: Batches | None = current_app.extensions.get("briefly.batches")
    if found is None:
        with _building:
            found = current_app.extensions.get("briefly.batches")
            if found is None:
                try:
                    found = Batches(settings())
                except (ConfigurationError, OSError) as exc:  # no embedded queue (a read-only data dir...)
                    log.error("batch queue unavailable: %s", exc)
                    raise QueueUnavailable("the batch queue is not running; the server log says why") from None
                current_app.extensions["briefly.batches"] = found
    return found


@bp.errorhandler(redis.RedisError)
@bp.errorhandler(sqlite3.OperationalError)
def store_unavailable(exc: Exception) -> Any:
    """The queue's Redis away or the database locked past its timeout: a 503 to retry, not a 500."""
    log.error("batch store unavailable: %s", exc)
    status, body, headers = Error.of(QueueUnavailable("the batch queue or its store is unavailable; try again shortly"))
    return jsonify(dump(body)), status, headers


def settings() -> Settings:
    return current_app.config["BRIEFLY_SETTINGS"]


@bp.post("/v1/files")
@operation(
    Operation(
        "Upload a JSONL batch input file (multipart: file, purpose=batch), checked as a whole",
        multipart=FileUpload,
        response=FileObject,
        errors=(MalformedRequest, PayloadTooLarge, UnsupportedMediaType, InvalidInput, *UNAVAILABLE),
    )
)
def upload_file() -> Any:
    """A JSONL file of requests (multipart: ``file`` and ``purpose=batch``), checked as a whole."""
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("upload the file as multipart/form-data with fields 'file' and 'purpose'")
    limit = settings().batch_max_file_bytes
    request.max_content_length = limit + FORM_OVERHEAD_BYTES
    try:
        upload, purpose = request.files.get("file"), request.form.get("purpose", "")
    except RequestEntityTooLarge:
        raise PayloadTooLarge(f"the file exceeds the limit of {limit} bytes", field="file") from None
    except ValueError as exc:
        raise MalformedRequest(f"the multipart body cannot be read: {exc}") from None
    if upload is None:
        raise InvalidInput("'file' is required: the JSONL file as a multipart field", field="file")
    return jsonify(dump(batches().upload(owner(), upload.filename or "", purpose, upload.stream)))


@bp.get("/v1/files")
@operation(Operation("This key's files", response=FileList, errors=UNAVAILABLE))
def list_files() -> Any:
    return jsonify(dump(batches().files(owner())))


@bp.get("/v1/files/<file_id>")
@operation(Operation("A file", response=FileObject, errors=(NotFound, *UNAVAILABLE)))
def get_file(file_id: str) -> Any:
    return jsonify(dump(batches().file(owner(), file_id)))


@bp.get("/v1/files/<file_id>/content")
@operation(
    Operation(
        "A file's content, JSONL (output and error files: one OutputLine a line)",
        response={"type": "string"},
        errors=(NotFound, *UNAVAILABLE),
    )
)
def file_content(file_id: str) -> Any:
    chunks = batches().content(owner(), file_id)
    return Response(chunks, mimetype="application/jsonl")


@bp.delete("/v1/files/<file_id>")
@operation(Operation("Delete a file", response=FileDeleted, errors=(NotFound, Conflict, *UNAVAILABLE)))
def delete_file(file_id: str) -> Any:
    return jsonify(dump(batches().delete_file(owner(), file_id)))


@bp.post("/v1/batches")
@operation(
    Operation(
        "Start a batch: every line of an input file against one endpoint",
        body=BatchCreateRequest,
        response=BatchObject,
        errors=(MalformedRequest, UnsupportedMediaType, NotFound, InvalidInput, *UNAVAILABLE),
    )
)
def create_batch() -> Any:
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("this endpoint takes application/json")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise MalformedRequest("the body must be a JSON object (valid JSON)")
    return jsonify(dump(batches().create(owner(), parse(BatchCreateRequest, body, settings()))))


@bp.get("/v1/batches")
@operation(
    Operation(
        "This key's batches, newest first",
        query=BatchListQuery,
        response=BatchList,
        errors=(InvalidInput, *UNAVAILABLE),
    )
)
def list_batches() -> Any:
    page = parse(BatchListQuery, request.args.to_dict())
    return jsonify(dump(batches().listing(owner(), page.after or None, page.limit)))


@bp.get("/v1/batches/<batch_id>")
@operation(Operation("A batch and its progress", response=BatchObject, errors=(NotFound, *UNAVAILABLE)))
def get_batch(batch_id: str) -> Any:
    return jsonify(dump(batches().get(owner(), batch_id)))


@bp.post("/v1/batches/<batch_id>/cancel")
@operation(
    Operation(
        "Cancel: no new items start, finished ones are kept",
        response=BatchObject,
        errors=(NotFound, Conflict, *UNAVAILABLE),
    )
)
def cancel_batch(batch_id: str) -> Any:
    return jsonify(dump(batches().cancel(owner(), batch_id)))
