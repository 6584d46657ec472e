"""The durable review store: ``OUT/review.sqlite`` (SQLite, WAL, full sync).

Three tables:

- ``corrections`` — the current correction of each cell, keyed by (document sha256, table key, row key,
  column key) (see :mod:`pipeline.review.keys`), with a revision counter (for XLSX conflict detection)
  and a status (``active`` | ``orphaned`` when it no longer matches a cell | ``withdrawn`` when a reviewer
  undid it: the cell is back to the machine reading). Rows are never deleted.
- ``decisions`` — identities a reviewer marked as a source error (the printed document itself does not add
  up), keyed by (document sha256, identity key); ``active`` or ``withdrawn`` (undone). Never deleted.
- ``audit_log`` — append-only history of every correction, confirmation, undo, decision, import and status
  change (reviewer, time, old and new text). Triggers forbid UPDATE and DELETE on it.

A file at the store's path that is not a review store (garbage, a truncated or foreign database, a newer
schema) is an error naming it; it is never written to, let alone replaced.

Every write is one ``BEGIN IMMEDIATE`` transaction committed before the caller returns, on a fresh
connection with a busy timeout, so several threads or processes can write concurrently without losing
anything.
"""
from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .keys import CellKey

STORE_NAME = "review.sqlite"
SCHEMA_VERSION = 2
CORRECTION_STATUSES = ("active", "orphaned", "withdrawn")
SOURCE_ERROR = "source_error"

_CORRECTIONS = """
CREATE TABLE IF NOT EXISTS {name} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document TEXT NOT NULL,
    table_key TEXT NOT NULL,
    row_key TEXT NOT NULL,
    column_key TEXT NOT NULL,
    old_text TEXT NOT NULL,
    new_text TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'orphaned', 'withdrawn')),
    revision INTEGER NOT NULL DEFAULT 1,
    location TEXT NOT NULL DEFAULT '',
    UNIQUE (document, table_key, row_key, column_key)
);
"""
_SCHEMA = _CORRECTIONS.format(name="corrections") + """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document TEXT NOT NULL,
    check_key TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('source_error')),
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
    reviewer TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    location TEXT NOT NULL DEFAULT '',
    UNIQUE (document, check_key, kind)
);
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    action TEXT NOT NULL,
    document TEXT NOT NULL,
    table_key TEXT NOT NULL,
    row_key TEXT NOT NULL,
    column_key TEXT NOT NULL,
    old_text TEXT,
    new_text TEXT,
    source TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS corrections_no_delete BEFORE DELETE ON corrections
BEGIN SELECT RAISE(ABORT, 'corrections are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are never deleted'); END;
CREATE INDEX IF NOT EXISTS corrections_document ON corrections (document);
CREATE INDEX IF NOT EXISTS decisions_document ON decisions (document);
CREATE INDEX IF NOT EXISTS audit_log_document ON audit_log (document, id);
"""
_OUR_TABLES = {"corrections", "audit_log"}


class StoreError(Exception):
    def __init__(self, path: Path, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path


@dataclass(frozen=True)
class StoreSettings:
    busy_timeout_ms: int = 30_000


@dataclass
class Correction:
    id: int
    key: CellKey
    old_text: str
    new_text: str
    reviewer: str
    created: str
    updated: str
    source: str  # web | xlsx | api
    status: str  # active | orphaned | withdrawn
    revision: int
    location: str

    @property
    def confirmed_only(self) -> bool:
        """The reviewer accepted the machine reading as is."""
        return self.old_text == self.new_text

    def to_dict(self) -> dict:
        return {"id": self.id, "document": self.key.document, "table": self.key.table, "row": self.key.row,
                "column": self.key.column, "old_text": self.old_text, "new_text": self.new_text,
                "reviewer": self.reviewer, "created": self.created, "updated": self.updated,
                "source": self.source, "status": self.status, "revision": self.revision,
                "location": self.location}


@dataclass
class Decision:
    """An identity a reviewer marked as a source error (the printed document does not add up)."""

    id: int
    document: str
    check_key: str  # see pipeline.review.corrections.check_key
    kind: str  # source_error
    status: str  # active | withdrawn
    reviewer: str
    created: str
    updated: str
    revision: int
    location: str

    def to_dict(self) -> dict:
        return {"id": self.id, "document": self.document, "check_key": self.check_key, "kind": self.kind,
                "status": self.status, "reviewer": self.reviewer, "created": self.created,
                "updated": self.updated, "revision": self.revision, "location": self.location}


@dataclass
class AuditEntry:
    id: int
    at: str
    reviewer: str
    action: str
    key: CellKey
    old_text: str | None
    new_text: str | None
    source: str
    detail: str


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (trigger bodies hold semicolons)."""
    out, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n;"):
                out.append(current.strip())
            current = ""
    return out


def _decision(row: sqlite3.Row) -> Decision:
    return Decision(row["id"], row["document"], row["check_key"], row["kind"], row["status"], row["reviewer"],
                    row["created"], row["updated"], row["revision"], row["location"])


def _correction(row: sqlite3.Row) -> Correction:
    return Correction(row["id"], CellKey(row["document"], row["table_key"], row["row_key"], row["column_key"]),
                      row["old_text"], row["new_text"], row["reviewer"], row["created"], row["updated"],
                      row["source"], row["status"], row["revision"], row["location"])


class ReviewStore:
    """Open (creating if needed) the store at ``path`` (usually ``OUT/review.sqlite``)."""

    def __init__(self, path: str | os.PathLike, settings: StoreSettings = StoreSettings()):
        self.path = Path(path)
        self.settings = settings
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                self._check_existing(conn)
                conn.execute("PRAGMA journal_mode=WAL")
                self._migrate(conn)
                conn.executescript(_SCHEMA)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as e:
            raise StoreError(self.path, f"not a usable review store ({e}); the file was left untouched — move it "
                                        "away or restore a backup") from e

    def _check_existing(self, conn: sqlite3.Connection) -> None:
        """Refuse (without writing) a file that is not a healthy review store of a schema we know."""
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if tables and not _OUR_TABLES <= tables:
            raise StoreError(self.path, f"not a review store (a database with tables {', '.join(sorted(tables))}); "
                                        "the file was left untouched")
        if version > SCHEMA_VERSION:
            raise StoreError(self.path, f"review store of a newer version (schema {version}, this program knows "
                                        f"{SCHEMA_VERSION}); the file was left untouched")
        if tables:
            problem = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
            if problem != "ok":
                raise StoreError(self.path, f"review store is damaged ({problem}); the file was left untouched — "
                                            "restore a backup")

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Schema 1 → 2: corrections may be ``withdrawn`` (the CHECK constraint is rebuilt; rows kept)."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='corrections'").fetchone()
        if version != 1 or not exists:
            return
        columns = ("id, document, table_key, row_key, column_key, old_text, new_text, reviewer, created, updated,"
                   " source, status, revision, location")
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(_CORRECTIONS.format(name="corrections_v2"))
            conn.execute(f"INSERT INTO corrections_v2 ({columns}) SELECT {columns} FROM corrections")
            conn.execute("DROP TABLE corrections")  # its DELETE trigger goes with it; no trigger fires on DROP
            conn.execute("ALTER TABLE corrections_v2 RENAME TO corrections")
            for statement in _statements(_SCHEMA):  # triggers and indexes again, in the same transaction
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @classmethod
    def for_output(cls, out_dir: str | os.PathLike) -> "ReviewStore":
        return cls(Path(out_dir) / STORE_NAME)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=self.settings.busy_timeout_ms / 1000, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout={self.settings.busy_timeout_ms}")
        conn.execute("PRAGMA synchronous=FULL")
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- writes -----------------------------------------------------------------------------------------

    def _log(self, conn: sqlite3.Connection, reviewer: str, action: str, key: CellKey, old: str | None,
             new: str | None, source: str, detail: str = "") -> None:
        conn.execute(
            "INSERT INTO audit_log (at, reviewer, action, document, table_key, row_key, column_key, old_text,"
            " new_text, source, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (_now(), reviewer, action, *key.as_tuple(), old, new, source, detail))

    def record(self, key: CellKey, old_text: str, new_text: str, reviewer: str, source: str = "web",
               location: str = "", expected_revision: int | None = None) -> tuple[Correction | None, str]:
        """Record a correction (or a confirmation when ``new_text == old_text``) of one cell.

        ``old_text`` is what the reviewer saw. With ``expected_revision`` (0 = no correction yet) the write
        is refused when the cell's correction has changed since, unless it already says ``new_text``;
        returns (correction, "conflict") then. Otherwise returns (correction, "recorded" | "unchanged").
        """
        now = _now()
        with self._write() as conn:
            row = conn.execute("SELECT * FROM corrections WHERE document=? AND table_key=? AND row_key=? AND"
                               " column_key=?", key.as_tuple()).fetchone()
            current = _correction(row) if row else None
            revision = current.revision if current else 0
            if expected_revision is not None and revision != expected_revision:
                if current is not None and current.new_text == new_text:
                    return current, "unchanged"
                self._log(conn, reviewer, "conflict", key, current.new_text if current else old_text, new_text,
                          source, f"expected revision {expected_revision}, store has {revision}")
                return current, "conflict"
            if current is not None and current.new_text == new_text and current.status == "active":
                return current, "unchanged"
            action = "confirm" if new_text == (current.old_text if current else old_text) else "correct"
            if current is None:
                conn.execute(
                    "INSERT INTO corrections (document, table_key, row_key, column_key, old_text, new_text,"
                    " reviewer, created, updated, source, location) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (*key.as_tuple(), old_text, new_text, reviewer, now, now, source, location))
            else:
                # old_text stays the machine reading; the audit log keeps what was replaced
                conn.execute("UPDATE corrections SET new_text=?, reviewer=?, updated=?, source=?, status='active',"
                             " revision=revision+1, location=CASE WHEN ?<>'' THEN ? ELSE location END"
                             " WHERE id=?", (new_text, reviewer, now, source, location, location, current.id))
            self._log(conn, reviewer, action, key, current.new_text if current else old_text, new_text, source,
                      location)
            row = conn.execute("SELECT * FROM corrections WHERE document=? AND table_key=? AND row_key=? AND"
                               " column_key=?", key.as_tuple()).fetchone()
            return _correction(row), "recorded"

    def withdraw(self, correction_id: int, reviewer: str, source: str = "web") -> tuple[Correction | None, str]:
        """Undo a correction or confirmation: the cell is back to the machine reading (and to the queue).

        The row stays (status ``withdrawn``, revision + 1) and the undo is an audit entry; returns
        (correction, "withdrawn" | "unchanged"), or (None, "missing") for an unknown id.
        """
        with self._write() as conn:
            row = conn.execute("SELECT * FROM corrections WHERE id=?", (correction_id,)).fetchone()
            if row is None:
                return None, "missing"
            current = _correction(row)
            if current.status == "withdrawn":
                return current, "unchanged"
            conn.execute("UPDATE corrections SET status='withdrawn', reviewer=?, updated=?, source=?,"
                         " revision=revision+1 WHERE id=?", (reviewer, _now(), source, correction_id))
            self._log(conn, reviewer, "undo", current.key, current.new_text, current.old_text, source,
                      f"correction #{correction_id} withdrawn; {current.location}".strip("; "))
            return _correction(conn.execute("SELECT * FROM corrections WHERE id=?", (correction_id,)).fetchone()), \
                "withdrawn"

    def mark_source_error(self, document: str, check_key: str, table_key: str, rule: str, reviewer: str,
                          location: str = "", source: str = "web") -> tuple[Decision, str]:
        """Record that an identity fails in the printed document itself (not a misreading).

        ``table_key``/``rule`` only label the audit entry. Returns (decision, "recorded" | "unchanged").
        """
        now = _now()
        with self._write() as conn:
            row = conn.execute("SELECT * FROM decisions WHERE document=? AND check_key=? AND kind=?",
                               (document, check_key, SOURCE_ERROR)).fetchone()
            if row is not None and row["status"] == "active":
                return _decision(row), "unchanged"
            if row is None:
                conn.execute("INSERT INTO decisions (document, check_key, kind, reviewer, created, updated, location)"
                             " VALUES (?,?,?,?,?,?,?)", (document, check_key, SOURCE_ERROR, reviewer, now, now,
                                                         location))
            else:
                conn.execute("UPDATE decisions SET status='active', reviewer=?, updated=?, revision=revision+1,"
                             " location=CASE WHEN ?<>'' THEN ? ELSE location END WHERE id=?",
                             (reviewer, now, location, location, row["id"]))
            decision = _decision(conn.execute("SELECT * FROM decisions WHERE document=? AND check_key=? AND kind=?",
                                              (document, check_key, SOURCE_ERROR)).fetchone())
            self._log(conn, reviewer, SOURCE_ERROR, CellKey(document, table_key, f"identity:{rule}", ""), None,
                      SOURCE_ERROR, source, f"decision #{decision.id}: {location}; {check_key}")
            return decision, "recorded"

    def withdraw_decision(self, decision_id: int, reviewer: str, source: str = "web") -> tuple[Decision | None, str]:
        """Undo a source-error mark: the identity's cells are back in the queue. Logged, never deleted."""
        with self._write() as conn:
            row = conn.execute("SELECT * FROM decisions WHERE id=?", (decision_id,)).fetchone()
            if row is None:
                return None, "missing"
            current = _decision(row)
            if current.status == "withdrawn":
                return current, "unchanged"
            conn.execute("UPDATE decisions SET status='withdrawn', reviewer=?, updated=?, revision=revision+1"
                         " WHERE id=?", (reviewer, _now(), decision_id))
            self._log(conn, reviewer, f"undo_{current.kind}", CellKey(current.document, "", "identity", ""),
                      current.kind, None, source, f"decision #{decision_id} withdrawn: {current.location}; "
                                                  f"{current.check_key}")
            return _decision(conn.execute("SELECT * FROM decisions WHERE id=?", (decision_id,)).fetchone()), \
                "withdrawn"

    def set_status(self, correction_ids: list[int], status: str, detail: str = "") -> None:
        """Mark corrections orphaned (no cell matches any more) or active again; logged, never dropped."""
        if not correction_ids:
            return
        with self._write() as conn:
            for cid in correction_ids:
                row = conn.execute("SELECT * FROM corrections WHERE id=?", (cid,)).fetchone()
                if row is None or row["status"] == status:
                    continue
                conn.execute("UPDATE corrections SET status=? WHERE id=?", (status, cid))
                c = _correction(row)
                self._log(conn, "system", "orphaned" if status == "orphaned" else "rematched", c.key,
                          c.old_text, c.new_text, "apply", detail)

    # -- reads ------------------------------------------------------------------------------------------

    def _rows(self, table: str, document: str | None, status: str | None) -> list[sqlite3.Row]:
        sql, args = f"SELECT * FROM {table} WHERE 1=1", []
        if document is not None:
            sql += " AND document=?"
            args.append(document)
        if status is not None:
            sql += " AND status=?"
            args.append(status)
        with self._connect() as conn:
            return conn.execute(sql + " ORDER BY id", args).fetchall()

    def _row_by_id(self, table: str, row_id: int) -> sqlite3.Row | None:
        with self._connect() as conn:
            return conn.execute(f"SELECT * FROM {table} WHERE id=?", (row_id,)).fetchone()

    def corrections(self, document: str | None = None, status: str | None = None) -> list[Correction]:
        return [_correction(r) for r in self._rows("corrections", document, status)]

    def correction_by_id(self, correction_id: int) -> Correction | None:
        row = self._row_by_id("corrections", correction_id)
        return _correction(row) if row else None

    def decisions(self, document: str | None = None, status: str | None = None) -> list[Decision]:
        return [_decision(r) for r in self._rows("decisions", document, status)]

    def decision(self, decision_id: int) -> Decision | None:
        row = self._row_by_id("decisions", decision_id)
        return _decision(row) if row else None

    def correction(self, key: CellKey) -> Correction | None:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM corrections WHERE document=? AND table_key=? AND row_key=? AND"
                               " column_key=?", key.as_tuple()).fetchone()
        return _correction(row) if row else None

    def audit(self, document: str | None = None) -> list[AuditEntry]:
        sql, args = "SELECT * FROM audit_log", []
        if document is not None:
            sql += " WHERE document=?"
            args.append(document)
        with self._connect() as conn:
            rows = conn.execute(sql + " ORDER BY id", args).fetchall()
        return [AuditEntry(r["id"], r["at"], r["reviewer"], r["action"],
                           CellKey(r["document"], r["table_key"], r["row_key"], r["column_key"]),
                           r["old_text"], r["new_text"], r["source"], r["detail"]) for r in rows]

    def version(self) -> int:
        """Grows with every write (the last audit entry's id): a cheap cache key for readers."""
        with self._connect() as conn:
            return conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit_log").fetchone()[0]

    def document_versions(self) -> dict[str, int]:
        """Per document sha256, the last audit entry's id: which documents changed since a reader looked."""
        with self._connect() as conn:
            return dict(conn.execute("SELECT document, MAX(id) FROM audit_log GROUP BY document").fetchall())
