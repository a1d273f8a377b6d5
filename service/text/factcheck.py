"""Scoped verification of a sentence made from a known source by deleting its words: a condensation
(the model's choice among a sentence's deletions, briefing/condenser.py). Freely written
sentences are judged by the claim checks and the fitted judge instead (claims.py, judge.py), which
allow the paraphrase these rules refuse.

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

Each rule is measured by ``bench/audit --condensations`` (the embedded model's own condensations kept).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence

from service.text.alignment import Alignment, ParsedSentence, align, lcs_pairs
from service.text.facts import SourceIndex, exact_problems, names_in
from service.text.language import DEFAULT_LANGUAGE
from service.text.lexicon import MEANING_WORDS, lexicon, phrases
from service.text.words import uncased

NOVEL_CONTENT_SHARE = 0.15  # content words the sources never use: at most this share (paraphrase room)...
NOVEL_CONTENT_MAX = 2  # ...and at most this many, so a long sentence cannot carry an appended claim
GRAFT_MAX_WORDS = 3  # a run of at most this many content words taken from another source is a graft
ORDER_SLACK = 1  # content words out of their sources' order before the sentence is refused
MAX_MOVED_CLAUSES = 4  # clause orders tried when a sentence reorders its source's clauses (4! = 24)


def _added_and_dropped(
    sentence: ParsedSentence, sources: list[ParsedSentence], alignment: Alignment, may_drop: Sequence[str]
) -> list[str]:
    """Meaning words the sentence adds, or drops from the part of a source it keeps (unless their
    kind is in ``may_drop``)."""
    reasons = []
    lex = sentence.lex
    source_keys = [k for src in sources for k in src.keys]
    for kind in MEANING_WORDS:
        mine = Counter(phrase for _, phrase in phrases(sentence.keys, kind, lex))
        theirs = Counter(phrase for _, phrase in phrases(source_keys, kind, lex))
        for phrase in sorted(mine - theirs):
            reasons.append(f"adds the {kind} '{phrase}', which its sources do not have")
        if kind in may_drop:
            continue
        for s, src in enumerate(sources):
            kept_chunks = {src.chunk_of[p] for p in alignment.kept[s] if src.content[p]}
            if not kept_chunks:
                continue
            for pos, phrase in phrases(src.keys, kind, lex):
                span = range(pos, pos + len(phrase.split()))
                if all(p in alignment.kept[s] for p in span) or phrase in mine:
                    continue
                if _in_dropped_clause(src, alignment.kept[s], pos):
                    continue  # in a trailing clause deleted whole: "resigned after the vote" -> "resigned"
                chunk = src.chunk_of[pos]
                if chunk in kept_chunks or (kind == "time" and _time_chunk_beside(src, chunk, kept_chunks)):
                    reasons.append(f"drops the {kind} '{phrase}' from the clause it keeps")
    return reasons


def _in_dropped_clause(src: ParsedSentence, kept: set[int], pos: int) -> bool:
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


def _time_chunk_beside(src: ParsedSentence, chunk: int, kept_chunks: set[int]) -> bool:
    """A clause that is only a time ("On Thursday,") belongs to the clause next to it."""
    lex = src.lex
    content = [k for t, k, c in zip(src.tokens, src.keys, src.chunk_of) if c == chunk and not lex.is_function(t)]
    return all(k in lex.time_words for k in content) and bool({chunk - 1, chunk + 1} & kept_chunks)


def _order_problems(
    sentence: ParsedSentence,
    sources: list[ParsedSentence],
    known: set[str],
    alignment: Alignment,
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


def _reordered(src: ParsedSentence, content_only: bool) -> list[list[str]]:
    """The source's stems (or its content words' stems) with its clauses (chunks) in every order,
    as written first; none when it has one clause or too many to try."""
    chunks: dict[int, list[str]] = {}
    for st, content, chunk in zip(src.stems, src.content, src.chunk_of):
        if not content_only or content:
            chunks.setdefault(chunk, []).append(st)
    if not 1 < len(chunks) <= MAX_MOVED_CLAUSES:
        return []
    return [[st for chunk in order for st in chunk] for order in itertools.permutations(chunks.values())]


def _clause_orders(src: ParsedSentence) -> list[list[str]]:
    """The source's stems as written, then with its clauses in every other order (few clauses only)."""
    return [src.stems] + _reordered(src, content_only=False)


def _clauses_moved_whole(sentence: ParsedSentence, sources: list[ParsedSentence]) -> bool:
    """Whether the sentence's content words follow one source's order once that source's clauses
    (chunks) are put in some other order: a reordering of whole clauses, which swaps no roles."""
    content = [st for st, carries in zip(sentence.stems, sentence.content) if carries]
    for src in sources:
        known = [st for st in content if st in src.stems]
        if any(len(known) - len(lcs_pairs(known, flat)) <= ORDER_SLACK for flat in _reordered(src, True)):
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


def _graft_problems(sentence: ParsedSentence, alignment: Alignment) -> list[str]:
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
    lex = lexicon(index.language)
    parsed = [ParsedSentence.of(s, lex.language) for s in sources]
    written = ParsedSentence.whole(sentence, lex)
    known = {st for src in parsed for st in src.stems}
    # Outside English also the bigrams a dropped character joins (facts.SourceIndex.tokens).
    vocabulary = known if lex.english else known | index.tokens
    content = [(t, st) for t, st, c in zip(written.tokens, written.stems, written.content) if c and not t.isdigit()]
    novel = sorted({t for t, st in content if st not in vocabulary})
    strict = not lex.english and any(uncased(t) for t in novel)  # no capitals: any new word may be a name
    if content and (strict or len(novel) > NOVEL_CONTENT_SHARE * len(content) or len(novel) > NOVEL_CONTENT_MAX):
        reasons.append(f"words its sources never use: {', '.join(novel[:6])}")
    alignment = align(written.stems, parsed)
    reasons += _added_and_dropped(written, parsed, alignment, may_drop)
    reasons += _order_problems(written, parsed, known, alignment, set(names_in(sentence, lex.language)))
    reasons += _graft_problems(written, alignment)
    return reasons
