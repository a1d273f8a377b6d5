"""Counting words as a reader counts them; the length contract and the extractor both measure by it."""

from __future__ import annotations

import re

# Han, Kana and Hangul: written without spaces, so each character counts as one unit (a Chinese
# article of 1,000 characters read as 187 space-separated "words" before, which made every
# length's bounds meaningless). The contracts scale by language.FAMILIES["cjk"].per_word.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
CJK_CHAR = re.compile(f"[{CJK}]")
WORD_RE = re.compile(rf"(?:(?![{CJK}])[\w'’\-])+(?:[.,](?:(?![{CJK}])\w)+)*", re.UNICODE)


def count_words(text: str) -> int:
    """Words as a reader counts them: runs of letters/digits, hyphenated and decimal forms as one;
    each CJK character one."""
    return len(WORD_RE.findall(text)) + len(CJK_CHAR.findall(text))
