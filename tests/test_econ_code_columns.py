"""A 公开06表's code columns known by their body (pipeline.validate._econ_blocks): cells that read as 3/5/7-digit codes
make a code column only when they are codes of the economic classifications — a column of whole amounts in 元
(35700, 91920, …) reads as digits too. Built from the real extraction of the committed born-digital sample s04's
公开06表 (三 blocks: code | name | 决算数), its amounts restated as whole 元 (× 1000, zeros left blank as many
元 tables print them; every sum still holds)."""
from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from pipeline.extract import extract_document
from pipeline.validate import _econ_blocks, validate_document
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def digital():
    return extract_document(SAMPLES / "s04_health_2023_digital.pdf")


def _in_yuan(doc):
    doc = copy.deepcopy(doc)
    table = next(t for t in doc.tables if t.template == "T06")
    table.unit = "元"
    for row in table.rows:
        for k in (2, 5, 8):
            cell = row.cells[k]
            if cell.text.strip():
                v = int(Decimal(cell.text.replace(",", "")) * 1000)
                cell.text = str(v) if v else ""
    return doc, table


def test_whole_yuan_amounts_are_no_code_column(digital):
    doc, table = _in_yuan(digital)
    assert [r.cells[5].text for r in table.rows[1:4]] == ["91920", "28440", ""]  # five-digit amounts, like codes
    assert _econ_blocks(table) == [([0], 1, 2), ([3], 4, 5), ([6], 7, 8)]
    # the identities of the table (类 = Σ 款, 人员/公用经费合计) are built on the amounts and hold
    checks = [c for c in validate_document(doc) if c.rule.startswith("T06")]
    assert len(checks) >= 6 and all(c.ok for c in checks), [(c.rule, c.description) for c in checks if not c.ok]


def test_a_code_column_whose_label_was_lost_is_known_by_its_codes(digital):
    doc, table = _in_yuan(digital)
    table.columns = ["人员经费/经济分类科目编的"] + table.columns[1:3] + ["公用经费/"] + table.columns[4:]
    assert _econ_blocks(table) == [([0], 1, 2), ([3], 4, 5), ([6], 7, 8)]
