"""Repair with proof: replace ONE misread amount by another reading only when the identities prove it.

For every cell covered by a failing identity, candidate readings come from the cell's OCR alternatives
(``cell.alternatives``) and from the typical confusions in ``models/templates/confusions.json`` (3↔8, 1↔7,
0↔6/8/9, 5↔6, a dropped or doubled digit, a misplaced decimal point or separator). A reading is *proven*
when, with the original text, **none** of the identities the cell takes part in holds, and with the new
reading **every** one of them holds.

- exactly one proven (cell, reading) among the competing ones → applied: ``cell.text`` is replaced, the old
  text kept in ``cell.original``, reason ``repaired``, the candidates in ``cell.alternatives``, a record in
  ``doc.repairs``;
- two or more (two candidate cells for the same failing identities, or two readings of one cell) → nothing
  is applied; each candidate cell gets reason ``ambiguous`` and its candidate readings as alternatives;
- none → the cells stay flagged ``check_failed``.

Repairs are applied round by round (independent errors in different places are repaired in the same round;
a repair can make a further one provable) and the document is re-validated at the end.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .interpret import normalise_ocr_amount
from .model import Alternative, Cell, Document
from .numbers import format_amount, parse_number
from .resources import load_json
from .validate import (MENDED, CellRef, EPS, Identity, blamed_cells, cell_values, expand_identities, rule_id,
                       to_check, validate_document)


# reason of a cell repaired on the word of one identity alone (a form's Σ 分值 = 100 with no full-marks row to
# back it): the reading is the only one that makes the sum hold, but one sum cannot rule out a second misread
# cell or the form's own error, so the cell is always reviewed (pipeline.score.FORCED_REVIEW)
REPAIR_ONE_CHECK = "repair_one_check"
# reason of a cell read blank that two identities apart, both holding to the cent with it, give an amount
# (deduced_proofs): its print was lost (worn away, under a seal) — or the page prints nothing there and two of
# its sums miss by the same amount. Always reviewed (pipeline.score.FORCED_REVIEW)
FILLED = "filled_in"


# an amount cell read as one upright stroke, “1”, on a scan: the edge of a seal's ring, a faded rule's remnant
# inside a cell whose wall was lost, as often as a printed 1 (amounts print decimals: 1.00). Where every identity
# of the cell holds with it blank and none with 1, it is proven blank (source ``blank``). (A stroke read I, l or |
# is no number: interpretation leaves the cell blank, ``format_normalised``.) Two strokes, “11”, are both walls'
# remnants in a cell the lost rules left narrow (seed-21 photocopy150 公开03表: 1, 1 and 11 down 对附属单位补助支出).
_STROKE_READINGS = {"1", "11"}


@dataclass(frozen=True)
class RepairSettings:
    # each round applies the single-cell proofs, or else the first company prover that proves something: a
    # document with misreadings of several kinds needs a round for each (a 1-bit scan's 收入决算表 continued
    # on the next page — its lost points, specks and strokes — used up four before 收支总表's lost point)
    max_rounds: int = 10
    confusion_confidence: float = 0.5  # prior of a confusion-set reading (OCR alternatives carry their own)
    max_digits: int = 16
    # a 绩效自评表 cell is repaired only when it was read by OCR and two of its identities, both failing,
    # hold with the new reading (an 执行数 in its 执行率 and in the 资金总额 sum; a 得分 read above its 分值 in
    # 得分 ≤ 分值 and in 总分 = Σ 得分): forms that do not add up are common, a single failing 总分 is the
    # form's own error, not a misreading
    min_form_equations: int = 2


@dataclass(frozen=True)
class Proof:
    ref: CellRef
    text: str
    value: float
    source: str  # ocr | confusion | blank
    confidence: float
    rules: tuple[int, ...]  # indices of the identities the cell takes part in
    alone: bool = False  # proven by one identity alone (a form's Σ 分值): applied, but always reviewed
    exact: bool = False  # every identity of the cell (two sums or more) holds to the cent with it (_Failing.exact)
    # the identities the proof rests on, which hold with it (deduced_proofs: its witnesses); empty: all of rules
    claims: tuple[int, ...] = ()


def _confusions() -> dict[str, Any]:
    return load_json("templates", "confusions.json")


def _restyle(candidate: str, like: str) -> str:
    """The candidate value printed the way the table prints amounts (separators as in ``like``)."""
    p = parse_number(candidate)
    return format_amount(float(p.value or 0.0), p.decimals, separators="," in like or "," in candidate)


def confusion_readings(text: str) -> list[str]:
    """Texts the printed amount may have been, given how OCR typically misreads digits."""
    conf = _confusions()
    t = text.strip()
    if not t or len(re.sub(r"\D", "", t)) > RepairSettings.max_digits:
        return []
    out: list[str] = []
    digits_map: dict[str, list[str]] = conf.get("digits", {})
    for i, ch in enumerate(t):
        for alt in digits_map.get(ch, []):
            out.append(t[:i] + alt + t[i + 1:])
    if conf.get("dropped_digit"):
        for i in range(len(t) + 1):
            for d in "0123456789":
                cand = t[:i] + d + t[i:]
                if not cand.startswith("0") or cand.startswith("0."):
                    out.append(cand)
    if conf.get("doubled_digit"):
        for i in range(len(t)):
            if t[i].isdigit():  # a spurious (e.g. doubled) digit: drop it
                out.append(t[:i] + t[i + 1:])
    if conf.get("decimal_point"):
        bare = t.replace(",", "")
        intpart = bare.replace(".", "")
        for k in range(1, 4):
            if len(intpart) > k:
                out.append(intpart[:-k] + "." + intpart[-k:])
        if "." not in bare:
            out.append(bare + ".00")
            if len(intpart) >= 4:  # the point read as a digit (591138 for 591.38)
                out.append(intpart[:-3] + "." + intpart[-2:])
    if conf.get("separator"):
        if t.count(".") > 1:  # 1.251.09 → 1,251.09
            head, _, tail = t.rpartition(".")
            fixed = head.replace(".", ",") + "." + tail
            out.append(fixed)
            if conf.get("doubled_digit"):  # and a digit doubled too (1.810.011 for 1,810.01 under a seal)
                out += [fixed[:i] + fixed[i + 1:] for i in range(len(fixed)) if fixed[i].isdigit()]
        if "," in t and "." not in t and re.search(r",\d{2}$", t):  # 1251,09 → 1251.09
            out.append(t[:-3] + "." + t[-2:])
    seen: dict[str, None] = {}
    orig = parse_number(t)
    for cand in out:
        p = parse_number(cand)
        # (no amount prints three decimals: “98.841x” is 98.84 with a stroke and a speck, not 98.841 — which
        # every sum through it holds with, within its 尾差)
        if p.kind != "number" or p.value is None or cand == t or (p.decimals or 0) > 2:
            continue
        if orig.kind == "number" and orig.value is not None and abs(p.value - orig.value) < EPS and orig.well_formed:
            continue
        # amounts keep the table's format: a reading with 2 decimals stays with 2 (no “188.818”); a reading
        # that lost its point may get one back
        if orig.kind == "number" and orig.decimals and p.decimals != orig.decimals \
                and not (orig.decimals == 1 and p.decimals == 2):  # (“185.4”: a decimal lost under a seal)
            continue
        seen.setdefault(_restyle(cand, t), None)
    return list(seen)


def _readings(cell: Cell, settings: RepairSettings) -> list[tuple[str, str, float]]:
    out: list[tuple[str, str, float]] = []
    for a in cell.alternatives:
        # the recogniser's runner-up as the reading itself was taken: its slips undone (“2.420.19” is 2,420.19)
        text = a.text if parse_number(a.text).kind == "number" else normalise_ocr_amount(a.text)
        if a.source in ("ocr", "confusion") and text != cell.text and (parse_number(text).decimals or 0) <= 2:
            out.append((text, "ocr", a.confidence))
    for text in confusion_readings(cell.text):
        out.append((text, "confusion", settings.confusion_confidence))
    return _one_per_value(out)


def _one_per_value(readings: list[tuple[str, str, float]]) -> list[tuple[str, str, float]]:
    """One candidate per value: “0.0” (a weak line's other reading) and “0.00” (a confusion), “1.813.50” and
    “1813.50”, are one reading, not two rivals that leave the repair ambiguous (seed-45 nanyang 公开04表: 813.50
    for 1,813.50 left unrepaired; police 公开03表: 110.36 | 0.06 for 110.56 | 0.00) — kept in the form amounts
    are printed in, two decimals, where one has it."""
    uniq: dict[object, tuple[str, str, float]] = {}
    for text, src, c in readings:
        p = parse_number(text)
        key = round(p.value, 6) if p.kind == "number" and p.value is not None else text
        if key not in uniq:
            uniq[key] = (text, src, c)
            continue
        seen_text, seen_src, seen_c = uniq[key]
        # (the recogniser's word over a confusion's — forms take only the recogniser's —, the surer confidence)
        uniq[key] = (text if _printed_form(text) and not _printed_form(seen_text) else seen_text,
                     "ocr" if "ocr" in (src, seen_src) else seen_src, max(c, seen_c))
    return list(uniq.values())


def _printed_form(text: str) -> bool:
    p = parse_number(text)
    return p.kind == "number" and p.well_formed and p.decimals == 2


def _number_readings(cell: Cell, settings: RepairSettings) -> list[tuple[str, str, float, float]]:
    """The cell's readings (:func:`_readings`) that are numbers: (text, source, confidence, value)."""
    out = []
    for text, source, conf in _readings(cell, settings):
        p = parse_number(text)
        if p.kind == "number" and p.value is not None:
            out.append((text, source, conf, p.value))
    return out


def _coefficients(ident: Identity) -> dict[CellRef, float]:
    coef: dict[CellRef, float] = {}
    for t in ident.lhs:
        coef[t.ref] = coef.get(t.ref, 0.0) + t.coef
    for t in ident.rhs:
        coef[t.ref] = coef.get(t.ref, 0.0) - t.coef
    return coef


@dataclass
class _Failing:
    """The identities of a document with the readings as they are: which hold, by how much each misses, each
    cell's coefficients in them, the identities each cell takes part in, and the cells of failing ones."""

    identities: list[Identity]
    values: dict[CellRef, float]
    diffs: list[float]
    coefs: list[dict[CellRef, float]]
    holds: list[bool]
    by_cell: dict[CellRef, list[int]]
    candidates: list[CellRef]

    @classmethod
    def of(cls, doc: Document) -> "_Failing":
        identities = expand_identities(doc)
        values = cell_values(doc)
        diffs = [a - e for a, e in (ident.sides(values) for ident in identities)]
        holds = [ident.holds(values) for ident in identities]
        by_cell: dict[CellRef, list[int]] = {}
        for k, ident in enumerate(identities):
            for ref in ident.cells():
                by_cell.setdefault(ref, []).append(k)
        candidates = sorted({ref for k, ident in enumerate(identities) if not holds[k] for ref in ident.cells()})
        return cls(identities, values, diffs, [_coefficients(i) for i in identities], holds, by_cell, candidates)

    def holds_with(self, k: int, ref: CellRef, value: float, exactly: bool = False) -> bool:
        """Identity ``k`` holds with ``ref`` reading ``value`` (the others as read); ``exactly``: to the cent,
        not only within the identity's 尾差."""
        return self.holds_with_all(k, {ref: value}, exactly)

    def holds_with_all(self, k: int, changes: dict[CellRef, float], exactly: bool = False) -> bool:
        """Identity ``k`` holds with every cell of ``changes`` reading its value (the others as read)."""
        ident = self.identities[k]
        if ident.op == "eq":
            miss = abs(self.diffs[k] + sum(self.coefs[k].get(ref, 0.0) * (value - self.values[ref])
                                           for ref, value in changes.items()))
            return miss <= (0.001 if exactly else ident.tolerance + EPS)
        if len(changes) == 1:
            (ref, value), = changes.items()
            return ident.holds(self.values, ref, value)
        return ident.holds({**self.values, **changes})

    def exact(self, ref: CellRef, value: float) -> bool:
        """Two equations or more through the cell, and with ``value`` every one holds to the cent: a true value
        may miss a sum by its 尾差, but not two sums by theirs with a misreading of it hitting both."""
        ks = self.by_cell[ref]
        return sum(self.identities[k].op == "eq" for k in ks) >= 2 and \
            all(self.holds_with(k, ref, value, exactly=True) for k in ks)


def find_proofs(doc: Document, settings: RepairSettings | None = None) -> tuple[list[Identity], list[Proof]]:
    settings = settings or RepairSettings()
    state = _Failing.of(doc)
    identities, holds, by_cell = state.identities, state.holds, state.by_cell
    lookup = {(t.id, ri, ci): c for t, ri, ci, c in doc.cells()}
    forms = {t.id for t in doc.tables if t.kind == "performance"}
    ocr_pages = {p.number for p in doc.pages if p.mode == "ocr"}
    row_page = {(t.id, ri): r.page for t in doc.tables if t.id in forms for ri, r in enumerate(t.rows)}
    candidates = state.candidates
    strokes = set(_stroke_cells(doc, state))
    proofs: list[Proof] = []
    for ref in candidates:
        involved = by_cell[ref]
        equations = [k for k in involved if identities[k].op != "le"]
        if any(holds[k] for k in equations):
            continue  # the original reading already satisfies one of its identities
        form = ref[0] in forms
        if form and (sum(not holds[k] for k in involved) < settings.min_form_equations
                     or row_page[ref[:2]] not in ocr_pages):
            continue  # one sum alone (a 总分) cannot tell a misreading from a form that does not add up
        cell = lookup[ref]
        if parse_number(cell.text).kind == "text":
            continue
        mark = form and any(identities[k].rule.endswith("-max") for k in involved)
        readings = _readings(cell, settings)
        if ref in strokes and not any(parse_number(t).value == 0 for t, _, _ in readings):
            # a lone stroke or mark: see _stroke_cells (a reading of 0 already there is that value)
            readings.append(("", "blank", settings.confusion_confidence))
        if mark:  # a 分值/得分 with seal strokes read as digits on both sides (5 → “251”): the digits it holds
            readings += [(t, "confusion", settings.confusion_confidence) for t in _part_readings(cell.text)
                         if t not in {r[0] for r in readings}]
        for text, source, conf in readings:
            if form and source != "ocr" and not (mark and _form_confusion(cell, text)):
                continue  # forms: a guessed confusion only for a 分值/得分 (never for an amount: see _form_confusion)
            p = parse_number(text)
            value = 0.0 if source == "blank" else p.value
            if value is None or (source != "blank" and p.kind != "number"):
                continue
            if all(state.holds_with(k, ref, value) for k in involved):
                proofs.append(Proof(ref, text, value, source, conf, tuple(involved), exact=state.exact(ref, value),
                                    alone=not form and _one_sum_in_doubt(ref, equations, identities, lookup)))
    return identities, proofs


# what puts a reading beside a repaired cell in doubt on its own
_BESIDE_DOUBT = frozenset({"low_ocr", "format", "format_normalised", "seal", "rule_missing", "rows_merged", *MENDED})


def _one_sum_in_doubt(ref: CellRef, equations: list[int], identities: list[Identity], lookup: dict) -> bool:
    """The proof rests on one sum, another reading of which is in doubt on its own: the sum holds with the new
    reading, but a second misread among its cells would have set it as far off (seed-45 nanyang 公开06表 as a
    worn photocopy: 303 = Σ 款 failing by 522.65 read 52.65 and 0.00 read “20.00” — a stroke before it —, and
    52.65 “repaired” to 502.65, unflagged). Applied, reviewed (``repair_one_check``)."""
    if len(equations) != 1:
        return False
    return any(other != ref and (cell := lookup.get(other)) is not None and cell.text.strip()
               and _BESIDE_DOUBT & set(cell.reasons) for other in identities[equations[0]].cells())


def stroke_blank_proofs(doc: Document, settings: RepairSettings | None = None) -> list[Proof]:
    """Lone strokes read as “1” in several amount cells of one failing sum (a seal's ring crossing a column of
    blank cells, the remnant of a lost column rule down a merged cell: see ``_STROKE_READINGS``): no one of
    them blanked makes the sum hold, all of them together do. Proven when every identity any of them takes
    part in holds with all of them blank (each failing one at least with them read)."""
    settings = settings or RepairSettings()
    state = _Failing.of(doc)
    out: list[Proof] = []
    # (the strokes of one sum together, not every one of the document)
    for group in _linked(_stroke_cells(doc, state), state.by_cell):
        if len(group) < 2:
            continue  # (one alone: find_proofs)
        blanks = {ref: 0.0 for ref in group}
        involved = {k for ref in group for k in state.by_cell[ref]}
        if all(state.holds_with_all(k, blanks) for k in involved):
            out += [Proof(ref, "", 0.0, "blank", settings.confusion_confidence, tuple(state.by_cell[ref]))
                    for ref in group]
    return out


def _stroke_cells(doc: Document, state: "_Failing") -> list[CellRef]:
    """The cells of failing identities read as a lone stroke (``_STROKE_READINGS``) on an OCR'd page, forms
    left out — or as a mark of one to three digits without a point in a table that prints its amounts with two
    decimals (``_decimal_tables``): strokes of a lost rule or of the watermark read “12”, “7”, “17L” (real guihua
    公开04表 as a worn photocopy, 10 of its 25 identities failing by them). A printed amount whose point was lost
    (1082 for 10.82) is no blank: its identities do not hold without it."""
    ocr_pages = {p.number for p in doc.pages if p.mode == "ocr"}
    decimal = _decimal_tables(doc)
    read = {(t.id, ri, ci): (r.page, c.text.strip()) for t in doc.tables if t.kind != "performance"
            for ri, r in enumerate(t.rows) for ci, c in enumerate(r.cells)}
    # (a sum of counts — 车辆数合计 = Σ 8 类车辆 in a 公开10表 whose other rows print amounts, ``"counts": true`` in
    # its template — reads its numbers whole: its 4 and 1 are counts, not marks — seed-45 agriculture_007
    # 公开10表 as a worn photocopy, the total's 5 lost in a merged row, the 4 and 1 proven blank, unflagged)
    counted = _count_rules()

    def counts_only(ref: CellRef) -> bool:
        return all(state.identities[k].rule in counted for k in state.by_cell[ref])

    return [ref for ref in state.candidates
            if ref in read and read[ref][0] in ocr_pages
            and (read[ref][1] in _STROKE_READINGS
                 or ref[0] in decimal and _MARK.fullmatch(read[ref][1]) and not counts_only(ref))]


def _count_rules() -> frozenset[str]:
    """The identities the templates mark as sums of counts (``"counts": true``), by rule."""
    from .templates import load_templates

    return frozenset(rule_id(t.id, spec["id"]) for t in load_templates().values() for spec in t.identities
                     if spec.get("counts"))


_MARK = re.compile(r"\d{1,3}")


def _decimal_tables(doc: Document, least: int = 5, share: float = 0.5) -> set[str]:
    """The tables whose amounts read are printed with two decimals: ``least`` of them at least, and ``share`` of
    the numbers read there (real guihua 公开04表 as a worn photocopy: 17 amounts, 11 strokes and marks)."""
    out = set()
    for t in doc.tables:
        kinds = [parse_number(c.text) for r in t.rows for c in r.cells if c.value is not None]
        two = sum(p.kind == "number" and p.decimals == 2 for p in kinds)
        if two >= least and two >= share * len(kinds):
            out.add(t.id)
    return out


def _linked(refs: list[CellRef], by_cell: dict[CellRef, list[int]]) -> list[list[CellRef]]:
    """``refs`` grouped by the identities they share (two cells of one sum are linked, and so on)."""
    groups: list[tuple[set[int], list[CellRef]]] = []
    for ref in refs:
        ks = set(by_cell[ref])
        joined = [g for g in groups if g[0] & ks]
        groups = [g for g in groups if not g[0] & ks]
        groups.append((ks.union(*(g[0] for g in joined)), [r for g in joined for r in g[1]] + [ref]))
    return [g[1] for g in groups]


def deduced_proofs(doc: Document, settings: RepairSettings | None = None) -> list[Proof]:
    """Misreadings next to misreadings: a column of 公开07表 under a seal read 1528.66 | 528.ho | 528.60 for
    528.66 three times, 类 = 款 = 项 down it. No single reading makes every identity of its cell hold, because
    the 类 = Σ款 beside it runs through a neighbour read wrong too, so :func:`find_proofs` proves none.

    A reading of a scanned 公开表 cell is deduced when, with it, two identities of the cell hold to the cent
    (not only within their 尾差) whose other cells are apart (the row's 合计 = 基本 + 项目 and its 结余 = 结转 + 收入 − 支出: two witnesses that share
    nothing but the cell), and every identity of the cell that still fails runs through another cell that fails
    two identities or more itself (a neighbour read wrong: it says nothing of this cell). The reading is one the
    cell may have been read for — the recogniser's runner-up, a typical confusion, or, where the reading is no
    number, the value the witnesses give written over it with its unreadable characters filled in (528.ho for
    528.66: same length, every digit it shows kept), or, where the cell was read blank, the value the witnesses
    give (``_lost_print``: print worn away; such a cell is ``filled_in``, always reviewed) — and the only one
    that passes. As before, a cell one of whose identities holds as read is left alone. Forms are left to their
    own rules (``_form_*``)."""
    settings, state, lookup, scanned = _prover_context(doc, settings)
    identities, holds = state.identities, state.holds
    failing_of = {ref: sum(not holds[k] for k in ks) for ref, ks in state.by_cell.items()}
    proofs: list[Proof] = []
    for ref in state.candidates:
        involved = state.by_cell[ref]
        if ref[0] not in scanned or any(holds[k] for k in involved if identities[k].op != "le"):
            continue
        cell = lookup[ref]
        texts = [(t, src, c) for t, src, c in _readings(cell, settings) if parse_number(t).kind == "number"]
        if parse_number(cell.text).kind == "text":
            texts += [(t, "deduced", settings.confusion_confidence) for t in _filled_in(cell.text, state, ref)]
        elif not cell.text.strip() and ref[0] in scanned:
            # read blank where its witnesses want an amount: print lost under the wear (shehuigongzuo 收入决算表
            # as a worn photocopy, 2080505's 财政拨款收入 6.18 read as nothing beside its 合计 6.18)
            texts += [(t, FILLED, settings.confusion_confidence) for t in _lost_print(state, ref, lookup)]
        passing = []
        for text, source, conf in dict((t[0], t) for t in texts).values():
            value = parse_number(text).value
            witnesses = [set(identities[k].cells()) - {ref} for k in involved
                         if identities[k].op == "eq" and state.holds_with(k, ref, value, exactly=True)]
            apart = any(not (a & b) for i, a in enumerate(witnesses) for b in witnesses[i + 1:])
            excused = all(any(other != ref and failing_of.get(other, 0) >= 2 for other in identities[k].cells())
                          for k in involved if not state.holds_with(k, ref, value))
            if apart and excused:
                held = tuple(k for k in involved if identities[k].op == "eq"
                             and state.holds_with(k, ref, value, exactly=True))
                passing.append(Proof(ref, text, value, source, conf, tuple(involved), claims=held))
        if len(passing) == 1:
            proofs.append(passing[0])
    return proofs


def pair_proofs(doc: Document, settings: RepairSettings | None = None) -> list[Proof]:
    """Two misreadings in one row: 2080704 read 1,023.93 | 0.00 | 1,025.93 | 0.00 | 70.00 for 1,025.93 | … | 0.00
    (seed-21 lowres150 公开03表). Each cell's column sum fails and so does the row's 合计 = 基本 + 项目 + …, which
    runs through both: no reading of one cell alone makes every identity of it hold (:func:`find_proofs`), and
    each has a single witness (:func:`deduced_proofs` wants two).

    Two cells of a failing identity of a scanned 公开表 are read again together when each has an equation of its
    own (one the other is not in) and every equation either takes part in fails as read. A pair of readings,
    each one the cell may have been read for (the recogniser's runner-up, a typical confusion), is proven when,
    with both, every identity of either cell holds — each cell's own equations with its reading alone — and it
    is the only such pair: a cell found in two solutions (another partner, another reading) is left as it is,
    flagged by the identities that fail."""
    from itertools import combinations

    settings, state, lookup, scanned = _prover_context(doc, settings)
    identities, holds, by_cell = state.identities, state.holds, state.by_cell
    eq = [ident.op == "eq" for ident in identities]
    options: dict[CellRef, list[tuple[str, str, float, float]]] = {}
    strokes = set(_stroke_cells(doc, state))
    for ref in state.candidates:
        if ref[0] not in scanned or any(holds[k] for k in by_cell[ref] if eq[k]) \
                or parse_number(lookup[ref].text).kind == "text":
            continue
        options[ref] = _number_readings(lookup[ref], settings)
        if ref in strokes and not any(o[3] == 0.0 for o in options[ref]):
            # a lone stroke or mark (``_stroke_cells``) may be no print at all: real shehuigongzuo 公开04表 as a
            # worn photocopy read 1082 for 10.82 in a column whose sum a “11” in a blank 合计 cell fails too (a
            # reading of 0 already there is that value: two of them would make the pair's proof ambiguous)
            options[ref].append(("", "blank", settings.confusion_confidence, 0.0))
    solutions: list[tuple[Proof, Proof]] = []
    seen: set[frozenset] = set()
    for k, ident in enumerate(identities):
        if holds[k] or not eq[k]:
            continue
        for a, b in combinations([r for r in ident.cells() if options.get(r)], 2):
            if frozenset((a, b)) in seen:
                continue
            seen.add(frozenset((a, b)))
            ka, kb = set(by_cell[a]), set(by_cell[b])
            own_a, own_b = [i for i in ka - kb if eq[i]], [i for i in kb - ka if eq[i]]
            if not own_a or not own_b:
                continue
            fits_a = [o for o in options[a] if all(state.holds_with(i, a, o[3]) for i in ka - kb)]
            fits_b = [o for o in options[b] if all(state.holds_with(i, b, o[3]) for i in kb - ka)]
            for oa in fits_a:
                for ob in fits_b:
                    if all(state.holds_with_all(i, {a: oa[3], b: ob[3]}) for i in ka & kb):
                        solutions.append((Proof(a, oa[0], oa[3], oa[1], oa[2], tuple(by_cell[a])),
                                          Proof(b, ob[0], ob[3], ob[1], ob[2], tuple(by_cell[b]))))
    count: dict[CellRef, int] = {}
    for pa, pb in solutions:
        count[pa.ref] = count.get(pa.ref, 0) + 1
        count[pb.ref] = count.get(pb.ref, 0) + 1
    return [p for pa, pb in solutions if count[pa.ref] == 1 and count[pb.ref] == 1 for p in (pa, pb)]


def alike_proofs(doc: Document, settings: RepairSettings | None = None, min_witnesses: int = 2) -> list[Proof]:
    """Cells misread alike: 合计 and its one 类 229 of seed-45 nanyang 公开07表 as a worn photocopy both read
    813.50 for 1,813.50 (a 1 lost to a rule's remnant in each). 合计 = 229 holds as read, so neither cell is a
    candidate of :func:`find_proofs` (a cell one of whose identities holds is left alone) nor of
    :func:`pair_proofs` (every equation of the pair must fail), though each one's row (年末 = 年初 + 收入 −
    支出) and 229 = 22904 fail — flagged, never mended.

    Scanned cells linked by equations of two cells that hold as read (a = b: a 合计 and its only 类, a 类 and
    its only 款), their values alike, are read again as one: where every other equation of theirs fails as read
    (``min_witnesses`` or more), the one reading of them (the recogniser's runner-up or a typical confusion of
    any of them) that, given to all of them at once, makes every identity of each hold is proven for each, as
    its column prints amounts (the reading's decimals, separators where the column shows them). Two or more
    such readings: nothing; nor where a cell of the group has no failing sum of its own, or an identity of the
    group runs through a table whose columns are in doubt."""
    settings, state, lookup, scanned = _prover_context(doc, settings)
    identities, holds, by_cell = state.identities, state.holds, state.by_cell
    eq = [ident.op == "eq" for ident in identities]
    parent: dict[CellRef, CellRef] = {}

    def root(ref: CellRef) -> CellRef:
        while parent.get(ref, ref) != ref:
            ref = parent[ref]
        return ref

    links: set[int] = set()
    for k, ident in enumerate(identities):
        cells = ident.cells()
        if not (eq[k] and holds[k] and len(cells) == 2) or any(r[0] not in scanned for r in cells):
            continue
        a, b = cells
        if not lookup[a].text.strip() or abs(state.values.get(a, 0.0) - state.values.get(b, 0.0)) > EPS:
            continue
        links.add(k)
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        parent[root(a)] = root(b)
    groups: dict[CellRef, list[CellRef]] = {}
    for ref in parent:
        groups.setdefault(root(ref), []).append(ref)
    unsure = _unsure_tables(doc)
    proofs: list[Proof] = []
    for group in groups.values():
        involved = sorted({k for ref in group for k in by_cell[ref]})
        others = [k for k in involved if k not in links and eq[k]]
        # (every cell with a failing sum of its own, none in a table whose columns are in doubt: the group is
        # changed whole or not at all — repair_document drops a proof resting on such a table on its own)
        if len(others) < min_witnesses or any(holds[k] for k in others) \
                or any(not any(k not in links and eq[k] for k in by_cell[ref]) for ref in group) \
                or any(ref[0] in unsure for k in involved for ref in identities[k].cells()) \
                or any(parse_number(lookup[ref].text).kind != "number" for ref in group):
            continue
        readings = _one_per_value([(t, src, c) for ref in group
                                   for t, src, c, _ in _number_readings(lookup[ref], settings)])
        passing = [(text, src, conf, value) for text, src, conf in readings
                   if (value := parse_number(text).value) is not None
                   and all(state.holds_with_all(k, {ref: value for ref in group}) for k in involved)]
        if len(passing) != 1:
            continue
        text, src, conf, value = passing[0]
        for ref in group:
            commas = _column_commas(lookup, ref)
            decimals = parse_number(lookup[ref].text).decimals
            proofs.append(Proof(ref, format_amount(value, decimals, separators=commas), value, src, conf,
                                tuple(by_cell[ref])))
    return proofs


def near_miss_proofs(doc: Document, settings: RepairSettings | None = None) -> list[Proof]:
    """A last digit misread by one or two under the 尾差: seed-21 lowres150 公开03表 read 18,057.43 for 18,057.45
    in 208's 项目支出 — its column's 类 = Σ 款 and its row's 合计 = 基本 + 项目 both hold, each only within its
    tolerance, so nothing fails and no other proof looks at it (it stays flagged ``near_miss``).

    A scanned 公开表 cell read weakly (``low_ocr``) in two equations or more, every one of which holds only within
    its 尾差 as read, is read again: a reading it may have been read for (runner-up, typical confusion) with
    which every one of them holds to the cent is proven — a true value may miss a sum by its 尾差, but not every
    sum it is in by the amount one digit of it explains. Only where it is the one reading of the one such cell
    of those identities (another weak cell in them that would do as well leaves both as read)."""
    settings, state, lookup, scanned = _prover_context(doc, settings)
    identities, holds, by_cell = state.identities, state.holds, state.by_cell
    proofs: list[Proof] = []
    for ref, ks in by_cell.items():
        cell = lookup.get(ref)
        if cell is None or ref[0] not in scanned or "low_ocr" not in cell.reasons or cell.value is None:
            continue
        eqs = [k for k in ks if identities[k].op == "eq"]
        if len(eqs) < 2 or not all(holds[k] for k in ks) \
                or any(state.holds_with(k, ref, state.values[ref], exactly=True) for k in eqs):
            continue
        passing = [(t, src, c, v) for t, src, c, v in _number_readings(cell, settings)
                   if state.exact(ref, v) and all(state.holds_with(k, ref, v) for k in ks)]
        if len(passing) == 1:
            t, src, c, v = passing[0]
            proofs.append(Proof(ref, t, v, src, c, tuple(ks), exact=True))
    return [group[0] for group in _components(proofs) if len(group) == 1]


def _point_fixes(text: str) -> list[str]:
    """The amounts a reading with no decimal point may have been, its point lost (472 for 4.72), read as a digit
    (591138 for 591.38) or its decimals lost with it (472 for 472.00): two decimals each, separators kept."""
    digits = re.sub(r"\D", "", text)
    out = []
    if len(digits) >= 3:
        out.append(digits[:-2] + "." + digits[-2:])
    if len(digits) >= 4:
        out.append(digits[:-3] + "." + digits[-2:])
    out.append(digits + ".00")
    return list(dict.fromkeys(_restyle(c, text) for c in out))


def _lost_point(text: str) -> bool:
    """A reading of a number of two digits or more with no decimal point and not zero: amounts print two
    decimals (公开表), so it lost its point under a seal or the print's wear. (A lone digit is more often a
    stroke read as one: ``_STROKE_READINGS``.)"""
    p = parse_number(text)
    return p.kind == "number" and not p.decimals and "." not in text and bool(p.value) \
        and len(re.sub(r"\D", "", text)) >= 2


def _short_fixes(text: str) -> list[str]:
    """The amounts a reading with no point may have been, a digit lost with the point (25 for 3.25): one digit
    put back anywhere, the point before the last two."""
    digits = re.sub(r"\D", "", text)
    out = []
    for i in range(len(digits) + 1):
        for d in "0123456789":
            c = digits[:i] + d + digits[i:]
            if len(c) >= 3 and not (c.startswith("0") and len(c) > 3):
                out.append(c[:-2] + "." + c[-2:])
    return list(dict.fromkeys(_restyle(c, text) for c in out))


def lost_point_proofs(doc: Document, settings: RepairSettings | None = None, max_cells: int = 4) -> list[Proof]:
    """Several amounts of one sum that lost their decimal point: seed-21 bilevel300 公开06表 read 472, 1475 and
    25 for 4.72, 14.75 and 3.25 under a dithered seal, three of 302's 款. 302 = Σ 款 fails by the three at
    once; each 款 is in that one sum only, so no other prover has a second identity to go by.

    In a failing equation of a scanned 公开表 (its other cells printing decimals), the cells read with no point
    (``_lost_point``, at most ``max_cells``) are read again together, each as :func:`_point_fixes` gives; or,
    if no such set of readings does it, all but one so and that one short of a digit besides its point
    (:func:`_short_fixes`: 25 for 3.25). The readings are proven when with them every identity any of the
    cells takes part in holds and no other set does. A proof resting on one identity alone is applied and
    always reviewed (``repair_one_check``): one sum cannot rule out a second misread cell."""
    from itertools import product

    settings, state, lookup, scanned = _prover_context(doc, settings)
    identities, holds, by_cell = state.identities, state.holds, state.by_cell
    proofs: list[Proof] = []
    done: set[CellRef] = set()
    for k, ident in enumerate(identities):
        if holds[k] or ident.op != "eq":
            continue
        refs = [r for r in ident.cells() if r in lookup and r not in done]
        broken = [r for r in refs if r[0] in scanned and _lost_point(lookup[r].text)]
        pointed = [r for r in refs if "." in lookup[r].text and _decimals(lookup[r].text) == 2]
        if not broken or len(broken) > max_cells or len(pointed) < 2:
            continue
        involved = sorted({i for r in broken for i in by_cell[r]})
        fixes = {r: _point_fixes(lookup[r].text) for r in broken}

        def solutions(options: list[list[str]]) -> list[dict[CellRef, str]]:
            """The sets of readings, one of each cell's ``options``, with which every identity of the cells holds."""
            return [dict(zip(broken, texts)) for texts in product(*options)
                    if all(state.holds_with_all(i, {r: parse_number(t).value for r, t in zip(broken, texts)})
                           for i in involved)]

        found = solutions([fixes[r] for r in broken]) or [  # (or one of them short of a digit too)
            sol for j in broken for sol in solutions([_short_fixes(lookup[j].text) if r == j else fixes[r] for r in broken])]
        if len(found) != 1:
            continue
        for r, text in found[0].items():
            eqs = [i for i in by_cell[r] if identities[i].op == "eq"]
            proofs.append(Proof(r, text, parse_number(text).value, "confusion", settings.confusion_confidence,
                                tuple(by_cell[r]), alone=len(eqs) < 2))
            done.add(r)
    return proofs


def _prover_context(doc: Document, settings: RepairSettings | None
                    ) -> tuple[RepairSettings, "_Failing", dict[CellRef, Cell], set[str]]:
    """What a prover starts from: its settings, the identities as read, each cell by its reference, and the
    scanned 公开表."""
    return (settings or RepairSettings(), _Failing.of(doc), {(t.id, ri, ci): c for t, ri, ci, c in doc.cells()},
            _scanned_tables(doc))


def _scanned_tables(doc: Document) -> set[str]:
    """The 公开表 (forms left out) read by OCR on some page of theirs."""
    return {t.id for t in doc.tables if t.kind != "performance"
            and any(p.number in t.pages and p.mode == "ocr" for p in doc.pages)}


def _lost_print(state: _Failing, ref: CellRef, lookup: dict[CellRef, Cell]) -> list[str]:
    """The amounts the cell's equations would have a cell read blank hold (more than nothing), written as its
    column prints them (2 decimals; separators as the column's other amounts show them)."""
    commas = _column_commas(lookup, ref)
    out: list[str] = []
    for value in _witnessed_values(state, ref):
        value = round(value, 2)
        cand = format_amount(value, 2, separators=commas)
        if value > 0 and cand not in out:
            out.append(cand)
    return out


def _column_commas(lookup: dict[CellRef, Cell], ref: CellRef) -> bool:
    """The cell's column prints amounts with thousands separators: some cell of it shows a comma."""
    return any("," in c.text for (t, _, k), c in lookup.items() if t == ref[0] and k == ref[2])


def _witnessed_values(state: _Failing, ref: CellRef) -> list[float]:
    """The values each equation through the cell would have it hold, the other cells as read."""
    out = []
    for k in state.by_cell[ref]:
        ident, coef = state.identities[k], state.coefs[k].get(ref, 0.0)
        if ident.op == "eq" and abs(coef) > EPS:
            out.append(state.values[ref] - state.diffs[k] / coef)
    return out


def _filled_in(text: str, state: _Failing, ref: CellRef, max_unread: int = 2) -> list[str]:
    """The values the cell's equations would have it hold, written as amounts (2 decimals, separators as the
    reading shows them), that the reading ``text`` shows with at most ``max_unread`` characters unread:
    same length, every digit and point it shows in its place (528.ho → 528.66)."""
    t = text.strip()
    out: list[str] = []
    for value in _witnessed_values(state, ref):
        if value < 0:
            continue
        cand = format_amount(round(value, 2), 2, separators="," in t)
        if len(cand) != len(t):
            continue
        unread = [i for i, (a, b) in enumerate(zip(t, cand)) if a != b]
        if len(unread) <= max_unread and all(not (t[i].isdigit() or t[i] in ".,") for i in unread) \
                and cand not in out:
            out.append(cand)
    return out


def _components(proofs: list[Proof]) -> list[list[Proof]]:
    """Proofs that compete (same cell, or sharing an identity) form one group."""
    parent = list(range(len(proofs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[Any, int] = {}
    for i, p in enumerate(proofs):
        for key in [("cell", p.ref)] + [("rule", k) for k in p.rules]:
            if key in owner:
                parent[find(i)] = find(owner[key])
            else:
                owner[key] = i
    groups: dict[int, list[Proof]] = {}
    for i, p in enumerate(proofs):
        groups.setdefault(find(i), []).append(p)
    return list(groups.values())


def _add_alternative(cell: Cell, text: str, confidence: float, source: str) -> None:
    if not any(a.text == text for a in cell.alternatives):
        cell.alternatives.append(Alternative(text=text, confidence=confidence, source=source))


def _part_readings(text: str) -> list[str]:
    """The numbers a reading holds as a run of its characters, shorter than it (“251” → 25, 51, 2, 5, 1): what
    was printed when strokes beside it were read as digits too."""
    t = text.strip()
    out: dict[str, None] = {}
    for i in range(len(t)):
        for j in range(i + 1, len(t) + 1):
            part = t[i:j]
            if (i, j) != (0, len(t)) and re.fullmatch(r"[1-9]\d*(\.\d+)?|0(\.\d+)?", part):
                out.setdefault(part, None)
    return list(out)


def _form_confusion(cell: Cell, text: str) -> bool:
    """A typical confusion taken on a form for a 分值/得分 only: read under a seal, a watermark or with a weak
    character, and no longer than the reading (a stroke read as a digit, a digit for another, a point lost) —
    never a digit put in: the seeds' own errors include a 得分 of 20 under a 分值 of 2 (004), which an
    inserted 0 would “repair”, and 执行数 that contradict their 执行率 and 结余 alike (003: 80 printed where
    0 was spent), which is why an amount takes only its OCR's own second reading."""
    return bool({"seal", "watermark", "low_ocr"} & set(cell.reasons)) and \
        len(re.sub(r"\D", "", text)) <= len(re.sub(r"\D", "", cell.text))


def _form_weight_proofs(doc: Document, identities: list[Identity], settings: RepairSettings) -> list[list[Proof]]:
    """分值 read too large on a scanned form (a seal stroke read as a digit: 5 → “15”, 15 → “415”, “542”): Σ 分值
    fails alone (得分 ≤ 分值 still holds), so no single identity proves a reading. A set of up to two 分值 cells is
    proven when the form's 总分 = Σ 得分 holds (its 得分 are confirmed), each new 分值 is a reading of its cell
    (OCR alternative, typical confusion or a run of its digits) equal to its row's confirmed 得分 (a full-marks
    row) or, smaller than the reading and with its point kept, the one value that makes Σ 分值 hold by itself,
    Σ 分值 then holds, and every identity those cells take part in holds (得分 ≤ 分值); applied only when exactly
    one such set exists."""
    values = cell_values(doc)
    lookup = {(t.id, ri, ci): c for t, ri, ci, c in doc.cells()}
    ocr_rows = {(t.id, ri) for t in doc.tables if t.kind == "performance"
                for ri, r in enumerate(t.rows) if r.page in {p.number for p in doc.pages if p.mode == "ocr"}}
    by_cell: dict[CellRef, list[int]] = {}
    for k, ident in enumerate(identities):
        for ref in ident.cells():
            by_cell.setdefault(ref, []).append(k)
    out: list[list[Proof]] = []
    for wk, weights in enumerate(identities):
        if not weights.rule.endswith("-weights") or weights.holds(values):
            continue
        same = [i for i in identities if i.table == weights.table]
        totals = [i for i in same if i.rule.endswith("-total")]
        if not totals or not all(i.holds(values) for i in totals):
            continue  # the 得分 are not confirmed
        score_of = {i.rhs[0].ref: i.lhs[0].ref for i in same if i.op == "le" and len(i.lhs) == 1 and len(i.rhs) == 1}
        lhs, rhs = weights.sides(values)
        coefs = _coefficients(weights)
        options: list[tuple[CellRef, str, float, str, float, bool]] = []
        for ref in coefs:
            cell = lookup[ref]
            if (ref not in score_of or ref[:2] not in ocr_rows or abs(coefs[ref]) <= EPS
                    or not {"seal", "watermark", "low_ocr"} & set(cell.reasons)):
                continue  # (a cell on both sides of the sum cancels out: nothing it could read proves anything)
            # the row's confirmed 得分 (a full-marks row), or the 分值 that makes Σ 分值 hold on its own
            wanted = (values[score_of[ref]], values[ref] - (lhs - rhs) / coefs[ref])
            readings = _readings(cell, settings)
            readings += [(t, "confusion", settings.confusion_confidence) for t in _part_readings(cell.text)
                         if t not in {r[0] for r in readings}]  # strokes read as digits on both sides (5 → “542”)
            for text, source, conf in readings:
                if source != "ocr" and not _form_confusion(cell, text):
                    continue
                p = parse_number(text)
                if p.kind != "number" or p.value is None or abs(p.value - values[ref]) <= EPS:
                    continue
                # Σ 分值 alone proves only a reading that strokes made larger: digits dropped, its point kept
                # (seed 003 prints 2.5 where Σ wants 5: “5” would drop “2.” and hide the form's own error)
                alone = p.value < values[ref] and ("." in text or "." not in cell.text)
                if abs(p.value - wanted[0]) <= EPS:  # its row's 得分 and Σ 分值 both say so
                    options.append((ref, text, p.value, source, conf, False))
                elif alone and abs(p.value - wanted[1]) <= EPS:  # Σ 分值 alone says so: applied, reviewed
                    options.append((ref, text, p.value, source, conf, True))
        solutions = []
        for n in (1, 2):
            for combo in _combinations(options, n):
                if len({o[0] for o in combo}) < n:
                    continue
                trial = dict(values)
                trial.update({o[0]: o[2] for o in combo})
                involved = sorted({k for o in combo for k in by_cell[o[0]]})
                if all(identities[k].holds(trial) for k in involved):
                    solutions.append((combo, tuple(involved)))
            if solutions:
                break
        if len(solutions) == 1:
            combo, involved = solutions[0]
            out.append([Proof(o[0], o[1], o[2], o[3], o[4], involved, o[5]) for o in combo])
    return out


def _form_unreadable_repairs(doc: Document) -> list[dict]:
    """A 分值 or 得分 of a scanned form read as no number at all (a 5 under the seal's 财务专用章 read “白r。”), the
    one term of its sum not known — Σ 分值 = the full marks, 总分 = Σ 得分 — takes the value that makes that sum
    hold, when it is a possible one (≥ 0, a 得分 not above its row's 分值, a 分值 not above the full marks); a
    row with both unreadable takes its 分值 first. Proven by one sum alone, which the form may itself break:
    applied with ``repaired`` and ``repair_one_check`` (always reviewed), the reading kept in ``original``."""
    from .performance import FORM_KIND, _form_sums, _num_field, _unreadable, vocabulary
    from .templates import load_templates

    templates = load_templates()
    ocr_pages = {p.number for p in doc.pages if p.mode == "ocr"}
    tol = vocabulary()["tolerance"]["score"]
    records: list[dict] = []
    for table in doc.tables:
        tpl = templates.get(table.template or "")
        if table.kind != FORM_KIND or not table.record or tpl is None:
            continue
        rules = set(tpl.extra.get("rules", []))
        for kind in ("weight", "score"):
            sums = _form_sums(table.record, tpl)
            unknown = sums.unknown_weights if kind == "weight" else sums.unknown_scores + _scores_read_as_nothing(table, sums)
            if len(unknown) != 1:
                continue
            row = unknown[0]
            f = row.get(("分值" if "分值" in row else "weight") if kind == "weight" else ("得分" if "得分" in row else "score"))
            if table.rows[f["cell"][0]].page not in ocr_pages:
                continue
            if kind == "weight":
                if "weight_total" not in rules \
                        or not (_num_field(sums.total.get("weight")) or tpl.extra.get("weights_total")):
                    continue
                if row is (table.record.get("funds") or [None])[0]:
                    continue  # (the funds' 分值 of a template that may leave it blank is no term of its own)
                const = float(tpl.extra.get("funds_weight", 0)) \
                    if not _num_field(sums.exec_w) and _num_field(sums.exec_s) else 0.0
                terms = [w for w, _s in sums.scored if w is not None]
                value = sums.full - const - sum(w["value"] for w in terms)
                score = row.get("得分" if "得分" in row else "score")
                if value <= tol or value > sums.full + tol or (_num_field(score) and score["value"] > value + tol):
                    continue
                rule, proof = "weights", f"Σ 分值 = {sums.full:g}"
            else:
                if "score_total" not in rules or not _num_field(sums.total.get("score")):
                    continue
                terms = [s for _w, s in sums.scored if s is not None]
                value = sums.total["score"]["value"] - sum(s["value"] for s in terms)
                weight = row.get("分值" if "分值" in row else "weight")
                if value < -tol or (_num_field(weight) and value > weight["value"] + tol) or _unreadable(weight):
                    continue
                rule, proof = "total", "总分 = Σ 得分"
            decimals = max([_decimals(x["text"]) for x in terms + [sums.total.get(kind) or {"text": ""}]] or [0])
            text = format_amount(round(max(value, 0.0), decimals), decimals, separators=False)
            cell = table.rows[f["cell"][0]].cells[f["cell"][1]]
            records.append({"table": table.id, "row": f["cell"][0], "col": f["cell"][1], "status": "repaired",
                            "from": cell.text, "to": text, "source": "sum", "rules": [f"{table.template}-{rule}"],
                            "proof": [proof]})
            if cell.original is None:
                cell.original = cell.text
            _add_alternative(cell, cell.text, cell.ocr_score, "ocr")
            _add_alternative(cell, text, 0.0, "repair")
            cell.text, cell.value, cell.kind = text, float(text), "number"
            for reason in ("repaired", REPAIR_ONE_CHECK):
                cell.add_reason(reason)
            f.update(text=text, value=float(text))
    return records


def _scores_read_as_nothing(table, sums) -> list[dict]:
    """Scored rows with a 分值 whose 得分 cell held ink the recogniser read as nothing (empty, OCR score 0: a 0
    under the seal, seed 000 t16): its value is not known — the seeds leave a weighted row's 得分 blank once in
    1673 rows — so, the one term of 总分 = Σ 得分 not known, it is deduced like an unreadable one."""
    from .performance import _num_field

    out = []
    for row in sums.rows:
        f = row.get("得分") or row.get("score")
        if not f or not f.get("cell") or (f.get("text") or "").strip() \
                or not _num_field(row.get("分值") or row.get("weight")):
            continue
        cell = table.rows[f["cell"][0]].cells[f["cell"][1]]
        if not cell.text.strip() and cell.ocr_score == 0.0:
            out.append(row)
    return out


def _decimals(text: str) -> int:
    p = parse_number(text or "")
    return p.decimals if p.kind == "number" and p.decimals else 0


def _combinations(items: list, n: int):
    from itertools import combinations

    return combinations(items, n)


def _apply(cell: Cell, p: Proof, identities: list[Identity]) -> dict:
    """Replace the cell's reading by the proven one (the old kept in ``original`` and the alternatives)."""
    record = {"table": p.ref[0], "row": p.ref[1], "col": p.ref[2], "status": "repaired",
              "from": cell.text, "to": p.text, "source": p.source,
              "rules": sorted({identities[k].rule for k in p.rules}),
              "proof": [identities[k].description for k in p.rules]}
    if cell.original is None:
        cell.original = cell.text
    _add_alternative(cell, cell.text, cell.ocr_score, "ocr")
    _add_alternative(cell, p.text, p.confidence, "repair")
    cell.text = p.text
    cell.value = None if p.source == "blank" else p.value
    cell.add_reason("repaired")
    if p.alone:
        cell.add_reason(REPAIR_ONE_CHECK)
    if p.source == FILLED:
        cell.add_reason(FILLED)
    for reason in ("ambiguous", "format"):  # (format: of the reading replaced, kept in ``original``)
        if reason in cell.reasons:
            cell.reasons.remove(reason)
    return record


def _agree(group: list[Proof], state: _Failing) -> bool:
    """Proofs of one prover that share a cell or an identity stand together: with all their readings at once,
    every identity each rests on (``claims``, else its ``rules``) still holds. Each was found with the other
    cells as read. Real guihua 公开02表 as a 1-bit scan read 22001 | 2200150 as 1161.67 | 4161.67 and
    4116.67 | 1116.67 (4461.67 and 4416.67 under the seal): each cell had a reading its row and its column
    witnessed, given the others as read — 4161.67, 1161.67, 1116.67, 4116.67 — and all four applied at once
    swapped the two columns' misreadings. The next rounds swapped them back and forth, and the last round's
    left two readings in a row and a column that confirmed each other, wrong and unflagged."""
    if len({p.ref for p in group}) < len(group):
        return False  # two readings of one cell
    changes = {p.ref: p.value for p in group}
    return all(state.holds_with_all(k, changes) for p in group for k in (p.claims or p.rules))


def _mark_ambiguous(group: list[Proof], lookup: dict[CellRef, Cell], identities: list[Identity],
                    flagged: set, records: list[dict]) -> None:
    """Competing proofs: nothing is applied; each cell gets reason ``ambiguous`` and its candidate readings as
    alternatives, once per set of cells and readings."""
    cells = sorted({p.ref for p in group})
    key = (cells[0], "|".join(sorted(p.text for p in group)))
    if key in flagged:
        return
    flagged.add(key)
    for p in group:
        cell = lookup[p.ref]
        cell.add_reason("ambiguous")
        _add_alternative(cell, p.text, p.confidence, "repair")
    records.append({"status": "ambiguous", "cells": [list(c) for c in cells],
                    "candidates": [{"table": p.ref[0], "row": p.ref[1], "col": p.ref[2], "from":
                                    lookup[p.ref].text, "to": p.text, "source": p.source} for p in group],
                    "rules": sorted({identities[k].rule for p in group for k in p.rules})})


def _unsure_tables(doc: Document) -> set[str]:
    """Tables whose columns or header are in doubt (:data:`pipeline.verdict.HEADER_DOUBTS`: a column lost, split
    or shifted, the header not the template's): which column holds which amount is not known, so no repair
    rests on them."""
    from .verdict import HEADER_DOUBTS, structure_doubts

    return {t.id for t in doc.tables if t.kind != "performance"
            and any(d in HEADER_DOUBTS for d in structure_doubts(doc, t))}


def _rests_on(p: Proof, identities: list[Identity], unsure: set[str]) -> bool:
    """The proof's cell lies in a table whose structure stands and a cell of an identity proving it in a table
    of ``unsure``. Real guihua as a worn photocopy: its 公开03表 lost its header (columns taken by their
    content) and read 161.08 for 221's 461.08; the cross-table identity 公开01表 十九、住房保障支出 = 公开03表
    221 then "proved" 公开01表's right 461.08 to be 161.08, unflagged. (A repair inside a doubtful table
    stays: every cell there is reviewed, ``structure``.)"""
    return bool(unsure) and p.ref[0] not in unsure and any(ref[0] in unsure for k in p.rules
                                                           for ref in _coefficients(identities[k]))


def repair_document(doc: Document, settings: RepairSettings | None = None) -> list[dict]:
    """Apply proven single-cell repairs, record them in ``doc.repairs``, flag ambiguous ones; re-validate."""
    settings = settings or RepairSettings()
    lookup = {(t.id, ri, ci): c for t, ri, ci, c in doc.cells()}
    records: list[dict] = _form_unreadable_repairs(doc)
    if records:
        validate_document(doc)
    flagged: set[tuple[CellRef, str]] = set()
    for _ in range(settings.max_rounds):
        identities, proofs = find_proofs(doc, settings)
        unsure = _unsure_tables(doc)
        proofs = [p for p in proofs if not _rests_on(p, identities, unsure)]
        values = cell_values(doc)  # (this round's readings: the last round's repairs are in)
        blamed = blamed_cells(doc, [to_check(i, values) for i in identities], identities)
        applied = 0
        for group in _components(proofs):
            # a candidate the identities do not blame is no candidate: 0.00 → 0.06 would make 本年支出合计 = Σ 类
            # hold within its 尾差, but the one misread that explains every failing identity is elsewhere
            # (validate.blamed_cells) — alone it is not applied, among others it is no rival
            if len(group) == 1 and group[0].ref not in blamed:
                continue
            if len(group) == 1:
                records.append(_apply(lookup[group[0].ref], group[0], identities))
                applied += 1
            elif len({p.ref for p in group}) == 1 and sum(p.exact for p in group) == 1:
                # readings of one cell that all pass, one to the cent and the others only within the 尾差
                # (528.60 → 528.66 or 528.68 under 528.66 = 0.00 + 528.66): the exact one
                records.append(_apply(lookup[group[0].ref], next(p for p in group if p.exact), identities))
                applied += 1
            elif any(p.ref in blamed for p in group):
                _mark_ambiguous([p for p in group if p.ref in blamed], lookup, identities, flagged, records)
            # (no candidate of the group blamed: none is one — seed-47 education 公开01表, twenty 0.00 of 支出 each
            # made 20.00 by a confusion to close 本年支出合计 = Σ 类, while the misread that fails it is 12,630.45,
            # which fails its cross-table identity too and is blamed: 20 right cells were in review as ambiguous)
        # no single proof applied: the provers of misreadings in company, in turn, until one proves something
        for prover in (stroke_blank_proofs, deduced_proofs, pair_proofs, alike_proofs, near_miss_proofs,
                       lost_point_proofs):
            if applied:
                break
            found = [p for p in prover(doc, settings) if not _rests_on(p, identities, unsure)]
            state = _Failing.of(doc) if found else None
            for group in _components(found):
                if len(group) > 1 and not _agree(group, state):
                    _mark_ambiguous(group, lookup, identities, flagged, records)
                    continue
                for p in group:
                    records.append(_apply(lookup[p.ref], p, identities))
                    applied += 1
        if not applied:
            for proofs in _form_weight_proofs(doc, identities, settings):
                for p in proofs:
                    records.append(_apply(lookup[p.ref], p, identities))
                    applied += 1
            if not applied:
                break
            validate_document(doc)
    # (a document repaired again — pipeline.extract, once a lost 合计 label is named — records a cell left
    # ambiguous by both rounds once)
    doc.repairs.extend(r for r in records if r not in doc.repairs)
    validate_document(doc)
    return records
