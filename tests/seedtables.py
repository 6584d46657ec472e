"""Load the 公开01–10表 of the seed text extractions (../shared/seeds/00*.txt) as pipeline.model Tables.

The seeds print tables one row per line with TAB-separated cells (ANALYSIS.md §2). For each “公开0n表”
marker (also “公开 01 表” and the broken “公开03” / “表”) this loader takes the title line above it, the
metadata lines (部门, 年度, 单位), the header rows (up to and including the 栏次 row, or the rows before the
first row holding an amount), and the body rows; repeated header rows at page breaks and blank lines
mid-table start a new page; watermark lines, 注/说明 lines are left out.

Header cells are given spans by the printed grid (an empty cell to the right of a label belongs to it while
it stays under the same parent cell) and flattened with :func:`pipeline.headers.flatten_header`, so
``Table.columns`` are what the assembly stage would produce from a ruled table.

Others may import: ``seeds_dir()``, ``seed_tables(seed)``, ``seed_document(seed)``.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from pipeline.headers import HeaderCell, flatten_header, is_amount_column, is_column_number_row
from pipeline.model import Cell, Document, Row, Table
from pipeline.numbers import parse_number
from pipeline.textnorm import clean_cell_text

WATERMARK = "仅供内部审核"
SEED_FILES = {"000": "000_0e4cc8dc2edacd31.txt", "001": "001_36bbbe4670b73e8a.txt", "002": "002_1b265567e47774d7.txt",
              "003": "003_24f147bddf1cf6d4.txt", "004": "004_0e201cd617051de5.txt"}
_MARK = re.compile(r"^公开\s*(\d{2})\s*(表)?$")
_META = re.compile(r"^(部门|单位|金额单位|部门名称|单位名称|编制部门)[：:]|^\d{4}年度?$|^社会保障局$")
_END = re.compile(r"^(第[一二三四五]部分|部门整体支出绩效自评情况表)")
_NUMBERED = re.compile(r"^[一二三四五六七八九十]+、")
_CODE = re.compile(r"^\d{3}(\d{2}){0,2}$")


def seeds_dir() -> Path:
    return Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


def _has_amount(cells: list[str]) -> bool:
    for c in cells:
        t = c.strip()
        if not t:
            continue
        p = parse_number(t)
        if p.kind == "number" and ("." in t or "," in t):
            return True
        if _CODE.match(t) and c is cells[0]:
            return True
    return False


def _header_cells(rows: list[list[str]], n_cols: int) -> list[HeaderCell]:
    """Give each printed header text a column span: it extends over the empty cells to its right that lie
    under the same parent cell of the row above."""
    cells: list[HeaderCell] = []
    parent = [0] * n_cols  # id of the covering cell in the row above
    for r, texts in enumerate(rows):
        texts = texts + [""] * (n_cols - len(texts))
        owner = [-1] * n_cols
        c = 0
        while c < n_cols:
            if texts[c].strip():
                span = 1
                while c + span < n_cols and not texts[c + span].strip() and parent[c + span] == parent[c]:
                    span += 1
                cells.append(HeaderCell(r, c, texts[c], 1, span))
                for k in range(c, c + span):
                    owner[k] = len(cells)
                c += span
            else:
                c += 1
        parent = [owner[k] if owner[k] > 0 else parent[k] for k in range(n_cols)]
    return cells


def _make_cell(text: str, amount: bool) -> Cell:
    t = clean_cell_text(text)
    p = parse_number(t)
    if not t:
        return Cell(text="", value=None, kind="empty")
    if amount and p.kind == "number":
        return Cell(text=t, value=p.value, kind="number")
    if amount and p.kind == "na":
        return Cell(text=t, value=None, kind="na")
    return Cell(text=t, value=None, kind="text")


def _parse_table(lines: list[str], start: int, end: int, number: int, title: str) -> Table:
    meta = []
    page = 1
    body_started = False
    header: list[list[str]] = []
    body: list[tuple[int, list[str]]] = []
    notes: list[str] = []
    for i in range(start, end):
        line = lines[i].rstrip("\n")
        s = line.strip()
        if s == WATERMARK:
            continue
        if not s:
            if body_started and body:
                page += 1 if body[-1][0] == page else 0
            continue
        if "\t" not in line:
            if _META.match(s) or s.startswith("社会保障局"):
                meta.append(s)
            elif s.startswith(("注", "说明")):
                notes.append(s)
            continue
        cells = line.split("\t")
        first = cells[0].strip()
        if first.startswith(("注", "说明")):
            notes.append(first)
            continue
        if _META.match(first) or any(_META.match(c.strip()) for c in cells if c.strip()) and not _has_amount(cells):
            if not body_started:
                meta.extend(c.strip() for c in cells if c.strip())
                continue
        if not body_started:
            if _has_amount(cells):
                body_started = True
            elif _NUMBERED.match(first) and not any(c.strip() for c in cells[1:]):
                body.append((page, cells))  # a section row (公开10表 “一、政府采购情况”) above the header
                continue
            else:
                header.append(cells)
                continue
        stripped = [c.strip() for c in cells]
        if any([c.strip() for c in h] == stripped for h in header) or is_column_number_row(stripped):
            if body and body[-1][0] == page:
                page += 1
            continue
        body.append((page, cells))
    n_cols = max([len(h) for h in header] + [len(c) for _, c in body] + [1])
    # trailing all-empty columns are dropped
    while n_cols > 1 and all(len(h) < n_cols or not h[n_cols - 1].strip() for h in header) and all(
            len(c) < n_cols or not c[n_cols - 1].strip() for _, c in body):
        n_cols -= 1
    hdr = [h[:n_cols] for h in header]
    columns = flatten_header(_header_cells(hdr, n_cols), len(hdr), n_cols) if hdr else [""] * n_cols
    grid = [[clean_cell_text(t) for t in (h + [""] * (n_cols - len(h)))] for h in hdr]
    amount_col = [is_amount_column(c) for c in columns]
    rows = []
    for pg, cells in body:
        cells = (cells + [""] * n_cols)[:n_cols]
        rows.append(Row(page=pg, cells=[_make_cell(t, amount_col[k]) for k, t in enumerate(cells)]))
    unit = "万元" if any("万元" in m for m in meta) else ("元" if any("元" in m for m in meta) else "")
    return Table(id=f"t{number}", title=title, form=f"公开{number:02d}表", unit=unit,
                 pages=sorted({r.page for r in rows}) or [1], header=grid, columns=columns, rows=rows, notes=notes)


@lru_cache(maxsize=None)
def _seed_lines(seed: str) -> tuple[str, ...]:
    path = seeds_dir() / SEED_FILES[seed]
    return tuple(path.read_text(encoding="utf-8").split("\n"))


def seed_tables(seed: str) -> list[Table]:
    """The 公开表 of one seed (000, 002, 003), in printed order."""
    lines = list(_seed_lines(seed))
    marks: list[tuple[int, int, int]] = []  # (number, marker line, title line)
    for i, line in enumerate(lines):
        s = line.strip()
        m = _MARK.match(s)
        if not m:
            continue
        if m.group(2) is None and not (i + 1 < len(lines) and lines[i + 1].strip() == "表"):
            continue
        j = i - 1
        while j >= 0 and (not lines[j].strip() or lines[j].strip() == WATERMARK or _META.match(lines[j].strip())):
            j -= 1
        marks.append((int(m.group(1)), i, j))
    tables = []
    for k, (number, i, title_line) in enumerate(marks):
        end = marks[k + 1][2] if k + 1 < len(marks) else len(lines)
        for j in range(i, end):
            if _END.match(lines[j].strip()):
                end = j
                break
        tables.append(_parse_table(lines, i + 1, end, number, lines[title_line].strip()))
    return tables


def seed_document(seed: str) -> Document:
    path = seeds_dir() / SEED_FILES[seed]
    doc = Document(source_path=str(path), sha256=hashlib.sha256(path.read_bytes()).hexdigest(), page_count=0,
                   kind="部门决算", tables=seed_tables(seed))
    return doc
