"""The archive-scan profiles of issue 10 (photocopy150, bilevel300, skew3) do what they claim, measured on a
rendered page of a committed born-digital sample (公开02表 of s04, landscape, 17 body rows)."""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
for p in (REPO, REPO / "scripts"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from samplegen.degrade import (PROFILES, degrade_page, mm_to_px, ruling_masks,  # noqa: E402
                               save_scan_pdf)
from samplegen.render import amount_boxes, rasterise, text_words  # noqa: E402

SAMPLE = REPO / "samples" / "s04_health_2023_digital.pdf"
PAGE = 3  # 公开02表


@pytest.fixture(scope="module")
def pages() -> dict[int, tuple[np.ndarray, list]]:
    """The clean page and its amount boxes at 150, 200 and 300 dpi."""
    out = {}
    for dpi in (150, 200, 300):
        out[dpi] = (rasterise(SAMPLE, dpi)[PAGE - 1], amount_boxes(text_words(SAMPLE, dpi)[PAGE - 1]))
    return out


def quiet(name: str, **changes) -> "dataclasses.Any":
    """A profile without the scanner's geometry and noise, so its pixels stay in the clean frame."""
    base = dict(skew_max_deg=0.0, skew_min_deg=0.0, blur_sigma=0.0, noise_sigma=0.0, jpeg_quality=None, bow_mm=0.0)
    base.update(changes)
    return dataclasses.replace(PROFILES[name], **base)


def rule_runs(clean_gray: np.ndarray, dpi: int) -> list[tuple[bool, int, int, int, int]]:
    """Each ruling line of the clean page: (horizontal, x, y, w, h)."""
    horizontal, vertical = ruling_masks(clean_gray, dpi)
    out = []
    for mask, is_h in ((horizontal, True), (vertical, False)):
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
        out.extend((is_h, *(int(v) for v in stats[k, :4])) for k in range(1, n))
    return out


def profile_along(gray: np.ndarray, run: tuple[bool, int, int, int, int], offset: int = 0) -> np.ndarray:
    """Darkest pixel across the rule's thickness at every position along it (``offset``: shifted off it)."""
    is_h, x, y, w, h = run
    if is_h:
        return gray[y - 1 + offset:y + h + 1 + offset, x:x + w].min(axis=0).astype(float)
    return gray[y:y + h, x - 1 + offset:x + w + 1 + offset].min(axis=1).astype(float)


def longest_run(flags: np.ndarray) -> int:
    best = cur = 0
    for f in flags:
        cur = cur + 1 if f else 0
        best = max(best, cur)
    return best


def test_new_profiles_are_declared_harsh():
    pc, bl, sk = PROFILES["photocopy150"], PROFILES["bilevel300"], PROFILES["skew3"]
    assert pc.dpi == 150 and pc.grayscale and pc.storage == "gray"
    assert pc.contrast == (0.5, 0.65) and 50 <= pc.jpeg_quality <= 60 and pc.noise_sigma > 0 and pc.blur_sigma > 0
    assert pc.rule_gap_share == (0.2, 0.45) and pc.rule_gap_mm[1] >= 4.0 and pc.rule_gray == (150, 220)
    assert pc.toner > 0
    assert bl.dpi == 300 and bl.bilevel and bl.storage == "bilevel" and bl.seals >= 1
    assert sk.skew_min_deg == 2.0 and sk.skew_max_deg == 3.0 and sk.bow_mm > 0 and sk.dense_rows


def test_photocopy_cuts_a_fifth_to_nearly_half_of_every_rule_in_gaps_of_mm(pages):
    clean, _ = pages[150]
    clean_gray = clean.min(axis=2)
    out, info = degrade_page(clean, quiet("photocopy150", watermark=False, half_seal=False), np.random.default_rng(4), [], "")
    gray = out[..., 0]
    assert np.array_equal(out[..., 0], out[..., 1]) and np.array_equal(out[..., 1], out[..., 2])  # grey scan
    dpi = 150
    runs = [r for r in rule_runs(clean_gray, dpi) if max(r[3], r[4]) >= mm_to_px(20, dpi)]
    assert len(runs) >= 20
    shares, longest = [], 0
    for run in runs:
        on = profile_along(gray, run)
        # paper beside the rule (3 px off it, both sides) is the reference: a rule pixel is there when darker
        paper = np.maximum(profile_along(gray, run, offset=-4), profile_along(gray, run, offset=4))
        missing = on > paper - 4
        shares.append(missing.mean())
        longest = max(longest, longest_run(missing))
    shares = np.array(shares)
    assert shares.min() >= 0.15 and shares.max() <= 0.55, (shares.min(), shares.max())
    assert 0.22 <= shares.mean() <= 0.4, shares.mean()
    assert longest >= mm_to_px(3.5, dpi)  # gaps of several mm, not specks
    gaps = info["rule_gaps"]
    assert 0.2 <= gaps["share_min"] and gaps["share_max"] <= 0.5 and abs(gaps["share_mean"] - shares.mean()) < 0.08


def test_photocopy_is_grey_low_contrast_with_faint_rules(pages):
    clean, _ = pages[150]
    clean_gray = clean.min(axis=2)
    out, info = degrade_page(clean, quiet("photocopy150", watermark=False, half_seal=False), np.random.default_rng(9), [], "")
    gray = out[..., 0].astype(float)
    contrast, paper = info["photocopy"]["contrast"], info["photocopy"]["paper"]
    assert 0.5 <= contrast <= 0.65 and 222 <= paper <= 240
    assert abs(np.percentile(gray, 90) - paper) < 6
    horizontal, vertical = ruling_masks(clean_gray, 150)
    rules = cv2.dilate((horizontal | vertical).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    text = (clean_gray < 60) & ~rules
    darkest_text = np.percentile(gray[text], 5)
    # black print ends at paper − c·255 (uneven toner lightens parts of it): never black on a photocopy
    assert paper - 0.7 * 255 <= darkest_text <= paper - 0.45 * 255, darkest_text
    # the rules that are left are faint grey: their darkest pixels between 150 and 220 (toner lightens some)
    present = []
    for run in rule_runs(clean_gray, 150):
        on = profile_along(gray, run)
        present.extend(on[on < paper - 4])
    level = np.percentile(present, [10, 50])
    assert 145 <= level[0] and level[1] <= 228, level
    assert np.percentile(gray[text], 50) < level[0]  # print stays darker than the rules


def test_bilevel_dithers_the_red_seal_into_black_texture_over_the_digits(pages, tmp_path):
    clean, targets = pages[300]
    profile = quiet("bilevel300")
    out, info = degrade_page(clean, profile, np.random.default_rng(5), targets, "北京市卫生健康委员会")
    assert set(np.unique(out).tolist()) <= {0, 255}
    black = out[..., 0] == 0
    seal = next(s for s in info["seals"] if not s["half"])
    (cx, cy), r = seal["center"], seal["radius"]
    yy, xx = np.mgrid[: black.shape[0], : black.shape[1]]
    dist = np.hypot(xx - cx, yy - cy)
    clean_ink = clean.min(axis=2) < 128
    ring = (dist > 0.955 * r) & (dist < 0.995 * r) & ~clean_ink
    # the seal's ring is a dot texture: neither solid black nor gone
    assert 0.2 < black[ring].mean() < 0.85, black[ring].mean()
    # and the texture lies over printed digits: black dots inside the seal where the page had only paper
    inside = (dist < 0.9 * r) & (clean.min(axis=2) > 250)
    assert black[inside].mean() > 0.03
    horizontal, vertical = ruling_masks(clean.min(axis=2), 300)
    rules = cv2.dilate((horizontal | vertical).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    digits = (dist < r) & (clean.min(axis=2) < 40) & ~rules  # (rules are faded in this profile)
    assert digits.sum() > 500 and black[digits].mean() > 0.97  # print stays solid black
    far = (dist > 1.3 * r) & (clean.min(axis=2) > 250)
    wm_free = dataclasses.replace(profile, watermark=False, seals=0, half_seal=False)
    plain, _ = degrade_page(clean, wm_free, np.random.default_rng(5), targets, "")
    assert (plain[..., 0] == 0)[far].mean() < 0.002  # paper stays white
    # stored as a 1-bit image (CCITT G4), as a bilevel scanner writes it
    pdf = tmp_path / "bilevel.pdf"
    save_scan_pdf([out], PROFILES["bilevel300"], pdf)
    from pypdf import PdfReader

    image = next(iter(PdfReader(str(pdf)).pages[0]["/Resources"]["/XObject"].values())).get_object()
    assert image["/BitsPerComponent"] == 1 and "/CCITTFaxDecode" in str(image["/Filter"])


def test_photocopy_is_stored_as_grey_jpeg(pages, tmp_path):
    clean, _ = pages[150]
    out, _ = degrade_page(clean, PROFILES["photocopy150"], np.random.default_rng(1), [], "")
    pdf = tmp_path / "grey.pdf"
    save_scan_pdf([out], PROFILES["photocopy150"], pdf)
    from pypdf import PdfReader

    image = next(iter(PdfReader(str(pdf)).pages[0]["/Resources"]["/XObject"].values())).get_object()
    assert image["/ColorSpace"] == "/DeviceGray" and "/DCTDecode" in str(image["/Filter"])


def test_skew3_tilts_two_to_three_degrees_either_way():
    page = np.full((300, 400, 3), 255, np.uint8)
    angles = [degrade_page(page, PROFILES["skew3"], np.random.default_rng(seed), [], "")[1]["skew"]
              for seed in range(8)]
    assert all(2.0 <= abs(a) <= 3.0 for a in angles), angles
    assert min(angles) < 0 < max(angles)


def test_skew3_bows_the_rules(pages):
    clean, _ = pages[200]
    clean_gray = clean.min(axis=2)
    profile = quiet("skew3", watermark=False, seals=0, half_seal=False, faded_rules=0.0, broken_rules=0.0,
                    bow_mm=PROFILES["skew3"].bow_mm)
    out, info = degrade_page(clean, profile, np.random.default_rng(3), [], "")
    dy = info["bow"]["dy_px"]
    assert abs(dy) >= 0.6 * mm_to_px(profile.bow_mm, 200)
    gray = out.min(axis=2)
    h, w = gray.shape
    runs = [r for r in rule_runs(clean_gray, 200) if r[0] and r[3] > w * 0.6]
    assert runs
    _, x, y, rw, rh = max(runs, key=lambda r: r[3])

    def rule_y(xc: int) -> float:
        window = gray[y - 20:y + rh + 20, xc]
        dark = np.flatnonzero(window < 160)
        assert dark.size, f"rule lost at x={xc}"
        return y - 20 + dark.mean()

    xs = [x + 25, x + rw // 2, x + rw - 25]  # (the sideways bow moves the ends by up to 10 px)
    ys = [rule_y(v) for v in xs]
    sag = ys[1] - (ys[0] + ys[2]) / 2
    u = [2 * v / (w - 1) - 1 for v in xs]
    expected = dy * ((1 - u[1] ** 2) - ((1 - u[0] ** 2) + (1 - u[2] ** 2)) / 2)
    assert abs(sag - expected) < 1.5, (sag, expected)
    assert abs(sag) > 4  # visibly bowed: a straight rule finder sees it drift by more than its thickness


def test_old_profiles_scan_as_before(pages):
    """The new steps are off for the old profiles, so their scans (and every earlier benchmark) are unchanged:
    no grey conversion, no bow, no rule gaps beyond the short ones."""
    clean, targets = pages[200]
    out, info = degrade_page(clean, PROFILES["seal_watermark200"], np.random.default_rng(2), targets, "卫生健康委")
    assert "bow" not in info and "photocopy" not in info and "rule_gaps" not in info and "streaks" not in info
    assert (out[..., 0].astype(int) - out[..., 1]).max() > 60  # the seal is still red


def test_streaks_run_down_the_whole_scan(pages):
    """streaks200: one to three thin dark lines straight down the scan (margins included), where the info says,
    whatever the page's skew."""
    clean, targets = pages[200]
    profile = quiet("streaks200", skew_max_deg=1.2)
    out, info = degrade_page(clean, profile, np.random.default_rng(4), targets, "卫生健康委")
    assert 1 <= len(info["streaks"]) <= 3
    value = out.max(axis=2).astype(int)
    h = value.shape[0]
    for streak in info["streaks"]:
        x = int(round(streak["x_px"]))
        assert 0.12 * 25.4 / 200 <= streak["width_px"] * 25.4 / 200 <= 0.45 + 1e-6
        line = value[:, x - 1:x + 2].min(axis=1)
        beside = value[:, x + 12]
        assert (line < beside - 25).mean() > 0.9  # darker than the page beside it almost all the way down
        assert (line[: h // 20] < 215).all() and (line[-h // 20:] < 215).all()  # through both margins


def test_skew3_documents_have_dense_rows():
    """The generator lays out skew3 documents with tight rows (small font, almost no cell padding)."""
    from samplegen.generate import Recipe, compose
    from samplegen.layout import MEASURE_JS, measure_html
    from samplegen.render import Printer

    heights = {}
    with Printer() as printer:
        for profile in ("clean200", "skew3"):
            recipe = Recipe(name="dense", department="health", seed=5, profile=profile, tables=(2,))
            content, _pages, settings, _html = compose(recipe, printer)
            measured = printer.evaluate(measure_html(content, settings), MEASURE_JS)
            rows = [h for m in measured.values() for h in m["rows"]]
            heights[profile] = float(np.median(rows))
    assert heights["skew3"] <= 0.8 * heights["clean200"], heights
    assert heights["skew3"] <= mm_to_px(4.0, 96)  # CSS px: rows under 4 mm
