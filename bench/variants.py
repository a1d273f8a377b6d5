"""Variants of an article sentence for bench/audit: faithful condensations and injected errors.

Every function here is a pure rule on one sentence (plus, for a few errors, the names and words of
its article) and standard-library only, so the variants can be tested without the service.

Faithful variants (``FAITHFUL_KINDS``) say nothing the sentence does not:

* ``identity``: the sentence itself;
* ``drop_parenthetical``: a bracketed aside, "(pictured)";
* ``drop_attribution``: a trailing ", police said" / ", a spokesman added" / ", according to the report";
* ``drop_appositive``: ", the former coach," after a name;
* ``drop_leading_phrase``: a leading prepositional or participial phrase up to its comma,
  "Speaking to reporters, ...";
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
  words the article never uses.

Randomness (which name, which number, which replacement) comes from ``random.Random`` seeded with
the seed and the sentence, so a sentence gets the same variants whatever else is generated.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

FAITHFUL_KINDS = (
    "identity",
    "drop_parenthetical",
    "drop_attribution",
    "drop_appositive",
    "drop_leading_phrase",
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
)


@dataclass(frozen=True)
class Variant:
    kind: str
    text: str
    source: str
    faithful: bool
    detail: str = ""


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
        if not name:
            continue
        start = sentence.index(name, match.start())
        # Segmented news text can hold a quote or a caption glued on: any capital after a
        # terminator, a colon or a dash starts a sentence too.
        before = sentence[: match.start()].rstrip(" \"“‘'([")
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
    return ArticleContext(list(names), vocabulary)


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
        new = _other_number(old, rng, set(digits))
        if new is None:
            return None
    return _sub_word(sentence, old, new), f"{old} -> {new}"


def _time_candidates(sentence: str) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """(start, end, expression, its class) for every time expression in ``sentence``."""
    found = []
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
