"""Batch extraction over many inputs: discovery, resume, workers, time limits, progress, summary.

One bad file never stops the batch: its error (file + reason, one line) goes to the summary, the others are
written. A rerun skips documents whose output is up to date (same input sha256, pipeline version, settings).

Executor boundary. Every document is one task, :func:`extract_task`, run by a *backend*: local worker
processes (:class:`LocalBackend`, the default) or a Dask cluster (:mod:`pipeline.cluster`). A task sends
events back (started with its page count, each page done) and returns an :class:`Outcome` holding the
extracted :class:`~pipeline.model.Document`; the driver (:func:`run_batch`, the same code for every backend)
enforces the time limit, retries a document whose worker died (bounded), applies reviewers' corrections and
writes OUT atomically. Workers never write under OUT.
"""
from __future__ import annotations

import fcntl
import multiprocessing
import os
import signal
import stat
import time
import traceback
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import wait as wait_ready
from pathlib import Path
from typing import Callable, Protocol

from .errors import DisclosureError
from .extract import PIPELINE_VERSION, ExtractSettings, extract_document
from .fsutil import atomic_write_json, clean_stale_temp, printable
from .ingest import SUPPORTED_SUFFIXES, sha256_of
from .model import Document
from .output import json_path, read_output_json, write_document

REVIEW_HINT = "disclosure review {out}"


@dataclass(frozen=True)
class Job:
    source: Path  # absolute input path (a str path: bytes that are not UTF-8 are kept as surrogates)
    rel: str  # path relative to the folder given (or the file name); names the outputs under OUT

    @property
    def name(self) -> str:
        """The relative path as printable one-line UTF-8 (for summaries and logs)."""
        return printable(self.rel)


@dataclass(frozen=True)
class TimeLimit:
    """Per-document time limit: ``fixed`` seconds when given (``--timeout``), else ``base`` + ``per_page`` × pages.
    0 = no limit."""

    fixed: float | None = None
    base: float = 180.0
    # wall clock: ~50× a scanned page on an idle 2-core machine (1.2 s), room for a shared, niced one (a
    # 7-page scan took 330 s at load 18 under nice 10 here)
    per_page: float = 60.0

    def seconds(self, pages: int | None) -> float:
        if self.fixed is not None:
            return self.fixed if self.fixed > 0 else float("inf")
        return self.base + self.per_page * (pages or 0)

    def describe(self, pages: int | None) -> str:
        if self.fixed is not None:
            return f"--timeout {self.fixed:g} s"
        return f"{self.base:g} s + {self.per_page:g} s × {pages or 0} pages; --timeout to change"


@dataclass
class JobResult:
    rel: str  # printable
    status: str  # ok | skipped (up to date) | failed
    reason: str = ""
    pages: int = 0
    tables: int = 0
    cells: int = 0
    flagged: int = 0
    header_flagged: int = 0  # printed header cells flagged (in the review queue too)
    seconds: float = 0.0
    attempts: int = 0  # worker runs (0 for a skipped or refused document)
    worker_peak_mb: float = 0.0  # peak resident memory of the worker process that ran it (so far)
    warnings: list[str] = field(default_factory=list)
    serious: bool = False  # unrecovered pages, a table failing most identities, missing/unexplained empty tables
    failing_checks: int = 0
    repairs: int = 0
    pages_without_tables: list[int] = field(default_factory=list)
    unrecovered_pages: list[int] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """``ok`` | ``ok with warnings`` | ``failed`` (issue 10: unrecovered pages or tables failing most
        of their identities make a document ``ok with warnings``)."""
        if self.status == "failed":
            return "failed"
        return "ok with warnings" if self.serious else "ok"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["verdict"] = self.verdict
        return d


@dataclass
class BatchSummary:
    results: list[JobResult] = field(default_factory=list)
    elapsed: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def verdicts(self) -> dict[str, int]:
        """Documents extracted now split by verdict; up-to-date ones as ``skipped``; ``failed``."""
        return {"ok": sum(1 for r in self.results if r.status == "ok" and not r.serious),
                "ok_with_warnings": sum(1 for r in self.results if r.status == "ok" and r.serious),
                "skipped": self.count("skipped"), "failed": self.count("failed")}

    def total(self, attr: str) -> int:
        """Over the documents written now or already up to date."""
        return sum(getattr(r, attr) for r in self.results if r.status != "failed")

    @property
    def pages_done(self) -> int:
        """Pages extracted in this run (up-to-date documents excluded)."""
        return sum(r.pages for r in self.results if r.status == "ok")

    @property
    def pages_per_second(self) -> float:
        return self.pages_done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.count("failed") else 0


def settings_key(settings: ExtractSettings) -> dict:
    """The settings an output depends on (a rerun with other settings redoes the document)."""
    return {"dpi": settings.dpi, "force_ocr": settings.force_ocr}


# ------------------------------------------------------------------------------------------ discovery

def _special_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a regular file"


def _check_entry(path: Path) -> str:
    """'' when ``path`` is a regular file (or a link to one) that can be read; else the reason, one line.
    Never opens the file (a FIFO would block)."""
    try:
        lst = os.lstat(path)
    except FileNotFoundError:
        return "no such file or folder"
    except OSError as e:
        return f"cannot be read ({e.strerror})"
    if stat.S_ISLNK(lst.st_mode):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return f"dangling link (→ {printable(os.readlink(path))})"
        except OSError as e:
            if e.errno == 40:  # ELOOP
                return "link loop (the link points back to itself)"
            return f"link cannot be followed ({e.strerror})"
        if stat.S_ISDIR(st.st_mode):
            return f"link to a folder (→ {printable(os.readlink(path))}), not followed: give the folder itself"
    else:
        st = lst
    if not stat.S_ISREG(st.st_mode):
        target = f" (→ {printable(os.readlink(path))})" if stat.S_ISLNK(lst.st_mode) else ""
        return f"not a regular file: {_special_kind(st.st_mode)}{target}"
    if not os.access(path, os.R_OK):
        return "permission denied"
    return ""


def _walk(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Supported files under ``folder`` (recursive, hidden entries skipped, folder links not followed) and
    the entries that look like inputs but cannot be used, each with its reason."""
    found: list[Path] = []
    refused: list[tuple[Path, str]] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        base = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for d in dirnames:
            if (base / d).is_symlink():  # os.walk lists folder links as folders but does not enter them
                refused.append((base / d, _check_entry(base / d) or "link to a folder, not followed"))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = base / name
            if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            reason = _check_entry(path)
            (refused.append((path, reason)) if reason else found.append(path))
    return found, refused


def discover(inputs: list[str]) -> tuple[list[Job], list[tuple[str, str]]]:
    """Inputs → jobs. Folders are searched recursively for PDF/image files; files are taken as given
    (a file with another suffix fails later with a clear reason). Returns (jobs, refused) where refused
    holds (printable path, reason) for every input that cannot be run: missing, a dangling link, a link
    loop, a FIFO or device, a duplicate relative path."""
    jobs: list[Job] = []
    refused: list[tuple[str, str]] = []
    seen: dict[str, str] = {}

    def take(path: Path, rel: str) -> None:
        if rel in seen:
            refused.append((printable(path), f"skipped: same relative path {printable(rel)} as {seen[rel]} "
                                             "(outputs would collide; give the folders separately)"))
            return
        seen[rel] = printable(path)
        jobs.append(Job(Path(os.path.abspath(path)), rel))

    for item in inputs:
        p = Path(item)
        if p.is_dir():  # a link to a folder given by name is followed: the user asked for it
            root = Path(os.path.realpath(p)) if p.is_symlink() else p
            found, bad = _walk(root)
            refused += [(printable(f), reason) for f, reason in bad]
            for f in found:
                take(f, f.relative_to(root).as_posix())
        else:
            reason = _check_entry(p)
            if reason:
                refused.append((printable(item), reason))
            else:
                take(p, p.name)
    return jobs, refused


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


# --------------------------------------------------------------------------------------------- tasks

@dataclass
class Outcome:
    """What a task returns to the driver: the document, or the reason it failed."""

    rel: str
    document: Document | None = None
    reason: str = ""
    seconds: float = 0.0
    where: str = ""  # worker (pid or address)
    peak_rss_mb: float = 0.0  # the worker process's peak resident memory so far


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kB


Emit = Callable[..., None]


def extract_task(job: Job, settings: ExtractSettings, emit: Emit | None = None, where: str = "") -> Outcome:
    """One document, in a worker: never raises for a bad input. ``emit(kind, rel, *data)`` reports
    ``("running", rel, where)`` (the time limit starts), ``("started", rel, pages, where)`` (opened) and
    ``("page", rel, done, total)``."""
    t0 = time.perf_counter()
    if emit:
        emit("running", job.rel, where)

    def on_page(number: int, total: int) -> None:
        if emit:
            emit(*(("started", job.rel, total, where) if number == 0 else ("page", job.rel, number, total)))

    try:
        doc = extract_document(job.source, settings, rel_path=printable(job.rel), on_page=on_page)
        doc.settings = settings_key(settings)
        return Outcome(job.rel, document=doc, seconds=time.perf_counter() - t0, where=where,
                       peak_rss_mb=peak_rss_mb())
    except DisclosureError as e:
        reason = e.message
    except MemoryError:
        reason = "out of memory"
    except Exception as e:  # a bug or an unforeseen input: report it, keep the batch going
        last = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
        at = f" at {Path(last.filename).name}:{last.lineno}" if last else ""
        reason = f"internal error {e.__class__.__name__}: {e}{at}"
    return Outcome(job.rel, reason=printable(" ".join(reason.split())), seconds=time.perf_counter() - t0,
                   where=where, peak_rss_mb=peak_rss_mb())


WORKER_MEMORY = 2 << 30  # a worker's peak on a dense scanned document is ≈ 1.6 GiB


def default_workers(documents: int) -> int:
    """One worker per core, but no more than there are documents or 2 GiB blocks of memory.

    Measured on the 8 scanned seed-21 documents (108 pages) on 2 cores: 2 workers of 1 OCR thread take 146 s,
    1 worker of 2 threads 175 s (small inference calls use a second thread poorly). A single document keeps
    the cores for its own threads.
    """
    cores = os.cpu_count() or 1
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = cores * WORKER_MEMORY
    return max(1, min(cores, documents, memory // WORKER_MEMORY))


def worker_setup(threads: int = 1) -> None:
    """N worker processes on N cores: ``threads`` inference threads each, no oversubscription."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ["DISCLOSURE_OCR_THREADS"] = str(threads)
    import cv2

    cv2.setNumThreads(threads)


# ------------------------------------------------------------------------------------------- backends

@dataclass
class Event:
    kind: str  # running | started | page | done | died
    rel: str
    pages: int = 0
    page: int = 0
    where: str = ""
    outcome: Outcome | None = None
    reason: str = ""  # died: why (signal, exit code, lost worker)
    attempts: int = 0  # died, backends that retry themselves: how many runs the document had


class Backend(Protocol):
    """Runs tasks somewhere; the driver loop in :func:`run_batch` is the same for every backend."""

    retries_in_backend: bool  # the backend retries a died document itself (Dask: allowed-failures)

    def start(self, settings: ExtractSettings) -> None: ...

    def submit(self, job: Job) -> None: ...

    def events(self, timeout: float) -> list[Event]: ...

    def kill(self, rel: str) -> None:
        """Stop the document ``rel`` now (time limit): its worker is killed and replaced."""

    def close(self) -> None: ...


def _worker_main(conn, settings: ExtractSettings, threads: int) -> None:
    """A local worker process: one document at a time from the driver, events and the outcome back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    worker_setup(threads)
    where = f"pid {os.getpid()}"

    def emit(*message) -> None:
        conn.send(message)

    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        outcome = extract_task(job, settings, emit, where)
        conn.send(("done", job.rel, outcome))


@dataclass
class _Slot:
    process: multiprocessing.process.BaseProcess
    conn: object
    job: Job | None = None


class LocalBackend:
    """Worker processes on this machine, one document each at a time. The driver knows which document
    every worker runs, so a worker that dies is charged to its own document only, and a document over its
    time limit is stopped by killing its worker (a fresh worker takes its place)."""

    retries_in_backend = False

    def __init__(self, workers: int):
        self.workers = max(1, workers)
        self.slots: list[_Slot] = []
        self.pending: list[Job] = []
        self._settings: ExtractSettings | None = None
        # forkserver: workers start from a clean single-threaded process with the pipeline imported once,
        # never a fork of the driver (which runs progress and, with Dask, client threads)
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["pipeline.batch", "pipeline.extract"])

    def start(self, settings: ExtractSettings) -> None:
        self._settings = settings
        self._threads = max(1, (os.cpu_count() or 1) // self.workers)

    def _spawn(self) -> _Slot:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker_main, args=(child, self._settings, self._threads), daemon=True,
                                 name="disclosure-worker")
        proc.start()
        child.close()
        slot = _Slot(proc, parent)
        self.slots.append(slot)
        return slot

    def submit(self, job: Job) -> None:
        self.pending.append(job)
        self._dispatch()

    def _dispatch(self) -> None:
        while self.pending:
            idle = next((s for s in self.slots if s.job is None), None)
            if idle is None:
                if len(self.slots) >= min(self.workers, len(self.pending) + self._busy()):
                    return
                idle = self._spawn()
            if not idle.process.is_alive():  # died while idle: replace it
                self._retire(idle)
                continue
            job = self.pending.pop(0)
            idle.job = job
            try:
                idle.conn.send(job)
            except (BrokenPipeError, OSError):  # died between two documents: replace it, try again
                self._retire(idle)
                self.pending.insert(0, job)

    def _busy(self) -> int:
        return sum(1 for s in self.slots if s.job is not None)

    def _retire(self, slot: _Slot, kill: bool = False) -> str:
        if kill and slot.process.is_alive():
            slot.process.kill()
        slot.process.join(5)
        try:
            slot.conn.close()
        except OSError:
            pass
        if slot in self.slots:
            self.slots.remove(slot)
        return _death_reason(slot.process.exitcode)

    def events(self, timeout: float) -> list[Event]:
        busy = [s for s in self.slots if s.job is not None]
        if not busy:
            return []
        ready = wait_ready([s.conn for s in busy] + [s.process.sentinel for s in busy], timeout)
        out: list[Event] = []
        for slot in busy:
            if slot.conn not in ready and slot.process.sentinel not in ready:
                continue
            while True:  # drain what the worker sent before it exited
                try:
                    if not slot.conn.poll():
                        break
                    msg = slot.conn.recv()
                except (EOFError, OSError):
                    break
                out.append(_event(msg))
                if msg[0] == "done":
                    slot.job = None
            if slot.job is not None and not slot.process.is_alive():
                rel = slot.job.rel
                out.append(Event("died", rel, reason=self._retire(slot)))
        self._dispatch()
        return out

    def kill(self, rel: str) -> None:
        for slot in list(self.slots):
            if slot.job is not None and slot.job.rel == rel:
                self._retire(slot, kill=True)
        self._dispatch()

    def close(self) -> None:
        for slot in list(self.slots):
            if slot.job is None:
                try:
                    slot.conn.send(None)
                except OSError:
                    pass
        for slot in list(self.slots):
            slot.process.join(2 if slot.job is None else 0)
            self._retire(slot, kill=True)
        self.pending.clear()


def _event(msg: tuple) -> Event:
    kind, rel = msg[0], msg[1]
    if kind == "running":
        return Event("running", rel, where=msg[2])
    if kind == "started":
        return Event("started", rel, pages=msg[2], where=msg[3])
    if kind == "page":
        return Event("page", rel, page=msg[2], pages=msg[3])
    return Event("done", rel, outcome=msg[2], where=msg[2].where)


def _death_reason(exitcode: int | None) -> str:
    if exitcode is None:
        return "worker process stopped responding"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (out of memory or killed)" if name == "SIGKILL" else ""
        return f"worker process died: {name}{hint}"
    return f"worker process exited with code {exitcode}"


# ---------------------------------------------------------------------------------------------- driver

class Progress(Protocol):
    def started(self, job: Job, pages: int, where: str = "") -> None: ...

    def page(self, job: Job, done: int, total: int) -> None: ...

    def finished(self, result: JobResult) -> None: ...


def document_facts(d: dict, result: JobResult) -> JobResult:
    """Counts and warnings of one output document (``disclosure.document/1`` dict) into ``result``:
    failing identities, repairs, pages without tables, unrecovered pages, tables failing most identities, and
    the document's own warnings (missing tables, tables printed empty unexplained, doubtful structures).
    Reads ``pages[].status`` when the document has it; else a page no table lies on has no tables."""
    tables = d.get("tables") or []
    cells = [c for t in tables for r in t.get("rows", []) for c in r.get("cells", [])]
    result.pages = int((d.get("source") or {}).get("pages") or 0)
    result.tables, result.cells = len(tables), len(cells)
    result.flagged = sum(1 for c in cells if c.get("review"))
    result.header_flagged = sum(1 for t in tables for h in t.get("header_cells", []) if h.get("review"))
    checks = d.get("checks") or []
    result.failing_checks = sum(1 for c in checks if not c.get("ok"))
    result.repairs = len(d.get("repairs") or []) or sum(1 for c in cells if "repaired" in (c.get("reasons") or []))
    pages = d.get("pages") or []
    on_tables = {p for t in tables for p in t.get("pages", [])}
    if any("status" in p for p in pages):
        result.pages_without_tables = [p["number"] for p in pages if p.get("status") == "no_tables"]
        result.unrecovered_pages = [p["number"] for p in pages if p.get("status") == "unrecovered"]
    else:
        result.pages_without_tables = [p["number"] for p in pages if p.get("number") not in on_tables]
    warnings: list[str] = []
    serious = bool(result.unrecovered_pages)
    if result.unrecovered_pages:
        warnings.append(f"unrecovered pages {_page_list(result.unrecovered_pages)}")
    for t in tables:
        own = [c for c in checks if c.get("table") == t.get("id")]
        bad = sum(1 for c in own if not c.get("ok"))
        if len(own) >= 2 and bad * 2 > len(own):
            serious = True
            warnings.append(f"table {t.get('id')} {t.get('form') or t.get('title') or ''}".rstrip()
                            + f" fails {bad} of {len(own)} identities")
    for w in d.get("warnings") or []:  # the document's own warnings (pipeline.verdict)
        if w.get("kind") == "missing_table":
            serious = True
            warnings.append(f"missing {w.get('form') or w.get('template')} {w.get('title', '')}".rstrip())
        elif w.get("kind") == "empty_table_unexplained":
            serious = True
            warnings.append(f"table {w.get('table')} {w.get('form') or w.get('title') or ''}".rstrip()
                            + " printed empty with no note saying why")
        elif w.get("kind") == "table_structure" and set(w.get("reasons") or []) - {"identities_failing"}:
            serious = True  # failing identities alone are told below
            warnings.append(f"table {w.get('table')} structure doubtful ({', '.join(w.get('reasons') or [])})"
                            + ("; its body borne out by its identities, its header flagged"
                               if w.get("body_confirmed") else ""))
        elif w.get("kind") == "stray_column":  # (not serious: the marks are kept in the warning)
            warnings.append(f"table {w.get('table')}: a column of marks no header names taken off "
                            f"({len(w.get('texts') or [])} read)")
    header = [w for w in d.get("warnings") or [] if w.get("kind") == "header_cells"]
    if header:  # flagged header cells (pipeline.headercheck): the body is unaffected, so not serious
        warnings.append(_plural(sum(int(w.get("cells") or 0) for w in header), "header cell", "header cells")
                        + " flagged (" + ", ".join(f"{w.get('table')}: {'/'.join(w.get('reasons') or [])}"
                                                   for w in header) + ")")
    if result.failing_checks:
        warnings.append(_plural(result.failing_checks, "failing identity", "failing identities"))
    if result.repairs:
        warnings.append(_plural(result.repairs, "repaired cell", "repaired cells"))
    if result.pages_without_tables:
        warnings.append(f"pages without tables {_page_list(result.pages_without_tables)}")
    result.warnings = warnings + result.warnings
    result.serious = serious
    return result


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _page_list(numbers: list[int], limit: int = 12) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown + (f" … ({len(numbers)} pages)" if len(numbers) > limit else "")


def _existing_result(job: Job, out_dir: Path) -> JobResult:
    """A skipped document still counts in the summary with what its output holds."""
    d = read_output_json(json_path(out_dir, job.rel)) or {}
    return document_facts(d, JobResult(job.name, "skipped", "up to date"))


def _apply_review_corrections(doc: Document, out_dir: Path) -> None:
    """Re-apply reviewers' corrections (kept in OUT/review.sqlite) to a re-extracted document."""
    if not (out_dir / "review.sqlite").exists():
        return
    from .review.corrections import apply_to_document

    apply_to_document(doc, out_dir)


def _write(job: Job, outcome: Outcome, out_dir: Path, attempts: int) -> JobResult:
    """The driver writes: corrections re-applied, JSON + CSVs atomically; facts for the summary."""
    if outcome.document is None:
        return JobResult(job.name, "failed", outcome.reason, seconds=outcome.seconds, attempts=attempts,
                         worker_peak_mb=round(outcome.peak_rss_mb, 1))
    doc = outcome.document
    try:
        _apply_review_corrections(doc, out_dir)
        write_document(doc, out_dir, job.rel, job.source)
    except OSError as e:
        return JobResult(job.name, "failed", f"cannot write the output: {e.strerror or e}",
                         seconds=outcome.seconds, attempts=attempts)
    except Exception as e:  # a corrupt review store, …: named, the batch goes on
        return JobResult(job.name, "failed", f"writing the output failed: {e.__class__.__name__}: {e}",
                         seconds=outcome.seconds, attempts=attempts)
    result = JobResult(job.name, "ok", seconds=outcome.seconds, attempts=attempts,
                       worker_peak_mb=round(outcome.peak_rss_mb, 1))
    if attempts > 1:
        result.warnings.append(f"extracted on attempt {attempts} (a worker died before)")
    return document_facts(doc.to_dict(), result)


class _RunLock:
    """One extract run per OUT at a time (flock on OUT/.disclosure.lock); the holder may clean the
    temporary files an interrupted run left."""

    def __init__(self, out_dir: Path):
        self.path = out_dir / ".disclosure.lock"
        self.fd: int | None = None

    def __enter__(self) -> "_RunLock":
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            self.fd = None
            raise BatchBusy(f"{printable(self.path.parent)}: another disclosure extract is writing to this "
                            "folder; wait for it or choose another -o") from None
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)


class BatchBusy(Exception):
    """Another run holds OUT (a usage error)."""


class BackendError(Exception):
    """The backend cannot run at all (no cluster, bad address): a usage error, nothing was extracted."""


def run_batch(jobs: list[Job], out_dir: Path, settings: ExtractSettings, workers: int = 1, force: bool = False,
              progress: Progress | None = None, refused: list[tuple[str, str]] | None = None,
              time_limit: TimeLimit = TimeLimit(), retries: int = 1, backend: Backend | None = None) -> BatchSummary:
    """Run every job on ``backend`` (default: ``workers`` local processes) and write OUT.

    ``refused``: (path, reason) of inputs discovery could not use; they are failed entries of the summary.
    ``retries``: how often a document whose worker died is run again (a document over its time limit is
    not). Raises :class:`BatchBusy` when another run holds OUT."""
    t_start = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    with _RunLock(out_dir):
        clean_stale_temp(out_dir)
        summary = BatchSummary()
        for path, reason in refused or []:
            r = JobResult(path, "failed", reason)
            summary.results.append(r)
            if progress:
                progress.finished(r)
        todo: list[Job] = []
        for job in jobs:
            if not force and up_to_date(job, out_dir, settings):
                r = _existing_result(job, out_dir)
                summary.results.append(r)
                if progress:
                    progress.finished(r)
            else:
                todo.append(job)
        if todo:
            backend = backend or LocalBackend(workers)
            try:
                _drive(backend, todo, out_dir, settings, summary, progress, time_limit, retries)
            finally:
                backend.close()
        order = {j.name: i for i, j in enumerate(jobs)}
        summary.results.sort(key=lambda r: order.get(r.rel, -1))
        summary.elapsed = time.perf_counter() - t_start
        write_run_summary(summary, out_dir)
    return summary


def _drive(backend: Backend, todo: list[Job], out_dir: Path, settings: ExtractSettings, summary: BatchSummary,
           progress: Progress | None, time_limit: TimeLimit, retries: int) -> None:
    """The driver loop shared by every backend: submit, follow events, time limits, retries, writing."""
    by_rel = {j.rel: j for j in todo}
    attempts = {j.rel: 0 for j in todo}
    started_at: dict[str, float] = {}
    pages: dict[str, int | None] = {}
    open_jobs = set(by_rel)
    backend.start(settings)

    def submit(job: Job) -> None:
        attempts[job.rel] += 1
        started_at.pop(job.rel, None)  # the clock starts when a worker takes it up
        pages[job.rel] = None
        backend.submit(job)

    def finish(result: JobResult, rel: str) -> None:
        open_jobs.discard(rel)
        summary.results.append(result)
        if progress:
            progress.finished(result)

    for job in todo:
        submit(job)
    while open_jobs:
        for ev in backend.events(timeout=0.5):
            job = by_rel.get(ev.rel)
            if job is None or ev.rel not in open_jobs:
                continue
            if ev.kind == "running":
                started_at[ev.rel] = time.monotonic()
            elif ev.kind == "started":
                started_at.setdefault(ev.rel, time.monotonic())
                pages[ev.rel] = ev.pages
                if progress:
                    progress.started(job, ev.pages, ev.where)
            elif ev.kind == "page":
                if progress:
                    progress.page(job, ev.page, ev.pages)
            elif ev.kind == "done":
                finish(_write(job, ev.outcome, out_dir, attempts[ev.rel]), ev.rel)
            elif ev.kind == "died":
                if not backend.retries_in_backend and attempts[ev.rel] <= retries:
                    submit(job)
                    continue
                n = ev.attempts or attempts[ev.rel]
                finish(JobResult(job.name, "failed", f"{ev.reason} while extracting this document "
                                                     f"({n} attempt{'s' if n != 1 else ''})",
                                 attempts=n, seconds=time.monotonic() - started_at.get(ev.rel, time.monotonic())),
                       ev.rel)
        now = time.monotonic()
        for rel in list(open_jobs):
            if rel not in started_at:
                continue
            limit = time_limit.seconds(pages[rel])
            if now - started_at[rel] > limit:
                backend.kill(rel)
                finish(JobResult(by_rel[rel].name, "failed",
                                 f"timed out after {now - started_at[rel]:.0f} s (limit {limit:.0f} s: "
                                 f"{time_limit.describe(pages[rel])})", pages=pages[rel] or 0,
                                 attempts=attempts[rel], seconds=now - started_at[rel]), rel)


def write_run_summary(summary: BatchSummary, out_dir: Path) -> None:
    atomic_write_json(out_dir / "run-summary.json", {
        "pipeline": PIPELINE_VERSION,
        "documents": summary.verdicts(),
        "elapsed_seconds": round(summary.elapsed, 2),
        "pages_extracted": summary.pages_done,
        "pages_per_second": round(summary.pages_per_second, 3),
        "cells": summary.total("cells"),
        "cells_flagged": summary.total("flagged"),
        "header_cells_flagged": summary.total("header_flagged"),
        "worker_peak_mb": max((r.worker_peak_mb for r in summary.results), default=0.0),
        "next": REVIEW_HINT.format(out=printable(out_dir)),
        "results": [r.to_dict() for r in summary.results],
    })
