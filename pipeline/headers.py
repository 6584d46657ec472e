"""Flattening multi-row merged headers into one label per column, and column semantics.

A header is given as a list of :class:`HeaderCell` (row, col, rowspan, colspan, text). The printed grid
(``Table.header``) has each merged cell's text at its top-left position and "" elsewhere.

Flat label of column c: the texts of the header cells covering c from top to bottom (the 栏次 row and
repeated texts left out); the label is the last one. Where two columns would get the same label, those
columns get the whole path joined with “/” (e.g. 预算数/合计 and 决算数/合计 in the 三公 table).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .textnorm import clean_cell_text


@dataclass(frozen=True)
class HeaderCell:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    # evidence of the reading (pipeline.headercheck turns it into a confidence): the box on the page, the
    # weakest character score (1.0 for a text layer) and the reasons the reader gave (seal, watermark, …)
    bbox: tuple[int, int, int, int] | None = None
    score: float = 1.0
    reasons: tuple[str, ...] = ()
    margins_mm: tuple[float, float] | None = None  # paper between its text and its left / right rule (scans)


_CJK = re.compile(r"[\u4e00-\u9fff]")
LANCI_WORDS = ("栏次", "行次")  # the words a column-number row opens with
CODE_PIECES = ("类", "款", "项")  # the labels of a classification code's columns printed one per level
_LANCI = re.compile(r"^(栏次|行次|\d{1,2}|[A-Z]|[（(]?\d{1,2}[)）]?)$")
# 栏次 with a stray mark or two beside it (a watermark's or seal's stroke read as “X栏次” or “X1栏次” on a 1-bit
# scan)
_LANCI_NOISY = re.compile(r"^[^\u4e00-\u9fff]{0,2}(栏次|行次)[^\u4e00-\u9fff]{0,2}$")


# 栏次 or 行次 with one of its two characters misread (性次, 栏欢) or lost (栏, 次 — seed-45 nanyang 公开03表 as a worn
# photocopy, its 栏次 row then read as labels — 项目/科目名称/栏次, 本年支出合计1 — and every code and name under
# them flagged as a 栏次 that is no number): only as the first word of a row of numbers
_LANCI_MISREAD = re.compile(r"^(栏[\u4e00-\u9fff]?|[\u4e00-\u9fff]?次)$")


def _lanci_word(t: str) -> str:
    m = _LANCI_NOISY.match(t)
    return m.group(1) if m else t


# a column number with a seal's or watermark's strokes read as letters after it (“3man.” on a 1-bit scan)
_NUMBER_MARKED = re.compile(r"^\d{1,2}[A-Za-z.,:;'_~-]{1,5}$")


def _column_number(t: str) -> bool:
    # a column number as printed, or as OCR may return it (“A1”, “1.”): short, with a digit, no CJK
    return bool(_LANCI.match(t)) or (len(t) <= 3 and any(ch.isdigit() for ch in t)
                                     and not re.search(r"[\u4e00-\u9fff]", t)) or bool(_NUMBER_MARKED.match(t))


_DECIMAL = re.compile(r"\d[.．]\d")


def _counts_up(nonempty: list[str]) -> bool:
    """Column numbers run 1, 2, 3 … from left to right: no decimal among them (6.4 is an amount), and of
    three or more whole numbers at least two thirds of the neighbouring pairs go up (one misread number is
    allowed; a body row of small whole amounts such as 6 0 0 6 6 0 is not a 栏次 row)."""
    if any(_DECIMAL.search(t) for t in nonempty):
        return False
    values = [int(t) for t in nonempty if t.isdigit()]
    if len(values) < 3:
        return 0 not in values
    rising = sum(b > a for a, b in zip(values, values[1:]))
    return rising >= 2 * (len(values) - 1) / 3


def is_lanci_row(texts: list[str]) -> bool:
    """The header's 栏次 row: one :func:`is_column_number_row` tells, or one opening with the word 栏次
    itself, its numbers worn past reading (“栏次 | 无彩 | L1 | 栏次 | | 23 | | 41s”, a worn photocopy's
    公开04表 page 8: the body's blank rows below it read into the header, the page a table of its own, all in
    review). Only a header prints the word 栏次 (行次, a column's label too, is not enough). A row with an
    amount in it is the 栏次 row run into the body's first row, whose amounts stay in the body
    (``assemble._lanci_over_amount``)."""
    first = next((re.sub(r"\s+", "", t) for t in texts if t.strip()), "")
    return is_column_number_row(texts) or (_lanci_word(first) == "栏次"
                                           and not any(_DECIMAL.search(t) for t in texts))


def _column_numbers_run_together(nonempty: list[str], columns: int) -> bool:
    """Whole numbers only, four or more, that read one after another as the column numbers 1 … n of the
    row's ``columns`` cells (nine or more) but for one digit in six: the rules between some of them worn away,
    two numbers read as one and one lost (“1 | 2 | 3 | | 5 | 6 | 78 | | 9 | 1011 | | 212”, a worn
    photocopy's 公开09表 — the row taken for a body row, all in review). A body row of amounts shows decimals;
    one of counts does not count up so."""
    from rapidfuzz.distance import Levenshtein

    if len(nonempty) < 4 or not all(t.isdigit() for t in nonempty) or not nonempty[0].startswith("1"):
        return False
    read, most = "".join(nonempty), max(columns, 2 * len(nonempty))
    printed = ("".join(str(n) for n in range(1, m + 1)) for m in range(9, most + 1))
    return any(Levenshtein.distance(read, p) <= len(p) // 6 for p in printed)


def _lanci_with_one_misread(rest: list[str]) -> bool:
    """After the word 栏次: whole numbers of three digits at most, three or more, which count up once one of
    them is left out (“1 | 311 | 3”: 2 read with a rule's remnants beside it, seed-41 photocopy150 公开08表 —
    the row taken for a body row, unflagged). The misread number is flagged as a 栏次 number off the run
    (:mod:`pipeline.headercheck`)."""
    if len(rest) < 3 or not all(t.isdigit() and len(t) <= 3 for t in rest):
        return False
    values = [int(t) for t in rest]
    return any(all(b > a for a, b in zip(v, v[1:])) and v[0] >= 1
               for k in range(len(values)) for v in [values[:k] + values[k + 1:]])


def is_column_number_row(texts: list[str]) -> bool:
    """The 栏次 row: only “栏次”, column numbers (1, 2, …) and blanks; mostly numbers or 栏次. A column
    number misread on a scan (“2” as “-” or “Z”) is still one: marks without ideographs (:func:`_stray_mark`)
    among at least three column numbers that make three quarters of the row. The numbers must count up
    (:func:`_counts_up`), so a row of small amounts is not taken for one."""
    nonempty = [_lanci_word(t.strip()) for t in texts if t.strip()]
    if nonempty and _LANCI_MISREAD.match(nonempty[0]):
        nonempty[0] = "栏次"  # (性次 for 栏次 on a worn photocopy: the word the row opens with, one character misread)
    if nonempty and nonempty[0] in LANCI_WORDS and _lanci_with_one_misread(nonempty[1:]):
        return True
    if not _counts_up(nonempty):
        return False
    if _column_numbers_run_together(nonempty, len(texts)):
        return True
    numbers = sum(t in LANCI_WORDS or t.isdigit() for t in nonempty)
    if bool(nonempty) and all(_column_number(t) for t in nonempty) and numbers >= max(1, len(nonempty) // 2):
        return True
    others = [t for t in nonempty if not (_column_number(t) or _stray_mark(t))]
    # one number read as a lone ideograph among many that count up (吃 for 7 on a 1-bit scan of 公开09表's
    # twelve): no label is one character there
    if numbers >= 3 and numbers >= 0.75 * len(nonempty) \
            and (not others or (numbers >= 6 and len(others) == 1 and len(others[0]) == 1)):
        return True
    # the word itself worn past reading (“だ伏” for 栏次: seed-47 agriculture 公开04表 as a worn photocopy, its
    # body's first six rows read into the header), then column numbers 1 … n, four or more, exactly counting
    # up, with marks at most among them: a body row's first cell is a label of words or a code, never two marks
    values = [int(t) for t in nonempty[1:] if t.isdigit()]
    if nonempty and len(nonempty[0]) <= 2 and not nonempty[0].isdigit() and len(values) >= 4 \
            and values == list(range(1, len(values) + 1)) and all(
                t.isdigit() or _stray_mark(t) and not re.search(r"\d", t) for t in nonempty[1:]):
        return True
    # a two-sided table's 栏次 row (栏次 | | 1 | 栏次 | | 2: the word on each side, one number each) with one
    # of its numbers read as a lone character (方 for 1 on a 1-bit scan of calibration gen7_018's 公开01表)
    lanci = sum(t in LANCI_WORDS for t in nonempty)
    if lanci >= 2 and nonempty[0] in LANCI_WORDS and lanci + sum(t.isdigit() for t in nonempty) >= 3 \
            and len(others) <= 1 and all(len(t) == 1 for t in others):
        return True
    # a row opening with 栏次 whose numbers count up, with a speck or two read as short words among them (美2 on
    # a 1-bit scan of calibration gen7_008's 公开04表): only the 栏次 row opens with the word
    # (a number with a speck read as a letter or two beside it, CA3, is a number here)
    # (a rule's remnant read as strokes, 一 or 十, beside a number or alone — “十一1” in the 行次 column of a worn
    # photocopy's 公开04表 — is a mark: the row's labels were taken from its numbers, and no template knew it)
    return bool(nonempty) and nonempty[0] in LANCI_WORDS \
        and sum(_column_number(t) and bool(re.search(r"\d", t)) for t in nonempty) >= 3 \
        and len(others) <= max(1, len(nonempty) // 4) \
        and all(len(t) <= 2 and len(_CJK.findall(t)) <= 1 or _column_number(_STROKES.sub("", t))
                or _stray_mark(_STROKES.sub("", t)) for t in others)


_STROKES = re.compile(r"[一十丨]")


def _stray_mark(t: str) -> bool:
    """No ideograph: one or two marks, or a longer run without a digit (a seal's strokes read as kana,
    “なるか。”, on a 1-bit scan) — no label and no column number."""
    return not _CJK.search(t) and (len(t) <= 2 or not re.search(r"\d", t))


def header_grid(cells: list[HeaderCell], n_rows: int, n_cols: int) -> list[list[str]]:
    grid = [["" for _ in range(n_cols)] for _ in range(n_rows)]
    for h in cells:
        if h.row < n_rows and h.col < n_cols:
            grid[h.row][h.col] = clean_cell_text(h.text)
    return grid


def flatten_header(cells: list[HeaderCell], n_rows: int, n_cols: int) -> list[str]:
    grid = header_grid(cells, n_rows, n_cols)
    skip_rows = {r for r in range(n_rows) if is_lanci_row(grid[r])}
    paths: list[list[str]] = [[] for _ in range(n_cols)]
    for r in range(n_rows):
        if r in skip_rows:
            continue
        for h in cells:
            if h.row != r:
                continue
            text = clean_cell_text(h.text)
            if not text:
                continue
            for c in range(h.col, min(n_cols, h.col + h.colspan)):
                if not paths[c] or paths[c][-1] != text:
                    paths[c].append(text)
    # a title row spanning every column (财政拨款“三公”经费) says nothing about any one column
    while n_cols > 1 and all(len(p) > 1 for p in paths) and len({p[0] for p in paths}) == 1:
        paths = [p[1:] for p in paths]
    flat = [p[-1] if p else "" for p in paths]
    counts: dict[str, int] = {}
    for f in flat:
        counts[f] = counts.get(f, 0) + 1
    out = []
    for c, f in enumerate(flat):
        if f and counts[f] > 1 and len(paths[c]) > 1:
            out.append("/".join(paths[c]))
        else:
            out.append(f)
    return out


_NOT_WORDS = re.compile(r"[^\u4e00-\u9fff（）()]")
# (款 ends a 类 | 款 | 项 code label, not an amount's 财政拨款 worn — “国有资本经营算财政搜款”)
_NON_AMOUNT = re.compile(r"(科目$|编码|代码|科目名称|项目$|名称|行次|栏次|序号|类$|(?<!财政.)(?<!拨)款$|项$|^类|^款|"
                         r"^项$|说明|单位$)")


def is_amount_column(label: str) -> bool:
    """True for columns holding amounts (决算数, 合计, 基本支出 …); False for codes, names, 行次."""
    label = label.split("/")[-1]
    if not label:
        return True
    # letters, digits and kana beside the words are a watermark's or seal's strokes read with them
    # (项目hん20 on a 1-bit scan): the words say what the column holds
    words = _NOT_WORDS.sub("", label)
    return not _NON_AMOUNT.search(words or label)


# a word of the labels over amounts (决算数, 合计, 基本支出, 财政拨款收入, 年末结转和结余, 公用经费, 金额, 接待 …)
_AMOUNT_WORD = re.compile(r"[数计合出入支收款余转费金额助缴补配资算预决待]")


def names_amounts(label: str) -> bool:
    """The label says its column holds amounts: an amount column's label (:func:`is_amount_column`) with a word
    of one in it — not a label worn past reading (“攝的” over seed-45 nanyang 公开06表's codes), which names
    nothing, though :func:`is_amount_column` takes it for one (it is not a code's or a name's)."""
    last = label.split("/")[-1]
    # (a 栏次 number taken for the label numbers an amount column: the tables number their amounts' columns)
    return is_amount_column(label) and bool(_AMOUNT_WORD.search(last) or re.fullmatch(r"\d+", last.strip()))


def is_code_column(label: str) -> bool:
    label = label.split("/")[-1]
    return bool(re.search(r"(编码|代码)", label)) or label in CODE_PIECES
