"""Stage after validation — verdict: never silent about what was not recovered.

Every page gets ``status`` (:class:`PageStatus`) with ``reasons``:

- ``tables`` — the page holds (part of) an assembled table and nothing on it looks like a table that was
  missed;
- ``no_tables`` — nothing table-like: ``blank``, ``text`` (prose, cover), ``contents`` (a table of contents
  listing table titles, no ruling, no amounts);
- ``unrecovered`` — the page shows a table that did not come out. Evidence is gathered *without* the grid
  finder whose failure it has to catch:

  * ``table_title`` — a 公开0n表 marker or a known table title read on the page, more of them than tables
    assembled from it;
  * ``grid_ink`` — long straight ink lines (rule-like: thin, inked over most of their length, not the
    strokes of a text line) outside every assembled grid, forming a lattice (≥ 3 horizontal and ≥ 2
    vertical, or ≥ 5 horizontal);
  * ``numeric_text`` — amounts standing alone (a cell's worth of text) outside every assembled table;
  * ``text_rows`` — text lines that fall into several aligned pieces (cells without rules) outside them, most
    pieces read with some certainty (``text_row_score``, a line's least sure character);
  * ``empty_table`` — a table assembled on the page with no body row while amounts are printed in it;
  * ``table_pieces`` — every table of the page is a piece no template knows (``template_unmatched``, see
    below: set once templates are recognised), or a scanned grid no title names whose header matches no
    template (``header_unmatched``: a template guessed from garbled labels is no table recovered).

A table whose structure is doubtful gets the reason ``structure`` on every cell (so every cell is flagged,
see :mod:`pipeline.score`; its printed header cells too unless the only doubt is ``identities_failing``; its
body cells not when the only doubt is a worn header its identities bear out, :func:`_body_confirmed`), with
the doubts in the document warning: ``columns_missing`` (roles of its
template with no column), ``columns_extra`` (columns no role of the template takes: with content, or labelled
as another column is; a 公开06表, whose template names no column roles, is checked by its blocks of 科目编码 |
科目名称 | 决算数 instead), ``header_unmatched`` (fewer than half of the template's columns found by their header labels),
``identities_failing`` (most of the table's own identities fail), ``template_unmatched`` (a scanned grid no
template knows and no title names: a piece of a table whose rules were partly lost), ``header_amounts``
(amounts in the header: body rows taken for header rows), ``columns_contradicted`` (a column's body
contradicts its label — codes or names under 决算数, amounts run on into the next column's code: the grid's
columns shifted against the header, every value read right but placed wrong), ``labels_lost`` (a table of
labelled items — 公开10表, a 收支总表 side — whose item column is blank beside its values: the values stand for
no item; with no label left at all, its page is ``unrecovered``).

Document completeness (:func:`completeness`, after template recognition): a 部门/单位决算 prints 公开01–09表
(公开10表 may be absent: templates with ``"in_set": "optional"``), a 部门/单位预算 its nine tables (B01–B09).
The set is judged when the document presents itself as the whole publication — pages (cover, contents, prose)
before its first table, or at least ``set_share`` of the set found — not on an excerpt of a few tables:

* ``missing_table`` — a table of the set that is not in the document (form id, title, template);
* ``empty_table_unexplained`` — a table of the set with no body row or no amount, and nothing saying why: no
  note on its pages such as 本表无数据 / 为空表 / 无…支出 / 没有…经费, and no other table of the document
  showing the fund it covers (政府性基金, 国有资本经营, “三公”) as zero.

Document warnings (``Document.warnings``, JSON ``warnings``) list the unrecovered pages, the doubtful tables,
the missing and the unexplained empty tables, for the batch summary (documents ``ok`` / ``ok with warnings``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import cv2
import numpy as np

from .layout import _mm
from .model import Cell, Document, PageInfo, Table
from .read import PageReading, TextLine
from .textnorm import FORM_MARK, compare_key, form_mark_number

STRUCTURE = "structure"
STRUCTURE_HEADER_CAP = 0.5  # confidence of a header cell of a doubtful table, however well it was read


class PageStatus:
    TABLES = "tables"
    NO_TABLES = "no_tables"
    UNRECOVERED = "unrecovered"


@dataclass(frozen=True)
class VerdictSettings:
    min_line_mm: float = 25.0  # an ink line at least this long may be a rule
    short_line_mm: float = 5.0  # a shorter vertical one only between two horizontal lines (one row high)
    line_gap_mm: float = 5.0  # gaps bridged along a line (broken, faded rules)
    max_thick_mm: float = 1.0  # thicker is not a rule (a bar, a dark text line)
    min_line_cover: float = 0.4  # share of its length that is ink
    faint_darkness: int = 12  # grey levels a thin line is darker than what is beside it (smoothed along it)
    max_wander_px: float = 0.75  # median distance of a rule's darkest pixels from a smooth curve
    long_piece_mm: float = 5.0  # a rule's ink comes in pieces this long (between its gaps) ...
    long_share: float = 0.35  # ... for at least this share of it; a text line's strokes never do
    grid_min_h: int = 3  # a lattice: this many horizontal lines ...
    grid_min_v: int = 2  # ... and this many vertical ones, or
    grid_only_h: int = 5  # this many horizontal lines alone
    grid_margin_mm: float = 3.0  # a line this close to an assembled grid belongs to it
    min_amounts: int = 6  # standalone amounts outside the tables
    min_text_rows: int = 4  # rows of ≥ 3 aligned pieces outside the tables ...
    text_row_score: float = 0.4  # ... most of them holding a line whose every character was read at least
    # this surely (a watermark's big diagonal characters read as rows of garbage, '目村 1008 宾村', at 0.1–0.3)
    min_checks: int = 3  # a table's identities judged only when it has this many
    failing_share: float = 0.5  # more than this share failing → structure
    confirm_min_checks: int = 10  # a worn header's doubt is lifted from the body by this many identities …
    confirm_failing_share: float = 0.1  # … of which no more than this share fail (_body_confirmed)
    header_min_share: float = 0.5  # fewer template columns found by label → header_unmatched
    contradicted_min_cells: int = 4  # a column's body judged against its label from this many filled cells
    contradicted_share: float = 0.5  # more than this share of another kind (codes under 决算数) → shifted
    set_share: float = 2 / 3  # a document without front matter is judged as a set with this share of it found
    # the funds a table may be empty for, named in its title; another table showing the fund as zero explains it
    funds: tuple[str, ...] = ("政府性基金", "国有资本经营", "三公")


@dataclass
class InkLine:
    horizontal: bool
    bbox: tuple[int, int, int, int]


@dataclass
class PageEvidence:
    """What the page shows, gathered beside (not from) the grid finder."""

    number: int
    lines: list[InkLine] = field(default_factory=list)  # rule-like ink lines
    ink: float = 0.0  # share of the page that is ink (blank pages ≈ 0)


# ------------------------------------------------------------------------------------------ ink lines


def ink_lines(image: np.ndarray, dpi: int, settings: VerdictSettings = VerdictSettings(),
              skip: list[tuple[int, int, int, int]] | None = None) -> tuple[list[InkLine], float]:
    """Rule-like straight ink lines of a page image (grey or BGR, dark ink) and the page's ink share.

    For horizontal lines (vertical ones alike, transposed): thin dark structures are lifted with a black
    top-hat across the direction (``max_thick_mm``), smoothed along it (noise averages out, a faint rule
    keeps its darkness), thresholded at ``faint_darkness`` — faint grey rules on a grey photocopy count;
    the red of a seal, light in its brightest channel, does not. Gaps up to ``line_gap_mm`` are bridged.
    A candidate is kept when it is inked over ``min_line_cover`` of its length and *straight*: the darkest
    row of its band lies on a smooth curve (a rule, even tilted or bowed), not scattered as the strokes of
    a text line are. Pages above 250 dpi are looked at in half resolution. ``skip``: boxes (the grids the
    layout stage built) left out, widened by ``grid_margin_mm``. Boxes are in the page's pixels."""
    if image.ndim == 3:
        b, g, r = cv2.split(image[..., :3])
        image = cv2.max(cv2.max(b, g), r)
    if skip:
        image = image.copy()
        margin = _mm(dpi, settings.grid_margin_mm)
        for x0, y0, x1, y1 in skip:
            image[max(0, y0 - margin):y1 + margin, max(0, x0 - margin):x1 + margin] = 255
    scale = 2 if dpi > 250 else 1
    gray = image
    if scale > 1:
        gray = cv2.resize(gray, (gray.shape[1] // scale, gray.shape[0] // scale), interpolation=cv2.INTER_AREA)
        dpi = max(1, dpi // scale)
    share = float((gray < 160).mean())
    min_len = _mm(dpi, settings.min_line_mm)
    gap = _mm(dpi, settings.line_gap_mm)
    thick = _mm(dpi, settings.max_thick_mm)
    short = _mm(dpi, settings.short_line_mm)
    reach = _mm(dpi, 1.5)
    smooth = _mm(dpi, 1.0) | 1
    out: list[InkLine] = []
    rows: list[tuple[int, int, int, int]] = []
    for horizontal in (True, False):
        along = (lambda n: (n, 1)) if horizontal else (lambda n: (1, n))
        across = (lambda n: (1, n)) if horizontal else (lambda n: (n, 1))
        lifted = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, across(thick | 1)))
        response = cv2.blur(lifted, along(smooth))
        # candidates at half this resolution (any ink in a 2×2 block), checked at full resolution below
        line_ink = cv2.resize(np.where(response >= settings.faint_darkness, 255, 0).astype(np.uint8),
                              (gray.shape[1] // 2, gray.shape[0] // 2), interpolation=cv2.INTER_AREA)
        m = (line_ink > 0).astype(np.uint8)
        m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, along(gap // 2 | 1)))
        m = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(
            cv2.MORPH_RECT, along(max(2, (min_len if horizontal else short) // 2))))
        n, _, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
        for i in range(1, n):
            x, y, w, h = (2 * int(v) for v in stats[i, :4])
            length = w if horizontal else h
            if length < min_len:
                # a short vertical (one row high) is a rule only between two horizontal lines
                if horizontal or not _anchored(x + w / 2, y, y + h, rows, reach):
                    continue
            if horizontal:
                band, raw = response[max(0, y - 2):y + h + 2, x:x + w], lifted[max(0, y - 2):y + h + 2, x:x + w]
            else:
                band, raw = response[y:y + h, max(0, x - 2):x + w + 2].T, lifted[y:y + h, max(0, x - 2):x + w + 2].T
            if not _straight(band, raw, _mm(dpi, settings.long_piece_mm), settings):
                continue
            if horizontal:
                rows.append((x, y, x + w, y + h))
            out.append(InkLine(horizontal, (scale * x, scale * y, scale * (x + w), scale * (y + h))))
    return out, share


def _straight(band: np.ndarray, raw: np.ndarray, long_piece: int, settings: VerdictSettings) -> bool:
    """A line's band (across × along, smoothed ``band`` and unsmoothed ``raw``): inked over
    ``min_line_cover`` of its length; its darkest position across follows a smooth curve (within
    ``max_wander_px``); and along that curve its ink comes mostly in long pieces — a rule is continuous
    between its gaps, the strokes of a line of text (whose baseline is just as straight) are a character
    wide."""
    peak = band.max(axis=0)
    inked = peak >= settings.faint_darkness
    if inked.mean() < settings.min_line_cover or inked.sum() < 8:
        return False
    t = np.flatnonzero(inked).astype(float)
    pos = band.argmax(axis=0)[inked].astype(float)
    coef = np.polyfit(t, pos, 2)
    if float(np.median(np.abs(pos - np.polyval(coef, t)))) > settings.max_wander_px:
        return False
    along = np.arange(band.shape[1])
    centre = np.clip(np.rint(np.polyval(coef, along)).astype(int), 0, band.shape[0] - 1)
    near = np.stack([raw[np.clip(centre + d, 0, band.shape[0] - 1), along] for d in (-1, 0, 1)]).max(axis=0)
    on = near >= settings.faint_darkness
    on = cv2.morphologyEx(on.astype(np.uint8)[None, :], cv2.MORPH_CLOSE, np.ones((1, 3), np.uint8))[0].astype(bool)
    pieces = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], on.astype(np.int8), [0]]))).reshape(-1, 2), axis=1)
    total = int(pieces.sum())
    return total > 0 and int(pieces[pieces >= long_piece].sum()) >= settings.long_share * total


def _anchored(xc: float, top: int, bottom: int, rows: list[tuple[int, int, int, int]], reach: int) -> bool:
    """Both ends of a vertical piece at ``xc`` meet a horizontal line."""
    def meets(y: int) -> bool:
        return any(r[0] - reach <= xc <= r[2] + reach and abs((r[1] + r[3]) / 2 - y) <= reach for r in rows)
    return meets(top) and meets(bottom)


def segment_lines(segments, dpi: int, settings: VerdictSettings = VerdictSettings()) -> list[InkLine]:
    """Rule-like lines of a born-digital page from its vector segments (``layout.Segment``)."""
    min_len = _mm(dpi, settings.min_line_mm)
    out = []
    for s in segments:
        x0, x1 = sorted((s.x0, s.x1))
        y0, y1 = sorted((s.y0, s.y1))
        if max(x1 - x0, y1 - y0) >= min_len:
            out.append(InkLine(s.horizontal, (int(x0), int(y0), int(x1) + 1, int(y1) + 1)))
    return out


def _inside(box: tuple[int, int, int, int], grids: list[tuple[int, int, int, int]], margin: int) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(g[0] - margin <= cx <= g[2] + margin and g[1] - margin <= cy <= g[3] + margin for g in grids)


def grid_like(lines: list[InkLine], grids: list[tuple[int, int, int, int]], dpi: int,
              settings: VerdictSettings = VerdictSettings()) -> bool:
    """Rule-like lines outside every assembled grid forming a lattice."""
    margin = _mm(dpi, settings.grid_margin_mm)
    free = [ln for ln in lines if not _inside(ln.bbox, grids, margin)]
    hs = _distinct([ln for ln in free if ln.horizontal], True, dpi)
    vs = _distinct([ln for ln in free if not ln.horizontal], False, dpi)
    if len(hs) >= settings.grid_only_h and _stacked(hs):
        return True
    if len(hs) < settings.grid_min_h or len(vs) < settings.grid_min_v:
        return False
    # the verticals cross the horizontals' span: one lattice, not a few stray lines
    top, bottom = min(b[1] for b in hs), max(b[3] for b in hs)
    left, right = min(b[0] for b in hs), max(b[2] for b in hs)
    crossing = [b for b in vs if b[1] < bottom and b[3] > top and left - margin <= b[0] <= right + margin]
    return len(crossing) >= settings.grid_min_v


def _distinct(lines: list[InkLine], horizontal: bool, dpi: int) -> list[tuple[int, int, int, int]]:
    """Line boxes with pieces of one line (same position, overlapping) joined."""
    tol = _mm(dpi, 1.0)
    pos = (lambda b: (b[1] + b[3]) / 2) if horizontal else (lambda b: (b[0] + b[2]) / 2)
    out: list[list[int]] = []
    for ln in sorted(lines, key=lambda l: pos(l.bbox)):
        b = ln.bbox
        for o in out:
            if abs(pos(o) - pos(b)) <= tol:
                o[0], o[1], o[2], o[3] = min(o[0], b[0]), min(o[1], b[1]), max(o[2], b[2]), max(o[3], b[3])
                break
        else:
            out.append(list(b))
    return [tuple(o) for o in out]


def _stacked(hs: list[tuple[int, int, int, int]]) -> bool:
    """Most horizontal lines overlap the widest one by half their length (rows of one table)."""
    widest = max(hs, key=lambda b: b[2] - b[0])
    over = [b for b in hs if min(b[2], widest[2]) - max(b[0], widest[0]) >= 0.5 * (b[2] - b[0])]
    return len(over) >= 0.8 * len(hs)


# ------------------------------------------------------------------------------------------ text evidence

_AMOUNT = re.compile(r"^[-−－]?(\d{1,3}([,，]\d{3})+|\d+)[.．]\d{1,2}$|^[-−－]?\d{1,3}([,，]\d{3})+$")


def _title_keys() -> dict[str, str]:
    """Normalised table title (and alias) → template id."""
    from .templates import load_templates, title_key

    keys: dict[str, str] = {}
    for t in load_templates().values():
        for alias in [t.title, *t.aliases]:
            k = title_key(alias)
            if len(k) >= 4:
                keys[k] = t.id
    return keys


def titles_on(lines: list[TextLine]) -> set[str]:
    """Tables announced by the text lines of a page: ``公开0n表`` markers (``F02``) and lines that are a known
    table title (``T02``) — a whole line, not a title quoted in prose."""
    from .templates import title_key

    keys = _title_keys()
    found: set[str] = set()
    for ln in lines:
        if ln.partial:  # a paragraph's line read at its head (a sentence)
            continue
        text = compare_key(ln.text)
        m = FORM_MARK.search(text)
        if m and len(text) <= 24:
            found.add(f"F{form_mark_number(m):02d}")
            text = FORM_MARK.sub("", text)
        k = re.sub(r"^(附表|表)?[0-9一二三四五六七八九十]*[-—.、:：]?", "", title_key(text))
        if len(k) < 4:
            continue
        for key, tid in keys.items():
            if key == k or (k.endswith(key) and len(k) <= len(key) + 8 and "说明" not in k and "情况说明" not in k):
                found.add(tid)
                break
    return found


_AMOUNT_TOKEN = re.compile(r"\d[\d,，]*[.．]\d{1,2}(?!\d)")
_NUMERIC_CHARS = set("0123456789,，.．-−－ ")


def _amounts_in(text: str) -> int:
    """Amounts in a piece of text that is nothing but amounts (a table row read without its rules: "1,222.86
    1,222.86 0.00"); amounts inside a sentence do not count."""
    t = text.strip()
    if not t or sum(ch in _NUMERIC_CHARS for ch in t) < 0.9 * len(t):
        return 0
    return len(_AMOUNT_TOKEN.findall(t)) or int(bool(_AMOUNT.match(t)))


def _announced(found: set[str]) -> int:
    """How many tables the markers and titles of a page announce (a marker and a title may name one)."""
    markers = {x for x in found if x.startswith("F")}
    titles = {x for x in found if not x.startswith("F")}
    return max(len(markers), len(titles))


def _rows_of(lines: list[TextLine], sure: float = 0.0) -> list[list[tuple[int, int]]]:
    """Text lines (not specks: a raised dash) grouped into rows (vertical centre inside the row's first
    line), each row as its horizontal extents with pieces lying inside another merged; with ``sure``, a row
    most of whose pieces hold no line with every character read at ``sure`` or better is left out (a
    watermark's big diagonal characters read as rows of garbage, '目村 1008 宾村', at 0.1–0.3)."""
    # (the lines' usual height from those read surely: a watermark's big characters read as garbage are tall)
    heights = sorted(l.bbox[3] - l.bbox[1] for l in lines if l.score >= sure) \
        or sorted(l.bbox[3] - l.bbox[1] for l in lines)
    tall = [l for l in lines if heights and l.bbox[3] - l.bbox[1] >= 0.5 * heights[len(heights) // 2]]  # no specks
    rows: list[list[TextLine]] = []
    for ln in sorted(tall, key=lambda l: (l.bbox[1] + l.bbox[3]) / 2):
        cy = (ln.bbox[1] + ln.bbox[3]) / 2
        if rows:
            last = rows[-1][0]
            if last.bbox[1] <= cy <= last.bbox[3]:
                rows[-1].append(ln)
                continue
        rows.append([ln])
    out = []
    for row in rows:
        spans: list[list] = []  # [left, right, any line of it sure]
        for ln in sorted(row, key=lambda l: l.bbox[0]):
            if spans and ln.bbox[0] <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], ln.bbox[2])
                spans[-1][2] = spans[-1][2] or ln.score >= sure
            else:
                spans.append([ln.bbox[0], ln.bbox[2], ln.score >= sure])
        if 2 * sum(s[2] for s in spans) >= len(spans):
            out.append([(a, b) for a, b, _ in spans])
    return out


_LEADER = re.compile(r"^[.．。…·・\s]{6,}\d*$")


def _is_contents(lines: list[TextLine]) -> bool:
    """A table of contents: 目录 at the top (its characters may be read apart) or dotted leader lines."""
    top = sorted(lines, key=lambda l: l.bbox[1])[:4]
    return "目录" in compare_key("".join(ln.text for ln in top)) or sum(
        bool(_LEADER.match(ln.text.strip())) for ln in lines) >= 3


# ------------------------------------------------------------------------------------------ tables


def _own_checks(doc: Document, table: Table) -> list:
    """The checks of the table's own identities (every cell of them in the table)."""
    return [c for c in doc.checks if c.table == table.id and all(ref[0] == table.id for ref in c.cells)]


def _table_checks(doc: Document, table: Table) -> tuple[int, int]:
    own = _own_checks(doc, table)
    return len(own), sum(not c.ok for c in own)


def structure_doubts(doc: Document, table: Table, settings: VerdictSettings = VerdictSettings()) -> list[str]:
    """Why the table's structure is doubtful (empty: it agrees with its template and its identities)."""
    from .headercheck import splits_columns
    from .headers import is_column_number_row
    from .templates import load_templates, resolve_columns

    doubts: list[str] = []
    template = load_templates().get(table.template or "")
    scanned = any(p.mode == "ocr" for p in doc.pages if p.number in table.pages)
    if template is None and scanned and table.kind != "performance" and table.rows and not _named(table):
        # a scanned grid no template knows, with no title read above it: a piece of a table whose rules were
        # partly lost (the rest of its page unread), not a table of its own — or a table whose title was
        # misread (“金单位4表”, “公开00表”: seed-45 photocopy150) and its labels too: which table it is, and so
        # every identity that would check it, was not recovered
        doubts.append("template_unmatched")
    if any(_HEADER_AMOUNT.search(compare_key(t)) for r in table.header for t in r if t):
        # headers print labels and column numbers, never amounts: body rows were read into the header
        # (their rules missed), so the columns' labels and the rows are both wrong
        doubts.append("header_amounts")
    if template is not None and template.columns:  # (a table without body rows too: its header says it)
        labels = [compare_key(c) for c in table.columns]
        required = [s for s in template.columns if not s.optional]
        roles = resolve_columns(table, template)
        taken = {i for cols in roles.values() for i in cols}
        if any(s.role not in roles for s in required) or _taken_against_label(roles, labels, template):
            doubts.append("columns_missing")
        # a column no role takes, with content in two rows (one, in a table of fewer than eight), whose label is
        # blank or repeats another column's — or with content in two rows, whose label names nothing (no two
        # characters running: “L” read from a stray rule's remains, real shehuigongzuo 公开04表 as a worn
        # photocopy, every column after it a place off): a column split by a stray rule (a column the header
        # names is a variant)
        def content(c: int) -> int:
            return sum(bool(r.cells[c].text) for r in table.rows if c < len(r.cells))

        # (a label no more than the group label over other columns — 收入 beside 收入/项目, 收入/行次 — is none of
        # its own: a stray rule cut the column below the group's row)
        def unlabelled(c: int) -> bool:
            return not labels[c] or labels.count(labels[c]) > 1 or any(o.startswith(labels[c] + "/") for o in labels)

        filled = [c for c in range(len(table.columns)) if c not in taken and (
            unlabelled(c) and content(c) >= min(2, max(1, len(table.rows) // 4))
            or labels[c] and not _NAMES.search(labels[c]) and content(c) >= 2)]
        # a column no role takes labelled as another column is (under whatever upper label: 出/一般公共预算财政拨款
        # beside 一般公共预算财政拨款, calibration gen7_007 photocopy150 公开04表): a column split off, empty or not —
        # every label and 栏次 number after it a place off
        last = [lab.split("/")[-1] for lab in labels]
        doubled = [c for c in range(len(table.columns)) if c not in taken and last[c] and last.count(last[c]) > 1]
        if filled or doubled:
            doubts.append("columns_extra")
        # (no header read at all: the labels, if any, are the template's, not the page's — labels_from_template)
        # (a 栏次 row alone names no column: seed-41 nanyang 公开04表 as a worn photocopy kept only that)
        header_lost = scanned and table.kind != "performance" and bool(table.rows) \
            and not any(t.strip() for r in table.header if not is_column_number_row(r) for t in r)
        if header_lost or _header_unmatched(table, template, settings) or (
                scanned and not table.title and not table.form and _foreign_labels(table, template, load_templates())):
            doubts.append("header_unmatched")  # (or its header names another table's columns: see _foreign_labels)
    if template is not None and template.layout == "econ_blocks" and scanned and table.rows:
        doubts.extend(d for d in _econ_block_doubts(table, template) if d not in doubts)
    if "columns_missing" not in doubts and group_cut(table):
        doubts.append("columns_missing")
    if columns_contradicted(table, settings):
        doubts.append("columns_contradicted")
    if splits_columns(table):
        doubts.append("header_split")  # a stray rule through a column's label, and so down its column
    if template is not None and scanned and table.rows and _labels_lost(table, template):
        doubts.append("labels_lost")
    if _identities_failing(doc, table, settings):
        doubts.append("identities_failing")
    return doubts


# the item column of a table of labelled items, and the columns whose amounts it labels (by the role's side)
_ITEM_ROLES = {"item": "", "income_item": "income_", "expense_item": "expense_"}


def _any_label(table: Table) -> bool:
    """Any row's item column reads a label (``_ITEM_ROLES``)."""
    from .templates import load_templates, resolve_columns

    template = load_templates().get(table.template or "")
    if template is None:
        return False
    roles = resolve_columns(table, template)
    items = [c for r in _ITEM_ROLES for c in roles.get(r, [])]
    return any(c < len(row.cells) and _NAMES.search(row.cells[c].text) for row in table.rows for c in items)


def _labels_lost(table: Table, template, least: int = 3, share: float = 0.9) -> bool:
    """A table of labelled items (公开10表's 项目, a 收支总表 side's 项目) whose item column is blank beside
    ``share`` of the values printed on its side, ``least`` of them at least: its labels were lost (a stray line
    inside the table taken for its left wall, the labels cut off with what lay beyond it), and the values stand
    for no item — each read right, none saying what it is (seed-47 agriculture 公开10表 as a worn photocopy:
    行次 and 统计数 read and confirmed by their sums, unflagged, with no label)."""
    from .templates import resolve_columns

    roles = resolve_columns(table, template)
    for role, side in _ITEM_ROLES.items():
        if role not in roles or not any(s.role == role for s in template.columns):
            continue
        items = roles[role]
        amounts = [c for r, cols in roles.items() if r not in _ITEM_ROLES and r.startswith(side)
                   and not r.endswith("line") for c in cols]
        valued = [row for row in table.rows
                  if any(c < len(row.cells) and row.cells[c].value is not None for c in amounts)]
        blank = [row for row in valued if not any(c < len(row.cells) and row.cells[c].text.strip() for c in items)]
        if len(valued) >= least and len(blank) >= share * len(valued):
            return True
    return False


def _identities_failing(doc: Document, table: Table, settings: VerdictSettings) -> bool:
    """More than ``failing_share`` of the table's own identities fail, for its columns or rows rather than for
    cells flagged on their own. An identity failing by specks read as numbers in blank cells — “1” in a worn
    国有资本经营 column — fails for them (seed-45 jincheng 公开04表, right but for them and one amount, had 12 of
    its 23 identities failing and all 288 cells in review). One over a number read broken (“20431” for
    204.31, “=2149”: ``format``, flagged on its own; “0.001” mended to 0.00, ``stroke_dropped``; a code, 30224,
    put in its column from there), failing or holding, tells nothing of where the table's amounts stand: the
    table is judged by the others — when ``min_checks`` of them remain (seed-45 nanyang 公开06表: 4 of 7
    failing, 3 of them over such a reading, the fourth by a misread in 301; its 261 cells in review). Words in
    an amount's cell are no broken number: a column shifted puts them there."""
    from .interpret import _known_code
    from .validate import MENDED, _garbled

    own = _own_checks(doc, table)
    n, failed = len(own), sum(not c.ok for c in own)
    if n < settings.min_checks or failed <= settings.failing_share * n:
        return False
    by_specks = _failing_by_specks(doc, table)

    def explained(c) -> bool:
        return not c.ok and (c.rule, _refs(c.cells)) in by_specks

    def broken(ref) -> bool:
        # a number read broken (digits and marks, ``format``) — not words in an amount's cell, which a column
        # shifted against its header puts there: that failure is the columns' to tell
        _, r, k = ref
        cell = table.rows[r].cells[k] if r < len(table.rows) and k < len(table.rows[r].cells) else None
        if cell is not None and any(why in cell.reasons for why in MENDED):
            return True  # read broken, mended from its form alone (“0.001” → 0.00): as little told
        beside = table.rows[r].cells[k + 1] if cell is not None and k + 1 < len(table.rows[r].cells) else None
        if beside is not None and cell.original and not cell.text.strip() and _known_code(cell.original) \
                and re.sub(r"\s+", "", beside.text) == re.sub(r"\s+", "", cell.original):
            return True  # a code read there and put in its column (interpret._code_in_its_sequence): no amount read
        return _garbled(cell) and re.search(r"\d", cell.text) is not None \
            and not re.search(r"[\u4e00-\u9fff]", cell.text)

    told = [c for c in own if explained(c) or not any(broken(ref) for ref in c.cells)]
    if len(told) < settings.min_checks:
        return sum(not c.ok and not explained(c) for c in own) > settings.failing_share * n
    return sum(not c.ok and not explained(c) for c in told) > settings.failing_share * len(told)


def _refs(cells) -> tuple:
    return tuple(tuple(ref) for ref in cells)


def _failing_by_specks(doc: Document, table: Table, most: int = 6) -> set[tuple]:
    """The table's own failing identities (sums: ``eq``), as (rule, cells), that hold once some of the specks in
    them (one or two digits alone, :func:`pipeline.validate._speck`, in a column printing amounts with two decimals or,
    under an amount label of a template counting no things, nothing else) are read as blank — at most ``most``
    specks per identity, every subset of them tried. A 绩效 form's scores are whole numbers, no specks: none."""
    from itertools import combinations

    from .headers import is_amount_column
    from .numbers import parse_number
    from .templates import load_templates
    from .validate import _speck, _two_decimal_columns, cell_values, expand_identities

    template = load_templates().get(table.template or "")
    if table.kind == "performance" or template is None or not template.columns:
        return set()
    columns = {c for t, c in _two_decimal_columns(doc) if t == table.id}
    if not any(s.role == "value" for s in template.columns):
        columns |= {c for c, label in enumerate(table.columns)
                    if compare_key(label.split("/")[-1]) and is_amount_column(label)
                    and all(_speck(r.cells[c]) or parse_number(r.cells[c].text).kind != "number"
                            for r in table.rows if c < len(r.cells))}
    values = cell_values(doc)
    out: set[tuple] = set()
    for ident in expand_identities(doc):
        refs = ident.cells()
        if ident.table != table.id or ident.op != "eq" or not all(ref[0] == table.id for ref in refs) \
                or ident.holds(values):
            continue
        specks = [ref for ref in refs if ref[2] in columns and ref[1] < len(table.rows)
                  and ref[2] < len(table.rows[ref[1]].cells) and _speck(table.rows[ref[1]].cells[ref[2]])]
        if specks and len(specks) <= most and any(
                ident.holds({**values, **{ref: 0.0 for ref in subset}})
                for k in range(1, len(specks) + 1) for subset in combinations(specks, k)):
            out.add((ident.rule, _refs(refs)))
    return out


def stray_columns(table: Table, roles: dict[str, list[int]] | None = None) -> list[int]:
    """Columns of a table that are no column of the printed table: no role of its template takes them, no
    label names them, and they hold marks only beside columns of amounts. At the table's edge, ink beyond its
    outer rule read as a column of its own — marks, no amount, no code, no word of three characters (a seal
    over the page's edge: seed-45 photocopy150 nanyang 公开03表, “1”, “中7”, “eB” down a column right of
    对附属单位补助支出), or the last column's amounts beyond a stray line down it (that column blank or reading
    them too). Between two columns, a stray line's slice of a wide column, when every other column has
    its role: marks without a word of two characters, or an amount its right-hand neighbour prints too or
    leaves blank, where the column left of it holds labels, not amounts (seed-45 education 公开03表: “一”,
    “1A3”, “7” and 1,033.12 beside a blank, between 科目名称 and 本年支出合计 — the line cut 本年支出合计's column,
    and the amount is its). Strokes read as 一 or 十 are marks; a dash is a mark, not an amount. None while a
    role of the template, optional or not, has no column (the column may be that one, its label worn). (A
    slice of the code column holding marks under its label, :func:`_marked_slice`, goes before.)"""
    from .headers import _STROKES, is_amount_column
    from .templates import load_templates, resolve_columns

    template = load_templates().get(table.template or "")
    if template is None or not template.columns or len(table.columns) < 3 or not table.rows:
        return []
    if roles is None:
        roles = resolve_columns(table, template)
    taken = {i for cols in roles.values() for i in cols}
    if any(s.role not in roles for s in template.columns):
        return []  # (a role without a column, optional or not — 年末结转和结余 worn blank — may be this one)
    last = len(table.columns) - 1
    out = [c for c in (0, last) if _blank_slice(table, c, 1 if c == 0 else -1)]
    for c in range(len(table.columns)):
        if c in out or c in taken or _NAMES.search(compare_key(table.columns[c]).split("/")[-1]):
            continue
        edge = c in (0, last)
        if not edge and len(taken) < len(table.columns) - 1:
            continue
        texts = [(re.sub(r"\s+", "", r.cells[c].text), r) for r in table.rows
                 if c < len(r.cells) and r.cells[c].text.strip()]
        # (an amount left of the line is the right-hand column's only when the column left of it prints none:
        # a line down an amount column leaves that column's amounts in its slice, not the next one's)
        left_labels = not edge and not is_amount_column(table.columns[c - 1])

        def mark(t: str, row) -> bool:
            if _moved_amount(t) and not edge:  # (the amount of the column it was cut from: read twice, or its own)
                right = re.sub(r"\s+", "", row.cells[c + 1].text) if c + 1 < len(row.cells) else None
                return left_labels and right is not None and c + 1 in taken and right in (t, "")
            if _moved_amount(t) and c == last and c - 1 in taken:
                # (at the right edge, the last column's amount beyond a stray line down it, that column blank
                # beside it or reading it too: seed-47 agriculture 公开02表 as a worn photocopy, 其他收入's 64.39 in
                # a column labelled “/” right of it)
                return re.sub(r"\s+", "", row.cells[c - 1].text) in (t, "")
            bare = _STROKES.sub("", t)  # (a stroke read as 一 or 十, or a run of them, is a mark)
            return _content_kind(t) in ("other", "words", "amount") and not _moved_amount(t) \
                and not re.fullmatch(r"[\d,.．]{3,}", t) \
                and not re.search(r"[\u4e00-\u9fff]{3}" if edge else r"[\u4e00-\u9fff]{2}", bare)

        numbers = [int(t) for t, _ in texts if re.fullmatch(r"\d{1,3}", t)]
        if len(numbers) >= 3 and sum(b == a + 1 for a, b in zip(numbers, numbers[1:])) >= (len(numbers) - 1) / 2:
            continue  # (line numbers counting up: a 行次 column whose label was not read, seed-41 公开10表)
        if texts and all(mark(t, r) for t, r in texts):
            out.append(c)
    others = [c for c in range(len(table.columns)) if c not in out]
    if not any(_content_kind(r.cells[c].text) == "amount" for r in table.rows for c in others if c < len(r.cells)):
        return []  # (a table without amounts: nothing to tell a column of marks from its own columns by)
    return out


def drop_stray_columns(doc: Document, table: Table, slices_only: bool = False) -> int:
    """A scanned table's columns that are no printed column (:func:`stray_columns`) are taken off the table —
    their cells, labels and header cells, the header cells right of them moved a column left; an amount in
    one goes to the blank cell right of it (left of it, at the table's right edge) — and their other readings
    kept in a ``stray_column`` warning each (nothing read is dropped unsaid). Before codes and identities are
    computed (their cells are found by column). With ``slices_only``, only the code column's slices holding
    marks (:func:`_marked_slice`) — before the cells are interpreted, so that the table has its template's
    columns when its labels worn to marks are named by their place. Returns the number taken off."""
    if not any(p.mode == "ocr" for p in doc.pages if p.number in table.pages) \
            or any(len(r.cells) != len(table.columns) for r in table.rows):
        return 0
    gone = [c for c in range(1, len(table.columns) - 1) if _marked_slice(table, c)] if slices_only \
        else stray_columns(table)
    for c in sorted(gone, reverse=True):
        texts = []
        for r in table.rows:
            cell = r.cells[c]
            if c + 1 < len(r.cells) and not r.cells[c + 1].text.strip() and _moved_amount(cell.text):
                cell.add_reason("rule_missing")  # (an amount of the column right of it: it goes there)
                r.cells[c + 1] = cell
            elif c == len(r.cells) - 1 and c > 0 and not r.cells[c - 1].text.strip() and _moved_amount(cell.text):
                cell.add_reason("rule_missing")  # (at the right edge, the last column's amount: it goes back)
                r.cells[c - 1] = cell
            elif cell.text.strip():
                texts.append(cell.text)
            del r.cells[c]
        del table.columns[c]
        if table.machine_columns is not None and c < len(table.machine_columns):
            del table.machine_columns[c]
        texts.extend(h[c] for h in table.header if c < len(h) and h[c].strip())
        table.header = [h[:c] + h[c + 1:] for h in table.header]
        kept = []
        for h in table.header_cells:
            if h.col == c and h.colspan == 1:
                continue
            if h.col > c:
                h.col -= 1
            elif h.col + h.colspan > c:
                h.colspan -= 1
            kept.append(h)
        table.header_cells = kept
        doc.warnings.append({"kind": "stray_column", "table": table.id, "pages": list(table.pages), "column": c,
                             "texts": texts})
    return len(gone)


def _blank_slice(table: Table, c: int, step: int) -> bool:
    """The edge column ``c`` is a slice a stray line cut off its neighbour (``c + step``) beyond the table's outer
    rule: nothing read in it down the body, and the neighbour's label over it (the header cell the line cut,
    its text given to both) while the neighbour holds print. Seed-47 photocopy150 jincheng 公开03表: a stroke of
    the watermark's 校 in the page's margin, 8 mm left of the table, made a column of it — 科目代码 | 科目代码 —
    and every body cell sat a column right of its template's place, unflagged."""
    n = c + step
    if not 0 <= n < len(table.columns) or not compare_key(table.columns[c]) \
            or compare_key(table.columns[c]) != compare_key(table.columns[n]):
        return False
    cells = [(r.cells[c].text.strip(), r.cells[n].text.strip()) for r in table.rows if max(c, n) < len(r.cells)]
    return bool(cells) and not any(own for own, _ in cells) and any(beside for _, beside in cells)


def _marked_slice(table: Table, c: int, blank_share: float = 0.75) -> bool:
    """The inner column ``c`` is a slice a stray line (a rule's remnant) cut off the code column left of it:
    under that column's label (the header cell the line cut, its text given to both), 3 to 7 digits left of it in
    half its rows or more, and nothing in it but blanks (``blank_share`` of its rows or more) and marks — no two
    digits running, no word of two characters, no amount. Seed-47 photocopy150 education 公开02表: “7”, “l”,
    “r”, “A”, “相” down a slice between 功能分类科目编码 and 科目名称, its header garbled — three amount roles
    without a column, so the stray-column rule, waiting for every role, never took it, and every cell sat a
    column right of its place. Only where the table has a column too many for its template (its roles, the
    optional ones left out or not; two more where the code is printed in 类 | 款 | 项): a 款 column of a
    code printed in pieces, under the same worn label and mostly blank, is no slice; and a mark must be more
    than a dash (a blank 款 may print one)."""
    from .headers import is_code_column
    from .templates import load_templates

    key = compare_key(table.columns[c])
    if not key or key != compare_key(table.columns[c - 1]) or not is_code_column(table.columns[c - 1]):
        return False
    if c + 1 < len(table.columns) and compare_key(table.columns[c + 1]) == key \
            or c >= 2 and compare_key(table.columns[c - 2]) == key:
        return False  # (three columns under the code's label: 类 | 款 | 项)
    template = load_templates().get(table.template or "")
    if template is not None and template.columns:
        after, roles = len(table.columns) - 1, len(template.columns)
        pieces = any(s.role == "code" and s.multi for s in template.columns)
        if not (roles - sum(s.optional for s in template.columns) <= after <= roles or pieces and after == roles + 2):
            return False
    cells = [(re.sub(r"\s+", "", r.cells[c].text), re.sub(r"\s+", "", r.cells[c - 1].text)) for r in table.rows
             if c < len(r.cells)]
    own = [t for t, _ in cells if t]
    codes = sum(bool(re.fullmatch(r"\d{3,7}", left)) for _, left in cells)
    return bool(cells) and codes >= len(cells) / 2 and len(own) <= (1 - blank_share) * len(cells) \
        and not any(re.search(r"\d{2}|[\u4e00-\u9fff]{2}", t) or _moved_amount(t) for t in own) \
        and any(not re.fullmatch(r"[-—–―－一_~.·]+", t) for t in own)


def _moved_amount(text: str) -> bool:
    """An amount with its two decimals (a dash is none: a stroke reads as one)."""
    from .numbers import parse_number

    p = parse_number(re.sub(r"\s+", "", text))
    return p.kind == "number" and p.decimals == 2


def _named(table: Table) -> bool:
    """A title or 公开0n表 marker read as one (a worn marker read “金单位4表” or “公开00表” names nothing: a
    title, its year aside, has no digit, a marker names a form between 01 and 99, and a title of six
    characters or fewer no template knows is a marker's remains)."""
    from .templates import _by_title, form_number, load_templates, title_key

    if form_number(table.form):
        return True
    title = title_key(table.title)  # (without its year: 2023年度收入支出决算总表)
    return bool(title) and not re.search(r"\d", title) and (
        len(title) > 6 or _by_title(table.title, load_templates()) is not None)  # (支出决算表)


def _econ_block_doubts(table: Table, template) -> list[str]:
    """A scanned economic-classification table (``econ_blocks``: 公开06表's blocks of 科目编码 | 科目名称 | 决算数
    side by side) has no column roles to check by label; its structure is checked by its blocks
    (:func:`pipeline.validate._econ_blocks`): ``header_unmatched`` when the labels read above its columns
    lack a group of the template's ``signature`` (no header at all: the grid's top rules were lost and
    the table starts among its rows), ``columns_missing`` when a block has no name column or columns with content
    stand before the first block's code column, ``columns_extra``
    when a block holds a column with content besides its name and its amounts (a stray line through the
    决算数 column: real guihua 公开06表 as a worn photocopy read 18.86 in one half and 0.92 in the other,
    its block's values taken from the last one only)."""
    from .validate import _econ_blocks

    doubts = []
    labels = _label_readings(table.columns)
    if template.signature and not all(any(re.search(p, lab) for p in group for lab in labels if lab)
                                      for group in template.signature):
        doubts.append("header_unmatched")
    blocks = _econ_blocks(table)
    lead = range(min(blocks[0][0]) if blocks else 0)
    if sum(any(r.cells[c].text.strip() for c in lead if c < len(r.cells)) for r in table.rows) >= 2:
        # columns before the first block's code column: a block that lost its code column (calibration gen7_007
        # photocopy150: 目名称 | 决算数 | 科目代码 …, every column after them a place off against the printed table)
        doubts.append("columns_missing")
    for code_cols, name, value in blocks:
        if name is None:
            doubts.append("columns_missing")
        inner = [c for c in range(max(code_cols) + 1, value) if c != name]
        if any(c < len(r.cells) and r.cells[c].text.strip() for r in table.rows for c in inner):
            doubts.append("columns_extra")
    return list(dict.fromkeys(doubts))


def _label_readings(columns: list[str]) -> list[str]:
    """The columns' labels as read (their header rows' parts apart: 收入/项目) and with those parts joined: a
    label wrapped over lines whose rows the grid cut apart on a worn scan (经济分 / 类科目 / 编码: seed-45 police
    公开06表, 261 cells in review for a header every part of which was read) names its column all the same."""
    return [v for c in columns for v in dict.fromkeys((compare_key(c), compare_key(c.replace("/", ""))))]


def _taken_against_label(roles: dict[str, list[int]], labels: list[str], template) -> bool:
    """A column given a role its label does not name, where the label names another role of the template:
    calibration gen7_004 skew_noise200's empty 公开07表 lost the rule between 科目代码 and 科目名称 (one column
    labelled 科目代码科目名称), and 科目名称's role went to the next column, labelled 年初结转和结余 — every label a
    column off, unflagged. A column rule was lost: the columns are not the template's."""
    specs = {s.role: s for s in template.columns}
    for role, cols in roles.items():
        for c in cols:
            label = labels[c] if c < len(labels) else ""
            if label and role in specs and not specs[role].matches(label) \
                    and any(s.role != role and s.matches(label) for s in template.columns):
                return True
    return False


def _header_unmatched(table: Table, template, settings: VerdictSettings) -> bool:
    """Fewer than ``header_min_share`` of the template's required columns are found by their header labels."""
    labels = [compare_key(c) for c in table.columns]
    required = [s for s in template.columns if not s.optional]
    by_label = [s for s in required if any(s.matches(lab) for lab in labels if lab)]
    return bool(required) and len(by_label) < settings.header_min_share * len(required)


_HEADER_AMOUNT = re.compile(r"\d[.．]\d\d")
_NAMES = re.compile(r"[\u4e00-\u9fff]{2}")  # a header label names its column in two characters or more
_NOT_AMOUNT_LABEL = re.compile(r"科目|分类|编|代|名|项目(?!支出)|行次|栏次|序号")
# an amount run on into the next column's code or name (1522.19302: 1522.19 | 302, the rule between lost)
_RUN_ON = re.compile(r"^-?[\d,]+[.．]\d\d(\d{3,}|[\u4e00-\u9fff]{2,})")
# a catalogue code and its name in one cell (30101基本工资)
_CODE_NAME = re.compile(r"^(\d{3,7})[\u4e00-\u9fff]{2,}")


def _content_kind(text: str) -> str:
    """What a body cell holds: ``code`` (a catalogue code: 3, 5 or 7 digits the catalogues know), ``amount``
    (two decimals, or a dash for none), ``run_on`` (an amount with the next column's code or name after it),
    ``code_name`` (a catalogue code with its name run on), ``words`` (two or more Chinese characters),
    ``other``."""
    from .interpret import _CJK2, _known_code
    from .numbers import parse_number

    t = re.sub(r"\s+", "", text)
    if not t:
        return ""
    if t.isdigit():
        return "code" if _known_code(t) else "other"
    if _RUN_ON.match(t):
        return "run_on"
    m = _CODE_NAME.match(t)
    if m and _known_code(m.group(1)):
        return "code_name"
    p = parse_number(t)
    if p.kind == "na" or (p.kind == "number" and p.decimals == 2):
        return "amount"
    return "words" if _CJK2.search(t) else "other"


def group_cut(table: Table) -> bool:
    """A table printing groups of columns side by side, each opening with a code column (公开06表: 科目代码 |
    科目名称 | 决算数, three or four times), whose first column is labelled like the column after a later group's
    code (科目名称): the first group lost its code column (its rule and label lost on a worn scan, the codes run
    into the names), so every column of that group sits under another's label, and each label may still
    match what its column holds."""
    from .headers import is_code_column

    labels = [compare_key(c.split("/")[-1]) for c in table.columns]
    codes = [i for i, label in enumerate(labels) if label and is_code_column(label)]
    if len(codes) < 2 or not labels[0] or is_code_column(labels[0]):
        return False
    return any(i + 1 < len(labels) and labels[i + 1] == labels[0] for i in codes)


def columns_contradicted(table: Table, settings: VerdictSettings = VerdictSettings()) -> list[int]:
    """Columns whose body contradicts their header label: an amount column (决算数, 合计 …) mostly holding
    codes or names, or amounts run on into the next column's code (two columns read as one), a code column (科目代码) mostly names or amounts, a name column (科目名称) mostly codes
    or amounts, or any column mostly codes with their names run on where the table prints codes in a column of
    their own. The grid's columns are then shifted against its header (a column rule lost on one side of
    the table, a stray one added on the other): every value sits under another column's label, each one
    read right, so no identity of the table's own may catch it (公开06表, whose groups code | name | amount
    repeat, keeps summing)."""
    from .headers import is_code_column, names_amounts

    out: list[int] = []
    read = [[(_content_kind(r.cells[ci].text), r.cells[ci].text) for r in table.rows if ci < len(r.cells)]
            for ci in range(len(table.columns))]
    if not any(k in ("amount", "run_on") and re.search(r"\d", text) for kinds in read for k, text in kinds):
        return out  # a blank form (the template of the set): its labels are all there is
    columns = [[k for k, _ in kinds if k] for kinds in read]
    # a table printing its codes in a column of their own: a column of codes with their names run on is two
    # columns read as one (the rule between code and name lost down the table: 公开06表's first group)
    apart = any(len(kinds) >= settings.contradicted_min_cells
                and sum(k == "code" for k in kinds) > settings.contradicted_share * len(kinds) for kinds in columns)
    for ci, label in enumerate(table.columns):
        last = label.split("/")[-1]
        if not re.search(r"[\u4e00-\u9fff\d]", last):
            continue  # (no label, or marks read where one wore away — “-” over 公开06表's names: it names nothing)
        if is_code_column(label):
            wrong = ("words", "code_name", "amount", "run_on")
        elif re.search(r"名称", last):
            wrong = ("code", "amount", "run_on")
        elif names_amounts(label) and not _NOT_AMOUNT_LABEL.search(last):
            # (a label with a code's or a name's word in it is no amount label even when misread:
            # 功能分类科目编 is 科目编码 with its 码 lost; nor is a label worn past reading: names_amounts)
            wrong = ("code", "words", "code_name", "run_on")
        else:
            wrong = ("run_on",)  # two columns' print in one cell is no column's content
        kinds = columns[ci]
        if apart:
            wrong += ("code_name",)
        if len(kinds) >= settings.contradicted_min_cells and \
                sum(k in wrong for k in kinds) > settings.contradicted_share * len(kinds):
            out.append(ci)
    return out


def _has_amounts(table: Table) -> bool:
    return any(_AMOUNT.match(t.strip()) for row in table.header for t in row if t)


# ------------------------------------------------------------------------------------------ the verdict


def page_statuses(doc: Document, readings: list[PageReading], evidence: dict[int, PageEvidence],
                  settings: VerdictSettings = VerdictSettings()) -> None:
    """Set ``status`` / ``reasons`` of every page and an ``unrecovered_page`` warning per page not recovered."""
    by_number = {r.number: r for r in readings}
    starting: dict[int, int] = {}
    on_page: dict[int, list[Table]] = {}
    for t in doc.tables:
        if t.pages:
            starting[t.pages[0]] = starting.get(t.pages[0], 0) + 1
        for p in t.pages:
            on_page.setdefault(p, []).append(t)
    doc.warnings = [w for w in doc.warnings if w.get("kind") != "unrecovered_page"]
    for page in doc.pages:
        reading = by_number.get(page.number)
        ev = evidence.get(page.number, PageEvidence(page.number))
        page.status, page.reasons = _page_status(page, reading, ev, on_page.get(page.number, []),
                                                 starting.get(page.number, 0), settings)
        if page.status == PageStatus.UNRECOVERED:
            doc.warnings.append({"kind": "unrecovered_page", "page": page.number, "reasons": list(page.reasons)})


def mark_structure(doc: Document, settings: VerdictSettings = VerdictSettings()) -> None:
    """``structure`` on every cell of a doubtful table (recomputed: a review that fixes the identities
    lifts it), and a ``table_structure`` warning per such table."""
    doc.warnings = [w for w in doc.warnings if w.get("kind") != "table_structure"]
    pieces: dict[int, list[bool]] = {}  # first page → per table starting there: a piece (template_unmatched)
    for t in doc.tables:
        doubts = structure_doubts(doc, t, settings)
        if t.pages:
            pieces.setdefault(t.pages[0], []).append(_a_piece(doc, t, doubts))
        body_confirmed = _body_confirmed(doc, t, doubts, settings)
        for row in t.rows:
            for cell in row.cells:
                if STRUCTURE in cell.reasons and (not doubts or body_confirmed):
                    cell.reasons.remove(STRUCTURE)
                elif doubts and not body_confirmed:
                    cell.add_reason(STRUCTURE)
        _mark_header(t, doubts)
        if doubts:
            n, failed = _table_checks(doc, t)
            doc.warnings.append({"kind": "table_structure", "table": t.id, "pages": list(t.pages),
                                 "reasons": doubts, "checks": n, "failed": failed,
                                 "body_confirmed": body_confirmed})
    _pages_of_pieces(doc, pieces)
    from .headercheck import header_warnings
    header_warnings(doc)


def _body_confirmed(doc: Document, table: Table, doubts: list[str], settings: VerdictSettings) -> bool:
    """The only doubt is the header's reading (``header_unmatched``: its labels too worn to name the template's
    columns; or ``header_split``: a label cut in two — seed-43 bilevel300 公开01表, 186 cells in review with
    every one of its sums holding), the table is named (title or 公开0n表: its template is known, not guessed from the labels), its
    columns are the template's (no ``columns_missing`` / ``columns_extra`` / ``columns_contradicted``) and its
    own identities hold — at least ``confirm_min_checks`` of them, no more than ``confirm_failing_share``
    failing (or, in a small table, every amount in one that holds exactly: :func:`_every_amount_checked`):
    the arithmetic bears out the body's columns where the header cannot. Its body cells are then
    scored as any other (a failing identity still blames its cells); its header cells stay in doubt."""
    if doubts not in (["header_unmatched"], ["header_split"]) or not (table.title or table.form) \
            or table.kind == "performance":
        return False
    n, failed = _table_checks(doc, table)
    if n >= settings.confirm_min_checks and failed <= settings.confirm_failing_share * n:
        return True
    m, missed = _telling_checks(doc, table)
    if m >= settings.confirm_min_checks and missed <= settings.confirm_failing_share * m:
        return True
    return _every_amount_checked(doc, table, n, failed, settings)


def _telling_checks(doc: Document, table: Table) -> tuple[int, int]:
    """The table's own identities that tell whether its columns are the template's, and how many of them fail:
    those over amounts read as amounts are printed (two decimals) or blank, one at least not zero. One through
    a stroke of a lost rule read “1” or “12” fails for that cell, flagged by it, and says nothing of the
    columns; one over blank cells only holds whatever the columns are (real guihua 公开04表 as a worn
    photocopy: 15 identities over its amounts hold, 10 fail each by a stroke in a blank cell)."""
    from .numbers import parse_number

    def printed(ref) -> tuple[bool, float]:
        _, r, c = ref
        text = table.rows[r].cells[c].text.strip() if r < len(table.rows) and c < len(table.rows[r].cells) else ""
        if not text:
            return True, 0.0
        p = parse_number(text)
        return p.kind == "number" and p.decimals == 2 and p.value is not None, abs(p.value or 0.0)

    n = failed = 0
    for chk in doc.checks:
        if chk.table != table.id or not all(ref[0] == table.id for ref in chk.cells):
            continue
        read = [printed(ref) for ref in chk.cells]
        if all(ok for ok, _ in read) and any(v for _, v in read):
            n += 1
            failed += not chk.ok
    return n, failed


def _every_amount_checked(doc: Document, table: Table, n: int, failed: int, settings: VerdictSettings) -> bool:
    """A small table (a “三公” record, 公开09表: one row, four sums) is borne out by fewer identities when it has
    exactly its template's columns, none of its identities fails (``min_checks`` at least) and every amount it
    reads is in one that holds to the cent: a column lost or gained would shift the amounts against the sums
    (seed-21 photocopy150 公开09表, its 栏次 read 34 for 3 | 4: 12 right amounts, 4 sums holding exactly, every
    cell in review). A 公开06表 whose blocks were laid out from its body is borne out so by its class sums."""
    from .numbers import parse_number
    from .templates import load_templates
    from .validate import near_miss

    template = load_templates().get(table.template or "")
    if template is None or failed or n < settings.min_checks:
        return False
    # (a 公开06表's blocks are laid out from its body, its template names no columns: every class sum holding
    # over its amounts bears the blocks out — seed-41 police 公开06表 as a worn photocopy, 81 amounts in six
    # sums holding, every cell in review)
    if template.layout != "econ_blocks" and len(table.columns) != len(template.columns):
        return False
    # (a 公开06表's class sum may hold within its 尾差 only, as printed — real guihua 302, 440.90 over items
    # adding to 440.88 —: no column lost or gained misses by a cent or two)
    held = {(ref[1], ref[2]) for c in doc.checks if c.table == table.id and c.ok
            and (template.layout == "econ_blocks" or not near_miss(c)) for ref in c.cells if ref[0] == table.id}
    # (a mark read as a digit or two, no decimals, is no amount the columns are judged by: flagged ``format``)
    amounts = [(ri, ci) for ri, row in enumerate(table.rows) for ci, cell in enumerate(row.cells)
               if cell.value is not None and (template.layout != "econ_blocks" or parse_number(cell.text).decimals)]
    return bool(amounts) and all(a in held for a in amounts)


# doubts about the table's columns or header (not only its identities): its printed header was not read as printed
HEADER_DOUBTS = ("template_unmatched", "header_amounts", "columns_missing", "columns_extra", "header_unmatched",
                 "columns_contradicted", "header_split")


def _mark_header(table: Table, doubts: list[str]) -> None:
    """``structure`` on every printed header cell of a table whose columns or header are doubtful, reviewed:
    a header read into the wrong rows or columns (upper rows lost to a worn rule, 栏次 taken for the labels)
    is wrong where it stands, however well each label was read. A reviewer's word stays final."""
    doubtful = any(d in HEADER_DOUBTS for d in doubts)
    for h in table.header_cells:
        cell = h.cell
        if not doubtful or not cell.text.strip() or cell.reviewed:
            if STRUCTURE in cell.reasons:
                cell.reasons.remove(STRUCTURE)
            continue
        cell.add_reason(STRUCTURE)
        flag_structure_header(cell)


def flag_structure_header(cell: Cell) -> None:
    """A header cell of a doubtful table is reviewed, its confidence capped."""
    cell.review = True
    cell.confidence = min(cell.confidence, STRUCTURE_HEADER_CAP)


def _a_piece(doc: Document, table: Table, doubts: list[str]) -> bool:
    """A table that did not come out as the table printed: a scanned grid no template knows
    (``template_unmatched``), or one no title or 公开0n表 marker names whose header bears out no template
    (``header_unmatched``, with body rows or without) — only its garbled labels tied it to a template
    (本年收入 | 本年支出 of an empty 公开08表 taken for 公开01表's signature), so what table it is was not
    recovered."""
    if "template_unmatched" in doubts:
        return True
    if "labels_lost" in doubts and not _any_label(table):
        return True  # (every value of the table standing for no item: nothing of the table came out)
    if table.title or table.form or table.kind == "performance" \
            or not any(p.mode == "ocr" for p in doc.pages if p.number in table.pages):
        return False
    return "header_unmatched" in doubts  # (structure_doubts: its header bears out no template, or names another's)


def _foreign_labels(table: Table, template, templates: dict) -> bool:
    """The header of a table no title names holds a word that tells another table and that none of its own
    template's labels has (年初结转 and 本年收入 in a grid taken for 公开05表 by 合计 | 基本支出 | 项目支出: an
    empty 公开08表 whose title and rules were lost on a worn photocopy, its labels run together): what table it
    is was not recovered."""
    from .resources import load_json

    printed = load_json("templates", "header_labels.json")["labels"].get(template.id)
    if not printed:
        return False
    labels = [compare_key(c) for c in table.columns if c]
    for other in templates.values():
        if other.id == template.id:
            continue
        for group in other.signature:
            words = [m.group() for p in group for lab in labels for m in [re.search(p, lab)] if m and m.group()]
            if any(not any(w in label for label in printed) for w in words):
                return True
    return False


def _pages_of_pieces(doc: Document, pieces: dict[int, list[bool]]) -> None:
    """A page whose every table is a piece (:func:`_a_piece`: a scanned grid no template knows, or no title
    names and its header does not match) did not give its table: it is ``unrecovered`` (reason
    ``table_pieces``) whatever else it shows, so a table lost to worn rules is never a silent miss."""
    for page in doc.pages:
        if not pieces.get(page.number) or not all(pieces[page.number]) or "table_pieces" in page.reasons:
            continue
        if page.status == PageStatus.TABLES:
            page.status, page.reasons = PageStatus.UNRECOVERED, []
        if page.status != PageStatus.UNRECOVERED:
            continue
        page.reasons.append("table_pieces")
        warning = next((w for w in doc.warnings if w.get("kind") == "unrecovered_page" and w.get("page") == page.number), None)
        if warning is None:
            doc.warnings.append({"kind": "unrecovered_page", "page": page.number, "reasons": list(page.reasons)})
        else:
            warning["reasons"] = list(page.reasons)


def _page_status(page: PageInfo, reading: PageReading | None, ev: PageEvidence, tables: list[Table],
                 n_starting: int, settings: VerdictSettings) -> tuple[str, list[str]]:
    lines = reading.lines if reading is not None else []
    texts = [ln for ln in lines if ln.text.strip()]
    grids = [gr.grid.bbox for gr in reading.grids] if reading is not None else []
    reasons: list[str] = []
    found = titles_on(texts)
    announced = _announced(found)
    contents = _is_contents(texts)
    amounts = sum(_amounts_in(ln.text) for ln in texts)
    text_rows = sum(len(r) >= 3 for r in _rows_of(texts, settings.text_row_score))
    if announced > n_starting and not contents:
        reasons.append("table_title")
    if grid_like(ev.lines, grids, page.dpi, settings):
        reasons.append("grid_ink")
    if amounts >= settings.min_amounts:
        reasons.append("numeric_text")
    if text_rows >= settings.min_text_rows and not contents:
        reasons.append("text_rows")
    if any(not t.rows and _has_amounts(t) for t in tables if t.pages and t.pages[0] == page.number):
        reasons.append("empty_table")
    if reasons:
        return PageStatus.UNRECOVERED, reasons
    if tables or grids:
        return PageStatus.TABLES, []
    if contents or len(found) >= 3:
        return PageStatus.NO_TABLES, ["contents"]
    if not texts and ev.ink < 0.002:
        return PageStatus.NO_TABLES, ["blank"]
    return PageStatus.NO_TABLES, ["text"]


# ------------------------------------------------------------------------------------------ completeness

MISSING_TABLE = "missing_table"
EMPTY_TABLE_UNEXPLAINED = "empty_table_unexplained"
_EMPTY_NOTE = re.compile(r"无数据|为?空表|(无|没有|未)[^，。；;,]{0,40}(支出|收入|经费|预算|安排|资金|数据)")


def _set_templates(kind: str) -> tuple[list, list]:
    """(required, optional) templates of the standard set of a document kind (``决算`` / ``预算``)."""
    from .templates import load_templates

    members = sorted((t for t in load_templates().values() if kind and t.kind == kind), key=lambda t: t.id)
    optional = [t for t in members if t.extra.get("in_set") == "optional"]
    return [t for t in members if t not in optional], optional


def _set_kind(doc: Document) -> str:
    """决算 / 预算: the document's kind, else what most of its recognised tables are."""
    from .templates import load_templates

    for k in ("决算", "预算"):
        if doc.kind.endswith(k):
            return k
    templates = load_templates()
    kinds = [templates[t.template].kind for t in doc.tables if t.template in templates]
    kinds = [k for k in kinds if k in ("决算", "预算")]
    return min(set(kinds), key=lambda k: (-kinds.count(k), k)) if kinds else ""  # (a tie: not by hash order)


def _amount_cells(table: Table) -> list:
    return [c for r in table.rows for c in r.cells if c.kind in ("number", "empty", "na")]


def _fund_shown_zero(doc: Document, table: Table, fund: str) -> bool:
    """Another table shows ``fund`` as zero: every amount of a column labelled with it, and the amount beside
    every row label naming it, is blank or 0 — and there is at least one such amount."""
    seen: list = []
    for other in doc.tables:
        if other is table or other.kind == "performance":
            continue
        for c, label in enumerate(other.columns):
            if fund in compare_key(label):
                seen += [r.cells[c] for r in other.rows if c < len(r.cells) and r.cells[c].kind != "text"]
        for r in other.rows:
            for c, cell in enumerate(r.cells[:-1]):
                if fund in compare_key(cell.text) and r.cells[c + 1].kind in ("number", "empty"):
                    seen.append(r.cells[c + 1])
    return bool(seen) and all(not cell.value for cell in seen)


def _empty_explained(doc: Document, table: Table, page_texts: dict[int, list[str]],
                     settings: VerdictSettings) -> bool:
    texts = list(table.notes) + [t for p in table.pages for t in page_texts.get(p, [])]
    if any(_EMPTY_NOTE.search(compare_key(t)) for t in texts):
        return True
    fund = next((f for f in settings.funds if f in compare_key(table.title)), "")
    return bool(fund) and _fund_shown_zero(doc, table, fund)


def completeness(doc: Document, page_texts: dict[int, list[str]] | None = None,
                 settings: VerdictSettings = VerdictSettings()) -> None:
    """``missing_table`` and ``empty_table_unexplained`` warnings (replacing earlier ones of these kinds).
    ``page_texts``: the text lines of each page (notes printed beside a table rather than under it)."""
    page_texts = page_texts or {}
    doc.warnings = [w for w in doc.warnings if w.get("kind") not in (MISSING_TABLE, EMPTY_TABLE_UNEXPLAINED)]
    required, optional = _set_templates(_set_kind(doc))
    if not required:
        return
    ids = {t.id for t in required + optional}
    members = [t for t in doc.tables if t.template in ids and t.kind != "performance"]
    present = {t.template for t in members}
    table_pages = [p for t in doc.tables for p in t.pages]
    front_matter = bool(table_pages) and min(table_pages) > 1  # cover, contents, prose before the tables
    found = len(present & {t.id for t in required})
    if not (front_matter and found) and found < settings.set_share * len(required):
        return  # an excerpt of a few tables, not the publication
    for t in required:
        if t.id not in present:
            doc.warnings.append({"kind": MISSING_TABLE, "template": t.id, "form": t.form, "title": t.title,
                                 "reasons": ["not_found"]})
    for table in members:
        amounts = [c for c in _amount_cells(table) if c.value is not None]
        if table.rows and amounts:
            continue
        if not table.rows and _has_amounts(table):
            continue  # amounts printed, rows lost: an unrecovered page (empty_table) says so
        if _empty_explained(doc, table, page_texts, settings):
            continue
        template = next(t for t in required + optional if t.id == table.template)
        doc.warnings.append({"kind": EMPTY_TABLE_UNEXPLAINED, "table": table.id, "template": template.id,
                             "form": template.form, "title": table.title or template.title,
                             "pages": list(table.pages), "reasons": ["no_body_rows" if not table.rows else "no_amounts"]})
