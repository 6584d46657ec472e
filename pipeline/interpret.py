"""Stage 6 — interpret: numbers in amount columns, cell kinds and format problems, document metadata
(authority, fiscal year, kind), table ids and units."""
from __future__ import annotations

import re
from collections import Counter

from .catalogue import CODE_DIGITS
from .headers import CODE_PIECES, is_amount_column, is_code_column
from .model import Alternative, Cell, Document, HeaderEntry, Table
from .numbers import DIGIT_LOOKALIKES, parse_number
from .read import PageReading
from .textcheck import amount_without_digits
from .textnorm import compare_key

# a numbered label's opening, at a line's start or run on after another label's last character (九、卫生健康支出
# 十、节能环保支出: two text lines the reader took for one)
_NUMBERED_LABEL = re.compile(r"(?:^|(?<=[\u4e00-\u9fff]))[一二三四五六七八九十]{1,3}[、，,.．](?=[\u4e00-\u9fff]{2})")
_LEADING_ZERO = re.compile(r"[-−－]?0[\d,]")  # 00, 000, 05.00, 0,123: a zero before the first digit
_ELISION = re.compile(r"(。{2,6}|…{1,3}|\.{3,6}|·{3,6})")
_KIND = re.compile(r"(部门|单位)\s*(决算|预算)")
_COVER = re.compile(r"(?P<auth>[\u4e00-\u9fff（）()]{3,40}?)\s*(?P<year>20\d{2})\s*年度?\s*(?P<kind>部门|单位)\s*(?P<k2>决算|预算)")
_COVER2 = re.compile(r"(?P<year>20\d{2})\s*年度?\s*(?P<auth>[\u4e00-\u9fff（）()]{3,40}?)\s*(?P<kind>部门|单位)\s*(?P<k2>决算|预算)")
_YEAR = re.compile(r"(20\d{2})\s*年度")
_AUTH_SUFFIX = re.compile(r"(局|委员会|委|办公室|办|厅|部|院|中心|所|馆|政府|街道办事处|办事处|镇|会|处|站|队|社|校|学|园|署|府)$")
_OWN_LEVEL = re.compile(r"[（(]本级[）)]$")
_CURRENCY = re.compile(r"(人民币)?(千|万|百万|亿)?元")
_LABELLED_AUTH = re.compile(r"(?:预算主管部门|主管部门|预算单位|部门名称|单位名称|编制部门|编制单位|决算单位)[:：]"
                            r"(?P<auth>[\u4e00-\u9fff（）()]{3,40}?(?:[（(]本级[）)])?)(?=单位[:：]|金额单位|目录|\d|$|[^\u4e00-\u9fff（）()])")
_COVER_KIND = re.compile(r"20\d{2}年度?(?:[区市县省]级|本级)?(部门|单位)(决算|预算)")
_HEADING_KIND = re.compile(r"^(?:20\d{2}年度?)?(部门|单位)(决算|预算)(?:编制)?(?:说明|情况说明)")
_HEADING_AUTH = re.compile(r"^(?:第[一二三四五六七八九十]+部分)?(?P<auth>[\u4e00-\u9fff（）()]{4,40}?)(?:概况|主要职能|机构设置)$")
_TITLE_NOISE = re.compile(r"部门预算经济分类|部门经济分类|政府预算经济分类")
_TITLE_SIDE = re.compile(r"^(预算单位|单位|部门)")


_JUNK_EDGES = re.compile(r"^[:：;；'‘’`·。,，.、]+(?=[\d-])|(?<=\d)[:：;；'‘’`·。、]+$")
# a stroke before the digits that is no minus sign as printed (“一6,280.95”, “_2,175.50”: a rule's remnant or
# a seal stroke beside the number on a heavy scan); taken off, a minus kept as the reading's alternative
_STROKE_BEFORE = re.compile(r"^[一_＿~～]+(?=\d)")
_POINT_SEPARATORS = re.compile(r"^-?\d{1,3}(\.\d{3})+\.\d{2}$")
_COLON_DECIMAL = re.compile(r"^(-?[\d,]+)[:：;；](\d{2})$")
# a comma for the decimal point after the thousands (“1,041,38”, “7728,91”): no grouping ends in two digits
_COMMA_DECIMAL = re.compile(r"^(-?\d{1,3}(?:,\d{3})*|-?\d+),(\d{2})$")
_LETTER_DIGITS = str.maketrans(DIGIT_LOOKALIKES)
_LOOKALIKE_CLASS = "".join(re.escape(k) for k in DIGIT_LOOKALIKES)
# a mark before a whole amount (“•0.00”, “=514.81”, “V0.00”, “厂0.00”): a seal's or the watermark's stroke beside
# the digits read as a character — never a digit's look-alike (“l57” is 157), a minus or any dash, a bracket
_MARK_BEFORE = re.compile(rf"^[^\d\s{_LOOKALIKE_CLASS}\-−－—一_＿~～.,，\u2010-\u2015\uFE58\uFE63ー(（\[【]{{1,2}}\s*(?=\d)")

# … and one or two after a whole amount (“10.82人人”, “6.18A”, “29.42是”: the watermark's strokes beside the
# digits on a worn photocopy, real shehuigongzuo 收入决算表); an amount printed with two decimals ends there
_MARK_AFTER = re.compile(rf"(?<=\.\d\d)\s*[^\d\s{_LOOKALIKE_CLASS}\-−－—.,，:：;；%％)）\]】]{{1,2}}$")
# … or a point or comma after it (“481.23.”, “1,511.90.”: a speck of a worn photocopy after the last digit)
_POINT_AFTER = re.compile(r"(?<=\.\d\d)[.,，]$")


def _digit_slips(t: str) -> str:
    """Letters for digits, points for the thousands separators, a colon or comma for the decimal point."""
    if re.fullmatch(rf"[\d{_LOOKALIKE_CLASS}.,:;：；-]+", t) and re.search(r"\d", t) and re.search(rf"[{_LOOKALIKE_CLASS}]", t):
        t = t.translate(_LETTER_DIGITS)
    if _POINT_SEPARATORS.match(t):
        head, _, dec = t.rpartition(".")
        t = head.replace(".", ",") + "." + dec
    m = _COLON_DECIMAL.match(t) or _COMMA_DECIMAL.match(t) or _MARK_IN_DECIMALS.match(t)
    if m:
        t = f"{m.group(1)}.{m.group(2)}"
    return t


# a stroke read between the decimal point and the decimals (“2,106.-66”: a rule's remnant or a watermark's
# stroke under the point on a worn photocopy, real caizheng 公开04表)
_MARK_IN_DECIMALS = re.compile(r"^(-?[\d,]*\d)[.．][-—_~一]+(\d{2})$")


def normalise_ocr_amount(text: str) -> str:
    """Undo OCR slips that leave the digits intact: stray punctuation at the edges (“:214.70”), thousands
    separators read as points (“1.713.55”), a colon or a comma for the decimal point (“234:24”, “1,041,38”:
    where the column prints no decimals :func:`interpret_cells` flags it), letters for digits in an otherwise
    numeric reading (“O.00”), a mark before the amount (“=514.81”) or after it (“10.82人人”, “481.23.”) or
    between its point and its decimals (“2,106.-66”)."""
    t, after = _edges_off(text)
    marked = _MARK_AFTER if _MARK_AFTER.search(t) else _POINT_AFTER if _POINT_AFTER.search(t) else None
    for rest in ([after] if after is not None else []) + ([marked.sub("", t)] if marked else []):
        rest = _digit_slips(rest)
        p = parse_number(rest)
        if p.kind == "number" and p.well_formed and p.decimals == 2 and not p.percent:
            return rest  # (a whole amount is left: the identities confirm it or it is flagged)
    return _digit_slips(t)


def _edges_off(text: str) -> tuple[str, str | None]:
    """The reading without stray punctuation or a stroke at its edges, and what follows a mark before it (None:
    no mark, or two Chinese characters — “合计0.00”, a label run into its amount)."""
    t = _STROKE_BEFORE.sub("", _JUNK_EDGES.sub("", text.strip()))
    m = _MARK_BEFORE.match(t)
    if m and len(re.findall(r"[\u4e00-\u9fff]", m.group())) <= 1:
        return t, t[m.end():]
    return t, None


def _comma_for_point(text: str) -> bool:
    """The reading's decimal point was a comma (“1,041,38”) — unless the column prints whole amounts, where
    it is a digit lost from the last group (1,234,567 read “1,234,56”)."""
    t, after = _edges_off(text)
    return bool(_COMMA_DECIMAL.match(t if after is None else after))


def _prints_two_decimals(cells: list) -> bool:
    """A column whose amounts (four or more read) are printed with two decimals, nine in ten at least."""
    parsed = [parse_number(c.text) for c in cells if c.kind == "number"]
    return len(parsed) >= 4 and sum(p.decimals == 2 for p in parsed) >= 0.9 * len(parsed)


def _labels_below(table: Table, ci: int, min_cells: int = 4) -> bool:
    """Most of the column's filled cells (``min_cells`` at least) read as codes or words, none as an amount (a
    column mixing labels and amounts is a table whose columns slipped — real caizheng 公开04表 as a worn
    photocopy — whose amounts keep their values)."""
    from .verdict import _content_kind

    kinds = [_content_kind(r.cells[ci].text) for r in table.rows if ci < len(r.cells) and r.cells[ci].text.strip()]
    return len(kinds) >= min_cells and sum(k in ("code", "code_name", "words") for k in kinds) > len(kinds) / 2 \
        and not any(k in ("amount", "run_on") for k in kinds)


def _amount_role_columns(table: Table) -> set[int]:
    """The columns the table's template gives a role whose label is an amount's (合计, 基本支出 …)."""
    from .templates import load_templates, resolve_columns

    template = load_templates().get(table.template or "")
    if template is None or not template.columns:
        return set()
    specs = {s.role: s for s in template.columns}
    return {c for role, cols in resolve_columns(table, template).items()
            if role in specs and specs[role].match and is_amount_column(specs[role].match[0].strip("^$"))
            for c in cols}


def _filled_kinds(table: Table, ci: int, read=lambda text: text) -> list[str]:
    """What column ``ci``'s filled cells read as (:func:`pipeline.verdict._content_kind` of ``read(text)``)."""
    from .verdict import _content_kind

    return [_content_kind(read(r.cells[ci].text)) for r in table.rows if ci < len(r.cells) and r.cells[ci].text.strip()]


def _amounts_among_marks(table: Table, ci: int, min_amounts: int = 3) -> bool:
    """Amounts with two decimals in the column (``min_amounts`` at least), more of them than codes and words: the
    rest marks (a worn page's watermark strokes read “X”, “AT”, “1” in its blank cells)."""
    kinds = _filled_kinds(table, ci, normalise_ocr_amount)
    amounts = sum(k == "amount" for k in kinds)
    return amounts >= min_amounts and amounts > sum(k in ("code", "code_name", "words") for k in kinds)


def _amounts_below(table: Table, ci: int, min_cells: int = 4) -> bool:
    """Most of the column's filled cells (``min_cells`` at least) read as amounts with two decimals."""
    kinds = _filled_kinds(table, ci, normalise_ocr_amount)
    return len(kinds) >= min_cells and sum(k == "amount" for k in kinds) > len(kinds) / 2


def _is_noise(text: str) -> bool:
    """One or two characters without a digit or a dash in an amount cell."""
    return 0 < len(text) <= 2 and not re.search(r"[\d\-—－–―]", text)


_PRINTED_AMOUNT = re.compile(r"\d[.．]\d\d(?!\d)")  # two decimals, as an amount prints


def header_rows_of_a_record(table: Table) -> int:
    """Body rows above a record table's row of amounts (公开09表: one row of amounts under a header of three
    rows) that print no amount — the header's lower rows, its column labels and 栏次 numbers, taken for body
    rows when a worn photocopy's header rule was lost (seed-45 nanyang and jincheng 公开09表: 合计1 |
    公务用车购置费 … and 1 | 2 | 34 | 5 | 617 … read as two rows of amounts' cells, 24 cells in review, all
    wrong): they go back to the header (its cells reviewed as any header cell), and the column labels are
    read again from it. A scanned table only; the rows must lead the body, each with no amount and laid out as a
    header row (:func:`_header_like`: labels, or the 栏次 numbers), and a row of amounts must follow. Returns the
    rows moved."""
    from .headers import HeaderCell, flatten_header
    from .templates import load_templates

    template = load_templates().get(table.template or "")
    if template is None or template.layout != "record" or len(table.rows) < 2:
        return 0
    lead = 0
    for row in table.rows:
        texts = [c.text.strip() for c in row.cells]
        if any(_PRINTED_AMOUNT.search(t) for t in texts):
            break
        if not _header_like(texts, len(template.columns)):
            return 0  # (a row of whole numbers or dashes may be data read without its points: left as read)
        lead += 1
    if lead == 0 or lead == len(table.rows) or len({len(r.cells) for r in table.rows}) != 1 \
            or len(table.rows[0].cells) != len(table.columns):
        return 0
    width = len(table.columns)
    for row in table.rows[:lead]:
        at = len(table.header)
        table.header.append([c.text for c in row.cells])
        for ci, cell in enumerate(row.cells):
            if cell.text.strip():
                table.header_cells.append(HeaderEntry(at, ci, 1, 1, cell))
    del table.rows[:lead]
    table.columns = flatten_header([HeaderCell(h.row, h.col, h.cell.text, h.rowspan, h.colspan)
                                    for h in table.header_cells], len(table.header), width)
    return lead


def _header_like(texts: list[str], columns: int) -> bool:
    """A row of a header's labels (half its cells with print or more hold two Chinese characters) or of its
    栏次 numbers — its digits, read on, the column numbers 1 … n (n up to ``columns``, the template's) but for
    one in six (two read as one, a rule's remnant read as a 1: 1 | 2 | 34 | 5 | 617 …, 广1 | 2 | 3 | CV4 …)."""
    from rapidfuzz.distance import Levenshtein

    filled = [t for t in texts if t]
    if not filled:
        return False
    if 2 * sum(bool(re.search(r"[\u4e00-\u9fff]{2}", t)) for t in filled) >= len(filled):
        return True
    digits = "".join(re.sub(r"\D", "", t) for t in filled)
    printed = ("".join(str(n) for n in range(1, m + 1)) for m in range(len(filled), columns + 1))
    return len(digits) >= 3 and any(Levenshtein.distance(digits, p) <= len(p) // 6 for p in printed)


def _amount_reading(cell) -> str:
    """An OCR reading of an amount cell as interpretation takes it: its slips undone, and a watermark's or a
    seal's fragment read as characters (one or two without a digit or a dash, or a weak reading without a
    digit) nothing."""
    fixed = normalise_ocr_amount(cell.text)
    if _is_noise(fixed) or (cell.ocr_score < 0.5 and not re.search(r"\d", fixed) and not _a_label(fixed)):
        return ""
    return fixed


_WATERMARK_CHARS = frozenset("仅供内部审核")


def _a_label(text: str, least: int = 6) -> bool:
    """Words enough to be a row's label, however weakly read: ``least`` Chinese characters or more, most of them
    not the watermark's (仅供内部审核, whose strokes read weakly across a cell). A label run into a column of
    amounts over a lost column rule (二十六、抗疫特别国债安排的支出 in 金额 | 支出项目 of a worn photocopy's
    公开01表, seed-45 jincheng, read at 0.4) is no fragment to blank: blanked, its row lost its label unflagged."""
    chars = re.findall(r"[\u4e00-\u9fff]", text)
    return len(chars) >= least and sum(c in _WATERMARK_CHARS for c in chars) * 2 < len(chars)


def interpret_cells(table: Table, ocr_pages: set[int] = frozenset()) -> None:
    """Values of amount columns; ``format`` reason for text that is not a well-formed amount (and
    ``columns_merged`` on every cell of a scanned row whose text sits a column off: a label in a column of
    amounts, a name beside the row's code in 类 | 款 | 项); OCR slips in amounts undone (the reading is kept as an
    alternative)."""
    if table.kind == "performance":
        from .performance import interpret_form_cells

        interpret_form_cells(table, ocr_pages)
        return
    if any(p in ocr_pages for p in table.pages):  # a misread label names no column: its template's label does
        from .headercheck import join_stacked_labels, labels_by_position, labels_from_template, restore_column_labels
        from .templates import identify_template

        if table.template is None:  # (one given by its place in the set stays: templates_by_place)
            identify_template(table)
        header_rows_of_a_record(table)
        join_stacked_labels(table)
        restore_column_labels(table)
        labels_from_template(table)
        labels_by_position(table)
    split_code_name_columns(table, ocr_pages)
    split_run_together_columns(table, ocr_pages)
    split_run_together_amounts(table, ocr_pages)
    split_record_amounts(table, ocr_pages)
    split_block_names_and_amounts(table, ocr_pages)
    split_amounts_and_items(table, ocr_pages)
    join_split_blank_columns(table, ocr_pages)
    join_wrapped_label_rows(table, ocr_pages)
    join_split_code_rows(table, ocr_pages)
    split_total_labels_off_amounts(table, ocr_pages)
    _split_amount_and_code(table, ocr_pages)
    _flag_column_number_rows(table, ocr_pages)
    amount_cols = [is_amount_column(c) for c in table.columns]
    if table.template and any(p in ocr_pages for p in table.pages):
        # a misread label (项目代供 for 科目代码) does not make a column of codes or names one of amounts: its cells
        # say what it holds (real shehuigongzuo 收入决算表 as a worn photocopy: 合计 and 社会工作事务 read there
        # were taken for an amount's noise and blanked). Only in a table its template checks: a piece no template
        # names (seed-41 jincheng's 公开10表 continued, its item rows read into its header) keeps the doubt its
        # labels read under an amount's label raise
        amount_cols = [a and not _labels_below(table, ci) for ci, a in enumerate(amount_cols)]
        # a column its template's amount role takes whose label was worn into another's (支出/一一一行次合计: the
        # rule between 行次 and 合计 lost in the header, seed-45 photocopy150 公开04表), reading amounts: its
        # amounts are amounts (they kept no value, and every identity over them read them from the text)
        by_role = _amount_role_columns(table)
        amount_cols = [a or (ci in by_role and _amounts_among_marks(table, ci)) for ci, a in enumerate(amount_cols)]
        # (a column with no label at all — the header worn away, the template given by the table's place — that
        # its place gives an amount role, no labels below: seed-45 jincheng 公开03表, 上缴上级支出's blank cells
        # reading the watermark's strokes “一人”, “人面” at 0.998, unflagged. A blank label is an amount's already)
        unlabelled = {ci for ci in by_role if ci < len(table.columns)
                      and not compare_key(table.columns[ci].split("/")[-1]) and not _labels_below(table, ci)}
    else:
        unlabelled = set()
    # a column without a header label is not known to hold amounts — unless its cells say so (a scan whose
    # header rows were lost: seed-41 photocopy150 公开05表 read “6.750.16”, “11.375.53” … left unnormalised) or
    # its template's role does
    known = [bool(c) or ci in unlabelled or (any(p in ocr_pages for p in table.pages) and _amounts_below(table, ci))
             for ci, c in enumerate(table.columns)]
    commas: list = []  # (column, cell) read with a comma for the decimal point
    shifted: list = []  # rows of a scan with a label in a column of amounts
    for row in table.rows:
        for ci, cell in enumerate(row.cells):
            amount = ci < len(amount_cols) and amount_cols[ci]
            if amount and ci < len(known) and known[ci] and row.page in ocr_pages and cell.text:
                fixed = _amount_reading(cell)  # (a watermark or seal fragment read as a character: nothing)
                if fixed != cell.text and _comma_for_point(cell.text):
                    commas.append((ci, cell))
                if fixed != cell.text and parse_number(fixed).kind in ("number", "empty"):
                    if _STROKE_BEFORE.match(cell.text.strip()):  # or was it a minus sign?
                        cell.alternatives.insert(0, Alternative("-" + fixed, cell.ocr_score / 2, "ocr"))
                    cell.alternatives.insert(0, Alternative(cell.text, cell.ocr_score, "ocr"))
                    cell.original, cell.text = cell.text, fixed
                    cell.add_reason("format_normalised")
            p = parse_number(cell.text)
            if p.kind == "empty":
                cell.kind, cell.value = "empty", None
            elif p.kind == "na":
                cell.kind, cell.value = "na", None
                if amount and row.page in ocr_pages and "seal" in cell.reasons:
                    # a seal's stroke across a blank cell reads as a dash, and no identity tells a dash from
                    # a blank (both are nothing): a reviewer does
                    cell.add_reason("seal_dash")
            elif amount and p.kind == "number":
                cell.kind, cell.value = "number", p.value
                if p.value < 0 and row.page in ocr_pages and cell.text.lstrip()[:1] in "-−－" \
                        and not any(a.text == cell.text.lstrip()[1:] for a in cell.alternatives):
                    # a stroke just left of the digits reads as a minus: without it is the other reading
                    # (identities choose: pipeline.repair)
                    cell.alternatives.append(Alternative(cell.text.lstrip()[1:], cell.ocr_score / 2, "ocr"))
                # one decimal (6.4) is how some unit budgets print: suspect only in a reading (a digit lost),
                # never in a text layer, which is what was printed
                if not p.well_formed or (p.decimals not in (0, 2) and not p.percent and row.page in ocr_pages):
                    cell.add_reason("format")
                elif row.page in ocr_pages and _LEADING_ZERO.match(cell.text.strip()):
                    # no amount prints a zero before its first digit: “00” in a blank cell is a speck of the
                    # seal or the watermark read twice (real guihua 公开02表 as a 1-bit scan, at 0.999, unflagged:
                    # a sum that holds proves no zero)
                    cell.add_reason("format")
            elif amount:
                cell.kind, cell.value = "text", None
                # a garbled amount, not a label: no words, or laid out as an amount without digits (一,二三四.五六);
                # an elision mark (。。。 in a blank template's rows) is neither
                if (not re.search(r"[\u4e00-\u9fff]{2,}", cell.text) or amount_without_digits(cell.text)) \
                        and not _ELISION.fullmatch(cell.text):
                    cell.add_reason("format")
                elif row.page in ocr_pages and ci < len(known) and known[ci] and not _ELISION.fullmatch(cell.text):
                    # a label read in a column of amounts on a scan: a column line lost in this row and its text
                    # a column off (seed-21 photocopy150 公开04表: 八、社会保障和就业支出 under 收入's 金额, 支出's
                    # 项目 empty beside it, both unflagged): the cell, and — when it reads as a label, four
                    # characters running, not a seal's strokes read as 产美书 — its whole row are in doubt
                    cell.add_reason("format")
                    if re.search(r"[\u4e00-\u9fff]{4,}", cell.text):
                        shifted.append(row)
            else:
                cell.kind, cell.value = "text", None
    for ci, cell in commas:  # a comma before two digits in a column of whole amounts is a digit lost
        column = [r.cells[ci] for r in table.rows if ci < len(r.cells)]
        if sum(c.kind == "number" for c in column) < 4:  # too few to tell (公开09表's one row): the table's amounts
            column = [c for r in table.rows for k, c in enumerate(r.cells) if k < len(amount_cols) and amount_cols[k]]
        if not _prints_two_decimals(column):
            cell.add_reason("format")
    _names_back_to_their_codes(table, ocr_pages)
    _check_stray_dashes(table, amount_cols, ocr_pages)
    check_line_numbers(table, ocr_pages)
    _check_odd_readings(table, amount_cols, ocr_pages)
    _split_code_and_name(table, ocr_pages)
    # a name read in a code column beside the row's code (real caizheng 公开05表 as a worn photocopy: 208 |
    # 社会保障和就业支出 under 款, the name column empty): the line between them lost in this row (a total row's
    # label over the code columns has no code beside it; a code and its name read as one cell are split above)
    # (类 | 款 | 项: code columns side by side; 公开06表's blocks each open with one, apart)
    # (not a name column under the code column's label, one header cell over both — 项目科目代码科目名称, its
    # rule lost in the header only: seed-45 agriculture 公开02表, every row's name beside its code taken for a
    # shift and all 261 cells in review — told by its cells, words in most of them)
    pairs = [k for k, c in enumerate(table.columns) if k and c and is_code_column(c) and is_code_column(table.columns[k - 1])
             and not (c == table.columns[k - 1] and _mostly_words(table, k))]
    for row in table.rows:
        if row.page in ocr_pages and row not in shifted and any(
                k < len(row.cells) and re.fullmatch(r"\d{2,7}", row.cells[k - 1].text.strip())
                and re.search(r"[\u4e00-\u9fff]{2,}", row.cells[k].text) and not re.search(r"\d", row.cells[k].text)
                for k in pairs):
            shifted.append(row)
    # a code cell holding a code and more numbers beside it (“2210201改302431 302431”: seed-41 photocopy150
    # 公开05表's last row, its amounts read into the code column and the amount cells left empty): the row's
    # column lines were lost, its text sits in one cell
    # (a code column by its label, or by its cells when the label was misread: 栏次 over that 公开05表's codes)
    def coded(k: int) -> bool:
        kinds = _filled_kinds(table, k)
        return len(kinds) >= 4 and sum(x in ("code", "code_name") for x in kinds) > len(kinds) / 2

    codes = [k for k, c in enumerate(table.columns) if c and is_code_column(c) or coded(k)]
    for row in table.rows:
        if row.page in ocr_pages and row not in shifted and any(
                k < len(row.cells) and len(_DIGIT_RUN.findall(row.cells[k].text)) >= 2 for k in codes):
            shifted.append(row)
    for row in shifted:
        for cell in row.cells:
            cell.add_reason("columns_merged")
    _check_codes(table, ocr_pages)
    _check_stacked_rows(table, amount_cols, ocr_pages)


def _stacked(table: Table, amount_cols: list[bool], cell: Cell, ci: int) -> list[str]:
    """The numbers a code or amount cell holds line over line, when two or more (a code wrapped in a narrow
    column, “3010” over “1”, is one code: none)."""
    code = ci < len(table.columns) and is_code_column(table.columns[ci])
    if not (code or (ci < len(amount_cols) and amount_cols[ci])):
        return []
    if code and sum(bool(CODE_DIGITS.match(re.sub(r"\s+", "", t))) for t in cell.lines) < 2 \
            and _known_code("".join(cell.lines)):
        return []
    numbers = [t for t in cell.lines if parse_number(t).kind in ("number", "na")]
    return numbers if len(numbers) >= 2 else []


def _specks_beside_one(numbers: list[str]) -> bool:
    """Numbers stacked in a cell that are specks' lines beside one number of print: one or two digits alone
    (:data:`pipeline.validate.SPECK`) beside an amount with decimals or a code of three digits or more (a rule's
    remnant “1” over 97.29, “11” over 39909). Two-digit lines alone are no specks: a 款 or 项 code column prints
    them (05 over 01), and counts are whole numbers."""
    from .validate import SPECK

    printed = [t for t in numbers if not SPECK.fullmatch(t.strip())]
    return len(printed) == 1 and bool(re.fullmatch(r"[\d,，]+[.．]\d+|\d{3,}", printed[0].strip()))


def _stacked_span(ci: int, numbers: list[str], blocks: list[tuple[int, int]], width: int) -> tuple[int, int]:
    """The columns [lo, hi) of a row put in doubt by cell ``ci`` holding ``numbers`` stacked: its block's (a
    code block of 公开06表) or the row's — or the cell's alone when they are specks beside one number of print
    (:func:`_specks_beside_one`)."""
    if _specks_beside_one(numbers):
        return ci, ci + 1
    return next(((a, b) for a, b in blocks if a <= ci < b), (0, width))


def _check_stacked_rows(table: Table, amount_cols: list[bool], ocr_pages: set[int]) -> None:
    """An OCR'd amount or code cell holding two or more numbers stacked line over line is two rows whose
    separating rule was not found (“20501” over “2050101” read as one cell 205012050101). Every cell of that
    row gets ``rows_merged`` (always reviewed). A code wrapped in a narrow code column (“3010” over “1”: the
    lines joined are a catalogue code, and they are not each one) is not two; amounts are not exempt (on a worn
    photocopy a merged row's amounts can join into one that looks whole). So is a label cell holding two
    numbered labels (九、卫生健康支出 over 十、节能环保支出, read as two lines or run into one: a worn 公开01表's
    row rule lost, the one amount beside them belonging to one of the two) — in a two-sided table (收入 | 支出)
    the cells of its side, the other side's row being whole (its own 行次 in it). In a table of code blocks side
    by side (公开06表, blocks of one width) only the block's cells are, when no other block of the row shows two
    numbers stacked (seed-45 jincheng 公开06表 as a worn photocopy: five rows, 60 cells in review, for one
    block's amount each). A number stacked only with specks (one or two digits alone beside an amount with
    decimals or a code of three digits or more: “1” over 97.29) puts the cell alone in doubt."""
    # a two-sided table (收入 | 支出, each side opening with its 项目 column): its sides, as column ranges
    items = [k for k, c in enumerate(table.columns) if c.split("/")[-1].endswith("项目")]
    sides = [(0, items[1]), (items[1], len(table.columns))] if len(items) == 2 and items[0] == 0 else []
    # a table of blocks side by side, each opening with its code column (公开06表: 科目代码 | 科目名称 | 决算数, four
    # times): its blocks, as column ranges — each block's rows are printed with their own codes, so a row rule
    # lost across them shows in every block's code cell
    is_code = [is_code_column(c) for c in table.columns]
    starts = [k for k in range(len(is_code)) if is_code[k] and (k == 0 or not is_code[k - 1])]
    blocks = list(zip(starts, starts[1:] + [len(table.columns)])) if len(starts) >= 2 and starts[0] == 0 else []
    if len({b - a for a, b in blocks}) > 1:  # (blocks of one width each: code | name | amount)
        blocks = []
    # (a lost row rule shows in two blocks or more: the whole row is in doubt, every block's cells — a block
    # whose own cells read one number each may hold one row's amount joined into a whole-looking one)
    def shows_rule_lost(row, a: int, b: int) -> bool:  # a cell of the block stacks two numbers of print
        return any(not _specks_beside_one(numbers) for k in range(a, min(b, len(row.cells)))
                   if (numbers := _stacked(table, amount_cols, row.cells[k], k)))

    for row in table.rows:
        if row.page not in ocr_pages:
            continue
        row_blocks = blocks if sum(shows_rule_lost(row, a, b) for a, b in blocks) < 2 else []
        for ci, cell in enumerate(row.cells):
            numbers = _stacked(table, amount_cols, cell, ci)
            labels = [m for t in (cell.lines or [cell.text]) for m in _NUMBERED_LABEL.findall(re.sub(r"\s+", "", t))]
            if numbers:
                lo, hi = _stacked_span(ci, numbers, row_blocks, len(row.cells))
                for other in row.cells[lo:hi]:
                    other.add_reason("rows_merged")
                break
            if len(labels) >= 2:  # (in a 收支总表, the cells of that label's side: the other side's row is its own)
                lo, hi = next(((a, b) for a, b in sides if a <= ci < b), (0, len(row.cells)))
                for other in row.cells[lo:hi]:
                    other.add_reason("rows_merged")
                break


def _check_odd_readings(table: Table, amount_cols: list[bool], ocr_pages: set[int]) -> None:
    """OCR readings that cannot be what the column prints, flagged ``format`` (a 1-bit scan's seal and
    watermark strokes read into cells): letters without a word in a label column (“HF”, “X1” in an empty
    项目 cell) or one against a label's words (“合计F”: a speck read beside it, the two parts of a cut cell
    joined), a label whose numbering lost its numeral (“、政府采购情况”), a mark with neither digit nor
    word in a code column (“I”), a 行次 that is not a whole number (“4.”), a whole number in an amount column
    that prints its amounts with two decimals (“851” for 8.51: the point lost under a watermark)."""
    # (the specks aside, a few in a worn column — seed-45 agriculture 公开04表: “1” in two blank cells
    # of a row, 1 = 0 + 1 + 0, its identity holding on specks; a column with too few amounts to tell goes by the
    # table's)
    from .templates import load_templates
    from .validate import _speck as whole  # one or two digits alone: a speck read as a number (a rule's “1”)

    template = load_templates().get(table.template or "")
    # (a template whose values count things as well as money — 公开10表's 统计数: 车辆数 12, 1, 0 — prints whole
    # numbers: there a column is judged by all its numbers; so is one no template names, which may be such a
    # table's piece)
    counts = template is None or any(sp.role == "value" for sp in template.columns)
    # (judged by the amounts read with a point: a whole number of three digits or more among them is what is
    # judged — seed-45 agriculture_007 公开01表's 金额: 645318 beside 6.67, 6926.26, 233.91, 7160.17)
    def pointed(c: Cell) -> bool:
        return not whole(c) and c.kind == "number" and bool(parse_number(c.text).decimals)

    table_amounts = [r.cells[k] for r in table.rows for k in range(min(len(r.cells), len(amount_cols)))
                     if amount_cols[k] and table.columns[k] and r.page in ocr_pages and pointed(r.cells[k])]
    for ci, label in enumerate(table.columns):
        cells = [(r, r.cells[ci]) for r in table.rows if ci < len(r.cells) and r.page in ocr_pages]
        if not cells:
            continue
        line = bool(_LINE_LABEL.match(label.split("/")[-1]))
        amount = ci < len(amount_cols) and amount_cols[ci] and bool(label)
        if ci < len(amount_cols) and amount_cols[ci] and not label:
            # a column of amounts whose label was not read (seed-45 jincheng 公开03表 as a worn photocopy): a
            # stroke after the decimals is mended where its own amounts print two decimals (and the column is
            # checked as a label column is, below)
            own = [c for _, c in cells if pointed(c)]
            if len(own) >= 4 and _prints_two_decimals(own):
                for _, cell in cells:
                    _stroke_after(cell)
        if amount:
            own = [c for _, c in cells if pointed(c)]
            judged = [c for _, c in cells] if counts else own if len(own) >= 4 else table_amounts
            if not _prints_two_decimals(judged):
                continue
        for row, cell in cells:
            text = cell.text.strip()
            if not text:
                continue
            if line:
                odd = not text.isdigit()
            elif amount:
                odd = cell.kind == "number" and parse_number(text).decimals == 0 and (
                    not re.search(r"[,，]", text) or bool(_GROUPED_POINT_LOST.fullmatch(text)))
            elif is_code_column(label):
                odd = not re.search(r"[\d\u4e00-\u9fff]", text)  # a mark, neither code nor label (“I”)
            else:  # (a numbering's 、 without its numeral: the 一 of 一、政府采购情况 lost, a single stroke)
                odd = bool(re.search(r"[A-Za-z]", text)) and not re.search(r"[\u4e00-\u9fff]", text) or \
                    text.startswith("、") or bool(_LETTER_AT_WORDS.search(text))
            if amount and _digit_lost(cell):
                continue
            if odd and amount and _point_lost(row, cell, ci, amount_cols):
                continue
            if amount and _stroke_after(cell):
                continue
            if odd:
                cell.add_reason("format")


POINT_RESTORED = "point_restored"
_GROUPED_POINT_LOST = re.compile(r"[1-9]\d{0,2}(?:[,，]\d{3})*[,，]\d{5}")  # “17,58916”: 17,589.16


def _point_lost(row, cell: Cell, ci: int, amount_cols: list[bool]) -> bool:
    """A whole number of four digits or more read in a column printing two decimals, in a row whose other
    amounts are read with theirs: the point was lost (a dot under the watermark, worn away — seed-45
    agriculture_007 “645318” for 6453.18, “42722” for 427.22; with separators, nanyang “17,58916” for
    17,589.16). Read with it put back before the last two digits, ``point_restored`` (the reading kept as the
    alternative): reviewed unless an identity confirms it (:mod:`pipeline.score`). Not in a row of whole
    numbers (a 栏次 row read into the body: “1011” is 10 | 11), nor a code."""
    text = cell.text.strip()
    # (three digits are as often a speck's strokes in a blank cell — “802” beside 3957.94, seed-45 jincheng
    # 公开02表, proven blank by its sums —, and 000 a seal's dither read as zeros — a sum proves no zero: the
    # repair's confusions take such readings to their identities —; a catalogue's code in an amount column —
    # 30213 — is a row's code a column off)
    # (or with its thousands separators read, the point's two digits run on after the last group: “17,58916”)
    if not (_GROUPED_POINT_LOST.fullmatch(text) or re.fullmatch(r"[1-9]\d{3,}", text)) or _known_code(text):
        return False
    others = [parse_number(c.text) for k, c in enumerate(row.cells)
              if k != ci and k < len(amount_cols) and amount_cols[k] and c.text.strip()]
    if any(p.kind == "number" and p.decimals == 0 for p in others):
        return False
    _mend(cell, f"{text[:-2]}.{text[-2:]}", POINT_RESTORED)  # (“17,58916”: its grouping was ill-formed)
    return True


DIGIT_RESTORED = "digit_restored"
# a reading opening with a separator before three digits and two decimals (“.215.17”, “,928.84”): its first digit
# lost, the thousands separator after it read as the reading's start
_LEADING_SEPARATOR = re.compile(r"[.,，．、]\s*(\d{3})[.,，．](\d\d)")


def _digit_lost(cell: Cell) -> bool:
    """An amount read as a separator, three digits and two decimals in a scanned column printing two decimals:
    the digit before the separator was lost (a thin 1 under the watermark or beside a lost rule — seed-45
    police 公开03表, “.215.17” for 1,215.17 in 210 and again in 21011, “,928.84” for 1,928.84: interpretation had
    dropped the separator and read 215.17, both sums through the pair failing alike, so no single repair held).
    Of 34 such readings in seeds 45 and 47, every printed amount had a digit there, mostly 1: read with 1
    put back, ``digit_restored`` (the reading kept, the other digits as alternatives the identities may
    prove): reviewed unless an identity confirms it (:mod:`pipeline.score`)."""
    m = _LEADING_SEPARATOR.fullmatch((cell.original or cell.text).strip())
    # (“.000.00” is a 0.00 with a speck before it, no thousand)
    if m is None or m.group(1) == "000" or parse_number(cell.text).value != float(f"{m.group(1)}.{m.group(2)}"):
        return False
    _mend(cell, f"1,{m.group(1)}.{m.group(2)}", DIGIT_RESTORED)
    for d in "23456789":
        cell.alternatives.append(Alternative(f"{d},{m.group(1)}.{m.group(2)}", 0.1, "confusion"))
    return True


def _mend(cell: Cell, text: str, reason: str) -> None:
    """The amount read again from its reading's form: ``text``, with ``reason``, the reading kept as the
    alternative (:func:`pipeline.labels._replace`); the ``format`` its form had earned goes."""
    from .labels import _replace

    _replace(cell, text, reason)
    cell.kind, cell.value = "number", parse_number(cell.text).value
    if "format" in cell.reasons:
        cell.reasons.remove("format")


# an amount with two decimals and one stroke after them, in a column printing two decimals: the column line's
# remnant or a speck beside the last digit read as “1” or a bracket (“0.001”, “888.281”, “4.10]”)
_TRAILING_STROKE = re.compile(r"(\d{1,3}(?:[,，]\d{3})+|\d+)([.．]\d{2})[1lI|\]】]")


def _stroke_after(cell: Cell) -> bool:
    """An amount read with one stroke after its two decimals in a scanned column printing two decimals (seed-45
    as worn photocopies: 0.00 read “0.001” five times, 888.28 “888.281”, 4.10 “4.10]” — a column line's remnant
    at the cell's right edge, or a speck after the last digit): read without it, ``point_restored``'s kin —
    ``stroke_dropped``, the reading kept as the alternative, reviewed unless an identity confirms it
    (:mod:`pipeline.score`). Not a closing parenthesis: “4.10)” may be a negative amount whose opening one wore
    away. (``format``, set for the three decimals, goes with the stroke.)"""
    text = cell.text.strip()
    m = _TRAILING_STROKE.fullmatch(text)
    if m is None:
        return False
    _mend(cell, m.group(1) + m.group(2), STROKE_DROPPED)
    return True


STROKE_DROPPED = "stroke_dropped"
STRAY_DASH = "stray_dash"


def _check_stray_dashes(table: Table, amount_cols: list[bool], ocr_pages: set[int]) -> int:
    """A dash read under the watermark in an amount cell of a table that prints its blanks as blanks (its
    dashes no more than one in ten of its blank amount cells, or one): a watermark's stroke across a blank
    cell reads as “-” at 0.97 (real caizheng 支出决算表 as a worn photocopy, unflagged), and no identity tells a
    dash from a blank. ``stray_dash``, always reviewed. A table printing “-” for its blanks keeps its dashes.
    Returns the cells flagged."""
    if not any(p in ocr_pages for p in table.pages):
        return 0
    cells = [(row, c) for row in table.rows for k, c in enumerate(row.cells) if k < len(amount_cols) and amount_cols[k]]
    dashes = [(row, c) for row, c in cells if c.kind == "na" and _DASH_ONLY.fullmatch(c.text.strip())]
    blanks = sum(not c.text.strip() for _, c in cells)
    if not dashes or len(dashes) > max(1, blanks // 10):
        return 0
    flagged = 0
    for row, c in dashes:
        if row.page in ocr_pages and "watermark" in c.reasons:
            c.add_reason(STRAY_DASH)
            flagged += 1
    return flagged


_DASH_ONLY = re.compile(r"[-—－–―]{1,2}")


def _names_back_to_their_codes(table: Table, ocr_pages: set[int]) -> int:
    """A name read a row off its code on a scan (the rule between the rows faded, the name's line landing in
    the row above or below): seed-41 photocopy150 公开02表 read 合计 | 社会保障和就业支出 over 208 | (blank), so
    the 合计 row took code 208 from the name and the 208 row had none. A name in a row whose own code does not
    name it goes to the next row (or the one before) when that row prints a code the catalogue names so and
    has no name of its own. The cells trade places (each keeps the page box it was read in). Returns the
    names moved."""
    names = [k for k, c in enumerate(table.columns) if "名称" in c.split("/")[-1]]
    if not names:
        return 0
    ni = names[0]
    code_cols = [k for k, c in enumerate(table.columns[:ni]) if c and is_code_column(c)]
    if not code_cols:
        return 0

    def code(row) -> str:
        text = "".join(re.sub(r"\s", "", row.cells[k].text) for k in code_cols if k < len(row.cells))
        return text if re.fullmatch(r"\d{3,7}", text) else ""

    moved = 0
    rows = [r for r in table.rows if len(r.cells) > ni]
    for i, row in enumerate(rows):
        name = row.cells[ni].text.strip()
        if row.page not in ocr_pages or not name or (code(row) and _code_named(code(row), name)):
            continue
        for j in (i + 1, i - 1):
            if 0 <= j < len(rows) and rows[j].page == row.page and not rows[j].cells[ni].text.strip() \
                    and code(rows[j]) and _code_named(code(rows[j]), name):
                row.cells[ni], rows[j].cells[ni] = rows[j].cells[ni], row.cells[ni]
                moved += 1
                break
    return moved


_DIGIT_RUN = re.compile(r"\d{3,}")
_CODE_AND_NAME = re.compile(r"^(\d{3,7})\s*([\u4e00-\u9fff].*)$")
# (after a lost rule's mark, read as a letter: “T30229福利费” — not I, l or |: a 1 misread, 103 非税收入 read “l03”)
_CODE_THEN_WORDS = re.compile(r"\d{3,7}\D{0,2}[\u4e00-\u9fff]{2,}")  # a code with a name run on, marks between
_MARKED_CODE_AND_NAME = re.compile(r"^[A-HJ-Za-km-z!'`.,:;=_-]?\s*(\d{3,7})\s*([\u4e00-\u9fff].*)$")
_PART_AND_NAME = re.compile(r"^(\d{1,3})\s*([\u4e00-\u9fff].*)$")  # a 项's digits with the name run on
_LETTER_AT_WORDS = re.compile(r"^[A-Za-z]\s*[\u4e00-\u9fff]|[\u4e00-\u9fff]\s*[A-Za-z]$")


def _code_named(code: str, name: str) -> bool:
    """The catalogue (any classification) names ``code`` so."""
    from .catalogue import ECONOMIC, ECONOMIC_GOV, FUNCTIONAL, load_catalogue

    named = [load_catalogue(c).get(code) for c in (FUNCTIONAL, ECONOMIC, ECONOMIC_GOV)]
    return any(e is not None and compare_key(e.name) == compare_key(name) for e in named)


def split_code_name_columns(table: Table, ocr_pages: set[int], min_cells: int = 4, share: float = 0.5) -> int:
    """A column of codes with their names run on (“30101基本工资”) in a table that prints its codes in a
    column of their own: the rule between a group's code and name columns was lost down the table (公开06表's
    first group on a skewed scan), and the grid has one column where the page prints two — every column right
    of it a place off against the template. The column is split back in two: the code to a new column, the
    name to the next; a label in the cell (a total spanning both: 人员经费合计) stays in the first. Both cells
    are ``rule_missing`` unless the catalogue names that code so. The column labels are the table's own code
    and name labels (the header reading is kept as read, spanning both). Returns the columns split."""
    from .codes import is_total_label
    from .verdict import _content_kind

    if table.kind == "performance" or not any(r.page in ocr_pages for r in table.rows):
        return 0

    def reading(cell) -> str:  # the OCR reading, before a name was set from the catalogue
        if "label_normalised" in cell.reasons and cell.original and _CODE_AND_NAME.match(cell.original.strip()):
            return cell.original.strip()
        return cell.text.strip()

    def kinds(ci: int, read=lambda c: c.text) -> list[str]:
        return [k for k in (_content_kind(read(r.cells[ci])) for r in table.rows if ci < len(r.cells)) if k]

    code_cols = [ci for ci in range(len(table.columns))
                 if len(ks := kinds(ci)) >= min_cells and sum(k == "code" for k in ks) > share * len(ks)]
    if not code_cols:
        return 0
    split = 0
    ci = 0
    while ci < len(table.columns):
        ks = kinds(ci, reading)
        right = kinds(ci + 1) if ci + 1 < len(table.columns) else []
        if (ci in code_cols or len(ks) < min_cells or sum(k == "code_name" for k in ks) <= share * len(ks)
                or len(right) < share * len(ks)):  # (a blank name column beside it: split cell by cell below)
            ci += 1
            continue
        apart = next((c for c in code_cols if re.search(r"编码|代码", table.columns[c])), code_cols[0])  # not 类
        code_label = table.columns[apart].split("/")[-1]
        after = apart + 1
        name_label = table.columns[after].split("/")[-1] if after < len(table.columns) and "名称" in \
            table.columns[after] else "科目名称"
        prefix = table.columns[ci][:len(table.columns[ci]) - len(table.columns[ci].split("/")[-1])]
        _insert_column(table, ci)
        table.columns[ci], table.columns[ci + 1] = prefix + code_label, prefix + name_label
        for row in table.rows:
            if ci + 1 >= len(row.cells):
                continue
            code_cell, cell = row.cells[ci], row.cells[ci + 1]
            text = reading(cell)
            m = _CODE_AND_NAME.match(text)
            code_cell.bbox, code_cell.ocr_score, code_cell.reasons = cell.bbox, cell.ocr_score, list(cell.reasons)
            if m:
                name = cell.text.strip() if cell.text.strip() != text else m.group(2).strip()
                code_cell.text, cell.text = m.group(1), name
                code_cell.original = cell.original = text  # (the reading of both: its alternatives were of both too)
                cell.alternatives, cell.lines = [], []
                if not _code_named(m.group(1), name):
                    code_cell.add_reason("rule_missing")
                    cell.add_reason("rule_missing")
            elif text and (text.isdigit() or is_total_label(text) or not _CJK2.search(text)):
                code_cell.text, cell.text = cell.text, ""  # a code alone, a total spanning both, a mark
                code_cell.alternatives, code_cell.original, code_cell.lines = cell.alternatives, cell.original, cell.lines
                cell.alternatives, cell.original, cell.lines = [], None, []
            elif text:
                cell.add_reason("rule_missing")  # a name whose code was not read: which column is a guess
        code_cols = [c + (c >= ci) for c in code_cols] + [ci]
        split += 1
        ci += 2
    return split


def split_run_together_columns(table: Table, ocr_pages: set[int]) -> int:
    """A scanned column whose label holds two or more of its template's column labels in the template's order
    (经营收入属收位其他收入: 经营收入 | 附属单位上缴收入 | 其他收入, the middle one garbled — real guihua 收入决算表 as
    a worn photocopy, the two rules between those columns lost down the table, nothing printed under them),
    while the roles between them have no column, and whose body is blank (no amount, no three digits, no word:
    the specks of the lost rules read as “—1”, “一一”, “i” are no print): the columns the
    template prints there, blank. The column is split into as many; the labels are the template's, the
    header cell spans them as read (its reading checked as any other), every cell of them is ``rule_missing``. A
    name column run into the amount column after it, each cell a name, an amount or both in that order, is
    split so, each piece to its column (:func:`_names_then_amounts`). Another column with print in its body is
    left whole here (which of the columns holds it is not known; the identities across tables may tell:
    :func:`settle_run_together_columns`). Returns the columns added."""
    if not _scanned_table(table, ocr_pages):
        return 0
    added = 0
    ci = 0
    while ci < len(table.columns):
        span = _run_together_span(table, ci)
        pieces = _names_then_amounts(table, ci, span) if span is not None else None
        if pieces is not None:  # (a name column and the amounts right of it in one: both print, each its own)
            _split_column(table, ci, span)
            for row, (name, amount) in zip(table.rows, pieces):
                if ci + 1 < len(row.cells):
                    whole = row.cells[ci + 1]
                    row.cells[ci] = Cell(text=name, bbox=whole.bbox, ocr_score=whole.ocr_score,
                                         reasons=list(whole.reasons), lines=[name] if name else [])
                    whole.text, whole.lines = amount, [amount] if amount else []
                    whole.alternatives = []  # (the readings of both together are none of the amount's)
            added += 1
            ci += 2
            continue
        # (a column whose every reading is as many amounts run together as its label runs labels: each amount
        # to its column, in order — seed-47 health 公开02表 as a worn photocopy, 经营收入附属单位上缴其他收入 over
        # “0.000.000.00” and “0.000.00446.39” down the table, the table in review whole for columns missing)
        runs = _runs_per_row(table, ci, len(span)) if span is not None else None
        if runs is not None:
            _split_column(table, ci, span)
            for row, run in zip(table.rows, runs):
                whole = row.cells[ci + len(span) - 1] if ci + len(span) - 1 < len(row.cells) else None
                for k, amount in enumerate(run if whole is not None else []):
                    _set_piece(row.cells[ci + k], amount, whole)
            added += len(span) - 1
            ci += len(span)
            continue
        # (read as the column's amounts will be: a watermark's strokes read 海名語劇 at 0.3 are no print — real
        # guihua 支出决算表 as a worn photocopy, 上缴上级支出经营支出 over two blank columns)
        if span is None or not _print_free(_column_readings(table, ci)):
            ci += 1
            continue
        _split_column(table, ci, span)
        added += len(span) - 1
        ci += len(span)
    return added


def _runs_per_row(table: Table, ci: int, k: int, least: int = 2) -> list[list[str]] | None:
    """Per row, the ``k`` amounts column ``ci``'s reading runs together (none for a blank cell), when every
    filled cell reads exactly ``k`` (two decimals each) and ``least`` at least can be no one amount; else None.
    A cell reading one amount, or anything else, leaves which column it stands in unknown."""
    runs, sure = [], 0
    for row in table.rows:
        text = row.cells[ci].text.strip() if ci < len(row.cells) else ""
        if not text:
            runs.append([])
            continue
        run, either = _amounts_run_together(text)
        if len(run) != k:
            return None
        runs.append(run)
        sure += not either
    return runs if sure >= least else None


def _amounts_run_together(text: str) -> tuple[list[str], bool]:
    """The amounts (two decimals each) a reading runs together, two or more, and whether it may be one amount
    instead, its thousands separators read as points (“7.410.00”: 7.41 | 0.00 or 7,410.00); one whose
    separators are both commas and points before its decimals (“1,554.101,554.10”) is no one amount — the
    commas were read as commas — and nor is one amount read twice over that would make nine digits or more
    before the point as one. Nothing when the reading is not amounts run together whole (a cell of two lines
    is two rows' print, not two columns')."""
    from .assemble import _ONE_AMOUNT, _RUN_TOGETHER

    if "\n" in text.strip():
        return [], True

    def one(read: str) -> bool:  # (no amount opens with 0 before a thousands separator: “0.000.00” is two)
        return _ONE_AMOUNT.fullmatch(read) is not None and not re.match(r"[-−－]?0[.．,，]\d{3}", read)
    read = re.sub(r"\s+", "", text)
    half = read[:len(read) // 2]
    if len(read) % 2 == 0 and half * 2 == read and (_ONE_AMOUNT.fullmatch(half) or _RUN_TOGETHER.fullmatch(half)):
        # one amount read twice (“1.554.101.554.10”: 1,554.10 as 合计 and as 财政拨款收入, seed-45 police 公开02表)
        # — unless the whole may be one amount of eight digits or fewer before its point (“5.005.00”: 5,005.00)
        digits = len(re.sub(r"\D", "", read)) - 2
        return [half, half], one(read) and digits <= 8
    run = _RUN_TOGETHER.findall(read)
    if len(run) < 2 or "".join(run) != read:
        return [], True
    mixed = bool(re.search(r"[,，]", read[:-3])) and bool(re.search(r"[.．]", read[:-3]))
    return run, one(read) and not mixed


def split_run_together_amounts(table: Table, ocr_pages: set[int]) -> int:
    """Amounts read as one cell of a scanned 公开表 (“1439.011439.01”: 合计 and 基本支出 of one row, the column rule
    lost in that row and the line of print read across it) with as many empty cells of amounts beside them as
    the cell has amounts too many: one amount to each cell, in order — right of the cell, or left of it (the
    line given to the cell it ended in), when only one side has the cells. Only a reading that can be no single
    amount (not “7.410.00”, 7,410.00 with its separators read as points); every cell of the cut
    ``rule_missing``, so that it waits for the identities or a reviewer. Returns the cells cut."""
    if not _scanned_table(table, ocr_pages):
        return 0
    # (a column by its label, or by its cells when it has none: a blank label is no amount's here — a worn
    # header's name column, its 合计 row reading “42788.7822376.86”, seed-45 jincheng 公开03表)
    amounts = [bool(compare_key(c)) and is_amount_column(c) or _amounts_below(table, ci)
               for ci, c in enumerate(table.columns)]
    cut = 0
    for row in table.rows:
        if row.page not in ocr_pages:
            continue
        for ci, cell in enumerate(row.cells):
            run, either = _amounts_run_together(cell.text)
            if not run or either:
                continue
            k = len(run)

            def fits(first: int) -> bool:
                span = range(first, first + k)
                return 0 <= first and first + k <= min(len(row.cells), len(amounts)) \
                    and all(amounts[x] for x in span) and not any(row.cells[x].text.strip() for x in span if x != ci)
            sides = [first for first in (ci, ci - k + 1) if fits(first)]
            if len(sides) != 1:  # (empty cells on both sides: which ones the print stood in, nothing tells)
                continue
            whole = row.cells[ci]
            for x, amount in zip(range(sides[0], sides[0] + k), run):
                _set_piece(row.cells[x], amount, whole)
            cut += 1
    return cut


def split_record_amounts(table: Table, ocr_pages: set[int]) -> int:
    """A scanned 公开表 laid out as one record (公开09表: 预算数 and 决算数, six amounts each, in one row) whose
    column rules were lost in places: two amounts read as one cell (“41.7232.71”), or three (“6.770.006.77”:
    6.77 | 0.00 | 6.77 — or one amount, 6,770,006.77, its separators read as points), the grid a column short
    for each (seed-45 photocopy150 education, nanyang, police: every amount after the first run-together cell a
    column off, ten of twelve wrong, the table in review whole). The record's amounts are its template's
    columns in order, so the row's readings are cut into amounts (two decimals each, as these tables print)
    where that is the only way to make exactly as many as the template has columns — a reading that is
    no single amount is always cut, one that may be either only when the count needs it, and only when one
    choice of cuts makes the count. Every column then takes its template's label (the header, read across lost
    rules, names none reliably) and every cell of the row is ``rule_missing``: the record's identities confirm
    them or a reviewer does. (A run-together reading beside empty cells in a row of the record's width is cut
    into them before: :func:`split_run_together_amounts`.) Returns the cells cut."""
    from itertools import product

    from .assemble import _RUN_TOGETHER
    from .templates import load_templates

    template = load_templates().get(table.template or "")
    if template is None or template.layout != "record" or not _scanned_table(table, ocr_pages):
        return 0
    n = len(template.columns)

    def data_row(row) -> bool:  # (amounts, not the 栏次 row's numbers or a header read as a row)
        return row.page in ocr_pages and sum(bool(_RUN_TOGETHER.search(c.text)) for c in row.cells) >= 2
    rows = [r for r in table.rows if data_row(r)]
    if len(rows) != 1 or len(rows[0].cells) >= n:
        return 0
    row = rows[0]
    runs = [_amounts_run_together(cell.text) for cell in row.cells]
    options = [[len(run)] if run and not either else [1, len(run)] if run else [1] for run, either in runs]
    fits = [combo for combo in product(*options) if sum(combo) == n]
    if len(fits) != 1:
        return 0
    cut = 0
    at = 0
    for k, (run, _) in zip(fits[0], runs):
        if k > 1:
            whole = row.cells[at]
            for _ in range(k - 1):
                _insert_column(table, at + 1)
                for other in table.rows:  # (a slot made in another row — a header or 栏次 row read as one of
                    if other is not row and at + 1 < len(other.cells):  # the body — was read by no one)
                        other.cells[at + 1].add_reason("rule_missing")
            x0, y0, x1, y1 = whole.bbox if whole.bbox is not None else (None,) * 4
            for j, amount in enumerate(run):
                piece = row.cells[at + j]
                _set_piece(piece, amount, whole)
                if x0 is not None:
                    piece.bbox = (round(x0 + (x1 - x0) * j / k), y0, round(x0 + (x1 - x0) * (j + 1) / k), y1)
            cut += 1
        at += k
    table.columns = [_record_label(table.template, spec) for spec in template.columns]
    for cell in row.cells:
        cell.add_reason("rule_missing")
    _column_numbers_to_header(table, n)
    return cut


def _column_numbers_to_header(table: Table, n: int) -> None:
    """A record table's 栏次 row read as a row of its body (1 | 2 | 3 | 5 | 6 | 78 | 91011 | 12: its rules lost
    too, seed-45 photocopy150 police 公开09表) goes to the header: its numbers are no record, and the record's
    sums were built over it (11 = 2 + 3 + 6 after a “repair”, unflagged). Its digits, in order, are among the
    column numbers 1 … ``n`` written out, half of them at least, every cell digits or nothing."""
    target = "".join(str(k) for k in range(1, n + 1))

    def within(digits: str) -> bool:  # (a subsequence of the column numbers written out)
        it = iter(target)
        return all(ch in it for ch in digits)

    for row in list(table.rows):
        texts = [re.sub(r"\s+", "", c.text) for c in row.cells]
        filled = [t for t in texts if t]
        digits = "".join(filled)
        if len(filled) >= 3 and all(t.isascii() and t.isdigit() for t in filled) \
                and 2 * len(digits) >= len(target) and within(digits):
            table.rows.remove(row)
            at = len(table.header)
            table.header.append(texts)
            table.header_cells += [HeaderEntry(at, ci, 1, 1, cell) for ci, cell in enumerate(row.cells)
                                   if cell.text.strip()]


def _set_piece(cell, amount: str, whole) -> None:
    """``cell`` takes ``amount``, one of the amounts read run together in ``whole`` (``whole``'s score and doubts;
    ``whole`` itself keeps the reading as its only alternative — the runner-ups were the run-together text's;
    ``rule_missing``: the line between them inferred)."""
    if cell is not whole:
        cell.bbox, cell.reasons = cell.bbox or whole.bbox, list(dict.fromkeys([*cell.reasons, *whole.reasons]))
    cell.ocr_score = whole.ocr_score
    cell.alternatives = [Alternative(whole.text, whole.ocr_score, "ocr")] if cell is whole else []
    cell.text, cell.lines = amount, [amount]
    cell.add_reason("rule_missing")


def _record_label(template_id: str, spec) -> str:
    """A record template's column label as printed: for each of its patterns (预算数, 出国, 运行(维护)?费$ …) the
    printed label of the template it finds that it covers most of (``header_labels.json``: 因公出国(境)费,
    公务用车运行维护费 rather than 公务用车购置及运行维护费), else the pattern's words."""
    from .resources import load_json
    from .templates import _plain

    printed = load_json("templates", "header_labels.json")["labels"].get(template_id, [])

    def label(pattern: str) -> str:
        found = [(len(m.group(0)) / len(lab), lab) for lab in printed for m in [re.search(pattern, lab)] if m]
        # (else the pattern as words: 运行(维护)?费$ → 运行维护费)
        return max(found, key=lambda f: f[0])[1] if found else _plain(re.sub(r"\((.*?)\)\?", r"\1", pattern))
    return "/".join(label(p) for p in spec.all or spec.match)


_NAME_THEN_AMOUNT = re.compile(r"(.*?[\u4e00-\u9fff）)])\s*(-?\d[\d,，]*[.．]\d\d)")


def _names_then_amounts(table: Table, ci: int, span: list) -> list[tuple[str, str]] | None:
    """Column ``ci`` run together over a name column and the amount column right of it (科目名称年初结转和结余
    over both: the rule between them lost down the page, seed-45 photocopy150 nanyang 公开07表, its rows read
    “其他支出145.95”, every amount a column off against the header, unflagged): per row, the name and the amount,
    when the span is those two columns and every cell reads a name, an amount, or a name with an amount after
    it (two such at least); else None."""
    if len(span) != 2 or is_amount_column(span[0].match[0]) or not is_amount_column(span[1].match[0].strip("^$")):
        return None
    cut = _cut_cells(table, ci)
    return cut[0] if cut is not None and cut[1] >= 2 else None


def _cut_cells(table: Table, ci: int, amount_first: bool = False,
               specks: bool = False) -> tuple[list[tuple[str, str]], int] | None:
    """Column ``ci``'s cells as (name, amount) pieces of a name column and an amount column read as one: each
    cell a name, an amount (or a dash), or both in that order (``amount_first``: the amount, then the label) —
    with the number of cells holding both; None when a cell is none of these. ``specks``: a name with a speck
    of the lost rule read after it as a digit or two (“资本金注入（基本建设）1”) is a name."""
    pattern = _AMOUNT_THEN_LABEL if amount_first else _NAME_THEN_AMOUNT
    out, both = [], 0
    for row in table.rows:
        t = re.sub(r"\s+", "", row.cells[ci].text) if ci < len(row.cells) else ""
        m = pattern.fullmatch(t)
        if m:
            out.append((m.group(2), m.group(1)) if amount_first else (m.group(1), m.group(2)))
            both += 1
        elif t and parse_number(t).kind in ("number", "na") and not _CJK2.search(t):
            out.append(("", t))
        elif not re.search(r"\d", t) or specks and _CJK2.search(t) and _NAME_THEN_SPECK.fullmatch(t):
            out.append((t, ""))
        else:
            return None
    return out, both


def _part_off(whole: Cell, cell: Cell, kept: str, moved: str) -> None:
    """``whole`` read two printed cells' text as one (the line between them lost): ``moved`` goes to ``cell``
    (``whole``'s score, box and doubts), ``kept`` stays; both ``rule_missing``, the runner-ups (readings of both
    together) dropped."""
    cell.text, cell.lines, cell.ocr_score = moved, [moved] if moved else [], whole.ocr_score
    cell.bbox, cell.reasons = cell.bbox or whole.bbox, list(dict.fromkeys(cell.reasons + whole.reasons))
    whole.text, whole.lines, whole.alternatives, cell.alternatives = kept, [kept] if kept else [], [], []
    for c in (whole, cell):
        c.add_reason("rule_missing")


_NAME_THEN_SPECK = re.compile(r"[^.．]*?[^\d.．]\d{1,2}[^\d.．]?")  # (no point anywhere: 145.9 is an amount)
_AMOUNT_THEN_LABEL = re.compile(r"(-?\d[\d,，.．]*[.．]\d\d)(\D*[\u4e00-\u9fff]{2}.*)")


def split_amounts_and_items(table: Table, ocr_pages: set[int], min_rows: int = 3) -> int:
    """A scanned 收支总表 (公开01/04表) whose rule between 收入's last amount column and 支出's 项目 was lost down
    the page: one column labelled with both (决算数项目), each row reading its amount with the label after it
    (“31,922.48一、一般公共服务支出”: seed-47 nanyang 公开01表 as a worn photocopy, the table in review whole for a
    column missing). Where the column's cells read so (``min_rows`` at least), or a label alone, or an amount
    alone, it is split in two: the amounts under the first label, the labels under 项目; the cells split
    ``rule_missing``. So is a single such cell beside a blank 项目 cell (the rule lost in that row only). Returns
    the columns added."""
    if table.template not in ("T01", "T04", "B01", "B04") or not _scanned_table(table, ocr_pages):
        return 0
    added, ci = 0, 0
    while ci < len(table.columns):
        label = table.columns[ci]
        last = label.split("/")[-1]
        head = last[:-2] if last.endswith("项目") else ""
        if not head or not is_amount_column(head):
            ci += 1
            continue
        cut = _cut_cells(table, ci, amount_first=True)
        if cut is None or cut[1] < min_rows:
            ci += 1
            continue
        prefix = label[:len(label) - len(last)]
        _insert_column(table, ci + 1)
        table.columns[ci], table.columns[ci + 1] = prefix + head, prefix + "项目"
        for row, (item, amount) in zip(table.rows, cut[0]):
            if ci + 1 >= len(row.cells):
                continue
            if item:
                _part_off(row.cells[ci], row.cells[ci + 1], amount, item)
        added += 1
        ci += 2
    # the same in a row or two only (“5220.60股公共服务支出” under 收入's 金额, 支出's 项目 blank beside it: seed-47
    # agriculture 公开04表, the rule lost in its first row)
    items = [k for k, lab in enumerate(table.columns) if k > 0 and lab.split("/")[-1].endswith("项目")]
    for ri, row in enumerate(table.rows):
        for k in items:
            if row.page not in ocr_pages or k >= len(row.cells) or row.cells[k].text.strip():
                continue
            text = re.sub(r"\s+", "", row.cells[k - 1].text)
            m = _AMOUNT_THEN_LABEL.fullmatch(text)
            if m and is_amount_column(table.columns[k - 1]):
                _part_off(row.cells[k - 1], row.cells[k], m.group(1), m.group(2))
            elif is_amount_column(table.columns[k - 1]) and _CJK2.search(text) and not re.search(r"\d", text) \
                    and _reaches_over(row.cells[k - 1], row.cells[k]) \
                    and _label_of_the_run(table, ri, k, text):
                # a label alone in the amount column, its cell one over both (the rule between them lost in
                # that row), 项目 blank beside it — a label of the run 项目 prints around it (二十三、其他支出
                # between 二十二、 and 二十五、: seed-47 nanyang 公开04表 page 8, 本年支出合计 = Σ 类 failing by its
                # 1,087.49, 74 cells in review)
                _part_off(row.cells[k - 1], row.cells[k], "", text)
    return added


def _reaches_over(whole: Cell, cell: Cell, tol: int = 4) -> bool:
    """``whole``'s box covers ``cell``'s column too: one cell over both (the rule between them not found)."""
    if whole.bbox is None or cell.bbox is None:
        return False
    return whole.bbox[0] < cell.bbox[0] and whole.bbox[2] >= cell.bbox[2] - tol


_ORDINAL = re.compile(r"([一二三四五六七八九十]{1,3})[、，,.．]")
_DIGIT = {c: i for i, c in enumerate("一二三四五六七八九", 1)}


def _ordinal(text: str) -> int | None:
    """The number a label is numbered with (二十三、其他支出 → 23), or None."""
    m = _ORDINAL.match(text)
    if not m:
        return None
    t = m.group(1)
    if "十" not in t:
        return _DIGIT.get(t) if len(t) == 1 else None
    tens, _, units = t.partition("十")
    if len(tens) > 1 or len(units) > 1 or (tens and tens not in _DIGIT) or (units and units not in _DIGIT):
        return None
    return (_DIGIT[tens] if tens else 1) * 10 + (_DIGIT[units] if units else 0)


def _label_of_the_run(table: Table, ri: int, k: int, text: str, reach: int = 3) -> bool:
    """``text`` is numbered next in the run column ``k`` prints around row ``ri``: the nearest label above it
    (within ``reach`` rows) numbered lower, by no more than the rows between, and the nearest below, if any,
    higher."""
    n = _ordinal(text)
    if n is None:
        return False

    def near(rows) -> tuple[int, int] | None:
        for d, r in enumerate(rows, 1):
            if d > reach:
                return None
            if k < len(table.rows[r].cells) and table.rows[r].cells[k].text.strip():
                m = _ordinal(re.sub(r"\s+", "", table.rows[r].cells[k].text))
                return (m, d) if m is not None else None
        return None

    above = near(range(ri - 1, -1, -1))
    below = near(range(ri + 1, len(table.rows)))
    return above is not None and 0 < n - above[0] <= above[1] and (below is None or below[0] > n)


def split_block_names_and_amounts(table: Table, ocr_pages: set[int], min_names: int = 3) -> int:
    """A block of a scanned 公开06表 (科目代码 | 科目名称 | 决算数, side by side) with one column after its codes, the
    rule between 科目名称 and 决算数 lost down the page (its label read 科目名称决算数: seed-47 jincheng as a worn
    photocopy, the last block's names and its total 2083.50 in one column, the table in review whole for a column
    missing): the column holds names (``min_names`` at least; a speck of the lost rule read after one, “1”, stays
    with it) and an amount or more, dashes, or a name with an amount after it — split in two, each piece to its
    column, the new column's cells ``rule_missing``. Returns the columns added."""
    from .templates import load_templates
    from .validate import _econ_blocks

    template = load_templates().get(table.template or "")
    if template is None or template.layout != "econ_blocks" or not _scanned_table(table, ocr_pages):
        return 0
    added = 0
    for code_cols, name, value in reversed(_econ_blocks(table)):
        if name is not None or value != max(code_cols) + 1:
            continue
        cut = _cut_cells(table, value, specks=True)
        pieces = cut[0] if cut is not None else []
        # (and an amount among them: a column of names alone is the block's name column, its amounts read into
        # the next column — seed-45 police 公开06表 with its carried rules off, 7,000.511302 — not one to split)
        if sum(bool(_CJK2.search(n)) for n, _ in pieces) < min_names or not any(a for _, a in pieces):
            continue
        label = table.columns[value]
        prefix = label[:len(label) - len(label.split("/")[-1])]
        _insert_column(table, value + 1)
        table.columns[value], table.columns[value + 1] = prefix + "科目名称", prefix + "决算数"
        for row, (name_text, amount) in zip(table.rows, pieces):
            if value + 1 >= len(row.cells):
                continue
            if amount:
                _part_off(row.cells[value], row.cells[value + 1], name_text, amount)
            row.cells[value + 1].add_reason("rule_missing")
        added += 1
    return added


def _scanned_table(table: Table, ocr_pages: set[int]) -> bool:
    """A 公开表 (its template known, not a 绩效 form) read from a scan."""
    from .templates import load_templates

    return table.template in load_templates() and table.kind != "performance" \
        and any(r.page in ocr_pages for r in table.rows)


def _column_readings(table: Table, ci: int) -> list[str]:
    """The column's cells as its amounts will be read (a watermark's fragments nothing), or as read."""
    amounts = is_amount_column(table.columns[ci])
    return [(_amount_reading(r.cells[ci]) if amounts else r.cells[ci].text).strip()
            for r in table.rows if ci < len(r.cells)]


def _run_together_span(table: Table, ci: int) -> list | None:
    """The template's columns whose labels column ``ci``'s label holds run together, in the template's order,
    none of them (but the one the column was given) with a column of its own; else None."""
    from .templates import load_templates, resolve_columns

    template = load_templates()[table.template]
    specs = [sp for sp in template.columns if not sp.multi and sp.match]
    found = _labels_run_together(specs, table.columns[ci])
    # (a label repeated over the column beside it is one header cell over columns the body keeps apart — its
    # rule lost in the header only, s03 公开02表's 上级补助收入事业收入 over two columns: a header slip, no lost column)
    repeated = table.columns[ci] in table.columns[max(0, ci - 1):ci] + table.columns[ci + 1:ci + 2]
    if not found or repeated:
        return None
    first, last = found[0][0], found[-1][0]
    span = specs[first:last + 1]
    roles = resolve_columns(table, template)
    # (the roles the column stands for, besides the one it was given, have no column of their own)
    if any(sp.role in roles and roles[sp.role] != [ci] for sp in span) or len(span) != last - first + 1:
        return None
    return span


def _labels_run_together(specs: list, label: str) -> list[tuple[int, int]]:
    """The template's column labels (``specs``' first patterns, anchors off) that ``label`` holds run together,
    two or more in the specs' order: (spec index, where in the label) each; else none."""
    key = compare_key(label.split("/")[-1])
    found = [(k, m.start()) for k, sp in enumerate(specs)
             for m in [re.search(sp.match[0].strip("^$"), key) if key else None] if m]
    return found if len(found) >= 2 and [p for _, p in found] == sorted(p for _, p in found) else []


def _split_column(table: Table, ci: int, span: list) -> None:
    """Column ``ci`` split into the template's columns ``span``, its cells in the last of them, the others blank;
    every cell of them ``rule_missing``."""
    prefix = table.columns[ci][:len(table.columns[ci]) - len(table.columns[ci].split("/")[-1])]
    for _ in span[1:]:
        _insert_column(table, ci)  # (the header cell over it spans the new ones)
    for k, sp in enumerate(span):
        table.columns[ci + k] = prefix + sp.match[0].strip("^$")
        for row in table.rows:
            if ci + k < len(row.cells):
                row.cells[ci + k].add_reason("rule_missing")


def settle_run_together_columns(doc) -> int:
    """A scanned column whose label runs two or more of its template's labels together (as
    :func:`split_run_together_columns` finds them) and whose body holds print: which of those columns the print
    belongs to, the identities across tables tell (``cross.json``: T01 三项财政拨款收入之和 = T02 合计 财政拨款收入,
    T01 上级补助收入 = T02 合计 上级补助收入 …). The column is split as a blank one is, its cells put in each of the
    columns in turn; where the cross-table identities on the split columns all hold with the cells in exactly
    one of them, and fail otherwise, the cells go there (real shehuigongzuo 收入决算表 as a worn photocopy:
    财政拨款收入上级补助收入 over one column, its amounts 财政拨款收入's, the table in review for a column missing).
    Every cell of the split columns is ``rule_missing``. Returns the columns settled."""
    import copy

    from .validate import cell_values, expand_identities, to_check

    ocr_pages = {p.number for p in doc.pages if p.mode == "ocr"}
    settled = 0
    for ti, table in enumerate(doc.tables):
        if not _scanned_table(table, ocr_pages):
            continue
        ci = 0
        while ci < len(table.columns):
            span = _run_together_span(table, ci)
            if span is None or _print_free(_column_readings(table, ci)):
                ci += 1
                continue
            outcomes = []  # per column of the span taking the print: (the trial table, its cross identities hold)
            for k in range(len(span)):
                trial = copy.deepcopy(table)
                _split_column(trial, ci, span)
                last = ci + len(span) - 1
                for row in trial.rows:
                    if last < len(row.cells):
                        row.cells[ci + k], row.cells[last] = row.cells[last], row.cells[ci + k]
                doc.tables[ti] = trial
                try:
                    values = cell_values(doc)
                    checks = [to_check(i, values) for i in expand_identities(doc)]
                finally:
                    doc.tables[ti] = table
                on = [c for c in checks if c.rule.startswith("X") and any(
                    t == trial.id and ci <= col <= last for t, _, col in (tuple(ref) for ref in c.cells))]
                outcomes.append((trial, bool(on) and all(c.ok for c in on)))
            holding = [trial for trial, ok in outcomes if ok]
            if len(holding) != 1:
                ci += 1
                continue
            doc.tables[ti] = table = holding[0]
            settled += 1
            ci += len(span)
    return settled


def _print_free(texts: list[str]) -> bool:
    """No amount, no three digits, no word among a column's readings: the specks of a lost or stray rule
    (“—1”, “一一”, “i”) are no print."""
    return not any(re.search(r"\d[.,，]\d\d|\d{3}", t) or _CJK2.search(t.replace("一", "")) for t in texts)


def _flag_column_number_rows(table: Table, ocr_pages: set[int]) -> None:
    """A 栏次 row among a scanned table's body rows (its cell run into the 合计 row's below it, the two told apart
    after the header was set: seed-41 photocopy150 beiguan 公开08表, 栏次 | 1 | 311 | 3 scored as amounts,
    unflagged): its numbers are no amounts, and every cell of it is ``format`` (reviewed)."""
    from .headers import LANCI_WORDS, _lanci_word, is_column_number_row

    for row in table.rows:
        texts = [c.text.strip() for c in row.cells]
        first = next((t for t in texts if t), "")
        # (or with a label run into it, its numbers left: a repeated header's 栏次 row on a continuation page with
        # the next row's name read into it — seed-45 photocopy150 agriculture 公开02表, 栏次 | 其他巩固… | | 2 | 22 |
        # 4 | 5 … unflagged)
        numbers = sum(bool(re.fullmatch(r"\d{1,2}", t)) for t in texts[1:])
        if row.page in ocr_pages and _lanci_word(re.sub(r"\s+", "", first)) in LANCI_WORDS \
                and (is_column_number_row(texts) or numbers >= 3):
            for cell in row.cells:
                cell.add_reason("format")


def join_split_blank_columns(table: Table, ocr_pages: set[int]) -> int:
    """Two neighbouring scanned columns under one label that names one column of the template (经营支出 |
    经营支出: a stray line down the blank 经营支出 column of seed-41 photocopy150's 公开03表, the header cell
    spanning both), one of them without print: one column, as printed. The blank one goes (of two, the one
    without a header text of its own: 栏次 | | 5 keeps the 5); the header cell spans one column less. Without it the table has a column too many and every cell is flagged
    ``structure`` though its 60 identities hold. So are two neighbouring columns whose labels are the pieces of
    one template label that a stray line cut (科 | 名称, :func:`_label_piece`) when the piece naming nothing is
    blank: it goes. Of two under one label neither of them blank, one with print in a row or two only where the
    other is blank gives it over and goes; two pieces of a name column, words only, are joined left to right.
    Returns the columns removed."""
    from .templates import load_templates

    template = load_templates().get(table.template or "")
    if template is None or table.kind == "performance" or not any(r.page in ocr_pages for r in table.rows):
        return 0

    def named(label: str) -> list:
        key = compare_key(label.split("/")[-1])
        return [sp for sp in template.columns if not sp.multi and key and sp.matches(key)]

    def printed(ci: int, ri: int) -> bool:  # (a stroke read as 一 is no print)
        cells = table.rows[ri].cells
        if ci >= len(cells):
            return False
        text = cells[ci].text.replace("一", "")
        if is_amount_column(table.columns[ci]):  # (a lone character a watermark's strokes made, “了”, “大T”, is none)
            return bool(re.search(r"\d|[\u4e00-\u9fff]{2}", text))
        return bool(re.search(r"[\d\u4e00-\u9fff]", text))

    removed = 0
    ci = 0
    while ci + 1 < len(table.columns):
        label, after = table.columns[ci], table.columns[ci + 1]
        same = label.split("/")[-1] == after.split("/")[-1]
        # (the label read is the template column's own, whole — not two labels run together over both columns,
        # 上级补助收入事业收入, which may name one of them: then each column is its own, print in it or not)
        # (a stray mark read with it, “T本年收入合计”, is no other label)
        whole = same and len(named(label)) == 1 and any(
            re.sub(r"[\^$/]", "", p) == re.sub(r"[^\u4e00-\u9fff]", "", compare_key(label.split("/")[-1]))
            for p in named(label)[0].match)
        # (nor two template labels run together over both, 事业收入经营收入: a header cell whose rule was lost in
        # the header only, over the two columns it names, blank or not — seed-45 agriculture 公开02表, joined into
        # one, every cell of the table in review for a column missing)
        if same and len(named(label)) == 1 and not _labels_run_together(
                [sp for sp in template.columns if not sp.multi and sp.match], label):
            sides = (ci + 1, ci)
        elif (piece := _label_piece(label, after, named)) is not None:
            sides = (ci + piece,)  # (only the piece naming nothing may go)
        else:
            ci += 1
            continue
        # (no digit and no character at all, a stroke read as 一 aside: a 行次 column's 1, 2, 3 under a 项目 label
        # spanning it is print — seed-41 photocopy150 公开10表)
        blank = [k for k in sides if not any(printed(k, ri) for ri in range(len(table.rows)))]

        def twice(k: int, other: int, ri: int) -> bool:  # (the same print read on both sides of the line)
            cells = table.rows[ri].cells
            return other < len(cells) and re.sub(r"\s+", "", cells[k].text) == re.sub(r"\s+", "", cells[other].text)

        if not blank and whole:
            # one of them with print in a row or two only, the other blank there (seed-41 agriculture 公开04表:
            # 合计 | 支出/合计, the stray line's column holding 总计's 7550.85 alone): its print moves over, and
            # the cells moved keep a doubt of their place (``rule_missing``)
            # — or the same as the other reads there (seed-45 jincheng 公开02表: 43553.83 | 43553.83 under
            # 本年收入合计 | 本年收入合计, the 合计 row's amount read across the stray line twice)
            for k, other in ((ci, ci + 1), (ci + 1, ci)):
                rows = [ri for ri in range(len(table.rows)) if printed(k, ri)]
                if len(rows) <= 2 and all(not printed(other, ri) or twice(k, other, ri) for ri in rows) \
                        and sum(printed(other, ri) for ri in range(len(table.rows))) >= 3:
                    for ri in rows:
                        if twice(k, other, ri):
                            continue
                        cells = table.rows[ri].cells
                        cells[other], cells[k] = cells[k], cells[other]
                        cells[other].add_reason("rule_missing")
                    blank = [k]
                    break
        merged = _merged_pieces(table, ci, printed) if not blank and whole and named(label)[0].role != "name" \
            else None
        if merged is not None:
            # an amount column a stray line cut part of the way down (seed-47 education 公开03表: 本年支出合计 |
            # 本年支出合计, its first amounts in the left piece and the rest in the right, some read across the
            # line in both, the table in review whole for a column extra): one column, each row's print in it
            for row, text in zip(table.rows, merged):
                if text is None or ci + 1 >= len(row.cells):
                    continue
                left, right = row.cells[ci], row.cells[ci + 1]
                keep = left if re.sub(r"\s+", "", left.text) == text else right
                if keep is right or right.text.strip():
                    if keep is not left:
                        row.cells[ci] = keep
                    keep.text, keep.lines = text, [text]
                    keep.add_reason("rule_missing")
            blank = [ci + 1]
        if not blank and whole and named(label)[0].role == "name" and _words_only(table, ci) \
                and _words_only(table, ci + 1):
            # a name column cut by a stray line down it (seed-41 nanyang 公开07表: 其他政府性基金及对应 |
            # 专项债务收入安排的支出, every amount a column off): its two pieces joined, left to right
            for row in table.rows:
                if ci + 1 < len(row.cells):
                    left, right = row.cells[ci], row.cells[ci + 1]
                    if right.text.strip():
                        score = min(left.ocr_score, right.ocr_score) if left.text.strip() else right.ocr_score
                        left.text, left.ocr_score, left.lines = (left.text + right.text).strip(), score, []
                        for reason in right.reasons:
                            left.add_reason(reason)
            blank = [ci + 1]
        if not blank:
            ci += 1
            continue
        # (the one with no header text of its own goes: its 栏次 number, if read, stands over the other)
        blank.sort(key=lambda k: any(h.col == k and h.colspan == 1 and h.cell.text.strip() for h in table.header_cells))
        _remove_column(table, blank[0])
        removed += 1
    return removed + _names_beside_their_blank_column(table, template, named, printed)


def _merged_pieces(table: Table, ci: int, printed, least: int = 2) -> list[str | None] | None:
    """Per row, the print of columns ``ci`` and ``ci + 1`` — the two pieces of one amount column a stray line cut
    part of the way down — as one cell's: None where neither prints; the one that prints; where both do, the
    same read twice, or the whole amount where the other is its tail read again across the line (“1,896.60” |
    “896.60”, a stroke before it aside: “19,929.49” | “0929.49”), or the two joined where they make one amount
    (“1” | “929.49”). None when a row's two readings are none of these, or when each piece does not print alone
    in ``least`` rows at least (two columns, then, not one cut)."""
    def digits(t: str) -> str:
        return re.sub(r"\D", "", t)

    def tail_of(part: str, whole: str) -> bool:
        d, w = digits(part), digits(whole)
        return bool(d) and len(d) < len(w) and (w.endswith(d) or w.endswith(d[1:]) and len(d) > 3)

    out: list[str | None] = []
    alone = [0, 0]
    for ri, row in enumerate(table.rows):
        texts = [re.sub(r"\s+", "", row.cells[k].text) if k < len(row.cells) else "" for k in (ci, ci + 1)]
        shows = [printed(ci, ri), printed(ci + 1, ri)]
        if not any(shows):
            out.append(None)
        elif shows[0] != shows[1]:
            alone[shows[1]] += 1
            out.append(texts[shows[1]])
        elif texts[0] == texts[1] or tail_of(texts[1], texts[0]):
            out.append(texts[0])
        elif tail_of(texts[0], texts[1]):
            out.append(texts[1])
        elif re.fullmatch(r"\d[\d,]*", texts[0]) \
                and parse_number(joined := normalise_ocr_amount(texts[0] + texts[1])).kind == "number":
            out.append(joined)  # (“1” | “.929.49”: the separator read as a point → 1,929.49)
        else:
            return None
    return out if min(alone) >= least else None


def _names_beside_their_blank_column(table: Table, template, named, printed) -> int:
    """A table with more columns than its template, whose name column (科目名称) is blank down the body, beside a
    column no template label names (its label the group's, 项目, over both) that holds words: a stray line cut
    the name column, its names went to the piece without a label of its own (seed-47 photocopy150 agriculture
    公开03表: 项目 | 科目名称, every name in the first, the second blank; every amount a column right of its
    template's place, 115 cells, and the identities held). The names go under their label — a long one run across
    the line joined again, a mark read in the name's piece kept as the name's alternative — and the piece goes."""
    from .headercheck import column_texts

    if len(table.columns) <= len(template.columns) or any(len(r.cells) != len(table.columns) for r in table.rows):
        return 0
    rows = range(len(table.rows))
    for ci in range(len(table.columns)):
        roles = [sp.role for sp in named(table.columns[ci])]
        own = sum(printed(ci, ri) for ri in rows)
        if roles != ["name"] or any(not _word(t) and not _mark(t) for t in column_texts(table, ci)):
            continue
        for other in (ci - 1, ci + 1):
            # (the names wholly in the other piece but for the ends of a long one or two run across the line:
            # 机关事业单位基本养老 | 保险缴费支出 — joined, in reading order)
            if not 0 <= other < len(table.columns) or named(table.columns[other]) \
                    or sum(printed(other, ri) for ri in rows) < max(3, 4 * own) or not _words_only(table, other):
                continue
            left, right = min(ci, other), max(ci, other)
            for row in table.rows:  # (every row as long as the columns: see above)
                a, b, mine = row.cells[left], row.cells[right], row.cells[ci]
                if _word(row.cells[other].text) and re.search(r"[\u4e00-\u9fff]", mine.text):
                    # (the end of a long name, 社会保障和就业支 | 出, is the name's: joined, its place in doubt)
                    a.text, a.ocr_score, a.lines = a.text.strip() + b.text.strip(), min(a.ocr_score, b.ocr_score), []
                    for reason in [*b.reasons, "rule_missing"]:
                        a.add_reason(reason)
                    row.cells[ci] = a
                elif row.cells[other].text.strip():
                    moved = row.cells[ci] = row.cells[other]
                    if mine.text.strip():  # (a mark read in the name's piece: the watermark's strokes, kept by)
                        moved.alternatives.append(Alternative(mine.text, 0.0, "ocr"))
            _remove_column(table, other)
            return 1
    return 0


def _word(text: str) -> bool:
    """Two Chinese characters running: a word, part of a name."""
    return bool(re.search(r"[\u4e00-\u9fff]{2}", text))


def _mark(text: str) -> bool:
    """A reading that is no word and no amount: a mark or two (the watermark's strokes, a rule's remnant)."""
    return not _word(text) and not re.search(r"\d[.．,]\d|\d{3}", text) and len(text.strip()) <= 4


def join_wrapped_label_rows(table: Table, ocr_pages: set[int], max_tail: int = 8) -> int:
    """Rows of a scanned 收支总表 (公开01/04表) that hold the rest of the label above them and nothing else — a
    label printed over two lines, cut between them by a row line inferred from the text — are joined to the
    row above when the label joined is one these tables print (``row_labels.json``, or clearly closest to one:
    :func:`pipeline.labels.snap_summary_label`) and the label above alone is not (real caizheng 公开04表 as a worn
    photocopy: 二十一、国有资本经营预算 | 支出, 二十二、灾害防治及应急管 | 理支出, 二十六、抗疫特别国债安排 | 的支出,
    each a row of its own with empty amounts). Marks of a mark or two read in the other side's 项目 (specks: “1”,
    “N”) go with it; a 行次 or an amount in the row keeps it a row. The joined cell gets ``rule_missing``.
    Returns the number of rows joined."""
    from rapidfuzz import fuzz

    from .labels import printed_summary_label, snap_summary_label
    from .templates import summary_sides

    if table.template not in ("T01", "T04") or not _scanned_table(table, ocr_pages):
        return 0
    items = {side.item for side in summary_sides(table)}

    def speck(c: int, text: str) -> bool:  # (in a 项目 column only: a 行次 or an amount is print)
        t = re.sub(r"\s+", "", text)
        return c in items and len(t) <= 2 and not re.search(r"[\u4e00-\u9fff]", t)

    joined, ri = 0, 1
    while ri < len(table.rows):
        row, above = table.rows[ri], table.rows[ri - 1]
        filled = [c for c, cell in enumerate(row.cells) if cell.text.strip() and not speck(c, cell.text)]
        ci = filled[0] if len(filled) == 1 else -1
        if row.page != above.page or row.page not in ocr_pages or ci not in items or ci >= len(above.cells):
            ri += 1
            continue
        top, tail = above.cells[ci].text.strip(), re.sub(r"\s+", "", row.cells[ci].text)
        whole = compare_key(top + tail)
        target = whole if printed_summary_label(whole) else compare_key(snap_summary_label(top + tail) or "")
        if not top or printed_summary_label(top) or not target or len(tail) > max_tail or _NUMBERED_LABEL.match(tail) \
                or fuzz.ratio(whole, target) <= fuzz.ratio(compare_key(top), target):
            ri += 1
            continue
        cell, rest = above.cells[ci], row.cells[ci]
        cell.text = top + tail
        cell.lines = (cell.lines or [top]) + [tail]
        cell.ocr_score = min(cell.ocr_score, rest.ocr_score)
        for reason in rest.reasons + ["rule_missing"]:
            cell.add_reason(reason)
        if cell.bbox is not None and rest.bbox is not None:
            cell.bbox = (min(cell.bbox[0], rest.bbox[0]), min(cell.bbox[1], rest.bbox[1]),
                         max(cell.bbox[2], rest.bbox[2]), max(cell.bbox[3], rest.bbox[3]))
        del table.rows[ri]
        joined += 1
    return joined


_TOTAL_END = re.compile(r"[\u4e00-\u9fff]{2}(合计|总计|小计)$")


def join_split_code_rows(table: Table, ocr_pages: set[int], min_name: float = 80) -> int:
    """Rows of a scanned table of codes cut in two by a row line that is not printed (a stroke of the watermark
    taken for one): the upper row holds a code short of its last digit or two (“3070”, “3101”), the lower one
    those digits alone (“2”, “3”) and whatever else of the row fell below the line (国外债务付息; a long name's
    tail, 保险缴费). The lower row is joined to the upper when in each of its code columns (one per block: a
    公开06表 prints four blocks side by side) the digits are blank, or complete the code above into a code of the
    block's catalogue that the code above alone is not, and the names joined agree with that code's; and no
    other cell of the two is filled in both (two amounts are two rows). A total's label cut in two across its
    block's code and name columns (公用经 | 费合计) is joined into the code column, where the label of a total
    row stands. The joined cells get ``rule_missing``. Returns the number of rows and labels joined."""
    from rapidfuzz import fuzz

    from .catalogue import load_catalogue, name_key
    from .codes import find_label_blocks, is_total_label

    if not _scanned_table(table, ocr_pages) or table.template in ("T01", "T04", "B01", "B04"):
        return 0
    blocks = [b for b in find_label_blocks(table) if len(b.code_cols) == 1]
    if not blocks:
        return 0
    catalogues = {b.classification: load_catalogue(b.classification, table.year) for b in blocks}

    def text(row, c: int) -> str:
        return re.sub(r"\s+", "", row.cells[c].text) if c < len(row.cells) else ""

    def joins(above, row, b) -> bool | None:  # the block's code completed (True), blank (False), or neither
        c, cat = b.code_cols[0], catalogues[b.classification]
        top, tail = text(above, c), text(row, c)
        if not tail:
            return False
        if not (re.fullmatch(r"\d{1,2}", tail) and re.fullmatch(r"\d{2,6}", top)) or cat.get(top) is not None:
            return None
        entry = cat.get(top + tail)
        if entry is None:
            return None
        name = text(above, b.name_col) + text(row, b.name_col) if b.name_col is not None else ""
        return not name or fuzz.ratio(name_key(name), name_key(entry.name)) >= min_name or \
            cat.accepts(entry.code, name) is not None or None

    joined, ri = 0, 1
    while ri < len(table.rows):
        row, above = table.rows[ri], table.rows[ri - 1]
        if row.page != above.page or row.page not in ocr_pages or len(row.cells) != len(above.cells):
            ri += 1
            continue
        done = [joins(above, row, b) for b in blocks]
        names = {b.name_col for b, d in zip(blocks, done) if d}
        codes = {b.code_cols[0] for b, d in zip(blocks, done) if d}
        if None in done or not any(done) or any(
                text(row, c) and text(above, c) for c in range(len(row.cells)) if c not in names | codes):
            ri += 1
            continue
        for upper, lower in zip(above.cells, row.cells):
            if not lower.text.strip():
                continue
            top = upper.text.strip()
            upper.text = top + lower.text.strip()
            upper.lines = ((upper.lines or [top]) if top else []) + (lower.lines or [lower.text.strip()])
            upper.ocr_score = min(upper.ocr_score, lower.ocr_score) if top else lower.ocr_score
            upper.alternatives = []  # (readings of a piece: “3070” is no reading of 30702)
            for reason in lower.reasons + ["rule_missing"]:
                upper.add_reason(reason)
            if upper.bbox is not None and lower.bbox is not None:
                upper.bbox = (min(upper.bbox[0], lower.bbox[0]), min(upper.bbox[1], lower.bbox[1]),
                              max(upper.bbox[2], lower.bbox[2]), max(upper.bbox[3], lower.bbox[3]))
            elif upper.bbox is None:
                upper.bbox = lower.bbox
        del table.rows[ri]
        joined += 1
    for row in table.rows:
        # a total's label printed across its block's code and name columns (公用经费合计 over 科目代码 | 科目名称:
        # one cell with no line between) cut in two by a line that is not printed: 公用经 | 费合计
        for b in blocks:
            c, n = b.code_cols[0], b.name_col
            if row.page not in ocr_pages or n is None or n != c + 1 or n >= len(row.cells):
                continue
            head, tail = row.cells[c], row.cells[n]
            if re.fullmatch(r"[\u4e00-\u9fff]+", text(row, c)) and re.search(r"[\u4e00-\u9fff]", text(row, n)) \
                    and not is_total_label(text(row, c)) and _TOTAL_END.search(text(row, c) + text(row, n)):
                head.text = text(row, c) + text(row, n)
                head.lines = [head.text] if head.lines else []
                head.ocr_score = min(head.ocr_score, tail.ocr_score)
                for reason in tail.reasons + ["rule_missing"]:
                    head.add_reason(reason)
                head.alternatives, tail.text, tail.lines, tail.alternatives = [], "", [], []
                joined += 1
    return joined


_AMOUNT_THEN_TOTAL = re.compile(r"([^\u4e00-\u9fff]*\d[^\u4e00-\u9fff]*?)([\u4e00-\u9fff]{2,}(?:合计|小计|总计))")


def split_total_labels_off_amounts(table: Table, ocr_pages: set[int]) -> int:
    """A total row of a scanned table of code blocks (公开06表: 人员经费合计 | | 24192.46 | 公用经费合计 …) whose
    amount ran into the next block's total label, the line between them lost in that row (“24192.4€公用经费合计”,
    the next block's code cell blank; the 公用经费合计 identity then unchecked, every cell of the row in review):
    the label goes to the code column it stands over, the amount stays — both ``rule_missing``. Returns the
    cells split."""
    from .codes import find_label_blocks

    if not _scanned_table(table, ocr_pages) or table.template in ("T01", "T04", "B01", "B04"):
        return 0
    starts = [b.code_cols[0] for b in find_label_blocks(table) if len(b.code_cols) == 1 and b.code_cols[0] > 0]
    split = 0
    for row in table.rows:
        for c in starts:
            if row.page not in ocr_pages or c >= len(row.cells) or row.cells[c].text.strip():
                continue
            m = _AMOUNT_THEN_TOTAL.fullmatch(re.sub(r"\s+", "", row.cells[c - 1].text))
            if m:
                _part_off(row.cells[c - 1], row.cells[c], m.group(1), m.group(2))
                split += 1
    return split


def _mostly_words(table: Table, ci: int, min_cells: int = 4) -> bool:
    """Most of column ``ci``'s filled cells (``min_cells`` at least) read as words (a name column's)."""
    kinds = _filled_kinds(table, ci)
    return len(kinds) >= min_cells and sum(k == "words" for k in kinds) > len(kinds) / 2


def _words_only(table: Table, ci: int) -> bool:
    """Column ``ci`` holds words or nothing: no amount, no code (a name column's piece)."""
    texts = [r.cells[ci].text.strip() for r in table.rows if ci < len(r.cells) and r.cells[ci].text.strip()]
    return bool(texts) and all(re.search(r"[\u4e00-\u9fff]", t) and parse_number(t).kind == "text"
                               and not re.match(r"\d{3}", t) for t in texts)


def _label_piece(left: str, right: str, named) -> int | None:
    """Which of two neighbouring column labels (0: ``left``, 1: ``right``) is a piece of the other's: it names
    no column of the template (``named``) while the other names one, whose printed label holds both, in order,
    with at most a character lost between them (科 | 名称 of 科目名称: a stray line through the label, seed-41
    photocopy150 beiguan 公开08表). None otherwise."""
    kl, kr = compare_key(left.split("/")[-1]), compare_key(right.split("/")[-1])
    if not re.search(r"[\u4e00-\u9fff]", kl) or not re.search(r"[\u4e00-\u9fff]", kr):
        return None
    nl, nr = named(left), named(right)
    if bool(nl) == bool(nr) or len(nl + nr) != 1:
        return None
    labels = [re.sub(r"[\^$]", "", p) for p in (nl + nr)[0].match]
    joined = re.compile(re.escape(kl) + r"[\u4e00-\u9fff]?" + re.escape(kr))
    if not any(joined.fullmatch(lab) for lab in labels if not re.search(r"[\\\[\](){}|*+?]", lab)):
        return None
    return 0 if not nl else 1


def _remove_column(table: Table, at: int) -> None:
    """Column ``at`` out: labels, header grid (a header text standing at it moves to the column after it when
    that one is blank), header cells (one spanning it spans one column less; one over it alone goes), rows."""
    for labels in (table.columns, table.machine_columns):
        if labels is not None and at < len(labels):
            labels.pop(at)
    for hrow in table.header:
        if at < len(hrow):
            if hrow[at] and at + 1 < len(hrow) and not hrow[at + 1]:
                hrow[at + 1] = hrow[at]
            hrow.pop(at)
    kept = []
    for h in table.header_cells:
        if h.col > at:
            h.col -= 1
        elif h.col <= at < h.col + h.colspan:
            if h.colspan == 1:
                continue
            h.colspan -= 1
        kept.append(h)
    table.header_cells = kept
    for row in table.rows:
        if at < len(row.cells):
            row.cells.pop(at)


def _insert_column(table: Table, at: int) -> None:
    """A blank column before column ``at``: labels, header grid, every row; a header cell over column ``at``
    spans the new one too."""
    for labels in (table.columns, table.machine_columns):
        if labels is not None:
            labels.insert(at, labels[at] if at < len(labels) else "")
    for hrow in table.header:  # (the text of a header cell over column ``at`` stays at its first column)
        hrow.insert(at + 1, "")
    for h in table.header_cells:
        if h.col > at:
            h.col += 1
        elif h.col <= at < h.col + h.colspan:
            h.colspan += 1
    for row in table.rows:
        if at <= len(row.cells):
            row.cells.insert(at, Cell(text=""))


def _split_code_and_name(table: Table, ocr_pages: set[int]) -> None:
    """A code cell holding its code and its name (“30226劳务费”) while the name cell beside it is blank and
    inside the code cell's box: the rule between them was not found on that row (a seal's dither over it),
    and the cell was read across both columns. The code goes back to its column, the name to the next; both
    are ``rule_missing`` unless the catalogue names that code so. So with the 项 of 类 | 款 | 项 beside the name
    column (“01住房公积金”, real caizheng 收入决算表 as a worn photocopy: the name cell blank and unflagged), the
    code its row's 类, 款 and 项 cells make."""
    parts = [k for k, c in enumerate(table.columns) if c.split("/")[-1] in CODE_PIECES]
    for ci, label in enumerate(table.columns[:-1]):
        part = label.split("/")[-1] == "项" and "名称" in table.columns[ci + 1].split("/")[-1]
        if not is_code_column(label) or (label.split("/")[-1] in CODE_PIECES and not part):
            continue
        edges = _column_edges(table, ci + 1)  # (as printed: before any cell is split into it)
        for row in table.rows:
            if row.page not in ocr_pages or ci + 1 >= len(row.cells):
                continue
            cell, beside = row.cells[ci], row.cells[ci + 1]
            m = (_PART_AND_NAME if part else _MARKED_CODE_AND_NAME).match(cell.text.strip())
            if not m and not part and not beside.text.strip() and _CODE_THEN_WORDS.search(cell.text) \
                    and "名称" in table.columns[ci + 1].split("/")[-1]:
                # a code and words run together behind marks the split does not take (“1入39909经常性赠与”,
                # “T39999，其他支出”, seed-45 jincheng 公开06表 as a worn photocopy): the name read into the code's
                # cell, and the blank name cell beside it wrong, unflagged. Both go to review
                cell.add_reason("columns_merged")
                beside.add_reason("columns_merged")
            if not m or beside.text.strip() or cell.bbox is None or beside.bbox is None:
                continue
            inside = cell.bbox[0] <= beside.bbox[0] + 2 and beside.bbox[2] <= cell.bbox[2] + 2
            # (a 项 cell read across the name column: the blank name slot has no box of its own right of it — in
            # that real 收入决算表 it carried the row's first slot's)
            across = None if inside else _reads_across(edges, cell, row.page)
            if not (inside or (part and beside.bbox[0] < cell.bbox[2] - 2) or across is not None):
                continue  # a blank name cell of its own: the reading is the code cell's alone
            if across is not None:
                # the blank name cell's box is none of its column's (a continued page's grid without that
                # column: seed-45 jincheng 公开06表 page 12, “30227委托业务费” over a blank cell boxed at another
                # block's names, unflagged): the code cell's box crosses the name column's, as other rows draw it
                beside.bbox = (across, cell.bbox[1], cell.bbox[2], cell.bbox[3])
            code, name = m.group(1), m.group(2).strip()
            cell.text, beside.text, beside.kind = code, name, "text"
            beside.ocr_score, beside.reasons = cell.ocr_score, list(cell.reasons)
            cell.bbox = (cell.bbox[0], cell.bbox[1], beside.bbox[0], cell.bbox[3])
            if part:
                code = "".join(re.sub(r"\s", "", row.cells[k].text) for k in parts if k < len(row.cells))
            if not _code_named(code, name):
                cell.add_reason("rule_missing")
                beside.add_reason("rule_missing")


def _column_edges(table: Table, c: int) -> dict[int | None, tuple[float, float]]:
    """Column ``c``'s left and right edges as its printed cells draw them (their medians), per page and over all
    pages (key None)."""
    boxes: dict[int | None, list] = {}
    for r in table.rows:
        if c < len(r.cells) and r.cells[c].text.strip() and r.cells[c].bbox is not None:
            for key in (r.page, None):
                boxes.setdefault(key, []).append(r.cells[c].bbox)
    return {key: (sorted(b[0] for b in bs)[len(bs) // 2], sorted(b[2] for b in bs)[len(bs) // 2])
            for key, bs in boxes.items()}


def _reads_across(edges: dict[int | None, tuple[float, float]], cell: Cell, page: int,
                  share: float = 0.25) -> int | None:
    """``cell``'s box crosses a column whose ``edges`` are given (:func:`_column_edges`: on ``page`` if any
    cell prints there, else on any page): starting left of it and reaching to within ``share`` of its width
    of its right edge. Returns the column's left edge, or None."""
    left, right = edges.get(page) or edges.get(None) or (0.0, 0.0)
    if cell.bbox is None or right <= left:
        return None
    if not (cell.bbox[0] < left and cell.bbox[2] >= right - share * (right - left)):
        return None
    return int(left)


_POINT_TWO = re.compile(r"[.．]\d\d")


def _split_amount_and_code(table: Table, ocr_pages: set[int]) -> None:
    """An amount cell holding its amount and the code of the column right of it (“222.5230229”: 222.52 |
    30229) while that code cell is blank: the rule between them was lost on that row and the cell was read
    across both (公开06表's blocks, 决算数 | 经济分类科目编码: seed-45 police's continuation page, skewed, every
    row so). Amounts print two decimals, so the amount ends two digits after a point; the rest is the code — a
    code of the catalogues, after a rule's remnant read as 1, l or | before it. So is a code alone there that
    goes in the code column's sequence (:func:`_code_in_its_sequence`): it moves, the amount cell left blank
    (its reading the cell's ``original``). Both cells are ``rule_missing``."""
    for ci, label in enumerate(table.columns[:-1]):
        if not (label and is_amount_column(label) and is_code_column(table.columns[ci + 1])):
            continue
        for ri, row in enumerate(table.rows):
            if row.page not in ocr_pages or ci + 1 >= len(row.cells):
                continue
            cell, beside = row.cells[ci], row.cells[ci + 1]
            text = re.sub(r"\s+", "", cell.text)
            if beside.text.strip() or not re.fullmatch(r"-?\d[\d,，.．]*(?:[l|]\d+)?", text):
                continue
            if _code_in_its_sequence(table, ri, ci + 1, text):
                # the code alone, read left of the lost rule (seed-45 agriculture 公开06表: “30213” under 医疗费's
                # 决算数, 30212 above it and 30214 below in the code column, blank there; 301's sum failing by
                # 30213 and every amount of the column left in review)
                cell.alternatives.insert(0, Alternative(cell.text, cell.ocr_score, "ocr"))
                beside.text, beside.lines, beside.kind = text, [text], "text"
                beside.ocr_score, beside.reasons = cell.ocr_score, list(cell.reasons)
                cell.original, cell.text, cell.lines, cell.kind, cell.value = cell.text, "", [], "empty", None
                cell.add_reason("rule_missing")
                beside.add_reason("rule_missing")
                continue
            for m in reversed(list(_POINT_TWO.finditer(text))):
                amount, rest = text[:m.end()], text[m.end():]
                code = rest[1:] if rest and rest[0] in "1l|" and not _known_code(rest) else rest
                if len(rest) >= 3 and _known_code(code) and parse_number(amount).kind == "number":
                    cell.alternatives.insert(0, Alternative(cell.text, cell.ocr_score, "ocr"))
                    cell.original, cell.text, cell.lines = cell.text, amount, [amount]
                    beside.text, beside.lines, beside.kind = code, [code], "text"
                    beside.ocr_score, beside.reasons = cell.ocr_score, list(cell.reasons)
                    cell.add_reason("rule_missing")
                    beside.add_reason("rule_missing")
                    break


def _code_in_its_sequence(table: Table, at: int, ci: int, text: str, reach: int = 3) -> bool:
    """``text`` is a catalogue's code that goes in code column ``ci`` of row ``at``: the nearest codes read in that
    column above and below it, within ``reach`` rows, of its length and its 类, are lower and higher (at the
    table's first or last row, the one there is) — the code of the row, read a column off (an amount is no code:
    it prints two decimals). Not in a row a total's label names (合计 prints no code)."""
    if not _known_code(text) or any(_UNCODED.search(c.text) for c in table.rows[at].cells):
        return False

    def nearest(rows) -> str | None:
        for r in rows[:reach]:
            got = re.sub(r"\s+", "", r.cells[ci].text) if ci < len(r.cells) else ""
            if got:
                return got
        return None
    above, below = nearest(table.rows[:at][::-1]), nearest(table.rows[at + 1:])
    sides = [n for n in (above, below) if n is not None]
    return bool(sides) and (len(sides) == 2 or at in (0, len(table.rows) - 1)) \
        and all(len(n) == len(text) and n[:3] == text[:3] and re.fullmatch(r"[0-9]+", n) for n in sides) \
        and (above is None or above < text) and (below is None or text < below)


def _known_code(text: str) -> bool:
    """A code of some catalogue edition (functional or economic)."""
    from .catalogue import ECONOMIC, ECONOMIC_GOV, FUNCTIONAL, load_catalogue

    t = re.sub(r"\s+", "", text)
    return bool(CODE_DIGITS.match(t)) and any(load_catalogue(c).get(t) is not None
                                              for c in (FUNCTIONAL, ECONOMIC, ECONOMIC_GOV))


_CJK2 = re.compile(r"[\u4e00-\u9fff]{2,}")
_CJK1 = re.compile(r"[\u4e00-\u9fff]")
ROW_UNREAD = "row_unread"  # a row of a coded table read as its code alone (reviewed)
_UNCODED = re.compile(r"合计|总计|小计|其中|^注")  # rows that print no code


def _check_codes(table: Table, ocr_pages: set[int]) -> None:
    """A classification code is 3, 5 or 7 digits (类, 款, 项): an OCR'd code column cell of digits of another
    length (“21” for 221: a digit lost under the watermark), or digits with a mark read beside them (“=208”), is
    misread — flagged ``format``. An empty code
    cell beside a name in a table that codes its rows (not a 合计 row) lost its code: ``code_missing``
    (reviewed). Codes split over 类 | 款 | 项 columns hold 3 digits (or a whole code over the three), 2 and 2:
    a piece of another length is ``format`` too."""
    names = [ci for ci, label in enumerate(table.columns) if "名称" in label.split("/")[-1]]
    for ci, label in enumerate(table.columns):
        piece = label.split("/")[-1]
        if piece in CODE_PIECES:
            # a piece of a code split over 类 | 款 | 项: 3 digits, 2, 2 (or a whole code in the 类 column, over the
            # three); other digits are misread, or a rule's remnant read as one (“1” in 类 beside a blank row,
            # real caizheng 公开06表 as a worn photocopy, unflagged once the table's structure held)
            for row in table.rows:
                cell = row.cells[ci] if ci < len(row.cells) else None
                digits = re.sub(r"\s+", "", cell.text) if cell is not None else ""
                if row.page in ocr_pages and digits.isdigit() and not (
                        len(digits) == 2 if piece != "类" else CODE_DIGITS.match(digits)):
                    cell.add_reason("format")
            continue
        if not is_code_column(label):
            continue
        name_ci = next((n for n in names if n > ci), None)  # the name column of this code's group
        named = [r for r in table.rows if name_ci is not None and name_ci < len(r.cells)
                 and _CJK2.search(r.cells[name_ci].text) and not _UNCODED.search(r.cells[name_ci].text)]
        coded = sum(bool(r.cells[ci].text.strip()) for r in named if ci < len(r.cells))
        named_ids = {id(r) for r in named}
        for row in table.rows:
            cell = row.cells[ci] if ci < len(row.cells) else None
            if cell is None or row.page not in ocr_pages:
                continue
            digits = re.sub(r"\s+", "", cell.text)
            if digits.isdigit() and not CODE_DIGITS.match(digits):
                cell.add_reason("format")
            elif re.search(r"\d", digits) and not digits.isdigit() \
                    and (not _CJK1.search(digits) or re.fullmatch(r"[一二三]+\d+", digits)
                         or re.search(r"\d(?:[^\d\u4e00-\u9fff]|[一二三十丨])+\d", digits)):
                # a mark read with the code (“=208”: a watermark stroke before it; “二30399”: a rule's remnant
                # before it read as a numeral, which no code is printed after; “21011A1人”, “2080一101”: a letter
                # or a stroke among its digits, whatever follows them — seed-41 education 公开02表 as a worn
                # photocopy, unflagged)
                cell.add_reason("format")
            elif not digits and id(row) in named_ids and coded * 2 >= len(named):
                # a coded table prints a code on every row but its totals: this one was lost (faded, or read
                # into the row above when their rule was missed)
                cell.add_reason("code_missing")


_CODE_ALONE = re.compile(r"(?=.*\d)[\dOoIlSZ]{1,9}")  # a code as read (letters for digits), not a word or a mark


def flag_rows_read_as_a_code(table: Table, ocr_pages: set[int]) -> int:
    """A scanned row of a coded table that holds its code alone — no name, no amount, nothing else, once
    repairs have proven its remnants blank (seed-45 police 公开03表 as a worn photocopy: “123” between 2210201
    and 2210203, the next page's 栏次 numbers run together, with two 0.00 read from a rule's remnants) — is
    no row printed so, or one whose print was lost but a mark: its blank cells would pass for a printed row's
    blanks. Every cell of it is reviewed (``row_unread``); not a code and its name run together, a dash, a
    word. Returns the rows flagged."""
    codes = [ci for ci, label in enumerate(table.columns)
             if label.split("/")[-1] not in CODE_PIECES and is_code_column(label)]
    n = 0
    for row in table.rows:
        if row.page not in ocr_pages:
            continue
        filled = [ci for ci, c in enumerate(row.cells) if c.text.strip()]
        if len(filled) == 1 and filled[0] in codes \
                and _CODE_ALONE.fullmatch(re.sub(r"\s+", "", row.cells[filled[0]].text)):
            for c in row.cells:
                c.add_reason(ROW_UNREAD)
            n += 1
    return n


_LINE_LABEL = re.compile(r"^(行次|栏次|序号)$")
_NOT_CJK = re.compile(r"[^\u4e00-\u9fff]+")


def _line_label(label: str) -> bool:
    """A 行次 column's label, as read: 行次 (栏次, 序号) the last word of its header rows' parts (收入/行次), marks
    around it aside (“T行次”, “AN/行次/2”: a stroke before it, the 栏次 row's number under it)."""
    words = [w for p in label.split("/") if (w := _NOT_CJK.sub("", p))]
    return bool(words) and bool(_LINE_LABEL.match(words[-1]))


def check_line_numbers(table: Table, ocr_pages: set[int]) -> None:
    """A 行次 column counts 1, 2, 3 … down the rows: an OCR'd line number that breaks the count where both its
    neighbours keep it (“I0” or “364” between 9/35 and 11/37) is misread, an empty one there lost. Where the
    runs of numbers above it and below it both carry on to one number, and the rows just above and below hold
    one less and one more — or, two or three misread side by side, the nearest rows of the count within
    three rows (:func:`_between_counted`) — it is that number (:func:`_count_line`, ``line_counted``: a 行次
    printed skipping one would set the two runs apart). Otherwise it is flagged ``format``, the number the
    count gives as its alternative (printed 行次 may skip; the neighbours are the only witness). A line number
    out of its column (an empty 行次 cell beside the other side's number, a bare number in the label column to
    its left) is flagged ``format`` too. Where the table has two such columns that count in step (a 收支总表's
    收入 1 … 30 beside its 支出 31 … 60), a misread one is restored (:func:`_restore_line_numbers`)."""
    _restore_line_numbers(table, ocr_pages)
    for ci, label in enumerate(table.columns):
        if not _line_label(label):
            continue
        cells = [r.cells[ci] if ci < len(r.cells) else None for r in table.rows]
        numbers = [int(c.text) if c is not None and c.text.isdigit() else None for c in cells]
        for k in range(1, len(cells) - 1):
            cell, before, after = cells[k], numbers[k - 1], numbers[k + 1]
            # (an empty one between two that count around it lost its number: 53 | (blank) | 55, seed-41
            # photocopy150 公开04表's 54 read into the row above, the cell unflagged)
            if cell is None or table.rows[k].page not in ocr_pages:
                continue
            expected = _counted(numbers, k)
            if expected is not None and expected[0] == expected[1] != numbers[k] \
                    and _between_counted(numbers, k, expected[0]):
                _count_line(cell, expected[0])
                continue
            if expected is not None and numbers[k] is not None and not expected[0] <= numbers[k] <= expected[1]:
                # (several misread in a row, 55 | 4 | 5 | 158 | 5 | 60 for 55 … 60 — seed-43 bilevel300 公开01表:
                # the neighbours do not count around them, the runs above and below do)
                gap = expected[0] if expected[0] == expected[1] else None
            elif before is None or after is None or after != before + 2 or numbers[k] == before + 1:
                continue
            else:
                gap = before + 1
            cell.add_reason("format")
            if gap is not None and not any(a.text == str(gap) for a in cell.alternatives):
                cell.alternatives.append(Alternative(str(gap), 0.5, "sequence"))
        # (a number several rows of the column disagree with, beside one it agrees with: “13”, “14” for 3, 4 —
        # a column line read as a 1 before each, seed-47 jincheng 公开10表 as a worn photocopy — neither breaks
        # the count of its neighbour, and neither neighbour counts around it)
        numbers = [int(c.text) if c is not None and c.text.isdigit() else None for c in cells]  # (as counted)
        for k in _off_the_count(cells, numbers):
            if table.rows[k].page in ocr_pages:
                cells[k].add_reason("format")
    # a line number out of its column: an empty 行次 cell where the row's other 行次 column (the two sides of a
    # 收支总表) has one, and a bare number in the label column beside it (a column line lost in some rows)
    line_cols = [ci for ci, label in enumerate(table.columns) if _line_label(label)]
    for row in table.rows:
        if row.page not in ocr_pages:
            continue
        cells = [row.cells[ci] if ci < len(row.cells) else None for ci in line_cols]
        numbered = [c for c in cells if c is not None and c.text.strip().isdigit()]
        for ci, cell in zip(line_cols, cells):
            if cell is None:
                continue
            label = row.cells[ci - 1] if ci > 0 and ci - 1 < len(row.cells) else None
            stray = label is not None and label.text.strip().isdigit()
            if not cell.text.strip() and (numbered or stray):
                cell.add_reason("format")
            if stray:
                label.add_reason("format")


def _off_the_count(cells: list[Cell | None], numbers: list[int | None], min_numbers: int = 5) -> list[int]:
    """Rows of a 行次 column whose number is off the column's count while the count holds above and below it.
    Two numbers agree when they are as far apart as their rows, less at most the rows between them whose 行次
    is blank (a 公开10表's group rows print none; a number lost leaves one blank too). The count is the number
    most others agree with, and those that agree with it. A number off the count with numbers of the count
    both above and below it is misread — the rows around it cannot show it when two misread alike sit together
    — or its rows are out of place. A run off the count to the column's end is not: a row merged or split
    shifts every number after it (that row is flagged for itself). Needs ``min_numbers`` numbers."""
    numbered = [k for k, n in enumerate(numbers) if n is not None]
    if len(numbered) < min_numbers:
        return []
    blank = [c is None or not c.text.strip() for c in cells]
    blanks_before = [0]
    for b in blank:
        blanks_before.append(blanks_before[-1] + b)

    def agree(j: int, k: int) -> bool:
        j, k = min(j, k), max(j, k)
        rows, lost = k - j, blanks_before[k] - blanks_before[j + 1]
        return rows - lost <= numbers[k] - numbers[j] <= rows

    best = max(numbered, key=lambda k: sum(agree(j, k) for j in numbered if j != k))
    count = {k for k in numbered if k == best or agree(best, k)}
    return [k for k in numbered if k not in count and min(count) < k < max(count)]


LINE_COUNTED = "line_counted"


def _count_line(cell: Cell, number: int) -> None:
    """A line number read wrong or lost (“83”, “s”, “cn” for 8, 5, 20) where its column's count gives it twice —
    the run above it and the run below both carried on to it, the nearest rows of the count within three rows
    (:func:`_between_counted`) — is that number: the reading kept as ``original`` and an alternative,
    ``line_counted``."""
    if cell.text.strip() and not any(a.text == cell.text for a in cell.alternatives):
        cell.alternatives.append(Alternative(cell.text, cell.ocr_score, "ocr"))
    cell.original = cell.original if cell.original is not None else cell.text
    cell.text, cell.kind = str(number), "text"
    cell.add_reason(LINE_COUNTED)


def _between_counted(numbers: list[int | None], k: int, number: int, reach: int = 3) -> bool:
    """Row ``k``, which the count gives ``number``, lies in a gap of at most ``reach`` rows whose neighbours
    above and below hold their numbers of that count: 7 | 8 | 9 around it, or 6 | 7 | (blank) | “16” | 10 | 11
    for two misread side by side (seed-45 nanyang 公开04表 as a worn photocopy: 8 lost, 9 read 16, both flagged
    though the count gives each twice). A 行次 printed skipping one breaks the count of one side."""
    above = next((j for j in range(k - 1, max(-1, k - reach - 1), -1) if numbers[j] == number - (k - j)), None)
    below = next((j for j in range(k + 1, min(len(numbers), k + reach + 1)) if numbers[j] == number + (j - k)),
                 None)
    return above is not None and below is not None and below - above - 1 <= reach


def _counted(numbers: list[int | None], k: int) -> tuple[int, int] | None:
    """The line numbers row ``k`` may hold by the nearest runs of two or more counting up by one above it and
    below it (each carried on to row ``k``, a row a number): the range between the two counts, or None where
    either run is missing. Rows printing no number between (a 公开10表's sub-items) narrow the range; a 行次
    printed skipping one widens it."""
    up = next((n + (k - j) for j in range(k - 1, 0, -1)
               if (n := numbers[j]) is not None and numbers[j - 1] == n - 1), None)
    down = next((n - (j - k) for j in range(k + 1, len(numbers) - 1)
                 if (n := numbers[j]) is not None and numbers[j + 1] == n + 1), None)
    if up is None or down is None:
        return None
    return min(up, down), max(up, down)


def _restore_line_numbers(table: Table, ocr_pages: set[int], min_rows: int = 3, share: float = 0.8) -> None:
    """The two 行次 columns of a 收支总表 count in step: 支出's number is 收入's plus a fixed offset on every row
    (1 | 31, 2 | 32 …). A line number read wrong on a scan (“3端”, “476”, “欧D” for 3, 47, 37: a seal's or the
    watermark's strokes, dithering) has then two witnesses that share nothing: the other column's number in
    its row, less or plus the offset, and the count of its own column (the number above it one less, or the
    one below one more). Where both give the same number and the reading shows no digit that number lacks,
    it is put back: the reading kept as ``original`` and an alternative, reason ``line_counted``."""
    cols = [ci for ci, label in enumerate(table.columns) if _line_label(label)]
    if len(cols) != 2:
        return
    rows = [r for r in table.rows if max(cols) < len(r.cells)]
    nums = [[int(r.cells[ci].text) if r.cells[ci].text.isdigit() else None for ci in cols] for r in rows]
    steps = Counter(b - a for a, b in nums if a is not None and b is not None)
    if not steps:
        return
    offset, n = steps.most_common(1)[0]
    if n < min_rows or n < share * sum(steps.values()):
        return
    for k, row in enumerate(rows):
        if row.page not in ocr_pages:
            continue
        for side, ci in enumerate(cols):
            cell, other = row.cells[ci], nums[k][1 - side]
            if not cell.text.strip() or other is None:
                continue
            want = other + offset if side else other - offset
            if nums[k][side] == want:
                continue
            above = nums[k - 1][side] if k > 0 else None
            below = nums[k + 1][side] if k + 1 < len(rows) else None
            digits = re.sub(r"\D", "", cell.text)
            # (nor against its own column's count, where the runs above and below give one: seed-47 education
            # 公开01表 as a worn photocopy, 收入's right “26” beside 支出's “37” misread for 57, below a “5” misread
            # for 25 — both witnesses misread, 26 made 6)
            counted = _counted([n[side] for n in nums], k)
            if counted is not None and not counted[0] <= want <= counted[1]:
                continue
            if want > 0 and (above == want - 1 or below == want + 1) and (not digits or str(want) in digits):
                _count_line(cell, want)
                nums[k][side] = want


def plausible_authority(name: str) -> bool:
    """An organisation's name (…局, …委员会, …办事处（本级）), never a currency unit (人民币元, 万元) or a
    placeholder."""
    name = _OWN_LEVEL.sub("", name or "")
    return len(name) >= 4 and not _CURRENCY.fullmatch(name) and bool(_AUTH_SUFFIX.search(name))


def _kind_from_titles(titles: list[str]) -> str:
    """部门/单位 and 决算/预算 voted by the table titles (“2025年预算单位收入预算总表”, “2025年部门支出预算总表”,
    “收入决算表”); the economic classification “部门预算经济分类” names a catalogue, not the publisher."""
    side, stage = Counter(), Counter()
    for title in titles:
        t = _TITLE_NOISE.sub("", re.sub(r"\s+", "", title))
        t = re.sub(r"^\d{4}年度?", "", t)
        m = _TITLE_SIDE.match(t)
        if m:
            side["单位" if m.group(1) in ("预算单位", "单位") else "部门"] += 1
        if "决算" in t:
            stage["决算"] += 1
        elif "预算" in t:
            stage["预算"] += 1
    if not stage:
        return ""
    best_stage = stage.most_common(1)[0][0]
    best_side = side.most_common(1)[0][0] if side else "部门"
    return best_side + best_stage


def document_metadata(doc: Document, readings: list[PageReading]) -> None:
    """Authority, fiscal year and kind (部门/单位 决算/预算) from the cover, the headings and the tables'
    metadata lines. The cover wins; without one (a document starting at its tables) the table titles and
    the “编制单位” lines decide. Currency units (“单位：人民币元”) are never taken for an authority."""
    front_lines = [re.sub(r"\s+", "", ln.text) for r in readings[:3] for ln in r.lines]
    front = "".join(front_lines)
    everywhere = [re.sub(r"\s+", "", ln.text) for r in readings for ln in r.lines]
    for t in doc.tables:
        if t.department and not plausible_authority(t.department):
            t.department = ""  # “单位：人民币元” read as the publisher
    labelled = [m.group("auth") for line in front_lines for m in _LABELLED_AUTH.finditer(line)
                if plausible_authority(m.group("auth"))]
    line_starts, line_ends, at = set(), set(), 0
    for line in front_lines:
        line_starts.add(at)
        at += len(line)
        line_ends.add(at)
    for m in list(_COVER.finditer(front)) + list(_COVER2.finditer(front)):
        auth = re.sub(r"^.*?(第[一二三四五六七八九十]+部分|目录|概况)", "", m.group("auth")) or m.group("auth")
        auth = re.sub(r"^.*?[:：]", "", auth)
        cover_line = m.start() in line_starts and (m.end() in line_ends or front[m.end():m.end() + 1] == "表")
        if not cover_line or not plausible_authority(auth):  # a cover or a heading, not a sentence
            continue
        doc.authority = auth
        doc.year = int(m.group("year"))
        doc.kind = m.group("kind") + m.group("k2")
        break
    if labelled:
        doc.authority = labelled[0]  # “预算主管部门：上海市普陀区财政局” on the cover
    depts = Counter(t.department for t in doc.tables if t.department)
    if not doc.authority and depts:
        doc.authority = depts.most_common(1)[0][0]
    if not doc.authority:  # section headings: “上海市普陀区财政局主要职能”, “第一部分…概况”
        named = Counter(m.group("auth") for line in everywhere if (m := _HEADING_AUTH.match(line))
                        and plausible_authority(m.group("auth")))
        if named:
            doc.authority = named.most_common(1)[0][0]
    if doc.year is None:
        years = Counter(int(y) for y in _YEAR.findall(front))
        years.update(t.year for t in doc.tables if t.year)
        if not years:
            years.update(int(y) for line in everywhere for y in _YEAR.findall(line))
        if years:
            doc.year = years.most_common(1)[0][0]
    if not doc.kind:
        cover = _COVER_KIND.search(front)
        heading = next((m for line in everywhere if (m := _HEADING_KIND.search(line))), None)
        if cover:
            doc.kind = cover.group(1) + cover.group(2)
        elif heading:  # “2025年单位预算编制说明”, “部门决算说明”
            doc.kind = heading.group(1) + heading.group(2)
        else:
            doc.kind = _kind_from_titles([t.title for t in doc.tables])
    for t in doc.tables:
        if not t.unit:
            t.unit = "万元" if doc.kind.endswith("决算") else ""
