"""The long table of 绩效 indicators across documents, beside the other exports.

One line per indicator of every 绩效自评表 under OUT (reviewers' corrections applied): document, authority,
year, project, department, implementer, template, table, 一级/二级/三级 indicator, the target as printed with
its operator, number and unit, the actual value, 分值, 得分, the reason given, the weakest confidence of the
row's cells and whether a reviewer touched any of them — e.g. every missed satisfaction target of every
department in one query.

The rows are gathered while the export streams the documents (:func:`collect_indicators`), then written
next to it (:func:`export_indicators`), only when there are forms:

- ``csv``: ``indicators.csv`` in the export folder (the project's CSV convention, ``output.write_csv``);
- ``xlsx``: ``indicators.xlsx`` beside the workbook (sheet ``绩效指标``; text stored as text);
- ``sqlite``: a table ``indicators`` in the database (one transaction: all of it or none);
- ``parquet``: ``indicators.parquet`` beside the cells file.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Iterable, Iterator

from .fsutil import atomic_write
from .output import write_csv

INDICATOR_SCHEMA = (("document", "text"), ("authority", "text"), ("year", "integer"), ("project", "text"),
                    ("department", "text"), ("implementer", "text"), ("template", "text"), ("table", "text"),
                    ("level1", "text"), ("level2", "text"), ("level3", "text"), ("target", "text"),
                    ("operator", "text"), ("target_number", "real"), ("unit", "text"), ("actual", "text"),
                    ("weight", "real"), ("score", "real"), ("reason", "text"), ("confidence", "real"),
                    ("reviewed", "boolean"))
INDICATOR_FIELDS = tuple(name for name, _ in INDICATOR_SCHEMA)
SHEET = "绩效指标"


def _text(f: Any) -> str:
    return (f or {}).get("text", "") if isinstance(f, dict) else ""


def _value(f: Any) -> float | None:
    return f.get("value") if isinstance(f, dict) else None


def document_indicator_rows(d) -> Iterator[dict[str, Any]]:
    """``d``: a loaded document (``pipeline.review.corrections.LoadedDocument``)."""
    doc = d.document
    for table in doc.tables:
        rec = table.record
        if table.kind != "performance" or not rec or "indicators" not in rec:
            continue
        project = _text(rec.get("project")) or _text(rec.get("department"))
        for ind in rec["indicators"]:
            target = ind.get("target") or {}
            refs = [f["cell"] for f in ind.values() if isinstance(f, dict) and f.get("cell")]
            cells = [table.rows[r].cells[c] for r, c in refs if r < len(table.rows) and c < len(table.rows[r].cells)]
            yield {"document": d.name, "authority": doc.authority, "year": rec.get("year") or doc.year,
                   "project": project, "department": _text(rec.get("department")),
                   "implementer": _text(rec.get("implementer")), "template": table.template or "", "table": table.id,
                   "level1": _text(ind.get("level1")), "level2": _text(ind.get("level2")),
                   "level3": _text(ind.get("level3")), "target": target.get("text", ""),
                   "operator": target.get("operator") or "", "target_number": target.get("number"),
                   "unit": target.get("unit") or "", "actual": _text(ind.get("actual")),
                   "weight": _value(ind.get("weight")), "score": _value(ind.get("score")),
                   "reason": _text(ind.get("reason")),
                   "confidence": round(min((float(c.confidence) for c in cells), default=1.0), 4),
                   "reviewed": any(c.reviewed for c in cells)}


def collect_indicators(docs: Iterable, into: list[dict[str, Any]]) -> Iterator:
    """Pass the documents through, adding their indicator rows to ``into`` (the export streams documents)."""
    for d in docs:
        into.extend(document_indicator_rows(d))
        yield d


def export_indicators(rows: list[dict[str, Any]], fmt: str, target: Path) -> list[Path]:
    """Write the indicator table beside the export ``target`` just written in ``fmt``; the files written."""
    if not rows:
        return []
    target = Path(target)
    if fmt == "csv":
        return [write_csv(target / "indicators.csv",
                          [list(INDICATOR_FIELDS)] + [[r[f] for f in INDICATOR_FIELDS] for r in rows])]
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        from .spreadsheet import put_text, put_value

        def write_xlsx(path: Path) -> None:
            wb = Workbook()
            ws = wb.active
            ws.title = SHEET
            for ci, name in enumerate(INDICATOR_FIELDS, start=1):
                put_text(ws.cell(row=1, column=ci), name)
                ws.cell(row=1, column=ci).font = Font(bold=True)
            for ri, r in enumerate(rows, start=2):
                for ci, name in enumerate(INDICATOR_FIELDS, start=1):
                    put_value(ws.cell(row=ri, column=ci), r[name])
            ws.freeze_panes = "A2"
            wb.save(path)

        return [atomic_write(target.with_name("indicators.xlsx"), write_xlsx)]
    if fmt == "sqlite":
        types = {"text": "TEXT", "integer": "INTEGER", "real": "REAL", "boolean": "INTEGER"}
        columns = ", ".join(f'"{name}" {types[kind]}' for name, kind in INDICATOR_SCHEMA)
        conn = sqlite3.connect(target)
        try:
            with conn:  # one transaction: the table with every row, or nothing
                conn.execute(f"CREATE TABLE indicators ({columns})")
                conn.executemany(f"INSERT INTO indicators VALUES ({','.join('?' * len(INDICATOR_FIELDS))})",
                                 [tuple(r[f] for f in INDICATOR_FIELDS) for r in rows])
        finally:
            conn.close()
        return [target]
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        types = {"text": pa.string(), "integer": pa.int32(), "real": pa.float64(), "boolean": pa.bool_()}
        schema = pa.schema([(name, types[kind]) for name, kind in INDICATOR_SCHEMA])
        table = pa.Table.from_pylist(rows, schema=schema)
        return [atomic_write(target.with_name("indicators.parquet"), lambda p: pq.write_table(table, p))]
    return []
