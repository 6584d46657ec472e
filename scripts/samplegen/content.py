"""Content of a synthetic 部门决算: amounts that satisfy every accounting identity, and the ten 公开表 as printed.

All amounts are integers in cents of the printed unit (0.01 万元, i.e. the last printed digit). Leaves (7-digit 项 codes) get random amounts; every parent (款, 类,
合计, the two sides of 公开01/04, 年末结转) is derived by summation, so the identities hold exactly:

* 类 = Σ款 = Σ项 per column (公开02/03/05/07); 合计 = Σ 类.
* 公开03 本年支出合计 = 基本 + 项目 + 上缴上级 + 经营 + 对附属单位补助; 公开05 小计 = 基本 + 项目.
* 公开01: income rows = 公开02 合计 columns; class rows = 公开03 class totals; 总计 equal on both sides.
* 公开04: 一般公共预算 column = 公开05 class 小计; 政府性基金 column = 公开07 本年支出; 合计 = Σ columns;
  总计 = 本年收入合计 + 年初 = 本年支出合计 + 年末 (per column).
* 公开06 人员经费合计 + 公用经费合计 = 公开05 合计 基本支出; 30217/30231 = 公开09 决算 接待费 / 运行维护费.
* 公开09 合计 = 出国 + 车辆小计 + 接待; 小计 = 购置 + 运行维护.
* 公开10 合计 = 货物 + 工程 + 服务; 车辆数合计 = Σ categories; 机关运行经费 = 公开06 公用经费合计.

Each table is returned as printed text (the style decides separators, zero as 0.00 or blank, ——).
"""
from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.headers import HeaderCell

DATA_DIR = Path(__file__).resolve().parent / "data"

CN_NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五",
               "十六", "十七", "十八", "十九", "二十", "二十一", "二十二", "二十三", "二十四", "二十五", "二十六"]


@lru_cache(maxsize=None)
def load_data(name: str) -> dict:
    path = DATA_DIR / name
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise RuntimeError(f"{path}: cannot read generator data ({e})") from e


@dataclass(frozen=True)
class Style:
    name: str
    dept_label: str
    year_line: bool
    unit_label: str
    form_spaced: bool
    code_label: str
    total_in_code_col: bool
    separators: bool
    zero_blank: bool
    t01_amount_label: str
    t01_blank_row30: bool
    leaf_only: bool
    repeat_header: bool
    t06_blocks: int
    t06_super_header: bool
    na_marks: bool
    rounding_note: str
    t01_reserve_label: str
    t01_end_label: str
    t08_subtotal: str
    meta_one_line: bool
    t04_spaced_sides: bool


@dataclass(frozen=True)
class Department:
    key: str
    name: str
    year: int
    style: Style
    scale: float  # rough 本年支出合计 in 万元
    leaves: tuple[str, ...]
    fund_leaves: tuple[str, ...]
    nonfiscal_leaves: tuple[str, ...]
    business_leaf: str | None
    t09: str  # data | empty
    t10: bool


def load_styles() -> dict[str, Style]:
    raw = load_data("departments.json")["styles"]
    return {name: Style(name=name, **fields) for name, fields in raw.items()}


def load_departments() -> dict[str, Department]:
    styles = load_styles()
    out: dict[str, Department] = {}
    for d in load_data("departments.json")["departments"]:
        out[d["key"]] = Department(
            key=d["key"], name=d["name"], year=int(d["year"]), style=styles[d["style"]], scale=float(d["scale"]),
            leaves=tuple(d["leaves"]), fund_leaves=tuple(d["fund_leaves"]),
            nonfiscal_leaves=tuple(d["nonfiscal_leaves"]), business_leaf=d["business_leaf"], t09=d["t09"],
            t10=bool(d["t10"]))
    return out


def functional_names() -> dict[str, str]:
    return load_data("codes.json")["functional"]


def class_labels() -> list[tuple[str, str]]:
    return [(c, n) for c, n in load_data("codes.json")["classes"]]


# ----------------------------------------------------------------------------------------------
# printed-table model
# ----------------------------------------------------------------------------------------------

@dataclass
class BodyRow:
    cells: list[str]
    codes: list[tuple[int, str, str, str]] = field(default_factory=list)  # column, code, name, printed|matched
    spans: dict[int, int] = field(default_factory=dict)  # start column -> colspan (merged body cells)
    strong: bool = False


@dataclass
class TableContent:
    id: str
    number: int  # n of 公开0n表
    title: str
    header: list[HeaderCell]
    header_rows: int
    n_cols: int
    rows: list[BodyRow]
    notes: list[str]
    widths: list[float]  # relative column widths
    landscape: bool
    unit: str = "万元"
    empty: bool = False

    @property
    def form(self) -> str:
        return f"公开{self.number:02d}表"


@dataclass
class DocumentContent:
    department: Department
    tables: list[TableContent]
    seed: int


# ----------------------------------------------------------------------------------------------
# amounts
# ----------------------------------------------------------------------------------------------

@dataclass
class Leaf:
    code: str
    gen_basic: int = 0
    gen_project: int = 0
    fund_project: int = 0
    nf_basic: int = 0
    nf_project: int = 0
    business: int = 0
    inc_fiscal_gen: int = 0
    inc_fiscal_fund: int = 0
    inc_upper: int = 0
    inc_service: int = 0
    inc_business: int = 0
    inc_other: int = 0
    fund_opening: int = 0

    @property
    def gen_total(self) -> int:
        return self.gen_basic + self.gen_project

    @property
    def exp_basic(self) -> int:
        return self.gen_basic + self.nf_basic

    @property
    def exp_project(self) -> int:
        return self.gen_project + self.fund_project + self.nf_project

    @property
    def exp_total(self) -> int:
        return self.exp_basic + self.exp_project + self.business

    @property
    def inc_fiscal(self) -> int:
        return self.inc_fiscal_gen + self.inc_fiscal_fund

    @property
    def inc_total(self) -> int:
        return self.inc_fiscal + self.inc_upper + self.inc_service + self.inc_business + self.inc_other

    @property
    def zero(self) -> int:
        return 0

    @property
    def fund_income(self) -> int:
        return self.inc_fiscal_fund

    @property
    def fund_closing(self) -> int:
        return self.fund_opening + self.inc_fiscal_fund - self.fund_project


@dataclass
class Ledger:
    leaves: dict[str, Leaf]
    opening_gen: int
    opening_nf: int
    reserve_used: int  # 使用非财政拨款结余
    distribution: int  # 结余分配
    economic: dict[str, int]  # T06 item code -> cents
    personnel_total: int
    public_total: int
    sangong_budget: list[int]  # 出国, 购置, 运行, 接待
    sangong_actual: list[int]
    procurement: list[int]  # 货物, 工程, 服务
    running_cost: list[int]  # 行政单位, 参公事业单位
    vehicles: list[int]  # 8 categories
    big_equipment: int

    def total(self, attr: str, leaves: list[Leaf] | None = None) -> int:
        return sum(getattr(lf, attr) for lf in (leaves if leaves is not None else self.leaves.values()))

    @property
    def closing_gen(self) -> int:
        return self.opening_gen + self.total("inc_fiscal_gen") - self.total("gen_total")

    @property
    def opening_fund(self) -> int:
        return self.total("fund_opening")

    @property
    def closing_fund(self) -> int:
        return self.total("fund_closing")

    @property
    def income_total(self) -> int:
        return self.total("inc_total")

    @property
    def expense_total(self) -> int:
        return self.total("exp_total")

    @property
    def opening_total(self) -> int:
        return self.opening_gen + self.opening_fund + self.opening_nf

    @property
    def grand_total(self) -> int:
        return self.income_total + self.reserve_used + self.opening_total

    @property
    def closing_total(self) -> int:
        return self.grand_total - self.expense_total - self.distribution


def _amount(rng: random.Random, mean_cents: float, spread: float = 0.9) -> int:
    return max(1, int(math.exp(rng.gauss(math.log(max(mean_cents, 2.0)), spread))))


def split_amount(total: int, weights: list[float]) -> list[int]:
    """Split integer cents by weights, largest remainder, so the parts add up exactly."""
    if total == 0 or not weights:
        return [0] * len(weights)
    s = sum(weights)
    raw = [total * w / s for w in weights]
    parts = [int(math.floor(r)) for r in raw]
    rest = total - sum(parts)
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[:rest]:
        parts[i] += 1
    return parts


def build_ledger(dept: Department, rng: random.Random) -> Ledger:
    codes = load_data("codes.json")
    basic_like = set(codes["basic_leaves"])
    scale = dept.scale * 100  # 万元 -> 0.01 万元
    n = len(dept.leaves) + len(dept.fund_leaves)
    mean = scale / max(1, n) * 0.7
    leaves: dict[str, Leaf] = {}
    for code in dept.leaves:
        lf = Leaf(code)
        if code in basic_like:
            lf.gen_basic = _amount(rng, mean)
            if rng.random() < 0.25:
                lf.gen_project = _amount(rng, mean * 0.3)
        else:
            lf.gen_project = _amount(rng, mean)
        leaves[code] = lf
    for code in dept.fund_leaves:
        lf = leaves.setdefault(code, Leaf(code))
        lf.fund_project = _amount(rng, mean * 1.5)
        lf.fund_opening = _amount(rng, mean * 0.2) if rng.random() < 0.5 else 0
        lf.inc_fiscal_fund = lf.fund_project - lf.fund_opening + (_amount(rng, mean * 0.1) if rng.random() < 0.5 else 0)
        lf.inc_fiscal_fund = max(0, lf.inc_fiscal_fund)
        if lf.fund_closing < 0:
            lf.inc_fiscal_fund -= lf.fund_closing
    nf_codes = list(dept.nonfiscal_leaves) + ([dept.business_leaf] if dept.business_leaf else [])
    for i, code in enumerate(nf_codes):
        lf = leaves.setdefault(code, Leaf(code))
        if code == dept.business_leaf and i >= len(dept.nonfiscal_leaves):
            lf.business = _amount(rng, mean * 0.2)
            lf.inc_business = lf.business + _amount(rng, mean * 0.05)
            continue
        spend = _amount(rng, mean * 0.3)
        if lf.gen_basic and rng.random() < 0.5:
            lf.nf_basic = spend
        else:
            lf.nf_project = spend
        column = ["inc_other", "inc_service", "inc_upper"][i % 3]
        setattr(lf, column, max(0, spend + rng.choice([-1, 1]) * _amount(rng, spend * 0.1)))
    # fiscal income per leaf: spending ± carry-over
    for lf in leaves.values():
        if lf.gen_total:
            delta = rng.choice([0, 0, 1, -1]) * _amount(rng, lf.gen_total * 0.04)
            lf.inc_fiscal_gen = max(0, lf.gen_total + delta)
    net_gen = sum(lf.inc_fiscal_gen - lf.gen_total for lf in leaves.values())
    opening_gen = max(0, -net_gen) + (_amount(rng, mean * 0.3) if rng.random() < 0.6 else 0)
    nf_income = sum(lf.inc_upper + lf.inc_service + lf.inc_business + lf.inc_other for lf in leaves.values())
    nf_spend = sum(lf.nf_basic + lf.nf_project + lf.business for lf in leaves.values())
    distribution = _amount(rng, mean * 0.05) if nf_codes and rng.random() < 0.5 else 0
    reserve_used = _amount(rng, mean * 0.05) if nf_codes and rng.random() < 0.3 else 0
    opening_nf = max(0, nf_spend + distribution - nf_income - reserve_used)
    if nf_codes:
        opening_nf += _amount(rng, mean * 0.1)

    # 公开06: basic spending by economic classification
    basic_total = sum(lf.gen_basic for lf in leaves.values())
    blocks = codes["economic_blocks"]
    funded = set(blocks["funded_items"])
    public_share = rng.uniform(0.06, 0.14)
    public_total = int(basic_total * public_share)
    personnel_total = basic_total - public_total
    personnel_items = [code for _c, _n, items in blocks["personnel"] for code, _ in items if code in funded]
    public_items = [code for cls in blocks["public"] for code, _ in cls[2] if code in funded]
    economic: dict[str, int] = {}
    weights = [rng.uniform(0.2, 3.0) * (6 if c in ("30101", "30107", "30102") else 1) for c in personnel_items]
    for code, cents in zip(personnel_items, split_amount(personnel_total, weights)):
        economic[code] = cents
    weights = [rng.uniform(0.2, 3.0) * (4 if c in ("30201", "30299", "30228", "30229") else 1)
               * (0.15 if c in ("30217", "30231") else 1) for c in public_items]
    for code, cents in zip(public_items, split_amount(public_total, weights)):
        economic[code] = cents

    reception, car_running = economic.get("30217", 0), economic.get("30231", 0)
    if dept.t09 == "data":
        purchase = _amount(rng, 2_500) if rng.random() < 0.3 else 0
        sangong_actual = [0, purchase, car_running, reception]
        sangong_budget = [v + int(v * rng.uniform(0.0, 0.3)) for v in sangong_actual]
    else:
        sangong_actual = [0, 0, 0, 0]
        sangong_budget = [0, 0, 0, 0]
        for code in ("30217", "30231"):
            if code in economic:  # an empty 三公 table means no reception / car spending
                economic["30201"] = economic.get("30201", 0) + economic[code]
                economic[code] = 0
    procurement = [_amount(rng, mean * 0.3), _amount(rng, mean * 0.1) if rng.random() < 0.5 else 0,
                   _amount(rng, mean * 0.3)]
    running_cost = split_amount(public_total, [rng.uniform(0.3, 1.0), rng.uniform(0.0, 0.6)])
    vehicles = [0, 0, 0, rng.randint(0, 2), rng.randint(0, 6), rng.randint(0, 2), 0, rng.randint(0, 12)]
    big_equipment = rng.randint(0, 3)
    return Ledger(leaves=leaves, opening_gen=opening_gen, opening_nf=opening_nf, reserve_used=reserve_used,
                  distribution=distribution, economic=economic, personnel_total=personnel_total,
                  public_total=public_total, sangong_budget=sangong_budget, sangong_actual=sangong_actual,
                  procurement=procurement, running_cost=running_cost, vehicles=vehicles, big_equipment=big_equipment)


# ----------------------------------------------------------------------------------------------
# printing amounts
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NumberStyle:
    separators: bool
    zero_blank: bool

    def fmt(self, cents: int | None) -> str:
        """An amount as printed; None prints blank (structural empty cell)."""
        if cents is None:
            return ""
        if cents == 0 and self.zero_blank:
            return ""
        value = cents / 100
        return f"{value:,.2f}" if self.separators else f"{value:.2f}"


def ordered_rows(leaves: list[str], leaf_only: bool) -> list[str]:
    if leaf_only:
        return sorted(leaves)
    result: list[str] = []
    for cls in sorted({c[:3] for c in leaves}):
        result.append(cls)
        for kuan in sorted({c[:5] for c in leaves if c.startswith(cls)}):
            result.append(kuan)
            result.extend(sorted(c for c in leaves if c.startswith(kuan)))
    return result


def rollup(leaves: dict[str, Leaf], attr: str, code: str) -> int:
    return sum(getattr(lf, attr) for c, lf in leaves.items() if c.startswith(code))


# ----------------------------------------------------------------------------------------------
# the ten tables
# ----------------------------------------------------------------------------------------------

NOTES = {
    1: "注：本表反映部门本年度的总收支和年末结转结余情况。",
    2: "注：本表反映部门本年度取得的各项收入情况。",
    3: "注：本表反映部门本年度各项支出情况。",
    4: "注：本表反映部门本年度一般公共预算财政拨款、政府性基金预算财政拨款和国有资本经营预算财政拨款的总收支和年末结转结余情况。",
    5: "注：本表反映部门本年度一般公共预算财政拨款支出情况。",
    6: "注：本表反映部门本年度一般公共预算财政拨款基本支出明细情况。",
    7: "注：本表反映部门本年度政府性基金预算财政拨款收入、支出及结转和结余情况。",
    8: "注：本表反映部门本年度国有资本经营预算财政拨款支出情况。",
    9: "注：本表反映部门本年度财政拨款“三公”经费支出预决算情况。其中，预算数为“三公”经费全年预算数，反映按规定程序调整后的预算数；决算数是包括当年财政拨款和以前年度结转资金安排的实际支出。",
    10: "注：本表反映部门本年度政府采购、机关运行经费和国有资产占用情况。",
}
EMPTY_NOTES = {
    7: "说明：我部门没有政府性基金收入，也没有使用政府性基金安排的支出，故本表无数据。",
    8: "说明：我部门没有使用国有资本经营预算安排的支出，故本表无数据。",
    9: "说明：我部门没有使用“三公”经费预算安排的支出，故本表无数据。",
}
TITLES = {
    1: "收入支出决算总表", 2: "收入决算表", 3: "支出决算表", 4: "财政拨款收入支出决算总表",
    5: "一般公共预算财政拨款支出决算表", 6: "一般公共预算财政拨款基本支出决算明细表",
    7: "政府性基金预算财政拨款收入支出决算表", 8: "国有资本经营预算财政拨款支出决算表",
    9: "财政拨款“三公”经费支出决算表", 10: "部门决算公开相关信息统计表",
}


class TableBuilder:
    def __init__(self, dept: Department, ledger: Ledger):
        self.dept = dept
        self.style = dept.style
        self.ledger = ledger
        self.num = NumberStyle(dept.style.separators, dept.style.zero_blank)
        self.names = functional_names()

    # -- shared pieces -------------------------------------------------------------------------
    def notes(self, n: int, rounding: bool = False, empty: bool = False) -> list[str]:
        text = NOTES[n] + (self.style.rounding_note if rounding else "")
        out = [text]
        if empty:
            out.append(EMPTY_NOTES.get(n, "说明：本表无数据。") if self.style.name != "shanxi" else "说明：本表无数据")
        return out

    def code_header(self, value_cols: list[str], top: list[tuple[str, int]] | None = None) -> tuple[list[HeaderCell], int]:
        """项目 | value columns, second row 科目编码 | 科目名称, third row 栏次."""
        cells = [HeaderCell(0, 0, "项目", 1, 2)]
        col = 2
        for label in value_cols:
            cells.append(HeaderCell(0, col, label, 2, 1))
            col += 1
        cells.append(HeaderCell(1, 0, self.style.code_label))
        cells.append(HeaderCell(1, 1, "科目名称"))
        cells += self.lanci_row(2, len(value_cols))
        return cells, 3

    def lanci_row(self, row: int, n_values: int) -> list[HeaderCell]:
        if self.style.total_in_code_col:
            cells = [HeaderCell(row, 0, "栏次")]
        else:
            cells = [HeaderCell(row, 1, "栏次")]
        cells += [HeaderCell(row, 2 + i, str(i + 1)) for i in range(n_values)]
        return cells

    def total_row(self, values: list[str]) -> BodyRow:
        if self.style.total_in_code_col:
            return BodyRow(["合计", ""] + values, spans={0: 2}, strong=True)
        return BodyRow(["", "合计"] + values, strong=True)

    def code_row(self, code: str, values: list[str], name: str | None = None) -> BodyRow:
        name = name or self.names[code]
        return BodyRow([code, name] + values, codes=[(0, code, name, "printed")])

    # -- 公开01 ----------------------------------------------------------------------------------
    def t01(self) -> TableContent:
        L, s, f = self.ledger, self.style, self.num.fmt
        leaves = list(L.leaves.values())
        income = [("一、一般公共预算财政拨款收入", L.total("inc_fiscal_gen", leaves)),
                  ("二、政府性基金预算财政拨款收入", L.total("inc_fiscal_fund", leaves)),
                  ("三、国有资本经营预算财政拨款收入", 0), ("四、上级补助收入", L.total("inc_upper", leaves)),
                  ("五、事业收入", L.total("inc_service", leaves)), ("六、经营收入", L.total("inc_business", leaves)),
                  ("七、附属单位上缴收入", 0), ("八、其他收入", L.total("inc_other", leaves))]
        left: list[tuple[str, int | None]] = income + [("", None)] * 18
        left += [("本年收入合计", L.income_total), (s.t01_reserve_label, L.reserve_used),
                 ("年初结转和结余", L.opening_total)]
        if s.t01_blank_row30:
            left.append(("", None))
        left.append(("总计", L.grand_total))
        right: list[tuple[str, int | None, str | None]] = []
        for i, (code, name) in enumerate(class_labels()):
            right.append((f"{CN_NUMERALS[i]}、{name}", rollup(L.leaves, "exp_total", code), code))
        right += [("本年支出合计", L.expense_total, None), ("结余分配", L.distribution, None),
                  (s.t01_end_label, L.closing_total, None)]
        if s.t01_blank_row30:
            right.append(("", None, None))
        right.append(("总计", L.grand_total, None))
        assert len(left) == len(right)
        offset = len(left)
        rows = []
        for i, ((ll, lv), (rl, rv, code)) in enumerate(zip(left, right)):
            codes = [(3, code, rl.split("、", 1)[1], "matched")] if code else []
            rows.append(BodyRow([ll, str(i + 1), f(lv), rl, str(offset + i + 1), f(rv)], codes=codes,
                                strong=ll in ("总计", "本年收入合计")))
        amount = s.t01_amount_label
        header = [HeaderCell(0, 0, "收入", 1, 3), HeaderCell(0, 3, "支出", 1, 3),
                  HeaderCell(1, 0, "项目"), HeaderCell(1, 1, "行次"), HeaderCell(1, 2, amount),
                  HeaderCell(1, 3, "项目"), HeaderCell(1, 4, "行次"), HeaderCell(1, 5, amount),
                  HeaderCell(2, 0, "栏次"), HeaderCell(2, 2, "1"), HeaderCell(2, 3, "栏次"), HeaderCell(2, 5, "2")]
        return TableContent("t1", 1, TITLES[1], header, 3, 6, rows, self.notes(1, rounding=True),
                            [3.2, 0.7, 1.4, 3.2, 0.7, 1.4], landscape=False)

    # -- 公开02/03 -------------------------------------------------------------------------------
    def _code_table(self, n: int, attrs: list[str], labels: list[str], leaves: list[str]) -> TableContent:
        L, f = self.ledger, self.num.fmt
        header, hrows = self.code_header(labels)
        rows = [self.total_row([f(sum(L.total(a) for a in [attr])) for attr in attrs])]
        for code in ordered_rows(leaves, self.style.leaf_only):
            rows.append(self.code_row(code, [f(rollup(L.leaves, a, code)) for a in attrs]))
        widths = [1.3, 4.2] + [1.35] * len(attrs)
        return TableContent(f"t{n}", n, TITLES[n], header, hrows, 2 + len(attrs), rows,
                            self.notes(n, rounding=self.style.name == "henan_a"), widths, landscape=True)

    def t02(self) -> TableContent:
        leaves = [c for c, lf in self.ledger.leaves.items() if lf.inc_total]
        return self._code_table(2, ["inc_total", "inc_fiscal", "inc_upper", "inc_service", "inc_business", "zero",
                                    "inc_other"],
                                ["本年收入合计", "财政拨款收入", "上级补助收入", "事业收入", "经营收入", "附属单位上缴收入",
                                 "其他收入"], leaves)

    def t03(self) -> TableContent:
        leaves = [c for c, lf in self.ledger.leaves.items() if lf.exp_total]
        return self._code_table(3, ["exp_total", "exp_basic", "exp_project", "zero", "business", "zero"],
                                ["本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出"],
                                leaves)

    # -- 公开04 ----------------------------------------------------------------------------------
    def t04(self) -> TableContent:
        L, f = self.ledger, self.num.fmt
        leaves = list(L.leaves.values())
        inc_gen, inc_fund = L.total("inc_fiscal_gen", leaves), L.total("inc_fiscal_fund", leaves)
        exp_gen, exp_fund = L.total("gen_total", leaves), L.total("fund_project", leaves)
        left: list[tuple[str, int | None]] = [("一、一般公共预算财政拨款", inc_gen), ("二、政府性基金预算财政拨款", inc_fund),
                                              ("三、国有资本经营预算财政拨款", 0)] + [("", None)] * 23
        left += [("本年收入合计", inc_gen + inc_fund), ("年初财政拨款结转和结余", L.opening_gen + L.opening_fund),
                 ("一般公共预算财政拨款", L.opening_gen), ("政府性基金预算财政拨款", L.opening_fund),
                 ("国有资本经营预算财政拨款", 0), ("总计", inc_gen + inc_fund + L.opening_gen + L.opening_fund)]

        def three(gen: int | None, fund: int | None) -> list[int | None]:
            if gen is None:
                return [None, None, None, None]
            return [gen + fund, gen, fund, 0]

        right: list[tuple[str, list[int | None], str | None]] = []
        for i, (code, name) in enumerate(class_labels()):
            right.append((f"{CN_NUMERALS[i]}、{name}", three(rollup(L.leaves, "gen_total", code),
                                                             rollup(L.leaves, "fund_project", code)), code))
        right += [("本年支出合计", three(exp_gen, exp_fund), None),
                  ("年末财政拨款结转和结余", three(L.closing_gen, L.closing_fund), None)]
        right += [("", three(None, None), None)] * 3
        right.append(("总计", three(exp_gen + L.closing_gen, exp_fund + L.closing_fund), None))
        assert len(left) == len(right) == 32
        rows = []
        for i, ((ll, lv), (rl, rv, code)) in enumerate(zip(left, right)):
            codes = [(3, code, rl.split("、", 1)[1], "matched")] if code else []
            rows.append(BodyRow([ll, str(i + 1), f(lv), rl, str(33 + i)] + [f(v) for v in rv], codes=codes,
                                strong=ll == "总计"))
        sides = ("收 入", "支 出") if self.style.t04_spaced_sides else ("收入", "支出")
        header = [HeaderCell(0, 0, sides[0], 1, 3), HeaderCell(0, 3, sides[1], 1, 6),
                  HeaderCell(1, 0, "项目"), HeaderCell(1, 1, "行次"), HeaderCell(1, 2, "金额"),
                  HeaderCell(1, 3, "项目"), HeaderCell(1, 4, "行次"), HeaderCell(1, 5, "合计"),
                  HeaderCell(1, 6, "一般公共预算财政拨款"), HeaderCell(1, 7, "政府性基金预算财政拨款"),
                  HeaderCell(1, 8, "国有资本经营预算财政拨款"),
                  HeaderCell(2, 0, "栏次"), HeaderCell(2, 2, "1"), HeaderCell(2, 3, "栏次"),
                  HeaderCell(2, 5, "2"), HeaderCell(2, 6, "3"), HeaderCell(2, 7, "4"), HeaderCell(2, 8, "5")]
        return TableContent("t4", 4, TITLES[4], header, 3, 9, rows, self.notes(4, rounding=self.style.name == "henan_a"),
                            [2.6, 0.6, 1.2, 2.6, 0.6, 1.2, 1.2, 1.2, 1.2], landscape=True)

    # -- 公开05 ----------------------------------------------------------------------------------
    def t05(self) -> TableContent:
        L, f = self.ledger, self.num.fmt
        header = [HeaderCell(0, 0, "项目", 1, 2), HeaderCell(0, 2, "本年支出", 1, 3),
                  HeaderCell(1, 0, self.style.code_label), HeaderCell(1, 1, "科目名称"), HeaderCell(1, 2, "小计"),
                  HeaderCell(1, 3, "基本支出"), HeaderCell(1, 4, "项目支出")] + self.lanci_row(2, 3)
        attrs = ["gen_total", "gen_basic", "gen_project"]
        rows = [self.total_row([f(L.total(a)) for a in attrs])]
        leaves = [c for c, lf in L.leaves.items() if lf.gen_total]
        for code in ordered_rows(leaves, False):
            rows.append(self.code_row(code, [f(rollup(L.leaves, a, code)) for a in attrs]))
        return TableContent("t5", 5, TITLES[5], header, 3, 5, rows, self.notes(5), [1.3, 4.4, 1.5, 1.5, 1.5],
                            landscape=False)

    # -- 公开06 ----------------------------------------------------------------------------------
    def t06(self) -> TableContent:
        L, s, f = self.ledger, self.style, self.num.fmt
        blocks_data = load_data("codes.json")["economic_blocks"]
        four = s.t06_blocks == 4

        def entries(classes: list) -> list[tuple[str, str, str]]:
            out = []
            for cls in classes:
                code, name, items = cls[0], cls[1], cls[2]
                na = len(cls) > 3 and cls[3] == "na"
                items = [(c, n) for c, n in items if four or c not in blocks_data["short_drop_items"]]
                if na and not s.na_marks:
                    continue
                total = sum(L.economic.get(c, 0) for c, _ in items)
                out.append((code, name, "——" if na else f(total)))
                for c, n in items:
                    out.append((c, n, "——" if na else f(L.economic.get(c, 0))))
            return out

        personnel = entries(blocks_data["personnel"])
        goods = entries([c for c in blocks_data["public"] if c[0] == "302"])
        rest_classes = [c for c in blocks_data["public"] if c[0] != "302"
                        and (four or c[0] in blocks_data["short_public"])]
        rest = entries(rest_classes)
        if four:
            n_rows = max(len(personnel), len(goods), math.ceil(len(rest) / 2))
            blocks = [personnel, goods, rest[:n_rows], rest[n_rows:]]
        else:
            n_rows = max(len(personnel), len(goods), len(rest))
            blocks = [personnel, goods, rest]
        nb = len(blocks)
        rows: list[BodyRow] = []
        for r in range(n_rows):
            cells: list[str] = []
            codes = []
            for b, block in enumerate(blocks):
                if r < len(block):
                    code, name, value = block[r]
                    cells += [code, name, value]
                    codes.append((3 * b, code, name, "printed"))
                else:
                    cells += ["", "", ""]
            rows.append(BodyRow(cells, codes=codes))
        total = ["人员经费合计", "", f(L.personnel_total), "公用经费合计"] + [""] * (3 * nb - 5) + [f(L.public_total)]
        rows.append(BodyRow(total, spans={0: 2, 3: 3 * nb - 4}, strong=True))
        header: list[HeaderCell] = []
        hrow = 0
        if s.t06_super_header:
            header += [HeaderCell(0, 0, "人员经费", 1, 3), HeaderCell(0, 3, "公用经费", 1, 3 * (nb - 1))]
            hrow = 1
        code_label = s.code_label if s.t06_super_header else "经济分类科目编码"
        for b in range(nb):
            header += [HeaderCell(hrow, 3 * b, code_label), HeaderCell(hrow, 3 * b + 1, "科目名称"),
                       HeaderCell(hrow, 3 * b + 2, "决算数")]
        widths = [0.75, 2.6, 1.05] * nb
        return TableContent("t6", 6, TITLES[6], header, hrow + 1, 3 * nb, rows, self.notes(6), widths, landscape=True)

    # -- 公开07 ----------------------------------------------------------------------------------
    def t07(self) -> TableContent:
        L, f = self.ledger, self.num.fmt
        fund = [c for c, lf in L.leaves.items() if lf.fund_project or lf.inc_fiscal_fund]
        header = [HeaderCell(0, 0, "项目", 1, 2), HeaderCell(0, 2, "年初结转和结余", 2, 1),
                  HeaderCell(0, 3, "本年收入", 2, 1), HeaderCell(0, 4, "本年支出", 1, 3),
                  HeaderCell(0, 7, "年末结转和结余", 2, 1),
                  HeaderCell(1, 0, self.style.code_label), HeaderCell(1, 1, "科目名称"), HeaderCell(1, 4, "小计"),
                  HeaderCell(1, 5, "基本支出"), HeaderCell(1, 6, "项目支出")] + self.lanci_row(2, 6)
        attrs = ["fund_opening", "fund_income", "fund_project", "zero", "fund_project", "fund_closing"]
        empty = not fund
        if empty:
            rows = [self.total_row([""] * 6)]
        else:
            rows = [self.total_row([f(L.total(a)) for a in attrs])]
            for code in ordered_rows(fund, False):
                rows.append(self.code_row(code, [f(rollup(L.leaves, a, code)) for a in attrs]))
        return TableContent("t7", 7, TITLES[7], header, 3, 8, rows, self.notes(7, empty=empty),
                            [1.3, 4.0, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3], landscape=True, empty=empty)

    # -- 公开08 ----------------------------------------------------------------------------------
    def t08(self) -> TableContent:
        header = [HeaderCell(0, 0, "项目", 1, 2), HeaderCell(0, 2, "本年支出", 1, 3),
                  HeaderCell(1, 0, self.style.code_label), HeaderCell(1, 1, "科目名称"),
                  HeaderCell(1, 2, self.style.t08_subtotal), HeaderCell(1, 3, "基本支出"),
                  HeaderCell(1, 4, "项目支出")] + self.lanci_row(2, 3)
        rows = [self.total_row([self.num.fmt(0)] * 3)]
        return TableContent("t8", 8, TITLES[8], header, 3, 5, rows, self.notes(8, empty=True),
                            [1.3, 4.0, 1.5, 1.5, 1.5], landscape=False, empty=True)

    # -- 公开09 ----------------------------------------------------------------------------------
    def t09(self) -> TableContent:
        L, f = self.ledger, self.num.fmt
        header: list[HeaderCell] = [HeaderCell(0, 0, "预算数", 1, 6), HeaderCell(0, 6, "决算数", 1, 6)]
        for side in (0, 6):
            header += [HeaderCell(1, side, "合计", 2, 1), HeaderCell(1, side + 1, "因公出国（境）费", 2, 1),
                       HeaderCell(1, side + 2, "公务用车购置及运行维护费", 1, 3),
                       HeaderCell(1, side + 5, "公务接待费", 2, 1),
                       HeaderCell(2, side + 2, "小计"), HeaderCell(2, side + 3, "公务用车购置费"),
                       HeaderCell(2, side + 4, "公务用车运行维护费")]
        header += [HeaderCell(3, i, str(i + 1)) for i in range(12)]
        empty = self.dept.t09 != "data"
        values: list[str] = []
        for amounts in (L.sangong_budget, L.sangong_actual):
            abroad, purchase, running, reception = amounts
            values += [f(abroad + purchase + running + reception), f(abroad), f(purchase + running), f(purchase),
                       f(running), f(reception)]
        rows = [BodyRow(values)]
        return TableContent("t9", 9, TITLES[9], header, 4, 12, rows,
                            self.notes(9, rounding=self.style.name != "shanxi", empty=empty),
                            [1.0] * 12, landscape=True, empty=empty)

    # -- 公开10 ----------------------------------------------------------------------------------
    def t10(self) -> TableContent:
        L, f = self.ledger, self.num.fmt
        rows: list[BodyRow] = []

        def section(text: str) -> None:
            rows.append(BodyRow([text, "", ""], spans={0: 3}, strong=True))

        section("一、政府采购情况")
        goods, works, services = L.procurement
        for label, line, cents in (("合计", 1, goods + works + services), ("货物", 2, goods), ("工程", 3, works),
                                   ("服务", 4, services)):
            rows.append(BodyRow([label, str(line), f(cents)]))
        section("二、机关运行经费")
        rows.append(BodyRow(["(一) 行政单位", "5", f(L.running_cost[0])]))
        rows.append(BodyRow(["(二) 参照公务员法管理事业单位", "6", f(L.running_cost[1])]))
        section("三、国有资产占用情况")
        count = (lambda k: "" if k == 0 and self.num.zero_blank else str(k))
        rows.append(BodyRow(["(一) 车辆数合计(辆)", "7", count(sum(L.vehicles))]))
        labels = ["1. 副部(省)级及以上领导用车", "2. 主要负责人用车", "3. 机要通信用车", "4. 应急保障用车", "5. 执法执勤用车",
                  "6. 特种专业技术用车", "7. 离退休干部服务用车", "8. 其他用车"]
        for i, (label, k) in enumerate(zip(labels, L.vehicles)):
            rows.append(BodyRow([label, str(8 + i), count(k)]))
        rows.append(BodyRow(["(二) 单价100万元(含)以上设备(不含车辆)", "17", count(L.big_equipment)]))
        header = [HeaderCell(0, 0, "项目"), HeaderCell(0, 1, "行次"), HeaderCell(0, 2, "统计数")]
        return TableContent("t10", 10, TITLES[10], header, 1, 3, rows, self.notes(10), [5.0, 0.8, 1.6],
                            landscape=False)

    def all_tables(self) -> list[TableContent]:
        tables = [self.t01(), self.t02(), self.t03(), self.t04(), self.t05(), self.t06(), self.t07(), self.t08(),
                  self.t09()]
        if self.dept.t10:
            tables.append(self.t10())
        return tables


def build_content(dept: Department, seed: int) -> DocumentContent:
    rng = random.Random(f"{dept.key}:{seed}")
    ledger = build_ledger(dept, rng)
    return DocumentContent(department=dept, tables=TableBuilder(dept, ledger).all_tables(), seed=seed)
