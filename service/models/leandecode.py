"""A lean batched decode loop for Llama-architecture models (SmolLM2, Llama, Mistral-style without
biases): the same modules, rotary tables and weights transformers uses, minus its per-token
overhead, with the article's keys and values held once for every row.

Why: the rows of a briefing (one per length) share the article, hundreds of tokens, and differ
in a short instruction and in what they write. transformers would copy the article's cache once
per row and, in its DynamicCache, concatenate every layer's keys and values at every token
(~230 MB of copying a step for five rows over an 800-token article). Here:

* the shared prefix's keys/values stay a single copy, and all rows' queries attend to it in one
  call, as if they were the positions of one sequence (it is the same text for all of them);
* each row's own tokens (its instruction, then what it writes) go to buffers allocated once;
* the two attention parts are merged exactly by their log-sum-exp (flash attention's own rule).

Same greedy text as transformers' step up to float rounding order (tested on a tiny Llama and on
the embedded model); models of other kinds use the generic path in the backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # torch is imported in the worker, after fork, never at import time
    import torch

SUPPORTED_MODEL_TYPES = {"llama"}
# Tokens whose vocabulary-wide log-softmax is held at once when scoring (64 x 49,152 fp32: 12.6 MB).
LOGPROB_ROWS = 64
# Slots the row buffers grow by at a time (five rows: 15 MB of fp32 keys and values for SmolLM2-135M).
ROOM_STEP = 64


def supports(model: Any) -> bool:
    """Llama layout with plain RoPE, no projection biases and SDPA attention, on CPU: the merge
    of the two attention parts uses the CPU flash kernel, which returns its log-sum-exp (a GPU
    takes transformers' batched step instead)."""
    config = model.config
    rope = getattr(config, "rope_scaling", None) or {}
    return (
        model.device.type == "cpu"
        and config.model_type in SUPPORTED_MODEL_TYPES
        and not getattr(config, "attention_bias", False)
        and not getattr(config, "mlp_bias", False)
        and rope.get("rope_type", "default") == "default"
        and getattr(config, "_attn_implementation", "sdpa") == "sdpa"
    )


@dataclass(frozen=True)
class _PassSlots:
    """Where one pass writes each row's tokens: ``query`` [rows, width] slot indices, the first row's
    start ``at``, the attended ``end``, and ``row_index`` for scattered writes (None when every row
    starts at ``at``, so the writes are one slice)."""

    query: torch.Tensor
    at: int
    end: int
    row_index: torch.Tensor | None


class LeanDecoder:
    """Decode state for a batch of rows that share a prefix: its keys/values once per layer, each
    row's own keys/values in buffers with room for every token still to come, which of those each
    row may attend to; :meth:`prefill` runs the prefix and the rows' own prompts, :meth:`step` one
    token per row."""

    def __init__(self, model: Any, rows: int, capacity: int) -> None:
        """``capacity``: most tokens any row will add after the prefix (its suffix plus its budget)."""
        import torch

        self.model = model
        config = model.config
        self.layers = list(model.model.layers[: config.num_hidden_layers])
        self._flash = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu
        self.kv_heads = config.num_key_value_heads
        self.groups = config.num_attention_heads // self.kv_heads
        self.head_dim = self.layers[0].self_attn.head_dim
        self.query_heads = config.num_attention_heads
        self.query_width = self.query_heads * self.head_dim
        dtype = model.model.embed_tokens.weight.dtype
        device = model.model.embed_tokens.weight.device
        self.prefix: list[tuple[torch.Tensor, torch.Tensor]] = []  # per layer, batch 1, shared by all rows
        # Zeros, not empty: a row's slots past its own tokens sit inside the batch's attention window,
        # masked; masked still multiplies their values by 0, and 0 x NaN from stale memory is NaN.
        # The buffers grow as the rows write (_make_room), up to ``capacity`` slots.
        self.keys = [
            torch.zeros((rows, self.kv_heads, 0, self.head_dim), dtype=dtype, device=device) for _ in self.layers
        ]
        self.values = [torch.zeros_like(k) for k in self.keys]
        self.visible = torch.zeros((rows, 0), dtype=torch.bool, device=device)
        self.capacity = capacity
        self.lengths = [0] * rows  # row-own tokens held so far, per row (pads included)
        self.prefix_length = 0

    def keep(self, rows: torch.Tensor) -> None:
        """Drop finished rows (a copy of the row-own buffers, layer by layer). When one row is
        left, the prefix is copied in front of its own tokens: one attention call a layer, not two
        and a merge, for the rest of a long briefing."""
        import torch

        absorb = len(rows) == 1 and bool(self.prefix)
        for i in range(len(self.keys)):
            keys, values = self.keys[i].index_select(0, rows), self.values[i].index_select(0, rows)
            if absorb:
                prefix_keys, prefix_values = self.prefix[i]
                keys, values = torch.cat([prefix_keys, keys], dim=2), torch.cat([prefix_values, values], dim=2)
                self.prefix[i] = (prefix_keys[:, :, :0], prefix_values[:, :, :0])  # released as we go
            self.keys[i], self.values[i] = keys, values
        self.visible = self.visible.index_select(0, rows)
        self.lengths = [self.lengths[r] for r in rows.tolist()]
        if absorb:
            shared = self.prefix_length
            self.visible = torch.cat([self.visible.new_ones((1, shared)), self.visible], dim=1)
            self.lengths = [length + shared for length in self.lengths]
            self.capacity += shared
            self.prefix = []

    def _make_room(self, end: int) -> None:
        """Row buffers with at least ``end`` slots: grown ``ROOM_STEP`` slots at a time (never past
        ``capacity``), so the rows' keys and values take the memory of what they have written, not
        of their whole budgets (five rows of a briefing: ~95 MB at the brief's 380 tokens, when the
        headline stops after 20 and the key points after 100). The new slots are zeros, as the
        first ones were; attention reads slots up to ``end`` only, so the results are unchanged."""
        import torch

        have = self.visible.shape[1]
        if end <= have:
            return
        grow = min(max(end, have + ROOM_STEP), max(end, self.capacity)) - have
        for buffers in (self.keys, self.values):
            for i, held in enumerate(buffers):
                rows, heads, _, dim = held.shape
                buffers[i] = torch.cat([held, held.new_zeros((rows, heads, grow, dim))], dim=2)
        self.visible = torch.cat([self.visible, self.visible.new_zeros((self.visible.shape[0], grow))], dim=1)

    def step(self, tokens: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """Logits for the next token of each row, given each row's last token and its position."""
        return self.prefill(None, tokens[:, None], positions[:, None], None)

    def prefill(
        self, prefix: torch.Tensor | None, tokens: torch.Tensor, positions: torch.Tensor, valid: torch.Tensor | None
    ) -> torch.Tensor:
        """Run the shared ``prefix`` [length] (once, before anything else; None: no new prefix) and
        each row's ``tokens`` [rows, width] (``valid`` marks real tokens; pads are never attended
        to) through the model in one pass: every projection sees the prefix's and the rows' tokens
        as one matrix, so a 4-bit layer unpacks its weights once. Every token is kept; returns
        each row's last logits."""
        logits = self.run(prefix, tokens, positions, valid, every=False)
        self.advance([tokens.shape[1]] * tokens.shape[0])
        return logits

    def verify(self, tokens: torch.Tensor, positions: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """Logits after every token of each row [rows, width, vocab]: a row's last token and the
        draft tokens that follow it, checked in one pass. Pads go at a row's end. Nothing is kept
        until :meth:`advance` says how many of each row's tokens were right."""
        return self.run(None, tokens, positions, valid, every=True)

    def advance(self, counts: list[int]) -> None:
        """Keep the first ``counts[r]`` tokens the last pass wrote for row r; the rest of them are
        overwritten by the next pass and, until then, never attended to (causal order)."""
        self.lengths = [length + count for length, count in zip(self.lengths, counts)]

    def run(
        self,
        prefix: torch.Tensor | None,
        tokens: torch.Tensor,
        positions: torch.Tensor,
        valid: torch.Tensor | None,
        every: bool,
    ) -> torch.Tensor:
        """One pass; each row's tokens are written after its own kept tokens. Returns each row's
        last logits, or with ``every`` its logits after each token."""
        rows, width = tokens.shape
        own, packed = self._layers(prefix, tokens, positions, valid)
        head, norm = self.model.lm_head, self.model.model.norm
        if every:
            return _spread(head(norm(own)), packed, rows * width).view(rows, width, -1)
        return head(norm(_spread(own, packed, rows * width).view(rows, width, -1)[:, -1]))

    def _layers(
        self, prefix: torch.Tensor | None, tokens: torch.Tensor, positions: torch.Tensor, valid: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The decoder layers over a pass: the rows' real tokens' last hidden states [real tokens,
        hidden] and which of the [rows * width] slots they are (None: all of them)."""
        import torch

        model = self.model.model
        rows, width = tokens.shape
        device = tokens.device
        self._make_room(max(self.lengths) + width)
        slots = self._slots(rows, width, device)
        own_hidden = model.embed_tokens(tokens).reshape(rows * width, -1)
        bias = self._row_bias(slots, valid, own_hidden.dtype)
        # Pads (a row with fewer drafts than another) skip every product: the layers see the real
        # tokens only, spread back to [rows, width] just for attention.
        packed = None if valid is None or bool(valid.all()) else valid.reshape(-1).nonzero().squeeze(1)
        cos, sin = model.rotary_emb(own_hidden, positions)
        cos, sin = cos[:, :, None], sin[:, :, None]  # [rows, width, 1 (every head), head_dim]
        shared = 0 if prefix is None else len(prefix)
        if shared:
            shared_positions = torch.arange(shared, device=tokens.device)[None]
            shared_cos, shared_sin = model.rotary_emb(own_hidden, shared_positions)
            hidden = torch.cat(
                [model.embed_tokens(prefix), _gather(own_hidden, packed)]
            )  # [shared + real tokens, hidden]
        else:
            hidden = _gather(own_hidden, packed)
        for index, layer in enumerate(self.layers):
            attn = layer.self_attn
            x = layer.input_layernorm(hidden)
            qk, v = self._project(attn, x)
            outs = []
            if shared:
                q, k = qk[:shared].split([self.query_width, qk.shape[-1] - self.query_width], dim=-1)
                outs.append(self._attend_prefix(index, attn, q, k, v[:shared], shared_cos, shared_sin))
                qk, v = qk[shared:], v[shared:]
            qk, v = _spread(qk, packed, rows * width), _spread(v, packed, rows * width)
            out = self._attend_rows(index, attn, qk, v, (cos, sin), slots, bias)
            outs.append(_gather(out.transpose(1, 2).reshape(rows * width, -1), packed))
            hidden = hidden + attn.o_proj(torch.cat(outs) if len(outs) > 1 else outs[0])
            hidden = hidden + self._feed_forward(layer.mlp, layer.post_attention_layernorm(hidden))
        return hidden[shared:], packed

    def logprobs(
        self, prefix: torch.Tensor | None, tokens: torch.Tensor, positions: torch.Tensor, valid: torch.Tensor
    ) -> torch.Tensor:
        """One pass over the shared ``prefix`` and each row's ``tokens`` (right-padded, ``valid``
        marks the real ones); returns [rows, width - 1]: the log-probability of each row's token
        j + 1 after its token j (meaningless past a row's end). The vocabulary-wide logits are
        made by the same product as :meth:`verify`'s, for the real tokens only, and their
        log-softmax is taken ``LOGPROB_ROWS`` tokens at a time, keeping each token's one value:
        the [rows, width, vocab] logits and their log-softmax were never needed whole (three
        copies, ~170 MB for six versions of a long sentence)."""
        import torch

        rows, width = tokens.shape
        own, packed = self._layers(prefix, tokens, positions, valid)
        logits = self.model.lm_head(self.model.model.norm(own))  # [real tokens, vocab]
        following = torch.cat([tokens[:, 1:], tokens[:, :1]], dim=1).reshape(-1)  # the token after each
        targets = _gather(following, packed)
        picked = logits.new_empty(targets.shape, dtype=torch.float32)
        for start in range(0, len(targets), LOGPROB_ROWS):
            chunk = slice(start, start + LOGPROB_ROWS)
            picked[chunk] = torch.log_softmax(logits[chunk].float(), dim=-1).gather(-1, targets[chunk, None])[:, 0]
        return _spread(picked, packed, rows * width).view(rows, width)[:, :-1]

    def _slots(self, rows: int, width: int, device: Any) -> _PassSlots:
        """Where this pass writes each row's tokens, worked out once for every layer."""
        import torch

        query = torch.tensor(self.lengths, device=device)[:, None] + torch.arange(width, device=device)
        uniform = min(self.lengths) == max(self.lengths)
        row_index = None if uniform else torch.arange(rows, device=device)[:, None]
        return _PassSlots(query, self.lengths[0], max(self.lengths) + width, row_index)

    def _row_bias(self, slots: _PassSlots, valid: torch.Tensor | None, dtype: torch.dtype) -> torch.Tensor:
        """Marks the pass's tokens visible (``valid``: the real ones) and returns the row-own
        attention bias, [rows, 1, groups * width, end]: causal over each row's tokens, pads hidden
        (a pad still sees itself, so no query is left with nothing to attend to). Slots past a
        row's query are stale or empty, and causal order hides them."""
        import torch

        query_slots, at, end = slots.query, slots.at, slots.end
        rows, width = query_slots.shape
        if slots.row_index is None:
            self.visible[:, at : at + width] = True if valid is None else valid
        else:
            self.visible.scatter_(1, query_slots, True if valid is None else valid)
        columns = torch.arange(end, device=query_slots.device)
        allowed = self.visible[:, None, :end] & (columns[None, None, :] <= query_slots[:, :, None])
        allowed |= columns[None, None, :] == query_slots[:, :, None]
        bias = torch.zeros(allowed.shape, dtype=dtype, device=query_slots.device).masked_fill_(~allowed, float("-inf"))
        return bias[:, None, None].expand(rows, 1, self.groups, width, end).reshape(rows, 1, self.groups * width, end)

    def _attend_rows(
        self,
        index: int,
        attn: Any,
        qk: torch.Tensor,
        v: torch.Tensor,
        rotary: tuple[torch.Tensor, torch.Tensor],
        slots: _PassSlots,
        bias: torch.Tensor,
    ) -> torch.Tensor:
        """One layer's attention for the rows' own tokens: queries and keys rotated, keys and
        values written to the row buffers, attention over them (merged with the shared prefix's
        where there is one). Returns [rows, heads, width, head_dim]."""
        rows, width = slots.query.shape
        kb, vb = self.keys[index], self.values[index]
        at, end = slots.at, slots.end
        cos, sin = rotary
        # Queries and keys rotated together: one set of elementwise operations, not two.
        qk = qk.view(rows, width, -1, self.head_dim)
        qk = qk * cos + _rotate_half(qk) * sin
        q = qk[:, :, : self.query_heads].transpose(1, 2)
        k = qk[:, :, self.query_heads :].transpose(1, 2)
        v = v.view(rows, width, -1, self.head_dim).transpose(1, 2)
        if slots.row_index is None:
            kb[:, :, at : at + width] = k
            vb[:, :, at : at + width] = v
        else:  # [rows, width] slot indices; the indexed view is [rows, width, heads, dim]
            kb[slots.row_index, :, slots.query] = k.transpose(1, 2)
            vb[slots.row_index, :, slots.query] = v.transpose(1, 2)
        # Queries grouped by the key/value head they read: [rows, kv_heads, groups * width, dim].
        grouped = q.reshape(rows, self.kv_heads, self.groups * width, self.head_dim)
        out, lse = self._flash(grouped, kb[:, :, :end], vb[:, :, :end], 0.0, False, attn_mask=bias, scale=attn.scaling)
        if self.prefix:
            out = self._with_prefix(index, grouped, out, lse, attn.scaling)
        return out.view(rows, self.kv_heads, self.groups, width, self.head_dim).reshape(rows, -1, width, self.head_dim)

    def _project(self, attn: Any, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Queries and keys side by side, and values; one product where the model fused the three
        (4-bit weights)."""
        import torch

        fused = getattr(attn, "qkv_proj", None)
        if fused is None:
            return torch.cat([attn.q_proj(x), attn.k_proj(x)], dim=-1), attn.v_proj(x)
        qk, v = fused(x).split([attn.q_proj.out_features + attn.k_proj.out_features, attn.v_proj.out_features], dim=-1)
        return qk, v

    @staticmethod
    def _feed_forward(mlp: Any, x: torch.Tensor) -> torch.Tensor:
        """The gated MLP; gate and up in one product where the model fused them."""
        fused = getattr(mlp, "gate_up_proj", None)
        if fused is None:
            return mlp(x)
        gate, up = fused(x).chunk(2, dim=-1)
        return mlp.down_proj(mlp.act_fn(gate) * up)

    def _attend_prefix(
        self,
        index: int,
        attn: Any,
        q: torch.Tensor,
        k: torch.Tensor,
        v: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
    ) -> torch.Tensor:
        """Causal self-attention of the shared prefix, whose keys/values are then kept (once)."""
        import torch

        length = q.shape[0]
        q = q.view(1, length, -1, self.head_dim).transpose(1, 2)
        k = k.view(1, length, -1, self.head_dim).transpose(1, 2)
        v = v.view(1, length, -1, self.head_dim).transpose(1, 2)
        q, k = _apply_rotary(q, k, cos, sin)
        k, v = k.contiguous(), v.contiguous()
        if len(self.prefix) == index:
            self.prefix.append((k, v))
            self.prefix_length = length
        else:
            raise RuntimeError("the shared prefix is run once, before any row's tokens")
        out = torch.nn.functional.scaled_dot_product_attention(
            q, k, v, is_causal=True, scale=attn.scaling, enable_gqa=True
        )
        return out.transpose(1, 2).reshape(length, -1)

    def _with_prefix(
        self, index: int, grouped: torch.Tensor, own: torch.Tensor, own_lse: torch.Tensor, scaling: float
    ) -> torch.Tensor:
        """Attend every row's queries to the shared prefix in one call, then merge with the
        row-own part: softmax over the union = each part weighted by exp(its log-sum-exp)."""
        import torch

        keys, values = self.prefix[index]
        rows, heads, queries, dim = grouped.shape
        # All rows' queries as positions of one sequence: [1, kv_heads, rows * queries, dim].
        shared_q = grouped.transpose(0, 1).reshape(1, heads, rows * queries, dim)
        shared, shared_lse = self._flash(shared_q, keys, values, 0.0, False, scale=scaling)
        shared = shared.view(heads, rows, queries, dim).transpose(0, 1)
        shared_lse = shared_lse.view(heads, rows, queries).transpose(0, 1)
        top = torch.maximum(own_lse, shared_lse)
        own_weight = torch.exp(own_lse - top).unsqueeze(-1)
        shared_weight = torch.exp(shared_lse - top).unsqueeze(-1)
        merged = (own.float() * own_weight + shared.float() * shared_weight) / (own_weight + shared_weight)
        return merged.to(own.dtype)


def _gather(rows: torch.Tensor, packed: torch.Tensor | None) -> torch.Tensor:
    """The real tokens' rows of a [rows * width, ...] tensor (all of them when there are no pads)."""
    return rows if packed is None else rows.index_select(0, packed)


def _spread(real: torch.Tensor, packed: torch.Tensor | None, total: int) -> torch.Tensor:
    """Back to [rows * width, ...], pads as zeros (finite: they are masked, and 0 x NaN is NaN)."""
    if packed is None:
        return real
    return real.new_zeros((total, *real.shape[1:])).index_copy_(0, packed, real)


def _apply_rotary(
    q: torch.Tensor, k: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """transformers' Llama ``apply_rotary_pos_emb`` (queries and keys [batch, heads, length, dim],
    the tables [batch, length, dim]), op for op: without importing transformers' model code."""
    cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
    return (q * cos) + (_rotate_half(q) * sin), (k * cos) + (_rotate_half(k) * sin)


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    """transformers' Llama ``rotate_half``: (x1, x2) -> (-x2, x1) over the last dimension."""
    import torch

    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)
