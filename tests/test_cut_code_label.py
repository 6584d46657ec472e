"""A code column whose label was cut by a worn rule (公开06表's 经济分类 | 科目编码 read as 经济分类 alone, seed-21
skew3) still gives its rows' codes: the group is paired by what its cells hold, so each row's name is checked
against the catalogue entry of its printed code (a misread 专用材科费 under 30218 is mended, not left
unflagged as a name-only match)."""
from __future__ import annotations

import pytest

from pipeline.codes import assign_codes, find_label_blocks
from pipeline.extract import extract_document
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def table():
    doc = extract_document(SAMPLES / "s04_health_2023_digital.pdf")
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
