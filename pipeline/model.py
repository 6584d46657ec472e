"""The typed document model that flows through the stages, and its JSON form (output contract v1).

Every stage takes and returns these dataclasses; only :func:`Document.to_dict` / :func:`Document.from_dict`
know the JSON spelling (``disclosure.document/1``, schema in ``models/schema/document-1.schema.json``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_ID = "disclosure.document/1"

BBox = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the page image at the page's dpi


@dataclass
class Alternative:
    """Another possible reading of a cell (OCR second choice, a repair candidate, ...)."""

    text: str
    confidence: float
    source: str = "ocr"  # ocr | confusion | repair | blank | catalogue (a code part its row's name gives)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "confidence": round(self.confidence, 4), "source": self.source}


REVIEWED_REASONS = ("corrected", "confirmed")  # a reviewer's word on a cell (pipeline.review)


@dataclass
class Cell:
    text: str = ""
    value: float | None = None
    confidence: float = 1.0
    review: bool = False
    reasons: list[str] = field(default_factory=list)
    bbox: BBox | None = None
    alternatives: list[Alternative] = field(default_factory=list)
    original: str | None = None  # the reading before a repair or a reviewer's correction
    # evidence used by scoring (not part of the contract)
    ocr_score: float = 1.0  # weakest character score of the reading (1.0 for a text layer)
    kind: str = "text"  # text | number | empty | na
    lines: list[str] = field(default_factory=list)  # its text lines when it holds several (read from the page)

    def add_reason(self, reason: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)

    @property
    def reviewed(self) -> bool:
        """A reviewer corrected or confirmed it: its text is final (``REVIEWED_REASONS``)."""
        return any(r in self.reasons for r in REVIEWED_REASONS)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "text": self.text,
            "value": self.value,
            "confidence": round(float(self.confidence), 4),
            "review": bool(self.review),
            "reasons": list(self.reasons),
            "bbox": list(self.bbox) if self.bbox is not None else None,
        }
        if self.alternatives:
            d["alternatives"] = [a.to_dict() for a in self.alternatives]
        if self.original is not None:
            d["original"] = self.original
        if self.ocr_score < 1.0:
            d["ocr"] = round(float(self.ocr_score), 4)  # evidence kept so a reviewed document can be re-scored
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Cell":
        return cls(
            text=d.get("text", ""),
            value=d.get("value"),
            confidence=d.get("confidence", 1.0),
            review=d.get("review", False),
            reasons=list(d.get("reasons", [])),
            bbox=tuple(d["bbox"]) if d.get("bbox") else None,
            alternatives=[Alternative(**a) for a in d.get("alternatives", [])],
            original=d.get("original"),
            ocr_score=d.get("ocr", 1.0),
        )


@dataclass
class CodeMatch:
    column: int
    code: str
    name: str
    score: float
    source: str  # printed | matched
    flags: list[str] = field(default_factory=list)  # repaired, code_conflict, sequential, ...
    candidates: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"column": self.column, "code": self.code, "name": self.name,
                             "score": round(min(1.0, max(0.0, float(self.score))), 4), "source": self.source}
        if self.flags:
            d["flags"] = list(self.flags)
        if self.candidates:
            d["candidates"] = self.candidates
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "CodeMatch":
        return cls(column=d["column"], code=d["code"], name=d.get("name", ""), score=d.get("score", 0.0),
                   source=d.get("source", "matched"), flags=list(d.get("flags", [])),
                   candidates=list(d.get("candidates", [])))


@dataclass
class Row:
    page: int
    cells: list[Cell]
    codes: list[CodeMatch] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [c.text for c in self.cells]

    def to_dict(self) -> dict[str, Any]:
        return {"page": self.page, "cells": [c.to_dict() for c in self.cells],
                "codes": [m.to_dict() for m in self.codes]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Row":
        return cls(page=d["page"], cells=[Cell.from_dict(c) for c in d["cells"]],
                   codes=[CodeMatch.from_dict(m) for m in d.get("codes", [])])


@dataclass
class HeaderEntry:
    """One printed header cell of a table (its first page): where it sits in the header band and its
    reading as a :class:`Cell` (confidence, review, reasons — pipeline.headercheck sets them)."""

    row: int
    col: int
    rowspan: int
    colspan: int
    cell: Cell
    # paper between its text and its left / right rule in mm (a scan's reading; None: not measured)
    margins_mm: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {"row": self.row, "col": self.col, "rowspan": self.rowspan, "colspan": self.colspan,
             **self.cell.to_dict()}
        if self.margins_mm is not None:
            d["margins_mm"] = list(self.margins_mm)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "HeaderEntry":
        return cls(row=d["row"], col=d["col"], rowspan=d.get("rowspan", 1), colspan=d.get("colspan", 1),
                   cell=Cell.from_dict(d),
                   margins_mm=tuple(d["margins_mm"]) if d.get("margins_mm") else None)


@dataclass
class Table:
    id: str
    title: str = ""
    form: str = ""  # 公开02表 (as printed, normalised) or ""
    unit: str = ""  # 万元 | 元
    pages: list[int] = field(default_factory=list)
    header: list[list[str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    # the header cells with their confidence (header holds their texts as a grid)
    header_cells: list[HeaderEntry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    template: str | None = None  # id of the template in models/templates it was recognised as
    department: str = ""
    year: int | None = None
    bbox: BBox | None = None  # on the first page
    # a 绩效自评表 keeps its grid and adds kind = "performance" and the form read as a record (the fields with
    # the (row, column) of the cell each value came from; pipeline.performance builds it)
    kind: str = ""
    record: dict[str, Any] | None = None
    # the flat column labels as extracted, kept while a reviewer's header correction has changed ``columns``
    # (pipeline.review.corrections): undoing the corrections restores them exactly (None: columns are the machine's)
    machine_columns: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id, "title": self.title, "form": self.form, "unit": self.unit, "pages": list(self.pages),
            "header": self.header, "columns": self.columns, "rows": [r.to_dict() for r in self.rows],
            "notes": list(self.notes),
        }
        if self.header_cells:
            d["header_cells"] = [h.to_dict() for h in self.header_cells]
        if self.template:
            d["template"] = self.template
        if self.department:
            d["department"] = self.department
        if self.year is not None:
            d["year"] = self.year
        if self.kind:
            d["kind"] = self.kind
        if self.record is not None:
            d["record"] = self.record
        if self.machine_columns is not None:
            d["machine_columns"] = list(self.machine_columns)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Table":
        return cls(id=d["id"], title=d.get("title", ""), form=d.get("form", ""), unit=d.get("unit", ""),
                   pages=list(d.get("pages", [])), header=d.get("header", []), columns=d.get("columns", []),
                   rows=[Row.from_dict(r) for r in d.get("rows", [])], notes=list(d.get("notes", [])),
                   template=d.get("template"), department=d.get("department", ""), year=d.get("year"),
                   kind=d.get("kind", ""), record=d.get("record"),
                   machine_columns=list(d["machine_columns"]) if d.get("machine_columns") is not None else None,
                   header_cells=[HeaderEntry.from_dict(h) for h in d.get("header_cells", [])])


@dataclass
class Check:
    rule: str
    table: str
    ok: bool
    expected: float | None
    actual: float | None
    cells: list[tuple[str, int, int]] = field(default_factory=list)  # (table id, row index, column index)
    description: str = ""
    tolerance: float = 0.02

    def to_dict(self) -> dict[str, Any]:
        r = (lambda v: None if v is None else round(v, 4))
        d: dict[str, Any] = {"rule": self.rule, "table": self.table, "ok": bool(self.ok),
                             "expected": r(self.expected), "actual": r(self.actual),
                             "cells": [list(c) for c in self.cells]}
        if self.description:
            d["description"] = self.description
        d["tolerance"] = self.tolerance
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Check":
        return cls(rule=d["rule"], table=d["table"], ok=d["ok"], expected=d.get("expected"),
                   actual=d.get("actual"), cells=[tuple(c) for c in d.get("cells", [])],
                   description=d.get("description", ""), tolerance=d.get("tolerance", 0.02))


@dataclass
class PageInfo:
    number: int  # 1-based
    mode: str  # text | ocr
    width: int
    height: int
    dpi: int
    skew: float = 0.0
    rotation: int = 0  # clockwise quarter turn from the page as displayed to the frame of its bboxes
    # layout verdict (pipeline.verdict): tables | no_tables | unrecovered, and why ("" before the verdict);
    # reasons also say why the page's text layer was not trusted (text_layer_glyphs|_shapes|_digits, mode ocr)
    status: str = ""
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"number": self.number, "mode": self.mode, "width": self.width,
                             "height": self.height, "dpi": self.dpi, "skew": round(self.skew, 2)}
        if self.rotation:
            d["rotation"] = self.rotation
        if self.status:
            d["status"] = self.status
        if self.status or self.reasons:
            d["reasons"] = list(self.reasons)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PageInfo":
        return cls(number=d["number"], mode=d["mode"], width=d["width"], height=d["height"], dpi=d["dpi"],
                   skew=d.get("skew", 0.0), rotation=d.get("rotation", 0), status=d.get("status", ""),
                   reasons=list(d.get("reasons", [])))


@dataclass
class Document:
    source_path: str
    sha256: str
    page_count: int
    authority: str = ""
    year: int | None = None
    kind: str = ""  # 部门决算 | 部门预算 | 单位预算 | 单位决算 | ""
    pages: list[PageInfo] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    pipeline_version: str = ""
    repairs: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)  # the extraction settings the output depends on
    # what the batch summary must tell (pipeline.verdict): {"kind": "unrecovered_page", "page", "reasons"} and
    # {"kind": "table_structure", "table", "pages", "reasons", "checks", "failed",
    # "body_confirmed"},
    # {"kind": "missing_table", "template", "form", "title", "reasons"} and
    # {"kind": "empty_table_unexplained", "table", "template", "form", "title", "pages", "reasons"} and
    # {"kind": "stray_column", "table", "pages", "column", "texts"} (a column of marks no header names, taken off)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def table(self, table_id: str) -> Table:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(table_id)

    def cells(self):
        """Every (table, row index, column index, cell)."""
        for t in self.tables:
            for ri, row in enumerate(t.rows):
                for ci, cell in enumerate(row.cells):
                    yield t, ri, ci, cell

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema": SCHEMA_ID,
            "source": {"path": self.source_path, "sha256": self.sha256, "pages": self.page_count},
            "document": {"authority": self.authority, "year": self.year, "kind": self.kind},
            "pages": [p.to_dict() for p in self.pages],
            "tables": [t.to_dict() for t in self.tables],
            "checks": [c.to_dict() for c in self.checks],
            "pipeline": {"version": self.pipeline_version, **({"settings": self.settings} if self.settings else {})},
        }
        if self.repairs:
            d["repairs"] = self.repairs
        if any(p.status for p in self.pages) or self.warnings:
            d["warnings"] = [dict(w) for w in self.warnings]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Document":
        src, meta = d.get("source", {}), d.get("document", {})
        return cls(
            source_path=src.get("path", ""), sha256=src.get("sha256", ""), page_count=src.get("pages", 0),
            authority=meta.get("authority", ""), year=meta.get("year"), kind=meta.get("kind", ""),
            pages=[PageInfo.from_dict(p) for p in d.get("pages", [])],
            tables=[Table.from_dict(t) for t in d.get("tables", [])],
            checks=[Check.from_dict(c) for c in d.get("checks", [])],
            pipeline_version=d.get("pipeline", {}).get("version", ""),
            settings=dict(d.get("pipeline", {}).get("settings", {})),
            repairs=list(d.get("repairs", [])),
            warnings=[dict(w) for w in d.get("warnings", [])],
        )
