"""Undo the scan: deskew, lift red seal ink and the grey watermark off the page, keep their masks.

The ink model behind it (the same one ``scripts/samplegen/degrade.py`` uses to make scans):
seal ink and watermark are *multiplied* over the printed page, so

* black strokes are dark in every colour channel, whatever lies on top of them;
* red seal ink is bright in the red channel (R ≫ G, B);
* the watermark is colourless light grey, never darker than about 190.

So the per-pixel maximum over the colour channels (the HSV "value") keeps black strokes dark and
turns red ink light; light, colourless or red pixels that are not next to a dark stroke core are
then set to paper white inside the seal and watermark masks.  Nothing is ever inpainted, so the
digits under a seal are the scanner's own pixels.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import cv2
import numpy as np


@dataclass(frozen=True)
class PreprocessSettings:
    dpi: int = 200  # resolution of the page image; physical sizes below scale with it
    deskew: bool = True
    max_skew_deg: float = 5.0  # search range ±
    coarse_step_deg: float = 0.2
    fine_step_deg: float = 0.02
    min_skew_deg: float = 0.05  # below this the page is not rotated
    skew_ink_threshold: int = 128  # channel maximum below this = black ink, used to find the rules
    skew_max_points: int = 250_000
    skew_zero_tolerance: float = 0.003  # no rotation when the unrotated profile scores within this of the best
    paper_percentile: float = 90.0  # grey level of the paper (after it the page is scaled to white)
    red_min_excess: int = 40  # red ink: R - max(G, B) above this
    red_min_r: int = 90  # ... and R above this (dark reddish pixels are black ink)
    seal_margin_mm: float = 0.8  # the seal mask reaches this far beyond the red ink
    seal_gap_mm: float = 3.0  # gaps in the ink up to this wide are bridged before filling the seal
    seal_min_area_mm2: float = 4.0  # smaller red specks are noise, not a seal
    core_threshold: int = 150  # darker than this = core of a printed stroke, never touched
    core_halo_mm: float = 0.3  # anti-aliased edges around a core are kept as well
    seal_clear_above: int = 195  # inside the seal mask, lighter non-stroke pixels become paper
    watermark_min: int = 165  # watermark grey levels (after paper normalisation)
    watermark_max: int = 242
    watermark_clear_above: int = 200  # inside the watermark mask only pixels this light become paper: blurred
    # or faint print (cores above core_threshold) stays readable
    watermark_max_chroma: int = 40  # max(R,G,B) - min(R,G,B) of colourless grey
    watermark_margin_mm: float = 0.8  # the mask reaches this far beyond the detected strokes
    watermark_min_area_mm2: float = 1.2  # smaller grey specks (after growing by 0.5 mm) are noise
    watermark_seed_area_mm2: float = 12.0  # a region this large is watermark by itself ...
    watermark_seed_reach_mm: float = 15.0  # ... smaller ones only within this distance of such a seed
    paper_white_above: int = 232  # after cleaning, lighter pixels are paper and become pure white
    ink_threshold: int = 185  # binary: cleaned grey below this is ink
    rule_background_mm: float = 1.6  # local paper level: brightest grey within this window (wider than a rule)
    ink_percentile: float = 0.5  # grey level of the darkest print: this percentile of the page
    min_contrast: int = 100  # paper minus print darker than this: the page is left as it is; a worn photocopy
    # (grey print on grey paper, ~160 on ~235) is stretched so print is dark again (``stretched_ink``)
    stretched_ink: int = 40
    black_print: int = 180  # print this much darker than the paper anywhere (the 0.05th percentile: a few
    # black strokes, a photocopy's darkest grey stays ~130 short of its paper) and the page is not worn,
    # however little it prints — a form's last row alone on a page, the watermark its 0.5th percentile
    black_print_percentile: float = 0.05
    paper_window_mm: float = 4.0  # local paper level for the stretch: median grey within this window
    # seals without colour (a bi-level scan dithers a red seal into black dots, a grey photocopy greys it):
    # found by their ring — a round band of ink with paper (or lighter ink) just inside and outside
    ring_radius_mm: tuple[float, float] = (12.0, 25.0)  # official seals are 38–50 mm across
    ring_step_mm: float = 1.0
    ring_width_mm: float = 1.2  # the outer ring's stroke (about 1 mm)
    ring_work_dpi: int = 33  # the search runs on a copy at this resolution
    ring_min_response: float = 0.12  # ring darker than its surroundings by this share of full ink ...
    ring_min_cover: float = 0.6  # ... and present around this share of its circumference (inside the page)
    # inside a colourless seal, print is the darkest ink (a bi-level scan: solid black), the seal's dither or
    # grey lighter: pixels lighter than print level + ``seal_print_span`` and away from print are lifted
    seal_print_span: int = 70
    rule_contrast: float = 0.06  # rule ink: at least this much darker than the local paper (grey 220 on white)
    # a worn page's faint rules (grey dashes the stretch left lighter than ``rule_contrast``): ink at least
    # ``faint_rule_contrast`` darker than the local paper where a grey line filter — darkness averaged along
    # ``faint_rule_window_mm`` minus the same ``faint_rule_side_mm`` to either side — responds by
    # ``faint_rule_response`` (hysteresis: the faint pixels are kept only along a line the filter sees)
    faint_rule_contrast: float = 0.05
    faint_rule_window_mm: float = 10.0
    faint_rule_side_mm: float = 0.6
    faint_rule_response: float = 0.08
    # a page that did not lie flat (bowed, its rules sagging): measured on its long rules, undone by a remap
    dewarp: bool = True
    bow_fragment_mm: float = 5.0  # rule fragments: straight runs of ink this long ...
    bow_thick_mm: float = 0.6  # ... at most this thick
    bow_gap_mm: float = 8.0  # fragments of one rule chained across gaps up to this long
    bow_min_rule: float = 0.25  # a rule measured: at least this share of the page's width (height)
    bow_min_rules: int = 4  # this many such rules are needed to measure the page
    bow_min_px: float = 1.5  # the page is remapped when its rules drift across by more than this
    # scanner streaks (dust or a scratch on the glass): a thin dark line straight down the whole scan, in the
    # scanner's frame, through the margins where nothing is printed. Found before deskew and divided out by
    # the dust's transmission, measured beside it (find_streaks, paint_out_streaks).
    streaks: bool = True
    streak_max_mm: float = 1.2  # at most this wide
    streak_min_cover: float = 0.85  # dark along at least this share of the page height ...
    streak_margin_cover: float = 0.7  # ... and of the top and the bottom margin bands (where rules never run)
    streak_margin: float = 0.05  # those bands: this share of the page height at either end
    streak_contrast: int = 40  # darker than the paper by this many grey levels
    streak_smooth_mm: float = 8.0  # print under a streak shorter than this is closed over (the dust's envelope)
    streak_step: float = 0.5  # the streak's darkness changing by more than this factor within a millimetre:
    # print under it (a column rule the streak runs along), not the dust
    streak_margin_ink: float = 0.03  # margin bands with more print than this share besides the streaks: an
    streak_ink_contrast: int = 100  # image cut to its table (print: darker than the paper by this much)


@dataclass
class CleanPage:
    gray: np.ndarray  # uint8, cleaned for OCR: red seal ink and watermark removed, black strokes kept
    binary: np.ndarray  # uint8 0/255, ink = 255, for rule / table detection
    seal_mask: np.ndarray  # bool, where seal ink was (filled, with a margin)
    watermark_mask: np.ndarray  # bool, where watermark text was
    skew: float  # degrees that were corrected (content tilt, counter-clockwise positive)
    color: np.ndarray  # deskewed colour page (BGR), for crops; the input array itself when not rotated
    rule_ink: np.ndarray | None = None  # uint8 0/255: faint ink too (grey rules 150–220), for rule finding
    worn: bool = False  # a low-contrast photocopy, stretched (``stretch_contrast``): its rules are worn too
    faint_rules: np.ndarray | None = None  # uint8 0/255, worn pages only: rule ink fainter still, along the lines
    # a grey line filter finds (``faint_rules_of``); layout takes its row rules, and its last pass the tables no
    # other pass found
    colourless_seals: np.ndarray | None = None  # bool, seals found by their ring (no red): their strokes are
    # still ink in ``binary`` (a bi-level scan's black dither), so layout keeps short rule pieces out of them
    streaks: list[tuple[int, int]] = field(default_factory=list)  # scanner streaks painted out: column
    # ranges [x0, x1) of the raw scan (before deskew)


def mm_px(mm: float, dpi: int) -> float:
    return mm * dpi / 25.4


# ----------------------------------------------------------------------------------------------
# skew
# ----------------------------------------------------------------------------------------------

def rotate_image(image: np.ndarray, angle: float) -> np.ndarray:
    """The deskew transform: rotate by ``-angle`` degrees about the centre, same size, white border.

    ``rotate_image(raw, page.skew)`` reproduces ``CleanPage.color`` from the raw render.
    """
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), -angle, 1.0)
    border = (255,) * (image.shape[2] if image.ndim == 3 else 1)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def _ink_of(image: np.ndarray, threshold: int) -> np.ndarray:
    """Bool ink mask from a binary (ink = 255), a grey or a BGR image (dark = ink)."""
    if image.ndim == 3:
        value = image.max(axis=2) if image.shape[2] != 4 else image[..., :3].max(axis=2)
        return value < threshold
    if image.dtype == bool:
        return image
    values = np.unique(image[:: max(1, image.shape[0] // 64), :: max(1, image.shape[1] // 64)])
    if set(values.tolist()) <= {0, 255} and (image == 255).mean() < 0.5:
        return image == 255  # binary with ink = 255 (ink is the minority)
    return image < threshold


def _profile_score(xs: np.ndarray, ys: np.ndarray, angle_deg: float, bin_px: float) -> float:
    key = ys + xs * math.tan(math.radians(angle_deg))
    idx = np.floor((key - key.min()) / bin_px).astype(np.int64)
    counts = np.bincount(idx).astype(np.float64)
    return float(np.dot(counts, counts))


def estimate_skew(binary_or_gray: np.ndarray, settings: PreprocessSettings = PreprocessSettings()) -> float:
    """Tilt of the page content in degrees (counter-clockwise positive), from the horizontal rules and
    text lines: projection-profile search over ±``max_skew_deg``, coarse then fine, with a parabolic
    peak fit.  Returns 0.0 when the tilt is below ``min_skew_deg`` or there is too little ink."""
    ink = _ink_of(binary_or_gray, settings.skew_ink_threshold)
    points = cv2.findNonZero(ink.astype(np.uint8))
    if points is None or len(points) < 200:
        return 0.0
    points = points.reshape(-1, 2)
    rng = np.random.default_rng(0)
    if len(points) > settings.skew_max_points:
        points = points[rng.choice(len(points), settings.skew_max_points, replace=False)]
    xs = points[:, 0].astype(np.float64)
    ys = points[:, 1].astype(np.float64)
    coarse_n = 60_000
    if len(xs) > coarse_n:
        pick = rng.choice(len(xs), coarse_n, replace=False)
        cx, cy = xs[pick], ys[pick]
    else:
        cx, cy = xs, ys

    coarse = np.arange(-settings.max_skew_deg, settings.max_skew_deg + 1e-9, settings.coarse_step_deg)
    coarse_scores = [_profile_score(cx, cy, a, 2.0) for a in coarse]
    best = float(coarse[int(np.argmax(coarse_scores))])
    fine = np.arange(best - settings.coarse_step_deg * 1.5, best + settings.coarse_step_deg * 1.5 + 1e-9,
                     settings.fine_step_deg)
    fine_scores = np.array([_profile_score(xs, ys, a, 1.0) for a in fine])
    i = int(np.argmax(fine_scores))
    angle = float(fine[i])
    if 0 < i < len(fine) - 1:
        s0, s1, s2 = fine_scores[i - 1: i + 2]
        denom = s0 - 2 * s1 + s2
        if denom < 0:
            angle += settings.fine_step_deg * 0.5 * (s0 - s2) / denom
    angle = max(-settings.max_skew_deg, min(settings.max_skew_deg, angle))
    if abs(angle) < settings.min_skew_deg:
        return 0.0
    # keep the page as it is when rotating hardly sharpens the profile (text-only pages, where the
    # peak is flat): a born-digital page must come out unrotated
    if _profile_score(xs, ys, 0.0, 1.0) >= (1 - settings.skew_zero_tolerance) * _profile_score(xs, ys, angle, 1.0):
        return 0.0
    return round(angle, 3)


# ----------------------------------------------------------------------------------------------
# masks
# ----------------------------------------------------------------------------------------------

# ----------------------------------------------------------------------------------------------
# bow
# ----------------------------------------------------------------------------------------------

# the displacement across a rule, as a function of the page position (u along it, v across it, both in
# [-1, 1]): a sag (u²) that may change over the page (u²·v), and a residual tilt (u) that may change too (u·v)
_BOW_TERMS = (lambda u, v: u * u, lambda u, v: u * u * v, lambda u, v: u, lambda u, v: u * v)


def _rule_samples(ink: np.ndarray, horizontal: bool, settings: PreprocessSettings) -> list[np.ndarray]:
    """Per long rule, its fragments' (along, across) centres: straight runs of ink chained along the line
    (``pipeline.layout``'s fragments and chaining: character strokes make no long chains)."""
    from .layout import _chain, _fragments

    dpi = settings.dpi
    length = max(8, int(round(mm_px(settings.bow_fragment_mm, dpi))))
    thick = max(2, int(round(mm_px(settings.bow_thick_mm, dpi))) + 1)
    frags = _fragments(ink, horizontal, length, thick)
    chains = _chain(frags, horizontal, mm_px(settings.bow_gap_mm, dpi), 2.0, 0.05)
    extent = ink.shape[1] if horizontal else ink.shape[0]
    out = []
    for ch in chains:
        if ch.length >= settings.bow_min_rule * extent and len(ch.pieces) >= 3 and ch.cover() >= 0.5:
            out.append(np.array([((a + b) / 2.0, c) for a, b, c, _ in ch.pieces]))
    return out


def _fit_bow(rules: list[np.ndarray], along: int, across: int, settings: PreprocessSettings) -> np.ndarray | None:
    """Coefficients of ``_BOW_TERMS`` fitted to the rules' positions across (each rule its own offset),
    outliers dropped; None when too few rules."""
    if len(rules) < settings.bow_min_rules:
        return None
    keep = [np.ones(len(r), bool) for r in rules]
    coef = None
    for _ in range(3):
        rows, rhs = [], []
        for r, k in zip(rules, keep):
            if k.sum() < 3:
                continue
            u = 2.0 * r[k, 0] / max(1, along - 1) - 1.0
            v = 2.0 * r[k, 1] / max(1, across - 1) - 1.0
            x = np.stack([f(u, v) for f in _BOW_TERMS], axis=1)
            rows.append(x - x.mean(axis=0))  # each rule's own offset taken out
            rhs.append(r[k, 1] - r[k, 1].mean())
        if len(rows) < settings.bow_min_rules:
            return None
        coef, *_ = np.linalg.lstsq(np.concatenate(rows), np.concatenate(rhs), rcond=None)
        for i, r in enumerate(rules):
            u = 2.0 * r[:, 0] / max(1, along - 1) - 1.0
            v = 2.0 * r[:, 1] / max(1, across - 1) - 1.0
            pred = np.stack([f(u, v) for f in _BOW_TERMS], axis=1) @ coef
            res = r[:, 1] - pred
            keep[i] = np.abs(res - np.median(res)) <= 2.0
    return coef


def _displacement(coef: np.ndarray, along: np.ndarray, across: np.ndarray, n_along: int, n_across: int) -> np.ndarray:
    u = 2.0 * along / max(1, n_along - 1) - 1.0
    v = 2.0 * across / max(1, n_across - 1) - 1.0
    return sum(c * f(u, v) for c, f in zip(coef, _BOW_TERMS))


def dewarp_maps(value: np.ndarray, settings: PreprocessSettings = PreprocessSettings()
                ) -> tuple[np.ndarray, np.ndarray] | None:
    """Remap (``cv2.remap``) that straightens a bowed page's rules, or None when they are straight.

    Long horizontal rules are measured (fragments chained along each line) and their height fitted as a
    smooth function of the page position — a sag along the rule, a residual tilt, both free to change
    down the page — with one offset per rule; vertical rules likewise. When the fitted drift exceeds
    ``bow_min_px`` anywhere on the rules, the maps move every pixel back onto its straight line: the grid
    then puts every cell where its text is (a bowed rule against straight cell boxes cuts rows in half at
    the ends of the page, and its remnants in empty cells read as dashes)."""
    h, w = value.shape
    # measured at half resolution above 120 dpi (the darkest of every 2×2 block: thin rules stay ink)
    scale = 2 if settings.dpi > 120 else 1
    small = cv2.erode(value, np.ones((2, 2), np.uint8))[::2, ::2] if scale > 1 else value
    ink = np.where(small < settings.skew_ink_threshold, 255, 0).astype(np.uint8)
    sh, sw = ink.shape
    coarse = replace(settings, dpi=max(1, settings.dpi // scale))
    fits = []
    for horizontal in (True, False):
        rules = _rule_samples(ink, horizontal, coarse)
        coef = _fit_bow(rules, sw if horizontal else sh, sh if horizontal else sw, coarse)
        drift = 0.0
        if coef is not None:
            coef = coef * scale  # in the page's pixels (the terms are of normalised positions)
            pts = np.concatenate(rules)
            d = _displacement(coef, pts[:, 0], pts[:, 1], sw if horizontal else sh, sh if horizontal else sw)
            drift = float(np.ptp(d)) if d.size else 0.0
        fits.append(coef if drift > settings.bow_min_px else None)
    if fits[0] is None and fits[1] is None:
        return None
    xs = np.arange(w, dtype=np.float32)[None, :]
    ys = np.arange(h, dtype=np.float32)[:, None]
    map_x = np.repeat(xs, h, axis=0)
    map_y = np.repeat(ys, w, axis=1)
    if fits[0] is not None:
        map_y = map_y + _displacement(fits[0], xs, ys, w, h).astype(np.float32)
    if fits[1] is not None:
        map_x = map_x + _displacement(fits[1], ys, xs, h, w).astype(np.float32)
    return map_x, map_y


def _odd(n: float) -> int:
    k = max(1, int(round(n)))
    return k if k % 2 else k + 1


def _drop_small(mask: np.ndarray, min_area: float) -> np.ndarray:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return mask.astype(bool)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False
    return keep[labels]


def _convex_fill(mask: np.ndarray) -> np.ndarray:
    """Each connected region replaced by its convex hull: seals are round, so this fills the inside
    of a ring even where the page edge cuts it (a half seal's arc closes on its chord)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    filled = np.zeros(mask.shape, np.uint8)
    for label in range(1, n):
        x, y, w, h = stats[label, :4]
        ys, xs = np.nonzero(labels[y: y + h, x: x + w] == label)
        hull = cv2.convexHull(np.stack([xs + x, ys + y], axis=1).astype(np.int32))
        cv2.fillConvexPoly(filled, hull, 1)
    return filled.astype(bool)


def _keep_near_seeds(mask: np.ndarray, min_area: float, seed_area: float, reach_px: float) -> np.ndarray:
    """Hysteresis on regions: keep the large ones (seeds) and the smaller ones (≥ ``min_area``) lying
    within ``reach_px`` of a seed.  A tiled watermark has large glyphs everywhere, with pieces cut
    apart by table rules; light anti-aliased strokes of small text are small and far from any seed."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return np.zeros(mask.shape, bool)
    area = stats[:, cv2.CC_STAT_AREA]
    seed = area >= seed_area
    seed[0] = False
    if not seed.any():
        return np.zeros(mask.shape, bool)
    not_seed = np.where(seed[labels], 0, 255).astype(np.uint8)
    distance = cv2.distanceTransform(not_seed, cv2.DIST_L2, 3)
    keep = np.zeros(n, bool)
    keep[np.unique(labels[(distance <= reach_px) & (labels > 0)])] = True
    keep &= area >= min_area
    keep[0] = False
    return keep[labels]


def _upscale(mask_small: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return cv2.resize(mask_small.astype(np.uint8), (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST).astype(bool)


def seal_mask_of(red: np.ndarray, settings: PreprocessSettings) -> np.ndarray:
    """Filled seal regions from red-ink pixels, computed at quarter resolution."""
    h, w = red.shape
    f = 4
    small = cv2.resize(red.astype(np.uint8) * 255, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    small = small > 40  # at least ~1/6 of a 4x4 block red: isolated noise pixels drop out
    scale_px = mm_px(1.0, settings.dpi) / f
    bridge = _odd(settings.seal_gap_mm * scale_px)
    small = cv2.morphologyEx(small.astype(np.uint8), cv2.MORPH_CLOSE,
                             cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (bridge, bridge)))
    small = _drop_small(small, settings.seal_min_area_mm2 * scale_px * scale_px)
    if not small.any():
        return np.zeros((h, w), bool)
    filled = _convex_fill(small).astype(np.uint8)
    k = _odd(2 * settings.seal_margin_mm * scale_px + 1)
    filled = cv2.dilate(filled, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    return _upscale(filled, (h, w))


def _ring_kernel(radius: float, width: float) -> np.ndarray:
    """Mean ink on a ring of ``radius`` minus the mean of the bands just inside and just outside it."""
    size = int(radius + 2.5 * width) + 1
    yy, xx = np.mgrid[-size:size + 1, -size:size + 1]
    d = np.hypot(xx, yy)
    ring = ((d >= radius - width / 2) & (d <= radius + width / 2)).astype(np.float32)
    inner = ((d >= radius - 2.5 * width) & (d < radius - 1.2 * width)).astype(np.float32)
    outer = ((d > radius + 1.2 * width) & (d <= radius + 2.5 * width)).astype(np.float32)
    return ring / ring.sum() - 0.5 * inner / inner.sum() - 0.5 * outer / outer.sum()


def find_seal_rings(value: np.ndarray, settings: PreprocessSettings) -> list[tuple[float, float, float]]:
    """Round seals by their outer ring, whatever their colour: (x, y, radius) in pixels.

    A matched filter per radius on a low-resolution darkness map (ring minus the bands beside it, page
    edges mirrored so a half seal at the edge still closes), local maxima, then each candidate checked
    around its circumference: the ring must be darker than just outside it along most of its length inside
    the page. Table rules cross a circle at a few points only and text is as dark inside as outside."""
    h, w = value.shape
    f = max(1.0, settings.dpi / settings.ring_work_dpi)
    sw, sh = max(1, int(round(w / f))), max(1, int(round(h / f)))
    small = cv2.resize(value, (sw, sh), interpolation=cv2.INTER_AREA)
    dark = (255.0 - small.astype(np.float32)) / 255.0
    px_mm = settings.dpi / 25.4 / f
    width = max(1.5, settings.ring_width_mm * px_mm)
    lo, hi = settings.ring_radius_mm
    cands = []
    reach = max(3, int(round(5 * px_mm)))
    for r_mm in np.arange(lo, hi + 1e-6, settings.ring_step_mm):
        r = r_mm * px_mm
        resp = cv2.filter2D(dark, -1, _ring_kernel(r, width), borderType=cv2.BORDER_REFLECT)
        peaks = (resp >= cv2.dilate(resp, np.ones((reach, reach), np.uint8))) & (resp >= settings.ring_min_response)
        for y, x in zip(*np.nonzero(peaks)):
            cands.append((float(resp[y, x]), float(x), float(y), float(r)))
    cands.sort(reverse=True)
    rings: list[tuple[float, float, float]] = []
    angles = np.linspace(0, 2 * np.pi, 144, endpoint=False)
    cos, sin = np.cos(angles), np.sin(angles)
    for _, x, y, r in cands:
        if any(math.hypot(x - a, y - b) < 0.25 * (r + c) for a, b, c in rings):  # seals may overlap
            continue
        def at(rr: float) -> tuple[np.ndarray, np.ndarray]:
            xs, ys = np.rint(x + rr * cos).astype(int), np.rint(y + rr * sin).astype(int)
            inside = (xs >= 0) & (xs < sw) & (ys >= 0) & (ys < sh)
            return dark[np.clip(ys, 0, sh - 1), np.clip(xs, 0, sw - 1)], inside
        on = np.max([at(r + d)[0] for d in (-width / 2, 0.0, width / 2)], axis=0)
        out_ = at(r + 1.8 * width)[0]
        inside = at(r + 1.8 * width)[1] & at(r)[1]
        if inside.sum() < 0.3 * angles.size:
            continue
        cover = float(((on - out_) >= settings.ring_min_response)[inside].mean())
        if cover >= settings.ring_min_cover:
            rings.append((x, y, r))
    return [(x * f, y * f, r * f) for x, y, r in rings]


def ring_mask(shape: tuple[int, int], rings: list[tuple[float, float, float]], settings: PreprocessSettings
              ) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    margin = mm_px(settings.ring_width_mm + settings.seal_margin_mm, settings.dpi)  # the ring's stroke outside r
    for x, y, r in rings:
        cv2.circle(mask, (int(round(x)), int(round(y))), int(round(r + margin)), 1, thickness=-1)
    return mask.astype(bool)


def watermark_mask_of(gray: np.ndarray, chroma: np.ndarray, keep: np.ndarray,
                      settings: PreprocessSettings) -> np.ndarray:
    """Light, colourless strokes away from real ink, computed at half resolution."""
    h, w = gray.shape
    size = (max(1, w // 2), max(1, h // 2))
    g = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    c = cv2.resize(chroma, size, interpolation=cv2.INTER_AREA)
    k = cv2.resize(keep.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)
    cand = (g >= settings.watermark_min) & (g <= settings.watermark_max) & (c <= settings.watermark_max_chroma) & ~k
    cand = cv2.morphologyEx(cand.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    if not cand.any():
        return np.zeros((h, w), bool)
    # grow first, so glyph pieces cut apart by table rules and text stay together, then drop specks
    scale_px = mm_px(1.0, settings.dpi) / 2
    grow = _odd(mm_px(0.5, settings.dpi) / 2)
    cand = cv2.dilate(cand, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
    cand = _keep_near_seeds(cand, settings.watermark_min_area_mm2 * scale_px * scale_px,
                            settings.watermark_seed_area_mm2 * scale_px * scale_px,
                            settings.watermark_seed_reach_mm * scale_px)
    # reach the stroke parts squeezed between the halo kept around real ink and the candidates
    margin = _odd(2 * settings.watermark_margin_mm * scale_px + 1)
    cand = cv2.dilate(cand.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (margin, margin)))
    return _upscale(cand, (h, w))


def paper_level(value: np.ndarray, settings: PreprocessSettings) -> np.ndarray:
    """The local paper level of the rule masks: the brightest grey within ``rule_background_mm``, smoothed."""
    k = _odd(mm_px(settings.rule_background_mm, settings.dpi))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    return cv2.blur(cv2.dilate(value, kernel), (k, k))


def rule_ink_of(value: np.ndarray, settings: PreprocessSettings, gain: float = 1.0,
                background: np.ndarray | None = None) -> np.ndarray:
    """Everything darker than its local paper by ``rule_contrast`` (background division), before any
    seal or watermark clearing: grey photocopied or faded rules (150–220) that the ink threshold loses.

    This mask holds text, watermark strokes and noise as well; only long, thin, straight runs of it
    become rules (directional filtering and chaining in :mod:`pipeline.layout`). On a page whose contrast
    was stretched by ``gain`` the same darkness is asked of the page as it was scanned."""
    background = paper_level(value, settings) if background is None else background
    limit = cv2.convertScaleAbs(background, alpha=1.0 - min(0.5, settings.rule_contrast * gain))
    return np.where(value < limit, 255, 0).astype(np.uint8)


def line_response(f: np.ndarray, length: int, side: int) -> np.ndarray:
    """A matched filter for horizontal lines worn into dashes (transpose for vertical ones): ``f`` (ink or
    darkness, float32) averaged along ``length`` pixels — the gaps of a broken rule averaged over — minus the
    same average ``side`` pixels above or below, whichever is more: a rule has ink along it and paper beside
    it (cells are padded), a text line has ink beside any row through it, noise and watermark strokes are
    neither long nor straight. The line may drift a pixel either way (residual skew, bow)."""
    along = cv2.blur(cv2.dilate(f, np.ones((3, 1), np.uint8)), (length, 1))
    plain = cv2.blur(f, (length, 1))
    beside = np.zeros_like(plain)
    beside[side:] = plain[:-side]
    np.maximum(beside[:-side], plain[side:], out=beside[:-side])
    return along - beside


def faint_rules_of(value: np.ndarray, settings: PreprocessSettings, background: np.ndarray | None = None) -> np.ndarray:
    """The faint rule ink of a worn page (uint8 0/255): pixels ``faint_rule_contrast`` darker than the local
    paper on a line the grey line filter (:func:`line_response` on the darkness, not on a threshold of it)
    finds across or down the page. A photocopied rule worn to dashes of grey 200–225 on the stretched page
    is below ``rule_contrast`` over most of its length; averaged along the line it stands out of the noise."""
    background = paper_level(value, settings) if background is None else background
    dark = cv2.subtract(background, value).astype(np.float32) * (1.0 / 255.0)
    length = max(3, int(round(mm_px(settings.faint_rule_window_mm, settings.dpi))))
    side = max(2, int(round(mm_px(settings.faint_rule_side_mm, settings.dpi))))
    lines = np.zeros(value.shape, bool)
    for f, back in ((dark, lambda m: m), (np.ascontiguousarray(dark.T), lambda m: m.T)):
        found = (line_response(f, length, side) >= settings.faint_rule_response).astype(np.uint8)
        lines |= back(found).astype(bool)
    return np.where(lines & (dark >= settings.faint_rule_contrast), 255, 0).astype(np.uint8)


# ----------------------------------------------------------------------------------------------
# the page
# ----------------------------------------------------------------------------------------------

def _as_bgr(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8:
        raise ValueError(f"preprocess_page: expected a uint8 image, got {image.dtype}")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise ValueError(f"preprocess_page: expected an HxW or HxWx3 image, got shape {image.shape}")


def stretch_contrast(color: np.ndarray, value: np.ndarray, settings: PreprocessSettings
                     ) -> tuple[np.ndarray, np.ndarray, float] | None:
    """A worn photocopy (print ~160 on paper ~235, uneven): every channel stretched so the local paper
    becomes white and the darkest print ``stretched_ink``; ``None`` when the page has contrast enough.
    Returns the page (colour, channel maximum) and the gain applied.

    The paper level is local (median grey in a window much wider than a stroke, smoothed, computed at a
    quarter of the resolution): toner and paper shading vary across a photocopy. The median, not the
    brightest grey, so the scanner's noise around the paper level stays around white, not below it."""
    sample = value[::4, ::4]
    if sample.size == 0:
        return None
    paper, ink, black = np.percentile(sample, [settings.paper_percentile, settings.ink_percentile,
                                               settings.black_print_percentile])
    if paper - ink >= settings.min_contrast or paper - ink < 20 or paper - black >= settings.black_print:
        return None
    h, w = value.shape
    f = 4
    small = cv2.resize(value, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    k = _odd(mm_px(settings.paper_window_mm, settings.dpi) / f)
    background = cv2.blur(cv2.medianBlur(small, max(3, k)), (k, k))
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    gain = (255.0 - settings.stretched_ink) / float(paper - ink)
    smooth = cv2.GaussianBlur(color, (3, 3), 0)  # the stretch multiplies the scanner's noise too
    out = 255.0 - (background[..., None] - smooth.astype(np.float32)) * gain
    out = np.clip(out + 0.5, 0, 255).astype(np.uint8)
    return out, cv2.max(cv2.max(out[..., 0], out[..., 1]), out[..., 2]), gain


def find_streaks(value: np.ndarray, settings: PreprocessSettings) -> list[tuple[int, int]]:
    """Scanner streaks of a raw scan (channel maximum, scanner frame) as column ranges [x0, x1).

    A streak runs straight down the whole image: dark in nearly every row of a narrow run of columns, the
    top and bottom margins included, with paper on both sides. A table's column rule stops at the table
    (margins stay blank) and on a skewed page leans across columns; a black scanner border touches the
    edge. Both are kept."""
    h, w = value.shape
    if h < 50 or w < 50:
        return []
    paper = float(np.percentile(value[::8, ::8], settings.paper_percentile))
    dark = value < paper - settings.streak_contrast
    # a pixel counts when it is dark or its neighbour across is (a 1-px wobble of the scan line)
    dark = dark | np.roll(dark, 1, axis=1) & np.roll(dark, -1, axis=1)
    cover = dark.mean(axis=0)
    band = max(1, int(round(settings.streak_margin * h)))
    top, bottom = dark[:band].mean(axis=0), dark[h - band:].mean(axis=0)
    line = (cover >= settings.streak_min_cover) & (top >= settings.streak_margin_cover) \
        & (bottom >= settings.streak_margin_cover)
    if not line.any():
        return []
    # an image cut to its table (no blank margins) has rules running from edge to edge: no streak is told
    # from them there. The margin bands of a page hold little ink besides the streaks themselves.
    off = ~cv2.dilate(line.astype(np.uint8)[None, :], np.ones((1, 9), np.uint8))[0].astype(bool)
    ink = value < paper - settings.streak_ink_contrast  # print proper, not the light watermark
    if max(float(ink[:band][:, off].mean()), float(ink[h - band:][:, off].mean())) > settings.streak_margin_ink:
        return []

    def edge_of(x: int) -> bool:  # dark in both margin bands (a column rule the streak runs along is not)
        return top[x] >= settings.streak_margin_cover / 2 and bottom[x] >= settings.streak_margin_cover / 2

    max_w = max(2, int(round(mm_px(settings.streak_max_mm, settings.dpi))))
    edge = max_w + 2
    streaks = []
    x = 0
    while x < w:
        if not line[x]:
            x += 1
            continue
        x0 = x
        while x < w and line[x]:
            x += 1
        x1 = x
        # the faint anti-aliased edges: columns beside the run, dark in the margins too
        while x0 > 0 and edge_of(x0 - 1):
            x0 -= 1
        while x1 < w and edge_of(x1):
            x1 += 1
        # narrow, off the image's edges, paper on both sides in the margins
        if (x1 - x0 <= max_w and x0 >= edge and x1 <= w - edge
                and not edge_of(max(0, x0 - 3)) and not edge_of(min(w - 1, x1 + 2))):
            streaks.append((x0, x1))
    return streaks


def _along(values: np.ndarray, op, length: int) -> np.ndarray:
    """``op`` (cv2.dilate / cv2.erode / cv2.blur) along a column of values, over ``length`` rows."""
    column = values.astype(np.float32).reshape(-1, 1)
    if op is cv2.blur:
        return cv2.blur(column, (1, length), borderType=cv2.BORDER_REPLICATE).ravel()
    return op(column, np.ones((length, 1), np.uint8), borderType=cv2.BORDER_REPLICATE).ravel()


def streak_transmission(ratio: np.ndarray, settings: PreprocessSettings) -> np.ndarray:
    """The share of light the dust lets through along a streak, from ``ratio`` (scan over the paper beside
    it, row by row). Print under the streak only darkens, so the dust's transmission is the upper envelope:
    strokes crossing the streak (short dips) are closed over. A rule the streak runs along is a long dip
    with abrupt ends (the table's top and bottom), unlike the dust's slow waver: it is bridged from its
    ends."""
    h = ratio.shape[0]
    smooth = _along(ratio, cv2.blur, _odd(mm_px(1.0, settings.dpi)))
    span = _odd(mm_px(settings.streak_smooth_mm, settings.dpi))
    envelope = _along(_along(smooth, cv2.dilate, span), cv2.erode, span)
    d = max(2, int(round(mm_px(0.6, settings.dpi))))
    rows = np.arange(h)
    before = envelope[np.clip(rows - d, 0, h - 1)]
    after = envelope[np.clip(rows + d, 0, h - 1)]
    drops = np.flatnonzero((after < settings.streak_step * before) & (rows >= d))
    rises = np.flatnonzero((after * settings.streak_step > before) & (rows < h - d))
    out = envelope.copy()
    y = 0
    for start in drops:
        if start < y:
            continue
        ends = rises[rises > start]
        if not len(ends):
            break
        end = int(ends[0])
        while end + 1 in rises:  # the whole rise: the rule's end, then the dust's level again
            end += 1
        a, b = max(0, start - d), min(h - 1, end + d)
        out[a:b + 1] = np.interp(np.arange(a, b + 1), [a, b], [envelope[a], envelope[b]])
        y = end + 1
    return np.clip(out, 0.05, 1.0)


def paint_out_streaks(color: np.ndarray, streaks: list[tuple[int, int]], settings: PreprocessSettings
                      ) -> np.ndarray:
    """Undo each streak as the scanner made it: the dust lets through a share ``T(y)`` of the light in the
    columns it covers, so the page under it is the scan divided by ``T`` (:func:`streak_transmission`).
    Paper under the streak comes back paper; print under it (a rule it runs along, a stroke it crosses)
    comes back dark."""
    if not streaks:
        return color
    out = color.copy()
    h, w = color.shape[:2]
    value = color.max(axis=2).astype(np.float32) if color.ndim == 3 else color.astype(np.float32)
    paper = float(np.percentile(value[::8, ::8], settings.paper_percentile))
    rows = np.arange(h, dtype=np.float32)
    for x0, x1 in streaks:
        left, right = max(0, x0 - 2), min(w - 1, x1 + 1)
        clear = np.minimum(value[:, left], value[:, right]) >= paper - settings.streak_contrast / 2
        if clear.sum() < h * 0.2:
            continue
        reference = np.maximum((value[:, left] + value[:, right]) / 2.0, 1.0)
        for x in range(x0, x1):
            ratio = np.clip(value[:, x] / reference, 0.0, 1.0)
            ratio = np.interp(rows, rows[clear], ratio[clear])  # beside print the ratio says nothing
            transmission = streak_transmission(ratio, settings)
            column = color[:, x].astype(np.float32)
            lifted = column / (transmission[:, None] if column.ndim == 2 else transmission)
            out[:, x] = np.clip(lifted + 0.5, 0, 255).astype(np.uint8)
    return out


def preprocess_page(image_bgr: np.ndarray, settings: PreprocessSettings = PreprocessSettings()) -> CleanPage:
    """Paint out scanner streaks, deskew the page, suppress red seals and the grey watermark (keeping
    masks), binarise."""
    color = _as_bgr(image_bgr)
    b, g, r = cv2.split(color)
    value = cv2.max(cv2.max(b, g), r)
    streaks = find_streaks(value, settings) if settings.streaks else []
    if streaks:
        color = paint_out_streaks(color, streaks, settings)
        b, g, r = cv2.split(color)
        value = cv2.max(cv2.max(b, g), r)
    stretched = stretch_contrast(color, value, settings)
    contrast_gain = 1.0
    if stretched is not None:
        color, value, contrast_gain = stretched
        b, g, r = cv2.split(color)

    skew = estimate_skew(value, settings) if settings.deskew else 0.0
    if skew:
        color = rotate_image(color, skew)
        b, g, r = cv2.split(color)
        value = cv2.max(cv2.max(b, g), r)

    maps = dewarp_maps(value, settings) if settings.dewarp else None
    if maps is not None:
        color = cv2.remap(color, maps[0], maps[1], interpolation=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255))
        b, g, r = cv2.split(color)
        value = cv2.max(cv2.max(b, g), r)

    background = paper_level(value, settings)  # (one paper level for both rule masks)
    rule_ink = rule_ink_of(value, settings, contrast_gain, background)
    faint_rules = faint_rules_of(value, settings, background) if stretched is not None else None  # (worn pages)

    sample = value[::8, ::8]
    paper = float(np.percentile(sample, settings.paper_percentile)) if sample.size else 255.0
    gain = 255.0 / paper if paper > 100 else 1.0
    gray = cv2.convertScaleAbs(value, alpha=gain)

    gb_max = cv2.max(g, b)
    red_excess = cv2.subtract(r, gb_max)
    red = (red_excess > settings.red_min_excess) & (r > settings.red_min_r)
    seal_mask = seal_mask_of(red, settings)
    colourless = float(np.percentile(cv2.subtract(value, cv2.min(cv2.min(b, g), r))[::8, ::8], 99.5)) \
        <= settings.watermark_max_chroma
    rings = find_seal_rings(value, settings) if colourless else []  # (colour: red ink tells where seals are)
    dither = np.zeros(seal_mask.shape, bool)
    ring_seals = None
    if rings:  # colourless seals (bi-level dither, grey photocopy): masked, flagged, dither texture lifted
        ring_seals = ring_mask(seal_mask.shape, rings, settings)
        seal_mask |= ring_seals
        print_level = float(np.percentile(gray[::4, ::4], settings.ink_percentile))
        solid = (gray < print_level + settings.seal_print_span - 10).astype(np.uint8)
        halo = _odd(2 * mm_px(settings.core_halo_mm, settings.dpi) + 1)
        near_print = cv2.dilate(solid, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (halo, halo))).astype(bool)
        dither = ring_seals & ~near_print & (gray >= print_level + settings.seal_print_span)
        rule_ink[dither] = 0
        if faint_rules is not None:
            faint_rules[dither] = 0

    core = (gray < settings.core_threshold).astype(np.uint8)
    halo = _odd(2 * mm_px(settings.core_halo_mm, settings.dpi) + 1)
    near_core = cv2.dilate(core, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (halo, halo))).astype(bool)

    chroma = cv2.subtract(value, cv2.min(cv2.min(b, g), r))
    watermark_mask = watermark_mask_of(gray, chroma, near_core | seal_mask, settings)

    cleaned = gray.copy()
    cleaned[seal_mask & ~near_core & (gray >= settings.seal_clear_above)] = 255
    cleaned[watermark_mask & ~near_core & (gray >= settings.watermark_clear_above)] = 255
    cleaned[dither] = 255
    cleaned[cleaned >= settings.paper_white_above] = 255  # no white ghosts of the lifted ink on grey paper
    binary = np.where(cleaned < settings.ink_threshold, 255, 0).astype(np.uint8)
    return CleanPage(gray=cleaned, binary=binary, seal_mask=seal_mask, watermark_mask=watermark_mask,
                     skew=skew, color=color, rule_ink=rule_ink, faint_rules=faint_rules, worn=stretched is not None,
                     colourless_seals=ring_seals, streaks=streaks)
