"""WordNet read in place: restatements a checker may accept, and a clean fallback without the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import Settings
from service.text.wordnet import open_wordnet

WORDNET = open_wordnet(Settings().wordnet_dir)
needs_wordnet = pytest.mark.skipif(WORDNET is None, reason="WordNet is not installed (apt-get install wordnet-base)")


def test_no_database_means_no_wordnet_rather_than_an_error(tmp_path: Path) -> None:
    assert open_wordnet(str(tmp_path / "absent")) is None
    (tmp_path / "partial").mkdir()
    (tmp_path / "partial" / "index.noun").write_text("", encoding="utf-8")
    assert open_wordnet(str(tmp_path / "partial")) is None


@needs_wordnet
def test_synonyms_and_inflections_restate_each_other() -> None:
    assert WORDNET is not None
    assert "hinder" in WORDNET.restatements("impede")
    assert "impede" in WORDNET.restatements("hindered")  # an inflection is read back to its lemma
    assert "purchase" in WORDNET.equivalents("buy")


@needs_wordnet
def test_unrelated_and_opposite_words_do_not() -> None:
    assert WORDNET is not None
    assert "help" not in WORDNET.restatements("impede")
    assert "sell" not in WORDNET.restatements("buy")
    assert "increase" not in WORDNET.restatements("decrease")
    assert WORDNET.restatements("qwxzv") <= {"qwxzv"}
