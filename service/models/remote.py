"""A remote generator: any OpenAI-compatible engine (vLLM, TGI, llama.cpp's server, Ollama,
``transformers serve``) answers Briefly's prompts as chat completions.

Everything around the model stays in Briefly (extraction, verification, citations, lengths,
deadlines); only ``generate`` and ``score`` go over HTTP. A briefing's lengths go out as parallel
streamed calls (the engine batches them), token deltas pass through to a streaming client, and the
engine's failures become 502/503/504 errors that name their cause.

Hand-written over ``requests`` rather than the ``openai`` SDK: the SDK adds 36 MB to a worker's
RSS (measured on import), and an engine-mode worker is held to 400 MB; what Briefly needs of the
protocol (one endpoint, streamed, retried before the first token) is a page of code.
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from service.errors import BrieflyError, ClientGone, EngineError, EngineTimeout, EngineUnavailable
from service.models.generator import (
    CHAT_MARKERS,
    QUIET,
    Generation,
    Generations,
    GenerationStats,
    GenerationWatch,
    Prompt,
    remove_markers,
)

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 502, 503, 504})  # the engine is busy or restarting: worth another try
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 8.0
CHARS_PER_TOKEN = 3.0  # no tokenizer here: English BPE averages ~4 characters a token, 3 errs on the safe side
PROBE_TTL_S = 5.0  # /readyz is polled every few seconds by each probe: one engine call per TTL at most
CHOICE = re.compile(r"\d+")
MARKERS = sorted(CHAT_MARKERS, key=len, reverse=True)


@dataclass(frozen=True)
class EngineConfig:
    """Where the engine is and how hard to try it (from :class:`service.settings.Settings`)."""

    base_url: str
    model: str = ""  # empty: the first model the engine lists
    api_key: str = ""
    timeout_s: float = 60.0
    retries: int = 3
    concurrency: int = 8
    context_tokens: int = 8192


@dataclass
class Stream:
    """One chat completion as it arrives: text deltas, then the engine's token count if it sends one."""

    text: list[str] = field(default_factory=list)
    tokens: int = 0
    first_token_s: float | None = None


class EngineClient:
    """The HTTP side of one OpenAI-compatible engine, shared by the generator and the judge model
    (service/models/judgement.py): a pooled session carrying the bearer key, one call with the
    engine's failures as Briefly's errors naming their cause, and retries with backoff within a
    deadline. ``label`` names the engine in those errors and in the log; ``retry_log_level`` is
    how loudly a retry is logged (the judge model, whose failure is logged once, retries quietly)."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str = "",
        timeout_s: float = 60.0,
        retries: int = 3,
        pool_size: int = 8,
        label: str = "engine",
        retry_log_level: int = logging.WARNING,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.retries = retries
        self.pool_size = pool_size
        self.label = label
        self.retry_log_level = retry_log_level
        self.sleep = sleep  # tests replace the backoff wait
        self.session: Any = None

    def open(self) -> None:
        """The connection pool (``requests`` is imported here, after fork, not at import)."""
        import requests

        session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=self.pool_size)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        if self.api_key:
            session.headers["Authorization"] = f"Bearer {self.api_key}"
        self.session = session

    @property
    def endpoint(self) -> str:
        """The base URL without credentials, as shown in responses and logs."""
        return re.sub(r"//[^/@]*@", "//", self.base_url.rstrip("/"))

    def retrying(self, call: Callable[[], Any], deadline: float | None) -> Any:
        """``call()``, retried after a :class:`_Retryable` failure with backoff (or the engine's
        Retry-After) while retries and the deadline allow; then its error is raised as it is."""
        for attempt in range(self.retries + 1):
            try:
                return call()
            except _Retryable as exc:
                wait = exc.retry_after if exc.retry_after is not None else _backoff(attempt)
                if attempt == self.retries or (deadline is not None and time.monotonic() + wait >= deadline):
                    raise exc.error from None
                log.log(
                    self.retry_log_level,
                    "%s call failed (%s); retry %d in %.1f s",
                    self.label,
                    exc.error.message,
                    attempt + 1,
                    wait,
                )
                self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover  (the loop returns or raises)

    def request(
        self, method: str, path: str, body: dict[str, Any] | None, *, stream: bool, deadline: float | None = None
    ) -> Any:
        """One HTTP call; the engine's errors as Briefly's, naming their cause. Connection
        failures, timeouts and 429/502-504 come as :class:`_Retryable` (for :meth:`retrying`)."""
        import requests

        timeout = self.timeout_s
        if deadline is not None:
            timeout = max(0.1, min(timeout, deadline - time.monotonic()))
        url = self.base_url.rstrip("/") + path
        where = f"the {self.label} at {self.endpoint}"
        try:
            response = self.session.request(method, url, json=body, stream=stream, timeout=timeout)
        except requests.Timeout as exc:
            raise _Retryable(EngineTimeout(f"{where} did not answer within {timeout:.0f} s")) from exc
        except requests.RequestException as exc:
            raise _Retryable(EngineUnavailable(f"{where} cannot be reached: {_cause(exc)}")) from exc
        if response.status_code >= 400:
            detail = _error_detail(response)
            message = f"{where} answered {response.status_code}: {detail}"
            if response.status_code in RETRY_STATUSES:
                error: BrieflyError = (
                    EngineUnavailable(message) if response.status_code != 504 else EngineTimeout(message)
                )
                raise _Retryable(error, _retry_after(response.headers.get("Retry-After")))
            raise EngineError(message)
        return response


class OpenAIGenerator:
    """:class:`service.models.generator.Generator` over an OpenAI-compatible ``/chat/completions``."""

    def __init__(self, config: EngineConfig, sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.model = config.model
        self.client = EngineClient(
            config.base_url,
            api_key=config.api_key,
            timeout_s=config.timeout_s,
            retries=config.retries,
            pool_size=config.concurrency,
            sleep=sleep,
        )
        self.load_seconds = 0.0
        self._context_tokens = config.context_tokens
        self._calls = threading.BoundedSemaphore(config.concurrency)
        self._probed_at = -math.inf
        self._callbacks = threading.Lock()  # listeners hear one length at a time, as with a local model

    # ---------------------------------------------------------------- lifecycle
    def load(self) -> None:
        """Open the connection pool and learn the model's name (and window, when the engine says)."""
        started = time.perf_counter()
        self.client.open()
        listed = self.client.retrying(lambda: self.client.request("GET", "/models", None, stream=False), None).json()
        listed = listed.get("data") or [] if isinstance(listed, dict) else []
        if not self.model:
            if not listed:
                raise EngineError(f"the engine at {self.endpoint} lists no models; set MODEL")
            self.model = str(listed[0]["id"])
        for entry in listed:
            if entry.get("id") == self.model and entry.get("max_model_len"):
                self._context_tokens = int(entry["max_model_len"])
        self.load_seconds = time.perf_counter() - started

    @property
    def endpoint(self) -> str:
        """The base URL without credentials, as shown in responses and logs."""
        return self.client.endpoint

    def info(self) -> dict[str, Any]:
        return {
            "id": self.model,
            "kind": "remote",
            "engine": self.endpoint,
            "device": "remote",
            "dtype": None,
            "weights": None,
            "context_tokens": self._context_tokens,
            "load_s": round(self.load_seconds, 2),
        }

    @property
    def context_tokens(self) -> int:
        return self._context_tokens

    def count_tokens(self, text: str) -> int:
        """An estimate that errs high (no tokenizer for a model served elsewhere): the article is
        condensed a little early rather than overflowing the engine's window."""
        return math.ceil(len(text) / CHARS_PER_TOKEN)

    def input_budget(self, max_new_tokens: int, overhead_tokens: int) -> int:
        return self.context_tokens - max_new_tokens - overhead_tokens

    def self_check(self) -> None:
        self.probe(force=True)

    def probe(self, force: bool = False) -> None:
        """One token from the engine, at most once per :data:`PROBE_TTL_S` (a failure is never cached)."""
        if not force and time.monotonic() - self._probed_at < PROBE_TTL_S:
            return
        self._complete(Prompt(user="Say OK.", source="OK.", max_new_tokens=1), None, lambda delta: None, QUIET)
        self._probed_at = time.monotonic()

    # ---------------------------------------------------------------- generation
    def generate(
        self, prompts: Sequence[Prompt], deadline: float | None = None, watch: GenerationWatch = QUIET
    ) -> Generations:
        """Every prompt as its own streamed call, in parallel up to the concurrency bound."""
        started = time.perf_counter()
        streams: list[Stream] = [Stream() for _ in prompts]

        def run(index: int) -> Generation:
            def heard(delta: str) -> None:
                with self._callbacks:
                    watch.on_text(index, delta)

            stream = streams[index] = self._complete(prompts[index], deadline, heard, watch)
            text = "".join(stream.text)
            generation = Generation(text, stream.tokens, cut_by_deadline=_past(deadline))
            with self._callbacks:
                watch.on_done(index, generation)
            return generation

        if len(prompts) == 1:
            generations = [run(0)]
        else:
            with ThreadPoolExecutor(max_workers=min(len(prompts), self.config.concurrency)) as pool:
                generations = list(pool.map(run, range(len(prompts))))
        elapsed = time.perf_counter() - started
        first = min((s.first_token_s for s in streams if s.first_token_s is not None), default=elapsed)
        stats = GenerationStats(
            prefill_s=first, decode_s=elapsed - first, new_tokens=sum(g.new_tokens for g in generations)
        )
        return Generations(generations, stats)

    def score(self, prompt: Prompt, replies: Sequence[str]) -> list[float]:
        """The engine's choice among ``replies``: an engine returns no log-probabilities of given
        text through the chat API, so it is asked which numbered reply answers best (one short
        call); the chosen one scores 0, the rest -1. An answer that names none keeps the first."""
        if len(replies) < 2:
            return [0.0] * len(replies)
        options = "\n".join(f"{i + 1}. {reply}" for i, reply in enumerate(replies))
        question = Prompt(
            user=f"{prompt.user}\n\nChoose the best answer from these options:\n{options}\n\n"
            "Reply with the option's number only.",
            source=prompt.source,
            system=prompt.system,
            max_new_tokens=4,
        )
        answer = "".join(self._complete(question, None, lambda delta: None, QUIET).text)
        found = CHOICE.search(answer)
        chosen = int(found.group()) - 1 if found and 0 < int(found.group()) <= len(replies) else 0
        return [0.0 if i == chosen else -1.0 for i in range(len(replies))]

    # ---------------------------------------------------------------- one call
    def _complete(
        self, prompt: Prompt, deadline: float | None, heard: Callable[[str], None], watch: GenerationWatch
    ) -> Stream:
        """One chat completion, streamed. The call is retried on connection failures and
        429/502-504 (the engine's Retry-After honoured, within the deadline); a stream that fails
        once text has arrived is not (the text went to the client already)."""
        body = {
            "model": self.model,
            "messages": self._messages(prompt),
            "max_tokens": prompt.max_new_tokens,
            "temperature": 0,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        with self._calls:
            response = self.client.retrying(
                lambda: self.client.request("POST", "/chat/completions", body, stream=True, deadline=deadline), deadline
            )
            stream = Stream()
            self._read(response, stream, deadline, heard, watch)
            return stream

    def _messages(self, prompt: Prompt) -> list[dict[str, str]]:
        messages = [{"role": "system", "content": prompt.system}] if prompt.system else []
        messages.append({"role": "user", "content": remove_markers(prompt.user, MARKERS)})
        return messages

    def _read(
        self,
        response: Any,
        stream: Stream,
        deadline: float | None,
        heard: Callable[[str], None],
        watch: GenerationWatch,
    ) -> None:
        """Consume the server-sent events of one completion into ``stream``. A stream that ends
        without ``[DONE]`` or a finish reason was dropped: an error, not a short answer."""
        import requests

        started = time.perf_counter()
        finished = False
        try:
            for event in _events(response):
                watch.check()
                if event == "[DONE]":
                    finished = True
                    break
                chunk = _parse_chunk(event, self.endpoint)
                usage = chunk.get("usage") or {}
                stream.tokens = int(usage.get("completion_tokens") or stream.tokens)
                for choice in chunk.get("choices") or []:
                    delta = (choice.get("delta") or {}).get("content") or ""
                    if delta:
                        if stream.first_token_s is None:
                            stream.first_token_s = time.perf_counter() - started
                        stream.text.append(delta)
                        heard(delta)
                    finished = finished or bool(choice.get("finish_reason"))
                if _past(deadline):
                    return  # cut by the deadline: what arrived is kept, the caller marks it
        except requests.RequestException as exc:
            # requests reports a read timeout inside a streamed body as a ConnectionError around
            # urllib3's ReadTimeoutError: a stalled engine, not a dropped connection.
            if isinstance(exc, requests.Timeout) or "timed out" in str(exc):
                raise EngineTimeout(
                    f"the engine at {self.endpoint} stopped sending for {self.config.timeout_s:.0f} s"
                ) from exc
            raise EngineError(f"the engine at {self.endpoint} dropped the stream: {_cause(exc)}") from exc
        except ClientGone:
            raise
        finally:
            response.close()
        if not finished:
            raise EngineError(f"the engine at {self.endpoint} ended the stream before the answer was complete")
        if not stream.tokens:
            stream.tokens = len(stream.text)  # engines without usage: one delta is about one token


class _Retryable(Exception):
    """An engine failure another attempt may cure; ``error`` is what the client hears if none does."""

    def __init__(self, error: BrieflyError, retry_after: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


def _events(response: Any) -> Iterator[str]:
    """The ``data:`` payloads of a server-sent event stream (comments and other fields skipped)."""
    for line in response.iter_lines(decode_unicode=True):
        if line and line.startswith("data:"):
            yield line[5:].strip()


def _parse_chunk(event: str, endpoint: str) -> dict[str, Any]:
    try:
        chunk = json.loads(event)
    except json.JSONDecodeError as exc:
        raise EngineError(f"the engine at {endpoint} sent malformed JSON in its stream: {event[:80]!r}") from exc
    if not isinstance(chunk, dict):
        raise EngineError(f"the engine at {endpoint} sent a stream chunk that is not an object: {event[:80]!r}")
    if "error" in chunk:
        raise EngineError(f"the engine at {endpoint} reported an error mid-stream: {str(chunk['error'])[:200]}")
    return chunk


def _error_detail(response: Any) -> str:
    """The engine's own error message when it sends one (OpenAI's {"error": {"message"}} or a
    FastAPI {"detail"}), else the start of its body."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:200] or response.reason or "no detail"
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:200]
        if error or data.get("detail") or data.get("message"):
            return str(error or data.get("detail") or data.get("message"))[:200]
    return str(data)[:200]


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (its HTTP-date form is rare from engines: treated as absent)."""
    try:
        return min(BACKOFF_MAX_S * 4, max(0.0, float(value))) if value else None
    except ValueError:
        return None


def _backoff(attempt: int) -> float:
    """Exponential backoff with full jitter (spreads the retries of many workers)."""
    return random.uniform(0, min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2**attempt))


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def _cause(exc: Exception) -> str:
    """The innermost reason of a requests failure, short ("Connection refused"), not its repr chain."""
    text = str(exc)
    found = re.search(r"\] ([^'\"\]\)]+)", text)
    return (found.group(1) if found else text)[:160]
