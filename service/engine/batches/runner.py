"""Queue workers: a Dramatiq worker that runs batch items with this process's engine.

``make run`` on the embedded default runs one inside every web worker, started once the engine is
loaded (after fork, like the model itself); with ``BRIEFLY_QUEUE_URL`` the web workers only enqueue
and ``briefly worker`` processes consume. Either way the items run on the same engine code as the
synchronous endpoints.
"""

from __future__ import annotations

import logging
import threading

import dramatiq

from service.engine.batches.jobs import Batches
from service.engine.batches.queue import Heartbeat
from service.engine.engine import Engine

log = logging.getLogger(__name__)


class ItemWorker:
    """One process's consumer of the batch queue."""

    def __init__(self, engine: Engine, threads: int | None = None) -> None:
        self.engine = engine
        self.threads = threads or engine.settings.batch_threads
        self.batches: Batches | None = None
        self.worker: dramatiq.Worker | None = None
        self.heartbeat: Heartbeat | None = None
        self._stopping = threading.Lock()

    def start(self) -> None:
        self.batches = Batches(self.engine.settings, engine=self.engine)
        self.heartbeat = self.batches.queue.heartbeat()
        self.heartbeat.start()
        self.worker = self.batches.queue.worker(self.threads)
        self.worker.start()
        log.info("batch worker consuming with %d thread(s)", self.threads)

    def start_when_ready(self, loader: threading.Thread) -> threading.Thread:
        """Start once the model has loaded (``loader`` ends); never on a failed load."""

        def run() -> None:
            loader.join()
            if self.engine.ready:
                self.start()

        waiter = threading.Thread(target=run, name="briefly-batch-start", daemon=True)
        waiter.start()
        return waiter

    def stop(self, timeout_s: float = 30.0) -> None:
        """Finish the items running (up to ``timeout_s``); prefetched ones go back to the queue. The
        heartbeat stops last: while an item finishes, its worker is alive. Safe to call twice."""
        with self._stopping:
            if self.worker is not None:
                self.worker.stop(timeout=int(timeout_s * 1000))
                self.worker = None
            if self.heartbeat is not None:
                self.heartbeat.stop()
                self.heartbeat = None
            if self.batches is not None:
                self.batches.close()
                self.batches = None

    def stop_soon(self, timeout_s: float) -> threading.Thread:
        """:meth:`stop` in a thread of its own (from a signal handler: SIGTERM stops new items at
        once, while the HTTP requests in flight drain)."""
        stopper = threading.Thread(target=self.stop, args=(timeout_s,), name="briefly-batch-stop", daemon=True)
        stopper.start()
        return stopper
