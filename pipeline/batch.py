"""Batch extraction over many inputs: discovery, resume, parallel workers, progress, summary.

One bad file never stops the batch: its error (file + reason) goes to the summary, the others are
written. A rerun skips documents whose output is up to date (same input sha256 and pipeline version).
"""
from __future__ import annotations

import os
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import DisclosureError
from .extract import PIPELINE_VERSION, ExtractSettings, extract_document
from .fsutil import atomic_write_json
from .ingest import SUPPORTED_SUFFIXES, sha256_of
from .output import json_path, read_output_json, write_document


@dataclass(frozen=True)
class Job:
    source: Path  # absolute input path
    rel: str  # path relative to the folder given (or the file name)


@dataclass
class JobResult:
    rel: str
    status: str  # ok | skipped | failed
    reason: str = ""
    pages: int = 0
    tables: int = 0
    cells: int = 0
    flagged: int = 0
    seconds: float = 0.0


@dataclass
class BatchSummary:
    results: list[JobResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def total(self, attr: str) -> int:
        """Over the documents written now or already up to date."""
        return sum(getattr(r, attr) for r in self.results if r.status != "failed")

    @property
    def exit_code(self) -> int:
        return 1 if self.count("failed") else 0


def settings_key(settings: ExtractSettings) -> dict:
    """The settings an output depends on (a rerun with other settings redoes the document)."""
    return {"dpi": settings.dpi, "force_ocr": settings.force_ocr}


def discover(inputs: list[str]) -> tuple[list[Job], list[str]]:
    """Inputs → jobs. Folders are searched recursively for PDF/image files; files are taken as given
    (a file with another suffix fails later with a clear reason). Returns (jobs, problems)."""
    jobs: list[Job] = []
    problems: list[str] = []
    seen: set[str] = set()
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES
                           and not any(part.startswith(".") for part in f.relative_to(p).parts))
            for f in found:
                rel = f.relative_to(p).as_posix()
                if rel in seen:
                    problems.append(f"{f}: skipped, another input has the same relative path {rel}")
                    continue
                seen.add(rel)
                jobs.append(Job(f.resolve(), rel))
        elif p.exists():
            if p.name in seen:
                problems.append(f"{p}: skipped, another input has the same relative path {p.name}")
            else:
                seen.add(p.name)
                jobs.append(Job(p.resolve(), p.name))
        else:
            problems.append(f"{item}: no such file or folder")
    return jobs, problems


def up_to_date(job: Job, out_dir: Path, settings: ExtractSettings) -> bool:
    """Same input bytes, same pipeline version, same settings: the existing output stands."""
    try:
        existing = read_output_json(json_path(out_dir, job.rel))
        pipeline = existing.get("pipeline") if isinstance(existing, dict) else None
        if not isinstance(pipeline, dict) or pipeline.get("version") != PIPELINE_VERSION:
            return False
        if pipeline.get("settings") != settings_key(settings):
            return False
        return existing.get("source", {}).get("sha256") == sha256_of(job.source)
    except (OSError, AttributeError, TypeError):
        return False


def run_job(job: Job, out_dir: Path, settings: ExtractSettings) -> JobResult:
    """Extract one document and write its outputs; never raises for a bad input."""
    t0 = time.perf_counter()
    try:
        doc = extract_document(job.source, settings, rel_path=job.rel)
        doc.settings = settings_key(settings)
        _apply_review_corrections(doc, out_dir)
        write_document(doc, out_dir, job.rel, job.source)
    except DisclosureError as e:
        return JobResult(job.rel, "failed", e.message, seconds=time.perf_counter() - t0)
    except MemoryError:
        return JobResult(job.rel, "failed", "out of memory", seconds=time.perf_counter() - t0)
    except Exception as e:  # a bug or an unforeseen input: report it, keep the batch going
        last = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
        where = f" at {Path(last.filename).name}:{last.lineno}" if last else ""
        return JobResult(job.rel, "failed", f"internal error {e.__class__.__name__}: {e}{where}",
                         seconds=time.perf_counter() - t0)
    cells = sum(len(r.cells) for t in doc.tables for r in t.rows)
    flagged = sum(1 for _t, _r, _c, cell in doc.cells() if cell.review)
    return JobResult(job.rel, "ok", pages=doc.page_count, tables=len(doc.tables), cells=cells, flagged=flagged,
                     seconds=time.perf_counter() - t0)


def _existing_result(job: Job, out_dir: Path) -> JobResult:
    """A skipped document still counts in the summary with what its output holds."""
    d = read_output_json(json_path(out_dir, job.rel)) or {}
    tables = d.get("tables", [])
    cells = [c for t in tables for r in t.get("rows", []) for c in r.get("cells", [])]
    return JobResult(job.rel, "skipped", "up to date", pages=int(d.get("source", {}).get("pages", 0)),
                     tables=len(tables), cells=len(cells), flagged=sum(bool(c.get("review")) for c in cells))


def _apply_review_corrections(doc, out_dir: Path) -> None:
    """Re-apply reviewers' corrections (kept in OUT/review.sqlite) to a re-extracted document."""
    if not (out_dir / "review.sqlite").exists():
        return
    from .review.corrections import apply_to_document

    apply_to_document(doc, out_dir)


def _init_worker() -> None:
    # N worker processes on N cores: one inference thread each, no oversubscription
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("DISCLOSURE_OCR_THREADS", "1")
    import cv2

    cv2.setNumThreads(1)


def run_batch(jobs: list[Job], out_dir: Path, settings: ExtractSettings, workers: int = 1, force: bool = False,
              progress=None) -> BatchSummary:
    """Run every job; ``progress`` (optional) gets ``advance(result, pages)`` calls."""
    summary = BatchSummary()
    todo = []
    for job in jobs:
        if not force and up_to_date(job, out_dir, settings):
            r = _existing_result(job, out_dir)
            summary.results.append(r)
            if progress:
                progress.advance(r)
            continue
        todo.append(job)
    if workers <= 1:
        for job in todo:
            r = run_job(job, out_dir, settings)
            summary.results.append(r)
            if progress:
                progress.advance(r)
    else:
        pending = list(todo)
        while pending:
            # a worker killed (out of memory, signal) breaks the pool: its document fails, the others are
            # resubmitted to a fresh pool
            crashed: list[Job] = []
            with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker) as pool:
                futures = {pool.submit(run_job, job, out_dir, settings): job for job in pending}
                pending = []
                for fut in as_completed(futures):
                    job = futures[fut]
                    try:
                        r = fut.result()
                    except BrokenProcessPool:
                        crashed.append(job)
                        continue
                    except Exception as e:
                        r = JobResult(job.rel, "failed", f"worker error: {e.__class__.__name__}: {e}")
                    summary.results.append(r)
                    if progress:
                        progress.advance(r)
            if crashed:
                # the first of them is charged with the crash, the rest go round again
                culprit, pending = crashed[0], crashed[1:]
                r = JobResult(culprit.rel, "failed", "worker process died (out of memory or killed)")
                summary.results.append(r)
                if progress:
                    progress.advance(r)
    order = {j.rel: i for i, j in enumerate(jobs)}
    summary.results.sort(key=lambda r: order.get(r.rel, 0))
    atomic_write_json(out_dir / "run-summary.json", {
        "pipeline": PIPELINE_VERSION,
        "documents": {s: summary.count(s) for s in ("ok", "skipped", "failed")},
        "results": [asdict(r) for r in summary.results],
    })
    return summary
