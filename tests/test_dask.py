"""Issue 14: the Dask backend gives the same outputs as local workers, on a LocalCluster and on a real
`dask scheduler` + two `dask worker` processes on 127.0.0.1; a worker killed mid-batch costs at most its
own document (retried, else failed with the reason). The born-digital samples run in the default suite;
every committed sample (scans included) runs under -m slow."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.batch import discover, run_batch
from pipeline.cli import main
from pipeline.extract import ExtractSettings
from tests.conftest import ROOT, SAMPLES

distributed = pytest.importorskip("distributed", reason="pip install '.[cluster]'")
pytestmark = pytest.mark.cluster

DIGITAL = ["s03_education_2024_digital_wm.pdf", "s04_health_2023_digital.pdf"]


def _inputs(tmp_path, names):
    src = tmp_path / "in"
    src.mkdir()
    for n in names:
        shutil.copy(SAMPLES / n, src / n)
    return src


def _outputs(out: Path) -> dict[str, bytes]:
    """Every output file except the run summary and the QA report (they hold timings and OUT's path)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name not in ("run-summary.json", ".disclosure.lock", "report.html")
            and p.relative_to(out).parts[0] != "report"}


def _same_as_local(tmp_path, src, *dask_args):
    local, dask_out = tmp_path / "local", tmp_path / "dask"
    assert main(["extract", str(src), "-o", str(local), "-q", "-j", "2"]) == 0
    assert main(["extract", str(src), "-o", str(dask_out), "-q", "--backend", "dask", *dask_args]) == 0
    a, b = _outputs(local), _outputs(dask_out)
    assert a.keys() == b.keys() and len(a) >= 10
    assert [k for k in a if a[k] != b[k]] == []
    summary = json.loads((dask_out / "run-summary.json").read_text(encoding="utf-8"))
    assert summary["documents"]["failed"] == 0 and summary["pages_per_second"] > 0
    # resume works the same: a rerun finds everything up to date
    assert main(["extract", str(src), "-o", str(dask_out), "-q", "--backend", "dask", *dask_args]) == 0
    rerun = json.loads((dask_out / "run-summary.json").read_text(encoding="utf-8"))
    assert rerun["documents"]["skipped"] == len(list(src.iterdir()))


def test_local_cluster_outputs_equal_local_backend(tmp_path):
    src = _inputs(tmp_path, DIGITAL)
    shutil.copy(SAMPLES / DIGITAL[1], src / os.fsdecode(b"caf\xe9.pdf"))  # a name that is not UTF-8 travels too
    _same_as_local(tmp_path, src, "--address", "local:2")


@pytest.mark.slow
def test_workers_undo_dasks_malloc_trim_threshold():
    """Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536 (every page-sized array mmap'd and
    unmapped: twice the processor time per document); the OCR worker plugin gives glibc its thresholds back."""
    from pipeline.cluster import DaskBackend

    backend = DaskBackend("local:1")
    backend.start(ExtractSettings())
    try:
        state = backend.client.run(lambda: (os.environ.get("MALLOC_TRIM_THRESHOLD_"),
                                            __import__("pipeline.cluster").cluster.malloc_relaxed))
    finally:
        backend.close()
    assert len(state) == 1
    (env, relaxed), = state.values()
    assert env is not None, "Dask no longer sets MALLOC_TRIM_THRESHOLD_: relax_malloc_trim can go"
    assert relaxed is True


def test_local_cluster_shipping_input_bytes(tmp_path):
    src = _inputs(tmp_path, DIGITAL[1:])
    _same_as_local(tmp_path, src, "--address", "local:1", "--ship-inputs")


class DaskProcesses:
    """`dask scheduler` and `dask worker` processes (nanny, one thread each) on 127.0.0.1. A worker started
    with ``hide=DIR`` runs in its own mount namespace with an empty tmpfs over DIR: a node that does not
    share the driver's storage."""

    def __init__(self, tmp_path: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.log = open(tmp_path / "cluster.log", "w")
        self.procs: list[subprocess.Popen] = []
        self._start([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port",
                     str(self.port), "--no-dashboard"])

    def _start(self, cmd):
        self.procs.append(subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT))

    def workers(self, n: int, hide: Path | None = None) -> str:
        cmd = [sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--nthreads", "1",
               "--no-dashboard", "--host", "127.0.0.1"]
        for _ in range(n):
            if hide is None:
                self._start(cmd)
            else:
                self._start(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                             f'mount -t tmpfs none "$0" && exec "$@"', str(hide), *cmd])
        with distributed.Client(self.address, timeout="60s") as client:
            client.wait_for_workers(n, timeout=120)
        return self.address

    def stop(self) -> None:
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        self.log.close()


@pytest.fixture
def dask_processes(tmp_path):
    procs = DaskProcesses(tmp_path)
    try:
        yield procs
    finally:
        procs.stop()


@pytest.fixture
def scheduler_and_workers(dask_processes):
    return dask_processes.workers(2)


def test_scheduler_and_worker_processes_equal_local_backend(tmp_path, scheduler_and_workers):
    _same_as_local(tmp_path, _inputs(tmp_path, DIGITAL), "--address", scheduler_and_workers)


def test_worker_without_the_inputs_refuses_clearly_then_shipping_works(tmp_path, dask_processes):
    if os.geteuid() != 0 or subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode:
        pytest.skip("needs unshare --mount (root) to give a worker its own storage view")
    src = _inputs(tmp_path, DIGITAL[1:])
    address = dask_processes.workers(1, hide=src)
    out = tmp_path / "out"
    assert main(["extract", str(src), "-o", str(out), "-q", "--backend", "dask", "--address", address]) == 1
    reason = json.loads((out / "run-summary.json").read_text(encoding="utf-8"))["results"][0]["reason"]
    assert "cannot read" in reason and "--ship-inputs" in reason and "same path" in reason
    assert main(["extract", str(src), "-o", str(out), "-q", "--backend", "dask", "--address", address,
                 "--ship-inputs"]) == 0
    assert (out / (DIGITAL[1] + ".json")).exists()


def test_unreachable_scheduler_is_a_usage_error(tmp_path, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    src = _inputs(tmp_path, DIGITAL[1:])
    code = main(["extract", str(src), "-o", str(tmp_path / "out"), "-q", "--backend", "dask", "--address",
                 f"tcp://127.0.0.1:{port}"])
    assert code == 2 and "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert main(["extract", str(src), "-o", str(tmp_path / "out"), "--address", "local:2"]) == 2  # needs dask


class KillDaskWorker:
    """Kills the worker process running ``victim`` at its page 2, ``times`` times (as the OOM killer would)."""

    def __init__(self, victim, times):
        self.victim, self.times, self.backend = victim, times, None
        self.killed, self.where, self.results = 0, {}, []

    def started(self, job, pages, where=""):
        self.where[job.rel] = where

    def page(self, job, done, total):
        if job.rel == self.victim and done == 2 and self.times > 0:
            pids = self.backend.client.run(os.getpid, workers=[self.where[job.rel]])
            self.times -= 1
            self.killed += 1
            os.kill(pids[self.where[job.rel]], signal.SIGKILL)

    def finished(self, result):
        self.results.append(result)


@pytest.mark.parametrize("times,victim_status", [pytest.param(1, "ok", marks=pytest.mark.slow), (5, "failed")])
def test_killed_worker_costs_at_most_its_own_document(tmp_path, times, victim_status):
    from pipeline.cluster import DaskBackend

    src = tmp_path / "in"
    src.mkdir()
    for name in ("a.pdf", "b.pdf", "c.pdf"):
        shutil.copy(SAMPLES / DIGITAL[1], src / name)
    jobs, _ = discover([str(src)])
    hook = KillDaskWorker("b.pdf", times)
    backend = DaskBackend("local:2", retries=1)
    hook.backend = backend
    summary = run_batch(jobs, tmp_path / "out", ExtractSettings(), progress=hook, backend=backend)
    res = {r.rel: r for r in summary.results}
    assert hook.killed == (1 if times == 1 else 2)
    assert res["a.pdf"].status == res["c.pdf"].status == "ok"
    assert res["b.pdf"].status == victim_status
    if victim_status == "failed":
        assert "died" in res["b.pdf"].reason and "2 attempts" in res["b.pdf"].reason
        assert not (tmp_path / "out" / "b.pdf.json").exists()
    else:
        assert (tmp_path / "out" / "b.pdf.json").exists()


@pytest.mark.slow
def test_time_limit_restarts_the_dask_worker(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    import make_malformed

    src = tmp_path / "in"
    src.mkdir()
    # two documents over the limit on one worker: a healthy document sent to the worker being restarted
    # would be blamed twice and fail (allowed-failures 1) — the restart must come before the cancel
    (src / "bomb.pdf").write_bytes(make_malformed.bomb_pdf(50))  # > 40 s of pdfium work
    (src / "bomb2.pdf").write_bytes(make_malformed.bomb_pdf(50))
    shutil.copy(SAMPLES / DIGITAL[1], src / "good.pdf")
    t0 = time.monotonic()
    code = main(["extract", str(src), "-o", str(tmp_path / "out"), "-q", "--backend", "dask", "--address",
                 "local:1", "--timeout", "25"])
    summary = json.loads((tmp_path / "out" / "run-summary.json").read_text(encoding="utf-8"))
    res = {r["rel"]: r for r in summary["results"]}
    if "timed out" not in res["bomb.pdf"]["reason"]:
        pytest.skip(f"ingest refuses the bomb before the limit now: {res['bomb.pdf']['reason']}")
    assert "timed out" in res["bomb2.pdf"]["reason"]
    assert code == 1 and res["good.pdf"]["status"] == "ok", res["good.pdf"]  # the restarted worker went on
    assert time.monotonic() - t0 < 300


@pytest.mark.slow
def test_every_committed_sample_on_local_cluster_and_worker_processes(tmp_path, scheduler_and_workers):
    names = sorted(p.name for p in SAMPLES.glob("*.pdf"))
    src = _inputs(tmp_path, names)
    for sub, address in (("a", "local:2"), ("b", scheduler_and_workers)):
        (tmp_path / sub).mkdir()
        _same_as_local(tmp_path / sub, src, "--address", address)
