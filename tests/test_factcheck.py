"""Scoped verification catches each kind of wrong fact on hand-written cases and keeps faithful
condensations; the two sentences that shipped wrongly in `auto` mode are among them."""

from __future__ import annotations

import pytest

from service.text.factcheck import scoped_reasons
from service.text.segmenter import split_sentences

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


@pytest.mark.parametrize(("kind", "sentence", "sources"), WRONG, ids=[w[0] for w in WRONG])
def test_each_kind_of_wrong_fact_is_caught_with_a_reason(kind: str, sentence: str, sources: list[str]) -> None:
    reasons = scoped_reasons(sentence, sources)
    assert reasons, f"{kind}: passed"
    assert all(isinstance(r, str) and len(r) > 10 for r in reasons)


@pytest.mark.parametrize(("kind", "sentence", "sources"), FAITHFUL, ids=[f[0] for f in FAITHFUL])
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


# Other languages: the scoped checks in the article's language (tests/test_facts.py has the articles).

DE_CRITICS = "Umweltverbände kritisierten, die Maßnahmen reichten nicht aus, um die Klimaziele zu erreichen."
DE_VOTE = "Der Bundestag soll im Oktober über das Gesetz abstimmen."
DE_COST = "Nach Angaben von Finanzminister Christian Lindner soll das Programm bis 2030 rund 12 Mrd. Euro kosten."
RU_EXPERTS = "Эксперты предупреждают, что высокая инфляция может замедлить экономический рост."
RU_BUDGET = "Правительство России в понедельник утвердило новый бюджет на 2025 год."
ES_OPPOSITION = "La oposición criticó que el plan llega tarde y no resolverá el problema de la vivienda."
FR_PLAN = "Le Premier ministre a présenté jeudi à Paris un plan de 2,5 milliards d'euros pour l'hôpital public."
AR_JOBS = "وقال رئيس الوزراء مصطفى مدبولي إن الخطة ستوفر نحو ٢٠٠ ألف فرصة عمل خلال ثلاث سنوات في المحافظات."
ZH_STATS = "国家统计局发言人表示，消费和投资保持稳定，但外部环境依然复杂。"

FAITHFUL_ELSEWHERE = [
    ("de", DE_CRITICS, [DE_CRITICS]),
    ("de", "Der Bundestag soll im Oktober abstimmen.", [DE_VOTE]),
    ("de", "Laut Finanzminister Christian Lindner soll das Programm rund 12 Mrd. Euro kosten.", [DE_COST]),
    ("ru", RU_EXPERTS, [RU_EXPERTS]),
    ("ru", "Правительство России в понедельник утвердило бюджет на 2025 год.", [RU_BUDGET]),
    ("es", ES_OPPOSITION, [ES_OPPOSITION]),
    ("fr", "Le Premier ministre a présenté jeudi un plan de 2,5 milliards d'euros pour l'hôpital public.", [FR_PLAN]),
    ("ar", "قال رئيس الوزراء مصطفى مدبولي إن الخطة ستوفر نحو ٢٠٠ ألف فرصة عمل خلال ثلاث سنوات.", [AR_JOBS]),
    ("zh", "国家统计局发言人表示，消费和投资保持稳定。", [ZH_STATS]),
]

WRONG_ELSEWHERE = [
    ("negation dropped", "de", "Umweltverbände kritisierten, die Maßnahmen reichten aus.", [DE_CRITICS], "negation"),
    ("modal dropped", "de", "Der Bundestag stimmt im Oktober über das Gesetz ab.", [DE_VOTE], "modal"),
    ("month swapped", "de", "Der Bundestag soll im November über das Gesetz abstimmen.", [DE_VOTE], "november"),
    ("number changed", "de", DE_COST.replace("12 Mrd.", "14 Mrd."), [DE_COST], "14"),
    (
        "modal dropped",
        "ru",
        "Эксперты предупреждают, что высокая инфляция замедлит экономический рост.",
        [RU_EXPERTS],
        "modal",
    ),
    ("name invented", "ru", RU_BUDGET.replace("России", "Белоруссии"), [RU_BUDGET], "белоруссии"),
    (
        "negation dropped",
        "es",
        "La oposición criticó que el plan llega tarde y resolverá el problema.",
        [ES_OPPOSITION],
        "negation",
    ),
    ("day swapped", "fr", FR_PLAN.replace("jeudi", "vendredi"), [FR_PLAN], "vendredi"),
    ("name swapped", "ar", AR_JOBS.replace("مدبولي", "نظيف"), [AR_JOBS], "نظيف"),
    ("negation added", "ar", AR_JOBS.replace("ستوفر", "لن توفر"), [AR_JOBS], "negation"),
    ("time dropped", "ru", "Правительство России утвердило новый бюджет на 2025 год.", [RU_BUDGET], "понедельник"),
    ("content invented", "zh", "国家统计局发言人表示，消费和投资大幅下降。", [ZH_STATS], "下降"),
]


@pytest.mark.parametrize(
    ("language", "sentence", "sources"), FAITHFUL_ELSEWHERE, ids=[f[0] for f in FAITHFUL_ELSEWHERE]
)
def test_faithful_sentences_pass_in_other_languages(language: str, sentence: str, sources: list[str]) -> None:
    assert scoped_reasons(sentence, sources, language=language) == []


@pytest.mark.parametrize(
    ("kind", "language", "sentence", "sources", "reason"),
    WRONG_ELSEWHERE,
    ids=[f"{w[1]}: {w[0]}" for w in WRONG_ELSEWHERE],
)
def test_wrong_facts_are_caught_in_other_languages(
    kind: str, language: str, sentence: str, sources: list[str], reason: str
) -> None:
    reasons = scoped_reasons(sentence, sources, language=language)
    assert any(reason in r for r in reasons), f"{kind}: {reasons}"


def test_negation_is_a_meaning_word_not_an_english_one() -> None:
    """Spanish "no" is a negation in Spanish, not in German; English tables stay English."""
    source = "El plan no resolverá el problema."
    assert any("negation" in r for r in scoped_reasons("El plan resolverá el problema.", [source], language="es"))
    assert not any("negation" in r for r in scoped_reasons(DE_VOTE, [DE_VOTE + " No."], language="de"))
