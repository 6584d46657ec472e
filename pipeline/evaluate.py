"""Scoring a predicted contract dict (``disclosure.document/1``) against a ground-truth dict.

Steps, per document:

1. **Table matching** — a truth table pairs with the predicted table of the same form (公开0n表); failing
   that, with the same normalised title; failing that, with the same template (both recognised as one: a
   title misread on a worn scan still names it); failing that, with the predicted table sharing the most row
   keys (at least ``min_row_overlap`` of the truth rows). Pairs are taken greedily, best score first (rows shared
   over the larger table's row count: a one-row truth table does not take a 40-row table sharing its one row).
2. **Row alignment** — edit-distance dynamic programming over the two row sequences: aligning truth row
   i with predicted row j costs ``1 - similarity(key_i, key_j)``; leaving a row out costs ``gap_cost``.
   A row key is its label cells (code + name; cells with value null) normalised with
   :func:`pipeline.textnorm.compare_key`; a row without labels is keyed by its numbers.
3. **Cell comparison** — columns by index (one cell per column). A truth cell with a value is right when
   the predicted value is within ``number_tolerance``; a truth cell without a value is right when the
   texts are equal after ``compare_key`` (NFKC, no whitespace, half-width punctuation).

Populations:

- *truth cells*: every cell of every truth table. Cells of unmatched tables, of rows left out, of
  columns the prediction lacks count as wrong. → cell accuracy, numeric accuracy (truth value not null).
- *predicted cells*: every cell of every predicted table. A predicted cell is right when it is aligned to
  a truth cell and that truth cell is right; predicted cells with no truth counterpart (extra rows,
  extra columns, unmatched tables) are wrong. → flag rate, residual error among unflagged cells,
  catch@2 %, ECE and the reliability table, repairs.

``catch@2 %``: of the wrong predicted cells, the share that are among the ``ceil(2 % × predicted
cells)`` cells of lowest confidence (ties kept in reading order). ``None`` when nothing is wrong.

Header cells (``header_cells`` of a matched table): a printed header cell is right when the truth header grid
holds the same text (``compare_key``) at its (row, column) → header accuracy, header flag rate, residual error
among unflagged header cells.

Never silent (``pages[].status``): pages are counted per status; a *silent miss* is a truth table with no
matching predicted table and no ``unrecovered`` page among its pages (the failure the output does not
tell); a *false alarm* is an ``unrecovered`` page on which every truth table was found (or none is
printed).
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from rapidfuzz.distance import Indel

from .templates import form_number
from .textnorm import compare_key


@dataclass(frozen=True)
class ScoreSettings:
    number_tolerance: float = 0.005
    gap_cost: float = 0.45  # cost of leaving a row unaligned; rows with similarity < 0.1 are never paired
    min_row_overlap: float = 0.5  # share of truth row keys a predicted table must share to match by content
    low_confidence_share: float = 0.02  # catch@2 %
    bins: int = 10


# ---------------------------------------------------------------------------------------------- records


@dataclass
class PredictedCell:
    """One predicted cell as the calibration metrics see it."""

    confidence: float
    correct: bool
    review: bool
    repaired: bool
    table: str = ""
    row: int = -1
    column: int = -1


@dataclass
class TableMatch:
    truth: str
    predicted: str | None
    how: str  # form | title | template | rows | none
    truth_rows: int
    aligned_rows: int
    truth_cells: int
    right_cells: int


@dataclass
class WrongCell:
    table: str  # truth table id
    row: int  # truth row index
    column: int
    truth: str
    predicted: str | None  # None: nothing predicted there


@dataclass
class DocumentScore:
    name: str = ""
    profile: str = ""
    pages: int = 0
    seconds: float | None = None
    cpu_seconds: float | None = None  # processor time of the run (on a shared machine, wall time is not speed)
    truth_tables: int = 0
    matched_tables: int = 0
    truth_cells: int = 0
    right_cells: int = 0
    numeric_cells: int = 0
    right_numeric: int = 0
    filled_cells: int = 0  # truth cells with printed text (blanks excluded)
    right_filled: int = 0
    code_rows: int = 0
    right_code_rows: int = 0
    right_code_values: int = 0  # the codes right whatever column they are attached to
    predicted: list[PredictedCell] = field(default_factory=list)
    tables: list[TableMatch] = field(default_factory=list)
    wrong: list[WrongCell] = field(default_factory=list)
    page_status: dict[str, int] = field(default_factory=dict)  # predicted pages per status
    silent_misses: list[str] = field(default_factory=list)  # truth tables missed with no unrecovered page
    false_alarms: list[int] = field(default_factory=list)  # unrecovered pages where nothing was missed
    header_cells: int = 0  # printed (non-blank) header cells of matched tables
    header_right: int = 0
    header_flagged: int = 0
    header_unflagged_wrong: int = 0

    def to_dict(self, with_cells: bool = False) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k not in ("predicted", "wrong")}
        d["metrics"] = aggregate([self]).to_dict()
        d["wrong"] = [asdict(w) for w in self.wrong[:200]]
        if with_cells:
            d["predicted"] = [asdict(p) for p in self.predicted]
        return d


@dataclass
class ReliabilityBin:
    low: float
    high: float
    count: int
    mean_confidence: float | None
    accuracy: float | None


@dataclass
class Metrics:
    documents: int
    pages: int
    table_recall: float | None
    cell_accuracy: float | None
    numeric_accuracy: float | None
    filled_cell_accuracy: float | None  # cell accuracy over truth cells that are not blank
    row_code_accuracy: float | None
    row_code_value_accuracy: float | None  # the same, codes compared without their column
    flag_rate: float | None
    residual_error: float | None
    catch_at_2: float | None
    ece: float | None
    repairs_made: int
    repairs_right: int
    seconds_per_page: float | None
    cpu_seconds_per_page: float | None = None
    truth_cells: int = 0
    predicted_cells: int = 0
    reliability: list[ReliabilityBin] = field(default_factory=list)
    truth_tables: int = 0
    matched_tables: int = 0
    page_status: dict[str, int] = field(default_factory=dict)
    silent_misses: int = 0
    false_alarms: int = 0
    header_accuracy: float | None = None
    header_flag_rate: float | None = None
    header_residual_error: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------------------------------------- helpers


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def cell_is_right(truth: dict[str, Any], predicted: dict[str, Any] | None,
                  settings: ScoreSettings = ScoreSettings()) -> bool:
    """Truth value not null: predicted value within the tolerance. Otherwise: equal normalised text."""
    if predicted is None:
        return False
    tv = truth.get("value")
    if tv is not None:
        pv = predicted.get("value")
        return pv is not None and abs(float(pv) - float(tv)) <= settings.number_tolerance + 1e-9
    return compare_key(truth.get("text", "")) == compare_key(predicted.get("text", ""))


_AMOUNT_LIKE = re.compile(r"[^\u4e00-\u9fff]*\d[^\u4e00-\u9fff]*")  # digits and marks, no Chinese character


def row_key(row: dict[str, Any]) -> str:
    """Label cells (value null, text not blank) joined; a row without labels is keyed by all its texts. A cell
    of digits and marks that is not a whole number (“2.”, an amount read malformed, so without a value) is no
    label: a “三公” row (公开09表) with one such cell was keyed by it alone and left unaligned, its 11 right
    amounts scored wrong. (Codes, whole numbers, are labels.)"""
    cells = row.get("cells", [])
    labels = [compare_key(c.get("text", "")) for c in cells if c.get("value") is None
              and not (_AMOUNT_LIKE.fullmatch(c.get("text", "").strip()) and not c.get("text", "").strip().isdigit())]
    key = "|".join(t for t in labels if t)
    if key:
        return key
    return "|".join(compare_key(c.get("text", "")) for c in cells)


def _similarity(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return Indel.normalized_similarity(a, b)


def align_rows(truth_rows: list[dict[str, Any]], predicted_rows: list[dict[str, Any]],
               settings: ScoreSettings = ScoreSettings()) -> list[tuple[int | None, int | None]]:
    """Edit-distance alignment of two row sequences: pairs (truth index | None, predicted index | None)."""
    return align_keys([row_key(r) for r in truth_rows], [row_key(r) for r in predicted_rows], settings.gap_cost)


def align_keys(tk: list[str], pk: list[str], gap: float) -> list[tuple[int | None, int | None]]:
    """Edit-distance alignment of two key sequences (pairing costs 1 − similarity, leaving one out ``gap``)."""
    n, m = len(tk), len(pk)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    move = [[0] * (m + 1) for _ in range(n + 1)]  # 1 pair, 2 skip truth, 3 skip predicted
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            best, how = inf, 0
            if i and j:
                c = cost[i - 1][j - 1] + (1.0 - _similarity(tk[i - 1], pk[j - 1]))
                if c < best:
                    best, how = c, 1
            if i:
                c = cost[i - 1][j] + gap
                if c < best:
                    best, how = c, 2
            if j:
                c = cost[i][j - 1] + gap
                if c < best:
                    best, how = c, 3
            cost[i][j], move[i][j] = best, how
    pairs: list[tuple[int | None, int | None]] = []
    i, j = n, m
    while i or j:
        how = move[i][j]
        if how == 1:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif how == 2:
            pairs.append((i - 1, None))
            i -= 1
        else:
            pairs.append((None, j - 1))
            j -= 1
    pairs.reverse()
    return pairs


def _title_key(title: str) -> str:
    return compare_key(title)


def truth_template(table: dict[str, Any]) -> str | None:
    """The template a truth table is: its ``template``, or the one its 公开0n表 marker names (generated truth
    carries the form only: 公开06表 is T06)."""
    if table.get("template"):
        return table["template"]
    n = form_number(table.get("form", ""))
    return f"T{n:02d}" if n is not None else None


def match_tables(truth_tables: list[dict[str, Any]], predicted_tables: list[dict[str, Any]],
                 settings: ScoreSettings = ScoreSettings()) -> list[tuple[int, int | None, str]]:
    """Greedy one-to-one matching: (truth index, predicted index | None, how)."""
    candidates: list[tuple[float, int, int, str]] = []
    for ti, t in enumerate(truth_tables):
        t_keys = {row_key(r) for r in t.get("rows", [])}
        t_form, t_title = compare_key(t.get("form", "")), _title_key(t.get("title", ""))
        t_template = truth_template(t)
        for pi, p in enumerate(predicted_tables):
            p_keys = {row_key(r) for r in p.get("rows", [])}
            shared = len(t_keys & p_keys)
            overlap = shared / len(t_keys) if t_keys else 0.0
            # ranked by rows shared over the larger table's: a one-row truth table (合计 of an empty 公开07表)
            # shares all its rows with a 40-row table that lost its title, which is another table's
            rank = shared / max(len(t_keys), len(p_keys)) if t_keys else 0.0
            p_form, p_title = compare_key(p.get("form", "")), _title_key(p.get("title", ""))
            if t_form and t_form == p_form:
                candidates.append((3.0 + rank, ti, pi, "form"))
            elif t_title and t_title == p_title:
                candidates.append((2.0 + rank, ti, pi, "title"))
            elif t_template and t_template == p.get("template"):
                candidates.append((1.5 + rank, ti, pi, "template"))
            elif overlap >= settings.min_row_overlap:
                candidates.append((rank, ti, pi, "rows"))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_t: dict[int, tuple[int, str]] = {}
    used_p: set[int] = set()
    for _, ti, pi, how in candidates:
        if ti in used_t or pi in used_p:
            continue
        used_t[ti] = (pi, how)
        used_p.add(pi)
    return [(ti, *used_t[ti]) if ti in used_t else (ti, None, "none") for ti in range(len(truth_tables))]


def _code_set(row: dict[str, Any]) -> set[tuple[int, str]]:
    return {(int(c["column"]), str(c["code"])) for c in row.get("codes", []) or []}


def _code_values(row: dict[str, Any]) -> set[str]:
    return {str(c["code"]) for c in row.get("codes", []) or []}


def _confidence(cell: dict[str, Any]) -> float:
    c = cell.get("confidence")
    return 1.0 if c is None else float(c)


# ---------------------------------------------------------------------------------------------- scoring


def score_document(truth: dict[str, Any], predicted: dict[str, Any], seconds: float | None = None,
                   name: str = "", settings: ScoreSettings = ScoreSettings()) -> DocumentScore:
    """Compare one predicted contract dict with its truth dict."""
    t_tables = truth.get("tables", [])
    p_tables = predicted.get("tables", [])
    pages = (truth.get("source") or {}).get("pages") or (predicted.get("source") or {}).get("pages") or 0
    if not pages:
        pages = max((p for t in t_tables for p in t.get("pages", [])), default=0)
    score = DocumentScore(name=name, profile=str(truth.get("profile", "")), pages=int(pages), seconds=seconds,
                          truth_tables=len(t_tables))
    # correctness of every predicted cell, filled while walking the aligned truth cells
    p_right: dict[tuple[int, int, int], bool] = {}

    for ti, pi, how in match_tables(t_tables, p_tables, settings):
        t = t_tables[ti]
        t_rows = t.get("rows", [])
        p_rows = p_tables[pi].get("rows", []) if pi is not None else []
        pairs = align_rows(t_rows, p_rows, settings) if pi is not None else [(i, None) for i in range(len(t_rows))]
        table_cells = table_right = aligned = 0
        for tr, pr in pairs:
            if tr is None:
                continue
            t_row = t_rows[tr]
            p_row = p_rows[pr] if pr is not None else None
            if p_row is not None:
                aligned += 1
            p_cells = p_row.get("cells", []) if p_row is not None else []
            for ci, t_cell in enumerate(t_row.get("cells", [])):
                p_cell = p_cells[ci] if ci < len(p_cells) else None
                right = cell_is_right(t_cell, p_cell, settings)
                table_cells += 1
                table_right += right
                if t_cell.get("value") is not None:
                    score.numeric_cells += 1
                    score.right_numeric += right
                if compare_key(t_cell.get("text", "")):
                    score.filled_cells += 1
                    score.right_filled += right
                if p_cell is not None and pi is not None and pr is not None:
                    p_right[(pi, pr, ci)] = right
                if not right:
                    score.wrong.append(WrongCell(t.get("id", str(ti)), tr, ci, t_cell.get("text", ""),
                                                 None if p_cell is None else p_cell.get("text", "")))
            t_codes = _code_set(t_row)
            if t_codes:
                score.code_rows += 1
                score.right_code_rows += p_row is not None and _code_set(p_row) == t_codes
                score.right_code_values += p_row is not None and _code_values(p_row) == _code_values(t_row)
        if pi is not None:
            _score_header(score, t.get("header") or [], p_tables[pi].get("header_cells") or [])
        score.truth_cells += table_cells
        score.right_cells += table_right
        score.matched_tables += pi is not None
        score.tables.append(TableMatch(t.get("id", str(ti)), None if pi is None else p_tables[pi].get("id", str(pi)),
                                       how, len(t_rows), aligned, table_cells, table_right))

    _page_verdicts(score, t_tables, predicted)
    for pi, p in enumerate(p_tables):
        for pr, row in enumerate(p.get("rows", [])):
            for ci, cell in enumerate(row.get("cells", [])):
                score.predicted.append(PredictedCell(
                    confidence=_confidence(cell), correct=p_right.get((pi, pr, ci), False),
                    review=bool(cell.get("review", False)), repaired="repaired" in (cell.get("reasons") or []),
                    table=str(p.get("id", pi)), row=pr, column=ci))
    return score


def _score_header(score: DocumentScore, truth_header: list[list[str]], entries: list[dict[str, Any]]) -> None:
    for h in entries:
        text = compare_key(h.get("text", ""))
        if not text:
            continue
        r, c = h.get("row", -1), h.get("col", -1)
        truth = truth_header[r][c] if 0 <= r < len(truth_header) and 0 <= c < len(truth_header[r]) else ""
        right = compare_key(truth) == text
        score.header_cells += 1
        score.header_right += right
        score.header_flagged += bool(h.get("review"))
        score.header_unflagged_wrong += not right and not h.get("review")


def _page_verdicts(score: DocumentScore, t_tables: list[dict[str, Any]], predicted: dict[str, Any]) -> None:
    """Pages per status, silent misses and false alarms (see the module doc)."""
    pages = predicted.get("pages", [])
    for page in pages:
        status = page.get("status") or "none"
        score.page_status[status] = score.page_status.get(status, 0) + 1
    unrecovered = {int(p["number"]) for p in pages if p.get("status") == "unrecovered"}
    missed_pages: set[int] = set()
    for t, match in zip(t_tables, score.tables):
        if match.predicted is None:
            missed_pages.update(int(p) for p in t.get("pages", []))
            if not unrecovered & {int(p) for p in t.get("pages", [])}:
                score.silent_misses.append(match.truth)
    score.false_alarms = sorted(unrecovered - missed_pages)


def reliability(cells: list[PredictedCell], bins: int = 10) -> list[ReliabilityBin]:
    groups: list[list[PredictedCell]] = [[] for _ in range(bins)]
    for c in cells:
        k = min(bins - 1, max(0, int(math.floor(c.confidence * bins))))
        groups[k].append(c)
    out = []
    for k, g in enumerate(groups):
        out.append(ReliabilityBin(
            low=k / bins, high=(k + 1) / bins, count=len(g),
            mean_confidence=sum(c.confidence for c in g) / len(g) if g else None,
            accuracy=sum(c.correct for c in g) / len(g) if g else None))
    return out


def expected_calibration_error(table: list[ReliabilityBin]) -> float | None:
    total = sum(b.count for b in table)
    if not total:
        return None
    return sum(b.count / total * abs(b.accuracy - b.mean_confidence) for b in table if b.count)


def catch_at(cells: list[PredictedCell], share: float) -> float | None:
    """Share of the wrong cells found among the ceil(share × N) lowest-confidence cells."""
    wrong = sum(not c.correct for c in cells)
    if not wrong:
        return None
    k = math.ceil(share * len(cells) - 1e-9)
    lowest = sorted(range(len(cells)), key=lambda i: cells[i].confidence)[:k]
    return sum(not cells[i].correct for i in lowest) / wrong


def aggregate(scores: list[DocumentScore], settings: ScoreSettings = ScoreSettings()) -> Metrics:
    cells = [c for s in scores for c in s.predicted]
    unflagged = [c for c in cells if not c.review]
    table = reliability(cells, settings.bins)
    timed = [s for s in scores if s.seconds is not None]
    timed_pages = sum(s.pages for s in timed)
    return Metrics(
        documents=len(scores),
        pages=sum(s.pages for s in scores),
        table_recall=_ratio(sum(s.matched_tables for s in scores), sum(s.truth_tables for s in scores)),
        cell_accuracy=_ratio(sum(s.right_cells for s in scores), sum(s.truth_cells for s in scores)),
        numeric_accuracy=_ratio(sum(s.right_numeric for s in scores), sum(s.numeric_cells for s in scores)),
        filled_cell_accuracy=_ratio(sum(s.right_filled for s in scores), sum(s.filled_cells for s in scores)),
        row_code_accuracy=_ratio(sum(s.right_code_rows for s in scores), sum(s.code_rows for s in scores)),
        row_code_value_accuracy=_ratio(sum(s.right_code_values for s in scores), sum(s.code_rows for s in scores)),
        flag_rate=_ratio(sum(c.review for c in cells), len(cells)),
        residual_error=_ratio(sum(not c.correct for c in unflagged), len(unflagged)),
        catch_at_2=catch_at(cells, settings.low_confidence_share),
        ece=expected_calibration_error(table),
        repairs_made=sum(c.repaired for c in cells),
        repairs_right=sum(c.repaired and c.correct for c in cells),
        seconds_per_page=(sum(s.seconds for s in timed) / timed_pages) if timed and timed_pages else None,
        cpu_seconds_per_page=_cpu_per_page(scores),
        truth_cells=sum(s.truth_cells for s in scores),
        predicted_cells=len(cells),
        reliability=table,
        truth_tables=sum(s.truth_tables for s in scores),
        matched_tables=sum(s.matched_tables for s in scores),
        page_status=_sum_counts(s.page_status for s in scores),
        silent_misses=sum(len(s.silent_misses) for s in scores),
        false_alarms=sum(len(s.false_alarms) for s in scores),
        header_accuracy=_ratio(sum(s.header_right for s in scores), sum(s.header_cells for s in scores)),
        header_flag_rate=_ratio(sum(s.header_flagged for s in scores), sum(s.header_cells for s in scores)),
        header_residual_error=_ratio(sum(s.header_unflagged_wrong for s in scores),
                                     sum(s.header_cells - s.header_flagged for s in scores)),
    )


def _cpu_per_page(scores: list[DocumentScore]) -> float | None:
    timed = [s for s in scores if s.cpu_seconds is not None]
    pages = sum(s.pages for s in timed)
    return sum(s.cpu_seconds for s in timed) / pages if timed and pages else None


def _sum_counts(counts) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in counts:
        for k, v in c.items():
            out[k] = out.get(k, 0) + v
    return dict(sorted(out.items()))


def score_by_profile(scores: list[DocumentScore],
                     settings: ScoreSettings = ScoreSettings()) -> dict[str, Metrics]:
    """Metrics per degradation profile, plus ``"overall"``."""
    profiles: dict[str, list[DocumentScore]] = {}
    for s in scores:
        profiles.setdefault(s.profile or "unknown", []).append(s)
    out = {p: aggregate(v, settings) for p, v in sorted(profiles.items())}
    out["overall"] = aggregate(scores, settings)
    return out
