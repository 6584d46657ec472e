"""Final per-cell confidence (calibrated probability that the cell text is exact) and review flags.

Evidence per cell (:func:`cell_features`):

- ``ocr_score`` — the weakest character score of the reading (1.0 for a text layer);
- reasons — seal, watermark, low_ocr, format, repaired, ambiguous, code_conflict, …;
- check status — blamed by a failing identity (:func:`pipeline.validate.blamed_cells`) / confirmed by exactly one / by two or more passing identities /
  not covered by any (names, codes, 行次 …); an identity that holds only within its tolerance, not exactly,
  counts neither way (:func:`_near_miss`);
- numeric format validity (separators every three digits, digits only) for amount cells.

Model: logistic regression on those features, ``p = σ(bias + Σ wᵢ·xᵢ)`` with ``x_ocr = logit(ocr_score)``,
weights fitted by ``scripts/calibrate.py`` and stored in ``models/calibration.json`` together with the
review threshold. When the file is absent the documented fallback weights below are used
(:data:`FALLBACK`): a cell's confidence is its OCR score, pushed up by passing identities and down by a
failing one, a bad format, a seal or watermark over it, an ambiguous repair.

Overrides: a reviewer-corrected cell (reason ``corrected``) has confidence 1 and is never flagged; a cell read
from a text layer with reason ``format``, or with reason ``text_conflict``, has at most
:data:`TEXT_LAYER_FORMAT_CAP`; a cell with reason ``ambiguous``, ``check_failed`` (blamed by a failing identity),
``structure`` (its table's structure is doubtful, :mod:`pipeline.verdict`), ``text_conflict`` (its OCR reading
contradicts its page's decoded text layer), ``rows_merged`` (a form row holding the values of several rows
stacked, :mod:`pipeline.performance`), ``near_miss`` (a ``low_ocr`` reading in an identity that holds only
within its tolerance: a misread last digit passes the 尾差) or ``format`` (text where an amount belongs, a
line number breaking its column's count) or ``code_missing`` (a coded row whose code cell is empty) or
``code_misread`` (a printed code's reading that is not its part of the code its row was repaired to,
:mod:`pipeline.codes`) or ``filled_in`` (an amount the identities gave a cell read blank, :mod:`pipeline.repair`)
is always flagged; a cell with reason ``rule_missing`` (a side of it
inferred, no rule seen: :mod:`pipeline.textgrid`, split merged amounts) has at most :data:`RULE_MISSING_CAP`
unless an identity confirms it, and so has an OCR reading all but guessed (weakest character below
:data:`GUESS_OCR`, a lone character below :data:`LONE_CHAR_OCR`); otherwise ``cell.review = confidence < threshold``.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .codes import CODE_MISREAD
from .headers import CODE_PIECES
from .interpret import DIGIT_RESTORED, LINE_COUNTED, ROW_UNREAD
from .model import Cell, Document
from .numbers import parse_number
from .resources import MODELS_DIR
from .validate import TOTAL_NAMED, blamed_cells
from .validate import near_miss as _near_miss

CALIBRATION_FILE = "calibration.json"
FEATURES = ("ocr", "failed", "confirmed1", "confirmed2", "format_bad", "seal", "watermark", "low_ocr",
            "repaired", "ambiguous", "code_conflict", "numeric", "text_layer", "empty", "ocr_below_50",
            "ocr_below_80", "ocr_below_95", "ocr_below_99", "normalised", "rule_missing", "structure",
            "code_sequential", "code_unmatched", "code_repaired")
REASON_FEATURES = ("seal", "watermark", "low_ocr", "repaired", "ambiguous", "code_conflict", "rule_missing",
                   "structure", "code_sequential", "code_unmatched", "code_repaired")
# reasons that send a cell to review whatever its probability: several readings fit the identities, it is in
# a failing identity, the table it is in has a doubtful structure (pipeline.verdict), or its OCR reading
# contradicts the page's lying text layer decoded (read.cross_check_text_layer), or it is in a form row that
# holds the values of several rows stacked (performance._flag_stacked_rows: a row rule not found), or it is a
# body slot beside which a number spans columns (assemble: a column rule not found) or in a scanned row whose text
# sits a column off (interpret: ``columns_merged`` both)
SEAL_SPECK = "seal_speck"  # (pipeline.read: every line of the cell left out as a seal's remnant)
FORCED_REVIEW = ("ambiguous", "check_failed", "structure", "text_conflict", "rows_merged", "columns_merged",
                 "near_miss", "format",
                 SEAL_SPECK, "seal_dash", "stray_dash", "label_unknown", "text_split", "code_missing", "repair_one_check", "text_unbalanced",
                 "level_carried", "seal_unchecked", "filled_in", CODE_MISREAD, "point_restored", "stroke_dropped",
                 DIGIT_RESTORED, ROW_UNREAD, TOTAL_NAMED)
NEAR_MISS = "near_miss"  # an OCR reading below low_ocr in an identity that holds only within its tolerance
# an amount of a scanned 公开表 read under a seal that no identity checks: a seal's edge or stroke beside the digits
# reads as one more digit with a sure score (calibration gen7_018 公开10表: 1209.24 for 209.24, confidence 0.998),
# and nothing else would tell
SEAL_UNCHECKED = "seal_unchecked"


TEXT_LAYER_FORMAT_CAP = 0.5
RULE_MISSING_CAP = 0.5  # a cell bounded by a line inferred from the text that no identity confirms  # confidence of a text-layer cell that is not a well-formed amount where one belongs
# an OCR reading the recogniser all but guessed — weakest character below GUESS_OCR, or a lone character
# below LONE_CHAR_OCR (a seal's or watermark's speck read as “2” or “机” in an empty cell of a 1-bit scan) —
# that no identity confirms has at most RULE_MISSING_CAP
GUESS_OCR = 0.05
LONE_CHAR_OCR = 0.6


@dataclass(frozen=True)
class CalibrationModel:
    bias: float
    weights: dict[str, float]
    threshold: float
    source: str = "fallback"
    metrics: dict = field(default_factory=dict)

    def probability(self, x: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in x.items())
        z = max(-40.0, min(40.0, z))
        return 1.0 / (1.0 + math.exp(-z))


# Fallback when models/calibration.json is absent: p = σ(logit(ocr) + …) — i.e. the OCR score itself for a
# cell no identity covers, raised by passing identities, lowered by failing ones and by damage reasons.
FALLBACK = CalibrationModel(
    bias=0.0,
    weights={"ocr": 1.0, "failed": -10.0, "confirmed1": 2.5, "confirmed2": 4.0, "format_bad": -2.0, "seal": -0.7,
             "watermark": -0.4, "low_ocr": -0.7, "repaired": -1.0, "ambiguous": -5.0, "code_conflict": -2.5,
             "numeric": 0.0, "text_layer": 5.0},
    threshold=0.9,
)


@dataclass(frozen=True)
class ScoreSettings:
    ocr_floor: float = 1e-4  # ocr_score is clipped to [floor, 1 - floor] before the logit


def load_model() -> CalibrationModel:
    path = MODELS_DIR / CALIBRATION_FILE
    if not path.exists():
        return FALLBACK
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        return CalibrationModel(bias=float(d["bias"]), weights={k: float(v) for k, v in d["weights"].items()},
                                threshold=float(d["threshold"]), source=str(path), metrics=d.get("metrics", {}))
    except (OSError, ValueError, KeyError) as e:
        raise ValueError(f"{path}: unreadable calibration model ({e})") from e


def _logit(p: float, floor: float) -> float:
    p = min(1.0 - floor, max(floor, p))
    return math.log(p / (1.0 - p))


def features(cell: Cell, n_pass: int, n_fail: int, settings: ScoreSettings = ScoreSettings(),
             text_layer: bool = False) -> dict[str, float]:
    p = parse_number(cell.text)
    numeric = p.kind in ("number", "na")
    format_bad = (p.kind == "number" and not p.well_formed) or "format" in cell.reasons
    ocr = 1.0 if text_layer else cell.ocr_score
    x = {"ocr": _logit(ocr, settings.ocr_floor), "failed": float(n_fail > 0),
         "confirmed1": float(n_fail == 0 and n_pass == 1), "confirmed2": float(n_fail == 0 and n_pass >= 2),
         "format_bad": float(format_bad), "numeric": float(numeric), "text_layer": float(text_layer),
         "empty": float(cell.text == ""), "ocr_below_50": float(ocr < 0.5), "ocr_below_80": float(ocr < 0.8),
         "ocr_below_95": float(ocr < 0.95), "ocr_below_99": float(ocr < 0.99),
         "normalised": float("label_normalised" in cell.reasons or "format_normalised" in cell.reasons)}
    for r in REASON_FEATURES:
        x[r] = float(r in cell.reasons)
    return x


def cell_features(doc: Document, settings: ScoreSettings = ScoreSettings()) -> dict[tuple[str, int, int], dict[str, float]]:
    n_pass: dict[tuple[str, int, int], int] = {}
    n_fail: dict[tuple[str, int, int], int] = {}
    forms = {t.id for t in doc.tables if t.kind == "performance"}
    blamed = blamed_cells(doc, doc.checks)
    # cells a repair set from one identity alone (a form's unreadable 得分 given the value its 总分 wants): that
    # identity holds because of it, and confirms none of its other cells
    made = {(t.id, ri, ci) for t, ri, ci, c in doc.cells() if "repair_one_check" in c.reasons}
    strokes = {(t.id, ri, ci) for t, ri, ci, c in doc.cells() if _seal_stroke(c)}
    restored = {(t.id, ri, ci) for t, ri, ci, c in doc.cells() if DIGIT_RESTORED in c.reasons}
    for chk in doc.checks:
        if chk.ok and chk.table not in forms and _near_miss(chk):
            continue  # holds only within its tolerance: a digit misread by 1 or 2 in the last place passes
        if chk.ok and made and any(tuple(ref) in made for ref in chk.cells):
            continue
        if chk.ok and sum(tuple(ref) in restored for ref in chk.cells) >= 2:
            # (two amounts given back their first digit alike — 210 and 21011 both read “.215.17” —: the sum
            # between them holds whatever digit was lost, and confirms neither)
            continue
        if chk.ok and _through_strokes(chk, strokes):
            # two cells under a seal read as its ring's strokes (“1”) or emptied of them: a sum holding through
            # them may hold by chance (seed-45 agriculture 公开10表: 12 = 1 + 1 + 5 + 5 read for the printed
            # 2 + 5 + 5, three wrong cells confirmed) — it confirms none of its cells
            continue
        target = n_pass if chk.ok else n_fail
        for ref in chk.cells:
            ref = tuple(ref)
            if chk.ok or ref in blamed:  # a cell another identity vouches for is not failed by this one
                target[ref] = target.get(ref, 0) + 1
    text_pages = {p.number for p in doc.pages if p.mode == "text"}
    return {(t.id, ri, ci): features(c, n_pass.get((t.id, ri, ci), 0), n_fail.get((t.id, ri, ci), 0), settings,
                                     text_layer=t.rows[ri].page in text_pages)
            for t, ri, ci, c in doc.cells()}


def _off_twice(doc: Document, forms: set[str]) -> set[tuple[str, int, int]]:
    """The cells two identities holding only within their 尾差 pass through, off by the same amount: the one
    reading both sums miss (seed-45 nanyang 公开02表 as a worn photocopy: 189.33 read for 189.35 in 财政拨款收入,
    its row's 本年收入合计 and its 款's column both 0.02 off, unflagged — a well-read digit misread in the last
    place). A total printed with its 尾差 is off alike in its row and its column too: in review either way."""
    seen: dict[tuple[tuple[str, int, int], float], int] = {}
    for chk in doc.checks:
        if chk.ok and chk.table not in forms and _near_miss(chk):
            off = round(abs(chk.expected - chk.actual), 2)
            for ref in {tuple(ref) for ref in chk.cells}:
                seen[(ref, off)] = seen.get((ref, off), 0) + 1
    return {ref for (ref, _), n in seen.items() if n >= 2}


def _seal_stroke(cell: Cell) -> bool:
    """A cell under a seal read as one of its ring's strokes (“1”, “11”) or emptied of them (``format_normalised``
    with nothing left)."""
    if "seal" not in cell.reasons:
        return False
    text = re.sub(r"\s", "", cell.text)
    return text in ("1", "11") or (not text and "format_normalised" in cell.reasons)


def _through_strokes(chk, strokes: set[tuple[str, int, int]]) -> bool:
    """An identity through two cells or more read as a seal's strokes (:func:`_seal_stroke`)."""
    return sum(tuple(ref) in strokes for ref in chk.cells) >= 2


def _empty_conventions(doc: Document, min_blank: int = 3, min_zeros: int = 3
                       ) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """(table, column) of the columns that print nothing where there is nothing — ``min_blank`` empty cells or
    more, none reading 0 (a table printing 0.00 for nothing shows a blank where a 0.00 was lost) — and of those
    that print 0.00 for nothing: ``min_zeros`` zeros or more, and at most a third as many empty cells."""
    blank, zero = set(), set()
    for t in doc.tables:
        width = max((len(r.cells) for r in t.rows), default=0)
        for c in range(width):
            prints = _column_prints(t, c, min_blank, min_zeros)
            if prints == "blank":
                blank.add((t.id, c))
            if prints == "zero":
                zero.add((t.id, c))
    return blank, zero


def _column_prints(table, c: int, min_blank: int = 3, min_zeros: int = 3) -> str:
    """What a column prints where there is nothing: "blank", "zero" or "" (see :func:`_empty_conventions`)."""
    texts = [r.cells[c].text.strip() for r in table.rows if c < len(r.cells)]
    empties = sum(not x for x in texts)
    zeros = sum(bool(x) and parse_number(x).value == 0 for x in texts)
    if empties >= min_blank and not zeros:
        return "blank"
    return "zero" if zeros >= min_zeros and 3 * empties <= zeros else ""


def _mark_taken_away(cell: Cell, x: dict[str, float], in_a_sum_of_amounts: bool) -> bool:
    """An empty cell where interpretation took a mark away (``format_normalised``), confirmed by an identity
    holding exactly and in none failing, one of them summing amounts (not 0 = 0 over blanks) — see
    :func:`score_document`'s use, in columns printing blanks."""
    return not cell.text.strip() and "format_normalised" in cell.reasons and bool(
        x["confirmed1"] or x["confirmed2"]) and not x["failed"] and in_a_sum_of_amounts


def _prints_dashes(table, c: int) -> bool:
    """The column prints a dash (“——”, not applicable) in some cell."""
    return any(c < len(r.cells) and parse_number(r.cells[c].text).kind == "na" for r in table.rows)


def _guessed(cell: Cell, x: dict[str, float], form: bool = False) -> bool:
    """An OCR reading all but guessed (see GUESS_OCR, LONE_CHAR_OCR); on a 绩效 form also a lone character read
    with a weak character (low_ocr) under a seal or the watermark: a form leaves many cells empty, and a
    stroke there reads as one digit (seed 003: an empty 年初预算数 read “5” at 0.62); and words read with a weak
    character under a seal: the seal's red strokes cross the characters, and what comes out is a look-alike
    (精简 → “精筒”, 项目 → “项日”) or loses a character (“不合” for 不合理) while the rest reads sure — no identity
    checks prose (seed-1 scans: 8 of 70 such cells wrong, against 27 of 7424 other unflagged words)."""
    text = cell.text.strip()
    weak = form and "low_ocr" in cell.reasons and not x["text_layer"]
    lone_weak = weak and bool({"seal", "watermark"} & set(cell.reasons))
    words_under_seal = weak and "seal" in cell.reasons and bool(_WORDS.search(text))
    return bool(text) and not x["text_layer"] and (
        cell.ocr_score < GUESS_OCR or words_under_seal
        or (len(text) == 1 and (cell.ocr_score < LONE_CHAR_OCR or lone_weak)))


_WORDS = re.compile(r"[\u4e00-\u9fff]{2}")


def _vouched_label(table, ri: int, ci: int, cell: Cell) -> bool:
    """A cell no identity covers whose reading something else vouches for, whole: a 公开01/04表 row label read
    as one of the labels those tables print (``row_labels.json``, not snapped to one), or a 公开10表 item label
    as its template lists it (``row_labels``), a code and a name its
    row's catalogue match pairs, a 行次 one more than the row's above or one less than the row's below, an empty
    cell of a 公开01/04表 side printed blank or printing no amount (:func:`_blank_side`), a total row's 合计 in
    its own cell of the first column and the empty cell right of it (:func:`_total_label`), a 公开06表 item's
    amount printed blank (:func:`_blank_amount_of_an_item`). A side
    of such a cell inferred from the text (``rule_missing``) cut nothing from it (seed-21 photocopy150: 247
    right cells flagged for that alone, most of them 公开01表's labels and line numbers)."""
    from .labels import printed_summary_label
    from .textnorm import compare_key

    text = cell.text.strip()
    row = table.rows[ri]
    names = [c.split("/")[-1] for c in table.columns]

    def in_sequence(r: int, c: int) -> bool:  # a 行次 one more than the row's above or one less than the row's below
        n = _text_at(table, r, c)
        return n.isdecimal() and (_text_at(table, r - 1, c) == str(int(n) - 1)
                                  or _text_at(table, r + 1, c) == str(int(n) + 1))

    if "code_repaired" not in cell.reasons and _piece_of_its_code(table, row, ci, text, names):
        return True
    if not text:
        return _blank_side(table, ri, ci, in_sequence) or _beside_a_total_label(row, ci, names) \
            or _blank_amount_of_an_item(table, row, ci, names) or _spanned_by_a_total_label(table, row, ci)
    if _total_label(row, ci, names) or _spanned_by_a_total_label(table, row, ci):
        return True
    if cell.value is None and _name_of_its_code(row, ci, cell):
        return True
    if cell.value is None and _label_in_sequence(table, ri, ci, cell):
        return True
    if cell.value is not None or "label_normalised" in cell.reasons:
        return False
    if table.template in ("T01", "T04") and printed_summary_label(text):
        return True
    if compare_key(text) in _printed_labels(table.template or ""):
        return True
    if _code_of_its_name(row, ci, cell) or _named_by_its_code(row, ci - 1, text):
        return True
    # (a worn label keeps its 行次 among strokes or beside the next column's label: “1行次”, “一一一行次合计” over
    # seed-45 agriculture_007 公开04表's 33, 34 …)
    return bool(re.search("行次|栏次", names[ci])) and in_sequence(ri, ci) if ci < len(names) else False


def _label_in_sequence(table, ri: int, ci: int, cell: Cell) -> bool:
    """A 公开01/04表 row label snapped to one of the numbered labels those tables print in a fixed order
    (``label_normalised``: :func:`pipeline.labels.numbered_runs`) whose place vouches for it: the row above or
    below holds the label numbered just before or after it, and neither holds another label of that run, nor one
    of its labels numbered otherwise (seed-45 worn photocopies: 十五、商业服务业等支出, 二十二、灾害防治及应急管理支出
    … read weakly and snapped right, in review for the weak reading alone — re-scored, flagged 20.75 → 19.87 %)."""
    from .labels import _core, numbered_runs
    from .textnorm import compare_key

    if table.template not in ("T01", "T04") or "label_normalised" not in cell.reasons:
        return False
    key = compare_key(cell.text)
    run = next((r for r in numbered_runs() if key in r), None)
    if run is None:
        return False
    k = run.index(key)

    cores = {_core(x) for x in run}
    fits = 0
    for r, want in ((ri - 1, run[k - 1] if k > 0 else None), (ri + 1, run[k + 1] if k + 1 < len(run) else None)):
        got = compare_key(_text_at(table, r, ci))
        if got != want and (got in run or _core(got) in cores):
            # (a neighbour of the run out of its order — rows out of place, the label wrong, or an edition that
            # numbers its run otherwise: 二十五、抗疫特别国债安排的支出 where the list has 二十六、)
            return False
        fits += got == want
    return fits > 0


def _spanning(row, ci: int, tol: int = 3) -> bool:
    """The cell's box reaches over its right neighbour's or its left neighbour's over it: one grid cell over
    both columns (a rule lost in that row), whose text was put in the first of them, wherever it stands. A cell
    without a box may be either: taken as spanning."""
    cells = row.cells

    def over(a: int, b: int) -> bool:
        if not (0 <= a < len(cells) and 0 <= b < len(cells)):
            return False
        if cells[a].bbox is None or cells[b].bbox is None:
            return True
        return cells[a].bbox[2] > cells[b].bbox[0] + tol

    return over(ci, ci + 1) or over(ci - 1, ci)


_TOTAL_LABELS = ("合计", "总计")


def _label_column(names: list[str], ci: int) -> bool:
    """A column of codes or of row labels (科目编码, 科目名称, 项目), by its header."""
    from .headers import is_code_column

    name = names[ci] if 0 <= ci < len(names) else ""
    return bool(name) and (is_code_column(name) or "名称" in name or name == "项目")


def _total_label(row, ci: int, names: list[str]) -> bool:
    """合计 (总计) read surely, alone in its own cell in the table's first column, a code or label column: a
    coded table's total row names itself there whether its printed cell ends at the next line or spans the
    label columns (whose text is the first column's), so an inferred side cut nothing from it (seed-41
    photocopy150: 合计 of 公开02/03/05/07/08表 in review for an inferred side alone, where one cell over both
    columns put it in the wrong one). Further right it may be the text of a cell spanning the label columns that
    a line inferred from the text cut off from the first (real Shanghai 决算 as photocopies: 合计 over
    类 | 款 | 项 | 科目名称 read in 科目名称's cell): left to an identity or a reviewer."""
    cell = row.cells[ci]
    return ci == 0 and cell.value is None and not {"label_normalised", "low_ocr"} & set(cell.reasons) \
        and _label_column(names, ci) and not _spanning(row, ci) and re.sub(r"\s", "", cell.text) in _TOTAL_LABELS


def _beside_a_total_label(row, ci: int, names: list[str]) -> bool:
    """The empty code (name) cell right of a total row's 合计 in its own cell (:func:`_total_label`)."""
    return ci == 1 and _label_column(names, ci) and not _spanning(row, ci) and _total_label(row, 0, names)


_GROUP_TOTALS = ("人员经费合计", "公用经费合计")


def _spanned_by_a_total_label(table, row, ci: int) -> bool:
    """公开06表's last row prints 人员经费合计 over its first group's code and name, 公用经费合计 over the
    code and name columns of the groups after, each followed by its amount: the label read surely, and the
    empty cells between it and that amount — the one printed cell the inferred lines cut — put nothing in
    doubt (seed-41 photocopy150: five or six such cells in review in each 公开06表). Not where a mark stands
    between them, nor where the next thing read is no amount (an amount lost, or read in a label's cell)."""
    from .headers import is_code_column
    from .numbers import parse_number
    from .textnorm import compare_key

    if table.template != "T06":
        return False
    texts = [c.text.strip() for c in row.cells]
    labels = [k for k, t in enumerate(texts) if compare_key(t) in _GROUP_TOTALS]
    label = max((k for k in labels if k <= ci), default=None)
    if label is None or (ci != label and texts[ci]) or {"low_ocr", "label_normalised"} & set(row.cells[label].reasons):
        return False
    # (read in its group's first column — the table's first, or a group's first code column, not 款 right of 类:
    # further right it is the text of the label's cell cut off from its first by an inferred line — real caizheng
    # 公开06表 as a worn photocopy, 公用经费合计 read under 款 or 科目名称 —, left to a reviewer)
    if label and not (label < len(table.columns) and is_code_column(table.columns[label])
                      and not is_code_column(table.columns[label - 1])):
        return False
    amount = next((k for k in range(label + 1, len(texts)) if texts[k]), None)
    # (人员经费合计's amount in its group's 决算数, two columns on; 公用经费合计's in the table's last column)
    place = label + 2 if compare_key(texts[label]) == _GROUP_TOTALS[0] else len(texts) - 1
    if amount != place or ci >= amount:
        return False
    p = parse_number(texts[amount])
    return p.kind == "number" and p.decimals == 2 and "low_ocr" not in row.cells[amount].reasons


def _blank_amount_of_an_item(table, row, ci: int, names: list[str]) -> bool:
    """The empty amount of a 公开06表 item (code | name | 决算数) in a column printing nothing for none
    (:func:`_column_prints`), read as nothing (no weak reading), whose code and name the catalogue pairs,
    read surely, with nothing but the next group's code or nothing right of it: an amount lost across an
    inferred side would stand in the name's cell or the next group's code cell, which then reads as neither
    (seed-41 photocopy150: 58 right empty cells of 公开06表 in review for an inferred side alone)."""
    from .headers import is_code_column

    if table.template != "T06" or not 2 <= ci < len(names) or is_code_column(names[ci]) or "名称" in names[ci] \
            or "名称" not in names[ci - 1] or _spanning(row, ci) or _spanning(row, ci - 1) \
            or "low_ocr" in row.cells[ci].reasons or _column_prints(table, ci) != "blank":
        return False
    name = row.cells[ci - 1]
    right = row.cells[ci + 1].text.strip() if ci + 1 < len(row.cells) else ""
    return (not right or re.fullmatch(r"\d{3}(\d{2})?", right) is not None) \
        and _named_by_its_code(row, ci - 2, name.text)


def _named_by_its_code(row, code_col: int, text: str) -> bool:
    """``text`` is the catalogue's name for the row's code printed in ``code_col``, read surely and matched
    unflagged."""
    from .textnorm import compare_key

    return any(m.source == "printed" and m.score >= 0.9 and not m.flags and m.column == code_col
               and compare_key(m.name) == compare_key(text) for m in row.codes)


def _blank_side(table, ri: int, ci: int, in_sequence) -> bool:
    """The empty cell is in a 收支总表 side printed blank (the 收入 side's rows below its last item): the side's
    label and amounts empty in the row, and its 行次 in sequence — or, a side without 行次 (the Shanghai 决算's
    公开01/04表), empty in the row above or below too, while the row's other side reads as a side does (words or
    nothing under its 项目, amounts or nothing under the others: a label pushed across a lost rule into an
    amount column leaves its own side's cells empty). Real shehuigongzuo 公开04表 as a worn photocopy: 38
    right empty cells of its 支出 side beside 年初结转 … 三、国有资本经营预算财政拨款 in review."""
    from .labels import printed_summary_label
    from .templates import summary_sides
    from .verdict import _content_kind

    if table.template not in ("T01", "T04"):
        return False
    sides = summary_sides(table)
    side = next((s for s in sides if ci in s.columns), None)
    if side is None or ci in side.lines:
        return False
    row = table.rows[ri]

    def empty(r: int, cols) -> bool:
        cells = table.rows[r].cells
        return all(not cells[i].text.strip() for i in cols if i < len(cells))

    def printed_label(cell) -> bool:
        return printed_summary_label(cell.text)

    # (the other side reads as a side does — words or nothing under its 项目, amounts or nothing under the others:
    # a label or an amount pushed across a lost rule leaves its own side's cells empty)
    other = next(s for s in sides if s is not side)

    def fits(i: int) -> bool:  # (行次: a whole number, which is no amount)
        text = row.cells[i].text.strip()
        if i in other.lines:
            return not text or text.isdigit()
        return _content_kind(text) in (("words", "") if i == other.item else ("amount", ""))

    reads = all(fits(i) for i in other.columns if i < len(row.cells))
    label = row.cells[side.item] if side.item < len(row.cells) else None
    if ci != side.item and reads and label is not None and printed_label(label) \
            and "rows_merged" not in label.reasons and empty(ri, side.amounts):
        # an amount cell of a side whose amounts are all empty in the row, beside a label these tables print read
        # whole (real guihua 公开04表 as a worn photocopy: 23 empty 政府性基金 cells of 五、教育支出 …, the rules
        # between the amount columns lost): no print stands among those cells to have been put in the wrong one
        return True
    cols = (side.item, *side.amounts)

    def blank_or_mark(r: int) -> bool:
        # (a mark in the label's cell — “L”, “M”: no word, flagged on its own — among rows of the side printed
        # blank is no label: a stroke of the lost rule, seed-45 jincheng 公开04表's 收入 side below 三、)
        if not 0 <= r < len(table.rows) or not empty(r, side.amounts):
            return False
        text = table.rows[r].cells[side.item].text.strip() if side.item < len(table.rows[r].cells) else ""
        return not text or len(text) <= 2 and not re.search(r"[\u4e00-\u9fff]", text)

    if not empty(ri, side.amounts) or not (empty(ri, (side.item,)) or all(map(blank_or_mark, (ri - 1, ri, ri + 1)))):
        return False
    if side.lines:
        return len(side.lines) == 1 and (in_sequence(ri, side.lines[0]) or _lost_line(table, ri, side.lines[0]))
    # (its label one these tables print: the rest of a label cut by an inferred row line, “支出” under
    # “二十一、国有资本经营预算”, makes a row of its own that no table prints)
    return reads and other.item < len(row.cells) and printed_label(row.cells[other.item]) \
        and any(0 <= r < len(table.rows) and empty(r, cols) for r in (ri - 1, ri + 1))


def _lost_line(table, ri: int, ci: int) -> bool:
    """The row's 行次 is blank (worn away with the label's rule), the rows above and below printing the
    numbers two apart: the row is the one between."""
    above, below = _text_at(table, ri - 1, ci), _text_at(table, ri + 1, ci)
    return not _text_at(table, ri, ci) and above.isdecimal() and below.isdecimal() and int(below) == int(above) + 2


def _text_at(table, r: int, c: int) -> str:
    """The text of the table's cell (r, c), stripped; "" where the table has no such cell."""
    cells = table.rows[r].cells if 0 <= r < len(table.rows) else []
    return cells[c].text.strip() if 0 <= c < len(cells) else ""


@lru_cache(maxsize=None)
def _printed_labels(template_id: str) -> frozenset[str]:
    """The item labels a template's table prints (its ``row_labels``: 公开10表's), as comparison keys."""
    from .templates import load_templates
    from .textnorm import compare_key

    template = load_templates().get(template_id)
    return frozenset(compare_key(x) for x in (template.extra.get("row_labels", []) if template else []))


# a 功能分类 code printed over three columns: each piece's label and its digits' place in the code
_CODE_PIECES = tuple(zip(CODE_PIECES, (0, 3, 5), (3, 5, 7)))


def _piece_of_its_code(table, row, ci: int, text: str, names: list[str]) -> bool:
    """The cell is a piece of a code printed over 类 | 款 | 项 (201 | 06 | 02, blank where the code is shorter:
    201 | · | ·) or the name beside them, and the row's catalogue match pairs that code, read whole from its
    pieces, with that name (printed, sure, unflagged) — as :func:`_code_of_its_name` and the name check do for a
    code printed in one column (real caizheng 2024 决算 as a photocopy: 171 right code pieces and names of
    公开02/03/05表 flagged for an inferred side alone). An 经济分类 code printed over 类 | 款 (公开06表: 302 | 01,
    then 办公费; a class row 301 | (blank)) is read so too."""
    from .textnorm import compare_key

    for m in row.codes:
        if m.source != "printed" or m.score < 0.9 or m.flags or not m.code.isdigit():
            continue
        spans = [names[m.column + k] if m.column + k < len(names) else "" for k in range(len(_CODE_PIECES))]
        # (公开06表 prints an 经济分类 code over 类 | 款 only: 302 | 01, or 301 | (blank) for a class, then its name)
        pieces = len(_CODE_PIECES) if spans == [word for word, _, _ in _CODE_PIECES] else \
            2 if spans[:2] == [word for word, _, _ in _CODE_PIECES[:2]] and len(m.code) in (3, 5) else 0
        if not pieces:
            continue
        k = ci - m.column
        if 0 <= k < pieces:
            _, a, b = _CODE_PIECES[k]
            return text == m.code[a:b]
        if k == pieces:
            return bool(text) and compare_key(text) == compare_key(m.name)
    return False


def _name_of_its_code(row, ci: int, cell: Cell) -> bool:
    """A name misread, set to the catalogue's name for its row's printed code (``label_normalised``, the reading
    within reach of that name: ``labels._names_and_codes``), the code read surely and matched unflagged: two
    witnesses of one entry (seed-41 tuning set: 131 right names in review for their weak reading)."""
    from .textnorm import compare_key

    if "label_normalised" not in cell.reasons:
        return False
    return any(m.source == "printed" and m.score >= 0.9 and not m.flags and m.column < ci
               and compare_key(m.name) == compare_key(cell.text)
               and not any("low_ocr" in c.reasons for c in row.cells[m.column:ci]) for m in row.codes)


def _code_of_its_name(row, ci: int, cell: Cell) -> bool:
    """The cell is a printed code the catalogue gives the row's name (a weak reading confirmed by its name) — as
    read, not put there by a repair: a code repaired from the catalogue pairs with its name by construction
    (seed-41 education 公开03表: 3060101 read at 0.68 under 20501, repaired to 2060101 — 科学技术's 行政运行,
    not 教育's 2050101 — and vouched for by its own name, unflagged)."""
    if "code_repaired" in cell.reasons:
        return False
    return any(m.column == ci and m.source == "printed" and m.code == cell.text.strip() and m.score >= 0.9
               and not m.flags for m in row.codes)


def _blank_below_the_items(doc: Document) -> set[tuple[str, int, int]]:
    """The cells of a 收支总表 side (公开01/04表) printed blank between its last numbered item and its 本年…合计
    row, where the side's sum identity holds exactly over items numbered 一、二、… without a gap: the rows there
    belong to the other side's longer list (Shanghai's edition prints no 行次 to say so, cf.
    :func:`_vouched_label`). An item lost into that run would break the numbering or the sum; a speck read
    there keeps its row flagged (real caizheng 2024 决算 as a photocopy: 81 right blank cells flagged for an
    inferred side alone)."""
    from .labels import _number_of

    tables = {t.id: t for t in doc.tables if t.template in ("T01", "T04")}
    out: set[tuple[str, int, int]] = set()
    for chk in doc.checks:
        table = tables.get(chk.table)
        if table is None or not chk.ok or _near_miss(chk) or len(chk.cells) < 3:
            continue
        (_, total, col), *items = [tuple(ref) for ref in chk.cells]
        if any(c != col for _, _, c in items) or any(r >= total for _, r, _ in items):
            continue
        names = [c.split("/")[-1] for c in table.columns]
        starts = [i for i, n in enumerate(names) if n == "项目"]
        side = next(((a, b) for a, b in zip(starts, starts[1:] + [len(names)]) if a <= col < b), None)
        if side is None or "行次" in names[side[0]:side[1]]:
            continue
        numbers = [_number_of(table.rows[r].cells[side[0]].text) for _, r, _ in items]
        if numbers != list(range(1, len(items) + 1)):
            continue
        for r in range(max(r for _, r, _ in items) + 1, total):  # (a row there with a speck read stays flagged)
            cells = table.rows[r].cells[side[0]:side[1]]
            if not any(c.text.strip() for c in cells):
                out |= {(table.id, r, c) for c in range(side[0], side[0] + len(cells))}
    return out


_HEADING = re.compile(r"^[一二三四五六七八九十]{1,3}[、，,.．]\S{2,}$")


def _blank_beside_a_heading(doc: Document) -> set[tuple[str, int, int]]:
    """The blank cells of a 公开10表 heading row (一、政府采购情况, 三、国有资产占用情况: numbered 一、二、…, printing
    no 行次 and no value): the row prints nothing beside its heading; an item lost there would have a line
    number of its own (seed-45 agriculture 公开10表 as a worn photocopy, its rows put back from the text: six
    right blank cells of its three headings in review for their inferred walls alone). A heading row reading
    anything else keeps it flagged."""
    out: set[tuple[str, int, int]] = set()
    for t in doc.tables:
        if t.template != "T10" or not t.columns:
            continue
        for ri, row in enumerate(t.rows):
            if not row.cells or not _HEADING.match(re.sub(r"\s", "", row.cells[0].text)):
                continue
            if not any(c.text.strip() for c in row.cells[1:]):
                out |= {(t.id, ri, ci) for ci in range(1, len(row.cells))}
    return out


def _blank_below_the_classes(doc: Document) -> set[tuple[str, int, int]]:
    """The cells of a 公开06表 side (code | name | amount: 人员经费's or 公用经费's) printed blank below its last
    class's items, down to the side's total row: the rows there belong to the other side's longer list. Every
    class sum of the side holds (an item lost there with its amount would break its class's sum; 0.00 is
    printed, not blank); a speck read there keeps its row flagged (real guihua 2024 决算 as a photocopy: 62
    right blank cells flagged for an inferred side alone)."""
    from .headers import is_code_column

    out: set[tuple[str, int, int]] = set()
    for table in doc.tables:
        if table.template != "T06":
            continue
        names = [c.split("/")[-1] for c in table.columns]
        checks = [chk for chk in doc.checks if chk.table == table.id and chk.cells]

        def coding(i: int) -> bool:
            return 0 <= i < len(names) and bool(names[i]) and is_code_column(names[i])

        for a in (i for i in range(len(names)) if coding(i) and not coding(i - 1)):
            # (the code printed in one column, or over 类 | 款: real caizheng 公开06表)
            k = a
            while coding(k):
                k += 1
            if k + 1 >= len(names):
                continue
            side = range(a, k + 2)
            sums = [chk for chk in checks if all(tuple(ref)[2] == k + 1 for ref in chk.cells)]
            if not sums or not all(chk.ok for chk in sums):
                continue
            # (a code is three digits or more: a speck read “1” in the total row's code cell is none)
            coded = [r for chk in sums for _, r, _ in (tuple(ref) for ref in chk.cells)
                     if a < len(table.rows[r].cells) and re.fullmatch(r"\d{3,}", table.rows[r].cells[a].text.strip())]
            if not coded:
                continue
            last = max(coded)
            for r in range(last + 1, len(table.rows)):
                cells = table.rows[r].cells
                if any(c < len(cells) and cells[c].text.strip().endswith("合计") for c in side):
                    break  # (the side's total row)
                if not any(c < len(cells) and cells[c].text.strip() for c in side):
                    out |= {(table.id, r, c) for c in side if c < len(cells)}
    return out


def score_document(doc: Document, model: CalibrationModel | None = None,
                   settings: ScoreSettings = ScoreSettings()) -> None:
    """Set ``cell.confidence`` and ``cell.review`` for every cell from its evidence and ``doc.checks``."""
    model = model or load_model()
    feats = cell_features(doc, settings)
    forms = {t.id for t in doc.tables if t.kind == "performance"}
    near = {tuple(ref) for chk in doc.checks if chk.ok and chk.table not in forms and _near_miss(chk)
            for ref in chk.cells}
    ocr_pages = {p.number for p in doc.pages if p.mode == "ocr"}
    twice = _off_twice(doc, forms)
    # (a sum through a seal's strokes checks none of its cells: _seal_stroke)
    strokes = {(t.id, ri, ci) for t, ri, ci, c in doc.cells() if _seal_stroke(c)}
    checked = {tuple(ref) for chk in doc.checks if not _through_strokes(chk, strokes) for ref in chk.cells}
    # (cells printed blank, vouched for)
    blank = _blank_below_the_items(doc) | _blank_below_the_classes(doc) | _blank_beside_a_heading(doc)
    blank_columns, zero_columns = _empty_conventions(doc)
    # cells of identities holding over amounts (an expected value not 0: no 0 = 0 over blanks)
    summed_amounts = {tuple(ref) for chk in doc.checks if chk.ok and chk.expected for ref in chk.cells}
    for t, ri, ci, cell in doc.cells():
        for derived in (NEAR_MISS, SEAL_UNCHECKED):
            if derived in cell.reasons:
                cell.reasons.remove(derived)
        if CODE_MISREAD in cell.reasons and any(a.source == "catalogue" and a.text == re.sub(r"\s", "", cell.text)
                                                for a in cell.alternatives):
            cell.reasons.remove(CODE_MISREAD)  # a repair since read it as the catalogue's code (80109 → 30109)
        if (t.id, ri, ci) in near and "low_ocr" in cell.reasons:
            cell.add_reason(NEAR_MISS)  # a doubtful reading in a sum that does not add up exactly
        elif (t.id, ri, ci) in twice and t.rows[ri].page in ocr_pages:
            cell.add_reason(NEAR_MISS)  # (the one reading two sums are off by alike: _off_twice)
        if "seal" in cell.reasons and cell.value is not None and t.id not in forms \
                and t.rows[ri].page in ocr_pages and (t.id, ri, ci) not in checked:
            cell.add_reason(SEAL_UNCHECKED)
        if "corrected" in cell.reasons:
            cell.confidence, cell.review = 1.0, False
            continue
        x = feats[(t.id, ri, ci)]
        p = model.probability(x)
        if (x["text_layer"] and "format" in cell.reasons) or "text_conflict" in cell.reasons:
            # a text layer does not misprint: a malformed amount read from one means a lying font map; an OCR
            # reading its decoded text layer contradicts is one of two witnesses that disagree
            p = min(p, TEXT_LAYER_FORMAT_CAP)
        # (a sum holding within its 尾差 only, a real one — real guihua 公开06表 prints 302 as 440.90 over items
        # adding to 440.88 — puts a reading it does not doubt in its column as surely as one holding exactly)
        summed = (t.id, ri, ci) in near and not x["failed"] and "low_ocr" not in cell.reasons
        # (a 0.00 read surely in a column printing 0.00 for nothing is what the column prints there, wherever its
        # walls were: seed 41/45/47 worn photocopies, 50 such cells in review for ``rule_missing`` alone, every
        # one right — no sum confirms a 0)
        zero = cell.text.strip() == "0.00" and (t.id, ci) in zero_columns and "low_ocr" not in cell.reasons \
            and not x["failed"]
        if "rule_missing" in cell.reasons and not (x["confirmed1"] or x["confirmed2"] or summed or zero) \
                and (t.id, ri, ci) not in blank and not _vouched_label(t, ri, ci, cell):
            # a side of the cell inferred from the text (no rule seen): trusted once an identity confirms it,
            # else it waits for review
            p = min(p, RULE_MISSING_CAP)
        counted = LINE_COUNTED in cell.reasons  # (a line number its column's count gives: interpret._count_line)
        if _name_of_its_code(t.rows[ri], ci, cell) or _label_in_sequence(t, ri, ci, cell) or counted:
            p = max(p, model.threshold)  # (as sure as its code or its place: the weakness is the reading it replaced)
        # (a sum confirms a value, and a reading of 0 has the value of the blank cell a speck was read in: an
        # identity that holds proves no “0”)
        confirmed = (x["confirmed1"] or x["confirmed2"]) and cell.value != 0
        if _guessed(cell, x, t.id in forms) and not confirmed and not _code_of_its_name(t.rows[ri], ci, cell) \
                and not counted:
            p = min(p, RULE_MISSING_CAP)
        if _mark_taken_away(cell, x, (t.id, ri, ci) in summed_amounts) and (t.id, ci) in blank_columns \
                and not _prints_dashes(t, ci):
            # a mark read weakly in an empty cell and taken away (a stroke read “I”, ``format_normalised``), in a
            # column printing nothing where there is nothing (nor a dash for not applicable: a sum tells no “——”
            # from a blank), every sum through it holding exactly with it blank: nothing was printed there — an
            # amount lost under the mark would break them (seed-45 worn photocopies, re-scored: flagged 19.26 →
            # 18.81 %, the residual unchanged)
            p = max(p, model.threshold)
        cell.confidence = p
        forced = [r for r in cell.reasons if r in FORCED_REVIEW]
        if forced == [SEAL_SPECK] and not cell.text.strip() and (x["confirmed1"] or x["confirmed2"]) \
                and (t.id, ci) in blank_columns:
            # a seal's remnant left out of a cell that an identity holding exactly with it blank confirms, in a
            # column printing blanks, not 0.00, where nothing is (real 决算 as worn photocopies: 46 such cells in
            # review, every one right; a digit lost under the seal fails the sum)
            forced = []
        if forced in (["point_restored"], ["stroke_dropped"], [DIGIT_RESTORED]) \
                and (x["confirmed1"] or x["confirmed2"]) \
                and cell.value != 0:
            # a decimal point put back (interpret._point_lost: 645318 read for 6453.18) that an identity holding
            # exactly confirms — unconfirmed, it stays in review whatever the model makes of it
            forced = []
        if not cell.text.strip() and "low_ocr" in cell.reasons and (t.id, ci) in zero_columns \
                and t.rows[ri].page in ocr_pages:
            # something was read there, weakly, and taken for a seal's or the watermark's strokes — in a column
            # printing 0.00 for nothing, a blank is no reading of it: the 0.00 under the strokes may be what was
            # printed (seed-43 bilevel300: ten 0.00 under a dithered seal left blank, unflagged; the sums hold
            # either way)
            p = min(p, RULE_MISSING_CAP)
        cell.review = p < model.threshold or bool(forced)
