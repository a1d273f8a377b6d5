"""Sentences that stand alone: what leans on an earlier sentence, and the referents the article makes
unambiguous."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.text.segmenter import split_sentences
from service.text.standalone import leans_back, referent

SEED = (Path(__file__).resolve().parents[2] / "shared" / "data" / "seed-article.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "sentence",
    [
        "It comes just one day after the vote in parliament.",
        "He was captured in 1943.",
        "This is 64 per cent more than last year.",
        "This city holds strategic importance.",
        "The following morning, troops left the town.",
        "However, the rebels took Hama.",
        "On Thursday, he said the war was over.",  # past a leading adverbial
        "Rebels also took the airport.",
        '"We will crush them," he told the meeting.',  # a speaker named only by a pronoun
        "Its leader spoke to reporters.",
        "The pair met in Paris on Monday.",
    ],
)
def test_a_sentence_that_points_back_does_not_stand_alone(sentence: str) -> None:
    assert leans_back(sentence) is not None


@pytest.mark.parametrize(
    "sentence",
    [
        "Rebels captured Hama on Thursday.",
        "This week, rebels took the airport of Hama.",  # deixis to the article's own date
        "Historically, President Assad has depended on Russia and Iran.",
        '"We will crush them," President Assad told the meeting.',
        "Right after the incident, police sealed off the street.",
    ],
)
def test_a_sentence_that_names_what_it_is_about_stands_alone(sentence: str) -> None:
    assert leans_back(sentence) is None


@pytest.mark.parametrize(
    ("sentence", "language"),
    [
        ("Er wurde 1943 gefangen genommen.", "de"),
        ("Cependant, les rebelles ont pris Hama.", "fr"),
        ("Sin embargo, los rebeldes tomaron Hama.", "es"),
    ],
)
def test_other_languages_have_their_own_pointing_words(sentence: str, language: str) -> None:
    assert leans_back(sentence, language) is not None
    assert leans_back("Die Rebellen haben Hama eingenommen.", "de") is None


def test_this_city_is_resolved_to_the_city_the_article_names() -> None:
    sentences = split_sentences(SEED)
    i = next(k for k, s in enumerate(sentences) if s.startswith("This city holds"))
    found = referent(sentences, i)
    assert found is not None
    assert found.name == "Homs"
    assert found.noun == "city"
    assert found.text.startswith("The city of Homs holds strategic importance as it connects the capital")
    assert "Syria’s third-largest city, Homs" in sentences[found.named_in]


def test_no_referent_when_the_sentence_before_names_two_candidates() -> None:
    sentences = [
        "Aleppo is a city in the north, and Hama is a city in the centre.",
        "Rebels moved from Aleppo towards Hama on Monday.",
        "This city holds strategic importance.",
    ]
    assert referent(sentences, 2) is None  # Aleppo or Hama: the article does not say which
    assert referent(["This city holds strategic importance."], 0) is None
    person = referent(["Jane Smith, a lawyer, spoke.", "Jane Smith left.", "This lawyer said no."], 2)
    assert person is not None
    assert person.text == "Jane Smith, the lawyer, said no."
    assert referent(["Homs, a city in Syria, was shelled.", "This is bad news."], 1) is None  # "this" names no noun
