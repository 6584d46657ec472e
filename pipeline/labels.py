"""Post-correction of OCR'd labels and codes against what the documents are known to print.

Only cells read by OCR are touched, and every change keeps the OCR reading (``cell.original`` and an
alternative), so a reviewer sees both:

- row labels of the 收支总表 (公开01/04表, budget 总表): the fixed vocabulary in
  ``models/templates/row_labels.json`` (“三国防支出” → “三、国防支出”), when one label is clearly closest;
- the name beside a printed code that the matcher accepted: the catalogue name of that code
  (“社会保险经小机构” → “社会保险经办机构”), unless the printed name is a known variant;
- a code the matcher repaired from code + name (“4207” beside 邮电费 → “30207”);
- a total label cut in two by a stray rule between a group's code and name columns (公用经费合 | 计 →
  公用经费合计 in the code column, where a total label spanning both columns is read).
"""
from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from .catalogue import FUNCTIONAL, load_catalogue
from .codes import SUMMARY_TEMPLATES, find_label_blocks, is_total_label, read_code
from .model import Alternative, Cell, Document, Table
from .resources import load_json
from .textnorm import compare_key

_NUMBERING = re.compile(r"^[^\u4e00-\u9fff]*(?:[一二三四五六七八九十]{1,3}[、,，.．·:：]?)?")
_NUMBERING_ONE = re.compile(r"^[^\u4e00-\u9fff]*[一二三四五六七八九十][、,，.．·:：]?")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NUMBERED = re.compile(r"^[一二三四五六七八九十]{1,3}[、,，.．·:：]")


def _core(text: str) -> str:
    """A label without its numbering and without stray marks before it (“T国防支出” → “国防支出”)."""
    return _NUMBERING.sub("", compare_key(text))


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[list[str], list[str], dict[str, list[int]]]:
    labels = load_json("templates", "row_labels.json")["labels"]
    cores: dict[str, list[int]] = {}
    for i, x in enumerate(labels):
        cores.setdefault(_core(x), []).append(i)
    return labels, [compare_key(x) for x in labels], cores


@lru_cache(maxsize=1)
def numbered_runs() -> tuple[tuple[str, ...], ...]:
    """The numbered labels ``row_labels.json`` lists in the order they are printed, run by run (一、一般公共服务支出
    … 二十六、抗疫特别国债安排的支出; 一、一般公共预算财政拨款收入 … 八、其他收入; 一、一般公共预算财政拨款 … 三、…), as
    comparison keys: each run a 收支总表 side's rows, top to bottom."""
    runs: list[list[str]] = []
    for label, key in zip(*_vocabulary()[:2]):
        if not re.match(r"[一二三四五六七八九十]+、", label):
            runs.append([])
        elif label.startswith("一、") or not runs:
            runs.append([key])
        else:
            runs[-1].append(key)
    return tuple(tuple(r) for r in runs if len(r) >= 2)


@lru_cache(maxsize=1)
def _printed_keys() -> frozenset[str]:
    return frozenset(_vocabulary()[1])


def printed_summary_label(text: str) -> bool:
    """A row label the 收支总表 (公开01/04表) print, as read (compared by :func:`compare_key`)."""
    return compare_key(text) in _printed_keys()


def _replace(cell: Cell, text: str, reason: str) -> None:
    if cell.text == text:
        return
    cell.alternatives.insert(0, Alternative(cell.text, cell.ocr_score, "ocr"))
    cell.original = cell.text if cell.original is None else cell.original
    cell.text = text
    cell.add_reason(reason)


def _told_apart(key: str, best: str, rival: str) -> bool:
    """The reading ``key`` holds a character only ``best`` has and none only ``rival`` has: the characters that
    tell the two apart were read as ``best``'s (年末财政搜款结转和结录: 末, not 年初财政拨款结转和结余's 初; 财政 and
    款, which 年末结转和结余 lacks), however many others were misread — the rival is none (seed-45 jincheng 公开04表
    as a worn photocopy: its 年末 row's label left unread, 907.34 a column off in it, no identity through it)."""
    own, theirs = set(best) - set(rival), set(rival) - set(best)
    return bool(own & set(key)) and not theirs & set(key)


def snap_summary_label(text: str, min_score: float = 88.0, margin: float = 4.0, worn_score: float = 60.0,
                       worn_margin: float = 25.0, worn_chars: int = 5, side: int | None = None,
                       weak: bool = False) -> str | None:
    """The known 收支总表 row label an OCR reading stands for, or None when no label is clearly closest.
    ``side``: the reading's column (0 收入, 1 支出): a label of the other side is no rival for a reading one
    character off (年未结转和结余 under 支出 is 年末结转和结余, not 年初结转和结余). ``weak``: the reading is in doubt
    (``low_ocr``): only then is a reading several characters off snapped (a label read surely that is none of
    the list, 八、其他资金收入, is an edition's own: left as read, ``label_unknown``)."""
    labels, keys, cores = _vocabulary()
    key = compare_key(text)
    if not key or key in keys:
        return None
    # the label's own first character may be a numeral (一般…): the numbering taken off greedily or one
    # numeral only
    one_off = _NUMBERING_ONE.sub("", key)
    same_core = list(dict.fromkeys(cores.get(_core(text), []) + (cores.get(one_off, []) if one_off != key else [])))
    if len(same_core) > 1:  # printed with and without numbering: a reading longer than the bare label kept
        # something of the numbering (、政府性…, 一一般… for 一、一般…)
        bare = [i for i in same_core if not _NUMBERED.match(labels[i])]
        numbered = [i for i in same_core if _NUMBERED.match(labels[i])]
        if bare and numbered:
            same_core = numbered if len(key) > len(keys[bare[0]]) else bare
    if len(same_core) == 1 and len(_core(text)) >= 2:
        return labels[same_core[0]]
    best = process.extract(key, keys, scorer=fuzz.ratio, limit=12)
    if side is not None:
        best = [x for x in best if _of_side(labels[x[2]], side)]
    if not best:
        return None
    # (an edition's variant of the label, 年末结转与结余 for 年末结转和结余, is no rival)
    runner_up = next((x[1] for x in best[1:] if not _variants(x[0], best[0][0])), 0.0)
    # (one character misread in a label of five or more, no other label near — of its side, an edition's
    # variant aside: 本年支出台计, 83 — real caizheng 公开01表 as a worn photocopy, its 支出 side's sum over 26 类
    # rows not built for want of its total row; 年未结转和结余 under 支出, 86 against 年末财政拨款结转和结余's 67 —
    # real guihua 公开01表, 支出总计's identity left out its row)
    one_off = len(best[0][0]) >= 5 and Levenshtein.distance(key, best[0][0]) == 1 and best[0][1] - runner_up >= 15
    # (worn print: several characters misread or lost, 九、姓健康支出 or 八社会限和就业支出 at 75–81, no other label
    # near and no other numbering read — seed-41 nanyang 公开04表, whose 支出 sum left out 21,934.93 for want of
    # its label, 23 right cells in review)
    if weak and len(key) >= worn_chars and best[0][1] >= worn_score and best[0][1] < min_score and not one_off:
        # (among every label, whatever the side: several characters off, a label of the other side alike is a
        # rival still)
        # (a label printed with and without numbering is one candidate: the reading's own numbering, or what is
        # left of it — 、政府性基金预算财政搜款 — tells which)
        near = process.extract(key, keys, scorer=fuzz.ratio, limit=6)
        core = _core(labels[near[0][2]])
        same = [x for x in near if _core(labels[x[2]]) == core]
        other = next((x[1] for x in near if _core(labels[x[2]]) != core and not _variants(x[0], near[0][0])
                      and not _told_apart(key, near[0][0], x[0])), 0.0)
        numbered = bool(re.match(r"^[一二三四五六七八九十]*[,.]", key))
        pick = next((x for x in same if bool(_NUMBERED.match(labels[x[2]])) == numbered), same[0])
        if near[0][1] - other >= worn_margin and _number_of(text) in (None, _number_of(labels[pick[2]])):
            return labels[pick[2]]
        return None
    if best[0][1] < min_score and not one_off:
        return None
    if best[0][1] - runner_up < margin:
        return None
    return labels[best[0][2]]


def _variants(a: str, b: str) -> bool:
    """Two labels (comparison keys) one row prints in different editions: 年末结转与结余 | 年末结转和结余, and
    使用非财政拨款结余 | 使用非财政拨款结余和专用结余 | 使用非财政拨款结余(含专用结余) — a label of the list with a
    qualifier after it (和…, (…), by which the identities find the row all the same): no rivals for a reading
    (seed-45 nanyang 公开01表 as a worn photocopy: “使用非财政搜款结余和专用” snapped to none of the three, its row
    left out of 总计's sum)."""
    return _edition_base(a.replace("与", "和")) == _edition_base(b.replace("与", "和"))


@lru_cache(maxsize=None)
def _edition_base(key: str) -> str:
    """The label of the list a label key extends with a qualifier (和…, (…)), or the key itself."""
    keys = [k.replace("与", "和") for k in _vocabulary()[1]]
    bases = [k for k in keys if k != key and key.startswith(k) and key[len(k):len(k) + 1] in ("和", "(", "（")]
    return max(bases, key=len, default=key)


_DIGITS = {ch: i + 1 for i, ch in enumerate("一二三四五六七八九")}


def _number_of(text: str) -> int | None:
    """The value of a label's Chinese numbering (二十四、 → 24), or None."""
    m = _NUMBERED.match(text.strip())
    if not m:
        return None
    t = m.group()[:-1]
    if "十" not in t:
        return _DIGITS.get(t) if len(t) == 1 else None
    tens, _, ones = t.partition("十")
    if (tens and tens not in _DIGITS) or (ones and ones not in _DIGITS):
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


def _own_number(table: Table, ri: int, ci: int, text: str, label: str) -> str:
    """``label`` (the list's) with the reading's own number, where the reading's number follows on from the
    nearest labelled rows' around it and the list's does not: a table numbers its items in the order it prints
    them, which editions vary (real putuo-guihua 决算: 二十四、抗疫特别国债安排的支出 after 二十三、 where the list
    has 二十六) — the name is put right, the number kept. Otherwise the reading's number is a misread
    (二、一般公共预算财政拨款 above 二、政府性基金…; 十、 and 十一、 for 二十、 and 二十一、, the 二 lost twice under the
    watermark): the list's."""
    own, known = _number_of(text), _number_of(label)
    if own is None or known is None or own == known:
        return label

    def nearest(step: int) -> int | None:  # the number of the nearest row above / below with a label there
        r = ri + step
        while 0 <= r < len(table.rows):
            other = table.rows[r].cells[ci].text if ci < len(table.rows[r].cells) else ""
            if other.strip():
                return _number_of(other)
            r += step
        return None

    above, below = nearest(-1), nearest(1)

    def fits(n: int) -> bool:
        return above == n - 1 or below == n + 1

    if fits(own) and not fits(known):
        return _NUMBERED.match(text.strip()).group()[:-1] + "、" + label[_NUMBERED.match(label).end():]
    return label


def normalise_ocr_labels(doc: Document) -> int:
    """Apply the corrections above to the OCR'd cells of ``doc``; returns how many cells changed."""
    ocr_pages = {p.number for p in doc.pages if p.mode == "ocr"}
    changed = 0
    for table in doc.tables:
        if not any(r.page in ocr_pages for r in table.rows):
            continue
        changed += _cut_totals(table, ocr_pages) + _total_row_label(table, ocr_pages)
        changed += _summary_labels(table, ocr_pages) + _names_and_codes(table, doc.year, ocr_pages)
        _weak_row_words(table, ocr_pages)
        _lost_row_labels(table, ocr_pages)
        changed += _specks_in_blank_sides(table, ocr_pages)
    return changed


SPECK_CLEARED = "speck_cleared"


def _specks_in_blank_sides(table: Table, ocr_pages: set[int]) -> int:
    """A 收支总表 side (公开01/04表) prints nothing in the rows below its last label — 收入 has fewer rows than 支出 —
    but on a worn photocopy the watermark's strokes over those blank cells are read as marks: “AP”, “JN”, “の”,
    “1D” in the 项目 column (seed-45 photocopy150: 103 such cells in its 8 documents, each wrong and in
    review; re-scored, flagged 16.60 → 15.52 %). A reading in a
    side's 项目 column that holds no Chinese character (nor a whole label's worth of them: one at most, read
    weakly), in a row whose side prints no amount, is no label: the cell is cleared, the reading kept as its
    alternative and ``original``, ``speck_cleared``. So are the side's amount cells there that read no amount (a
    mark or two, no point) and no word (a label of the other side read a column off, 十四、资源勘探工业信息等支出,
    keeps the row as read). Only in rows whose 行次 is read as a number: every row of the form numbers its lines, the
    blank ones too, and a row whose number is lost or misread (a worn 总计 read “1一” beside “德为”, rows merged) may
    be a label worn away. Returns the number of cells cleared."""
    from .headercheck import line_number_column
    from .templates import load_templates, summary_sides

    template = load_templates().get(table.template or "")
    if table.kind == "performance" or template is None or template.layout != "two_sided":
        return 0
    cleared = 0
    for side in summary_sides(table, template):
        # (a 行次 column whose label was misread, “T行次”, is among the side's amounts: its numbers are print)
        counted = {c for c in side.amounts if line_number_column(table, c)}
        for row in table.rows:
            if row.page not in ocr_pages or side.item >= len(row.cells):
                continue
            item = row.cells[side.item]
            amounts = [row.cells[c] for c in side.amounts if c < len(row.cells) and c not in counted]
            lines = [row.cells[c] for c in (*side.lines, *counted) if c < len(row.cells)]
            if item.reviewed or any(_amount_like(c.text) or c.reviewed for c in amounts):
                continue
            if not all(_speck_reading(c) for c in [item, *amounts]):
                continue
            if not any(c.text.strip().isdigit() for c in lines):
                continue  # (a row whose 行次 is not read whole is no row known to be blank: 总计 worn to “1一”)
            marks = bool(item.text.strip())  # (as read: the loop clears the 项目 first)
            for cell in [item, *amounts]:
                # (a number alone in an amount cell is cleared only beside marks in the 项目: with the label lost
                # and nothing there, “38” may be a worn 3.80 — it stays, in doubt)
                if cell is not item and cell.text.strip().isdigit() and not marks:
                    continue
                # (and a cell whose marks the reading already left out, in doubt for them: ``low_ocr``)
                if cell.text.strip() or "low_ocr" in cell.reasons:
                    _clear(cell)
                    cleared += 1
    return cleared


def _speck_reading(cell: Cell) -> bool:
    """A reading that says nothing: no Chinese character, or one read weakly (no label, no amount) — nor a dash,
    which a table may print for nothing (“——”: a stroke read so is the seal's or watermark's business,
    ``seal_dash``, ``stray_dash``)."""
    from .numbers import parse_number

    if cell.text.strip() and parse_number(cell.text).kind == "na":
        return False
    cjk = _CJK.findall(compare_key(cell.text))
    return len(cjk) == 0 or (len(cjk) == 1 and "low_ocr" in cell.reasons)


def _amount_like(text: str) -> bool:
    """A reading that is or may be an amount: a point between digits, or three digits or more."""
    return bool(re.search(r"\d[.,:·]\d|\d{3}", text))


def _clear(cell: Cell) -> None:
    if cell.text.strip():
        _replace(cell, "", SPECK_CLEARED)  # (the reading kept as its alternative and original)
    cell.text = ""
    cell.value = None
    cell.kind = "empty"
    cell.ocr_score = 1.0  # (what is left is no reading: the doubts of the speck's go with it)
    cell.reasons = [r for r in cell.reasons if r not in _SPECK_DOUBTS]
    cell.add_reason(SPECK_CLEARED)


# a speck's reading's own doubts, gone with it when it is cleared (a watermark, a lost rule, rows merged stay)
_SPECK_DOUBTS = frozenset({"low_ocr", "format", "format_normalised", "label_unknown", "label_normalised",
                           "stray_dash", "seal_dash"})


def _lost_row_labels(table: Table, ocr_pages: set[int]) -> int:
    """A scanned row printing an amount with nothing where its label stands — in a 收支总表 side (公开01/04表)
    its 项目 empty beside the side's amount; in a coded table its code and name both empty — lost its label
    (read into the header above when the rule under the header was missed, or worn away): no table prints an
    amount without saying what it is. Seed-41 agriculture 公开01表 as a worn photocopy: 一、一般公共预算财政拨款收入
    read into the header, the row's 项目 empty and unflagged. ``label_unknown`` (reviewed) on the empty label
    cell — and, in a table whose rows its template knows by their labels alone (公开10表: 合计 = 货物 + 工程 +
    服务 is built from the labels), on the row's amounts too: no sum can check what no label names (seed-45
    education 公开10表: 合计 worn away, its 1,285.11 read 285.11 at 0.997, unflagged). Returns the number of
    labels flagged (a 收支总表 row may lose both sides')."""
    from .numbers import parse_number
    from .templates import load_templates, resolve_columns, summary_sides

    template = load_templates().get(table.template or "")
    if table.kind == "performance" or template is None or template.layout == "econ_blocks":
        return 0
    if template.layout == "two_sided":
        groups = [([side.item], list(side.amounts)) for side in summary_sides(table, template)]
    else:
        roles = resolve_columns(table, template)
        # (a labelled table's rows are named by its 项目: 公开10表)
        names = ("item",) if template.layout == "labeled" else ("code", "name")
        label_cols = sorted({c for role in names for c in roles.get(role, [])})
        groups = [(label_cols, [c for r, cols in roles.items() if r not in names + ("line",) for c in cols])]
    flagged = 0
    for row in table.rows:
        if row.page not in ocr_pages:
            continue
        for labels, amounts in groups:
            cells = [row.cells[c] for c in labels if c < len(row.cells)]
            if not cells or any(c.text.strip() for c in cells):
                continue
            read = [c for c in amounts if c < len(row.cells)
                    and (p := parse_number(row.cells[c].text)).kind == "number" and p.decimals == 2]
            if read:
                cells[-1].add_reason("label_unknown")
                if template.layout == "labeled":
                    for c in read:
                        row.cells[c].add_reason("label_unknown")
                flagged += 1
    return flagged


_END_MARKS = re.compile(r"^[。．.，,、·:：;；'\"`]+|[。．.，,、·:：;；'\"`]+$")
_ROW_WORDS = {"合计", "总计", "小计", "类", "款", "项"}  # what a coded table's row prints where it has no code


def _weak_row_words(table: Table, ocr_pages: set[int]) -> None:
    """A coded table's row without a code whose label reads weakly (low_ocr) as one or two characters that are
    no word such a row prints (合计 …): misread — calibration gen7_009 skew3's empty 公开07表 read its 合计 as
    合卜, unflagged (no amount to know the row by, no catalogue name to check it against). ``label_unknown``,
    reviewed."""
    from .templates import load_templates, resolve_columns

    template = load_templates().get(table.template or "")
    if table.kind == "performance" or table.template in SUMMARY_TEMPLATES or template is None:
        return
    roles = resolve_columns(table, template)
    cols = sorted({c for role in ("code", "name") for c in roles.get(role, [])})
    if cols:
        for row in table.rows:
            if row.page not in ocr_pages or row.codes:
                continue
            for c in cols:
                cell = row.cells[c] if c < len(row.cells) else None
                if cell is None or "low_ocr" not in cell.reasons:
                    continue
                key = compare_key(cell.text)
                if 0 < len(key) <= 2 and _CJK.search(key) and not re.search(r"\d", key) and key not in _ROW_WORDS:
                    if "合" in key or "计" in key:
                        cell.alternatives.append(Alternative("合计", 0.0, "catalogue"))
                    cell.add_reason("label_unknown")


def _cut_totals(table: Table, ocr_pages: set[int], max_tail: int = 2) -> int:
    """Join a total label a stray rule cut between a code column and its name column: words (no code) in
    the code cell, at most ``max_tail`` characters in the name cell, neither a total label alone and both
    together one (公用经费合 | 计) — or the name cell's a total label alone (合计) and both together one of the
    total rows the table's template names (公用经费 | 合计, seed-41 nanyang 公开06表 as a worn photocopy: the
    label left-aligned in its cell over the group's columns, the 编码 | 科目名称 line drawn through it; a
    stroke read “目” beside a 合计 row is no such label)."""
    from .templates import load_templates

    template = load_templates().get(table.template or "")
    named = [p for pats in (template.rows.values() if template else ()) for p in pats]
    n = 0
    for block in find_label_blocks(table):
        if len(block.code_cols) != 1 or block.name_col is None:
            continue
        c, m = block.code_cols[0], block.name_col
        for row in table.rows:
            if row.page not in ocr_pages or max(c, m) >= len(row.cells):
                continue
            head, tail = row.cells[c].text.strip(), row.cells[m].text.strip()
            if (head and tail and len(tail) <= max_tail and read_code(head) is None and _CJK.search(head)
                    and not is_total_label(head) and is_total_label(head + tail)
                    and (not is_total_label(tail) or any(re.search(p, head + tail) for p in named))):
                _replace(row.cells[c], head + tail, "label_normalised")
                _replace(row.cells[m], "", "label_normalised")
                n += 1
    return n


def _total_row_label(table: Table, ocr_pages: set[int], tolerance: float = 0.02) -> int:
    """The 合计 row of a coded table whose label was lost to a mark (“舖” on a worn scan): a row with no code and
    no readable label (fewer than two characters) whose amounts are the sums of the top rows' (类, or 项 where
    only those are printed) — two of them at least, not zero, every one it has — is the 合计 row (its label
    read so, the reading kept as an alternative). Without its label the 合计 identities were never checked and
    its row matched no other."""
    blocks = [b for b in find_label_blocks(table) if b.name_col is not None and b.classification == FUNCTIONAL]
    if len(blocks) != 1:
        return 0
    block = blocks[0]
    label_cols = set(block.code_cols) | {block.name_col}
    coded = [(r, min(len(m.code) for m in r.codes if m.column == block.column)) for r in table.rows
             if any(m.column == block.column for m in r.codes)]
    if not coded:
        return 0
    top = min(n for _, n in coded)  # 类 rows, or the 项 rows of an edition that prints only those
    classes = [r for r, n in coded if n == top]
    top_rows = {id(r) for r in classes}
    width = max(len(r.cells) for r in table.rows)
    sums = {c: sum(r.cells[c].value or 0.0 for r in classes if c < len(r.cells)) for c in range(width)
            if c not in label_cols}
    n = 0
    for row in table.rows:
        if row.page not in ocr_pages or row.codes or id(row) in top_rows or block.name_col >= len(row.cells):
            continue
        labels = [row.cells[c].text for c in label_cols if c < len(row.cells)]
        if any(re.search(r"\d", t) or len(_CJK.findall(t)) >= 2 for t in labels):
            continue
        values = {c: row.cells[c].value for c in sums if c < len(row.cells) and row.cells[c].value is not None}
        if (sum(abs(v) > tolerance for v in values.values()) >= 2
                and all(abs(v - sums[c]) <= tolerance for c, v in values.items())):
            cell = next((row.cells[c] for c in sorted(label_cols) if row.cells[c].text.strip()), row.cells[block.name_col])
            _replace(cell, "合计", "label_normalised")
            n += 1
    return n


def _summary_labels(table: Table, ocr_pages: set[int]) -> int:
    if table.template not in SUMMARY_TEMPLATES:
        return 0
    from .templates import summary_sides

    n = 0
    # each side's 项目 column by its role (its label may carry more: 项目栏次, the 栏次 row read as a header row
    # — seed-41 beiguan 公开01表, whose 收入 labels were then neither snapped nor checked)
    label_cols = [side.item for side in summary_sides(table)] or \
        [i for i, c in enumerate(table.columns) if c.split("/")[-1] == "项目"]
    for ri, row in enumerate(table.rows):
        if row.page not in ocr_pages:
            continue
        for i in label_cols:
            if i < len(row.cells) and row.cells[i].text:
                side = label_cols.index(i) if len(label_cols) == 2 else None
                cell = row.cells[i]
                weak = "low_ocr" in cell.reasons or cell.ocr_score < 0.9
                snapped = snap_summary_label(cell.text, side=side, weak=weak)
                if snapped:
                    snapped = _own_number(table, ri, i, row.cells[i].text, snapped)
                if snapped and compare_key(snapped) == compare_key(row.cells[i].text):
                    continue  # (the reading is the label, with its own number)
                if snapped:
                    _replace(row.cells[i], snapped, "label_normalised")
                    n += 1
                elif table.template in _CLOSED_LIST:
                    _unknown_label(row.cells[i], side)
        _other_side(table, row, label_cols)
    return n + _numbering_lost(table, label_cols, ocr_pages)


def _numbering_lost(table: Table, label_cols: list[int], ocr_pages: set[int]) -> int:
    """A 收支总表 prints some labels twice, numbered among the year's items (一、一般公共预算财政拨款) and bare under
    年初/年末…结转和结余: a bare one read above its side's 本年…合计 row lost its numbering (seed-43 bilevel300
    公开04表's first row, unflagged and wrong) and takes the numbered label back (``label_normalised``) — so does
    any reading that is one numbered label without its numbering."""
    if table.template not in _CLOSED_LIST:  # (budgets' editions vary)
        return 0
    labels, _, _ = _vocabulary()
    n = 0
    for i in label_cols:
        texts = [row.cells[i].text if i < len(row.cells) else "" for row in table.rows]
        total = next((k for k, t in enumerate(texts) if compare_key(t).startswith("本年")), None)
        for ri in range(total or 0):
            row = table.rows[ri]
            key = compare_key(texts[ri])
            if row.page not in ocr_pages or not key or _NUMBERED.match(texts[ri].strip()):
                continue
            # (the bare form need not be one printed elsewhere: 一般公共预算财政拨款收入 read without its 一、 on
            # real caizheng's 公开01表 as a worn photocopy — the 收入 sum then missed its first item)
            numbered = [lab for lab in labels if _NUMBERED.match(lab) and compare_key(_NUMBERED.sub("", lab)) == key]
            if len(numbered) == 1:
                _replace(row.cells[i], numbered[0], "label_normalised")
                n += 1
    return n


# the side of a 收支总表 row label: 收入 on the left, 支出 on the right (公开01表 and 公开04表 alike)
_SIDES = (re.compile(r"收入|^年初|^使用非财政|财政拨款$"), re.compile(r"支出|结余分配|^年末"))


def _of_side(label: str, side: int) -> bool:
    """A 收支总表 label that may stand on ``side`` (0 收入, 1 支出): not one of the other side's only."""
    key = _core(label)
    return not (_SIDES[1 - side].search(key) and not _SIDES[side].search(key))


def _other_side(table: Table, row, label_cols: list[int]) -> None:
    """A 收支总表 prints 收入 labels in its first 项目 column and 支出 ones in its second: a label read in the
    other side's column (二十五、债务付息支出 under 收入's 项目, a worn copy's column rule lost in that row) puts
    the row's text a column off, and an amount beside it under the wrong side — every cell of the row
    ``columns_merged``."""
    if table.template not in _CLOSED_LIST or len(label_cols) != 2:
        return
    for side, i in enumerate(label_cols):
        key = _core(row.cells[i].text) if i < len(row.cells) else ""
        own, other = _SIDES[side], _SIDES[1 - side]
        if len(key) >= 2 and other.search(key) and not own.search(key):
            for cell in row.cells:
                cell.add_reason("columns_merged")
            return


_CLOSED_LIST = ("T01", "T04")  # 决算 收支总表s, whose labels row_labels.json lists (budgets' editions vary)


def _unknown_label(cell: Cell, side: int | None = None) -> None:
    """A 收支总表 prints its rows' labels from a closed list (``row_labels.json``): a reading of two or more
    characters that is none of them, nor near enough one to be put right (年未结转及结余: two characters off),
    is misread or an edition's variant — ``label_unknown``, reviewed, the nearest label (of its ``side``) its
    alternative; so is a lone mark (電, HF: a seal's or the watermark's strokes on a 1-bit scan, in a row that
    prints no label)."""
    labels, keys, cores = _vocabulary()
    key = compare_key(cell.text)
    if not key or key in keys or _core(cell.text) in cores:
        return
    near = process.extract(key, keys, scorer=fuzz.ratio, limit=12) if len(_CJK.findall(key)) >= 2 else []
    best = next((x for x in near if side is None or _of_side(labels[x[2]], side)), None)
    if best is not None and not any(a.text == labels[best[2]] for a in cell.alternatives):
        cell.alternatives.append(Alternative(labels[best[2]], 0.0, "catalogue"))
    cell.add_reason("label_unknown")


def _names_and_codes(table: Table, year: int | None, ocr_pages: set[int], min_name: float = 80.0) -> int:
    n = 0
    blocks = {b.column: b for b in find_label_blocks(table)}
    for row in table.rows:
        if row.page not in ocr_pages:
            continue
        for m in row.codes:
            block = blocks.get(m.column)
            if block is None:
                continue
            cat = load_catalogue(block.classification, year)
            entry = cat.get(m.code)
            if entry is None:
                continue
            if block.name_col is not None and block.name_col < len(row.cells) and m.source == "printed":
                cell = row.cells[block.name_col]
                if (cell.text and cat.accepts(m.code, cell.text) is None
                        and fuzz.ratio(compare_key(cell.text), compare_key(entry.name)) >= min_name):
                    _replace(cell, entry.name, "label_normalised")
                    n += 1
                elif cell.text != entry.name and _END_MARKS.sub("", cell.text.strip()) == entry.name:
                    # a speck read as a mark at its end (劳务费。, seed-43 bilevel300 公开06表): the name, unflagged
                    # before — the comparison key leaves marks out
                    _replace(cell, entry.name, "label_normalised")
                    n += 1
            if "repaired" in m.flags and len(block.code_cols) == 1:
                cell = row.cells[block.code_cols[0]]
                reading = read_code(cell.text)
                if cell.text and (reading is None or reading.digits != m.code):
                    _replace(cell, m.code, "repaired")
                    n += 1
    return n
