"""Make realistic scans from clean page renders.

A clean page (rendered from a born-digital PDF at the profile's dpi) goes through what happens to a
real disclosure between the printer and the scanner, in that order:

1. printing defects: faded ruling lines, gaps cut into rules — a few short ones (``broken_rules``) or a
   share of every rule's length in gaps up to several mm (``rule_gap_share``), rules printed in a light
   grey (``rule_gray``, the grey level they end up at in the scan);
2. the tiled diagonal light-grey "仅供内部审核" watermark printed with the document;
3. red seals stamped over the numeric columns (ring, star, department name on an arc,
   "财务专用章" below, uneven ink with gaps), plus a half seal cut by the page edge;
4. paper tint, or a photocopy (``contrast``): grey, ink lightened to ``paper − c·255``, uneven toner;
5. the scanner: skew, a slight bow of the page (``bow_mm``), blur, sensor noise, then either a JPEG
   round-trip (colour or grey) or a 1-bit page (``bilevel``: ordered dither, so a red seal becomes a
   black dot texture over the digits).

Ink is blended with *multiply*, as on paper: black digits under a seal or the watermark stay
black, which is what lets ``pipeline.preprocess`` lift the red and grey ink off without touching
them (on a grey or 1-bit scan the colour is gone, and with it that help).  ``degrade_page`` returns
the degraded page and an info dict saying where everything went, so the sample generator can write
ground truth; :func:`save_scan_pdf` stores pages the way the profile's scanner would (colour JPEG,
grey JPEG or CCITT G4 1-bit).

The profiles added for issue 10 (``photocopy150``, ``bilevel300``, ``skew3``) are deliberately harsher
than the archive scans we expect; ``scripts/real_scans.py --profile NAME`` applies the same profiles to
real layouts.
"""
from __future__ import annotations

import io
import math
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

Box = tuple[float, float, float, float]

WATERMARK_TEXT = "仅供内部审核"
SEAL_BOTTOM_TEXT = "财务专用章"
SEAL_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
)
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


@dataclass(frozen=True)
class DegradeProfile:
    """How to turn one clean page into a scan.  Lengths are physical (mm) and scale with dpi."""

    name: str
    dpi: int = 200
    skew_max_deg: float = 0.0  # skew drawn uniformly from [-max, +max]
    blur_sigma: float = 0.0  # gaussian blur of the scan, in pixels at this dpi
    noise_sigma: float = 0.0  # sensor noise (std of grey levels)
    jpeg_quality: int | None = None  # None: no JPEG round-trip
    paper_tint: tuple[int, int, int] = (255, 255, 255)  # RGB multiplied over the page
    faded_rules: float = 0.0  # 0..1: how much ruling lines are lightened
    broken_rules: float = 0.0  # gaps per 100 mm of ruling line
    watermark: bool = False
    watermark_gray: tuple[int, int] = (200, 222)  # grey level range of the watermark ink
    seals: int = 0  # full seals placed over numeric columns
    half_seal: bool = False  # one more seal cut by the right page edge (骑缝章)
    seal_radius_mm: tuple[float, float] = (19.0, 21.0)
    seal_opacity: tuple[float, float] = (0.75, 0.95)
    # archive damage (issue 10); the defaults leave the page (and the random stream) as before
    skew_min_deg: float = 0.0  # |skew| drawn from [min, max] with a random sign
    rule_gap_share: tuple[float, float] = (0.0, 0.0)  # share of each rule's length cut away (drawn per rule)
    rule_gap_mm: tuple[float, float] = (0.5, 4.0)  # length of each of those cuts
    rule_gray: tuple[int, int] | None = None  # grey level the rules end up at in the scan (varies along them)
    grayscale: bool = False  # a grey scan: colour is gone (a red seal is a grey one)
    contrast: tuple[float, float] | None = None  # photocopy: black ink ends at paper − c·255, c drawn from here
    paper_gray: tuple[int, int] = (255, 255)  # photocopy paper level
    toner: float = 0.0  # uneven toner: ink lightened by up to this share, in smooth blotches and streaks
    bow_mm: float = 0.0  # the page bows: rules sag by up to this much in the middle (both directions)
    bilevel: bool = False  # 1-bit scan: the grey page ordered-dithered (Bayer 8×8)
    dense_rows: bool = False  # generator only: tight rows (small font, little padding)
    # scanner streaks: dust or a scratch on the glass draws thin dark lines down the whole scan, in the scanner's
    # frame (straight up and down however the page lies), over rules, digits and margins alike
    streaks: tuple[int, int] = (0, 0)  # how many per page, drawn from this range
    streak_mm: tuple[float, float] = (0.12, 0.45)  # their width
    streak_gray: tuple[int, int] = (30, 150)  # their darkest grey level

    @property
    def storage(self) -> str:
        """How the scanner stores a page: ``rgb`` / ``gray`` JPEG or ``bilevel`` (CCITT G4)."""
        return "bilevel" if self.bilevel else ("gray" if self.grayscale else "rgb")


PROFILES: dict[str, DegradeProfile] = {
    p.name: p
    for p in (
        DegradeProfile(name="clean200", dpi=200, jpeg_quality=95),
        DegradeProfile(
            name="seal_watermark200", dpi=200, skew_max_deg=0.5, noise_sigma=3.0, jpeg_quality=90,
            paper_tint=(252, 250, 244), watermark=True, seals=1, half_seal=True,
        ),
        DegradeProfile(
            name="skew_noise200", dpi=200, skew_max_deg=3.0, blur_sigma=0.6, noise_sigma=8.0,
            jpeg_quality=80, paper_tint=(250, 246, 232), faded_rules=0.35, broken_rules=1.5,
            watermark=True, seals=1, half_seal=True,
        ),
        DegradeProfile(
            name="lowres150", dpi=150, skew_max_deg=1.5, blur_sigma=0.7, noise_sigma=5.0,
            jpeg_quality=75, paper_tint=(246, 246, 242), faded_rules=0.25, broken_rules=1.0,
            watermark=True, seals=1, half_seal=True,
        ),
        DegradeProfile(
            name="heavy300", dpi=300, skew_max_deg=3.0, blur_sigma=1.1, noise_sigma=10.0,
            jpeg_quality=70, paper_tint=(244, 236, 214), faded_rules=0.5, broken_rules=2.5,
            watermark=True, seals=2, half_seal=True, seal_opacity=(0.65, 0.9),
        ),
        # a worn grey photocopy: low contrast, faint grey rules with a fifth to nearly half of their length
        # missing in gaps of up to 4.5 mm, uneven toner, heavy JPEG; the half seal at the edge turned grey
        DegradeProfile(
            name="photocopy150", dpi=150, skew_max_deg=1.5, blur_sigma=0.8, noise_sigma=7.0, jpeg_quality=55,
            grayscale=True, contrast=(0.5, 0.65), paper_gray=(222, 240), toner=0.3, rule_gray=(150, 220),
            rule_gap_share=(0.2, 0.45), rule_gap_mm=(0.6, 4.5), watermark=True, half_seal=True,
        ),
        # a 1-bit 300 dpi scan: the red seal (and the watermark) dithered into black dots over the digits
        DegradeProfile(
            name="bilevel300", dpi=300, skew_max_deg=1.5, blur_sigma=0.9, noise_sigma=6.0, jpeg_quality=None,
            faded_rules=0.3, broken_rules=1.5, watermark=True, seals=2, half_seal=True, bilevel=True,
            seal_opacity=(0.8, 1.0),
        ),
        # a sheet-fed scan with dirty glass: one to three dark streaks down every page, through the tables
        DegradeProfile(
            name="streaks200", dpi=200, skew_max_deg=1.2, noise_sigma=4.0, jpeg_quality=85,
            paper_tint=(250, 248, 240), watermark=True, seals=1, half_seal=True, streaks=(1, 3),
        ),
        # dense rows skewed 2–3° either way on a slightly bowed page
        DegradeProfile(
            name="skew3", dpi=200, skew_min_deg=2.0, skew_max_deg=3.0, bow_mm=1.8, blur_sigma=0.6,
            noise_sigma=6.0, jpeg_quality=75, paper_tint=(250, 246, 234), faded_rules=0.35, broken_rules=1.5,
            watermark=True, seals=1, half_seal=True, dense_rows=True,
        ),
    )
}


@dataclass
class SealPlacement:
    center: tuple[float, float]  # in the degraded (skewed) frame
    center_page: tuple[float, float]  # in the clean page frame
    radius: float
    half: bool
    rotation: float
    text: str

    def to_dict(self) -> dict:
        return {
            "center": [round(self.center[0], 1), round(self.center[1], 1)],
            "center_page": [round(self.center_page[0], 1), round(self.center_page[1], 1)],
            "radius": round(self.radius, 1),
            "half": self.half,
            "rotation": round(self.rotation, 2),
            "text": self.text,
        }


@dataclass
class DegradeInfo:
    profile: str
    dpi: int
    skew: float  # degrees, counter-clockwise as displayed; pipeline.preprocess reports the same sign
    seals: list[SealPlacement] = field(default_factory=list)
    watermark: dict | None = None
    storage: str = "rgb"
    photocopy: dict | None = None  # contrast, paper level, toner
    rule_gaps: dict | None = None  # share of each rule's length cut (min / mean / max)
    bow: dict | None = None  # dx_px, dy_px: sag of vertical / horizontal rules in the middle of the page
    streaks: list[dict] | None = None  # x_px, width_px, gray of each scanner streak

    def to_dict(self) -> dict:
        d = {
            "profile": self.profile,
            "dpi": self.dpi,
            "skew": round(self.skew, 4),
            "seals": [s.to_dict() for s in self.seals],
            "watermark": self.watermark,
        }
        for key in ("photocopy", "rule_gaps", "bow", "streaks"):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        if self.storage != "rgb":
            d["storage"] = self.storage
        return d


def mm_to_px(mm: float, dpi: int) -> float:
    return mm * dpi / 25.4


@lru_cache(maxsize=1)
def cjk_font_path() -> str:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    raise FileNotFoundError("no CJK font found (install fonts-noto-cjk): needed to draw seals and watermarks")


@lru_cache(maxsize=64)
def cjk_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    path = cjk_font_path()
    if bold:
        path = next((p for p in SEAL_FONT_CANDIDATES if Path(p).exists()), path)
    return ImageFont.truetype(path, max(6, int(size)))


# ----------------------------------------------------------------------------------------------
# geometry shared with pipeline.preprocess.rotate_image
# ----------------------------------------------------------------------------------------------

def skew_matrix(width: int, height: int, angle: float) -> np.ndarray:
    """Affine matrix that rotates page content by ``angle`` degrees counter-clockwise about the centre."""
    return cv2.getRotationMatrix2D(((width - 1) / 2.0, (height - 1) / 2.0), angle, 1.0)


def map_points(points: np.ndarray, width: int, height: int, angle: float) -> np.ndarray:
    """Map (N,2) clean-page pixel coordinates into the frame skewed by ``angle``."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    m = skew_matrix(width, height, angle)
    return pts @ m[:, :2].T + m[:, 2]


def apply_skew(rgb: np.ndarray, angle: float) -> np.ndarray:
    h, w = rgb.shape[:2]
    return cv2.warpAffine(
        rgb, skew_matrix(w, h, angle), (w, h), flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255),
    )


# ----------------------------------------------------------------------------------------------
# building blocks
# ----------------------------------------------------------------------------------------------

def smooth_noise(shape: tuple[int, int], cell: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth random field in [0,1] with features about ``cell`` pixels wide."""
    h, w = shape
    gh, gw = max(2, int(math.ceil(h / cell)) + 1), max(2, int(math.ceil(w / cell)) + 1)
    coarse = rng.random((gh, gw), dtype=np.float32)
    field_ = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    lo, hi = float(field_.min()), float(field_.max())
    return (field_ - lo) / max(hi - lo, 1e-6)


def multiply(page: np.ndarray, alpha: np.ndarray, ink_rgb: tuple[float, float, float]) -> np.ndarray:
    """Multiply-blend an ink of colour ``ink_rgb`` with coverage ``alpha`` (float 0..1, HxW) over ``page``."""
    ink = np.asarray(ink_rgb, dtype=np.float32) / 255.0
    factor = 1.0 - alpha[..., None] * (1.0 - ink[None, None, :])
    return np.clip(page.astype(np.float32) * factor + 0.5, 0, 255).astype(np.uint8)


def ruling_masks(gray: np.ndarray, dpi: int) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling-line pixels (bool) of a clean page."""
    ink = (gray < 160).astype(np.uint8)
    length = max(15, int(mm_to_px(8.0, dpi)))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    return horizontal.astype(bool), vertical.astype(bool)


def damage_rules(rgb: np.ndarray, profile: DegradeProfile, rng: np.random.Generator) -> np.ndarray:
    """Fade the ruling lines (uneven toner) and cut small gaps into them."""
    if profile.faded_rules <= 0 and profile.broken_rules <= 0:
        return rgb
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    horizontal, vertical = ruling_masks(gray, profile.dpi)
    lines = horizontal | vertical
    if not lines.any():
        return rgb
    out = rgb.astype(np.float32)
    if profile.faded_rules > 0:
        # lighten by a smoothly varying amount; darkest parts of faded rules stay well below the
        # watermark grey so cleaning never mistakes them for watermark
        variation = smooth_noise(gray.shape, mm_to_px(30, profile.dpi), rng)
        amount = profile.faded_rules * (0.4 + 0.6 * variation)
        lift = (255.0 - out) * np.minimum(amount, 0.55)[..., None]
        out = np.where(lines[..., None], out + lift, out)
    if profile.broken_rules > 0:
        gap_max = max(2, int(mm_to_px(0.9, profile.dpi)))
        for mask, horizontal_line in ((horizontal, True), (vertical, False)):
            n_labels, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
            for label in range(1, n_labels):
                x, y, w, h = stats[label, :4]
                length_px = w if horizontal_line else h
                expected = profile.broken_rules * length_px / mm_to_px(100, profile.dpi)
                for _ in range(rng.poisson(expected)):
                    gap = int(rng.integers(2, gap_max + 1))
                    if horizontal_line:
                        gx = int(rng.integers(x, x + max(1, w - gap)))
                        sl = (slice(y, y + h), slice(gx, gx + gap))
                    else:
                        gy = int(rng.integers(y, y + max(1, h - gap)))
                        sl = (slice(gy, gy + gap), slice(x, x + w))
                    cut = labels[sl] == label
                    region = out[sl]
                    region[cut] = 255.0
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def cut_rule_gaps(rgb: np.ndarray, rules: tuple[np.ndarray, np.ndarray], profile: DegradeProfile,
                  rng: np.random.Generator) -> tuple[np.ndarray, list[float]]:
    """Cut a share of every rule's length (drawn per rule from ``rule_gap_share``) away in gaps of
    ``rule_gap_mm``, across the rule's whole thickness (its anti-aliased edge included): toner that did
    not reach the paper.  ``rules`` are the clean page's :func:`ruling_masks`.  Returns the page and the
    share cut from each rule."""
    lo, hi = profile.rule_gap_share
    if hi <= 0:
        return rgb, []
    horizontal, vertical = rules
    out = rgb.copy()
    h_img, w_img = rgb.shape[:2]
    g_lo, g_hi = (max(1.0, mm_to_px(v, profile.dpi)) for v in profile.rule_gap_mm)
    shares: list[float] = []
    for mask, horizontal_line in ((horizontal, True), (vertical, False)):
        n_labels, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
        for label in range(1, n_labels):
            x, y, w, h = (int(v) for v in stats[label, :4])
            length = w if horizontal_line else h
            target = float(rng.uniform(lo, hi))
            cut = np.zeros(length, bool)
            while cut.mean() < target:
                gap = int(round(rng.uniform(g_lo, g_hi)))
                start = int(rng.integers(0, max(1, length - gap + 1)))
                cut[start:start + gap] = True
            shares.append(float(cut.mean()))
            idx = np.flatnonzero(cut)
            if horizontal_line:
                band = out[max(0, y - 1):min(h_img, y + h + 1), x:x + w]
                band[:, idx] = 255
            else:
                band = out[y:y + h, max(0, x - 1):min(w_img, x + w + 1)]
                band[idx, :] = 255
    return out, shares


def gray_rules(rgb: np.ndarray, rules: tuple[np.ndarray, np.ndarray], profile: DegradeProfile,
               rng: np.random.Generator, photocopy: tuple[float, float] | None) -> np.ndarray:
    """Print the rules in light grey: their darkest pixels end at a level drawn from ``rule_gray`` (varying
    smoothly along them) in the finished scan — ``photocopy`` (contrast, paper) is undone to get there."""
    if profile.rule_gray is None:
        return rgb
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    horizontal, vertical = rules
    lines = horizontal | vertical
    if not lines.any():
        return rgb
    lines = cv2.dilate(lines.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    g_lo, g_hi = profile.rule_gray
    target = g_lo + (g_hi - g_lo) * smooth_noise(gray.shape, mm_to_px(25, profile.dpi), rng)
    if photocopy is not None:  # final = paper − c·(255 − level)
        contrast, paper = photocopy
        level = 255.0 - (paper - target) / contrast
    else:
        level = target
    level = np.clip(level, 0.0, 255.0)
    core = float(np.percentile(gray[horizontal | vertical], 10))
    ink = np.clip((255.0 - gray.astype(np.float32)) / max(1.0, 255.0 - core), 0.0, 1.0)
    new = 255.0 - ink * (255.0 - level)
    out = rgb.astype(np.float32)
    lighter = lines & (new > gray)
    # keep the ink's colour balance: scale every channel's darkness alike
    factor = (255.0 - new) / np.maximum(1.0, 255.0 - gray.astype(np.float32))
    out[lighter] = 255.0 - (255.0 - out[lighter]) * factor[lighter][:, None]
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Grey level as a grey scanner or copier sees it (ITU-R 601 weights, as PIL's ``L``)."""
    return rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def photocopy_page(rgb: np.ndarray, profile: DegradeProfile, contrast: float, paper: float,
                   rng: np.random.Generator) -> np.ndarray:
    """A worn photocopy: grey, ink darkness scaled by ``contrast`` over grey ``paper``, toner uneven in
    blotches and in streaks along the paper path."""
    h, w = rgb.shape[:2]
    lum = luminance(rgb)
    toner = np.ones((h, w), np.float32)
    if profile.toner > 0:
        blotches = smooth_noise((h, w), mm_to_px(35, profile.dpi), rng)
        streaks = smooth_noise((1, w), mm_to_px(6, profile.dpi), rng)
        toner = 1.0 - profile.toner * (0.7 * blotches + 0.3 * np.repeat(streaks, h, axis=0))
    background = paper * (0.985 + 0.015 * smooth_noise((h, w), mm_to_px(60, profile.dpi), rng))
    out = background - contrast * (255.0 - lum) * toner
    return np.repeat(np.clip(out + 0.5, 0, 255).astype(np.uint8)[..., None], 3, axis=2)


def bow_page(rgb: np.ndarray, profile: DegradeProfile, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """A page that did not lie flat: horizontal rules sag by ``dy`` in the middle of the page width,
    vertical rules by ``dx`` in the middle of its height (parabolic, either sign)."""
    h, w = rgb.shape[:2]
    amp = mm_to_px(profile.bow_mm, profile.dpi)
    dy = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.6, 1.0) * amp)
    dx = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 0.7) * amp)
    u = (2.0 * np.arange(w, dtype=np.float32) / max(1, w - 1) - 1.0)[None, :]
    v = (2.0 * np.arange(h, dtype=np.float32) / max(1, h - 1) - 1.0)[:, None]
    grid_x = np.repeat(np.arange(w, dtype=np.float32)[None, :], h, axis=0)
    grid_y = np.repeat(np.arange(h, dtype=np.float32)[:, None], w, axis=1)
    map_x = grid_x - dx * (1.0 - v * v)  # output (x, y) shows the input at (x − dx·…, y − dy·…)
    map_y = grid_y - dy * (1.0 - u * u)
    out = cv2.remap(rgb, map_x.astype(np.float32), map_y.astype(np.float32), interpolation=cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255))
    return out, {"dx_px": round(dx, 2), "dy_px": round(dy, 2)}


def add_streaks(rgb: np.ndarray, profile: DegradeProfile, rng: np.random.Generator) -> tuple[np.ndarray, list[dict]]:
    """Scanner streaks: thin dark vertical lines the whole height of the scan, their darkness wavering along
    them (the dust is not pressed evenly), anywhere across the printed area."""
    h, w = rgb.shape[:2]
    out = rgb
    streaks = []
    for _ in range(int(rng.integers(profile.streaks[0], profile.streaks[1] + 1))):
        x = float(rng.uniform(0.12, 0.88) * w)
        width = max(1.0, mm_to_px(float(rng.uniform(*profile.streak_mm)), profile.dpi))
        gray = int(rng.integers(profile.streak_gray[0], profile.streak_gray[1] + 1))
        xs = np.arange(w, dtype=np.float32)
        across = np.clip(width / 2 + 0.5 - np.abs(xs - x), 0.0, 1.0)  # anti-aliased edges
        along = 0.7 + 0.3 * smooth_noise((h, 1), mm_to_px(40, profile.dpi), rng)[:, :1]
        out = multiply(out, along * across[None, :], (gray, gray, gray))
        streaks.append({"x_px": round(x, 1), "width_px": round(width, 2), "gray": gray})
    return out, streaks


BAYER8 = np.array([[0, 32, 8, 40, 2, 34, 10, 42], [48, 16, 56, 24, 50, 18, 58, 26],
                   [12, 44, 4, 36, 14, 46, 6, 38], [60, 28, 52, 20, 62, 30, 54, 22],
                   [3, 35, 11, 43, 1, 33, 9, 41], [51, 19, 59, 27, 49, 17, 57, 25],
                   [15, 47, 7, 39, 13, 45, 5, 37], [63, 31, 55, 23, 61, 29, 53, 21]], np.float32)
BILEVEL_BLACK, BILEVEL_WHITE = 30.0, 235.0  # darker is always black, lighter always white; between: dots


def bilevel_page(rgb: np.ndarray) -> np.ndarray:
    """A 1-bit scan in 'text and photo' mode: the grey page ordered-dithered (Bayer 8×8) between
    ``BILEVEL_BLACK`` and ``BILEVEL_WHITE`` — print stays solid, a red seal becomes a black dot texture."""
    h, w = rgb.shape[:2]
    level = np.clip((luminance(rgb) - BILEVEL_BLACK) / (BILEVEL_WHITE - BILEVEL_BLACK), 0.0, 1.0)
    threshold = np.tile((BAYER8 + 0.5) / 64.0, (h // 8 + 1, w // 8 + 1))[:h, :w]
    out = np.where(level < threshold, 0, 255).astype(np.uint8)
    return np.repeat(out[..., None], 3, axis=2)


def watermark_alpha(shape: tuple[int, int], dpi: int, rng: np.random.Generator,
                    text: str = WATERMARK_TEXT) -> tuple[np.ndarray, dict]:
    """Coverage (0..1) of a tiled, rotated watermark text over a page of ``shape``."""
    h, w = shape
    angle = float(rng.uniform(30, 45))
    font_px = int(mm_to_px(rng.uniform(9.0, 12.0), dpi))
    font = cjk_font(font_px)
    diag = int(math.hypot(w, h)) + 2 * font_px
    canvas = Image.new("L", (diag, diag), 0)
    draw = ImageDraw.Draw(canvas)
    text_w = draw.textlength(text, font=font)
    step_x = text_w + mm_to_px(rng.uniform(25, 40), dpi)
    step_y = font_px + mm_to_px(rng.uniform(35, 50), dpi)
    row = 0
    y = -step_y * rng.random()
    while y < diag:
        x = -step_x * rng.random() + (step_x / 2 if row % 2 else 0) - step_x
        while x < diag:
            draw.text((x, y), text, font=font, fill=255)
            x += step_x
        y += step_y
        row += 1
    rotated = canvas.rotate(angle, resample=Image.BILINEAR, expand=False)
    left, top = (diag - w) // 2, (diag - h) // 2
    alpha = np.asarray(rotated.crop((left, top, left + w, top + h)), dtype=np.float32) / 255.0
    return alpha, {"text": text, "angle": round(angle, 2), "font_px": font_px}


def seal_alpha(radius: float, text: str, rng: np.random.Generator, dpi: int) -> tuple[np.ndarray, float]:
    """Coverage (0..1) of one round red seal (square of side ~2*radius, uneven ink) and its rotation."""
    r = float(radius)
    pad = int(0.08 * r) + 4
    size = int(2 * r) + 2 * pad
    c = size / 2.0
    img = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(img)
    ring_w = max(3, int(round(0.055 * r)))
    draw.ellipse((c - r, c - r, c + r, c + r), outline=255, width=ring_w)
    inner_margin = 0.0
    if rng.random() < 0.35:  # thin inner ring
        inner_margin = 0.07 * r
        ri = r - ring_w - inner_margin
        draw.ellipse((c - ri, c - ri, c + ri, c + ri), outline=255, width=max(1, ring_w // 3))
    # five-pointed star
    star_r = 0.27 * r
    points = []
    for k in range(10):
        rr = star_r if k % 2 == 0 else star_r * 0.382
        a = -math.pi / 2 + k * math.pi / 5
        points.append((c + rr * math.cos(a), c - 0.02 * r + rr * math.sin(a)))
    draw.polygon(points, fill=255)
    # department name on the upper arc, glyph tops facing outwards
    name = text.strip() or "财务部门"
    glyph_px = int(max(8, min(0.2 * r, 0.9 * r * math.radians(230) / max(len(name), 1) * 0.9)))
    font = cjk_font(glyph_px, bold=True)
    text_radius = r - ring_w - inner_margin - 0.12 * r - glyph_px / 2.0
    per_char = min(math.radians(230) / max(len(name), 1), 1.25 * glyph_px / text_radius)
    span = per_char * (len(name) - 1)
    for i, ch in enumerate(name):
        phi = -math.pi / 2 - span / 2 + i * per_char  # angle from +x, y down (top = -90°)
        glyph = Image.new("L", (glyph_px * 2, glyph_px * 2), 0)
        ImageDraw.Draw(glyph).text((glyph_px, glyph_px), ch, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-math.degrees(phi + math.pi / 2), resample=Image.BILINEAR)
        gx = c + text_radius * math.cos(phi) - glyph_px
        gy = c + text_radius * math.sin(phi) - glyph_px
        img.paste(255, (int(round(gx)), int(round(gy))), glyph)
    # straight text under the star
    bottom_px = int(max(8, 0.16 * r))
    draw.text((c, c + 0.48 * r), SEAL_BOTTOM_TEXT, font=cjk_font(bottom_px, bold=True), fill=255, anchor="mm")
    if rng.random() < 0.5:  # 13-digit seal code on the lower arc is common; draw a short straight one
        code = "".join(str(d) for d in rng.integers(0, 10, 13))
        draw.text((c, c + 0.72 * r), code, font=cjk_font(int(0.09 * r)), fill=255, anchor="mm")
    rotation = float(rng.uniform(-25, 25))
    img = img.rotate(rotation, resample=Image.BILINEAR)
    alpha = np.asarray(img, dtype=np.float32) / 255.0
    # ink bleed, uneven pressure and gaps where the stamp did not touch
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(0.5, 0.35 * dpi / 200))
    pressure = smooth_noise(alpha.shape, 0.35 * r, rng)
    grain = smooth_noise(alpha.shape, max(2.0, 0.025 * r), rng)
    coverage = (0.55 + 0.45 * pressure) * (0.7 + 0.3 * grain)
    gaps = smooth_noise(alpha.shape, max(3.0, 0.06 * r), rng) < rng.uniform(0.08, 0.18)
    coverage[gaps] *= 0.15
    return np.clip(alpha * coverage, 0.0, 1.0), rotation


def stamp(page: np.ndarray, alpha: np.ndarray, center: tuple[float, float], ink_rgb: tuple[int, int, int],
          opacity: float) -> np.ndarray:
    """Multiply a seal of coverage ``alpha`` centred at ``center`` onto ``page`` (clipped at the edges)."""
    h, w = page.shape[:2]
    sh, sw = alpha.shape
    x0 = int(round(center[0] - sw / 2))
    y0 = int(round(center[1] - sh / 2))
    px0, py0, px1, py1 = max(0, x0), max(0, y0), min(w, x0 + sw), min(h, y0 + sh)
    if px0 >= px1 or py0 >= py1:
        return page
    sub_alpha = alpha[py0 - y0: py1 - y0, px0 - x0: px1 - x0] * opacity
    page[py0:py1, px0:px1] = multiply(page[py0:py1, px0:px1], sub_alpha, ink_rgb)
    return page


def seal_ink(rng: np.random.Generator) -> tuple[int, int, int]:
    return (int(rng.integers(205, 236)), int(rng.integers(25, 65)), int(rng.integers(35, 75)))


def seal_centres(seal_targets: list[Box], count: int, radius: float, shape: tuple[int, int],
                 rng: np.random.Generator) -> list[tuple[float, float]]:
    """Centres over the numeric columns (inside a target box), seals kept on the page."""
    h, w = shape
    centres: list[tuple[float, float]] = []
    targets = list(seal_targets) or [(w * 0.45, h * 0.35, w * 0.85, h * 0.8)]
    order = rng.permutation(len(targets))
    for k in range(count):
        x0, y0, x1, y1 = targets[int(order[k % len(targets)])]
        for _attempt in range(20):
            cx = float(rng.uniform(x0, max(x0 + 1, x1)))
            cy = float(rng.uniform(y0, max(y0 + 1, y1)))
            cx = min(max(cx, radius + 2), w - radius - 2)
            cy = min(max(cy, radius + 2), h - radius - 2)
            if all(math.hypot(cx - ox, cy - oy) > 1.6 * radius for ox, oy in centres):
                break
        centres.append((cx, cy))
    return centres


# ----------------------------------------------------------------------------------------------
# the page
# ----------------------------------------------------------------------------------------------

def degrade_page(rgb: np.ndarray, profile: DegradeProfile, rng: np.random.Generator,
                 seal_targets: list[Box] | None = None, seal_text: str = "") -> tuple[np.ndarray, dict]:
    """Turn a clean page render (H,W,3 uint8 RGB at ``profile.dpi``) into a realistic scan.

    ``seal_targets`` are pixel boxes (x0,y0,x1,y1, clean page frame) of numeric columns where a seal
    centre should land; ``seal_text`` is the department name printed on the seal's arc.  Returns the
    degraded RGB page (same size) and ``DegradeInfo.to_dict()``: skew applied (degrees,
    counter-clockwise), seal centres in both frames with radii, watermark parameters.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"degrade_page: expected an HxWx3 uint8 RGB page, got {rgb.shape} {rgb.dtype}")
    h, w = rgb.shape[:2]
    page = damage_rules(rgb.copy(), profile, rng)
    info = DegradeInfo(profile=profile.name, dpi=profile.dpi, skew=0.0, storage=profile.storage)
    photocopy = None
    if profile.contrast is not None:
        photocopy = (float(rng.uniform(*profile.contrast)), float(rng.uniform(*profile.paper_gray)))
        info.photocopy = {"contrast": round(photocopy[0], 3), "paper": round(photocopy[1], 1),
                          "toner": profile.toner}
    if profile.rule_gray is not None or profile.rule_gap_share[1] > 0:
        rules = ruling_masks(cv2.cvtColor(page, cv2.COLOR_RGB2GRAY), profile.dpi)
        page = gray_rules(page, rules, profile, rng, photocopy)
        page, shares = cut_rule_gaps(page, rules, profile, rng)
        if shares:
            info.rule_gaps = {"rules": len(shares), "share_min": round(min(shares), 3),
                              "share_mean": round(float(np.mean(shares)), 3), "share_max": round(max(shares), 3),
                              "gap_mm": list(profile.rule_gap_mm)}

    if profile.watermark:
        alpha, wm = watermark_alpha((h, w), profile.dpi, rng)
        grey = int(rng.integers(profile.watermark_gray[0], profile.watermark_gray[1] + 1))
        page = multiply(page, alpha, (grey, grey, grey))
        wm["gray"] = grey
        info.watermark = wm

    placements: list[tuple[tuple[float, float], float, bool]] = []

    def radius_of() -> float:
        return mm_to_px(float(rng.uniform(*profile.seal_radius_mm)), profile.dpi)

    if profile.seals:
        radius = radius_of()
        for centre in seal_centres(list(seal_targets or []), profile.seals, radius, (h, w), rng):
            placements.append((centre, radius, False))
    if profile.half_seal:
        radius = radius_of()
        placements.append(((w - 1 + float(rng.uniform(-0.15, 0.15)) * radius, float(rng.uniform(0.3, 0.7)) * h),
                           radius, True))
    for centre, radius, half in placements:
        alpha, rotation = seal_alpha(radius, seal_text, rng, profile.dpi)
        page = stamp(page, alpha, centre, seal_ink(rng), float(rng.uniform(*profile.seal_opacity)))
        info.seals.append(SealPlacement(center=centre, center_page=centre, radius=radius, half=half,
                                        rotation=rotation, text=seal_text))

    if photocopy is not None:
        page = photocopy_page(page, profile, photocopy[0], photocopy[1], rng)
    elif profile.paper_tint != (255, 255, 255):
        tint = np.asarray(profile.paper_tint, dtype=np.float32)
        shading = 0.985 + 0.015 * smooth_noise((h, w), mm_to_px(80, profile.dpi), rng)
        page = np.clip(page.astype(np.float32) * (tint / 255.0)[None, None, :] * shading[..., None] + 0.5,
                       0, 255).astype(np.uint8)

    if profile.skew_max_deg > 0:
        if profile.skew_min_deg > 0:
            angle = float(rng.choice([-1.0, 1.0]) * rng.uniform(profile.skew_min_deg, profile.skew_max_deg))
        else:
            angle = float(rng.uniform(-profile.skew_max_deg, profile.skew_max_deg))
        page = apply_skew(page, angle)
        info.skew = angle
        for seal in info.seals:
            mapped = map_points(np.array([seal.center_page]), w, h, angle)[0]
            seal.center = (float(mapped[0]), float(mapped[1]))
    if profile.bow_mm > 0:
        page, info.bow = bow_page(page, profile, rng)

    if profile.streaks[1] > 0:
        page, info.streaks = add_streaks(page, profile, rng)

    if profile.blur_sigma > 0:
        page = cv2.GaussianBlur(page, (0, 0), profile.blur_sigma)
    colourless = profile.grayscale or profile.bilevel or photocopy is not None
    if profile.noise_sigma > 0:
        noise = rng.normal(0.0, profile.noise_sigma, (h, w, 1)).astype(np.float32)
        if not colourless:
            noise = noise + rng.normal(0.0, profile.noise_sigma * 0.3, (h, w, 3)).astype(np.float32)
        page = np.clip(page.astype(np.float32) + noise + 0.5, 0, 255).astype(np.uint8)
    if profile.bilevel:
        return bilevel_page(page), info.to_dict()
    if colourless:
        page = np.repeat(np.clip(luminance(page) + 0.5, 0, 255).astype(np.uint8)[..., None], 3, axis=2)
    if profile.jpeg_quality is not None:
        page = jpeg_roundtrip(page, profile.jpeg_quality, gray=colourless)
    return page, info.to_dict()


def jpeg_roundtrip(rgb: np.ndarray, quality: int, gray: bool = False) -> np.ndarray:
    buffer = io.BytesIO()
    image = Image.fromarray(rgb).convert("L") if gray else Image.fromarray(rgb)
    image.save(buffer, format="JPEG", quality=int(quality), subsampling=2)
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGB")).copy()


def scan_image(rgb: np.ndarray, profile: DegradeProfile) -> Image.Image:
    """A degraded page as the profile's scanner stores it: RGB, grey (``L``) or 1-bit (``1``)."""
    image = Image.fromarray(rgb)
    if profile.storage == "bilevel":
        return image.convert("L").point(lambda v: 255 if v >= 128 else 0).convert("1", dither=Image.Dither.NONE)
    if profile.storage == "gray":
        return image.convert("L")
    return image


def save_scan_pdf(pages: list[np.ndarray], profile: DegradeProfile, path: Path, quality: int | None = None) -> None:
    """Image-only PDF of degraded pages, as the profile's scanner writes it: every page a JPEG (colour or
    grey, ``quality`` or the profile's, 85 without one) or, for a 1-bit profile, CCITT G4."""
    from pipeline.fsutil import atomic_write

    images = [scan_image(rgb, profile) for rgb in pages]
    options: dict = {"resolution": float(profile.dpi), "save_all": True, "append_images": images[1:]}
    if profile.storage != "bilevel":
        options.update(quality=int(quality or profile.jpeg_quality or 85), subsampling=2, optimize=True)
    atomic_write(path, lambda tmp: images[0].save(tmp, format="PDF", **options))
