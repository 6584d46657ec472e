"""The ``review``, ``export`` and ``import-corrections`` subcommands (registered by pipeline.cli)."""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from ..errors import ExitCode


def _default_reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "reviewer"


def _out_dir(value: str) -> Path:
    out = Path(value)
    if not out.is_dir():
        raise SystemExit(f"{out}: output folder does not exist (run `disclosure extract` first)")
    return out


def run_review(args: argparse.Namespace) -> int:
    from .server import ServerSettings, serve

    settings = ServerSettings(out_dir=_out_dir(args.out), host=args.host, port=args.port, token=args.token,
                              reviewer=args.reviewer or _default_reviewer())
    return serve(settings)


def run_export(args: argparse.Namespace) -> int:
    from ..exporting import ExportError, export
    from .corrections import apply_corrections, orphan_messages
    from .store import ReviewStore

    out = _out_dir(args.out)
    try:
        written = export(out, args.format, args.output)
    except ExportError as e:
        print(f"error: {e}", file=sys.stderr)
        return ExitCode.some_documents_failed
    for line in orphan_messages(apply_corrections(out, ReviewStore.for_output(out))):
        print(f"warning: {line}", file=sys.stderr)
    for path in written:
        print(path)
    return ExitCode.ok


def run_import(args: argparse.Namespace) -> int:
    from .corrections import apply_corrections, orphan_messages
    from .store import ReviewStore
    from .workbook import WorkbookError, import_corrections

    out = _out_dir(args.out)
    store = ReviewStore.for_output(out)
    try:
        report = import_corrections(args.file, store, reviewer=args.reviewer or _default_reviewer())
    except WorkbookError as e:
        print(f"error: {e}", file=sys.stderr)
        return ExitCode.some_documents_failed
    for line in report.lines():
        print(line)
    for line in orphan_messages(apply_corrections(out, store)):
        print(f"warning: {line}", file=sys.stderr)
    return ExitCode.some_documents_failed if report.conflicts else ExitCode.ok


def register(subparsers) -> None:
    """Add ``review``, ``export`` and ``import-corrections`` to the CLI's subparsers."""
    from ..exporting import FORMATS

    p = subparsers.add_parser("review", help="web queue of flagged cells (corrections go to OUT/review.sqlite)")
    p.add_argument("out", metavar="OUT", help="output folder of `disclosure extract`")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--token", default=None, help="require this token on every request (header X-Review-Token, "
                                                 "or ?token= once in the browser)")
    p.add_argument("--reviewer", default=None, help="name recorded with corrections (default: login name)")
    p.set_defaults(func=run_review)

    p = subparsers.add_parser("export", help="export tables with corrections applied")
    p.add_argument("out", metavar="OUT")
    p.add_argument("--format", required=True, choices=FORMATS)
    p.add_argument("-o", "--output", default=None, help="destination file or folder (default OUT/export/…)")
    p.set_defaults(func=run_export)

    p = subparsers.add_parser("import-corrections", help="apply the edits of a review workbook (review-xlsx)")
    p.add_argument("out", metavar="OUT")
    p.add_argument("file", metavar="FILE.xlsx")
    p.add_argument("--reviewer", default=None)
    p.set_defaults(func=run_import)
