"""gunicorn settings for Briefly. Every value comes from service.settings (the one env reader)."""

from pathlib import Path

from service.models import allocator
from service.settings import Settings

_settings = Settings.from_env()

# glibc malloc: two arenas (per-thread heaps crept +84 MB over 1,000 requests; two hold it to +12 MB)
# and a 1 MB mmap threshold while the model loads (freed load buffers go back to the OS; each worker
# raises it once loaded). Set here, in the master, so every forked worker inherits it; the why is in
# service/models/allocator.py.
allocator.tune()

# Bind on PORT (default 8000) so platforms that assign a port (Heroku, Cloud Run, k8s) just work.
bind = f"{_settings.host}:{_settings.port}"

# Each worker holds its own copy of the model; more workers = more memory and fewer torch threads
# each. On one machine one worker is usually right: scale out with replicas.
workers = _settings.workers

# gthread: a long generation occupies one thread while /healthz and /readyz stay answerable on the others.
worker_class = "gthread"
threads = _settings.http_threads

# Load the app in each worker after fork, never in the master: no torch threads or CUDA context
# may exist before fork (both break in the child).
preload_app = False

# Longer than the longest generation we allow, so gunicorn never kills a worker mid-briefing.
timeout = int(_settings.request_timeout_s) + 60

# On SIGTERM, give requests in flight time to finish their generation.
graceful_timeout = int(_settings.request_timeout_s) + 30

# Replace each worker after this many requests, so slow leaks (tokenizer caches, fragmentation) cannot
# grow without bound; the jitter keeps workers from restarting together. A replaced worker reloads the
# model (~3 s, not ready meanwhile): with one worker per replica, run several replicas.
max_requests = _settings.max_requests
max_requests_jitter = max(1, _settings.max_requests // 10) if _settings.max_requests else 0

# Clients behind proxies hold keep-alive connections; keep them briefly.
keepalive = 5

# Logs to stdout/stderr for containers. No gunicorn access log: the app writes one JSON access line
# per request, with its request id (service/http/observability.py).
accesslog = None
errorlog = "-"
loglevel = _settings.log_level.lower()


def on_starting(server):  # type: ignore[no-untyped-def]
    """In the master, before any fork: start the embedded queue's redis-server (no other set-up for
    batches on one machine); workers reach it on its socket. Nothing here with BRIEFLY_QUEUE_URL."""
    if not _settings.queue_url:
        from service.engine.batches.queue import EmbeddedRedis

        try:
            server.briefly_queue = EmbeddedRedis(Path(_settings.data_dir) / "queue")
            server.briefly_queue.start()
        except Exception as exc:  # the synchronous API still serves; batch calls will say why
            server.log.error("the embedded batch queue did not start: %s", exc)


def on_exit(server):  # type: ignore[no-untyped-def]
    """The workers are gone: stop the embedded queue (its append-only file is flushed)."""
    embedded = getattr(server, "briefly_queue", None)
    if embedded is not None:
        embedded.stop()


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """After fork and app import: start loading the model in the background, once per worker, and
    turn readiness off as soon as SIGTERM arrives (gunicorn then finishes requests in flight). On the
    embedded queue (BRIEFLY_API_RUNS_ITEMS) the worker also runs batch items once the model is loaded."""
    import signal

    engine = worker.wsgi.extensions["briefly.engine"]
    loader = engine.start_loading()
    if _settings.runs_items_in_api:
        from service.engine.batches.runner import ItemWorker

        worker.briefly_items = ItemWorker(engine)
        worker.briefly_items.start_when_ready(loader)
    gunicorn_handler = signal.getsignal(signal.SIGTERM)

    def drain_then_exit(signum, frame):  # type: ignore[no-untyped-def]
        engine.drain()
        items = getattr(worker, "briefly_items", None)
        if items is not None:  # no new batch item starts; the running one finishes beside the requests
            items.stop_soon(_settings.request_timeout_s)
        if callable(gunicorn_handler):
            gunicorn_handler(signum, frame)

    signal.signal(signal.SIGTERM, drain_then_exit)


def worker_exit(server, worker):  # type: ignore[no-untyped-def]
    """A worker leaving (SIGTERM, recycled): its running batch items finish, prefetched ones go back
    (begun at SIGTERM; this waits for it)."""
    items = getattr(worker, "briefly_items", None)
    if items is not None:
        items.stop(timeout_s=_settings.request_timeout_s)
