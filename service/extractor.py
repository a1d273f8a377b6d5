"""Extractive engine: ranks an article's sentences by centrality and position, picks without repeats.

Its picks are faithful by construction (they are the article's own sentences). It produces every
length on its own, fills in for generated sentences that fail verification, and chooses what a long
article feeds into generation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from service.lengths import count_words

# Weights found on the validation set (bench/quality): news puts the gist first.
CENTRALITY_WEIGHT = 1.0
POSITION_WEIGHT = 0.35
POSITION_DECAY = 0.25  # prior = 1 / (1 + decay * index)
REDUNDANCY_WEIGHT = 0.6  # MMR: penalty for similarity to what is already picked
REDUNDANT_SIMILARITY = 0.85  # above this a candidate repeats a picked sentence and is skipped
MIN_SENTENCE_WORDS = 5

_CLAUSE_BREAK = re.compile(r"(?:,|;|:|\s[-–—]\s)\s*")


@dataclass
class Document:
    """An article as sentences, unit embeddings and salience scores (higher = more central)."""

    sentences: list[str]
    embeddings: np.ndarray
    scores: np.ndarray

    @classmethod
    def build(cls, sentences: list[str], embeddings: np.ndarray) -> "Document":
        return cls(sentences=sentences, embeddings=embeddings, scores=salience(sentences, embeddings))

    def word_counts(self) -> list[int]:
        return [count_words(s) for s in self.sentences]


def salience(sentences: list[str], embeddings: np.ndarray) -> np.ndarray:
    """Cosine to the article's centroid plus a lead prior; very short fragments sink."""
    if len(sentences) == 0:
        return np.zeros(0, dtype=np.float32)
    centroid = embeddings.mean(axis=0)
    centroid = centroid / max(float(np.linalg.norm(centroid)), 1e-9)
    centrality = embeddings @ centroid
    position = 1.0 / (1.0 + POSITION_DECAY * np.arange(len(sentences)))
    scores = CENTRALITY_WEIGHT * centrality + POSITION_WEIGHT * position
    short = np.array([count_words(s) < MIN_SENTENCE_WORDS for s in sentences])
    return np.where(short, scores - 1.0, scores).astype(np.float32)


def rank(doc: Document, exclude: set[int] | None = None) -> list[int]:
    """All sentence indices in MMR order: salient first, near-repeats pushed back or skipped."""
    exclude = set(exclude or ())
    remaining = [i for i in range(len(doc.sentences)) if i not in exclude]
    picked: list[int] = []
    sims = doc.embeddings @ doc.embeddings.T if len(doc.sentences) else np.zeros((0, 0))
    while remaining:
        def mmr(i: int) -> float:
            overlap = max((float(sims[i, j]) for j in picked), default=0.0)
            return float(doc.scores[i]) - REDUNDANCY_WEIGHT * overlap

        best = max(remaining, key=mmr)
        remaining.remove(best)
        if any(sims[best, j] > REDUNDANT_SIMILARITY for j in picked):
            continue
        picked.append(best)
    return picked


def select(doc: Document, max_words: int, max_items: int = 10_000, item_max_words: int = 10_000) -> list[int]:
    """Best sentences whose total stays within ``max_words`` (each within ``item_max_words``)."""
    chosen: list[int] = []
    total = 0
    for i in rank(doc):
        words = count_words(doc.sentences[i])
        if words > item_max_words or total + words > max_words or words < MIN_SENTENCE_WORDS:
            continue
        chosen.append(i)
        total += words
        if len(chosen) >= max_items:
            break
    return chosen


def shorten(sentence: str, max_words: int) -> str | None:
    """The sentence cut back to its leading clauses within ``max_words``, or None if even the first
    clause is too long. Dropping trailing clauses removes detail but never adds any."""
    if count_words(sentence) <= max_words:
        return sentence
    pieces = _CLAUSE_BREAK.split(sentence)
    kept = ""
    for piece in pieces:
        candidate = f"{kept}, {piece}" if kept else piece
        if count_words(candidate) > max_words:
            break
        kept = candidate
    if not kept or count_words(kept) < 4 or _unbalanced_quotes(kept):
        return None
    return kept.rstrip(" ,;:-–—") + "."


def _unbalanced_quotes(text: str) -> bool:
    return text.count('"') % 2 == 1 or text.count("“") != text.count("”")
