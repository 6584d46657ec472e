"""A damaged text layer is never trusted (issue 12 item 4): damaged font maps are built here from the committed
born-digital sample and a real budget (scripts/corrupt_fonts.py rewrites their ToUnicode CMaps); pages whose
text layer lies go to OCR, and every amount that still comes out changed is flagged or in a failing identity."""
from __future__ import annotations

import sys

import pytest

from pipeline.extract import extract_document
from tests.conftest import ROOT, SAMPLES, real_pdf

sys.path.insert(0, str(ROOT / "scripts"))
import corrupt_fonts  # noqa: E402

S04 = SAMPLES / "s04_health_2023_digital.pdf"


def _unflagged_changes(doc, clean) -> list:
    """Amounts of ``doc`` that differ from the clean extraction and are neither flagged nor in a failing
    identity (tables and rows matched by position)."""
    failing = {tuple(ref) for c in doc.checks if not c.ok for ref in c.cells}
    out = []
    for t, ref in zip(doc.tables, clean.tables):
        for ri, (row, rrow) in enumerate(zip(t.rows, ref.rows)):
            for ci, (cell, rcell) in enumerate(zip(row.cells, rrow.cells)):
                if rcell.value is not None and cell.value != rcell.value and not cell.review \
                        and (t.id, ri, ci) not in failing:
                    out.append((t.title, ri, ci, rcell.text, cell.text))
    assert len(doc.tables) == len(clean.tables)
    return out


def _pages(src, dst, numbers):
    from pypdf import PdfReader, PdfWriter

    reader, writer = PdfReader(src), PdfWriter()
    for n in numbers:
        writer.add_page(reader.pages[n - 1])
    with open(dst, "wb") as f:
        writer.write(f)
    return dst


@pytest.fixture(scope="module")
def s04_page(tmp_path_factory):
    """公开01表 of the born-digital sample and its clean extraction (one page keeps the OCR'd variants quick)."""
    path = _pages(S04, tmp_path_factory.mktemp("s04") / "s04_p2.pdf", [2])
    clean = extract_document(path)
    assert [p.mode for p in clean.pages] == ["text"] and not clean.pages[0].reasons
    return path, clean


SLOW_KINDS = ("permute", "pua", "cjk", "drop")


@pytest.mark.parametrize("kind", ["shift", "latin1", "flip"] + [pytest.param(k, marks=pytest.mark.slow)
                                                               for k in SLOW_KINDS])
def test_damaged_font_map_sends_the_page_to_ocr(tmp_path, s04_page, kind):
    """Digits mapped to the next digit (well-formed amounts, wrong digits), shuffled, to Latin-1 symbols
    (``ª±,¬¨¨.¬ª``, the issue's example), to private use, to CJK numerals, random hex digits of the CMap
    flipped (bit rot: here digits became full-width symbols and the decimal point a hyphen), or no map at all:
    the text layer is caught lying, the page is read from its pixels (its vector ruling kept) with the reason
    on ``pages[].reasons``, and no amount comes out changed without a flag or a failing identity."""
    src, clean = s04_page
    path = tmp_path / f"{kind}.pdf"
    assert corrupt_fonts.corrupt_pdf(src, path, kind, seed=5) > 0
    doc = extract_document(path)
    assert [p.mode for p in doc.pages] == ["ocr"]
    assert {"text_layer_glyphs", "text_layer_shapes", "text_layer_digits"} & set(doc.pages[0].reasons), doc.pages[0].reasons
    assert [t.columns for t in doc.tables] == [t.columns for t in clean.tables]  # the ruling, not the pixels
    assert _unflagged_changes(doc, clean) == []
    read = sum(c.value is not None for *_, c in doc.cells())
    assert read >= 0.95 * sum(c.value is not None for *_, c in clean.cells())


@pytest.mark.slow
def test_bit_rot_in_a_font_map_never_passes_silently(tmp_path):
    """The whole sample with random hex digits of its CMaps flipped, against the truth: every page that
    prints digits is OCR'd, and every amount that comes out changed is flagged or in a failing identity."""
    import json

    from pipeline.model import Document

    truth = Document.from_dict(json.loads(S04.with_suffix("").with_suffix(".truth.json").read_text(encoding="utf-8")))
    path = tmp_path / "flip.pdf"
    assert corrupt_fonts.corrupt_pdf(S04, path, "flip", seed=5) > 0
    m = corrupt_fonts.measure(path, truth)
    assert m["ocr_pages"] >= 8 and m["caught"] == m["changed"], m["missed"][:5]


def test_real_budget_with_shifted_digits(tmp_path):
    """A real budget (embedded TrueType subset fonts, named): the font whose digits lie is found on the page
    and the page is read from its pixels; the amounts come out right."""
    src = _pages(real_pdf("yusuan", "putuo-sifa-2026-dept.pdf"), tmp_path / "sifa_p12.pdf", [12])
    clean = extract_document(src)
    path = tmp_path / "shift.pdf"
    assert corrupt_fonts.corrupt_pdf(src, path, "shift", seed=1) > 0
    doc = extract_document(path)
    assert [p.mode for p in doc.pages] == ["ocr"]
    assert sum(c.value is not None for *_, c in clean.cells()) > 20
    assert _unflagged_changes(doc, clean) == []


def test_format_cells_of_a_text_layer_are_flagged():
    """A text-layer cell that is not a well-formed amount where an amount belongs is flagged, at low
    confidence (the calibrated model alone gave such cells 0.996)."""
    from pipeline.model import Cell, Document, PageInfo, Row, Table
    from pipeline.score import TEXT_LAYER_FORMAT_CAP, score_document

    garbled = Cell(text="ª±,¬¨¨.¬ª", reasons=["format"])
    fine = Cell(text="1,234.50", value=1234.5, kind="number")
    doc = Document(source_path="x.pdf", sha256="0", page_count=1,
                   pages=[PageInfo(number=1, mode="text", width=100, height=100, dpi=200)],
                   tables=[Table(id="t1", columns=["项目", "金额", "金额2"],
                                 rows=[Row(page=1, cells=[Cell(text="合计"), garbled, fine])])])
    score_document(doc)
    assert garbled.review and garbled.confidence <= TEXT_LAYER_FORMAT_CAP
    assert not fine.review
    fine.reasons.append("text_conflict")  # its OCR reading contradicts the page's text layer decoded
    score_document(doc)
    assert fine.review and fine.confidence <= TEXT_LAYER_FORMAT_CAP


def test_glyph_checks():
    from pipeline.ingest import TextChar
    from pipeline.textcheck import amount_glyph, amount_without_digits, glyph_doubts

    def chars(text):
        return [TextChar(ch, 0, 0, 1, 1) for ch in text]

    page = "收入支出决算总表 单位：万元 项目 行次 金额 一般公共预算财政拨款收入 1 11,198.79 合计 ①② ≥ ㎡ № 0.00"
    assert glyph_doubts(chars(page * 3)) == []
    assert glyph_doubts(chars(page + "ª±,¬¨¨.¬ª ª±,¬¨¨.¬ª")) and "never prints" in glyph_doubts(
        chars(page + "ª±,¬¨¨.¬ª ª±,¬¨¨.¬ª"))[0]
    assert glyph_doubts(chars(page), unmapped=40)  # glyphs pdfium found no character for
    assert glyph_doubts(chars(page + "\ue001\ue002\ue003\ue004\ue005"))
    # the glyphs that may print an amount keep their font: whatever a damaged map made of digits, not words
    assert all(amount_glyph(ord(ch)) for ch in "0.9,-％ª¨＝ＡＦ\x04\ue001〇一二九")
    assert not any(amount_glyph(ord(ch)) for ch in "合计支出、　 ")
    assert amount_without_digits("一,二三四.五六") and amount_without_digits("::8.18")
    assert not amount_without_digits("1,234.56") and not amount_without_digits("合计") and not amount_without_digits("——")
    # a percentage fills the shape's last place with “%”: a number as printed (perf000's 执行率 100.0% had every
    # born-digital form page with two of them read by OCR, its text layer doubted)
    assert not amount_without_digits("100.0%") and not amount_without_digits("95.5%")


def test_lying_text_layer_is_a_second_witness_to_the_ocr():
    """A text layer damaged by a substitution (each digit glyph always the same wrong character) still
    tells the digits once the substitution is learnt from the cells where OCR and text layer line up: the
    cell whose OCR reading disagrees with the decoded text layer is flagged (``text_conflict``) with the
    decoded text as an alternative; cells that agree are left alone; a glyph never learnt decides nothing."""
    from pipeline.ingest import SourcePage, TextChar
    from pipeline.layout import Grid, GridCell
    from pipeline.read import GridReading, PageReading, Reading, cross_check_text_layer

    lie = str.maketrans("0123456789.,", "ª«¬\xad®¯°±²³-¨")  # what a broken CMap printed for each glyph
    printed = ["1,234.56", "0.00", "789.01", "2,345.67", "90.12", "5.00", "0.00"]
    ocr = ["1,234.56", "0.00", "789.01", "2,345.67", "90.12", "5.00", "C.00"]  # the last one misread
    xs, ys = [0.0, 400.0], [40.0 * k for k in range(len(printed) + 2)]
    grid = Grid(xs, ys, [GridCell(r, 0, 1, 1, (0, int(ys[r]), 400, int(ys[r + 1]))) for r in range(len(ys) - 1)])
    chars = []
    for r, text in enumerate(printed + ["\ue000\ue001\ue002"]):  # + a cell of glyphs seen nowhere else
        for k, ch in enumerate(text.translate(lie)):
            chars.append(TextChar(ch, 10 + 12 * k, ys[r] + 10, 20 + 12 * k, ys[r] + 30, font="F1+Subset/4/1"))
    page = SourcePage(number=1, dpi=200, width=400, height=int(ys[-1]), chars=chars)
    cells = {(r, 0): Reading(text=t, score=0.99) for r, t in enumerate(ocr + ["123"])}
    reading = PageReading(1, "ocr", 400, int(ys[-1]), 200, 0.0, [GridReading(grid, cells)], [])
    assert cross_check_text_layer(page, reading) == 1
    wrong = cells[(len(ocr) - 1, 0)]
    assert wrong.reasons == ["text_conflict"] and wrong.alternatives[0].text == "0.00"
    assert all(not cells[(r, 0)].reasons for r in range(len(ocr) - 1)) and not cells[(len(ocr), 0)].reasons
