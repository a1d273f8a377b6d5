"""The converted model's sha256 manifest: a missing or altered file is a clear start-up error."""

from pathlib import Path

import pytest

from service.embedded import MANIFEST, embedder_folder, verify_manifest, write_manifest
from service.errors import ModelLoadError


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
    from service.app import create_app
    from service.engine import Engine
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
    assert r.status_code == 503 and "sha256" in r.get_json()["error"]["message"]
