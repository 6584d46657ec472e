"""Stage 5 — assemble: page readings → document tables.

- header rows vs body rows (the 栏次 row closes the header; the first row holding an amount, a code or a
  合计/总计/一、… label opens the body), one flat label per column (:func:`pipeline.headers.flatten_header`);
- text above a table gives title, form (公开02表), department, year and unit; text below gives notes;
- a table continued on the next page (same columns, no title of its own; header rows repeated or not)
  becomes ONE table with ``pages: [n, n+1]``.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz

from .headers import (LANCI_WORDS, HeaderCell, _lanci_word, flatten_header, is_code_column, is_column_number_row,
                      is_lanci_row)
from .model import Alternative, Cell, HeaderEntry, Row, Table
from .numbers import parse_number
from .performance import FORM_KIND, form_title, form_year, is_form_grid, join_form_columns, starts_form
from .layout import GridCell
from .read import GridReading, PageReading, Reading, TextLine
from .textnorm import FORM_MARK, clean_cell_text, compare_key, form_mark_number

_AMOUNT = re.compile(r"^[-−－]?[\d,，]*\d[.．]\d+%?$|^[-−－]?\d{1,3}(,\d{3})+$")
_CODE = re.compile(r"^\d{3}(\s?\d{2}){0,2}$|^\d{5}$|^\d{7}$")
_BODY_LABEL = re.compile(r"^(合计|总计|本年.{0,6}合计|[一二三四五六七八九十]*、|（[一二三四五六七八九十]+）|人员经费合计|公用经费合计|\d{3}\b)")
_UNIT = re.compile(r"(?:金额)?单位\s*[:：]\s*(万元|元|千元|亿元)")
_DEPT = re.compile(r"(?:部门名称|单位名称|编制部门|编制单位|预算单位|部门|单位)\s*[:：]\s*([^\s:：]{2,40}?)(?:\s|$|\d{4}年|单位[:：]|金额单位)")
_YEAR = re.compile(r"(20\d{2})\s*年度?")
_TITLE = re.compile(r"(表|情况|明细|指标体系)$")
_TITLE_YEAR = re.compile(r"\s*[（(]\s*20\d{2}\s*年度?\s*[)）]$")
_NOTE = re.compile(r"^(注|说明|备注|填报说明)\s*[:：0-9１-９]|本表无数据|^注[:：]?")


@dataclass
class PageTable:
    """One grid on one page, turned into printed rows, before joining continuations."""

    page: int
    grid_reading: GridReading
    header_cells: list[HeaderCell]
    header_rows: int
    body: list[Row]
    above: list[TextLine] = field(default_factory=list)
    below: list[TextLine] = field(default_factory=list)
    col_edges: list[float] = field(default_factory=list)
    all_rows: list[Row] = field(default_factory=list)  # every non-empty grid row, header rows included
    form: bool = False  # a 绩效自评表 (pipeline.performance): every row is a body row


def _has_data(texts: list[str]) -> bool:
    """An amount anywhere in the row, or a classification code in a row that prints no header label (on a
    1-bit scan a seal's or a rule's specks read 111 beside 人员经费 | 公用经费: a header row still)."""
    if any(_AMOUNT.match(t.strip()) for t in texts if t.strip()):
        return True
    if not any(_CODE.match(t.strip()) for t in texts if t.strip()):
        return False
    from .headercheck import printed_labels

    known = printed_labels()[2]
    return not any(compare_key(t) in known for t in texts if t.strip())


def _label_row(texts: list[str], rowspans: list[int]) -> bool:
    """First non-empty cell is a body label (合计, 一、…, 本年收入合计) on a single-row cell."""
    for t, span in zip(texts, rowspans):
        if t.strip():
            return span == 1 and bool(_BODY_LABEL.match(t.strip()))
    return False


def _header_rows(texts: list[list[str]], rowspans: list[list[int]]) -> int:
    """Number of header rows: up to the 栏次 row; else up to the first row with data, extended upwards
    over body-label rows (一、… rows whose amounts are blank); else (empty table) up to a trailing 合计 row."""
    for r, row in enumerate(texts):
        if is_lanci_row(row):
            return r + 1
        if _has_data(row):
            while r > 0 and _label_row(texts[r - 1], rowspans[r - 1]):
                r -= 1
            return r
    # no data anywhere (本表无数据): the body is the trailing 合计 row with nothing else, if any
    for r in range(len(texts) - 1, -1, -1):
        nonempty = [t.strip() for t in texts[r] if t.strip()]
        if len(nonempty) == 1 and _label_row(texts[r], rowspans[r]):
            return r
        # Shanghai: the 类/款/项 sub-headers share the 合计 row
        if "合计" in nonempty and all(t in ("合计", "类", "款", "项") for t in nonempty):
            return r
    return len(texts) if len(texts) <= 6 else 0


def _grid_rows(gr: GridReading) -> tuple[list[list[str]], dict[tuple[int, int], tuple]]:
    g = gr.grid
    texts = [["" for _ in range(g.n_cols)] for _ in range(g.n_rows)]
    where: dict[tuple[int, int], tuple] = {}
    for cell in g.cells:
        rd = gr.cells.get((cell.row, cell.col))
        texts[cell.row][cell.col] = rd.text if rd else ""
        for r in range(cell.row, cell.row + cell.rowspan):
            for c in range(cell.col, cell.col + cell.colspan):
                where[(r, c)] = (cell, rd)
    return texts, where


def _rowspans(g) -> list[list[int]]:
    """Each slot's row span: the span of the cell whose top-left it is, else 1."""
    spans = [[1] * g.n_cols for _ in range(g.n_rows)]
    for cell in g.cells:
        spans[cell.row][cell.col] = cell.rowspan
    return spans


def _split_merged_amounts(gr: GridReading, n_header: int, lines: bool = False,
                          texts: list[list[str]] | None = None) -> dict[tuple[int, int], tuple[str, float]]:
    """Body cells merged over several rows because a rule between them was too faint or broken to
    detect, holding one amount per row: give each row its own line back. Amounts never wrap, so a merged
    cell whose lines are all amounts, one in each row's band, is a missed rule, not a merged cell; so is one
    with as many lines as rows, one in each row's band (a label does not wrap over a row's rule) when
    ``lines`` — a scanned 公开表, not a form (whose 一级 labels span their rows) nor vector rules (exact). A
    line read as nothing (a seal's speck between the rows) is no line."""
    g = gr.grid
    out: dict[tuple[int, int], tuple[str, float]] = {}
    for cell in g.cells:
        if lines and cell.row == n_header - 1:
            out.update(_lanci_over_amount(gr, cell, texts))
            continue
        if lines and cell.rowspan == 1 and cell.colspan > 1 and cell.row >= n_header:
            out.update(_amount_in_its_column(g, cell, gr.cells.get((cell.row, cell.col)), texts))
            continue
        if cell.rowspan < 2 or cell.row < n_header or (cell.colspan != 1 and not lines):
            continue
        rd = gr.cells.get((cell.row, cell.col))
        parts = sorted((p for p in rd.parts if p[0]), key=lambda p: p[1]) if rd is not None else []
        if lines and sum(not _LONE_STROKES.match(t) for t, _, _ in parts) >= 2:
            # (a row rule's remnants between two rows' lines read as a line of their own, “11”)
            parts = [p for p in parts if not _LONE_STROKES.match(p[0])]
        if len(parts) == 1 and lines and cell.colspan == 1 and cell.rowspan == 2 \
                and (_AMOUNT.match(parts[0][0]) or parse_number(parts[0][0]).kind == "na"):
            out.update(_amount_in_its_row(g, cell, parts[0]))
            continue
        if len(parts) < 2:
            continue
        if not all(_AMOUNT.match(t) for t, _, _ in parts) and (not lines or len(parts) != cell.rowspan):
            continue  # a label or a 行次 gives one line to each row it spans (年初结转和结余 over 总计)
        rows = [min(cell.row + cell.rowspan - 1, max(cell.row, bisect.bisect_right(g.ys, y) - 1))
                for _, y, _ in parts]
        if len(set(rows)) != len(rows):
            continue
        for (text, _, score), r in zip(parts, rows):
            out[(r, cell.col)] = (text, score)
        for r in range(cell.row, cell.row + cell.rowspan):
            out.setdefault((r, cell.col), ("", 1.0))
    return out


_LONE_STROKES = re.compile(r"^[1lI|!丨]{1,2}$")
_RULE_STROKE = re.compile(r"^[一—\-_－~＿–]{1,3}$")  # a piece of a row rule read as a line of text


def _on_inner_line(g, cell, y: float, margin: float = 0.2) -> bool:
    """Whether a line of text at ``y`` stands on one of the row lines inside a cell merged over rows (within
    ``margin`` of the adjacent rows' height)."""
    return any(abs(y - g.ys[k]) < margin * min(g.ys[k] - g.ys[k - 1], g.ys[k + 1] - g.ys[k])
               for k in range(cell.row + 1, cell.row + cell.rowspan))


def _remnants_off(gr: GridReading, n_header: int) -> GridReading:
    """The grid's reading without the lines read on a row line inside a body cell merged over rows beside an
    amount, or a stroke alone there between two other lines: the remnants of the row rule lost there (seed-21
    photocopy150 公开06表: “71.56f1f”, 71.56 over two blank cells and “f1f” read where the rule between them stood
    — no amount, and 303's sum failed). The reading
    as it was is kept as the cell's first alternative; the cell keeps its doubt (``rows_merged`` or
    ``rule_missing``, :func:`_split_merged_amounts`)."""
    cells = dict(gr.cells)
    for cell in gr.grid.cells:
        rd = cells.get((cell.row, cell.col))
        if rd is None or cell.rowspan < 2 or cell.colspan != 1 or cell.row < n_header:
            continue
        parts = [p for p in rd.parts if p[0]]
        if len(parts) < 2:
            continue
        if any(_AMOUNT.match(t) for t, _, _ in parts):
            kept = [p for p in parts if _AMOUNT.match(p[0]) or not _on_inner_line(gr.grid, cell, p[1])]
        else:
            # a stroke alone on a row line between two lines of labels: that rule's remnant (seed-41 jincheng
            # 公开01表, “五、事业收入一六、经营收入” over two rows, neither label known)
            kept = [p for p in parts if not (_RULE_STROKE.match(p[0]) and _on_inner_line(gr.grid, cell, p[1]))]
            if len(kept) < 2:
                continue
        if len(kept) == len(parts):
            continue
        kept.sort(key=lambda p: p[1])
        cells[(cell.row, cell.col)] = replace(
            rd, text=clean_cell_text("\n".join(t for t, _, _ in kept)), parts=kept,
            lines=[t for t, _, _ in kept] if len(kept) > 1 else [],
            alternatives=[Alternative(rd.text, rd.score, "ocr")] + [a for a in rd.alternatives if a.text != rd.text])
    return GridReading(gr.grid, cells) if cells != gr.cells else gr


def _amount_in_its_row(g, cell, part: tuple[str, float, float], margin: float = 0.25
                       ) -> dict[tuple[int, int], tuple[str, float]]:
    """One amount (or a dash: not applicable) in a body cell of a scanned 公开表 merged over two rows (the row
    rule lost in its column only): the amount goes to the row its line stands in, well inside it (``margin`` of
    the row's height from either rule), the other row blank; both slots keep ``rule_missing`` (page_tables), so
    they wait for an identity or a reviewer. Seed-21 photocopy150 公开04表: 965.16 over 七、 and 八、's rows was
    given to 七、, a row above its own. An amount standing on a row line is left where it was read
    (``rows_merged``), and so is one in a cell over three rows or more (the caller): under a seal (real guihua
    公开06表 as a 1-bit scan) the line read there may be the seal's ring with the amount, rows below the
    amount's own row."""
    text, y, score = part
    r = bisect.bisect_right(g.ys, y) - 1
    if not cell.row <= r < cell.row + cell.rowspan:
        return {}
    top, bottom = g.ys[r], g.ys[r + 1]
    if min(y - top, bottom - y) < margin * (bottom - top):
        return {}
    out = {(k, cell.col): ("", 1.0) for k in range(cell.row, cell.row + cell.rowspan)}
    out[(r, cell.col)] = (text, score)
    return out


def _amount_in_its_column(g, cell, rd: Reading | None, texts: list[list[str]] | None = None
                          ) -> dict[tuple[int, int], tuple[str, float]]:
    """One amount (or a dash) in a body cell of a scanned 公开表 merged over columns (the column rule lost in
    that row): the amount goes to the column it stands inside, the others blank; each slot keeps
    ``rule_missing`` (page_tables). Seed-21 photocopy150 公开03表: 502.70, printed flush right in 项目支出, read
    in a cell over 基本支出 | 项目支出, had been given to 基本支出. Print across a column line (two amounts
    read as one) is left as it was read, unless it is as many amounts run together as the cell spans columns,
    each with its two decimals (“2069.582069.58” over 基本支出 | 合计, seed-41 photocopy150 公开02表): they
    split in one way only, and go to the columns in order — unless the reading is one amount whose thousands
    separator was read as a point (“2.106.66”). So does a 行次 number (seed-41 nanyang 公开01表: 10 … 26 in cells
    over 项目 | 行次, the 收入 side's lower rows printing their 行次 alone, given to 项目)."""
    if rd is None:
        return {}
    parts = [p for p in rd.parts if p[0]]
    read = re.sub(r"\s+", "", parts[0][0]) if len(parts) == 1 else ""
    run = _RUN_TOGETHER.findall(parts[0][0]) if read else []  # (a space is no digit: “1 234.56” is not 1234.56)
    if len(run) == cell.colspan and "".join(run) == read and not _ONE_AMOUNT.fullmatch(read):
        return {(cell.row, cell.col + k): (amount, parts[0][2]) for k, amount in enumerate(run)}
    if cell.colspan == 2 and (m := _WORDS_THEN_AMOUNT.fullmatch(read)) and _holds_amounts(texts, cell.col + 1):
        # a name run into the amount beside it (手续费0.00 over 科目名称 | 决算数, seed-43 bilevel300 公开06表: the
        # name unflagged, the amount lost): words to the first column, the amount to the second, a column of
        # amounts
        return {(cell.row, cell.col): (m.group(1), parts[0][2]), (cell.row, cell.col + 1): (m.group(2), parts[0][2])}
    if rd.margins is None:
        return {}
    if len(parts) != 1 or not (_AMOUNT.match(parts[0][0]) or parse_number(parts[0][0]).kind == "na"
                               or _LINE_NUMBER.fullmatch(parts[0][0])):
        return {}
    left, right = cell.bbox[0] + rd.margins[0], cell.bbox[2] - rd.margins[1]
    inside = [k for k in range(cell.col, cell.col + cell.colspan) if g.xs[k] < left and right < g.xs[k + 1]]
    last = cell.col + cell.colspan - 1
    if len(inside) != 1 and _TWO_DECIMALS.fullmatch(parts[0][0].strip()) \
            and _flush_right(g.xs[last], g.xs[last + 1], right):
        # an amount flush right in the span's last column, ink left of it across the lost line (its remnant,
        # read with the amount: seed-45 agriculture_007 公开02表, 76.41 of 其他收入 given to 附属单位上缴收入 over
        # both, unflagged — its row's sum holds wherever it stands): amounts are printed flush right
        inside = [last]
    if len(inside) != 1:
        return {}
    out = {(cell.row, k): ("", 1.0) for k in range(cell.col, cell.col + cell.colspan)}
    out[(cell.row, inside[0])] = (parts[0][0], parts[0][2])
    return out


_TWO_DECIMALS = re.compile(r"[-−－]?[\d,，]*\d[.．]\d\d")  # one amount as printed (not 2069.5820, 2.106.66)


def _flush_right(x0: float, x1: float, right: float, pad: float = 0.1, least: float = 0.4) -> bool:
    """Text ending at ``right`` is flush right in the column from ``x0`` to ``x1``: within ``pad`` of its width
    of its right rule, ``least`` of its width past its left one."""
    return x1 - right <= pad * (x1 - x0) and right - x0 >= least * (x1 - x0)


_LINE_NUMBER = re.compile(r"\d{1,3}")  # a 行次, or a code's piece over 类 | 款 (201 | 06): each in its own column
_RUN_TOGETHER = re.compile(r"[-−－]?\d[\d,，]*[.．]\d\d")  # an amount as these tables print it, two decimals
# one amount whose thousands separator was read as a point (“2.106.66”: 2,106.66, real caizheng 公开03表)
_ONE_AMOUNT = re.compile(r"[-−－]?\d{1,3}([.．,，]\d{3})+[.．]\d\d")
def _holds_amounts(texts: list[list[str]] | None, c: int, share: float = 0.6) -> bool:
    """Column ``c`` of the grid's reading holds amounts (two decimals) in ``share`` of its filled cells, three
    at least."""
    cells = [row[c].strip() for row in texts or [] if c < len(row) and row[c].strip()]
    return len(cells) >= 3 and sum(bool(_AMOUNT.match(x)) for x in cells) >= share * len(cells)


_WORDS_THEN_AMOUNT = re.compile(r"([\u4e00-\u9fff][\u4e00-\u9fff（）()、]*[\u4e00-\u9fff）)])([-−－]?\d[\d,，]*[.．]\d\d)")
_NUMBER_THEN_AMOUNT = re.compile(r"^(\d{1,2})[^\d\u4e00-\u9fff]{1,3}([-−－]?[\d,，]*\d[.．]\d\d)$")


def _lanci_over_amount(gr: GridReading, cell, texts: list[list[str]] | None = None
                       ) -> dict[tuple[int, int], tuple[str, float]]:
    """A 栏次 row's cell run into the first body row's below it (the rule between them lost in that column): a
    column number over an amount, read as two lines or as one with a mark between (“3_6,768.74”: 栏次 3 over
    the 合计 row's 项目支出), in a row that is a 栏次 row with that number. Each row gets its own back;
    anything else is left as read."""
    rd = gr.cells.get((cell.row, cell.col))
    if rd is None or cell.rowspan != 2 or cell.colspan != 1:
        return {}
    read = sorted((p for p in rd.parts if p[0]), key=lambda p: p[1])
    parts = [t for t, _, _ in read]
    text = re.sub(r"\s+", "", "".join(parts) if len(parts) != 2 else "_".join(parts))
    m = _NUMBER_THEN_AMOUNT.match(text)
    if m is None:
        return _lanci_over_line(gr.grid, cell, read, texts)
    if texts is not None:
        row = list(texts[cell.row])
        row[cell.col] = m.group(1)
        if not is_column_number_row(row):
            return {}
    return {(cell.row, cell.col): (m.group(1), rd.score), (cell.row + 1, cell.col): (m.group(2), rd.score)}


def _lanci_over_line(g, cell, read: list[tuple[str, float, float]], texts: list[list[str]] | None
                     ) -> dict[tuple[int, int], tuple[str, float]]:
    """The same run of a 栏次 row's cell into the body row below, read as two lines each in its own row's band
    — “栏次” over the first row's label (seed-41 photocopy150 公开01表: 栏次 | 一、一般公共预算财政拨款收入, the
    label taken into the header and the body row left without one): each line to its row, when the 栏次 row
    is one with the upper line."""
    if texts is None or len(read) != 2:
        return {}
    rows = [bisect.bisect_right(g.ys, y) - 1 for _, y, _ in read]
    if rows != [cell.row, cell.row + 1]:
        return {}
    row = list(texts[cell.row])
    row[cell.col] = read[0][0]
    if not is_column_number_row(row):
        return {}
    return {(cell.row, cell.col): (read[0][0], read[0][2]), (cell.row + 1, cell.col): (read[1][0], read[1][2])}


def _lanci_cuts(gr: GridReading, texts: list[list[str]]) -> dict[tuple[int, int], tuple[str, float]]:
    """Every cell of the grid that :func:`_lanci_over_amount` gives back to its two rows."""
    out: dict[tuple[int, int], tuple[str, float]] = {}
    for cell in gr.grid.cells:
        out.update(_lanci_over_amount(gr, cell, texts))
    return out


def _merged_numbers(gr: GridReading, n_header: int, split: dict) -> set[tuple[int, int]]:
    """Body slots of a cell merged over several rows (and one column) that holds a number — an amount or a
    code, which never span rows in these tables — and that :func:`_split_merged_amounts` could not give
    back row by row (one amount where two were printed, a seal over the other, or two read as one): a row
    rule not found there. So is a label over rows that each hold cells of their own (教育管理事务行政运行 over
    the rows of 20501 and 2050101). The rows below it would be left blank without a word; every slot of the
    cell is ``rows_merged`` (always reviewed)."""
    out: set[tuple[int, int]] = set()
    for cell in gr.grid.cells:
        if cell.rowspan < 2 or cell.row < n_header or (cell.row, cell.col) in split:
            continue
        rd = gr.cells.get((cell.row, cell.col))
        text = rd.text if rd is not None else ""
        below = range(cell.row + 1, cell.row + cell.rowspan)
        # a label over rows that hold cells of their own (codes, amounts): one row's label lost into another's
        rows_read = text and all(any(v.text for (r, c), v in gr.cells.items() if r == k and c != cell.col)
                                 for k in below)
        if (re.search(r"\d", text) and not re.search(r"[\u4e00-\u9fff]{2}", text)) or rows_read:
            out.update((r, cell.col) for r in range(cell.row, cell.row + cell.rowspan))
    return out


def _join_stacked_cuts(gr: GridReading, texts: list[list[str]], upto: int, header: bool) -> tuple[GridReading, int]:
    """Rows the text cut apart joined back, among the first ``upto`` rows. The row split of a scan
    (:func:`pipeline.textgrid.split_stacked_rows`, ``Grid.stacked``) puts a line where lines of text stack at the
    row pitch in one grid row; in a header (``header``) that cuts a label wrapped over lines (公开06表's 经济分 |
    类科目 | 编码) into rows that are no printed rows, and in a 绩效自评表 the wrapped texts of its cells
    (审计工作完成时 | 间), whose every rule is printed. Such a line goes where every cell above it is matched by
    one of the same columns below it (a header prints its rows with other column bands — 收入 over 项目 | 金额 —
    or rules between them), and the cells either side are one cell again, their texts joined top to bottom; in a
    header, never the line above the 栏次 row nor one beside a row holding data. Returns the grid reading and
    how many lines went."""
    g, joined = gr.grid, 0
    for i in range(upto - 1, 0, -1):
        y = g.ys[i]
        if not any(abs(s - y) <= 3 for s in g.stacked):
            continue
        if header and (is_column_number_row(texts[i]) or _has_data(texts[i]) or _has_data(texts[i - 1])):
            continue
        above = {(c.col, c.colspan): c for c in g.cells if c.row + c.rowspan == i}
        below = {(c.col, c.colspan): c for c in g.cells if c.row == i}
        if not above or above.keys() != below.keys():
            continue
        readings = {}
        kept = [c for c in g.cells if c not in above.values() and c not in below.values()]
        for key, a in above.items():
            b = below[key]
            kept.append(GridCell(a.row, a.col, a.rowspan + b.rowspan, a.colspan,
                                 (min(a.bbox[0], b.bbox[0]), a.bbox[1], max(a.bbox[2], b.bbox[2]), b.bbox[3])))
            readings[(a.row, a.col)] = _stack_readings(gr.cells.get((a.row, a.col)), gr.cells.get((b.row, b.col)),
                                                       header)
        for c in kept:
            if (c.row, c.col) not in readings and (c.row, c.col) in gr.cells:
                readings[(c.row, c.col)] = gr.cells[(c.row, c.col)]
        shift = lambda r: r - 1 if r > i else r  # noqa: E731 (rows below the line move up one)
        cells = sorted((GridCell(shift(c.row), c.col, c.rowspan - (c.row < i < c.row + c.rowspan), c.colspan,
                                 c.bbox) for c in kept), key=lambda c: (c.row, c.col))
        grid = replace(g, ys=g.ys[:i] + g.ys[i + 1:], cells=cells,
                       inferred=[t for t in g.inferred if not (t[0] == "h" and abs(t[1] - y) <= 3)],
                       stacked=[s for s in g.stacked if abs(s - y) > 3])
        readings = {(shift(r), c): rd for (r, c), rd in readings.items()}
        for c in grid.cells:  # a joined cell is no longer bounded by the line that went
            rd = readings.get((c.row, c.col))
            if rd is not None and "rule_missing" in rd.reasons and not grid.inferred_sides(c.bbox):
                readings[(c.row, c.col)] = replace(rd, reasons=[k for k in rd.reasons if k != "rule_missing"])
        gr, g, joined = GridReading(grid, readings), grid, joined + 1
        texts = texts[:i - 1] + [[(readings[(i - 1, k)].text if (i - 1, k) in readings else "")
                                  for k in range(g.n_cols)]] + texts[i + 1:]
    return gr, joined


_STROKES = re.compile(r"^[\s|!丨Il]*$")  # what a rule's remnant reads as


def _stack_readings(top: Reading | None, bottom: Reading | None, header: bool = False) -> Reading:
    """One cell's reading from the readings of its upper and lower parts: texts and lines top to bottom. In a
    header (``header``) a part holding only a stroke beside a part with words (a rule's remnant in the piece
    cut off a label's cell, ``!`` over 决算数) is left out."""
    parts = [r for r in (top, bottom) if r is not None]
    strokes = [bool(_STROKES.match(r.text)) for r in parts]
    if header and any(strokes) and not all(strokes):
        parts = [r for r, stroke in zip(parts, strokes) if not stroke]
    if not parts:
        return Reading()
    if len(parts) == 1:
        return replace(parts[0])
    lines = [ln for r in parts for ln in (r.lines or ([r.text] if r.text else []))]
    margins = None if any(r.margins is None for r in parts) else \
        (min(r.margins[0] for r in parts), min(r.margins[1] for r in parts))
    return Reading(text="".join(r.text for r in parts), score=min(r.score for r in parts),
                   reasons=list(dict.fromkeys(k for r in parts for k in r.reasons)),
                   n_lines=sum(r.n_lines for r in parts), parts=[p for r in parts for p in r.parts],
                   lines=lines if len(lines) > 1 else [], margins=margins)


def page_tables(reading: PageReading, forms: frozenset[int] = frozenset()) -> list[PageTable]:
    """The grids of a page (top to bottom) as page tables. ``forms``: the grids (their indices) known to be a
    绩效自评表's though they show it neither by a title nor by the indicator header — a form's next page
    (:func:`assemble`)."""
    out = []
    grids = sorted(reading.grids, key=lambda gr: gr.grid.ys[0])
    for k, gr in enumerate(grids):
        g = gr.grid
        texts, where = _grid_rows(gr)
        spans = _rowspans(g)
        top = g.ys[0]
        prev_bottom = grids[k - 1].grid.ys[-1] if k > 0 else 0
        above = [ln for ln in reading.lines if prev_bottom - 2 <= ln.bbox[3] <= top + 2 and ln.bbox[1] < top]
        # a 绩效自评表 changes columns section by section: no header band, every row is a body row
        form = k in forms or is_form_grid([ln.text for ln in above], texts)
        if not form and reading.mode == "ocr":
            for (r, c), (text, _) in _lanci_cuts(gr, texts).items():
                texts[r][c] = text  # (so the 栏次 row is known for one and ends the header)
        n_header = 0 if form else _header_rows(texts, spans)
        if g.stacked and (form or n_header > 1):
            gr, joined = _join_stacked_cuts(gr, texts, g.n_rows if form else n_header, header=not form)
            if joined:
                n_header -= 0 if form else joined  # (a form has no header band)
                g = gr.grid
                texts, where = _grid_rows(gr)
                spans = _rowspans(g)
        if reading.mode == "ocr" and not form:
            gr = _remnants_off(gr, n_header)
            texts, where = _grid_rows(gr)
        split = _split_merged_amounts(gr, n_header, lines=reading.mode == "ocr" and not form, texts=texts)
        if not form and _lanci_row_given_back(texts, split, n_header):
            n_header += 1
        # header cells, with spans clipped to the header band
        header_cells = []
        for cell in g.cells:
            if cell.row < n_header:
                rd = gr.cells.get((cell.row, cell.col))
                text = split[(cell.row, cell.col)][0] if (cell.row, cell.col) in split else texts[cell.row][cell.col]
                header_cells.append(HeaderCell(cell.row, cell.col, text,
                                               min(cell.rowspan, n_header - cell.row), cell.colspan,
                                               bbox=cell.bbox, score=rd.score if rd else 1.0,
                                               reasons=tuple(rd.reasons) if rd else (),
                                               margins_mm=None if rd is None or rd.margins is None else
                                               tuple(round(m * 25.4 / reading.dpi, 2) for m in rd.margins)))
        if reading.mode == "ocr" and not form:
            header_cells = _labels_in_their_column(header_cells, g, texts, reading.dpi)
        merged = set() if form else _merged_numbers(gr, n_header, split)
        body, all_rows = [], []
        for r in range(g.n_rows):
            cells = []
            for c in range(g.n_cols):
                cell, rd = where.get((r, c), (None, None))
                if (r, c) in split:
                    text, score = split[(r, c)]
                    x0, x1 = int(g.xs[c]), int(g.xs[c + 1])
                    cells.append(Cell(text=text, bbox=(x0, int(g.ys[r]), x1, int(g.ys[r + 1])), ocr_score=score,
                                      reasons=list(dict.fromkeys([*rd.reasons, "rule_missing"]))))
                elif cell is not None and cell.row == r and cell.col == c and rd is not None:
                    cells.append(Cell(text=rd.text, bbox=cell.bbox, ocr_score=rd.score,
                                      alternatives=list(rd.alternatives), reasons=list(rd.reasons),
                                      lines=list(rd.lines)))
                else:
                    x0, x1 = int(g.xs[c]), int(g.xs[c + 1])
                    y0, y1 = int(g.ys[r]), int(g.ys[r + 1])
                    # a slot a cell spans whose sides were inferred (no rule seen) is in doubt with it: the span
                    # may be a column or row rule lost, and the slot's own print read into the spanning cell; so
                    # is a body slot beside it in a row where a number spans columns (17.7017.70 over 合计 |
                    # 基本支出: amounts and codes are printed one to a column, the column rule was lost) — on a
                    # scanned 公开表 (a form's cells span columns as printed: 分值 beside a merged 指标; a text
                    # layer's vector rules are exact)
                    doubt = ["rule_missing"] if rd is not None and "rule_missing" in rd.reasons else []
                    if r >= n_header and cell is not None and cell.row == r and rd is not None \
                            and re.search(r"\d", rd.text) and not form and reading.mode == "ocr":
                        doubt.append("columns_merged")
                    cells.append(Cell(text="", bbox=(x0, y0, x1, y1), reasons=doubt))
                if (r, c) in merged:
                    cells[-1].add_reason("rows_merged")
            if all(not c.text for c in cells):
                continue
            row = Row(page=reading.number, cells=cells)
            all_rows.append(row)
            if r >= n_header:
                body.append(row)
        next_top = grids[k + 1].grid.ys[0] if k + 1 < len(grids) else reading.height + 1
        below = [ln for ln in reading.lines if ln.bbox[1] >= g.ys[-1] - 2 and ln.bbox[3] <= next_top + 2]
        width = g.xs[-1] - g.xs[0]
        edges = [(x - g.xs[0]) / max(1.0, width) for x in g.xs]
        out.append(PageTable(reading.number, gr, header_cells, n_header, body, above, below, edges, all_rows, form))
    return out


def _lanci_row_given_back(texts: list[list[str]], split: dict, n_header: int) -> bool:
    """The first body row, as :func:`_split_merged_amounts` gave its cells back line by line, is the 栏次 row:
    it had run into the first body row's cells (the rule between them lost across the amounts: “117,256.95”
    for 1 over 合计's 17,256.95, seed-45 police 公开02表 as a worn photocopy). It is the header's last row, not
    a body row of column numbers."""
    if n_header >= len(texts) or not any(r == n_header for r, _ in split):
        return False
    return is_lanci_row([split.get((n_header, c), (t,))[0] for c, t in enumerate(texts[n_header])])


_HEADER_WORD = re.compile(r"^(类|款|项|合计|小计|[\u4e00-\u9fff]{0,12}(支出|收入|结余|经费|预算数|决算数))$")


def _labels_in_their_column(cells: list[HeaderCell], g, texts: list[list[str]], dpi: int,
                            off_centre: float = 0.25) -> list[HeaderCell]:
    """Header cells spanning two columns or more whose text stands in one column (the rule between them lost
    on a worn scan), cut at the grid's column lines: the text in that column, the others blank.

    A 栏次 number (one to a column, each centred in its own) numbers the column its text's centre is in,
    not the first the cell covers. A label whose cell's sides were inferred from the text (``rule_missing``)
    is cut when its text lies wholly within the first or the last column it covers and its centre is off the
    span's by more than ``off_centre`` of its width (over two columns alike, a label centred in one is just that
    far off and stays: only one left-aligned there, or in a column narrower than the other, is cut): a label
    spanning columns is centred over them (项目 over 编码 | 科目名称 lies within the wide 科目名称 but centred
    over both, and stays). Seed-41 nanyang's 公开06表,
    its three 经济分类科目编码 | 科目名称 | 决算数 groups' headers worn to text rows: 经济分 / 类科目 / 编码 (three
    lines of one cell) in cells spanning the group, and 科目名称 took 编码 and 决算数 took 经济分 — the
    columns contradicted, every cell of the table in review."""
    out: list[HeaderCell] = []
    tol = max(2, dpi // 100)  # (a text's extent measured from the paper beside it, at the render's resolution)
    for h in cells:
        if h.colspan < 2 or h.rowspan != 1 or h.margins_mm is None or h.bbox is None or not h.text.strip():
            out.append(h)
            continue
        left, right = (m * dpi / 25.4 for m in h.margins_mm)
        x0, x1 = h.bbox[0] + left, h.bbox[2] - right
        centre = (x0 + x1) / 2.0
        at = min(h.col + h.colspan - 1, max(h.col, bisect.bisect_right(g.xs, centre) - 1))
        if h.text.strip().isdigit() and is_column_number_row(texts[h.row]):
            pass
        elif "rule_missing" not in h.reasons or at not in (h.col, h.col + h.colspan - 1) \
                or not (g.xs[at] - tol <= x0 and x1 <= g.xs[at + 1] + tol) \
                or abs(centre - (h.bbox[0] + h.bbox[2]) / 2.0) <= off_centre * (h.bbox[2] - h.bbox[0]):
            out.append(h)
            continue
        for c in range(h.col, h.col + h.colspan):
            out.append(replace(h, col=c, colspan=1, text=h.text if c == at else "",
                               bbox=(int(g.xs[c]), h.bbox[1], int(g.xs[c + 1]), h.bbox[3]),
                               margins_mm=None if c != at else h.margins_mm))
    return out


def _fix_header_fragments(pt: PageTable, n_cols: int) -> None:
    """Shanghai tables put sub-headers (类/款/项, 合计/基本支出/项目支出 under 本年支出) on the first body
    row, next to its 合计 label: move them into the header."""
    if not pt.body or pt.header_rows == 0:
        return
    first = pt.body[0]
    label_at = next((i for i, c in enumerate(first.cells) if _BODY_LABEL.match(c.text)),
                    next((i for i, c in enumerate(first.cells) if c.text and c.text not in ("类", "款", "项")), None))
    has_code = any(_CODE.match(c.text) for c in first.cells)
    frag = [i for i, c in enumerate(first.cells)
            if i != label_at and not re.search(r"\d", c.text)
            and (c.text in ("类", "款", "项") or (not has_code and _HEADER_WORD.match(c.text)))]
    if len(frag) >= 2:
        for i in frag:
            c = first.cells[i]
            pt.header_cells.append(HeaderCell(pt.header_rows, i, c.text, bbox=c.bbox, score=c.ocr_score,
                                              reasons=tuple(c.reasons)))
            first.cells[i].text = ""
        pt.header_rows += 1


def _meta(lines: list[TextLine]) -> dict:
    meta: dict = {"title": "", "form": "", "unit": "", "department": "", "year": None}
    joined = " ".join(ln.text for ln in lines)
    m = FORM_MARK.search(joined.replace(" ", ""))
    if m:
        meta["form"] = f"公开{form_mark_number(m):02d}表"
    m = _UNIT.search(joined)
    if m:
        meta["unit"] = m.group(1)
    for ln in lines:
        m = next((m for m in _DEPT.finditer(ln.text + " ") if m.group(1) not in ("万元", "元", "千元", "亿元")), None)
        if m is None:
            continue
        dept = m.group(1)
        # a name wrapped onto the next line (“部门名称：晋城市人力资源和社会保障” / “局”)
        h = ln.bbox[3] - ln.bbox[1]
        for nxt in lines:
            if (0 < nxt.bbox[1] - ln.bbox[1] <= 1.8 * h and re.fullmatch(r"[\u4e00-\u9fff）)]{1,8}", nxt.text)
                    and nxt.bbox[0] < ln.bbox[0] + 0.5 * (ln.bbox[2] - ln.bbox[0])):
                dept += nxt.text
                break
        meta["department"] = dept
        break
    m = _YEAR.search(joined)
    if m:
        meta["year"] = int(m.group(1))
    titles = []
    for ln in lines:
        t = FORM_MARK.sub("", ln.text).strip()
        t = _TITLE_YEAR.sub("", t)  # 部门预算项目支出绩效自评表（2023年度）
        t = re.sub(r"^(附表|表)?\s*\d{0,2}[-—.、]?\s*", "", t) if re.match(r"^(附表|表)\s*\d", t) else t
        if 3 <= len(t) <= 40 and _TITLE.search(t) and not _NOTE.match(t) and "：" not in t and ":" not in t:
            titles.append(t)
    if titles:
        meta["title"] = titles[-1]
    return meta


def _row_edge(row: Row, k: int) -> float | None:
    """A row's top (``k`` = 1) or foot (3): the median of its cells' boxes' (a cell spanning rows aside), None
    when no cell has a box."""
    edges = sorted(c.bbox[k] for c in row.cells if c.bbox)
    return edges[len(edges) // 2] if edges else None


def _rest_of_the_table(previous: PageTable, pt: PageTable, meta: dict, max_gap_rows: float = 1.5) -> bool:
    """``pt`` is the rest of the table ``previous`` holds, on the same page: a grid of the same columns with no
    header and nothing printed between them, starting inside the other's rows or within ``max_gap_rows`` row
    heights below them — the layout saw one worn table as two grids, the second over the first's foot (seed-45
    jincheng 公开10表 as a worn photocopy: rows 1–8 and rows 2–24, its rows 9–24 a table of their own, no
    template, every cell in review)."""
    if pt.page != previous.page or pt.form or previous.form or pt.header_rows or meta["title"] or meta["form"] \
            or pt.above or not _same_columns(previous, pt):
        return False
    a, b = previous.grid_reading.grid, pt.grid_reading.grid
    pitch = (a.ys[-1] - a.ys[0]) / max(1, len(a.ys) - 1)
    return a.ys[0] < b.ys[0] <= a.ys[-1] + max_gap_rows * pitch and b.ys[-1] > a.ys[-1]


def _same_columns(a: PageTable, b: PageTable) -> bool:
    if len(a.col_edges) != len(b.col_edges):
        return False
    return all(abs(x - y) < 0.03 for x, y in zip(a.col_edges, b.col_edges))


def _column_map(previous: PageTable, pt: PageTable, tol: float = 0.015, max_stray: int = 2,
                max_loose: int = 1) -> list[int] | None:
    """When a continuation page has fewer column rules (a last row of merged cells, such as 人员经费合计 |
    公用经费合计), each of its columns starts at one of the previous page's: their indices there. When it has
    more — every rule of the previous page's and a stray one inside a column (a seal's dithered texture or a
    fold standing as a rule, cutting 财政拨款收入 in two on a 1-bit scan), under a header that repeats the
    previous page's (:func:`_continues_header`: seed-45 agriculture_007 公开04表's second page as a worn
    photocopy, its header read 项目 | 行次Y | … | 有序本经营预算财政授款 over 栏次 | 1 …) — each of its
    columns lies in one of the previous page's: the two parts of a cut column map to it, and are joined
    (:func:`_remap`). With fewer, ``max_loose`` of its rules may stand up to three tolerances off the previous
    page's, nearer it than half the way to any other."""
    prev, cur = previous.col_edges, pt.col_edges
    if len(cur) > len(prev):  # (one or two stray rules at most, under a header repeating the previous page's)
        if len(cur) - len(prev) > max_stray or not all(min(abs(x - y) for y in cur) <= tol for x in prev) \
                or not (pt.header_rows == 0 or _continues_header(pt, previous)):
            return None
        return [max(i for i in range(len(prev) - 1) if prev[i] <= (a + b) / 2) for a, b in zip(cur, cur[1:])]
    if len(cur) >= len(prev) or abs(cur[-1] - prev[-1]) > tol:
        return None
    out, loose = [], 0
    for x in cur[:-1]:
        k = min(range(len(prev) - 1), key=lambda i: abs(prev[i] - x))
        off = abs(prev[k] - x)
        if off > tol:
            # (one rule found a little off its place — seed-47 agriculture_007 公开02表's next page as a worn
            # photocopy, its code | name rule 2.5 % of the width left of the first page's, the page read as a
            # table of its own, every cell in review: taken when at most three tolerances off and nearer that
            # rule than half the way to any other)
            second = min(abs(prev[i] - x) for i in range(len(prev)) if i != k)
            loose += 1
            if off > 3 * tol or 2 * off > second or loose > max_loose:
                return None
        if out and k <= out[-1]:
            return None
        out.append(k)
    return out


def _spanned_amounts_in_doubt(pt: PageTable, mapping: list[int], n_prev: int) -> None:
    """A continuation page's column over two or more of the previous page's (a column rule lost down the page;
    its rows remapped, :func:`_remap`): an amount in it went to the first of them, which one it stands in
    unknown — it and the blanks beside it under that column are ``rule_missing``, reviewed unless an identity
    confirms them. A label spanning them (人员经费合计) is as printed."""
    ends = mapping[1:] + [n_prev]
    for k, end in zip(mapping, ends):
        if end - k < 2:
            continue
        for row in pt.body + pt.all_rows:  # (two lists of rows, remapped apart)
            if k < len(row.cells) and _TWO_DECIMALS.search(row.cells[k].text):
                for cell in row.cells[k:end]:
                    cell.add_reason("rule_missing")


def _remap(rows: list[Row], mapping: list[int], n_cols: int) -> list[Row]:
    """The rows' cells in the columns ``mapping`` gives them; the parts of a column cut in two joined."""
    out = []
    for row in rows:
        cells: list[Cell | None] = [None] * n_cols
        for c, cell in enumerate(row.cells):
            if cells[mapping[c]] is None:
                cells[mapping[c]] = cell
            else:
                _join_cells(cells[mapping[c]], cell)
        out.append(Row(page=row.page, cells=[c if c is not None else Cell(text="", bbox=row.cells[0].bbox)
                                             for c in cells], codes=row.codes))
    return out


def _header_texts(pt: PageTable) -> list[str]:
    return [compare_key(h.text) for h in sorted(pt.header_cells, key=lambda h: (h.row, h.col)) if h.text]


def _header_repeated(pt: PageTable, previous: PageTable, min_ratio: float = 75.0) -> bool:
    """The page table's header texts are the previous page's, up to OCR slips."""
    return fuzz.ratio("|".join(_header_texts(pt)), "|".join(_header_texts(previous))) >= min_ratio


def _continues_header(pt: PageTable, previous: PageTable, min_ratio: float = 50.0) -> bool:
    """A continuation page's header, as worn as it may be: the previous page's up to OCR slips
    (:func:`_header_repeated`), or ending in a 栏次 row with its labels still half the previous page's."""
    if _header_repeated(pt, previous):
        return True
    rows = _header_texts_by_row(pt)
    return bool(rows) and is_lanci_row(rows[max(rows)]) and _header_repeated(pt, previous, min_ratio)


def _header_texts_by_row(pt: PageTable) -> dict[int, list[str]]:
    """The page table's header texts, row by row."""
    rows: dict[int, list[str]] = {}
    for h in pt.header_cells:
        rows.setdefault(h.row, []).append(h.text)
    return rows


def _same_header(pt: PageTable, previous: PageTable) -> bool:
    """A continuation page's header rows repeat the first page's: same texts up to OCR slips, or they end
    in a 栏次 row, which only a header has."""
    if not _header_texts(pt) or _header_repeated(pt, previous):
        return True
    return any(is_lanci_row(r) for r in _header_texts_by_row(pt).values())


def _repeated_header_rows(rows: list[Row], previous: PageTable, min_ratio: float = 80.0) -> int:
    """How many of a continuation page's first rows are the previous page's header repeated, read as body rows
    (its rules worn away, so the page's header was not found: seed-47 education 公开02表 as a worn photocopy,
    page 4 opening 项目 | 财政拨款收入 | 上级补助收入 …, 功能分类编码 | 科目名称, then its 栏次 row, every cell
    of them in review as a misread body cell). The rows hold no amount, each prints 栏次 or has at least two
    texts, at least half of them, that are header labels up to OCR slips (the previous page's, or — that
    header worn too — the labels the templates print, ``header_labels.json``, or a part of the previous page's
    run-together labels), at most the previous header's rows and one more, and they end in the 栏次 row: only
    a header prints 栏次, so no body row (年初结转和结余 | 29 | | 年末结转和结余 | 60 with blank amounts, 合计 |
    小计, whose labels a template's header prints too) is taken for one."""
    from .headercheck import printed_labels

    if not previous.header_rows:
        return 0
    heads = [t for t in _header_texts(previous) if len(t) >= 2]
    labels_known = [t for t in printed_labels()[2] if len(t) >= 2] + heads

    def label(t: str) -> bool:
        if len(t) < 2:
            return False
        return any(fuzz.ratio(t, h) >= min_ratio for h in labels_known) \
            or (len(t) >= 4 and any(fuzz.partial_ratio(t, h) >= 90 for h in heads if len(h) > len(t)))
    n = 0
    for i, row in enumerate(rows[:previous.header_rows + 1]):
        texts = [compare_key(c.text) for c in row.cells if c.text.strip()]
        if not texts or any(_AMOUNT.match(t) for t in texts):
            break
        known_to = [label(t) for t in texts]
        if any(_BODY_LABEL.match(t) and not k for t, k in zip(texts, known_to)):
            break  # (一、…, a code: a body row; 本年收入合计 is a header label too)
        if any(_lanci_word(t) == "栏次" for t in texts):
            n = i + 1  # (the header's last row)
            break
        labels = sum(known_to)
        if not (labels >= 2 and 2 * labels >= len(texts)):
            break
    return n


def assemble(readings: list[PageReading]) -> list[Table]:
    """Join the page tables of a document into tables (continuations merged) with their metadata."""
    pts: list[PageTable] = []
    source: dict[int, tuple[PageReading, int]] = {}  # a page table's reading and grid (for a form's next page)
    for reading in readings:
        for k, pt in enumerate(page_tables(reading)):
            source[id(pt)] = (reading, k)
            pts.append(pt)
    tables: list[Table] = []
    last: tuple[Table, PageTable] | None = None
    for pt in pts:
        n_cols = pt.grid_reading.grid.n_cols
        _fix_header_fragments(pt, n_cols)
        meta = _meta(pt.above)
        is_first_on_page = not any(p is not pt and p.page == pt.page and p.grid_reading.grid.ys[0] <
                                   pt.grid_reading.grid.ys[0] for p in pts)
        mapping = None
        begins_form = pt.form and starts_form([r.texts() for r in pt.all_rows])
        if pt.form and not meta["title"]:
            meta["title"] = form_title([ln.text for ln in pt.above])  # a title cut short (“…项目支出绩效自评”)
        if (last is not None and last[0].kind == FORM_KIND and is_first_on_page and pt.page == last[1].page + 1
                and not meta["title"] and not begins_form):
            if not pt.form:  # a form's next page, which shows neither its title nor its indicator header: its
                # grid is a form's too (every row a body row, the rows the row split cut at text lines joined)
                reading, k = source[id(pt)]
                pt = page_tables(reading, frozenset({k}))[k]
            table, previous = last
            join_form_columns(table, previous, pt)  # the next page of a form: its rows, columns matched by position
            if pt.page not in table.pages:
                table.pages.append(pt.page)
            table.notes.extend(_notes(pt.below))
            last = (table, pt)
            continue
        if (last is not None and is_first_on_page and pt.page == last[1].page + 1 and not meta["title"]
                and not meta["form"] and not _same_columns(last[1], pt) and not begins_form):
            mapping = _column_map(last[1], pt)
            if mapping is not None:
                n_prev = len(last[1].col_edges) - 1
                pt.body, pt.all_rows = _remap(pt.body, mapping, n_prev), _remap(pt.all_rows, mapping, n_prev)
                if len(mapping) < n_prev:
                    _spanned_amounts_in_doubt(pt, mapping, n_prev)
                pt.header_cells = [replace(h, col=mapping[h.col]) for h in pt.header_cells]
                pt.col_edges = last[1].col_edges
        if (last is not None and is_first_on_page and pt.page == last[1].page + 1 and not meta["title"]
                and not meta["form"] and _same_columns(last[1], pt) and not begins_form):
            table, _ = last
            # header repeated (as read: OCR may differ a little) → drop it; otherwise what looked like header
            # rows are body rows
            repeated = pt.header_rows == 0 or _same_header(pt, last[1])
            rows = pt.body if repeated else pt.all_rows
            if pt.header_rows == 0 or not repeated:  # (a header found and repeated is dropped already)
                rows = rows[_repeated_header_rows(rows, last[1]):]
            table.rows.extend(rows)
            if pt.page not in table.pages:
                table.pages.append(pt.page)
            table.notes.extend(_notes(pt.below))
            last = (table, pt)
            continue
        if last is not None and _rest_of_the_table(last[1], pt, meta):
            table, _ = last
            # (rows the two grids both hold are the first one's: a row of the second whose middle lies above the
            # foot of the first one's last row is one of them)
            bottom = max((y for r in table.rows if r.page == pt.page and (y := _row_edge(r, 3)) is not None),
                         default=None)
            table.rows.extend(r for r in pt.body if bottom is None or (top := _row_edge(r, 1)) is None
                              or (top + _row_edge(r, 3)) / 2 > bottom)
            g = pt.grid_reading.grid
            if table.bbox is not None and g.bbox is not None:
                table.bbox = (min(table.bbox[0], g.bbox[0]), min(table.bbox[1], g.bbox[1]),
                              max(table.bbox[2], g.bbox[2]), max(table.bbox[3], g.bbox[3]))
            table.notes.extend(_notes(pt.below))
            last = (table, pt)
            continue
        n_rows = pt.header_rows
        header_grid = [["" for _ in range(n_cols)] for _ in range(n_rows)]
        for h in pt.header_cells:
            if h.row < n_rows:
                header_grid[h.row][h.col] = h.text
        columns = flatten_header(pt.header_cells, n_rows, n_cols) if n_rows else [""] * n_cols
        table = Table(id=f"t{len(tables) + 1}", title=meta["title"], form=meta["form"], unit=meta["unit"],
                      pages=[pt.page], header=header_grid, columns=columns, rows=list(pt.body),
                      header_cells=[_header_entry(h) for h in pt.header_cells if h.row < n_rows],
                      notes=_notes(pt.below), department=meta["department"], year=meta["year"],
                      bbox=pt.grid_reading.grid.bbox)
        if pt.form:
            table.kind = FORM_KIND
            table.year = form_year([ln.text for ln in pt.above])  # the 年度 evaluated, not the date it was filled in
        tables.append(table)
        last = (table, pt)
    for table in tables:
        _merge_split_columns(table)
        _merge_spanned_columns(table)
        _drop_blank_columns(table)
    return tables


def _merge_split_columns(table: Table, max_filled: float = 0.4) -> None:
    """Two body columns under one header cell, the right one with no header cell of its own, one of them
    blank in at least 60 % of the rows: one printed column cut by a stray or skewed rule in the body only
    (long names running over it show as 机关事业单位基本养老保险缴 | 费), or two columns of words the left one
    spans in some row. Their cells are joined, left then right. (Code columns under one label — 科目编码 over
    类 | 款 | 项 — are left, so are columns both mostly filled that hold digits, and amounts beside a 行次 column:
    :func:`_line_numbers_beside`.)"""
    if not table.header or not table.rows:
        return
    c = 1
    while c < len(table.columns):
        own = any(c < len(r) and r[c] for r in table.header)
        spanned = any(h.col < c < h.col + h.colspan for h in table.header_cells)
        rows = [r for r in table.rows if c < len(r.cells)]
        filled = [sum(bool(r.cells[k].text) for r in rows) for k in (c - 1, c)]
        # (or two columns of words, no digit in either, the left cell spanning the right in some row: a rule
        # fragment in a few rows only, 用 | 于社会福利的彩票公益金支出)
        words = not any(re.search(r"\d", r.cells[k].text) for r in rows for k in (c - 1, c)) and any(
            r.cells[c - 1].text and _spans(r.cells[c - 1], r.cells[c]) for r in rows)
        if (own or not spanned or not rows or (min(filled) > max_filled * len(rows) and not words)
                or is_code_column(compare_key(table.columns[c])) or _line_numbers_beside(rows, c)):
            c += 1
            continue
        for r in rows:
            _join_cells(r.cells[c - 1], r.cells[c])
        _remove_columns(table, {c})


def _line_numbers_beside(rows: list[Row], c: int, min_rows: int = 3, share: float = 0.6) -> bool:
    """Column ``c - 1`` counts 1, 2, 3 … down the rows (a 行次 column: whole numbers, each mostly one more than
    the one above it) and column ``c`` holds numbers beside some of them: two printed columns, a line number
    and an amount (a 收支总表's 行次 | 金额 whose rule faded in the header and in most rows), not one cut."""
    numbers = [int(r.cells[c - 1].text) if r.cells[c - 1].text.isdigit() else None for r in rows]
    whole = [n for n in numbers if n is not None]
    steps = [b - a for a, b in zip(whole, whole[1:])]
    if len(whole) < min_rows or sum(s == 1 for s in steps) < share * len(steps):
        return False
    return any(n is not None and re.fullmatch(r"[\d,.]+", r.cells[c].text.strip()) for n, r in zip(numbers, rows))


def _spans(left: Cell, right: Cell, tol: int = 3) -> bool:
    """The left cell's box reaches over the right one's (one grid cell spanning both: no wall in that row)."""
    return bool(left.bbox and right.bbox and left.bbox[2] >= right.bbox[2] - tol)


def _join_cells(left: Cell, right: Cell) -> None:
    """Two parts of one printed cell read apart: the right one's text after the left one's, in doubt as much."""
    if right.text:
        boxes = [b for b in (left.bbox, right.bbox) if b is not None]
        left.text = left.text + right.text
        left.ocr_score = min(left.ocr_score, right.ocr_score)  # a blank cell scores 1
        left.reasons = list(dict.fromkeys(left.reasons + right.reasons))
        left.alternatives = []  # they were readings of one part
        left.bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                     max(b[2] for b in boxes), max(b[3] for b in boxes)) if boxes else None
    right.text = ""


def _merge_spanned_columns(table: Table, min_rows: int = 3, max_cut: float = 0.2, tol: int = 3) -> None:
    """A column the body does not separate: the cell left of it spans it in the rows that hold print (at least
    ``min_rows``), but for at most ``max_cut`` of them where the right part holds words (no digit), and a header
    cell spans both — a wall seen in a header row and a row or two only (a skewed rule's fragment in the 栏次
    row cutting 支出/项目 in two, and 十三、交通运输支出 | 出). So is a column blank in every body row under a
    header cell spanning it, whose own header cells hold nothing but a 栏次 its left neighbour lacks (a stray
    rule down the whole body, 5 mm into 支出/项目). It is no printed column: those rows' parts are
    joined, its header cells join their left neighbours in the same header row (“” + “栏次”), and it goes."""
    if not table.header or not table.rows:
        return
    c = 1
    while c < len(table.columns):
        rows = [r for r in table.rows if c < len(r.cells)]
        printed = [r for r in rows if r.cells[c - 1].text]
        spans = [r for r in printed if _spans(r.cells[c - 1], r.cells[c], tol) and not r.cells[c].text]
        cut = [r for r in rows if r.cells[c].text]
        spanned = any(h.col < c < h.col + h.colspan for h in table.header_cells)
        own = [h for h in table.header_cells if h.col == c]
        lefts = [next((g for g in table.header_cells if g.row == h.row and g.col + g.colspan == c), None) for h in own]
        parted = (len(spans) >= min_rows and len(spans) + len(cut) >= len(printed)
                  and len(cut) <= max_cut * len(printed) and not any(re.search(r"\d", r.cells[c].text) for r in cut))
        # (or a column blank in every body row, labelled by no word but a 栏次 its left neighbour lacks: a stray
        # rule down the body of 支出/项目, 5 mm into it, the 栏次 centred in the column landing right of it)
        blank = (rows and not cut and any(h.cell.text.strip() for h in own)
                 and all(not h.cell.text.strip() or _lanci_word(h.cell.text.strip()) in LANCI_WORDS for h in own)
                 and all(not g.cell.text.strip() for h, g in zip(own, lefts) if g is not None and h.cell.text.strip()))
        if (not spanned or not (parted or blank)
                or None in lefts or any(h.rowspan != g.rowspan for h, g in zip(own, lefts))):
            c += 1
            continue
        for r in cut:
            _join_cells(r.cells[c - 1], r.cells[c])
        for h, g in zip(own, lefts):
            _join_cells(g.cell, h.cell)
            g.colspan += h.colspan
            if g.row < len(table.header):
                table.header[g.row][g.col] = g.cell.text
        table.header_cells = [h for h in table.header_cells if h.col != c]
        _remove_columns(table, {c})
        table.columns = flatten_header([HeaderCell(h.row, h.col, h.cell.text, h.rowspan, h.colspan)
                                        for h in table.header_cells], len(table.header), len(table.columns))


def _header_entry(h: HeaderCell) -> HeaderEntry:
    return HeaderEntry(h.row, h.col, h.rowspan, h.colspan,
                       Cell(text=h.text, bbox=h.bbox, ocr_score=h.score, reasons=list(h.reasons)), margins_mm=h.margins_mm)


_MARKS = re.compile(r"^[\s—–\-－一_|Il1]*$")  # dashes and lone strokes


def _drop_blank_columns(table: Table) -> None:
    """A column with no header cell of its own and nothing in any row is an artefact (a stray rule, a seal's
    edge, the page border beside the table, a skewed rule crossing a column of the body only, under a
    header cell that then spans it), not part of the printed table. Nor is a dash or a lone stroke in a row or
    two (a rule's remnant read as —— or 1: calibration gen7_007 photocopy150 公开04表, a column under 收入
    between 行次 and 金额 that put every column after it a place off) anything such a column prints."""
    n = len(table.columns)
    blank = [c for c in range(n)
             if all(not (r[c] if c < len(r) else "") for r in table.header)
             and all(c >= len(row.cells) or _MARKS.match(row.cells[c].text) for row in table.rows)
             and sum(c < len(row.cells) and bool(row.cells[c].text) for row in table.rows) <= 2]
    if not blank or len(blank) == n:
        return
    _remove_columns(table, set(blank))


def _remove_columns(table: Table, drop: set[int]) -> None:
    """Take columns out of the table: labels, header grid, header cells (one spanning a removed column
    loses it from its span; one over removed columns only goes) and every row's cells."""
    keep = [c for c in range(len(table.columns)) if c not in drop]
    new_index = {c: i for i, c in enumerate(keep)}
    for h in table.header_cells:
        first = next((c for c in range(h.col, h.col + h.colspan) if c in new_index), None)
        h.colspan = sum(c in new_index for c in range(h.col, h.col + h.colspan))
        h.col = new_index[first] if first is not None else -1
    table.header_cells = [h for h in table.header_cells if h.col >= 0]
    table.columns = [table.columns[c] for c in keep]
    table.header = [[r[c] for c in keep if c < len(r)] for r in table.header]
    for row in table.rows:
        row.cells = [row.cells[c] for c in keep if c < len(row.cells)]


def _notes(lines: list[TextLine]) -> list[str]:
    notes: list[str] = []
    started = False
    for ln in sorted(lines, key=lambda l: (l.bbox[1], l.bbox[0])):
        t = ln.text.strip()
        if not t:
            continue
        if _NOTE.search(t):
            notes.append(t)
            started = True
        elif started and notes and not re.match(r"^[-—\d\s]+$", t):
            notes[-1] += t  # continuation line of a note
    return notes
