"""Stage 9 — export of one extracted document: the contract JSON and one CSV per table.

Layout under OUT for an input ``<rel>`` (path relative to the folder given on the command line):
``OUT/<rel>.json`` and ``OUT/<rel>.tables/t<NN>_<form or title>.csv`` (printed header rows, then body rows).
Everything is written atomically.

One CSV convention for every CSV the project writes (``extract`` and ``export``), :func:`write_csv`:
UTF-8 with a BOM (Excel and WPS read UTF-8 only with it), CRLF line ends (RFC 4180), text fields quoted,
numbers bare, and text that a spreadsheet would run as a formula (leading ``=`` ``+`` ``-`` ``@``, tab or
CR) neutralised with a leading ``'`` (the OWASP "CSV injection" convention); amounts such as ``-453.15``
and not-applicable dashes stay as they are.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

from .fsutil import atomic_write, atomic_write_json, dir_mode, printable
from .model import Document, Table


def json_path(out_dir: Path, rel: str) -> Path:
    return out_dir / f"{rel}.json"


def tables_dir(out_dir: Path, rel: str) -> Path:
    return out_dir / f"{rel}.tables"


CSV_BOM = "\ufeff"
CSV_LINE_END = "\r\n"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets may run as a formula
# an amount as printed (sign, thousands separators, decimals, percent) or a not-applicable dash: safe as is
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?|[+-]?\.\d+|-+")


def safe_file_part(name: str, fallback: str = "table") -> str:
    """``name`` usable as (part of) a file name on every platform: separators, reserved characters and
    white space become ``_``."""
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", name).strip("_") or fallback


def csv_name(table: Table) -> str:
    label = safe_file_part(table.form or table.title or "table")[:40]
    number = table.id[1:] if table.id[1:].isdigit() else ""
    stem = f"t{int(number):02d}" if number else table.id  # t01 … t10 sort in table order
    return f"{stem}_{label}.csv"


def csv_safe_text(text: str) -> str:
    """``text`` as it must go into a CSV cell: a leading ``'`` when a spreadsheet would take it for a formula
    (= + - @ tab CR), unless it is a plain amount or a dash."""
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_row(row: list) -> list:
    """One row as it goes into a CSV: text neutralised, None blank, numbers as they are."""
    return ["" if v is None else csv_safe_text(v) if isinstance(v, str) else v for v in row]


def write_csv(path: str | os.PathLike, rows: Iterable[list]) -> Path:
    """Write ``rows`` (any iterable: it is streamed) atomically under the project's CSV convention: BOM,
    CRLF, text quoted and neutralised, numbers bare (see the module docstring)."""
    def write(tmp: Path) -> None:
        # a lone surrogate (non-UTF-8 file name read with surrogateescape) is written as \xNN, never a crash
        with open(tmp, "w", encoding="utf-8", errors="backslashreplace", newline="") as f:
            f.write(CSV_BOM)
            writer = csv.writer(f, lineterminator=CSV_LINE_END, quoting=csv.QUOTE_NONNUMERIC)
            for row in rows:
                writer.writerow(csv_row(row))

    return atomic_write(path, write)


def table_rows(table: Table) -> list[list[str]]:
    """The printed grid: header rows, then body rows (cell text)."""
    return [list(r) for r in table.header] + [row.texts() for row in table.rows]


def document_dict(doc: Document, source_file: Path | None = None, out_dir: Path | None = None) -> dict:
    d = doc.to_dict()
    if source_file is not None:
        # a name that is not UTF-8 shows as \xNN (the JSON stays valid UTF-8)
        d["source"]["file"] = printable(source_file.resolve())
        if out_dir is not None:  # found again by the review app when OUT and the inputs move together
            d["source"]["file_relative"] = printable(
                Path(os.path.relpath(source_file.resolve(), out_dir.resolve())).as_posix())
    return d


def write_document(doc: Document, out_dir: Path, rel: str, source_file: Path | None = None) -> Path:
    """Write ``OUT/<rel>.json`` and its CSVs. The CSV folder is built beside the old one and swapped in,
    so a crash leaves either the old or the new set, never a mixture."""
    tdir = tables_dir(out_dir, rel)
    tdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{tdir.name}.", dir=tdir.parent))
    try:
        os.chmod(staging, dir_mode())  # mkdtemp makes it private; the published folder follows the umask
        for table in doc.tables:
            write_csv(staging / csv_name(table), table_rows(table))
        old = tdir.with_name(tdir.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if tdir.exists():
            os.replace(tdir, old)
        os.replace(staging, tdir)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return atomic_write_json(json_path(out_dir, rel), document_dict(doc, source_file, out_dir))


def read_output_json(path: Path) -> dict | None:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
