"""Request fields in, validated requests out: one set of rules for a single briefing, each item of
a batch (HTTP or CLI) and a rewrite. Knows nothing of HTTP; errors name the field at fault."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from service.briefing.briefer import FORMATS, MODES, BriefingRequest
from service.briefing.lengths import DEFAULT_LENGTHS, LENGTHS
from service.briefing.rewriter import RewriteRequest
from service.briefing.styles import STYLES
from service.errors import InvalidInput, PayloadTooLarge
from service.settings import Settings
from service.text.webpage import extract_article

BRIEFING_FIELDS = frozenset({"article", "html", "title", "lengths", "format", "mode"})
BRIEFING_TEXT_FIELDS = ("article", "html")  # one of these carries the article
REWRITE_FIELDS = frozenset({"text", "style"})
BATCH_OPTION_FIELDS = frozenset({"lengths", "format", "mode"})  # batch-wide defaults items may override
BATCH_FIELDS = BATCH_OPTION_FIELDS | {"articles"}
# C0/C1 controls except tab and newline, bidi overrides and zero-width characters: invisible, and a
# classic way to smuggle instructions or break tokenizers. Removed before anything reads the text.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


@dataclass(frozen=True)
class BriefingIntake:
    """A validated briefing request and, for HTML input, what was extracted from the page."""

    request: BriefingRequest
    extracted: dict[str, object] | None = None


def validated_text(value: Any, field: str, limit: int) -> str:
    """A usable text field: a string, valid Unicode, invisible characters removed, not empty, not too long."""
    if not isinstance(value, str):
        raise InvalidInput(f"'{field}' must be a string", field=field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(f"'{field}' contains an unpaired surrogate at position {exc.start}", field=field) from exc
    value = unicodedata.normalize("NFC", _INVISIBLE.sub("", value)).strip()
    if not value:
        raise InvalidInput(f"'{field}' is empty", field=field)
    if len(value) > limit:
        raise PayloadTooLarge(f"'{field}' has {len(value)} characters; the limit is {limit}", field=field)
    return value


def choice(value: Any, field: str, allowed: dict[str, Any] | tuple[str, ...], default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str) or value not in allowed:
        raise InvalidInput(f"unknown {field} {value!r}; choose one of {sorted(allowed)}", field=field)
    return value


def lengths(value: Any) -> tuple[str, ...]:
    """A list of length names, or one comma-separated string of them (query strings, the CLI)."""
    if value is None:
        return DEFAULT_LENGTHS
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InvalidInput("'lengths' must be a non-empty list of length names", field="lengths")
    unknown = [v for v in value if v not in LENGTHS]
    if unknown:
        raise InvalidInput(f"unknown lengths {unknown}; choose from {list(LENGTHS)}", field="lengths")
    return tuple(dict.fromkeys(value))


def refuse_unknown(fields: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise InvalidInput(f"unknown fields {unknown}; accepted: {sorted(allowed)}", field=unknown[0])


def briefing(fields: dict[str, Any], settings: Settings) -> BriefingIntake:
    """Validate a briefing's fields (unknown ones are the caller's business). The article comes
    from "article", or from "html" with its main text and title extracted; a given title wins."""
    present = [f for f in BRIEFING_TEXT_FIELDS if f in fields]
    if not present:
        raise InvalidInput("'article' is required", field="article")
    if len(present) > 1:
        raise InvalidInput("send either 'article' or 'html', not both", field="html")
    limit = settings.max_article_chars
    title = fields.get("title")
    title = validated_text(title, "title", limit) if title not in (None, "") else None
    extracted = None
    if "html" in fields:
        html = validated_text(fields["html"], "html", limit)
        page = extract_article(html)
        article, title, extracted = (
            validated_text(page.text, "article", limit),
            title or page.title,
            page.describe(len(html)),
        )
    else:
        article = validated_text(fields["article"], "article", limit)
    request = BriefingRequest(
        article=article,
        title=title,
        lengths=lengths(fields.get("lengths")),
        fmt=choice(fields.get("format"), "format", FORMATS, "text"),
        mode=choice(fields.get("mode"), "mode", MODES, settings.default_mode),
    )
    return BriefingIntake(request, extracted)


def rewrite(fields: dict[str, Any], settings: Settings) -> RewriteRequest:
    if "text" not in fields:
        raise InvalidInput("'text' is required", field="text")
    if fields.get("style") is None:
        raise InvalidInput(f"'style' is required; choose one of {list(STYLES)}", field="style")
    text = validated_text(fields["text"], "text", settings.max_article_chars)
    return RewriteRequest(text=text, style=choice(fields["style"], "style", STYLES, ""))


def item_id(item: Any, index: int) -> str:
    """A batch item's id: a non-empty string (so results can be matched and runs resumed)."""
    if not isinstance(item, dict):
        raise InvalidInput(f"item {index} must be an object", field="articles")
    value = item.get("id")
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise InvalidInput(f"item {index} needs an 'id': a non-empty string of at most 200 characters", field="id")
    return value
