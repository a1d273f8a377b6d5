"""Condensing: an article sentence made shorter by deleting clause-level units, the model choosing which.

A 135M model asked to shorten a sentence freely copies it, drops "On Thursday" or invents a claim
(measured in the issue that asked for this). Here it never writes a word: text/clauses.py lists the
complete sentences a deletion can make, the scoped checks (text/factcheck.py) refuse any that drops
a negation, hedge, modal or time from what it keeps, and the model scores the rest as answers to
"shorten this sentence" (``Generator.score``: mean log-probability per token). Every word shipped is
the source's, in its order, so a condensed sentence cites exactly one source by construction.

One :class:`Condenser` serves one request: it remembers each sentence's versions and scores, so five
lengths that pick the same sentence cost one forward pass.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence

from service.briefing.promptbook import PromptBook
from service.models.generator import Generator, Prompt
from service.text import clauses
from service.text.factcheck import scoped_reasons
from service.text.words import count_words

_NUMBER = re.compile(r"\d")
# The model only scores versions made of the sentence's own words, so the long system prompt of free
# writing (no outside knowledge, keep every name...) has nothing to guard here; a short one halves
# the tokens each sentence's scoring reads (bench/speed: condense_s).
CONDENSE_SYSTEM = "You are a careful news editor."


class Condenser:
    def __init__(self, generator: Generator, prompts: PromptBook, language: str = "en") -> None:
        self.generator = generator
        self.prompts = prompts
        self.language = language  # clause deletions follow English syntax: other languages keep whole sentences
        self._versions: dict[str, list[str]] = {}
        self._scores: dict[tuple[str, str], float] = {}
        self.seconds = 0.0  # spent asking the model, for the response's timings
        self.scored = 0  # versions the model scored

    def versions(
        self,
        sentence: str,
        max_words: int,
        may_drop: Sequence[str] = (),
        standalone: Callable[[str], bool] | None = None,
    ) -> list[str]:
        """The sentence (if it fits) and every complete deletion of it within ``max_words`` that
        passes the scoped checks against it; the sentence first, the rest shortest first.
        ``standalone``: what the sentence itself must also pass to be offered whole (a headline, a
        TL;DR, a key point stands alone, so no caption such as "Foul by Sean Murray"; a paragraph's
        sentences have their neighbours)."""
        if sentence not in self._versions:
            self._versions[sentence] = clauses.deletions(sentence) if self.language == "en" else [sentence]
        return [
            v
            for v in self._versions[sentence]
            if count_words(v) <= max_words
            and (v != sentence or standalone is None or standalone(v))
            and (v == sentence or not scoped_reasons(v, [sentence], may_drop, self.language))
        ]

    def fullest(
        self,
        sentence: str,
        max_words: int,
        may_drop: Sequence[str] = (),
        standalone: Callable[[str], bool] | None = None,
    ) -> str | None:
        """Without the model: the sentence if it fits, else its longest faithful deletion that does."""
        fitting = self.versions(sentence, max_words, may_drop, standalone)
        if not fitting:
            return None
        return fitting[0] if fitting[0] == sentence else fitting[-1]

    def phrase_cut(self, sentence: str, max_words: int, may_drop: Sequence[str] = ()) -> str | None:
        """The last resort of a headline: the longest faithful cut before a trailing phrase that fits.
        Never one that keeps a number: the phrase cut may be its scope ("8.7 percent of sequences
        reported [from South America]"), and a figure without its scope is a wrong fact."""
        for version in clauses.phrase_cuts(sentence) if self.language == "en" else []:
            if count_words(version) > max_words or _NUMBER.search(version):
                continue
            if not scoped_reasons(version, [sentence], may_drop, self.language):
                return version
        return None

    def main_clause(self, sentence: str, max_words: int, may_drop: Sequence[str] = ()) -> str | None:
        """A headline's version of a sentence too long for one: the longest cut before a trailing
        phrase of the sentence or of one of its clause deletions (its leading adverbial and asides
        gone), within ``max_words``, that passes the scoped checks against the sentence itself. No
        number, as in :meth:`phrase_cut`. Lets the sentence the article is about make the headline
        instead of a side sentence that happens to be short."""
        if self.language != "en":
            return None
        if sentence not in self._versions:
            self._versions[sentence] = clauses.deletions(sentence)
        best: str | None = None
        for base in self._versions[sentence]:
            for version in clauses.phrase_cuts(base):
                words = count_words(version)
                if words > max_words or _NUMBER.search(version) or (best and words <= count_words(best)):
                    continue
                if not scoped_reasons(version, [sentence], may_drop, self.language):
                    best = version
                    break
        return best

    def condense(
        self,
        sentence: str,
        target_words: int,
        max_words: int,
        may_drop: Sequence[str] = (),
        standalone: Callable[[str], bool] | None = None,
    ) -> str | None:
        """The version the model prefers among those within ``target_words`` (the shortest within
        ``max_words`` when none is), or None when no complete version fits."""
        fitting = self.versions(sentence, max_words, may_drop, standalone)
        if not fitting:
            return None
        short = [v for v in fitting if count_words(v) <= target_words] or [min(fitting, key=count_words)]
        return self.preferred(sentence, short)

    def preferred(self, sentence: str, versions: Sequence[str]) -> str:
        """The version of ``sentence`` the model scores highest; a lone version without asking it."""
        if len(versions) == 1:
            return versions[0]
        return max(versions, key=lambda v: self.score(sentence, v))

    def score(self, sentence: str, version: str) -> float:
        """The model's score of one version; all of the sentence's versions are scored together the
        first time one is asked for (one batched forward pass), then remembered."""
        if (sentence, version) not in self._scores:
            prompt = Prompt(
                user=self.prompts.render_condense(sentence),
                source=sentence,
                task="summarize",
                system=CONDENSE_SYSTEM,
            )
            versions = self._versions[sentence]
            started = time.perf_counter()
            for v, value in zip(versions, self.generator.score(prompt, versions)):
                self._scores[(sentence, v)] = value
            self.seconds += time.perf_counter() - started
            self.scored += len(versions)
        return self._scores[(sentence, version)]
