"""The batch API (OpenAI's Files and Batches shapes) through the ``openai`` client, on both back ends:
the embedded default (SQLite state, private redis-server) and a real Redis server of the test's own."""

from __future__ import annotations

import io
import json
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import openai
import pytest
import requests

from tests.batch_support import (
    BACKEND_PARAMS,
    Service,
    SlowEmbedder,
    backend_settings,
    briefing_line,
    file_lines,
    jsonl,
    redis_server,
    service_in_thread,
    wait_final,
)
from tests.server import short_dir
from tests.support import ARTICLE


@pytest.fixture(params=BACKEND_PARAMS)
def backend(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any]]:
    """(backend name, a factory of settings for it)."""
    with ExitStack() as stack:
        data = short_dir()
        stack.callback(shutil.rmtree, data, ignore_errors=True)
        url = stack.enter_context(redis_server(data)) if request.param == "redis" else ""
        yield request.param, lambda **kw: backend_settings(request.param, data, url, **kw)


def client_for(service: Service, key: str = "none") -> openai.OpenAI:
    return openai.OpenAI(base_url=service.base + "/v1", api_key=key, max_retries=0)


def upload(client: openai.OpenAI, data: bytes) -> Any:
    return client.files.create(file=("in.jsonl", io.BytesIO(data)), purpose="batch")


def test_the_whole_lifecycle_through_the_openai_client(backend: tuple[str, Any]) -> None:
    _, make = backend
    with service_in_thread(make()) as service:
        client = client_for(service)
        lines = [briefing_line(f"a{i}") for i in range(12)]
        lines += [
            "{not json",
            briefing_line("empty", article=""),
            briefing_line("x").replace("/v1/briefings", "/v1/nope"),
        ]
        uploaded = upload(client, jsonl(lines))
        assert (uploaded.object, uploaded.purpose, uploaded.status) == ("file", "batch", "processed")
        assert client.files.retrieve(uploaded.id).bytes == len(jsonl(lines))
        assert client.files.content(uploaded.id).content == jsonl(lines)
        batch = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/briefings", completion_window="24h", metadata={"desk": "wire"}
        )
        assert batch.status in ("validating", "in_progress")
        assert batch.metadata == {"desk": "wire"}
        batch = wait_final(client, batch.id)
        assert batch.status == "completed"
        assert (batch.request_counts.total, batch.request_counts.completed, batch.request_counts.failed) == (15, 12, 3)
        assert batch.created_at <= batch.in_progress_at <= batch.finalizing_at <= batch.completed_at
        assert batch.expires_at == batch.created_at + 86400
        output, errors = file_lines(client, batch.output_file_id), file_lines(client, batch.error_file_id)
        assert [line["custom_id"] for line in output] == [f"a{i}" for i in range(12)]
        # Each answer is what the synchronous endpoint answers for the same body.
        direct = requests.post(service.base + "/v1/briefings", json=json.loads(lines[0])["body"], timeout=30).json()
        first = output[0]["response"]
        assert first["status_code"] == 200
        assert output[0]["error"] is None
        assert first["body"]["briefings"] == direct["briefings"]
        assert first["body"]["mode"] == "extractive"
        by_id = {line["custom_id"]: line for line in errors}
        assert by_id[None]["error"]["code"] == "malformed_request"
        assert by_id[None]["response"] is None
        assert by_id["empty"]["response"]["status_code"] == 422
        assert by_id["empty"]["response"]["body"]["error"]["field"] == "article"
        assert by_id["x"]["error"]["code"] == "invalid_input"
        assert "/v1/nope" in by_id["x"]["error"]["message"]
        assert len({line["id"] for line in output + errors}) == 15
        # Listing, newest first, paginated.
        second = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/briefings", completion_window="24h")
        page = client.batches.list(limit=1)
        assert [b.id for b in page.data] == [second.id]
        assert page.has_more
        assert [b.id for b in client.batches.list(limit=5, after=second.id).data] == [batch.id]
        wait_final(client, second.id)
        assert client.files.delete(uploaded.id).deleted
        with pytest.raises(openai.NotFoundError):
            client.files.retrieve(uploaded.id)


@pytest.mark.parametrize("endpoint", ["/v1/rewrite", "/v1/check"])
def test_rewrite_and_check_items_answer_as_their_endpoints(backend: tuple[str, Any], endpoint: str) -> None:
    _, make = backend
    body = (
        {"text": ARTICLE, "style": "plain"}
        if endpoint == "/v1/rewrite"
        else {"article": ARTICLE, "summary": "The council voted."}
    )
    with service_in_thread(make()) as service:
        client = client_for(service)
        line = json.dumps({"custom_id": "one", "method": "POST", "url": endpoint, "body": body})
        batch = client.batches.create(
            input_file_id=upload(client, jsonl([line])).id, endpoint=endpoint, completion_window="24h"
        )  # type: ignore[arg-type]
        batch = wait_final(client, batch.id)
        (answer,) = file_lines(client, batch.output_file_id)
        direct = requests.post(service.base + endpoint, json=body, timeout=30).json()
        keys = ("text", "style") if endpoint == "/v1/rewrite" else ("supported", "sentences")
        assert {k: answer["response"]["body"][k] for k in keys} == {k: direct[k] for k in keys}


def test_bad_uploads_and_requests_get_clear_json_errors(backend: tuple[str, Any]) -> None:
    _, make = backend
    with service_in_thread(make(batch_max_lines=5, batch_max_file_bytes=20_000), consume=False) as service:
        client = client_for(service)

        def post_file(data: bytes, purpose: str = "batch") -> requests.Response:
            return requests.post(
                service.base + "/v1/files", files={"file": ("f.jsonl", data)}, data={"purpose": purpose}, timeout=30
            )

        cases = {
            "not jsonl": (post_file(b"just some text\nmore text\n"), 400, "malformed_request"),
            "binary": (post_file(b"\xff\xfe\x00garbage"), 400, "malformed_request"),
            "empty": (post_file(b"\n\n"), 422, "invalid_input"),
            "too many lines": (
                post_file(jsonl([briefing_line(f"{i}", article="x") for i in range(6)])),
                413,
                "payload_too_large",
            ),
            "too big": (post_file(b"{}\n" * 8000), 413, "payload_too_large"),
            "duplicates": (post_file(jsonl([briefing_line("same", article="x")] * 2)), 422, "invalid_input"),
            "purpose": (post_file(jsonl([briefing_line("a")]), purpose="fine-tune"), 422, "invalid_input"),
            "not multipart": (
                requests.post(service.base + "/v1/files", json={}, timeout=30),
                415,
                "unsupported_media_type",
            ),
            "no file": (
                requests.post(
                    service.base + "/v1/files", data={"purpose": "batch"}, files={"x": ("a", b"b")}, timeout=30
                ),
                422,
                "invalid_input",
            ),
        }
        for name, (response, status, code) in cases.items():
            assert (response.status_code, response.json()["error"]["code"]) == (status, code), name
        assert "'same' (lines 1 and 2)" in cases["duplicates"][0].json()["error"]["message"]
        good = upload(client, jsonl([briefing_line("a")])).id
        create = lambda **body: requests.post(service.base + "/v1/batches", json=body, timeout=30)  # noqa: E731
        refused = {
            "endpoint": (create(input_file_id=good, endpoint="/v1/chat/completions"), 422, "endpoint"),
            "window": (
                create(input_file_id=good, endpoint="/v1/check", completion_window="forever"),
                422,
                "completion_window",
            ),
            "file": (create(input_file_id="file-nope", endpoint="/v1/check"), 404, "file_id"),
            "field": (create(input_file_id=good, endpoint="/v1/check", colour=1), 422, "colour"),
            "metadata": (create(input_file_id=good, endpoint="/v1/check", metadata={"k" * 65: "v"}), 422, "metadata"),
        }
        for name, (response, status, field) in refused.items():
            assert (response.status_code, response.json()["error"].get("field")) == (status, field), name
        not_json = requests.post(
            service.base + "/v1/batches", data="{", headers={"Content-Type": "application/json"}, timeout=30
        )
        assert not_json.status_code == 400
        assert requests.get(service.base + "/v1/batches/batch_nope", timeout=30).status_code == 404
        assert requests.get(service.base + "/v1/batches?limit=0", timeout=30).status_code == 422


def test_a_line_over_the_article_limit_gets_its_own_413(backend: tuple[str, Any]) -> None:
    _, make = backend
    with service_in_thread(make(max_article_chars=2_000)) as service:
        client = client_for(service)
        data = jsonl([briefing_line("long", article="word " * 1_000), briefing_line("fine", article=ARTICLE[:1_500])])
        batch = wait_final(
            client,
            client.batches.create(
                input_file_id=upload(client, data).id, endpoint="/v1/briefings", completion_window="24h"
            ).id,
        )
        (error,) = file_lines(client, batch.error_file_id)
        assert error["custom_id"] == "long"
        assert error["response"]["status_code"] == 413
        assert [line["custom_id"] for line in file_lines(client, batch.output_file_id)] == ["fine"]


def test_cancel_stops_new_items_and_keeps_finished_ones(backend: tuple[str, Any]) -> None:
    _, make = backend
    with service_in_thread(make(), embedder=SlowEmbedder(0.1)) as service:
        client = client_for(service)
        data = jsonl([briefing_line(f"c{i}") for i in range(40)])
        batch = client.batches.create(
            input_file_id=upload(client, data).id, endpoint="/v1/briefings", completion_window="24h"
        )
        while client.batches.retrieve(batch.id).request_counts.completed < 3:  # type: ignore[union-attr]
            time.sleep(0.05)
        cancelling = client.batches.cancel(batch.id)
        assert cancelling.status in ("cancelling", "cancelled")
        assert cancelling.cancelling_at
        batch = wait_final(client, batch.id)
        assert batch.status == "cancelled"
        assert batch.cancelled_at >= batch.cancelling_at
        kept = file_lines(client, batch.output_file_id)
        assert 3 <= len(kept) == batch.request_counts.completed < 40
        assert all(line["response"]["status_code"] == 200 for line in kept)
        time.sleep(1)
        assert client.batches.retrieve(batch.id).request_counts.completed == len(kept)  # nothing ran after
        done = client.batches.create(
            input_file_id=upload(client, jsonl([briefing_line("z")])).id,
            endpoint="/v1/briefings",
            completion_window="24h",
        )
        finished = wait_final(client, done.id)
        with pytest.raises(openai.ConflictError):
            client.batches.cancel(finished.id)


def test_past_its_window_a_batch_expires_with_its_partial_results(backend: tuple[str, Any]) -> None:
    _, make = backend
    with service_in_thread(make(), embedder=SlowEmbedder(0.15)) as service:
        client = client_for(service)
        data = jsonl([briefing_line(f"e{i}") for i in range(40)])
        batch = client.batches.create(
            input_file_id=upload(client, data).id, endpoint="/v1/briefings", completion_window="2s"
        )  # type: ignore[arg-type]
        assert batch.expires_at == batch.created_at + 2
        batch = wait_final(client, batch.id)
        assert batch.status == "expired"
        assert batch.expired_at >= batch.expires_at
        output, errors = file_lines(client, batch.output_file_id), file_lines(client, batch.error_file_id)
        time.sleep(1)  # an item running at expiry finishes, but joins neither the counts nor the files
        assert client.batches.retrieve(batch.id).request_counts == batch.request_counts
        assert file_lines(client, batch.output_file_id) == output
        assert 0 < len(output) == batch.request_counts.completed < 40
        assert {line["error"]["code"] for line in errors} == {"batch_expired"}
        assert sorted(line["custom_id"] for line in output + errors) == sorted(f"e{i}" for i in range(40))


def test_keys_see_only_their_own_files_and_batches(backend: tuple[str, Any]) -> None:
    _, make = backend
    with service_in_thread(make(api_keys="key-one,key-two")) as service:
        one, two = client_for(service, "key-one"), client_for(service, "key-two")
        uploaded = upload(one, jsonl([briefing_line("mine")]))
        batch = wait_final(
            one, one.batches.create(input_file_id=uploaded.id, endpoint="/v1/briefings", completion_window="24h").id
        )
        for call in (
            lambda: two.files.retrieve(uploaded.id),
            lambda: two.files.content(uploaded.id),
            lambda: two.files.content(batch.output_file_id),  # type: ignore[arg-type]
            lambda: two.files.delete(uploaded.id),
            lambda: two.batches.retrieve(batch.id),
            lambda: two.batches.cancel(batch.id),
            lambda: two.batches.create(input_file_id=uploaded.id, endpoint="/v1/briefings", completion_window="24h"),
        ):
            with pytest.raises(openai.NotFoundError):
                call()
        assert two.batches.list().data == []
        assert [b.id for b in one.batches.list().data] == [batch.id]
        assert requests.get(service.base + "/v1/batches", timeout=30).status_code == 401
        assert file_lines(one, batch.output_file_id)[0]["custom_id"] == "mine"


def test_items_refused_with_503_are_retried_with_backoff(backend: tuple[str, Any]) -> None:
    """A worker whose engine is not ready answers 503: the item is retried (Dramatiq's backoff from
    1 s), not recorded as failed, and succeeds once the engine is ready."""
    _, make = backend
    with service_in_thread(make()) as service:
        client = client_for(service)
        service.engine.state = "loading"
        threading.Timer(2.5, lambda: setattr(service.engine, "state", "ready")).start()
        uploaded = requests.post(
            service.base + "/v1/files",
            files={"file": ("f.jsonl", jsonl([briefing_line("r1"), briefing_line("r2")]))},
            data={"purpose": "batch"},
            timeout=30,
        ).json()
        batch = requests.post(
            service.base + "/v1/batches",
            json={"input_file_id": uploaded["id"], "endpoint": "/v1/briefings"},
            timeout=30,
        ).json()
        batch = wait_final(client, batch["id"], stall_s=60)
        assert (batch.status, batch.request_counts.completed, batch.request_counts.failed) == ("completed", 2, 0)


def test_a_file_a_running_batch_reads_cannot_be_deleted(backend: tuple[str, Any]) -> None:
    _, make = backend
    with service_in_thread(make(), embedder=SlowEmbedder(0.1)) as service:
        client = client_for(service)
        uploaded = upload(client, jsonl([briefing_line(f"d{i}") for i in range(20)]))
        batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/briefings", completion_window="24h")
        with pytest.raises(openai.ConflictError):
            client.files.delete(uploaded.id)
        assert wait_final(client, batch.id).status == "completed"
        assert client.files.delete(uploaded.id).deleted


def test_a_line_over_the_largest_body_gets_its_own_413_and_keeps_its_custom_id(backend: tuple[str, Any]) -> None:
    _, make = backend
    with service_in_thread(make(max_body_bytes=20_000)) as service:
        client = client_for(service)
        data = jsonl([briefing_line("huge", article="word " * 10_000), briefing_line("fine")])
        batch = client.batches.create(
            input_file_id=upload(client, data).id, endpoint="/v1/briefings", completion_window="24h"
        )
        batch = wait_final(client, batch.id)
        (error,) = file_lines(client, batch.error_file_id)
        assert (error["custom_id"], error["response"], error["error"]["code"]) == ("huge", None, "payload_too_large")
        assert [line["custom_id"] for line in file_lines(client, batch.output_file_id)] == ["fine"]


def test_a_long_line_is_never_held_whole() -> None:
    """The reader keeps a line's head once it passes the limit, however long the line."""
    from service.engine.batches.jobs import iter_lines, parse_line

    long_line = b'{"custom_id": "big", "body": "' + b"x" * 5_000_000 + b'"}'
    chunks = [long_line[i : i + 65_536] for i in range(0, len(long_line), 65_536)]
    raws = list(iter_lines([b'{"a": 1}\n', *chunks, b"\n\n", b'{"b": 2}'], limit=100_000))
    assert [(r.position, r.whole) for r in raws] == [(0, True), (1, False), (2, True)]
    assert len(raws[1].data) <= 100_000 + 65_536
    key, line, error, custom_id = parse_line(raws[1], 100_000)
    assert (key, line, custom_id, error.code) == ("c:big", None, "big", "payload_too_large")  # type: ignore[union-attr]


def test_an_unreachable_queue_is_a_503_not_a_500() -> None:
    from tests.server import free_port

    data = short_dir()
    try:
        settings = backend_settings("redis", data, f"redis://127.0.0.1:{free_port()}/0")
        with service_in_thread(settings, consume=False) as service:
            answer = requests.post(
                service.base + "/v1/files",
                files={"file": ("f.jsonl", jsonl([briefing_line("a")]))},
                data={"purpose": "batch"},
                timeout=60,
            )
            assert (answer.status_code, answer.json()["error"]["code"]) == (503, "queue_unavailable")
            assert "Traceback" not in answer.text
            assert "redis" not in answer.json()["error"]["message"].lower()
            listed = requests.get(service.base + "/v1/batches", timeout=60)
            assert listed.status_code == 503
    finally:
        shutil.rmtree(data, ignore_errors=True)


def test_a_long_item_is_not_run_again_while_its_worker_lives(
    backend: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An item running three redelivery timeouts long, with a second worker idle beside it: the
    running worker's heartbeat (five beats a timeout) keeps the item its own, so it runs once."""
    from service.engine import serving
    from service.engine.batches import jobs
    from service.engine.batches.runner import ItemWorker

    runs: list[str] = []

    def slow_brief(engine: Any, request: Any) -> Any:
        runs.append(request.article[:10])
        time.sleep(6)
        return serving.brief(engine, request)

    monkeypatch.setitem(jobs.ENDPOINTS, "/v1/briefings", (jobs.ENDPOINTS["/v1/briefings"][0], slow_brief))
    _, make = backend
    with service_in_thread(make(batch_redeliver_s=2)) as service:
        second = ItemWorker(service.engine)
        second.start()
        try:
            client = client_for(service)
            batch = client.batches.create(
                input_file_id=upload(client, jsonl([briefing_line("long")])).id,
                endpoint="/v1/briefings",
                completion_window="24h",
            )
            assert wait_final(client, batch.id).status == "completed"
            time.sleep(3)  # a redelivered copy would have started by now
        finally:
            second.stop(timeout_s=10)
    assert len(runs) == 1


def test_list_parameters_are_checked(backend: tuple[str, Any]) -> None:
    _, make = backend
    with service_in_thread(make(), consume=False) as service:
        for query, field in (("limit=abc", "limit"), ("limit=101", "limit"), ("after=" + "b" * 201, "after")):
            answer = requests.get(f"{service.base}/v1/batches?{query}", timeout=30)
            assert (answer.status_code, answer.json()["error"]["field"]) == (422, field), query
        assert requests.get(f"{service.base}/v1/batches?limit=3&order=desc", timeout=30).status_code == 200


def test_the_command_line_submits_a_file_to_a_running_service_and_waits(
    backend: tuple[str, Any], tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """`briefly batch --server URL IN OUT`: local-format items (and OpenAI-format lines) uploaded,
    a batch started, its progress shown, the output and error lines written to OUT."""
    from service.__main__ import main

    _, make = backend
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(
            [
                json.dumps({"id": "local-1", "article": ARTICLE}),
                "{not json",
                briefing_line("openai-1"),
                json.dumps({"id": "local-2", "article": ""}),
            ]
        )
        + "\n"
    )
    with service_in_thread(make()) as service:
        code = main(["batch", "--server", service.base, str(source), str(tmp_path / "out.jsonl"), "--lengths", "tldr"])
    lines = {line.get("custom_id"): line for line in map(json.loads, (tmp_path / "out.jsonl").read_text().splitlines())}
    assert code == 1  # some lines failed
    assert set(lines) == {"local-1", "openai-1", "local-2", None}
    assert lines["local-1"]["response"]["status_code"] == 200
    assert list(lines["local-1"]["response"]["body"]["briefings"]) == ["tldr"]
    assert lines["local-2"]["response"]["status_code"] == 422
    assert lines[None]["error"]["code"] == "malformed_request"
    err = capsys.readouterr().err
    assert "4 lines" in err
    assert "completed: 2 answered 200, 2 failed" in err
