"""Header cells get a confidence and review flags too (issue 10, item 3).

A table's header is read like its body, and can be misread like it: a 栏次 number read wrong, a label cut
in two by a stray rule. What a header cell is checked against:

- the 栏次 row (``栏次 | 1 | 2 | 3 …``): its numbers run 1, 2, 3 … from left to right. The run most
  numbers agree on is taken; a number off that run, or a cell of the row that is no number at all, gets
  ``lanci_sequence``;
- the table's template (``models/templates``): a header text that names one of the template's columns is
  confirmed by it. Two side-by-side cells of one header row whose texts name a column only when joined
  (``基本`` | ``支出``), or whose texts run into the rule between them from both sides (printed labels keep a
  margin; a label the template does not know, such as 公务用车购置及运行维护费 over three columns, is caught
  so), are one label cut by a stray rule: both get ``header_split``; where the cut label is a column's own
  (the rule runs down the body too) the table's structure is doubtful (:func:`splits_columns`,
  :func:`pipeline.verdict.structure_doubts`);
- the printed labels of the template (``models/templates/header_labels.json``, from the seeds and the Shanghai
  决算): a scanned header text that reads near one of them (``misread_ratio``) but equals none of any template
  is a misread — a label cut at a skewed cell's edge (对附属单位补助支), a character misread (功能分美科目编码), a
  stray mark (1项目支出), two labels run together where a rule was lost (项目科目名称) — and gets
  ``header_misread``; a text layer's label is as printed (a variant, not a misread). A header in which none of
  the template's upper-row labels (收入 | 支出 of 公开01/04表) is read lost that row (a worn top rule: the
  grid starts below it), so every label sits a row too high: all its printed cells get ``header_rows_lost``;
- the reading itself: its weakest character score (1.0 from a text layer), a seal or watermark over it.

Confidence: ``p = σ(logit(ocr) + confirmed_weight·confirmed − seal/watermark penalties)``; a cell with one of
``HEADER_REASONS`` is always flagged (and not confirmed), otherwise ``review = p < threshold`` (the body's
review threshold, :mod:`pipeline.score`); a header cell of a table whose columns or header are doubtful gets
``structure`` afterwards (:func:`pipeline.verdict.mark_structure`), flagged, its confidence capped. A cell a
side of which was inferred from the text (``rule_missing``) and that names no column is flagged. Blank header cells (the empty parts of a merged band) say nothing
and keep confidence 1. A reviewer-corrected header cell keeps confidence 1.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from .headers import CODE_PIECES, LANCI_WORDS, is_amount_column, is_lanci_row
from .model import Document, HeaderEntry, Table
from .score import _logit, load_model
from .resources import load_json
from .templates import ColumnSpec, Template, _plain, load_templates
from .textnorm import compare_key

LANCI_SEQUENCE = "lanci_sequence"  # a 栏次 number off the run 1, 2, 3 … (misread, or not a number)
HEADER_SPLIT = "header_split"  # a label cut in two by a stray rule: neither half names a column, joined they do
HEADER_MISREAD = "header_misread"  # reads near a printed label of its template, equal to none (see the module doc)
HEADER_ROWS_LOST = "header_rows_lost"  # none of the template's upper-row labels in the header: that row was lost
HEADER_REASONS = (LANCI_SEQUENCE, HEADER_SPLIT, HEADER_MISREAD, HEADER_ROWS_LOST)
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class HeaderSettings:
    confirmed_weight: float = 3.0  # logit added when the template names the text
    seal_weight: float = -0.7
    watermark_weight: float = -0.4
    ocr_floor: float = 1e-4
    cut_margin_mm: float = 0.8  # text this close to a rule on both sides of it: a label cut (see _runs_into_rule)
    cut_margins_mm: float = 1.3
    misread_ratio: float = 75.0  # rapidfuzz ratio to the nearest printed label at and above which a reading is a misread
    relabel_ratio: float = 60.0  # a column label this near its template's nearest printed label …
    relabel_margin: float = 20.0  # … and this much nearer it than the next is that label (restore_column_labels)
    group_ratio: float = 50.0  # an upper-row label counts as read in a cell of its length with half its characters right
    threshold: float | None = None  # None: the body's review threshold (models/calibration.json)


def check_headers(doc: Document, settings: HeaderSettings = HeaderSettings()) -> None:
    """Set confidence, review and the header reasons of every header cell of ``doc``; one
    ``header_cells`` warning per table with flagged header cells."""
    threshold = settings.threshold if settings.threshold is not None else load_model().threshold
    templates = load_templates()
    vocabulary = [s for t in templates.values() for s in t.columns]
    for table in doc.tables:
        template = templates.get(table.template or "")
        check_table_header(table, template, vocabulary, threshold, settings)
    header_warnings(doc)


def header_warnings(doc: Document) -> None:
    """One ``header_cells`` warning per table with flagged header cells (recomputed)."""
    doc.warnings = [w for w in doc.warnings if w.get("kind") != "header_cells"]
    for table in doc.tables:
        flagged = [h for h in table.header_cells if h.cell.review]
        if flagged:
            reasons = sorted({r for h in flagged for r in h.cell.reasons if r in HEADER_REASONS + ("structure",)}
                             or {"low_confidence"})
            doc.warnings.append({"kind": "header_cells", "table": table.id, "pages": list(table.pages),
                                 "cells": len(flagged), "reasons": reasons})


def check_table_header(table: Table, template: Template | None, vocabulary: list[ColumnSpec], threshold: float,
                       settings: HeaderSettings = HeaderSettings()) -> None:
    entries = table.header_cells
    for h in entries:
        h.cell.reasons = [r for r in h.cell.reasons if r not in HEADER_REASONS]
    if not entries:
        return
    specs = template.columns if template is not None and template.columns else vocabulary
    lanci_rows = _lanci_rows(table)
    for r in lanci_rows:
        for h in out_of_sequence([h for h in entries if h.row == r]):
            h.cell.add_reason(LANCI_SEQUENCE)
    printed = printed_labels()[0].get(template.id, frozenset()) if template is not None else frozenset()
    for h in split_labels([h for h in entries if h.row not in lanci_rows], specs, settings, printed):
        h.cell.add_reason(HEADER_SPLIT)
    if template is not None:
        for h in entries:
            if h.row not in lanci_rows and h.cell.ocr_score < 1.0 and (
                    misread_label(h.cell.text, template.id, settings)
                    or nearest_printed_label(h.cell.text, template.id, settings)):
                h.cell.add_reason(HEADER_MISREAD)
        # a column labelled from its template (labels_by_position, labels_from_template) over a header cell of
        # its own whose text names no column (台tf under 合计): the printed label was misread
        for h in entries:
            own = [o for o in entries if o.col == h.col and o.colspan == 1 and o.row not in lanci_rows
                   and o.cell.text.strip()]
            if own == [h] and h.col < len(table.columns) and not _names_a_column(h.cell.text, specs) \
                    and _names_a_column(table.columns[h.col].split("/")[-1], specs) \
                    and compare_key(h.cell.text) not in {compare_key(p) for p in table.columns[h.col].split("/")}:
                h.cell.add_reason(HEADER_MISREAD)
        if upper_row_lost(entries, template.id, settings):
            for h in entries:
                if h.cell.text.strip():
                    h.cell.add_reason(HEADER_ROWS_LOST)
    unsure_spans = span_unsure(entries, lanci_rows)
    misplaced = walls_misplaced(entries, lanci_rows)
    for h in entries:
        cell = h.cell
        if cell.reviewed:
            cell.confidence, cell.review = 1.0, False
            continue
        if not cell.text.strip():
            cell.confidence, cell.review = 1.0, False
            continue
        doubted = any(r in cell.reasons for r in HEADER_REASONS)
        confirmed = h.row not in lanci_rows and not doubted and _names_a_column(cell.text, specs)
        if h.row in lanci_rows and LANCI_SEQUENCE not in cell.reasons:
            confirmed = True  # in the run its neighbours agree on
        z = _logit(cell.ocr_score, settings.ocr_floor) + settings.confirmed_weight * confirmed
        z += settings.seal_weight * ("seal" in cell.reasons) + settings.watermark_weight * ("watermark" in cell.reasons)
        cell.confidence = 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))
        if "rule_missing" in cell.reasons and (not confirmed or h in unsure_spans):
            # a side of it inferred from the text (pipeline.textgrid): a label wrapped over lines may have been
            # cut into rows (经济分 | 类科目 | 编码); one that names no column is in doubt, and so is where an
            # upper-row label beside a blank cell ends (人员经费 over three columns, read over the middle one)
            cell.confidence = min(cell.confidence, 0.5)
        if h in misplaced:
            cell.confidence = min(cell.confidence, 0.5)
        cell.review = cell.confidence < threshold or doubted


def span_unsure(entries: list[HeaderEntry], lanci_rows: set[int]) -> list[HeaderEntry]:
    """Upper-row labels (a label row below them) with a blank cell of their row beside them (no word in it), or
    beside another such label, both with a side inferred: a label printed over several columns is read in one
    of them when the rules of that row are inferred, so how far it spans is a guess."""
    label_rows = {h.row + h.rowspan - 1 for h in entries if h.row not in lanci_rows and h.cell.text.strip()}
    if not label_rows:
        return []
    last = max(label_rows)
    blank = {(h.row, c) for h in entries if not _HAN.search(h.cell.text)  # (a stray mark read there: “A”)
             for c in range(h.col, h.col + h.colspan)}
    # two upper-row labels side by side, a side of each inferred: the wall between them is a guess too (calibration
    # gen7_006 heavy300 公开08表: 项目 read over 小计 as well, 本年支出 over 基本支出 | 项目支出 only, unflagged)
    inferred = {(h.row, c) for h in entries if _HAN.search(h.cell.text) and "rule_missing" in h.cell.reasons
                for c in range(h.col, h.col + h.colspan)}
    return [h for h in entries if h.cell.text.strip() and h.row not in lanci_rows and h.row + h.rowspan - 1 < last
            and ((h.row, h.col - 1) in blank or (h.row, h.col + h.colspan) in blank
                 or "rule_missing" in h.cell.reasons
                 and ((h.row, h.col - 1) in inferred or (h.row, h.col + h.colspan) in inferred))]


def walls_misplaced(entries: list[HeaderEntry], lanci_rows: set[int]) -> list[HeaderEntry]:
    """Upper-row labels whose walls in that row stand where the header prints none, whether or not a rule was
    seen there (a worn copy's faint column rule run up through the upper row, or that row's rule lost):
    - beside a blank upper cell that has a label right under it (项目 read over 科目名称 only, the cell over
      科目代码 left blank: a printed header's upper cell over a label is that label's or a group's, never blank);
    - a label reaching down from the upper row beside a group label (spanning columns) with a side of it
      inferred (项目支出 from the top of the header beside 本年支出 over 小计 | 基本支出: it is the group's third
      column, the row rule under the group lost over it).
    Both, and the group beside the second, are in doubt."""
    labelled = {(h.row, c) for h in entries if _HAN.search(h.cell.text) for c in range(h.col, h.col + h.colspan)}
    blank = {(h.row, c) for h in entries if not _HAN.search(h.cell.text) and h.row not in lanci_rows
             for c in range(h.col, h.col + h.colspan)}
    upper = [h for h in entries if h.row not in lanci_rows and _HAN.search(h.cell.text)
             and (h.row + h.rowspan, h.col) in labelled]  # a label row below it
    out = []
    for h in upper:
        for c in (h.col - 1, h.col + h.colspan):
            if (h.row, c) in blank and (h.row + 1, c) in labelled and h not in out:
                out.append(h)
    groups = [h for h in upper if h.colspan >= 2 and h.rowspan == 1]
    for h in entries:
        if h.rowspan < 2 or "rule_missing" not in h.cell.reasons or not _HAN.search(h.cell.text):
            continue
        for g in groups:
            if g.row == h.row and (g.col + g.colspan == h.col or h.col + h.colspan == g.col):
                out += [x for x in (h, g) if x not in out]
    return out


@lru_cache(maxsize=1)
def printed_labels() -> tuple[dict[str, frozenset[str]], dict[str, tuple[str, ...]], frozenset[str]]:
    """Per template its printed header labels and its upper-row (group) labels, and all labels of all
    templates (``models/templates/header_labels.json``), as ``compare_key``s."""
    data = load_json("templates", "header_labels.json")
    labels = {t: frozenset(compare_key(x) for x in v) for t, v in data["labels"].items()}
    groups = {t: tuple(compare_key(x) for x in v) for t, v in data.get("groups", {}).items()}
    return labels, groups, frozenset().union(*labels.values())


def misread_label(text: str, template_id: str, settings: HeaderSettings = HeaderSettings()) -> str | None:
    """The printed label of ``template_id`` that ``text`` is a misreading of (near it, equal to no label of any
    template; a 栏次 number or word is no label), else None."""
    labels, _, known = printed_labels()
    key = compare_key(text)
    own = labels.get(template_id)
    if not own or not key or key in known or key.isdigit() or key in LANCI_WORDS:
        return None
    # two printed labels run together (科目代码科目名称): the rule between their cells was lost
    joined = next((key[:i] for i in range(2, len(key) - 1) if key[:i] in own and key[i:] in own), None)
    if joined:
        return joined
    best = max(own, key=lambda lab: fuzz.ratio(key, lab))
    if best in key and len(_HAN.findall(key.replace(best, "", 1))) >= 2:
        return None  # a printed label with words of its own (全年预算数, 年初预算数): an edition's variant
    return best if fuzz.ratio(key, best) >= settings.misread_ratio else None


def restore_column_labels(table: Table, settings: HeaderSettings = HeaderSettings()) -> int:
    """A scanned column label that reads near one printed label of the table's template and equals no label of
    any template (政府性基全预算材改拔款), and that read so would change what the column holds, is that printed
    label: a misread character must not turn an amount column into text (拔款 is not 拨款: 25 amounts without
    values, unflagged). The header cell keeps its reading (flagged ``header_misread`` by
    :func:`check_table_header`); a label misread without that effect stays as read for the reviewer.
    Two labels run together (项目科目名称) are left to :func:`pipeline.templates.split_shared_labels`.
    Returns the number of columns relabelled."""
    if table.template not in printed_labels()[0]:
        return 0
    printed = {compare_key(x): x for x in load_json("templates", "header_labels.json")["labels"][table.template]}
    fixed = 0
    for ci, label in enumerate(table.columns):
        prefix, _, text = label.rpartition("/")
        best = nearest_printed_label(text, table.template, settings)
        # only where the misread would change what the column holds: other labels stay as read (their header
        # cell flagged; a reviewer's correction names the column, pipeline.review)
        if best is not None and best in printed and is_amount_column(printed[best]) != is_amount_column(text):
            table.columns[ci] = f"{prefix}/{printed[best]}" if prefix else printed[best]
            fixed += 1
    return fixed


def join_stacked_labels(table: Table) -> int:
    """A scanned column whose label names none of its template's columns, under header cells of that column
    alone stacked one on another, whose texts joined top to bottom name one that no other column's label
    names, takes the joined text: one label printed on two lines and cut between them by a row line inferred
    from the text (real caizheng 公开04表 as a worn photocopy: 一般公共预算 | 财政拨款 one above the other, the
    column labelled 财政拨款 and its role taken by 国有资本经营预算财政拨款's column, every expense row's
    合计 = Σ failing). The header cells keep their readings. Returns the number of columns relabelled."""
    from .templates import load_templates

    template = load_templates().get(table.template or "")
    if template is None:
        return 0
    specs = [sp for sp in template.columns if sp.match]

    def names(label: str) -> list:
        key = compare_key(label)
        return [sp for sp in specs if key and sp.matches(key)]

    fixed = 0
    for ci, label in enumerate(table.columns):
        if names(label.split("/")[-1]):
            continue
        stack = sorted((h for h in table.header_cells if h.col == ci and h.colspan == 1 and h.cell.text.strip()
                        and h.row not in _lanci_rows(table)), key=lambda h: h.row)
        if len(stack) < 2 or any(a.row + a.rowspan != b.row for a, b in zip(stack, stack[1:])):
            continue
        joined = "".join(h.cell.text.strip() for h in stack)
        found = names(joined)
        others = [sp for k, other in enumerate(table.columns) if k != ci for sp in names(other.split("/")[-1])]
        if found and not any(sp in others for sp in found):
            table.columns[ci] = joined
            fixed += 1
    return fixed


def labels_from_template(table: Table) -> int:
    """A scanned table whose header was not read at all (every column label blank: its rules and labels worn
    away, the grid starting at its body — real caizheng 公开05表 as a worn photocopy, whose 19 identities then
    all failed, no column having a role) takes its template's labels when its body lays out as the template
    does: code columns first (类 | 款 | 项, or one), the name column, then exactly as many columns as the
    template has amount columns, each holding amounts or nothing — or fewer, when those with print stand at
    either end and blank ones between them, where the lost ones are put back. The header grid stays as read
    (empty), so the table's structure stays in doubt (``header_unmatched``) unless its identities bear it out
    (:func:`pipeline.verdict._body_confirmed`). An economic-classification table's blocks are labelled by
    :func:`_econ_labels_from_body`. Returns the number of columns labelled."""
    from .templates import load_templates
    from .verdict import _content_kind

    template = load_templates().get(table.template or "")
    if template is None or not table.rows or any(c.strip() for c in table.columns):
        return 0
    if template.layout == "econ_blocks":
        return _econ_labels_from_body(table)
    if template.layout == "two_sided":
        return _two_sided_labels_from_body(table, template)
    if len(template.columns) < 3:
        return 0
    specs = template.columns
    amounts = specs[2:]
    if specs[0].role != "code" or specs[1].role != "name" or any(s.multi or s.optional or not s.match for s in amounts):
        return 0

    def kinds(ci: int) -> list[str]:  # (类 | 款 | 项 over the code cells: the header's last row run into the body)
        return [_content_kind(r.cells[ci].text) if not re.fullmatch(r"\d{2}", r.cells[ci].text.strip()) else "part"
                for r in table.rows if ci < len(r.cells) and r.cells[ci].text.strip()
                and r.cells[ci].text.strip() not in CODE_PIECES]

    n = len(table.columns)
    kinds_of = [kinds(ci) for ci in range(n)]
    n_code = next((k for k in range(n) if not kinds_of[k] or any(x not in ("code", "part") for x in kinds_of[k])), n)
    if n_code not in (1, 3):
        return 0
    if any(not kinds_of[k] for k in range(n_code)) or sum(x in ("words", "code_name") for x in kinds_of[n_code]) \
            <= len(kinds_of[n_code]) / 2:
        return 0

    def blank(ci: int) -> bool:  # (specks read as a mark or two in a few cells of it, “S7”, “1”, aside)
        ks = kinds_of[ci]
        return not ks or (len(ks) <= max(1, len(table.rows) // 4) and "amount" not in ks
                          and all(len(r.cells[ci].text.strip()) <= 2 for r in table.rows if ci < len(r.cells)))

    for ci in range(n_code + 1, n):
        ks = kinds_of[ci]
        if ks and not blank(ci) and sum(x == "amount" for x in ks) <= len(ks) / 2:
            return 0
    lost = len(amounts) - (n - n_code - 1)
    blanks = [ci for ci in range(n_code + 1, n) if blank(ci)]
    if lost > 0 and blanks and blanks == list(range(blanks[0], blanks[-1] + 1)) \
            and blanks[0] > n_code + 1 and blanks[-1] < n - 1:
        # fewer amount columns than the template's, those with print at either end and a run of blank ones
        # between them (real caizheng 收入决算表: 合计 | 财政拨款 … 其他收入, two rules lost among the blank
        # 上级补助 … 附属单位上缴 columns): which blank columns merged is not known, and need not be — the lost
        # ones are blank too, put back inside the run, every cell of the run ``rule_missing``. (Between two
        # columns with print the text shows a gutter, so their rule is found or inferred: the columns with print
        # are the template's first and last, in order. Print between blank columns could stand in any of them:
        # no labels then.)
        from .interpret import _insert_column

        for _ in range(lost):
            _insert_column(table, blanks[0])
        for row in table.rows:
            for ci in range(blanks[0], blanks[-1] + lost + 1):
                if ci < len(row.cells):
                    row.cells[ci].add_reason("rule_missing")
        n = len(table.columns)
    if n - n_code - 1 != len(amounts):
        return 0
    code_labels = list(CODE_PIECES) if n_code == 3 else ["科目编码"]
    table.columns = code_labels + ["科目名称"] + [s.plain for s in amounts]
    for row in table.rows:  # the header's 类 | 款 | 项 read in a body row's code cells: no code, reviewed
        for cell in row.cells[:n_code]:
            if cell.text.strip() in CODE_PIECES:
                cell.add_reason("format")
    return n


_STROKES = r"[一二十丨]"  # (strokes of a lost rule or of the watermark read as characters: “十一一”)


def _two_sided_labels_from_body(table: Table, template, share: float = 0.6) -> int:
    """:func:`labels_from_template` for a 收支总表 (公开01/04表: 项目 | 决算数 beside 项目 | 合计 | 一般公共预算 …,
    行次 columns optional, taken where a column of line numbers stands): a table with exactly as many columns as
    the template has then takes their labels when every item column reads as labels (``share`` of its cells
    with print two Chinese characters or more) and no amount column holds labels (in an eighth of the rows at
    most: strokes of a lost rule or of the watermark, read “1”, “L:” or “十一一”, are no labels). Real guihua
    公开04表 as a worn photocopy lost its header with the page's upper rules: its seven columns unnamed, none of
    its 30 identities could be built and every cell was in doubt."""
    from .interpret import _CJK2
    from .verdict import _content_kind

    n = len(table.columns)

    specs = _two_sided_specs(table, template, share)
    if n != len(specs) or not any(s.role.endswith("_item") for s in specs):
        return 0
    for ci, spec in enumerate(specs):
        texts = column_texts(table, ci)
        kinds = [_content_kind(t) for t in texts]
        if spec.role.endswith("_line"):
            continue
        if spec.role.endswith("_item"):
            # (specks read as a mark or two in the blank rows of a side aside: “A”, “K”, “い”)
            kinds = [k for k, t in zip(kinds, texts) if k == "words" or len(t) > 2]
            if not kinds or sum(k == "words" for k in kinds) < share * len(kinds):
                return 0
        elif sum(k in ("words", "code_name", "run_on") and bool(_CJK2.search(re.sub(_STROKES, "", t)))
                 for k, t in zip(kinds, texts)) > max(1, len(table.rows) // 8):
            return 0  # (a column of labels where amounts belong: the columns are not the template's)
    table.columns = ["项目" if s.role.endswith("_item") else s.plain for s in specs]
    return n


def column_texts(table: Table, ci: int) -> list[str]:
    return [r.cells[ci].text.strip() for r in table.rows if ci < len(r.cells) and r.cells[ci].text.strip()]


def line_number_column(table: Table, ci: int, share: float = 0.6) -> bool:
    """A 行次 column: numbers of a line (one or two digits) in most of its cells."""
    texts = column_texts(table, ci)
    return len(texts) >= 3 and sum(bool(re.fullmatch(r"\d{1,2}", t)) for t in texts) >= share * len(texts)


def _two_sided_specs(table: Table, template, share: float = 0.6) -> list:
    """A 收支总表's columns in order: its template's, with each optional 行次 column where the table has a column
    of line numbers."""
    specs, ci = [], 0
    for s in template.columns:
        if s.optional and not (s.role.endswith("_line") and ci < len(table.columns)
                               and line_number_column(table, ci, share)):
            continue
        specs.append(s)
        ci += 1
    return specs


def labels_by_position(table: Table, share: float = 0.5) -> int:
    """A scanned table with exactly its template's columns, each of whose labels that names a column of the
    template names the one at its own place, takes the template's label for each column whose label names none
    (worn to strokes, near no printed label: 台tf for 合计, 项 for 项目; a misreading of a printed label stays as
    read for the reviewer, as restore_column_labels leaves it —
    seed-41 police 公开04表 as a worn photocopy: three roles without a column, not one of its identities built,
    288 cells in review) — when at least ``share`` of its columns are named so, and each relabelled column
    holds what the template's does there (amounts or nothing, words, codes, line numbers). The header cells
    keep their readings (flagged ``header_misread``), so the table's structure is judged by its identities
    (:func:`pipeline.verdict._body_confirmed`). Returns the number of columns relabelled."""
    from .verdict import _content_kind

    template = load_templates().get(table.template or "")
    if template is None or not table.rows or not template.columns:
        return 0
    n = len(table.columns)
    if template.layout == "two_sided":
        specs = _two_sided_specs(table, template)
    elif template.layout == "econ_blocks" or any(s.optional for s in template.columns) and n != len(template.columns):
        return 0  # (a template with optional columns: by position only when the table has every one of them)
    else:
        specs = list(template.columns)
        if specs[0].role == "code" and n == len(specs) + 2:
            specs = [specs[0]] * 2 + specs  # 类 | 款 | 项
    if n != len(specs):
        return 0
    keys = [compare_key(c) for c in table.columns]
    # (one label over a run of columns — its rules lost in the header, “目名称本平教入合计” over 科目编码 | 科目名称 |
    # 本年收入合计 of seed-45 police 公开02表 — names the column of the run it names, and none of the others; so
    # does one under marks of the row above that differ — 项目/科目名称 | O/科目名称 over 科目名称 | 本年收入合计 of
    # seed-47 education 公开02表)
    # (the last part only where it names a column of the template: a 栏次 row read into the header, “1115500”
    # under 行次金额 and 都/行次金额, makes no run)
    leaves = [leaf if any(sp.matches(leaf) for sp in template.columns) else key
              for leaf, key in ((compare_key(c.split("/")[-1]), k) for c, k in zip(table.columns, keys))]
    shared = {ci for ci in range(n) if leaves[ci] and (ci > 0 and leaves[ci - 1] == leaves[ci]
                                                      or ci + 1 < n and leaves[ci + 1] == leaves[ci])}
    # (a run whose label holds every one of its columns' labels, 上级补助收入事业收入 over 上级补助收入 | 事业收入,
    # is cut into them by templates.split_shared_labels: left to it)
    shared -= {ci for ci in shared if all(any(re.search(_plain(p), leaves[ci]) for p in specs[c].match)
                                          for c in range(n) if leaves[c] == leaves[ci])}
    named = [bool(k) and (specs[ci].matches(k) if ci in shared else any(sp.matches(k) for sp in template.columns))
             for ci, k in enumerate(keys)]
    if any(named[ci] and not specs[ci].matches(keys[ci]) for ci in range(n)) or sum(named) < share * n \
            or all(named):
        return 0
    printed = load_json("templates", "header_labels.json")["labels"].get(table.template, [])
    labels = list(table.columns)
    for ci in (c for c in range(n) if not named[c]):
        if keys[ci] and ci not in shared \
                and nearest_printed_label(table.columns[ci].split("/")[-1], table.template) is not None:
            continue  # a misreading of a printed label stays as read for the reviewer (restore_column_labels)
        spec = specs[ci]
        texts = [t for t in column_texts(table, ci) if _content_kind(t)]
        kinds = [_content_kind(t) for t in texts]
        if spec.role.endswith("_line"):
            fits = line_number_column(table, ci)
        elif spec.role.endswith("_item") or spec.role == "name":
            fits = bool(kinds) and kinds.count("words") >= 0.6 * len(kinds)
        elif spec.role == "code":
            fits = bool(kinds) and sum(k in ("code", "code_name") for k in kinds) >= 0.6 * len(kinds)
        else:  # (a blank column fits; so do amounts whose separators were read as points, “4.086.00”)
            fits = sum(k == "amount" or _digits_mostly(t) for t, k in zip(texts, kinds)) >= 0.6 * len(kinds)
        if not fits:
            return 0
        if spec.role.endswith("_item"):
            labels[ci] = "项目"
        elif spec.role == "code":
            labels[ci] = "科目编码" if n == len(template.columns) else CODE_PIECES[ci]
        else:
            label = next((x for x in printed if spec.matches(compare_key(x))), None)
            if label is None and not spec.match:
                return 0
            labels[ci] = label or spec.plain
    fixed = sum(a != b for a, b in zip(labels, table.columns))
    table.columns = labels
    return fixed


def _digits_mostly(text: str) -> bool:
    """A number misread (“=24.148.33”, “4.086.00”): three digits or more, 70 % of its characters or more digits
    (a whole code is one too: callers judge a column whose place is an amount's, not a code's)."""
    t = re.sub(r"\s+", "", text)
    digits = sum(ch.isdigit() for ch in t)
    return digits >= 3 and digits >= 0.7 * len(t)


def _econ_labels_from_body(table: Table, share: float = 0.6) -> int:
    """:func:`labels_from_template` for an economic-classification table (公开06表: blocks of 类 | 款 | 科目名称 |
    决算数, or 科目编码 | 科目名称 | 决算数, side by side), which names its columns by no role: when every column
    of its body reads as its place in such blocks — 3-digit class codes (or whole codes), 2-digit 款 pieces after
    them, words, then amounts or nothing — the columns take those labels (real caizheng 公开06表 as a worn
    photocopy: its header lost above the grid, the 款 pieces taken for the block's names, so no class sum was
    built and every cell of the table went to review). Returns the number of columns labelled."""
    from .verdict import _content_kind

    def kind(ci: int) -> str:
        texts = [re.sub(r"\s+", "", r.cells[ci].text) for r in table.rows if ci < len(r.cells)]
        texts = [t for t in texts if t]
        if not texts:
            return "blank"
        for name, test in (("class", lambda t: _content_kind(t) == "code" and len(t) == 3),
                           ("code", lambda t: _content_kind(t) == "code"),
                           ("part", lambda t: bool(re.fullmatch(r"\d{2}", t))),
                           ("words", lambda t: _content_kind(t) in ("words", "code_name"))):
            if sum(test(t) for t in texts) >= share * len(texts):
                return name
        # amounts, among the specks and strokes a worn column of them reads (M, 11一): more than codes and words
        found = [_content_kind(t) for t in texts]
        if found.count("amount") >= 2 and found.count("amount") > sum(x in ("code", "words", "code_name") for x in found):
            return "amount"
        return "other"

    kinds = [kind(ci) for ci in range(len(table.columns))]
    labels: list[str] = []
    k = 0
    while k < len(kinds):
        if kinds[k:k + 4][:2] == ["class", "part"] and kinds[k + 2:k + 3] == ["words"] \
                and kinds[k + 3:k + 4] in (["amount"], ["blank"]):
            labels += [*CODE_PIECES[:2], "科目名称", "决算数"]
            k += 4
        elif kinds[k] in ("class", "code") and kinds[k + 1:k + 2] == ["words"] \
                and kinds[k + 2:k + 3] in (["amount"], ["blank"]):
            labels += ["科目编码", "科目名称", "决算数"]
            k += 3
        else:
            return 0
    if "amount" not in kinds:
        return 0
    table.columns = labels
    return len(labels)


def nearest_printed_label(text: str, template_id: str, settings: HeaderSettings = HeaderSettings()) -> str | None:
    """The printed label of ``template_id`` (as a ``compare_key``) that ``text`` is a misreading of — equal to no
    label of any template, ``relabel_ratio`` near it and ``relabel_margin`` nearer it than to any other — else
    None. Looser than :func:`misread_label` (three characters of eleven misread: 政府性基全预算材改拔款), stricter
    in that the label must stand out from the others."""
    labels, _, known = printed_labels()
    own = labels.get(template_id)
    key = compare_key(text)
    if not own or not key or key in known or key.isdigit() or key in LANCI_WORDS:
        return None
    ranked = sorted(own, key=lambda lab: (-fuzz.ratio(key, lab), lab))
    best = ranked[0]
    if best in key and len(_HAN.findall(key.replace(best, "", 1))) >= 2:
        return None  # a printed label with words of its own: an edition's variant
    # (a label the text holds whole and that is a part of the best one — the group 经济分类 in 经济分类科H编科, a
    # worn photocopy's 经济分类科目编码 — is no rival: the text's further characters tell them apart)
    rivals = [lab for lab in ranked[1:] if not (lab in best and lab in key)]
    near, second = fuzz.ratio(key, best), (fuzz.ratio(key, rivals[0]) if rivals else 0.0)
    return best if near >= settings.relabel_ratio and near - second >= settings.relabel_margin else None


def upper_row_lost(entries: list[HeaderEntry], template_id: str, settings: HeaderSettings = HeaderSettings()) -> bool:
    """None of the template's upper-row labels is read in the scanned header (not even half right). A group
    printed only by the editions with a label of their own (``groups_if_label``: 公开06表's 人员经费 | 公用经费
    over code columns labelled 科目代码, not over 经济分类科目编码) counts only where the header reads it."""
    groups = printed_labels()[1].get(template_id)
    keys = [compare_key(h.cell.text) for h in entries if h.cell.text.strip()]
    edition = load_json("templates", "header_labels.json").get("groups_if_label", {}).get(template_id)
    if edition and compare_key(edition) not in keys:
        return False
    if not groups or not keys or all(h.cell.ocr_score >= 1.0 for h in entries):
        return False  # (a text layer's header is as printed: an edition without that row, not a row lost)
    return not any(k == g or (len(k) == len(g) and fuzz.ratio(g, k) >= settings.group_ratio)
                   for g in groups for k in keys)


def _lanci_rows(table: Table) -> set[int]:
    return {r for r, texts in enumerate(table.header) if is_lanci_row(texts)}


def splits_columns(table: Table) -> bool:
    """A ``header_split`` cut a column's own label (no labelled header cell below it): the rule that cut it
    runs down the body too, so the table's columns are split — a structural doubt. A cut spanning label with
    its sub-labels below (公务用车购置及运行维护费 over 小计 | 购置费 | 运行维护费) leaves the columns whole, and so
    does a cut label whose column's own header cells, read top to bottom, name the one template column that
    column takes (real caizheng 公开04表 as a worn photocopy: 政府性基金预 | 算财政拨款 stacked in a narrow column,
    its pieces touching the walls, the column whole and its 14 identities built)."""
    from .templates import resolve_columns

    lanci = _lanci_rows(table)
    template = load_templates().get(table.template or "")
    roles = resolve_columns(table, template) if template is not None and template.columns else {}

    def printed(col: int) -> str:  # the column's own header cells read top to bottom (not a label put back)
        return compare_key("".join(h.cell.text for h in sorted(table.header_cells, key=lambda h: h.row)
                                   if h.col == col and h.colspan == 1 and h.row not in lanci))

    whole = {cols[0] for role, cols in roles.items() if len(cols) == 1
             and [sp.role for sp in template.columns if sp.matches(printed(cols[0]))] == [role]}
    for h in table.header_cells:
        if HEADER_SPLIT not in h.cell.reasons or (h.colspan == 1 and h.col in whole):
            continue
        below = [b for b in table.header_cells if b.row >= h.row + h.rowspan and b.row not in lanci
                 and b.col < h.col + h.colspan and b.col + b.colspan > h.col and b.cell.text.strip()]
        if not below:
            return True
    return False


def out_of_sequence(row: list[HeaderEntry]) -> list[HeaderEntry]:
    """Cells of a 栏次 row off the run 1, 2, 3 … that most of its numbers agree on (or no number at all; all of
    them when that run begins above 1: a 栏次 row numbers its columns from 1). The
    numbers are counted one after another, or — where more of them agree so — with each cell read as no number
    keeping its place in the run (1 | - | 3: a misread 2; the 1 and the 3 agree, the dash is off; a stray mark
    between 1 and 2 takes none)."""
    cells = sorted((h for h in row if h.cell.text.strip()), key=lambda h: h.col)
    slots = [h for h in cells if h.cell.text.strip() not in LANCI_WORDS]
    bad = [h for h in slots if not h.cell.text.strip().isdigit()]
    numbered = [h for h in slots if h.cell.text.strip().isdigit()]
    if len(numbered) >= 2:
        runs = [[int(h.cell.text.strip()) - k for k, h in enumerate(numbered)],
                [int(h.cell.text.strip()) - k for k, h in enumerate(slots) if h.cell.text.strip().isdigit()]]
        offsets = max(runs, key=lambda offs: Counter(offs).most_common(1)[0][1])  # (a tie: counted one after another)
        (best, n), *rest = Counter(offsets).most_common()
        if (rest and rest[0][1] == n) or best != 1:
            # no run wins, or the run begins above 1 — its first numbered column lost, run into the 栏次 cell or
            # another's (seed-41 health 公开07表 as a worn photocopy: 1栏次 | | 2 | 3 …, its 年初结转和结余 column
            # merged into 科目名称): every number is in doubt
            bad.extend(numbered)
        else:
            bad.extend(h for h, off in zip(numbered, offsets) if off != best)
    return sorted(bad, key=lambda h: h.col)


def _runs_into_rule(a: HeaderEntry, b: HeaderEntry, settings: HeaderSettings) -> bool:
    """The texts of ``a`` and ``b`` run into the rule between them from both sides: the paper left on
    either side is under ``cut_margin_mm`` and both together under ``cut_margins_mm`` (a label cut between
    two characters keeps only their side bearings; printed labels keep ≥ 1 mm each)."""
    if a.margins_mm is None or b.margins_mm is None:
        return False
    left, right = a.margins_mm[1], b.margins_mm[0]
    return max(left, right) <= settings.cut_margin_mm and left + right <= settings.cut_margins_mm


def split_labels(entries: list[HeaderEntry], specs: list[ColumnSpec],
                 settings: HeaderSettings = HeaderSettings(), printed: frozenset[str] = frozenset()
                 ) -> list[HeaderEntry]:
    """Side-by-side cells of one header row whose texts run into the rule between them from both sides, or
    that name no column each while their joined text does, or whose joined text is one of the template's
    printed labels (``printed``: :func:`printed_labels`) while neither is a label of any template
    (公务用车购置及运行维 | 护费: a label over three columns, which no column's pattern names whole)."""
    known = printed_labels()[2]
    out: list[HeaderEntry] = []
    by_row: dict[int, list[HeaderEntry]] = {}
    for h in entries:
        by_row.setdefault(h.row, []).append(h)
    for row in by_row.values():
        row.sort(key=lambda h: h.col)
        for a, b in zip(row, row[1:]):
            if b.col != a.col + a.colspan:
                continue
            ka, kb = compare_key(a.cell.text), compare_key(b.cell.text)
            if not ka or not kb or re.search(r"\d", ka + kb):
                continue
            if ka not in known and any((ka + kb).startswith(p) and len(ka) < len(p) for p in printed):
                # a printed label begun in one cell and run on into the next, whatever rows the next spans
                # (公务用 | 车购置及运行维护费… over two rows, their wall lost: calibration gen7_017 公开09表)
                out.extend(h for h in (a, b) if h not in out)
                continue
            if a.rowspan != b.rowspan:
                continue
            if _runs_into_rule(a, b, settings):
                out.extend(h for h in (a, b) if h not in out)
                continue
            if ka + kb in printed and ka not in known and kb not in known:
                out.extend(h for h in (a, b) if h not in out)
                continue
            if _names_a_column(ka, specs) or _names_a_column(kb, specs):
                continue
            if _names_a_column(ka + kb, specs, whole=True):
                out.extend(h for h in (a, b) if h not in out)
    return out


def _names_a_column(text: str, specs: list[ColumnSpec], whole: bool = False) -> bool:
    """The text names a column of ``specs``. ``whole``: a pattern matches it as a whole label (anchored
    patterns, or a plain word equal to it), not a word inside it."""
    key = compare_key(text)
    if not key:
        return False
    for spec in specs:
        for p in spec.match + spec.all:
            m = re.search(p, key)
            if m and (not whole or (m.start() == 0 and m.end() == len(key))):
                return True
    return False
