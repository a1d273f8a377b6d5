"""The judge: whether a written sentence may ship, how sure that is, and why, from its evidence.

Two kinds of evidence decide (service/text/evidence.py):

* a **veto**, a clause finding that states a fact the article does not (a number, name or time it
  never states, a flipped negation, swapped roles, a pronoun that can only mean the wrong person, a
  stated cause it never gives...; service/text/claims.py), refuses the sentence outright;
* otherwise a **logistic model** over the signals (``evidence.SIGNALS``) gives the risk that the
  sentence states something its article does not. It is fitted by ``bench/fit-checker`` on summaries
  people labelled (AggreFact's and FRANK's validation files) as a noisy-OR: a summary is faithful
  when none of its sentences errs. The sentence is refused when its risk is over the threshold
  chosen there: the highest that still stops at least 90% of the unfaithful summaries, so as to
  ship as many faithful ones as possible. The weights, the threshold and the trade-off they came
  from are in ``judge_weights.json``.

A judge model (MiniCheck and the like, served by Ollama or vLLM; service/models/judgement.py), when
the service is given one, reads each written sentence with its sources and answers whether they
support it; its probability joins the model's as one more log-odds term. When it cannot answer,
the embedded judge decides alone: an error never counts as support.

Every refusal keeps its reasons in words; ``confidence`` is the probability that the verdict is
right (the model's own for a weighed verdict, the share of vetoed summaries people found unfaithful
for a veto).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from service.text.evidence import SIGNALS, Evidence

WEIGHTS_FILE = Path(__file__).with_name("judge_weights.json")
REMOTE_WEIGHT = 1.0  # the judge model's log-odds count as much as the embedded model's
REMOTE_YES_NO = 0.9  # a bare "Yes"/"No" (no log-probabilities) taken as this sure


@dataclass(frozen=True)
class Model:
    """One fitted model: signals standardised by ``mean``/``scale``, then ``coef`` and ``intercept``
    give the log-odds of an error; refuse above ``threshold`` (a risk)."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    @classmethod
    def of(cls, data: dict[str, Any]) -> Model:
        return cls(
            tuple(data["mean"]),
            tuple(data["scale"]),
            tuple(data["coef"]),
            float(data["intercept"]),
            float(data["threshold"]),
        )

    def logit(self, signals: np.ndarray) -> float:
        return float(self._standard(signals) @ np.array(self.coef) + self.intercept)

    def contributions(self, signals: np.ndarray) -> dict[str, float]:
        return dict(zip(SIGNALS, (self._standard(signals) * np.array(self.coef)).tolist()))

    def _standard(self, signals: np.ndarray) -> np.ndarray:
        return (signals - np.array(self.mean)) / np.array(self.scale)


@dataclass(frozen=True)
class Weights:
    """The judge's models: ``single`` for a text of one sentence (a headline, a TL;DR), ``multi``
    for one of several (key points, prose); and how often a veto is right."""

    single: Model
    multi: Model
    veto_confidence: float

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> Weights:
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["signals"]) != SIGNALS:
            raise ValueError(f"{path.name} was fitted on other signals; run bench/fit-checker")
        models = data["models"]
        return cls(Model.of(models["single"]), Model.of(models["multi"]), float(data["veto_confidence"]))

    def model(self, single: bool) -> Model:
        return self.single if single else self.multi

    def with_threshold(self, threshold: float) -> Weights:
        """Both models refusing above ``threshold`` instead of their fitted ones (a stricter or
        laxer deployment: BRIEFLY_RISK_THRESHOLD)."""
        return dataclasses.replace(
            self,
            single=dataclasses.replace(self.single, threshold=threshold),
            multi=dataclasses.replace(self.multi, threshold=threshold),
        )


@functools.cache
def default_weights() -> Weights:
    return Weights.load()


@dataclass(frozen=True)
class SpanCite:
    """A clause of the written sentence and the source clause(s) it restates."""

    clause: str
    source: int  # article sentence index
    text: str  # the source clause(s) it was aligned to


@dataclass(frozen=True)
class Judgement:
    """Whether a sentence may ship; ``risk`` the probability it states something its sources do not."""

    supported: bool
    reasons: tuple[str, ...]
    risk: float
    confidence: float
    cites: tuple[int, ...]
    spans: tuple[SpanCite, ...] = ()
    vetoed: bool = False


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


# What a signal pushing a sentence towards refusal means, in words, given its evidence; "" when
# the evidence does not show it (a signal at zero can still push, through a weight fitted against
# its mean: that is no reason to give a reader).
def _novel(e: Evidence) -> str:
    if not e.reading.novel:
        return ""
    return f"uses words its sources neither use nor restate: {', '.join(e.reading.novel[:5])}"


def _present(name: str, said: str) -> Callable[[Evidence], str]:
    return lambda e: said if e.signals[name] > 0 else ""


def _moved(kind: str) -> Callable[[Evidence], str]:
    def say(e: Evidence) -> str:
        return "; ".join(f.describe() for f in e.reading.findings if f.kind == kind)

    return say


SIGNAL_REASONS: dict[str, Callable[[Evidence], str]] = {
    "similarity": lambda e: f"means something no article sentence says (closest cosine {e.signals['similarity']:.2f})",
    "source_similarity": lambda e: f"reads far from its sources (cosine {e.signals['source_similarity']:.2f})",
    "novel": _novel,
    "novel_in_article": _novel,
    "novel_share": _novel,
    "pairs_apart": _present("pairs_apart", "puts together words that no article sentence holds together"),
    "pairs_apart_share": _present("pairs_apart", "puts together words that no article sentence holds together"),
    "anchors_apart": _present("anchors_apart", "relates names or numbers that no article sentence relates"),
    "name_moved": _moved("name_moved"),
    "number_moved": _moved("number_moved"),
    "number_changed": _moved("number_changed"),
    "time_moved": _moved("time_moved"),
    "certainty_added": _moved("certainty_added"),
    "sequence_added": _moved("sequence_added"),
    "words": lambda e: "",  # length is no error in itself: it only weighs the others
    "sources": lambda e: f"merges {len(e.sources)} article sentences" if len(e.sources) > 1 else "",
}
MAX_REASONS = 3


class Judge:
    """Verdicts from evidence with fitted weights; ``remote`` (optional) asks a judge model."""

    def __init__(
        self, weights: Weights | None = None, remote: Callable[[str, str], float | None] | None = None
    ) -> None:
        self.weights = weights or default_weights()
        self.remote = remote

    def judge(self, evidence: Evidence, sources_text: Callable[[list[int]], str], single: bool = False) -> Judgement:
        """The verdict on ``evidence``; ``sources_text`` gives the sources' text (for a judge model);
        ``single``: the sentence is the whole text (a headline, a TL;DR, a one-sentence summary)."""
        reading = evidence.reading
        spans = tuple(SpanCite(clause, source, text) for clause, source, text in reading.aligned)
        cites = tuple(evidence.sources)
        model = self.weights.model(single)
        signals = evidence.vector()
        logit = model.logit(signals)
        vetoes = [f.describe() for f in reading.findings if f.veto]
        if vetoes:
            risk = max(_sigmoid(logit), self.weights.veto_confidence)
            return Judgement(False, tuple(vetoes), risk, self.weights.veto_confidence, cites, spans, vetoed=True)
        remote_reason = None
        if self.remote is not None:
            p_supported = self.remote(sources_text(evidence.sources), evidence.text)
            if p_supported is not None:
                p = min(max(p_supported, 1e-3), 1 - 1e-3)
                logit += REMOTE_WEIGHT * math.log((1 - p) / p)
                if p < 0.5:
                    remote_reason = f"the judge model finds no support in its sources (p={p:.2f})"
        risk = _sigmoid(logit)
        supported = risk <= model.threshold
        reasons: list[str] = []
        if not supported:
            if remote_reason:
                reasons.append(remote_reason)
            pushes = sorted(model.contributions(signals).items(), key=lambda kv: -kv[1])
            for name, push in pushes:
                if push <= 0 or len(reasons) >= MAX_REASONS:
                    break
                said = SIGNAL_REASONS[name](evidence)
                if said and said not in reasons:
                    reasons.append(said)
            if not reasons:
                reasons.append("its sources hold too little of what it says")
            reasons.append(f"risk {risk:.2f} is over the threshold {model.threshold:.2f}")
        confidence = 1 - risk if supported else risk
        return Judgement(supported, tuple(reasons), risk, confidence, cites, spans)


def summary_support(judgements: list[Judgement]) -> float:
    """The probability a summary is faithful: none of its sentences errs (the model's noisy-OR)."""
    return float(np.prod([1.0 - j.risk for j in judgements])) if judgements else 0.0
