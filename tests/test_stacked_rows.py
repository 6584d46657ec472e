"""Rows stacked in one row of the grid on a skewed, bowed scan of a dense table (issue 10, ``skew3``): the
faint row rules of 公开07表 are lost here and there, and the text lines of two to four printed rows stack in
one cell. Each column's own text lines tell the rows apart (``textgrid.split_stacked_rows``); the lines put in
are recorded as inferred, and the cells they bound are ``rule_missing`` (reviewed unless an identity confirms
them). Clean scans are left as they are. Also: pieces of slanting rules inside a cell's crop are not read
(``read._rule_remnants``)."""
from __future__ import annotations

import numpy as np
import pytest

from pipeline.ingest import IngestSettings, open_document
from pipeline.layout import LayoutSettings, find_tables, scan_tables
from pipeline.preprocess import PreprocessSettings, preprocess_page
from tests.conftest import REAL

PDF = REAL / "juesuan" / "putuo-shehuigongzuo-2024-juesuan.pdf"
real = pytest.mark.skipif(not PDF.exists(), reason=f"{PDF} not available")


def _grids(scan):
    page = next(iter(open_document(scan, IngestSettings(dpi=200)).pages()))
    clean = preprocess_page(page.image, PreprocessSettings(dpi=200))
    h, w = clean.gray.shape
    return scan_tables(clean.binary, clean.rule_ink, w, h, 200, LayoutSettings(), clean.colourless_seals, clean.worn)


def _vector_grid(pdf, number: int):
    page = next(p for p in open_document(pdf, IngestSettings(dpi=200)).pages() if p.number == number)
    return find_tables(page.rules, page.width, page.height, 200)[0]


@pytest.mark.real
@real
def test_rows_stacked_on_a_skewed_scan_are_split(tmp_path):
    """公开07表 (page 13) through ``skew3`` with seed 0: the rule finder keeps 30 of the grid's 40 rows (rows
    such as 30101 | 30102 and 30108 … 30111 stack in one cell). Split by each column's lines, the grid has the
    page's 40 rows again, each row line within a few px of the printed rule; a label wrapped over two lines
    (机关事业单位基本 / 养老保险缴费, the code and amount centred beside it) stays one row."""
    from tests.test_layout_rules import _scanned_page

    ref = _vector_grid(PDF, 13)
    grids = _grids(_scanned_page(13, "skew3", 0, tmp_path))
    assert len(grids) == 1
    g = grids[0]
    assert (g.n_rows, g.n_cols) == (ref.n_rows, ref.n_cols) == (40, 6)
    assert max(abs(a - b) for a, b in zip(ref.ys, g.ys)) <= 15
    inferred = [y for kind, y, _, _ in g.inferred if kind == "h"]
    assert len(inferred) >= 8  # the rows the rules were lost for: recorded, their cells rule_missing
    assert all(any(abs(y - v) <= 15 for v in ref.ys) for y in inferred)
    assert all(g.inferred_sides(c.bbox) for c in g.cells if any(abs(c.bbox[1] - y) <= 2 for y in inferred))


@pytest.mark.real
@real
def test_a_scan_of_stacked_rows_reads_right_or_flagged(tmp_path):
    """The same page read end to end: the amounts of the rows that stacked come back one to a row, and no
    unflagged cell disagrees with the page's text layer."""
    from pipeline.evaluate import score_document
    from pipeline.extract import extract_document
    from tests.test_layout_rules import _scanned_page

    scan = _scanned_page(13, "skew3", 0, tmp_path)
    reference = extract_document(tmp_path / "page13.pdf").to_dict()
    predicted = extract_document(scan).to_dict()
    s = score_document(reference, predicted, name="p13")
    assert s.matched_tables == s.truth_tables == 1
    assert not [c for c in s.predicted if not c.correct and not c.review]
    table = predicted["tables"][0]
    codes = [r["cells"][0]["text"] for r in table["rows"]]
    for code in ("30101", "30102", "30108", "30109", "30110", "30111"):
        assert code in codes, codes
    amounts = {r["cells"][0]["text"]: r["cells"][2]["text"] for r in table["rows"]}
    assert (amounts["30101"], amounts["30102"], amounts["30110"]) == ("14.12", "39.72", "2.71")


@pytest.mark.real
@real
def test_clean_scans_are_left_as_they_are():
    """Rendered and stored as JPEG at 200 dpi with nothing else done, the tables of the real 决算 keep the rule
    finder's grid: no row is split (the wrapped header labels — 附属单/位上/缴收入 beside the two-row header of
    putuo-caizheng's 收入决算表 — and two-line labels with their amounts centred beside them are not rows)."""
    import cv2

    from tests.scan_damage import render_pdf_page

    caizheng = REAL / "juesuan" / "putuo-caizheng-2024-juesuan.pdf"
    for pdf, index in ((PDF, 4), (PDF, 12), (caizheng, 7)):
        rgb = render_pdf_page(pdf, index, 200)
        ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 75])
        clean = preprocess_page(cv2.imdecode(jpeg, cv2.IMREAD_COLOR), PreprocessSettings(dpi=200))
        h, w = clean.gray.shape
        grids = scan_tables(clean.binary, clean.rule_ink, w, h, 200)
        assert grids and not any(g.inferred for g in grids), (pdf.name, index, [g.inferred for g in grids])


def test_pieces_of_slanting_rules_in_a_cell_are_not_read():
    """A cell's crop (ink = 255) with a slanting row rule's piece along its foot, its worn continuation in dots,
    and the column rule leaning in at its left side: those go; the text in the middle, the three short strokes
    of 三 and a dash printed in the middle of the cell stay."""
    from pipeline.read import _rule_remnants

    sub = np.zeros((40, 300), np.uint8)
    sub[12:30, 40:52] = 255  # a character
    for y in (12, 20, 28):
        sub[y:y + 2, 60:80] = 255  # 三
    sub[19:21, 120:180] = 255  # —— in the middle
    for x in range(0, 200):
        sub[35 + x // 100, x] = 255  # a rule's piece, slanting along the foot
    sub[36, 210:214] = sub[36, 220:223] = 255  # its dotted continuation
    sub[4:16, 0:2] = 255  # the column rule leaning in
    out = _rule_remnants(sub, 200)
    assert not out[33:, :].any() and not out[:, :2].any()
    assert (out[:33, 2:] == sub[:33, 2:]).all()
    assert (_rule_remnants(out, 200) == out).all()


@pytest.mark.parametrize("name", ["s06_perf_forms_digital.pdf", "s07_perf_forms_seal200.pdf"])
def test_a_form_cell_spanning_columns_leaves_no_slot_in_doubt(name):
    """``columns_merged`` (an empty body slot beside a number spanning columns: a scanned 公开表's column rule
    lost) is not for 绩效 forms, whose cells span columns as printed (分值 beside a merged 指标, a funds line):
    on the committed form samples it flagged 51 empty slots of the born-digital one and 31 of the scanned one."""
    from pipeline.extract import extract_document
    from tests.conftest import SAMPLES

    doc = extract_document(SAMPLES / name)
    assert not [(t.id, ri, ci) for t, ri, ci, cell in doc.cells() if "columns_merged" in cell.reasons]


def test_a_header_label_wrapped_over_three_lines_stays_one_header_row(tmp_path, monkeypatch):
    """公开06表 of the seed-21 heavy300 recipe prints 经济分类科目编码 wrapped over three lines in a one-row
    header. Its lines stack at the body's row pitch, so the row split cuts the header into three rows
    (经济分 | 类科目 | 编码, 科目名称 and 决算数 in the middle one): right labels in wrong rows, unflagged. Assembly
    joins header rows a line inferred from the text cut apart (``assemble._join_stacked_cuts``): one header row,
    each label whole, none in doubt of a missing rule; the body keeps its rows."""
    import sys

    import pipeline.assemble as assemble
    from pipeline.extract import extract_document
    from tests.conftest import ROOT

    sys.path.insert(0, str(ROOT / "scripts"))
    from samplegen.degrade import PROFILES, degrade_page, save_scan_pdf
    from samplegen.generate import Recipe, compose
    from samplegen.render import Printer, amount_boxes, rasterise, text_words

    recipe = Recipe(name="gen21_006_police_heavy300", department="police", seed=21006, profile="heavy300",
                    font="serif", cover=False, tables=(6,))
    with Printer() as printer:
        _content, _pages, _settings, html = compose(recipe, printer)
        printer.pdf(html, tmp_path / "clean.pdf")
    profile = PROFILES["heavy300"]
    rgb = rasterise(tmp_path / "clean.pdf", profile.dpi)[0]
    out, _ = degrade_page(rgb, profile, np.random.default_rng(0),
                          amount_boxes(text_words(tmp_path / "clean.pdf", profile.dpi)[0]), "某某部门")
    save_scan_pdf([out], profile, tmp_path / "scan.pdf")

    def table(doc):
        return next(t for t in doc.tables if t.form == "公开06表")

    t = table(extract_document(tmp_path / "scan.pdf"))
    assert t.header == [["经济分类科目编码", "科目名称", "决算数"] * 3], t.header
    assert not [h.cell.text for h in t.header_cells if "rule_missing" in h.cell.reasons]
    codes = [r.cells[0].text for r in t.rows]
    assert codes[0] == "301" and len(t.rows) >= 10, codes

    # without the join the row split leaves the label in pieces over three header rows
    monkeypatch.setattr(assemble, "_join_stacked_cuts", lambda gr, texts, upto, header: (gr, 0))
    cut = table(extract_document(tmp_path / "scan.pdf"))
    assert len(cut.header) == 3 and cut.header[0][0] == "经济分", cut.header
