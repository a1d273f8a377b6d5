"""Facts a sentence states that its source must hold: numbers, names and quoted phrases, checked
exactly, and content words the source never uses.

Exact checks: every number (with thousands separators and number words normalised), every quoted
phrase and every capitalised name in a sentence must occur in the source. A name matches token by
token, so "Assad" matches "Bashar al-Assad" while "Libyan-backed" fails an article about Syria.

Every check takes the article's language (ISO 639-1, ``SourceIndex.language``; English by default,
and English behaves exactly as it always has). In another language words are Unicode words, stemmed
by Snowball where it has the language, with that language's stop words; a capitalised word of any
cased script (Latin, Cyrillic, Greek, Armenian) is a name; numbers are read in any digits and with
the language's separators ("1.000,5" in German). Scripts without capitals (Arabic, Hebrew, Chinese,
Thai...) have no names to check, so there every content word must come from the source; Chinese,
Japanese and Korean, written without spaces, are compared in character bigrams.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import regex

from service.text.language import DEFAULT_LANGUAGE
from service.text.lexicon import (
    FUNCTION_WORDS,
    NUMBER_WORDS,
    UNSKIPPABLE,
    content_tokens,
    read_words,
    rules_for,
    stem,
    tokenise,
)
from service.text.segmenter import clean_text
from service.text.support import support_score
from service.text.words import CJK, ENGLISH_TOKEN, SOUTHEAST_ASIAN, ascii_digits, fold, plain, runs, uncased

_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:[,\u00a0\u202f ]\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?")
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
QUOTE = re.compile(r"[\"“”]([^\"“”]{2,}?)[\"“”]")
_NAME = re.compile(r"\b[A-Z][\w’'.\-]*")
NOVEL_WORD_SHARE = 0.1  # content words the source never uses: at most this share of a sentence's
# A capitalised word of any cased script (not of one without capitals): a name.
_CAPITALISED = regex.compile(
    rf"(?<![\p{{L}}\p{{M}}\p{{N}}_])[\p{{Lu}}\p{{Lt}}][[\p{{L}}\p{{M}}\p{{N}}_’'.\-]--[{CJK}{SOUTHEAST_ASIAN}]]*",
    regex.V1,
)
# Quotation marks of other languages, each opening with its own closing: "", “”, „“, «», ‹›, 「」, 『』.
_QUOTES = re.compile(
    r'"([^"]{2,}?)"|“([^“”]{2,}?)”|„([^“”„]{2,}?)[“”]|«\s*([^«»]{2,}?)\s*»|‹([^‹›]{2,}?)›|「([^「」]{2,}?)」|『([^『』]{2,}?)』'
)
# Outside English a number may be glued to a letter (Arabic "و١٬٥٠٠", "and 1,500"; Chinese "约1,000"):
# only a digit or separator before it stops a grouped reading.
_NUMBERS = {
    False: re.compile(r"(?<![0-9.,])\d{1,3}(?:[,\u00a0\u202f ]\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?"),
    True: re.compile(r"(?<![0-9.,])\d{1,3}(?:[.\u00a0\u202f '’]\d{3})+(?:,\d+)?(?!\d)|\d+(?:,\d+)?"),
}


def numbers_in(text: str, language: str = DEFAULT_LANGUAGE) -> set[str]:
    """Numbers as canonical strings: '280,000' = '280 000' = '280000'; 'five' = '5'; '3.0' = '3'.
    Any digits count ('٢٨٠' = '280'); in a decimal-comma language '1.000' = '1000' and '3,5' = '3.5'.
    Number words are English ones."""
    lang = rules_for(language)
    text = ascii_digits(text)
    found = set()
    for match in (_NUMBER if lang.english else _NUMBERS[lang.decimal_comma]).findall(text):
        if lang.decimal_comma:
            value = re.sub(r"[.\u00a0\u202f '’]", "", match).replace(",", ".")
        else:
            value = re.sub(r"[,\u00a0\u202f ]", "", match)
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        found.add(value.lstrip("0") or "0")
    if lang.english:
        for word in _NUMBER_WORD.findall(text):
            found.add(str(NUMBER_WORDS[word.lower()]))
    return found


def quotes_in(text: str, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Quoted phrases: in English between any two of " “ ”; elsewhere also „…“, «…», 「…」 and 『…』."""
    if rules_for(language).english:
        return [q.strip() for q in QUOTE.findall(text) if q.strip()]
    return [q.strip() for groups in _QUOTES.findall(text) if (q := "".join(groups)).strip()]


def names_in(text: str, language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Tokens of capitalised words (names, places, organisations, months, title-case words):
    stem -> the token as written (lower-cased), so reasons read "damascus", not "damascu".
    Outside English a capital of any script counts ("Москва", "Ελλάδα", "Éric"); in German every
    noun is one, so every noun must come from the source."""
    lang = rules_for(language)
    tokens: dict[str, str] = {}
    if not lang.english:
        for word in _CAPITALISED.findall(unicodedata.normalize("NFKC", text)):
            for written, folded, root in read_words(re.sub(r"['’]s$", "", word), lang):
                if not folded.isdigit() and folded not in lang.stop_words:
                    tokens.setdefault(root, written)
        return tokens
    for word in _NAME.findall(text):
        word = re.sub(r"['’]s$", "", word).strip(".-'")
        for token in ENGLISH_TOKEN.findall(fold(word)):
            if not token.isdigit() and token not in FUNCTION_WORDS:
                tokens.setdefault(stem(token), token)
    return tokens


def _skip_grams(text: str) -> set[str]:
    """Bigrams that skip one character, from runs written without spaces: a condensation that drops
    a character ("的", "了") joins the two around it. Never over a negation."""
    grams = set()
    for run, unspaced in runs(text):
        if unspaced:
            grams |= {run[i] + run[i + 2] for i in range(len(run) - 2) if run[i + 1] not in UNSKIPPABLE}
    return grams


@dataclass
class SourceIndex:
    """What a source text contains, precomputed once per article; ``language``: its ISO 639-1 code."""

    text: str
    sentences: list[str] = field(default_factory=list)
    language: str = DEFAULT_LANGUAGE
    numbers: set[str] = field(init=False)
    tokens: set[str] = field(init=False)
    folded: str = field(init=False)
    sentence_tokens: list[set[str]] = field(init=False)

    def __post_init__(self) -> None:
        cleaned = clean_text(self.text)  # the same repaired text the sentences were cut from
        self.folded = _alnum(cleaned, self.language)
        self.numbers = numbers_in(cleaned, self.language)
        self.tokens = {root for _, root in tokenise(cleaned, self.language)}
        if not rules_for(self.language).english:
            self.tokens |= _skip_grams(cleaned)
        self.sentence_tokens = [content_tokens(s, self.language) for s in self.sentences]


@dataclass
class Check:
    """Why a sentence is (not) supported: every fact and word missing from the source."""

    unsupported_numbers: list[str]
    unsupported_names: list[str]
    unsupported_quotes: list[str]
    support: float
    cites: list[int]
    novel_words: list[str] = field(default_factory=list)  # only when over NOVEL_WORD_SHARE

    @property
    def exact_ok(self) -> bool:
        return not (self.unsupported_numbers or self.unsupported_names or self.unsupported_quotes or self.novel_words)


def exact_problems(sentence: str, source: SourceIndex) -> tuple[list[str], list[str], list[str]]:
    """Numbers, names and quotes in ``sentence`` that ``source`` does not contain (in its language)."""
    lang = source.language
    numbers = sorted(n for n in numbers_in(sentence, lang) if n not in source.numbers)
    names = sorted(surface for root, surface in names_in(sentence, lang).items() if root not in source.tokens)
    quotes = [q for q in quotes_in(sentence, lang) if _alnum(q, lang) not in source.folded]
    return numbers, names, quotes


def _alnum(text: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Letters and digits only, single-spaced: quotes compare equal whatever the punctuation,
    spacing or glued-sentence repairs around them."""
    if rules_for(language).english:
        return " " + " ".join(ENGLISH_TOKEN.findall(fold(text))) + " "
    return " " + " ".join(plain(run) for run, _ in runs(text)) + " "


def novel_words(sentence: str, source: SourceIndex) -> list[str]:
    """Content words the source never uses, when they are more than NOVEL_WORD_SHARE of the
    sentence's: a new verb ("resigned") changes the news as surely as a new name does. In a script
    without capitals (Arabic, Chinese) any one is too many: a new name there is just a new word."""
    words = content_tokens(sentence, source.language)
    novel = sorted(w for w in words if w not in source.tokens and not w.isdigit())
    strict = not rules_for(source.language).english and any(uncased(w) for w in novel)
    return novel if strict or len(novel) > NOVEL_WORD_SHARE * len(words) else []


def check(sentence: str, vector: np.ndarray, source: SourceIndex, source_vectors: np.ndarray) -> Check:
    numbers, names, quotes = exact_problems(sentence, source)
    support, cites = support_score(sentence, vector, source, source_vectors)
    return Check(numbers, names, quotes, support, cites, novel_words(sentence, source))


def facts_dropped(original: str, rewritten: str, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Numbers, names and quotes of ``original`` that ``rewritten`` lost (rewrites keep them all)."""
    target = SourceIndex(rewritten, language=language)
    numbers, names, quotes = exact_problems(original, target)
    return numbers + names + quotes
