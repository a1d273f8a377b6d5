"""Prompt templates are data (``prompts/``); this module loads and checks them at start-up.

Layout: ``system.txt``, ``condense.txt``, ``briefings/<length>.txt`` and ``rewrites/<style>.txt``, each a
:class:`string.Template`. A missing file, a syntax error or an unknown placeholder fails at boot,
not on the first request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template

from service.briefing.lengths import LENGTHS, LengthSpec
from service.errors import ConfigurationError

# The reader's focus is a wish, not a fact: the model is told to cover what the article says of it,
# and the checks refuse any sentence that states it without the article's support.
FOCUS_LINE = (
    "The reader is most interested in: {focus}\nCover what the article says about this, if it says anything; "
    "do not state anything about it that the article does not.\n\n"
)

# ``items`` and ``words`` follow the request's counts (LengthSpec.prompt_values); ``focus_line`` says
# what the reader cares about, after the article so every length still shares its prefill.
BRIEFING_PLACEHOLDERS = {"required": {"article"}, "allowed": {"article", "title_line", "focus_line", "items", "words"}}
REWRITE_PLACEHOLDERS = {"required": {"text"}, "allowed": {"text", "language"}}  # language: "English", "German"...
CONDENSE_PLACEHOLDERS = {"required": {"sentence"}, "allowed": {"sentence"}}


@dataclass(frozen=True)
class PromptBook:
    """All templates, checked. ``render_*`` fill them; values are never re-interpreted as templates."""

    system: str
    briefings: Mapping[str, Template]
    rewrites: Mapping[str, Template]
    condense: Template  # the question the model answers by choosing among a sentence's deletions

    @classmethod
    def load(cls, folder: Path, lengths: Iterable[str], styles: Iterable[str]) -> PromptBook:
        system = _read(folder / "system.txt").strip()
        if "$" in system:
            raise ConfigurationError(f"{folder / 'system.txt'} takes no placeholders")
        briefings = {n: _template(folder / "briefings" / f"{n}.txt", BRIEFING_PLACEHOLDERS) for n in lengths}
        rewrites = {n: _template(folder / "rewrites" / f"{n}.txt", REWRITE_PLACEHOLDERS) for n in styles}
        condense = _template(folder / "condense.txt", CONDENSE_PLACEHOLDERS)
        return cls(system=system, briefings=briefings, rewrites=rewrites, condense=condense)

    def render_briefing(
        self,
        length: LengthSpec | str,
        article: str,
        title: str | None,
        focus: str | None = None,
        language: str = "English",
    ) -> str:
        """One length's prompt; ``length`` is the request's spec (its counts) or a name (the default)."""
        spec = LENGTHS[length] if isinstance(length, str) else length
        title_line = f"Title: {strip_delimiters(title)}\n" if title else ""
        focus_line = FOCUS_LINE.format(focus=strip_delimiters(focus)) if focus else ""
        return (
            self.briefings[spec.name]
            .substitute(
                article=strip_delimiters(article), title_line=title_line, focus_line=focus_line, **spec.prompt_values()
            )
            .strip()
        ) + answer_in(language)

    def render_condense(self, sentence: str) -> str:
        return self.condense.substitute(sentence=strip_delimiters(sentence)).strip()

    def render_rewrite(self, style: str, text: str, language: str = "English") -> str:
        return self.rewrites[style].substitute(text=strip_delimiters(text), language=language).strip() + answer_in(
            language
        )


def answer_in(language: str) -> str:
    """The line that keeps a multilingual model in the article's language (the templates are
    written in English; an English article's prompt is left exactly as the template has it)."""
    return "" if language == "English" else f"\nAnswer in {language}, the language of the text."


_DELIMITER = re.compile(r"</?\s*(?:article|text)\s*>", re.I)


def strip_delimiters(value: str) -> str:
    """The article is data inside <article>...</article>: it may not close or reopen that block."""
    return _DELIMITER.sub(" ", value)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigurationError(f"prompt template missing: {path}") from exc


def _template(path: Path, placeholders: Mapping[str, set[str]]) -> Template:
    template = Template(_read(path))
    if not template.is_valid():
        raise ConfigurationError(f"{path}: invalid placeholder syntax (use $name or ${{name}}; $$ for a dollar sign)")
    found = set(template.get_identifiers())
    unknown = found - placeholders["allowed"]
    missing = placeholders["required"] - found
    if unknown:
        raise ConfigurationError(
            f"{path}: unknown placeholders {sorted(unknown)}; allowed: {sorted(placeholders['allowed'])}"
        )
    if missing:
        raise ConfigurationError(f"{path}: must contain {sorted('$' + m for m in missing)}")
    return template
