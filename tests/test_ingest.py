"""Ingest: every bad input gives one clear error naming the file and the reason."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from pipeline.errors import InputFileError, LimitExceeded
from pipeline.ingest import IngestSettings, open_document


def _zero_page_pdf(path):
    from pypdf import PdfWriter

    with open(path, "wb") as f:
        PdfWriter().write(f)


def _encrypted_pdf(path):
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    w.encrypt(user_password="secret", owner_password="owner")
    with open(path, "wb") as f:
        w.write(f)


@pytest.mark.parametrize("name,make,reason", [
    ("corrupt.pdf", lambda p: p.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20), "corrupt or unreadable PDF"),
    ("encrypted.pdf", _encrypted_pdf, "encrypted PDF"),
    ("zero.pdf", _zero_page_pdf, "no pages"),
    ("notes.pdf", lambda p: p.write_text("这不是PDF，只是文本。\n", encoding="utf-8"), "not a PDF file"),
    ("empty.pdf", lambda p: p.write_bytes(b""), "empty file"),
    ("dot.png", lambda p: Image.new("RGB", (1, 1), "white").save(p), "too small"),
    ("broken.png", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40), "not a readable image"),
    ("table.docx", lambda p: p.write_bytes(b"PK\x03\x04"), "unsupported file type"),
])
def test_bad_inputs_raise_clear_errors(tmp_path, name, make, reason):
    path = tmp_path / name
    make(path)
    with pytest.raises(InputFileError) as err:
        doc = open_document(path)
        list(doc.pages())
    assert reason in str(err.value)
    assert str(path) in str(err.value)


def test_page_and_pixel_limits(tmp_path, caizheng_pdf):
    with pytest.raises(LimitExceeded, match="exceeds the limit of 10"):
        open_document(caizheng_pdf, IngestSettings(max_pages=10))
    big = tmp_path / "big.png"
    Image.fromarray(np.full((3000, 3000, 3), 255, np.uint8)).save(big)
    with pytest.raises(LimitExceeded, match="pixels"):
        open_document(big, IngestSettings(max_pixels=1_000_000))


def test_pdf_pages_text_layer_and_rules(caizheng_pdf):
    doc = open_document(caizheng_pdf)
    assert doc.page_count == 25 and len(doc.sha256) == 64
    pages = {p.number: p for p in doc.pages() if p.number in (8, 14)}
    p8 = pages[8]
    assert p8.text_mode and p8.width > p8.height  # landscape table page, read from its text layer
    assert "".join(c.char for c in p8.chars).startswith("收入决算表")
    assert len(p8.rules) > 100  # the ruling comes from vector paths
    assert not pages[14].text_mode  # the blank page has no text layer: it goes to OCR


def test_image_pages(tmp_path):
    img = np.full((600, 500, 3), 255, np.uint8)
    img[100:110, 50:450] = 0
    path = tmp_path / "page.tiff"
    frames = [Image.fromarray(img), Image.fromarray(255 - img)]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300))
    doc = open_document(path)
    pages = list(doc.pages())
    assert doc.page_count == 2 and [p.number for p in pages] == [1, 2]
    assert pages[0].dpi == 300 and pages[0].image.shape == (600, 500, 3)
    assert pages[0].image[105, 100].tolist() == [0, 0, 0]


# ------------------------------------------------------------------------------------------ rotation

def rotated_pdf(src, dst, angle: int, content: bool) -> None:
    """Every page of ``src`` turned ``angle`` degrees: with ``content`` the page is drawn turned and /Rotate
    turns it back (it displays upright, as in the issue); without, only /Rotate is set (it displays sideways
    or upside down, as a scanner or a careless merge leaves it)."""
    from pypdf import PdfWriter, Transformation

    writer = PdfWriter(clone_from=str(src))
    for page in writer.pages:
        if content:
            w, h = float(page.mediabox.width), float(page.mediabox.height)
            shift = {90: (h, 0.0), 180: (w, h), 270: (0.0, w)}[angle]
            page.add_transformation(Transformation().rotate(angle).translate(*shift))
            box = (h, w) if angle in (90, 270) else (w, h)
            for b in (page.mediabox, page.cropbox):
                b.lower_left, b.upper_right = (0, 0), box
        page.rotation = angle
    with open(dst, "wb") as f:
        writer.write(f)


def _tables(doc):
    return [(t.title, t.form, t.columns, t.pages,
             [[(c.text, c.value, c.bbox, c.review) for c in r.cells] for r in t.rows]) for t in doc.tables]


@pytest.fixture(scope="module")
def upright_s04():
    from pipeline.extract import extract_document
    from tests.conftest import SAMPLES

    return extract_document(SAMPLES / "s04_health_2023_digital.pdf")


@pytest.mark.parametrize("content", [True, False], ids=["drawn-turned", "rotate-only"])
@pytest.mark.parametrize("angle", [90, 180, 270])
def test_rotated_born_digital_pages_read_like_upright(tmp_path, upright_s04, angle, content):
    """issue 12 item 2: /Rotate is honoured in the text layer, the vector rules and the rendering; a page whose
    text runs sideways is turned so it reads upright — same tables, same cells, same boxes as the upright one."""
    from pipeline.extract import extract_document
    from tests.conftest import SAMPLES

    path = tmp_path / f"s04_{angle}.pdf"
    rotated_pdf(SAMPLES / "s04_health_2023_digital.pdf", path, angle, content)
    doc = extract_document(path)
    assert all(p.mode == "text" for p in doc.pages)
    assert _tables(doc) == _tables(upright_s04)
    assert sum(len(r.cells) for t in doc.tables for r in t.rows) == 1173
    # displayed upright → no further turn; displayed turned → turned back (and the output says so)
    assert {p.rotation for p in doc.pages} == {0 if content else (360 - angle) % 360}


def test_rotated_watermarked_pages_keep_the_watermark_out(tmp_path):
    """The watermark glyphs (rotated, light grey) stay out of the cells on a page turned by /Rotate."""
    from pipeline.extract import extract_document
    from tests.conftest import SAMPLES

    src = SAMPLES / "s03_education_2024_digital_wm.pdf"
    path = tmp_path / "s03_90.pdf"
    rotated_pdf(src, path, 90, content=False)
    assert _tables(extract_document(path)) == _tables(extract_document(src))


def test_rotated_page_image_matches_its_boxes(tmp_path):
    """The review crops come from the same frame as the boxes: the turned page renders like the upright one."""
    from pipeline.ingest import open_document, render_page
    from pipeline.pages import page_image
    from tests.conftest import SAMPLES

    src = SAMPLES / "s04_health_2023_digital.pdf"
    path = tmp_path / "s04_270.pdf"
    rotated_pdf(src, path, 270, content=False)
    page = next(p for p in open_document(path).pages() if p.number == 2)
    assert page.rotation == 90
    turned = page_image(str(path), 2, 100, 0.0, page.rotation)
    upright = render_page(src, 2, 100)
    assert turned.shape == upright.shape
    assert (np.abs(turned.astype(int) - upright.astype(int)) > 60).mean() < 0.001


@pytest.fixture(scope="module")
def scan_page(tmp_path_factory):
    """Page 2 of the sealed 200-dpi scan sample as an image, and its tables read upright."""
    from pipeline.extract import extract_document
    from pipeline.ingest import render_page
    from tests.conftest import SAMPLES

    image = render_page(SAMPLES / "s01_nanyang_rs_2023_seal200.pdf", 2, 200)
    path = tmp_path_factory.mktemp("scan") / "upright.png"
    Image.fromarray(np.ascontiguousarray(image[:, :, ::-1])).save(path, dpi=(200, 200))
    doc = extract_document(path)
    assert doc.pages[0].rotation == 0 and sum(len(r.cells) for t in doc.tables for r in t.rows) > 150
    return image, doc


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_rotated_scans_are_set_upright(tmp_path, scan_page, angle):
    """A scan lying on its side or upside down is detected (text-line structure, then the recogniser's
    confidence both ways round) and turned before layout: same tables and cells as upright."""
    from pipeline.extract import extract_document
    from pipeline.ingest import turn_image

    image, upright = scan_page
    path = tmp_path / f"turned{angle}.png"
    Image.fromarray(np.ascontiguousarray(turn_image(image, angle)[:, :, ::-1])).save(path, dpi=(200, 200))
    doc = extract_document(path)
    assert doc.pages[0].rotation == (360 - angle) % 360
    assert [[(c.text, c.bbox) for r in t.rows for c in r.cells] for t in doc.tables] == \
           [[(c.text, c.bbox) for r in t.rows for c in r.cells] for t in upright.tables]


def test_scanned_pdf_page_with_rotate_is_set_upright(tmp_path):
    """An image-only PDF page carrying /Rotate 90 (displayed sideways) is turned back; the review image of
    the page (``pages[].rotation``) is upright too."""
    from pipeline.extract import extract_document
    from pipeline.ingest import render_page
    from pipeline.pages import page_image
    from tests.conftest import SAMPLES

    path = tmp_path / "scan_rot90.pdf"
    rotated_pdf(SAMPLES / "s01_nanyang_rs_2023_seal200.pdf", path, 90, content=False)
    from pypdf import PdfReader, PdfWriter

    one = tmp_path / "one.pdf"
    writer = PdfWriter()
    writer.add_page(PdfReader(path).pages[1])
    with open(one, "wb") as f:
        writer.write(f)
    doc = extract_document(one)
    assert doc.pages[0].mode == "ocr" and doc.pages[0].rotation == 270
    image = page_image(str(one), 1, doc.pages[0].dpi, 0.0, doc.pages[0].rotation)
    upright = render_page(SAMPLES / "s01_nanyang_rs_2023_seal200.pdf", 2, doc.pages[0].dpi)
    assert image.shape == upright.shape and (np.abs(image.astype(int) - upright.astype(int)) > 60).mean() < 0.001
    assert sum(len(r.cells) for t in doc.tables for r in t.rows) > 150
