"""The ranker: MMR order is the same as the straightforward definition."""

from __future__ import annotations

import numpy as np
import pytest

from service.text import extractor
from service.text.extractor import REDUNDANCY_WEIGHT, REDUNDANT_SIMILARITY, Document, rank
from service.text.words import count_words


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


@pytest.mark.parametrize(
    "sentence,max_words",
    [
        (
            "The developer will build 300 apartments on Bruckner Boulevard, 99 of which would have rents capped "
            "at levels affordable to families earning less than the median income of the borough.",
            12,
        ),
        (
            "Investigators said the suspects had spoken to the victims during FaceTime calls, even when the victims "
            "had asked them to stop calling, according to court filings released on Friday.",
            14,
        ),
    ],
)
def test_shortening_never_leaves_a_dangling_word(sentence: str, max_words: int) -> None:
    short = extractor.shorten(sentence, max_words)
    assert short is None or not extractor.dangles(short.rstrip(".")), short
    assert short is None or count_words(short) <= max_words


def test_dangles_names_the_cuts_that_lose_meaning() -> None:
    assert extractor.dangles("on Bruckner Boulevard, 99 of")
    assert extractor.dangles("during FaceTime calls, even")
    assert extractor.dangles("more than 20")
    assert not extractor.dangles("The rebels captured Hama")
