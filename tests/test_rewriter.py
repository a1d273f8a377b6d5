"""Rewrites are checked sentence by sentence: a dropped or added fact brings the original back."""

from __future__ import annotations

from service.briefing.lengths import LENGTHS
from service.briefing.promptbook import PromptBook
from service.briefing.rewriter import Rewriter, RewriteRequest
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
    result = make_rewriter(ReplayGenerator(reply=reply)).rewrite(RewriteRequest(TEXT, "plain"))
    first, second, third = result.sentences
    assert first.rewritten and first.text.startswith("The UN said about 280 000")
    assert not second.rewritten and "\u201ccrush\u201d" in second.text and any("crush" in r for r in second.reasons)
    assert (
        not third.rewritten
        and third.text == "Residents queued for bread on Friday."
        and any("damascus" in r for r in third.reasons)
    )
    assert result.rewritten_sentences == 1 and result.kept_original_sentences == 2
    assert "280 000" in result.text and "crush" in result.text


def test_each_sentence_is_prompted_on_its_own() -> None:
    generator = ReplayGenerator(reply=reply)
    make_rewriter(generator).rewrite(RewriteRequest(TEXT, "paraphrase"))
    assert len(generator.prompts) == 3
    assert all(p.source in TEXT and p.source in p.user for p in generator.prompts)


def test_concise_keeps_about_half_and_says_so() -> None:
    long_text = " ".join(
        f"Sentence number {i} says the council met on Main Street about the library plan." for i in range(10)
    )
    result = make_rewriter(ReplayGenerator(reply=lambda p: "")).rewrite(RewriteRequest(long_text, "concise"))
    assert result.dropped_sentences >= 4
    assert count_words(result.text) <= 0.6 * count_words(long_text)
    assert result.rewritten_sentences == 0  # empty rewrites are never shipped


def test_rewrites_that_drop_a_time_or_most_of_the_content_keep_the_original() -> None:
    rewriter = make_rewriter(ReplayGenerator())
    source_text = (
        "Last week, Syrian rebels began an unexpected offensive against the government, seizing two major cities."
    )
    from service.text.verifier import SourceIndex

    source = SourceIndex(source_text)
    lossy = rewriter.judge(
        source_text, "The Syrian rebels have captured two major cities, with the help of their military.", 0, source
    )
    assert not lossy.rewritten and any("last" in r for r in lossy.reasons)
    faithful = rewriter.judge(
        source_text,
        "Last week Syrian rebels began a surprise offensive against the government and seized two major cities.",
        0,
        source,
    )
    assert faithful.rewritten, faithful
