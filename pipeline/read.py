"""Stage 4 — read: the text of every grid cell and of the lines around the tables.

Two backends with one output (:class:`PageReading`):
- :func:`read_text_layer` assigns the PDF's characters to cells (watermark glyphs dropped);
- :func:`read_ocr` cuts each non-empty cell into text lines from the cleaned page and recognises them
  in batches with PP-OCRv6, keeping the weakest character score and alternative readings; text outside
  the tables is found by projection profiles and recognised the same way.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import numpy as np

from .ingest import SourcePage, TextChar, is_watermark_char
from .layout import Grid, GridCell
from .model import Alternative
from .ocr import LineReading
from .textcheck import NumericCell, TextCheckSettings, digits, shape_doubts, verify_digits
from .textnorm import clean_cell_text


@dataclass
class Reading:
    text: str = ""
    score: float = 1.0  # weakest character
    alternatives: list[Alternative] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # seal, watermark, low_ocr …
    n_lines: int = 0
    parts: list[tuple[str, float, float]] = field(default_factory=list)  # OCR lines: (text, y centre, score)
    lines: list[str] = field(default_factory=list)  # the cell's text lines, top to bottom (when more than one)
    # paper between the cell's text and its left / right rule, in pixels (None: not measured). Printed labels
    # keep a margin; text running into a rule is a label the rule cuts (pipeline.headercheck)
    margins: tuple[int, int] | None = None


@dataclass
class TextLine:
    text: str
    bbox: tuple[int, int, int, int]
    score: float = 1.0
    partial: bool = False  # only the line's head was read (a paragraph's line: ReadSettings.prose_head_ems)


@dataclass
class GridReading:
    grid: Grid
    cells: dict[tuple[int, int], Reading]  # key: (row, col) of the merged cell's top-left


@dataclass
class PageReading:
    number: int
    mode: str  # text | ocr
    width: int
    height: int
    dpi: int
    skew: float
    grids: list[GridReading]
    lines: list[TextLine]  # text outside the tables, top to bottom
    rotation: int = 0  # clockwise quarter turn from the page as displayed to the frame read (SourcePage.rotation)
    doubts: list[str] = field(default_factory=list)  # why the page's text layer was not trusted (textcheck)


# --------------------------------------------------------------------------------------- text layer

def _locate(grid: Grid, x: float, y: float) -> tuple[int, int] | None:
    if not (grid.xs[0] <= x <= grid.xs[-1] and grid.ys[0] <= y <= grid.ys[-1]):
        return None
    c = min(grid.n_cols - 1, max(0, bisect.bisect_right(grid.xs, x) - 1))
    r = min(grid.n_rows - 1, max(0, bisect.bisect_right(grid.ys, y) - 1))
    return r, c


def _group_lines(chars: list[TextChar]) -> list[list[TextChar]]:
    """Characters → text lines. A character joins a line its vertical extent overlaps (by a third of the
    smaller height): punctuation sits low (“,” “.”) and small glyphs sit high, but they overlap their line."""
    lines: list[tuple[float, float, list[TextChar]]] = []
    for c in sorted(chars, key=lambda c: (c.y0 + c.y1) / 2):
        for k, (top, bottom, members) in enumerate(lines):
            overlap = min(bottom, c.y1) - max(top, c.y0)
            if overlap > 0.33 * min(bottom - top, c.y1 - c.y0, 1e9) or (c.y1 - c.y0 < 1 and top <= c.y0 <= bottom):
                members.append(c)
                lines[k] = (min(top, c.y0), max(bottom, c.y1), members)
                break
        else:
            lines.append((c.y0, c.y1, [c]))
    # a small mark that came first (“ sits high, 一 is a thin stroke) may have started a line of its own
    # that the line's tall characters, arriving later, grew over: merge lines that overlap like characters
    k = 0
    while k < len(lines):
        top, bottom, members = lines[k]
        for j in range(k + 1, len(lines)):
            t2, b2, m2 = lines[j]
            overlap = min(bottom, b2) - max(top, t2)
            if overlap > 0 and overlap > 0.33 * min(bottom - top, b2 - t2):
                lines[k] = (min(top, t2), max(bottom, b2), members + m2)
                del lines[j]
                break
        else:
            k += 1
    return [sorted(m, key=lambda c: c.x0) for _, _, m in sorted(lines, key=lambda l: l[0])]


def _chars_to_text(chars: list[TextChar]) -> str:
    """Characters → text: lines by vertical overlap, words by gaps; wrapped lines joined."""
    if not chars:
        return ""
    heights = sorted(c.y1 - c.y0 for c in chars)
    h = max(1.0, heights[len(heights) // 2])
    out_lines = []
    for row in _group_lines(chars):
        out = [row[0].char]
        for prev, cur in zip(row, row[1:]):
            if cur.x0 - prev.x1 > 0.35 * h:
                out.append(" ")
            out.append(cur.char)
        out_lines.append("".join(out))
    return "\n".join(out_lines)


def _outside_lines(chars: list[TextChar], grids: list[Grid]) -> list[TextLine]:
    free = [c for c in chars if not any(_locate(g, (c.x0 + c.x1) / 2, (c.y0 + c.y1) / 2) for g in grids)]
    if not free:
        return []
    heights = sorted(c.y1 - c.y0 for c in free)
    h = max(1.0, heights[len(heights) // 2])
    rows = _group_lines(free)
    lines = []
    for row in rows:
        # split a row into separate pieces at wide gaps (部门：… left, 单位：万元 right)
        piece = [row[0]]
        for prev, cur in zip(row, row[1:]):
            if cur.x0 - prev.x1 > 4 * h:
                lines.append(_piece(piece))
                piece = []
            piece.append(cur)
        lines.append(_piece(piece))
    return lines


def _piece(chars: list[TextChar]) -> TextLine:
    text = clean_cell_text(_chars_to_text(chars))
    return TextLine(text, (int(min(c.x0 for c in chars)), int(min(c.y0 for c in chars)),
                           int(max(c.x1 for c in chars)), int(max(c.y1 for c in chars))))


def _body_chars(page: SourcePage) -> list[TextChar]:
    return [c for c in (page.chars or []) if not is_watermark_char(c) and c.char.strip()]


def _cell_chars(chars: list[TextChar], g: Grid) -> dict[tuple[int, int], list[TextChar]]:
    """The characters falling in each cell of ``g`` (key: its merged cell's top-left)."""
    owner = g.owner()
    bucket: dict[tuple[int, int], list[TextChar]] = {}
    for c in chars:
        rc = _locate(g, (c.x0 + c.x1) / 2, (c.y0 + c.y1) / 2)
        if rc is None:
            continue
        cell = owner.get(rc)
        if cell is not None:
            bucket.setdefault((cell.row, cell.col), []).append(c)
    return bucket


def cross_check_text_layer(page: SourcePage, reading: PageReading, min_votes: int = 2,
                           min_share: float = 0.6) -> int:
    """A page OCR'd because its text layer lies keeps a text layer that lies *consistently*: a damaged font
    map turns each glyph of a font into the same wrong character every time. Learn that substitution from
    the amount-like cells (no ideographs) where the OCR reading and the text layer have the same length;
    decode every such cell's text layer through it (a glyph not learnt stands for any digit or none); where
    the digits disagree with the OCR reading, the cell gets reason ``text_conflict`` (always flagged) and the
    decoded text, when every glyph is known, as an alternative. Returns the number of cells so marked."""
    chars = _body_chars(page)
    pairs = []  # (Reading, glyph keys in reading order)
    for gr in reading.grids:
        for key, cs in _cell_chars(chars, gr.grid).items():
            rd = gr.cells.get(key)
            if rd is None or not cs or not all(c.font for c in cs):
                continue
            glyphs = [(c.font, c.char) for line in _group_lines(cs) for c in line]
            pairs.append((rd, glyphs))
    votes: dict[tuple[str, str], dict[str, int]] = {}
    for rd, glyphs in pairs:
        seen = [ch for ch in rd.text if not ch.isspace()]
        if len(seen) == len(glyphs):
            for g, ch in zip(glyphs, seen):
                votes.setdefault(g, {}).setdefault(ch, 0)
                votes[g][ch] += 1
    mapping = {}
    for g, counts in votes.items():
        ch, n = max(counts.items(), key=lambda kv: kv[1])
        if n >= min_votes and n >= min_share * sum(counts.values()):
            mapping[g] = ch
    marked = 0
    for rd, glyphs in pairs:
        # a glyph not learnt (too few clear readings) may be any digit or none: the digits of the OCR
        # reading must fit the decoded ones with such glyphs as wildcards
        known = [mapping.get(g) for g in glyphs]
        pattern = "".join(r"\d?" if ch is None else re.escape(digits(ch)) for ch in known)
        if re.fullmatch(pattern, digits(rd.text)):
            continue
        rd.reasons.append("text_conflict")
        if None not in known:
            rd.alternatives.insert(0, Alternative(clean_cell_text("".join(known)), 0.5, "text_layer"))
        marked += 1
    return marked


def read_text_layer(page: SourcePage, grids: list[Grid], recognize=None,
                    check: TextCheckSettings = TextCheckSettings()) -> PageReading:
    """Cells from the text layer. The reading's ``doubts`` say when the text layer lies (amounts printed
    without digits; with ``recognize`` — a text-line recogniser — digits that disagree with the page image,
    learnt per font for the document): the caller reads such a page from its pixels instead."""
    chars = _body_chars(page)
    readings = []
    numeric: list[NumericCell] = []
    for g in grids:
        bucket = _cell_chars(chars, g)
        cells = {}
        for cell in g.cells:
            cs = bucket.get((cell.row, cell.col), [])
            raw = _chars_to_text(cs)
            text = clean_cell_text(raw)
            lines = [t for t in (clean_cell_text(ln) for ln in raw.split("\n")) if t] if "\n" in raw else []
            cells[(cell.row, cell.col)] = Reading(text=text, score=1.0, n_lines=raw.count("\n") + 1 if raw else 0,
                                                  lines=lines if len(lines) > 1 else [])
            fonts = frozenset(c.font for c in cs if c.font)
            if cs and all(c.font for c in cs) and raw.count("\n") == 0:  # no ideograph: an amount, a code …
                numeric.append(NumericCell(text, (min(c.x0 for c in cs), min(c.y0 for c in cs),
                                                  max(c.x1 for c in cs), max(c.y1 for c in cs)), fonts))
        readings.append(GridReading(g, cells))
    reading = PageReading(page.number, "text", page.width, page.height, page.dpi, 0.0, readings,
                          _outside_lines(chars, grids), page.rotation)
    reading.doubts = shape_doubts([r.text for gr in readings for r in gr.cells.values()], check)
    if not reading.doubts and recognize is not None and page.font_trust is not None and numeric:
        reading.doubts = verify_digits(numeric, page.region, recognize, page.font_trust, check)
    return reading


# ---------------------------------------------------------------------------------------------- OCR

@dataclass(frozen=True)
class ReadSettings:
    low_ocr: float = 0.90  # weakest character below this → reason low_ocr
    # a line of a cell under a colourless seal, or of any cell on a worn photocopy, read below this is read again
    # from the page before its seal's dither and watermark were lifted, and that reading kept when it is longer
    # than one character and its weakest character surer by unlift_margin and at least unlift_least, or surer
    # and an amount where the first is none (_unlifted)
    unlift_below: float = 0.9
    unlift_margin: float = 0.2
    unlift_least: float = 0.7
    # a worn page's line is read again from the scan with the scan's ink beside it (darker than scan_ink_level,
    # no further apart than the line is high), no nearer its cell's walls than reread_margin_mm (_widened)
    reread_margin_mm: float = 0.6
    scan_ink_level: int = 200
    min_ink: int = 12  # pixels of ink below which a cell is empty
    pad: int = 4
    dash_score: float = 0.97  # a lone dash is measured, not recognised: its length decides — / —— / -
    # a text line of a cell under a seal or the watermark whose darkest pixel is lighter than both
    # ``remnant_level`` and the page's typical line's darkest + ``remnant_margin`` is what their removal left
    # (grey strokes beside the print, read “1”, “F E”, “蒸”): print has dark ink, so it is not read
    remnant_level: int = 150
    remnant_margin: int = 100
    # a page of prose (no table on it, past the front matter the document's metadata comes from) has its
    # paragraphs' full lines read only at their head, this many line heights: nothing is taken from the
    # middle of a sentence (a title quoted in prose is not a title), and a line costs the recogniser its width
    # (0: read every line whole)
    prose_head_ems: int = 6
    prose_tail_ems: int = 3  # … and their tail, this many: a line ending in figures is read whole (0: no tail)
    front_pages: int = 3
    min_line_mm: float = 1.2  # a band of ink outside the tables lower than this is no text (smallest print ~1.8)


def _ink_bands(binary: np.ndarray, min_gap: int, min_h: int, valleys: bool = False) -> list[tuple[int, int]]:
    """Runs of rows containing ink, merged across gaps smaller than ``min_gap``; a band lower than
    ``min_h`` is kept only when it is wide (a dash “——”, not a speck). A band that falls apart into text
    lines once specks (blobs of a few pixels) are left out is those lines: scanner noise between two wrapped
    lines of a cell must not join them into one band. ``valleys`` (a cell's text): a band is also cut where only
    specks cross the gap between two lines (:func:`_split_at_valleys`)."""
    out = []
    bands = _split_at_specks(binary, _runs(np.flatnonzero(binary.any(axis=1)), min_gap), min_gap, min_h)
    if valleys:
        bands = [part for band in bands for part in _split_at_valleys(binary, band, min_h)]
    for a, b in bands:
        if b - a >= min_h:
            out.append((a, b))
            continue
        cols = np.flatnonzero(binary[a:b].any(axis=0))
        if cols.size and cols[-1] - cols[0] >= 3 * min_h and (binary[a:b, cols[0]:cols[-1] + 1].any(axis=0)).mean() > 0.5:
            out.append((a, b))
    return out


def _dense_lines(binary: np.ndarray, band: tuple[int, int], line_h: int, gap: int,
                 over: float = 3.0) -> list[tuple[int, int]]:
    """The text lines inside a band too tall to be one (the strokes of a watermark, dark as print on a
    stretched photocopy, run between the lines and join them; the dashes a worn table's row rules left):
    rows holding ``over`` times the ink of the band's typical row (the watermark's level; at least two line
    heights of pixels) joined across ``gap``, each grown out to where its ink falls back to that level, at
    least ``line_h`` high. Ink less than three pixels tall (a rule's remains) is not counted.

    A lighter line among heavier ones (a table's 栏次 row, 栏次 | 1 | 2 | 3, under its header's labels; the
    typical row is then one of text) is found between the band's empty rows: a run of rows with ink, paper
    (a tenth of the typical row, or less) above and below it, one line high — never more than the tallest
    dense line or four ``line_h`` (a run the watermark's strokes join to others is taller)."""
    import cv2

    a, b = band
    count = (cv2.morphologyEx((binary[a:b] > 0).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 1), np.uint8))
             > 0).sum(axis=1)
    floor = float(np.median(count))
    dense = np.flatnonzero(count >= max(2 * line_h, over * floor))
    out = []
    for y0, y1 in _runs(dense, gap):
        while y0 > 0 and y1 - y0 < 4 * line_h and count[y0 - 1] > 1.5 * floor:
            y0 -= 1
        while y1 < count.size and y1 - y0 < 4 * line_h and count[y1] > 1.5 * floor:
            y1 += 1
        if y1 - y0 >= line_h and (a + y0, a + y1) not in out:
            out.append((a + y0, a + y1))
    tallest = max([4 * line_h] + [y1 - y0 for y0, y1 in out])
    paper = max(2.0, 0.1 * floor)
    for y0, y1 in _runs(np.flatnonzero(count > paper), 1):
        if line_h <= y1 - y0 <= tallest and count[y0:y1].max() >= 2 * line_h \
                and not any(a + y0 < q and p < a + y1 for p, q in out):
            out.append((a + y0, a + y1))
    return sorted(out)


def _stroke_reading(text: str, score: float, settings: ReadSettings) -> bool:
    """What OCR makes of a watermark's strokes: letters, a digit or a lone character — no two Chinese
    characters, no amount or code — read below ``low_ocr``."""
    return score < settings.low_ocr and not re.search(r"[\u4e00-\u9fff]{2}|\d[.．]\d|\d{3}", text)


def _marks_only(text: str) -> bool:
    """Letters and marks, no ideograph and no digit: read weakly on its own outside the tables, a stroke of the
    watermark or a seal (“Z” beside a worn photocopy's title), not a line of the page."""
    return not re.search(r"[\u4e00-\u9fff\d]", text)


def _split_at_specks(binary: np.ndarray, bands: list[tuple[int, int]], min_gap: int,
                     min_h: int) -> list[tuple[int, int]]:
    """``bands`` with each one tall enough for two lines replaced by its lines when, without specks, it
    splits into parts that are all text-line tall (a band that does not split stays exactly as it was)."""
    import cv2

    out = []
    for a, b in bands:
        if b - a < 4 * min_h:
            out.append((a, b))
            continue
        ink = binary[a:b] > 0
        n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
        speck = stats[:, cv2.CC_STAT_AREA] <= max(1, min_h // 3) ** 2
        speck[0] = False
        parts = _runs(np.flatnonzero((ink & ~speck[labels]).any(axis=1)), min_gap) if speck.any() else []
        if len(parts) > 1 and all(y1 - y0 >= 2 * min_h for y0, y1 in parts):
            out.extend((a + y0, a + y1) for y0, y1 in parts)
        else:
            out.append((a, b))
    return out


def _split_at_valleys(binary: np.ndarray, band: tuple[int, int], min_h: int,
                      share: float = 0.25) -> list[tuple[int, int]]:
    """``band`` as its text lines where specks run across the gap between two of them and join them: a seal's
    dotted ring crossing a wrapped text (“工伤职工待遇正常发 | 放”), the descenders of “app” reaching down to the
    line below. The band is cut at a row of little ink — at most ``share`` of the heaviest row on either side —
    that only specks touch (blobs of at most ``min_h``² pixels: no stroke of a character crosses it, as the
    stem of 天 or 十 crosses the rows between its bars) when both parts, trimmed to their ink, are a text
    line high — ``3 min_h``, a tenth of an inch: the characters of 9 pt type — and hold print
    (:func:`_holds_print`): a seal's strokes above or below a word (“良好 | Lt”, “2 | 明显”, “入 | 100%”) are no
    line of their own. The parts are cut again."""
    import cv2

    a, b = band
    if b - a < 4 * min_h:
        return [band]
    ink = binary[a:b] > 0
    count = ink.sum(axis=1)
    inner = np.arange(2 * min_h, b - a - 2 * min_h)
    if inner.size == 0:
        return [band]
    _n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    area = stats[:, cv2.CC_STAT_AREA]
    for y in inner[np.argsort(count[inner], kind="stable")]:
        y = int(y)
        if count[y] > share * min(count[:y].max(), count[y + 1:].max()):
            break
        if (area[labels[y][ink[y]]] > min_h * min_h).any():
            continue  # a character's stroke crosses this row
        parts = []
        for y0, y1 in ((0, y), (y + 1, b - a)):
            rows = np.flatnonzero(count[y0:y1])
            if rows.size and rows[-1] + 1 - rows[0] >= 3 * min_h and _holds_print(labels[y0:y1], stats, min_h):
                parts.append((a + y0 + int(rows[0]), a + y0 + int(rows[-1]) + 1))
        if len(parts) == 2:
            return [p for part in parts for p in _split_at_valleys(binary, part, min_h, share)]
    return [band]


def _holds_print(labels: np.ndarray, stats: np.ndarray, min_h: int) -> bool:
    """Rows of a band (their component labels) hold print, not only a seal's or the watermark's remnants: a
    component lying in them, a character's height (``1.5 min_h``), and ``min_h``² pixels of ink at least."""
    import cv2

    inside = np.unique(labels[labels > 0])
    tall = stats[inside, cv2.CC_STAT_HEIGHT] >= 1.5 * min_h
    return bool(tall.any()) and int((labels > 0).sum()) >= min_h * min_h


def _text_extent(band: np.ndarray, gap: int, min_share: float = 0.2) -> tuple[int, int] | None:
    """[x0, x1) of the text in ``band`` (the rows of a cell's text): runs of inked columns joined across
    gaps up to ``gap``, a run kept when its ink is at least ``min_share`` of the heaviest run's. Specks and
    the thin strokes of a dithered seal or a watermark beside the text (a 1-bit scan) are not text: they
    would put the text against the rule (see :mod:`pipeline.headercheck`, a label cut by a rule)."""
    mass = (band > 0).sum(axis=0)
    runs = _runs(np.flatnonzero(mass), gap)
    if not runs:
        return None
    ink = [int(mass[a:b].sum()) for a, b in runs]
    kept = [r for r, m in zip(runs, ink) if m >= min_share * max(ink)]
    return kept[0][0], kept[-1][1]


def _strip_rules(binary: np.ndarray) -> np.ndarray:
    """Clear rows/columns at a crop's edges that are mostly ink (remains of the cell's rules)."""
    b = binary.copy()
    h, w = b.shape
    for i in range(min(4, h)):
        if b[i].mean() > 0.5 * 255:
            b[i] = 0
        if b[h - 1 - i].mean() > 0.5 * 255:
            b[h - 1 - i] = 0
    for edge in (slice(0, 4), slice(max(0, w - 4), w)):
        cols = b[:, edge]
        full = cols.mean(axis=0) > 0.5 * 255
        cols[:, full] = 0
    # a rule crossing the crop (one too broken to split the cells): rows inked over most of the width
    if w >= 8:
        crossing = (b > 0).mean(axis=1) > 0.7
        b[crossing] = 0
    return b


def _rule_remnants(sub: np.ndarray, dpi: int) -> np.ndarray:
    """``sub`` (a cell's crop, ink = 255) without the pieces of rules that run into it on a skewed or bowed
    scan, where a straight box cannot follow a slanting rule: a thin horizontal stroke longer than a character
    above or below the middle half of the crop, or touching its left or right side (a printed dash stands in
    the middle, away from the walls), and a thin upright stroke touching its left or right side (the column
    rule leaning in). Read, they give “____” after a label and “1” in an empty cell."""
    import cv2

    h, w = sub.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats((sub > 0).astype(np.uint8), connectivity=8)
    if n < 2:
        return sub
    thin = max(3, dpi // 60) + 1
    long = 1.2 * dpi * 10.5 / 72.0
    gone, rules = [], []
    for k in range(1, n):
        x, y, bw, bh = (int(v) for v in stats[k, :4])
        at_side = x <= 1 or x + bw >= w - 1
        flat = bh <= thin and bw >= long and (at_side or y + bh / 2 < 0.25 * h or y + bh / 2 > 0.75 * h)
        if flat or (bw <= thin and bh > bw and at_side):
            gone.append(k)
            if flat:
                rules.append((y, y + bh))
    # the rest of a rule worn into pieces: thin flat pieces in line with one of those
    gone += [k for k in range(1, n) if k not in gone and stats[k, 3] <= thin
             and any(stats[k, 1] <= b and stats[k, 1] + stats[k, 3] >= a for a, b in rules)]
    if not gone:
        return sub
    out = sub.copy()
    out[np.isin(labels, gone)] = 0
    return out


def _runs(indices: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """Sorted indices → [start, end) runs, joined across gaps up to ``gap``."""
    if indices.size == 0:
        return []
    runs = []
    start = prev = int(indices[0])
    for i in indices[1:]:
        i = int(i)
        if i - prev > gap:
            runs.append((start, prev + 1))
            start = i
        prev = i
    runs.append((start, prev + 1))
    return runs


def _segments_in_band(band: np.ndarray, gap: int) -> list[tuple[int, int]]:
    return _runs(np.flatnonzero(band.any(axis=0)), gap)


def _paragraph_lines(mask: np.ndarray, lines: list[tuple[int, int, int, int]], min_lines: int = 3
                     ) -> tuple[dict[int, int], int, int]:
    """Which of a page's text lines (band top, bottom, left, right) are a paragraph's full lines: across the
    text block from its left edge (or an indent of two characters) to its right edge, dense with ink all along
    (characters, not a contents page's dotted leaders). The block's edges are where most lines start and end
    (a watermark's strokes in the margin run on from some lines: they are not its edges). Returns each full
    line's index → where its text starts, the lines' height and the block's right edge; fewer than
    ``min_lines`` full lines: none (a page of headings, a cover)."""
    W = mask.shape[1]
    if not lines:
        return {}, 0, W
    em = int(np.median([b - a for a, b, _, _ in lines]))
    wide = [l for l in lines if l[3] - l[2] >= 0.3 * W]

    def edge(values: list[int]) -> tuple[int, int]:  # the most shared value (within a line height), its count
        return max(((v, sum(abs(u - v) <= em for u in values)) for v in values), key=lambda vc: vc[1], default=(0, 0))

    (left, n_left), (right, n_right) = edge([l[2] for l in wide]), edge([l[3] for l in wide])
    if min(n_left, n_right) < min_lines or right - left < 0.5 * W:
        return {}, em, right

    def dense(a: int, b: int, x0: int, x1: int) -> bool:
        return mask[a:b, x0:x1].any(axis=0).mean() >= 0.5

    full = {}
    for k, (a, b, c0, c1) in enumerate(lines):
        x0, x1 = max(c0, left - em), min(c1, right + em)
        if c0 <= left + 3 * em and c1 >= right - em and dense(a, b, x0, x1):
            full[k] = x0
    if len(full) < min_lines:
        return {}, em, right
    # a paragraph's last line: from the left edge, under a full line, across half the block at least
    above = None
    for k in sorted(range(len(lines)), key=lambda k: lines[k][0]):
        a, b, c0, c1 = lines[k]
        if c1 - c0 < 0.3 * W:
            continue  # (a speck, a page number: not the line above the next)
        x0 = max(c0, left - em)
        if k not in full and above in full and abs(x0 - left) <= em and c1 - x0 >= 0.5 * (right - left) \
                and dense(a, b, x0, c1):
            full[k] = x0
        above = k
    return full, em, right


def _head_end(band: np.ndarray, c0: int, c1: int, length: int) -> int:
    """Where a line's head of about ``length`` pixels ends: at the first blank column after it (between two
    characters), or at ``length`` when the characters touch."""
    end = c0 + length
    if end >= c1:
        return c1
    blank = np.flatnonzero(~band[:, end:min(c1, end + length // 4)].any(axis=0))
    return end + int(blank[0]) if blank.size else end


def _tail_start(band: np.ndarray, c0: int, c1: int, length: int) -> int:
    """Where a line's tail of about ``length`` pixels starts: at the last blank column before it."""
    start = c1 - length
    if start <= c0:
        return c0
    blank = np.flatnonzero(~band[:, max(c0, start - length // 4):start].any(axis=0))
    return max(c0, start - length // 4) + int(blank[-1]) if blank.size else start


def _figures(text: str) -> bool:
    """A text of figures (digits, their separators and signs), as a table's row is, not a sentence."""
    t = re.sub(r"\s+", "", text)
    return bool(t) and not re.search(r"[\u4e00-\u9fff]", t) \
        and sum(ch.isdigit() or ch in ",，.．-−%" for ch in t) >= 0.8 * len(t)


def read_ocr(page: SourcePage, clean, grids: list[Grid], recognizer, settings: ReadSettings = ReadSettings()) -> PageReading:
    """OCR every non-empty cell and the text lines around the tables of a preprocessed page."""
    import cv2

    gray, binary = clean.gray, clean.binary
    H, W = gray.shape
    dpi = page.dpi
    jobs: list[tuple[object, np.ndarray]] = []  # (target, crop)
    cell_lines: dict[tuple[int, tuple[int, int]], list[int]] = {}
    dashes: dict[tuple[int, tuple[int, int]], str] = {}
    centres: dict[int, float] = {}
    slashes: set[tuple[int, tuple[int, int]]] = set()
    chevrons: dict[tuple[int, tuple[int, int]], str] = {}
    heights: list[int] = []  # the heights of the text bands of the page's cells
    sealed_tall: dict[tuple[int, tuple[int, int]], int] = {}  # cells under a seal: their tallest band
    margins: dict[tuple[int, tuple[int, int]], tuple[int, int]] = {}
    equals: set[tuple[int, tuple[int, int]]] = set()
    led: set[tuple[int, tuple[int, int]]] = set()  # cells whose text begins with a dash
    darkest: dict[int, int] = {}  # job → its crop's darkest pixel
    # job → its box: a cell's line under a colourless seal, or any cell's line of a worn page (see _unlifted)
    lifted: dict[int, tuple[int, ...]] = {}  # (a worn line: and the x-range of the scan's ink beside it)
    grid_cells: dict[tuple[int, tuple[int, int]], GridCell] = {}
    inset = max(2, dpi // 60)
    scan_gray = None  # a worn page's scan, grey (see _unlifted)
    for gi, g in enumerate(grids):
        for cell in g.cells:
            x0, y0, x1, y1 = cell.bbox
            x0, y0, x1, y1 = x0 + inset, y0 + inset, x1 - inset, y1 - inset
            if x1 - x0 < 4 or y1 - y0 < 4:
                continue
            sub = _rule_remnants(_strip_rules(binary[y0:y1, x0:x1]), dpi)
            if int((sub > 0).sum()) < settings.min_ink:
                faint = _small_dash(sub, dpi) or _faint_dash(gray[y0:y1, x0:x1], dpi)
                if faint:
                    dashes[(gi, (cell.row, cell.col))] = faint
                continue
            # (under a seal its strokes are as dark and as large as print: a valley there does not tell a line
            # of text from a stroke above or below the word, “2 | 明显”, “入 | 100%”)
            sealed = "seal" in _mask_reasons(clean, cell, inset)
            bands = _ink_bands(sub, min_gap=max(2, dpi // 40), min_h=max(4, dpi // 30), valleys=not sealed)
            heights.extend(b - a for a, b in bands)
            if sealed and bands:
                sealed_tall[(gi, (cell.row, cell.col))] = max(b - a for a, b in bands)
            extent = _text_extent(sub[bands[0][0]:bands[-1][1]], max(2, dpi // 40)) if bands else None
            if extent is not None:
                margins[(gi, (cell.row, cell.col))] = (extent[0], int(sub.shape[1] - extent[1]))
            idx = []
            dash = _small_dash(sub, dpi)  # a hyphen is too short to be a band (with specks above and below it
            # it makes one, which OCR then reads as nothing)
            if dash and bands:
                dashes[(gi, (cell.row, cell.col))] = dash
            for (a, b) in bands:
                cols = np.flatnonzero(sub[a:b].any(axis=0))
                if cols.size == 0:
                    continue
                cx0, cx1 = int(cols[0]), int(cols[-1]) + 1
                if len(bands) == 1 and b - a < max(4, dpi // 30):
                    kind = _thin_band(sub, a, b, cx0, cx1, settings.min_ink)
                    if kind == "dash":
                        dash = _dash_text(cx1 - cx0, dpi)  # a rule-like stroke alone in the cell: “——”, “—”, “-”
                        continue
                    if kind == "rule":
                        continue  # the remnant of a rule running in from the cell's wall: nothing printed
                    # worn print (the feet of faded digits): the cell's ink is read as one line
                    rows = np.flatnonzero(sub.any(axis=1))
                    a, b = int(rows[0]), int(rows[-1]) + 1
                    cols = np.flatnonzero(sub[a:b].any(axis=0))
                    cx0, cx1 = int(cols[0]), int(cols[-1]) + 1
                if len(bands) == 1 and _lone_slash(sub[a:b], dpi):
                    dash = "/"  # “/” (not applicable) alone in a cell: OCR reads it as 1 or l
                    continue
                if len(bands) == 1 and _lone_slash(_largest_blob(sub[a:b]), dpi):
                    slashes.add((gi, (cell.row, cell.col)))  # a “/” beside remnants (of a seal): see below
                if len(bands) == 1 and (op := _lone_chevron(sub[a:b], dpi)):
                    chevrons[(gi, (cell.row, cell.col))] = op  # “>”, “≥” … alone in the cell: see below
                if not idx and _leading_equals(sub[a:b, cx0:cx1]):
                    equals.add((gi, (cell.row, cell.col)))  # the cell's text begins with “=”: see below
                elif not idx and _leading_dash(sub[a:b, cx0:cx1]):
                    led.add((gi, (cell.row, cell.col)))  # … with a dash “—”: see below
                pad = settings.pad
                ya, yb = max(0, y0 + a - pad), min(H, y0 + b + pad)
                xa, xb = max(0, x0 + cx0 - pad), min(W, x0 + cx1 + pad)
                idx.append(len(jobs))
                if clean.worn:  # (read again with the scan's ink beside it: cleaning may have lifted a digit)
                    if scan_gray is None:
                        scan_gray = cv2.cvtColor(clean.color, cv2.COLOR_BGR2GRAY) if clean.color.ndim == 3 \
                            else clean.color
                    reach = int(round(settings.reread_margin_mm * dpi / 25.4))
                    lifted[len(jobs)] = (ya, yb, xa, xb) + _widened(scan_gray[ya:yb], xa, xb, x0 + reach,
                                                                    x1 - reach, gap=b - a,
                                                                    level=settings.scan_ink_level, pad=pad)
                elif sealed and clean.colourless_seals is not None and clean.colourless_seals[ya:yb, xa:xb].any():
                    lifted[len(jobs)] = (ya, yb, xa, xb)
                jobs.append(((gi, (cell.row, cell.col)), gray[ya:yb, xa:xb]))
                centres[len(jobs) - 1] = (ya + yb) / 2.0
                darkest[len(jobs) - 1] = int(jobs[-1][1].min())
            if idx:
                cell_lines[(gi, (cell.row, cell.col))] = idx
                grid_cells[(gi, (cell.row, cell.col))] = cell
            elif dash:
                dashes[(gi, (cell.row, cell.col))] = dash
            elif not bands and (faint := _faint_dash(gray[y0:y1, x0:x1], dpi)):
                dashes[(gi, (cell.row, cell.col))] = faint  # (a dash worn into pieces too thin for a band)
    emptied = _drop_remnant_lines(clean, cell_lines, grid_cells, darkest, (equals, led), inset, settings)
    two_lines = _lines_joined(sealed_tall, heights)
    # text outside the tables
    mask = binary.copy()
    for g in grids:
        x0, y0, x1, y1 = g.bbox
        mask[max(0, y0 - 3):y1 + 3, max(0, x0 - 3):x1 + 3] = 0
    outside_boxes = []
    line_h = max(4, dpi // 30)
    bands = [(band, False) for band in _ink_bands(mask, min_gap=max(2, dpi // 40), min_h=line_h)]
    # a worn photocopy keeps its watermark as ink, and so does a 1-bit scan (dithered, black as print): its
    # strokes join the lines around the tables into one band too tall for a line, whose lines are found
    bands = [(line, tall) for band, _ in bands for tall in [band[1] - band[0] > dpi // 2]
             for line in (_dense_lines(mask, band, line_h, max(2, dpi // 40)) if tall else [band])]
    # lines found among a watermark's strokes (inside a band too tall for a line): a stroke beside them is read as
    # a "line" — weakly, or as letters and marks only (“X” at 0.903 above a worn page's title): neither is kept
    watermarked = set()
    thinnest = settings.min_line_mm * dpi / 25.4
    segments = [((a, b), (c0, c1), split) for (a, b), split in bands
                # (taller: not a text line — a picture, a seal remnant; thinner: a rule's remnant, read “一一”)
                if thinnest <= b - a <= dpi // 2
                for (c0, c1) in _segments_in_band(mask[a:b], gap=max(3 * (b - a), dpi // 4)) if c1 - c0 >= line_h]
    prose, em, right = ({}, 0, W) if grids or page.number <= settings.front_pages or not settings.prose_head_ems \
        else _paragraph_lines(mask, [(a, b, c0, c1) for (a, b), (c0, c1), _ in segments])
    heads: dict[int, tuple[int, int, int, int]] = {}  # job → the whole line's box, for a line read at its head
    tails: dict[int, int] = {}  # job of a head → job of its line's tail
    for k, ((a, b), (c0, c1), split) in enumerate(segments):
        box = (max(0, c0 - 4), max(0, a - 4), min(W, c1 + 4), min(H, b + 4))
        if split:
            watermarked.add(len(jobs))
        outside_boxes.append((box, len(jobs)))
        if k in prose:
            heads[len(jobs)] = box
            end = _head_end(mask[a:b], prose[k], c1, settings.prose_head_ems * em)
            jobs.append((None, gray[box[1]:box[3], max(box[0], prose[k] - 4):min(W, end + 4)]))
            # and its tail, at the text block's right edge (a watermark's strokes may run on into the margin)
            last = min(c1, right + em // 2)
            if settings.prose_tail_ems and last - end > em:
                tails[len(jobs) - 1] = len(jobs)
                start = _tail_start(mask[a:b], end, last, settings.prose_tail_ems * em)
                jobs.append((None, gray[box[1]:box[3], max(0, start - 4):min(W, last + 4)]))
        else:
            jobs.append((None, gray[box[1]:box[3], box[0]:box[2]]))
    results = recognizer.recognize([crop for _, crop in jobs]) if jobs else []
    results, unlifted = _unlifted(clean, lifted, results, recognizer, settings, scan_gray)
    apart: dict[int, str] = {}  # line → its reading with the strokes apart from its number (an alternative)
    # (not in a cell over two columns or more: there the stroke may be a 行次 printed beside the amount, its
    # column line lost — assembly gives each column its own)
    spanning = {i for key, idx in cell_lines.items() if grid_cells[key].colspan > 1 for i in idx}
    for i, r in enumerate(results):
        if i in spanning:
            continue
        kept = _without_strokes_apart(r)
        if kept is not r:
            apart[i], results[i] = r.text, kept
    # a head or a tail that reads as figures is no sentence's: a table's row printed without rules, its label
    # and amounts one line of ink (“合计 2,961.68 2,100.00 …” with narrow gaps) — read whole
    whole = [i for i in heads if _figures(results[i].text) or (i in tails and _figures(results[tails[i]].text))]
    if whole:
        again = recognizer.recognize([gray[heads[i][1]:heads[i][3], heads[i][0]:heads[i][2]] for i in whole])
        for i, r in zip(whole, again):
            results[i] = r
            del heads[i]
    heights_of = [max(1, crop.shape[0] - 2 * settings.pad) for _, crop in jobs]  # the lines' bands
    readings = []
    for gi, g in enumerate(grids):
        cells = {}
        for cell in g.cells:
            key = (cell.row, cell.col)
            idx = cell_lines.get((gi, key))
            if not idx:
                dash = dashes.get((gi, key), "")
                reasons = _mask_reasons(clean, cell, inset)
                if (gi, key) in emptied:
                    reasons.append("seal_speck")  # every line left out as a remnant: empty, but reviewed
                cells[key] = Reading(dash, settings.dash_score if dash else 1.0, n_lines=1 if dash else 0,
                                     reasons=reasons)
                continue
            every = idx
            idx, stroke_lines = _without_stroke_lines(idx, results, settings, heights=heights_of)
            lines = [results[i] for i in idx]
            if idx[0] != every[0]:  # (the leading “=” or dash was measured on the line left out)
                equals.discard((gi, key))
                led.discard((gi, key))
            first = _with_equals(lines[0].text) if (gi, key) in equals \
                else _with_dash(lines[0].text) if (gi, key) in led else lines[0].text
            text = clean_cell_text("\n".join([first] + [l.text for l in lines[1:]]))
            if not text and dashes.get((gi, key)):  # OCR saw nothing where a lone dash is
                cells[key] = Reading(dashes[(gi, key)], settings.dash_score, n_lines=1,
                                     reasons=_mask_reasons(clean, cell, inset))
                continue
            reasons = _mask_reasons(clean, cell, inset)
            if not text and (gi, key) not in two_lines and _watermark_strokes(reasons, clean.worn):
                cells[key] = Reading("", 1.0, reasons=reasons)
                continue
            # (a line of ink the recogniser reads as nothing — a seal's or the watermark's stroke over or beside
            # the digits — has no characters to score: the cell is in doubt, not guessed)
            read = [l for l in lines if l.text.strip()]
            score = min((l.min_score for l in read), default=0.0) if text else 0.0
            if text and len(read) < len(lines):
                score = min(score, settings.low_ocr / 2)
            alts: list[Alternative] = []
            if len(lines) == 1:
                alts = [Alternative(clean_cell_text(a.text), a.confidence, a.source)
                        for a in lines[0].alternatives()]
            if stroke_lines:  # what was read with the strokes stays as the alternative
                alts = [Alternative(clean_cell_text(stroke_lines), min(results[i].min_score for i in every),
                                    "ocr")] + alts
            if len(lines) == 1 and idx[0] in apart:  # (the reading with a stroke apart before the number)
                alts = [Alternative(clean_cell_text(apart[idx[0]]), score, "ocr")] + alts
            if len(lines) == 1 and idx[0] in unlifted:  # (the page's other readings of the line: _unlifted)
                alts = alts + [Alternative(clean_cell_text(o.text), o.min_score, "ocr") for o in unlifted[idx[0]]]
            if first != lines[0].text:  # the recogniser's own reading stays as the alternative
                alts = [Alternative(clean_cell_text("\n".join(l.text for l in lines)), score, "ocr")] + \
                    [a for a in alts if a.text != text]
            if (gi, key) in slashes and text in _SLASH_READINGS:
                # its largest stroke leans like “/” while OCR saw an upright stroke: “/”, in doubt
                alts = [Alternative(text, score, "ocr")] + [a for a in alts if a.text != text]
                text, score = "/", min(score, settings.low_ocr / 2)
            if (gi, key) in chevrons and len(text) == 1 and text not in _CHEVRON_TEXTS:
                # a lone chevron (with a bar under it or not) read as a letter or a character (＞ read “V”, seed
                # 004's 指标性质): the operator its shape is, in doubt, the reading kept as the alternative
                alts = [Alternative(text, score, "ocr")] + [a for a in alts if a.text != text]
                text, score = chevrons[(gi, key)], min(score, settings.low_ocr / 2)
            if (gi, key) in two_lines:
                score = min(score, settings.low_ocr / 2)
            if score < settings.low_ocr:
                reasons.append("low_ocr")
            if (gi, key) in led and first != lines[0].text:
                reasons.append("format")  # the dash measured against the recogniser's word: reviewed (in
                # another face 一 may sit lower, or a dash higher, than in the ones measured)
            parts = [(clean_cell_text(results[i].text), centres[i], results[i].min_score) for i in idx]
            stacked = [t for t, _, _ in parts if t]
            cells[key] = Reading(text, score, alts, reasons, n_lines=len(lines), parts=parts,
                                 lines=stacked if len(stacked) > 1 else [], margins=margins.get((gi, key)))
        for cell in g.cells:  # a side of the cell inferred from the text (pipeline.textgrid), not ruled
            if g.inferred and (cell.row, cell.col) in cells and g.inferred_sides(cell.bbox, tol=max(2.0, dpi / 50)):
                cells[(cell.row, cell.col)].reasons.append("rule_missing")
        readings.append(GridReading(g, cells))
    lines_out = [TextLine(clean_cell_text(results[i].text), box, results[i].min_score, partial=i in heads)
                 for box, i in outside_boxes if results[i].text.strip()
                 and not ((i in watermarked or _marks_only(results[i].text))
                          and _stroke_reading(results[i].text, results[i].min_score, settings))
                 and not (i in watermarked and _marks_only(results[i].text))]
    return PageReading(page.number, "ocr", W, H, dpi, clean.skew, readings, lines_out, page.rotation,
                       list(page.text_doubts))


# a cell's text line that reads as a whole amount or code: digits with their separators, a sign before them
_NUMBER_LINE = re.compile(r"^[-−]?\d[\d,，.．]*\d$|^\d$")
# a line of bars only — a broken rule's pieces read as 一一, ——, _ — sure or not (or of nothing at all)
_RULE_PIECES = re.compile(r"^[\s一—\-_－~＿–]*$")


def _without_stroke_lines(idx: list[int], results: list, settings: ReadSettings,
                          heights: list[int] | None = None) -> tuple[list[int], str]:
    """The text lines of a cell (``idx``, into ``results``) without those that are a stroke's reading, when the
    rest is one amount or code read sure: the remnant of a broken row rule, a watermark's stroke or a
    neighbour's descenders, cut into the cell as a band of their own above or below its number, read as marks
    or a stray digit, weakly, or as bars (real guihua photocopy150: “一 | 2080502”, “11 | 9746.50”, “1__ | 289.59”,
    “2200199 | 二”). A number's digits sit on one line, so no band of its own holds one of them. Returns
    the lines kept and the cell's text as read with every line (``""`` when none was left out). With the
    lines' crop ``heights``, a short reading (three characters at most, no two ideographs) from a band not two
    thirds of the number's height is a stroke too, however sure: print in a number's cell is as tall as its
    digits, and two leaning strokes read as a sure “11”."""
    if len(idx) < 2:
        return idx, ""
    sure = [i for i in idx if _NUMBER_LINE.match(results[i].text.strip()) and results[i].min_score >= settings.low_ocr]
    if heights is not None and len(sure) > 1:  # the number is the tallest; a short one (“11”) may be strokes
        sure = [max(sure, key=lambda i: (heights[i], len(results[i].text)))]
    if len(sure) != 1:
        return idx, ""

    def low(i: int) -> bool:
        return (heights is not None and 3 * heights[i] < 2 * heights[sure[0]] and len(results[i].text.strip()) <= 3
                and not re.search(r"[\u4e00-\u9fff]{2}", results[i].text))

    def stroke(i: int) -> bool:  # (an amount read weakly, “0,00”, is another row's amount: a row rule lost)
        text = results[i].text
        return bool(_RULE_PIECES.match(text)) or low(i) or (
            _stroke_reading(text, results[i].min_score, settings) and not re.search(r"\d[.,，．]\d", text))

    strokes = [i for i in idx if i not in sure and stroke(i)]
    if len(sure) + len(strokes) != len(idx):
        return idx, ""
    return sure, "\n".join(results[i].text for i in idx)


_STROKE_CHARS = re.compile(r"^[1lIij|!丨7/\\.,，．一\-—_]{1,2}$")


def _without_strokes_apart(line, min_steps: float = 8.0, pitches: float = 3.0):
    """A line read as a number with one or two stroke-like characters (1, 7, l, i, |, a point) far before or after
    it — further from its digits than ``pitches`` times their own pitch, ``min_steps`` of the recogniser's steps
    at least — without them: a rule's remnant or a watermark's stroke inside the cell, read with the number
    on one line (seed-45 photocopy150 nanyang 公开03表: “10.00”, “1.0.00”, “70.00” for 0.00, the 1 read 26
    steps before a 0 whose digits are 2.5 apart). Digits of one number are evenly spaced; nothing prints a
    number's first digit a column's width before the rest. The line itself when there is none."""
    chars = [c for c in line.chars if c.char.strip()]
    if len(chars) < 3:
        return line
    for cut in (1, 2, len(chars) - 2, len(chars) - 1):  # (the stroke before the number, or after it)
        if not 0 < cut < len(chars):
            continue
        head, rest = (chars[:cut], chars[cut:]) if cut <= 2 else (chars[cut:], chars[:cut])
        if len(rest) < 3 or not _STROKE_CHARS.match("".join(c.char for c in head)):
            continue
        inner = [b.at - a.at for a, b in zip(rest, rest[1:])]
        pitch = float(np.median(inner))
        gap = chars[cut].at - chars[cut - 1].at
        text = "".join(c.char for c in rest)
        if gap >= max(min_steps, pitches * pitch) and max(inner) < pitches * pitch and _NUMBER_LINE.match(text):
            return LineReading(text, list(rest))
    return line


def _watermark_strokes(reasons: list[str], worn: bool) -> bool:
    """A cell in which the recogniser saw no character, under the watermark and no seal, holds the watermark's
    outline strokes, which a 1-bit scan keeps as black as print (seed-21 bilevel300: 17 such cells, all blank):
    it is read as a grey scan's cleared watermark is, an empty cell, not one in doubt. Not on a worn photocopy
    (``worn``), whose faded print under the watermark can read as nothing too."""
    return not worn and "watermark" in reasons and "seal" not in reasons


def _unlifted(clean, lifted: dict[int, tuple[int, ...]], results: list, recognizer,
              settings: ReadSettings, scan_gray: np.ndarray | None = None) -> tuple[list, dict[int, list[LineReading]]]:
    """``results`` with the lines of cells where cleaning lifts print's grey pixels (``lifted``: job → box) read
    unsurely (below ``unlift_below``) read again from the page before cleaning (``clean.color``, deskewed and
    stretched as the cleaned page is, its seal and watermark not lifted, its paper not levelled to white).

    Under a colourless seal: on a 1-bit scan the seal's dither is lifted before reading
    (:mod:`pipeline.preprocess`), and with it the grey pixels of thin digits' strokes at the render's
    resolution: seed-43 education's 499.75 under a seal read “4#+.7” at 0.24 from the cleaned page and
    “499.75” at 0.99 from the scan; 9,511.42 read “9.511.” at 0.41 and “9,511.42” at 0.50. On a worn
    photocopy, every cell: its faint print is as grey as the watermark's strokes (seed-41 education's digits
    ~150–200 after the stretch, the watermark's darkest 120–150), and where no darker core is near, the
    watermark's lifting and the paper's levelling take parts of digits: 1,801.63 read “1,801.23” and 4,408.12
    “4.408.n” from the cleaned page, both right from the stretched scan (at 0.96 and 0.74).

    That crop holds the seal's or the watermark's strokes, so its reading replaces the first only when it is
    longer than one character and surer — by ``unlift_margin`` and at least ``unlift_least``, or at all where
    it is an amount as printed and the first reading is none. A lone stroke reads “1” at 0.56 where the
    cleaned page read “U” at 0.27 (seed-21 agriculture photocopy150: a blank cell that then passed its sum,
    and a repair 3.32 → 0.32 made to hold it); a line the cleaned page read as nothing is the strokes alone
    (“A”). The cell keeps its ``seal`` or ``watermark`` reason and is scored on the reading it keeps: a weak
    one leaves it to its identities or a reviewer — which the reading not kept, returned by line, is there
    for as the cell's alternative: a second witness the identities may prove (seed-45 jincheng as a worn
    photocopy: 2,362.26 read “202.28” from the cleaned page and right from the scan, 3,857.52 read “3857.”).
    ``scan_gray``: the scan in grey where the page has it already (a worn page's), else each crop is converted.

    On a worn photocopy a third witness: the scan smoothed and stretched to its own ink (:func:`_smoothed`),
    cut across the scan's ink beside the line (``lifted``'s last two values, :func:`_widened`: cleaning may
    have lifted a first digit with the watermark). Where two of the three read one amount, that reading is
    kept (:func:`_agreed`), the others become its alternatives. The scan's own crop stays the cleaned line's:
    widened, it takes a neighbour's ink into codes (seed 45: 2013299 for 201329, row codes 98.9 → 97.1 %)."""
    import cv2

    again = [j for j in lifted if results[j].text.strip() and results[j].min_score < settings.unlift_below]
    if not again:
        return results, {}
    scan = clean.color

    def grey(box: tuple[int, int, int, int]) -> np.ndarray:
        ya, yb, xa, xb = box
        if scan_gray is not None:
            return scan_gray[ya:yb, xa:xb]
        crop = scan[ya:yb, xa:xb]
        return cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop

    readings = {j: [r] for j, r in zip(again, recognizer.recognize([grey(lifted[j][:4]) for j in again]))}
    # a worn line's third witness: the scan across the ink beside it, smoothed — where it can change what is
    # kept or add a reading of figures (not where the first two read alike, nor for words)
    third = [j for j in again if len(lifted[j]) > 4 and _undecided(results[j], readings[j][0])]
    crops = [_smoothed(grey(lifted[j][:2] + lifted[j][4:])) for j in third]
    for j, r in zip(third, recognizer.recognize(crops)):
        readings[j].append(r)
    results = list(results)
    other: dict[int, list[LineReading]] = {}
    for j in again:
        old, new = results[j], readings[j]
        kept = _agreed(old, new) if len(lifted[j]) > 4 else None
        if kept is None or kept is old and _amount_value(new[0].text) == _amount_value(old.text):
            # (the scan reads the first's amount, or none two agree on: between them as before)
            r, kept = new[0], old  # (the scan's reading as cut for the first: the smoothed one is a witness only)
            if len(r.text.strip()) >= 2 and r.min_score > old.min_score and (
                    r.min_score >= max(settings.unlift_least, old.min_score + settings.unlift_margin)
                    or _an_amount(r.text) and not _an_amount(old.text)):
                kept = r
        results[j] = kept
        seen = {kept.text}
        for r in [old] + new:  # (a lone stroke, “1”, is no witness)
            if r is not kept and len(r.text.strip()) >= 2 and r.text not in seen:
                other.setdefault(j, []).append(r)
                seen.add(r.text)
    return results, other


def _widened(rows: np.ndarray, c0: int, c1: int, lo: int, hi: int, gap: int, level: int, pad: int = 0
             ) -> tuple[int, int]:
    """The columns ``[c0, c1)`` of a line's ink on the cleaned page widened over the ink of the scan beside it
    (``rows``: the line's rows of the scan, grey; ink: two pixels darker than ``level`` in a column), run by run
    while no further than ``gap`` apart, within ``[lo, hi)`` (the cell's walls, with a margin), ``pad`` beyond
    the ink it took in. Cleaning a worn
    photocopy lifts a faint digit with the watermark (seed-45 jincheng: 2,362.26 read “362.26” from the scan
    cut to the cleaned page's ink); a rule's remnant at the wall is further off than a digit's gap."""
    ink = np.flatnonzero(((rows[:, max(0, lo):max(lo, hi)] < level).sum(axis=0) >= 2)) + max(0, lo)
    a, b = c0 + pad, c1 - pad  # (the line's ink, without its padding)
    for x in ink[ink < a][::-1]:
        if a - x > gap:
            break
        a = int(x)
    for x in ink[ink >= b]:
        if x - (b - 1) > gap:
            break
        b = int(x) + 1
    return min(c0, max(lo, a - pad)), max(c1, min(hi, b + pad))


def _smoothed(crop: np.ndarray) -> np.ndarray:
    """A grey line crop stretched from its own darkest print to its paper, and smoothed (3×3 Gaussian): a worn
    photocopy's grey, broken strokes joined again for the recogniser."""
    import cv2

    lo, hi = np.percentile(crop, [1, 99.5])
    out = np.clip((crop.astype(np.float32) - lo) * 255.0 / max(1.0, hi - lo), 0, 255).astype(np.uint8)
    return cv2.GaussianBlur(out, (3, 3), 0)


def _agreed(old: LineReading, new: list[LineReading]) -> LineReading | None:
    """The reading of a worn line two of its witnesses (``old``, from the cleaned page; ``new``, from the scan and
    from it smoothed, :func:`_unlifted`) agree on as one amount with two decimals (as interpretation will read
    it): ``old`` when another agrees with it, else the surer of two that agree — both surer than ``old``: they
    are one scan's, and its grey misleads both alike (jincheng's 公开04表: 907.34 read right at 0.68 from the
    cleaned page, “907.31” at 0.77 and 0.61 from the scan; 6,774.73 “674.73” at 0.78, “6794.73” at 0.32 and
    0.30); ``None`` when no two agree.
    Seed-45 photocopy150 jincheng's 公开05表: 1,439.01 read “149.11” from the cleaned page and “1439.01” from
    the scan and from it smoothed; 1,025.87 “105.87”, then “1025.87” twice (the grey of a worn digit reads
    differently from each). Not proof: 1,176.96 read “170.06”, then “176.96” twice (a digit lost from both
    crops) — the cell keeps its reasons and its identities, and the others are its alternatives."""
    first = _amount_value(old.text)
    votes: dict[float, list[LineReading]] = {}
    for r in new:
        if (v := _amount_value(r.text)) is not None:
            votes.setdefault(v, []).append(r)
    if first is not None and first in votes:
        return old
    for v, rs in votes.items():
        if len(rs) >= 2 and min(r.min_score for r in rs) > old.min_score:
            return max(rs, key=lambda x: x.min_score)
    return None


def _amount_value(text: str) -> float | None:
    """The amount with two decimals a line reads as once interpretation has undone its slips
    (:func:`pipeline.interpret.normalise_ocr_amount`), ``None`` when it reads as none."""
    from .interpret import normalise_ocr_amount
    from .numbers import parse_number

    p = parse_number(normalise_ocr_amount(text.strip()))
    return round(p.value, 2) if p.kind == "number" and p.well_formed and p.decimals == 2 and not p.percent \
        else None


def _undecided(old: LineReading, scan: LineReading) -> bool:
    """A worn line's first two readings leave its third to be taken (:func:`_unlifted`): they differ, do not read
    one amount, and one of them holds figures (a word's third reading is not used)."""
    first = _amount_value(old.text)
    return old.text.strip() != scan.text.strip() and (first is None or first != _amount_value(scan.text)) \
        and bool(re.search(r"\d", old.text + scan.text))


def _an_amount(text: str) -> bool:
    """An amount as printed, once the slips interpretation undoes are undone (separators read as points,
    “9.511.42”; :func:`pipeline.interpret.normalise_ocr_amount`): a well-formed number with two decimals and a
    digit before its point (1,942.82, 0.00; not .75, not 12.34%) — and no letter or character in it, which
    interpretation would take for a digit (“0.bo”) or drop (“5.31人”): that is a stroke read, not print."""
    from .interpret import normalise_ocr_amount

    if re.search(r"[^\d\s,，.．:：;；'`\-−－+()（）]", text):
        return False
    return _amount_value(text) is not None and bool(re.search(r"\d[.．]\d", normalise_ocr_amount(text)))


def _lines_joined(sealed_tall: dict, heights: list[int]) -> set:
    """The cells under a seal whose tallest text band (``sealed_tall``) is two text lines high or more (twice the
    median of the page's cell bands, ``heights``): the lines of a wrapped text the seal's strokes join (a
    valley is not cut under a seal: its strokes are as dark as print), given to the recogniser as one line —
    it reads the first and loses the rest (perf000 t35: “工伤职工待遇正常发 | 放” read 工伤职工待遇正常发, sure).
    Their readings are in doubt (low_ocr)."""
    line_h = float(np.median(heights)) if heights else 0.0
    return {key for key, h in sealed_tall.items() if line_h and h >= 2 * line_h}


def _drop_remnant_lines(clean, cell_lines: dict, grid_cells: dict, darkest: dict[int, int],
                        leads: tuple[set, ...], inset: int, settings: ReadSettings) -> set:
    """Leave out the text lines of cells under a seal or the watermark that are remnants of their strokes, not
    print (see ``ReadSettings.remnant_level``): seed 000 scanned reads such a grey line above “100%” as “1”
    (“1100%”), beside it as “F E”, in an empty reason as “74”. A cell left with no line is empty; those cells
    are returned, to be reviewed (faint print taken for a remnant must not vanish unseen)."""
    emptied: set = set()
    if not darkest:
        return emptied
    limit = max(settings.remnant_level, float(np.median(list(darkest.values()))) + settings.remnant_margin)
    for key, idx in list(cell_lines.items()):
        light = [i for i in idx if darkest[i] > limit]
        if not light or not {"seal", "watermark"} & set(_mask_reasons(clean, grid_cells[key], inset)):
            continue
        if light[0] == idx[0]:
            for lead in leads:  # (the cells whose first glyph is “=” or a dash) measured on the line left out
                lead.discard(key)
        kept = [i for i in idx if i not in light]
        if kept:
            cell_lines[key] = kept
        else:
            del cell_lines[key]
            emptied.add(key)
    return emptied


_SLASH_READINGS = {"1", "l", "I", "|"}
# what the recogniser makes of a “=” before a unit or under a watermark's remnant (二人, F家, ±人, 工家)
_EQUALS_READINGS = set("=＝二工F±≠干于千王三Tf一-—_~")
_NUMBERING = re.compile(r"^二[十百千一二三四五六七八九]*[、.．]|^二十")


def _leading_equals(ink: np.ndarray) -> bool:
    """The first glyph of a text line (``ink``: the line's rows and columns, ink > 0) is “=”: two level
    bars of one length, one above the other around the middle of the line, not joined (a “2” or “Z” is one
    bent stroke), with no other ink of weight between or beside them, narrower than three quarters of the
    line's height (二 is as wide as a character). A thin remnant of a watermark stroke touching a bar does
    not hide it (the recogniser reads 工 or F there); the line must go on past it (a lone “=” is no line)."""
    import cv2

    h = ink.shape[0]
    mask = ink > 0
    cols = np.flatnonzero(mask.any(axis=0))
    if cols.size == 0 or h < 8:
        return False
    x0 = int(cols[0])
    blank = np.flatnonzero(~mask[:, x0:].any(axis=0))
    if blank.size == 0 or not mask[:, x0 + int(blank[0]):].any():
        return False
    w = int(blank[0])
    if not 0.3 * h <= w <= 0.75 * h:
        return False
    glyph = mask[:, x0:x0 + w]
    fill = glyph.mean(axis=1)
    runs = _runs(np.flatnonzero(fill >= 0.6), 1)
    if len(runs) != 2:
        return False
    (a0, a1), (b0, b1) = runs
    thick = max(3, h // 6)
    if a1 - a0 > thick or b1 - b0 > thick or b0 - a1 < 2:
        return False
    rest = np.r_[fill[:max(0, a0 - 1)], fill[a1 + 1:max(a1 + 1, b0 - 1)], fill[b1 + 1:]]  # (a bar's blurred edge
    if rest.size and rest.max() > 0.35:  # row beside it aside)
        return False
    la, lb = int(glyph[a0:a1].any(axis=0).sum()), int(glyph[b0:b1].any(axis=0).sum())
    if min(la, lb) < 0.75 * max(la, lb) or not 0.25 * h <= (a0 + b1) / 2 <= 0.8 * h:
        return False
    _n, labels = cv2.connectedComponents(glyph.astype(np.uint8), connectivity=8)
    return not (set(labels[a0:a1].ravel()) - {0}) & (set(labels[b0:b1].ravel()) - {0})


def _with_equals(text: str) -> str:
    """A line whose first glyph is “=” (:func:`_leading_equals`): its first character read for it replaced,
    or the “=” put back where the recogniser dropped it (家 for =家, 1人 for =1人)."""
    stripped = text.lstrip()
    if not stripped or _NUMBERING.match(stripped):
        return text  # 二十、粮油物资储备支出 (a 1-bit scan thins 二 to “=”'s shape): “=” never goes before 十 or 、
    if stripped[0] in _EQUALS_READINGS:
        return "=" + stripped[1:]
    return "=" + stripped


def _leading_dash(ink: np.ndarray) -> bool:
    """The first glyph of a text line (``ink``: the line's rows and columns, ink > 0) is a dash “—”: its
    leftmost stroke is one thin level bar at least half the line's height long, with no other ink over it
    (the next glyph may reach in under its end: “—%” is kerned), whose middle lies in the lower half of the
    line — a dash is centred on the em box, 一 sits above the middle: the same bar read either way by the
    recogniser, and Shanxi's 年初指标值 print both, “—天” and “一次”. The line must go on past it (a lone dash
    is measured elsewhere: :func:`_dash_text`)."""
    import cv2

    h = ink.shape[0]
    mask = (ink > 0).astype(np.uint8)
    if h < 8 or not mask.any():
        return False
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    parts = [k for k in range(1, n) if stats[k, cv2.CC_STAT_AREA] >= 3]
    if len(parts) < 2:
        return False
    k = min(parts, key=lambda q: stats[q, cv2.CC_STAT_LEFT])
    x, y, w, hh = (int(stats[k, q]) for q in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                               cv2.CC_STAT_HEIGHT))
    if not 0.5 * h <= w <= 1.3 * h:
        return False
    glyph = labels[y:y + hh, x:x + w] == k
    runs = _runs(np.flatnonzero(glyph.mean(axis=1) >= 0.6), 1)
    if len(runs) != 1 or runs[0][1] - runs[0][0] > max(3, h // 6):
        return False
    a0, a1 = runs[0]
    bar = int(glyph[max(0, a0 - 1):a1 + 1].sum())  # (its blurred edge rows with it)
    over = int(mask[:, x:x + (3 * w) // 4].sum()) - bar  # anything else over it: 十, 土, a seal's remnant
    if int(glyph.sum()) - bar > 0.15 * bar or over > 0.15 * bar or not mask[:, x + w:].any():
        return False  # (a stroke joined to the bar: the crossbar of a 4 or a 七)
    return 0.5 * h <= y + (a0 + a1) / 2 <= 0.8 * h


# what a dash stands before in a Shanxi 年初指标值, target or actual value: a unit or a share, with or without
# its number (—天, —64天, —%, —308元/天): never a bare number (a minus sign is no business of this) nor a word
_AFTER_DASH = re.compile(r"(\d+(\.\d+)?)?(%|％|[元万亿份天人次个项件户家台年月日时分秒周名所场篇条套册本张间米吨亩]+"
                         r"(/[\u4e00-\u9fff]+)*)")


def _with_dash(text: str) -> str:
    """A line whose first glyph is a dash (:func:`_leading_dash`): 一 read for it before a unit or a share
    (with or without its number) replaced by “—”, or the dash put back where the recogniser dropped it (天 for
    —天, 308元/天 for —308元/天). Any other reading is left as it is (一次性…, an amount)."""
    stripped = text.strip()
    if stripped[:1] == "一" and _AFTER_DASH.fullmatch(stripped[1:]):
        return "—" + stripped[1:]
    if _AFTER_DASH.fullmatch(stripped):
        return "—" + stripped
    return text


def _largest_blob(ink: np.ndarray) -> np.ndarray:
    """``ink`` with only its largest connected component."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats((ink > 0).astype(np.uint8), connectivity=8)
    if n < 3:
        return ink
    k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return np.where(labels == k, ink, 0).astype(ink.dtype)


_CHEVRON_TEXTS = set("<>＜＞≤≥≦≧〈〉《》")


def _lone_chevron(ink: np.ndarray, dpi: int) -> str:
    """The one glyph of a cell's line (``ink``, ink > 0) as the operator its shape is: “>” — one stroke from the
    top left to a point at the right and back to the bottom left, one run of ink in each of its rows, the
    middle of each run moving right to the point and left after it, both ends at the left; “<” its mirror;
    with a bar under it (a blob of its own reaching below the point's lower arm, level or slanted along it, or
    the bottom rows of the stroke, as wide as most of the glyph) “≥” / “≤”. A “V” (two runs in its top rows), a “K” or “7” (an upright stroke) is none: ''."""
    import cv2

    mask = (ink > 0).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n < 2:
        return ""
    k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h = (int(stats[k, i]) for i in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                             cv2.CC_STAT_HEIGHT))
    em = dpi * 10.5 / 72.0
    if h < 0.3 * em or w < 0.3 * em or not 0.5 * h <= w <= 2 * h:
        return ""
    glyph = labels[y:y + h, x:x + w] == k
    bar = False
    # a bar joined to the chevron's lower end: the bottom rows covering most of its width
    while glyph.shape[0] > 4 and glyph[-1].mean() >= 0.6:
        glyph, bar = glyph[:-1], True
    rows = [np.flatnonzero(r) for r in glyph]
    rows = [r for r in rows if r.size]
    ends = rows[:len(rows) // 4] + rows[-(len(rows) // 4):]  # the top and bottom quarters: one run a row
    if len(rows) < max(6, 0.3 * em) or any(len(_runs(r, 1)) != 1 for r in ends):
        return ""
    centres = np.array([r.mean() for r in rows])
    widths = np.array([r[-1] - r[0] + 1 for r in rows])
    if np.median(widths) > 0.4 * w:
        return ""  # a filled blob, not a stroke
    tip = int(np.argmax(centres)) if centres[len(centres) // 2] > (centres[0] + centres[-1]) / 2 \
        else int(np.argmin(centres))
    right = centres[tip] > centres[0]
    if not 0.25 * len(centres) <= tip <= 0.75 * len(centres) \
            or abs(centres[tip] - centres[0]) < 0.5 * w or abs(centres[tip] - centres[-1]) < 0.5 * w:
        return ""
    sign = 1 if right else -1
    steps = np.diff(centres) * sign
    if (steps[:tip] < -1).any() or (steps[tip:] > 1).any():
        return ""  # not one stroke out to the point and back
    if not bar:  # a bar of its own under the chevron
        for q in range(1, n):
            if q == k:
                continue
            qx, qy, qw, qh = (int(stats[q, i]) for i in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                                         cv2.CC_STAT_HEIGHT))
            # (level, or slanted along the lower arm as in AR PL UMing: its lower end below the chevron's)
            if qy >= y + 0.4 * h and qy + qh > y + h and qy - (y + h) <= 0.5 * h and qw >= 0.5 * w \
                    and qx < x + w and qx + qw > x:
                bar = True
    return ("≥" if bar else ">") if right else ("≤" if bar else "<")


def _lone_slash(ink: np.ndarray, dpi: int) -> bool:
    """One thin stroke leaning right as it rises, taller than a third of an em: “/”. A “1” stands upright,
    a “7” has its bar, “l”/“|” do not lean."""
    ys, xs = np.nonzero(ink)
    if ys.size < 6:
        return False
    height, width = int(np.ptp(ys)) + 1, int(np.ptp(xs)) + 1
    if height < dpi * 10.5 / 72.0 * 0.45 or height < 2 * width or width < 3:
        return False
    rows = np.unique(ys)
    centres = np.array([xs[ys == r].mean() for r in rows])
    widths = np.array([np.ptp(xs[ys == r]) + 1 for r in rows])
    if np.median(widths) > max(3, dpi // 50) or widths.max() > 3 * max(2.0, float(np.median(widths))):
        return False
    slope = float(np.polyfit(rows.astype(float), centres, 1)[0])
    return slope < -0.15 and abs(slope) * (rows[-1] - rows[0]) >= 0.6 * (width - np.median(widths))


def _thin_band(sub: np.ndarray, a: int, b: int, x0: int, x1: int, min_ink: int) -> str:
    """What the one thin band of ink (rows ``a``..``b``, columns ``x0``..``x1``) of a cell is: ``rule`` — it
    runs in from the cell's left or right wall (a rule's remnant: a bowed or misplaced rule crossing the
    cell's corner), or lies along its top or foot (a skewed row rule); ``dash`` — one stroke (ink over half
    its length: a printed dash wears into pieces too), the only ink of the cell; ``text`` — a band with more
    ink elsewhere in the cell (the feet of worn digits under the specks left of their strokes), to be read."""
    if x0 <= 1 or x1 >= sub.shape[1] - 1 or a <= 1 or b >= sub.shape[0] - 1:
        # (or along its top or foot: a skewed row rule reaching into the cell, real caizheng 公开01表 at 3°)
        return "rule"
    stroke = sub[a:b, x0:x1] > 0
    other = int((sub > 0).sum()) - int(stroke.sum())
    return "dash" if stroke.any(axis=0).mean() >= 0.5 and other <= min_ink else "text"


def _small_dash(sub: np.ndarray, dpi: int) -> str:
    """A hyphen “-” with less ink than a character: one short solid horizontal stroke, a pixel or two high,
    near the middle of an otherwise empty cell (scanner specks around it are left out; watermark strokes are
    diagonal)."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats((sub > 0).astype(np.uint8), connectivity=8)
    if n < 2:
        return ""
    k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, width, height, area = (int(v) for v in stats[k])
    specks = int(stats[1:, cv2.CC_STAT_AREA].sum()) - area
    # (a hyphen at 200 dpi: about 6 × 2 px; a heavy JPEG blurs it to 5 × 3 or 7 × 4 with its corners gone —
    # half the box — and a dash “—” to 18 × 4)
    if height > max(4, dpi // 50) or width < max(5, 1.5 * height) or area < 0.45 * width * height or specks > area:
        return ""
    if not 0.25 * sub.shape[0] <= y + height / 2 <= 0.75 * sub.shape[0]:
        return ""
    # level along its length (a diagonal remnant of a watermark or seal stroke climbs)
    blob = labels[y:y + height, x:x + width] == k
    rows = np.arange(height, dtype=np.float64)[:, None]
    centres = (blob * rows).sum(axis=0) / np.maximum(blob.sum(axis=0), 1)
    if np.ptp(centres[blob.any(axis=0)]) > 1.5:
        return ""
    return _dash_text(width, dpi)


def _faint_dash(gray: np.ndarray, dpi: int, level: int = 205) -> str:
    """A faded “——” too light for the ink threshold, or worn into pieces no band of text is: one thin level
    stroke near the middle of an otherwise empty cell (watermark strokes are diagonal, specks are short).
    Rows with a tenth of the densest row's ink or less (specks, a pixel of a rule at the cell's top) are
    left out, and all of them together may hold a quarter of the stroke's ink."""
    h, w = gray.shape
    if h < 8 or w < 8:
        return ""
    light = _rule_remnants(_strip_rules(np.where(gray < level, 255, 0).astype(np.uint8)), dpi) > 0
    per_row = light.sum(axis=1)
    if not per_row.any():
        return ""
    rows = np.flatnonzero(per_row > 0.1 * per_row.max())
    if rows[-1] - rows[0] > max(4, dpi // 40) or not (0.2 * h <= rows.mean() <= 0.8 * h):
        return ""
    stroke = light[rows[0]:rows[-1] + 1]
    if int(per_row.sum()) - int(stroke.sum()) > 0.25 * int(stroke.sum()):
        return ""
    cols = np.flatnonzero(stroke.any(axis=0))
    width = int(cols[-1] - cols[0]) + 1
    if width < 0.65 * dpi * 10.5 / 72.0 or stroke[:, cols[0]:cols[-1] + 1].any(axis=0).mean() < 0.5:
        return ""
    # level along its length (a piece of a diagonal stroke climbs; a worn dash's pieces stand a pixel or two
    # apart, up and down)
    at = stroke[:, cols]
    centres = (at * np.arange(at.shape[0])[:, None]).sum(axis=0) / np.maximum(at.sum(axis=0), 1)
    if cols.size >= 2 and abs(np.polyfit(cols.astype(float), centres, 1)[0]) * width > 3.0:
        return ""
    return _dash_text(width, dpi)


def _dash_text(width_px: int, dpi: int) -> str:
    """A lone horizontal stroke in a cell, by its length in ems of 10.5 pt text: ——, — or -."""
    em = dpi * 10.5 / 72.0
    if width_px >= 1.4 * em:
        return "——"
    if width_px >= 0.65 * em:
        return "—"
    return "-"


def _mask_reasons(clean, cell: GridCell, inset: int) -> list[str]:
    x0, y0, x1, y1 = cell.bbox
    reasons = []
    sl = (slice(y0 + inset, max(y0 + inset + 1, y1 - inset)), slice(x0 + inset, max(x0 + inset + 1, x1 - inset)))
    if clean.seal_mask is not None and clean.seal_mask[sl].any():
        reasons.append("seal")
    if clean.watermark_mask is not None and clean.watermark_mask[sl].mean() > 0.02:
        reasons.append("watermark")
    return reasons
