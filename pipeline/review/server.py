"""The local review web app (FastAPI + plain HTML/JS, Chinese UI): ``disclosure review OUT``.

- Documents are addressed by an id from the index of OUT (never by a path); only the fixed static files
  and page crops of indexed documents are served.
- Every correction is committed to ``OUT/review.sqlite`` before the response is sent; the document is then
  re-validated, so identities that now hold unflag the cells they cover.
- Bodies over 64 KiB or malformed are rejected; with a token, every request must carry it (header
  ``X-Review-Token``, ``?token=`` — which sets a cookie — or that cookie).
"""
from __future__ import annotations

import hmac
import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from ..headers import is_amount_column
from ..model import Check
from .corrections import LoadedDocument, apply_corrections, document_paths
from .keys import label_left_of, machine_text as machine_reading
from .store import ReviewStore
from .workbook import reason_labels

STATIC = Path(__file__).resolve().parent / "static"
STATIC_FILES = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
                "style.css": "text/css; charset=utf-8", "reasons.json": "application/json"}
TOKEN_HEADER = "x-review-token"
TOKEN_COOKIE = "review_token"


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


# -- the documents under OUT, with corrections applied --------------------------------------------------------


def _check_id(check: Check) -> str:
    return json.dumps([check.rule, check.table, sorted(list(c) for c in check.cells)], ensure_ascii=False)


def check_dict(check: Check) -> dict:
    return {"id": _check_id(check), "rule": check.rule, "description": check.description or check.rule,
            "table": check.table, "ok": check.ok, "expected": check.expected, "actual": check.actual,
            "cells": [list(c) for c in check.cells]}


class Workspace:
    """The indexed documents; reloaded when the store or the files under OUT change."""

    def __init__(self, out_dir: Path, store: ReviewStore):
        self.out_dir = out_dir
        self.store = store
        self._lock = threading.RLock()
        self._signature: tuple | None = None
        self._docs: dict[str, LoadedDocument] = {}

    def _files_signature(self) -> tuple:
        sig = []
        for p in document_paths(self.out_dir):
            st = p.stat()
            sig.append((str(p), st.st_mtime_ns, st.st_size))
        return tuple(sig)

    def documents(self) -> dict[str, LoadedDocument]:
        with self._lock:
            signature = (self.store.version(), self._files_signature())
            if signature != self._signature:
                self._docs = {d.id: d for d in apply_corrections(self.out_dir, self.store)}
                self._signature = (self.store.version(), signature[1])
            return self._docs

    def document(self, doc_id: str) -> LoadedDocument:
        docs = self.documents()
        if doc_id not in docs:
            raise HTTPException(404, "没有这个文档")
        return docs[doc_id]


def queue_items(docs: dict[str, LoadedDocument]) -> list[dict]:
    labels = reason_labels()
    items = []
    for d in docs.values():
        failed: dict[tuple, list[Check]] = {}
        for check in d.document.checks:
            if not check.ok:
                for c in check.cells:
                    failed.setdefault(tuple(c), []).append(check)
        for ti, table in enumerate(d.document.tables):
            for ri, row in enumerate(table.rows):
                for ci, cell in enumerate(row.cells):
                    if not cell.review:
                        continue
                    broken = failed.get((table.id, ri, ci), [])
                    items.append({
                        "doc": d.id, "doc_name": d.name, "authority": d.document.authority, "year": d.document.year,
                        "table": ti, "table_id": table.id, "table_title": table.title, "form": table.form,
                        "unit": table.unit, "row": ri, "col": ci, "page": row.page,
                        "text": cell.text, "value": cell.value, "confidence": round(float(cell.confidence), 4),
                        "reasons": list(cell.reasons),
                        "reason_labels": [labels.get(r, r) for r in cell.reasons],
                        "alternatives": [a.to_dict() for a in cell.alternatives],
                        "row_label": label_left_of(row, table, ci),
                        "column_label": table.columns[ci] if ci < len(table.columns) else "",
                        "amount": is_amount_column(table.columns[ci] if ci < len(table.columns) else ""),
                        "checks": [check_dict(c) for c in broken], "impact": len(broken),
                        "has_bbox": cell.bbox is not None,
                    })
    items.sort(key=lambda it: (-it["impact"], it["confidence"], it["doc_name"], it["table"], it["row"], it["col"]))
    return items


def progress(docs: dict[str, LoadedDocument], remaining: int) -> dict:
    flagged = sum(1 for d in docs.values() for *_x, cell in d.machine.cells() if cell.review)
    reviewed = sum(len(d.result.applied) for d in docs.values())
    return {"flagged": flagged, "remaining": remaining, "done": max(0, flagged - remaining), "reviewed": reviewed}


# -- page crops -------------------------------------------------------------------------------------------------


_RENDER_LOCK = threading.Lock()  # pdfium is not thread-safe; crops are served from a thread pool


@lru_cache(maxsize=6)
def _page(source_file: str, page_number: int, dpi: int, skew: float) -> np.ndarray:
    from ..pages import page_image

    with _RENDER_LOCK:
        return page_image(source_file, page_number, dpi, skew)


def crop_png(d: LoadedDocument, ti: int, ri: int, ci: int, settings: ServerSettings) -> bytes:
    """The table's header strip and a band around the cell's row (row label included), the cell boxed."""
    import cv2

    table = d.document.tables[ti]
    row = table.rows[ri]
    cell = row.cells[ci]
    if cell.bbox is None or not d.source_file or not Path(d.source_file).is_file():
        raise HTTPException(404, "没有页面图像")
    info = next((p for p in d.document.pages if p.number == row.page), None)
    if info is None:
        raise HTTPException(404, "没有页面信息")
    image = _page(d.source_file, row.page, info.dpi, float(info.skew))
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
    cx0, cy0, cx1, cy1 = cell.bbox
    cv2.rectangle(band, (cx0 - x0 - 3, cy0 - by0 - 3), (cx1 - x0 + 3, cy1 - by0 + 3), (0, 0, 230), 3)
    top = min(b[1] for b in boxes)
    header_height = int(max(1, len(table.header)) * line * 2.2)
    hy0, hy1 = max(0, top - header_height), max(0, top - 2)
    parts = []
    if hy1 - hy0 > 4 and hy1 <= by0:
        header = image[hy0:hy1, x0:x1].copy()
        # the cell's column in the header, tinted
        overlay = header.copy()
        cv2.rectangle(overlay, (cx0 - x0 - 3, 0), (cx1 - x0 + 3, header.shape[0] - 1), (0, 200, 255), -1)
        header = cv2.addWeighted(overlay, 0.25, header, 0.75, 0)
        parts += [header, np.full((6, x1 - x0, 3), 200, np.uint8)]
    parts.append(band)
    out = np.vstack(parts)
    if out.shape[1] > settings.crop_max_width:
        scale = settings.crop_max_width / out.shape[1]
        out = cv2.resize(out, (settings.crop_max_width, int(out.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    ok, png = cv2.imencode(".png", out)
    if not ok:
        raise HTTPException(500, "无法生成图像")
    return png.tobytes()


# -- the app ---------------------------------------------------------------------------------------------------


def _parse_correction(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HTTPException(400, "请求格式错误：不是 JSON")
    if not isinstance(data, dict):
        raise HTTPException(400, "请求格式错误")
    for name in ("table", "row", "col"):
        if not isinstance(data.get(name), int) or isinstance(data.get(name), bool) or data[name] < 0:
            raise HTTPException(400, f"请求格式错误：{name}")
    if not isinstance(data.get("doc"), str):
        raise HTTPException(400, "请求格式错误：doc")
    accept = data.get("accept", False)
    text = data.get("text")
    if not isinstance(accept, bool) or (not accept and not isinstance(text, str)):
        raise HTTPException(400, "请求格式错误：text")
    if isinstance(text, str) and len(text) > 200:
        raise HTTPException(400, "内容过长")
    return data


def create_app(settings: ServerSettings) -> FastAPI:
    out_dir = Path(settings.out_dir).resolve()
    store = ReviewStore.for_output(out_dir)
    workspace = Workspace(out_dir, store)
    app = FastAPI(title="disclosure review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.workspace = workspace
    app.state.settings = settings
    allowed_hosts = {"127.0.0.1", "localhost", "::1", settings.host, *settings.extra_hosts}

    @app.middleware("http")
    async def guard(request: Request, call_next):
        # DNS rebinding: only our own host names; CSRF: writes only as JSON from our own origin
        host = (request.headers.get("host") or "").rsplit(":", 1)[0].strip("[]")
        if host not in allowed_hosts:
            return JSONResponse({"detail": "不允许的主机名"}, status_code=403)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            if origin is not None and origin.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]") not in allowed_hosts:
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

    @app.get("/static/{name}")
    def static(name: str):
        if name not in STATIC_FILES:
            raise HTTPException(404, "没有这个文件")
        return FileResponse(STATIC / name, media_type=STATIC_FILES[name])

    @app.get("/api/documents")
    def documents():
        docs = workspace.documents()
        return {"documents": [{"id": d.id, "name": d.name, "authority": d.document.authority, "year": d.document.year,
                               "kind": d.document.kind,
                               "tables": [{"index": i, "id": t.id, "title": t.title, "form": t.form}
                                          for i, t in enumerate(d.document.tables)]} for d in docs.values()],
                "reviewer": settings.reviewer}

    @app.get("/api/queue")
    def queue(doc: str | None = None, table: int | None = None, reason: str | None = None):
        docs = workspace.documents()
        items = queue_items(docs)
        total_remaining = len(items)
        if doc:
            items = [it for it in items if it["doc"] == doc]
        if table is not None:
            items = [it for it in items if it["table"] == table]
        if reason:
            items = [it for it in items if reason in it["reasons"]]
        return {"items": items, "progress": progress(docs, total_remaining),
                "orphaned": [c.to_dict() for c in store.corrections(status="orphaned")],
                "reasons": reason_labels()}

    @app.get("/api/checks/{doc_id}")
    def checks(doc_id: str):
        d = workspace.document(doc_id)
        return {"checks": [check_dict(c) for c in d.document.checks]}

    @app.get("/api/crop/{doc_id}/{ti}/{ri}/{ci}.png")
    def crop(doc_id: str, ti: int, ri: int, ci: int):
        d = workspace.document(doc_id)
        try:
            d.document.tables[ti].rows[ri].cells[ci]
        except IndexError:
            raise HTTPException(404, "没有这个单元格")
        if min(ti, ri, ci) < 0:
            raise HTTPException(404, "没有这个单元格")
        return Response(crop_png(d, ti, ri, ci, settings), media_type="image/png")

    @app.get("/api/corrections")
    def corrections():
        return {"corrections": [c.to_dict() for c in store.corrections()]}

    @app.post("/api/correct")
    async def correct(request: Request):
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > settings.max_body_bytes:
                raise HTTPException(413, "请求体过大")
        data = _parse_correction(bytes(body))
        reviewer = data.get("reviewer") if isinstance(data.get("reviewer"), str) and data["reviewer"].strip() \
            else settings.reviewer
        d = workspace.document(data["doc"])
        try:
            table = d.document.tables[data["table"]]
            cell = table.rows[data["row"]].cells[data["col"]]
            machine_cell = d.machine.tables[data["table"]].rows[data["row"]].cells[data["col"]]
        except IndexError:
            raise HTTPException(404, "没有这个单元格")
        before = {_check_id(c): c.ok for c in d.document.checks}
        new_text = cell.text if data.get("accept") else data["text"].strip()
        key = d.key_of(data["table"], data["row"], data["col"])
        location = f"{d.name} / {table.title} / {label_left_of(table.rows[data['row']], table, data['col'])} / " \
                   f"{table.columns[data['col']] if data['col'] < len(table.columns) else ''}"
        machine_text = machine_reading(machine_cell)
        # committed before we answer: a crash after this line cannot lose the correction
        correction, status = store.record(key, machine_text, new_text, reviewer=reviewer, source="web",
                                          location=location)
        after_doc = workspace.document(data["doc"])
        after = {_check_id(c): c for c in after_doc.document.checks}
        turned_green = [check_dict(c) for cid, c in after.items() if c.ok and before.get(cid) is False]
        turned_red = [check_dict(c) for cid, c in after.items() if not c.ok and before.get(cid) is True]
        new_cell = after_doc.document.tables[data["table"]].rows[data["row"]].cells[data["col"]]
        return {"status": status, "correction": correction.to_dict() if correction else None,
                "cell": new_cell.to_dict(), "turned_green": turned_green, "turned_red": turned_red}

    return app


def serve(settings: ServerSettings) -> int:
    import uvicorn

    app = create_app(settings)
    docs = app.state.workspace.documents()
    for d in docs.values():
        for c in d.result.orphaned:
            print(f"warning: {d.name}: orphaned correction #{c.id} ({c.key.label()}) matches no cell")
    url = f"http://{settings.host}:{settings.port}/"
    if settings.token:
        url += f"?token={settings.token}"
    print(f"审核界面 / review: {url}  ({len(docs)} document(s) under {settings.out_dir})")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    return 0
