"""The seed-43 bench's health 决算 as a bi-level scan (generator profile ``bilevel300``): its 公开01表 (page 2)
under a seal over the 收入 side's 行次 | 金额 line, and the continuation of its 公开04表 (page 6) under a
watermark whose big diagonal characters the recogniser reads as rows of garbage. Two pages of the generated
document (and 公开04表's first page, page 5), sliced out so the test reads only them."""
from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.extract import ExtractSettings, extract_document
from tests.conftest import generated_document



@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    import pypdfium2 as pdfium

    out = tmp_path_factory.mktemp("health43")
    pdf = generated_document(out, name="gen43_003_health_bilevel300", department="health", seed=43003,
                             profile="bilevel300", font="sans", repeat_header=False, cover=True)
    src, doc = pdfium.PdfDocument(str(pdf)), pdfium.PdfDocument.new()
    doc.import_pages(src, [1, 4, 5])
    sliced = out / "pages-2-5-6.pdf"
    doc.save(str(sliced))
    return sliced


def test_a_seal_over_a_column_line_does_not_merge_the_columns(pages, monkeypatch):
    """The seal hid the 行次 | 金额 line in the header and the first rows: the header's 行次 and 金额 were one
    cell (both columns headed 行次金额, the amount role given to the line numbers, three 收入 identities failing,
    180 cells in review) and the first row's 1 | 11,955.00 one cell with the 栏次 row above. The line's rule
    still shows under the seal and is put back (``layout.seal_walls``): 收入 reads 项目 | 行次 | 金额, every
    identity of the table holds, the cells beside the put-back line are ``rule_missing``. Left lost, the
    columns headed alike get their roles by content (``templates._line_numbers_apart``)."""
    import pipeline.templates as templates

    doc = extract_document(pages)
    table = next(t for t in doc.tables if t.form == "公开01表")
    assert len(table.columns) == 6 and table.columns[1].endswith("行次") and "金额" in table.columns[2]
    first = table.rows[0].cells
    assert first[0].text == "一、一般公共预算财政拨款收入" and first[1].text == "1" and first[2].text == "11,955.00"
    assert "rule_missing" in first[2].reasons
    checks = [c for c in doc.checks if c.table == table.id]
    assert len(checks) >= 4 and all(c.ok for c in checks), [(c.rule, c.expected, c.actual) for c in checks if not c.ok]
    # counterfactual: the line left lost — the first row's amount is not read (it ran into the 栏次 row above)
    from pipeline.layout import LayoutSettings

    off = replace(ExtractSettings(), layout=replace(LayoutSettings(), seal_wall_remnant=1.01))
    doc = extract_document(pages, off)
    table = next(t for t in doc.tables if t.form == "公开01表")
    assert "行次金额" in table.columns[1] and "行次金额" in table.columns[2]
    # ... and both columns headed 行次金额: the roles go by content (templates._line_numbers_apart), the line
    # numbers' column is 行次, the amounts' 金额, the 收入 identities are judged on the amounts and put the lost
    # amount back (in review)
    first = table.rows[0].cells[2]
    assert first.original == "" and "filled_in" in first.reasons and first.review
    assert first.text == "11,955.00"
    assert all(c.ok for c in doc.checks if c.table == table.id)
    # (a line number read as a circled or raised digit, which str.isdigit takes and int() refuses, is no number
    # and no crash)
    import copy

    odd = copy.deepcopy(table)
    odd.rows[1].cells[1].text = "②"
    roles = templates.resolve_columns(odd, templates.load_templates()["T01"])
    assert roles["income_line"] == [1] and roles["income_amount"] == [2]
    monkeypatch.setattr(templates, "_line_numbers_apart", lambda table, template, roles: roles)
    doc = extract_document(pages, off)
    table = next(t for t in doc.tables if t.form == "公开01表")
    assert not all(c.ok for c in doc.checks if c.table == table.id)


def test_a_watermark_read_as_garbage_is_no_table_lost(pages):
    """Below the continued 公开04表 the watermark's characters, as black as print on a 1-bit scan, are read as
    lines — '目村 1008 宾村', '大司 伊 村限外', at 0.1–0.3 — lying in rows of three pieces like a table's
    cells without rules: the page was ``unrecovered`` (``text_rows``) though its table was read whole. Rows
    count only of lines read with some certainty (``VerdictSettings.text_row_score``)."""
    doc = extract_document(pages)
    page = doc.pages[2]
    assert page.status == "tables", (page.status, page.reasons)
    assert [t.pages for t in doc.tables if t.form == "公开04表"] == [[2, 3]]
    s = ExtractSettings()
    doc = extract_document(pages, replace(s, verdict=replace(s.verdict, text_row_score=0.0)))
    assert doc.pages[2].status == "unrecovered" and "text_rows" in doc.pages[2].reasons


@pytest.fixture(scope="module")
def education_income(tmp_path_factory):
    """The seed-43 bench's education 决算 as a bi-level scan: its 收入决算表 (pages 3–4), a seal over the
    amounts of 特殊教育 … 其他教育费附加安排的支出."""
    import pypdfium2 as pdfium

    out = tmp_path_factory.mktemp("education43")
    pdf = generated_document(out, name="gen43_002_education_bilevel300", department="education", seed=43002,
                             profile="bilevel300", font="uming", cover=True)
    src, doc = pdfium.PdfDocument(str(pdf)), pdfium.PdfDocument.new()
    doc.import_pages(src, [2, 3])
    sliced = out / "pages-3-4.pdf"
    doc.save(str(sliced))
    return sliced


SEALED_ROWS = {"特殊教育": "499.75", "特殊学校教育": "499.75", "教育费附加安排的支出": "2,762.66",
               "其他教育费附加安排的支出": "2,762.66"}


def _sealed_amounts(doc) -> list[tuple[str, str]]:
    """(printed, read) for 本年收入合计 and 财政拨款收入 of the rows under the seal."""
    table = next(t for t in doc.tables if t.form == "公开02表")
    rows = [r for r in table.rows if r.cells[1].text in SEALED_ROWS]
    assert len(rows) == 4, [r.cells[1].text for r in table.rows]
    return [(SEALED_ROWS[r.cells[1].text], c.text) for r in rows for c in r.cells[2:4]]


def test_digits_under_a_lifted_seal_are_read_from_the_scan(education_income, monkeypatch):
    """A bi-level scan's seal is dither; it is lifted before reading, and at the render's resolution the thin
    serif digits' grey strokes go with it (499.75 read “4#+.7”, 2,762.66 “2762.”). Lines of cells under the
    seal read unsurely are read again from the scan as it was, the surer reading kept (``read._unlifted``):
    the sealed amounts come back; without it most stay misread."""
    import pipeline.read as read

    doc = extract_document(education_income)
    pairs = _sealed_amounts(doc)
    assert sum(p == r for p, r in pairs) >= 6, pairs
    monkeypatch.setattr(read, "_unlifted", lambda clean, ringed, results, recognizer, settings, scan_gray=None:
                        (results, {}))
    before = _sealed_amounts(extract_document(education_income))
    assert sum(p == r for p, r in before) <= 4, before
