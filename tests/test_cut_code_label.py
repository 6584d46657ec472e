"""A code column whose label was cut by a worn rule (公开06表's 经济分类 | 科目编码 read as 经济分类 alone, seed-21
skew3) still gives its rows' codes: the group is paired by what its cells hold, so each row's name is checked
against the catalogue entry of its printed code (a misread 专用材科费 under 30218 is mended, not left
unflagged as a name-only match), and its amounts are checked as the group's (人员经费合计 = 301 + 303 summed from
the right column, not from the neighbour group's 决算数)."""
from __future__ import annotations

import pytest

from pipeline.codes import assign_codes, find_label_blocks
from pipeline.extract import extract_document
from pipeline.validate import validate_document
from tests.conftest import SAMPLES


@pytest.fixture
def doc():
    return extract_document(SAMPLES / "s04_health_2023_digital.pdf")


@pytest.fixture
def table(doc):
    return next(t for t in doc.tables if t.form == "公开06表")


def test_a_cut_code_label_keeps_its_column_of_codes(table):
    printed = [[(m.column, m.code, m.source) for m in r.codes] for r in table.rows]
    assert sum(len(p) for p in printed) > 30
    table.columns[3] = "经济分类"  # the label's lower half (科目代码) lost
    table.columns[6] = ""  # a label lost entirely
    blocks = {tuple(b.code_cols): b.name_col for b in find_label_blocks(table)}
    assert blocks == {(0,): 1, (3,): 4, (6,): 7}
    assign_codes(table, 2023)
    assert [[(m.column, m.code, m.source) for m in r.codes] for r in table.rows] == printed


def test_a_name_column_beside_amounts_is_not_given_codes(table):
    # the column left of a name column holds amounts (no codes): no code column is made of it
    for r in table.rows:
        r.cells[3].text = "12.50"
    table.columns[3] = ""
    assert all(b.code_cols != [3] for b in find_label_blocks(table))


def test_identities_of_a_table_with_a_cut_code_label(doc, table):
    def t06_checks():
        validate_document(doc)
        return sorted((c.rule, c.ok, round(c.expected or 0, 2)) for c in doc.checks
                      if any(ref[0] == table.id for ref in c.cells))
    printed = t06_checks()
    assert len(printed) >= 5 and all(ok for _, ok, _ in printed)
    table.columns[3] = "经济分类"
    assert t06_checks() == printed


def test_a_total_label_cut_between_code_and_name_is_joined(doc, table):
    from pipeline.labels import normalise_ocr_labels
    row = next(r for r in table.rows if r.cells[3].text == "公用经费合计")
    for page in doc.pages:
        if page.number == row.page:
            page.mode = "ocr"  # as read from a scan: OCR'd labels may be mended
    row.cells[3].text, row.cells[4].text = "公用经费合", "计"  # a stray rule between the two columns
    other = next(r for r in table.rows if r.page == row.page and r is not row)
    before = [c.text for c in other.cells]
    assert normalise_ocr_labels(doc) >= 1
    assert [row.cells[3].text, row.cells[4].text] == ["公用经费合计", ""]
    assert "label_normalised" in row.cells[3].reasons and row.cells[3].original == "公用经费合"
    assert [c.text for c in other.cells] == before


def test_a_label_with_seal_strokes_still_names_its_column(doc):
    # 公开04表's 支出 项目 column read as 项目hん20 on a 1-bit scan (seed-21 bilevel300): its rows keep the
    # codes of their class names (一、一般公共服务支出 → 201)
    table = next(t for t in doc.tables if t.form == "公开04表")
    col = next(i for i, c in enumerate(table.columns) if i > 0 and c.split("/")[-1] == "项目")
    printed = [[(m.column, m.code) for m in r.codes] for r in table.rows]
    assert sum(m[0] == col for p in printed for m in p) >= 10
    table.columns[col] = table.columns[col] + "hん20"
    assign_codes(table, 2023)
    assert [[(m.column, m.code) for m in r.codes] for r in table.rows] == printed


def test_a_dash_against_a_codes_digits_is_no_digit(table):
    # seed-21 seal_watermark200: 一2100101 (a seal's edge before the code) matched 2010101 by its name 行政运行
    from pipeline.codes import read_code
    for text in ("一2100101", "-2100101", "2100101一", "·2100101"):
        reading = read_code(text)
        assert reading is not None and reading.digits == "2100101" and reading.lookalikes == 1, text
    assert read_code("一、一般公共服务支出") is None and read_code("-12.50") is None and read_code("一") is None
    row = next(r for r in table.rows if r.cells[0].text == "30101")
    row.cells[0].text = "一30101"
    assign_codes(table, 2023)
    assert [(m.column, m.code, m.source) for m in row.codes][0] == (0, "30101", "printed")


def test_a_code_label_run_under_the_name_column_leaves_it_a_name_column(table, doc):
    """Seed-41 nanyang 公开06表 as a worn photocopy read its name columns' labels 科目名称/编码 (the code column's
    lower label run in, the rule between them lost): two code columns then, no name column, and a name read with
    a digit (基本1资) gave its row no code — 301 = Σ 301xx left 30101 out, 13 right cells in review. A label
    naming 名称 over 编码 is a name column's."""
    printed = [[(m.column, m.code) for m in r.codes] for r in table.rows]
    for c in (1, 7):  # (the middle group's label read whole)
        table.columns[c] = table.columns[c] + "/编码"
    row = next(r for r in table.rows if any(m.code == "30101" for m in r.codes))
    row.cells[1].text = "基本1资"
    assert {tuple(b.code_cols): b.name_col for b in find_label_blocks(table)} == {(0,): 1, (3,): 4, (6,): 7}
    assign_codes(table, 2023)
    assert [[(m.column, m.code) for m in r.codes] for r in table.rows] == printed
    from pipeline.codes import _name_over_code

    # (a header whose upper rule between 科目编码 and 科目名称 was lost keeps its 类 | 款 | 项 code columns)
    assert not any(_name_over_code(f"科目编码科目名称/{piece}") for piece in ("类", "款", "项"))
    validate_document(doc)
    assert all(c.ok for c in doc.checks if c.table == table.id)


def test_a_mark_read_at_the_end_of_a_name_is_taken_off(doc, table):
    """A seal's speck read as a mark after a name (劳务费。, seed-43 bilevel300 公开06表): the comparison key leaves
    marks out, so the name passed as its code's and stayed as read, unflagged. A name that is its code's
    catalogue name but for marks at its ends is set to it (``label_normalised``)."""
    from pipeline.labels import normalise_ocr_labels

    row = next(r for r in table.rows if any(m.code == "30201" for m in r.codes))
    name = row.cells[1] if row.cells[0].text == "30201" else next(
        c for k, c in enumerate(row.cells) if k and row.cells[k - 1].text == "30201")
    assert name.text == "办公费"
    name.text = "办公费。"
    for p in doc.pages:
        p.mode = "ocr"
    normalise_ocr_labels(doc)
    assert name.text == "办公费" and "label_normalised" in name.reasons


def test_a_name_run_into_the_amount_beside_it_is_parted():
    """Seed-43 bilevel300 公开06表: the rule between 科目名称 and 决算数 lost in the rows of 手续费 and 水费, each row
    read one cell over both columns, “手续费0.00” — the name unflagged though no catalogue name, the amount
    lost to its column. A cell over two columns reading words then an amount, the second column one of
    amounts, parts them: the words to the first, the amount to the second (each ``rule_missing``, page_tables);
    where the second column holds no amounts, it is left as read."""
    from pipeline.assemble import _amount_in_its_column
    from pipeline.layout import Grid, GridCell
    from pipeline.read import Reading

    g = Grid(xs=[0.0, 100.0, 300.0, 400.0], ys=[0.0, 40.0, 80.0, 120.0, 160.0])
    cell = GridCell(row=2, col=1, rowspan=1, colspan=2, bbox=(100, 80, 400, 120))
    rd = Reading("手续费0.00", 0.98, parts=[("手续费0.00", 100.0, 0.98)], margins=(8, 150))
    texts = [["30201", "办公费", "91.92"], ["30202", "印刷费", "12.00"], ["30204", "手续费0.00", ""],
             ["30205", "水费", "4.90"]]
    assert _amount_in_its_column(g, cell, rd, texts) == {(2, 1): ("手续费", 0.98), (2, 2): ("0.00", 0.98)}
    for row in texts:
        row[2] = "" if row[2] != "" else row[2]
    assert _amount_in_its_column(g, cell, rd, texts) == {}
