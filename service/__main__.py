"""Command line: ``python -m service brief FILE``, ``python -m service rewrite --style S FILE``,
``python -m service batch IN.jsonl OUT.jsonl`` (progress bar; resumable; one result line per item;
``--server URL`` submits it to a running service's batch API instead and waits) and
``python -m service worker`` (a queue worker running batch items)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from service.briefing.briefer import FORMATS, MODES
from service.briefing.lengths import LENGTHS
from service.briefing.styles import STYLES
from service.engine import protocol, serving
from service.engine.engine import Engine
from service.engine.protocol import BatchRequest, BatchResult, BriefingRequest, BriefingResponse, RewriteRequest
from service.engine.serving import BriefingIntake
from service.errors import BrieflyError, MalformedRequest
from service.settings import Settings


def _read(path: str) -> str:
    return sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    brief = sub.add_parser("brief", help="print briefings of an article")
    brief.add_argument("file", help="article text file, or - for stdin")
    brief.add_argument("--lengths", default=",".join(LENGTHS), help="comma-separated subset of " + ", ".join(LENGTHS))
    brief.add_argument("--mode", choices=list(MODES), default=None)
    brief.add_argument("--format", choices=FORMATS, default="text")
    brief.add_argument("--title", default=None)
    brief.add_argument(
        "--html",
        action="store_true",
        help="the file is a web page: brief its main text (its title too, unless --title)",
    )
    brief.add_argument("--json", action="store_true", help="print the full JSON response")
    rewrite = sub.add_parser("rewrite", help="rewrite a text in a style")
    rewrite.add_argument("file", help="text file, or - for stdin")
    rewrite.add_argument("--style", choices=list(STYLES), required=True)
    rewrite.add_argument("--json", action="store_true", help="print the full JSON response")
    batch_cmd = sub.add_parser("batch", help="brief every article of a JSONL file into another (resumable)")
    batch_cmd.add_argument(
        "input", help='JSONL: one {"id", "article" or "html", ...options} per line; other fields ignored'
    )
    batch_cmd.add_argument("output", help="JSONL results, appended and flushed per item; ids already there are skipped")
    batch_cmd.add_argument("--lengths", default=None, help="default lengths, comma-separated (items may override)")
    batch_cmd.add_argument("--mode", choices=list(MODES), default=None, help="default mode (items may override)")
    batch_cmd.add_argument("--format", choices=FORMATS, default=None, help="default format (items may override)")
    batch_cmd.add_argument("--limit", type=int, default=None, help="process at most this many new items")
    batch_cmd.add_argument(
        "--server", default=None, help="a running Briefly's base URL: submit the file to its batch API and wait"
    )
    batch_cmd.add_argument(
        "--endpoint", default="/v1/briefings", help="with --server: the endpoint lines in the local format call"
    )
    batch_cmd.add_argument("--window", default="24h", help="with --server: the batch's completion window")
    batch_cmd.add_argument("--api-key", default=None, help="with --server: the API key (or BRIEFLY_API_KEY)")
    worker_cmd = sub.add_parser("worker", help="run batch items from the queue (BRIEFLY_QUEUE_URL) until SIGTERM")
    worker_cmd.add_argument("--threads", type=int, default=None, help="items at once (BRIEFLY_BATCH_THREADS)")
    return parser


def _print_briefings(response: BriefingResponse) -> None:
    for name, briefing in response.briefings.items():
        flag = "" if briefing.within_contract else f"  (outside contract: {', '.join(briefing.violations)})"
        print(f"== {name} ({briefing.words} words){flag}\n{briefing.text}\n")
    print(f"-- {response.model['id']}, mode {response.mode}, {response.timings['total_s']:.1f} s")


def _print_json(response: protocol.BaseModel) -> None:
    print(json.dumps(protocol.dump(response), indent=2, ensure_ascii=False))


def _item_key(item: Any, index: Any) -> str:
    """What identifies an item across runs: its id, or its line number when it has no usable id.
    The same rule for input lines and for the result rows already written."""
    item_id = item.get("id") if isinstance(item, dict) else None
    return item_id if isinstance(item_id, str) else f"#{index}"


def _done_keys(output: Path) -> set[str]:
    """Keys already in ``output``. A last line torn by a kill is cut off, so appending stays valid JSONL."""
    if not output.exists():
        return set()
    data = output.read_bytes()
    if data and not data.endswith(b"\n"):
        with output.open("r+b") as f:
            f.truncate(data.rfind(b"\n") + 1)
        data = data[: data.rfind(b"\n") + 1]
    keys = set()
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            keys.add(_item_key(row, row.get("index")))
    return keys


def _read_items(path: str) -> list[tuple[int, Any]]:
    """(index, item) per line; a line that is not JSON becomes an error result, not a crash."""
    items: list[tuple[int, Any]] = []
    with open(path, encoding="utf-8") as f:
        for index, line in enumerate(f):
            if not line.strip():
                continue
            try:
                items.append((index, json.loads(line)))
            except ValueError as exc:
                items.append((index, MalformedRequest(f"line {index + 1} is not valid JSON: {exc}")))
    return items


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run_batch(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    signal.signal(signal.SIGTERM, _interrupt)  # a kill (or `timeout`) stops as cleanly as Ctrl-C
    defaults = BatchRequest.checked_defaults(
        {k: v for k, v in (("lengths", args.lengths), ("mode", args.mode), ("format", args.format)) if v}
    )
    output = Path(args.output)
    done = _done_keys(output)
    todo = []
    for index, item in _read_items(args.input):
        if _item_key(item, index) not in done:
            todo.append((index, item))
    todo = todo[: args.limit] if args.limit is not None else todo
    skipped = f"; skipped {len(done)} already done" if done else ""
    if not todo:
        print(f"nothing to do{skipped}", file=sys.stderr)
        return 0
    print(f"{len(todo)} to brief{skipped}", file=sys.stderr)
    failed = 0
    progress = tqdm(total=len(todo), unit="article", file=sys.stderr, dynamic_ncols=True)
    try:
        with output.open("a", encoding="utf-8") as out:
            for index, item in todo:
                if isinstance(item, BrieflyError):  # a line that was not JSON
                    row = BatchResult.failed(None, index, item)
                else:
                    row = serving.brief_item(engine, item, index, defaults, settings, strict=False)
                    row.index = index
                out.write(json.dumps(protocol.dump(row), ensure_ascii=False) + "\n")
                out.flush()
                os.fsync(out.fileno())  # a finished item survives Ctrl-C, a kill or a power cut
                failed += row.status != 200
                progress.set_postfix(failed=failed, refresh=False)
                progress.update(1)
    except KeyboardInterrupt:
        progress.close()
        print(
            f"interrupted after {progress.n} of {len(todo)}: every finished item is in {output}; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    progress.close()
    print(f"done: {len(todo) - failed} briefed, {failed} failed (errors recorded per item){skipped}", file=sys.stderr)
    return 1 if failed else 0


def validated(args: argparse.Namespace, settings: Settings) -> BriefingIntake | RewriteRequest:
    """The command's request, checked by the API's models (service/engine/protocol.py) and, for a
    page, taken in (its article extracted): invisible characters removed, limits, known lengths; an
    error names what is wrong before a model loads."""
    if args.command == "brief":
        fields = {
            "html" if args.html else "article": _read(args.file),
            "title": args.title,
            "lengths": args.lengths,
            "format": args.format,
            "mode": args.mode,
        }
        return serving.intake(protocol.parse(BriefingRequest, fields, settings), settings)
    return protocol.parse(RewriteRequest, {"text": _read(args.file), "style": args.style}, settings)


def _openai_line(item: Any, index: int, defaults: dict[str, Any], endpoint: str) -> Any:
    """A line for the batch API: as it is when it is one already ({"custom_id", "method", "url",
    "body"}); a local-format item ({"id", "article", ...options}) becomes one, its id the custom_id."""
    if not isinstance(item, dict) or "custom_id" in item:
        return item
    body = {**defaults, **{k: v for k, v in item.items() if k != "id" and k in BriefingRequest.model_fields}}
    custom_id = item["id"] if isinstance(item.get("id"), str) else f"line-{index + 1}"
    return {"custom_id": custom_id, "method": "POST", "url": endpoint, "body": body}


def submit(args: argparse.Namespace) -> int:
    """Upload IN to a running service's batch API, start a batch, show its progress until it ends,
    write its output and error lines to OUT. Ctrl-C leaves the batch running on the server."""
    import requests
    from tqdm import tqdm

    base = args.server.rstrip("/")
    session = requests.Session()
    key = args.api_key or os.environ.get("BRIEFLY_API_KEY")
    if key:
        session.headers["Authorization"] = f"Bearer {key}"
    defaults = {k: v for k, v in (("lengths", args.lengths), ("mode", args.mode), ("format", args.format)) if v}
    lines, endpoints = [], set()
    with open(args.input, encoding="utf-8") as f:
        for index, line in enumerate(f):
            if not line.strip():
                continue
            try:
                item = _openai_line(json.loads(line), index, defaults, args.endpoint)
            except ValueError:
                lines.append(line.rstrip("\n"))  # the server answers it with its own error line
                continue
            if isinstance(item, dict) and isinstance(item.get("url"), str):
                endpoints.add(item["url"])
            lines.append(json.dumps(item, ensure_ascii=False))
    endpoint = endpoints.pop() if len(endpoints) == 1 else args.endpoint

    def call(method: str, path: str, **kwargs: Any) -> Any:
        response = session.request(method, base + path, timeout=300, **kwargs)
        if response.status_code != 200:
            raise BrieflyError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        json_body = response.headers.get("Content-Type", "").split(";")[0].strip() == "application/json"
        return response.json() if json_body else response.content  # file content is JSONL

    try:
        uploaded = call(
            "POST", "/v1/files", files={"file": ("input.jsonl", "\n".join(lines).encode())}, data={"purpose": "batch"}
        )
        batch = call(
            "POST",
            "/v1/batches",
            json={"input_file_id": uploaded["id"], "endpoint": endpoint, "completion_window": args.window},
        )
        print(f"batch {batch['id']}: {len(lines)} lines", file=sys.stderr)
        progress = tqdm(total=len(lines), unit="item", file=sys.stderr, dynamic_ncols=True)
        while batch["status"] not in ("completed", "failed", "expired", "cancelled"):
            time.sleep(1)
            batch = call("GET", f"/v1/batches/{batch['id']}")
            counts = batch["request_counts"]
            progress.update(counts["completed"] + counts["failed"] - progress.n)
            progress.set_postfix(status=batch["status"], failed=counts["failed"], refresh=False)
        progress.close()
        with open(args.output, "wb") as out:
            for file_id in (batch.get("output_file_id"), batch.get("error_file_id")):
                if file_id:
                    out.write(call("GET", f"/v1/files/{file_id}/content"))
    except KeyboardInterrupt:
        print("interrupted: the batch goes on running on the server", file=sys.stderr)
        return 130
    except (BrieflyError, requests.RequestException) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    counts = batch["request_counts"]
    print(
        f"{batch['status']}: {counts['completed']} answered 200, {counts['failed']} failed; written to {args.output}",
        file=sys.stderr,
    )
    return 0 if batch["status"] == "completed" and not counts["failed"] else 1


def run_worker(engine: Engine, args: argparse.Namespace) -> int:
    """Consume the batch queue until SIGTERM or Ctrl-C; running items finish, prefetched ones go back."""
    from service.engine.batches.runner import ItemWorker

    worker = ItemWorker(engine, args.threads)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    worker.start()
    print("worker: consuming batch items; SIGTERM or Ctrl-C stops it", file=sys.stderr)
    stop.wait()
    worker.stop(timeout_s=engine.settings.request_timeout_s)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    if args.command == "batch" and args.server:
        return submit(args)
    engine = Engine(settings)
    try:
        request = None if args.command in ("batch", "worker") else validated(args, settings)
        engine.load()
        if args.command == "batch":
            return run_batch(engine, settings, args)
        if args.command == "worker":
            return run_worker(engine, args)
        if isinstance(request, BriefingIntake):
            briefed = serving.answer(engine, request)
            _print_json(briefed) if args.json else _print_briefings(briefed)
        elif request is not None:
            rewritten = serving.rewrite(engine, request)
            _print_json(rewritten) if args.json else print(rewritten.text)
    except BrieflyError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError) as exc:  # an unreadable input file
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
