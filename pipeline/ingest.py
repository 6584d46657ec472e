"""Stage 1 — ingest: open a PDF or image file, check limits, yield pages as images (+ text layer words).

PDF pages are rendered with pypdfium2; an image file is one page (a multi-frame TIFF is several).
Every problem is an :class:`InputFileError` / :class:`LimitExceeded` naming the file and the reason.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from .errors import InputFileError, LimitExceeded

PDF_SUFFIXES = {".pdf"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}
SUPPORTED_SUFFIXES = PDF_SUFFIXES | IMAGE_SUFFIXES


@dataclass(frozen=True)
class IngestSettings:
    dpi: int = 200
    max_pages: int = 2000
    max_pixels: int = 80_000_000  # per page, after rendering
    min_side: int = 32  # pixels: smaller images cannot hold a table


@dataclass
class TextChar:
    """One character of a PDF text layer, in pixels of the rendered page."""

    char: str
    x0: float
    y0: float
    x1: float
    y1: float
    angle: float = 0.0  # rotation of the glyph in degrees (watermarks are rotated)
    fill_grey: int = 0  # 0 black … 255 white
    font_size: float = 0.0


@dataclass
class SourcePage:
    """One page: its size in pixels at ``dpi``, its text layer and vector rules (PDF), and the image,
    rendered only when a stage asks for it (born-digital pages are never rendered)."""

    number: int  # 1-based
    dpi: int
    width: int
    height: int
    chars: list[TextChar] | None = None  # text layer (PDF only), None for images
    rules: list | None = None  # layout.Segment list from the PDF's vector paths
    text_mode: bool = False  # the text layer is real and covers the page: read it instead of OCR
    image_cover: float = 0.0  # share of the page covered by image objects (a scan is ~1)
    _image: np.ndarray | None = None
    _render: object = None

    @property
    def image(self) -> np.ndarray:
        """BGR uint8."""
        if self._image is None:
            self._image = self._render()  # type: ignore[operator]
        return self._image


@dataclass
class SourceDocument:
    path: Path
    sha256: str
    page_count: int
    kind: str  # pdf | image
    settings: IngestSettings = field(default_factory=IngestSettings)

    def pages(self) -> Iterator[SourcePage]:
        if self.kind == "pdf":
            yield from _pdf_pages(self)
        else:
            yield from _image_pages(self)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def open_document(path: str | Path, settings: IngestSettings = IngestSettings()) -> SourceDocument:
    path = Path(path)
    if not path.is_file():
        raise InputFileError(str(path), "no such file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputFileError(str(path), f"unsupported file type {suffix or '(none)'}")
    if path.stat().st_size == 0:
        raise InputFileError(str(path), "empty file (0 bytes)")
    digest = sha256_of(path)
    if suffix in PDF_SUFFIXES:
        count = _pdf_page_count(path)
        kind = "pdf"
    else:
        count = _image_frame_count(path, settings)
        kind = "image"
    if count == 0:
        raise InputFileError(str(path), "document has no pages")
    if count > settings.max_pages:
        raise LimitExceeded(str(path), f"{count} pages exceeds the limit of {settings.max_pages} (--max-pages)")
    return SourceDocument(path=path, sha256=digest, page_count=count, kind=kind, settings=settings)


# ---------------------------------------------------------------------------------------------- PDF

def _open_pdf(path: Path):
    import pypdfium2 as pdfium

    with open(path, "rb") as f:
        head = f.read(1024)
    if b"%PDF" not in head:
        raise InputFileError(str(path), "not a PDF file (no %PDF header)")
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:  # type: ignore[attr-defined]
        # pdfium's error code is process-global and can be stale: look at the file itself as well
        msg = str(e)
        data = path.read_bytes()
        if b"/Encrypt" in data:
            raise InputFileError(str(path), "encrypted PDF (password required)") from None
        if "PDFium: Success" in msg or re.search(rb"/Count\s+0\b", data):
            raise InputFileError(str(path), "PDF has no pages (empty page tree)") from None
        raise InputFileError(str(path), f"corrupt or unreadable PDF ({msg})") from None


def _pdf_page_count(path: Path) -> int:
    pdf = _open_pdf(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


def _pdf_pages(doc: SourceDocument) -> Iterator[SourcePage]:
    pdf = _open_pdf(doc.path)
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                w_pt, h_pt = page.get_size()
                scale = doc.settings.dpi / 72.0
                width, height = int(round(w_pt * scale)), int(round(h_pt * scale))
                if width * height > doc.settings.max_pixels:
                    raise LimitExceeded(str(doc.path), f"page {i + 1} would render to {width * height} pixels "
                                                       f"(limit {doc.settings.max_pixels}); lower --dpi")
                try:
                    chars = _text_layer(page, scale, h_pt)
                    rules, image_cover, invisible_text = _page_objects(page, scale, h_pt, w_pt)
                except Exception as e:
                    raise InputFileError(str(doc.path), f"page {i + 1} cannot be read ({e})") from None

                def render(path=doc.path, number=i + 1, dpi=doc.settings.dpi):
                    # opens the file again: the page may be long closed when a stage asks for its image
                    try:
                        return render_page(path, number, dpi)
                    except InputFileError:
                        raise
                    except Exception as e:  # pdfium raises plain exceptions on broken content streams
                        raise InputFileError(str(path), f"page {number} cannot be rendered ({e})") from None

                yield SourcePage(number=i + 1, dpi=doc.settings.dpi, width=width, height=height, chars=chars,
                                 rules=rules, text_mode=text_layer_is_real(chars, image_cover, invisible_text),
                                 image_cover=image_cover,
                                 _render=render)
            finally:
                page.close()
    finally:
        pdf.close()


def text_layer_is_real(chars: list[TextChar], image_cover: float, invisible_text: bool) -> bool:
    """Use the text layer when it is real: enough readable characters, not garbage glyph mappings, and
    not an invisible OCR layer laid over a scanned image."""
    body = [c for c in chars if not is_watermark_char(c)]
    if len(body) < 8:
        return False
    bad = sum(1 for c in body if c.char == "\ufffd" or 0xE000 <= ord(c.char) <= 0xF8FF or ord(c.char) < 32)
    if bad / len(body) > 0.1:
        return False
    if invisible_text and image_cover > 0.5:
        return False
    return True


def is_watermark_char(c: TextChar) -> bool:
    """Watermark text objects (“仅供内部审核”): rotated glyphs or light-grey fill."""
    return 5 < abs(c.angle) < 355 or c.fill_grey >= 150


def _page_objects(page, scale: float, h_pt: float, w_pt: float):
    """Rule segments from vector paths, the share of the page covered by images, invisible text."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    from .layout import Segment

    rules = []
    image_area = 0.0
    invisible = False
    for obj in page.get_objects(max_depth=4):
        try:
            l, b, r, t = obj.get_bounds()
        except Exception:
            continue
        w, h = r - l, t - b
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            image_area += max(0.0, w) * max(0.0, h)
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT:
            if pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE:
                invisible = True
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
            x0, x1 = l * scale, r * scale
            y0, y1 = (h_pt - t) * scale, (h_pt - b) * scale
            if h < 2.5 and w > 3:
                yc = (y0 + y1) / 2
                rules.append(Segment(x0, yc, x1, yc))
            elif w < 2.5 and h > 3:
                xc = (x0 + x1) / 2
                rules.append(Segment(xc, y0, xc, y1))
            elif w > 3 and h > 3:
                fill, stroke = ctypes.c_int(), ctypes.c_int()
                pdfium_c.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(fill), ctypes.byref(stroke))
                if stroke.value and pdfium_c.FPDFPath_CountSegments(obj.raw) in (4, 5):
                    rules += [Segment(x0, y0, x1, y0), Segment(x0, y1, x1, y1),
                              Segment(x0, y0, x0, y1), Segment(x1, y0, x1, y1)]
    return rules, image_area / max(1.0, w_pt * h_pt), invisible


def _to_bgr(arr: np.ndarray, mode: str) -> np.ndarray:
    # pypdfium2 renders BGR(A) by default (rev_byteorder=False)
    if arr.ndim == 2:
        return np.repeat(arr[:, :, None], 3, axis=2)
    if arr.shape[2] == 4:
        arr = arr[:, :, :3]
    if mode in ("RGB", "RGBA", "RGBX"):
        arr = arr[:, :, ::-1]
    return np.ascontiguousarray(arr)


def _text_layer(page, scale: float, h_pt: float) -> list[TextChar]:
    """Characters of the page's text layer with their boxes (pixels), rotation and fill colour."""
    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        chars: list[TextChar] = []
        raw = textpage.raw
        for k in range(n):
            code = pdfium_c.FPDFText_GetUnicode(raw, k)
            if code == 0:
                continue
            ch = chr(code)
            if ch in "\r\n":
                continue
            try:
                l, b, r, t = textpage.get_charbox(k, loose=False)
            except Exception:
                continue
            angle = float(pdfium_c.FPDFText_GetCharAngle(raw, k))
            size = float(pdfium_c.FPDFText_GetFontSize(raw, k))
            import ctypes

            rr, gg, bb, aa = (ctypes.c_uint() for _ in range(4))
            grey = 0
            if pdfium_c.FPDFText_GetFillColor(raw, k, ctypes.byref(rr), ctypes.byref(gg), ctypes.byref(bb),
                                              ctypes.byref(aa)):
                alpha = aa.value / 255.0
                lum = 0.299 * rr.value + 0.587 * gg.value + 0.114 * bb.value
                grey = int(round(255 - alpha * (255 - lum)))
            chars.append(TextChar(ch, l * scale, (h_pt - t) * scale, r * scale, (h_pt - b) * scale,
                                  angle=np.degrees(angle) if angle else 0.0, fill_grey=grey, font_size=size))
        return chars
    finally:
        textpage.close()


# -------------------------------------------------------------------------------------------- images

def _image_frame_count(path: Path, settings: IngestSettings) -> int:
    from PIL import Image, UnidentifiedImageError

    from PIL import ImageSequence

    try:
        with Image.open(path) as im:
            sizes = [frame.size for frame in ImageSequence.Iterator(im)]
    except Image.DecompressionBombError as e:
        raise LimitExceeded(str(path), f"image too large to decode safely ({e})") from None
    except (UnidentifiedImageError, OSError) as e:
        raise InputFileError(str(path), f"not a readable image ({e.__class__.__name__})") from None
    for k, (w, h) in enumerate(sizes, 1):
        where = f"frame {k}: " if len(sizes) > 1 else ""
        if w < settings.min_side or h < settings.min_side:
            raise InputFileError(str(path), f"{where}image is {w}×{h} pixels, too small to hold a table "
                                            f"(minimum {settings.min_side}×{settings.min_side})")
        if w * h > settings.max_pixels:
            raise LimitExceeded(str(path), f"{where}image has {w * h} pixels (limit {settings.max_pixels})")
    return len(sizes)


def _image_pages(doc: SourceDocument) -> Iterator[SourcePage]:
    from PIL import Image, ImageSequence

    with Image.open(doc.path) as im:
        dpi_info = im.info.get("dpi")
        dpi = int(round(dpi_info[0])) if dpi_info and dpi_info[0] and dpi_info[0] > 30 else doc.settings.dpi
        for i, frame in enumerate(ImageSequence.Iterator(im)):
            bgr = np.ascontiguousarray(np.asarray(frame.convert("RGB"))[:, :, ::-1])
            yield SourcePage(number=i + 1, dpi=dpi, width=bgr.shape[1], height=bgr.shape[0], _image=bgr)


def render_page(path: str | Path, page_number: int, dpi: int) -> np.ndarray:
    """One page as BGR at ``dpi`` (PDF) or as stored (image), without the text layer."""
    path = Path(path)
    if path.suffix.lower() in PDF_SUFFIXES:
        pdf = _open_pdf(path)
        try:
            page = pdf[page_number - 1]
            bitmap = page.render(scale=dpi / 72.0)
            return _to_bgr(bitmap.to_numpy(), getattr(bitmap, "mode", "BGR"))
        finally:
            pdf.close()
    from PIL import Image, ImageSequence

    with Image.open(path) as im:
        for i, frame in enumerate(ImageSequence.Iterator(im)):
            if i == page_number - 1:
                return np.ascontiguousarray(np.asarray(frame.convert("RGB"))[:, :, ::-1])
    raise InputFileError(str(path), f"no page {page_number}")
