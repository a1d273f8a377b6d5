"""bench/writers' instrument: a real summary replayed through the real engine ships, or is refused and
replaced, exactly as the service decides; and the benchmark counts what happened."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from replay import CachedEmbedder, ReplayGenerator, detokenise, shaped

from service.briefing.briefer import BriefingJob
from service.briefing.lengths import ADJUSTABLE, LENGTHS, LengthSpec
from service.engine.engine import Engine
from service.models.embedder import HFEmbedder
from service.models.generator import Prompt
from service.models.weights import embedder_folder
from service.settings import PROJECT_ROOT, Settings
from tests.support import ARTICLE, SYRIA_ARTICLE

ROOT = Path(__file__).resolve().parent.parent
COPIED = "Rebels captured the city of Hama on Thursday after several days of fighting with government forces."
CHANGED = (
    "More than 380,000 people have been displaced since the offensive began, the UN said."  # 280,000 in the article
)


@pytest.fixture(scope="module")
def embedder() -> CachedEmbedder:
    model = HFEmbedder(str(embedder_folder()))
    model.load()
    return CachedEmbedder(model)


@pytest.fixture
def engine(tmp_path: Path, embedder: CachedEmbedder) -> Engine:
    """The engine as bench/writers builds it: free writing on, the replay as its model, the real embedder."""
    settings = Settings(cache_dir=str(tmp_path), free_writing="on", model_languages="*")
    replay = ReplayGenerator(Engine(settings).prompts)
    eng = Engine(settings, generator=replay, embedder=embedder)
    eng.load()
    return eng


def brief(engine: Engine, summary: str, specs: dict[str, LengthSpec], article: str = SYRIA_ARTICLE):
    replay = engine.generator
    assert isinstance(replay, ReplayGenerator)
    replay.play(summary, list(specs.values()))
    return engine.brief(BriefingJob(article, lengths=tuple(specs), mode="auto", sizes=specs)).briefings


def test_a_sentence_copied_from_the_article_ships_as_written(engine: Engine) -> None:
    tldr = brief(engine, COPIED, {"tldr": LENGTHS["tldr"]})["tldr"]
    assert [(s.origin, s.text) for s in tldr.sentences] == [("generated", COPIED)]
    assert tldr.rejected == []
    assert tldr.within_contract


def test_a_changed_number_is_refused_and_replaced_from_the_article(engine: Engine) -> None:
    tldr = brief(engine, CHANGED, {"tldr": LENGTHS["tldr"]})["tldr"]
    assert [r.text for r in tldr.rejected] == [CHANGED]
    reasons = tldr.rejected[0].reasons
    assert any(r.startswith("the number 380000") for r in reasons), reasons
    assert len(tldr.sentences) == 1
    assert tldr.sentences[0].origin in ("extracted", "condensed")
    assert "380,000" not in tldr.text
    assert tldr.within_contract


def test_key_points_offer_every_sentence_and_fill_the_refused_one(engine: Engine) -> None:
    summary = (
        f"{COPIED} {CHANGED} Iran said it was ready to send more forces to Syria if the government asked for them."
    )
    spec = ADJUSTABLE["key_points"].resize(LENGTHS["key_points"], items=3)
    points = brief(engine, summary, {"key_points": spec})["key_points"]
    assert isinstance(engine.generator, ReplayGenerator)
    assert engine.generator.asked[-1] == "key_points"
    origins = [s.origin for s in points.sentences]
    assert origins.count("generated") == 2
    assert len(origins) == 3
    assert [r.text for r in points.rejected] == [CHANGED]


def test_the_replay_shapes_the_summary_for_the_length_it_recognises() -> None:
    replay = ReplayGenerator(Engine(Settings()).prompts)
    specs = [LENGTHS["headline"], LENGTHS["key_points"], LENGTHS["paragraph"]]
    replay.play("First one. Second one.", specs)
    rendered = [replay.prompts.render_briefing(spec, ARTICLE, "A title") for spec in specs]
    replies = replay.generate([Prompt(user=user, source=ARTICLE) for user in rendered])
    assert [g.text for g in replies] == ["First one.", "- First one.\n- Second one.", "First one. Second one."]
    assert shaped("sentence", ["Only.", "Not this."]) == "Only."
    with pytest.raises(ValueError, match="no length"):
        replay.generate([Prompt(user="Rewrite this sentence: x", source="x")])


def test_tokenised_summaries_are_detokenised() -> None:
    text = "the 23-year-old , who calls herself ` the barbie from down under ' , did n't win £ 12,000 ."
    assert detokenise(text) == "the 23-year-old, who calls herself 'the barbie from down under', didn't win £12,000."
    spaced = "City won 2 - 1 in the north - east on Friday - a first - and paid £ 50 m , 5 % more ."
    expected = "City won 2-1 in the north-east on Friday - a first - and paid £50m, 5% more."
    assert detokenise(spaced, "Snow fell in the North-East.") == expected


@pytest.mark.slow
def test_the_benchmark_counts_a_stopped_error_and_a_faithful_summary_shipped_whole(tmp_path: Path) -> None:
    articles = tmp_path / "articles.jsonl"
    summaries = tmp_path / "summaries.jsonl"
    articles.write_text(
        json.dumps({"id": "syria", "article": SYRIA_ARTICLE})
        + "\n"
        + json.dumps({"id": "lib", "article": ARTICLE})
        + "\n"
    )
    faithful = f"{COPIED} Iran said it was ready to send more forces to Syria if the government asked for them."
    unfaithful = "The city council of Springfield voted 9 to 2 on Tuesday to build a new library on Main Street."
    rows = [
        {"id": "syria", "model": "W", "summary": faithful, "human_factuality": 1.0, "origin": "cnndm"},
        {"id": "lib", "model": "W", "summary": unfaithful, "human_factuality": 0.0, "origin": "cnndm"},
    ]
    summaries.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.json"
    command = [sys.executable, str(ROOT / "bench" / "writers"), "--articles", str(articles), "--summaries"]
    command += [str(summaries), "--condense-model", "none", "--json", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    row = next(r for r in report["rows"] if r["system"] == "W")
    assert (row["dataset"], row["length"], row["faithful"], row["unfaithful"]) == ("cnndm", "fit", 1, 1)
    assert row["unfaithful_stopped"]["hits"] == 1
    assert row["faithful_whole"]["hits"] == 1
    assert (row["faithful_sentences_kept"]["hits"], row["faithful_sentences_kept"]["n"]) == (2, 2)
    assert row["contract_refused_sentences"] == 0
    # The faithful summary ships as written (2 sentences), the refused one is replaced from its article.
    assert row["shipped_sentences"] == 3
    assert row["reader"]["generated"] == pytest.approx(2 / 3)
    assert row["check_unfaithful_stopped"]["hits"] == 1
    assert row["check_faithful_passed"]["hits"] == 1
    lengths = {(o["id"], o["length"]) for o in report["outcomes"]}
    assert lengths == {("syria", "key_points"), ("lib", "tldr")}
    assert "W" in done.stdout
    assert report["settings"]["condense_model"] == "none"
