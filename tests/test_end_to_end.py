"""End to end on the committed samples: a scanned, sealed, watermarked 部门决算 checked cell by cell
against its ground truth, and a born-digital one with the watermark drawn as text objects."""
from __future__ import annotations

import json

import jsonschema
import pytest

import copy

from pipeline.evaluate import score_document
from pipeline.extract import extract_document
from pipeline.model import Alternative
from pipeline.repair import repair_document
from pipeline.score import score_document as score_cells
from pipeline.validate import validate_document
from tests.conftest import ROOT, SAMPLES

SCHEMA = json.loads((ROOT / "models" / "schema" / "document-1.schema.json").read_text(encoding="utf-8"))


def _truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.truth.json").read_text(encoding="utf-8"))


def _rows_by_label(table: dict, col: int) -> dict[str, dict]:
    return {r["cells"][col]["text"]: r for r in table["rows"]}


SCAN = "s02_jincheng_rs_2024_skew200"


@pytest.fixture(scope="module")
def scanned_doc():
    return extract_document(SAMPLES / f"{SCAN}.pdf")


@pytest.fixture
def scanned(scanned_doc):
    return scanned_doc.to_dict(), _truth(SCAN)


def test_scan_tables_values_and_flags(scanned):
    pred, truth = scanned
    jsonschema.validate(pred, SCHEMA)
    assert {p["mode"] for p in pred["pages"]} == {"ocr"}
    assert pred["document"] == {"authority": "晋城市人力资源和社会保障局", "year": 2024, "kind": "部门决算"}
    assert [(t["form"], t["pages"]) for t in pred["tables"]] == [(t["form"], t["pages"]) for t in truth["tables"]]
    # real values, cell by cell, on the 收入支出决算总表 under a seal and a watermark
    t01 = _rows_by_label(pred["tables"][0], 0)
    assert t01["本年收入合计"]["cells"][2]["value"] == 38666.33
    assert t01["总计"]["cells"][2]["value"] == t01["总计"]["cells"][5]["value"] == 38855.16
    assert t01["年初结转和结余"]["cells"][2]["value"] == 188.83
    score = score_document(truth, pred)
    assert score.matched_tables == score.truth_tables == 6
    assert score.right_numeric / score.numeric_cells >= 0.97
    assert score.right_cells / score.truth_cells >= 0.98
    # the wrong cells that remain are sent to a reviewer (at most a few slip through)
    wrong_unflagged = [c for c in score.predicted if not c.correct and not c.review]
    assert len(wrong_unflagged) <= 3
    cells = [c for t in pred["tables"] for r in t["rows"] for c in r["cells"]]
    assert any("seal" in c["reasons"] for c in cells)
    assert not any("审核" in c["text"] or "仅供" in c["text"] for c in cells)


def test_born_digital_watermark_never_reaches_cells():
    name = "s03_education_2024_digital_wm"
    doc = extract_document(SAMPLES / f"{name}.pdf")
    pred, truth = doc.to_dict(), _truth(name)
    assert {p["mode"] for p in pred["pages"]} == {"text"}
    texts = [c["text"] for t in pred["tables"] for r in t["rows"] for c in r["cells"]]
    texts += [t["title"] for t in pred["tables"]] + [n for t in pred["tables"] for n in t["notes"]]
    assert not any(ch in x for x in texts for ch in "仅供审核")
    score = score_document(truth, pred)
    assert score.matched_tables == score.truth_tables == 10
    assert score.right_numeric == score.numeric_cells
    assert score.right_cells / score.truth_cells >= 0.995
    assert score.right_code_values / score.code_rows >= 0.99


def _misread(cell, text: str, alternative: str) -> None:
    """What OCR gives under a seal: a wrong digit, a weak score, the right reading as runner-up."""
    cell.text, cell.ocr_score = text, 0.62
    cell.reasons = ["seal", "low_ocr"]
    cell.alternatives = [Alternative(alternative, 0.31)]


def _rescore(doc):
    validate_document(doc)
    repairs = repair_document(doc)
    score_cells(doc)
    return repairs


def test_misread_under_a_seal_is_repaired_with_proof(scanned_doc):
    doc = copy.deepcopy(scanned_doc)
    t01 = doc.tables[0]
    row = next(r for r in t01.rows if r.cells[0].text == "年初结转和结余")
    cell = row.cells[2]
    assert cell.text == "188.83"
    _misread(cell, "188.88", "188.83")  # 3 read as 8
    repairs = _rescore(doc)
    assert cell.text == "188.83" and cell.original == "188.88" and "repaired" in cell.reasons
    assert any(r["status"] == "repaired" and r["to"] == "188.83" and r["proof"] for r in repairs)
    assert next(c for c in doc.checks if c.rule == "T01-c").ok


def test_two_equally_possible_readings_stay_flagged_with_both_candidates(scanned_doc):
    doc = copy.deepcopy(scanned_doc)
    t09 = next(t for t in doc.tables if t.form == "公开09表")
    total, reception = t09.rows[0].cells[6], t09.rows[0].cells[11]  # 决算数: 合计, 公务接待费
    assert (total.text, reception.text) == ("18.52", "9.39")
    _misread(reception, "9.89", "9.39")
    _misread(total, "18.52", "19.02")  # the total's runner-up balances the misread as well
    _rescore(doc)
    for cell, candidate in ((reception, "9.39"), (total, "19.02")):
        assert cell.review and "ambiguous" in cell.reasons and cell.original is None
        assert candidate in [a.text for a in cell.alternatives]
    assert (total.text, reception.text) == ("18.52", "9.89")  # nothing applied without proof
