"""HTML layout of a disclosure, paginated by us so the truth knows the page of every row.

Two passes through Chromium: (1) every table is laid out once at its page's content width and the heights of
its caption, header rows, each body row and the notes are measured; (2) rows are packed onto fixed-size page
boxes (A4 portrait or landscape, named CSS pages) and the final document is printed to PDF. Continuation
pages repeat the header rows or not (``LayoutSettings.repeat_header``). The text-object watermark is a
set of rotated light-grey spans placed on every page.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

from pipeline.headers import flatten_header, is_amount_column

from .content import DocumentContent, TableContent

MM = 96 / 25.4  # CSS px per mm

FONTS = {
    "serif": "'Noto Serif CJK SC', 'AR PL UMing CN', serif",
    "sans": "'Noto Sans CJK SC', sans-serif",
    "uming": "'AR PL UMing CN', 'Noto Serif CJK SC', serif",
}
WATERMARK_TEXT = "仅供内部审核"


@dataclass(frozen=True)
class LayoutSettings:
    font: str = "serif"  # serif | sans | uming
    font_px: float = 12.5
    repeat_header: bool = True
    watermark_text: bool = False  # rotated light-grey text objects on every page
    cover: bool = True
    margin_mm: tuple[float, float, float, float] = (16.0, 18.0, 16.0, 18.0)  # top right bottom left
    fill: float = 0.96  # fraction of the measured free height that is used
    cell_padding_px: tuple[float, float] = (2.0, 4.0)  # vertical, horizontal padding of every table cell
    line_height: float = 1.3


DENSE = {"font_px": 10.5, "cell_padding_px": (0.5, 3.0), "line_height": 1.12}  # tight rows (profile skew3)


@dataclass(frozen=True)
class PageBox:
    landscape: bool

    @property
    def size_mm(self) -> tuple[float, float]:
        return (297.0, 210.0) if self.landscape else (210.0, 297.0)


@dataclass
class TablePage:
    table: TableContent
    rows: list[int]  # body row indexes on this page
    first: bool
    last: bool


@dataclass
class Page:
    number: int
    landscape: bool
    kind: str  # cover | table
    parts: list[TablePage] = field(default_factory=list)


def content_width_px(landscape: bool, s: LayoutSettings) -> float:
    w = PageBox(landscape).size_mm[0]
    return (w - s.margin_mm[1] - s.margin_mm[3]) * MM


def content_height_px(landscape: bool, s: LayoutSettings) -> float:
    h = PageBox(landscape).size_mm[1]
    return (h - s.margin_mm[0] - s.margin_mm[2]) * MM - 18  # 18 px reserved for the page number


# ----------------------------------------------------------------------------------------------
# HTML pieces
# ----------------------------------------------------------------------------------------------

def esc(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


def table_columns(t: TableContent) -> list[str]:
    return flatten_header(t.header, t.header_rows, t.n_cols)


def caption_html(t: TableContent, doc: DocumentContent) -> str:
    st = doc.department.style
    marker = f"公开 {t.number:02d} 表" if st.form_spaced else t.form
    dept_label = "单位名称：" if t.number == 10 else st.dept_label
    year = f"{doc.department.year}年度"
    parts = [f'<div class="title">{esc(t.title)}</div>', f'<div class="marker">{esc(marker)}</div>']
    if st.meta_one_line or st.year_line:
        parts.append('<div class="meta">'
                     f'<span class="l">{esc(dept_label + doc.department.name)}</span>'
                     f'<span class="c">{esc(year if st.year_line else "")}</span>'
                     f'<span class="r">{esc(st.unit_label)}</span></div>')
    else:
        parts.append(f'<div class="meta"><span class="l"></span><span class="r">{esc(st.unit_label)}</span></div>')
        parts.append(f'<div class="meta"><span class="l">{esc(dept_label + doc.department.name)}</span></div>')
    return f'<div class="caption">{"".join(parts)}</div>'


def header_html(t: TableContent) -> str:
    rows = []
    for r in range(t.header_rows):
        cells = sorted((h for h in t.header if h.row == r), key=lambda h: h.col)
        tds = []
        for h in cells:
            span = (f' rowspan="{h.rowspan}"' if h.rowspan > 1 else "") + (f' colspan="{h.colspan}"' if h.colspan > 1 else "")
            tds.append(f"<th{span}>{esc(h.text)}</th>")
        # empty header positions that no merged cell covers still need a cell for the grid to be ruled
        covered = set()
        for h in t.header:
            for rr in range(h.row, h.row + h.rowspan):
                for cc in range(h.col, h.col + h.colspan):
                    covered.add((rr, cc))
        ordered = []
        for c in range(t.n_cols):
            start = next((h for h in cells if h.col == c), None)
            if start is not None:
                span = (f' rowspan="{start.rowspan}"' if start.rowspan > 1 else "") + (
                    f' colspan="{start.colspan}"' if start.colspan > 1 else "")
                ordered.append(f"<th{span}>{esc(start.text)}</th>")
            elif (r, c) not in covered:
                ordered.append("<th></th>")
        rows.append("<tr>" + "".join(ordered) + "</tr>")
    return "<thead>" + "".join(rows) + "</thead>"


def body_row_html(t: TableContent, index: int, columns: list[str]) -> str:
    row = t.rows[index]
    tds = []
    c = 0
    while c < t.n_cols:
        span = row.spans.get(c, 1)
        label = columns[c]
        cls = "num" if is_amount_column(label) and span == 1 else ("ctr" if label.endswith("行次") else "txt")
        attr = f' colspan="{span}"' if span > 1 else ""
        tds.append(f'<td class="{cls}"{attr}>{esc(row.cells[c])}</td>')
        c += span
    strong = ' class="strong"' if row.strong else ""
    return f'<tr data-row="{index}"{strong}>' + "".join(tds) + "</tr>"


def colgroup_html(t: TableContent) -> str:
    total = sum(t.widths)
    return "<colgroup>" + "".join(f'<col style="width:{100 * w / total:.3f}%">' for w in t.widths) + "</colgroup>"


def notes_html(t: TableContent) -> str:
    return '<div class="notes">' + "".join(f"<p>{esc(n)}</p>" for n in t.notes) + "</div>"


def css(s: LayoutSettings) -> str:
    top, right, bottom, left = s.margin_mm
    return f"""
@page port {{ size: 210mm 297mm; margin: 0 }}
@page land {{ size: 297mm 210mm; margin: 0 }}
html, body {{ margin: 0; padding: 0; }}
body {{ font-family: {FONTS[s.font]}; font-size: {s.font_px}px; color: #111; }}
.page {{ position: relative; overflow: hidden; contain: paint; break-after: page; box-sizing: border-box;
         padding: {top}mm {right}mm {bottom}mm {left}mm; }}
.page.port {{ page: port; width: 210mm; height: 297mm; }}
.page.land {{ page: land; width: 297mm; height: 210mm; }}
.measure {{ position: relative; }}
.caption {{ padding-bottom: 4px; }}
.title {{ text-align: center; font-size: {s.font_px * 1.6:.1f}px; font-weight: bold; letter-spacing: 1px;
          padding: 2px 0 4px 0; }}
.marker {{ text-align: right; font-size: {s.font_px:.1f}px; }}
.meta {{ display: flex; justify-content: space-between; font-size: {s.font_px:.1f}px; padding: 2px 0; }}
.meta .l {{ flex: 1; text-align: left; }} .meta .c {{ flex: 1; text-align: center; }}
.meta .r {{ flex: 1; text-align: right; }}
table.grid {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
table.grid th, table.grid td {{ border: 0.8px solid #222;
                                 padding: {s.cell_padding_px[0]}px {s.cell_padding_px[1]}px; line-height: {s.line_height};
                                 overflow-wrap: anywhere; }}
table.grid th {{ font-weight: normal; text-align: center; }}
table.grid td.num {{ text-align: right; white-space: nowrap; }}
table.grid td.ctr {{ text-align: center; }}
table.grid td.txt {{ text-align: left; }}
table.grid tr.strong td {{ font-weight: bold; }}
.notes {{ padding-top: 4px; font-size: {s.font_px * 0.95:.1f}px; }}
.notes p {{ margin: 2px 0; text-indent: 2em; }}
.pageno {{ position: absolute; bottom: 8mm; left: 0; right: 0; text-align: center; font-size: 11px; }}
.wmlayer {{ position: absolute; left: 0; top: 0; right: 0; bottom: 0; overflow: hidden; contain: strict; }}
.wm {{ position: absolute; color: #c8c8c8; font-size: 34px; transform: rotate(-30deg);
       white-space: nowrap; letter-spacing: 6px; }}
.cover {{ text-align: center; }}
.cover .year {{ margin-top: 70mm; font-size: 30px; }}
.cover .name {{ margin-top: 12mm; font-size: 34px; font-weight: bold; }}
.cover .date {{ margin-top: 90mm; font-size: 20px; }}
"""


def wrap_html(s: LayoutSettings, body: str) -> str:
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{css(s)}</style></head><body>{body}</body></html>'


# ----------------------------------------------------------------------------------------------
# pass 1: measuring
# ----------------------------------------------------------------------------------------------

MEASURE_JS = """
() => {
  const out = {};
  for (const box of document.querySelectorAll('.measure')) {
    const id = box.dataset.table;
    const h = (el) => el ? el.getBoundingClientRect().height : 0;
    out[id] = {
      caption: h(box.querySelector('.caption')),
      header: h(box.querySelector('thead')),
      rows: Array.from(box.querySelectorAll('tbody tr')).map(h),
      notes: h(box.querySelector('.notes')),
    };
  }
  return out;
}
"""


def measure_html(doc: DocumentContent, s: LayoutSettings) -> str:
    parts = []
    for t in doc.tables:
        columns = table_columns(t)
        rows = "".join(body_row_html(t, i, columns) for i in range(len(t.rows)))
        width = content_width_px(t.landscape, s)
        parts.append(f'<div class="measure" data-table="{t.id}" style="width:{width:.2f}px">'
                     f'{caption_html(t, doc)}<table class="grid">{colgroup_html(t)}{header_html(t)}'
                     f'<tbody>{rows}</tbody></table>{notes_html(t)}</div>')
    return wrap_html(s, "".join(parts))


@dataclass
class Measures:
    caption: float
    header: float
    rows: list[float]
    notes: float


def paginate(doc: DocumentContent, measures: dict[str, Measures], s: LayoutSettings) -> list[Page]:
    pages: list[Page] = []
    if s.cover:
        pages.append(Page(1, False, "cover"))
    for t in doc.tables:
        m = measures[t.id]
        height = content_height_px(t.landscape, s) * s.fill
        chunks: list[list[int]] = [[]]
        free = height - m.caption - m.header
        for i, rh in enumerate(m.rows):
            if rh > free and chunks[-1]:
                chunks.append([])
                free = height - (m.header if s.repeat_header else 0)
            chunks[-1].append(i)
            free -= rh
        if m.notes > free:  # the notes go under the last rows: move rows over until they fit
            last = chunks[-1]
            moved: list[int] = []
            while last and m.notes > free and len(last) > 1:
                i = last.pop()
                moved.insert(0, i)
                free += m.rows[i]
            if m.notes > free or moved:
                if not moved:
                    moved = [last.pop()] if len(last) > 1 else []
                chunks.append(moved)
        chunks = [c for c in chunks if c] or [[]]
        for k, chunk in enumerate(chunks):
            page = Page(len(pages) + 1, t.landscape, "table")
            page.parts.append(TablePage(t, chunk, first=k == 0, last=k == len(chunks) - 1))
            pages.append(page)
    return pages


# ----------------------------------------------------------------------------------------------
# pass 2: the document
# ----------------------------------------------------------------------------------------------

def watermark_html(landscape: bool) -> str:
    w, h = PageBox(landscape).size_mm
    spans = []
    for y in range(30, int(h), 85):
        for x in range(-10 + (y // 85 % 2) * 45, int(w), 95):
            spans.append(f'<span class="wm" style="left:{x}mm;top:{y}mm">{WATERMARK_TEXT}</span>')
    return '<div class="wmlayer">' + "".join(spans) + "</div>"


def cover_html(doc: DocumentContent) -> str:
    d = doc.department
    digits = "〇一二三四五六七八九"
    year_cn = "".join(digits[int(ch)] for ch in str(d.year + 1))
    return (f'<div class="cover"><div class="year">{d.year}年度</div><div class="name">{esc(d.name)}</div>'
            f'<div class="name">部门决算</div><div class="date">{year_cn}年九月</div></div>')


def document_html(doc: DocumentContent, pages: list[Page], s: LayoutSettings) -> str:
    body = []
    for page in pages:
        inner = []
        if page.kind == "cover":
            inner.append(cover_html(doc))
        for part in page.parts:
            t = part.table
            columns = table_columns(t)
            if part.first:
                inner.append(caption_html(t, doc))
            if part.rows or part.first:
                thead = header_html(t) if (part.first or s.repeat_header) else ""
                rows = "".join(body_row_html(t, i, columns) for i in part.rows)
                inner.append(f'<table class="grid">{colgroup_html(t)}{thead}<tbody>{rows}</tbody></table>')
            if part.last:
                inner.append(notes_html(t))
        if page.kind != "cover":
            inner.append(f'<div class="pageno">- {page.number} -</div>')
        if s.watermark_text:
            inner.append(watermark_html(page.landscape))
        orient = "land" if page.landscape else "port"
        body.append(f'<div class="page {orient}">{"".join(inner)}</div>')
    return wrap_html(s, "".join(body))
