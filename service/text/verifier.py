"""Checks a sentence against its source: exact facts first, then semantic support.

Exact checks: every number (with thousands separators and number words normalised), every quoted
phrase and every capitalised name in a sentence must occur in the source. A name matches token by
token, so "Assad" matches "Bashar al-Assad" while "Libyan-backed" fails an article about Syria.
Semantic support: cosine similarity to the best-matching source sentences (the embedder's).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

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


def fold(text: str) -> str:
    """Lower-case, accents and curly quotes folded, so surface variants compare equal."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').lower()


def stem(token: str) -> str:
    """A light stemmer: enough that a title-cased "Captures" matches "captured"."""
    for suffix in ("ing", "ed", "es", "s"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)]
    return token


def numbers_in(text: str) -> set[str]:
    """Numbers as canonical strings: '280,000' = '280 000' = '280000'; 'five' = '5'; '3.0' = '3'."""
    found = set()
    for match in _NUMBER.findall(text):
        value = re.sub(r"[,\u00a0\u202f ]", "", match)
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        found.add(value.lstrip("0") or "0")
    for word in _NUMBER_WORD.findall(text):
        found.add(str(NUMBER_WORDS[word.lower()]))
    return found


def quotes_in(text: str) -> list[str]:
    return [q.strip() for q in QUOTE.findall(text) if q.strip()]


def names_in(text: str) -> dict[str, str]:
    """Tokens of capitalised words (names, places, organisations, months, title-case words):
    stem -> the token as written (lower-cased), so reasons read "damascus", not "damascu"."""
    tokens: dict[str, str] = {}
    for word in _NAME.findall(text):
        word = re.sub(r"['’]s$", "", word).strip(".-'")
        for token in _TOKEN.findall(fold(word)):
            if not token.isdigit() and token not in FUNCTION_WORDS:
                tokens.setdefault(stem(token), token)
    return tokens


def content_tokens(text: str) -> set[str]:
    """Stemmed words that carry content (function words dropped)."""
    return {stem(t) for t in _TOKEN.findall(fold(text)) if t not in FUNCTION_WORDS}


@dataclass
class SourceIndex:
    """What a source text contains, precomputed once per article."""

    text: str
    sentences: list[str] = field(default_factory=list)
    numbers: set[str] = field(init=False)
    tokens: set[str] = field(init=False)
    folded: str = field(init=False)
    sentence_tokens: list[set[str]] = field(init=False)

    def __post_init__(self) -> None:
        cleaned = clean_text(self.text)  # the same repaired text the sentences were cut from
        self.folded = _alnum(cleaned)
        self.numbers = numbers_in(cleaned)
        self.tokens = {stem(t) for t in _TOKEN.findall(fold(cleaned))}
        self.sentence_tokens = [content_tokens(s) for s in self.sentences]


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
    """Numbers, names and quotes in ``sentence`` that ``source`` does not contain."""
    numbers = sorted(n for n in numbers_in(sentence) if n not in source.numbers)
    names = sorted(surface for root, surface in names_in(sentence).items() if root not in source.tokens)
    quotes = [q for q in quotes_in(sentence) if _alnum(q) not in source.folded]
    return numbers, names, quotes


def _alnum(text: str) -> str:
    """Letters and digits only, single-spaced: quotes compare equal whatever the punctuation,
    spacing or glued-sentence repairs around them."""
    return " " + " ".join(_TOKEN.findall(fold(text))) + " "


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
    words = content_tokens(sentence)
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
    sentence's: a new verb ("resigned") changes the news as surely as a new name does."""
    words = content_tokens(sentence)
    novel = sorted(w for w in words if w not in source.tokens and not w.isdigit())
    return novel if len(novel) > NOVEL_WORD_SHARE * len(words) else []


def check(sentence: str, vector: np.ndarray, source: SourceIndex, source_vectors: np.ndarray) -> Check:
    numbers, names, quotes = exact_problems(sentence, source)
    support, cites = support_score(sentence, vector, source, source_vectors)
    return Check(numbers, names, quotes, support, cites, novel_words(sentence, source))


def facts_dropped(original: str, rewritten: str) -> list[str]:
    """Numbers, names and quotes of ``original`` that ``rewritten`` lost (rewrites keep them all)."""
    target = SourceIndex(rewritten)
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
        if any(n not in source.numbers for n in numbers_in(sentence)):
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
