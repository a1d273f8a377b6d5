"""Batch jobs: files uploaded, batches started, items run through the synchronous endpoints'
serving code, results recorded exactly once, batches finished, cancelled or expired.

The API process calls the upload and batch methods; queue workers (web workers on the embedded
default, ``briefly worker`` processes with Redis) run :meth:`Batches.start` (one message per batch:
read the file, send one message per line) and :meth:`Batches.run_item` (one message per line). A
message is acknowledged only after its work is recorded, so a worker killed mid-item leaves it to
run again elsewhere; the store's write-once record makes the second run's result a no-op.

A batch's output and error files are written once no outcome can join it any more (every item
accounted for, or the batch expired: the store then refuses late outcomes), so concurrent writers
write the same content and a late item never changes a file already served.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, NamedTuple

import redis
from dramatiq.middleware import TimeLimitExceeded
from pydantic import BaseModel, ValidationError

from service.engine import protocol, serving
from service.engine.batch_protocol import (
    BatchCreateRequest,
    BatchError,
    BatchErrors,
    BatchList,
    BatchObject,
    FileDeleted,
    FileList,
    FileObject,
    InputLine,
    ItemResponse,
    OutputLine,
    RequestCounts,
    window_seconds,
)
from service.engine.batches.queue import Queue, retries_so_far
from service.engine.batches.store import Outcome, Record, Store, open_store
from service.engine.engine import Engine
from service.engine.protocol import CheckRequest, ErrorDetail, RewriteRequest
from service.errors import (
    BrieflyError,
    Conflict,
    InvalidInput,
    MalformedRequest,
    NotFound,
    PayloadTooLarge,
    QueueUnavailable,
    is_internal,
)
from service.settings import Settings

log = logging.getLogger(__name__)

# The endpoint a line calls -> (its request model, the serving function that answers it): exactly
# what the synchronous route runs.
ServeFn = Callable[[Engine, Any], BaseModel]
ENDPOINTS: dict[str, tuple[type[Any], ServeFn]] = {
    "/v1/briefings": (protocol.BriefingRequest, serving.brief),
    "/v1/rewrite": (RewriteRequest, serving.rewrite),
    "/v1/check": (CheckRequest, serving.check),
}
RETRYABLE = frozenset({429, 503, 504})  # busy, not ready or out of time: worth another try later
ACTIVE = ("validating", "in_progress")  # running, and so able to expire
FANOUT_STEP = 500  # lines sent between two saves of the fan-out's progress
UPLOAD_CHUNK = 1 << 20
MAX_LISTED = 100
LINE_ENVELOPE_BYTES = 4096  # a line's custom_id, method and url around its body
FAILURE_RETRIES = 10  # an item's unexpected failures (its store away) retried before Dramatiq gives up
# The custom_id at the head of a line too long to parse, when it comes first (as in OpenAI's examples).
_HEAD_CUSTOM_ID = re.compile(rb'^\s*\{\s*"custom_id"\s*:\s*"((?:[^"\\]|\\.){1,512})"')


class RetryItem(Exception):
    """Raised to Dramatiq's Retries middleware: run this item again after a backoff."""


def now() -> int:
    return int(time.time())


def new_id(prefix: str) -> str:
    """Sortable by creation (milliseconds first), unguessable after."""
    return f"{prefix}{time.time_ns() // 1_000_000:012x}{secrets.token_hex(8)}"


def item_key(custom_id: Any, index: int) -> str:
    """What a result is recorded under: its custom_id, or its line number when it has none."""
    return f"c:{custom_id}" if isinstance(custom_id, str) and custom_id else f"l:{index}"


def request_id(batch_id: str, key: str) -> str:
    """The same for every run of an item, so a retried item's line is the same line."""
    return "batch_req_" + hashlib.sha256(f"{batch_id}\n{key}".encode()).hexdigest()[:24]


class RawLine(NamedTuple):
    """One non-blank input line: its position (from 0, blank lines not counted), its bytes, and whether it is whole (a line over
    the limit keeps only its head, enough to find its custom_id)."""

    position: int
    data: bytes
    whole: bool


def iter_lines(chunks: Iterable[bytes], limit: int) -> Iterator[RawLine]:
    """Every non-blank line, holding at most about ``limit`` bytes of any one in memory."""
    index, rest, over = 0, b"", False
    for chunk in chunks:
        *ends, tail = chunk.split(b"\n")
        for end in ends:  # each completes a line
            if not over:
                rest += end
            if rest.strip():
                yield RawLine(index, rest, not over and len(rest) <= limit)
                index += 1
            rest, over = b"", False
        if not over:
            rest += tail
            if len(rest) > limit:
                rest, over = rest[:1024], True
    if rest.strip():
        yield RawLine(index, rest, not over and len(rest) <= limit)


def parse_line(raw: RawLine, limit: int) -> tuple[str, InputLine | None, BrieflyError | None, Any]:
    """(key, the line, its error, its custom_id as given) for one input line."""
    index = raw.position
    if not raw.whole:
        head = _HEAD_CUSTOM_ID.match(raw.data)
        custom_id = None
        if head:
            with contextlib.suppress(ValueError):
                custom_id = json.loads(b'"' + head[1] + b'"')
        error = PayloadTooLarge(f"line {index + 1} is over {limit} bytes, more than any endpoint takes", field="body")
        return item_key(custom_id, index), None, error, custom_id
    try:
        data = json.loads(raw.data)
    except ValueError as exc:
        return item_key(None, index), None, MalformedRequest(f"line {index + 1} is not valid JSON: {exc}"), None
    custom_id = data.get("custom_id") if isinstance(data, dict) else None
    key = item_key(custom_id, index)
    if not isinstance(data, dict):
        return key, None, MalformedRequest(f"line {index + 1} must be a JSON object"), None
    try:
        return key, InputLine.model_validate(data), None, custom_id
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "line"
        message = f"line {index + 1}: '{field}' {first['msg'].lower()}"
        return key, None, InvalidInput(message, field=field), custom_id


def answer(engine: Engine, endpoint: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """One item answered as its synchronous endpoint answers: (status, JSON body)."""
    model, serve = ENDPOINTS[endpoint]
    try:
        return 200, protocol.dump(serve(engine, protocol.parse(model, body, engine.settings)))
    except Exception as exc:
        if is_internal(exc):
            log.exception("batch item failed")
        status, error, _ = protocol.Error.of(exc)
        return status, protocol.dump(error)


class Batches:
    """The batch API over a store and a queue. ``engine`` runs items (queue workers only)."""

    def __init__(self, settings: Settings, queue: Queue | None = None, engine: Engine | None = None) -> None:
        self.settings = settings
        self.queue = queue or Queue(settings)
        self.store: Store = open_store(settings.data_dir, self.queue.client() if self.queue.shared else None)
        self.engine = engine
        # The longest line worth parsing: the largest body the synchronous endpoints take, and its envelope.
        self.line_limit = settings.max_body_bytes + LINE_ENVELOPE_BYTES
        self.queue.declare("briefly_start_batch", self.start, max_retries=20, min_backoff=1000, max_backoff=30_000)
        self.queue.declare(
            "briefly_batch_item",
            self.run_item,
            max_retries=max(settings.batch_retries, FAILURE_RETRIES),
            min_backoff=1000,
            max_backoff=60_000,
            time_limit=int(settings.request_timeout_s + 120) * 1000,
        )

    def close(self) -> None:
        self.queue.close()
        self.store.close()

    def _lines(self, file_id: str) -> Iterator[RawLine]:
        return iter_lines(self.store.file_content(file_id), self.line_limit)

    # ------------------------------------------------------------ files
    def upload(self, owner: str, filename: str, purpose: str, stream: IO[bytes]) -> FileObject:
        """A JSONL input file, checked as a whole: size, line count, JSON, unique custom_ids. A
        line's own faults (an unknown url, a body the endpoint refuses, a line over the largest
        body) become its error line."""
        if purpose != "batch":
            raise InvalidInput(f"purpose must be 'batch', not {purpose!r}", field="purpose")
        limit = self.settings.batch_max_file_bytes
        with tempfile.TemporaryFile() as spool:
            size = 0
            while chunk := stream.read(UPLOAD_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(f"the file exceeds the limit of {limit} bytes", field="file")
                spool.write(chunk)
            lines = self._check_jsonl(spool)
            meta = {
                "id": new_id("file-"),
                "owner": owner,
                "bytes": size,
                "created_at": now(),
                "filename": (filename or "input.jsonl")[:255],
                "purpose": "batch",
                "lines": lines,
            }
            spool.seek(0)
            self.store.add_file(meta, iter(lambda: spool.read(UPLOAD_CHUNK), b""))
        return self._file_object(meta)

    def _check_jsonl(self, spool: IO[bytes]) -> int:
        spool.seek(0)
        seen: dict[str, int] = {}
        duplicates: list[str] = []
        objects = lines = 0
        for raw in iter_lines(iter(lambda: spool.read(UPLOAD_CHUNK), b""), self.line_limit):
            lines = raw.position + 1
            if lines > self.settings.batch_max_lines:
                raise PayloadTooLarge(
                    f"the file has more than {self.settings.batch_max_lines} lines; the limit is "
                    f"{self.settings.batch_max_lines}",
                    field="file",
                )
            try:
                raw.data.decode("utf-8")
            except UnicodeDecodeError as exc:
                if raw.whole:  # a long line's head may end inside a character
                    raise MalformedRequest(f"the file is not UTF-8 text (line {lines})", field="file") from exc
            key, _, error, custom_id = parse_line(raw, self.line_limit)
            if isinstance(error, MalformedRequest):
                continue  # a line that is no JSON object gets its own error line when the batch runs
            objects += 1
            if key.startswith("c:"):
                if custom_id in seen:
                    duplicates.append(f"{custom_id!r} (lines {seen[custom_id] + 1} and {lines})")
                seen.setdefault(custom_id, raw.position)
        if not lines:
            raise InvalidInput("the file is empty: one JSON request per line", field="file")
        if not objects:
            raise MalformedRequest("the file is not JSONL: no line is a JSON object", field="file")
        if duplicates:
            listed = ", ".join(duplicates[:5]) + (f" and {len(duplicates) - 5} more" if len(duplicates) > 5 else "")
            raise InvalidInput(f"duplicate custom_id: {listed}; each line needs its own", field="custom_id")
        return lines

    def _own_file(self, owner: str, file_id: str) -> Record:
        meta = self.store.file(file_id)
        if meta is None or meta["owner"] != owner:
            raise NotFound(f"no file {file_id!r}", field="file_id")
        return meta

    @staticmethod
    def _file_object(meta: Record) -> FileObject:
        return FileObject.model_validate({k: v for k, v in meta.items() if k in FileObject.model_fields})

    def file(self, owner: str, file_id: str) -> FileObject:
        return self._file_object(self._own_file(owner, file_id))

    def files(self, owner: str) -> FileList:
        return FileList(data=[self._file_object(m) for m in self.store.files(owner)])

    def content(self, owner: str, file_id: str) -> Iterator[bytes]:
        self._own_file(owner, file_id)
        try:
            return self.store.file_content(file_id)
        except FileNotFoundError:  # deleted meanwhile
            raise NotFound(f"no file {file_id!r}", field="file_id") from None

    def delete_file(self, owner: str, file_id: str) -> FileDeleted:
        self._own_file(owner, file_id)
        if self.store.file_in_use(file_id):
            raise Conflict(f"file {file_id} is the input of a batch still running; cancel it or wait for it to end")
        return FileDeleted(id=file_id, deleted=self.store.delete_file(file_id))

    # ------------------------------------------------------------ batches
    def create(self, owner: str, request: BatchCreateRequest) -> BatchObject:
        meta = self._own_file(owner, request.input_file_id)
        if meta["purpose"] != "batch":
            raise InvalidInput("the input file must have purpose 'batch'", field="input_file_id")
        created = now()
        batch: Record = {
            "id": new_id("batch_"),
            "owner": owner,
            "endpoint": request.endpoint,
            "input_file_id": request.input_file_id,
            "completion_window": request.completion_window,
            "status": "validating",
            "created_at": created,
            "expires_at": created + window_seconds(request.completion_window),
            "metadata": request.metadata,
            "total": meta["lines"],
            "enqueued": 0,
        }
        self.store.add_batch(batch)
        try:
            self.queue.send("briefly_start_batch", batch["id"])
        except redis.RedisError as exc:  # no queue to take it: the batch fails at once, and says why
            lost = BatchError(code="queue_unavailable", message="the batch queue could not be reached")
            fields = {"status": "failed", "failed_at": now(), "errors": BatchErrors(data=[lost]).model_dump()}
            self.store.update_batch(batch["id"], fields, when=("validating",))
            raise QueueUnavailable("the batch queue cannot be reached; try again shortly") from exc
        return self._view(self._batch(batch["id"]))

    def _batch(self, batch_id: str) -> Record:
        batch = self.store.batch(batch_id)
        if batch is None:
            raise NotFound(f"no batch {batch_id!r}", field="batch_id")
        return batch

    def _own_batch(self, owner: str, batch_id: str) -> Record:
        batch = self._batch(batch_id)
        if batch["owner"] != owner:
            raise NotFound(f"no batch {batch_id!r}", field="batch_id")
        return self._expire_if_due(batch)

    def get(self, owner: str, batch_id: str) -> BatchObject:
        return self._view(self._own_batch(owner, batch_id))

    def listing(self, owner: str, after: str | None = None, limit: int = 20) -> BatchList:
        if not 1 <= limit <= MAX_LISTED:
            raise InvalidInput(f"limit must be from 1 to {MAX_LISTED}", field="limit")
        found, more = self.store.batches(owner, after, limit)
        views = [self._view(self._expire_if_due(b)) for b in found]
        return BatchList(
            data=views, first_id=views[0].id if views else None, last_id=views[-1].id if views else None, has_more=more
        )

    def cancel(self, owner: str, batch_id: str) -> BatchObject:
        """New items stop starting; running ones finish and are kept; then the batch is cancelled."""
        batch = self._own_batch(owner, batch_id)
        if batch["status"] in ("cancelling", "cancelled"):
            return self._view(batch)
        if not self.store.update_batch(batch_id, {"status": "cancelling", "cancelling_at": now()}, when=ACTIVE):
            raise Conflict(
                f"batch {batch_id} is {self._batch(batch_id)['status']}; only a running batch can be cancelled"
            )
        self._settle(batch_id)
        return self._view(self._batch(batch_id))

    def _view(self, batch: Record) -> BatchObject:
        fields = {k: v for k, v in batch.items() if k in BatchObject.model_fields}
        fields["request_counts"] = RequestCounts(
            total=batch["total"], completed=batch["completed"], failed=batch["failed"]
        )
        return BatchObject.model_validate(fields)

    # ------------------------------------------------------------ workers
    def start(self, batch_id: str) -> None:
        """Validate every line and send one message per runnable line; a malformed line, or one for
        another endpoint, gets its error line here. Resumes where a killed run stopped."""
        batch = self.store.batch(batch_id)
        if batch is None or batch["status"] not in ("validating", "cancelling"):
            return
        if self.store.file(batch["input_file_id"]) is None:
            lost = BatchError(code="file_not_found", message="the input file was deleted", param="input_file_id")
            fields = {"status": "failed", "failed_at": now(), "errors": BatchErrors(data=[lost]).model_dump()}
            self.store.update_batch(batch_id, fields, when=("validating",))
            return
        done = batch["enqueued"]
        for raw in self._lines(batch["input_file_id"]):
            if raw.position < done:
                continue
            key, line, error, custom_id = parse_line(raw, self.line_limit)
            if raw.position % FANOUT_STEP == 0:
                batch = self._batch(batch_id)
                self.store.update_batch(batch_id, {"enqueued": raw.position})
            if batch["status"] != "validating":
                self.store.account(batch_id, key, raw.position, "skipped", None)
            elif line is None:
                self._record(batch_id, key, raw.position, custom_id, None, error)
            elif line.url != batch["endpoint"]:
                message = f"line {raw.position + 1} calls {line.url!r}; this batch's endpoint is {batch['endpoint']!r}"
                self._record(batch_id, key, raw.position, custom_id, None, InvalidInput(message, field="url"))
            else:
                self.queue.send("briefly_batch_item", batch_id, key, raw.position, line.custom_id, line.body)
        fields = {"status": "in_progress", "in_progress_at": now(), "enqueued": batch["total"]}
        self.store.update_batch(batch_id, fields, when=("validating",))
        self._settle(batch_id)

    def run_item(self, batch_id: str, key: str, index: int, custom_id: str, body: dict[str, Any]) -> None:
        """One line through its endpoint, recorded once. A 429/503/504 is retried with backoff
        (BRIEFLY_BATCH_RETRIES), then recorded as the item's answer. An item of a cancelling batch is
        skipped; one of a batch that ended (expired, a redelivered duplicate) does nothing."""
        try:
            batch = self.store.batch(batch_id)
            if batch is None:
                return
            status = self._expire_if_due(batch)["status"]
            if status == "cancelling":
                self.store.account(batch_id, key, index, "skipped", None)
            elif status in ACTIVE and not self.store.has(batch_id, key):
                if self.engine is None:
                    raise RuntimeError("this process runs no batch items (no engine)")
                status_code, response = answer(self.engine, batch["endpoint"], body)
                if status_code in RETRYABLE and retries_so_far() < self.settings.batch_retries:
                    raise RetryItem(f"{custom_id}: {status_code}, retried")
                self._record(batch_id, key, index, custom_id, (status_code, response), None)
            self._settle(batch_id)
        except RetryItem:
            raise
        except (Exception, TimeLimitExceeded):
            if retries_so_far() < FAILURE_RETRIES:
                raise  # Dramatiq runs it again after a backoff
            log.exception(
                "batch item %s of %s failed %d times; recorded as failed", custom_id, batch_id, FAILURE_RETRIES
            )
            self._record(batch_id, key, index, custom_id, None, RuntimeError("the item kept failing"))
            self._settle(batch_id)

    def _record(
        self,
        batch_id: str,
        key: str,
        index: int,
        custom_id: Any,
        response: tuple[int, dict[str, Any]] | None,
        error: Exception | None,
    ) -> bool:
        rid = request_id(batch_id, key)
        detail = None
        if error is not None:
            _, body, _ = protocol.Error.of(error)
            detail = body.error
        elif response is not None and response[0] != 200:
            detail = ErrorDetail.model_validate(response[1]["error"])
        line = OutputLine(
            id=rid,
            custom_id=custom_id if isinstance(custom_id, str) else None,
            response=ItemResponse(status_code=response[0], request_id=rid, body=response[1]) if response else None,
            error=detail,
        )
        outcome: Outcome = "failed" if detail is not None else "completed"
        return self.store.account(batch_id, key, index, outcome, line.model_dump_json())

    def _settle(self, batch_id: str) -> None:
        """Move a batch on once every line is accounted for: in_progress -> finalizing -> completed
        (the output files written), cancelling -> cancelled. Each step is compare-and-set and the
        files' content final by then, so a finisher killed half-way is finished by the next."""
        batch = self._batch(batch_id)
        accounted = batch["completed"] + batch["failed"] + batch["skipped"] >= batch["total"]
        status = batch["status"]
        if status == "in_progress" and accounted:
            self.store.update_batch(batch_id, {"status": "finalizing", "finalizing_at": now()}, when=("in_progress",))
            status = "finalizing"
        if status == "finalizing":
            fields = {**self._write_files(batch), "status": "completed", "completed_at": now()}
            self.store.update_batch(batch_id, fields, when=("finalizing",))
        elif status == "cancelling" and accounted:
            fields = {**self._write_files(batch), "status": "cancelled", "cancelled_at": now()}
            self.store.update_batch(batch_id, fields, when=("cancelling",))

    def _expire_if_due(self, batch: Record) -> Record:
        """Past its completion window a running batch expires, with what it has so far: first the
        status (from then on the store refuses outcomes), then its files, from what is final."""
        if batch["status"] in ACTIVE and now() >= batch["expires_at"]:
            self.store.update_batch(batch["id"], {"status": "expired", "expired_at": now()}, when=ACTIVE)
            batch = self._batch(batch["id"])
        if batch["status"] == "expired" and not batch.get("output_file_id"):
            self.store.update_batch(batch["id"], self._write_files(batch), when=("expired",))
            batch = self._batch(batch["id"])
        return batch

    def _write_files(self, batch: Record) -> Record:
        """The output file (answers with status 200) and the error file (every other line; and,
        for an expired batch, a ``batch_expired`` line for each item that never ran), spooled to
        disk as they are read: a batch's output may be hundreds of MB."""
        batch_id = batch["id"]
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            written = {out: 0, err: 0}
            recorded: set[str] = set()
            for _, key, failed, line in self.store.lines(batch_id):
                spool = err if failed else out
                spool.write(line.encode() + b"\n")
                written[spool] += 1
                recorded.add(key)
            if batch["status"] == "expired":
                error = ErrorDetail(
                    code="batch_expired",
                    message="this request could not be executed before the completion window expired",
                )
                for raw in self._lines(batch["input_file_id"]):
                    key, _, _, custom_id = parse_line(raw, self.line_limit)
                    if key not in recorded:
                        cid = custom_id if isinstance(custom_id, str) else None
                        missing = OutputLine(id=request_id(batch_id, key), custom_id=cid, response=None, error=error)
                        err.write(missing.model_dump_json().encode() + b"\n")
                        written[err] += 1
            fields: Record = {"output_file_id": self._output_file(batch, "output", out, written[out])}
            fields["error_file_id"] = self._output_file(batch, "error", err, written[err]) if written[err] else None
        return fields

    def _output_file(self, batch: Record, kind: str, spool: IO[bytes], lines: int) -> str:
        size = spool.tell()
        spool.seek(0)
        meta = {
            "id": f"file-{batch['id']}-{kind}",
            "owner": batch["owner"],
            "bytes": size,
            "created_at": now(),
            "filename": f"{batch['id']}_{kind}.jsonl",
            "purpose": "batch_output",
            "lines": lines,
        }
        self.store.add_file(meta, iter(lambda: spool.read(UPLOAD_CHUNK), b""))
        return str(meta["id"])
