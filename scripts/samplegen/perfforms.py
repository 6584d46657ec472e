"""绩效自评 forms (项目支出绩效自评表 and kin) rendered from the seeds' content, with ground truth as records.

One form = one ruled table built on a fixed grid of columns (every column edge is used by some row, so the
grid a table finder sees is this grid), cells merged over rows and columns as the seed layouts print them:

- ``henan`` / ``henan_b`` (template P01): 000/002 项目支出绩效自评情况表, 项目自评表 (资金管理 block, 偏差度);
- ``county`` (P02): 001 项目支出绩效自评表 (一级 with its weight “产出指标 (50分)”, placeholder “指标2：” rows);
- ``shanxi`` (P03): 003 (目标申报数/预算编制数, 资金结(转)余, 年初/调整后指标值, grade after 总分, 项目绩效分析);
- ``sichuan`` (P04): 004 (指标性质 | 指标值 | 度量单位, 权重, 合计, 评价结论);
- ``whole_henan`` / ``whole_county`` / ``rubric`` (P05): 部门整体 forms and the 整体 评价指标体系;
- ``summary`` (P06): 001 部门（单位）项目支出自评汇总表.

Documents hold many forms (each starts on a new page; a long form runs over the page break, its merged
一级/二级 cells cut there, the label printed on the first part only). The truth of a form is its grid (as the
pipeline reports tables) plus ``kind: "performance"`` and the ``record`` with the cell every value sits in.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.ingest import sha256_of
from pipeline.model import Cell, Document, PageInfo, Row, Table
from pipeline.numbers import value_of
from pipeline.textnorm import clean_cell_text

from .content import load_data
from .layout import MM, LayoutSettings, css as layout_css, esc, watermark_html

P_TEMPLATES = {"henan": "P01", "henan_b": "P01", "county": "P02", "shanxi": "P03", "sichuan": "P04",
               "whole_henan": "P05", "whole_county": "P05", "rubric": "P05", "summary": "P06"}
LANDSCAPE = {"rubric", "summary"}
NUMERIC_FIELDS = {"年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", "目标申报数", "预算编制数", "资金结余",
                  "weight", "score", "deviation"}


@dataclass
class FCell:
    text: str
    col: int
    colspan: int = 1
    rowspan: int = 1
    cls: str = "c"  # c (centred label/number) | l (left text) | h (header)
    fields: list[tuple] = field(default_factory=list)  # record paths this cell is the source of


@dataclass
class FormGrid:
    n_cols: int
    widths: list[float]
    rows: list[list[FCell]]
    above: list[str]  # title first, then the lines under it
    below: list[str]
    landscape: bool = False


def _n(text: str) -> float | None:
    return value_of(text or "")


def spaced(label: str) -> str:
    """A letter-spaced label as some forms print it (年 度 总 体 目 标)."""
    return " ".join(label)


class Builder:
    def __init__(self, n_cols: int, widths: list[float]):
        self.n = n_cols
        self.widths = widths
        self.rows: list[list[FCell]] = []

    def row(self, *cells: FCell) -> int:
        self.rows.append(list(cells))
        return len(self.rows) - 1


def C(text: str, col: int, span: int = 1, rs: int = 1, cls: str = "c", f: tuple | list | None = None) -> FCell:
    fields = [] if f is None else ([f] if isinstance(f, tuple) else list(f))
    return FCell(text=text or "", col=col, colspan=span, rowspan=rs, cls=cls, fields=fields)


def _level_runs(indicators: list[dict], key: str, outer: str | None = None) -> dict[int, int]:
    """Start index → run length of equal consecutive values (within the same outer value)."""
    runs: dict[int, int] = {}
    i = 0
    while i < len(indicators):
        j = i + 1
        while (j < len(indicators) and indicators[j][key] == indicators[i][key]
               and (outer is None or indicators[j][outer] == indicators[i][outer])):
            j += 1
        runs[i] = j - i
        i = j
    return runs


def _indicator_level_cells(inds: list[dict], k: int, c1: int, c2: int, runs1: dict, runs2: dict) -> list[FCell]:
    out = []
    if k in runs1:
        out.append(C(inds[k]["level1"], c1, rs=runs1[k], f=[("indicators", j, "level1") for j in range(k, k + runs1[k])]))
    if k in runs2:
        out.append(C(inds[k]["level2"], c2, rs=runs2[k], f=[("indicators", j, "level2") for j in range(k, k + runs2[k])]))
    return out


def _indicators_beside_label(g: Builder, inds: list[dict], heads: list[str]) -> None:
    """“绩效指标” down column 0, then 一级 | 二级 | 三级 | 指标值 | 完成值 | 分值 | 得分 | 原因 in columns 1–8
    (the 项目自评表 and county layouts)."""
    runs1, runs2 = _level_runs(inds, "level1"), _level_runs(inds, "level2", "level1")
    g.row(C("绩效\n指标", 0, rs=1 + len(inds)), *[C(h, 1 + i, cls="h") for i, h in enumerate(heads)])
    for k, ind in enumerate(inds):
        g.row(*_indicator_level_cells(inds, k, 1, 2, runs1, runs2),
              C(ind["level3"], 3, cls="l", f=("indicators", k, "level3")),
              C(ind["target"], 4, f=("indicators", k, "target")), C(ind["actual"], 5, f=("indicators", k, "actual")),
              C(ind["weight"], 6, f=("indicators", k, "weight")), C(ind["score"], 7, f=("indicators", k, "score")),
              C(ind["reason"], 8, cls="l", f=("indicators", k, "reason")))


# ------------------------------------------------------------------------------------------ layouts
def build_henan(form: dict) -> FormGrid:
    """000/002 项目支出绩效自评情况表 (and the 项目自评表 variant ``henan_b``)."""
    b_variant = form["layout"] == "henan_b"
    dev = bool(form["extra"].get("has_deviation")) and not b_variant
    g = Builder(9, [9, 8, 16, 11, 11, 10, 8, 9, 18])
    g.row(C("项目名称", 0, 2), C(form["project"], 2, 7, cls="l", f=("project",)))
    g.row(C("主管部门及代码" if b_variant else "主管部门", 0, 2), C(form["department"], 2, 2, cls="l", f=("department",)),
          C("实施单位", 4, 2), C(form["implementer"], 6, 3, cls="l", f=("implementer",)))
    funds = form["funds"]
    heads = ["年初预算数", "全年预算数 (A)" if b_variant else "全年预算数", "全年执行数 (B)" if b_variant else "全年执行数",
             "分值", "执行率 (B/A×100%)" if b_variant else "执行率", "得分"]
    keys = ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    g.row(C("项目资金\n(万元)", 0, 2, rs=1 + len(funds)), C("", 2), *[C(h, 3 + i, cls="h") for i, h in enumerate(heads)])
    for i, fr in enumerate(funds):
        g.row(C(fr["label"], 2, cls="l", f=("funds", i, "label")),
              *[C(fr["cells"].get(k, ""), 3 + j, f=("funds", i, k)) for j, k in enumerate(keys)])
    if form["mgmt"]:
        g.row(C("资金管理\n情况", 0, 2, rs=1 + len(form["mgmt"])), C("", 2, 2), C("情况说明", 4, 2, cls="h"),
              C("分值（20）", 6, cls="h"), C("得分", 7, cls="h"), C("存在问题和改进措施", 8, cls="h"))
        for i, m in enumerate(form["mgmt"]):
            g.row(C(m["label"], 2, 2, f=("management", i, "label")), C(m["note"], 4, 2, cls="l", f=("management", i, "note")),
                  C(m["weight"], 6, f=("management", i, "weight")), C(m["score"], 7, f=("management", i, "score")),
                  C(m["problem"], 8, cls="l", f=("management", i, "problem")))
    g.row(C(spaced("年度总体目标") if not b_variant else "年度总体目标", 0, rs=2), C("预期目标", 1, 3, cls="h"),
          C("全年实际完成情况" if b_variant else "实际完成情况", 4, 5, cls="h"))
    g.row(C(form["goals"]["expected"], 1, 3, cls="l", f=("goals", "expected")),
          C(form["goals"]["actual"], 4, 5, cls="l", f=("goals", "actual")))
    inds = form["indicators"]
    runs1, runs2 = _level_runs(inds, "level1"), _level_runs(inds, "level2", "level1")
    if b_variant:
        _indicators_beside_label(g, inds, ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                                           "偏差原因分析及改进措施"])
    else:
        g.row(C(spaced("绩效指标"), 0, 9, cls="h"))
        g.row(C("一级指标", 0, cls="h"), C("二级指标", 1, cls="h"), C("三级指标", 2, cls="h"), C("年度指标值", 3, cls="h"),
              C("实际值完成值", 4, cls="h"), C("分值", 5, cls="h"), C("得分", 6, cls="h"),
              C("偏差度" if dev else "", 7, cls="h"), C("偏差原因分析及改进措施", 8, cls="h"))
        for k, ind in enumerate(inds):
            g.row(*_indicator_level_cells(inds, k, 0, 1, runs1, runs2),
                  C(ind["level3"], 2, cls="l", f=("indicators", k, "level3")),
                  C(ind["target"], 3, f=("indicators", k, "target")), C(ind["actual"], 4, f=("indicators", k, "actual")),
                  C(ind["weight"], 5, f=("indicators", k, "weight")), C(ind["score"], 6, f=("indicators", k, "score")),
                  C(ind.get("deviation", "") if dev else "", 7, f=("indicators", k, "deviation") if dev else None),
                  C(ind["reason"], 8, cls="l", f=("indicators", k, "reason")))
    tw, ts = (6, 7) if b_variant else (5, 6)
    g.row(C("总分", 0, tw), C(form["total"]["weight"], tw, f=("total", "weight")),
          C(form["total"]["score"], ts, f=("total", "score")), C("", ts + 1, 9 - ts - 1))
    above = [form["title"]] + [s for s in form["subtitle"]]
    return FormGrid(9, g.widths, g.rows, above, list(form.get("notes", [])))


def build_county(form: dict) -> FormGrid:
    g = Builder(9, [7, 13, 11, 20, 10, 10, 7, 7, 15])
    g.row(C("项目名称", 0, 2), C(form["project"], 2, 7, cls="l", f=("project",)))
    g.row(C("主管部门", 0, 2), C(form["department"], 2, 3, cls="l", f=("department",)), C("实施单位", 5),
          C(form["implementer"], 6, 3, cls="l", f=("implementer",)))
    funds = form["funds"]
    keys = ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    heads = ["年初预算数", "全年预算数", "全年执行", "分值", "执行率", "得分"]
    g.row(C("项目资金\n(万元)", 0, 2, rs=1 + len(funds)), C("", 2), *[C(h, 3 + i, cls="h") for i, h in enumerate(heads)])
    for i, fr in enumerate(funds):
        g.row(C(fr["label"], 2, cls="l", f=("funds", i, "label")),
              *[C(fr["cells"].get(k, ""), 3 + j, f=("funds", i, k)) for j, k in enumerate(keys)])
    g.row(C("年度\n总体\n目标", 0, rs=2), C("预期目标", 1, 4, cls="h"), C("实际完成情况", 5, 4, cls="h"))
    g.row(C(form["goals"]["expected"], 1, 4, cls="l", f=("goals", "expected")),
          C(form["goals"]["actual"], 5, 4, cls="l", f=("goals", "actual")))
    _indicators_beside_label(g, form["indicators"], ["一级指标", "二级指标", "三级指标", "年度\n指标值", "实际\n完成值",
                                                     "分值", "得分", "偏差原因分析及\n改进措施"])
    g.row(C("总分", 0, 6), C(form["total"]["weight"], 6, f=("total", "weight")),
          C(form["total"]["score"], 7, f=("total", "score")), C("", 8))
    title = re.sub(r"\s*[（(]\s*20\d{2}\s*年度\s*[)）]\s*$", "", form["title"])
    year = re.search(r"20\d{2}", form["title"])
    above = [title, f"（{year.group(0) if year else form['year']}年度）"] + form["subtitle"]
    return FormGrid(9, g.widths, g.rows, above, list(form.get("notes", [])))


def build_shanxi(form: dict) -> FormGrid:
    g = Builder(11, [9, 9, 8, 13, 9, 9, 9, 8, 6, 6, 14])
    yuan = form.get("unit") == "元"
    u = "(元)" if yuan else ""
    g.row(C("项目名称", 0), C(form["project"], 1, 10, cls="l", f=("project",)))
    g.row(C("主管部门及代码", 0), C(form["department"], 1, 5, cls="l", f=("department",)), C("预算单位", 6, 2),
          C(form["implementer"], 8, 3, cls="l", f=("implementer",)))
    funds = form["funds"]
    g.row(C("项目资金预算安排及执行进度\n(万元)", 0, rs=2 + len(funds)), C("", 1, rs=2), C("年初预算数" + u, 2, 2, cls="h"),
          C("全年预算数" + u, 4, rs=2, cls="h"), C("全年执行数" + u, 5, rs=2, cls="h"),
          C("资金结(转)余" + u, 6, rs=2, cls="h"), C("执行率", 7, rs=2, cls="h"), C("得分", 8, rs=2, cls="h"),
          C("偏差原因", 9, 2, rs=2, cls="h"))
    g.row(C("目标申报数", 2, cls="h"), C("预算编制数", 3, cls="h"))
    keys = ["目标申报数", "预算编制数", "全年预算数", "全年执行数", "资金结余", "执行率", "得分"]
    for i, fr in enumerate(funds):
        g.row(C(fr["label"], 1, cls="l", f=("funds", i, "label")),
              *[C(fr["cells"].get(k, ""), 2 + j, f=("funds", i, k)) for j, k in enumerate(keys)],
              C(fr["cells"].get("偏差原因", ""), 9, 2, cls="l", f=("funds", i, "reason")))
    g.row(C("项目年度\n绩效目标", 0, rs=2), C("年度目标", 1, 5, cls="h"), C("实际完成情况", 6, 5, cls="h"))
    g.row(C(form["goals"]["expected"], 1, 5, cls="l", f=("goals", "expected")),
          C(form["goals"]["actual"], 6, 5, cls="l", f=("goals", "actual")))
    inds = form["indicators"]
    runs1, runs2 = _level_runs(inds, "level1"), _level_runs(inds, "level2", "level1")
    g.row(C("绩效指标", 0, rs=1 + len(inds)), C("一级指标", 1, cls="h"), C("二级指标", 2, cls="h"), C("三级指标", 3, cls="h"),
          C("年初指标值", 4, cls="h"), C("调整后指标值", 5, cls="h"), C("实际完成值", 6, cls="h"),
          C("定性值情况说明", 7, cls="h"), C("分值", 8, cls="h"), C("得分", 9, cls="h"), C("偏差原因分析及改进措施", 10, cls="h"))
    for k, ind in enumerate(inds):
        g.row(*_indicator_level_cells(inds, k, 1, 2, runs1, runs2),
              C(ind["level3"], 3, cls="l", f=("indicators", k, "level3")),
              C(ind.get("target_initial", ""), 4, f=("indicators", k, "target_initial")),
              C(ind["target"], 5, f=("indicators", k, "target")), C(ind["actual"], 6, f=("indicators", k, "actual")),
              C(ind.get("note", ""), 7, cls="l"),
              C(ind["weight"], 8, f=("indicators", k, "weight")), C(ind["score"], 9, f=("indicators", k, "score")),
              C(ind["reason"], 10, cls="l", f=("indicators", k, "reason")))
    g.row(C("总分", 0, 9), C(form["total"]["score"], 9, f=("total", "score")), C(form.get("grade", ""), 10, f=("grade",)))
    analysis = form["extra"].get("analysis", [])
    if analysis:
        for i, (label, body) in enumerate(analysis):
            cells = [C(label, 1, 2, cls="l"), C(body, 3, 8, cls="l")]
            if i == 0:
                cells.insert(0, C("项目绩效\n分析", 0, rs=len(analysis)))
            g.row(*cells)
    title = re.sub(r"\s*[（(]\s*20\d{2}\s*年度\s*[)）]\s*$", "", form["title"])
    above = [title, f"({form['year']}年度)"]
    return FormGrid(11, g.widths, g.rows, above, list(form.get("notes", [])))


def build_sichuan(form: dict) -> FormGrid:
    g = Builder(11, [10, 9, 9, 14, 7, 8, 7, 7, 6, 6, 17])
    g.row(C("项目名称", 0), C(form["project"], 1, 10, cls="l", f=("project",)))
    g.row(C("主管部门", 0), C(form["department"], 1, 4, cls="l", f=("department",)), C("实施单位\n（盖章）", 5, 2),
          C(form["implementer"], 7, 4, cls="l", f=("implementer",)))
    g.row(C("项目基本\n情况", 0, rs=3), C("1.项目年度目标完成情况", 1, 2, rs=2, cls="l"), C("项目年度目标", 3, 4, cls="h"),
          C("年度目标完成情况", 7, 4, cls="h"))
    g.row(C(form["goals"]["expected"], 3, 4, cls="l", f=("goals", "expected")),
          C(form["goals"]["actual"], 7, 4, cls="l", f=("goals", "actual")))
    g.row(C("2.项目实施内容及过程概述", 1, 2, cls="l"), C(form["extra"].get("process", ""), 3, 8, cls="l"))
    funds = form["funds"]
    g.row(C("预算执行\n情况\n（10分）", 0, rs=1 + len(funds)), C("年度预算数（万元）", 1, 2, cls="h"), C("年初预算", 3, cls="h"),
          C("调整后预算数", 4, cls="h"), C("预算执行数", 5, cls="h"), C("预算执行率", 6, cls="h"), C("权重", 7, cls="h"),
          C("得分", 8, cls="h"), C("原因", 9, 2, cls="h"))
    keys = ["年初预算数", "全年预算数", "全年执行数", "执行率", "分值", "得分"]
    for i, fr in enumerate(funds):
        cells = [C(fr["label"], 1, 2, cls="l", f=("funds", i, "label")),
                 *[C(fr["cells"].get(k, ""), 3 + j, f=("funds", i, k)) for j, k in enumerate(keys)]]
        if i == 0:
            cells.append(C(fr["cells"].get("原因", "") or "预算执行率未达到90%的需说明原因", 9, 2, rs=len(funds), cls="l",
                           f=("funds", 0, "reason") if fr["cells"].get("原因") else None))
        g.row(*cells)
    inds = form["indicators"]
    runs1, runs2 = _level_runs(inds, "level1"), _level_runs(inds, "level2", "level1")
    g.row(C("绩效指标\n（90分）", 0, rs=1 + len(inds)), C("一级指标", 1, cls="h"), C("二级指标", 2, cls="h"),
          C("三级指标", 3, cls="h"), C("指标性质", 4, cls="h"), C("指标值", 5, cls="h"), C("度量单位", 6, cls="h"),
          C("完成值", 7, cls="h"), C("权重", 8, cls="h"), C("得分", 9, cls="h"), C("未完成原因分析", 10, cls="h"))
    for k, ind in enumerate(inds):
        g.row(*_indicator_level_cells(inds, k, 1, 2, runs1, runs2),
              C(ind["level3"], 3, cls="l", f=("indicators", k, "level3")),
              C(ind["nature"], 4, f=("indicators", k, "target.nature")),
              C(ind["value"], 5, f=("indicators", k, "target.value")),
              C(ind["measure"], 6, f=("indicators", k, "target.unit")),
              C(ind["actual"], 7, f=("indicators", k, "actual")),
              C(ind["weight"], 8, f=("indicators", k, "weight")), C(ind["score"], 9, f=("indicators", k, "score")),
              C(ind["reason"], 10, cls="l", f=("indicators", k, "reason")))
    g.row(C("合计", 0, 8), C(form["total"]["weight"], 8, f=("total", "weight")),
          C(form["total"]["score"], 9, f=("total", "score")), C("", 10))
    for label, body in form["extra"].get("tail", []):
        g.row(C(label, 0), C(body, 1, 10, cls="l", f=("grade",) if label == "评价结论" else None))
    sig = form["extra"].get("signatures") or []
    if sig:
        g.row(C(sig[0], 0, 5, cls="l"), C(sig[-1] if len(sig) > 1 else "", 5, 6, cls="l"))
    title = form["title"]
    return FormGrid(11, g.widths, g.rows, [title], list(form.get("notes", [])))


def build_whole_henan(form: dict) -> FormGrid:
    g = Builder(9, [10, 10, 16, 10, 10, 8, 8, 8, 20])
    g.row(C("部门（单位）名称", 0, 2), C(form["department"], 2, 7, cls="l", f=("department",)))
    funds = form["funds"]
    keys = ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    g.row(C("部门整体支出情况\n(万元)", 0, rs=1 + len(funds)), C("", 1, 2),
          *[C(h, 3 + i, cls="h") for i, h in enumerate(keys)])
    for i, fr in enumerate(funds):
        g.row(C(fr["label"], 1, 2, cls="l", f=("funds", i, "label")),
              *[C(fr["cells"].get(k, ""), 3 + j, f=("funds", i, k)) for j, k in enumerate(keys)])
    g.row(C("年度总体\n目标", 0, rs=2), C("预期目标", 1, 4, cls="h"), C("实际完成情况", 5, 4, cls="h"))
    g.row(C(form["goals"]["expected"], 1, 4, cls="l", f=("goals", "expected")),
          C(form["goals"]["actual"], 5, 4, cls="l", f=("goals", "actual")))
    tasks = form["extra"].get("tasks", [])
    if tasks:
        g.row(C("年度主要\n任务", 0, rs=1 + len(tasks)), C("任务名称", 1, 3, cls="h"), C("主要内容", 4, 3, cls="h"),
              C("实际完成情况", 7, 2, cls="h"))
        for t in tasks:
            g.row(C(t[0], 1, 3, cls="l"), C(t[1], 4, 3, cls="l"), C(t[2], 7, 2, cls="l"))
    inds = form["indicators"]
    runs1, runs2 = _level_runs(inds, "level1"), _level_runs(inds, "level2", "level1")
    g.row(C(spaced("绩效指标"), 0, 9, cls="h"))
    g.row(C("一级指标", 0, cls="h"), C("二级指标", 1, cls="h"), C("三级指标", 2, cls="h"), C("年度指标值", 3, cls="h"),
          C("实际完成值", 4, cls="h"), C("分值", 5, cls="h"), C("得分", 6, cls="h"), C("偏差度", 7, cls="h"),
          C("偏差原因分析及改进措施", 8, cls="h"))
    for k, ind in enumerate(inds):
        g.row(*_indicator_level_cells(inds, k, 0, 1, runs1, runs2),
              C(ind["level3"], 2, cls="l", f=("indicators", k, "level3")),
              C(ind["target"], 3, f=("indicators", k, "target")), C(ind["actual"], 4, f=("indicators", k, "actual")),
              C(ind["weight"], 5, f=("indicators", k, "weight")), C(ind["score"], 6, f=("indicators", k, "score")),
              C(ind.get("deviation", ""), 7, f=("indicators", k, "deviation")),
              C(ind["reason"], 8, cls="l", f=("indicators", k, "reason")))
    g.row(C("总分", 0, 5), C(form["total"]["weight"], 5, f=("total", "weight")),
          C(form["total"]["score"], 6, f=("total", "score")), C("", 7, 2))
    return FormGrid(9, g.widths, g.rows, [form["title"]] + form["subtitle"], list(form.get("notes", [])))


def build_whole_county(form: dict) -> FormGrid:
    g = Builder(7, [14, 14, 26, 12, 12, 10, 10])
    g.row(C("部门（单位）名称", 0), C(form["department"], 1, 6, cls="l", f=("department",)))
    g.row(C("年度履职目标", 0), C(form["goals"]["expected"], 1, 6, cls="l", f=("goals", "expected")))
    tasks = form["extra"].get("tasks", [])
    if tasks:
        g.row(C("年度主要任务", 0, rs=1 + len(tasks)), C("任务名称", 1, 2, cls="h"), C("主要内容", 3, 4, cls="h"))
        for t in tasks:
            g.row(C(t[0], 1, 2, cls="l"), C(t[1], 3, 4, cls="l"))
    funds = form["funds"]
    for i, fr in enumerate(funds):
        cells = [C(fr["label"], 1, 2, cls="l", f=("funds", i, "label")),
                 C(fr["cells"].get("全年预算数", ""), 3, 4, f=("funds", i, "全年预算数"))]
        if i == 0:
            cells.insert(0, C("预算情况", 0, rs=len(funds)))
        g.row(*cells)
    inds = form["indicators"]
    runs1, runs2 = _level_runs(inds, "level1"), _level_runs(inds, "level2", "level1")
    g.row(C("一级指标", 0, cls="h"), C("二级指标", 1, cls="h"), C("三级指标", 2, cls="h"), C("指标值", 3, cls="h"),
          C("完成值", 4, cls="h"), C("分值", 5, cls="h"), C("得分", 6, cls="h"))
    for k, ind in enumerate(inds):
        g.row(*_indicator_level_cells(inds, k, 0, 1, runs1, runs2),
              C(ind["level3"], 2, cls="l", f=("indicators", k, "level3")),
              C(ind["target"], 3, f=("indicators", k, "target")), C(ind["actual"], 4, f=("indicators", k, "actual")),
              C(ind["weight"], 5, f=("indicators", k, "weight")), C(ind["score"], 6, f=("indicators", k, "score")))
    g.row(C("总分", 0, 5), C(form["total"]["weight"], 5, f=("total", "weight")),
          C(form["total"]["score"], 6, f=("total", "score")))
    notes = ["注：1. 自评采用打分评价的形式，满分为 100 分；各部门（单位）可根据指标的重要程度自主确定各项三级指标的权重分值，"
             "各项指标得分加总得出该项目绩效自评的总分。"]
    return FormGrid(7, g.widths, g.rows, [form["title"]] + form["subtitle"], notes)


def build_rubric(form: dict) -> FormGrid:
    g = Builder(8, [12, 11, 9, 6, 20, 32, 6, 4])
    g.row(C("绩效指标", 0, 3, cls="h"), C("指标分值", 3, rs=2, cls="h"), C("指标解释", 4, rs=2, cls="h"),
          C("计分标准", 5, rs=2, cls="h"), C("自评得分", 6, rs=2, cls="h"), C("备注", 7, rs=2, cls="h"))
    g.row(C("一级指标", 0, cls="h"), C("二级指标", 1, cls="h"), C("三级指标", 2, cls="h"))
    inds = form["indicators"]
    runs1, runs2 = _level_runs(inds, "level1"), _level_runs(inds, "level2", "level1")
    for k, ind in enumerate(inds):
        g.row(*_indicator_level_cells(inds, k, 0, 1, runs1, runs2),
              C(ind["level3"], 2, f=("indicators", k, "level3")), C(ind["weight"], 3, f=("indicators", k, "weight")),
              C(ind["explanation"], 4, cls="l"), C(ind["rule"], 5, cls="l"),
              C(ind["score"], 6, f=("indicators", k, "score")), C(ind["reason"], 7, cls="l", f=("indicators", k, "reason")))
    return FormGrid(8, g.widths, g.rows, [form["title"]], [], landscape=True)


SUMMARY_COLUMNS = ["项目名称", "全年预算数", "执行数", "执行率", "产出指标得分率", "效益指标得分率", "满意度指标得分率", "自评得分",
                   "偏差原因"]
SUMMARY_HEADS = ["项目名称", "全年预算数", "执行数", "执行率", "产出指标\n得分率", "效益指标\n得分率", "满意度指标\n得分率", "自评得分",
                 "偏差原因"]


def build_summary(form: dict) -> FormGrid:
    g = Builder(10, [5, 24, 9, 9, 8, 9, 9, 10, 8, 9])
    g.row(C("部门（单位）名称", 0, 2), C(form["department"], 2, 4, cls="l", f=("department",)), C("汇总时间", 6, 2),
          C(form["date"], 8, 2, f=("date",)))
    g.row(C("序号", 0, cls="h"), *[C(h, 1 + i, cls="h") for i, h in enumerate(SUMMARY_HEADS)])
    for i, p in enumerate(form["projects"]):
        g.row(C(p["no"], 0), *[C(p[k], 1 + j, cls="l" if k in ("项目名称", "偏差原因") else "c", f=("projects", i, k))
                                for j, k in enumerate(SUMMARY_COLUMNS)])
    return FormGrid(10, g.widths, g.rows, [form["title"], "单位：万元"], [], landscape=True)


BUILDERS = {"henan": build_henan, "henan_b": build_henan, "county": build_county, "shanxi": build_shanxi,
            "sichuan": build_sichuan, "whole_henan": build_whole_henan, "whole_county": build_whole_county,
            "rubric": build_rubric, "summary": build_summary}


def build_grid(form: dict) -> FormGrid:
    grid = BUILDERS[form["layout"]](form)
    grid.landscape = form["layout"] in LANDSCAPE
    return grid


# ------------------------------------------------------------------------------------------ HTML and pages
@dataclass(frozen=True)
class FormLayoutSettings:
    font: str = "serif"
    font_px: float = 11.0
    watermark_text: bool = False
    margin_mm: tuple[float, float, float, float] = (15.0, 15.0, 15.0, 15.0)
    fill: float = 0.97


def css(s: FormLayoutSettings) -> str:
    """The pages, watermark and cover of the 公开表 layout, plus the form's own table and captions."""
    base = layout_css(LayoutSettings(font=s.font, font_px=s.font_px, margin_mm=s.margin_mm))
    return base + f"""
.ftitle {{ text-align: center; font-size: {s.font_px * 1.7:.1f}px; font-weight: bold; padding: 2px 0 3px 0; }}
.fsub {{ text-align: center; font-size: {s.font_px * 1.05:.1f}px; padding: 1px 0 2px 0; }}
.fsub.left {{ text-align: left; }} .fsub.right {{ text-align: right; }}
table.form {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
table.form td {{ border: 0.8px solid #222; padding: 2px 3px; line-height: 1.3; overflow-wrap: anywhere;
                 vertical-align: middle; }}
table.form td.c {{ text-align: center; }}
table.form td.h {{ text-align: center; }}
table.form td.l {{ text-align: left; }}
table.form td.n {{ white-space: nowrap; }}
.notes p {{ text-indent: 0; }}
"""


def wrap(s: FormLayoutSettings, body: str) -> str:
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{css(s)}</style></head><body>{body}</body></html>'


def caption_html(grid: FormGrid) -> str:
    parts = [f'<div class="ftitle">{esc(grid.above[0])}</div>'] if grid.above else []
    for line in grid.above[1:]:
        cls = "fsub right" if line.startswith("单位：") else ("fsub left" if line.startswith("填表人") else "fsub")
        parts.append(f'<div class="{cls}">{esc(line)}</div>')
    return f'<div class="caption">{"".join(parts)}</div>'


def colgroup(grid: FormGrid) -> str:
    total = sum(grid.widths)
    return "<colgroup>" + "".join(f'<col style="width:{100 * w / total:.3f}%">' for w in grid.widths) + "</colgroup>"


def rows_html(grid: FormGrid, rows: list[int]) -> str:
    """The rows of one page; merged cells crossing the page's first/last row are cut there."""
    lo, hi = rows[0], rows[-1] + 1
    starts: dict[int, list[tuple[FCell, int, str]]] = {r: [] for r in rows}
    for r, cells in enumerate(grid.rows):
        for cell in cells:
            end = r + cell.rowspan
            if end <= lo or r >= hi:
                continue
            first = max(r, lo)
            text = cell.text if r >= lo else ""  # the label stays on the page the merged cell starts on
            starts[first].append((cell, min(end, hi) - first, text))
    out = []
    for r in rows:
        tds = []
        for cell, rs, text in sorted(starts[r], key=lambda x: x[0].col):
            attr = (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "") + (f' rowspan="{rs}"' if rs > 1 else "")
            cls = cell.cls + (" n" if re.fullmatch(r"[-—\d.,% ]+", text or "-") and len(text) <= 7 else "")
            tds.append(f'<td class="{cls}"{attr}>{esc(text)}</td>')
        out.append(f'<tr data-row="{r}">' + "".join(tds) + "</tr>")
    return "".join(out)


def notes_html(grid: FormGrid) -> str:
    return '<div class="notes">' + "".join(f"<p>{esc(n)}</p>" for n in grid.below) + "</div>"


MEASURE_JS = """
() => {
  const out = {};
  for (const box of document.querySelectorAll('.measure')) {
    const h = (el) => el ? el.getBoundingClientRect().height : 0;
    out[box.dataset.form] = {caption: h(box.querySelector('.caption')),
      rows: Array.from(box.querySelectorAll('tbody tr')).map(h), notes: h(box.querySelector('.notes'))};
  }
  return out;
}
"""


def content_px(landscape: bool, s: FormLayoutSettings) -> tuple[float, float]:
    w, h = (297.0, 210.0) if landscape else (210.0, 297.0)
    return ((w - s.margin_mm[1] - s.margin_mm[3]) * MM, (h - s.margin_mm[0] - s.margin_mm[2]) * MM - 16)


def measure_html(grids: list[FormGrid], s: FormLayoutSettings) -> str:
    parts = []
    for i, g in enumerate(grids):
        width = content_px(g.landscape, s)[0]
        parts.append(f'<div class="measure" data-form="{i}" style="width:{width:.2f}px">{caption_html(g)}'
                     f'<table class="form">{colgroup(g)}<tbody>{rows_html(g, list(range(len(g.rows))))}</tbody></table>'
                     f'{notes_html(g)}</div>')
    return wrap(s, "".join(parts))


def _breakable(grid: FormGrid) -> list[bool]:
    """Rows a page may start at: none inside a merged cell other than the 一级/二级 and section labels of
    indicator, task and analysis rows (their labels are short)."""
    ok = [True] * (len(grid.rows) + 1)
    for r, cells in enumerate(grid.rows):
        for cell in cells:
            if cell.rowspan > 1:
                long_label = len(cell.text) > 12 or not any(
                    f and f[0] in ("indicators",) for f in cell.fields) and cell.col != 0
                keep = cell.rowspan <= 6 and (long_label or "资金" in cell.text or "目标" in cell.text
                                               or "预算" in cell.text or "基本" in cell.text)
                if keep or cell.text.replace(" ", "") in ("年度总体目标", "项目年度\n绩效目标"):
                    for k in range(r + 1, r + cell.rowspan):
                        ok[k] = False
        # never leave a header row alone at the bottom of a page
        if any(c.cls == "h" for c in cells) and r + 1 < len(ok):
            ok[r + 1] = False
    return ok


@dataclass
class PagePart:
    form: int
    rows: list[int]
    first: bool
    last: bool


@dataclass
class FormPage:
    number: int
    landscape: bool
    kind: str  # cover | form
    parts: list[PagePart] = field(default_factory=list)


def paginate(grids: list[FormGrid], measures: dict[str, dict], s: FormLayoutSettings, cover: bool) -> list[FormPage]:
    pages: list[FormPage] = []
    if cover:
        pages.append(FormPage(1, False, "cover"))
    for i, g in enumerate(grids):
        m = measures[str(i)]
        height = content_px(g.landscape, s)[1] * s.fill
        ok = _breakable(g)
        chunks: list[list[int]] = [[]]
        free = height - m["caption"]
        r = 0
        n = len(g.rows)
        while r < n:
            # the block of rows that must stay together
            e = r + 1
            while e < n and not ok[e]:
                e += 1
            need = sum(m["rows"][r:e])
            if need > free and chunks[-1]:
                chunks.append([])
                free = height
            chunks[-1].extend(range(r, e))
            free -= need
            r = e
        if m["notes"] > free and len(chunks[-1]) > 1:
            last = chunks[-1]
            moved: list[int] = []
            while len(last) > 1 and m["notes"] > free:
                k = last.pop()
                moved.insert(0, k)
                free += m["rows"][k]
            while last and not ok[moved[0]]:
                moved.insert(0, last.pop())
            if not last:
                chunks.pop()
            chunks.append(moved)
        for k, chunk in enumerate(chunks):
            page = FormPage(len(pages) + 1, g.landscape, "form")
            page.parts.append(PagePart(i, chunk, first=k == 0, last=k == len(chunks) - 1))
            pages.append(page)
    return pages


def cover_html(doc: dict) -> str:
    return (f'<div class="cover"><div class="year">{doc["year"]}年度</div><div class="name">{esc(doc["authority"])}</div>'
            f'<div class="name">{esc(doc["cover_kind"])}</div></div>')


def document_html(doc: dict, grids: list[FormGrid], pages: list[FormPage], s: FormLayoutSettings) -> str:
    body = []
    for page in pages:
        inner = []
        if page.kind == "cover":
            inner.append(cover_html(doc))
        for part in page.parts:
            g = grids[part.form]
            if part.first:
                inner.append(caption_html(g))
            inner.append(f'<table class="form">{colgroup(g)}<tbody>{rows_html(g, part.rows)}</tbody></table>')
            if part.last and g.below:
                inner.append(notes_html(g))
        if page.kind != "cover":
            inner.append(f'<div class="pageno">- {page.number} -</div>')
        if s.watermark_text:
            inner.append(watermark_html(page.landscape))
        body.append(f'<div class="page {"land" if page.landscape else "port"}">{"".join(inner)}</div>')
    return wrap(s, "".join(body))


# ------------------------------------------------------------------------------------------ truth
def _truth_table(tid: str, form: dict, grid: FormGrid, row_pages: dict[int, int]) -> Table:
    """The grid as the pipeline reports it (empty rows and columns dropped) and the record."""
    n = grid.n_cols
    texts = [["" for _ in range(n)] for _ in grid.rows]
    where: dict[tuple, tuple[int, int]] = {}
    for r, cells in enumerate(grid.rows):
        for cell in cells:
            texts[r][cell.col] = clean_cell_text(cell.text)
            for f in cell.fields:
                where[f] = (r, cell.col)
    # a merged cell cut by a page break: the continuation on the next page is a cell of its own, empty
    keep_rows = [r for r in range(len(grid.rows)) if any(texts[r])]
    keep_cols = [c for c in range(n) if any(texts[r][c] for r in keep_rows)]
    rmap = {r: i for i, r in enumerate(keep_rows)}
    cmap = {c: i for i, c in enumerate(keep_cols)}
    rows = [Row(page=row_pages[r], cells=[Cell(text=texts[r][c], value=value_of(texts[r][c])) for c in keep_cols])
            for r in keep_rows]
    pages = sorted({row_pages[r] for r in keep_rows})
    title = re.sub(r"\s*[（(]\s*20\d{2}\s*年度?\s*[)）]$", "", clean_cell_text(grid.above[0])) if grid.above else ""
    table = Table(id=tid, title=title, pages=pages, rows=rows,
                  columns=[""] * len(keep_cols), unit=form.get("unit", ""), template=P_TEMPLATES[form["layout"]],
                  department="", year=None)
    table.kind = "performance"

    def ref(path: tuple) -> list[int] | None:
        at = where.get(path)
        if at is None or at[0] not in rmap or at[1] not in cmap:
            return None
        return [rmap[at[0]], cmap[at[1]]]

    table.record = truth_record(form, ref, texts, where)
    return table


def _field(text: str, cell: list[int] | None, numeric: bool = False) -> dict | None:
    t = clean_cell_text(text or "")
    if cell is None and not t:
        return None
    out: dict[str, Any] = {"text": t, "cell": cell}
    if numeric:
        out["value"] = value_of(t)
    return out


def truth_record(form: dict, ref, texts, where) -> dict[str, Any]:
    """The record a perfect reader returns for ``form`` (values as printed, each with its cell)."""
    from pipeline.performance import parse_target  # the record format is the pipeline's

    def F(path: tuple, text: str, numeric: bool = False) -> dict | None:
        cell = ref(path)
        return _field(text, cell, numeric) if cell is not None else None

    layout = form["layout"]
    rec: dict[str, Any] = {"project": None, "department": None, "implementer": None, "year": form.get("year"),
                           "funds": [], "goals": {"expected": None, "actual": None}, "indicators": [],
                           "total": {"weight": None, "score": None}, "grade": None}
    if layout == "summary":
        rec = {"department": F(("department",), form["department"]), "date": F(("date",), form["date"]),
               "year": form.get("year"), "projects": []}
        for i, p in enumerate(form["projects"]):
            rec["projects"].append({k: F(("projects", i, k), p[k], numeric=k not in ("项目名称", "偏差原因"))
                                    for k in SUMMARY_COLUMNS})
        return rec
    for k in ("project", "department", "implementer"):
        rec[k] = F((k,), form.get(k, ""))
    for i, fr in enumerate(form["funds"]):
        row: dict[str, Any] = {"label": F(("funds", i, "label"), fr["label"])}
        for key in ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"):
            row[key] = F(("funds", i, key), fr["cells"].get(key, ""), numeric=True)
        if layout == "shanxi":
            row["年初预算数"] = F(("funds", i, "预算编制数"), fr["cells"].get("预算编制数", ""), numeric=True)
            row["目标申报数"] = F(("funds", i, "目标申报数"), fr["cells"].get("目标申报数", ""), numeric=True)
            row["资金结余"] = F(("funds", i, "资金结余"), fr["cells"].get("资金结余", ""), numeric=True)
        rec["funds"].append(row)
    if form.get("mgmt"):
        rec["management"] = [{k: F(("management", i, k), m[k], numeric=k in ("weight", "score"))
                              for k in ("label", "note", "weight", "score", "problem")}
                             for i, m in enumerate(form["mgmt"])]
    rec["goals"] = {"expected": F(("goals", "expected"), form["goals"]["expected"]),
                    "actual": F(("goals", "actual"), form["goals"]["actual"])}
    for k, ind in enumerate(form["indicators"]):
        if ind.get("placeholder"):
            continue
        row = {"level1": F(("indicators", k, "level1"), ind["level1"]),
               "level2": F(("indicators", k, "level2"), ind["level2"]),
               "level3": F(("indicators", k, "level3"), ind["level3"])}
        if layout == "sichuan":
            parts = [(("indicators", k, "target.nature"), ind["nature"]), (("indicators", k, "target.value"), ind["value"]),
                     (("indicators", k, "target.unit"), ind["measure"])]
            cells = [ref(p) for p, _ in parts]
            row["target"] = parse_target(*(clean_cell_text(t) for _, t in parts), split=True)
            if row["target"] is not None:
                row["target"]["cell"] = cells[1]
                row["target"]["cells"] = [c for c in cells if c is not None]
        elif layout != "rubric":
            cell = ref(("indicators", k, "target"))
            row["target"] = parse_target(clean_cell_text(ind["target"]))
            if row["target"] is not None:
                row["target"]["cell"] = cell
        else:
            row["target"] = None
        if layout == "shanxi":
            ti = F(("indicators", k, "target_initial"), ind.get("target_initial", ""))
            row["target_initial"] = ti
        row["actual"] = F(("indicators", k, "actual"), ind.get("actual", "")) if layout != "rubric" else None
        row["weight"] = F(("indicators", k, "weight"), ind["weight"], numeric=True)
        row["score"] = F(("indicators", k, "score"), ind["score"], numeric=True)
        row["reason"] = F(("indicators", k, "reason"), ind.get("reason", ""))
        if "deviation" in ind and ref(("indicators", k, "deviation")) is not None:
            row["deviation"] = F(("indicators", k, "deviation"), ind["deviation"], numeric=True)
        rec["indicators"].append(row)
    rec["total"] = {"weight": F(("total", "weight"), form["total"].get("weight", ""), numeric=True),
                    "score": F(("total", "score"), form["total"].get("score", ""), numeric=True)}
    if layout == "shanxi":
        rec["grade"] = F(("grade",), form.get("grade", ""))
    elif layout == "sichuan":
        tail = dict((a, b) for a, b in form["extra"].get("tail", []))
        rec["grade"] = F(("grade",), tail.get("评价结论", ""))
    from pipeline.performance import _groups, vocabulary

    _groups(None, vocabulary(), rec)  # 一级/二级 labels printing a weight: derived from the labels as printed
    return rec


# ------------------------------------------------------------------------------------------ documents
def seed_forms() -> list[dict]:
    return load_data("perf_forms.json")["forms"]


SEED_DOCS = {
    "000": {"authority": "南阳市人力资源和社会保障局", "year": 2023, "cover_kind": "部门决算"},
    "001": {"authority": "新乡县人力资源和社会保障局", "year": 2021, "cover_kind": "项目支出绩效自评"},
    "002": {"authority": "安阳市北关区人力资源和社会保障局", "year": 2024, "cover_kind": "部门决算"},
    "003": {"authority": "晋城市人力资源和社会保障局", "year": 2024, "cover_kind": "部门决算"},
    "004": {"authority": "遂宁市安居区人力资源和社会保障局", "year": 2023, "cover_kind": "部门决算"},
}


@dataclass(frozen=True)
class FormRecipe:
    name: str
    seed: str  # the seed whose forms (all of them) and department the document has ("000" … "004")
    profile: str
    forms: tuple[str, ...] | None = None  # or these forms, “seed:index” (e.g. "003:47"), in this order
    font: str = "serif"
    cover: bool = True
    rng: int = 1
    store_quality: int | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "FormRecipe":
        d = dict(d)
        if d.get("forms") is not None:
            d["forms"] = tuple(str(i) for i in d["forms"])
        return cls(**d)


def recipe_forms(recipe: FormRecipe) -> list[dict]:
    by_seed: dict[str, list[dict]] = {}
    for f in seed_forms():
        by_seed.setdefault(f["seed"], []).append(f)
    if recipe.forms is None:
        return by_seed[recipe.seed]
    out = []
    for ref in recipe.forms:
        sid, _, index = ref.partition(":")
        try:
            out.append(by_seed[sid][int(index)])
        except (KeyError, ValueError, IndexError) as e:
            raise ValueError(f"form recipe {recipe.name}: no seed form {ref!r}") from e
    return out


def committed_form_recipes() -> list[FormRecipe]:
    return [FormRecipe.from_dict(d) for d in load_data("committed.json").get("forms", [])]


def seed_recipes(profiles: list[str], seeds: list[str] | None = None, variant: int = 1) -> list[FormRecipe]:
    """Every form of the seeds, one document per seed and profile. ``variant`` (make_samples ``--seed``) draws
    other fonts and other scan noise, seals and skew for the same forms (1: the set the notes measure on)."""
    fonts = ("serif", "sans", "uming")
    out = []
    for k, sid in enumerate(seeds or sorted(SEED_DOCS)):
        for j, profile in enumerate(profiles):
            out.append(FormRecipe(name=f"perf{sid}_{profile}", seed=sid, profile=profile,
                                  font=fonts[(k + j + variant - 1) % len(fonts)], cover=sid != "004",
                                  rng=101 + k + 1000 * (variant - 1)))
    return out


def compose(recipe: FormRecipe, printer, watermark_text: bool) -> tuple[dict, list[dict], list[FormGrid], list[FormPage], str]:
    forms = recipe_forms(recipe)
    doc = dict(SEED_DOCS[recipe.seed])
    settings = FormLayoutSettings(font=recipe.font, watermark_text=watermark_text)
    grids = [build_grid(f) for f in forms]
    measures = printer.evaluate(measure_html(grids, settings), MEASURE_JS)
    pages = paginate(grids, measures, settings, recipe.cover)
    return doc, forms, grids, pages, document_html(doc, grids, pages, settings)


def build_form_truth(doc: dict, forms: list[dict], grids: list[FormGrid], pages: list[FormPage],
                     page_infos: list[PageInfo], pdf_name: str, sha256: str) -> Document:
    row_pages: dict[int, dict[int, int]] = {}
    for page in pages:
        for part in page.parts:
            for r in part.rows:
                row_pages.setdefault(part.form, {})[r] = page.number
    tables = [_truth_table(f"t{i + 1}", form, grid, row_pages[i]) for i, (form, grid) in enumerate(zip(forms, grids))]
    return Document(source_path=pdf_name, sha256=sha256, page_count=len(page_infos), authority=doc["authority"],
                    year=doc["year"], kind="", pages=page_infos, tables=tables, pipeline_version="truth")


def generate_forms(recipe: FormRecipe, out_dir: Path, printer) -> dict[str, Any]:
    from .generate import DIGITAL_DPI, DIGITAL_PROFILES, known_profiles, print_document, write_json_atomic

    if recipe.profile not in known_profiles():
        raise ValueError(f"form recipe {recipe.name}: unknown profile {recipe.profile!r} (known: {known_profiles()})")
    doc, forms, grids, pages, html = compose(recipe, printer, watermark_text=recipe.profile == "digital_watermark")
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf_path = out_dir / f"{recipe.name}.pdf"
    # seals go over any printed number of a form (scores, rates, amounts), not only 2-decimal amounts
    infos, scan = print_document(html, recipe.profile, printer, pdf_path, f"{recipe.name}:{recipe.rng}",
                                 doc["authority"], recipe.store_quality, seal_targets=_number_boxes)
    profile = None if recipe.profile in DIGITAL_PROFILES else infos[0].dpi
    truth = build_form_truth(doc, forms, grids, pages, infos, pdf_path.name, sha256_of(pdf_path)).to_dict()
    truth["profile"] = recipe.profile
    truth["dpi"] = profile or DIGITAL_DPI
    truth["generator"] = {"form_recipe": asdict(recipe), "forms": [[f["seed"], f["line"], f["layout"]] for f in forms]}
    if scan is not None:
        truth["scan"] = scan
    write_json_atomic(out_dir / f"{recipe.name}.truth.json", truth)
    return truth


def _number_boxes(words) -> list[tuple[float, float, float, float]]:
    return [w.box for w in words if re.fullmatch(r"[\d.,%]+", w.text) and re.search(r"\d", w.text)]


def check_form_truth(truth: dict[str, Any]) -> list[str]:
    """Problems of a form truth file: record values whose cell does not hold their text (empty = consistent)."""
    from pipeline.performance import _walk_fields

    problems = []
    for t in truth.get("tables", []):
        if t.get("kind") != "performance":
            continue
        if t.get("record") is None:
            problems.append(f"{t['id']}: no record")
            continue
        for f in _walk_fields(t["record"]):
            cell = f.get("cell")
            if not cell or "cells" in f:
                continue
            r, c = cell
            try:
                text = t["rows"][r]["cells"][c]["text"]
            except (IndexError, KeyError):
                problems.append(f"{t['id']}: {f['text']!r} points outside the grid ({r}, {c})")
                continue
            if "operator" not in f and text != f["text"]:
                problems.append(f"{t['id']}: record {f['text']!r} but cell ({r}, {c}) holds {text!r}")
    return problems
