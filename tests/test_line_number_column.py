"""A 收支总表's 行次 number read out of its column: the column rule between 项目 and 行次 lost in the lower
rows (where the 收入 side prints no label, only the number), so the number lands in the 项目 column and
the 行次 cell is empty — read right, placed wrong, and no identity sums a 行次. Both cells are flagged
``format`` (reviewed); rows whose rule survived are not."""
from __future__ import annotations

import sys

import numpy as np
from PIL import Image

from pipeline.extract import extract_document
from tests.conftest import ROOT, SAMPLES

sys.path.insert(0, str(ROOT / "scripts"))
from samplegen.degrade import ruling_masks  # noqa: E402
from samplegen.render import rasterise  # noqa: E402

DIGITAL = SAMPLES / "s04_health_2023_digital.pdf"
PAGE = 5  # 公开04表 财政拨款收入支出决算总表, first page: 收入 项目 | 行次 | 金额 | 支出 项目 | 行次 | …


def test_a_line_number_out_of_its_column_is_flagged(tmp_path):
    rgb = rasterise(DIGITAL, 200)[PAGE - 1].copy()
    _, vertical = ruling_masks(rgb.min(axis=2), 200)
    cols = np.flatnonzero(vertical.sum(axis=0) > 200)
    rules = [int(x) for x in cols if x - 1 not in cols]
    rows = np.flatnonzero(ruling_masks(rgb.min(axis=2), 200)[0].sum(axis=1) > 600)
    y_from = int(rows[len(rows) // 2])  # the lower half of the table
    x = rules[1]  # between 收入/项目 and 收入/行次
    rgb[y_from:, x - 4:x + 6] = 255
    path = tmp_path / "p5.png"
    Image.fromarray(rgb).save(path, dpi=(200, 200))
    table = next(t for t in extract_document(path).tables if t.form == "公开04表")
    stray = [r for r in table.rows if r.cells[0].text.strip().isdigit()]
    assert stray  # the lost rule put numbers under 项目 (else the test shows nothing)
    for r in stray:
        assert "format" in r.cells[0].reasons and r.cells[0].review
        if not r.cells[1].text.strip():
            assert "format" in r.cells[1].reasons and r.cells[1].review
    kept = [r for r in table.rows if r.cells[1].text.strip().isdigit() and not r.cells[0].text.strip().isdigit()]
    assert kept and not [r for r in kept if "format" in r.cells[1].reasons]
