"""Exports of the results under OUT with reviewers' corrections applied.

- printed grids per table (header rows + body rows, text as printed/corrected; amounts as numbers in xlsx);
- a long format for analysts: one line per body cell — see :data:`LONG_FIELDS`. ``code``/``name`` come from
  the cell's own label block (the 收入 side of 公开01表 is named by its 收入 label, the 支出 side by its
  支出 label and code); ``review``/``reasons``/``original``/``reviewed``/``confidence`` let analysts keep
  or drop what a person should look at.

Formats: ``csv`` (a folder: long.csv + ``<document>.tables/t<NN>_<form>.csv`` per table, the same names and
CSV convention as ``extract`` writes, :func:`pipeline.output.write_csv`), ``xlsx`` (one workbook: 长表 + a
grid sheet per table), ``parquet`` (long format; needs pyarrow), ``sqlite`` (documents, tables, cells,
grid). Every file is written atomically (temporary file + os.replace).
"""
from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .catalogue import CODE_DIGITS
from .fsutil import atomic_write, printable
from .headers import is_amount_column, is_code_column
from .model import Row, Table
from .output import csv_name, table_rows, write_csv
from .review.corrections import LoadedDocument, LoadError, iter_documents, orphan_messages
from .review.store import ReviewStore

FORMATS = ("csv", "xlsx", "parquet", "sqlite", "review-xlsx")
# the long format, in order: (field, type) — the one definition behind every long export
LONG_SCHEMA = (
    ("document", "text"),    # path of the document's JSON under OUT, without .json
    ("authority", "text"),
    ("year", "integer"),
    ("kind", "text"),        # 部门决算 | 部门预算 | 单位预算 | 单位决算 | ""
    ("table", "text"),       # table id in the document (t1, t2, …)
    ("form", "text"),        # 公开01表 …
    ("title", "text"),
    ("unit", "text"),        # 万元 | 元
    ("page", "integer"),     # page of the row (1-based)
    ("row", "integer"),      # body row index in the table (0-based)
    ("col", "integer"),      # column index in the table (0-based): column labels repeat in 公开06表
    ("code", "text"),        # classification code of the cell's label block
    ("name", "text"),        # row name in the cell's label block
    ("column", "text"),      # flat column label
    ("value", "real"),       # the amount (None for text cells, blanks and dashes)
    ("text", "text"),        # as printed (or as corrected)
    ("confidence", "real"),  # probability the text is exact (1.0 once reviewed)
    ("review", "boolean"),   # a person should look at it
    ("reasons", "text"),     # why, ";"-separated (seal;low_ocr;…)
    ("original", "text"),    # the machine reading when the text was repaired or corrected, else ""
    ("reviewed", "boolean"),  # corrected or confirmed by a reviewer
)
LONG_FIELDS = tuple(name for name, _ in LONG_SCHEMA)
REASON_SEPARATOR = ";"


class ExportError(Exception):
    def __init__(self, path: str | os.PathLike, message: str):
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True)
class ExportSettings:
    sheet_name_limit: int = 31  # Excel's limit
    sheet_row_limit: int = 1_048_576  # Excel's rows per sheet (header included)


def column_label(table: Table, column: int) -> str:
    return table.columns[column] if column < len(table.columns) else f"列{column + 1}"


def label_blocks(table: Table) -> list[range]:
    """The table's label blocks: column ranges that each start with their own label (code/name) columns
    and end with their amounts — one block for most tables, two for 收入|支出 总表 (公开01/04表), three or
    four for 公开06表."""
    width = max([len(table.columns)] + [len(r.cells) for r in table.rows])
    starts = [0] + [ci for ci in range(1, width)
                    if not is_amount_column(column_label(table, ci)) and is_amount_column(column_label(table, ci - 1))]
    return [range(a, b) for a, b in zip(starts, starts[1:] + [width])]


def cell_code(row: Row, table: Table, column: int, blocks: list[range] | None = None) -> tuple[str, str]:
    """The code and name labelling one cell, from the cell's own label block: in a two-sided 总表 the
    收入 cells are named by the 收入 label and carry no expenditure code; each 公开06表 block keeps its own
    economic code."""
    block = next((b for b in (blocks or label_blocks(table)) if column in b), range(column, column + 1))
    match = next((m for m in row.codes if m.column in block), None)
    code, name = (match.code, match.name) if match else ("", "")
    if not code:
        digits = "".join(re.sub(r"\s+", "", row.cells[ci].text) for ci in block
                         if ci < len(row.cells) and is_code_column(column_label(table, ci)))
        code = digits if CODE_DIGITS.match(digits) else ""
    if not name:
        for ci in block:
            label = column_label(table, ci)
            text = row.cells[ci].text.strip() if ci < len(row.cells) else ""
            if text and not is_amount_column(label) and not is_code_column(label) and not text.isdigit():
                name = text
                break
    return code, name


def document_long_rows(d: LoadedDocument) -> Iterator[dict]:
    """The long format of one document: one dict per body cell (keys :data:`LONG_FIELDS`)."""
    doc = d.document
    document = printable(d.name)
    for table in doc.tables:
        blocks = label_blocks(table)
        for ri, row in enumerate(table.rows):
            for ci, cell in enumerate(row.cells):
                code, name = cell_code(row, table, ci, blocks)
                yield {
                    "document": document, "authority": doc.authority, "year": doc.year, "kind": doc.kind,
                    "table": table.id, "form": table.form, "title": table.title, "unit": table.unit,
                    "page": row.page, "row": ri, "col": ci, "code": code, "name": name,
                    "column": column_label(table, ci), "value": cell.value, "text": cell.text,
                    "confidence": round(float(cell.confidence), 4), "review": bool(cell.review),
                    "reasons": REASON_SEPARATOR.join(cell.reasons), "original": cell.original or "",
                    "reviewed": cell.reviewed,
                }


def long_rows(docs: Iterable[LoadedDocument]) -> list[dict]:
    return [r for d in docs for r in document_long_rows(d)]


def export_csv(docs: Iterable[LoadedDocument], dest: Path, settings: ExportSettings) -> list[Path]:
    """``dest/long.csv`` and, per document, ``dest/<document>.tables/t<NN>_<form>.csv`` (as extract names them)."""
    grids: list[Path] = []

    def rows() -> Iterator[list]:
        yield list(LONG_FIELDS)
        for d in docs:
            for table in d.document.tables:
                grids.append(write_csv(dest / f"{d.name}.tables" / csv_name(table), table_rows(table)))
            for r in document_long_rows(d):
                yield [r[f] for f in LONG_FIELDS]

    return [write_csv(dest / "long.csv", rows())] + grids


def export_xlsx(docs: Iterable[LoadedDocument], dest: Path, settings: ExportSettings) -> list[Path]:
    """One workbook: 长表 (the long format: amounts as numbers in their printed format, text as text; continued
    in 长表2, 长表3 … past Excel's row limit) and one sheet per table (the printed grid; amounts as numbers).
    Written in openpyxl's write-only mode, so memory does not grow with the number of documents."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from .spreadsheet import put_cell, put_number, put_text, put_value, unique_sheet_title

    bold = Font(bold=True)

    def text(ws, value: str, font=None) -> WriteOnlyCell:
        c = WriteOnlyCell(ws)
        put_text(c, value)
        if font is not None:
            c.font = font
        return c

    def write(path: Path) -> None:
        wb = Workbook(write_only=True)
        long_sheets: list = []

        def long_sheet():
            ws = wb.create_sheet("长表" if not long_sheets else f"长表{len(long_sheets) + 1}", len(long_sheets))
            ws.freeze_panes = "A2"
            ws.append([text(ws, name, bold) for name in LONG_FIELDS])
            long_sheets.append([ws, 1])
            return long_sheets[-1]

        current = long_sheet()
        for di, d in enumerate(docs):
            for r in document_long_rows(d):
                if current[1] >= settings.sheet_row_limit:
                    current = long_sheet()
                ws = current[0]
                cells = []
                for name in LONG_FIELDS:
                    c = WriteOnlyCell(ws)
                    if name == "value":
                        if r["value"] is not None:  # the amount, in the format it was printed in
                            put_number(c, r["value"], r["text"])
                    else:
                        put_value(c, r[name])
                    cells.append(c)
                ws.append(cells)
                current[1] += 1
            for table in d.document.tables:  # one grid sheet per table, named <document number>-<form>
                sheet = wb.create_sheet(unique_sheet_title(wb, f"{di + 1}-{table.form or table.title or table.id}",
                                                      settings.sheet_name_limit))
                sheet.append([text(sheet, table.title, bold), text(sheet, ""), text(sheet, d.name),
                              text(sheet, f"单位：{table.unit}" if table.unit else "")])
                for header_row in table.header:
                    sheet.append([text(sheet, t, bold) for t in header_row])
                width = max([len(table.columns)] + [len(row.cells) for row in table.rows])
                amount = [is_amount_column(column_label(table, ci)) for ci in range(width)]
                for row in table.rows:
                    cells = []
                    for ci, cell in enumerate(row.cells):
                        c = WriteOnlyCell(sheet)
                        put_cell(c, cell.text, cell.value, amount[ci])
                        cells.append(c)
                    sheet.append(cells)
        for ws, rows in long_sheets:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(LONG_FIELDS))}{rows}"
        wb.save(path)

    return [atomic_write(dest, write)]


def export_parquet(docs: Iterable[LoadedDocument], dest: Path, settings: ExportSettings) -> list[Path]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as e:
        raise ExportError(dest, "parquet export needs pyarrow, which is not installed (pip install pyarrow)") from e
    types = {"text": pa.string(), "integer": pa.int32(), "real": pa.float64(), "boolean": pa.bool_()}
    schema = pa.schema([(name, types[kind]) for name, kind in LONG_SCHEMA])

    def write(path: Path) -> None:
        with pq.ParquetWriter(path, schema) as writer:  # one row group per document
            for d in docs:
                writer.write_table(pa.Table.from_pylist(list(document_long_rows(d)), schema=schema))

    return [atomic_write(dest, write)]


def export_sqlite(docs: Iterable[LoadedDocument], dest: Path, settings: ExportSettings) -> list[Path]:
    types = {"text": "TEXT", "integer": "INTEGER", "real": "REAL", "boolean": "INTEGER"}
    cell_columns = ", ".join(f'"{name}" {types[kind]}' for name, kind in LONG_SCHEMA)

    def write(path: Path) -> None:
        conn = sqlite3.connect(path)
        try:
            conn.executescript(f"""
                CREATE TABLE documents (document TEXT PRIMARY KEY, sha256 TEXT, authority TEXT, year INTEGER,
                                        kind TEXT, source TEXT);
                CREATE TABLE tables (document TEXT, table_index INTEGER, table_id TEXT, form TEXT, title TEXT,
                                     unit TEXT, pages TEXT, PRIMARY KEY (document, table_index));
                CREATE TABLE cells ({cell_columns});
                CREATE TABLE grid (document TEXT, table_index INTEGER, grid_row INTEGER, grid_column INTEGER,
                                   header INTEGER, text TEXT);
            """)
            for d in docs:
                doc, name = d.document, printable(d.name)
                conn.execute("INSERT INTO documents VALUES (?,?,?,?,?,?)",
                             (name, doc.sha256, doc.authority, doc.year, doc.kind,
                              printable(doc.source_path)))
                for ti, t in enumerate(doc.tables):
                    conn.execute("INSERT INTO tables VALUES (?,?,?,?,?,?,?)",
                                 (name, ti, t.id, t.form, t.title, t.unit, ",".join(map(str, t.pages))))
                    conn.executemany("INSERT INTO grid VALUES (?,?,?,?,?,?)",
                                     [(name, ti, gr, gc, int(gr < len(t.header)), text)
                                      for gr, row in enumerate(table_rows(t)) for gc, text in enumerate(row)])
                conn.executemany(f"INSERT INTO cells VALUES ({','.join('?' * len(LONG_FIELDS))})",
                                 [tuple(r[f] for f in LONG_FIELDS) for r in document_long_rows(d)])
            conn.execute("CREATE INDEX cells_code ON cells (code)")
            conn.commit()
        finally:
            conn.close()

    return [atomic_write(dest, write)]


def default_destination(out_dir: Path, fmt: str) -> Path:
    return {"csv": out_dir / "export" / "csv", "xlsx": out_dir / "export" / "disclosure.xlsx",
            "parquet": out_dir / "export" / "cells.parquet", "sqlite": out_dir / "export" / "disclosure.sqlite",
            "review-xlsx": out_dir / "export" / "review"}[fmt]


@dataclass
class ExportResult:
    written: list[Path] = field(default_factory=list)
    documents: int = 0
    errors: list[LoadError] = field(default_factory=list)  # files under OUT that could not be read: skipped
    orphaned: list[str] = field(default_factory=list)  # corrections that match no cell any more


def export(out_dir: str | os.PathLike, fmt: str, dest: str | os.PathLike | None = None,
           store: ReviewStore | None = None, settings: ExportSettings = ExportSettings()) -> ExportResult:
    """Export every document under ``out_dir`` (corrections applied) in ``fmt``, one document at a time.

    A file under ``out_dir`` that cannot be read as a document is skipped and listed in the result's
    ``errors``; the export goes on with the others. Raises :class:`ExportError` when nothing can be
    exported (no readable document, unknown format, pyarrow missing)."""
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
    result = ExportResult()

    def documents() -> Iterator[LoadedDocument]:
        for d in iter_documents(out, store, result.errors):
            result.documents += 1
            result.orphaned += orphan_messages([d])
            yield d
        if not result.documents:
            unread = "; ".join(f"{e.name}: {e.message}" for e in result.errors[:3])
            raise ExportError(out, "no readable extracted documents (*.json) found" + (
                f" ({len(result.errors)} file(s) could not be read: {unread}{' …' if len(result.errors) > 3 else ''})"
                if result.errors else ""))

    if fmt == "review-xlsx":
        from .review.workbook import export_review_workbooks

        result.written = export_review_workbooks(documents(), target, store)
    else:
        from .performance_export import collect_indicators, export_indicators

        indicators: list[dict] = []  # the 绩效 indicators' long table, gathered while the documents stream by
        writer = {"csv": export_csv, "xlsx": export_xlsx, "parquet": export_parquet, "sqlite": export_sqlite}[fmt]
        result.written = writer(collect_indicators(documents(), indicators), target, settings)
        result.written += export_indicators(indicators, fmt, target)
    return result
