"""Checking any summary against its article: sources found by alignment, scoped checks, one score."""

from __future__ import annotations

import pytest

from service.briefing.checker import SummaryChecker
from service.errors import InvalidInput
from service.text.alignment import candidate_source_sets
from service.text.lexicon import content_tokens
from tests.fakes import HashingEmbedder
from tests.support import ARTICLE


@pytest.fixture
def checker() -> SummaryChecker:
    return SummaryChecker(HashingEmbedder(), support_threshold=0.3)


def test_each_summary_sentence_is_judged_against_the_sentences_it_came_from(checker: SummaryChecker) -> None:
    result = checker.check(
        ARTICLE,
        "The council voted 7 to 2 on Tuesday to build a new library. "
        "The library will cost $4.5 million, Mayor Ann Lee said. "
        "The library will cost $9 million and open in 2026.",
    )
    assert [s.verdict.supported for s in result.sentences] == [True, True, False]
    assert result.sentences[0].verdict.cites == (0,)
    assert result.sentences[1].verdict.cites == (1,)
    assert any("9" in r for r in result.sentences[2].verdict.reasons)
    assert result.article_sentences[0].startswith("The city council")
    assert not result.supported
    assert 0.0 <= result.support <= 1.0


def test_a_fused_sentence_finds_both_of_its_sources(checker: SummaryChecker) -> None:
    fused = "The council voted 7 to 2 on Tuesday to build a new library, and the council will hold a public hearing in March."
    verdict = checker.check(ARTICLE, fused).sentences[0].verdict
    assert verdict.supported, verdict.reasons
    assert verdict.cites == (0, 3)


def test_a_name_from_elsewhere_in_the_article_is_not_a_source(checker: SummaryChecker) -> None:
    verdict = checker.check(ARTICLE, "Critics said the money should go to Main Street instead.").sentences[0].verdict
    assert not verdict.supported
    assert any("main" in r for r in verdict.reasons)


def test_candidates_are_single_sentences_first_then_pairs() -> None:
    embedder = HashingEmbedder()
    sentences = ARTICLE.split(". ")
    vectors = embedder.encode([*sentences, "The library will cost money."])
    tokens = [content_tokens(s) for s in sentences]
    sets = candidate_source_sets("The library will cost money.", vectors[-1], tokens, vectors[:-1])
    sizes = [len(s) for s in sets]
    assert sizes == sorted(sizes)
    assert sizes[0] == 1
    assert 2 in sizes
    assert all(list(s) == sorted(s) for s in sets)


def test_an_empty_summary_is_a_clear_error(checker: SummaryChecker) -> None:
    with pytest.raises(InvalidInput) as refused:
        checker.check(ARTICLE, "  ... ")
    assert refused.value.field == "summary"
