"""Two body rows of a 公开表 read as one (their separating rule lost on the scan): the amounts and codes stack
line over line in one cell (seed-21 skew3: “20501” over “2050101” read 205012050101, unflagged). Amounts and
codes never wrap, so that row is flagged ``rows_merged`` (always reviewed) — or, where every column shows the two
rows' lines apart, split back by the text, its cells ``rule_missing``."""
from __future__ import annotations

import sys

import numpy as np
from PIL import Image

from pipeline.extract import extract_document
from tests.conftest import ROOT, SAMPLES

sys.path.insert(0, str(ROOT / "scripts"))
from samplegen.render import rasterise, text_words  # noqa: E402

DIGITAL = SAMPLES / "s04_health_2023_digital.pdf"
PAGE = 3  # 公开02表 收入决算表


def test_two_rows_whose_rule_was_wiped_are_split_back_in_doubt(tmp_path):
    rgb = rasterise(DIGITAL, 200)[PAGE - 1].copy()
    words = text_words(DIGITAL, 200)[PAGE - 1]
    upper = next(w for w in words if w.text == "2100401")
    lower = next(w for w in words if w.text == "2100402")
    gray = rgb.min(axis=2)
    # the rule between the two rows: the dark row of pixels between the codes' boxes, wiped across the table
    ys = [y for y in range(int(upper.box[3]), int(lower.box[1])) if (gray[y, 150:2000] < 128).mean() > 0.5]
    assert ys
    rgb[min(ys) - 1:max(ys) + 2, 140:2300] = 255
    path = tmp_path / "p3.png"
    Image.fromarray(rgb).save(path, dpi=(200, 200))
    table = next(t for t in extract_document(path).tables if t.form == "公开02表")
    # the two rows' lines stack in one row of the grid, in every column that prints them: split back by the
    # text (textgrid.split_stacked_rows), the line between them inferred — its cells are rule_missing, reviewed
    # unless an identity confirms them or something else vouches for them whole (a code and the name beside it
    # that the catalogue pairs: score._vouched_label)
    codes = [r.cells[0].text for r in table.rows]
    assert "2100401" in codes and "2100402" in codes, codes
    upper, lower = (table.rows[codes.index(code)] for code in ("2100401", "2100402"))
    assert all("rule_missing" in c.reasons for c in upper.cells + lower.cells if c.text)
    for row in (upper, lower):
        assert any(m.code == row.cells[0].text and m.name == row.cells[1].text for m in row.codes)
        assert not row.cells[0].review and not row.cells[1].review
    assert not any("rows_merged" in c.reasons for r in table.rows for c in r.cells)


def test_codes_wrapped_in_a_narrow_column_are_not_merged_rows():
    """The 公开06表 of seed-21 skew_noise200 prints its 科目代码 in a narrow column: 30101 wraps as “3010” over
    “1”. That is one code, not two rows: no row of that table is flagged rows_merged."""
    from pipeline.interpret import _check_stacked_rows
    from pipeline.model import Cell, Row, Table

    wrapped = Cell(text="30101", lines=["3010", "1"])
    stacked = Cell(text="205012050101", lines=["20501", "2050101"])
    amounts = Cell(text="1,222.862,400.07", lines=["1,222.86", "2,400.07"])
    table = Table(id="t1", title="", columns=["科目代码", "科目名称", "决算数"],
                  rows=[Row(page=1, cells=[wrapped, Cell(text="基本工资"), Cell(text="1,971.10")]),
                        Row(page=1, cells=[stacked, Cell(text="教育管理事务"), Cell(text="")]),
                        Row(page=1, cells=[Cell(text="301"), Cell(text="工资福利支出"), amounts])])
    _check_stacked_rows(table, [False, False, True], {1})
    assert [any("rows_merged" in c.reasons for c in r.cells) for r in table.rows] == [False, True, True]


def _wipe_rule_in_column(rgb: np.ndarray, upper, lower, word) -> None:
    """The row rule between the rows of the words ``upper`` and ``lower`` wiped in the column of ``word`` (a
    word of the lower row) only, between that column's rules."""
    gray = rgb.min(axis=2)
    ys = [y for y in range(int(upper.box[3]), int(lower.box[1])) if (gray[y, 150:2000] < 128).mean() > 0.5]
    assert ys
    band = slice(int(lower.box[1]), int(lower.box[3]))
    rule = lambda xs: next(x for x in xs if (gray[band, x] < 128).mean() > 0.8)  # noqa: E731 (the column's rules)
    x0, x1 = rule(range(int(word.box[0]), 0, -1)), rule(range(int(word.box[2]), gray.shape[1]))
    rgb[min(ys) - 1:max(ys) + 2, x0 + 3:x1 - 2] = 255


def test_a_cell_merged_over_two_rows_with_one_amount_read_is_flagged(tmp_path):
    """The rule between two rows lost in one amount column only, and the lower amount under a seal's dense
    dither (seed-21 bilevel300: 0.00 over 0.00 read as one 0.00): the merged cell cannot be given back row by
    row, and the lower row's cell came out blank, unflagged. Every row of such a cell is rows_merged."""
    rgb = rasterise(DIGITAL, 200)[PAGE - 1].copy()
    words = text_words(DIGITAL, 200)[PAGE - 1]
    upper = next(w for w in words if w.text == "2100401")
    lower = next(w for w in words if w.text == "2100402")
    row_of = lambda code: sorted((w for w in words if abs(w.box[1] - code.box[1]) < 8 and "." in w.text),
                                 key=lambda w: w.box[0])
    top, bottom = row_of(upper)[1], row_of(lower)[1]  # the 财政拨款收入 column
    _wipe_rule_in_column(rgb, upper, lower, bottom)  # the rule under the upper amount, in its column only
    bx0, by0, bx1, by1 = (int(v) for v in bottom.box)
    blot = np.random.default_rng(4).random((by1 - by0 + 4, bx1 - bx0 + 4)) < 0.85
    rgb[by0 - 2:by1 + 2, bx0 - 2:bx1 + 2][blot] = 0
    path = tmp_path / "p3.png"
    Image.fromarray(rgb).save(path, dpi=(200, 200))
    table = next(t for t in extract_document(path).tables if t.form == "公开02表")
    ri = next(i for i, r in enumerate(table.rows) if r.cells[0].text == "2100402")
    xc = (top.box[0] + top.box[2]) / 2
    ci = next(i for i, c in enumerate(table.rows[ri].cells) if c.bbox[0] <= xc <= c.bbox[2])
    assert table.rows[ri - 1].cells[0].text == "2100401"
    for r in (ri - 1, ri):
        cell = table.rows[r].cells[ci]
        # given back row by row when the blot reads as a line of its own (rule_missing), else rows_merged; the
        # upper amount may go unflagged only when read as printed and its row's sum confirms it exactly
        assert {"rows_merged", "rule_missing"} & set(cell.reasons), (r, cell.text, cell.reasons)
        confirmed = r == ri - 1 and cell.text == top.text and "check_failed" not in cell.reasons
        assert cell.review or confirmed, (r, cell.text, cell.reasons)
    assert table.rows[ri].cells[ci].review
    assert table.rows[ri - 1].cells[ci].text.startswith(top.text)
    assert not [r for i, r in enumerate(table.rows) if i not in (ri - 1, ri)
                and any("rows_merged" in c.reasons for c in r.cells)]



def test_a_code_read_with_its_name_goes_back_to_its_two_columns():
    """公开06表 of seed-21 bilevel300: the rule between 科目代码 and 科目名称 fades out before the page's last row,
    whose code cell spans both columns and was read “30226劳务费”, its name cell blank — both unflagged. The
    code and the name go back to their columns; a pair the catalogue does not know is rule_missing."""
    from pipeline.interpret import interpret_cells
    from pipeline.model import Cell, Row, Table

    def row(code, name, amount, merged=False):
        y0, y1 = 100 * len(rows), 100 * len(rows) + 44
        if merged:  # one cell over both columns; the name column's slot blank inside it
            return Row(page=1, cells=[Cell(text=code + name, bbox=(828, y0, 1349, y1), ocr_score=0.99),
                                      Cell(text="", bbox=(942, y0, 1349, y1)),
                                      Cell(text=amount, bbox=(1349, y0, 1511, y1))])
        return Row(page=1, cells=[Cell(text=code, bbox=(828, y0, 942, y1)), Cell(text=name, bbox=(942, y0, 1349, y1)),
                                  Cell(text=amount, bbox=(1349, y0, 1511, y1))])

    rows: list = []
    for args in [("30225", "专用燃料费", "0.00"), ("30226", "劳务费", "1.41", True), ("30227", "劳模费", "2.37", True),
                 ("30228", "", "0.00")]:
        rows.append(row(*args))
    table = Table(id="t6", columns=["公用经费/科目代码", "公用经费/科目名称", "公用经费/决算数"], rows=rows)
    interpret_cells(table, {1})
    texts = [[c.text for c in r.cells[:2]] for r in table.rows]
    assert texts == [["30225", "专用燃料费"], ["30226", "劳务费"], ["30227", "劳模费"], ["30228", ""]], texts
    assert table.rows[1].cells[0].bbox[2] == 942 and table.rows[1].cells[1].bbox[0] == 942
    assert not any("rule_missing" in c.reasons for c in table.rows[1].cells)  # the catalogue's 30226 劳务费
    assert all("rule_missing" in c.reasons for c in table.rows[2].cells[:2])  # 30227 is 委托业务费
    assert table.rows[2].cells[1].kind == "text"


def test_labels_of_two_rows_in_one_merged_cell_go_back_to_their_rows(tmp_path):
    """公开01表 with the rule under 年初结转和结余 lost in its label column only (seed-21 bilevel300): the
    label cell spanned two rows and read 年初结转和结余总计, the 总计 row's label blank — both unflagged. One
    line in each row's band is each row's own label (a label does not wrap over a row's rule)."""
    rgb = rasterise(DIGITAL, 200)[1].copy()  # 公开01表
    words = text_words(DIGITAL, 200)[1]
    total = next(w for w in words if w.text == "总计")
    above = next(w for w in words if w.text.startswith("年初结转和结余") and abs(w.box[0] - total.box[0]) < 5)
    gray = rgb.min(axis=2)
    ys = [y for y in range(int(above.box[3]), int(total.box[1])) if (gray[y, 150:1400] < 128).mean() > 0.5]
    band = slice(int(total.box[1]), int(total.box[3]))
    x1 = next(x for x in range(int(total.box[2]), gray.shape[1]) if (gray[band, x] < 128).mean() > 0.8)
    rgb[min(ys) - 1:max(ys) + 2, int(total.box[0]) - 4:x1 - 2] = 255  # in the label column only
    path = tmp_path / "p2.png"
    Image.fromarray(rgb).save(path, dpi=(200, 200))
    table = next(t for t in extract_document(path).tables if t.template == "T01")
    labels = [r.cells[0].text for r in table.rows]
    k = labels.index("总计")
    assert labels[k - 1] == above.text, labels
    # (each a label 公开01表 prints, whole: vouched for, not reviewed — score._vouched_label)
    assert all("rule_missing" in table.rows[r].cells[0].reasons and not table.rows[r].cells[0].review
               for r in (k - 1, k))


def test_a_name_over_two_rows_of_a_wide_name_column_goes_back_to_its_rows():
    """seed-21 skew3 公开05表: the name column found as two grid columns (a phantom line), the row rule lost
    under 20501 in the code and name columns: the name cell spanned both rows and read 教育管理事务行政运行,
    the 行政运行 row's name blank, unflagged. One line in each row's band goes back to its row (rule_missing);
    a label over rows of their own that cannot be given back is rows_merged in every row."""
    from pipeline.assemble import page_tables
    from pipeline.layout import Grid, GridCell
    from pipeline.read import GridReading, PageReading, Reading

    xs, ys = [0, 100, 300, 400, 500], [0, 30, 60, 90, 120, 150]

    def reading(name_parts):
        cells, texts = [], {}
        for r in range(5):
            for c in range(4):
                if r in (2, 3) and c in (1, 2):
                    continue
                cells.append(GridCell(r, c, 1, 1 + (c == 1 and r not in (2, 3)), (xs[c], ys[r], xs[c + 1], ys[r + 1])))
        cells = [g for g in cells if not (g.col == 2 and g.row not in (2, 3))]
        cells.append(GridCell(2, 1, 2, 2, (100, 60, 400, 120)))
        header = {(0, 0): "科目代码", (0, 1): "科目名称", (0, 3): "决算数", (1, 0): "205", (1, 1): "教育支出",
                  (1, 3): "38,333.83", (2, 0): "20501", (2, 3): "10,645.92", (3, 0): "2050101", (3, 3): "10,092.32",
                  (4, 0): "2050199", (4, 1): "其他教育管理事务支出", (4, 3): "553.60"}
        for key, text in header.items():
            texts[key] = Reading(text, 0.99, n_lines=1, parts=[(text, ys[key[0]] + 15, 0.99)])
        texts[(2, 1)] = Reading("".join(t for t, _ in name_parts), 0.99, n_lines=len(name_parts),
                                parts=[(t, y, 0.99) for t, y in name_parts])
        grid = Grid(xs=[float(x) for x in xs], ys=[float(y) for y in ys], cells=cells)
        return PageReading(1, "ocr", 600, 200, 200, 0.0, [GridReading(grid, texts)], [])

    pt = page_tables(reading([("教育管理事务", 75.0), ("行政运行", 105.0)]))[0]
    names = {r.cells[0].text: r.cells[1] for r in pt.body}
    assert names["20501"].text == "教育管理事务" and names["2050101"].text == "行政运行", \
        [[c.text for c in r.cells] for r in pt.body]
    assert "rule_missing" in names["20501"].reasons and "rule_missing" in names["2050101"].reasons
    pt = page_tables(reading([("教育管理事务行政运行", 90.0)]))[0]  # one line over both rows
    names = {r.cells[0].text: r.cells[1] for r in pt.body}
    assert "rows_merged" in names["20501"].reasons and "rows_merged" in names["2050101"].reasons
    assert not any("rows_merged" in c.reasons for r in pt.body for c in r.cells if r.cells[0].text == "2050199")


def test_amounts_stacked_over_rows_with_a_speck_line_between_go_back_to_their_rows():
    """seed-21 bilevel300 公开06表: under a dithered seal the rules of 310's column were lost over three rows,
    and the cell read its three amounts 6.23 / 0.00 / 0.00 as lines, with a fourth line read as nothing (the
    seal's speck on the lost rule: y 732, the rows' bands 687 | 732 | 776 | 820 as measured). The empty line
    counted as a line, so nothing was given back: the cell read 6,230,000.00 and its row was flagged. A line
    read as nothing is no line: the amounts go back to their rows (rule_missing)."""
    from pipeline.assemble import page_tables
    from pipeline.layout import Grid, GridCell
    from pipeline.read import GridReading, PageReading, Reading

    xs, ys = [0, 100, 300, 400], [600, 643, 687, 732, 776, 820]

    def reading(parts):
        cells = [GridCell(r, c, 1, 1, (xs[c], ys[r], xs[c + 1], ys[r + 1])) for r in range(5) for c in range(3)
                 if not (c == 2 and r >= 2)]
        cells.append(GridCell(2, 2, 3, 1, (300, 687, 400, 820)))
        texts = {(0, 0): "科目代码", (0, 1): "科目名称", (0, 2): "决算数", (1, 0): "310", (1, 1): "资本性支出",
                 (1, 2): "6.23", (2, 0): "31001", (2, 1): "房屋建筑物购建", (3, 0): "31002", (3, 1): "办公设备购置",
                 (4, 0): "31003", (4, 1): "专用设备购置"}
        texts = {k: Reading(t, 0.99, n_lines=1, parts=[(t, (ys[k[0]] + ys[k[0] + 1]) / 2, 0.99)])
                 for k, t in texts.items()}
        texts[(2, 2)] = Reading("".join(t for t, _ in parts), 0.6, n_lines=len(parts),
                                parts=[(t, y, 0.6) for t, y in parts])
        grid = Grid(xs=[float(x) for x in xs], ys=[float(y) for y in ys], cells=cells)
        return PageReading(1, "ocr", 600, 1000, 300, 0.0, [GridReading(grid, texts)], [])

    pt = page_tables(reading([("6.23", 706.0), ("", 732.0), ("0.00", 762.0), ("0.00", 802.0)]))[0]
    got = {r.cells[0].text: r.cells[2] for r in pt.body}
    assert [got[c].text for c in ("31001", "31002", "31003")] == ["6.23", "0.00", "0.00"]
    assert all("rule_missing" in got[c].reasons for c in ("31001", "31002", "31003"))
    assert not any("rows_merged" in c.reasons for r in pt.body for c in r.cells)
    pt = page_tables(reading([("6.23", 706.0), ("0.00", 720.0)]))[0]  # two lines in one row's band
    got = {r.cells[0].text: r.cells[2] for r in pt.body}
    assert "rows_merged" in got["31001"].reasons and got["31002"].text == ""


def test_one_amount_in_a_cell_merged_over_two_rows_goes_to_the_row_it_stands_in(tmp_path):
    """The rule between two rows lost in one amount column only, the upper row's cell printed blank there
    (seed-21 photocopy150 公开04表: 965.16 in 八、's row, its rule with 七、 worn away in that column): the
    merged cell holds one amount, which had been given to the upper row (the cell's top) — the amount a row
    off, both rows ``rows_merged``. It goes to the row its line stands in, the other row blank; both cells are
    ``rule_missing`` (in doubt until an identity confirms them) and no row is ``rows_merged``."""
    rgb = rasterise(DIGITAL, 200)[PAGE - 1].copy()
    words = text_words(DIGITAL, 200)[PAGE - 1]
    upper = next(w for w in words if w.text == "2100402")
    lower = next(w for w in words if w.text == "2100403")
    amount = max((w for w in words if abs(w.box[1] - lower.box[1]) < 8), key=lambda w: w.box[0])
    assert amount.text == "122.14"  # 2100403's 其他收入
    blank = next(w for w in words if abs(w.box[1] - upper.box[1]) < 8 and w.box[0] > amount.box[0] - 40)
    assert blank.text == "0.00"
    _wipe_rule_in_column(rgb, upper, lower, amount)  # the rule under the upper row, in that column only
    bx0, by0, bx1, by1 = (int(v) for v in blank.box)
    rgb[by0 - 2:by1 + 2, bx0 - 2:bx1 + 2] = 255  # the upper row's cell printed blank
    path = tmp_path / "p3.png"
    Image.fromarray(rgb).save(path, dpi=(200, 200))
    table = next(t for t in extract_document(path).tables if t.form == "公开02表")
    codes = [r.cells[0].text for r in table.rows]
    ri = codes.index("2100403")
    assert codes[ri - 1] == "2100402"
    xc = (amount.box[0] + amount.box[2]) / 2
    ci = next(i for i, c in enumerate(table.rows[ri].cells) if c.bbox[0] <= xc <= c.bbox[2])
    assert table.rows[ri].cells[ci].text == "122.14" and table.rows[ri - 1].cells[ci].text == ""
    assert all("rule_missing" in table.rows[r].cells[ci].reasons for r in (ri - 1, ri))
    assert not any("rows_merged" in c.reasons for r in table.rows for c in r.cells)


def test_one_amount_in_a_cell_merged_over_two_columns_goes_to_the_column_it_stands_in(tmp_path):
    """The column rule between two amount columns lost in one row, the left one's cell printed blank there
    (seed-21 photocopy150 公开03表: 502.70, flush right in 项目支出, read in a cell over 基本支出 | 项目支出): the
    amount had been given to the left column. It goes to the column it stands inside, the other blank, both
    ``rule_missing``."""
    rgb = rasterise(DIGITAL, 200)[PAGE - 1].copy()
    words = text_words(DIGITAL, 200)[PAGE - 1]
    code = next(w for w in words if w.text == "2100403")
    row = sorted((w for w in words if abs(w.box[1] - code.box[1]) < 8 and "." in w.text), key=lambda w: w.box[0])
    amount = row[-1]  # its 其他收入
    assert amount.text == "122.14"
    blank = row[row.index(amount) - 1]  # 附属单位上缴收入, 0.00
    assert blank.text == "0.00"
    gray = rgb.min(axis=2)
    band = slice(int(code.box[1]), int(code.box[3]))
    x = next(x for x in range(int(amount.box[0]), 0, -1) if (gray[band, x] < 128).mean() > 0.8)  # the rule
    rgb[int(code.box[1]) - 6:int(code.box[3]) + 6, x - 2:x + 3] = 255  # lost in that row only
    bx0, by0, bx1, by1 = (int(v) for v in blank.box)
    rgb[by0 - 2:by1 + 2, bx0 - 2:bx1 + 2] = 255  # the left column's cell printed blank
    path = tmp_path / "p3.png"
    Image.fromarray(rgb).save(path, dpi=(200, 200))
    table = next(t for t in extract_document(path).tables if t.form == "公开02表")
    (r,) = [r for r in table.rows if r.cells[0].text == "2100403"]
    xc = (amount.box[0] + amount.box[2]) / 2
    ci = next(i for i, c in enumerate(r.cells) if c.bbox[0] <= xc <= c.bbox[2] and c.bbox[0] > x - 5)
    assert r.cells[ci].text == "122.14" and r.cells[ci - 1].text == "", [c.text for c in r.cells]
    assert "rule_missing" in r.cells[ci].reasons and "rule_missing" in r.cells[ci - 1].reasons


def test_a_rule_remnant_between_two_rows_labels_is_no_line_of_its_own(tmp_path):
    """The seed-21 bench's photocopy150 document, printed with its 公开01表 only (its first page, degraded as on
    the bench): the rule under 十二、农林水支出 worn away in the 支出 label column, its remnants read as a line of
    their own between the two labels, “11”. Three lines over two rows could not be given back row by row,
    and the cell read 十二、农林水支出11十三、交通运输支出 (rows_merged, label_unknown). A line holding only a
    stroke or two beside two lines of print is no line: each row gets its label back (rule_missing)."""
    from samplegen.generate import Recipe, generate
    from samplegen.render import Printer

    recipe = Recipe(name="gen21_007_agriculture_photocopy150", department="agriculture", seed=21007,
                    profile="photocopy150", font="sans", repeat_header=False, cover=False, tables=(1,))
    with Printer() as printer:
        generate(recipe, tmp_path, printer)
    table = next(t for t in extract_document(tmp_path / f"{recipe.name}.pdf").tables if t.form == "公开01表")
    labels = [r.cells[3].text for r in table.rows]
    k = labels.index("十二、农林水支出")
    assert labels[k + 1] == "十三、交通运输支出", labels
    assert all("rule_missing" in table.rows[r].cells[3].reasons and "rows_merged" not in table.rows[r].cells[3].reasons
               for r in (k, k + 1))


def test_one_amount_in_a_cell_merged_over_three_rows_stays_in_doubt(tmp_path):
    """The rules under two rows lost in one amount column, the two upper rows' cells printed blank there: one
    amount in a cell over three rows is not moved by its line's height (under a seal the line read may be
    the ring with the amount, rows from its own: real guihua 公开06表 as a 1-bit scan moved 67.96 four rows
    down). Every slot of the cell is ``rows_merged``, reviewed."""
    rgb = rasterise(DIGITAL, 200)[PAGE - 1].copy()
    words = text_words(DIGITAL, 200)[PAGE - 1]
    first, upper, lower = (next(w for w in words if w.text == code) for code in ("2100401", "2100402", "2100403"))
    amount = max((w for w in words if abs(w.box[1] - lower.box[1]) < 8), key=lambda w: w.box[0])
    assert amount.text == "122.14"
    _wipe_rule_in_column(rgb, first, upper, amount)
    _wipe_rule_in_column(rgb, upper, lower, amount)
    for code in (first, upper):
        blank = next(w for w in words if abs(w.box[1] - code.box[1]) < 8 and w.box[0] > amount.box[0] - 40)
        bx0, by0, bx1, by1 = (int(v) for v in blank.box)
        rgb[by0 - 2:by1 + 2, bx0 - 2:bx1 + 2] = 255
    path = tmp_path / "p3.png"
    Image.fromarray(rgb).save(path, dpi=(200, 200))
    table = next(t for t in extract_document(path).tables if t.form == "公开02表")
    codes = [r.cells[0].text for r in table.rows]
    ri = codes.index("2100403")
    xc = (amount.box[0] + amount.box[2]) / 2
    ci = next(i for i, c in enumerate(table.rows[ri].cells) if c.bbox[0] <= xc <= c.bbox[2])
    cells = [table.rows[r].cells[ci] for r in (ri - 2, ri - 1, ri)]
    assert "122.14" in [c.text for c in cells]
    assert all("rows_merged" in c.reasons and c.review for c in cells), [(c.text, c.reasons) for c in cells]


def test_a_rule_remnant_read_beside_an_amount_in_a_cell_merged_over_rows_is_no_part_of_it():
    """Seed-21 photocopy150 公开06表 (page 10): the rules under 30302 and 30303 lost in the 决算数 column, 71.56 over
    the blank cells of 30303 and 30304, and a remnant of the lower rule read “f1f” on the line between them (the
    page's reading, as below: the cell over rows 361–594, its lines at 401.5 and 518). The cell read “71.56f1f”,
    no amount, and 303's sum failed. A line read on a row line inside a cell merged over rows, beside an amount,
    is the lost rule's remnant: the cell reads the amount, its reading as it was kept as the first alternative,
    and every slot of it stays ``rows_merged`` (one amount over three rows is not moved by its line's height).
    A line well inside a row (two amounts of a cell over two rows) is no remnant."""
    from pipeline.assemble import page_tables
    from pipeline.layout import Grid, GridCell
    from pipeline.read import GridReading, PageReading, Reading

    xs, ys = [100.0, 300.0, 534.0, 654.0], [283.0, 361.0, 438.0, 517.0, 594.0, 672.0]
    cells, readings = [], {}
    for r, code in enumerate(["30301", "30302", "30303", "30304", "30305"]):
        cells += [GridCell(r, 0, 1, 1, (100, int(ys[r]), 300, int(ys[r + 1]))),
                  GridCell(r, 1, 1, 1, (300, int(ys[r]), 534, int(ys[r + 1])))]
        readings[(r, 0)] = Reading(code, 0.99, n_lines=1, parts=[(code, (ys[r] + ys[r + 1]) / 2, 0.99)])
        readings[(r, 1)] = Reading("费", 0.99, n_lines=1, parts=[("费", (ys[r] + ys[r + 1]) / 2, 0.99)])
    cells += [GridCell(0, 2, 1, 1, (534, 283, 654, 361)), GridCell(1, 2, 3, 1, (534, 361, 654, 594)),
              GridCell(4, 2, 1, 1, (534, 594, 654, 672))]
    readings[(0, 2)] = Reading("42.46", 0.99, n_lines=1, parts=[("42.46", 322.0, 0.99)])
    readings[(1, 2)] = Reading("71.56f1f", 0.39, n_lines=2, reasons=["watermark", "low_ocr"],
                               parts=[("71.56", 401.5, 0.9999), ("f1f", 518.0, 0.39)], lines=["71.56", "f1f"])
    readings[(4, 2)] = Reading("79.18", 0.99, n_lines=1, parts=[("79.18", 633.0, 0.99)])
    grid = Grid(xs, ys, cells)
    page = PageReading(number=1, mode="ocr", width=800, height=900, dpi=200, skew=0.0,
                       grids=[GridReading(grid, readings)], lines=[])
    (pt,) = page_tables(page)
    got = [row.cells[2] for row in pt.body]
    assert [c.text for c in got] == ["42.46", "71.56", "", "", "79.18"], [c.text for c in got]
    assert got[1].alternatives[0].text == "71.56f1f", got[1].alternatives
    assert all("rows_merged" in c.reasons for c in got[1:4]), [(c.text, c.reasons) for c in got]


def test_amounts_run_together_split_in_one_way_only():
    """The split itself, on a body row whose cell spans two amount columns (a column rule lost on a worn page):
    two amounts with their two decimals run together go to the columns in order; one amount goes to the column
    it stands in (by its margins); a reading that is not exactly as many amounts as columns is left as read."""
    from pipeline.assemble import _split_merged_amounts
    from pipeline.layout import Grid, GridCell
    from pipeline.read import GridReading, Reading

    xs, ys = [0, 300, 500, 700], [0, 40, 80]
    cells = [GridCell(0, 0, 1, 1, (0, 0, 300, 40)), GridCell(0, 1, 1, 1, (300, 0, 500, 40)),
             GridCell(0, 2, 1, 1, (500, 0, 700, 40)), GridCell(1, 0, 1, 1, (0, 40, 300, 80)),
             GridCell(1, 1, 1, 2, (300, 40, 700, 80))]
    grid = Grid(xs, ys, cells)

    def split(text: str, margins=(120, 10)):
        rd = Reading(text, 0.99, parts=[(text, 60.0, 0.99)], margins=margins)
        return _split_merged_amounts(GridReading(grid, {(1, 1): rd}), n_header=1, lines=True)

    assert split("2069.582069.58") == {(1, 1): ("2069.58", 0.99), (1, 2): ("2069.58", 0.99)}
    assert split("1,092.33 472.43") == {(1, 1): ("1,092.33", 0.99), (1, 2): ("472.43", 0.99)}
    assert split("472.43", margins=(250, 10)) == {(1, 1): ("", 1.0), (1, 2): ("472.43", 0.99)}
    for text in ("2069.582069.58303.42", "2069.5820", "2069.58二2069.58", "2.106.66", "12.345.67"):
        assert split(text) == {}, text
