"""Stage by stage on rendered pages: the scan backends (morphology layout, OCR reading) must agree with
the born-digital backends (vector rules, text layer) on the same page."""
from __future__ import annotations

import pytest

from pipeline.assemble import assemble
from pipeline.ingest import open_document
from pipeline.layout import find_tables, segments_from_binary
from pipeline.numbers import parse_number
from pipeline.ocr import get_recognizer
from pipeline.preprocess import PreprocessSettings, preprocess_page
from pipeline.read import read_ocr, read_text_layer
from pipeline.textnorm import clean_cell_text, compare_key
from tests.conftest import SAMPLES

DIGITAL = SAMPLES / "s04_health_2023_digital.pdf"


def _page(number: int):
    return next(p for p in open_document(DIGITAL).pages() if p.number == number)


@pytest.fixture(scope="module")
def page2():
    return _page(2)


def test_scan_layout_matches_vector_rules(page2):
    vector = find_tables(page2.rules, page2.width, page2.height, page2.dpi)
    clean = preprocess_page(page2.image, PreprocessSettings(dpi=page2.dpi))
    assert clean.skew == 0.0 and not clean.seal_mask.any()
    raster = find_tables(segments_from_binary(clean.binary, page2.dpi), page2.width, page2.height, page2.dpi)
    assert len(raster) == len(vector) >= 1
    for r, v in zip(raster, vector):
        assert (r.n_rows, r.n_cols) == (v.n_rows, v.n_cols)
        assert max(abs(a - b) for a, b in zip(r.xs, v.xs)) <= 4
        assert max(abs(a - b) for a, b in zip(r.ys, v.ys)) <= 4
        assert [(c.row, c.col, c.rowspan, c.colspan) for c in r.cells] == \
               [(c.row, c.col, c.rowspan, c.colspan) for c in v.cells]


def test_ocr_reading_matches_text_layer(page2):
    grids = find_tables(page2.rules, page2.width, page2.height, page2.dpi)
    text = read_text_layer(page2, grids)
    clean = preprocess_page(page2.image, PreprocessSettings(dpi=page2.dpi))
    ocr = read_ocr(page2, clean, grids, get_recognizer())
    pairs = [(t.cells[k].text, o.cells[k]) for t, o in zip(text.grids, ocr.grids) for k in t.cells]
    same = sum(compare_key(a) == compare_key(b.text) for a, b in pairs)
    assert len(pairs) > 100 and same / len(pairs) >= 0.98
    for truth, reading in pairs:
        if compare_key(truth) != compare_key(reading.text):
            assert reading.score < 0.99 or reading.alternatives, (truth, reading.text)
    # the title, form and unit lines around the table are read as well
    lines = " ".join(l.text for l in ocr.lines)
    assert "收入支出决算总表" in lines and "公开01表" in lines and "单位：万元" in lines


def test_continued_tables_become_one_table():
    doc = open_document(DIGITAL)
    readings = []
    for p in doc.pages():
        readings.append(read_text_layer(p, find_tables(p.rules, p.width, p.height, p.dpi)))
    tables = assemble(readings)
    import json

    truth = json.loads(DIGITAL.with_suffix("").with_suffix(".truth.json").read_text(encoding="utf-8"))
    assert [t.pages for t in tables] == [t["pages"] for t in truth["tables"]]
    assert [len(t.rows) for t in tables] == [len(t["rows"]) for t in truth["tables"]]
    assert any(len(t.pages) > 1 for t in tables)


@pytest.mark.parametrize("text,kind,value,well_formed", [
    ("1,234.50", "number", 1234.5, True), ("36563.69", "number", 36563.69, True), ("0.00", "number", 0.0, True),
    ("", "empty", None, True), ("——", "na", None, True), ("-", "na", None, True), ("－", "na", None, True),
    ("(12.50)", "number", -12.5, True), ("-3.20", "number", -3.2, True), ("99.80%", "number", 99.8, True),
    ("258.9 5", "number", 258.95, True), ("1,23.45", "number", 123.45, False), ("行政运行", "text", None, False),
])
def test_parse_number(text, kind, value, well_formed):
    p = parse_number(text)
    assert p.kind == kind and p.value == value and p.well_formed == well_formed


def test_text_normalisation():
    assert clean_cell_text("⼀般公共服务⽀出") == "一般公共服务支出"  # Kangxi radicals
    assert clean_cell_text("因 公 出 国 （ 境 ） 费 用") == "因公出国（境）费用"  # letter-spaced
    assert clean_cell_text("机关事业单位基本养老保险\n缴费支出") == "机关事业单位基本养老保险缴费支出"  # wrapped
    assert clean_cell_text("2,192.25 ") == "2,192.25"
    assert compare_key("维修（护）费") == compare_key("维修(护)费")
