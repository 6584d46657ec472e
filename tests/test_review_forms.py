"""Review of a 绩效自评表 in Debian chromium: `disclosure extract` on the committed form sample (s06), then the
review page corrects a numeric form cell, and the re-validated document is checked — the record field that
carries the cell holds the reviewer's value, the form's identities are evaluated again (the one the correction
settles holds, the others still fail), the correction is in the audit log and the exports carry it (the long
table and the indicators' table)."""
from __future__ import annotations

import csv
import json
import shutil

import pytest

from pipeline.cli import main
from test_review_browser import Server, browser  # noqa: F401  (the fixture)
from tests.conftest import SAMPLES

pytestmark = pytest.mark.browser
SAMPLE = SAMPLES / "s06_perf_forms_digital.pdf"


def _rules(doc: dict, table_id: str) -> dict[str, bool]:
    """Each identity rule of a form: whether all its checks hold."""
    out: dict[str, bool] = {}
    for c in doc["checks"]:
        if c["table"] == table_id:
            out[c["rule"]] = out.get(c["rule"], True) and c["ok"]
    return out


def test_reviewer_corrects_a_form_score(browser, tmp_path):  # noqa: F811
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SAMPLE, src / SAMPLE.name)
    out = tmp_path / "out"
    assert main(["extract", str(src), "-o", str(out), "--quiet"]) == 0
    extracted = json.loads((out / f"{SAMPLE.name}.json").read_text(encoding="utf-8"))
    ti, shanxi = next((i, t) for i, t in enumerate(extracted["tables"]) if t.get("template") == "P03")
    # 003 仲裁争议执法费: 指导企业调解 printed twice, so Σ 得分 93.01 against the printed 总分 88.01
    held = {"P03-max": True, "P03-rate": True, "P03-surplus": True}  # 得分 ≤ 分值, 执行率, 结余
    assert _rules(extracted, shanxi["id"]) == {**held, "P03-total": False, "P03-weights": False}
    inds = shanxi["record"]["indicators"]
    twice = [k for k, i in enumerate(inds) if i["level3"]["text"] == "指导企业调解"]
    assert len(twice) == 2
    k = twice[1]
    r, c = inds[k]["score"]["cell"]
    assert inds[k]["score"]["text"] == "5" and shanxi["rows"][r]["cells"][c]["review"]

    server = Server(out, "审核员甲")
    try:
        page = browser.new_page(viewport={"width": 1500, "height": 950})
        page.goto(server.url)
        page.wait_for_selector(".q.active")
        entry = page.locator(f'.q[data-key$=":{ti}:{r}:{c}"]')
        assert entry.count() == 1 and "1 条勾稽不符" in entry.inner_text()
        entry.click()
        # a form has no column labels: the row is named by its 三级指标, the column by the header above it
        assert page.locator("#row-label").inner_text() == "指导企业调解"
        assert page.locator("#column-label").inner_text() == "得分"
        assert page.locator("#value").input_value() == "5"
        assert page.locator("#checks li.check.fail").count() == 1  # the row's 分值 are in no failing identity
        assert "应为 93.01，实为 88.01" in page.locator("#checks li.check.fail").inner_text()
        # a form score takes only a number, as an amount cell does
        page.keyboard.press("Control+a")
        page.keyboard.type("五分")
        page.keyboard.press("Enter")
        assert "不是金额" in page.locator("#message").inner_text()
        # the second print of the row scored nothing: 0 makes the form's 总分 = Σ 得分 hold
        page.keyboard.press("Control+a")
        page.keyboard.type("0")
        page.keyboard.press("Enter")
        page.wait_for_selector("#resolved li.check.ok")
        assert page.locator("#resolved li.check.ok").count() == 1
        page.wait_for_function("document.getElementById('progress-text').textContent.includes('人工复核 1')")
        page.wait_for_function(f"!document.querySelector('.q[data-key$=\":{ti}:{r}:{c}\"]')")
        reviewed = page.request.get(f"{server.url}api/reviewed").json()
        assert json.dumps(reviewed, ensure_ascii=False).count("指导企业调解") >= 1
    finally:
        server.stop()

    from pipeline.exporting import export
    from pipeline.review.corrections import apply_corrections
    from pipeline.review.store import ReviewStore

    (loaded,) = apply_corrections(out)
    doc = loaded.document.to_dict()
    form = doc["tables"][ti]
    score = form["record"]["indicators"][k]["score"]
    assert (score["text"], score["value"], score["cell"], score["review"]) == ("0", 0.0, [r, c], False)
    assert form["rows"][r]["cells"][c]["original"] == "5" and "corrected" in form["rows"][r]["cells"][c]["reasons"]
    assert form["record"]["indicators"][twice[0]]["score"]["value"] == 5.0  # the first print untouched
    # re-evaluated: 总分 = Σ 得分 now holds (88.01), Σ 分值 = 100 still fails (the row's 分值 is still there)
    assert _rules(doc, form["id"]) == {**held, "P03-total": True, "P03-weights": False}
    total = next(ch for ch in doc["checks"] if ch["rule"] == "P03-total" and ch["table"] == form["id"])
    assert abs(total["expected"] - 88.01) < 1e-6 and total["actual"] == 88.01
    tr, tc = form["record"]["total"]["score"]["cell"]
    assert "check_failed" not in form["rows"][tr]["cells"][tc]["reasons"]

    (audit,) = ReviewStore.for_output(out).audit()
    assert (audit.action, audit.reviewer, audit.old_text, audit.new_text) == ("correct", "审核员甲", "5", "0")
    assert audit.key.document == extracted["source"]["sha256"]

    export(out, "csv", tmp_path / "csv")
    with open(tmp_path / "csv" / "long.csv", encoding="utf-8-sig") as f:
        cells = [row for row in csv.DictReader(f) if row["reviewed"] == "True"]
    assert [(x["text"], x["original"], x["row"], x["col"]) for x in cells] == [("0", "5", str(r), str(c))]
    with open(tmp_path / "csv" / "indicators.csv", encoding="utf-8-sig") as f:
        rows = [row for row in csv.DictReader(f) if row["project"] == "仲裁争议执法费" and row["level3"] == "指导企业调解"]
    assert [(row["weight"], row["score"]) for row in rows] == [("5.0", "5.0"), ("5.0", "0.0")]
