"""Briefly against a real OpenAI-compatible engine: ``transformers serve`` (transformers' own server,
the dev requirements' ``transformers[serving]``) serving the embedded SmolLM2 from its local folder,
offline, started here on a free port.

The sample article is briefed end to end through it (auto mode: free writing and condensing, every
sentence checked), and the same prompts are answered by the model in this process (the same dense
fp32 weights the engine serves): the texts, and so the verification results, must be the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from service.briefing.briefer import MODES, BriefingJob
from service.briefing.lengths import LENGTHS
from service.engine.engine import Engine
from service.models.generator import QUIET, Generations, GenerationWatch, Prompt
from service.models.huggingface import HFGenerator
from service.models.weights import GENERATOR_LABEL, generator_folder
from service.settings import Settings
from tests.server import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine_url() -> Iterator[str]:
    folder = generator_folder(Settings().cache_dir)
    port = free_port()
    command = [str(Path(sys.executable).parent / "transformers"), "serve", "--port", str(port)]
    command += ["--device", "cpu", "--dtype", "float32", str(folder)]
    proc = subprocess.Popen(
        command,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"transformers serve did not start: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


class Recording:
    """Wraps a generator and keeps every ``generate`` call's prompts and answers."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[tuple[list[Prompt], Generations]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def generate(
        self, prompts: Sequence[Prompt], deadline: float | None = None, watch: GenerationWatch = QUIET
    ) -> Generations:
        result = self.inner.generate(prompts, deadline=deadline, watch=watch)
        self.calls.append((list(prompts), result))
        return result


def test_the_sample_article_through_transformers_serve_matches_the_in_process_model(
    engine_url: str, seed_article: str
) -> None:
    settings = Settings(engine_url=engine_url, request_timeout_s=600, engine_timeout_s=300)
    remote = Engine(settings)
    remote.load()
    assert remote.generator is not None
    assert remote.generator.info()["kind"] == "remote"
    recorded = Recording(remote.generator)
    remote.generator = recorded  # type: ignore[assignment]  (a Generator by delegation)
    remote._wire()

    result = remote.brief(BriefingJob(article=seed_article, mode="auto"))
    for name, briefing in result.briefings.items():
        assert briefing.within_contract, (name, briefing.violations, briefing.text)
        assert briefing.text
    prompts, engine_answers = recorded.calls[0]
    assert len(prompts) == len(LENGTHS)  # the engine wrote every length freely (a named model)

    local = HFGenerator(
        str(generator_folder(settings.cache_dir)), device="cpu", dtype="float32", label=GENERATOR_LABEL, weights="dense"
    )
    local.load()
    local_answers = local.generate(prompts)
    assert [g.text for g in local_answers] == [g.text for g in engine_answers]

    briefer = remote.briefer
    assert briefer is not None
    analysis = briefer.analyse(seed_article)
    for spec, from_engine, from_local in zip((LENGTHS[n] for n in LENGTHS), engine_answers, local_answers):
        verdicts = [
            briefer.postprocess(spec, generation, analysis, MODES["abstractive"], "text")
            for generation in (from_engine, from_local)
        ]
        shipped = [[(s.text, s.cites, s.flagged) for s in v.sentences] for v in verdicts]
        rejected = [[(r.text, r.reasons) for r in v.rejected] for v in verdicts]
        assert shipped[0] == shipped[1], spec.name
        assert rejected[0] == rejected[1], spec.name
