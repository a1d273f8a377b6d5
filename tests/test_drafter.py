"""Prompt lookup: draft tokens copied from where a row's last words occurred before."""

from __future__ import annotations

from service.models.drafter import PromptLookup
from service.models.huggingface import _accepted, _draft


def test_proposes_what_followed_the_latest_earlier_occurrence() -> None:
    lookup = PromptLookup([5, 6, 7, 8, 9, 5, 6, 7, 1, 2, 3, 5, 6, 7])
    assert lookup.propose(3) == [1, 2, 3]  # "5 6 7" last occurred before "1 2 3"
    assert lookup.propose(1) == [1]
    assert lookup.propose(0) == []


def test_a_longer_match_wins_over_a_more_recent_shorter_one() -> None:
    lookup = PromptLookup([1, 2, 3, 40, 41, 9, 3, 50, 51, 1, 2, 3])
    assert lookup.propose(2) == [40, 41]  # "1 2 3" matched, not the later "3" alone (-> 50 51)
    assert PromptLookup([9, 3, 50, 51, 9, 3]).propose(2) == [50, 51]  # two tokens match
    assert PromptLookup([9, 3, 50, 51, 7, 3]).propose(2) == []  # one common token is too weak a match
    assert PromptLookup([9, 3, 50, 51, 7, 3], shortest=1).propose(2) == [50, 51]


def test_no_earlier_occurrence_no_draft() -> None:
    assert PromptLookup([1, 2, 3, 4]).propose(3) == []
    assert PromptLookup([]).propose(3) == []


def test_what_the_row_writes_becomes_text_to_copy_from() -> None:
    lookup = PromptLookup([10, 11, 12])
    lookup.extend([20, 21, 22, 23, 20, 21])
    assert lookup.propose(4) == [22, 23, 20, 21]  # a model repeating itself is drafted ahead
    lookup.extend([30])
    assert lookup.propose(4) == []  # "20 21 30" and "21 30" are new


def test_drafts_are_kept_up_to_the_first_token_the_model_would_not_choose() -> None:
    assert _accepted([7, 8, 9], [7, 8, 4, 5]) == [7, 8, 4]  # two kept, then the model's own token
    assert _accepted([7, 8, 9], [7, 8, 9, 5]) == [7, 8, 9, 5]  # all kept, plus one more
    assert _accepted([7], [6, 0]) == [6]  # none kept: one token, as without drafts
    assert _accepted([], [3]) == [3]


def test_drafts_fill_the_pass_up_to_a_block_of_four_tokens() -> None:
    lookups = [PromptLookup([1, 2, 3, 4, 1, 2]), PromptLookup([5, 6, 7, 5, 6]), PromptLookup([8, 9])]
    assert _draft(lookups, [0], [10], 3) == [[3, 4, 1]]  # one row: three drafts
    assert _draft(lookups, [0, 1], [10, 10], 3) == [[3], [7]]  # two rows: one each
    assert _draft(lookups, [0, 1, 2], [10, 10, 10], 3) == [[3], [], []]  # three rows: one spare
    assert _draft(lookups, [0, 2], [10, 10], 3) == [[3, 4], []]  # a row with nothing to copy leaves its share
    assert _draft(lookups, [0], [1], 3) == [[3]]  # never past the row's token budget
    assert _draft(lookups, [0], [10], 0) == [[]]  # drafts off
    assert _draft(lookups * 2, [0, 1, 2, 0], [10] * 4, 3) == [[], [], [], []]  # four rows fill a block already
