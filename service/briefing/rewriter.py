"""Rewrites in a style, one sentence at a time, each checked like a briefing sentence.

A rewritten sentence ships only if it keeps every number, name and quote of its original, adds none,
passes the scoped checks against its original (no negation, hedge, modal, time or connective added or
dropped, no new claim, no swapped roles: text/factcheck.py) and still says the same thing (semantic
similarity); otherwise the original sentence stands, with the reasons. A rewrite identical to its
original is reported as kept, not rewritten. ``concise`` keeps every sentence that holds a number, a
name or a quote, and the most salient of the rest up to about half the words; each is rewritten
shorter, or, where the model's rewrite fails its checks, condensed (briefing/condenser.py: clauses
deleted, the model choosing which, every number, name and quote kept).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass

from service.briefing.briefer import META_SENTENCE, clean_generation
from service.briefing.condenser import Condenser
from service.briefing.promptbook import PromptBook
from service.briefing.styles import STYLES, StyleSpec
from service.errors import InvalidInput
from service.models.embedder import Embedder
from service.models.generator import Generator, Prompt
from service.text import clauses, extractor
from service.text.claims import ClaimChecker
from service.text.extractor import Document
from service.text.facts import NOVEL_WORD_SHARE, QUOTE, SourceIndex, exact_problems, facts_dropped, names_in, numbers_in
from service.text.injection import looks_like_instruction
from service.text.language import detect as detect_language
from service.text.language import language as language_of
from service.text.language import writes as writes_language
from service.text.lexicon import content_tokens
from service.text.segmenter import split_sentences
from service.text.wordnet import WordNet
from service.text.words import count_words

MIN_SAME_MEANING = 0.7  # cosine between original and rewrite below this = meaning changed
CONCISE_SHARE = 0.5  # concise keeps about this share of the words
CONDENSE_RATIO = 0.7  # concise, where the model's rewrite fails: a deletion down to this share of words
# Findings the checks above already report in their own words (a number, name or quote added).
ALREADY_SAID = frozenset({"number_absent", "name_absent", "quote_absent", "unsourced"})
# A rewrite may lose at most this share of its sentence's content words (synonyms count as lost):
# beyond it, facts go missing that no number or name check sees.
MAX_LOST_CONTENT = {"concise": 0.7}
DEFAULT_MAX_LOST_CONTENT = 0.5
# When something happened is a fact too, even without a number or a capital letter.
TIME_WORDS = {
    "yesterday",
    "today",
    "tonight",
    "tomorrow",
    "week",
    "weekend",
    "month",
    "year",
    "decade",
    "morning",
    "afternoon",
    "evening",
    "night",
    "ago",
    "last",
    "next",
    "recently",
    "earlier",
}


@dataclass(frozen=True)
class RewriteJob:
    text: str
    style: str


@dataclass(frozen=True)
class SentenceRewrite:
    """One sentence of a rewrite: the rewrite if it passed, else the original with the reasons."""

    text: str
    source: int  # the original sentence's index
    rewritten: bool
    reasons: list[str] | None = None  # why the original stands (None when rewritten)


@dataclass
class RewriteResult:
    text: str
    style: str
    words: int
    sentences: list[SentenceRewrite]
    rewritten_sentences: int
    kept_original_sentences: int
    dropped_sentences: int  # concise: sentences left out
    cut_short: bool  # the deadline stopped generation early
    timings: dict[str, float]
    note: str | None = None  # when the style changed no sentence: why


class Rewriter:
    def __init__(
        self,
        generator: Generator,
        embedder: Embedder,
        prompts: PromptBook,
        request_timeout_s: float,
        model_languages: str = "*",
        wordnet: WordNet | None = None,
    ) -> None:
        self.generator = generator
        self.embedder = embedder
        self.prompts = prompts
        self.request_timeout_s = request_timeout_s
        self.model_languages = model_languages  # what the model writes well ("*": any)
        self.wordnet = wordnet  # a word that restates one of the original's is no new word

    def rewrite(self, request: RewriteJob) -> RewriteResult:
        started = time.perf_counter()
        style = STYLES[request.style]
        lang = language_of(detect_language(request.text))
        originals = split_sentences(request.text, language=lang.code)
        if not originals:
            raise InvalidInput("the text has no sentences with words in them", field="text")
        if not writes_language(lang.code, self.model_languages):
            return untouched(request.text, style.name, originals, lang.name, started)
        chosen = self.choose(style, originals, lang.code)
        prompts = [
            Prompt(
                user=self.prompts.render_rewrite(style.name, originals[i], lang.name),
                source=originals[i],
                task=f"rewrite:{style.name}",
                system=self.prompts.system,
                max_new_tokens=max(16, int(self.generator.count_tokens(originals[i]) * style.length_ratio) + 8),
            )
            for i in chosen
        ]
        deadline = time.monotonic() + self.request_timeout_s
        generations = self.generator.generate(prompts, deadline=deadline)
        source = SourceIndex(request.text, language=lang.code)
        condenser = Condenser(self.generator, self.prompts, lang.code)
        sentences = []
        for i, generation in zip(chosen, generations):
            rewritten = clean_generation(generation.text).replace("\n", " ").strip()
            judged = self.judge(originals[i], rewritten, i, source, style.name)
            if not judged.rewritten and not style.per_sentence:
                judged = self.condensed(condenser, originals[i], i) or judged
            sentences.append(judged)
        rewritten_count = sum(1 for s in sentences if s.rewritten)
        text = " ".join(s.text for s in sentences)
        return RewriteResult(
            text=text,
            style=style.name,
            words=count_words(text),
            sentences=sentences,
            rewritten_sentences=rewritten_count,
            kept_original_sentences=len(sentences) - rewritten_count,
            dropped_sentences=len(originals) - len(chosen),
            cut_short=any(g.cut_by_deadline for g in generations),
            timings={"total_s": round(time.perf_counter() - started, 4)},
            note=None if rewritten_count else unchanged_note(sentences),
        )

    def condensed(self, condenser: Condenser, original: str, index: int) -> SentenceRewrite | None:
        """``original`` shortened by deletion with every number, name and quote kept, or None."""
        words = count_words(original)
        target = max(clauses.MIN_WORDS, int(words * CONDENSE_RATIO))
        versions = [
            v for v in condenser.versions(original, words - 1) if not facts_dropped(original, v, condenser.language)
        ]
        if not versions:
            return None
        short = [v for v in versions if count_words(v) <= target] or versions[-1:]
        return SentenceRewrite(condenser.preferred(original, short), index, rewritten=True)

    def choose(self, style: StyleSpec, originals: list[str], language: str = "en") -> list[int]:
        """Which sentences to rewrite, in order: all; or for ``concise`` every sentence that holds a
        number, a name or a quote, and the most salient of the rest within about half the words."""
        if style.per_sentence:
            return list(range(len(originals)))
        factual = [i for i, s in enumerate(originals) if holds_facts(s)]
        doc = Document.build(originals, self.embedder.encode(originals), language)
        budget = int(sum(count_words(s) for s in originals) * CONCISE_SHARE)
        budget -= sum(count_words(originals[i]) for i in factual)
        chosen = set(factual) | set(extractor.select(doc, max_words=budget) if budget > 0 else [])
        return sorted(chosen or {0})

    def judge(
        self, original: str, candidate: str, index: int, source: SourceIndex, style: str = "paraphrase"
    ) -> SentenceRewrite:
        reasons: list[str] = []
        if not candidate:
            reasons.append("empty rewrite")
        elif _same_text(candidate, original):
            reasons.append("unchanged: the model gave the sentence back as it was")
        else:
            language = source.language
            dropped = facts_dropped(original, candidate, language)
            dropped += sorted(w for w in _words(original) & TIME_WORDS if w not in _words(candidate))
            kept_words = content_tokens(original, language)
            lost = kept_words - content_tokens(candidate, language)
            if kept_words and len(lost) / len(kept_words) > MAX_LOST_CONTENT.get(style, DEFAULT_MAX_LOST_CONTENT):
                reasons.append(f"lost {len(lost)} of {len(kept_words)} content words")
            numbers, names, quotes = exact_problems(candidate, source)
            if looks_like_instruction(candidate) and not looks_like_instruction(original):
                reasons.append("reads like an instruction or markup")
            if META_SENTENCE.match(candidate):
                reasons.append("talks about the text instead of rewriting it")
            # The claim checks briefings use, against the one sentence rewritten: a flipped negation,
            # a possibility stated as a fact, swapped roles, a word neither used nor restated there.
            reading = ClaimChecker(SourceIndex(original, [original], language), self.wordnet).read(candidate, [0])
            if reading.novel and len(reading.novel) > NOVEL_WORD_SHARE * reading.content:
                reasons.append(f"words the text never uses nor restates: {', '.join(reading.novel)}")
            reasons += [f"dropped {d!r}" for d in dropped]
            reasons += [f"added {a!r}" for a in numbers + names + quotes]
            reasons += [f.describe() for f in reading.findings if f.veto and f.kind not in ALREADY_SAID]
            if not reasons:
                a, b = self.embedder.encode([original, candidate])
                if float(a @ b) < MIN_SAME_MEANING:
                    reasons.append(f"meaning changed (similarity {float(a @ b):.2f})")
        if reasons:
            return SentenceRewrite(original, index, rewritten=False, reasons=reasons)
        return SentenceRewrite(candidate, index, rewritten=True)


def holds_facts(sentence: str) -> bool:
    """Whether a sentence holds a number, a name or a quote (``concise`` never drops one that does)."""
    return bool(numbers_in(sentence) or names_in(sentence) or QUOTE.search(sentence))


def untouched(text: str, style: str, originals: list[str], language: str, started: float) -> RewriteResult:
    """Every sentence as it stands, when the model does not write the text's language (its
    rewrite would be English or garble): said in ``note``, not hidden."""
    reason = [f"language: the model does not write {language}"]
    sentences = [SentenceRewrite(s, i, rewritten=False, reasons=reason) for i, s in enumerate(originals)]
    return RewriteResult(
        text=" ".join(originals),
        style=style,
        words=count_words(text),
        sentences=sentences,
        rewritten_sentences=0,
        kept_original_sentences=len(sentences),
        dropped_sentences=0,
        cut_short=False,
        timings={"total_s": round(time.perf_counter() - started, 4)},
        note=f"no sentence changed: the model does not write {language} well, so the text stands as it is",
    )


def unchanged_note(sentences: list[SentenceRewrite]) -> str:
    """Why a style changed nothing, from its sentences' reasons: the most common one first."""
    reasons = Counter(r.split(":")[0] for s in sentences for r in (s.reasons or [])[:1])
    common = ", ".join(f"{reason} ({n})" for reason, n in reasons.most_common(3))
    return f"no sentence changed: every rewrite failed its checks or came back unchanged; {common}"


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).rstrip(".").lower() == " ".join(b.split()).rstrip(".").lower()


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))
