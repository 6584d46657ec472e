"""Parsing printed amounts: thousands separators, blanks, 0.00, “——”/“—”/“-” (not applicable), negatives,
percentages, stray spaces (“258.9 5”).

``parse_number`` returns a :class:`ParsedNumber` saying what the cell is (number / na / empty / text) and,
for numbers, the value and whether the printed form is well formed (separators every three digits, at
most the decimals the table uses).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .textnorm import normalize_chars

# characters OCR returns for digits (codes and amounts share them)
DIGIT_LOOKALIKES = {
    "O": "0", "o": "0", "D": "0", "Q": "0", "〇": "0", "○": "0", "θ": "0",
    "l": "1", "I": "1", "i": "1", "|": "1", "!": "1", "丨": "1", "L": "1",
    "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8", "G": "6", "b": "6", "q": "9", "g": "9", "T": "7",
}

NA_MARKS = {"—", "——", "-", "--", "－", "－－", "―", "―――", "─", "/", "…", "——", "－－－", "---", "———"}

_NUM = re.compile(r"^(?P<sign>[-−－+]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<dec>\d+))?(?P<pct>%)?$")


@dataclass(frozen=True)
class ParsedNumber:
    kind: str  # number | na | empty | text
    value: float | None = None
    well_formed: bool = True
    decimals: int = 0
    percent: bool = False


def _squeeze(text: str) -> str:
    t = normalize_chars(text).strip()
    t = t.replace("，", ",").replace("．", ".").replace("％", "%").replace("（", "(").replace("）", ")")
    t = re.sub(r"\s+", "", t)
    return t


def parse_number(text: str) -> ParsedNumber:
    t = _squeeze(text)
    if t == "":
        return ParsedNumber("empty")
    if t in NA_MARKS or re.fullmatch(r"[-－—―─]+", t):
        return ParsedNumber("na")
    neg = False
    if t.startswith("(") and t.endswith(")"):
        neg, t = True, t[1:-1]
    m = _NUM.match(t)
    if not m or (m.group("int") is None and m.group("dec") is None):
        # a separator in the wrong place still reads as a number, but is not well formed
        loose = re.fullmatch(r"([-−－+]?)([\d,]+)(?:\.(\d+))?(%?)", t)
        if loose and re.search(r"\d", loose.group(2)):
            digits = loose.group(2).replace(",", "")
            dec = loose.group(3) or ""
            v = float(digits + ("." + dec if dec else ""))
            if loose.group(1) in "-−－" and loose.group(1):
                v = -v
            return ParsedNumber("number", -v if neg else v, well_formed=False, decimals=len(dec),
                                percent=bool(loose.group(4)))
        return ParsedNumber("text", well_formed=False)
    s = (m.group("int") or "0").replace(",", "")
    dec = m.group("dec") or ""
    v = float(s + ("." + dec if dec else ""))
    if m.group("sign") in ("-", "−", "－"):
        v = -v
    if neg:
        v = -v
    return ParsedNumber("number", v, well_formed=True, decimals=len(dec), percent=bool(m.group("pct")))


def value_of(text: str) -> float | None:
    """The numeric value of a printed cell, or None (blank, not applicable, text)."""
    p = parse_number(text)
    return p.value if p.kind == "number" else None


def format_amount(value: float, decimals: int = 2, separators: bool = True) -> str:
    s = f"{value:,.{decimals}f}" if separators else f"{value:.{decimals}f}"
    return s
