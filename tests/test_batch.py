"""Batch-level reliability (issue 12 items 1, 5, 6, 8) and batch visibility (issue 13 items 7, 8), on the
committed born-digital sample (12 pages, 9 tables, a few seconds per run)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from pipeline.batch import JobResult, TimeLimit, discover, document_facts, run_batch
from pipeline.cli import main
from pipeline.extract import ExtractSettings
from tests.conftest import ROOT, SAMPLES

GOOD = SAMPLES / "s04_health_2023_digital.pdf"
sys.path.insert(0, str(ROOT / "scripts"))
import make_malformed  # noqa: E402


def _summary(out):
    raw = (out / "run-summary.json").read_bytes()
    return json.loads(raw.decode("utf-8"))  # strict UTF-8: a surrogate would have failed to encode


def _by_rel(summary):
    return {r["rel"]: r for r in summary["results"]}


# ---------------------------------------------------------------------------- item 1: non-UTF-8 names

def test_names_that_are_not_utf8_are_kept_and_reported_safely(tmp_path, capsys):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    latin1 = os.fsdecode(b"caf\xe9.pdf")
    shutil.copy(GOOD, src / latin1)
    (src / os.fsdecode(b"\xb2\xbf\xc3\xc5-broken.pdf")).write_bytes(b"%PDF-1.7\n garbage")
    shutil.copy(GOOD, src / "two\nlines.pdf")
    assert main(["extract", str(src), "-o", str(out), "-q"]) == 1
    printed = capsys.readouterr().out
    summary = _summary(out)
    results = _by_rel(summary)
    assert results["caf\\xe9.pdf"]["status"] == "ok" and results["caf\\xe9.pdf"]["tables"] == 9
    assert results["\\xb2\\xbf\\xc3\\xc5-broken.pdf"]["status"] == "failed"
    assert results["two\\nlines.pdf"]["status"] == "ok"
    # the outputs keep the file's own bytes in their names; the JSON inside is valid UTF-8
    assert os.path.exists(os.path.join(os.fsencode(out), b"caf\xe9.pdf.json"))
    doc = json.loads((out / (latin1 + ".json")).read_bytes().decode("utf-8"))
    assert doc["source"]["path"] == "caf\\xe9.pdf" and doc["source"]["file"].endswith("caf\\xe9.pdf")
    assert len(list((out / (latin1 + ".tables")).glob("*.csv"))) == 9
    # one line per document in the printed summary, escaped
    line = next(l for l in printed.splitlines() if "\\xb2\\xbf\\xc3\\xc5-broken.pdf" in l)
    assert line.startswith("failed") and "corrupt" in line or "PDF" in line
    assert not any(l.startswith("lines.pdf") for l in printed.splitlines())
    # a rerun finds them up to date (the freshness key works with the byte names too)
    assert main(["extract", str(src), "-o", str(out), "-q"]) == 1
    assert _by_rel(_summary(out))["caf\\xe9.pdf"]["status"] == "skipped"


# ------------------------------------------------------------------ item 5: a killed worker, retries

class KillOnPage:
    """Progress hook that kills the worker process running ``victim`` when it reports page 2, on each of the
    first ``times`` attempts (as the OOM killer would)."""

    def __init__(self, victim: str, times: int):
        self.victim, self.times = victim, times
        self.pids: list[int] = []
        self.pages: dict[str, list[int]] = {}
        self.results: list[JobResult] = []
        self.where: dict[str, str] = {}

    def started(self, job, pages, where=""):
        self.where[job.rel] = where  # "pid N" of the local worker that took the document up

    def page(self, job, done, total):
        self.pages.setdefault(job.rel, []).append(done)
        if job.rel == self.victim and done == 2 and self.times > 0:
            self.times -= 1
            pid = int(self.where[job.rel].split()[-1])
            assert pid != os.getpid()
            self.pids.append(pid)
            os.kill(pid, signal.SIGKILL)

    def finished(self, result):
        self.results.append(result)


def _three_docs(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a.pdf", "b.pdf", "c.pdf"):
        shutil.copy(GOOD, src / name)
    jobs, refused = discover([str(src)])
    assert not refused and [j.rel for j in jobs] == ["a.pdf", "b.pdf", "c.pdf"]
    return jobs


def test_killed_worker_is_charged_to_its_own_document_and_retried(tmp_path):
    jobs = _three_docs(tmp_path)
    # the victim's worker is killed on page 2 of its first run: the retry succeeds, the others never fail
    hook = KillOnPage("b.pdf", times=1)
    summary = run_batch(jobs, tmp_path / "out", ExtractSettings(), workers=2, progress=hook)
    res = {r.rel: r for r in summary.results}
    assert len(hook.pids) == 1
    assert res["b.pdf"].status == "ok" and res["b.pdf"].attempts == 2
    assert any("attempt 2" in w for w in res["b.pdf"].warnings)
    assert res["a.pdf"].status == res["c.pdf"].status == "ok"
    assert res["a.pdf"].attempts == res["c.pdf"].attempts == 1
    assert summary.exit_code == 0
    # killed on every run: it fails with the reason after the bounded retries; the others are written
    hook = KillOnPage("b.pdf", times=5)
    summary = run_batch(jobs, tmp_path / "out2", ExtractSettings(), workers=2, progress=hook, retries=1)
    res = {r.rel: r for r in summary.results}
    assert len(hook.pids) == 2
    assert res["b.pdf"].status == "failed" and res["b.pdf"].attempts == 2
    assert "SIGKILL" in res["b.pdf"].reason and "2 attempts" in res["b.pdf"].reason
    assert res["a.pdf"].status == res["c.pdf"].status == "ok"
    assert (tmp_path / "out2" / "a.pdf.json").exists() and not (tmp_path / "out2" / "b.pdf.json").exists()
    assert _by_rel(_summary(tmp_path / "out2"))["b.pdf"]["reason"] == res["b.pdf"].reason


# ------------------------------------------------------------------- item 6: inputs that cannot run

def test_unusable_inputs_each_get_a_reason_and_exit_1(tmp_path, capsys):
    src, other, out = tmp_path / "in", tmp_path / "other", tmp_path / "out"
    src.mkdir()
    other.mkdir()
    shutil.copy(GOOD, src / "good.pdf")
    shutil.copy(GOOD, other / "good.pdf")  # same relative path as in/good.pdf
    os.symlink("nowhere.pdf", src / "dangling.pdf")
    os.symlink("loop2.pdf", src / "loop1.pdf")
    os.symlink("loop1.pdf", src / "loop2.pdf")
    os.symlink("/dev/zero", src / "zero.pdf")
    os.symlink("/dev/null", src / "null.png")
    os.mkfifo(src / "pipe.pdf")
    os.symlink(str(tmp_path / "other"), src / "folder_link")
    t0 = time.monotonic()
    code = main(["extract", str(src), str(other), str(tmp_path / "missing.pdf"), "-o", str(out), "-q"])
    assert time.monotonic() - t0 < 120  # never blocked on the FIFO
    assert code == 1
    printed = capsys.readouterr().out
    summary = _summary(out)
    reasons = {r["rel"]: r["reason"] for r in summary["results"] if r["status"] == "failed"}
    expected = {"dangling.pdf": "dangling link", "loop1.pdf": "link loop", "loop2.pdf": "link loop",
                "zero.pdf": "character device", "null.png": "character device", "pipe.pdf": "FIFO",
                "folder_link": "link to a folder", "missing.pdf": "no such file", "other/good.pdf": "same relative path"}
    for name, words in expected.items():
        rel = next(r for r in reasons if r.endswith(name))
        assert words in reasons[rel], (name, reasons[rel])
        line = next(l for l in printed.splitlines() if l.startswith("failed") and rel in l)
        assert words in line
    assert summary["documents"]["failed"] == len(expected) and summary["documents"]["ok"] == 1
    assert (out / "good.pdf.json").exists()


# ---------------------------------------------------------------- item 8: time limit, temp files, umask

def test_time_limit_stops_the_document_and_the_batch_goes_on(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "bomb.pdf").write_bytes(make_malformed.bomb_pdf(50))  # > 40 s of pdfium work
    shutil.copy(GOOD, src / "z_good.pdf")
    jobs, _ = discover([str(src)])
    t0 = time.monotonic()
    # 2 s + 5 s per page: 7 s for the one-page bomb, a minute for the 12-page sample (a loaded machine)
    summary = run_batch(jobs, tmp_path / "out", ExtractSettings(), workers=1,
                        time_limit=TimeLimit(base=2, per_page=5))
    res = {r.rel: r for r in summary.results}
    if res["bomb.pdf"].status == "failed" and "timed out" not in res["bomb.pdf"].reason:
        pytest.skip(f"ingest now refuses the bomb before the limit: {res['bomb.pdf'].reason}")
    assert res["bomb.pdf"].status == "failed" and "timed out after" in res["bomb.pdf"].reason
    assert "limit 7 s: 2 s + 5 s × 1 pages" in res["bomb.pdf"].reason
    assert res["z_good.pdf"].status == "ok", res["z_good.pdf"].reason  # the killed worker was replaced
    # a fixed limit (--timeout S) is named as such
    assert TimeLimit(fixed=3).describe(12) == "--timeout 3 s" and TimeLimit(fixed=3).seconds(12) == 3
    assert time.monotonic() - t0 < 120
    # the default limit scales with pages
    assert TimeLimit().seconds(1) == 240 and TimeLimit().seconds(100) == 6180
    assert TimeLimit(fixed=0).seconds(5) == float("inf")


def test_stale_temporary_files_are_cleaned_and_one_run_per_out(tmp_path, capsys):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    shutil.copy(GOOD, src / "good.pdf")
    (out / "sub").mkdir(parents=True)
    stale = [out / ".good.pdf.json.k3j_x9a2.tmp", out / "sub" / ".t01_x.csv.abcdefgh.tmp"]
    for p in stale:
        p.write_text("half")
    staging = out / ".good.pdf.tables.q1w2e3r4"
    staging.mkdir()
    (staging / "t01.csv").write_text("half")
    old = out / "good.pdf.tables.old"
    old.mkdir()
    keep = out / "notes.tmp"  # not ours
    keep.write_text("user file")
    assert main(["extract", str(src), "-o", str(out), "-q"]) == 0
    assert not any(p.exists() for p in stale + [staging, old])
    assert keep.exists()
    # a second run on the same OUT while one holds it is refused (exit 2), not interleaved
    import fcntl

    fd = os.open(out / ".disclosure.lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "extract", str(src), "-o", str(out), "-q",
                               "--force"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    finally:
        os.close(fd)
    assert proc.returncode == 2 and "another disclosure extract" in proc.stderr


@pytest.mark.parametrize("mask,dir_mode,file_mode", [(0o002, 0o775, 0o664), (0o077, 0o700, 0o600)])
def test_outputs_follow_the_umask(tmp_path, mask, dir_mode, file_mode):
    src, out = tmp_path / "in", tmp_path / "out"
    (src / "sub").mkdir(parents=True)
    shutil.copy(GOOD, src / "sub" / "good.pdf")
    old = os.umask(mask)
    try:
        assert main(["extract", str(src), "-o", str(out), "-q"]) == 0
    finally:
        os.umask(old)
    assert (out / "sub").stat().st_mode & 0o777 == dir_mode
    assert (out / "sub" / "good.pdf.tables").stat().st_mode & 0o777 == dir_mode
    assert (out / "sub" / "good.pdf.json").stat().st_mode & 0o777 == file_mode
    assert next((out / "sub" / "good.pdf.tables").glob("*.csv")).stat().st_mode & 0o777 == file_mode
    assert (out / "run-summary.json").stat().st_mode & 0o777 == file_mode


# --------------------------------------------------------------- issue 13 items 7–8: progress, summary

class Recorder:
    def __init__(self):
        self.events: list[tuple] = []

    def started(self, job, pages, where=""):
        self.events.append(("started", job.rel, pages, where))

    def page(self, job, done, total):
        self.events.append(("page", job.rel, done, total))

    def finished(self, result):
        self.events.append(("finished", result.rel, result.status))


def test_page_progress_arrives_while_a_document_runs_in_a_worker(tmp_path):
    jobs = _three_docs(tmp_path)[:2]
    rec = Recorder()
    run_batch(jobs, tmp_path / "out", ExtractSettings(), workers=2, progress=rec)
    for rel in ("a.pdf", "b.pdf"):
        mine = [e for e in rec.events if e[1] == rel]
        assert mine[0][:3] == ("started", rel, 12) and mine[0][3] != f"pid {os.getpid()}"
        assert [e[2] for e in mine if e[0] == "page"] == list(range(1, 13))  # every page, in order
        assert mine[-1] == ("finished", rel, "ok")  # pages come before the document ends


def test_piped_output_logs_options_and_summary(tmp_path):
    src, out, log = tmp_path / "in", tmp_path / "out", tmp_path / "run.log"
    src.mkdir()
    shutil.copy(GOOD, src / "good.pdf")
    flipped = make_malformed.flip_bytes(GOOD.read_bytes(), __import__("random").Random(12), 60)
    (src / "flipped.pdf").write_bytes(flipped)
    (src / "bad.pdf").write_text("not a pdf")

    def run(*extra):
        return subprocess.run([sys.executable, "-m", "pipeline.cli", "extract", str(src), "-o", str(out), *extra],
                              cwd=ROOT, capture_output=True, text=True, timeout=600)

    proc = run("-j", "2", "--log", str(log))
    assert proc.returncode == 1
    # not a terminal: one plain line per finished document on stderr
    lines = [l for l in proc.stderr.splitlines() if l.startswith("[")]
    assert len(lines) == 3 and all(l.startswith(("[1/3]", "[2/3]", "[3/3]")) for l in sorted(lines))
    good = next(l for l in lines if "good.pdf" in l)
    assert " ok " in good and "12 pages, 9 tables" in good
    assert "not a PDF" in next(l for l in lines if "bad.pdf" in l)
    # the summary: elapsed time, pages/s, a line per document with warnings, the next step
    assert "documents →" in proc.stdout and "pages/s)" in proc.stdout
    flipped_line = next(l for l in proc.stdout.splitlines() if "flipped.pdf" in l)
    assert flipped_line.startswith(("warnings", "notes")) and "failing identit" in flipped_line
    assert f"next: disclosure review {out}" in proc.stdout
    summary = _summary(out)
    assert summary["elapsed_seconds"] > 0 and summary["pages_per_second"] > 0
    assert summary["pages_extracted"] == 24 and summary["next"] == f"disclosure review {out}"
    res = _by_rel(summary)
    assert res["flipped.pdf"]["failing_checks"] > 0 and res["flipped.pdf"]["verdict"] in ("ok", "ok with warnings")
    assert res["good.pdf"]["verdict"] == "ok" and res["good.pdf"]["failing_checks"] == 0
    assert sum(summary["documents"].values()) == 3
    # --log: every line with its time, pages included, and the summary
    text = log.read_text(encoding="utf-8")
    assert "page 12/12 of good.pdf" in text and "summary:" in text and "flipped.pdf" in text
    assert text.splitlines()[0][:4].isdigit()  # asctime first
    # -v: starts and pages on stderr; -q: only failures
    verbose = run("--force", "-v")
    assert "started good.pdf (12 pages)" in verbose.stderr and "page 5/12 of good.pdf" in verbose.stderr
    quiet = run("--force", "-q")
    assert [l for l in quiet.stderr.splitlines() if l.startswith("[")] == \
        [l for l in quiet.stderr.splitlines() if l.startswith("[") and "bad.pdf" in l]


def test_document_verdicts_from_page_status_and_identities():
    doc = {"source": {"pages": 3}, "tables": [{"id": "t1", "form": "公开02表", "pages": [1], "rows": []}],
           "pages": [{"number": 1, "status": "tables"}, {"number": 2, "status": "no_tables"},
                     {"number": 3, "status": "unrecovered", "reasons": ["ink like a table, no grid"]}],
           "checks": [{"table": "t1", "ok": False}, {"table": "t1", "ok": False}, {"table": "t1", "ok": True}]}
    r = document_facts(doc, JobResult("x.pdf", "ok"))
    assert r.verdict == "ok with warnings"
    assert r.unrecovered_pages == [3] and r.pages_without_tables == [2]
    assert "unrecovered pages 3" in r.warnings and "table t1 公开02表 fails 2 of 3 identities" in r.warnings
    doc["pages"][2]["status"] = "tables"
    doc["checks"][0]["ok"] = True
    r = document_facts(doc, JobResult("x.pdf", "ok"))
    assert r.verdict == "ok" and r.warnings == ["1 failing identity", "pages without tables 2"]


def test_default_workers_one_per_core_and_document(monkeypatch):
    """-j left out: one worker per core, never more than documents (a lone document keeps every core for its
    own OCR threads) nor than 2 GiB blocks of memory."""
    from pipeline import batch

    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert batch.default_workers(1) == 1
    assert batch.default_workers(3) == 3
    pages = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": (64 << 30) // 4096}
    monkeypatch.setattr(os, "sysconf", lambda name: pages[name])
    assert batch.default_workers(1000) == 8
    pages["SC_PHYS_PAGES"] = (5 << 30) // 4096  # 5 GiB: two workers' peaks fit
    assert batch.default_workers(1000) == 2
