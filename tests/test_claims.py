"""Per-clause claim checks: what each clause of a written sentence asserts must hold in the source span
it restates; omissions and paraphrase are no error."""

from __future__ import annotations

import pytest

from service.settings import Settings
from service.text.claims import ClaimChecker, read_clauses
from service.text.facts import SourceIndex
from service.text.lexicon import lexicon
from service.text.segmenter import split_sentences
from service.text.wordnet import open_wordnet
from tests.support import ARTICLE, SYRIA_ARTICLE

WORDNET = open_wordnet(Settings().wordnet_dir)
needs_wordnet = pytest.mark.skipif(WORDNET is None, reason="WordNet is not installed (apt-get install wordnet-base)")

SPORT = (
    "Arsenal beat Chelsea 2-1 at the Emirates on Saturday. "
    "Smith did not attend the match, his club said. "
    "The club may appeal against the three-match ban. "
    "Jones arrived in London on Monday. "
    "Brown said the new stadium would impede traffic in the north of the city. "
    "Ticket prices rose after the club spent 5 million pounds on new players. "
    "Ticket prices rose because the club spent money on new players. "
    "The club spent nearly 5 million pounds on players."
)


def checker(article: str) -> ClaimChecker:
    sentences = split_sentences(article)
    return ClaimChecker(SourceIndex(" ".join(sentences), sentences), WORDNET)


def findings(article: str, sentence: str, sources: list[int], before: tuple[str, ...] = ()) -> dict[str, str]:
    reading = checker(article).read(sentence, sources, before)
    return {f.kind: f.describe() for f in reading.findings}


@pytest.mark.parametrize(
    ("sentence", "sources", "kind"),
    [
        # polarity: the "not" of another source sentence does not cover this clause
        ("Arsenal beat Chelsea 2-1, and the club did not appeal against the ban.", [0, 2], "negation"),
        ("Smith attended the match, his club said.", [1], "negation"),
        # certainty: a possibility stated as a fact
        ("The club will appeal against the three-match ban.", [2], "certainty_dropped"),
        # who did what to whom
        ("Chelsea beat Arsenal 2-1 at the Emirates on Saturday.", [0], "roles_swapped"),
        # a detail of another event put in this one's place
        (
            "The Syrian Observatory for Human Rights said jets struck a bridge between Homs and Aleppo.",
            [3],
            "name_changed",
        ),
        ("Last week, rebels captured the city of Hama after several days of fighting.", [0], "time_changed"),
        # circumstances the article never states
        ("Arsenal beat Chelsea 4-1 at the Emirates on Saturday.", [0], "number_absent"),
        ("Arsenal beat Chelsea 2-1 at Wembley on Saturday.", [0], "name_absent"),
        ("Arsenal beat Chelsea 2-1 at the Emirates on Sunday.", [0], "time_absent"),
        ("Ticket prices rose after the club spent 5 million dollars on new players.", [5], "unit_changed"),
        # a cause the sources do not state
        ("Smith did not attend the match because the club may appeal against the ban.", [1, 2], "cause_added"),
        ("Smith did not attend the match; as a result, the club may appeal against the ban.", [1, 2], "cause_added"),
        # an order of events turned, or stated where the sources give none
        ("Ticket prices rose before the club spent 5 million pounds on new players.", [5], "sequence_turned"),
        ("Jones arrived in London on Monday after Smith did not attend the match.", [3, 1], "sequence_added"),
        # a contrast where the sources state a cause
        (
            "Ticket prices rose although the club spent 5 million pounds on new players.",
            [6],
            "cause_turned",
        ),
        # a figure qualified otherwise than its source qualifies it
        ("Ticket prices rose after the club spent at least 5 million pounds on new players.", [5], "qualifier_changed"),
        ("Ticket prices rose after the club spent 5 million pounds on players.", [7], "qualifier_changed"),
        ("The club spent five million pounds on players.", [7], "qualifier_changed"),
    ],
)
def test_each_kind_of_error_is_found_in_its_clause(sentence: str, sources: list[int], kind: str) -> None:
    article = SYRIA_ARTICLE if "Hama" in sentence or "Homs" in sentence else SPORT
    found = findings(article, sentence, sources)
    assert kind in found, found
    checker_ = checker(article)
    assert checker_.read(sentence, sources).vetoed


def test_a_pronoun_that_can_only_mean_someone_else_is_refused() -> None:
    found = findings(
        SPORT, "He said the new stadium would impede traffic.", [4], before=("Jones arrived in London on Monday.",)
    )
    assert "pronoun" in found
    assert "jones" in found["pronoun"]
    assert "brown" in found["pronoun"]
    named = findings(SPORT, "He said the new stadium would impede traffic.", [4], before=("Brown spoke on Monday.",))
    assert "pronoun" not in named


@pytest.mark.parametrize(
    ("sentence", "sources"),
    [
        ("Arsenal beat Chelsea 2-1 at the Emirates on Saturday.", [0]),  # the source itself
        ("Arsenal beat Chelsea 2-1.", [0]),  # the place and the day left out
        ("On Saturday, Arsenal beat Chelsea 2-1 at the Emirates.", [0]),  # reordered
        ("Smith did not attend the match.", [1]),  # the attribution left out, the negation kept
        ("The club may appeal against the ban.", [2]),  # the modal kept
        # two clauses of one event merged
        ("Arsenal beat Chelsea 2-1 on Saturday, and Smith did not attend the match.", [0, 1]),
        # the source's own order and qualifier, and a figure with a thousands comma kept whole
        ("After the club spent 5 million pounds on new players, ticket prices rose.", [5]),
        ("The club spent nearly 5 million pounds on players.", [7]),
    ],
)
def test_omissions_reorderings_and_merges_are_no_error(sentence: str, sources: list[int]) -> None:
    reading = checker(SPORT).read(sentence, sources)
    assert not reading.vetoed, [f.describe() for f in reading.findings]


@needs_wordnet
def test_a_synonym_is_restatement_not_a_new_word() -> None:
    reading = checker(SPORT).read("Brown said the new stadium would hinder traffic in the north of the city.", [4])
    assert reading.novel == [], reading.novel
    invented = checker(SPORT).read("Brown said the new stadium would flood the north of the city.", [4])
    assert "flood" in invented.novel


@needs_wordnet
def test_a_broader_term_restates_but_a_narrower_one_adds() -> None:
    article = "A ferry ran aground near Cowes on Friday, the coastguard said."
    broader = checker(article).read("A vessel ran aground near Cowes on Friday.", [0])
    assert broader.novel == []
    narrower = checker("A vessel ran aground near Cowes on Friday.").read("A ferry ran aground near Cowes.", [0])
    assert narrower.novel == ["ferry"]


def test_a_time_or_a_list_of_names_stays_with_its_clause() -> None:
    lex = lexicon("en")
    assert [c.text for c in read_clauses("Last week, rebels captured Hama after days of fighting.", lex)][0].startswith(
        "Last week rebels captured Hama"
    )
    assert len(read_clauses("Cesc Fabregas, Nemanja Matic and Oscar have struggled in recent weeks.", lex)) == 1


def test_every_finding_reads_as_words_and_cites_its_span() -> None:
    reading = checker(ARTICLE).read("The council voted 9 to 2 on Tuesday to build a new library.", [0])
    assert any("9" in f.describe() for f in reading.findings)
    assert reading.aligned
    assert reading.aligned[0][1] == 0
