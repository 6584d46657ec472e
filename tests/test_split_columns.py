"""A column of the body cut by a stray or skewed rule that does not reach the header (skew3 公开06表: a
blank column under 科目名称, every cell right of it one place off, unflagged) is one column again."""
from __future__ import annotations

import sys

from PIL import Image, ImageDraw

from pipeline.extract import extract_document
from pipeline.model import Cell
from tests.conftest import ROOT, SAMPLES

sys.path.insert(0, str(ROOT / "scripts"))
from samplegen.render import rasterise, text_words  # noqa: E402

DIGITAL = SAMPLES / "s04_health_2023_digital.pdf"
TRUTH_ROWS = 22


def test_a_body_column_cut_by_a_stray_rule_is_joined_again(tmp_path):
    """公开06表 with a rule drawn down the right part of the 科目名称 column, from the header's bottom rule
    to the table's: the grid has 10 columns, the table printed 9; the one long name running over the rule
    (机关事业单位基本养老保险缴|费) is whole again and every amount is in the 决算数 column."""
    rgb = rasterise(DIGITAL, 200)[7]
    words = text_words(DIGITAL, 200)[7]
    gray = rgb.mean(axis=2)
    name = next(w for w in words if w.text == "科目名称")
    amount = next(w for w in words if w.text == "决算数")
    first = min(w.box[1] for w in words if w.text == "301")
    band = slice(int(name.box[0]), int(name.box[2]))
    top = max(y for y in range(int(name.box[3]), int(first)) if gray[y, band].mean() < 120)
    last = max(w.box[3] for w in words if w.text[:1].isdigit() and w.box[0] < 300)
    bottom = min(y for y in range(int(last), int(last) + 60) if gray[y, band].mean() < 120)
    x = int(amount.box[0]) - 90  # inside the name column, right of most names
    img = Image.fromarray(rgb)
    ImageDraw.Draw(img).line((x, top, x, bottom), fill="black", width=2)
    path = tmp_path / "p8.png"
    img.save(path, dpi=(200, 200))
    doc = extract_document(path)
    t = next(t for t in doc.tables if t.form == "公开06表")
    assert len(t.columns) == 9 and len(t.header[1]) == 9, t.columns
    names = [r.cells[1].text for r in t.rows]
    assert "机关事业单位基本养老保险缴费" in names
    assert all(r.cells[2].value is not None for r in t.rows[:TRUTH_ROWS - 1] if r.cells[2].text), \
        [[c.text for c in r.cells] for r in t.rows]
    assert [h.colspan for h in t.header_cells if h.cell.text == "科目名称"] == [1, 1, 1]
    assert not any(w["kind"] == "table_structure" for w in doc.warnings)


def test_a_sliver_column_holding_only_a_dash_and_a_stroke_is_no_column():
    """Calibration gen7_007 photocopy150 公开04表: a stray rule cut a sliver off 收入's 金额 column below the group
    label, read —— in one row and 1 in another: a column between 行次 and 金额 with no header cell of its own,
    every column after it a place off against the template — every 支出 label and amount under the wrong
    index, none flagged. A column with no header cell of its own that holds nothing but marks in a row or two
    is no printed column (``assemble._drop_blank_columns``); one with three or more, or with a label, stays.
    Sample s04's 公开01表 as read, with such a column put in after 收入's 行次."""
    import copy

    from pipeline.assemble import _drop_blank_columns
    from pipeline.model import Cell

    t = next(t for t in extract_document(DIGITAL).tables if t.form == "公开01表")
    assert len(t.columns) == 6

    def with_sliver(marks: dict[int, str], label: str = ""):
        u = copy.deepcopy(t)
        u.columns.insert(2, label)
        for h in u.header:
            h.insert(2, label if h is u.header[-1] else "")
        for ri, row in enumerate(u.rows):
            row.cells.insert(2, Cell(text=marks.get(ri, "")))
        return u

    for marks in ({1: "——"}, {1: "——", 29: "1"}):
        u = with_sliver(marks)
        _drop_blank_columns(u)
        assert len(u.columns) == 6 and [r.cells[2].text for r in u.rows] == [r.cells[2].text for r in t.rows]
    u = with_sliver({1: "——", 5: "1", 9: "—"})
    _drop_blank_columns(u)
    assert len(u.columns) == 7
    u = with_sliver({1: "——"}, label="合计")
    _drop_blank_columns(u)
    assert len(u.columns) == 7


def test_a_column_under_a_group_label_alone_is_an_extra_column():
    """The same sliver holding more than marks (its first three rows read, a rule's remnant and specks): its
    flattened label is only the group label over its neighbours (收入 beside 收入/项目 and 收入/行次), a label
    of none of its own — the table's structure is doubted (``columns_extra``), every cell flagged."""
    import copy

    from pipeline.verdict import structure_doubts

    doc = extract_document(DIGITAL)
    t = next(t for t in doc.tables if t.form == "公开01表")
    assert "columns_extra" not in structure_doubts(doc, t)
    u = copy.deepcopy(t)
    u.columns.insert(2, "收入")
    for h in u.header:
        h.insert(2, "")
    for ri, row in enumerate(u.rows):
        row.cells.insert(2, Cell(text="1" if ri < 3 else ""))
    assert "columns_extra" in structure_doubts(doc, u)
