"""Sentence embeddings (all-MiniLM-L6-v2 by default), loaded with plain transformers, offline.

Used to rank article sentences and to measure how well a generated sentence is supported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from service.models import bert, cpu

# Sentences a forward pass: 16 keeps padding small and the activations in cache (sample article,
# bf16: 139 ms at 32, 113 ms at 16, 115 ms at 8).
BATCH_SIZE = 16


class Embedder(Protocol):
    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per sentence."""
        ...


@dataclass
class HFEmbedder:
    """Mean-pooled, L2-normalised token embeddings, as sentence-transformers computes them."""

    model_ref: str
    device: str = "cpu"
    dtype: str = "auto"
    max_tokens: int = 256
    model: Any = field(default=None, repr=False)
    tokenizer: Any = field(default=None, repr=False)

    def load(self) -> None:
        import torch

        # bf16 where it is native (a GPU; a CPU with AVX-512 BF16 or AMX), else fp32 (service/models/cpu.py)
        torch_dtype = getattr(torch, cpu.choose_dtype(self.dtype, self.device, role="embedder").value)
        folder = Path(self.model_ref)
        if self.device == "cpu" and bert.is_bert(folder):  # the default: no transformers import (bert.py)
            from tokenizers import Tokenizer

            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            self.tokenizer.enable_truncation(self.max_tokens)
            self.tokenizer.enable_padding()
            self.model = bert.BertEncoder(folder, torch_dtype)
        else:
            from transformers import AutoModel, AutoTokenizer

            self.tokenizer = AutoTokenizer.from_pretrained(self.model_ref)
            self.model = AutoModel.from_pretrained(self.model_ref, use_safetensors=True, dtype=torch_dtype)
            self.model.to(self.device).eval()
        self.dtype = str(torch_dtype).removeprefix("torch.")

    def _hidden(self, batch: list[str]) -> tuple[Any, Any]:
        """The last hidden state of a batch and its attention mask."""
        import torch

        if isinstance(self.model, bert.BertEncoder):
            encodings = self.tokenizer.encode_batch(batch)
            ids = torch.tensor([e.ids for e in encodings])
            mask = torch.tensor([e.attention_mask for e in encodings])
            return self.model(ids, mask), mask
        inputs = self.tokenizer(
            batch, padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt"
        ).to(self.device)
        return self.model(**inputs).last_hidden_state, inputs["attention_mask"]

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
                hidden, attention = self._hidden([sentences[i] for i in idx])
                hidden = hidden.float()  # pooled in fp32 whatever the model runs in
                mask = attention.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, dim=-1).cpu().numpy()
                for row, i in enumerate(idx):
                    out[i] = pooled[row]
        return np.stack(out).astype(np.float32)
