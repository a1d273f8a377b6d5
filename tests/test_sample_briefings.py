"""What a reader gets from the sample article, in every mode, is what was recorded
(tests/sample_briefings.py): code moved without changing a briefing."""

from __future__ import annotations

import json

import pytest

from tests import sample_briefings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def briefed() -> dict[str, object]:
    return sample_briefings.brief_all_modes()


def test_the_extractive_briefings_are_as_recorded(briefed: dict[str, object]) -> None:
    recorded = json.loads(sample_briefings.SNAPSHOT.read_text(encoding="utf-8"))
    assert briefed["modes"]["extractive"] == recorded["modes"]["extractive"]  # type: ignore[index]


@pytest.mark.parametrize("mode", ["auto", "abstractive"])
def test_the_generating_modes_are_as_recorded_on_the_same_arithmetic(briefed: dict[str, object], mode: str) -> None:
    recorded = json.loads(sample_briefings.SNAPSHOT.read_text(encoding="utf-8"))
    now = briefed["modes"][mode]  # type: ignore[index]
    assert not now["cut_short"], "the deadline cut the model short: nothing to compare"
    same_arithmetic = (briefed["cpu_capability"], briefed["model"]) == (recorded["cpu_capability"], recorded["model"])
    if same_arithmetic:
        assert now == recorded["modes"][mode]
    else:  # another CPU's kernels may tip a near-tie: the shape must hold all the same
        assert set(now) == set(recorded["modes"][mode])
        if mode == "auto":  # abstractive ships nothing in place of what it refuses
            assert all(length["within_contract"] for name, length in now.items() if name != "cut_short")
