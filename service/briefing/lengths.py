"""The length ladder: a published contract for each briefing length, checked after generation.

Each length is one row of :data:`LENGTHS`; code never branches on a length's name.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from service.text.language import Family
from service.text.words import count_words

_WORD_BOUNDS = re.compile(r"\d+(?: to \d+)? words")

NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass(frozen=True)
class LengthSpec:
    """What a length promises. ``shape`` picks the renderer; word bounds are inclusive."""

    name: str
    contract: str
    shape: str  # "line" | "sentence" | "bullets" | "prose"
    min_words: int
    max_words: int
    items: int = 1  # bullets: how many; otherwise 1
    item_max_words: int = 0  # bullets: cap per bullet
    max_new_tokens: int = 64  # generation budget (causal and seq2seq)
    min_new_tokens: int = 0  # seq2seq: keeps summarisers from stopping too early
    target_words: int = 0  # what extraction aims for inside the bounds
    position_weight: float = 1.0  # extraction's lead prior (bench/quality: one sentence wants less)
    fill_min_words: int = 0  # extraction prefers sentences at least this long (0: any), falling back to shorter ones
    may_drop: tuple[str, ...] = ()  # meaning words (text/factcheck kinds) a written sentence may leave out
    condense_words: int = 0  # condensing aims each sentence at this many words or fewer (0: the sentence cap)

    def __post_init__(self) -> None:
        if not self.condense_words:
            object.__setattr__(self, "condense_words", self.sentence_max_words)

    @property
    def sentence_max_words(self) -> int:
        """The most words one sentence of this length may have."""
        return self.item_max_words if self.shape == "bullets" else self.max_words

    def describe(self) -> dict[str, object]:
        data: dict[str, object] = {
            "name": self.name,
            "shape": self.shape,
            "contract": self.contract,
            "min_words": self.min_words,
            "max_words": self.max_words,
        }
        if self.shape == "bullets":
            data.update(items=self.items, item_max_words=self.item_max_words)
        if self.name in ADJUSTABLE:
            data["adjustable"] = ADJUSTABLE[self.name].describe()
        return data

    def measured_in(self, family: Family) -> LengthSpec:
        """This contract for a family of scripts: in CJK text, characters instead of words, each
        bound times ``family.per_word`` (and the contract's wording says so)."""
        if family.per_word == 1.0:
            return self

        def scale(words: int) -> int:
            return round(words * family.per_word)

        def reword(found: re.Match[str]) -> str:
            numbers = [scale(int(n)) for n in re.findall(r"\d+", found.group(0))]
            return " to ".join(map(str, numbers)) + f" {family.unit}s"

        return dataclasses.replace(
            self,
            contract=_WORD_BOUNDS.sub(reword, self.contract),
            min_words=scale(self.min_words),
            max_words=scale(self.max_words),
            item_max_words=scale(self.item_max_words),
            target_words=scale(self.target_words),
            fill_min_words=scale(self.fill_min_words),
            condense_words=scale(self.condense_words),
        )

    def prompt_values(self) -> dict[str, str]:
        """What a briefing prompt may say of this length: ``items`` (in words: "three") and
        ``words``, the middle of the word range (a small model aims at one number better than two)."""
        return {"items": NUMBER_WORDS[self.items - 1], "words": str((self.min_words + self.max_words) // 2)}


@dataclass(frozen=True)
class Adjustable:
    """What a request's ``counts`` may change in one length, and within which bounds: the number
    of bullet points, or the word range of prose. ``contract`` is the contract's wording with the
    request's numbers."""

    items: tuple[int, int] | None = None
    words: tuple[int, int] | None = None
    contract: str = ""

    def describe(self) -> dict[str, object]:
        if self.items:
            return {"items": {"min": self.items[0], "max": self.items[1]}}
        assert self.words is not None
        return {"words": {"min": self.words[0], "max": self.words[1]}}

    def resize(self, spec: LengthSpec, items: int | None = None, words: tuple[int, int] | None = None) -> LengthSpec:
        """``spec`` with the caller's count of points or range of words; the generation budget and
        extraction's aim scale with it (the defaults' own proportions)."""
        if items is not None:
            return dataclasses.replace(
                spec,
                items=items,
                min_words=2 * items,
                max_words=spec.item_max_words * items,
                target_words=spec.target_words * items // spec.items,
                max_new_tokens=-(-spec.max_new_tokens * items // spec.items),
                min_new_tokens=spec.min_new_tokens * items // spec.items,
                contract=self.contract.format(items=items, s="" if items == 1 else "s"),
            )
        assert words is not None
        low, high = words
        aim = (spec.target_words - spec.min_words) / (spec.max_words - spec.min_words)
        return dataclasses.replace(
            spec,
            min_words=low,
            max_words=high,
            target_words=round(low + aim * (high - low)),
            max_new_tokens=-(-spec.max_new_tokens * high // spec.max_words),
            min_new_tokens=spec.min_new_tokens * low // spec.min_words,
            contract=self.contract.format(min_words=low, max_words=high),
        )


LENGTHS: dict[str, LengthSpec] = {
    spec.name: spec
    for spec in (
        LengthSpec(
            "headline",
            "one line, at most 14 words, no final full stop",
            "line",
            2,
            14,
            max_new_tokens=32,
            min_new_tokens=4,
            target_words=12,
            position_weight=0.2,
            may_drop=("time",),  # a headline says what happened; the day is for the story
        ),
        LengthSpec(
            "tldr",
            "exactly one sentence, at most 35 words",
            "sentence",
            4,
            35,
            max_new_tokens=64,
            min_new_tokens=10,
            target_words=30,
            position_weight=0.2,
            fill_min_words=18,
            condense_words=22,
        ),
        LengthSpec(
            "key_points",
            "3 bullet points, each one sentence of at most 25 words",
            "bullets",
            6,
            75,
            items=3,
            item_max_words=25,
            max_new_tokens=128,
            min_new_tokens=30,
            target_words=60,
            condense_words=18,
        ),
        LengthSpec(
            "paragraph",
            "one paragraph, 60 to 120 words",
            "prose",
            60,
            120,
            max_new_tokens=200,
            min_new_tokens=70,
            target_words=75,
            condense_words=20,
        ),
        LengthSpec(
            "brief",
            "150 to 250 words",
            "prose",
            150,
            250,
            max_new_tokens=380,
            min_new_tokens=180,
            target_words=220,
            condense_words=22,
        ),
    )
}

DEFAULT_LENGTHS: tuple[str, ...] = tuple(LENGTHS)

# What ``counts`` may change (GET /v1/lengths publishes it): key points 1-10 as Azure's
# sentenceCount allows up to 20 sentences and ten bullets is already a page; prose from a short
# paragraph to a long brief, within what one generation budget writes comfortably.
ADJUSTABLE: dict[str, Adjustable] = {
    "key_points": Adjustable(items=(1, 10), contract="{items} bullet point{s}, each one sentence of at most 25 words"),
    "paragraph": Adjustable(words=(30, 200), contract="one paragraph, {min_words} to {max_words} words"),
    "brief": Adjustable(words=(100, 500), contract="{min_words} to {max_words} words"),
}


def violations(spec: LengthSpec, sentences: list[str]) -> list[str]:
    """Every way ``sentences`` (already split, one per item) break ``spec``; empty = within contract."""
    problems: list[str] = []
    words = sum(count_words(s) for s in sentences)
    if not sentences:
        return ["empty"]
    if spec.shape == "line":
        text = " ".join(sentences)
        if "\n" in text or len(sentences) != 1:
            problems.append("not one line")
        if text.rstrip().endswith("."):
            problems.append("ends with a full stop")
    if spec.shape == "sentence" and len(sentences) != 1:
        problems.append(f"{len(sentences)} sentences, not 1")
    if spec.shape == "bullets":
        if len(sentences) != spec.items:
            problems.append(f"{len(sentences)} points, not {spec.items}")
        long_items = [i for i, s in enumerate(sentences) if count_words(s) > spec.item_max_words]
        if long_items:
            problems.append(f"points {long_items} over {spec.item_max_words} words")
    if words > spec.max_words:
        problems.append(f"{words} words, over {spec.max_words}")
    if words < spec.min_words:
        problems.append(f"{words} words, under {spec.min_words}")
    return problems


def render(spec: LengthSpec, sentences: list[str], fmt: str) -> str:
    """The briefing text for ``fmt`` ("text" or "markdown")."""
    if spec.shape == "bullets":
        marker = "- " if fmt == "markdown" else "• "
        return "\n".join(marker + s for s in sentences)
    if spec.shape == "line" and fmt == "markdown":
        return f"**{' '.join(sentences)}**"
    return " ".join(sentences)
