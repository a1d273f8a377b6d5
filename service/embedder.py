"""Sentence embeddings (all-MiniLM-L6-v2 by default), loaded with plain transformers, offline.

Used to rank article sentences and to measure how well a generated sentence is supported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

import numpy as np

BATCH_SIZE = 32


class Embedder(Protocol):
    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per sentence."""
        ...


@dataclass
class HFEmbedder:
    """Mean-pooled, L2-normalised token embeddings, as sentence-transformers computes them."""

    model_ref: str
    device: str = "cpu"
    max_tokens: int = 256
    model: Any = field(default=None, repr=False)
    tokenizer: Any = field(default=None, repr=False)

    def load(self) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(self.model_ref)
        self.model = AutoModel.from_pretrained(self.model_ref, use_safetensors=True, dtype=torch.float32)
        self.model.to(self.device).eval()

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        import torch

        if not sentences:
            return np.zeros((0, 1), dtype=np.float32)
        # Sorting by length keeps padding (wasted work) small inside each batch.
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        out: list[np.ndarray] = [np.empty(0)] * len(sentences)
        with torch.inference_mode():
            for start in range(0, len(order), BATCH_SIZE):
                idx = order[start : start + BATCH_SIZE]
                batch = self.tokenizer(
                    [sentences[i] for i in idx], padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt"
                ).to(self.device)
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, dim=-1).float().cpu().numpy()
                for row, i in enumerate(idx):
                    out[i] = pooled[row]
        return np.stack(out).astype(np.float32)
