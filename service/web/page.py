"""Web pages in, article text out: trafilatura finds the main text and title, boilerplate dropped
(navigation, asides, footers, scripts), so a newsroom can post the page itself.

Three steps after trafilatura: the title is cleaned of site names, page furniture that survives
extraction (reading times, copyright lines, photo credits, "Read more", datelines) is removed line by
line, and a page whose text is no article (a caption, a stub, a status table, a shop or index page)
is refused with the measured reason (:class:`NotAnArticle`, 422) instead of being briefed.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from service.errors import InvalidInput, NotAnArticle
from service.text.words import CJK_CHAR, count_words, word_equivalents

MIN_ARTICLE_WORDS = 5  # fewer: no text at all (a page of menus), answered as invalid input
PRESCAN_BYTES = 2048  # where a page must declare its charset (the HTML standard's prescan window)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)

# ---------------------------------------------------------------- not an article
# A prose sentence stands in for "a sentence with a verb" (no tagger covers every language): at
# least PROSE_MIN_WORDS words, lowercase letters (or CJK) and a sentence terminator at its end;
# headlines, menus, prices, timestamps and table cells have none. The thresholds were set on the
# signals of the 260 saved pages of ../shared/data/web-pages (news, blogs, recipes, shops, forums,
# docs; bench/pages lists what is refused), each with a margin beyond the most extreme page kept:
# - a caption or stub: the fewest words on a kept page are 38 and the fewest prose sentences 2
#   (a photo caption is one sentence);
# - running text: the lowest share of words in prose sentences is 0.19 (a top-100 list); the
#   status and shop pages of tests/test_page.py have 0.09 and 0.14 (with 2-3 prose sentences);
# - structure: the shares of lines that are table rows, list items or figures and of lines that
#   are a link's whole text reach 0.93 and 0.46 on kept pages, but only where 19% and 28% of the
#   words are prose; past MAX_STRUCTURED_SHARE or MAX_LINK_SHARE with less prose than
#   STRUCTURED_MAX_PROSE_SHARE a page is a table or an index.
# One saved page is refused: a monument's data sheet (a timeline and a fact table, one sentence).
# The share of the whole page's text in links (its link density) reaches 1.0 on kept pages (big
# menus, an article wrapped in a link), so it only names the kind of a refused page.
MIN_WORDS = 30
MIN_PROSE_SENTENCES = 2
PROSE_MIN_WORDS = 4
MIN_PROSE_SHARE = 0.1
MAX_STRUCTURED_SHARE = 0.8
MAX_LINK_SHARE = 0.6
STRUCTURED_MAX_PROSE_SHARE = 0.15
DATA_LINE_WORDS = 6  # a line this short with a digit and no terminator is a figure ("$129.99", "2 hours ago")
NAMING_SHARE = 0.5  # a refused page is named by the structure holding half its lines
INDEX_LINK_DENSITY = 0.6  # ... or an index page when this share of the page's text is links
STUB_LINES = 3  # ... or a caption or stub when it is this few lines

_TERMINATOR = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
_TABLE_ROW = re.compile(r"^\|.*\|$")
_LIST_ITEM = re.compile(r"^(?:[-*•·▪●]|\d{1,2}[.)])\s+")


@dataclass(frozen=True)
class ExtractedPage:
    text: str
    title: str | None

    def describe(self, html_characters: int) -> dict[str, object]:
        return {"from": "html", "html_characters": html_characters, "characters": len(self.text), "title": self.title}


@dataclass(frozen=True)
class PageSignals:
    """What decides whether extracted text is an article, measured on its lines and sentences."""

    words: int
    lines: int
    prose_sentences: int
    prose_share: float  # share of words in prose sentences
    structured_share: float  # share of lines that are table rows, list items or figures ("$129.99")
    link_share: float  # share of lines that are the whole text of one of the page's links
    page_link_share: float  # share of the whole page's visible text that is link text


def extract_article(html: str) -> ExtractedPage:
    """The page's main text (paragraphs as lines, furniture removed) and cleaned title; 422 when
    there is no text (invalid input) or the text is no article (:class:`NotAnArticle`)."""
    page, signals = read_page(html)
    if refusal(signals):  # the default pass may have kept only a caption: a recall-first one may find the story
        second, second_signals = read_page(html, favor_recall=True)
        if not refusal(second_signals):
            return second
    refuse_non_article(signals)
    return page


def read_page(html: str, favor_recall: bool = False) -> tuple[ExtractedPage, PageSignals]:
    """The page's main text and title, and the signals that say whether it is an article.
    trafilatura's default settings, comments left out: favor_precision deletes link text (a
    <span class="link"> goes whole, leaving "especially high for , who") and whole paragraphs; on
    the saved pages of bench/pages, extract() found 91.7% of the main-text snippets with it and
    94.4% without (leaking 9.6% and 12.3% of the boilerplate ones, which strip_page_furniture
    then cuts), and include_links found 94.5% (12.7%) but writes Markdown links into the text.
    trafilatura's metadata pass is skipped (it doubles the time, mostly looking for a date)."""
    import trafilatura

    tree = trafilatura.load_html(html)
    if tree is None:
        raise InvalidInput("no article text found in the HTML", field="html")
    links = {_line_key(t) for t in _texts(tree, "a")} - {""}
    page_link_share = _link_density(tree)
    raw_title, title = page_title(tree)
    headline = next((_squash(t) for t in _texts(tree, "h1")), "")
    document: Any = trafilatura.bare_extraction(tree, include_comments=False, favor_recall=favor_recall)
    text = (getattr(document, "text", None) or "").strip()
    if count_words(text) < MIN_ARTICLE_WORDS:  # a page with no article yields its menu words
        raise InvalidInput("no article text found in the HTML", field="html")
    text = strip_page_furniture(_drop_title_line(text, {raw_title, title or "", headline}))
    return ExtractedPage(text=text, title=title), measure(text, links, page_link_share)


def _texts(tree: Any, tag: str) -> Iterable[str]:
    return (" ".join(element.itertext()) for element in tree.iter(tag))


def _chars(text: str) -> int:
    return len("".join(text.split()))


def _link_density(tree: Any) -> float:
    """The share of the page's visible text that sits in links (an index page's is most of it)."""
    body = tree.find(".//body")
    body = tree if body is None else body
    hidden = sum(_chars(e.text_content()) for e in body.iter("script", "style", "noscript"))
    visible = _chars(body.text_content()) - hidden
    linked = sum(_chars(a.text_content()) for a in body.iter("a"))
    return min(linked / visible, 1.0) if visible > 0 else 0.0


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _line_key(text: str) -> str:
    """A line or link text compared as words only (list markers, spacing and case ignored)."""
    return " ".join(re.findall(r"\w+", _LIST_ITEM.sub("", text.strip()).lower()))


def _drop_title_line(text: str, titles: set[str]) -> str:
    """The text's first line repeats the page's title or <h1>: a headline, not a sentence."""
    lines = text.split("\n")
    if lines and _squash(lines[0]) in titles - {""}:
        return "\n".join(lines[1:]).strip() or text
    return text


# ---------------------------------------------------------------- title
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go"})  # bbc.co.uk
# Where a page shows its own name: header, footer, logo or brand.
_CHROME = "//header | //footer | //*[contains(@class, 'logo') or contains(@id, 'logo') or contains(@class, 'brand')]"
CHROME_CHARS = 20_000  # enough for any header and footer; a page wrapped in one <header> is cut here
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|–—»«•⋆>:]|::|-{1,2})\s+|\s*\|\s*")
_DOMAIN = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}$", re.I)
# Publishers whose name a page's title carries without the page saying it is the site's name.
_PUBLISHERS = frozenset(
    "reuters bbc bbcnews bbcsport ap apnews associatedpress afp cnn cnbc nytimes thenewyorktimes "
    "theguardian guardian washingtonpost thewashingtonpost bloomberg forbes foxnews nbcnews cbsnews abcnews "
    "npr politico axios time aljazeera euronews dw dwcom spiegel spiegelonline derspiegel zeitonline faz sz "
    "tagesschau welt bild ntv lemonde lefigaro elpais scmp southchinamorningpost news".split()
)


def page_title(tree: Any) -> tuple[str, str | None]:
    """(the page's own title, that title cleaned of site names): og:title or twitter:title, else
    <title>, else the first <h1>; the site's name from og:site_name or application-name, its host
    from og:url or the canonical link, and its chrome (header, footer, logo) for a site that
    declares neither."""
    meta: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = (element.get("property") or element.get("name") or "").strip().lower()
        content = _squash(element.get("content") or "")
        if key and content:
            meta.setdefault(key, content)
    headings = [_squash(t) for t in _texts(tree, "h1")]
    own = next(
        (t for t in (meta.get("og:title"), meta.get("twitter:title"), _squash(tree.findtext(".//title") or "")) if t),
        headings[0] if headings else "",
    )
    canonical = next((e.get("href") for e in tree.iter("link") if (e.get("rel") or "").lower() == "canonical"), None)
    hostname = _hostname(meta.get("og:url") or canonical or "")
    sitename = meta.get("og:site_name") or meta.get("application-name")
    chrome = " ".join(" ".join(e.itertext()) for e in tree.xpath(_CHROME))[:CHROME_CHARS]
    cleaned = clean_title(own, sitename, hostname, chrome)
    parts = {_alnum(part) for part in _TITLE_SEPARATOR.split(cleaned or "")} - {_alnum(cleaned or "")}
    for heading in headings:  # the page's <h1> is one part of its title: that part is the headline
        if _alnum(heading) in parts:
            return own, heading
    return own, cleaned


def _hostname(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:  # a malformed URL in the page's markup
        return None


def clean_title(title: str, sitename: str | None = None, hostname: str | None = None, chrome: str = "") -> str | None:
    """The headline without the site's name: "Headline | Reuters", "Reuters - Headline" and
    "Headline - BBC News" all give "Headline". Parts of the title split at separators are dropped
    from either end while they name the site (its og:site_name, its host, a known publisher, a
    domain), then from the end while they appear in the page's ``chrome`` (header, footer, logo)
    and some part does not (a sticky header may repeat the headline too; a leading part found
    there is more often the story's kicker than the site). None when the title is empty."""
    title = _squash(title)
    if not title:
        return None
    parts = [p for p in _TITLE_SEPARATOR.split(title) if p.strip()]
    if not parts:  # separators only
        return None
    names = {_alnum(sitename or ""), _alnum(_host_label(hostname or ""))} - {""}
    while len(parts) > 1 and _names_site(parts[-1], names):
        parts.pop()
    while len(parts) > 1 and _names_site(parts[0], names):
        parts.pop(0)
    chrome_key = _alnum(chrome)

    def in_chrome(part: str) -> bool:
        return count_words(part) <= 5 and len(_alnum(part)) >= 4 and _alnum(part) in chrome_key

    while len(parts) > 1 and in_chrome(parts[-1]) and not all(in_chrome(part) for part in parts):
        parts.pop()
    return _rejoin(title, parts)


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _host_label(hostname: str) -> str:
    """ "www.reuters.com" -> "reuters", "www.thetimes.co.uk" -> "thetimes" (the name a site goes by)."""
    labels = [label for label in hostname.lower().split(".") if label not in ("www", "m", "amp")]
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else (labels[0] if labels else "")


def _names_site(part: str, names: set[str]) -> bool:
    key = _alnum(part)
    if not key:
        return True
    if key in _PUBLISHERS or _DOMAIN.match(part.strip()):
        return True
    short = count_words(part) <= 5
    return short and any(key == n or (len(n) >= 4 and (n in key or key in n)) for n in names)


def _rejoin(title: str, parts: list[str]) -> str:
    """The kept parts as they stood in the title (inner separators kept)."""
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if 0 <= start < end else " ".join(parts)


# ---------------------------------------------------------------- page furniture
# A furniture line is short; a longer line that matches is a paragraph that merely mentions it.
FURNITURE_MAX_WORDS = 30
_AGENCIES = (
    r"CNN(?: Business)?|Reuters|AP|AFP|dpa|UPI|Bloomberg|AAP|PA|APA|SDA|KNA|epd|ANSA|EFE|Xinhua|TASS|PTI|IANS|"
    r"Kyodo|Yonhap|BBC|dpa-AFX|SID"
)
_CREDITS = (
    r"getty images|afp|ap(?: photo)?|reuters|dpa|epa(?:-efe)?|imago(?: images)?|picture[- ]alliance|shutterstock|"
    r"istock(?:photo)?|keystone|ansa|efe|xinhua|bestimage|pa(?: images| wire)?|zuma(?: press)?|sipa"
)
_READ_MORE = (
    r"read more|read also|read next|see also|related(?: articles?| stories| coverage| content)?|more on this(?: story)?|"
    r"recommended|lesen sie (?:auch|mehr)|mehr zum thema|auch interessant|weiterlesen|zum weiterlesen|schon gelesen|"
    r"das könnte sie auch interessieren|à lire aussi|a lire aussi|lire aussi|lire la suite|lea también|lee también|"
    r"le puede interesar|te puede interesar|mire|vea también|leia também|leggi anche|czytaj (?:też|także|więcej)"
)
_RULE = re.compile(r"^\|?(?:\s*:?-{3,}:?\s*\|)+\s*$")  # a markdown table's header rule: "|---|---|"
# Whole lines that are page furniture, by kind (matched on a stripped line).
FURNITURE_LINES: dict[str, re.Pattern[str]] = {
    "reading time": re.compile(
        r"^(?:(?:estimated\s+)?read(?:ing)?\s+time|lesezeit|lesedauer|temps de lecture|tiempo de lectura)\s*:?\s*"
        r"(?:ca\.\s*|about\s+|~\s*)?\d+(?:\s*[-–]\s*\d+)?\s*(?:min(?:ute)?s?|minuten|min\.)\.?$"
        r"|^\d+\s*[-–]?\s*(?:min(?:ute)?s?|minuten)\.?\s*(?:read|lesezeit|lesen|de lecture|de lectura)\.?$",
        re.I,
    ),
    "copyright notice": re.compile(r"^\W*(?:©|\(c\)\s*\d{4}|copyright\s*(?:©|\(c\)|\d{4}))", re.I),
    "copyright": re.compile(
        r"\b(?:all rights reserved|alle rechte vorbehalten|tous droits réservés|todos los derechos reservados|"
        r"wszelkie prawa zastrzeżone|chroniony prawem autorskim|copyrighted (?:property|material))\b"
        r"|\bwritten permission\b.*\b(?:reprint|reproduc|republish)",
        re.I,
    ),
    "originally appeared": re.compile(
        r"^(?:this|the) (?:article|story|post|piece|interview|column) (?:was )?(?:originally |first )?"
        r"(?:appeared|published|posted|ran)\b|^(?:originally|first) (?:appeared|published|posted)\b"
        r"|^dieser (?:artikel|beitrag) (?:ist|erschien) (?:zuerst|ursprünglich)",
        re.I,
    ),
    "read more": re.compile(rf"^(?:{_READ_MORE})\s*[:»›>|.!?…]*$|^(?:{_READ_MORE})\s*[:»›>|]\s*\S.*$", re.I),
    "photo credit": re.compile(
        r"^(?:photo|photos|photograph|picture|image|images|foto|fotos|bild|bilder|credits?|crédits?(?: photos?)?|"
        r"quelle|source|fuente|fonte|źródło|zdjęcie)(?: credits?)?\s*:\s*\S.{0,100}$"
        rf"|^\(?(?:(?:photo|foto|bild|image)\s*:\s*)?(?:{_CREDITS})(?:\s*(?:/|via|\||,)\s*[^()]{{1,60}})?\)?\.?$",
        re.I,
    ),
    "follow us": re.compile(
        r"^(?:follow|síguenos|siguenos|sigue|folgen sie|folge uns|suivez|seguici|obserwuj)\b.{0,200}"
        r"\b(?:twitter|facebook|instagram|telegram|linkedin|youtube|tiktok|whatsapp|threads|mastodon)\b",
        re.I,
    ),
    "subscribe": re.compile(
        r"^(?:subscribe|sign up|register)\b.{0,120}\b(?:newsletter|edition|today|now|free|updates|full story)\b"
        r"|\bdownload (?:the|our) .{0,40}\bapps?\b|^never miss\b|^(?:jetzt )?abonnieren\b",
        re.I,
    ),
    "advertising": re.compile(
        r"^\W*(?:werbung|anzeige|advertisement|advertising|sponsored(?: content)?|publicidad|publicité|reklama)\W*$"
        r"|\b(?:enthält|contains) (?:werbung|affiliate|sponsored|advertising|paid)|\baffiliate[- ]links?\b",
        re.I,
    ),
    "login": re.compile(
        r"^(?:sie sind (?:aktuell |derzeit )?nicht (?:eingeloggt|angemeldet)|you are not logged in|you must be logged in)",
        re.I,
    ),
    "tags": re.compile(
        r"^(?:tags?|schlagw(?:ö|oe)rter|schlagworte|stichw(?:ö|oe)rter|kategorien?|categories|category|filed under|"
        r"themen|temas|topics|etiquetas|mots-clés|share(?: this)?|teilen|bewerten|rate this)\s*:\s*.{0,150}$"
        r"|^(?:tags|temas|themen|teilen|share|bewerten|drucken|print)$",
        re.I,
    ),
    "table rule": _RULE,
    # Two or more words mixing Latin and Cyrillic letters ("Аdvеrtіѕе"): spam dodging filters.
    "mixed script": re.compile(r"(?:\b(?=\w*[a-zA-Z])(?=\w*[\u0400-\u04FF])\w+\b.*){2}"),
}
# Kinds that are furniture at any length (a notice opening with "©", spam), not only when short.
FURNITURE_ANY_LENGTH = frozenset({"copyright notice", "mixed script"})
# Furniture at the start of a paragraph, removed and the paragraph kept: datelines.
LINE_PREFIXES: dict[str, re.Pattern[str]] = {
    # "London (CNN)It was", "WASHINGTON (AP) — The", "BERLIN, Oct 3 (Reuters) - The", "(CNN) -- The"
    "agency dateline": re.compile(
        r"^(?:[A-ZÀ-Þ][\w'’.\-]*(?:,?[ \u00a0]+(?:[A-ZÀ-Þ][\w'’.\-]*|\d{1,2}(?:st|nd|rd|th)?|de|del|am|an)){0,5},?\s*)?"
        rf"\((?:{_AGENCIES})(?:\s*/\s*[\w .\-]{{1,30}})?\)\s*(?:[-—–]{{1,2}}|:)?\s*(?=[\"“„'‘A-ZÀ-Þ0-9])"
    ),
    # "KYIV, Ukraine — Russian forces", "WASHINGTON -- The"
    "dash dateline": re.compile(
        r"^[A-ZÀ-Þ]{3,}(?:[ .'\-]+[A-ZÀ-Þ]{2,}){0,3}\.?(?:,\s*[A-ZÀ-Þ][\w.]+(?:\s[A-ZÀ-Þ][\w.]+)?\.?(?:\s\d{1,2})?)?"
        r"\s+[-—–]{1,2}\s+(?=[\"“„A-ZÀ-Þ])"
    ),
}
# Furniture at the end of a paragraph (a caption's photo credit), removed and the paragraph kept.
LINE_SUFFIXES: dict[str, re.Pattern[str]] = {
    # "... on Monday. (Reuters/John Smith)", "(AP Photo/Evan Vucci)"
    "credit in brackets": re.compile(
        rf"\s*\((?:(?i:photo|foto|bild|image)\s*:\s*)?(?:(?i:{_CREDITS})|[A-Z][\w.]*(?: Photo)?)\s*/\s*"
        r"[A-Z][a-zà-ÿ'’.\-]+(?: [A-Z][\w'’.\-]+){1,3}\)$"
    ),
    # "... on Monday. Photo: AFP", "... am Montag. Foto: dpa"
    "credit after a sentence": re.compile(
        r"(?<=[.!?”\"])\s+(?:photo|photograph|picture|image|foto|bild|credit)s?(?: credit)?\s*:\s*[^.!?]{1,60}$", re.I
    ),
    # "Marco Odermatt, Ski-Star aus der Schweiz. © AFP / MARCO BERTORELLO"
    "credit after ©": re.compile(r"(?<=[.!?”\"])\s*©\s*[^.!?©]{1,60}$"),
}


def furniture_kind(line: str) -> str | None:
    """The kind of furniture a whole line is ("reading time", "copyright", ...), or None."""
    line = line.strip()
    short = count_words(line) <= FURNITURE_MAX_WORDS
    kinds = (kind for kind, pattern in FURNITURE_LINES.items() if pattern.search(line))
    return next((kind for kind in kinds if short or kind in FURNITURE_ANY_LENGTH), None)


def strip_page_furniture(text: str) -> str:
    """Text without the furniture extraction lets through, line by line: whole furniture lines
    dropped (with the headline a "Read more" label introduces), datelines cut from the start of a
    paragraph and photo credits from its end. Works on any text with paragraphs as lines (a pasted
    article too)."""
    kept: list[str] = []
    after_label = False
    for line in text.split("\n"):
        line = line.strip()
        kind = furniture_kind(line) if line else None
        if kind or not line or (after_label and _is_headline(line)):
            after_label = kind == "read more" and not re.search(r"[:»›>|]\s*\S", line)
            continue
        after_label = False
        if _TERMINATOR.search(line):  # a dateline opens a paragraph of prose, not a headline ("ESM – ...")
            for pattern in LINE_PREFIXES.values():
                line = pattern.sub("", line, count=1)
        for pattern in LINE_SUFFIXES.values():
            line = pattern.sub("", line)
        if line.strip():
            kept.append(line.strip())
    return "\n".join(kept)


def _is_headline(line: str) -> bool:
    """A line that reads as a headline: short, no sentence terminator at its end."""
    return count_words(line) <= 20 and not _TERMINATOR.search(line)


# ---------------------------------------------------------------- not an article
def _is_prose(sentence: str) -> bool:
    """A sentence with a verb, by proxy: enough words, lowercase letters (or CJK), a terminator."""
    if not _TERMINATOR.search(sentence) or word_equivalents(sentence) < PROSE_MIN_WORDS:
        return False
    return bool(CJK_CHAR.search(sentence)) or any(ch.islower() for ch in sentence)


_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])[\"'”’»)\]]*\s+|(?<=[。！？])")


def measure(text: str, links: Iterable[str] = (), page_link_share: float = 0.0) -> PageSignals:
    """The signals :func:`refusal` decides on; ``links`` are the page's link texts (keyed as
    :func:`_line_key` does). Sentences are split at terminators only: a count, not the
    segmentation the briefing uses."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    sentences = [s for line in lines for s in _SENTENCE_END.split(line) if s.strip()]
    prose = [s for s in sentences if _is_prose(s)]
    words = word_equivalents(text)
    link_keys = set(links)
    total = max(len(lines), 1)
    return PageSignals(
        words=words,
        lines=len(lines),
        prose_sentences=len(prose),
        prose_share=sum(word_equivalents(s) for s in prose) / max(words, 1),
        structured_share=sum(1 for line in lines if _is_structured(line)) / total,
        link_share=sum(1 for line in lines if _line_key(line) in link_keys) / total,
        page_link_share=page_link_share,
    )


def _is_structured(line: str) -> bool:
    """A table row, a list item, or a figure standing alone (a price, a time, a count)."""
    if _TABLE_ROW.match(line) or _LIST_ITEM.match(line):
        return True
    return bool(re.search(r"\d", line)) and count_words(line) <= DATA_LINE_WORDS and not _TERMINATOR.search(line)


def refusal(signals: PageSignals) -> str | None:
    """Why text with these signals is no article (the measured reason), or None when it is one."""
    s = signals
    stub = s.words < MIN_WORDS or s.prose_sentences < MIN_PROSE_SENTENCES
    structured = s.structured_share > MAX_STRUCTURED_SHARE and s.prose_share < STRUCTURED_MAX_PROSE_SHARE
    linked = s.link_share > MAX_LINK_SHARE and s.prose_share < STRUCTURED_MAX_PROSE_SHARE
    if not (stub or structured or linked or s.prose_share < MIN_PROSE_SHARE):
        return None
    measured = (
        f"{s.words} words, {s.prose_sentences} prose sentence(s) holding {s.prose_share:.0%} of them, "
        f"{s.structured_share:.0%} of {s.lines} lines table rows, list items or figures, "
        f"{s.page_link_share:.0%} of the page's text in links"
    )
    if s.link_share >= NAMING_SHARE or s.page_link_share >= INDEX_LINK_DENSITY:
        kind = "an index or listing page"
    elif s.structured_share >= NAMING_SHARE:
        kind = "a table or list (a status, data or product page)"
    elif s.words < MIN_WORDS or s.lines <= STUB_LINES:
        kind = "a caption or a stub"
    else:
        kind = "too little running text"
    return f"{kind}: {measured}"


def refuse_non_article(signals: PageSignals) -> None:
    """Raise :class:`NotAnArticle` naming the measured reason when the text is no article."""
    reason = refusal(signals)
    if reason:
        raise NotAnArticle(f"the page is not an article: {reason}", field="html")


# ---------------------------------------------------------------- decoding
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
