"""Variants of an article sentence for bench/audit: faithful condensations and injected errors.

Every function here is a pure rule on one sentence (plus, for a few errors, the names and words of
its article) or, for the kinds made between sentences, on the article's sentences; standard-library
only, so the variants can be tested without the service.

Faithful variants (``FAITHFUL_KINDS``) say nothing the sentence does not:

* ``identity``: the sentence itself;
* ``drop_parenthetical``: a bracketed aside, "(pictured)";
* ``drop_attribution``: a trailing ", police said" / ", a spokesman added" / ", according to the report";
* ``drop_appositive``: ", the former coach," after a name;
* ``drop_leading_phrase``: a leading prepositional or participial phrase up to its comma,
  "Speaking to reporters, ...";
* ``faithful_merge``: two adjacent sentences of one event (a content word in common, or the second
  referring back with a pronoun) joined with ", and";
* ``faithful_pronoun``: a sentence's opening person's name replaced by "He"/"She", read after a
  sentence that opens with that person;
* ``model_condensation``: (bench/audit ``--condensations``) the model's own accepted condensations.

A span is dropped only when it holds no number, capitalised name, time, hedge, negation, modal verb,
cause or sequence connective and no quote mark (losing any of those changes what is claimed) and
does not stand inside a double-quoted passage (that would misquote), so each condensation is a
subsequence of the sentence's words that keeps all of its facts.

Unfaithful variants (``ERROR_KINDS``), each made only where it applies (else skipped):

* ``entity_swap``: a name of the sentence replaced by another name of the same article that shares
  no word with the sentence;
* ``number_change``: a number (digits or a number word) replaced, everywhere in the sentence, by a
  different one of the same kind (a year moves a few years, a count is scaled);
* ``date_swap``: a weekday, month, season or relative time ("last week", "yesterday") replaced by
  another one the sentence does not mention;
* ``negation``: a negation removed ("did not" -> "did", "never", "no longer" -> "still") or, when
  there is none, "not" added after the first auxiliary or modal ("did not say" for "said");
* ``hedge``: a hedge on a number removed ("at least", "about", "more than", "nearly", "up to"...)
  or, when there is none, one added before a count;
* ``subject_object_swap``: two names around a verb ("Chelsea beat Arsenal") exchanged, or else the
  nouns of "the X <past verb> the Y";
* ``connective_change``: a cause or sequence connective turned ("because" -> "although"/"before",
  "after" <-> "before", ", so" -> ", although", "despite" -> "because of", "unless" -> "if"...);
* ``unsupported_clause``: ", which <verb> <claim>" appended, the claim built only from content
  words the article never uses;

and between sentences of the article (``article_variants``), each checked against all the sentences
it was made from (``Variant.against``, at ``Variant.positions``), after the sentences in ``before``:

* ``negation_other_clause``: a negation added to a sentence that has none, the nearest sentence
  holding a negation of its own as the other source; or removed from one, the other source holding
  another (a "not" anywhere in the sources must not cover the flipped clause);
* ``roles_across_events``: the first name of a sentence replaced by the first name of a sentence
  about another event (two or more sentences away, no name in common; a person's by a person's);
* ``pronoun_other_entity``: a sentence's opening person's name replaced by "He"/"She" (the
  article's title or pronouns say which), read after a sentence that names another person first
  and this one nowhere;
* ``connective_added``: two adjacent sentences, neither stating a cause or an order, joined by
  "because", ", so", "; as a result,", "after" or "before".

What counts as a person's name is guessed from the article (``_people``): a title ("Mr Smith"), an
age (", 31,"), or a full name whose surname also stands alone.

Randomness (which name, which number, which replacement) comes from ``random.Random`` seeded with
the seed and the sentence, so a sentence gets the same variants whatever else is generated.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

FAITHFUL_KINDS = (
    "identity",
    "drop_parenthetical",
    "drop_attribution",
    "drop_appositive",
    "drop_leading_phrase",
    "faithful_merge",
    "faithful_pronoun",
    "model_condensation",
)
ERROR_KINDS = (
    "entity_swap",
    "number_change",
    "date_swap",
    "negation",
    "hedge",
    "subject_object_swap",
    "connective_change",
    "unsupported_clause",
    "negation_other_clause",
    "roles_across_events",
    "pronoun_other_entity",
    "connective_added",
)
MIN_WORDS, MAX_WORDS = 6, 60  # shorter pieces are captions and bylines; longer ones are segmentation misses


@dataclass(frozen=True)
class Variant:
    """A written sentence to check. ``source`` is the sentence it was made from; a variant built from
    several article sentences also names all of them (``sources``, in article order, at ``positions``
    in the article, so the audit can keep neighbours apart from sentences far from each other) and
    the written sentences read before it (``before``: what a pronoun may point at)."""

    kind: str
    text: str
    source: str
    faithful: bool
    detail: str = ""
    sources: tuple[str, ...] = ()
    positions: tuple[int, ...] = ()
    before: tuple[str, ...] = ()

    @property
    def against(self) -> tuple[str, ...]:
        """The article sentences it is checked against."""
        return self.sources or (self.source,)


# --- word lists -------------------------------------------------------------------------------

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
SEASONS = ("spring", "summer", "autumn", "winter")
RELATIVE_TIMES = (
    "yesterday",
    "today",
    "tomorrow",
    "last night",
    "tonight",
    "last week",
    "this week",
    "next week",
    "last weekend",
    "this weekend",
    "last month",
    "this month",
    "next month",
    "last year",
    "this year",
    "next year",
)
NUMBER_WORDS = (
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "hundred",
    "dozen",
)
NEGATIONS = ("not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot")
HEDGES = (
    "at least",
    "at most",
    "more than",
    "less than",
    "fewer than",
    "up to",
    "as many as",
    "an estimated",
    "just over",
    "just under",
    "close to",
    "about",
    "around",
    "nearly",
    "almost",
    "approximately",
    "roughly",
    "some",
    "over",
    "under",
)
ADDED_HEDGES = ("at least", "about", "more than", "nearly", "up to")
MODALS = ("may", "might", "could", "would", "should", "can", "must", "will", "shall")
TIME_WORDS = (
    "yesterday",
    "today",
    "tomorrow",
    "tonight",
    "week",
    "weekend",
    "month",
    "year",
    "years",
    "day",
    "days",
    "time",
    "morning",
    "afternoon",
    "evening",
    "night",
    "earlier",
    "later",
    "ago",
    "recently",
    "previously",
    "now",
    "then",
    "during",
    "while",
    "when",
    "once",
    "first",
    "last",
    "next",
    "spring",
    "summer",
    "autumn",
    "winter",
)
CONNECTIVE_WORDS = (
    "because",
    "after",
    "before",
    "since",
    "until",
    "unless",
    "if",
    "although",
    "though",
    "despite",
    "following",
    "so",
    "therefore",
    "due",
    "result",
)
# Any of these in a span keeps it: dropping it would change what the sentence claims.
_GUARDED = (
    set(NEGATIONS)
    | {w for h in HEDGES for w in h.split()} - {"at", "an", "as", "to", "than", "just", "close"}
    | set(MODALS)
    | set(TIME_WORDS)
    | set(CONNECTIVE_WORDS)
    | set(NUMBER_WORDS)
    | {"one", "only", "reportedly", "allegedly", "possibly", "probably", "likely", "estimated", "later"}
)
# Capitalised at a sentence's start only because they start it: never names.
STOPWORDS = set(
    "a an the this that these those he she it they we i you me him us them his her its their our my your "
    "in on at by for from with to of and or but as if when while after before because although "
    "despite since until during among amid under over into about there here what who which why how "
    "mr mrs ms dr sir prof speaking asked meanwhile however still also yet so now then but not no "
    "one two three four five six seven eight nine ten some many more most all both each every "
    "yesterday today tomorrow tonight last next earlier later police officials".split()
)
AUXILIARIES = (
    "is",
    "are",
    "was",
    "were",
    "has",
    "have",
    "had",
    "will",
    "would",
    "can",
    "could",
    "should",
    "may",
    "might",
    "must",
    "did",
    "does",
    "do",
)
_IRREGULAR_PAST = {
    "said": "say",
    "told": "tell",
    "made": "make",
    "took": "take",
    "went": "go",
    "gave": "give",
    "found": "find",
    "got": "get",
    "came": "come",
    "left": "leave",
    "won": "win",
    "lost": "lose",
    "saw": "see",
    "began": "begin",
    "became": "become",
    "paid": "pay",
    "brought": "bring",
    "bought": "buy",
    "kept": "keep",
    "held": "hold",
    "met": "meet",
    "led": "lead",
    "sold": "sell",
    "sent": "send",
    "knew": "know",
    "thought": "think",
    "felt": "feel",
    "wrote": "write",
    "beat": "beat",
    "hit": "hit",
    "struck": "strike",
    "shot": "shoot",
    "caught": "catch",
    "chose": "choose",
    "fought": "fight",
}
_PARTICIPLES = {"been", "done", "seen", "made", "given", "taken", "gone", "got", "had", "told", "said", "found"}
_PRONOUNS = {"he", "she", "it", "they", "we", "i", "you", "who"}
_DETERMINERS = {"the", "a", "an", "his", "her", "its", "their", "our", "my", "this", "that", "these", "those"}

# --- tokens -----------------------------------------------------------------------------------

WORD = re.compile(r"[\w'’\-]+(?:[.,]\d+)*")
_NAME_WORD = r"[A-Z](?:['’][A-Z])?[a-zA-Z\-]*"
_NAME_SPAN = re.compile(rf"(?<![\w'’\-]){_NAME_WORD}(?:\s+{_NAME_WORD})*")
_QUOTES = re.compile("[\"“”‘’]|(?<!\\w)'|'(?!\\w)")


def words(text: str) -> list[str]:
    """Lower-cased words (apostrophes and hyphens kept inside a word)."""
    return [w.strip("'’-") for w in WORD.findall(text.lower()) if w.strip("'’-")]


def _bare_words(text: str) -> list[str]:
    """Words without a possessive ending ("Aintree's" -> "aintree")."""
    return [re.sub(r"['’]s$", "", w) for w in words(text)]


def _span_is_droppable(span: str) -> bool:
    """No number, name, time, hedge, negation, modal, connective or quote mark in ``span``."""
    if re.search(r"\d", span) or _QUOTES.search(span) or "n't" in span or "n’t" in span:
        return False
    for i, token in enumerate(WORD.findall(span)):
        bare = token.strip("'’-")
        if bare[:1].isupper() and not (i == 0 and bare.lower() in STOPWORDS):
            return False
        if bare.lower() in _GUARDED or bare.lower() in {m.lower() for m in MONTHS + WEEKDAYS}:
            return False
    return True


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sub_word(text: str, old: str, new: str) -> str:
    """``old`` replaced by ``new`` wherever it stands as a whole word (or number)."""
    return re.sub(rf"(?<![\w.,]){re.escape(old)}(?![\w]|[.,]\d)", new, text)


# --- names of an article ----------------------------------------------------------------------


@dataclass
class ArticleContext:
    """What the error rules need from the whole article: its names and its vocabulary."""

    names: list[str]
    vocabulary: set[str]
    seen_inside: set[str] = field(default_factory=set)  # capitalised words seen away from a sentence's start
    people: set[str] = field(default_factory=set)  # last words of names the article treats as a person's


def _strip_name(span: str) -> str:
    """Leading sentence-start words dropped ("The BBC" -> "BBC"); "" when nothing is left."""
    parts = span.split()
    while parts and parts[0].lower() in STOPWORDS:
        parts = parts[1:]
    while parts and parts[-1].lower() in STOPWORDS:
        parts = parts[:-1]
    name = " ".join(parts)
    if len(name) < 2 or all(p in WEEKDAYS or p in MONTHS for p in parts):
        return ""
    return name


def name_spans(sentence: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, name, at sentence start) of each run of capitalised words in ``sentence``."""
    spans = []
    for match in _NAME_SPAN.finditer(sentence):
        name = _strip_name(match.group())
        if not name or match.group().endswith("-"):  # "Under-21": part of a word, not a name
            continue
        start = sentence.index(name, match.start())
        # Segmented news text can hold a quote or a caption glued on: any capital after a
        # terminator, a colon or a dash starts a sentence too.
        before = sentence[: match.start()].rstrip(" \"“”‘’'([")
        initial = not before or before[-1] in ".!?:;–—-"
        spans.append((start, start + len(name), name, initial))
    return spans


def article_context(sentences: Iterable[str]) -> ArticleContext:
    """Names are runs of capitalised words seen at least once away from a sentence's start, or
    of two or more capitalised words anywhere ("Arsene Wenger said")."""
    sentences = list(sentences)
    names: dict[str, None] = {}
    for sentence in sentences:
        for _, _, name, initial in name_spans(sentence):
            if not initial or " " in name:
                names.setdefault(name)
    vocabulary = {w for s in sentences for w in words(s)}
    inside = {w for s in sentences for _, _, n, initial in name_spans(s) if not initial for w in n.split()}
    return ArticleContext(list(names), vocabulary, inside, _people(sentences, list(names)))


_TITLE_NAME = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Lord|Lady|Prof)\.?\s+({_NAME_WORD}(?:\s+{_NAME_WORD})*)")
_AGED_NAME = re.compile(rf"({_NAME_WORD}),\s+\d{{1,3}},")


def _people(sentences: list[str], names: list[str]) -> set[str]:
    """Last words of the names a news article treats as a person's: after a title ("Mr Smith"),
    before an age (", 31,"), or a name of two or three words whose last word also stands alone
    elsewhere ("Ian Wright ... Wright said"): news calls a person by surname after the first mention."""
    found = {m.group(1).split()[-1] for s in sentences for m in _TITLE_NAME.finditer(s)}
    found |= {m.group(1) for s in sentences for m in _AGED_NAME.finditer(s)}
    alone = {n for s in sentences for _, _, n, initial in name_spans(s) if " " not in n and not initial}
    found |= {n.split()[-1] for n in names if 2 <= len(n.split()) <= 3 and n.split()[-1] in alone}
    return found


def _sentence_names(sentence: str, context: ArticleContext) -> list[tuple[int, int, str]]:
    known = set(context.names)
    return [(s, e, n) for s, e, n, initial in name_spans(sentence) if not initial or " " in n or n in known]


# --- faithful condensations -------------------------------------------------------------------

_PARENTHETICAL = re.compile(r"\s+\(([^()]{1,80})\)(?=[\s,.;:!?]|$)")
_ATTRIBUTION = re.compile(
    r",\s+((?:according to [^,;:()]{2,60}?)"
    r"|(?:[^\s,;:()]+\s){1,4}(?:said|says|added|adds|told reporters|explained|noted)(?: in a statement)?"
    r"|(?:said|says|added) [^,;:()]{2,40}?)"
    r"(?=[.!?]$)"
)
_APPOSITIVE = re.compile(r"(?<=[A-Za-z]),\s+((?:the|a|an|his|her|its|their|who|whose)\s[^,;:()]{2,80}?),(?=\s)")
_LEADING_PREPOSITIONS = {"in", "at", "with", "for", "from", "among", "amid", "under", "like", "unlike", "on"}


def _inside_quote(sentence: str, position: int) -> bool:
    """Within a double-quoted passage: dropping words there would misquote."""
    before = sentence[:position]
    return before.count('"') % 2 == 1 or before.count("“") > before.count("”")


def drop_parenthetical(sentence: str) -> str | None:
    for match in _PARENTHETICAL.finditer(sentence):
        if _inside_quote(sentence, match.start()):
            continue
        if _span_is_droppable(match.group(1)):
            return (sentence[: match.start()] + sentence[match.end() :]).strip()
    return None


def drop_attribution(sentence: str) -> str | None:
    match = _ATTRIBUTION.search(sentence.rstrip())
    if not match or not _span_is_droppable(match.group(1)):
        return None
    text = sentence.rstrip()
    kept = text[: match.start()] + text[match.end() :]
    return kept if len(words(kept)) >= 4 else None


def drop_appositive(sentence: str) -> str | None:
    for match in _APPOSITIVE.finditer(sentence):
        before = WORD.findall(sentence[: match.start()])
        after = sentence[match.end() :].split()
        span_words = match.group(1).split()
        if not before or not before[-1][:1].isupper() or not 2 <= len(span_words) <= 10:
            continue
        if after and after[0].lower() in {"and", "or"}:  # a list, not an appositive
            continue
        if _inside_quote(sentence, match.start()):
            continue
        if _span_is_droppable(match.group(1)):
            return sentence[: match.start()] + sentence[match.end() :]
    return None


def drop_leading_phrase(sentence: str) -> str | None:
    head, comma, rest = sentence.partition(",")
    head_words = head.split()
    if not comma or not 2 <= len(head_words) <= 10 or len(words(rest)) < 4:
        return None
    first = head_words[0]
    if not first[:1].isupper() or not first.isalpha():
        return None
    is_preposition = first.lower() in _LEADING_PREPOSITIONS
    is_participle = len(first) > 4 and first.lower().endswith(("ing", "ed"))
    if not (is_preposition or is_participle) or not _span_is_droppable(head) or _inside_quote(sentence, len(head)):
        return None
    rest = rest.strip()
    if not rest[:1].isalpha():
        return None
    return _capitalise(rest)


CONDENSERS: dict[str, Callable[[str], str | None]] = {
    "drop_parenthetical": drop_parenthetical,
    "drop_attribution": drop_attribution,
    "drop_appositive": drop_appositive,
    "drop_leading_phrase": drop_leading_phrase,
}


def faithful_variants(sentence: str) -> list[Variant]:
    out = [Variant("identity", sentence, sentence, True)]
    for kind, condense in CONDENSERS.items():
        text = condense(sentence)
        if text and text != sentence:
            out.append(Variant(kind, text, sentence, True))
    return out


# --- errors -----------------------------------------------------------------------------------

ErrorRule = Callable[[str, ArticleContext, random.Random], "tuple[str, str] | None"]


def swap_entity(sentence: str, context: ArticleContext, rng: random.Random) -> tuple[str, str] | None:
    spans = _sentence_names(sentence, context)
    if not spans:
        return None
    present = set(_bare_words(sentence))
    start, end, name = rng.choice(spans)
    others = [n for n in context.names if n != name and not set(_bare_words(n)) & present]
    if not others:
        return None
    same_length = [n for n in others if len(n.split()) == len(name.split())]
    other = rng.choice(same_length or others)
    return re.sub(rf"(?<![\w\-]){re.escape(name)}(?![\w\-])", other, sentence), f"{name} -> {other}"


_DIGITS = re.compile(
    r"(?<![\w.,])(?<![A-Za-z]-)\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d])|(?<![\w.,])(?<![A-Za-z]-)\d+(?:\.\d+)?(?![\d])"
)
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)


def _other_number(text: str, rng: random.Random, taken: set[str]) -> str | None:
    commas = "," in text
    decimals = len(text.split(".")[1]) if "." in text else 0
    value = float(text.replace(",", ""))
    for _ in range(30):
        if decimals:
            new = value + rng.choice([-1, 1]) * rng.choice([1, 2, 3, 5]) * 10**-decimals * rng.choice([1, 10])
            if new <= 0:
                continue
            candidate = f"{new:,.{decimals}f}" if commas else f"{new:.{decimals}f}"
        else:
            if len(text) == 4 and 1900 <= value <= 2100:
                new_int = int(value) + rng.choice([-3, -2, -1, 1, 2, 3])
            elif value < 13:
                new_int = rng.choice([k for k in range(1, 13) if k != value])
            else:
                scaled = value * rng.choice([0.5, 0.6, 0.75, 1.25, 1.5, 2, 3])
                digits = len(str(int(scaled)))
                new_int = int(round(scaled, -max(0, digits - 2)))
            candidate = f"{new_int:,}" if commas else str(new_int)
        if candidate != text and candidate not in taken:
            return candidate
    return None


def change_number(sentence: str, context: ArticleContext, rng: random.Random) -> tuple[str, str] | None:
    digits = sorted({m.group() for m in _DIGITS.finditer(sentence)})
    spelled = sorted({m.group() for m in _NUMBER_WORD.finditer(sentence)})
    candidates = [(d, False) for d in digits] + [(w, True) for w in spelled]
    if not candidates:
        return None
    old, is_word = rng.choice(candidates)
    if is_word:
        present = {w.lower() for w in spelled}
        choices = [w for w in NUMBER_WORDS if w not in present and w not in ("hundred", "dozen")]
        new = rng.choice(choices)
        if old[:1].isupper():
            new = _capitalise(new)
    else:
        number = _other_number(old, rng, set(digits))
        if number is None:
            return None
        new = number
    return _sub_word(sentence, old, new), f"{old} -> {new}"


def _time_candidates(sentence: str) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """(start, end, expression, its class) for every time expression in ``sentence``."""
    found: list[tuple[int, int, str, tuple[str, ...]]] = []
    for day in WEEKDAYS:
        found += [(m.start(), m.end(), day, WEEKDAYS) for m in re.finditer(rf"\b{day}s?\b", sentence)]
    for month in MONTHS:
        pattern = r"\bMay\b(?=\s+\d)|(?<=\d\s)May\b|(?<=\bin\s)May\b" if month == "May" else rf"\b{month}\b"
        found += [(m.start(), m.end(), month, MONTHS) for m in re.finditer(pattern, sentence)]
    for season in SEASONS:
        found += [(m.start(), m.end(), season, SEASONS) for m in re.finditer(rf"\b{season}\b", sentence)]
    lowered = sentence.lower()
    for expression in sorted(RELATIVE_TIMES, key=len, reverse=True):
        for m in re.finditer(rf"(?<!earlier )(?<!later )\b{expression}\b", lowered):
            if not any(s <= m.start() < e for s, e, _, _ in found):
                found.append((m.start(), m.end(), sentence[m.start() : m.end()], RELATIVE_TIMES))
    return found


def swap_date(sentence: str, context: ArticleContext, rng: random.Random) -> tuple[str, str] | None:
    candidates = _time_candidates(sentence)
    if not candidates:
        return None
    start, end, old, kind = rng.choice(sorted(candidates))
    lowered = sentence.lower()
    others = [t for t in kind if t.lower() != old.lower() and t.lower() not in lowered]
    if not others:
        return None
    new = rng.choice(others)
    if old[:1].isupper() and kind is RELATIVE_TIMES:
        new = _capitalise(new)
    return sentence[:start] + new + sentence[end:], f"{old} -> {new}"


_CONTRACTED = {
    "isn't": "is",
    "aren't": "are",
    "wasn't": "was",
    "weren't": "were",
    "hasn't": "has",
    "haven't": "have",
    "hadn't": "had",
    "doesn't": "does",
    "don't": "do",
    "didn't": "did",
    "couldn't": "could",
    "wouldn't": "would",
    "shouldn't": "should",
    "won't": "will",
    "can't": "can",
    "cannot": "can",
    "mustn't": "must",
}


_NEGATED = re.compile(r"\b(?:not|never|cannot|no longer)\b|n['’]t\b", re.IGNORECASE)


def _remove_negation(sentence: str) -> tuple[str, str] | None:
    for short, full in _CONTRACTED.items():
        pattern = re.compile(r"\b" + short.replace("'", "['’]") + r"\b", re.IGNORECASE)
        match = pattern.search(sentence)
        if match:
            new = _capitalise(full) if match.group()[:1].isupper() else full
            return sentence[: match.start()] + new + sentence[match.end() :], f"removed '{match.group()}'"
    match = re.search(r"\b(" + "|".join(AUXILIARIES) + r") not\b(?! only)", sentence, re.IGNORECASE)
    if match:
        return sentence[: match.start()] + match.group(1) + sentence[match.end() :], f"removed '{match.group()}'"
    match = re.search(r"\bno longer\b", sentence)
    if match:
        return sentence[: match.start()] + "still" + sentence[match.end() :], "'no longer' -> 'still'"
    match = re.search(r"\s\bnever\b(?=\s)", sentence)
    if match:
        return sentence[: match.start()] + sentence[match.end() :], "removed 'never'"
    match = re.search(r"\s\bnot\b(?! only)(?=\s)", sentence)
    if match:
        return sentence[: match.start()] + sentence[match.end() :], "removed 'not'"
    return None


def _add_negation(sentence: str) -> tuple[str, str] | None:
    tokens = list(re.finditer(r"[\w'’\-]+", sentence))
    for i, token in enumerate(tokens[:-1]):
        word, following = token.group(), tokens[i + 1].group().lower()
        if word not in AUXILIARIES or following in ("not", "n't", "to"):
            continue
        if word in ("has", "have", "had") and not (following.endswith(("ed", "en")) or following in _PARTICIPLES):
            continue
        if word in ("did", "does", "do") and (not following.isalpha() or following in _DETERMINERS):
            continue
        return sentence[: token.end()] + " not" + sentence[token.end() :], f"'{word}' -> '{word} not'"
    for i, token in enumerate(tokens):
        word = token.group()
        subject = tokens[i - 1].group() if i > 0 else ""
        if word in _IRREGULAR_PAST and (subject.lower() in _PRONOUNS or subject[:1].isupper()):
            new = f"did not {_IRREGULAR_PAST[word]}"
            return sentence[: token.start()] + new + sentence[token.end() :], f"'{word}' -> '{new}'"
    return None


def flip_negation(sentence: str, context: ArticleContext, rng: random.Random) -> tuple[str, str] | None:
    if _NEGATED.search(sentence):  # never a second negation: "would not probably not pay"
        return _remove_negation(sentence)
    if set(words(sentence)) & set(NEGATIONS):  # nor a double negative: "can not have no complaints"
        return None
    return _add_negation(sentence)


_HEDGED_NUMBER = r"(?:[£$€]\s?)?(?:\d|(?:" + "|".join(NUMBER_WORDS) + r")\b)"
_HEDGE = re.compile(r"\b(" + "|".join(HEDGES) + r")\s+(?=" + _HEDGED_NUMBER + ")", re.IGNORECASE)
_COUNT = re.compile(r"(?<![\w.,£$€\-])((?:[£$€]\s?)?)(\d[\d,]*(?:\.\d+)?)(?![\d\-:])(?!\s?(?:am|pm|a\.m)\b)")


def flip_hedge(sentence: str, context: ArticleContext, rng: random.Random) -> tuple[str, str] | None:
    hedges = list(_HEDGE.finditer(sentence))
    if hedges:
        match = rng.choice(hedges)
        rest = sentence[match.end() :]
        if match.start() == 0:
            rest = _capitalise(rest)
        return sentence[: match.start()] + rest, f"removed '{match.group(1)}'"
    months_days = {w.lower() for w in MONTHS + WEEKDAYS}
    candidates = []
    for match in _COUNT.finditer(sentence):
        number = match.group(2).replace(",", "")
        before = words(sentence[: match.start()])[-1:]
        after = words(sentence[match.end() :])[:1]
        if len(number) == 4 and number.isdigit() and 1900 <= int(number) <= 2100:
            continue  # a year
        if before and (before[0] in _DETERMINERS or before[0] in months_days or before[0] in ("no", "number")):
            continue
        if after and after[0] in months_days:
            continue
        candidates.append(match)
    if not candidates:
        return None
    match = rng.choice(candidates)
    hedge = rng.choice(ADDED_HEDGES)
    if match.start() == 0:
        hedge = _capitalise(hedge)
    return sentence[: match.start()] + hedge + " " + sentence[match.start() :], f"added '{hedge}'"


_VERB_GROUP_WORDS = {"not", "be", "been", "being", "by", "also", "never", "then", "later", "again", "just"}
_NP_SWAP = re.compile(r"\b([Tt]he|[Aa]n?) ([a-z]{3,}) ([a-z]{3,}) (the|a|an) ([a-z]{3,})\b(?=[\s,.;:!?])")


def _looks_like_verb(word: str) -> bool:
    return word in _IRREGULAR_PAST or word in AUXILIARIES or (len(word) > 3 and word.endswith("ed"))


def _verb_phrase(between: list[str]) -> bool:
    """Only a verb group ("beat", "has signed", "was beaten by"): no noun, no determiner."""
    if not between or not _looks_like_verb(between[0]):
        return False
    return all(_looks_like_verb(w) or w.endswith("ly") or w in _VERB_GROUP_WORDS for w in between)


def swap_subject_object(sentence: str, context: ArticleContext, rng: random.Random) -> tuple[str, str] | None:
    spans = _sentence_names(sentence, context)
    pairs = []
    for (s1, e1, n1), (s2, e2, n2) in zip(spans, spans[1:]):
        between = sentence[e1:s2]
        between_words = between.split()
        if not re.fullmatch(r"(?:\s+[a-z][a-z\-]*)+\s+", between) or len(between_words) > 4:
            continue
        if not _verb_phrase(between_words):
            continue
        if n1 == n2 or set(words(n1)) & set(words(n2)):
            continue
        pairs.append((s1, e1, n1, s2, e2, n2))
    if pairs:
        s1, e1, n1, s2, e2, n2 = rng.choice(pairs)
        return sentence[:s1] + n2 + sentence[e1:s2] + n1 + sentence[e2:], f"{n1} <-> {n2}"
    for match in _NP_SWAP.finditer(sentence):
        noun1, verb, noun2 = match.group(2), match.group(3), match.group(5)
        if not (verb.endswith("ed") or verb in _IRREGULAR_PAST) or noun1 == noun2:
            continue
        if {noun1, noun2} & (STOPWORDS | _GUARDED) or noun2 in _IRREGULAR_PAST:
            continue
        text = (
            sentence[: match.start(2)]
            + noun2
            + sentence[match.end(2) : match.start(5)]
            + noun1
            + sentence[match.end(5) :]
        )
        return text, f"{noun1} <-> {noun2}"
    return None


# (pattern, replacements): a lower-case connective and what it may become.
_CONNECTIVES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"because of", ("despite",)),
    (r"because(?! of)", ("although", "before")),
    (r"as a result of", ("despite",)),
    (r"due to", ("despite",)),
    (r"despite", ("because of",)),
    (r"even though", ("because",)),
    (r"(?<!even )although", ("because",)),
    (r"(?<!even )(?<!as )though(?=\s)", ("because",)),
    (r"after(?!-)", ("before",)),
    (r"before(?!-)", ("after",)),
    (r"until", ("after",)),
    (r"unless", ("if",)),
    (r"(?<=, )so(?= (?!that|far|much|many|long|to)\w)", ("although",)),
    (r"(?<=, )but(?= )", ("because",)),
    (r"therefore", ("however",)),
)


def change_connective(sentence: str, context: ArticleContext, rng: random.Random) -> tuple[str, str] | None:
    found = []
    taken: list[tuple[int, int]] = []
    for pattern, replacements in _CONNECTIVES:
        for match in re.finditer(r"\b" + pattern + r"\b", sentence, re.IGNORECASE):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            taken.append((match.start(), match.end()))
            found.append((match.start(), match.end(), replacements))
    if not found:
        return None
    start, end, replacements = rng.choice(sorted(found))
    old = sentence[start:end]
    new = rng.choice(replacements)
    if old[:1].isupper():
        new = _capitalise(new)
    return sentence[:start] + new + sentence[end:], f"{old} -> {new}"


CLAUSE_VERBS = ("prompted", "triggered", "sparked", "provoked", "drew")
CLAUSE_CLAIMS = (
    "an inquiry into regional ferry subsidies",
    "protests among cocoa farmers",
    "a lawsuit from neighbouring vineyards",
    "criticism from veterinary surgeons",
    "a boycott by hotel cleaners",
    "an emergency audit of pension accounts",
    "delays to the tram extension",
    "a petition signed by beekeepers",
    "a ban on fireworks displays",
    "a dispute over grazing rights",
    "warnings from glacier scientists",
    "a surge in bicycle thefts",
    "a review of lighthouse maintenance",
    "complaints from orchestra musicians",
    "shortages of insulin pens",
    "a walkout by ambulance dispatchers",
)
_CLAUSE_FUNCTION_WORDS = {"which", "a", "an", "the", "of", "from", "by", "on", "over", "in", "to", "among", "into"}


def _novel(word: str, vocabulary: set[str]) -> bool:
    forms = {word, word.rstrip("s"), word + "s", word.removesuffix("ed"), word.removesuffix("d")}
    return not any(form in vocabulary for form in forms if len(form) >= 3)


def append_clause(sentence: str, context: ArticleContext, rng: random.Random) -> tuple[str, str] | None:
    text = sentence.rstrip()
    if not text or text[-1] in "\"”’')]":
        return None
    pairs = [(v, c) for v in CLAUSE_VERBS for c in CLAUSE_CLAIMS]
    rng.shuffle(pairs)
    vocabulary = context.vocabulary | set(words(sentence))
    for verb, claim in pairs:
        content = [w for w in words(f"{verb} {claim}") if w not in _CLAUSE_FUNCTION_WORDS]
        if all(_novel(w, vocabulary) for w in content):
            clause = f", which {verb} {claim}"
            if text[-1] in ".!?":
                return text[:-1] + clause + text[-1], clause[2:]
            return text + clause + ".", clause[2:]
    return None


ERRORS: dict[str, ErrorRule] = {
    "entity_swap": swap_entity,
    "number_change": change_number,
    "date_swap": swap_date,
    "negation": flip_negation,
    "hedge": flip_hedge,
    "subject_object_swap": swap_subject_object,
    "connective_change": change_connective,
    "unsupported_clause": append_clause,
}


def error_variants(sentence: str, context: ArticleContext, seed: int = 0) -> list[Variant]:
    """One variant per error kind that applies to ``sentence``; each kind has its own generator
    seeded with ``seed``, the kind and the sentence."""
    out = []
    for kind, rule in ERRORS.items():
        result = rule(sentence, context, random.Random(f"{seed}:{kind}:{sentence}"))
        if result and result[0] != sentence:
            out.append(Variant(kind, result[0], sentence, False, result[1]))
    return out


def variants(sentence: str, context: ArticleContext, seed: int = 0) -> list[Variant]:
    """Every faithful and unfaithful variant of ``sentence`` that applies."""
    return faithful_variants(sentence) + error_variants(sentence, context, seed)


# --- variants built from several sentences of an article ------------------------------------------
#
# A summary merges sentences and reads one after another, so some errors only exist between
# sentences: a negation flipped where another source has one of its own, a name of one event put
# into another, a pronoun that can only mean the person named just before, a cause or order stated
# between two facts the article merely places side by side. Each rule takes the whole article's
# sentences (positions are article positions) and makes at most one variant per sentence it starts
# from, the partner chosen with the seeded ``rng``.

# Words that state a cause or an order between events: a sentence holding one is never a partner of
# "connective_added" (it might state the link itself).
LINK_WORDS = frozenset(
    "because since so therefore thus hence consequently due result after before following then until later "
    "afterwards prompted prompting caused causing led leading".split()
)
# Words that open a sentence as a continuation; "X, and but ..." reads wrong.
_CONTINUATIONS = frozenset("and but or yet so however meanwhile also still instead nevertheless nonetheless".split())
# Capitalised words that make a name a place or an organisation rather than a person.
_NOT_PERSON = frozenset(
    "city united club council police party court university college school league cup house street road "
    "park bank news times post airport hospital church group company ministry department government "
    "association federation fc bbc sky stadium bridge airlines airways county state states kingdom republic "
    "new north south east west saudi premier championship committee agency office service services "
    "international national royal museum centre center hotel station square island islands day eve christmas "
    "easter labour tory tories conservative conservatives liberal democrats republicans snp scottish british "
    "english welsh irish american french german russian chinese european open world england britain scotland "
    "wales ireland europe america africa asia australia".split()
)
_PERSON_WORD = re.compile(r"(?:[A-Z]{1,2}|[A-Z][a-z]+(?:[A-Z][a-z]+)?|[A-Z]['’][A-Z][a-z]+)")
_FEMALE, _MALE = ("Mrs", "Ms", "Miss", "Dame", "Lady"), ("Mr", "Sir", "Lord")
_TITLES = (*_FEMALE, *_MALE, "Dr", "Prof")
_HE = re.compile(r"\b(?:he|him|his|himself)\b", re.IGNORECASE)
_SHE = re.compile(r"\b(?:she|her|hers|herself)\b", re.IGNORECASE)

ArticleRule = Callable[[list[str], ArticleContext, random.Random], list[Variant]]


def eligible(sentence: str) -> bool:
    """A sentence the audit draws on: MIN_WORDS-MAX_WORDS words (shorter pieces are captions)."""
    return MIN_WORDS <= len(words(sentence)) <= MAX_WORDS


def _has_negation(sentence: str) -> bool:
    return bool(_NEGATED.search(sentence)) or bool(set(words(sentence)) & set(NEGATIONS))


def _nearest(i: int, candidates: Iterable[int], rng: random.Random) -> int | None:
    """The candidate position closest to ``i`` (a summary merges neighbours); a tie drawn by ``rng``."""
    ranked = sorted(candidates, key=lambda j: abs(j - i))
    if not ranked:
        return None
    best = [j for j in ranked if abs(j - i) == abs(ranked[0] - i)]
    return rng.choice(best)


def _pair(kind: str, text: str, main: int, other: int, sentences: list[str], faithful: bool, detail: str) -> Variant:
    ids = tuple(sorted((main, other)))
    return Variant(kind, text, sentences[main], faithful, detail, tuple(sentences[k] for k in ids), ids)


def negation_other_clause(sentences: list[str], context: ArticleContext, rng: random.Random) -> list[Variant]:
    """A negation added to a sentence B that has none, checked against [A, B] where A holds a
    negation of its own; or removed from a sentence A, checked against [A, C] where C holds another.
    The nearest such partner is taken: the "not" of the other source must not cover this one."""
    negated = [i for i, s in enumerate(sentences) if eligible(s) and _has_negation(s)]
    out = []
    for i, sentence in enumerate(sentences):
        if not eligible(sentence):
            continue
        has = _has_negation(sentence)
        changed = _remove_negation(sentence) if has else _add_negation(sentence)
        other = _nearest(i, [j for j in negated if j != i], rng)
        if changed is None or other is None:
            continue
        text, detail = changed
        out.append(
            _pair("negation_other_clause", text, i, other, sentences, False, f"{detail}; the other source has one")
        )
    return out


def _names_apart(a: str, b: str) -> bool:
    return not set(_bare_words(a)) & set(_bare_words(b))


def roles_across_events(sentences: list[str], context: ArticleContext, rng: random.Random) -> list[Variant]:
    """Two sentences of different events (not neighbours, no name in common), each naming someone or
    something: the second's first name replaced by one of the first's (a person's by a person's, a
    name of two words or one named twice, not a capitalised word opening a quote), checked against
    [first, second]. The name is in the sources, but in the other event."""
    named = {i: _sentence_names(s, context) for i, s in enumerate(sentences) if eligible(s)}
    mentions = Counter(n for spans in named.values() for n in {n for _, _, n in spans})

    def salient(name: str) -> bool:  # a name, not a capitalised word that opens a quote ("Lose some weight")
        return " " in name or mentions[name] > 1 or _person(name, context)

    out = []
    for j, spans in named.items():
        if not spans or not salient(spans[0][2]):
            continue
        _, _, old = spans[0]  # the first name: most often the subject
        person = _person(old, context)  # a person's doer replaced by a person, a place by a place
        partners = []
        for i, others in named.items():
            if abs(i - j) < 2 or not others:
                continue
            if any(not _names_apart(n, m) for _, _, n in others for _, _, m in spans):
                continue
            partners += [
                (i, n)
                for _, _, n in others
                if not set(_bare_words(n)) & set(_bare_words(sentences[j]))
                and _person(n, context) == person
                and salient(n)
            ]
        if not partners:
            continue
        alike = [(i, n) for i, n in partners if len(n.split()) == len(old.split())]
        i, new = rng.choice(alike or partners)
        text = re.sub(rf"(?<![\w\-]){re.escape(old)}(?![\w\-])", new, sentences[j])
        out.append(_pair("roles_across_events", text, j, i, sentences, False, f"{old} -> {new} (of another event)"))
    return out


def _person(name: str, context: ArticleContext) -> bool:
    """A person's name, as far as words tell: at most three capitalised words, none of which names a
    place or an organisation, ending in a word the article uses for a person (``_people``)."""
    parts = name.split()
    if any(p.lower() in _NOT_PERSON or p in WEEKDAYS or p in MONTHS or not _PERSON_WORD.fullmatch(p) for p in parts):
        return False
    if parts[0] not in context.seen_inside and (parts[0].endswith("ly") or parts[0].lower() in AUXILIARIES):
        return False  # "Certainly McHenry", "Did McHenry" open a sentence
    return len(parts) <= 3 and parts[-1] in context.people


def _subject_person(sentence: str, context: ArticleContext) -> tuple[int, int, str] | None:
    """(start, end, name) of the person opening ``sentence`` as its subject (a title kept with it:
    "Mr Smith said"): a verb-like lower-case word follows, not an aside, a possessive or "who"."""
    spans = name_spans(sentence)
    if not spans:
        return None
    start, end, name, _ = spans[0]
    title = sentence[:start].strip()
    if title and title.rstrip(".") not in _TITLES:
        return None
    follows = re.match(r" ([a-z]+)\b", sentence[end:])
    if not follows or follows.group(1) in {"who", "whose", "which", "and", "or", "of"} or not _person(name, context):
        return None
    return 0, end, name


def _pronoun_for(name: str, sentences: list[str]) -> str | None:
    """ "He" or "She" for the person ``name``: the pronoun more frequent in the sentences naming them
    and the sentence after each, else in the whole article; None when it has neither."""
    mine = set(_bare_words(name))
    for sentence in sentences:  # a title says it outright
        for match in _TITLE_NAME.finditer(sentence):
            title = match.group().split()[0].rstrip(".")
            if set(_bare_words(match.group(1))) & mine and title in _FEMALE + _MALE:
                return "She" if title in _FEMALE else "He"
    near = [" ".join(sentences[i : i + 2]) for i, s in enumerate(sentences) if mine & set(_bare_words(s))]
    for texts in (near, sentences):
        he = sum(len(_HE.findall(s)) for s in texts)
        she = sum(len(_SHE.findall(s)) for s in texts)
        if he != she:
            return "He" if he > she else "She"
    return None


def _first_person(sentence: str, context: ArticleContext) -> str | None:
    """The first name of ``sentence`` when it is a person's."""
    spans = name_spans(sentence)
    return spans[0][2] if spans and _person(spans[0][2], context) else None


def _pronoun_variants(sentences: list[str], context: ArticleContext, rng: random.Random, right: bool) -> list[Variant]:
    subjects = {i: found[2] for i, s in enumerate(sentences) if eligible(s) and (found := _subject_person(s, context))}
    people = {i: person for i, s in enumerate(sentences) if eligible(s) and (person := _first_person(s, context))}
    out = []
    for i, sentence in enumerate(sentences):
        subject = _subject_person(sentence, context) if eligible(sentence) else None
        if subject is None:
            continue
        _, end, name = subject
        pronoun = _pronoun_for(name, sentences)
        if pronoun is None:
            continue
        text = pronoun + sentence[end:]
        mine = set(_bare_words(name))
        if right:  # a sentence whose first name is this person's (the one "he" would mean)
            partners = [j for j, subject in subjects.items() if j != i and set(_bare_words(subject)) & mine]
        else:  # one naming another person first, and this one nowhere
            partners = [
                j
                for j, person in people.items()
                if j != i and not set(_bare_words(person)) & mine and not set(_bare_words(sentences[j])) & mine
            ]
        j = _nearest(i, partners, rng)
        if j is None:
            continue
        said = subjects[j] if right else people[j]
        kind = "faithful_pronoun" if right else "pronoun_other_entity"
        detail = f"{name} -> {pronoun}, read after a sentence naming {said}"
        out.append(Variant(kind, text, sentence, right, detail, (sentence,), (i,), (sentences[j],)))
    return out


def pronoun_other_entity(sentences: list[str], context: ArticleContext, rng: random.Random) -> list[Variant]:
    """A sentence opening with a person's name, the name replaced by "He" or "She" (whichever the
    article uses more), read after a sentence that names another person first and this one nowhere:
    the pronoun can only mean the wrong person. Checked against [the sentence]."""
    return _pronoun_variants(sentences, context, rng, right=False)


def faithful_pronoun(sentences: list[str], context: ArticleContext, rng: random.Random) -> list[Variant]:
    """The same pronoun read after a sentence that names the right person first: faithful."""
    return _pronoun_variants(sentences, context, rng, right=True)


def _joinable(sentence: str) -> bool:
    """A plain statement that can be half of a joined sentence: ends with a full stop, no quote."""
    text = sentence.rstrip()
    return eligible(sentence) and text.endswith(".") and not _QUOTES.search(text) and not text.endswith("..")


def _continued(sentence: str, context: ArticleContext) -> str:
    """``sentence`` as the second half of a joined one: its capital dropped unless a name opens it."""
    first = sentence.split()[0]
    named = {w for n in context.names for w in n.split()} | context.seen_inside | context.people
    if first == "I" or first in named:
        return sentence
    return first.lower() + sentence[len(first) :]


# (joined as, what it states) for "connective_added": ``{a}``/``{b}`` the two sentences.
JOINS: tuple[tuple[str, str], ...] = (
    ("{a} because {b}", "cause"),
    ("{a}, so {b}", "cause"),
    ("{a}; as a result, {b}", "cause"),
    ("{a} after {b}", "sequence"),
    ("{a} before {b}", "sequence"),
)


def _neighbours(sentences: list[str], context: ArticleContext) -> list[tuple[int, str, str]]:
    """Adjacent sentences that can be joined: (position of the first, first without its full stop,
    second as a continuation)."""
    out = []
    for i in range(len(sentences) - 1):
        a, b = sentences[i].rstrip(), sentences[i + 1].strip()
        if not (_joinable(a) and _joinable(b)) or words(b)[0] in _CONTINUATIONS:
            continue
        if len(words(a)) + len(words(b)) > MAX_WORDS:
            continue
        out.append((i, a[:-1], _continued(b, context)))
    return out


def connective_added(sentences: list[str], context: ArticleContext, rng: random.Random) -> list[Variant]:
    """Two adjacent sentences joined by a cause or sequence connective neither of them states
    ("because", ", so", "; as a result,", "after", "before"): a link the article never makes.
    Checked against [both]."""
    out = []
    for i, a, b in _neighbours(sentences, context):
        if LINK_WORDS & (set(words(a)) | set(words(b))):
            continue
        join, states = rng.choice(JOINS)
        text = join.format(a=a, b=b)
        connective = join.replace("{a}", "").replace("{b}", "").strip(" ;,")
        out.append(_pair("connective_added", text, i, i + 1, sentences, False, f"'{connective}' ({states}) added"))
    return out


def _same_event(a: str, b: str, context: ArticleContext) -> bool:
    """Adjacent sentences tell of one event when they share a content word or the second refers back
    with a pronoun."""
    content = {w for w in _bare_words(a) if len(w) > 3 and w not in STOPWORDS and w not in _GUARDED}
    return bool(content & set(_bare_words(b))) or words(b)[0] in _PRONOUNS


def faithful_merge(sentences: list[str], context: ArticleContext, rng: random.Random) -> list[Variant]:
    """Two adjacent sentences of one event joined with ", and": a merge that states nothing new.
    Checked against [both]."""
    out = []
    for i, a, b in _neighbours(sentences, context):
        if _same_event(a, b, context):
            out.append(_pair("faithful_merge", f"{a}, and {b}", i, i + 1, sentences, True, "joined with ', and'"))
    return out


ARTICLE_RULES: dict[str, ArticleRule] = {
    "negation_other_clause": negation_other_clause,
    "roles_across_events": roles_across_events,
    "pronoun_other_entity": pronoun_other_entity,
    "connective_added": connective_added,
    "faithful_merge": faithful_merge,
    "faithful_pronoun": faithful_pronoun,
}


def article_variants(sentences: list[str], context: ArticleContext, seed: int = 0) -> list[Variant]:
    """Every variant built from several sentences of one article (``sentences`` in article order),
    each rule seeded with ``seed``, its kind and the article's first sentence."""
    out = []
    for kind, rule in ARTICLE_RULES.items():
        rng = random.Random(f"{seed}:{kind}:{sentences[0] if sentences else ''}")
        out += [v for v in rule(sentences, context, rng) if v.text not in v.against]
    return out
