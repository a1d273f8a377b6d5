"""Words as text is cut into them: the one owner of word counting, of the script ranges (which
scripts are written without spaces, which have no capitals) and of folding a word to compare it.

What a language's words mean (stop words, stems, meaning words) is in lexicon.py.
"""

from __future__ import annotations

import re
import unicodedata

import regex

# ---------------------------------------------------------------- scripts
# Han and Kana (Chinese, Japanese) and Hangul (Korean): a character counts as one unit of length
# (a Chinese article of 1,000 characters read as 187 space-separated "words" before, which made
# every length's bounds meaningless; the contracts scale by language.FAMILIES["cjk"].per_word) and
# the checks compare these scripts in overlapping character bigrams.
HAN_KANA = r"\p{Han}\p{Hiragana}\p{Katakana}\u30fc"
CJK = HAN_KANA + r"\p{Hangul}"
# Thai, Lao, Khmer and Burmese are written without spaces too, but not counted by the character.
SOUTHEAST_ASIAN = r"\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}"
# Written without spaces between words: two such characters stand for about one English word, and
# wrapped lines of them join without a space. Korean writes spaces; full-width forms ("！") join.
UNSPACED = HAN_KANA + SOUTHEAST_ASIAN + r"\uff00-\uffef"

CJK_CHAR = regex.compile(f"[{CJK}]")
UNSPACED_CHAR = regex.compile(f"[{UNSPACED}]")
_BY_CHARACTER = regex.compile(f"[{CJK}{SOUTHEAST_ASIAN}]")  # measured by the character, two to a word
WORD_RE = regex.compile(rf"(?:(?![{CJK}])[\w'’\-])+(?:[.,](?:(?![{CJK}])\w)+)*")
ENGLISH_TOKEN = re.compile(r"[a-z0-9]+")  # a word of folded English text


def count_words(text: str) -> int:
    """Words as a reader counts them: runs of letters/digits, hyphenated and decimal forms as one;
    each CJK character one."""
    return len(WORD_RE.findall(text)) + len(CJK_CHAR.findall(text))


def word_equivalents(text: str) -> int:
    """About how many English words ``text`` stands for: its words, with two characters of CJK or a
    Southeast Asian script counted as one (as the contracts scale CJK). Where sizes are compared
    across languages: a run-on sentence to cut, a page too short to be an article."""
    return len(word_starts(text)) + len(_BY_CHARACTER.findall(text)) // 2


def word_starts(text: str) -> list[int]:
    """Where each word of ``text`` outside the scripts measured by the character begins (in order),
    so a prefix's :func:`word_equivalents` can be counted by bisection."""
    return [m.start() for m in WORD_RE.finditer(_BY_CHARACTER.sub(" ", text))]


def character_starts(text: str) -> list[int]:
    """Where each character measured by the character (CJK, Southeast Asian scripts) stands."""
    return [m.start() for m in _BY_CHARACTER.finditer(text)]


def uncased(word: str) -> bool:
    """Whether ``word`` is in a script without capitals (Arabic, Hebrew, Han...): its names cannot be
    told from its other words, so each of its words is checked as strictly as a name."""
    return any(ch.isalpha() for ch in word) and not any(ch.isupper() or ch.islower() for ch in word)


# ---------------------------------------------------------------- folding
# A run of letters (with their marks) or of digits; a run in a script without spaces is split out
# by script, since it is compared in bigrams.
_RUN = regex.compile(
    rf"(?P<cjk>[{CJK}]+)|(?P<unspaced>[{SOUTHEAST_ASIAN}]+)|[[\p{{L}}\p{{M}}]--[{CJK}{SOUTHEAST_ASIAN}]]+|[0-9]+",
    regex.V1,
)
# Accents and vowel points that writers add or leave out (Latin, Greek and Cyrillic diacritics, Arabic
# harakat, hamza and tatweel, Hebrew niqqud); not the marks that spell a word (Devanagari vowel signs).
_OPTIONAL_MARKS = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    "\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06ed\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7]"
)
_FOREIGN_DIGIT = re.compile(r"(?![0-9])\d")  # any other decimal digit: Arabic-Indic, Devanagari, full-width...
_ARABIC_SEPARATORS = str.maketrans({"\u066b": ".", "\u066c": ","})  # Arabic decimal and thousands marks


def fold(text: str) -> str:
    """Lower-case, accents and curly quotes folded, so surface variants compare equal."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').lower()


def plain(text: str) -> str:
    """``text`` without the accents and vowel points writers may leave out: "Armée" matches "Armee"."""
    return unicodedata.normalize("NFC", _OPTIONAL_MARKS.sub("", unicodedata.normalize("NFD", text)))


def ascii_digits(text: str) -> str:
    """Every decimal digit as ASCII ("٢٠٢٤", "２０２４", "२०२४" -> "2024"), Arabic separators as "." and ","."""
    text = _FOREIGN_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)
    return text.translate(_ARABIC_SEPARATORS)


def runs(text: str) -> list[tuple[str, bool]]:
    """Lower-cased runs of letters (with their marks) or digits, and whether each is in a script
    written without spaces (compared in bigrams)."""
    prepared = ascii_digits(unicodedata.normalize("NFKC", text)).lower()
    return [(m.group(), m.lastgroup is not None) for m in _RUN.finditer(prepared)]


def bigrams(run: str) -> list[str]:
    """A run of an unspaced script as its overlapping character pairs (a lone character as itself)."""
    return [run[i : i + 2] for i in range(len(run) - 1)] or [run]
