"""The protocol's models: one place validates, and its errors read as the service's own."""

from __future__ import annotations

import pytest

from service.briefing.lengths import LENGTHS
from service.engine import protocol
from service.engine.protocol import BatchRequest, BriefingRequest, RewriteRequest, parse
from service.errors import InvalidInput, PayloadTooLarge
from service.settings import Settings

SETTINGS = Settings(cache_dir="/nonexistent", max_article_chars=50, max_batch_articles=2)


def error(model: type, data: dict) -> tuple[str, str | None]:
    with pytest.raises((InvalidInput, PayloadTooLarge)) as caught:
        parse(model, data, SETTINGS)
    return caught.value.message, caught.value.field


def test_unknown_fields_come_first_then_absent_ones_then_field_order() -> None:
    assert error(BriefingRequest, {"colour": 1, "lengths": ["haiku"]})[1] == "colour"
    assert error(BriefingRequest, {"title": 5}) == ("'article' is required", "article")
    assert error(BriefingRequest, {"article": "", "lengths": ["haiku"]}) == ("'article' is empty", "article")
    assert error(RewriteRequest, {"text": None, "style": None})[0].startswith("'style' is required; choose one of")
    assert error(RewriteRequest, {"text": None, "style": "plain"}) == ("'text' must be a string", "text")


def test_null_means_the_default_and_a_string_of_lengths_is_a_list() -> None:
    request = parse(BriefingRequest, {"article": "A b c.", "lengths": "tldr, headline,tldr", "format": None})
    assert request.lengths == ["tldr", "headline"]
    assert request.format == "text"
    assert request.mode is None
    assert parse(BriefingRequest, {"article": "A b c.", "lengths": None}).lengths == list(LENGTHS)
    assert error(BriefingRequest, {"article": None}) == ("'article' must be a string", "article")


def test_lengths_errors_name_the_unknown_or_the_shape() -> None:
    assert error(BriefingRequest, {"article": "x", "lengths": ["haiku", "epic"]})[0].startswith(
        "unknown lengths ['haiku', 'epic']"
    )
    for bad in (["haiku", 5], [], 3, ""):
        assert error(BriefingRequest, {"article": "x", "lengths": bad})[0] == (
            "'lengths' must be a non-empty list of length names"
        )


def test_settings_limits_come_through_the_context() -> None:
    assert error(BriefingRequest, {"article": "a" * 51}) == (
        "'article' has 51 characters; the limit is 50",
        "article",
    )
    assert parse(BriefingRequest, {"article": "a" * 51}).article == "a" * 51  # no settings, no limit
    articles = [{"id": str(i)} for i in range(3)]
    assert error(BatchRequest, {"articles": articles})[0] == "3 articles; the limit is 2 per batch (the CLI has none)"
    assert BatchRequest.checked_defaults({"lengths": "tldr"}) == {"lengths": ["tldr"]}


def test_invisible_characters_go_and_an_item_needs_a_usable_id() -> None:
    assert parse(RewriteRequest, {"text": "\u200bHi\u202e there.", "style": "plain"}).text == "Hi there."
    assert protocol.item_id({"id": "a"}, 0) == "a"
    for bad in ({"id": "  "}, {"id": "x" * (protocol.ITEM_ID_MAX_CHARS + 1)}, {}):
        with pytest.raises(InvalidInput, match="needs an 'id'"):
            protocol.item_id(bad, 1)
