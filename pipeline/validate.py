"""Validation engine: evaluates the accounting identities of the table templates on a Document.

Every identity is linear: Σ lhs cells = Σ rhs cells (within a tolerance, default 0.02 万元). The engine
expands the template identities (``models/templates/*.json``) and the cross-table ones
(``models/templates/cross.json``) into :class:`Identity` instances over concrete cells, evaluates them and
writes one :class:`pipeline.model.Check` per instance to ``doc.checks``. The cells failing identities put in
doubt (:func:`blamed_cells`: not those another identity confirms exactly; the one misread that explains
every failing identity through it, when there is one) get the reason ``check_failed`` (and
lose it again when a later validation finds every identity they take part in holding).

Conventions: blank cells and “——” (not applicable) count as 0; amounts are read from the cell text as
printed (so a reviewer's or a repair's new text counts at once); tables in 元 are compared with tables in
万元 after dividing by 10 000. Codes come from ``row.codes`` (the code matcher) when present, else from the
digits printed in the code column(s) (类/款/项 columns are concatenated).

Instances whose cells are all blank are not reported (nothing was printed to check).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from .catalogue import CODE_DIGITS
from .model import Cell, Check, Document, Table
from .numbers import parse_number
from .templates import (Template, _plain, cross_identities, function_classes, identify_template, load_templates,
                        resolve_columns)
from .headers import is_code_column
from .textnorm import compare_key, normalize_chars

CellRef = tuple[str, int, int]
_NUMBERING = re.compile(r"^[一二三四五六七八九十]+[、.．,，]\s*")  # (、 misread as a comma: 八，其他收入)
EPS = 1e-6


@dataclass(frozen=True)
class ValidationSettings:
    tolerance_wan: float = 0.02  # 万元, the documents' announced 尾差
    tolerance_yuan: float = 0.01  # 元 tables are printed to the fen and add up exactly
    yuan_per_wan: float = 10000.0


@dataclass
class Term:
    ref: CellRef
    coef: float  # +1 / -1 times the unit factor into the identity's unit


@dataclass
class Identity:
    """Σ lhs = Σ rhs + const. ``op``: ``eq`` (the default), ``le`` (Σ lhs ≤ Σ rhs: a 得分 never above its
    分值) or ``ratio`` (lhs = 100 × rhs[0] / rhs[1]: a 执行率 in percent)."""

    rule: str
    table: str
    description: str
    lhs: list[Term]
    rhs: list[Term]
    tolerance: float
    op: str = "eq"
    const: float = 0.0

    def cells(self) -> list[CellRef]:
        seen: dict[CellRef, None] = {}
        for t in self.lhs + self.rhs:
            seen.setdefault(t.ref, None)
        return list(seen)

    def sides(self, values: dict[CellRef, float], ref: CellRef | None = None,
              value: float = 0.0) -> tuple[float, float]:
        """(actual, expected); with ``ref``, as if that cell held ``value``."""
        val = (lambda r: value if r == ref else values[r]) if ref is not None else values.__getitem__
        actual = sum(t.coef * val(t.ref) for t in self.lhs)
        if self.op == "ratio":
            num, den = (t.coef * val(t.ref) for t in self.rhs)
            return actual, (100.0 * num / den if den else 0.0)
        expected = sum(t.coef * val(t.ref) for t in self.rhs) + self.const
        return actual, expected

    def holds(self, values: dict[CellRef, float], ref: CellRef | None = None, value: float = 0.0) -> bool:
        a, e = self.sides(values, ref, value)
        if self.op == "le":
            return a <= e + self.tolerance + EPS
        return abs(a - e) <= self.tolerance + EPS


def amount(cell: Cell) -> float:
    """The number a cell contributes to a sum: blank and “——” are 0; unreadable text is 0 too."""
    p = parse_number(cell.text)
    return float(p.value) if p.kind == "number" and p.value is not None else 0.0


def is_blank(cell: Cell) -> bool:
    return parse_number(cell.text).kind in ("empty", "na")


def label_text(cell: Cell) -> str:
    return re.sub(r"\s+", "", normalize_chars(cell.text or ""))


# ------------------------------------------------------------------------------------------- table views
@dataclass
class TableView:
    table: Table
    template: Template
    roles: dict[str, list[int]]
    unit_factor: float  # multiply to get 万元
    tolerance: float  # in the table's own unit
    codes: list[str | None] = field(default_factory=list)
    econ: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return self.table.id

    def col(self, role: str) -> int | None:
        cols = self.roles.get(role)
        return cols[0] if cols else None

    def side_label_col(self, side: str | None) -> int | None:
        if side and side in self.template.sides:
            return self.col(self.template.sides[side]["label"])
        name = self.col("name")
        return name if name is not None else self.col("item")

    def rows_matching(self, side: str | None, pattern: str, before: str | None = None,
                      after: str | None = None) -> list[int]:
        """Rows whose label (in the side's label column) matches; ``before``/``after``: only rows above the
        first row matching that pattern / below it (e.g. the 年初 components under 年初财政拨款结转和结余)."""
        c = self.side_label_col(side)
        if c is None:
            return []
        labels = [label_text(r.cells[c]) if c < len(r.cells) else "" for r in self.table.rows]
        lo, hi = 0, len(labels)
        if before:
            hi = next((i for i, lab in enumerate(labels) if re.search(before, lab)), hi)
        if after:
            start = next((i for i, lab in enumerate(labels) if re.search(after, lab)), None)
            if start is None:
                return []
            lo = start + 1
        rx = re.compile(pattern)
        return [i for i in range(lo, hi) if rx.search(labels[i])]

    def total_row(self) -> int | None:
        pats = [re.compile(p) for p in self.template.rows.get("total", [])]
        cols = list(self.roles.get("code", [])) + [c for c in (self.col("name"),) if c is not None]
        for i, r in enumerate(self.table.rows):
            if self.codes and self.codes[i]:
                continue
            for c in cols:
                if c < len(r.cells) and any(p.search(label_text(r.cells[c])) for p in pats):
                    return i
        return None


def _row_code(table: Table, ri: int, code_cols: list[int]) -> str | None:
    row = table.rows[ri]
    for m in row.codes:
        digits = re.sub(r"\D", "", m.code or "")
        if CODE_DIGITS.match(digits):
            return digits
    digits = "".join(re.sub(r"\D", "", row.cells[c].text) for c in code_cols if c < len(row.cells))
    return digits if CODE_DIGITS.match(digits) else None


def _econ_blocks(table: Table) -> list[tuple[list[int], int | None, int]]:
    """(code columns, name column, value column) per side-by-side block of an economic-classification table.
    A code column is known by its label, or — a label misread on a worn scan (经济分类科目编的, taken for an
    amount's) or cut (经济分类 without 科目编码) — by its body: cells read as 3/5/7-digit codes, most of them
    codes of the economic classifications (models/catalogue: 301…399, 501…599). A column of whole amounts in 元
    (35700, 129308 …) reads as digits too, but not as the catalogue's codes."""
    labels = [compare_key(c) for c in table.columns]
    n = len(labels)
    is_code = [bool(lab) and is_code_column(lab) or _econ_codes(table, k) for k, lab in enumerate(labels)]
    if not any(is_code):
        return [([k], k + 1 if k + 1 < n else None, min(k + 2, n - 1)) for k in range(0, n - 2, 3)]
    starts = [k for k in range(n) if is_code[k] and (k == 0 or not is_code[k - 1])]
    blocks = []
    for b, s in enumerate(starts):
        end = starts[b + 1] if b + 1 < len(starts) else n
        code_cols = [k for k in range(s, end) if is_code[k]]
        rest = [k for k in range(s, end) if not is_code[k]]
        if not rest:
            continue
        blocks.append((code_cols, rest[0] if len(rest) > 1 else None, rest[-1]))
    return blocks


def _econ_codes(table: Table, c: int, share: float = 0.6) -> bool:
    """The column's cells read as codes (:func:`pipeline.codes._reads_as_codes`) and ``share`` of those that do
    are codes of the economic classifications (a misread digit here and there aside)."""
    from .catalogue import ECONOMIC, ECONOMIC_GOV, load_catalogue
    from .codes import _reads_as_codes, read_code

    if not _reads_as_codes(table, c):
        return False
    catalogues = [load_catalogue(ECONOMIC).entries, load_catalogue(ECONOMIC_GOV).entries]
    codes = [rd.digits for r in table.rows if c < len(r.cells) for rd in [read_code(r.cells[c].text)]
             if rd is not None and len(rd.digits) in (3, 5, 7)]
    return sum(any(d in k for k in catalogues) for d in codes) >= share * len(codes)


def _econ_view(table: Table, template: Template) -> dict[str, Any]:
    items: dict[str, CellRef] = {}
    order: list[str] = []
    totals: dict[str, CellRef] = {}
    blocks = _econ_blocks(table)
    pats = {k: [re.compile(p) for p in v] for k, v in template.rows.items()}
    for ri, row in enumerate(table.rows):
        for code_cols, _name, val in blocks:
            digits = "".join(re.sub(r"\D", "", row.cells[c].text) for c in code_cols if c < len(row.cells))
            if not re.fullmatch(r"\d{3}(\d{2})?", digits):
                # the code the matcher gave the block's row (by its name: the code cell run into the next row's,
                # “3010130102” over 基本工资 and 津贴补贴 on a worn photocopy, or lost)
                digits = next((re.sub(r"\D", "", m.code or "") for m in row.codes if m.column in code_cols), "")
            if re.fullmatch(r"\d{3}(\d{2})?", digits) and digits not in items and val < len(row.cells):
                items[digits] = (table.id, ri, val)
                order.append(digits)
        for ci, cell in enumerate(row.cells):
            lab = label_text(cell)
            for key in ("personnel_total", "public_total"):
                if key in totals or not any(p.search(lab) for p in pats.get(key, [])):
                    continue
                target = None
                for cj in range(ci + 1, len(row.cells)):
                    other = label_text(row.cells[cj])
                    if any(p.search(other) for k in ("personnel_total", "public_total") for p in pats.get(k, [])):
                        break
                    if parse_number(row.cells[cj].text).kind in ("number", "na"):
                        target = cj
                        break
                if target is None:
                    block = next((b for b in blocks if min(b[0]) <= ci <= b[2]), None)
                    target = block[2] if block else None
                if target is not None:
                    totals[key] = (table.id, ri, target)
    return {"items": items, "order": order, "totals": totals}


def build_view(table: Table, template: Template, settings: ValidationSettings) -> TableView:
    roles = resolve_columns(table, template)
    factor = 1.0 / settings.yuan_per_wan if table.unit == "元" else 1.0
    tol = settings.tolerance_yuan if table.unit == "元" else template.tolerance
    view = TableView(table, template, roles, factor, tol)
    code_cols = roles.get("code", [])
    view.codes = [_row_code(table, i, code_cols) if (code_cols or table.rows[i].codes) else None
                  for i in range(len(table.rows))]
    if template.layout == "econ_blocks":
        view.econ = _econ_view(table, template)
    return view


# ------------------------------------------------------------------------------------------- expansion
def rule_id(template_id: str, ident_id: str) -> str:
    """An identity's rule as checks name it: its id, prefixed with its template's unless it is already."""
    return ident_id if ident_id.startswith(template_id) else f"{template_id}-{ident_id}"


def _rule(view: TableView, ident_id: str) -> str:
    return rule_id(view.template.id, ident_id)


def _cell(view: TableView, ri: int, ci: int | None) -> CellRef | None:
    if ci is None or ri >= len(view.table.rows) or ci >= len(view.table.rows[ri].cells):
        return None
    return (view.id, ri, ci)


def _hierarchy(view: TableView, spec: dict, out: list[Identity]) -> None:
    by_code: dict[str, int] = {}
    for i, c in enumerate(view.codes):
        if c and c not in by_code:
            by_code[c] = i
    for code, ri in by_code.items():
        kids = [k for k in by_code if len(k) == len(code) + 2 and k.startswith(code)]
        if not kids:
            continue
        for role in spec.get("columns", []):
            c = view.col(role)
            if c is None:
                continue
            lhs, rhs = _cell(view, ri, c), [_cell(view, by_code[k], c) for k in kids]
            if lhs is None or None in rhs:
                continue
            out.append(Identity(_rule(view, spec["id"]), view.id,
                                f"{code} = Σ {'+'.join(kids)} [{view.table.columns[c]}]",
                                [Term(lhs, 1.0)], [Term(r, 1.0) for r in rhs], view.tolerance))


def _top_rows(view: TableView) -> list[int]:
    present = {c for c in view.codes if c}
    out = []
    for i, c in enumerate(view.codes):
        if c and not any(c[:k] in present for k in range(3, len(c), 2)):
            out.append(i)
    return out


def _top_total(view: TableView, spec: dict, out: list[Identity]) -> None:
    tr = view.total_row()
    tops = _top_rows(view)
    if tr is None or not tops:
        return
    level = "类" if all(len(view.codes[i] or "") == 3 for i in tops) else "top-level rows"
    for role in spec.get("columns", []):
        c = view.col(role)
        if c is None:
            continue
        lhs, rhs = _cell(view, tr, c), [_cell(view, i, c) for i in tops]
        if lhs is None or None in rhs:
            continue
        out.append(Identity(_rule(view, spec["id"]), view.id, f"合计 = Σ {level} [{view.table.columns[c]}]",
                            [Term(lhs, 1.0)], [Term(r, 1.0) for r in rhs], view.tolerance))


TOTAL_NAMED = "total_named"


def name_unlabelled_totals(doc: Document, settings: ValidationSettings | None = None) -> int:
    """A scanned table's first body row with neither code nor name, whose amounts are the sums of its 类 rows:
    the 合计 row, its label worn away or read into the header (seed-45 police 公开02表 as a worn photocopy: the
    row's 0.00s scored against no row, and 合计 = Σ 类 never checked). The label is the template's total label,
    written into the name column and put to review (``total_named``): nothing printed was read there. Wanted:
    more of the row's amounts agree with the sums of the 类 rows below, or of the rows with none below them (to
    the tolerance), than differ (an amount misread fails its column's sums), one of them not zero, and no row of
    the table already a total. Returns the rows named."""
    settings = settings or ValidationSettings()
    ocr_pages = {p.number for p in doc.pages if p.mode == "ocr"}
    named = 0
    for view in table_views(doc, settings).values():
        spec = next((s for s in view.template.identities if s["type"] == "top_total"), None)
        patterns = view.template.rows.get("total", [])
        name_col = view.col("name")
        if spec is None or not patterns or name_col is None or view.total_row() is not None:
            continue
        tops = _top_rows(view)
        if not tops or any(len(view.codes[i] or "") != 3 for i in tops):
            continue  # (a 类 row without its code leaves its 款 rows at the top: that row sums them, no 合计)
        present = [c for c in view.codes if c]
        # (the 项 rows, no row below them: their sum is the total's too, another reading of it)
        leaves = [i for i, c in enumerate(view.codes) if c and not any(o != c and o.startswith(c) for o in present)]
        first = min(tops)
        rows = view.table.rows
        ri = next((i for i in range(first) if any(parse_number(c.text).kind == "number" for c in rows[i].cells)),
                  None)
        if ri is None or view.codes[ri] or rows[ri].page not in ocr_pages or name_col >= len(rows[ri].cells):
            continue
        labels = [k for k in view.roles.get("code", []) + [name_col] if k < len(rows[ri].cells)]
        if any(normalize_chars(rows[ri].cells[k].text).strip() for k in labels):
            continue
        agree = differ = nonzero = 0
        for role in spec.get("columns", []):
            c = view.col(role)
            if c is None or c >= len(rows[ri].cells) or parse_number(rows[ri].cells[c].text).kind != "number":
                continue
            sums = [sum(amount(rows[i].cells[c]) if c < len(rows[i].cells) else 0.0 for i in among)
                    for among in (tops, leaves)]
            if all(abs(amount(rows[ri].cells[c]) - total) > view.tolerance + 1e-9 for total in sums):
                differ += 1  # (a 类 amount misread: that column's sum fails, the row is still the total's)
                continue
            agree += 1
            nonzero += amount(rows[ri].cells[c]) != 0
        if not nonzero or differ >= agree:
            continue
        cell = rows[ri].cells[name_col]
        cell.text = _plain(patterns[0])
        cell.kind = "text"
        cell.add_reason(TOTAL_NAMED)
        named += 1
    return named


def _parts(view: TableView, parts: list[str]) -> list[tuple[int, float]]:
    out = []
    for p in parts:
        sign = -1.0 if p.startswith("-") else 1.0
        c = view.col(p.lstrip("-"))
        if c is not None:
            out.append((c, sign))
    return out


def _row_sum(view: TableView, spec: dict, out: list[Identity], rows: list[int]) -> None:
    tc = view.col(spec["total"])
    parts = _parts(view, spec["parts"])
    if tc is None or not parts:
        return
    for ri in rows:
        lhs = _cell(view, ri, tc)
        rhs = [(_cell(view, ri, c), s) for c, s in parts]
        if lhs is None or any(r is None for r, _ in rhs):
            continue
        row = view.table.rows[ri]
        name = view.codes[ri] or label_text(row.cells[view.side_label_col(spec.get("side")) or 0])[:20]
        out.append(Identity(_rule(view, spec["id"]), view.id,
                            f"{name}: {view.table.columns[tc]} = " + " ".join(
                                ("+" if s > 0 else "−") + view.table.columns[c] for c, s in parts).lstrip("+"),
                            [Term(lhs, 1.0)], [Term(r, s) for r, s in rhs], view.tolerance))


def _resolve_term(views: dict[str, TableView], term: dict, default: TableView | None,
                  each: str | None) -> list[Term] | None:
    """Cells of one identity term; None when a required row/column is missing."""
    view = views.get(term["table"]) if "table" in term else default
    if view is None:
        return None if not term.get("optional") else []
    col_name = term["col"].replace("$each", each or "")
    if col_name.startswith("$"):  # economic-table totals
        ref = (view.econ or {}).get("totals", {}).get(col_name[1:])
        return [Term(ref, view.unit_factor)] if ref else (None if not term.get("optional") else [])
    c = view.col(col_name)
    if c is None:
        return None if not term.get("optional") else []
    if term.get("row") == "$total":
        ri = view.total_row()
        rows = [ri] if ri is not None else []
    elif "row" in term:
        rows = view.rows_matching(term.get("side"), term["row"], term.get("before"), term.get("after"))[:1]
    else:
        rows = view.rows_matching(term.get("side"), term["rows"], term.get("before"), term.get("after"))
        if rows and term.get("run_ends") and not _whole_run(view, term, rows):
            return None
    if not rows:
        return None if not term.get("optional") else []
    refs = [_cell(view, ri, c) for ri in rows]
    return [Term(r, view.unit_factor) for r in refs if r is not None]


def _whole_run(view: TableView, term: dict, rows: list[int]) -> bool:
    """The rows of a run of items (``rows``: 1. … 8.) are all of them: one after another, the first matching
    ``run_starts`` (1.) when given, and the row after the last the table's end or matching ``run_ends`` (the
    next section, (二)…). An item whose label lost its numbering on a worn scan (“2万题体干部服务用车1”,
    其他用车) would be left out of the sum, which could then hold on the others by chance — and confirm readings
    a row off (seed-45 jincheng 公开10表 as a worn photocopy: its counts a row or two off their labels, 1 + 1 +
    1 = 3 over the first six items)."""
    c = view.side_label_col(term.get("side"))

    def label(r: int) -> str:
        cells = view.table.rows[r].cells
        return label_text(cells[c]) if c is not None and c < len(cells) else ""

    if rows != list(range(rows[0], rows[-1] + 1)) or (term.get("run_starts") and not re.search(term["run_starts"],
                                                                                               label(rows[0]))):
        return False
    after = rows[-1] + 1
    return after >= len(view.table.rows) or bool(re.search(term["run_ends"], label(after)))


def _sum(views: dict[str, TableView], spec: dict, out: list[Identity], owner: TableView | None,
         rule: str, table_id: str) -> None:
    for each in spec.get("for_each", [None]):
        lhs, rhs = [], []
        ok = True
        for side, terms in (("lhs", lhs), ("rhs", rhs)):
            for t in spec[side]:
                got = _resolve_term(views, t, owner, each)
                if got is None:
                    ok = False
                    break
                sign = -1.0 if t.get("sign") == "-" else 1.0
                terms.extend(Term(g.ref, g.coef * sign) for g in got)
            if not ok:
                break
        if not ok or not lhs:
            continue
        desc = spec.get("description", "")
        if each and owner is not None and owner.col(each) is not None:
            desc += f" [{owner.table.columns[owner.col(each)]}]"
        out.append(Identity(rule, table_id, desc, lhs, rhs, _cross_tol(views, lhs + rhs)))


def _cross_tol(views: dict[str, TableView], terms: list[Term]) -> float:
    """Tolerance in the unit of the terms (万元 after conversion, or the single table's own unit)."""
    tables = {t.ref[0] for t in terms}
    vs = [v for v in views.values() if v.id in tables]
    if len(vs) == 1:
        return vs[0].tolerance
    return max(ValidationSettings().tolerance_wan, max((v.tolerance * v.unit_factor for v in vs), default=0.0))


def _class_name(label: str) -> str:
    name = _NUMBERING.sub("", label)
    return re.sub(r"支出$", "", name)


def _class_match(views: dict[str, TableView], spec: dict, out: list[Identity], doc_classes: dict[str, str]) -> None:
    left_spec, right_spec = spec["left"], spec["right"]
    lv, rv = views.get(left_spec["table"]), views.get(right_spec["table"])
    if lv is None or rv is None:
        return
    lc, rc = lv.col(left_spec["col"]), rv.col(right_spec["col"])
    label_col = lv.side_label_col(left_spec.get("side"))
    if lc is None or rc is None or label_col is None:
        return
    catalogue = function_classes()
    right_codes = {c: i for i, c in enumerate(rv.codes) if c}
    for ri in lv.rows_matching(left_spec.get("side"), left_spec["rows"]):
        label = label_text(lv.table.rows[ri].cells[label_col])
        name = _class_name(label)
        code = doc_classes.get(name) or catalogue.get(name)
        lref = _cell(lv, ri, lc)
        if code is None or lref is None:
            continue
        if code in right_codes:
            rrows = [right_codes[code]]
        else:
            under = [c for c in right_codes if c.startswith(code)]
            shallow = min((len(c) for c in under), default=0)
            rrows = [right_codes[c] for c in under if len(c) == shallow]
        lcell = lv.table.rows[ri].cells[lc]
        if not rrows and (is_blank(lcell) or amount(lcell) == 0):
            continue
        rhs = [Term(_cell(rv, i, rc), rv.unit_factor) for i in rrows]
        out.append(Identity(spec["id"], "", f"{spec.get('description', '')}: {label} = {code}",
                            [Term(lref, lv.unit_factor)], rhs, _cross_tol(views, [Term(lref, 1)] + rhs)))


def _econ(view: TableView, spec: dict, out: list[Identity]) -> None:
    econ = view.econ or {}
    items: dict[str, CellRef] = econ.get("items", {})
    if spec["type"] == "econ_classes":
        for code in econ.get("order", []):
            if len(code) != 3:
                continue
            kids = [k for k in econ["order"] if len(k) == 5 and k.startswith(code)]
            if kids:
                out.append(Identity(_rule(view, spec["id"]), view.id, f"{code} = Σ {len(kids)} 款",
                                    [Term(items[code], 1.0)], [Term(items[k], 1.0) for k in kids], view.tolerance))
        return
    totals = econ.get("totals", {})
    personnel = set(view.template.extra.get("personnel_classes", ["301", "303"]))
    classes = [c for c in econ.get("order", []) if len(c) == 3]
    for key, members, name in (("personnel_total", [c for c in classes if c in personnel], "人员经费合计"),
                               ("public_total", [c for c in classes if c not in personnel], "公用经费合计")):
        if key in totals and members:
            out.append(Identity(_rule(view, spec["id"]), view.id, f"{name} = Σ {'+'.join(members)}",
                                [Term(totals[key], 1.0)], [Term(items[c], 1.0) for c in members], view.tolerance))


def _record_sum(view: TableView, spec: dict, out: list[Identity]) -> None:
    """One sum per row of a record table (公开09表's 预算数 and 决算数). A scanned row of whole numbers only, read
    as no amounts (``format``), in a table whose other rows print decimals is its 栏次 row read as a row of the
    body (seed-41 education: “1 | 2 | 31456”, a rule's remnant among its numbers, summed and “repaired”
    blank), no record."""
    cols = [view.col(spec["total"])] + [view.col(p) for p in spec["parts"]]
    if any(c is None for c in cols):
        return

    def decimals(row) -> bool:
        return any(parse_number(row.cells[c].text).decimals for c in cols if c < len(row.cells))

    printed = any(decimals(row) for row in view.table.rows)
    for ri, row in enumerate(view.table.rows):
        if printed and not decimals(row) and any("format" in c.reasons for c in row.cells):
            continue
        if any(not is_blank(row.cells[c]) for c in cols if c < len(row.cells)) and all(
                parse_number(row.cells[c].text).kind != "text" for c in cols if c < len(row.cells)):
            refs = [_cell(view, ri, c) for c in cols]
            if None in refs:
                continue
            out.append(Identity(_rule(view, spec["id"]), view.id, spec.get("description", ""),
                                [Term(refs[0], 1.0)], [Term(r, 1.0) for r in refs[1:]], view.tolerance))


def _doc_class_names(views: dict[str, TableView]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in views.values():
        name_col = v.col("name")
        if name_col is None:
            continue
        for i, code in enumerate(v.codes):
            if code and len(code) == 3 and code.startswith("2"):
                out.setdefault(_class_name(label_text(v.table.rows[i].cells[name_col])), code)
    return out


def table_views(doc: Document, settings: ValidationSettings | None = None) -> dict[str, TableView]:
    """First table of each recognised template, keyed by template id (for cross-table identities), plus
    every table under its own id."""
    settings = settings or ValidationSettings()
    templates = load_templates()
    views: dict[str, TableView] = {}
    for t in doc.tables:
        tid = t.template or identify_template(t)
        if tid is None or tid not in templates:
            continue
        views[t.id] = build_view(t, templates[tid], settings)
    return views


def expand_identities(doc: Document, settings: ValidationSettings | None = None) -> list[Identity]:
    views = table_views(doc, settings)
    out: list[Identity] = []
    by_template: dict[str, TableView] = {}
    for v in views.values():
        by_template.setdefault(v.template.id, v)
    for view in views.values():
        coded_rows = [i for i, c in enumerate(view.codes) if c]
        tr = view.total_row()
        for spec in view.template.identities:
            kind = spec["type"]
            if kind == "hierarchy":
                _hierarchy(view, spec, out)
            elif kind == "top_total":
                _top_total(view, spec, out)
            elif kind == "row_sum":
                _row_sum(view, spec, out, ([tr] if tr is not None else []) + coded_rows)
            elif kind == "side_row_sum":
                side_col = view.side_label_col(spec.get("side"))
                rows = [i for i, r in enumerate(view.table.rows)
                        if side_col is not None and label_text(r.cells[side_col])]
                _row_sum(view, spec, out, rows)
            elif kind == "sum":
                _sum({view.template.id: view}, spec, out, view, _rule(view, spec["id"]), view.id)
            elif kind in ("econ_classes", "econ_totals"):
                _econ(view, spec, out)
            elif kind == "record_sum":
                _record_sum(view, spec, out)
            elif kind == "performance":
                from .performance import form_identities

                out.extend(form_identities(view.table, view.template))
            else:
                raise ValueError(f"template {view.template.id}: unknown identity type {kind!r}")
    doc_classes = _doc_class_names(views)
    for spec in cross_identities():
        tables = {t["table"] for t in spec.get("lhs", []) + spec.get("rhs", [])} | {
            spec[k]["table"] for k in ("left", "right") if k in spec}
        if not tables <= set(by_template):
            continue
        table_id = "+".join(by_template[t].id for t in sorted(tables))
        if spec["type"] == "class_match":
            before = len(out)
            _class_match(by_template, spec, out, doc_classes)
            for ident in out[before:]:
                ident.table = table_id
        else:
            _sum(by_template, spec, out, None, spec["id"], table_id)
    # drop instances where nothing was printed
    cells = {(t.id, ri, ci): c for t in doc.tables for ri, r in enumerate(t.rows) for ci, c in enumerate(r.cells)}
    return [i for i in out if any(not is_blank(cells[r]) for r in i.cells())]


def cell_values(doc: Document) -> dict[CellRef, float]:
    return {(t.id, ri, ci): amount(c) for t in doc.tables for ri, r in enumerate(t.rows) for ci, c in enumerate(r.cells)}


def to_check(ident: Identity, values: dict[CellRef, float]) -> Check:
    actual, expected = ident.sides(values)
    return Check(rule=ident.rule, table=ident.table, ok=ident.holds(values),
                 expected=round(expected, 6), actual=round(actual, 6), cells=ident.cells(),
                 description=ident.description, tolerance=ident.tolerance)


def near_miss(chk: Check) -> bool:
    """An identity that holds only within its tolerance (the documents' 尾差 of 0.01–0.02 万元), not exactly:
    it neither confirms its cells nor fails them — “261.83” read for 261.85 passes such a sum, so the sum
    is no proof of the reading."""
    if chk.expected is None or chk.actual is None:
        return False
    return abs(chk.expected - chk.actual) > chk.tolerance / 4 + 1e-9


def blamed_cells(doc: Document, checks: list[Check], identities: list | None = None) -> set[CellRef]:
    """The cells failing identities put in doubt. A cell of a failing identity that another identity confirms
    exactly (three or more cells, amounts read whole or blank in a table named by its title, holding to a quarter
    of its tolerance, its other cells in no failing identity) is vouched for: one misread amount fails
    its row's sum and its column's sum, and every other cell of those two sums holds in its own. When every
    cell of a failing identity is vouched for (or set by a reviewer), the error is not where the identities can
    see it and all stay in doubt. Of the cells left, one that alone explains every failing identity through it
    (two or more, each off by the same amount to half their 尾差) is the one blamed; else, where the repair found
    one-character misreads that would each make it hold (ambiguous), the recogniser's runner-up among them,
    those and the cells read in doubt on their own (low OCR score, seal, format …) are blamed, not its clean
    readings. A table is named by its form number or, its template known, by a title read. 绩效 forms are not
    localised (their ≤ and ratio checks prove no reading)."""
    forms = {t.id for t in doc.tables if t.kind == "performance"}
    # (a title read, worn or not, says a table begins there: 财政拨款收入支出决算总表 whose 公开04表 was lost under
    # the watermark is no piece — seed-45 photocopy150, re-scored: flagged 15.52 → 14.57 %)
    named = {t.id for t in doc.tables if t.form or (t.template and t.title)}
    lookup = {(t.id, ri, ci): c for t, ri, ci, c in doc.cells()}

    def kind(ref) -> str:
        # in a table named by its title (a piece of a table or a grid the pipeline could not name may hold right
        # sums in wrong places)
        cell = lookup.get(tuple(ref))
        return parse_number(cell.text).kind if cell is not None and ref[0] in named else "text"

    def reviewed(ref) -> bool:
        cell = lookup.get(tuple(ref))
        return cell is not None and cell.reviewed

    def proves(chk: Check) -> bool:
        # amounts read whole or cells left blank (“—” too); a garbled cell counts as 0 in a sum: no proof
        kinds = [kind(ref) for ref in chk.cells]
        return "number" in kinds and all(k in ("number", "empty", "na") for k in kinds)

    failing = {tuple(ref) for chk in checks if not chk.ok for ref in chk.cells}
    suspects = _ambiguous_groups(doc, lookup)
    vouched: set[CellRef] = set()
    for chk in checks:
        if not chk.ok or chk.table in forms or len(chk.cells) < 3 or near_miss(chk) or not proves(chk):
            continue  # (an equality of two cells, a total printed twice, holds when both are misread alike)
        refs = [tuple(ref) for ref in chk.cells]
        n_failing = sum(ref in failing for ref in refs)
        for ref in refs:
            # only by a sum whose other cells no failing identity touches: two misreads that agree (小计 and
            # 基本支出 of one row both off by 100) hold in their row and vouch for nothing
            if n_failing - (ref in failing) == 0:
                vouched.add(ref)
    # failing identities through each cell, and how far each is off
    through: dict[CellRef, list[Check]] = {}
    for chk in checks:
        if not chk.ok and chk.table not in forms and chk.expected is not None and chk.actual is not None:
            for ref in chk.cells:
                through.setdefault(tuple(ref), []).append(chk)

    def off(chk: Check) -> float:
        return abs(chk.actual - chk.expected)

    def explains(ref: CellRef, chk: Check) -> bool:
        # one misread explains every failing identity through it: two or more, each off by the same amount (to
        # half their 尾差: a sum printed 0.01 off its parts is off by 0.06 where its row is off by 0.05; a second
        # misread of 0.02 or more in one of them sets it apart), in tables named by their titles (a piece of a
        # table may hold right amounts in wrong columns)
        fails = through.get(ref, [])
        return len(fails) >= 2 and all(abs(off(f) - off(chk)) <= max(f.tolerance, chk.tolerance) / 2 + EPS
                                       and all(r[0] in named for r in f.cells) for f in fails)

    blamed: set[CellRef] = set()
    explained = None  # (computed when first needed)
    amount_columns = functools.cache(lambda: _two_decimal_columns(doc))  # (computed when first needed)

    def speck(ref) -> bool:  # a speck read as a number in a column of two-decimal amounts
        return _speck(lookup.get(ref)) and (ref[0], ref[2]) in amount_columns()

    for chk in checks:
        if chk.ok:
            continue
        refs = [tuple(ref) for ref in chk.cells]
        # a reviewer's word is final: a failing identity whose only unvouched cell a reviewer set blames the rest
        free = [ref for ref in refs if ref not in vouched and not reviewed(ref)] if chk.table not in forms else refs
        if chk.table not in forms and len(free) > 1 and chk.expected is not None and chk.actual is not None:
            # the misread 214.64 for 214.69 fails 本年支出合计 = Σ 类 (27 cells) and its row against 公开03表 (2
            # cells), both off by 0.05: of the 27 only that cell explains both, and a second misread among the
            # others would set the sum off by another amount
            sole = [ref for ref in free if explains(ref, chk)]
            if len(sole) == 1:
                free = sole
            elif groups := [g for g in suspects.get((chk.table, chk.rule), []) if g <= set(refs)]:
                # the repair found one-character misreads that each make it hold, the recogniser's runner-up
                # among them (ambiguous: 38.33 for 36.33 or 5.12 for 3.12 in 302 = Σ 302xx of 28 cells): those,
                # and the readings in doubt on their own, are what it blames — not a clean reading of its 28
                free = [ref for ref in free if any(ref in g for g in groups) or _doubtful(lookup.get(ref))] or free
            elif garbled := [ref for ref in free if _garbled(lookup.get(ref)) or speck(ref)]:
                # a reading that is no amount (“909”, “11一” among two-decimal amounts: a worn 9.09, strokes) counts
                # as 0 and fails the sum by itself when a positive amount there would make it hold: it and the
                # readings in doubt on their own are what it blames, not the clean ones (real caizheng 公开06表 as
                # a worn photocopy: 302 = Σ 302xx, 28 cells, every clean one in review)
                if explained is None:
                    explained = _explained_by_garbled(doc, identities, amount_columns())
                if any(ref in explained.get(_check_key(chk), ()) for ref in garbled):
                    free = [ref for ref in free if ref in garbled or _doubtful(lookup.get(ref))]
        blamed.update(free or refs)
    return blamed


# readings interpretation mended from their form alone (pipeline.interpret: a point put back, a stroke after the
# decimals dropped): what was read was broken
MENDED = ("point_restored", "stroke_dropped", "digit_restored")


# reasons that put a reading in doubt on its own (a watermark alone does not: it lies over most cells; nor does a
# side inferred, ``rule_missing``: on a worn photocopy it is on most cells, and says where the cell's walls are, not
# what was read in it — seed-45 photocopy150, re-scored: flagged 14.57 → 14.24 %, no wrong cell more unflagged. A
# cell moved across a lost rule keeps ``rule_missing`` all the same: scoring caps it until an identity confirms it)
_DOUBT = frozenset({"low_ocr", "seal", "seal_speck", "format", "format_normalised", "rows_merged",
                    "structure", "near_miss", "repaired", "code_conflict", "text_conflict", *MENDED})


def _check_key(chk: Check) -> tuple:
    return chk.rule, tuple(tuple(ref) for ref in chk.cells)


def _explained_by_garbled(doc: Document, identities: list | None = None,
                          two_decimals: set[tuple[str, int]] = frozenset()) -> dict[tuple, set[CellRef]]:
    """For each failing identity, its cells read as no amount (:func:`_garbled`, counted as 0) where a positive
    amount would make it hold, and its specks read as a whole number in a column printing two decimals
    (:func:`_speck`: a lost rule's remnant read “1” in a blank cell) when it holds with them blank: the failure
    is theirs to explain."""
    lookup = {(t.id, ri, ci): c for t, ri, ci, c in doc.cells()}
    values = cell_values(doc)
    out: dict[tuple, set[CellRef]] = {}
    for ident in (expand_identities(doc) if identities is None else identities):
        if ident.op != "eq" or ident.holds(values):
            continue
        specks = [ref for ref in ident.cells() if (ref[0], ref[2]) in two_decimals and _speck(lookup.get(ref))]
        if specks and ident.holds({**values, **{ref: 0.0 for ref in specks}}):
            out.setdefault((ident.rule, tuple(ident.cells())), set()).update(specks)
        for ref in ident.cells():
            if not _garbled(lookup.get(ref)):
                continue
            a0, e0 = ident.sides(values, ref, 0.0)
            a1, e1 = ident.sides(values, ref, 1.0)
            slope = (a1 - e1) - (a0 - e0)
            if slope and -(a0 - e0) / slope > 0:
                out.setdefault((ident.rule, tuple(ident.cells())), set()).add(ref)
    return out


def _garbled(cell) -> bool:
    """A reading that is no amount as the table prints them: not a number, or flagged ``format``. (A reading
    mended from its form, :data:`MENDED`, has its value: it explains a failing sum no better than any other.)"""
    return cell is not None and bool(cell.text.strip()) and (
        "format" in cell.reasons or parse_number(cell.text).kind not in ("number", "na", "empty"))


SPECK = re.compile(r"\d{1,2}")  # one or two digits alone: a mark read as a number where amounts print decimals


def _speck(cell) -> bool:
    """A reading of one or two digits without a point: in a column printing two decimals, a mark read as a
    number (a lost rule's remnant, a seal's speck), not an amount."""
    return cell is not None and bool(SPECK.fullmatch(cell.text.strip()))


def _two_decimal_columns(doc: Document, share: float = 0.8, least: int = 3) -> set[tuple[str, int]]:
    """(table, column) of the columns that print amounts with two decimals — most of their numbers, specks
    (:func:`_speck`) aside — or nothing but specks (a column printed blank, 国有资本经营预算财政拨款 of a
    department without such funds): not codes or 行次."""
    out = set()
    for t in doc.tables:
        width = max((len(r.cells) for r in t.rows), default=0)
        for c in range(width):
            cells = [row.cells[c] for row in t.rows if c < len(row.cells)
                     and parse_number(row.cells[c].text).kind == "number"]
            numbers = [parse_number(cell.text) for cell in cells if not _speck(cell)]
            if (len(numbers) >= least and sum(p.decimals == 2 for p in numbers) >= share * len(numbers)) \
                    or (cells and not numbers and len(cells) <= 2):
                out.add((t.id, c))
    return out


def _doubtful(cell) -> bool:
    return cell is None or cell.ocr_score < 0.99 or any(r in _DOUBT for r in cell.reasons)


def _ambiguous_groups(doc: Document, lookup: dict) -> dict[tuple[str, str], list[set[CellRef]]]:
    """The candidate cells of each ambiguous repair (pipeline.repair) still as it found them, by the
    identities they would each make hold — where the recogniser's own runner-up reading is among them (a
    candidate from the confusion table alone is no evidence of where the misread is: 58.00 read sure as 55.00
    fails its sum by 3.00, which any clean “1” read for a 4 would explain as well)."""
    out: dict[tuple[str, str], list[set[CellRef]]] = {}
    for rec in doc.repairs:
        if rec.get("status") != "ambiguous":
            continue
        cands = rec.get("candidates", [])
        refs = [(c["table"], c["row"], c["col"]) for c in cands]
        if not refs or any(lookup.get(ref) is None or lookup[ref].text != c["from"] for ref, c in zip(refs, cands)):
            continue  # a cell read or corrected since
        if not any(c.get("source") == "ocr" for c in cands):
            continue
        for rule in rec.get("rules", []):
            for table in {r[0] for r in refs}:
                out.setdefault((table, rule), []).append(set(refs))
    return out


def validate_document(doc: Document, settings: ValidationSettings | None = None) -> list[Check]:
    """Evaluate every applicable identity; replaces ``doc.checks``; flags the cells failing identities put in
    doubt (:func:`blamed_cells`)."""
    identities = expand_identities(doc, settings)
    values = cell_values(doc)
    checks = [to_check(i, values) for i in identities]
    for _t, _ri, _ci, cell in doc.cells():
        if "check_failed" in cell.reasons:
            cell.reasons.remove("check_failed")
    lookup = {(t.id, ri, ci): c for t, ri, ci, c in doc.cells()}
    for ref in blamed_cells(doc, checks, identities):
        lookup[ref].add_reason("check_failed")
    doc.checks = checks
    return checks
