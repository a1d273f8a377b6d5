"""The exact checks: numbers, names, quotes and dates must come from the source."""

import numpy as np

from service.text.verifier import SourceIndex, check, exact_problems, facts_dropped, numbers_in

SOURCE = SourceIndex(
    "President Bashar al-Assad lost Aleppo, home to 2 million people, on Thursday. "
    "Some 280,000 people have fled, the UN said. Jawlani told residents \u201cyour time has come.\u201d "
    "The offensive began on 27 November 2024 and cost $3.5m."
)


def test_number_normalisation() -> None:
    assert numbers_in("280,000 and 280 000 and 280000") == {"280000"}
    assert numbers_in("two million, 3.50 and 07") == {"2", "3.5", "7"}


def test_numbers_must_appear_in_source() -> None:
    assert exact_problems("About 280 000 people fled.", SOURCE)[0] == []
    assert exact_problems("Aleppo has two million people.", SOURCE)[0] == []
    assert exact_problems("About 300,000 people fled.", SOURCE)[0] == ["300000"]
    assert exact_problems("It cost $3.5m.", SOURCE)[0] == []
    assert exact_problems("It cost $4.5m.", SOURCE)[0] == ["4.5"]


def test_dates_must_appear_in_source() -> None:
    assert exact_problems("The offensive began on 27 November 2024.", SOURCE) == ([], [], [])
    numbers, names, _ = exact_problems("The offensive began on 28 October 2023.", SOURCE)
    assert numbers == ["2023", "28"] and names == ["october"]
    assert exact_problems("Aleppo fell on Friday.", SOURCE)[1] == ["friday"]


def test_partial_names_match_and_invented_names_fail() -> None:
    assert exact_problems("Assad lost Aleppo.", SOURCE)[1] == []
    assert exact_problems("Bashar al-Assad's forces lost Aleppo.", SOURCE)[1] == []
    assert "libyan" in exact_problems("Libyan-backed militias took Aleppo.", SOURCE)[1]
    assert exact_problems("The Islamic State took Aleppo.", SOURCE)[1] == ["islamic", "state"]


def test_sentence_initial_function_words_are_not_names() -> None:
    assert exact_problems("However, the UN said people have fled.", SOURCE) == ([], [], [])


def test_quotes_must_be_verbatim() -> None:
    assert exact_problems('Jawlani said "your time has come".', SOURCE)[2] == []
    assert exact_problems('Jawlani said "your hour has come".', SOURCE)[2] == ["your hour has come"]


def test_rewrite_dropping_a_fact_is_detected() -> None:
    original = "Some 280,000 people have fled Aleppo, the UN said."
    assert facts_dropped(original, "The UN said about 280 000 people fled Aleppo.") == []
    assert facts_dropped(original, "Many people have fled Aleppo, the UN said.") == ["280000"]
    assert facts_dropped(original, "Some 280,000 people have fled, officials said.") == ["aleppo", "un"]


def test_support_score_and_citations() -> None:
    source = SourceIndex(
        "Rebels took Hama. Rain fell in Paris. Rebels advanced on Homs.",
        ["Rebels took Hama.", "Rain fell in Paris.", "Rebels advanced on Homs."],
    )
    vectors = np.eye(3, dtype=np.float32)
    supported = check("Rebels took Hama.", vectors[0], source, vectors)
    assert supported.cites == [0] and supported.support > 0.9 and supported.exact_ok
    unsupported = check("Rebels took Damascus.", vectors[0] * 0.3 + vectors[1] * 0.2, source, vectors)
    assert unsupported.support < supported.support and not unsupported.exact_ok


def test_invented_verbs_fail_even_when_every_name_is_supported() -> None:
    source = SourceIndex("The city council of Springfield voted on Tuesday. Mayor Ann Lee said the library will open.")
    vector = np.ones(1, dtype=np.float32)
    invented = check(
        "The Mayor of Springfield has resigned from the City Council.",
        vector,
        source,
        np.ones((1, 1), dtype=np.float32),
    )
    assert invented.novel_words == ["resign"] and not invented.exact_ok
    faithful = check(
        "Mayor Ann Lee said the Springfield library will open.", vector, source, np.ones((1, 1), dtype=np.float32)
    )
    assert faithful.novel_words == [] and faithful.exact_ok
