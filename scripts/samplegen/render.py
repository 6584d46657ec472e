"""Chromium (via Playwright) for measuring and printing; pypdfium2 for rasterising and the text layer."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

from pipeline.fsutil import atomic_write

CHROMIUM = os.environ.get("DISCLOSURE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


class Printer:
    """One Chromium for a whole run (launching costs ~1 s)."""

    def __enter__(self) -> "Printer":
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as e:
            self._pw.stop()
            raise RuntimeError(f"{CHROMIUM}: cannot launch Chromium for printing ({e})") from e
        self._page = self._browser.new_page()
        return self

    def __exit__(self, *exc) -> None:
        self._browser.close()
        self._pw.stop()

    def evaluate(self, html: str, script: str):
        self._page.set_content(html, wait_until="load")
        self._page.evaluate("document.fonts.ready")
        return self._page.evaluate(script)

    def pdf(self, html: str, path: Path) -> None:
        self._page.set_content(html, wait_until="load")
        self._page.evaluate("document.fonts.ready")
        atomic_write(path, lambda tmp: self._page.pdf(path=str(tmp), prefer_css_page_size=True, print_background=True))


def rasterise(pdf_path: Path, dpi: int) -> list[np.ndarray]:
    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        out = []
        for i in range(len(doc)):
            bitmap = doc[i].render(scale=dpi / 72.0)
            out.append(np.asarray(bitmap.to_pil().convert("RGB")).copy())
        return out
    finally:
        doc.close()


def page_sizes(pdf_path: Path) -> list[tuple[float, float]]:
    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        return [tuple(doc[i].get_size()) for i in range(len(doc))]
    finally:
        doc.close()


@dataclass(frozen=True)
class Word:
    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels at the requested dpi, top-left origin


_AMOUNT = re.compile(r"^-?[\d,]*\d\.\d{2}$")


def text_words(pdf_path: Path, dpi: int) -> list[list[Word]]:
    """Words (runs of non-space characters on one line) of every page, from the text layer."""
    doc = pdfium.PdfDocument(str(pdf_path))
    scale = dpi / 72.0
    pages: list[list[Word]] = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            height = page.get_size()[1]
            tp = page.get_textpage()
            words: list[Word] = []
            chars: list[str] = []
            box: list[float] | None = None
            for k in range(tp.count_chars()):
                ch = tp.get_text_range(k, 1)
                if not ch or ch.isspace():
                    if chars and box:
                        words.append(Word("".join(chars), tuple(box)))
                    chars, box = [], None
                    continue
                left, bottom, right, top = tp.get_charbox(k)
                b = [left * scale, (height - top) * scale, right * scale, (height - bottom) * scale]
                if box is not None:
                    word_h = box[3] - box[1]
                    overlaps = min(box[3], b[3]) - max(box[1], b[1]) > 0
                    if not overlaps or b[0] < box[2] - 0.5 * word_h or b[0] - box[2] > 0.6 * word_h:
                        words.append(Word("".join(chars), tuple(box)))
                        chars, box = [], None
                chars.append(ch)
                box = b if box is None else [min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]), max(box[3], b[3])]
            if chars and box:
                words.append(Word("".join(chars), tuple(box)))
            tp.close()
            pages.append(words)
        return pages
    finally:
        doc.close()


def amount_boxes(words: list[Word]) -> list[tuple[float, float, float, float]]:
    """Boxes of the printed amounts of a page (where seals go)."""
    return [w.box for w in words if _AMOUNT.match(w.text)]
