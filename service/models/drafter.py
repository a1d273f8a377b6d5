"""Draft tokens for speculative decoding, copied from a row's own text (prompt lookup).

Why: a briefing copies much of its wording from the article, and a small model repeats itself.
When a row's last few tokens occurred earlier in its prompt or in what it has written, the tokens
that followed there are a good guess at what comes next. The model checks a row's last token and
its guesses in one pass (on CPU, a pass over four tokens costs about what a pass over one does)
and keeps the guesses up to the first one it would not have chosen itself, plus its own token
there: the text is the greedy text, only fewer passes are needed.
"""

from __future__ import annotations

LONGEST_MATCH = 3  # tokens matched at most; longer matches are tried first (they guess better)
# Tokens matched at least: after one common token ("the", ",") the guess is mostly wrong, and a
# pass with drafts costs a lone row ~20% more than one without (bench/speed: fewer drafts, more
# kept, the sample article's set 6.0 -> 5.6 s).
SHORTEST_MATCH = 2


class PromptLookup:
    """One row's text (token ids) and where each of its short n-grams last occurred."""

    def __init__(self, ids: list[int], longest: int = LONGEST_MATCH, shortest: int = SHORTEST_MATCH) -> None:
        self.ids: list[int] = []
        self.longest, self.shortest = longest, shortest
        self.follows: dict[
            tuple[int, ...], int
        ] = {}  # n-gram -> index of the token after its latest earlier occurrence
        self.extend(ids)

    def extend(self, tokens: list[int]) -> None:
        """Append tokens; the n-grams that ended at the old last token become earlier occurrences."""
        ids, longest = self.ids, self.longest
        for token in tokens:
            end = len(ids)
            for n in range(self.shortest, min(longest, end) + 1):
                self.follows[tuple(ids[end - n : end])] = end
            ids.append(token)

    def propose(self, most: int) -> list[int]:
        """Up to ``most`` tokens that followed the longest earlier occurrence of the text's tail."""
        if most <= 0:
            return []
        ids = self.ids
        for n in range(min(self.longest, len(ids)), self.shortest - 1, -1):
            start = self.follows.get(tuple(ids[-n:]))
            if start is not None:
                return ids[start : start + most]
        return []
