"""4-bit decoder weights (service/models/quantised.py): exact for weights that were 4-bit already, both
compute paths (decode rows through the int4 kernel, prefill rows dequantised), the model built
tensor by tensor, and the generator's choice of weights."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from service.errors import ConfigurationError, ModelLoadError
from service.models import cpu, quantised
from service.models.generator import Prompt
from service.models.huggingface import HFGenerator, resolve_weights
from service.settings import Settings
from tests.tiny_models import save_tiny_bart, save_tiny_llama, save_tiny_llama_4bit, snap_to_4bit_groups


@pytest.fixture(scope="module")
def tiny_4bit_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_llama_4bit(tmp_path_factory.mktemp("tiny-llama-4bit"))


def test_weights_on_a_4bit_grid_come_back_exactly() -> None:
    torch.manual_seed(1)
    weight = snap_to_4bit_groups(torch.randn(96, 128))
    layer, error = quantised.int4_linear_class().from_weight(weight)
    assert error == 0.0  # every group found again: same steps, same scale and minimum
    # what the kernel computes with: scale and zero rounded to bf16, nothing further off
    assert float((layer.dense().float() - weight).abs().max()) <= 2**-6 * float(weight.abs().max())


def reference_pack(steps: torch.Tensor, layout: quantised.PackedLayout) -> torch.Tensor:
    """torch's CPU int4 packing of whole blocks, written out for one layout (int4mm_kernel.cpp)."""
    rows, cols = steps.shape
    half = layout.block_rows // 2
    packed = torch.zeros((rows // layout.block_rows, cols, half), dtype=torch.uint8)
    for b in range(rows // layout.block_rows):
        block = steps[b * layout.block_rows : (b + 1) * layout.block_rows].to(torch.uint8)  # [block_rows, cols]
        low, high = (block[:half], block[half:]) if layout.split else (block[0::2], block[1::2])
        packed[b] = (low | (high << 4)).t()
    return packed.reshape(rows, cols // 2)


@pytest.mark.parametrize("layout", list(quantised.LAYOUTS.values()), ids=lambda layout: layout.name)
def test_every_known_packing_is_read_back(layout: quantised.PackedLayout) -> None:
    """Every CPU class's layout, on any machine: the rules, against torch's packing written out."""
    steps = torch.randint(0, 16, (192, 96), dtype=torch.int32, generator=torch.Generator().manual_seed(5))
    assert torch.equal(quantised.unpack(reference_pack(steps, layout), 192, 96, layout).int(), steps)


def test_the_packed_layout_is_read_back() -> None:
    """The packing torch uses on this machine: the one its capability names, read back."""
    capability = torch.backends.cpu.get_cpu_capability()
    layout = quantised.packed_layout()
    if capability not in quantised.LAYOUTS:
        pytest.skip(f"torch's CPU capability here is {capability}, for which no packing is recorded")
    assert layout == quantised.LAYOUTS[capability]
    steps = torch.randint(0, 16, (192, 96), dtype=torch.int32)
    packed = torch.ops.aten._convert_weight_to_int4pack_for_cpu(steps, 1)
    assert torch.equal(quantised.unpack(packed, 192, 96).int(), steps)
    assert torch.equal(packed, reference_pack(steps, layout))


SUBPROCESS_CHECK = """
import torch
from service.models import cpu, quantised
from tests.tiny_models import snap_to_4bit_groups
layout = quantised.packed_layout()
linear = quantised.int4_linear_class()
torch.manual_seed(4)
parts = [linear.from_weight(snap_to_4bit_groups(torch.randn(n, 128)))[0] for n in (64, 32, 32)]
x = torch.randn(40, 128)  # prefill rows: the steps are read back from the packing
before = [p(x) for p in parts]
whole = linear.fused(parts)
assert all(p.nibbles is None for p in parts), "a plain copy was kept: the packing was not read"
assert whole is not None and torch.equal(whole(x), torch.cat(before, dim=-1))
print(torch.backends.cpu.get_cpu_capability(), layout.name)
"""


@pytest.mark.slow
@pytest.mark.parametrize(("kernels", "expected"), [("avx2", "AVX2 avx2"), ("default", "DEFAULT plain")])
def test_other_cpu_kernels_pack_as_recorded(kernels: str, expected: str) -> None:
    """torch's AVX2 and plain kernels, forced on this machine (ATEN_CPU_CAPABILITY, read when torch
    is imported): their packing is found, read back and fused (32-row blocks)."""
    import os
    import subprocess
    import sys

    capability = torch.backends.cpu.get_cpu_capability()
    if kernels == "avx2" and capability not in ("AVX2", "AVX512"):
        pytest.skip(f"this CPU runs torch's {capability} kernels; the AVX2 ones need AVX2")
    env = dict(os.environ, ATEN_CPU_CAPABILITY=kernels)
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", SUBPROCESS_CHECK], env=env, cwd=root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[-2] == expected


def test_other_weights_are_rounded_to_the_nearest_step() -> None:
    torch.manual_seed(2)
    weight = torch.randn(64, 128)
    layer, error = quantised.int4_linear_class().from_weight(weight)
    steps = (weight.view(64, 4, 32).amax(-1) - weight.view(64, 4, 32).amin(-1)) / 15
    assert 0 < error <= float(steps.max()) / 2 + 1e-6  # round to nearest: at most half a step


@pytest.mark.parametrize("rows", [1, 5, quantised.DECODE_ROWS, quantised.DECODE_ROWS + 1, 300])
def test_both_paths_compute_the_same_product(rows: int) -> None:
    torch.manual_seed(3)
    weight = snap_to_4bit_groups(torch.randn(192, 128))
    layer, _ = quantised.int4_linear_class().from_weight(weight)
    x = torch.randn(rows, 128)
    expected = x.to(torch.bfloat16).float() @ weight.t()
    got = layer(x).float()
    assert got.shape == (rows, 192)
    # bf16 output and bf16-rounded scales: within 1% of the largest output, nowhere further off
    assert float((got - expected).abs().max()) <= 0.01 * float(expected.abs().max())


def test_model_built_tensor_by_tensor_matches_the_dense_model(tiny_4bit_folder: Path) -> None:
    from transformers import AutoModelForCausalLM

    model, error = quantised.load_causal(tiny_4bit_folder, torch.bfloat16)
    assert error == 0.0  # the tiny model's decoder weights were put on a 4-bit grid
    assert not any(t.device.type == "meta" for t in list(model.parameters()) + list(model.buffers()))
    assert isinstance(model.model.layers[1].mlp.down_proj, quantised.int4_linear_class())
    assert model.lm_head.weight is model.model.embed_tokens.weight or not model.config.tie_word_embeddings
    dense = AutoModelForCausalLM.from_pretrained(tiny_4bit_folder, dtype=torch.float32)
    ids = torch.tensor([[1, 7, 9, 12, 15, 20, 22, 30]])
    with torch.inference_mode():
        decode_rows = model(ids[:, :4]).logits.float()  # 4 rows: the int4 kernel
        prefill_rows = model(ids.repeat(3, 1)).logits.float()[:1, :4]  # 24 rows: dequantised bf16
        reference = dense(ids[:, :4]).logits
    assert torch.allclose(decode_rows, reference, atol=0.05)
    assert torch.allclose(prefill_rows, reference, atol=0.05)


NATIVE_SHELL = "bfloat16" if cpu.detect().native_bf16 else "float32"  # auto's choice on this CPU (test_cpu.py)


@pytest.mark.parametrize(("dtype", "shell"), [("auto", NATIVE_SHELL), ("float32", "float32")])
def test_generator_on_4bit_weights_briefs_with_the_shared_prefix(
    tiny_4bit_folder: Path, dtype: str, shell: str
) -> None:
    generator = HFGenerator(str(tiny_4bit_folder), device="cpu", dtype=dtype, weights="int4")
    generator.load()
    generator.self_check()
    # the projections are 4-bit; embeddings, norms, attention and the cache keep the chosen dtype
    assert generator.info()["weights"] == "int4"
    assert generator.dtype == shell
    assert generator.model.model.embed_tokens.weight.dtype == getattr(torch, shell)
    article = " ".join(["rebels captured the city of hama on thursday after days of fighting ."] * 6)
    prompts = [
        Prompt(user=f"<article> {article} </article> {task}", source=article, max_new_tokens=n)
        for task, n in [("write headline", 6), ("key points", 9)]
    ]
    shared = generator.generate(prompts)
    assert shared.stats.shared_prefix_tokens >= 40
    assert [g.new_tokens for g in shared] == [6, 9]
    assert all(g.text for g in shared)


@pytest.mark.parametrize("builder", [save_tiny_bart, save_tiny_llama])
def test_models_the_int4_path_cannot_take_fail_to_load_clearly(builder: object, tmp_path: Path) -> None:
    folder = builder(tmp_path)  # type: ignore[operator]
    with pytest.raises(ModelLoadError, match="BRIEFLY_WEIGHTS=int4"):
        HFGenerator(str(folder), device="cpu", weights="int4").load()


def test_weights_auto_is_int4_only_for_the_embedded_model_on_cpu() -> None:
    vectorised = cpu.detect().capability in cpu.VECTOR_INT4  # every CPU class: test_cpu.py
    assert resolve_weights("auto", embedded=True, device="cpu") == ("int4" if vectorised else "dense")
    assert resolve_weights("auto", embedded=True, device="cuda") == "dense"
    assert resolve_weights("auto", embedded=False, device="cpu") == "dense"
    assert resolve_weights("dense", embedded=True, device="cpu") == "dense"
    assert resolve_weights("int4", embedded=False, device="cpu") == "int4"


def test_cpu_precision_follows_the_weights() -> None:
    assert getattr(torch, cpu.choose_dtype("auto", "cpu", "int4").value) == getattr(
        torch, NATIVE_SHELL
    )  # bf16 only where native
    assert getattr(torch, cpu.choose_dtype("auto", "cpu", "dense").value) == torch.float32
    assert getattr(torch, cpu.choose_dtype("float32", "cpu", "int4").value) == torch.float32


def test_weights_setting_is_checked() -> None:
    assert Settings.from_env({"BRIEFLY_WEIGHTS": "int4"}).weights == "int4"
    with pytest.raises(ConfigurationError, match="BRIEFLY_WEIGHTS"):
        Settings.from_env({"BRIEFLY_WEIGHTS": "int3"})


@pytest.mark.parametrize("sizes", [(128, 64, 64), (64, 32, 32), (96, 32, 32)])
def test_fused_projections_compute_what_their_parts_do(sizes: tuple[int, ...]) -> None:
    """Fusable where every part fills whole blocks of this machine's packing (64 rows on AVX-512,
    32 on AVX2 and plain CPUs; the other machines' kernels: test_other_cpu_kernels_pack_as_recorded)."""
    layout = quantised.packed_layout()
    fusable = layout is not None and all(n % layout.block_rows == 0 for n in sizes)
    torch.manual_seed(4)
    linear = quantised.int4_linear_class()
    parts = [linear.from_weight(snap_to_4bit_groups(torch.randn(n, 128)))[0] for n in sizes]
    x = torch.randn(3, 128)
    before = [p(x) for p in parts]
    whole = linear.fused(parts)
    if not fusable:  # the kernel packs rows in blocks: a border inside a block cannot be a view
        assert whole is None
        assert all(torch.equal(p(x), b) for p, b in zip(parts, before))
        return
    assert whole is not None
    assert torch.equal(whole(x), torch.cat(before, dim=-1))
    assert all(torch.equal(p(x), b) for p, b in zip(parts, before))  # the parts, now views, unchanged
    assert parts[1].packed.untyped_storage().data_ptr() == whole.packed.untyped_storage().data_ptr()
