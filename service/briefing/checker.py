"""Fact-checking any summary against its article, with the checks the briefings themselves pass.

A summary sentence may draw on one, two or three article sentences. Its sources are found by
alignment (:func:`service.text.factcheck.best_source_set`, the same the briefings use) and every
scoped check of :mod:`service.text.factcheck` runs against exactly that set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from service.errors import InvalidInput
from service.models.embedder import Embedder
from service.text.alignment import best_source_set
from service.text.factcheck import FactChecker, Verdict
from service.text.facts import SourceIndex, numbers_in
from service.text.language import detect as detect_language
from service.text.segmenter import split_sentences
from service.text.support import support_score

UNSUPPORTED_SHARE_PENALTY = 0.3  # the summary score loses this times its share of failed sentences


@dataclass(frozen=True)
class JudgedSentence:
    text: str
    verdict: Verdict


@dataclass(frozen=True)
class SummaryCheck:
    """The summary's sentences with their verdicts, the article's sentences (what ``cites`` index),
    and one faithfulness score for the whole summary: ``support.text_support`` less
    UNSUPPORTED_SHARE_PENALTY times the share of sentences that fail a scoped check. Chosen on FRANK's
    validation summaries (bench/factuality; support threshold 0.55 in the sweep): penalties 0 / 0.1 /
    0.2 / 0.3 gave Pearson 0.710 / 0.732 / 0.745 / 0.751 and partial 0.229 / 0.255 / 0.274 / 0.285."""

    sentences: list[JudgedSentence]
    article_sentences: list[str]
    support: float

    @property
    def supported(self) -> bool:
        return all(s.verdict.supported for s in self.sentences)


class SummaryChecker:
    def __init__(self, embedder: Embedder, support_threshold: float) -> None:
        self.embedder = embedder
        self.facts = FactChecker(embedder, support_threshold)

    def check(self, article: str, summary: str) -> SummaryCheck:
        language = detect_language(article)
        article_sentences = split_sentences(article, language=language)
        if not article_sentences:
            raise InvalidInput("the article has no sentences with words in them", field="article")
        summary_sentences = split_sentences(summary, language=language)
        if not summary_sentences:
            raise InvalidInput("the summary has no sentences with words in them", field="summary")
        vectors = np.asarray(self.embedder.encode(article_sentences + summary_sentences))
        article_vectors, summary_vectors = vectors[: len(article_sentences)], vectors[len(article_sentences) :]
        source = SourceIndex(" ".join(article_sentences), article_sentences, language)
        checked = [
            JudgedSentence(text, self._verify(text, vector, source, article_vectors))
            for text, vector in zip(summary_sentences, summary_vectors)
        ]
        support = text_support(summary_sentences, summary_vectors, source, article_vectors)
        failed = sum(not c.verdict.supported for c in checked) / len(checked)
        return SummaryCheck(checked, article_sentences, support - UNSUPPORTED_SHARE_PENALTY * failed)

    def _verify(self, sentence: str, vector: np.ndarray, article: SourceIndex, article_vectors: np.ndarray) -> Verdict:
        def judge(ids: tuple[int, ...]) -> Verdict:
            stacked = np.vstack([vector[None, :], article_vectors[list(ids)]])
            return self.facts.verify(sentence, [article.sentences[i] for i in ids], ids, stacked, article.language)

        return best_source_set(sentence, vector, article, article_vectors, judge, lambda verdict: verdict.reasons)


UNSUPPORTED_NUMBER_PENALTY = 0.3  # a number the source lacks costs this much support


def text_support(sentences: list[str], vectors: np.ndarray, source: SourceIndex, source_vectors: np.ndarray) -> float:
    """One faithfulness score for a multi-sentence text (a summary): half its mean sentence support,
    half its weakest sentence's, since one invented sentence spoils the whole. Chosen on FRANK
    (bench/factuality)."""
    scores = []
    for sentence, vector in zip(sentences, vectors):
        support, _ = support_score(sentence, vector, source, source_vectors)
        if any(n not in source.numbers for n in numbers_in(sentence, source.language)):
            support -= UNSUPPORTED_NUMBER_PENALTY
        scores.append(support)
    if not scores:
        return 0.0
    return 0.5 * float(np.mean(scores)) + 0.5 * float(np.min(scores))
