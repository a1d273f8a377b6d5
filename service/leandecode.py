"""A lean greedy decode step for Llama-architecture models (SmolLM2, Llama, Mistral-style
without biases): the same modules, rotary tables and attention function transformers uses, minus
its per-token overhead. The KV cache lives in buffers allocated once for the whole generation, so
no step copies the cache (transformers' DynamicCache concatenates every layer's keys and values
at every token: ~230 MB of copying per step for five rows over an 800-token article).

Token-for-token the same text as the generic path (tested); models of other kinds use that path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # torch is imported in the worker, after fork, never at import time
    import torch

SUPPORTED_MODEL_TYPES = {"llama"}


def supports(model: Any) -> bool:
    """Llama layout with plain RoPE, no projection biases and SDPA attention."""
    config = model.config
    rope = getattr(config, "rope_scaling", None) or {}
    return (
        config.model_type in SUPPORTED_MODEL_TYPES
        and not getattr(config, "attention_bias", False)
        and not getattr(config, "mlp_bias", False)
        and rope.get("rope_type", "default") == "default"
        and getattr(config, "_attn_implementation", "sdpa") == "sdpa"
    )


class LeanDecoder:
    """Decode state for a batch of rows: per-layer key/value buffers with room for every token
    still to come, which positions each row may attend to, and one ``step`` per token."""

    def __init__(self, model: Any, cache: Any, attention_mask: torch.Tensor, capacity: int) -> None:
        import torch
        from transformers.integrations.sdpa_attention import sdpa_attention_forward
        from transformers.models.llama.modeling_llama import apply_rotary_pos_emb

        self.model = model
        self.layers = list(model.model.layers[: model.config.num_hidden_layers])
        self._attend = sdpa_attention_forward
        self._rotate = apply_rotary_pos_emb
        self.length = attention_mask.shape[1]  # tokens already in the cache, pads included
        rows = attention_mask.shape[0]
        self.keys: list[torch.Tensor] = []
        self.values: list[torch.Tensor] = []
        for layer in cache.layers:  # takes the cache over: each layer is released once copied
            k, v = layer.keys, layer.values
            kb = k.new_empty((rows, k.shape[1], capacity, k.shape[3]))
            vb = v.new_empty((rows, v.shape[1], capacity, v.shape[3]))
            kb[:, :, : self.length] = k
            vb[:, :, : self.length] = v
            self.keys.append(kb)
            self.values.append(vb)
            layer.keys = layer.values = None
            del k, v
        self.visible = torch.zeros((rows, capacity), dtype=torch.bool, device=attention_mask.device)
        self.visible[:, : self.length] = attention_mask.bool()

    def keep(self, rows: torch.Tensor) -> None:
        """Drop finished rows (a copy of the buffers, once per row that leaves), layer by layer
        so that at most one layer is held twice."""
        for i in range(len(self.keys)):
            self.keys[i] = self.keys[i].index_select(0, rows)
            self.values[i] = self.values[i].index_select(0, rows)
        self.visible = self.visible.index_select(0, rows)

    def step(self, tokens: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """Logits for the next token of each row, given each row's last token and its position."""
        model = self.model.model
        at = self.length
        self.visible[:, at] = True
        mask = self.visible[:, None, None, : at + 1]
        hidden = model.embed_tokens(tokens[:, None])
        cos, sin = model.rotary_emb(hidden, positions[:, None])
        rows = hidden.shape[0]
        for layer, kb, vb in zip(self.layers, self.keys, self.values):
            attn = layer.self_attn
            x = layer.input_layernorm(hidden)
            shape = (rows, 1, -1, attn.head_dim)
            q = attn.q_proj(x).view(shape).transpose(1, 2)
            k = attn.k_proj(x).view(shape).transpose(1, 2)
            v = attn.v_proj(x).view(shape).transpose(1, 2)
            q, k = self._rotate(q, k, cos, sin)
            kb[:, :, at] = k[:, :, 0]
            vb[:, :, at] = v[:, :, 0]
            out, _ = self._attend(attn, q, kb[:, :, : at + 1], vb[:, :, : at + 1], mask, dropout=0.0, scaling=attn.scaling)
            hidden = hidden + attn.o_proj(out.reshape(rows, 1, -1).contiguous())
            hidden = hidden + layer.mlp(layer.post_attention_layernorm(hidden))
        self.length = at + 1
        return self.model.lm_head(model.norm(hidden))[:, -1]
