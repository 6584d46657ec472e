"""Grid completion from the text: rows and columns a worn scan lost its rules for, inferred from how the
printed text lines up, anchored on whatever rules survive.

A worn photocopy keeps only pieces of its rules: the rule finder (:mod:`pipeline.layout`) then returns a
table cut into pieces (the code column apart from the rest, a block of columns of a continued table) or one
grid whose rows hold two or three printed rows each, whose columns hold two columns each. The text still
shows the grid:

- rows: every printed row is a band of text; two bands with no rule between them, each with text in at
  least two columns, are two rows (a label wrapped over two lines in one cell makes no band of its own:
  the one-line cells beside it are centred across both lines);
- columns: a gutter — paper down the body rows inside one column, with text on both sides of it — is a
  column rule lost; the header above may cross it (a label spanning both columns), the 栏次 row's numbers
  (1, 2, 3 …, one centred in each column) count as text, so a blank column of amounts is seen by its number;
- a piece's edge the text runs across (in a fifth of the rows) is no column rule: it goes, and the cells that
  now span it are in doubt;
- the pieces of one table (grids side by side, overlapping in height) are one region: its surviving rule
  segments and the inferred lines are put together by :func:`pipeline.layout.grid_from_segments`, which
  merges cells wherever no line separates them, as for any ruled table.

Every line inferred is recorded on the grid (``Grid.inferred``; a grid joined from pieces is ``Grid.joined``):
the cells it bounds (every cell of a joined grid) carry the reason ``rule_missing`` and are reviewed unless an
identity confirms them (:mod:`pipeline.score`). A page where
no text grid can be made keeps what the rule finder gave (and the verdict's ``unrecovered`` / ``table_pieces``).

A page that is not worn keeps its grid but for one repair (:func:`split_stacked_rows`): rows where the text
lines of several printed rows stack in one row of the grid (a skewed, bowed scan of a dense table losing its
faint row rules here and there) are split by each column's own lines, recorded the same way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import cv2
import numpy as np


@dataclass(frozen=True)
class TextGridSettings:
    char_min_mm: float = 1.4  # a character (or the tall part of one) is at least this high ...
    char_max_mm: float = 6.0  # ... and at most this high, at most ``char_wide_mm`` wide
    char_wide_mm: float = 8.0
    rule_thin_mm: float = 0.5  # thinner than this and taller than a line: a piece of a vertical rule
    rule_tall_mm: float = 3.2
    word_gap_mm: float = 2.5  # characters closer than this are one piece of text (CJK glyphs stand ~1–2 mm apart)
    band_gap_mm: float = 0.3  # text bands: rows of characters closer than this are one band ...
    band_share: float = 0.12  # ... rows where the characters cover this share of the width the densest rows do
    gutter_mm: float = 4.0  # a column gutter is paper at least this wide ...
    narrow_gutter_mm: float = 3.5  # ... or this wide, with text on both sides of it in ``narrow_side_share`` of
    narrow_side_share: float = 0.5  # the rows (201 | 06: 类 and 款 codes 3.9 mm apart on most rows of 公开02表)
    gutter_margin_mm: float = 1.0  # ... kept this far from the column's own rules
    # pieces of text at most this wide at one place (within ``remnant_tol_mm``) in two rows or more are what is
    # left of a column rule, not text: a gutter runs through them
    remnant_mm: float = 0.8
    remnant_tol_mm: float = 0.5
    remnant_reach_mm: float = 4.0  # a line put back in a gutter moves onto such pieces this near it
    max_header_bands: int = 5  # bands at the top a gutter may be crossed by (header labels spanning columns)
    min_gutter_bands: int = 3  # bands below the header a gutter runs through ...
    min_side_share: float = 0.15  # ... with text on each side of it in this share of them (and two at least)
    crossed_share: float = 0.3  # a column line the text runs across in this share of the rows is no rule
    region_gap_mm: float = 90.0  # grids side by side this close, overlapping in height, are one table's pieces;
    stack_gap_mm: float = 10.0  # so are grids one above the other this close sharing half their width, and
    # grids whose boxes overlap
    same_columns_gap_mm: float = 120.0  # and grids one above the other this far apart with the same column lines,
    same_columns_share: float = 0.75  # (this share of the narrower's lines, four at least) no text across them
    below_pitch: float = 1.8  # a text row below a region, this many row pitches below it, continues the table
    below_word_mm: float = 4.0  # (past a row with text in one column: pieces this wide in two columns)
    # a table whose rules are all lost (text_table): this many rows of >= 3 pieces of text read outside every grid
    text_table_rows: int = 5
    text_table_rows_counted: int = 3  # ... or this many when one of them is the 栏次 row
    text_gutter_mm: float = 2.0  # a column gutter of a rule-less table is paper at least this wide ...
    text_gutter_cross: float = 0.15  # ... that at most this share of its rows' text runs across
    text_row_reach: float = 2.2  # a band this many row pitches from the table's rows carries it on (header, total)
    # rows of a grid that hold several printed rows (split_stacked_rows): a row this many text pitches high ...
    stack_rows: float = 1.5
    stack_columns: int = 2  # ... with a gap between two lines of text in this many columns ...
    stack_pitch: float = 0.7  # ... a pitch apart (a share of the text's pitch) ...
    stack_wide: float = 1.6  # (two lines this many pitches apart in a column: a line lacking between them)
    stack_outvote: int = 3  # ... (one column's line across the gap counts against this many cells' gaps) ...
    stack_line: float = 1.5  # ... that no single line of text (at most this many lines high) runs across, ...
    stack_side: float = 0.6  # ... leaving this share of a pitch to every other row line


@dataclass
class _Band:
    top: int
    bottom: int
    words: list[tuple[int, int]]  # (x0, x1) pieces of text in the band, left to right


def _mm(dpi: int, mm: float) -> float:
    return mm * dpi / 25.4


def text_boxes(binary: np.ndarray, dpi: int, settings: TextGridSettings = TextGridSettings()) -> np.ndarray:
    """Boxes (x0, y0, x1, y1) of the character-like blobs of a binarised page (ink = 255): rule pieces,
    specks, dots and the hairline strokes of a watermark left out."""
    opened = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (2, 2)))
    return _char_blobs(opened, dpi, settings)


def _char_blobs(ink: np.ndarray, dpi: int, settings: TextGridSettings, min_w: float = 0.0) -> np.ndarray:
    """Boxes of the blobs of ``ink`` a character's size (``char_min_mm`` … ``char_max_mm`` high, ``min_w`` …
    ``char_wide_mm`` wide), pieces of upright rules left out."""
    n, _, st, _ = cv2.connectedComponentsWithStats((ink > 0).astype(np.uint8), connectivity=8)
    if n <= 1:
        return np.zeros((0, 4), int)
    x, y, w, h = st[1:, 0], st[1:, 1], st[1:, 2], st[1:, 3]
    keep = ((h >= _mm(dpi, settings.char_min_mm)) & (h <= _mm(dpi, settings.char_max_mm))
            & (w >= min_w) & (w <= _mm(dpi, settings.char_wide_mm))
            & ~((w <= _mm(dpi, settings.rule_thin_mm)) & (h >= _mm(dpi, settings.rule_tall_mm))))
    return np.stack([x[keep], y[keep], x[keep] + w[keep], y[keep] + h[keep]], axis=1).astype(int)


def _runs(intervals: list[tuple[int, int]], gap: float) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for a, b in sorted(intervals):
        if out and a - out[-1][1] <= gap:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def text_bands(boxes: np.ndarray, x0: float, x1: float, y0: float, y1: float, dpi: int,
               settings: TextGridSettings = TextGridSettings()) -> list[_Band]:
    """The bands of text (printed rows) inside a box of the page, each with its pieces of text. A band is
    where the characters' boxes cover a good part of the width (``band_share`` of the densest rows): the
    few strokes of a watermark or specks of noise between two rows do not join them."""
    inside = boxes[(boxes[:, 0] >= x0) & (boxes[:, 2] <= x1) & (boxes[:, 1] >= y0) & (boxes[:, 3] <= y1)]
    if inside.size == 0:
        return []
    top0 = int(inside[:, 1].min())
    cover = np.zeros(int(inside[:, 3].max()) - top0 + 1)
    # (characters of a line's height only: a digit run into a seal's ring, 40 px tall, and a speck between two
    # rows, a rule's remnant, would bridge the paper between them — seed-21 photocopy150 公开05表's 2130599 over
    # 21307, their rule lost — and the two rows be taken for one band)
    heights = inside[:, 3] - inside[:, 1]
    usual = (heights >= 0.5 * np.median(heights)) & (heights <= 1.6 * np.median(heights))
    for bx0, by0, bx1, by1 in inside[usual] if usual.any() else inside:
        cover[by0 - top0:by1 - top0] += bx1 - bx0
    dense = cover >= settings.band_share * float(np.percentile(cover[cover > 0], 90))
    bands, cores = [], []
    for top, bottom in _runs([(int(i), int(i) + 1) for i in np.flatnonzero(dense)], _mm(dpi, settings.band_gap_mm)):
        mid = (inside[:, 1] + inside[:, 3]) / 2.0 - top0
        held = (mid >= top) & (mid < bottom)
        row, core = inside[held], inside[held & usual]
        if not len(row):
            continue
        top, bottom = int(row[:, 1].min()), int(row[:, 3].max())
        core = (int(core[:, 1].min()), int(core[:, 3].max())) if len(core) else (top, bottom)
        pieces = [(int(b[0]), int(b[2])) for b in row]
        if bands and core[0] - cores[-1][1] <= _mm(dpi, settings.band_gap_mm):
            # its characters reach into the band above (a label wrapped beside one-line cells): one band
            last = bands.pop()
            top, pieces, core = last.top, pieces + last.words, (cores.pop()[0], core[1])
        bands.append(_Band(top, bottom, _runs(pieces, _mm(dpi, settings.word_gap_mm))))
        cores.append(core)
    return bands


def _columns_hit(words: list[tuple[int, int]], xs: list[float]) -> int:
    """How many of the columns between the lines ``xs`` hold text of a band."""
    import bisect

    return len({bisect.bisect_right(xs, (a + b) / 2) for a, b in words})


def _pitch(bands: list[_Band]) -> float:
    """The table's row pitch: the median distance between the middles of consecutive bands."""
    return float(np.median([_mid(b) - _mid(a) for a, b in zip(bands, bands[1:])])) if len(bands) > 1 else 0.0


def _mid(band: _Band) -> float:
    return (band.top + band.bottom) / 2.0


def infer_rows(bands: list[_Band], ys: list[float], xs: list[float], dpi: int, min_pitch: float = 0.7,
               min_side: float = 0.6, ink: np.ndarray | None = None) -> list[float]:
    """Row lines between consecutive bands of text that no rule separates, both bands looking like rows
    (text in at least two columns) a row pitch apart (the lines of labels wrapped in a cell — a header's —
    stand closer), and leaving ``min_side`` of a pitch to every other row line. Lines where the paper between
    the bands has the most ink along it (``ink``: the page's columns of the table, ink = 255), else in its
    middle."""
    out: list[float] = []
    tol = _mm(dpi, 0.4)
    pitch = _pitch(bands)
    if len(ys) >= 3:  # (specks and watermark strokes make bands of their own: the rows' own height bounds it)
        pitch = min(pitch, float(np.median(np.diff(sorted(ys)))))
    for a, b in zip(bands, bands[1:]):
        if any(a.bottom - tol <= y <= b.top + tol for y in ys) or _mid(b) - _mid(a) < min_pitch * pitch:
            continue
        y = _line_between(a.bottom, b.top, ink)
        if min(abs(y - v) for v in list(ys) + out) < min_side * pitch:
            continue  # a row a line would cut too low to hold a row of text
        if _columns_hit(a.words, xs) >= 2 and _columns_hit(b.words, xs) >= 2:
            out.append(y)
    return out


def _line_between(bottom: int, top: int, ink: np.ndarray | None) -> float:
    """The row line between text ending at ``bottom`` and text starting at ``top``: where the paper between
    has the most ink along it (what is left of the rule, ``ink``: the table's columns, ink = 255), else in its
    middle."""
    if ink is not None and top - bottom >= 3:
        return bottom + _rule_in(ink[bottom:top].T)
    return (bottom + top) / 2.0


def infer_columns(bands: list[_Band], xs: list[float], dpi: int, settings: TextGridSettings = TextGridSettings(),
                  rule_ink: np.ndarray | None = None) -> list[tuple[float, int]]:
    """Column lines in the paper down a column with text on both sides: (x, index of the first band it
    runs through; the bands above it — header labels spanning both columns — may cross it). The line is
    put where the gutter has the most ink down it (what is left of the rule, ``rule_ink``: the table's
    rows, ink = 255), else by the text's alignment (:func:`_aligned_line`)."""
    out = []
    margin = _mm(dpi, settings.gutter_margin_mm)
    need = _mm(dpi, settings.narrow_gutter_mm)
    remnants = _remnant_words(bands, dpi, settings)
    for left, right in zip(xs, xs[1:]):
        lo, hi = int(left + margin), int(right - margin)
        if hi - lo < 3 * need:
            continue
        best = None
        for k in range(0, min(settings.max_header_bands, len(bands)) + 1):
            rows = bands[k:]
            if len(rows) < settings.min_gutter_bands:
                break
            used = np.zeros(hi - lo, bool)
            for band in rows:
                for a, b in band.words:
                    if b > lo and a < hi:
                        used[max(0, a - lo):min(hi - lo, b - lo)] = True
            for g0, g1 in _paper_runs(used):
                if g1 - g0 < need:
                    continue
                found = None if rule_ink is None else _rule_in(rule_ink[:, lo + g0:lo + g1], middle=False)
                x = lo + g0 + found if found is not None else _aligned_line(rows, left, right, lo + g0, lo + g1, dpi)
                n_left = sum(any(left < a and b <= x for a, b in band.words) for band in rows)
                n_right = sum(any(x <= a and b < right for a, b in band.words) for band in rows)
                share = settings.min_side_share if g1 - g0 >= _mm(dpi, settings.gutter_mm) \
                    else settings.narrow_side_share
                if min(n_left, n_right) >= max(2.0, share * len(rows)):
                    # (a line put where the text alone says, not on ink found: onto what is left of its rule, if
                    # that stands inside the column, clear of its lines)
                    moved = x if found is not None else _at_remnant(x, remnants, rows, dpi, settings)
                    best = (moved if lo < moved < hi else x, k)
                    break
            if best is not None:
                break
        if best is not None:
            out.append(best)
    return out


def _remnant_words(bands: list[_Band], dpi: int, settings: TextGridSettings) -> set[tuple[int, int]]:
    """The pieces of text of ``bands`` that are what is left of a column rule: at most ``remnant_mm`` wide, in
    line (within ``remnant_tol_mm``) with such a piece in another band. Seed-45 agriculture 公开06表 as a worn
    photocopy: the 科目名称 | 决算数 rule worn to a few pieces, each a "word" of its row, so the gutter found
    was the paper left of them and the line put back in its middle, 2.3 mm left of the rule; the rule's
    pieces stood inside the 决算数 cells, and each “——” there was read beside a piece of rule as two lines,
    and lost."""
    thin, tol = _mm(dpi, settings.remnant_mm), _mm(dpi, settings.remnant_tol_mm)
    narrow = [(k, w) for k, band in enumerate(bands) for w in band.words if w[1] - w[0] <= thin]
    return {w for k, w in narrow
            if any(j != k and abs((v[0] + v[1]) - (w[0] + w[1])) / 2.0 <= tol for j, v in narrow)}


def _at_remnant(x: float, remnants: set[tuple[int, int]], rows: list[_Band], dpi: int,
                settings: TextGridSettings) -> float:
    """A column line put back at ``x`` moved onto what is left of its rule (:func:`_remnant_words`) within
    ``remnant_reach_mm`` of it, where no other text of ``rows`` runs across that place (by more than
    ``remnant_tol_mm``); else ``x``."""
    reach, tol = _mm(dpi, settings.remnant_reach_mm), _mm(dpi, settings.remnant_tol_mm)
    near = sorted(((a + b) / 2.0 for a, b in remnants if abs((a + b) / 2.0 - x) <= reach),
                  key=lambda c: abs(c - x))
    for c in near:  # (a piece of text beginning or ending at the rule may hold a piece of it)
        if not any(a < c - tol and c + tol < b for band in rows for a, b in band.words if (a, b) not in remnants):
            return c
    return x


def gutter_lines(grid, dropped: list[float], boxes: np.ndarray, binary: np.ndarray, dpi: int,
                 settings: TextGridSettings = TextGridSettings(), near_mm: float = 2.0) -> list[float]:
    """Column lines in the text's gutters (:func:`infer_columns`) between the lines of ``grid`` either side of
    each of the lines ``dropped`` from it (lines that were no rule, :func:`glyph_lines`), not where a dropped line
    stood (``near_mm``: the line was inferred in that gutter before and dropped; real guihua 公开05表's last
    page as a worn photocopy, four rows, the gutter's middle 5 mm from the rule: the table's first page gives
    the rule's place when this page has no line there, :func:`continued_columns`)."""
    y0, y1 = grid.ys[0], grid.ys[-1]
    out = []
    for x in dropped:
        left = max((v for v in grid.xs if v < x), default=None)
        right = min((v for v in grid.xs if v > x), default=None)
        if left is None or right is None:
            continue
        bands = text_bands(boxes, left, right, y0, y1, dpi, settings)
        out += [line for line, _ in infer_columns(bands, [left, right], dpi, settings, binary[int(y0):int(y1)])
                if all(abs(line - d) > _mm(dpi, near_mm) for d in dropped)]
    return sorted(set(out))


def _aligned_line(rows: list[_Band], left: float, right: float, g0: float, g1: float, dpi: int,
                  spread_mm: float = 1.0, pad_mm: float = 1.5, share: float = 0.6) -> float:
    """Where the lost rule of the gutter [g0, g1) between the lines ``left`` and ``right`` stood, by the text
    on its sides: amounts are printed flush right, so a rule stands ``pad_mm`` right of the words before the
    gutter where their right ends agree and their left ends do not (``share`` of them within ``spread_mm`` of
    the median: a rule's remnant or a speck taken for a word is no amount); else in the middle of the gutter
    (words of one width, centred or not, tell nothing; words flush left tell nothing either: labels stand
    indented or centred, 10 mm from their rule in real shehuigongzuo 公开01表). Real guihua 公开02表 as a
    worn photocopy: between 本年收入合计 (ending 1.6 mm before the rule) and 财政拨款收入 (flush right in a wide
    column, so starting 10 mm after it) the middle of the gutter put the line 9.6 mm right of the printed
    one."""
    spread, pad = _mm(dpi, spread_mm), _mm(dpi, pad_mm)

    def agreeing(edges: list[int]) -> list[int]:
        mid = float(np.median(edges)) if edges else 0.0
        agree = [e for e in edges if abs(e - mid) <= spread]
        return agree if len(agree) >= max(3, share * len(edges)) else []

    before = [max(((a, b) for a, b in band.words if left < a and b <= g0), key=lambda w: w[1]) for band in rows
              if any(left < a and b <= g0 for a, b in band.words)]
    ends = agreeing([b for a, b in before])
    if ends and not agreeing([a for a, b in before]):
        # (past a speck or a rule's remnant the gutter starts after, never into the text beyond it)
        return float(min(max(ends) + pad, g1))
    return (g0 + g1) / 2.0


def _rule_in(strip: np.ndarray, min_share: float = 0.1, middle: bool = True) -> float | None:
    """Offset of the column of ``strip`` with the most ink down it (3 px wide), if that is at least
    ``min_share`` of its height; else the middle (None if not ``middle``)."""
    w = strip.shape[1]
    ink = (strip > 0).sum(axis=0).astype(float)
    if w >= 3:
        ink = np.convolve(ink, np.ones(3) / 3.0, mode="same")
    k = int(np.argmax(ink))
    if ink[k] >= min_share * strip.shape[0]:
        return float(k)
    return w / 2.0 if middle else None


def _paper_runs(used: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) runs of False in ``used``, inner ones only (paper touching neither end of the range)."""
    from .read import _runs as index_runs

    return [(a, b) for a, b in index_runs(np.flatnonzero(~used), 1) if a > 0 and b < used.size]


def _same_columns(a: list, b: list, between: tuple[float, float], text: np.ndarray | None, tol: float,
                  settings: TextGridSettings) -> bool:
    """Pieces ``a`` over ``b`` (lists of grids) print the same columns: most lines of the narrower are lines of
    the other (``same_columns_share``, four at least), and no text between them (``between``: top, bottom;
    ``text``: the page's character boxes) runs across one of those lines — a title, a note or a unit line
    between two tables does."""
    if text is None:
        return False
    xa = sorted({x for g in a for x in g.xs})
    xb = sorted({x for g in b for x in g.xs})
    fewer, more = (xa, xb) if len(xa) <= len(xb) else (xb, xa)
    shared = [x for x in fewer if any(abs(x - y) <= tol for y in more)]
    if len(shared) < max(4, settings.same_columns_share * len(fewer)):
        return False
    top, bottom = between
    inside = text[(text[:, 1] >= top) & (text[:, 3] <= bottom)]
    return not any(((inside[:, 0] < x - tol) & (inside[:, 2] > x + tol)).any() for x in shared[1:-1])


def _regions(grids: list, dpi: int, settings: TextGridSettings, text: np.ndarray | None = None,
             tol: float = 0.0) -> list[list]:
    """Grids grouped into tables: pieces side by side (or one inside the other's height) overlapping in
    height by half the lower one, at most ``region_gap_mm`` apart, pieces one above the other sharing half
    the narrower one's width at most ``stack_gap_mm`` apart — or ``same_columns_gap_mm`` when they print the
    same columns with no text across them in between (:func:`_same_columns`: rows whose rules were all lost
    cut a worn table in two) — and pieces whose boxes overlap are one table (grown piece by piece)."""
    gap = _mm(dpi, settings.region_gap_mm)
    stack_gap = _mm(dpi, settings.stack_gap_mm)
    far = _mm(dpi, settings.same_columns_gap_mm)
    groups = [[g] for g in grids]
    boxes = [list(g.bbox) for g in grids]
    merged = True
    while merged:
        merged = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                ax0, ay0, ax1, ay1 = boxes[i]
                bx0, by0, bx1, by1 = boxes[j]
                overlap = min(ay1, by1) - max(ay0, by0)
                apart = max(ax0, bx0) - min(ax1, bx1)
                side_by_side = overlap >= 0.5 * min(ay1 - ay0, by1 - by0) and apart <= gap
                # one above the other, cut apart by a lost row rule (or overlapping)
                stacked = -apart >= 0.5 * min(ax1 - ax0, bx1 - bx0) and (
                    -overlap <= stack_gap or (-overlap <= far and _same_columns(
                        groups[i], groups[j], (min(ay1, by1), max(ay0, by0)), text, tol, settings)))
                if side_by_side or stacked or (overlap > 0 and apart < 0):
                    groups[i] += groups.pop(j)
                    boxes[i] = [min(ax0, bx0), min(ay0, by0), max(ax1, bx1), max(ay1, by1)]
                    boxes.pop(j)
                    merged = True
                    break
            if merged:
                break
    return groups


def _side_column(boxes: np.ndarray, xs: list[float], ys: list[float], dpi: int, side: int, reach_mm: float = 30.0,
                 min_share: float = 0.3, pad_mm: float = 1.5, align_mm: float = 3.0) -> float | None:
    """The outer line of a column beside a grid (``side`` −1: left of ``xs[0]``, 1: right of ``xs[-1]``) whose
    outer rule was lost with the rows' rules there, so the grid ends at the column's inner rule: text within
    ``reach_mm`` of the grid's side, of the table's text height, at least a code's width in ``min_share`` of its
    rows (three at least), each piece inside one row, two thirds of the rows' text centred within ``align_mm``
    of one line (real caizheng 公开06表 as a worn photocopy: its 类 codes, 301 … 303, stood left of the grid,
    every amount read a column left of its place). The line stands ``pad_mm`` beyond the text; None when
    there is none."""
    n_rows = len(ys) - 1
    if n_rows < 3 or not len(boxes):
        return None
    edge, reach, pad = (xs[0] if side < 0 else xs[-1]), _mm(dpi, reach_mm), _mm(dpi, pad_mm)
    gap = _mm(dpi, 0.5)
    if side < 0:
        out = boxes[(boxes[:, 2] <= edge - gap) & (boxes[:, 0] >= edge - reach)]
    else:
        out = boxes[(boxes[:, 0] >= edge + gap) & (boxes[:, 2] <= edge + reach)]
    # of the table's text size (specks of noise, a seal's or the watermark's pieces are not)
    inside = boxes[(boxes[:, 0] >= xs[0]) & (boxes[:, 2] <= xs[-1]) & (boxes[:, 1] >= ys[0]) & (boxes[:, 3] <= ys[-1])]
    if not len(inside):
        return None
    height = float(np.median(inside[:, 3] - inside[:, 1]))
    tall = out[:, 3] - out[:, 1]
    out = out[(tall >= 0.6 * height) & (tall <= 1.5 * height)]
    spans: dict[int, list[int]] = {}
    for bx0, by0, bx1, by1 in out:
        r = int(np.searchsorted(ys, (by0 + by1) / 2.0)) - 1
        if 0 <= r < n_rows and ys[r] <= by0 and by1 <= ys[r + 1]:
            span = spans.setdefault(r, [bx0, bx1])
            span[0], span[1] = min(span[0], bx0), max(span[1], bx1)
    spans = {r: span for r, span in spans.items() if span[1] - span[0] >= 1.2 * height}  # a code, a word
    if len(spans) < max(3, min_share * n_rows):
        return None
    # a column's text stands in line down it (codes centred or set flush); strokes of the watermark or a seal
    # beside a table stand anywhere (shehuigongzuo's empty 公开08表 as a worn photocopy)
    centres = np.array([(a + b) / 2.0 for a, b in spans.values()])
    if np.mean(np.abs(centres - np.median(centres)) <= _mm(dpi, align_mm)) < 2 / 3:
        return None
    line = min(a for a, _ in spans.values()) - pad if side < 0 else max(b for _, b in spans.values()) + pad
    return float(max(0.0, line))


def _lost_walls(g, bands: list[_Band], tol: float, min_pitch: float,
                column_bands: list[list[_Band]] | None = None) -> list[tuple[str, float, float, float]]:
    """Lines of the table a merged cell of ``g`` runs across, where the text in that cell stands on both
    sides of the line and never across it (the rule is there in the other columns or rows, lost in this
    cell): ("v", x, top, bottom) or ("h", y, left, right) of the wall put back. Lines of text in one cell
    closer than ``min_pitch`` are a wrapped label, not two rows. With ``column_bands`` (each column's own
    bands, :func:`split_stacked_rows`) a cell's rows are told by the bands of its own columns only, and only
    row walls are put back."""
    out: list[tuple[str, float, float, float]] = []
    for c in g.cells:
        cx0, cy0, cx1, cy1 = c.bbox
        if column_bands is not None:
            bands = sorted((b for k in range(c.col, c.col + c.colspan) for b in column_bands[k]), key=_mid)
        inside = [b for b in bands if b.top >= cy0 - tol and b.bottom <= cy1 + tol]
        for x in g.xs if c.colspan > 1 and column_bands is None else []:
            if not cx0 + tol < x < cx1 - tol:
                continue
            words = [(a, b) for band in inside for a, b in band.words if b > cx0 and a < cx1]
            if words and not any(a < x < b for a, b in words) and any(b <= x for a, b in words) \
                    and any(a >= x for a, b in words):
                out.append(("v", x, float(cy0), float(cy1)))
        for y in g.ys if c.rowspan > 1 else []:
            if not cy0 + tol < y < cy1 - tol:
                continue
            held = [b for b in bands if b.bottom > cy0 and b.top < cy1 and any(q > cx0 and p < cx1 for p, q in b.words)]
            above = [b for b in held if b.bottom <= y]
            below = [b for b in held if b.top >= y]
            if above and below and len(above) + len(below) == len(held) \
                    and _mid(below[0]) - _mid(above[-1]) >= min_pitch:
                out.append(("h", y, float(cx0), float(cx1)))
    return out


def restore_lost_walls(grid, boxes: np.ndarray, dpi: int, layout_settings,
                       settings: TextGridSettings = TextGridSettings()):
    """``grid`` with the walls of its merged cells that the text shows lost put back (:func:`_lost_walls`), or
    the grid as it was when there are none or the rebuilt grid would lose rows or columns. For a grid some of
    whose column lines were taken out after it was completed from the text (:func:`glyph_lines`): a line
    through characters' strokes parted a merged cell, and the wall the cell lacks beside it was not looked for
    (real caizheng 公开04表 as a worn photocopy: 决算数 | 项目 and the first body row under them, the line
    inferred 9 mm right of their rule between 四、 and 公共安全支出 dropped, one cell two columns wide whose
    two columns the assembly then joined)."""
    from .layout import Segment, grid_from_segments

    x0, y0, x1, y1 = grid.bbox
    bands = text_bands(boxes, x0, x1, y0, y1, dpi, settings)
    if len(bands) < 2:
        return grid
    tol = _mm(dpi, layout_settings.snap_mm)
    min_pitch = 0.7 * _pitch(bands)
    # (a row wall by the text of the cell's own columns: a band across the table holds the header's labels of
    # two lines in other columns, and reaches past the wall)
    column_bands = [text_bands(boxes, a, b, y0, y1, dpi, settings) for a, b in zip(grid.xs, grid.xs[1:])]
    walls = [w for w in _lost_walls(grid, bands, tol, min_pitch) if w[0] == "v"] \
        + _lost_walls(grid, [], tol, min_pitch, column_bands)
    if not walls:
        return grid
    new = grid_from_segments(_walls(grid, on_lines=True) + [
        Segment(x, a, x, b) if kind == "v" else Segment(a, x, b, x) for kind, x, a, b in walls], dpi, layout_settings)
    if new is None or new.n_rows != grid.n_rows or new.n_cols != grid.n_cols:
        return grid
    new.inferred = list(grid.inferred) + walls
    new.joined = grid.joined
    new.stacked = list(grid.stacked)
    return new


def _spanned_runs(g, own: dict, k: int) -> list[tuple[int, int]]:
    """The runs of rows (first, end: rows first … end - 1) of grid ``g`` whose cells span its column line ``k``
    (``own``: ``g.owner()``)."""
    from .read import _runs as index_runs

    spanned = [r for r in range(len(g.ys) - 1)
               if own.get((r, k - 1)) is not None and own.get((r, k - 1)) is own.get((r, k))]
    return index_runs(np.array(spanned, int), 1)


def _worn_stripes(g, bands: list[_Band], tol: float, min_rows: int = 2) -> list[tuple[str, float, float, float]]:
    """Stretches of a column line worn away over some rows (seed-21 photocopy150 公开04表: the lines either side
    of 收入's 行次 and 金额 lost over four rows, 8 and 八、社会保障和就业支出 each read into a cell two columns
    wide, their amounts a column off): at least ``min_rows`` rows running where a cell spans the line, between
    rows it parts above and below, and in none of them text across the line (by ``tol``). A cell that truly
    spans columns is one row (a 合计 over 类 | 款 | 项) or runs to the table's edge. ("v", x, top, bottom)
    of the wall put back."""
    own = g.owner()
    n = len(g.ys) - 1
    out: list[tuple[str, float, float, float]] = []
    for k in range(1, len(g.xs) - 1):
        x = g.xs[k]
        for first, end in _spanned_runs(g, own, k):  # (rows first … end - 1)
            top, bottom = g.ys[first], g.ys[end]
            inside = [b for b in bands if top - tol <= b.top and b.bottom <= bottom + tol]
            if first > 0 and end < n and end - first >= min_rows \
                    and not _crossed(x, inside, least=1, share=0.0, thin=0.0, margin=tol):
                out.append(("v", x, float(top), float(bottom)))
    return out


def edge_stripes(grids: list, binary: np.ndarray, dpi: int, layout_settings, min_rows: int = 3,
                 share: float = 0.8, filled: float = 0.5) -> list:
    """Column lines of a worn page's grid worn away over its first or its last rows, put back. A column rule
    lost from the table's top down over several rows (or from some row to its foot), kept below (above),
    leaves those rows' cells spanning the line; :func:`_worn_stripes` wants rows on both sides that part it (a
    cell that truly spans columns runs to the table's edge), and where the amounts of one column end a couple
    of millimetres from the codes of the next (公开06表's 决算数 | 科目代码, calibration photocopy150: 2897.84 |
    302 read 2897.84302 in one cell) the text bands join them and no gutter is found. For a run of at least
    ``min_rows`` such rows at an edge, the line kept in ``min_rows`` rows or more, the print of the run's rows
    (``binary``'s :func:`text_boxes`, characters closer than 1.5 mm joined) running across it in at most
    ``1 - share`` of them and standing on both sides of it in ``filled`` of them, the line goes through every
    row of the run whose print does not cross it and whose cell spans only the line's two columns (a label over
    more columns is printed whole). The walls put in are inferred (their cells ``rule_missing``)."""
    from .layout import Segment, grid_from_segments

    boxes = None
    margin = _mm(dpi, 0.5)
    out = []
    for g in grids:
        own, n = g.owner(), len(g.ys) - 1
        walls: list[tuple[float, list[int]]] = []
        for k in range(1, len(g.xs) - 1):
            for first, end in _spanned_runs(g, own, k):
                if (first > 0 and end < n) or end - first < min_rows or n - (end - first) < min_rows:
                    continue  # (inside the table: _worn_stripes; too short; the line kept in too few rows)
                if boxes is None:
                    boxes = text_boxes(binary, dpi)
                x, run = g.xs[k], range(first, end)
                crossed = {r for r in run if any(a + margin < x < b - margin for a, b in
                                                   _row_pieces(boxes, g.ys, r, g.xs[0] - 1, g.xs[-1] + 1, dpi))}
                sides = sum(bool(_row_pieces(boxes, g.ys, r, g.xs[k - 1], x, dpi))
                            and bool(_row_pieces(boxes, g.ys, r, x, g.xs[k + 1], dpi)) for r in run)
                if len(crossed) > (1 - share) * len(run) or sides < filled * len(run):
                    continue
                rows = [r for r in run if r not in crossed and own[(r, k)].colspan <= 2]
                if rows:
                    walls.append((x, rows))
        if not walls:
            out.append(g)
            continue
        segs = _walls(g) + [Segment(x, g.ys[r], x, g.ys[r + 1]) for x, rows in walls for r in rows]
        new = grid_from_segments(segs, dpi, layout_settings)
        if new is None or new.n_rows != g.n_rows or new.n_cols != g.n_cols:
            out.append(g)
            continue
        new.inferred = list(g.inferred) + [("v", float(x), float(g.ys[rows[0]]), float(g.ys[rows[-1] + 1]))
                                           for x, rows in walls]
        new.stacked, new.joined = list(g.stacked), g.joined
        out.append(new)
    return out


def _note(band: _Band, xs: list[float], dpi: int, short_mm: float = 12.0, amount_mm: float = 5.0) -> bool:
    """A band below a table that runs across its column lines: a note, not a row. Text a few characters long
    or longer across a line counts, or text across two lines or more: a character or two of the watermark
    astride one line (real guihua 公开02表 as a worn photocopy: a piece 8 mm wide over the last line stopped
    the table's five rows below its last rule) does not; nor does an amount touching the remnant of its
    column's rule (175.52| read as one piece reaches a pixel or two past it). Nor does a total row's label
    over merged columns (人员经费合计 across 科目编码 | 科目名称, real guihua 公开06表 as a worn photocopy) with
    pieces of text ``amount_mm`` wide or wider standing each in a column of its own in two columns or more
    (4884.09, 公用经费合计, 480.66): a note runs on across the columns."""
    thin, margin, short = _mm(dpi, 1.0), _mm(dpi, 1.0), _mm(dpi, short_mm)
    crossed: set[float] = set()
    long = False
    for a, b in band.words:
        across = [x for x in xs[1:-1] if a + margin < x < b - margin]
        if across and b - a > thin:
            long = long or b - a >= short
            crossed.update(across)
    if long:
        inside = [(a, b) for a, b in band.words if b - a >= _mm(dpi, amount_mm)
                  and not any(a + margin < x < b - margin for x in xs[1:-1])]
        return len(crossed) >= 2 or _columns_hit(inside, xs) < 2
    return len(crossed) >= 2


def _crossed(x: float, bands: list[_Band], least: int = 2, share: float = 0.2, thin: float = 8.0,
             margin: float = 0.0) -> bool:
    """Text runs across the line ``x`` (by ``margin`` pixels on both sides) in at least ``least`` bands and
    ``share`` of them (a piece thinner than ``thin`` pixels there is what is left of the rule itself)."""
    n = sum(any(a + margin < x < b - margin and b - a > thin for a, b in band.words) for band in bands)
    return n >= max(least, share * len(bands))


def _walls(g, on_lines: bool = False) -> list:
    """The sides of every cell of a grid as rule segments (a merged cell has no wall inside it); ``on_lines``:
    on the grid's lines, not the cells' boxes — a cell moved onto a row rule that runs off its line
    (``layout.follow_rules``) would add a row line a few pixels off its own to a grid rebuilt from them (real
    guihua 公开02表 page 8 as a worn photocopy: 1124 and 1136, one row more, and the columns its next page gave
    it were refused: :func:`add_column_lines`)."""
    from .layout import Segment

    out = []
    for c in g.cells:
        x0, y0, x1, y1 = c.bbox
        if on_lines:
            x0, x1 = g.xs[c.col], g.xs[c.col + c.colspan]
            y0, y1 = g.ys[c.row], g.ys[c.row + c.rowspan]
        out += [Segment(x0, y0, x1, y0), Segment(x0, y1, x1, y1), Segment(x0, y0, x0, y1), Segment(x1, y0, x1, y1)]
    return out


def _lines(values: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def complete_tables(grids: list, segments: list, binary: np.ndarray, dpi: int, layout_settings,
                    settings: TextGridSettings = TextGridSettings()) -> list:
    """The page's grids with the rows and columns their text shows and their rules lost put back, and the
    pieces of one table made one grid (see the module's docstring). A table nothing is inferred for is
    returned as it was."""
    from .layout import Segment, grid_from_segments

    boxes = _page_text(grids, binary, dpi, settings)
    if boxes is None:
        return grids
    tol = _mm(dpi, layout_settings.snap_mm)
    out = []
    for group in _regions(grids, dpi, settings, boxes, tol):
        x0 = min(g.xs[0] for g in group)
        x1 = max(g.xs[-1] for g in group)
        y0 = min(g.ys[0] for g in group)
        y1 = max(g.ys[-1] for g in group)
        xs = _lines([x for g in group for x in g.xs], tol)
        ys = _lines([y for g in group for y in g.ys], tol)
        # a column beside the grid whose outer rule was lost: its text stands in the grid's rows, outside it
        sides = [e for e in (_side_column(boxes, xs, ys, dpi, side) for side in (-1, 1)) if e is not None]
        beside: list[Segment] = []
        for edge in sides:
            near = x0 if edge < x0 else x1
            beside += [Segment(edge, y0, edge, y1)] + [Segment(min(edge, near), y, max(edge, near), y) for y in ys]
            x0, x1 = min(x0, edge), max(x1, edge)
            xs = sorted(xs + [edge])
        bands = text_bands(boxes, x0, x1, y0, y1, dpi, settings)
        # a column line the text runs across is no column rule: a piece's edge (in a fifth of the rows), any
        # other line (in ``crossed_share`` of them: strokes of characters or of a watermark taken for a rule)
        edges = [e for g in group for e in (g.xs[0], g.xs[-1])] if len(group) > 1 else []
        crossed = [x for x in xs[1:-1]
                   if _crossed(x, bands, least=3, share=settings.crossed_share, thin=_mm(dpi, 1.0),
                               margin=_mm(dpi, 1.0))
                   or (any(abs(x - e) <= tol for e in edges) and _crossed(x, bands, thin=_mm(dpi, 1.0)))]
        xs = [x for x in xs if x not in crossed]
        new_h: list[float] = []
        new_v: list[tuple[float, float]] = []
        carried: list[Segment] = []
        if len(bands) >= 3:
            # rows below the grid's last rule that carry on at the table's pitch (its bottom rule lost)
            pitch = _pitch(bands)
            below = text_bands(boxes, x0, x1, y1 - _mm(dpi, 0.5), y1 + 4 * settings.below_pitch * pitch, dpi,
                               settings)
            last, extra, pending = bands[-1], [], []
            for band in below:
                if _mid(band) <= y1:  # (the last row's text; a row below may reach a pixel or two above its rule)
                    continue
                # (pieces of text a few characters wide: specks and strokes of the watermark below a table make
                # bands of their own, in one column or several — real shehuigongzuo 收入决算表 as a worn photocopy)
                wide = [(a, b) for a, b in band.words if b - a >= _mm(dpi, settings.below_word_mm)]
                gap = _mid(band) - _mid(last)
                # (a row of text across three columns or more a pitch further down: an empty row between, its
                # 行次 too faint to make a band — seed-45 agriculture_007 公开01表 as a worn photocopy lost its
                # blank row 30 and 总计 | 31 | 7160.17 | 总计 | 62 | 7160.17 below it, unflagged)
                # (its words inside their columns — one line crossed at most, where an amount printed flush right
                # runs into the label flush left beside it: a note's or a signature's line runs across the column
                # lines — real shehuigongzuo 支出决算表 as a worn photocopy lost its code | name line to one taken so)
                margin = _mm(dpi, 1.0)
                crossing = sum(any(a + margin < x < b - margin for a, b in band.words) for x in xs[1:-1])
                # (and one line of text high: rows run together under a lost rule make a band of several — real
                # shehuigongzuo 支出决算表's 2101101 and 2101102 below a piece of its header, above its grid)
                skipped = gap > settings.below_pitch * pitch and not extra and not pending \
                    and gap <= (settings.below_pitch + 1) * pitch and _columns_hit(wide, xs) >= 3 and crossing <= 1 \
                    and band.bottom - band.top <= pitch
                if (gap > settings.below_pitch * pitch and not skipped) or _note(band, xs, dpi):
                    break
                last = band
                if len(band.words) < 2 or _columns_hit(band.words, xs) < 2:
                    # text in one column only (二十六、抗疫特别国债安排的支出 beside an empty amount): a row of the
                    # table when one with text in two columns follows it at the pitch (本年收入合计 | 307.82 …: real
                    # shehuigongzuo 公开01表 as a worn photocopy lost its last six rows there), else not
                    if not wide:
                        break
                    pending.append(band)
                    continue
                if pending and _columns_hit(wide, xs) < 2:
                    break
                extra += pending + [band]
                pending = []
            lines = [_line_between(above.bottom, band.top, binary[:, int(x0):int(x1)])
                     for above, band in zip(extra, extra[1:])]
            if extra:
                last = extra[-1]
                bottom = last.bottom + max(2.0, (pitch - (last.bottom - last.top)) / 2.0)
                new_h += lines + [bottom]
                # the column rules carried down to it, but through no text (a total row's label over merged
                # columns: 人员经费合计)
                margin = _mm(dpi, 1.0)
                carried = [Segment(x, top, x, foot) for band, top, foot in zip(extra, [y1] + lines, lines + [bottom])
                           for x in xs if not any(a + margin < x < b - margin for a, b in band.words)]
                y1 = bottom
                bands += extra
        # (rows found below the last rule are lines already: inferred twice, a few pixels apart, they made a
        # sliver row the grid lost again when rebuilt — real guihua 公开02表 page 8, so page 9's columns were
        # not carried to it)
        new_h += infer_rows(bands, sorted(set(ys) | set(new_h)), xs, dpi, ink=binary[:, int(x0):int(x1)])
        rows_all = sorted(set(ys) | set(new_h))
        for x, k in infer_columns(bands, xs, dpi, settings, binary[int(y0):int(y1)]):
            top = y0 if k == 0 else (bands[k - 1].bottom + bands[k].top) / 2.0
            top = min(rows_all, key=lambda y: abs(y - top))
            new_v.append((x, top))
        def lost(g) -> list:  # (walls of ``g`` its text shows lost: in a merged cell, or worn over some rows)
            return _lost_walls(g, bands, tol, 0.7 * _pitch(bands)) + _worn_stripes(g, bands, tol)

        walls = [w for g in group for w in lost(g)]
        if not new_h and not new_v and not walls and not crossed and not sides and len(group) == 1:
            out.append(group[0])
            continue
        # the pieces' own walls (the rules the rule finder accepted), and across the paper between pieces
        # the row lines two of them share
        # (and the rule pieces found along those lines: a merged cell's missing wall may be there in part)
        pad = _mm(dpi, 1.5)
        segs = [side for g in group for side in _walls(g)
                if not side.horizontal and any(abs(side.x0 - x) <= tol for x in xs) or side.horizontal]
        segs += [s for s in segments
                 if x0 - pad <= min(s.x0, s.x1) and max(s.x0, s.x1) <= x1 + pad
                 and y0 - pad <= min(s.y0, s.y1) and max(s.y0, s.y1) <= y1 + pad
                 and (any(abs((s.y0 + s.y1) / 2 - y) <= tol for y in ys) if s.horizontal
                      else any(abs((s.x0 + s.x1) / 2 - x) <= tol for x in xs))]
        if len(group) > 1:
            shared = [y for y in ys if sum(any(abs(y - v) <= tol for v in g.ys) for g in group) >= 2]
            new_h += [y for y in shared if y not in (y0, y1)]
            segs += [Segment(x0, y, x1, y) for y in (y0, y1)]
        synth = [Segment(x0, y, x1, y) for y in new_h] + [Segment(x, top, x, y1) for x, top in new_v] + carried \
            + beside
        grid = grid_from_segments(segs + synth, dpi, layout_settings)
        # walls the rebuilt grid still lacks where the text shows them; a wall put back parts a merged cell, and
        # what is left of it may lack another (real caizheng 公开04表 as a worn photocopy: 决算数 | 项目 and the
        # first body row under them one cell until the wall of the 项目 column left of them was back)
        walls = []
        for _ in range(3):
            found = [w for w in lost(grid) if w not in walls] if grid is not None else []
            if not found:
                break
            walls += found
            grid = grid_from_segments(segs + synth + [Segment(x, a, x, b) if kind == "v" else Segment(a, x, b, x)
                                                      for kind, x, a, b in walls], dpi, layout_settings)
        if grid is None or grid.n_rows < max(g.n_rows for g in group) \
                or grid.n_cols < max(g.n_cols for g in group) - len(crossed):
            out.extend(group)
            continue
        grid.inferred = ([("h", y, x0, x1) for y in new_h] + [("v", x, top, y1) for x, top in new_v] + walls
                         + [("x", x, y0, y1) for x in crossed] + [("v", x, y0, y1) for x in sides])
        grid.joined = len(group) > 1
        out.append(grid)
    # a piece the grown table now covers (its last rows, cut off by a lost row rule and found again below the
    # table's last rule — seed-41 photocopy150 收入决算表: 2080505 and 2080506 read twice, as a table of their own
    # whose page the next page's continuation was then joined to) is part of it
    area = {id(g): (g.bbox[2] - g.bbox[0]) * (g.bbox[3] - g.bbox[1]) for g in out}
    out = [g for g in out if not any(h is not g and area[id(h)] > area[id(g)] and absorbed(g, h.bbox) for h in out)]
    out.sort(key=lambda g: (g.ys[0], g.xs[0]))
    return out


def stacked_rows(g, column_bands: list[list[_Band]], dpi: int, settings: TextGridSettings = TextGridSettings(),
                 glyphs: np.ndarray | None = None) -> list[float]:
    """Row lines through the rows of ``g`` that hold several printed rows stacked (their rules lost): a row
    at least ``stack_rows`` text pitches high where, in at least ``stack_columns`` cells, one line of text
    stands above a gap and another below it, a pitch apart (or up to ``stack_wide`` pitches apart, a line
    lacking between them, around the gap of a column beside), and no column has a single line of text across
    the gap (the code and amount centred beside a label wrapped over two lines; a header label centred
    beside two-line ones) — one such column against ``stack_outvote`` cells with the gap is a mark, not a
    line of text. Each column's own bands (``column_bands``, :func:`text_bands` of the column) tell
    its lines: a bowed or slightly skewed page shifts the rows from one side of a wide table to the other,
    and bands taken across the whole width run into each other. The line goes through the gap the columns
    share (none shared: no line). Nor does a line go through a line of text ``glyphs`` show (:func:`glyph_boxes`:
    the character blobs before the opening :func:`text_boxes` makes, which a thin-stroked font's characters do
    not survive at 200 dpi — “全年” centred beside “按时完成各项就 | 业服务计划” has no band, and a line cut
    through it)."""
    tol = _mm(dpi, 0.4)
    steps = _steps(column_bands)
    heights = [b.bottom - b.top for bands in column_bands for b in bands]
    if not steps or len(g.ys) < 2:
        return []
    pitch = float(np.median(steps))
    if len(g.ys) >= 3:
        pitch = min(pitch, float(np.median(np.diff(g.ys))))
    line_h = float(np.median(heights))
    own = g.owner()
    out: list[float] = []
    for r, (top, bottom) in enumerate(zip(g.ys, g.ys[1:])):
        if bottom - top < settings.stack_rows * pitch:
            continue
        rows = [[b for b in bands if top < _mid(b) < bottom] for bands in column_bands]
        gaps, wide = [], []  # (column, bottom of the line above, top of the line below)
        for k, held in enumerate(rows):
            for a, b in zip(held, held[1:]):
                step = _mid(b) - _mid(a)
                if b.top > a.bottom and step >= settings.stack_pitch * pitch:
                    (wide if step >= settings.stack_wide * pitch else gaps).append((k, a.bottom, b.top))
        # a column whose lines stand more than a pitch and a half apart lacks a line between them (a row with
        # no amount: 十、节能环保支出 between 236.63 and 3845.25, real guihua 公开01表 as a worn photocopy): its gap
        # holds the gaps of the columns beside it, one pitch each, and counts for every one of them
        groups = _gap_groups(gaps, 0.5 * pitch)
        spans = [(max(a for _, a, _ in grp), min(b for _, _, b in grp)) for grp in groups]
        groups += [[w] for w in wide if not any(w[1] <= lo and hi <= w[2] for lo, hi in spans)]
        for group in groups:
            group = _shared_gap(group)
            lo, hi = max(a for _, a, _ in group), min(b for _, _, b in group)
            held_by = group + [w for w in wide if w not in group and w[1] <= lo and hi <= w[2]]
            # (counted by cells: the lines of one text wrapped in a cell spanning columns fall in each of them)
            cells = len({id(own.get((r, k))) for k, _, _ in held_by})
            if hi <= lo or cells < settings.stack_columns:
                continue
            y = (lo + hi) / 2.0
            # (a line of text across the gap in one column is outvoted by two lines in three cells or more: a
            # mark in an empty column, not a code or an amount centred beside a wrapped label — real guihua
            # 支出决算表 as a worn photocopy: 合计 over 208 in four columns, a speck of the watermark in
            # 上缴上级支出 between them)
            across = sum(any(b.top < y - tol and b.bottom > y + tol and b.bottom - b.top <= settings.stack_line * line_h
                             for b in held) for held in rows)
            if across * settings.stack_outvote > cells \
                    or min(abs(y - v) for v in list(g.ys) + out) < settings.stack_side * pitch \
                    or (glyphs is not None and _line_crossed(glyphs, y, g.xs[0], g.xs[-1], top, bottom, tol,
                                                             settings.stack_line * line_h, dpi, settings)):
                continue
            out.append(y)
    return sorted(out)


def _shared_gap(group: list[tuple[int, float, float]], share: float = 0.25) -> list[tuple[int, float, float]]:
    """The gaps of a group that share a stretch of paper: when one column's gap is narrowed past the others' by
    something in it (a watermark's stroke run into its line below: seed-45 police 公开02表, 执法办案 over 特别业务
    in every column but one, the row rule lost between them), that gap — of the one ending first and the one
    beginning last, the one whose leaving out leaves the others more paper — is left out, up to ``share`` of
    the group's."""
    group = list(group)
    for _ in range(int(share * len(group))):
        lo, hi = max(a for _, a, _ in group), min(b for _, _, b in group)
        if hi > lo:
            break
        first_end = min(group, key=lambda g: g[2])
        last_start = max(group, key=lambda g: g[1])

        def left(without) -> float:  # (the paper the others share)
            rest = [g for g in group if g is not without]
            return min(b for _, _, b in rest) - max(a for _, a, _ in rest)
        group.remove(max((first_end, last_start), key=left))
    return group


def glyph_boxes(binary: np.ndarray, dpi: int, settings: TextGridSettings = TextGridSettings()) -> np.ndarray:
    """Boxes (x0, y0, x1, y1) of the character-sized blobs of a binarised page as they are (no opening: the
    hairline strokes of a thin-stroked font kept), rule pieces left out."""
    return _char_blobs(binary, dpi, settings, min_w=_mm(dpi, settings.char_min_mm))


def _line_crossed(glyphs: np.ndarray, y: float, x0: float, x1: float, top: float, bottom: float, tol: float,
                  max_h: float, dpi: int, settings: TextGridSettings) -> bool:
    """A line at ``y`` (from ``x0`` to ``x1``, in the grid row ``top``–``bottom``) runs through a line of text:
    two characters side by side (a word gap apart at most, their tops and bottoms level), each reaching past
    ``y`` by ``tol`` above and below and no taller than ``max_h`` — a stroke of a watermark or a speck is no
    such pair."""
    gap, level = _mm(dpi, settings.word_gap_mm), max(tol, _mm(dpi, 0.5))
    held = glyphs[(glyphs[:, 0] >= x0) & (glyphs[:, 2] <= x1) & (glyphs[:, 1] >= top) & (glyphs[:, 3] <= bottom)
                  & (glyphs[:, 1] < y - tol) & (glyphs[:, 3] > y + tol) & (glyphs[:, 3] - glyphs[:, 1] <= max_h)]
    held = held[np.argsort(held[:, 0])]
    for a, b in zip(held, held[1:]):
        if 0 <= b[0] - a[2] <= gap and abs(int(a[1]) - int(b[1])) <= level and abs(int(a[3]) - int(b[3])) <= level:
            return True
    return False


def _steps(column_bands: list[list[_Band]]) -> list[float]:
    """The distances between the middles of consecutive lines of text in each column."""
    return [_mid(b) - _mid(a) for bands in column_bands for a, b in zip(bands, bands[1:])]


def _page_text(grids: list, binary: np.ndarray, dpi: int, settings: TextGridSettings) -> np.ndarray | None:
    """The character boxes of a page with grids to complete from its text (None: no grid, or no text)."""
    if not grids:
        return None
    boxes = text_boxes(binary, dpi, settings)
    return boxes if boxes.size else None


def _gap_groups(gaps: list[tuple[int, int, int]], reach: float) -> list[list[tuple[int, int, int]]]:
    """Gaps between lines of text (column, bottom above, top below) grouped by their middles ``reach`` apart."""
    out: list[list[tuple[int, int, int]]] = []
    for gap in sorted(gaps, key=lambda t: t[1] + t[2]):
        if out and (gap[1] + gap[2]) / 2 - (out[-1][-1][1] + out[-1][-1][2]) / 2 <= reach:
            out[-1].append(gap)
        else:
            out.append([gap])
    return out


def split_stacked_rows(grids: list, binary: np.ndarray, dpi: int, layout_settings,
                       settings: TextGridSettings = TextGridSettings()) -> list:
    """The grids of a page with the rows their text shows stacked in one row of the grid put apart
    (:func:`stacked_rows`), and the row walls a merged cell lost put back where its own text stands on both
    sides of the row line (:func:`_lost_walls`): a skewed, bowed scan of a dense table loses row rules here
    and there, and the lines of several rows' text then stack in one cell; on a worn page, specks in the paper
    between two rows whose rule was lost can make them one band of text for :func:`complete_tables`, while
    each column still shows its two lines apart. Columns are left as they are
    (the rule finder's, and :func:`bridged_walls`'). The lines put in are recorded (``Grid.inferred``: the
    cells they bound are ``rule_missing``); a grid where none is found is returned as it was."""
    boxes = _page_text(grids, binary, dpi, settings)
    if boxes is None:
        return grids
    glyphs = glyph_boxes(binary, dpi, settings)
    tol = _mm(dpi, layout_settings.snap_mm)
    out = []
    for g in grids:
        column_bands = [text_bands(boxes, a, b, g.ys[0], g.ys[-1], dpi, settings) for a, b in zip(g.xs, g.xs[1:])]
        new_h = stacked_rows(g, column_bands, dpi, settings, glyphs)
        steps = _steps(column_bands)
        min_pitch = settings.stack_pitch * float(np.median(steps)) if steps else 0.0
        # (only inside a cell spanning columns, with lines of text just above and just below the wall in one
        # column of it: a row rule lost under a merged block — the header's rule above the first body row,
        # the rules of a totals block under a seal. The lines of a label wrapped in one column may stand either
        # side of a row line of the columns beside it, a form's label spanning rows stands above a row whose
        # text is in another column, and amounts stacked in one column are given back row by row when the
        # table is assembled)
        reach = settings.stack_rows * min_pitch / settings.stack_pitch
        walls = [w for w in _lost_walls(g, [], tol, min_pitch, column_bands) if w[0] == "h"
                 and _stacked_columns(w[1], w[2], w[3], g.xs, column_bands, reach) >= 1]
        if not new_h and not walls:
            out.append(g)
            continue
        x0, x1 = g.xs[0], g.xs[-1]
        cuts = [(y, x0, x1) for y in new_h] + [(y, a, b) for _, y, a, b in walls]
        grid, sides = _cut_rows(g, cuts, boxes)
        out.append(replace(grid, inferred=list(g.inferred) + [("h", y, x0, x1) for y in new_h] + walls + sides,
                           stacked=list(g.stacked) + list(new_h) + [y for _, y, _, _ in walls]))
    return out


_SENTENCE = re.compile(r"[，。；;,:：]")


def item_row_cuts(gr, across: float = 0.3, max_label: int = 24) -> list[float]:
    """Row lines through grid rows whose label cell reads two numbered items one above the other (十八、自然资源
    海洋气象等支出 over 十九、住房保障支出, numbered one after the other: two printed rows whose rule was lost
    across the table — real caizheng 公开01表 as a worn photocopy, its 支出 side's 445.69 beside them, the 收入
    side blank there; a label never wraps onto a new number). The line goes half way between the two lines'
    middles, unless a line of another cell of the row stands across it (within ``across`` of the lines' step:
    an amount centred in the row is no one item's). Each line is a row's label: ``max_label`` characters at
    most, no sentence's punctuation. ``gr``: a ``read.GridReading`` (its cells' ``parts``: OCR lines with their
    middles)."""
    from .labels import _number_of

    g = gr.grid
    out: list[float] = []
    for cell in g.cells:
        rd = gr.cells.get((cell.row, cell.col))
        if cell.rowspan != 1 or rd is None:
            continue
        parts = sorted((p for p in rd.parts if p[0].strip()), key=lambda p: p[1])
        numbers = [_number_of(t) for t, _, _ in parts]
        # (numbered one after the other; a tens numeral lost under the watermark reads 十、 for 二十、: the units
        # follow on — real caizheng 公开01表 as a worn photocopy, 十九、住房保障支出 over 十、粮油物资储备支出)
        if len(parts) < 2 or None in numbers or any(b != a + 1 and (b % 10 != (a + 1) % 10 or b > a)
                                                      for a, b in zip(numbers, numbers[1:])):
            continue
        if any(len(t.strip()) > max_label or _SENTENCE.search(t) for t, _, _ in parts):
            continue  # (a 绩效 form's goals numbered in one cell, 一、完成…；二、推进…: sentences, no row labels)
        others = [p for c in g.cells if c.row == cell.row and c is not cell
                  for rd2 in [gr.cells.get((c.row, c.col))] if rd2 is not None for p in rd2.parts if p[0].strip()]
        for (_, ya, _), (_, yb, _) in zip(parts, parts[1:]):
            y = (ya + yb) / 2.0
            if not any(abs(yo - y) < across * (yb - ya) for _, yo, _ in others):
                out.append(y)
    return sorted(out)


def _stacked_columns(y: float, x0: float, x1: float, xs: list[float], column_bands: list[list[_Band]],
                     reach: float) -> int:
    """How many columns between ``x0`` and ``x1`` a line of text stands in both just above ``y`` and just below
    it (within ``reach``); none when the cell spans one column only."""
    cols = [k for k, (a, b) in enumerate(zip(xs, xs[1:])) if a >= x0 - 2 and b <= x1 + 2]
    return 0 if len(cols) < 2 else sum(any(y - reach < _mid(b) < y for b in column_bands[k])
                                       and any(y < _mid(b) < y + reach for b in column_bands[k]) for k in cols)


def _cut_rows(g, cuts: list[tuple[float, float, float]], boxes: np.ndarray):
    """``g`` with its cells cut along the row lines ``cuts`` ((y, x0, x1): a cell is cut where a line runs
    through it over half its width or more); a line at a new height is a new row line of the grid. A cell cut
    that spanned columns spanned them over rows whose column rules were lost as well as their row rules: each
    piece is cut at the column lines no character of its own (``boxes``) runs across, and those walls are
    returned as inferred too ((grid, [("v", x, top, bottom)])): a piece left spanning columns would give
    the columns it covers no reading and no doubt of their own."""
    from .layout import GridCell

    ys = sorted(set(g.ys) | {y for y, _, _ in cuts})
    row = {y: i for i, y in enumerate(ys)}
    cells, walls = [], []
    for c in g.cells:
        x0, y0, x1, y1 = c.bbox
        top, bottom = g.ys[c.row], g.ys[c.row + c.rowspan]
        inner = sorted({y for y, a, b in cuts if top < y < bottom and min(b, x1) - max(a, x0) >= 0.5 * (x1 - x0)})
        edges = [top] + inner + [bottom]
        for u, v in zip(edges, edges[1:]):
            py0, py1 = y0 if u == top else int(round(u)), y1 if v == bottom else int(round(v))
            cols = [c.col, c.col + c.colspan]
            if inner and c.colspan > 1:
                held = boxes[(boxes[:, 0] < x1) & (boxes[:, 2] > x0) & (boxes[:, 1] < py1) & (boxes[:, 3] > py0)]
                for k in range(c.col + 1, c.col + c.colspan):
                    x = g.xs[k]
                    if not ((held[:, 0] < x - 2) & (held[:, 2] > x + 2)).any():
                        cols.insert(-1, k)
                        walls.append(("v", float(x), float(py0), float(py1)))
            for a, b in zip(cols, cols[1:]):
                cells.append(GridCell(row[u], a, row[v] - row[u], b - a,
                                      (x0 if a == c.col else int(round(g.xs[a])), py0,
                                       x1 if b == c.col + c.colspan else int(round(g.xs[b])), py1)))
    cells.sort(key=lambda k: (k.row, k.col))
    return replace(g, ys=ys, cells=cells), walls


# ------------------------------------------------------------------ a table whose rules are all lost


_CAPTION = re.compile(r"单位[:：]|公开\s*0?\d{1,2}\s*表|(决算|预算)(明细)?表\s*$")


def _text_rows(lines: list) -> list[list]:
    """Text lines (``read.TextLine``) grouped into rows: a line whose vertical centre lies inside the row's first
    line joins it."""
    rows: list[list] = []
    for ln in sorted(lines, key=lambda l: (l.bbox[1] + l.bbox[3]) / 2):
        cy = (ln.bbox[1] + ln.bbox[3]) / 2
        if rows and rows[-1][0].bbox[1] <= cy <= rows[-1][0].bbox[3]:
            rows[-1].append(ln)
        else:
            rows.append([ln])
    return rows


def _gutters(bands: list[_Band], dpi: int, settings: TextGridSettings, lines: list = ()) -> list[float]:
    """Column lines of rule-less rows: the middles of the strips of paper ``text_gutter_mm`` wide or more
    running down the bands, with text on both sides, which the text of at most ``text_gutter_cross`` of the
    bands runs across (a label wrapped over two columns, a watermark's stroke).

    A column printed in only a row or two (其他收入 filled in two rows of twenty) is text that few bands run
    across too: where such a strip holds text standing apart — paper ``text_gutter_mm`` wide on both sides of
    it, or on its inner side at the table's edge — that the page's reading (``lines``: ``read.TextLine``)
    reads as a number on its own (an amount, a 栏次 number), the strip is that column and its gutters, and a
    line goes down each gutter (not one down the middle of the strip, through the column's amounts)."""
    from .read import _runs as index_runs

    x0 = min(a for b in bands for a, _ in b.words)
    x1 = max(c for b in bands for _, c in b.words)
    cover = np.zeros(x1 - x0 + 1, int)
    for band in bands:
        used = np.zeros(cover.size, bool)
        for a, c in band.words:
            used[a - x0:c - x0] = True
        cover += used
    need = _mm(dpi, settings.text_gutter_mm)
    numbers = [ln for ln in lines if re.fullmatch(r"[-—]?[\d,.]*\d[\d,.]*", ln.text.strip())]

    def printed(a: int, b: int) -> bool:
        """[a, b) (page x - x0) holds a band's text the page's reading read as a number on its own (an amount,
        a 栏次 number): not the tail of a label a worn copy broke (机关事业单位基本养老保险|缴费)."""
        lo, hi = x0 + a, x0 + b
        return any(lo - need <= ln.bbox[0] and ln.bbox[2] <= hi + need and band.top <= (ln.bbox[1] + ln.bbox[3]) / 2
                   <= band.bottom and any(lo <= p and q <= hi for p, q in band.words)
                   for band in bands for ln in numbers)

    free = cover <= max(1, int(settings.text_gutter_cross * len(bands)))
    out: list[float] = []
    for a, b in index_runs(np.flatnonzero(free), 1):
        at_left, at_right = a == 0, b >= cover.size
        paper = [(a + p, a + q) for p, q in index_runs(np.flatnonzero(cover[a:b] == 0), 1) if q - p >= need]
        # the stretches of text between the strips of paper: a column standing apart, when it has paper on both
        # sides (or lies at the table's edge) and reads as characters
        cuts: set[int] = set()
        for k in range(len(paper) + 1):
            lo = paper[k - 1][1] if k > 0 else a
            hi = paper[k][0] if k < len(paper) else b
            apart = (k > 0 or at_left) and (k < len(paper) or at_right)
            if hi > lo and apart and printed(lo, hi):
                cuts.update(i for i in (k - 1, k) if 0 <= i < len(paper))
        if cuts:
            out.extend(x0 + (paper[i][0] + paper[i][1]) / 2.0 for i in sorted(cuts))
        elif not (at_left or at_right) and b - a >= need:
            out.append(x0 + (a + b) / 2.0)
    return out


def _hits(band: _Band, xs: list[float], margin: float) -> tuple[int, bool]:
    """How many columns between the lines ``xs`` a band has text in, and whether it runs across the inner
    lines: most of its text in pieces crossing one by more than ``margin`` (a note under the table, a label
    spanning columns — not a stroke of a watermark crossing a line beside a row's cells, nor a long label
    reaching the line)."""
    across = sum(b - a for a, b in band.words if any(a + margin < x < b - margin for x in xs[1:-1]))
    return _columns_hit(band.words, xs), across > 0.5 * sum(b - a for a, b in band.words)


def text_table(binary: np.ndarray, lines: list, grids: list, dpi: int, layout_settings,
               settings: TextGridSettings = TextGridSettings()):
    """The grid of a table whose rules a worn scan lost altogether: its rows read as text outside every grid
    (``lines``: the page's ``read.TextLine``s outside the tables), ``text_table_rows`` rows or more of three
    pieces or more, one under the other. From the characters (``binary``, ink = 255) in that region: the
    printed rows are the bands of text (:func:`text_bands`; a label wrapped over two lines beside one-line
    cells is one band), the column lines are where paper runs down the rows (:func:`_gutters`). Bands above
    and below at the rows' pitch that have text in two columns or more carry the table on (the header above —
    its labels may span columns —; below, a total row, never a note running across the columns). Returned
    with every line recorded as inferred (every cell is bounded by one: ``rule_missing``, reviewed unless an
    identity confirms it), or None (no such rows, fewer than three columns). Pieces of grid found inside the
    region are the caller's to drop (:func:`absorbed`)."""
    boxes = text_boxes(binary, dpi, settings)
    rows = [r for r in _text_rows([ln for ln in lines if ln.text.strip()]) if len(r) >= 3]
    if len(rows) < min(settings.text_table_rows, settings.text_table_rows_counted) or boxes.size == 0:
        return None
    # the largest run of such rows one under the other (no more than four of their heights apart)
    height = float(np.median([ln.bbox[3] - ln.bbox[1] for r in rows for ln in r]))
    runs: list[list[list]] = [[rows[0]]]
    for r in rows[1:]:
        prev = max(ln.bbox[3] for ln in runs[-1][-1])
        if min(ln.bbox[1] for ln in r) - prev > 4 * height:
            runs.append([])
        runs[-1].append(r)
    core = max(runs, key=len)
    # (a short table — header, 栏次, 合计 of an empty 公开08表 — is a table by its 栏次 row: prose has none)
    counted = any(re.match(r"\s*栏\s*次", ln.text) for r in core for ln in r)
    need = settings.text_table_rows_counted if counted else settings.text_table_rows
    if len(core) < need:
        return None
    x0 = min(ln.bbox[0] for r in core for ln in r)
    x1 = max(ln.bbox[2] for r in core for ln in r)
    y0 = min(ln.bbox[1] for ln in core[0])
    y1 = max(ln.bbox[3] for ln in core[-1])
    pad = _mm(dpi, 1.0)
    bands = text_bands(boxes, x0 - pad, x1 + pad, y0 - pad, y1 + pad, dpi, settings)
    if len(bands) < need:
        return None
    inner = _gutters(bands, dpi, settings, lines)
    if len(inner) < 2:
        return None
    left = min(a for b in bands for a, _ in b.words)
    right = max(c for b in bands for _, c in b.words)
    xs = [left - pad] + inner + [right + pad]
    # carried on above (header) and below (total) at the rows' pitch
    pitch = _pitch(bands)
    page = text_bands(boxes, x0 - pad, x1 + pad, 0, binary.shape[0], dpi, settings)
    inside = [i for i, b in enumerate(page) if b.bottom >= bands[0].top and b.top <= bands[-1].bottom]
    if not inside:
        return None
    first, last = inside[0], inside[-1]
    margin = _mm(dpi, 1.5)

    def caption(band: _Band) -> bool:  # the table's title, its 公开0n表 marker or its unit: above the table
        return any(band.top <= (ln.bbox[1] + ln.bbox[3]) / 2 <= band.bottom and _CAPTION.search(ln.text)
                   for ln in lines)

    header = 0  # bands above that run across the column lines: the header's labels spanning columns
    while first > 0 and _mid(page[first]) - _mid(page[first - 1]) <= settings.text_row_reach * pitch:
        n, crossed = _hits(page[first - 1], xs, margin)
        if n < 2 or header + crossed > settings.max_header_bands or caption(page[first - 1]):
            break
        first, header = first - 1, header + crossed
    while last + 1 < len(page) and _mid(page[last + 1]) - _mid(page[last]) <= settings.text_row_reach * pitch:
        n, crossed = _hits(page[last + 1], xs, margin)
        if n < 2 or crossed:
            break
        last += 1
    bands = page[first:last + 1]
    top = bands[0].top - max(2.0, (pitch - (bands[0].bottom - bands[0].top)) / 2)
    bottom = bands[-1].bottom + max(2.0, (pitch - (bands[-1].bottom - bands[-1].top)) / 2)
    ys = [top] + [(a.bottom + b.top) / 2.0 for a, b in zip(bands, bands[1:])] + [bottom]
    if any(_overlap(g.bbox, (xs[0], top, xs[-1], bottom)) and not absorbed(g, (xs[0], top, xs[-1], bottom))
           for g in grids):
        return None  # (a grid the rule finder found there stays the table's)
    return _inferred_grid(xs, ys, dpi, layout_settings)


def continued_rows(binary: np.ndarray, lines: list, xs: list[float], dpi: int, layout_settings,
                   settings: TextGridSettings = TextGridSettings(), top_share: float = 0.3):
    """The grid of a table's last rows carried onto the next page of a worn scan that lost their rules (a row
    or two: too few for :func:`text_table`), from the columns of the table at the foot of the page before
    (``xs``: its column lines, this page printed alike). From the top of the page down (its first band in the
    page's upper ``top_share``), each row of text lines read (``lines``: the page's ``read.TextLine``s) standing
    in three of those columns or more (a note runs across them as one line) is a row, at the rows' pitch; one
    of them at least reads an amount. Every line inferred (``rule_missing``), or None. Seed-41
    police 公开02/03表 as worn photocopies: 2210203 购房补贴 alone on pages 4 and 6, seven amounts each, the page
    ``unrecovered``."""
    if len(xs) < 4:
        return None
    margin = _mm(dpi, 1.5)
    # (the rows from the text lines read: the watermark's strokes over a row run its bands of ink together)
    rows = _text_rows([ln for ln in lines if ln.text.strip() and xs[0] - margin <= ln.bbox[0]
                       and ln.bbox[2] <= xs[-1] + margin])
    bands = [_Band(int(min(ln.bbox[1] for ln in r)), int(max(ln.bbox[3] for ln in r)),
                   sorted((int(ln.bbox[0]), int(ln.bbox[2])) for ln in r)) for r in rows]
    if not bands or bands[0].top > top_share * binary.shape[0]:
        return None
    taken: list[_Band] = []
    for band in bands:
        # (a line's box reaches past its print — a faint rule's remnant, an underscore —: lines are placed by
        # their middles; a note runs across the columns as one line)
        if _columns_hit(band.words, xs) < 3:
            break
        if taken and band.top - taken[-1].bottom > 2.0 * max(b.bottom - b.top for b in taken):
            break
        taken.append(band)
    bands = taken
    if not bands or not any(_BODY_AMOUNT.match(re.sub(r"\s", "", ln.text)) for ln in lines
                            if bands[0].top <= (ln.bbox[1] + ln.bbox[3]) / 2 <= bands[-1].bottom):
        return None
    height = max(b.bottom - b.top for b in bands)
    pad = max(2.0, _mm(dpi, 1.0))
    top, bottom = bands[0].top - pad, bands[-1].bottom + pad
    ys = [top] + [(a.bottom + b.top) / 2.0 for a, b in zip(bands, bands[1:])] + [bottom]
    if bottom - top > (len(bands) + 1) * 2 * height:
        return None
    return _inferred_grid(xs, ys, dpi, layout_settings)


def _inferred_grid(xs: list[float], ys: list[float], dpi: int, layout_settings):
    """The grid of column lines ``xs`` and row lines ``ys`` none of which was seen (every line recorded as
    inferred: its cells ``rule_missing``), or None when it has fewer than three columns."""
    from .layout import Segment, grid_from_segments

    top, bottom = ys[0], ys[-1]
    grid = grid_from_segments([Segment(xs[0], y, xs[-1], y) for y in ys] + [Segment(x, top, x, bottom) for x in xs],
                              dpi, layout_settings)
    if grid is None or grid.n_cols < 3:
        return None
    grid.inferred = [("h", y, grid.xs[0], grid.xs[-1]) for y in grid.ys] + \
        [("v", x, grid.ys[0], grid.ys[-1]) for x in grid.xs]
    return grid


def _overlap(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def absorbed(grid, box) -> bool:
    """A grid (a piece the rule finder found: a header row, a few cells) lying for the most part inside the box
    of a table made from its text, which it replaces."""
    gx0, gy0, gx1, gy1 = grid.bbox
    inter = max(0.0, min(gx1, box[2]) - max(gx0, box[0])) * max(0.0, min(gy1, box[3]) - max(gy0, box[1]))
    return inter >= 0.6 * max(1.0, (gx1 - gx0) * (gy1 - gy0))


# ------------------------------------------------------------------ columns carried over from the other page


def continued_columns(prev_xs: list[float], cur_xs: list[float], dpi: int, tol_mm: float = 2.0,
                      max_shift_mm: float = 15.0, min_matched: int = 3, min_column_mm: float = 3.0
                      ) -> tuple[list[float], list[float], float] | None:
    """A table continued on the next page prints the same columns: where a worn scan lost a column rule on
    one page and kept it on the other, each page's grid lacks a line the other has. ``prev_xs`` are the
    column lines of the table at the foot of a page, ``cur_xs`` those of the table at the head of the next
    (each in its own page's pixels: the two scans may lie shifted). The shift that lines up most of them is
    found; returned are the lines the previous page lacks (in its pixels), the lines the next one lacks
    (in its pixels) and the shift (next = previous + shift), or None when the two do not line up as one
    table's columns (fewer than ``min_matched`` lines, or fewer than half of the smaller set). A side of one
    page's table standing less than ``min_column_mm`` beyond the other's is the same side found a little
    apart (a worn border's remnant), not a column the other lacks."""
    tol, reach, narrow = _mm(dpi, tol_mm), _mm(dpi, max_shift_mm), _mm(dpi, max(tol_mm, min_column_mm))

    def matched(d: float) -> list[tuple[float, float]]:
        pairs, used = [], set()
        for c in cur_xs:
            k = min(range(len(prev_xs)), key=lambda i: abs(prev_xs[i] + d - c))
            if abs(prev_xs[k] + d - c) <= tol and k not in used:
                used.add(k)
                pairs.append((prev_xs[k], c))
        return pairs

    shifts = [c - p for p in prev_xs for c in cur_xs if abs(c - p) <= reach]
    if not shifts:
        return None
    best = max(shifts, key=lambda d: (len(matched(d)), -abs(d)))
    pairs = matched(best)
    if len(pairs) < min_matched or 2 * len(pairs) < min(len(prev_xs), len(cur_xs)):
        return None
    d = float(np.median([c - p for p, c in pairs]))

    def given(giver: list[float], receiver: list[float], matched_: list[float]) -> list[float]:
        # the giver's own sides inside the receiver's extent are where a piece of the table ends (its other
        # rules lost), not column rules
        inner = giver[1:-1] + [x for x in (giver[0], giver[-1])
                               if not receiver[0] - narrow < x < receiver[-1] + narrow]
        return sorted(x for x in inner if all(abs(x - q) > tol for q in matched_))

    lack_prev = [c - d for c in given(cur_xs, [x + d for x in prev_xs], [q for _, q in pairs])]
    lack_cur = [p + d for p in given(prev_xs, [x - d for x in cur_xs], [q for q, _ in pairs])]
    return lack_prev, lack_cur, d


def _inferred_share(grid, x: float) -> float:
    """The share of the grid's height over which its column line ``x`` was inferred from the text, not ruled."""
    height = max(1.0, grid.ys[-1] - grid.ys[0])
    return min(1.0, sum(b - a for k, p, a, b in grid.inferred if k == "v" and abs(p - x) <= 2.0) / height)


def _bare_between(grid, boxes: np.ndarray, a: float, b: float, dpi: int, reach_mm: float = 10.0,
                  thin_mm: float = 0.8) -> bool:
    """No row of the grid prints anything wholly between ``a`` and ``b``: a run of text reaching past either
    (a header label over the column, centred across where one of them stands) and a piece no wider than a rule
    (``thin_mm``: its remnant) do not count."""
    lo, hi = min(a, b), max(a, b)
    reach, thin = _mm(dpi, reach_mm), _mm(dpi, thin_mm)
    return not any(lo - 1 <= p < q <= hi + 1 and q - p > thin for r in range(len(grid.ys) - 1)
                   for p, q in _row_pieces(boxes, grid.ys, r, lo - reach, hi + reach, dpi))


def rival_lines(prev, cur, lack_prev: list[float], lack_cur: list[float], shift: float, boxes_prev: np.ndarray,
                boxes_cur: np.ndarray, dpi: int, reach_mm: float = 15.0, near_mm: float = 6.0
                ) -> tuple[list[float], list[float], list[float], list[float]]:
    """Two lines of a table continued over two worn pages that each page has and the other lacks
    (:func:`continued_columns`), with nothing printed wholly between them on either page (:func:`_bare_between`),
    are one column's side found twice: a rule one page kept and, on the other, a line inferred from the text in the gutter left of a
    right-aligned amount column (seed-41 photocopy150 公开02表: 898 kept on the first page, 821 inferred on the
    second; given to each other, they bounded a column empty on both pages and every amount stood one column
    right). The line more of whose height was inferred yields: it is not given to the other page and is dropped
    from its own. Returns (lines withheld from ``lack_prev``, from ``lack_cur``, lines to drop from ``prev``, from
    ``cur``) in each page's pixels; lines inferred as much as each other are left as they are.

    Two such lines less than ``near_mm`` apart are one rule whose scans lie a little apart there (seed-41
    photocopy150 支出决算表: 1816 on one page, 1787 on the next, each between the same two columns of amounts):
    neither is given, each page keeps its own, whatever is printed between them."""
    reach, near = _mm(dpi, reach_mm), _mm(dpi, near_mm)
    keep_prev, keep_cur, drop_prev, drop_cur = [], [], [], []
    for x in lack_prev:  # a line of cur's (x + shift there), lacking on prev
        for y in lack_cur:  # a line of prev's (y - shift there), lacking on cur
            if x in keep_prev or y in keep_cur or abs(x + shift - y) > reach:
                continue
            if abs(x + shift - y) <= near:  # one rule, each page's own scan a little apart there: each keeps its own
                keep_prev.append(x)
                keep_cur.append(y)
                continue
            if not _bare_between(prev, boxes_prev, x, y - shift, dpi) \
                    or not _bare_between(cur, boxes_cur, x + shift, y, dpi):
                continue
            on_cur, on_prev = _inferred_share(cur, x + shift), _inferred_share(prev, y - shift)
            if on_cur > on_prev:
                keep_prev.append(x)
                drop_cur += [c for c in cur.xs if abs(c - (x + shift)) <= 2.0]
            elif on_prev > on_cur:
                keep_cur.append(y)
                drop_prev += [p for p in prev.xs if abs(p - (y - shift)) <= 2.0]
    return keep_prev, keep_cur, drop_prev, drop_cur


def _row_pieces(boxes: np.ndarray, ys: list[float], r: int, a: float, b: float, dpi: int) -> list[tuple[int, int]]:
    """Pieces of text of grid row ``r`` between ``a`` and ``b`` (characters closer than 1.5 mm joined)."""
    margin = _mm(dpi, 0.5)
    row = boxes[(boxes[:, 1] >= ys[r] - margin) & (boxes[:, 3] <= ys[r + 1] + margin)
                & (boxes[:, 0] >= a) & (boxes[:, 2] <= b)]
    return _runs([(int(p[0]), int(p[2])) for p in row], _mm(dpi, 1.5))


def refused_lines(grid, xs: list[float], boxes: np.ndarray, dpi: int,
                  settings: TextGridSettings = TextGridSettings()) -> list[float]:
    """Lines of ``xs`` inside the grid that its text runs across in ``crossed_share`` of its rows (two at
    least): this page's print says no column rule stands there (a line the other page's text suggested, a
    gutter inside a column, is refused). ``boxes``: the page's :func:`text_boxes`."""
    x0, x1, ys = grid.xs[0], grid.xs[-1], grid.ys
    margin, n = _mm(dpi, 0.5), len(grid.ys) - 1
    out = []
    for x in xs:
        if not x0 < x < x1:
            continue
        crossed = sum(any(a + margin < x < b - margin for a, b in _row_pieces(boxes, ys, r, x0, x1, dpi))
                      for r in range(n))
        if crossed >= max(2, settings.crossed_share * n):
            out.append(x)
    return out


def add_column_lines(grid, xs: list[float], boxes: np.ndarray, dpi: int, layout_settings, drop: list[float] = (),
                     keep_spans: bool = False, other: list[float] = ()):
    """``grid`` with the column lines ``xs`` (known from the table's other page, those :func:`refused_lines`
    refuses left out by the caller) put in: through every row whose text (``boxes``: :func:`text_boxes`)
    does not run across the line (a header label spanning both columns stays whole) — with ``keep_spans``,
    nor through a cell that spans a column line of the grid already (a header label over several columns,
    决算数 over six, is printed whole whether its text reaches the line or not) unless its text stands
    centred on one side of the line (:func:`_centred_aside`) —, the rows carried out
    to lines beyond the grid's sides (a piece of the table whose outer columns lost their
    rules; the piece's side is then dropped, unless the other page has a column line there, ``other``: the
    piece's side is then the rule of its first amount column, 生产发展 | 479.60). Every line put in is recorded as inferred (the cells it bounds
    carry ``rule_missing``). The grid as it was when the rebuilt grid would lose rows or gain no column."""
    from .layout import Segment, grid_from_segments

    if not xs and not drop:
        return grid
    x0, x1, ys = grid.xs[0], grid.xs[-1], grid.ys
    margin = _mm(dpi, 0.5)

    def pieces(r: int, a: float, b: float) -> list[tuple[int, int]]:
        return _row_pieces(boxes, ys, r, a, b, dpi)

    rows = range(len(ys) - 1)
    # beyond a side the rows carry on out to the farthest line given, text there or not (a blank column of
    # amounts is printed all the same: the other page shows it)
    keep = sorted(xs)
    left, right = min([x0] + keep), max([x1] + keep)
    near = [x for x in keep if x0 <= x <= x1]
    outer = [x for x in keep if x < x0 or x > x1]
    # a side the rows are carried out past is where a piece of the table ended, not a rule (the other page
    # has none there)
    tol = _mm(dpi, 2.0)
    gone = [s for s, past in ((x0, left < x0), (x1, right > x1))
            if past and not any(abs(s - o) <= tol for o in other)] + list(drop)
    segs = [w for w in _walls(grid, on_lines=True) if w.horizontal or all(abs(w.x0 - s) > 1.0 for s in gone)]
    inferred = []
    spanning = [c.bbox for c in grid.cells if c.colspan > 1] if keep_spans else []

    def spans(r: int, x: float) -> bool:  # a label over several columns not centred on one side of the line
        box = next((b for b in spanning if b[0] < x < b[2] and b[1] < (ys[r] + ys[r + 1]) / 2 < b[3]), None)
        return box is not None and not _centred_aside(pieces(r, box[0], box[2]), box[0], box[2], x, dpi)

    for x in near + outer:
        run: list[int] = []
        for r in rows:
            crossed = any(a + margin < x < b - margin for a, b in pieces(r, min(x, x0) - 1, max(x, x1) + 1))
            if not crossed and not spans(r, x):
                run.append(r)
        for r in run:
            segs.append(Segment(x, ys[r], x, ys[r + 1]))
        if run:
            inferred.append(("v", float(x), float(ys[run[0]]), float(ys[run[-1] + 1])))
    if outer:
        for y in ys:  # the row lines carried out to the new sides
            segs.append(Segment(left, y, right, y))
        spans = [(left, x0)] if left < x0 else []
        spans += [(x1, right)] if right > x1 else []
        inferred += [("h", float(y), float(a), float(b)) for y in ys for a, b in spans]
    new = grid_from_segments(segs, dpi, layout_settings)
    if new is None or new.n_rows != grid.n_rows or new.n_cols < grid.n_cols - len(drop) or (
            new.n_cols == grid.n_cols and all(abs(a - b) <= 1.0 for a, b in zip(new.xs, grid.xs))):
        return grid  # (rows lost, or nothing changed)
    new.inferred = [i for i in grid.inferred if i[0] not in ("v", "s") or all(abs(i[1] - x) > 1.0 for x in drop)] \
        + inferred
    new.joined = grid.joined
    return new


def _centred_aside(pieces: list[tuple[int, int]], x0: float, x1: float, x: float, dpi: int) -> bool:
    """The text of a cell from ``x0`` to ``x1`` (``pieces``) stands centred between one of its sides and the
    line ``x`` rather than across the whole cell: a label printed over the columns on that side, the line a rule
    the cell lost (公务用车购置及运行维护费 beside the lost top of 公务接待费's cell), not a label spanning the
    line (决算数 over six columns)."""
    if not pieces:
        return False
    mid = (min(a for a, _ in pieces) + max(b for _, b in pieces)) / 2.0
    lo, hi = (x0, x) if mid < x else (x, x1)
    off = abs(mid - (lo + hi) / 2.0)
    return off < abs(mid - (x0 + x1) / 2.0) and off <= _mm(dpi, 2.0) + 0.05 * (hi - lo)


# ------------------------------------------------------------------ a column line made of characters' strokes


def glyph_lines(grid, binary: np.ndarray, dpi: int) -> list[float]:
    """Inner column lines of ``grid`` that are no rule: the rule finder, chaining fragments across gaps, can
    take the upright strokes of characters standing one under the other in a few rows (其|他, 彩|票, 用|于 on a
    skewed, bowed page) for a rule down a column of names. In each row where the line stands between two cells
    (``binary``: ink = 255), a rule's stroke runs down the whole row from rule to rule, while the characters
    the line runs through cover part of it (a row's inner part: its own rules left out) and carry on to both
    sides of it. A line is
    returned when that is so in two rows or more, in two thirds of the rows with ink on it, and a rule's
    stroke stands on it in fewer than a third as many; or when no rule's stroke stands on it anywhere and all
    the ink on it is characters' that carry on to both sides (an amount's first digit against it, on one side
    only, may be its column's edge)."""
    owner = grid.owner()
    near, reach = max(2, int(round(_mm(dpi, 0.25)))), max(3, int(round(_mm(dpi, 1.0))))
    out = []
    for j in range(1, grid.n_cols):
        x = int(round(grid.xs[j]))
        glyph = rule = inked = through = 0
        for r in range(grid.n_rows):
            if owner.get((r, j - 1)) is owner.get((r, j)):
                continue  # a merged cell: no line in this row
            inset = max(2, int(0.12 * (grid.ys[r + 1] - grid.ys[r])))
            top, bottom = int(grid.ys[r]) + inset, int(grid.ys[r + 1]) - inset
            if bottom - top < 4 or x - near - reach < 0 or x + near + reach >= binary.shape[1]:
                continue
            at = binary[top:bottom, x - near:x + near + 1] > 0
            cover = float(at.any(axis=1).mean())
            if cover == 0.0:
                continue
            inked += 1
            left = binary[top:bottom, x - near - reach:x - near] > 0
            right = binary[top:bottom, x + near + 1:x + near + 1 + reach] > 0
            # a rule's stroke runs down the whole row, from rule to rule: one column of ink (or nearly)
            span = binary[int(grid.ys[r]):int(grid.ys[r + 1]) + 1, x - near:x + near + 1] > 0
            if float(span.mean(axis=0).max()) >= 0.95:
                rule += 1
            elif left.any() and right.any() or _edge_stroke(at, left if left.any() else right, near):
                glyph += 1
                through += bool(left.any() and right.any())
        if glyph >= 2 and 3 * glyph >= 2 * inked and 3 * rule < glyph:
            out.append(float(grid.xs[j]))
        elif through and through == inked and not rule:
            # no rule's stroke on it in any row, and nothing on it but characters' strokes with the word on both
            # sides where it has ink at all: the line was never seen (real caizheng 公开01表's last page as a worn
            # photocopy: the faint mask took 结余（含专用结余）'s bracket for a rule one row tall)
            out.append(float(grid.xs[j]))
    return out


def _edge_stroke(at: np.ndarray, side: np.ndarray, near: int) -> bool:
    """The ink on a line (``at``: a row's inner part, the line's few columns) is the first or last stroke of a
    word beside it (``side``: the ink just beyond it on the one side that has any): it stands within the word's
    height and stops short of the row's ends. Amounts of one width, flush right, stack their first digits
    (1211.60 over 1211.60 over 1211.60): a chain of those 1s is no rule, though nothing of them lies left of it.
    A rule's worn piece beside an amount seldom stands just where the amount's digits do, row after row."""
    if not side.any():
        return False
    stroke, word = np.flatnonzero(at.any(axis=1)), np.flatnonzero(side.any(axis=1))
    inside = stroke[0] >= word[0] - near and stroke[-1] <= word[-1] + near
    return bool(inside and stroke[0] > 0 and stroke[-1] < at.shape[0] - 1)


def drop_column_lines(grid, xs: list[float], dpi: int, layout_settings):
    """``grid`` without the column lines ``xs`` (lines that were never rules: the cells they ran through are
    the printed cells, bounded by rules found), or the grid as it was when the rebuilt one would lose rows or
    other columns. A rule dropped by mistake leaves two columns in one: the table's columns no longer match
    its template (``columns_missing``) or its identities fail, and its cells are flagged ``structure``
    (pipeline.verdict)."""
    from .layout import grid_from_segments

    if not xs:
        return grid
    segs = [w for w in _walls(grid) if w.horizontal or all(abs(w.x0 - x) > 1.0 for x in xs)]
    new = grid_from_segments(segs, dpi, layout_settings)
    if new is None or new.n_rows != grid.n_rows or new.n_cols != grid.n_cols - len(xs):
        return grid
    new.inferred = list(grid.inferred)
    new.joined = grid.joined
    return new


def empty_spanned_columns(gr, min_rows: int = 2, max_read: float = 0.1, top_rows: int = 3) -> list[float]:
    """Column lines of a read grid (``gr``: a ``read.GridReading``) that part nothing: the column right of the
    line holds no text in its rows, header rows included (at most ``max_read`` of them a fragment without a
    digit: the tail of a label the line cut), and in ``min_rows`` rows or more the cell beside it spans the line
    (the text ran across it there, so those rows dropped it). A stray rule's piece, or a line inferred where
    none is printed — real guihua 公开06表 as a worn photocopy: 科目名称 ran across such a line in 16 rows of
    34, the column right of it empty but for 卜助 (补助 cut) and 决算数 under the next column's place.
    A printed empty column keeps its label in the header rows (any text in the grid's first ``top_rows``
    rows keeps the line), and its rule where no text runs across it. Taken out by :func:`merge_column_left`."""
    g = gr.grid
    texts = {k: r.text.strip() for k, r in gr.cells.items()}
    out = []
    for k in range(1, g.n_cols):
        cells = [c for c in g.cells if c.col == k]
        own = [texts.get((c.row, c.col), "") for c in cells]
        across = [c for c in g.cells if c.col < k < c.col + c.colspan]
        read = [t for t in own if t]
        if own and len(across) >= min_rows and len(read) <= max_read * len(own) \
                and not any(re.search(r"\d", t) for t in read) \
                and not any(t and c.row < top_rows for c, t in zip(cells, own)):
            out.append(g.xs[k])
    return out


def bare_narrow_columns(gr, dpi: int, narrow_mm: float = 10.0, min_inferred: float = 0.5
                        ) -> list[tuple[float, float]]:
    """Column lines of a read grid (``gr``: a ``read.GridReading``) inferred from the text beside a line that bounds
    with them a column narrower than ``narrow_mm`` holding no text in any row, header rows included: the gutter left
    of a right-aligned amount column, taken for the side the rule beside it already gives (seed-41 photocopy150
    公开03表: 本年支出合计's rule at 972 kept, a line inferred at 1040, the 8.6 mm between them empty, and every
    amount one column right). Of the column's two lines the one inferred over more of its height (``min_inferred``
    at least) is to go; a printed column is wider, or holds its label or its figures. Returns (the bare column's
    left line, the line to go) pairs, for :func:`without_bare_column`."""
    g = gr.grid
    texts = {k: r.text.strip() for k, r in gr.cells.items()}
    out = []
    for k in range(1, g.n_cols - 1):
        if g.xs[k + 1] - g.xs[k] >= _mm(dpi, narrow_mm):
            continue
        inside = [c for c in g.cells if c.col <= k < c.col + c.colspan]
        # (a dash or a stroke is no text there: a rule's remnant the narrow cell was given)
        if not inside or any(re.search(r"[0-9A-Za-z\u4e00-\u9fff]", texts.get((c.row, c.col), "").replace("一", ""))
                             for c in inside if c.colspan == 1):
            continue
        left, right = _inferred_share(g, g.xs[k]), _inferred_share(g, g.xs[k + 1])
        x = g.xs[k] if left > right else g.xs[k + 1] if right > left else None
        if x is not None and max(left, right) >= min_inferred and all(x != o for _, o in out):
            out.append((g.xs[k], x))
    return out


def without_bare_column(grid, k: int, x: float):
    """``grid`` without its column ``k``, which holds nothing (:func:`bare_narrow_columns`), and without its side
    ``x`` (``xs[k]`` or ``xs[k + 1]``): the column across ``x`` takes its width, whatever the bare column's cells
    span (merged over rows or not). None where a cell spanning on from column ``k`` would lose its left part."""
    from .layout import Grid, GridCell

    right = abs(x - grid.xs[k + 1]) < abs(x - grid.xs[k])
    if not right and any(c.col == k and c.colspan > 1 for c in grid.cells):
        return None
    cells = []
    for c in grid.cells:
        if c.col == k and c.colspan == 1:
            continue
        x0, y0, x1, y1 = c.bbox
        span = c.colspan - (c.col <= k < c.col + c.colspan)
        if right and c.col == k + 1:
            x0 = int(round(grid.xs[k]))
        if not right and c.col + c.colspan == k:
            x1 = int(round(grid.xs[k + 1]))
        cells.append(GridCell(c.row, c.col - (c.col > k), c.rowspan, span, (x0, y0, x1, y1)))
    drop = k + 1 if right else k
    return Grid(xs=[v for i, v in enumerate(grid.xs) if i != drop], ys=list(grid.ys), cells=cells,
                inferred=[i for i in grid.inferred if i[0] not in ("v", "s") or abs(i[1] - x) > 2.0],
                stacked=list(grid.stacked), joined=grid.joined)


def merge_column_left(grid, k: int):
    """``grid`` without its column line ``xs[k]``: the cells of column ``k`` joined to the cells left of them in
    their rows, or None where a row's cells there do not pair up (rows spanned differently)."""
    from .layout import Grid, GridCell

    own = grid.owner()
    cells, joined = [], {}
    for c in grid.cells:
        if c.col == k:
            left = own.get((c.row, k - 1))
            if left is None or left.row != c.row or left.rowspan != c.rowspan:
                return None
            joined[id(left)] = c
    for c in grid.cells:
        if c.col == k:
            continue
        col = c.col - (c.col > k)
        span = c.colspan - (c.col < k < c.col + c.colspan)
        bbox = c.bbox
        if id(c) in joined:
            right = joined[id(c)]
            span += right.colspan - 1  # (the line between them gone)
            bbox = (bbox[0], bbox[1], right.bbox[2], bbox[3])
        cells.append(GridCell(c.row, col, c.rowspan, span, bbox))
    return Grid(xs=[x for i, x in enumerate(grid.xs) if i != k], ys=list(grid.ys), cells=cells,
                inferred=list(grid.inferred), stacked=list(grid.stacked), joined=grid.joined)


# ------------------------------------------------------------------ columns the 栏次 row counts

_STRAY = "[|lI1!丨]?"  # a column rule's remnant between two column numbers, read as a character


def _run_together(text: str, first: int, n: int) -> bool:
    """``text`` reads the column numbers ``first``, ``first + 1`` … (``n`` of them) run together: two columns
    the 栏次 row numbers apart read as one cell (``10111`` for 10 | 11, the lost rule's remnant read as 1)."""
    return re.fullmatch(_STRAY.join(str(first + k) for k in range(n)), text) is not None


def lanci_merged(texts: list[str], max_merged: int = 5) -> list[tuple[int, int]]:
    """Cells of a 栏次 row (``texts``: its cells left to right) that hold the numbers of several columns run
    together: (index, how many numbers). The row is read left to right for the numbers 1, 2, 3 …: a cell reads
    the next number, or the next ``n`` run together (``n`` up to ``max_merged``; a lost rule's remnant between
    two read as a stroke: ``31456`` for 3 | 4 | 5 | 6, ``911011`` for 9 | 10 | 11, ``78`` for 7 | 8 — a cell
    reading two digits is the next number when it is that number); and the row, those numbers given their own
    cells, reads the whole run and nothing else but 栏次 words and blanks (:func:`_whole_run`): one misread number
    (``7`` for 1, ``561`` for 5 | 6, ``LR`` for a blank) and the row says too little about the rest of the grid —
    the columns beside may be lost or merged too — to put a line in."""
    t = [s.strip() for s in texts]
    found: list[tuple[int, int, int]] = []  # (index, how many, first number)
    expect = 1
    for i, s in enumerate(t):
        if not re.search(r"\d", s):
            continue  # blanks, 栏次 words, specks: judged by _whole_run
        if s == str(expect):
            expect += 1
            continue
        n = next((n for n in range(2, max_merged + 1) if _run_together(s, expect, n)), None)
        if n is None:
            m = re.fullmatch(r"([A-Za-z]{0,2})" + str(expect) + r"([A-Za-z]{0,2})", s)
            if re.fullmatch(_STRAY + str(expect) + _STRAY, s) or (m and all(_speck(x) for x in m.groups() if x)):
                # the next number with a rule's remnant read beside it (``11`` for 1 at the table's left border:
                # seed-41 photocopy150 公开09表, whose 5 | 6 | 7 read 5617 then went unseen), or a speck read as
                # a letter or two no digit is shaped like (``Y5``: seed-41 nanyang 公开09表)
                t[i] = str(expect)
                expect += 1
                continue
            return []
        found.append((i, n, expect))
        expect += n

    def expanded(cells: list[tuple[int, int, int]]) -> list[str]:
        out = list(t)
        for i, n, first in sorted(cells, reverse=True):
            out[i:i + 1] = [str(first + k) for k in range(n)]
        return out

    return [(i, n) for i, n, _ in found] if found and _whole_run(expanded(found)) else []


def _whole_run(texts: list[str]) -> bool:
    """A 栏次 row read whole: its cells are blanks, 栏次 / 行次 words and the numbers 1, 2, 3 … in order, at least
    three of them."""
    from .headers import LANCI_WORDS, _lanci_word

    words = [_lanci_word(t.strip()) for t in texts if t.strip()]
    # a few Latin letters before the numbers start (``LR``) are specks in a label column's blank (a watermark's
    # stroke), not a number misread: a number misread reads as digits or as letters shaped like one
    first = next((k for k, w in enumerate(words) if w not in LANCI_WORDS and w[:1].isdigit()), len(words))
    words = [w for k, w in enumerate(words) if k >= first or not _speck(w)]
    numbers = [w for w in words if w not in LANCI_WORDS]
    return len(numbers) >= 3 and numbers == [str(k) for k in range(1, len(numbers) + 1)]


def _speck(text: str) -> bool:
    """Up to three Latin letters none of which is shaped like a digit (l I O o D S Z z B g q): what OCR makes
    of a speck or a stray stroke in a blank cell."""
    return len(text) <= 3 and re.fullmatch(r"[A-Za-z]+", text) is not None and not set(text) & set("lIOoSZBgqDz")


def lanci_cells(gr, top_rows: int = 12) -> list[tuple[object, int]]:
    """The cells of a table's 栏次 row (among its first ``top_rows`` rows) holding several column numbers run
    together (:func:`lanci_merged`), with how many: ``gr`` a ``read.GridReading``."""
    g = gr.grid
    out = []
    for r in range(min(g.n_rows, top_rows)):
        cells = sorted((c for c in g.cells if c.row == r), key=lambda c: c.col)
        texts = [gr.cells[(c.row, c.col)].text if (c.row, c.col) in gr.cells else "" for c in cells]
        out += [(cells[i], n) for i, n in lanci_merged(texts)]
    return out


_PAIRED = re.compile(r"预算数|决算数")


def paired_label_cells(gr, top_rows: int = 6, max_labels: int = 4) -> list[tuple[object, int]]:
    """Header cells (among a table's first ``top_rows`` rows) reading the sub-labels of several columns run
    together — 预算数决算数, 预算数决算数预算数决算数 (the “三公” table as a worn photocopy lost every other
    column rule: each cell read two amounts) —, with how many: the labels are all the cell reads but one
    character at most (a speck read as K or 文). ``gr``: a ``read.GridReading``."""
    g = gr.grid
    out = []
    for c in g.cells:
        if c.row >= top_rows or (c.row, c.col) not in gr.cells:
            continue
        text = re.sub(r"\s", "", gr.cells[(c.row, c.col)].text)
        n = len(_PAIRED.findall(text))
        if 2 <= n <= max_labels and len(_PAIRED.sub("", text)) <= 1:
            out.append((c, n))
    return out


def _centred_lines(pieces: list[tuple[int, int]], x0: float, x1: float, agree: float) -> list[float] | None:
    """The lines between the pieces of print (one number each, each centred in its column) of a cell from
    ``x0`` to ``x1``, put from the cell's left side on and from its right side back: where the two agree within
    ``agree`` (and each line parts its two numbers), their middles; else None."""
    n = len(pieces)
    mids = [(a + b) / 2.0 for a, b in pieces]
    left, right = [x0], [x1]
    for k in range(n - 1):
        left.append(2 * mids[k] - left[-1])
        right.insert(0, 2 * mids[n - 1 - k] - right[0])
    guesses = [(a + b) / 2.0 for a, b in zip(left[1:], right[:-1])]
    if any(abs(a - b) > agree for a, b in zip(left[1:], right[:-1])) \
            or not all(p[1] < x < q[0] for x, p, q in zip(guesses, pieces, pieces[1:])):
        return None
    return guesses


def _equal_lines(pieces: list[tuple[int, int]], x0: float, x1: float, off: float = 0.25) -> list[float] | None:
    """The lines between the pieces of print of a cell from ``x0`` to ``x1`` (the middles of the paper between
    them) when the cell is as many columns of one width as pieces: each line within ``off`` of a column's width
    of where those columns' sides would be; else None."""
    n = len(pieces)
    width = (x1 - x0) / n
    lines = [(p[1] + q[0]) / 2.0 for p, q in zip(pieces, pieces[1:])]
    if any(abs(x - (x0 + k * width)) > off * width for k, x in enumerate(lines, start=1)):
        return None
    return lines


def _number_pitch(pieces: list[tuple[int, int]], thin: float) -> float:
    """The usual distance between the middles of a 栏次 row's numbers (``pieces`` of its print, those no wider than
    ``thin`` — a rule's remnant — left out), each centred in its column: the column width where the columns are
    of one width, whatever columns the grid merged (0: fewer than three numbers). The grid's own columns, some
    of them two or three merged, are wider (seed-41 police 公开09表 as a worn photocopy: 208 px against 171)."""
    mids = [(a + b) / 2.0 for a, b in pieces if b - a > thin]
    return float(np.median(np.diff(mids))) if len(mids) >= 3 else 0.0


def _evenly_spaced_lines(pieces: list[tuple[int, int]], agree: float, usual: float) -> list[float] | None:
    """The lines half way between the middles of pieces of print whose middles stand evenly spaced (within
    ``agree``; two pieces: as far apart as the grid's ``usual`` column width): columns of one width, each
    number centred in its own; else None."""
    if len(pieces) < 2:
        return None
    mids = [(a + b) / 2.0 for a, b in pieces]
    steps = [b - a for a, b in zip(mids, mids[1:])]
    if max(steps) - min(steps) > agree or (len(pieces) == 2 and abs(steps[0] - usual) > agree):
        return None
    lines = [(a + b) / 2.0 for a, b in zip(mids, mids[1:])]
    return lines if all(p[1] < x < q[0] for x, p, q in zip(lines, pieces, pieces[1:])) else None


def lanci_lines(gr, boxes: np.ndarray, binary: np.ndarray, dpi: int,
                settings: TextGridSettings = TextGridSettings(), agree_mm: float = 2.0) -> list[float]:
    """Column lines a table's 栏次 row shows lost: a cell of it reading two (or three) column numbers run
    together (:func:`lanci_cells`) — or a header cell reading the sub-labels of two columns or more run
    together (:func:`paired_label_cells`) — stands over two printed columns whose rule the scan lost from top to
    bottom. Each number is printed centred in its column, so the print of the cell, in as many pieces as
    numbers, puts each line twice: from the cell's left side on (the first column's middle is its number's,
    its right side as far from it as its left side), and from its right side back. Where the two agree within
    ``agree_mm`` the line goes there — onto what is left of the rule close by, if anything (``binary``,
    ink = 255) — unless the text of the rows below (the 栏次 row's and the body's, ``boxes``: the page's
    :func:`text_boxes`) runs across it in more than a tenth of them: a column that is really one, or print
    the numbers do not describe, is left whole. ``gr``: a ``read.GridReading``."""
    g = gr.grid
    out: list[float] = []
    margin = _mm(dpi, 0.5)
    agree = _mm(dpi, agree_mm)
    for cell, n, equal in [(c, n, False) for c, n in lanci_cells(gr)] + \
            [(c, n, True) for c, n in paired_label_cells(gr)]:
        r = cell.row
        x0, x1 = g.xs[cell.col], g.xs[cell.col + cell.colspan]
        own = _runs([(int(b[0]), int(b[2])) for b in boxes
                     if b[0] >= x0 and b[2] <= x1 and b[1] >= g.ys[r] - margin and b[3] <= g.ys[r + 1] + margin],
                    _mm(dpi, settings.word_gap_mm))
        # one piece a number; a thin piece is what is left of a rule (read as 1 or |): the cell's own at its
        # sides, the lost one between the numbers
        thin = _mm(dpi, 0.8)
        own = [p for p in own if p[1] - p[0] > thin or agree / 2 < p[0] - x0 and agree / 2 < x1 - p[1]]
        options = [own] if len(own) == n else [own[:k] + own[k + 1:] for k in range(1, len(own) - 1)
                                               if len(own) == n + 1 and own[k][1] - own[k][0] <= thin]
        if equal and len(own) == n + 1:
            # a speck read with the labels (K预算数决算数): a piece narrower than half the others is left out
            usual = float(np.median([b - a for a, b in own]))
            options += [own[:k] + own[k + 1:] for k, (a, b) in enumerate(own) if b - a < 0.5 * usual]
        guesses = next((found for found in (_centred_lines(pieces, x0, x1, agree) for pieces in options) if found),
                       None)
        if guesses is None and equal:
            # sub-columns of one width (预算数 | 决算数 under each item): walked from both sides, four labels
            # put each line twice too far apart; the paper between the labels, near the sides of equal parts
            # of the cell, will do
            guesses = next((found for found in (_equal_lines(pieces, x0, x1) for pieces in options) if found), None)
        if guesses is None:
            # the walks from the cell's sides disagree (a side of the cell is no rule of those columns: seed-41
            # photocopy150 公开09表's 3 | 4 | 5, the cell's left line 4 mm off) but the numbers stand evenly
            # spaced: columns of one width, the lines half way between their middles
            usual = _number_pitch(_row_pieces(boxes, g.ys, r, g.xs[0], g.xs[-1], dpi), thin) \
                or float(np.median(np.diff(g.xs)))
            guesses = next((found for found in (_evenly_spaced_lines(pieces, agree, usual) for pieces in options)
                            if found), None)
        if guesses is None:
            continue  # the numbers' print does not stand apart in the cell, or not centred in its columns
        lines = []
        for x in guesses:
            # what is left of the rule close by (down a third of the rows' height)
            lo, hi = int(x - agree), int(x + agree) + 1
            ink = (binary[int(g.ys[r]):int(g.ys[-1]), lo:hi] > 0).sum(axis=0)
            if ink.size and ink.max() >= 0.3 * (g.ys[-1] - g.ys[r]):
                x = lo + float(np.argmax(ink))
            # (a piece hardly wider than a rule on the line is what is left of it, not text across it)
            rows = [_row_pieces(boxes, g.ys, k, x0, x1, dpi) for k in range(r, g.n_rows)]

            def crossed(v: float, inset: float = margin) -> int:
                return sum(any(a + inset < v < b - inset and b - a > 2 * thin for a, b in pieces)
                           for pieces in rows)

            if crossed(x) > 0.1 * (g.n_rows - r):
                # the numbers stand a little off their columns' middles: the nearest place within ``agree`` that
                # no text runs across (seed-41 photocopy150 公开09表: 9 | 10 | 11 put 1685.5, where 38.19,
                # right-aligned in column 9, ends at 1695)
                x = next((float(v) for v in sorted(range(int(x - agree), int(x + agree) + 1), key=lambda v: abs(v - x))
                          if not crossed(v, -1.0)), None)
                if x is None:
                    break
            lines.append(float(x))
        if len(lines) == n - 1:
            out.extend(lines)
    return sorted(out)


# ------------------------------------------------------------------ header rows above a worn table's grid


def rules_above(grids: list, rule_ink: np.ndarray | None, binary: np.ndarray, dpi: int, layout_settings,
                min_cover: float = 0.45, end_cover: float = 0.2, reach: float = 5.0, max_row: float = 3.5,
                min_text: int = 40, wall_cover: float = 0.5) -> list:
    """The header rows a worn photocopy's grid lost: its upper rules (the table's top border, the line under
    收入 | 支出) faded into dashes that meet no column rule there, so the rule finder starts the table at the
    栏次 row and 收入/项目/行次/金额 are read as loose lines (every label a row too high, the table's template
    unmatched, all its cells in doubt). Above each grid (``reach`` row pitches at most, no higher than the
    grid above it), a row of the faint-rule mask's line filter (``rule_ink`` through
    :func:`pipeline.layout.line_mask`) covering ``min_cover`` of the grid's width, and ``end_cover`` of its
    first and last tenth (a table rule runs from border to border, a line under a title does not), is a row
    rule; from the grid's top up, each one at most ``max_row`` pitches above the last with text between them
    (``min_text`` pixels of ink) is taken: a band of two or three lines of labels (公开02/05表: 项目 over 科目代码 |
    科目名称 beside labels two rows tall; 项目 over 功能分类 / 科目编码, 3.1 pitches) becomes one header row, its
    inner rule across part of the width
    left out (its header keeps ``header_rows_lost``). The new rows' column walls are where the column mask shows a rule
    (``wall_cover`` of the row's height: a printed rule down the row, worn in gaps), the outer borders always,
    and between two labels with no wall found the line that centres the left one over its columns
    (:func:`_centring_walls`, labels grouped by the grid's row pitch, not the band's height: 经营收入 and
    附属单位上缴收入 stay apart), or a grid line between two labels centred each in its own column
    (:func:`_gap_walls`): header labels over several columns (收入 over 项目 | 行次 | 金额) stay one cell.
    The row lines and the walls the mask shows are rules found, not inferred. A centring wall is a guess: a
    label it puts over the wrong columns leaves the flattened labels unlike the template's, and the table's
    header is doubted (``header_unmatched``, :mod:`pipeline.verdict`)."""
    from .layout import line_mask

    if rule_ink is None or not grids:
        return grids
    hmask = line_mask(rule_ink, True, dpi, layout_settings)
    vmask = line_mask(rule_ink, False, dpi, layout_settings)
    out = []
    for g in grids:
        ceiling = int(grid_ceiling(g, grids))
        out.append(_rules_above(g, hmask, vmask, binary, ceiling, dpi, layout_settings, min_cover, end_cover,
                                reach, max_row, min_text, wall_cover) or g)
    return out


def grid_ceiling(g, grids: list, through: list = ()) -> float:
    """The foot of the lowest of ``grids`` above ``g`` sharing part of its width (0: none): what is above it is
    no part of ``g`` — but for the grids ``through`` (pieces of ``g`` that kept their rules: :func:`piece_of`)."""
    return max([float(o.ys[-1]) for o in grids if o is not g and o.ys[-1] <= g.ys[0]
                and min(o.xs[-1], g.xs[-1]) > max(o.xs[0], g.xs[0]) and not any(o is p for p in through)],
               default=0.0)


def piece_of(o, g, cells: dict, dpi: int, most_rows: int = 2, tol_mm: float = 3.0, reach: float = 8.0) -> bool:
    """Grid ``o`` (its reading ``cells``) above grid ``g`` is a piece of it: a row or two whose rules were kept
    where the rows around them lost theirs, within ``g``'s width, reading as body rows (text in every row, no
    word of a header or a caption) — a rule found inside it only (seed-45 agriculture 公开10表: 服务 | 4 | 36.05
    a grid of its own between rows whose rules were lost, read as two columns) — within ``reach`` of ``g``'s row
    pitches above it."""
    tol = _mm(dpi, tol_mm)
    pitch = float(np.median(np.diff(g.ys)))
    if o is g or o.n_rows > most_rows or o.ys[-1] > g.ys[0] + tol or g.ys[0] - o.ys[-1] > reach * pitch \
            or o.xs[0] < g.xs[0] - tol or o.xs[-1] > g.xs[-1] + tol:
        return False
    rows = [[cells.get((r, c), "") for c in range(o.n_cols)] for r in range(o.n_rows)]
    return all(_body_words(texts) for texts in rows)


def _rules_above(g, hmask: np.ndarray, vmask: np.ndarray, binary: np.ndarray, ceiling: int, dpi: int,
                 layout_settings, min_cover: float, end_cover: float, reach: float, max_row: float, min_text: int,
                 wall_cover: float):
    from .layout import Segment, grid_from_segments

    if g.n_rows < 3:
        return None
    x0, x1, top = int(g.xs[0]), int(g.xs[-1]), int(g.ys[0])
    pitch = float(np.median(np.diff(g.ys)))
    lo = max(ceiling + 2, int(top - reach * pitch), 1)
    if top - lo < 0.5 * pitch:
        return None
    tenth = max(1, (x1 - x0) // 10)
    inked = np.zeros(top - lo, float)
    for i, y in enumerate(range(lo, top)):
        row = (hmask[y - 1:y + 2, x0:x1] > 0).any(axis=0)
        if row[:tenth].mean() >= end_cover and row[-tenth:].mean() >= end_cover:
            inked[i] = row.mean()
    from .read import _runs as index_runs

    lines = [lo + a + int(np.argmax(inked[a:b])) for a, b in index_runs(np.flatnonzero(inked >= min_cover), 1)]
    taken: list[int] = []
    last = top
    for y in sorted(lines, reverse=True):
        if last - y < 0.5 * pitch:
            continue
        if last - y > max_row * pitch:
            break
        band = binary[y + 3:last - 3, x0 + 3:x1 - 3]
        if int((band > 0).sum()) < min_text:
            break  # (paper between two rules: no header row)
        taken.append(y)
        last = y
    if not taken:
        return None
    r = max(2, int(_mm(dpi, 0.6)))
    bounds = [top] + taken
    segs = _walls(g) + [Segment(x0, y, x1, y) for y in taken]
    boxes = text_boxes(binary[:top], dpi)
    for yb, ya in zip(bounds, bounds[1:]):
        walls = [x for x in g.xs[1:-1]
                 if float((vmask[ya:yb, max(0, int(x) - r):int(x) + r + 1] > 0).any(axis=1).mean()) >= wall_cover]
        labels = _runs([(int(p[0]), int(p[2])) for p in boxes if p[1] >= ya - 2 and p[3] <= yb + 2
                        and p[0] >= x0 and p[2] <= x1], 0.8 * min(yb - ya, pitch))
        walls += _gap_walls([p for p in boxes if p[1] >= ya - 2 and p[3] <= yb + 2], g.xs, walls)
        for x in [x0, x1] + walls + _centring_walls(labels, g.xs, walls):
            segs.append(Segment(x, ya, x, yb))
    new = grid_from_segments(segs, dpi, layout_settings)
    if new is None or new.n_rows != g.n_rows + len(taken) or new.n_cols != g.n_cols \
            or abs(new.ys[0] - taken[-1]) > 3:
        return None
    new.inferred, new.stacked, new.joined = list(g.inferred), list(g.stacked), g.joined
    return new


def _gap_walls(boxes, xs: list[float], walls: list[float], centred: float = 0.2) -> list[float]:
    """The grid's column lines that part two labels of a header band whose wall faded (real caizheng 公开02表 as
    a worn photocopy: 事业收入 | 经营收入, a few millimetres apart, which the label grouping of
    :func:`_rules_above` takes for one): no character crosses the line, and the characters on each side, between
    it and the next line, lie centred (within ``centred`` of the column's width) in that column. A label over
    several columns (收入 over 项目 | 行次 | 金额) lies centred in none of them beside its neighbours."""
    out = []
    for i in range(1, len(xs) - 1):
        left, x, right = xs[i - 1], xs[i], xs[i + 1]
        if any(abs(x - w) < 1 for w in walls):
            continue
        near = [p for p in boxes if p[2] > left and p[0] < right]
        sides = [[p for p in near if left <= p[0] and p[2] <= x], [p for p in near if x <= p[0] and p[2] <= right]]
        if not sides[0] or not sides[1] or len(sides[0]) + len(sides[1]) < len(near):
            continue  # (a character across this line or the outer ones: a label spanning the columns)
        if all(abs((min(p[0] for p in side) + max(p[2] for p in side)) / 2 - (a + b) / 2) <= centred * (b - a)
               for side, (a, b) in zip(sides, ((left, x), (x, right)))):
            out.append(x)
    return out


def _centring_walls(labels: list[tuple[int, int]], xs: list[float], walls: list[float]) -> list[float]:
    """Column lines between the labels of a header row whose walls were lost (收入 … 支出 over nine columns): each
    label is printed centred over the columns it spans, so between two labels with no wall found between them
    the line is the one that centres the left label between its left side and it."""
    out: list[float] = []
    left = xs[0]
    for (a, b), (c, _d) in zip(labels, labels[1:]):
        found = [x for x in walls if b <= x <= c]
        if found:
            left = found[-1]
            continue
        between = [x for x in xs[1:-1] if b <= x <= c]
        if not between:
            continue
        centre = (a + b) / 2.0
        best = min(between, key=lambda x: abs(centre - (left + x) / 2.0))
        out.append(best)
        left = best
    return out


_BODY_AMOUNT = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d{2}$")
_BODY_CODE = re.compile(r"^\d{3,7}$")
# words of a header, a caption or a unit line: a band reading one is no body row (body labels print 事业单位,
# 行政单位医疗, 项目支出: 单位 and 项目 count only as a caption's or a header cell's own)
_NOT_BODY = re.compile(r"科目|编码|编号|分类|决算数|预算数|栏次|行次|统计数|金额|^项目$|单位[:：]|单位名称|部门名称|部门[:：]|万元|说明|备注")
_LINE_NUMBER = re.compile(r"^\d{1,2}$")
_LOOKALIKE_DIGITS = str.maketrans({"I": "1", "l": "1", "|": "1", "i": "1", "O": "0", "o": "0"})


def _line_number(text: str) -> int | None:
    """A 行次 cell's number (“7”, “l0” read for 10), or None."""
    t = re.sub(r"\s", "", text).translate(_LOOKALIKE_DIGITS)
    return int(t) if _LINE_NUMBER.match(t) else None


def numbered_column(cells: dict, n_rows: int, n_cols: int, share: float = 0.6) -> int | None:
    """The column of a grid's reading (``cells``: (row, col) → text) that numbers its rows (公开10表's 行次):
    not the first, ``share`` of its rows (three at least) reading a whole number, ``share`` of them more than
    the one read above by no more than the rows between (a number the table skips: 15, 17)."""
    for c in range(1, n_cols):
        nums = [(r, n) for r in range(n_rows) if (n := _line_number(cells.get((r, c), ""))) is not None]
        if len(nums) < max(3, share * n_rows):
            continue
        steps = sum(0 < b - a <= rb - ra + 1 for (ra, a), (rb, b) in zip(nums, nums[1:]))
        if steps >= share * (len(nums) - 1):
            return c
    return None


def body_columns(cells: dict, n_rows: int, n_cols: int, share: float = 0.5) -> tuple[set[int], set[int]]:
    """The columns of a grid's reading (``cells``: (row, col) → text) that hold amounts (``share`` of their
    non-blank cells read as an amount with two decimals) and those that hold codes (3 to 7 digits)."""
    from .interpret import normalise_ocr_amount

    amounts, codes = set(), set()
    for c in range(n_cols):
        texts = [cells[(r, c)] for r in range(n_rows) if cells.get((r, c), "").strip()]
        if len(texts) < 2:
            continue
        if sum(bool(_BODY_AMOUNT.match(normalise_ocr_amount(t))) for t in texts) >= share * len(texts):
            amounts.add(c)
        elif sum(bool(_BODY_CODE.match(t.replace(" ", ""))) for t in texts) >= share * len(texts):
            codes.add(c)
    return amounts, codes


def reads_as_body_row(texts: list[str], amounts: set[int], codes: set[int]) -> bool:
    """A row of text read across a grid's columns (``texts``) that is a body row of it: an amount (two
    decimals) in one of its amount columns or a code in one of its code columns, text in two columns at least,
    and no word of a header, a caption or a unit line (科目, 编码, 决算数, 栏次, 单位：, 万元 …): a header row and the
    line 部门名称：… 金额单位：万元 above a table are never taken for one."""
    from .interpret import normalise_ocr_amount

    filled = [c for c, t in enumerate(texts) if t.strip()]
    if len(filled) < 2 or any(_NOT_BODY.search(t) for t in texts):
        return False
    return any(c in amounts and _BODY_AMOUNT.match(normalise_ocr_amount(texts[c])) for c in filled) \
        or any(c in codes and _BODY_CODE.match(texts[c].replace(" ", "")) for c in filled)


def rows_above(g, cells: dict, binary: np.ndarray, gray: np.ndarray, dpi: int, recognize, layout_settings,
               ceiling: float = 0.0, reach: float = 8.0, settings: TextGridSettings = TextGridSettings()):
    """``g`` with the body rows printed above its first rule put back, the rule under them and the ones between
    them lost (real guihua 公开06表 as a worn photocopy: 301 工资福利支出, 30101 … 30103 stood above the first
    rule found, under a header whose rules had faded too), or None. Only a grid whose first row reads as a body
    row (``cells``: its reading, (row, col) → text) is carried up: the bands of text above it (``reach`` row
    pitches at most, below ``ceiling``), each a pitch (``below_pitch`` pitches at most) above the last, are
    read across the grid's columns (``recognize``: text-line crops → readings) and taken while they read as body
    rows (:func:`reads_as_body_row`: an amount or a code where the grid has them, no header word). The text
    tells what the layout alone cannot: a caption or a header row above a table is no row of it (事业单位医疗 is
    a body label, 单位：万元 and a cell reading 项目 alone are not).
    A grid whose rows are numbered (a 行次 column: :func:`numbered_column`, its first row past 1) is carried up
    by its line numbers first (:func:`_numbered_bands_above`: 公开10表 prints counts, not amounts, and headings
    with no number), over ``first - 1`` rows and a few headings at most. The stubs of its column rules are no
    text (:func:`_without_stubs`).
    The new row lines and the column lines carried up (through no text) are inferred: every cell they bound is
    ``rule_missing`` (reviewed unless an identity confirms it)."""
    from .layout import Segment, grid_from_segments

    if g.n_rows < 3:
        return None
    amounts, codes = body_columns(cells, g.n_rows, g.n_cols)
    numbered = numbered_column(cells, g.n_rows, g.n_cols)
    first = _line_number(cells.get((0, numbered), "")) if numbered is not None else None
    if first is None or first < 2 or not any(cells.get((0, c), "").strip() for c in range(numbered)):
        first = None
    body = bool(amounts or codes) \
        and reads_as_body_row([cells.get((0, c), "") for c in range(g.n_cols)], amounts, codes)
    if first is None and not body:
        return None
    x0, x1, top = float(g.xs[0]), float(g.xs[-1]), float(g.ys[0])
    pitch = float(np.median(np.diff(g.ys)))

    def bands_above(rows: float) -> list[_Band]:  # the text bands up to ``rows`` pitches above the grid
        lo = max(ceiling + 2.0, top - rows * pitch, 0.0)
        if top - lo < 0.5 * pitch:
            return []
        boxes = text_boxes(binary[int(lo):int(top) + 2], dpi, settings)
        if not len(boxes):
            return []
        boxes = _without_stubs(boxes + np.array([0, int(lo), 0, int(lo)]), g.xs[1:-1], binary, dpi)
        return [b for b in text_bands(boxes, x0, x1, lo, top + 2, dpi, settings) if _mid(b) < top]

    taken, header = [], None
    if first is not None:  # (by its line numbers — every line before its first, and headings — else, or if
        # none reads so, by its amounts or codes)
        taken, header = _numbered_bands_above(g, bands_above(max(reach, first - 1 + settings.below_pitch + 4)),
                                              numbered, first, binary, gray, dpi, recognize, pitch, settings)
    last = (g.ys[0] + g.ys[1]) / 2.0
    for band in reversed(bands_above(reach) if body and not taken else []):
        if last - _mid(band) > settings.below_pitch * pitch + (band.bottom - band.top) / 2.0 \
                or band.bottom - band.top > (3.5 if taken else 1.5) * pitch:
            break
        texts = _band_across(g, band, binary, gray, dpi, recognize)
        if not reads_as_body_row(texts, amounts, codes):
            # the table's header right above its body rows: labels (科目名称, 决算数 …) in two columns at least,
            # its pieces in half the columns (a title is one piece, the unit line one more)
            if taken and _columns_hit(band.words, g.xs) >= max(2, g.n_cols // 2) \
                    and sum(bool(_NOT_BODY.search(t)) for t in texts) >= 2:
                header = band
            break
        taken.append(band)
        last = _mid(band)
    if not taken:
        return None
    if header is not None:
        taken.append(header)
    taken.reverse()  # top to bottom
    lines = [_line_between(a.bottom, b.top, binary[:, int(x0):int(x1)]) for a, b in zip(taken, taken[1:])]
    head = taken[0].top - max(2.0, (pitch - (taken[0].bottom - taken[0].top)) / 2.0)
    margin = _mm(dpi, 1.0)
    carried = [Segment(x, y_a, x, y_b) for band, y_a, y_b in zip(taken, [head] + lines, lines + [top])
               for x in g.xs if not any(a + margin < x < b - margin for a, b in band.words)]
    segs = _walls(g, on_lines=True) + [Segment(x0, y, x1, y) for y in [head] + lines] + carried \
        + [Segment(x, head, x, top) for x in (x0, x1)]
    new = grid_from_segments(segs, dpi, layout_settings)
    if new is None or new.n_rows != g.n_rows + len(taken) or new.n_cols != g.n_cols:
        return None  # (a row line of its own where the text has none, a column line lost: not this grid)
    new.inferred = list(g.inferred) + [("h", y, x0, x1) for y in [head] + lines] \
        + [("v", s.x0, s.y0, s.y1) for s in carried]
    new.stacked, new.joined = list(g.stacked), g.joined
    return new


def _without_stubs(boxes: np.ndarray, walls: list[float], binary: np.ndarray, dpi: int, tol_mm: float = 0.6,
                   ink: float = 0.8, reach: float = 1.2) -> np.ndarray:
    """Text boxes less the stubs of a grid's column rules: a piece of ink across a wall's line, upright on it
    over ``ink`` of its height and taller than ``reach`` characters (a stub with a dash of a row rule run
    into it: no character — print keeps off the rules, and a 1 or a 十 on the line is no taller than its row's
    characters). Above a worn grid such a junction joins the rows it runs past into one band (seed-45
    agriculture 公开10表: the 行次 | 统计数 rule's remnant beside 工程 | 3 met the top rule of a piece of the grid
    that kept its rules under it, 服务 | 4 — 工程 and 服务 one band, too tall for a row)."""
    if not len(boxes) or not len(walls):
        return boxes
    tol = max(1, int(round(_mm(dpi, tol_mm))))
    char = float(np.median(boxes[:, 3] - boxes[:, 1]))
    stub = np.zeros(len(boxes), dtype=bool)
    for k, (bx0, by0, bx1, by1) in enumerate(boxes):
        if by1 - by0 <= reach * char:
            continue
        for x in walls:
            if not bx0 - tol <= x <= bx1 + tol:
                continue
            strip = binary[int(by0):int(by1), max(0, int(x) - tol):int(x) + tol + 1]
            if strip.size and strip.any(axis=1).mean() >= ink:
                stub[k] = True
    return boxes[~stub]


def _numbered_bands_above(g, bands: list[_Band], numbered: int, first: int, binary: np.ndarray, gray: np.ndarray,
                          dpi: int, recognize, pitch: float, settings: TextGridSettings
                          ) -> tuple[list[_Band], _Band | None]:
    """The bands above a grid whose rows are numbered in column ``numbered`` (公开10表's 行次), its first row
    ``first``: each band, a pitch (``below_pitch`` pitches at most) above the last, must read the number before
    the row under it there, with a label left of it (seed-45 agriculture 公开10表 as a worn photocopy: the
    rules of rows 1–7 lost, the grid found from row 8 down, the table's first ten rows lost). A heading with no
    number (三、国有资产占用情况) is taken once a numbered row is found above it, or the table's header (项目 |
    行次 | 统计数: returned apart) — as are the headings right under the header. Returns (bands, bottom to top;
    the header band or None)."""
    last, taken, pending, header, expected = (g.ys[0] + g.ys[1]) / 2.0, [], [], None, first - 1
    for band in reversed(bands):
        if last - _mid(band) > settings.below_pitch * pitch + (band.bottom - band.top) / 2.0 \
                or band.bottom - band.top > 1.5 * pitch:
            break
        texts = _band_across(g, band, binary, gray, dpi, recognize)
        number = _line_number(texts[numbered])
        labelled = any(texts[c].strip() for c in range(numbered))
        if sum(bool(_NOT_BODY.search(t)) for t in texts) >= 2:
            if _columns_hit(band.words, g.xs) >= max(2, g.n_cols // 2):
                header = band  # (not a caption, 部门名称：… 金额单位：万元: one piece, or two)
            break
        if number is not None and number == expected and labelled:
            taken += pending + [band]
            pending, expected = [], expected - 1
        elif not texts[numbered].strip() and labelled and _body_words(texts) and len(pending) < 2:
            pending.append(band)
        else:
            break
        last = _mid(band)
    if header is not None or expected == 0:
        taken += pending  # (headings under the header, or above the first line)
    return taken, header


def _band_across(g, band: _Band, binary: np.ndarray, gray: np.ndarray, dpi: int, recognize) -> list[str]:
    """A band of text outside grid ``g`` read across its columns: each column's ink in the band as one crop."""
    inset, pad = max(2, dpi // 60), 3
    crops, at = [], []
    for c in range(g.n_cols):
        a, b = int(g.xs[c]) + inset, int(g.xs[c + 1]) - inset
        cols = np.flatnonzero(binary[band.top:band.bottom, a:b].any(axis=0))
        if cols.size == 0:
            continue
        crops.append(gray[max(0, band.top - pad):band.bottom + pad,
                          max(0, a + int(cols[0]) - pad):a + int(cols[-1]) + 1 + pad])
        at.append(c)
    texts = [""] * g.n_cols
    for c, line in zip(at, recognize(crops) if crops else []):
        texts[c] = line.text
    return texts


def _body_words(texts: list[str]) -> bool:
    """Text in a row read across a grid's columns, none of it a header's, a caption's or a unit line's words."""
    return any(t.strip() for t in texts) and not any(_NOT_BODY.search(t) for t in texts)


def grid_floor(g, grids: list, height: float) -> float:
    """The head of the highest of ``grids`` below ``g`` sharing part of its width (``height``, the page's, when
    none): what is below it is no part of ``g``."""
    return min([float(o.ys[0]) for o in grids if o is not g and o.ys[0] >= g.ys[-1]
                and min(o.xs[-1], g.xs[-1]) > max(o.xs[0], g.xs[0])], default=float(height))


def rows_below(g, cells: dict, binary: np.ndarray, gray: np.ndarray, dpi: int, recognize, layout_settings,
               floor: float, reach: float = 4.0, settings: TextGridSettings = TextGridSettings()):
    """``g`` with the body rows printed below its last rule put back, the table's foot rule and the ones between
    them lost (seed-41 police 公开06表 as a worn photocopy: 人员经费合计 7,324.24 | 公用经费合计 685.37 under the
    last rule found, a dashed remnant of its own foot rule below it — both totals lost; real caizheng 公开04表:
    三、国有资本经营预算财政拨款 and 总计), or None: the mirror of :func:`rows_above`. Only a grid with amount or
    code columns whose last row is no header row is carried down, over the bands of text below it (``reach``
    row pitches at most, above ``floor``), each a pitch (``below_pitch`` pitches at most) below the last, read
    across its columns and taken while they read as body rows (:func:`reads_as_body_row`: an amount or a code
    where the grid has them, no header word — a note, 注：本表反映…, is none); up to two rows of words only
    (a label printing no amount) are taken when a body row follows them. The new row
    lines and the column lines carried down (through no text) are inferred: every cell they bound is
    ``rule_missing``."""
    from .layout import Segment, grid_from_segments

    if g.n_rows < 3:
        return None
    amounts, codes = body_columns(cells, g.n_rows, g.n_cols)
    if not amounts and not codes:
        return None
    if not _body_words([cells.get((g.n_rows - 1, c), "") for c in range(g.n_cols)]):
        return None
    x0, x1, bottom = float(g.xs[0]), float(g.xs[-1]), float(g.ys[-1])
    pitch = float(np.median(np.diff(g.ys)))
    hi = min(floor - 2.0, bottom + reach * pitch, float(binary.shape[0]))
    if hi - bottom < 0.5 * pitch:
        return None
    boxes = text_boxes(binary[int(bottom) - 2:int(hi)], dpi, settings)
    if not len(boxes):
        return None
    boxes = boxes + np.array([0, int(bottom) - 2, 0, int(bottom) - 2])
    bands = [b for b in text_bands(boxes, x0, x1, bottom - 2, hi, dpi, settings) if _mid(b) > bottom]
    last, taken, pending, filled = (g.ys[-2] + g.ys[-1]) / 2.0, [], [], set()
    for band in bands:
        if _mid(band) - last > settings.below_pitch * pitch + (band.bottom - band.top) / 2.0 \
                or band.bottom - band.top > 1.5 * pitch:
            break
        texts = _band_across(g, band, binary, gray, dpi, recognize)
        own = {c for c, t in enumerate(texts) if t.strip()}
        if pending and own and min(own) in filled and min(own) == min(filled) \
                and band.top - pending[-1].bottom < 0.5 * (band.bottom - band.top) \
                and not reads_as_body_row(texts, amounts, codes):
            # the second line of a label wrapped in its cell (三、国有资本经营预算财政 | 拨款), close under the first
            # (strokes of the watermark beside it read as marks): one row
            pending[-1] = _Band(pending[-1].top, band.bottom, pending[-1].words + band.words)
        elif reads_as_body_row(texts, amounts, codes):
            taken += pending + [band]
            pending = []
        elif _body_words(texts) and len(pending) < 2:
            pending.append(band)  # (a row printing no amount, 三、国有资本经营预算财政拨款: taken if a body row follows)
        else:
            break
        filled, last = own, _mid(band)
    if not taken:
        return None
    lines = [_line_between(a.bottom, b.top, binary[:, int(x0):int(x1)]) for a, b in zip(taken, taken[1:])]
    foot = taken[-1].bottom + max(2.0, (pitch - (taken[-1].bottom - taken[-1].top)) / 2.0)
    margin = _mm(dpi, 1.0)
    carried = [Segment(x, y_a, x, y_b) for band, y_a, y_b in zip(taken, [bottom] + lines, lines + [foot])
               for x in g.xs if not any(a + margin < x < b - margin for a, b in band.words)]
    segs = _walls(g, on_lines=True) + [Segment(x0, y, x1, y) for y in lines + [foot]] + carried \
        + [Segment(x, bottom, x, foot) for x in (x0, x1)]
    new = grid_from_segments(segs, dpi, layout_settings)
    if new is None or new.n_rows != g.n_rows + len(taken) or new.n_cols != g.n_cols:
        return None  # (a row line of its own where the text has none, a column line lost: not this grid)
    new.inferred = list(g.inferred) + [("h", y, x0, x1) for y in lines + [foot]] \
        + [("v", s.x0, s.y0, s.y1) for s in carried]
    new.stacked, new.joined = list(g.stacked), g.joined
    return new
