"""Applying reviewers' corrections to documents, and re-validating.

The extracted JSON under OUT stays the machine reading; corrections from the store are applied whenever a
document is read (review server, exports, ``disclosure extract`` via :func:`apply_to_document`). A
correction that matches no cell any more is marked ``orphaned`` in the store and reported — never dropped.

Flagged printed header cells are corrected the same way (keys in :mod:`pipeline.review.keys`): the header
grid and the flat column labels under the cell take the corrected text, so exports show it.

A corrected cell: text/value from the reviewer, reasons += ["corrected"], review False, confidence 1.0,
original = the machine reading. A confirmed cell (reading accepted as is): reasons += ["confirmed"],
review False, confidence 1.0. A withdrawn (undone) correction is not applied: the cell is the machine
reading again.

An identity a reviewer marked as a source error (the printed document does not add up) no longer sends
its cells to review: they carry ``source_error`` instead of ``check_failed`` and are scored as if that
identity were not there. The check itself stays failing in ``checks``.

Amount cells take only amounts: :func:`correction_problem` is the one rule, used by the review server and
by ``import-corrections``.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

from ..headers import is_amount_column
from ..model import REVIEWED_REASONS, SCHEMA_ID, Cell, Check, Document, HeaderEntry, Table
from ..numbers import parse_number
from ..textnorm import clean_cell_text
from .keys import (HEADER_KEY, CellAddress, CellKey, KeyIndex, cell_at, header_entry, machine_text, review_cells,
                   same_header_cell)
from .store import STORE_NAME, Correction, Decision, ReviewStore

AMOUNT_HELP = "金额单元格只能填写金额（如 1,503.52、-453.15），不适用填“——”，空白则清空后保存"


def amount_problem(text: str) -> str | None:
    """None when ``text`` is an amount, a not-applicable mark (——) or blank; else why not (Chinese)."""
    parsed = parse_number(text)
    if parsed.kind in ("empty", "na") or (parsed.kind == "number" and parsed.well_formed):
        return None
    if parsed.kind == "number":
        return f"「{text.strip()}」的千分位分隔符位置不对：{AMOUNT_HELP}"
    return f"「{text.strip()}」不是金额：{AMOUNT_HELP}"


def correction_problem(column: str, text: str) -> str | None:
    """Why ``text`` cannot be the new content of a cell of ``column`` (its flat label, or its column key
    such as ``基本支出#0``), or None. Amount columns take only amounts; a printed header cell (column key
    ``header:<col>``) any text."""
    if column.startswith(HEADER_KEY):
        return None
    label = column.rsplit("#", 1)[0] if "#" in column else column
    return amount_problem(text) if is_amount_column(label) else None


class DocumentLoadError(Exception):
    def __init__(self, path: Path, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path


@dataclass
class ApplyResult:
    applied: list[Correction] = field(default_factory=list)
    orphaned: list[Correction] = field(default_factory=list)
    keys: KeyIndex | None = None
    decisions: dict[str, Decision] = field(default_factory=dict)  # check key → active source-error mark

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
    for reason in REVIEWED_REASONS:
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


def relabel_header(table: Table, entry: HeaderEntry, old: str, new: str, labels: bool = True) -> None:
    """A reviewer corrected a header cell from ``old`` to ``new``: the printed grid says so, and so does the flat
    label of every column under it where its text was part of the label (``预算数/合计``: one part of the path).
    A label a later stage cut from it (two labels run together) is left as it is; a 栏次 number is part of no
    label. The labels as extracted are kept (``table.machine_columns``) so :func:`revert_reviews` restores them
    exactly — inverting the substitution cannot (a label emptied by ``""`` lost its part; ``收入/合计`` is two).
    ``labels=False``: the grid only."""
    if entry.row < len(table.header) and entry.col < len(table.header[entry.row]):
        table.header[entry.row][entry.col] = new
    before, after = clean_cell_text(old), clean_cell_text(new)
    if not labels or not before or before == after:
        return
    machine = list(table.columns)
    for c in range(entry.col, min(len(table.columns), entry.col + entry.colspan)):
        parts = table.columns[c].split("/")
        if before in parts:
            table.columns[c] = "/".join(after if p == before else p for p in parts if p != before or after)
    if table.machine_columns is None and table.columns != machine:
        table.machine_columns = machine


def mark_reviewed(cell: Cell) -> None:
    """A reviewer's word is final for the cell's text (the OCR evidence is kept, so an undo re-scores it)."""
    cell.review = False
    cell.confidence = 1.0


def check_key(check: Check, doc: Document, keys: KeyIndex) -> str:
    """A stable identity of a check across re-extraction: its rule and the keys of the cells it covers."""
    index = {t.id: i for i, t in enumerate(doc.tables)}
    cells = sorted("|".join(keys.key_of(CellAddress(index[t], r, c)).as_tuple()[1:])
                   for t, r, c in check.cells if t in index)
    digest = hashlib.sha256(json.dumps([check.rule, cells], ensure_ascii=False).encode()).hexdigest()[:24]
    return f"{check.rule}|{digest}"


def revalidate(doc: Document, source_errors: frozenset[str] | set[str] = frozenset(),
               keys: KeyIndex | None = None) -> Document:
    """Re-run the identity checks and the confidence scoring on ``doc`` (in place); the OCR evidence
    travels in the JSON (cell ``ocr``), so a document read back scores as it did when extracted.

    ``source_errors``: check keys a reviewer marked as source errors; those failing identities do not flag
    their cells (reason ``source_error`` instead of ``check_failed``) and do not count in the scoring."""
    from ..score import score_document
    from ..validate import validate_document

    from ..headercheck import header_warnings
    from ..performance import finish_records

    result = validate_document(doc)
    if isinstance(result, list):
        doc.checks = result
    for _t, _ri, _ci, cell in doc.cells():
        if "source_error" in cell.reasons:
            cell.reasons.remove("source_error")
    marked: list[Check] = []
    if source_errors:
        keys = keys or KeyIndex.build(doc)
        marked = [c for c in doc.checks if not c.ok and check_key(c, doc, keys) in source_errors]
    if marked:
        open_cells = {tuple(ref) for c in doc.checks if not c.ok and all(c is not m for m in marked)
                      for ref in c.cells}
        lookup = {(t.id, ri, ci): cell for t, ri, ci, cell in doc.cells()}
        for c in marked:
            for ref in c.cells:
                cell = lookup[tuple(ref)]
                cell.add_reason("source_error")
                if tuple(ref) not in open_cells and "check_failed" in cell.reasons:
                    cell.reasons.remove("check_failed")
        checks = doc.checks
        marked_ids = {id(c) for c in marked}
        doc.checks = [c for c in checks if id(c) not in marked_ids]  # scored as if the marked ones were absent
        try:
            score_document(doc)
        finally:
            doc.checks = checks
    else:
        score_document(doc)
    # a reviewer's word is final: scoring must not send a reviewed cell back to the queue
    for _address, _table, cell in review_cells(doc):
        if cell.reviewed:
            mark_reviewed(cell)
    header_warnings(doc)  # a corrected or confirmed header cell is no longer one to warn about
    finish_records(doc)  # 绩效自评表 records take the corrected texts, confidence and flags
    return doc


def revert_reviews(doc: Document) -> Document:
    """Back to the machine reading: undo corrections, confirmations and source-error marks already applied
    to ``doc`` (a re-extraction writes them into OUT/…json), then re-validate and re-score (in place)."""
    touched = header_touched = False
    kept = set()
    for table in doc.tables:  # the labels as extracted, first: a body cell's label says whether it is an amount
        if table.machine_columns is not None:
            table.columns, table.machine_columns = table.machine_columns, None
            kept.add(id(table))
            touched = True
    for address, table, cell in review_cells(doc):
        if "corrected" in cell.reasons and cell.original is not None:
            if address.header:
                entry = header_entry(table, address.row, address.column)
                before = cell.text
                set_cell_text(cell, cell.original, False)
                # a JSON written before the labels as extracted were kept: the substitution inverted
                relabel_header(table, entry, before, cell.text, labels=id(table) not in kept)
            else:
                label = table.columns[address.column] if address.column < len(table.columns) else ""
                set_cell_text(cell, cell.original, is_amount_column(label))
            cell.original = None
        for reason in (*REVIEWED_REASONS, "source_error"):
            if reason in cell.reasons:
                cell.reasons.remove(reason)
                touched = True
                header_touched = header_touched or address.header
    for table in doc.tables:
        table.machine_columns = None  # the machine reading's labels are its own (an inversion above kept none)
    if header_touched:
        rescore_headers(doc)
    if touched:
        revalidate(doc)
    return doc


def rescore_headers(doc: Document) -> None:
    """The header cells' confidence and flags as the extraction gave them (a reviewed header cell's were set
    to certain, and nothing else scores header cells): :func:`pipeline.headercheck.check_headers` again, and a
    header cell of a table found doubtful at extraction (``structure``) reviewed again."""
    from ..headercheck import check_headers
    from ..verdict import STRUCTURE, flag_structure_header

    check_headers(doc)
    for address, _table, cell in review_cells(doc):
        if address.header and STRUCTURE in cell.reasons and not cell.reviewed:
            flag_structure_header(cell)


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
        if correction.status == "withdrawn":
            continue
        address = keys.address_of(correction.key.table, correction.key.row, correction.key.column)
        cell = cell_at(doc, address) if address is not None else None
        if cell is not None and address.header and (
                not same_header_cell(correction.key.column, keys.key_of(address).column)
                or machine_text(cell) not in (correction.old_text, correction.new_text)):
            cell = None  # the header came out otherwise: its place names another label, or the same over other columns
        if cell is None:
            result.orphaned.append(correction)
            if correction.status != "orphaned":
                to_orphan.append(correction.id)
            continue
        table = doc.tables[address.table_index]
        if address.header:
            entry = header_entry(table, address.row, address.column)
            before = cell.text
            apply_correction(cell, correction, False)
            relabel_header(table, entry, before, cell.text)
        else:
            label = table.columns[address.column] if address.column < len(table.columns) else ""
            apply_correction(cell, correction, is_amount_column(label))
        result.applied.append(correction)
        if correction.status == "orphaned":
            to_activate.append(correction.id)
    store.set_status(to_orphan, "orphaned", "no cell matches this key in the current extraction")
    store.set_status(to_activate, "active", "matches a cell again")
    for c in result.orphaned:
        c.status = "orphaned"
    result.decisions = {d.check_key: d for d in store.decisions(document=doc.sha256, status="active")}
    if (result.applied or result.decisions) and revalidate_after:
        revalidate(doc, set(result.decisions), keys)
    return result


# -- documents under OUT ---------------------------------------------------------------------------------


@dataclass
class SourceRef:
    """Where the input of a document was, as recorded at extraction (see :mod:`pipeline.review.sources`)."""

    file: str | None  # absolute path when extracted
    relative: str | None  # the same, relative to OUT (survives moving OUT and the inputs together)
    rel: str  # the document's path relative to the folder given to extract (= its JSON name under OUT)


@dataclass
class LoadedDocument:
    id: str  # short id used in URLs (never a path)
    path: Path  # the JSON under OUT
    name: str  # path of the JSON relative to OUT, without ".json"
    source: SourceRef
    machine: Document  # as extracted (any correction a re-extraction wrote into the JSON taken back out)
    document: Document  # with corrections applied and re-validated
    result: ApplyResult
    _check_keys: dict[int, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def source_file(self) -> str | None:
        return self.source.file

    @property
    def keys(self) -> KeyIndex:
        return self.result.keys  # type: ignore[return-value]

    def key_of(self, table_index: int, row: int, column: int, header: bool = False) -> CellKey:
        return self.keys.key_of(CellAddress(table_index, row, column, header))

    def check_key(self, check: Check) -> str:
        """The stable key of one of ``document.checks`` (cached: a loaded state is never edited)."""
        key = self._check_keys.get(id(check))
        if key is None:
            key = self._check_keys[id(check)] = check_key(check, self.document, self.keys)
        return key

    def with_store(self, store: ReviewStore) -> "LoadedDocument":
        """A fresh copy of this document with the store's current corrections applied (self is unchanged)."""
        document = copy_cells(self.machine)
        return LoadedDocument(self.id, self.path, self.name, self.source, self.machine, document,
                              apply_to_document(document, store))


def copy_cells(doc: Document) -> Document:
    """A copy of ``doc`` in which what corrections and re-validation change — tables, rows, cells and their
    reasons, header grids, column labels and header cells, the list of checks — is new; the rest is shared and only read (several times faster than
    deepcopy on a 30-page document)."""
    tables = [replace(t, rows=[replace(r, cells=[replace(c, reasons=list(c.reasons)) for c in r.cells])
                               for r in t.rows],
                      header=[list(r) for r in t.header], columns=list(t.columns),
                      machine_columns=None if t.machine_columns is None else list(t.machine_columns),
                      header_cells=[replace(h, cell=replace(h.cell, reasons=list(h.cell.reasons)))
                                    for h in t.header_cells]) for t in doc.tables]
    return replace(doc, tables=tables, checks=list(doc.checks))


@dataclass
class LoadError:
    """A file under OUT that could not be read as an extracted document (reported; the rest goes on)."""

    path: Path
    name: str  # relative to OUT
    message: str

    def to_dict(self) -> dict:
        return {"name": self.name, "message": self.message}


class LoadedDocuments(list):
    """The documents loaded from OUT (a list), with ``errors``: the files that could not be read."""

    def __init__(self, docs=(), errors: list[LoadError] | None = None):
        super().__init__(docs)
        self.errors: list[LoadError] = list(errors or [])


def read_document_json(path: Path) -> tuple[dict, Document]:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except RecursionError as e:
        raise DocumentLoadError(path, "cannot read document JSON: nested too deeply") from e
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DocumentLoadError(path, f"cannot read document JSON: {e}") from e
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_ID:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise DocumentLoadError(path, f"not a {SCHEMA_ID} document (schema: {found!r})")
    try:
        return data, Document.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as e:
        raise DocumentLoadError(path, f"malformed document: {e.__class__.__name__}: {e}") from e


def json_files(out_dir: str | os.PathLike) -> list[Path]:
    """The *.json files under ``out_dir`` (hidden folders and temporary files left out)."""
    out = Path(out_dir)
    return [p for p in sorted(out.rglob("*.json"))
            if not any(part.startswith(".") for part in p.relative_to(out).parts) and p.is_file()]


def is_document_file(path: Path) -> bool:
    """Whether ``path`` is (or should have been) an extracted document: it names a ``disclosure.document``
    schema near its start, or it is empty or not JSON at all (truncated, garbage) — so a damaged document
    is reported when loaded rather than silently skipped. Other JSON (run-summary.json …) is not one."""
    try:
        with open(path, "rb") as f:
            head = f.read(400)
    except OSError:
        return True  # unreadable: reported when loaded, never silently left out
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 3:  # not only a character cut by the 400-byte read: binary garbage, even
            return True  # when it happens to start with “{” (it was ignored then, about once in a hundred)
    return SCHEMA_ID.split("/")[0].encode() in head or not text.startswith((b"{", b"["))


def document_paths(out_dir: str | os.PathLike) -> list[Path]:
    """Every extracted document JSON under ``out_dir`` (see :func:`is_document_file`)."""
    return [p for p in json_files(out_dir) if is_document_file(p)]


def document_name(out_dir: Path, path: Path) -> str:
    """A document's name: its JSON's path under OUT without ``.json`` (= the input's relative path)."""
    rel = path.relative_to(out_dir).as_posix()
    return rel[:-5] if rel.endswith(".json") else rel


def source_ref(data: dict, name: str) -> SourceRef:
    """Where the document's input was, as its JSON (``data``) records it."""
    src = data.get("source") if isinstance(data.get("source"), dict) else {}
    return SourceRef(src.get("file") if isinstance(src.get("file"), str) else None,
                     src.get("file_relative") if isinstance(src.get("file_relative"), str) else None, name)


def load_document(out_dir: Path, path: Path, store: ReviewStore, doc_id: str = "") -> LoadedDocument:
    """Read ``path`` (raises :class:`DocumentLoadError`) and apply the store's corrections to a copy."""
    data, machine = read_document_json(path)
    try:
        revert_reviews(machine)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        raise DocumentLoadError(path, f"malformed document: {e.__class__.__name__}: {e}") from e
    name = document_name(out_dir, path)
    source = source_ref(data, name)
    loaded = LoadedDocument(doc_id or machine.sha256[:12], path, name, source, machine, machine, ApplyResult())
    try:
        return loaded.with_store(store)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        raise DocumentLoadError(path, f"malformed document: {e.__class__.__name__}: {e}") from e


def load_error(out_dir: Path, path: Path, error: Exception) -> LoadError:
    message = str(error)
    prefix = f"{path}: "
    return LoadError(path, path.relative_to(out_dir).as_posix(),
                     message[len(prefix):] if message.startswith(prefix) else message)


def unique_id(doc: LoadedDocument, used: set[str]) -> str:
    base, n, doc_id = doc.machine.sha256[:12] or "doc", 2, doc.id
    while doc_id in used:
        doc_id = f"{base}-{n}"
        n += 1
    return doc_id


def iter_documents(out_dir: str | os.PathLike, store: ReviewStore | None = None,
                   errors: list[LoadError] | None = None) -> Iterator[LoadedDocument]:
    """Every document under ``out_dir`` with the store's corrections applied, one at a time (ids unique per
    run), so a caller such as an export holds one document in memory at a time. A file that cannot be read
    is skipped and appended to ``errors``. When the iteration ends, active corrections of documents no
    longer under ``out_dir`` are marked orphaned."""
    out = Path(out_dir)
    store = store or ReviewStore.for_output(out)
    used: set[str] = set()
    present: set[str] = set()
    for path in document_paths(out):
        try:
            doc = load_document(out, path, store)
        except DocumentLoadError as e:
            if errors is not None:
                errors.append(load_error(out, path, e))
            continue
        doc.id = unique_id(doc, used)
        used.add(doc.id)
        present.add(doc.machine.sha256)
        yield doc
    orphan_missing_documents(store, present)


def apply_corrections(out_dir: str | os.PathLike, store: ReviewStore | None = None) -> LoadedDocuments:
    """Load every document under ``out_dir`` with the store's corrections applied (ids unique per run).

    A file that cannot be read is skipped and listed in the result's ``errors`` (never raises for it)."""
    loaded = LoadedDocuments()
    loaded.extend(iter_documents(out_dir, store, loaded.errors))
    return loaded


def orphan_missing_documents(store: ReviewStore, present: set[str]) -> None:
    missing = [c for c in store.corrections(status="active") if c.key.document not in present]
    store.set_status([c.id for c in missing], "orphaned", "no document with this sha256 under the output folder")


def orphaned_corrections(store: ReviewStore) -> list[Correction]:
    return store.corrections(status="orphaned")


def orphan_messages(docs: list[LoadedDocument]) -> list[str]:
    lines = []
    for d in docs:
        for c in d.result.orphaned:
            lines.append(f"{d.name}: orphaned correction #{c.id} ({c.key.label()}: {c.old_text!r} → {c.new_text!r}, "
                         f"{c.reviewer}) matches no cell in the current extraction")
    return lines


def load_error_messages(docs: list[LoadedDocument]) -> list[str]:
    """One line per file under OUT that could not be read (for the console)."""
    return [f"{e.path}: skipped: {e.message}" for e in getattr(docs, "errors", [])]
