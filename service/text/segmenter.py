"""Sentence segmentation for real news text.

pysbd (rule-based, maintained, handles abbreviations, quotes and decimals, rules for 23 languages)
does the splitting; around it we repair what scraping and pasting do to news: hard-wrapped lines
(a line break inside a paragraph is no sentence end), sentences glued together ("community.Dr
Venter"), share-widget and media-player boilerplate, bullet lists, datelines, and run-on text with
no sentence stops at all. ``bench/golden`` scores the result on pySBD's Golden Rules per language.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from functools import lru_cache

import pysbd
import regex
from pysbd.languages import LANGUAGE_CODES

from service.text.language import DEFAULT_LANGUAGE
from service.text.lexicon import FUNCTION_WORDS
from service.text.words import UNSPACED_CHAR, character_starts, word_equivalents, word_starts

LANGUAGES = tuple(LANGUAGE_CODES)  # ISO 639-1 codes pysbd has rules for; others fall back to English

# Words a web page's share widget or media player leaves in scraped text (BBC, CNN, Daily Mail).
_BOILERPLATE = [
    re.compile(
        r"Share this with(?:\s*(?:Email|Facebook|Messenger|Twitter|Pinterest|WhatsApp|LinkedIn|Copy this link))+", re.I
    ),
    re.compile(r"(?:Linked[Ii]n\s*)?Copy this link"),
    re.compile(r"Media playback is (?:not supported|unsupported) on (?:this|your) device"),
    re.compile(r"Scroll down for video"),
    re.compile(r"Image (?:copyright|caption)\b"),
]
# "community.Dr Venter" / "said.\"Next" / "2011.The" / "resume.A tremor" / "said.\"I think" / "in the
# US.Authorities say" / "left the country.US Defence": a terminator glued to a capitalised word or an
# acronym, in any cased script (Latin, Greek, Cyrillic, Armenian...). Before the stop a lowercase
# letter, a closing mark, or an acronym ("UK.Most"); one capital alone is an initial ("George W.Bush")
# unless an English function word follows ("in Group F.Should"). English also after a digit
# ("2011.The") and before the one-letter words "A" and "I"; elsewhere a digit before the stop is an
# ordinal ("am 26.Oktober"). Capitals in a chain of stops are one abbreviation ("LL.AA.II.RR.").
_GLUED = {
    "en": regex.compile(
        r"(?:(?<=[\p{Ll}0-9%)\]’”\"'])|(?<=(?<![\p{L}.])\p{Lu}{1,6}))([.?!][\"”’']?)"
        r"(?=\p{Lu}\p{Ll}|[AI][\s'’]|\p{Lu}{2,}(?:\b(?!\.\p{Lu})|['’]s\b))"
    ),
    "other": regex.compile(
        r"(?:(?<=[\p{Ll})\]’”\"'])|(?<=(?<![\p{L}.])\p{Lu}{2,6}))([.?!][\"”’']?)(?=\p{Lu}\p{Ll}|\p{Lu}{2,}\b(?!\.\p{Lu}))"
    ),
}
# A glued stop inside one of these is no sentence end: e-mail addresses, URLs, handles and tags,
# file names ("Jane.Doe@example.com", "www.Example.com", "@someone.Else", "report.Final.pdf").
_WHOLE_TOKEN = re.compile(
    r"^\W*(?:[@#]|www\.|\S*(?:@|://))|\.(?:pdf|docx?|xlsx?|pptx?|csv|txt|rtf|json|xml|html?|php|aspx?|jpe?g|png|gif"
    r"|svg|webp|mp[34]|mov|zip)\W*$",
    re.I,
)
# "victoryNigeria" / "mentalityThe slump": a related-story title glued to the next sentence with no
# terminator at all. Only after a lowercase word of 3+ letters, before a capitalised word of 2+
# lowercase letters, so "iPhone", "eBay", "McDonald" and "YouTube" stay whole.
_GLUED_TITLE = regex.compile(r"(?<![@#/\w.\-])(\p{Ll}{3,})(?=\p{Lu}\p{Ll}{2,})")  # not handles, tags, paths
# Datelines: "BEIRUT (Reuters) - ", "LONDON, England (CNN) -- ", "(CNN) -- ".
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z .,'\-]{1,40}(?:,\s*[A-Z][A-Za-z .]+)?\s*)?(?:\((?:CNN|Reuters|AP|AFP)\))?\s*(?:--|—|–|-)\s+(?=[A-Z\"“])"
)
_BULLET = re.compile(r"^\s*(?:[-*•·▪●‣⁃◦]|\d{1,2}[.)])\s+")
_SYMBOL_BULLET = re.compile(r"^\s*[-*•·▪●‣⁃◦]\s+")
# Where "1." opening a line is as likely an ordinal date ("26. Oktober") as a list number.
_ORDINAL_DOT_LANGUAGES = frozenset({"de", "da", "pl", "sk", "hy"})
# Titles pysbd's rules for these languages take for sentence ends before a name ("el Sr. García",
# "Hr. Weber", "le Dr. Martin"): added to its prepositive abbreviations, as its own lists do for others.
_TITLES = {
    "en": ("hon",),  # "Senator the Hon. Aubyn Hill" (a Jamaican government page)
    "es": ("sr", "sres", "srs", "sras", "dra", "ing", "dña", "arq", "gral", "avda", "av"),  # "sobre la Avda. Perón"
    "de": ("hr", "hrn"),
    "fr": ("dr", "pr"),
}
# Longer than this, a piece with quote marks in it is taken for sentences pysbd glued together.
MERGED_WORDS = 55
_QUOTES = re.compile("[\"'“”‘’]")
_QUOTE_MASK = "\ue000"  # a private-use character: pysbd treats it as a letter, never as a quote
_SPACE = re.compile(r"[ \t\u00a0]+")
# pysbd's time grows faster than a line's length (a 99,000-character line took a minute), so a line
# longer than BLOCK_CHARS is cut first at plain sentence ends (a word of three small letters, a
# stop, a capital: never "Mr. Smith" or "U.S. Army") and each block is segmented on its own.
BLOCK_CHARS = 4_000
_PLAIN_END = re.compile(r"(?<=[a-z]{3}[.!?])\s+(?=[A-Z])")
# Scripts written without spaces between words (words.UNSPACED): one character can be a word, lines
# join without a space.
_UNSPACED = UNSPACED_CHAR

# ---------------------------------------------------------------- hard-wrapped lines
# Text pasted from e-mail, PDFs and terminals is wrapped at a fixed width; a line break there is no
# sentence end. Wrapped text: at least WRAPPED_SHARE of the lines that continue into another are
# within LONG_SHARE of the widest line, and that width is at most WRAP_MAX_CHARS (paragraph-per-line
# text, as web pages and the corpora give, has lines of every length up to thousands of characters).
WRAP_MAX_CHARS = 160
LONG_SHARE = 0.75
WRAPPED_SHARE = 0.6
OVERLONG = 1.15  # a line this much wider than the median one holds a word too long to wrap
# A line that ends in one of these (closing quotes and brackets aside) may end a sentence.
_STOPS = ".!?…:。！？｡؟۔।॥።፧፨՞։"
_CLOSERS = "\"'”’»)]）」』"

# ---------------------------------------------------------------- run-on text
# No "sentence" runs past MAX_WORDS: longer pieces (transcripts, text with its stops stripped) are
# cut at the clause boundary nearest their middle, strongest boundary first, each part keeping at
# least MIN_PART_WORDS words.
MAX_WORDS = 60
MIN_PART_WORDS = 8
_CONJUNCTIONS = {
    "en": "and|but|or|so|yet|while|whereas|because|although|though|which|who|where|when",
    "de": "und|aber|oder|denn|doch|sondern|weil|während|obwohl|dass|die|der|das|wo|wenn",
    "es": "y|pero|o|sino|porque|aunque|mientras|que|donde|cuando",
    "fr": "et|mais|ou|donc|car|parce que|bien que|tandis que|qui|que|où|quand",
    "it": "e|ma|o|perché|mentre|sebbene|che|dove|quando",
    "nl": "en|maar|of|want|omdat|terwijl|hoewel|dat|die|waar|wanneer",
}


@lru_cache(maxsize=16)
def _boundaries(language: str) -> tuple[re.Pattern[str], ...]:
    """Clause boundaries, strongest first: semicolons, dashes, comma + conjunction, commas, conjunctions;
    a part ends where a match ends."""
    words = _CONJUNCTIONS.get(language)
    marks = [r"[;；؛]\s*", r"\s(?:--|—|–)\s+", rf",\s+(?=(?:{words})\s)" if words else None]
    # An ASCII comma is a boundary only before a space: "320,000" and "1,5" are numbers, not clauses.
    marks += [r"(?:,\s+|[，、]\s*|،\s*)", rf"\s+(?=(?:{words})\s)" if words else None]
    return tuple(re.compile(mark, re.I) for mark in marks if mark)


def language_code(language: str | None) -> str:
    """``language`` as pysbd's ISO 639-1 code: "de-DE", "EN", "zh_Hant" -> "de", "en", "zh"."""
    return re.split(r"[-_]", (language or DEFAULT_LANGUAGE).strip().lower(), maxsplit=1)[0] or DEFAULT_LANGUAGE


@lru_cache(maxsize=len(LANGUAGES))
def _pysbd(language: str) -> pysbd.Segmenter:
    """pysbd for ``language`` (English rules where it has none), with the titles of _TITLES added."""
    segmenter = pysbd.Segmenter(language=language if language in LANGUAGE_CODES else DEFAULT_LANGUAGE, clean=False)
    titles = _TITLES.get(language)
    if titles:
        rules = segmenter.language_module
        abbreviation = type(
            "Abbreviation",
            (rules.Abbreviation,),
            {
                "ABBREVIATIONS": [*rules.Abbreviation.ABBREVIATIONS, *titles],
                "PREPOSITIVE_ABBREVIATIONS": [*rules.Abbreviation.PREPOSITIVE_ABBREVIATIONS, *titles],
            },
        )
        segmenter.language_module = type(rules.__name__, (rules,), {"Abbreviation": abbreviation})
    return segmenter


def clean_text(text: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Hard-wrapped lines rejoined, boilerplate dropped, glued sentences re-separated: one paragraph,
    bullet or heading a line (line breaks end sentences)."""
    code = language_code(language)
    text = _rejoin(text.replace("\r\n", "\n").replace("\r", "\n"), _bullets(code))
    for pattern in _BOILERPLATE:
        text = pattern.sub("\n", text)
    text = _unglue(text, code)
    text = _GLUED_TITLE.sub(lambda m: m.group(1) + "\n", text)
    return text


def _bullets(language: str) -> re.Pattern[str]:
    """What opens a list item: not "26." where that may be an ordinal date."""
    return _SYMBOL_BULLET if language in _ORDINAL_DOT_LANGUAGES else _BULLET


def _rejoin(text: str, bullet: re.Pattern[str]) -> str:
    """Each paragraph, bullet and heading on one line: a line break inside a paragraph is a wrap."""
    lines = [line.rstrip() for line in text.split("\n")]
    wrapped, width = _layout(lines, bullet)
    out: list[str] = []
    for before, line in zip([""] + lines, lines):
        joint = _joint(before, line, wrapped, width, bullet) if out and out[-1] else None
        if joint is None:
            out.append(line.strip())
        else:
            out[-1] += joint + line.strip()
    return "\n".join(out)


def _layout(lines: list[str], bullet: re.Pattern[str]) -> tuple[bool, int]:
    """Whether the text is wrapped at a fixed width, and that width: the widest line that goes on into
    another, leaving out lines far wider than most (a link or an address longer than the width sticks
    out past it, and taken for the width it hid the wrap of every other line)."""
    going_on = [len(a) for a, b in zip(lines, lines[1:]) if a.strip() and b.strip() and not bullet.match(b)]
    typical = sorted(going_on)[len(going_on) // 2] if going_on else 0
    width = max((n for n in going_on if n <= OVERLONG * typical), default=max(map(len, lines), default=0))
    long = sum(length >= LONG_SHARE * width for length in going_on)
    return width <= WRAP_MAX_CHARS and long >= 2 and long >= WRAPPED_SHARE * len(going_on), width


def _joint(before: str, line: str, wrapped: bool, width: int, bullet: re.Pattern[str]) -> str | None:
    """What joins ``line`` to the line ``before`` it ("", " "), or None where a new unit starts:
    after a blank line, at a list item, after a line that ends a sentence and is not full, after a
    short line with no stop (a heading). A bullet or number opening a line continues a sentence
    wrapped there ("am\n26. Oktober", "the deal\n- he said") in wrapped text."""
    head, tail = before.strip(), line.strip()
    if not head or not tail:
        return None
    stopped = head.rstrip(_CLOSERS)[-1:] in _STOPS
    # A wrap breaks at a space, never at a no-break space: "Rams\u00a0and\u00a0Highlanders" moves down whole.
    first_word = len(re.split(r"[ \t]", tail, maxsplit=1)[0]) if not _UNSPACED.match(tail) else 1
    gap = 2 if stopped else 1  # typed text often puts two spaces after a sentence
    full = len(before) + gap + first_word > width  # the next word did not fit on this line
    # A lowercase word (not an address or link, listed one a line) goes on; caseless scripts: a heading may follow.
    goes_on = not stopped and tail[0].islower() and not _WHOLE_TOKEN.search(tail.split()[0])
    wraps = wrapped and (full or (not stopped and len(before) >= LONG_SHARE * width))
    if not (goes_on or wraps) or (bullet.match(line) and stopped):
        return None
    if (head[-1] == "-" and head[-2:-1].isalpha() and tail[0].isalnum()) or (
        _UNSPACED.match(head[-1]) and _UNSPACED.match(tail[0])
    ):
        return ""  # "well-" + "known", "Poulton-le-" + "Fylde"; 父の + 家です
    return " "


def _unglue(text: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A space after each glued terminator. A straight quote right after it closes the sentence
    when that sentence opened one ('"We left," she said."I stayed' opened none, so the quote opens
    the next sentence); counted within the sentence, so one stray quote cannot flip the rest."""
    pieces: list[str] = []
    done = 0
    for match in _GLUED["en" if language == "en" else "other"].finditer(text):
        if _WHOLE_TOKEN.search(_token_at(text, match.start())) or _initial(text, match.start(), match.end()):
            continue
        mark = match.group(1)
        opens_next = (
            mark.endswith('"')
            and text.count('"', max(done, _sentence_start(text, match.start())), match.start()) % 2 == 0
        )
        # After a lone capital pysbd reads an initial and keeps the sentence going: end it with a line break.
        space = (
            "\n"
            if text[match.start() - 1].isupper() and not text[match.start() - 2 : match.start() - 1].isalpha()
            else " "
        )
        pieces += [text[done : match.start()], mark[:-1] + space + '"' if opens_next else mark + space]
        done = match.end()
    pieces.append(text[done:])
    return "".join(pieces)


def _initial(text: str, stop: int, after: int) -> bool:
    """Whether a glued stop follows a lone capital that is an initial ("George W.Bush"), not a
    one-letter name ending a sentence ("in Group F.Should"): only a function word after it ends one."""
    if stop < 1 or not text[stop - 1].isupper() or (stop > 1 and text[stop - 2].isalpha()):
        return False
    following = regex.match(r"\p{L}+", text[after:])
    return following is None or following.group(0).lower() not in FUNCTION_WORDS


def _token_at(text: str, at: int) -> str:
    """The whitespace-delimited token around position ``at``."""
    start = max(text.rfind(" ", 0, at), text.rfind("\n", 0, at)) + 1
    ends = [end for end in (text.find(" ", at), text.find("\n", at)) if end >= 0]
    return text[start : min(ends, default=len(text))]


def _sentence_start(text: str, end: int) -> int:
    """Where the sentence ending at ``end`` began: after the last terminator and space, or line break."""
    found = [(text.rfind(stop, 0, end), len(stop)) for stop in (". ", "? ", "! ", '." ', "\n")]
    return max((at + width for at, width in found if at >= 0), default=0)


def split_sentences(text: str, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Article sentences in order, stripped, datelines removed, empties dropped. ``language`` (ISO
    639-1) picks pysbd's rules for it (English where pysbd has none). Bullets and headings are units
    of their own; a list laid out one item a line loses its markers."""
    code = language_code(language)
    listed = "\n" in text.strip()
    sentences: list[str] = []
    for line in clean_text(text, code).split("\n"):
        line = _SPACE.sub(" ", line).strip()
        if listed:
            line = _unmark(line, code)
        for piece in (piece for block in _blocks(line) for piece in _segment(block, code)):
            piece = piece.strip()
            if not sentences:
                piece = _DATELINE.sub("", piece)
            sentences += [part for part in _split_long(piece, code) if _has_words(part)]
    return sentences


def _blocks(line: str) -> list[str]:
    """``line`` in pieces of about BLOCK_CHARS, cut only at plain sentence ends."""
    if len(line) <= BLOCK_CHARS:
        return [line]
    blocks, start = [], 0
    for end in _PLAIN_END.finditer(line):
        if end.start() - start >= BLOCK_CHARS:
            blocks.append(line[start : end.start()])
            start = end.end()
    return [*blocks, line[start:]]


def _unmark(line: str, language: str) -> str:
    """A list item without its bullet or number ("1." kept where it may be an ordinal date)."""
    marker = _bullets(language).match(line)
    return line[marker.end() :] if marker else line


def _segment(line: str, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """pysbd's sentences, with its quote protection undone where it went wrong. pysbd never splits
    inside quotation marks; a scraped multi-paragraph quote (BBC style: each paragraph opens a quote,
    only the last one closes) leaves a quote open and glues every sentence up to the next quote
    mark into one. A piece that long is segmented again with its quote marks masked."""
    segmenter = _pysbd(language)
    pieces: list[str] = []
    for piece in segmenter.segment(line):
        if word_equivalents(piece) > MERGED_WORDS and _QUOTES.search(piece):
            marks = _QUOTES.findall(piece)
            masked = segmenter.segment(_QUOTES.sub(_QUOTE_MASK, piece))
            restored = iter(marks)

            def restore(_: re.Match[str], marks: Iterator[str] = restored) -> str:
                return next(marks)

            pieces += [re.sub(_QUOTE_MASK, restore, part) for part in masked]
        else:
            pieces.append(piece)
    return pieces


def _split_long(piece: str, language: str) -> list[str]:
    """``piece`` cut at clause boundaries until no part runs past MAX_WORDS; nothing is added, so a
    part ends at its comma or semicolon, never with an invented stop."""
    if word_equivalents(piece) <= MAX_WORDS:
        return [piece]
    cut = _best_cut(piece, language)
    return _split_long(piece[:cut].rstrip(), language) + _split_long(piece[cut:].lstrip(), language)


def _best_cut(piece: str, language: str) -> int:
    """The boundary of the strongest kind nearest the middle that leaves both parts a clause."""
    words = word_starts(piece)
    characters = character_starts(piece)
    total = word_equivalents(piece)

    def before(at: int) -> int:  # word_equivalents(piece[:at]), in log time: long run-on text has many commas
        return bisect_left(words, at) + bisect_left(characters, at) // 2

    for boundary in _boundaries(language):
        cuts = [
            m.end()
            for m in boundary.finditer(piece)
            if min(before(m.start()), total - before(m.end())) >= MIN_PART_WORDS
        ]
        if cuts:
            return min(cuts, key=lambda at: abs(before(at) - total / 2))
    return words[len(words) // 2] if len(words) > 1 else len(piece) // 2  # no boundary at all: the middle word


def _has_words(piece: str) -> bool:
    """Some words, not leftover punctuation, a stray list number or an abbreviation cut off ("Fr."):
    three letters or digits, two letters asking or exclaiming ("не?"), or one character of an
    unspaced script ("好！" is a sentence)."""
    letters = sum(ch.isalpha() for ch in piece)
    asks = letters >= 2 and piece.rstrip(_CLOSERS)[-1:] in "?!？！؟;"
    return asks or sum(ch.isalnum() for ch in piece) >= 3 or bool(_UNSPACED.search(piece))


# Where a text too long to take whole is cut, best first: a paragraph's end, a line's, a sentence's.
_CUT_POINTS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"[.!?。！？][\"”’')]?\s"))
CUT_MIN_SHARE = 0.5  # a boundary earlier than this share of the limit wastes too much: cut at a space


def first_part(text: str, limit: int) -> str:
    """The longest opening of ``text`` within ``limit`` characters that ends where a reader may stop:
    after a paragraph, a line or a sentence (in that order of preference, if one falls in the second
    half of the limit), else at the last space. News puts the gist first, so a page too long to take
    whole is briefed from its first part rather than refused."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    for pattern in _CUT_POINTS:
        ends = [m.end() for m in pattern.finditer(head) if CUT_MIN_SHARE * limit <= m.end() <= limit]
        if ends:
            return text[: ends[-1]].rstrip()
    space = head.rfind(" ", 0, limit)
    return text[: space if space > 0 else limit].rstrip()
