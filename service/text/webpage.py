"""Web pages in, article text out: trafilatura finds the main text and title, boilerplate dropped
(navigation, asides, footers, scripts), so a newsroom can post the page itself."""

from __future__ import annotations

from dataclasses import dataclass

from service.errors import InvalidInput
from service.text.words import count_words

MIN_ARTICLE_WORDS = 5


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
