"""Applying reviewers' corrections to documents, and re-validating.

The extracted JSON under OUT stays the machine reading; corrections from the store are applied whenever a
document is read (review server, exports, ``disclosure extract`` via :func:`apply_to_document`). A
correction that matches no cell any more is marked ``orphaned`` in the store and reported — never dropped.

A corrected cell: text/value from the reviewer, reasons += ["corrected"], review False, confidence 1.0,
original = the machine reading. A confirmed cell (reading accepted as is): reasons += ["confirmed"],
review False, confidence 1.0.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..headers import is_amount_column
from ..model import SCHEMA_ID, Cell, Document
from ..numbers import parse_number
from .keys import CellAddress, CellKey, KeyIndex, machine_text
from .store import STORE_NAME, Correction, ReviewStore


class DocumentLoadError(Exception):
    def __init__(self, path: Path, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path


@dataclass
class ApplyResult:
    applied: list[Correction] = field(default_factory=list)
    orphaned: list[Correction] = field(default_factory=list)
    keys: KeyIndex | None = None

    def addresses(self) -> dict[int, CellAddress]:
        """Correction id → cell address, for the applied ones."""
        out = {}
        for c in self.applied:
            a = self.keys.address_of(c.key.table, c.key.row, c.key.column) if self.keys else None
            if a is not None:
                out[c.id] = a
        return out


def set_cell_text(cell: Cell, text: str, amount_column: bool) -> None:
    parsed = parse_number(text)
    cell.text = text
    cell.kind = parsed.kind
    cell.value = parsed.value if (amount_column and parsed.kind == "number") else None


def apply_correction(cell: Cell, correction: Correction, amount_column: bool) -> None:
    machine = machine_text(cell)
    for reason in ("corrected", "confirmed"):
        if reason in cell.reasons:
            cell.reasons.remove(reason)
    if correction.new_text == machine:
        set_cell_text(cell, machine, amount_column)
        cell.original = None
        cell.add_reason("confirmed")
    else:
        set_cell_text(cell, correction.new_text, amount_column)
        cell.original = machine
        cell.add_reason("corrected")
    mark_reviewed(cell)


def mark_reviewed(cell: Cell) -> None:
    cell.review = False
    cell.confidence = 1.0
    cell.ocr_score = 1.0


def revalidate(doc: Document) -> Document:
    """Re-run the identity checks and the confidence scoring on ``doc`` (in place); the OCR evidence
    travels in the JSON (cell ``ocr``), so a document read back scores as it did when extracted."""
    from ..score import score_document
    from ..validate import validate_document

    result = validate_document(doc)
    if isinstance(result, list):
        doc.checks = result
    score_document(doc)
    # a reviewer's word is final: scoring must not send a reviewed cell back to the queue
    for _table, _ri, _ci, cell in doc.cells():
        if "corrected" in cell.reasons or "confirmed" in cell.reasons:
            mark_reviewed(cell)
    return doc


def apply_to_document(doc: Document, store: "ReviewStore | str | os.PathLike",
                      revalidate_after: bool = True) -> ApplyResult:
    """Apply the store's corrections for ``doc`` (matched by sha256 and cell keys), in place.

    ``store``: a :class:`ReviewStore`, or the output folder (its ``review.sqlite`` is used when it exists;
    with no store there is nothing to apply).

    Corrections that match no cell are marked orphaned in the store (and ones that match again, active).
    Re-validates and re-scores the document when anything was applied.
    """
    keys = KeyIndex.build(doc)
    result = ApplyResult(keys=keys)
    if not isinstance(store, ReviewStore):
        path = Path(store) / STORE_NAME if Path(store).is_dir() else Path(store)
        if not path.exists():
            return result
        store = ReviewStore(path)
    to_orphan, to_activate = [], []
    for correction in store.corrections(document=doc.sha256):
        address = keys.address_of(correction.key.table, correction.key.row, correction.key.column)
        if address is None or address.column >= len(doc.tables[address.table_index].rows[address.row].cells):
            result.orphaned.append(correction)
            if correction.status != "orphaned":
                to_orphan.append(correction.id)
            continue
        table = doc.tables[address.table_index]
        label = table.columns[address.column] if address.column < len(table.columns) else ""
        apply_correction(table.rows[address.row].cells[address.column], correction, is_amount_column(label))
        result.applied.append(correction)
        if correction.status == "orphaned":
            to_activate.append(correction.id)
    store.set_status(to_orphan, "orphaned", "no cell matches this key in the current extraction")
    store.set_status(to_activate, "active", "matches a cell again")
    for c in result.orphaned:
        c.status = "orphaned"
    if result.applied and revalidate_after:
        revalidate(doc)
    return result


# -- documents under OUT ---------------------------------------------------------------------------------


@dataclass
class LoadedDocument:
    id: str  # short id used in URLs (never a path)
    path: Path  # the JSON under OUT
    name: str  # path of the JSON relative to OUT, without ".json"
    source_file: str | None  # the input PDF/image (for page crops)
    machine: Document  # as extracted
    document: Document  # with corrections applied and re-validated
    result: ApplyResult

    @property
    def keys(self) -> KeyIndex:
        return self.result.keys  # type: ignore[return-value]

    def key_of(self, table_index: int, row: int, column: int) -> CellKey:
        return self.keys.key_of(CellAddress(table_index, row, column))


def read_document_json(path: Path) -> tuple[dict, Document]:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise DocumentLoadError(path, f"cannot read document JSON: {e}") from e
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_ID:
        raise DocumentLoadError(path, f"not a {SCHEMA_ID} document")
    try:
        return data, Document.from_dict(data)
    except (KeyError, TypeError, ValueError) as e:
        raise DocumentLoadError(path, f"malformed document: {e}") from e


def document_paths(out_dir: str | os.PathLike) -> list[Path]:
    """Every extracted document JSON under ``out_dir`` (files whose schema is the contract's)."""
    out = Path(out_dir)
    paths = []
    for p in sorted(out.rglob("*.json")):
        if not p.is_file() or any(part.startswith(".") for part in p.relative_to(out).parts):
            continue
        try:
            with open(p, encoding="utf-8") as f:
                head = f.read(200)
        except OSError:
            continue
        if SCHEMA_ID in head:
            paths.append(p)
    return paths


def load_document(out_dir: Path, path: Path, store: ReviewStore, doc_id: str = "") -> LoadedDocument:
    data, machine = read_document_json(path)
    _, document = read_document_json(path)
    result = apply_to_document(document, store)
    rel = path.relative_to(out_dir).as_posix()
    name = rel[:-5] if rel.endswith(".json") else rel
    source_file = (data.get("source") or {}).get("file")
    return LoadedDocument(doc_id or machine.sha256[:12], path, name, source_file, machine, document, result)


def apply_corrections(out_dir: str | os.PathLike, store: ReviewStore | None = None) -> list[LoadedDocument]:
    """Load every document under ``out_dir`` with the store's corrections applied (ids unique per run)."""
    out = Path(out_dir)
    store = store or ReviewStore.for_output(out)
    loaded, used = [], set()
    for path in document_paths(out):
        doc = load_document(out, path, store)
        base, n = doc.id, 2
        while doc.id in used:
            doc.id = f"{base}-{n}"
            n += 1
        used.add(doc.id)
        loaded.append(doc)
    present = {d.machine.sha256 for d in loaded}
    missing = [c for c in store.corrections(status="active") if c.key.document not in present]
    store.set_status([c.id for c in missing], "orphaned", "no document with this sha256 under the output folder")
    return loaded


def orphaned_corrections(store: ReviewStore) -> list[Correction]:
    return store.corrections(status="orphaned")


def orphan_messages(docs: list[LoadedDocument]) -> list[str]:
    lines = []
    for d in docs:
        for c in d.result.orphaned:
            lines.append(f"{d.name}: orphaned correction #{c.id} ({c.key.label()}: {c.old_text!r} → {c.new_text!r}, "
                         f"{c.reviewer}) matches no cell in the current extraction")
    return lines
