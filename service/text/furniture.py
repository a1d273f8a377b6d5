"""Page furniture that extraction lets through: sentences that are not the story (bylines with dates,
copyright and reprint notices, reading times, calls to subscribe). A briefing never ships one.
English and German: the languages of the saved pages this was read on."""

from __future__ import annotations

import re

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
