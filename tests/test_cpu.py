"""CPU capabilities and the rules that turn them into ``auto`` choices (service/models/cpu.py):
every rule with a faked CPU, this machine read as torch reads it, the choices reported by the
generator, and the chosen paths giving the plain path's greedy text on a tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from service.models import cpu, llama
from service.models.cpu import CpuInfo, choose_dtype, choose_prefill_dtype, choose_weights
from service.models.generator import Prompt
from service.models.huggingface import HFGenerator
from tests.tiny_models import save_tiny_llama_4bit

AVX512_AMX = CpuInfo("AVX512", ("avx2", "avx512f", "avx512_bf16", "amx_bf16"), native_bf16=True, cores=2)
AVX512_NO_BF16 = CpuInfo("AVX512", ("avx2", "avx512f"), native_bf16=False, cores=8)
AVX2 = CpuInfo("AVX2", ("avx2",), native_bf16=False, cores=4)
PLAIN = CpuInfo("DEFAULT", (), native_bf16=False, cores=1)
CPUS = {"avx512-amx": AVX512_AMX, "avx512": AVX512_NO_BF16, "avx2": AVX2, "plain": PLAIN}


@pytest.fixture(scope="module")
def tiny_4bit_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_llama_4bit(tmp_path_factory.mktemp("tiny-llama-4bit"))


def test_cpuinfo_flags_are_read_from_the_flags_line() -> None:
    text = "processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512bw avx512_bf16 amx_tile amx_bf16\n"
    assert cpu.cpuinfo_flags(text) == ("avx2", "avx512f", "avx512_bf16", "amx_bf16")
    assert cpu.cpuinfo_flags("flags\t: fpu sse avx2 fma\n") == ("avx2",)
    assert cpu.cpuinfo_flags("no flags here") == ()


def test_this_machine_is_read_as_torch_reads_it() -> None:
    info = cpu.detect()
    assert info.capability == torch.backends.cpu.get_cpu_capability()
    assert info.native_bf16 == torch.ops.mkldnn._is_mkldnn_bf16_supported()
    assert info.cores >= 1
    assert set(info.flags) <= set(cpu.FLAGS)
    if info.capability == "AVX512":  # torch's AVX-512 kernels need the instructions themselves
        assert "avx512f" in info.flags
    assert info.as_dict()["capability"] == info.capability


@pytest.mark.parametrize(("name", "dtype"), [("avx512-amx", "bfloat16"), ("avx512", "float32"), ("avx2", "float32")])
def test_bf16_around_4bit_weights_only_where_it_is_native(name: str, dtype: str) -> None:
    assert choose_dtype("auto", "cpu", "int4", cpu=CPUS[name]).value == dtype
    assert choose_prefill_dtype(CPUS[name]).value == dtype


@pytest.mark.parametrize("name", list(CPUS))
def test_dense_generator_weights_stay_fp32_on_every_cpu(name: str) -> None:
    assert choose_dtype("auto", "cpu", "dense", cpu=CPUS[name]).value == "float32"


@pytest.mark.parametrize(("name", "dtype"), [("avx512-amx", "bfloat16"), ("avx2", "float32"), ("plain", "float32")])
def test_embedder_precision_follows_native_bf16(name: str, dtype: str) -> None:
    assert choose_dtype("auto", "cpu", role="embedder", cpu=CPUS[name]).value == dtype


@pytest.mark.parametrize(("name", "weights"), [("avx512-amx", "int4"), ("avx2", "int4"), ("plain", "dense")])
def test_4bit_weights_only_where_the_int4_kernel_is_vectorised(name: str, weights: str) -> None:
    assert choose_weights("auto", embedded=True, device="cpu", cpu=CPUS[name]).value == weights
    assert choose_weights("auto", embedded=False, device="cpu", cpu=CPUS[name]).value == "dense"
    assert choose_weights("auto", embedded=True, device="cuda", cpu=CPUS[name]).value == "dense"


def test_explicit_settings_win_over_every_rule() -> None:
    assert choose_dtype("float32", "cpu", "int4", cpu=AVX512_AMX) == cpu.Choice("float32", "set explicitly")
    assert choose_dtype("bfloat16", "cpu", "dense", cpu=AVX2).value == "bfloat16"
    assert choose_weights("int4", embedded=False, device="cpu", cpu=PLAIN).value == "int4"


def test_gpu_precision(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpu, "_gpu_bf16", lambda: True)
    assert choose_dtype("auto", "cuda", "dense").value == "bfloat16"
    assert choose_dtype("auto", "cuda:0", role="embedder").value == "bfloat16"
    monkeypatch.setattr(cpu, "_gpu_bf16", lambda: False)
    assert choose_dtype("auto", "cuda:0").value == "float16"


def test_every_rule_says_why() -> None:
    rules = [*cpu.DTYPE_RULES.values(), *cpu.PREFILL_RULES.values(), *cpu.WEIGHT_RULES.values()]
    assert all(rule.why and rule.value in ("bfloat16", "float16", "float32", "int4", "dense") for rule in rules)
    # every CPU class reaches a rule for every role and weight format
    for info in CPUS.values():
        for role, weights in [("generator", "int4"), ("generator", "dense"), ("embedder", "dense")]:
            assert choose_dtype("auto", "cpu", weights, role=role, cpu=info).why


def load_as_if_on(monkeypatch: pytest.MonkeyPatch, folder: Path, info: CpuInfo, **kwargs: str) -> HFGenerator:
    monkeypatch.setattr(cpu, "detect", lambda: info)
    generator = HFGenerator(str(folder), device="cpu", **kwargs)  # type: ignore[arg-type]
    generator.load()
    return generator


PROMPTS = [
    Prompt(
        user=f"<article> {' '.join(['rebels captured the city of hama on thursday .'] * 4)} </article> {task}",
        source="",
        max_new_tokens=8,
    )
    for task in ("write headline", "key points")
]


@pytest.mark.parametrize("name", ["avx512-amx", "avx2"])
def test_the_generator_reports_its_cpu_and_choices(
    monkeypatch: pytest.MonkeyPatch, tiny_4bit_folder: Path, name: str
) -> None:
    from service.models.huggingface import resolve_weights

    info = CPUS[name]
    monkeypatch.setattr(cpu, "detect", lambda: info)
    weights = resolve_weights("auto", embedded=True, device="cpu")
    generator = load_as_if_on(monkeypatch, tiny_4bit_folder, info, dtype="auto", weights=weights)
    report = generator.info()
    assert report["cpu"] == info.as_dict()
    expected = "bfloat16" if info.native_bf16 else "float32"
    assert report["choices"]["dtype"]["value"] == expected == report["dtype"]
    assert report["choices"]["prefill_dtype"]["value"] == expected
    assert report["choices"]["weights"] == {"value": "int4", "why": cpu.WEIGHT_RULES[(True, "cpu", True)].why}
    assert generator.model.model.embed_tokens.weight.dtype == getattr(torch, expected)
    assert generator.model.model.layers[0].mlp.down_proj.prefill_dtype == getattr(torch, expected)


def test_the_fp32_path_chosen_without_native_bf16_gives_the_plain_greedy_text(
    monkeypatch: pytest.MonkeyPatch, tiny_4bit_folder: Path
) -> None:
    """4-bit weights in an fp32 shell (an AVX2 CPU's choice) against the plain path: the same
    weights dense in fp32 through ``model.generate``, one prompt at a time."""
    chosen = load_as_if_on(monkeypatch, tiny_4bit_folder, AVX2, dtype="auto", weights="int4")
    plain = load_as_if_on(monkeypatch, tiny_4bit_folder, AVX2, dtype="float32", weights="dense", draft_tokens=0)
    plain.model = llama.as_transformers(plain.model)  # transformers' model around the same tensors
    monkeypatch.setattr("service.models.leandecode.supports", lambda model: False)  # model.generate for one prompt
    expected = [plain.generate([p])[0].text for p in PROMPTS]
    monkeypatch.undo()
    assert [g.text for g in chosen.generate(PROMPTS)] == expected  # batched, lean loop, drafts
    assert [chosen.generate([p])[0].text for p in PROMPTS] == expected


def test_the_bf16_path_chosen_with_native_bf16_gives_the_plain_greedy_text(
    monkeypatch: pytest.MonkeyPatch, tiny_4bit_folder: Path
) -> None:
    """This machine's choice where bf16 is native, against the same model dense in fp32 through
    ``model.generate`` (the tiny model's greedy choices hold through bf16 rounding)."""
    chosen = load_as_if_on(monkeypatch, tiny_4bit_folder, AVX512_AMX, dtype="auto", weights="int4")
    plain = load_as_if_on(monkeypatch, tiny_4bit_folder, AVX512_AMX, dtype="float32", weights="dense")
    plain.model = llama.as_transformers(plain.model)
    monkeypatch.setattr("service.models.leandecode.supports", lambda model: False)
    expected = [plain.generate([p])[0].text for p in PROMPTS]
    monkeypatch.undo()
    assert chosen.dtype == "bfloat16"
    assert [g.text for g in chosen.generate(PROMPTS)] == expected
