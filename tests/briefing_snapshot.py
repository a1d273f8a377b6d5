"""The embedded model's briefings of the sample article, recorded, so a change meant to keep them
(memory, speed, a refactoring) is proven to keep them bit for bit.

``python -m tests.briefing_snapshot --write`` briefs the sample article (``../shared/data/seed-article.txt``
when it sits beside this checkout, else the committed ``tests/data/sample-article.txt``) in every mode
with the embedded default model and records, per article and per machine class, a sha256 of each whole
answer and of each length (the shared article's text stays out of the repository: only digests are
kept). ``tests/test_briefing_snapshot.py`` briefs again and compares. Outputs depend on the CPU's
kernels (torch's capability, native bf16 or not), on torch's thread count and on torch's version, so
a snapshot applies only where all of them match; elsewhere the test skips and says how to record one.
Re-record only when a change of the briefings is intended, and say so in the commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = Path(__file__).resolve().parent / "data" / "briefing-snapshot.json"
ARTICLES = [
    ROOT.parent / "shared" / "data" / "seed-article.txt",
    Path(__file__).resolve().parent / "data" / "sample-article.txt",
]
# (label, request mode, BRIEFLY_FREE_WRITING): auto as the embedded model serves it (condensing),
# auto writing freely first (what bench/speed times), extractive, abstractive.
VARIANTS = [
    ("auto", "auto", "auto"),
    ("auto+free-writing", "auto", "on"),
    ("extractive", "extractive", "auto"),
    ("abstractive", "abstractive", "auto"),
]
# Varies run to run or load to load; everything else of an answer is compared.
UNSTABLE = {"timings", "load_s"}


def machine_key() -> str:
    """What the embedded model's arithmetic depends on: torch's CPU kernels, native bf16, threads, torch."""
    import torch

    from service.models import cpu
    from service.settings import Settings

    info = cpu.detect()
    threads = Settings.from_env().effective_torch_threads(cpu.usable_cores())
    bf16 = "bf16" if info.native_bf16 else "no-bf16"
    version = ".".join(torch.__version__.split("+")[0].split(".")[:2])
    return f"{info.capability}/{bf16}/{threads}-threads/torch-{version}"


def article_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _stable(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: _stable(v) for k, v in body.items() if k not in UNSTABLE}
    if isinstance(body, list):
        return [_stable(v) for v in body]
    return body


def _digest(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def brief_all(article: str) -> dict[str, dict[str, str]]:
    """Every variant's answer as digests: ``whole`` and one per length."""
    from service.briefing.briefer import BriefingRequest
    from service.engine.engine import Engine
    from service.engine.protocol import BriefingResponse
    from service.settings import Settings

    engines: dict[str, Engine] = {}
    out: dict[str, dict[str, str]] = {}
    for label, mode, free_writing in VARIANTS:
        if free_writing not in engines:
            engine = Engine(Settings.from_env(free_writing=free_writing, request_timeout_s=900.0))
            if engines:  # the same loaded models; only the briefer's setting differs
                first = next(iter(engines.values()))
                engine = Engine(engine.settings, generator=first.generator, embedder=first.embedder)
            engine.load()
            engines[free_writing] = engine
        engine = engines[free_writing]
        result = engine.brief(BriefingRequest(article, mode=mode))
        body = _stable(BriefingResponse.of(result, engine.model_info()).model_dump(mode="json"))
        digests = {"whole": _digest(body)}
        digests |= {name: _digest(briefing) for name, briefing in body["briefings"].items()}
        out[label] = digests
    return out


def recorded() -> dict[str, Any]:
    return json.loads(SNAPSHOT.read_text(encoding="utf-8")) if SNAPSHOT.exists() else {}


def write() -> None:
    """Record this machine's answers for each sample article this checkout has."""
    snapshot = recorded()
    entry = snapshot.setdefault(machine_key(), {})
    for path in (p for p in ARTICLES if p.exists()):
        entry[article_key(path.read_text(encoding="utf-8"))] = brief_all(path.read_text(encoding="utf-8"))
        print(f"recorded {machine_key()} / {path.name} in {SNAPSHOT}")
    SNAPSHOT.write_text(json.dumps(snapshot, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    sys.path.insert(0, str(ROOT))
    write()
