"""Claims: what each clause of a written sentence asserts, held against the source span it restates.

A sentence a model writes (or any summary sent to /v1/check) may merge, reorder and paraphrase its
sources; leaving a detail out is a summary's job. What it may not do is state something its sources
do not. So the sentence is cut into clauses, each clause is aligned to the span of its sources that
it restates (the source clause, or two adjacent ones, sharing most of its content words, synonyms
counted), and what the clause asserts must hold there:

* its polarity: a negation in the clause and none in its span, or the reverse, flips the claim (a
  "not" somewhere else in the sources does not count);
* its certainty: a modal ("may", "could") or a report hedge ("allegedly") the span has and the
  clause drops, or one the clause adds;
* who did what to whom: two names around the same verb in the other order ("Chelsea beat Arsenal"
  for "Arsenal beat Chelsea"); a name the span's sentence does not mention (taken from another event
  of the article); a pronoun whose antecedent in the written text is not the entity the source means;
* circumstances: a number, time or name the article never states; a number whose unit (what it
  counts) differs; a time taken from another event;
* connectives: a cause, sequence or contrast the sources do not state between the two spans;
* content words the sources never use, unless a word of the sources restates them (WordNet:
  synonyms, derivations, broader terms).

Each problem is a :class:`Finding` with the words concerned; the ones that state a wrong fact outright
are vetoes (``FINDINGS``), the rest are signals weighed with the others (service/text/judge.py).
Omissions are not findings: a time, a connective or a quantity hedge left out is a shorter summary,
not a false one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from service.text.alignment import lcs_pairs
from service.text.facts import SourceIndex, names_in, numbers_in
from service.text.language import DEFAULT_LANGUAGE
from service.text.lexicon import NUMBER_WORDS, Lexicon, lexicon, phrase_spans, phrases
from service.text.wordnet import WordNet


@dataclass(frozen=True)
class FindingKind:
    message: str  # "{words}" is filled in
    veto: bool  # states a wrong or unsourced fact outright: refused whatever else the sentence has


FINDINGS: dict[str, FindingKind] = {
    "number_absent": FindingKind("the number {words} is in no sentence of the article", True),
    "name_absent": FindingKind("the name '{words}' is in no sentence of the article", True),
    "time_absent": FindingKind("the time '{words}' is in no sentence of the article", True),
    "quote_absent": FindingKind("the quote “{words}” is not in the article", True),
    "negation": FindingKind("{words} the negation of the source clause it restates", True),
    "certainty_dropped": FindingKind("drops the '{words}' that qualifies the source clause it restates", True),
    "roles_swapped": FindingKind("swaps who did what: {words}", True),
    "pronoun": FindingKind("'{words}'", True),
    "cause_added": FindingKind("states a cause ('{words}') its sources do not", True),
    "sequence_added": FindingKind("states an order of events ('{words}') its sources do not", True),
    "sequence_turned": FindingKind("says '{words}' its sources give the other way round", True),
    "cause_turned": FindingKind("says '{words}' where its sources state a cause", True),
    "qualifier_changed": FindingKind("says {words}", True),
    "unit_changed": FindingKind("counts something else: {words}", True),
    "time_changed": FindingKind("says '{words}' where the source clause it restates gives another time", True),
    "certainty_added": FindingKind("adds '{words}', which the source clause does not have", False),
    "number_moved": FindingKind("the number {words} belongs to another sentence of the article", False),
    "name_moved": FindingKind("'{words}' is not in the source sentence this clause restates", False),
    "name_changed": FindingKind("puts '{words}' where its source clause has someone or something else", True),
    "number_changed": FindingKind("puts {words} where its source clause has another figure", False),
    "time_moved": FindingKind("the time '{words}' belongs to another sentence of the article", False),
    "novel_words": FindingKind("words its sources never use nor restate: {words}", False),
    "unsourced": FindingKind("most of what it says is in no sentence of the article: {words}", True),
}
# Modals and hedges whose loss turns a possibility or a report into a fact ("could face" -> "faces",
# "allegedly stole" -> "stole"). Quantity hedges ("about", "more than") are rounding, not this.
# "would" and "will" are tense in narrative ("he would spend 100 days" -> "he spent"), not this.
CERTAINTY = frozenset(
    "may might could reportedly allegedly possibly probably likely apparently supposedly purportedly".split()
)
SCOPE = 4  # words after a negation or modal that it governs
# Connectives by what they assert between two events.
CONNECTIVES: dict[str, str] = {
    **dict.fromkeys("because since therefore thus hence consequently so due".split(), "cause"),
    **dict.fromkeys("after before following then until later afterwards".split(), "sequence"),
    **dict.fromkeys("although though despite but however whereas yet".split(), "contrast"),
}
# Connectives of several words, by the word that stands for them in CONNECTIVES.
CONNECTIVE_PHRASES = {"therefore": ["as", "a", "result"], "consequently": ["as", "a", "consequence"]}
# Which way a sequence word orders two events: "after" and "before" say opposite things, so the
# sources must say it the same way round (a faithful "B before A" for the article's "A after B" is
# refused with them: rare in summaries, and the audit's "after" -> "before" is the common error).
# "then" and "later" are left out: summaries add them to narrate the article's own order.
SEQUENCE_WAY: dict[str, str] = {
    **dict.fromkeys("after following afterwards".split(), "after"),
    **dict.fromkeys("before until prior".split(), "before"),
}
# A contrast word may join two facts ("but"), but not replace the cause its sources state.
CAUSE_TO_CONTRAST = frozenset("although though despite whereas yet".split())
# Pronouns that point at one person ("they" and "it" point at too many things to check).
PERSONAL = frozenset({"he", "she", "him", "her", "his"})
# Where a clause ends inside a written sentence: punctuation, or before a word opening a new clause.
_CLAUSE_WORD = re.compile(
    r"\s+(?=(?:and|but|while|whereas|because|although|though|after|before|since|when|which|who|whose|where|as|so|"
    r"despite|following|until|unless|if|then)\b)",
    re.I,
)
_PUNCTUATION = re.compile(r"\s*(?:[;:()\[\]—–]|,(?!\d)|(?<!\d),)\s*|\s+-\s+")  # "12,000" is one number
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ONLY_NAMES = re.compile(r"^(?:(?:and|or|&)\s+)?(?:[A-Z][\w’'.\-]*\s*)+$")
MIN_RESTATED_SHARE = 0.5  # a clause aligns to a span only if it shares this much of its content
# Half or more of a sentence's content words in no article sentence, nor restated there: it says
# what the article does not (measured: 1% of faithful CNN/DM summary sentences, 7% of XSum's).
UNSOURCED_SHARE = 0.5


@dataclass(frozen=True)
class Finding:
    kind: str
    words: str
    clause: int = 0  # which clause of the sentence

    @property
    def veto(self) -> bool:
        return FINDINGS[self.kind].veto

    def describe(self) -> str:
        return FINDINGS[self.kind].message.format(words=self.words)


@dataclass(frozen=True)
class Clause:
    """A stretch of a sentence, read once: its text, words, stems, keys and content stems."""

    text: str
    tokens: list[str]
    stems: list[str]
    keys: list[str]
    content: list[str]  # content stems, in order

    @classmethod
    def read(cls, text: str, lex: Lexicon) -> Clause:
        tokens, stems = lex.read(text)
        keys = lex.keys(tokens, stems)
        content = [st for t, st, k in zip(tokens, stems, keys) if lex.carries_content(t, k) and not t.isdigit()]
        return cls(text, tokens, stems, keys, content)

    def kinds(self, kind: str, lex: Lexicon) -> list[str]:
        return [phrase for _, phrase in phrases(self.keys, kind, lex)]


@functools.lru_cache(maxsize=4096)
def clause_texts(sentence: str) -> tuple[str, ...]:
    """A sentence cut into clauses: at punctuation that sets a clause off, and before a word that
    opens one ("and", "because", "which"...). Pieces without a word are dropped."""
    pieces: list[str] = []
    for chunk in _PUNCTUATION.split(sentence):
        pieces += [p.strip() for p in _CLAUSE_WORD.split(chunk)]
    return tuple(p for p in pieces if _WORD.search(p))


def read_clauses(sentence: str, lex: Lexicon) -> list[Clause]:
    """The sentence's clauses, read. A piece that asserts nothing of its own (only names, or only a
    time: an item of a list of names, "Last week,") joins the piece after it, so a list stays with
    its verb and a time with its event."""
    clauses: list[Clause] = []
    carry = ""
    for piece in clause_texts(sentence):
        text = f"{carry} {piece}".strip()
        clause = Clause.read(text, lex)
        plain = [t for t, st in zip(clause.tokens, clause.stems) if st in clause.content and t not in lex.time_words]
        if _ONLY_NAMES.match(piece) or not plain:
            carry = text
            continue
        clauses.append(clause)
        carry = ""
    if carry:
        if clauses:
            clauses[-1] = Clause.read(f"{clauses[-1].text} {carry}", lex)
        else:
            clauses.append(Clause.read(carry, lex))
    return clauses


@dataclass(frozen=True)
class Span:
    """The stretch of one source sentence a clause restates: source position, clause range."""

    source: int
    first: int
    last: int
    shared: int  # content stems in common


@dataclass
class SourceView:
    """The sources of a written sentence (indices into the article), cut into clauses."""

    ids: list[int]
    sentences: list[str]
    clauses: list[list[Clause]]
    lex: Lexicon

    @classmethod
    def of(cls, ids: Sequence[int], article: SourceIndex, lex: Lexicon) -> SourceView:
        sentences = [article.sentences[i] for i in ids]
        return cls(list(ids), sentences, [read_clauses(s, lex) or [Clause.read(s, lex)] for s in sentences], lex)

    def window(self, span: Span) -> Clause:
        parts = self.clauses[span.source][span.first : span.last + 1]
        return Clause(
            " ".join(p.text for p in parts),
            [t for p in parts for t in p.tokens],
            [s for p in parts for s in p.stems],
            [k for p in parts for k in p.keys],
            [c for p in parts for c in p.content],
        )


@dataclass
class Reading:
    """What the checks found in one written sentence, clause by clause."""

    findings: list[Finding] = field(default_factory=list)
    spans: list[Span | None] = field(default_factory=list)  # per clause: the span it restates
    aligned: list[tuple[str, int, str]] = field(default_factory=list)  # (clause, article sentence, its span's text)
    novel: list[str] = field(default_factory=list)  # content words neither in the sources nor restated there
    novel_in_article: list[str] = field(default_factory=list)  # ... nor anywhere in the article
    content: int = 0  # content words of the sentence

    @property
    def vetoed(self) -> bool:
        return any(f.veto for f in self.findings)


def restates(word: str, sources: set[str], wordnet: WordNet | None) -> bool:
    """Whether one of ``sources`` (source words, folded) says ``word`` in other words: a synonym, a
    derivation, or a narrower term ``word`` generalises."""
    if wordnet is None or not word.isalpha():
        return False
    same = wordnet.equivalents(word)
    return any(s in same or word in wordnet.restatements(s) for s in sources)


def _align(clause: Clause, view: SourceView, restated: set[str]) -> Span | None:
    """The source span (one clause, or two adjacent ones) sharing most of ``clause``'s content."""
    wanted = set(clause.content)
    if not wanted:
        return None
    best: Span | None = None
    for s, parts in enumerate(view.clauses):
        for first in range(len(parts)):
            for last in (first, first + 1):
                if last >= len(parts):
                    continue
                have = set(parts[first].content) | set(parts[last].content)
                shared = len(wanted & have) + 0.5 * len(restated & wanted - have)
                if best is None or shared > best.shared or (shared == best.shared and last == first):
                    best = Span(s, first, last, int(shared))
    if best is None or best.shared < MIN_RESTATED_SHARE * len(wanted) or best.shared == 0:
        return None
    return best


class ClaimChecker:
    """Checks the clauses of written sentences against their sources, in one article's language."""

    def __init__(self, article: SourceIndex, wordnet: WordNet | None = None) -> None:
        self.article = article
        self.lex = lexicon(article.language)
        self.wordnet = wordnet if self.lex.english else None
        self.english = self.lex.english
        self._article_names = {root for s in article.sentences for root in names_in(s, article.language)}
        # Each run of capitalised words in the article ("Manchester City", "Joe Hart"), as name stems:
        # a written name may complete one whose other part its source has.
        self._name_runs = [
            set(names_in(run, article.language))
            for s in article.sentences
            for run in re.findall(r"\b[A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+)*", s)
        ]
        self._article_keys = " ".join(Clause.read(article.text, self.lex).keys)

    def read(self, sentence: str, source_ids: Sequence[int], before: Sequence[str] = ()) -> Reading:
        """The findings of ``sentence`` against the article sentences ``source_ids``; ``before``:
        the written sentences that precede it (a pronoun may point into them)."""
        lex = self.lex
        view = SourceView.of(source_ids, self.article, lex)
        source_text = " ".join(view.sentences)
        source_words = {t for parts in view.clauses for c in parts for t in c.tokens}
        source_stems = {st for parts in view.clauses for c in parts for st in c.stems}
        clauses = read_clauses(sentence, lex) or [Clause.read(sentence, lex)]
        reading = Reading()
        restated: set[str] = set()
        for clause in clauses:
            for token, st in zip(clause.tokens, clause.stems):
                if st in clause.content and st not in source_stems and token not in lex.time_words:
                    if restates(token, source_words, self.wordnet):
                        restated.add(st)
                    elif token not in reading.novel:
                        reading.novel.append(token)
            reading.content += len(clause.content)
        reading.novel_in_article = [w for w in reading.novel if not self._in_article(w)]
        if reading.novel:
            reading.findings.append(Finding("novel_words", ", ".join(reading.novel[:6])))
        if reading.content and len(reading.novel_in_article) >= UNSOURCED_SHARE * reading.content:
            reading.findings.append(Finding("unsourced", ", ".join(reading.novel_in_article[:6])))
        reading.findings += self._exact(sentence, source_text)
        context = " ".join(before)
        whole_written = Clause.read(sentence, lex)
        for k, clause in enumerate(clauses):
            span = _align(clause, view, restated)
            reading.spans.append(span)
            if k and self.english:  # a cause stated by a clause that restates nothing ("; as a result,")
                reading.findings += self._connective(clause, k, clauses, reading.spans, view)
            if span is None:
                continue
            window = view.window(span)
            whole = view.sentences[span.source]
            reading.aligned.append((clause.text, view.ids[span.source], window.text))
            reading.findings += [
                Finding(f.kind, f.words, k)
                for f in (
                    self._polarity(clause, window)
                    + self._certainty(clause, window, whole_written)
                    + self._moved(clause, window, whole, view.ids[span.source], view)
                    + (self._roles(clause, window) if self.english else [])
                    + (self._units(clause, window) if self.english else [])
                    + self._qualifiers(clause, window)
                )
            ]
            if self.english:
                reading.findings += [
                    Finding(f.kind, f.words, k) for f in self._pronoun(clause, k, clauses, context, view, span)
                ]
        if self.english:
            reading.findings += self._links(clauses, view)
        # A figure is compared with every cited source that gives it, whichever clause the alignment
        # chose ("will take 18 months" aligned to the vote's sentence, the source of "about eighteen
        # months" cited beside it).
        if not any(f.kind == "qualifier_changed" for f in reading.findings):
            reading.findings += self._qualifiers(whole_written, Clause.read(source_text, lex))
        return reading

    # ---------------------------------------------------------------- what the article never states
    def _in_article(self, word: str) -> bool:
        return any(word in s.lower() for s in self.article.sentences)

    def _exact(self, sentence: str, source_text: str) -> list[Finding]:
        """Numbers, names, quotes and times the article states nowhere."""
        from service.text.facts import exact_problems

        numbers, names, quotes = exact_problems(sentence, self.article)
        found = [Finding("number_absent", n) for n in numbers]
        times = {part for phrase in Clause.read(sentence, self.lex).kinds("time", self.lex) for part in phrase.split()}
        found += [Finding("name_absent", n) for n in names if n not in times and self._is_name(n, sentence)]
        found += [Finding("quote_absent", q) for q in quotes]
        written = Clause.read(sentence, self.lex)
        article_keys = set(self.article.tokens)
        for time in written.kinds("time", self.lex):
            if not all(part in article_keys or part in self.article.folded for part in time.split()):
                found.append(Finding("time_absent", time))
        return found

    def _is_name(self, surface: str, sentence: str) -> bool:
        """A capitalised word is a name unless it only opens the sentence and is a common word."""
        first = _WORD.search(sentence)
        opens = first is not None and first.group().lower() == surface
        if not opens or self.wordnet is None:
            return True
        return not self.wordnet.base_forms(surface, "noun") and not self.wordnet.base_forms(surface, "verb")

    # ---------------------------------------------------------------- per clause
    def _polarity(self, clause: Clause, window: Clause) -> list[Finding]:
        """A word both the clause and its span say, negated in one and not the other. A negation
        counts for the words it governs (the few after it): "no place for the faint-hearted" negates
        no claim of "a repeat of last year's semi-final"."""
        mine, theirs = _negated(clause, self.lex), _negated(window, self.lex)
        shared = set(clause.content) & set(window.content)
        for word in sorted(shared):
            if (word in mine) != (word in theirs):
                negation = mine.get(word) or theirs.get(word)
                side = "adds" if word in mine else "drops"
                return [Finding("negation", f"{side} '{negation}' before '{word}', turning")]
        return []

    def _certainty(self, clause: Clause, window: Clause, sentence: Clause) -> list[Finding]:
        """A modal or report hedge the clause adds; one its span puts on a word the clause restates
        and the written sentence nowhere keeps ("could face" -> "faces")."""
        found = []
        lex = self.lex
        mine = {p for kind in ("modal", "hedge") for p in clause.kinds(kind, lex)}
        theirs = {p for kind in ("modal", "hedge") for p in window.kinds(kind, lex)}
        kept = {p for kind in ("modal", "hedge") for p in sentence.kinds(kind, lex)}
        for phrase in sorted(mine - theirs):
            found.append(Finding("certainty_added", phrase))
        governed = _governed(window, lambda key: key in CERTAINTY or (not self.english and key in theirs))
        for word, phrase in sorted(governed.items()):
            if phrase not in kept and word in clause.content:
                found.append(Finding("certainty_dropped", phrase))
                break
        return found

    def _moved(self, clause: Clause, window: Clause, whole: str, index: int, view: SourceView) -> list[Finding]:
        """Numbers, names and times of the clause that the sentence it restates (article sentence
        ``index``) does not have. Not moved: a name completing one of the source's ("Joe Hart" for
        "Hart", "Manchester City" for "City"), the name the sentence before gives when the source
        says "he" or "she", and anything another of the sentence's sources has when that source is
        about the same event (beside it in the article, or naming someone it names): a summary
        merges. One that stands where the span (``window``) has other content of its own is a
        substitution, a detail of another event put in this one's place ("a bridge between Homs and
        Aleppo" for "...and Hama"): refused. The rest are weighed."""
        language = self.article.language
        found = []
        merged = self._same_event(index, view)
        own_numbers = numbers_in(whole, language) | {
            n for i in merged for n in numbers_in(self.article.sentences[i], language)
        }
        for n in sorted(numbers_in(clause.text, language)):
            if n in self.article.numbers and n not in own_numbers and not _apposition(clause.text, n):
                found.append(Finding("number_changed" if _replaces(clause, window, n) else "number_moved", n))
        whole_clause = Clause.read(whole, self.lex)
        own = {*names_in(whole, language), *whole_clause.stems}
        for i in merged:
            own |= set(names_in(self.article.sentences[i], language))
        before = set(names_in(self.article.sentences[index - 1], language)) if index else set()
        refers = bool(PERSONAL & set(whole_clause.tokens))
        for root, surface in names_in(clause.text, language).items():
            if root not in self.article.tokens or root in own or not self._is_name(surface, clause.text):
                continue
            completes = any(root in run and run & own for run in self._name_runs)
            if not completes and not (refers and root in before):
                kind = "name_changed" if _replaces(clause, window, surface) else "name_moved"
                found.append(Finding(kind, surface))
        whole_keys = " ".join(whole_clause.keys)
        mine = clause.kinds("time", self.lex)
        theirs = [t for t in whole_clause.kinds("time", self.lex) if t not in mine]
        for time in mine:
            if time not in whole_keys and time in self._article_keys:
                # Another time of the article set in place of its source's own: a graft ("Last week,
                # rebels captured Hama" where Hama fell on Thursday). Added where the source has none,
                # it may be the article's date for the same event: weighed, not refused.
                found.append(Finding("time_changed" if theirs else "time_moved", time))
        return found

    def _same_event(self, index: int, view: SourceView) -> list[int]:
        """The sentence's other sources that tell of the same event as article sentence ``index``:
        next to it in the article, or naming someone or something it names."""
        language = self.article.language
        names = set(names_in(self.article.sentences[index], language))
        return [
            i
            for i in view.ids
            if i != index and (abs(i - index) == 1 or names & set(names_in(self.article.sentences[i], language)))
        ]

    def _roles(self, clause: Clause, window: Clause) -> list[Finding]:
        """Two names on either side of a verb the span has too, in the other order, with no passive
        ("by") in either to explain it."""
        if "by" in clause.tokens or "by" in window.tokens:
            return []
        # Names as runs of name words ("John Fisher", "ABC Radio"): the first two that share no word.
        runs: list[list[str]] = []
        for i, (st, t) in enumerate(zip(clause.stems, clause.tokens)):
            if st in self._article_names and t.isalpha():
                if runs and i and clause.stems[i - 1] == runs[-1][-1]:
                    runs[-1].append(st)
                else:
                    runs.append([st])
        other = next((run for run in runs[1:] if not set(run) & set(runs[0])), None)
        if other is None:
            return []
        a = next((st for st in runs[0] if st in window.stems), None)
        b = next((st for st in other if st in window.stems), None)
        if a is None or b is None:
            return []
        ia, ib = clause.stems.index(a), clause.stems.index(b)
        ja, jb = window.stems.index(a), window.stems.index(b)
        between = set(clause.stems[ia + 1 : ib]) & set(window.stems[min(ja, jb) + 1 : max(ja, jb)])
        verbs = {st for st in between if st not in self._article_names and st in clause.content}
        if (ia < ib) != (ja < jb) and verbs:
            return [
                Finding("roles_swapped", f"'{clause.tokens[ia]}' and '{clause.tokens[ib]}' around '{sorted(verbs)[0]}'")
            ]
        return []

    def _qualifiers(self, clause: Clause, window: Clause) -> list[Finding]:
        """A number the span has, qualified otherwise: "at least 500" for its "500", "500" for its
        "nearly 500", "more than 500" for its "up to 500". Each changes the figure claimed."""
        theirs = _qualified(window, self.lex)
        found = []
        for number, mine in _qualified(clause, self.lex).items():
            if number in theirs and not mine & theirs[number]:
                said = " or ".join(f"'{h} {number}'" if h else f"'{number}'" for h in sorted(mine))
                source = " or ".join(f"'{h} {number}'" if h else f"'{number}'" for h in sorted(theirs[number]))
                found.append(Finding("qualifier_changed", f"{said} where its source says {source}"))
        return found

    def _units(self, clause: Clause, window: Clause) -> list[Finding]:
        """A number the span has, counting something else: the content word after it differs and
        no word of the span restates it ("5 people" for "5 houses")."""
        found = []
        for i, token in enumerate(clause.tokens[:-1]):
            if not token.isdigit() or token not in window.tokens:
                continue
            k = _unit_at(clause, i)
            j = _unit_at(window, window.tokens.index(token))
            if k is None or j is None:
                continue
            mine, theirs = clause.tokens[k], window.tokens[j]
            if clause.stems[k] != window.stems[j] and not restates(mine, {theirs}, self.wordnet):
                found.append(Finding("unit_changed", f"{token} {mine} where the source has {token} {theirs}"))
        return found

    def _pronoun(
        self, clause: Clause, k: int, clauses: list[Clause], context: str, view: SourceView, span: Span
    ) -> list[Finding]:
        """A pronoun opening the clause where the written text has named someone, but none of the
        people its source sentence names: it can only point at the wrong person."""
        if not clause.tokens or clause.tokens[0] not in PERSONAL:
            return []
        language = self.article.language
        written_before = context + " " + " ".join(c.text for c in clauses[:k])
        named = names_in(written_before, language)
        theirs = self._source_entity(view, span)
        if not named or theirs is None or set(named) & set(theirs):
            return []
        other = _first_name(written_before.split(". ")[-1], language) or named
        return [
            Finding(
                "pronoun",
                f"{clause.tokens[0]}' can only mean '{' '.join(other.values())}', but its source is about "
                f"'{' '.join(theirs.values())}",
            )
        ]

    def _source_entity(self, view: SourceView, span: Span) -> dict[str, str] | None:
        """Who the source may be about: every name of its sentence, else (it says "he" or "she"
        without one) the first name of the article sentence before it."""
        language = self.article.language
        names = names_in(view.sentences[span.source], language)
        if names:
            return names
        index = view.ids[span.source]
        return _first_name(self.article.sentences[index - 1], language) if index else None

    def _links(self, clauses: list[Clause], view: SourceView) -> list[Finding]:
        """Order and contrast words counted over the whole sentence against all its sources, wherever
        they stand: one "before" more than the sources have ("After the vote" -> "Before the vote",
        "stay until May" -> "stay after May" beside the source's own "after") orders events they do
        not; a "despite" or "although" where they state only a cause turns the cause."""
        mine = [t for c in clauses for t in c.tokens]
        theirs = [t for parts in view.clauses for c in parts for t in c.tokens]
        found = []
        for way in ("after", "before"):
            extra = [t for t in mine if SEQUENCE_WAY.get(t) == way]
            if len(extra) > sum(SEQUENCE_WAY.get(t) == way for t in theirs):
                other = any(SEQUENCE_WAY.get(t) for t in theirs)
                found.append(Finding("sequence_turned" if other else "sequence_added", extra[0]))
        turned = [t for t in mine if t in CAUSE_TO_CONTRAST]
        stated = {CONNECTIVES.get(t) for t in theirs}
        if len(turned) > sum(t in CAUSE_TO_CONTRAST for t in theirs) and "cause" in stated:
            found.append(Finding("cause_turned", turned[0]))
        return found

    def _connective(
        self, clause: Clause, k: int, clauses: list[Clause], spans: list[Span | None], view: SourceView
    ) -> list[Finding]:
        """A clause opening with a cause word ("because", "; as a result,") links it to the clause
        before; the sources of the two must state a cause. (Contrast and order words are counted over
        the whole sentence: :meth:`_links`.)"""
        word = next((w for w, parts in CONNECTIVE_PHRASES.items() if clause.tokens[: len(parts)] == parts), "")
        word = word or (clause.tokens[0] if clause.tokens else "")
        if CONNECTIVES.get(word) != "cause":
            return []
        linked = {view.ids[s.source] for s in (spans[k], spans[k - 1]) if s is not None}
        source_words = {t for i in linked for t in Clause.read(self.article.sentences[i], self.lex).tokens}
        if any(CONNECTIVES.get(t) == "cause" for t in source_words):
            return []
        return [Finding("cause_added", word, k)]


_LEADING_DIGITS = re.compile(r"\d+")


def _qualified(clause: Clause, lex: Lexicon) -> dict[str, set[str]]:
    """Each number of the clause (its first token: "2" of "2,000") with the quantity hedges right
    before it ("" for none), over all its occurrences."""
    hedges = {end: phrase for _, end, phrase in phrase_spans(clause.keys, "hedge", lex)}
    found: dict[str, set[str]] = {}
    for i, token in enumerate(clause.tokens):
        digits = _LEADING_DIGITS.match(token)  # "330million" is 330
        if (digits or token in NUMBER_WORDS) and not (i and clause.tokens[i - 1].isdigit()):
            hedge = hedges.get(i, "")
            number = digits.group() if digits else str(NUMBER_WORDS[token])  # "eighteen" is 18
            found.setdefault(number, set()).add("" if hedge in CERTAINTY else hedge)
    return found


MAGNITUDES = frozenset("hundred hundreds thousand thousands million millions billion billions trillion m bn k".split())


def _unit_at(clause: Clause, at: int) -> int | None:
    """Where the unit of the number at position ``at`` stands: the next content word after any
    magnitude ("5 million pounds" -> "pounds"), if it comes right after."""
    for k in range(at + 1, min(at + 3, len(clause.tokens))):
        token = clause.tokens[k]
        if token in MAGNITUDES or token.isdigit():
            continue
        return k if token.isalpha() and clause.stems[k] in clause.content else None
    return None


def _apposition(text: str, number: str) -> bool:
    """Whether ``number`` follows a name as an aside ("Pippa, 31, looked..."): an age, which the
    article gives elsewhere for the same person."""
    return re.search(rf"[A-Z][\w’'\-]*,\s*{re.escape(number)}\s*,", text) is not None


def _replaces(clause: Clause, window: Clause, word: str) -> bool:
    """Whether ``word`` (a name or number of the clause that its span lacks) stands in the clause
    where the span has other content: between the same two words the two share (in their common
    order), the span holds a content word the clause does not."""
    key = word.lower()
    if key not in clause.tokens:
        return False
    at = clause.tokens.index(key)
    pairs = lcs_pairs(clause.stems, window.stems)
    before = [(i, j) for i, j in pairs if i < at]
    after = [(i, j) for i, j in pairs if i > at]
    if not before and not after:
        return False
    low = before[-1][1] + 1 if before else max(0, after[0][1] - 3)
    high = after[0][1] if after else min(len(window.stems), before[-1][1] + 4)
    gap = window.stems[low:high]
    return any(st in window.content and st not in clause.stems for st in gap)


def _governed(clause: Clause, governs: Callable[[str], bool]) -> dict[str, str]:
    """Content stems of ``clause`` within SCOPE words after a word ``governs`` accepts, each with
    that word."""
    found: dict[str, str] = {}
    for i, key in enumerate(clause.keys):
        if governs(key):
            for st in clause.stems[i + 1 : i + 1 + SCOPE]:
                if st in clause.content:
                    found.setdefault(st, key)
    return found


def _negated(clause: Clause, lex: Lexicon) -> dict[str, str]:
    """The clause's content stems a negation governs, each with its negation."""
    negations = {p for p in lex.meaning["negation"] if " " not in p}
    return _governed(clause, lambda key: key in negations)


def _first_name(text: str, language: str = DEFAULT_LANGUAGE) -> dict[str, str] | None:
    """The first name (a run of capitalised words) in ``text``, stem -> word: in English the
    subject comes first, and a later "he" most often means it. None when there is none."""
    for run in re.findall(r"\b[A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+)*", text):
        names = names_in(run, language)
        if names:
            return names
    return None
