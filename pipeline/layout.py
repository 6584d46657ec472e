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

from dataclasses import dataclass, field

import cv2
import numpy as np


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

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        return int(self.xs[0]), int(self.ys[0]), int(self.xs[-1]), int(self.ys[-1])

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
    gap_mm: float = 1.2  # gaps bridged inside broken rules
    snap_mm: float = 0.8  # rule positions closer than this are one line
    coverage: float = 0.5  # share of a cell side a rule must cover to separate two cells
    min_ink_cover: float = 0.85  # share of a long vertical rule's length that must be ink before bridging
    min_table_mm: float = 15.0


def _mm(dpi: int, mm: float) -> int:
    return max(1, int(round(mm * dpi / 25.4)))


def segments_from_binary(binary: np.ndarray, dpi: int, settings: LayoutSettings = LayoutSettings()) -> list[Segment]:
    """Horizontal and vertical rule segments of a binarised page (ink = 255).

    Horizontal rules are long (≥ 3 × ``min_rule_mm``). A vertical piece is a rule when it is long, or when
    it is at least a row's height and both its ends meet a horizontal rule — the vertical strokes of
    characters and digits never touch the rules at both ends, because cells have padding.
    """
    min_len = _mm(dpi, settings.min_rule_mm)
    gap = _mm(dpi, settings.gap_mm)
    thick = max(6, dpi // 20)

    def runs(horizontal: bool, length: int, bridge: bool = True) -> list[tuple[int, int, int, int]]:
        k_open = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
        m = binary
        if bridge:
            k_close = cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1) if horizontal else (1, gap))
            m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, k_close)
        m = cv2.morphologyEx(m, cv2.MORPH_OPEN, k_open)
        n, _, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
        return [tuple(int(v) for v in stats[i][:4]) for i in range(1, n)]

    long_v = _mm(dpi, 12.0)
    reach = max(3, dpi // 40)
    # 1. long vertical rules (gaps bridged): table borders and column separators
    # (bridging must not chain the aligned strokes of characters in successive rows — “十” over “十” —
    # into a rule: the ink itself has to cover most of the length)
    verticals = [(x + w / 2.0, float(y), float(y + h)) for x, y, w, h in runs(False, long_v)
                 if w <= thick and _ink_cover(binary, x, y, w, h, vertical=True) >= settings.min_ink_cover]
    # 2. horizontal rules end on a vertical rule; runs of character strokes that happen to line up do
    #    not (cells have padding). Pages without any vertical rule keep only very long horizontals.
    def anchored(xe: float, yy: float) -> bool:
        return any(abs(xv - xe) <= reach and a - reach <= yy <= b + reach for xv, a, b in verticals)

    segs: list[Segment] = []
    very_long = _mm(dpi, 40.0)
    for x, y, w, h in runs(True, min_len * 3):
        if h > thick:
            continue
        yc = y + h / 2.0
        ends = anchored(float(x), yc) + anchored(float(x + w), yc)
        if ends == 2 or (ends == 1 and w >= very_long) or (not verticals and w >= very_long):
            segs.append(Segment(float(x), yc, float(x + w), yc))
    h_lines = [(sg.y0, sg.x0, sg.x1) for sg in segs]

    def on_rule(xx: float, yy: float) -> bool:
        return any(abs(y - yy) <= reach and a - reach <= xx <= b + reach for y, a, b in h_lines)

    # a vertical rule runs between horizontal rules: keep it from the first to the last rule it crosses
    # (bridging may have extended it into a character stroke beyond them); a long stroke of a stain or a
    # seal remnant crosses fewer than two
    for xv, a, b in verticals:
        crossings = sorted(y for y, x0, x1 in h_lines if a - reach <= y <= b + reach and x0 - reach <= xv <= x1 + reach)
        if len(crossings) >= 2 and crossings[-1] - crossings[0] >= min_len:
            segs.append(Segment(xv, crossings[0], xv, crossings[-1]))
        elif not h_lines:
            segs.append(Segment(xv, a, xv, b))

    # 3. short vertical pieces (one row high, unbridged) count when both ends meet a horizontal rule
    for x, y, w, h in runs(False, min_len // 2, bridge=False):
        if w > thick or h >= long_v:
            continue
        xc = x + w / 2.0
        if on_rule(xc, y) and on_rule(xc, y + h):
            segs.append(Segment(xc, float(y), xc, float(y + h)))
    return segs


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
        g = _grid_from_segments(segs, dpi, settings)
        if g is None:
            continue
        x0, y0, x1, y1 = g.bbox
        if x1 - x0 < min_size or y1 - y0 < _mm(dpi, 5):
            continue
        grids.append(g)
    grids.sort(key=lambda g: (g.ys[0], g.xs[0]))
    return grids


def _grid_from_segments(segs: list[Segment], dpi: int, settings: LayoutSettings) -> Grid | None:
    tol = _mm(dpi, settings.snap_mm)
    hs = [(s.y0 if s.y0 == s.y1 else (s.y0 + s.y1) / 2, min(s.x0, s.x1), max(s.x0, s.x1)) for s in segs if s.horizontal]
    vs = [((s.x0 + s.x1) / 2, min(s.y0, s.y1), max(s.y0, s.y1)) for s in segs if not s.horizontal]
    if len(hs) < 2:
        return None
    ys = _cluster([p for p, _, _ in hs], tol)
    xs = _cluster([p for p, _, _ in vs], tol)
    left = min(a for _, a, _ in hs)
    right = max(b for _, _, b in hs)
    # tables without side borders: the horizontal rules' extent closes them
    if not xs or xs[0] - left > tol * 2:
        xs = [left] + xs
    if xs[-1] < right - tol * 2:
        xs = xs + [right]
    top = min([a for _, a, _ in vs] + [ys[0]])
    bottom = max([b for _, _, b in vs] + [ys[-1]])
    if ys[0] - top > tol * 2:
        ys = [top] + ys
    if bottom - ys[-1] > tol * 2:
        ys = ys + [bottom]
    # drop lines too close to make a cell (double rules)
    ys = _drop_close(ys, _mm(dpi, 1.5))
    xs = _drop_close(xs, _mm(dpi, 1.5))
    if len(ys) < 2 or len(xs) < 2:
        return None
    nr, nc = len(ys) - 1, len(xs) - 1
    # 2. which elementary boundaries carry a rule
    vwall = np.zeros((nr, nc + 1), bool)  # wall left of column c in row r
    hwall = np.zeros((nr + 1, nc), bool)  # wall above row r in column c
    for r in range(nr):
        for c in range(nc + 1):
            vwall[r, c] = c in (0, nc) or _coverage(vs, xs[c], ys[r], ys[r + 1], tol) >= settings.coverage
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


def _drop_close(vals: list[float], min_gap: float) -> list[float]:
    out: list[float] = []
    for v in vals:
        if out and v - out[-1] < min_gap:
            continue
        out.append(v)
    return out
