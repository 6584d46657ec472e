"""Validation engine on the seeds' 公开表: every identity of ANALYSIS.md §4.1–4.2 is evaluated and holds."""
from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import pytest

from pipeline.validate import validate_document

from seedtables import seed_document, seeds_dir

pytestmark = pytest.mark.skipif(not seeds_dir().exists(), reason="../shared/seeds absent")

COMMON = {"T01-a", "T01-b", "T01-c", "T01-d", "T01-e", "T02-c", "T03-c", "T04-a", "T04-b", "T04-c", "T04-d",
          "T04-e1", "T04-e2", "T04-e3", "T05-hierarchy", "T05-total", "T05-c", "T06-a", "T06-b",
          "X01-02", "X01-03", "X01-04", "X02-04", "X04-05", "X04-05b", "X05-06"}
EXPECTED_RULES = {
    "000": COMMON | {"T02-hierarchy", "T02-total", "T03-hierarchy", "T03-total", "T07-hierarchy", "T07-total",
                     "T07-row", "T07-balance", "X04-07"},
    "002": (COMMON | {"T02-total", "T03-total", "T09-决算数-a", "T09-决算数-b"}) - {"T04-b"},  # 预算 side blank
    "003": (COMMON | {"T02-hierarchy", "T02-total", "T03-hierarchy", "T03-total", "T09-预算数-a", "T09-预算数-b",
                     "T09-决算数-a", "T09-决算数-b", "T10-a", "T10-b"}) - {"T04-b"},
}


@pytest.fixture(scope="module")
def validated():
    out = {}
    for seed in EXPECTED_RULES:
        doc = seed_document(seed)
        out[seed] = (doc, validate_document(doc))
    return out


@pytest.mark.parametrize("seed", sorted(EXPECTED_RULES))
def test_every_identity_is_evaluated_and_holds(validated, seed):
    doc, checks = validated[seed]
    rules = {c.rule for c in checks}
    assert EXPECTED_RULES[seed] <= rules, sorted(EXPECTED_RULES[seed] - rules)
    bad = [(c.rule, c.description, c.actual, c.expected) for c in checks if not c.ok]
    assert not bad
    assert doc.checks is checks
    assert not any("check_failed" in c.reasons for _t, _r, _c, c in doc.cells())


def test_rounding_is_within_tolerance_not_exact(validated):
    """000 has 39 identities off by 0.01–0.02 万元 (尾差, ANALYSIS.md §6.4): they hold within tolerance."""
    _doc, checks = validated["000"]
    off = [c for c in checks if abs(c.actual - c.expected) > 1e-6]
    assert len(off) == 39
    assert all(abs(c.actual - c.expected) <= 0.02 + 1e-6 for c in off)


def test_check_counts_per_seed(validated):
    counts = {seed: len(checks) for seed, (_d, checks) in validated.items()}
    assert counts == {"000": 527, "002": 175, "003": 287}


def test_a_misread_amount_fails_its_identities_and_flags_cells(validated):
    doc = copy.deepcopy(validated["003"][0])
    t5 = [t for t in doc.tables if t.form == "公开05表"][0]
    ri = next(i for i, r in enumerate(t5.rows) if r.cells[0].text == "2080505")
    cell = t5.rows[ri].cells[3]  # 基本支出
    cell.text = str(float(cell.text) + 100)
    checks = validate_document(doc)
    failing = {c.rule for c in checks if not c.ok}
    assert {"T05-hierarchy", "T05-c"} <= failing
    assert "check_failed" in cell.reasons
    # the sibling in the same failing 款 identity is flagged; an unrelated class is not
    other = next(r for r in t5.rows if r.cells[0].text == "201")
    assert "check_failed" not in other.cells[3].reasons
    cell.text = validated["003"][0].tables[4].rows[ri].cells[3].text
    assert all(c.ok for c in validate_document(doc))
    assert not any("check_failed" in c.reasons for _t, _r, _c, c in doc.cells())


def test_cross_table_identity_catches_a_total(validated):
    doc = copy.deepcopy(validated["002"][0])
    t1 = doc.tables[0]
    ri = next(i for i, r in enumerate(t1.rows) if r.cells[0].text == "本年收入合计")
    t1.rows[ri].cells[2].text = "2,197.25"
    failing = {c.rule for c in validate_document(doc) if not c.ok}
    assert {"T01-a", "T01-c", "X01-02"} <= failing


REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real"


@pytest.mark.real
@pytest.mark.skipif(not (REAL / "juesuan").exists() or importlib.util.find_spec("pipeline.codes") is None
                    or importlib.util.find_spec("pipeline.extract") is None,
                    reason="../shared/real or the extraction stages absent")
def test_real_shanghai_juesuan_text_layer_identities_hold():
    from pipeline.extract import extract_document

    doc = extract_document(REAL / "juesuan" / "putuo-caizheng-2024-juesuan.pdf")
    assert {t.template for t in doc.tables} >= {"T01", "T02", "T03", "T04", "T05", "T06", "T09"}
    assert len(doc.checks) >= 100
    assert all(c.ok for c in doc.checks), [c.description for c in doc.checks if not c.ok]


def _t5_cell(doc, code: str, col: int):
    t5 = next(t for t in doc.tables if t.form == "公开05表")
    return next(r for r in t5.rows if r.cells[0].text == code).cells[col]


def test_a_misread_amount_is_localised_by_the_identities_that_hold(validated):
    """One misread 基本支出 fails its row (小计 = 基本 + 项目) and its column (款 = Σ 项); the other cells of those
    two sums that hold exactly in an identity of their own are vouched for and not put in doubt. 2080502's
    936.78 = 29.78 + 907.01 holds only within its 尾差 and vouches for nothing, but both failing identities
    are off by the same 100 and only the misread cell is in both: it alone explains them (a second misread
    would set one of them off by another amount), so 2080502 is not in doubt either."""
    doc = copy.deepcopy(validated["003"][0])
    cell = _t5_cell(doc, "2080505", 3)
    cell.text = str(float(cell.text) + 100)
    checks = validate_document(doc)
    assert {"T05-hierarchy", "T05-c"} <= {c.rule for c in checks if not c.ok}
    assert "check_failed" in cell.reasons
    vouched = [_t5_cell(doc, "20805", 3), _t5_cell(doc, "2080501", 3), _t5_cell(doc, "2080506", 3),
               _t5_cell(doc, "2080505", 2)]
    assert not [c.text for c in vouched if "check_failed" in c.reasons]
    assert "check_failed" not in _t5_cell(doc, "2080502", 3).reasons
    assert [c for c in checks if not c.ok and c.rule == "T05-hierarchy"]


def test_two_misreads_that_agree_vouch_for_nothing(validated):
    """基本支出 and 小计 of one row both misread by the same amount: the row's sum holds (wrongly), but its other
    cells fail the columns' sums, so it vouches for neither: both misread cells stay in doubt, with their
    sibling 项 cells (the 款 cells are vouched for by the class sum above them)."""
    doc = copy.deepcopy(validated["003"][0])
    for col in (2, 3):
        cell = _t5_cell(doc, "2080505", col)
        cell.text = str(float(cell.text.replace(",", "")) + 100)
    checks = validate_document(doc)
    assert {c.rule for c in checks if not c.ok} == {"T05-hierarchy"}
    for code in ("2080501", "2080502", "2080505", "2080506"):
        assert all("check_failed" in _t5_cell(doc, code, col).reasons for col in (2, 3)), code


def _expense(doc, label: str):
    t01 = next(t for t in doc.tables if t.form == "公开01表")
    return next(r.cells[5] for r in t01.rows if r.cells[3].text.endswith(label))


def test_one_misread_that_explains_every_failing_identity_is_blamed_alone(validated):
    """A 类 amount of 公开01表 misread by 0.05 (214.64 for 214.69, seed-21 lowres150) fails 本年支出合计 = Σ 类
    (27 cells, none vouched for: the 类 rows' other identities are 2-cell equalities with 公开03表) and its
    row against 公开03表, both off by 0.05: only that cell explains both, so only it is put in doubt — the
    other 类 amounts are not flagged, and repair does not call them candidates (0.00 → 0.05 would make the sum
    hold, not the cross-table row)."""
    from pipeline.repair import repair_document

    doc = copy.deepcopy(validated["003"][0])
    cell = _expense(doc, "卫生健康支出")
    cell.text = f"{float(cell.text) - 0.05:.2f}"
    checks = validate_document(doc)
    failing = [c for c in checks if not c.ok]
    assert {c.rule for c in failing} == {"T01-b", "X01-03"}, [(c.rule, c.expected, c.actual) for c in failing]
    t01 = next(t for t in doc.tables if t.form == "公开01表")
    doubted = [r.cells[3].text for r in t01.rows if "check_failed" in r.cells[5].reasons]
    assert doubted == ["九、卫生健康支出"]
    repair_document(doc)
    assert not [r.cells[3].text for r in t01.rows if "ambiguous" in r.cells[5].reasons
                and r.cells[3].text != "九、卫生健康支出"]


def test_two_misreads_are_not_explained_by_one(validated):
    """The same misread and a second one in another 类 row (no 公开03表 row to check it against is needed:
    the sum is then off by 0.05 + 1.00, its cross-table row by 0.05): no single cell explains both failing
    identities, so every cell of the sum stays in doubt — the second misread is among them."""
    doc = copy.deepcopy(validated["003"][0])
    cell = _expense(doc, "卫生健康支出")
    cell.text = f"{float(cell.text) - 0.05:.2f}"
    other = _expense(doc, "教育支出")
    other.text = f"{float(other.text) + 1:.2f}"
    checks = validate_document(doc)
    assert {"T01-b"} <= {c.rule for c in checks if not c.ok}
    assert "check_failed" in other.reasons and "check_failed" in cell.reasons
    t01 = next(t for t in doc.tables if t.form == "公开01表")
    assert sum("check_failed" in r.cells[5].reasons for r in t01.rows) >= 20


def test_a_second_small_misread_is_not_explained_away(validated):
    """The 0.05 misread and a second one of 0.01 in another 类 row (its own row against 公开03表 holds within the
    尾差): the sum is off by 0.07 (its printed 尾差 of 0.01 included), the first misread's row by 0.05 — more
    than half a 尾差 apart, so the first does not explain the sum and every cell of it stays in doubt."""
    doc = copy.deepcopy(validated["003"][0])
    cell = _expense(doc, "卫生健康支出")
    cell.text = f"{float(cell.text) - 0.05:.2f}"
    other = _expense(doc, "教育支出")
    other.text = f"{float(other.text) - 0.01:.2f}"
    validate_document(doc)
    assert "check_failed" in other.reasons


def test_an_ambiguous_misread_blames_its_candidates_not_every_clean_reading(validated):
    """公开06表's 301 = Σ 301xx (seed-21 lowres150: 302 = Σ 302xx, 28 cells, 38.33 read for 36.33, the
    recogniser's runner-up 36.33): no row identity vouches for a 301xx amount, so a failing column sum put
    every one of its cells in doubt. The repair finds the one-character misreads that would each make it hold
    (31.23 → 31.28 the recogniser's own runner-up, 547.93 → 547.98 …, ambiguous): those are blamed, and so is
    a reading in doubt on its own (a low OCR score), but not the clean readings. Where no candidate is the
    recogniser's runner-up the confusion table alone does not say where the misread is (58.00 read sure as
    55.00 would be explained as well by any clean 1 read for a 4): every cell stays in doubt."""
    from pipeline.model import Alternative
    from pipeline.repair import repair_document

    def misread(runner_up: bool):
        doc = copy.deepcopy(validated["003"][0])
        t06 = next(t for t in doc.tables if t.form == "公开06表")
        col = [r.cells[2] for r in t06.rows[1:14]]  # 30101 … 30199
        cell = next(c for c in col if c.text == "31.28")
        cell.text = "31.23"
        if runner_up:
            cell.ocr_score, cell.alternatives = 0.7, [Alternative("31.28", 0.3, "ocr")]
        weak = next(c for c in col if c.text == "3137.74")
        weak.ocr_score = 0.6  # read in doubt on its own
        repair_document(doc)
        return doc, col, cell, weak

    doc, col, cell, weak = misread(runner_up=True)
    assert "ambiguous" in cell.reasons and "check_failed" in cell.reasons
    candidates = [c for c in col if "ambiguous" in c.reasons]
    assert 2 <= len(candidates) < len([c for c in col if c.text])
    assert "check_failed" in weak.reasons
    clean = [c.text for c in col if c.text and c not in candidates and c is not weak]
    assert clean and not [c.text for c in col if c.text in clean and "check_failed" in c.reasons]
    # without the repair's candidates the sum cannot tell: its clean readings are in doubt too
    doc.repairs = []
    validate_document(doc)
    assert all("check_failed" in c.reasons for c in col if c.text in clean)
    # candidates from the confusion table alone: no cell of the sum is cleared
    doc, col, cell, weak = misread(runner_up=False)
    assert "ambiguous" in cell.reasons
    assert all("check_failed" in c.reasons for c in col if c.text in clean)


def test_a_garbled_reading_blames_itself_not_every_clean_reading(validated):
    """公开06表's 301 = Σ 301xx with one amount read as strokes (“11一”, flagged ``format``: it counts as 0 and
    fails the sum by itself — real caizheng 302 = Σ 302xx as a worn photocopy, 28 cells in review): it and the
    readings in doubt on their own are blamed, not the clean ones — where a positive amount in its place would
    make the sum hold. Read as a clean wrong amount instead, nothing explains the failure and every cell stays in
    doubt."""
    doc = copy.deepcopy(validated["003"][0])
    t06 = next(t for t in doc.tables if t.form == "公开06表")
    col = [r.cells[2] for r in t06.rows[1:14]]  # 30101 … 30199
    cell = next(c for c in col if c.text == "31.28")
    cell.text = "11一"
    cell.add_reason("format")
    weak = next(c for c in col if c.text == "3137.74")
    weak.ocr_score = 0.6
    # (a side of its cell inferred, no rule seen — on a worn photocopy most cells' — is no doubt about its reading)
    next(c for c in col if c.text and c is not cell and c is not weak).add_reason("rule_missing")
    validate_document(doc)
    assert "check_failed" in cell.reasons and "check_failed" in weak.reasons
    clean = [c for c in col if c.text and c is not cell and c is not weak]
    assert clean and not [c.text for c in clean if "check_failed" in c.reasons]
    # where no positive amount in its place would make the sum hold (a clean reading 1000.00 too high), it
    # does not explain the failure: the clean readings stay in doubt
    big = clean[0]
    big.text = f"{float(big.text.replace(',', '')) + 1000:.2f}"
    validate_document(doc)
    assert all("check_failed" in c.reasons for c in clean)
    cell.text = "31.23"
    cell.reasons.remove("format")
    validate_document(doc)
    assert all("check_failed" in c.reasons for c in clean)


def test_a_speck_read_as_a_number_in_a_column_of_amounts_blames_itself(validated):
    """公开06表's 301 = Σ 301xx with a blank cell holding a speck read “1” (a lost rule's remnant: real caizheng
    公开04表 as a worn photocopy, “2” in its blank 国有资本经营 column, 23 clean cells of the column's sum in review):
    in a column printing two decimals a bare one- or two-digit reading is no amount; where the sum holds with it
    blank, it and the readings in doubt on their own are blamed, not the clean ones. Where the sum fails with
    it blank too, every cell stays in doubt."""
    doc = copy.deepcopy(validated["003"][0])
    t06 = next(t for t in doc.tables if t.form == "公开06表")
    col = [r.cells[2] for r in t06.rows[1:14]]  # 30101 … 30199
    speck = next(c for c in col if c.text in ("", "0.00"))
    speck.text = "1"
    validate_document(doc)
    clean = [c for c in col if c.text and c is not speck]
    assert "check_failed" in speck.reasons
    assert clean and not [c.text for c in clean if "check_failed" in c.reasons]
    big = clean[0]
    big.text = f"{float(big.text.replace(',', '')) + 1000:.2f}"  # a clean misread elsewhere in the sum
    validate_document(doc)
    assert all("check_failed" in c.reasons for c in clean)


@pytest.mark.parametrize("seed", sorted(EXPECTED_RULES))
def test_an_income_item_read_without_its_ordinal_stays_in_its_sum(validated, seed):
    """公开04表's 本年收入合计 = Σ the numbered items above it: an item whose 一、 was lost on a scan (seed-21
    lowres150 read 一般公共预算财政拨款 under the watermark) is still one of them, by its name; the sum holds."""
    doc = copy.deepcopy(validated[seed][0])
    t4 = next(t for t in doc.tables if t.form == "公开04表")
    cell = next(r.cells[0] for r in t4.rows if r.cells[0].text.endswith("一般公共预算财政拨款"))
    assert cell.text.startswith("一、")
    cell.text = cell.text[2:]
    checks = validate_document(doc)
    assert [c.ok for c in checks if c.rule == "T04-a"] == [True]


def test_a_code_cell_run_into_the_next_rows_keeps_its_rows_in_the_econ_sums(validated):
    """公开06表 on a worn photocopy (seed-21 photocopy150): the rule between 30101 and 30102 lost in the narrow
    code column only, the code cell read “3010130102” over 基本工资 and 津贴补贴, the cell below blank. The code
    matcher gives both rows their codes by their names, but 301 = Σ 301xx took its rows from the code cells'
    digits: both rows were left out, the sum failed by their amounts, and every cell of it was in doubt. A row
    of a block whose code cell reads no code takes the code the matcher gave it in that block's column."""
    from pipeline.codes import assign_codes

    doc = copy.deepcopy(validated["000"][0])
    t06 = next(t for t in doc.tables if t.form == "公开06表")
    first = next(i for i, r in enumerate(t06.rows) if r.cells[0].text == "30101")
    assert t06.rows[first + 1].cells[0].text == "30102"
    t06.rows[first].cells[0].text, t06.rows[first + 1].cells[0].text = "3010130102", ""
    for r in t06.rows:
        r.codes = []
    assign_codes(t06, doc.year)
    assert [m.code for m in t06.rows[first].codes if m.column == 0] == ["30101"]
    checks = validate_document(doc)
    (sum301,) = [c for c in checks if c.table == t06.id and c.description.startswith("301 = Σ")]
    assert sum301.ok and (t06.id, first, 2) in sum301.cells and (t06.id, first + 1, 2) in sum301.cells, sum301
