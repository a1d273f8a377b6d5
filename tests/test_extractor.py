"""The ranker: MMR order is the same as the straightforward definition."""

from __future__ import annotations

import numpy as np
import pytest

from service.text.extractor import REDUNDANCY_WEIGHT, REDUNDANT_SIMILARITY, Document, rank


def rank_by_definition(doc: Document, position_weight: float) -> list[int]:
    """MMR written out plainly: best score minus similarity to the closest picked sentence."""
    remaining = list(range(len(doc.sentences)))
    picked: list[int] = []
    scores = doc.scores(position_weight)
    sims = doc.embeddings @ doc.embeddings.T
    while remaining:
        best = max(
            remaining,
            key=lambda i: float(scores[i]) - REDUNDANCY_WEIGHT * max((float(sims[i, j]) for j in picked), default=0.0),
        )
        remaining.remove(best)
        if not any(sims[best, j] > REDUNDANT_SIMILARITY for j in picked):
            picked.append(best)
    return picked


def random_doc(n: int, seed: int, duplicates: int = 0) -> Document:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, 32)).astype(np.float32)
    vectors[:duplicates] = vectors[duplicates : 2 * duplicates] + 0.01  # near-repeats get skipped
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return Document.build([f"sentence {i} says something about the council vote" for i in range(n)], vectors)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("position_weight", [0.2, 1.0])
def test_rank_matches_the_definition(seed: int, position_weight: float) -> None:
    doc = random_doc(40, seed, duplicates=5)
    assert rank(doc, position_weight) == rank_by_definition(doc, position_weight)


def test_rank_skips_near_repeats() -> None:
    doc = random_doc(20, 0, duplicates=5)
    assert len(rank(doc)) < 20
