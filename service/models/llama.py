"""A Llama-architecture causal LM in plain torch, built for the lean decode loop
(service/models/leandecode.py), read tensor by tensor from a folder of safetensors.

Hand-written over transformers' ``LlamaForCausalLM`` for memory alone: transformers' config and
model code (``AutoConfig``, the auto classes, ``modeling_llama``) import accelerate,
torch.distributed, torch._dynamo and sympy, ~145 MB of RSS in every worker (AVX2, torch 2.13), for a
model whose every step the lean loop runs itself. The modules here are transformers' own, op for op, under the
same names (``model.layers[i].self_attn.q_proj``, ``input_layernorm``, ``rotary_emb``...): RMSNorm in
fp32, the default rotary tables, the gated SiLU MLP, ``torch.nn.Linear`` and ``torch.nn.Embedding``.
So the same weights give the same bits (tests/test_llama.py: the lean loop over this model and over
transformers' gives equal logits, in fp32 and on 4-bit weights). :func:`as_transformers` wraps the
same tensors in transformers' class where its ``generate()`` is wanted (tests, bench/speed).

Only plain Llamas take this path (:func:`unsupported` says why another does not): no biases,
SiLU, default RoPE. Everything else loads through transformers as before.
"""

from __future__ import annotations

import contextlib
import functools
import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.models import quantised

if TYPE_CHECKING:  # torch is imported in the worker, after fork, never at import time
    import torch

CONFIG_FILE = "config.json"
GENERATION_CONFIG_FILE = "generation_config.json"
# LlamaConfig fields worked out from others (or fixed) rather than copied from config.json.
DERIVED = {"num_key_value_heads", "head_dim", "rope_theta", "_attn_implementation"}
CORE = ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads")


@dataclass(frozen=True)
class LlamaConfig:
    """The config.json values a plain Llama needs, under transformers' names and with its
    ``LlamaConfig`` defaults where a file leaves one out."""

    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    rms_norm_eps: float = 1e-6
    rope_theta: float = 10000.0
    max_position_embeddings: int = 2048
    tie_word_embeddings: bool = False
    pad_token_id: int | None = None
    bos_token_id: int | None = 1
    eos_token_id: int | list[int] | None = 2
    model_type: str = "llama"
    hidden_act: str = "silu"
    attention_bias: bool = False
    mlp_bias: bool = False
    is_encoder_decoder: bool = False
    _attn_implementation: str = field(default="sdpa", repr=False)  # what leandecode.supports asks of a model

    @classmethod
    def of(cls, values: dict[str, Any]) -> LlamaConfig:
        """From a config.json's values; ValueError (with the reason) for a model this module does not build."""
        reason = unsupported(values)
        if reason:
            raise ValueError(reason)
        heads = values["num_attention_heads"]
        known = {f.name for f in fields(cls)} - DERIVED
        return cls(
            **{k: v for k, v in values.items() if k in known},
            num_key_value_heads=values.get("num_key_value_heads") or heads,
            head_dim=values.get("head_dim") or values["hidden_size"] // heads,
            rope_theta=float(_rope(values).get("rope_theta", values.get("rope_theta", 10000.0))),
        )

    @classmethod
    def read(cls, folder: Path) -> LlamaConfig:
        return cls.of(json.loads((Path(folder) / CONFIG_FILE).read_text(encoding="utf-8")))

    def as_dict(self) -> dict[str, Any]:
        """The values as transformers' ``LlamaConfig`` takes them."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}
        del values["rope_theta"], values["is_encoder_decoder"], values["model_type"]
        values["rope_parameters"] = {"rope_type": "default", "rope_theta": self.rope_theta}
        return values


def _rope(values: dict[str, Any]) -> dict[str, Any]:
    return values.get("rope_parameters") or values.get("rope_scaling") or {}


def unsupported(values: dict[str, Any]) -> str | None:
    """Why a config.json's model is no plain Llama this module builds, or None."""
    if values.get("model_type") != "llama":
        return f"not a Llama-architecture model ({values.get('model_type')!r})"
    if values.get("attention_bias") or values.get("mlp_bias"):
        return "projection biases"
    if values.get("hidden_act", "silu") != "silu":
        return f"activation {values.get('hidden_act')!r}"
    rope = _rope(values)
    rope_type = rope.get("rope_type", rope.get("type", "default"))
    if rope_type != "default" or values.get("partial_rotary_factor", 1.0) != 1.0:
        return f"RoPE {rope_type!r} (only the default rotary tables are built here)"
    missing = [k for k in CORE if k not in values]
    if missing:
        return f"config.json lacks {', '.join(missing)}"
    return None


def readable(folder: Path) -> bool:
    """Whether ``folder`` holds a plain Llama in safetensors that :func:`load` builds."""
    try:
        LlamaConfig.read(folder)
        quantised.safetensors_files(Path(folder))
    except (OSError, ValueError, KeyError):
        return False
    return True


@functools.cache
def _modules() -> Any:
    """The module classes, defined on first use so that importing this file never imports torch."""
    import torch
    from torch import nn

    class RMSNorm(nn.Module):
        """transformers' ``LlamaRMSNorm``: normalised in fp32, scaled in the input's dtype."""

        def __init__(self, size: int, eps: float) -> None:
            super().__init__()
            self.weight = nn.Parameter(torch.ones(size))
            self.variance_epsilon = eps

        def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
            input_dtype = hidden_states.dtype
            hidden_states = hidden_states.to(torch.float32)
            variance = hidden_states.pow(2).mean(-1, keepdim=True)
            hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
            return self.weight * hidden_states.to(input_dtype)

    class Rotary(nn.Module):
        """transformers' ``LlamaRotaryEmbedding`` with the default tables: cos and sin per position."""

        inv_freq: torch.Tensor

        def __init__(self, config: LlamaConfig) -> None:
            super().__init__()
            dim = config.head_dim
            inv_freq = 1.0 / (config.rope_theta ** (torch.arange(0, dim, 2, dtype=torch.float) / dim))
            self.register_buffer("inv_freq", inv_freq, persistent=False)
            self.attention_scaling = 1.0

        def forward(self, x: torch.Tensor, position_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            freqs = position_ids[..., None].float() * self.inv_freq.to(device=x.device, dtype=torch.float)
            emb = torch.cat((freqs, freqs), dim=-1)
            cos = emb.cos() * self.attention_scaling
            sin = emb.sin() * self.attention_scaling
            return cos.to(dtype=x.dtype), sin.to(dtype=x.dtype)

    class MLP(nn.Module):
        """transformers' ``LlamaMLP``: down(silu(gate(x)) * up(x))."""

        def __init__(self, config: LlamaConfig) -> None:
            super().__init__()
            self.gate_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
            self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
            self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)
            self.act_fn = nn.SiLU()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))

    class Attention(nn.Module):
        """The projections and constants of ``LlamaAttention``; the lean loop does the attending."""

        def __init__(self, config: LlamaConfig) -> None:
            super().__init__()
            self.head_dim = config.head_dim
            self.num_key_value_groups = config.num_attention_heads // config.num_key_value_heads
            self.scaling = self.head_dim**-0.5
            width, kv_width = config.num_attention_heads * config.head_dim, config.num_key_value_heads * config.head_dim
            self.q_proj = nn.Linear(config.hidden_size, width, bias=False)
            self.k_proj = nn.Linear(config.hidden_size, kv_width, bias=False)
            self.v_proj = nn.Linear(config.hidden_size, kv_width, bias=False)
            self.o_proj = nn.Linear(width, config.hidden_size, bias=False)

    class DecoderLayer(nn.Module):
        def __init__(self, config: LlamaConfig) -> None:
            super().__init__()
            self.self_attn = Attention(config)
            self.mlp = MLP(config)
            self.input_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)
            self.post_attention_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)

    class Body(nn.Module):
        def __init__(self, config: LlamaConfig) -> None:
            super().__init__()
            # Given its (meta) weight, nn.Embedding skips its random init, which on the meta device
            # runs through torch._refs and imports torch._dynamo (+16 MB): the weights come from disk.
            shape = (config.vocab_size, config.hidden_size)
            self.embed_tokens = nn.Embedding(*shape, config.pad_token_id, _weight=torch.empty(shape))
            self.layers = nn.ModuleList([DecoderLayer(config) for _ in range(config.num_hidden_layers)])
            self.norm = RMSNorm(config.hidden_size, config.rms_norm_eps)
            self.rotary_emb: Rotary | None = None  # computed, not read: :func:`load` builds it off the meta device

    class CausalLM(nn.Module):
        """``model`` (embeddings, layers, final norm, rotary tables) and ``lm_head``."""

        def __init__(self, config: LlamaConfig) -> None:
            super().__init__()
            self.config = config
            self.model = Body(config)
            self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
            self.generation_config = GenerationConfig(config.eos_token_id)

        @property
        def device(self) -> torch.device:
            return self.model.embed_tokens.weight.device

        def get_input_embeddings(self) -> nn.Embedding:
            return self.model.embed_tokens

        def get_output_embeddings(self) -> nn.Linear:
            return self.lm_head

    return CausalLM, Rotary


@dataclass
class GenerationConfig:
    """What the generator reads of generation_config.json: the tokens that end a reply."""

    eos_token_id: int | list[int] | None

    @classmethod
    def read(cls, folder: Path, default: int | list[int] | None) -> GenerationConfig:
        with contextlib.suppress(OSError, ValueError):
            values = json.loads((Path(folder) / GENERATION_CONFIG_FILE).read_text(encoding="utf-8"))
            return cls(values.get("eos_token_id", default))
        return cls(default)


def load(folder: Path, dtype: Any, weights: str = "dense", prefill_dtype: Any = None) -> tuple[Any, float]:
    """The plain Llama in ``folder``: ``weights="int4"`` holds the decoder projections as 4-bit groups
    (service/models/quantised.py; their prefill products in ``prefill_dtype``, default bf16) and
    everything else in ``dtype``; ``"dense"`` holds every weight in ``dtype``. Built tensor by
    tensor from plain reads, so no tensor is ever held twice. Returns the model and the largest
    weight error quantisation made (0 for dense)."""
    import torch

    folder = Path(folder)
    config = LlamaConfig.read(folder)
    causal_lm, rotary = _modules()
    if weights == "int4" and (reason := quantised.supported(config)):
        raise ValueError(reason)
    with torch.device("meta"):
        model = causal_lm(config)
    worst = quantised.fill(model, folder, dtype, prefill_dtype, int4=weights == "int4")
    model.model.rotary_emb = rotary(config)
    quantised.check_built(model, folder)
    model.generation_config = GenerationConfig.read(folder, config.eos_token_id)
    return model.eval(), worst


def as_transformers(model: Any) -> Any:
    """transformers' ``LlamaForCausalLM`` around ``model``'s own modules and tensors (nothing copied):
    for ``generate()`` and transformers' forward where a test or a benchmark compares with them."""
    import torch
    import transformers

    config = transformers.LlamaConfig(**model.config.as_dict())
    config._attn_implementation = "sdpa"
    with torch.device("meta"):
        wrapped = transformers.LlamaForCausalLM(config)
    for ours, theirs in zip(model.model.layers, wrapped.model.layers):
        for name in ("input_layernorm", "post_attention_layernorm", "mlp"):
            setattr(theirs, name, getattr(ours, name))
        for name in ("q_proj", "k_proj", "v_proj", "o_proj", "qkv_proj"):
            if hasattr(ours.self_attn, name):
                setattr(theirs.self_attn, name, getattr(ours.self_attn, name))
    wrapped.model.embed_tokens = model.model.embed_tokens
    wrapped.model.norm = model.model.norm
    wrapped.lm_head = model.lm_head
    wrapped.model.rotary_emb = type(wrapped.model.rotary_emb)(config=config)
    eos = model.generation_config.eos_token_id
    wrapped.generation_config = transformers.GenerationConfig(
        eos_token_id=eos, pad_token_id=model.config.pad_token_id, bos_token_id=model.config.bos_token_id
    )
    return wrapped.to(model.device).eval()
