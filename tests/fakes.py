"""Test doubles: a generator that replays scripted replies and a bag-of-words embedder."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from service.models.generator import QUIET, Generation, Generations, GenerationStats, GenerationWatch, Prompt


@dataclass
class ReplayGenerator:
    """Answers each prompt with ``reply(prompt)``; records every prompt it was given."""

    reply: Callable[[Prompt], str] = lambda prompt: ""
    context: int = 4096
    prompts: list[Prompt] = field(default_factory=list)
    fail_self_check: bool = False
    seconds_per_word: float = 0.0  # > 0: "decode" word by word, slowly enough to cancel mid-way
    words_decoded: int = 0
    prefer: Callable[[str], float] | None = None  # score(): how much the fake likes a reply
    scored: list[tuple[Prompt, list[str]]] = field(default_factory=list)

    def info(self) -> dict[str, Any]:
        return {"id": "replay", "kind": "causal", "device": "cpu", "dtype": "float32", "context_tokens": self.context}

    @property
    def context_tokens(self) -> int:
        return self.context

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def input_budget(self, max_new_tokens: int, overhead_tokens: int) -> int:
        return self.context - max_new_tokens - overhead_tokens

    def generate(
        self, prompts: Sequence[Prompt], deadline: float | None = None, watch: GenerationWatch = QUIET
    ) -> Generations:
        """Replies one after another, streamed word by word through ``watch`` like the real backend;
        the call's stats come back with them, as the real backend's do."""
        self.prompts.extend(prompts)
        results = []
        for index, prompt in enumerate(prompts):
            reply = self.reply(prompt)
            words = reply.split(" ") if reply else []
            for n, word in enumerate(words):
                watch.check()
                time.sleep(self.seconds_per_word)
                self.words_decoded += 1
                watch.on_text(index, word if n == 0 else " " + word)
            results.append(Generation(text=reply, new_tokens=len(reply.split())))
            watch.on_done(index, results[-1])
        return Generations(results, GenerationStats(new_tokens=sum(r.new_tokens for r in results)))

    def score(self, prompt: Prompt, replies: Sequence[str]) -> list[float]:
        """``prefer(reply)`` when given, else the share of the prompt's words a reply keeps (a
        faithful-minded fake: it likes the fullest version); records what it was asked."""
        self.scored.append((prompt, list(replies)))
        words = set(prompt.user.lower().split())
        return [
            self.prefer(r) if self.prefer else len(set(r.lower().split()) & words) / max(len(words), 1) for r in replies
        ]

    def self_check(self) -> None:
        if self.fail_self_check:
            raise RuntimeError("self-check failed")

    def probe(self) -> None:
        pass


def reply_by_instruction(table: dict[str, str]) -> Callable[[Prompt], str]:
    """A reply chosen by a phrase the prompt's instruction contains (e.g. 'headline')."""

    def reply(prompt: Prompt) -> str:
        for phrase, answer in table.items():
            if phrase in prompt.user:
                return answer
        return ""

    return reply


@dataclass
class HashingEmbedder:
    """Deterministic bag-of-words vectors: sentences sharing words are similar."""

    dims: int = 512

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        matrix = np.zeros((len(sentences), self.dims), dtype=np.float32)
        for row, sentence in enumerate(sentences):
            for word in re.findall(r"\w+", sentence.lower()):
                bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                matrix[row, bucket % self.dims] += 1.0
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.maximum(norms, 1e-9)
