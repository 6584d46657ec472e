"""``disclosure`` command line: extract (batch), and the review/export/import-corrections commands."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from . import __version__
from .errors import ExitCode
from .fsutil import printable


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be ≥ 1, got {n}")
    return n


def _non_negative(value: str) -> int:
    n = int(value)
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be ≥ 0, got {n}")
    return n


def _seconds(value: str) -> float:
    n = float(value)
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be ≥ 0 seconds, got {value}")
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
    ex.add_argument("-j", "--workers", type=_positive, default=None, metavar="N",
                    help="documents processed in parallel worker processes (default: one per core, at most one "
                         "per document and per 2 GiB of memory)")
    ex.add_argument("--force", action="store_true", help="re-extract documents whose output is up to date")
    ex.add_argument("--force-ocr", action="store_true", help="OCR every page even when it has a text layer")
    ex.add_argument("--max-pages", type=_positive, default=2000, help="refuse documents with more pages")
    ex.add_argument("--timeout", type=_seconds, default=None, metavar="SECONDS",
                    help="time limit per document (default 180 s + 60 s per page, wall clock; 0 = none): the worker is "
                         "stopped and the document fails with the reason")
    ex.add_argument("--retries", type=_non_negative, default=1, metavar="N",
                    help="runs again a document whose worker process died (default 1)")
    ex.add_argument("--backend", choices=("local", "dask"), default="local",
                    help="local worker processes (default) or a Dask cluster (pip install 'disclosure[cluster]')")
    ex.add_argument("--address", default=None, metavar="local:N | tcp://HOST:8786",
                    help="--backend dask: a scheduler address, or local:N for a LocalCluster of N workers "
                         "(default local:<--workers>)")
    ex.add_argument("--ship-inputs", action="store_true",
                    help="--backend dask: send the input files' bytes to the workers (no shared storage)")
    ex.add_argument("-q", "--quiet", action="store_true", help="no progress; only failures and the summary")
    ex.add_argument("-v", "--verbose", action="store_true", help="a line per document started and per page")
    ex.add_argument("--log", metavar="FILE", help="append every progress line, with times, to FILE")
    ex.set_defaults(func=run_extract)
    try:
        from .review.commands import register
    except ImportError:  # the review extras are part of the package; only a broken install lacks them
        register = None
    if register is not None:
        register(sub)
    from .report import register as register_report

    register_report(sub)
    return parser


class _Reporter:
    """Progress of a batch: a bar moving page by page on a terminal (rich), plain log lines otherwise
    (one per finished document; -v adds starts and pages), every line to --log FILE with its time."""

    def __init__(self, log: logging.Logger, bar_console=None, total_docs: int = 0, total_pages: int = 0):
        self.log = log
        self.done = 0
        self.total_docs = total_docs
        self.page_done: dict[str, int] = {}
        self.finished_pages = 0
        self.bar = None
        if bar_console is not None:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                                console=bar_console)
            self.docs = self.bar.add_task("documents", total=total_docs, info="")
            self.pages = self.bar.add_task("pages", total=max(1, total_pages), info="")
            self.bar.start()

    def _pages_now(self) -> int:
        return self.finished_pages + sum(self.page_done.values())

    def started(self, job, pages: int, where: str = "") -> None:
        self.page_done[job.rel] = 0
        self.log.debug("started %s (%d pages) on %s", job.name, pages, where or "this process")
        if self.bar is not None:
            self.bar.update(self.pages, info=job.name[-40:])

    def page(self, job, done: int, total: int) -> None:
        self.page_done[job.rel] = done
        self.log.debug("page %d/%d of %s", done, total, job.name)
        if self.bar is not None:
            self.bar.update(self.pages, completed=self._pages_now())

    def finished(self, result) -> None:
        self.done += 1
        for rel in [r for r in self.page_done if printable(r) == result.rel]:
            del self.page_done[rel]
        if result.status != "failed":
            self.finished_pages += result.pages
        line = f"[{self.done}/{self.total_docs}] {result.verdict:<16} {result.rel}"
        if result.status == "failed":
            self.log.warning("%s: %s", line, result.reason)
        else:
            facts = (f"{result.pages} pages, {result.tables} tables, {result.flagged} flagged"
                     + (f", {result.seconds:.1f} s" if result.status == "ok" else ", up to date"))
            self.log.info("%s (%s)%s", line, facts, "; " + "; ".join(result.warnings) if result.warnings else "")
        if self.bar is not None:
            mark = {"ok": "✓", "skipped": "·", "failed": "✗"}[result.status]
            self.bar.update(self.docs, advance=1, info=f"{mark} {result.rel[-40:]}")
            self.bar.update(self.pages, completed=self._pages_now())

    def stop(self) -> None:
        if self.bar is not None:
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


def _logger(args, console_is_terminal: bool) -> logging.Logger:
    """``disclosure`` logger: plain lines to stderr when it is not a terminal (or -v), --log FILE with times."""
    log = logging.getLogger("disclosure.extract")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    for h in list(log.handlers):
        log.removeHandler(h)
        h.close()
    if not console_is_terminal or args.verbose:
        h = logging.StreamHandler(sys.stderr)
        h.setLevel(logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO)
        h.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(h)
    if args.log:
        fh = logging.FileHandler(args.log, encoding="utf-8")
        fh.setLevel(logging.DEBUG)
        fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(fh)
    return log


def run_extract(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape

    from .batch import BackendError, BatchBusy, TimeLimit, default_workers, discover, run_batch
    from .extract import ExtractSettings

    console = Console(stderr=True, soft_wrap=True)  # an error names a file: never wrapped into two lines
    jobs, refused = discover(args.inputs)
    if args.workers is None:
        args.workers = default_workers(len(jobs))
    if not jobs:
        for path, reason in refused:
            console.print(f"[red]error:[/red] {escape(str(path))}: {escape(reason)}", highlight=False)
        console.print("[red]error:[/red] no PDF or image files found in the inputs")
        return ExitCode.usage_error
    out_dir = Path(args.output)
    if out_dir.exists() and not out_dir.is_dir():
        console.print(f"[red]error:[/red] {escape(printable(out_dir))}: output exists and is not a folder",
                      highlight=False)
        return ExitCode.usage_error
    if args.backend == "local" and (args.address or args.ship_inputs):
        console.print("[red]error:[/red] --address and --ship-inputs need --backend dask")
        return ExitCode.usage_error
    settings = ExtractSettings(dpi=args.dpi, force_ocr=args.force_ocr, max_pages=args.max_pages)
    log = _logger(args, console.is_terminal)
    show_bar = console.is_terminal and not args.quiet and not args.verbose
    reporter = _Reporter(log, console if show_bar else None, len(jobs) + len(refused),
                         _page_total(jobs) if show_bar else 0)
    backend = None
    try:
        if args.backend == "dask":
            from .cluster import ClusterError, DaskBackend

            try:
                backend = DaskBackend(args.address or f"local:{args.workers}", ship_inputs=args.ship_inputs,
                                      retries=args.retries)
            except ClusterError as e:
                reporter.stop()
                console.print(f"[red]error:[/red] {escape(str(e))}", highlight=False)
                return ExitCode.usage_error
        summary = run_batch(jobs, out_dir, settings, workers=args.workers, force=args.force, progress=reporter,
                            refused=refused, time_limit=TimeLimit(fixed=args.timeout), retries=args.retries,
                            backend=backend)
    except (BatchBusy, BackendError) as e:
        console.print(f"[red]error:[/red] {escape(str(e))}", highlight=False)
        return ExitCode.usage_error
    finally:
        reporter.stop()
    print_summary(summary, out_dir, len(jobs) + len(refused), log)
    from .report import report_after_run

    report_after_run(out_dir)  # OUT/report.html, the QA report
    return summary.exit_code


NOTE_LINES = 30  # failures and serious warnings are always listed in full


def print_summary(summary, out_dir: Path, documents: int, log: logging.Logger) -> None:
    """The table, one line per document with warnings or a failure, and the next step (stdout; --log too)."""
    from rich.console import Console
    from rich.table import Table as RichTable

    from .batch import REVIEW_HINT

    counts = summary.verdicts()
    table = RichTable(title=f"disclosure {__version__}: {documents} documents → {printable(out_dir)} in "
                            f"{summary.elapsed:.1f} s ({summary.pages_per_second:.2f} pages/s)")
    for col in ("ok", "ok with warnings", "skipped (up to date)", "failed", "pages", "tables", "cells",
                "cells flagged"):
        table.add_column(col, justify="right")
    cells, flagged = summary.total("cells"), summary.total("flagged")
    table.add_row(str(counts["ok"]), str(counts["ok_with_warnings"]), str(counts["skipped"]), str(counts["failed"]),
                  str(summary.total("pages")), str(summary.total("tables")), str(cells),
                  f"{flagged} ({100.0 * flagged / cells:.1f} %)" if cells else "0")
    out = Console()
    out.print(table)
    lines, notes = [], []
    for r in summary.results:
        if r.status == "failed":
            lines.append(f"failed {r.rel}: {r.reason}")
        elif r.warnings:
            (lines if r.serious else notes).append(f"{'warnings' if r.serious else 'notes'} {r.rel}: "
                                                   + "; ".join(r.warnings))
    lines += notes[:NOTE_LINES]
    if len(notes) > NOTE_LINES:
        lines.append(f"… notes on {len(notes) - NOTE_LINES} more documents in {printable(out_dir / 'run-summary.json')}")
    if cells:
        headers = summary.total("header_flagged")
        lines.append(f"next: {REVIEW_HINT.format(out=printable(out_dir))}   ({flagged} cells"
                     + (f" and {headers} header cell{'s' if headers > 1 else ''}" if headers else "") + " to review)")
    for line in lines:
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    for h in log.handlers:
        if isinstance(h, logging.FileHandler):
            h.stream.write(f"summary: {counts} in {summary.elapsed:.1f} s, {summary.pages_per_second:.2f} pages/s\n"
                           + "".join(f"  {line}\n" for line in lines))
            h.flush()


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
