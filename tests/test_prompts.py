"""Prompts are data, checked at start-up."""

import shutil
from pathlib import Path

import pytest

from service.briefing.lengths import LENGTHS
from service.briefing.promptbook import PromptBook
from service.briefing.styles import STYLES
from service.errors import ConfigurationError
from service.settings import PROJECT_ROOT


def copy_prompts(tmp_path: Path) -> Path:
    target = tmp_path / "prompts"
    shutil.copytree(PROJECT_ROOT / "prompts", target)
    return target


def test_shipped_prompts_load_and_put_the_article_first() -> None:
    book = PromptBook.load(PROJECT_ROOT / "prompts", LENGTHS, STYLES)
    rendered = [book.render_briefing(n, "ARTICLE BODY", "A title") for n in LENGTHS]
    assert all(r.startswith("<article>\nTitle: A title\nARTICLE BODY\n</article>") for r in rendered)
    assert book.render_rewrite("plain", "It cost $5.").startswith("<text>\nIt cost $5.\n</text>")


def test_article_text_is_never_treated_as_a_template() -> None:
    book = PromptBook.load(PROJECT_ROOT / "prompts", LENGTHS, STYLES)
    assert "${title_line} $article" in book.render_briefing("tldr", "${title_line} $article", None)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("briefings/tldr.txt", "Summarise $artcle", "unknown placeholders"),
        ("briefings/tldr.txt", "Summarise nothing", "must contain"),
        ("rewrites/plain.txt", "Rewrite ${text", "invalid placeholder"),
    ],
)
def test_broken_templates_fail_at_boot(tmp_path: Path, name: str, content: str, message: str) -> None:
    folder = copy_prompts(tmp_path)
    (folder / name).write_text(content)
    with pytest.raises(ConfigurationError, match=message):
        PromptBook.load(folder, LENGTHS, STYLES)


def test_missing_template_fails_at_boot(tmp_path: Path) -> None:
    folder = copy_prompts(tmp_path)
    (folder / "rewrites" / "formal.txt").unlink()
    with pytest.raises(ConfigurationError, match="missing"):
        PromptBook.load(folder, LENGTHS, STYLES)
