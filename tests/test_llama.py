"""The plain-torch Llama (service/models/llama.py) against transformers' on the same weights: equal
bits through the lean loop and through transformers' own forward, dense fp32 and 4-bit; the
tokenizer loaded without the auto classes is the one AutoTokenizer gives; and a worker serving the
embedded model never imports transformers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from service.models import huggingface as backend
from service.models import leandecode, llama, quantised
from service.models.generator import Prompt
from service.models.huggingface import HFGenerator
from tests.tiny_models import save_tiny_llama, save_tiny_llama_4bit


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_llama(tmp_path_factory.mktemp("plain-llama"))


@pytest.fixture(scope="module")
def tiny_4bit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_llama_4bit(tmp_path_factory.mktemp("plain-llama-4bit"))


def lean_logits(model: object, steps: int = 6) -> list[torch.Tensor]:
    """A shared prefix, three rows of different lengths (middle pads), then greedy steps: every pass's logits."""
    torch.manual_seed(3)
    prefix = torch.randint(3, 60, (23,))
    tokens = torch.randint(3, 60, (3, 5))
    valid = torch.tensor([[True] * 5, [False, False, True, True, True], [False] + [True] * 4])
    positions = torch.zeros((3, 5), dtype=torch.long)
    for r in range(3):
        real = int(valid[r].sum())
        positions[r, 5 - real :] = torch.arange(23, 23 + real)
    lean = leandecode.LeanDecoder(model, 3, 5 + steps + 80)  # room beyond one growth step
    out = [lean.prefill(prefix, tokens, positions, valid)]
    place = positions[:, -1]
    for _ in range(steps):
        place = place + 1
        out.append(lean.step(out[-1].argmax(-1), place))
    lean.keep(torch.tensor([2]))  # one row left: the prefix joins its own part
    out.append(lean.step(out[-1][2:].argmax(-1), place[2:] + 1))
    return out


def test_the_config_is_read_as_transformers_reads_it(tiny_folder: Path) -> None:
    from transformers import AutoConfig

    ours, theirs = llama.LlamaConfig.read(tiny_folder), AutoConfig.from_pretrained(tiny_folder)
    for name, value in ours.as_dict().items():
        assert getattr(theirs, name) == value, name


def test_other_llamas_are_left_to_transformers(tmp_path: Path) -> None:
    base = json.loads((Path(save_tiny_llama(tmp_path / "a")) / "config.json").read_text())
    assert llama.unsupported(base) is None
    for change, reason in [
        ({"rope_parameters": {"rope_type": "llama3", "rope_theta": 5e5, "factor": 8.0}}, "RoPE 'llama3'"),
        ({"attention_bias": True}, "biases"),
        ({"model_type": "mistral"}, "not a Llama"),
        ({"hidden_act": "gelu"}, "activation"),
    ]:
        assert reason in (llama.unsupported(base | change) or "")


def test_dense_fp32_gives_transformers_bits_through_the_lean_loop(tiny_folder: Path) -> None:
    from transformers import AutoModelForCausalLM

    ours, _ = llama.load(tiny_folder, torch.float32)
    theirs = AutoModelForCausalLM.from_pretrained(tiny_folder, dtype=torch.float32).eval()
    with torch.inference_mode():
        for got, expected in zip(lean_logits(ours), lean_logits(theirs), strict=True):
            assert torch.equal(got, expected)


def test_dense_fp32_gives_transformers_bits_through_its_own_forward(tiny_folder: Path) -> None:
    from transformers import AutoModelForCausalLM

    ours, _ = llama.load(tiny_folder, torch.float32)
    theirs = AutoModelForCausalLM.from_pretrained(tiny_folder, dtype=torch.float32).eval()
    wrapped = llama.as_transformers(ours)
    ids = torch.tensor([[1, 7, 9, 12, 15, 20, 22, 30, 4, 5]])
    with torch.inference_mode():
        assert torch.equal(wrapped(ids).logits, theirs(ids).logits)
        kwargs = {"max_new_tokens": 12, "do_sample": False, "pad_token_id": 0}
        assert torch.equal(wrapped.generate(ids, **kwargs), theirs.generate(ids, **kwargs))


def test_4bit_weights_give_the_transformers_built_models_bits(tiny_4bit: Path) -> None:
    ours, error = llama.load(tiny_4bit, torch.float32, "int4", torch.float32)
    theirs, their_error = quantised.load_causal(tiny_4bit, torch.float32, torch.float32)
    assert error == their_error == 0.0
    assert isinstance(ours.model.layers[0].self_attn.qkv_proj, quantised.int4_linear_class())
    with torch.inference_mode():
        for got, expected in zip(lean_logits(ours), lean_logits(theirs), strict=True):
            assert torch.equal(got, expected)


def test_the_generator_builds_plain_llamas_and_scores_as_before(
    tiny_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = HFGenerator(str(tiny_folder), device="cpu", threads=1)
    plain.load()
    assert not hasattr(plain.model, "generate")  # no transformers model around it
    monkeypatch.setattr(llama, "readable", lambda folder: False)
    reference = HFGenerator(str(tiny_folder), device="cpu", threads=1)
    reference.load()
    assert hasattr(reference.model, "generate")
    prompts = [
        Prompt(user=f"rebels captured the city of hama on thursday . {task}", source="x", max_new_tokens=n)
        for task, n in [("write headline", 7), ("key points", 12), ("brief", 20)]
    ]
    assert [g.text for g in plain.generate(prompts)] == [g.text for g in reference.generate(prompts)]
    replies = ["rebels captured hama .", "the city of hama", "rebels"]
    assert plain.score(prompts[0], replies) == reference.score(prompts[0], replies)
    assert plain.info() | {"load_s": 0} == reference.info() | {"load_s": 0}


def test_the_tokenizer_is_the_one_autotokenizer_gives() -> None:
    from transformers import AutoTokenizer

    from service.models.weights import generator_folder
    from service.settings import Settings
    from tests.support import SYRIA_ARTICLE

    folder = str(generator_folder(Settings.from_env().cache_dir))
    ours, theirs = backend.load_tokenizer(folder), AutoTokenizer.from_pretrained(folder)
    assert type(ours) is type(theirs)
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": SYRIA_ARTICLE}]
    as_chat = {"add_generation_prompt": True, "tokenize": True, "return_dict": False}
    assert ours.apply_chat_template(messages, **as_chat) == theirs.apply_chat_template(messages, **as_chat)
    ids = ours(SYRIA_ARTICLE + " <|im_end|> Ünïcödé — “quotes”", add_special_tokens=False).input_ids
    assert ids == theirs(SYRIA_ARTICLE + " <|im_end|> Ünïcödé — “quotes”", add_special_tokens=False).input_ids
    assert ours.decode(ids, skip_special_tokens=True) == theirs.decode(ids, skip_special_tokens=True)
    assert ours.all_special_tokens == theirs.all_special_tokens
    assert (ours.eos_token_id, ours.pad_token_id, ours.model_max_length) == (
        theirs.eos_token_id,
        theirs.pad_token_id,
        theirs.model_max_length,
    )


@pytest.mark.slow
def test_the_embedded_model_serves_without_importing_transformers() -> None:
    code = (
        "import sys; from service.engine.engine import Engine; from service.settings import Settings;"
        "from service.briefing.briefer import BriefingJob; from tests.support import SYRIA_ARTICLE;"
        "e = Engine(Settings.from_env()); e.load(); e.brief(BriefingJob(SYRIA_ARTICLE, mode='auto'));"
        "print(sorted(m for m in ('transformers', 'torch._dynamo', 'sympy', 'accelerate') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
