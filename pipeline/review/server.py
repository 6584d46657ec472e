"""The local review web app (FastAPI + plain HTML/JS, Chinese UI): ``disclosure review OUT``.

- Documents are addressed by an id from the index of OUT (never by a path); only the fixed static files
  and page crops of indexed documents are served. A crop carries the id of the cell it was rendered for
  (header ``X-Cell``), so the page never shows a crop for another cell.
- Documents stay loaded: each is read once and re-read only when its JSON changes; a correction re-applies
  and re-validates only its own document, in a worker thread, and swaps the new state in when done —
  readers are served the previous state meanwhile, never blocked.
- A file under OUT that cannot be read is reported (console and UI) and the rest is served.
- The queue: every flagged cell — a printed header cell the pipeline flags too (addressed by its place in the
  header grid: ``"header": true`` in a correction, ``?part=header`` on its crop) — and every cell of an
  identity that fails (even one a reviewer confirmed)
  until the identity holds or a reviewer marks it as a source error. Corrections, confirmations and
  source-error marks can be undone; every step is in the append-only audit log of ``OUT/review.sqlite``.
- Amount cells take only amounts (:func:`pipeline.review.corrections.correction_problem`).
- Guards: Host must be one of ours (DNS rebinding), writes only as JSON from our own origin (scheme, host
  and port), bodies over 64 KiB or malformed (including nested too deeply) are refused with 4xx; with a
  token every request must carry it (header ``X-Review-Token``, ``?token=`` — which sets a cookie — or that
  cookie).
"""
from __future__ import annotations

import hmac
import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ..headers import is_amount_column
from ..model import Check
from .corrections import (DocumentLoadError, LoadedDocument, LoadError, amount_problem, correction_problem,
                          is_document_file, json_files, load_document, load_error,
                          orphan_missing_documents, unique_id)
from .keys import (CellAddress, cell_at, column_label, header_entry, header_place, label_left_of,
                   machine_text as machine_reading, review_cells)
from .sources import SourceResolver
from .store import ReviewStore
from .workbook import reason_labels

STATIC = Path(__file__).resolve().parent / "static"
STATIC_FILES = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
                "style.css": "text/css; charset=utf-8", "reasons.json": "application/json",
                "favicon.svg": "image/svg+xml"}
TOKEN_HEADER = "x-review-token"
TOKEN_COOKIE = "review_token"
CELL_HEADER = "X-Cell"  # the cell a crop was rendered for: "<doc id>:<table>:<row>:<column>"


@dataclass
class ServerSettings:
    out_dir: Path
    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    reviewer: str = "reviewer"
    max_body_bytes: int = 64 * 1024
    extra_hosts: tuple[str, ...] = ()  # Host names accepted besides 127.0.0.1/localhost/host (DNS-rebinding guard)
    crop_margin_px: int = 6
    crop_max_width: int = 1400
    source_root: Path | None = None  # where the inputs are now, when they moved since extraction
    rescan_seconds: float = 1.0  # how often OUT is looked at for new or changed JSON files


# -- host and origin guards ---------------------------------------------------------------------------------

_HOST = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?))"
                   r"(?::(?P<port>[0-9]{1,5}))?")


def parse_host(value: str) -> tuple[str, int | None] | None:
    """``host[:port]`` of a Host header or an origin's authority; None when malformed (userinfo, path,
    several colons, a port out of range …)."""
    m = _HOST.fullmatch(value or "")
    if not m:
        return None
    port = int(m.group("port")) if m.group("port") else None
    if port is not None and not 0 < port < 65536:
        return None
    return (m.group("v6") or m.group("name")).lower(), port


def same_origin(origin: str, host: tuple[str, int | None]) -> bool:
    """The Origin header names this server exactly: scheme http, the request's host and port."""
    scheme, sep, authority = origin.partition("://")
    if not sep or scheme.lower() != "http":
        return False
    parsed = parse_host(authority)
    if parsed is None:
        return False
    return (parsed[0], parsed[1] or 80) == (host[0], host[1] or 80)


# -- the documents under OUT, kept loaded ------------------------------------------------------------------------


def check_dict(check: Check, d: LoadedDocument | None = None) -> dict:
    key = d.check_key(check) if d is not None else check.rule
    decision = d.result.decisions.get(key) if d is not None else None
    return {"id": key, "key": key, "rule": check.rule, "description": check.description or check.rule,
            "table": check.table, "ok": check.ok, "expected": check.expected, "actual": check.actual,
            "cells": [list(c) for c in check.cells],
            "source_error": None if decision is None else {"id": decision.id, "reviewer": decision.reviewer,
                                                          "updated": decision.updated}}


@dataclass
class Entry:
    """One document under OUT: its current state (swapped whole, never edited in place)."""

    doc: LoadedDocument
    signature: tuple[int, int]  # (mtime_ns, size) of the JSON it was read from
    version: int  # the store's last audit id for this document when the state was built
    lock: threading.Lock = field(default_factory=threading.Lock)  # one rebuild at a time
    items: list[dict] | None = None  # queue entries, computed on demand from ``doc``
    to_review: int = 0  # cells that were or are to be reviewed: flagged by the machine or in the queue


class Workspace:
    """The documents under OUT with corrections applied, indexed by id; each read once and rebuilt alone."""

    def __init__(self, out_dir: Path, store: ReviewStore, resolver: SourceResolver, rescan_seconds: float = 1.0):
        self.out_dir = out_dir
        self.store = store
        self.resolver = resolver
        self.rescan_seconds = rescan_seconds
        self._lock = threading.Lock()  # guards the dicts below (held only to swap, never while loading)
        self._scan_lock = threading.Lock()
        self._entries: dict[Path, Entry] = {}
        self._by_id: dict[str, Entry] = {}
        self._errors: dict[Path, tuple[tuple[int, int], LoadError]] = {}
        self._other: dict[Path, tuple[int, int]] = {}  # JSON under OUT that is not a document (run-summary …)
        self._last_scan = 0.0
        self._store_version = -1

    # -- loading

    def _scan(self) -> None:
        paths = json_files(self.out_dir)
        for path in paths:
            try:
                st = path.stat()
            except OSError:
                continue
            signature = (st.st_mtime_ns, st.st_size)
            with self._lock:
                entry, error = self._entries.get(path), self._errors.get(path)
            if (entry and entry.signature == signature) or (error and error[0] == signature) or \
                    self._other.get(path) == signature:
                continue
            if not is_document_file(path):
                self._other[path] = signature
                with self._lock:
                    self._drop(path)
                continue
            version = self.store.document_versions()
            try:
                doc = load_document(self.out_dir, path, self.store)
            except DocumentLoadError as e:
                with self._lock:
                    self._errors[path] = (signature, load_error(self.out_dir, path, e))
                    self._drop(path)
                continue
            with self._lock:
                self._errors.pop(path, None)
                old = self._entries.get(path)
                used = {i for i, e in self._by_id.items() if e is not old}
                doc.id = old.doc.id if old is not None and old.doc.id not in used else unique_id(doc, used)
                self._drop(path)
                entry = Entry(doc, signature, version.get(doc.machine.sha256, 0))
                self._entries[path] = entry
                self._by_id[doc.id] = entry
        current = set(paths)
        with self._lock:
            for path in [p for p in self._entries if p not in current]:
                self._drop(path)
            for path in [p for p in self._errors if p not in current]:
                del self._errors[path]
            self._other = {p: sig for p, sig in self._other.items() if p in current}

    def _drop(self, path: Path) -> None:
        entry = self._entries.pop(path, None)
        if entry is not None and self._by_id.get(entry.doc.id) is entry:
            del self._by_id[entry.doc.id]

    def refresh(self, force: bool = False) -> None:
        """Pick up changed JSON files (at most every ``rescan_seconds``) and corrections written by others
        (import-corrections, a second server). A reader never waits for a rebuild in progress."""
        now = time.monotonic()
        first = self._last_scan == 0.0
        if force or first or now - self._last_scan >= self.rescan_seconds:
            if self._scan_lock.acquire(blocking=first or force):
                try:
                    self._scan()
                    if first:
                        with self._lock:
                            present = {e.doc.machine.sha256 for e in self._entries.values()}
                        orphan_missing_documents(self.store, present)
                    self._last_scan = time.monotonic()
                finally:
                    self._scan_lock.release()
        version = self.store.version()
        if version == self._store_version:
            return
        versions = self.store.document_versions()
        stale = False
        for entry in self.entries():
            if versions.get(entry.doc.machine.sha256, 0) != entry.version:
                if entry.lock.acquire(blocking=False):  # a rebuild in progress will catch up; serve the old
                    try:
                        self._rebuild(entry)
                    finally:
                        entry.lock.release()
                else:
                    stale = True
        if not stale:
            self._store_version = version

    def _rebuild(self, entry: Entry) -> LoadedDocument:
        """Re-apply the store to one document (caller holds ``entry.lock``); returns the new state."""
        version = self.store.document_versions().get(entry.doc.machine.sha256, 0)
        doc = entry.doc.with_store(self.store)
        with self._lock:
            entry.doc, entry.version, entry.items = doc, version, None
        return doc

    def rebuild_document(self, sha256: str) -> None:
        for entry in self.entries():
            if entry.doc.machine.sha256 == sha256:
                with entry.lock:
                    self._rebuild(entry)

    def entries(self) -> list[Entry]:
        with self._lock:
            return sorted(self._entries.values(), key=lambda e: e.doc.name)

    def errors(self) -> list[LoadError]:
        with self._lock:
            return [e for _sig, e in sorted(self._errors.values(), key=lambda x: x[1].name)]

    def documents(self) -> dict[str, LoadedDocument]:
        self.refresh()
        return {e.doc.id: e.doc for e in self.entries()}

    def entry(self, doc_id: str) -> Entry:
        self.refresh()
        with self._lock:
            entry = self._by_id.get(doc_id)
        if entry is None:
            raise HTTPException(404, "没有这个文档")
        return entry

    def document(self, doc_id: str) -> LoadedDocument:
        return self.entry(doc_id).doc

    def items(self, entry: Entry) -> list[dict]:
        with self._lock:
            doc, items = entry.doc, entry.items
        if items is None:
            items = document_items(doc)
            queued = {it["id"] for it in items}
            # (a cell of an identity failing as the pipeline left it was in the queue too, flagged or not)
            failing = {tuple(ref) for chk in doc.machine.checks if not chk.ok for ref in chk.cells}
            flagged = {item_id(doc.id, a) for a, t, c in review_cells(doc.machine)
                       if c.review or (not a.header and (t.id, a.row, a.column) in failing)}
            with self._lock:
                if entry.doc is doc:
                    entry.items, entry.to_review = items, len(queued | flagged)
        return items


# -- the queue ------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def review_threshold() -> float:
    from ..score import load_model

    return load_model().threshold


def percent(p: float) -> str:
    """A probability for people: rounded down, at most 99.9 % — a model's probability is never certainty, even
    where it rounds to 1 (a reading every identity through it confirms, beside a failing one); only a reviewer's
    word is, and it is told as such."""
    return f"{min(math.floor(p * 1000), 999) / 10:.1f}%"


def doc_label(d: LoadedDocument) -> str:
    parts = [d.document.authority, str(d.document.year or ""), d.document.kind]
    return " ".join(p for p in parts if p) or d.name


def shown_confidence(cell, open_checks: list[Check], cells: dict) -> tuple[float, str]:
    """What the reviewer is told about the reading: a probability that it is right and how it was got.

    The model's confidence is the probability that the text is exactly what is printed. For a cell of a
    failing identity that is not what the reviewer needs: at least one cell of the identity is wrong (or
    the source does not add up), so the blame is shared out among its cells in proportion to their doubt
    (1 − confidence); the cell is right with probability 1 − its largest share. Never above the review
    threshold for a flagged cell, so a flagged cell cannot read "100 % sure"."""
    conf = float(cell.confidence)
    if cell.reviewed:
        if open_checks:
            return conf, "已人工复核；但所在勾稽关系仍不符：请检查同一关系中的其他单元格，或标记为原件错误"
        return conf, "已人工复核"
    if open_checks:
        doubt = max(1e-4, 1.0 - conf)
        share = 0.0
        for check in open_checks:
            total = sum(max(1e-4, 1.0 - float(cells[tuple(ref)].confidence)) for ref in check.cells
                        if tuple(ref) in cells)
            share = max(share, doubt / total if total > 0 else 1.0)
        derived = min(conf, 1.0 - share, review_threshold())
        n = max(len(c.cells) for c in open_checks)
        return derived, (f"所在勾稽关系不符（至少一个单元格有误，或原件本身不平）；按该关系 {n} 个单元格各自的识别把握"
                         f"分摊，此读数无误的可能性约 {percent(derived)}（识别模型单看读数：{percent(conf)}）")
    if "ambiguous" in cell.reasons:
        derived = min(conf, 1.0 / (1 + len(cell.alternatives)), review_threshold())
        return derived, f"有 {1 + len(cell.alternatives)} 种读数都能使勾稽关系成立，无法自动确定"
    if cell.review:
        derived = min(conf, review_threshold())
        return derived, f"识别模型估计此读数无误的可能性 {percent(derived)}，低于自动采信的标准 {percent(review_threshold())}"
    return conf, ""


def flag_reasons(cell, labels: dict[str, str], open_checks: list[Check]) -> list[str]:
    why = []
    if open_checks:
        why.append(f"在 {len(open_checks)} 条不符的勾稽关系中")
    for r in cell.reasons:
        if r in ("check_failed", "corrected", "confirmed"):
            continue
        label = labels.get(r, r)
        if r == "low_ocr" and cell.ocr_score < 1.0:
            label += f"（最弱字符 {cell.ocr_score:.0%}）"
        why.append(label)
    return why


def item_id(doc_id: str, address: CellAddress) -> str:
    """A queue entry's id (also the crop's ``X-Cell``): a header cell's row is written ``h<row>``."""
    return f"{doc_id}:{address.table_index}:{'h' if address.header else ''}{address.row}:{address.column}"


def document_items(d: LoadedDocument) -> list[dict]:
    """The queue entries of one document: flagged cells — the printed header cells the pipeline flags too —
    and every cell of a failing identity not marked as a source error (reviewed ones too: they stay until the
    identity holds or is marked)."""
    labels = reason_labels()
    doc = d.document
    cells = {(t.id, ri, ci): cell for t, ri, ci, cell in doc.cells()}
    open_by_cell: dict[tuple, list[Check]] = {}
    marked = set(d.result.decisions)
    for check in doc.checks:
        if not check.ok and d.check_key(check) not in marked:
            for ref in check.cells:
                open_by_cell.setdefault(tuple(ref), []).append(check)
    machine_flagged = {a for a, _t, cell in review_cells(d.machine) if cell.review}
    items = []
    for address, t, cell in review_cells(doc):
        ti, ri, ci = address.table_index, address.row, address.column
        open_checks = [] if address.header else open_by_cell.get((t.id, ri, ci), [])
        if not cell.review and not open_checks:
            continue
        if address.header:
            entry = header_entry(t, ri, ci)
            row_label, col_label = header_place(t, entry)
            page, amount, has_bbox = (t.pages[0] if t.pages else 0), False, cell.bbox is not None
        else:
            row_label, col_label = label_left_of(t.rows[ri], t, ci), column_label(t, ri, ci)
            page, has_bbox = t.rows[ri].page, cell_box(t, ri, ci) is not None
            amount = is_amount_column(t.columns[ci] if ci < len(t.columns) else "")
        alternatives = [a.to_dict() for a in cell.alternatives if not amount or amount_problem(a.text) is None]
        shown, note = shown_confidence(cell, open_checks, cells)
        reviewed = "corrected" if "corrected" in cell.reasons else ("confirmed" if "confirmed" in cell.reasons else None)
        items.append({
            "id": item_id(d.id, address), "doc": d.id, "doc_name": d.name, "doc_label": doc_label(d),
            "authority": doc.authority, "year": doc.year,
            "table": ti, "table_id": t.id, "table_title": t.title, "form": t.form, "unit": t.unit,
            "table_label": " ".join(x for x in (t.form, t.title) if x) or t.id,
            "row": ri, "col": ci, "header": address.header, "page": page,
            "text": cell.text, "value": cell.value, "original": cell.original, "amount": amount,
            "confidence": round(float(cell.confidence), 4), "shown_confidence": round(shown, 4),
            "confidence_note": note, "why": flag_reasons(cell, labels, open_checks),
            "reasons": list(cell.reasons), "reason_labels": [labels.get(r, r) for r in cell.reasons],
            "alternatives": alternatives, "row_label": row_label, "column_label": col_label,
            "checks": [check_dict(c, d) for c in open_checks], "impact": len(open_checks),
            "reviewed": reviewed, "was_flagged": address in machine_flagged, "has_bbox": has_bbox,
        })
    return items


def sort_items(items: list[dict]) -> list[dict]:
    """Cells breaking most identities first, then the least sure; a header cell after the body cells of its
    impact (a misread label leaves the amounts as read: the pipeline tells it as a note, not a warning)."""
    return sorted(items, key=lambda it: (it["reviewed"] is not None, -it["impact"], it["header"],
                                         it["shown_confidence"], it["doc_name"], it["table"], it["row"], it["col"]))


def progress(workspace: Workspace, entries: list[Entry], remaining: int) -> dict:
    for e in entries:
        workspace.items(e)
    flagged = sum(e.to_review for e in entries)
    reviewed = sum(len(e.doc.result.applied) + len(e.doc.result.decisions) for e in entries)
    open_checks = sum(1 for e in entries for c in e.doc.document.checks
                      if not c.ok and e.doc.check_key(c) not in e.doc.result.decisions)
    return {"flagged": flagged, "remaining": remaining, "done": max(0, flagged - remaining), "reviewed": reviewed,
            "open_checks": open_checks}


# -- page crops -------------------------------------------------------------------------------------------------


_RENDER_LOCK = threading.Lock()  # pdfium is not thread-safe; crops are served from a thread pool


@lru_cache(maxsize=6)
def _page(source_file: str, page_number: int, dpi: int, skew: float, rotation: int = 0) -> np.ndarray:
    from ..pages import page_image

    with _RENDER_LOCK:
        return page_image(source_file, page_number, dpi, skew, rotation)


def cell_box(table, ri: int, ci: int) -> tuple[int, int, int, int] | None:
    """The cell's box; for a blank cell (no box of its own), its column's x range on that page and its
    row's y range — the reviewer still sees where the blank is."""
    row = table.rows[ri]
    if row.cells[ci].bbox is not None:
        return tuple(row.cells[ci].bbox)
    column = [r.cells[ci].bbox for r in table.rows if r.page == row.page and ci < len(r.cells)
              and r.cells[ci].bbox is not None]
    line = [c.bbox for c in row.cells if c.bbox is not None]
    if not column or not line:
        return None
    return (min(b[0] for b in column), min(b[1] for b in line), max(b[2] for b in column), max(b[3] for b in line))


def _page_image(d: LoadedDocument, page: int, source_file: Path) -> np.ndarray:
    info = next((p for p in d.document.pages if p.number == page), None)
    if info is None:
        raise HTTPException(404, "没有页面信息")
    return _page(str(source_file), page, info.dpi, float(info.skew), int(info.rotation))


def _box(image: np.ndarray, box, x0: int, y0: int) -> None:
    import cv2

    cx0, cy0, cx1, cy1 = box
    cv2.rectangle(image, (cx0 - x0 - 3, cy0 - y0 - 3), (cx1 - x0 + 3, cy1 - y0 + 3), (0, 0, 230), 3)


def _png(out: np.ndarray, settings: ServerSettings) -> bytes:
    import cv2

    if out.shape[1] > settings.crop_max_width:
        scale = settings.crop_max_width / out.shape[1]
        out = cv2.resize(out, (settings.crop_max_width, int(out.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    ok, png = cv2.imencode(".png", out)
    if not ok:
        raise HTTPException(500, "无法生成图像")
    return png.tobytes()


def crop_png(d: LoadedDocument, address: CellAddress, settings: ServerSettings, source_file: Path) -> bytes:
    """A body cell: the table's header strip and a band around the cell's row (row label included), the cell
    boxed. A header cell: the table's printed header and its first body rows, the cell boxed."""
    import cv2

    if address.header:
        return header_crop_png(d, address, settings, source_file)
    ti, ri, ci = address.table_index, address.row, address.column
    table = d.document.tables[ti]
    row = table.rows[ri]
    box = cell_box(table, ri, ci)
    if box is None:
        raise HTTPException(404, "这个单元格没有位置信息，无法截图")
    image = _page_image(d, row.page, source_file)
    h, w = image.shape[:2]
    same_page = [r for r in table.rows if r.page == row.page]
    boxes = [c.bbox for r in same_page for c in r.cells if c.bbox is not None]
    x0 = max(0, min(b[0] for b in boxes) - 20)
    x1 = min(w, max(b[2] for b in boxes) + 20)
    heights = sorted(b[3] - b[1] for b in boxes) or [20]
    line = heights[len(heights) // 2]
    m = settings.crop_margin_px
    row_boxes = [c.bbox for c in row.cells if c.bbox is not None]
    by0 = max(0, min(b[1] for b in row_boxes) - line - m)
    by1 = min(h, max(b[3] for b in row_boxes) + line + m)
    band = image[by0:by1, x0:x1].copy()
    _box(band, box, x0, by0)
    cx0, cx1 = box[0], box[2]
    top = min(b[1] for b in boxes)
    header_height = int(max(1, len(table.header)) * line * 2.2)
    hy0, hy1 = max(0, top - header_height), max(0, top - 2)
    parts = []
    header = image[hy0:hy1, x0:x1]
    # a page that continues a table has no header above its rows: no empty strip then
    inked = header.size and float((header.min(axis=2) < 128).mean()) > 0.005
    if hy1 - hy0 > 4 and hy1 <= by0 and inked:
        header = header.copy()
        # the cell's column in the header, tinted
        overlay = header.copy()
        cv2.rectangle(overlay, (cx0 - x0 - 3, 0), (cx1 - x0 + 3, header.shape[0] - 1), (0, 200, 255), -1)
        header = cv2.addWeighted(overlay, 0.25, header, 0.75, 0)
        parts += [header, np.full((6, x1 - x0, 3), 200, np.uint8)]
    parts.append(band)
    return _png(np.vstack(parts), settings)


def header_crop_png(d: LoadedDocument, address: CellAddress, settings: ServerSettings, source_file: Path) -> bytes:
    """The printed header of the table (on its first page) and a band of its first body rows, the header cell
    boxed: the reviewer sees the label in its place among its neighbours and over its column."""
    table = d.document.tables[address.table_index]
    entry = header_entry(table, address.row, address.column)
    if entry is None or entry.cell.bbox is None or not table.pages:
        raise HTTPException(404, "这个单元格没有位置信息，无法截图")
    image = _page_image(d, table.pages[0], source_file)
    h, w = image.shape[:2]
    heads = [e.cell.bbox for e in table.header_cells if e.cell.bbox is not None]
    body = [c.bbox for r in table.rows if r.page == table.pages[0] for c in r.cells if c.bbox is not None]
    line = sorted(b[3] - b[1] for b in body or heads)[len(body or heads) // 2]
    m = settings.crop_margin_px
    x0 = max(0, min(b[0] for b in heads + body) - 20)
    x1 = min(w, max(b[2] for b in heads + body) + 20)
    y0 = max(0, min(b[1] for b in heads) - line - m)
    y1 = min(h, max(b[3] for b in heads) + 3 * line + m)
    band = image[y0:y1, x0:x1].copy()
    _box(band, entry.cell.bbox, x0, y0)
    return _png(band, settings)


# -- request bodies ----------------------------------------------------------------------------------------------


async def read_json(request: Request, settings: ServerSettings) -> dict:
    """The request's JSON object; 413 when too big, 400 when not JSON, not an object or nested too deeply."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > settings.max_body_bytes:
            raise HTTPException(413, "请求体过大")
    try:
        data = json.loads(bytes(body))
    except RecursionError:
        raise HTTPException(400, "请求格式错误：嵌套过深")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HTTPException(400, "请求格式错误：不是 JSON")
    if not isinstance(data, dict):
        raise HTTPException(400, "请求格式错误")
    return data


def _index(data: dict, name: str) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise HTTPException(400, f"请求格式错误：{name}")
    return value


def _parse_correction(data: dict) -> dict:
    for name in ("table", "row", "col"):
        _index(data, name)
    if not isinstance(data.get("doc"), str):
        raise HTTPException(400, "请求格式错误：doc")
    if not isinstance(data.get("header", False), bool):
        raise HTTPException(400, "请求格式错误：header")
    accept = data.get("accept", False)
    text = data.get("text")
    if not isinstance(accept, bool) or (not accept and not isinstance(text, str)):
        raise HTTPException(400, "请求格式错误：text")
    if isinstance(text, str) and len(text) > 200:
        raise HTTPException(400, "内容过长")
    return data


def _reviewer(data: dict, settings: ServerSettings) -> str:
    name = data.get("reviewer")
    return name.strip()[:80] if isinstance(name, str) and name.strip() else settings.reviewer


# -- the app ---------------------------------------------------------------------------------------------------


def json_response(data: dict) -> Response:
    """Plain ``json.dumps`` (FastAPI's generic encoder takes ~10× longer on a queue of a few hundred cells)."""
    return Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")), media_type="application/json")


def create_app(settings: ServerSettings) -> FastAPI:
    out_dir = Path(settings.out_dir).resolve()
    store = ReviewStore.for_output(out_dir)
    resolver = SourceResolver(out_dir, settings.source_root)
    workspace = Workspace(out_dir, store, resolver, settings.rescan_seconds)
    app = FastAPI(title="disclosure review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.workspace = workspace
    app.state.settings = settings
    allowed_hosts = {h.lower().strip("[]") for h in ("127.0.0.1", "localhost", "::1", settings.host,
                                                    *settings.extra_hosts)}

    @app.middleware("http")
    async def guard(request: Request, call_next):
        # DNS rebinding: only our own host names; CSRF: writes only as JSON from our own origin
        host = parse_host(request.headers.get("host") or "")
        if host is None or host[0] not in allowed_hosts:
            return JSONResponse({"detail": "不允许的主机名"}, status_code=403)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            if origin is not None and not same_origin(origin, host):
                return JSONResponse({"detail": "跨站请求被拒绝"}, status_code=403)
            if not (request.headers.get("content-type") or "").startswith("application/json"):
                return JSONResponse({"detail": "请求体须为 JSON"}, status_code=415)
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > settings.max_body_bytes):
            return JSONResponse({"detail": "请求体过大"}, status_code=413)
        from_query = False
        if settings.token:
            supplied = request.headers.get(TOKEN_HEADER) or request.cookies.get(TOKEN_COOKIE)
            query = request.query_params.get("token")
            if query is not None:
                supplied, from_query = query, True
            if not supplied or not hmac.compare_digest(supplied.encode(), settings.token.encode()):
                return JSONResponse({"detail": "需要有效的访问令牌"}, status_code=401)
        response = await call_next(request)
        if from_query:
            response.set_cookie(TOKEN_COOKIE, settings.token, httponly=True, samesite="strict")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/")
    def index():
        return FileResponse(STATIC / "index.html", media_type=STATIC_FILES["index.html"])

    @app.get("/favicon.ico")
    def favicon():
        return FileResponse(STATIC / "favicon.svg", media_type=STATIC_FILES["favicon.svg"])

    @app.get("/static/{name}")
    def static(name: str):
        if name not in STATIC_FILES:
            raise HTTPException(404, "没有这个文件")
        return FileResponse(STATIC / name, media_type=STATIC_FILES[name])

    @app.get("/api/documents")
    def documents():
        docs = workspace.documents()
        out = []
        for d in docs.values():
            source = resolver.resolve(d.source, d.machine.sha256)
            out.append({"id": d.id, "name": d.name, "label": doc_label(d), "authority": d.document.authority,
                        "year": d.document.year, "kind": d.document.kind,
                        "source_missing": None if source.found else source.message(),
                        "tables": [{"index": i, "id": t.id, "title": t.title, "form": t.form}
                                   for i, t in enumerate(d.document.tables)]})
        return json_response({"documents": out, "reviewer": settings.reviewer,
                              "errors": [e.to_dict() for e in workspace.errors()]})

    @app.get("/api/queue")
    def queue(doc: str | None = None, table: int | None = None, reason: str | None = None):
        workspace.refresh()
        entries = workspace.entries()
        items = sort_items([it for e in entries for it in workspace.items(e)])
        labels = reason_labels()
        counts: dict[str, int] = {}
        for it in items:
            for r in it["reasons"]:
                counts[r] = counts.get(r, 0) + 1
        total_remaining = len(items)
        if doc:
            items = [it for it in items if it["doc"] == doc]
        if table is not None:
            items = [it for it in items if it["table"] == table]
        if reason:
            items = [it for it in items if reason in it["reasons"]]
        return json_response({"items": items, "progress": progress(workspace, entries, total_remaining),
                              "orphaned": [c.to_dict() for c in store.corrections(status="orphaned")],
                              # (the commonest first; reasons as common, by name: the same order every time)
                              "reasons": {r: labels.get(r, r) for r in sorted(counts, key=lambda r: (-counts[r], r))},
                              "reason_counts": counts, "errors": [e.to_dict() for e in workspace.errors()]})

    @app.get("/api/reviewed")
    def reviewed():
        """Every correction, confirmation and source-error mark in force, newest first (each can be undone)."""
        workspace.refresh()
        rows = []
        for e in workspace.entries():
            d = e.doc
            addresses = d.result.addresses()
            for c in d.result.applied:
                a = addresses.get(c.id)
                rows.append({"type": "correction", "id": c.id, "doc": d.id, "doc_label": doc_label(d),
                             "action": "confirmed" if c.confirmed_only else "corrected",
                             "table": a.table_index if a else None, "row": a.row if a else None,
                             "col": a.column if a else None, "header": bool(a and a.header),
                             "location": c.location or c.key.label(),
                             "old_text": c.old_text, "new_text": c.new_text, "reviewer": c.reviewer,
                             "updated": c.updated, "source": c.source})
            checks = {d.check_key(c): c for c in d.document.checks}
            for key, decision in d.result.decisions.items():
                check = checks.get(key)
                rows.append({"type": "source_error", "id": decision.id, "doc": d.id, "doc_label": doc_label(d),
                             "action": "source_error", "location": decision.location,
                             "check": check_dict(check, d) if check else None, "reviewer": decision.reviewer,
                             "updated": decision.updated})
        rows.sort(key=lambda r: r["updated"], reverse=True)
        return json_response({"reviewed": rows})

    @app.get("/api/checks/{doc_id}")
    def checks(doc_id: str):
        d = workspace.document(doc_id)
        return json_response({"checks": [check_dict(c, d) for c in d.document.checks]})

    @app.get("/api/crop/{doc_id}/{ti}/{ri}/{ci}.png")
    def crop(doc_id: str, ti: int, ri: int, ci: int, part: str = "body"):
        """The crop of a body cell, or with ``?part=header`` of the header cell at (ri, ci) of the header."""
        d = workspace.document(doc_id)
        address = CellAddress(ti, ri, ci, part == "header")
        if part not in ("body", "header") or cell_at(d.document, address) is None:
            raise HTTPException(404, "没有这个单元格")
        cell = {CELL_HEADER: item_id(d.id, address)}
        source = resolver.resolve(d.source, d.machine.sha256)
        if not source.found:
            return JSONResponse({"detail": source.message(), "reason": "source_missing"}, status_code=404,
                                headers=cell)
        png = crop_png(d, address, settings, source.path)
        return Response(png, media_type="image/png", headers=cell)

    @app.get("/api/corrections")
    def corrections():
        return {"corrections": [c.to_dict() for c in store.corrections()]}

    def _changes(before: LoadedDocument, after: LoadedDocument) -> tuple[list[dict], list[dict]]:
        was = {before.check_key(c): c.ok for c in before.document.checks}
        green = [check_dict(c, after) for c in after.document.checks if c.ok and was.get(after.check_key(c)) is False]
        red = [check_dict(c, after) for c in after.document.checks if not c.ok and was.get(after.check_key(c)) is True]
        return green, red

    def do_correct(data: dict) -> dict:
        reviewer = _reviewer(data, settings)
        entry = workspace.entry(data["doc"])
        address = CellAddress(data["table"], data["row"], data["col"], data.get("header", False))
        with entry.lock:  # one write per document at a time; readers keep the current state meanwhile
            d = entry.doc
            cell, machine_cell = cell_at(d.document, address), cell_at(d.machine, address)
            if cell is None or machine_cell is None:
                raise HTTPException(404, "没有这个单元格")
            table = d.document.tables[address.table_index]
            new_text = cell.text if data.get("accept") else data["text"].strip()
            if address.header:  # a label, a 栏次 number: any text
                place = header_place(table, header_entry(table, address.row, address.column))
            else:
                column = table.columns[address.column] if address.column < len(table.columns) else ""
                problem = correction_problem(column, new_text)
                if problem:
                    raise HTTPException(422, problem)
                place = (label_left_of(table.rows[address.row], table, address.column),
                         column_label(table, address.row, address.column))
            key = d.keys.key_of(address)
            location = f"{d.name} / {table.title} / {place[0]} / {place[1]}"
            # committed before we answer: a crash after this line cannot lose the correction
            correction, status = store.record(key, machine_reading(machine_cell), new_text, reviewer=reviewer,
                                              source="web", location=location)
            after = workspace._rebuild(entry)
        green, red = _changes(d, after)
        new_cell = cell_at(after.document, address)
        return {"status": status, "correction": correction.to_dict() if correction else None,
                "cell": new_cell.to_dict(), "turned_green": green, "turned_red": red}

    @app.post("/api/correct")
    async def correct(request: Request):
        data = _parse_correction(await read_json(request, settings))
        return await run_in_threadpool(do_correct, data)

    def _entry_of_sha(sha256: str):
        for e in workspace.entries():
            if e.doc.machine.sha256 == sha256:
                return e
        return None

    def do_undo(data: dict) -> dict:
        reviewer = _reviewer(data, settings)
        kind = data.get("type", "correction")
        ident = _index(data, "id")
        if kind == "correction":
            current = store.correction_by_id(ident)
            if current is None:
                raise HTTPException(404, "没有这条更正")
            entry = _entry_of_sha(current.key.document)
            lock = entry.lock if entry else threading.Lock()
            with lock:
                before = entry.doc if entry else None
                record, status = store.withdraw(ident, reviewer)
                after = workspace._rebuild(entry) if entry else None
        elif kind == "source_error":
            current = store.decision(ident)
            if current is None:
                raise HTTPException(404, "没有这条标记")
            entry = _entry_of_sha(current.document)
            lock = entry.lock if entry else threading.Lock()
            with lock:
                before = entry.doc if entry else None
                record, status = store.withdraw_decision(ident, reviewer)
                after = workspace._rebuild(entry) if entry else None
        else:
            raise HTTPException(400, "请求格式错误：type")
        green, red = _changes(before, after) if before and after else ([], [])
        return {"status": status, "record": record.to_dict() if record else None, "turned_green": green,
                "turned_red": red}

    @app.post("/api/undo")
    async def undo(request: Request):
        data = await read_json(request, settings)
        return await run_in_threadpool(do_undo, data)

    def do_source_error(data: dict) -> dict:
        reviewer = _reviewer(data, settings)
        if not isinstance(data.get("doc"), str) or not isinstance(data.get("check"), str):
            raise HTTPException(400, "请求格式错误")
        entry = workspace.entry(data["doc"])
        with entry.lock:
            d = entry.doc
            check = next((c for c in d.document.checks if d.check_key(c) == data["check"]), None)
            if check is None:
                raise HTTPException(404, "没有这条勾稽关系")
            if check.ok:
                raise HTTPException(409, "这条勾稽关系已经平衡，无需标记")
            index = {t.id: i for i, t in enumerate(d.document.tables)}
            first = next((c for c in check.cells if c[0] in index), None)
            table_key = d.keys.table_keys[index[first[0]]] if first else check.table
            location = f"{d.name} / {check.description or check.rule}：应为 {check.expected}，实为 {check.actual}"
            decision, status = store.mark_source_error(d.machine.sha256, data["check"], table_key, check.rule,
                                                       reviewer=reviewer, location=location)
            after = workspace._rebuild(entry)
        return {"status": status, "decision": decision.to_dict(),
                "check": next((check_dict(c, after) for c in after.document.checks
                               if after.check_key(c) == data["check"]), None)}

    @app.post("/api/source-error")
    async def source_error(request: Request):
        data = await read_json(request, settings)
        return await run_in_threadpool(do_source_error, data)

    return app


def startup_messages(app: FastAPI) -> list[str]:
    """Warnings for the console when the server starts: unreadable files, missing sources, orphans."""
    workspace: Workspace = app.state.workspace
    lines = [f"warning: {e.path}: skipped: {e.message}" for e in workspace.errors()]
    for d in workspace.documents().values():
        source = workspace.resolver.resolve(d.source, d.machine.sha256)
        if not source.found:
            lines.append(f"warning: {d.name}: source not found (tried {', '.join(source.tried) or 'nothing recorded'})"
                         "; page crops unavailable — pass --source-root FOLDER")
        for c in d.result.orphaned:
            lines.append(f"warning: {d.name}: orphaned correction #{c.id} ({c.key.label()}) matches no cell")
    return lines


def serve(settings: ServerSettings) -> int:
    import uvicorn

    app = create_app(settings)
    docs = app.state.workspace.documents()
    for line in startup_messages(app):
        print(line)
    url = f"http://{settings.host}:{settings.port}/"
    if settings.token:
        url += f"?token={settings.token}"
    errors = app.state.workspace.errors()
    print(f"审核界面 / review: {url}  ({len(docs)} document(s) under {settings.out_dir}"
          + (f", {len(errors)} unreadable file(s) skipped" if errors else "") + ")")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    return 0
