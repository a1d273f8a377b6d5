"""Rewrites are checked sentence by sentence: a dropped or added fact brings the original back."""

from __future__ import annotations

from service.briefing.lengths import LENGTHS
from service.briefing.promptbook import PromptBook
from service.briefing.rewriter import RewriteJob, Rewriter
from service.briefing.styles import STYLES
from service.models.generator import Prompt
from service.settings import PROJECT_ROOT
from service.text.words import count_words
from tests.fakes import HashingEmbedder, ReplayGenerator

TEXT = (
    "Some 280,000 people have fled Aleppo since the offensive began, the UN said. "
    "President Bashar al-Assad vowed to \u201ccrush\u201d the rebels. "
    "Residents queued for bread on Friday."
)
REWRITES = {
    "Some 280,000 people have fled Aleppo": "The UN said about 280 000 people have fled Aleppo since the offensive began.",  # keeps all
    "President Bashar al-Assad vowed": "Assad promised to defeat the rebels.",  # drops the quote
    "Residents queued": "Residents of Damascus queued for bread on Friday.",  # adds a name
}


def reply(prompt: Prompt) -> str:
    return next(answer for key, answer in REWRITES.items() if key in prompt.source)


def make_rewriter(generator: ReplayGenerator) -> Rewriter:
    return Rewriter(generator, HashingEmbedder(), PromptBook.load(PROJECT_ROOT / "prompts", LENGTHS, STYLES), 30.0)


def test_facts_are_kept_or_the_original_stands() -> None:
    result = make_rewriter(ReplayGenerator(reply=reply)).rewrite(RewriteJob(TEXT, "plain"))
    first, second, third = result.sentences
    assert first.rewritten
    assert first.text.startswith("The UN said about 280 000")
    assert not second.rewritten
    assert "\u201ccrush\u201d" in second.text
    assert any("crush" in r for r in second.reasons)
    assert not third.rewritten
    assert third.text == "Residents queued for bread on Friday."
    assert any("damascus" in r for r in third.reasons)
    assert result.rewritten_sentences == 1
    assert result.kept_original_sentences == 2
    assert "280 000" in result.text
    assert "crush" in result.text


def test_each_sentence_is_prompted_on_its_own() -> None:
    generator = ReplayGenerator(reply=reply)
    make_rewriter(generator).rewrite(RewriteJob(TEXT, "paraphrase"))
    assert len(generator.prompts) == 3
    assert all(p.source in TEXT and p.source in p.user for p in generator.prompts)


def test_concise_keeps_every_sentence_with_a_fact_and_about_half_of_the_rest() -> None:
    factual = [
        "Some 280,000 people have fled Aleppo since the offensive began.",
        "President Bashar al-Assad vowed to \u201ccrush\u201d the rebels.",
    ]
    plain = [f"the talks went on for hours and ended without any agreement number {w}." for w in "abcdefgh"]
    plain = [p.replace(" number", "") for p in plain]
    long_text = " ".join(factual + [p[0].upper() + p[1:] for p in plain])
    result = make_rewriter(ReplayGenerator(reply=lambda p: "")).rewrite(RewriteJob(long_text, "concise"))
    kept = {s.source for s in result.sentences}
    assert {0, 1} <= kept  # a number, a name, a quote: never dropped
    assert result.dropped_sentences >= 3
    assert "280,000" in result.text
    assert "\u201ccrush\u201d" in result.text
    assert count_words(result.text) <= 0.75 * count_words(long_text)


def test_concise_condenses_where_the_model_rewrite_fails() -> None:
    text = (
        "The council, which met for six hours on Main Street, approved the library plan after a long debate "
        "about its cost."
    )
    generator = ReplayGenerator(reply=lambda p: "")  # every free rewrite fails
    result = make_rewriter(generator).rewrite(RewriteJob(text, "concise"))
    (sentence,) = result.sentences
    assert sentence.rewritten
    assert count_words(sentence.text) < count_words(text)
    assert "six hours on Main Street" in sentence.text  # a deletion that loses a fact is not offered


def test_an_identical_rewrite_is_kept_not_rewritten_and_the_style_says_so() -> None:
    text = "Residents queued for bread on Friday."
    result = make_rewriter(ReplayGenerator(reply=lambda p: p.source)).rewrite(RewriteJob(text, "formal"))
    assert result.rewritten_sentences == 0
    assert result.kept_original_sentences == 1
    assert "unchanged" in (result.sentences[0].reasons or [""])[0]
    assert result.note
    assert result.note.startswith("no sentence changed")


def test_rewrites_that_drop_a_time_or_most_of_the_content_keep_the_original() -> None:
    rewriter = make_rewriter(ReplayGenerator())
    source_text = (
        "Last week, Syrian rebels began an unexpected offensive against the government, seizing two major cities."
    )
    from service.text.facts import SourceIndex

    source = SourceIndex(source_text)
    lossy = rewriter.judge(
        source_text, "The Syrian rebels have captured two major cities, with the help of their military.", 0, source
    )
    assert not lossy.rewritten
    assert any("last" in r for r in lossy.reasons)
    faithful = rewriter.judge(
        source_text,
        "Last week Syrian rebels began a surprise offensive against the government and seized two major cities.",
        0,
        source,
    )
    assert faithful.rewritten, faithful
