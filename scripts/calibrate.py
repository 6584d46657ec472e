#!/usr/bin/env python3
"""Fit the confidence model (models/calibration.json) on generated samples with ground truth.

Usage:
    python scripts/make_samples.py /tmp/calib --count 40 --seed 7          # samples kept apart from tests
    python scripts/calibrate.py /tmp/calib [--holdout 0.3] [--out models/calibration.json]
                                [--predictions DIR]     # reuse extractions saved by bench.py

For each ``<name>.truth.json`` next to ``<name>.pdf``: the document is extracted (``pipeline.extract``,
which validates, repairs and scores it), every predicted cell is marked right or wrong with
``pipeline.evaluate.score_document`` (the benchmark's own alignment), and the cell's evidence
(``pipeline.score.cell_features``: OCR score, reasons, check status, format) becomes one training row.

Samples are split by a hash of their name into a fitting part and a held-out part (``--holdout``). A
logistic regression (Newton/IRLS with a small L2 penalty) is fitted on the fitting part; the review
threshold is the lowest probability such that, on the fitting part, the residual error among unflagged
cells is ≤ ``--max-residual`` (0.1 %) while flagging ≤ ``--max-flag`` (5 %) of cells (if no threshold meets
both, the one meeting the residual target with the fewest flags). Metrics on the held-out part are stored
with the model. The file is written atomically.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.fsutil import atomic_write_json  # noqa: E402
from pipeline.score import FEATURES, FORCED_REVIEW, CalibrationModel, cell_features  # noqa: E402


@dataclass(frozen=True)
class FitSettings:
    l2: float = 1e-2
    iterations: int = 50
    max_residual: float = 0.001
    max_flag: float = 0.05


def collect(folder: Path, limit: int | None = None,
            predictions: Path | None = None) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """(sample name, feature matrix, correct 0/1, forced-review mask) per sample. With ``predictions``, a
    sample's extraction is read from ``<predictions>/<name>.json`` when it is there (the contract keeps
    every cell's evidence: reasons, OCR score, checks), else the PDF is extracted."""
    from pipeline.evaluate import score_document as evaluate
    from pipeline.extract import extract_document
    from pipeline.model import Document

    out = []
    truths = sorted(folder.glob("*.truth.json"))[:limit]
    for k, truth_path in enumerate(truths):
        name = truth_path.name[: -len(".truth.json")]
        pdf = truth_path.with_name(name + ".pdf")
        if not pdf.exists():
            print(f"{truth_path}: no {pdf.name} next to it, skipped", file=sys.stderr)
            continue
        t0 = time.perf_counter()
        saved = predictions / f"{name}.json" if predictions is not None else None
        if saved is not None and saved.is_file():
            doc = Document.from_dict(json.loads(saved.read_text(encoding="utf-8")))
        else:
            doc = extract_document(pdf)
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        scored = evaluate(truth, doc.to_dict(), name=name)
        right = {(p.table, p.row, p.column): p.correct for p in scored.predicted}
        feats = cell_features(doc)
        rows, ys, forced = [], [], []
        for t, ri, ci, cell in doc.cells():
            x = feats[(t.id, ri, ci)]
            rows.append([x[f] for f in FEATURES])
            ys.append(1.0 if right.get((t.id, ri, ci), False) else 0.0)
            forced.append(any(r in cell.reasons for r in FORCED_REVIEW))
        out.append((name, np.array(rows, dtype=float).reshape(-1, len(FEATURES)), np.array(ys), np.array(forced)))
        print(f"[{k + 1}/{len(truths)}] {name}: {len(ys)} cells, {int(len(ys) - sum(ys))} wrong, "
              f"{time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return out


def fit_logistic(x: np.ndarray, y: np.ndarray, settings: FitSettings = FitSettings()) -> tuple[float, np.ndarray]:
    """Newton/IRLS with an L2 penalty (bias not penalised). Returns (bias, weights)."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    penalty = np.full(xb.shape[1], settings.l2)
    penalty[0] = 0.0
    for _ in range(settings.iterations):
        z = np.clip(xb @ w, -40, 40)
        p = 1.0 / (1.0 + np.exp(-z))
        grad = xb.T @ (p - y) + penalty * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return float(w[0]), w[1:]


def review_metrics(p: np.ndarray, y: np.ndarray, forced: np.ndarray, threshold: float) -> dict[str, float]:
    flagged = (p < threshold) | forced
    unflagged = ~flagged
    n = len(y)
    wrong_unflagged = float(np.sum(unflagged & (y < 0.5)))
    return {"cells": n, "flag_rate": float(np.mean(flagged)) if n else 0.0,
            "residual_error": wrong_unflagged / max(1.0, float(np.sum(unflagged))),
            "error_rate": float(np.mean(y < 0.5)) if n else 0.0,
            "caught": float(np.sum(flagged & (y < 0.5))) / max(1.0, float(np.sum(y < 0.5)))}


def choose_threshold(p: np.ndarray, y: np.ndarray, forced: np.ndarray, settings: FitSettings) -> float:
    """The lowest threshold meeting the residual-error target within the flag budget; when no threshold
    meets both, the one with the lowest residual error that still flags no more than the budget (a queue
    holding most cells helps no reviewer — the shortfall is reported, not hidden)."""
    candidates = sorted(set(np.round(p, 6).tolist()) | {0.5, 0.9, 0.99})
    both, within_budget = [], []
    for th in candidates:
        m = review_metrics(p, y, forced, th + 1e-9)
        if m["flag_rate"] <= settings.max_flag:
            within_budget.append((m["residual_error"], -th, th + 1e-9))
            if m["residual_error"] <= settings.max_residual:
                both.append((m["flag_rate"], th + 1e-9))
    if both:
        return min(both)[1]
    if within_budget:
        return min(within_budget)[2]
    return 0.5


def write_atomic(path: Path, data: dict) -> None:
    atomic_write_json(path, data)


def held_out(name: str, share: float) -> bool:
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < share


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("samples", type=Path, help="folder with <name>.pdf + <name>.truth.json")
    ap.add_argument("--out", type=Path, default=ROOT / "models" / "calibration.json")
    ap.add_argument("--holdout", type=float, default=0.3)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--max-residual", type=float, default=0.001)
    ap.add_argument("--max-flag", type=float, default=0.05)
    ap.add_argument("--predictions", type=Path,
                    help="folder of saved extractions <name>.json (bench.py --save-predictions DIR: DIR/disclosure)")
    args = ap.parse_args(argv)
    settings = FitSettings(max_residual=args.max_residual, max_flag=args.max_flag)
    data = collect(args.samples, args.limit, args.predictions)
    fit = [d for d in data if not held_out(d[0], args.holdout)]
    test = [d for d in data if held_out(d[0], args.holdout)]
    if not fit:
        print(f"{args.samples}: no usable samples to fit on", file=sys.stderr)
        return 1
    x = np.vstack([d[1] for d in fit])
    y = np.concatenate([d[2] for d in fit])
    forced = np.concatenate([d[3] for d in fit])
    bias, w = fit_logistic(x, y, settings)
    model = CalibrationModel(bias=bias, weights=dict(zip(FEATURES, w.tolist())), threshold=0.9)
    p_fit = np.array([model.probability(dict(zip(FEATURES, row))) for row in x])
    threshold = choose_threshold(p_fit, y, forced, settings)
    metrics = {"fit": {"samples": len(fit), **review_metrics(p_fit, y, forced, threshold)}}
    if test:
        xt = np.vstack([d[1] for d in test])
        yt = np.concatenate([d[2] for d in test])
        ft = np.concatenate([d[3] for d in test])
        pt = np.array([model.probability(dict(zip(FEATURES, row))) for row in xt])
        metrics["held_out"] = {"samples": len(test), **review_metrics(pt, yt, ft, threshold)}
    out = {"model": "logistic", "features": list(FEATURES), "bias": bias, "weights": model.weights,
           "threshold": threshold, "metrics": metrics, "samples_folder": str(args.samples),
           "fitted_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    write_atomic(args.out, out)
    print(json.dumps({"threshold": threshold, "metrics": metrics}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
