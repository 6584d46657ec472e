"""A table whose rules a worn photocopy lost altogether (pipeline.textgrid.text_table): no grid at all, its
rows read as text outside every table. The grid is built from how the text lines up — rows from the bands
of text, columns from the paper running down them — and every cell it bounds is doubted (``rule_missing``)
until an identity confirms it. Rendered from the committed born-digital sample (s04's 公开06表), its ruling
papered over, photocopied."""
from __future__ import annotations

import sys

import numpy as np
from PIL import Image

from pipeline.extract import extract_document
from tests.conftest import ROOT, SAMPLES
from tests.scan_damage import photocopy

sys.path.insert(0, str(ROOT / "scripts"))
from samplegen.degrade import ruling_masks  # noqa: E402
from samplegen.render import rasterise  # noqa: E402

DIGITAL = SAMPLES / "s04_health_2023_digital.pdf"
PAGE = 8  # 公开06表 一般公共预算财政拨款基本支出决算明细表 (code | name | 决算数, three times over)
DPI = 150


def test_a_table_without_any_rule_is_built_from_its_text(tmp_path, monkeypatch):
    rgb = rasterise(DIGITAL, DPI)[PAGE - 1].copy()
    horizontal, vertical = ruling_masks(rgb.min(axis=2), DPI)
    rgb[horizontal | vertical] = 255  # every rule gone
    path = tmp_path / "no-rules.png"
    Image.fromarray(photocopy(rgb, DPI, np.random.default_rng(PAGE), contrast=0.35)).save(path, dpi=(DPI, DPI))
    import hashlib

    import pipeline.extract as extract

    read: list[bytes] = []  # every crop the recogniser was given

    class Counting:
        def __init__(self, inner):
            self.inner = inner

        def recognize(self, crops):
            read.extend(hashlib.md5(np.ascontiguousarray(c).tobytes()).digest() + bytes(str(c.shape), "ascii")
                        for c in crops)
            return self.inner.recognize(crops)

    real = extract.get_recognizer
    monkeypatch.setattr(extract, "get_recognizer", lambda *a, **k: Counting(real(*a, **k)))
    doc = extract_document(path)
    # the page is read again once its table is found in its text: only what changed (the new grid's cells, the
    # lines its box cut) is recognised again, nothing read once is read twice
    assert len(read) == len(set(read)), f"{len(read) - len(set(read))} of {len(read)} crops read twice"
    monkeypatch.undo()
    printed = next(t for t in extract_document(DIGITAL).tables if t.form == "公开06表")
    want = [[c.text for c in r.cells] for r in printed.rows if r.page == PAGE]
    tables = [t for t in doc.tables if t.rows]
    assert len(tables) == 1, [(t.form, t.title, len(t.rows)) for t in doc.tables]
    table = tables[0]
    assert table.form == "公开06表" and len(table.columns) == len(printed.columns) == 9
    assert len(table.rows) >= len(want) - 1
    # no unflagged wrong amount or code (a label misread on the worn copy is another matter)
    by_code = {r[0]: r for r in want if r[0]}
    wrong, right = [], 0
    for row in table.rows:
        truth = by_code.get(row.cells[0].text)
        if truth is None:
            continue
        for ci in range(9):
            c = row.cells[ci]
            if any(ch.isdigit() for ch in truth[ci]) or c.value is not None:
                if c.text == truth[ci]:
                    right += 1
                elif not c.review:
                    wrong.append((row.cells[0].text, ci, c.text, truth[ci]))
    assert not wrong, wrong[:10]
    assert right >= 0.8 * sum(any(ch.isdigit() for ch in t) for r in want for t in r)
    # every line of the grid was inferred: every cell says so, and is reviewed unless an identity confirms it
    assert all("rule_missing" in c.reasons for r in table.rows for c in r.cells)
    page = doc.pages[0]
    assert page.status == "tables" or page.status == "unrecovered" and page.reasons


def test_a_column_printed_in_two_rows_keeps_its_place(tmp_path):
    """s04's 公开02表 收入决算表 with its zero amounts left blank (as many tables print them): 上级补助收入 … 附属单位
    上缴收入 are empty below the header, 其他收入 holds two amounts (合计 and 妇幼保健机构: 122.14) — paper
    nearly all the way down. Every rule gone, photocopied: the few texts standing apart down that paper (the
    two amounts, each column's label and 栏次 number) are its columns, not one wide column where a gutter's
    line through the middle would put the amounts beside their neighbours'."""
    from pipeline.ingest import IngestSettings, open_document

    page_no = 3
    rgb = rasterise(DIGITAL, DPI)[page_no - 1].copy()
    page = next(p for p in open_document(DIGITAL, IngestSettings(dpi=DPI)).pages() if p.number == page_no)
    chars = page.chars or []
    text = "".join(c.char for c in chars)
    first = chars[text.index("上级补助收入")].x0 - 3
    top = chars[text.index("合计", text.index("科目代码"))].y0 - 3
    i = text.find("0.00")
    while i >= 0:
        cs = chars[i:i + 4]
        if (i == 0 or text[i - 1] not in "0123456789.,") and cs[0].x0 >= first and cs[0].y0 >= top:
            x0, y0 = int(min(c.x0 for c in cs)) - 1, int(min(c.y0 for c in cs)) - 1
            x1, y1 = int(max(c.x1 for c in cs)) + 2, int(max(c.y1 for c in cs)) + 2
            rgb[y0:y1, x0:x1] = 255
        i = text.find("0.00", i + 4)
    horizontal, vertical = ruling_masks(rgb.min(axis=2), DPI)
    rgb[horizontal | vertical] = 255
    path = tmp_path / "sparse-column.png"
    Image.fromarray(photocopy(rgb, DPI, np.random.default_rng(page_no), contrast=0.35)).save(path, dpi=(DPI, DPI))
    doc = extract_document(path)
    table = max(doc.tables, key=lambda t: len(t.rows))
    assert table.form == "公开02表" and len(table.columns) == 9, table.columns
    assert "其他收入" in table.columns[8] and "上级补助" in table.columns[4], table.columns
    by_code = {r.cells[0].text.lstrip("="): r for r in table.rows}
    for code, want in (("合计", "122.14"), ("2100403", "122.14")):
        cells = [c.text for c in by_code[code].cells]
        assert cells[8] == want and cells[4:8] == [""] * 4, cells
    assert [c.text for c in by_code["2100403"].cells][2:4] == ["233.86", "111.72"]
    assert sum(bool(r.cells[8].text) for r in table.rows) == 2


def test_a_short_empty_table_without_any_rule_is_found_by_its_lanci_row(tmp_path):
    """公开08表 printed empty (header, 栏次 | 1 | 2 | 3, 合计 0.00) on a worn photocopy that lost every rule
    (calibration gen7_017 photocopy150): three rows of text outside every grid, fewer than the five a table
    found in its text needs — the page was ``unrecovered``, the table lost. Prose prints no 栏次 row: three
    rows are enough when one of them is it. The grid is built from the text, so every cell is in doubt."""
    from samplegen.degrade import ruling_masks as masks

    rgb = rasterise(DIGITAL, DPI)[10].copy()  # page 11: 公开08表
    horizontal, vertical = masks(rgb.min(axis=2), DPI)
    rgb[horizontal | vertical] = 255
    path = tmp_path / "t08-no-rules.png"
    Image.fromarray(photocopy(rgb, DPI, np.random.default_rng(11), contrast=0.35)).save(path, dpi=(DPI, DPI))
    doc = extract_document(path)
    (table,) = doc.tables
    assert table.template == "T08" and table.rows, [(t.template, t.columns) for t in doc.tables]
    assert any(c.text == "0.00" for r in table.rows for c in r.cells)
    assert all(c.review for r in table.rows for c in r.cells)
    assert doc.pages[0].status == "tables"


def test_a_light_line_among_heavier_ones_is_a_line_of_its_own():
    """A worn table's header band (read._dense_lines): its row rules' remains join 项目 | 本年支出, the column
    labels, 栏次 | 1 | 2 | 3 and 合计 0.00 into one band too tall for a line, most of it text. The heavy lines
    stand out of the band's typical row; the light 栏次 row does not (it was lost, and the 项目 row found
    twice) — it is found between the empty rows around it."""
    from PIL import ImageDraw

    from pipeline.read import _dense_lines
    from samplegen.degrade import cjk_font

    pitch, width = 36, 1500
    img = Image.new("L", (width, 4 * pitch + 20), 255)
    draw = ImageDraw.Draw(img)
    font = cjk_font(26)
    words = [[(300, "项目"), (1000, "本年支出")],
             [(30, "科目代码"), (300, "科目名称"), (760, "合计"), (1000, "基本支出"), (1250, "项目支出")],
             [(80, "栏次"), (790, "1"), (1040, "2"), (1300, "3")],
             [(20, "合计"), (760, "0.00"), (1010, "0.00"), (1260, "0.00")]]
    tops = [8 + k * pitch for k in range(len(words))]
    for y, row in zip(tops, words):
        for x, text in row:
            draw.text((x, y), text, font=font, fill=0)
        for x in range(0, width, 60):  # the row rule's remains under it: dashes right across
            draw.line((x, y + pitch - 8, x + 36, y + pitch - 8), fill=0, width=3)
    ink = np.where(np.asarray(img) < 128, 255, 0).astype(np.uint8)
    lines = _dense_lines(ink, (0, ink.shape[0]), 6, 5)
    assert len(lines) == 4, lines
    for y in tops:
        assert sum(y <= (a + b) / 2 <= y + pitch - 8 for a, b in lines) == 1, (y, lines)
