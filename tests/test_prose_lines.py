"""A scanned page of prose (no table on it, past the front matter) has its paragraphs' full lines read only at
their head (``ReadSettings.prose_head_ems``): a line costs the recogniser its width, and nothing the pipeline
takes from prose (table titles, headings, the cover's metadata) lies in the middle of a sentence. A band of
ink outside the tables too thin for print (a rule's remnant) is not read at all."""
import os

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz import fuzz

from pipeline.ingest import open_document
from pipeline.ocr import get_recognizer
from pipeline.preprocess import PreprocessSettings, preprocess_page
from pipeline.read import ReadSettings, _figures, read_ocr
from pipeline.textnorm import compare_key
from pipeline.verdict import titles_on

SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
DPI = 200
LEFT, RIGHT = 250, 1400

# two paragraphs of a 决算 说明 (each wraps over several lines of the text block)
PARAGRAPHS = [
    "收入支出决算总表反映部门本年度的总收支和年末结转结余情况。本部门2024年度收入总计2,961.68万元，"
    "支出总计2,961.68万元，与2023年度相比，收、支总计各增加133.54万元，增长4.7%，主要原因是人员经费增加。",
    "一般公共预算财政拨款基本支出决算反映部门本年度一般公共预算财政拨款基本支出明细情况。人员经费"
    "用于在职人员工资福利支出和离退休费，公用经费用于办公费、印刷费、水电费、办公设备购置等，决算数同预算数持平。",
]
HEADING = "2024年度部门决算说明"
TITLE = "收入支出决算总表"


def _wrap(text: str, font, first_indent: int) -> list[tuple[int, str]]:
    """(x, line) pieces of ``text`` set flush across LEFT..RIGHT, the first line indented two characters."""
    lines, x0, line = [], LEFT + first_indent, ""
    for ch in text:
        start = x0 if not lines else LEFT
        if start + font.getlength(line + ch) > RIGHT:
            lines.append((start, line))
            line = ""
        line += ch
    lines.append((x0 if not lines else LEFT, line))
    return lines


def _draw_justified(draw, x: int, y: int, line: str, font, last: bool) -> None:
    """A line of a justified paragraph: its characters spread to reach RIGHT (the last line is not)."""
    if last or len(line) < 2:
        draw.text((x, y), line, font=font, fill=40)
        return
    natural = font.getlength(line)
    gap = (RIGHT - x - natural) / (len(line) - 1)
    at = float(x)
    for ch in line:
        draw.text((at, y), ch, font=font, fill=40)
        at += font.getlength(ch) + gap


@pytest.fixture(scope="module")
def prose_page(tmp_path_factory):
    if not os.path.exists(SERIF):
        pytest.skip("Noto Serif CJK is absent")
    font = ImageFont.truetype(SERIF, round(12 * DPI / 72))
    im = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(im)
    y = 240
    draw.text(((1654 - font.getlength(HEADING)) / 2, y), HEADING, font=font, fill=40)
    y += 110
    full, last = [], []
    for text in PARAGRAPHS:
        pieces = _wrap(text, font, first_indent=round(2 * font.getlength("中")))
        for k, (x, line) in enumerate(pieces):
            _draw_justified(draw, x, y, line, font, last=k == len(pieces) - 1)
            (last if k == len(pieces) - 1 else full).append((y, line))
            y += 70
        y += 40
    draw.text(((1654 - font.getlength(TITLE)) / 2, y), TITLE, font=font, fill=40)
    title_y = y
    y += 140
    rng = np.random.default_rng(3)  # a worn rule's remnant outside any table: pieces, bowed, of uneven weight
    x = LEFT
    while x < RIGHT:
        n = int(rng.integers(15, 60))
        bow = 4 * np.sin(np.pi * (x - LEFT) / (RIGHT - LEFT))
        draw.line([(x, y + bow), (x + n, y + bow + rng.uniform(-1, 1))], fill=int(rng.integers(40, 110)),
                  width=int(rng.integers(3, 6)))
        x += n + int(rng.integers(2, 9))
    rule_y = y
    image = cv2.GaussianBlur(np.array(im), (3, 3), 0.8)
    path = tmp_path_factory.mktemp("prose") / "prose.png"
    Image.fromarray(image).save(path, dpi=(DPI, DPI))
    (page,) = list(open_document(path).pages())
    clean = preprocess_page(page.image, PreprocessSettings(dpi=page.dpi))
    return page, clean, full, last, title_y, rule_y


def _line_at(lines, y: int):
    return next((ln for ln in lines if ln.bbox[1] <= y + 20 <= ln.bbox[3]), None)


def test_paragraph_lines_read_at_their_head(prose_page):
    page, clean, full, last, title_y, rule_y = prose_page
    reading = read_ocr(page, clean, [], get_recognizer(), ReadSettings(front_pages=0))
    heads = [_line_at(reading.lines, y) for y, _ in full + last]
    assert all(ln is not None and ln.partial for ln in heads)
    for ln, (_, printed) in zip(heads, full + last):
        text = compare_key(ln.text)
        assert 3 <= len(text) <= 9 and compare_key(printed).startswith(text[:3]), (ln.text, printed)
        assert ln.bbox[2] - ln.bbox[0] > 0.5 * (RIGHT - LEFT)  # (the whole line's place is kept)
    # the heading and the title are whole lines, read whole: the title is found, no sentence gives one
    heading, title = _line_at(reading.lines, 240), _line_at(reading.lines, title_y)
    assert not heading.partial and fuzz.ratio(compare_key(heading.text), compare_key(HEADING)) >= 80
    assert not title.partial and compare_key(title.text) == compare_key(TITLE)
    assert titles_on([title]) and not titles_on(heads)
    # the rule's remnant is no line of text, and is not even given to the recogniser (it read “一一1一一一1t”
    # on a real photocopy, as wide as the table: a page's costliest crop)
    assert _line_at(reading.lines, rule_y - 20) is None
    thinnest = 1.2 * DPI / 25.4 + 2 * ReadSettings().pad
    for settings, thin in ((ReadSettings(front_pages=0), False), (ReadSettings(front_pages=0, min_line_mm=0), True)):
        spy = _Spy()
        read_ocr(page, clean, [], spy, settings)
        assert any(h < thinnest for h in spy.heights) == thin


class _Spy:
    def __init__(self):
        self.heights = []

    def recognize(self, crops):
        self.heights += [c.shape[0] for c in crops]
        return get_recognizer().recognize(crops)


def test_whole_lines_without_the_economy(prose_page):
    """Counterfactuals: every line read whole when the economy is off, and on the front pages (the cover, the
    contents, the first headings: the document's metadata is taken from them)."""
    page, clean, full, last, title_y, _ = prose_page
    for settings in (ReadSettings(front_pages=0, prose_head_ems=0), ReadSettings()):  # (page 1 of 1)
        reading = read_ocr(page, clean, [], get_recognizer(), settings)
        assert not any(ln.partial for ln in reading.lines)
        wholes = [_line_at(reading.lines, y) for y, _ in full]
        assert all(len(compare_key(ln.text)) >= 0.8 * len(compare_key(p)) for ln, (_, p) in zip(wholes, full))
    # a table on the page: its notes (an empty table's explanation) are read whole
    from pipeline.layout import Grid
    h, w = clean.gray.shape
    bottom = h - 40
    grid = Grid(xs=[LEFT, RIGHT], ys=[bottom - 60, bottom], cells=[])
    reading = read_ocr(page, clean, [grid], get_recognizer(), ReadSettings(front_pages=0))
    assert not any(ln.partial for ln in reading.lines)


def test_figures_are_no_sentence():
    assert _figures("1,234.56 2,345.67") and _figures("2080101") and _figures("-12.5%")
    assert not _figures("1115.48万元，") and not _figures("收入总计") and not _figures("")


def test_a_tables_rows_without_rules_are_no_paragraph(tmp_path):
    """A table whose rules were lost (or never printed), its label and amounts one line of ink each with narrow
    gaps, looks like a block of justified lines: its rows end in figures, so they are read whole, and the
    page's amounts stay the evidence of a table no grid was found for (``unrecovered``, not ``no_tables``)."""
    from pipeline.verdict import _amounts_in

    if not os.path.exists(SERIF):
        pytest.skip("Noto Serif CJK is absent")
    font = ImageFont.truetype(SERIF, round(10.5 * DPI / 72))
    im = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(im)
    amounts = ["2,961.68", "2,100.00", "861.68", "1,222.86", "345.12", "112.30", "56.70"]
    for r, label in enumerate(["合计", "小计", "因公出国", "公务接待", "公务用车", "购置费"]):
        y = 380 + 70 * r
        draw.text((230, y), label, font=font, fill=30)
        for k, text in enumerate(amounts):
            draw.text((470 + 130 * k - font.getlength(text), y), text, font=font, fill=30)
    path = tmp_path / "rows.png"
    Image.fromarray(cv2.GaussianBlur(np.array(im), (3, 3), 0.7)).save(path, dpi=(DPI, DPI))
    (page,) = list(open_document(path).pages())
    clean = preprocess_page(page.image, PreprocessSettings(dpi=page.dpi))
    reading = read_ocr(page, clean, [], get_recognizer(), ReadSettings(front_pages=0))
    rows = [ln for ln in reading.lines if ln.bbox[1] >= 370]
    assert len(rows) == 6 and not any(ln.partial for ln in rows)
    assert sum(_amounts_in(ln.text) for ln in rows) >= 36
    # (without the tail read, each row was taken for a paragraph's line and read as “合计2,96”)
    heads_only = read_ocr(page, clean, [], get_recognizer(), ReadSettings(front_pages=0, prose_tail_ems=0))
    assert any(ln.partial for ln in heads_only.lines)
