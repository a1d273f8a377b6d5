"""Sentences that stand alone: a headline, a TL;DR or a key point is read without the article, so it
may not lean on a sentence the reader never saw.

A sentence leans back when it opens (past any leading adverbial: "On Thursday, he said") with a
pronoun or demonstrative whose referent is in an earlier sentence ("It comes just one day...", "This
city holds strategic importance"), with a connective that continues one ("However, ...", "The
following morning ..."), says "also", or quotes a speaker it names only by a pronoun ("..., he
said."). The words are per language (lexicon.BACK_REFERENCES). A demonstrative whose referent the
article makes unambiguous can be resolved: "This city" is "the city of Homs" when the sentence
before names Homs and no other place the article calls a city (:func:`referent`); what that writes is
checked by the caller like any written sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.text.clauses import main_clause_start
from service.text.language import DEFAULT_LANGUAGE
from service.text.lexicon import BACK_REFERENCES, FUNCTION_WORDS, PLACE_NOUNS, TIME_PHRASE_WORDS, VERB_FORMS

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
# "This week", "this year": deixis to the article's own date, which a reader of a briefing shares.
_DEICTIC_TIME = frozenset(
    "week weekend month year morning afternoon evening season summer spring autumn fall winter past".split()
)
# A quotation attributed only to a pronoun: '"We are building a palace...," he told the meeting'.
_PRONOUN_SPEAKER = re.compile(
    r"[,\"”’']\s+(?:he|she|they|we|i)\s+(?:said|says|told|tells|added|adds|explained|wrote|insisted|continued|"
    r"argued|claimed|warned|noted|stated|recalled|admitted|replied|asked)\b"
    r"|,\s+(?:said|added|explained|continued)\s+(?:he|she)\b",
    re.I,
)
_SPEAKER_PRONOUNS = frozenset({"he", "she", "they", "we", "i"})
_ALSO = re.compile(r"\balso\b", re.I)
_DEMONSTRATIVE = re.compile(r"^(?:This|That)\s+([a-z]+)(?=\s+[a-z])")  # "This city holds"
_QUALIFIED = re.compile(r"^(?:This|That)\s+[a-z][\w’'-]*\s+([a-z]+)(?=\s+[a-z])")  # "This northern city holds"
_CAPITALISED_RUN = re.compile(r"[A-Z][\w’'-]*(?:\s+(?:al-|bin\s+|de\s+|of\s+)?[A-Z][\w’'-]*)*")
APPOSITION_GAP = 4  # words between a name and the noun that describes it: "Homs, Syria's third-largest city"


def _opening(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text[:200])]


def _pointer(words: list[str], language: str) -> str | None:
    """The back-referring phrase ``words`` open with, if any (the longest listed)."""
    if language == DEFAULT_LANGUAGE and len(words) > 1 and words[0] == "this" and words[1] in _DEICTIC_TIME:
        return None
    found = [p for p in BACK_REFERENCES.get(language, ()) if words[: len(p.split())] == p.split()]
    return max(found, key=len) if found else None


def leans_back(sentence: str, language: str = DEFAULT_LANGUAGE) -> str | None:
    """Why ``sentence`` cannot stand alone (the words by which it leans on an earlier sentence), or
    None when it can."""
    body = sentence.strip().lstrip("(")
    # A quotation's own pronouns are its speaker's ("We will crush them," Assad said): who "we" is, the
    # attribution says; a quotation attributed to a pronoun is caught below.
    quoted = body[:1] in "\"“‘'"
    phrase = None if quoted else _pointer(_opening(body), language)
    if phrase is None and not quoted and language == DEFAULT_LANGUAGE:
        phrase = _pointer(_opening(body[main_clause_start(body) :]), language)
    if phrase is not None:
        return f"opens with '{phrase}', which points to an earlier sentence"
    if language != DEFAULT_LANGUAGE:
        return None
    speaker = _PRONOUN_SPEAKER.search(body)
    if speaker:
        pronoun = next(w for w in _opening(speaker.group(0)) if w in _SPEAKER_PRONOUNS)
        return f"quotes a speaker named only '{pronoun}'"
    if _ALSO.search(body):
        return "says 'also' of something an earlier sentence said"
    return None


@dataclass(frozen=True)
class Referent:
    """A demonstrative resolved: ``text`` is the sentence with "This city" replaced by "The city of
    Homs" (``noun``, ``name``); article sentence ``named_in`` calls ``name`` a ``noun``."""

    text: str
    name: str
    noun: str
    named_in: int


def referent(sentences: Sequence[str], i: int, language: str = DEFAULT_LANGUAGE) -> Referent | None:
    """Sentence ``i`` with its opening "This/That <noun>" naming what it refers to, when the
    article makes that unambiguous: the sentence before names exactly one thing that some article
    sentence calls a <noun> by apposition ("Syria's third-largest city, Homs", "Homs, a city of...",
    "the city of Homs"). English only; None otherwise (the sentence is then not shipped alone)."""
    if language != DEFAULT_LANGUAGE or i == 0:
        return None
    names = {run.removesuffix("'s").removesuffix("’s") for run in _CAPITALISED_RUN.findall(sentences[i - 1])}
    names = {n for n in names if n.lower() not in FUNCTION_WORDS}
    for found in (m for m in (_QUALIFIED.match(sentences[i]), _DEMONSTRATIVE.match(sentences[i])) if m):
        noun = found.group(1)
        if noun in FUNCTION_WORDS or noun in VERB_FORMS or noun in TIME_PHRASE_WORDS or noun.endswith("ed"):
            continue  # "This is ...", "That was ...", "This week ..."
        linked = {}
        for name in names:
            where = next((j for j, s in enumerate(sentences) if j != i and _calls(s, name, noun)), None)
            if where is not None:
                linked[name] = where
        if len(linked) == 1:
            ((name, where),) = linked.items()
            named = f"The {noun} of {name}" if noun in PLACE_NOUNS else f"{name}, the {noun},"
            return Referent(named + sentences[i][found.end() :], name, noun, where)
    return None


def _calls(sentence: str, name: str, noun: str) -> bool:
    """Whether ``sentence`` calls ``name`` a ``noun`` by apposition or "the <noun> of <name>"."""
    n, w = re.escape(name), re.escape(noun)
    gap = rf"(?:[\w’'-]+\s+){{0,{APPOSITION_GAP}}}"
    patterns = (
        rf"\b{n},\s+{gap}{w}\b",  # "Homs, Syria's third-largest city"
        rf"\b{w},\s+{n}\b",  # "Syria's third-largest city, Homs"
        rf"\b{w}\s+of\s+{n}\b",  # "the city of Homs"
        rf"\b{n}\s+(?:is|was)\s+(?:a|an|the)\s+{gap}{w}\b",  # "Homs is the third-largest city"
    )
    return any(re.search(p, sentence) for p in patterns)
