"""Evidence: everything the judge weighs about one written sentence against its article.

For each sentence: its sources (service/text/alignment.py: ``choose_sources``), the source span of
each of its clauses and what the clause checks found there (service/text/claims.py), and the
signals the learned judge combines (service/text/judge.py): how close the sentence is in meaning
to its sources, how many of its content words neither they nor the article use or restate, how many
of its adjacent word pairs never stand together in one article sentence, and the clause findings
that are signals rather than vetoes. ``SIGNALS`` names them in the order the judge's weights use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from service.text.alignment import choose_sources
from service.text.claims import ClaimChecker, Reading
from service.text.facts import SourceIndex, names_in, numbers_in
from service.text.lexicon import lexicon
from service.text.wordnet import WordNet

CONTEXT_SENTENCES = 3  # written sentences before this one that a pronoun may refer into

# The signals, each a number; the judge's weights are fitted on exactly these (bench/fit-checker).
SIGNALS = (
    "similarity",  # cosine to the closest article sentence
    "source_similarity",  # cosine to the closest of its sources
    "novel",  # log(1 + content words neither the sources use nor restate)
    "novel_in_article",  # log(1 + of those, the ones the article never uses either)
    "novel_share",  # their share of the sentence's content words
    "pairs_apart",  # log(1 + adjacent content-word pairs no article sentence holds together)
    "pairs_apart_share",
    "anchors_apart",  # log(1 + pairs of its names and numbers no article sentence holds together)
    "name_moved",  # clause findings weighed, not vetoes (service/text/claims.py)
    "number_moved",
    "number_changed",
    "time_moved",
    "certainty_added",
    "sequence_added",
    "words",  # log(1 + words)
    "sources",  # how many article sentences it draws on
)


@dataclass
class Evidence:
    """One written sentence against its article."""

    text: str
    sources: list[int]  # article sentence indices, in article order
    reading: Reading  # the clause checks' findings and spans
    signals: dict[str, float] = field(default_factory=dict)

    def vector(self) -> np.ndarray:
        return np.array([self.signals[name] for name in SIGNALS], dtype=np.float64)


class EvidenceReader:
    """Reads written sentences against one article: its sentences (hostile ones blank), their unit
    vectors (hostile ones zero, so never a source), and its language's lexicon."""

    def __init__(self, article: SourceIndex, vectors: np.ndarray, wordnet: WordNet | None = None) -> None:
        self.article = article
        self.vectors = vectors
        self.claims = ClaimChecker(article, wordnet)
        self.lex = lexicon(article.language)
        self._anchors = [
            set(names_in(s, article.language)) | numbers_in(s, article.language) for s in article.sentences
        ]

    def read(self, sentence: str, vector: np.ndarray, before: Sequence[str] = ()) -> Evidence:
        """``before``: the written sentences preceding this one (a pronoun may point into the last
        CONTEXT_SENTENCES of them; reading all of them made a long summary's check quadratic)."""
        sources, similarity = choose_sources(sentence, vector, self.article, self.vectors)
        reading = self.claims.read(sentence, sources, before[-CONTEXT_SENTENCES:])
        return Evidence(sentence, sources, reading, self._signals(sentence, sources, similarity, reading))

    def _signals(self, sentence: str, sources: list[int], similarity: np.ndarray, reading: Reading) -> dict[str, float]:
        language = self.article.language
        tokens, stems = self.lex.read(sentence)
        keys = self.lex.keys(tokens, stems)
        content = [st for t, st, k in zip(tokens, stems, keys) if self.lex.carries_content(t, k) and not t.isdigit()]
        pairs = [(a, b) for a, b in zip(content, content[1:]) if a != b]
        apart = sum(1 for a, b in pairs if not any(a in words and b in words for words in self.article.sentence_tokens))
        anchors = sorted(set(names_in(sentence, language)) | numbers_in(sentence, language))
        anchor_pairs = [(a, b) for i, a in enumerate(anchors) for b in anchors[i + 1 :]]
        anchors_apart = sum(1 for a, b in anchor_pairs if not any(a in s and b in s for s in self._anchors))
        kinds = [f.kind for f in reading.findings]
        return {
            "similarity": float(similarity.max()) if similarity.size else 0.0,
            "source_similarity": float(max(similarity[i] for i in sources)) if sources else 0.0,
            "novel": math.log1p(len(reading.novel)),
            "novel_in_article": math.log1p(len(reading.novel_in_article)),
            "novel_share": len(reading.novel) / max(reading.content, 1),
            "pairs_apart": math.log1p(apart),
            "pairs_apart_share": apart / max(len(pairs), 1),
            "anchors_apart": math.log1p(anchors_apart),
            "name_moved": kinds.count("name_moved"),
            "number_moved": kinds.count("number_moved"),
            "number_changed": kinds.count("number_changed"),
            "time_moved": kinds.count("time_moved"),
            "certainty_added": kinds.count("certainty_added"),
            "sequence_added": kinds.count("sequence_added"),
            "words": math.log1p(len(tokens)),
            "sources": float(len(sources)),
        }
