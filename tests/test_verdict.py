"""Never silent: every page gets a layout verdict, a table the grid finder missed leaves an ``unrecovered``
page, a table whose structure is doubtful has every cell flagged ``structure`` — on rendered pages of the
committed samples (scanned with the generator's degradations) and on their born-digital extraction."""
from __future__ import annotations

import copy
import json
import sys

import jsonschema
import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipeline import extract as extract_stage
from pipeline.evaluate import score_document as evaluate
from pipeline.extract import extract_document
from pipeline.model import Document
from pipeline.score import score_document as score_cells
from pipeline.validate import validate_document
from pipeline.verdict import STRUCTURE, ink_lines, mark_structure, structure_doubts
from tests.conftest import ROOT, SAMPLES

sys.path.insert(0, str(ROOT / "scripts"))
from samplegen.degrade import PROFILES, cjk_font, degrade_page, mm_to_px  # noqa: E402
from samplegen.render import amount_boxes, rasterise, text_words  # noqa: E402

SCHEMA = json.loads((ROOT / "models" / "schema" / "document-1.schema.json").read_text(encoding="utf-8"))
DIGITAL = SAMPLES / "s04_health_2023_digital.pdf"
TRUTH = json.loads((SAMPLES / "s04_health_2023_digital.truth.json").read_text(encoding="utf-8"))


def scan_of(page: int, profile: str, tmp_path, seed: int = 3) -> "Path":
    """One page of the born-digital sample as a scan of ``profile`` (a PNG tagged with its dpi)."""
    p = PROFILES[profile]
    rgb = rasterise(DIGITAL, p.dpi)[page - 1]
    targets = amount_boxes(text_words(DIGITAL, p.dpi)[page - 1])
    out, _ = degrade_page(rgb, p, np.random.default_rng(seed), targets, "卫生健康委员会")
    path = tmp_path / f"p{page}_{profile}.png"
    Image.fromarray(out).convert("L" if p.storage != "rgb" else "RGB").save(path, dpi=(p.dpi, p.dpi))
    return path


@pytest.fixture(scope="module")
def digital() -> Document:
    return extract_document(DIGITAL)


def test_every_page_of_a_born_digital_document_has_a_verdict(digital):
    d = digital.to_dict()
    jsonschema.validate(d, SCHEMA)
    truth_pages = {p for t in TRUTH["tables"] for p in t["pages"]}
    for page in d["pages"]:
        if page["number"] in truth_pages:
            assert page["status"] == "tables" and page["reasons"] == [], page
        else:
            assert page["status"] == "no_tables" and page["reasons"] == ["text"], page  # the cover
    assert d["warnings"] == []
    assert not any(STRUCTURE in c.reasons for _, _, _, c in digital.cells())
    back = Document.from_dict(d)
    assert [(p.status, p.reasons) for p in back.pages] == [(p.status, p.reasons) for p in digital.pages]


def test_a_table_the_grid_finder_misses_leaves_an_unrecovered_page(tmp_path, monkeypatch):
    """The grid finder fails (no grid at all) on a photocopied 公开02表: the page still says there is a table,
    from its title and its faint broken rules — evidence gathered without the grid finder."""
    path = scan_of(3, "photocopy150", tmp_path)
    monkeypatch.setattr(extract_stage, "find_tables", lambda *a, **k: [])
    monkeypatch.setattr(extract_stage, "scan_tables", lambda *a, **k: [])
    monkeypatch.setattr(extract_stage, "text_table", lambda *a, **k: None)  # (nor a grid from the text)
    doc = extract_document(path)
    assert doc.tables == []
    page = doc.pages[0]
    assert page.status == "unrecovered"
    # (the table's rows, read as lines, are rows of aligned pieces: read surely enough — a worn scan's lines
    # hold unsure characters — to count, unlike a watermark's garbage, VerdictSettings.text_row_score)
    assert {"table_title", "grid_ink", "text_rows"} <= set(page.reasons), page.reasons
    assert doc.warnings == [{"kind": "unrecovered_page", "page": 1, "reasons": page.reasons}]
    jsonschema.validate(doc.to_dict(), SCHEMA)
    # and the benchmark's scorer counts the missed table as told, not silent
    truth = {"tables": [dict(t, pages=[1]) for t in TRUTH["tables"] if 3 in t["pages"]], "source": {"pages": 1}}
    s = evaluate(truth, doc.to_dict())
    assert s.matched_tables == 0 and s.silent_misses == [] and s.false_alarms == []


def test_found_tables_and_a_cover_on_bilevel_scans(tmp_path):
    """On a 1-bit scan the table page is ``tables`` (nothing missed) and the cover ``no_tables``."""
    doc = extract_document(scan_of(3, "bilevel300", tmp_path))
    assert len(doc.tables) == 1 and len(doc.tables[0].rows) >= 15
    assert (doc.pages[0].status, doc.pages[0].reasons) == ("tables", [])
    cover = extract_document(scan_of(1, "bilevel300", tmp_path))
    assert cover.tables == [] and (cover.pages[0].status, cover.pages[0].reasons) == ("no_tables", ["text"])
    assert cover.warnings == []


def prose_page(dpi: int = 200) -> np.ndarray:
    """An explanatory page: paragraphs quoting table titles and amounts inside sentences, a heading rule."""
    w, h = int(mm_to_px(210, dpi)), int(mm_to_px(297, dpi))
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    font = cjk_font(int(mm_to_px(4.2, dpi)))
    x0, y = int(mm_to_px(25, dpi)), int(mm_to_px(30, dpi))
    draw.text((x0, y), "第二部分 2024年度部门决算情况说明", font=cjk_font(int(mm_to_px(6, dpi)), bold=True), fill="black")
    y += int(mm_to_px(14, dpi))
    sentences = [
        "一、收入支出决算总体情况说明：2024年度收入总计4,582.36万元，支出总计4,582.36万元。",
        "与上年相比，收入、支出总计各增加312.05万元，增长7.31%，主要原因是人员经费增加。",
        "二、收入决算情况说明：本年收入合计4,390.12万元，其中：财政拨款收入4,101.77万元，",
        "占93.43%；事业收入0.00万元；其他收入288.35万元，占6.57%。",
        "三、支出决算情况说明：本年支出合计4,402.18万元，其中：基本支出3,016.40万元，",
        "占68.52%；项目支出1,385.78万元，占31.48%。",
        "四、财政拨款收入支出决算总体情况说明：2024年度财政拨款收入总计4,101.77万元。",
        "五、一般公共预算财政拨款支出决算情况说明：支出决算为4,050.22万元，完成预算98.7%。",
    ]
    for k in range(3):
        for s in sentences:
            draw.text((x0, y), s, font=font, fill="black")
            y += int(mm_to_px(8.5, dpi))
        y += int(mm_to_px(6, dpi))
    return np.asarray(img)


def test_prose_and_blank_pages_are_no_tables(tmp_path):
    rng = np.random.default_rng(1)
    for name, page in (("prose", prose_page()), ("blank", np.full((2339, 1654, 3), 255, np.uint8))):
        out, _ = degrade_page(page, PROFILES["clean200"] if name == "blank" else PROFILES["skew_noise200"], rng, [], "")
        path = tmp_path / f"{name}.png"
        Image.fromarray(out).save(path, dpi=(200, 200))
        doc = extract_document(path)
        assert doc.tables == [] and doc.warnings == []
        assert (doc.pages[0].status, doc.pages[0].reasons) == ("no_tables", ["text" if name == "prose" else "blank"])


def test_rule_like_ink_is_found_without_the_grid_finder_and_text_is_not(tmp_path):
    pc = PROFILES["photocopy150"]
    rgb = rasterise(DIGITAL, pc.dpi)[2]
    out, info = degrade_page(rgb, pc, np.random.default_rng(5), [], "")
    assert info["rule_gaps"]["share_mean"] > 0.2
    lines, _ = ink_lines(out, pc.dpi)
    assert sum(ln.horizontal for ln in lines) >= 10 and sum(not ln.horizontal for ln in lines) >= 5
    prose, _ = degrade_page(prose_page(), PROFILES["skew_noise200"], np.random.default_rng(5), [], "")
    text_lines, _ = ink_lines(prose, 200)
    assert sum(ln.horizontal for ln in text_lines) <= 2


# ----------------------------------------------------------------------------------------- structure


def _refresh(doc: Document) -> None:
    validate_document(doc)
    mark_structure(doc)
    score_cells(doc)


def test_a_table_missing_columns_is_flagged_structure_on_every_cell(digital):
    doc = copy.deepcopy(digital)
    t = next(t for t in doc.tables if t.form == "公开02表")
    assert structure_doubts(doc, t) == []
    for row in t.rows:  # the 财政拨款收入 and 上级补助收入 columns lost (rules missed, cells merged away)
        del row.cells[3:5]
    del t.columns[3:5]
    for r in t.header:
        del r[3:5]
    _refresh(doc)
    doubts = structure_doubts(doc, t)
    assert "columns_missing" in doubts
    cells = [c for row in t.rows for c in row.cells]
    assert all(STRUCTURE in c.reasons and c.review for c in cells)
    others = [c for tt in doc.tables if tt is not t for row in tt.rows for c in row.cells]
    assert not any(STRUCTURE in c.reasons for c in others)
    warning = next(w for w in doc.warnings if w["kind"] == "table_structure")
    assert warning["table"] == t.id and "columns_missing" in warning["reasons"]
    jsonschema.validate(doc.to_dict(), SCHEMA)


def test_a_split_column_and_failing_identities_are_structure(digital):
    doc = copy.deepcopy(digital)
    t = next(t for t in doc.tables if t.form == "公开03表")
    # the 合计 column's amounts shifted one row down (its rules missed, the cells misaligned): most fail
    amount_cols = [c for c in range(len(t.columns)) if any(r.cells[c].value is not None for r in t.rows)][:1]
    for c in amount_cols:
        values = [r.cells[c] for r in t.rows]
        texts = [(v.text, v.value) for v in values]
        for cell, (text, value) in zip(values[1:], texts[:-1]):
            cell.text, cell.value = text, value
    _refresh(doc)
    n_checks = [c for c in doc.checks if c.table == t.id]
    assert sum(not c.ok for c in n_checks) > 0.5 * len(n_checks)
    assert "identities_failing" in structure_doubts(doc, t)
    assert all(STRUCTURE in c.reasons and c.review for row in t.rows for c in row.cells)
    # a reviewer's corrections that make the identities hold again lift the doubt
    fixed = copy.deepcopy(digital)
    _refresh(fixed)
    assert not any(STRUCTURE in c.reasons for _, _, _, c in fixed.cells())


def test_a_scanned_piece_of_a_table_and_body_rows_in_the_header_are_structure(digital):
    """Two shapes a scan's lost rules leave behind, both read at high OCR confidence: a piece of a grid (a
    few rows and columns of 公开02表 with no header, title or form above them — no template knows it), and
    body rows read into the header (amounts among the column labels). Every cell of either is flagged."""
    from pipeline.templates import identify_template

    doc = copy.deepcopy(digital)
    for p in doc.pages:
        p.mode = "ocr"
    piece = next(t for t in doc.tables if t.form == "公开02表")
    piece.rows = piece.rows[5:10]
    piece.header, piece.columns, piece.title, piece.form = [], [""] * len(piece.columns), "", ""
    assert identify_template(piece) is None
    swallowed = next(t for t in doc.tables if t.form == "公开03表")
    swallowed.header = swallowed.header + [swallowed.rows[0].texts()]  # the first body row read as header
    swallowed.rows = swallowed.rows[1:]
    _refresh(doc)
    assert "template_unmatched" in structure_doubts(doc, piece)
    assert "header_amounts" in structure_doubts(doc, swallowed)
    for t in (piece, swallowed):
        assert all(STRUCTURE in c.reasons and c.review for row in t.rows for c in row.cells)
    others = [t for t in doc.tables if t not in (piece, swallowed) and t.kind != "performance"]
    assert others and not any(structure_doubts(doc, t) for t in others)
    # the piece's page did not give its table: unrecovered (no silent miss), the other pages keep their tables
    from pipeline.read import PageReading
    from pipeline.verdict import PageEvidence, page_statuses

    readings = [PageReading(p.number, "ocr", p.width, p.height, p.dpi, 0.0, [], []) for p in doc.pages]
    page_statuses(doc, readings, {p.number: PageEvidence(p.number) for p in doc.pages})
    mark_structure(doc)
    page = next(p for p in doc.pages if p.number == piece.pages[0])
    assert page.status == "unrecovered" and page.reasons == ["table_pieces"]
    assert {"kind": "unrecovered_page", "page": page.number, "reasons": ["table_pieces"]} in doc.warnings
    mark_structure(doc)  # (again, as a review does: nothing doubled)
    assert page.reasons == ["table_pieces"] and sum(w.get("page") == page.number for w in doc.warnings) == 1
    assert all(p.status == "tables" for p in doc.pages if p.number in swallowed.pages)
    # born-digital (its text layer read), the piece is what the PDF draws: no doubt about how it was read
    for p in doc.pages:
        p.mode = "text"
    assert "template_unmatched" not in structure_doubts(doc, piece)


def test_values_standing_for_no_label_are_structure(digital):
    """A table of labelled items whose item column came out blank beside its values (seed-47 agriculture
    公开10表 as a worn photocopy: a stray line inside the table taken for its left wall, the labels cut off) has
    lost its labels: each value read right, none saying what it is, and the sums confirm them. A 收支总表 side
    is judged by its own amounts, the other side's labels do not vouch for it; with no label left, the page
    gave no table (``unrecovered``)."""
    from pipeline.read import PageReading
    from pipeline.templates import load_templates, resolve_columns
    from pipeline.verdict import PageEvidence, page_statuses

    doc = copy.deepcopy(digital)
    for p in doc.pages:
        p.mode = "ocr"
    t = next(t for t in doc.tables if t.form == "公开01表")
    roles = resolve_columns(t, load_templates()[t.template])
    _refresh(doc)
    assert structure_doubts(doc, t) == []
    for row in t.rows:  # 收入's labels lost
        for c in roles["income_item"]:
            row.cells[c].text = ""
    _refresh(doc)
    assert "labels_lost" in structure_doubts(doc, t)
    assert all(STRUCTURE in c.reasons and c.review for row in t.rows for c in row.cells)
    readings = [PageReading(p.number, "ocr", p.width, p.height, p.dpi, 0.0, [], []) for p in doc.pages]
    page_statuses(doc, readings, {p.number: PageEvidence(p.number) for p in doc.pages})
    mark_structure(doc)
    page = next(p for p in doc.pages if p.number == t.pages[0])
    assert page.status == "tables"  # (支出's labels came out)
    for row in t.rows:
        for c in roles["expense_item"]:
            row.cells[c].text = ""
    page_statuses(doc, readings, {p.number: PageEvidence(p.number) for p in doc.pages})
    mark_structure(doc)
    assert page.status == "unrecovered" and page.reasons == ["table_pieces"]
    others = [o for o in doc.tables if o is not t and o.kind != "performance"]
    assert not any("labels_lost" in structure_doubts(doc, o) for o in others)
    # a few values beside a blank label (a heading row's, a continuation's) are no table without labels
    u = next(o for o in doc.tables if o.form == "公开04表")
    roles = resolve_columns(u, load_templates()[u.template])
    for row in u.rows[:2]:
        for c in roles["expense_item"]:
            row.cells[c].text = ""
    assert "labels_lost" not in structure_doubts(doc, u)


def test_a_misread_column_number_keeps_the_header(digital):
    """公开03表 scanned with its 栏次 row's “2” read as “-”: still the 栏次 row, left out of the column labels,
    so every column keeps its label and the template's columns are all found — no ``structure`` false alarm
    (a table whose identities all hold was flagged whole). A row of words or amounts is never a 栏次 row."""
    from pipeline.assemble import page_tables
    from pipeline.headers import flatten_header, is_column_number_row
    from pipeline.layout import Grid, GridCell
    from pipeline.read import GridReading, PageReading, Reading

    t = next(t for t in digital.tables if t.form == "公开03表")
    lanci = next(r for r in t.header if "栏次" in r)
    misread = [("-" if x == "2" else x) for x in lanci]
    assert misread != lanci and is_column_number_row(misread)
    assert not is_column_number_row(["合计", "-", "1", "2", "3"]) and not is_column_number_row(["1.00", "-", "2", "3"])
    # the header as the assembler sees it on a scan: the grid's rows read, the 栏次 row misread
    header = [list(r) for r in t.header]
    header[t.header.index(lanci)] = misread
    rows = header + [r.texts() for r in t.rows[:3]]
    n_cols = len(t.columns)
    xs, ys = [float(10 * c) for c in range(n_cols + 1)], [float(10 * r) for r in range(len(rows) + 1)]
    cells = [GridCell(r, c, 1, 1, (int(xs[c]), int(ys[r]), int(xs[c + 1]), int(ys[r + 1])))
             for r in range(len(rows)) for c in range(n_cols)]
    reading = PageReading(1, "ocr", 400, 400, 200, 0.0, [GridReading(Grid(xs, ys, cells), {
        (c.row, c.col): Reading(rows[c.row][c.col]) for c in cells})], [])
    pt = page_tables(reading)[0]
    assert pt.header_rows == len(header)
    columns = flatten_header(pt.header_cells, pt.header_rows, n_cols)
    assert columns == t.columns
    doc = copy.deepcopy(digital)
    scanned = next(x for x in doc.tables if x.form == "公开03表")
    scanned.columns, scanned.header = columns, header
    _refresh(doc)
    assert structure_doubts(doc, scanned) == []


def test_a_misread_line_number_and_a_garbled_amount_are_flagged(digital):
    """On a scan the 行次 column of 公开01表 read “I0” and “364” (bi-level dither over 10 and 36) at 0.97, and
    a sealed amount “((M)”: none is in any identity, all passed unflagged. A line number that breaks its
    column's count where both neighbours keep it, and the runs above and below carry on to one number, is that
    number (``line_counted``, the reading kept); the garbled amount is ``format``, always reviewed. The printed
    count, with its jumps, raises nothing. Where the reading shows the number its witnesses give (“364”: 支出's
    行次 in its row less the table's offset, and its own column's count, both say 36), it is restored
    (``interpret._restore_line_numbers``), the reading kept."""
    from pipeline.interpret import interpret_cells

    doc = copy.deepcopy(digital)
    for p in doc.pages:
        p.mode = "ocr"
    ocr_pages = {p.number for p in doc.pages}
    t = next(t for t in doc.tables if t.form == "公开01表")
    line = next(c for c, label in enumerate(t.columns) if label.endswith("行次"))
    amount = line + 1
    interpret_cells(t, ocr_pages)
    assert not any("format" in r.cells[line].reasons for r in t.rows)
    numbered = [k for k in range(1, len(t.rows) - 1) if all(t.rows[k + d].cells[line].text.isdigit() for d in (-1, 0, 1))]
    k1, k2 = numbered[2], numbered[5]
    right = t.rows[k1].cells[line].text, t.rows[k2].cells[line].text
    t.rows[k1].cells[line].text = "I0"
    t.rows[k2].cells[line].text = right[1] + "4"
    t.rows[k1].cells[amount].text = "((M)"
    interpret_cells(t, ocr_pages)
    _refresh(doc)
    cell = t.rows[k1].cells[line]
    # (the runs above and below carry on to one number, and its neighbours are one less and one more: it is that
    # number, the reading kept — interpret._count_line)
    assert (cell.text, cell.original) == (right[0], "I0") and "line_counted" in cell.reasons and not cell.review
    assert "I0" in [a.text for a in cell.alternatives]
    cell = t.rows[k2].cells[line]
    assert (cell.text, cell.original) == (right[1], right[1] + "4") and "line_counted" in cell.reasons
    assert "format" in t.rows[k1].cells[amount].reasons and t.rows[k1].cells[amount].review
    flagged = [k for k, r in enumerate(t.rows) if "format" in r.cells[line].reasons]
    assert flagged == []


def test_two_columns_under_one_header_label_are_split_by_the_template(digital):
    """公开03表 scanned with the rule between its 科目代码 and 科目名称 header cells missed: one header cell
    spans both columns, read “科目代码科目名称”, so both columns get that label, the code role takes both
    and the table was flagged ``structure`` whole (columns_missing) though its identities all held. The
    template's column patterns cut the label back into its two pieces; nothing is flagged."""
    from pipeline.headers import HeaderCell, flatten_header
    from pipeline.templates import resolve_columns, split_shared_labels, load_templates

    doc = copy.deepcopy(digital)
    t = next(t for t in doc.tables if t.form == "公开03表")
    code = next(c for c, label in enumerate(t.columns) if label.endswith("代码") or label.endswith("编码"))
    assert t.columns[code + 1].endswith("名称")
    cells = [HeaderCell(0, code, t.columns[code].split("/")[-1] + t.columns[code + 1].split("/")[-1], 1, 2)]
    cells += [HeaderCell(0, c, label.split("/")[-1]) for c, label in enumerate(t.columns) if c not in (code, code + 1)]
    merged = flatten_header(cells, 1, len(t.columns))
    assert merged[code] == merged[code + 1]
    t.columns = list(merged)
    _refresh(doc)
    assert "columns_missing" in structure_doubts(doc, t)
    assert split_shared_labels(t) == 2
    assert t.columns[code].endswith(("代码", "编码")) and t.columns[code + 1].endswith("名称")
    roles = resolve_columns(t, load_templates()[t.template])
    assert roles["code"] == [code] and roles["name"] == [code + 1]
    _refresh(doc)
    assert structure_doubts(doc, t) == []
    # labels that differ, or a shared label the template cannot cut into one piece per column, stay
    other = next(x for x in doc.tables if x.form == "公开02表")
    before = list(other.columns)
    assert split_shared_labels(other) == 0 and other.columns == before


def test_two_labels_run_together_one_read_short_are_cut_back(digital):
    """公开02表 scanned with the rule between its 经营收入 and 附属单位上缴收入 header cells lost and the second
    label's last characters with it (“经营收入附属单位上缴” over both columns: seed-41 health as a worn
    photocopy, 153 right cells flagged ``structure``): the piece no pattern matches begins exactly one printed
    label of a column no other piece names, so it is that label. Too short a piece (two characters) is not."""
    from pipeline.templates import resolve_columns, split_shared_labels, load_templates

    doc = copy.deepcopy(digital)
    t = next(t for t in doc.tables if t.form == "公开02表")
    op = next(c for c, label in enumerate(t.columns) if label.endswith("经营收入"))
    assert t.columns[op + 1].endswith("附属单位上缴收入")
    right = list(t.columns)
    t.columns[op] = t.columns[op + 1] = "经营收入附属单位上缴"
    _refresh(doc)
    assert {"columns_missing", "columns_extra"} <= set(structure_doubts(doc, t))
    assert split_shared_labels(t) == 2
    assert t.columns[op] == "经营收入" and t.columns[op + 1] == "附属单位上缴收入"
    roles = resolve_columns(t, load_templates()["T02"])
    assert roles["operating"] == [op] and roles["affiliated"] == [op + 1]
    _refresh(doc)
    assert structure_doubts(doc, t) == []
    t.columns = list(right)
    t.columns[op] = t.columns[op + 1] = "经营收入附属"
    assert split_shared_labels(t) == 0 and t.columns[op] == "经营收入附属"
    # two such runs in one header: each is cut back
    t.columns = list(right)
    t.columns[op - 2] = t.columns[op - 1] = "上级补助收入事业收"
    t.columns[op] = t.columns[op + 1] = "经营收入附属单位上缴"
    assert split_shared_labels(t) == 4 and t.columns == right


def test_labels_worn_past_reading_take_the_template_label_of_their_place(digital):
    """公开04表 as a worn photocopy read 项 | 收入/行次 | 金额 | 项目 | 支出/行次 | 台tf | … | 国在资本经管预薛划政拨款
    (seed-41 police): three roles without a column, no identity built. Every other label names the template's
    column at its own place, so the three take their template labels and the identities are built again. A
    label naming another place's column, or a relabelled column holding words where amounts belong, stops it."""
    from pipeline.headercheck import labels_by_position
    from pipeline.templates import load_templates, resolve_columns

    doc = copy.deepcopy(digital)
    t = next(t for t in doc.tables if t.form == "公开04表")
    right = list(t.columns)
    total = next(c for c, label in enumerate(right) if label.endswith("合计"))
    capital = next(c for c, label in enumerate(right) if "国有资本" in label)
    garbled = list(right)
    garbled[0], garbled[total], garbled[capital] = "项", "台tf", "L1t"
    t.columns = list(garbled)
    _refresh(doc)
    assert "columns_missing" in structure_doubts(doc, t)
    before = len([c for c in doc.checks if c.table == t.id])
    assert labels_by_position(t) == 3
    roles = resolve_columns(t, load_templates()["T04"])
    assert roles["expense_total"] == [total] and roles["expense_capital"] == [capital] and roles["income_item"] == [0]
    _refresh(doc)
    assert len([c for c in doc.checks if c.table == t.id]) > before and structure_doubts(doc, t) == []
    # the header cell read 台tf under the column now labelled 合计 is flagged as misread
    from pipeline.headercheck import HEADER_MISREAD, check_headers

    head = next(h for h in t.header_cells if h.col == total and h.colspan == 1 and h.cell.text == "合计")
    head.cell.text = "台tf"
    check_headers(doc)
    assert HEADER_MISREAD in head.cell.reasons and head.cell.review
    assert not any(HEADER_MISREAD in h.cell.reasons for h in t.header_cells if h is not head)
    # a named label out of its place: nothing is relabelled
    t.columns = list(garbled)
    t.columns[1], t.columns[2] = t.columns[2], t.columns[1]
    assert labels_by_position(t) == 0 and t.columns[total] == "台tf"
    # words where the template's amounts stand: nothing is relabelled
    t.columns = list(garbled)
    for row in t.rows:
        row.cells[total].text = "一般公共服务支出"
    assert labels_by_position(t) == 0


def test_a_label_cut_where_its_column_stays_whole_is_no_split_column(digital):
    """A header cell flagged ``header_split`` (its label's pieces touch the walls: 政府性基金预 | 算财政拨款
    stacked in a narrow column, real caizheng 公开04表 as a worn photocopy) whose column's label names the one
    template column that column takes leaves the columns whole; a label cut across two columns, neither
    naming a column, does not."""
    from pipeline.headercheck import HEADER_SPLIT, splits_columns

    doc = copy.deepcopy(digital)
    t = next(t for t in doc.tables if t.form == "公开04表")
    fund = next(c for c, label in enumerate(t.columns) if "政府性基金" in label)
    cell = next(h for h in t.header_cells if h.col == fund and h.cell.text.startswith("政府性基金"))
    cell.cell.add_reason(HEADER_SPLIT)
    assert not splits_columns(t)
    _refresh(doc)
    assert "header_split" not in structure_doubts(doc, t)
    # a label cut across two columns: neither column's own header cell names its column
    right = next(h for h in t.header_cells if h.col == fund + 1 and h.colspan == 1 and h.cell.text.startswith("国有"))
    cell.cell.text, right.cell.text = "政府性基", "金预算财政拨款"
    right.cell.add_reason(HEADER_SPLIT)
    assert splits_columns(t)


def test_a_split_headers_body_is_borne_out_by_its_sums(digital):
    """A table whose only doubt is a label cut in two (``header_split``) with exactly its template's columns and
    every amount in an identity holding to the cent (or enough identities, few failing) has its body borne out,
    as a worn header's is (seed-43 bilevel300 公开01表: 186 cells in review, every sum holding, 3 cells wrong —
    flagged on their own); a column's sums failing put the body back in doubt."""
    from pipeline.headercheck import HEADER_SPLIT, splits_columns

    doc = copy.deepcopy(digital)
    t = next(t for t in doc.tables if t.form == "公开04表")
    fund = next(c for c, label in enumerate(t.columns) if "政府性基金" in label)
    cell = next(h for h in t.header_cells if h.col == fund and h.cell.text.startswith("政府性基金"))
    right = next(h for h in t.header_cells if h.col == fund + 1 and h.colspan == 1 and h.cell.text.startswith("国有"))
    cell.cell.text, right.cell.text = "政府性基", "金预算财政拨款"
    for h in (cell, right):
        h.cell.add_reason(HEADER_SPLIT)
    assert splits_columns(t)
    _refresh(doc)
    assert structure_doubts(doc, t) == ["header_split"]
    assert not any("structure" in c.reasons for r in t.rows for c in r.cells)
    for r in t.rows:  # the 一般公共预算 column's amounts all off: its row and column sums fail
        for c in r.cells[fund - 1:fund]:
            if c.value:
                c.text = f"{c.value + 10:.2f}"
    _refresh(doc)
    assert all("structure" in c.reasons for r in t.rows for c in r.cells)


def test_empty_cells_of_a_blank_side_beside_inferred_rules_are_vouched(digital):
    """A 公开04表 without 行次 columns printing nothing for none (the Shanghai 决算), every side of its cells
    inferred from the text (``rule_missing``): the empty cells of a side printed blank in this row and the next
    (the 收入 side below its last item), and the empty amounts of a row printing none beside a label these
    tables print, are vouched for; the empty amounts beside the rest of a label cut by an inferred row line
    (“支出”) are not."""
    doc = copy.deepcopy(digital)
    t = next(t for t in doc.tables if t.form == "公开04表")
    lines = [c for c, label in enumerate(t.columns) if label.endswith("行次")]
    assert len(lines) == 2
    for row in t.rows:
        row.cells = [c for i, c in enumerate(row.cells) if i not in lines]
        for c in row.cells:
            if c.text == "0.00":
                c.text, c.value = "", None
            c.add_reason("rule_missing")
    t.columns = [c for i, c in enumerate(t.columns) if i not in lines]
    t.header_cells = []
    _refresh(doc)
    rows = {r.cells[2].text: r for r in t.rows}
    education, fragment_row = rows["五、教育支出"], rows["二十、粮油物资储备支出"]
    assert not any(c.review for c in education.cells[:2])  # the 收入 side printed blank
    assert not any(c.review for c in education.cells[3:])  # no amount printed beside 五、教育支出
    assert not any(c.review for c in t.rows[-2].cells[2:])  # the 支出 side blank beside 政府性基金预算财政拨款
    fragment_row.cells[2].text = "支出"
    _refresh(doc)
    assert all(c.review for c in fragment_row.cells[3:])


def test_empty_amounts_beside_a_printed_label_are_vouched_with_line_numbers_beside_them(digital):
    """The same with the 行次 columns printed (seed-41 agriculture 公开04表 as a worn photocopy, blanks for none): the
    other side's 行次 is a whole number, not an amount, so the row's 收入 side still reads as a side and the empty
    支出 amounts beside 一、一般公共服务支出 are vouched for (73 right empty cells of that set in review); an
    amount read in the 收入 side's 行次 column (a label or an amount a lost rule pushed across) is no side."""
    from pipeline.score import _blank_side

    doc = copy.deepcopy(digital)
    t = next(t for t in doc.tables if t.form == "公开04表")
    lines = [c for c, label in enumerate(t.columns) if label.endswith("行次")]
    assert len(lines) == 2
    for row in t.rows:
        for c in row.cells:
            if c.text == "0.00":
                c.text, c.value = "", None
            c.add_reason("rule_missing")
    t.header_cells = []
    _refresh(doc)
    ri = next(i for i, r in enumerate(t.rows) if r.cells[lines[1] - 1].text == "一、一般公共服务支出")
    row, amounts = t.rows[ri], range(lines[1] + 1, len(t.columns))
    assert row.cells[lines[0]].text.isdigit() and not any(row.cells[c].text for c in amounts)
    assert not any(row.cells[c].review for c in amounts)
    assert all(_blank_side(t, ri, c, lambda r, k: False) for c in amounts)
    row.cells[lines[0]].text = "12.50"
    assert not any(_blank_side(t, ri, c, lambda r, k: False) for c in amounts)


def test_a_seal_speck_left_out_of_a_cell_a_sum_confirms_blank_is_not_reviewed(digital):
    """A cell whose every line was left out as a seal's remnant (``seal_speck``) is empty, and reviewed — unless
    an identity holding exactly confirms it blank in a column printing blanks, not 0.00, for nothing (real 决算
    as worn photocopies: 46 such cells in review, all right). Where its column prints 0.00 for nothing, a blank
    may be a 0.00 lost under the seal: reviewed; so is one no identity confirms."""
    doc = copy.deepcopy(digital)
    t = next(t for t in doc.tables if t.form == "公开05表")
    for row in t.rows:
        for c in row.cells:
            if c.text == "0.00":
                c.text, c.value = "", None
    _refresh(doc)
    held = {tuple(ref) for chk in doc.checks if chk.ok and chk.table == t.id for ref in chk.cells}
    ri, ci = next((ri, ci) for ri, r in enumerate(t.rows) for ci, c in enumerate(r.cells)
                  if not c.text and (t.id, ri, ci) in held)
    cell = t.rows[ri].cells[ci]
    cell.add_reason("seal_speck")
    _refresh(doc)
    assert not cell.review, cell.reasons
    other = next(r.cells[ci] for k, r in enumerate(t.rows) if k != ri and not r.cells[ci].text)
    other.text = "0.00"  # the column prints 0.00 for nothing
    _refresh(doc)
    assert cell.review
    other.text = ""
    doc.checks = [chk for chk in doc.checks if (t.id, ri, ci) not in {tuple(ref) for ref in chk.cells}]
    score_cells(doc)  # (no identity confirms it)
    assert cell.review


def test_a_name_set_to_its_printed_codes_catalogue_name_is_as_sure_as_its_code(digital):
    """A name read weakly and set to the catalogue's name for its row's printed code (``label_normalised``) has two
    witnesses of one entry — the code read surely and matched, the reading within reach of that name — and is
    not reviewed for its weak reading or an inferred side (seed-41 tuning set: 131 such right names in review).
    Where the code itself was read weakly, or its match is flagged, the name waits for review."""
    doc = copy.deepcopy(digital)
    t = next(t for t in doc.tables if t.form == "公开05表")
    ri, row = next((ri, r) for ri, r in enumerate(t.rows)
                   if any(m.source == "printed" and not m.flags and len(m.code) == 7 for m in r.codes))
    m = next(m for m in row.codes if len(m.code) == 7)
    ci = next(ci for ci, c in enumerate(row.cells) if ci > m.column and c.text == m.name)
    name = row.cells[ci]
    name.ocr_score = 0.6
    for reason in ("low_ocr", "label_normalised", "rule_missing"):
        name.add_reason(reason)
    _refresh(doc)
    assert not name.review, (name.text, name.reasons, name.confidence)
    row.cells[m.column].add_reason("low_ocr")
    _refresh(doc)
    assert name.review


def test_a_weak_reading_emptied_in_a_column_printing_zeros_is_reviewed(digital):
    """Seed-43 bilevel300 公开03表: ten 0.00 under a dithered seal read weakly as strokes (“do”, “0000”) and taken
    for them, left blank — unflagged, their sums holding either way. In a column printing 0.00 for nothing, an
    empty cell where something was read weakly (``low_ocr``) waits for review; an empty cell read as empty, or
    one in a column printing blanks, does not for that."""
    doc = copy.deepcopy(digital)
    t = next(t for t in doc.tables if t.form == "公开05表")
    _refresh(doc)
    held = {tuple(ref) for chk in doc.checks if chk.ok and chk.table == t.id for ref in chk.cells}
    ri, ci = next((ri, ci) for ri, r in enumerate(t.rows) for ci, c in enumerate(r.cells)
                  if c.text == "0.00" and (t.id, ri, ci) in held)
    cell = t.rows[ri].cells[ci]
    for p in doc.pages:
        p.mode = "ocr"
    cell.text, cell.value = "", None
    _refresh(doc)
    assert not cell.review
    cell.add_reason("low_ocr")
    _refresh(doc)
    assert cell.review


def test_a_table_with_every_row_taken_for_header_leaves_an_unrecovered_page(digital):
    from pipeline.verdict import PageEvidence, page_statuses
    from pipeline.read import PageReading

    doc = copy.deepcopy(digital)
    t = next(t for t in doc.tables if t.form == "公开05表")
    t.header = t.header + [r.texts() for r in t.rows]  # every body row read as header
    t.rows = []
    readings = [PageReading(p.number, "text", p.width, p.height, p.dpi, 0.0, [], []) for p in doc.pages]
    page_statuses(doc, readings, {p.number: PageEvidence(p.number) for p in doc.pages})
    page = next(p for p in doc.pages if p.number == t.pages[0])
    assert page.status == "unrecovered" and "empty_table" in page.reasons
    assert {"kind": "unrecovered_page", "page": page.number, "reasons": page.reasons} in doc.warnings


@pytest.mark.real
def test_real_born_digital_documents_get_honest_verdicts():
    """The 16 real budgets and 决算: contents pages (目录 read as two characters, dotted leaders) and prose with
    raised dashes are no_tables; no page is unrecovered (the 三公 table of the 福利院 budget, whose only data row
    6.4 0 0 6.4 · 6.4 0 was once taken for a 栏次 row, has its body row)."""
    from tests.conftest import REAL

    if not (REAL / "yusuan").exists():
        pytest.skip("../shared/real is absent")
    unrecovered = {}
    for pdf in sorted((REAL / "yusuan").glob("*.pdf")) + sorted((REAL / "juesuan").glob("*.pdf")):
        doc = extract_document(pdf)
        assert all(p.status in ("tables", "no_tables", "unrecovered") for p in doc.pages)
        assert doc.pages[1].status == "no_tables" and doc.pages[1].reasons == ["contents"], pdf.name
        for p in doc.pages:
            if p.status == "unrecovered":
                unrecovered[(pdf.name, p.number)] = p.reasons
        assert not [w for w in doc.warnings if w["kind"] == "table_structure"], (pdf.name, doc.warnings)
        sets = [w for w in doc.warnings if w["kind"] in ("missing_table", "empty_table_unexplained")]
        if pdf.name == "putuo-caizheng-2024-juesuan-seeded-errors.pdf":
            # the seeded errors: 支出决算表 left out, the 三公 table emptied with no note — reported
            assert [(w["kind"], w["form"], w["title"]) for w in sets] == [
                ("missing_table", "公开03表", "支出决算表"),
                ("empty_table_unexplained", "公开09表", "财政拨款“三公”经费支出决算表")], sets
        else:
            # full sets; empty 公开07/08表 and B06/B07 carry their note (本表无数据, 为空表) or, in the
            # 财政局 unit budget, the fund is shown as zero in 财政拨款收支预算总表 — no false warning
            assert sets == [], (pdf.name, sets)
    assert unrecovered == {}


def test_the_scorer_counts_silent_misses_and_false_alarms():
    """A truth table missed on a page that says no_tables is a silent miss; an unrecovered page on which
    nothing was missed is a false alarm; a missed table on an unrecovered page is neither."""
    def table(tid, form, page, label):
        return {"id": tid, "form": form, "title": "", "pages": [page],
                "rows": [{"page": page, "cells": [{"text": label, "value": None}, {"text": "1.00", "value": 1.0}]}]}

    truth = {"source": {"pages": 5}, "tables": [table("t1", "公开01表", 2, "合计"), table("t2", "公开02表", 3, "总计"),
                                               table("t3", "公开03表", 5, "小计")]}
    predicted = {"tables": [table("p1", "公开01表", 2, "合计")],
                 "pages": [{"number": 1, "status": "no_tables"}, {"number": 2, "status": "tables"},
                           {"number": 3, "status": "no_tables"}, {"number": 4, "status": "unrecovered"},
                           {"number": 5, "status": "unrecovered"}]}
    s = evaluate(truth, predicted)
    assert s.matched_tables == 1
    assert s.silent_misses == ["t2"] and s.false_alarms == [4]
    assert s.page_status == {"no_tables": 2, "tables": 1, "unrecovered": 2}


# ------------------------------------------------------------------------------------------ completeness


def without_pages(src, dest, drop: set[int]):
    """The PDF with the pages ``drop`` (1-based) deleted (pypdfium2)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(src))
    for index in sorted((p - 1 for p in drop), reverse=True):
        pdf.del_page(index)
    pdf.save(str(dest))
    return dest


def without_amounts(src, dest, page: int, dpi: int = 200):
    """The PDF with ``page`` replaced by a scan of it (``dpi``) on which every printed amount is painted out:
    the table printed empty, no note (a mixed document: the other pages keep their text layer)."""
    import pypdfium2 as pdfium

    image = Image.fromarray(rasterise(src, dpi)[page - 1])
    draw = ImageDraw.Draw(image)
    boxes = amount_boxes(text_words(src, dpi)[page - 1])
    assert len(boxes) >= 12
    for x0, y0, x1, y1 in boxes:
        draw.rectangle((x0 - 2, y0 - 2, x1 + 2, y1 + 2), fill="white")
    pdf = pdfium.PdfDocument(str(src))
    width, height = pdf[page - 1].get_size()
    pdf.del_page(page - 1)
    new = pdf.new_page(width, height, index=page - 1)
    obj = pdfium.PdfImage.new(pdf)
    obj.set_bitmap(pdfium.PdfBitmap.from_pil(image))
    obj.set_matrix(pdfium.PdfMatrix().scale(width, height))
    new.insert_obj(obj)
    new.gen_content()
    pdf.save(str(dest))
    return dest


def set_warnings(doc: Document) -> list[tuple[str, str]]:
    return [(w["kind"], w["form"]) for w in doc.warnings if w["kind"] in ("missing_table", "empty_table_unexplained")]


def test_a_full_set_has_no_completeness_warning(digital):
    """s04 prints 公开01–09表 (公开10表 is optional) after a cover: judged as a set, nothing missing."""
    assert digital.pages[0].status == "no_tables"
    assert set_warnings(digital) == []


def test_a_table_deleted_from_a_committed_sample_is_missing(tmp_path):
    """The page of 公开03表 deleted from s04 (pypdfium2): the document says which form is missing, by id and
    title, and the batch counts it ``ok with warnings``."""
    from pipeline.batch import JobResult, document_facts

    page = next(t["pages"] for t in TRUTH["tables"] if t["form"] == "公开03表")
    doc = extract_document(without_pages(DIGITAL, tmp_path / "no03.pdf", set(page)))
    missing = [w for w in doc.warnings if w["kind"] == "missing_table"]
    assert [(w["form"], w["title"], w["template"]) for w in missing] == [("公开03表", "支出决算表", "T03")]
    assert set_warnings(doc) == [("missing_table", "公开03表")]
    d = doc.to_dict()
    jsonschema.validate(d, SCHEMA)
    result = document_facts(d, JobResult(rel="no03.pdf", status="ok"))
    assert result.verdict == "ok with warnings"
    assert "missing 公开03表 支出决算表" in result.warnings


def test_a_table_emptied_without_a_note_is_reported(tmp_path):
    """s04's 三公 table with its amounts removed from the PDF and no note saying why: reported; the same
    emptiness with a note (本表无数据) or with the fund shown as zero elsewhere is not."""
    from pipeline.batch import JobResult, document_facts
    from pipeline.verdict import completeness

    page = next(t["pages"][0] for t in TRUTH["tables"] if t["form"] == "公开09表")
    doc = extract_document(without_amounts(DIGITAL, tmp_path / "empty09.pdf", page))
    assert set_warnings(doc) == [("empty_table_unexplained", "公开09表")]
    w = next(w for w in doc.warnings if w["kind"] == "empty_table_unexplained")
    t09 = next(t for t in doc.tables if t.id == w["table"])
    assert w["pages"] == [page] and w["reasons"] == ["no_body_rows" if not t09.rows else "no_amounts"]
    result = document_facts(doc.to_dict(), JobResult(rel="empty09.pdf", status="ok"))
    assert result.verdict == "ok with warnings"
    assert any("printed empty with no note" in x for x in result.warnings)
    # a note on the page explains it
    completeness(doc, {page: ["说明：本部门本年度没有财政拨款“三公”经费支出，故本表无数据。"]})
    assert set_warnings(doc) == []
    completeness(doc, {page: ["注：本表反映部门本年度“三公”经费支出预决算情况。"]})  # describes, explains nothing
    assert set_warnings(doc) == [("empty_table_unexplained", "公开09表")]
    # another table showing the fund as zero explains it
    other = next(t for t in doc.tables if t.template == "T01")
    other.columns = [*other.columns[:-1], "“三公”经费"]
    for row in other.rows:
        row.cells[-1].text, row.cells[-1].kind, row.cells[-1].value = "", "empty", None
    completeness(doc, {})
    assert set_warnings(doc) == []


def test_an_excerpt_of_a_few_tables_is_not_judged_as_a_set(tmp_path):
    """Tables from page 1 on, under two thirds of the set: an excerpt (as s01/s02 are), not a publication
    with tables missing; the same tables after a cover are judged."""
    from pipeline.verdict import completeness

    doc = extract_document(DIGITAL)
    keep = {"T01", "T02", "T03", "T04", "T05"}
    doc.tables = [t for t in doc.tables if t.template in keep]
    completeness(doc)  # after the cover: judged
    assert set_warnings(doc) == [("missing_table", f"公开0{n}表") for n in (6, 7, 8, 9)]
    for t in doc.tables:
        t.pages = [p - 1 for p in t.pages]  # ... without the cover it is an excerpt
    completeness(doc)
    assert set_warnings(doc) == []


def test_committed_samples_in_the_batch_have_no_completeness_warning(extracted_samples):
    """`disclosure extract` on s04 (a full set after its cover) and s02 (an excerpt: 公开01表 and 06–10表 from
    page 1): neither is said to miss a table or to print one empty unexplained (s02's empty 公开07/08表
    carry their 本表无数据 note)."""
    summary = json.loads((extracted_samples / "run-summary.json").read_text(encoding="utf-8"))
    for out in sorted(extracted_samples.glob("*.json")):
        if out.name == "run-summary.json":
            continue
        d = json.loads(out.read_text(encoding="utf-8"))
        kinds = [w["kind"] for w in d.get("warnings", [])]
        assert "missing_table" not in kinds and "empty_table_unexplained" not in kinds, (out.name, d["warnings"])
    for r in summary["results"]:
        assert not [w for w in r["warnings"] if w.startswith("missing ") or "printed empty" in w], r


@pytest.mark.slow
def test_no_committed_sample_gets_a_completeness_warning():
    """Every committed sample (scans included): no missing table, no unexplained empty table."""
    for pdf in sorted(SAMPLES.glob("*.pdf")):
        doc = extract_document(pdf)
        assert set_warnings(doc) == [], (pdf.name, doc.warnings)


def test_a_column_given_a_role_its_label_names_another_of_is_doubted():
    """Calibration gen7_004 skew_noise200: its empty 公开07表 lost the rule between 科目代码 and 科目名称 (one column
    labelled 科目代码科目名称), 科目名称's role went to the next column, labelled 年初结转和结余, and every label sat
    a column off — unflagged (header residual 4.6 % on that profile). A column given a role whose label names
    another role of the template is a column rule lost: ``columns_missing``, every cell in doubt."""
    from pipeline.model import Cell, Document, PageInfo, Row, Table
    from pipeline.verdict import structure_doubts

    def table(columns):
        return Table(id="t1", title="国有资本经营预算财政拨款收入支出决算表", form="公开07表", template="T07",
                     columns=columns, pages=[1], rows=[Row(page=1, cells=[Cell(text="合计")] +
                                                           [Cell(text="") for _ in columns[1:]])])

    doc = Document(source_path="x.png", sha256="0", page_count=1,
                   pages=[PageInfo(number=1, mode="ocr", width=2339, height=1654, dpi=200)])
    cut = table(["科目代码科目名称", "年初结转和结余", "本年收入", "小计", "基本支出", "项目支出", "年末结转和结余"])
    whole = table(["科目代码", "科目名称", "年初结转和结余", "本年收入", "小计", "基本支出", "项目支出", "年末结转和结余"])
    doc.tables = [cut, whole]
    assert "columns_missing" in structure_doubts(doc, cut)
    assert "columns_missing" not in structure_doubts(doc, whole)


def _scanned_doc(tables) -> Document:
    from pipeline.model import PageInfo

    doc = Document(source_path="x.png", sha256="0", page_count=1,
                   pages=[PageInfo(number=1, mode="ocr", width=2339, height=1654, dpi=200)])
    doc.tables = tables
    return doc


def test_an_economic_table_without_its_header_or_with_a_split_amount_column_is_doubted():
    """Real guihua 公开06表 (一般公共预算财政拨款基本支出决算表: blocks of 科目编码 | 科目名称 | 决算数 side by side)
    as a worn photocopy: the grid's top rules were lost, so the table started among its rows with no header,
    and a stray line split each block's 决算数 column (18.86 in one half, 0.92 in the other) — its codes and
    names vouched for by the catalogue, unflagged, every value a column off. The template has no column
    roles to check by label; its blocks are checked instead."""
    from pipeline.model import Cell, Row, Table

    rows = [("30107", "绩效工资", "", "1594.02", "30205", "水费", "", "0.92"),
            ("30108", "机关事业单位基本养老保险缴费", "", "446.11", "30206", "电费", "18.86", ""),
            ("30109", "职业年金缴费", "", "225.12", "30207", "邮电费", "8.05", "")]

    def table(columns, cells, header):
        return Table(id="t1", title="一般公共预算财政拨款基本支出决算表", template="T06", columns=columns,
                     header=header, pages=[1], rows=[Row(page=1, cells=[Cell(text=t) for t in r]) for r in cells])

    labels = ["经济分类科目编码", "科目名称", "决算数"] * 2
    worn = table([""] * 8, rows, [])
    whole = table(labels, [r[:2] + r[3:6] + (r[6] or r[7],) for r in rows], [labels])
    doc = _scanned_doc([worn, whole])
    doubts = structure_doubts(doc, worn)
    assert "header_unmatched" in doubts and "columns_extra" in doubts, doubts
    assert structure_doubts(doc, whole) == []
    split_only = table(labels[:2] + [""] + labels[2:5] + [""] + labels[5:], rows, [labels])
    assert structure_doubts(_scanned_doc([split_only]), split_only) == ["columns_extra"]


def test_a_column_a_stray_rule_split_off_with_a_label_naming_nothing_is_doubted():
    """Real shehuigongzuo 公开04表 as a worn photocopy: a stray line beside 收入/项目 made a column labelled “L”
    (the remains of the rule read as a letter) holding a speck or two; no role took it, so every column after
    it sat one place off — the labels and amounts read right, unflagged. A column no role takes whose label
    names nothing (no two characters running) is ``columns_extra`` once it holds content in two rows."""
    from pipeline.model import Cell, Row, Table

    labels = ["项目", "决算数", "项目", "合计", "一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款"]
    body = [("一、一般公共预算财政拨款", "307.82", "一、一般公共服务支出", "264.87", "264.87", "", ""),
            ("二、政府性基金预算财政拨款", "", "二、外交支出", "", "", "", ""),
            ("三、国有资本经营预算财政拨款", "", "三、国防支出", "", "", "", ""),
            ("", "", "四、公共安全支出", "", "", "", "")]

    def table(columns, rows):
        return Table(id="t1", title="财政拨款收入支出决算总表", template="T04", columns=columns, header=[columns],
                     pages=[1], rows=[Row(page=1, cells=[Cell(text=t) for t in r]) for r in rows])

    whole = table(labels, body)
    assert "columns_extra" not in structure_doubts(_scanned_doc([whole]), whole)
    for marks, doubted in ((("2", "1", "", ""), True), (("2", "", "", ""), False)):
        split = table(labels[:1] + ["L"] + labels[1:], [r[:1] + (m,) + r[1:] for r, m in zip(body, marks)])
        assert ("columns_extra" in structure_doubts(_scanned_doc([split]), split)) is doubted, marks


def test_a_column_labelled_as_another_that_no_role_takes_is_doubted():
    """Calibration gen7_007 photocopy150 公开04表: a stray line split 一般公共预算财政拨款's label band, the worn grid
    read 出/一般公共预算财政拨款 and 一般公共预算财政拨款 as two columns, one of them empty; every header label and 栏次
    number after it sat a column off, unflagged (only the identities failed, which leaves the header alone). A
    column no role takes that is labelled as another column is is ``columns_extra``, empty or not."""
    from pipeline.model import Cell, Row, Table

    labels = ["收入/项目", "收入/行次", "金额", "支出/项目", "支出/行次", "合计", "一般公共预算财政拨款",
              "政府性基金预算财政拨款", "国有资本经营预算财政拨款"]
    row = ["一、一般公共预算财政拨款", "1", "7570.66", "一、一般公共服务支出", "33", "", "", "", ""]

    def table(columns, cells):
        return Table(id="t1", title="财政拨款收入支出决算总表", template="T04", columns=columns, header=[columns],
                     pages=[1], rows=[Row(page=1, cells=[Cell(text=t) for t in cells])])

    whole = table(labels, row)
    assert "columns_extra" not in structure_doubts(_scanned_doc([whole]), whole)
    split = table(labels[:6] + ["出/一般公共预算财政拨款"] + labels[6:], row[:6] + [""] + row[6:])
    assert "columns_extra" in structure_doubts(_scanned_doc([split]), split)


def _worn_amount_labels(tmp_path) -> "Path":
    """The born-digital sample's 公开05表 page as a 200 dpi scan whose amount columns' labels (本年支出, 小计,
    基本支出, 项目支出) wore away into strokes that read as nothing of the template's (“X三”); its title and
    科目代码 | 科目名称 stay legible."""
    rgb = rasterise(DIGITAL, 200)[6]
    img = Image.fromarray(rgb)
    draw = ImageDraw.Draw(img)
    for w in text_words(DIGITAL, 200)[6]:
        if w.text in ("本年支出", "小计", "基本支出", "项目支出"):
            x0, y0, x1, y1 = w.box
            draw.rectangle((x0 - 1, y0 - 1, x1 + 1, y1 + 1), fill="white")
            draw.text((x0, y0), "乂彡", fill="black", font=cjk_font(28))
    path = tmp_path / "p7_worn_labels.png"
    img.save(path, dpi=(200, 200))
    return path


def test_a_worn_header_whose_identities_hold_leaves_the_body_unflagged_and_the_header_in_doubt(tmp_path, monkeypatch):
    """Seed-41 photocopy150's 公开05表 (jincheng, nanyang) and 公开03表 (agriculture): the title read, the columns
    the template's, the identities holding (0–4 of 59–77 failing), but the amount columns' labels too worn to
    name them — ``header_unmatched``, and every body cell flagged ``structure`` (43.5 % of the set's cells
    flagged for 0.26 % wrong). The arithmetic bears the body's columns out: the body cells are scored as any
    other, the header cells stay flagged, the warning says ``body_confirmed``."""
    from pipeline import verdict

    truth = next(t for t in TRUTH["tables"] if t["form"] == "公开05表")
    doc = extract_document(_worn_amount_labels(tmp_path))
    table = next(t for t in doc.tables if t.form == "公开05表")
    warning = next(w for w in doc.warnings if w["kind"] == "table_structure" and w["table"] == table.id)
    assert warning["reasons"] == ["header_unmatched"] and warning["body_confirmed"] and warning["failed"] == 0
    assert [[c.text for c in r.cells] for r in table.rows] == [[c["text"] for c in r["cells"]] for r in truth["rows"]]
    assert not any(STRUCTURE in c.reasons or c.review for r in table.rows for c in r.cells)
    worn = [h.cell for h in table.header_cells if h.cell.text and not any(k in h.cell.text for k in ("科目", "项目", "栏次"))]
    assert worn and all(c.review and STRUCTURE in c.reasons for c in worn)
    # without the identities' word, the whole table is in doubt
    monkeypatch.setattr(verdict, "_body_confirmed", lambda *a: False)
    doc = extract_document(_worn_amount_labels(tmp_path))
    table = next(t for t in doc.tables if t.form == "公开05表")
    assert all(STRUCTURE in c.reasons and c.review for r in table.rows for c in r.cells)


def test_a_small_table_every_amount_of_which_a_sum_holds_exactly_bears_out_its_worn_header(digital):
    """A “三公” record (公开09表: one row, four sums) has fewer identities than the ten that lift a worn header's
    doubt from a body: seed-21 photocopy150's, its 栏次 read 34 for 3 | 4, had 12 right amounts and 4 sums
    holding to the cent, and every cell in review. Exactly its template's columns, no identity failing and every
    amount in one that holds exactly bear the body out (``verdict._every_amount_checked``); a misread amount, or
    a column more, does not."""
    doc = copy.deepcopy(digital)
    for p in doc.pages:
        p.mode = "ocr"
    table = next(t for t in doc.tables if t.template == "T09")
    table.columns = ["乂彡"] * len(table.columns)  # every label worn
    for r in table.header:
        r[:] = ["乂彡" if x.strip() else x for x in r]
    _refresh(doc)
    (warning,) = [w for w in doc.warnings if w["kind"] == "table_structure" and w["table"] == table.id]
    assert warning["reasons"] == ["header_unmatched"] and warning["body_confirmed"], warning
    assert warning["checks"] < 10 and not any(STRUCTURE in c.reasons for r in table.rows for c in r.cells)

    misread = copy.deepcopy(doc)
    t = next(t for t in misread.tables if t.id == table.id)
    cell = next(c for c in t.rows[0].cells if c.value)
    cell.text, cell.value = "9" + cell.text, float("9" + cell.text.replace(",", ""))
    _refresh(misread)
    (warning,) = [w for w in misread.warnings if w["kind"] == "table_structure" and w["table"] == t.id]
    assert not warning["body_confirmed"] and all(STRUCTURE in c.reasons for r in t.rows for c in r.cells)


def test_a_slice_of_marks_under_the_code_label_goes_only_where_the_table_has_a_column_too_many():
    """``drop_stray_columns(slices_only=True)``: a column under the code column's label, blank but for marks,
    beside 3–7-digit codes in most rows, is a slice a rule's remnant cut off the code column (seed-47
    education 公开02表, ten columns for nine) — but not the 款 column of a code printed in 类 | 款 | 项 whose
    sub-labels were read as the code's label (the table then has two columns more than its roles, and one
    fewer leaves it neither), nor a column whose only marks are dashes."""
    from pipeline.model import Cell, Row, Table
    from pipeline.verdict import drop_stray_columns

    amounts = ["100.00", "60.00", "40.00", "0.00", "0.00", "0.00", "0.00"]
    labels = ["本年收入合计", "财政拨款收入", "上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入"]
    codes = ["205", "20501", "2050101", "2050199", "20502", "2050201", "2050202", "2050203"]

    def table(columns, mid: list[str], pieces: int = 1):
        rows = [Row(page=1, cells=[Cell(text=code), *[Cell(text=m) for m in (mid[i],) * pieces], Cell(text="教育"),
                                   *[Cell(text=a) for a in amounts]]) for i, code in enumerate(codes)]
        return Table(id="t1", title="收入决算表", form="公开02表", template="T02", columns=columns, pages=[1],
                     rows=rows, header=[list(columns)])

    marks = ["", "7", "", "l", "", "", "", ""]
    slice_ = table(["功能分类科目编码"] * 2 + ["科目名称"] + labels, marks)
    doc = _scanned_doc([slice_])
    assert drop_stray_columns(doc, slice_, slices_only=True) == 1 and len(slice_.columns) == 9
    assert [w["texts"] for w in doc.warnings if w["kind"] == "stray_column"] == [["7", "l", "功能分类科目编码"]]

    kuan = table(["功能分类科目编码"] * 3 + ["科目名称"] + labels, marks, pieces=2)
    assert drop_stray_columns(_scanned_doc([kuan]), kuan, slices_only=True) == 0 and len(kuan.columns) == 11
    dashes = table(["功能分类科目编码"] * 2 + ["科目名称"] + labels, ["", "-", "", "—", "", "", "", ""])
    assert drop_stray_columns(_scanned_doc([dashes]), dashes, slices_only=True) == 0
