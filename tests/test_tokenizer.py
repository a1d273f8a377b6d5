"""The embedded model's tokenizer without transformers (service/models/tokenizer.py) is the one
AutoTokenizer gives: the same ids, chat prompts, decoded text and special tokens, on every
validation article and on hostile text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.models.generator import CHAT_MARKERS
from service.models.tokenizer import PlainTokenizer
from service.models.weights import generator_folder
from service.settings import Settings
from tests.conftest import SHARED_DATA
from tests.support import ARTICLE, SYRIA_ARTICLE

HOSTILE = Path(__file__).resolve().parent / "hostile_articles.jsonl"
AS_CHAT = {"add_generation_prompt": True, "tokenize": True, "return_dict": False}


@pytest.fixture(scope="module")
def pair() -> tuple[PlainTokenizer, object]:
    from transformers import AutoTokenizer

    folder = generator_folder(Settings.from_env().cache_dir)
    return PlainTokenizer(folder), AutoTokenizer.from_pretrained(str(folder))


def texts() -> list[str]:
    out = [ARTICLE, SYRIA_ARTICLE, "", " ", "\n\n", "Ünïcödé — “quotes” 中文 العربية 😀 \t tabs", *sorted(CHAT_MARKERS)]
    out += [json.loads(line).get("article", "") for line in HOSTILE.read_text(encoding="utf-8").splitlines()]
    articles = SHARED_DATA / "validation-articles.jsonl"
    if articles.exists():
        out += [json.loads(line)["article"] for line in articles.read_text(encoding="utf-8").splitlines()]
    return [t for t in out if isinstance(t, str)]


def test_the_same_ids_and_text_as_autotokenizer(pair: tuple[PlainTokenizer, object]) -> None:
    ours, theirs = pair
    for text in texts():
        for special in (True, False):
            ids = ours(text, add_special_tokens=special).input_ids
            assert ids == theirs(text, add_special_tokens=special).input_ids  # type: ignore[operator]
        for skip in (True, False):
            assert ours.decode(ids, skip_special_tokens=skip) == theirs.decode(ids, skip_special_tokens=skip)  # type: ignore[attr-defined]


def test_the_same_chat_prompts_as_autotokenizer(pair: tuple[PlainTokenizer, object]) -> None:
    ours, theirs = pair
    for text in texts()[:40]:
        for messages in (
            [{"role": "user", "content": text}],
            [{"role": "system", "content": "You brief news. Use only the article."}, {"role": "user", "content": text}],
        ):
            for generation_prompt in (True, False):
                as_chat = AS_CHAT | {"add_generation_prompt": generation_prompt}
                assert ours.apply_chat_template(messages, **as_chat) == theirs.apply_chat_template(messages, **as_chat)  # type: ignore[attr-defined]


def test_the_same_special_tokens_as_autotokenizer(pair: tuple[PlainTokenizer, object]) -> None:
    ours, theirs = pair
    for name in ("eos_token", "pad_token", "eos_token_id", "pad_token_id", "all_special_tokens", "model_max_length"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert {i: t.content for i, t in ours.added_tokens_decoder.items()} == {
        i: t.content
        for i, t in theirs.added_tokens_decoder.items()  # type: ignore[attr-defined]
    }
    assert ours.chat_template == theirs.chat_template  # type: ignore[attr-defined]
    assert ours.convert_tokens_to_ids("<|im_start|>") == theirs.convert_tokens_to_ids("<|im_start|>")  # type: ignore[attr-defined]
