"""Command line: ``python -m service brief FILE`` and ``python -m service rewrite --style S FILE``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from service.briefer import FORMATS, MODES, BriefingRequest
from service.engine import Engine
from service.errors import BrieflyError
from service.lengths import LENGTHS
from service.rewriter import RewriteRequest
from service.settings import Settings
from service.styles import STYLES


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
    brief.add_argument("--json", action="store_true", help="print the full JSON response")
    rewrite = sub.add_parser("rewrite", help="rewrite a text in a style")
    rewrite.add_argument("file", help="text file, or - for stdin")
    rewrite.add_argument("--style", choices=list(STYLES), required=True)
    rewrite.add_argument("--json", action="store_true", help="print the full JSON response")
    return parser


def _print_briefings(result: dict[str, Any]) -> None:
    for name, briefing in result["briefings"].items():
        flag = "" if briefing["within_contract"] else f"  (outside contract: {', '.join(briefing['violations'])})"
        print(f"== {name} ({briefing['words']} words){flag}\n{briefing['text']}\n")
    print(f"-- {result['model']['id']}, mode {result['mode']}, {result['timings']['total_s']:.1f} s")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    engine = Engine(settings)
    try:
        engine.load()
        if args.command == "brief":
            request = BriefingRequest(
                article=_read(args.file),
                title=args.title,
                lengths=tuple(x for x in args.lengths.split(",") if x),
                fmt=args.format,
                mode=args.mode or settings.default_mode,
            )
            unknown = [x for x in request.lengths if x not in LENGTHS]
            if unknown:
                raise SystemExit(f"unknown lengths {unknown}; choose from {list(LENGTHS)}")
            result = engine.brief(request)
            print(json.dumps(result, indent=2, ensure_ascii=False)) if args.json else _print_briefings(result)
        else:
            result = engine.rewrite(RewriteRequest(text=_read(args.file), style=args.style))
            print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else result["text"])
    except BrieflyError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
