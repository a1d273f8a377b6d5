"""What the briefing logic asks of a model: prompts in, generations (with their timings) out.

The types and the :class:`Generator` protocol; the Hugging Face implementation, which loads and
decodes, is in service/models/huggingface.py. Knows nothing of HTTP or of briefings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from service.errors import ClientGone

# Chat-turn markers of the common templates (ChatML, Llama 2 and 3, Mistral, Gemma, Phi, Zephyr):
# removed from untrusted text before any model reads it, so an article cannot open a fake system
# or assistant turn. A local model adds its own special tokens to these; a remote engine's are
# unknown, and engines commonly parse special-token text inside message content.
CHAT_MARKERS: frozenset[str] = frozenset(
    {
        "<|im_start|>",
        "<|im_end|>",
        "</s>",
        "<s>",
        "<|endoftext|>",
        "[INST]",
        "[/INST]",
        "<<SYS>>",
        "<</SYS>>",
        "<|begin_of_text|>",
        "<|start_header_id|>",
        "<|end_header_id|>",
        "<|eot_id|>",
        "<start_of_turn>",
        "<end_of_turn>",
        "<|system|>",
        "<|user|>",
        "<|assistant|>",
        "<|end|>",
    }
)


def remove_markers(text: str, markers: Sequence[str]) -> str:
    """``text`` without any of ``markers`` (given longest first, so ``<|im_start|>`` goes before a
    shorter marker inside it)."""
    for marker in markers:
        text = text.replace(marker, "")
    return text


@dataclass(frozen=True)
class Prompt:
    """One generation job. Causal models read ``system`` + ``user`` through their chat template;
    seq2seq models read ``source`` (with their task prefix) and honour ``min_new_tokens``."""

    user: str
    source: str
    task: str = "summarize"
    system: str = ""
    max_new_tokens: int = 64
    min_new_tokens: int = 0


@dataclass
class Generation:
    text: str
    new_tokens: int
    cut_by_deadline: bool = False


@dataclass(frozen=True)
class GenerationWatch:
    """Hooks for streaming: text as it is decoded, each prompt's result as soon as it is finished,
    and a cancellation test checked at every step (a client that went away stops the work)."""

    on_text: Callable[[int, str], None] = lambda index, delta: None
    on_done: Callable[[int, Generation], None] = lambda index, generation: None
    cancelled: Callable[[], bool] = lambda: False

    def check(self) -> None:
        if self.cancelled():
            raise ClientGone("the client went away; generation stopped")


QUIET = GenerationWatch()


@dataclass
class GenerationStats:
    """Timings of one :meth:`Generator.generate` call, for the response's ``timings``."""

    prefill_s: float = 0.0
    decode_s: float = 0.0
    new_tokens: int = 0
    shared_prefix_tokens: int = 0
    solo_steps: int = 0  # decode passes with one row left: single-stream speed, measured in place
    solo_tokens: int = 0
    solo_s: float = 0.0
    drafted: int = 0  # draft tokens checked (service/models/drafter.py), and how many the model kept
    accepted: int = 0


class Generations(list[Generation]):
    """What :meth:`Generator.generate` returns: one :class:`Generation` per prompt, in order, and
    ``stats``, the call's own timings (each call its own: nothing is left on the generator)."""

    def __init__(self, generations: Iterable[Generation] = (), stats: GenerationStats | None = None) -> None:
        super().__init__(generations)
        self.stats = stats if stats is not None else GenerationStats()


class Generator(Protocol):
    """What the briefing logic needs from a model. Tests use a replaying fake."""

    def info(self) -> dict[str, Any]: ...

    @property
    def context_tokens(self) -> int: ...

    def count_tokens(self, text: str) -> int: ...

    def input_budget(self, max_new_tokens: int, overhead_tokens: int) -> int: ...

    def generate(
        self, prompts: Sequence[Prompt], deadline: float | None = None, watch: GenerationWatch = QUIET
    ) -> Generations: ...

    def score(self, prompt: Prompt, replies: Sequence[str]) -> list[float]:
        """How likely the model finds each of ``replies`` as its answer to ``prompt``: the mean
        log-probability per token (end of turn included). Lets the model choose among candidate
        answers it could not be trusted to write freely (deletion-only condensing)."""
        ...

    def self_check(self) -> None: ...

    def probe(self) -> None:
        """Readiness, asked by every /readyz: raises when the model cannot answer now (an in-process
        model that passed its self-check always can; a remote engine is asked for one token)."""
        ...
