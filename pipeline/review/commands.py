"""The ``review``, ``export`` and ``import-corrections`` subcommands (registered by pipeline.cli)."""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from ..errors import ExitCode
from ..fsutil import printable


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
    from .store import StoreError

    source_root = Path(args.source_root) if args.source_root else None
    if source_root is not None and not source_root.is_dir():
        print(f"error: {source_root}: --source-root is not a folder", file=sys.stderr)
        return ExitCode.usage_error
    settings = ServerSettings(out_dir=_out_dir(args.out), host=args.host, port=args.port, token=args.token,
                              reviewer=args.reviewer or _default_reviewer(), source_root=source_root)
    try:
        return serve(settings)
    except StoreError as e:
        print(f"error: {e}", file=sys.stderr)
        return ExitCode.some_documents_failed


def _report_skipped(errors) -> None:
    from .corrections import LoadedDocuments, load_error_messages

    for line in load_error_messages(LoadedDocuments(errors=errors)):
        print(f"warning: {printable(line)}", file=sys.stderr)


def run_export(args: argparse.Namespace) -> int:
    from ..exporting import ExportError, export
    from .store import StoreError

    out = _out_dir(args.out)
    try:
        result = export(out, args.format, args.output)
    except (ExportError, StoreError) as e:
        print(f"error: {printable(str(e))}", file=sys.stderr)
        return ExitCode.some_documents_failed
    _report_skipped(result.errors)
    for line in result.orphaned:
        print(f"warning: {printable(line)}", file=sys.stderr)
    for path in result.written:
        print(printable(str(path)))  # a non-UTF-8 file name never crashes the report
    if result.errors:
        print(f"{len(result.errors)} file(s) under {printable(str(out))} skipped; {result.documents} document(s) "
              f"exported", file=sys.stderr)
        return ExitCode.some_documents_failed
    return ExitCode.ok


def run_import(args: argparse.Namespace) -> int:
    from .corrections import apply_corrections, orphan_messages
    from .store import ReviewStore, StoreError
    from .workbook import WorkbookError, import_corrections

    out = _out_dir(args.out)
    try:
        store = ReviewStore.for_output(out)
        report = import_corrections(args.file, store, reviewer=args.reviewer or _default_reviewer())
        docs = apply_corrections(out, store)
    except (WorkbookError, StoreError) as e:
        print(f"error: {printable(str(e))}", file=sys.stderr)
        return ExitCode.some_documents_failed
    for line in report.lines():
        print(printable(line))
    _report_skipped(docs.errors)
    for line in orphan_messages(docs):
        print(f"warning: {printable(line)}", file=sys.stderr)
    return ExitCode.some_documents_failed if report.conflicts or docs.errors else ExitCode.ok


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
    p.add_argument("--source-root", default=None, metavar="FOLDER",
                   help="where the input PDFs/images are now, if they moved since extraction (page crops)")
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
