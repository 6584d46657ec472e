"""Real layouts as scans: rasterise real born-digital disclosures into image-only PDFs and check that the
OCR path reads what the text layer says.

    python scripts/real_scans.py ../shared/real/juesuan [--dpi 200] [--out bench-results/real-scans.json]

For every PDF: the text-layer extraction is the reference; the same pages rasterised at ``--dpi`` (JPEG,
as a scanner would store them) go through the OCR path; both are scored with the benchmark's scorer
(tables matched by form/title, rows aligned, amounts to 0.005). Prints per document and overall: tables
found, cell and numeric agreement, flag rate, residual error among unflagged cells, seconds per page.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pypdfium2 as pdfium

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.evaluate import aggregate, score_document  # noqa: E402
from pipeline.extract import ExtractSettings, extract_document  # noqa: E402
from pipeline.fsutil import atomic_write, atomic_write_json  # noqa: E402
from pipeline.ocr import get_recognizer  # noqa: E402


def rasterise(pdf_path: Path, out: Path, dpi: int, quality: int = 75) -> None:
    """An image-only copy of ``pdf_path``: every page rendered at ``dpi`` and stored as JPEG."""
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        images = [pdf[i].render(scale=dpi / 72.0).to_pil().convert("RGB") for i in range(len(pdf))]
    finally:
        pdf.close()
    atomic_write(out, lambda tmp: images[0].save(tmp, format="PDF", save_all=True, append_images=images[1:],
                                                 resolution=float(dpi), quality=quality))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--out", type=Path, default=Path("bench-results/real-scans.json"))
    args = ap.parse_args(argv)
    pdfs = sorted(p for p in args.folder.glob("*.pdf"))
    if not pdfs:
        print(f"{args.folder}: no PDF files", file=sys.stderr)
        return 2
    get_recognizer()  # model load outside the timings
    scores, rows = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for pdf in pdfs:
            reference = extract_document(pdf, ExtractSettings(dpi=args.dpi)).to_dict()
            scan = Path(tmp) / pdf.name
            rasterise(pdf, scan, args.dpi)
            t0 = time.perf_counter()
            predicted = extract_document(scan, ExtractSettings(dpi=args.dpi)).to_dict()
            seconds = time.perf_counter() - t0
            s = score_document(reference, predicted, seconds=seconds, name=pdf.name)
            scores.append(s)
            m = aggregate([s])
            forms_ref = sorted({t["form"] or t["title"] for t in reference["tables"]})
            forms_got = sorted({t["form"] or t["title"] for t in predicted["tables"]})
            row = {"document": pdf.name, "pages": s.pages, "tables": f"{s.matched_tables}/{s.truth_tables}",
                   "missing": sorted(set(forms_ref) - set(forms_got)), **m.to_dict()}
            rows.append(row)
            print(f"{pdf.name}: tables {s.matched_tables}/{s.truth_tables}, cells {100 * m.cell_accuracy:.2f} %, "
                  f"numeric {100 * m.numeric_accuracy:.2f} %, flagged {100 * m.flag_rate:.1f} %, "
                  f"residual {100 * (m.residual_error or 0):.2f} %, {seconds / max(1, s.pages):.2f} s/page")
    overall = aggregate(scores).to_dict()
    print(f"overall: cells {100 * overall['cell_accuracy']:.2f} %, numeric {100 * overall['numeric_accuracy']:.2f} %, "
          f"flagged {100 * overall['flag_rate']:.1f} %, residual {100 * (overall['residual_error'] or 0):.2f} %, "
          f"{overall['seconds_per_page']:.2f} s/page")
    atomic_write_json(args.out, {"dpi": args.dpi, "documents": rows, "overall": overall})
    return 0


if __name__ == "__main__":
    sys.exit(main())
