"""Grid completion from the text (pipeline.textgrid): a real 收入决算表 rendered at 150 dpi as a worn
photocopy with body row rules and a column rule erased — rows and the column come back from how the text
lines up, and the cells they bound are doubted until an identity confirms their row."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from pipeline.ingest import IngestSettings, open_document
from pipeline.layout import chained_segments, find_tables, scan_tables
from pipeline.model import Cell, Check, Document, Row, Table
from pipeline.preprocess import PreprocessSettings, preprocess_page
from pipeline.score import score_document
from tests.conftest import REAL
from tests.scan_damage import photocopy, render_pdf_page

PDF = REAL / "juesuan" / "putuo-shehuigongzuo-2024-juesuan.pdf"
DPI = 150


@pytest.fixture(scope="module")
def reference():
    if not PDF.exists():
        pytest.skip(f"{PDF} not available")
    page = next(p for p in open_document(PDF, IngestSettings(dpi=DPI)).pages() if p.number == 6)
    grids = find_tables(page.rules or [], page.width, page.height, page.dpi)
    assert [(g.n_rows, g.n_cols) for g in grids] == [(14, 9)]
    return grids[0]


def _erase(rgb: np.ndarray, ref, rows: list[int], col: int, from_row: int) -> np.ndarray:
    """Paper over the row rules ``rows`` (whole width) and the column rule ``col`` below row ``from_row``."""
    out = rgb.copy()
    x0, x1 = int(ref.xs[0]) + 3, int(ref.xs[-1]) - 3
    for r in rows:
        y = int(round(ref.ys[r]))
        out[y - 3:y + 4, x0:x1] = 255
    x = int(round(ref.xs[col]))
    out[int(ref.ys[from_row]) + 3:int(ref.ys[-1]) - 3, x - 3:x + 4] = 255
    return out


def test_rows_and_a_column_without_rules_come_from_the_text(reference):
    ref = reference
    body = list(range(6, 13, 2))  # every other body row rule gone: those rows are two printed rows each
    rgb = _erase(render_pdf_page(PDF, 5, DPI), ref, body, col=3, from_row=0)
    clean = preprocess_page(cv2.cvtColor(photocopy(rgb, DPI, np.random.default_rng(3), contrast=0.35), cv2.COLOR_RGB2BGR),
                            PreprocessSettings(dpi=DPI))
    h, w = clean.gray.shape
    assert clean.worn
    # the rule finder alone sees fewer rows (and misses the column below the header)
    ruled = find_tables(chained_segments(clean.binary, DPI, rule_ink=clean.rule_ink, worn=True), w, h, DPI)
    assert [(g.n_rows, g.n_cols) for g in ruled] != [(14, 9)]
    grids = scan_tables(clean.binary, clean.rule_ink, w, h, DPI, seal_mask=clean.colourless_seals, worn=clean.worn)
    assert [(g.n_rows, g.n_cols) for g in grids] == [(14, 9)]
    got = grids[0]
    assert max(abs(a - b) for a, b in zip(ref.ys, got.ys)) <= 8  # px at 150 dpi: midway between text lines
    assert max(abs(a - b) for a, b in zip(ref.xs, got.xs)) <= 8
    inferred_h = sorted(p for k, p, _, _ in got.inferred if k == "h")
    assert len(inferred_h) == len(body) and all(abs(a - ref.ys[r]) <= 8 for a, r in zip(inferred_h, body))
    assert [abs(p - ref.xs[3]) <= 8 for k, p, _, _ in got.inferred if k == "v"] == [True]
    # cells bounded by an inferred line say so; the rest of the table does not
    doubted = {(c.row, c.col) for c in got.cells if got.inferred_sides(c.bbox)}
    assert {(5, 0), (6, 0), (12, 8), (13, 3), (10, 3)} <= doubted
    assert not {(1, 0), (3, 8), (4, 1)} & doubted


def test_cells_bounded_by_an_inferred_line_wait_for_an_identity():
    """rule_missing: reviewed unless an identity confirms the cell (a confirmed neighbour in its row is no
    proof of a label cut by an inferred line)."""
    def cell(text, value, reasons=()):
        return Cell(text=text, value=value, ocr_score=0.999, reasons=list(reasons))

    t = Table(id="t1", columns=["a", "b", "c"], pages=[1], rows=[
        Row(page=1, cells=[cell("1.00", 1.0, ["rule_missing"]), cell("2.00", 2.0, ["rule_missing"]),
                           cell("3.00", 3.0, ["rule_missing"])]),
        Row(page=1, cells=[cell("4.00", 4.0, ["rule_missing"]), cell("5.00", 5.0, ["rule_missing"]),
                           cell("9.00", 9.0, ["rule_missing"])]),
    ])
    doc = Document(source_path="x.pdf", sha256="0", page_count=1, tables=[t])
    doc.checks = [Check(rule="row", table="t1", ok=True, expected=9.0, actual=9.0, tolerance=0.01,
                        cells=[("t1", 1, 1), ("t1", 1, 2)])]
    score_document(doc)
    assert all(c.review for c in t.rows[0].cells)  # no identity covers the first row
    assert [c.review for c in t.rows[1].cells] == [True, False, False]


def _piece(ref, c0: int, c1: int, r0: int = 0, r1: int | None = None):
    """The part of the reference grid between its column lines c0 and c1 (row lines r0 and r1), as the rule
    finder would give a piece."""
    from pipeline.layout import Grid, GridCell

    xs, ys = ref.xs[c0:c1 + 1], ref.ys[r0:None if r1 is None else r1 + 1]
    cells = [GridCell(r, c, 1, 1, (int(xs[c]), int(ys[r]), int(xs[c + 1]), int(ys[r + 1])))
             for r in range(len(ys) - 1) for c in range(len(xs) - 1)]
    return Grid(xs=list(xs), ys=list(ys), cells=cells)


@pytest.mark.parametrize("pieces", [[(0, 1), (2, 9)], [(0, 9, 0, 7), (0, 1, 8, 14), (2, 9, 9, 14)]],
                         ids=["side_by_side", "stacked"])
def test_pieces_of_one_table_are_joined_and_doubted(reference, pieces):
    """The code column and the amount columns found apart (the name column's rules lost between them), or
    the table cut in two across a lost row rule as well: one grid over the pieces, the name column and the
    row back between them, every cell in doubt (``joined``)."""
    from pipeline.layout import LayoutSettings
    from pipeline.textgrid import complete_tables

    ref = reference
    rgb = render_pdf_page(PDF, 5, DPI)
    clean = preprocess_page(cv2.cvtColor(photocopy(rgb, DPI, np.random.default_rng(4), contrast=0.35),
                                         cv2.COLOR_RGB2BGR), PreprocessSettings(dpi=DPI))
    grids = complete_tables([_piece(ref, *p) for p in pieces], [], clean.binary, DPI, LayoutSettings())
    assert len(grids) == 1
    got = grids[0]
    assert got.joined and (got.n_rows, got.n_cols) == (14, 9)
    assert max(abs(a - b) for a, b in zip(ref.xs, got.xs)) <= 2
    assert all(got.inferred_sides(c.bbox) for c in got.cells)


def test_a_column_line_the_text_runs_across_goes():
    """A stray column line through the names (strokes of a watermark taken for a rule): the text runs across
    it in most rows, so it goes; the names' cells that now span it are in doubt, the amounts' are not.
    (At 200 dpi, the resolution scans are read at: at 150 dpi a worn serif print falls apart into strokes.)"""
    from pipeline.layout import LayoutSettings
    from pipeline.textgrid import complete_tables

    if not PDF.exists():
        pytest.skip(f"{PDF} not available")
    dpi = 200
    page = next(p for p in open_document(PDF, IngestSettings(dpi=dpi)).pages() if p.number == 6)
    ref = find_tables(page.rules or [], page.width, page.height, page.dpi)[0]
    rgb = render_pdf_page(PDF, 5, dpi)
    clean = preprocess_page(cv2.cvtColor(photocopy(rgb, dpi, np.random.default_rng(5), contrast=0.35),
                                         cv2.COLOR_RGB2BGR), PreprocessSettings(dpi=dpi))
    stray = ref.xs[1] + 55  # 7 mm into the 科目名称 column
    cut = _piece(ref, 0, 9)
    cut.xs = sorted(cut.xs + [stray])
    from pipeline.layout import GridCell
    cut.cells = [GridCell(r, c, 1, 1, (int(cut.xs[c]), int(cut.ys[r]), int(cut.xs[c + 1]), int(cut.ys[r + 1])))
                 for r in range(len(cut.ys) - 1) for c in range(len(cut.xs) - 1)]
    grids = complete_tables([cut], [], clean.binary, dpi, LayoutSettings())
    got = grids[0]
    assert (got.n_rows, got.n_cols) == (14, 9)
    assert max(abs(a - b) for a, b in zip(ref.xs, got.xs)) <= 2
    names = [c for c in got.cells if c.col == 1 and c.row >= 3]
    assert names and all(got.inferred_sides(c.bbox) for c in names)
    assert not any(got.inferred_sides(c.bbox) for c in got.cells if c.col >= 2)


@pytest.mark.parametrize("k", [1, 3])
def test_a_column_merged_into_its_left_neighbour_keeps_the_grid_tiled(reference, k):
    """``merge_column_left`` on the real 公开02表's grid (9 columns, its header cells spanning rows and columns):
    科目名称 joined to the code column (the header's 项目 and the 合计 row span both already), or the second
    amount column to the first: the grid has 8 columns, every slot is covered by one cell, each cell reaches its
    last column's right line, the cells after the line keep their boxes one column index lower, and a cell
    that spanned the line spans one column less. Where a row's cells do not pair up (公开02表's 本年收入合计,
    two header rows tall, beside 项目 over two columns) there is no merging."""
    from pipeline.textgrid import merge_column_left

    ref = reference
    assert merge_column_left(ref, 2) is None
    spanned = [c for c in ref.cells if c.col < k < c.col + c.colspan]
    got = merge_column_left(ref, k)
    assert got is not None and got.n_cols == ref.n_cols - 1 and got.xs == ref.xs[:k] + ref.xs[k + 1:]
    own = got.owner()
    assert len(own) == got.n_rows * got.n_cols  # every slot covered once …
    assert sum(c.rowspan * c.colspan for c in got.cells) == got.n_rows * got.n_cols  # … and by one cell only
    for c in got.cells:
        assert abs(c.bbox[2] - got.xs[c.col + c.colspan]) <= 2, c
    before = {(c.row, c.col + (c.col >= k)): c.bbox for c in got.cells if c.col >= k}
    assert all(before[(c.row, c.col)] == c.bbox for c in ref.cells if c.col > k and (c.row, c.col) in before)
    assert all(any(g.row == c.row and g.col == c.col and g.colspan == c.colspan - 1 for g in got.cells) for c in spanned)


def test_an_empty_column_keeps_its_line_when_its_label_is_printed_over_it(reference):
    """``empty_spanned_columns`` on the real 公开02表's grid as read: a column whose body is blank in every row
    and whose line two body rows' cells run across is taken out — unless a label stands over it in the
    header rows (a printed empty column: 经营收入 with no amount in it, its rule lost in two rows)."""
    from pipeline.layout import Grid, GridCell
    from pipeline.read import GridReading, Reading
    from pipeline.textgrid import empty_spanned_columns

    ref, k = reference, 6
    cells, texts = [], {}
    for c in ref.cells:
        if c.row in (8, 9) and c.col == k - 1:  # its line lost in two body rows: the amount's cell spans it
            cells.append(GridCell(c.row, c.col, c.rowspan, c.colspan + 1, (c.bbox[0], c.bbox[1], int(ref.xs[k + 1]), c.bbox[3])))
            texts[(c.row, c.col)] = "12.50"
        elif c.row in (8, 9) and c.col == k:
            continue
        else:
            cells.append(c)
            texts[(c.row, c.col)] = "" if c.col == k else "1.00"
    grid = Grid(xs=list(ref.xs), ys=list(ref.ys), cells=cells)
    read = GridReading(grid, {key: Reading(text=t) for key, t in texts.items()})
    assert empty_spanned_columns(read) == [ref.xs[k]]
    top = next(c for c in cells if c.col == k and c.row == 0)
    read.cells[(top.row, top.col)] = Reading(text="经营收入")
    assert empty_spanned_columns(read) == []


def test_rows_below_the_last_rule_carry_on_past_an_amount_touching_a_rule_stub():
    """The last two rows of a worn photocopy lost their rules (the bottom border too): they are read as rows
    of the table when they carry on at its pitch with text in its columns and across none of its lines — a
    note under the table runs across them. A stub of a column rule left beside an amount printed flush right
    (175.52| in seed-21 photocopy150 公开07表) is one piece of text with it, reaching a pixel or two past the
    line: that is no text across it (more than 1 mm past, on both sides, would be). Both rows were lost, their
    page unrecovered. Sample s04's 收入支出决算总表 rendered at 150 dpi as a worn photocopy."""
    from tests.conftest import ROOT

    pdf = ROOT / "samples" / "s04_health_2023_digital.pdf"
    page = next(p for p in open_document(pdf, IngestSettings(dpi=DPI)).pages() if p.number == 2)
    (ref,) = find_tables(page.rules or [], page.width, page.height, page.dpi)
    rgb = render_pdf_page(pdf, 1, DPI)
    x0, x1 = int(ref.xs[0]) - 3, int(ref.xs[-1]) + 4
    top, bottom = int(round(ref.ys[-3])) + 3, int(round(ref.ys[-1])) + 4
    for y in (ref.ys[-2], ref.ys[-1]):
        rgb[int(round(y)) - 3:int(round(y)) + 4, x0:x1] = 255
    mid, x = int(round((ref.ys[-3] + ref.ys[-2]) / 2)), int(round(ref.xs[3]))  # (left of xs[3]: 金额, flush right)
    stub = rgb[mid - 8:mid + 8, x - 3:x + 4].copy()
    for c in ref.xs:  # the column rules gone below the third row from the bottom, but for a stub of one
        rgb[top:bottom, int(round(c)) - 3:int(round(c)) + 4] = 255
    rgb[mid - 8:mid + 8, x - 3:x + 4] = stub
    clean = preprocess_page(cv2.cvtColor(photocopy(rgb, DPI, np.random.default_rng(3), contrast=0.35), cv2.COLOR_RGB2BGR),
                            PreprocessSettings(dpi=DPI))
    h, w = clean.gray.shape
    grids = scan_tables(clean.binary, clean.rule_ink, w, h, DPI, seal_mask=clean.colourless_seals, worn=clean.worn)
    assert [(g.n_rows, g.n_cols) for g in grids] == [(ref.n_rows, ref.n_cols)], [(g.n_rows, g.n_cols) for g in grids]
    assert abs(grids[0].ys[-2] - ref.ys[-2]) <= 8


def _row_rule_wiped(dpi: int):
    """Real shehuigongzuo 公开02表 (page 6) at ``dpi``, the row rule under its ninth row wiped across the table:
    its printed grid, the page and the rule's height."""
    if not PDF.exists():
        pytest.skip(f"{PDF} not available")
    page = next(p for p in open_document(PDF, IngestSettings(dpi=dpi)).pages() if p.number == 6)
    (ref,) = find_tables(page.rules or [], page.width, page.height, page.dpi)
    rgb = render_pdf_page(PDF, 5, dpi)
    y = int(round(ref.ys[9]))
    rgb[y - 4:y + 5, int(ref.xs[0]) + 4:int(ref.xs[-1]) - 4] = 255
    return ref, rgb, y


def test_a_tall_blob_and_a_speck_between_two_rows_do_not_join_them():
    """Two rows whose rule is lost are two bands of text, even where a digit run into a seal's ring (a blob
    well over a line's height) reaches down from the upper one nearly to the lower one and a speck (a remnant
    of the rule) stands beside it: bands are where characters of a line's height run (seed-21 photocopy150
    公开05表: 2130599 over 21307 were read as one row, 683.191500.72). The row line is put back between them.
    The page at 200 dpi, as the benchmark scans it."""
    dpi = 200
    ref, rgb, y = _row_rule_wiped(dpi)
    a = int(round(ref.xs[6])) + 27  # (an empty amount column)
    cv2.rectangle(rgb, (a, y - 20), (a + 30, y + 16), (0, 0, 0), 3)  # 41 px; a line of text is 25
    cv2.rectangle(rgb, (a + 80, y + 2), (a + 94, y + 13), (0, 0, 0), 3)
    clean = preprocess_page(cv2.cvtColor(photocopy(rgb, dpi, np.random.default_rng(3), contrast=0.35), cv2.COLOR_RGB2BGR),
                            PreprocessSettings(dpi=dpi))
    h, w = clean.gray.shape
    grids = scan_tables(clean.binary, clean.rule_ink, w, h, dpi, seal_mask=clean.colourless_seals, worn=clean.worn)
    assert [(g.n_rows, g.n_cols) for g in grids] == [(ref.n_rows, ref.n_cols)], [(g.n_rows, g.n_cols) for g in grids]
    assert min(abs(v - ref.ys[9]) for v in grids[0].ys) <= 10


def test_two_rows_a_row_of_specks_joins_on_a_worn_page_are_put_apart(monkeypatch):
    """Two rows whose rule is lost, with specks (a watermark's strokes, a rule's remnants) in the paper between
    them in five columns, three touching the upper row's text and two the lower's: across the whole width the
    specks are as dense as a sparse row of text, so the two rows are one band of text and no row line is
    inferred between them (calibration photocopy150 公开03表: 2130104 over 2130108 read 21301042130108). In
    each column the two lines stand a pitch apart with no line of text across the gap, as on a skewed page
    that is not worn (``textgrid.split_stacked_rows``, now run on worn pages too): the row line is put back.
    The page at 200 dpi, as the benchmark scans it."""
    import pipeline.textgrid as textgrid

    dpi = 200
    ref, rgb, y = _row_rule_wiped(dpi)
    for col, top, bottom in ((4, -16, -2), (5, -16, -2), (6, -16, -2), (7, 2, 16), (8, 2, 16)):
        a = int(round(ref.xs[col])) + 40
        cv2.rectangle(rgb, (a, y + top), (a + 30, y + bottom), (0, 0, 0), 3)
    clean = preprocess_page(cv2.cvtColor(photocopy(rgb, dpi, np.random.default_rng(3), contrast=0.35),
                                         cv2.COLOR_RGB2BGR), PreprocessSettings(dpi=dpi))
    assert clean.worn
    h, w = clean.gray.shape

    def grids():
        return scan_tables(clean.binary, clean.rule_ink, w, h, dpi, seal_mask=clean.colourless_seals, worn=clean.worn)

    found = grids()
    assert [(g.n_rows, g.n_cols) for g in found] == [(ref.n_rows, ref.n_cols)], [(g.n_rows, g.n_cols) for g in found]
    assert min(abs(v - ref.ys[9]) for v in found[0].ys) <= 10
    monkeypatch.setattr(textgrid, "split_stacked_rows", lambda grids, *a, **k: grids)
    assert [g.n_rows for g in grids()] == [ref.n_rows - 1]  # (the two rows in one without it)


def test_a_column_line_worn_away_over_a_few_rows_is_put_back(reference, monkeypatch):
    """A column rule worn away over four body rows, there above and below them (seed-21 photocopy150 公开04表:
    收入's 行次 and 金额 lines lost over four rows, 8 and 八、社会保障和就业支出 each read into a cell two columns
    wide, their amounts a column off): the rows' cells span the line, their text stands on one side of it.
    The wall is put back (``textgrid._worn_stripes``): no cell of those rows spans it. Without it they do."""
    import pipeline.textgrid as textgrid

    ref = reference
    rgb = render_pdf_page(PDF, 5, DPI)
    x = int(round(ref.xs[4]))
    rgb[int(ref.ys[6]) + 3:int(ref.ys[10]) - 3, x - 3:x + 4] = 255

    def grid():
        clean = preprocess_page(cv2.cvtColor(photocopy(rgb, DPI, np.random.default_rng(3), contrast=0.35),
                                             cv2.COLOR_RGB2BGR), PreprocessSettings(dpi=DPI))
        h, w = clean.gray.shape
        (g,) = scan_tables(clean.binary, clean.rule_ink, w, h, DPI, seal_mask=clean.colourless_seals, worn=clean.worn)
        return g

    def spanning(g):
        k = min(range(len(g.xs)), key=lambda i: abs(g.xs[i] - x))
        return [c for c in g.cells if c.col < k < c.col + c.colspan and g.ys[c.row] >= ref.ys[6] - 8]

    g = grid()
    assert abs(g.xs[min(range(len(g.xs)), key=lambda i: abs(g.xs[i] - x))] - x) <= 8
    assert not spanning(g), [(c.row, c.col, c.colspan) for c in spanning(g)]
    monkeypatch.setattr(textgrid, "_worn_stripes", lambda *a, **k: [])
    assert spanning(grid())


def _flush_right_page(dpi: int = 200):
    """Real shehuigongzuo 公开06表 (page 13) rendered at ``dpi``, its 决算数 amounts moved flush right, 0.8 mm
    short of the rule before 经济分类科目编码, so amount and code stand 2 mm apart (as in calibration
    photocopy150's 公开06表, 2897.84 | 302); the table's printed grid."""
    page = next(p for p in open_document(PDF, IngestSettings(dpi=dpi)).pages() if p.number == 13)
    (ref,) = find_tables(page.rules or [], page.width, page.height, page.dpi)
    rgb = render_pdf_page(PDF, 12, dpi)
    x = int(round(ref.xs[3]))
    for r in range(1, len(ref.ys) - 1):
        y0, y1 = int(ref.ys[r]) + 3, int(ref.ys[r + 1]) - 2
        a0, a1 = int(ref.xs[2]) + 4, x - 4
        cell = rgb[y0:y1, a0:a1].copy()
        ink = np.flatnonzero((cell.min(axis=2) < 160).any(axis=0))
        if ink.size:
            shift = (a1 - a0 - 2) - int(ink[-1]) - 4
            rgb[y0:y1, a0:a1] = 255
            rgb[y0:y1, a0 + shift:a1] = cell[:, :a1 - a0 - shift]
    return rgb, ref


def test_a_column_line_worn_away_from_the_table_top_is_put_back():
    """A column rule worn away from the top of a worn table over its header and first body rows, kept below
    (calibration photocopy150 公开06表: 决算数 | 经济分类科目编码 lost over nine rows, 2897.84 302 read as one
    amount in a cell two columns wide): ``textgrid.edge_stripes`` puts the line back through those rows,
    where the print leaves it; ``_worn_stripes`` wants rows on both sides that part it. A line whose rows'
    print runs across it is left out, and so is a line kept in too few rows."""
    from pipeline.layout import LayoutSettings, grid_from_segments
    from pipeline.textgrid import _walls, edge_stripes

    if not PDF.exists():
        pytest.skip(f"{PDF} not available")
    rgb, ref = _flush_right_page()
    binary = (cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) < 160).astype(np.uint8) * 255
    x, top = ref.xs[3], 24  # the line lost over rows 0 … 23 (kept in 16: over fewer, the grid keeps it whole)
    binary[int(ref.ys[0]) - 3:int(ref.ys[top]), int(x) - 3:int(x) + 4] = 0  # and its rule worn away there

    def worn(rows: int):
        segs = [w for w in _walls(ref) if w.horizontal or abs(w.x0 - x) > 1.0 or w.y0 >= ref.ys[rows] - 1]
        return grid_from_segments(segs, 200, LayoutSettings())

    def spanned(g) -> list[int]:
        own, j = g.owner(), min(range(len(g.xs)), key=lambda i: abs(g.xs[i] - x))
        return [r for r in range(g.n_rows) if own[(r, j - 1)] is own[(r, j)]]

    g = worn(top)
    assert g.n_cols == ref.n_cols and spanned(g) == list(range(top))
    (back,) = edge_stripes([g], binary, 200, LayoutSettings())
    assert spanned(back) == [] and any(i[0] == "v" and abs(i[1] - x) <= 1 for i in back.inferred)
    # the amounts printed across the line in the lost rows: their print says there is no column line there
    crossed = binary.copy()
    for r in range(1, top):
        y = int((ref.ys[r] + ref.ys[r + 1]) / 2)
        for a in range(int(x) - 33, int(x) + 30, 22):  # characters' blobs 16 px wide, 6 px apart
            crossed[y - 10:y + 10, a:a + 16] = 255
    assert spanned(edge_stripes([g], crossed, 200, LayoutSettings())[0]) == list(range(top))
    # a line kept in two rows only is no column line the table's body shows
    short = worn(len(ref.ys) - 3)
    assert spanned(edge_stripes([short], binary, 200, LayoutSettings())[0]) == spanned(short)


def test_a_row_reading_two_numbered_items_is_cut_between_them():
    """``item_row_cuts``: a label cell reading two items numbered one after the other (十八、 over 十九、, or 十九、
    over 十、 — 二十、 with its 二 lost under the watermark) is two rows whose rule was lost: a line half way
    between their middles. Not where an amount beside them stands across that line, nor for items not in
    sequence, nor for a form's sentences numbered in one cell."""
    from pipeline.layout import Grid, GridCell
    from pipeline.read import GridReading, Reading
    from pipeline.textgrid import item_row_cuts

    def cut(parts, beside=((("445.69", 130.0, 0.9),))):
        grid = Grid([0.0, 300.0, 400.0], [100.0, 200.0],
                    [GridCell(0, 0, 1, 1, (0, 100, 300, 200)), GridCell(0, 1, 1, 1, (300, 100, 400, 200))])
        label = Reading(text="".join(t for t, _, _ in parts), parts=list(parts))
        return item_row_cuts(GridReading(grid, {(0, 0): label, (0, 1): Reading(text="x", parts=list(beside))}))

    assert cut([("十八、自然资源海洋气象等支出", 125.0, 0.9), ("十九、住房保障支出", 175.0, 0.9)],
               [("445.69", 175.0, 0.9)]) == [150.0]
    assert cut([("十九、住房保障支出", 125.0, 0.9), ("十、粮油物资储备支出", 175.0, 0.9)],
               [("445.69", 125.0, 0.9)]) == [150.0]
    assert cut([("十八、自然资源海洋气象等支出", 125.0, 0.9), ("十九、住房保障支出", 175.0, 0.9)],
               [("445.69", 150.0, 0.9)]) == []  # an amount across the line: whose is it?
    assert cut([("十八、自然资源", 125.0, 0.9), ("二十、粮油物资储备支出", 175.0, 0.9)], []) == []
    assert cut([("一、完成年度各项工作，", 125.0, 0.9), ("二、推进重点项目建设。", 175.0, 0.9)], []) == []
