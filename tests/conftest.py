"""Shared fixtures: where ../shared is, and small helpers to make rendered test inputs."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REAL = SHARED / "real"
SAMPLES = ROOT / "samples"


def generated_document(out: Path, **recipe) -> Path:
    """One document of the sample generator (``scripts/samplegen``: ``Recipe(**recipe)``) rendered and degraded
    into ``out`` as the bench makes it; its PDF."""
    import sys

    if str(ROOT / "scripts") not in sys.path:
        sys.path.insert(0, str(ROOT / "scripts"))
    from samplegen.generate import Recipe, generate
    from samplegen.render import Printer

    made = Recipe(**recipe)
    with Printer() as printer:
        generate(made, out, printer)
    return out / f"{made.name}.pdf"


_GENERATED: dict = {}


def generated_with_truth(out: Path, **recipe) -> tuple[Path, dict]:
    """:func:`generated_document` and its ground truth (the generator's ``.truth.json`` beside it). A recipe is
    made once per test session (the generator is seeded by the recipe: a second making is the same document);
    treat the PDF and the slices written beside it (:func:`sliced_pdf`, shared by every test of the session
    that slices the same pages) as read-only."""
    import json

    key = repr(sorted(recipe.items()))
    if key not in _GENERATED or not _GENERATED[key].exists():
        _GENERATED[key] = generated_document(out, **recipe)
    pdf = _GENERATED[key]
    return pdf, json.loads(pdf.with_suffix("").with_suffix(".truth.json").read_text(encoding="utf-8"))


def worn_photocopy(out: Path, seed: int, index: int, department: str, font: str,
                   repeat_header: bool | None, cover: bool = True) -> tuple[Path, dict]:
    """Document ``index`` of a ``make_samples.py --seed SEED --profiles photocopy150`` tuning set, as that
    script makes it (name, per-document seed), and its ground truth."""
    return generated_with_truth(out, name=f"gen{seed}_{index:03d}_{department}_photocopy150", department=department,
                                seed=seed * 1000 + index, profile="photocopy150", font=font,
                                repeat_header=repeat_header, cover=cover)


def case_not_shown(what: str) -> None:
    """Skip: the worn-scan case a test is built on does not arise here. A generated worn photocopy is not read
    the same on every machine (the recogniser's onnxruntime kernels are picked by the CPU; the generated scans
    are the same with OpenCV's AVX-512 kernels off), so the misreading a test was built on may not show. Called once the test has asserted all it can on this machine's reading:
    the skip names the reading that is missing, so a run on such a machine says what it did not test."""
    pytest.skip(f"worn-scan case not shown on this machine: {what}")


def acted(monkeypatch, module, name: str, when) -> list:
    """Watch ``module.name``: the results of the calls ``when(result, *args, **kwargs)`` says it acted on (a
    second grid joined to the first, a template given by place). A worn-scan test's premise may be that its
    rule acted on this machine's reading; its counterfactual, that without the rule the reading goes wrong."""
    calls: list = []
    original = getattr(module, name)

    def watched(*args, **kwargs):
        result = original(*args, **kwargs)
        if when(result, *args, **kwargs):
            calls.append(result)
        return result
    monkeypatch.setattr(module, name, watched)
    return calls


def sliced_pdf(pdf: Path, pages: list[int]) -> Path:
    """A copy of ``pdf`` holding only ``pages`` (1-based), beside it: a test reads only the pages it is about."""
    import pypdfium2 as pdfium

    src, doc = pdfium.PdfDocument(str(pdf)), pdfium.PdfDocument.new()
    doc.import_pages(src, [p - 1 for p in pages])
    sliced = pdf.with_name(f"{pdf.stem}-{'-'.join(map(str, pages))}.pdf")
    doc.save(str(sliced))
    return sliced


@pytest.fixture(scope="session", autouse=True)
def recognised_once_per_crop():
    """Within a test session each text-line crop is recognised once: a crop seen again (a counterfactual's
    extraction of the same page, a page read by two tests) gets a copy of its first reading. The recogniser
    reads each crop alone (``OcrSettings.batch_size`` 1), so a reading depends on nothing but the crop and the
    settings: what a test sees is what it would have read. Measured on the worn-case suites, 38,972 crops
    recognised, 15,252 of them distinct. Other batch sizes are passed through."""
    import hashlib
    from dataclasses import replace

    import numpy as np

    from pipeline import ocr

    original = ocr.Recognizer.recognize
    seen: dict = {}
    kept: dict = {}  # (the recognisers seen, alive: their ids key their readings)

    def recognize(self, crops):
        if self.settings.batch_size != 1:
            return original(self, crops)
        kept[id(self)] = self  # (a recogniser's threads are fixed when it is built: readings are its own)
        keys = [(id(self), c.shape, c.dtype.str, hashlib.blake2b(np.ascontiguousarray(c).data, digest_size=16).digest())
                for c in crops]
        todo = [i for i, k in enumerate(keys) if k not in seen]
        for i, reading in zip(todo, original(self, [crops[i] for i in todo])):
            seen[keys[i]] = reading
        return [ocr.LineReading(seen[k].text, [replace(c) for c in seen[k].chars]) for k in keys]

    ocr.Recognizer.recognize = recognize
    yield
    ocr.Recognizer.recognize = original


def real_pdf(*parts: str) -> Path:
    p = REAL.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} not available (../shared/real is absent)")
    return p


@pytest.fixture
def caizheng_pdf() -> Path:
    return real_pdf("juesuan", "putuo-caizheng-2024-juesuan.pdf")


@pytest.fixture(scope="session")
def extracted_samples(tmp_path_factory) -> Path:
    """Real extraction output shared by the export and report tests (treat as read-only; copy it with
    :func:`copy_out` before changing anything): `disclosure extract` on a committed born-digital 部门决算
    (s04, 9 tables incl. 公开01/04表) and a sealed, skewed scan (s02: flagged cells, a repair)."""
    import shutil

    def inputs(src: Path) -> None:
        for name in ("s02_jincheng_rs_2024_skew200.pdf", "s04_health_2023_digital.pdf"):
            shutil.copy(SAMPLES / name, src / name)

    return extract_out(tmp_path_factory, "samples", inputs)


def extract_out(tmp_path_factory, name: str, make_inputs) -> Path:
    """The OUT of `disclosure extract` (quiet) over a fresh folder that ``make_inputs(folder)`` fills."""
    from pipeline.cli import main

    src = tmp_path_factory.mktemp(f"{name}-in")
    make_inputs(src)
    out = tmp_path_factory.mktemp(f"{name}-out") / "out"
    assert main(["extract", str(src), "-o", str(out), "--quiet"]) == 0
    return out


def copy_out(out: Path, dest: Path) -> Path:
    import shutil

    shutil.copytree(out, dest)
    return dest
