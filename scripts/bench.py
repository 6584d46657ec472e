"""Benchmark: run our pipeline (and/or the img2table peer) on sample PDFs with ground truth and score them.

    python scripts/bench.py TRUTH_DIR [--system disclosure|img2table|both] [--compare OLD.json]
                            [--out bench-results/latest.json] [--limit N] [--workers N]

Finds ``*.truth.json`` under TRUTH_DIR (each next to its ``<name>.pdf``), extracts every document with each
system, scores it with :mod:`pipeline.evaluate` and prints one table per degradation profile and overall
(systems side by side), the reliability table of our system, and — with ``--compare`` — the deltas
against an earlier result file. The same figures go to ``--out`` as JSON.

``--limit N`` (default 12, 0 = all) takes documents round-robin across profiles so each profile is seen;
``--profiles A B`` keeps only those profiles.

``--rescore PRED_DIR [--timings EARLIER.json]`` extracts nothing: it reads our system's extractions saved by
``--save-predictions PRED_DIR`` and scores their cells again with the current ``models/calibration.json``
(confidence and review flag only: tables, readings and reasons are as extracted), taking each document's
seconds and processor seconds from the earlier result file (or from the ``<name>.timing.json`` saved beside
each extraction) — a new calibration measured on the same
extractions. With ``--reinterpret`` every stage after reading runs again on them with the current code
(cell interpretation of 公开表, templates, codes, identities, repair, structure, scoring:
``pipeline.interpret.interpret_cells``, ``pipeline.extract.finish_document``; the marks of the earlier
interpretation and repair pass — ``format``, ``ambiguous`` — dropped first): a change to those stages measured
without OCR.

Besides accuracy and calibration it reports what the output says about failures (``pages[].status``): pages
per status, *silent misses* (truth tables not found with no ``unrecovered`` page to tell) and *false
alarms* (``unrecovered`` pages where nothing was missed), and a last table of every profile against the
targets of issue 10 (table recall 100 %, amounts ≥ 99.5 % exact, residual error among unflagged cells
≤ 0.1 %, flag rate ≤ 3 %, ≤ 1.4 s per scanned page — judged on processor seconds per page, since wall time
on a loaded shared machine is not speed; run with DISCLOSURE_OCR_THREADS=1 so that processor time is the
single-core time of a page).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "scripts"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from pipeline.evaluate import DocumentScore, Metrics, ScoreSettings, score_by_profile, score_document  # noqa: E402
from pipeline.fsutil import atomic_write_json  # noqa: E402

SYSTEMS = ("disclosure", "img2table")
DEFAULT_OUT = ROOT / "bench-results" / "latest.json"


@dataclass(frozen=True)
class BenchSettings:
    dpi: int = 200
    limit: int = 12
    workers: int = 1


@dataclass(frozen=True)
class Sample:
    name: str
    truth_path: Path
    pdf_path: Path
    profile: str


@dataclass
class RunResult:
    system: str
    sample: Sample
    predicted: dict[str, Any] | None
    seconds: float
    error: str | None = None
    stages: dict[str, float] | None = None  # our system: seconds per pipeline stage
    cpu_seconds: float | None = None  # processor time of this process (all its threads) during the run


# ------------------------------------------------------------------------------------------- samples


def _pdf_for(truth_path: Path, truth: dict[str, Any]) -> Path | None:
    sibling = truth_path.with_name(truth_path.name[: -len(".truth.json")] + ".pdf")
    if sibling.is_file():
        return sibling
    src = (truth.get("source") or {}).get("path")
    if src:
        for cand in (Path(src), truth_path.parent / src, truth_path.parent / Path(src).name):
            if cand.is_file():
                return cand
    return None


def find_samples(truth_dir: Path) -> tuple[list[Sample], list[str]]:
    """All truth files with their PDF; problems (unreadable truth, missing PDF) as messages."""
    samples, problems = [], []
    for tp in sorted(truth_dir.rglob("*.truth.json")):
        try:
            truth = json.loads(tp.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            problems.append(f"{tp}: unreadable truth ({e})")
            continue
        pdf = _pdf_for(tp, truth)
        if pdf is None:
            problems.append(f"{tp}: no PDF next to it")
            continue
        samples.append(Sample(name=str(tp.relative_to(truth_dir))[: -len(".truth.json")], truth_path=tp,
                              pdf_path=pdf, profile=str(truth.get("profile") or "unknown")))
    return samples, problems


def pick_round_robin(samples: list[Sample], limit: int) -> list[Sample]:
    """Up to ``limit`` samples, taking one of each profile in turn (0 = all)."""
    if limit <= 0 or limit >= len(samples):
        return samples
    by_profile: dict[str, list[Sample]] = {}
    for s in samples:
        by_profile.setdefault(s.profile, []).append(s)
    queues = [list(v) for _, v in sorted(by_profile.items())]
    picked: list[Sample] = []
    while len(picked) < limit:
        for q in queues:
            if q and len(picked) < limit:
                picked.append(q.pop(0))
    return picked


# ------------------------------------------------------------------------------------------- running

_PEER_OCR = None
_WARM: set[str] = set()


def _warm_up(system: str) -> None:
    """Load each system's OCR models once per process, outside the timed extraction."""
    global _PEER_OCR
    if system in _WARM:
        return
    _WARM.add(system)
    if system == "img2table":
        import peer_img2table
        _PEER_OCR = peer_img2table.RapidOCRWords()
    elif system == "disclosure":
        try:
            from pipeline.ocr import get_recognizer
            get_recognizer()
        except Exception:  # noqa: BLE001 — warm-up is an optimisation; extraction reports real failures
            pass


def _run_one(system: str, sample: Sample, dpi: int) -> RunResult:
    start = time.perf_counter()
    try:
        _warm_up(system)
        start, cpu = time.perf_counter(), time.process_time()
        if system == "disclosure":
            from pipeline.extract import ExtractSettings, StageTimes, extract_document
            times = StageTimes()
            predicted = extract_document(sample.pdf_path, ExtractSettings(dpi=dpi), times=times).to_dict()
            return RunResult(system, sample, predicted, time.perf_counter() - start,
                             stages={k: round(v, 3) for k, v in times.seconds.items()},
                             cpu_seconds=time.process_time() - cpu)
        elif system == "img2table":
            import peer_img2table
            predicted = peer_img2table.extract_with_img2table(sample.pdf_path, ocr=_PEER_OCR)
        else:
            raise ValueError(f"unknown system {system!r}")
        return RunResult(system, sample, predicted, time.perf_counter() - start, cpu_seconds=time.process_time() - cpu)
    except Exception as e:  # noqa: BLE001 — a failing document is scored as empty and reported
        tb = traceback.format_exc(limit=3)
        return RunResult(system, sample, None, time.perf_counter() - start,
                         error=f"{sample.pdf_path}: {type(e).__name__}: {e}\n{tb}")


def run_all(samples: list[Sample], systems: list[str], settings: BenchSettings,
            progress=print, on_result=None) -> list[RunResult]:
    """Every sample through every system (``on_result(r)`` as each finishes: a long run interrupted keeps
    what it did, e.g. the saved predictions)."""
    jobs = [(system, s) for s in samples for system in systems]
    results: list[RunResult] = []
    if settings.workers <= 1:
        for system, s in jobs:
            r = _run_one(system, s, settings.dpi)
            progress(_progress_line(r, len(results) + 1, len(jobs)))
            results.append(r)
            if on_result:
                on_result(r)
        return results
    with ProcessPoolExecutor(max_workers=settings.workers) as pool:
        futures = {pool.submit(_run_one, system, s, settings.dpi): k for k, (system, s) in enumerate(jobs)}
        done: dict[int, RunResult] = {}
        for f in as_completed(futures):
            r = f.result()
            progress(_progress_line(r, len(done) + 1, len(jobs)))
            done[futures[f]] = r
            if on_result:
                on_result(r)
        results = [done[k] for k in range(len(jobs))]
    return results


def reinterpret(doc) -> None:
    """Every stage after reading again, with the current code, on a saved extraction (``--reinterpret``)."""
    from pipeline.extract import finish_document
    from pipeline.interpret import interpret_cells
    from pipeline.templates import identify_templates

    for t, _ri, _ci, cell in doc.cells():
        if "ambiguous" in cell.reasons:  # set by the earlier repair pass; this one sets its own
            cell.reasons.remove("ambiguous")
        if "format" in cell.reasons and t.kind != "performance":  # set by interpretation, which runs again
            cell.reasons.remove("format")
    doc.repairs = [r for r in doc.repairs if r.get("status") != "ambiguous"]
    ocr_pages = {p.number for p in doc.pages if p.mode == "ocr"}
    placed = identify_templates(doc)  # (as extract_document does before interpreting)
    for table in doc.tables:
        if table.kind != "performance":  # (forms: their record stages run in finish_document)
            interpret_cells(table, ocr_pages)
    finish_document(doc, placed=placed)


def rescore_saved(samples: list[Sample], pred_dir: Path, timings: Path | None = None,
                  again: bool = False) -> list[RunResult]:
    """Our saved extractions scored again with the current calibration (see ``--rescore``), or with every stage
    after reading run again (``again``, see ``--reinterpret``); a sample without a saved extraction is left out
    (named on stderr). Seconds come from ``timings`` (an earlier result JSON)."""
    from pipeline.model import Document
    from pipeline.score import score_document as score_cells

    earlier: dict[str, dict[str, Any]] = {}
    if timings is not None:
        earlier = {d["name"]: d for d in json.loads(timings.read_text(encoding="utf-8"))["documents"]
                   if d["system"] == "disclosure"}
    results = []
    for s in samples:
        path = pred_dir / "disclosure" / f"{s.name}.json"
        old = earlier.get(s.name, {})
        sidecar = pred_dir / "disclosure" / f"{s.name}.timing.json"
        if not old and sidecar.is_file():  # written as each extraction finished
            t = json.loads(sidecar.read_text(encoding="utf-8"))
            old = {"seconds": t.get("seconds"), "stages": t.get("stages"), "score": {"cpu_seconds": t.get("cpu_seconds")}}
        seconds = float(old.get("seconds") or 0.0)
        if not path.is_file():  # a run cut short: scored over what it extracted, and said so
            print(f"{s.name}: no saved extraction in {pred_dir}, left out", file=sys.stderr)
            continue
        doc = Document.from_dict(json.loads(path.read_text(encoding="utf-8")))
        if again:
            reinterpret(doc)
        else:
            score_cells(doc)
        results.append(RunResult("disclosure", s, doc.to_dict(), seconds, stages=old.get("stages"),
                                 cpu_seconds=(old.get("score") or {}).get("cpu_seconds")))
    return results


def _progress_line(r: RunResult, i: int, n: int) -> str:
    state = "FAILED " + r.error.splitlines()[0] if r.error else f"{r.seconds:.1f}s"
    return f"[{i}/{n}] {r.system:<10} {r.sample.name} ({r.sample.profile}) {state}"


# ------------------------------------------------------------------------------------------- scoring

METRIC_ROWS: list[tuple[str, str]] = [
    ("documents", "documents"), ("failed", "failed runs"), ("pages", "pages"), ("table_recall", "table recall"),
    ("tables_found", "tables found"), ("page_status", "pages tables/no_tables/unrecovered"),
    ("silent_misses", "silent misses (tables)"), ("false_alarms", "false alarms (pages)"),
    ("cell_accuracy", "cell accuracy"), ("numeric_accuracy", "numeric accuracy (amounts exact)"),
    ("filled_cell_accuracy", "non-blank cell accuracy"),
    ("row_code_accuracy", "row-code accuracy"), ("row_code_value_accuracy", "row codes, column ignored"), ("flag_rate", "flag rate"),
    ("residual_error", "residual error (unflagged)"), ("catch_at_2", "catch@2 %"), ("ece", "ECE"),
    ("header_accuracy", "header cells exact"), ("header_flag_rate", "header cells flagged"),
    ("header_residual_error", "header residual error (unflagged)"),
    ("repairs", "repairs (made/right)"), ("seconds_per_page", "seconds / page"),
    ("cpu_seconds_per_page", "CPU seconds / page"),
]
PERCENT = {"table_recall", "cell_accuracy", "numeric_accuracy", "filled_cell_accuracy", "row_code_value_accuracy", "row_code_accuracy", "flag_rate",
           "residual_error", "catch_at_2", "header_accuracy", "header_flag_rate", "header_residual_error"}


def score_results(results: list[RunResult], settings: ScoreSettings = ScoreSettings()
                  ) -> tuple[dict[str, dict[str, Metrics]], list[dict[str, Any]]]:
    per_system: dict[str, list[DocumentScore]] = {}
    documents: list[dict[str, Any]] = []
    for r in results:
        truth = json.loads(r.sample.truth_path.read_text(encoding="utf-8"))
        predicted = r.predicted if r.predicted is not None else {"tables": []}
        seconds = None if r.error else r.seconds  # a failed run has no meaningful speed
        s = score_document(truth, predicted, seconds=seconds, name=r.sample.name, settings=settings)
        s.cpu_seconds = None if r.error else r.cpu_seconds
        per_system.setdefault(r.system, []).append(s)
        documents.append({"system": r.system, "name": r.sample.name, "profile": r.sample.profile,
                          "pdf": str(r.sample.pdf_path), "error": r.error, "seconds": round(r.seconds, 3),
                          "stages": r.stages, "score": s.to_dict()})
    metrics = {system: score_by_profile(v, settings) for system, v in per_system.items()}
    return metrics, documents


# ------------------------------------------------------------------------------------------- 绩效 records

FORM_ROWS: list[tuple[str, str]] = [
    ("forms", "forms"), ("forms_found", "forms found"), ("field_accuracy", "record fields exact"),
    ("numeric_accuracy", "numeric fields exact"), ("funds_accuracy", "funds values exact"),
    ("indicator_rows_found", "indicator rows found"), ("indicator_rows_numbers", "indicator rows, numbers exact"),
    ("indicator_rows_exact", "indicator rows, every field exact"),
    ("flag_rate", "numeric fields flagged"), ("residual_error", "residual error (unflagged)"),
    ("total_fail", "总分 ≠ Σ得分: forms (truth → read)"), ("weights_fail", "Σ分值 ≠ 100: forms (truth → read)"),
]
FORM_PERCENT = {"field_accuracy", "numeric_accuracy", "funds_accuracy", "indicator_rows_found",
                "indicator_rows_numbers", "indicator_rows_exact", "flag_rate", "residual_error"}


def score_form_results(results: list[RunResult]) -> dict[str, dict[str, dict[str, Any]]]:
    """Record metrics of the 绩效自评表 (pipeline.performance_eval) per system and profile; the peer's grids
    are read into records by our reader. Empty when no truth holds forms."""
    from pipeline.performance_eval import RecordScore, forms_of, records_from_grids, score_forms

    by: dict[str, dict[str, RecordScore]] = {}
    for r in results:
        truth = json.loads(r.sample.truth_path.read_text(encoding="utf-8"))
        if not forms_of(truth):
            continue
        predicted = r.predicted if r.predicted is not None else {"tables": [], "checks": []}
        if r.system != "disclosure" and r.predicted is not None:
            predicted = records_from_grids(predicted)
        s = score_forms(truth, predicted, r.sample.name)
        for profile in (r.sample.profile, "overall"):
            by.setdefault(r.system, {}).setdefault(profile, RecordScore()).add(s)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for system, profiles in by.items():
        for profile, score in profiles.items():
            m = score.metrics()
            for kind in ("total", "weights"):
                c = m["checks"].get(kind) or {"forms": 0, "truth_fail": 0, "predicted_fail": 0, "same": 0}
                m[f"{kind}_fail"] = (c["truth_fail"], c["predicted_fail"], c["same"], c["forms"])
            m["wrong"] = score.wrong[:50]
            out.setdefault(system, {})[profile] = m
    return out


def form_report(metrics: dict[str, dict[str, dict[str, Any]]], console) -> None:
    systems = [s for s in SYSTEMS if s in metrics]
    profiles = sorted({p for m in metrics.values() for p in m if p != "overall"})
    profiles = (profiles if len(profiles) > 1 else []) + ["overall"]

    def fmt_form(key: str, v: Any) -> str:
        if v is None:
            return "–"
        if key in FORM_PERCENT:
            return f"{100 * v:.2f} %"
        if key.endswith("_fail"):
            truth_fail, read_fail, same, forms = v
            return f"{truth_fail} → {read_fail} ({same}/{forms} same)"
        return str(v)

    for profile in profiles:
        rows = [[label] + [fmt_form(key, (metrics[s].get(profile) or {}).get(key)) for s in systems]
                for key, label in FORM_ROWS]
        _print_table(console, f"绩效自评表 records, profile: {profile}", ["metric", *systems], rows)


PAGE_STATUSES = ("tables", "no_tables", "unrecovered")


def metric_value(m: dict[str, Any], key: str) -> Any:
    if key == "repairs":
        return (m["repairs_made"], m["repairs_right"])
    if key == "tables_found":
        return (m.get("matched_tables", 0), m.get("truth_tables", 0))
    if key == "page_status":
        counts = m.get("page_status") or {}
        return tuple(counts.get(k, 0) for k in PAGE_STATUSES)
    return m.get(key)


def fmt(key: str, v: Any) -> str:
    if v is None:
        return "–"
    if key in ("repairs", "tables_found"):
        return f"{v[0]}/{v[1]}"
    if key == "page_status":
        return "/".join(str(x) for x in v)
    if key in PERCENT:
        return f"{100 * v:.1f} %"
    if key == "ece":
        return f"{v:.3f}"
    if key in ("seconds_per_page", "cpu_seconds_per_page"):
        return f"{v:.2f}"
    return str(v)


def fmt_delta(key: str, new: Any, old: Any) -> str:
    if new is None or old is None:
        return ""
    if key in ("repairs", "tables_found"):
        return f"{new[0] - old[0]:+d}/{new[1] - old[1]:+d}"
    if key == "page_status":
        return "/".join(f"{a - b:+d}" for a, b in zip(new, old))
    d = new - old
    if key in PERCENT:
        return f"{100 * d:+.1f}"
    if key == "ece":
        return f"{d:+.3f}"
    if key in ("seconds_per_page", "cpu_seconds_per_page"):
        return f"{d:+.2f}"
    return f"{d:+d}" if isinstance(d, int) else f"{d:+g}"


# ------------------------------------------------------------------------------------------- output


def _console():
    try:
        from rich.console import Console
        return Console()
    except ImportError:  # plain text fallback
        return None


def _print_table(console, title: str, headers: list[str], rows: list[list[str]]) -> None:
    if console is not None:
        from rich.table import Table
        t = Table(title=title, title_justify="left")
        for i, h in enumerate(headers):
            t.add_column(h, justify="left" if i == 0 else "right")
        for r in rows:
            t.add_row(*r)
        console.print(t)
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print(title)
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    print()


def report(metrics: dict[str, dict[str, dict[str, Any]]], old: dict[str, Any] | None, console) -> None:
    systems = [s for s in SYSTEMS if s in metrics]
    profiles = sorted({p for m in metrics.values() for p in m if p != "overall"})
    profiles = (profiles if len(profiles) > 1 else []) + ["overall"]  # one profile: overall says it all
    old_metrics = (old or {}).get("metrics", {})
    for profile in profiles:
        headers = ["metric"]
        for system in systems:
            headers.append(system)
            if old is not None:
                headers.append("Δ")
        rows = []
        for key, label in METRIC_ROWS:
            row = [label]
            for system in systems:
                m = metrics[system].get(profile)
                v = metric_value(m, key) if m else None
                row.append(fmt(key, v))
                if old is not None:
                    om = old_metrics.get(system, {}).get(profile)
                    row.append(fmt_delta(key, v, metric_value(om, key) if om else None))
            rows.append(row)
        _print_table(console, f"profile: {profile}", headers, rows)
    ours = metrics.get("disclosure", {}).get("overall")
    if ours and ours["predicted_cells"]:
        rows = [[f"{b['low']:.1f}–{b['high']:.1f}", str(b["count"]),
                 "–" if b["mean_confidence"] is None else f"{b['mean_confidence']:.3f}",
                 "–" if b["accuracy"] is None else f"{100 * b['accuracy']:.1f} %"] for b in ours["reliability"]]
        _print_table(console, "reliability (disclosure, all profiles)",
                     ["confidence", "cells", "mean confidence", "observed accuracy"], rows)


TARGETS = {"table_recall": 1.0, "numeric_accuracy": 0.995, "residual_error": 0.001, "flag_rate": 0.03,
           "seconds_per_page": 1.4}


def meets_targets(m: dict[str, Any]) -> list[str]:
    """The issue-10 targets a profile's metrics miss (empty: all met)."""
    missed = []
    for key, target in TARGETS.items():
        v = m.get(key)
        if key == "seconds_per_page" and m.get("cpu_seconds_per_page") is not None:
            v = m["cpu_seconds_per_page"]  # processor time: wall time on a loaded shared machine is not speed
        if v is None:
            continue
        low_is_good = key in ("residual_error", "flag_rate", "seconds_per_page")
        if (v > target + 1e-12) if low_is_good else (v < target - 1e-12):
            missed.append(key)
    if m.get("silent_misses"):
        missed.append("silent_misses")
    return missed


def report_targets(metrics: dict[str, dict[str, dict[str, Any]]], console) -> None:
    ours = metrics.get("disclosure")
    if not ours:
        return
    rows = []
    for profile, m in sorted(ours.items(), key=lambda kv: (kv[0] == "overall", kv[0])):
        missed = meets_targets(m)
        rows.append([profile, fmt("tables_found", metric_value(m, "tables_found")),
                     fmt("numeric_accuracy", m.get("numeric_accuracy")), fmt("residual_error", m.get("residual_error")),
                     fmt("flag_rate", m.get("flag_rate")), fmt("page_status", metric_value(m, "page_status")),
                     str(m.get("silent_misses", 0)), str(m.get("false_alarms", 0)),
                     fmt("seconds_per_page", m.get("seconds_per_page")),
                     fmt("cpu_seconds_per_page", m.get("cpu_seconds_per_page")),
                     "yes" if not missed else "no: " + ", ".join(missed)])
    _print_table(console, "disclosure per profile vs the targets (recall 100 %, amounts ≥ 99.5 %, residual ≤ 0.1 %, "
                          "flagged ≤ 3 %, ≤ 1.4 CPU s/page, no silent miss)",
                 ["profile", "tables", "amounts", "residual", "flagged", "pages t/n/u", "silent", "false alarms",
                  "s/page", "CPU s/page", "targets met"], rows)


def stage_seconds_per_page(documents: list[dict[str, Any]]) -> dict[str, float]:
    """Our system's seconds per page in each stage, over the documents that ran through."""
    totals: dict[str, float] = {}
    pages = 0
    for d in documents:
        if d["system"] != "disclosure" or not d.get("stages"):
            continue
        pages += d["score"]["pages"]
        for stage, sec in d["stages"].items():
            totals[stage] = totals.get(stage, 0.0) + sec
    return {k: v / pages for k, v in totals.items()} if pages else {}


def write_json(path: Path, obj: Any) -> None:
    atomic_write_json(path, obj)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Score extraction systems against ground truth.")
    ap.add_argument("truth_dir", type=Path, help="folder searched for *.truth.json (with <name>.pdf next to it)")
    ap.add_argument("--system", choices=[*SYSTEMS, "both"], default="both")
    ap.add_argument("--compare", type=Path, help="an earlier result JSON: print deltas")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--limit", type=int, default=BenchSettings.limit, help="documents (0 = all)")
    ap.add_argument("--workers", type=int, default=BenchSettings.workers)
    ap.add_argument("--dpi", type=int, default=BenchSettings.dpi, help="render dpi for our system")
    ap.add_argument("--save-predictions", type=Path, help="folder for each system's contract JSON")
    ap.add_argument("--profiles", nargs="+", help="only documents of these degradation profiles")
    ap.add_argument("--rescore", type=Path, metavar="PRED_DIR",
                    help="no extraction: re-score our saved extractions (PRED_DIR/disclosure/<name>.json) with the "
                         "current calibration")
    ap.add_argument("--timings", type=Path, help="with --rescore: the result JSON of the run that saved them")
    ap.add_argument("--reinterpret", action="store_true",
                    help="with --rescore: run every stage after reading again with the current code")
    args = ap.parse_args(argv)

    if not args.truth_dir.is_dir():
        print(f"{args.truth_dir}: not a folder", file=sys.stderr)
        return 2
    if args.reinterpret and not args.rescore:
        print("--reinterpret works on saved extractions: give --rescore PRED_DIR", file=sys.stderr)
        return 2
    old = None
    if args.compare:
        try:
            old = json.loads(args.compare.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            print(f"{args.compare}: cannot read earlier results ({e})", file=sys.stderr)
            return 2
    samples, problems = find_samples(args.truth_dir)
    for p in problems:
        print(p, file=sys.stderr)
    if not samples:
        print(f"{args.truth_dir}: no *.truth.json with a PDF", file=sys.stderr)
        return 2
    if args.profiles:
        samples = [s for s in samples if s.profile in set(args.profiles)]
        if not samples:
            print(f"{args.truth_dir}: no documents of profile(s) {args.profiles}", file=sys.stderr)
            return 2
    samples = pick_round_robin(samples, args.limit)
    systems = list(SYSTEMS) if args.system == "both" else [args.system]
    settings = BenchSettings(dpi=args.dpi, limit=args.limit, workers=args.workers)

    if args.rescore:
        if args.save_predictions and args.save_predictions.resolve() == args.rescore.resolve():
            print(f"{args.save_predictions}: would overwrite the extractions it re-scores; give another folder",
                  file=sys.stderr)
            return 2
        systems = ["disclosure"]
        results = rescore_saved(samples, args.rescore, args.timings, again=args.reinterpret)
        if args.save_predictions:
            for r in results:
                write_json(args.save_predictions / r.system / f"{r.sample.name}.json", r.predicted)
    else:
        def save(r: RunResult) -> None:
            if args.save_predictions and r.predicted is not None:
                write_json(args.save_predictions / r.system / f"{r.sample.name}.json", r.predicted)
                if r.system == "disclosure":  # the timing too, for --rescore --timings of a run cut short
                    write_json(args.save_predictions / r.system / f"{r.sample.name}.timing.json",
                               {"seconds": r.seconds, "cpu_seconds": r.cpu_seconds, "stages": r.stages})

        results = run_all(samples, systems, settings, progress=lambda line: print(line, file=sys.stderr),
                          on_result=save)
    metrics, documents = score_results(results)
    metrics_d = {system: {p: m.to_dict() for p, m in by.items()} for system, by in metrics.items()}
    for system, by in metrics_d.items():  # failed runs per profile (scored as empty predictions)
        for profile, m in by.items():
            m["failed"] = sum(1 for d in documents if d["system"] == system and d["error"]
                              and (profile == "overall" or d["profile"] == profile))
    console = _console()
    report(metrics_d, old, console)
    report_targets(metrics_d, console)
    forms = score_form_results(results)
    if forms:
        form_report(forms, console)
    stages = stage_seconds_per_page(documents)
    if stages:
        _print_table(console, "disclosure: seconds per page by stage", ["stage", "s / page"],
                     [[k, f"{v:.2f}"] for k, v in stages.items()])
    errors = [r.error for r in results if r.error]
    for e in errors:
        print(e, file=sys.stderr)
    out = {"created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "truth_dir": str(args.truth_dir),
           "systems": systems, "settings": {"dpi": args.dpi, "limit": args.limit, "workers": args.workers},
           "score_settings": asdict(ScoreSettings()), "errors": len(errors), "stage_seconds_per_page": stages,
           "metrics": metrics_d, "documents": documents, **({"forms": forms} if forms else {})}
    write_json(args.out, out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
