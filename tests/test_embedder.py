"""The default sentence encoder runs in plain torch (service/models/bert.py): the same vectors as
transformers' BertModel, without importing transformers' model code (its memory is the point)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from service.models.bert import BertEncoder, is_bert
from service.models.embedder import HFEmbedder
from service.models.weights import embedder_folder

SENTENCES = [
    "Rebels captured Hama on Thursday, the second city to fall in a week.",
    "Short.",
    "Thousands fled Homs as the insurgents advanced towards the capital, Damascus, witnesses said.",
    "word " * 400,  # past the 256-token cut
]


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_the_plain_torch_encoder_gives_bert_models_vectors(dtype: str) -> None:
    from transformers import AutoModel, AutoTokenizer

    folder = embedder_folder()
    lean = HFEmbedder(str(folder), dtype=dtype)
    lean.load()
    assert isinstance(lean.model, BertEncoder)
    reference = HFEmbedder(str(folder), dtype=dtype)
    reference.tokenizer = AutoTokenizer.from_pretrained(str(folder))
    reference.model = AutoModel.from_pretrained(str(folder), dtype=getattr(torch, dtype)).eval()
    np.testing.assert_allclose(lean.encode(SENTENCES), reference.encode(SENTENCES), atol=1e-6)


def test_a_non_bert_folder_is_left_to_transformers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "config.json").write_text('{"model_type": "roberta", "hidden_act": "gelu"}')
    assert not is_bert(tmp_path)
    assert is_bert(embedder_folder())


@pytest.mark.slow
def test_the_embedder_loads_without_transformers_model_code() -> None:
    code = (
        "import sys; from service.models.embedder import HFEmbedder; from service.models.weights import embedder_folder;"
        "e = HFEmbedder(str(embedder_folder())); e.load(); e.encode(['A sentence.']);"
        "print(sorted(m for m in ('transformers.modeling_utils', 'torch._dynamo', 'sympy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
