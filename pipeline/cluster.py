"""Dask distributed backend for :func:`pipeline.batch.run_batch` (``--backend dask``; ``pip install
'disclosure[cluster]'``).

Each document is one Dask task (:func:`run_document`, which calls the same
:func:`~pipeline.batch.extract_task` as the local workers); its progress events travel through the
scheduler's event log (topic ``disclosure-progress``) and its :class:`~pipeline.batch.Outcome` (the extracted
document) comes back to the driver, which writes OUT exactly as with local workers. Dask does the scheduling,
the worker restarts and the retries of a document whose worker died (``distributed.scheduler.allowed-failures``,
set from ``--retries`` for a LocalCluster; a running scheduler keeps its own setting, which is reported).

Inputs. By default the workers read the inputs from storage they share with the driver, at the same absolute
path (NFS, a mounted archive); a worker that cannot read a path, or sees a file of another size or date
there, fails that document with a reason saying so. ``--ship-inputs`` sends each file's bytes from the
driver to the worker instead (no shared storage needed; the whole file travels through the network).

Workers load the OCR model once (a worker plugin) and use one inference thread per worker thread; start
workers with ``--nthreads 1`` and as many processes as cores (``dask worker --nworkers N --nthreads 1``).

Memory allocator. Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also fixes glibc's
mmap threshold at 128 KiB: every page image and intermediate array is then mmap'd and unmapped again, and the
same document costs about twice the processor time it costs in a local worker (measured: 43.8 vs 23.2 s on
samples/s02). The worker plugin gives the allocator back thresholds sized for page images
(:func:`relax_malloc_trim`).
"""
from __future__ import annotations

import logging
import os
import queue
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from .batch import BackendError, Event, Job, Outcome, extract_task, worker_setup
from .extract import ExtractSettings
from .fsutil import printable

try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # DaskBackend() refuses clearly without the cluster extra
    WorkerPlugin = object

TOPIC = "disclosure-progress"


class ClusterError(BackendError):
    """The cluster cannot be used (Dask missing, scheduler unreachable, bad address); a usage error."""


@dataclass(frozen=True)
class InputStamp:
    """What the driver sees of an input, for the worker to check it reads the same file."""

    size: int
    mtime_ns: int


def run_document(job: Job, settings: ExtractSettings, stamp: InputStamp | None, data: bytes | None,
                 token: str) -> Outcome:
    """The Dask task: one document on a worker (shared storage, or the bytes shipped by the driver).
    Progress events name the document by ``token`` (event messages are msgpack: a file name that is not
    UTF-8 could not travel in them)."""
    from distributed import get_worker

    worker = get_worker()
    where = worker.address

    def emit(kind, _rel, *data) -> None:
        worker.log_event(TOPIC, [kind, token, *data])

    if data is not None:
        with tempfile.TemporaryDirectory(prefix="disclosure-") as tmp:
            local = Path(tmp) / ("input" + Path(job.source).suffix.lower())
            local.write_bytes(data)
            outcome = extract_task(Job(local, job.rel), settings, emit, where)
        return outcome
    try:
        st = os.stat(job.source)
    except OSError as e:
        emit("running", job.rel, where)
        return Outcome(job.rel, reason=f"worker {where} cannot read {printable(job.source)} ({e.strerror}): the "
                                       "inputs must be on storage every worker sees at the same path, or use "
                                       "--ship-inputs", where=where)
    if stamp is not None and (st.st_size, st.st_mtime_ns) != (stamp.size, stamp.mtime_ns):
        emit("running", job.rel, where)
        return Outcome(job.rel, reason=f"worker {where} sees another file at {printable(job.source)} "
                                       f"({st.st_size} bytes, not {stamp.size}): the storage is not shared; use "
                                       "--ship-inputs", where=where)
    return extract_task(job, settings, emit, where)


MMAP_THRESHOLD = 32 << 20  # glibc's own ceiling for its dynamic mmap threshold on 64-bit
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # what glibc's dynamic rule would set with it


malloc_relaxed = False  # set in a worker process by relax_malloc_trim()


def relax_malloc_trim() -> bool:
    """Undo Dask's ``MALLOC_TRIM_THRESHOLD_`` in this process (glibc only): page-sized arrays come from the
    heap again and freed memory is returned above 64 MiB. True when the thresholds were set."""
    global malloc_relaxed
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        return False
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):  # not glibc (musl, macOS): nothing to undo there
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    malloc_relaxed = bool(mallopt(m_mmap_threshold, MMAP_THRESHOLD)) and bool(mallopt(m_trim_threshold,
                                                                                     TRIM_THRESHOLD))
    return malloc_relaxed


class OcrWorkerPlugin(WorkerPlugin):
    """Runs once in every worker: thread settings, then the OCR model loaded before the first task."""

    name = "disclosure-ocr"

    def __init__(self, settings: ExtractSettings, threads: int = 1):
        self.settings = settings
        self.threads = threads

    def setup(self, worker) -> None:
        relax_malloc_trim()
        worker_setup(self.threads)
        from .ocr import get_recognizer

        get_recognizer(self.settings.ocr)

    def teardown(self, worker) -> None:
        pass


class DaskBackend:
    """``local:N`` starts a LocalCluster of N single-threaded worker processes; ``tcp://HOST:PORT``
    connects to a running scheduler."""

    retries_in_backend = True

    def __init__(self, address: str, ship_inputs: bool = False, retries: int = 1):
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ClusterError("--backend dask needs Dask distributed: pip install 'disclosure[cluster]'") from None
        self.address = address
        self.ship_inputs = ship_inputs
        self.retries = retries
        self.cluster = None
        self.client = None
        self._events: queue.Queue = queue.Queue()
        self._futures: dict[str, object] = {}
        self._where: dict[str, str] = {}
        self._killed: set[str] = set()
        self._tokens: dict[str, str] = {}  # task key → rel
        self._pending: list[Job] = []
        self.allowed_failures = retries
        if address.startswith("local:"):
            try:
                self.n_local = int(address.split(":", 1)[1])
            except ValueError:
                raise ClusterError(f"--address {address}: expected local:N (N workers)") from None
            if self.n_local < 1:
                raise ClusterError(f"--address {address}: at least one worker")
        elif not address.startswith(("tcp://", "tls://", "ws://", "wss://", "inproc://")):
            raise ClusterError(f"--address {address}: expected local:N or a scheduler address like "
                               "tcp://HOST:8786")

    # -- Backend protocol -----------------------------------------------------------------------------

    def start(self, settings: ExtractSettings) -> None:
        import dask
        from distributed import Client, LocalCluster

        self.settings = settings
        if self.address.startswith("local:"):
            with dask.config.set({"distributed.scheduler.allowed-failures": self.retries,
                                  "distributed.scheduler.worker-saturation": 1.0}):
                # everything on the loopback; the scheduler's HTTP endpoint on a free port
                self.cluster = LocalCluster(n_workers=self.n_local, threads_per_worker=1, processes=True,
                                            host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                            silence_logs=logging.ERROR)
                self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(self.address, timeout="20s")
            except (OSError, TimeoutError) as e:
                raise ClusterError(f"cannot reach the Dask scheduler at {self.address}: {e}") from None
            self.allowed_failures = self.client.run_on_scheduler(
                lambda: __import__("dask").config.get("distributed.scheduler.allowed-failures"))
        self.client.register_plugin(OcrWorkerPlugin(settings), name=OcrWorkerPlugin.name)
        self.client.subscribe_topic(TOPIC, self._on_event)

    def _on_event(self, event) -> None:
        _time, message = event
        kind, rel = message[0], self._tokens.get(message[1])
        if rel is None:  # another run's event on the same scheduler
            return
        if kind == "running":
            self._where[rel] = message[2]
            self._events.put(Event("running", rel, where=message[2]))
        elif kind == "started":
            self._events.put(Event("started", rel, pages=message[2], where=message[3]))
        elif kind == "page":
            self._events.put(Event("page", rel, page=message[2], pages=message[3]))

    def submit(self, job: Job) -> None:
        """Queued here; at most two documents per worker thread are in the cluster at a time (shipped
        bytes are read only then, and the time limit starts when a worker takes a document up)."""
        self._pending.append(job)
        self._pump()

    def _pump(self) -> None:
        threads = sum(w.get("nthreads", 1) for w in self.client.scheduler_info().get("workers", {}).values())
        room = max(2, 2 * threads) - sum(1 for f in self._futures.values() if not f.done())
        while self._pending and room > 0:
            self._send(self._pending.pop(0))
            room -= 1

    def _send(self, job: Job) -> None:
        data, stamp = None, None
        if self.ship_inputs:
            data = Path(job.source).read_bytes()
        else:
            st = os.stat(job.source)
            stamp = InputStamp(st.st_size, st.st_mtime_ns)
        key = f"disclosure-{uuid.uuid4().hex}"
        self._tokens[key] = job.rel
        fut = self.client.submit(run_document, job, self.settings, stamp, data, key, key=key, pure=False, retries=0)
        self._futures[job.rel] = fut
        fut.add_done_callback(lambda f, rel=job.rel: self._events.put(("done", rel, f)))

    def events(self, timeout: float) -> list[Event]:
        out: list[Event] = []
        self._pump()
        try:
            item = self._events.get(timeout=timeout)
        except queue.Empty:
            return out
        while True:
            ev = self._finished(item) if isinstance(item, tuple) else item
            if ev is not None:
                out.append(ev)
            try:
                item = self._events.get_nowait()
            except queue.Empty:
                return out

    def _finished(self, item) -> Event | None:
        from distributed import KilledWorker

        _, rel, fut = item
        if rel in self._killed or fut.status == "cancelled":
            return None
        if fut.status == "finished":
            outcome: Outcome = fut.result()
            return Event("done", rel, outcome=outcome, where=outcome.where)
        exc = fut.exception()
        if isinstance(exc, KilledWorker):
            runs = self.allowed_failures + 1
            return Event("died", rel, reason="the Dask worker running it died each time (out of memory or killed;"
                                             f" scheduler allowed-failures {self.allowed_failures})", attempts=runs)
        where = self._where.get(rel, "a worker")
        return Event("done", rel, outcome=Outcome(rel, reason=f"task failed on {where}: "
                                                          f"{exc.__class__.__name__}: {exc}", where=where))

    def kill(self, rel: str) -> None:
        """Time limit: the worker running it is restarted (its nanny starts a fresh process), then the task
        is cancelled. In that order: cancelling first would free the worker's slot in the scheduler's eyes
        while the thread still runs, so the next document would be sent there and die in the restart."""
        self._killed.add(rel)
        where = self._where.get(rel)
        if where:
            try:
                self.client.restart_workers([where], raise_for_error=False)
            except Exception as e:  # the worker may already be gone
                logging.getLogger("disclosure.extract").warning("restarting worker %s: %s", where, e)
        fut = self._futures.get(rel)
        if fut is not None:
            fut.cancel()

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.unsubscribe_topic(TOPIC)
            except Exception:
                pass
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
