"""Confidence and review flags: identities raise or lower confidence; a reviewer's correction that makes
the identities hold unflags the cells flagged only because of them."""
from __future__ import annotations

import pytest

from pipeline.model import Cell
from pipeline.score import FALLBACK, features, load_model, score_document
from pipeline.validate import validate_document

from seedtables import seed_document, seeds_dir

pytestmark = pytest.mark.skipif(not seeds_dir().exists(), reason="../shared/seeds absent")


def _t5(doc):
    return next(t for t in doc.tables if t.form == "公开05表")


def test_confirmed_cells_score_higher_than_uncovered_and_failing_lower():
    model = FALLBACK
    cell = Cell(text="1,251.09", ocr_score=0.8)
    p_none = model.probability(features(cell, 0, 0))
    p_one = model.probability(features(cell, 1, 0))
    p_two = model.probability(features(cell, 2, 0))
    p_fail = model.probability(features(cell, 2, 1))
    assert p_fail < p_none < p_one < p_two
    bad = Cell(text="1,2,51.09", ocr_score=0.8)
    assert model.probability(features(bad, 0, 0)) < p_none  # malformed separators


def test_seed_text_cells_are_confident_and_unflagged():
    doc = seed_document("002")
    validate_document(doc)
    score_document(doc)
    cells = [c for _t, _r, _c, c in doc.cells()]
    assert cells and not any(c.review for c in cells)
    assert min(c.confidence for c in cells) >= load_model().threshold


def _row_2080505(code: str = "2080505"):
    """Seed 003's 公开05表 with its 2080505 row read by OCR at 0.97 a character: (doc, table, row index, row)."""
    doc = seed_document("003")
    t5 = _t5(doc)
    ri = next(i for i, r in enumerate(t5.rows) if r.cells[0].text == code)
    row = t5.rows[ri]
    for c in row.cells:
        c.ocr_score = 0.97
    return doc, t5, ri, row


def _misread(cell) -> str:
    """Misread the cell's first digit (3 → 8, else → 8); returns the printed text."""
    truth = cell.text
    cell.text = "8" + truth[1:] if truth[0] != "8" else "3" + truth[1:]
    cell.ocr_score = 0.55
    cell.add_reason("low_ocr")
    return truth


def test_correction_unflags_cells_flagged_only_by_the_failing_identity():
    """基本支出 and 项目支出 of one row both misread: the row's sum is off by both errors, each column's sum by
    one, so no single cell explains the failing identities and the other cells of those sums are in doubt too.
    The reviewer corrects the two cells; validation and scoring run again and the others are unflagged."""
    doc, t5, ri, row = _row_2080505("2080109")  # 766.30 = 597.17 + 169.13
    truths = {col: _misread(row.cells[col]) for col in (3, 4)}
    validate_document(doc)
    score_document(doc)
    flagged = {(t.id, r, c) for t, r, c, cell in doc.cells() if cell.review}
    assert {(t5.id, ri, 3), (t5.id, ri, 4)} <= flagged
    neighbours = flagged - {(t5.id, ri, 3), (t5.id, ri, 4)}
    assert neighbours  # the other cells of the failing identities
    assert all("check_failed" in doc.table(t).rows[r].cells[c].reasons for t, r, c in neighbours)
    # the reviewer corrects the cells; the review UI re-runs validation and scoring
    for col, truth in truths.items():
        cell = row.cells[col]
        cell.original, cell.text = cell.text, truth
        cell.add_reason("corrected")
    validate_document(doc)
    score_document(doc)
    assert all(row.cells[col].confidence == 1.0 and not row.cells[col].review for col in truths)
    assert not any(doc.table(t).rows[r].cells[c].review for t, r, c in neighbours)
    assert all(c.ok for c in doc.checks)


def test_one_misread_is_flagged_alone():
    """One misread 基本支出 fails its row and its column, both off by the misread's error: it alone explains
    them, so it alone is flagged (validate.blamed_cells)."""
    doc, t5, ri, row = _row_2080505()
    _misread(row.cells[3])
    validate_document(doc)
    score_document(doc)
    assert {c.rule for c in doc.checks if not c.ok} == {"T05-hierarchy", "T05-c"}
    assert [(t.id, r, c) for t, r, c, cell in doc.cells() if cell.review] == [(t5.id, ri, 3)]


def test_a_misread_in_a_table_named_by_its_title_alone_is_flagged_alone():
    """The same misread in a 公开05表 whose 公开05表 was lost (seed-45 photocopy150 police: 财政拨款收入支出决算总表
    read, its number worn under the watermark, 53 right cells of its failing sums in review): its title names it,
    so the misread is still flagged alone. A grid that neither its number nor a title names (a piece of a table)
    may hold right sums in wrong places: every cell of the two failing identities stays in doubt."""
    doc, t5, ri, row = _row_2080505()
    _misread(row.cells[3])
    t5.form = ""
    validate_document(doc)
    score_document(doc)
    assert t5.title and t5.template == "T05"
    assert [(t.id, r, c) for t, r, c, cell in doc.cells() if cell.review] == [(t5.id, ri, 3)]
    t5.title = ""
    validate_document(doc)
    score_document(doc)
    failing = {tuple(ref) for c in doc.checks if not c.ok for ref in c.cells}
    assert len(failing) > 2 and all(doc.table(t).rows[r].cells[c].review for t, r, c in failing)


def test_an_identity_holding_only_within_its_tolerance_confirms_nothing():
    """A last digit misread by 2 (“…3” for “…5”) still satisfies every sum it is in within the 0.02 万元
    尾差: such a near miss is no proof of the reading — the cell is not confirmed by it (nor failed), so its
    confidence is its OCR evidence alone, well below a cell the same sums confirm exactly."""
    from pipeline.score import cell_features

    doc, t5, ri, row = _row_2080505()
    validate_document(doc)
    covering = [c for c in doc.checks if (t5.id, ri, 3) in [tuple(x) for x in c.cells]]
    assert covering and all(c.ok and c.expected == pytest.approx(c.actual, abs=1e-6) for c in covering)
    exact = cell_features(doc)[(t5.id, ri, 3)]
    assert exact["confirmed2"] == 1.0
    text = row.cells[3].text
    last = text[-1]
    row.cells[3].text = text[:-1] + str(int(last) + 2 if int(last) <= 7 else int(last) - 2)
    validate_document(doc)
    covering = [c for c in doc.checks if (t5.id, ri, 3) in [tuple(x) for x in c.cells]]
    assert all(c.ok for c in covering)  # every sum still holds, within its tolerance
    near = cell_features(doc)[(t5.id, ri, 3)]
    assert near["confirmed1"] == near["confirmed2"] == near["failed"] == 0.0
    model = load_model()
    assert model.probability(near) < model.probability(exact)
    # a doubtful reading (low_ocr) in such a near miss is flagged; confirmed exactly it would not be
    row.cells[3].ocr_score = 0.85
    row.cells[3].add_reason("low_ocr")
    score_document(doc)
    assert row.cells[3].review and "near_miss" in row.cells[3].reasons
    assert not any(c.review for i, c in enumerate(row.cells) if i != 3 and "low_ocr" not in c.reasons)
    row.cells[3].text = text
    validate_document(doc)
    score_document(doc)
    assert not row.cells[3].review and "near_miss" not in row.cells[3].reasons


def test_a_guessed_reading_no_identity_confirms_is_reviewed():
    """seed-21 bilevel300 公开04表: a seal's speck in an empty cell read as “2” with OCR score 0.0 (and one in
    an empty label cell as “机”, 0.51) came out at confidence 0.97, unflagged — no identity covered them."""
    from pipeline.model import CodeMatch, Document, PageInfo, Row, Table

    speck = Cell(text="2", ocr_score=0.0, reasons=["low_ocr"])
    char = Cell(text="机", ocr_score=0.51, reasons=["low_ocr"])
    sure = Cell(text="1,251.09", ocr_score=0.999)
    word = Cell(text="行政运行", ocr_score=0.55, reasons=["low_ocr"])  # a word, not a lone character
    table = Table(id="t1", columns=["项目", "金额"], pages=[1],
                  rows=[Row(page=1, cells=[char, speck]), Row(page=1, cells=[word, sure])])
    doc = Document(source_path="x.png", sha256="0", page_count=1,
                   pages=[PageInfo(number=1, mode="ocr", width=100, height=100, dpi=200)], tables=[table])
    code = Cell(text="2050101", ocr_score=0.0, reasons=["low_ocr"])  # a weak code its row's name confirms
    table.rows.append(Row(page=1, cells=[code, Cell(text="行政运行")],
                          codes=[CodeMatch(column=0, code="2050101", name="行政运行", score=1.0, source="printed")]))
    score_document(doc)
    assert speck.review and char.review
    assert not sure.review and not code.review
    # the same readings from a text layer are what was printed
    doc.pages[0].mode = "text"
    score_document(doc)
    assert not speck.review


def test_a_code_repaired_from_the_catalogue_is_not_vouched_for_by_its_name():
    """seed-41 education 公开03表 as a photocopy: 3060101 read at 0.68 (a side of its cell inferred), repaired from
    the catalogue to 2060101 — whose name, 行政运行, the row's name is, so the code and name paired by
    construction — was vouched for by its name and came out unflagged, though the print was 2050101. A code
    read as printed is vouched for so; one the catalogue put there is not."""
    from pipeline.model import CodeMatch, Document, PageInfo, Row, Table

    def scored(reasons: list[str]) -> Cell:
        code = Cell(text="2060101", ocr_score=0.68, reasons=list(reasons))
        table = Table(id="t1", columns=["功能分类科目编码", "科目名称"], pages=[1], template="T03",
                      rows=[Row(page=1, cells=[code, Cell(text="行政运行", ocr_score=0.999)],
                                codes=[CodeMatch(column=0, code="2060101", name="行政运行", score=1.0,
                                                 source="printed")])])
        score_document(Document(source_path="x.png", sha256="0", page_count=1, tables=[table],
                                pages=[PageInfo(number=1, mode="ocr", width=100, height=100, dpi=200)]))
        return code

    assert not scored(["low_ocr", "rule_missing"]).review  # read so: its name vouches for it
    assert scored(["low_ocr", "rule_missing", "code_repaired", "repaired"]).review


def test_a_speck_read_as_zero_is_reviewed_though_its_sums_hold():
    """Real putuo 决算 as a bilevel300 scan: a seal's speck in an empty 对附属单位补助支出 cell read “0” at OCR
    0.19 came out at confidence 0.999, unflagged — its column's sums held and confirmed it. A sum confirms a
    value, and 0 is the value of the blank cell the speck lies in: it proves no “0”."""
    from pipeline.model import Check, Document, PageInfo, Row, Table

    def doc_with(cell: Cell) -> Document:
        table = Table(id="t1", columns=["项目", "合计", "甲", "乙"], pages=[1],
                      rows=[Row(page=1, cells=[Cell(text="合计"), Cell(text="5.00", ocr_score=0.999),
                                               Cell(text="5.00", ocr_score=0.999), cell])])
        refs = [("t1", 0, 1), ("t1", 0, 2), ("t1", 0, 3)]
        checks = [Check(rule="row_sum", table="t1", ok=True, expected=5.0, actual=5.0, cells=refs),
                  Check(rule="cross", table="t1", ok=True, expected=5.0, actual=5.0, cells=refs)]
        return Document(source_path="x.png", sha256="0", page_count=1, checks=checks,
                        pages=[PageInfo(number=1, mode="ocr", width=100, height=100, dpi=200)], tables=[table])

    zero = Cell(text="0", value=0.0, ocr_score=0.19, reasons=["watermark", "low_ocr"])
    score_document(doc_with(zero))
    assert zero.review and zero.confidence <= 0.5
    # a weak lone digit of another value the same sums confirm is trusted, as before
    four = Cell(text="4", value=4.0, ocr_score=0.19, reasons=["watermark", "low_ocr"])
    score_document(doc_with(four))
    assert not four.review


def test_an_identity_a_repair_made_hold_confirms_none_of_its_cells():
    """A form's unreadable 得分 given the value its 总分 wants (repair: ``repair_one_check``) makes 总分 = Σ 得分
    hold by construction: that sum must not confirm the other 得分 — a weak “8” under the seal (truly 6) was
    lifted by it out of review."""
    from pipeline.model import Check, Document, PageInfo, Row, Table

    filled = Cell(text="10", value=10.0, ocr_score=0.0, reasons=["repaired", "repair_one_check"])
    weak = Cell(text="8", value=8.0, ocr_score=0.3, reasons=["seal", "low_ocr"])
    total = Cell(text="28", value=28.0, ocr_score=0.999)
    table = Table(id="t1", columns=["项目", "得分"], pages=[1],
                  rows=[Row(page=1, cells=[Cell(text="产出"), filled]), Row(page=1, cells=[Cell(text="效益"), weak]),
                        Row(page=1, cells=[Cell(text="效果"), Cell(text="10", value=10.0, ocr_score=0.999)]),
                        Row(page=1, cells=[Cell(text="总分"), total])])
    refs = [("t1", 0, 1), ("t1", 1, 1), ("t1", 2, 1), ("t1", 3, 1)]
    doc = Document(source_path="x.png", sha256="0", page_count=1,
                   checks=[Check(rule="total", table="t1", ok=True, expected=28.0, actual=28.0, cells=refs)],
                   pages=[PageInfo(number=1, mode="ocr", width=100, height=100, dpi=200)], tables=[table])
    score_document(doc)
    assert weak.review and filled.review
    doc.checks[0].cells = refs[1:]  # the same sum without a cell a repair made: it confirms the weak reading
    filled.reasons = []
    score_document(doc)
    assert not weak.review


def test_a_sum_through_a_seals_strokes_confirms_none_of_its_cells():
    """Seed-45 agriculture 公开10表 as a worn photocopy: a seal over 政府采购's column, 货物 2 read as the ring's
    stroke “1” and 工程 blank read “1” too; 合计 12 read for 7 — 12 = 1 + 1 + 5 + 5 held, three wrong cells
    unflagged. A sum through two cells under a seal read as its strokes (“1”, “11”, or emptied of them) holds by
    chance as easily as by right: it confirms none of its cells. Through one such cell it confirms as before."""
    from pipeline.model import Check, Document, PageInfo, Row, Table

    def doc_with(*cells: Cell) -> Document:
        total = Cell(text="12.00", value=12.0, ocr_score=0.999)
        rows = [Row(page=1, cells=[Cell(text="合计"), total])]
        rows += [Row(page=1, cells=[Cell(text=f"项{i}"), c]) for i, c in enumerate(cells)]
        table = Table(id="t1", columns=["项目", "统计数"], pages=[1], rows=rows)
        refs = [("t1", i, 1) for i in range(len(rows))]
        return Document(source_path="x.png", sha256="0", page_count=1,
                        checks=[Check(rule="total", table="t1", ok=True, expected=12.0, actual=12.0, cells=refs)],
                        pages=[PageInfo(number=1, mode="ocr", width=100, height=100, dpi=200)], tables=[table])

    def stroke() -> Cell:
        return Cell(text="1", value=1.0, ocr_score=0.9, reasons=["seal"])

    def five(*reasons: str) -> Cell:
        return Cell(text="5.00", value=5.0, ocr_score=0.97, reasons=list(reasons))

    cells = (stroke(), stroke(), five("seal"), five())
    score_document(doc_with(*cells))
    # every amount under the seal is unchecked: in review
    assert [c.review for c in cells] == [True, True, True, False]
    assert all("seal_unchecked" in c.reasons for c in cells[:3])
    emptied = Cell(text="", ocr_score=0.9, reasons=["seal", "format_normalised"])
    cells = (stroke(), emptied, five("seal"), Cell(text="6.00", value=6.0, ocr_score=0.97))
    score_document(doc_with(*cells))
    assert cells[0].review and cells[2].review
    cells = (stroke(), Cell(text="1.00", value=1.0, ocr_score=0.97, reasons=["seal"]), five("seal"), five())
    score_document(doc_with(*cells))  # (one stroke: the sum checks and confirms its cells)
    assert not any(c.review for c in cells) and not any("seal_unchecked" in c.reasons for c in cells)


def test_the_one_reading_two_sums_are_off_by_alike_is_reviewed():
    """Seed-45 nanyang 公开02表 as a worn photocopy: 189.33 read for 189.35 under 财政拨款收入, read well. Its row
    (本年收入合计 189.35 = 189.33 + 0.00 …) and its 款's column (20805 = Σ 项) both hold within their 尾差 only,
    0.02 off: unflagged. The cell both sums miss alike is in review (``near_miss``); a cell in one such sum
    is not, nor are they on a page read from its text layer."""
    from pipeline.model import Check, Document, PageInfo, Row, Table

    def cell(text: str) -> Cell:
        return Cell(text=text, value=float(text), ocr_score=0.99)

    rows = [["1000.00", "1000.00"], ["810.65", "810.65"], ["189.35", "189.33"]]  # 合计 | 财政拨款收入
    table = Table(id="t1", columns=["本年收入合计", "财政拨款收入"], pages=[1],
                  rows=[Row(page=1, cells=[cell(a), cell(b)]) for a, b in rows])
    checks = [Check(rule="row", table="t1", ok=True, expected=189.35, actual=189.33, cells=[("t1", 2, 0), ("t1", 2, 1)]),
              Check(rule="column", table="t1", ok=True, expected=1000.00, actual=999.98,
                    cells=[("t1", 0, 1), ("t1", 1, 1), ("t1", 2, 1)]),
              Check(rule="column", table="t1", ok=True, expected=1000.00, actual=1000.00,
                    cells=[("t1", 0, 0), ("t1", 1, 0), ("t1", 2, 0)]),
              Check(rule="row", table="t1", ok=True, expected=810.65, actual=810.65, cells=[("t1", 1, 0), ("t1", 1, 1)])]
    doc = Document(source_path="x.png", sha256="0", page_count=1, checks=checks, tables=[table],
                   pages=[PageInfo(number=1, mode="ocr", width=100, height=100, dpi=200)])
    score_document(doc)
    misread = table.rows[2].cells[1]
    assert misread.review and "near_miss" in misread.reasons
    assert not any(c.review for r in table.rows for c in r.cells if c is not misread)
    doc.pages[0].mode = "text"
    score_document(doc)
    assert "near_miss" not in misread.reasons


def test_an_amount_under_a_seal_no_identity_checks_is_reviewed():
    """Calibration gen7_018 bilevel300 公开10表: (二)参照公务员法管理事业单位 read 1209.24 for 209.24 under a seal
    (its edge read as a leading 1) at confidence 0.998, unflagged — the 机关运行经费 items add up to nothing
    printed. An amount read under a seal that no identity checks is reviewed (``seal_unchecked``); one an
    identity checks, or one without a seal, is not; a text layer's is what was printed."""
    doc = seed_document("003")
    from pipeline.model import PageInfo

    doc.pages = [PageInfo(number=p, mode="ocr", width=1654, height=2339, dpi=200)
                 for p in sorted({p for t in doc.tables for p in t.pages})]
    t10 = next(t for t in doc.tables if t.form == "公开10表")
    row = next(r for r in t10.rows if "参照公务员法管理事业单位" in r.cells[0].text)
    total = next(r for r in t10.rows if r.cells[0].text.strip() == "合计")  # 政府采购 合计 = 货物 + 工程 + 服务
    unchecked, checked = row.cells[2], total.cells[2]
    assert unchecked.value is not None and checked.value is not None
    validate_document(doc)
    assert not any(c.ok is False for c in doc.checks)
    score_document(doc)
    assert not unchecked.review and not checked.review  # (no seal over them)
    for cell in (unchecked, checked):
        cell.reasons.append("seal")
    score_document(doc)
    assert unchecked.review and "seal_unchecked" in unchecked.reasons
    assert not checked.review and "seal_unchecked" not in checked.reasons
    for p in doc.pages:
        p.mode = "text"
    score_document(doc)
    assert not unchecked.review and "seal_unchecked" not in unchecked.reasons
