"""The QA report of an output folder: ``OUT/report.html`` — static HTML for archivists, opens offline.

- ``OUT/report.html``: the batch — every document with its status (ok / ok with warnings / failed), pages,
  tables, cells, flagged cells, failing identities, repairs, warnings, and the confidence histogram of all
  cells; documents that failed (from ``run-summary.json``) with their reason; output files that cannot be
  read. Sortable and filterable by status (a few lines of inline JS).
- ``OUT/report/<document>.html``: one page per document — its tables, every page as a thumbnail with the
  detected tables' grids and the flagged cells drawn over it (inline SVG in page pixels), the identities with
  expected vs actual (failing first), the repairs, and the confidence histogram (inline SVG).
- ``OUT/report/img/*.jpg``: the thumbnails, rendered from the source at a low resolution (named by the
  source's sha256 and the page frame, so a rerun renders only what is new). When the source cannot be found
  (moved, deleted, changed) the page says so and the grids are drawn on a blank page.

No external asset: CSS and JS are inline, images are files beside the pages. Pages are rebuilt only for
documents whose JSON (or corrections, or source) changed since the last report (``OUT/report/.cache.json``).
Every file is written atomically; the index last. ``disclosure report OUT`` rebuilds it; ``disclosure
extract`` writes it at the end of every run.
"""
from __future__ import annotations

import hashlib
import html
import json
import math
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .fsutil import atomic_write_bytes, atomic_write_text, printable
from .model import Document, Table
from .output import safe_file_part

REPORT_NAME = "report.html"
REPORT_DIR = "report"
CACHE_NAME = ".cache.json"
REPORT_VERSION = 1  # bump when the pages change: cached pages are rebuilt
STATUS_LABELS = {"ok": "正常", "warnings": "有警告", "failed": "失败"}
STATUS_TITLES = {"ok": "ok", "warnings": "ok with warnings", "failed": "failed"}
# confidence histogram bins: fine where the review threshold and most readings are
CONFIDENCE_EDGES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1.0)


@dataclass(frozen=True)
class ReportSettings:
    thumbnail_dpi: int = 50  # A4 → about 410 × 580 pixels
    jpeg_quality: int = 70


# -- one document ---------------------------------------------------------------------------------------------


def confidence_bins(values: list[float]) -> list[int]:
    counts = [0] * (len(CONFIDENCE_EDGES) - 1)
    for v in values:
        i = next((k for k in range(len(counts)) if v < CONFIDENCE_EDGES[k + 1]), len(counts) - 1)
        counts[i] += 1
    return counts


@dataclass
class DocumentSummary:
    """One line of the index (kept in the cache, so an unchanged document is not read again)."""

    name: str  # path under OUT without .json (= the input's path relative to the folder given)
    page: str  # its page, relative to OUT
    sha256: str = ""
    authority: str = ""
    year: int | None = None
    kind: str = ""
    pages: int = 0
    tables: int = 0
    cells: int = 0
    flagged: int = 0
    checks: int = 0
    failing_checks: int = 0
    repairs: int = 0
    pages_without_tables: list[int] = field(default_factory=list)
    unrecovered_pages: list[int] = field(default_factory=list)
    status: str = "ok"  # ok | warnings (= ok with warnings) | failed — the batch summary's verdict
    run: str = ""  # what the last run did: ok (extracted) | skipped (up to date) | failed | "" (not in it)
    reason: str = ""  # why it failed
    warnings: list[str] = field(default_factory=list)  # as in the batch summary
    histogram: list[int] = field(default_factory=list)
    flagged_histogram: list[int] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # thumbnails used, relative to OUT/report
    source_note: str = ""  # why there are no page images, if there are none
    source_tried: list[str] = field(default_factory=list)  # where the source was looked for, in vain


def _e(value) -> str:
    return html.escape(printable(str(value)), quote=True)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def thumbnail_name(doc: Document, page, settings: ReportSettings) -> str:
    frame = (f"{page.width}x{page.height}@{page.dpi}/{page.skew:.3f}/{page.rotation}/"
             f"{settings.thumbnail_dpi}")
    return f"img/{doc.sha256[:16]}-p{page.number:04d}-{hashlib.sha1(frame.encode()).hexdigest()[:8]}.jpg"


def render_thumbnail(source: Path, page, settings: ReportSettings) -> bytes:
    """The page as the pipeline saw it (same deskew), scaled to ``settings.thumbnail_dpi``, as JPEG."""
    import cv2

    from .pages import page_image

    scale = settings.thumbnail_dpi / page.dpi
    image = page_image(str(source), page.number, settings.thumbnail_dpi, page.skew, page.rotation)
    size = (max(1, round(page.width * scale)), max(1, round(page.height * scale)))
    if abs(image.shape[1] / image.shape[0] - page.width / page.height) > 0.02 * page.width / page.height:
        raise ValueError(f"the page renders {image.shape[1]}×{image.shape[0]}, not in the frame of its boxes "
                         f"({page.width}×{page.height})")
    if (image.shape[1], image.shape[0]) != size:  # images are rendered as stored; rounding of PDF sizes
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, settings.jpeg_quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return data.tobytes()


def _failing_cells(doc: Document) -> set[tuple[str, int, int]]:
    return {tuple(c) for check in doc.checks if not check.ok for c in check.cells}


def _cell_title(table: Table, ri: int, ci: int, cell, labels: dict[str, str]) -> str:
    from .exporting import cell_code, column_label

    code, name = cell_code(table.rows[ri], table, ci)
    reasons = "、".join(labels.get(r, r) for r in cell.reasons)
    return (f"{table.form or table.title} 第{ri + 1}行 {code} {name} / {column_label(table, ci)}\n"
            f"读数：{cell.text or '（空）'}  置信度 {cell.confidence:.3f}" + (f"\n原因：{reasons}" if reasons else ""))


def page_svg(doc: Document, page, labels: dict[str, str], failing: set[tuple[str, int, int]]) -> tuple[str, int, int]:
    """SVG overlay in page pixels: each table's outline, every cell box (grid), flagged cells filled, cells of
    failing identities (``failing``: table id, row, column) outlined. Returns (svg, cells drawn, flagged drawn)."""
    parts, cells, flagged = [], 0, 0
    for table in doc.tables:
        boxes = []
        marks = []
        for ri, row in enumerate(table.rows):
            if row.page != page.number:
                continue
            for ci, cell in enumerate(row.cells):
                if cell.bbox is None:
                    continue
                x0, y0, x1, y1 = cell.bbox
                boxes.append(cell.bbox)
                parts.append(f'<rect class="cell" x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}"/>')
                cells += 1
                fail = (table.id, ri, ci) in failing
                if cell.review or fail:
                    cls = " ".join(c for c, on in (("flag", cell.review), ("fail", fail)) if on)
                    marks.append(f'<rect class="{cls}" x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}">'
                                 f'<title>{_e(_cell_title(table, ri, ci, cell, labels))}</title></rect>')
                    flagged += int(cell.review)
        if table.pages and table.pages[0] == page.number:  # the header cells, flagged ones marked too
            for h in table.header_cells:
                if h.cell.bbox is None or not h.cell.review:
                    continue
                x0, y0, x1, y1 = h.cell.bbox
                reasons = "、".join(labels.get(r, r) for r in h.cell.reasons)
                marks.append(f'<rect class="flag header" x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}">'
                             f'<title>{_e(f"{table.form or table.title} 表头「{h.cell.text}」 置信度 {h.cell.confidence:.3f}")}'
                             f'{_e(chr(10) + "原因：" + reasons) if reasons else ""}</title></rect>')
        if boxes:
            x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
            x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
            parts.insert(0, f'<rect class="table" x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}">'
                            f'<title>{_e(table.form or table.title or table.id)}</title></rect>')
            parts += marks
    svg = (f'<svg class="overlay" viewBox="0 0 {page.width} {page.height}" preserveAspectRatio="none" '
           f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>')
    return svg, cells, flagged


def histogram_svg(counts: list[int], flagged: list[int], width: int = 560, height: int = 170) -> str:
    """Bars per confidence bin (height ∝ √count, so small bins stay visible), the flagged share darker,
    the count above each bar."""
    n = len(counts)
    top, bottom, left = 18, 34, 6
    band = (width - 2 * left) / n
    peak = max(counts) if counts and max(counts) else 1
    out = [f'<svg class="histogram" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="置信度分布">']
    usable = height - top - bottom
    for i, (count, flag) in enumerate(zip(counts, flagged)):
        x = left + i * band
        h = usable * math.sqrt(count / peak) if count else 0
        fh = h * flag / count if count else 0
        y = top + usable - h
        lo, hi = CONFIDENCE_EDGES[i], CONFIDENCE_EDGES[i + 1]
        out.append(f'<rect class="bar" data-count="{count}" data-flagged="{flag}" x="{x + 3:.1f}" y="{y:.1f}" '
                   f'width="{band - 6:.1f}" height="{h:.1f}"><title>{lo:g}–{hi:g}: {count} 格，其中 {flag} 格待复核'
                   f'</title></rect>')
        if fh:
            out.append(f'<rect class="bar-flag" x="{x + 3:.1f}" y="{top + usable - fh:.1f}" width="{band - 6:.1f}" '
                       f'height="{fh:.1f}"/>')
        out.append(f'<text x="{x + band / 2:.1f}" y="{y - 4:.1f}" class="count">{count}</text>')
        out.append(f'<text x="{x + band / 2:.1f}" y="{height - bottom + 14}" class="edge">≥{lo:g}</text>')
    out.append(f'<text x="{width / 2}" y="{height - 4}" class="axis">置信度（黄色：待复核）</text></svg>')
    return "".join(out)


# -- page furniture ------------------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.5 "Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;color:#1d2327;background:#f6f7f7}
header{background:#1d2327;color:#fff;padding:12px 24px}header h1{font-size:20px;margin:0}header p{margin:2px 0 0;color:#c3c4c7}
header a{color:#9ec2e6}main{padding:16px 24px;max-width:1500px}h2{font-size:17px;margin:24px 0 8px}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#fff;border:1px solid #dcdcde;border-radius:6px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:20px}.card span{color:#50575e;font-size:12px}
table.list{border-collapse:collapse;background:#fff;width:100%}table.list th,table.list td{border:1px solid #dcdcde;padding:4px 8px;text-align:left;vertical-align:top}
table.list th{background:#f0f0f1;cursor:pointer;white-space:nowrap}table.list td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;white-space:nowrap}
.badge.ok{background:#d1e7dd;color:#0f5132}.badge.warnings{background:#fff3cd;color:#664d03}.badge.failed{background:#f8d7da;color:#842029}
.filters button{border:1px solid #8c8f94;background:#fff;border-radius:4px;padding:2px 10px;margin-right:6px;cursor:pointer}
.filters button.on{background:#2271b1;color:#fff;border-color:#2271b1}
.pages{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px}
figure{margin:0;background:#fff;border:1px solid #dcdcde;border-radius:6px;padding:6px}figure.big{grid-column:1/-1}
figcaption{font-size:12px;color:#50575e;margin-bottom:4px}.sheet{position:relative;width:100%;background:#fff;cursor:zoom-in}
.sheet.blank{background:repeating-linear-gradient(45deg,#f6f7f7,#f6f7f7 8px,#fff 8px,#fff 16px);outline:1px solid #dcdcde}
.sheet img{display:block;width:100%;height:100%}.sheet svg.overlay{position:absolute;inset:0;width:100%;height:100%}
svg.overlay rect{fill:none;vector-effect:non-scaling-stroke}svg.overlay rect.table{stroke:#2271b1;stroke-width:2}
svg.overlay rect.cell{stroke:#72aee6;stroke-width:.6}svg.overlay rect.flag{fill:rgba(255,190,0,.55);stroke:#b26200;stroke-width:1.5}
svg.overlay rect.fail{stroke:#8a2be2;stroke-width:2}body.nogrid rect.cell,body.nogrid rect.table{display:none}
.note{background:#fcf9e8;border-left:4px solid #dba617;padding:6px 10px;margin:8px 0}.note.error{background:#fcf0f1;border-color:#d63638}
.muted{color:#646970}
svg.histogram rect.bar{fill:#9ec2e6}svg.histogram rect.bar-flag{fill:#f0b400}svg.histogram text{font-size:10px;text-anchor:middle;fill:#50575e}
tr.fail td:first-child{color:#d63638;font-weight:bold}tr.pass td:first-child{color:#00a32a}
details summary{cursor:pointer;margin:8px 0}
"""

_INDEX_JS = """
document.querySelectorAll('table.list th').forEach((th,i)=>th.addEventListener('click',()=>{
 const tb=th.closest('table').tBodies[0],rows=[...tb.rows],num=th.classList.contains('n'),dir=th.dataset.dir==='1'?-1:1;
 th.dataset.dir=dir===1?'1':'0';
 rows.sort((a,b)=>{const x=a.cells[i].dataset.v??a.cells[i].textContent,y=b.cells[i].dataset.v??b.cells[i].textContent;
  return dir*(num?(parseFloat(x)||0)-(parseFloat(y)||0):x.localeCompare(y,'zh'));});rows.forEach(r=>tb.appendChild(r));}));
document.querySelectorAll('.filters button').forEach(b=>b.addEventListener('click',()=>{
 document.querySelectorAll('.filters button').forEach(x=>x.classList.toggle('on',x===b));
 document.querySelectorAll('tr.doc').forEach(r=>{r.hidden=b.dataset.status!=='all'&&r.dataset.status!==b.dataset.status;});}));
"""

_DOC_JS = """
document.querySelectorAll('.sheet').forEach(s=>s.addEventListener('click',()=>s.closest('figure').classList.toggle('big')));
const g=document.getElementById('grid');if(g)g.addEventListener('change',()=>document.body.classList.toggle('nogrid',!g.checked));
"""


def _page(title: str, heading: str, sub: str, body: str, script: str) -> str:
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{_e(title)}</title>'
            f'<link rel="icon" href="data:,"><style>{_CSS}</style></head><body><header><h1>{_e(heading)}</h1>'
            f'<p>{sub}</p></header><main>{body}</main><script>{script}</script></body></html>\n')


def _badge(status: str) -> str:
    return (f'<span class="badge {status}" data-status="{status}" title="{STATUS_TITLES[status]}">'
            f'{STATUS_LABELS[status]}</span>')


def _cards(items: list[tuple[str, str]]) -> str:
    return '<div class="cards">' + "".join(f'<div class="card"><b>{_e(v)}</b><span>{_e(k)}</span></div>'
                                           for k, v in items) + "</div>"


def document_page(name: str, doc: Document, summary: DocumentSummary, thumbs: dict[int, str | None],
                  labels: dict[str, str], source_note: str) -> str:
    body = [_cards([("状态", STATUS_LABELS[summary.status]), ("页", str(doc.page_count)),
                    ("表格", str(len(doc.tables))), ("单元格", str(summary.cells)),
                    ("待复核", str(summary.flagged)), ("勾稽不符", f"{summary.failing_checks} / {len(doc.checks)}"),
                    ("自动修复", str(summary.repairs))])]
    meta = "，".join(x for x in (doc.authority, str(doc.year or ""), doc.kind) if x)
    for w in summary.warnings:
        body.append(f'<p class="note">{_e(w)}</p>')
    # tables
    failing = _failing_cells(doc)
    rows = []
    for t in doc.tables:
        cells = [c for r in t.rows for c in r.cells]
        rows.append(f"<tr><td>{_e(t.id)}</td><td>{_e(t.form)}</td><td>{_e(t.title)}</td><td>{_e(t.unit)}</td>"
                    f"<td>{_e(','.join(map(str, t.pages)))}</td><td class='n'>{len(t.rows)}</td>"
                    f"<td class='n'>{len(cells)}</td><td class='n'>{sum(c.review for c in cells)}</td>"
                    f"<td class='n'>{sum(1 for f in failing if f[0] == t.id)}</td></tr>")
    body.append("<h2>表格</h2><table class='list' id='tables'><thead><tr><th>编号</th><th>表号</th><th>标题</th>"
                "<th>单位</th><th>页</th><th class='n'>行</th><th class='n'>单元格</th><th class='n'>待复核</th>"
                "<th class='n'>勾稽不符的单元格</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    # confidence
    body.append("<h2>置信度分布</h2>" + histogram_svg(summary.histogram, summary.flagged_histogram))
    # identities
    forms = {t.id: t.form or t.title for t in doc.tables}
    ordered = sorted(doc.checks, key=lambda c: c.ok)

    def check_row(c) -> str:
        diff = None if c.expected is None or c.actual is None else c.actual - c.expected
        return (f"<tr class='{'pass' if c.ok else 'fail'} check'><td>{'通过' if c.ok else '不符'}</td>"
                f"<td>{_e(c.rule)}</td><td>{_e('+'.join(forms.get(t, t) for t in c.table.split('+')))}</td>"
                f"<td>{_e(c.description)}</td>"
                f"<td class='n'>{_number(c.expected)}</td><td class='n'>{_number(c.actual)}</td>"
                f"<td class='n'>{_number(diff)}</td><td class='n'>{len(c.cells)}</td></tr>")

    head = ("<table class='list'><thead><tr><th>结果</th><th>规则</th><th>表</th><th>关系</th><th class='n'>应为</th>"
            "<th class='n'>实为</th><th class='n'>差额</th><th class='n'>单元格</th></tr></thead><tbody>")
    failed = [c for c in ordered if not c.ok]
    passed = [c for c in ordered if c.ok]
    body.append(f"<h2>勾稽关系：{len(failed)} 项不符，{len(passed)} 项通过</h2>")
    if failed:
        body.append(head + "".join(check_row(c) for c in failed) + "</tbody></table>")
    if passed:
        body.append(f"<details id='passed'><summary>通过的 {len(passed)} 项</summary>{head}"
                    + "".join(check_row(c) for c in passed) + "</tbody></table></details>")
    # repairs
    if doc.repairs:
        rows = []
        for r in doc.repairs:
            table = next((t for t in doc.tables if t.id == r.get("table")), None)
            col = r.get("col")
            label = table.columns[col] if table is not None and isinstance(col, int) and col < len(table.columns) \
                else ""
            rows.append(f"<tr class='repair'><td>{_e(forms.get(r.get('table'), r.get('table', '')))}</td>"
                        f"<td class='n'>{_e(r.get('row', ''))}</td><td>{_e(label)}</td><td>{_e(r.get('from', ''))}</td>"
                        f"<td>{_e(r.get('to', ''))}</td><td>{_e(r.get('status', ''))}</td>"
                        f"<td title='{_e(chr(10).join(map(str, r.get('proof', []))))}'>"
                        f"{_e(', '.join(map(str, r.get('rules', []))))}</td></tr>")
        body.append("<h2>自动修复</h2><table class='list'><thead><tr><th>表</th><th class='n'>行</th><th>列</th>"
                    "<th>原读数</th><th>修复为</th><th>状态</th><th>依据</th></tr></thead><tbody>"
                    + "".join(rows) + "</tbody></table>")
    # pages
    body.append("<h2>页面</h2><p class='muted'>蓝框：检测到的表格与单元格；黄色：待复核；紫框：勾稽不符。点击放大。"
                "<label><input type='checkbox' id='grid' checked> 显示网格</label></p>")
    if source_note:
        body.append(f'<p class="note error" id="source-note">{_e(source_note)}</p>')
    figures = []
    for page in doc.pages:
        svg, _cells, _flags = page_svg(doc, page, labels, failing)
        status, reasons = page.status, page.reasons  # "" and [] in outputs older than the page verdict
        caption = f"第 {page.number} 页 · {'文字层' if page.mode == 'text' else 'OCR'}"
        if abs(page.skew) >= 0.05:
            caption += f" · 倾斜 {page.skew:.2f}°"
        if status:
            caption += f" · {status}"
        if reasons:
            caption += f" · {'、'.join(labels.get(str(r), str(r)) for r in reasons)}"
        img = thumbs.get(page.number)
        inner = (f'<img src="{_e(img)}" alt="第 {page.number} 页" loading="lazy" width="{page.width}" '
                 f'height="{page.height}">' if img else "")
        figures.append(f'<figure class="page" data-page="{page.number}" data-status="{_e(status or "")}">'
                       f'<figcaption>{_e(caption)}</figcaption><div class="sheet{"" if img else " blank"}" '
                       f'style="aspect-ratio:{page.width}/{page.height}">{inner}{svg}</div></figure>')
    body.append('<div class="pages">' + "".join(figures) + "</div>")
    sub = (f'<a href="../{REPORT_NAME}">← 全部文档</a> · {_e(meta)} · sha256 {_e(doc.sha256[:16])}… · '
           f'{_badge(summary.status)}')
    return _page(f"{name} — disclosure 质检报告", name, sub, "".join(body), _DOC_JS)


def index_page(out_dir: Path, summaries: list[DocumentSummary], failures: list[DocumentSummary],
               notes: list[str]) -> str:
    rows = summaries + failures
    count = {s: sum(1 for r in rows if r.status == s) for s in STATUS_LABELS}
    cells = sum(r.cells for r in summaries)
    flagged = sum(r.flagged for r in summaries)
    total = lambda key: sum(len(v) if isinstance(v := getattr(r, key), list) else v for r in summaries)  # noqa: E731
    body = [_cards([("文档", str(len(rows))), ("正常", str(count["ok"])), ("有警告", str(count["warnings"])),
                    ("失败", str(count["failed"])), ("页", str(sum(r.pages for r in summaries))),
                    ("表格", str(sum(r.tables for r in summaries))), ("单元格", str(cells)),
                    ("待复核", f"{flagged}（{100.0 * flagged / cells:.1f}%）" if cells else "0"),
                    ("勾稽不符", str(total("failing_checks"))), ("自动修复", str(total("repairs"))),
                    ("无表格的页", str(total("pages_without_tables"))), ("无法识别的页", str(total("unrecovered_pages")))])]
    for n in notes:
        body.append(f'<p class="note">{_e(n)}</p>')
    bins = len(CONFIDENCE_EDGES) - 1
    hist = [sum(r.histogram[i] for r in summaries if r.histogram) for i in range(bins)]
    flag_hist = [sum(r.flagged_histogram[i] for r in summaries if r.flagged_histogram) for i in range(bins)]
    body.append("<h2>置信度分布（全部单元格）</h2>" + histogram_svg(hist, flag_hist))
    body.append('<h2>文档</h2><p class="filters">' + "".join(
        f'<button data-status="{s}" class="{"on" if s == "all" else ""}">{label}</button>'
        for s, label in (("all", f"全部 {len(rows)}"), ("ok", f"正常 {count['ok']}"),
                         ("warnings", f"有警告 {count['warnings']}"), ("failed", f"失败 {count['failed']}"))) + "</p>")
    lines = []
    runs = {"ok": "已提取", "skipped": "未变（跳过）", "failed": "失败", "": ""}
    for r in rows:
        link = f'<a href="{_e(r.page)}">{_e(r.name)}</a>' if r.page else _e(r.name)
        detail = "；".join(([r.reason] if r.reason else []) + r.warnings)
        lines.append(
            f'<tr class="doc" data-status="{r.status}" data-name="{_e(r.name)}"><td data-v="{r.status}">'
            f'{_badge(r.status)}</td><td>{link}</td><td>{_e(r.authority)}</td><td>{_e(r.year or "")}</td>'
            f'<td>{_e(r.kind)}</td><td class="n">{r.pages}</td><td class="n">{r.tables}</td><td class="n">{r.cells}</td>'
            f'<td class="n">{r.flagged}</td><td class="n">{r.failing_checks}</td>'
            f'<td class="n">{r.repairs}</td><td>{_e(runs.get(r.run, r.run))}</td>'
            f'<td>{_e(detail)}</td></tr>')
    body.append("<table class='list' id='documents'><thead><tr><th>状态</th><th>文档</th><th>单位</th><th>年度</th>"
                "<th>类型</th><th class='n'>页</th><th class='n'>表格</th><th class='n'>单元格</th>"
                "<th class='n'>待复核</th><th class='n'>勾稽不符</th><th class='n'>修复</th><th>本次运行</th>"
                "<th>说明</th></tr></thead><tbody>" + "".join(lines) + "</tbody></table>")
    if not rows:
        body.append("<p class='muted'>此文件夹中没有提取结果。</p>")
    generated = datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")
    from . import __version__

    sub = f"{_e(out_dir.resolve())} · 生成于 {generated} · disclosure {__version__} · 复核：disclosure review OUT"
    return _page("disclosure 质检报告", "disclosure 质检报告", sub, "".join(body), _INDEX_JS)


# -- the whole report ---------------------------------------------------------------------------------------


@dataclass
class ReportResult:
    path: Path
    documents: int = 0
    rebuilt: int = 0  # document pages written now (the others were up to date)
    thumbnails: int = 0  # page images rendered now
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # output files that could not be read


def _run_results(out_dir: Path) -> dict[str, dict]:
    """The last run's result per document (``run-summary.json``), by its relative path."""
    try:
        data = json.loads((out_dir / "run-summary.json").read_text(encoding="utf-8"))
        return {str(r["rel"]): r for r in data.get("results", []) if isinstance(r, dict) and "rel" in r}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def _read_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if data.get("version") == REPORT_VERSION else {}
    except (OSError, ValueError, AttributeError):
        return {}


def write_report(out_dir: str | os.PathLike, settings: ReportSettings = ReportSettings()) -> ReportResult:
    """Build (or bring up to date) ``OUT/report.html`` and ``OUT/report/``; returns what was done."""
    from .review.corrections import (DocumentLoadError, load_document, load_error, read_document_json,
                                     source_ref, document_paths)
    from .review.sources import SourceResolver
    from .review.store import STORE_NAME, ReviewStore, StoreError
    from .review.workbook import reason_labels

    out = Path(out_dir)
    report_dir = out / REPORT_DIR
    result = ReportResult(out / REPORT_NAME)
    labels = reason_labels()
    notes: list[str] = []
    store = None
    if (out / STORE_NAME).exists():
        try:
            store = ReviewStore(out / STORE_NAME)
        except StoreError as e:
            notes.append(f"复核记录不可用，以下为提取结果（未含人工更正）：{e}")
    versions = store.document_versions() if store is not None else {}
    cache_path = report_dir / CACHE_NAME
    cache = _read_cache(cache_path).get("documents", {})
    new_cache: dict[str, dict] = {}
    runs = _run_results(out)
    resolver = SourceResolver(out)
    summaries: list[DocumentSummary] = []
    pages_used: set[str] = set()
    for path in document_paths(out):
        rel = path.relative_to(out).as_posix()
        name = rel[:-5]
        run = runs.get(printable(name), {})  # the summary names documents in printable form
        try:
            st = path.stat()
        except OSError:
            st = None
        key = [st.st_size, st.st_mtime_ns] if st else None
        cached = _cached_summary(cache.get(rel), key, versions, out)
        if cached is not None:
            summary = cached
        else:
            try:
                if store is not None:
                    loaded = load_document(out, path, store)
                    doc, source = loaded.document, loaded.source
                else:
                    data, doc = read_document_json(path)
                    source = source_ref(data, name)
            except DocumentLoadError as e:
                err = load_error(out, path, e)
                result.errors.append(f"{err.name}: {err.message}")
                summaries.append(DocumentSummary(name=name, page="", status="failed", run=run.get("status", ""),
                                                 reason=f"提取结果无法读取：{err.message}"))
                continue
            summary = _build_document(out, name, doc, source, resolver, labels, settings, result, pages_used)
            result.rebuilt += 1
        new_cache[rel] = {"key": key, "store": versions.get(summary.sha256, 0), "summary": asdict(summary)}
        pages_used.add(summary.page)
        # what the last run did is shown in the index only (the page stands while the JSON does)
        summary.run = run.get("status", "")
        if run.get("status") == "failed":  # the output shown is an earlier one
            summary.status, summary.reason = "failed", f"{run.get('reason', '')}（以下链接为之前的提取结果）"
        summaries.append(summary)
    known = {printable(s.name) for s in summaries}
    failures = [DocumentSummary(name=rel, page="", status="failed", run="failed", reason=str(r.get("reason", "")))
                for rel, r in runs.items() if r.get("status") == "failed" and rel not in known]
    result.documents = len(summaries) + len(failures)
    result.failed = sum(1 for s in summaries + failures if s.status == "failed")
    if report_dir.is_dir():
        _remove_stale(report_dir, {p.removeprefix(f"{REPORT_DIR}/") for p in pages_used if p}
                      | {img for s in summaries for img in s.images})
    # ASCII JSON: a non-UTF-8 file name (lone surrogates) round-trips exactly
    atomic_write_text(cache_path, json.dumps({"version": REPORT_VERSION, "documents": new_cache}))
    atomic_write_text(result.path, index_page(out, summaries, failures, notes))
    return result


def _unescaped(source):
    """The source reference with a non-UTF-8 file name as the file system has it: the JSON holds it
    escaped (``caf\\xe9.pdf``, :func:`pipeline.fsutil.printable`); the sha256 check guards the guess."""
    import re
    from dataclasses import replace

    def raw(text: str | None) -> str | None:
        if not text or "\\x" not in text:
            return text
        data = re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m.group(1), 16)]),
                      text.encode("utf-8", "surrogateescape"))
        return os.fsdecode(data)

    return replace(source, file=raw(source.file), relative=raw(source.relative))


def _cached_summary(entry: dict | None, key: list | None, versions: dict[str, int], out: Path) -> DocumentSummary | None:
    """The summary of the last report when nothing it shows has changed: same JSON (size, mtime), same
    corrections, its page and images still there, and it had its page images (a missing source is looked
    for again)."""
    if not entry or key is None or entry.get("key") != key:
        return None
    try:
        summary = DocumentSummary(**entry["summary"])
    except (TypeError, KeyError):
        return None
    if entry.get("store") != versions.get(summary.sha256, 0):
        return None
    if summary.source_tried and any(os.path.exists(p) for p in summary.source_tried):
        return None  # the source may be back: look again
    files = [out / summary.page] + [out / REPORT_DIR / img for img in summary.images]
    return summary if all(f.is_file() for f in files) else None


def _build_document(out: Path, name: str, doc: Document, source, resolver, labels: dict[str, str],
                    settings: ReportSettings, result: ReportResult, taken: set[str]) -> DocumentSummary:
    report_dir = out / REPORT_DIR
    from .batch import JobResult, document_facts

    facts = document_facts(doc.to_dict(), JobResult(name, "ok"))  # the batch summary's counts and verdict
    cells = [c for _t, _r, _c, c in doc.cells()]
    stem = safe_file_part(printable(name), "document")  # links and file names the same valid UTF-8
    page = f"{REPORT_DIR}/{stem}.html"
    n = 2
    while page in taken:
        page, n = f"{REPORT_DIR}/{stem}~{n}.html", n + 1
    summary = DocumentSummary(
        name=name, page=page, sha256=doc.sha256, authority=doc.authority, year=doc.year, kind=doc.kind,
        pages=doc.page_count, tables=len(doc.tables), cells=len(cells), flagged=sum(c.review for c in cells),
        checks=len(doc.checks), failing_checks=facts.failing_checks, repairs=facts.repairs,
        pages_without_tables=facts.pages_without_tables, unrecovered_pages=facts.unrecovered_pages,
        status="warnings" if facts.verdict == "ok with warnings" else "ok", warnings=list(facts.warnings),
        histogram=confidence_bins([c.confidence for c in cells]),
        flagged_histogram=confidence_bins([c.confidence for c in cells if c.review]))
    thumbs: dict[int, str | None] = {}
    missing = [p for p in doc.pages if not (report_dir / thumbnail_name(doc, p, settings)).is_file()]
    source_path = None
    if missing:
        status = resolver.resolve(_unescaped(source), doc.sha256)
        source_path = status.path
        if not status.found:
            summary.source_tried = list(status.tried)
            where = "、".join(status.tried) or "提取结果中没有记录原件路径"
            problems = f"（{'；'.join(status.problems)}）" if status.problems else ""
            summary.source_note = f"找不到原件，页面图像无法显示，只画出检测到的表格。查找过：{where}{problems}"
    for p in doc.pages:
        img = thumbnail_name(doc, p, settings)
        if not (report_dir / img).is_file() and source_path is not None:
            try:
                atomic_write_bytes(report_dir / img, render_thumbnail(source_path, p, settings))
                result.thumbnails += 1
            except Exception as e:  # a page that cannot be rendered: say so, draw the grid anyway
                summary.source_note = f"第 {p.number} 页无法生成图像：{e.__class__.__name__}: {e}"
        if (report_dir / img).is_file():
            thumbs[p.number] = img  # relative to the page, which is in OUT/report too
            summary.images.append(img)
    page_html = document_page(name, doc, summary, thumbs, labels, summary.source_note)
    atomic_write_text(out / page, page_html)
    return summary


def _remove_stale(report_dir: Path, keep: set[str]) -> None:
    """Pages and thumbnails of documents no longer under OUT (only files this module names)."""
    for p in list(report_dir.glob("*.html")) + list((report_dir / "img").glob("*.jpg")):
        rel = p.relative_to(report_dir).as_posix()
        if rel not in keep:
            p.unlink(missing_ok=True)


# -- command line -------------------------------------------------------------------------------------------


def _say(result: ReportResult, stream) -> None:
    print(f"report: {printable(result.path)} ({result.documents} document(s); {result.rebuilt} page(s) rebuilt, "
          f"{result.thumbnails} thumbnail(s) rendered)", file=stream)


def report_after_run(out_dir: Path) -> None:
    """What ``disclosure extract`` calls last: the report, or one line saying why there is none (the run's
    outputs and exit code stand either way)."""
    import sys

    try:
        result = write_report(out_dir)
    except Exception as e:  # the report must never cost the batch its summary or exit code
        print(f"warning: {printable(Path(out_dir) / REPORT_NAME)} not written: {e.__class__.__name__}: {e}",
              file=sys.stderr)
        return
    for line in result.errors:
        print(f"warning: report: {printable(line)}", file=sys.stderr)
    _say(result, sys.stdout)


def run_report(args) -> int:
    import sys

    from .errors import ExitCode

    out = Path(args.out)
    if not out.is_dir():
        print(f"error: {printable(out)}: output folder does not exist (run `disclosure extract` first)", file=sys.stderr)
        return ExitCode.usage_error
    result = write_report(out, ReportSettings(thumbnail_dpi=args.thumbnail_dpi))
    for line in result.errors:
        print(f"warning: {printable(line)}: skipped", file=sys.stderr)
    _say(result, sys.stdout)
    return ExitCode.some_documents_failed if result.errors else ExitCode.ok


def _thumbnail_dpi(value: str) -> int:
    import argparse

    n = int(value)
    if not 20 <= n <= 150:
        raise argparse.ArgumentTypeError(f"must be between 20 and 150, got {n}")
    return n


def register(subparsers) -> None:
    """Add ``report`` to the CLI's subparsers."""
    p = subparsers.add_parser("report", help="(re)build OUT/report.html, the QA report (static, opens offline)")
    p.add_argument("out", metavar="OUT", help="output folder of `disclosure extract`")
    p.add_argument("--thumbnail-dpi", type=_thumbnail_dpi, default=ReportSettings.thumbnail_dpi, metavar="DPI",
                   help=f"resolution of the page images (default {ReportSettings.thumbnail_dpi})")
    p.set_defaults(func=run_report)
