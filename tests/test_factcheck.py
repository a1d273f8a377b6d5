"""Scoped verification catches each kind of wrong fact on hand-written cases and keeps faithful
condensations; the two sentences that shipped wrongly in `auto` mode are among them."""

from __future__ import annotations

import numpy as np
import pytest

from service.text.factcheck import FactChecker, scoped_reasons
from service.text.segmenter import split_sentences
from tests.fakes import HashingEmbedder

BRIDGE = (
    "The Syrian Observatory for Human Rights (SOHR), a monitoring organization based in the UK, reports that "
    "fighter jets have struck a bridge connecting Homs and Hama in an attempt to impede the rebels’ progress."
)
HAMA = (
    "On Thursday, the rebels captured Hama to the north, marking a second substantial setback for President "
    "Bashar al-Assad, who recently lost control of Aleppo."
)
OFFENSIVE = (
    "Last week, Syrian rebels initiated an unexpected offensive against the government, successfully seizing "
    "two major cities thus far."
)
TOLL = "According to the SOHR, over 820 individuals, including 111 civilians, have been reported killed across the nation to date."
SUPPORT = "His principal allies, Russia and Iran, have extended their “unconditional support” because the army asked."
FLEE = "Members of President Assad’s Alawite minority community are fleeing Homs in fear, as video footage reveals congested roads."
FUTURE = "The council will hold a public hearing on the design in March."

WRONG = [
    # the two sentences quoted in the issue, each against the sentence it was made from
    ("entity swapped", "The SOHR reports that fighter jets have struck a bridge connecting Homs to Aleppo.", [BRIDGE]),
    ("time recombined", "Last week, Syrian rebels captured Hama.", [HAMA, OFFENSIVE]),
    ("time moved", "Last week, the rebels captured Hama.", [HAMA]),
    ("number changed", "Over 870 individuals have been reported killed across the nation.", [TOLL]),
    ("hedge removed", "820 individuals have been reported killed across the nation to date.", [TOLL]),
    ("hedge added", "At least 111 civilians have been reported killed across the nation.", [TOLL]),
    ("negation added", "Russia and Iran have not extended their unconditional support.", [SUPPORT]),
    ("subject and object swapped", "Hama captured the rebels on Thursday.", [HAMA]),
    (
        "connective changed",
        "Russia and Iran have extended their unconditional support after the army asked.",
        [SUPPORT],
    ),
    (
        "clause appended",
        "Members of the Alawite minority are fleeing Homs in fear, which prompted a ceasefire.",
        [FLEE],
    ),
    ("modal dropped", "The council held a public hearing on the design in March.", [FUTURE]),
    ("month swapped", "The council will hold a public hearing on the design in May.", [FUTURE]),
    ("quote invented", "Russia and Iran have extended their “full backing” because the army asked.", [SUPPORT]),
]

FAITHFUL = [
    ("the source itself", BRIDGE, [BRIDGE]),
    (
        "appositive and purpose dropped",
        "The SOHR reports that fighter jets have struck a bridge connecting Homs and Hama.",
        [BRIDGE],
    ),
    (
        "relative clause dropped",
        "On Thursday, the rebels captured Hama, a second setback for President Bashar al-Assad.",
        [HAMA],
    ),
    (
        "attribution kept, list dropped",
        "According to the SOHR, over 820 individuals have been reported killed across the nation.",
        [TOLL],
    ),
    (
        "trailing clause dropped",
        "Members of President Assad’s Alawite minority community are fleeing Homs in fear.",
        [FLEE],
    ),
    (
        "fusion of two whole clauses",
        "On Thursday, the rebels captured Hama, and last week Syrian rebels initiated an unexpected offensive against the government.",
        [HAMA, OFFENSIVE],
    ),
]


@pytest.mark.parametrize("kind,sentence,sources", WRONG, ids=[w[0] for w in WRONG])
def test_each_kind_of_wrong_fact_is_caught_with_a_reason(kind: str, sentence: str, sources: list[str]) -> None:
    reasons = scoped_reasons(sentence, sources)
    assert reasons, f"{kind}: passed"
    assert all(isinstance(r, str) and len(r) > 10 for r in reasons)


@pytest.mark.parametrize("kind,sentence,sources", FAITHFUL, ids=[f[0] for f in FAITHFUL])
def test_faithful_condensations_pass(kind: str, sentence: str, sources: list[str]) -> None:
    assert scoped_reasons(sentence, sources) == []


def test_the_bridge_sentence_passes_against_the_whole_article_but_not_against_its_source(seed_article: str) -> None:
    """The old check asked whether a name occurs anywhere in the article: Aleppo does."""
    sentences = split_sentences(seed_article)
    swapped = "The SOHR reports that fighter jets have struck a bridge connecting Homs to Aleppo."
    bridge = next((s for s in sentences if "bridge connecting" in s), None)
    if bridge is None:
        pytest.skip("the sample article in use has no bridge sentence")
    assert "Aleppo" in seed_article
    reasons = scoped_reasons(swapped, [bridge])
    assert any("aleppo" in r for r in reasons)


def test_reasons_name_what_was_wrong() -> None:
    assert any("820" in r or "870" in r for r in scoped_reasons("Over 870 individuals were killed.", [TOLL]))
    assert any(
        "over" in r for r in scoped_reasons("820 individuals have been reported killed across the nation.", [TOLL])
    )
    assert any(
        "not" in r for r in scoped_reasons("Russia and Iran have not extended their unconditional support.", [SUPPORT])
    )
    assert scoped_reasons("Anything at all.", []) == ["has no source sentence"]


def test_a_dropped_contracted_negation_is_a_dropped_negation() -> None:
    source = "The mayor didn't approve the budget on Monday."
    assert scoped_reasons("The mayor did not approve the budget on Monday.", [source]) == []
    assert any("negation" in r for r in scoped_reasons("The mayor approved the budget on Monday.", [source]))


def test_the_fact_checker_adds_the_support_score_and_cites_the_sources() -> None:
    checker = FactChecker(HashingEmbedder(), support_threshold=0.5)
    kept = checker.verify(
        "Members of President Assad’s Alawite minority community are fleeing Homs in fear.", [FLEE], [5]
    )
    assert kept.supported and kept.reasons == () and kept.cites == (5,) and 0.5 <= kept.support <= 1.0
    unrelated = checker.verify(
        "Members of the minority are fleeing.", ["Completely different words about cooking pasta."], [2]
    )
    assert not unrelated.supported and any("support" in r for r in unrelated.reasons)
    vectors = HashingEmbedder().encode([FLEE, FLEE])
    assert checker.verify(FLEE, [FLEE], vectors=np.asarray(vectors)).supported


def test_the_audits_misses_are_caught() -> None:
    """Cases bench/audit found slipping through: possessive and seasonal times, a meaning word already
    elsewhere in the sentence, an appended claim in a long sentence, two names exchanged around 'is'."""
    report = "The mayor said yesterday's report about the bridge could delay the vote by about 15 days."
    assert scoped_reasons(
        "The mayor said last year's report about the bridge could delay the vote by about 15 days.", [report]
    )
    season = "The council will hold hearings this summer on the new library and the bridge repairs."
    assert scoped_reasons(
        "The council will hold hearings this spring on the new library and the bridge repairs.", [season]
    )
    assert scoped_reasons(
        "The mayor said about yesterday's report about the bridge could delay the vote by about 15 days.", [report]
    )
    long = "Officials from the city and the county met on Monday to discuss the budget, the schools, the roads and the parks."
    assert scoped_reasons(long.rstrip(".") + ", which angered striking farmers nationwide.", [long])
    racing = "Expected at Sandown is Liam Brady, who will ride for trainer Aidan O'Brien."
    assert scoped_reasons("Expected at Sandown is Aidan O'Brien, who will ride for trainer Liam Brady.", [racing])


def test_a_name_moved_past_ordinary_words_is_a_paraphrase_but_two_names_exchanged_are_a_swap() -> None:
    source = "The city council of Springfield voted 7 to 2 on Tuesday to build a new library on Main Street."
    assert (
        scoped_reasons(
            "The Springfield council voted 7 to 2 on Tuesday to build a new library on Main Street.", [source]
        )
        == []
    )
    assert scoped_reasons(
        "The Main Street council voted 7 to 2 on Tuesday to build a new library on Springfield.", [source]
    )


def test_may_drop_lets_a_kind_of_meaning_word_go_and_no_other() -> None:
    assert scoped_reasons("The rebels captured Hama, a second setback for Assad.", [HAMA], may_drop=("time",)) == []
    assert scoped_reasons(
        "820 individuals have been reported killed across the nation to date.", [TOLL], may_drop=("time",)
    )


def test_moving_a_time_to_the_end_is_a_paraphrase() -> None:
    assert scoped_reasons("Rebels captured Hama on Thursday.", [HAMA]) == []
    assert scoped_reasons("Hama captured the rebels on Thursday.", [HAMA])
