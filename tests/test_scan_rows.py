"""Row rules of a scan against text that touches its cell walls: a line of digits filling a narrow cell from
wall to wall (“100.00%” in a 预算执行率 column) bridges into a horizontal run anchored on both column rules —
along its feet and along its tops. It is no rule (the characters' ink lies along one side of it all the way),
and when such a run lies within 1.5 mm of the real rule, the real rule is the one kept."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.layout import LayoutSettings, Segment, find_tables, scan_tables
from pipeline.preprocess import PreprocessSettings, preprocess_page

DPI = 200
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
YS = [300 + 40 * k for k in range(8)]  # 5 mm rows
XS = [200, 500, 700, 800, 1200]  # a 12.7 mm column (700–800) for the rates


def _page(foot_mm: float) -> np.ndarray:
    """A ruled table at 200 dpi; in the narrow column every body row holds “100.00%” stretched to touch both
    of its rules, its feet ``foot_mm`` above the row's bottom rule."""
    im = Image.new("RGB", (1654, 900), "white")
    d = ImageDraw.Draw(im)
    for y in YS:
        d.rectangle([XS[0], y - 1, XS[-1], y + 1], fill="black")
    for x in XS:
        d.rectangle([x - 1, YS[0], x + 1, YS[-1]], fill="black")
    font = ImageFont.truetype(FONT, 28)
    l, t, r, b = d.textbbox((0, 0), "100.00%", font=font)
    glyphs = Image.new("L", (r - l + 4, b - t + 4), 255)
    ImageDraw.Draw(glyphs).text((2 - l, 2 - t), "100.00%", font=font, fill=0)
    glyphs = np.asarray(glyphs.resize((XS[3] - XS[2] - 2, glyphs.height)))[:, :, None]
    page = np.asarray(im).copy()
    foot = int(round(foot_mm * DPI / 25.4))
    for y0, y1 in zip(YS[1:], YS[2:]):
        top = y1 - 1 - foot - glyphs.shape[0]
        win = page[top:top + glyphs.shape[0], XS[2] + 1:XS[2] + 1 + glyphs.shape[1]]
        np.minimum(win, glyphs, out=win)
    for y0 in YS[1:-1]:
        cv2.putText(page, "label", (XS[0] + 10, y0 + 30), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (0, 0, 0), 2)
    return cv2.cvtColor(page, cv2.COLOR_RGB2BGR)


@pytest.mark.parametrize("foot_mm", [0.6, 1.2])
def test_digits_filling_their_cell_make_no_row(foot_mm):
    clean = preprocess_page(_page(foot_mm), PreprocessSettings(dpi=DPI))
    h, w = clean.gray.shape
    (grid,) = scan_tables(clean.binary, clean.rule_ink, w, h, DPI)
    assert len(grid.ys) == len(YS) and max(abs(a - b) for a, b in zip(grid.ys, YS)) <= 2
    assert len(grid.xs) == len(XS)
    # the mechanism: without the one-sided ink test, the digits' feet and tops are taken for rules
    (loose,) = scan_tables(clean.binary, clean.rule_ink, w, h, DPI, LayoutSettings(max_edge_ink=1.0))
    assert len(loose.ys) > len(YS) or max(abs(a - b) for a, b in zip(loose.ys, YS)) > 2


def test_of_two_close_row_lines_the_ruled_one_stays():
    """A short run 10 px (1.3 mm) above a full rule — found first, top to bottom — gives way to the rule."""
    segs = [Segment(100, y, 1000, y) for y in (100, 140, 180)] + [Segment(600, 170, 700, 170)]
    segs += [Segment(x, 100, x, 180) for x in (100, 600, 700, 1000)]
    (grid,) = find_tables(segs, 1200, 400, DPI)
    assert [round(y) for y in grid.ys] == [100, 140, 180]
