"""Writing cells into XLSX workbooks (openpyxl) safely, for every workbook the project writes.

- Text is always stored as text: openpyxl would otherwise turn ``=1+2`` or ``=HYPERLINK(…)`` read from a
  disclosure into a live formula and ``#N/A`` into an error value. Text a spreadsheet would take for a
  formula when edited (leading ``=`` ``+`` ``-`` ``@``, tab, CR) also gets Excel's quote prefix, and
  characters XML cannot hold (control characters from a damaged text layer) become U+FFFD.
- Amounts are stored as numbers, with the printed form as the number format (``#,##0.00`` for
  ``35,337.11``, ``0.0`` for ``12.5``, ``#,##0.00;(#,##0.00)`` for ``(453.15)``, ``0.00"%"`` for ``12.50%``),
  so sums work and the cell still reads as printed.
"""
from __future__ import annotations

import re

from .numbers import parse_number
from .output import FORMULA_START

# what XML 1.0 cannot hold (openpyxl refuses it with IllegalCharacterError), and lone surrogates (a non-UTF-8
# file name read with surrogateescape), which no encoder can write
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def number_format(text: str) -> str:
    """The Excel number format that shows a value the way ``text`` printed it (``General`` when ``text``
    is not an amount)."""
    p = parse_number(text)
    if p.kind != "number":
        return "General"
    squeezed = re.sub(r"\s+", "", text)
    body = "#,##0" if "," in squeezed else "0"
    if p.decimals:
        body += "." + "0" * p.decimals
    if p.percent:
        body += '"%"'
    if squeezed.startswith("(") and squeezed.endswith(")"):
        return f"{body};({body})"
    return body


def put_text(cell, text: str | None) -> None:
    """Store ``text`` in an openpyxl cell as a string, never as a formula or an error value (blank when empty)."""
    text = _ILLEGAL_XML.sub("\ufffd", text or "")
    if not text:
        cell.value = None  # a blank cell, not an empty string
        return
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True


def put_number(cell, value: float, text: str = "") -> None:
    """Store an amount as a number; ``text`` (the printed reading) gives the number format."""
    cell.value = float(value)
    cell.number_format = number_format(text) if text else "General"


def put_value(cell, value) -> None:
    """Store a plain value by its Python type: str as text (see :func:`put_text`), None as blank, bool,
    int and float as they are."""
    if value is None:
        cell.value = None
    elif isinstance(value, str):
        put_text(cell, value)
    elif isinstance(value, (bool, int, float)):
        cell.value = value
    else:
        put_text(cell, str(value))


def put_cell(cell, text: str, value: float | None, amount: bool) -> None:
    """A table cell: a number when it is an amount with a value, else its text."""
    if amount and value is not None and parse_number(text).kind == "number":
        put_number(cell, value, text)
    else:
        put_text(cell, text)


SHEET_TITLE_LIMIT = 31  # Excel's limit on sheet names


def unique_sheet_title(wb, title: str, limit: int = SHEET_TITLE_LIMIT) -> str:
    """``title`` made a valid sheet name (no []:*?/\\, at most ``limit`` characters), unique in ``wb``."""
    base = re.sub(r"[\[\]:*?/\\]", "_", title)[:limit] or "表"
    name, n = base, 2
    while name in wb.sheetnames:
        suffix = f"~{n}"
        name, n = base[: limit - len(suffix)] + suffix, n + 1
    return name
