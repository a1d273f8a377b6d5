"""Fact-checking any summary against its article, with the judge the briefings themselves use.

Each summary sentence is read against the article (service/text/evidence.py: the sources it draws
on, what each of its clauses asserts there) and judged (service/text/judge.py): a veto or a risk
over the fitted threshold refuses it, with its reasons in words. Sentences are read in order, so a
pronoun is resolved against the sentences before it. The whole summary's score is the probability
that none of its sentences errs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from service.errors import CheckTimeout, InvalidInput
from service.models.embedder import Embedder
from service.text.evidence import EvidenceReader
from service.text.facts import SourceIndex
from service.text.judge import Judge, Judgement, summary_support
from service.text.language import detect as detect_language
from service.text.segmenter import split_sentences
from service.text.wordnet import WordNet

ENCODE_CHUNK = 64  # sentences embedded between two looks at the deadline


@dataclass(frozen=True)
class JudgedSentence:
    text: str
    judgement: Judgement


@dataclass(frozen=True)
class SummaryCheck:
    """The summary's sentences with their verdicts, the article's sentences (what ``cites`` index),
    and one faithfulness score for the whole summary (the probability no sentence errs)."""

    sentences: list[JudgedSentence]
    article_sentences: list[str]
    support: float

    @property
    def supported(self) -> bool:
        return all(s.judgement.supported for s in self.sentences)


class SummaryChecker:
    def __init__(self, embedder: Embedder, judge: Judge, wordnet: WordNet | None = None) -> None:
        self.embedder = embedder
        self.judge = judge
        self.wordnet = wordnet

    def check(self, article: str, summary: str, deadline: float | None = None) -> SummaryCheck:
        """``deadline`` (time.monotonic()): past it, the check stops with :class:`CheckTimeout`."""
        language = detect_language(article)
        article_sentences = split_sentences(article, language=language)
        if not article_sentences:
            raise InvalidInput("the article has no sentences with words in them", field="article")
        summary_sentences = split_sentences(summary, language=language)
        if not summary_sentences:
            raise InvalidInput("the summary has no sentences with words in them", field="summary")
        vectors = self._encode(article_sentences + summary_sentences, deadline)
        article_vectors, summary_vectors = vectors[: len(article_sentences)], vectors[len(article_sentences) :]
        source = SourceIndex(" ".join(article_sentences), article_sentences, language)
        reader = EvidenceReader(source, article_vectors, self.wordnet)

        def sources_text(ids: list[int]) -> str:
            return " ".join(article_sentences[i] for i in ids)

        judged = []
        for k, (text, vector) in enumerate(zip(summary_sentences, summary_vectors)):
            _within(deadline, f"after {k} of {len(summary_sentences)} sentences")
            evidence = reader.read(text, vector, summary_sentences[:k])
            single = len(summary_sentences) == 1
            judged.append(JudgedSentence(text, self.judge.judge(evidence, sources_text, single)))
        return SummaryCheck(judged, article_sentences, summary_support([j.judgement for j in judged]))

    def _encode(self, sentences: list[str], deadline: float | None) -> np.ndarray:
        """The sentences' vectors, ENCODE_CHUNK at a time so that the deadline is heard while a long
        summary is embedded (2,500 short sentences take longer than any budget on a small CPU)."""
        parts = []
        for start in range(0, len(sentences), ENCODE_CHUNK):
            _within(deadline, f"while reading {len(sentences)} sentences")
            parts.append(np.asarray(self.embedder.encode(sentences[start : start + ENCODE_CHUNK])))
        return np.concatenate(parts)


def _within(deadline: float | None, where: str) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise CheckTimeout(f"the check ran past its time budget {where}; send a shorter summary")
