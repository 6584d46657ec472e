"""Two body rows of a 公开表 read as one (their separating rule lost on the scan): the amounts and codes stack
line over line in one cell (seed-21 skew3: “20501” over “2050101” read 205012050101, unflagged). Amounts and
codes never wrap, so that row is flagged ``rows_merged`` (always reviewed)."""
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


def test_two_rows_read_as_one_are_flagged(tmp_path):
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
    merged = [r for r in table.rows if "2100401" in r.cells[0].text]
    assert len(merged) == 1 and "2100402" in merged[0].cells[0].text, [r.cells[0].text for r in table.rows]
    assert all("rows_merged" in c.reasons and c.review for c in merged[0].cells)
    assert sum("rows_merged" in c.reasons for r in table.rows for c in r.cells) == len(merged[0].cells)


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
    gray = rgb.min(axis=2)
    ys = [y for y in range(int(upper.box[3]), int(lower.box[1])) if (gray[y, 150:2000] < 128).mean() > 0.5]
    assert ys
    band = slice(int(lower.box[1]), int(lower.box[3]))
    rule = lambda xs: next(x for x in xs if (gray[band, x] < 128).mean() > 0.8)  # the column's rules
    x0, x1 = rule(range(int(bottom.box[0]), 0, -1)), rule(range(int(bottom.box[2]), gray.shape[1]))
    rgb[min(ys) - 1:max(ys) + 2, x0 + 3:x1 - 2] = 255  # the rule under the upper amount, in its column only
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
        assert "rows_merged" in cell.reasons and cell.review, (r, cell.text, cell.reasons)
    assert table.rows[ri - 1].cells[ci].text.startswith(top.text)
    assert not [r for i, r in enumerate(table.rows) if i not in (ri - 1, ri)
                and any("rows_merged" in c.reasons for c in r.cells)]
