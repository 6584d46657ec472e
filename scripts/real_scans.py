"""Real layouts as scans: rasterise real born-digital disclosures into image-only PDFs, degrade them with
the sample generator's scan profiles, and check that the OCR path reads what the text layer says.

    python scripts/real_scans.py ../shared/real/juesuan [--profile plain photocopy150 bilevel300 skew3]
                                 [--dpi 200] [--seed 21] [--scans DIR] [--out bench-results/real-scans.json]

For every PDF the text-layer extraction is the reference. Per profile, every page is rendered at the
profile's dpi and degraded by ``scripts/samplegen/degrade.py`` (``degrade_page``: seals over the printed
amounts, the department's name on them; the random stream seeded from file name, profile and ``--seed``),
stored as the profile's scanner would (colour / grey JPEG, 1-bit CCITT G4), then run through the OCR path
and scored with the benchmark's scorer (tables matched by form/title/rows, rows aligned, amounts to 0.005).
``plain`` is the page rendered at ``--dpi`` and stored as JPEG q75, nothing else. Reference grids with no
row and no title (a box around a paragraph) are not counted as tables.

Prints per document and per profile: tables found, amounts exact, all cells, flag rate, residual error
among unflagged cells, page verdicts (``pages[].status``), silent misses (reference tables with no match
and no ``unrecovered`` page), seconds per page (wall and processor; run with DISCLOSURE_OCR_THREADS=1 on a
shared machine). ``--scans DIR`` keeps the degraded PDFs (and reuses them
on the next run when the source is unchanged); ``--save-predictions DIR`` writes the reference and the
extraction of every document as JSON, to look at what was missed.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "scripts"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from pipeline.evaluate import aggregate, score_document  # noqa: E402
from pipeline.extract import ExtractSettings, extract_document  # noqa: E402
from pipeline.fsutil import atomic_write_json  # noqa: E402
from pipeline.ocr import get_recognizer  # noqa: E402
from samplegen.degrade import PROFILES, DegradeProfile, degrade_page, save_scan_pdf  # noqa: E402
from samplegen.render import amount_boxes, rasterise, text_words  # noqa: E402

PLAIN = "plain"


def rasterise_plain(pdf_path: Path, out: Path, dpi: int, quality: int = 75) -> None:
    """An image-only copy of ``pdf_path``: every page rendered at ``dpi`` and stored as JPEG."""
    save_scan_pdf(rasterise(pdf_path, dpi), DegradeProfile(name=PLAIN, dpi=dpi, jpeg_quality=quality), out)


def degraded_copy(pdf_path: Path, out: Path, profile_name: str, seed: int, seal_text: str) -> None:
    """``pdf_path`` rasterised at the profile's dpi and degraded page by page (seals on printed amounts)."""
    profile = PROFILES[profile_name]
    images = rasterise(pdf_path, profile.dpi)
    words = text_words(pdf_path, profile.dpi)
    rng = np.random.default_rng(zlib.crc32(f"{pdf_path.name}:{profile_name}:{seed}".encode()))
    pages = [degrade_page(rgb, profile, rng, seal_targets=amount_boxes(page_words), seal_text=seal_text)[0]
             for rgb, page_words in zip(images, words)]
    save_scan_pdf(pages, profile, out)


def make_scan(pdf: Path, folder: Path, profile: str, dpi: int, seed: int, seal_text: str) -> Path:
    scan = folder / profile / pdf.name
    if scan.exists() and scan.stat().st_mtime >= pdf.stat().st_mtime and scan.stat().st_size:
        return scan  # made by an earlier run with --scans
    scan.parent.mkdir(parents=True, exist_ok=True)
    if profile == PLAIN:
        rasterise_plain(pdf, scan, dpi)
    else:
        degraded_copy(pdf, scan, profile, seed, seal_text)
    return scan


def reference_of(pdf: Path, settings: ExtractSettings) -> dict:
    """The text-layer extraction of ``pdf``, the truth of its scans — without the grids that hold nothing
    (no row, no title: a box drawn around a paragraph), which no reader would call a table."""
    reference = extract_document(pdf, settings).to_dict()
    reference["tables"] = [t for t in reference["tables"] if t["rows"] or t["title"] or t["form"]]
    return reference


def pct(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{100 * v:.{digits}f} %"


def line(m) -> str:
    st = "/".join(str(m.page_status.get(k, 0)) for k in ("tables", "no_tables", "unrecovered"))
    return (f"tables {m.matched_tables}/{m.truth_tables}, amounts {pct(m.numeric_accuracy)}, "
            f"cells {pct(m.cell_accuracy)}, flagged {pct(m.flag_rate, 1)}, residual among unflagged "
            f"{pct(m.residual_error)}, pages tables/no_tables/unrecovered {st}, silent misses {m.silent_misses}, "
            f"false alarms {m.false_alarms}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--profile", nargs="+", default=[PLAIN], dest="profiles",
                    help=f"{PLAIN} and/or scan profiles: {', '.join(PROFILES)}")
    ap.add_argument("--dpi", type=int, default=200, help="render dpi of the pipeline (and of the plain scans)")
    ap.add_argument("--seed", type=int, default=21, help="seed of the degradations")
    ap.add_argument("--scans", type=Path, help="keep the scans here (reused when up to date)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-results" / "real-scans.json")
    ap.add_argument("--save-predictions", type=Path, metavar="DIR",
                    help="write each reference (DIR/reference/NAME.json) and extraction (DIR/PROFILE/NAME.json)")
    args = ap.parse_args(argv)
    unknown = [p for p in args.profiles if p != PLAIN and p not in PROFILES]
    if unknown:
        ap.error(f"unknown profile(s) {unknown}; known: {PLAIN}, {', '.join(PROFILES)}")
    pdfs = sorted(p for p in args.folder.glob("*.pdf"))
    if not pdfs:
        print(f"{args.folder}: no PDF files", file=sys.stderr)
        return 2
    get_recognizer()  # model load outside the timings
    settings = ExtractSettings(dpi=args.dpi)
    references = {pdf: reference_of(pdf, settings) for pdf in pdfs}
    results: dict = {"dpi": args.dpi, "seed": args.seed, "profiles": {}}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.scans or Path(tmp)
        for profile in args.profiles:
            scores, rows = [], []
            for pdf in pdfs:
                reference = references[pdf]
                scan = make_scan(pdf, folder, profile, args.dpi, args.seed,
                                 reference["document"].get("authority") or "财务部门")
                t0, cpu = time.perf_counter(), time.process_time()
                predicted = extract_document(scan, settings).to_dict()
                seconds = time.perf_counter() - t0
                if args.save_predictions:
                    for sub, data in (("reference", reference), (profile, predicted)):
                        atomic_write_json(args.save_predictions / sub / f"{pdf.stem}.json", data)
                s = score_document(reference, predicted, seconds=seconds, name=pdf.name)
                s.cpu_seconds = time.process_time() - cpu
                s.profile = profile
                scores.append(s)
                m = aggregate([s])
                ref_tables = {t["id"]: t for t in reference["tables"]}
                missed = [ref_tables[t.truth]["form"] or ref_tables[t.truth]["title"]
                          for t in s.tables if t.predicted is None]
                rows.append({"document": pdf.name, "pages": s.pages, "tables": f"{s.matched_tables}/{s.truth_tables}",
                             "missing": missed, "silent_misses": s.silent_misses, "false_alarms": s.false_alarms,
                             **m.to_dict()})
                print(f"[{profile}] {pdf.name}: {line(m)}, {seconds / max(1, s.pages):.2f} s/page "
                      f"({m.cpu_seconds_per_page or 0:.2f} CPU s/page)"
                      + (f"; missing {missed}" if missed else ""), flush=True)
            overall = aggregate(scores)
            results["profiles"][profile] = {"documents": rows, "overall": overall.to_dict()}
            print(f"[{profile}] overall: {line(overall)}, {overall.seconds_per_page or 0:.2f} s/page "
                  f"({overall.cpu_seconds_per_page or 0:.2f} CPU s/page)", flush=True)
    if len(args.profiles) > 1:
        print(f"\n{'profile':<14} {'tables':>7} {'amounts':>9} {'cells':>9} {'flagged':>8} {'residual':>9} "
              f"{'pages t/n/u':>12} {'silent':>6} {'s/page':>6} {'CPU s/p':>7}")
        for profile, r in results["profiles"].items():
            o = r["overall"]
            st = "/".join(str(o["page_status"].get(k, 0)) for k in ("tables", "no_tables", "unrecovered"))
            print(f"{profile:<14} {o['matched_tables']:>3}/{o['truth_tables']:<3} {pct(o['numeric_accuracy']):>9} "
                  f"{pct(o['cell_accuracy']):>9} {pct(o['flag_rate'], 1):>8} {pct(o['residual_error']):>9} {st:>12} "
                  f"{o['silent_misses']:>6} {o['seconds_per_page'] or 0:>6.2f} {o['cpu_seconds_per_page'] or 0:>7.2f}")
    atomic_write_json(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
