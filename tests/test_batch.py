"""Batches over HTTP and from the command line: per-item results, per-item errors, resuming."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from service.engine.engine import Engine
from service.http.app import create_app
from service.settings import Settings
from tests.fakes import HashingEmbedder, ReplayGenerator
from tests.support import ARTICLE, error_of

ROOT = Path(__file__).resolve().parent.parent
PAGE = f"<html><head><title>Library vote</title></head><body><nav>Home | News</nav><article><p>{ARTICLE}</p></article></body></html>"


def test_each_item_gets_its_own_result_and_one_bad_item_fails_nobody(client: FlaskClient) -> None:
    articles = [
        {"id": "good", "article": ARTICLE},
        {"id": "empty", "article": "   "},
        {"id": "bad-length", "article": ARTICLE, "lengths": ["epic"]},
        {"article": ARTICLE},  # no id
        {"id": "good", "article": ARTICLE},  # duplicate id
        {"id": "page", "html": PAGE, "lengths": ["headline"]},
        "not an object",
        {"id": "extra", "article": ARTICLE, "colour": "blue"},
    ]
    r = client.post(
        "/v1/briefings/batch", json={"articles": articles, "lengths": ["tldr", "key_points"], "mode": "extractive"}
    )
    assert r.status_code == 200
    body = r.get_json()
    results = body["results"]
    assert [x["status"] for x in results] == [200, 422, 422, 422, 422, 200, 422, 422]
    assert (body["succeeded"], body["failed"]) == (2, 6)
    good, empty, bad_length, no_id, duplicate, page, not_object, extra = results
    assert list(good["result"]["briefings"]) == ["tldr", "key_points"]  # the batch-wide default
    assert list(page["result"]["briefings"]) == ["headline"]  # the item's own option wins
    assert page["result"]["input"]["extracted"]["title"] == "Library vote"
    assert empty["error"]["field"] == "article"
    assert bad_length["error"]["field"] == "lengths"
    assert no_id["id"] is None
    assert no_id["index"] == 3
    assert no_id["error"]["field"] == "id"
    assert "duplicate" in duplicate["error"]["message"]
    assert not_object["index"] == 6
    assert extra["error"]["field"] == "colour"


@pytest.mark.parametrize(
    ("kwargs", "status", "field"),
    [
        ({"json": {"articles": []}}, 422, "articles"),
        ({"json": {"articles": "x"}}, 422, "articles"),
        ({"json": {"articles": [{"id": "a", "article": ARTICLE}], "mode": "psychic"}}, 422, "mode"),
        ({"json": {"articles": [{"id": "a", "article": ARTICLE}], "lengths": ["epic"]}}, 422, "lengths"),
        ({"json": {"articles": [{"id": "a", "article": ARTICLE}], "title": "x"}}, 422, "title"),
        ({"json": {"articles": [{"id": str(i), "article": ARTICLE} for i in range(21)]}}, 413, "articles"),
        ({"data": ARTICLE, "content_type": "text/plain"}, 415, None),
    ],
)
def test_the_batch_envelope_is_checked_before_any_work(
    client: FlaskClient, kwargs: dict, status: int, field: str | None
) -> None:
    r = client.post("/v1/briefings/batch", **kwargs)
    assert r.status_code == status
    assert error_of(r).get("field") == field


def test_an_internal_failure_is_one_items_generic_500(settings: Settings) -> None:
    def reply(prompt):
        if "Critics" in prompt.user:
            raise ZeroDivisionError("secret internals")
        return ""

    engine = Engine(settings, generator=ReplayGenerator(reply=reply), embedder=HashingEmbedder())
    engine.load()
    client = create_app(settings, engine=engine).test_client()
    articles = [
        {"id": "boom", "article": ARTICLE},
        {"id": "fine", "article": "Rebels took the city of Hama on Thursday. Thousands fled south."},
    ]
    r = client.post("/v1/briefings/batch", json={"articles": articles, "mode": "auto", "lengths": ["tldr"]})
    boom, fine = r.get_json()["results"]
    assert boom["status"] == 500
    assert "secret" not in json.dumps(boom)
    assert fine["status"] == 200


def test_items_not_started_within_the_budget_say_so(settings: Settings) -> None:
    slow = dataclasses.replace(settings, request_timeout_s=0.2)
    engine = Engine(
        slow,
        generator=ReplayGenerator(reply=lambda p: "Springfield votes", seconds_per_word=0.08),
        embedder=HashingEmbedder(),
    )
    engine.load()
    client = create_app(slow, engine=engine).test_client()
    articles = [{"id": str(i), "article": ARTICLE} for i in range(5)]
    results = client.post(
        "/v1/briefings/batch", json={"articles": articles, "mode": "auto", "lengths": ["headline"]}
    ).get_json()["results"]
    assert results[0]["status"] == 200
    assert results[-1]["status"] == 504
    assert "not attempted" in results[-1]["error"]["message"]


# ---------------------------------------------------------------- the CLI
def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "service", "batch", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ, **(env or {})),
    )


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


@pytest.mark.slow
def test_cli_records_errors_resumes_and_survives_a_torn_last_line(tmp_path: Path) -> None:
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "a", "article": ARTICLE, "reference": "ignored extra column"},
            {"id": "b", "article": ""},
            "{not json",
            {"id": "c", "article": ARTICLE},
        ],
    )
    out = tmp_path / "out.jsonl"
    out.write_text(
        json.dumps({"id": "a", "status": 200, "result": {"kept": True}}) + "\n" + '{"id": "c", "sta'
    )  # torn by a kill
    done = run_cli(str(source), str(out), "--lengths", "tldr")
    assert done.returncode == 1, done.stderr  # some items failed: exit 1, everything recorded
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    by_id = {row["id"]: row for row in rows if row["id"]}
    assert by_id["a"]["result"] == {"kept": True}  # already done: skipped, not redone
    assert by_id["b"]["status"] == 422
    assert by_id["c"]["status"] == 200
    assert list(by_id["c"]["result"]["briefings"]) == ["tldr"]
    assert any(row["status"] == 400 and row["index"] == 2 for row in rows)  # the unparsable line
    assert "skipped 1 already done" in done.stderr
    assert "100%" in done.stderr
    again = run_cli(str(source), str(out), "--lengths", "tldr")
    assert "nothing to do" in again.stderr
    assert out.read_text().count("\n") == len(rows)


@pytest.mark.slow
def test_cli_interrupted_keeps_every_finished_item_and_resumes(tmp_path: Path, seed_article: str) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": str(i), "article": seed_article} for i in range(400)])
    out = tmp_path / "out.jsonl"
    # As in a terminal: Ctrl-C is not ignored (a test run started in the background, e.g. under
    # nohup, passes SIGINT on ignored, and Python then never raises KeyboardInterrupt).
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "batch", str(source), str(out)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 300
    while (not out.exists() or out.read_text().count("\n") < 3) and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted" in stderr
    finished = [json.loads(line) for line in out.read_text().splitlines()]  # every line whole
    assert 3 <= len(finished) < 400
    assert all(row["status"] == 200 for row in finished)
    resumed = subprocess.run(
        [sys.executable, "-m", "service", "batch", str(source), str(out), "--limit", "5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert f"skipped {len(finished)} already done" in resumed.stderr
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == len(finished) + 5


def run_command(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        input=stdin,
        env=dict(os.environ, **(env or {})),
    )


@pytest.mark.slow
def test_cli_brief_and_rewrite_refuse_bad_input_by_the_api_rules_before_loading_a_model(tmp_path: Path) -> None:
    # A model that cannot load: had any command tried to load it, its error would be that one.
    no_model = {"MODEL": str(tmp_path / "no-such-model")}
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE)
    unknown = run_command("brief", "--lengths", "tldr,haiku", str(article), env=no_model)
    assert unknown.returncode == 2
    assert "unknown lengths ['haiku']" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    invisible = run_command("rewrite", "--style", "plain", "-", stdin="\u200b\u2060\ufeff  \n", env=no_model)
    assert invisible.returncode == 2
    assert "'text' is empty" in invisible.stderr
    binary = tmp_path / "latin1.txt"
    binary.write_bytes("Caf\xe9 au lait".encode("latin-1"))
    unreadable = run_command("brief", str(binary), env=no_model)
    assert unreadable.returncode == 2
    assert unreadable.stderr.startswith("error:")
    assert "Traceback" not in unreadable.stderr
    assert "cannot load" not in unknown.stderr + invisible.stderr + unreadable.stderr
    valid = run_command("brief", "--lengths", "tldr", str(article), env=no_model)  # the same model, a valid request
    assert valid.returncode == 2
    assert "cannot load" in valid.stderr


@pytest.mark.slow
def test_cli_brief_reads_a_web_page_and_cleans_invisible_characters(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE.replace("library", "lib\u200brary"))
    done = run_command("brief", "--html", "--lengths", "tldr,headline", "--mode", "extractive", "--json", str(page))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert list(result["briefings"]) == ["tldr", "headline"]
    assert result["mode"] == "extractive"
    assert not any("Home | News" in s for s in result["article_sentences"])  # the page's navigation is not the article
    assert "\u200b" not in done.stdout
    assert any("library" in s for s in result["article_sentences"])
