"""The engine: builds the models and the briefing logic from settings, and knows if it is ready.

Cheap ``__init__`` (safe before fork: no torch import, no threads); heavy :meth:`load`, once per
worker process. Readiness means: models loaded and a one-token generation succeeded.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from service.briefing.briefer import MODES, SILENT, Briefer, BriefingJob, BriefingListener, BriefingResult
from service.briefing.checker import SummaryCheck, SummaryChecker
from service.briefing.lengths import LENGTHS
from service.briefing.promptbook import PromptBook
from service.briefing.rewriter import RewriteJob, Rewriter, RewriteResult
from service.briefing.styles import STYLES
from service.engine.admission import Admission
from service.errors import BrieflyError, ConfigurationError, NotReady
from service.models import allocator, cpu
from service.models.embedder import Embedder, HFEmbedder
from service.models.generator import Generator
from service.models.huggingface import HFGenerator, resolve_device, resolve_weights
from service.models.judgement import JudgeConfig, RemoteJudge
from service.models.remote import EngineConfig, OpenAIGenerator
from service.models.weights import EMBEDDER_LABEL, GENERATOR_LABEL, embedder_folder, generator_folder
from service.settings import Settings
from service.text.judge import Judge, default_weights
from service.text.wordnet import open_wordnet

log = logging.getLogger(__name__)


class Engine:
    """Owns the generator, embedder, prompts, briefer and rewriter of one worker."""

    def __init__(
        self, settings: Settings, generator: Generator | None = None, embedder: Embedder | None = None
    ) -> None:
        self.settings = settings
        # Prompts are data checked at boot: a broken template fails here, before any request.
        self.prompts = PromptBook.load(settings.prompts_dir, LENGTHS, STYLES)
        self.generator = generator
        self.embedder = embedder
        self.briefer: Briefer | None = None
        self.rewriter: Rewriter | None = None
        self.checker: SummaryChecker | None = None
        # The judge model the user runs (BRIEFLY_JUDGE_URL), or None: support(document, claim) -> P or None.
        self.remote_judge: RemoteJudge | None = None
        self.state = "loading"
        self.failure: str | None = None
        # Few generations at a time per worker (torch already uses every thread we gave it), a
        # bounded wait for the rest, refusal beyond that.
        self.admission = Admission(settings.generation_slots, settings.max_waiting)
        # Checks are admitted apart: a burst of long summaries never holds up a briefing or a probe.
        self.check_admission = Admission(settings.check_slots, settings.check_waiting, what="checks")
        self.judge: Judge | None = None

    # ---------------------------------------------------------------- lifecycle
    def load(self) -> None:
        """Load models (unless injected), wire the logic, run the self-check. Sets ``state``."""
        allocator.tune()  # before the first large allocation (gunicorn has done it already)
        try:
            if self.generator is None:
                self.generator = self._build_generator()
            if self.embedder is None:
                self.embedder = self._build_embedder()
            allocator.settle()  # serving reuses its temporaries (a prefill 1.04 s -> 0.76 s; allocator.py)
            self.remote_judge = self._build_remote_judge()
            self._wire()
            self.generator.self_check()
            self.embedder.encode(["Warm-up sentence."])
            if self.state != "draining":  # SIGTERM during start-up: stay not-ready
                self.state = "ready"
            log.info("engine ready: %s", self.generator.info())
        except Exception as exc:
            self.state = "failed"
            self.failure = f"{type(exc).__name__}: {exc}"
            log.exception("engine failed to load")
            raise

    def drain(self) -> None:
        """SIGTERM: readiness turns 503 at once; requests in flight finish (gunicorn's graceful timeout)."""
        self.state = "draining"
        log.info("draining: no new work accepted, finishing requests in flight")

    def start_loading(self) -> threading.Thread:
        """Load in a background thread so /healthz answers while weights load."""

        def run() -> None:
            with contextlib.suppress(Exception):  # recorded in state/failure; /readyz reports it
                self.load()

        loader = threading.Thread(target=run, name="briefly-loader", daemon=True)
        loader.start()
        return loader

    def _wire(self) -> None:
        assert self.generator is not None
        assert self.embedder is not None
        s = self.settings
        wordnet = open_wordnet(s.wordnet_dir)
        weights = default_weights()
        if s.risk_threshold:
            weights = weights.with_threshold(s.risk_threshold)
        self.judge = Judge(weights, remote=self.remote_judge)
        self.briefer = Briefer(
            self.generator,
            self.embedder,
            self.prompts,
            self.judge,
            s.generation_input_tokens,
            s.request_timeout_s,
            writes_freely=s.writes_freely,
            model_languages=s.writes_languages,
            wordnet=wordnet,
        )
        self.rewriter = Rewriter(
            self.generator,
            self.embedder,
            self.prompts,
            s.request_timeout_s,
            model_languages=s.writes_languages,
            wordnet=wordnet,
        )
        self.checker = SummaryChecker(self.embedder, self.judge, wordnet)

    def _build_generator(self) -> Generator:
        """The model in this process, or a remote engine's client (no generator weights loaded)."""
        return self._build_remote() if self.settings.engine_url else self._build_local()

    def _build_remote(self) -> OpenAIGenerator:
        s = self.settings
        config = EngineConfig(
            base_url=s.engine_url,
            model=s.model,
            api_key=_key(s.engine_api_key, s.engine_api_key_file, "BRIEFLY_ENGINE_API_KEY_FILE"),
            timeout_s=s.engine_timeout_s,
            retries=s.engine_retries,
            concurrency=s.engine_concurrency,
            context_tokens=s.engine_context_tokens,
        )
        generator = OpenAIGenerator(config)
        generator.load()
        return generator

    def _build_remote_judge(self) -> RemoteJudge | None:
        """The judge model's client, when one is set: no connection until the first sentence is
        judged, and readiness never waits for it (its failures leave the embedded checks alone)."""
        s = self.settings
        if not s.judge_url:
            return None
        config = JudgeConfig(
            base_url=s.judge_url,
            model=s.judge_model,
            api_key=_key(s.judge_api_key, s.judge_api_key_file, "BRIEFLY_JUDGE_API_KEY_FILE"),
            timeout_s=s.judge_timeout_s,
            retries=s.judge_retries,
        )
        return RemoteJudge(config)

    def _build_local(self) -> HFGenerator:
        import torch  # noqa: F401  (first torch import happens here, after fork)

        s = self.settings
        ref, label = (s.model, s.model) if s.model else (str(generator_folder(s.cache_dir)), GENERATOR_LABEL)
        device = resolve_device(s.device)
        generator = HFGenerator(
            ref,
            device=device,
            dtype=s.dtype,
            threads=s.effective_torch_threads(cpu.usable_cores()),
            label=label,
            weights=resolve_weights(s.weights, embedded=not s.model, device=device),
            draft_tokens=s.draft_tokens,
            plain_tokenizer=not s.model,
        )
        generator.load()
        return generator

    def _build_embedder(self) -> HFEmbedder:
        s = self.settings
        ref = s.embedding_model or str(embedder_folder())
        embedder = HFEmbedder(ref, device="cpu", dtype=s.embedding_dtype)
        embedder.load()
        return embedder

    # ---------------------------------------------------------------- requests
    @property
    def ready(self) -> bool:
        return self.state == "ready"

    def not_ready(self) -> NotReady | None:
        """Why this worker's own state refuses work (loading, failed, draining), or None."""
        if self.ready:
            return None
        detail = f": {self.failure}" if self.state == "failed" else ""
        return NotReady(f"the model is {self.state}{detail}")

    def readiness_problem(self) -> BrieflyError | None:
        """Why this worker cannot serve now, or None: its own state, or (for a remote engine) the
        engine not answering a one-token call. Asked by /readyz, not by every request."""
        problem = self.not_ready()
        if problem is not None:
            return problem
        assert self.generator is not None
        try:
            self.generator.probe()
        except BrieflyError as exc:
            return exc
        return None

    def require_ready(self) -> None:
        problem = self.not_ready()
        if problem is not None:
            raise problem

    def model_info(self) -> dict[str, Any]:
        info = self.generator.info() if self.generator is not None else {}
        info["embedder"] = self.settings.embedding_model or EMBEDDER_LABEL
        return info

    @property
    def admission_wait_s(self) -> float:
        """How long a request may wait for a generation slot (the deadline starts once it has one)."""
        return min(30.0, self.settings.request_timeout_s / 3)

    def admit(self, job: BriefingJob) -> AbstractContextManager[None]:
        """A generation slot for a generating mode (429 when full); extractive needs none: no
        model, no queue. Streaming enters it before the response starts, so a refusal is a real 429."""
        return self.admission.slot(self.admission_wait_s) if MODES[job.mode].uses_model else nullcontext()

    def brief(self, job: BriefingJob, listener: BriefingListener = SILENT) -> BriefingResult:
        self.require_ready()
        with self.admit(job):
            return self.brief_admitted(job, listener)

    def brief_admitted(self, job: BriefingJob, listener: BriefingListener = SILENT) -> BriefingResult:
        """The briefing itself, for a caller that checked readiness and holds what :meth:`admit`
        gave it. No second readiness check: a request admitted before SIGTERM is finished, not
        refused, while the worker drains."""
        assert self.briefer is not None
        try:
            return self.briefer.brief(job, listener)
        finally:
            if MODES[job.mode].uses_model:
                allocator.release()  # what the generation freed goes back before the next prefill

    def rewrite(self, job: RewriteJob) -> RewriteResult:
        self.require_ready()
        assert self.rewriter is not None
        with self.admission.slot(self.admission_wait_s):
            try:
                return self.rewriter.rewrite(job)
            finally:
                allocator.release()

    def check(self, article: str, summary: str) -> SummaryCheck:
        """Fact-check any summary against its article. No generation slot (the embedder and the
        checks only), but a check slot of its own: a long summary costs seconds, so checks are
        bounded in number (429 beyond) and each stops at its deadline (504)."""
        self.require_ready()
        assert self.checker is not None
        with self.check_admission.slot(min(10.0, self.settings.check_timeout_s / 3)):
            return self.checker.check(article, summary, deadline=time.monotonic() + self.settings.check_timeout_s)


def _key(key: str, key_file: str, variable: str) -> str:
    """A bearer key: the file's (a mounted secret) when one is named, else the value."""
    if not key_file:
        return key
    try:
        return Path(key_file).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(f"{variable} cannot be read: {exc}") from exc
