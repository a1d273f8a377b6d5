"""Alignment: which article sentences a written sentence was made from, and which of their words
it keeps.

A sentence may draw on one, two or three article sentences. The candidates are the closest few by
embedding and shared words; each set of them is judged by the caller's checks, and the set that
explains the sentence with the fewest failures wins (fewer sources win a tie). Within a set, the
sentence's words are aligned to its sources' words in order (a longest common subsequence per
source, best source first), which is what the scoped checks read.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from service.text.facts import SourceIndex
from service.text.language import DEFAULT_LANGUAGE
from service.text.lexicon import Lexicon, content_tokens, lexicon

CANDIDATE_SOURCES = 4  # article sentences considered as sources of one written sentence
MAX_SOURCES = 3  # a written sentence fuses at most this many


@dataclass(frozen=True)
class ParsedSentence:
    """One sentence, tokenised once: its words, their stems and keys (what meaning words are matched
    on), which carry content, and its chunks (clauses)."""

    tokens: list[str]
    stems: list[str]
    chunk_of: list[int]  # chunk index of each token
    keys: list[str]
    content: list[bool]
    lex: Lexicon

    @classmethod
    @functools.lru_cache(maxsize=1024)  # the summary checker tries each article sentence in several source sets
    def of(cls, text: str, language: str = DEFAULT_LANGUAGE) -> ParsedSentence:
        lex = lexicon(language)
        tokens: list[str] = []
        stems: list[str] = []
        chunk_of: list[int] = []
        for chunk_index, chunk in enumerate(lex.chunk_break.split(text)):
            chunk_tokens, chunk_stems = lex.read(chunk)
            tokens += chunk_tokens
            stems += chunk_stems
            chunk_of += [chunk_index] * len(chunk_tokens)
        return cls._made(tokens, stems, chunk_of, lex)

    @classmethod
    def whole(cls, text: str, lex: Lexicon) -> ParsedSentence:
        """The written sentence: read whole, not by chunk."""
        tokens, stems = lex.read(text)
        return cls._made(tokens, stems, [0] * len(tokens), lex)

    @classmethod
    def _made(cls, tokens: list[str], stems: list[str], chunk_of: list[int], lex: Lexicon) -> ParsedSentence:
        keys = lex.keys(tokens, stems)
        return cls(tokens, stems, chunk_of, keys, [lex.carries_content(t, k) for t, k in zip(tokens, keys)], lex)


def lcs_pairs(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """Index pairs of a longest common subsequence of ``a`` and ``b`` (sentences are short)."""
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]  # plain lists: numpy's per-element indexing is slower here
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if a[i] == b[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


@dataclass
class Alignment:
    """Which source each of the sentence's words was taken from, in order, and what it kept."""

    source_of: list[int | None]  # per sentence token: the source it aligns to, or None
    kept: list[set[int]]  # per source: token positions the sentence keeps


def align(stems: list[str], sources: list[ParsedSentence]) -> Alignment:
    """Align the sentence to its sources, best source first: each source takes, in order, the
    sentence's words it can explain that no earlier source took."""
    source_of: list[int | None] = [None] * len(stems)
    kept: list[set[int]] = [set() for _ in sources]
    order = sorted(range(len(sources)), key=lambda s: -len(set(stems) & set(sources[s].stems)))
    for s in order:
        free = [i for i in range(len(stems)) if source_of[i] is None]
        for a, b in lcs_pairs([stems[i] for i in free], sources[s].stems):
            source_of[free[a]] = s
            kept[s].add(b)
    return Alignment(source_of, kept)


def candidate_source_sets(
    sentence: str,
    vector: np.ndarray,
    article_tokens: list[set[str]],
    article_vectors: np.ndarray,
    language: str = DEFAULT_LANGUAGE,
) -> list[tuple[int, ...]]:
    """Sets of article sentences that may be this sentence's sources, most likely first: the closest
    few alone, then in pairs, then threes, each in article order. ``article_tokens`` are the article
    sentences' content words (``SourceIndex.sentence_tokens``, computed once per article, in
    ``language``)."""
    words = content_tokens(sentence, language)
    overlap = np.array([len(words & tokens) / max(len(words), 1) for tokens in article_tokens])
    score = article_vectors @ vector + overlap
    nearest = [int(i) for i in np.argsort(-score)[:CANDIDATE_SOURCES]]
    sets: list[tuple[int, ...]] = []
    for size in range(1, min(MAX_SOURCES, len(nearest)) + 1):
        sets += [tuple(sorted(combo)) for combo in itertools.combinations(nearest, size)]
    return sets


Judged = TypeVar("Judged")


def best_source_set(
    sentence: str,
    vector: np.ndarray,
    article: SourceIndex,
    article_vectors: np.ndarray,
    judge: Callable[[tuple[int, ...]], Judged],
    reasons: Callable[[Judged], Sequence[str]],
) -> Judged:
    """Alignment: the candidate source set (:func:`candidate_source_sets`) that explains the sentence
    with the fewest failed checks, ``judge`` saying what each set's checks found; the first set that
    fails none ends the search, so fewer sources win a tie."""
    best: Judged | None = None
    for ids in candidate_source_sets(sentence, vector, article.sentence_tokens, article_vectors, article.language):
        judged = judge(ids)
        if best is None or len(reasons(judged)) < len(reasons(best)):
            best = judged
        if not reasons(judged):
            break
    assert best is not None, "an article has at least one sentence"
    return best


COVER_CANDIDATES = 6  # article sentences weighed as sources of one written sentence
MIN_COVER_GAIN = 2  # a second or third source must explain at least this many more content words


def choose_sources(
    sentence: str, vector: np.ndarray, article: SourceIndex, article_vectors: np.ndarray
) -> tuple[list[int], np.ndarray]:
    """The article sentences a written sentence restates, and every article sentence's cosine to it.

    The candidates are the closest few by embedding plus shared content words; the one explaining
    most of the sentence's content words comes first, and up to MAX_SOURCES - 1 more join while each
    explains at least MIN_COVER_GAIN words the others do not (a summary merges a few sentences; a
    word found in a far sentence is no reason to cite it). Sources are given in article order."""
    words = content_tokens(sentence, article.language)
    overlap = np.array([len(words & tokens) / max(len(words), 1) for tokens in article.sentence_tokens])
    similarity = article_vectors @ vector
    candidates = [int(i) for i in np.argsort(-(similarity + overlap))[:COVER_CANDIDATES]]
    chosen: list[int] = []
    covered: set[str] = set()
    for _ in range(MAX_SOURCES):
        gains = [(len((words - covered) & article.sentence_tokens[i]), -k, i) for k, i in enumerate(candidates)]
        gain, _, best = max((g for g in gains if g[2] not in chosen), default=(0, 0, -1))
        if best < 0 or (chosen and gain < MIN_COVER_GAIN):
            break
        if not chosen and gain == 0:
            chosen.append(candidates[0])  # nothing shared: the closest by meaning
            break
        chosen.append(best)
        covered |= words & article.sentence_tokens[best]
    return sorted(chosen), similarity
