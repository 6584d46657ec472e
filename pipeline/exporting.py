"""Exports of the results under OUT with reviewers' corrections applied.

- printed grids per table (header rows + body rows, text as printed/corrected);
- a long format for analysts: one line per body cell — document, authority, year, table, form, title, row,
  code, name, column, value, text, confidence, reviewed.

Formats: ``csv`` (a folder: long.csv + one grid CSV per table), ``xlsx`` (one workbook: 长表 + a grid sheet per
table), ``parquet`` (long format; needs pyarrow), ``sqlite`` (documents, tables, cells, grid). Every file is
written atomically (temporary file + os.replace).
"""
from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .fsutil import atomic_write
from .output import csv_text
from .review.corrections import LoadedDocument, apply_corrections
from .review.keys import label_left_of, row_code, row_name
from .review.store import ReviewStore

FORMATS = ("csv", "xlsx", "parquet", "sqlite", "review-xlsx")
LONG_FIELDS = ("document", "authority", "year", "table", "form", "title", "row", "code", "name", "column", "value",
               "text", "confidence", "reviewed")


class ExportError(Exception):
    def __init__(self, path: str | os.PathLike, message: str):
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True)
class ExportSettings:
    csv_encoding: str = "utf-8-sig"  # Excel/WPS open UTF-8 CSV correctly only with a BOM
    sheet_name_limit: int = 31


@dataclass
class GridTable:
    document: str
    index: int
    table_id: str
    form: str
    title: str
    unit: str
    header: list[list[str]]
    body: list[list[str]]


def cell_code(row, table, column: int) -> tuple[str, str]:
    """The code and name labelling one cell: the code of the label block the cell belongs to (the nearest
    code column at or left of it), so that in a two-sided 总表 (收入 | 支出) income cells carry no
    expenditure code and each 公开06表 block keeps its own economic code."""
    if row.codes:
        own = [m for m in row.codes if m.column <= column]
        if not own:
            return "", label_left_of(row, table, column)
        m = max(own, key=lambda m: m.column)
        return m.code, m.name
    return row_code(row, table), row_name(row, table)


def long_rows(docs: list[LoadedDocument]) -> list[dict]:
    rows = []
    for d in docs:
        doc = d.document
        for table in doc.tables:
            for ri, row in enumerate(table.rows):
                for ci, cell in enumerate(row.cells):
                    code, name = cell_code(row, table, ci)
                    rows.append({
                        "document": d.name, "authority": doc.authority, "year": doc.year, "table": table.id,
                        "form": table.form, "title": table.title, "row": ri, "code": code, "name": name,
                        "column": table.columns[ci] if ci < len(table.columns) else f"列{ci + 1}",
                        "value": cell.value, "text": cell.text, "confidence": round(float(cell.confidence), 4),
                        "reviewed": "corrected" in cell.reasons or "confirmed" in cell.reasons,
                    })
    return rows


def grid_tables(docs: list[LoadedDocument]) -> list[GridTable]:
    out = []
    for d in docs:
        for ti, table in enumerate(d.document.tables):
            out.append(GridTable(d.name, ti, table.id, table.form, table.title, table.unit,
                                 [list(r) for r in table.header], [row.texts() for row in table.rows]))
    return out


def _safe(name: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", name).strip("_") or "table"


def export_csv(docs: list[LoadedDocument], dest: Path, settings: ExportSettings) -> list[Path]:
    written = []
    long = long_rows(docs)
    text = csv_text([list(LONG_FIELDS)] + [[r[f] for f in LONG_FIELDS] for r in long], "\n")
    written.append(atomic_write(dest / "long.csv", lambda p: p.write_text(text, encoding=settings.csv_encoding)))
    for g in grid_tables(docs):
        name = f"{g.index + 1:02d}-{_safe(g.form or g.title or g.table_id)}.csv"
        grid_text = csv_text(g.header + g.body, "\n")
        written.append(atomic_write(dest / g.document / name,
                                    lambda p, t=grid_text: p.write_text(t, encoding=settings.csv_encoding)))
    return written


def _unique_sheet(wb, title: str, limit: int) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", title)[:limit] or "表"
    name, n = base, 2
    while name in wb.sheetnames:
        suffix = f"~{n}"
        name, n = base[: limit - len(suffix)] + suffix, n + 1
    return name


def export_xlsx(docs: list[LoadedDocument], dest: Path, settings: ExportSettings) -> list[Path]:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "长表"
    ws.append(list(LONG_FIELDS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in long_rows(docs):
        ws.append([r[f] for f in LONG_FIELDS])
    ws.freeze_panes = "A2"
    multi = len(docs) > 1
    for di, g in enumerate(grid_tables(docs)):
        prefix = f"{[d.name for d in docs].index(g.document) + 1}-" if multi else ""
        sheet = wb.create_sheet(_unique_sheet(wb, prefix + (g.form or g.title or g.table_id), settings.sheet_name_limit))
        sheet.append([g.title, "", g.document, f"单位：{g.unit}" if g.unit else ""])
        for row in g.header:
            sheet.append(row)
        for r in range(2, 2 + len(g.header)):
            for cell in sheet[r]:
                cell.font = Font(bold=True)
        for row in g.body:
            sheet.append(row)
    return [atomic_write(dest, lambda p: wb.save(p))]


def export_parquet(docs: list[LoadedDocument], dest: Path, settings: ExportSettings) -> list[Path]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as e:
        raise ExportError(dest, "parquet export needs pyarrow, which is not installed (pip install pyarrow)") from e
    rows = long_rows(docs)
    schema = pa.schema([("document", pa.string()), ("authority", pa.string()), ("year", pa.int32()),
                        ("table", pa.string()), ("form", pa.string()), ("title", pa.string()), ("row", pa.int32()),
                        ("code", pa.string()), ("name", pa.string()), ("column", pa.string()),
                        ("value", pa.float64()), ("text", pa.string()), ("confidence", pa.float64()),
                        ("reviewed", pa.bool_())])
    table = pa.Table.from_pylist(rows, schema=schema)
    return [atomic_write(dest, lambda p: pq.write_table(table, p))]


def export_sqlite(docs: list[LoadedDocument], dest: Path, settings: ExportSettings) -> list[Path]:
    def write(path: Path) -> None:
        conn = sqlite3.connect(path)
        try:
            conn.executescript("""
                CREATE TABLE documents (document TEXT PRIMARY KEY, sha256 TEXT, authority TEXT, year INTEGER,
                                        kind TEXT, source TEXT);
                CREATE TABLE tables (document TEXT, table_index INTEGER, table_id TEXT, form TEXT, title TEXT,
                                     unit TEXT, pages TEXT, PRIMARY KEY (document, table_index));
                CREATE TABLE cells (document TEXT, authority TEXT, year INTEGER, "table" TEXT, form TEXT,
                                    title TEXT, "row" INTEGER, code TEXT, name TEXT, "column" TEXT, value REAL,
                                    text TEXT, confidence REAL, reviewed INTEGER);
                CREATE TABLE grid (document TEXT, table_index INTEGER, grid_row INTEGER, grid_column INTEGER,
                                   header INTEGER, text TEXT);
            """)
            for d in docs:
                doc = d.document
                conn.execute("INSERT INTO documents VALUES (?,?,?,?,?,?)",
                             (d.name, doc.sha256, doc.authority, doc.year, doc.kind, doc.source_path))
                for ti, t in enumerate(doc.tables):
                    conn.execute("INSERT INTO tables VALUES (?,?,?,?,?,?,?)",
                                 (d.name, ti, t.id, t.form, t.title, t.unit, ",".join(map(str, t.pages))))
            conn.executemany(f"INSERT INTO cells VALUES ({','.join('?' * len(LONG_FIELDS))})",
                             [tuple(r[f] for f in LONG_FIELDS) for r in long_rows(docs)])
            grid = []
            for g in grid_tables(docs):
                for gr, row in enumerate(g.header + g.body):
                    for gc, text in enumerate(row):
                        grid.append((g.document, g.index, gr, gc, int(gr < len(g.header)), text))
            conn.executemany("INSERT INTO grid VALUES (?,?,?,?,?,?)", grid)
            conn.commit()
        finally:
            conn.close()

    return [atomic_write(dest, write)]


def default_destination(out_dir: Path, fmt: str) -> Path:
    return {"csv": out_dir / "export" / "csv", "xlsx": out_dir / "export" / "disclosure.xlsx",
            "parquet": out_dir / "export" / "cells.parquet", "sqlite": out_dir / "export" / "disclosure.sqlite",
            "review-xlsx": out_dir / "export" / "review"}[fmt]


def export(out_dir: str | os.PathLike, fmt: str, dest: str | os.PathLike | None = None,
           store: ReviewStore | None = None, settings: ExportSettings = ExportSettings()) -> list[Path]:
    """Export every document under ``out_dir`` (corrections applied) in ``fmt``; returns the files written."""
    out = Path(out_dir)
    if fmt not in FORMATS:
        raise ExportError(out, f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    if not out.is_dir():
        raise ExportError(out, "output folder does not exist")
    target = Path(dest) if dest else default_destination(out, fmt)
    single = default_destination(out, fmt)
    if dest and single.suffix and (target.is_dir() or not target.suffix):
        target = target / single.name  # -o names a folder (or has no extension): the usual file name inside
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError as e:
            raise ExportError(target, "parquet export needs pyarrow, which is not installed (pip install pyarrow)") from e
    store = store or ReviewStore.for_output(out)
    docs = apply_corrections(out, store)
    if not docs:
        raise ExportError(out, "no extracted documents (*.json) found")
    if fmt == "review-xlsx":
        from .review.workbook import export_review_workbooks

        return export_review_workbooks(docs, target, store)
    writer = {"csv": export_csv, "xlsx": export_xlsx, "parquet": export_parquet, "sqlite": export_sqlite}[fmt]
    return writer(docs, target, settings)
