"""Row label → classification code: reading printed codes, repairing them, matching names (rapidfuzz).

Public API
----------
- :func:`assign_codes` (table, year) fills ``row.codes`` of every labelled row of a table as the assembler
  produces it, and marks doubtful cells (reasons ``code_repaired``, ``code_conflict``, ``code_sequential``,
  ``code_unmatched``; confidence lowered).
- :func:`match_label` (text, context, year, classification) → ranked :class:`Candidate` list for a label alone.
- :func:`match_row` (code text, name text, catalogue, context) → one :class:`~pipeline.model.CodeMatch`.
- :func:`read_code` reads a printed code: “2080101”, “208 01 01”, “208（类）01（款）01（项）”, “301 2” (dropped
  zero), OCR letters for digits (“2O80101”, “208010l”).

How a row is decided
--------------------
1. printed code valid and name agrees (catalogue name, alias, variant, or fuzzy ≥ ``name_agree``) → source
   ``printed``, score = name similarity (1 for an exact name);
2. printed code damaged (letters read for digits, a digit dropped or added, unknown code) → the catalogue entry
   that best explains code *and* name together (Levenshtein on the digits + fuzzy name) → flag ``repaired``;
3. printed code valid but the name belongs to another entry → both kept in ``candidates``, flag
   ``code_conflict``; the primary is the one with the better combined code + name evidence;
4. no code → name matched within the hierarchy context (the 类/款/项 rows above), source ``matched``;
   generic names (其他支出, 行政运行) are resolved by that context, flag ``ambiguous`` when it cannot decide;
5. per table: a 款 whose printed codes run 01, 02, 03 … while most names belong to other codes is numbered
   sequentially (Shanghai 302 款 in one unit budget) → names decide, flag ``sequential``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from .catalogue import (ECONOMIC, ECONOMIC_GOV, FUNCTIONAL, SPECIAL, Catalogue, Entry, load_catalogue, name_key)
from .headers import _NOT_WORDS, is_code_column, names_amounts
from .model import Alternative, Cell, CodeMatch, Row, Table
from .numbers import DIGIT_LOOKALIKES


@dataclass(frozen=True)
class MatchSettings:
    name_min: float = 0.70          # weakest fuzzy name score accepted for a name-only match
    class_min: float = 0.80         # same for 类 rows of the 收支总表 (T01/T04, B01/B04)
    name_agree: float = 0.80        # printed code kept without conflict when its name is at least this similar
    code_weight: float = 0.5        # weight of the digits (vs the name) when repairing a code
    max_code_edits: int = 2         # Levenshtein distance allowed between a damaged code and a catalogue code
    context_step: float = 0.02      # penalty per level between a candidate's parent and the last row above
    outside_context: float = 0.08   # penalty of a candidate outside the hierarchy of the rows above
    variant_score: float = 0.95     # name score of a known printed variant (vs 1.0 for the official name)
    repaired_factor: float = 0.9    # confidence multipliers of the cells concerned
    conflict_factor: float = 0.8
    sequential_factor: float = 0.9
    unmatched_factor: float = 0.9


DEFAULT_SETTINGS = MatchSettings()


@dataclass
class Candidate:
    code: str
    name: str
    score: float        # name similarity (0–1) after context adjustment
    level: int
    why: str = "name"   # name | alias | variant | short form | fuzzy

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "score": round(self.score, 4)}


@dataclass
class MatchContext:
    """The hierarchy above the current row: codes of the last matched row and its ancestors, outermost first."""

    path: tuple[str, ...] = ()
    level: int | None = None  # only candidates of this level (1 = 类 rows of the 收支总表)

    def after(self, entry: Entry | None) -> "MatchContext":
        if entry is None:
            return self
        return MatchContext(path=entry.ancestors + (entry.code,), level=self.level)


# ---------------------------------------------------------------- reading printed codes

_DIGIT_LOOKALIKES = str.maketrans(DIGIT_LOOKALIKES)
_LEVEL_WORDS = re.compile(r"[(（]?\s*[类款项]\s*[)）]?")
_STRAY_ENDS = re.compile(r"^[一\-—–_·]+(?=\d)|(?<=\d)[一\-—–_·]+$")
_CODE_TOKEN = re.compile(r"^[0-9OoDQ〇○θlIi|!丨LZzSsBGbqgT]+$")


@dataclass
class CodeReading:
    raw: str
    digits: str
    lookalikes: int = 0   # letters read as digits
    split: bool = False   # printed in parts (“208 01 01”, 类/款/项 columns)
    padded: bool = False  # a part had its leading zero dropped (“301 2”)
    irregular: bool = False  # split elsewhere than 类|款|项 (“2080 110”: a space inside the code)


def read_code(text: str) -> CodeReading | None:
    """The code printed in a cell (or in several 类/款/项 cells joined with spaces), or None if there is none."""
    raw = text or ""
    t = unicodedata.normalize("NFKC", raw)
    t = _LEVEL_WORDS.sub(" ", t).strip()
    # a dash-like stroke against the digits (a seal's edge, a stray rule end: “一2100101”) is no digit
    t, strays = _STRAY_ENDS.subn("", t)
    if not t:
        return None
    tokens = t.split()
    if not all(_CODE_TOKEN.match(tok) for tok in tokens) or not any(ch.isdigit() for ch in t):
        return None
    mapped = [tok.translate(_DIGIT_LOOKALIKES) for tok in tokens]
    lookalikes = sum(a != b for tok, m in zip(tokens, mapped) for a, b in zip(tok, m)) + strays
    digits, padded = mapped[0], False
    if len(mapped) > 1:
        for part in mapped[1:]:
            if len(part) == 1:
                padded = True
            digits += part.zfill(2)
    if not 3 <= len(digits) <= 8:
        return None
    irregular = len(mapped) > 1 and (len(mapped[0]) != 3 or any(len(p) > 2 for p in mapped[1:]))
    return CodeReading(raw=raw, digits=digits, lookalikes=lookalikes, split=len(mapped) > 1, padded=padded,
                       irregular=irregular)


_LEADING_CODE = re.compile(r"^\s*([0-9OolIZSB]{3}(?:\s*[0-9OolIZSB]{1,2}){0,2}|[0-9]{5}|[0-9]{7})\s*(?=[\u4e00-\u9fff])")


def split_code_name(text: str) -> tuple[str, str]:
    """“2080101行政运行” / “208 01 01 行政运行” in one cell → (“2080101”, “行政运行”)."""
    m = _LEADING_CODE.match(text or "")
    if m and read_code(m.group(1)):
        return m.group(1), text[m.end():]
    return "", text or ""


# ---------------------------------------------------------------- name matching

_SKIP = re.compile(r"(合计|总计|小计|栏次|行次|^项目$|^科目名称$|结转和结余|结转与结余|结余分配|^收入$|^支出$)")


def is_total_label(text: str) -> bool:
    return bool(_SKIP.search(name_key(text)))


def _name_similarity(key: str, cat: Catalogue, code: str) -> float:
    keys = cat.keys_of(code)
    if not key or not keys:
        return 0.0
    return max(fuzz.ratio(key, k) for k in keys) / 100.0


def match_label(text: str, context: MatchContext | None = None, year: int | None = None,
                classification: str = FUNCTIONAL, limit: int = 5,
                settings: MatchSettings = DEFAULT_SETTINGS, catalogue: Catalogue | None = None) -> list[Candidate]:
    """Candidates for a row label (name only), best first; scores include the hierarchy-context adjustment."""
    cat = catalogue or load_catalogue(classification, year)
    key = name_key(text)
    if not key:
        return []
    context = context or MatchContext()
    s_variant = settings.variant_score
    found: dict[str, tuple[float, str]] = {}
    for code, why in cat.names.get(key, []):
        kind = why.split(":")[0]
        # a variant is a name printed for that code somewhere, not its name: an official name outranks it
        found[code] = (s_variant if kind == "variant" else 1.0, kind)
    for k, score, _ in process.extract(key, list(cat.names), scorer=fuzz.ratio, limit=20, score_cutoff=50):
        for code, why in cat.names[k]:
            value = score / 100.0 * (s_variant if why.startswith("variant") else 1.0)
            if code not in found or found[code][0] < value:
                found[code] = (value, "fuzzy")
    out = []
    for code, (score, why) in found.items():
        e = cat.entries[code]
        if context.level is not None and e.level != context.level:
            continue
        out.append(Candidate(code, e.name, score - _context_penalty(e, context, settings), e.level, why))
    out.sort(key=lambda c: (-c.score, c.level, c.code))
    return out[:limit]


def _context_penalty(e: Entry, context: MatchContext, s: MatchSettings) -> float:
    path = context.path
    if not path:
        return 0.0
    if e.level == 1:
        return s.context_step * len(path)
    if e.parent in path:
        return s.context_step * (len(path) - path.index(e.parent) - 1)
    return s.outside_context


# ---------------------------------------------------------------- one row

def match_row(code_text: str, name_text: str, cat: Catalogue, context: MatchContext | None = None,
              column: int = 0, settings: MatchSettings = DEFAULT_SETTINGS) -> CodeMatch | None:
    """The code of one row from its printed code (may be "") and name; None for unlabelled and total rows."""
    context = context or MatchContext()
    if not code_text:
        code_text, name_text = split_code_name(name_text)
    reading = read_code(code_text) if code_text else None
    key = name_key(name_text)
    if reading is None and (not key or is_total_label(name_text)):
        return None
    if reading is None:
        return _match_name_only(name_text, cat, context, column, settings)
    entry = cat.get(reading.digits)
    flags = ["repaired"] if reading.lookalikes or reading.padded or reading.irregular else []
    if entry is not None:
        if not key:
            return CodeMatch(column, entry.code, entry.name, 1.0 if not flags else 0.9, "printed", flags)
        why = cat.accepts(entry.code, name_text)
        sim = 1.0 if why else _name_similarity(key, cat, entry.code)
        if why and why.startswith("variant"):
            flags.append("name_variant")
        if sim >= settings.name_agree:
            return CodeMatch(column, entry.code, entry.name, sim, "printed", flags)
        return _conflict(reading, entry, sim, name_text, cat, context, column, flags, settings)
    return _repair(reading, name_text, cat, context, column, settings)


def _match_name_only(name_text: str, cat: Catalogue, context: MatchContext, column: int,
                     s: MatchSettings) -> CodeMatch | None:
    cands = match_label(name_text, context, catalogue=cat, settings=s)
    minimum = s.class_min if context.level == 1 else s.name_min
    if not cands or cands[0].score < minimum:
        return None
    best = cands[0]
    flags: list[str] = []
    alts: list[dict] = []
    ties = [c for c in cands[1:] if abs(c.score - best.score) < 1e-9 and c.level == best.level]
    if ties:
        flags.append("ambiguous")
        alts = [c.to_dict() for c in [best] + ties]
    return CodeMatch(column, best.code, best.name, min(1.0, best.score), "matched", flags, alts)


def _repair(reading: CodeReading, name_text: str, cat: Catalogue, context: MatchContext, column: int,
            s: MatchSettings) -> CodeMatch:
    """A printed code that is not in the catalogue: the entry explaining digits and name best."""
    digits, key = reading.digits, name_key(name_text)
    scored: dict[str, float] = {}
    near = process.extract(digits, list(cat.entries), scorer=Levenshtein.distance, limit=40,
                           score_cutoff=s.max_code_edits)
    codes = {c for c, _, _ in near} | {c.code for c in match_label(name_text, context, catalogue=cat, settings=s)}
    for code in codes:
        code_sim = 1.0 - Levenshtein.distance(digits, code) / max(len(digits), len(code))
        name_sim = _name_similarity(key, cat, code) if key else 0.0
        w = s.code_weight if key else 1.0
        combined = w * code_sim + (1 - w) * name_sim - _context_penalty(cat.entries[code], context, s) / 2
        scored[code] = combined
    if not scored:
        return CodeMatch(column, digits, "", 0.0, "printed", ["unknown_code"])
    ranked = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))
    code, score = ranked[0]
    minimum = 0.6 if key else 0.8
    if score < minimum:
        return CodeMatch(column, digits, "", round(score, 4), "printed", ["unknown_code"],
                         [{"code": c, "name": cat.entries[c].name, "score": round(v, 4)} for c, v in ranked[:3]])
    return CodeMatch(column, code, cat.entries[code].name, score, "printed", ["repaired"])


def _conflict(reading: CodeReading, entry: Entry, sim: float, name_text: str, cat: Catalogue,
              context: MatchContext, column: int, flags: list[str], s: MatchSettings) -> CodeMatch:
    """Printed code valid but the name is another entry's (or nobody's)."""
    by_name = [c for c in match_label(name_text, MatchContext(), catalogue=cat, settings=s)
               if c.code != entry.code and c.score >= s.name_agree]
    printed = {"code": entry.code, "name": entry.name, "score": round(sim, 4), "source": "printed"}
    if not by_name:
        return CodeMatch(column, entry.code, entry.name, sim, "printed", flags + ["code_conflict"], [printed])
    # among equally named entries prefer the one whose code is closest to the printed digits
    best = min(by_name, key=lambda c: (-c.score, Levenshtein.distance(reading.digits, c.code), c.code))
    named = {"code": best.code, "name": best.name, "score": round(best.score, 4), "source": "matched"}
    w = s.code_weight
    printed_total = w * 1.0 + (1 - w) * sim
    named_total = w * (1 - Levenshtein.distance(reading.digits, best.code) / len(reading.digits)) + (1 - w) * best.score
    if named_total > printed_total:
        return CodeMatch(column, best.code, best.name, named_total, "matched", flags + ["code_conflict"],
                         [named, printed])
    return CodeMatch(column, entry.code, entry.name, printed_total, "printed", flags + ["code_conflict"],
                     [printed, named])


# ---------------------------------------------------------------- tables

SUMMARY_TEMPLATES = {"T01", "T04", "B01", "B04"}  # 收支总表: 类 rows by name, on both sides
SPECIAL_TEMPLATES = {"T09", "T10"}  # “三公” and 机关运行经费 items by name
_NOT_A_CLASS_ROW = re.compile(r"(收入|拨款|结转|结余|合计|总计)")
_ECONOMIC_TEMPLATES = {"T06"}


@dataclass
class LabelBlock:
    """Columns that label a row: code columns (0–3, joined) and the name column; its classification."""

    code_cols: list[int]
    name_col: int | None
    classification: str = FUNCTIONAL
    class_rows_only: bool = False

    @property
    def column(self) -> int:
        """The column a row's code is reported on (contract: the code column, else the label column)."""
        return self.code_cols[0] if self.code_cols else self.name_col


def _last(label: str) -> str:
    return label.split("/")[-1]


def _is_name_column(label: str) -> bool:
    last = _last(label)
    # letters, digits and kana beside the words are a seal's or watermark's strokes (项目hん20 on a 1-bit scan)
    last = _NOT_WORDS.sub("", last) or last
    return "名称" in last or last == "项目" or last.endswith("科目") or _name_over_code(label)


def _name_over_code(label: str) -> bool:
    """科目名称 over 编码: the code column's lower label run into its neighbour (the rule between them lost in the
    header's lower row — seed-41 nanyang 公开06表 read 科目名称/编码): a name column, not a code column."""
    parts = label.split("/")
    return len(parts) > 1 and "名称" in parts[-2] and not is_code_column(parts[-2]) \
        and bool(re.search("编码|代码", parts[-1]))


def _code_column(label: str) -> bool:
    return bool(label) and is_code_column(label) and not _name_over_code(label)


def find_label_blocks(table: Table) -> list[LabelBlock]:
    """Label/code column blocks from ``table.columns`` (and the cells when the header says nothing)."""
    cols = table.columns or []
    n = max([len(cols)] + [len(r.cells) for r in table.rows])
    labels = list(cols) + [""] * (n - len(cols))
    blocks: list[LabelBlock] = []
    summary = table.template in SUMMARY_TEMPLATES
    c = 0
    while c < n:
        if _code_column(labels[c]):
            start = c
            while c < n and _code_column(labels[c]):
                c += 1
            # (or a label worn past reading — “しィ” — over the names beside the codes: seed-45 nanyang 公开06表's
            # third group, 大型修塔 for 大型修缮 never set against its code's name)
            name_col = c if c < n and (_is_name_column(labels[c]) or not names_amounts(labels[c])
                                       and not _code_column(labels[c]) and _reads_as_names(table, c)) else None
            blocks.append(LabelBlock(list(range(start, c)), name_col))
            c += 1 if name_col is not None else 0
            continue
        if _is_name_column(labels[c]) and (summary or "科目" in labels[c] or table.template in SPECIAL_TEMPLATES):
            blocks.append(LabelBlock([], c, class_rows_only=summary))
        c += 1
    # a header can mislead (a rule missing between 科目代码 and 科目名称 gives both columns one label):
    # code columns must hold codes
    blocks = [b for b in blocks if not b.code_cols or _holds_codes(table, b.code_cols)]
    if not any(b.code_cols for b in blocks):
        blocks = _blocks_from_content(table, n, blocks)
    elif not summary:
        # a code column whose label was cut (经济分类 | 科目编码 with the lower half lost to a worn rule) beside
        # a name column: its codes are the rows' codes, as in the groups whose label was read whole
        covered = {c for b in blocks for c in b.code_cols}
        for i, b in enumerate(blocks):
            left = (b.name_col or 0) - 1
            if (not b.code_cols and b.name_col is not None and left >= 0 and left not in covered
                    and not names_amounts(labels[left]) and _reads_as_codes(table, left)):
                blocks[i] = LabelBlock([left], b.name_col)
    for b in blocks:
        b.classification = _block_classification(table, b, labels)
    return blocks


def _holds_codes(table: Table, cols: list[int], share: float = 0.5) -> bool:
    """Most non-empty rows of these columns read as a code (joined, as for 类/款/项 columns)."""
    texts = [" ".join(r.cells[c].text for c in cols if c < len(r.cells)).strip() for r in table.rows]
    texts = [t for t in texts if t and not is_total_label(t)]
    if not texts:
        return True  # an empty table: trust the header
    return sum(read_code(t) is not None for t in texts) >= share * len(texts)


def _reads_as_names(table: Table, c: int, share: float = 0.6) -> bool:
    """Most of the column's (at least two) filled cells read as words (two Chinese characters running)."""
    texts = [r.cells[c].text for r in table.rows if c < len(r.cells) and r.cells[c].text.strip()]
    return len(texts) >= 2 and sum(bool(re.search(r"[\u4e00-\u9fff]{2}", t)) for t in texts) >= share * len(texts)


def _reads_as_codes(table: Table, c: int, share: float = 0.6) -> bool:
    """Most of the column's (at least two) filled cells read as a 3-, 5- or 7-digit code."""
    texts = [r.cells[c].text for r in table.rows if c < len(r.cells) and r.cells[c].text.strip()]
    codes = [read_code(t) for t in texts]
    return len(texts) >= 2 and sum(c is not None and len(c.digits) in (3, 5, 7) for c in codes) >= share * len(texts)


def _blocks_from_content(table: Table, n: int, header_blocks: list[LabelBlock]) -> list[LabelBlock]:
    """Code columns are those whose cells read as codes; each pairs with the column to its right."""
    code_cols = [c for c in range(n) if _reads_as_codes(table, c)]
    if not code_cols:
        return header_blocks
    blocks = []
    for c in code_cols:
        blocks.append(LabelBlock([c], c + 1 if c + 1 < n and c + 1 not in code_cols else None))
    return blocks


# the digits a class opens with: 2 (功能分类), 3 and 5 (经济分类, 部门 and 政府) — no other (0101 is 30101 worn)
_CLASS_DIGITS = "235"


def _block_classification(table: Table, block: LabelBlock, labels: list[str]) -> str:
    first_digits = []
    for r in table.rows:
        code = " ".join(r.cells[c].text for c in block.code_cols if c < len(r.cells)).strip()
        if not code and block.name_col is not None and block.name_col < len(r.cells):
            code = split_code_name(r.cells[block.name_col].text)[0]
        rd = read_code(code) if code else None
        if rd and rd.digits[0] in _CLASS_DIGITS:
            first_digits.append(rd.digits[0])
    if first_digits:
        # the most frequent first digit; a tie (a worn code column reading 0101 for 30101 as often as 3…) goes to
        # the classification the template prints, then to the lower digit — never to the order a set iterates in,
        # which varies from run to run (seed-45 health 公开06表: its codes read as functional in some runs). Only
        # 2 (功能分类), 3 and 5 (经济分类) open a class: that table's worn 0101, 0102 … for 30101, 30102 … made it
        # functional, and its names matched to 2080505, 2101103
        economic = table.template in _ECONOMIC_TEMPLATES
        top = min(set(first_digits), key=lambda d: (-first_digits.count(d), not (economic and d == "3"), d))
        return {"3": ECONOMIC, "5": ECONOMIC_GOV}.get(top, FUNCTIONAL)
    text = " ".join(labels[c] for c in block.code_cols + ([block.name_col] if block.name_col is not None else []))
    if "经济分类" in text or table.template in _ECONOMIC_TEMPLATES:
        return ECONOMIC
    if table.template in SPECIAL_TEMPLATES and not block.code_cols:
        return SPECIAL
    return FUNCTIONAL


def _cell(row: Row, col: int | None) -> Cell | None:
    return row.cells[col] if col is not None and col < len(row.cells) else None


def assign_codes(table: Table, year: int | None = None, settings: MatchSettings = DEFAULT_SETTINGS) -> None:
    """Fill ``row.codes`` for every labelled row of ``table`` and mark doubtful code/name cells."""
    year = year if year is not None else table.year
    for row in table.rows:
        row.codes = []
    for block in find_label_blocks(table):
        cat = load_catalogue(block.classification, year)
        context = MatchContext(level=1 if block.class_rows_only else None)
        matched: list[tuple[Row, CodeMatch, str]] = []
        for row in table.rows:
            code_text = " ".join(row.cells[c].text for c in block.code_cols if c < len(row.cells)).strip()
            name_cell = _cell(row, block.name_col)
            name_text = name_cell.text if name_cell else ""
            if not code_text and not name_text:
                continue
            if block.class_rows_only and _NOT_A_CLASS_ROW.search(name_text):
                continue
            m = match_row(code_text, name_text, cat, context, block.column, settings)
            if m is None:
                continue
            row.codes.append(m)
            matched.append((row, m, code_text or split_code_name(name_text)[0]))
            if not block.class_rows_only:
                context = context.after(cat.get(m.code))
        _detect_sequential(matched, cat, block, settings)
        for row, m, _ in matched:
            _mark_cells(row, m, block, settings)


def _detect_sequential(matched: list[tuple[Row, CodeMatch, str]], cat: Catalogue, block: LabelBlock,
                       s: MatchSettings) -> None:
    """A group of sibling codes printed 01, 02, 03 … whose names mostly belong to other codes."""
    groups: dict[str, list[tuple[Row, CodeMatch, CodeReading]]] = {}
    for row, m, printed in matched:
        rd = read_code(printed) if printed else None
        if rd and len(rd.digits) in (5, 7):
            groups.setdefault(rd.digits[:-2], []).append((row, m, rd))
    for parent, items in groups.items():
        if len(items) < 4:
            continue
        suffixes = [int(rd.digits[-2:]) for _, _, rd in items]
        if suffixes != list(range(1, len(items) + 1)):
            continue
        disagreeing = [m for _, m, _ in items if "code_conflict" in m.flags or "unknown_code" in m.flags]
        if len(disagreeing) < 0.4 * len(items):
            continue
        for row, m, rd in items:
            name_cell = _cell(row, block.name_col)
            name_text = name_cell.text if name_cell else ""
            cands = [c for c in match_label(name_text, MatchContext(path=(parent,)), catalogue=cat, settings=s)
                     if c.code.startswith(parent) and c.score >= s.name_agree]
            printed = {"code": rd.digits, "name": cat.entries[rd.digits].name if rd.digits in cat.entries else "",
                       "source": "printed"}
            m.candidates = [printed] + [c.to_dict() for c in cands[:2]]
            if cands:
                m.code, m.name, m.score, m.source = cands[0].code, cands[0].name, cands[0].score, "matched"
                m.flags = ["sequential"]
            else:
                m.code, m.name, m.score, m.source = rd.digits, "", 0.0, "printed"
                m.flags = ["sequential", "unmatched"]


def _mark_cells(row: Row, m: CodeMatch, block: LabelBlock, s: MatchSettings) -> None:
    code_cells = [c for c in (_cell(row, k) for k in block.code_cols) if c is not None and c.text]
    name_cell = _cell(row, block.name_col)
    label_cells = code_cells or ([name_cell] if name_cell is not None else [])

    def mark(cells: list[Cell], reason: str, factor: float) -> None:
        for cell in cells:
            if reason not in cell.reasons:
                cell.add_reason(reason)
                cell.confidence = round(cell.confidence * factor, 4)

    if "sequential" in m.flags:
        mark(label_cells, "code_sequential", s.sequential_factor)
    if "unmatched" in m.flags or "unknown_code" in m.flags:
        mark(label_cells + ([name_cell] if name_cell is not None and name_cell not in label_cells else []),
             "code_unmatched", s.unmatched_factor)
    elif "code_conflict" in m.flags:
        mark(label_cells + ([name_cell] if name_cell is not None and name_cell not in label_cells else []),
             "code_conflict", s.conflict_factor)
    elif m.source == "matched" and not m.flags and name_cell is not None and name_cell not in label_cells:
        # a code cell read as no code (“2101厂”: 21011's last 1 read as 厂), the row matched by its name: where the
        # reading shows the name's code, its digits in place and a character or two unread, it is that code
        # (``code_repaired``, the reading kept); otherwise it is a misread a reviewer sees (``code_misread``)
        for cell, part in _misread_code_cells([_cell(row, k) for k in block.code_cols], m.code):
            if len(re.sub(r"\D", "", cell.text)) < 3:
                continue
            if _shows_in_place(cell.text, part) and m.score >= s.name_agree:
                cell.alternatives.insert(0, Alternative(cell.text, cell.ocr_score, "ocr"))
                cell.original = cell.text if cell.original is None else cell.original
                cell.text = part
                if "format" in cell.reasons:  # (the odd reading it was flagged for is replaced: 30C16 → 30216)
                    cell.reasons.remove("format")
                mark([cell], "code_repaired", s.repaired_factor)
            else:
                mark([cell], CODE_MISREAD, 1.0)
                if not any(a.text == part and a.source == "catalogue" for a in cell.alternatives):
                    cell.alternatives.append(Alternative(part, m.score, "catalogue"))
    elif "repaired" in m.flags:
        mark(label_cells, "code_repaired", s.repaired_factor)
        for cell, part in _misread_code_cells([_cell(row, k) for k in block.code_cols], m.code):
            mark([cell], CODE_MISREAD, 1.0)
            if not any(a.text == part and a.source == "catalogue" for a in cell.alternatives):
                # (beside an OCR runner-up of the same text: the reason is cleared by this one, sample s02's
                # 80239 read, 30239 runner-up and catalogue's, repaired to 30239 and still flagged)
                cell.alternatives.append(Alternative(part, m.score, "catalogue"))


CODE_MISREAD = "code_misread"


# marks a lost rule leaves beside a code in its cell: a wall's stub, a dashed rule's dash, a crossing read “=”
_EDGE_MARKS = "=._-—,:;|'\"`~·、。，"


def _shows_in_place(text: str, code: str, max_unread: int = 2) -> bool:
    """The reading shows ``code``: as long, every digit it shows the code's in its place, at most ``max_unread``
    characters that are no digit (2101厂 for 21011) — or the code whole between a lost rule's marks
    (“=20509”, “221.”, “2101199.”: seed-45/47 worn photocopies, the rule's remains read into the cell)."""
    t = re.sub(r"\s", "", unicodedata.normalize("NFKC", text))
    if t.strip(_EDGE_MARKS) == code:
        return True
    if len(t) != len(code):
        return False
    unread = [a for a, b in zip(t, code) if a != b]
    return len(unread) <= max_unread and not any(a.isdigit() for a in unread)


def _misread_code_cells(code_cells: list[Cell | None], code: str) -> list[tuple[Cell, str]]:
    """The code cells whose reading is not their part of the code the row was repaired to: the catalogue and
    the row's name say the printed code reads otherwise (real caizheng 公开06表 as a 1-bit scan: 310 read “510”
    under the seal, its row matched to 31022 无形资产购置; “0I” for 01), so the reading shown is wrong or the
    repair is — either way a reviewer decides. ``code_cells`` are the block's code columns in order: one
    column holds the whole code, several hold 类 (3 digits) | 款 (2) | 项 (2). Each with its part of the code
    (its alternative, source ``catalogue``; a repair that makes the identities hold with it clears the reason:
    :func:`pipeline.score.score_document`)."""
    wrong = []
    for k, cell in enumerate(code_cells):
        if cell is None or not cell.text.strip():
            continue
        part = re.sub(r"\s", "", unicodedata.normalize("NFKC", cell.text))
        if len(code_cells) == 1:
            expected = code
        else:
            at = 0 if k == 0 else 3 + 2 * (k - 1)
            expected = code[at:at + (3 if k == 0 else 2)]
            part = part.zfill(2) if k and len(part) == 1 else part  # a 款 printed without its zero (301 | 2)
        if part != expected:
            wrong.append((cell, expected))
    return wrong


__all__ = ["assign_codes", "match_label", "match_row", "read_code", "split_code_name", "find_label_blocks",
           "Candidate", "MatchContext", "MatchSettings", "CodeReading", "LabelBlock", "SPECIAL"]
