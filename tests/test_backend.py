"""The real backend on tiny random models: loading, device/dtype choice, generation, shared prefix."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from service.briefing.briefer import Briefer, BriefingJob
from service.briefing.lengths import LENGTHS
from service.briefing.promptbook import PromptBook
from service.briefing.styles import STYLES
from service.errors import ClientGone, ModelLoadError
from service.models import cpu, llama
from service.models import huggingface as backend
from service.models.generator import Prompt
from service.models.huggingface import HFGenerator, resolve_device
from service.settings import PROJECT_ROOT
from service.text.judge import Judge
from tests.fakes import HashingEmbedder
from tests.support import SYRIA_ARTICLE
from tests.tiny_models import save_tiny_bart, save_tiny_llama, save_tiny_t5

SAVERS = {"llama": save_tiny_llama, "bart": save_tiny_bart, "t5": save_tiny_t5}


@pytest.fixture(scope="module", params=list(SAVERS))
def tiny(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> HFGenerator:
    folder = SAVERS[request.param](tmp_path_factory.mktemp(request.param))
    generator = HFGenerator(str(folder), device="cpu", dtype="auto", threads=1)
    generator.load()
    return generator


@pytest.fixture(scope="module")
def tiny_llama_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_llama(tmp_path_factory.mktemp("llama-prefix"))


def test_loads_from_folder_with_kind_device_and_dtype(tiny: HFGenerator) -> None:
    info = tiny.info()
    expected_kind = "causal" if tiny.model_type == "llama" else "seq2seq"
    assert info["kind"] == expected_kind
    assert info["device"] == "cpu"
    assert info["dtype"] == "float32"
    assert info["context_tokens"] > 0
    tiny.self_check()


def test_generation_respects_the_token_budget(tiny: HFGenerator) -> None:
    results = tiny.generate(
        [Prompt(user="rebels captured hama", source="rebels captured hama . assad lost aleppo", max_new_tokens=5)]
    )
    assert len(results) == 1
    assert results[0].new_tokens <= 5
    assert isinstance(results[0].text, str)


@pytest.mark.slow
def test_every_length_meets_its_contract_through_the_real_backend(tiny: HFGenerator) -> None:
    briefer = Briefer(
        tiny, HashingEmbedder(), PromptBook.load(PROJECT_ROOT / "prompts", LENGTHS, STYLES), Judge(), 400, 60.0
    )
    result = briefer.brief(BriefingJob(SYRIA_ARTICLE, mode="auto"))
    for name, briefing in result.briefings.items():
        assert briefing.within_contract, (tiny.model_type, name, briefing.violations)
    assert result.input.fit.tokens > 0


def test_t5_gets_its_task_prefix(tmp_path: Path) -> None:
    generator = HFGenerator(str(save_tiny_t5(tmp_path)), device="cpu")
    generator.load()
    ids = generator.kind.encode(generator, Prompt(user="", source="rebels captured hama", task="summarize"))
    assert generator.tokenizer.decode(ids, skip_special_tokens=True).startswith("summarize :")
    ids = generator.kind.encode(generator, Prompt(user="", source="rebels captured hama", task="rewrite:plain"))
    assert generator.tokenizer.decode(ids, skip_special_tokens=True).startswith("rebels")


def test_shared_prefix_path_gives_the_same_text_as_separate_calls(
    tiny_llama_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generator = HFGenerator(str(tiny_llama_folder), device="cpu")
    generator.load()
    article = " ".join(["rebels captured the city of hama on thursday after days of fighting ."] * 6)
    tasks = [
        ("write headline", 6),
        ("summarize the article above in one sentence with facts only", 12),
        ("key points", 9),
    ]
    # Different suffix lengths exercise the middle padding; different budgets make rows leave the batch.
    prompts = [
        Prompt(user=f"<article> {article} </article> {task}", source=article, max_new_tokens=n) for task, n in tasks
    ]
    assert backend.leandecode.supports(generator.model)  # the batched rows decode through the lean loop
    generator.draft_tokens = 0  # one token a pass
    shared = generator.generate(prompts)
    assert shared.stats.shared_prefix_tokens >= 40
    assert shared.stats.solo_steps == shared.stats.solo_tokens == 12 - 9  # after all rows but the longest had left
    assert shared.stats.drafted == 0
    generator.draft_tokens = 3  # draft tokens from the prompt, checked several a pass: the same text
    drafted = generator.generate(prompts)
    assert drafted.stats.accepted > 0  # a repetitive article: some drafts were right
    alone_runs = [generator.generate([p]) for p in prompts]  # one row each, through the lean loop too
    alone = [run[0] for run in alone_runs]
    assert alone_runs[-1].stats.solo_tokens == 9
    assert alone_runs[-1].stats.solo_steps < 9
    with monkeypatch.context() as patched:
        patched.setattr(backend.leandecode, "supports", lambda model: False)  # transformers' own forward
        patched.setattr(generator, "model", llama.as_transformers(generator.model))  # around the same tensors
        plain_runs = [generator.generate([p]) for p in prompts]  # model.generate(), one call a prompt
        plain = [run[0] for run in plain_runs]
        assert plain_runs[-1].stats.shared_prefix_tokens == 0
        generic = generator.generate(prompts)  # batched, with transformers' step
        assert generic.stats.drafted == 0  # drafts need the lean loop
    assert [g.new_tokens for g in plain] == [6, 12, 9]  # a random model rarely stops early
    for result in (shared, drafted, alone, generic):
        assert [g.text for g in result] == [g.text for g in plain]
        assert [g.new_tokens for g in result] == [g.new_tokens for g in plain]


def test_safetensors_only(tmp_path: Path) -> None:
    folder = save_tiny_llama(tmp_path)
    weights = folder / "model.safetensors"
    state = __import__("safetensors.torch", fromlist=["load_file"]).load_file(str(weights))
    torch.save(state, folder / "pytorch_model.bin")
    weights.unlink()
    with pytest.raises(ModelLoadError):
        HFGenerator(str(folder), device="cpu").load()


def test_missing_model_is_a_clear_load_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="cannot load model"):
        HFGenerator(str(tmp_path / "nothing-here"), device="cpu").load()


def test_device_and_dtype_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_device("cpu") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    assert getattr(torch, cpu.choose_dtype("auto", "cpu").value) == torch.float32
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert getattr(torch, cpu.choose_dtype("auto", "cuda").value) == torch.bfloat16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert getattr(torch, cpu.choose_dtype("auto", "cuda:0").value) == torch.float16
    assert getattr(torch, cpu.choose_dtype("bfloat16", "cpu").value) == torch.bfloat16


def test_deadline_cuts_generation_short_and_says_so(tiny_llama_folder: Path) -> None:
    import time as _time

    generator = HFGenerator(str(tiny_llama_folder), device="cpu")
    generator.load()
    prompts = [Prompt(user=f"rebels captured hama {i}", source="x", max_new_tokens=500) for i in range(3)]
    batched = generator.generate(prompts, deadline=_time.monotonic() + 0.05)
    assert all(g.cut_by_deadline and g.new_tokens < 500 for g in batched)
    single = generator.generate(prompts[:1], deadline=_time.monotonic() - 1)
    assert single[0].cut_by_deadline
    assert single[0].new_tokens == 0


def test_expired_budget_gives_a_flagged_result_not_an_error(tiny_llama_folder: Path) -> None:
    generator = HFGenerator(str(tiny_llama_folder), device="cpu")
    generator.load()
    briefer = Briefer(
        generator, HashingEmbedder(), PromptBook.load(PROJECT_ROOT / "prompts", LENGTHS, STYLES), Judge(), 400, 0.0
    )
    result = briefer.brief(BriefingJob(SYRIA_ARTICLE, lengths=("tldr", "paragraph"), mode="auto"))
    assert result.cut_short is True
    assert all(b.within_contract for b in result.briefings.values())  # filled from the article
    with pytest.raises(Exception, match="budget"):
        briefer.brief(BriefingJob(SYRIA_ARTICLE, lengths=("tldr",), mode="abstractive"))


class Recorder:
    """A GenerationWatch's hooks that keep what they saw; cancels after ``cancel_after`` text events."""

    def __init__(self, cancel_after: int | None = None) -> None:
        self.deltas: dict[int, list[str]] = {}
        self.done: dict[int, str] = {}
        self.cancel_after = cancel_after
        self.events = 0

    def watch(self) -> backend.GenerationWatch:
        return backend.GenerationWatch(on_text=self.on_text, on_done=self.on_done, cancelled=self.cancelled)

    def on_text(self, index: int, delta: str) -> None:
        self.events += 1
        self.deltas.setdefault(index, []).append(delta)

    def on_done(self, index: int, generation: backend.Generation) -> None:
        self.done[index] = generation.text

    def cancelled(self) -> bool:
        return self.cancel_after is not None and self.events >= self.cancel_after


def test_streamed_text_adds_up_to_the_result_for_every_path(tiny: HFGenerator) -> None:
    prompts = [
        Prompt(user=f"rebels captured hama {task}", source="rebels captured hama . assad lost aleppo", max_new_tokens=n)
        for task, n in (("headline", 5), ("paragraph", 9))
    ]
    recorder = Recorder()
    results = tiny.generate(prompts, watch=recorder.watch())
    assert recorder.done == {i: r.text for i, r in enumerate(results)}
    for i, result in enumerate(results):
        assert "".join(recorder.deltas.get(i, [])).strip() == result.text
    for i, result in enumerate(results):
        if len(result.text.split()) >= 2:  # (random BART often says nothing at all)
            assert len(recorder.deltas[i]) >= 2  # it streamed, token by token
    assert results == tiny.generate(prompts)  # watching changes nothing


@pytest.mark.parametrize("rows", [1, 3])  # model.generate() with a stopping criterion; the batched loop
def test_cancelling_stops_generation_at_the_next_token(tiny_llama_folder: Path, rows: int) -> None:
    generator = HFGenerator(str(tiny_llama_folder), device="cpu")
    generator.load()
    prompts = [
        Prompt(user=f"rebels captured hama {i}", source="rebels captured hama", max_new_tokens=200) for i in range(rows)
    ]
    recorder = Recorder(cancel_after=3)
    with pytest.raises(ClientGone):
        generator.generate(prompts, watch=recorder.watch())
    assert recorder.events <= 3 + rows
    assert not recorder.done


@pytest.mark.slow
def test_lean_decode_gives_the_generic_steps_text_on_the_embedded_model(
    seed_article: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.models.weights import generator_folder
    from service.settings import Settings

    generator = HFGenerator(str(generator_folder(Settings.from_env().cache_dir)), device="cpu", threads=2)
    generator.load()
    book = PromptBook.load(PROJECT_ROOT / "prompts", LENGTHS, STYLES)
    prompts = [
        Prompt(
            user=book.render_briefing(name, seed_article, None),
            source=seed_article,
            system=book.system,
            max_new_tokens=min(spec.max_new_tokens, 48),
        )
        for name, spec in LENGTHS.items()
    ]
    assert backend.leandecode.supports(generator.model)  # SmolLM2 is a Llama
    lean = [g.text for g in generator.generate(prompts)]
    monkeypatch.setattr(backend.leandecode, "supports", lambda model: False)
    monkeypatch.setattr(generator, "model", llama.as_transformers(generator.model))  # transformers' forward
    assert [g.text for g in generator.generate(prompts)] == lean


def test_the_lean_loop_is_for_cpu_models_only(tiny_llama_folder: Path) -> None:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_llama_folder)
    assert backend.leandecode.supports(model)
    model.to("meta")  # any other device: its attention merge uses the CPU flash kernel
    assert not backend.leandecode.supports(model)


def test_the_draft_setting_reaches_the_generator(tiny_llama_folder: Path, tmp_path: Path) -> None:
    from service.engine.engine import Engine
    from service.settings import Settings

    for drafts in (0, 5):
        engine = Engine(
            Settings(model=str(tiny_llama_folder), cache_dir=str(tmp_path), draft_tokens=drafts, torch_threads=1),
            embedder=HashingEmbedder(),
        )
        engine.load()
        assert engine.generator.draft_tokens == drafts


def test_scores_are_log_probabilities_that_padding_does_not_change(tiny: HFGenerator) -> None:
    prompt = Prompt(user="Shorten: The council approved the plan on Tuesday.", source="The council approved the plan.")
    replies = [
        "The council approved the plan.",
        "The council approved the plan on Tuesday after a long debate.",
        "Plan.",
    ]
    together = tiny.score(prompt, replies)
    alone = [tiny.score(prompt, [reply])[0] for reply in replies]
    assert together == pytest.approx(alone, abs=1e-3)  # right padding leaks into no row
    assert all(value < 0 for value in together)
    assert len(set(together)) == 3


def test_auto_condenses_through_the_real_backend(tiny_llama_folder: Path) -> None:
    generator = HFGenerator(str(tiny_llama_folder), device="cpu", dtype="float32", threads=1)
    generator.load()
    prompts = PromptBook.load(PROJECT_ROOT / "prompts", LENGTHS, STYLES)
    briefer = Briefer(generator, HashingEmbedder(), prompts, Judge(), 1500, 30.0, writes_freely=False)
    result = briefer.brief(BriefingJob(SYRIA_ARTICLE, mode="auto"))
    assert all(b.within_contract for b in result.briefings.values())
    assert {s.origin for b in result.briefings.values() for s in b.sentences} <= {"condensed", "extracted"}
