"""A band of stray ink above or below a cell's number — the remnant of a broken row rule, a watermark's stroke,
the descenders of the row above — is a text line of its own to the reader, and the recogniser reads it as marks
or a stray digit, weakly (real guihua 决算 as a worn photocopy: “一 | 2080502” became 一2080502, “11 | 9746.50”
became 119746.50). A number's digits sit on one line: such a line is left out when the rest of the cell reads
sure as one amount or code, and the reading with it stays as the cell's alternative."""
from __future__ import annotations

import os
from dataclasses import replace

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.extract import ExtractSettings, extract_document

SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
AMOUNTS = ["9746.50", "289.59", "2080502", "1,234.56", "461.08", "2120101", "30.00"]


def _stroke(draw: ImageDraw.ImageDraw, kind: int, x0: int, x1: int, y: int) -> None:
    """Stray ink in a band of its own, at ``y``, towards the left of the cell spanning ``x0``..``x1``."""
    if kind == 0:  # a broken row rule's remnant: short dashes
        for k in range(3):
            draw.line([(x0 + 12 + 22 * k, y), (x0 + 26 + 22 * k, y)], fill=(90, 90, 90), width=2)
    elif kind == 1:  # a watermark stroke's pieces, leaning
        draw.line([(x0 + 20, y + 5), (x0 + 28, y - 5)], fill=(110, 110, 110), width=2)
        draw.line([(x0 + 34, y + 5), (x0 + 40, y - 3)], fill=(110, 110, 110), width=2)
    else:  # an upright speck pair, as a "1 1"
        draw.line([(x0 + 30, y - 6), (x0 + 30, y + 6)], fill=(100, 100, 100), width=2)
        draw.line([(x0 + 40, y - 6), (x0 + 40, y + 6)], fill=(100, 100, 100), width=2)


def _page(path, font, strokes: bool):
    xs = [200, 520, 800]
    pitch = 84
    ys = [230] + [300 + pitch * k for k in range(len(AMOUNTS) + 1)]
    im = Image.new("RGB", (1654, 1200), "white")
    draw = ImageDraw.Draw(im)
    for y in ys:
        draw.line([(xs[0], y), (xs[-1], y)], fill="black", width=2)
    for x in xs:
        draw.line([(x, ys[0]), (x, ys[-1])], fill="black", width=2)
    draw.text((xs[0] + 20, ys[0] + 20), "项目", font=font, fill="black")
    draw.text((xs[1] + 20, ys[0] + 20), "金额（万元）", font=font, fill="black")
    ys = ys[1:]
    for r, text in enumerate(AMOUNTS):
        draw.text((xs[0] + 20, ys[r] + 28), f"项目{r + 1}", font=font, fill="black")
        w = draw.textlength(text, font=font)
        draw.text((xs[2] - 20 - w, ys[r] + 28), text, font=font, fill="black")
        if strokes:
            above = r % 2 == 0
            _stroke(draw, r % 3, xs[1], xs[2], ys[r] + 11 if above else ys[r + 1] - 11)
    Image.fromarray(cv2.GaussianBlur(np.array(im), (3, 3), 0.7)).save(path, dpi=(200, 200))


@pytest.fixture(scope="module")
def font():
    if not os.path.exists(SERIF):
        pytest.skip("Noto Serif CJK is absent")
    return ImageFont.truetype(SERIF, round(10.5 * 200 / 72))


def _amounts(path):
    doc = extract_document(path, replace(ExtractSettings(), orientation=None))
    (table,) = doc.tables
    return [row.cells[1] for row in table.rows if row.cells[0].text.startswith("项目")]


def test_a_stroke_line_beside_a_number_is_left_out(tmp_path, font):
    path = tmp_path / "strokes.png"
    _page(path, font, strokes=True)
    cells = _amounts(path)
    assert [c.text for c in cells] == AMOUNTS


def test_without_the_mechanism_the_strokes_are_read_into_the_numbers(tmp_path, font, monkeypatch):
    """The negative control: the same page read with every line kept puts the strokes' readings into some
    of the numbers (so the test above tests something)."""
    import pipeline.read as read

    monkeypatch.setattr(read, "_without_stroke_lines", lambda idx, results, settings, heights=None: (idx, ""))
    path = tmp_path / "strokes.png"
    _page(path, font, strokes=True)
    cells = _amounts(path)
    assert [c.text for c in cells] != AMOUNTS


def test_two_sure_numbers_stacked_in_a_cell_are_both_kept():
    """Only a weak reading of marks or a stray digit goes: a second number printed in the cell stays."""
    from pipeline.ocr import LineReading, CharReading
    from pipeline.read import ReadSettings, _without_stroke_lines

    def line(text, score):
        return LineReading(text, [CharReading(ch, score, "", 0.0) for ch in text])

    settings = ReadSettings()
    results = [line("12.50", 0.99), line("7.30", 0.98)]
    assert _without_stroke_lines([0, 1], results, settings) == ([0, 1], "")
    results = [line("一", 0.6), line("2080502", 0.999)]
    assert _without_stroke_lines([0, 1], results, settings) == ([1], "一\n2080502")
    results = [line("支出", 0.6), line("2080502", 0.999)]  # a word is no stroke
    assert _without_stroke_lines([0, 1], results, settings) == ([0, 1], "")
    results = [line("0.00", 0.99), line("0,00", 0.6)]  # the next row's amount, a row rule lost: kept
    assert _without_stroke_lines([0, 1], results, settings) == ([0, 1], "")
    results = [line("11", 0.6), line("9746.50", 0.80)]  # the number itself read weakly: both kept, in doubt
    assert _without_stroke_lines([0, 1], results, settings) == ([0, 1], "")
