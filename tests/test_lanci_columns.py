"""A column rule lost from top to bottom between two amount columns of a scanned 公开表 runs their cells
together (``0,000.65`` for 0.00 | 0.65) and their 栏次 numbers too (``1011`` for 10 | 11). The 栏次 row says
how many columns there are: the cell reading two numbers run together is two columns, and the line goes
back where the numbers, each centred in its column, put it, unless the text below runs across it
(``textgrid.lanci_lines``, the page read again by ``extract._lanci_columns``), the header labels over several
columns kept whole, the cells beside the line ``rule_missing`` until an identity confirms them. The calibration
skew3 document (seed 7, gen7_009) lost 公开09表's rule so."""
from __future__ import annotations

import sys

import numpy as np
import pytest
from PIL import Image

import pipeline.extract as extract
import pipeline.interpret as interpret
from pipeline.textgrid import lanci_merged
from pipeline.textnorm import compare_key
from tests.conftest import ROOT, SAMPLES

sys.path.insert(0, str(ROOT / "scripts"))
from samplegen.degrade import ruling_masks  # noqa: E402
from samplegen.render import rasterise  # noqa: E402

DIGITAL = SAMPLES / "s04_health_2023_digital.pdf"
PAGE = 12  # 公开09表 财政拨款“三公”经费支出决算表: 12 amount columns numbered 1 … 12, one body row


def test_column_numbers_run_together():
    assert lanci_merged(["栏次", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10111", "12"]) == [(10, 2)]
    assert lanci_merged(["1", "2", "3", "4", "5", "6", "7", "8", "9", "1011", "12"]) == [(9, 2)]
    assert lanci_merged(["1", "2", "3", "45"]) == [(3, 2)]  # the last two columns: the number before agrees
    assert lanci_merged(["1", "2", "3", "4", "567", "8"]) == [(4, 3)]
    # two cells at once (a worn photocopy150 公开09表: 4 | 5 with the lost rule read as 1, and 10 | 11)
    assert lanci_merged(["1", "2", "3", "415", "6", "7", "8", "9", "1011", "12"]) == [(3, 2), (8, 2)]
    # no run of numbers its neighbours leave out: a misread number, a body row of small amounts, a 栏次 row
    # whole, a number its neighbours disagree with
    assert lanci_merged(["1", "2", "17", "4"]) == []
    assert lanci_merged(["6", "0", "0", "66", "0"]) == []
    assert lanci_merged(["栏次", "1", "2", "3", "4", "5", "6"]) == []
    assert lanci_merged(["1", "2", "34", "6"]) == []
    # a row that says more is wrong than the one cell (a number misread, a blank read as letters) puts no line in
    assert lanci_merged(["栏次", "1", "2", "314", "561"]) == []
    assert lanci_merged(["栏次", "1", "2", "LR", "4", "516", "7"]) == []  # letters where 3 stands
    assert lanci_merged(["栏次", "Il", "1", "2", "3", "4", "516", "7"]) == []  # letters shaped like digits
    # a speck read as letters in the label columns' blank, before the numbers start, says nothing of them
    # (calibration gen7_007 photocopy150 公开02表: 栏次 | LR | 1 … 4 | 56 | 7, the watermark under 科目名称)
    assert lanci_merged(["栏次", "LR", "1", "2", "3", "4", "516", "7"]) == [(6, 2)]
    assert lanci_merged(["合计", "2023", "1.50", "12"]) == []
    # four numbers in one cell, and a cell of two digits that is two columns (seed-41 photocopy150 公开09表,
    # a tuning set: 3 | 4 | 5 | 6 with a stroke read as 1, 7 | 8, 9 | 10 | 11)
    assert lanci_merged(["1", "2", "31456", "78", "911011", "12"]) == [(2, 4), (3, 2), (4, 3)]
    assert lanci_merged(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]) == []
    # the first number with the table's left border's remnant read beside it (seed-41 photocopy150 公开09表:
    # 11 | 2 | 3 | 4 | 5617 | 8 …, whose 5 | 6 | 7 then went unseen); a number misread is still no run
    assert lanci_merged(["11", "2", "3", "4", "5617", "8", "9", "10", "11", "12"]) == [(4, 3)]
    assert lanci_merged(["11", "2", "3", "", "3", "6"]) == []
    # a number with a speck read as a letter no digit is shaped like (seed-41 nanyang photocopy150 公开09表:
    # 12 | 314 | Y5 | 6 | 718 | 9 | 1011112, seven cells for twelve columns); one shaped like a digit is no speck
    assert lanci_merged(["12", "314", "Y5", "6", "718", "9", "1011112"]) == [(0, 2), (1, 2), (4, 2), (6, 3)]
    assert lanci_merged(["12", "314", "S5", "6", "718", "9", "1011112"]) == []


def test_lines_between_evenly_spaced_numbers():
    """Where the walks from a cell's two sides disagree (a side of the cell is not those columns' rule: seed-41
    photocopy150 公开09表's 3 | 4 | 5, the cell's left line 4 mm right of the rule), numbers standing evenly
    spaced are columns of one width: the lines go half way between their middles. Two numbers must stand a
    usual column's width apart; numbers unevenly spaced give no line."""
    from pipeline.textgrid import _evenly_spaced_lines

    assert _evenly_spaced_lines([(565, 578), (736, 749), (908, 921)], 15.7, 174.0) == [657.0, 828.5]
    assert _evenly_spaced_lines([(1250, 1262), (1420, 1434)], 15.7, 174.0) == [1341.5]
    assert _evenly_spaced_lines([(1250, 1262), (1420, 1434)], 15.7, 240.0) is None
    assert _evenly_spaced_lines([(565, 578), (736, 749), (960, 973)], 15.7, 174.0) is None


def test_the_column_pitch_is_taken_from_the_lanci_rows_numbers():
    """Two numbers run together must stand a column's width apart; the grid's columns, some of them merged,
    are wider than the printed ones (seed-41 police photocopy150 公开09表: 208 px against 171, and 7 | 8 stayed
    one column, 1.45 | 0.00 read 1,450.00). The 栏次 row's own numbers give the pitch
    (``textgrid._number_pitch``), a rule's remnant between them left out."""
    from pipeline.textgrid import _number_pitch

    row = [(225, 236), (396, 405), (565, 578), (656, 660), (736, 749), (908, 921), (1079, 1091), (1250, 1262),
           (1420, 1434), (1591, 1605), (1759, 1783), (1929, 1951), (2100, 2122)]
    assert abs(_number_pitch(row, 6.3) - 171.0) <= 1.0
    assert _number_pitch(row[:2], 6.3) == 0.0


def _rules(rgb: np.ndarray) -> tuple[list[int], list[int], np.ndarray, np.ndarray]:
    horizontal, vertical = ruling_masks(rgb.min(axis=2), 200)
    cols = np.flatnonzero(vertical.sum(axis=0) > 100)
    rows = np.flatnonzero(horizontal.sum(axis=1) > 100)
    return ([int(x) for x in cols if x - 1 not in cols], [int(y) for y in rows if y - 1 not in rows],
            horizontal, vertical)


def _scan_without_rule(tmp_path, col: int, across: bool = False):
    """The page rendered at 200 dpi with the column rule ``col`` (0 = the table's left side) papered over
    from top to bottom (the row rules crossing it kept); with ``across``, the body's amount left of it moved
    to stand across where the rule was."""
    rgb = rasterise(DIGITAL, 200)[PAGE - 1].copy()
    rules, row_rules, horizontal, vertical = _rules(rgb)
    assert len(rules) == 13  # 12 columns
    x = rules[col]
    lost = np.zeros(vertical.shape, bool)
    lost[:, x - 4:x + 6] = vertical[:, x - 4:x + 6] > 0
    rgb[lost & ~(horizontal > 0)] = 255
    if across:
        y0, y1 = row_rules[-2] + 4, row_rules[-1] - 3  # the body row
        ink = np.flatnonzero((rgb[y0:y1, rules[col - 1] + 4:x - 3].min(axis=2) < 128).any(axis=0)) + rules[col - 1] + 4
        block = rgb[y0:y1, ink.min():ink.max() + 1].copy()
        rgb[y0:y1, ink.min():ink.max() + 1] = 255
        a = x - block.shape[1] // 2
        rgb[y0:y1, a:a + block.shape[1]] = np.minimum(rgb[y0:y1, a:a + block.shape[1]], block)
    path = tmp_path / f"p{PAGE}.png"
    Image.fromarray(rgb).save(path, dpi=(200, 200))
    return path


@pytest.fixture(scope="module")
def printed():
    return next(t for t in extract.extract_document(DIGITAL).tables if t.form == "公开09表")


@pytest.mark.parametrize("col", [10, 11])
def test_a_column_the_lanci_row_counts_comes_back(tmp_path, printed, monkeypatch, col):
    """决算数's 公务用车购置费 (10) | 公务用车运行维护费 (11), or 公务用车运行维护费 (11) | 公务接待费 (12), whose header
    cells differ: 公务接待费 spans two header rows beside 公务用车购置及运行维护费 over three columns."""
    path = _scan_without_rule(tmp_path, col)
    want = [c.text for c in printed.rows[0].cells]
    scan = next(t for t in extract.extract_document(path).tables if t.form == "公开09表")
    assert [c.text for c in scan.rows[0].cells] == want
    # every header label over its own columns (OCR prints ASCII brackets)
    assert [compare_key(c) for c in scan.columns] == [compare_key(c) for c in printed.columns]
    spans = {(h.row, h.col, h.colspan, h.cell.text) for h in scan.header_cells}
    assert (0, 6, 6, "决算数") in spans and (1, 8, 3, "公务用车购置及运行维护费") in spans
    lanci = [h.cell.text for h in sorted(scan.header_cells, key=lambda h: h.col) if h.row == 3]
    assert lanci == [str(k) for k in range(1, 13)]
    # the body cells beside the line put back say so, no other does; identities confirm them
    # (小计 = 购置费 + 运行维护费, 合计 = 出国 + 小计 + 接待)
    body = scan.rows[0].cells
    assert [k for k, c in enumerate(body) if "rule_missing" in c.reasons] == [col - 1, col]
    assert not any(c.review for c in body)
    # without it the amounts read run together are cut into the record's twelve columns all the same
    # (interpret.split_record_amounts), the two cut apart left to the record's sums
    monkeypatch.setattr(extract, "_lanci_columns", lambda page, clean, reading, *args: reading)
    cut = next(t for t in extract.extract_document(path).tables if t.form == "公开09表")
    assert [c.text for c in cut.rows[0].cells] == want
    assert all("rule_missing" in c.reasons for c in cut.rows[0].cells)
    # without either, the two columns are one: 11 columns, amounts run together, the table flagged
    monkeypatch.setattr(interpret, "split_record_amounts", lambda table, ocr_pages: 0)
    old = next(t for t in extract.extract_document(path).tables if t.form == "公开09表")
    assert len(old.columns) == 11 and [c.text for c in old.rows[0].cells] != want


def test_a_column_whose_text_runs_across_the_gap_is_not_split(tmp_path, printed, monkeypatch):
    """The same 栏次 cell, but the body's print runs across where the numbers put the line (an amount printed
    across it): the column is really one there, no line is put in, and the table that disagrees with its
    template stays flagged — unless its amounts, read run together, cut into the record's twelve columns
    (``interpret.split_record_amounts``), which gives them back in order, each in doubt until the sums hold."""
    path = _scan_without_rule(tmp_path, 10, across=True)
    scan = next(t for t in extract.extract_document(path).tables if t.form == "公开09表")
    assert [c.text for c in scan.rows[0].cells] == [c.text for c in printed.rows[0].cells]
    assert all("rule_missing" in c.reasons for c in scan.rows[0].cells)
    monkeypatch.setattr(interpret, "split_record_amounts", lambda table, ocr_pages: 0)
    scan = next(t for t in extract.extract_document(path).tables if t.form == "公开09表")
    assert len(scan.columns) == 11
    assert all(c.review for c in scan.rows[0].cells)
