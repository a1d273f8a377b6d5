"""A real summariser replayed as the model behind Briefly, for bench/writers.

:class:`ReplayGenerator` implements the :class:`~service.models.generator.Generator` protocol. It is
told, per article, the summary a real system wrote; asked for a briefing length, it answers with that
summary's sentences in the length's shape (one bullet a sentence, prose, or the first sentence) and
honours nothing else the prompt asks. Everything after the reply (parsing, the fact checks, the
length contract, the fill from the article) is the service's own code, so what ships is what a
deployment with that summariser behind it would ship.

Condensing (``auto`` fills refused sentences with condensed article sentences) asks the model to
score versions; a replayed summariser cannot, so :meth:`ReplayGenerator.score` delegates to another
generator (the embedded model, as the service would ship) or, without one, prefers the longest
version (deterministic, fast).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from service.briefing.lengths import LengthSpec
from service.briefing.promptbook import PromptBook
from service.models.generator import QUIET, Generation, Generations, GenerationStats, GenerationWatch, Generator, Prompt
from service.text.segmenter import split_sentences
from service.text.words import count_words

_SENTINEL = "\x00ARTICLE\x00"  # stands for the article when a length's instruction is rendered alone


def shaped(shape: str, sentences: Sequence[str]) -> str:
    """The reply a summariser gives for a length of ``shape``: every sentence as a bullet, as prose,
    or only the first (a headline or a TL;DR is one sentence)."""
    if shape == "bullets":
        return "\n".join(f"- {s}" for s in sentences)
    if shape == "prose":
        return " ".join(sentences)
    return sentences[0] if sentences else ""


@dataclass
class ReplayGenerator:
    """Answers each briefing prompt with the summary it was last given (:meth:`play`), shaped for the
    length the prompt asks. The length is recognised by the instruction that follows the article in
    the rendered prompt, so the replay needs nothing from the briefer but the prompt itself."""

    prompts: PromptBook
    scorer: Generator | None = None  # who chooses among condensed versions; None: the longest
    context: int = 1 << 20  # a summary is replayed whatever the article's length
    summary: str = ""
    sentences: list[str] = field(default_factory=list)
    _tails: dict[str, tuple[str, str]] = field(default_factory=dict)  # length -> (instruction, shape)
    asked: list[str] = field(default_factory=list)  # the lengths answered, in order

    def play(self, summary: str, specs: Sequence[LengthSpec], language: str = "en") -> None:
        """Replay ``summary`` for the next briefing, whose lengths are ``specs`` (with its counts)."""
        self.summary = summary
        self.sentences = split_sentences(summary, language=language)
        self._tails = {}
        for spec in specs:
            rendered = self.prompts.render_briefing(spec, _SENTINEL, None)
            self._tails[spec.name] = (rendered.split(_SENTINEL, 1)[1], spec.shape)

    def length_of(self, prompt: Prompt) -> tuple[str, str]:
        """The length (name, shape) whose instruction ``prompt`` carries; the longest match wins."""
        found = [(len(tail), name, shape) for name, (tail, shape) in self._tails.items() if tail in prompt.user]
        if not found:
            raise ValueError("the prompt asks for no length this replay was told of")
        _, name, shape = max(found)
        return name, shape

    # ---------------------------------------------------------------- the Generator protocol
    def info(self) -> dict[str, Any]:
        scorer = self.scorer.info().get("id") if self.scorer is not None else "longest version"
        return {"id": "replay", "kind": "causal", "device": "cpu", "dtype": "none", "scorer": scorer}

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
        """The summary, shaped per prompt; streamed whole through ``watch`` as a backend would."""
        results = []
        for index, prompt in enumerate(prompts):
            name, shape = self.length_of(prompt)
            self.asked.append(name)
            reply = shaped(shape, self.sentences)
            watch.check()
            watch.on_text(index, reply)
            results.append(Generation(text=reply, new_tokens=len(reply.split())))
            watch.on_done(index, results[-1])
        return Generations(results, GenerationStats(new_tokens=sum(r.new_tokens for r in results)))

    def score(self, prompt: Prompt, replies: Sequence[str]) -> list[float]:
        if self.scorer is not None:
            return self.scorer.score(prompt, replies)
        return [float(count_words(r)) for r in replies]

    def self_check(self) -> None:
        pass

    def probe(self) -> None:
        pass


class CachedEmbedder:
    """The real embedder behind a cache: every summary of an article re-embeds the same article
    sentences, in the briefing and again in the checker. A sentence's vector is computed once (in
    whatever batch first asks for it), so figures may differ from uncached runs in the last digits."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.cache: dict[str, np.ndarray] = {}

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        todo = sorted({s for s in sentences if s not in self.cache})
        if todo:
            for text, vector in zip(todo, self.inner.encode(todo)):
                self.cache[text] = vector
        if not sentences:
            return np.zeros((0, 1), dtype=np.float32)
        return np.stack([self.cache[s] for s in sentences]).astype(np.float32)


# FRANK's summaries are PTB-tokenised and lower-cased ("the 23-year-old , who ... ` the barbie ' ,");
# the checks read punctuation, so it is put back where the tokeniser moved it. Case cannot be restored.
_DETOKENISE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"-lrb-\s*", re.I), "("),
    (re.compile(r"\s*-rrb-", re.I), ")"),
    (re.compile(r"``\s*"), '"'),
    (re.compile(r"\s*''"), '"'),
    (re.compile(r"\s+(n't|'s|'re|'ve|'ll|'d|'m)\b", re.I), r"\1"),
    (re.compile(r"`\s*([^`']*?)\s+'(?=\s|$|[,.;:!?])"), r"'\1'"),
    (re.compile(r'"\s+([^"]*?)\s+"'), r'"\1"'),
    (re.compile(r"\(\s+"), "("),
    (re.compile(r"\s+\)"), ")"),
    (re.compile(r"([$£€])\s+(?=\d)"), r"\1"),
    (re.compile(r"(?<=\d)\s+(%|(?:m|bn|k)\b)"), r"\1"),
    (re.compile(r"\s+([,.;:!?])"), r"\1"),
    (re.compile(r"\s{2,}"), " "),
]


def detokenise(text: str, article: str = "") -> str:
    """Tokenised text back to ordinary punctuation: " 's" -> "'s", " ," -> ",", "` x '" -> "'x'", and
    "x - y" -> "x-y" between digits ("2 - 0") or where ``article`` writes it so ("north-east"); a
    spaced dash between other words may be a dash, and stays."""
    for pattern, replacement in _DETOKENISE:
        text = pattern.sub(replacement, text)
    hyphenated = {m.lower() for m in _HYPHENATED.findall(article)}

    def join(found: re.Match[str]) -> str:
        joined = f"{found.group(1)}-{found.group(2)}"
        digits = found.group(1)[-1:].isdigit() and found.group(2)[:1].isdigit()
        return joined if digits or joined.lower() in hyphenated else found.group(0)

    return _SPACED_HYPHEN.sub(join, text).strip()


_HYPHENATED = re.compile(r"\w+-\w+")
_SPACED_HYPHEN = re.compile(r"(\w+) - (\w+)")
