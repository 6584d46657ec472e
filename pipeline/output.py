"""Stage 9 — export of one extracted document: the contract JSON and one CSV per table.

Layout under OUT for an input ``<rel>`` (path relative to the folder given on the command line):
``OUT/<rel>.json`` and ``OUT/<rel>.tables/<id>_<form or title>.csv`` (UTF-8 with BOM, so Excel and WPS
open it; printed header rows, then body rows). Everything is written atomically.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from .fsutil import atomic_write_json, atomic_write_text, dir_mode, printable
from .model import Document, Table


def json_path(out_dir: Path, rel: str) -> Path:
    return out_dir / f"{rel}.json"


def tables_dir(out_dir: Path, rel: str) -> Path:
    return out_dir / f"{rel}.tables"


def csv_name(table: Table) -> str:
    label = table.form or table.title or "table"
    label = re.sub(r"[\\/:*?\"<>|\s]+", "_", label)[:40]
    number = table.id[1:] if table.id[1:].isdigit() else ""
    stem = f"t{int(number):02d}" if number else table.id  # t01 … t10 sort in table order
    return f"{stem}_{label}.csv"


def csv_text(rows: list[list], lineterminator: str = "\r\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=lineterminator).writerows(rows)
    return buf.getvalue()


def table_csv(table: Table) -> str:
    """Printed header rows, then body rows; BOM first, so Excel and WPS read UTF-8."""
    return "\ufeff" + csv_text(table.header + [[c.text for c in row.cells] for row in table.rows])


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
            atomic_write_text(staging / csv_name(table), table_csv(table))
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
