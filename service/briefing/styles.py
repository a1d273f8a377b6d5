"""Rewrite styles: one row each, published at GET /v1/styles."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StyleSpec:
    """``length_ratio`` bounds the generation budget relative to the input; ``per_sentence`` says
    whether the model rewrites one sentence at a time (keeps facts aligned, allows per-sentence checks)."""

    name: str
    description: str
    length_ratio: float
    per_sentence: bool

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "description": self.description}


STYLES: dict[str, StyleSpec] = {
    spec.name: spec
    for spec in (
        StyleSpec("plain", "short sentences and common words", 1.6, True),
        StyleSpec("neutral", "no loaded or emotive wording", 1.4, True),
        StyleSpec("formal", "formal register, no contractions or slang", 1.5, True),
        StyleSpec("concise", "about half the length, same key facts", 0.7, False),
        StyleSpec("paraphrase", "same facts in new wording, sentence by sentence", 1.5, True),
    )
}
