"""绩效自评表 (performance self-evaluation forms) read as records and checked by their own arithmetic.

A form is one ruled table whose rows change meaning section by section (project, funds, 资金管理, goals,
indicators, 总分). The templates ``models/templates/P*.json`` (layout ``performance``) say how each layout
labels its sections and columns; :func:`build_record` walks the grid with them and returns the record:

    {"project", "department", "implementer", "year",
     "funds": [{"label", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"}],
     "management": [...] (Henan forms), "goals": {"expected", "actual"},
     "indicators": [{"level1", "level2", "level3", "target", "actual", "weight", "score", "reason"}],
     "total": {"weight", "score"}, "grade", "groups", "findings"}

Every value is ``{"text", "value", "cell": [row, column], "confidence", "review"}`` — the cell of the table
it came from, so confidence, review flags and reviewers' corrections carry over (merged 一级/二级 cells
are forward-filled: every indicator row points at the one printed cell). Targets also keep the operator,
number and unit apart (:func:`parse_target`).

:func:`form_identities` turns the form's arithmetic into identities for ``pipeline.validate`` (so failing
checks flag cells, feed repair and confidence exactly like the 公开表 identities):

- 执行率 = 全年执行数 / 全年预算数 (to the printed precision of all three);
- 资金结(转)余 = 全年预算数 − 全年执行数 (Shanxi); 资金总额 = Σ sources (per column, where printed);
- 总分 = Σ 得分 (执行率得分 + 资金管理 + indicators); Σ 分值 = 100 (the printed total weight, or the
  template's 100); 一级 weight printed in its label (“产出指标 (50分)”) = Σ its indicators' 分值;
- 得分 ≤ 分值 for every scored row.

Findings are reported in the record, not as failing checks: the funds 得分 against 分值 × min(执行率, 1)
(a scoring rule forms apply loosely) and 执行率 computed against 年初预算数.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .textnorm import clean_cell_text, compare_key

# ------------------------------------------------------------------------------------------ targets
_OPERATORS = {"≥": "≥", "≧": "≥", ">=": "≥", "≤": "≤", "≦": "≤", "<=": "≤", "=": "=", "＝": "=", "≡": "=", ">": ">",
              "＞": ">", "<": "<", "＜": "<", "≈": "≈", "→": "→"}
_OP_WORDS = {"不低于": "≥", "不少于": "≥", "大于等于": "≥", "不高于": "≤", "不超过": "≤", "小于等于": "≤", "大于": ">",
             "小于": "<", "等于": "="}
_NUMBER = re.compile(r"(\d+(?:[.,]\d+)*)")
_UNIT = re.compile(r"^[\u4e00-\u9fff%‰a-zA-Z/.·．()（）]{0,8}$")


def _num(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def parse_target(text: str, value: str | None = None, unit: str | None = None, split: bool = False
                 ) -> dict[str, Any] | None:
    """An indicator's target as printed, with operator, number and unit apart.

    ``parse_target("≥95%")`` → operator ≥, number 95, unit %; ``"100人次"`` → number 100, unit 人次;
    ``"效果显著"`` → qualitative. ``split=True``: Sichuan prints 指标性质 | 指标值 | 度量单位 in three cells
    (``text`` is then the 指标性质, e.g. “≥” or “定性”).
    """
    if split:
        nature, value, unit = (clean_cell_text(x or "") for x in (text, value, unit))
        if not (nature or value or unit):
            return None
        if nature == "定性" or (value and _num(value) is None and not _NUMBER.search(value)):
            return {"text": f"定性: {value}" if nature == "定性" else value, "operator": None, "number": None,
                    "unit": unit or None, "qualitative": True, "value": None, "cell": None}
        op = _OPERATORS.get(nature, nature or None)
        number = _num(value) if value else None
        return {"text": f"{nature}{value}{unit}", "operator": op, "number": number, "unit": unit or None,
                "qualitative": number is None, "value": number, "cell": None}
    t = clean_cell_text(text or "")
    if not t:
        return None
    s = t.replace(" ", "")
    op = None
    for word, sym in _OP_WORDS.items():
        if s.startswith(word):
            op, s = sym, s[len(word):]
            break
    if op is None:
        for sym in sorted(_OPERATORS, key=len, reverse=True):
            if s.startswith(sym):
                op, s = _OPERATORS[sym], s[len(sym):]
                break
    if op is None and re.match(r"^[—－-]\d", s) and _UNIT.match(_NUMBER.sub("", s[1:], count=1)):
        op, s = "=", s[1:]  # Shanxi prints a dash for “=” (—64天, —100%; a scan's “—” reads “-”: a target
        # is no negative number)
    m = _NUMBER.match(s)
    if m:
        rest = s[m.end():]
        if re.match(r"^[-~～—至]\d", rest):  # a range (1-2, 10000-20000)
            m2 = _NUMBER.match(rest[1:])
            unit_text = rest[1 + m2.end():] if m2 else rest
            if _UNIT.match(unit_text):
                return {"text": t, "operator": op or "range", "number": _num(m.group(1)),
                        "number_max": _num(m2.group(1)) if m2 else None, "unit": unit_text or None,
                        "qualitative": False, "value": _num(m.group(1)), "cell": None}
        if _UNIT.match(rest) and not re.search(r"\d", rest):
            number = _num(m.group(1))
            return {"text": t, "operator": op, "number": number, "unit": rest or None, "qualitative": False,
                    "value": number, "cell": None}
    if op is not None and not s:  # “=%”, “≥人”: an operator and a unit, the number left blank
        return {"text": t, "operator": op, "number": None, "unit": None, "qualitative": False, "value": None,
                "cell": None}
    if op is not None and _UNIT.match(s) and not re.search(r"\d", s):
        return {"text": t, "operator": op, "number": None, "unit": s or None, "qualitative": False, "value": None,
                "cell": None}
    return {"text": t, "operator": op, "number": None, "unit": None, "qualitative": True, "value": None,
            "cell": None}


# ------------------------------------------------------------------------------------------ vocabulary
FORM_KIND = "performance"


def vocabulary() -> dict[str, Any]:
    from .resources import load_json

    return load_json("templates", "performance.json")


# a seal's or watermark's stroke read as a letter or an arrow at either end of a printed label (“T情况说明”,
# “→级指标” where the thin 一 was): labels are words, so the bare word is matched as well
_LABEL_JUNK = re.compile(r"^[A-Za-z→←↑↓|~`']{1,2}(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])[A-Za-z→←↑↓|~`']{1,2}$")


def _bare_label(key: str) -> str:
    return _LABEL_JUNK.sub("", key)


def _matches(key: str, patterns) -> bool:
    if any(re.search(p, key) for p in patterns):
        return True
    bare = _bare_label(key)
    return bare != key and bool(bare) and any(re.search(p, bare) for p in patterns)


def _near_label(key: str, patterns) -> bool:
    """``key`` is a word pattern (“^年度目标$”) with one character misread (“年度日标”): a label of four or more
    characters recognised next to its partner read whole (the goals' two headers)."""
    for p in patterns:
        word = p[1:-1] if p.startswith("^") and p.endswith("$") else None
        if word and len(word) >= 4 and len(key) == len(word) and re.fullmatch(r"[\u4e00-\u9fff]+", word) \
                and sum(a != b for a, b in zip(key, word)) == 1:
            return True
    return False


def _performance_templates():
    from .templates import load_templates

    return {k: t for k, t in load_templates().items() if t.layout == "performance"}


def is_form_grid(above: list[str], texts: list[list[str]]) -> bool:
    """A ruled grid is a 绩效自评表: its title (the text above it) is a form title, or it prints the
    indicator header (一级指标 | 二级指标 | 三级指标)."""
    from .templates import _by_title

    templates = _performance_templates()
    if any(_by_title(line, templates) for line in above[-4:]):
        return True
    keys = {compare_key(t) for row in texts for t in row if t}
    return all(any(re.search(p, k) for p in group for k in keys) for group in vocabulary()["grid_words"])


def starts_form(rows: list[list[str]]) -> bool:
    """The grid begins a form (项目名称 …, 部门（单位）名称 …, the 汇总表's 序号 …) rather than continuing one."""
    start = vocabulary()["form_start"]
    for texts in rows[:3]:
        first = next((compare_key(t) for t in texts if t.strip()), "")
        if first and _matches(first, start):
            return True
    return False


def form_title(above: list[str]) -> str:
    """The title of a form whose title line does not end the way titles do (a title cut short)."""
    words = vocabulary()["form_titles"]
    for line in reversed(above):
        t = re.sub(r"\s*[（(]\s*20\d{2}\s*年度?\s*[)）]$", "", line.strip())
        if 4 <= len(t) <= 60 and any(w in compare_key(t) for w in words) and "：" not in t and ":" not in t:
            return t
    return ""


def form_year(above: list[str]) -> int | None:
    """The year a form evaluates: “(2023年度)”, “2023年度” — not the date it was filled in (2024年05月)."""
    for line in above:
        m = re.search(r"(20\d{2})\s*年度", line)
        if m:
            return int(m.group(1))
    return None


def join_form_columns(table, previous, pt, tol: float = 0.012) -> None:
    """Append the rows of the next page of a form (``pt``) to ``table``: the two pages' column edges are
    merged (a page may lack a rule the other has, e.g. when its rows all span two columns); every cell goes
    to the column its left edge starts at."""
    from .model import Cell, Row

    union: list[float] = []
    for x in sorted(list(previous.col_edges) + list(pt.col_edges)):
        if not union or x - union[-1] > tol:
            union.append(x)

    def index(x: float) -> int:
        return min(range(len(union)), key=lambda i: abs(union[i] - x))

    def remap(rows, edges):
        out = []
        for row in rows:
            cells = [Cell(text="") for _ in range(len(union) - 1)]
            for c, cell in enumerate(row.cells):
                k = min(index(edges[c]), len(union) - 2)
                if cell.text or not cells[k].bbox:
                    cells[k] = cell
            for k, cell in enumerate(cells):
                if cell.bbox is None:
                    cell.bbox = row.cells[0].bbox
            out.append(Row(page=row.page, cells=cells, codes=row.codes))
        return out

    if len(union) != len(previous.col_edges):
        table.rows = remap(table.rows, previous.col_edges)
        table.columns = [""] * (len(union) - 1)
        table.header = [[""] * (len(union) - 1) for _ in table.header]
    table.rows.extend(remap(pt.all_rows, pt.col_edges))
    pt.col_edges = union


# a 7-like seal stroke read as “T” beside a number (“T5”, “5T”, “T0.00”): the letter lookalike would make it
# a 7 (“75”), while forms print short scores where such a stroke is a seal's, not a digit
# (a lower-case t after a number is left alone: “5t” may be tonnes)
_EDGE_T = re.compile(r"^[Tt](?=\d)|(?<=\d)T$")
# “91,11”, “-10,00”: a comma before two last digits is a misread decimal point, never a thousands separator
_DECIMAL_COMMA = re.compile(r"^(-?\d+),(\d{2})(%?)$")


def interpret_form_cells(table, ocr_pages: set[int]) -> None:
    """Cell kinds and values of a form: numbers wherever they are printed (forms have no amount columns;
    1366.8, 17.789 and 100.0 % are all well formed), an OCR slip that leaves the digits intact undone on
    numeric-looking cells (the reading kept)."""
    from .interpret import normalise_ocr_amount
    from .model import Alternative
    from .numbers import parse_number

    for row in table.rows:
        for cell in row.cells:
            if row.page in ocr_pages and cell.text and not re.search(r"[\u4e00-\u9fff≥≤=<>＝＞＜]", cell.text):
                edge = _EDGE_T.sub("", cell.text.strip())
                fixed = normalise_ocr_amount(edge)
                m = _DECIMAL_COMMA.match(fixed)
                if m:
                    fixed = f"{m.group(1)}.{m.group(2)}{m.group(3)}"
                if fixed != cell.text and fixed and parse_number(fixed).kind == "number":
                    cell.alternatives.insert(0, Alternative(cell.text, cell.ocr_score, "ocr"))
                    cell.original, cell.text = cell.text, fixed
                    cell.add_reason("format_normalised")
                    if edge != cell.original.strip():
                        cell.add_reason("format")  # a seal stroke beside the digits, not a 7: shown for review
            p = parse_number(cell.text)
            cell.kind = p.kind if p.kind in ("number", "na", "empty") else "text"
            cell.value = p.value if p.kind == "number" else None


# ------------------------------------------------------------------------------------------ the record
class FormGrid:
    """The cells of a form table with their compare keys and the roles section headers give columns."""

    def __init__(self, table):
        self.table = table
        self.keys = [[compare_key(c.text) for c in row.cells] for row in table.rows]

    def text(self, r: int, c: int) -> str:
        row = self.table.rows[r]
        return row.cells[c].text if 0 <= c < len(row.cells) else ""

    def first(self, r: int) -> tuple[int, str]:
        """Column and key of the first non-empty cell of row r (-1, "" when empty)."""
        for c, k in enumerate(self.keys[r]):
            if k:
                return c, k
        return -1, ""

    def roles(self, r: int, header: dict[str, list[str]]) -> dict[int, str]:
        """Column → role of the header cells of row r (a label read with the last line of the text above it in
        front, :meth:`without_text_above`, as that label)."""
        out = {}
        for c, k in enumerate(self.keys[r]):
            if not k:
                continue
            for key in (k, *self.without_text_above(r, c)):
                role = next((role for role, pats in header.items() if _matches(key, pats)), None)
                if role is not None:
                    out[c] = role
                    break
        return out

    def without_text_above(self, r: int, c: int) -> list[str]:
        """Cell (r, c)'s key without a run of two or more characters in front that the text right above it
        prints (the cell above, or the merged cell reaching over it): a scan's crop reaching up over the rule
        reads the last line of a goal into a header (perf003 t31: “学生实习得分” under …学生实习实训需求)."""
        row = self.table.rows[r]
        if r == 0 or c >= len(row.cells) or row.cells[c].bbox is None:
            return []
        x = (row.cells[c].bbox[0] + row.cells[c].bbox[2]) / 2
        above = [compare_key(o.text) for o in self.table.rows[r - 1].cells
                 if o.text.strip() and o.bbox and o.bbox[0] <= x <= o.bbox[2]]
        k = self.keys[r][c]
        return [k[i:] for i in range(2, len(k) - 1) if any(k[:i] in a for a in above)]

    def field(self, r: int, c: int | None, numeric: bool = False) -> dict[str, Any] | None:
        if c is None or r >= len(self.table.rows) or c >= len(self.table.rows[r].cells):
            return None
        cell = self.table.rows[r].cells[c]
        out: dict[str, Any] = {"text": cell.text, "cell": [r, c]}
        if numeric:  # numeric fields carry the value; text fields only their text
            out["value"] = cell.value if cell.kind == "number" else None
        return out

    def value_in(self, r: int, col: int | None, stop: int | None) -> int | None:
        """The column holding row r's value for a role whose header sits at ``col``: that column, or the
        first non-empty cell before the next role's column (a value printed in a merged cell)."""
        if col is None:
            return None
        n = len(self.keys[r])
        if col < n and self.keys[r][col]:
            return col
        for c in range(col + 1, min(n, stop if stop is not None else n)):
            if self.keys[r][c]:
                return c
        return col if col < n else None


def _role_columns(roles: dict[int, str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in sorted(roles):
        out.setdefault(roles[c], c)
    return out


def _next_col(cols: dict[str, int], col: int) -> int | None:
    later = [c for c in cols.values() if c > col]
    return min(later) if later else None


def _label_left_of(g: FormGrid, r: int, limit: int, skip_cols: set[int] = frozenset()) -> int | None:
    for c in range(0, min(limit, len(g.keys[r]))):
        if g.keys[r][c] and c not in skip_cols:
            return c
    return None


_LEVELS = ("level1", "level2", "level3")


def _indicator_roles(g: FormGrid, r: int, header: dict[str, list[str]]) -> dict[int, str]:
    """Column → role of an indicator header row. A level header read without its ordinal (“级指标”: the thin
    一 or 三 lost under a watermark or to a heavy JPEG) takes the one level missing among 一/二/三级指标 when it
    stands where that level goes (they print left to right)."""
    roles = g.roles(r, header)
    bare = [c for c, k in enumerate(g.keys[r]) if c not in roles and re.fullmatch(r"[一二三]?级指标", _bare_label(k))]
    missing = [lv for lv in _LEVELS if lv not in roles.values()]
    if len(bare) == 1 and len(missing) == 1:
        at = {role: c for c, role in roles.items() if role in _LEVELS}
        lv, c = missing[0], bare[0]
        before = [at[x] for x in _LEVELS[:_LEVELS.index(lv)] if x in at]
        after = [at[x] for x in _LEVELS[_LEVELS.index(lv) + 1:] if x in at]
        if all(b < c for b in before) and all(c < a for a in after):
            roles[c] = lv
    return roles


def _classify(g: FormGrid, r: int, v: dict) -> str:
    keys = [k for k in g.keys[r] if k]
    if not keys:
        return "empty"
    ind = v["indicators"]["header"]
    levels = set(_indicator_roles(g, r, {lv: ind[lv] for lv in _LEVELS}).values())
    if "level1" in levels and ("level2" in levels or "level3" in levels):
        return "ind_header"
    if any(_matches(k, v["summary"]["header"]["no"]) for k in keys) and any(
            _matches(k, v["summary"]["header"]["自评得分"]) for k in keys):
        return "summary_header"
    funds = v["funds"]["header"]
    hits = {role for k in keys for role, pats in funds.items() if _matches(k, pats) and role not in ("分值", "得分", "reason")}
    if len(hits) >= 2:
        return "funds_header"
    if any(_matches(k, v["management"]["header"]["note"]) for k in keys):
        return "mgmt_header"
    goals = v["goals"]
    exp = [_matches(k, goals["expected"]) for k in keys], [_near_label(k, goals["expected"]) for k in keys]
    act = [_matches(k, goals["actual"]) for k in keys], [_near_label(k, goals["actual"]) for k in keys]
    if (any(exp[0]) and any(act[0])) or (any(exp[0]) and any(act[1])) or (any(exp[1]) and any(act[0])):
        return "goal_header"
    first = keys[0]
    if _matches(first, goals["label_value"]):
        return "goal_value"
    if _matches(first, v["total_row"]):
        return "total"
    if _matches(first, v["funds"]["headerless"]["section"]):
        return "funds_headerless"
    if any(_matches(k, v["grade"]["conclusion"]) for k in keys[:2]):
        return "conclusion"
    if _matches(first, v["section_end"]) or first in ("任务名称",):
        return "end"
    return "row"


def build_record(table, template, doc_year: int | None = None) -> dict[str, Any]:
    """The form as a record (see the module docstring); every value with the cell it came from."""
    v = vocabulary()
    g = FormGrid(table)
    kinds = [_classify(g, r, v) for r in range(len(table.rows))]
    if template is not None and template.extra.get("record") == "summary":
        return _summary_record(g, kinds, v, table, doc_year)
    rec: dict[str, Any] = {"project": None, "department": None, "implementer": None,
                           "year": table.year or doc_year, "funds": [], "goals": {"expected": None, "actual": None},
                           "indicators": [], "total": {"weight": None, "score": None}, "grade": None}
    _fields(g, kinds, v, rec)
    r = 0
    n = len(table.rows)
    while r < n:
        kind = kinds[r]
        if kind == "funds_header":
            r = _funds(g, kinds, v, r, rec)
            continue
        if kind == "funds_headerless":
            r = _funds_headerless(g, kinds, v, r, rec)
            continue
        if kind == "mgmt_header":
            r = _management(g, kinds, v, r, rec)
            continue
        if kind == "goal_header":
            r = _goals(g, v, r, rec)
            continue
        if kind == "goal_value" and rec["goals"]["expected"] is None:
            c0, _ = g.first(r)
            c1 = next((c for c in range(c0 + 1, len(g.keys[r])) if g.keys[r][c]), None)
            rec["goals"]["expected"] = g.field(r, c1)
        if kind == "ind_header":
            r = _indicators(g, kinds, v, r, rec)
            continue
        if kind == "conclusion":
            c0 = next(c for c, k in enumerate(g.keys[r]) if k and _matches(k, v["grade"]["conclusion"]))
            c1 = next((c for c in range(c0 + 1, len(g.keys[r])) if g.keys[r][c]), None)
            rec["grade"] = g.field(r, c1)
        r += 1
    _groups(g, v, rec)
    return rec


def _fields(g: FormGrid, kinds: list[str], v: dict, rec: dict) -> None:
    labels = v["fields"]
    all_label_pats = [p for pats in labels.values() for p in pats]
    for r in range(len(g.keys)):
        if kinds[r] not in ("row", "empty"):
            if kinds[r] in ("funds_header", "ind_header", "goal_header", "mgmt_header", "summary_header"):
                break
            continue
        keys = g.keys[r]
        for c, k in enumerate(keys):
            if not k:
                continue
            for name, pats in labels.items():
                if name not in rec or rec[name] is not None or not _matches(k, pats):
                    continue
                if re.search(r"名称主管部门$", k):  # “项目名称 主管部门” in one cell: department on the next row
                    val = next((cc for cc in range(c + 1, len(keys)) if keys[cc]), None)
                    rec["project"] = g.field(r, val)
                    if r + 1 < len(g.keys):
                        nxt = [cc for cc, kk in enumerate(g.keys[r + 1]) if kk and not _matches(kk, all_label_pats)]
                        if nxt:
                            rec["department"] = g.field(r + 1, nxt[0])
                    continue
                val = next((cc for cc in range(c + 1, len(keys)) if keys[cc]), None)
                if val is not None and _matches(keys[val], all_label_pats):
                    val = None  # the value cell is blank (001: 主管部门/实施单位 left empty)
                rec[name] = g.field(r, val) if val is not None else None
                break


def _funds(g: FormGrid, kinds: list[str], v: dict, r: int, rec: dict) -> int:
    header = v["funds"]["header"]
    roles = g.roles(r, header)
    nxt = r + 1
    # a second header row (目标申报数 | 预算编制数 under 年初预算数) refines the first
    if nxt < len(g.keys) and kinds[nxt] in ("row", "funds_header") and not any(
            k and re.search(r"\d", k) for k in g.keys[nxt]) and g.roles(nxt, header):
        sub = g.roles(nxt, header)
        for c in sub:
            roles[c] = sub[c]
        nxt += 1
    cols = _role_columns(roles)
    first_role = min(cols.values()) if cols else 0
    r = nxt
    rows = []
    while r < len(g.keys) and kinds[r] in ("row", "empty"):
        if kinds[r] == "empty":
            r += 1
            continue
        lab = _label_left_of(g, r, first_role)
        if lab is None and not any(g.keys[r][c] for c in cols.values() if c < len(g.keys[r])):
            break
        row: dict[str, Any] = {"label": g.field(r, lab) if lab is not None else None}
        for role, c in cols.items():
            stop = _next_col(cols, c)
            cc = g.value_in(r, c, stop)
            row[role] = g.field(r, cc, numeric=role != "reason")
        rows.append(row)
        r += 1
    for row in rows:
        out = {"label": row.pop("label")}
        for key in ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"):
            out[key] = row.pop(key, None)
        out.update(row)
        rec["funds"].append(out)
    return r


def _funds_headerless(g: FormGrid, kinds: list[str], v: dict, r: int, rec: dict) -> int:
    role = v["funds"]["headerless"]["role"]
    section_col, _ = g.first(r)
    while r < len(g.keys) and (kinds[r] in ("row", "funds_headerless")):
        cells = [c for c, k in enumerate(g.keys[r]) if k and not (kinds[r] == "funds_headerless" and c == section_col)]
        if not cells:
            break
        lab = cells[0]
        val = next((c for c in cells[1:] if g.table.rows[r].cells[c].value is not None), None)
        if val is None and len(cells) > 1:
            val = cells[1]
        out = {"label": g.field(r, lab), "年初预算数": None, "全年预算数": None, "全年执行数": None, "分值": None,
               "执行率": None, "得分": None}
        if val is not None:
            out[role] = g.field(r, val, numeric=True)
        elif lab + 1 < len(g.keys[r]):
            out[role] = g.field(r, len(g.keys[r]) - 1, numeric=True)  # the value cell left blank
        rec["funds"].append(out)
        r += 1
    return r


def _management(g: FormGrid, kinds: list[str], v: dict, r: int, rec: dict) -> int:
    roles = g.roles(r, v["management"]["header"])
    cols = _role_columns(roles)
    first_role = min(cols.values()) if cols else 0
    rows = []
    r += 1
    while r < len(g.keys) and kinds[r] in ("row", "empty"):
        if kinds[r] == "empty":
            r += 1
            continue
        lab = _label_left_of(g, r, first_role)
        row = {"label": g.field(r, lab) if lab is not None else None}
        for role in ("note", "weight", "score", "problem"):
            c = cols.get(role)
            cc = g.value_in(r, c, _next_col(cols, c)) if c is not None else None
            row[role] = g.field(r, cc, numeric=role in ("weight", "score")) if cc is not None else None
        rows.append(row)
        r += 1
    rec["management"] = rows
    return r


def _goals(g: FormGrid, v: dict, r: int, rec: dict) -> int:
    keys = g.keys[r]
    ce, ca = (next(c for c, k in enumerate(keys) if k and _matches(k, pats)) if any(k and _matches(k, pats) for k in keys)
              else next(c for c, k in enumerate(keys) if k and _near_label(k, pats))  # a label misread (“年度日标”)
              for pats in (v["goals"]["expected"], v["goals"]["actual"]))
    if r + 1 >= len(g.keys):
        return r + 1
    nk = g.keys[r + 1]
    rec["goals"] = {"expected": _span_field(g, r + 1, ce, ca), "actual": _span_field(g, r + 1, ca, len(nk))}
    return r + 2


def _span_field(g: FormGrid, r: int, start: int, stop: int) -> dict[str, Any] | None:
    """The text printed in row r between columns start and stop (a goal under its header, which spans them):
    the first non-empty cell, or — when a column rule of the rows below, found through its letters, cut the
    text in pieces — all of them (``cells``), their text lines put back side by side (the first line of each
    piece, then the second …; without lines, the pieces one after the other). A cut text is flagged
    ``text_split`` by :func:`_flag_split_fields`."""
    nk = g.keys[r]
    row = g.table.rows[r].cells
    parts = [c for c in range(start, min(stop, len(nk))) if nk[c]]
    # (a seal's speck read in another column of the span — “泰”, “T” — is no piece of the goal)
    parts = parts[:1] + [c for c in parts[1:] if not ({"seal", "watermark"} & set(row[c].reasons)
                                                      and _seal_speck(row[c].text, "low_ocr" in row[c].reasons))]
    f = g.field(r, parts[0] if parts else start)
    if len(parts) < 2 or f is None:
        return f
    cells = [row[c] for c in parts]
    if all(cell.lines for cell in cells):
        depth = max(len(cell.lines) for cell in cells)
        text = "".join(cell.lines[i].strip() for i in range(depth) for cell in cells if i < len(cell.lines))
    else:
        text = "".join(cell.text.strip() for cell in cells)
    f.update(text=text, cells=[[r, c] for c in parts])
    return f


def _indicators(g: FormGrid, kinds: list[str], v: dict, r: int, rec: dict) -> int:
    header = v["indicators"]["header"]
    roles = _indicator_roles(g, r, header)
    if r > 0 and kinds[r - 1] == "row":  # a two-row header (the rubric: 绩效指标 | 指标分值 | … above 一级 | 二级 | 三级)
        above = g.roles(r - 1, header)
        for c, role in above.items():
            roles.setdefault(c, role)
    cols = _role_columns(roles)
    placeholder = v["indicators"]["placeholder"]
    l1 = l2 = None
    r += 1
    while r < len(g.keys):
        kind = kinds[r]
        if kind in ("total", "end", "conclusion", "goal_header", "funds_header", "mgmt_header"):
            break
        if kind == "empty":
            r += 1
            continue

        def F(role: str, numeric: bool = False):
            c = cols.get(role)
            if c is None:
                return None
            return g.field(r, g.value_in(r, c, _next_col(cols, c)) if role not in ("level1", "level2") else c,
                           numeric)

        f1, f2 = F("level1"), F("level2")
        if f1 is not None and f1["text"] and l1 is not None and l2 is not None and not (f2 and f2["text"]) \
                and _spans_into(g, l2, r):
            # a 一级 cannot change inside its 二级's merged cell: this is the 一级's text wrapped onto a row a
            # rule found through its letters split off (“满意度指 | 标”) — joined, both pieces reviewed (text_split)
            l1.update(text=l1["text"] + f1["text"], cells=[*(l1.get("cells") or [l1["cell"]]), f1["cell"]])
            for a, b in l1["cells"]:
                g.table.rows[a].cells[b].add_reason("text_split")
        elif f1 is not None and f1["text"]:
            l1, l2 = f1, None
        if f2 is not None and f2["text"]:
            l2 = f2
        _flag_level_carried(g, r, (f1, l1), (f2, l2))
        row: dict[str, Any] = {"level1": l1, "level2": l2, "level3": F("level3")}
        if "nature" in cols:
            parts = [F("nature"), F("target"), F("unit")]
            tgt = parse_target(*(p["text"] if p else "" for p in parts), split=True)
            if tgt is not None:
                tgt["cell"] = parts[1]["cell"] if parts[1] else None
                tgt["cells"] = [p["cell"] for p in parts if p is not None]
            row["target"] = tgt
        elif "target" in cols:
            f = F("target")
            tgt = parse_target(f["text"]) if f else None
            if tgt is not None:
                tgt["cell"] = f["cell"]
            row["target"] = tgt
        else:
            row["target"] = None
        if "target_initial" in cols:
            row["target_initial"] = F("target_initial")
        row["actual"] = F("actual")
        row["weight"], row["score"], row["reason"] = F("weight", True), F("score", True), F("reason")
        if "deviation" in cols:
            row["deviation"] = F("deviation", True)
        name = row["level3"]["text"] if row["level3"] else ""
        values = [row.get(k) for k in ("target", "actual", "weight", "score", "reason", "target_initial")]
        has_values = any(x and x.get("text") for x in values)
        if not has_values and (not name or re.fullmatch(placeholder, compare_key(name))):
            r += 1
            continue  # an empty row or an unused “指标2：” line
        rec["indicators"].append(row)
        r += 1
    if r < len(g.keys) and kinds[r] == "total":
        _total(g, v, r, cols, rec)
        r += 1
    return r


def _flag_level_carried(g: FormGrid, r: int, *levels: tuple[dict | None, dict | None]) -> None:
    """Never silent on a 一级/二级 carried down past a rule: the row has a cell of its own in that column, empty,
    on the page of the label above, and the label's cell does not reach over it. A merged label is centred
    on the rule between its rows, and a scan's rule finder may take its letters for that rule (seed 001 t4:
    经济效益指标 and 社会效益指标 each split from the row above, the first row of 社会效益指标 carrying 经济效益指标
    down): whether the label above or the one below names the row is not known — the label's cell gets the
    reason ``level_carried`` (always reviewed)."""
    rows = g.table.rows
    for own, carried in levels:
        if own is None or own["text"].strip() or carried is None or not carried.get("cell"):
            continue
        a, b = carried["cell"]
        if a == r or rows[a].page != rows[r].page or rows[r].cells[own["cell"][1]].bbox is None:
            continue
        if not _spans_into(g, carried, r):
            rows[a].cells[b].add_reason("level_carried")


def _spans_into(g: FormGrid, f: dict, r: int) -> bool:
    """The field's cell (a merged cell) reaches down over row r, on the same page."""
    a, b = f["cell"]
    rows = g.table.rows
    box = rows[a].cells[b].bbox
    tops = [c.bbox[1] for c in rows[r].cells if c.bbox]
    bottoms = [c.bbox[3] for c in rows[r].cells if c.bbox]
    if box is None or not tops or rows[a].page != rows[r].page:
        return False
    return box[3] >= (min(tops) + max(bottoms)) / 2


def _total(g: FormGrid, v: dict, r: int, cols: dict[str, int], rec: dict) -> None:
    keys = g.keys[r]
    wc, sc = cols.get("weight"), cols.get("score")
    weight = g.field(r, wc, True) if wc is not None and wc < len(keys) and keys[wc] else None
    score = g.field(r, sc, True) if sc is not None and sc < len(keys) and keys[sc] else None
    cells = g.table.rows[r].cells
    nums = [c for c, cell in enumerate(cells) if cell.value is not None]
    if weight is None and score is None and nums:  # numbers away from the 分值/得分 columns
        if len(nums) >= 2:
            weight, score = g.field(r, nums[0], True), g.field(r, nums[-1], True)
        else:
            score = g.field(r, nums[0], True)
    rec["total"] = {"weight": weight, "score": score}
    for c, k in enumerate(keys):
        if k and re.fullmatch(v["grade"]["words"], k):
            rec["grade"] = g.field(r, c)


def _groups(g: FormGrid, v: dict, rec: dict) -> None:
    """一级/二级 labels that print their weight (“产出指标 (50分)”): the indicators under each."""
    pat = v["indicators"]["group_weight"]
    groups: dict[tuple, dict] = {}
    for i, ind in enumerate(rec["indicators"]):
        for level in ("level1", "level2"):
            f = ind.get(level)
            if not f or not f.get("text"):
                continue
            m = re.search(pat, compare_key(f["text"]))
            if not m:
                continue
            key = (level, tuple(f["cell"]))
            grp = groups.setdefault(key, {"level": 1 if level == "level1" else 2, "name": f["text"],
                                          "weight": float(m.group(1)), "cell": f["cell"], "indicators": []})
            grp["indicators"].append(i)
    if groups:
        rec["groups"] = list(groups.values())


def _summary_record(g: FormGrid, kinds: list[str], v: dict, table, doc_year) -> dict[str, Any]:
    rec: dict[str, Any] = {"department": None, "date": None, "year": table.year or doc_year, "projects": []}
    _fields(g, kinds, v, rec)
    header = v["summary"]["header"]
    hr = next((r for r, k in enumerate(kinds) if k == "summary_header"), None)
    if hr is None:
        return rec
    cols = _role_columns(g.roles(hr, header))
    for r in range(hr + 1, len(g.keys)):
        if kinds[r] == "empty":
            continue
        if kinds[r] != "row":
            break
        row = {}
        for role, c in cols.items():
            if role == "no":
                continue
            row[role] = g.field(r, c, numeric=role not in ("项目名称", "偏差原因"))
        rec["projects"].append(row)
    return rec


# ------------------------------------------------------------------------------------------ arithmetic
def _decimals(text: str) -> int:
    from .numbers import parse_number

    return parse_number(text).decimals if text else 0


def _num_field(f: dict | None) -> bool:
    return bool(f) and f.get("value") is not None and f.get("cell") is not None


def _unreadable(f: dict | None) -> bool:
    """A numeric field whose cell holds text and no number (a 得分 under a seal's 财务专用章 read “白r。”): its value
    is not known — neither 0 nor absent."""
    from .numbers import parse_number

    return bool(f) and f.get("cell") is not None and f.get("value") is None \
        and parse_number(f.get("text") or "").kind == "text"


def _ref(table, f: dict) -> tuple[str, int, int]:
    return (table.id, f["cell"][0], f["cell"][1])


def _half_unit(*fields: dict) -> float:
    return max(0.5 * 10 ** -_decimals(f["text"]) for f in fields)


def rate_tolerance(rate: dict, spent: dict, budget: dict) -> float:
    """How far a printed 执行率 may be from 100 × 执行数 / 预算数 when all three are rounded as printed."""
    b, s = abs(budget["value"]), abs(spent["value"])
    db, ds = _half_unit(budget), _half_unit(spent)
    return _half_unit(rate) + 100.0 * (ds / b + s * db / (b * b)) + 1e-9


def _rate_holds(rate: dict, spent: dict, budget: dict) -> bool:
    if not budget["value"]:
        return False
    return abs(rate["value"] - 100.0 * spent["value"] / budget["value"]) <= rate_tolerance(rate, spent, budget)


@dataclass
class _FormSums:
    """The terms of a form's sums (总分 = Σ 得分, Σ 分值 = full marks) and what is known of them."""

    scored: list  # (分值 field or None, 得分 field or None) per scored row: funds, 资金管理, indicators
    exec_w: dict | None
    exec_s: dict | None
    total: dict
    full: float
    rows: list  # the scored rows' dicts (funds head, 资金管理, indicators), unreadable terms included
    unknown_scores: list
    unknown_weights: list
    score_unknown: bool  # a 得分 unreadable and some value of it could make 总分 = Σ 得分 hold
    weight_unknown: bool


def _form_sums(rec: dict, template) -> _FormSums:
    funds = rec.get("funds") or []
    score_tol = vocabulary()["tolerance"]["score"]
    scored = []  # (分值 field or None, 得分 field)
    exec_w = funds[0].get("分值") if funds else None
    exec_s = funds[0].get("得分") if funds else None
    if _num_field(exec_s):
        scored.append((exec_w if _num_field(exec_w) else None, exec_s))
    for m in rec.get("management") or []:
        if _num_field(m.get("score")) or _num_field(m.get("weight")):
            scored.append((m["weight"] if _num_field(m.get("weight")) else None,
                           m["score"] if _num_field(m.get("score")) else None))
    for ind in rec.get("indicators") or []:
        if _num_field(ind.get("score")) or _num_field(ind.get("weight")):
            scored.append((ind["weight"] if _num_field(ind.get("weight")) else None,
                           ind["score"] if _num_field(ind.get("score")) else None))
    total = rec.get("total") or {}
    # a sum with an unreadable term (its cell reviewed, format) is checked only when no value of that term could
    # make it hold — else it is not known, and a failing check would accuse a form that may well add up (seed 002:
    # a 分值 and a 得分 of 5 under the seal's 财务专用章, read “白r。” and “字”)
    rows = [funds[0]] if funds else []
    rows += list(rec.get("management") or []) + list(rec.get("indicators") or [])
    full = float(template.extra.get("weights_total") or 100)
    if _num_field(total.get("weight")):
        full = float(total["weight"]["value"])
    unknown_scores = [r for r in rows if _unreadable(r.get("得分") or r.get("score"))]
    unknown_weights = [r for r in rows if _unreadable(r.get("分值") or r.get("weight"))]
    known = sum(s["value"] for _w, s in scored if s is not None)
    weights_known = sum(w["value"] for w, _s in scored if w is not None)
    # (得分 ≤ 分值: a row's 分值 bounds its unreadable 得分, an unreadable 分值 what the full marks leave; a blank
    # 分值 scores nothing — a “P” read there is a speck)
    left = max(0.0, full - weights_known)
    room = sum(w["value"] if _num_field(w := (r.get("分值") or r.get("weight"))) else left if _unreadable(w) else 0.0
               for r in unknown_scores)
    score_unknown = bool(unknown_scores) and _num_field(total.get("score")) \
        and known - score_tol <= total["score"]["value"] <= known + room + score_tol
    weight_unknown = bool(unknown_weights) and weights_known <= full + score_tol
    return _FormSums(scored, exec_w, exec_s, total, full, rows, unknown_scores, unknown_weights, score_unknown,
                     weight_unknown)


def form_identities(table, template) -> list:
    """The form's arithmetic as identities over its cells (see the module docstring)."""
    from .validate import Identity, Term

    rec = table.record
    if rec is None or template is None:
        return []
    rules = set(template.extra.get("rules", []))
    tid = template.id
    out: list[Identity] = []
    score_tol = vocabulary()["tolerance"]["score"]

    def T(f: dict, coef: float = 1.0) -> Term:
        return Term(_ref(table, f), coef)

    if "projects" in rec:  # 汇总表
        for p in rec["projects"]:
            rate, spent, budget = p.get("执行率"), p.get("执行数"), p.get("全年预算数")
            if all(_num_field(x) for x in (rate, spent, budget)) and budget["value"]:
                name = (p.get("项目名称") or {}).get("text", "")
                out.append(Identity(f"{tid}-rate", table.id, f"{name}: 执行率 = 执行数 / 全年预算数",
                                    [T(rate)], [T(spent), T(budget)], rate_tolerance(rate, spent, budget), op="ratio"))
        return out
    funds = rec.get("funds") or []
    for row in funds:
        label = (row.get("label") or {}).get("text", "")
        rate, spent, budget = row.get("执行率"), row.get("全年执行数"), row.get("全年预算数")
        if "rate" in rules and all(_num_field(x) for x in (rate, spent, budget)) and budget["value"]:
            start = row.get("年初预算数")
            if not _rate_holds(rate, spent, budget) and _num_field(start) and _rate_holds(rate, spent, start):
                pass  # computed against 年初预算数: a finding (see form_findings), not an error
            else:
                out.append(Identity(f"{tid}-rate", table.id, f"{label}: 执行率 {rate['text']} = 全年执行数 / 全年预算数",
                                    [T(rate)], [T(spent), T(budget)], rate_tolerance(rate, spent, budget), op="ratio"))
        left = row.get("资金结余")
        if "surplus" in rules and all(_num_field(x) for x in (left, spent, budget)):
            out.append(Identity(f"{tid}-surplus", table.id, f"{label}: 资金结(转)余 = 全年预算数 − 全年执行数",
                                [T(left)], [T(budget), T(spent, -1.0)], 3 * _half_unit(left, spent, budget)))
    if "funds_sum" in rules and len(funds) > 1:
        total_pats = vocabulary()["funds"]["total_row"]
        head = funds[0]
        if head.get("label") and _matches(compare_key(head["label"]["text"]), total_pats):
            groups: list[list[dict]] = [[]]
            for row in funds[1:]:
                lab = compare_key((row.get("label") or {}).get("text", ""))
                if re.match(vocabulary()["funds"]["new_group"][0], lab) and groups[-1]:
                    groups.append([])
                groups[-1].append(row)
            for col in ("年初预算数", "目标申报数", "全年预算数", "全年执行数", "资金结余"):
                tot = head.get(col)
                if not _num_field(tot):
                    continue
                for grp in groups:
                    parts = [r[col] for r in grp if _num_field(r.get(col))]
                    if not parts:
                        continue
                    out.append(Identity(f"{tid}-funds", table.id,
                                        f"{head['label']['text']} = Σ {'+'.join((r.get('label') or {}).get('text', '') for r in grp)} [{col}]",
                                        [T(tot)], [T(p) for p in parts], (len(parts) + 1) * _half_unit(tot, *parts)))
    sums = _form_sums(rec, template)
    scored, exec_w, exec_s, total = sums.scored, sums.exec_w, sums.exec_s, sums.total
    score_unknown, weight_unknown = sums.score_unknown, sums.weight_unknown
    if "score_total" in rules and _num_field(total.get("score")) and not score_unknown:
        parts = [s for _w, s in scored if s is not None]
        out.append(Identity(f"{tid}-total", table.id, "总分 = Σ 得分 (执行率 + 资金管理 + 绩效指标)",
                            [T(total["score"])], [T(p) for p in parts], score_tol))
    if "weight_total" in rules and (_num_field(total.get("weight")) or template.extra.get("weights_total")) \
            and not weight_unknown:
        weights = [w for w, _s in scored if w is not None]
        const = 0.0
        if exec_w is None or not _num_field(exec_w):
            const = float(template.extra.get("funds_weight", 0)) if _num_field(exec_s) else 0.0
        if weights:
            if _num_field(total.get("weight")):
                out.append(Identity(f"{tid}-weights", table.id, "总分 分值 = Σ 分值", [T(total["weight"])],
                                    [T(w) for w in weights], score_tol, const=const))
            else:
                out.append(Identity(f"{tid}-weights", table.id,
                                    f"Σ 分值 = {template.extra['weights_total']:g} (the form's full marks)",
                                    [T(w) for w in weights], [], score_tol, const=float(template.extra["weights_total"]) - const))
    if "score_le_weight" in rules:
        for w, s in scored:
            if w is not None and s is not None:
                out.append(Identity(f"{tid}-max", table.id, "得分 ≤ 分值", [T(s)], [T(w)], score_tol, op="le"))
    if "group_weight" in rules:
        for grp in rec.get("groups") or []:
            inds = [rec["indicators"][i] for i in grp["indicators"]]
            ws = [i["weight"] for i in inds if _num_field(i.get("weight"))]
            if ws:
                label = {"text": grp["name"], "cell": grp["cell"]}
                out.append(Identity(f"{tid}-group", table.id, f"{grp['name']} = Σ 分值 of its indicators",
                                    [T(w) for w in ws], [T(label, 0.0)], score_tol, const=grp["weight"]))
    return out


def form_findings(table, template) -> list[dict[str, Any]]:
    """Rules the forms apply loosely, reported, never flagged: 执行率得分 against 分值 × min(执行率, 1) and
    执行率 computed against 年初预算数."""
    rec = table.record or {}
    funds = rec.get("funds") or []
    out: list[dict[str, Any]] = []
    if not funds or template is None:
        return out
    for row in funds:
        rate, spent, budget, start = (row.get(k) for k in ("执行率", "全年执行数", "全年预算数", "年初预算数"))
        if (all(_num_field(x) for x in (rate, spent, budget, start)) and budget["value"]
                and not _rate_holds(rate, spent, budget) and _rate_holds(rate, spent, start)):
            out.append({"rule": "rate_basis", "description": f"执行率 {rate['text']} = 全年执行数 / 年初预算数 "
                        f"({spent['text']} / {start['text']}), not / 全年预算数 ({budget['text']})",
                        "expected": round(100.0 * spent["value"] / budget["value"], 4), "actual": rate["value"],
                        "cells": [rate["cell"], spent["cell"], budget["cell"], start["cell"]]})
    head = funds[0]
    rate, score = head.get("执行率"), head.get("得分")
    weight = head.get("分值")
    w = weight["value"] if _num_field(weight) else template.extra.get("funds_weight")
    if _num_field(rate) and _num_field(score) and w:
        expected = float(w) * min(rate["value"] / 100.0, 1.0)
        if abs(expected - score["value"]) > _half_unit(score) + 0.005:
            out.append({"rule": "exec_score", "description": f"执行率得分 {score['text']} ≠ 分值 {w:g} × min(执行率 "
                        f"{rate['text']}, 1) = {expected:.2f}", "expected": round(expected, 4),
                        "actual": score["value"],
                        "cells": [score["cell"], rate["cell"]] + ([weight["cell"]] if _num_field(weight) else [])})
    return out


# ------------------------------------------------------------------------------------------ in the pipeline
# OCR readings of the full-width ＝ (two or three strokes) and of ≥ (its bar lost under a watermark: “V”)
_NATURE_READINGS = {"二": "＝", "三": "＝", "V": "≥", "v": "≥"}
# a seal's or watermark's stroke read as a digit or a letter before the operator (“1>”, seed 004)
_STROKE_BEFORE_NATURE = re.compile(r"[\dA-Za-z|]\s*([≥≤＝＞＜><=])")


def _normalise_natures(table, record, ocr_pages: set[int]) -> bool:
    """Sichuan's 指标性质 column holds one of ＝ ≥ ≤ ＞ ＜ 定性; OCR reads the full-width ＝ as 二 or 三, ≥ as V: such a
    reading of an OCR'd cell is replaced (the reading kept as an alternative, reason label_normalised)."""
    from .model import Alternative

    changed = False
    for ind in record.get("indicators") or []:
        cells = (ind.get("target") or {}).get("cells") or []
        if not cells:
            continue
        r, c = cells[0]
        cell = table.rows[r].cells[c]
        stroke = _STROKE_BEFORE_NATURE.fullmatch(cell.text.strip())
        fixed = _NATURE_READINGS.get(cell.text.strip()) or (stroke.group(1) if stroke else None)
        if fixed is None or table.rows[r].page not in ocr_pages:
            continue
        cell.alternatives.insert(0, Alternative(cell.text, cell.ocr_score, "ocr"))
        cell.original = cell.text if cell.original is None else cell.original
        cell.text = fixed
        cell.add_reason("label_normalised")
        changed = True
    return changed


# a number with a seal's or watermark's strokes read beside it as a letter or a character (“W5”, “5中”, “3之人”,
# “C0.00”, “A5-”): up to two such characters at either end, none a digit, a point, a sign of the number, a
# bracket (“分值(20)” is a header, not a number), an operator or a unit (“≤2元” is a target)
_NOT_JUNK = r"\d.%()（）≤≥=<>＝＞＜≦≧~～"
_UNITS = "元万亿份天人次个项件户家台年月日时分秒周期名所场篇条套册本张"
_JUNK_AROUND_NUMBER = re.compile(rf"(?P<pre>[^{_NOT_JUNK}{_UNITS}\-－]{{0,2}}?)(?P<num>-?\d+(?:\.\d+)?%?)(?P<post>[^{_NOT_JUNK}{_UNITS}]{{0,2}})")
# a mark (分值, 得分) has no unit, no operator: any character beside it is a stroke (“3之人”, “102=”), and an
# I or l against its digits a 1 (“teI5”)
_JUNK_AROUND_MARK = re.compile(r"(?P<pre>[^\d.\-－]{0,2}?)(?P<num>\d+(?:\.\d+)?)(?P<post>[.,。]?[^\d.]{0,2})")
# (a point or comma after a mark with no digit after it is a speck: “5.”, seed 003 under a seal)
_ONE_AGAINST_DIGITS = re.compile(r"(?<=\d)[Il|]|[Il|](?=\d)")
# a mark is never negative (a lone dash is “not scored”, not a sign): a dash read in front of its digits under a
# seal is a stroke of the seal (seed 002's 总分 88.78 read “-88.78”)
_SIGN_BEFORE_MARK = re.compile(r"[-－—–]\s*(?P<num>\d+(?:\.\d+)?)")


def _marks(record) -> set[tuple[int, int]]:
    """Cells of the record's 分值 and 得分 (indicators, 资金管理, the 执行率 line, 总分)."""
    out = set()
    for key, names in (("indicators", ("weight", "score")), ("management", ("weight", "score")),
                       ("funds", ("分值", "得分"))):
        for entry in record.get(key) or []:
            out.update(tuple(entry[n]["cell"]) for n in names if (entry.get(n) or {}).get("cell"))
    total = record.get("total") or {}
    out.update(tuple(total[n]["cell"]) for n in ("weight", "score") if (total.get(n) or {}).get("cell"))
    return out


def _strip_numeric_junk(table, record, ocr_pages: set[int]) -> bool:
    """A numeric field (分值, 得分, an amount …) of an OCR'd cell read as a number with stray characters at its
    ends, or a mark (分值, 得分) read with a minus sign, takes the number (the reading kept as an alternative, reasons format_normalised and format: the cell
    is still sent to review, its value now counts in the form's sums)."""
    from .model import Alternative
    from .numbers import parse_number

    changed = False
    marks = _marks(record)
    for f in _walk_fields(record):
        if "value" not in f or "operator" in f or not f.get("cell"):
            continue
        r, c = f["cell"]
        if table.rows[r].page not in ocr_pages:
            continue
        cell = table.rows[r].cells[c]
        if not {"seal", "watermark", "low_ocr"} & set(cell.reasons):
            continue  # nothing over it that could have printed the strokes
        text = cell.text.strip()
        mark = (r, c) in marks
        m = (_JUNK_AROUND_MARK if mark else _JUNK_AROUND_NUMBER).fullmatch(
            _ONE_AGAINST_DIGITS.sub("1", text) if mark else text)
        signed = _SIGN_BEFORE_MARK.fullmatch(text) if mark else None
        if signed is not None:
            m = signed
        elif not text or parse_number(text).kind != "text" or m is None or not (m.group("pre") or m.group("post")):
            continue
        p = parse_number(m.group("num"))
        if p.kind != "number" or not p.well_formed:
            continue
        cell.alternatives.insert(0, Alternative(cell.text, cell.ocr_score, "ocr"))
        cell.original = cell.text if cell.original is None else cell.original
        cell.text = m.group("num")
        cell.kind, cell.value = "number", p.value
        cell.add_reason("format_normalised")
        cell.add_reason("format")
        changed = True
    return changed


# what a prose cell (reason, problem, note) may print as one character
_SHORT_ANSWERS = {"无", "有", "是", "否", "/", "-", "—", "－", "/"}


def _seal_speck(text: str, weak: bool = False) -> bool:
    """A seal's stroke read as text in an otherwise empty prose cell: one character that is no short answer
    (“武”, “4”, “F”), or two with a Latin letter or a kana among them (“下l”, “ンy”); read with a weak character
    (``weak``: reason low_ocr) also a bare number of up to three digits (“74”, “312”; seed 003 prints a reason
    “10”, read sure) or up to five characters of which at least two are Latin letters (“套JhJ”; an abbreviation
    such as “APP” is words)."""
    t = text.strip()
    if len(t) == 1:
        return t not in _SHORT_ANSWERS
    runs = re.findall(r"[A-Za-z]+", t)
    if weak and (re.fullmatch(r"\d{1,3}", t) or len(t) <= 5 and sum(map(len, runs)) >= 2
                 and not any(len(w) >= 2 and w.isupper() for w in runs)):
        return True
    return len(t) == 2 and bool(re.search(r"[A-Za-z\u3040-\u30ff]", t))


def _clear_seal_specks(table, record, ocr_pages: set[int]) -> bool:
    """Reasons, problems, notes and Sichuan 度量单位 cells (but a unit) of an OCR'd form under a seal whose
    reading is a seal speck (:func:`_seal_speck`): the cell is emptied, the reading kept as an alternative, reason seal_speck (reviewed)."""
    from .model import Alternative

    changed = False
    refs = [(i.get("reason") or {}).get("cell") for i in record.get("indicators") or []]
    refs += [(m.get(k) or {}).get("cell") for m in record.get("management") or [] for k in ("problem", "note")]
    # a Sichuan target's 度量单位 cell (nature | value | unit): a speck there is one when it is no unit (“71”, “M”;
    # a 个 or 天 is a unit)
    units = [tuple(cells[2]) for i in record.get("indicators") or []
             if len(cells := (i.get("target") or {}).get("cells") or []) == 3]
    for ref in refs + units:
        if not ref:
            continue
        r, c = ref
        cell = table.rows[r].cells[c]
        if table.rows[r].page not in ocr_pages or "seal" not in cell.reasons \
                or not _seal_speck(cell.text, "low_ocr" in cell.reasons) \
                or (tuple(ref) in units and _UNIT_OK.match(cell.text.strip())):
            continue
        cell.alternatives.insert(0, Alternative(cell.text, cell.ocr_score, "ocr"))
        cell.original = cell.text if cell.original is None else cell.original
        cell.text, cell.kind, cell.value = "", "empty", None
        cell.add_reason("seal_speck")
        changed = True
    return changed


def _flag_split_fields(table, record) -> None:
    """Never silent on a name cut in two: 项目名称, 主管部门 and 实施单位 print one value after their label; a second
    text right after it, before the next label, is the same name cut by a column rule found through its
    letters (a rule of the rows below running on where the name overflows) — both cells get the reason
    ``text_split`` (always reviewed); so does every piece of a goal cut the same way (:func:`_span_field`)."""
    pats = [p for pats in vocabulary()["fields"].values() for p in pats]
    for name in ("project", "department", "implementer"):
        f = record.get(name)
        if not f or not f.get("cell"):
            continue
        r, c = f["cell"]
        cells = table.rows[r].cells
        if c + 1 < len(cells) and cells[c].text.strip() and cells[c + 1].text.strip() \
                and not _matches(compare_key(cells[c + 1].text), pats):
            cells[c].add_reason("text_split")
            cells[c + 1].add_reason("text_split")
    for f in (record.get("goals") or {}).values():  # a goal cut in pieces (_span_field)
        for r, c in (f or {}).get("cells") or []:
            table.rows[r].cells[c].add_reason("text_split")


_BRACKET_PAIRS = (("(", ")"), ("《", "》"), ("[", "]"))


def _unbalanced(text: str) -> bool:
    """Brackets that do not pair up (a “(” never closed, a “)” never opened; full- and half-width alike) or an odd
    number of curly quotes: a bracket lost or misread (“（减轻…)” read “C减轻…)”)."""
    t = text.translate(str.maketrans("（）〔〕【】", "()[][]"))
    for a, b in _BRACKET_PAIRS:
        depth = 0
        for ch in t:
            depth += (ch == a) - (ch == b)
            if depth < 0:
                return True
        if depth:
            return True
    return (t.count("“") + t.count("”")) % 2 == 1


def _flag_unbalanced_text(table, record, ocr_pages: set[int]) -> None:
    """Never silent on a lost bracket: a text field of an OCR'd row (a name, a goal, an indicator, a reason, an
    actual value) whose brackets or quotes do not pair up (:func:`_unbalanced`) lost or misread one — read
    sure, as a scan's “（” under the watermark often is. Its cells get the reason ``text_unbalanced`` (always
    reviewed). Numbers and targets are left to their own checks."""
    for f in _walk_fields(record):
        if "value" in f or not (f.get("cell") or f.get("cells")) or not _unbalanced(f.get("text") or ""):
            continue
        for r, c in f.get("cells") or [f["cell"]]:
            if table.rows[r].page in ocr_pages:
                table.rows[r].cells[c].add_reason("text_unbalanced")


_HAN = re.compile(r"[\u4e00-\u9fff]")
_TYPO_OCR = 0.8  # the reading's weakest character below this (a character of its own in doubt)


def _one_edit(a: str, b: str) -> bool:
    """``b`` is ``a`` with one Chinese character changed, added or dropped (not 一, a dash's look-alike)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    ta, tb = a[i + (len(a) >= len(b)):], b[i + (len(b) >= len(a)):]
    if ta != tb:
        return False
    return all(_HAN.fullmatch(x) and x != "一" for x in (a[i:i + 1], b[i:i + 1]) if x)


def _mend_from_document(doc, ocr_pages: set[int]) -> None:
    """A text of an OCR'd form with no digit, read weakly (low_ocr, its weakest character below ``_TYPO_OCR``) and
    printed nowhere else in the document, one Chinese character off a text the document's forms print at least
    twice elsewhere, read sure (a department's forms repeat their words: “司提高对贫困家庭的资助”, “年初指标设定不合”,
    量力“面”行), takes that text when it is the only one so near. The reading is kept (``original``, alternatives); the cell gets
    ``label_normalised`` and ``format`` (:func:`_replace_reading`: always reviewed)."""
    from collections import Counter

    forms = [t for t in doc.tables if t.kind == FORM_KIND and t.record]
    sure: Counter = Counter()
    printed: dict[str, str] = {}
    everywhere: Counter = Counter()
    anywhere: dict[str, str] = {}
    for t in forms:
        for row in t.rows:
            for cell in row.cells:
                key = compare_key(cell.text)
                if len(key) < 2:
                    continue
                everywhere[key] += 1
                anywhere.setdefault(key, cell.text.strip())
                if not {"low_ocr", "format", "seal_speck", "text_split"} & set(cell.reasons):
                    sure[key] += 1
                    printed.setdefault(key, cell.text.strip())
    by_length: dict[int, list[str]] = {}
    for key, n in sure.items():
        if n >= 2:
            by_length.setdefault(len(key), []).append(key)
    for t in forms:
        for f in _walk_fields(t.record):
            if not f.get("cell") or "cells" in f or ("value" in f and not f.get("qualitative")):
                continue
            r, c = f["cell"]
            cell = t.rows[r].cells[c]
            key = compare_key(cell.text)
            if t.rows[r].page not in ocr_pages or "low_ocr" not in cell.reasons or len(key) < 2 \
                    or everywhere[key] > 1 or cell.original is not None or re.search(r"\d", key) \
                    or cell.ocr_score is None or cell.ocr_score >= _TYPO_OCR:
                continue
            near = [k for n in (len(key) - 1, len(key), len(key) + 1) for k in by_length.get(n, ()) if _one_edit(key, k)]
            if len(near) == 1:
                text = printed[near[0]]
            else:
                # the recogniser's own second reading, or the reading without a stroke read as a letter at an
                # end (“人数I”), is a text the forms print elsewhere — twice, or once read sure (精筒 beside
                # 精简 read in six other forms, weakly: its 简 is the weak character there too); or the reading
                # is one the forms print twice read sure with its last characters lost (按照过“紧日子” | 要求)
                seen = {compare_key(a.text) for a in cell.alternatives if a.source == "ocr"} | {_bare_label(key)}
                found = [k for k in seen - {key} if len(k) >= 2 and (everywhere[k] >= 2 or sure[k] >= 1)]
                if not found and len(key) >= 4:  # … or its last one or two characters lost under the mark
                    found = [k for k, n in sure.items() if n >= 2 and 0 < len(k) - len(key) <= 2 and k.startswith(key)]
                if len(found) != 1:
                    continue
                text = printed.get(found[0]) or anywhere[found[0]]
            _replace_reading(cell, text)
            if "operator" in f:
                f.update({k: v for k, v in (parse_target(text) or {}).items() if k != "cell"})
            else:
                f["text"] = text


def _join_split_names(doc) -> None:
    """A 项目名称/主管部门/实施单位 cut in two by a column rule (``text_split``) whose two halves, put together,
    are a name the document prints whole in another field (perf002: 主管部门 “安阳市北关区人力资源” | “原和社会保障局”,
    the cut character read in both halves; its 实施单位 prints 安阳市北关区人力资源和社会保障局): the field takes
    that name from both cells (``cells``), still reviewed."""
    names = ("project", "department", "implementer")
    forms = [t for t in doc.tables if t.kind == FORM_KIND and t.record]
    whole = {compare_key(f["text"]): f["text"] for t in forms for n in names
             if (f := t.record.get(n)) and f.get("cell") and f["text"].strip()
             and "text_split" not in t.rows[f["cell"][0]].cells[f["cell"][1]].reasons}
    for t in forms:
        for n in names:
            f = t.record.get(n)
            if not f or not f.get("cell"):
                continue
            r, c = f["cell"]
            cells = t.rows[r].cells
            if "text_split" not in cells[c].reasons or c + 1 >= len(cells):
                continue
            left, right = cells[c].text.strip(), cells[c + 1].text.strip()
            for joined in (left + right, left + right[1:], left[:-1] + right):
                if compare_key(joined) in whole:
                    f.update(text=whole[compare_key(joined)], cells=[[r, c], [r, c + 1]])
                    break


def _join_split_levels(doc) -> None:
    """A 一级/二级 label whose merged cell a rule found through its letters cut in two (seed 003 t39: a missing
    rule's inferred line leaves 社会效益 | 指标 in two rows): two labels of one column in rows one under the
    other, the lower one printed as such a label nowhere else in the document's forms, joined into one the
    forms print as that level at least twice elsewhere, are that label — both rows take it from both cells (``cells``),
    reviewed (``text_split``)."""
    from collections import Counter

    forms = [t for t in doc.tables if t.kind == FORM_KIND and t.record]
    for level in ("level1", "level2"):
        printed: Counter = Counter()
        for t in forms:
            seen = set()
            for ind in t.record.get("indicators") or []:
                f = ind.get(level)
                if f and f.get("cell") and id(f) not in seen:
                    seen.add(id(f))
                    printed[compare_key(f["text"])] += 1
        for t in forms:
            prev = None
            for ind in t.record.get("indicators") or []:
                f = ind.get(level)
                if f is None or f is prev or not f.get("cell") or "cells" in f:
                    prev = f
                    continue
                if prev is not None and prev.get("cell") and "cells" not in prev \
                        and tuple(f["cell"]) == (prev["cell"][0] + 1, prev["cell"][1]) \
                        and t.rows[f["cell"][0]].page == t.rows[prev["cell"][0]].page:
                    joined = prev["text"].strip() + f["text"].strip()
                    if printed[compare_key(joined)] >= 2 and printed[compare_key(f["text"])] == 1:
                        cells = [list(prev["cell"]), list(f["cell"])]
                        for x in (prev, f):
                            x.update(text=joined, cells=cells)
                        for a, b in cells:
                            t.rows[a].cells[b].add_reason("text_split")
                prev = f


# a target or an actual value read with a letter or a stray mark in front (“F61万元”, “±人”, “T精简”, “W100%”,
# “F E100%”) or a rule's remnant inside (“≤|100%”): no target of the seeds starts with a letter but a grade
# (“A级”)
_MISREAD_OPERATOR = re.compile(r"^\s*([A-Za-z]\s*\d|[A-Za-z](?![级类等档])|[±|~^])|\|"
                               # a stroke read as a digit before the operator (“1≥90%”), a share of 1000 % or
                               # more (“1100%” for 100 %)
                               r"|^\s*\d\s*[≥≤=＝＞＜><≧≦]|(?<![\d.])\d{4,}(\.\d+)?\s*%")


# a word with one digit glued to an end and no unit after it (“效果显著1”, “1提升”)
_DIGIT_ON_WORD = re.compile(rf"^[\u4e00-\u9fff]{{2,}}\d$|^\d(?![{_UNITS}间米吨亩])[\u4e00-\u9fff]{{2,}}$")


def _stray_digit_on_word(cell) -> bool:
    """A target or actual value read weakly (low_ocr) under a seal or the watermark as a word with one digit
    glued to it (:data:`_DIGIT_ON_WORD`): a stroke read as a digit. The seeds print such texts too (“生成预期培训
    开展及时5”, “0起”), read sure — so only a weak reading under a seal or watermark is doubted."""
    return "low_ocr" in cell.reasons and bool({"seal", "watermark"} & set(cell.reasons)) \
        and bool(_DIGIT_ON_WORD.match(cell.text.strip()))


def _flag_malformed(table, record) -> None:
    """A numeric field whose cell holds no number (“C5Y” read under a seal) or a negative 分值/得分, or a target
    whose operator reads as a letter (“F61万元”), gets the reason ``format``: scoring then sends it to review."""
    from .numbers import parse_number

    def walk(obj, key=""):
        if isinstance(obj, dict):
            if "operator" in obj and obj.get("cell") and "cells" not in obj:
                # a target whose operator was read as a letter or a stray mark (“F61万元”, “±人”): its
                # number and operator are not known
                cell = table.rows[obj["cell"][0]].cells[obj["cell"][1]]
                if _MISREAD_OPERATOR.search(cell.text) or _stray_digit_on_word(cell):
                    cell.add_reason("format")
                return
            if key == "actual" and obj.get("cell") and "value" not in obj:
                cell = table.rows[obj["cell"][0]].cells[obj["cell"][1]]
                if _MISREAD_OPERATOR.search(cell.text) or _stray_digit_on_word(cell):
                    cell.add_reason("format")
                return
            if "cell" in obj and "value" in obj and "operator" not in obj and obj.get("cell"):
                r, c = obj["cell"]
                cell = table.rows[r].cells[c]
                p = parse_number(cell.text)
                negative = key in ("weight", "score", "分值", "得分") and p.kind == "number" and (p.value or 0) < 0
                if (cell.text.strip() and p.kind == "text") or negative:
                    cell.add_reason("format")
                return
            for k, v in obj.items():
                walk(v, k)
        elif isinstance(obj, list):
            for v in obj:
                walk(v, key)

    walk(record)


# Shanxi's 年初指标值 print an operator and a unit with the number left blank (“—%”, “=人”, “≤万元”); a scan
# reads the dash as 一, the = as 二, or loses the operator (“%”, “万元”): such readings are sent to review
_INITIAL_MISREAD = re.compile(r"^(二|一(?=[\d%％元万天人]|$))")
_BARE_UNIT = re.compile(r"^(%|％|[元万亿份天人次个项件户家台年月日时分秒周名所场篇条套册本张间米吨亩]+(/[\u4e00-\u9fff]+)*)$")


def _flag_initial_targets(table, record, ocr_pages: set[int]) -> None:
    """A target or an actual value of an OCR'd row read as a unit alone gets the reason ``format``. A 年初指标值 (Shanxi) of an OCR'd row read as :data:`_INITIAL_MISREAD`, as a unit alone or with a letter or
    stray mark in front gets the reason ``format`` (always reviewed); so does a target read with a number and no
    operator between a 年初指标值 and an actual value that start with the same one (its operator lost: the seeds
    print a bare target there 3 times in 390 rows, a scan loses “≤”/“—” more often), and an actual value read with
    a number and no operator after a target starting with a dash (“—308元/天 | 308元/天”: the seeds print the dash
    in every such row)."""
    for ind in record.get("indicators") or []:
        # a target or an actual value read as a unit alone (“间” for 1间): the seeds print none (a bare unit is a
        # Shanxi 年初指标值's, with its operator), its number was lost
        for key in ("target", "actual"):
            x = ind.get(key)
            if x and x.get("cell") and "cells" not in x and table.rows[x["cell"][0]].page in ocr_pages:
                xc = table.rows[x["cell"][0]].cells[x["cell"][1]]
                if _BARE_UNIT.match(compare_key(xc.text)):
                    xc.add_reason("format")
        f = ind.get("target_initial")
        if not f or not f.get("cell") or table.rows[f["cell"][0]].page not in ocr_pages:
            continue
        cell = table.rows[f["cell"][0]].cells[f["cell"][1]]
        text = compare_key(cell.text)
        if text and (_INITIAL_MISREAD.match(text) or _BARE_UNIT.match(text) or _MISREAD_OPERATOR.search(text)
                     or _stray_digit_on_word(cell)):
            cell.add_reason("format")
        # the row prints its operator in all three columns (“≤万元 | ≤10万元 | ≤10万元”): a target read without
        # one while its 年初指标值 and its actual value both start with the same operator lost it
        target, actual = ind.get("target"), ind.get("actual")
        if not target or not actual or not target.get("cell") or not actual.get("cell"):
            continue
        lead = [_lead_operator(table.rows[x["cell"][0]].cells[x["cell"][1]].text) for x in (f, target, actual)]
        tcell = table.rows[target["cell"][0]].cells[target["cell"][1]]
        if lead[0] and lead[0] == lead[2] and not lead[1] and re.match(r"\s*\d", tcell.text) \
                and table.rows[target["cell"][0]].page in ocr_pages:
            tcell.add_reason("format")
        # the row's unit read with a character lost in one column (“元/人次” beside 元/人/次, “台套” beside 台、套)
        cells3 = [table.rows[x["cell"][0]].cells[x["cell"][1]] for x in (f, target, actual)]
        units = [(parse_target(x.text) or {}) for x in cells3]
        units = [u.get("unit") if not u.get("qualitative") and u.get("number") is not None else None for u in units]
        for a, b in ((0, 1), (1, 2), (0, 2)):
            ua, ub = units[a], units[b]
            if ua and ub and len(ua) != len(ub):
                short, long_ = (a, b) if len(ua) < len(ub) else (b, a)
                if any(units[long_][:i] + units[long_][i + 1:] == units[short] for i in range(len(units[long_]))) \
                        and table.rows[(f, target, actual)[short]["cell"][0]].page in ocr_pages:
                    cells3[short].add_reason("format")
        # a dash row prints the dash before its actual value too (the seeds: 32 of 32 rows; a ≥ ≤ = row may not)
        acell = table.rows[actual["cell"][0]].cells[actual["cell"][1]]
        if lead[1] == "-" and not lead[2] and re.match(r"\s*\d", acell.text) \
                and table.rows[actual["cell"][0]].page in ocr_pages:
            acell.add_reason("format")


def _lost_point(target: str, actual: str) -> bool:
    """``actual`` read as a whole number with a decimal point lost: a target that is a range (“1.7-2.2万元”) or
    one number (“=1.8万元”, “1.8万元”), an actual value of the same unit read as two digits or more with no point
    (“18万元”) that misses it, while the number with a point put in one or two places from its end meets it
    (1.8 in 1.7–2.2). A ≤ target is met by any smaller number and a ≥ one by none, so they tell nothing."""
    pt, pa = parse_target(target), parse_target(actual)
    if not pt or not pa or pt.get("qualitative") or pa.get("qualitative") or pt.get("number") is None \
            or pa.get("number") is None or pt.get("unit") != pa.get("unit") or "." in actual \
            or not re.fullmatch(r"\s*[=＝]?\s*\d{2,}\D*", actual):
        return False
    n, op = pa["number"], pt.get("operator")
    if op == "range" and pt.get("number_max") is not None:
        lo, hi = pt["number"], pt["number_max"]
        return not lo <= n <= hi and any(lo <= n / 10 ** k <= hi for k in (1, 2))
    if op in (None, "="):
        return n != pt["number"] and any(abs(n / 10 ** k - pt["number"]) < 1e-9 for k in (1, 2))
    return False


def _flag_lost_point(table, record, ocr_pages: set[int]) -> None:
    """Never silent on a lost decimal point: an actual value of an OCR'd row read with its point lost against its
    target (:func:`_lost_point`: perf000 t99 “1.8万元” read 18万元 beside 1.7-2.2万元, sure) gets the reason
    ``format`` (always reviewed). The seeds print no such row (0 of their 1531 rows with a target and an actual
    value)."""
    for ind in record.get("indicators") or []:
        target, actual = ind.get("target"), ind.get("actual")
        if not target or not actual or not target.get("cell") or "cells" in target or not actual.get("cell") \
                or table.rows[actual["cell"][0]].page not in ocr_pages:
            continue
        tcell = table.rows[target["cell"][0]].cells[target["cell"][1]]
        acell = table.rows[actual["cell"][0]].cells[actual["cell"][1]]
        if _lost_point(tcell.text, acell.text):
            acell.add_reason("format")


def _lead_operator(text: str) -> str:
    """The operator a target's text starts with (dashes and ＝ as one), or ''."""
    t = text.strip()[:1]
    return {"—": "-", "－": "-", "–": "-", "＝": "=", "≧": "≥", "≦": "≤", "＞": ">", "＜": "<"}.get(t, t) \
        if t and t in "≥≤=＝—-－–<>＞＜≧≦" else ""


# a unit a target prints after its number (万元, 元/人/次, 平方米, %): 方 only in 平方/立方 — “3方元” is 万 misread
_UNIT_OK = re.compile(r"^(%|％|‰|((平方|立方)?[米元万亿份天人次个项件户家台年月日时分秒周期名所场篇条套册本张间吨亩辆公里斤克]+)"
                      r"(/[\u4e00-\u9fff]+)*)$")
_EQUALS_READ = re.compile(r"[二三](.*)")
_STROKE_AFTER_SHARE = re.compile(r"(\s*[≥≤=＝＞＜><≧≦—-]?\s*\d+(?:\.\d+)?\s*[%％])\s*[\u4e00-\u9fff]")
_STROKE_BEFORE_WORD = re.compile(r"^\s*[A-Za-z|]\s*(?=[\u4e00-\u9fff]{2,}$)(?![\u4e00-\u9fff]*[级类等档])")
_STROKE_BEFORE_OPERATOR = re.compile(r"^\s*[\dA-Za-z|]\s*(?=[≥≤=＝＞＜><≧≦])")
# 100 % read with a stroke before it as a digit (“1100%”, seeds 000/001 under a seal): no share of 1000 % is printed
_STROKE_BEFORE_SHARE = re.compile(r"\s*[17](100(?:\.0+)?\s*[%％])")


def _target_doubtful(text: str) -> bool:
    """A target's reading that cannot be what was printed: a letter or stray mark for its operator
    (:data:`_MISREAD_OPERATOR`), a unit no target prints (“3方元”), a share of 200 % or more read with three
    digits or more (“795%” for >95%)."""
    if _MISREAD_OPERATOR.search(text):
        return True
    t = parse_target(text)
    if t is None or t.get("qualitative"):
        return False
    if t.get("unit") and not _UNIT_OK.match(t["unit"]):
        return True
    return t.get("unit") == "%" and t.get("number") is not None and t["number"] >= 200 and t.get("operator") is None


_UNIT_READ = re.compile(r"[A-Za-z]?\s*(%|％|[元万亿份天人次个项件户家台年月日时分秒周名所场篇条套册本张间米吨亩]+(/[\u4e00-\u9fff]+)*)")


def _mend_initial_operator(table, ind: dict, ocr_pages: set[int]) -> bool:
    """Shanxi prints a row's operator in its 年初指标值, its target and its actual value (the seeds: 311 of 318
    rows, the others a 一 for the dash): a 年初指标值 of an OCR'd row read as its unit alone or after a letter
    (“万元”, “K万元”) between a target and an actual value that start with the same ≥ ≤ = > < and print that
    unit takes that operator (“≤万元”), reviewed (label_normalised, format). A dash is left alone (the seeds
    print 一次 there as well as —天)."""
    f, target, actual = ind.get("target_initial"), ind.get("target"), ind.get("actual")
    if not all(x and x.get("cell") and "cells" not in x for x in (f, target, actual)):
        return False
    r, c = f["cell"]
    if table.rows[r].page not in ocr_pages:
        return False
    cell = table.rows[r].cells[c]
    m = _UNIT_READ.fullmatch(cell.text.strip())
    texts = [table.rows[x["cell"][0]].cells[x["cell"][1]].text.strip() for x in (target, actual)]
    ops = [_lead_operator(t) for t in texts]
    if m is None or not ops[0] or ops[0] != ops[1] or ops[0] == "-" \
            or (parse_target(texts[0]) or {}).get("unit") != m.group(1):
        return False
    _replace_reading(cell, texts[0][0] + m.group(1))
    return True


def _mend_targets(table, record, ocr_pages: set[int]) -> bool:
    """A target, 年初指标值 or actual value of an OCR'd cell under a seal, a watermark or with a weak character
    whose reading cannot be right (:func:`_target_doubtful`) takes the recogniser's second reading where that
    one is a well-formed target with the same digits or one stray digit fewer (“795%” → “>95%”, “≤方元” →
    “≤万元”, “≤|100%” → “≤ 100%”), else loses a stroke read as a digit or a letter before its operator
    (“1≥90%” → “≥90%”) or before 100 % (“1100%” → “100%”). The reading is kept (``original``, alternatives); the cell gets ``label_normalised``
    and ``format``: it is still reviewed. A “=” read 二 or 三 (alone or before a unit: no target prints 二) is
    “=”; a Shanxi 年初指标值 read without its row's operator takes it (:func:`_mend_initial_operator`). A letter
    or a bar read before a word (“T精简”) goes: no target prints one but a grade (“A级”); so does one character
    read after a share (“100%法”): no unit follows a %."""
    changed = False
    for ind in record.get("indicators") or []:
        changed |= _mend_initial_operator(table, ind, ocr_pages)
        for key in ("target", "target_initial", "actual"):
            f = ind.get(key)
            if not f or not f.get("cell") or "cells" in f:
                continue
            r, c = f["cell"]
            cell = table.rows[r].cells[c]
            text = cell.text.strip()
            if table.rows[r].page in ocr_pages and text in ("二", "三"):
                # a lone 二 or 三 is the full-width ＝ read without a seal or the watermark over it too (its two
                # strokes, its number left blank: Shanxi's 年初指标值 “=”): no target prints 二 or 三 alone
                _replace_reading(cell, "=")
                changed = True
                continue
            if table.rows[r].page not in ocr_pages or not {"seal", "watermark", "low_ocr"} & set(cell.reasons) \
                    or not text:
                continue
            equals = _EQUALS_READ.fullmatch(text)
            if equals and (not equals.group(1) or _BARE_UNIT.match(equals.group(1))):
                _replace_reading(cell, "=" + equals.group(1))  # “二” / “二人” for “=” / “=人” (no target prints 二)
                changed = True
                continue
            if not _target_doubtful(text):
                continue
            digits = re.sub(r"\D", "", text)
            fixed = None
            for alt in cell.alternatives:
                a = alt.text.strip()
                if alt.source != "ocr" or not a or a == text or _target_doubtful(a) or abs(len(a) - len(text)) > 1:
                    continue
                pa = parse_target(a)
                if pa is None or pa.get("qualitative") or re.sub(r"\D", "", a) not in (digits, digits[1:]):
                    continue
                fixed = a
                break
            if fixed is None and _STROKE_BEFORE_OPERATOR.match(text):
                fixed = _STROKE_BEFORE_OPERATOR.sub("", text)
            after = _STROKE_AFTER_SHARE.fullmatch(text)
            if fixed is None and after:
                fixed = after.group(1)  # “100%法”: no unit follows a % (a stroke read as a character)
            if fixed is None and _STROKE_BEFORE_WORD.match(text):
                fixed = _STROKE_BEFORE_WORD.sub("", text)  # “T精简”: no target starts with a letter but a grade
            share = _STROKE_BEFORE_SHARE.fullmatch(text)
            if fixed is None and share:
                fixed = share.group(1)  # “1100%”: a share of 1000 % or more is a stroke before 100 %
            if fixed is None:
                continue
            _replace_reading(cell, fixed)
            changed = True
        changed |= _mend_from_row(table, ind, ocr_pages)
    return changed


# a Shanxi target's text: operator, number, the rest (its unit)
_TARGET_PARTS = re.compile(r"^\s*([≥≤=＝＞＜><≧≦—\-－–]?)\s*(\d+(?:\.\d+)?)?\s*(.*?)\s*$")
_STRICT = {"<": "≤", ">": "≥", "＜": "≤", "＞": "≥"}


def _mend_from_row(table, ind: dict, ocr_pages: set[int]) -> bool:
    """Shanxi prints a row's operator and unit alike in its 年初指标值, its target and its actual value
    (“≤万元 | ≤10万元 | ≤10万元”, “—天 | —64天 | —64天”). Where the other two of an OCR'd row agree, the third
    read with a part of them lost takes it (reviewed: :func:`_replace_reading`):

    - a target read with a number and no operator takes the operator both others start with (the seeds print
      a bare target there 3 times in 390 rows, a scan loses “≤” or “—” more often); an actual value only a
      dash (the seeds: 32 of 32 dash rows print it there too; a ≥ ≤ = row's actual value often has none);
    - a 年初指标值 read as the operator alone takes the unit both others print after it (“≥” for ≥亩);
    - a unit read one character short of the one both others print takes theirs (元/人次 for 元/人/次,
      台套 for 台、套);
    - a reading mended from a letter to < or > (“K4万元” → <4万元) between two that print ≤ (≥) takes ≤ (≥)."""
    keys = ("target_initial", "target", "actual")
    fields = [ind.get(k) for k in keys]
    if not all(f and f.get("cell") and "cells" not in f for f in fields) \
            or any(table.rows[f["cell"][0]].page not in ocr_pages for f in fields):
        return False
    cells = [table.rows[f["cell"][0]].cells[f["cell"][1]] for f in fields]
    parts = [_TARGET_PARTS.match(c.text) for c in cells]
    if not all(parts):
        return False
    ops = [_lead_operator(c.text) for c in cells]
    changed = False
    for i in range(3):
        j, k = (x for x in range(3) if x != i)
        op, number, rest = parts[i].groups()
        fixed = None
        if ops[j] and ops[j] == ops[k] and cells[j].text.strip()[:1] == cells[k].text.strip()[:1]:
            lead = cells[j].text.strip()[0]
            if not op and number and rest == parts[j].group(3) == parts[k].group(3) \
                    and (i == 1 or (i == 2 and ops[j] == "-")):
                fixed = lead + number + rest  # the operator lost
            elif i == 0 and op and ops[i] == ops[j] and not number and not rest \
                    and parts[j].group(3) and parts[j].group(3) == parts[k].group(3):
                fixed = op + parts[j].group(3)  # the unit lost
            elif op in _STRICT and _STRICT[op] == ops[j] and cells[i].original is not None \
                    and _target_doubtful(cells[i].original):
                fixed = lead + (number or "") + rest  # a letter mended to < between two ≤
        tail = parts[j].group(3)
        if fixed is None and tail and tail == parts[k].group(3) and len(rest) == len(tail) - 1 and rest \
                and (number or parts[i].group(1)) \
                and any(tail[:x] + tail[x + 1:] == rest for x in range(len(tail))):
            fixed = (op or "") + (number or "") + tail  # the unit one character short
        if fixed is not None and fixed != cells[i].text.strip():
            _replace_reading(cells[i], fixed)
            parts[i] = _TARGET_PARTS.match(fixed)
            ops[i] = _lead_operator(fixed)
            changed = True
    return changed


def _deviation_holds(target: float, actual: float, deviation: float, tol: float) -> bool:
    return target != 0 and abs((actual - target) / target * 100.0 - deviation) <= tol


def _stray_readings(text: str) -> list[str]:
    """What a reading may have been with a seal's or the watermark's stroke read as a character at one end
    (“198%” → 98%, “7100” → 100) or its % read as an 8 (“1008” → 100%)."""
    t = text.strip()
    out = [t[1:], t[:-1]]
    if t.endswith("8"):
        out.append(t[:-1] + "%")
    return [x for x in out if x]


def _mend_by_deviation(table, record, ocr_pages: set[int]) -> bool:
    """Henan's 偏差度 column prints (actual − target) / target × 100 where a row misses its target (one met prints
    0.00), and actual − 100 where its target is qualitative and its actual value a share (the seeds: 246 of 250
    such rows): a target or an actual value of an OCR'd row under a seal, the watermark or with a weak character
    that breaks this while its 偏差度 is read sure, takes the one reading of it with a stroke at an end dropped or its % read as 8
    (:func:`_stray_readings`) or the recogniser's second reading that satisfies it (“198%” → 98% for 偏差度 −2.00,
    “1008” → 100% for 0.00, “7100” → 100 beside 95% and −5.00). The reading is kept; still reviewed
    (label_normalised, format)."""
    changed = False
    for ind in record.get("indicators") or []:
        dev, target, actual = ind.get("deviation"), ind.get("target"), ind.get("actual")
        if not dev or dev.get("value") is None or not dev.get("cell") or not target or not actual \
                or not target.get("cell") or "cells" in target or not actual.get("cell"):
            continue
        dcell = table.rows[dev["cell"][0]].cells[dev["cell"][1]]
        if {"low_ocr", "format"} & set(dcell.reasons) or table.rows[dev["cell"][0]].page not in ocr_pages:
            continue
        tol = 0.5 * 10 ** -_decimals(dcell.text) + 1e-6
        cells = {k: table.rows[f["cell"][0]].cells[f["cell"][1]] for k, f in (("target", target), ("actual", actual))}
        parsed = {k: parse_target(c.text) or {} for k, c in cells.items()}

        def base(p: dict) -> float | None:  # the target's number; 100 (%) for a qualitative one
            return 100.0 if p.get("qualitative") and p.get("text") else p.get("number")

        def number(p: dict, key: str) -> float | None:
            if key == "actual" and parsed["target"].get("qualitative") and p.get("unit") not in ("%", "％"):
                return None  # a qualitative row's 偏差度 speaks of a share only
            return p.get("number")

        t0, a0 = base(parsed["target"]), number(parsed["actual"], "actual")
        if t0 is None or (a0 is not None and _deviation_holds(t0, a0, dev["value"], tol)):
            continue
        if not parsed["target"].get("qualitative") and abs(dev["value"]) <= tol:
            continue  # a numeric target met prints 0.00 whatever its actual value: nothing to tell a reading by
        for key in ("actual", "target"):
            cell = cells[key]
            if not {"seal", "watermark", "low_ocr"} & set(cell.reasons) or (key == "target" and a0 is None):
                continue
            found: dict[float, str] = {}
            for text in _stray_readings(cell.text) + [a.text for a in cell.alternatives if a.source == "ocr"]:
                p = parse_target(text) or {}
                n = number(p, key) if key == "actual" else (p.get("number") if not p.get("qualitative") else None)
                if n is None or p.get("operator") != parsed[key].get("operator"):
                    continue
                if _deviation_holds(*((t0, n) if key == "actual" else (n, a0)), dev["value"], tol):
                    found.setdefault(n, text)
            if len(found) == 1:
                _replace_reading(cell, next(iter(found.values())))
                changed = True
                break
    return changed


def _replace_reading(cell, text: str) -> None:
    """A form cell's reading replaced by ``text`` (the reading kept as an alternative and ``original``),
    reasons label_normalised and format: still reviewed."""
    from .model import Alternative

    cell.alternatives.insert(0, Alternative(cell.text, cell.ocr_score, "ocr"))
    cell.original = cell.text if cell.original is None else cell.original
    cell.text = text
    cell.add_reason("label_normalised")
    cell.add_reason("format")


def _stacked_values(cell) -> bool:
    """Two or more values (numbers, “/”, dashes) stacked in one cell, one per text line: amounts, weights and
    scores never wrap, so these are the values of several rows whose separating rule was not found."""
    from .numbers import parse_number

    return sum(parse_number(t).kind in ("number", "na") for t in cell.lines) >= 2


def _flag_stacked_rows(table, record) -> None:
    """Never silent on merged rows: a form prints one funds line, one indicator, one 资金管理 item per row; an
    entry whose numeric field holds values stacked line over line (:func:`_stacked_values`) is several rows
    read as one. Every cell of its row, and of the rows its stacked cell reaches down over (left empty under
    it), gets the reason ``rows_merged`` (always sent to review)."""
    entries = [e for key in ("funds", "indicators", "management", "projects") for e in (record.get(key) or [])
               if isinstance(e, dict)]
    for entry in entries:
        for f in _walk_fields(entry):
            if "value" not in f or not f.get("cell"):
                continue
            r, c = f["cell"]
            cell = table.rows[r].cells[c]
            if not _stacked_values(cell):
                continue
            y0, y1 = (cell.bbox[1], cell.bbox[3]) if cell.bbox else (None, None)
            for k, row in enumerate(table.rows):
                if k != r and (y0 is None or row.page != table.rows[r].page or not any(
                        o.bbox and y0 <= (o.bbox[1] + o.bbox[3]) / 2 <= y1 for o in row.cells)):
                    continue
                for o in row.cells:
                    o.add_reason("rows_merged")
            break


def attach_records(doc) -> None:
    """Build the record of every form of ``doc`` (after template recognition, before validation)."""
    from .templates import load_templates

    templates = load_templates()
    ocr_pages = {p.number for p in doc.pages if p.mode == "ocr"}
    for table in doc.tables:
        tpl = templates.get(table.template or "")
        if tpl is not None and tpl.layout == "performance":
            table.kind = FORM_KIND
        if table.kind == FORM_KIND:
            tpl = tpl if tpl is not None and tpl.layout == "performance" else None
            table.record = build_record(table, tpl, doc.year)
            if _normalise_natures(table, table.record, ocr_pages):
                table.record = build_record(table, tpl, doc.year)
            if _strip_numeric_junk(table, table.record, ocr_pages) | _clear_seal_specks(table, table.record, ocr_pages) \
                    | _mend_targets(table, table.record, ocr_pages) | _mend_by_deviation(table, table.record, ocr_pages):
                table.record = build_record(table, tpl, doc.year)
            _flag_malformed(table, table.record)
            _flag_initial_targets(table, table.record, ocr_pages)
            _flag_lost_point(table, table.record, ocr_pages)
            _flag_split_fields(table, table.record)
            _flag_unbalanced_text(table, table.record, ocr_pages)
            _flag_stacked_rows(table, table.record)
    _join_split_names(doc)
    _join_split_levels(doc)
    _mend_from_document(doc, ocr_pages)


def _walk_fields(obj):
    if isinstance(obj, dict):
        if "cell" in obj and "text" in obj:
            yield obj
        for k, v in obj.items():
            if k != "cells":
                yield from _walk_fields(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk_fields(v)


def finish_records(doc) -> None:
    """After validation, repair and scoring: every record value takes its cell's final text, value,
    confidence and review flag; findings are recomputed."""
    from .templates import load_templates

    templates = load_templates()
    for table in doc.tables:
        if table.kind != FORM_KIND or table.record is None:
            continue
        for f in _walk_fields(table.record):
            cell_ref = f.get("cell")
            if not cell_ref:
                continue
            r, c = cell_ref
            if r >= len(table.rows) or c >= len(table.rows[r].cells):
                continue
            cell = table.rows[r].cells[c]
            if "cells" in f:  # a target composed of three cells, a name cut in two: keep its composed text
                parts = [table.rows[a].cells[b] for a, b in f["cells"]]
                f["confidence"] = round(min(p.confidence for p in parts), 4)
                f["review"] = any(p.review for p in parts)
                continue
            if "operator" in f:
                if f["text"] != cell.text:
                    f.update({k: v for k, v in (parse_target(cell.text) or {}).items() if k != "cell"})
            else:
                f["text"] = cell.text
                if "value" in f:  # the value, not the kind: a document read back from JSON has no cell kinds
                    f["value"] = cell.value
            f["confidence"] = round(float(cell.confidence), 4)
            f["review"] = bool(cell.review)
        table.record["findings"] = form_findings(table, templates.get(table.template or ""))
    _summary_findings(doc)
    _total_lost_on_next_page(doc, templates)


def _total_lost_on_next_page(doc, templates) -> None:
    """A form whose layout ends in its 总分 row, read without one, followed by a page where no table was
    found: its last row (alone on that page, seeds 000 and 002) was lost there. That page is ``unrecovered``
    (reason ``form_total_missing``), never a silent ``no_tables``."""
    from .verdict import PageStatus

    pages = {p.number: p for p in doc.pages}
    for table in doc.tables:
        tpl = templates.get(table.template or "")
        if table.kind != FORM_KIND or not table.record or not table.pages or tpl is None \
                or "score_total" not in tpl.extra.get("rules", []):
            continue
        total = table.record.get("total") or {}
        after = pages.get(table.pages[-1] + 1)
        if total.get("score") or total.get("weight") or after is None or after.status != PageStatus.NO_TABLES:
            continue
        after.status, after.reasons = PageStatus.UNRECOVERED, [*after.reasons, "form_total_missing"]
        doc.warnings.append({"kind": "unrecovered_page", "page": after.number, "reasons": list(after.reasons),
                             "table": table.id})


def _summary_findings(doc) -> None:
    """A 汇总表 row against the project's own form in the same document: 全年预算数, 执行数 and 自评得分 are
    the form's (001 prints 20.4 for a form's 20.04, 100 for a form's 99) — findings, the forms are the source."""
    from rapidfuzz import fuzz

    forms = [t for t in doc.tables if t.kind == FORM_KIND and t.record and "projects" not in t.record
             and t.record.get("project")]
    for table in doc.tables:
        rec = table.record
        if table.kind != FORM_KIND or not rec or "projects" not in rec:
            continue
        for p in rec["projects"]:
            name = compare_key((p.get("项目名称") or {}).get("text", ""))
            if not name:
                continue
            best = max(forms, key=lambda f: fuzz.ratio(name, compare_key(f.record["project"]["text"])), default=None)
            if best is None or fuzz.ratio(name, compare_key(best.record["project"]["text"])) < 90:
                continue
            funds = (best.record.get("funds") or [{}])[0]
            pairs = (("全年预算数", funds.get("全年预算数")), ("执行数", funds.get("全年执行数")),
                     ("自评得分", (best.record.get("total") or {}).get("score")))
            for key, theirs in pairs:
                mine = p.get(key)
                if not (_num_field(mine) and _num_field(theirs)) or abs(mine["value"] - theirs["value"]) <= 0.005:
                    continue
                rec.setdefault("findings", []).append({
                    "rule": "summary_vs_form", "description": f"{p['项目名称']['text']}: {key} {mine['text']} in the "
                    f"汇总表, {theirs['text']} in its form ({best.id})", "expected": theirs["value"],
                    "actual": mine["value"], "cells": [mine["cell"]]})
