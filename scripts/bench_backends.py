#!/usr/bin/env python3
"""Throughput of the batch backends: local worker processes vs a Dask LocalCluster, 1 and 2 workers.

    python scripts/bench_backends.py INPUT_FOLDER [--workers 1 2] [--tiny 20] [-o generated/bench-backends]

For each backend and worker count: one ``disclosure extract --force`` over INPUT_FOLDER (pages/s from
run-summary.json, wall time including start-up), then the per-document cost on ``--tiny`` copies of a
one-page born-digital document (extraction ≈ 0.05 s, so it is almost all overhead: dispatch, events, result
transfer, writing): (T(N documents) − T(1 document)) / (N − 1), start-up excluded; start-up = T(1). Prints one table and ``uptime`` (the machine is shared)."""
from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_page_sample(dest: Path, copies: int) -> None:
    """``copies`` one-page PDFs cut from the committed born-digital sample (its page 2: a table)."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(ROOT / "samples" / "s04_health_2023_digital.pdf"))
    one = pdfium.PdfDocument.new()
    one.import_pages(src, [1])
    buf = io.BytesIO()
    one.save(buf)
    dest.mkdir(parents=True, exist_ok=True)
    for k in range(copies):
        (dest / f"p{k:03d}.pdf").write_bytes(buf.getvalue())


def run(inputs: Path, out: Path, backend: str, workers: int) -> dict:
    cmd = [sys.executable, "-m", "pipeline.cli", "extract", str(inputs), "-o", str(out), "-q", "--force"]
    cmd += ["-j", str(workers)] if backend == "local" else ["--backend", "dask", "--address", f"local:{workers}"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    summary = json.loads((out / "run-summary.json").read_text(encoding="utf-8"))
    docs = sum(summary["documents"].values())
    return {"backend": backend, "workers": workers, "exit": proc.returncode, "documents": docs,
            "pages": summary["pages_extracted"], "pages_per_second": summary["pages_per_second"],
            "batch_seconds": summary["elapsed_seconds"], "wall_seconds": round(wall, 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", type=Path)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--tiny", type=int, default=20, help="one-page documents for the per-document overhead")
    ap.add_argument("-o", "--out", type=Path, default=ROOT / "generated" / "bench-backends")
    args = ap.parse_args(argv)
    shutil.rmtree(args.out, ignore_errors=True)
    tiny = args.out / "tiny-in"
    one_page_sample(tiny, args.tiny)
    tiny1 = args.out / "tiny1-in"
    one_page_sample(tiny1, 1)
    rows = []
    for workers in args.workers:
        for backend in ("local", "dask"):
            r = run(args.inputs, args.out / f"{backend}{workers}", backend, workers)
            t = run(tiny, args.out / f"tiny-{backend}{workers}", backend, workers)
            t1 = run(tiny1, args.out / f"tiny1-{backend}{workers}", backend, workers)
            r["seconds_per_document"] = round((t["batch_seconds"] - t1["batch_seconds"]) / max(1, args.tiny - 1), 3)
            r["startup_seconds"] = t1["batch_seconds"]
            rows.append(r)
            print(json.dumps(r), flush=True)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"\n{'backend':<8} {'workers':>7} {'docs':>5} {'pages':>6} {'pages/s':>8} {'batch s':>8} "
          f"{'start-up + 1 doc s':>18} {'s per extra 1-page doc':>22}")
    for r in rows:
        print(f"{r['backend']:<8} {r['workers']:>7} {r['documents']:>5} {r['pages']:>6} {r['pages_per_second']:>8.2f} "
              f"{r['batch_seconds']:>8.1f} {r['startup_seconds']:>18.2f} {r['seconds_per_document']:>22.3f}")
    print(f"uptime: {load}")
    (args.out / "results.json").write_text(json.dumps({"rows": rows, "uptime": load}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
