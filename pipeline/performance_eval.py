"""Scoring 绩效自评表 records against ground truth (the benchmark's record metrics).

Forms are matched truth ↔ prediction by their pages and project/department; inside a pair, scalar fields
are compared one to one, funds and 资金管理 rows by position (by their labels when rows are missing or
extra), indicator rows by an edit-distance alignment
on their 三级指标 names (:func:`pipeline.evaluate.align_rows` logic on the record rows).

A field is right when: numeric (the truth field carries ``value``) — the predicted value is within 0.005,
or both are blank with equal text; text — equal :func:`pipeline.textnorm.compare_key`; a target — equal
text, operator, number and unit. A missing field counts as blank text.

Populations: every truth field (→ field accuracy, numeric accuracy, funds accuracy); every truth indicator
row (→ indicator rows found, and exact: every field of the row right); the predicted numeric fields of
matched forms (→ flagged share, residual error among unflagged: wrong and not ``review``).

The forms' arithmetic: for each document the failing ``…-total`` / ``…-weights`` / ``…-rate`` checks per
form, in the truth (:func:`truth_checks`) and in the prediction, and whether they are the same forms.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .evaluate import _similarity, align_keys
from .textnorm import compare_key

NUMBER_TOLERANCE = 0.005
SCALARS = (("project",), ("department",), ("implementer",), ("goals", "expected"), ("goals", "actual"),
           ("total", "weight"), ("total", "score"), ("grade",), ("date",))
FUND_KEYS = ("label", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", "目标申报数", "资金结余")
MGMT_KEYS = ("label", "note", "weight", "score", "problem")
IND_KEYS = ("level1", "level2", "level3", "target", "target_initial", "actual", "weight", "score", "deviation", "reason")
CHECK_KINDS = ("total", "weights", "rate")


@dataclass
class FieldResult:
    path: str
    numeric: bool
    right: bool
    review: bool | None  # None: the prediction has no such field
    truth: str = ""
    predicted: str = ""


@dataclass
class RecordScore:
    forms: int = 0
    forms_found: int = 0
    fields: int = 0
    fields_right: int = 0
    numeric: int = 0
    numeric_right: int = 0
    funds: int = 0
    funds_right: int = 0
    indicator_rows: int = 0
    indicator_rows_found: int = 0
    indicator_rows_exact: int = 0  # every field of the row right
    indicator_rows_numbers: int = 0  # 分值, 得分, 偏差度 and the target's number right
    predicted_numeric: int = 0
    predicted_flagged: int = 0
    unflagged_wrong: int = 0
    checks: dict[str, Any] = field(default_factory=dict)
    wrong: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: "RecordScore") -> None:
        for k, v in asdict(other).items():
            if isinstance(v, int):
                setattr(self, k, getattr(self, k) + v)
        for kind, c in other.checks.items():
            mine = self.checks.setdefault(kind, {"forms": 0, "truth_fail": 0, "predicted_fail": 0, "same": 0})
            for k in mine:
                mine[k] += c[k]
        self.wrong.extend(other.wrong)

    def metrics(self) -> dict[str, Any]:
        r = (lambda a, b: a / b if b else None)
        unflagged = self.predicted_numeric - self.predicted_flagged
        return {"forms": self.forms, "forms_found": self.forms_found,
                "field_accuracy": r(self.fields_right, self.fields), "numeric_accuracy": r(self.numeric_right, self.numeric),
                "funds_accuracy": r(self.funds_right, self.funds),
                "indicator_rows_found": r(self.indicator_rows_found, self.indicator_rows),
                "indicator_rows_exact": r(self.indicator_rows_exact, self.indicator_rows),
                "indicator_rows_numbers": r(self.indicator_rows_numbers, self.indicator_rows),
                "flag_rate": r(self.predicted_flagged, self.predicted_numeric),
                "residual_error": r(self.unflagged_wrong, unflagged), "checks": self.checks,
                "counts": {k: v for k, v in asdict(self).items() if isinstance(v, int)}}


def _text(f: Any) -> str:
    if f is None:
        return ""
    if isinstance(f, dict):
        return str(f.get("text") or "")
    return str(f)


def _same_number(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= NUMBER_TOLERANCE + 1e-9)


def _field_right(truth: Any, pred: Any) -> tuple[bool, bool]:
    """(right, numeric) of one field. A target is a text field (text, operator, number and unit); its number
    is scored again as a numeric field (``target.number``)."""
    if isinstance(truth, dict) and "operator" in truth:
        if not isinstance(pred, dict):
            return not _text(truth), False
        same = compare_key(_text(truth)) == compare_key(_text(pred))
        same = same and truth.get("operator") == pred.get("operator") and truth.get("unit") == pred.get("unit")
        return same and _same_number(truth.get("number"), pred.get("number")), False
    if isinstance(truth, dict) and "value" in truth:
        tv = truth.get("value")
        pv = pred.get("value") if isinstance(pred, dict) else None
        if tv is None:
            return pv is None and compare_key(_text(truth)) == compare_key(_text(pred)), True
        return pv is not None and abs(float(pv) - float(tv)) <= NUMBER_TOLERANCE + 1e-9, True
    if isinstance(truth, int) or isinstance(pred, int):  # year
        return truth == pred, False
    return compare_key(_text(truth)) == compare_key(_text(pred)), False


def _align(truth_rows: list[dict], pred_rows: list[dict], key: str, gap: float = 0.45) -> list[tuple[int | None, int | None]]:
    def keys(rows):
        return [compare_key(_text(r.get(key))) + "|" + compare_key(_text(r.get("score"))) for r in rows]

    return align_keys(keys(truth_rows), keys(pred_rows), gap)


def _by_label(truth_rows: list[dict], pred_rows: list[dict]) -> list[tuple[int, dict, dict | None]]:
    """Funds and 资金管理 rows paired by position when there are as many on both sides, else by an alignment
    on their labels (rows merged or split shift the ones below them; those stay paired with their truth)."""
    if len(truth_rows) == len(pred_rows):
        return [(i, row, pred_rows[i]) for i, row in enumerate(truth_rows)]
    pairs = align_keys([compare_key(_text(r.get("label"))) for r in truth_rows],
                       [compare_key(_text(r.get("label"))) for r in pred_rows], 0.45)
    return [(ti, truth_rows[ti], pred_rows[pi] if pi is not None else None) for ti, pi in pairs if ti is not None]


def _get(rec: dict | None, path: tuple) -> Any:
    cur: Any = rec
    for p in path:
        if not isinstance(cur, dict):
            return None
        cur = cur.get(p)
    return cur


class _Scorer:
    def __init__(self, name: str):
        self.s = RecordScore()
        self.name = name
        self.seen_pred: set[int] = set()
        self.form = ""  # the truth form being scored (its table id)

    def field(self, path: str, truth: Any, pred: Any, group: str = "") -> bool:
        if truth is None and (pred is None or not _text(pred)):
            return True  # a field the form does not print
        right, numeric = _field_right(truth, pred)
        if isinstance(truth, dict) and "operator" in truth and truth.get("number") is not None:
            number_right = _same_number(truth["number"], pred.get("number") if isinstance(pred, dict) else None)
            self.count(path + ".number", number_right, True, group, truth, pred)
            self.count(path, right, False, group, truth, pred)
            if not right:
                self.wrong(path, truth, pred)
            return right
        self.count(path, right, numeric, group, truth, pred)
        if not right:
            self.wrong(path, truth, pred)
        return right

    def wrong(self, path: str, truth: Any, pred: Any) -> None:
        if len(self.s.wrong) < 200:
            self.s.wrong.append({"document": self.name, "form": self.form, "field": path, "truth": _text(truth),
                                 "predicted": _text(pred),
                                 "review": bool(pred.get("review")) if isinstance(pred, dict) else None})

    def count(self, path: str, right: bool, numeric: bool, group: str, truth: Any, pred: Any) -> None:
        s = self.s
        s.fields += 1
        s.fields_right += right
        if numeric:
            s.numeric += 1
            s.numeric_right += right
        if group == "funds" and numeric:
            s.funds += 1
            s.funds_right += right
        if numeric and isinstance(pred, dict) and "value" in pred and id(pred) not in self.seen_pred:
            self.seen_pred.add(id(pred))
            s.predicted_numeric += 1
            flagged = bool(pred.get("review"))
            s.predicted_flagged += flagged
            s.unflagged_wrong += (not right) and not flagged


def _match_forms(truth: list[dict], pred: list[dict]) -> list[tuple[int, int | None]]:
    cands = []
    for ti, t in enumerate(truth):
        tp = set(t.get("pages", []))
        tr = t.get("record") or {}
        tkey = compare_key(_text(tr.get("project")) + _text(tr.get("department")))
        for pi, p in enumerate(pred):
            pp = set(p.get("pages", []))
            overlap = len(tp & pp) / len(tp | pp) if tp | pp else 0.0
            pr = p.get("record") or {}
            pkey = compare_key(_text(pr.get("project")) + _text(pr.get("department")))
            score = overlap + _similarity(tkey, pkey)
            if overlap > 0 or score > 1.5:
                cands.append((score, ti, pi))
    cands.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_t: dict[int, int] = {}
    used_p: set[int] = set()
    for _, ti, pi in cands:
        if ti in used_t or pi in used_p:
            continue
        used_t[ti] = pi
        used_p.add(pi)
    return [(ti, used_t.get(ti)) for ti in range(len(truth))]


def forms_of(doc: dict) -> list[dict]:
    return [t for t in doc.get("tables", []) if t.get("kind") == "performance"]


def score_record(sc: _Scorer, truth: dict, pred: dict | None) -> None:
    for path in SCALARS:
        sc.field(".".join(path), _get(truth, path), _get(pred, path))
    if "year" in truth:
        sc.field("year", truth.get("year"), (pred or {}).get("year"))
    for i, row, prow in _by_label(truth.get("funds") or [], (pred or {}).get("funds") or []):
        for k in FUND_KEYS:
            sc.field(f"funds[{i}].{k}", row.get(k), (prow or {}).get(k), group="funds")
    for i, row, prow in _by_label(truth.get("management") or [], (pred or {}).get("management") or []):
        for k in MGMT_KEYS:
            sc.field(f"management[{i}].{k}", row.get(k), (prow or {}).get(k))
    pp = (pred or {}).get("projects") or []
    for i, row in enumerate(truth.get("projects") or []):
        prow = pp[i] if i < len(pp) else None
        for k, v in row.items():
            sc.field(f"projects[{i}].{k}", v, (prow or {}).get(k))
    t_ind = truth.get("indicators") or []
    p_ind = (pred or {}).get("indicators") or []
    sc.s.indicator_rows += len(t_ind)
    for ti, pi in _align(t_ind, p_ind, "level3"):
        if ti is None:
            continue
        prow = p_ind[pi] if pi is not None else None
        sc.s.indicator_rows_found += prow is not None
        exact = numbers = prow is not None
        for k in IND_KEYS:
            right = sc.field(f"indicators[{ti}].{k}", t_ind[ti].get(k), (prow or {}).get(k))
            exact &= right
            t = t_ind[ti].get(k)
            if k in ("weight", "score", "deviation"):
                numbers &= right
            elif k == "target" and isinstance(t, dict) and t.get("number") is not None:
                numbers &= _same_number(t["number"], ((prow or {}).get(k) or {}).get("number"))
        sc.s.indicator_rows_exact += exact
        sc.s.indicator_rows_numbers += numbers


def truth_checks(truth_doc: dict) -> list[dict[str, Any]]:
    """The forms' checks evaluated on the truth (the arithmetic as printed)."""
    from .model import Document
    from .validate import validate_document

    doc = Document.from_dict(truth_doc)
    validate_document(doc)
    return [c.to_dict() for c in doc.checks]


def _failing(checks: list[dict], table: str | None, kind: str) -> bool | None:
    mine = [c for c in checks if c.get("table") == table and c.get("rule", "").endswith("-" + kind)]
    if not mine:
        return None
    return not all(c["ok"] for c in mine)


def score_forms(truth_doc: dict, pred_doc: dict, name: str = "") -> RecordScore:
    """Record metrics of one document (empty when the truth has no forms)."""
    truth = forms_of(truth_doc)
    sc = _Scorer(name)
    if not truth:
        return sc.s
    pred = forms_of(pred_doc)
    sc.s.forms = len(truth)
    t_checks = truth_checks(truth_doc)
    p_checks = pred_doc.get("checks", [])
    for kind in CHECK_KINDS:
        sc.s.checks[kind] = {"forms": 0, "truth_fail": 0, "predicted_fail": 0, "same": 0}
    for ti, pi in _match_forms(truth, pred):
        t = truth[ti]
        p = pred[pi] if pi is not None else None
        sc.s.forms_found += p is not None
        sc.form = t["id"]
        score_record(sc, t.get("record") or {}, (p or {}).get("record"))
        for kind in CHECK_KINDS:
            tf = _failing(t_checks, t["id"], kind)
            if tf is None:
                continue
            pf = _failing(p_checks, p["id"], kind) if p is not None else None
            c = sc.s.checks[kind]
            c["forms"] += 1
            c["truth_fail"] += tf
            c["predicted_fail"] += bool(pf)
            c["same"] += bool(pf) == tf
    return sc.s


def records_from_grids(predicted: dict[str, Any]) -> dict[str, Any]:
    """A system that reports grids only (the img2table peer): its tables read as forms by our record reader
    (header rows put back in front of the body, forms recognised from their grid), so its grids can be
    compared with ours through the records they yield."""
    from .model import Cell, Document, Row
    from .performance import FORM_KIND, attach_records, finish_records, interpret_form_cells, is_form_grid
    from .templates import identify_template
    from .validate import validate_document

    doc = Document.from_dict(predicted)
    for table in doc.tables:
        texts = [[c for c in r] for r in table.header] + [[c.text for c in r.cells] for r in table.rows]
        if not is_form_grid([table.title], texts):
            continue
        page = table.pages[0] if table.pages else 1
        head = [Row(page=page, cells=[Cell(text=t, confidence=1.0) for t in r]) for r in table.header]
        table.rows = head + table.rows
        table.header, table.columns = [], [""] * len(table.columns)
        table.kind = FORM_KIND
        interpret_form_cells(table, set())
        table.template = None
        identify_template(table)
    attach_records(doc)
    validate_document(doc)
    finish_records(doc)  # the peer's own confidence and review flags carry over into its records
    return doc.to_dict()
