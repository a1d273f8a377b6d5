"""Scoped verification: a written sentence is checked against exactly the sentences it was made from.

Checking against the whole article lets a swapped fact through as long as the name occurs somewhere
("a bridge connecting Homs to Aleppo": Aleppo is in the article, not in the sentence about the bridge).
Here every check looks only at the sentence's own sources:

* numbers, names and quoted phrases must occur in the sources;
* content words the sources never use are at most a small share (an appended claim brings new words);
* the words that change a fact's meaning without changing its names — negations, hedges on
  quantities ("at least"), modal verbs ("may"), time expressions ("last week"), cause and sequence
  connectives ("because", "after") — may be neither added nor dropped from the part of a source
  the sentence keeps;
* the sentence keeps its sources' order of content words, so who did what to whom cannot swap;
* a sentence fused from two sources takes each fact from one of them: a scrap of one sentence (a time,
  a place) grafted onto a claim of another is a new, unsupported fact ("Last week, rebels captured
  Hama": the offensive began last week, Hama fell on Thursday).

The embedding support score (``verifier.support_score``) is kept as one more signal by
:class:`FactChecker`. Each rule is measured by ``bench/audit`` (error injection) and
``bench/factuality`` (human judgements).
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from service.models.embedder import Embedder
from service.text.verifier import (
    DEFAULT_LANGUAGE,
    FUNCTION_WORDS,
    SourceIndex,
    content_tokens,
    exact_problems,
    fold,
    is_content,
    names_in,
    rules_for,
    stem,
    support_score,
    tokenise,
    uncased,
)

# Words whose loss or addition changes what a sentence claims, by kind; multi-word entries are matched
# as phrases. A lookup table, so a language adds its own rows.


def _listed(phrases: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in phrases.split(","))


MEANING_WORDS: dict[str, tuple[str, ...]] = {
    "negation": _listed("not, no, never, without, nor, none, neither, nobody, nothing, cannot"),
    "hedge": _listed(
        "at least, at most, more than, less than, fewer than, up to, as many as, about, around, nearly, almost, "
        "approximately, roughly, some, over, under, only, reportedly, allegedly, possibly, probably, likely, estimated"
    ),
    "modal": _listed("may, might, could, would, should, can, must, will"),
    "time": _listed(
        "last week, last month, last year, next week, next month, next year, this week, yesterday, today, tomorrow, "
        "tonight, earlier, later, ago, recently, previous week, monday, tuesday, wednesday, thursday, friday, "
        "saturday, sunday, weekend, morning, afternoon, evening, night, january, february, march, april, june, "
        "july, august, september, october, november, december, spring, summer, autumn, winter"
    ),
    "connective": _listed(
        "because, after, before, since, so, therefore, although, though, despite, until, unless, if, then, thus, "
        "hence, due to, as a result, following"
    ),
}
# Phrases of one kind that say the same thing: "about 280,000" restates "approximately 280,000".
SAME_MEANING = {
    "around": "about",
    "approximately": "about",
    "roughly": "about",
    "some": "about",
    "estimated": "about",
    "almost": "nearly",
    "more than": "over",
    "less than": "under",
    "fewer than": "under",
}
# Words that open a clause of their own: a sentence that keeps nothing from one onwards deleted that
# clause whole, and the meaning words inside it with it ("…on Thursday but there were concerns it would
# default" -> "…on Thursday"). Not "if", "unless", "until": without its condition a claim is unconditional.
CLAUSE_OPENERS = frozenset(
    _listed(
        "because, after, before, since, so, therefore, although, though, despite, following, thus, hence, "
        "but, and, while, whereas, as, when, which, who, whose, where, amid"
    )
)
CANDIDATE_SOURCES = 4  # article sentences considered as sources of one written sentence
MAX_SOURCES = 3  # a written sentence fuses at most this many
NOVEL_CONTENT_SHARE = 0.15  # content words the sources never use: at most this share (paraphrase room)...
NOVEL_CONTENT_MAX = 2  # ...and at most this many, so a long sentence cannot carry an appended claim
GRAFT_MAX_WORDS = 3  # a run of at most this many content words taken from another source is a graft
ORDER_SLACK = 1  # content words out of their sources' order before the sentence is refused
MAX_MOVED_CLAUSES = 4  # clause orders tried when a sentence reorders its source's clauses (4! = 24)

# Words that carry no claim of their own (negations and modals are checked as meaning words instead).
_NOT_CONTENT = FUNCTION_WORDS | set(MEANING_WORDS["negation"]) | set(MEANING_WORDS["modal"])
_TIME_WORDS = {w for phrase in MEANING_WORDS["time"] for w in phrase.split()}
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_CHUNK_BREAK = re.compile(r"[,;:()\[\]—–]|\s-\s")
_WIDE_CHUNK_BREAK = re.compile(r"[,;:()\[\]—–，；：（）、]|\s-\s")  # with the CJK marks
_POSSESSIVE = re.compile(r"'s$")  # "yesterday's report" is a report of yesterday
_CONTRACTIONS = {"can't": "can not", "won't": "will not", "n't": " not"}
_MEANING_WORDS_FILE = Path(__file__).with_name("meaning_words.json")


def words(text: str, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Folded words, contractions opened ("didn't" -> "did not") so a dropped negation is a word.
    Other languages: verifier's words (accents dropped; CJK in character bigrams)."""
    if not rules_for(language).english:
        return [word for word, _ in tokenise(text, language)]
    folded = fold(text).replace("’", "'")
    for short, full in _CONTRACTIONS.items():
        folded = folded.replace(short, full)
    return [_POSSESSIVE.sub("", w) for w in _WORD.findall(folded)]


@dataclass(frozen=True)
class _Lexicon:
    """One language's meaning words, clause openers and content test. English reads them as written
    (the tables above); other languages by stem (meaning_words.json), so "keinen" is "kein"."""

    language: str
    english: bool
    meaning: dict[str, tuple[str, ...]]  # kind -> phrases, as keys (below)
    same_meaning: dict[str, str]  # a phrase's key -> the phrase it is reported as
    openers: frozenset[str]
    not_content: frozenset[str]
    time_words: frozenset[str]
    chunk_break: re.Pattern[str]

    def read(self, text: str) -> tuple[list[str], list[str]]:
        """``text``'s words and their stems."""
        if self.english:
            tokens = words(text)
            return tokens, [stem(t) for t in tokens]
        pairs = tokenise(text, self.language)
        return [w for w, _ in pairs], [st for _, st in pairs]

    def keys(self, tokens: list[str], stems: list[str]) -> list[str]:
        """What meaning words are matched on: English words as written, other languages' stems."""
        return tokens if self.english else stems

    def carries_content(self, token: str, key: str) -> bool:
        if self.english:
            return token not in _NOT_CONTENT
        return is_content(token, self.language) and key not in self.not_content

    def is_function(self, token: str) -> bool:
        return token in FUNCTION_WORDS if self.english else not is_content(token, self.language)


@functools.cache
def _meaning_tables() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = json.loads(_MEANING_WORDS_FILE.read_text(encoding="utf-8"))
    return table


@functools.cache
def _lexicon(language: str) -> _Lexicon:
    """The lexicon of ``language`` (any ISO 639-1 code): English's tables, a row of
    meaning_words.json, or for a language with none no meaning words at all (its other checks stand)."""
    rules = rules_for(language)
    code = rules.code
    if rules.english:
        return _Lexicon(
            code,
            True,
            MEANING_WORDS,
            SAME_MEANING,
            CLAUSE_OPENERS,
            frozenset(_NOT_CONTENT),
            frozenset(_TIME_WORDS),
            _CHUNK_BREAK,
        )
    rows = _meaning_tables().get(code, {})

    def key(phrase: str) -> str:
        return " ".join(st for _, st in tokenise(phrase, code))

    meaning: dict[str, tuple[str, ...]] = {}
    shown: dict[str, str] = {}
    for kind in MEANING_WORDS:
        phrases = [p for p in _listed(rows.get(kind, "")) if p]
        meaning[kind] = tuple(dict.fromkeys(key(p) for p in phrases))
        for p in phrases:
            shown.setdefault(key(p), " ".join(words(p, code)))
    quiet = {k for kind in ("negation", "modal") for k in meaning[kind] if " " not in k}
    times = {part for phrase in meaning["time"] for part in phrase.split()}
    openers = {key(p) for p in _listed(rows.get("opener", "")) if p}
    return _Lexicon(
        code, False, meaning, shown, frozenset(openers), frozenset(quiet), frozenset(times), _WIDE_CHUNK_BREAK
    )


def _phrases(keys: list[str], kind: str, lex: _Lexicon) -> list[tuple[int, str]]:
    """(position, phrase) of every meaning word of ``kind`` in a list of words' keys."""
    found = []
    for phrase in lex.meaning[kind]:
        parts = phrase.split()
        for i in range(len(keys) - len(parts) + 1):
            if keys[i : i + len(parts)] == parts:
                found.append((i, phrase))
    # One phrase per place: the longest at a position, and none that starts inside it.
    found.sort(key=lambda item: (item[0], -len(item[1])))
    kept: list[tuple[int, str]] = []
    for pos, phrase in found:
        if not kept or pos >= kept[-1][0] + len(kept[-1][1].split()):
            kept.append((pos, phrase))
    return [(pos, lex.same_meaning.get(phrase, phrase)) for pos, phrase in kept]


@dataclass(frozen=True)
class _Source:
    """One sentence, tokenised once: its words, their stems and keys (what meaning words are matched
    on), which carry content, and its chunks (clauses)."""

    tokens: list[str]
    stems: list[str]
    chunk_of: list[int]  # chunk index of each token
    keys: list[str]
    content: list[bool]
    lex: _Lexicon

    @classmethod
    @functools.lru_cache(maxsize=1024)  # the summary checker tries each article sentence in several source sets
    def of(cls, text: str, language: str = DEFAULT_LANGUAGE) -> _Source:
        lex = _lexicon(language)
        tokens: list[str] = []
        stems: list[str] = []
        chunk_of: list[int] = []
        for chunk_index, chunk in enumerate(lex.chunk_break.split(text)):
            chunk_tokens, chunk_stems = lex.read(chunk)
            tokens += chunk_tokens
            stems += chunk_stems
            chunk_of += [chunk_index] * len(chunk_tokens)
        return cls._made(tokens, stems, chunk_of, lex)

    @classmethod
    def whole(cls, text: str, lex: _Lexicon) -> _Source:
        """The written sentence: read whole, not by chunk."""
        tokens, stems = lex.read(text)
        return cls._made(tokens, stems, [0] * len(tokens), lex)

    @classmethod
    def _made(cls, tokens: list[str], stems: list[str], chunk_of: list[int], lex: _Lexicon) -> _Source:
        keys = lex.keys(tokens, stems)
        return cls(tokens, stems, chunk_of, keys, [lex.carries_content(t, k) for t, k in zip(tokens, keys)], lex)


def _lcs_pairs(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """Index pairs of a longest common subsequence of ``a`` and ``b`` (sentences are short)."""
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]  # plain lists: numpy's per-element indexing is slower here
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if a[i] == b[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


@dataclass
class _Alignment:
    """Which source each of the sentence's words was taken from, in order, and what it kept."""

    source_of: list[int | None]  # per sentence token: the source it aligns to, or None
    kept: list[set[int]]  # per source: token positions the sentence keeps


def _align(stems: list[str], sources: list[_Source]) -> _Alignment:
    """Align the sentence to its sources, best source first: each source takes, in order, the
    sentence's words it can explain that no earlier source took."""
    source_of: list[int | None] = [None] * len(stems)
    kept: list[set[int]] = [set() for _ in sources]
    order = sorted(range(len(sources)), key=lambda s: -len(set(stems) & set(sources[s].stems)))
    for s in order:
        free = [i for i in range(len(stems)) if source_of[i] is None]
        for a, b in _lcs_pairs([stems[i] for i in free], sources[s].stems):
            source_of[free[a]] = s
            kept[s].add(b)
    return _Alignment(source_of, kept)


def _added_and_dropped(
    sentence: _Source, sources: list[_Source], alignment: _Alignment, may_drop: Sequence[str]
) -> list[str]:
    """Meaning words the sentence adds, or drops from the part of a source it keeps (unless their
    kind is in ``may_drop``)."""
    reasons = []
    lex = sentence.lex
    source_keys = [k for src in sources for k in src.keys]
    for kind in MEANING_WORDS:
        mine = Counter(phrase for _, phrase in _phrases(sentence.keys, kind, lex))
        theirs = Counter(phrase for _, phrase in _phrases(source_keys, kind, lex))
        for phrase in sorted(mine - theirs):
            reasons.append(f"adds the {kind} '{phrase}', which its sources do not have")
        if kind in may_drop:
            continue
        for s, src in enumerate(sources):
            kept_chunks = {src.chunk_of[p] for p in alignment.kept[s] if src.content[p]}
            if not kept_chunks:
                continue
            for pos, phrase in _phrases(src.keys, kind, lex):
                span = range(pos, pos + len(phrase.split()))
                if all(p in alignment.kept[s] for p in span) or phrase in mine:
                    continue
                if _in_dropped_clause(src, alignment.kept[s], pos):
                    continue  # in a trailing clause deleted whole: "resigned after the vote" -> "resigned"
                chunk = src.chunk_of[pos]
                if chunk in kept_chunks or (kind == "time" and _time_chunk_beside(src, chunk, kept_chunks)):
                    reasons.append(f"drops the {kind} '{phrase}' from the clause it keeps")
    return reasons


def _in_dropped_clause(src: _Source, kept: set[int], pos: int) -> bool:
    """Whether source position ``pos`` lies in a clause the sentence deleted whole: a run of dropped
    words that opens with a clause word ("after", "but", "which") and runs to the end of its chunk
    ("…recovering after falling into the exhibit, officials said" -> "…recovering, officials said")."""
    kept = {p for p in kept if src.content[p]}  # a stray "the" may align anywhere
    if pos in kept:
        return False
    start = pos
    while start > 0 and start - 1 not in kept and src.chunk_of[start - 1] == src.chunk_of[pos]:
        start -= 1
    end = pos
    while end + 1 < len(src.tokens) and end + 1 not in kept and src.chunk_of[end + 1] == src.chunk_of[pos]:
        end += 1
    chunk_ends = end + 1 == len(src.tokens) or src.chunk_of[end + 1] != src.chunk_of[pos]
    opener = next((i for i in range(start, end + 1) if src.keys[i] in src.lex.openers and i <= pos), None)
    return chunk_ends and opener is not None and all(i not in kept for i in range(opener, end + 1))


def _time_chunk_beside(src: _Source, chunk: int, kept_chunks: set[int]) -> bool:
    """A clause that is only a time ("On Thursday,") belongs to the clause next to it."""
    lex = src.lex
    content = [k for t, k, c in zip(src.tokens, src.keys, src.chunk_of) if c == chunk and not lex.is_function(t)]
    return all(k in lex.time_words for k in content) and bool({chunk - 1, chunk + 1} & kept_chunks)


def _order_problems(
    sentence: _Source,
    sources: list[_Source],
    known: set[str],
    alignment: _Alignment,
    names: set[str],
) -> list[str]:
    """Who did what to whom changed: names or numbers in another order than in a source they share
    ("Hama captured the rebels"), or content words out of their sources' order beyond a little slack
    for paraphrase. A name moved past ordinary words ("Springfield council" for "the council of
    Springfield") is a paraphrase, not a swap. ``known``: every stem of the sources."""
    tokens, stems = sentence.tokens, sentence.stems
    stray = [
        tokens[i]
        for i, st in enumerate(stems)
        if alignment.source_of[i] is None and st in known and sentence.content[i]
    ]
    # Times are checked on their own (added, dropped); moving one ("on Thursday" to the end) changes no roles.
    anchors = [
        st
        for st, token, key in zip(stems, tokens, sentence.keys)
        if (st in names or token.isdigit()) and key not in sentence.lex.time_words
    ]
    swapped = [
        src
        for src in sources
        if not any(_in_order([st for st in anchors if st in src.stems], order) for order in _clause_orders(src))
    ]
    if len(stray) > ORDER_SLACK and _clauses_moved_whole(sentence, sources):
        stray = []  # "The UN said X" for "X, the UN said": clauses reordered, none changed inside
    if len(stray) > ORDER_SLACK or swapped:
        moved = stray or anchors
        return [f"changes the order of its sources' words ({', '.join(moved[:4])}): who did what to whom may differ"]
    return []


def _reordered(src: _Source, content_only: bool) -> list[list[str]]:
    """The source's stems (or its content words' stems) with its clauses (chunks) in every order,
    as written first; none when it has one clause or too many to try."""
    chunks: dict[int, list[str]] = {}
    for st, content, chunk in zip(src.stems, src.content, src.chunk_of):
        if not content_only or content:
            chunks.setdefault(chunk, []).append(st)
    if not 1 < len(chunks) <= MAX_MOVED_CLAUSES:
        return []
    return [[st for chunk in order for st in chunk] for order in itertools.permutations(chunks.values())]


def _clause_orders(src: _Source) -> list[list[str]]:
    """The source's stems as written, then with its clauses in every other order (few clauses only)."""
    return [src.stems] + _reordered(src, content_only=False)


def _clauses_moved_whole(sentence: _Source, sources: list[_Source]) -> bool:
    """Whether the sentence's content words follow one source's order once that source's clauses
    (chunks) are put in some other order: a reordering of whole clauses, which swaps no roles."""
    content = [st for st, carries in zip(sentence.stems, sentence.content) if carries]
    for src in sources:
        known = [st for st in content if st in src.stems]
        if any(len(known) - len(_lcs_pairs(known, flat)) <= ORDER_SLACK for flat in _reordered(src, True)):
            return True
    return False


def _in_order(anchors: list[str], source: list[str]) -> bool:
    """Whether each anchor can be found in ``source`` after the one before it (repeats allowed)."""
    at = -1
    for anchor in anchors:
        later = [i for i, st in enumerate(source) if st == anchor and i > at]
        if not later:
            return False
        at = later[0]
    return True


def _graft_problems(sentence: _Source, alignment: _Alignment) -> list[str]:
    """A short run of words from one source set into a claim from another recombines facts."""
    runs: list[tuple[int, list[str]]] = []
    for token, content, source in zip(sentence.tokens, sentence.content, alignment.source_of):
        if source is None or not content:
            continue
        if runs and runs[-1][0] == source:
            runs[-1][1].append(token)
        else:
            runs.append((source, [token]))
    if len({source for source, _ in runs}) < 2:
        return []
    return [
        f"combines '{' '.join(run)}' from one source sentence with a claim from another"
        for _, run in runs
        if len(run) <= GRAFT_MAX_WORDS
    ]


def scoped_reasons(
    sentence: str, sources: Sequence[str], may_drop: Sequence[str] = (), language: str = DEFAULT_LANGUAGE
) -> list[str]:
    """Every lexical reason, in words, why ``sentence`` is not supported by exactly ``sources``;
    an empty list when it is. ``may_drop``: kinds of meaning words (MEANING_WORDS) the sentence may
    leave out, as a headline leaves out the day. ``language``: the article's (ISO 639-1)."""
    if not sources:
        return ["has no source sentence"]
    return _reasons(sentence, sources, SourceIndex(" ".join(sources), list(sources), language), may_drop)


def _reasons(sentence: str, sources: Sequence[str], index: SourceIndex, may_drop: Sequence[str] = ()) -> list[str]:
    """:func:`scoped_reasons` with the sources' index built by the caller (who needs it too)."""
    numbers, names, quotes = exact_problems(sentence, index)
    reasons = [f"the number {n} is not in its sources" for n in numbers]
    reasons += [f"the name '{n}' is not in its sources" for n in names]
    reasons += [f"the quote \u201c{q}\u201d is not in its sources" for q in quotes]
    lex = _lexicon(index.language)
    parsed = [_Source.of(s, lex.language) for s in sources]
    written = _Source.whole(sentence, lex)
    known = {st for src in parsed for st in src.stems}
    # Outside English also the bigrams a dropped character joins (verifier's SourceIndex.tokens).
    vocabulary = known if lex.english else known | index.tokens
    content = [(t, st) for t, st, c in zip(written.tokens, written.stems, written.content) if c and not t.isdigit()]
    novel = sorted({t for t, st in content if st not in vocabulary})
    strict = not lex.english and any(uncased(t) for t in novel)  # no capitals: any new word may be a name
    if content and (strict or len(novel) > NOVEL_CONTENT_SHARE * len(content) or len(novel) > NOVEL_CONTENT_MAX):
        reasons.append(f"words its sources never use: {', '.join(novel[:6])}")
    alignment = _align(written.stems, parsed)
    reasons += _added_and_dropped(written, parsed, alignment, may_drop)
    reasons += _order_problems(written, parsed, known, alignment, set(names_in(sentence, lex.language)))
    reasons += _graft_problems(written, alignment)
    return reasons


@dataclass(frozen=True)
class Verdict:
    """Whether a sentence is supported by its sources, why not, and how strongly (0-1)."""

    supported: bool
    reasons: tuple[str, ...]
    support: float
    cites: tuple[int, ...]


class FactChecker:
    """The lexical checks above plus the embedding support score, against a sentence's sources."""

    def __init__(self, embedder: Embedder, support_threshold: float) -> None:
        self.embedder = embedder
        self.support_threshold = support_threshold

    def verify(
        self,
        sentence: str,
        sources: Sequence[str],
        source_ids: Sequence[int] | None = None,
        vectors: np.ndarray | None = None,
        language: str = DEFAULT_LANGUAGE,
    ) -> Verdict:
        """``source_ids`` name the sources in the article (for citations); ``vectors`` are the
        sentence's and then its sources' embeddings when the caller has them already; ``language``
        is the article's (ISO 639-1)."""
        index = SourceIndex(" ".join(sources), list(sources), language)
        reasons = _reasons(sentence, sources, index) if sources else ["has no source sentence"]
        if vectors is None:
            vectors = self.embedder.encode([sentence, *sources])
        support, _ = support_score(sentence, vectors[0], index, vectors[1:])
        if support < self.support_threshold:
            reasons.append(f"support {support:.2f} is below {self.support_threshold:.2f}")
        ids = tuple(source_ids) if source_ids is not None else tuple(range(len(sources)))
        return Verdict(not reasons, tuple(reasons), support, ids)


def candidate_source_sets(
    sentence: str,
    vector: np.ndarray,
    article_tokens: list[set[str]],
    article_vectors: np.ndarray,
    language: str = DEFAULT_LANGUAGE,
) -> list[tuple[int, ...]]:
    """Sets of article sentences that may be this sentence's sources, most likely first: the closest
    few alone, then in pairs, then threes, each in article order. ``article_tokens`` are the article
    sentences' content words (``SourceIndex.sentence_tokens``, computed once per article, in
    ``language``)."""
    words = content_tokens(sentence, language)
    overlap = np.array([len(words & tokens) / max(len(words), 1) for tokens in article_tokens])
    score = article_vectors @ vector + overlap
    nearest = [int(i) for i in np.argsort(-score)[:CANDIDATE_SOURCES]]
    sets: list[tuple[int, ...]] = []
    for size in range(1, min(MAX_SOURCES, len(nearest)) + 1):
        sets += [tuple(sorted(combo)) for combo in itertools.combinations(nearest, size)]
    return sets


Judged = TypeVar("Judged")


def best_source_set(
    sentence: str,
    vector: np.ndarray,
    article: SourceIndex,
    article_vectors: np.ndarray,
    judge: Callable[[tuple[int, ...]], Judged],
    reasons: Callable[[Judged], Sequence[str]],
) -> Judged:
    """Alignment: the candidate source set (:func:`candidate_source_sets`) that explains the sentence
    with the fewest failed checks, ``judge`` saying what each set's checks found; the first set that
    fails none ends the search, so fewer sources win a tie."""
    best: Judged | None = None
    for ids in candidate_source_sets(sentence, vector, article.sentence_tokens, article_vectors, article.language):
        judged = judge(ids)
        if best is None or len(reasons(judged)) < len(reasons(best)):
            best = judged
        if not reasons(judged):
            break
    assert best is not None, "an article has at least one sentence"
    return best
