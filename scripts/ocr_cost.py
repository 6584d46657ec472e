"""Where a scanned page's time goes: the recogniser's share, its crops and what each costs.

    python scripts/ocr_cost.py DOC.pdf [--widths 96 160 320 640] [--batches 1 16]

Extracts DOC once (one inference thread, as a batch worker runs) and reports processor seconds per page, the
recogniser's share, the text-line crops sent to it (count per page and the width of the 48-pixel-high model
input they make), then the recogniser's cost per crop for a few input widths and batch sizes on this machine.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DISCLOSURE_OCR_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from pipeline import ocr  # noqa: E402
from pipeline.extract import extract_document  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("document", type=Path)
    ap.add_argument("--widths", type=int, nargs="+", default=[96, 160, 320, 640])
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 16])
    args = ap.parse_args()

    recognizer = ocr.get_recognizer()
    session = recognizer._rec.session
    calls: list[tuple[tuple[int, ...], float]] = []

    def timed(batch):
        t0 = time.process_time()
        out = session(batch)
        calls.append((batch.shape, time.process_time() - t0))
        return out

    recognizer._rec.session = timed
    t0 = time.process_time()
    doc = extract_document(args.document)
    total = time.process_time() - t0
    recognizer._rec.session = session
    pages = max(1, len(doc.pages))
    rec = sum(dt for _, dt in calls)
    crops = sum(shape[0] for shape, _ in calls)
    columns = sum(shape[0] * shape[3] for shape, _ in calls)
    print(f"{args.document.name}: {len(doc.pages)} pages, {total:.1f} CPU s ({total / pages:.2f} per page)")
    print(f"  recogniser: {rec:.1f} CPU s ({100 * rec / max(total, 1e-9):.0f} %), {len(calls)} batches, "
          f"{crops} crops ({crops / pages:.0f} per page), {columns / max(1, crops):.0f} input columns per crop "
          f"(padded), {1000 * rec / max(1, columns):.3f} ms per column")
    print("  cost per crop (ms, CPU) by model-input width and batch size:")
    print("    width " + " ".join(f"{'batch ' + str(b):>9}" for b in args.batches))
    for w in args.widths:
        row = []
        for b in args.batches:
            x = np.random.default_rng(0).random((b, 3, 48, w), dtype=np.float32)
            session(x)
            reps = max(1, 32 // b)
            t0 = time.process_time()
            for _ in range(reps):
                session(x)
            row.append(1000 * (time.process_time() - t0) / reps / b)
        print(f"    {w:5d} " + " ".join(f"{v:9.1f}" for v in row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
