"""A BERT sentence encoder (all-MiniLM-L6-v2 and its kin) in plain torch, read from safetensors.

Hand-written over transformers' ``BertModel`` for memory alone: importing transformers' model code
pulls in torch.distributed, torch._dynamo, sympy and more, +120 MB of RSS in every worker (measured:
276 -> 394 MB on import). A worker driving a remote engine holds no generator, so that import would
be a third of its 400 MB budget; this module needs only torch, safetensors and tokenizers. The
forward pass is BERT's, op for op (tests/test_embedder.py: equal to BertModel's output), so the
embeddings, and every ranking and check built on them, are unchanged.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WEIGHTS_FILE = "model.safetensors"


@dataclass(frozen=True)
class BertShape:
    layers: int
    heads: int
    hidden: int
    eps: float

    @classmethod
    def read(cls, folder: Path) -> BertShape:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type") != "bert" or config.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"{folder} is not a BERT encoder with GELU")
        return cls(
            config["num_hidden_layers"], config["num_attention_heads"], config["hidden_size"], config["layer_norm_eps"]
        )


def is_bert(folder: Path) -> bool:
    """Whether ``folder`` holds a BERT encoder this module can run (else transformers runs it)."""
    try:
        BertShape.read(folder)
    except (OSError, ValueError, KeyError):
        return False
    return (folder / WEIGHTS_FILE).exists() and (folder / "tokenizer.json").exists()


class BertEncoder:
    """``__call__(input_ids, attention_mask)`` -> last hidden state, as ``BertModel`` gives it."""

    def __init__(self, folder: Path, dtype: Any) -> None:
        from safetensors.torch import load_file

        self.shape = BertShape.read(folder)
        weights = load_file(str(folder / WEIGHTS_FILE))
        prefix = "bert." if any(k.startswith("bert.") for k in weights) else ""
        self.w = {k.removeprefix(prefix): v.to(dtype) for k, v in weights.items() if v.is_floating_point()}
        self.dtype = dtype

    def _norm(self, x: Any, name: str) -> Any:
        import torch

        return torch.nn.functional.layer_norm(
            x, (self.shape.hidden,), self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.shape.eps
        )

    def _linear(self, x: Any, name: str) -> Any:
        import torch

        return torch.nn.functional.linear(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    def __call__(self, input_ids: Any, attention_mask: Any) -> Any:
        import torch

        batch, length = input_ids.shape
        w, heads = self.w, self.shape.heads
        x = w["embeddings.word_embeddings.weight"][input_ids] + w["embeddings.token_type_embeddings.weight"][0]
        x = self._norm(x + w["embeddings.position_embeddings.weight"][:length], "embeddings.LayerNorm")
        # Padding is masked out additively, as BertModel's SDPA path does.
        mask = torch.zeros(attention_mask.shape, dtype=self.dtype).masked_fill(
            attention_mask == 0, torch.finfo(self.dtype).min
        )[:, None, None, :]
        split = (batch, length, heads, self.shape.hidden // heads)
        for i in range(self.shape.layers):
            layer = f"encoder.layer.{i}"
            q, k, v = (
                self._linear(x, f"{layer}.attention.self.{part}").view(split).transpose(1, 2)
                for part in ("query", "key", "value")
            )
            scale = 1 / math.sqrt(split[-1])
            attended = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=scale)
            attended = attended.transpose(1, 2).reshape(batch, length, -1)
            x = self._norm(
                self._linear(attended, f"{layer}.attention.output.dense") + x, f"{layer}.attention.output.LayerNorm"
            )
            inner = torch.nn.functional.gelu(self._linear(x, f"{layer}.intermediate.dense"))
            x = self._norm(self._linear(inner, f"{layer}.output.dense") + x, f"{layer}.output.LayerNorm")
        return x
