"""The generative model backend: any Hugging Face causal chat model or seq2seq summariser.

Cheap ``__init__``, heavy :meth:`HFGenerator.load` (called once per worker, after fork).
Knows nothing of HTTP or of briefings: it turns :class:`Prompt` objects into text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.errors import ModelLoadError
from service.models import allocator, cpu, leandecode, llama, quantised
from service.models.drafter import PromptLookup
from service.models.generator import (
    CHAT_MARKERS,
    QUIET,
    Generation,
    Generations,
    GenerationStats,
    GenerationWatch,
    Prompt,
    remove_markers,
)
from service.models.tokenizer import PlainTokenizer

log = logging.getLogger(__name__)

# Seq2seq models trained with a task prefix (T5 family). Others take the raw source text.
TASK_PREFIXES: dict[str, dict[str, str]] = {
    "t5": {"summarize": "summarize: "},
    "mt5": {"summarize": "summarize: "},
    "umt5": {"summarize": "summarize: "},
}


class TextTail:
    """Turns a growing list of token ids into text deltas; holds back an incomplete character."""

    def __init__(self, decode: Callable[[list[int]], str]) -> None:
        self.decode = decode
        self.sent = 0

    def delta(self, ids: list[int]) -> str:
        text = self.decode(ids)
        if text.endswith("\ufffd") or len(text) <= self.sent:
            return ""
        new, self.sent = text[self.sent :], len(text)
        return new


@dataclass(frozen=True)
class ModelKind:
    """How one family of models is loaded and prompted."""

    name: str
    auto_class_name: str
    encode: Callable[[HFGenerator, Prompt], list[int]]


def _encode_chat(gen: HFGenerator, prompt: Prompt) -> list[int]:
    messages = [{"role": "system", "content": prompt.system}] if prompt.system else []
    messages.append({"role": "user", "content": gen.neutralise(prompt.user)})
    tok = gen.tokenizer
    if tok.chat_template:
        try:
            return list(tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False))
        except Exception:  # some templates reject a system turn: fold it into the user turn
            merged = [{"role": "user", "content": f"{prompt.system}\n\n{prompt.user}".strip()}]
            return list(tok.apply_chat_template(merged, add_generation_prompt=True, tokenize=True, return_dict=False))
    return list(tok(f"{prompt.system}\n\n{prompt.user}\n\n".lstrip(), add_special_tokens=True).input_ids)


def _encode_source(gen: HFGenerator, prompt: Prompt) -> list[int]:
    prefix = TASK_PREFIXES.get(gen.model_type, {}).get(prompt.task, "")
    return list(gen.tokenizer(prefix + gen.neutralise(prompt.source), add_special_tokens=True).input_ids)


MODEL_KINDS: dict[bool, ModelKind] = {  # keyed by config.is_encoder_decoder
    False: ModelKind("causal", "AutoModelForCausalLM", _encode_chat),
    True: ModelKind("seq2seq", "AutoModelForSeq2SeqLM", _encode_source),
}


# tokenizer_config.json classes that are transformers' plain fast tokenizer (tokenizer.json as it is).
PLAIN_TOKENIZER_CLASSES = {"TokenizersBackend", "PreTrainedTokenizerFast"}


def load_tokenizer(ref: str) -> Any:
    """transformers' tokenizer for ``ref``. Where a folder's tokenizer_config.json names the plain
    fast tokenizer, that class is loaded directly: ``AutoTokenizer`` would resolve the same class
    through the auto classes, whose import pulls in transformers' model code (accelerate,
    torch.distributed, sympy: ~60 MB of RSS) in every worker."""
    import json

    try:
        named = json.loads((Path(ref) / "tokenizer_config.json").read_text(encoding="utf-8")).get("tokenizer_class")
    except (OSError, ValueError):
        named = None
    if named in PLAIN_TOKENIZER_CLASSES and (Path(ref) / "tokenizer.json").exists():
        try:  # transformers 5; a GPU machine's own transformers 4 names it PreTrainedTokenizerFast
            from transformers.tokenization_utils_tokenizers import TokenizersBackend as plain
        except ImportError:
            from transformers import PreTrainedTokenizerFast as plain
        return plain.from_pretrained(ref)
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(ref, trust_remote_code=False)


def resolve_device(requested: str) -> str:
    import torch

    if requested != "auto":
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


class Chosen(str):
    """A setting's value (a plain ``str`` to whoever passes it on) that carries why it was chosen."""

    why: str

    def __new__(cls, choice: cpu.Choice) -> Chosen:
        chosen = super().__new__(cls, choice.value)
        chosen.why = choice.why
        return chosen


def resolve_weights(requested: str, embedded: bool, device: str) -> str:
    """``auto``: 4-bit for the embedded model on a CPU whose int4 kernel is vectorised (its GGUF is
    Q4_1, so nothing is lost on the weight side); dense for any other model, device or CPU. The
    rules and their reasons are in service/models/cpu.py; the figures behind them in the README."""
    return Chosen(cpu.choose_weights(requested, embedded, device))


@dataclass
class HFGenerator:
    """A ``from_pretrained`` model (hub id or folder), safetensors only, never remote code."""

    model_ref: str
    device: str = "auto"
    dtype: str = "auto"
    threads: int = 0
    max_context_tokens: int = 0
    label: str = ""
    max_batch: int = 16  # rows decoded together; more rows, more KV-cache memory
    weights: str = "dense"  # or "int4": decoder projections held as 4-bit groups (service/models/quantised.py)
    draft_tokens: int = 3  # most draft tokens a row checks per pass (service/models/drafter.py); 0 = none
    plain_tokenizer: bool = False  # the embedded model's tokenizer without transformers (models/tokenizer.py)
    model: Any = field(default=None, repr=False)
    tokenizer: Any = field(default=None, repr=False)
    kind: ModelKind | None = None
    model_type: str = ""
    load_seconds: float = 0.0
    cpu_info: cpu.CpuInfo | None = None
    choices: dict[str, cpu.Choice] = field(default_factory=dict)  # what ``auto`` settings chose, and why
    special_tokens: list[str] = field(default_factory=list, repr=False)  # removed from untrusted text

    def load(self) -> None:
        import torch

        started = time.perf_counter()
        if self.threads > 0:
            torch.set_num_threads(self.threads)
        self.device = resolve_device(self.device)
        try:
            if self.device == "cpu" and llama.readable(Path(self.model_ref)):
                self._load_plain_llama()
            else:
                self._load_transformers()
        except (OSError, ValueError, KeyError) as exc:
            raise ModelLoadError(f"cannot load model {self.model_ref!r}: {exc}") from exc
        self.model.to(self.device).eval()
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.special_tokens = self._special_tokens()
        self.load_seconds = time.perf_counter() - started
        assert self.kind is not None
        log.info(
            "loaded %s (%s, %s, %s) in %.1fs",
            self.model_ref,
            self.kind.name,
            self.device,
            self.dtype,
            self.load_seconds,
        )

    def _load_plain_llama(self) -> None:
        """A plain Llama from a local folder, for the lean loop on CPU: built in plain torch
        (service/models/llama.py), so transformers' model code is never imported in the worker."""
        import torch

        folder = Path(self.model_ref)
        config = llama.LlamaConfig.read(folder)
        self.kind = MODEL_KINDS[False]
        self.model_type = config.model_type
        torch_dtype = self._choose()
        self.tokenizer = PlainTokenizer(folder) if self.plain_tokenizer else load_tokenizer(self.model_ref)
        prefill_dtype = None
        if self.weights == "int4":
            self._check_int4(config)
            prefill_dtype = getattr(torch, self.choices["prefill_dtype"].value)
        self.model, error = llama.load(folder, torch_dtype, self.weights, prefill_dtype)
        if self.weights == "int4":
            log.info("4-bit decoder weights: largest weight change %.3g (0 = the weights were 4-bit already)", error)
        self.dtype = str(torch_dtype).removeprefix("torch.")

    def _load_transformers(self) -> None:
        """Any other model (or device): transformers' auto classes, safetensors only."""
        import torch
        import transformers

        config = transformers.AutoConfig.from_pretrained(self.model_ref, trust_remote_code=False)
        self.kind = MODEL_KINDS[bool(getattr(config, "is_encoder_decoder", False))]
        self.model_type = config.model_type
        torch_dtype = self._choose()
        auto_class = getattr(transformers, self.kind.auto_class_name)
        self.tokenizer = load_tokenizer(self.model_ref)
        if self.weights == "int4":  # a Llama with another RoPE: transformers' model around the 4-bit layers
            self._check_int4(config)
            prefill_dtype = getattr(torch, self.choices["prefill_dtype"].value)
            self.model, error = quantised.load_causal(Path(self.model_ref), torch_dtype, prefill_dtype)
            log.info("4-bit decoder weights: largest weight change %.3g (0 = the weights were 4-bit already)", error)
        else:
            self.model = auto_class.from_pretrained(
                self.model_ref, dtype=torch_dtype, use_safetensors=True, trust_remote_code=False
            )
        self.dtype = str(torch_dtype).removeprefix("torch.")

    def _choose(self) -> Any:
        """Weight format and precision from the CPU's capabilities (service/models/cpu.py), each
        recorded with its reason for :meth:`info`; returns the torch dtype."""
        import torch

        self.cpu_info = cpu.detect()
        if self.weights == "auto":
            self.weights = resolve_weights("auto", embedded=False, device=self.device)
        weights = cpu.Choice(str(self.weights), getattr(self.weights, "why", "set explicitly"))
        self.weights = weights.value
        self.choices = {"weights": weights, "dtype": cpu.choose_dtype(self.dtype, self.device, self.weights)}
        if self.weights == "int4":
            self.choices["prefill_dtype"] = cpu.choose_prefill_dtype(self.cpu_info)
        return getattr(torch, self.choices["dtype"].value)

    def _check_int4(self, config: Any) -> None:
        """4-bit weights run on torch's CPU int4 kernel, for Llama-type models from a local folder."""
        reason = quantised.supported(config)
        if reason is None and self.device != "cpu":
            reason = f"4-bit weights run on CPU; this model is on {self.device} (use BRIEFLY_WEIGHTS=dense)"
        if reason is None and not Path(self.model_ref).is_dir():
            reason = "4-bit weights are built from a local folder of safetensors, not a hub id"
        if reason:
            raise ModelLoadError(f"cannot load {self.model_ref!r} with BRIEFLY_WEIGHTS=int4: {reason}")

    def info(self) -> dict[str, Any]:
        return {
            "id": self.label or self.model_ref,
            "kind": self.kind.name if self.kind else None,
            "device": self.device,
            "dtype": self.dtype,
            "weights": self.weights,
            "context_tokens": self.context_tokens if self.model is not None else None,
            "load_s": round(self.load_seconds, 2),  # weights read, built and placed, in this process
            "cpu": self.cpu_info.as_dict() if self.cpu_info else None,
            "choices": {name: choice.as_dict() for name, choice in self.choices.items()},
        }

    @property
    def is_seq2seq(self) -> bool:
        return self.kind is not None and self.kind.name == "seq2seq"

    @property
    def context_tokens(self) -> int:
        config = self.model.config
        limits = [
            getattr(config, k, 0) or 0 for k in ("max_position_embeddings", "n_positions", "max_source_positions")
        ]
        native = max(limits) or min(int(self.tokenizer.model_max_length), 512)
        return min(native, self.max_context_tokens) if self.max_context_tokens else native

    def neutralise(self, text: str) -> str:
        """Remove the model's own special tokens (``<|im_start|>``, ``</s>``...) from untrusted text,
        so an article cannot open a fake system or assistant turn."""
        return remove_markers(text, self.special_tokens)

    def probe(self) -> None:
        """Loaded and self-checked is ready: nothing outside this process to ask."""

    def _special_tokens(self) -> list[str]:
        """Longest first, so ``<|im_start|>`` goes before any shorter token inside it."""
        tokens = set(self.tokenizer.all_special_tokens) | {
            t.content for t in self.tokenizer.added_tokens_decoder.values()
        }
        tokens |= CHAT_MARKERS
        return sorted((t for t in tokens if len(t) > 1), key=len, reverse=True)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False).input_ids)

    def input_budget(self, max_new_tokens: int, overhead_tokens: int) -> int:
        """Source tokens that fit: a causal model's window also holds the prompt and the output;
        a seq2seq encoder holds only the source (plus a task prefix)."""
        if self.is_seq2seq:
            return self.context_tokens - 16
        return self.context_tokens - max_new_tokens - overhead_tokens

    def self_check(self) -> None:
        """A short generation of two prompts: proves weights, tokenizer and device work together and
        warms both paths a briefing takes (the shared prefill and the batched decode steps)."""
        self.generate(
            [
                Prompt(user="Say OK.", source="OK.", max_new_tokens=2),
                Prompt(user="Say yes.", source="Yes.", max_new_tokens=2),
            ]
        )

    def generate(
        self, prompts: Sequence[Prompt], deadline: float | None = None, watch: GenerationWatch = QUIET
    ) -> Generations:
        """Greedy generation for each prompt, with this call's timings (``.stats``). Several
        causal prompts decode together in one batch after a single prefill of their shared prefix
        (the article); a lone prompt too where the lean loop applies (its draft tokens make it ~2x
        faster than ``model.generate``); seq2seq prompts, and lone prompts of other models, go
        through ``model.generate``. ``watch`` sees text as it is decoded and each result as soon
        as it is finished; cancelling it raises :class:`ClientGone`."""
        import torch

        assert self.kind is not None, "load() first"
        encoded = [self.kind.encode(self, p) for p in prompts]
        results = Generations()
        with torch.inference_mode():
            if not self.is_seq2seq and (len(prompts) > 1 or leandecode.supports(self.model)):
                for start in range(0, len(prompts), self.max_batch):
                    chunk = slice(start, start + self.max_batch)
                    results += self._generate_batch(
                        list(prompts[chunk]), encoded[chunk], deadline, results.stats, watch, start
                    )
            else:
                for i, (p, ids) in enumerate(zip(prompts, encoded)):
                    results.append(self._generate_one(p, ids, deadline, results.stats, watch, i))
        # The freed cache and temporaries go back to the system now, not after the whole request:
        # auto mode scores condensed versions next, and its peak would sit on top of them (bench/speed).
        allocator.release()
        return results

    def score(self, prompt: Prompt, replies: Sequence[str]) -> list[float]:
        """Mean log-probability per token of each reply (and the end of turn after it) as the
        model's answer to ``prompt``, without decoding. Causal models read the prompt once and all
        replies on top of its cache in one right-padded batch (the prompt is most of each row);
        seq2seq models read the reply as decoder input."""
        import torch

        assert self.kind is not None, "load() first"
        if not replies:
            return []
        prompt_ids = self.kind.encode(self, prompt)
        eos = self.tokenizer.eos_token_id
        reply_ids = [list(self.tokenizer(r, add_special_tokens=False).input_ids) + [eos] for r in replies]
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else eos
        with torch.inference_mode():
            if self.is_seq2seq:
                return self._score_seq2seq(prompt_ids, reply_ids, pad)
            if leandecode.supports(self.model):
                scores = self._score_lean(prompt_ids, reply_ids, pad)
                allocator.release()  # its pass's temporaries, before the next call's pass (as after generate)
                return scores
            head = self.model(input_ids=torch.tensor([prompt_ids], device=self.device), use_cache=True)
            cache = head.past_key_values
            cache.batch_repeat_interleave(len(reply_ids))
            ids, mask = _right_padded(reply_ids, pad, self.device)
            seen = torch.ones((len(reply_ids), len(prompt_ids)), dtype=mask.dtype, device=self.device)
            positions = torch.arange(len(prompt_ids), len(prompt_ids) + ids.shape[1], device=self.device)
            logits = self.model(
                input_ids=ids,
                attention_mask=torch.cat([seen, mask], dim=1),
                past_key_values=cache,
                position_ids=positions.expand(len(reply_ids), -1),
            ).logits
            first = head.logits[:, -1:].expand(len(reply_ids), -1, -1)  # predicts each reply's first token
            logprobs = torch.log_softmax(torch.cat([first, logits[:, :-1]], dim=1).float(), dim=-1)
            picked = logprobs.gather(-1, ids[..., None])[..., 0]
        return [float(picked[r, : len(row)].mean()) for r, row in enumerate(reply_ids)]

    def _score_lean(self, prompt_ids: list[int], reply_ids: list[list[int]], pad: int) -> list[float]:
        """The lean loop's one pass (service/models/leandecode.py): the prompt once as the shared
        prefix, each row its last token then its reply. transformers' own forward costs ~0.15 s a
        call on the 4-bit embedded model whatever its size; this pass is a few times cheaper."""
        import torch

        rows = [[prompt_ids[-1], *ids] for ids in reply_ids]
        ids, mask = _right_padded(rows, pad, self.device)
        start = len(prompt_ids) - 1
        positions = torch.arange(start, start + ids.shape[1], device=self.device).expand(len(rows), -1)
        lean = leandecode.LeanDecoder(self.model, len(rows), ids.shape[1] + 1)
        prefix = torch.tensor(prompt_ids[:-1], dtype=torch.long, device=self.device)
        logprobs = lean.logprobs(prefix, ids, positions, mask.bool())
        return [float(logprobs[r, : len(row) - 1].mean()) for r, row in enumerate(rows)]

    def _score_seq2seq(self, source_ids: list[int], reply_ids: list[list[int]], pad: int) -> list[float]:
        import torch

        start = self.model.config.decoder_start_token_id
        rows = [[start, *ids] for ids in reply_ids]
        ids, mask = _right_padded(rows, pad, self.device)
        source = torch.tensor([source_ids] * len(rows), device=self.device)
        logits = self.model(input_ids=source, decoder_input_ids=ids, decoder_attention_mask=mask).logits
        logprobs = torch.log_softmax(logits[:, :-1].float(), dim=-1).gather(-1, ids[:, 1:, None])[..., 0]
        return [float(logprobs[r, : len(row) - 1].mean()) for r, row in enumerate(rows)]

    def _generate_batch(
        self,
        prompts: list[Prompt],
        encoded: list[list[int]],
        deadline: float | None,
        stats: GenerationStats,
        watch: GenerationWatch,
        first_index: int,
    ) -> list[Generation]:
        """One prefill of the common prefix, one batched pass over the (middle-padded) suffixes,
        then a lean greedy loop in which rows leave the batch as they finish."""
        if len(encoded) == 1 and not leandecode.supports(self.model):
            return [self._generate_one(prompts[0], encoded[0], deadline, stats, watch, first_index)]
        watch.check()
        if deadline is not None and time.monotonic() >= deadline:  # no time left: not even a prefill
            expired = [Generation(text="", new_tokens=0, cut_by_deadline=True) for _ in prompts]
            for offset, result in enumerate(expired):
                watch.on_done(first_index + offset, result)
            return expired
        started = time.perf_counter()
        budget = max(p.max_new_tokens for p in prompts)
        stepper, logits, prefix_len = self._prefill(encoded, budget)
        if logits.is_cuda:  # a GPU returns before it has computed: the prefill's time, not its launch's
            import torch

            torch.cuda.synchronize(logits.device)
        stats.prefill_s += time.perf_counter() - started
        stats.shared_prefix_tokens = prefix_len
        started = time.perf_counter()
        results = _BatchDecode(self, prompts, encoded, prefix_len, stepper, stats, watch, first_index).run(
            logits, deadline
        )
        stats.decode_s += time.perf_counter() - started
        return results

    def _prefill(self, encoded: list[list[int]], budget: int) -> tuple[Any, Any, int]:
        """The shared prefix and every row's suffix through the model: the stepper that decodes on
        (the lean Llama loop where it applies: the prefix's keys/values held once for all rows, no
        per-token cache copy; else transformers' own forward), each row's last logits, and the
        prefix's length."""
        import torch

        rows = len(encoded)
        prefix_len = min(_common_prefix_length(encoded), min(len(ids) for ids in encoded) - 1)
        prefix = torch.tensor(encoded[0][:prefix_len], dtype=torch.long, device=self.device) if prefix_len > 0 else None
        input_ids, positions, valid = self._middle_padded([ids[prefix_len:] for ids in encoded], prefix_len)
        if not leandecode.supports(self.model):
            stepper, logits = _GenericStep.start(self.model, prefix, rows, input_ids, positions, valid)
            return stepper, logits, prefix_len
        lean = leandecode.LeanDecoder(self.model, rows, input_ids.shape[1] + budget + 1 + self.draft_tokens)
        logits = lean.prefill(prefix, input_ids, positions, valid)
        if rows == 1 and prefix is not None:  # one row: its prefix joins its own part
            lean.keep(torch.zeros(1, dtype=torch.long, device=self.device))
        return lean, logits, prefix_len

    def _middle_padded(self, suffixes: list[list[int]], prefix_len: int) -> tuple[Any, Any, Any]:
        """Rows' suffixes as [rows, width] token ids, positions and which are real: pads sit
        between the prefix and each row's suffix, masked out."""
        import torch

        rows, width = len(suffixes), max(len(x) for x in suffixes)
        input_ids = torch.full((rows, width), self.tokenizer.pad_token_id, dtype=torch.long, device=self.device)
        valid = torch.zeros((rows, width), dtype=torch.bool, device=self.device)
        positions = torch.zeros((rows, width), dtype=torch.long, device=self.device)
        for r, suffix in enumerate(suffixes):
            offset = width - len(suffix)
            input_ids[r, offset:] = torch.tensor(suffix, dtype=torch.long, device=self.device)
            valid[r, offset:] = True
            positions[r, offset:] = torch.arange(prefix_len, prefix_len + len(suffix), device=self.device)
        return input_ids, positions, valid

    def _decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def _stop_ids(self) -> set[int]:
        """Every token that ends a reply: the generation config's EOS ids and the tokenizer's."""
        configured = self.model.generation_config.eos_token_id
        ids = set(configured if isinstance(configured, list) else [] if configured is None else [configured])
        if self.tokenizer.eos_token_id is not None:
            ids.add(self.tokenizer.eos_token_id)
        return ids

    def _generate_one(
        self,
        prompt: Prompt,
        ids: list[int],
        deadline: float | None,
        stats: GenerationStats,
        watch: GenerationWatch = QUIET,
        index: int = 0,
    ) -> Generation:
        """The plain path: ``model.generate`` (causal or seq2seq), greedy; streamed through
        ``watch`` when someone listens, and stopped at the next token when it is cancelled."""
        import torch

        watch.check()
        kwargs: dict[str, Any] = {"max_new_tokens": prompt.max_new_tokens, "do_sample": False}
        if self.is_seq2seq:
            # A decoder with learned positions (BART, Pegasus) cannot emit more tokens than it has positions.
            kwargs["max_new_tokens"] = min(prompt.max_new_tokens, self.context_tokens - 2)
            if prompt.min_new_tokens:
                kwargs["min_new_tokens"] = min(prompt.min_new_tokens, kwargs["max_new_tokens"])
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Generation(text="", new_tokens=0, cut_by_deadline=True)
            kwargs["max_time"] = remaining
        if watch is not QUIET:
            kwargs["streamer"] = _WatchStreamer(
                watch, index, self._decode, skip_prompt_tokens=0 if self.is_seq2seq else len(ids)
            )
            kwargs["stopping_criteria"] = _cancel_criteria(watch)
        kwargs["pad_token_id"] = self.tokenizer.pad_token_id
        input_ids = torch.tensor([ids], dtype=torch.long, device=self.device)
        started = time.perf_counter()
        output = self.model.generate(input_ids=input_ids, attention_mask=torch.ones_like(input_ids), **kwargs)
        elapsed = time.perf_counter() - started
        watch.check()  # a cancelled generate() returns early; its partial text goes to nobody
        new_ids = output[0] if self.is_seq2seq else output[0, len(ids) :]
        text = self._decode(new_ids.tolist()).strip()
        new_tokens = int((new_ids != self.tokenizer.pad_token_id).sum())
        stats.decode_s += elapsed
        stats.new_tokens += new_tokens
        cut = deadline is not None and time.monotonic() >= deadline and new_tokens < prompt.max_new_tokens
        result = Generation(text=text, new_tokens=new_tokens, cut_by_deadline=cut)
        watch.on_done(index, result)
        return result


class _BatchDecode:
    """The greedy loop over a prefilled batch: each pass's choices are checked against the rows'
    draft tokens, finished rows leave the batch, the rest get their next pass."""

    def __init__(
        self,
        gen: HFGenerator,
        prompts: list[Prompt],
        encoded: list[list[int]],
        prefix_len: int,
        stepper: Any,
        stats: GenerationStats,
        watch: GenerationWatch,
        first_index: int,
    ) -> None:
        rows = len(prompts)
        self.gen, self.prompts, self.stepper, self.stats = gen, prompts, stepper, stats
        self.watch, self.first_index = watch, first_index
        self.stop_ids = gen._stop_ids()
        self.prompt_lengths = [len(ids) for ids in encoded]
        self.active = list(range(rows))  # the original row of each batch row
        self.outputs: list[list[int]] = [[] for _ in range(rows)]
        self.results: list[Generation | None] = [None] * rows
        self.streaming = watch is not QUIET
        self.tails = [TextTail(gen._decode) for _ in range(rows)]
        # Draft tokens (service/models/drafter.py) where the lean loop can check several tokens a row.
        self.drafting = gen.draft_tokens > 0 and isinstance(stepper, leandecode.LeanDecoder)
        self.lookups = [PromptLookup(ids) for ids in encoded] if self.drafting else []
        self.fed: list[list[int]] = [[] for _ in range(rows)]  # each batch row's draft tokens in the last pass

    def run(self, logits: Any, deadline: float | None) -> list[Generation]:
        stats = self.stats
        predicted = logits[:, None]  # [batch rows, tokens checked, vocab]
        checked = False  # the first logits come from the prefill, which kept its tokens itself
        while True:
            iteration_started = time.perf_counter()
            kept_counts, done = self._take(predicted.argmax(dim=-1).tolist())
            if len(self.active) == 1:  # the whole iteration: token bookkeeping, checks and the pass
                stats.solo_tokens += kept_counts[0]
            for i in (i for i, d in enumerate(done) if d):
                self._finish(self.active[i], cut=False)
            if all(done):
                break
            if deadline is not None and time.monotonic() >= deadline:
                for i in (i for i, d in enumerate(done) if not d):
                    self._finish(self.active[i], cut=True)
                break
            self.watch.check()
            if self.drafting and checked:  # the pass's tokens the row keeps: its last token and the drafts it took
                self.stepper.advance(kept_counts)
            checked = True
            if any(done):
                self._drop(done)
            predicted = self._next_pass()
            if len(self.active) == 1:
                stats.solo_steps += 1
                stats.solo_s += time.perf_counter() - iteration_started
        return [r for r in self.results if r is not None]

    def _take(self, choices: list[list[int]]) -> tuple[list[int], list[bool]]:
        """Each active row's new tokens from the pass's choices: the drafts the model agreed with
        and its own next token, cut at a stop token or the row's budget. Returns how many tokens
        each row kept and whether it is done."""
        kept_counts, done = [], []
        for i, r in enumerate(self.active):
            new = _accepted(self.fed[i], choices[i])
            right = len(new) - 1  # drafts the model would have written itself
            new = new[: self.prompts[r].max_new_tokens - len(self.outputs[r])]
            stop_at = next((j for j, t in enumerate(new) if t in self.stop_ids), None)
            if stop_at is not None:
                new = new[: stop_at + 1]
            self.stats.accepted += min(right, len(new))
            self.outputs[r] += new
            if self.drafting:
                self.lookups[r].extend(new)
            kept_counts.append(len(new))
            if self.streaming and (
                delta := self.tails[r].delta([t for t in self.outputs[r] if t not in self.stop_ids])
            ):
                self.watch.on_text(self.first_index + r, delta)
            done.append(stop_at is not None or len(self.outputs[r]) >= self.prompts[r].max_new_tokens)
        return kept_counts, done

    def _finish(self, r: int, cut: bool) -> None:
        produced = self.outputs[r]
        finished = bool(produced) and (produced[-1] in self.stop_ids or len(produced) >= self.prompts[r].max_new_tokens)
        kept = [t for t in produced if t not in self.stop_ids]
        self.stats.new_tokens += len(kept)
        result = Generation(
            text=self.gen._decode(kept).strip(), new_tokens=len(kept), cut_by_deadline=cut and not finished
        )
        self.results[r] = result
        self.watch.on_done(self.first_index + r, result)

    def _drop(self, done: list[bool]) -> None:
        import torch

        keep = [i for i, d in enumerate(done) if not d]
        self.stepper.keep(torch.tensor(keep, device=self.gen.device))
        self.active = [self.active[i] for i in keep]

    def _next_pass(self) -> Any:
        """Every active row's last token (and, drafting, its draft tokens) through the model."""
        import torch

        gen, active = self.gen, self.active
        last = [self.outputs[r][-1] for r in active]
        positions = [self.prompt_lengths[r] + len(self.outputs[r]) - 1 for r in active]
        if not self.drafting:
            step_tokens = torch.tensor(last, device=gen.device)
            return self.stepper.step(step_tokens, torch.tensor(positions, device=gen.device))[:, None]
        rooms = [self.prompts[r].max_new_tokens - len(self.outputs[r]) - 1 for r in active]
        self.fed = _draft(self.lookups, active, rooms, gen.draft_tokens)
        self.stats.drafted += sum(len(d) for d in self.fed)
        return self.stepper.verify(*_checked_tokens(last, self.fed, positions, gen.tokenizer.pad_token_id, gen.device))


class _GenericStep:
    """transformers' own forward for one token per row, with its DynamicCache and a 2-D mask."""

    def __init__(self, model: Any, cache: Any, attention_mask: Any) -> None:
        self.model, self.cache, self.mask = model, cache, attention_mask

    @classmethod
    def start(
        cls, model: Any, prefix: Any, rows: int, input_ids: Any, positions: Any, valid: Any
    ) -> tuple[_GenericStep, Any]:
        """One prefill of the shared prefix, its cache repeated per row, then one batched pass over
        the (middle-padded) suffixes; returns the stepper and each row's last logits."""
        import torch
        from transformers import DynamicCache

        cache = DynamicCache(config=model.config)
        prefix_len = 0 if prefix is None else len(prefix)
        if prefix_len:
            model(input_ids=prefix[None], cache=cache, use_cache=True, logits_to_keep=1)
            cache.batch_repeat_interleave(rows)
        mask = torch.cat([torch.ones((rows, prefix_len), dtype=torch.long, device=valid.device), valid.long()], dim=1)
        logits = model(
            input_ids=input_ids,
            attention_mask=mask,
            position_ids=positions,
            cache=cache,
            use_cache=True,
            logits_to_keep=1,
        ).logits[:, -1]
        return cls(model, cache, mask), logits

    def keep(self, rows: Any) -> None:
        self.cache.reorder_cache(rows)
        self.mask = self.mask[rows]

    def step(self, tokens: Any, positions: Any) -> Any:
        import torch

        self.mask = torch.cat([self.mask, self.mask.new_ones((self.mask.shape[0], 1))], dim=1)
        return self.model(
            input_ids=tokens.unsqueeze(1),
            attention_mask=self.mask,
            position_ids=positions.unsqueeze(1),
            cache=self.cache,
            use_cache=True,
        ).logits[:, -1]


class _WatchStreamer:
    """A transformers streamer (``put``/``end``) that forwards decoded text deltas to a watch."""

    def __init__(
        self, watch: GenerationWatch, index: int, decode: Callable[[list[int]], str], skip_prompt_tokens: int
    ) -> None:
        self.watch, self.index = watch, index
        self.tail = TextTail(decode)
        self.ids: list[int] = []
        self.skip = skip_prompt_tokens > 0  # causal generate() first puts the whole prompt

    def put(self, value: Any) -> None:
        if self.skip:
            self.skip = False
            return
        self.ids.extend(int(t) for t in value.reshape(-1).tolist())
        if delta := self.tail.delta(self.ids):
            self.watch.on_text(self.index, delta)

    def end(self) -> None:
        pass


def _cancel_criteria(watch: GenerationWatch) -> Any:
    from transformers import StoppingCriteria, StoppingCriteriaList

    class Cancelled(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            import torch

            return torch.full((input_ids.shape[0],), watch.cancelled(), dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([Cancelled()])


def _accepted(drafts: list[int], choices: list[int]) -> list[int]:
    """The draft tokens the model would have chosen itself, up to the first it would not, then its
    own choice there (``choices[j]`` is its pick after the j-th token checked)."""
    kept = 0
    while kept < len(drafts) and drafts[kept] == choices[kept]:
        kept += 1
    return drafts[:kept] + [choices[kept]]


def _checked_tokens(
    last: list[int], drafts: list[list[int]], positions: list[int], pad: int, device: str
) -> tuple[Any, Any, Any]:
    """A pass's input: each row's last token then its drafts, padded at the end to the widest
    row ([rows, width] token ids, their positions, which are real)."""
    import torch

    width = 1 + max(len(d) for d in drafts)
    tokens = torch.full((len(last), width), pad, dtype=torch.long)
    valid = torch.zeros((len(last), width), dtype=torch.bool)
    for i, (token, draft) in enumerate(zip(last, drafts)):
        tokens[i, : 1 + len(draft)] = torch.tensor([token, *draft])
        valid[i, : 1 + len(draft)] = True
    places = torch.tensor(positions)[:, None] + torch.arange(width)[None]
    return tokens.to(device), places.to(device), valid.to(device)


# Tokens a pass takes at about the cost of one: the CPU kernels work on rows in blocks of four
# (bench/speed: a 4-bit pass over 1-4 tokens 19-23 ms, 5-8 tokens 29-31 ms, 16 tokens 45 ms).
PASS_BLOCK = 4


def _draft(lookups: list[PromptLookup], active: list[int], rooms: list[int], most: int) -> list[list[int]]:
    """Draft tokens for each batch row, filling the pass up to the next block of four tokens (one
    row alone: three drafts; five rows: three among them), one token a row in turn. Longer
    drafts cost another block each and, measured, lose more than they win."""
    proposals = [lookups[r].propose(min(most, room)) for r, room in zip(active, rooms)]
    spare = -len(active) % PASS_BLOCK
    taken = [0] * len(active)
    while spare:
        grew = False
        for i, proposal in enumerate(proposals):
            if spare and taken[i] < len(proposal):
                taken[i] += 1
                spare -= 1
                grew = True
        if not grew:
            break
    return [proposal[:n] for proposal, n in zip(proposals, taken)]


def _right_padded(rows: list[list[int]], pad: int, device: str) -> tuple[Any, Any]:
    """Rows of token ids as one [rows, width] tensor padded on the right, and the mask of real ones."""
    import torch

    width = max(len(row) for row in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long, device=device)
    mask = torch.zeros((len(rows), width), dtype=torch.long, device=device)
    for r, row in enumerate(rows):
        ids[r, : len(row)] = torch.tensor(row, dtype=torch.long, device=device)
        mask[r, : len(row)] = 1
    return ids, mask


def _common_prefix_length(sequences: list[list[int]]) -> int:
    shortest = min(len(s) for s in sequences)
    for i in range(shortest):
        token = sequences[0][i]
        if any(s[i] != token for s in sequences[1:]):
            return i
    return shortest
