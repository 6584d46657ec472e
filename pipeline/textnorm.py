"""Text normalisation shared by every stage and by the benchmark scorer.

- Kangxi radicals (U+2F00–U+2FD5) and CJK compatibility ideographs map to the unified ideographs
  (⼀ → 一, ⾦ → 金): NFKC does this for most; a table covers the rest.
- Letter-spaced labels (“因 公 出 国 （ 境 ） 费 用”) are closed up: spaces between two CJK characters or
  CJK punctuation go away, spaces inside Latin words/numbers are kept only where both sides are Latin.
- ``compare_key`` is the looser form used for matching and scoring (NFKC, no whitespace, unified
  brackets and dashes).
"""
from __future__ import annotations

import re
import unicodedata

_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’、，。：；（）《》【】"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACE_CJK_DIGIT = re.compile(rf"(?<=[{_CJK}])\s+(?=[0-9A-Za-z(])|(?<=[0-9A-Za-z)])\s+(?=[{_CJK}])")
_WS = re.compile(r"\s+")

# Kangxi radicals that NFKC maps; kept explicit for the few NFKC leaves alone in some Python versions.
_EXTRA = {
    "\u2e8c": "小", "\u2e8d": "小", "\u2ee9": "黄", "\u2eea": "齐", "\u2ed3": "长", "\u2ec5": "见",
    "\u2ec9": "车", "\u2ecf": "阝", "\u2ed6": "阝", "\u2ee2": "马", "\u2ee6": "鱼", "\u2edd": "食",
}


def normalize_chars(text: str) -> str:
    """Kangxi radicals and CJK compatibility ideographs → unified ideographs; keeps full-width punctuation."""
    out = []
    for ch in text:
        o = ord(ch)
        if 0x2F00 <= o <= 0x2FDF or 0xF900 <= o <= 0xFAFF or 0x2E80 <= o <= 0x2EFF:
            ch = _EXTRA.get(ch, unicodedata.normalize("NFKC", ch))
        elif ch in "\u00a0\u2002\u2003\u2009\u200b\u3000\ufeff":
            ch = " " if ch != "\u200b" and ch != "\ufeff" else ""
        out.append(ch)
    return "".join(out)


def close_up(text: str) -> str:
    """Remove letter-spacing between CJK characters and around CJK punctuation; collapse other whitespace."""
    text = _WS.sub(" ", text.strip())
    text = _SPACE_BETWEEN_CJK.sub("", text)
    text = _SPACE_CJK_DIGIT.sub("", text)
    return _SPACE_BETWEEN_DASHES.sub("", text)  # “— —”: a dash set as two glyphs apart is one dash (——)


_SPACE_BETWEEN_DASHES = re.compile(r"(?<=[—–―－-])\s+(?=[—–―－-])")


_NUMERIC_SPACES = re.compile(r"(?<=[\d.,])\s+(?=[\d.,%])")


# a 公开0n表 marker as printed or as OCR reads it: the 0 of 公开08表 read as a letter O (公开O8表), 公开10表 as 公开1O表
_FORM_NUMBER = r"公开\s*[0OoＯ〇]?\s*(1[OoＯ〇]|\d{1,2})\s*"
FORM_MARK = re.compile(_FORM_NUMBER + "表")
# the same where 表 may be left out (a form given as 公开02, a title 公开02部门收支总表), not before a digit (公开2023)
FORM_REF = re.compile(_FORM_NUMBER + r"(?:表|(?!\d))")
_LETTER_ZEROS = str.maketrans("OoＯ〇", "0000")


def form_mark_number(m: re.Match) -> int:
    """The table number of a :data:`FORM_MARK` match (``公开1O表`` → 10)."""
    return int(m.group(1).translate(_LETTER_ZEROS))


def clean_cell_text(text: str) -> str:
    """A cell as printed: normalised characters, wrapped lines joined without separator, spacing closed up."""
    text = normalize_chars(text)
    text = text.replace("\r", "\n")
    lines = [close_up(line) for line in text.split("\n")]
    joined = "".join(line for line in lines if line)
    joined = close_up(joined)
    if re.fullmatch(r"[-−+]?[\d.,\s%]+", joined):
        joined = _NUMERIC_SPACES.sub("", joined)
    return joined


_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "[", "】": "]", "：": ":", "，": ",", "；": ";",
                           "“": '"', "”": '"', "‘": "'", "’": "'", "－": "-", "—": "-", "–": "-",
                           "―": "-", "−": "-", "、": ",", "。": ".", "≧": "≥", "≦": "≤"})


def compare_key(text: str) -> str:
    """Loose key for equality: NFKC, no whitespace, half-width brackets/punctuation, unified dashes, ≧/≦ as
    ≥/≤ (the same operators; a scan cannot tell their bars apart)."""
    text = unicodedata.normalize("NFKC", normalize_chars(text or ""))
    text = text.translate(_BRACKETS)
    text = re.sub(r"-{2,}", "-", text)
    return _WS.sub("", text)
