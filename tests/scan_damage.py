"""Harsh scan damage for layout tests: rendered pages made into the scans our rule finder once lost.

Unlike ``scripts/samplegen/degrade.py`` (the generator's profiles), these helpers exaggerate one
failure each, so a test can name the mechanism it exercises:

- :func:`break_rules` cuts a share of every ruling line's length away in gaps of several mm;
- :func:`fade_rules` lightens the ruling lines to a grey level (150–220) while the text stays dark;
- :func:`photocopy` makes a worn grey photocopy (low contrast, blur, noise, JPEG);
- :func:`bilevel` thresholds a page (with a red seal) to 1 bit, dithering the seal into black texture;
- :func:`skew` rotates the content.

All take and return RGB uint8 pages and a ``numpy.random.Generator`` where they draw anything.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scripts.samplegen.degrade import apply_skew, mm_to_px, ruling_masks  # noqa: E402


def render_pdf_page(pdf_path: Path, index: int, dpi: int) -> np.ndarray:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return np.asarray(pdf[index].render(scale=dpi / 72).to_pil().convert("RGB")).copy()
    finally:
        pdf.close()


def _rule_components(rgb: np.ndarray, dpi: int):
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    horizontal, vertical = ruling_masks(gray, dpi)
    for mask, is_h in ((horizontal, True), (vertical, False)):
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
        for label in range(1, n):
            yield labels, label, stats[label, :4], is_h


def break_rules(rgb: np.ndarray, dpi: int, rng: np.random.Generator, missing: float = 0.3,
                gap_mm: tuple[float, float] = (1.0, 4.0)) -> np.ndarray:
    """Cut gaps (``gap_mm`` long) into every ruling line until ``missing`` of its length is paper."""
    out = rgb.copy()
    lo, hi = mm_to_px(gap_mm[0], dpi), mm_to_px(gap_mm[1], dpi)
    for labels, label, (x, y, w, h), is_h in list(_rule_components(rgb, dpi)):
        length = w if is_h else h
        cut = np.zeros(length, bool)
        while cut.mean() < missing:
            g = int(rng.uniform(lo, hi))
            a = int(rng.integers(0, max(1, length - g)))
            cut[a:a + g] = True
        idx = np.flatnonzero(cut)
        if is_h:
            sl = (slice(y, y + h), slice(x, x + w))
            sub = labels[sl] == label
            sub[:, np.setdiff1d(np.arange(w), idx)] = False
        else:
            sl = (slice(y, y + h), slice(x, x + w))
            sub = labels[sl] == label
            sub[np.setdiff1d(np.arange(h), idx), :] = False
        region = out[sl]
        region[sub] = 255
    return out


def fade_rules(rgb: np.ndarray, dpi: int, rng: np.random.Generator, grey: tuple[int, int] = (150, 220)) -> np.ndarray:
    """Ruling lines lightened to a grey level drawn per line from ``grey`` (text untouched)."""
    out = rgb.copy()
    for labels, label, (x, y, w, h), _ in list(_rule_components(rgb, dpi)):
        sl = (slice(y, y + h), slice(x, x + w))
        sub = labels[sl] == label
        level = float(rng.uniform(*grey))
        region = out[sl].astype(np.float32)
        # multiply: ink 0 → level, anti-aliased edges lighter still
        region[sub] = 255 - (255 - region[sub]) * (255 - level) / 255
        out[sl] = np.clip(region + 0.5, 0, 255).astype(np.uint8)
    return out


def jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=int(quality))
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB")).copy()


def photocopy(rgb: np.ndarray, dpi: int, rng: np.random.Generator, contrast: float = 0.6, paper: int = 236,
              blur: float = 0.6, noise: float = 4.0, quality: int = 55) -> np.ndarray:
    """A worn grey photocopy: greyscale, contrast squeezed into [paper·(1-contrast), paper], blur, noise, JPEG."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    low = paper * (1 - contrast)
    gray = low + (paper - low) * gray / 255.0
    if blur:
        gray = cv2.GaussianBlur(gray, (0, 0), blur)
    if noise:
        gray = gray + rng.normal(0.0, noise, gray.shape).astype(np.float32)
    gray = np.clip(gray + 0.5, 0, 255).astype(np.uint8)
    return jpeg(cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB), quality)


def skew(rgb: np.ndarray, angle: float) -> np.ndarray:
    return apply_skew(rgb, angle)


def bilevel(rgb: np.ndarray, threshold: int = 150, dither_from: int = 235) -> np.ndarray:
    """A 1-bit scan: black where the luminance is below ``threshold``; mid-tones (red seal ink) are
    ordered-dithered, so a seal becomes a texture of black dots over the digits."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    bayer = np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]], np.float32) / 16.0
    h, w = gray.shape
    tiles = np.tile(bayer, (h // 4 + 1, w // 4 + 1))[:h, :w]
    # grey between threshold and dither_from: black with probability falling linearly to 0 at dither_from
    p = np.clip((dither_from - gray) / (dither_from - threshold), 0, 1)
    black = (gray < threshold) | (p > tiles + 1e-6) & (gray < dither_from)
    out = np.where(black, 0, 255).astype(np.uint8)
    return cv2.cvtColor(out, cv2.COLOR_GRAY2RGB)
