#!/usr/bin/env python3
"""Damage the text layer of a born-digital PDF the way broken producers and bit rot do, and measure what the
pipeline makes of it (issue 12 item 4).

    python scripts/corrupt_fonts.py OUT [--sources A.pdf B.pdf …] [--pages 2] [--variants 50] [--seed 1] [--measure]

Every variant rewrites the ToUnicode CMaps of the fonts that print digits (the glyphs stay as they are, so
the page still *looks* right while its text layer lies):

- ``shift``    every digit maps to the next one (a bfrange destination one off: 1→2, 9→:);
- ``permute``  the digits are shuffled (a well-formed amount with the wrong digits);
- ``latin1``   digits map to Latin-1 symbols (``ª±,¬¨¨.¬ª``, as in the issue);
- ``pua``      digits map to private-use code points;
- ``cjk``      digits map to CJK ideographs;
- ``flip``     random hex digits of the CMap text flipped (what bit rot does to a CMap);
- ``drop``     the ToUnicode CMap removed (pdfium falls back to the glyph names).

The sources are cut into a few pages each (``--pages``) and every variant damages one such piece. With
``--measure`` each variant is extracted and compared with the clean extraction of its undamaged piece: the
amounts whose value changed, and how many of those are flagged or in a failing identity (the target is all of
them), the pages sent to OCR and the cells flagged.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KINDS = ("shift", "permute", "latin1", "pua", "cjk", "flip", "drop")
_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def parse_cmap(data: bytes) -> dict[int, str]:
    """A ToUnicode CMap's bfchar/bfrange entries → {code: text}."""
    out: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(src, 16)] = _utf16(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])", block):
            lo, hi = int(lo, 16), int(hi, 16)
            if dst.startswith(b"["):
                for k, d in enumerate(_HEX.findall(dst)):
                    out[lo + k] = _utf16(d)
            else:
                first = _utf16(dst[1:-1])
                for k in range(hi - lo + 1):
                    out[lo + k] = first[:-1] + chr(ord(first[-1]) + k) if first else ""
    return out


def _utf16(hexdigits: bytes) -> str:
    raw = bytes.fromhex(hexdigits.decode())
    try:
        return raw.decode("utf-16-be")
    except UnicodeDecodeError:
        return "\ufffd"


def write_cmap(mapping: dict[int, str], code_bytes: int) -> bytes:
    width = 2 * code_bytes
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
             b"1 begincodespacerange", b"<%s> <%s>" % (b"0" * width, b"F" * width), b"endcodespacerange"]
    items = sorted(mapping.items())
    for i in range(0, len(items), 100):
        chunk = items[i:i + 100]
        lines.append(b"%d beginbfchar" % len(chunk))
        for code, text in chunk:
            lines.append(b"<%0*X> <%s>" % (width, code, text.encode("utf-16-be").hex().upper().encode()))
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines) + b"\n"


def corrupt_mapping(mapping: dict[int, str], kind: str, rng: random.Random) -> dict[int, str]:
    digits = "0123456789"
    if kind == "shift":
        table = {d: chr(ord(d) + 1) for d in digits}
    elif kind == "permute":
        shuffled = list(digits)
        while "".join(shuffled) == digits:
            rng.shuffle(shuffled)
        table = dict(zip(digits, shuffled))
    elif kind == "latin1":
        table = {d: chr(0xA8 + i) for i, d in enumerate(digits)}  # ¨ © ª « ¬ ­ ® ¯ ° ±
    elif kind == "pua":
        table = {d: chr(0xE000 + i) for i, d in enumerate(digits)}
    elif kind == "cjk":
        table = {d: c for d, c in zip(digits, "〇一二三四五六七八九")}
    else:
        raise ValueError(kind)
    return {code: "".join(table.get(ch, ch) for ch in text) for code, text in mapping.items()}


def flip_hex(data: bytes, rng: random.Random, count: int) -> bytes:
    """``count`` hex digits inside the CMap's <…> tokens changed."""
    spots = [m.start(1) + k for m in _HEX.finditer(data) for k in range(len(m.group(1)))]
    b = bytearray(data)
    for i in rng.sample(spots, min(count, len(spots))):
        b[i] = ord(rng.choice([c for c in "0123456789ABCDEF" if ord(c) != b[i]]))
    return bytes(b)


def corrupt_pdf(src: Path, dst: Path, kind: str, seed: int, share: float = 1.0) -> int:
    """Write ``dst``: ``src`` with the ToUnicode CMaps of (a ``share`` of) its digit-printing fonts damaged
    by ``kind``. Returns how many fonts were damaged."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    rng = random.Random(seed)
    writer = PdfWriter(clone_from=str(src))
    done: dict[int, bool] = {}
    damaged = 0
    for page in writer.pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font")
        if not fonts:
            continue
        for _, ref in fonts.get_object().items():
            key = getattr(ref, "idnum", id(ref))
            if key in done:
                continue
            font = ref.get_object()
            done[key] = False
            tu = font.get("/ToUnicode")
            if tu is None:
                continue
            data = tu.get_object().get_data()
            mapping = parse_cmap(data)
            if not any(ch.isdigit() for text in mapping.values() for ch in text) or rng.random() > share:
                continue
            done[key] = True
            damaged += 1
            if kind == "drop":
                del font[NameObject("/ToUnicode")]
                continue
            if kind == "flip":
                new = flip_hex(data, rng, max(2, len(mapping) // 4))
            else:
                code_bytes = 2 if re.search(rb"<[0-9A-Fa-f]{4}>\s*<[0-9A-Fa-f]{4}>\s*endcodespacerange", data) else 1
                new = write_cmap(corrupt_mapping(mapping, kind, rng), code_bytes)
            stream = DecodedStreamObject()
            stream.set_data(new)
            font[NameObject("/ToUnicode")] = writer._add_object(stream)
    with open(dst, "wb") as f:
        writer.write(f)
    return damaged


def measure(path: Path, reference) -> dict:
    """Amount cells whose value differs from ``reference`` (a Document: the truth, or the clean extraction of
    the undamaged file), and how many of them the output flags (review) or puts in a failing identity;
    pages sent to OCR."""
    from pipeline.extract import extract_document

    doc = extract_document(path)
    failing = {tuple(ref) for c in doc.checks if not c.ok for ref in c.cells}
    changed = caught = 0
    missed = []
    by_title = {t.title: t for t in reference.tables}
    pairs = list(zip(doc.tables, reference.tables)) if len(doc.tables) == len(reference.tables) else \
        [(t, by_title[t.title]) for t in doc.tables if t.title in by_title]
    for t, ref in pairs:
        for ri, (row, trow) in enumerate(zip(t.rows, ref.rows)):
            for ci, (cell, tcell) in enumerate(zip(row.cells, trow.cells)):
                if tcell.value is None:
                    continue  # not an amount (labels, codes, 行次, blanks)
                if cell.value is not None and abs(cell.value - tcell.value) < 0.005:
                    continue
                changed += 1
                if cell.review or (t.id, ri, ci) in failing:
                    caught += 1
                else:
                    missed.append((t.title, ri, ci, tcell.text, cell.text, round(cell.confidence, 3)))
    return {"changed": changed, "caught": caught, "missed": missed,
            "ocr_pages": sum(p.mode == "ocr" for p in doc.pages), "pages": len(doc.pages),
            "flagged": sum(c.review for *_, c in doc.cells()), "cells": sum(1 for _ in doc.cells())}


def page_chunks(sources: list[Path], size: int, out: Path) -> list[Path]:
    """Every source cut into PDFs of ``size`` consecutive pages (the damaged variants stay quick to OCR)."""
    from pypdf import PdfReader, PdfWriter

    chunks = []
    for src in sources:
        n = len(PdfReader(src).pages)
        for start in range(0, n, size):
            reader, writer = PdfReader(src), PdfWriter()
            for page in reader.pages[start:start + size]:
                writer.add_page(page)
            path = out / f"{src.stem}.p{start + 1}.pdf"
            with open(path, "wb") as f:
                writer.write(f)
            chunks.append(path)
    return chunks


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--sources", type=Path, nargs="+", default=[ROOT / "samples" / "s04_health_2023_digital.pdf"])
    ap.add_argument("--pages", type=int, default=2, help="pages per damaged variant (0: whole documents)")
    ap.add_argument("--variants", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--measure", action="store_true")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    chunks = page_chunks(args.sources, args.pages, args.out) if args.pages else list(args.sources)
    references: dict[Path, object] = {}
    totals = {"changed": 0, "caught": 0, "ocr_pages": 0, "pages": 0, "flagged": 0, "cells": 0}
    made = 0
    for k in range(args.variants * 3):
        if made == args.variants:
            break
        src = chunks[k % len(chunks)]
        kind = KINDS[k % len(KINDS)]
        share = (1.0, 0.5)[(k // len(KINDS)) % 2]
        path = args.out / f"{src.stem}.{k:03d}.{kind}.pdf"
        damaged = corrupt_pdf(src, path, kind, args.seed * 1000 + k, share)
        if not damaged:
            path.unlink()
            continue  # no font on these pages prints digits
        made += 1
        line = f"{path.name}: {damaged} fonts damaged ({kind}, share {share})"
        if args.measure:
            from pipeline.extract import extract_document

            if src not in references:
                references[src] = extract_document(src)
            m = measure(path, references[src])
            for key in totals:
                totals[key] += m[key]
            line += (f"; {m['changed']} amounts changed, {m['caught']} flagged or failing, "
                     f"{m['ocr_pages']}/{m['pages']} pages OCR'd, {m['flagged']}/{m['cells']} cells flagged")
            for miss in m["missed"][:3]:
                line += f"\n    missed: {miss}"
        print(line, flush=True)
    if args.measure:
        share = totals["caught"] / totals["changed"] if totals["changed"] else 1.0
        print(f"TOTAL {made} variants: {totals['changed']} changed amounts, {totals['caught']} flagged or in a "
              f"failing identity ({100 * share:.1f} %); {totals['ocr_pages']}/{totals['pages']} pages OCR'd; "
              f"{totals['flagged']}/{totals['cells']} cells flagged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
