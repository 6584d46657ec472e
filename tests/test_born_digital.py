"""Born-digital PDFs: tables from the text layer and vector rules, every table found, cell text equal to
the text layer (checked through pdfium's own bounded-text API), watermark text objects never in cells."""
from __future__ import annotations

import functools

import pypdfium2 as pdfium
import pytest

from pipeline.extract import extract_document
from pipeline.textnorm import clean_cell_text
from tests.conftest import real_pdf

pytestmark = pytest.mark.real

FORMS = ["T01", "T02", "T03", "T04", "T05", "T06", "T07", "T08", "T09"]


def _bounded_text(pdf, page_no: int, bbox, dpi: int) -> str:
    page = pdf[page_no - 1]
    h_pt = page.get_height()
    s = 72.0 / dpi
    x0, y0, x1, y1 = bbox
    tp = page.get_textpage()
    text = tp.get_text_bounded(left=x0 * s + 1, bottom=h_pt - y1 * s + 1, right=x1 * s - 1, top=h_pt - y0 * s - 1)
    return clean_cell_text(text)


@pytest.mark.parametrize("name", ["putuo-caizheng-2024-juesuan.pdf", "putuo-guihua-2024-juesuan.pdf",
                                  "putuo-shehuigongzuo-2024-juesuan.pdf"])
def test_juesuan_every_table_found_and_equal_to_text_layer(name):
    path = real_pdf("juesuan", name)
    doc = extract_document(path)
    assert all(p.mode == "text" for p in doc.pages if p.number != 14)
    templates = [t.template for t in doc.tables]
    for form in FORMS:
        assert form in templates, f"{name}: {form} not found (got {templates})"
    pdf = pdfium.PdfDocument(str(path))
    compared = 0
    for t in doc.tables:
        for row in t.rows:
            for cell in row.cells:
                expected = _bounded_text(pdf, row.page, cell.bbox, 200)
                if cell.text == "" and expected:
                    # a position covered by a merged cell, or a sub-header moved into the header
                    others = [c.text for c in row.cells] + [h for hr in t.header for h in hr]
                    assert any(expected in o for o in others), (t.title, row.page, cell.bbox, expected)
                    continue
                assert cell.text == expected, (t.title, row.page, cell.bbox)
                compared += 1
    assert compared > 800


def test_caizheng_values_codes_and_continuation():
    doc = extract_document(real_pdf("juesuan", "putuo-caizheng-2024-juesuan.pdf"))
    t02 = next(t for t in doc.tables if t.template == "T02")
    assert t02.title == "收入决算表" and t02.unit == "万元" and t02.pages == [8, 9]
    assert t02.columns[:5] == ["类", "款", "项", "科目名称", "本年收入合计"]
    total = t02.rows[0]
    assert total.cells[3].text == "合计" and total.cells[4].value == 2946.25 and total.cells[10].value == 6.20
    row = next(r for r in t02.rows if r.cells[3].text == "行政运行")
    assert [c.code for c in row.codes] == ["2010601"]
    assert row.cells[4].value == 1511.90
    assert doc.authority == "上海市普陀区财政局" and doc.year == 2024 and doc.kind == "部门决算"
    assert not any(c.ok is False for c in doc.checks)


def test_budget_tables_in_yuan():
    doc = extract_document(real_pdf("yusuan", "putuo-sifa-2026-dept.pdf"))
    assert doc.authority == "上海市普陀区司法局" and doc.year == 2026 and doc.kind == "部门预算"
    assert len(doc.tables) >= 9
    t = next(t for t in doc.tables if t.title.endswith("部门支出预算总表"))
    assert t.unit == "元"
    first = t.rows[0]
    assert first.cells[0].text == "204" and first.cells[4].value == 87267272.44
    assert first.codes and first.codes[0].code == "204"


# ------------------------------------------------------------------------------------------ metadata

_AUTHORITIES = {
    "caizheng": "上海市普陀区财政局", "guihua": "上海市普陀区规划和自然资源局",
    "shehuigongzuo": "中共上海市普陀区委社会工作部", "shangwu": "上海市普陀区商务委员会",
    "sifa": "上海市普陀区司法局", "wanli": "上海市普陀区人民政府万里街道办事处",
    "zhengfuban": "上海市普陀区人民政府办公室", "fuliyuan": "上海市普陀区社会福利院",
}


def _expected_metadata(path):
    """Authority, year and kind from the file name (putuo-sifa-2026-unit.pdf → 司法局, 2026, 单位预算)."""
    parts = path.stem.split("-")
    year = next(int(p) for p in parts if p.isdigit() and len(p) == 4)
    kind = "部门决算" if "juesuan" in parts else ("单位预算" if "unit" in parts else "部门预算")
    authority = "上海市财政局" if parts[0] == "shanghai" and parts[1] == "caizheng" else _AUTHORITIES.get(parts[1], "")
    return authority, year, kind


def _real_pdfs():
    from tests.conftest import REAL

    return sorted(REAL.glob("*/*.pdf")) or [REAL / "juesuan" / "absent.pdf"]


@functools.lru_cache(maxsize=None)
def _extracted(path):
    """Every real PDF extracted once for the tests below."""
    return extract_document(path)


@pytest.mark.parametrize("path", _real_pdfs(), ids=lambda p: p.name)
def test_metadata_of_every_real_pdf(path):
    """issue 13 item 11: authority, fiscal year and kind right on every real disclosure (the blank template
    names no authority: “上海市XX局”)."""
    path = real_pdf(path.parent.name, path.name)
    authority, year, kind = _expected_metadata(path)
    doc = _extracted(path)
    assert (doc.authority, doc.year, doc.kind) == (authority, year, kind)
    assert all(t.department in ("", authority) for t in doc.tables)


@pytest.mark.parametrize("path", _real_pdfs(), ids=lambda p: p.name)
def test_text_layer_of_every_real_pdf_is_trusted(path):
    """issue 12 item 4, no false alarms: the text-layer checks (glyphs, amount shapes, digits against the
    page image per font) condemn no page of a clean real disclosure, and no text-layer cell is flagged as a
    malformed amount."""
    doc = _extracted(real_pdf(path.parent.name, path.name))
    assert not [(p.number, r) for p in doc.pages for r in p.reasons if r.startswith("text_layer")]
    text_pages = {p.number for p in doc.pages if p.mode == "text"}
    assert len(text_pages) >= len(doc.pages) - 1  # (a scanned page or two in some: OCR'd, not doubted)
    assert not [(t.title, r.page, c.text) for t in doc.tables for r in t.rows for c in r.cells
                if r.page in text_pages and "format" in c.reasons]


@pytest.mark.parametrize("name,first_table_page", [
    ("yusuan/putuo-shangwu-2025-unit.pdf", 9), ("yusuan/shanghai-caizheng-2025-unit.pdf", 7),
    ("yusuan/putuo-sifa-2026-dept.pdf", 10), ("juesuan/putuo-shehuigongzuo-2024-juesuan.pdf", 5)])
def test_metadata_without_the_cover(tmp_path, name, first_table_page):
    """A document that starts at its tables (cover and narrative cut off): the titles (“2025年预算单位…表”
    vs “2025年部门…表”; “部门预算经济分类” is a catalogue, not the publisher) and the 编制单位 lines decide."""
    from pypdf import PdfReader, PdfWriter

    path = real_pdf(*name.split("/"))
    authority, year, kind = _expected_metadata(path)
    reader, writer = PdfReader(path), PdfWriter()
    for page in reader.pages[first_table_page - 1:first_table_page + 5]:
        writer.add_page(page)
    cut = tmp_path / path.name
    with open(cut, "wb") as f:
        writer.write(f)
    doc = extract_document(cut)
    assert doc.tables and (doc.year, doc.kind) == (year, kind)
    if "yusuan" in name:
        assert doc.authority == authority  # 编制单位：… above every budget table
    else:
        assert doc.authority in ("", authority)  # Shanghai 决算 tables print no 编制单位: never a wrong guess


def test_currency_unit_is_never_the_authority():
    """“单位：人民币元” above a budget table is the unit, not the publisher."""
    from pipeline.interpret import document_metadata
    from pipeline.model import Document, Table
    from pipeline.read import PageReading, TextLine

    doc = Document(source_path="x.pdf", sha256="0", page_count=1)
    doc.tables = [Table(id="t1", title="2025年预算单位收入预算总表", department="人民币元", year=2025),
                  Table(id="t2", title="2025年预算单位支出预算总表", department="人民币元", year=2025)]
    lines = [TextLine("2025年预算单位收入预算总表", (0, 0, 10, 10)), TextLine("单位：人民币元", (0, 20, 10, 30))]
    document_metadata(doc, [PageReading(1, "text", 100, 100, 200, 0.0, [], lines)])
    assert (doc.authority, doc.year, doc.kind) == ("", 2025, "单位预算")
    assert all(t.department == "" for t in doc.tables)
