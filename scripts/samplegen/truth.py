"""Ground truth in the output-contract format, and the accounting identities checked on it.

The truth of a table is what is printed: ``text`` = the cell as printed after
``pipeline.textnorm.clean_cell_text``; ``value`` = the parsed amount for amount columns
(``pipeline.headers.is_amount_column`` on the flattened column label), ``None`` for codes, names,
行次, blanks and ——. ``columns`` come from ``pipeline.headers.flatten_header`` like in the pipeline.

:func:`check_identities` re-derives the identities from the truth values alone (blank = 0), so it also
verifies a truth file written earlier (``make_samples.py --check``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.headers import header_grid, is_amount_column
from pipeline.model import Cell, Check, CodeMatch, Document, PageInfo, Row, Table
from pipeline.numbers import value_of
from pipeline.textnorm import clean_cell_text

from .content import DocumentContent
from .layout import Page, table_columns

TOLERANCE = 0.005  # generated in 分: identities hold exactly (float noise only)


def build_truth(doc: DocumentContent, pages: list[Page], page_infos: list[PageInfo], pdf_path: str,
                sha256: str) -> Document:
    row_page: dict[tuple[str, int], int] = {}
    table_pages: dict[str, list[int]] = {}
    for page in pages:
        for part in page.parts:
            table_pages.setdefault(part.table.id, []).append(page.number)
            for i in part.rows:
                row_page[(part.table.id, i)] = page.number
    tables = []
    for t in doc.tables:
        columns = table_columns(t)
        amount = [is_amount_column(c) for c in columns]
        rows = []
        for i, body in enumerate(t.rows):
            cells = []
            for c, printed in enumerate(body.cells):
                text = clean_cell_text(printed)
                cells.append(Cell(text=text, value=value_of(text) if amount[c] else None))
            codes = [CodeMatch(column=col, code=code, name=name, score=1.0, source=source)
                     for col, code, name, source in body.codes]
            rows.append(Row(page=row_page[(t.id, i)], cells=cells, codes=codes))
        tables.append(Table(id=t.id, title=t.title, form=t.form, unit=t.unit, pages=table_pages[t.id],
                            header=header_grid(t.header, t.header_rows, t.n_cols), columns=columns, rows=rows,
                            notes=[clean_cell_text(n) for n in t.notes], department=doc.department.name,
                            year=doc.department.year))
    truth = Document(source_path=pdf_path, sha256=sha256, page_count=len(page_infos),
                     authority=doc.department.name, year=doc.department.year, kind="部门决算",
                     pages=page_infos, tables=tables, pipeline_version="truth")
    truth.checks = check_identities(truth)
    return truth


# ----------------------------------------------------------------------------------------------
# identities on truth values
# ----------------------------------------------------------------------------------------------

@dataclass
class TruthTable:
    """Lookup helpers over one truth table."""

    table: Table

    def value(self, r: int, c: int) -> float:
        v = self.table.rows[r].cells[c].value
        return 0.0 if v is None else float(v)

    def col(self, label: str) -> int:
        for i, c in enumerate(self.table.columns):
            if c == label or c.endswith("/" + label):
                return i
        raise KeyError(f"{self.table.id}: no column {label!r} in {self.table.columns}")

    def amount_cols(self) -> list[int]:
        return [i for i, c in enumerate(self.table.columns) if is_amount_column(c)]

    def row_by_text(self, text: str, column: int = 0) -> int:
        for r, row in enumerate(self.table.rows):
            if row.cells[column].text == text:
                return r
        raise KeyError(f"{self.table.id}: no row {text!r} in column {column}")

    def code_rows(self, column: int = 0) -> dict[str, int]:
        out = {}
        for r, row in enumerate(self.table.rows):
            for m in row.codes:
                if m.column == column:
                    out[m.code] = r
        return out

    def total_row(self) -> int:
        for r, row in enumerate(self.table.rows):
            if any(c.text == "合计" for c in row.cells[:2]):
                return r
        raise KeyError(f"{self.table.id}: no 合计 row")


class Checker:
    def __init__(self, doc: Document):
        self.doc = doc
        self.checks: list[Check] = []
        self.by_form = {t.form: TruthTable(t) for t in doc.tables}

    def eq(self, rule: str, table: str, expected: float, actual: float, cells: list[tuple[str, int, int]]) -> None:
        ok = abs(expected - actual) <= TOLERANCE
        self.checks.append(Check(rule=rule, table=table, ok=ok, expected=round(expected, 2),
                                 actual=round(actual, 2), cells=cells, tolerance=TOLERANCE))

    def sum_eq(self, rule: str, t: TruthTable, target: tuple[int, int], parts: list[tuple[int, int]]) -> None:
        expected = t.value(*target)
        actual = sum(t.value(r, c) for r, c in parts)
        self.eq(rule, t.table.id, expected, actual, [(t.table.id, r, c) for r, c in [target] + parts])

    # -- per table ------------------------------------------------------------------------------
    def hierarchy(self, t: TruthTable) -> None:
        """类 = Σ款 = Σ项 and 合计 = Σ top rows, per amount column."""
        codes = t.code_rows(0)
        if not codes:
            return
        total = t.total_row()
        lengths = {len(c) for c in codes}
        top_len = min(lengths)
        for col in t.amount_cols():
            tops = [r for c, r in codes.items() if len(c) == top_len]
            self.sum_eq("total=sum(top)", t, (total, col), [(r, col) for r in tops])
            for code, r in codes.items():
                child_len = {3: 5, 5: 7}.get(len(code))
                kids = [kr for kc, kr in codes.items() if len(kc) == child_len and kc.startswith(code)]
                if kids:
                    self.sum_eq(f"{len(code)}=sum({child_len})", t, (r, col), [(kr, col) for kr in kids])

    def row_sum(self, t: TruthTable, total_label: str, part_labels: list[str]) -> None:
        tc, pcs = t.col(total_label), [t.col(p) for p in part_labels]
        for r, _row in enumerate(t.table.rows):
            self.sum_eq(f"{total_label}=sum", t, (r, tc), [(r, p) for p in pcs])

    def run(self) -> list[Check]:
        f = self.by_form
        t1, t2, t3, t4, t5, t6 = (f.get(f"公开0{i}表") for i in range(1, 7))
        t7, t9, t10 = f.get("公开07表"), f.get("公开09表"), f.get("公开10表")
        for t in (t2, t3, t5, t7):
            if t is not None:
                self.hierarchy(t)
        if t2:
            self.row_sum(t2, "本年收入合计", ["财政拨款收入", "上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入"])
        if t3:
            self.row_sum(t3, "本年支出合计", ["基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出"])
        if t5:
            self.row_sum(t5, "小计", ["基本支出", "项目支出"])
        if t1:
            self.t01(t1, t2, t3)
        if t4:
            self.t04(t4, t5)
        if t6:
            self.t06(t5, t6)
        if t9:
            self.t09(t9, t6)
        if t10:
            self.t10(t10, t6)
        return self.checks

    def t01(self, t1: TruthTable, t2: TruthTable | None, t3: TruthTable | None) -> None:
        tid = t1.table.id
        inc_total = t1.row_by_text("本年收入合计")
        self.sum_eq("T01 本年收入合计=sum(income)", t1, (inc_total, 2), [(r, 2) for r in range(8)])
        exp_total = t1.row_by_text("本年支出合计", 3)
        class_rows = sorted(t1.code_rows(3).values())
        self.sum_eq("T01 本年支出合计=sum(classes)", t1, (exp_total, 5), [(r, 5) for r in class_rows])
        grand_l = t1.row_by_text("总计")
        grand_r = t1.row_by_text("总计", 3)
        self.sum_eq("T01 总计(收入)", t1, (grand_l, 2), [(inc_total, 2), (inc_total + 1, 2), (inc_total + 2, 2)])
        self.sum_eq("T01 总计(支出)", t1, (grand_r, 5), [(exp_total, 5), (exp_total + 1, 5), (exp_total + 2, 5)])
        self.eq("T01 总计 both sides", tid, t1.value(grand_l, 2), t1.value(grand_r, 5),
                [(tid, grand_l, 2), (tid, grand_r, 5)])
        if t2:
            total = t2.total_row()
            pairs = [(0, "财政拨款收入", [0, 1, 2]), (3, "上级补助收入", [3]), (4, "事业收入", [4]),
                     (5, "经营收入", [5]), (6, "附属单位上缴收入", [6]), (7, "其他收入", [7])]
            for _first, label, rows in pairs:
                actual = sum(t1.value(r, 2) for r in rows)
                self.eq(f"T01 收入 = T02 {label}", tid, t2.value(total, t2.col(label)), actual,
                        [(tid, r, 2) for r in rows] + [(t2.table.id, total, t2.col(label))])
            self.eq("T01 本年收入合计 = T02 合计", tid, t2.value(total, t2.col("本年收入合计")),
                    t1.value(inc_total, 2), [(tid, inc_total, 2)])
        if t3:
            total = t3.total_row()
            self.eq("T01 本年支出合计 = T03 合计", tid, t3.value(total, t3.col("本年支出合计")),
                    t1.value(exp_total, 5), [(tid, exp_total, 5)])
            t3_codes = t3.code_rows(0)
            for code, r in t1.code_rows(3).items():
                classes = [rr for c, rr in t3_codes.items() if c.startswith(code)]
                if len(code) == 3 and code in t3_codes:
                    expected = t3.value(t3_codes[code], t3.col("本年支出合计"))
                else:  # leaf-only 公开03: add up the 项 rows of the class
                    expected = sum(t3.value(rr, t3.col("本年支出合计")) for rr in classes)
                self.eq(f"T01 {code} = T03", tid, expected, t1.value(r, 5), [(tid, r, 5)])

    def t04(self, t4: TruthTable, t5: TruthTable | None) -> None:
        tid = t4.table.id
        inc_total = t4.row_by_text("本年收入合计")
        self.sum_eq("T04 本年收入合计", t4, (inc_total, 2), [(r, 2) for r in range(3)])
        opening = t4.row_by_text("年初财政拨款结转和结余")
        self.sum_eq("T04 年初 = components", t4, (opening, 2), [(opening + k, 2) for k in (1, 2, 3)])
        grand_l = t4.row_by_text("总计")
        self.sum_eq("T04 总计(收入)", t4, (grand_l, 2), [(inc_total, 2), (opening, 2)])
        exp_total = t4.row_by_text("本年支出合计", 3)
        closing = t4.row_by_text("年末财政拨款结转和结余", 3)
        grand_r = t4.row_by_text("总计", 3)
        class_rows = sorted(t4.code_rows(3).values())
        for col in (5, 6, 7, 8):
            self.sum_eq("T04 本年支出合计=sum(classes)", t4, (exp_total, col), [(r, col) for r in class_rows])
            self.sum_eq("T04 总计(支出)", t4, (grand_r, col), [(exp_total, col), (closing, col)])
        for r in class_rows + [exp_total, closing, grand_r]:
            self.sum_eq("T04 合计=sum(funds)", t4, (r, 5), [(r, 6), (r, 7), (r, 8)])
        self.eq("T04 总计 both sides", tid, t4.value(grand_l, 2), t4.value(grand_r, 5),
                [(tid, grand_l, 2), (tid, grand_r, 5)])
        if t5:
            t5_codes = t5.code_rows(0)
            for code, r in t4.code_rows(3).items():
                expected = t5.value(t5_codes[code], t5.col("小计")) if code in t5_codes else 0.0
                self.eq(f"T04 {code} 一般公共预算 = T05", tid, expected, t4.value(r, 6), [(tid, r, 6)])
            self.eq("T04 本年支出合计 一般公共预算 = T05 合计", tid, t5.value(t5.total_row(), t5.col("小计")),
                    t4.value(exp_total, 6), [(tid, exp_total, 6)])

    def t06(self, t5: TruthTable | None, t6: TruthTable) -> None:
        tid = t6.table.id
        last = len(t6.table.rows) - 1
        totals = t6.table.rows[last]
        personnel_col = next(c for c in range(len(totals.cells)) if c > 0 and totals.cells[c].value is not None)
        public_col = len(totals.cells) - 1
        if t5:
            self.eq("T05 合计基本支出 = T06 人员经费合计 + 公用经费合计", tid,
                    t5.value(t5.total_row(), t5.col("基本支出")),
                    t6.value(last, personnel_col) + t6.value(last, public_col),
                    [(tid, last, personnel_col), (tid, last, public_col)])
        # column-major reading order: a class may wrap from one block into the next
        entries = [(m.code, r, m.column + 2) for col in range(0, len(t6.table.columns), 3)
                   for r, rw in enumerate(t6.table.rows) for m in rw.codes if m.column == col]
        classes = [(code, r, c) for code, r, c in entries if len(code) == 3]
        for code, r, c in classes:
            if t6.table.rows[r].cells[c].text == "——":
                continue
            items = [(rr, cc) for ic, rr, cc in entries if len(ic) == 5 and ic.startswith(code)]
            if items:
                self.sum_eq(f"T06 {code}=sum(items)", t6, (r, c), items)
        personnel = [(r, c) for code, r, c in classes if code in ("301", "303")]
        public = [(r, c) for code, r, c in classes if code not in ("301", "303")]
        self.sum_eq("T06 人员经费合计=sum(301,303)", t6, (last, personnel_col), personnel)
        self.sum_eq("T06 公用经费合计=sum(classes)", t6, (last, public_col), public)

    def t09(self, t9: TruthTable, t6: TruthTable | None) -> None:
        for side in (0, 6):
            self.sum_eq("T09 合计", t9, (0, side), [(0, side + 1), (0, side + 2), (0, side + 5)])
            self.sum_eq("T09 小计", t9, (0, side + 2), [(0, side + 3), (0, side + 4)])
        if t6:
            found = {m.code: (r, m.column + 2) for r, rw in enumerate(t6.table.rows) for m in rw.codes}
            for code, col in (("30217", 11), ("30231", 10)):
                if code in found:
                    self.eq(f"T09 决算 = T06 {code}", t9.table.id, t6.value(*found[code]), t9.value(0, col),
                            [(t9.table.id, 0, col), (t6.table.id, *found[code])])

    def t10(self, t10: TruthTable, t6: TruthTable | None) -> None:
        total = t10.row_by_text("合计")
        self.sum_eq("T10 采购合计", t10, (total, 2), [(total + k, 2) for k in (1, 2, 3)])
        cars = t10.row_by_text("(一)车辆数合计(辆)")
        self.sum_eq("T10 车辆数合计", t10, (cars, 2), [(cars + k, 2) for k in range(1, 9)])
        if t6:
            last = len(t6.table.rows) - 1
            public = t6.table.rows[last].cells[-1].value or 0.0
            r1 = t10.row_by_text("(一)行政单位")
            self.eq("T10 机关运行经费 = T06 公用经费合计", t10.table.id, public,
                    t10.value(r1, 2) + t10.value(r1 + 1, 2), [(t10.table.id, r1, 2), (t10.table.id, r1 + 1, 2)])


def check_identities(doc: Document) -> list[Check]:
    return Checker(doc).run()


def check_truth_dict(truth: dict[str, Any]) -> list[Check]:
    return check_identities(Document.from_dict(truth))
