"""Which way up a scanned page is (0/90/180/270), before layout.

Two cheap looks at the page:

1. structure — text lines run along the page's reading direction: with the long rules removed, dilating the
   ink a little along each axis joins the characters of a line into long thin boxes on one axis only. That
   tells upright-or-upside-down from lying on its side;
2. recognition — a few of those text lines are recognised (PP-OCRv6, the same recogniser as the cells) both
   ways round on that axis; the reading the model is surer of wins. A turn is taken only with a clear margin:
   a page is never turned on a hunch.

Born-digital pages do not need this: their glyph directions say how to turn them (``ingest.upright_turn``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .ingest import turn_image


@dataclass(frozen=True)
class OrientationSettings:
    work_dpi: int = 100  # the structure is measured on a copy at this resolution
    min_lines: int = 4  # fewer text lines than this: not enough evidence, the page stays as it is
    side_ratio: float = 1.5  # lines along the vertical axis must outnumber horizontal ones by this much
    lines_to_read: int = 5  # per orientation, at most
    line_ems: int = 8  # characters (line heights) of each line read
    decisive: float = 0.25  # a difference of mean character score that needs no further lines
    margin: float = 0.08  # mean character score a turn must win by
    min_score: float = 0.6  # a sideways page turns only when the lines then read as text
    sure: float = 0.9  # a sideways reading below this is checked against the page's lines across, read upright
    upright_rules: float = 1.5  # ... and against its rules: this much more rule across than down, it stands upright


@dataclass
class Orientation:
    turn: int  # clockwise degrees that set the page upright
    horizontal_lines: int = 0
    vertical_lines: int = 0
    scores: dict[int, float] = field(default_factory=dict)  # mean character score of the sampled lines per turn


def _line_boxes(ink: np.ndarray, along: str, dpi: int) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h) of text lines running ``along`` the x or y axis: characters joined by a small
    dilation along that axis, kept when long, thin and of a text line's thickness."""
    gap = max(2, int(round(0.06 * dpi)))  # a little more than the space between characters of a line
    kernel = np.ones((1, gap), np.uint8) if along == "x" else np.ones((gap, 1), np.uint8)
    joined = cv2.dilate(ink, kernel)
    n, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    lo, hi = 0.05 * dpi, 0.4 * dpi  # text between ~4 pt and ~29 pt
    boxes = []
    for x, y, w, h, area in stats[1:]:
        length, thick = (w, h) if along == "x" else (h, w)
        if lo <= thick <= hi and length >= 3 * thick and area >= 0.25 * w * h:
            boxes.append((int(x), int(y), int(w), int(h)))
    return boxes


def _text_ink(gray: np.ndarray, dpi: int) -> np.ndarray:
    """Dark ink with long horizontal and vertical rules taken out."""
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    run = max(10, int(0.5 * dpi))
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
    rules |= cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((run, 1), np.uint8))
    rules = cv2.dilate(rules, np.ones((3, 3), np.uint8))
    return cv2.bitwise_and(ink, cv2.bitwise_not(rules))


def _rules_across(gray: np.ndarray, dpi: int, min_share: float = 0.002) -> float | None:
    """How much longer the page's rules run across than down (ink of long horizontal rules over that of long
    vertical ones), or None with too few rules to say (``min_share`` of the page). A table's cells are wider
    than tall, so its row rules outweigh its column rules as the cells' width does their height: a table
    page standing upright has more rule across than down, one lying on its side less."""
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    run = max(10, int(0.5 * dpi))
    # (thickened first across the rule: a hairline of a page scanned 3° askew steps a pixel every 19)
    across = cv2.morphologyEx(cv2.dilate(ink, np.ones((3, 1), np.uint8)), cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
    down = cv2.morphologyEx(cv2.dilate(ink, np.ones((1, 3), np.uint8)), cv2.MORPH_OPEN, np.ones((run, 1), np.uint8))
    h, v = int((across > 0).sum()), int((down > 0).sum())
    if h + v < min_share * gray.size or v == 0:
        return None
    return h / v


def _crop(gray: np.ndarray, box: tuple[int, int, int, int], factor: float, dpi: int, sideways: bool,
          ems: int) -> np.ndarray:
    """A text line found on the reduced copy, cut from the full page: its first ``ems`` line-heights."""
    x, y, w, h = box
    pad = max(2, int(0.02 * dpi))
    H, W = gray.shape
    x0, y0 = max(0, int(x / factor) - pad), max(0, int(y / factor) - pad)
    x1, y1 = min(W, int((x + w) / factor) + pad), min(H, int((y + h) / factor) + pad)
    crop = gray[y0:y1, x0:x1]
    return crop[:ems * crop.shape[1]] if sideways else crop[:, :ems * crop.shape[0]]


def detect_orientation(image: np.ndarray, dpi: int, recognizer,
                       settings: OrientationSettings = OrientationSettings()) -> Orientation:
    """The clockwise turn (0, 90, 180, 270) that sets a scanned page upright."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    factor = min(1.0, settings.work_dpi / max(1, dpi))
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) if factor < 1 else gray
    work_dpi = max(1, int(round(dpi * factor)))
    ink = _text_ink(small, work_dpi)
    across = _line_boxes(ink, "x", work_dpi)
    down = _line_boxes(ink, "y", work_dpi)
    result = Orientation(0, len(across), len(down))
    sideways = len(down) >= settings.min_lines and len(down) > settings.side_ratio * len(across)
    lines = down if sideways else across
    if len(lines) < settings.min_lines:
        return result
    # the longest lines (labels, titles) say most; a few characters of each keep recognition cheap. Two lines
    # each way usually settle it; more are read only when the first ones do not
    lines = sorted(lines, key=lambda b: -(b[3] if sideways else b[2]))[:settings.lines_to_read]
    turns = (90, 270) if sideways else (0, 180)
    crops = [_crop(gray, box, factor, dpi, sideways, settings.line_ems) for box in lines]
    sums = {t: [0.0, 0] for t in turns}
    for batch in (crops[:2], crops[2:]):
        if not batch:
            break
        readings = recognizer.recognize([turn_image(c, t) for t in turns for c in batch])
        for i, t in enumerate(turns):
            for r in readings[i * len(batch):(i + 1) * len(batch)]:
                sums[t][0] += sum(c.score for c in r.chars)
                sums[t][1] += len(r.chars)
        result.scores = {t: total / n if n else 0.0 for t, (total, n) in sums.items()}
        if abs(result.scores[turns[0]] - result.scores[turns[1]]) > settings.decisive:
            break
    first, second = turns
    if sideways:  # lying on its side: one of the two turns, the surer one — when it reads as text at all
        best = first if result.scores[first] >= result.scores[second] else second
        result.turn = best if result.scores[best] >= settings.min_score else 0
        if result.turn and len(across) >= 2 and result.scores[best] < settings.sure:
            # a doubtful turn, not taken when the page's lines across read better as they are: a landscape
            # table's stacked amounts and column rules make many short lines down the page (real putuo-guihua
            # 决算, its 收入决算表 page at 200 dpi, was turned 270 — read so at 0.69 — and read as 入收他其)
            longest = sorted(across, key=lambda b: -b[2])[:2]
            readings = recognizer.recognize([_crop(gray, box, factor, dpi, False, settings.line_ems)
                                             for box in longest])
            chars = [c.score for r in readings for c in r.chars]
            result.scores[0] = sum(chars) / len(chars) if chars else 0.0
            if result.scores[0] >= result.scores[best] + settings.margin:
                result.turn = 0
        if result.turn and result.scores[best] < settings.sure:
            # nor when the page's table stands upright: its rules run across more than down (a dense 公开06表
            # whose codes wrap in their narrow column, 3019 over 9, shows few lines across; turned 90 at 0.87)
            ratio = _rules_across(small, work_dpi)
            if ratio is not None and ratio >= settings.upright_rules:
                result.turn = 0
    elif result.scores[180] > result.scores[0] + settings.margin:
        result.turn = 180
    return result
