"""The seed-41 tuning set's worn grey photocopies (generator profile ``photocopy150``), pages sliced out of the
generated documents so the tests read only them:

- education's 公开02表 (pages 3–4), printed faint: its digits are as grey as the watermark's strokes, and where
  no darker core is near, cleaning lifts parts of them with the watermark (``read._unlifted`` reads such
  lines again from the stretched page);
- nanyang's 公开06表 (pages 10–11), its header's rules worn away: 经济分 / 类科目 / 编码, three lines of one
  cell, became three header rows whose cells spanned the whole 编码 | 科目名称 | 决算数 group
  (``assemble._labels_in_their_column``), and its totals row's 公用经费合计 was cut in two by the column line
  drawn through it (``labels._cut_totals``);
- nanyang's 公开01表 (page 1), the rule between 收入's 项目 and 行次 worn away where the side prints its 行次
  alone."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest

from pipeline.extract import ExtractSettings, extract_document
from tests.conftest import generated_with_truth, sliced_pdf



@pytest.fixture(scope="module")
def education(tmp_path_factory):
    pdf, truth = generated_with_truth(
        tmp_path_factory.mktemp("education41"), name="gen41_002_education_photocopy150",
        department="education", seed=41002, profile="photocopy150", font="uming",
        repeat_header=True, cover=True)
    return sliced_pdf(pdf, [3, 4]), truth


@pytest.fixture(scope="module")
def nanyang(tmp_path_factory):
    pdf, _ = generated_with_truth(
        tmp_path_factory.mktemp("nanyang41"), name="gen41_005_nanyang_rs_photocopy150",
        department="nanyang_rs", seed=41005, profile="photocopy150", font="serif",
        repeat_header=True, cover=False)
    return pdf


def test_faint_digits_are_read_again_from_the_page_before_its_watermark_is_lifted(education):
    """Of 公开02表's 238 printed amounts, those read right as the recogniser read them (before any repair) and
    as the table gives them: re-reading the unsure lines from the stretched page (1,801.63 read “1,801.23”
    and 4,408.12 “4.408.n” from the cleaned one) gains 27 of each (137 → 164 read, 165 → 192 given);
    counterfactual ``unlift_below=0`` (nothing read again)."""
    pdf, truth = education
    table = next(t for t in truth["tables"] if t.get("form") == "公开02表")
    amounts = {(r["cells"][0]["text"], ci): c["text"] for r in table["rows"] for ci, c in enumerate(r["cells"])
               if c.get("value") is not None}
    assert len(amounts) >= 200

    def right(settings: ExtractSettings) -> tuple[int, int]:
        t = next(t for t in extract_document(pdf, settings).tables if t.form == "公开02表")
        got = {(r.cells[0].text, ci): c for r in t.rows for ci, c in enumerate(r.cells)}
        read = sum(k in got and (got[k].original or got[k].text) == v for k, v in amounts.items())
        given = sum(k in got and got[k].text == v for k, v in amounts.items())
        return read, given

    read, given = right(ExtractSettings())
    s = ExtractSettings()
    read_once, given_once = right(replace(s, read=replace(s.read, unlift_below=0.0)))
    assert read >= read_once + 15 and given >= given_once + 15, (read, read_once, given, given_once)
    assert given >= 0.78 * len(amounts), (given, len(amounts))


def test_a_label_worn_into_a_group_spanning_cell_names_its_own_column(nanyang, monkeypatch):
    """With the header's rules worn, 经济分 (and 编码) sat in cells spanning 编码 | 科目名称 | 决算数: the group's
    科目名称 was headed 科目名称/编码 and its 决算数 经济分/决算数, the columns contradicted the template and
    every cell of the table was in review (``structure``). Each label stands in its own column, off the span's
    centre: it heads that column only."""
    import pipeline.assemble as assemble

    pages = sliced_pdf(nanyang, [10, 11])
    table = next(t for t in extract_document(pages).tables if t.form == "公开06表")
    assert table.columns == ["经济分/类科目/编码", "科目名称", "决算数"] * 3
    assert table.rows[0].cells[2].text == "11,342.19"
    assert not any("structure" in c.reasons for r in table.rows for c in r.cells)
    # the totals row's 公用经费合计, left-aligned in its cell over the group, the 编码 | 科目名称 line drawn
    # through it: read 公用经费 | 合计, joined (``labels._cut_totals``)
    assert [c.text for c in table.rows[-1].cells[3:5]] == ["公用经费合计", ""]
    # counterfactual: a span is cut only when its label is off the span's centre by more than the whole span
    real = assemble._labels_in_their_column
    monkeypatch.setattr(assemble, "_labels_in_their_column",
                        lambda cells, g, texts, dpi: real(cells, g, texts, dpi, off_centre=10.0))
    table = next(t for t in extract_document(pages).tables if t.form == "公开06表")
    assert "科目名称/编码" in table.columns
    assert all("structure" in c.reasons for r in table.rows for c in r.cells)


def test_line_numbers_in_cells_over_two_columns_go_to_their_own(nanyang, monkeypatch):
    """公开01表's 收入 side prints its lower rows' 行次 alone (10 … 26, no item beside them); with the rule
    between 项目 and 行次 worn away in those rows, each number was read in a cell over both and given to 项目,
    行次 left blank, every cell of those rows in review. A number standing inside 行次 goes there
    (``assemble._amount_in_its_column``), the side's blank cells beside a 行次 in sequence are vouched for
    (``score._blank_side``); counterfactual: bare numbers not moved."""
    import pipeline.assemble as assemble

    page = sliced_pdf(nanyang, [1])
    table = next(t for t in extract_document(page).tables if t.form == "公开01表")
    lower = [r for r in table.rows if r.cells[1].text.isdigit() and 9 <= int(r.cells[1].text) <= 25]
    assert len(lower) >= 12, [[c.text for c in r.cells[:3]] for r in table.rows]
    moved = [r for r in lower if not r.cells[0].text and not r.cells[2].text]
    assert len(moved) >= 12 and sum(not any(c.review for c in r.cells[:3]) for r in moved) >= 10
    monkeypatch.setattr(assemble, "_LINE_NUMBER", re.compile(r"(?!)"))
    table = next(t for t in extract_document(page).tables if t.form == "公开01表")
    assert sum(r.cells[0].text.isdigit() for r in table.rows) >= 10


@pytest.fixture(scope="module")
def agriculture(tmp_path_factory):
    pdf, _ = generated_with_truth(
        tmp_path_factory.mktemp("agriculture41"), name="gen41_000_agriculture_photocopy150",
        department="agriculture", seed=41000, profile="photocopy150", font="sans",
        repeat_header=True, cover=True)
    return sliced_pdf(pdf, [9, 10, 11, 12])


def test_cells_an_inferred_side_cut_nothing_from_are_vouched_for(agriculture, monkeypatch):
    """公开05表's total row names itself 合计 in its own cell, and 公开06表 prints nothing for an item of none
    (307 债务利息及费用支出, its amount blank): with a side of those cells inferred from the text they waited
    for a reviewer though an inferred side cut nothing from them. 合计 alone in its own cell of the first
    column, the empty cell beside it, and the blank amount of an item whose code and name the catalogue pairs, with no amount right
    of it, are vouched for (``score._total_label``, ``_blank_amount_of_an_item``); counterfactual: neither."""
    import pipeline.score as score

    def blanks(doc):
        t06 = next(t for t in doc.tables if t.form == "公开06表")
        names = [c.split("/")[-1] for c in t06.columns]
        return [r.cells[ci] for r in t06.rows for ci in range(2, len(r.cells))
                if names[ci] == "决算数" and not r.cells[ci].text and r.cells[ci - 2].text.isdigit()
                and set(r.cells[ci].reasons) == {"watermark", "rule_missing"}]

    doc = extract_document(agriculture)
    total = next(t for t in doc.tables if t.form == "公开05表").rows[0]
    assert "合计" in [c.text for c in total.cells[:2]] and not any(c.review for c in total.cells[:2])
    empty = blanks(doc)
    assert len(empty) >= 8 and not any(c.review for c in empty)
    monkeypatch.setattr(score, "_total_label", lambda row, ci, names: False)
    monkeypatch.setattr(score, "_blank_amount_of_an_item", lambda *a: False)
    doc = extract_document(agriculture)
    total = next(t for t in doc.tables if t.form == "公开05表").rows[0]
    assert all(c.review for c in total.cells[:2])
    assert sum(c.review for c in blanks(doc)) >= 2  # (the others a sum confirms, a blank counting 0)
