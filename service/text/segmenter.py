"""Sentence segmentation for real news text.

pysbd (rule-based, maintained, handles abbreviations, quotes and decimals) does the splitting;
around it we repair what scraping does to news: sentences glued together ("community.Dr Venter"),
share-widget and media-player boilerplate, bullet lists and datelines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import pysbd

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
# "community.Dr Venter" / "said.\"Next" / "2011.The" / "resume.A tremor" / "said.\"I think": a
# terminator glued to a capitalised word (one-letter "A" and "I" included).
_GLUED = re.compile(r"(?<=[a-z0-9%)\]’”\"'])([.?!][\"”’']?)(?=[A-Z][a-z]|[AI][\s'’])")
# "victoryNigeria" / "mentalityThe slump": a related-story title glued to the next sentence with no
# terminator at all. Only after a lowercase word of 3+ letters, before a capitalised word of 2+
# lowercase letters, so "iPhone", "eBay", "McDonald" and "YouTube" stay whole.
_GLUED_TITLE = re.compile(r"(?<![@#/\w.\-])([a-z]{3,})(?=[A-Z][a-z]{2,})")  # not handles, tags, paths
# Datelines: "BEIRUT (Reuters) - ", "LONDON, England (CNN) -- ", "(CNN) -- ".
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z .,'\-]{1,40}(?:,\s*[A-Z][A-Za-z .]+)?\s*)?(?:\((?:CNN|Reuters|AP|AFP)\))?\s*(?:--|—|–|-)\s+(?=[A-Z\"“])"
)
_BULLET = re.compile(r"^\s*(?:[-*•·▪●]|\d{1,2}[.)])\s+")
# Longer than this, a piece with quote marks in it is taken for sentences pysbd glued together.
MERGED_WORDS = 55
_QUOTES = re.compile("[\"'“”‘’]")
_QUOTE_MASK = "\ue000"  # a private-use character: pysbd treats it as a letter, never as a quote
_SPACE = re.compile(r"[ \t\u00a0]+")


@lru_cache(maxsize=1)
def _pysbd() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def clean_text(text: str) -> str:
    """Drop boilerplate and re-separate glued sentences; keeps line breaks (they end sentences)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for pattern in _BOILERPLATE:
        text = pattern.sub("\n", text)
    text = _unglue(text)
    text = _GLUED_TITLE.sub(lambda m: m.group(1) + "\n", text)
    return text


def _unglue(text: str) -> str:
    """A space after each glued terminator. A straight quote right after it closes the sentence
    when that sentence opened one ('"We left," she said."I stayed' opened none, so the quote opens
    the next sentence); counted within the sentence, so one stray quote cannot flip the rest."""
    pieces: list[str] = []
    done = 0
    for match in _GLUED.finditer(text):
        mark = match.group(1)
        opens_next = (
            mark.endswith('"')
            and text.count('"', max(done, _sentence_start(text, match.start())), match.start()) % 2 == 0
        )
        pieces += [text[done : match.start()], mark[:-1] + ' "' if opens_next else mark + " "]
        done = match.end()
    pieces.append(text[done:])
    return "".join(pieces)


def _sentence_start(text: str, end: int) -> int:
    """Where the sentence ending at ``end`` began: after the last terminator and space, or line break."""
    found = [(text.rfind(stop, 0, end), len(stop)) for stop in (". ", "? ", "! ", '." ', "\n")]
    return max((at + width for at, width in found if at >= 0), default=0)


def split_sentences(text: str) -> list[str]:
    """Article sentences in order, stripped, datelines and bullet markers removed, empties dropped."""
    sentences: list[str] = []
    for line in clean_text(text).split("\n"):
        line = _SPACE.sub(" ", line).strip()
        if not line:
            continue
        line = _BULLET.sub("", line)
        for piece in _segment(line):
            piece = piece.strip()
            if not sentences:
                piece = _DATELINE.sub("", piece)
            if _has_words(piece):
                sentences.append(piece)
    return sentences


def _segment(line: str) -> list[str]:
    """pysbd's sentences, with its quote protection undone where it went wrong. pysbd never splits
    inside quotation marks; a scraped multi-paragraph quote (BBC style: each paragraph opens a quote,
    only the last one closes) leaves a quote open and glues every sentence up to the next quote
    mark into one. A piece that long is segmented again with its quote marks masked."""
    pieces: list[str] = []
    for piece in _pysbd().segment(line):
        if len(piece.split()) > MERGED_WORDS and _QUOTES.search(piece):
            marks = _QUOTES.findall(piece)
            masked = _pysbd().segment(_QUOTES.sub(_QUOTE_MASK, piece))
            restored = iter(marks)

            def restore(_: re.Match[str], marks: Iterator[str] = restored) -> str:
                return next(marks)

            pieces += [re.sub(_QUOTE_MASK, restore, part) for part in masked]
        else:
            pieces.append(piece)
    return pieces


def _has_words(piece: str) -> bool:
    return sum(ch.isalnum() for ch in piece) >= 3
