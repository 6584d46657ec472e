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
