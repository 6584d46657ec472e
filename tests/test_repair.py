"""Repair with proof on seed tables: a seeded misread is repaired only when the identities prove it."""
from __future__ import annotations

import re

import pytest

from pipeline.model import Alternative
from pipeline.repair import confusion_readings, repair_document
from pipeline.validate import validate_document

from seedtables import seed_document, seeds_dir

pytestmark = pytest.mark.skipif(not seeds_dir().exists(), reason="../shared/seeds absent")


def _table(doc, form):
    return next(t for t in doc.tables if t.form == form)


def _row(table, code):
    return next(i for i, r in enumerate(table.rows) if r.cells[0].text == code)


def test_confusion_readings_cover_the_typical_misreads():
    r = confusion_readings("1,251.09")
    assert {"7,251.09", "1,251.69", "1,261.09"} <= set(r)  # 1→7, 0→6, 5→6
    assert "11,251.09" in r  # a dropped digit, restyled with separators
    assert "1,25.09" not in r
    assert "1,251.09" in confusion_readings("1,2251.09")  # a doubled digit
    assert "1251.09" in confusion_readings("125109")  # the decimal point lost
    assert "1,251.09" in confusion_readings("1.251.09")  # a separator read as a point
    assert "1,810.01" in confusion_readings("1.810.011")  # … and a digit doubled under a seal
    # 3 ↔ 6: a worn photocopy's 6 with its loop faded (seed-21 photocopy150 公开01表: 208.66 read 208.36)
    assert "208.66" in confusion_readings("208.36") and "208.36" in confusion_readings("208.66")


def test_a_six_read_as_three_is_repaired_with_proof():
    doc = seed_document("000")
    t2 = _table(doc, "公开02表")
    ri = _row(t2, "2050302")
    cell = t2.rows[ri].cells[2]
    assert cell.text == "653.77"
    cell.text = "356.77"  # 6 read as 3, 3 as 6: two digits, no reading of one confusion proves it
    validate_document(doc)
    assert all(r["status"] != "repaired" for r in repair_document(doc))
    cell.text = "353.77"  # the 6 alone read as 3
    validate_document(doc)
    records = repair_document(doc)
    assert [(r["status"], r["to"]) for r in records] == [("repaired", "653.77")]


_MISREAD = {"1": "7", "3": "8", "8": "3", "0": "6", "6": "0", "5": "6", "7": "1", "9": "0", "2": "7", "4": "1"}


def _misread_leading_digit(text: str) -> str:
    """Change the first digit (a material change, well above the 0.02 tolerance)."""
    i = next(k for k, ch in enumerate(text) if ch.isdigit())
    return text[:i] + _MISREAD[text[i]] + text[i + 1:]


def test_seeded_confusion_is_repaired_with_proof():
    doc = seed_document("000")
    t2 = _table(doc, "公开02表")
    ri = _row(t2, "2050302")
    cell = t2.rows[ri].cells[2]
    truth = cell.text
    assert truth == "653.77"
    cell.text = "658.77"  # 3 read as 8
    validate_document(doc)
    records = repair_document(doc)
    assert [r["status"] for r in records] == ["repaired"]
    assert records[0]["from"] == "658.77" and records[0]["to"] == truth
    assert set(records[0]["rules"]) == {"T02-hierarchy", "T02-c"}
    assert cell.text == truth and cell.original == "658.77" and "repaired" in cell.reasons
    assert any(a.text == truth for a in cell.alternatives)
    assert all(c.ok for c in doc.checks) and doc.repairs == records


def test_ocr_alternative_is_applied_when_it_proves_out():
    doc = seed_document("003")
    t5 = _table(doc, "公开05表")
    ri = _row(t5, "2080505")
    cell = t5.rows[ri].cells[3]
    truth = cell.text
    cell.text = "4" + truth  # an extra leading digit, not in the confusion set as such
    cell.alternatives = [Alternative(text=truth, confidence=0.41, source="ocr")]
    records = repair_document(doc)
    assert records and records[0]["status"] == "repaired" and records[0]["to"] == truth
    assert cell.text == truth and all(c.ok for c in doc.checks)


def test_a_runner_up_with_point_separators_and_a_lost_decimal_are_proved():
    """Seed-21 lowres150 read 2,420.19 as “2,430.19” with the recogniser's runner-up “2.420.19” (points for
    the separators, as the reading itself had before it was taken) — no proof, for that runner-up was no
    number; and 185.44 as “185.4” under a seal — no candidate with two decimals was tried. The runner-up's
    slips are undone as the reading's were (proved, repaired), and a lost decimal is put back (offered among
    the readings the sums allow)."""
    doc = seed_document("000")
    t2 = _table(doc, "公开02表")
    cell = t2.rows[_row(t2, "2050303")].cells[2]
    assert cell.text == "5,375.34"
    cell.text = "5,345.34"  # 7 read as 4: no confusion of ours; the runner-up has it, printed with points
    cell.alternatives = [Alternative(text="5.375.34", confidence=0.3, source="ocr")]
    records = repair_document(doc)
    assert [(r["status"], r["to"]) for r in records] == [("repaired", "5,375.34")] and cell.text == "5,375.34"
    doc = seed_document("000")
    t2 = _table(doc, "公开02表")
    cell = t2.rows[_row(t2, "2050302")].cells[2]
    truth = cell.text
    assert truth == "653.77"
    cell.text = "653.7"  # a decimal lost: the sums hold to their 尾差 with 653.75 … 653.79; both to the cent
    records = repair_document(doc)  # (the 项's row and its 款's sum) with 653.77 alone
    assert [(r["status"], r["to"]) for r in records] == [("repaired", truth)] and cell.text == truth
    assert "653.77" in confusion_readings("653.7")


def test_readings_passing_one_sum_by_its_tail_difference_stay_ambiguous():
    """A cell in one sum only (公开06表's 30102 in Σ 301xx = 301): a lost decimal passes it with 773.21 … 773.29
    alike; that one of them adds up to the cent is no proof — a true value may miss a sum by its 尾差 — so they
    are offered and none applied."""
    doc = seed_document("000")
    t6 = _table(doc, "公开06表")
    cell = t6.rows[2].cells[2]
    assert (t6.rows[2].cells[0].text, cell.text) == ("30102", "773.25")
    cell.text = "773.2"
    records = repair_document(doc)
    assert [r["status"] for r in records] == ["ambiguous"] and "ambiguous" in cell.reasons
    assert "773.25" in [c["to"] for c in records[0]["candidates"]]


def test_two_independent_misreads_are_both_repaired():
    doc = seed_document("000")
    t3, t5 = _table(doc, "公开03表"), _table(doc, "公开05表")
    a = t3.rows[_row(t3, "2080505")].cells[3]
    b = t5.rows[_row(t5, "2101101")].cells[2]
    truth_a, truth_b = a.text, b.text
    a.text, b.text = _misread_leading_digit(truth_a), _misread_leading_digit(truth_b)
    assert a.text != truth_a and b.text != truth_b
    records = repair_document(doc)
    assert sorted(r["to"] for r in records if r["status"] == "repaired") == sorted([truth_a, truth_b])
    assert all(c.ok for c in doc.checks)


def test_two_equally_possible_readings_stay_flagged_with_both_candidates():
    doc = seed_document("003")
    t10 = _table(doc, "公开10表")
    goods = next(r for r in t10.rows if r.cells[0].text == "货物").cells[2]
    service = next(r for r in t10.rows if r.cells[0].text == "服务").cells[2]
    goods.text = "908.33"  # truth 903.33; OCR offers it, but 服务 has an equally good alternative
    goods.alternatives = [Alternative("903.33", 0.4)]
    service.alternatives = [Alternative("894.87", 0.4)]
    records = repair_document(doc)
    assert [r["status"] for r in records] == ["ambiguous"]
    assert {c["to"] for c in records[0]["candidates"]} >= {"903.33", "894.87"}
    assert goods.text == "908.33" and service.text == "899.87"  # nothing applied
    for cell in (goods, service):
        assert "ambiguous" in cell.reasons and "check_failed" in cell.reasons
    assert {a.text for a in goods.alternatives} >= {"903.33"} and {a.text for a in service.alternatives} >= {"894.87"}


def test_no_repair_without_proof():
    doc = seed_document("002")
    t1 = doc.tables[0]
    ri = next(i for i, r in enumerate(t1.rows) if r.cells[0].text == "本年收入合计")
    t1.rows[ri].cells[2].text = "2,100.00"  # no single reading explains this
    records = repair_document(doc)
    assert not [r for r in records if r["status"] == "repaired"]
    assert t1.rows[ri].cells[2].text == "2,100.00" and "check_failed" in t1.rows[ri].cells[2].reasons


def _scanned(doc):
    """The seed document as if every page were scanned (its tables read by OCR)."""
    from pipeline.model import PageInfo

    pages = sorted({p for t in doc.tables for p in t.pages})
    doc.pages = [PageInfo(number=p, mode="ocr", width=1654, height=2339, dpi=200) for p in pages]
    return doc


def _chain_misread(doc, texts):
    """公开07表 of seed 000 (合计 | 229 | 22904 | 2290402, 1,251.09 in every 小计 of one chain 类 = 款 = 项),
    its 款 … 项 小计 read as ``texts`` under one seal."""
    t7 = _table(doc, "公开07表")
    cells = [t7.rows[r].cells[4] for r in (1, 2, 3)]
    assert [c.text for c in cells] == ["1,251.09"] * 3
    for c, text in zip(cells, texts):
        c.text = text
        c.reasons = ["seal", "low_ocr"]
    return cells


def test_misreads_next_to_misreads_are_deduced_from_two_witnesses_each(monkeypatch):
    """Three cells of one chain 类 = 款 = 项 read wrong (a digit too many, two letters, a last digit): every
    identity through the middle one fails whatever it is read as, so no reading proves out on its own. Each
    cell's row (小计 = 基本 + 项目) and its balance (年末 = 年初 + 收入 − 支出) are two witnesses apart that agree,
    and the chain fails only through the neighbours read wrong: all three come back, the letters filled in
    where the digits they show agree, and every identity holds."""
    import pipeline.repair as repair

    doc = _scanned(seed_document("000"))
    cells = _chain_misread(doc, ["11,251.09", "1,251.ho", "1,251.00"])
    validate_document(doc)
    records = repair_document(doc)
    assert [c.text for c in cells] == ["1,251.09"] * 3, [r for r in records]
    assert all("repaired" in c.reasons and "format" not in c.reasons for c in cells)
    assert all(c.ok for c in doc.checks)

    # the single-reading proofs alone leave the chain as read
    doc = _scanned(seed_document("000"))
    cells = _chain_misread(doc, ["11,251.09", "1,251.ho", "1,251.00"])
    monkeypatch.setattr(repair, "deduced_proofs", lambda doc, settings=None: [])
    validate_document(doc)
    repair_document(doc)
    assert cells[1].text == "1,251.ho"


def test_a_deduction_keeps_every_digit_the_reading_shows():
    """The witnesses give 1,251.09, but the unreadable reading shows 1,257 and a 0: no deduction writes over
    digits the cell shows; a text layer's cell is never deduced."""
    doc = _scanned(seed_document("000"))
    cells = _chain_misread(doc, ["11,251.09", "1,257.h0", "1,251.00"])
    validate_document(doc)
    repair_document(doc)
    assert cells[1].text == "1,257.h0" and "check_failed" in cells[1].reasons

    doc = seed_document("000")  # no page scanned
    cells = _chain_misread(doc, ["11,251.09", "1,251.ho", "1,251.00"])
    validate_document(doc)
    repair_document(doc)
    assert cells[1].text == "1,251.ho"


def test_two_misreads_in_one_row_are_proven_together(monkeypatch):
    """Seed-21 lowres150 公开03表: one row read 1,023.93 for 1,025.93 in 本年支出合计 and 70.00 for 0.00 in 经营支出.
    Each column's sum holds with its cell read again, but the row's 合计 = 基本 + 项目 + … runs through both, so
    no reading of one cell alone makes every identity of it hold, and each has one witness only (no deduction).
    Read again together, the pair that makes every identity of both hold — the only one — is applied; with
    the pair search off, both stay as read."""
    import pipeline.repair as repair

    def misread(doc):
        t3 = _table(doc, "公开03表")
        row = t3.rows[_row(t3, "2080505")].cells
        total, business = row[2], row[6]
        assert business.text == "0.00" and total.text != "0.00"
        truth = total.text
        total.text = _misread_leading_digit(truth)
        business.text = "70.00"
        for c in (total, business):
            c.reasons = ["seal", "low_ocr"]
        validate_document(doc)
        return truth, total, business

    doc = _scanned(seed_document("000"))
    truth, total, business = misread(doc)
    records = repair_document(doc)
    assert (total.text, business.text) == (truth, "0.00"), records
    assert all("repaired" in c.reasons for c in (total, business))
    assert all(c.ok for c in doc.checks)

    doc = _scanned(seed_document("000"))
    truth, total, business = misread(doc)
    monkeypatch.setattr(repair, "pair_proofs", lambda doc, settings=None: [])
    repair_document(doc)
    assert total.text != truth and business.text == "70.00"


def test_cells_misread_alike_whose_sum_holds_between_them_are_proven_together(monkeypatch):
    """Seed-45 nanyang 公开07表 as a worn photocopy read 813.50 for 1,813.50 in 合计 and in its one 类 229 alike
    (a 1 lost to a rule's remnant in each). 合计 = 229 holds as read, so neither is a candidate of the single
    or the pair proofs, though each one's row and 229 = 22904 fail. Read again as one, the one reading that
    makes every identity of both hold — 1,251.09 here, as the column prints it — is applied to both; with
    that search off, both stay as read, flagged."""
    import pipeline.repair as repair

    def misread(doc):
        t7 = _table(doc, "公开07表")
        cells = [t7.rows[r].cells[4] for r in (0, 1)]
        assert [c.text for c in cells] == ["1,251.09"] * 2
        for c in cells:
            c.text, c.reasons = "251.09", ["seal", "low_ocr"]
        validate_document(doc)
        assert not all(c.ok for c in doc.checks)
        return cells

    doc = _scanned(seed_document("000"))
    cells = misread(doc)
    records = repair_document(doc)
    assert [c.text for c in cells] == ["1,251.09"] * 2, records
    assert all("repaired" in c.reasons for c in cells) and all(c.ok for c in doc.checks)

    doc = _scanned(seed_document("000"))
    cells = misread(doc)
    monkeypatch.setattr(repair, "alike_proofs", lambda doc, settings=None: [])
    repair_document(doc)
    assert [c.text for c in cells] == ["251.09"] * 2


def test_a_last_digit_misread_under_the_tail_difference_is_proven_to_the_cent():
    """Seed-21 lowres150 公开03表 read 18,057.43 for 18,057.45: its 类 = Σ 款, 合计 = Σ 类 and 合计 = 基本 + 项目
    all hold within their 尾差, so nothing failed and it stayed flagged. Read weakly (low_ocr), the one reading
    it may have been with which every one of them holds to the cent is proven; read surely, it is left alone
    (a true value may miss a sum by its 尾差)."""
    def misread(weak: bool):
        doc = _scanned(seed_document("000"))
        t3 = _table(doc, "公开03表")
        cell = t3.rows[_row(t3, "208")].cells[4]
        assert cell.text == "8,953.85"
        cell.text = "8,953.83"
        cell.reasons = ["low_ocr"] if weak else []
        validate_document(doc)
        assert all(c.ok for c in doc.checks)  # (within the 尾差)
        return doc, cell

    doc, cell = misread(weak=True)
    records = repair_document(doc)
    assert cell.text == "8,953.85" and "repaired" in cell.reasons, records
    doc, cell = misread(weak=False)
    repair_document(doc)
    assert cell.text == "8,953.83"


def _points_lost(doc, readings: dict[str, str]):
    """公开06表 of seed 000 with 302's 款 ``readings`` (code → text) read as on a bi-level scan under a seal."""
    t6 = _table(doc, "公开06表")
    cells = {}
    for code, text in readings.items():
        ri = next(i for i, r in enumerate(t6.rows) if r.cells[3].text == code)
        cells[code] = t6.rows[ri].cells[5]
        cells[code].text = text
        cells[code].reasons = ["seal"]
    validate_document(doc)
    return cells


def test_amounts_of_one_sum_that_lost_their_points_are_read_again_together(monkeypatch):
    """Seed-21 bilevel300 公开06表 read 472, 1475 and 25 for 4.72, 14.75 and 3.25 under a dithered seal: 302 = Σ 款
    fails by all three at once, and each 款 is in that sum only. Read again together — the points put back, one
    of them short of a digit too (174 for 17.34) — the one set of readings with which the sum holds is applied,
    and reviewed (one sum alone proves it). Every cell stays as read where two sets would do (734 for 17.34:
    the 10.00 it lacks may be the 1 of 306 read for 13.06 as well), where a fourth misread in the sum lost no
    point, and with the search switched off."""
    import pipeline.repair as repair

    lost = {"30227": "306", "30229": "18303", "30213": "174"}
    doc = _scanned(seed_document("000"))
    cells = _points_lost(doc, lost)
    records = repair_document(doc)
    assert {k: c.text for k, c in cells.items()} == {"30227": "3.06", "30229": "183.03", "30213": "17.34"}, records
    assert all({"repaired", "repair_one_check"} <= set(c.reasons) for c in cells.values())
    assert all(c.ok for c in doc.checks)

    doc = _scanned(seed_document("000"))
    cells = _points_lost(doc, {**lost, "30213": "734"})
    repair_document(doc)
    assert cells["30227"].text == "306" and cells["30213"].text == "734"

    doc = _scanned(seed_document("000"))
    cells = _points_lost(doc, {**lost, "30201": "68.02"})
    repair_document(doc)
    assert [cells[k].text for k in lost] == list(lost.values())

    doc = _scanned(seed_document("000"))
    cells = _points_lost(doc, lost)
    monkeypatch.setattr(repair, "lost_point_proofs", lambda doc, settings=None: [])
    repair_document(doc)
    assert [cells[k].text for k in lost] == list(lost.values())


def test_a_point_read_as_a_digit_is_a_reading_to_try():
    assert "591.38" in confusion_readings("591138") and "5,293.21" in confusion_readings("5,293121")


def _sealed_chain():
    """Real guihua 公开02表 as a 1-bit scan (bilevel300), as read under the seal: 220 | 22001 | 2200150 |
    2200199 with 4461.67 | 4461.67 | 4416.67 | 45.00 in 本年收入合计 and 财政拨款收入, the readings, their scores
    and the recogniser's runners-up as it gave them."""
    from pipeline.codes import assign_codes
    from pipeline.interpret import interpret_cells
    from pipeline.model import Cell, Document, PageInfo, Row, Table
    from pipeline.templates import identify_template

    def amount(text, ocr=0.999, runners_up=()):
        c = Cell(text=text, ocr_score=ocr, reasons=["seal"] + (["low_ocr"] if ocr < 0.9 else []))
        c.alternatives = [Alternative(text=t, confidence=p, source="ocr") for t, p in runners_up]
        return c

    read = [["220", "自然资源海洋气象等支出", amount("446167", 0.62), amount("1161.67", 0.85)],
            ["22001", "自然资源事务", amount("1161.67", 0.61, [("4161.67", 0.36)]), amount("4161.67", 0.898)],
            ["2200150", "事业运行", amount("4116.67", 0.924, [("4416.67", 0.11)]), amount("1116.67", 0.45)],
            ["2200199", "其他自然资源事务支出", amount("45.00"), amount("45.00", 0.8)]]
    columns = ["功能分类科目编码", "科目名称", "本年收入合计", "财政拨款收入", "上级补助收入", "事业收入", "经营收入",
               "附属单位上缴收入", "其他收入"]
    table = Table(id="t3", columns=columns, title="收入决算表", pages=[9],
                  rows=[Row(page=9, cells=[Cell(text=r[0], ocr_score=0.99), Cell(text=r[1], ocr_score=0.99), r[2],
                                           r[3]] + [Cell(text="") for _ in range(5)]) for r in read])
    doc = Document(source_path="guihua.pdf", sha256="0", page_count=9, year=2024, tables=[table],
                   pages=[PageInfo(number=9, mode="ocr", width=2480, height=3508, dpi=300)])
    identify_template(table)
    interpret_cells(table, {9})
    assign_codes(table, 2024)
    validate_document(doc)
    return doc, [[r.cells[2], r.cells[3]] for r in table.rows]


def test_proofs_that_each_hold_only_with_the_others_as_read_are_not_applied_together(monkeypatch):
    """22001 read 1161.67 | 4161.67 and 2200150 read 4116.67 | 1116.67: one digit (4461.67, 4416.67) misread
    under the seal in every cell. Each of the four had a reading its row and its column witnessed with the
    other cells as read (deduced_proofs), and applied at once they swapped the columns' misreadings; round
    after round they swapped back, and the last left 1161.67 | 1161.67 and 1116.67 | 1116.67, confirming
    each other, unflagged. Proofs of one prover that share an identity are applied together only when every
    identity each rests on holds with all of them: here none is applied, the four cells are ambiguous and
    reviewed."""
    import pipeline.repair as repair
    from pipeline.score import score_document

    doc, cells = _sealed_chain()
    repair_document(doc)
    score_document(doc)
    chain = cells[1] + cells[2]
    assert [c.text for c in chain] == ["1161.67", "4161.67", "4116.67", "1116.67"]  # as read
    assert all("ambiguous" in c.reasons and c.review for c in chain)
    assert not any(r["status"] == "repaired" for r in doc.repairs)

    # applied together whatever they say, they leave wrong readings that confirm each other
    monkeypatch.setattr(repair, "_agree", lambda group, state: True)
    doc, cells = _sealed_chain()
    repair_document(doc)
    score_document(doc)
    assert {c.text for c in cells[1] + cells[2]} <= {"1161.67", "1116.67", "4161.67", "4116.67"}
    assert any(not c.review for c in cells[1] + cells[2])


def test_no_candidate_reading_prints_three_decimals():
    """“98.841x” (98.84 with a column line's stroke and a speck after it) is no 98.841, however well every sum
    through it holds with that within its 尾差: no amount prints three decimals — neither as the recogniser's
    reading normalised nor as a confusion."""
    from pipeline.model import Cell
    from pipeline.repair import RepairSettings, _readings

    cell = Cell(text="98.841x", alternatives=[Alternative("98.841x", 0.9, "ocr"), Alternative("98.841", 0.8, "ocr"),
                                              Alternative("98.84", 0.5, "ocr")])
    readings = [text for text, _, _ in _readings(cell, RepairSettings())]
    assert "98.84" in readings and not any(re.search(r"\.\d{3}", r) for r in readings), readings
    assert not any(re.search(r"\.\d{3}", r) for r in confusion_readings("1,098.841")), confusion_readings("1,098.841")
