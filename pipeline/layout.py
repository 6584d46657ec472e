"""Stage 3 — layout: ruled tables from rule segments, with merged cells.

Rule segments come from two backends kept apart:
- scans: OpenCV morphology on the binarised page (:func:`segments_from_binary`), bridging small gaps so
  faded or broken rules still count;
- born-digital pages: the PDF's own vector paths (``ingest`` turns thin paths and rectangles into
  segments), so no rendering is needed.

:func:`find_tables` groups the segments into tables (several per page), snaps them to row and column
lines and merges elementary cells wherever the separating rule is absent (row and column spans).
"""
from __future__ import annotations

import bisect
import hashlib
import statistics
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from functools import cached_property

import cv2
import numpy as np

from .preprocess import line_response


@dataclass(frozen=True)
class Segment:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def horizontal(self) -> bool:
        return abs(self.x1 - self.x0) >= abs(self.y1 - self.y0)


@dataclass
class GridCell:
    row: int
    col: int
    rowspan: int
    colspan: int
    bbox: tuple[int, int, int, int]


@dataclass
class Grid:
    """A ruled table: row lines ``ys``, column lines ``xs`` and its (merged) cells."""

    xs: list[float]
    ys: list[float]
    cells: list[GridCell] = field(default_factory=list)
    # lines no rule was found for, inferred from the text (pipeline.textgrid): ("h", y, x0, x1) or ("v", x, y0, y1);
    # ("x", x, y0, y1): a column line dropped because the text runs across it
    # ("b", x, y0, y1): a column wall standing in a row where the page prints no rule (bridged_walls)
    # ("s", x, y0, y1): a column line put back under a seal (seal_walls; a row line put back there is an "h")
    inferred: list[tuple[str, float, float, float]] = field(default_factory=list)
    # the row lines of those that pipeline.textgrid.split_stacked_rows put in where rows of text stacked in one
    # grid row; assembly takes out the ones a header label or a form's text wrapped over lines made
    stacked: list[float] = field(default_factory=list)
    joined: bool = False  # made of pieces the rule finder found apart (pipeline.textgrid): every cell in doubt

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        return int(self.xs[0]), int(self.ys[0]), int(self.xs[-1]), int(self.ys[-1])

    def inferred_sides(self, bbox: tuple[int, int, int, int], tol: float = 3.0) -> bool:
        """Whether a box of this grid (a cell's) is bounded by a line inferred from the text (any box of a grid
        joined from pieces)."""
        if self.joined:
            return True
        x0, y0, x1, y1 = bbox
        for kind, pos, lo, hi in self.inferred:
            a, b, across = (x0, x1, (y0, y1)) if kind == "h" else (y0, y1, (x0, x1))
            if min(b, hi) - max(a, lo) <= tol:
                continue
            if kind == "x" and across[0] + tol < pos < across[1] - tol:  # a line dropped runs through the box
                return True
            if kind != "x" and min(abs(pos - across[0]), abs(pos - across[1])) <= tol:
                return True
        return False

    def owner(self) -> dict[tuple[int, int], GridCell]:
        """Elementary (row, col) → the merged cell covering it."""
        own = {}
        for c in self.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    own[(r, k)] = c
        return own


@dataclass(frozen=True)
class LayoutSettings:
    min_rule_mm: float = 4.0  # shortest rule piece kept by morphology
    gap_mm: float = 1.2  # solid pass: gaps bridged inside broken rules
    min_ink_cover: float = 0.85  # solid pass: share of a long vertical rule's length that must be ink
    fragment_mm: float = 2.5  # rule fragments: straight runs of ink at least this long (longer than the
    # diagonal runs through watermark strokes; character strokes this long are weeded out by chaining)
    chain_gap_mm: float = 4.0  # fragments of one rule are chained across gaps up to this long
    chain_drift: float = 0.02  # ... and may drift sideways by this share of the gap (residual skew, bowing)
    min_chain_cover: float = 0.45  # share of a chained rule's length that must be ink
    line_piece_cover: float = 0.3  # worn pages: a piece of a column rule (in line with a kept one) needs only this
    strong_cover: float = 0.85  # rules this solid stand on their own; weaker ones must meet crossing rules
    min_junction_share: float = 0.6  # weaker rules: share of their crossings where their own ink reaches
    # the crossing rule (aligned character strokes, dashes and underlines of text stop short of the rules)
    lone_piece_mm: float = 12.0  # worn pages: a vertical piece shorter than this alone on its line, column rules
    # running this far past it above and below, is a stroke (chained_segments)
    glyph_chain_mm: float = 30.0  # worn pages: a vertical chain this short whose every piece is as tall as the
    # text beside it, to ``glyph_edge_mm`` at both ends, is a glyph stacked over its likes (chained_segments)
    glyph_edge_mm: float = 0.35
    side_mm: float = 0.4  # a horizontal rule has no ink this close on both sides of it at once ...
    side_v_mm: float = 0.4  # ... a vertical one this close (cells are padded more at the sides than above)
    spread_mm: float = 0.3  # ... within this distance along it ...
    max_crossed: float = 0.15  # ... over more than this share of its length (text lines do)
    bow_slope: float = 0.01  # solid pass: a rule may drift across by this share of its length (bowed page)
    max_edge_ink: float = 0.3  # a horizontal rule of the solid pass has ink just above or below it over at most
    # this share of its length (see _edge_ink)
    max_one_side: float = 0.5  # a short vertical piece has paper beside it (cells are padded left and right)
    # over at least half its length: the left stroke of a character has the rest of the character beside it
    stray_column_share: float = 0.0  # see grid_from_segments; scan_tables sets it to the scan value:
    scan_stray_column_share: float = 0.3
    stray_min_rows: int = 8
    tall_piece_mm: float = 5.0  # a vertical piece between two rules this tall stands alone (see solid_segments)
    corner_mm: float = 0.5  # a junction of rules has paper in its four corners this far out
    snap_mm: float = 0.8  # rule positions closer than this are one line
    coverage: float = 0.5  # share of a cell side a rule must cover to separate two cells
    min_table_mm: float = 15.0
    min_cell_mm: float = 3.0  # a column or row closed by the rules' extent alone is at least this wide
    min_column_mm: float = 3.0  # column lines closer than this are one (the one with more rule along it)
    # a cell spanning a boundary that this share of the rows have is split there when print lies on both
    # sides (at least ``split_min_ink`` pixels each) and none within ``split_gap_mm`` of it (scans)
    split_min_rows: float = 0.6
    split_min_ink: int = 20
    split_gap_mm: float = 0.8
    line_window_mm: float = 10.0  # line filter: ink averaged along this length of a candidate rule ...
    line_side_mm: float = 0.5  # ... minus the same average this far to either side (text lines have ink there)
    line_response: float = 0.3  # a rule: at least this much more ink along the line than beside it
    line_fragment_mm: float = 0.4  # ink the line filter keeps: runs this long are rule fragments
    worn_chain_gap_mm: float = 6.0  # a worn page's (``scan_tables(worn=True)``) rules are chained across longer gaps
    # cells follow their own row rules where these run off the grid's straight line (follow_rules): looked for
    # this share of the row pitch (at most follow_max_mm) above and below it, a rule where the line filter's
    # ink covers this share of the column's width
    follow_reach: float = 0.4
    follow_max_mm: float = 3.0
    follow_cover: float = 0.5
    follow_min_mm: float = 0.5  # ... and moved only when it runs this far off the line (less: within the crop's inset)
    # a column wall with ink along at most this share of a row's height within this distance of its line is
    # bridged there, no rule printed (bridged_walls)
    bridged_ink: float = 0.1
    bridged_mm: float = 0.8
    # a line of the grid lost in a merged cell under a seal is put back where the seal covers this share of
    # its stretch there (seal_walls; the rest of the stretch lost too, or the wall would stand)
    seal_wall_share: float = 0.34
    seal_wall_remnant: float = 0.5  # ... and the rule's remnant shows along this share of it (_rule_remnant)
    # a table carried over to the next worn page: a column line one page put back (in part) from its text
    # yields to the other page's print across it, unless the line filter sees a rule along it over this share
    # of its grid's height (pipeline.extract._carry_columns, ruled_share)
    carried_rule_share: float = 0.3


def _mm(dpi: int, mm: float) -> int:
    return max(1, int(round(mm * dpi / 25.4)))


@dataclass
class _Chain:
    """Collinear rule fragments along one line: ``pos`` across, ``a``..``b`` along (pixels)."""

    horizontal: bool
    pieces: list[tuple[float, float, float, float]]  # (a, b, position across, thickness) per fragment

    @property
    def a(self) -> float:
        return self.pieces[0][0]

    @property
    def b(self) -> float:
        return self.end

    def __post_init__(self) -> None:
        self.end = max(p[1] for p in self.pieces)

    def add(self, piece: tuple[float, float, float, float]) -> None:
        self.pieces.append(piece)
        self.end = max(self.end, piece[1])

    @property
    def length(self) -> float:
        return self.b - self.a

    @cached_property
    def pos(self) -> float:  # only once chaining is over
        return statistics.median(p[2] for p in self.pieces)

    own: list[tuple[float, float, float, float]] | None = None  # the page's own ink along the chain, when the
    # chain itself was traced on the line filter's response (which bridges gaps)

    @property
    def ink_pieces(self) -> list[tuple[float, float, float, float]]:
        return self.pieces if self.own is None else self.own

    def cover(self) -> float:
        covered, end = 0.0, self.a
        for a, b, _, _ in self.ink_pieces:
            if b > end:
                covered += b - max(a, end)
                end = b
        return covered / max(1.0, self.length)

    def pos_at(self, t: float) -> float:
        """Position across at ``t`` along (the nearest fragment's), following a slanted or bowed rule."""
        best = min(self.pieces, key=lambda p: 0 if p[0] <= t <= p[1] else min(abs(t - p[0]), abs(t - p[1])))
        return best[2]

    def inked(self, t: float, reach: float) -> bool:
        return any(a - reach <= t <= b + reach for a, b, _, _ in self.ink_pieces)

    @cached_property
    def thickness(self) -> float:
        return statistics.median(p[3] for p in self.pieces)

    def crossed(self, ink: np.ndarray, side: int, skip: list[float], spread: int, step: int = 2) -> float:
        """Share of the chain's length where ink lies close on both sides of it (within ``spread`` along):
        strokes running across or beside it. Character strokes chained along a text line, or down a column
        of 十, have ink of their own glyphs on both sides, a rule hardly anywhere (cells have padding);
        positions in ``skip`` (crossing rules) are left out."""
        ts = np.arange(self.a, self.b, step)
        keep = np.ones(ts.size, bool)
        if skip:
            sk = np.asarray(skip)
            keep = np.min(np.abs(ts[:, None] - sk[None, :]), axis=1) > side + self.thickness + spread
        if ts.size == 0 or not keep.any():
            return 0.0
        centres = np.array([p[2] for p in self.pieces])
        mids = np.array([(p[0] + p[1]) / 2 for p in self.pieces])
        order = np.argsort(mids)
        ps = np.interp(ts, mids[order], centres[order])
        hw = self.thickness / 2 + 1
        offs = np.arange(1, side + 1)
        near = np.concatenate([-(hw + offs[::-1]), hw + offs])
        across = np.rint(ps[:, None] + near[None, :]).astype(np.int64)
        along = np.repeat(np.rint(ts).astype(np.int64)[:, None], near.size, axis=1)
        h, w = ink.shape
        if self.horizontal:
            rows, cols = np.clip(across, 0, h - 1), np.clip(along, 0, w - 1)
        else:
            rows, cols = np.clip(along, 0, h - 1), np.clip(across, 0, w - 1)
        hit = ink[rows, cols] > 0
        k = max(1, spread // step)
        before = _grow(hit[:, :side].any(axis=1), k)
        after = _grow(hit[:, side:].any(axis=1), k)
        return float((before & after)[keep].mean())

    def segment(self) -> "Segment":
        p0, p1 = self.pos_at(self.a), self.pos_at(self.b)
        if self.horizontal:
            return Segment(self.a, p0, self.b, p1)
        return Segment(p0, self.a, p1, self.b)


def _in_mask(mask: np.ndarray | None, x: float, y: float) -> bool:
    if mask is None:
        return False
    h, w = mask.shape
    return bool(mask[min(h - 1, max(0, int(y))), min(w - 1, max(0, int(x)))])


def _boxes(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (x, y, w, h) of the 8-connected components of a 0/255 mask (outer contours: much
    cheaper than labelling with statistics on a full page)."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    return [cv2.boundingRect(c) for c, hh in zip(contours, hierarchy[0]) if hh[3] < 0]


def _grow(flags: np.ndarray, k: int) -> np.ndarray:
    """Boolean run grown by ``k`` positions each way."""
    if not flags.any():
        return flags
    kernel = np.ones(2 * k + 1)
    return np.convolve(flags.astype(np.float64), kernel, mode="same") > 0


def _fragments(ink: np.ndarray, horizontal: bool, length: int, thick: int) -> list[tuple[float, float, float, float]]:
    """Straight runs of ink at least ``length`` long and at most ``thick`` thick: (a, b, position across).

    A slightly slanted rule gives a staircase component taller than its stroke; its thickness is measured
    as area / length, and it is cut into pieces so each keeps its own position across."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
    opened = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
    out = []
    for x, y, w, h in _boxes(opened):
        along, across = (w, h) if horizontal else (h, w)
        if along < length:
            continue
        sub = opened[y:y + h, x:x + w] > 0
        area = int(sub.sum())
        if area > thick * along:
            continue
        if across <= thick:
            profile = sub.sum(axis=1 if horizontal else 0)
            c = float((y if horizontal else x) + np.dot(np.arange(across), profile) / max(1, area))
            t = area / along
            out.append((float(x), float(x + w), c, t) if horizontal else (float(y), float(y + h), c, t))
            continue
        # slanted: pieces of ``length`` along, each with its own centre across
        if not horizontal:
            sub = sub.T
        step = max(length, 8)
        for k in range(0, along, step):
            part = sub[:, k:k + step]
            rows = np.flatnonzero(part.any(axis=1))
            if rows.size == 0 or rows[-1] - rows[0] + 1 > thick:
                continue
            c = float((y if horizontal else x) + rows.mean())
            a0 = float((x if horizontal else y) + k)
            out.append((a0, a0 + part.shape[1], c, float(part.sum()) / max(1, part.shape[1])))
    return out


_LINE_MASKS: "OrderedDict[tuple, np.ndarray]" = OrderedDict()
_LINE_MASKS_LOCK = threading.Lock()


def line_mask(ink: np.ndarray, horizontal: bool, dpi: int, settings: LayoutSettings = LayoutSettings()) -> np.ndarray:
    """Where thin straight lines run (0/255, read-only): a matched filter for rules worn into dashes
    (:func:`pipeline.preprocess.line_response` on the share of ink: along ``line_window_mm``, beside
    ``line_side_mm``, by ``line_response``). The passes of the rule finder and the header search ask for the
    same page's masks again (44 of 114 on seed-21 photocopy150): the last few are kept, by the ink's digest."""
    key = (hashlib.blake2b(np.ascontiguousarray(ink).data, digest_size=16).digest(), ink.shape, ink.dtype.str,
           horizontal, dpi, settings)
    with _LINE_MASKS_LOCK:
        if key in _LINE_MASKS:
            _LINE_MASKS.move_to_end(key)
            return _LINE_MASKS[key]
    out = _line_mask(ink, horizontal, dpi, settings)
    out.setflags(write=False)
    with _LINE_MASKS_LOCK:
        _LINE_MASKS[key] = out
        while len(_LINE_MASKS) > 8:
            _LINE_MASKS.popitem(last=False)
    return out


def _line_mask(ink: np.ndarray, horizontal: bool, dpi: int, settings: LayoutSettings) -> np.ndarray:
    f = (ink > 0).astype(np.float32)
    if not horizontal:
        f = f.T
    response = line_response(f, _mm(dpi, settings.line_window_mm), _mm(dpi, settings.line_side_mm))
    out = np.where(response >= settings.line_response, 255, 0).astype(np.uint8)
    return out if horizontal else np.ascontiguousarray(out.T)


def ruled_share(ink: np.ndarray, x: float, y0: float, y1: float, dpi: int,
                settings: LayoutSettings = LayoutSettings()) -> float:
    """Share of the stretch ``y0``..``y1`` down column line ``x`` where the line filter (:func:`line_mask`) sees a
    vertical rule within 1 mm of it: a line of the grid seen as a rule (worn, broken) rather than put back
    from its text."""
    reach = _mm(dpi, 1.0)
    pad = reach + 2 * _mm(dpi, settings.line_side_mm) + 2
    h, w = ink.shape
    a, b = max(0, int(y0)), min(h, int(y1))
    x0, x1 = max(0, int(x) - pad), min(w, int(x) + pad + 1)
    if b - a < 2 or x1 - x0 < 3:
        return 0.0
    mask = _line_mask(np.ascontiguousarray(ink[a:b, x0:x1]), False, dpi, settings)
    lo, hi = max(0, int(x) - reach - x0), min(x1 - x0, int(x) + reach + 1 - x0)
    return float((mask[:, lo:hi] > 0).any(axis=1).mean())


def _chain(frags: list[tuple[float, float, float, float]], horizontal: bool, max_gap: float, tol: float,
           drift: float) -> list[_Chain]:
    """Greedy collinear chaining along the line: a fragment joins the chain whose end it continues
    (gap ≤ ``max_gap``, sideways offset ≤ ``tol`` + ``drift`` × gap), else starts a new chain."""
    chains: list[_Chain] = []
    bins: dict[int, list[int]] = {}
    size = max(1.0, tol)
    for a, b, c, t in sorted(frags):
        best, best_cost = None, None
        key = int(c // size)
        for k in (key - 1, key, key + 1):
            for idx in bins.get(k, ()):
                ch = chains[idx]
                end = ch.b
                gap = a - end
                if gap > max_gap or b <= end:
                    continue
                off = abs(c - ch.pieces[-1][2])
                if off > tol + drift * max(0.0, gap):
                    continue
                cost = max(0.0, gap) + 4 * off
                if best_cost is None or cost < best_cost:
                    best, best_cost = idx, cost
        if best is None:
            chains.append(_Chain(horizontal, [(a, b, c, t)]))
            bins.setdefault(key, []).append(len(chains) - 1)
        else:
            ch = chains[best]
            old = int(ch.pieces[-1][2] // size)
            ch.add((a, b, c, t))
            if old != key:
                bins[old].remove(best)
                bins.setdefault(key, []).append(best)
    return chains


def _own_ink(chain: _Chain, pieces: list[tuple[float, float, float, float]], tol: float) -> _Chain | None:
    """The chain with its own ink: the ink runs lying along it (within ``tol`` across), so its coverage and
    its junctions are the page's, not the line filter's (which bridges gaps)."""
    own = [p for p in pieces if p[1] > chain.a and p[0] < chain.b and abs(p[2] - chain.pos_at((p[0] + p[1]) / 2)) <= tol]
    if not own:
        return None
    own.sort()
    lo, hi = own[0][0], max(p[1] for p in own)
    clipped = [(max(a, lo), min(b, hi), c, t) for a, b, c, t in chain.pieces if min(b, hi) > max(a, lo)]
    if not clipped:
        return None
    trimmed = _Chain(chain.horizontal, clipped)  # ends where its own ink ends (the filter overshoots them)
    trimmed.own = own
    return trimmed


def _junctions(chain: _Chain, others: np.ndarray, reach: float, corners: np.ndarray | None = None,
               corner: int = 2) -> tuple[int, int]:
    """(crossings, crossings reached by the chain's own ink) with perpendicular chains given as rows
    (a, b, position across, thickness) of ``others``.

    With ``corners`` (the page's ink): a crossing counts as reached only when it is a clean junction of
    two thin lines — the four corner windows around it (``corner`` px, just beyond both lines) hold no
    ink. The corners of cells are paper; where character strokes cross, ink is all around."""
    if others.size == 0:
        return 0, 0
    t = others[:, 2]  # where each other line is, along this chain
    crossing = (chain.a - reach <= t) & (t <= chain.b + reach) & (others[:, 0] - reach <= chain.pos) \
        & (chain.pos <= others[:, 1] + reach)
    t, widths = t[crossing], others[crossing, 3]
    if t.size == 0:
        return 0, 0
    pieces = np.array([(a, b) for a, b, _, _ in chain.ink_pieces])
    inked = ((pieces[None, :, 0] - reach <= t[:, None]) & (t[:, None] <= pieces[None, :, 1] + reach)).any(axis=1)
    if corners is not None:
        h, w = corners.shape
        p = chain.pos
        hw_own = chain.thickness / 2 + 1
        for k in np.flatnonzero(inked):
            hw_other = widths[k] / 2 + 1
            along, across = float(t[k]), p
            empty = 0
            for da in (-1, 1):
                for dc in (-1, 1):
                    a0 = along + da * hw_other
                    c0 = across + dc * hw_own
                    a_lo, a_hi = sorted((a0, a0 + da * corner))
                    c_lo, c_hi = sorted((c0, c0 + dc * corner))
                    a_lo, a_hi, c_lo, c_hi = int(round(a_lo)), int(round(a_hi)) + 1, int(round(c_lo)), int(round(c_hi)) + 1
                    if chain.horizontal:
                        win = corners[max(0, c_lo):min(h, c_hi), max(0, a_lo):min(w, a_hi)]
                    else:
                        win = corners[max(0, a_lo):min(h, a_hi), max(0, c_lo):min(w, c_hi)]
                    empty += not win.any()
            if empty < 3:
                inked[k] = False
    return int(t.size), int(inked.sum())


def _spans(chains: list[_Chain]) -> np.ndarray:
    return np.array([(c.a, c.b, c.pos, c.thickness) for c in chains], dtype=np.float64).reshape(-1, 4)


def chained_segments(binary: np.ndarray, dpi: int, settings: LayoutSettings = LayoutSettings(),
                     rule_ink: np.ndarray | None = None, seal_mask: np.ndarray | None = None,
                     worn: bool = False, faint_rows: np.ndarray | None = None) -> list[Segment]:
    """Rule segments of a worn scan (ink = 255): broken, faded, slightly slanted or bowed rules.

    ``rule_ink`` (``CleanPage.rule_ink``) is the faint-inclusive mask: grey rules lost by the ink
    threshold are found in it; without it ``binary`` is used. ``faint_rows`` (``CleanPage.faint_rules``, worn
    pages) adds rule ink fainter still to the row-rule candidates only (a row rule lost merges two rows, the
    commoner loss on a worn copy; with the dimmer ink for column rules too, generated photocopies grew false
    columns); the column rules judged without those rows are kept as well (more rows to cross dilute a weak
    column rule's share of junctions met — a column found either way stays).

    1. fragments: straight thin runs of ink ≥ ``fragment_mm`` (directional opening);
    2. chains: collinear fragments joined across gaps up to ``chain_gap_mm`` (broken, worn rules), with a
       little sideways drift (residual skew, bowed paper); a chain counts when its ink covers
       ``min_chain_cover`` of its length;
    3. acceptance — aligned character strokes (十 over 十, the 1s of a numeric column), dashes and text
       underlines chain too, but they stop short of the rules around them (cells have padding): a chain
       below ``strong_cover`` counts only when its own ink reaches most of the rules it crosses; a solid
       horizontal one must end on a vertical rule (or be very long), a solid vertical one must be long or run
       between two horizontal rules;
    4. ends snapped to the crossing rules, vertical rules trimmed to the first and last rule they cross.
    """
    ink = rule_ink if rule_ink is not None else binary
    thick = max(6, dpi // 20)
    tol = max(2.0, dpi / 100.0)
    max_gap = float(_mm(dpi, settings.worn_chain_gap_mm if worn else settings.chain_gap_mm))
    reach = float(max(3, dpi // 40))
    # fragments: straight runs of ink >= ``fragment_mm``; on a worn page (``worn``: a photocopy whose
    # contrast was stretched, rules grey and cut into short dashes) runs that short are rare, so the chains
    # are traced on the line filter's response and described by the page's own ink where the filter sees a
    # rule (short pieces of a worn rule count, the filter has weeded out text, noise and watermark
    # strokes). Not on other pages: there the filter also sees the aligned strokes of stacked digits.
    frag = _mm(dpi, settings.fragment_mm)
    short = _mm(dpi, settings.line_fragment_mm)

    faded_v: list[_Chain] = []  # worn pages: column-rule candidates too faded to stand alone (see below)

    def chains(horizontal: bool, min_length: int, own_ink: np.ndarray = ink) -> list[_Chain]:
        """Lines where the line filter sees them, chained, then described by the page's own ink along them."""
        mask = line_mask(own_ink, horizontal, dpi, settings)
        pieces = sorted(_fragments(cv2.bitwise_and(own_ink, mask), horizontal, short, thick), key=lambda p: p[2])
        across = np.array([p[2] for p in pieces])
        out = []
        for c in _chain(_fragments(mask, horizontal, frag, thick), horizontal, max_gap, tol, settings.chain_drift):
            if c.length < min_length:
                continue
            lo = bisect.bisect_left(across, min(p[2] for p in c.pieces) - tol)
            hi = bisect.bisect_right(across, max(p[2] for p in c.pieces) + tol)
            own = _own_ink(c, pieces[lo:hi], tol)
            if own is not None and own.length >= min_length and own.cover() >= settings.min_chain_cover:
                out.append(own)
            elif not horizontal and own is not None and own.length >= min_length \
                    and own.cover() >= settings.line_piece_cover:
                faded_v.append(own)
        return out

    def plain_chains(horizontal: bool, min_length: int) -> list[_Chain]:
        return [c for c in _chain(_fragments(ink, horizontal, frag, thick), horizontal, max_gap, tol, settings.chain_drift)
                if c.length >= min_length and c.cover() >= settings.min_chain_cover]

    lines = chains if worn else plain_chains
    hs = lines(True, 3 * _mm(dpi, settings.min_rule_mm))
    vs = lines(False, _mm(dpi, settings.min_rule_mm))
    if seal_mask is not None:  # short vertical pieces inside a seal are its ring or star
        long_piece = _mm(dpi, 12.0)
        vs = [c for c in vs if c.length >= long_piece or not _in_mask(seal_mask, c.pos, (c.a + c.b) / 2)]
        faded_v[:] = [c for c in faded_v if c.length >= long_piece or not _in_mask(seal_mask, c.pos, (c.a + c.b) / 2)]
    side = _mm(dpi, settings.side_mm)
    corner = _mm(dpi, settings.corner_mm)
    spread = _mm(dpi, settings.spread_mm)

    long_v = _mm(dpi, 12.0)

    def judged(hs: list[_Chain], vs: list[_Chain]) -> tuple[list[_Chain], list[_Chain]]:
        """The rules among the candidate chains: (row rules, column rules)."""
        # strokes across a chain: counted everywhere first; then the crossings with long perpendicular chains
        # that are clean themselves (rules) are left out — short ones are character strokes, not rules
        side_v = _mm(dpi, settings.side_v_mm)
        # (cheap first: a chain neither solid nor reaching any crossing candidate is dropped before the costly tests)
        all_h, all_v = _spans(hs), _spans(vs)
        hs = [c for c in hs if c.cover() >= settings.strong_cover or _junctions(c, all_v, reach)[1] >= 1]
        vs = [c for c in vs if c.cover() >= settings.strong_cover or _junctions(c, all_h, reach)[1] >= 1]
        plain_h = [c.crossed(ink, side, [], spread) if c.length >= long_v else 1.0 for c in hs]
        plain_v = [c.crossed(ink, side_v, [], spread) if c.length >= long_v else 1.0 for c in vs]

        def not_text(chains: list[_Chain], others: list[_Chain], plain_others: list[float], side: int) -> list[_Chain]:
            ruled = [o for o, x in zip(others, plain_others) if x <= settings.max_crossed and o.length >= long_v]
            spans = _spans(ruled)
            out = []
            for c in chains:
                crossing = (spans[:, 0] - reach <= c.pos) & (c.pos <= spans[:, 1] + reach)
                if c.crossed(ink, side, spans[crossing, 2].tolist(), spread) <= settings.max_crossed:
                    out.append(c)
            return out

        hs, vs = not_text(hs, vs, plain_v, side), not_text(vs, hs, plain_h, side_v)
        very_long = _mm(dpi, 40.0)

        def weak_ok(chains: list[_Chain], others: np.ndarray) -> list[bool]:
            """Per chain: does the line it lies on (its collinear chains, whatever the gaps between them) meet
            the crossing rules with its own ink at most crossings? A rule worn into pieces longer apart than
            ``chain_gap_mm`` is judged as one line."""
            stats = [_junctions(c, others, reach, binary, corner) for c in chains]
            order = sorted(range(len(chains)), key=lambda i: chains[i].pos)
            ok = [False] * len(chains)
            k = 0
            while k < len(order):
                group = [order[k]]
                while k + 1 < len(order) and chains[order[k + 1]].pos - chains[group[0]].pos <= tol:
                    k += 1
                    group.append(order[k])
                k += 1
                n = sum(stats[i][0] for i in group)
                hit = sum(stats[i][1] for i in group)
                if hit >= max(2.0, settings.min_junction_share * n):
                    for i in group:
                        ok[i] = True
            return ok

        # verticals first judged against every horizontal candidate, then horizontals against the kept verticals,
        # then verticals again against the kept horizontals
        def judge_v(h_set: list[_Chain]) -> list[_Chain]:
            weak = weak_ok(vs, _spans(h_set))
            return [c for c, w in zip(vs, weak) if w or (c.cover() >= settings.strong_cover and c.length >= long_v)]

        def judge_h(candidates: list[_Chain], v_keep: list[_Chain]) -> list[_Chain]:
            v_spans = _spans(v_keep)
            kept = []
            for c, w in zip(candidates, weak_ok(candidates, v_spans)):
                if c.cover() >= settings.strong_cover:
                    anchored = sum(any(abs(o.pos_at(c.pos) - end) <= reach + tol and o.a - reach <= c.pos_at(end) <= o.b + reach
                                       for o in v_keep) for end in (c.a, c.b))
                    if anchored == 2 or (anchored == 1 and c.length >= very_long) or (not v_keep and c.length >= very_long) \
                            or w:
                        kept.append(c)
                elif w:
                    kept.append(c)
            return kept

        v_keep = judge_v(hs)
        h_keep = judge_h(hs, v_keep)
        v_keep = judge_v(h_keep)
        return h_keep, v_keep

    if worn and faint_rows is not None:
        # row rules fainter still (``faint_rows``) among the candidates: the rules judged with them, and the column
        # rules judged without them too (more rows to cross dilute a weak column rule's share of junctions met:
        # one found either way is kept)
        h_keep, v_keep = judged(chains(True, 3 * _mm(dpi, settings.min_rule_mm), cv2.bitwise_or(ink, faint_rows)), vs)
        h_plain, v_plain = judged(hs, vs)

        def apart(c: _Chain, kept: list[_Chain], dist: float) -> bool:  # no kept line this close along its span
            spans = _spans(kept)
            return not ((np.abs(spans[:, 2] - c.pos) <= dist) & (spans[:, 0] < c.b) & (c.a < spans[:, 1])).any()

        # a row line found only with the dimmer ink that is shorter than 40 mm or closer to a row rule than a row
        # can be tall (a piece of a header's rule, the strokes of the text along a line) cuts cells into rows the
        # column rules do not cross and gives characters' strokes a row to be walls of: left out
        h_keep = [c for c in h_keep if not apart(c, h_plain, tol)
                  or c.length >= _mm(dpi, 40.0) and apart(c, h_plain, _mm(dpi, settings.min_cell_mm))]
        v_keep += [c for c in v_plain if apart(c, v_keep, tol)]
    else:
        h_keep, v_keep = judged(hs, vs)
    if faded_v and v_keep:
        v_keep += _line_pieces(faded_v, v_keep, h_keep, tol, reach, long_v, settings.min_junction_share)
    if worn and faint_rows is not None:
        # a short vertical piece kept alone on its line — no other candidate above or below it, faded or not —
        # while column rules run far past it on both sides is a stroke (the 阝 of a diagonal watermark's 部, grey
        # as the worn rules: seed-45 education 公开04表, a 9 mm stroke inside 项目 made a column of it); a rule
        # worn into pieces leaves more than one, and a small table's rules are all short. (Taken off the rules
        # kept, not the candidates: a row rule is judged by the candidates it crosses. Not in scan_tables' last
        # pass, its column rules from the dimmer ink too: there strokes kept make a grid the other passes'
        # win over, and without them a lesser one may win — seed-41 police 公开03表.)
        lone = _mm(dpi, settings.lone_piece_mm)
        along = sorted(c.pos for c in vs + faded_v)

        def stroke(c: _Chain) -> bool:
            if c.length >= lone or bisect.bisect_right(along, c.pos + tol) - bisect.bisect_left(along, c.pos - tol) > 1:
                return False
            return sum(o.a < c.a - lone and o.b > c.b + lone for o in v_keep) >= 2

        v_keep = [c for c in v_keep if not stroke(c)]
        v_keep = [c for c in v_keep if not _glyph_chain(c, binary, dpi, settings)]

    segs: list[Segment] = []
    snap = max_gap
    for c in h_keep:
        a, b = c.a, c.b
        # ends snapped to the vertical rules they (nearly) reach
        near_a = [o.pos_at(c.pos) for o in v_keep if abs(o.pos_at(c.pos) - a) <= snap and o.a - snap <= c.pos_at(a) <= o.b + snap]
        near_b = [o.pos_at(c.pos) for o in v_keep if abs(o.pos_at(c.pos) - b) <= snap and o.a - snap <= c.pos_at(b) <= o.b + snap]
        a = min(near_a, key=lambda x: abs(x - a)) if near_a else a
        b = min(near_b, key=lambda x: abs(x - b)) if near_b else b
        segs.append(Segment(a, c.pos_at(c.a), b, c.pos_at(c.b)))
    h_lines = [(c.pos, sg.x0, sg.x1, c) for c, sg in zip(h_keep, segs)]
    min_len = _mm(dpi, settings.min_rule_mm)
    for c in v_keep:
        xv = c.pos
        crossings = sorted(hc.pos_at(xv) for _, x0, x1, hc in h_lines
                           if x0 - snap <= xv <= x1 + snap and c.a - snap <= hc.pos_at(xv) <= c.b + snap)
        if len(crossings) >= 2 and crossings[-1] - crossings[0] >= min_len:
            segs.append(Segment(c.pos_at(crossings[0]), crossings[0], c.pos_at(crossings[-1]), crossings[-1]))
        elif not h_lines and c.length >= long_v:
            segs.append(c.segment())
    return segs


def _glyph_chain(c: _Chain, binary: np.ndarray, dpi: int, settings: LayoutSettings, reach_mm: float = 6.0,
                 min_piece_mm: float = 0.8) -> bool:
    """A short vertical chain (``glyph_chain_mm`` at most) made of pieces each exactly as tall as the text beside
    it in its line — its top and bottom within ``glyph_edge_mm`` of the top and bottom of the glyphs within
    ``reach_mm`` either side, in two pieces or more — is a glyph stacked over its likes down a column, not a
    rule: the 1s of 1,813.50 printed in three rows running (seed-45 photocopy150 nanyang 公开03表, a column line
    through 项目支出 that cut each 1 off). A rule worn into pieces leaves them at random lengths, and a rule
    whole in a row runs past the text from row line to row line. (Pieces shorter than ``min_piece_mm``, the
    crossings of row rules, are not counted.)"""
    if c.horizontal or c.length > _mm(dpi, settings.glyph_chain_mm):
        return False
    reach, edge, x = _mm(dpi, reach_mm), _mm(dpi, settings.glyph_edge_mm), int(round(c.pos))
    half = max(2, int(round(max(p[3] for p in c.ink_pieces) / 2.0 + 1)))
    h, w = binary.shape[:2]
    # the pieces as the page's ink has them (the chain's own pieces are where the line filter saw a rule: parts)
    top, bottom = max(0, int(c.a) - _mm(dpi, 2.0)), min(h, int(c.b) + _mm(dpi, 2.0) + 1)
    inked = (binary[top:bottom, max(0, x - half):min(w, x + half + 1)] > 0).any(axis=1)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], inked.astype(np.int8), [0]))))
    if len(edges) and (edges[0] == 0 or edges[-1] == len(inked)):
        return False  # (ink running on past the chain: a rule)
    pieces = [(top + a, top + b) for a, b in zip(edges[::2], edges[1::2]) if b - a >= _mm(dpi, min_piece_mm)]
    if len(pieces) < 2:
        return False
    for a, b in pieces:
        y0, y1 = max(0, int(a) - 2 * edge - 2), min(h, int(b) + 2 * edge + 3)
        x0, x1 = max(0, x - reach), min(w, x + reach + 1)
        crop = binary[y0:y1, x0:x1].copy()
        crop[:, max(0, x - half - x0):max(0, x + half + 1 - x0)] = 0  # (the chain's own stroke)
        n, _, stats, _ = cv2.connectedComponentsWithStats((crop > 0).astype(np.uint8), connectivity=8)
        # glyphs beside it: components clear of the crop's top and bottom (not a rule running on), taller than
        # a point or a comma
        tops = [y0 + st[1] for st in stats[1:n] if st[1] > 0 and st[1] + st[3] < crop.shape[0]
                and st[3] >= 0.5 * (b - a)]
        bottoms = [y0 + st[1] + st[3] for st in stats[1:n] if st[1] > 0 and st[1] + st[3] < crop.shape[0]
                   and st[3] >= 0.5 * (b - a)]
        if not tops or abs(min(tops) - a) > edge or abs(max(bottoms) - b) > edge:
            return False
    return True


def _line_pieces(faded: list[_Chain], kept: list[_Chain], rows: list[_Chain], tol: float, reach: float,
                 long_rule: float, share: float) -> list[_Chain]:
    """The faded pieces of column rules already found: a candidate whose ink covers less of its length than a
    rule standing alone must (``min_chain_cover``) is a rule where it lies in line with a long kept column
    rule, apart from it along the line (the rest of the same rule, worn further: seed-45 agriculture's
    公开06表, the rule between 科目名称 and 决算数 kept from the header to a row, 45 % ink below it, so every
    “——” under it was read with the name beside it and lost) and its own ink meets ``share`` of the row rules
    it crosses (a character's strokes stop short of them). Gaps between it and the rule are not bridged: a
    cell spanning the two columns there (合计 over code and name) keeps its span."""
    out: list[_Chain] = []
    row_spans = _spans(rows)
    for c in faded:
        mid = (c.a + c.b) / 2
        in_line = [k for k in kept if k.length >= long_rule and abs(k.pos_at(mid) - c.pos) <= tol
                   and (k.b <= c.a + reach or c.b <= k.a + reach)]
        if not in_line or any(abs(k.pos - c.pos) <= tol and k.a < c.b and c.a < k.b for k in kept + out):
            continue
        n, hit = _junctions(c, row_spans, reach)
        if n >= 2 and hit >= share * n:
            out.append(c)
    return out


def solid_segments(binary: np.ndarray, dpi: int, settings: LayoutSettings = LayoutSettings(),
                   seal_mask: np.ndarray | None = None) -> list[Segment]:
    """Rule segments of a binarised page (ink = 255) that are nearly whole: the first pass on a scan.

    Horizontal rules are long (≥ 3 × ``min_rule_mm``). A vertical piece is a rule when it is long, or when
    it is at least a row's height and both its ends meet a horizontal rule — the vertical strokes of
    characters and digits never touch the rules at both ends, because cells have padding.
    """
    min_len = _mm(dpi, settings.min_rule_mm)
    gap = _mm(dpi, settings.gap_mm)
    thick = max(6, dpi // 20)

    def runs(horizontal: bool, length: int, bridge: bool = True, keep: list | None = None
             ) -> list[tuple[int, int, int, int]]:
        k_open = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
        m = binary
        if bridge:
            k_close = cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1) if horizontal else (1, gap))
            m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, k_close)
        m = cv2.morphologyEx(m, cv2.MORPH_OPEN, k_open)
        if keep is not None:
            keep.append(m)
        return _boxes(m)

    def thin(m: np.ndarray, x: int, y: int, w: int, h: int, horizontal: bool) -> bool:
        """A run's box is a thin line: no thicker than ``thick``, or — a rule bowed or left slightly
        slanted by the scan — ``thick`` across at every point along it, drifting at most ``bow_slope``."""
        across, along = (h, w) if horizontal else (w, h)
        if across <= thick:
            return True
        if across > thick + along * settings.bow_slope:
            return False
        box = m[y:y + h, x:x + w] > 0
        return int(box.sum(axis=0 if horizontal else 1).max()) <= thick

    long_v = _mm(dpi, 12.0)
    reach = max(3, dpi // 40)
    # 1. long vertical rules (gaps bridged): table borders and column separators
    # (bridging must not chain the aligned strokes of characters in successive rows — “十” over “十” —
    # into a rule: the ink itself has to cover most of the length)
    mv: list[np.ndarray] = []
    verticals = [(x + w / 2.0, float(y), float(y + h)) for x, y, w, h in runs(False, long_v, keep=mv)
                 if thin(mv[0], x, y, w, h, False)
                 and _ink_cover(binary, x, y, w, h, vertical=True) >= settings.min_ink_cover]
    # 2. horizontal rules end on a vertical rule; runs of character strokes that happen to line up do
    #    not (cells have padding). Pages without any vertical rule keep only very long horizontals.
    def anchored(xe: float, yy: float) -> bool:
        return any(abs(xv - xe) <= reach and a - reach <= yy <= b + reach for xv, a, b in verticals)

    segs: list[Segment] = []
    very_long = _mm(dpi, 40.0)
    side_h = _mm(dpi, settings.side_mm)
    mh: list[np.ndarray] = []
    heights: list[tuple[float, np.ndarray | None]] = []  # per horizontal rule: x0 and, when bowed, its y at every x
    for x, y, w, h in runs(True, min_len * 3, keep=mh):
        if not thin(mh[0], x, y, w, h, True):
            continue
        yc, profile = y + h / 2.0, None
        if h > thick:  # a bowed rule: its ends and crossings where it runs, its grid line at its median height
            box = mh[0][y:y + h, x:x + w] > 0
            profile = y + (box * np.arange(h)[:, None]).sum(axis=0) / np.maximum(box.sum(axis=0), 1)
            yc = float(np.median(profile))
        if _edge_ink(binary, mh[0], x, y, w, h, side_h) > settings.max_edge_ink:
            continue  # the foot (or top) of a line of text filling its cell from wall to wall
        y_left, y_right = (yc, yc) if profile is None else (float(profile[0]), float(profile[-1]))
        ends = anchored(float(x), y_left) + anchored(float(x + w), y_right)
        if ends == 2 or (ends == 1 and w >= very_long) or (not verticals and w >= very_long):
            segs.append(Segment(float(x), yc, float(x + w), yc))
            heights.append((float(x), profile))
    h_lines = [(sg.y0, sg.x0, sg.x1) for sg in segs]

    def height_at(k: int, xx: float) -> float:
        x0, profile = heights[k]
        return h_lines[k][0] if profile is None else float(profile[min(len(profile) - 1, max(0, int(xx - x0)))])

    def on_rule(xx: float, yy: float) -> bool:
        return any(a - reach <= xx <= b + reach and abs(height_at(k, xx) - yy) <= reach
                   for k, (_, a, b) in enumerate(h_lines))

    # a vertical rule runs between horizontal rules: keep it from the first to the last rule it crosses
    # (bridging may have extended it into a character stroke beyond them); a long stroke of a stain or a
    # seal remnant crosses fewer than two
    for xv, a, b in verticals:
        crossings = sorted(y for y, x0, x1 in h_lines if a - reach <= y <= b + reach and x0 - reach <= xv <= x1 + reach)
        if len(crossings) >= 2 and crossings[-1] - crossings[0] >= min_len:
            if crossings[-1] - crossings[0] < long_v and _in_mask(seal_mask, xv, (crossings[0] + crossings[-1]) / 2):
                continue  # a seal's stroke between two rules
            segs.append(Segment(xv, crossings[0], xv, crossings[-1]))
        elif not h_lines:
            segs.append(Segment(xv, a, xv, b))

    # 3. short vertical pieces (one row high, unbridged) count when both ends meet a horizontal rule — not
    #    inside a seal (``seal_mask``), where its ring and star cross the rows, and not with ink close on both
    #    sides along it, nor on one side over most of it: in dense rows (no padding) the strokes of
    #    characters touch both rules, but their neighbour strokes lie beside them; and a piece is taller than a dense row (``tall_piece_mm``: a
    #    header row), lies on the line of a long vertical rule or of another such piece (a rule worn into
    #    one piece per row), or runs across a rule (two rows high): strokes of text stand where they happen
    #    to, one dense row high
    side = _mm(dpi, settings.side_v_mm)
    pieces = []
    for x, y, w, h in runs(False, min_len // 2, bridge=False):
        if w > thick or h >= long_v:
            continue
        xc = x + w / 2.0
        if _in_mask(seal_mask, xc, y + h / 2):
            continue
        if on_rule(xc, y) and on_rule(xc, y + h) and _side_ink(binary, x, y, w, h, side) <= settings.max_crossed \
                and _side_ink(binary, x, y, w, h, side, both=False) <= settings.max_one_side:
            pieces.append(Segment(xc, float(y), xc, float(y + h)))
    long_xs = [xv for xv, _, _ in verticals]
    tall = _mm(dpi, settings.tall_piece_mm)

    def rules_met(sg: Segment) -> int:  # horizontal rules the piece meets (its ends included)
        return sum(sg.y0 - reach <= y <= sg.y1 + reach and a - reach <= sg.x0 <= b + reach for y, a, b in h_lines)

    for sg in pieces:
        if sg.y1 - sg.y0 >= tall or any(abs(xv - sg.x0) <= reach for xv in long_xs) or rules_met(sg) >= 3 \
                or sum(abs(o.x0 - sg.x0) <= reach for o in pieces) >= 2:
            segs.append(sg)
    return segs


def _edge_ink(binary: np.ndarray, opened: np.ndarray, x: int, y: int, w: int, h: int, side: int) -> float:
    """Share of a horizontal run's length (box ``x, y, w, h`` of ``opened``, where it runs) with ink just above
    it, or just below it, whichever is more. A rule has paper beside it on both sides (cells are padded), save
    where a character touches it; the run found along the feet or tops of a line of digits that fills its cell
    from wall to wall (“100.00%”, the gaps bridged) has the characters' ink on one side all along."""
    box = opened[y:y + h, x:x + w] > 0
    cols = np.flatnonzero(box.any(axis=0))
    if cols.size == 0:
        return 0.0
    top = y + box[:, cols].argmax(axis=0)
    bottom = y + h - 1 - box[::-1, cols].argmax(axis=0)
    xs = x + cols
    H = binary.shape[0]
    above = np.zeros(cols.size, bool)
    below = np.zeros(cols.size, bool)
    for d in range(2, side + 2):
        above |= binary[np.clip(top - d, 0, H - 1), xs] > 0
        below |= binary[np.clip(bottom + d, 0, H - 1), xs] > 0
    return float(max(above.mean(), below.mean()))


def _side_ink(binary: np.ndarray, x: int, y: int, w: int, h: int, side: int, both: bool = True) -> float:
    """Share of a vertical piece's inner length (its ends, on the rules, left out) with ink within ``side``
    px on both its left and its right (``both=False``: on either side)."""
    cut = max(2, h // 6)
    y0, y1 = y + cut, y + h - cut
    if y1 <= y0:
        return 0.0
    left = binary[y0:y1, max(0, x - 1 - side):max(0, x - 1)]
    right = binary[y0:y1, x + w + 1:x + w + 1 + side]
    if left.size == 0 or right.size == 0:
        return 0.0
    if both:
        return float((left.any(axis=1) & right.any(axis=1)).mean())
    return float((left.any(axis=1) | right.any(axis=1)).mean())


def segments_from_binary(binary: np.ndarray, dpi: int, settings: LayoutSettings = LayoutSettings(),
                         rule_ink: np.ndarray | None = None) -> list[Segment]:
    """Rule segments of a scan: the solid pass, or — given ``rule_ink`` — the chained pass."""
    if rule_ink is None:
        return solid_segments(binary, dpi, settings)
    return chained_segments(binary, dpi, settings, rule_ink)


def _area(b: tuple[int, int, int, int]) -> float:
    return max(0, b[2] - b[0]) * max(0, b[3] - b[1])


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    return _area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def _box_of(s: Segment, dpi: int) -> tuple[int, int, int, int]:
    pad = _mm(dpi, 0.5)
    return (int(min(s.x0, s.x1)) - pad, int(min(s.y0, s.y1)) - pad, int(max(s.x0, s.x1)) + pad, int(max(s.y0, s.y1)) + pad)


def _covering(grids: list[Grid], g: Grid) -> list[Grid]:
    """The grids of ``grids`` that overlap ``g`` by 30 % of the smaller box or more (the same table's)."""
    return [o for o in grids if _overlap(o.bbox, g.bbox) > 0.3 * min(_area(o.bbox), _area(g.bbox))]


def _edge_piece(g: Grid, others: list[Grid], min_rows: int = 3, share: float = 0.34) -> bool:
    """``g`` is rows of a table the other grids lost above or below them: it meets them only at their top or
    foot (their boxes overlap over ``share`` of the lower one's height at most: a grid over most of another is
    that table again, seen whole or in part) and has ``min_rows`` row lines beyond it."""
    for o in others:
        top, bottom = max(o.bbox[1], g.bbox[1]), min(o.bbox[3], g.bbox[3])
        low = min(g.bbox[3] - g.bbox[1], o.bbox[3] - o.bbox[1])
        if bottom - top > share * low or not (g.bbox[1] < o.bbox[1] or g.bbox[3] > o.bbox[3]):
            return False
        beyond = [y for y in g.ys if y < o.bbox[1] or y > o.bbox[3]]
        if len(beyond) < min_rows:
            return False
    return True


def _prefer(base: list[Grid], other: list[Grid], better) -> list[Grid]:
    """``base`` with each of ``other``'s grids added where it overlaps nothing, or put in place of what it
    overlaps when that covers less than 80 % of it (a part of the table) or when ``better(grid, old)``."""
    out = list(base)
    for g in other:
        inside = _covering(out, g)
        if not inside:
            out.append(g)
            continue
        covered = sum(_area(o.bbox) for o in inside)
        if covered < 0.8 * _area(g.bbox) or (len(inside) == 1 and better(g, inside[0])):
            out = [o for o in out if o not in inside] + [g]
    return out


def scan_tables(binary: np.ndarray, rule_ink: np.ndarray | None, page_w: int, page_h: int, dpi: int,
                settings: LayoutSettings = LayoutSettings(), seal_mask: np.ndarray | None = None,
                worn: bool = False, faint: np.ndarray | None = None) -> list[Grid]:
    """Tables of a scanned page, from two passes over its rules.

    The solid pass (whole rules, small gaps bridged) is exact on good scans; the chained pass (fragments
    chained across gaps of several mm, faint rules from ``rule_ink``, on a worn page the row rules fainter still
    from ``faint``: ``CleanPage.faint_rules``) survives worn ones; on a worn page a last pass with ``faint``
    for the column rules too adds the tables neither found, and a table the others found in pieces. Per table the
    solid grid is kept unless another pass saw more of it: a larger table where the solid pass found only a
    part (or nothing), or one with more rows in the same columns (row rules the solid pass lost).

    (A third pass — the solid one on the faint mask, taken where it saw a superset — was tried and dropped:
    on generated sealed/watermarked scans it added spurious columns.)"""
    # (a worn page's column rules survive in a few rows only: no stray-column pruning there)
    settings = replace(settings, stray_column_share=0.0 if worn else settings.scan_stray_column_share)
    solid_segs = solid_segments(binary, dpi, settings, seal_mask)
    solid = find_tables(solid_segs, page_w, page_h, dpi, settings)
    if rule_ink is None:
        return _completed(solid, solid_segs, binary, dpi, settings, worn)
    # broken rules: the chained pass, taken where it sees more rows and keeps the solid pass's columns
    chained_segs = chained_segments(binary, dpi, settings, rule_ink, seal_mask, worn, faint)
    chained = find_tables(chained_segs, page_w, page_h, dpi, settings)
    tol = _mm(dpi, 1.0)

    def keeps_columns(g: Grid, o: Grid) -> bool:  # every column rule of the solid grid is in the chained one
        return all(any(abs(a - b) <= tol for b in g.xs) for a in o.xs)

    out = _prefer(solid, chained, lambda g, o: g.n_rows > o.n_rows and keeps_columns(g, o))
    segments = solid_segs + chained_segs
    if faint is not None:
        # a worn photocopy's rules fainter still (``CleanPage.faint_rules``): the chained pass again with them,
        # its tables taken where no other pass found any, or in place of what the others found when that covers
        # less than 80 % of it and has fewer rows (pieces of one table: too few column rules met in the rows
        # between them); not where it only sees more columns, or more rows of a table found whole (there the
        # dimmer ink adds false columns)
        faint_segs = chained_segments(binary, dpi, settings, cv2.bitwise_or(rule_ink, faint), seal_mask, worn)
        added = []
        # (the largest first: a small grid over the top of a larger one it found must not shut that one out)
        for g in sorted(find_tables(faint_segs, page_w, page_h, dpi, settings), key=lambda g: -_area(g.bbox)):
            touched = [o for o in out if _overlap(o.bbox, g.bbox) > 0]
            inside = _covering(touched, g)
            if touched and _edge_piece(g, touched):
                out.append(g)  # (joined to the table it meets when the grids are completed from the text)
                added.append(g)
                continue
            if touched and (len(inside) < len(touched) or sum(_area(o.bbox) for o in inside) >= 0.8 * _area(g.bbox)
                            or g.n_rows <= sum(o.n_rows for o in inside)):
                continue
            out = [o for o in out if o not in inside] + [g]
            added.append(g)
        if added:
            segments += [s for s in faint_segs if any(_overlap(g.bbox, _box_of(s, dpi)) > 0 for g in added)]
    out.sort(key=lambda g: (g.ys[0], g.xs[0]))
    grids = _completed(out, segments, binary, dpi, settings, worn, rule_ink)
    for g in grids:
        split_cells_at_gaps(g, binary, dpi, settings)
    return grids


def follow_rules(grids: list[Grid], binary: np.ndarray, dpi: int, settings: LayoutSettings = LayoutSettings()) -> int:
    """Cell boxes moved onto their own row rules where a bowed or locally skewed page lets these run off the
    grid's straight row lines (a grid's lines are straight across the table: by the far columns a bowed rule
    is half a row lower, and each cell there reads the bottom of the row above with its own). In each column
    the row rule is looked for near each line (``follow_reach`` of the row pitch) with the line filter
    (:func:`line_mask`: text has ink beside it, a rule has paper); found where it covers ``follow_cover`` of
    the column's width. A cell's top and bottom are set just clear of its columns' rules (none found: the line
    as it is; off by less than ``follow_min_mm``: the line, the crop's inset absorbs it; a cell spanning columns
    moves only where the rule is off the line in all of them). Run last on a grid's final lines (a grid rebuilt
    from its cells' walls would take the moved sides for lines). Returns the number of cells moved."""
    if not grids:
        return 0
    mask = line_mask(binary, True, dpi, settings) > 0
    moved = 0
    for g in grids:
        if g.n_rows < 2:
            continue
        pitch = float(np.median(np.diff(g.ys)))
        reach = int(min(settings.follow_reach * pitch, _mm(dpi, settings.follow_max_mm)))
        if reach < 2:
            continue
        inset = _mm(dpi, 1.0)
        least = _mm(dpi, settings.follow_min_mm)
        # (line, column) → the rows the rule covers there (first, last), where it runs off the line
        band: dict[tuple[int, int], tuple[int, int]] = {}
        for j, y in enumerate(g.ys):
            lo, hi = max(0, int(round(y)) - reach), min(mask.shape[0], int(round(y)) + reach + 1)
            for c in range(g.n_cols):
                a, b = int(g.xs[c]) + inset, int(g.xs[c + 1]) - inset
                if b - a < 2 * inset or hi <= lo:
                    continue
                cover = mask[lo:hi, a:b].mean(axis=1)
                k = int(np.argmax(cover))
                if cover[k] < settings.follow_cover:
                    continue
                # the rule's own rows (its thickness and its drift across the column), not a second rule in reach
                near = np.flatnonzero(cover >= 0.25 * cover[k])
                run = near[(near >= k - _mm(dpi, 0.8)) & (near <= k + _mm(dpi, 0.8))]
                if abs(lo + (run[0] + run[-1]) / 2 - y) >= least:
                    band[(j, c)] = (lo + int(run[0]), lo + int(run[-1]))
        for cell in g.cells:
            x0, y0, x1, y1 = cell.bbox
            cols = range(cell.col, cell.col + cell.colspan)
            above = [band[(cell.row, c)][1] for c in cols if (cell.row, c) in band]
            below = [band[(cell.row + cell.rowspan, c)][0] for c in cols if (cell.row + cell.rowspan, c) in band]
            above = above if len(above) == len(cols) else []  # (a merged cell keeps a side its rule is on in part)
            below = below if len(below) == len(cols) else []
            # the box's sides just clear of the rule's rows (a rule cut by a box's side leaves a sliver that
            # reads as a dash in an empty cell)
            top = max(above) if above else y0
            bottom = min(below) if below else y1
            if (top, bottom) != (y0, y1) and bottom - top >= (y1 - y0) // 2:
                cell.bbox = (x0, top, x1, bottom)
                moved += 1
    return moved


def bridged_walls(grids: list[Grid], binary: np.ndarray, dpi: int, settings: LayoutSettings = LayoutSettings(),
                  hidden: np.ndarray | None = None) -> int:
    """Column walls standing in a row where the page has no rule: the rule finder chained the column's rule
    from the row above across the whole row to the table's border (a gap the chained pass bridges), but the
    row prints none there — a label spanning two columns (公用经费合计 over 编码 | 名称 in a totals row), or a
    rule lost under wear. Which of the two it is the page does not say, so the wall stays and is recorded as
    inferred (``("b", x, y0, y1)`` in ``Grid.inferred``): the cells beside it are ``rule_missing`` and wait for
    review unless an identity confirms them. Only where print lies in one of the two cells (a wall between
    two empty cells changes nothing) and no ink at all lies along the wall (``bridged_ink`` of the row's
    height, within ``bridged_mm`` of the line: a stroke of a character close by is ink, and the wall is kept
    unflagged) and no seal lies over it (``hidden``: a bi-level scan's seal dither is cleared with the rule
    under it). Returns the number of walls recorded."""
    found = 0
    band = _mm(dpi, settings.bridged_mm)
    inset = _mm(dpi, 1.0)
    for g in grids:
        if g.joined or g.n_cols < 2:
            continue
        own = g.owner()
        for r in range(g.n_rows):
            y0, y1 = int(round(g.ys[r])) + inset, int(round(g.ys[r + 1])) - inset
            if y1 - y0 < 4:
                continue
            for c in range(1, g.n_cols):
                left, right = own.get((r, c - 1)), own.get((r, c))
                if left is None or right is None or left is right:
                    continue
                x = int(round(g.xs[c]))
                wall = binary[y0:y1, max(0, x - band):x + band + 1]
                if wall.size == 0 or (wall > 0).any(axis=1).mean() > settings.bridged_ink:
                    continue
                if hidden is not None and hidden[y0:y1, max(0, x - band):x + band + 1].any():
                    continue
                printed = False
                for cell in (left, right):
                    a, b = max(cell.bbox[0], int(g.xs[c - 1]) if cell is left else x) + inset, \
                        min(cell.bbox[2], x if cell is left else int(g.xs[c + 1])) - inset
                    if b > a and int((binary[y0:y1, a:b] > 0).sum()) >= settings.split_min_ink:
                        printed = True
                if printed:
                    g.inferred.append(("b", float(x), float(g.ys[r]), float(g.ys[r + 1])))
                    found += 1
    return found


def _completed(grids: list[Grid], segments: list[Segment], binary: np.ndarray, dpi: int, settings: LayoutSettings,
               worn: bool, rule_ink: np.ndarray | None = None) -> list[Grid]:
    """Rows and columns whose rules were lost, inferred from the text (:mod:`pipeline.textgrid`), on a worn page
    (a low-contrast photocopy, ``CleanPage.worn``): a worn page's grid that starts below its header's faded
    upper rules gets them back (:func:`pipeline.textgrid.rules_above`), and a column line worn away from the
    table's top or foot is put back (:func:`pipeline.textgrid.edge_stripes`). On every page, rows several
    printed rows stack in (:func:`pipeline.textgrid.split_stacked_rows`: a skewed, bowed scan of a dense
    table; a worn page's rows joined by specks in the paper between them) are put apart."""
    from .textgrid import complete_tables, edge_stripes, rules_above, split_stacked_rows

    if worn:
        grids = rules_above(complete_tables(grids, segments, binary, dpi, settings), rule_ink, binary, dpi, settings)
        grids = edge_stripes(grids, binary, dpi, settings)
    return split_stacked_rows(grids, binary, dpi, settings)


def split_cells_at_gaps(grid: Grid, binary: np.ndarray, dpi: int, settings: LayoutSettings = LayoutSettings()
                        ) -> None:
    """A cell of one row spanning a column boundary that most rows of the table have, with print on both
    sides of it and none near it, is two cells whose rule was lost in this row (under a streak, a seal or
    a worn patch): 31 | 0.00 read as one cell "310.00" otherwise. A label spanning columns crosses the
    boundary or sits on one side of it, and stays whole."""
    own = grid.owner()
    nr, nc = grid.n_rows, grid.n_cols
    walled = [sum(own.get((r, c - 1)) is not own.get((r, c)) for r in range(nr)) for c in range(nc + 1)]
    near = _mm(dpi, settings.split_gap_mm)
    thin = max(2, _mm(dpi, 0.5))
    inset = max(2, dpi // 60)
    cells = []
    for cell in grid.cells:
        cuts = [c for c in range(cell.col + 1, cell.col + cell.colspan)
                if cell.rowspan == 1 and walled[c] >= settings.split_min_rows * nr]
        pieces = []
        start = cell.col
        for c in cuts:
            x = int(round(grid.xs[c]))
            y0, y1 = cell.bbox[1] + inset, cell.bbox[3] - inset
            xa, xb = int(grid.xs[start]) + inset, int(grid.xs[min(c + 1, nc)]) - inset
            if y1 - y0 < 4 or x - near <= xa or x + near >= xb:
                continue
            crop = (binary[y0:y1, xa:xb] > 0).astype(np.uint8)
            left, right = crop[:, :x - near - xa], crop[:, x + near - xa:]
            if (int(left.sum()) >= settings.split_min_ink and int(right.sum()) >= settings.split_min_ink
                    and not _print_across(crop, x - xa, near, thin)):
                pieces.append((start, c))
                start = c
        if not pieces:
            cells.append(cell)
            continue
        pieces.append((start, cell.col + cell.colspan))
        for a, b in pieces:
            cells.append(GridCell(cell.row, a, 1, b - a, (int(grid.xs[a]), cell.bbox[1], int(grid.xs[b]),
                                                          cell.bbox[3])))
    cells.sort(key=lambda k: (k.row, k.col))
    grid.cells = cells


def _print_across(crop: np.ndarray, x: int, near: int, thin: int) -> bool:
    """Whether print in ``crop`` (0/1) reaches into the band ``near`` either side of column ``x``: any stroke
    but what is left of a lost rule there (pieces at most ``thin`` wide inside the band: a broken stretch,
    dots)."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(crop, connectivity=8)
    lo, hi = x - near, x + near
    return any(stats[k, 0] < hi and stats[k, 0] + stats[k, 2] > lo
               and not (stats[k, 0] >= lo and stats[k, 0] + stats[k, 2] <= hi and stats[k, 2] <= thin)
               for k in range(1, n))


def _rule_remnant(crop: np.ndarray, seal: np.ndarray, x: int, thin: int, near: int, share: float) -> bool:
    """Whether ``crop`` (ink, bool: a stretch of column line ``x`` from one row line to another, the rows'
    edges left out) holds what is left of a rule there. Along ``share`` of its height, one straight column
    of ink within ``thin`` of the line (a rule is a pixel or three wide; the strokes of a label or a seal
    cross a column here and there), leaving out the rows whose ink runs on from ``near`` left of the line to
    ``near`` right of it (a stroke across it); and fewer than ``thin`` rows, away from the crop's top and
    bottom (where a row rule's remnant crosses), with ink outside the seal (``seal``, bool, same shape: its
    strokes lie everywhere) on both sides of the line between ``thin`` and ``near`` from it (a character
    the line runs through)."""
    h = crop.shape[0]
    if h < 4 * thin:
        return False
    crossing = crop[:, max(0, x - near):x + near + 1].all(axis=1)
    band = crop[:, max(0, x - thin):x + thin + 1] & ~crossing[:, None]
    if band.size == 0 or band.mean(axis=0).max() < share:  # (one straight column of ink: a rule's remnant)
        return False
    text = crop & ~seal
    left = text[2 * thin:h - 2 * thin, max(0, x - near):max(0, x - thin)].any(axis=1)
    right = text[2 * thin:h - 2 * thin, x + thin + 1:x + near + 1].any(axis=1)
    return int((left & right).sum()) < thin


def seal_walls(grids: list[Grid], binary: np.ndarray, hidden: np.ndarray | None, dpi: int,
               settings: LayoutSettings = LayoutSettings()) -> int:
    """Rules lost under a seal put back. The grid finder takes no short piece of rule inside a seal (its ring
    and star strokes are no rules), so the cells a seal covers merge across walls whose rule still shows —
    seed-43 health 公开01表 as a bi-level scan: the seal over 收入's 行次 | 金额 merged the header's 行次 and 金额
    (both columns were then headed 行次金额, the amount role took the line numbers) and the first row's
    1 | 11,955.00 with the 栏次 row above it. A merged cell lying in part under ``hidden`` (the seal mask) is
    cut along an inner line of the grid — a column line that walls ``split_min_rows`` of the table's rows, a
    row line that walls as many of its columns — where that line's stretch inside the cell lies in good part
    under the seal (``seal_wall_share``), what is left of the rule shows along it (``seal_wall_remnant``) and
    no print runs across it, and where the row (the column) has no other such line missing away from a seal:
    a header label spanning columns (收入 over 项目 | 金额) leaves a line missing outside the seal too (支出
    over its own). The lines put back are recorded as inferred (``("s", x, y0, y1)`` for a column line, an
    ``"h"`` for a row line): the cells beside them are ``rule_missing`` until an identity confirms them.
    Returns the number of cells cut."""
    if hidden is None or not hidden.any():
        return 0
    near = _mm(dpi, settings.split_gap_mm)
    thin = max(2, _mm(dpi, 0.5))
    inset = max(2, dpi // 60)
    cut = 0
    for g in grids:
        # merged cells lying in part under the seal (none: the grid is left as it is, nothing measured)
        sealed = {id(c) for c in g.cells if c.rowspan * c.colspan > 1
                  and hidden[c.bbox[1]:c.bbox[3], c.bbox[0]:c.bbox[2]].any()}
        if g.joined or not sealed:
            continue
        own = g.owner()
        nr, nc = g.n_rows, g.n_cols

        def v_missing(r: int, c: int) -> bool:
            return own.get((r, c - 1)) is own.get((r, c))

        def h_missing(r: int, c: int) -> bool:
            return own.get((r - 1, c)) is own.get((r, c))

        least_rows, least_cols = settings.split_min_rows * nr, settings.split_min_rows * nc
        usual_v = [c for c in range(1, nc) if sum(not v_missing(r, c) for r in range(nr)) >= least_rows]
        usual_h = [r for r in range(1, nr) if sum(not h_missing(r, c) for c in range(nc)) >= least_cols]

        def v_sealed(r: int, c: int) -> bool:
            x = int(round(g.xs[c]))
            return hidden[int(g.ys[r]):int(g.ys[r + 1]), max(0, x - near):x + near + 1].any(axis=1).mean() \
                >= settings.seal_wall_share

        def h_sealed(r: int, c: int) -> bool:
            y = int(round(g.ys[r]))
            return hidden[max(0, y - near):y + near + 1, int(g.xs[c]):int(g.xs[c + 1])].any(axis=0).mean() \
                >= settings.seal_wall_share

        # rows (columns) whose every usual line missing lies under a seal
        rows_ok = {r for r in range(nr) if all(v_sealed(r, c) for c in usual_v if v_missing(r, c))}
        cols_ok = {c for c in range(nc) if all(h_sealed(r, c) for r in usual_h if h_missing(r, c))}
        cells = []
        for cell in g.cells:
            if id(cell) not in sealed:
                cells.append(cell)
                continue
            rows = range(cell.row, cell.row + cell.rowspan)
            cols = range(cell.col, cell.col + cell.colspan)
            lines = []  # restored walls: ("v", column line, row) / ("h", row line, column)
            for r in rows:
                for c in cols[1:]:
                    if r in rows_ok and c in usual_v and v_sealed(r, c):
                        x, xa, xb = int(round(g.xs[c])), int(g.xs[c - 1]) + inset, int(g.xs[c + 1]) - inset
                        box = np.s_[int(g.ys[r]) + inset:int(g.ys[r + 1]) - inset, xa:xb]
                        if _rule_remnant(binary[box] > 0, hidden[box], x - xa, thin, near,
                                         settings.seal_wall_remnant):
                            lines.append(("v", c, r))
            for c in cols:
                for r in rows[1:]:
                    if c in cols_ok and r in usual_h and h_sealed(r, c):
                        y, ya, yb = int(round(g.ys[r])), int(g.ys[r - 1]) + inset, int(g.ys[r + 1]) - inset
                        box = np.s_[ya:yb, int(g.xs[c]) + inset:int(g.xs[c + 1]) - inset]
                        if _rule_remnant((binary[box] > 0).T, hidden[box].T, y - ya, thin, near,
                                         settings.seal_wall_remnant):
                            lines.append(("h", r, c))
            pieces = _cut_cell(cell, set(lines), g) if lines else None
            if not pieces:
                cells.append(cell)
                continue
            cells.extend(pieces)
            cut += 1
            piece = {(r, c): p for p in pieces for r in range(p.row, p.row + p.rowspan)
                     for c in range(p.col, p.col + p.colspan)}
            for kind, k, j in lines:  # (the walls that part two pieces: one inside a piece parts nothing)
                if kind == "v" and piece[(j, k - 1)] is not piece[(j, k)]:
                    g.inferred.append(("s", float(g.xs[k]), float(g.ys[j]), float(g.ys[j + 1])))
                elif kind == "h" and piece[(k - 1, j)] is not piece[(k, j)]:
                    g.inferred.append(("h", float(g.ys[k]), float(g.xs[j]), float(g.xs[j + 1])))
        cells.sort(key=lambda k: (k.row, k.col))
        g.cells = cells
    return cut


def _cut_cell(cell: GridCell, walls: set[tuple[str, int, int]], g: Grid) -> list[GridCell] | None:
    """``cell``'s elementary cells joined except across ``walls`` (("v", column line, row), ("h", row line,
    column)), as rectangles; None when a piece would not be one (the cell stays whole)."""
    parts = {(r, c): (r, c) for r in range(cell.row, cell.row + cell.rowspan)
             for c in range(cell.col, cell.col + cell.colspan)}

    def find(a):
        while parts[a] != a:
            a = parts[a]
        return a

    for (r, c) in list(parts):
        if (r, c + 1) in parts and ("v", c + 1, r) not in walls:
            parts[find((r, c + 1))] = find((r, c))
        if (r + 1, c) in parts and ("h", r + 1, c) not in walls:
            parts[find((r + 1, c))] = find((r, c))
    groups: dict = {}
    for k in parts:
        groups.setdefault(find(k), []).append(k)
    if len(groups) < 2:
        return None
    out = []
    for members in groups.values():
        r0, r1 = min(r for r, _ in members), max(r for r, _ in members)
        c0, c1 = min(c for _, c in members), max(c for _, c in members)
        if len(members) != (r1 - r0 + 1) * (c1 - c0 + 1):
            return None
        out.append(GridCell(r0, c0, r1 - r0 + 1, c1 - c0 + 1,
                            (int(g.xs[c0]), int(g.ys[r0]), int(g.xs[c1 + 1]), int(g.ys[r1 + 1]))))
    return out


def _ink_cover(binary: np.ndarray, x: int, y: int, w: int, h: int, vertical: bool) -> float:
    """Share of a candidate rule's length where the unbridged page has ink across its thickness band."""
    band = binary[y:y + h, max(0, x - 1):x + w + 1] if vertical else binary[max(0, y - 1):y + h + 1, x:x + w]
    if band.size == 0:
        return 0.0
    return float(band.any(axis=1 if vertical else 0).mean())


def _cluster(values: list[float], tol: float) -> list[float]:
    if not values:
        return []
    values = sorted(values)
    groups: list[list[float]] = [[values[0]]]
    for v in values[1:]:
        if v - groups[-1][-1] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [float(np.median(g)) for g in groups]


def _coverage(segs: list[tuple[float, float, float]], pos: float, lo: float, hi: float, tol: float) -> float:
    """Share of [lo, hi] covered by segments (p, a, b) lying at position p≈pos."""
    spans = sorted((max(a, lo), min(b, hi)) for p, a, b in segs if abs(p - pos) <= tol and b > lo and a < hi)
    covered, end = 0.0, lo
    for a, b in spans:
        if b <= end:
            continue
        covered += b - max(a, end)
        end = b
    return covered / max(1e-6, hi - lo)


def find_tables(segments: list[Segment], page_w: int, page_h: int, dpi: int,
                settings: LayoutSettings = LayoutSettings()) -> list[Grid]:
    """Group rule segments into tables and build each table's grid with merged cells."""
    if not segments:
        return []
    # 1. group segments that touch, on a coarse raster
    scale = 4
    W, H = page_w // scale + 2, page_h // scale + 2
    canvas = np.zeros((H, W), np.uint8)
    reach = max(2, _mm(dpi, 1.0) // scale)
    for s in segments:
        cv2.line(canvas, (int(s.x0 // scale), int(s.y0 // scale)), (int(s.x1 // scale), int(s.y1 // scale)), 255,
                 thickness=1 + 2 * reach)
    n, labels = cv2.connectedComponents(canvas, connectivity=8)
    groups: dict[int, list[Segment]] = {}
    for s in segments:
        cx, cy = int(((s.x0 + s.x1) / 2) // scale), int(((s.y0 + s.y1) / 2) // scale)
        lab = int(labels[min(H - 1, cy), min(W - 1, cx)])
        groups.setdefault(lab, []).append(s)
    grids = []
    min_size = _mm(dpi, settings.min_table_mm)
    for lab, segs in groups.items():
        if lab == 0:
            continue
        g = grid_from_segments(segs, dpi, settings)
        if g is None:
            continue
        x0, y0, x1, y1 = g.bbox
        if x1 - x0 < min_size or y1 - y0 < _mm(dpi, 5):
            continue
        grids.append(g)
    grids.sort(key=lambda g: (g.ys[0], g.xs[0]))
    return grids


def grid_from_segments(segs: list[Segment], dpi: int, settings: LayoutSettings) -> Grid | None:
    tol = _mm(dpi, settings.snap_mm)
    hs = [(s.y0 if s.y0 == s.y1 else (s.y0 + s.y1) / 2, min(s.x0, s.x1), max(s.x0, s.x1)) for s in segs if s.horizontal]
    vs = [((s.x0 + s.x1) / 2, min(s.y0, s.y1), max(s.y0, s.y1)) for s in segs if not s.horizontal]
    if len(hs) < 2:
        return None
    ys = _cluster([p for p, _, _ in hs], tol)
    xs = _cluster([p for p, _, _ in vs], tol)
    # tables without side borders: the horizontal rules' extent closes them — the extent several rules
    # share, not the farthest end of one (a rule lengthened by a seal's texture or a stain beside it)
    left = _shared_end([a for _, a, _ in hs], tol * 2)
    right = -_shared_end([-b for _, _, b in hs], tol * 2)
    # (a side column or row is at least ``min_cell_mm`` wide: a narrower one is an overshoot, not a cell)
    side = max(tol * 2, _mm(dpi, settings.min_cell_mm))
    if not xs or xs[0] - left > side:
        xs = [left] + xs
    if xs[-1] < right - side:
        xs = xs + [right]
    top = min([_shared_end([a for _, a, _ in vs], tol * 2)] + [ys[0]]) if vs else ys[0]
    bottom = max([-_shared_end([-b for _, _, b in vs], tol * 2)] + [ys[-1]]) if vs else ys[-1]
    if ys[0] - top > side:
        ys = [top] + ys
    if bottom - ys[-1] > side:
        ys = ys + [bottom]
    # drop lines too close to make a cell (double rules; a run of text strokes found beside a rule): of two,
    # the one with clearly more rule length along it stays
    ys = _drop_close(ys, _mm(dpi, 1.5), [_ruled(hs, y, tol) for y in ys])
    # (no printed column is narrower than ``min_column_mm``: of two column lines closer than that, one is the
    # left strokes of characters lined up in dense rows beside the rule, or the rule's bowed middle)
    xs = _drop_close(xs, _mm(dpi, settings.min_column_mm), [_ruled(vs, x, tol) for x in xs])
    if len(ys) < 2 or len(xs) < 2:
        return None
    nr, nc = len(ys) - 1, len(xs) - 1
    # 2. which elementary boundaries carry a rule
    vwall = np.zeros((nr, nc + 1), bool)  # wall left of column c in row r
    hwall = np.zeros((nr + 1, nc), bool)  # wall above row r in column c
    for r in range(nr):
        for c in range(nc + 1):
            vwall[r, c] = c in (0, nc) or _coverage(vs, xs[c], ys[r], ys[r + 1], tol) >= settings.coverage
    # a scan's column rule found in a few body rows only, none at the top (where header columns live), is
    # strokes of characters that happen to line up in dense rows: the line goes
    if settings.stray_column_share and nr >= settings.stray_min_rows:
        stray = [c for c in range(1, nc) if not vwall[:3, c].any()
                 and vwall[:, c].sum() < settings.stray_column_share * nr and not _rule_over_rows(vs, xs[c], ys, tol)]
        if stray:
            xs = [x for c, x in enumerate(xs) if c not in stray]
            vwall = np.delete(vwall, stray, axis=1)
            nc = len(xs) - 1
    for r in range(nr + 1):
        for c in range(nc):
            hwall[r, c] = r in (0, nr) or _coverage(hs, ys[r], xs[c], xs[c + 1], tol) >= settings.coverage
    # 3. merge elementary cells across missing walls (union-find), then rectangular bounding boxes
    parent = list(range(nr * nc))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and not vwall[r, c + 1]:
                union(r * nc + c, r * nc + c + 1)
            if r + 1 < nr and not hwall[r + 1, c]:
                union(r * nc + c, (r + 1) * nc + c)
    comps: dict[int, list[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            comps.setdefault(find(r * nc + c), []).append((r, c))
    taken = np.zeros((nr, nc), bool)
    cells = []
    for members in sorted(comps.values(), key=lambda m: m[0]):
        r0 = min(r for r, _ in members)
        r1 = max(r for r, _ in members)
        c0 = min(c for _, c in members)
        c1 = max(c for _, c in members)
        if taken[r0:r1 + 1, c0:c1 + 1].any():
            # non-rectangular merge: keep the members as single cells where still free
            for r, c in members:
                if not taken[r, c]:
                    taken[r, c] = True
                    cells.append(GridCell(r, c, 1, 1, (int(xs[c]), int(ys[r]), int(xs[c + 1]), int(ys[r + 1]))))
            continue
        taken[r0:r1 + 1, c0:c1 + 1] = True
        cells.append(GridCell(r0, c0, r1 - r0 + 1, c1 - c0 + 1,
                              (int(xs[c0]), int(ys[r0]), int(xs[c1 + 1]), int(ys[r1 + 1]))))
    cells.sort(key=lambda k: (k.row, k.col))
    return Grid(xs=xs, ys=ys, cells=cells)


def _rule_over_rows(vs: list[tuple[float, float, float]], x: float, ys: list[float], tol: float) -> bool:
    """A piece of rule at ``x`` running from one row line to another over two rows or more: a column of a block
    lower in the table (a form's 一级 | 二级 指标 under its full-width rows), not strokes of characters lined up
    (they stop short of the row lines, inside the rows)."""
    def on_line(y: float) -> int | None:
        r = min(range(len(ys)), key=lambda k: abs(ys[k] - y))
        return r if abs(ys[r] - y) <= tol else None
    for p, a, b in vs:
        if abs(p - x) <= tol:
            ra, rb = on_line(a), on_line(b)
            if ra is not None and rb is not None and rb - ra >= 2:
                return True
    return False


def _shared_end(ends: list[float], tol: float) -> float:
    """The lowest end that at least two lines (a quarter of them when there are many) reach within ``tol``:
    one line overshooting the others does not move it."""
    ends = sorted(ends)
    need = min(len(ends), max(2, len(ends) // 4))
    for k, e in enumerate(ends):
        if k + need <= len(ends) and ends[k + need - 1] - e <= tol:
            return e
    return ends[0]


def _ruled(segs: list[tuple[float, float, float]], pos: float, tol: float) -> float:
    """Total length of the segments (p, a, b) lying at position p≈pos."""
    return sum(b - a for p, a, b in segs if abs(p - pos) <= tol)


def _drop_close(vals: list[float], min_gap: float, weights: list[float] | None = None) -> list[float]:
    """Sorted ``vals`` without those closer than ``min_gap`` to the previous one kept; with ``weights`` (the
    rule length along each line), a line more than ``heavier`` times as long as the kept one it is too close to
    takes its place (a short run of character strokes found first must not push out the rule below it)."""
    heavier = 1.5
    weights = weights or [0.0] * len(vals)
    out: list[float] = []
    kept: list[float] = []
    for v, w in zip(vals, weights):
        if out and v - out[-1] < min_gap:
            if w > heavier * kept[-1] and (len(out) < 2 or v - out[-2] >= min_gap):
                out[-1], kept[-1] = v, w
            continue
        out.append(v)
        kept.append(w)
    return out
