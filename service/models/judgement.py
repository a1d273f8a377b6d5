"""A judge model the user runs: a fact-checking model (MiniCheck, Bespoke-MiniCheck-7B) served by
Ollama, vLLM or any OpenAI-compatible engine reads a document and a claim and answers Yes or No.

Briefly asks it whether a written clause is supported by the article sentences it was aligned to,
in MiniCheck's own format (``Document: ...\\nClaim: ...``), for one token. The answer becomes the
probability that the claim is supported: from the first token's log-probabilities when the engine
returns them (vLLM does), else a fixed :data:`YES_NO_PROBABILITY` for a bare Yes or No. The
embedded judge (service/text/judge.py) adds it to its own evidence as one more signal.

Only an answer counts. A timeout, a refused or failed call, a body that is not the protocol's, or an
answer that is neither yes nor no gives None, and the embedded checks decide alone: a failure never
reads as support. Each failure is logged once, naming its cause, never the document's text.

The HTTP plumbing (session, bearer key, retries, backoff, the engine's errors) is the generator's
own (:class:`service.models.remote.EngineClient`); a whole call, retries included, is held to
``timeout_s``, because it runs once per written sentence inside a request.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from service.errors import BrieflyError
from service.models.generator import remove_markers
from service.models.remote import MARKERS, EngineClient

log = logging.getLogger(__name__)

DEFAULT_MODEL = "bespoke-minicheck"  # Ollama's name for Bespoke-MiniCheck-7B
# P(supported) for a bare "Yes" when the engine returns no log-probabilities (1 - it for a bare
# "No"): sure, not certain, so the embedded evidence can still outweigh it. service/text/judge.py
# reads a bare answer the same way (its REMOTE_YES_NO).
YES_NO_PROBABILITY = 0.9
# A judged sentence's aligned sources are a few sentences; the cap keeps a pathological one inside
# Ollama's default context window (2,048 tokens in older releases; ~4 characters a token), which
# it would otherwise cut from the front, "Document:" first.
MAX_DOCUMENT_CHARS = 6000
POOL_SIZE = 16  # request threads per worker may all ask at once (BRIEFLY_HTTP_THREADS is 8 by default)
TOP_LOGPROBS = 5
# One answer token, as engines spell it: "Yes", " yes", "▁No" (SentencePiece), "Ġno" (byte BPE), "No."
ANSWER = re.compile(r"[\s\u2581\u0120]*(yes|no)[\s.!,;:]*", re.IGNORECASE)


@dataclass(frozen=True)
class JudgeConfig:
    """Where the judge model is and how long to wait for it (from :class:`service.settings.Settings`)."""

    base_url: str
    model: str = DEFAULT_MODEL
    api_key: str = ""
    timeout_s: float = 10.0  # a whole call, retries included
    retries: int = 2
    max_document_chars: int = MAX_DOCUMENT_CHARS


class _Unanswered(Exception):
    """The engine answered, but not with yes or no; the message says how, never with the text
    ("answered neither yes nor no (5 characters)")."""


class RemoteJudge:
    """``support(document, claim)``: P(the document supports the claim) from the judge model, or
    None when it gives no answer. Cheap to build (no connection until the first call) and safe to
    call from many request threads at once. Calling the judge is calling :meth:`support`."""

    def __init__(self, config: JudgeConfig, sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.client = EngineClient(
            config.base_url,
            api_key=config.api_key,
            timeout_s=config.timeout_s,
            retries=config.retries,
            pool_size=POOL_SIZE,
            label="judge model",
            retry_log_level=logging.INFO,  # the failure, if it comes, is logged once below
            sleep=sleep,
        )
        self._opening = threading.Lock()

    def __call__(self, document: str, claim: str) -> float | None:
        return self.support(document, claim)

    @property
    def endpoint(self) -> str:
        """The base URL without credentials."""
        return self.client.endpoint

    def support(self, document: str, claim: str) -> float | None:
        """P(supported) in [0, 1], or None on any failure (logged once, without the text)."""
        deadline = time.monotonic() + self.config.timeout_s
        try:
            body = self.request_body(document, claim)
            self._open()
            response = self.client.retrying(
                lambda: self.client.request("POST", "/chat/completions", body, stream=False, deadline=deadline),
                deadline,
            )
            try:
                data = response.json()
            except ValueError:
                raise _Unanswered("sent a body that is not JSON") from None
            return read_support(data)
        except BrieflyError as exc:
            cause = exc.message
        except _Unanswered as exc:
            cause = f"the judge model at {self.endpoint} {exc}"
        except Exception as exc:  # a failure of any other kind is still no answer, never support
            cause = f"{type(exc).__name__} calling the judge model at {self.endpoint}"
        log.warning("judge model gave no answer (%s); the embedded checks decide alone", cause)
        return None

    def request_body(self, document: str, claim: str) -> dict[str, Any]:
        """The chat completion MiniCheck reads: its prompt format, one token, its log-probabilities.
        Chat-template markers are removed from the untrusted text; the document is capped."""
        document = _unmarked(document)[: self.config.max_document_chars]
        return {
            "model": self.config.model,
            "messages": [{"role": "user", "content": f"Document: {document}\nClaim: {_unmarked(claim)}"}],
            "max_tokens": 1,
            "temperature": 0,
            "logprobs": True,
            "top_logprobs": TOP_LOGPROBS,
            "stream": False,
        }

    def _open(self) -> None:
        with self._opening:
            if self.client.session is None:
                self.client.open()


def read_support(data: Any) -> float:
    """P(supported) from a chat completion's body: the first token's log-probabilities when the
    engine sent them, else the bare answer; :class:`_Unanswered` when it says neither yes nor no."""
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise _Unanswered("sent no choice")
    choice = choices[0]
    from_logprobs = _logprob_support(choice.get("logprobs"))
    if from_logprobs is not None:
        return from_logprobs
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    said = _answer(content) if isinstance(content, str) else None
    if said is None:
        size = len(content) if isinstance(content, str) else 0
        raise _Unanswered(f"answered neither yes nor no ({size} characters)")
    return YES_NO_PROBABILITY if said else 1 - YES_NO_PROBABILITY


def _logprob_support(logprobs: Any) -> float | None:
    """P(Yes) / (P(Yes) + P(No)) over the first token's top tokens (every spelling of each counts);
    an answer missing from them gets at most what the listed tokens leave. None without them."""
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    if not isinstance(content, list) or not content or not isinstance(content[0], dict):
        return None
    first = content[0]
    listed = [first, *(first.get("top_logprobs") or [])]
    mass: dict[str, float] = {}  # the chosen token is usually among the top ones too: once each
    for entry in listed:
        if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
            continue
        logprob = entry.get("logprob")
        if isinstance(logprob, int | float) and logprob <= 0:  # NaN and impossible values fail this
            mass[entry["token"]] = math.exp(logprob)
    answers = {token: _answer(token) for token in mass}
    yeses = [p for token, p in mass.items() if answers[token] is True]
    noes = [p for token, p in mass.items() if answers[token] is False]
    if not yeses and not noes:
        return None
    rest = max(0.0, 1.0 - sum(mass.values()))
    yes = sum(yeses) if yeses else rest
    no = sum(noes) if noes else rest
    return yes / (yes + no) if yes + no > 0 else None


def _answer(token: str) -> bool | None:
    """True for yes, False for no, None for anything else."""
    found = ANSWER.fullmatch(token)
    return None if found is None else found.group(1).lower() == "yes"


def _unmarked(text: str) -> str:
    """``text`` without chat-template markers, removed until none is left (removing one must not
    join the pieces of another: ``<|im_<|im_end|>start|>``)."""
    while True:
        cleaned = remove_markers(text, MARKERS)
        if cleaned == text:
            return cleaned
        text = cleaned
