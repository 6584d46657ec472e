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


# ------------------------------------------------------------------------------------------- bounds

def _malformed():
    import sys

    from tests.conftest import ROOT

    sys.path.insert(0, str(ROOT / "scripts"))
    import make_malformed

    return make_malformed


def _peak_mb(code: str) -> tuple[int, str]:
    """Run ``code`` in a fresh interpreter; its peak resident memory (MB, VmHWM: ru_maxrss would include the
    forking test process) and what it printed."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    wrapped = (f"import re, sys\nsys.path.insert(0, {str(ROOT)!r})\n{code}\n"
               "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())\n"
               "print('PEAK', int(hwm.group(1)) // 1024)")
    out = subprocess.run([sys.executable, "-c", wrapped], capture_output=True, text=True, timeout=600).stdout
    peak = int(out.rsplit("PEAK", 1)[1])
    return peak, out


@pytest.mark.parametrize("layers", [1, 2])
def test_compressed_content_bomb_is_refused_before_pdfium(tmp_path, layers):
    """issue 12 item 8: a content stream of a few KB on disk that inflates to 64 MB (one Flate layer) or a
    gigabyte (two) is measured chunk by chunk and refused with the reason — memory stays small."""
    import zlib

    mm = _malformed()
    path = tmp_path / f"bomb{layers}.pdf"
    if layers == 1:
        path.write_bytes(mm.bomb_pdf(64))  # 64 MB of drawing operators
    else:
        inner, outer = zlib.compressobj(1), zlib.compressobj(9)  # 1 GiB of spaces in ~13 KB, made in 1 MB steps
        chunk = b" " * (1 << 20)
        data = b"".join([outer.compress(inner.compress(chunk)) for _ in range(1024)]
                        + [outer.compress(inner.flush()) + outer.flush()])
        path.write_bytes(mm._pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                                  b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                                  b"<< /Length %d /Filter [/FlateDecode /FlateDecode] >>\nstream\n" % len(data)
                                  + data + b"\nendstream"]))
    assert path.stat().st_size < 700_000
    with pytest.raises(LimitExceeded) as err:
        open_document(path)
    assert str(path) in str(err.value) and "content stream" in str(err.value) and "16 MB" in str(err.value)
    peak, out = _peak_mb(f"from pipeline.ingest import open_document\ntry:\n    open_document({str(path)!r})\n"
                         f"except Exception as e:\n    print(e)")
    assert "content bomb" in out and peak < 200, (peak, out)


def test_many_streams_are_bounded_in_all(tmp_path):
    """Streams each under its limit but together too much to inflate, or too many of them: refused, named."""
    import zlib

    mm = _malformed()
    content = zlib.compress(b"0 0 m 1 1 l S\n" * 300_000)  # 4.2 MB of operators each, ~10 KB on disk
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents [%s] >>"
               % b" ".join(b"%d 0 R" % (4 + k) for k in range(12))]
    objects += [b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream"] * 12
    path = tmp_path / "many_streams.pdf"
    path.write_bytes(mm._pdf(objects))
    assert open_document(path).page_count == 1  # 50 MB in all is within the defaults
    with pytest.raises(LimitExceeded, match="inflate to more than 32 MB in all") as err:
        open_document(path, IngestSettings(max_total_bytes=32 << 20))
    assert str(path) in str(err.value)
    with pytest.raises(LimitExceeded, match="more than 10 compressed streams"):
        open_document(path, IngestSettings(max_streams=10))


def test_real_pdfs_pass_the_stream_limits():
    """The limits leave real documents alone: their largest content stream is far below them."""
    from pipeline.ingest import scan_pdf
    from tests.conftest import REAL

    paths = sorted(REAL.glob("*/*.pdf"))
    if not paths:
        pytest.skip("../shared/real is absent")
    scans = [scan_pdf(p) for p in paths]
    assert all(not s.problem and s.streams for s in scans)
    assert max(s.largest_content for s in scans) < (1 << 20)


def test_large_file_is_never_read_whole(tmp_path):
    """A 150 MB corrupt file is hashed and scanned in chunks (the old error path read it whole)."""
    path = tmp_path / "big_corrupt.pdf"
    block = bytes(range(256)) * 4096
    with open(path, "wb") as f:
        f.write(b"%PDF-1.7\n")
        for _ in range(150):
            f.write(block)
    peak, out = _peak_mb(f"from pipeline.ingest import open_document\ntry:\n    open_document({str(path)!r})\n"
                         f"except Exception as e:\n    print(e)")
    assert "corrupt or unreadable PDF" in out and str(path) in out
    assert peak < 120, peak


def test_huge_pages(tmp_path):
    """A page too large for the pixel limit renders at the dpi that fits it (the output says which); a blank
    44-inch page is never rendered at all; a 200-inch page is refused with the sizes in the reason."""
    mm = _malformed()
    settings = IngestSettings(max_pixels=4_000_000)  # a 15-inch page at 200 dpi would be 9 M pixels
    line = tmp_path / "line_15in.pdf"
    line.write_bytes(mm.one_page_pdf(1080, 1080, b"0 0 m 10 10 l S"))
    page = next(open_document(line, settings).pages())
    assert not page.text_mode
    image = page.image
    assert page.dpi == 133  # 15 in × 133 dpi = 1995 px a side
    assert image.shape[0] * image.shape[1] <= 4_000_000 and (page.width, page.height) == image.shape[1::-1]
    blank = tmp_path / "blank_44in.pdf"
    blank.write_bytes(mm.one_page_pdf(3168, 3168, b""))
    peak, out = _peak_mb("from pipeline.extract import extract_document\n"
                         f"d = extract_document({str(blank)!r})\nprint(d.pages[0].mode, len(d.tables))")
    assert "text 0" in out and peak < 400, (peak, out)  # nothing drawn: read as empty, never rendered
    huge = tmp_path / "page_200in.pdf"
    huge.write_bytes(mm.one_page_pdf(14400, 14400, b"0 0 m 10 10 l S"))
    page = next(open_document(huge).pages())
    with pytest.raises(LimitExceeded) as err:
        page.image
    assert str(huge) in str(err.value) and "page 1 is 200.0×200.0 in" in str(err.value) and "pixels" in str(err.value)


def test_a3_scan_at_400_dpi_is_within_the_limits():
    """The default limits let a real archive scan through: A3 at 400 dpi is 30.9 M pixels."""
    settings = IngestSettings()
    a3_400 = round(297 / 25.4 * 400) * round(420 / 25.4 * 400)
    assert a3_400 <= settings.max_pixels
    assert a3_400 <= settings.max_image_pixels


def test_oversized_embedded_image_is_refused_when_the_page_renders(tmp_path):
    """An image declaring 20000×20000 pixels (a few bytes on disk) would be decoded whole: refused, named."""
    import zlib

    mm = _malformed()
    data = zlib.compress(b"\xff" * 20000)
    content = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
    path = tmp_path / "image_bomb.pdf"
    path.write_bytes(mm._pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /XObject << /Im0 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width 20000 /Height 20000 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"]))
    page = next(open_document(path).pages())
    with pytest.raises(LimitExceeded, match="holds an image of 20000×20000 pixels") as err:
        page.image
    assert str(path) in str(err.value)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF"])
def test_truncated_images_get_a_reason(tmp_path, fmt):
    """A truncated image opens (its header is intact) but cannot be decoded: a reason naming the file."""
    import io

    buf = io.BytesIO()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (900, 1200, 3), dtype=np.uint8)).save(buf, format=fmt)
    path = tmp_path / f"truncated.{fmt.lower()}"
    path.write_bytes(buf.getvalue()[:len(buf.getvalue()) // 3])
    with pytest.raises(InputFileError) as err:
        list(open_document(path).pages())
    assert str(path) in str(err.value)
    assert "truncated or corrupt" in str(err.value) or "not a readable image" in str(err.value)


def _tree_pdf(kids: bytes, count: int) -> bytes:
    mm = _malformed()
    content = b"BT /F1 12 Tf 100 700 Td (hello) Tj ET 0 0 m 100 100 l S"
    return mm._pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
                    b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"])


@pytest.mark.parametrize("name,kids,count", [
    ("count_too_big", b"3 0 R", 3), ("kid_missing", b"3 0 R 9 0 R", 2), ("kids_loop", b"3 0 R 2 0 R", 2)])
def test_broken_page_trees_name_the_page(tmp_path, name, kids, count):
    """A page tree that promises pages it cannot deliver: the page and the file are named, not “internal error”."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(_tree_pdf(kids, count))
    doc = open_document(path)
    with pytest.raises(InputFileError) as err:
        list(doc.pages())
    assert str(path) in str(err.value) and "page 2 cannot be loaded (broken page tree" in str(err.value)


def test_a_landscape_table_page_scanned_upright_stays_upright(tmp_path):
    """Real putuo-guihua 决算's 收入决算表 page (landscape), scanned plain at 200 dpi as scripts/real_scans.py
    does: its stacked amounts and column rules make more short lines down the page than across, and the lines
    down read as text at 0.69 turned 270 — the page was turned and its table read as 入收他其 (six pages of
    that document lost). A doubtful turn is checked against the page's longest lines across read as they are
    (0.999 here): not taken."""
    import sys

    import pypdfium2 as pdfium

    from pipeline import orientation
    from pipeline.extract import extract_document
    from tests.conftest import ROOT, real_pdf

    sys.path.insert(0, str(ROOT / "scripts"))
    from real_scans import rasterise_plain

    src = real_pdf("juesuan", "putuo-guihua-2024-juesuan.pdf")
    one = tmp_path / "page8.pdf"
    pdf, out = pdfium.PdfDocument(str(src)), pdfium.PdfDocument.new()
    out.import_pages(pdf, [7])
    out.save(str(one))
    scan = tmp_path / "page8-plain.pdf"
    rasterise_plain(one, scan, 200)
    doc = extract_document(scan)
    assert doc.pages[0].rotation == 0
    assert [t.template for t in doc.tables] == ["T02"] and doc.pages[0].status == "tables"

    from pipeline.extract import ExtractSettings

    unchecked = ExtractSettings(orientation=orientation.OrientationSettings(sure=0.0))
    assert extract_document(scan, unchecked).pages[0].rotation != 0  # (what the test guards against)


def test_a_table_page_whose_rules_run_across_is_not_turned_on_its_side(tmp_path):
    """A dense 公开06表 scanned askew with noise (calibration skew_noise200: codes wrapped in their narrow
    column, 3019 over 9) shows few text lines across; its lines down read as text at 0.87 turned 90, the
    lines across at 0.75 as they are, and the page was turned: its table came out as garbage, every row of it
    lost. A table's cells are wider than tall, so an upright table page has more rule across than down
    (``orientation._rules_across``): a doubtful turn of such a page is not taken. Real shehuigongzuo 公开06表
    (page 13), degraded as ``skew_noise200`` does: its rules run ≥ 1.5 times more across than down, and
    ≤ 1/1.5 when the page lies on its side, which is still turned upright. Forced to read it sideways with no
    other check (every line down counted, any reading taken), the page stays upright by its rules alone."""
    import sys

    import cv2
    import numpy as np

    from pipeline import orientation
    from pipeline.ocr import get_recognizer
    from tests.conftest import ROOT, real_pdf

    sys.path.insert(0, str(ROOT / "scripts"))
    from samplegen.degrade import PROFILES, degrade_page
    from samplegen.render import amount_boxes, rasterise, text_words

    src = real_pdf("juesuan", "putuo-shehuigongzuo-2024-juesuan.pdf")
    profile = PROFILES["skew_noise200"]
    rgb = rasterise(src, profile.dpi)[12]
    page, _ = degrade_page(rgb, profile, np.random.default_rng(0), amount_boxes(text_words(src, profile.dpi)[12]),
                           "中共上海市普陀区委社会工作部")
    upright = cv2.cvtColor(page, cv2.COLOR_RGB2BGR)
    aside = cv2.rotate(upright, cv2.ROTATE_90_COUNTERCLOCKWISE)
    grey = lambda im: cv2.resize(cv2.cvtColor(im, cv2.COLOR_BGR2GRAY), None, fx=0.5, fy=0.5,  # noqa: E731
                                 interpolation=cv2.INTER_AREA)
    assert orientation._rules_across(grey(upright), 100) >= 1.5
    assert orientation._rules_across(grey(aside), 100) <= 1 / 1.5
    recognizer = get_recognizer()
    assert orientation.detect_orientation(upright, profile.dpi, recognizer).turn == 0
    assert orientation.detect_orientation(aside, profile.dpi, recognizer).turn == 90

    forced = orientation.OrientationSettings(side_ratio=0.0, min_score=0.0, sure=1.01, margin=1.0)
    assert orientation.detect_orientation(upright, profile.dpi, recognizer, forced).turn == 0
    unchecked = orientation.OrientationSettings(side_ratio=0.0, min_score=0.0, sure=1.01, margin=1.0,
                                                upright_rules=float("inf"))
    assert orientation.detect_orientation(upright, profile.dpi, recognizer, unchecked).turn != 0
