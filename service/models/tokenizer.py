"""The embedded generator's tokenizer without transformers: its tokenizer.json through the tokenizers
library and its chat template through jinja2, which is all that transformers' plain fast tokenizer
(``TokenizersBackend``) does for the calls the generator makes.

Hand-written over transformers' class for memory alone: importing it pulls in huggingface_hub, httpx
and yaml, and an instance builds Python copies of the vocabulary, ~40 MB of RSS in every worker
(+69 MB against +30 MB for this class, measured after torch), out of the ~150 MB that the 700 MB
worker budget leaves once torch, the weights and a prefill are counted (docs/benchmarks.md). The
rendering environment is transformers' own (sandboxed, trim_blocks and lstrip_blocks, loop
controls, its tojson, raise_exception and strftime_now), and tests/test_tokenizer.py holds it to
AutoTokenizer: the same ids (plain and chat), decoded text and special tokens on every validation
article and on hostile text. It serves the embedded model alone, whose template it is tested on; a
model you name gets transformers' tokenizer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROLES = ("bos", "eos", "unk", "pad")  # special_tokens_map's order, as transformers lists them


@dataclass(frozen=True)
class Encoded:
    """What ``tokenizer(text)`` returns, as far as the generator reads it."""

    input_ids: list[int]


def _content(token: Any) -> str | None:
    """A special token as tokenizer_config.json holds it: a string or a serialised AddedToken."""
    return token.get("content") if isinstance(token, dict) else token


class PlainTokenizer:
    """``__call__``, ``decode``, ``apply_chat_template`` and the special tokens, for one folder."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        folder = Path(folder)
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        template = folder / "chat_template.jinja"
        self.chat_template: str | None = (
            template.read_text(encoding="utf-8") if template.exists() else config.get("chat_template")
        )
        self._special = {role: _content(config.get(f"{role}_token")) for role in ROLES}
        self.model_max_length = int(config.get("model_max_length", int(1e30)))  # transformers' "no limit"
        self.added_tokens_decoder = self._tokenizer.get_added_tokens_decoder()
        self._compiled: Any = None

    # ------------------------------------------------------------ special tokens
    @property
    def eos_token(self) -> str | None:
        return self._special["eos"]

    @property
    def pad_token(self) -> str | None:
        return self._special["pad"]

    @pad_token.setter
    def pad_token(self, token: str | None) -> None:
        self._special["pad"] = token

    @property
    def eos_token_id(self) -> int | None:
        return self.convert_tokens_to_ids(self.eos_token)

    @property
    def pad_token_id(self) -> int | None:
        return self.convert_tokens_to_ids(self.pad_token)

    @property
    def all_special_tokens(self) -> list[str]:
        return [token for token in dict.fromkeys(self._special.values()) if token]

    def convert_tokens_to_ids(self, token: str | None) -> int | None:
        return None if token is None else self._tokenizer.token_to_id(token)

    # ------------------------------------------------------------ text and ids
    def __call__(self, text: str, add_special_tokens: bool = True) -> Encoded:
        return Encoded(self._tokenizer.encode(text, add_special_tokens=add_special_tokens).ids)

    def decode(self, ids: list[int], skip_special_tokens: bool = False) -> str:
        return str(self._tokenizer.decode(list(ids), skip_special_tokens=skip_special_tokens))

    def apply_chat_template(
        self,
        messages: list[dict[str, str]],
        add_generation_prompt: bool = False,
        tokenize: bool = True,
        return_dict: bool = False,
    ) -> list[int] | str:
        """The conversation rendered by the model's chat template, then tokenised without adding
        special tokens (the template writes them), as transformers does."""
        if self.chat_template is None:
            raise ValueError("this tokenizer has no chat template")
        if return_dict:
            raise ValueError("return_dict is not supported: the ids are returned as a list")
        if self._compiled is None:
            self._compiled = _compile(self.chat_template)
        specials = {f"{role}_token": token for role, token in self._special.items() if token is not None}
        rendered = self._compiled.render(
            messages=[dict(m) for m in messages],
            tools=None,
            documents=None,
            add_generation_prompt=add_generation_prompt,
            **specials,
        )
        return self(rendered, add_special_tokens=False).input_ids if tokenize else str(rendered)


def _compile(template: str) -> Any:
    """The template in transformers' chat-template environment (utils/chat_template_utils.py):
    sandboxed, trim_blocks and lstrip_blocks, loop controls, its tojson, raise_exception and
    strftime_now."""
    from datetime import datetime

    import jinja2.exceptions
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise jinja2.exceptions.TemplateError(message)

    def tojson(
        x: Any, ensure_ascii: bool = False, indent: int | None = None, separators: Any = None, sort_keys: bool = False
    ) -> str:
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format: str) -> str:
        return datetime.now().strftime(format)

    environment = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols]
    )
    environment.filters["tojson"] = tojson
    environment.globals["raise_exception"] = raise_exception
    environment.globals["strftime_now"] = strftime_now
    return environment.from_string(template)
