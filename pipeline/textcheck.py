"""Is a PDF's text layer telling the truth? (issue 12 item 4)

A damaged font map (ToUnicode CMap) keeps the page looking right while its text layer lies: digits come out
as ``ª±,¬¨¨.¬ª``, as CJK numerals, as private-use code points, or — worst — as other digits. Three checks,
cheapest first, send a page whose text layer fails them to OCR (``pages[].mode == "ocr"``, with the reason's
code on ``pages[].reasons``: ``text_layer_glyphs``, ``text_layer_shapes``, ``text_layer_digits``; the checks
return ``"code: evidence"``):

1. glyphs (:func:`glyph_doubts`, at ingest): unmapped glyphs (no Unicode, U+FFFD, control codes, private use)
   and characters no Chinese disclosure prints (Latin-1 symbols, other scripts) among the page's glyphs;
2. shapes (:func:`shape_doubts`, on the cells): amounts printed without digits (``一,二三四.五六``);
3. digits (:func:`verify_digits`): a few numeric cells are rendered and recognised, and their digits compared
   with the text layer's. What is learnt is kept per font for the whole document (:class:`FontTrust`): a font
   whose digits read right is trusted on every later page, one whose digits read wrong condemns every page that
   prints digits with it. Real documents use a handful of fonts, so this costs one small render and one
   recognition batch per document, not per page.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

# what Chinese government disclosures print: ASCII, CJK (ideographs, radicals, punctuation, full-width forms,
# compatibility forms), general punctuation and the symbols of tables (№ ℃ Ⅰ ① → ≥ ─ ■ ★ ✓ ㎡ …)
_EXPECTED = [
    (0x0020, 0x007E), (0x00A0, 0x00A0), (0x00A7, 0x00A7), (0x00B0, 0x00B1), (0x00B7, 0x00B7), (0x00D7, 0x00D7),
    (0x00F7, 0x00F7), (0x0391, 0x03C9), (0x2000, 0x206F), (0x20AC, 0x20AC), (0x2100, 0x218F), (0x2190, 0x23FF),
    (0x2460, 0x27BF), (0x2E80, 0x2FDF), (0x3000, 0x30FF), (0x3200, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF), (0xFE10, 0xFE1F), (0xFE30, 0xFE6F), (0xFF00, 0xFFEF), (0x20000, 0x3134F),
]
_STARTS = [a for a, _ in _EXPECTED]


def expected_char(ch: str) -> bool:
    import bisect

    o = ord(ch)
    i = bisect.bisect_right(_STARTS, o) - 1
    return i >= 0 and o <= _EXPECTED[i][1]


_CJK_NUMERALS = frozenset(map(ord, "〇零一二三四五六七八九十"))


def amount_glyph(code: int) -> bool:
    """A glyph that may stand where an amount is printed: anything but CJK ideographs, radicals and
    punctuation and whitespace — so the digits of a damaged font map, whatever they turned into (Latin-1,
    full-width forms, control codes, private use, CJK numerals), are kept with their font."""
    if code in _CJK_NUMERALS:
        return True
    return not (chr(code).isspace() or 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF
                or 0x20000 <= code <= 0x3134F)


def unmapped_char(ch: str) -> bool:
    """A glyph the font map gives no real character for."""
    o = ord(ch)
    return (o < 0x20 or ch == "\ufffd" or 0xE000 <= o <= 0xF8FF or o >= 0xF0000
            or unicodedata.category(ch) in ("Cn", "Co", "Cs"))


@dataclass(frozen=True)
class TextCheckSettings:
    max_bad_share: float = 0.03  # unmapped or unexpected characters among the page's glyphs
    min_bad: int = 4  # … and at least this many (a stray symbol is not a broken font map)
    max_shapes: int = 1  # amount-shaped cells without digits tolerated on a page
    min_digits: int = 3  # a numeric cell worth verifying
    cells_to_verify: int = 2  # per font not yet known
    more_on_doubt: int = 4  # further cells read when one disagrees
    min_ocr: float = 0.85  # weakest character score for a recognition to count as evidence


def glyph_doubts(chars, settings: TextCheckSettings = TextCheckSettings(), unmapped: int = 0) -> list[str]:
    """Reasons the page's glyphs cannot be trusted (empty: they can). ``unmapped`` counts glyphs pdfium gave
    no character at all."""
    body = [c.char for c in chars if c.char.strip()]
    if not body and not unmapped:
        return []
    bad_map = unmapped + sum(1 for ch in body if unmapped_char(ch))
    odd = [ch for ch in body if not unmapped_char(ch) and not expected_char(ch)]
    total = len(body) + unmapped
    reasons = []
    if bad_map >= settings.min_bad and bad_map > settings.max_bad_share * total:
        reasons.append(f"text_layer_glyphs: {bad_map} of {total} glyphs have no character (unmapped or private-use)")
    if len(odd) >= settings.min_bad and len(odd) > settings.max_bad_share * total:
        sample = "".join(sorted(set(odd))[:8])
        reasons.append(f"text_layer_glyphs: {len(odd)} of {total} glyphs are characters a disclosure never prints ({sample})")
    return reasons


_AMOUNT_SHAPE = re.compile(r"[-−]?([^\s.,]{1,3}(?:,[^\s.,]{3})*\.[^\s.,]{2})")
_NUMERIC = re.compile(r"[-−]?\(?[\d,]*\d[\d,]*(?:\.\d+)?\)?%?")


def amount_without_digits(text: str) -> bool:
    """``一,二三四.五六``, ``::8.18``: laid out as an amount, but what should be digits is not. A number as
    printed is none (``100.0%``, a 绩效自评表's 执行率: its ``%`` fills the shape's last place)."""
    if _NUMERIC.fullmatch(text.strip()):
        return False
    m = _AMOUNT_SHAPE.fullmatch(text.strip())
    return bool(m) and bool(re.search(r"[^\d,.]", m.group(1)))


def shape_doubts(texts: list[str], settings: TextCheckSettings = TextCheckSettings()) -> list[str]:
    bad = [t for t in texts if amount_without_digits(t)]
    if len(bad) > settings.max_shapes:
        return [f"text_layer_shapes: {len(bad)} cells are laid out as amounts without digits (e.g. {bad[0]})"]
    return []


@dataclass
class FontTrust:
    """What the document's fonts have shown so far: fonts whose digits read right, fonts whose digits lie."""

    trusted: set[str] = field(default_factory=set)
    distrusted: dict[str, str] = field(default_factory=dict)  # font → the evidence
    renders: int = 0  # regions rendered and recognised (cost)


@dataclass
class NumericCell:
    text: str
    box: tuple[float, float, float, float]  # the glyphs' extent, pixels
    fonts: frozenset[str]


def digits(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())


_NOT_MATERIAL = re.compile(r"[\s\-‐‑‒–—―−－~～/]")


def material(text: str) -> str:
    """What a cell prints besides spaces and dashes: the digits of an amount, or what a damaged font map
    made of them."""
    return _NOT_MATERIAL.sub("", text)


def verify_digits(cells: list[NumericCell], render_region, recognize, trust: FontTrust,
                  settings: TextCheckSettings = TextCheckSettings()) -> list[str]:
    """Check the page's numeric cells — cells printed without ideographs, whatever their text layer says
    they hold — against its image, learning per font: the digits the recogniser reads must be the text
    layer's. Returns reasons to distrust the page's text layer (empty: trusted)."""
    cells = [c for c in cells if len(material(c.text)) >= settings.min_digits and c.fonts]
    fonts = set().union(*(c.fonts for c in cells)) if cells else set()
    condemned = sorted(f for f in fonts if f in trust.distrusted)
    if condemned:
        return [f"text_layer_digits: font {condemned[0]} maps glyphs to the wrong digits "
                f"({trust.distrusted[condemned[0]]})"]
    unknown = fonts - trust.trusted
    if not unknown:
        return []
    # the cells that show most distinct glyphs of the unknown fonts, a few per font
    chosen: list[NumericCell] = []
    for font in sorted(unknown):
        mine = sorted((c for c in cells if font in c.fonts and c not in chosen),
                      key=lambda c: (-len(set(material(c.text))), -len(c.text)))
        chosen += mine[:settings.cells_to_verify]
    results = _read_cells(chosen, render_region, recognize, trust)
    wrong = [(c, seen) for c, seen in results if seen is not None and digits(seen) != digits(c.text)]
    if wrong:  # one disagreement may be the recogniser's: read more before condemning
        more = [c for c in cells if c not in chosen and c.fonts & wrong[0][0].fonts][:settings.more_on_doubt]
        results += _read_cells(more, render_region, recognize, trust)
        wrong = [(c, seen) for c, seen in results if seen is not None and digits(seen) != digits(c.text)]
    # a font earns trust only by digits read right (a cell of letters says nothing about its digits)
    right = [c for c, seen in results if seen is not None and digits(seen) == digits(c.text)
             and len(digits(c.text)) >= settings.min_digits]
    if len(wrong) >= 2 or (wrong and len(wrong) >= len(right)):
        evidence = f"“{wrong[0][0].text}” in the text layer, “{wrong[0][1]}” on the page"
        for c, _ in wrong:
            for font in c.fonts:
                trust.distrusted.setdefault(font, evidence)
        return [f"text_layer_digits: digits disagree with the page image in {len(wrong)} of {len(results)} cells "
                f"checked ({evidence})"]
    for c in right:
        trust.trusted |= c.fonts
    return []


def _read_cells(cells: list[NumericCell], render_region, recognize, trust: FontTrust,
                min_score: float = TextCheckSettings.min_ocr) -> list[tuple[NumericCell, str | None]]:
    """Render the cells (one region around all of them) and recognise each; None where the recogniser is
    unsure (no evidence either way)."""
    if not cells:
        return []
    heights = [c.box[3] - c.box[1] for c in cells]
    pad = max(3.0, 0.35 * float(np.median(heights)))
    x0 = min(c.box[0] for c in cells) - pad
    y0 = min(c.box[1] for c in cells) - pad
    x1 = max(c.box[2] for c in cells) + pad
    y1 = max(c.box[3] for c in cells) + pad
    region = render_region((x0, y0, x1, y1))
    trust.renders += 1
    crops = []
    for c in cells:
        a, b = int(c.box[1] - pad - y0), int(c.box[3] + pad - y0)
        left, right = int(c.box[0] - pad - x0), int(c.box[2] + pad - x0)
        crops.append(region[max(0, a):max(0, b), max(0, left):max(0, right)])
    readings = recognize(crops)
    return [(c, r.text if r.chars and r.min_score >= min_score else None) for c, r in zip(cells, readings)]
