"""A title misread on a scan that reads about as much like two forms' titles (公开05表 一般公共预算财政拨款支出决算表
and 公开06表 …基本支出决算表 differ by 基本) is not given to the nearer one by a hair: the table's column labels
decide (pipeline.templates._nearest_alias). Rendered from the committed born-digital sample s04's 公开05表 page, its
form marker papered over and a 本 (copied from its 基本支出 header) set into its title: 一般公共预算财政拨款本支出决算表."""
from __future__ import annotations

import sys

import numpy as np
from PIL import Image

from pipeline.extract import extract_document
from pipeline.ingest import IngestSettings, open_document
from tests.conftest import ROOT, SAMPLES

sys.path.insert(0, str(ROOT / "scripts"))
from samplegen.render import rasterise  # noqa: E402

DIGITAL = SAMPLES / "s04_health_2023_digital.pdf"
PAGE = 7  # 公开05表 一般公共预算财政拨款支出决算表 (code | name | 小计 基本支出 项目支出)
DPI = 200


def _misread_title_page(path) -> None:
    rgb = rasterise(DIGITAL, DPI)[PAGE - 1].copy()
    page = next(p for p in open_document(DIGITAL, IngestSettings(dpi=DPI)).pages() if p.number == PAGE)
    chars = page.chars or []
    text = "".join(c.char for c in chars)
    title = text.index("一般公共预算财政拨款支出决算表")
    marker = text.index("公开")
    ben = text.index("基本支出", marker) + 1  # the 本 of the 基本支出 column label

    def box(c, pad=1):
        return int(c.x0) - pad, int(c.y0) - pad, int(c.x1) + pad + 1, int(c.y1) + pad + 1

    for c in chars[marker:marker + 5]:  # 公开 05 表
        if c.char.strip():
            x0, y0, x1, y1 = box(c)
            rgb[y0:y1, x0:x1] = 255
    zhi = chars[title + 10]  # 支: the rest of the title moves right by one character
    end = chars[title + 14]
    step = int(round(zhi.x1 - zhi.x0 + (zhi.x0 - chars[title + 9].x1)))
    x0, y0, x1, y1 = box(zhi, 2)
    x1 = box(end, 2)[2]
    rest = rgb[y0:y1, x0:x1].copy()
    rgb[y0:y1, x0:x1] = 255
    rgb[y0:y1, x0 + step:x1 + step] = np.minimum(rgb[y0:y1, x0 + step:x1 + step], rest)
    g = chars[ben]
    bx0, by0, bx1, by1 = box(g)
    glyph = rgb[by0:by1, bx0:bx1]
    scale = (zhi.y1 - zhi.y0) / max(1.0, g.y1 - g.y0)
    glyph = np.asarray(Image.fromarray(glyph).resize((max(1, round(glyph.shape[1] * scale)),
                                                      max(1, round(glyph.shape[0] * scale)))))
    gy, gx = int(zhi.y0) - 1, int(zhi.x0) - 1
    rgb[gy:gy + glyph.shape[0], gx:gx + glyph.shape[1]] = glyph
    Image.fromarray(rgb).save(path, dpi=(DPI, DPI))


def test_a_title_near_two_forms_is_told_apart_by_its_columns(tmp_path):
    path = tmp_path / "t05-misread-title.png"
    _misread_title_page(path)
    doc = extract_document(path)
    table = max(doc.tables, key=lambda t: len(t.rows))
    assert "拨款本支出" in table.title, table.title  # the page reads as meant: near both titles
    assert not table.form
    # by a hair nearer 公开06表's alias (…基本支出决算表) than its own title; its columns (小计 基本支出 项目支出)
    # are 公开05表's
    assert table.template == "T05", (table.title, table.columns, table.template)


def test_a_one_bit_scans_watermark_does_not_hide_the_title(tmp_path, monkeypatch):
    """On a 1-bit scan the diagonal watermark is dithered black, as dark as print: its strokes join the title,
    the form marker and the 部门 line above the grid into one band too tall for a text line, which was left
    unread — the table came out without form or title (seed-7 bilevel300: 公开05/07/08表, 139 right cells
    counted against no table). The lines inside such a band are found (read._dense_lines), as on a worn
    photocopy. The page: s04's 公开05表 through the generator's bilevel300 profile (seed 1)."""
    from pipeline import read
    from samplegen.degrade import PROFILES, degrade_page

    rgb = rasterise(DIGITAL, 300)[PAGE - 1]
    out, _ = degrade_page(rgb, PROFILES["bilevel300"], np.random.default_rng(1), [], "云溪县卫生健康委员会")
    path = tmp_path / "bilevel.png"
    Image.fromarray(out).convert("L").save(path, dpi=(300, 300))
    t = extract_document(path).tables[0]
    assert (t.form, t.title) == ("公开05表", "一般公共预算财政拨款支出决算表")

    monkeypatch.setattr(read, "_dense_lines", lambda mask, band, *a, **k: [band])  # the tall band as one
    t = extract_document(path).tables[0]
    assert (t.form, t.title) == ("", "")
