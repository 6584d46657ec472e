"""A column line made of characters' strokes (pipeline.textgrid.glyph_lines): on a skewed, slightly bowed scan
with dense rows (profile skew3), the rule finder — chaining fragments across gaps — can take the upright strokes of
characters standing one under the other (其|他, 彩|票, 用|于) for a rule down a column of names, splitting it in
two (公开07表 read with 9 columns instead of 8, the names cut: 用于 | 于社会福利…). Such a line runs through
characters, never down a row from rule to rule as a rule's stroke does: it is dropped before the cells are read."""
from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np
import pytest

from pipeline.layout import LayoutSettings, scan_tables
from pipeline.preprocess import PreprocessSettings, preprocess_page
from pipeline.textgrid import drop_column_lines, glyph_lines
from tests.conftest import ROOT, SAMPLES

sys.path.insert(0, str(ROOT / "scripts"))


def _grids(rgb: np.ndarray, dpi: int):
    clean = preprocess_page(np.ascontiguousarray(rgb[:, :, ::-1]), replace(PreprocessSettings(), dpi=dpi))
    h, w = clean.gray.shape
    grids = scan_tables(clean.binary, clean.rule_ink, w, h, dpi, LayoutSettings(), clean.colourless_seals, clean.worn)
    return clean, grids


@pytest.mark.browser
def test_dense_skewed_tables_lose_the_lines_their_names_made(tmp_path):
    """The seed-21 skew3 document's generator recipe, printed with four of its tables: each grid found has as
    many columns as the table printed once the lines made of characters are dropped (before: 公开06表's grid had
    10 columns for its 9)."""
    from samplegen.degrade import PROFILES, degrade_page
    from samplegen.generate import Recipe, compose
    from samplegen.render import Printer, rasterise

    recipe = Recipe(name="gen21_009_education_skew3", department="education", seed=21009, profile="skew3",
                    font="sans", repeat_header=False, cover=False, tables=(3, 6, 7, 10))
    with Printer() as printer:
        _content, _pages, _settings, html = compose(recipe, printer)
        printer.pdf(html, tmp_path / "clean.pdf")
    images = rasterise(tmp_path / "clean.pdf", 200)
    rng = np.random.default_rng(21009)
    split, counts = 0, []
    for rgb in images:
        out, _info = degrade_page(rgb, PROFILES["skew3"], rng, [], "")
        clean, grids = _grids(out, 200)
        for g in grids:
            if g.n_rows < 3:
                continue
            dropped = glyph_lines(g, clean.binary, 200)
            fixed = drop_column_lines(g, dropped, 200, LayoutSettings())
            split += bool(dropped)
            counts.append((g.n_cols, fixed.n_cols))
    assert split >= 1, counts
    # every grid ends with the columns the generator printed: 公开03表 8, 公开06表 9, 公开07表 8, 公开10表 3
    assert sorted(n for _, n in counts) == [3, 8, 8, 9], counts


def test_no_rule_of_a_skewed_table_is_taken_for_characters():
    """The committed born-digital sample's tables (s04: 公开02/03/05/07表), rendered and degraded as skew3 (2–3°,
    bowed, watermark, seal): every column rule found stays."""
    from samplegen.degrade import PROFILES, degrade_page
    from samplegen.render import rasterise

    pages = rasterise(SAMPLES / "s04_health_2023_digital.pdf", 200)
    found = 0
    for number, columns in ((3, 9), (4, 8), (7, 5), (10, 8)):
        for seed in range(2):
            out, _info = degrade_page(pages[number - 1].copy(), PROFILES["skew3"], np.random.default_rng(seed), [], "")
            clean, grids = _grids(out, 200)
            table = max(grids, key=lambda g: g.n_rows)
            assert table.n_cols == columns
            assert glyph_lines(table, clean.binary, 200) == [], (number, seed)
            found += 1
    assert found == 8
