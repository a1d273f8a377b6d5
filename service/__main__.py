"""Command line: ``python -m service brief FILE``, ``python -m service rewrite --style S FILE`` and
``python -m service batch IN.jsonl OUT.jsonl`` (progress bar; resumable; one result line per item)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    engine = Engine(settings)
    try:
        request = None if args.command == "batch" else validated(args, settings)
        engine.load()
        if args.command == "batch":
            return run_batch(engine, settings, args)
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
