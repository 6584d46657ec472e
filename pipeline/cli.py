"""``disclosure`` command line: extract (batch), and the review/export/import-corrections commands."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .errors import ExitCode


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be ≥ 1, got {n}")
    return n


def _dpi(value: str) -> int:
    n = int(value)
    if not 72 <= n <= 600:
        raise argparse.ArgumentTypeError(f"dpi must be between 72 and 600, got {n}")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="disclosure", description=(
        "Extract every table of Chinese government disclosures (部门决算/预算; scanned, sealed, watermarked or "
        "born-digital PDFs and images) as structured rows with codes, checks and per-cell confidence."))
    parser.add_argument("--version", action="version", version=f"disclosure {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    ex = sub.add_parser("extract", help="extract tables from PDFs/images or folders of them",
                        description="Writes OUT/<path relative to the folder given>.json (contract "
                                    "disclosure.document/1) and OUT/<…>.tables/*.csv for every input document.")
    ex.add_argument("inputs", nargs="+", metavar="INPUT", help="PDF, PNG/JPG/TIFF files or folders (recursive)")
    ex.add_argument("-o", "--output", required=True, metavar="OUT", help="output folder")
    ex.add_argument("--dpi", type=_dpi, default=200, help="render resolution for scanned pages (default 200)")
    ex.add_argument("--workers", type=_positive, default=1, help="documents processed in parallel processes")
    ex.add_argument("--force", action="store_true", help="re-extract documents whose output is up to date")
    ex.add_argument("--force-ocr", action="store_true", help="OCR every page even when it has a text layer")
    ex.add_argument("--max-pages", type=_positive, default=2000, help="refuse documents with more pages")
    ex.add_argument("--quiet", action="store_true", help="no progress bar")
    ex.set_defaults(func=run_extract)
    try:
        from .review.commands import register
    except ImportError:  # the review extras are part of the package; only a broken install lacks them
        register = None
    if register is not None:
        register(sub)
    return parser


class _Progress:
    """Documents and pages with ETA (rich); silent when not a terminal or --quiet."""

    def __init__(self, total_docs: int, total_pages: int, enabled: bool):
        self.enabled = enabled
        self.done_pages = 0
        if enabled:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TimeRemainingColumn())
            self.docs = self.bar.add_task("documents", total=total_docs, info="")
            self.pages = self.bar.add_task("pages", total=max(1, total_pages), info="")
            self.bar.start()

    def advance(self, result) -> None:
        if not self.enabled:
            return
        self.done_pages += result.pages
        mark = {"ok": "✓", "skipped": "·", "failed": "✗"}[result.status]
        self.bar.update(self.docs, advance=1, info=f"{mark} {result.rel[-40:]}")
        self.bar.update(self.pages, completed=self.done_pages)

    def stop(self) -> None:
        if self.enabled:
            self.bar.stop()


def _page_total(jobs) -> int:
    from .ingest import open_document

    total = 0
    for job in jobs:
        try:
            total += open_document(job.source).page_count
        except Exception:
            pass
    return total


def run_extract(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table as RichTable

    from .batch import discover, run_batch
    from .extract import ExtractSettings

    console = Console(stderr=True)
    jobs, problems = discover(args.inputs)
    for p in problems:
        console.print(f"[red]error:[/red] {p}")
    if not jobs:
        console.print("[red]error:[/red] no PDF or image files found in the inputs")
        return ExitCode.usage_error
    out_dir = Path(args.output)
    if out_dir.exists() and not out_dir.is_dir():
        console.print(f"[red]error:[/red] {out_dir}: output exists and is not a folder")
        return ExitCode.usage_error
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = ExtractSettings(dpi=args.dpi, force_ocr=args.force_ocr, max_pages=args.max_pages)
    show = not args.quiet and console.is_terminal
    progress = _Progress(len(jobs), _page_total(jobs) if show else 0, show)
    try:
        summary = run_batch(jobs, out_dir, settings, workers=args.workers, force=args.force, progress=progress)
    finally:
        progress.stop()
    table = RichTable(title=f"disclosure {__version__}: {len(jobs)} documents → {out_dir}")
    for col in ("documents ok", "skipped (up to date)", "failed", "pages", "tables", "cells", "cells flagged"):
        table.add_column(col, justify="right")
    cells, flagged = summary.total("cells"), summary.total("flagged")
    table.add_row(str(summary.count("ok")), str(summary.count("skipped")), str(summary.count("failed")),
                  str(summary.total("pages")), str(summary.total("tables")), str(cells),
                  f"{flagged} ({100.0 * flagged / cells:.1f} %)" if cells else "0")
    out = Console()
    out.print(table)
    for r in summary.results:
        if r.status == "failed":
            out.print(f"[red]failed[/red] {r.rel}: {r.reason}", highlight=False, soft_wrap=True)
    return summary.exit_code


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 for --help
        return int(e.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return ExitCode.usage_error
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted; documents already written are complete", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
