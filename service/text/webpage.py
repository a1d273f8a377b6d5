"""Web pages in, article text out: trafilatura finds the main text and title, boilerplate dropped
(navigation, asides, footers, scripts), so a newsroom can post the page itself."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from service.errors import InvalidInput
from service.text.words import count_words

MIN_ARTICLE_WORDS = 5
PRESCAN_BYTES = 2048  # where a page must declare its charset (the HTML standard's prescan window)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)


@dataclass(frozen=True)
class ExtractedPage:
    text: str
    title: str | None

    def describe(self, html_characters: int) -> dict[str, object]:
        return {"from": "html", "html_characters": html_characters, "characters": len(self.text), "title": self.title}


def extract_article(html: str) -> ExtractedPage:
    """The page's main text (paragraphs as lines) and title; 422 when there is none."""
    import trafilatura

    document = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, favor_precision=True)
    text = (getattr(document, "text", None) or "").strip()
    if count_words(text) < MIN_ARTICLE_WORDS:  # a page with no article yields its menu words
        raise InvalidInput("no article text found in the HTML", field="html")
    title = (getattr(document, "title", None) or "").strip() or None
    lines = text.split("\n")
    if title and lines and lines[0].strip() == title:  # the page's <h1> repeats the title
        text = "\n".join(lines[1:]).strip() or text
    return ExtractedPage(text=text, title=title)


def decode_page(raw: bytes, declared: str | None = None) -> str:
    """A page's bytes as text, in the order a browser decides: the charset the request declares
    (Content-Type), a byte-order mark, the page's own <meta charset> or http-equiv declaration in its
    first 2 KB, UTF-8 if the bytes are valid UTF-8, and else charset-normalizer's best guess (a
    windows-1252, ISO-8859, Shift-JIS or GB2312 page decodes instead of being refused). Raises
    LookupError for a declared charset Python does not know, UnicodeDecodeError for bytes that are
    not in the declared one."""
    if declared:
        return raw.decode(codecs.lookup(declared).name)
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            return raw.decode(codec)
    found = _META_CHARSET.search(raw[:PRESCAN_BYTES])
    if found:
        try:
            return raw.decode(codecs.lookup(found.group(1).decode("ascii")).name, errors="replace")
        except LookupError:
            pass  # an unknown name in the page: guess as if it declared none
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        import charset_normalizer

        best = charset_normalizer.from_bytes(raw).best()
        return str(best) if best is not None else raw.decode("utf-8", errors="replace")
