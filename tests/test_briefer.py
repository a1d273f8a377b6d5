"""Briefing logic with a scripted model: contract enforcement, verification fallback, citations."""

from __future__ import annotations

import pytest

from service.briefing.briefer import FLAG_MIN_SUPPORT, Briefer, BriefingJob, finish
from service.briefing.lengths import LENGTHS, violations
from service.briefing.promptbook import PromptBook
from service.briefing.styles import STYLES
from service.settings import PROJECT_ROOT
from service.text.judge import Judge, default_weights
from service.text.standalone import leans_back
from service.text.words import count_words
from tests.fakes import HashingEmbedder, ReplayGenerator, reply_by_instruction
from tests.support import SYRIA_ARTICLE


def make_briefer(
    reply=lambda p: "", risk: float | None = None, input_tokens: int = 5000
) -> tuple[Briefer, ReplayGenerator]:
    """A briefer over a scripted model; ``risk``: the judge's threshold instead of the fitted one
    (the hashing embedder is no MiniLM, so its similarities read lower than the weights expect)."""
    generator = ReplayGenerator(reply=reply)
    prompts = PromptBook.load(PROJECT_ROOT / "prompts", LENGTHS, STYLES)
    weights = default_weights() if risk is None else default_weights().with_threshold(risk)
    return Briefer(generator, HashingEmbedder(), prompts, Judge(weights), input_tokens, 30.0), generator


@pytest.mark.parametrize("mode", ["auto", "extractive"])
def test_every_length_meets_its_contract_from_the_article_alone(mode: str) -> None:
    briefer, _ = make_briefer()
    result = briefer.brief(BriefingJob(SYRIA_ARTICLE, mode=mode))
    for name, briefing in result.briefings.items():
        assert briefing.within_contract, (name, briefing.violations, briefing.text)
        assert len({s.text for s in briefing.sentences}) == len(briefing.sentences), (name, briefing.text)
        spec = LENGTHS[name]
        assert spec.min_words <= briefing.words <= spec.max_words
    assert not result.briefings["headline"].text.endswith(".")
    assert "\n" not in result.briefings["headline"].text
    assert len(result.briefings["key_points"].sentences) == 3


def test_overshoot_is_cut_at_a_sentence_boundary() -> None:
    long_paragraph = ". ".join(SYRIA_ARTICLE.split(". ")[:12]) + "."  # well over 120 words, all supported
    briefer, _ = make_briefer(reply_by_instruction({"one paragraph": long_paragraph}))
    briefing = briefer.brief(BriefingJob(SYRIA_ARTICLE, lengths=("paragraph",), mode="abstractive")).briefings[
        "paragraph"
    ]
    assert 60 <= briefing.words <= 120
    assert briefing.within_contract
    assert all(s.text.endswith(".") for s in briefing.sentences)
    assert any("over the length contract" in r.reasons for r in briefing.rejected)


def test_undershoot_is_reported_not_padded_in_abstractive_mode() -> None:
    short = "Rebels captured the city of Hama on Thursday after several days of fighting with government forces."
    briefer, _ = make_briefer(reply_by_instruction({"one paragraph": short}))
    briefing = briefer.brief(BriefingJob(SYRIA_ARTICLE, lengths=("paragraph",), mode="abstractive")).briefings[
        "paragraph"
    ]
    assert briefing.within_contract is False
    assert briefing.words == count_words(short)
    assert any("under 60" in v for v in briefing.violations)


def test_invented_facts_are_replaced_by_extracted_sentences_in_auto_mode() -> None:
    invented = "Libyan-backed militias captured Hama on Thursday, killing 500 people."
    briefer, _ = make_briefer(reply_by_instruction({"exactly one sentence": invented}))
    briefing = briefer.brief(BriefingJob(SYRIA_ARTICLE, lengths=("tldr",), mode="auto")).briefings["tldr"]
    assert "Libyan" not in briefing.text
    assert "500" not in briefing.text
    assert briefing.sentences[0].origin == "extracted"
    reasons = briefing.rejected[0].reasons
    assert "the number 500 is in no sentence of the article" in reasons
    assert "the name 'libyan' is in no sentence of the article" in reasons
    assert briefing.within_contract


def test_abstractive_mode_drops_invented_names_but_flags_weak_support() -> None:
    # Over a threshold this strict every sentence is weighed as risky: one the judge still finds more
    # likely right than wrong ships flagged, one it finds more likely wrong is dropped with reasons.
    weak = SYRIA_ARTICLE.split(". ")[0] + "."
    briefer, _ = make_briefer(reply_by_instruction({"exactly one sentence": weak}), risk=0.001)
    briefing = briefer.brief(BriefingJob(SYRIA_ARTICLE, lengths=("tldr",), mode="abstractive")).briefings["tldr"]
    assert briefing.sentences[0].flagged
    assert briefing.sentences[0].origin == "generated"
    assert briefing.sentences[0].support >= FLAG_MIN_SUPPORT
    weaker = "Rebels captured the city of Hama on Thursday."
    briefer, _ = make_briefer(reply_by_instruction({"exactly one sentence": weaker}), risk=0.001)
    briefing = briefer.brief(BriefingJob(SYRIA_ARTICLE, lengths=("tldr",), mode="abstractive")).briefings["tldr"]
    assert briefing.sentences == []
    assert briefing.rejected[0].text == weaker
    assert briefing.rejected[0].reasons[-1].startswith("risk 0.")
    assert len(briefing.rejected[0].reasons) >= 2  # the risk and what raised it, in words
    briefer, _ = make_briefer(reply_by_instruction({"exactly one sentence": "Libyan forces took Hama."}))
    briefing = briefer.brief(BriefingJob(SYRIA_ARTICLE, lengths=("tldr",), mode="abstractive")).briefings["tldr"]
    assert briefing.sentences == []
    assert briefing.within_contract is False


def test_citations_point_at_supporting_article_sentences() -> None:
    generated = "Rebels captured the city of Hama on Thursday after days of fighting."
    briefer, _ = make_briefer(reply_by_instruction({"exactly one sentence": generated}), risk=0.9)
    result = briefer.brief(BriefingJob(SYRIA_ARTICLE, lengths=("tldr", "key_points")))
    sentence = result.briefings["tldr"].sentences[0]
    assert sentence.origin == "generated"
    assert 0.1 <= sentence.support <= 1.0
    assert 0 in sentence.cites
    assert result.article_sentences[0].startswith("Rebels captured the city of Hama")
    for point in result.briefings["key_points"].sentences:
        assert point.origin in ("extracted", "condensed")
        assert len(point.cites) == 1
        assert result.article_sentences[point.cites[0]].startswith(point.text[:20])


def test_meta_sentences_and_chat_markup_are_rejected() -> None:
    reply = "<|im_start|>assistant\nHeadline: The article discusses the fighting in Hama."
    briefer, _ = make_briefer(reply_by_instruction({"headline": reply}), risk=0.999)
    briefing = briefer.brief(BriefingJob(SYRIA_ARTICLE, lengths=("headline",))).briefings["headline"]
    assert "article discusses" not in briefing.text
    assert "<|" not in briefing.text
    assert briefing.sentences[0].origin == "extracted"


def test_long_article_is_condensed_and_reported_never_silently_cut() -> None:
    briefer, generator = make_briefer(input_tokens=120)
    result = briefer.brief(BriefingJob(SYRIA_ARTICLE, lengths=("tldr",)))
    info = result.input
    assert info.fit.condensed is True
    assert info.fit.strategy == "lead+central"
    assert info.fit.tokens > 120 >= info.fit.generation_tokens
    prompt = generator.prompts[-1].user
    assert SYRIA_ARTICLE.split(". ")[0] in prompt  # the lead is always kept
    assert count_words(prompt) < count_words(SYRIA_ARTICLE)


def test_short_article_undershoots_brief_honestly() -> None:
    briefer, _ = make_briefer()
    short = "Rebels captured Hama on Thursday. Thousands fled Homs toward Damascus."
    briefing = briefer.brief(BriefingJob(short, lengths=("brief",), mode="extractive")).briefings["brief"]
    assert briefing.within_contract is False
    assert briefing.words < 150
    assert all(s.origin == "extracted" for s in briefing.sentences)


def test_violations_function_checks_each_rule() -> None:
    assert violations(LENGTHS["headline"], ["A headline that ends with a stop."]) == ["ends with a full stop"]
    assert violations(LENGTHS["tldr"], ["One.", "Two."])[0] == "2 sentences, not 1"
    assert "points [0] over 25 words" in violations(LENGTHS["key_points"], ["word " * 26, "a b c", "d e f"])
    assert violations(LENGTHS["paragraph"], ["word " * 50]) == ["50 words, under 60"]


def test_extracted_tldr_prefers_a_full_sentence_over_a_short_lead() -> None:
    """The lead ranks first, but at six words it says little: the TL;DR takes the best-ranked
    sentence of at least ``fill_min_words`` words instead. An article of short sentences still
    gets one (the preference falls back)."""
    floor = LENGTHS["tldr"].fill_min_words
    assert floor > 6
    short_lead = "Rebels captured Hama on Thursday."
    full = "The rebels, who began their offensive from Idlib late last month, said they would now advance south towards Homs and then Damascus."
    assert count_words(full) >= floor > max(count_words(s) for s in SYRIA_ARTICLE.split(". "))
    briefer, _ = make_briefer()
    result = briefer.brief(
        BriefingJob(f"{short_lead} {SYRIA_ARTICLE} {full}", lengths=("tldr", "key_points"), mode="extractive")
    )
    tldr = result.briefings["tldr"].sentences
    assert len(tldr) == 1
    assert count_words(tldr[0].text) >= floor
    assert tldr[0].text == full
    assert result.article_sentences[tldr[0].cites[0]] == full
    short_only = "Rebels captured Hama on Thursday. Thousands fled Homs by car. The army regrouped near Hama."
    tldr = briefer.brief(BriefingJob(short_only, lengths=("tldr",), mode="extractive")).briefings["tldr"]
    assert len(tldr.sentences) == 1
    assert tldr.within_contract
    assert count_words(tldr.text) < floor


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # every name is in the article, but the bridge runs between Homs and Hama
        ("The Syrian Observatory for Human Rights said jets struck a bridge between Homs and Aleppo.", "aleppo"),
        # "last week" belongs to Aleppo's fall; Hama fell on Thursday
        ("Last week, rebels captured the city of Hama after several days of fighting.", "week"),
    ],
)
def test_a_fact_true_elsewhere_in_the_article_is_rejected_against_its_own_sources(written: str, expected: str) -> None:
    briefer, _ = make_briefer(reply_by_instruction({"exactly one sentence": written}), risk=0.9)
    briefing = briefer.brief(BriefingJob(SYRIA_ARTICLE, lengths=("tldr",), mode="auto")).briefings["tldr"]
    assert all(s.text != written for s in briefing.sentences)
    assert briefing.sentences
    assert briefing.sentences[0].origin == "extracted"
    assert any(expected in reason for reason in briefing.rejected[0].reasons), briefing.rejected[0].reasons


def test_a_written_sentence_cites_the_sentences_it_was_checked_against() -> None:
    fused = (
        "Rebels captured the city of Hama on Thursday after several days of fighting, and Iran said it was ready "
        "to send more forces to Syria if the government asked for them."
    )
    briefer, _ = make_briefer(reply_by_instruction({"exactly one sentence": fused}), risk=0.9)
    result = briefer.brief(BriefingJob(SYRIA_ARTICLE, lengths=("tldr",), mode="auto"))
    sentence = result.briefings["tldr"].sentences[0]
    assert sentence.origin == "generated", result.briefings["tldr"].rejected
    cited = [result.article_sentences[i] for i in sentence.cites]
    assert any(c.startswith("Rebels captured the city of Hama") for c in cited)
    assert any(c.startswith("Iran said it was ready") for c in cited)


def test_a_written_sentence_may_leave_out_the_day() -> None:
    """Leaving a detail out is a summary's job: the day dropped changes nothing the rest asserts."""
    written = "Rebels captured the city of Hama after several days of fighting with government forces"
    replies = {"headline": written, "exactly one sentence": written + "."}
    briefer, _ = make_briefer(reply_by_instruction(replies), risk=0.9)
    result = briefer.brief(BriefingJob(SYRIA_ARTICLE, lengths=("headline", "tldr"), mode="auto"))
    assert result.briefings["headline"].sentences[0].origin == "generated"
    assert result.briefings["tldr"].sentences[0].origin == "generated", result.briefings["tldr"].rejected


def test_a_model_that_repeats_itself_ships_the_sentence_once() -> None:
    first = SYRIA_ARTICLE.split(". ")[0] + "."
    bullets = f"- {first}\n- {first}\n- {first}"
    briefer, _ = make_briefer(reply_by_instruction({"bullet points": bullets}), risk=0.9)
    briefing = briefer.brief(BriefingJob(SYRIA_ARTICLE, lengths=("key_points",), mode="abstractive")).briefings[
        "key_points"
    ]
    assert [s.text for s in briefing.sentences] == [first]
    assert [r.reasons for r in briefing.rejected] == [["repeats a sentence already in this briefing"]] * 2


def test_a_paragraph_cut_off_mid_sentence_loses_its_fragment() -> None:
    sentences = SYRIA_ARTICLE.split(". ")
    paragraph = f"{sentences[0]}. {sentences[1]}. The rebels"  # the model ran out of tokens
    briefer, _ = make_briefer(reply_by_instruction({"one paragraph": paragraph}), risk=0.9)
    briefing = briefer.brief(BriefingJob(SYRIA_ARTICLE, lengths=("paragraph",), mode="abstractive")).briefings[
        "paragraph"
    ]
    assert "The rebels" not in [s.text.rstrip(".") for s in briefing.sentences]
    assert all(count_words(s.text) > 2 for s in briefing.sentences)
    assert briefing.sentences[0].text == sentences[0] + "."


# ---------------------------------------------------------------- sentences that stand alone
SEED = (PROJECT_ROOT.parent / "shared" / "data" / "seed-article.txt").read_text(encoding="utf-8")
# A war story whose most central sentences lean on the one before: a pronoun, a demonstrative, a
# connective, a "the following morning".
LEANING_ARTICLE = " ".join(
    [
        "Jean Moulin led the French resistance in the south of France during the war.",
        "He was captured in 1943 by the Gestapo near Lyon after a meeting of resistance leaders.",
        "It comes just one day after the resistance marked the anniversary of his capture near Lyon.",
        "This is 64 per cent more visitors than the resistance museum in Lyon had last year.",
        "The following morning, resistance veterans laid flowers at the house near Lyon.",
        "However, the resistance museum in Lyon will close for repairs in the spring.",
        "The museum in Lyon tells the story of the resistance through letters and photographs.",
        "Visitors to the museum in Lyon can read the letters of resistance leaders.",
        "The city of Lyon paid for the new rooms of the resistance museum.",
    ]
)


@pytest.mark.parametrize("mode", ["auto", "extractive"])
def test_a_headline_or_tldr_never_opens_with_a_pronoun_or_a_connective(mode: str) -> None:
    briefer, _ = make_briefer()
    result = briefer.brief(BriefingJob(LEANING_ARTICLE, mode=mode))
    for name in ("headline", "tldr"):
        (shipped,) = result.briefings[name].sentences
        assert leans_back(shipped.text) is None, (name, shipped.text)


@pytest.mark.parametrize("mode", ["auto", "extractive"])
def test_a_sentence_that_leans_back_ships_only_right_after_the_one_it_leans_on(mode: str) -> None:
    briefer, _ = make_briefer()
    result = briefer.brief(BriefingJob(LEANING_ARTICLE, mode=mode))
    leaning = 0
    for name in ("key_points", "paragraph", "brief"):
        sentences = result.briefings[name].sentences
        for k, shipped in enumerate(sentences):
            if leans_back(shipped.text) is not None:
                leaning += 1
                assert k > 0, (name, shipped.text)
                assert sentences[k - 1].cites == [shipped.cites[0] - 1], (name, shipped.text)
    assert leaning > 0  # the longer lengths still use them, after their referent


def test_a_written_tldr_that_opens_with_a_pronoun_is_refused() -> None:
    written = "It comes just one day after the resistance marked the anniversary of his capture near Lyon."
    briefer, _ = make_briefer(reply_by_instruction({"exactly one sentence": written}))
    briefing = briefer.brief(BriefingJob(LEANING_ARTICLE, lengths=("tldr",), mode="auto")).briefings["tldr"]
    assert briefing.sentences[0].text != written
    assert leans_back(briefing.sentences[0].text) is None
    assert any("opens with 'it'" in reason for r in briefing.rejected for reason in r.reasons)


FOCUS_ON_THIS_CITY = "This city holds strategic importance as it connects the capital to the Alawite stronghold"


def test_this_city_is_named_where_the_article_makes_it_unambiguous_and_the_result_is_checked() -> None:
    briefer, _ = make_briefer()
    result = briefer.brief(BriefingJob(SEED, lengths=("tldr",), mode="extractive", focus=FOCUS_ON_THIS_CITY))
    (shipped,) = result.briefings["tldr"].sentences
    assert shipped.text.startswith("The city of Homs holds strategic importance as it connects the capital")
    assert shipped.origin == "generated"  # the service's words, not the article's
    assert shipped.cites == [0, 8]  # the sentence, and the one that calls Homs a city
    assert shipped.support < 1.0  # the checker's support, not an extract's


def test_a_resolved_referent_the_checker_refuses_does_not_ship() -> None:
    briefer, _ = make_briefer(risk=0.001)  # a checker that refuses nearly every written sentence
    result = briefer.brief(BriefingJob(SEED, lengths=("tldr",), mode="extractive", focus=FOCUS_ON_THIS_CITY))
    (shipped,) = result.briefings["tldr"].sentences
    assert "Homs holds" not in shipped.text
    assert not shipped.text.startswith("This city")
    assert shipped.origin == "extracted"


# ---------------------------------------------------------------- headlines about the central event
FRIGATES_ARTICLE = " ".join(
    [
        "Decommissioned Type 22 frigates HMS Cumberland, HMS Campbeltown, HMS Chatham and HMS Cornwall are to be sold for scrap by the navy.",
        "Right after the decision was announced in parliament, campaigners said one of the ships should become a museum.",
        "The navy said the four frigates had served for more than twenty years in the Gulf and the Atlantic.",
        "The ships will be towed to a yard in Turkey, where they will be broken up over the coming year.",
        "Campaigners said HMS Cumberland, which rescued civilians from Libya, deserved a better end.",
    ]
)


@pytest.mark.parametrize("mode", ["auto", "extractive"])
def test_a_headline_has_its_main_verb_and_is_never_cut_inside_a_list(mode: str) -> None:
    from service.text.clauses import complete, cut_inside_phrase, subordinate_only

    briefer, _ = make_briefer()
    result = briefer.brief(BriefingJob(FRIGATES_ARTICLE, lengths=("headline",), mode=mode))
    (shipped,) = result.briefings["headline"].sentences
    headline = shipped.text
    assert complete(headline + ".")
    assert not subordinate_only(headline)
    assert not headline.startswith("Right after")
    assert headline != "Decommissioned Type 22 frigates HMS Cumberland"
    assert not any(cut_inside_phrase(headline, result.article_sentences[i]) for i in shipped.cites)
    assert leans_back(headline) is None


def test_the_headline_comes_from_the_central_sentence_not_merely_the_first() -> None:
    briefer, _ = make_briefer()
    article = "Listen to this article in our app for free. " + SYRIA_ARTICLE
    result = briefer.brief(BriefingJob(article, lengths=("headline",), mode="extractive"))
    (shipped,) = result.briefings["headline"].sentences
    assert shipped.cites != [0]  # the app's call to listen is no news
    assert 3 <= count_words(shipped.text) <= 14


def test_a_sentence_cut_at_a_comma_ends_with_a_plain_full_stop() -> None:
    tldr = LENGTHS["tldr"]
    assert finish(tldr, "Northward prison is considered a Category C facility,") == (
        "Northward prison is considered a Category C facility."
    )
    assert finish(tldr, "He said: “We will stay.”") == "He said: “We will stay.”"


def test_a_resolved_demonstrative_ships_once_in_a_filled_paragraph() -> None:
    # The seed article's "This city holds strategic importance" is shipped as "The city of Homs
    # holds..." by the fill itself; the prose reordering once put it in twice (251 words, over 250).
    from service.models.embedder import HFEmbedder
    from service.models.weights import embedder_folder

    embedder = HFEmbedder(str(embedder_folder()))  # the embedded default: the judge's weights fit it
    embedder.load()
    prompts = PromptBook.load(PROJECT_ROOT / "prompts", LENGTHS, STYLES)
    briefer = Briefer(ReplayGenerator(), embedder, prompts, Judge(), 5000, 30.0)
    result = briefer.brief(BriefingJob(SEED, lengths=("paragraph", "brief"), mode="extractive"))
    assert any(s.text.startswith("The city of Homs") for s in result.briefings["brief"].sentences)
    for name, briefing in result.briefings.items():
        texts = [s.text for s in briefing.sentences]
        assert len(set(texts)) == len(texts), (name, texts)
        assert briefing.within_contract, (name, briefing.violations)
