"""Preprocess on real pages: a born-digital render, and the same render degraded into scans."""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.preprocess import PreprocessSettings, estimate_skew, preprocess_page, rotate_image

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PDF = SHARED / "real" / "juesuan" / "putuo-caizheng-2024-juesuan.pdf"

sys.path.insert(0, str(REPO))
from scripts.samplegen.degrade import (  # noqa: E402
    PROFILES,
    DegradeProfile,
    apply_skew,
    degrade_page,
    ruling_masks,
)

pytestmark = [
    pytest.mark.real,
    pytest.mark.skipif(not PDF.exists(), reason=f"{PDF} not available"),
]

DPI = 200
SEAL_TEXT = "上海市普陀区财政局"
# numeric columns 本年收入合计 / 财政拨款收入 of the 收入决算表 (page 8) at 200 dpi
SEAL_TARGET = (1000.0, 650.0, 1350.0, 1050.0)


def render(page_index: int, dpi: int = DPI) -> np.ndarray:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(PDF))
    try:
        return np.asarray(pdf[page_index].render(scale=dpi / 72).to_pil().convert("RGB")).copy()
    finally:
        pdf.close()


@pytest.fixture(scope="module")
def page8() -> np.ndarray:
    return render(7)


@pytest.fixture(scope="module")
def page10() -> np.ndarray:
    return render(9)


def bgr(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def disk(shape, center, radius) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (xx - center[0]) ** 2 + (yy - center[1]) ** 2 <= radius**2


def redness(rgb: np.ndarray) -> np.ndarray:
    c = rgb.astype(np.int16)
    return c[..., 0] - np.maximum(c[..., 1], c[..., 2])


def unskewed(profile_name: str, **changes) -> DegradeProfile:
    """A profile with its scanner skew switched off, so pages stay in the clean frame."""
    return dataclasses.replace(PROFILES[profile_name], skew_max_deg=0.0, **changes)


@pytest.mark.parametrize("fixture", ["page8", "page10"])
def test_born_digital_render_is_left_alone(fixture, request):
    rgb = request.getfixturevalue(fixture)
    page = preprocess_page(bgr(rgb))
    assert page.skew == 0.0
    assert page.seal_mask.mean() < 0.0005
    assert page.watermark_mask.mean() < 0.002
    assert page.color.shape == rgb.shape and np.array_equal(page.color, bgr(rgb))
    clean_gray = rgb.min(axis=2)
    ink = clean_gray < 128
    # every printed stroke is still ink, and nothing else became ink
    assert (page.binary[ink] == 255).mean() > 0.99
    assert (page.binary[clean_gray > 200] == 0).mean() > 0.999
    assert set(np.unique(page.binary).tolist()) <= {0, 255}


@pytest.mark.parametrize("source,page_index,dpi", [
    ("juesuan/putuo-caizheng-2024-juesuan.pdf", 2, 200),  # narrative text only: flat skew profile
    ("juesuan/putuo-shehuigongzuo-2024-juesuan.pdf", 2, 200),
    ("yusuan/shanghai-caizheng-2025-unit.pdf", 2, 200),
    ("page-renders/shiquan_unit26_p9.png", None, 144),  # thin grey anti-aliased strokes at low dpi
])
def test_other_born_digital_pages_get_no_rotation_and_no_masks(source, page_index, dpi):
    path = SHARED / "real" / source
    if not path.exists():
        pytest.skip(f"{path} not available")
    if page_index is None:
        image = cv2.imread(str(path))
    else:
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path))
        try:
            image = bgr(np.asarray(pdf[page_index].render(scale=dpi / 72).to_pil().convert("RGB")))
        finally:
            pdf.close()
    page = preprocess_page(image, PreprocessSettings(dpi=dpi))
    assert page.skew == 0.0
    assert page.seal_mask.sum() == 0
    assert page.watermark_mask.mean() < 0.0005
    ink = image.max(axis=2) < 128
    assert (page.binary[ink] == 255).mean() > 0.99


def test_rotate_image_undoes_the_scan_skew(page8):
    h, w = page8.shape[:2]
    inner = (slice(h // 6, -h // 6), slice(w // 6, -w // 6))
    one_pixel_off = np.abs(np.roll(page8, 1, axis=0)[inner].astype(int) - page8[inner].astype(int)).mean()
    for angle in (-2.6, 1.3):
        back = rotate_image(apply_skew(page8, angle), angle)
        diff = np.abs(back[inner].astype(int) - page8[inner].astype(int)).mean()
        assert diff < 0.6 * one_pixel_off  # only interpolation blur, no displacement
        wrong_way = np.abs(rotate_image(apply_skew(page8, angle), -angle)[inner].astype(int) - page8[inner].astype(int))
        assert wrong_way.mean() > 2 * one_pixel_off


def test_estimate_skew_reads_binary_gray_and_colour(page8):
    skewed = apply_skew(page8, 1.7)
    gray = skewed.min(axis=2)
    binary = np.where(gray < 128, 255, 0).astype(np.uint8)
    for image in (bgr(skewed), gray, binary):
        assert abs(estimate_skew(image) - 1.7) < 0.1
    assert estimate_skew(page8.min(axis=2)) == 0.0


def test_skew_is_recovered_on_degraded_scans(page8, page10):
    errors = []
    cases = [("skew_noise200", page8), ("skew_noise200", page10), ("heavy300", page8), ("lowres150", page10)]
    for seed, (name, rgb) in enumerate(cases):
        profile = PROFILES[name]
        if profile.dpi != DPI:
            rgb = cv2.resize(rgb, None, fx=profile.dpi / DPI, fy=profile.dpi / DPI, interpolation=cv2.INTER_AREA)
        target = [tuple(v * profile.dpi / DPI for v in SEAL_TARGET)]
        out, info = degrade_page(rgb, profile, np.random.default_rng(100 + seed), target, SEAL_TEXT)
        page = preprocess_page(bgr(out), PreprocessSettings(dpi=profile.dpi))
        errors.append((name, seed, info["skew"], page.skew))
        assert abs(page.skew - info["skew"]) < 0.15, errors[-1]
    assert sum(abs(e[2]) > 1.0 for e in errors) >= 2  # the search really had to find something


def test_seal_is_masked_and_lifted_without_touching_the_digits(page8):
    profile = unskewed("skew_noise200", seal_opacity=(0.95, 1.0))
    out, info = degrade_page(page8, profile, np.random.default_rng(4), [SEAL_TARGET], SEAL_TEXT)
    page = preprocess_page(bgr(out))
    full = next(s for s in info["seals"] if not s["half"])
    half = next(s for s in info["seals"] if s["half"])
    centre, r = full["center"], full["radius"]
    seal_disk = disk(page8.shape[:2], centre, r)

    # the mask covers the seal (ring included) and little else
    assert page.seal_mask[seal_disk].mean() > 0.97
    assert page.seal_mask[disk(page8.shape[:2], half["center"], 0.9 * half["radius"])].mean() > 0.95
    outside = ~(disk(page8.shape[:2], centre, 1.15 * r) | disk(page8.shape[:2], half["center"], 1.15 * half["radius"]))
    assert page.seal_mask[outside].mean() < 0.001

    clean_gray = page8.min(axis=2)
    paper = cv2.erode((clean_gray == 255).astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    red_ink = (redness(out) > 60) & paper
    assert red_ink[seal_disk].sum() > 3000
    # red ring, star and text are gone from the cleaned grey
    # lifted: what is left of the red ink is paler than any ink the binarisation or OCR sees
    assert (page.gray[red_ink] >= PreprocessSettings().ink_threshold).mean() > 0.97
    assert (page.binary[red_ink] == 0).mean() > 0.98  # ink threshold 185 keeps faint print; a few dense red specks stay
    # black digit strokes beneath (not the ruling lines, which this profile fades) stay dark
    horizontal, vertical = ruling_masks(clean_gray, DPI)
    off_rules = ~cv2.dilate((horizontal | vertical).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    strokes = seal_disk & (clean_gray < 60) & off_rules
    assert strokes.sum() > 1500
    assert np.percentile(page.gray[strokes], 90) < 100
    assert (page.binary[strokes] == 255).mean() > 0.97
    # the digits under the seal binarise as well as digits elsewhere on the same scan (same blur/noise)
    def agreement(region: np.ndarray) -> tuple[float, float]:
        clean_ink = region & off_rules & (clean_gray < 128)
        got_ink = region & off_rules & (page.binary == 255)
        recall = (clean_ink & got_ink).sum() / clean_ink.sum()
        return recall, (clean_ink & got_ink).sum() / (clean_ink | got_ink).sum()

    recall_under, iou_under = agreement(seal_disk)
    _, iou_elsewhere = agreement(disk(page8.shape[:2], (centre[0], centre[1] + 330), r))
    assert recall_under > 0.99
    assert iou_under > iou_elsewhere - 0.03, (iou_under, iou_elsewhere)


def test_seal_mask_lands_in_the_page_frame_after_deskew(page8):
    out, info = degrade_page(page8, PROFILES["skew_noise200"], np.random.default_rng(22), [SEAL_TARGET], SEAL_TEXT)
    assert abs(info["skew"]) > 0.5
    page = preprocess_page(bgr(out))
    full = next(s for s in info["seals"] if not s["half"])
    # deskewing maps the scan back onto the clean page frame, where the seal was stamped
    assert page.seal_mask[disk(page8.shape[:2], full["center_page"], 0.9 * full["radius"])].mean() > 0.97


def test_watermark_is_masked_and_lifted_text_kept(page8):
    profile = DegradeProfile(name="wm", dpi=DPI, watermark=True, noise_sigma=3.0, jpeg_quality=90,
                             paper_tint=(250, 247, 238))
    out, info = degrade_page(page8, profile, np.random.default_rng(8), [], "")
    page = preprocess_page(bgr(out))
    clean_gray = page8.min(axis=2)
    far_from_ink = cv2.erode((clean_gray == 255).astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    reference, _ = degrade_page(page8, dataclasses.replace(profile, watermark=False), np.random.default_rng(8), [], "")
    # watermark strokes: where the page got clearly darker than the same scan without watermark
    watermark_ink = far_from_ink & (out.max(axis=2).astype(int) < reference.max(axis=2).astype(int) - 20)
    assert watermark_ink.sum() > 20000
    assert page.watermark_mask[watermark_ink].mean() > 0.9
    assert page.watermark_mask.mean() < 0.2
    # lifted: the paper is white again
    assert (page.gray[watermark_ink] >= PreprocessSettings().ink_threshold).mean() > 0.97
    assert (page.binary[watermark_ink] == 0).mean() > 0.999
    # printed text and rules under and around it are kept
    strokes = clean_gray < 100
    assert (page.binary[strokes] == 255).mean() > 0.98
    under = strokes & page.watermark_mask
    assert under.sum() > 500
    assert np.percentile(page.gray[under], 90) < 110


@pytest.mark.slow
def test_ocr_under_a_seal_improves_after_cleaning(page8):
    import pypdfium2 as pdfium
    from rapidfuzz.distance import Levenshtein
    from rapidocr import RapidOCR

    engine = RapidOCR(params={"Global.use_cls": False, "Global.log_level": "warning"})
    seal_chars = set(SEAL_TEXT + "财务专用章")
    digits = set("0123456789.,")

    def read(image: np.ndarray) -> str:
        result = engine(image)
        return "".join(result.txts) if result.txts else ""

    pdf = pdfium.PdfDocument(str(PDF))
    try:
        page_pdf = pdf[7]
        textpage = page_pdf.get_textpage()
        height_pt = page_pdf.get_height()
        profile = unskewed("heavy300", dpi=DPI, seals=1, half_seal=False, seal_opacity=(0.95, 1.0))
        before_scores, after_scores, leaked_before, leaked_after = [], [], 0, 0
        for seed in (0, 2, 3):
            out, info = degrade_page(page8, profile, np.random.default_rng(seed), [SEAL_TARGET], SEAL_TEXT)
            cleaned = preprocess_page(bgr(out))
            (cx, cy), r = info["seals"][0]["center"], info["seals"][0]["radius"]
            x0, y0, x1, y1 = int(cx - r), int(cy - r), int(cx + r), int(cy + r)
            k = 72 / DPI
            truth = textpage.get_text_bounded(left=x0 * k, bottom=height_pt - y1 * k, right=x1 * k, top=height_pt - y0 * k)
            truth_digits = "".join(c for c in truth if c in digits)
            assert len(truth_digits) > 15
            before = read(bgr(out[y0:y1, x0:x1]))
            after = read(cv2.cvtColor(cleaned.gray[y0:y1, x0:x1], cv2.COLOR_GRAY2BGR))
            before_scores.append(Levenshtein.normalized_similarity("".join(c for c in before if c in digits), truth_digits))
            after_scores.append(Levenshtein.normalized_similarity("".join(c for c in after if c in digits), truth_digits))
            leaked_before += sum(c in seal_chars for c in before)
            leaked_after += sum(c in seal_chars for c in after)
    finally:
        pdf.close()
    assert np.mean(after_scores) > np.mean(before_scores) + 0.03, (before_scores, after_scores)
    assert np.mean(after_scores) > 0.8, after_scores
    assert leaked_before > 0  # the seal's own text is read into the numbers before cleaning …
    assert leaked_after == 0  # … and not after


def test_worn_photocopy_is_stretched_before_deskew_and_binarisation():
    """A grey photocopy (print ~170 on paper ~230, blur, noise, JPEG 55): found by its contrast, stretched so
    print is dark again — then the skew is measured on it and the binary keeps the text, where the absolute
    grey levels (ink < 128 for the skew, < 185 for the binary) saw almost nothing."""
    dpi = 150
    rgb = render(7, dpi)
    horizontal, vertical = ruling_masks(rgb.min(axis=2), dpi)  # (the profile greys the rules: not text)
    off_rules = ~cv2.dilate((horizontal | vertical).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    clean_ink = (rgb.min(axis=2) < 100) & off_rules
    errors = []
    for seed in (1, 2):
        out, info = degrade_page(rgb, dataclasses.replace(PROFILES["photocopy150"], skew_min_deg=1.0),
                                 np.random.default_rng(seed), [], SEAL_TEXT)
        page = preprocess_page(bgr(out), PreprocessSettings(dpi=dpi))
        assert page.worn
        errors.append((seed, info["skew"], page.skew))
        assert abs(page.skew - info["skew"]) < 0.15, errors
        # deskewing maps the scan back onto the clean page frame (a pixel of slack for the interpolation)
        got = cv2.dilate(page.binary, np.ones((3, 3), np.uint8)) > 0
        assert got[clean_ink].mean() > 0.9


@pytest.mark.parametrize("profile", ["skew_noise200", "heavy300", "lowres150", "bilevel300"])
def test_scans_with_contrast_are_not_stretched(page8, profile):
    out, _ = degrade_page(page8, unskewed(profile, dpi=DPI), np.random.default_rng(3), [SEAL_TARGET], SEAL_TEXT)
    assert not preprocess_page(bgr(out), PreprocessSettings(dpi=DPI)).worn


def test_colourless_seal_is_found_by_its_ring(page8):
    """A bi-level scan dithers the red seal into black dots over the digits: no colour tells where it is.
    Its ring does: the seal is masked (its cells are flagged ``seal``), the dither lifted from the grey and
    kept out of the rule ink, the digits under it kept. (The 300 dpi 1-bit page is read at 200 dpi, as a
    PDF of it is rendered: the dots average into grey, print stays solid.)"""
    hi = render(7, 300)
    box = tuple(v * 1.5 for v in SEAL_TARGET)
    out, info = degrade_page(hi, unskewed("bilevel300"), np.random.default_rng(5), [box], SEAL_TEXT)
    assert out.std(axis=2).max() == 0 and set(np.unique(out)) == {0, 255}  # 1-bit, no colour
    out = cv2.resize(out, (page8.shape[1], page8.shape[0]), interpolation=cv2.INTER_AREA)
    page = preprocess_page(bgr(out), PreprocessSettings(dpi=DPI))
    assert page.colourless_seals is not None
    seals = np.zeros(page8.shape[:2], bool)
    for s in info["seals"]:
        centre, r = [v / 1.5 for v in s["center"]], s["radius"] / 1.5
        seals |= disk(page8.shape[:2], centre, 1.15 * r)
        assert page.seal_mask[disk(page8.shape[:2], centre, 0.9 * r)].mean() > 0.95, s
    assert page.seal_mask[~seals].mean() < 0.002
    clean_gray = page8.min(axis=2)
    # the seal's dither on paper, away from print (next to print it is kept with the print)
    paper = cv2.erode((clean_gray == 255).astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool)
    dots = seals & paper & (out[..., 0] < 200)
    assert dots.sum() > 2000
    assert (page.binary[dots] == 0).mean() > 0.5  # (the densest dither stays ink)
    assert (page.rule_ink[dots] == 0).mean() > 0.4
    digits = seals & (clean_gray < 60)
    assert (page.binary[digits] == 255).mean() > 0.97
