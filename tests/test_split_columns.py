"""A column of the body cut by a stray or skewed rule that does not reach the header (skew3 公开06表: a
blank column under 科目名称, every cell right of it one place off, unflagged) is one column again."""
from __future__ import annotations

import sys

from PIL import Image, ImageDraw

from pipeline.extract import extract_document
from tests.conftest import ROOT, SAMPLES

sys.path.insert(0, str(ROOT / "scripts"))
from samplegen.render import rasterise, text_words  # noqa: E402

DIGITAL = SAMPLES / "s04_health_2023_digital.pdf"
TRUTH_ROWS = 22


def test_a_body_column_cut_by_a_stray_rule_is_joined_again(tmp_path):
    """公开06表 with a rule drawn down the right part of the 科目名称 column, from the header's bottom rule
    to the table's: the grid has 10 columns, the table printed 9; the one long name running over the rule
    (机关事业单位基本养老保险缴|费) is whole again and every amount is in the 决算数 column."""
    rgb = rasterise(DIGITAL, 200)[7]
    words = text_words(DIGITAL, 200)[7]
    gray = rgb.mean(axis=2)
    name = next(w for w in words if w.text == "科目名称")
    amount = next(w for w in words if w.text == "决算数")
    first = min(w.box[1] for w in words if w.text == "301")
    band = slice(int(name.box[0]), int(name.box[2]))
    top = max(y for y in range(int(name.box[3]), int(first)) if gray[y, band].mean() < 120)
    last = max(w.box[3] for w in words if w.text[:1].isdigit() and w.box[0] < 300)
    bottom = min(y for y in range(int(last), int(last) + 60) if gray[y, band].mean() < 120)
    x = int(amount.box[0]) - 90  # inside the name column, right of most names
    img = Image.fromarray(rgb)
    ImageDraw.Draw(img).line((x, top, x, bottom), fill="black", width=2)
    path = tmp_path / "p8.png"
    img.save(path, dpi=(200, 200))
    doc = extract_document(path)
    t = next(t for t in doc.tables if t.form == "公开06表")
    assert len(t.columns) == 9 and len(t.header[1]) == 9, t.columns
    names = [r.cells[1].text for r in t.rows]
    assert "机关事业单位基本养老保险缴费" in names
    assert all(r.cells[2].value is not None for r in t.rows[:TRUTH_ROWS - 1] if r.cells[2].text), \
        [[c.text for c in r.cells] for r in t.rows]
    assert [h.colspan for h in t.header_cells if h.cell.text == "科目名称"] == [1, 1, 1]
    assert not any(w["kind"] == "table_structure" for w in doc.warnings)
