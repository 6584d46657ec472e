"""The durable review store: ``OUT/review.sqlite`` (SQLite, WAL, full sync).

Two tables:

- ``corrections`` — the current correction of each cell, keyed by (document sha256, table key, row key,
  column key) (see :mod:`pipeline.review.keys`), with a revision counter (for XLSX conflict detection)
  and a status (``active`` | ``orphaned`` when it no longer matches a cell). Rows are never deleted.
- ``audit_log`` — append-only history of every correction, confirmation, import and status change
  (reviewer, time, old and new text). Triggers forbid UPDATE and DELETE on it.

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
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS corrections (
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
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'orphaned')),
    revision INTEGER NOT NULL DEFAULT 1,
    location TEXT NOT NULL DEFAULT '',
    UNIQUE (document, table_key, row_key, column_key)
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
CREATE INDEX IF NOT EXISTS corrections_document ON corrections (document);
"""


class StoreError(Exception):
    def __init__(self, path: Path, message: str):
        super().__init__(f"{path}: {message}")


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
    status: str  # active | orphaned
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
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as e:
            raise StoreError(self.path, f"cannot open the review store: {e}") from e

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

    def corrections(self, document: str | None = None, status: str | None = None) -> list[Correction]:
        sql, args = "SELECT * FROM corrections WHERE 1=1", []
        if document is not None:
            sql += " AND document=?"
            args.append(document)
        if status is not None:
            sql += " AND status=?"
            args.append(status)
        with self._connect() as conn:
            return [_correction(r) for r in conn.execute(sql + " ORDER BY id", args)]

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
