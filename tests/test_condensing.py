"""Condensing in briefings: the model chooses among faithful deletions; headlines are complete clauses
or the checked title; nothing shipped says what its cited source does not."""

from __future__ import annotations

import pytest

from service.briefing.briefer import Briefer, BriefingJob
from service.briefing.lengths import LENGTHS
from service.briefing.promptbook import PromptBook
from service.briefing.styles import STYLES
from service.settings import PROJECT_ROOT
from service.text.clauses import complete
from service.text.factcheck import scoped_reasons
from service.text.judge import Judge
from service.text.lexicon import folded_words as words
from service.text.words import count_words
from tests.fakes import HashingEmbedder, ReplayGenerator
from tests.support import ARTICLE, SYRIA_ARTICLE

LONG_LEAD = (
    "A significant number of people are leaving Homs, Syria's third-largest city, because they fear "
    "that Islamist-led insurgents will continue their advance toward the capital, Damascus. "
) + SYRIA_ARTICLE


def condensing_briefer(prefer=None) -> tuple[Briefer, ReplayGenerator]:
    """A briefer whose model only condenses (free writing off), as with the embedded model."""
    generator = ReplayGenerator(prefer=prefer)
    prompts = PromptBook.load(PROJECT_ROOT / "prompts", LENGTHS, STYLES)
    return Briefer(generator, HashingEmbedder(), prompts, Judge(), 5000, 30.0, writes_freely=False), generator


def is_subsequence(short: str, source: str) -> bool:
    remaining = iter(words(source))
    return all(w in remaining for w in words(short))


def test_auto_without_free_writing_condenses_and_never_prompts_for_free_text() -> None:
    briefer, generator = condensing_briefer()
    result = briefer.brief(BriefingJob(LONG_LEAD, mode="auto"))
    assert generator.prompts == []  # no free writing
    assert generator.scored  # the model chose among deletions
    shipped = [s for b in result.briefings.values() for s in b.sentences]
    condensed = [s for s in shipped if s.origin == "condensed"]
    assert condensed
    for sentence in condensed:
        (source,) = [result.article_sentences[i] for i in sentence.cites]
        assert is_subsequence(sentence.text, source), (sentence.text, source)
        assert count_words(sentence.text) < count_words(source)
        may_drop = ("time",) if sentence in result.briefings["headline"].sentences else ()
        assert not scoped_reasons(sentence.text.rstrip(".") + ".", [source], may_drop), sentence.text
    for name, briefing in result.briefings.items():
        assert briefing.within_contract, (name, briefing.violations)


def test_the_model_choice_decides_between_versions() -> None:
    longest, _ = condensing_briefer(prefer=lambda reply: len(reply))
    shortest, _ = condensing_briefer(prefer=lambda reply: -len(reply))
    request = BriefingJob(LONG_LEAD, lengths=("key_points",), mode="auto")
    first = longest.brief(request).briefings["key_points"].sentences[0].text
    second = shortest.brief(request).briefings["key_points"].sentences[0].text
    assert count_words(second) < count_words(first)


@pytest.mark.parametrize("article", [ARTICLE, SYRIA_ARTICLE, LONG_LEAD])
@pytest.mark.parametrize("mode", ["auto", "extractive"])
def test_headlines_are_complete_clauses_never_cut_mid_phrase(article: str, mode: str) -> None:
    briefer, _ = condensing_briefer()
    headline = briefer.brief(BriefingJob(article, lengths=("headline",), mode=mode)).briefings["headline"]
    (sentence,) = headline.sentences
    assert complete(sentence.text + "."), sentence.text
    assert count_words(sentence.text) <= 14
    assert not sentence.text.endswith(".")
    assert not sentence.text.lower().startswith(("a ", "an ", "the "))  # headline style


def test_a_title_that_is_this_articles_headline_is_used() -> None:
    briefer, _ = condensing_briefer()
    title = "Rebels captured Hama as residents of Homs fled | Example News"
    headline = briefer.brief(BriefingJob(SYRIA_ARTICLE, title=title, lengths=("headline",))).briefings["headline"]
    assert headline.text == "Rebels captured Hama as residents of Homs fled"
    assert headline.sentences[0].origin == "title"


@pytest.mark.parametrize(
    "title",
    [
        "Rebels capture Aleppo and Latakia in new offensive",  # Latakia: not in the article
        "Live updates",  # a topic, not a headline
        "Springfield library vote draws hundreds of residents to council meeting",  # another story
    ],
)
def test_a_title_that_is_not_this_articles_headline_is_not_used(title: str) -> None:
    briefer, _ = condensing_briefer()
    headline = briefer.brief(BriefingJob(SYRIA_ARTICLE, title=title, lengths=("headline",))).briefings["headline"]
    assert headline.sentences[0].origin != "title"
    assert headline.text != title


def test_a_long_title_is_cut_back_by_clauses_keeping_its_attribution() -> None:
    briefer, _ = condensing_briefer()
    title = "Rebels captured Hama on Thursday after several days of fighting with government forces, the UN said"
    headline = briefer.brief(BriefingJob(SYRIA_ARTICLE, title=title, lengths=("headline",))).briefings["headline"]
    assert headline.sentences[0].origin == "title"
    assert count_words(headline.text) <= 14
    assert headline.text.endswith("the UN said")


def test_a_headline_is_never_empty_when_every_sentence_is_long() -> None:
    article = " ".join(
        [
            "Visitors to the Hebridean Celtic Festival will be able to use an app to trigger online information "
            "from items such as signs and posters on the site.",
            "Videos and band interviews will be among the online material available to view on phones and tablets "
            "during the whole of the festival weekend.",
        ]
    )
    briefer, _ = condensing_briefer()
    for mode in ("auto", "extractive"):
        headline = briefer.brief(BriefingJob(article, lengths=("headline",), mode=mode)).briefings["headline"]
        assert headline.within_contract, headline.violations
        assert complete(headline.text + "."), headline.text
        assert not headline.text.endswith(("able", "to"))


@pytest.mark.parametrize(
    "furniture",
    [
        "Posted: Thursday, April 21, 2022.",
        "Written permission must be obtained before reprint in online or print media.",
        "This article originally appeared on VICE US.",
        "© 2019 Science X Network, and no part of this story may be reproduced without permission.",
        "Estimated reading time: 6 minutes.",
        "Аdvеrtіѕе wіth thе most visited news site in the country today.",
    ],
)
def test_page_furniture_never_reaches_a_briefing(furniture: str) -> None:
    briefer, _ = condensing_briefer()
    article = f"{furniture} {SYRIA_ARTICLE} {furniture}"
    result = briefer.brief(BriefingJob(article, mode="extractive"))
    shipped = " ".join(s.text for b in result.briefings.values() for s in b.sentences)
    assert furniture.rstrip(".")[:25] not in shipped
    assert all(b.within_contract for b in result.briefings.values())


def test_a_last_resort_headline_never_cuts_a_figure_from_its_scope() -> None:
    article = (
        "Omicron BA.2 has already been detected in 8.7 percent of sequences reported from South America, "
        "and the director noted that the infection dynamics in Europe are mirrored here weeks later. "
        "More than 620 thousand new cases are still reported each week in parts of North America and "
        "the Caribbean, where the variant is becoming the predominant one."
    )
    briefer, _ = condensing_briefer()
    headline = briefer.brief(BriefingJob(article, lengths=("headline",))).briefings["headline"]
    assert "percent of sequences reported" not in headline.text or "South America" in headline.text
