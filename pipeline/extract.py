"""One document through the named stages:

ingest → preprocess → layout → read → assemble → interpret → verdict (pages) → validate → verdict (structure)
→ score → verdict (completeness: missing and unexplained empty tables) → (export: see export.py)

Born-digital pages skip rendering, preprocessing and OCR: their rules come from the PDF's vector paths
and their text from the text layer (``pages[].mode == "text"``). Scanned pages (and pages whose text
layer is garbage or an invisible OCR layer) are rendered, cleaned and read with PP-OCRv6 (``"ocr"``).
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from . import __version__
from .assemble import assemble
from .ingest import IngestSettings, SourcePage, open_document
from .interpret import document_metadata, interpret_cells
from .layout import LayoutSettings, bridged_walls, find_tables, follow_rules, ruled_share, scan_tables, seal_walls
from .model import Document, PageInfo
from .ocr import OcrSettings, get_recognizer
from .orientation import OrientationSettings, detect_orientation
from .preprocess import PreprocessSettings, preprocess_page
from .read import PageReading, ReadSettings, cross_check_text_layer, read_ocr, read_text_layer
from .textgrid import absorbed, drop_column_lines, glyph_lines, text_table
from .verdict import (PageEvidence, VerdictSettings, completeness, drop_stray_columns, ink_lines, mark_structure,
                      page_statuses, segment_lines)

PIPELINE_VERSION = __version__


@dataclass(frozen=True)
class ExtractSettings:
    dpi: int = 200
    force_ocr: bool = False
    max_pages: int = 2000
    max_pixels: int = IngestSettings.max_pixels
    layout: LayoutSettings = field(default_factory=LayoutSettings)
    read: ReadSettings = field(default_factory=ReadSettings)
    preprocess: PreprocessSettings = field(default_factory=PreprocessSettings)  # its dpi follows each page
    ocr: OcrSettings = field(default_factory=OcrSettings)
    orientation: OrientationSettings | None = field(default_factory=OrientationSettings)  # None: pages as they come
    verdict: VerdictSettings = field(default_factory=VerdictSettings)


@dataclass
class StageTimes:
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, t0: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - t0


@dataclass
class _Scan:
    """What a scanned page's reading was made from, kept while the next page is read (its table may continue
    there: :func:`_carry_columns`)."""
    page: SourcePage
    clean: object  # preprocess.CleanPage
    index: int = -1  # of its reading in the document's list
    recognizer: object = None  # what read it (a worn page's remembers its crops: read again, only new ones cost)


def _read_page(page: SourcePage, settings: ExtractSettings, times: StageTimes
               ) -> tuple[PageReading, PageEvidence, _Scan | None]:
    """The page's reading, the evidence of tables on it gathered beside the grid finder (verdict), and for a
    scanned page read from its pixels what that reading was made from (:class:`_Scan`)."""
    vector_grids: list = []  # a born-digital page whose text layer lies keeps its vector ruling for the OCR
    if page.text_mode and not settings.force_ocr:
        t0 = time.perf_counter()
        segs = page.rules or []
        grids = find_tables(segs, page.width, page.height, page.dpi, settings.layout)
        times.add("layout", t0)
        if grids or page.image_cover < 0.5:
            evidence = PageEvidence(page.number, lines=segment_lines(segs, page.dpi, settings.verdict))
            if not page.text_doubts:  # (glyphs no disclosure prints were found at ingest)
                t0 = time.perf_counter()
                reading = read_text_layer(page, grids, lambda crops: get_recognizer(settings.ocr).recognize(crops))
                times.add("read", t0)
                if not reading.doubts:
                    return reading, evidence, None
                page.text_doubts = reading.doubts  # the text layer lies (textcheck): read the pixels instead
            vector_grids = grids
        # a scan carrying a little real text (a footer, a stamp added by a PDF tool): its tables are pixels
    t0 = time.perf_counter()
    dpi = page.dpi
    image = page.image
    times.add("ingest", t0)
    if vector_grids and page.dpi == dpi:
        # drawn, not scanned: upright (the glyphs' directions set the frame) and straight; the vector rules
        # place the cells exactly where the pixels are, only the characters are read from the image
        t0 = time.perf_counter()
        clean = preprocess_page(image, replace(settings.preprocess, dpi=page.dpi, deskew=False))
        times.add("preprocess", t0)
        t0 = time.perf_counter()
        reading = read_ocr(page, clean, vector_grids, get_recognizer(settings.ocr), settings.read)
        cross_check_text_layer(page, reading)  # the lying text layer, decoded, as a second witness
        times.add("read", t0)
        return reading, evidence, None
    if settings.orientation is not None:
        t0 = time.perf_counter()
        found = detect_orientation(image, page.dpi, get_recognizer(settings.ocr), settings.orientation)
        if found.turn:  # a scan lying on its side or upside down: set it upright before layout
            page.turn(found.turn)
            image = page.image
        times.add("orientation", t0)
    t0 = time.perf_counter()
    clean = preprocess_page(image, replace(settings.preprocess, dpi=page.dpi))
    times.add("preprocess", t0)
    t0 = time.perf_counter()
    h, w = clean.gray.shape
    grids = scan_tables(clean.binary, clean.rule_ink, w, h, page.dpi, settings.layout,
                        clean.colourless_seals, clean.worn, clean.faint_rules)
    # a column line made of characters' strokes (chained across rows on a skewed page) is no rule
    grids = [_without_glyph_lines(g, clean, page.dpi, settings) for g in grids]
    hidden = clean.seal_mask if clean.colourless_seals is None else clean.seal_mask | clean.colourless_seals
    seal_walls(grids, clean.binary, hidden, page.dpi, settings.layout)  # rules lost under a seal
    follow_rules(grids, clean.binary, page.dpi, settings.layout)  # cells onto row rules that run off the lines
    if not clean.worn:  # a column wall no rule was printed for in a row (a worn page's are completed from the text)
        bridged_walls(grids, clean.binary, page.dpi, settings.layout, hidden)
    times.add("layout", t0)
    t0 = time.perf_counter()
    # a page may be read again (a worn page's table found in its text, a column its 栏次 row counts): what was
    # read once is not read twice
    recognizer = _Remembered(get_recognizer(settings.ocr), whole_first=not clean.worn)
    reading = read_ocr(page, clean, grids, recognizer, settings.read)
    times.add("read", t0)
    if clean.worn:  # a table whose rules were all lost, read as rows of text outside every grid
        t0 = time.perf_counter()
        found = text_table(clean.binary, reading.lines, grids, page.dpi, settings.layout)
        times.add("layout", t0)
        if found is not None:
            t0 = time.perf_counter()
            grids = sorted([g for g in grids if not absorbed(g, found.bbox)] + [found], key=lambda g: (g.ys[0], g.xs[0]))
            # only the new grid's cells and the lines its box cut are new crops: the other grids' cells and the
            # lines elsewhere on the page are the same pixels, read already
            reading = read_ocr(page, clean, grids, recognizer, settings.read)
            times.add("read", t0)
    if clean.worn:  # body rows above a grid's first rule, under a header whose rules faded too; below its last
        reading = _rows_beyond(page, clean, reading, recognizer, settings, times)
    reading = _stacked_items(page, clean, reading, recognizer, settings, times)
    counted = _lanci_columns(page, clean, reading, recognizer, settings, times)
    counted = _empty_columns(page, clean, counted, recognizer, settings, times)
    if counted is not reading:
        reading, grids = counted, [gr.grid for gr in counted.grids]
    t0 = time.perf_counter()
    lines, ink = ink_lines(clean.color, page.dpi, settings.verdict, skip=[g.bbox for g in grids])
    times.add("verdict", t0)
    # (a page not worn is read again with the next page's columns as a whole page, as before it remembered)
    return reading, PageEvidence(page.number, lines=lines, ink=ink), \
        _Scan(page, clean, recognizer=recognizer if clean.worn else recognizer.plain)


def _without_glyph_lines(grid, clean, dpi: int, settings: ExtractSettings):
    """``grid`` without its column lines made of characters' strokes (:func:`~pipeline.textgrid.glyph_lines`).
    On a worn page such a line often stands beside the rule that was lost, which the rule finder then had no
    gutter to infer (the line it kept parted the columns): the text's gutter between the lines left either side
    of a dropped one is looked for again (:func:`~pipeline.textgrid.gutter_lines`), and the rows stacked in the
    columns it parts are put apart again (:func:`~pipeline.textgrid.split_stacked_rows`). Real guihua
    公开01表 as a worn photocopy: the line through 支出's amounts dropped, each amount was read into its
    label; the lost rule between them, 5 mm left of the amounts, put back, and the rows of 九、 … 十一、,
    stacked in one, put apart."""
    from .textgrid import add_column_lines, gutter_lines, restore_lost_walls, split_stacked_rows, text_boxes

    dropped = glyph_lines(grid, clean.binary, dpi)
    new = drop_column_lines(grid, dropped, dpi, settings.layout)
    if new is grid or not clean.worn:
        return new
    boxes = text_boxes(clean.binary, dpi)
    new = restore_lost_walls(new, boxes, dpi, settings.layout)
    xs = gutter_lines(new, dropped, boxes, clean.binary, dpi)
    if not xs:
        return new
    done = add_column_lines(new, xs, boxes, dpi, settings.layout)
    return split_stacked_rows([done], clean.binary, dpi, settings.layout)[0] if done is not new else new


def _lanci_columns(page: SourcePage, clean, reading: PageReading, recognizer, settings: ExtractSettings,
                   times: StageTimes) -> PageReading:
    """A scanned table whose 栏次 row reads two column numbers run together in one cell (``10111`` for
    10 | 11) lost the rule between those columns from top to bottom: the line goes back where the numbers,
    each centred in its column, put it, unless the text below runs across it (:func:`pipeline.textgrid.
    lanci_lines`); a row whose text runs across it, or a header label over several columns not centred on one
    side of it, keeps its cell whole (:func:`~pipeline.textgrid.add_column_lines`), and the page is read
    again (only the cells that changed are new crops). The cells beside the line are
    ``rule_missing`` and wait for an identity or a reviewer. A page without such a 栏次 cell is left as read."""
    from .textgrid import add_column_lines, lanci_cells, lanci_lines, paired_label_cells, text_boxes

    if not any(lanci_cells(gr) or paired_label_cells(gr) for gr in reading.grids):
        return reading
    t0 = time.perf_counter()
    boxes = text_boxes(clean.binary, page.dpi)
    grids, changed = [], False
    for gr in reading.grids:
        xs = lanci_lines(gr, boxes, clean.binary, page.dpi)
        new = add_column_lines(gr.grid, xs, boxes, page.dpi, settings.layout, keep_spans=True) if xs else gr.grid
        if new is not gr.grid:
            follow_rules([new], clean.binary, page.dpi, settings.layout)
            changed = True
        grids.append(new)
    times.add("layout", t0)
    return _read_again(page, clean, reading, grids, recognizer, settings, times) if changed else reading


def _stacked_items(page: SourcePage, clean, reading: PageReading, recognizer, settings: ExtractSettings,
                   times: StageTimes) -> PageReading:
    """A grid row whose label cell reads two numbered items one above the other is two printed rows whose rule
    was lost (:func:`pipeline.textgrid.item_row_cuts`): the row is cut between them, the line recorded as
    inferred (the cells beside it are ``rule_missing``), and the page read again (only the cells that changed
    are new crops). A page without such a row is left as read."""
    from .textgrid import _cut_rows, item_row_cuts, text_boxes

    cuts = [item_row_cuts(gr) for gr in reading.grids]
    if not any(cuts):
        return reading
    t0 = time.perf_counter()
    boxes = text_boxes(clean.binary, page.dpi)
    grids = []
    for gr, ys in zip(reading.grids, cuts):
        g = gr.grid
        if ys:
            x0, x1 = g.xs[0], g.xs[-1]
            g, walls = _cut_rows(g, [(y, x0, x1) for y in ys], boxes)
            g = replace(g, inferred=list(g.inferred) + [("h", y, x0, x1) for y in ys] + walls)
        grids.append(g)
    times.add("layout", t0)
    return _read_again(page, clean, reading, grids, recognizer, settings, times)


def _read_again(page: SourcePage, clean, reading: PageReading, grids: list, recognizer, settings: ExtractSettings,
                times: StageTimes) -> PageReading:
    """The page read again with ``grids`` where one of them is not the grid it was read with (the remembering
    recogniser reads only the crops that changed); else ``reading`` as it is."""
    if len(grids) == len(reading.grids) and all(g is gr.grid for g, gr in zip(grids, reading.grids)):
        return reading
    t0 = time.perf_counter()
    reading = read_ocr(page, clean, grids, recognizer, settings.read)
    times.add("read", t0)
    return reading


def _rows_beyond(page: SourcePage, clean, reading: PageReading, recognizer, settings: ExtractSettings,
                 times: StageTimes) -> PageReading:
    """Each grid whose first row reads as a body row, carried up over the body rows printed above its first
    rule (:func:`pipeline.textgrid.rows_above`: their text read across its columns tells them from a header or
    a caption), then each whose last row is no header row carried down over those printed below its last
    (:func:`~pipeline.textgrid.rows_below`: a total row under a foot rule worn away), the page read again after
    each; a page without such rows is left as read."""
    from .textgrid import absorbed, grid_ceiling, grid_floor, piece_of, rows_above, rows_below

    def ceiling(gr, found) -> float:  # (through the pieces of a grid that kept their rules: textgrid.piece_of)
        pieces = [o.grid for o in reading.grids if piece_of(o.grid, gr.grid, _texts(o), page.dpi)]
        return grid_ceiling(gr.grid, found, pieces)

    for extend, bound in ((rows_above, ceiling),
                          (rows_below, lambda gr, found: grid_floor(gr.grid, found, reading.height))):
        t0 = time.perf_counter()
        found = [gr.grid for gr in reading.grids]
        grids = [extend(gr.grid, _texts(gr), clean.binary, clean.gray, page.dpi, recognizer.recognize,
                        settings.layout, bound(gr, found)) or gr.grid for gr in reading.grids]
        grown = [g for g, gr in zip(grids, reading.grids) if g is not gr.grid]
        # (a piece a grid grew over is part of it now)
        grids = [g for g in grids if not any(o is not g and absorbed(g, o.bbox) for o in grown)]
        times.add("layout", t0)
        reading = _read_again(page, clean, reading, grids, recognizer, settings, times)
    return reading


def _texts(gr) -> dict:
    """A grid's reading as (row, col) → text."""
    return {k: r.text for k, r in gr.cells.items()}


def _empty_columns(page: SourcePage, clean, reading: PageReading, recognizer, settings: ExtractSettings,
                   times: StageTimes) -> PageReading:
    """A column line that parts nothing — the column right of it empty in every row, the text beside it run
    across it in some (:func:`pipeline.textgrid.empty_spanned_columns`) — is taken out of its grid, and so, on a
    worn page, is a line inferred beside a rule with a narrow empty column between them
    (:func:`~pipeline.textgrid.bare_narrow_columns`); the page is then read again (only the cells that changed
    are new crops). A page without one is left as read."""
    from .textgrid import bare_narrow_columns, empty_spanned_columns, merge_column_left, without_bare_column

    drop = [empty_spanned_columns(gr) for gr in reading.grids]
    bare = [bare_narrow_columns(gr, page.dpi) if clean.worn else [] for gr in reading.grids]
    if not any(drop) and not any(bare):
        return reading
    t0 = time.perf_counter()
    grids = []
    for gr, xs, narrow in zip(reading.grids, drop, bare):
        g = gr.grid
        for x in sorted(xs, reverse=True):
            g = merge_column_left(g, g.xs.index(x)) or g
        for left, x in sorted(narrow, reverse=True):
            if left in g.xs and x in g.xs:
                g = without_bare_column(g, g.xs.index(left), x) or g
        grids.append(g)
    times.add("layout", t0)
    return _read_again(page, clean, reading, grids, recognizer, settings, times)


class _Remembered:
    """A recogniser that reads a crop it has read before (the same pixels) from memory: a page read again after
    its grids changed pays only for the crops that changed, and the cells that did not change keep their
    reading. ``whole_first``: the first call reads all its crops as given, like the recogniser itself (a batch
    is padded to its widest crop, so a reading can depend on the batch: a page never read again reads as
    without memory)."""

    def __init__(self, recognizer, whole_first: bool = False):
        self._recognizer = recognizer
        self._seen: dict[tuple, object] = {}
        self._whole_first = whole_first
        self.plain = recognizer

    @staticmethod
    def _key(crop) -> tuple:
        return crop.shape, hashlib.blake2b(np.ascontiguousarray(crop).tobytes(), digest_size=16).digest()

    def recognize(self, crops: list) -> list:
        keys = [self._key(c) for c in crops]
        if self._whole_first and not self._seen:
            results = self._recognizer.recognize(crops)
            self._seen.update(zip(keys, results))
            return list(results)
        todo = {k: c for k, c in zip(keys, crops) if k not in self._seen}
        if todo:
            self._seen.update(zip(todo, self._recognizer.recognize(list(todo.values()))))
        return [self._seen[k] for k in keys]


def _continued_rows(prev: _Scan, cur: _Scan, readings: list[PageReading], evidence: dict[int, PageEvidence],
                    settings: ExtractSettings, times: StageTimes) -> None:
    """A worn scanned page with no grid found, after a page whose table it carries on: the row or two of that
    table at its head (no title above them) are read in the columns of the page before
    (:func:`pipeline.textgrid.continued_rows`), and the page is read again."""
    from .assemble import _meta
    from .textgrid import continued_rows

    pr, cr = readings[prev.index], readings[cur.index]
    if not (prev.clean.worn or cur.clean.worn) or cr.grids or not pr.grids \
            or prev.clean.gray.shape != cur.clean.gray.shape or pr.dpi != cr.dpi:
        return
    t0 = time.perf_counter()
    g = max(pr.grids, key=lambda gr: gr.grid.ys[-1]).grid
    grid = continued_rows(cur.clean.binary, cr.lines, g.xs, cr.dpi, settings.layout)
    times.add("layout", t0)
    if grid is None:
        return
    meta = _meta([ln for ln in cr.lines if ln.bbox[3] <= grid.ys[0] + 2])
    if meta["title"] or meta["form"]:
        return
    t0 = time.perf_counter()
    readings[cur.index] = read_ocr(cur.page, cur.clean, [grid], cur.recognizer or get_recognizer(settings.ocr),
                                   settings.read)
    times.add("read", t0)
    t0 = time.perf_counter()
    lines, ink = ink_lines(cur.clean.color, cur.page.dpi, settings.verdict, skip=[grid.bbox])
    evidence[cur.page.number] = PageEvidence(cur.page.number, lines=lines, ink=ink)
    times.add("verdict", t0)


def _carry_columns(prev: _Scan, cur: _Scan, readings: list[PageReading], evidence: dict[int, PageEvidence],
                   settings: ExtractSettings, times: StageTimes) -> None:
    """A table at the foot of a worn scanned page continued at the head of the next: the column rules one page
    lost and the other kept are put into both grids (:func:`pipeline.textgrid.continued_columns`,
    :func:`~pipeline.textgrid.add_column_lines`), and a page whose grid changed is read again. A column
    rule lost on both pages stays lost; a next page with a title of its own starts another table."""
    from .assemble import _meta
    from .textgrid import add_column_lines, continued_columns, refused_lines, rival_lines, text_boxes

    pr, cr = readings[prev.index], readings[cur.index]
    if not (prev.clean.worn or cur.clean.worn) or not pr.grids or not cr.grids \
            or prev.clean.gray.shape != cur.clean.gray.shape or pr.dpi != cr.dpi:
        return
    g = max(pr.grids, key=lambda gr: gr.grid.ys[-1]).grid
    h = min(cr.grids, key=lambda gr: gr.grid.ys[0]).grid
    meta = _meta([ln for ln in cr.lines if ln.bbox[3] <= h.ys[0] + 2 and ln.bbox[1] < h.ys[0]])
    if meta["title"] or meta["form"]:
        return
    found = continued_columns(g.xs, h.xs, cr.dpi)
    if found is None:
        return
    t0 = time.perf_counter()
    lack_prev, lack_cur, shift = found
    tol = 2.0 * cr.dpi / 25.4
    boxes_prev, boxes_cur = text_boxes(prev.clean.binary, pr.dpi), text_boxes(cur.clean.binary, cr.dpi)
    # a line one page's print runs across (in many rows) is refused there; if the other page only inferred it
    # from its text (a gutter inside a column), it goes there too
    refused_prev = refused_lines(g, lack_prev, boxes_prev, pr.dpi)
    refused_cur = refused_lines(h, lack_cur, boxes_cur, cr.dpi)

    def inferred_at(scan: _Scan, grid, x: float) -> bool:
        """Line ``x`` of ``grid`` was put back from its text, in part at least, and the line filter sees a rule
        along less than ``carried_rule_share`` of the grid's height (a worn rule found down much of it, a stretch
        inferred, stays: seed-45 police 公开06表 page 10, its 决算数 | 经济分类科目编码 lines dropped for page
        11's skewed print across them, and every amount read with the code beside it; a line put back from
        text shows no rule at all, 0–10 %, where such rules show 36–95 %). A line ruled in a tall header only
        may pass that on a short table."""
        if not any(k == "v" and abs(p - x) <= 2 for k, p, _, _ in grid.inferred):
            return False
        ink = scan.clean.rule_ink if scan.clean.rule_ink is not None else scan.clean.binary
        return ruled_share(ink, x, grid.ys[0], grid.ys[-1], scan.page.dpi, settings.layout) \
            < settings.layout.carried_rule_share

    # (not on the word of a page that kept under half the other's lines: its rows' print, in columns it lost,
    # runs across lines of theirs — real caizheng seeded 公开02表 page 9 kept 3 of page 8's 12 and refused 396,
    # the 项 | 名称 line page 8 had put back from its text)
    drop_prev = [x for x in g.xs if any(abs(x + shift - r) <= tol for r in refused_cur) and inferred_at(prev, g, x)] \
        if 2 * len(h.xs) >= len(g.xs) else []
    drop_cur = [x for x in h.xs if any(abs(x - shift - r) <= tol for r in refused_prev) and inferred_at(cur, h, x)] \
        if 2 * len(g.xs) >= len(h.xs) else []
    # (a line the other page has beside it, one column side found twice, is neither given nor taken: see
    # rival_lines; it yields on its own page where the other is the rule)
    held_prev, held_cur, yield_prev, yield_cur = rival_lines(g, h, lack_prev, lack_cur, shift, boxes_prev,
                                                             boxes_cur, cr.dpi)
    refused_prev = refused_prev + held_prev
    refused_cur = refused_cur + held_cur
    drop_prev += [x for x in yield_prev if x not in drop_prev]
    drop_cur += [x for x in yield_cur if x not in drop_cur]
    changed = []
    for scan, reading, grid, lack, refused, boxes, drop, other in (
            (prev, pr, g, lack_prev, refused_prev, boxes_prev, drop_prev, [x - shift for x in h.xs]),
            (cur, cr, h, lack_cur, refused_cur, boxes_cur, drop_cur, [x + shift for x in g.xs])):
        new = add_column_lines(grid, [x for x in lack if x not in refused], boxes, reading.dpi, settings.layout,
                               drop=drop, other=other)
        if new is not grid:
            follow_rules([new], scan.clean.binary, reading.dpi, settings.layout)
            grids = [new if gr.grid is grid else gr.grid for gr in reading.grids]
            changed.append((scan, grids))
    times.add("layout", t0)
    for scan, grids in changed:
        t0 = time.perf_counter()
        recognizer = scan.recognizer or get_recognizer(settings.ocr)
        readings[scan.index] = read_ocr(scan.page, scan.clean, grids, recognizer, settings.read)
        times.add("read", t0)
        if scan is cur and cur.clean.worn:
            # the next page's first rows, above a first rule found, read as body rows now their columns are
            # there (real guihua 公开04表 as a worn photocopy: 十八、… 4461.67 | 4461.67 over 十九's rule, its
            # amounts one piece in a column page 13 lost until then)
            readings[scan.index] = _rows_beyond(scan.page, scan.clean, readings[scan.index], recognizer, settings,
                                                times)
            grids = [gr.grid for gr in readings[scan.index].grids]
        t0 = time.perf_counter()
        lines, ink = ink_lines(scan.clean.color, scan.page.dpi, settings.verdict, skip=[g.bbox for g in grids])
        evidence[scan.page.number] = PageEvidence(scan.page.number, lines=lines, ink=ink)
        times.add("verdict", t0)


def extract_document(path: str | Path, settings: ExtractSettings = ExtractSettings(), rel_path: str | None = None,
                     on_page: Callable[[int, int], None] | None = None, times: StageTimes | None = None) -> Document:
    """Run every stage on one PDF or image; raises InputFileError/LimitExceeded naming the file."""
    times = times or StageTimes()
    path = Path(path)
    t0 = time.perf_counter()
    src = open_document(path, IngestSettings(dpi=settings.dpi, max_pages=settings.max_pages,
                                             max_pixels=settings.max_pixels))
    times.add("ingest", t0)
    doc = Document(source_path=rel_path or path.name, sha256=src.sha256, page_count=src.page_count,
                   pipeline_version=PIPELINE_VERSION)
    readings: list[PageReading] = []
    if on_page:  # opened: 0 of N pages done (a batch learns the page count before the first page)
        on_page(0, src.page_count)
    evidence: dict[int, PageEvidence] = {}
    previous: _Scan | None = None  # the last page's, when it was scanned
    for page in src.pages():
        reading, evidence[page.number], scan = _read_page(page, settings, times)
        readings.append(reading)
        if scan is not None:
            scan.index = len(readings) - 1
            if previous is not None:  # two scanned pages in a row
                _continued_rows(previous, scan, readings, evidence, settings, times)
                _carry_columns(previous, scan, readings, evidence, settings, times)
                reading = readings[-1]
        previous = scan
        doc.pages.append(PageInfo(number=page.number, mode=reading.mode, width=reading.width,
                                  height=reading.height, dpi=reading.dpi, skew=reading.skew,
                                  rotation=reading.rotation))
        if on_page:
            on_page(page.number, src.page_count)
    t0 = time.perf_counter()
    doc.tables = assemble(readings)
    times.add("assemble", t0)
    t0 = time.perf_counter()
    ocr_pages = {p.number for p in doc.pages if p.mode == "ocr"}
    from .templates import identify_templates

    placed = identify_templates(doc)  # (by what each reads, then by place in the set: interpret_cells needs them)
    for table in doc.tables:
        if table.kind != "performance":  # (a slice of the code column, marks only: no column — named by place then)
            drop_stray_columns(doc, table, slices_only=True)
        interpret_cells(table, ocr_pages)
    document_metadata(doc, readings)
    times.add("interpret", t0)
    t0 = time.perf_counter()
    page_statuses(doc, readings, evidence, settings.verdict)
    for info, reading in zip(doc.pages, readings):  # why a text layer was not trusted, after the verdict's
        info.reasons += [code for code in dict.fromkeys(d.split(":")[0] for d in reading.doubts)
                         if code not in info.reasons]
    times.add("verdict", t0)
    finish_document(doc, times, settings.verdict, placed)
    t0 = time.perf_counter()
    completeness(doc, {r.number: [ln.text for ln in r.lines] for r in readings}, settings.verdict)
    times.add("verdict", t0)
    return doc


def _no_values_in_label_columns(table) -> None:
    """Codes and names are labels, not amounts, whatever their header says (or fails to say)."""
    from .codes import find_label_blocks

    cols = {c for b in find_label_blocks(table) for c in b.code_cols + ([b.name_col] if b.name_col is not None else [])}
    for row in table.rows:
        for c in cols:
            if c < len(row.cells) and row.cells[c].value is not None:
                row.cells[c].value = None
                row.cells[c].kind = "text"


def finish_document(doc: Document, times: StageTimes | None = None,
                    verdict: VerdictSettings = VerdictSettings(), placed: dict[str, str] | None = None) -> None:
    """Template recognition, code matching, validation, repair, doubtful structures and scoring. ``placed``: the
    tables given their template by their place in the set before interpretation (id → template), which keep it
    (the labels interpretation wrote from it are no evidence of another)."""
    times = times or StageTimes()
    from .codes import assign_codes
    from .headercheck import check_headers
    from .interpret import check_line_numbers, flag_rows_read_as_a_code, settle_run_together_columns
    from .labels import normalise_ocr_labels
    from .repair import repair_document
    from .score import score_document
    from .templates import identify_template, split_shared_labels, templates_by_place
    from .validate import name_unlabelled_totals, validate_document

    from .performance import attach_records, finish_records

    t0 = time.perf_counter()
    ocr_pages = {p.number for p in doc.pages if p.mode == "ocr"}
    for table in doc.tables:
        identify_template(table)
        if placed and table.id in placed:
            table.template = placed[table.id]
    templates_by_place(doc)  # (a table nothing it reads names, by its place between the set's tables)
    for table in doc.tables:
        if table.kind != "performance":  # 绩效自评表 print no classification codes
            if split_shared_labels(table):  # two columns under one header label (a header rule missed)
                # (行次 | 合计 under one label “行次合计” were no 行次 column when interpreted: its count is
                # checked now — seed-45 education 公开04表, 64 read between 53 and 55 at 0.979, unflagged)
                check_line_numbers(table, ocr_pages)
            drop_stray_columns(doc, table)  # (marks read as a column: a seal beyond the rule, a stray line)
            assign_codes(table, doc.year)
            _no_values_in_label_columns(table)
    if normalise_ocr_labels(doc):
        for table in doc.tables:  # codes again, from the corrected labels
            if table.kind != "performance":
                assign_codes(table, doc.year)
    attach_records(doc)
    times.add("interpret", t0)
    t0 = time.perf_counter()
    settle_run_together_columns(doc)  # (a column two labels run over, settled by the identities across tables)
    validate_document(doc)
    repair_document(doc)
    if name_unlabelled_totals(doc):  # (a 合计 row whose label was lost, known by its sums once the 类 rows are
        validate_document(doc)  # repaired: checked as the total, and what it proves repaired)
        repair_document(doc)
    for table in doc.tables:
        if table.kind != "performance":
            flag_rows_read_as_a_code(table, ocr_pages)  # (once repairs have proven its remnants blank)
    times.add("validate", t0)
    t0 = time.perf_counter()
    check_headers(doc)
    mark_structure(doc, verdict)
    times.add("verdict", t0)
    t0 = time.perf_counter()
    score_document(doc)
    finish_records(doc)
    times.add("score", t0)
