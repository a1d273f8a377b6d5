"""On a machine with CUDA and a torch that sees it: the generator on the GPU, with tiny random
models. `make gpu-check` runs these (with plain python3: this file needs torch, transformers and
pytest, nothing else of the service's dependencies, and no conftest) and then bench/gpu.
Everywhere else they skip, saying why."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from service.models import cpu
from service.models.generator import Prompt
from service.models.huggingface import HFGenerator
from tests.tiny_models import save_tiny_llama

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason=f"no CUDA: torch {torch.__version__} sees no GPU here"),
]

ARTICLE = " ".join(["rebels captured the city of hama on thursday after days of fighting ."] * 6)
# Different suffix lengths exercise the middle padding; different budgets make rows leave the batch.
TASKS = [("write headline", 6), ("summarize the article above in one sentence with facts only", 12), ("key points", 9)]


def briefing_prompts() -> list[Prompt]:
    return [
        Prompt(user=f"<article> {ARTICLE} </article> {task}", source=ARTICLE, max_new_tokens=n) for task, n in TASKS
    ]


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_llama(tmp_path_factory.mktemp("gpu-llama"))


def test_the_generator_loads_on_cuda_with_random_weights(tiny_folder: Path) -> None:
    generator = HFGenerator(str(tiny_folder), device="auto", dtype="auto", weights="dense")
    generator.load()
    generator.self_check()
    assert generator.device == "cuda"
    assert generator.dtype == cpu.choose_dtype("auto", "cuda").value  # bf16 where the GPU has it, else fp16
    assert all(p.is_cuda for p in generator.model.parameters())
    results = generator.generate(briefing_prompts())
    assert results.stats.shared_prefix_tokens >= 40  # one prefill of the shared article
    assert all(0 < g.new_tokens <= n for g, (_, n) in zip(results, TASKS))


def test_cuda_decodes_the_cpu_tokens_in_fp32(tiny_folder: Path) -> None:
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32 products, as on the CPU
    on_cpu = HFGenerator(str(tiny_folder), device="cpu", dtype="float32")
    on_gpu = HFGenerator(str(tiny_folder), device="cuda", dtype="float32")
    on_cpu.load()
    on_gpu.load()
    cpu_texts = [g.text for g in on_cpu.generate(briefing_prompts())]  # the lean loop (CPU)
    assert [g.text for g in on_gpu.generate(briefing_prompts())] == cpu_texts  # transformers' batched step
    replies = ["rebels captured hama .", "the city of hama"]
    scores = on_gpu.score(briefing_prompts()[0], replies)
    assert scores == pytest.approx(on_cpu.score(briefing_prompts()[0], replies), abs=1e-3)


def test_the_batched_shared_prefix_path_matches_generate_on_cuda(tiny_folder: Path) -> None:
    torch.backends.cuda.matmul.allow_tf32 = False
    generator = HFGenerator(str(tiny_folder), device="cuda", dtype="float32")
    generator.load()
    batched = generator.generate(briefing_prompts())  # one prefill, rows decoded together
    alone = [generator.generate([p])[0] for p in briefing_prompts()]  # model.generate(), one a prompt
    assert [g.text for g in batched] == [g.text for g in alone]
    assert [g.new_tokens for g in batched] == [g.new_tokens for g in alone]
