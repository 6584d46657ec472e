#!/usr/bin/env python3
"""Make the malformed-input corpus that the batch must survive (issue 12).

    python scripts/make_malformed.py OUT [--seed 12] [--bomb-mb 200]

Writes ``OUT/corpus/`` (one folder to give to ``disclosure extract``), ``OUT/dup/`` (a second folder whose
file has the same relative path as one in corpus/) and ``OUT/manifest.json``: one entry per input with what
must happen to it:

- ``expect``: ``ok`` (extracted), ``failed`` (a one-line reason), or ``ok_or_failed`` (either, but never an
  internal error and never a hang);
- ``reason``: words the failure reason must contain (``ok`` entries: none);
- ``same_as``: the committed sample whose clean extraction the output must equal (tables and checks);
- ``owner``: ``batch`` or ``ingest`` — which stage is responsible for the expectation.

Inputs: truncations and seeded byte flips of a committed sample, an encrypted PDF, a zero-page PDF, the
sample with /Rotate 90/180/270 and with its content drawn rotated then turned upright by /Rotate 270,
compressed content bombs, huge declared page sizes, truncated and oversized images, odd file names (spaces,
Chinese, a newline, a leading dash, a very long name, bytes that are not UTF-8), links (to a good file,
dangling, a loop, to /dev/zero and /dev/null, to a folder), a FIFO, an empty file, a text file named .pdf.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from pipeline.fsutil import printable  # noqa: E402  (the form reports use for names)
GOOD = "s04_health_2023_digital.pdf"  # born-digital: fast to extract, every page has tables
GOOD2 = "s03_education_2024_digital_wm.pdf"


def _pdf(objects: list[bytes]) -> bytes:
    """A well-formed PDF from numbered object bodies (1 0 obj … is objects[0]); root is object 1."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _stream(data: bytes, compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def one_page_pdf(width_pt: float, height_pt: float, content: bytes, compress: bool = False) -> bytes:
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Contents 4 0 R /Resources << >> >>"
        % (width_pt, height_pt),
        _stream(content, compress),
    ])


def zero_page_pdf() -> bytes:
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


def bomb_pdf(megabytes: int) -> bytes:
    """A4 page whose content stream inflates to ``megabytes`` MB of drawing operators (a few hundred KB on
    disk): a path of ``megabytes`` × 30,000 tiny line segments, the content-bomb shape a reader must bound."""
    unit = b"10 10 m 11 11 l S\n" * 1000  # 18 kB; repeated ⇒ deflate ratio ~ 1000:1
    content = unit * (megabytes * 1_000_000 // len(unit))
    return one_page_pdf(595, 842, content, compress=True)


def rotated_pdfs(src: Path) -> dict[str, bytes]:
    """The sample with /Rotate 90/180/270 (displays turned), and drawn turned with /Rotate 270 (displays
    upright, the shape scanners and some PDF tools produce)."""
    from pypdf import PdfReader, PdfWriter, Transformation

    out = {}
    for angle in (90, 180, 270):
        writer = PdfWriter(clone_from=PdfReader(src))
        for page in writer.pages:
            page.rotate(angle)
        buf = io.BytesIO()
        writer.write(buf)
        out[f"rotate{angle}.pdf"] = buf.getvalue()
    writer = PdfWriter(clone_from=PdfReader(src))
    for page in writer.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        x0, y0 = float(page.mediabox.left), float(page.mediabox.bottom)
        # content turned 90° counter-clockwise into a landscape box; /Rotate 270 turns it back upright
        page.add_transformation(Transformation().translate(-x0, -y0).rotate(90).translate(h, 0))
        page.mediabox.lower_left = (0, 0)
        page.mediabox.upper_right = (h, w)
        page.cropbox.lower_left = (0, 0)
        page.cropbox.upper_right = (h, w)
        page[_name("/Rotate")] = _number(270)
    buf = io.BytesIO()
    writer.write(buf)
    out["drawn_turned_rotate270.pdf"] = buf.getvalue()
    return out


def _name(s: str):
    from pypdf.generic import NameObject

    return NameObject(s)


def _number(n: int):
    from pypdf.generic import NumberObject

    return NumberObject(n)


def encrypted_pdf(src: Path) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def flip_bytes(data: bytes, rng: random.Random, count: int) -> bytes:
    """``count`` random bytes replaced, away from the header (so the file still says it is a PDF)."""
    b = bytearray(data)
    for _ in range(count):
        i = rng.randrange(64, len(b))
        b[i] = rng.randrange(256)
    return bytes(b)


def png_bytes(width: int, height: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buf, format="PNG")
    return buf.getvalue()


def huge_png_header(width: int, height: int) -> bytes:
    """A PNG that declares width × height pixels but holds one tiny compressed row: a decompression bomb
    by declaration."""
    import struct

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(b"\x00" + b"\xff" * min(width, 4096))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def make(out: Path, seed: int = 12, bomb_mb: int = 200) -> list[dict]:
    rng = random.Random(seed)
    corpus, dup = out / "corpus", out / "dup"
    for d in (corpus, dup):
        if d.exists() or d.is_symlink():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    good = (ROOT / "samples" / GOOD).read_bytes()
    good2 = (ROOT / "samples" / GOOD2).read_bytes()
    entries: list[dict] = []

    def add(name: str | bytes, data: bytes | None, expect: str, reason: str = "", same_as: str = "",
            owner: str = "batch", folder: Path = corpus, note: str = "") -> Path:
        path = Path(os.fsdecode(os.path.join(os.fsencode(folder), os.fsencode(name))))
        if data is not None:
            path.write_bytes(data)
        rel = path.relative_to(folder).as_posix()
        entries.append({"folder": folder.name, "rel": printable(rel), "rel_hex": os.fsencode(rel).hex(), "expect": expect,
            "reason": reason, "same_as": same_as, "owner": owner, "note": note})
        return path

    # good files (the clean run of the sample is the reference)
    add("good.pdf", good, "ok", same_as=GOOD)
    add("good_wm.pdf", good2, "ok", same_as=GOOD2)
    # odd names: the bytes of the name are kept, the report shows them escaped
    add("with space 名称.pdf", good, "ok", same_as=GOOD)
    add("line\nbreak.pdf", good, "ok", same_as=GOOD, note="a newline in a name must not split a summary line")
    add("-leading-dash.pdf", good, "ok", same_as=GOOD)
    add("l" * 200 + ".pdf", good, "ok", same_as=GOOD, note="a 204-byte name (its .json is 209 bytes)")
    if sys.platform != "darwin":  # macOS refuses names that are not UTF-8
        add(b"caf\xe9-latin1.pdf", good, "ok", same_as=GOOD, note="file name bytes that are not UTF-8")
        add(b"gbk-\xb2\xbf\xc3\xc5.pdf", good, "ok", same_as=GOOD, note="a GBK-encoded name (部门)")
    # links
    os.symlink("good.pdf", corpus / "link_to_good.pdf")
    add("link_to_good.pdf", None, "ok", same_as=GOOD, note="a symbolic link to a good file is followed")
    os.symlink("no-such-target.pdf", corpus / "dangling.pdf")
    add("dangling.pdf", None, "failed", reason="dangling link")
    os.symlink("loop_b.pdf", corpus / "loop_a.pdf")
    os.symlink("loop_a.pdf", corpus / "loop_b.pdf")
    add("loop_a.pdf", None, "failed", reason="link loop")
    add("loop_b.pdf", None, "failed", reason="link loop")
    for dev in ("zero", "null"):
        if os.path.exists(f"/dev/{dev}"):
            os.symlink(f"/dev/{dev}", corpus / f"dev_{dev}.pdf")
            add(f"dev_{dev}.pdf", None, "failed", reason="not a regular file")
    (corpus / "folder_target").mkdir()
    (corpus / "folder_target" / "inner.pdf").write_bytes(good)
    add("folder_target/inner.pdf", None, "ok", same_as=GOOD)
    os.symlink("folder_target", corpus / "folder_link")
    add("folder_link", None, "failed", reason="link to a folder")
    if hasattr(os, "mkfifo"):
        os.mkfifo(corpus / "fifo.pdf")
        add("fifo.pdf", None, "failed", reason="not a regular file", note="opening it for reading would block")
    # same relative path as corpus/good.pdf
    add("good.pdf", good, "failed", reason="same relative path", folder=dup)
    # broken files
    add("empty.pdf", b"", "failed", reason="empty file")
    add("text_named.pdf", "这不是PDF文件\n".encode(), "failed", reason="not a PDF")
    add("zero_pages.pdf", zero_page_pdf(), "failed", reason="no pages")
    try:
        add("encrypted.pdf", encrypted_pdf(ROOT / "samples" / GOOD), "failed", reason="encrypted")
    except ImportError:
        print("pypdf missing: encrypted.pdf and rotated PDFs not made (pip install '.[test]')", file=sys.stderr)
    for frac in (0.1, 0.5, 0.9, 0.999):
        add(f"truncated_{int(frac * 1000):04d}.pdf", good[:int(len(good) * frac)], "ok_or_failed", owner="ingest",
            note="pdfium may rebuild the cross-reference table; what it cannot read must fail with a reason")
    for k in range(4):
        add(f"flipped_{k}.pdf", flip_bytes(good, rng, 20 * (k + 1)), "ok_or_failed", owner="ingest",
            note="seeded byte flips")
    # limits
    add("page_200in.pdf", one_page_pdf(14400, 14400, b"0 0 m 10 10 l S"), "failed", reason="pixels",
        owner="ingest", note="declared page size over the pixel limit")
    add("blank_44in.pdf", one_page_pdf(3168, 3168, b""), "ok_or_failed", owner="ingest",
        note="a page just under the pixel limit must not take gigabytes")
    add("content_bomb.pdf", bomb_pdf(bomb_mb), "failed", reason="content", owner="ingest",
        note=f"{bomb_mb} MB of operators inflated from a small stream")
    add("huge_declared.png", huge_png_header(30000, 30000), "failed", reason="pixels", owner="ingest")
    add("dot.png", png_bytes(1, 1), "failed", reason="too small")
    add("truncated.png", png_bytes(1200, 900)[:400], "failed", reason="image", owner="ingest",
        note="a truncated image gets a proper reason, not an internal error")
    # rotation
    try:
        for name, data in rotated_pdfs(ROOT / "samples" / GOOD).items():
            add(name, data, "ok", same_as=GOOD, owner="ingest", note="page rotation must be honoured")
    except ImportError:
        pass
    (out / "manifest.json").write_text(json.dumps({"seed": seed, "bomb_mb": bomb_mb, "entries": entries},
                                                  ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return entries


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--bomb-mb", type=int, default=200, help="inflated size of the content bomb")
    args = ap.parse_args(argv)
    entries = make(args.out, args.seed, args.bomb_mb)
    kinds = {}
    for e in entries:
        kinds[e["expect"]] = kinds.get(e["expect"], 0) + 1
    print(f"{len(entries)} entries in {args.out}: " + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
