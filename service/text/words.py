"""Counting words as a reader counts them; the length contract and the extractor both measure by it."""

from __future__ import annotations

import re

WORD_RE = re.compile(r"[\w'’\-]+(?:[.,][\w]+)*", re.UNICODE)


def count_words(text: str) -> int:
    """Words as a reader counts them: runs of letters/digits, hyphenated and decimal forms as one."""
    return len(WORD_RE.findall(text))
