"""Stage 6 — interpret: numbers in amount columns, cell kinds and format problems, document metadata
(authority, fiscal year, kind), table ids and units."""
from __future__ import annotations

import re
from collections import Counter

from .headers import is_amount_column
from .model import Alternative, Document, Table
from .numbers import DIGIT_LOOKALIKES, parse_number
from .read import PageReading

_KIND = re.compile(r"(部门|单位)\s*(决算|预算)")
_COVER = re.compile(r"(?P<auth>[\u4e00-\u9fff（）()]{3,40}?)\s*(?P<year>20\d{2})\s*年度?\s*(?P<kind>部门|单位)\s*(?P<k2>决算|预算)")
_COVER2 = re.compile(r"(?P<year>20\d{2})\s*年度?\s*(?P<auth>[\u4e00-\u9fff（）()]{3,40}?)\s*(?P<kind>部门|单位)\s*(?P<k2>决算|预算)")
_YEAR = re.compile(r"(20\d{2})\s*年度")
_AUTH_SUFFIX = re.compile(r"(局|委员会|委|办公室|办|厅|部|院|中心|所|馆|政府|街道办事处|办事处|镇|会|处|站|队|社|校|学|园|署|府)$")


_JUNK_EDGES = re.compile(r"^[:：;；'‘’`·。,，.、]+(?=[\d-])|(?<=\d)[:：;；'‘’`·。、]+$")
_POINT_SEPARATORS = re.compile(r"^-?\d{1,3}(\.\d{3})+\.\d{2}$")
_COLON_DECIMAL = re.compile(r"^(-?[\d,]+)[:：;；](\d{2})$")
_LETTER_DIGITS = str.maketrans(DIGIT_LOOKALIKES)
_LOOKALIKE_CLASS = "".join(re.escape(k) for k in DIGIT_LOOKALIKES)


def normalise_ocr_amount(text: str) -> str:
    """Undo OCR slips that leave the digits intact: stray punctuation at the edges (“:214.70”), thousands
    separators read as points (“1.713.55”), a colon for the decimal point (“234:24”), letters for digits
    in an otherwise numeric reading (“O.00”)."""
    t = _JUNK_EDGES.sub("", text.strip())
    if re.fullmatch(rf"[\d{_LOOKALIKE_CLASS}.,:;：；-]+", t) and re.search(r"\d", t) and re.search(rf"[{_LOOKALIKE_CLASS}]", t):
        t = t.translate(_LETTER_DIGITS)
    if _POINT_SEPARATORS.match(t):
        head, _, dec = t.rpartition(".")
        t = head.replace(".", ",") + "." + dec
    m = _COLON_DECIMAL.match(t)
    if m:
        t = f"{m.group(1)}.{m.group(2)}"
    return t


def _is_noise(text: str) -> bool:
    """One or two characters without a digit or a dash in an amount cell."""
    return 0 < len(text) <= 2 and not re.search(r"[\d\-—－–―]", text)


def interpret_cells(table: Table, ocr_pages: set[int] = frozenset()) -> None:
    """Values of amount columns; ``format`` reason for text that is not a well-formed amount; OCR slips
    in amounts undone (the reading is kept as an alternative)."""
    amount_cols = [is_amount_column(c) for c in table.columns]
    known = [bool(c) for c in table.columns]  # a column without a header label is not known to hold amounts
    for row in table.rows:
        for ci, cell in enumerate(row.cells):
            amount = ci < len(amount_cols) and amount_cols[ci]
            if amount and ci < len(known) and known[ci] and row.page in ocr_pages and cell.text:
                fixed = normalise_ocr_amount(cell.text)
                if _is_noise(fixed) or (cell.ocr_score < 0.5 and not re.search(r"\d", fixed)):
                    fixed = ""  # a watermark or seal fragment read as a character: amount cells never hold one
                if fixed != cell.text and parse_number(fixed).kind in ("number", "empty"):
                    cell.alternatives.insert(0, Alternative(cell.text, cell.ocr_score, "ocr"))
                    cell.original, cell.text = cell.text, fixed
                    cell.add_reason("format_normalised")
            p = parse_number(cell.text)
            if p.kind == "empty":
                cell.kind, cell.value = "empty", None
            elif p.kind == "na":
                cell.kind, cell.value = "na", None
            elif amount and p.kind == "number":
                cell.kind, cell.value = "number", p.value
                if not p.well_formed or (p.decimals not in (0, 2) and not p.percent):
                    cell.add_reason("format")
            elif amount:
                cell.kind, cell.value = "text", None
                if not re.search(r"[\u4e00-\u9fff]{2,}", cell.text):  # a garbled amount, not a label
                    cell.add_reason("format")
            else:
                cell.kind, cell.value = "text", None


def document_metadata(doc: Document, readings: list[PageReading]) -> None:
    """Authority, fiscal year and kind from the cover and the tables' metadata lines."""
    front = " ".join(ln.text for r in readings[:3] for ln in r.lines)
    front = re.sub(r"\s+", "", front)
    for m in list(_COVER.finditer(front)) + list(_COVER2.finditer(front)):
        auth = re.sub(r"^.*?(第[一二三四五六七八九十]+部分|目录|概况)", "", m.group("auth")) or m.group("auth")
        if not _AUTH_SUFFIX.search(auth):
            continue
        doc.authority = auth
        doc.year = int(m.group("year"))
        doc.kind = m.group("kind") + m.group("k2")
        break
    depts = Counter(t.department for t in doc.tables if t.department)
    if not doc.authority and depts:
        doc.authority = depts.most_common(1)[0][0]
    if doc.year is None:
        years = Counter(int(y) for y in _YEAR.findall(front))
        years.update(t.year for t in doc.tables if t.year)
        if years:
            doc.year = years.most_common(1)[0][0]
    if not doc.kind:
        km = _KIND.search(front) or _KIND.search(" ".join(t.title for t in doc.tables))
        if km:
            doc.kind = km.group(1) + km.group(2)
        elif any("决算" in t.title for t in doc.tables):
            doc.kind = "部门决算"
        elif any("预算" in t.title for t in doc.tables):
            doc.kind = "部门预算"
    for t in doc.tables:
        if not t.unit:
            t.unit = "万元" if doc.kind.endswith("决算") else ""
