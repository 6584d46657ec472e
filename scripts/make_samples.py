#!/usr/bin/env python3
"""Generate synthetic 部门决算 disclosures (PDF) with exact ground truth (``<name>.truth.json``).

    python scripts/make_samples.py samples --committed            # regenerate the committed set
    python scripts/make_samples.py generated/run1 --count 20 --seed 7 [--profiles digital seal_watermark200 ...]
    python scripts/make_samples.py generated/perf --forms [000 001 …] [--profiles digital seal_watermark200] [--seed 2]
                                                                  # every 绩效自评表 of the seeds, in their layouts
                                                                  # (--seed: other fonts and scan noise, same forms)
    python scripts/make_samples.py samples --check                # re-verify the identities on existing truth
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))

from samplegen.generate import (committed_recipes, generate, known_profiles,  # noqa: E402
                                random_recipes)
from samplegen.perfforms import (SEED_DOCS, check_form_truth, committed_form_recipes,  # noqa: E402
                                 generate_forms, seed_recipes)
from samplegen.render import Printer  # noqa: E402
from samplegen.truth import check_truth_dict  # noqa: E402


def check_dir(folder: Path) -> int:
    files = sorted(folder.glob("*.truth.json"))
    if not files:
        print(f"{folder}: no *.truth.json files", file=sys.stderr)
        return 2
    bad = 0
    for path in files:
        try:
            truth = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            print(f"{path}: unreadable truth ({e})", file=sys.stderr)
            bad += 1
            continue
        if any(t.get("kind") == "performance" for t in truth.get("tables", [])):
            problems = check_form_truth(truth)  # forms: records consistent with their grid (their arithmetic
            status = "OK" if not problems else "FAIL"  # is the seeds' own, failing where theirs fails)
            print(f"{status} {path.name}: {len(truth['tables'])} forms, {truth['source']['pages']} pages, "
                  f"profile {truth.get('profile')}")
            for p in problems[:10]:
                print(f"    {p}")
            bad += bool(problems)
            continue
        checks = check_truth_dict(truth)
        failed = [c for c in checks if not c.ok]
        status = "OK" if not failed and checks else "FAIL"
        print(f"{status} {path.name}: {len(checks)} identities, {len(failed)} failed, "
              f"{len(truth['tables'])} tables, {truth['source']['pages']} pages, profile {truth.get('profile')}")
        for c in failed[:10]:
            print(f"    {c.rule} [{c.table}] expected {c.expected} actual {c.actual} cells {c.cells}")
        bad += bool(failed) or not checks
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--committed", action="store_true", help="generate the committed sample set")
    ap.add_argument("--count", type=int, default=0, help="number of random samples")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profiles", nargs="+", default=None,
                    help="profiles to cycle through (default: all); digital, digital_watermark or a scan profile")
    ap.add_argument("--only", nargs="+", default=None, help="with --committed: only these sample names")
    ap.add_argument("--forms", nargs="*", default=None, metavar="SEED",
                    help="绩效自评表: every form of these seeds (default: all five), one document per seed and profile")
    ap.add_argument("--check", "--only-truth-check", dest="check", action="store_true",
                    help="only verify the identities of the truth files in OUT_DIR")
    args = ap.parse_args(argv)

    if args.check:
        return check_dir(args.out_dir)
    profiles = args.profiles or known_profiles()
    unknown = [p for p in profiles if p not in known_profiles()]
    if unknown:
        ap.error(f"unknown profile(s) {unknown}; known: {known_profiles()}")
    recipes = committed_recipes() if args.committed else []
    form_recipes = committed_form_recipes() if args.committed else []
    if args.only:
        recipes = [r for r in recipes if r.name in set(args.only)]
        form_recipes = [r for r in form_recipes if r.name in set(args.only)]
    if args.count:
        recipes += random_recipes(args.count, args.seed, profiles)
    if args.forms is not None:
        seeds = args.forms or sorted(SEED_DOCS)
        unknown = [s for s in seeds if s not in SEED_DOCS]
        if unknown:
            ap.error(f"unknown seed(s) {unknown}; known: {sorted(SEED_DOCS)}")
        form_recipes += seed_recipes(args.profiles or ["digital", "seal_watermark200"], seeds, args.seed)
    if not recipes and not form_recipes:
        ap.error("nothing to do: give --committed, --count N and/or --forms (or --check)")
    started = time.time()
    with Printer() as printer:
        for recipe in form_recipes:
            t0 = time.time()
            truth = generate_forms(recipe, args.out_dir, printer)
            print(f"{recipe.name}: {truth['source']['pages']} pages, {len(truth['tables'])} forms, "
                  f"{time.time() - t0:.1f} s")
        for recipe in recipes:
            t0 = time.time()
            truth = generate(recipe, args.out_dir, printer)
            failed = [c for c in truth["checks"] if not c["ok"]]
            print(f"{recipe.name}: {truth['source']['pages']} pages, {len(truth['tables'])} tables, "
                  f"{len(truth['checks'])} identities ({len(failed)} failed), {time.time() - t0:.1f} s")
            if failed:
                print(f"  FAILED identities: {failed[:5]}", file=sys.stderr)
                return 1
    print(f"{len(recipes) + len(form_recipes)} samples in {args.out_dir} ({time.time() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
