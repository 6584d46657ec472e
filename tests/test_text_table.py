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


def test_a_table_without_any_rule_is_built_from_its_text(tmp_path):
    rgb = rasterise(DIGITAL, DPI)[PAGE - 1].copy()
    horizontal, vertical = ruling_masks(rgb.min(axis=2), DPI)
    rgb[horizontal | vertical] = 255  # every rule gone
    path = tmp_path / "no-rules.png"
    Image.fromarray(photocopy(rgb, DPI, np.random.default_rng(PAGE), contrast=0.35)).save(path, dpi=(DPI, DPI))
    doc = extract_document(path)
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
