"""Where files and batch state live: SQLite in the data directory (the embedded default), or the
queue's Redis (BRIEFLY_QUEUE_URL: API replicas and workers on many machines share it).

Both keep the same records: a file's metadata and content, a batch (a dict of the OpenAI batch's
fields plus Briefly's own: owner, total, enqueued), and one outcome per item keyed by
(batch, item key): its result line, or "skipped" (the batch was cancelled first). :meth:`account`
writes an item's outcome at most once, counts it in the same step, and only while the batch still
takes outcomes, so a redelivered item never writes or counts twice and nothing joins a batch after
its files are written. Status changes are compare-and-set (:meth:`update_batch`), so two workers
never both finish a batch.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, Protocol

CHUNK = 1 << 20
Record = dict[str, Any]
Outcome = Literal["completed", "failed", "skipped"]
Line = tuple[int, str, bool, str]  # an item's (index, key, failed, result line)
LINES_AT_ONCE = 200  # result lines read from Redis in one round trip
# Statuses in which a batch takes item outcomes: running, or cancelling (running items finish and
# are kept). Once it is finalizing, expired or cancelled its files are written from what it has.
TAKING = ("validating", "in_progress", "cancelling")
# Statuses in which a batch still reads its input file.
READING = ("validating", "in_progress", "cancelling", "finalizing")


class Store(Protocol):
    def add_file(self, meta: Record, content: Iterable[bytes]) -> None: ...
    def file(self, file_id: str) -> Record | None: ...
    def file_content(self, file_id: str) -> Iterator[bytes]: ...
    def file_in_use(self, file_id: str) -> bool: ...
    def delete_file(self, file_id: str) -> bool: ...
    def files(self, owner: str) -> list[Record]: ...
    def add_batch(self, batch: Record) -> None: ...
    def batch(self, batch_id: str) -> Record | None: ...
    def batches(self, owner: str, after: str | None, limit: int) -> tuple[list[Record], bool]: ...
    def update_batch(self, batch_id: str, fields: Record, when: Iterable[str] | None = None) -> bool: ...
    def account(self, batch_id: str, key: str, index: int, outcome: Outcome, line: str | None) -> bool: ...
    def has(self, batch_id: str, key: str) -> bool: ...
    def lines(self, batch_id: str) -> Iterator[Line]: ...
    def close(self) -> None: ...


def open_store(data_dir: str, redis_client: Any | None) -> Store:
    """The Redis store when the queue is a Redis of its own (shared by every machine), else SQLite."""
    return RedisStore(redis_client) if redis_client is not None else SQLiteStore(Path(data_dir))


# ---------------------------------------------------------------- SQLite (the embedded default)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (id TEXT PRIMARY KEY, owner TEXT NOT NULL, meta TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, status TEXT NOT NULL, input_file_id TEXT NOT NULL, data TEXT NOT NULL,
    completed INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS batches_by_owner ON batches (owner, id);
CREATE INDEX IF NOT EXISTS batches_by_file ON batches (input_file_id);
CREATE TABLE IF NOT EXISTS outcomes (
    batch_id TEXT NOT NULL, key TEXT NOT NULL, idx INTEGER NOT NULL, outcome TEXT NOT NULL, line TEXT,
    PRIMARY KEY (batch_id, key));
"""
_ACCOUNT = (
    "INSERT OR IGNORE INTO outcomes (batch_id, key, idx, outcome, line) SELECT ?, ?, ?, ?, ? "
    "WHERE EXISTS (SELECT 1 FROM batches WHERE id = ? AND status IN (?, ?, ?))"  # TAKING
)
_COUNT = {
    "completed": "UPDATE batches SET completed = completed + 1 WHERE id = ?",
    "failed": "UPDATE batches SET failed = failed + 1 WHERE id = ?",
    "skipped": "UPDATE batches SET skipped = skipped + 1 WHERE id = ?",
}
_IN_USE = "SELECT 1 FROM batches WHERE input_file_id = ? AND status IN (?, ?, ?, ?) LIMIT 1"  # READING


class SQLiteStore:
    """One database file in WAL mode, one connection per thread; file contents beside it on disk,
    written to a temporary name and renamed, so a reader never sees half a file."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir
        self.files_dir = data_dir / "files"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "batches.sqlite3"
        self._local = threading.local()
        self._db().executescript(_SCHEMA)  # its own transaction

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None or getattr(self._local, "pid", None) != os.getpid():  # never share one across fork
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # a recorded result survives a power cut
            self._local.db, self._local.pid = db, os.getpid()
        return db

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def _file_path(self, file_id: str) -> Path:
        return self.files_dir / file_id

    def add_file(self, meta: Record, content: Iterable[bytes]) -> None:
        path = self._file_path(meta["id"])
        partial = path.with_name(f"{path.name}.part-{secrets.token_hex(6)}")
        with partial.open("wb") as out:
            for chunk in content:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO files (id, owner, meta) VALUES (?, ?, ?)",
                (meta["id"], meta["owner"], json.dumps(meta)),
            )

    def file(self, file_id: str) -> Record | None:
        row = self._db().execute("SELECT meta FROM files WHERE id = ?", (file_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def file_content(self, file_id: str) -> Iterator[bytes]:
        """Opened now (FileNotFoundError now, not half-way through a response), read in chunks."""
        handle = self._file_path(file_id).open("rb")

        def chunks() -> Iterator[bytes]:
            with handle:
                while chunk := handle.read(CHUNK):
                    yield chunk

        return chunks()

    def file_in_use(self, file_id: str) -> bool:
        return self._db().execute(_IN_USE, (file_id, *READING)).fetchone() is not None

    def delete_file(self, file_id: str) -> bool:
        with self._tx() as db:
            deleted = db.execute("DELETE FROM files WHERE id = ?", (file_id,)).rowcount
        self._file_path(file_id).unlink(missing_ok=True)
        return bool(deleted)

    def files(self, owner: str) -> list[Record]:
        rows = self._db().execute("SELECT meta FROM files WHERE owner = ? ORDER BY id DESC", (owner,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def add_batch(self, batch: Record) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO batches (id, owner, status, input_file_id, data) VALUES (?, ?, ?, ?, ?)",
                (batch["id"], batch["owner"], batch["status"], batch["input_file_id"], json.dumps(batch)),
            )

    def _with_counts(self, row: tuple[str, int, int, int]) -> Record:
        data: Record = json.loads(row[0])
        data.update(completed=row[1], failed=row[2], skipped=row[3])
        return data

    def batch(self, batch_id: str) -> Record | None:
        query = "SELECT data, completed, failed, skipped FROM batches WHERE id = ?"
        row = self._db().execute(query, (batch_id,)).fetchone()
        return self._with_counts(row) if row else None

    def batches(self, owner: str, after: str | None, limit: int) -> tuple[list[Record], bool]:
        query = (
            "SELECT data, completed, failed, skipped FROM batches WHERE owner = ? AND id < ? ORDER BY id DESC LIMIT ?"
        )
        rows = self._db().execute(query, (owner, after or "\uffff", limit + 1)).fetchall()
        return [self._with_counts(r) for r in rows[:limit]], len(rows) > limit

    def update_batch(self, batch_id: str, fields: Record, when: Iterable[str] | None = None) -> bool:
        with self._tx() as db:
            row = db.execute("SELECT data FROM batches WHERE id = ?", (batch_id,)).fetchone()
            if row is None:
                return False
            data = json.loads(row[0])
            if when is not None and data["status"] not in set(when):
                return False
            data.update(fields)
            db.execute(
                "UPDATE batches SET status = ?, data = ? WHERE id = ?", (data["status"], json.dumps(data), batch_id)
            )
        return True

    def account(self, batch_id: str, key: str, index: int, outcome: Outcome, line: str | None) -> bool:
        with self._tx() as db:
            written = db.execute(_ACCOUNT, (batch_id, key, index, outcome, line, batch_id, *TAKING)).rowcount
            if written:
                db.execute(_COUNT[outcome], (batch_id,))
        return bool(written)

    def has(self, batch_id: str, key: str) -> bool:
        query = "SELECT 1 FROM outcomes WHERE batch_id = ? AND key = ?"
        return self._db().execute(query, (batch_id, key)).fetchone() is not None

    def lines(self, batch_id: str) -> Iterator[Line]:
        """Every result line in input order, read as it goes (a batch's may be hundreds of MB)."""
        query = "SELECT idx, key, outcome, line FROM outcomes WHERE batch_id = ? AND outcome != 'skipped' ORDER BY idx"
        for index, key, outcome, line in self._db().execute(query, (batch_id,)):
            yield index, key, outcome == "failed", line


# ---------------------------------------------------------------- Redis (BRIEFLY_QUEUE_URL)
P = "briefly:"
# Compare-and-set of a batch's JSON: ARGV = fields (JSON), allowed statuses (JSON list or "null").
_UPDATE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local data = cjson.decode(raw)
if ARGV[2] ~= 'null' then
  local ok = false
  for _, s in ipairs(cjson.decode(ARGV[2])) do if s == data['status'] then ok = true end end
  if not ok then return 0 end
end
for k, v in pairs(cjson.decode(ARGV[1])) do data[k] = v end
redis.call('SET', KEYS[1], cjson.encode(data))
return 1
"""
# Write once, count in the same step, only while the batch takes outcomes.
# KEYS = batch, outcomes hash, counts hash; ARGV = key, value, outcome, statuses that take (JSON).
_ACCOUNT_LUA = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local status = cjson.decode(raw)['status']
local taking = false
for _, s in ipairs(cjson.decode(ARGV[4])) do if s == status then taking = true end end
if not taking then return 0 end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
  return 1
end
return 0
"""


class RedisStore:
    """The same records in Redis (with its append-only file on a volume): API replicas and workers
    on any machine share it. JSON values; Lua scripts make every check-and-write one step. A file's
    content is a list of 1 MB chunks, so neither side ever holds a whole 200 MB file."""

    def __init__(self, client: Any) -> None:
        self.r = client
        self._update = client.register_script(_UPDATE)
        self._account = client.register_script(_ACCOUNT_LUA)

    def close(self) -> None:
        return None

    def add_file(self, meta: Record, content: Iterable[bytes]) -> None:
        final = f"{P}file:{meta['id']}:content"
        partial = f"{final}:part-{secrets.token_hex(6)}"
        self.r.delete(partial)
        for chunk in content:
            self.r.rpush(partial, chunk)
        pipe = self.r.pipeline()  # MULTI/EXEC: the content and its metadata appear together
        if self.r.exists(partial):
            pipe.rename(partial, final)
        else:
            pipe.delete(final)  # an empty file
        pipe.set(f"{P}file:{meta['id']}", json.dumps(meta))
        pipe.zadd(f"{P}files:{meta['owner']}", {meta["id"]: 0})
        pipe.execute()

    def file(self, file_id: str) -> Record | None:
        raw = self.r.get(f"{P}file:{file_id}")
        return json.loads(raw) if raw else None

    def file_content(self, file_id: str) -> Iterator[bytes]:
        key = f"{P}file:{file_id}:content"
        if self.file(file_id) is None:
            raise FileNotFoundError(file_id)

        def chunks() -> Iterator[bytes]:
            for index in range(int(self.r.llen(key))):
                chunk = self.r.lindex(key, index)
                if chunk:
                    yield bytes(chunk)

        return chunks()

    def file_in_use(self, file_id: str) -> bool:
        for raw in self.r.smembers(f"{P}file:{file_id}:batches"):
            batch = self.batch(raw.decode() if isinstance(raw, bytes) else raw)
            if batch is not None and batch["status"] in READING:
                return True
        return False

    def delete_file(self, file_id: str) -> bool:
        meta = self.file(file_id)
        if meta is None:
            return False
        self.r.delete(f"{P}file:{file_id}", f"{P}file:{file_id}:content", f"{P}file:{file_id}:batches")
        self.r.zrem(f"{P}files:{meta['owner']}", file_id)
        return True

    def files(self, owner: str) -> list[Record]:
        ids = self.r.zrevrangebylex(f"{P}files:{owner}", "+", "-")
        metas = [self.file(i.decode() if isinstance(i, bytes) else i) for i in ids]
        return [m for m in metas if m is not None]

    def add_batch(self, batch: Record) -> None:
        pipe = self.r.pipeline()
        pipe.set(f"{P}batch:{batch['id']}", json.dumps(batch))
        pipe.hset(f"{P}batch:{batch['id']}:counts", mapping={"completed": 0, "failed": 0, "skipped": 0})
        pipe.zadd(f"{P}batches:{batch['owner']}", {batch["id"]: 0})
        pipe.sadd(f"{P}file:{batch['input_file_id']}:batches", batch["id"])
        pipe.execute()

    def batch(self, batch_id: str) -> Record | None:
        pipe = self.r.pipeline(transaction=False)
        pipe.get(f"{P}batch:{batch_id}")
        pipe.hmget(f"{P}batch:{batch_id}:counts", "completed", "failed", "skipped")
        raw, counts = pipe.execute()
        if not raw:
            return None
        data: Record = json.loads(raw)
        data.update(zip(("completed", "failed", "skipped"), (int(v or 0) for v in counts), strict=True))
        return data

    def batches(self, owner: str, after: str | None, limit: int) -> tuple[list[Record], bool]:
        top = f"({after}" if after else "+"
        ids = self.r.zrevrangebylex(f"{P}batches:{owner}", top, "-", start=0, num=limit + 1)
        found = [self.batch(i.decode() if isinstance(i, bytes) else i) for i in ids[:limit]]
        return [b for b in found if b is not None], len(ids) > limit

    def update_batch(self, batch_id: str, fields: Record, when: Iterable[str] | None = None) -> bool:
        allowed = json.dumps(list(when)) if when is not None else "null"
        return bool(self._update(keys=[f"{P}batch:{batch_id}"], args=[json.dumps(fields), allowed]))

    def account(self, batch_id: str, key: str, index: int, outcome: Outcome, line: str | None) -> bool:
        keys = [f"{P}batch:{batch_id}", f"{P}batch:{batch_id}:results", f"{P}batch:{batch_id}:counts"]
        value = json.dumps([index, outcome, line])
        return bool(self._account(keys=keys, args=[key, value, outcome, json.dumps(TAKING)]))

    def has(self, batch_id: str, key: str) -> bool:
        return bool(self.r.hexists(f"{P}batch:{batch_id}:results", key))

    def lines(self, batch_id: str) -> Iterator[Line]:
        """Every result line in input order: the keys ordered first (one pass), then the lines
        read a few hundred at a time, never all at once."""
        results = f"{P}batch:{batch_id}:results"
        order = []
        for key, value in self.r.hscan_iter(results, count=LINES_AT_ONCE):
            index, outcome, _ = json.loads(value)
            if outcome != "skipped":
                order.append((int(index), key))
        order.sort()
        for start in range(0, len(order), LINES_AT_ONCE):
            chunk = order[start : start + LINES_AT_ONCE]
            values = self.r.hmget(results, [key for _, key in chunk])
            for (index, key), value in zip(chunk, values, strict=True):
                _, outcome, line = json.loads(value)
                yield index, key.decode() if isinstance(key, bytes) else key, outcome == "failed", line
