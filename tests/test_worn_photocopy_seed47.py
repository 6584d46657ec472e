"""Seed-47 worn photocopies (``make_samples.py --seed 47 --profiles photocopy150``): a tuning set made after the
seed-41/45 ones, where a table's columns came out one too many and every amount sat a column right of its
template's place — the identities held over them, so nothing was flagged:

- jincheng's 公开03表 (pages 5–6): a stroke of the watermark's 校 in the page's margin, 8 mm left of the table,
  taken for a rule — a column of nothing left of 科目代码, under its label (``verdict._blank_slice``);
- agriculture's 公开03表 (pages 5–6): a stray line down the name column, its names in the piece under the group
  label 项目, the piece under 科目名称 blank (``interpret._names_beside_their_blank_column``).
"""
from __future__ import annotations

import pytest

from pipeline.extract import extract_document
from tests.conftest import sliced_pdf, worn_photocopy


def _seed47(factory, index: int, department: str, repeat_header: bool | None):
    return worn_photocopy(factory.mktemp(f"{department}47"), 47, index, department, "serif", repeat_header)


@pytest.fixture(scope="module")
def jincheng(tmp_path_factory):
    pdf, truth = _seed47(tmp_path_factory, 4, "jincheng_rs", None)
    return sliced_pdf(pdf, [5, 6]), truth


@pytest.fixture(scope="module")
def agriculture(tmp_path_factory):
    pdf, truth = _seed47(tmp_path_factory, 7, "agriculture", False)
    return sliced_pdf(pdf, [5, 6]), truth


def _table(pdf):
    tables = [t for t in extract_document(pdf).tables if t.rows]
    assert len(tables) == 1, [(t.id, t.template) for t in tables]
    assert tables[0].template == "T03", tables[0].columns
    return tables[0]


def _printed_first_rows(truth: dict, n: int = 5) -> list[list[str]]:
    """The first ``n`` body rows as printed, to 项目支出 (the blank columns after may read a stroke: stray_dash)."""
    table = next(t for t in truth["tables"] if t.get("form") == "公开03表")
    return [[c["text"] for c in r["cells"][:5]] for r in table["rows"][:n]]


def test_an_edge_column_blank_under_its_neighbours_label_is_no_column(jincheng, monkeypatch):
    """公开03表 has its eight columns and its rows as printed (合计 | | 44047.07 | 26275.96 …); counterfactual
    (no such slice taken off): nine, 科目代码 twice, every amount a column right."""
    from pipeline import verdict

    pdf, truth = jincheng
    table = _table(pdf)
    assert len(table.columns) == 8, table.columns
    assert [[c.text for c in r.cells[:5]] for r in table.rows[:5]] == _printed_first_rows(truth)

    monkeypatch.setattr(verdict, "_blank_slice", lambda table, c, step: False)
    table = _table(pdf)
    assert len(table.columns) == 9 and not any(r.cells[0].text.strip() for r in table.rows), table.columns


def test_names_beside_their_blank_name_column_go_under_its_label(agriculture, monkeypatch):
    """公开03表 has its eight columns, its names under 科目名称 (208 | 社会保障和就业支出 | 596.13 …): the names'
    piece joined to 科目名称's, whose only readings are the watermark's marks; counterfactual (the names left where
    the line put them): nine columns, 科目名称 blank but for marks."""
    from pipeline import interpret

    pdf, truth = agriculture
    table = _table(pdf)
    assert len(table.columns) == 8 and table.columns[1] == "科目名称", table.columns
    assert [[c.text for c in r.cells[:5]] for r in table.rows[:5]] == _printed_first_rows(truth)

    monkeypatch.setattr(interpret, "_names_beside_their_blank_column", lambda *a: 0)
    table = _table(pdf)
    assert len(table.columns) == 9 and "科目名称" in table.columns, table.columns
