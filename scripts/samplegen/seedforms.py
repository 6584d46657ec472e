#!/usr/bin/env python3
"""The 绩效自评 forms printed in the seed disclosures, as generator content (``data/perf_forms.json``).

    python -m samplegen.seedforms ../shared/seeds        # (from scripts/) rewrite data/perf_forms.json

The seeds (``../shared/seeds/*.txt``) are text extractions of five real disclosures; their 178 forms with
table text (000: 99, 001: 12 + 5 汇总表, 002: 12, 003: 48, 004: 7 + the 整体 rubric) are read here into one
record per form: the printed texts of every field (project, 主管部门, 实施单位, funds rows, 资金管理 rows,
goals, indicator rows with their levels forward-filled, 总分, grade, notes) in the layout the seed printed
them in (``henan``, ``henan_b`` (项目自评表), ``county``, ``shanxi``, ``sichuan``, ``whole_henan``,
``whole_county``, ``rubric``, ``summary``).

Numbers are taken from the seeds' own checker (``check_identities.py``: which rows are indicator rows,
their 分值/得分, the 执行率得分 and the 总分), so the forms rendered from this file break exactly the
identities the seeds break (000: 3 of 99 forms where 总分 ≠ Σ得分, 003: 11 of 48, 001: 6 of 11, …).
Texts are cleaned of extraction artefacts only (LaTeX, HTML tags, “and” for 和, spaces inside numbers).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "perf_forms.json"

L1 = re.compile(r"^(成本|产出|效益|满意度|投入|过程|投入管理|部门预算管理|绩效结果应用|自评质量|服务对象满意度)(指标)?"
                r"\s*([（(]\s*\d+\s*分\s*[)）])?$")
L2 = re.compile(r"(指标|^工作目标(管理)?|^预算配置|^预算执行|^财务管理|^预算和财务管理|^绩效管理|^重点工作任务完成|^履职目标实现"
                r"|^履职效益|^满意度|^社会效益|^服务对象满意度|^项目投入|^预算编制|^完成结果|^信息公开|^整改反馈|^自评质量)"
                r"\s*([（(]\s*\d+\s*分\s*\)?[)）]?)?$")
MGMT = ("安排科学性", "拨付合规性", "使用规范性", "预算绩效管理情况")
GOAL_HEAD = re.compile(r"预期目标|年度目标")
ANALYSIS = re.compile(r"情况及分析|经验做法|存在的问题|改进措施及管理建议|主要结论|预算执行情况")
WATERMARK = "仅供内部审核"


def load_checker(seeds: Path):
    spec = importlib.util.spec_from_file_location("check_identities", seeds / "check_identities.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def clean(text: str) -> str:
    """Undo extraction artefacts; keep the printed wording."""
    t = text or ""
    t = re.sub(r"</?p>", " ", t)
    t = t.replace("$\\geq", "≥").replace("$\\leq", "≤").replace("\\%$", "%").replace("\\%", "%").replace("$", "")
    t = re.sub(r"\\text\{([^}]*)\}", r"\1", t).replace("\\times", "×")
    t = re.sub(r"(?<=[\u4e00-\u9fff]) and (?=[\u4e00-\u9fff])", "和", t)
    t = re.sub(r"(?<=\d)\s+(?=[\d.])|(?<=\.)\s+(?=\d)", "", t)
    t = re.sub(r"\s+", " ", t).strip()
    t = re.sub(r"(?<=[\u4e00-\u9fff（）“”，、：])\s+(?=[\u4e00-\u9fff（）“”，、：])", "", t)  # wrapped/letter-spaced words
    return t


def number(text: str) -> float | None:
    s = clean(text).replace(",", "").replace("%", "").replace(" ", "")
    try:
        return float(s)
    except ValueError:
        return None


def fmt(v: float | None) -> str:
    if v is None:
        return ""
    return (f"{v:.4f}".rstrip("0").rstrip(".")) if v != int(v) else str(int(v))


def tab_rows(lines: list[str], s: int, e: int) -> list[tuple[int, list[str]]]:
    return [(i + 1, lines[i].split("\t")) for i in range(s, e) if "\t" in lines[i] and lines[i].strip() != WATERMARK]


def tokens(cells: list[str]) -> list[str]:
    return [clean(c) for c in cells]


def first_text(cells: list[str], after: int = -1) -> str:
    for c in cells[after + 1:]:
        if c.strip():
            return clean(c)
    return ""


# ------------------------------------------------------------------------------------------ tabbed seeds
FUND_COLUMNS = {
    "henan": ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    "county": ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    "shanxi": ["目标申报数", "预算编制数", "全年预算数", "全年执行数", "资金结余", "执行率", "得分", "偏差原因"],
}


def layout_of(sid: str, title: str, block: str) -> str:
    if "整体" in title and sid in ("001", "002"):
        return {"001": "whole_county", "002": "whole_henan"}[sid]
    if sid in ("000", "002"):
        return "henan_b" if ("项目自评表" in title or "主管部门及代码" in block or "填表人" in block) else "henan"
    return {"001": "county", "003": "shanxi"}[sid]


def fund_row(label: str, rest: list[str], columns: list[str]) -> dict:
    vals = list(rest)
    while vals and not vals[-1]:
        vals.pop()
    # text in the last column (003 偏差原因) stays there; surplus blanks (column shifts) go
    while len(vals) > len(columns) and "" in vals:
        vals.remove("")
    vals = vals[:len(columns)]
    if columns[-1] != "偏差原因" and len(vals) < len(columns):
        vals = [""] * (len(columns) - len(vals)) + vals  # right-aligned: a missing 年初预算数
    vals += [""] * (len(columns) - len(vals))
    return {"label": label, "cells": dict(zip(columns, vals))}


def level1_of(level2: str) -> str:
    """The 一级指标 a 二级指标 belongs to (when the seed's extraction lost the merged 一级 cell)."""
    l2 = level2.replace(" ", "")
    if re.search(r"数量|质量|时效|成本|项目投入", l2):
        return "产出指标"
    if re.search(r"效益|可持续", l2):
        return "效益指标"
    if "满意" in l2:
        return "满意度指标"
    return ""


def split_levels(texts: list[str], prev: tuple[str, str]) -> tuple[str, str, list[str]]:
    """(level1, level2, the tokens after the level labels) with forward filling."""
    texts = list(texts)
    for i, t in enumerate(texts):
        m = re.fullmatch(r"((?:产出|效益|成本|满意度)指标)((?:数量|质量|时效|成本|经济效益|社会效益|生态效益)指标)", t.replace(" ", ""))
        if m:
            texts[i:i + 1] = [m.group(1), m.group(2)]
            break
        if t.replace(" ", "") == "绩效指标":
            texts[i] = ""
    l1, l2 = prev
    k = 0
    while k < len(texts) and not texts[k]:
        k += 1
    got1 = got2 = False
    while k < len(texts):
        t = texts[k]
        if not t:
            k += 1
            continue
        if not got1 and not got2 and L1.match(t.replace(" ", "")):
            if t != prev[0]:  # the same 一级 printed again keeps its 二级 (merged cells the extraction split)
                l2 = ""
            l1, got1 = t, True
        elif not got2 and L2.search(t.replace(" ", "")) and len(t) <= 16 and not t.startswith("指标"):
            l2, got2 = t, True
        else:
            break
        k += 1
    if not l1 and l2:
        l1 = level1_of(l2)
    return l1, l2, texts[k:]


def indicator_row(cells: list[str], w: float | None, s: float, layout: str, prev: tuple[str, str],
                  has_dev: bool) -> dict:
    t = tokens(cells)
    # position of the (分值, 得分) pair, from the right
    idx = None
    for i in range(len(t) - 1, -1, -1):
        if w is None:
            if number(t[i]) == s:
                idx = i
                break
        elif i + 1 < len(t) and number(t[i]) == w and number(t[i + 1]) == s:
            idx = i
            break
    if idx is None:  # merged/garbled rows: keep the text, numbers as the checker read them
        idx = len(t)
        while idx > 0 and (not t[idx - 1] or number(t[idx - 1]) is not None):
            idx -= 1
    after = t[idx + (1 if w is None else 2):]
    dev = ""
    if has_dev and after and number(after[0]) is not None:
        dev = after[0]
        after = after[1:]
    reason = " ".join(x for x in after if x)
    l1, l2, rest = split_levels(t[:idx], prev)
    while rest and not rest[0]:
        rest = rest[1:]
    name = rest[0] if rest else ""
    vals = rest[1:]
    want = 4 if layout == "shanxi" else 2
    while len(vals) > want and "" in vals:
        vals.remove("")
    if len(vals) > want:  # wrapped name spilled over two cells
        name = name + "".join(vals[:len(vals) - want])
        vals = vals[len(vals) - want:]
    vals += [""] * (want - len(vals))
    if layout == "county" and re.fullmatch(r"成本指标", l1.replace(" ", "")) and prev[0].startswith("产出"):
        l1, l2 = prev[0], l1  # 001 prints 成本指标 as a 二级 under 产出指标 (50分), in the 一级 column's place
    row = {"level1": l1, "level2": l2, "level3": name, "weight": fmt(w), "score": fmt(s), "reason": reason}
    if layout == "shanxi":
        row.update(target_initial=vals[0], target=vals[1], actual=vals[2], note=vals[3])
    else:
        row.update(target=vals[0], actual=vals[1])
    if has_dev:
        row["deviation"] = dev
    return row


def parse_tabbed_form(ci, sid: str, lines: list[str], s: int, e: int, info: dict) -> dict:
    title = clean(lines[s].split("\t")[0])
    rows = tab_rows(lines, s, e)
    block = "\n".join(lines[s:e])
    layout = layout_of(sid, title, block)
    subtitle = []
    for i in range(s + 1, min(e, s + 6)):
        txt = clean(lines[i].split("\t")[0])
        if txt.startswith("部门（单位）名称"):
            break
        if "\t" in lines[i] and not re.match(r"^(\d|\(|（|20|填表)", txt):
            break
        if txt and txt != WATERMARK:
            subtitle.append(txt)
    form = {"seed": sid, "line": s + 1, "layout": layout, "title": title, "subtitle": subtitle,
            "project": info.get("name") or "", "department": "", "implementer": "", "funds": [], "mgmt": [],
            "goals": {"expected": "", "actual": ""}, "indicators": [], "total": {}, "grade": "", "unit": "万元",
            "extra": {}}
    if layout.startswith("whole"):
        form["project"] = ""
    ind_lines = {ln: (w, sc) for w, sc, ln in info["ind"]}
    mgmt_lines = {ln: (w, sc) for w, sc, ln in info["mgmt"]}
    fund_cols = FUND_COLUMNS["shanxi" if layout == "shanxi" else "henan"]
    section = "head"
    prev = ("", "")
    has_dev = False
    total_line = info.get("total_line")
    for k, (ln, cells) in enumerate(rows):
        t = tokens(cells)
        joined = "".join(t).replace(" ", "")
        if total_line and ln > total_line:
            section = "after"
        if section == "head" or "主管部门" in joined or "实施单位" in joined or "预算单位" in joined:
            for i, c in enumerate(t):
                c0 = c.replace(" ", "")
                if c0.startswith("主管部门") and not form["department"]:
                    form["department"] = first_text(cells, i)
                    if form["department"] in ("实施单位", "预算单位"):
                        form["department"] = ""
                if c0.startswith(("实施单位", "预算单位")) and not form["implementer"]:
                    form["implementer"] = first_text(cells, i)
                if c0 in ("部门（单位）名称", "部门(单位)名称") and not form["department"]:
                    form["department"] = first_text(cells, i)
            if "项目名称主管部门" in joined and not form["department"] and k + 1 < len(rows):
                nxt = tokens(rows[k + 1][1])
                vals = [x for x in nxt if x and x != "实施单位"]
                if vals:
                    form["department"] = vals[0]
                if len(vals) > 1:
                    form["implementer"] = vals[-1]
        heads = sum(w in joined for w in ("年初预算", "全年预算数", "全年执行", "执行率", "目标申报数", "调整后预算数"))
        if (heads >= 2 or "部门整体支出情况" in joined or (joined.startswith("预算情况") and layout == "whole_county")) \
                and ln not in mgmt_lines and ln not in ind_lines and len(joined) < 120:
            section = "funds"
            if joined.startswith("预算情况"):  # 001 整体: the header row carries 部门预算总额
                vals = [x for x in t if x]
                form["funds"].append({"label": vals[1], "cells": {"全年预算数": vals[2] if len(vals) > 2 else ""}})
            if "(元)" in joined or "（元）" in joined:
                form["unit"] = "元"
            continue
        if section == "funds" and ("目标申报数" in joined and "预算编制数" in joined):
            continue
        if any(m in joined for m in MGMT) and ln in mgmt_lines:
            section = "mgmt"
            label = next(m for m in MGMT if m in joined)
            texts = [x for x in t if x and x != label and number(x) is None and not x.startswith(label)]
            w, sc = mgmt_lines[ln]
            note = texts[0] if texts else ""
            problem = texts[1] if len(texts) > 1 else ""
            form["mgmt"].append({"label": label, "note": note, "weight": fmt(w), "score": fmt(sc), "problem": problem})
            continue
        if section in ("funds", "mgmt") and ("资金管理" in joined or "情况说明" in joined) and ln not in mgmt_lines:
            section = "mgmt"
            continue
        if GOAL_HEAD.search(joined) and ("实际完成" in joined or "年度目标" in joined) and section != "ind":
            section = "goals"
            continue
        if section == "goals" and "一级指标" not in joined and "绩效指标" not in joined.replace("绩效指标一级", ""):
            texts = [x for x in t if x]
            if texts and not form["goals"]["expected"]:
                form["goals"]["expected"] = texts[0]
                form["goals"]["actual"] = texts[1] if len(texts) > 1 else ""
            continue
        if "一级指标" in joined and ("二级指标" in joined or "三级指标" in joined):
            section = "ind"
            has_dev = "偏差度" in joined
            form["extra"]["has_deviation"] = has_dev
            if ln not in ind_lines:
                continue
        if section == "funds" and t and t[0] == "任务名称":
            section = "tasks"
            continue
        if section == "tasks":
            continue
        if section == "funds":
            if ln == total_line:
                pass
            else:
                lab_i = next((i for i, x in enumerate(t) if x and number(x) is None and x not in ("—", "-", "－")), None)
                if lab_i is None:
                    continue
                label = t[lab_i]
                if layout == "whole_county":
                    form["funds"].append({"label": label, "cells": {"全年预算数": next((x for x in t[lab_i + 1:] if x), "")}})
                else:
                    form["funds"].append(fund_row(label, t[lab_i + 1:], fund_cols))
                continue
        if section == "ind" and t and next((x for x in t if x), "").replace(" ", "").startswith("总分"):
            section = "after"  # the 总分 label on a line of its own, its number on the next lines (003 1919)
            continue
        if section == "ind" and ln != total_line:
            if ln in ind_lines:
                w, sc = ind_lines[ln]
                if (sid, ln) in ci.KNOWN_MERGED_ROWS:  # one printed line holding two indicator rows
                    for (w1, s1), part in zip(ci.KNOWN_MERGED_ROWS[(sid, ln)], (0, 1)):
                        r = indicator_row(cells, None, s1, layout, prev, has_dev)
                        r["weight"], r["score"] = fmt(w1), fmt(s1)
                        r["level3"] = re.split(r"(?=指标2：)", r["level3"])[part] if "指标2：" in r["level3"] else r["level3"]
                        r["target"] = (r["target"].split() + ["", ""])[part]
                        r["actual"] = (r["actual"].split() + ["", ""])[part]
                        form["indicators"].append(r)
                        prev = (r["level1"], r["level2"])
                    continue
                r = indicator_row(cells, w, sc, layout, prev, has_dev)
            else:
                nz = [x for x in t if x]
                if not nz or any(x in ("一级指标", "三级指标") for x in nz):
                    continue
                l1, l2, rest = split_levels(t, prev)
                if layout == "county" and l1.replace(" ", "") == "成本指标" and prev[0].startswith("产出"):
                    l1, l2 = prev[0], l1
                rest = [x for x in rest if x]
                r = {"level1": l1, "level2": l2, "level3": rest[0] if rest else "", "weight": "", "score": "",
                     "reason": "", "target": rest[1] if len(rest) > 1 else "", "actual": rest[2] if len(rest) > 2 else ""}
                if layout == "shanxi":
                    r.update(target_initial=r["target"], target=r["actual"], actual=rest[3] if len(rest) > 3 else "",
                             note="")
                if has_dev:
                    r["deviation"] = ""
                if not rest:
                    continue
                r["placeholder"] = bool(re.fullmatch(r"指标\s*\d\s*[:：]?", r["level3"])) and len(rest) == 1
            form["indicators"].append(r)
            prev = (r["level1"], r["level2"])
            continue
        if section == "after":
            texts = [x for x in t if x]
            if len(texts) >= 2 and ANALYSIS.search(texts[0] + texts[1]):
                label = texts[0] if ANALYSIS.search(texts[0]) else texts[1]
                body = texts[-1] if texts[-1] != label else ""
                form["extra"].setdefault("analysis", []).append([label, body])
    # the 总分 row
    tw, ts = info.get("total_weight"), info.get("total")
    form["total"] = {"weight": fmt(tw), "score": fmt(ts)}
    if layout == "shanxi":
        tl = info.get("total_line")
        if tl:
            seg = " ".join(lines[tl - 1:tl + 3])
            m = re.search(r"(优|良|中|差)", seg)
            form["grade"] = m.group(1) if m else ""
        if tw is not None and ts is not None and tw != 100:
            form["total"] = {"weight": "", "score": fmt(ts)}
        elif tw == 100 and ts is not None:
            form["total"] = {"weight": "", "score": fmt(ts)}
    ex = info.get("exec")
    form["extra"]["exec_score"] = fmt(ex)
    # funds: the checker's reading of the first funds row decides the 执行率 得分
    if form["funds"]:
        first = form["funds"][0]["cells"]
        if ex is not None and number(first.get("得分", "")) != ex:
            first["得分"] = fmt(ex)
    # notes printed under the form
    notes = []
    for i in range(rows[-1][0] if rows else s, e):
        txt = clean(lines[i])
        if re.match(r"^(注|备注)\s*[:：]|^\d\s*[.、．]\s*[“\"「]?(资金管理|绩效自评|偏差原因|定性指标|全年预算|全年执行|执行率|年初预算)", txt):
            notes.append(txt)
        elif notes and re.match(r"^\d[.、．]", txt):
            notes.append(txt)
    form["notes"] = notes[:6]
    return form


def summary_forms(lines: list[str]) -> list[dict]:
    out = []
    for i, l in enumerate(lines):
        if l.strip() != "部门（单位）项目支出自评汇总表":
            continue
        form = {"seed": "001", "line": i + 1, "layout": "summary", "title": l.strip(), "subtitle": [], "projects": [],
                "department": "", "date": "", "unit": "万元", "extra": {}}
        j = i + 1
        while j < len(lines) and "\t" not in lines[j]:
            if lines[j].strip().startswith("单位"):
                form["subtitle"].append(lines[j].strip())
            j += 1
        while j < len(lines) and (("\t" in lines[j]) or not lines[j].strip()):
            t = tokens(lines[j].split("\t")) if "\t" in lines[j] else []
            j += 1
            if not t:
                if j < len(lines) and "\t" not in lines[j] and lines[j].strip():
                    break
                continue
            if t[0].startswith("部门"):
                vals = [x for x in t[1:] if x]
                form["department"] = vals[0]
                form["date"] = vals[-1]
            elif re.fullmatch(r"\d+", t[0]):
                vals = t[1:]
                cols = ["项目名称", "全年预算数", "执行数", "执行率", "产出指标得分率", "效益指标得分率", "满意度指标得分率",
                        "自评得分", "偏差原因"]
                vals += [""] * (len(cols) - len(vals))
                form["projects"].append({"no": t[0], **dict(zip(cols, vals[:len(cols)]))})
        out.append(form)
    return out


def whole_henan_extra(lines: list[str], form: dict) -> None:
    """002's 部门整体 form prints its goals and tasks outside the tab rows."""
    s = form["line"] - 1
    i = s
    while i < len(lines) and lines[i].strip() != "预期目标":
        i += 1
    j = i + 1
    while j < len(lines) and lines[j].strip() != "实际完成情况":
        j += 1
    paras = []
    k = j + 1
    while k < len(lines) and lines[k].strip() != "年度主要任务":
        if lines[k].strip():
            paras.append(clean(lines[k]))
        k += 1
    expected = [p for p in paras if p.startswith("（")]
    actual = [p for p in paras if not p.startswith("（")]
    form["goals"] = {"expected": "".join(expected), "actual": "".join(actual)}
    for name in ("部门（单位）名称",):
        m = next((n for n in range(s, s + 10) if lines[n].strip() == name), None)
        if m is not None:
            form["department"] = next(lines[n].strip() for n in range(m + 1, m + 4) if lines[n].strip())
    tasks = []
    k += 1
    while k < len(lines) and lines[k].strip() != "绩效指标":
        if "\t" in lines[k]:
            t = tokens(lines[k].split("\t"))
            if t[0] != "任务名称":
                tasks.append((t + ["", "", ""])[:3])
        k += 1
    form["extra"]["tasks"] = tasks


def whole_county_extra(lines: list[str], form: dict) -> None:
    s = form["line"] - 1
    tasks, duty = [], ""
    for n in range(s, s + 40):
        t = tokens(lines[n].split("\t")) if "\t" in lines[n] else []
        if not t:
            continue
        if t[0].startswith("部门（单位）名称"):
            form["department"] = first_text(t, 0)
        elif t[0] == "年度履职目标":
            duty = first_text(t, 0)
        elif re.match(r"^任务\s*\d+", t[0]) or (len(t) > 1 and re.match(r"^任务\s*\d+", t[1])):
            vals = [x for x in t if x]
            tasks.append((vals + ["", ""])[:2])
    form["goals"] = {"expected": duty, "actual": ""}
    form["extra"]["tasks"] = tasks


# ------------------------------------------------------------------------------------------ seed 004
def cell_rows(lines: list[str], s: int, e: int) -> list[list[tuple[int, str]]]:
    rows, cur = [], []
    for i in range(s, e):
        l = lines[i]
        if l.startswith("\t"):
            cur.append((i + 1, clean(l[1:])))
        elif l.strip() == "":
            if cur:
                rows.append(cur)
            cur = []
        else:
            if cur:
                rows.append(cur)
            cur = []
    if cur:
        rows.append(cur)
    return rows


def sichuan_forms(ci, lines: list[str]) -> list[dict]:
    infos = ci.score_forms_004(lines)
    idx = [i for i, l in enumerate(lines) if l.strip() == "部门预算项目支出绩效自评表（2023年度）"]
    out = []
    for k, s in enumerate(idx):
        e = idx[k + 1] if k + 1 < len(idx) else len(lines)
        for n in range(s + 1, e):
            if lines[n].startswith("附件"):
                e = n
                break
        info = infos[k]
        rows = cell_rows(lines, s, e)
        form = {"seed": "004", "line": s + 1, "layout": "sichuan", "title": lines[s].strip(), "subtitle": [],
                "project": info["name"], "department": "", "implementer": "", "funds": [], "mgmt": [],
                "goals": {"expected": "", "actual": ""}, "indicators": [], "total": {}, "grade": "", "unit": "万元",
                "extra": {"exec_score": fmt(info.get("exec"))}, "notes": []}
        ind_lines = {ln: (w, sc) for w, sc, ln in info["ind"]}
        phase = None
        prev = ("", "")
        for r in rows:
            cells = [c for _, c in r]
            j = "".join(cells)
            if cells[0] == "主管部门":
                form["department"] = cells[1]
                form["implementer"] = cells[3] if len(cells) > 3 else ""
            elif "项目年度目标" in j and "年度目标完成情况" in j:
                phase = "goal"
            elif phase == "goal" and len(cells) >= 1 and not cells[0].startswith("2."):
                vals = [c for c in cells if c]
                form["goals"] = {"expected": vals[0] if vals else "", "actual": vals[1] if len(vals) > 1 else ""}
                phase = None
            elif cells and (cells[0].startswith("2.项目实施内容") or (len(cells) > 1 and cells[1].startswith("2.项目实施内容"))):
                form["extra"]["process"] = cells[-1]
            elif "年初预算" in j and "预算执行率" in j:
                phase = "funds"
            elif phase == "funds" and ("绩效指标" in j or "一级指标" in j):
                phase = "ind"
            elif phase == "funds":
                label = cells[0] if cells[0] != "" else cells[1]
                vals = cells[1:] if cells[0] else cells[2:]
                cols = ["年初预算数", "全年预算数", "全年执行数", "执行率", "分值", "得分", "原因"]
                vals = (vals + [""] * 7)[:7]
                row = {"label": label, "cells": dict(zip(cols, vals))}
                if label == "总额":
                    row["cells"]["原因"] = ""
                form["funds"].append(row)
            elif phase == "ind":
                if "合计" in cells:
                    nn = [c for c in cells if number(c) is not None]
                    form["total"] = {"weight": nn[0], "score": nn[1]}
                    phase = "tail"
                    continue
                ln = r[0][0]
                if ln not in ind_lines:
                    continue
                w, sc = ind_lines[ln]
                # 一级 | 二级 | 三级 | 指标性质 | 指标值 | 度量单位 | 完成值 | 权重 | 得分 | 原因
                c = list(cells)
                wi = max(i for i in range(len(c) - 1) if number(c[i]) == w and number(c[i + 1]) == sc)
                head = c[:wi]
                reason = " ".join(x for x in c[wi + 2:] if x)
                head = (head + [""] * 7)[:7] if len(head) < 7 else head[-7:]
                l1 = head[0] or prev[0]
                l2 = head[1] or (prev[1] if not head[0] else "")
                form["indicators"].append({"level1": l1, "level2": l2, "level3": head[2], "nature": head[3],
                                           "value": head[4], "measure": head[5], "actual": head[6],
                                           "weight": fmt(w), "score": fmt(sc), "reason": reason})
                prev = (l1, l2)
            elif phase == "tail" and cells:
                if cells[0] in ("评价结论", "存在问题", "改进措施"):
                    form["extra"].setdefault("tail", []).append([cells[0], cells[1] if len(cells) > 1 else ""])
                elif cells[0].startswith("项目负责人"):
                    form["extra"]["signatures"] = cells
        form["total"] = {"weight": fmt(info.get("total_weight")), "score": fmt(info.get("total"))}
        out.append(form)
    return out


def rubric_form(lines: list[str]) -> dict:
    s = next(i for i, l in enumerate(lines) if "部门整体支出绩效评价指标体系" in l)
    e = next(i for i in range(s, len(lines)) if lines[i].startswith("附件") or "部门预算项目支出绩效自评表（" in lines[i]
             and i > s + 5)
    form = {"seed": "004", "line": s + 1, "layout": "rubric", "title": lines[s].strip(), "subtitle": [],
            "project": "", "department": "", "implementer": "", "funds": [], "mgmt": [],
            "goals": {"expected": "", "actual": ""}, "indicators": [], "total": {}, "grade": "", "unit": "",
            "extra": {}, "notes": []}
    prev = ("", "")
    raw = []
    for i in range(s + 1, e):
        l = lines[i]
        if l.startswith("\t"):
            raw.append([clean(c) for c in l[1:].split("\t")] if "\t" in l[1:] else [clean(l[1:])])
        elif l.strip() == "":
            raw.append(None)
        else:
            raw.append(["\x00" + clean(l)])  # untabbed continuation of the previous cell
    rows, cur = [], []
    for item in raw:
        if item is None:
            if cur:
                rows.append(cur)
            cur = []
        elif item[0].startswith("\x00"):
            if not cur and rows:
                cur = rows.pop()  # a row broken by a blank line and an untabbed continuation
            if cur:
                cur[-1] += item[0][1:]
        else:
            cur.extend(item)
    if cur:
        rows.append(cur)
    for cells in rows:
        c = [x for x in cells]
        if not c or c[0] in ("绩效指标", "一级指标"):
            continue
        nums = [(i, number(x)) for i, x in enumerate(c) if number(x) is not None]
        if not nums:
            continue
        wi, w = nums[0]
        si, sc = nums[-1] if len(nums) > 1 else (len(c) - 1, None)  # 自评准确: score left blank
        head = c[:wi]
        l1, l2 = prev
        names = [x for x in head if x]
        if len(names) == 3:
            l1, l2, l3 = names
        elif len(names) == 2:
            l2, l3 = names
        else:
            l3 = names[0] if names else ""
        texts = [x for x in c[wi + 1:si] if x]
        form["indicators"].append({"level1": l1, "level2": l2, "level3": l3, "weight": fmt(w), "score": fmt(sc),
                                   "explanation": texts[0] if texts else "",
                                   "rule": texts[1] if len(texts) > 1 else "",
                                   "reason": " ".join(x for x in c[si + 1:] if x)})
        prev = (l1, l2)
    scores = sum(number(r["score"]) or 0 for r in form["indicators"])
    form["total"] = {"weight": fmt(sum(number(r["weight"]) or 0 for r in form["indicators"])), "score": fmt(scores)}
    return form


# ------------------------------------------------------------------------------------------ all seeds
SEED_YEARS = {"000": 2023, "001": 2021, "002": 2024, "003": 2024, "004": 2023}


def extract(seeds: Path) -> list[dict]:
    ci = load_checker(seeds)
    forms: list[dict] = []
    for sid in ("000", "001", "002", "003"):
        lines = ci.load(str(seeds), sid)
        ci.SEED_CTX["sid"] = sid
        for s, e in ci.split_forms(lines):
            info = ci.score_form_tabbed(lines, s, e)
            if not info or not (info["ind"] or info["total"] is not None):
                continue
            form = parse_tabbed_form(ci, sid, lines, s, e, info)
            if form["layout"] == "whole_henan":
                whole_henan_extra(lines, form)
            elif form["layout"] == "whole_county":
                whole_county_extra(lines, form)
            forms.append(form)
        if sid == "001":
            forms.extend(summary_forms(lines))
    lines = ci.load(str(seeds), "004")
    forms.append(rubric_form(lines))
    forms.extend(sichuan_forms(ci, lines))
    for f in forms:
        f["year"] = SEED_YEARS[f["seed"]]
    return forms


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("seeds", type=Path)
    ap.add_argument("-o", "--out", type=Path, default=DATA)
    args = ap.parse_args(argv)
    if not (args.seeds / "check_identities.py").exists():
        print(f"{args.seeds}: no check_identities.py (the seeds folder)", file=sys.stderr)
        return 2
    forms = extract(args.seeds)
    text = json.dumps({"_about": "绩效自评 forms of the seed disclosures (scripts/samplegen/seedforms.py)",
                       "forms": forms}, ensure_ascii=False, indent=0, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    by = {}
    for f in forms:
        by[(f["seed"], f["layout"])] = by.get((f["seed"], f["layout"]), 0) + 1
    for k, v in sorted(by.items()):
        print(*k, v)
    print(f"{len(forms)} forms → {args.out} ({len(text) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
