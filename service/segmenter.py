"""Sentence segmentation for real news text.

pysbd (rule-based, maintained, handles abbreviations, quotes and decimals) does the splitting;
around it we repair what scraping does to news: sentences glued together ("community.Dr Venter"),
share-widget and media-player boilerplate, bullet lists and datelines.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd

# Words a web page's share widget or media player leaves in scraped text (BBC, CNN, Daily Mail).
_BOILERPLATE = [
    re.compile(r"Share this with(?:\s*(?:Email|Facebook|Messenger|Twitter|Pinterest|WhatsApp|LinkedIn|Copy this link))+", re.I),
    re.compile(r"(?:Linked[Ii]n\s*)?Copy this link"),
    re.compile(r"Media playback is (?:not supported|unsupported) on (?:this|your) device"),
    re.compile(r"Scroll down for video"),
    re.compile(r"Image (?:copyright|caption)\b"),
]
# "community.Dr Venter" / "said.\"Next" / "2011.The": a terminator glued to a capitalised word.
_GLUED = re.compile(r"(?<=[a-z0-9%)\]’”\"'])([.?!][\"”’']?)(?=[A-Z][a-z])")
# Datelines: "BEIRUT (Reuters) - ", "LONDON, England (CNN) -- ", "(CNN) -- ".
_DATELINE = re.compile(r"^(?:[A-Z][A-Z .,'\-]{1,40}(?:,\s*[A-Z][A-Za-z .]+)?\s*)?(?:\((?:CNN|Reuters|AP|AFP)\))?\s*(?:--|—|–|-)\s+(?=[A-Z\"“])")
_BULLET = re.compile(r"^\s*(?:[-*•·▪●]|\d{1,2}[.)])\s+")
_SPACE = re.compile(r"[ \t\u00a0]+")


@lru_cache(maxsize=1)
def _pysbd() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def clean_text(text: str) -> str:
    """Drop boilerplate and re-separate glued sentences; keeps line breaks (they end sentences)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for pattern in _BOILERPLATE:
        text = pattern.sub("\n", text)
    text = _GLUED.sub(lambda m: m.group(1) + " ", text)
    return text


def split_sentences(text: str) -> list[str]:
    """Article sentences in order, stripped, datelines and bullet markers removed, empties dropped."""
    sentences: list[str] = []
    for line in clean_text(text).split("\n"):
        line = _SPACE.sub(" ", line).strip()
        if not line:
            continue
        line = _BULLET.sub("", line)
        for piece in _pysbd().segment(line):
            piece = piece.strip()
            if not sentences:
                piece = _DATELINE.sub("", piece)
            if _has_words(piece):
                sentences.append(piece)
    return sentences


def _has_words(piece: str) -> bool:
    return sum(ch.isalnum() for ch in piece) >= 3
