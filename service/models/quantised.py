"""4-bit weights for CPU decoding: what makes a token cheap on a small machine.

Why: a decode step reads every weight once; on a 2-core CPU that read, not arithmetic, sets the
pace (SmolLM2-135M in fp32 is ~540 MB a token, ~20 ms at this machine's ~28 GB/s). The embedded
model ships as a Q4_1 GGUF: every 32 weights of a row share a scale and a minimum, each weight is a
4-bit step between them. Holding exactly those 4 bits (torch's int4 kernel, bf16 activations)
reads ~8x less per token and loses nothing on the weight side: re-deriving the groups from the
dequantised weights gives the same values back (measured at load; a model that was never 4-bit
gets plain round-to-nearest quantisation instead, and the load logs its largest weight error).

Two paths per layer, by the number of rows a call carries:
* decode (a few rows): ``_weight_int4pack_mm_for_cpu`` on the packed weights;
* prefill (hundreds of rows): the int4 kernel is ~10x slower than a dense bf16 matmul there, so the
  matrix is unpacked and dequantised on the fly (~1 ms a matrix) and the dense matmul runs, in
  bf16 where the CPU multiplies bf16 natively, else in fp32 (``prefill_dtype``, chosen at load).
  Only the packed steps and their bf16 scales are held (~70 MB for SmolLM2-135M's projections, against 430 MB in fp32): no dense copy, no second copy of the steps.

The model is built without ever holding its fp32 weights: tensors are read one at a time from the
safetensors files with plain reads (no mmap, whose pages would count as resident).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # torch is imported in the worker, after fork, never at import time
    import torch

log = logging.getLogger(__name__)

GROUP = 32  # weights per scale/minimum: Q4_1's block, and a group size torch's kernel takes
DECODE_ROWS = 16  # calls with at most this many rows use the int4 kernel; more rows dequantise
SAFETENSORS_DTYPES = {"F32": "float32", "BF16": "bfloat16", "F16": "float16"}


def make_int4_linear_class() -> type[Any]:
    """The module class, defined on first use so that importing this file never imports torch."""
    import torch
    from torch import nn

    class _Int4Linear(nn.Module):
        """A bias-free linear layer held as 4-bit steps in torch's packed layout, with a bf16
        scale and zero per ``GROUP`` inputs of a row: weight = (step - 8) * scale + zero."""

        packed: torch.Tensor
        scales_zeros: torch.Tensor
        nibbles: torch.Tensor | None

        def __init__(self, packed: torch.Tensor, scales_zeros: torch.Tensor, nibbles: torch.Tensor | None) -> None:
            super().__init__()
            self.out_features, self.in_features = packed.shape[0], packed.shape[1] * 2
            self.register_buffer("packed", packed)  # uint8 [out, in/2] in the kernel's layout
            self.register_buffer("scales_zeros", scales_zeros)  # bf16 [in/GROUP, out, 2]
            # Plain two-steps-a-byte copy, kept only where ``unpack`` cannot read the packed layout
            # (an unknown packing, or rows not in whole blocks): prefill needs the steps back.
            self.register_buffer("nibbles", nibbles)
            self.prefill_dtype = torch.bfloat16  # the dequantised product's precision (load_causal sets it)

        @classmethod
        def from_weight(cls, weight: torch.Tensor) -> tuple[_Int4Linear, float]:
            """Quantise an fp32 weight [out, in] into groups; returns the layer and its largest error."""
            rows = weight.shape[0]
            flat, scales_zeros, error = quantise(weight)
            packed = torch.ops.aten._convert_weight_to_int4pack_for_cpu(flat.to(torch.int32), 1)
            layout = packed_layout()
            readable = layout is not None and rows % layout.block_rows == 0
            nibbles = None if readable else (flat[:, 0::2] | (flat[:, 1::2] << 4)).contiguous()
            return cls(packed, scales_zeros, nibbles), error

        @classmethod
        def fused(cls, parts: list[_Int4Linear]) -> _Int4Linear | None:
            """One layer computing ``parts`` side by side (their outputs concatenated), with each
            part rebuilt as a view of it: one kernel call instead of several, no second copy.
            None unless every part fills whole blocks of the packed layout (64 rows on AVX-512, 32 on
            AVX2 and plain CPUs)."""
            layout = packed_layout()
            if layout is None or any(p.out_features % layout.block_rows for p in parts):
                return None
            whole = cls(torch.cat([p.packed for p in parts]), torch.cat([p.scales_zeros for p in parts], dim=1), None)
            whole.prefill_dtype = parts[0].prefill_dtype
            start = 0
            for part in parts:
                stop = start + part.out_features
                part.packed = whole.packed[start:stop]  # packed blocks are self-contained (tested)
                part.scales_zeros = whole.scales_zeros[:, start:stop].contiguous()  # small: a copy
                start = stop
            return whole

        def steps(self) -> torch.Tensor:
            """The 4-bit steps as uint8 [out, in], read back from the packed layout."""
            if self.nibbles is not None:
                return torch.stack((self.nibbles & 15, self.nibbles >> 4), dim=-1).view(
                    self.out_features, self.in_features
                )
            return unpack(self.packed, self.out_features, self.in_features)

        def dense(self, dtype: torch.dtype = torch.bfloat16) -> torch.Tensor:
            """The weight as ``dtype`` [out, in], as the kernel sees it (bf16 scale and zero)."""
            scales_zeros = self.scales_zeros.float()
            scale = scales_zeros[..., 0].t().contiguous()[..., None]
            offset = (scales_zeros[..., 1] - 8 * scales_zeros[..., 0]).t().contiguous()[..., None]
            weight = self.steps().reshape(self.out_features, -1, GROUP).float()
            # in place on contiguous tensors: 4x faster here than one broadcasting addcmul
            return weight.mul_(scale).add_(offset).view(self.out_features, self.in_features).to(dtype)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            flat = x.reshape(-1, self.in_features)
            if flat.shape[0] <= DECODE_ROWS:
                out = torch.ops.aten._weight_int4pack_mm_for_cpu(
                    flat.to(torch.bfloat16).contiguous(), self.packed, GROUP, self.scales_zeros
                )
            else:
                out = torch.nn.functional.linear(flat.to(self.prefill_dtype), self.dense(self.prefill_dtype))
            return out.view(*x.shape[:-1], self.out_features).to(x.dtype)

        def extra_repr(self) -> str:
            return f"in_features={self.in_features}, out_features={self.out_features}, group={GROUP}"

    return _Int4Linear


@dataclass(frozen=True)
class PackedLayout:
    """How ``_convert_weight_to_int4pack_for_cpu`` lays out 4-bit steps: rows in blocks of
    ``block_rows``; per block and per input column, ``block_rows / 2`` bytes. ``split``: byte j holds
    row j (low nibble) and row j + block_rows/2 (high); else rows 2j and 2j + 1. torch chooses the
    layout by the CPU kernels it runs (its ``get_cpu_capability``): AVX-512 blocks are 64 rows
    (16 floats a vector, four vectors), AVX2 and plain blocks 32."""

    name: str
    block_rows: int
    split: bool


# torch's CPU capability -> the packing its int4 kernels use (torch 2.13, read back on each at
# load: ``packed_layout`` probes, this table says which layout to try first and what tests expect).
LAYOUTS: dict[str, PackedLayout] = {
    "AVX512": PackedLayout("avx512", 64, split=True),
    "AVX2": PackedLayout("avx2", 32, split=True),
    "DEFAULT": PackedLayout("plain", 32, split=False),
}


def unpack(packed: torch.Tensor, rows: int, cols: int, layout: PackedLayout | None = None) -> torch.Tensor:
    """Steps [rows, cols] (uint8) from torch's CPU int4 packing in ``layout`` (default: this
    machine's); ``rows`` must fill whole blocks."""
    import torch

    layout = layout or packed_layout()
    if layout is None or rows % layout.block_rows:
        raise ValueError(f"cannot read {rows} packed rows in layout {layout}")
    half = layout.block_rows // 2
    blocks = packed.reshape(rows // layout.block_rows, cols, half)
    if layout.split:
        steps = torch.cat((blocks & 15, blocks >> 4), dim=-1)  # [blocks, cols, block_rows]
    else:
        steps = torch.stack((blocks & 15, blocks >> 4), dim=-1).view(-1, cols, layout.block_rows)
    return steps.transpose(1, 2).reshape(rows, cols)


@functools.cache
def packed_layout() -> PackedLayout | None:
    """The layout this machine's torch packs into, found on a probe (the one ``LAYOUTS`` names
    for torch's capability first); None when none of them reads it back: then each layer keeps a
    plain copy of its steps for prefill, and projections are not fused."""
    import torch

    capability = torch.backends.cpu.get_cpu_capability()
    rows = 2 * max(layout.block_rows for layout in LAYOUTS.values())
    probe = torch.randint(0, 16, (rows, 2 * GROUP), dtype=torch.int32, generator=torch.Generator().manual_seed(0))
    packed = torch.ops.aten._convert_weight_to_int4pack_for_cpu(probe, 1)
    if packed.shape != (rows, GROUP):
        return None
    expected = LAYOUTS.get(capability)
    candidates = ([expected] if expected else []) + [layout for layout in LAYOUTS.values() if layout != expected]
    for layout in candidates:
        if torch.equal(unpack(packed, rows, 2 * GROUP, layout).int(), probe):
            return layout
    log.warning("torch's int4 packing on this CPU (%s) is none of %s", capability, sorted(LAYOUTS))
    return None


def quantise(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, float]:
    """A weight [out, in] as 4-bit steps per group of ``GROUP`` inputs (uint8 [out, in]), their
    scales and zeros as the int4 kernel takes them (bf16 [in/GROUP, out, 2]; the kernel computes
    (step - 8) * scale + zero), and the largest error the rounding made."""
    import torch

    rows, cols = weight.shape
    groups = weight.float().view(rows, cols // GROUP, GROUP)
    minimum, maximum = torch.aminmax(groups, dim=-1)
    scale = (maximum - minimum) / 15
    safe = torch.where(scale == 0, torch.ones_like(scale), scale)
    steps = (groups - minimum[..., None]).div_(safe[..., None]).round_().clamp_(0, 15)
    error = float(torch.addcmul(minimum[..., None], steps, scale[..., None]).sub_(groups).abs_().max())
    zero = minimum + 8 * scale
    scales_zeros = torch.stack((scale.t(), zero.t()), dim=-1).contiguous().to(torch.bfloat16)
    return steps.to(torch.uint8).view(rows, cols), scales_zeros, error


_CLASS: type[Any] | None = None


def int4_linear_class() -> type[Any]:
    global _CLASS
    if _CLASS is None:
        _CLASS = make_int4_linear_class()
    return _CLASS


def supported(config: Any) -> str | None:
    """Why this model cannot run on 4-bit weights here, or None when it can."""
    if getattr(config, "is_encoder_decoder", False):
        return "4-bit weights are for causal models; this one is sequence-to-sequence"
    if getattr(config, "model_type", "") != "llama":
        return f"4-bit weights are built for Llama-architecture models, not {config.model_type!r}"
    if getattr(config, "attention_bias", False) or getattr(config, "mlp_bias", False):
        return "4-bit weights are built for bias-free projections"
    hidden, inter = config.hidden_size, config.intermediate_size
    if hidden % (GROUP * 2) or inter % (GROUP * 2):
        return f"layer widths must be multiples of {GROUP * 2}"
    return None


def safetensors_files(folder: Path) -> list[Path]:
    index = folder / "model.safetensors.index.json"
    if index.exists():
        return [folder / name for name in sorted(set(json.loads(index.read_text())["weight_map"].values()))]
    single = folder / "model.safetensors"
    if not single.exists():
        raise FileNotFoundError(f"no model.safetensors in {folder}")
    return [single]


def read_tensors(path: Path) -> Iterator[tuple[str, torch.Tensor]]:
    """Each tensor of a safetensors file in turn, read with plain reads (nothing mapped)."""
    import torch

    with open(path, "rb") as f:
        size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(size))
        header.pop("__metadata__", None)
        for name, meta in sorted(header.items(), key=lambda item: item[1]["data_offsets"][0]):
            dtype = SAFETENSORS_DTYPES.get(meta["dtype"])
            if dtype is None:
                raise ValueError(f"{path.name}: tensor {name} has dtype {meta['dtype']}, not a float type")
            start, end = meta["data_offsets"]
            f.seek(8 + size + start)
            buffer = bytearray(end - start)
            f.readinto(buffer)
            yield name, torch.frombuffer(buffer, dtype=getattr(torch, dtype)).reshape(meta["shape"])


def load_causal(folder: Path, dtype: Any, prefill_dtype: Any = None) -> tuple[Any, float]:
    """transformers' causal LM for a Llama-architecture model whose RoPE or layout the plain build
    (service/models/llama.py) does not take, with 4-bit decoder projections and ``dtype``
    everything else (embeddings, norms, the residual stream, attention and its cache), built tensor
    by tensor; prefill products in ``prefill_dtype`` (default bf16). Returns the model and the
    largest weight error quantisation made."""
    import torch
    import transformers

    config = transformers.AutoConfig.from_pretrained(folder, trust_remote_code=False)
    reason = supported(config)
    if reason:
        raise ValueError(reason)
    with torch.device("meta"):
        model = transformers.AutoModelForCausalLM.from_config(config, dtype=dtype)
    worst = fill(model, folder, dtype, prefill_dtype, int4=True)
    # Buffers computed at construction (rotary frequencies) were made on the meta device: rebuild them.
    model.model.rotary_emb = type(model.model.rotary_emb)(config=model.config)
    check_built(model, folder)
    with contextlib.suppress(OSError):  # a folder without generation_config.json keeps the defaults
        model.generation_config = transformers.GenerationConfig.from_pretrained(folder)
    return model.eval(), worst


def fill(model: Any, folder: Path, dtype: Any, prefill_dtype: Any, int4: bool) -> float:
    """Give a Llama-layout model built on the meta device its weights from ``folder``, one tensor at
    a time: with ``int4`` the decoder projections become 4-bit layers (q/k/v and gate/up also fused,
    for the lean loop) and everything else ``dtype``. No tensor is ever held twice. Returns the
    largest weight error quantisation made (0 without ``int4``)."""
    import torch

    linear_names = {
        f"{name}.weight"
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and name.startswith("model.layers.")
    }
    int4_linear = int4_linear_class()
    others: dict[str, torch.Tensor] = {}
    worst = 0.0
    for path in safetensors_files(folder):
        for name, tensor in read_tensors(path):
            if int4 and name in linear_names:
                layer, error = int4_linear.from_weight(tensor)
                if prefill_dtype is not None:
                    layer.prefill_dtype = prefill_dtype
                worst = max(worst, error)
                parent, _, attr = name.removesuffix(".weight").rpartition(".")
                setattr(model.get_submodule(parent), attr, layer)
            else:
                others[name] = tensor.to(dtype)
            del tensor
    if int4:
        missing = linear_names - {f"{n}.weight" for n, m in model.named_modules() if isinstance(m, int4_linear)}
        if missing:
            raise ValueError(f"weights missing from {folder}: {sorted(missing)[:3]}")
    tied = getattr(model.config, "tie_word_embeddings", False)
    if tied:
        others.pop("lm_head.weight", None)
    model.load_state_dict(others, strict=False, assign=True)
    if tied:
        model.get_output_embeddings().weight = model.get_input_embeddings().weight
    if int4:
        for layer in model.model.layers:  # read by the lean decode loop; transformers' forward keeps the parts
            attn, mlp = layer.self_attn, layer.mlp
            if (qkv := int4_linear.fused([attn.q_proj, attn.k_proj, attn.v_proj])) is not None:
                attn.qkv_proj = qkv
            if (gate_up := int4_linear.fused([mlp.gate_proj, mlp.up_proj])) is not None:
                mlp.gate_up_proj = gate_up
    return worst


def check_built(model: Any, folder: Path) -> None:
    """ValueError naming the first weights ``folder`` did not provide."""
    left = [n for n, t in list(model.named_parameters()) + list(model.named_buffers()) if t.device.type == "meta"]
    if left:
        raise ValueError(f"weights missing from {folder}: {left[:3]}")
