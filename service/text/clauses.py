"""Clauses: the parts of a sentence that can be deleted and leave a complete, true sentence.

Condensing by deletion is faithful by construction: every word left is the source's own, in its
order. What it can still get wrong is *what* it deletes — a negation, a hedge, a time, an
attribution, an item of a list, or the verb. So deletions here are whole clause-level units:

* a parenthesis: "(SOHR)";
* an inner segment set off by commas or dashes: an appositive ("Homs, Syria's third-largest city,
  ...") or a non-restrictive clause (", which ..., ");
* a leading adverbial up to its comma ("On Thursday, ...", "In a statement, ...");
* a trailing segment from a clause boundary to the end (", a move that ...", "... after talks failed").

Segments that carry an attribution ("said", "according to") are never deleted: "jets struck a
bridge" is not what "jets struck a bridge, the monitor said" claims. What remains must be a
complete sentence: at least four words, a verb outside any leading adverbial, no dangling last
word, balanced quotes. Meaning-changing deletions that survive these rules (a dropped "not" or "on
Thursday") are for the scoped checks (``factcheck.scoped_reasons``) to refuse.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from service.text.lexicon import (
    COORDINATORS,
    DANGLING_WORDS,
    OPENERS,
    RELATIVES,
    SUBORDINATORS,
    TIME_PHRASE_WORDS,
    VERB_FORMS,
)
from service.text.words import count_words

MAX_OPTIONAL_SEGMENTS = 5  # inner segments combined freely (2^5 subsets), the rest kept
MIN_WORDS = 4

_FINAL_ATTRIBUTION = re.compile(r",\s+([^,;:\"“”]{2,80}?)\s*[.!?]?$")  # ", officials said."
_PAREN = re.compile(r"\s+\([^()]{1,120}\)(?=[\s,.;:!?]|$)")  # not "(in)action": a word's own brackets
# ", X," or " — X —": X is an appositive or a non-restrictive clause.
_INNER = re.compile(r",\s+([^,;:\"“”]{3,160}?),(?=\s)|\s+[—–-]\s+([^—–()]{3,160}?)\s+[—–-](?=\s)")
_NEXT_ASIDE = re.compile(r",\s+([^,;:\"“”]{3,160}?)(?=,\s)")  # overlapping: ", A, B," holds two asides
_LEADING = re.compile(r"^([^,;:\"“”]{2,80}?),\s+(?=\S)")
# Conjunctions that open a clause needing its own verb ("after", "since", "until" are more often
# prepositions: "withdrew after days of fighting[, leaving ...]" may lose its trailing clause).
_SUBORDINATE_OPENER = re.compile(r"\b(?:as|while|when|because|although|though|if|whereas)\s", re.I)
# "as" after a participle or in "such as" / "as well as" is a preposition ("confirmed as Kilmarnock's
# manager", "known as"): it opens a phrase, not a clause waiting for its verb.
_PREPOSITION_AS = re.compile(r"(?:\b\w{3,}(?:ed|en)|\b(?:known|seen|shown|such|well|same|so))\s+as\s$", re.I)
_TRAILING = re.compile(
    r"\s*(?:[,;:]|\s[-–—]+)\s+|\s+(?=(?i:after|because|before|while|when|whereas|although|though|since|until|"
    r"despite|following|amid|but|as (?:he|she|they|it|we|i|you)|where (?:he|she|they|it|we|i|you))\b)"
)
# An attribution says whose claim it is; deleting it turns a report into an assertion.
ATTRIBUTION = re.compile(
    r"\b(?:said|says|say|according|told|tells|reported|reports|claimed|claims|stated|states|announced|"
    r"announces|confirmed|confirms|alleged|alleges|added|adds|wrote|writes|estimated|estimates|believed|"
    r"believes|warned|warns|stating|saying|adding|noting|warning|telling|describing|calling)\b",
    re.I,
)
_WORD = re.compile(r"[A-Za-z]+(?:[’'][a-z]+)?")
# Sentence stops of every script, and the quotes a sentence may end on: a sentence ending in one never
# gets an ASCII "." as well ("。." is a typo no reader forgives).
SENTENCE_STOPS = ".!?。！？؟।॥۔։።။"
_FINAL_QUOTES = "\"”’'」』»"
# What may close a sentence: a stop, a closing quote, or an ellipsis ("。." or "…." is a typo).
_SENTENCE_ENDS = SENTENCE_STOPS + _FINAL_QUOTES + "…"
# The full stop for a cut sentence, by its source's last mark: Chinese keeps "。", Hindi "।".
_FULL_STOPS = {"。": "。", "！": "。", "？": "。", "।": "।", "॥": "।", "۔": "۔", "։": "։", "።": "።", "။": "။"}
_CLAUSE_BREAK = re.compile(r"\s+(?:--|[—–])\s+|;\s+|\s+but\s+")  # where a new clause starts


@dataclass(frozen=True)
class Span:
    """A deletable stretch of a sentence: characters ``start``..``end``."""

    start: int
    end: int
    kind: str  # "parenthesis" | "inner" | "leading" | "trailing"


def deletable_spans(sentence: str) -> list[Span]:
    """The clause-level units of ``sentence`` that may be deleted (trailing ones run to its end)."""
    spans = [Span(m.start(), m.end(), "parenthesis") for m in _PAREN.finditer(sentence)]
    lead = _LEADING.match(sentence)
    opener = lead is not None and _adverbial(lead.group(1))
    if lead and opener and not ATTRIBUTION.search(lead.group(1)):
        spans.append(Span(0, lead.end(), "leading"))
    # ", X," right after a leading adverbial ("On Thursday, the rebels captured Hama,") is the main
    # clause, not an aside: never a unit.
    lead_comma = sentence.index(",") if lead and opener else -1
    asides = _asides(sentence, lead_comma)
    for start, end, inner in asides:
        after = sentence[end:].lstrip()
        # Deleting it must not hand what follows to another word: a quote, or "who ..." that
        # would then describe the noun before the aside ("Hama ... who recently lost Aleppo").
        attaches = after[:1] in '"“' or after.split(" ", 1)[0].lower() in RELATIVES
        if _aside(inner) and not attaches and not _list_item(sentence, start, end, inner):
            spans.append(Span(start, end, "inner"))
    for m in _TRAILING.finditer(sentence):
        cut = m.start()
        # A cut inside an aside that interrupts the subject ("The offensive, which began ...,")
        # leaves no main verb; inside one that follows the verb, it ends a complete clause.
        inside_aside = any(
            start < cut < end and not has_verb(sentence[lead_comma + 1 : start]) for start, end, _ in asides
        )
        rest = sentence[m.end() :]
        if _keeps_whole(sentence, cut, rest):
            continue
        if cut > 0 and not inside_aside and not _attribution_tail(sentence[cut:]) and rest[:1] not in "\"“'‘":
            spans.append(Span(cut, len(sentence), "trailing"))
    return spans


def _adverbial(lead: str) -> bool:
    """Whether a sentence's opening segment is an adverbial ("On Thursday", "Last week", "In a
    statement") rather than its subject ("The rebel offensive")."""
    words = lead.lower().split()
    return words[0] in OPENERS or all(w in TIME_PHRASE_WORDS or w.isdigit() for w in words)


def main_clause_start(sentence: str) -> int:
    """Where the sentence's main clause begins: after its leading adverbials ("On Thursday, ...",
    "In a statement, ..."), one after another; 0 when it opens with its subject."""
    start = 0
    while True:
        lead = _LEADING.match(sentence[start:])
        if lead is None or not _adverbial(lead.group(1)) or ATTRIBUTION.search(lead.group(1)):
            return start
        start += lead.end()


def _asides(sentence: str, lead_comma: int) -> list[tuple[int, int, str]]:
    """Every ", X," and " — X —" segment as (start, end, X), overlapping ones included (", A, B,"
    holds two), except the main clause after a leading adverbial's comma."""
    found = []
    for comma in (m.start() for m in re.finditer(",", sentence)):
        m = _NEXT_ASIDE.match(sentence, comma)
        if m and comma != lead_comma:
            found.append((m.start(), m.end() + 1, m.group(1)))
    found += [(m.start(), m.end(), m.group(2)) for m in _INNER.finditer(sentence) if m.group(2)]
    return found


def _keeps_whole(sentence: str, cut: int, rest: str) -> bool:
    """Cuts that would change what is left, not just shorten it: in a question (what is left would
    read as a statement); inside a list; before ", that ..." (a restrictive clause: "there is no candidate, no
    condition, that can change our minds" is not "there is no candidate"); at a dash that opens a
    pair ("X — who ... — won"), whose clause goes on after the closing one."""
    if sentence.rstrip().endswith("?"):
        return True
    if re.match(r"that\b", rest):
        return True
    before = sentence[:cut]
    # The item before the cut starts after the last comma, or after a colon that opens the list
    # ("in the following countries: United States, England, Canada, China and India").
    item_before = re.split(r"[,:;]", before)[-1] if re.search(r"[,:;]", before) else ""
    if item_before and count_words(item_before) <= 3 and re.match(r"(?:\S+\s+){0,2}\S+?(?:,|\s+(?:and|or)\s)", rest):
        return True  # inside a list ("no candidate, no information, [no condition, that ...]")
    if re.match(r"\S+\s+(?:and|or)\s", rest):
        return True  # a list's last items after a long clause: "more revealing[, explosive and damaging]"
    opened = [m for m in _SUBORDINATE_OPENER.finditer(before) if not _PREPOSITION_AS.search(before[: m.end()])]
    if opened and not has_verb(_PAREN.sub("", before[opened[-1].end() :])):  # "(left)" is no verb here
        return True  # it would take a subordinate clause's verb: "looks on as the chief, Gary Scott[, addresses...]"
    dash = sentence[cut:].lstrip()[:1]
    return dash in "—–-" and dash != "" and dash in sentence[cut + 2 :]


def _attribution_tail(tail: str) -> bool:
    """Whether a trailing segment says whose claim the sentence is (", the police said on Friday",
    ", according to court filings"): an attribution in its first five or last four words. A longer
    tail that merely mentions "reports" further in is a clause of its own."""
    words = tail.split()
    return bool(ATTRIBUTION.search(" ".join(words[:5])) or ATTRIBUTION.search(" ".join(words[-4:])))


def _aside(inner: str) -> bool:
    """An appositive or non-restrictive clause ("the leader of HTS", "which began in 2011"), not a
    predicate ("addressed the residents") or an attribution ("the police said")."""
    if ATTRIBUTION.search(inner):
        return False
    first = inner.split()[0].lower()
    if first in RELATIVES:
        return True
    return not _verb_form(first) and not any(w.lower() in VERB_FORMS for w in _WORD.findall(inner))


def _list_item(sentence: str, start: int, end: int, inner: str) -> bool:
    """ ", Hama," in "Homs, Hama and Aleppo": a short segment followed by a list's "and"/"or"."""
    after = sentence[end:].lstrip()
    before = sentence[:start].rstrip()
    short = count_words(inner) <= 3
    # The item before it, after the last comma or a colon that opens the list ("countries: United
    # States, England, Canada"): short too, so ", England," is an item, not an appositive.
    previous = re.split(r"[,:;]", before)[-1] if re.search(r"[,:;]", before) else ""
    listed = bool(previous.strip()) and count_words(previous) <= 3
    # A list's last items in one segment: "Minister of Industry, Investment and Commerce, Senator...".
    tail = re.search(r"\b(?:and|or)\b", inner) is not None
    return short and (re.match(r"(?:and|or)\b", after) is not None or before.endswith(",") or listed or tail)


def deletions(sentence: str) -> list[str]:
    """Every complete sentence ``sentence`` becomes by deleting clause-level units, the sentence
    itself first, the rest shortest first. Capitalisation and the final stop are repaired. A final
    attribution (", officials said.") stays on every version: units are deleted before it."""
    attribution = _FINAL_ATTRIBUTION.search(sentence)
    if attribution and ATTRIBUTION.search(attribution.group(1)) and count_words(attribution.group(1)) <= 8:
        body, tail = sentence[: attribution.start()], sentence[attribution.start() :]
        shorter = [v.rstrip(".") + tail for v in _deletions(body.rstrip() + ".")[1:]]
        return [sentence, *dict.fromkeys(v for v in shorter if complete(v))]
    return _deletions(sentence)


def _deletions(sentence: str) -> list[str]:
    spans = deletable_spans(sentence)
    optional = [s for s in spans if s.kind != "trailing"][:MAX_OPTIONAL_SEGMENTS]
    trailing = [None, *sorted({s.start for s in spans if s.kind == "trailing"})]
    found: dict[str, None] = {}
    for size in range(len(optional) + 1):
        for chosen in itertools.combinations(optional, size):
            if _overlapping(chosen):
                continue
            for cut in trailing:
                text = _delete(sentence, chosen, cut)
                if text and text.rstrip(".") != sentence.rstrip(".") and complete(text):  # not just a stop added
                    found[text] = None
    return [sentence, *sorted(found, key=count_words)]


_PHRASE_START = re.compile(r"\s+(?=(?:of|in|on|at|from|for|with|over|during|to|by|into|across|near)\s)")


def phrase_cuts(sentence: str) -> list[str]:
    """Shorter still, for a headline when no clause-level version fits: the sentence cut before a
    trailing prepositional or infinitive phrase ("… will be able to use an app [to trigger online
    information …]"), longest first, each complete. Detail goes, and the scoped checks still refuse
    a cut that drops a time, hedge or negation."""
    found: dict[str, None] = {}
    for match in _PHRASE_START.finditer(sentence):
        text = _delete(sentence, (), match.start())
        if text and not _unbalanced(text) and complete(text):
            found[text] = None
    return sorted(found, key=count_words, reverse=True)


def _overlapping(spans: tuple[Span, ...]) -> bool:
    ordered = sorted(spans, key=lambda s: s.start)
    return any(a.end > b.start for a, b in zip(ordered, ordered[1:]))


def _delete(sentence: str, spans: tuple[Span, ...], cut: int | None) -> str:
    text, removed = "", 0
    for span in sorted(spans, key=lambda s: s.start):
        if cut is not None and span.start >= cut:
            break
        text += sentence[removed : span.start]
        removed = span.end
    text += sentence[removed : cut if cut is not None and cut >= removed else len(sentence)]
    if cut is not None and cut < removed:
        return ""
    text = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s{2,}", " ", text)).strip(" ,;:-–—，、；：")
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    if not ends_sentence(text):
        text = text.rstrip(".") + full_stop(sentence)
    if sentence.rstrip()[-1:] in "!?" and cut is None and text[-1:] not in "!?":
        text = text.rstrip(".") + sentence.rstrip()[-1]
    return text


def complete(text: str) -> bool:
    """Whether a cut-back sentence still reads as one: enough words, no dangling last word, balanced
    quotes, and a main clause with a verb: not only leading adverbials ("However, with 240 million
    people yet to receive a shot."), not a subordinate clause cut from its main one ("..., and while
    deaths have dropped."), and no last clause left without its verb ("... -- but Prince Harry and
    Meghan.")."""
    body = text.rstrip(".!?").strip()
    if count_words(body) < MIN_WORDS or dangles(body) or _unbalanced(body):
        return False
    stripped = False
    while body and _first_word(body) in OPENERS:  # leading adverbials, one after another
        if "," not in body:
            return False  # only the adverbial is left ("Following the loss of Hama.")
        body, stripped = body.split(",", 1)[1].strip(), True
    if not body or (stripped and _first_word(body) in COORDINATORS):
        return False  # "While X, and Y": still the subordinate clause, its main clause cut
    tail = [w.lower() for w in body.rsplit(",", 1)[-1].split()[:2]]
    if len(tail) == 2 and tail[0] in COORDINATORS and tail[1] in SUBORDINATORS:
        return False  # "..., and while deaths have dropped": a subordinate clause without its main one
    last_clause = _CLAUSE_BREAK.split(body)[-1]
    return has_verb(body) and has_verb(last_clause)


def _first_word(text: str) -> str:
    found = re.match(r"\W*([\w'’]+)", text)
    return found.group(1).lower() if found else ""


def standalone(sentence: str) -> bool:
    """Whether an article sentence reads as a statement on its own: complete, not opening inside a
    quotation or with a label ("Listen:", "Watch:"), and not glued to a next one ("UniversityHungarian")."""
    body = sentence.strip()
    if body[:1] in "\"“'‘" or re.match(r"^\w+:\s", body) or re.search(r"[a-z]{5,}[A-Z][a-z]", body):
        return False
    return complete(body if body[-1:] in SENTENCE_STOPS else body + ".")


def ends_sentence(text: str) -> bool:
    """Whether ``text`` (stripped) already ends its sentence: a stop of any script ("。", "؟", "।") or
    a closing quote. Whoever adds a full stop asks this first."""
    return text[-1:] in _SENTENCE_ENDS


def full_stop(sentence: str) -> str:
    """The full stop to end a shortened ``sentence`` with: its own script's ("。" after Chinese), "."
    otherwise."""
    return _FULL_STOPS.get(sentence.rstrip()[-1:], ".")


def has_verb(text: str) -> bool:
    """A finite verb, by form: an auxiliary, a common verb (irregular, or in the third person: an
    "-s" ending alone cannot tell "falls" from "countries"), or a past tense in -ed (not as the first
    word, which opens a participle phrase: "Compared with ..."). Errs towards "no verb": a version
    it refuses is only a shorter sentence not offered."""
    tokens = _WORD.findall(text)
    for i, token in enumerate(tokens):
        if token[0].isupper() and i:
            continue  # a name ("Mohammed") is no verb
        low = token.lower()
        if low in VERB_FORMS or (i and _past(low)):  # a first "Compared"/"Based" opens a participle phrase
            return True
    return False


def _past(low: str) -> bool:
    return len(low) > 4 and low.endswith("ed") and "'" not in low and "’" not in low


def _verb_form(low: str) -> bool:
    """Whether a segment's first word is a verb: the segment is then a predicate, not an aside."""
    return low in VERB_FORMS or _past(low)


def _unbalanced(text: str) -> bool:
    """A quote or parenthesis opened and not closed: a cut inside it ("under the theme ‘Zones." for "the theme
    ‘Zones: Your Partners for Resilience’"). A ’ inside a word is an apostrophe, not a closing quote."""
    closing_singles = len(re.findall(r"’(?![^\W\d_])", text))
    quotes = text.count('"') % 2 == 1 or text.count("“") != text.count("”") or text.count("‘") > closing_singles
    return quotes or text.count("(") != text.count(")")  # "(or more likely at this point." cut a parenthesis


def shorten(sentence: str, max_words: int) -> str | None:
    """The longest complete sentence within ``max_words`` that deleting clause-level units makes
    of ``sentence`` (the sentence itself if it fits), or None. Never a cut mid-clause."""
    if count_words(sentence) <= max_words:
        return sentence
    fitting = [c for c in deletions(sentence)[1:] if count_words(c) <= max_words]
    return fitting[-1] if fitting else None


def dangles(head: str) -> bool:
    """Whether a cut-back sentence ends on a word that needs more after it, or on a bare number
    (a quantity whose noun was cut: "99 of", "more than 20")."""
    last = re.findall(r"[\w'’]+", head.lower())
    return not last or last[-1] in DANGLING_WORDS or last[-1].replace(",", "").replace(".", "").isdigit()


# Adverbs that may stand before a subordinator: "Right after the incident took place".
_SUBORDINATE_LEAD = frozenset("right just shortly soon even only long well immediately directly".split())


def subordinate_only(text: str) -> bool:
    """Whether ``text`` is a subordinate clause without the main clause it belongs to ("Right after
    the incident took place", "As the rebels advanced on Homs"): it opens with a subordinator and no
    comma or dash hands over to a main clause. Such a text has a verb, but not the news."""
    words = [w.lower() for w in re.findall(r"[\w'’]+", text)]
    while words and words[0] in _SUBORDINATE_LEAD:
        words = words[1:]
    return bool(words) and words[0] in SUBORDINATORS and not re.search(r",\s|\s[—–-]\s", text)


_CAPITALISED = re.compile(r"^[\"“‘']?[A-Z0-9]")


def cut_inside_phrase(text: str, source: str) -> bool:
    """Whether ``text``, a cut of article sentence ``source`` that ends where the source goes on, ends
    inside a phrase the source had not finished: a list ("frigates HMS Cumberland[, HMS Campbeltown
    and ...]", "Homs[ and Hama]"), a name ("Manchester[ United]") or a quotation (a quote opened
    and not closed). A cut before a clause ("...[, marking a setback]", "...[ after talks failed]")
    is none of these."""
    body = text.strip().rstrip(".。")
    if _unbalanced(body):
        return True
    words = re.findall(r"\S+", body)
    if not words:
        return False
    tail = r"\s+".join(re.escape(w) for w in words[-3:])
    ends = [m.end() for m in re.finditer(tail, source)]
    if not ends:
        return False
    after = source[ends[-1] :]
    last_capitalised = bool(_CAPITALISED.match(words[-1]))
    if re.match(r"\s+(?:and|or|&)\s", after):
        return True  # the last item cut off: "Homs[ and Hama]"
    if last_capitalised and re.match(r"\s+[A-Z]", after):
        return True  # inside a name: "Manchester[ United]"
    # inside a list of names: "HMS Cumberland[, HMS Campbeltown and HMS Chatham]"
    return last_capitalised and bool(re.match(r",\s+[^,;:]{1,40}?(?:,\s+[^,;:]{1,40}?)*,?\s+(?:and|or)\s", after))
