"""The sample article's briefings in every mode, as the embedded default writes them: a guard that a
change meant to move code does not change what a reader gets.

``python -m tests.sample_briefings --write`` records the five lengths of the committed sample article
(tests/data/sample-article.txt) in ``extractive``, ``auto`` and ``abstractive`` mode, with the real
embedded models, into ``tests/data/sample-briefings.json``; ``tests/test_sample_briefings.py``
briefs the same article and compares. Re-record only when a change to what ships is intended, and
say so in the commit.

What is compared: every length's text, its sentences (text, origin, cites) and its rejected
sentences' texts. Not timings. The generating modes' text depends on the CPU's arithmetic (bf16 or
fp32 kernels, AVX2 or AVX-512 reductions), so it is compared exactly on the CPU capability it was
recorded on; on another, only its shape is (every length present and within its contract).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).resolve().parent / "data" / "sample-briefings.json"
ARTICLE = Path(__file__).resolve().parent / "data" / "sample-article.txt"
MODES = ("extractive", "auto", "abstractive")


def cpu_capability() -> str:
    import torch

    return str(torch.backends.cpu.get_cpu_capability())


def essentials(response: dict[str, Any]) -> dict[str, Any]:
    """What a reader gets from a briefing response, without its timings."""
    return {
        name: {
            "text": briefing["text"],
            "within_contract": briefing["within_contract"],
            "sentences": [[s["text"], s["origin"], s["cites"]] for s in briefing["sentences"]],
            "rejected": [r["text"] for r in briefing["rejected"]],
        }
        for name, briefing in response["briefings"].items()
    }


def brief_all_modes() -> dict[str, Any]:
    """The sample article briefed in every mode by one engine on the embedded default."""
    from service.engine import protocol, serving
    from service.engine.engine import Engine
    from service.settings import Settings

    # A deadline far off: the recording is of what the model writes, not of where a busy machine's
    # deadline cut it.
    settings = dataclasses.replace(Settings.from_env(), request_timeout_s=900.0)
    engine = Engine(settings)
    engine.load()
    article = ARTICLE.read_text(encoding="utf-8")
    recorded: dict[str, Any] = {}
    for mode in MODES:
        request = protocol.parse(protocol.BriefingRequest, {"article": article, "mode": mode}, settings)
        response = protocol.dump(serving.brief(engine, request))
        recorded[mode] = {"cut_short": response["cut_short"], **essentials(response)}
    info = engine.model_info()
    model = {key: info.get(key) for key in ("id", "dtype", "weights")}
    return {"cpu_capability": cpu_capability(), "model": model, "modes": recorded}


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.sample_briefings --write")
    SNAPSHOT.write_text(json.dumps(brief_all_modes(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
