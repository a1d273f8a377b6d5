"""Checks a sentence against its source: exact facts first, then semantic support.

Exact checks: every number (with thousands separators and number words normalised), every quoted
phrase and every capitalised name in a sentence must occur in the source. A name matches token by
token, so "Assad" matches "Bashar al-Assad" while "Libyan-backed" fails an article about Syria.
Semantic support: cosine similarity to the best-matching source sentences (the embedder's).

Every check takes the article's language (ISO 639-1, ``SourceIndex.language``; English by default,
and English behaves exactly as it always has). In another language words are Unicode words, stemmed
by Snowball where it has the language, with that language's stop words (stopwords.json); a
capitalised word of any cased script (Latin, Cyrillic, Greek, Armenian) is a name; numbers are read
in any digits and with the language's separators ("1.000,5" in German). Scripts without capitals
(Arabic, Hebrew, Chinese, Thai...) have no names to check, so there every content word must come from
the source; Chinese, Japanese and Korean, written without spaces, are compared in character bigrams.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import regex
import snowballstemmer

# The prompt-injection filter has its own module; briefer and rewriter import it from here.
from service.text.injection import hostile_sentences as hostile_sentences
from service.text.injection import looks_like_instruction as looks_like_instruction
from service.text.segmenter import clean_text

NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "dozen": 12,
}
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:[,\u00a0\u202f ]\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?")
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
QUOTE = re.compile(r"[\"“”]([^\"“”]{2,}?)[\"“”]")
_NAME = re.compile(r"\b[A-Z][\w’'.\-]*")
_TOKEN = re.compile(r"[a-z0-9]+")
# Capitalised only because they start a sentence: never names.
FUNCTION_WORDS = set(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "although",
        "am",
        "an",
        "and",
        "another",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "either",
        "even",
        "every",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "however",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "last",
        "later",
        "let",
        "many",
        "may",
        "me",
        "meanwhile",
        "more",
        "most",
        "much",
        "must",
        "my",
        "myself",
        "neither",
        "new",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "one",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "per",
        "same",
        "several",
        "she",
        "should",
        "since",
        "so",
        "some",
        "still",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "therefore",
        "these",
        "they",
        "this",
        "those",
        "though",
        "through",
        "thus",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "yet",
        "you",
        "your",
        "yours",
        "yourself",
    ]
)
NOVEL_WORD_SHARE = 0.1  # content words the source never uses: at most this share of a sentence's
SUPPORT_NEIGHBOURS = 3  # citations: at most this many best-matching source sentences
CITE_MARGIN = 0.1  # ...each within this much of the best one

DEFAULT_LANGUAGE = "en"
# ISO 639-1 -> Snowball algorithm (snowballstemmer.algorithms()); English keeps ``stem``'s light stemmer.
SNOWBALL = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "cs": "czech",
    "da": "danish",
    "nl": "dutch",
    "eo": "esperanto",
    "et": "estonian",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "no": "norwegian",
    "nb": "norwegian",
    "nn": "norwegian",
    "fa": "persian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "st": "sesotho",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
# Languages that write a decimal comma and group thousands with "." or a space ("1.000,5"); the
# rest write numbers as English does ("1,000.5").
DECIMAL_COMMA = frozenset(
    "de fr es it pt nl ru uk be bg pl cs sk sl hr sr bs ro hu da no nb nn sv fi et lv lt el tr id vi".split()
)
# Clitics Snowball leaves on, rewritten before stemming: Arabic's "and the", "with the", "as the", "for
# the" (وال, فال, بال, كال, لل) -> "the" (ال), so "بالخطة" is "الخطة".
CLITICS: dict[str, tuple[tuple[str, str], ...]] = {
    "arabic": (("وال", "ال"), ("فال", "ال"), ("بال", "ال"), ("كال", "ال"), ("لل", "ال"))
}
_STOP_WORDS_FILE = Path(__file__).with_name("stopwords.json")
# Scripts written without spaces between words: compared in overlapping character bigrams.
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u30fc"
_UNSPACED = r"\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}"
_RUN = regex.compile(
    rf"(?P<cjk>[{_CJK}]+)|(?P<unspaced>[{_UNSPACED}]+)|[[\p{{L}}\p{{M}}]--[{_CJK}{_UNSPACED}]]+|[0-9]+", regex.V1
)
_CAPITALISED = regex.compile(
    rf"(?<![\p{{L}}\p{{M}}\p{{N}}_])[\p{{Lu}}\p{{Lt}}][[\p{{L}}\p{{M}}\p{{N}}_’'.\-]--[{_CJK}{_UNSPACED}]]*", regex.V1
)
# Accents and vowel points that writers add or leave out (Latin, Greek and Cyrillic diacritics, Arabic
# harakat, hamza and tatweel, Hebrew niqqud); not the marks that spell a word (Devanagari vowel signs).
_OPTIONAL_MARKS = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    "\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06ed\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7]"
)
_FOREIGN_DIGIT = re.compile(r"(?![0-9])\d")  # any other decimal digit: Arabic-Indic, Devanagari, full-width...
_ARABIC_SEPARATORS = str.maketrans({"\u066b": ".", "\u066c": ","})  # Arabic decimal and thousands marks
# A character whose loss reverses a claim: a bigram skipping it is no paraphrase ("他不同意" is not "他同意").
_UNSKIPPABLE = frozenset("不没沒未无無非别別勿莫否안못")
# Quotation marks of other languages, each opening with its own closing: "", “”, „“, «», ‹›, 「」, 『』.
_QUOTES = re.compile(
    r'"([^"]{2,}?)"|“([^“”]{2,}?)”|„([^“”„]{2,}?)[“”]|«\s*([^«»]{2,}?)\s*»|‹([^‹›]{2,}?)›|「([^「」]{2,}?)」|『([^『』]{2,}?)』'
)


def fold(text: str) -> str:
    """Lower-case, accents and curly quotes folded, so surface variants compare equal."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').lower()


@dataclass(frozen=True)
class LanguageRules:
    """What the checks need to know of a language: its stemmer, stop words and number format."""

    code: str
    stemmer: str | None  # a Snowball algorithm, or None: words compared as written
    stop_words: frozenset[str]
    decimal_comma: bool

    @property
    def english(self) -> bool:
        return self.code == DEFAULT_LANGUAGE


@functools.cache
def _stop_words() -> dict[str, frozenset[str]]:
    table = json.loads(_STOP_WORDS_FILE.read_text(encoding="utf-8"))
    return {code: frozenset(_plain(w) for w in words.split()) for code, words in table.items() if code != "_source"}


@functools.cache
def rules_for(code: str) -> LanguageRules:
    """The checks' view of ``code`` ("de", "de-AT", "zh_Hant"): any code works; one without a stemmer
    or stop words is compared word for word, all its words content."""
    base = code.strip().lower().replace("_", "-").split("-")[0] or DEFAULT_LANGUAGE
    return LanguageRules(base, SNOWBALL.get(base), _stop_words().get(base, frozenset()), base in DECIMAL_COMMA)


def _plain(text: str) -> str:
    """``text`` without the accents and vowel points writers may leave out: "Armée" matches "Armee"."""
    return unicodedata.normalize("NFC", _OPTIONAL_MARKS.sub("", unicodedata.normalize("NFD", text)))


def _ascii_digits(text: str) -> str:
    """Every decimal digit as ASCII ("٢٠٢٤", "２０２４", "२०२४" -> "2024"), Arabic separators as "." and ","."""
    text = _FOREIGN_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)
    return text.translate(_ARABIC_SEPARATORS)


def _runs(text: str) -> list[tuple[str, bool]]:
    """Lower-cased runs of letters (with their marks) or digits, and whether each is in a script
    written without spaces (compared in bigrams)."""
    prepared = _ascii_digits(unicodedata.normalize("NFKC", text)).lower()
    return [(m.group(), m.lastgroup is not None) for m in _RUN.finditer(prepared)]


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)] or [run]


def stem(token: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A light stemmer for English: enough that a title-cased "Captures" matches "captured".
    Other languages: Snowball's stemmer where it has one, accents dropped after stemming."""
    lang = rules_for(language)
    if lang.english:
        for suffix in ("ing", "ed", "es", "s"):
            if token.endswith(suffix) and len(token) - len(suffix) >= 3:
                return token[: -len(suffix)]
        return token
    return _snowball(token, lang.stemmer)


_THREAD = threading.local()  # Snowball stemmers keep state between calls: one per thread


@functools.lru_cache(maxsize=1 << 16)
def _snowball(token: str, algorithm: str | None) -> str:
    if algorithm is None or token.isdigit():
        return _plain(token)
    stemmers: dict[str, snowballstemmer.Stemmer] = _THREAD.__dict__.setdefault("stemmers", {})
    if algorithm not in stemmers:
        stemmers[algorithm] = snowballstemmer.stemmer(algorithm)
    for clitic, replacement in CLITICS.get(algorithm, ()):
        if token.startswith(clitic) and len(token) > len(clitic) + 1:
            token = replacement + token[len(clitic) :]
            break
    return _plain(stemmers[algorithm].stemWord(token))


def tokenise(text: str, language: str = DEFAULT_LANGUAGE) -> list[tuple[str, str]]:
    """The words of ``text`` as (word, stem) pairs, in order: folded and lower-cased words, and their
    stems; in Chinese, Japanese, Korean and Thai script, overlapping character bigrams (both)."""
    lang = rules_for(language)
    if lang.english:
        return [(t, stem(t)) for t in _TOKEN.findall(fold(text))]
    return [(word, root) for _, word, root in _words(text, lang)]


def _words(text: str, lang: LanguageRules) -> list[tuple[str, str, str]]:
    """(as written but lower-cased, folded, stem) for each word of ``text`` in a language other than English."""
    found: list[tuple[str, str, str]] = []
    for run, unspaced in _runs(text):
        if unspaced:
            found += [(gram, gram, gram) for gram in _bigrams(run)]
        else:
            found.append((run, _plain(run), _snowball(run, lang.stemmer)))
    return found


def is_content(word: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """Whether a (folded) word carries content: not a function word; outside English, not a single letter."""
    lang = rules_for(language)
    if lang.english:
        return word not in FUNCTION_WORDS
    return word.isdigit() or (len(word) >= 2 and word not in lang.stop_words)


def uncased(word: str) -> bool:
    """Whether ``word`` is in a script without capitals (Arabic, Hebrew, Han...): its names cannot be
    told from its other words, so each of its words is checked as strictly as a name."""
    return any(ch.isalpha() for ch in word) and not any(ch.isupper() or ch.islower() for ch in word)


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
    text = _ascii_digits(text)
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
            for written, folded, root in _words(re.sub(r"['’]s$", "", word), lang):
                if not folded.isdigit() and folded not in lang.stop_words:
                    tokens.setdefault(root, written)
        return tokens
    for word in _NAME.findall(text):
        word = re.sub(r"['’]s$", "", word).strip(".-'")
        for token in _TOKEN.findall(fold(word)):
            if not token.isdigit() and token not in FUNCTION_WORDS:
                tokens.setdefault(stem(token), token)
    return tokens


def content_tokens(text: str, language: str = DEFAULT_LANGUAGE) -> set[str]:
    """Stemmed words that carry content (function words dropped)."""
    if rules_for(language).english:
        return {stem(t) for t in _TOKEN.findall(fold(text)) if t not in FUNCTION_WORDS}
    return {root for word, root in tokenise(text, language) if is_content(word, language)}


def _skip_grams(text: str) -> set[str]:
    """Bigrams that skip one character, from runs written without spaces: a condensation that drops
    a character ("的", "了") joins the two around it. Never over a negation."""
    grams = set()
    for run, unspaced in _runs(text):
        if unspaced:
            grams |= {run[i] + run[i + 2] for i in range(len(run) - 2) if run[i + 1] not in _UNSKIPPABLE}
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
        return " " + " ".join(_TOKEN.findall(fold(text))) + " "
    return " " + " ".join(_plain(run) for run, _ in _runs(text)) + " "


def semantic_support(vector: np.ndarray, source_vectors: np.ndarray) -> tuple[float, list[int], list[int]]:
    """Best cosine to a source sentence, the citations (closest few within a margin of the best),
    and the closest few regardless of margin (where the sentence's words should come from)."""
    if source_vectors.shape[0] == 0:
        return 0.0, [], []
    sims = source_vectors @ vector
    order = np.argsort(-sims)
    best = float(sims[order[0]])
    nearest = [int(i) for i in order[:SUPPORT_NEIGHBOURS]]
    cites = [i for i in nearest if sims[i] >= best - CITE_MARGIN]
    return best, sorted(cites), nearest


def coverage(sentence: str, source: SourceIndex, nearest: list[int]) -> float:
    """Share of the sentence's content words found in its nearest source sentences: words from
    nowhere near the cited passage are how small models smuggle in new claims."""
    words = content_tokens(sentence, source.language)
    if not words:
        return 0.0
    if not source.sentence_tokens:
        return len(words & source.tokens) / len(words)
    local = set().union(*(source.sentence_tokens[i] for i in nearest if i < len(source.sentence_tokens)))
    return len(words & local) / len(words)


def support_score(
    sentence: str, vector: np.ndarray, source: SourceIndex, source_vectors: np.ndarray
) -> tuple[float, list[int]]:
    """Support in [0, 1]: the mean of semantic similarity and local word coverage."""
    similarity, cites, nearest = semantic_support(vector, source_vectors)
    return 0.5 * max(similarity, 0.0) + 0.5 * coverage(sentence, source, nearest), cites


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


UNSUPPORTED_NUMBER_PENALTY = 0.3  # a number the source lacks costs this much support


def text_support(sentences: list[str], vectors: np.ndarray, source: SourceIndex, source_vectors: np.ndarray) -> float:
    """One faithfulness score for a multi-sentence text (a summary): half its mean sentence support,
    half its weakest sentence's, since one invented sentence spoils the whole. Chosen on FRANK
    (bench/factuality)."""
    scores = []
    for sentence, vector in zip(sentences, vectors):
        support, _ = support_score(sentence, vector, source, source_vectors)
        if any(n not in source.numbers for n in numbers_in(sentence, source.language)):
            support -= UNSUPPORTED_NUMBER_PENALTY
        scores.append(support)
    if not scores:
        return 0.0
    return 0.5 * float(np.mean(scores)) + 0.5 * float(np.min(scores))


# Page furniture that extraction lets through: bylines with dates, copyright and reprint notices,
# reading times, calls to subscribe or advertise. A briefing never ships one (English and German:
# the languages of the saved pages this was read on).
_FURNITURE = re.compile(
    r"^\W*(?:posted|published|updated|last updated|veröffentlicht|aktualisiert)\b[^.]{0,60}\d"
    r"|written permission|all rights reserved|alle rechte vorbehalten|copyright|©\s*\d|©\s+\w|\breprint"
    r"|this (?:article|story) (?:was )?(?:originally )?(?:appeared|published)|originally (?:appeared|published)"
    r"|estimated reading time|\bmin(?:ute)?s? read\b|lesezeit"
    r"|\b(?:subscribe|sign up) (?:to|for|now)|\bnewsletter\b|click here|follow us on|advertise with"
    r"|contact us at|\bcookies?\b.{0,40}\b(?:accept|consent|use)",
    re.I,
)
# A word mixing Latin and Cyrillic letters ("Аdvеrtіѕе"): spam dodging filters, never news.
_MIXED_SCRIPT = re.compile(r"\b(?=\w*[a-zA-Z])(?=\w*[\u0400-\u04FF])\w+\b")


def boilerplate_sentences(sentences: list[str]) -> set[int]:
    """Sentences that are page furniture, not the story: never extracted into a briefing."""
    return {i for i, s in enumerate(sentences) if _FURNITURE.search(s) or _MIXED_SCRIPT.search(s)}
