"""The scan degradation used by the sample generator, checked on a real born-digital page."""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PDF = SHARED / "real" / "juesuan" / "putuo-caizheng-2024-juesuan.pdf"

sys.path.insert(0, str(REPO))
from scripts.samplegen.degrade import PROFILES, DegradeProfile, degrade_page, map_points  # noqa: E402

pytestmark = [
    pytest.mark.real,
    pytest.mark.skipif(not PDF.exists(), reason=f"{PDF} not available"),
]

SEAL_TEXT = "上海市普陀区财政局"
# numeric columns 本年收入合计 / 财政拨款收入 of the 收入决算表 on page 8, rows 合计 … 行政单位离退休 (200 dpi)
SEAL_TARGET = (1000.0, 650.0, 1350.0, 1050.0)


@pytest.fixture(scope="module")
def page8() -> np.ndarray:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(PDF))
    try:
        return np.asarray(pdf[7].render(scale=200 / 72).to_pil().convert("RGB")).copy()
    finally:
        pdf.close()


def redness(rgb: np.ndarray) -> np.ndarray:
    c = rgb.astype(np.int16)
    return c[..., 0] - np.maximum(c[..., 1], c[..., 2])


def disk(shape, center, radius) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (xx - center[0]) ** 2 + (yy - center[1]) ** 2 <= radius**2


def annulus(shape, center, r0, r1) -> np.ndarray:
    return disk(shape, center, r1) & ~disk(shape, center, r0)


def test_profiles_cover_the_scan_conditions():
    assert {"clean200", "seal_watermark200", "skew_noise200", "lowres150", "heavy300"} <= set(PROFILES)
    for name, p in PROFILES.items():
        assert p.name == name
        assert p.skew_max_deg <= 3.0
        if name != "clean200":
            assert p.watermark and (p.seals or p.half_seal)
    assert not PROFILES["clean200"].watermark and not PROFILES["clean200"].seals


def test_clean_profile_keeps_the_page(page8):
    out, info = degrade_page(page8, PROFILES["clean200"], np.random.default_rng(0), [SEAL_TARGET], SEAL_TEXT)
    assert out.shape == page8.shape and out.dtype == np.uint8
    assert info["seals"] == [] and info["watermark"] is None and info["skew"] == 0
    diff = np.abs(out.astype(np.int16) - page8.astype(np.int16))
    assert diff.mean() < 1.5
    assert (redness(out) > 60).sum() == 0


def test_same_seed_same_scan(page8):
    profile = PROFILES["skew_noise200"]
    a, ia = degrade_page(page8, profile, np.random.default_rng(7), [SEAL_TARGET], SEAL_TEXT)
    b, ib = degrade_page(page8, profile, np.random.default_rng(7), [SEAL_TARGET], SEAL_TEXT)
    assert ia == ib
    assert np.array_equal(a, b)


def test_seal_is_red_over_the_numbers_and_black_digits_stay_dark(page8):
    # seal + watermark only, no scanner effects: pixels stay in the clean frame and can be compared
    profile = dataclasses.replace(PROFILES["seal_watermark200"], skew_max_deg=0.0, noise_sigma=0.0,
                                  jpeg_quality=None, paper_tint=(255, 255, 255))
    out, info = degrade_page(page8, profile, np.random.default_rng(3), [SEAL_TARGET], SEAL_TEXT)
    full = [s for s in info["seals"] if not s["half"]]
    half = [s for s in info["seals"] if s["half"]]
    assert len(full) == 1 and len(half) == 1
    seal = full[0]
    cx, cy = seal["center"]
    x0, y0, x1, y1 = SEAL_TARGET
    assert x0 <= cx <= x1 and y0 <= cy <= y1
    r = seal["radius"]
    assert 140 < r < 175  # ~40 mm seal at 200 dpi

    red = redness(out) > 60
    ring = annulus(out.shape[:2], (cx, cy), 0.955 * r, 0.995 * r)
    assert red[ring].mean() > 0.5  # the ring is there, inked unevenly
    hx, hy = half[0]["center"]
    seals_area = disk(out.shape[:2], (cx, cy), 1.1 * r) | disk(out.shape[:2], (hx, hy), 1.1 * half[0]["radius"])
    assert red[~seals_area].sum() == 0  # red ink only where the seals are
    # multiply blend: black strokes of the clean page are still black under the seal
    under = disk(out.shape[:2], (cx, cy), r) & (page8.min(axis=2) < 60)
    assert under.sum() > 1500  # the seal really covers digits
    assert np.percentile(out[under].max(axis=1), 90) < 90

    # the half seal is cut by the right page edge
    assert abs(hx - out.shape[1]) < 0.2 * half[0]["radius"]
    assert red[:, -40:].sum() > 500


def test_watermark_is_light_grey_tiled_text(page8):
    profile = DegradeProfile(name="wm", dpi=200, watermark=True)
    out, info = degrade_page(page8, profile, np.random.default_rng(5), [], "")
    wm = info["watermark"]
    assert wm["text"] == "仅供内部审核" and 30 <= wm["angle"] <= 45
    paper = page8.min(axis=2) == 255
    changed = paper & (out.min(axis=2) < 250)
    share = changed.sum() / paper.sum()
    assert 0.03 < share < 0.3, share
    # never darker than the light grey it is printed in, and colourless
    values = out[changed]
    assert values.min() >= wm["gray"] - 2
    assert (values.max(axis=1).astype(int) - values.min(axis=1)).max() <= 2
    # tiled over the whole page: every quarter carries some of it
    h, w = paper.shape
    for qy in (slice(0, h // 2), slice(h // 2, h)):
        for qx in (slice(0, w // 2), slice(w // 2, w)):
            assert changed[qy, qx].sum() > 2000


def test_skew_tilts_the_ruling_lines_by_the_reported_angle(page8):
    profile = DegradeProfile(name="skew", dpi=200, skew_max_deg=3.0)
    out, info = degrade_page(page8, profile, np.random.default_rng(11), [], "")
    angle = info["skew"]
    assert 0.3 < abs(angle) <= 3.0
    # the outer table's top rule (y ≈ 436 at x 200..2150 on the clean page) moved as the matrix says
    gray = out.min(axis=2)
    xs = [300, 2050]
    ys = []
    for x in xs:
        expected = map_points(np.array([[x, 436.0]]), page8.shape[1], page8.shape[0], angle)[0]
        col_x = int(round(expected[0]))
        window = gray[int(expected[1]) - 25: int(expected[1]) + 25, col_x]
        dark = np.nonzero(window < 128)[0]
        assert dark.size, f"no rule near {expected}"
        ys.append(int(expected[1]) - 25 + dark.mean())
    measured = -np.degrees(np.arctan2(ys[1] - ys[0], xs[1] - xs[0]))
    assert abs(measured - angle) < 0.1


def test_rules_fade_and_break(page8):
    from scripts.samplegen.degrade import ruling_masks

    profile = DegradeProfile(name="rules", dpi=200, faded_rules=0.5, broken_rules=3.0)
    out, _ = degrade_page(page8, profile, np.random.default_rng(2), [], "")
    clean_gray = page8.min(axis=2)
    horizontal, vertical = ruling_masks(clean_gray, 200)
    lines = horizontal | vertical
    assert lines.sum() > 20000
    before = clean_gray[lines].astype(float)
    after = out.min(axis=2)[lines].astype(float)
    assert after.mean() > before.mean() + 30  # visibly faded
    gaps = (after == 255).sum()
    assert gaps > 100  # gaps were cut
    # text is not touched
    text = (clean_gray < 128) & ~lines
    assert np.array_equal(out.min(axis=2)[text], clean_gray[text])


def test_all_profiles_run_on_their_dpi(page8):
    import cv2

    for name in ("lowres150", "heavy300"):
        p = PROFILES[name]
        scale = p.dpi / 200
        rgb = cv2.resize(page8, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        out, info = degrade_page(rgb, p, np.random.default_rng(1), [tuple(v * scale for v in SEAL_TARGET)], SEAL_TEXT)
        assert out.shape == rgb.shape
        assert len(info["seals"]) == p.seals + int(p.half_seal)
        for s in info["seals"]:
            assert abs(s["radius"] - 20 * p.dpi / 25.4) < 0.1 * s["radius"]
        assert (redness(out) > 50).sum() > 1000
