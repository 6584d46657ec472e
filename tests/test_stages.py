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
    # a dash set as two glyphs apart (calibration gen7_011 digital_watermark's text layer: “— —” for ——)
    assert clean_cell_text("— —") == "——" and clean_cell_text("1 - 2") == "1 - 2"
    assert compare_key("维修（护）费") == compare_key("维修(护)费")


def test_a_thin_stroke_alone_in_a_cell_is_a_dash_only_when_solid_and_free(page2):
    """A lone thin band of ink in a cell was always read as a dash. On the rendered 公开01表: a solid stroke
    drawn in the middle of an empty cell is “——”; a rule's remnant running in from the cell's wall (a bowed
    rule crossing the cell's corner) is nothing; the feet of worn digits (the top of “10” erased: broken
    strokes with specks of the faded strokes above) are read as text, never as a dash; a dash worn into
    pieces is still a dash."""
    import cv2
    import numpy as np

    grids = find_tables(page2.rules, page2.width, page2.height, page2.dpi)
    text = read_text_layer(page2, grids)
    g = grids[0]
    cells = {(c.row, c.col): c for c in g.cells}
    empty = [k for k, r in text.grids[0].cells.items() if not r.text and cells[k].bbox[2] - cells[k].bbox[0] > 80]
    ten = next(k for k, r in text.grids[0].cells.items() if r.text == "10")
    dash_at, rule_at = empty[0], empty[1]
    image = page2.image.copy()
    x0, y0, x1, y1 = cells[dash_at].bbox
    xm, ym = (x0 + x1) // 2, (y0 + y1) // 2
    cv2.line(image, (xm - 25, ym), (xm + 25, ym), (0, 0, 0), 2)
    worn_at = empty[2]
    x0, y0, x1, y1 = cells[worn_at].bbox
    xm, ym = (x0 + x1) // 2, (y0 + y1) // 2
    for k in range(5):  # a dash worn into five pieces (60 % of its length)
        cv2.line(image, (xm - 25 + 10 * k, ym), (xm - 19 + 10 * k, ym), (0, 0, 0), 1)
    x0, y0, x1, y1 = cells[rule_at].bbox
    cv2.line(image, (x0, y1 - 7), (x0 + (x1 - x0) // 2, y1 - 8), (0, 0, 0), 2)
    x0, y0, x1, y1 = cells[ten].bbox
    ink = image[y0 + 3:y1 - 3, x0 + 3:x1 - 3]
    rows = np.flatnonzero((ink.max(axis=2) < 128).any(axis=1))
    cols = np.flatnonzero((ink.max(axis=2) < 128).any(axis=0))
    ink[:rows[-1] - 2] = 255  # only the digits' last three pixel rows are left ...
    for k in range(4):  # ... and specks of their faded strokes above them
        ink[rows[0] + 3 + 2 * k:rows[0] + 5 + 2 * k, cols[0] + 3 * k:cols[0] + 3 * k + 2] = 0
    clean = preprocess_page(image, PreprocessSettings(dpi=page2.dpi))
    ocr = read_ocr(page2, clean, grids, get_recognizer()).grids[0].cells
    assert ocr[dash_at].text == ocr[worn_at].text == "——"
    assert ocr[rule_at].text == ""
    assert ocr[ten].text not in ("—", "——", "-")


def test_a_stray_column_rule_on_a_continuation_page_does_not_cut_the_table(monkeypatch):
    """A continuation page whose grid shows every column rule of the previous page's and one more, inside a
    column (a seal's dithered texture standing as a rule on a 1-bit scan cut 财政拨款收入 in two), is that
    table's next page: its rows join the table, the cut column's parts joined back. (It had been a table of
    its own, without title or template, and the first page's sums failed for the rows it took.)"""
    import pipeline.assemble as assemble_module
    from pipeline.layout import Segment

    def read(stray: bool):
        readings = []
        for p in open_document(DIGITAL).pages():
            rules = list(p.rules)
            if stray and p.number == 6:  # the second page of 财政拨款收入支出决算总表: a rule down column 8
                (g,) = find_tables(p.rules, p.width, p.height, p.dpi)
                x = (g.xs[7] + g.xs[8]) / 2
                rules.append(Segment(x, g.ys[0], x, g.ys[-1]))
            readings.append(read_text_layer(p, find_tables(rules, p.width, p.height, p.dpi)))
        return readings

    plain = assemble(read(False))
    cut = read(True)
    assert any(len(gr.grid.xs) == 11 for gr in cut[5].grids)
    tables = assemble(cut)
    assert [t.pages for t in tables] == [t.pages for t in plain]
    assert [[c.text for r in t.rows for c in r.cells] for t in tables] == \
           [[c.text for r in t.rows for c in r.cells] for t in plain]
    # (without the mapping of a cut column the page is a table of its own)
    monkeypatch.setattr(assemble_module, "_column_map", lambda previous, pt: None)
    assert [t.pages for t in assemble(read(True))] != [t.pages for t in plain]


def test_a_next_pages_table_with_more_columns_is_joined_only_as_a_cut_continuation():
    """The cut-column mapping takes a page whose columns are the previous page's and one or two more, under a
    header repeating the previous page's (a stray rule); another table on the next page (its title lost, its
    columns many and even, some near the previous page's rules) or one under another header is not joined."""
    from types import SimpleNamespace

    from pipeline.assemble import _column_map

    def page(edges, header):
        cells = [SimpleNamespace(row=0, col=k, text=t) for k, t in enumerate(header)]
        return SimpleNamespace(col_edges=edges, header_rows=1 if header else 0, header_cells=cells)

    first = page([0, .25, .5, .75, 1], ["项目", "本年收入合计", "财政拨款收入", "其他收入"])
    cut = page([0, .25, .5, .6, .75, 1], ["项目", "本年收入合计", "财政拨款", "收入", "其他收入"])
    assert _column_map(first, cut) == [0, 1, 2, 2, 3]
    assert _column_map(first, page(cut.col_edges, [])) == [0, 1, 2, 2, 3]  # (no header: rows only)
    other = page(cut.col_edges, ["科目编码", "科目名称", "基本支出", "项目支出", "上缴上级支出"])
    assert _column_map(first, other) is None
    even = page([k / 12 for k in range(13)], ["项目", "本年收入合计", "财政拨款收入", "其他收入"])
    assert _column_map(first, even) is None
