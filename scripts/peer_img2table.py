"""Peer system for the benchmark: img2table's table structure + the same RapidOCR models we use.

img2table finds ruled tables (and, optionally, borderless ones) on each page image and reads the cells
from the PDF text layer when there is one, else from the OCR instance it is given. Here that instance
is :class:`RapidOCRWords`, an adapter around rapidocr's bundled PP-OCR models with the settings our
pipeline uses, so the comparison isolates our own table, seal and validation logic.

The result is written in the output contract (``disclosure.document/1``): one table per detected table
(a table continuing on the next page with the same column count and no title is appended to it),
leading rows before the first amount row form the header, cell text is cleaned like ours
(:func:`pipeline.textnorm.clean_cell_text`), value via :func:`pipeline.numbers.value_of` in amount
columns, confidence = the weakest OCR word score in the cell (1.0 from a text layer), review =
confidence < ``review_below``.

img2table 2.x declares ``opencv-contrib-python``; we install it with ``--no-deps`` and keep
``opencv-python-headless``. The only contrib function it calls, ``cv2.ximgproc.niBlackThreshold``
(Sauvola binarisation), is provided by :func:`install_sauvola` when cv2 lacks ``ximgproc``.

Usage: python scripts/peer_img2table.py FILE.pdf [--out FILE.json] [--pages 1,2]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from img2table.document import PDF
from img2table.ocr._types import OCRData, OCRInstance

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.headers import HeaderCell, flatten_header, header_grid, is_amount_column, is_code_column  # noqa: E402
from pipeline.fsutil import atomic_write_json  # noqa: E402
from pipeline.model import SCHEMA_ID  # noqa: E402
from pipeline.numbers import value_of  # noqa: E402
from pipeline.textnorm import clean_cell_text, compare_key  # noqa: E402

PEER_NAME = "img2table"


@dataclass(frozen=True)
class PeerSettings:
    dpi: int = 200  # img2table renders PDF pages at 200 dpi (fixed in img2table.document.pdf)
    implicit_rows: bool = False
    implicit_columns: bool = False
    borderless_tables: bool = False
    min_confidence: int = 50  # img2table drops OCR words below this (0–99)
    review_below: float = 0.9
    pdf_text_extraction: bool = True  # born-digital pages read from the text layer, like ours


# ------------------------------------------------------------------------------------ OpenCV shim


def _sauvola(src: np.ndarray, maxValue: float, type: int, blockSize: int, k: float,  # noqa: A002, N803
             binarizationMethod: int = 1, r: float = 128.0) -> np.ndarray:  # noqa: N803
    """cv2.ximgproc.niBlackThreshold for BINARIZATION_SAUVOLA: T = m·(1 + k·(s/r − 1)) over blockSize²."""
    img = src.astype(np.float32)
    size = (blockSize, blockSize)
    mean = cv2.boxFilter(img, cv2.CV_32F, size, borderType=cv2.BORDER_REPLICATE)
    sqmean = cv2.boxFilter(img * img, cv2.CV_32F, size, borderType=cv2.BORDER_REPLICATE)
    std = np.sqrt(np.maximum(sqmean - mean * mean, 0))
    thresh = mean * (1.0 + k * (std / r - 1.0))
    dark = img <= thresh
    if type == cv2.THRESH_BINARY_INV:
        return np.where(dark, maxValue, 0).astype(src.dtype)
    return np.where(dark, 0, maxValue).astype(src.dtype)


def install_sauvola() -> bool:
    """Give cv2 a ``ximgproc.niBlackThreshold`` (Sauvola) when opencv-contrib is absent. True if installed."""
    if hasattr(cv2, "ximgproc"):
        return False
    cv2.ximgproc = types.SimpleNamespace(niBlackThreshold=_sauvola, BINARIZATION_NIBLACK=0,  # type: ignore[attr-defined]
                                         BINARIZATION_SAUVOLA=1, BINARIZATION_WOLF=2, BINARIZATION_NICK=3)
    return True


# ------------------------------------------------------------------------------------ OCR adapter


class RapidOCRWords(OCRInstance):
    """img2table OCRInstance around rapidocr's bundled models; keeps the word scores of the last call."""

    def __init__(self) -> None:
        from rapidocr import RapidOCR
        self.engine = RapidOCR(params={"Global.use_cls": False, "Global.log_level": "warning"})
        self.last_words: dict[int, list[dict[str, Any]]] = {}
        self.calls = 0

    def of(self, document) -> OCRData | None:
        self.calls += 1
        records: dict[int, list[dict[str, Any]]] = {}
        for page, img in enumerate(document.images):
            res = self.engine(img)
            if res.txts is None or res.boxes is None or res.scores is None:
                continue
            for idx, (text, score, box) in enumerate(zip(res.txts, res.scores, res.boxes)):
                box = np.asarray(box)
                word_id = f"word_{page + 1}_{idx + 1}"
                records.setdefault(page, []).append({
                    "id": word_id, "parent": word_id, "value": text, "confidence": int(100 * float(score)),
                    "score": float(score),
                    "x1": int(box[:, 0].min()), "y1": int(box[:, 1].min()),
                    "x2": int(box[:, 0].max()), "y2": int(box[:, 1].max())})
        self.last_words = records
        return OCRData(records=records) if records else None


# ------------------------------------------------------------------------------------ conversion

_FORM = re.compile(r"公开\s*0?\d{1,2}\s*表")


def _cell_confidence(bbox, words: list[dict[str, Any]]) -> float:
    x1, y1, x2, y2 = bbox
    scores = []
    for w in words:
        ix = max(0, min(x2, w["x2"]) - max(x1, w["x1"]))
        iy = max(0, min(y2, w["y2"]) - max(y1, w["y1"]))
        area = max(1, (w["x2"] - w["x1"]) * (w["y2"] - w["y1"]))
        if ix * iy > 0.5 * area:
            scores.append(w["score"])
    return min(scores) if scores else 1.0


@dataclass
class _Grid:
    """One img2table table as a grid of distinct cells (merged cells at their top-left)."""

    page: int
    title: str
    cells: list[list[dict[str, Any]]]  # per row, per column: text, bbox, confidence, top_left, span
    n_cols: int


def _grid_from(table, page: int, words: list[dict[str, Any]] | None) -> _Grid:
    rows = list(table.content.values())
    n_cols = max((len(r) for r in rows), default=0)
    seen: dict[int, tuple[int, int]] = {}
    spans: dict[int, list[int]] = {}
    for ri, row in enumerate(rows):
        for ci, cell in enumerate(row):
            key = id(cell)
            if key not in seen:
                seen[key] = (ri, ci)
                spans[key] = [ri, ci, ri, ci]
            else:
                s = spans[key]
                s[2], s[3] = max(s[2], ri), max(s[3], ci)
    grid = []
    for ri, row in enumerate(rows):
        out = []
        for ci in range(n_cols):
            cell = row[ci] if ci < len(row) else None
            if cell is None:
                out.append({"text": "", "bbox": None, "confidence": 1.0, "top_left": True, "span": (1, 1)})
                continue
            top_left = seen[id(cell)] == (ri, ci)
            s = spans[id(cell)]
            b = cell.bbox
            bbox = (int(b.x1), int(b.y1), int(b.x2), int(b.y2))
            text = clean_cell_text(cell.value or "") if top_left else ""
            conf = _cell_confidence(bbox, words) if (words and text) else 1.0
            out.append({"text": text, "bbox": bbox, "confidence": conf, "top_left": top_left,
                        "span": (s[2] - s[0] + 1, s[3] - s[1] + 1)})
        grid.append(out)
    return _Grid(page=page, title=clean_cell_text(table.title or ""), cells=grid, n_cols=n_cols)


def _is_amount_row(row: list[dict[str, Any]]) -> bool:
    return any("." in c["text"] and value_of(c["text"]) is not None for c in row)


def _printed_codes(cells: list[dict[str, Any]], code_cols: list[int]) -> list[dict[str, Any]]:
    """Codes as printed: one code column (2080101) or 类/款/项 columns joined (208 | 01 | 01)."""
    groups: list[list[int]] = []
    for ci in code_cols:
        if groups and groups[-1][-1] == ci - 1:
            groups[-1].append(ci)
        else:
            groups.append([ci])
    codes = []
    for group in groups:
        parts = [re.sub(r"\s", "", cells[ci]["text"]) for ci in group if ci < len(cells)]
        code = "".join(parts)
        if not re.fullmatch(r"\d{3}|\d{5}|\d{7}", code):
            continue
        after = group[-1] + 1
        name = cells[after]["text"] if after < len(cells) else ""
        score = min(cells[ci]["confidence"] for ci in group if ci < len(cells))
        codes.append({"column": group[0], "code": code, "name": name, "score": score, "source": "printed"})
    return codes


def _to_contract_table(grid: _Grid, index: int, settings: PeerSettings,
                       more_rows: list[tuple[int, list[dict[str, Any]]]]) -> dict[str, Any]:
    first_body = next((i for i, r in enumerate(grid.cells) if _is_amount_row(r)), 1 if grid.cells else 0)
    head_rows = grid.cells[:first_body]
    header_cells = [HeaderCell(row=ri, col=ci, text=c["text"], rowspan=c["span"][0], colspan=c["span"][1])
                    for ri, row in enumerate(head_rows) for ci, c in enumerate(row) if c["top_left"] and c["text"]]
    header = header_grid(header_cells, len(head_rows), grid.n_cols)
    columns = flatten_header(header_cells, len(head_rows), grid.n_cols) if head_rows else [""] * grid.n_cols
    amount = [is_amount_column(label) and not is_code_column(label) for label in columns]
    code_cols = [ci for ci, label in enumerate(columns) if is_code_column(label)]
    body = [(grid.page, r) for r in grid.cells[first_body:]] + more_rows
    rows = []
    for page, r in body:
        cells = []
        for ci, c in enumerate(r[:grid.n_cols]):
            conf = float(c["confidence"])
            cells.append({"text": c["text"], "value": value_of(c["text"]) if amount[ci] else None,
                          "confidence": round(conf, 4), "review": conf < settings.review_below,
                          "reasons": ["low_ocr"] if conf < settings.review_below else [],
                          "bbox": list(c["bbox"]) if c["bbox"] else None})
        codes = _printed_codes(cells, code_cols)
        rows.append({"page": page, "cells": cells, "codes": codes})
    m = _FORM.search(grid.title)
    form = compare_key(m.group(0)) if m else ""
    if form:
        form = re.sub(r"公开(\d)表", r"公开0\1表", form)
    title = _FORM.sub("", grid.title).strip()
    pages = sorted({grid.page} | {p for p, _ in more_rows})
    return {"id": f"t{index + 1}", "title": title, "form": form, "unit": "", "pages": pages, "header": header,
            "columns": columns, "rows": rows, "notes": []}


def _page_has_text(pdf, page_index: int) -> bool:
    textpage = pdf[page_index].get_textpage()
    try:
        return bool(textpage.get_text_range().strip())
    finally:
        textpage.close()


def extract_with_img2table(path: str | Path, settings: PeerSettings = PeerSettings(),
                           ocr: RapidOCRWords | None = None, pages: list[int] | None = None) -> dict[str, Any]:
    """Run img2table (+ RapidOCR) on a PDF and return the contract dict."""
    import pypdfium2

    install_sauvola()
    path = Path(path)
    data = path.read_bytes()
    ocr = ocr or RapidOCRWords()
    pdf = pypdfium2.PdfDocument(data)
    try:
        n_pages = len(pdf)
        page_infos, grids = [], []
        for pi in (pages or range(1, n_pages + 1)):
            w_pt, h_pt = pdf[pi - 1].get_size()
            text_layer = settings.pdf_text_extraction and _page_has_text(pdf, pi - 1)
            doc = PDF(src=data, pages=[pi - 1], pdf_text_extraction=text_layer)
            calls = ocr.calls
            found = doc.extract_tables(ocr=ocr, implicit_rows=settings.implicit_rows,
                                       implicit_columns=settings.implicit_columns,
                                       borderless_tables=settings.borderless_tables,
                                       min_confidence=settings.min_confidence)
            used_ocr = ocr.calls > calls
            words = ocr.last_words.get(0, []) if used_ocr else None
            page_infos.append({"number": pi, "mode": "ocr" if used_ocr else "text",
                               "width": round(w_pt * settings.dpi / 72), "height": round(h_pt * settings.dpi / 72),
                               "dpi": settings.dpi, "skew": 0.0})
            for t in found.get(pi - 1, []):
                grids.append(_grid_from(t, pi, words))
    finally:
        pdf.close()
    tables = []
    i = 0
    while i < len(grids):
        g = grids[i]
        more: list[tuple[int, list[dict[str, Any]]]] = []
        j = i + 1
        # a table continued on the next page: first table there, same column count, no title of its own
        while (j < len(grids) and grids[j].page == grids[j - 1].page + 1 and grids[j].n_cols == g.n_cols
               and not grids[j].title and all(x.page != grids[j].page for x in grids[i:j])):
            more += [(grids[j].page, r) for r in grids[j].cells]
            j += 1
        tables.append(_to_contract_table(g, len(tables), settings, more))
        i = j
    return {"schema": SCHEMA_ID,
            "source": {"path": str(path), "sha256": hashlib.sha256(data).hexdigest(), "pages": n_pages},
            "document": {"authority": "", "year": None, "kind": ""},
            "pages": page_infos, "tables": tables, "checks": [], "pipeline": {"version": PEER_NAME}}


def _write_json(path: Path, obj: Any) -> None:
    atomic_write_json(path, obj)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pdf", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--pages", help="1-based page numbers, comma-separated")
    ap.add_argument("--borderless", action="store_true", help="also detect borderless tables")
    args = ap.parse_args(argv)
    if not args.pdf.is_file():
        print(f"{args.pdf}: no such file", file=sys.stderr)
        return 2
    pages = [int(p) for p in args.pages.split(",")] if args.pages else None
    result = extract_with_img2table(args.pdf, PeerSettings(borderless_tables=args.borderless), pages=pages)
    if args.out:
        _write_json(args.out, result)
    else:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
