"""A table printing groups of columns side by side, each opening with a code column (公开06表: 科目代码 | 科目名称 |
决算数, three times), whose first group lost its code column — the rule between code and name and the 科目代码
label worn away on a scan: every column of that group then sits under another's label (科目名称 over the
names, 决算数 over the amounts, each label still matching what its column holds, so nothing contradicts it),
and the upper row's 人员经费 | 公用经费 spans the wrong columns. The table is doubtful (``columns_missing``:
``verdict.group_cut``) and its header cells are reviewed (``structure``); before, they were not."""
from __future__ import annotations

import sys

import numpy as np
from PIL import Image, ImageDraw

from pipeline.extract import extract_document
from tests.conftest import ROOT, SAMPLES

sys.path.insert(0, str(ROOT / "scripts"))
from samplegen.degrade import ruling_masks  # noqa: E402
from samplegen.render import rasterise, text_words  # noqa: E402

DIGITAL = SAMPLES / "s04_health_2023_digital.pdf"
PAGE = 8  # 公开06表, first page


def test_a_group_that_lost_its_code_column_makes_the_table_doubtful(tmp_path, monkeypatch):
    rgb = rasterise(DIGITAL, 200)[PAGE - 1].copy()
    words = text_words(DIGITAL, 200)[PAGE - 1]
    _, vertical = ruling_masks(rgb.min(axis=2), 200)
    cols = np.flatnonzero(vertical.sum(axis=0) > 200)
    rules = [int(x) for x in cols if x - 1 not in cols]
    img = Image.fromarray(rgb)
    draw = ImageDraw.Draw(img)
    for w in words:  # the first group's 科目代 / 码 (the label wraps)
        if w.text in ("科目代", "码") and w.box[2] < rules[1]:
            x0, y0, x1, y1 = w.box
            draw.rectangle([x0 - 2, y0 - 2, x1 + 2, y1 + 2], fill=(255, 255, 255))
    draw.rectangle([rules[1] - 4, 0, rules[1] + 5, rgb.shape[0]], fill=(255, 255, 255))
    path = tmp_path / "p8.png"
    img.save(path, dpi=(200, 200))

    def table():
        return next(t for t in extract_document(path).tables if t.template == "T06")

    t = table()
    assert t.columns[0].endswith("科目名称")  # the cut the test is about
    printed = [h for h in t.header_cells if h.cell.text.strip()]
    assert printed and all("structure" in h.cell.reasons and h.cell.review for h in printed)

    import pipeline.verdict as verdict

    monkeypatch.setattr(verdict, "group_cut", lambda table: False)
    # (the econ_blocks check sees it too: columns before the first block's code column)
    monkeypatch.setattr(verdict, "_econ_block_doubts", lambda table, template: [])
    t = table()
    assert not any("structure" in h.cell.reasons for h in t.header_cells)


def test_a_wide_group_tables_lost_upper_row_is_flagged(tmp_path):
    """公开06表 with code columns labelled 科目代码 prints 人员经费 | 公用经费 above its groups (seeds 002/003; those
    labelled 经济分类科目编码 — seed 000, Shanghai — print none): read without that row — erased here, as a worn scan loses it — every label sits a row
    too high, and the header cells are flagged ``header_rows_lost``. As printed, they are not."""
    rgb = rasterise(DIGITAL, 200)[PAGE - 1].copy()
    words = text_words(DIGITAL, 200)[PAGE - 1]
    Image.fromarray(rgb).save(tmp_path / "as_printed.png", dpi=(200, 200))
    img = Image.fromarray(rgb)
    draw = ImageDraw.Draw(img)
    for w in words:
        if w.text in ("人员经费", "公用经费"):
            x0, y0, x1, y1 = w.box
            draw.rectangle([x0 - 2, y0 - 2, x1 + 2, y1 + 2], fill=(255, 255, 255))
    img.save(tmp_path / "lost.png", dpi=(200, 200))

    def header(name):
        t = next(t for t in extract_document(tmp_path / name).tables if t.template == "T06")
        return [h for h in t.header_cells if h.cell.text.strip()]

    lost = header("lost.png")
    assert lost and all("header_rows_lost" in h.cell.reasons and h.cell.review for h in lost)
    assert not any("header_rows_lost" in h.cell.reasons for h in header("as_printed.png"))
