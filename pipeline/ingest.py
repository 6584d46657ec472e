"""Stage 1 — ingest: open a PDF or image file, check limits, yield pages as images (+ text layer words).

PDF pages are rendered with pypdfium2; an image file is one page (a multi-frame TIFF is several).
Every problem is an :class:`InputFileError` / :class:`LimitExceeded` naming the file and the reason.
"""
from __future__ import annotations

import hashlib
import math
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from .errors import InputFileError, LimitExceeded
from .textcheck import FontTrust, amount_glyph, glyph_doubts

PDF_SUFFIXES = {".pdf"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}
SUPPORTED_SUFFIXES = PDF_SUFFIXES | IMAGE_SUFFIXES


@dataclass(frozen=True)
class IngestSettings:
    """Limits that keep one document's memory bounded. ``max_pixels`` lets an A3 page scanned at 400 dpi
    through (4,677 × 6,614 = 30.9 M pixels) and keeps the cleaning of one page under ~1 GB; a PDF page
    larger than that at ``dpi`` is rendered at the dpi that fits (not below ``min_render_dpi``)."""

    dpi: int = 200
    max_pages: int = 2000
    max_pixels: int = 36_000_000  # per page image (rendered page or image file)
    min_render_dpi: int = 100  # a huge page is rendered at a lower dpi down to this, then refused
    min_side: int = 32  # pixels: smaller images cannot hold a table
    max_image_pixels: int = 72_000_000  # an image embedded in a PDF page (decoded whole when the page renders)
    max_content_bytes: int = 16 << 20  # one content stream inflated (real table pages: < 0.2 MB)
    max_stream_bytes: int = 128 << 20  # any other non-image stream inflated (fonts, object streams)
    max_total_bytes: int = 1 << 30  # all of them together (real 30-page disclosures: a few MB)
    max_streams: int = 500_000  # compressed non-image streams in one file


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
    font: str = ""  # glyphs that may print an amount (textcheck.amount_glyph): the font drawing them (FontTrust keys)


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
    text_doubts: list[str] = field(default_factory=list)  # why the text layer is not used (textcheck)
    font_trust: object = None  # textcheck.FontTrust shared by the document's pages
    _image: np.ndarray | None = None
    _render: object = None  # () -> (image, dpi): a page too large for the pixel limit renders at a lower dpi
    _region: object = None  # (x0, y0, x1, y1) -> BGR of that part of the page at ``dpi`` (while it is open)

    def region(self, box: tuple[float, float, float, float]) -> np.ndarray:
        """Part of the page rendered at ``dpi`` in the page's frame (white beyond the page's edge); only
        while the page is being read (the text-layer check renders a few cells)."""
        if self._region is None:
            raise RuntimeError(f"page {self.number}: no renderer for regions")
        return self._region(box)  # type: ignore[operator]

    @property
    def image(self) -> np.ndarray:
        """BGR uint8, in the page's frame (``rotation`` applied); ``dpi``, ``width`` and ``height`` follow it."""
        if self._image is None:
            self._image, self.dpi = self._render()  # type: ignore[operator,misc]
            self.height, self.width = self._image.shape[:2]
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
    if suffix in PDF_SUFFIXES:
        scan = scan_pdf(path, settings)  # sha256 and the inflated size of every stream, in one streaming pass
        if scan.problem:
            raise LimitExceeded(str(path), scan.problem)
        digest = scan.sha256
        count = _pdf_page_count(path, scan)
        kind = "pdf"
    else:
        digest = sha256_of(path)
        count = _image_frame_count(path, settings)
        kind = "image"
    if count == 0:
        raise InputFileError(str(path), "document has no pages")
    if count > settings.max_pages:
        raise LimitExceeded(str(path), f"{count} pages exceeds the limit of {settings.max_pages} (--max-pages)")
    return SourceDocument(path=path, sha256=digest, page_count=count, kind=kind, settings=settings)


# ------------------------------------------------------------------------------------------ PDF scan

_CHUNK = 1 << 20
_STREAM_KEYWORD = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\n|\r)")
_IMAGE_DICT = re.compile(rb"/Subtype\s*/Image\b")
_NOT_CONTENT = re.compile(rb"/Type\s*/(?:ObjStm|XRef|Metadata|EmbeddedFile)\b|/Length[123]\b|"
                          rb"/Subtype\s*/(?:Type1C|CIDFontType0C|OpenType|XML)\b|/N\s+[134]\b")


@dataclass
class PdfScan:
    """What one streaming pass over a PDF's bytes found: its sha256, the inflated size of its compressed
    non-image streams (content streams and forms vs the rest), and the first limit one of them breaks."""

    sha256: str = ""
    streams: int = 0  # Flate streams inflated (images excluded: pdfium decodes them line by line)
    largest_content: int = 0
    largest_other: int = 0
    problem: str = ""
    encrypt_marker: bool = False
    empty_tree_marker: bool = False


def scan_pdf(path: Path, settings: IngestSettings = IngestSettings()) -> PdfScan:
    """Hash the file and measure what its compressed streams inflate to — without ever holding more than
    a chunk: a compressed content bomb (a few hundred KB that pdfium would inflate to gigabytes while
    loading the page) is refused here, before pdfium sees it."""
    scan = PdfScan()
    h = hashlib.sha256()
    found: list[tuple[int, int, bool]] = []  # Flate streams: (offset of the data, filter layers, content?)
    tail, base = b"", 0
    with open(path, "rb") as f:
        for data in iter(lambda: f.read(_CHUNK), b""):
            h.update(data)
            buf = tail + data
            start = base - len(tail)
            if not scan.encrypt_marker and b"/Encrypt" in buf:
                scan.encrypt_marker = True
            if not scan.empty_tree_marker and re.search(rb"/Count\s+0\b", buf):
                scan.empty_tree_marker = True
            for m in _STREAM_KEYWORD.finditer(buf):
                if m.end() <= len(tail):
                    continue  # seen with the previous chunk
                head = buf[max(0, m.start() - 2048):m.start()]
                obj = head.rfind(b"obj")
                head = head[obj + 3:] if obj >= 0 else b""
                layers = head.count(b"/FlateDecode")
                if layers and not _IMAGE_DICT.search(head):  # pdfium decodes images line by line
                    found.append((start + m.end(), layers, not _NOT_CONTENT.search(head)))
            if len(found) > settings.max_streams:
                scan.problem = f"more than {settings.max_streams:,} compressed streams (a real disclosure has thousands)"
                break
            base += len(data)
            tail = buf[-2100:]
        scan.sha256 = h.hexdigest()
        total = 0
        for offset, layers, content in found if not scan.problem else []:
            limit = settings.max_content_bytes if content else settings.max_stream_bytes
            size = _inflated_size(f, offset, layers, min(limit, settings.max_total_bytes - total))
            total += size
            scan.streams += 1
            if total > settings.max_total_bytes:
                scan.problem = (f"its compressed streams inflate to more than {settings.max_total_bytes >> 20} MB "
                                f"in all (a compressed content bomb?)")
                break
            if content:
                scan.largest_content = max(scan.largest_content, size)
            else:
                scan.largest_other = max(scan.largest_other, size)
            if size > limit:
                what = "a page content stream" if content else "a compressed stream"
                scan.problem = (f"{what} (at byte {offset}) inflates to more than {limit >> 20} MB "
                                f"(a compressed content bomb?)")
                break
    return scan


def _inflated_size(f, offset: int, layers: int, limit: int) -> int:
    """Bytes a stream of ``layers`` nested Flate filters inflates to, counted chunk by chunk and given up
    just past ``limit``; a corrupt stream counts what inflated before the damage."""
    f.seek(offset)
    chain = [zlib.decompressobj() for _ in range(layers)]
    total = 0

    def push(level: int, data: bytes) -> None:
        nonlocal total
        d = chain[level]
        while not d.eof:
            out = d.decompress(data, _CHUNK)
            data = d.unconsumed_tail
            if level + 1 < len(chain):
                push(level + 1, out)
            else:
                total += len(out)
            if total > limit:
                raise OverflowError
            if not data and len(out) < _CHUNK:
                break

    read = 1 << 14
    try:
        while not chain[0].eof:
            data = f.read(read)
            if not data:
                break
            push(0, data)
            read = min(_CHUNK, read * 4)
    except OverflowError:
        pass
    except zlib.error:
        pass
    return total


# ---------------------------------------------------------------------------------------------- PDF

def _open_pdf(path: Path, scan: PdfScan | None = None):
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
        if scan is None:
            scan = PdfScan(encrypt_marker=_file_contains(path, rb"/Encrypt"),
                           empty_tree_marker=_file_contains(path, rb"/Count\s+0\b"))
        if scan.encrypt_marker:
            raise InputFileError(str(path), "encrypted PDF (password required)") from None
        if "PDFium: Success" in msg or scan.empty_tree_marker:
            raise InputFileError(str(path), "PDF has no pages (empty page tree)") from None
        raise InputFileError(str(path), f"corrupt or unreadable PDF ({msg})") from None


def _file_contains(path: Path, pattern: bytes) -> bool:
    """Whether the file's bytes match ``pattern`` (a short regex), read chunk by chunk."""
    regex = re.compile(pattern)
    tail = b""
    with open(path, "rb") as f:
        for data in iter(lambda: f.read(_CHUNK), b""):
            if regex.search(tail + data):
                return True
            tail = data[-64:]
    return False


def _pdf_page_count(path: Path, scan: PdfScan | None = None) -> int:
    pdf = _open_pdf(path, scan)
    try:
        return len(pdf)
    finally:
        pdf.close()


def _pdf_pages(doc: SourceDocument) -> Iterator[SourcePage]:
    pdf = _open_pdf(doc.path)
    trust = FontTrust()
    try:
        for i in range(len(pdf)):
            try:
                page = pdf[i]
            except Exception as e:  # a /Kids entry that is not a page, a loop in the page tree …
                raise InputFileError(str(doc.path), f"page {i + 1} cannot be loaded (broken page tree: {e})") from None
            open_page = [page]  # the text-layer check renders regions of the page while it is being read
            try:
                scale = doc.settings.dpi / 72.0
                try:
                    frame = page_frame(page, scale)
                    chars, frame, unmapped = _text_layer(page, frame, i + 1)
                    objects = _page_objects(page, frame)
                except Exception as e:
                    raise InputFileError(str(doc.path), f"page {i + 1} cannot be read ({e})") from None
                width, height = int(round(frame.width)), int(round(frame.height))

                def render(path=doc.path, number=i + 1, rotation=frame.turn, size_pt=(frame.width / scale,
                           frame.height / scale), largest_image=objects.largest_image, settings=doc.settings):
                    # opens the file again: the page may be long closed when a stage asks for its image
                    dpi = render_dpi(str(path), number, size_pt, largest_image, settings)
                    try:
                        return render_page(path, number, dpi, rotation), dpi
                    except InputFileError:
                        raise
                    except Exception as e:  # pdfium raises plain exceptions on broken content streams
                        raise InputFileError(str(path), f"page {number} cannot be rendered ({e})") from None

                def region(box, frame=frame, scale=scale, open_page=open_page):
                    if not open_page:
                        raise RuntimeError("page closed")
                    return _render_region(open_page[0], frame, scale, box)

                # a page with nothing drawn on it is read as it is (empty), never rendered: however large
                blank = objects.count == 0 and not chars and not unmapped
                body = [c for c in chars if not is_watermark_char(c)]
                doubts = glyph_doubts(body, unmapped=unmapped) if not blank else []
                yield SourcePage(number=i + 1, dpi=doc.settings.dpi, width=width, height=height, chars=chars,
                                 rules=objects.rules, text_mode=blank or (text_layer_is_real(
                                     chars, objects.image_cover, objects.invisible_text)),
                                 image_cover=objects.image_cover, rotation=frame.turn, text_doubts=doubts,
                                 font_trust=trust, _render=render, _region=region)
            finally:
                open_page.clear()
                page.close()
    finally:
        pdf.close()


def _render_region(page, frame: "PageFrame", scale: float, box) -> np.ndarray:
    """``box`` (pixels of the page's frame) rendered from the open pdfium page, white beyond the page."""
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    W, H = int(round(frame.width)), int(round(frame.height))
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
    out = np.full((max(1, y1 - y0), max(1, x1 - x0), 3), 255, np.uint8)
    if cx1 - cx0 < 2 or cy1 - cy0 < 2:
        return out
    crop = (cx0 / scale, (frame.height - cy1) / scale, (frame.width - cx1) / scale, cy0 / scale)
    bitmap = page.render(scale=scale, rotation=frame.turn, crop=crop)
    image = _to_bgr(bitmap.to_numpy(), getattr(bitmap, "mode", "BGR"))
    h, w = min(image.shape[0], cy1 - cy0), min(image.shape[1], cx1 - cx0)
    out[cy0 - y0:cy0 - y0 + h, cx0 - x0:cx0 - x0 + w] = image[:h, :w]
    return out


def render_dpi(path: str, number: int, size_pt: tuple[float, float], largest_image: tuple[int, int],
               settings: IngestSettings) -> int:
    """The dpi to render a page at: ``settings.dpi``, lowered so the page fits ``max_pixels`` (a 44-inch
    page), refused below ``min_render_dpi`` or when an image on it is too large to decode."""
    w_in, h_in = size_pt[0] / 72.0, size_pt[1] / 72.0
    image_px = largest_image[0] * largest_image[1]
    if image_px > settings.max_image_pixels:
        raise LimitExceeded(path, f"page {number} holds an image of {largest_image[0]}×{largest_image[1]} pixels "
                                  f"(limit {settings.max_image_pixels:,} pixels)")
    dpi = settings.dpi
    pixels = w_in * h_in * dpi * dpi
    if pixels > settings.max_pixels:
        dpi = int(dpi * math.sqrt(settings.max_pixels / pixels))
        if dpi < settings.min_render_dpi:
            at_min = int(w_in * h_in * settings.min_render_dpi ** 2)
            raise LimitExceeded(path, f"page {number} is {w_in:.1f}×{h_in:.1f} in: it would render to "
                                      f"{int(pixels):,} pixels at {settings.dpi} dpi and {at_min:,} even at "
                                      f"{settings.min_render_dpi} dpi (limit {settings.max_pixels:,} pixels)")
    return dpi


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
    """Use the text layer when it is real: enough characters, and not an invisible OCR layer laid over a
    scanned image (garbage glyph mappings: :func:`textcheck.glyph_doubts`)."""
    body = [c for c in chars if not is_watermark_char(c)]
    if len(body) < 8:
        return False
    if invisible_text and image_cover > 0.5:
        return False
    return True


def is_watermark_char(c: TextChar) -> bool:
    """Watermark text objects (“仅供内部审核”): rotated glyphs or light-grey fill."""
    return 5 < abs(c.angle) < 355 or c.fill_grey >= 150


@dataclass
class PageObjects:
    rules: list  # layout.Segment
    image_cover: float = 0.0  # share of the page covered by image objects
    invisible_text: bool = False
    largest_image: tuple[int, int] = (0, 0)  # pixel size of the largest embedded image
    count: int = 0  # page objects, those inside forms included


def _page_objects(page, frame: PageFrame) -> PageObjects:
    """Rule segments from vector paths, the share of the page covered by images, invisible text, the largest
    image. Objects inside form XObjects are placed through the forms' matrices."""
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
    largest = (0, 0)
    if not boxes:
        return PageObjects(rules)  # nothing drawn: a blank page
    scale = math.hypot(frame.xx, frame.yx)  # pixels per point
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    img_w, img_h = ctypes.c_uint(), ctypes.c_uint()
    mapped = frame.boxes(np.asarray([bx[1:5] for bx in boxes], dtype=np.float64)).tolist()
    for (kind, *_, obj), (x0, y0, x1, y1) in zip(boxes, mapped):
        w, h = (x1 - x0) / scale, (y1 - y0) / scale  # points, as the page is read
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            image_area += max(0.0, x1 - x0) * max(0.0, y1 - y0)
            if pdfium_c.FPDFImageObj_GetImagePixelSize(obj, ctypes.byref(img_w), ctypes.byref(img_h)):
                if img_w.value * img_h.value > largest[0] * largest[1]:
                    largest = (img_w.value, img_h.value)
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
    return PageObjects(rules, image_area / max(1.0, frame.width * frame.height), invisible, largest, len(boxes))


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


def _text_layer(page, frame: PageFrame, number: int = 0) -> tuple[list[TextChar], PageFrame, int]:
    """Characters of the page's text layer with their boxes (pixels), direction, fill colour and — for
    digits — font, in the frame that sets most of the text upright (returned with them); and the number of
    glyphs pdfium found no character for."""
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
        texts, boxes, dirs, greys, sizes, fonts = [], [], [], [], [], []
        unmapped = 0
        run_font = ""  # the glyphs of one number share the font of its first glyph
        font_names: dict[int, str] = {}
        for k in range(n):
            code = get_unicode(raw, k)
            if code in (10, 13) or not get_box(raw, k, *box_args):
                continue
            if code == 0:
                unmapped += 1
                continue
            if get_matrix(raw, k, p_matrix) and (matrix.a or matrix.b):
                dirs.append((matrix.a, matrix.b))
            else:
                dirs.append((1.0, 0.0))
            grey = 0
            if get_fill(raw, k, *colour_args):
                alpha = aa.value / 255.0
                grey = int(round(255 - alpha * (255 - (0.299 * rr.value + 0.587 * gg.value + 0.114 * bb.value))))
            if amount_glyph(code):
                if not run_font:
                    run_font = _font_of(pdfium_c, raw, k, font_names, number)
                fonts.append(run_font)
            else:
                run_font = ""
                fonts.append("")
            texts.append(chr(code))
            boxes.append((left.value, bottom.value, right.value, top.value))
            greys.append(grey)
            sizes.append(get_size(raw, k))
    finally:
        textpage.close()
    if not texts:
        return [], frame, unmapped
    d = np.asarray(dirs, dtype=np.float64)
    dark = np.asarray(greys) < 150
    frame = frame.turned(upright_turn(frame.angles(d)[dark & np.asarray([bool(t.strip()) for t in texts])]))
    cols = frame.boxes(np.asarray(boxes, dtype=np.float64)).T.tolist() + [frame.angles(d).tolist()]
    return [TextChar(ch, x0, y0, x1, y1, angle, grey, size, font)
            for ch, x0, y0, x1, y1, angle, grey, size, font in zip(texts, *cols, greys, sizes, fonts)], frame, unmapped


def _font_of(pdfium_c, textpage, index: int, names: dict[int, str], page_number: int) -> str:
    """A name for the font drawing character ``index``, the same on every page that uses the same font:
    its PostScript name and flags (fonts without a name — Type 3 — are known on their page only)."""
    import ctypes

    obj = pdfium_c.FPDFText_GetTextObject(textpage, index)
    font = pdfium_c.FPDFTextObj_GetFont(obj) if obj else None
    if not font:
        return f"p{page_number}:?"
    address = ctypes.cast(font, ctypes.c_void_p).value or 0
    name = names.get(address)
    if name is None:
        buf = ctypes.create_string_buffer(256)
        size = pdfium_c.FPDFFont_GetBaseFontName(font, buf, 256)
        base = buf.value.decode("latin-1") if size > 1 else ""
        flags = pdfium_c.FPDFFont_GetFlags(font)
        name = f"{base}/{flags}/{pdfium_c.FPDFFont_GetIsEmbedded(font)}" if base else f"p{page_number}:{address:x}"
        names[address] = name
    return name


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
            bgr = _decoded(doc.path, i + 1, frame)
            yield SourcePage(number=i + 1, dpi=dpi, width=bgr.shape[1], height=bgr.shape[0], _image=bgr)


def _decoded(path: Path, number: int, frame) -> np.ndarray:
    """One image frame as BGR; a truncated or corrupt image is an error naming the file and the frame."""
    try:
        return np.ascontiguousarray(np.asarray(frame.convert("RGB"))[:, :, ::-1])
    except (OSError, ValueError, SyntaxError) as e:  # PIL: "image file is truncated", broken chunks …
        where = f"page {number}: " if number > 1 else ""
        raise InputFileError(str(path), f"{where}image data truncated or corrupt ({e})") from None


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
                return turn_image(_decoded(path, page_number, frame), rotation)
    raise InputFileError(str(path), f"no page {page_number}")
