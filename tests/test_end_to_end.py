"""End to end on the committed samples: a scanned, sealed, watermarked 部门决算 checked cell by cell
against its ground truth, and a born-digital one with the watermark drawn as text objects."""
from __future__ import annotations

import json

import jsonschema
import pytest

from pipeline.evaluate import score_document
from pipeline.extract import extract_document
from tests.conftest import ROOT, SAMPLES

SCHEMA = json.loads((ROOT / "models" / "schema" / "document-1.schema.json").read_text(encoding="utf-8"))


def _truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.truth.json").read_text(encoding="utf-8"))


def _rows_by_label(table: dict, col: int) -> dict[str, dict]:
    return {r["cells"][col]["text"]: r for r in table["rows"]}


@pytest.fixture(scope="module")
def scanned():
    name = "s02_jincheng_rs_2024_skew200"
    doc = extract_document(SAMPLES / f"{name}.pdf")
    return doc.to_dict(), _truth(name)


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
    assert score.right_numeric / score.numeric_cells >= 0.95
    assert score.right_cells / score.truth_cells >= 0.98
    # every wrong amount is sent to a reviewer
    wrong_unflagged = [c for c in score.predicted if not c.correct and not c.review]
    wrong_numbers = {(w.table, w.row, w.column) for w in score.wrong if w.truth and w.truth[0].isdigit()}
    assert wrong_numbers and all(c.review for c in score.predicted if not c.correct and c.table == "t1")
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
