"""XLSX round-trip for reviewers working in Excel/WPS.

Export (``disclosure export OUT --format review-xlsx``): one workbook per document, one sheet per table
(title, printed header, body). Flagged cells are filled yellow with their reasons, confidence,
alternatives and broken identities as a comment; reviewed cells are filled green.

Cell identity travels with the cells, so inserting, deleting or sorting rows cannot misapply an edit:
- column A (hidden) of every body row holds the row key, row 1 (hidden) holds the table key (A1) and the
  column keys (B1…); a header row of a table with printed header cells holds ``header:<row>`` there, and its
  cells are keyed by their place and the columns under them (``header:<col>@…``, :mod:`pipeline.review.keys`):
  a corrected header label is imported like any cell (an edit in the blank part of a merged label is reported,
  not applied);
- the very hidden sheet ``_export`` holds, per cell key, the text exported and the correction revision
  at export time (for change and conflict detection), ``_meta`` the document's sha256.

Import (``disclosure import-corrections OUT FILE.xlsx``): every cell whose content differs from what was
exported becomes a correction in the store (source ``xlsx``). A cell corrected differently in the store
since the export is a conflict: reported, not applied. Rows without identity (inserted by the reviewer)
are reported and ignored, and so are formulas typed into cells.

Every text goes in as text (:mod:`pipeline.spreadsheet`): a disclosure's ``=HYPERLINK(…)`` never becomes a
live formula; amounts go in as numbers in their printed format.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from ..headers import is_amount_column
from ..numbers import format_amount, parse_number
from .corrections import LoadedDocument, correction_problem
from .keys import HEADER_COLUMNS, HEADER_KEY, CellAddress, CellKey, header_entry, header_place, label_left_of
from .store import ReviewStore

STATIC = Path(__file__).resolve().parent / "static"
HEADER_MARK = "#header"  # column A of the title and header rows (body rows hold their row key there)
FLAG_FILL = "FFEB84"
REVIEWED_FILL = "C6EFCE"
FIRST_GRID_ROW = 2  # row 1 holds the hidden keys


class WorkbookError(Exception):
    def __init__(self, path: str | Path, message: str):
        super().__init__(f"{path}: {message}")


@lru_cache(maxsize=1)
def reason_labels() -> dict[str, str]:
    with open(STATIC / "reasons.json", encoding="utf-8") as f:
        return json.load(f)


def reason_text(reasons: list[str]) -> str:
    labels = reason_labels()
    return "、".join(labels.get(r, r) for r in reasons)


def _failed_checks_by_cell(doc: LoadedDocument) -> dict[tuple[str, int, int], list]:
    out: dict[tuple[str, int, int], list] = {}
    for check in doc.document.checks:
        if check.ok:
            continue
        for cell in check.cells:
            out.setdefault(tuple(cell), []).append(check)
    return out


def export_review_workbook(doc: LoadedDocument, dest: Path, store: ReviewStore) -> Path:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    from ..fsutil import atomic_write
    from ..spreadsheet import put_cell, put_text, put_value, unique_sheet_title

    wb = Workbook()
    wb.remove(wb.active)
    flag_fill = PatternFill("solid", fgColor=FLAG_FILL)
    reviewed_fill = PatternFill("solid", fgColor=REVIEWED_FILL)
    revisions = {c.key.as_tuple(): c.revision for c in store.corrections(document=doc.machine.sha256)}

    def mark(target, cell, where: list[str]) -> None:
        """A flagged cell yellow with why as a comment (``where`` names it, then its failing identities); a
        reviewed one green."""
        if cell.review:
            target.fill = flag_fill
            lines = [f"需复核：{reason_text(cell.reasons)}", f"置信度：{cell.confidence:.2f}", where[0]]
            if cell.alternatives:
                lines.append("候选：" + "，".join(a.text for a in cell.alternatives))
            target.comment = Comment("\n".join(lines + where[1:]), "disclosure", height=160, width=320)
        elif cell.reviewed:
            target.fill = reviewed_fill

    failed = _failed_checks_by_cell(doc)
    snapshot = []
    for ti, table in enumerate(doc.document.tables):
        ws = wb.create_sheet(unique_sheet_title(wb, f"{ti + 1}-{table.form or table.title or table.id}"))
        keys = doc.keys
        put_text(ws.cell(1, 1), keys.table_keys[ti])
        for ci, ck in enumerate(keys.column_keys[ti]):
            put_text(ws.cell(1, ci + 2), ck)
        ws.row_dimensions[1].hidden = True
        ws.column_dimensions["A"].hidden = True
        put_text(ws.cell(FIRST_GRID_ROW, 1), HEADER_MARK)
        put_text(ws.cell(FIRST_GRID_ROW, 2), table.title)
        ws.cell(FIRST_GRID_ROW, 2).font = Font(bold=True, size=13)
        put_text(ws.cell(FIRST_GRID_ROW, 3), f"{doc.name}  单位：{table.unit}" if table.unit else doc.name)
        r = FIRST_GRID_ROW + 1
        for hr, header_row in enumerate(table.header):
            # a table with its printed header cells: each is a cell of its own (key header:<row>/header:<col>)
            put_text(ws.cell(r, 1), f"{HEADER_KEY}{hr}" if table.header_cells else HEADER_MARK)
            for ci, text in enumerate(header_row):
                target = ws.cell(r, ci + 2)
                put_text(target, text)
                target.font = Font(bold=True)
                entry = header_entry(table, hr, ci)
                if entry is None:
                    continue
                key = keys.key_of(CellAddress(ti, hr, ci, True))
                snapshot.append((*key.as_tuple()[1:], text, revisions.get(key.as_tuple(), 0)))  # as in the sheet
                mark(target, entry.cell, [f"表头：{'·'.join(header_place(table, entry))}"])
            r += 1
        ws.freeze_panes = ws.cell(r, 3)
        for ri, row in enumerate(table.rows):
            row_key = keys.row_keys[ti][ri]
            put_text(ws.cell(r, 1), row_key)
            for ci, cell in enumerate(row.cells):
                label = table.columns[ci] if ci < len(table.columns) else ""
                target = ws.cell(r, ci + 2)
                put_cell(target, cell.text, cell.value, is_amount_column(label))
                if target.data_type == "s":
                    target.number_format = "@"  # typed-in text stays text in Excel/WPS too
                key = CellKey(doc.machine.sha256, keys.table_keys[ti], row_key, keys.column_keys[ti][ci])
                snapshot.append((*key.as_tuple()[1:], cell.text, revisions.get(key.as_tuple(), 0)))
                mark(target, cell, [f"行：{label_left_of(row, table, ci)}  列：{label}"] + [
                    f"勾稽：{check.description or check.rule} 应为 {check.expected} 实为 {check.actual}"
                    for check in failed.get((table.id, ri, ci), [])])
            r += 1
        for ci in range(len(table.columns)):
            ws.column_dimensions[ws.cell(1, ci + 2).column_letter].width = 28 if ci < 2 else 16
    exp = wb.create_sheet("_export")
    for r, line in enumerate([("table_key", "row_key", "column_key", "exported_text", "revision")] + snapshot, 1):
        for c, v in enumerate(line, 1):
            put_value(exp.cell(r, c), v)
    exp.sheet_state = "veryHidden"
    meta = wb.create_sheet("_meta")
    for r, kv in enumerate((("format", "disclosure.review-xlsx/1"), ("document", doc.machine.sha256),
                            ("name", doc.name), ("exported", datetime.now(timezone.utc).isoformat(timespec="seconds"))),
                           1):
        for c, v in enumerate(kv, 1):
            put_text(meta.cell(r, c), v)
    meta.sheet_state = "veryHidden"
    return atomic_write(dest, lambda p: wb.save(p))


def export_review_workbooks(docs: Iterable[LoadedDocument], dest_dir: Path, store: ReviewStore) -> list[Path]:
    from ..output import safe_file_part

    return [export_review_workbook(d, dest_dir / f"{safe_file_part(d.name, 'document')}.review.xlsx", store)
            for d in docs]


# -- import ----------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    document: str = ""
    applied: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    unchanged: int = 0

    def lines(self) -> list[str]:
        out = [f"{self.document}: {len(self.applied)} correction(s) applied, {len(self.conflicts)} conflict(s), "
               f"{len(self.ignored)} ignored, {self.unchanged} cell(s) unchanged"]
        out += [f"  applied: {a}" for a in self.applied]
        out += [f"  CONFLICT: {c}" for c in self.conflicts]
        out += [f"  ignored: {i}" for i in self.ignored]
        return out


def _imported_text(value, exported_text: str) -> str | None:
    """The cell's new text, or None when it still says what was exported."""
    if value is None:
        value = ""
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, (int, float)):
        before = parse_number(exported_text)
        if before.kind == "number" and before.value is not None and abs(before.value - float(value)) < 1e-9:
            return None
        decimals = before.decimals if before.kind == "number" else 2
        return format_amount(float(value), decimals, separators="," in exported_text or before.kind != "number")
    text = str(value).strip()
    return None if text == exported_text.strip() else text


def import_corrections(path: str | Path, store: ReviewStore, reviewer: str = "xlsx") -> ImportReport:
    """Apply the edits made in a review workbook as corrections, matched by cell identity."""
    from openpyxl import load_workbook

    path = Path(path)
    try:
        wb = load_workbook(path)
    except Exception as e:  # openpyxl raises several unrelated types for non-xlsx input
        raise WorkbookError(path, f"cannot read workbook: {e}") from e
    if "_meta" not in wb.sheetnames or "_export" not in wb.sheetnames:
        raise WorkbookError(path, "not a review workbook (hidden _meta/_export sheets missing); "
                                  "export one with --format review-xlsx")
    meta = {r[0]: r[1] for r in wb["_meta"].iter_rows(values_only=True) if r and r[0]}
    sha = str(meta.get("document") or "")
    if not re.fullmatch(r"[0-9a-f]{64}", sha):
        raise WorkbookError(path, "review workbook has no document sha256 in _meta")
    exported = {}
    for r in wb["_export"].iter_rows(min_row=2, values_only=True):
        if r and r[0] is not None:
            exported[(str(r[0]), str(r[1]), str(r[2]))] = ("" if r[3] is None else str(r[3]), int(r[4] or 0))
    report = ImportReport(document=str(meta.get("name") or sha[:12]))
    for ws in wb.worksheets:
        if ws.title.startswith("_"):
            continue
        table_key = ws.cell(1, 1).value
        if not table_key:
            continue
        column_keys = {c: ws.cell(1, c).value for c in range(2, ws.max_column + 1) if ws.cell(1, c).value}
        for r in range(FIRST_GRID_ROW, ws.max_row + 1):
            row_key = ws.cell(r, 1).value
            if row_key == HEADER_MARK:
                continue
            header = isinstance(row_key, str) and row_key.startswith(HEADER_KEY)
            if header:  # a printed header row: its cells are addressed by their place (and the columns under it)
                placed = {k.split(HEADER_COLUMNS)[0]: k for t, rk, k in exported
                          if (t, rk) == (str(table_key), row_key)}
                columns = {c: placed.get(f"{HEADER_KEY}{c - 2}") for c in range(2, ws.max_column + 1)}
                for c in [c for c, k in columns.items() if k is None]:
                    del columns[c]
                    if ws.cell(r, c).value not in (None, ""):
                        report.ignored.append(f"{ws.title}!{ws.cell(r, c).coordinate}: part of a merged header "
                                              "label, not a cell of its own — edit the label where it starts")
            else:
                columns = column_keys
            if not row_key:
                filled = [ws.cell(r, c).coordinate for c in column_keys if ws.cell(r, c).value not in (None, "")]
                if filled:
                    report.ignored.append(f"{ws.title}!{filled[0]}: row without identity (inserted?) — not applied")
                continue
            for c, column_key in columns.items():
                key_t = (str(table_key), str(row_key), str(column_key))
                if key_t not in exported:
                    report.ignored.append(f"{ws.title}!{ws.cell(r, c).coordinate}: unknown cell identity")
                    continue
                exported_text, revision = exported[key_t]
                if ws.cell(r, c).data_type == "f":  # a formula typed by a reviewer is never imported as text
                    report.ignored.append(f"{ws.title}!{ws.cell(r, c).coordinate}: a formula "
                                          f"({str(ws.cell(r, c).value)[:40]}) — type the value instead; not applied")
                    continue
                new_text = _imported_text(ws.cell(r, c).value, exported_text)
                if new_text is None:
                    report.unchanged += 1
                    continue
                key = CellKey(sha, *key_t)
                where = f"{ws.title}!{ws.cell(r, c).coordinate} ({row_key} / {column_key})"
                if problem := correction_problem(str(column_key), new_text):  # amount cells take only amounts
                    report.conflicts.append(f"{where}: {problem}")
                    continue
                current, status = store.record(key, exported_text, new_text, reviewer=reviewer, source="xlsx",
                                               location=where, expected_revision=revision)
                if status == "conflict":
                    report.conflicts.append(f"{where}: workbook says {new_text!r}, store has {current.new_text!r} "
                                            f"(corrected by {current.reviewer} at {current.updated} since the export)")
                elif status == "unchanged":
                    report.unchanged += 1
                else:
                    report.applied.append(f"{where}: {exported_text!r} → {new_text!r}")
    return report

