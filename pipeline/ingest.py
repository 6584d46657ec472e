"""Stage 1 — ingest: open a PDF or image file, check limits, yield pages as images (+ text layer words).

PDF pages are rendered with pypdfium2; an image file is one page (a multi-frame TIFF is several).
Every problem is an :class:`InputFileError` / :class:`LimitExceeded` naming the file and the reason.
"""
from __future__ import annotations

import hashlib
import math
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
    angle: float = 0.0  # direction of the glyph in the page image, degrees counter-clockwise (watermarks are rotated)
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
    rotation: int = 0  # clockwise quarter turn applied to the page as displayed (text set upright): 0/90/180/270
    _image: np.ndarray | None = None
    _render: object = None

    @property
    def image(self) -> np.ndarray:
        """BGR uint8, in the page's frame (``rotation`` applied)."""
        if self._image is None:
            self._image = self._render()  # type: ignore[operator]
        return self._image

    def turn(self, degrees: int) -> None:
        """Turn the page a further ``degrees`` clockwise (a scan found lying on its side or upside down)."""
        degrees %= 360
        if not degrees:
            return
        self._image = turn_image(self.image, degrees)
        self.height, self.width = self._image.shape[:2]
        self.rotation = (self.rotation + degrees) % 360


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
            try:
                page = pdf[i]
            except Exception as e:  # a /Kids entry that is not a page, a loop in the page tree …
                raise InputFileError(str(doc.path), f"page {i + 1} cannot be loaded (broken page tree: {e})") from None
            try:
                scale = doc.settings.dpi / 72.0
                try:
                    frame = page_frame(page, scale)
                    chars, frame = _text_layer(page, frame)
                    rules, image_cover, invisible_text = _page_objects(page, frame)
                except Exception as e:
                    raise InputFileError(str(doc.path), f"page {i + 1} cannot be read ({e})") from None
                width, height = int(round(frame.width)), int(round(frame.height))
                if width * height > doc.settings.max_pixels:
                    raise LimitExceeded(str(doc.path), f"page {i + 1} would render to {width * height} pixels "
                                                       f"(limit {doc.settings.max_pixels}); lower --dpi")

                def render(path=doc.path, number=i + 1, dpi=doc.settings.dpi, rotation=frame.turn):
                    # opens the file again: the page may be long closed when a stage asks for its image
                    try:
                        return render_page(path, number, dpi, rotation)
                    except InputFileError:
                        raise
                    except Exception as e:  # pdfium raises plain exceptions on broken content streams
                        raise InputFileError(str(path), f"page {number} cannot be rendered ({e})") from None

                yield SourcePage(number=i + 1, dpi=doc.settings.dpi, width=width, height=height, chars=chars,
                                 rules=rules, text_mode=text_layer_is_real(chars, image_cover, invisible_text),
                                 image_cover=image_cover, rotation=frame.turn,
                                 _render=render)
            finally:
                page.close()
    finally:
        pdf.close()


@dataclass(frozen=True)
class PageFrame:
    """Where a point of the PDF's user space (points, y up) lands in the page image (pixels, y down):
    ``X = xx·x + xy·y + x0``, ``Y = yx·x + yy·y + y0``. It covers the crop box, the page's /Rotate and a
    further clockwise quarter turn (``turn``) that sets the page's text upright, so a page drawn sideways
    reads like an upright one."""

    xx: float
    xy: float
    yx: float
    yy: float
    x0: float
    y0: float
    width: float  # pixels
    height: float
    turn: int = 0

    def point(self, x: float, y: float) -> tuple[float, float]:
        return self.xx * x + self.xy * y + self.x0, self.yx * x + self.yy * y + self.y0

    def box(self, left: float, bottom: float, right: float, top: float) -> tuple[float, float, float, float]:
        """A user-space rectangle → (x0, y0, x1, y1) in pixels (every frame is a quarter turn, so boxes stay boxes)."""
        ax, ay = self.point(left, bottom)
        bx, by = self.point(right, top)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)

    def boxes(self, user: np.ndarray) -> np.ndarray:
        """:meth:`box` for an (n, 4) array of user-space (left, bottom, right, top)."""
        xa = self.xx * user[:, 0] + self.xy * user[:, 1] + self.x0
        ya = self.yx * user[:, 0] + self.yy * user[:, 1] + self.y0
        xb = self.xx * user[:, 2] + self.xy * user[:, 3] + self.x0
        yb = self.yx * user[:, 2] + self.yy * user[:, 3] + self.y0
        return np.stack([np.minimum(xa, xb), np.minimum(ya, yb), np.maximum(xa, xb), np.maximum(ya, yb)], axis=1)

    def angles(self, directions: np.ndarray) -> np.ndarray:
        """:meth:`angle` for an (n, 2) array of user-space directions (0 within a hundredth of a degree)."""
        a = np.degrees(np.arctan2(-(self.yx * directions[:, 0] + self.yy * directions[:, 1]),
                                  self.xx * directions[:, 0] + self.xy * directions[:, 1])) % 360.0
        return np.where((a < 0.01) | (a > 359.99), 0.0, a)

    def angle(self, dx: float, dy: float) -> float:
        """A user-space direction → degrees counter-clockwise as seen in the page image (0 = upright text)."""
        return math.degrees(math.atan2(-(self.yx * dx + self.yy * dy), self.xx * dx + self.xy * dy)) % 360.0

    def turned(self, degrees: int) -> "PageFrame":
        """The frame turned a further ``degrees`` (multiple of 90) clockwise."""
        f = self
        for _ in range((degrees // 90) % 4):  # one clockwise quarter turn: X' = H − Y, Y' = X
            f = PageFrame(-f.yx, -f.yy, f.xx, f.xy, f.height - f.y0, f.x0, f.height, f.width, (f.turn + 90) % 360)
        return f


def page_frame(page, scale: float) -> PageFrame:
    """The frame pdfium renders the page in (crop box, /Rotate) at ``scale`` pixels per point, measured
    through pdfium's own device mapping so it always agrees with the rendering."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    w_pt, h_pt = page.get_size()  # as displayed (/Rotate applied)
    size = 1 << 20
    px, py = ctypes.c_double(), ctypes.c_double()
    pts = []
    for dx, dy in ((0, 0), (size, 0), (0, size)):
        pdfium_c.FPDF_DeviceToPage(page.raw, 0, 0, size, size, 0, dx, dy, ctypes.byref(px), ctypes.byref(py))
        pts.append((px.value, py.value))
    (p0x, p0y), (p1x, p1y), (p2x, p2y) = pts
    ax, ay, bx, by = p1x - p0x, p1y - p0y, p2x - p0x, p2y - p0y  # user space = p0 + u·A + v·B, u = X/W, v = Y/H
    det = ax * by - ay * bx
    width, height = w_pt * scale, h_pt * scale
    if not det or width <= 0 or height <= 0:
        raise ValueError(f"degenerate page box ({w_pt:g}×{h_pt:g} pt)")
    xx, xy = width * by / det, -width * bx / det
    yx, yy = -height * ay / det, height * ax / det
    return PageFrame(xx, xy, yx, yy, -(xx * p0x + xy * p0y), -(yx * p0x + yy * p0y), width, height)


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


def _page_objects(page, frame: PageFrame):
    """Rule segments from vector paths, the share of the page covered by images, invisible text. Objects
    inside form XObjects are placed through the forms' matrices."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    from .layout import Segment

    boxes: list[tuple[int, float, float, float, float, object]] = []  # type, user-space box, raw object
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    pl, pb, pr, pt = (ctypes.pointer(v) for v in (left, bottom, right, top))
    matrix = pdfium_c.FS_MATRIX()

    def walk(count, get, parent, form_matrix, depth):
        for k in range(count(parent)):
            obj = get(parent, k)
            if not obj:
                continue
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
                if depth < 4 and pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(matrix)):
                    m = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
                    walk(pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject, obj,
                         _compose(m, form_matrix) if form_matrix else m, depth + 1)
                continue
            if not pdfium_c.FPDFPageObj_GetBounds(obj, pl, pb, pr, pt):
                continue
            box = (left.value, bottom.value, right.value, top.value)
            if form_matrix:
                box = _map_box(form_matrix, box)
            boxes.append((kind, *box, obj))

    walk(pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject, page.raw, None, 0)
    rules = []
    image_area = 0.0
    invisible = False
    if not boxes:
        return rules, image_area, invisible
    scale = math.hypot(frame.xx, frame.yx)  # pixels per point
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    mapped = frame.boxes(np.asarray([bx[1:5] for bx in boxes], dtype=np.float64)).tolist()
    for (kind, *_, obj), (x0, y0, x1, y1) in zip(boxes, mapped):
        w, h = (x1 - x0) / scale, (y1 - y0) / scale  # points, as the page is read
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            image_area += max(0.0, x1 - x0) * max(0.0, y1 - y0)
        elif kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
            if pdfium_c.FPDFTextObj_GetTextRenderMode(obj) == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE:
                invisible = True
        elif kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            if h < 2.5 and w > 3:
                yc = (y0 + y1) / 2
                rules.append(Segment(x0, yc, x1, yc))
            elif w < 2.5 and h > 3:
                xc = (x0 + x1) / 2
                rules.append(Segment(xc, y0, xc, y1))
            elif w > 3 and h > 3:
                pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
                if stroke.value and pdfium_c.FPDFPath_CountSegments(obj) in (4, 5):
                    rules += [Segment(x0, y0, x1, y0), Segment(x0, y1, x1, y1),
                              Segment(x0, y0, x0, y1), Segment(x1, y0, x1, y1)]
    return rules, image_area / max(1.0, frame.width * frame.height), invisible


def _compose(m, n):
    """The PDF matrix ``m`` followed by ``n`` (each a, b, c, d, e, f)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _map_box(m, box):
    """A box through a PDF matrix → the box around its four corners."""
    a, b, c, d, e, f = m
    l, bo, r, t = box
    xs = [a * x + c * y + e for x, y in ((l, bo), (r, bo), (l, t), (r, t))]
    ys = [b * x + d * y + f for x, y in ((l, bo), (r, bo), (l, t), (r, t))]
    return min(xs), min(ys), max(xs), max(ys)


def _to_bgr(arr: np.ndarray, mode: str) -> np.ndarray:
    # pypdfium2 renders BGR(A) by default (rev_byteorder=False)
    if arr.ndim == 2:
        return np.repeat(arr[:, :, None], 3, axis=2)
    if arr.shape[2] == 4:
        arr = arr[:, :, :3]
    if mode in ("RGB", "RGBA", "RGBX"):
        arr = arr[:, :, ::-1]
    return np.ascontiguousarray(arr)


def _text_layer(page, frame: PageFrame) -> tuple[list[TextChar], PageFrame]:
    """Characters of the page's text layer with their boxes (pixels), direction and fill colour, in the
    frame that sets most of the text upright (returned with them)."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        n = pdfium_c.FPDFText_CountChars(raw)
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        rr, gg, bb, aa = (ctypes.c_uint() for _ in range(4))
        matrix = pdfium_c.FS_MATRIX()
        box_args = [ctypes.pointer(v) for v in (left, right, bottom, top)]
        colour_args = [ctypes.pointer(v) for v in (rr, gg, bb, aa)]
        p_matrix = ctypes.pointer(matrix)
        get_unicode, get_box = pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_GetCharBox
        get_matrix, get_fill = pdfium_c.FPDFText_GetMatrix, pdfium_c.FPDFText_GetFillColor
        get_size = pdfium_c.FPDFText_GetFontSize
        texts, boxes, dirs, greys, sizes = [], [], [], [], []
        for k in range(n):
            code = get_unicode(raw, k)
            if code in (0, 10, 13) or not get_box(raw, k, *box_args):
                continue
            if get_matrix(raw, k, p_matrix) and (matrix.a or matrix.b):
                dirs.append((matrix.a, matrix.b))
            else:
                dirs.append((1.0, 0.0))
            grey = 0
            if get_fill(raw, k, *colour_args):
                alpha = aa.value / 255.0
                grey = int(round(255 - alpha * (255 - (0.299 * rr.value + 0.587 * gg.value + 0.114 * bb.value))))
            texts.append(chr(code))
            boxes.append((left.value, bottom.value, right.value, top.value))
            greys.append(grey)
            sizes.append(get_size(raw, k))
    finally:
        textpage.close()
    if not texts:
        return [], frame
    d = np.asarray(dirs, dtype=np.float64)
    dark = np.asarray(greys) < 150
    frame = frame.turned(upright_turn(frame.angles(d)[dark & np.asarray([bool(t.strip()) for t in texts])]))
    cols = frame.boxes(np.asarray(boxes, dtype=np.float64)).T.tolist() + [frame.angles(d).tolist()]
    return [TextChar(ch, x0, y0, x1, y1, angle, grey, size)
            for ch, x0, y0, x1, y1, angle, grey, size in zip(texts, *cols, greys, sizes)], frame


def upright_turn(angles: np.ndarray, min_glyphs: int = 8, majority: float = 0.6) -> int:
    """The clockwise quarter turn that sets the page's text upright, from the directions of its dark,
    visible glyphs (degrees counter-clockwise in the page image): the quarter most of them share, when
    they are a clear majority. Glyphs off the quarters (a 45° watermark) do not vote."""
    angles = np.asarray(angles, dtype=np.float64)
    quarter = np.round(angles / 90.0)
    on_quarter = np.abs(angles - 90.0 * quarter) <= 10.0
    votes = np.bincount(quarter[on_quarter].astype(int) % 4, minlength=4)
    best = int(votes.argmax())
    if votes[best] < min_glyphs or votes[best] < majority * votes.sum():
        return 0
    return 90 * best


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


def turn_image(image: np.ndarray, degrees: int) -> np.ndarray:
    """``image`` turned ``degrees`` (a multiple of 90) clockwise."""
    k = (degrees // 90) % 4
    return np.ascontiguousarray(np.rot90(image, -k)) if k else image


def render_page(path: str | Path, page_number: int, dpi: int, rotation: int = 0) -> np.ndarray:
    """One page as BGR at ``dpi`` (PDF) or as stored (image), without the text layer, turned ``rotation``
    degrees clockwise from its display (``pages[].rotation`` of the output: the frame its bboxes refer to)."""
    path = Path(path)
    if path.suffix.lower() in PDF_SUFFIXES:
        pdf = _open_pdf(path)
        try:
            page = pdf[page_number - 1]
            bitmap = page.render(scale=dpi / 72.0, rotation=rotation % 360)
            return _to_bgr(bitmap.to_numpy(), getattr(bitmap, "mode", "BGR"))
        finally:
            pdf.close()
    from PIL import Image, ImageSequence

    with Image.open(path) as im:
        for i, frame in enumerate(ImageSequence.Iterator(im)):
            if i == page_number - 1:
                return turn_image(np.ascontiguousarray(np.asarray(frame.convert("RGB"))[:, :, ::-1]), rotation)
    raise InputFileError(str(path), f"no page {page_number}")
