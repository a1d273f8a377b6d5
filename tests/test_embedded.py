"""The converted model's sha256 manifest: a missing or altered file is a clear start-up error."""

from pathlib import Path

import pytest

from service.errors import ModelLoadError
from service.models.weights import MANIFEST, embedder_folder, verify_manifest, write_manifest


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "config.json").write_text('{"model_type": "llama"}')
    (tmp_path / "model.safetensors").write_bytes(b"\x00" * 1024)
    write_manifest(tmp_path)
    return tmp_path


def test_intact_folder_verifies(folder: Path) -> None:
    verify_manifest(folder)
    assert (folder / MANIFEST).exists()


def test_corrupted_file_is_named(folder: Path) -> None:
    (folder / "model.safetensors").write_bytes(b"\x01" * 1024)
    with pytest.raises(ModelLoadError, match="model.safetensors fails its sha256"):
        verify_manifest(folder)


def test_missing_file_is_named(folder: Path) -> None:
    (folder / "config.json").unlink()
    with pytest.raises(ModelLoadError, match="missing"):
        verify_manifest(folder)


def test_embedded_embedder_ships_safetensors() -> None:
    assert (embedder_folder() / "model.safetensors").is_file()


def test_corrupted_model_cache_keeps_readiness_off(tmp_path: Path) -> None:
    from service.engine.engine import Engine
    from service.http.app import create_app
    from service.settings import Settings
    from tests.fakes import HashingEmbedder

    folder = tmp_path / "models" / "smollm2-135m-instruct"
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(b"weights")
    write_manifest(folder)
    (folder / "model.safetensors").write_bytes(b"tampered")
    settings = Settings(cache_dir=str(tmp_path))
    engine = Engine(settings, embedder=HashingEmbedder())
    with pytest.raises(ModelLoadError, match="sha256"):
        engine.load()
    r = create_app(settings, engine=engine).test_client().get("/readyz")
    assert r.status_code == 503
    assert "sha256" in r.get_json()["error"]["message"]


def test_embedder_dtype_auto_follows_native_bf16_and_can_be_forced() -> None:
    from service.models.cpu import CpuInfo, choose_dtype

    avx2 = CpuInfo("AVX2", ("avx2",), native_bf16=False, cores=2)
    amx = CpuInfo("AVX512", ("avx2", "avx512f", "avx512_bf16", "amx_bf16"), native_bf16=True, cores=2)
    assert choose_dtype("auto", "cpu", role="embedder", cpu=avx2).value == "float32"
    assert choose_dtype("auto", "cpu", role="embedder", cpu=amx).value == "bfloat16"
    assert choose_dtype("float32", "cpu", role="embedder", cpu=amx).value == "float32"


def test_bad_embedding_dtype_is_refused() -> None:
    from service.errors import ConfigurationError
    from service.settings import Settings

    with pytest.raises(ConfigurationError, match="BRIEFLY_EMBEDDING_DTYPE"):
        Settings(embedding_dtype="float16")


def test_bf16_embeddings_of_the_embedded_model_keep_fp32_neighbours() -> None:
    """bf16 is a speed choice only: each sentence's vector stays next to its fp32 one, and every
    sentence keeps its nearest other sentence (what ranking and citations are built on)."""
    import numpy as np

    from service.models.embedder import HFEmbedder

    sentences = [
        "Rebels captured the city of Hama on Thursday.",
        "The rebels took Hama, a major city, this week.",
        "Residents fled Homs towards the coast.",
        "Thousands of people left Homs for the coast.",
        "The central bank raised interest rates by half a point.",
        "Borrowing costs went up after the bank's decision.",
    ]
    vectors = {}
    for dtype in ("float32", "bfloat16"):
        model = HFEmbedder(str(embedder_folder()), dtype=dtype)
        model.load()
        assert model.dtype == dtype
        vectors[dtype] = model.encode(sentences)
    full, half = vectors["float32"], vectors["bfloat16"]
    assert half.dtype == np.float32
    assert np.allclose(np.linalg.norm(half, axis=1), 1.0, atol=1e-5)
    assert float((full * half).sum(axis=1).min()) > 0.99
    neighbours = [np.argsort(-(v @ v.T), axis=1)[:, 1] for v in (full, half)]
    assert neighbours[0].tolist() == neighbours[1].tolist() == [1, 0, 3, 2, 5, 4]
