"""The committed sample set (samples/) and its generator (scripts/make_samples.py, scripts/samplegen/)."""
from __future__ import annotations

import ctypes
import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
sys.path.insert(0, str(ROOT / "scripts"))

from pipeline.headers import is_amount_column  # noqa: E402
from pipeline.numbers import value_of  # noqa: E402
from samplegen.content import build_content, load_departments  # noqa: E402
from samplegen.generate import committed_recipes  # noqa: E402
from samplegen.truth import check_truth_dict  # noqa: E402

ALL_TRUTHS = sorted(SAMPLES.glob("*.truth.json"))
# the 部门决算 samples (the 绩效自评表 samples, whose arithmetic is the seeds' own, are tested in test_performance)
TRUTHS = [p for p in ALL_TRUTHS if '"kind":"performance"' not in p.read_text(encoding="utf-8")]
WATERMARK = "仅供内部审核"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def truth_named(prefix: str) -> dict:
    path = next(p for p in TRUTHS if p.name.startswith(prefix))
    return load(path)


def table(truth: dict, form: str) -> dict:
    return next(t for t in truth["tables"] if t["form"] == form)


def v(cell: dict) -> float:
    return 0.0 if cell["value"] is None else cell["value"]


def test_committed_set_is_complete_and_small():
    from samplegen.perfforms import committed_form_recipes

    names = {r.name for r in committed_recipes()} | {r.name for r in committed_form_recipes()}
    assert names == {p.name.removesuffix(".truth.json") for p in ALL_TRUTHS}
    total = sum(p.stat().st_size for p in SAMPLES.iterdir() if p.is_file())
    assert total <= 10 * 1024 * 1024
    forms = {t["form"] for p in TRUTHS for t in load(p)["tables"] if load(p)["profile"] not in ("digital",
                                                                                                  "digital_watermark")}
    assert forms == {f"公开{n:02d}表" for n in range(1, 11)}, "the scans together cover every 公开表"


@pytest.mark.parametrize("path", TRUTHS, ids=lambda p: p.name)
def test_truth_is_a_valid_contract_document(path: Path):
    jsonschema = pytest.importorskip("jsonschema")
    truth = load(path)
    schema = json.loads((ROOT / "models" / "schema" / "document-1.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(truth, schema)
    pdf = SAMPLES / truth["source"]["path"]
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == truth["source"]["sha256"]
    doc = pdfium.PdfDocument(str(pdf))
    try:
        assert len(doc) == truth["source"]["pages"] == len(truth["pages"])
    finally:
        doc.close()
    assert truth["profile"] and truth["dpi"] in (150, 200, 300)
    for t in truth["tables"]:
        n = len(t["columns"])
        assert n and all(len(r) == n for r in t["header"])
        assert t["unit"] == "万元" and t["form"].startswith("公开") and t["notes"][0].startswith("注：")
        for row in t["rows"]:
            assert len(row["cells"]) == n
            assert row["page"] in t["pages"]
            for c, cell in enumerate(row["cells"]):
                expected = value_of(cell["text"]) if is_amount_column(t["columns"][c]) else None
                assert cell["value"] == expected, (t["id"], cell)
            for code in row["codes"]:
                assert code["code"] == row["cells"][code["column"]]["text"] or code["source"] == "matched"
        if any("本表无数据" in n for n in t["notes"]):
            assert all(c["value"] in (None, 0.0) for r in t["rows"] for c in r["cells"])


@pytest.mark.parametrize("path", TRUTHS, ids=lambda p: p.name)
def test_every_generated_identity_holds(path: Path):
    checks = check_truth_dict(load(path))
    assert len(checks) >= 20
    failed = [c for c in checks if not c.ok]
    assert not failed, failed[:3]


def test_key_identities_recomputed_independently():
    truth = truth_named("s03_")  # born-digital, all ten tables
    t1, t2, t3 = table(truth, "公开01表"), table(truth, "公开02表"), table(truth, "公开03表")
    t5, t6 = table(truth, "公开05表"), table(truth, "公开06表")
    # 公开01: both 总计 equal
    totals = [(r["cells"][2], r["cells"][5]) for r in t1["rows"] if r["cells"][0]["text"] == "总计"]
    assert totals and totals[0][0]["value"] == totals[0][1]["value"] > 0
    # 公开03: 类 = Σ 项 per amount column; 合计 = Σ 类
    for t in (t2, t3, t5):
        rows = t["rows"]
        code_rows = [r for r in rows if r["codes"]]
        for col in range(2, len(t["columns"])):
            grand = next(v(r["cells"][col]) for r in rows if any(c["text"] == "合计" for c in r["cells"][:2]))
            classes = [r for r in code_rows if len(r["cells"][0]["text"]) == 3]
            assert math.isclose(grand, sum(v(r["cells"][col]) for r in classes), abs_tol=0.005)
            for cls in classes:
                code = cls["cells"][0]["text"]
                items = [r for r in code_rows if len(r["cells"][0]["text"]) == 7 and r["cells"][0]["text"].startswith(code)]
                assert math.isclose(v(cls["cells"][col]), sum(v(r["cells"][col]) for r in items), abs_tol=0.005)
    # 公开03 本年支出合计 = 公开01 本年支出合计; 公开05 合计基本支出 = 公开06 人员经费合计 + 公用经费合计
    t1_exp = next(r["cells"][5]["value"] for r in t1["rows"] if r["cells"][3]["text"] == "本年支出合计")
    t3_total = next(r["cells"][2]["value"] for r in t3["rows"] if any(c["text"] == "合计" for c in r["cells"][:2]))
    assert math.isclose(t1_exp, t3_total, abs_tol=0.005)
    t5_basic = next(r["cells"][3]["value"] for r in t5["rows"] if any(c["text"] == "合计" for c in r["cells"][:2]))
    last = t6["rows"][-1]["cells"]
    assert last[0]["text"] == "人员经费合计"
    assert math.isclose(t5_basic, sum(c["value"] for c in last if c["value"] is not None), abs_tol=0.005)


def test_multi_page_tables_with_and_without_repeated_header():
    repeated = truth_named("s01_")
    plain = truth_named("s02_")
    assert repeated["generator"]["repeat_header"] and not plain["generator"]["repeat_header"]
    for truth in (repeated, plain):
        assert any(len(t["pages"]) > 1 and len({r["page"] for r in t["rows"]}) > 1 for t in truth["tables"])


def test_content_is_deterministic_and_seed_dependent():
    dept = load_departments()["jincheng_rs"]
    a, b, c = build_content(dept, 5), build_content(dept, 5), build_content(dept, 6)
    cells = (lambda doc: [[row.cells for row in t.rows] for t in doc.tables])
    assert cells(a) == cells(b)
    assert cells(a) != cells(c)


# ----------------------------------------------------------------------------------------------
# rendered pages
# ----------------------------------------------------------------------------------------------

def render(pdf: Path, page: int, dpi: int) -> np.ndarray:
    doc = pdfium.PdfDocument(str(pdf))
    try:
        return np.asarray(doc[page - 1].render(scale=dpi / 72).to_pil().convert("RGB")).astype(np.int16)
    finally:
        doc.close()


def red_mask(rgb: np.ndarray) -> np.ndarray:
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return (r > 140) & (r - g > 60) & (r - b > 50)


def test_scan_has_red_seal_with_visible_digits_and_watermark():
    truth = truth_named("s01_")
    pdf = SAMPLES / truth["source"]["path"]
    page = next(p for p in truth["scan"]["pages"] if any(not s["half"] for s in p["seals"]))
    rgb = render(pdf, page["page"], truth["dpi"])
    h, w = rgb.shape[:2]
    info = truth["pages"][page["page"] - 1]
    assert abs(w - info["width"]) <= 1 and abs(h - info["height"]) <= 1  # PDF points round-trip to ±1 px
    seal = next(s for s in page["seals"] if not s["half"])
    yy, xx = np.mgrid[0:h, 0:w]
    disk = (xx - seal["center"][0]) ** 2 + (yy - seal["center"][1]) ** 2 <= (0.9 * seal["radius"]) ** 2
    red = red_mask(rgb)
    anywhere_seal = np.zeros_like(disk)
    for s in page["seals"]:
        anywhere_seal |= (xx - s["center"][0]) ** 2 + (yy - s["center"][1]) ** 2 <= (1.1 * s["radius"]) ** 2
    assert red[disk].mean() > 0.02, "a red seal where the truth says"
    assert red[~anywhere_seal].mean() < 0.001, "and red ink nowhere else"
    dark = (rgb.max(axis=2) < 110) & ~red
    assert dark[disk].mean() > 0.002, "black digits stay visible under the seal"
    # the half seal sits on the right page edge
    half = next(s for s in page["seals"] if s["half"])
    assert abs(half["center_page"][0] - w) < half["radius"]
    # watermark: light-grey ink in the band under the shortest table page, none in the born-digital sample
    rows_per_page = {p["page"]: 0 for p in truth["scan"]["pages"]}
    for t in truth["tables"]:
        for r in t["rows"]:
            rows_per_page[r["page"]] += 1
    quiet = min(rows_per_page, key=rows_per_page.get)
    band = render(pdf, quiet, truth["dpi"])[int(0.7 * h):int(0.9 * h)]
    grey = (band.max(axis=2) - band.min(axis=2) < 30) & (band.mean(axis=2) > 150) & (band.mean(axis=2) < 232)
    assert grey.mean() > 0.01
    plain = truth_named("s04_")
    band = render(SAMPLES / plain["source"]["path"], 3, truth["dpi"])
    band = band[int(0.8 * band.shape[0]):int(0.9 * band.shape[0])]
    grey = (band.max(axis=2) - band.min(axis=2) < 30) & (band.mean(axis=2) > 150) & (band.mean(axis=2) < 232)
    assert grey.mean() < 0.002


def _text_of(obj, textpage) -> str:
    n = pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)
    buf = ctypes.create_string_buffer(n)
    pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)), n)
    return buf.raw[:n].decode("utf-16-le").rstrip("\x00").strip()


def _rotated_texts(pdf: Path, page: int) -> tuple[str, str]:
    doc = pdfium.PdfDocument(str(pdf))
    try:
        pg = doc[page - 1]
        tp = pg.get_textpage()
        rotated, upright = [], []
        for obj in pg.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
            (rotated if abs(obj.get_matrix().b) > 0.1 else upright).append(_text_of(obj, tp))
        return "".join(rotated), "".join(upright)
    finally:
        doc.close()


def test_born_digital_watermark_is_rotated_text_objects():
    wm = truth_named("s03_")
    assert wm["profile"] == "digital_watermark"
    for page in (1, 2, wm["source"]["pages"]):
        rotated, upright = _rotated_texts(SAMPLES / wm["source"]["path"], page)
        assert rotated.count(WATERMARK) >= 4 and set(rotated) == set(WATERMARK)
    first_rows = table(wm, "公开02表")["rows"]
    _, upright = _rotated_texts(SAMPLES / wm["source"]["path"], first_rows[0]["page"])
    assert first_rows[1]["cells"][1]["text"] in upright  # the table itself is upright text
    plain = truth_named("s04_")
    rotated, _ = _rotated_texts(SAMPLES / plain["source"]["path"], 2)
    assert rotated == ""


# ----------------------------------------------------------------------------------------------
# with Chromium
# ----------------------------------------------------------------------------------------------

@pytest.mark.browser
def test_generation_is_deterministic(tmp_path: Path):
    from samplegen.generate import Recipe, generate
    from samplegen.render import Printer

    recipe = Recipe(name="det", department="health", seed=3, profile="digital", font="sans",
                    repeat_header=False, cover=False, tables=(1, 5, 9))
    with Printer() as printer:
        a = generate(recipe, tmp_path / "a", printer)
        b = generate(recipe, tmp_path / "b", printer)
    for t in (a, b):
        t["source"].pop("sha256")  # Chromium stamps the creation date into the PDF
    assert a == b
    assert json.loads((tmp_path / "a" / "det.truth.json").read_text(encoding="utf-8"))["tables"] == a["tables"]


@pytest.mark.browser
def test_seals_sit_on_printed_amounts(tmp_path: Path):
    """Re-print the clean page of a committed scan and find amounts of its text layer under each full seal."""
    from samplegen.generate import print_clean
    from samplegen.render import Printer, amount_boxes, text_words

    truth = truth_named("s01_")
    recipe = next(r for r in committed_recipes() if r.name.startswith("s01_"))
    with Printer() as printer:
        print_clean(recipe, printer, tmp_path / "clean.pdf")
    words = text_words(tmp_path / "clean.pdf", truth["dpi"])
    seals = [(p["page"], s) for p in truth["scan"]["pages"] for s in p["seals"] if not s["half"]]
    assert seals
    for page, seal in seals:
        cx, cy = seal["center_page"]
        boxes = amount_boxes(words[page - 1])
        near = [b for b in boxes if b[0] - seal["radius"] <= cx <= b[2] + seal["radius"]
                and b[1] - seal["radius"] <= cy <= b[3] + seal["radius"]]
        assert near, f"page {page}: no printed amount under the seal at {seal['center_page']}"
