"""Stable identities of tables, rows and columns, so a correction survives re-extraction.

A cell is addressed by (document sha256, table key, row key, column key):

- table key: the printed form (公开05表), else the template id, else the normalised title, with the
  occurrence index among the document's tables sharing it (``公开05表#0``);
- row key: the row's classification code, else its normalised label (first non-empty text in a
  non-amount column), with the occurrence index among rows sharing it (``code:2010601#0``, ``label:合计#0``);
- column key: the normalised flat column label with its occurrence index among columns of the same label
  (``基本支出#0``); the column's position is kept alongside for display only.

A printed header cell (``Table.header_cells``, reviewed when the pipeline flags it: a misread label, a label cut
by a stray rule, a 栏次 number off its run) is addressed by its place in the header grid and the keys of the body
columns under it: row key ``header:<row>``, column key ``header:<col>@<column key>|<column key>…``
(``header:7@对附属单位补助#0``). Its text is what may be wrong, so it cannot name the cell, and its place alone
names another cell after a re-extraction that shifted the columns (several 合计 cells, 栏次 numbers). A correction
of a header cell applies only where the header cell at that place stands over the same body columns and reads
as the reviewer saw it (or as the reviewer corrected it) — otherwise the correction is orphaned, never applied to
another cell (:func:`pipeline.review.corrections.apply_to_document`). A key without ``@`` (stored before the
columns were part of it) is matched by place and text only.

Keys are computed from the machine reading: a cell already corrected contributes its ``original`` text,
so correcting a code or a label does not move the row's key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from ..catalogue import CODE_DIGITS
from ..headers import is_amount_column
from ..model import Cell, Document, HeaderEntry, Row, Table
from ..numbers import parse_number
from ..textnorm import compare_key



@dataclass(frozen=True)
class CellKey:
    document: str  # sha256 of the source
    table: str
    row: str
    column: str

    def as_tuple(self) -> tuple[str, str, str, str]:
        return (self.document, self.table, self.row, self.column)

    def label(self) -> str:
        return f"{self.table} / {self.row} / {self.column}"


@dataclass(frozen=True)
class CellAddress:
    table_index: int
    row: int  # body row index, or the header row of a header cell
    column: int  # body column index, or the header column of a header cell
    header: bool = False  # a printed header cell (``Table.header_cells``) at (row, column) of the header grid


HEADER_KEY = "header:"
HEADER_COLUMNS = "@"  # in a header cell's column key: the keys of the body columns under it follow


def header_column_key(entry: HeaderEntry, column_keys: list[str]) -> str:
    """A header cell's column key: its column in the header grid and the keys of the body columns under it."""
    under = column_keys[entry.col:entry.col + max(1, entry.colspan)]
    return f"{HEADER_KEY}{entry.col}{HEADER_COLUMNS}{'|'.join(under)}" if under else f"{HEADER_KEY}{entry.col}"


def same_header_cell(stored: str, current: str) -> bool:
    """Whether a correction's header column key ``stored`` names the header cell whose key is ``current``: the
    same key, or (a key stored before the body columns were part of it) the same place."""
    return stored == current or (HEADER_COLUMNS not in stored and stored == current.split(HEADER_COLUMNS)[0])


def header_entry(table: Table, row: int, column: int) -> HeaderEntry | None:
    """The printed header cell of ``table`` at (row, column) of its header grid."""
    return next((h for h in table.header_cells if h.row == row and h.col == column), None)


def cell_at(doc: Document, address: CellAddress) -> Cell | None:
    """The body or header cell at ``address``, or None when ``doc`` has none there."""
    if not 0 <= address.table_index < len(doc.tables) or min(address.row, address.column) < 0:
        return None
    table = doc.tables[address.table_index]
    if address.header:
        entry = header_entry(table, address.row, address.column)
        return entry.cell if entry is not None else None
    if address.row >= len(table.rows) or address.column >= len(table.rows[address.row].cells):
        return None
    return table.rows[address.row].cells[address.column]


def header_place(table: Table, entry: HeaderEntry) -> tuple[str, str]:
    """A header cell named for a reviewer (its text may be what is wrong): its header row and its columns."""
    last = entry.col + max(1, entry.colspan)
    return f"表头第 {entry.row + 1} 行", f"第 {entry.col + 1} 列" if last == entry.col + 1 else \
        f"第 {entry.col + 1}–{last} 列"


def review_cells(doc: Document) -> Iterator[tuple[CellAddress, Table, Cell]]:
    """Every cell a reviewer may be shown: the body cells, then each table's printed header cells."""
    index = {id(t): i for i, t in enumerate(doc.tables)}
    for table, ri, ci, cell in doc.cells():
        yield CellAddress(index[id(table)], ri, ci), table, cell
    for ti, table in enumerate(doc.tables):
        for h in table.header_cells:
            yield CellAddress(ti, h.row, h.col, True), table, h.cell


def machine_text(cell: Cell) -> str:
    """The cell as the machine read it (before a reviewer's correction)."""
    if cell.original is not None and cell.reviewed:
        return cell.original
    return cell.text


def table_base_key(table: Table) -> str:
    if table.form:
        return compare_key(table.form)
    if table.template:
        return f"template:{table.template}"
    return f"title:{compare_key(table.title)}" if table.title else f"id:{table.id}"


def table_keys(doc: Document) -> list[str]:
    seen: dict[str, int] = {}
    keys = []
    for table in doc.tables:
        base = table_base_key(table)
        n = seen.get(base, 0)
        seen[base] = n + 1
        keys.append(f"{base}#{n}")
    return keys


def _printed_code(row: Row, table: Table) -> str:
    """Digits of the code columns joined (类/款/项 split over columns, or one 编码 column)."""
    from ..headers import is_code_column

    parts = []
    for ci, label in enumerate(table.columns):
        if ci < len(row.cells) and is_code_column(label):
            parts.append(re.sub(r"\s+", "", machine_text(row.cells[ci])))
    joined = "".join(parts)
    return joined if CODE_DIGITS.match(joined) else ""


def row_code(row: Row, table: Table) -> str:
    if row.codes:
        return row.codes[0].code
    return _printed_code(row, table)


def row_label(row: Row, table: Table) -> str:
    """The row's name: first non-empty text of a non-amount, non-code column (machine reading)."""
    from ..headers import is_code_column

    if table.kind == "performance":  # a form has no column labels: its row is named by its first text
        return next((t for t in (machine_text(c).strip() for c in row.cells)
                     if t and parse_number(t).kind == "text"), "")
    fallback = ""
    for ci, cell in enumerate(row.cells):
        label = table.columns[ci] if ci < len(table.columns) else ""
        text = machine_text(cell).strip()
        if not text or is_amount_column(label):
            continue
        if is_code_column(label) and CODE_DIGITS.match(re.sub(r"\s+", "", text)):
            fallback = fallback or text
            continue
        return text
    return fallback


def row_name(row: Row, table: Table) -> str:
    """The row's name as currently shown (after corrections) — for exports and display."""
    if row.codes and row.codes[0].name:
        return row.codes[0].name
    from ..headers import is_code_column

    for ci, cell in enumerate(row.cells):
        label = table.columns[ci] if ci < len(table.columns) else ""
        if cell.text.strip() and not is_amount_column(label) and not is_code_column(label):
            return cell.text.strip()
    return ""


def label_left_of(row: Row, table: Table, column: int) -> str:
    """The nearest label to the left of ``column`` (for side-by-side tables such as 收入|支出); a 合计 row
    whose label sits in the (merged) code columns gives that label."""
    from ..headers import is_code_column

    if table.kind == "performance":  # a form row is named by its first text (三级指标, 财政拨款 …)
        return next((t for t in (c.text.strip() for c in row.cells) if t and parse_number(t).kind == "text"), "")
    for ci in range(min(column, len(row.cells)) - 1, -1, -1):
        label = table.columns[ci] if ci < len(table.columns) else ""
        text = row.cells[ci].text.strip()
        if text and not is_amount_column(label) and not is_code_column(label) and not text.isdigit():
            return text
    name = row_name(row, table)
    if name:
        return name
    for ci in range(min(column, len(row.cells))):
        label = table.columns[ci] if ci < len(table.columns) else ""
        text = row.cells[ci].text.strip()
        if text and not is_amount_column(label) and not CODE_DIGITS.match(re.sub(r"\s+", "", text)):
            return text
    return ""


def column_label(table: Table, row: int, column: int) -> str:
    """The column's label for display; a form has none, so its cell is named by the text of the nearest
    header row above it (a row without numbers): 得分 for an indicator's score."""
    label = table.columns[column] if column < len(table.columns) else ""
    if label or table.kind != "performance":
        return label
    for r in table.rows[row - 1::-1] if row > 0 else []:
        texts = [c.text.strip() for c in r.cells if c.text.strip()]
        if column < len(r.cells) and r.cells[column].text.strip() and all(
                parse_number(t).kind == "text" for t in texts):
            return r.cells[column].text.strip()
    return ""


def row_keys(table: Table) -> list[str]:
    seen: dict[str, int] = {}
    keys = []
    for ri, row in enumerate(table.rows):
        code = row_code(row, table)
        base = f"code:{code}" if code else f"label:{compare_key(row_label(row, table))}"
        if base == "label:":
            base = "blank"
        n = seen.get(base, 0)
        seen[base] = n + 1
        keys.append(f"{base}#{n}")
    return keys


def column_keys(table: Table) -> list[str]:
    seen: dict[str, int] = {}
    keys = []
    for ci in range(max(len(table.columns), max((len(r.cells) for r in table.rows), default=0))):
        label = compare_key(table.columns[ci]) if ci < len(table.columns) else ""
        base = label or f"col{ci}"
        n = seen.get(base, 0)
        seen[base] = n + 1
        keys.append(f"{base}#{n}")
    return keys


@dataclass
class KeyIndex:
    """Both directions between cell addresses and cell keys for one document (machine reading)."""

    document: str
    table_keys: list[str]
    row_keys: list[list[str]]
    column_keys: list[list[str]]
    header_keys: list[dict[tuple[int, int], str]]  # per table: (header row, header column) → column key

    @classmethod
    def build(cls, doc: Document) -> "KeyIndex":
        columns = [column_keys(t) for t in doc.tables]
        return cls(doc.sha256, table_keys(doc), [row_keys(t) for t in doc.tables], columns,
                   [{(h.row, h.col): header_column_key(h, keys) for h in t.header_cells}
                    for t, keys in zip(doc.tables, columns)])

    def key_of(self, address: CellAddress) -> CellKey:
        t = address.table_index
        if address.header:
            return CellKey(self.document, self.table_keys[t], f"{HEADER_KEY}{address.row}",
                           self.header_keys[t].get((address.row, address.column), f"{HEADER_KEY}{address.column}"))
        return CellKey(self.document, self.table_keys[t], self.row_keys[t][address.row],
                       self.column_keys[t][address.column])

    def address_of(self, table: str, row: str, column: str) -> CellAddress | None:
        """The address of a cell key (a header cell's only when its grid place is well formed; whether the
        table has a header cell there is :func:`cell_at`'s to say)."""
        try:
            t = self.table_keys.index(table)
            if row.startswith(HEADER_KEY):
                r = row[len(HEADER_KEY):]
                c = column[len(HEADER_KEY):].split(HEADER_COLUMNS)[0] if column.startswith(HEADER_KEY) else ""
                return CellAddress(t, int(r), int(c), True) if r.isdigit() and c.isdigit() else None
            r = self.row_keys[t].index(row)
            c = self.column_keys[t].index(column)
        except ValueError:
            return None
        return CellAddress(t, r, c)
