"""What this machine's CPU can do, read once at load, and the rules that turn it into the
``auto`` settings' choices (precision, weight format), each with the reason it was made.

Why: the same service runs on AVX-512 machines with native bf16 (AVX-512 BF16, AMX) and on
AVX2-only ones without. bf16 is twice as fast as fp32 where oneDNN multiplies it natively and far
slower where it is emulated (a briefing on 4-bit weights took 47 s on an AVX2 machine with bf16
around them); torch's int4 kernel is fast only where it has a vector path (AVX2, AVX-512).
The rules are plain lookup tables, so tests cover every CPU class with a faked :class:`CpuInfo`.
"""

from __future__ import annotations

import functools
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# The /proc/cpuinfo flags the rules and the reports care about.
FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")
# torch's CPU capabilities whose int4 kernel has a vector path (ATen's int4mm_kernel).
VECTOR_INT4 = {"AVX2", "AVX512"}


@dataclass(frozen=True)
class CpuInfo:
    """The CPU as the model code sees it."""

    capability: str  # torch.backends.cpu.get_cpu_capability(): the ATen kernels torch runs
    flags: tuple[str, ...]  # which of FLAGS /proc/cpuinfo lists
    native_bf16: bool  # oneDNN multiplies bf16 natively (AVX-512 BF16 or AMX)
    cores: int  # usable: the affinity mask, capped by a cgroup v2/v1 CPU quota

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "flags": list(self.flags)}


@dataclass(frozen=True)
class Choice:
    """One ``auto`` decision: the value taken and why."""

    value: str
    why: str

    def as_dict(self) -> dict[str, str]:
        return {"value": self.value, "why": self.why}


def cpuinfo_flags(text: str) -> tuple[str, ...]:
    """Which of FLAGS the first ``flags`` line of a /proc/cpuinfo text lists."""
    for line in text.splitlines():
        if line.startswith("flags"):
            present = set(line.partition(":")[2].split())
            return tuple(flag for flag in FLAGS if flag in present)
    return ()


def usable_cores() -> int:
    """Cores this process may use: the affinity mask, capped by a cgroup v2/v1 CPU quota."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = _cgroup_quota()
    return max(1, min(cores, int(quota))) if quota else cores


def _cgroup_quota() -> float | None:
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota_us = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
        period_us = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
        return None if quota_us <= 0 else quota_us / period_us
    except (OSError, ValueError):
        return None


@functools.cache
def detect() -> CpuInfo:
    """This machine, read once per process (imports torch: call it after fork, at load)."""
    import torch

    try:
        flags = cpuinfo_flags(Path("/proc/cpuinfo").read_text())
    except OSError:  # not Linux: torch's own answers still hold
        flags = ()
    return CpuInfo(
        capability=torch.backends.cpu.get_cpu_capability(),
        flags=flags,
        native_bf16=bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()),
        cores=usable_cores(),
    )


# (role, device, weights, native bf16) -> precision. "native bf16" is the CPU's oneDNN check on
# CPU and torch.cuda.is_bf16_supported() on a GPU.
DTYPE_RULES: dict[tuple[str, str, str, bool], Choice] = {
    ("generator", "cpu", "int4", True): Choice(
        "bfloat16",
        "4-bit weights: their kernel takes bf16 inputs and this CPU multiplies bf16 natively "
        "(AVX-512 BF16/AMX); bench/quality measured no loss",
    ),
    ("generator", "cpu", "int4", False): Choice(
        "float32",
        "4-bit weights, but no native bf16 on this CPU: emulated bf16 around them is far slower "
        "(47 s a briefing on AVX2), so fp32 around the int4 kernel",
    ),
    ("generator", "cpu", "dense", True): Choice(
        "float32", "dense weights on CPU: fp32, measured against bf16 (README: precision by measurement)"
    ),
    ("generator", "cpu", "dense", False): Choice("float32", "dense weights on a CPU without native bf16: fp32"),
    ("embedder", "cpu", "dense", True): Choice(
        "bfloat16", "this CPU multiplies bf16 natively (AVX-512 BF16/AMX): about twice the fp32 rate"
    ),
    ("embedder", "cpu", "dense", False): Choice("float32", "no native bf16 on this CPU: emulated bf16 is slower"),
    ("generator", "cuda", "dense", True): Choice("bfloat16", "a GPU with bf16"),
    ("generator", "cuda", "dense", False): Choice("float16", "a GPU without bf16: fp16"),
    ("embedder", "cuda", "dense", True): Choice("bfloat16", "a GPU with bf16"),
    ("embedder", "cuda", "dense", False): Choice("bfloat16", "a GPU: bf16 (the embedder's choice on any GPU)"),
}

# Native bf16 -> the precision of a 4-bit layer's prefill product (its weights dequantised).
PREFILL_RULES: dict[bool, Choice] = {
    True: Choice("bfloat16", "dequantised prefill products in bf16: native on this CPU"),
    False: Choice("float32", "dequantised prefill products in fp32: this CPU has no native bf16"),
}

# (embedded model, device, torch's int4 kernel vectorised here) -> weight format.
WEIGHT_RULES: dict[tuple[bool, str, bool], Choice] = {
    (True, "cpu", True): Choice(
        "int4", "the embedded model's weights are 4-bit already (Q4_1) and torch's int4 kernel is vectorised here"
    ),
    (True, "cpu", False): Choice(
        "dense",
        "torch's int4 kernel has no vector path on this CPU (26x slower than a dense fp32 product, "
        "measured with its plain kernels)",
    ),
    (False, "cpu", True): Choice("dense", "a model of your own: its dense weights as they are"),
    (False, "cpu", False): Choice("dense", "a model of your own: its dense weights as they are"),
}


def _device_kind(device: str) -> str:
    return "cuda" if device.startswith("cuda") else "cpu"


def _gpu_bf16() -> bool:
    import torch

    return bool(torch.cuda.is_bf16_supported())


def choose_dtype(
    requested: str, device: str, weights: str = "dense", role: str = "generator", cpu: CpuInfo | None = None
) -> Choice:
    """The precision of a model's activations (and dense weights): ``requested`` unless ``auto``."""
    if requested != "auto":
        return Choice(requested, "set explicitly")
    kind = _device_kind(device)
    native = _gpu_bf16() if kind == "cuda" else (cpu or detect()).native_bf16
    return DTYPE_RULES[(role, kind, weights if kind == "cpu" else "dense", native)]


def choose_prefill_dtype(cpu: CpuInfo | None = None) -> Choice:
    return PREFILL_RULES[(cpu or detect()).native_bf16]


def choose_weights(requested: str, embedded: bool, device: str, cpu: CpuInfo | None = None) -> Choice:
    """``auto``: 4-bit for the embedded model on a CPU whose int4 kernel is vectorised; dense for
    any other model or device."""
    if requested != "auto":
        return Choice(requested, "set explicitly")
    if _device_kind(device) != "cpu":
        return Choice("dense", "4-bit weights run on CPU only")
    return WEIGHT_RULES[(embedded, "cpu", (cpu or detect()).capability in VECTOR_INT4)]
