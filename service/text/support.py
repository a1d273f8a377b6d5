"""Semantic support: how close a written sentence is to the article sentences it draws on (the
embedder's cosine) and how many of its content words those sentences use. A score, not a proof: the
exact and scoped checks decide what is wrong; support weighs how far a sentence strays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from service.text.lexicon import content_tokens

if TYPE_CHECKING:
    from service.text.facts import SourceIndex

SUPPORT_NEIGHBOURS = 3  # citations: at most this many best-matching source sentences
CITE_MARGIN = 0.1  # ...each within this much of the best one


def semantic_support(vector: np.ndarray, source_vectors: np.ndarray) -> tuple[float, list[int], list[int]]:
    """Best cosine to a source sentence, the citations (closest few within a margin of the best),
    and the closest few regardless of margin (where the sentence's words should come from)."""
    if source_vectors.shape[0] == 0:
        return 0.0, [], []
    sims = source_vectors @ vector
    order = np.argsort(-sims)
    best = float(sims[order[0]])
    nearest = [int(i) for i in order[:SUPPORT_NEIGHBOURS]]
    cites = [i for i in nearest if sims[i] >= best - CITE_MARGIN]
    return best, sorted(cites), nearest


def coverage(sentence: str, source: SourceIndex, nearest: list[int]) -> float:
    """Share of the sentence's content words found in its nearest source sentences: words from
    nowhere near the cited passage are how small models smuggle in new claims."""
    words = content_tokens(sentence, source.language)
    if not words:
        return 0.0
    if not source.sentence_tokens:
        return len(words & source.tokens) / len(words)
    local = set().union(*(source.sentence_tokens[i] for i in nearest if i < len(source.sentence_tokens)))
    return len(words & local) / len(words)


def support_score(
    sentence: str, vector: np.ndarray, source: SourceIndex, source_vectors: np.ndarray
) -> tuple[float, list[int]]:
    """Support in [0, 1]: the mean of semantic similarity and local word coverage."""
    similarity, cites, nearest = semantic_support(vector, source_vectors)
    return 0.5 * max(similarity, 0.0) + 0.5 * coverage(sentence, source, nearest), cites
