"""The variant generator of bench/audit: each injected error changes what it says it changes, each
faithful condensation only drops words, and nothing is made where a rule does not apply."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from variants import (
    ADDED_HEDGES,
    ARTICLE_RULES,
    CLAUSE_VERBS,
    ERROR_KINDS,
    FAITHFUL_KINDS,
    JOINS,
    LINK_WORDS,
    MONTHS,
    RELATIVE_TIMES,
    WEEKDAYS,
    ArticleContext,
    Variant,
    article_context,
    article_variants,
    error_variants,
    faithful_variants,
    name_spans,
    variants,
    words,
)

ARTICLE = [
    "Arsenal lost to Chelsea at Stamford Bridge on Saturday.",
    "Manager Jose Mourinho praised his players after the match.",
    "Arsene Wenger said his team did not deserve to lose.",
    "The club, which was founded by Gus Mears, has won the league five times.",
    "The lawyer told the jury that the striker was innocent.",
]
CONTEXT = article_context(ARTICLE)
NUMBER = re.compile(r"\d[\d,.]*\d|\d")
TIMES = {w.lower() for w in WEEKDAYS + MONTHS} | {w for t in RELATIVE_TIMES for w in t.split()}
NEGATIONS = {"not", "never", "no", "cannot"}


def only(kind: str, sentence: str, context: ArticleContext = CONTEXT) -> str:
    """The one variant of ``kind`` made from ``sentence``."""
    made = [v for v in variants(sentence, context) if v.kind == kind]
    assert len(made) == 1, f"{kind} made {len(made)} variants of {sentence!r}"
    assert made[0].source == sentence
    assert made[0].faithful == (kind in FAITHFUL_KINDS)
    return made[0].text


def changed_words(a: str, b: str) -> tuple[list[str], list[str]]:
    """Words of ``a`` and of ``b`` outside their common prefix and suffix."""
    x, y = words(a), words(b)
    start = 0
    while start < min(len(x), len(y)) and x[start] == y[start]:
        start += 1
    end = 0
    while end < min(len(x), len(y)) - start and x[-1 - end] == y[-1 - end]:
        end += 1
    return x[start : len(x) - end], y[start : len(y) - end]


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "The council spent 4,500 pounds on new benches in the park.",
        "The fire destroyed 12 homes and a school.",
        "The club was founded in 1905 by a local businessman.",
        "Three men were arrested by officers in the town.",
    ],
)
def test_number_change_replaces_a_number(sentence: str) -> None:
    variant = only("number_change", sentence)
    old, new = changed_words(sentence, variant)
    assert len(old) == len(new) == 1
    assert old != new
    digits_before, digits_after = set(NUMBER.findall(sentence)), set(NUMBER.findall(variant))
    if digits_before:
        assert digits_before - digits_after
        assert digits_after - digits_before
    else:
        assert new[0] in {"two", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"} | {
            "twenty",
            "thirty",
            "forty",
            "fifty",
        }


def test_number_change_replaces_every_occurrence() -> None:
    variant = only("number_change", "The 7 men said 7 more would come.")
    assert "7" not in NUMBER.findall(variant)
    assert len(NUMBER.findall(variant)) == 2


@pytest.mark.parametrize(
    ("sentence", "removed"),
    [
        ("The minister did not attend the meeting in the capital.", "not"),
        ("The club hasn't paid the transfer fee to the buyers.", "hasn't"),
        ("He has never lost a game at the stadium.", "never"),
    ],
)
def test_negation_is_removed(sentence: str, removed: str) -> None:
    variant = only("negation", sentence)
    assert removed in words(sentence)
    assert removed not in words(variant)
    assert not NEGATIONS & set(words(variant))


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Police were told about the incident by a neighbour.",
            "Police were not told about the incident by a neighbour.",
        ),
        ("The firm will close its factory in the north.", "The firm will not close its factory in the north."),
        ("Smith won the race in the rain.", "Smith did not win the race in the rain."),
    ],
)
def test_negation_is_added(sentence: str, expected: str) -> None:
    assert only("negation", sentence) == expected


def test_no_negation_is_added_beside_another_one() -> None:
    assert not [v for v in variants("Hereford United can have no complaints.", CONTEXT) if v.kind == "negation"]


def test_entity_swap_puts_in_another_name_of_the_article() -> None:
    sentence = "Jose Mourinho praised the fans after the match."
    variant = only("entity_swap", sentence)
    old, new = changed_words(sentence, variant)
    assert " ".join(old) == "jose mourinho"
    replacement = " ".join(new)
    assert replacement in {n.lower() for n in CONTEXT.names}
    assert not set(new) & set(words(sentence))


def test_subject_and_object_names_exchange_places() -> None:
    sentence = "Chelsea beat Arsenal in the cup."
    variant = only("subject_object_swap", sentence)
    assert variant == "Arsenal beat Chelsea in the cup."
    assert variant.index("Arsenal") == sentence.index("Chelsea")


def test_subject_and_object_nouns_exchange_places() -> None:
    sentence = "The lawyer told the jury that the striker was innocent."
    assert only("subject_object_swap", sentence) == "The jury told the lawyer that the striker was innocent."


@pytest.mark.parametrize(
    ("sentence", "pool"),
    [
        ("The talks collapsed on Thursday after a long night.", WEEKDAYS),
        ("The factory closed in October after the strike.", MONTHS),
        ("The plant closed last week after the strike.", RELATIVE_TIMES),
    ],
)
def test_date_swap_changes_the_time(sentence: str, pool: tuple[str, ...]) -> None:
    variant = only("date_swap", sentence)
    old, new = changed_words(sentence, variant)
    lowered = {p.lower() for p in pool}
    assert " ".join(old) in lowered
    assert " ".join(new) in lowered
    assert old != new


def test_hedge_is_removed() -> None:
    assert only("hedge", "At least 30 people died in the fire.") == "30 people died in the fire."
    assert only("hedge", "The storm cut power to more than 2,000 homes.") == "The storm cut power to 2,000 homes."


def test_hedge_is_added_before_a_count() -> None:
    sentence = "The firm cut 200 jobs in the spring."
    variant = only("hedge", sentence)
    old, new = changed_words(sentence, variant)
    assert old == []
    assert " ".join(new) in ADDED_HEDGES
    assert variant.index(" ".join(new)) < variant.index("200")


@pytest.mark.parametrize(
    ("sentence", "old", "allowed"),
    [
        ("He resigned because the report was critical.", "because", {"although", "before"}),
        ("The shop reopened after the flood.", "after", {"before"}),
        ("The bridge was closed before the storm arrived.", "before", {"after"}),
        ("The plan failed, so the council voted again.", "so", {"although"}),
        ("The match went ahead despite the rain.", "despite", {"because of"}),
    ],
)
def test_connective_is_turned(sentence: str, old: str, allowed: set[str]) -> None:
    variant = only("connective_change", sentence)
    removed, added = changed_words(sentence, variant)
    assert removed == [old]
    assert " ".join(added) in allowed


def test_unsupported_clause_uses_words_the_article_lacks() -> None:
    sentence = "Manager Jose Mourinho praised his players after the match."
    variant = only("unsupported_clause", sentence)
    assert variant.startswith(sentence[:-1] + ", which ")
    assert variant.endswith(".")
    clause = variant[len(sentence) - 1 :]
    vocabulary = {w for s in ARTICLE for w in words(s)}
    content = [w for w in words(clause) if len(w) > 3 and w not in {"which", "from", "into", "over", "among"}]
    assert content
    assert not set(content) & vocabulary


# --- faithful condensations ----------------------------------------------------------------------

CONDENSABLE = {
    "drop_parenthetical": (
        "The mayor (pictured) opened the bridge on Monday.",
        "The mayor opened the bridge on Monday.",
    ),
    "drop_attribution": (
        "The bridge will reopen in two weeks, officials said.",
        "The bridge will reopen in two weeks.",
    ),
    "drop_appositive": (
        "John Smith, the company's chief executive, resigned on Tuesday.",
        "John Smith resigned on Tuesday.",
    ),
    "drop_leading_phrase": (
        "Speaking to reporters, the coach praised his 11 players.",
        "The coach praised his 11 players.",
    ),
}
KEEP_WHOLE = [
    "The bridge will reopen in May (2024) after repairs.",  # a number in brackets
    "The bridge will reopen next year, Smith said.",  # a name in the attribution
    "The bridge will reopen, officials did not say.",  # a negation in it
    "On Thursday, the coach praised his players.",  # a time
    "In at least three cases, the coach praised his players.",  # a hedge and a number
    "John Smith, who was not present, resigned on Tuesday.",  # a negation in the appositive
    "Jane Doe, the former Chelsea captain, joined the board.",  # a name in the appositive
    "Despite the rain, the match went ahead.",  # a connective
    "With Wenger in charge, the club won the league.",  # a name
    '"We tried to collect (rain) water in the boat," he said.',  # inside a quotation
    "He tried to collect (rain)water in the boat.",  # part of a word
]


def facts(sentence: str) -> list[str]:
    """Numbers, names (capitalised words after the first), times and negations of a sentence."""
    tokens = re.findall(r"[\w'’\-]+", sentence)
    found = [t.lower() for i, t in enumerate(tokens) if i > 0 and t[:1].isupper()]
    return found + [w for w in words(sentence) if w in TIMES or w in NEGATIONS or NUMBER.fullmatch(w)]


def assert_faithful_condensation(sentence: str, condensed: str) -> None:
    short, full = words(condensed), words(sentence)
    remaining = iter(full)
    assert all(w in remaining for w in short), f"{condensed!r} is not a subsequence of {sentence!r}"
    assert len(short) < len(full)
    assert all(f in short for f in facts(sentence)), f"{condensed!r} lost a fact of {sentence!r}"


@pytest.mark.parametrize("kind", list(CONDENSABLE))
def test_condensation_drops_only_the_non_essential_part(kind: str) -> None:
    sentence, expected = CONDENSABLE[kind]
    assert only(kind, sentence) == expected
    assert_faithful_condensation(sentence, expected)


@pytest.mark.parametrize("sentence", KEEP_WHOLE)
def test_no_condensation_drops_a_fact(sentence: str) -> None:
    assert [v.kind for v in faithful_variants(sentence)] == ["identity"]


def test_every_condensation_of_the_article_keeps_its_facts() -> None:
    sentences = ARTICLE + [s for s, _ in CONDENSABLE.values()] + KEEP_WHOLE
    made = [v for s in sentences for v in faithful_variants(s) if v.kind != "identity"]
    assert len(made) >= len(CONDENSABLE)
    for variant in made:
        assert_faithful_condensation(variant.source, variant.text)


# --- variants built from several sentences of an article -----------------------------------------

STORY = [
    "Jose Mourinho praised his players after the win at the Emirates.",
    "The Chelsea manager said the team had not played well in the first half.",
    "Arsene Wenger, 65, blamed the referee for the defeat at home.",
    "The referee sent off two players in the second half of the game.",
    "Fans of the club waited for hours outside the stadium in the rain.",
    "Police said that Mr Mourinho had left the ground by car.",
    "Wenger will meet the board of Arsenal on Monday morning.",
    "Mourinho also thanked the travelling fans for their support.",
    "The board has never sacked a manager in the middle of a season.",
]
STORY_CONTEXT = article_context(STORY)


def made(kind: str, sentences: list[str] = STORY) -> list[Variant]:
    found = [v for v in article_variants(sentences, article_context(sentences)) if v.kind == kind]
    for variant in found:
        assert variant.faithful == (kind in FAITHFUL_KINDS)
        assert variant.source in variant.against
        assert list(variant.positions) == sorted(variant.positions)
        assert [sentences[i] for i in variant.positions] == list(variant.against)
        assert variant.text not in sentences
    return found


def test_negation_flipped_where_the_other_source_holds_one() -> None:
    found = {v.source: v for v in made("negation_other_clause")}
    added = found["Wenger will meet the board of Arsenal on Monday morning."]
    assert added.text == "Wenger will not meet the board of Arsenal on Monday morning."
    # the nearest other sentence with a negation of its own is the other source
    assert added.against == (added.source, STORY[8])
    removed = found[STORY[1]]
    assert removed.text == "The Chelsea manager said the team had played well in the first half."
    assert removed.against == (STORY[1], STORY[8])
    for variant in found.values():
        other = next(s for s in variant.against if s != variant.source)
        assert {"not", "never"} & set(words(other))
        assert ({"not", "never"} & set(words(variant.source))) != ({"not", "never"} & set(words(variant.text)))


def test_no_negation_variant_without_another_negated_sentence() -> None:
    assert not made("negation_other_clause", [s for s in STORY if "never" not in s and "not" not in s])


def test_roles_across_events_put_a_name_of_another_event_in_place() -> None:
    found = made("roles_across_events")
    assert found
    for variant in found:
        other = next(s for s in variant.against if s != variant.source)
        i, j = variant.positions
        assert j - i >= 2  # neighbours tell of one event: never paired
        old, new = changed_words(variant.source, variant.text)
        assert old
        assert new
        assert " ".join(new) in other.lower()  # the name comes from the other event's sentence...
        assert not set(new) & set(words(variant.source))  # ... and was not in this one
    by_source = {v.source: v.text for v in found}
    assert by_source[STORY[7]] == "Arsene Wenger also thanked the travelling fans for their support."


def test_pronoun_read_after_another_person_can_only_mean_them() -> None:
    found = {v.source: v for v in made("pronoun_other_entity")}
    first = found[STORY[0]]
    assert first.text == "He praised his players after the win at the Emirates."
    assert first.against == (STORY[0],)
    assert first.before == (STORY[2],)  # names Arsene Wenger, and Mourinho nowhere
    for variant in found.values():
        subject = variant.detail.split(" -> ")[0]
        assert not set(words(subject)) & set(words(variant.before[0]))
        assert variant.text.split()[0] in {"He", "She"}


def test_faithful_pronoun_is_read_after_the_same_person() -> None:
    found = {v.source: v for v in made("faithful_pronoun")}
    assert found[STORY[0]].text == "He praised his players after the win at the Emirates."
    assert found[STORY[0]].before == (STORY[7],)  # "Mourinho also thanked..."
    assert found[STORY[7]].before == (STORY[0],)
    assert STORY[6] not in found  # no other sentence opens with Wenger


def test_pronoun_follows_a_title_and_skips_what_is_not_a_person() -> None:
    article = [
        "Mrs Blackburn was taken to hospital after the crash on the bypass.",
        "Jane Blackburn is now being treated in residential care in the town.",
        "Tower Hamlets council said the road would be closed for a week.",
    ]
    found = made("faithful_pronoun", article)
    assert [v.text for v in found] == [
        "She was taken to hospital after the crash on the bypass.",
        "She is now being treated in residential care in the town.",
    ]
    assert not made("pronoun_other_entity", article)  # "Tower Hamlets" is no person to mistake her for


def test_connective_added_joins_neighbours_that_state_no_link() -> None:
    found = made("connective_added")
    assert found
    joins = {j.replace("{a}", "").replace("{b}", "").strip(" ;,") for j, _ in JOINS}
    for variant in found:
        first, second = variant.against
        assert variant.positions[1] - variant.positions[0] == 1
        assert not LINK_WORDS & (set(words(first)) | set(words(second)))
        connective = variant.detail.split("'")[1]
        assert connective in joins
        assert variant.text.startswith(first[:-1])
        assert variant.text.endswith(second[1:])
        assert f" {connective} " in variant.text.replace(",", " ").replace(";", " ")
    # a sentence stating a sequence itself ("after the win") is never joined
    assert not [v for v in found if STORY[0] in v.against]
    # a name keeps its capital after the connective, a common word does not
    texts = " ".join(v.text for v in found)
    assert " Wenger will meet" in texts
    assert " wenger " not in texts
    assert " the referee sent" in texts


def test_faithful_merge_joins_one_events_neighbours_with_and() -> None:
    found = made("faithful_merge")
    assert [v.text for v in found] == [
        "Arsene Wenger, 65, blamed the referee for the defeat at home, and the referee sent off two players "
        "in the second half of the game."
    ]


def test_a_capital_after_a_closing_quote_opens_a_sentence_and_a_hyphenated_word_is_no_name() -> None:
    assert name_spans("’ Having resolved his own situation, Locke will stay.")[0][2:] == ("Having", True)
    assert [n for _, _, n, _ in name_spans("He won a Scotland Under-21 cap in the 1990s.")] == []


def test_article_variants_are_deterministic_and_seeded() -> None:
    first = article_variants(STORY, STORY_CONTEXT, seed=1)
    assert first == article_variants(STORY, article_context(STORY), seed=1)
    assert {v.kind for v in first} == set(ARTICLE_RULES)
    assert set(ARTICLE_RULES) <= set(ERROR_KINDS + FAITHFUL_KINDS)
    other_seeds = [article_variants(STORY, STORY_CONTEXT, seed=s) for s in range(2, 8)]
    assert any(v != first for v in other_seeds)  # connectives and partners are drawn


# --- what applies, and determinism ---------------------------------------------------------------


def test_rules_that_do_not_apply_make_nothing() -> None:
    sentence = "the old cat sat quietly on the warm mat."
    assert [v.kind for v in error_variants(sentence, CONTEXT)] == ["unsupported_clause"]
    assert [v.kind for v in faithful_variants(sentence)] == ["identity"]


def test_no_clause_is_appended_inside_a_quote_or_from_the_articles_own_words() -> None:
    assert not [v for v in error_variants('He said: "We will win."', CONTEXT) if v.kind == "unsupported_clause"]
    verbs_used = ArticleContext([], set(CLAUSE_VERBS))  # an article that uses every verb a clause could take
    made = [v for v in error_variants("The old cat sat on the mat.", verbs_used) if v.kind == "unsupported_clause"]
    assert not made


def test_every_kind_is_known_and_each_variant_differs_from_its_source() -> None:
    for sentence in ARTICLE:
        for variant in variants(sentence, CONTEXT):
            assert variant.kind in ERROR_KINDS + FAITHFUL_KINDS
            assert variant.kind == "identity" or variant.text != sentence


def test_variants_are_deterministic_and_independent_of_order() -> None:
    first = [variants(s, CONTEXT, seed=3) for s in ARTICLE]
    again = [variants(s, CONTEXT, seed=3) for s in reversed(ARTICLE)][::-1]
    assert first == again
    assert first == [variants(s, article_context(ARTICLE), seed=3) for s in ARTICLE]
