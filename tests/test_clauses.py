"""Clause-level deletion: what condensing may delete, and that what is left is a complete sentence."""

from __future__ import annotations

import pytest

from service.text.clauses import complete, dangles, deletions, has_verb, shorten, standalone
from service.text.factcheck import scoped_reasons
from service.text.segmenter import split_sentences
from service.text.words import count_words
from tests.support import ARTICLE

BRUCKNER = (
    "The developer will build 300 apartments on Bruckner Boulevard, 99 of which would have rents capped "
    "at levels affordable to families earning less than the median income of the borough."
)
FACETIME = (
    "Investigators said the suspects had spoken to the victims during FaceTime calls, even when the victims "
    "had asked them to stop calling, according to court filings released on Friday."
)


@pytest.mark.parametrize(("sentence", "max_words"), [(BRUCKNER, 12), (FACETIME, 14)])
def test_shortening_never_leaves_a_dangling_word(sentence: str, max_words: int) -> None:
    short = shorten(sentence, max_words)
    assert short is None or not dangles(short.rstrip(".")), short
    assert short is None or count_words(short) <= max_words


def test_dangles_names_the_cuts_that_lose_meaning() -> None:
    assert dangles("on Bruckner Boulevard, 99 of")
    assert dangles("during FaceTime calls, even")
    assert dangles("more than 20")
    assert not dangles("The rebels captured Hama")


def test_deletions_drop_asides_parentheses_and_trailing_clauses() -> None:
    sentence = (
        "The Syrian Observatory for Human Rights (SOHR), a monitoring organization based in the UK, reports "
        "that fighter jets have struck a bridge connecting Homs and Hama in an attempt to impede the rebels' progress."
    )
    found = deletions(sentence)
    assert found[0] == sentence
    assert (
        "The Syrian Observatory for Human Rights reports that fighter jets have struck a bridge connecting "
        "Homs and Hama in an attempt to impede the rebels' progress."
    ) in found


@pytest.mark.parametrize(
    ("sentence", "never"),
    [
        # the main clause after a leading adverbial is no aside
        (
            "On Thursday, the rebels captured Hama to the north, marking a setback for Bashar al-Assad, who lost Aleppo.",
            "On Thursday marking",
        ),
        # deleting an aside must not hand a relative clause to another noun
        (
            "On Thursday, the rebels captured Hama to the north, marking a setback for Bashar al-Assad, who lost Aleppo.",
            "north who lost",
        ),
        # a list item is not an aside
        ("The rebels took Aleppo, Hama, and Homs within nine days of fighting.", "Aleppo and Homs"),
        # an attribution stays: "jets struck a bridge" is not what "jets struck a bridge, SOHR said" claims
        ("Jets struck a bridge near Homs on Friday morning, the monitoring group said.", "Friday morning."),
    ],
)
def test_deletions_keep_what_the_claim_needs(sentence: str, never: str) -> None:
    assert not [d for d in deletions(sentence) if never in d]


def test_every_deletion_is_a_complete_sentence_of_the_sources_words() -> None:
    for sentence in split_sentences(ARTICLE):
        for short in deletions(sentence)[1:]:
            assert complete(short), short
            source_words = sentence.lower().split()
            assert all(w.strip(".,;:").lower() in sentence.lower() for w in short.split()), (short, source_words)


def test_subject_with_an_aside_is_no_sentence() -> None:
    assert not complete("Abu Mohammed al-Jawlani, the leader of the Islamist militant group Hayat Tahrir al-Sham.")
    assert not complete("Following the Syrian military's loss of Hama after several days of conflict.")
    assert complete("On Thursday, the rebels captured Hama to the north.")
    assert has_verb("the council approved the plan")
    assert not has_verb("the mayor of New York City")
    assert not complete("Compared with other European countries.")
    assert not complete("Birmingham academies Park View and Nansen Primary.")
    assert not complete("However, with 240 million people in the Americas yet to receive a single shot of vaccine.")
    assert not complete(
        "Cases are surging in Europe, and while overall new cases and deaths have dropped across most of the Americas."
    )
    assert not complete("It was the interview that some in the palace must have feared -- but Prince Harry and Meghan.")
    assert not complete(
        "While more than 685 million people have completed their schedules, and 50 countries have begun."
    )
    assert complete("He resigned on Friday, although he denied any wrongdoing.")


def test_a_restrictive_relative_clause_is_never_cut_off() -> None:
    sentence = (
        "Researchers found that four out of five children in England who ate school lunches had tried "
        "food at school that they had not tried at home."
    )
    assert not [d for d in deletions(sentence) if d.endswith("in England.")]


def test_scoped_checks_refuse_a_deletion_that_drops_the_day() -> None:
    sentence = "On Thursday, the rebels captured Hama to the north, marking a second setback for the government."
    dropped = [d for d in deletions(sentence) if "Thursday" not in d]
    kept = [d for d in deletions(sentence)[1:] if "Thursday" in d]
    assert dropped
    assert kept
    assert all(scoped_reasons(d, [sentence]) for d in dropped)
    assert not [d for d in kept if scoped_reasons(d, [sentence])]


@pytest.mark.parametrize(
    ("sentence", "alone"),
    [
        ("Rebels captured Hama on Thursday.", True),
        ("McDonald's opened a restaurant on YouTube Street.", True),
        ("Foul by Sean Murray (Colchester United).", False),
        ("Listen: Dennis on Alonso, loyalty & mentality", False),
        ("\"It's getting quite bad at the minute.", False),
        ("Hungary passes bill targeting Central European UniversityHungarian attack prompts anger", False),
    ],
)
def test_standalone_tells_a_statement_from_a_caption_or_a_fragment(sentence: str, alone: bool) -> None:
    assert standalone(sentence) is alone


@pytest.mark.parametrize(
    ("sentence", "never"),
    [
        # the main clause comes after the dash pair
        (
            "Due to the rise of movements dedicated to climate action — movements that engage people of all ages — "
            "green investments seem to be included in the EU agenda.",
            "climate action.",
        ),
        # a restrictive clause after a comma: cutting it turns the claim round
        (
            "We are so locked into our identities that there is virtually no candidate, no information, no condition, "
            "that can force us to change our minds.",
            "no condition.",
        ),
        (
            "We are so locked into our identities that there is virtually no candidate, no information, no condition, "
            "that can force us to change our minds.",
            "no information.",
        ),
        # a question stays a question
        ("Which is to say, why was a reality star — who bragged about it — able to win the same share?", "star."),
        # a word's own brackets are not a parenthesis
        ("The substantial inertia that characterized the (in)action of governments showcases the crisis.", "theaction"),
    ],
)
def test_cuts_that_would_change_the_claim_are_not_offered(sentence: str, never: str) -> None:
    assert not [d for d in deletions(sentence)[1:] if never in d]


def test_a_question_keeps_one_question_mark() -> None:
    sentence = "In his book, Ezra Klein asks a simple (if counterintuitive) question: why was the election so normal?"
    assert all(not d.endswith("??") for d in deletions(sentence))


def test_a_list_after_a_colon_keeps_every_item() -> None:
    sentence = (
        "Traditionally, the Jamaica Defence Force’s (JDF) partnerships with militaries across the world have seen "
        "its cadets trained in academies in the following countries: United States, England, Canada, China and India."
    )
    for version in deletions(sentence):
        assert version.endswith("United States, England, Canada, China and India."), version


def test_no_cut_inside_a_quoted_name() -> None:
    sentence = (
        "The conference, which is scheduled for June 13 to 17, will take place at the Montego Bay Convention "
        "Centre under the theme ‘Zones: Your Partners for Resilience, Sustainability and Prosperity’."
    )
    versions = deletions(sentence)
    assert len(versions) > 1  # the aside can still go
    assert all(v.endswith("Prosperity’.") for v in versions), versions


@pytest.mark.parametrize(
    ("sentence", "kept"),
    [
        (
            "It was the interview that some within Buckingham Palace must have feared, but their discussion with "
            "Oprah Winfrey was more revealing, explosive and potentially damaging to the royal family than many "
            "could have imagined.",
            "than many could have imagined.",
        ),
        (
            "Also, keep an eye on our deals page where we will update it if we find any deals (or more likely at "
            "this point, bundles) on systems with the new cards in them.",
            "bundles)",
        ),
    ],
)
def test_no_cut_inside_a_list_or_a_parenthesis(sentence: str, kept: str) -> None:
    for version in deletions(sentence):
        assert kept in version or "(" not in version, version
        assert version.count("(") == version.count(")"), version


def test_the_last_items_of_a_list_are_no_aside() -> None:
    sentence = (
        "Minister of Industry, Investment and Commerce, Senator the Hon. Aubyn Hill, looks on as the chief "
        "executive of the zone authority addresses a recent meeting."
    )
    for version in deletions(sentence):
        assert version.startswith("Minister of Industry, Investment and Commerce"), version


def test_a_subordinate_clause_keeps_its_verb() -> None:
    sentence = (
        "The minister looks on as Chief Executive Officer (Acting) of the Zone Authority, Gary Scott (left), "
        "addresses a recent meeting of investors."
    )
    for version in deletions(sentence):
        assert version.endswith("addresses a recent meeting of investors."), version


def test_a_subordinate_clause_alone_is_no_headline() -> None:
    from service.text.clauses import subordinate_only

    assert subordinate_only("Right after the incident took place")
    assert subordinate_only("As the rebels advanced on Homs")
    assert not subordinate_only("After the incident, police sealed off the street")
    assert not subordinate_only("Rebels took Hama after days of fighting")


def test_a_cut_inside_a_list_a_name_or_a_quotation_is_told_from_a_cut_before_a_clause() -> None:
    from service.text.clauses import cut_inside_phrase

    frigates = (
        "Decommissioned Type 22 frigates HMS Cumberland, HMS Campbeltown, HMS Chatham and HMS Cornwall are to be sold."
    )
    assert cut_inside_phrase("Decommissioned Type 22 frigates HMS Cumberland", frigates)
    assert cut_inside_phrase("Rebels captured Homs", "Rebels captured Homs and Hama on Monday.")
    assert cut_inside_phrase("He played for Manchester", "He played for Manchester United last year.")
    assert cut_inside_phrase('He said "we will', 'He said "we will win" today.')
    hama = "On Thursday, the rebels captured Hama to the north, marking a second substantial setback for Assad."
    assert not cut_inside_phrase("On Thursday, the rebels captured Hama to the north", hama)
