"""One sample = content → HTML → PDF (born-digital) → optionally rasterised and degraded (scan) → truth JSON."""
from __future__ import annotations

import json
import random
import tempfile
import zlib
import dataclasses
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.fsutil import atomic_write_text
from pipeline.ingest import sha256_of
from pipeline.model import PageInfo

from .content import DocumentContent, build_content, load_data, load_departments
from .layout import DENSE, LayoutSettings, MEASURE_JS, Measures, Page, document_html, measure_html, paginate
from .render import Printer, amount_boxes, page_sizes, rasterise, text_words
from .truth import build_truth

DIGITAL_PROFILES = ("digital", "digital_watermark")
DIGITAL_DPI = 200  # the dpi the truth's page sizes refer to for born-digital pages
FONTS = ("serif", "sans", "uming")


@dataclass(frozen=True)
class Recipe:
    name: str
    department: str
    seed: int
    profile: str
    font: str = "serif"
    repeat_header: bool | None = None  # None: the department style decides
    cover: bool = True
    tables: tuple[int, ...] | None = None  # 公开表 numbers to print (None: all)
    store_quality: int | None = None  # JPEG quality of the stored scan pages (None: the profile's)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Recipe":
        d = dict(d)
        if d.get("tables") is not None:
            d["tables"] = tuple(int(n) for n in d["tables"])
        return cls(**d)


def committed_recipes() -> list[Recipe]:
    return [Recipe.from_dict(d) for d in load_data("committed.json")["samples"]]


def random_recipes(count: int, seed: int, profiles: list[str]) -> list[Recipe]:
    rng = random.Random(seed)
    departments = sorted(load_departments())
    out = []
    for i in range(count):
        dept = departments[i % len(departments)]
        profile = profiles[i % len(profiles)]
        out.append(Recipe(name=f"gen{seed}_{i:03d}_{dept}_{profile}", department=dept, seed=seed * 1000 + i,
                          profile=profile, font=rng.choice(FONTS),
                          repeat_header=rng.choice([None, True, False]), cover=rng.random() < 0.7))
    return out


def _profiles():
    from . import degrade  # written alongside; only needed for scans

    return degrade


def known_profiles() -> list[str]:
    return list(DIGITAL_PROFILES) + list(_profiles().PROFILES)


def write_json_atomic(path: Path, data: dict) -> None:
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")


def compose(recipe: Recipe, printer: Printer) -> tuple[DocumentContent, list[Page], LayoutSettings, str]:
    """Content, pagination and the final HTML of a recipe (deterministic for a given recipe)."""
    dept = load_departments()[recipe.department]
    content = build_content(dept, recipe.seed)
    if recipe.tables is not None:
        content.tables = [t for t in content.tables if t.number in recipe.tables]
    scan = _profiles().PROFILES.get(recipe.profile)
    settings = LayoutSettings(
        font=recipe.font, cover=recipe.cover, watermark_text=recipe.profile == "digital_watermark",
        repeat_header=dept.style.repeat_header if recipe.repeat_header is None else recipe.repeat_header,
        **(DENSE if scan is not None and scan.dense_rows else {}))
    raw = printer.evaluate(measure_html(content, settings), MEASURE_JS)
    measures = {k: Measures(**v) for k, v in raw.items()}
    pages = paginate(content, measures, settings)
    html = document_html(content, pages, settings)
    return content, pages, settings, html


def print_clean(recipe: Recipe, printer: Printer, path: Path) -> tuple[DocumentContent, list[Page]]:
    """The born-digital PDF a recipe's scan is made from (no text watermark)."""
    plain = dataclasses.replace(recipe, profile="digital") if recipe.profile == "digital_watermark" else recipe
    content, pages, _settings, html = compose(plain, printer)
    printer.pdf(html, path)
    return content, pages


def print_document(html: str, profile_name: str, printer: Printer, pdf_path: Path, rng_key: str, seal_text: str,
                   quality: int | None = None, seal_targets=amount_boxes) -> tuple[list[PageInfo], dict | None]:
    """``html`` as the PDF of a profile: born-digital (printed), or a scan (printed, rasterised at the profile's
    dpi, degraded page by page with seals on ``seal_targets(words of the page)``, saved as an image PDF).
    Returns the truth's page infos and, for a scan, what the degradation did to each page."""
    if profile_name in DIGITAL_PROFILES:
        printer.pdf(html, pdf_path)
        return [PageInfo(number=i + 1, mode="text", width=round(w * DIGITAL_DPI / 72),
                         height=round(h * DIGITAL_DPI / 72), dpi=DIGITAL_DPI)
                for i, (w, h) in enumerate(page_sizes(pdf_path))], None
    degrade = _profiles()
    profile = degrade.PROFILES[profile_name]
    with tempfile.TemporaryDirectory() as tmp:
        clean = Path(tmp) / "clean.pdf"
        printer.pdf(html, clean)
        images = rasterise(clean, profile.dpi)
        words = text_words(clean, profile.dpi)
    rng = np.random.default_rng(zlib.crc32(rng_key.encode()))
    degraded, infos = [], []
    for rgb, page_words in zip(images, words):
        out, info = degrade.degrade_page(rgb, profile, rng, seal_targets=seal_targets(page_words), seal_text=seal_text)
        degraded.append(out)
        infos.append(info)
    degrade.save_scan_pdf(degraded, profile, pdf_path, quality=quality)
    page_infos = [PageInfo(number=i + 1, mode="ocr", width=img.shape[1], height=img.shape[0], dpi=profile.dpi,
                           skew=float(info["skew"])) for i, (img, info) in enumerate(zip(degraded, infos))]
    return page_infos, {"pages": [{"page": i + 1, **info} for i, info in enumerate(infos)]}


def generate(recipe: Recipe, out_dir: Path, printer: Printer) -> dict[str, Any]:
    departments = load_departments()
    if recipe.department not in departments:
        raise ValueError(f"recipe {recipe.name}: unknown department {recipe.department!r} "
                         f"(known: {', '.join(sorted(departments))})")
    dept = departments[recipe.department]
    digital = recipe.profile in DIGITAL_PROFILES
    profile = None if digital else _profiles().PROFILES.get(recipe.profile)
    if not digital and profile is None:
        raise ValueError(f"recipe {recipe.name}: unknown profile {recipe.profile!r} (known: {known_profiles()})")
    content, pages, settings, html = compose(recipe, printer)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf_path = out_dir / f"{recipe.name}.pdf"
    page_infos, scan = print_document(html, recipe.profile, printer, pdf_path, f"{recipe.name}:{recipe.seed}",
                                      dept.name, recipe.store_quality)
    truth = build_truth(content, pages, page_infos, pdf_path.name, sha256_of(pdf_path)).to_dict()
    truth["profile"] = recipe.profile
    truth["dpi"] = profile.dpi if profile else DIGITAL_DPI
    truth["generator"] = {"recipe": asdict(recipe), "style": dept.style.name,
                          "repeat_header": settings.repeat_header, "watermark_text": settings.watermark_text}
    if scan is not None:
        truth["scan"] = scan
    write_json_atomic(out_dir / f"{recipe.name}.truth.json", truth)
    return truth
