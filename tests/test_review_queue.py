"""The review queue cannot mislead (issue 13 items 2–6): amounts only in amount cells, the queue holds the
cells of failing identities until the identity holds or is marked as a source error, undo, labels and
confidence that make sense, sources found after a move — through the app (FastAPI TestClient) on a
document built from a real PDF page."""
from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

from test_review_server import client_for, out  # noqa: F401 - the OUT fixture
from test_review_store import PUTUO, build_document, write_out

ROOT = Path(__file__).resolve().parents[1]


def queue(client, **params) -> dict:
    r = client.get("/api/queue", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def item_at(client, row_label: str, column: str) -> dict:
    return next(it for it in queue(client)["items"] if (it["row_label"], it["column_label"]) == (row_label, column))


def post(client, path: str, body: dict):
    return client.post(path, json=body)


def cell_body(it: dict, **kw) -> dict:
    return {"doc": it["doc"], "table": it["table"], "row": it["row"], "col": it["col"], **kw}


# -- item 2: amounts only ----------------------------------------------------------------------------------


def test_amount_cells_refuse_non_amounts_with_a_chinese_message(out):
    from pipeline.review.store import ReviewStore

    client = client_for(out)
    it = item_at(client, "行政运行", "基本支出")
    for text in ("abc", "T1", "7l", "1,50,3.52", "1503.52元", "=1+2"):
        r = post(client, "/api/correct", cell_body(it, text=text))
        assert r.status_code == 422, (text, r.status_code)
        assert "不是金额" in r.json()["detail"] or "千分位" in r.json()["detail"], r.json()
    assert ReviewStore.for_output(out).corrections() == [], "nothing refused reaches the store"
    assert all(not c["ok"] for c in item_at(client, "行政运行", "基本支出")["checks"]), "no identity 'restored'"
    # an amount, a not-applicable mark and an explicit blank are accepted
    for text in ("1,503.52", "——", ""):
        assert post(client, "/api/correct", cell_body(it, text=text)).status_code == 200, text
    # a name cell is not an amount column: text is fine there
    name = queue(client)["items"][0]
    doc = client.get(f"/api/checks/{name['doc']}")
    assert doc.status_code == 200
    r = post(client, "/api/correct", {"doc": it["doc"], "table": 0, "row": it["row"], "col": 1, "text": "行政运行（更正）"})
    assert r.status_code == 200


def test_candidates_offered_for_an_amount_cell_are_amounts(tmp_path):
    from pipeline.model import Alternative

    doc = build_document()
    cell = next(r for r in doc.tables[0].rows if r.codes and r.codes[0].code == "2010601").cells[3]
    cell.alternatives = [Alternative("T1", 0.5, "ocr"), Alternative("1,503.52", 0.38, "ocr"), Alternative("7l", 0.2)]
    out = tmp_path / "out"
    write_out(out, doc)
    it = item_at(client_for(out), "行政运行", "基本支出")
    assert [a["text"] for a in it["alternatives"]] == ["1,503.52"]


def test_import_corrections_refuses_non_amounts(out, tmp_path):
    from openpyxl import load_workbook

    from pipeline.exporting import export
    from pipeline.review.store import ReviewStore
    from pipeline.review.workbook import import_corrections

    [book] = export(out, "review-xlsx", tmp_path / "books").written
    wb = load_workbook(book)
    ws = wb.worksheets[0]
    target = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "code:2010601#0")
    ws.cell(target, 5).value = "7l"  # column E = 基本支出 (column A holds the row key, B… the grid)
    ws.cell(target, 6).value = "8.37"  # unchanged value of 项目支出, typed as text
    wb.save(book)
    store = ReviewStore.for_output(out)
    report = import_corrections(book, store, reviewer="表格审核")
    assert len(report.conflicts) == 1 and "不是金额" in report.conflicts[0] and "'7l'" not in report.applied
    assert [c.new_text for c in store.corrections()] == []


# -- item 3: the queue holds failing identities; undo ---------------------------------------------------------


def test_queue_keeps_failing_identities_until_they_hold_or_are_marked(out):
    from pipeline.review.store import ReviewStore

    client = client_for(out)
    start = queue(client)
    assert start["progress"]["open_checks"] == 4 and start["progress"]["remaining"] == len(start["items"])
    # confirming a wrong reading does not clear anything: its identities still fail
    wrong = item_at(client, "购房补贴", "合计")  # misread 258.80 (printed 258.50)
    r = post(client, "/api/correct", cell_body(wrong, accept=True)).json()
    assert r["status"] == "recorded" and not r["turned_green"]
    after = queue(client)
    again = next(it for it in after["items"] if it["id"] == wrong["id"])
    assert again["reviewed"] == "confirmed" and again["impact"] == 2
    assert after["progress"]["remaining"] == start["progress"]["remaining"]

    # a reviewer marks one failing identity as a source error: a recorded decision; its cells leave the queue
    check = next(c for c in again["checks"] if c["description"].startswith("22102"))
    r = post(client, "/api/source-error", {"doc": wrong["doc"], "check": check["key"], "reviewer": "王五"})
    assert r.status_code == 200 and r.json()["check"]["source_error"]["reviewer"] == "王五"
    marked = queue(client)
    assert marked["progress"]["open_checks"] == 3
    left = {it["id"] for it in after["items"]} - {it["id"] for it in marked["items"]}
    covered = {f"{wrong['doc']}:0:{row}:{col}" for _t, row, col in check["cells"]}
    assert left and left <= covered
    store = ReviewStore.for_output(out)
    assert [d.reviewer for d in store.decisions(status="active")] == ["王五"]
    assert store.audit()[-1].action == "source_error" and store.audit()[-1].reviewer == "王五"
    # cells of the marked identity carry the decision as a reason
    doc = client.get(f"/api/checks/{wrong['doc']}").json()["checks"]
    assert [c["source_error"] is not None for c in doc if c["key"] == check["key"]] == [True]

    # undo the mark: the cells are back
    reviewed = client.get("/api/reviewed").json()["reviewed"]
    mark = next(r for r in reviewed if r["type"] == "source_error")
    assert post(client, "/api/undo", {"type": "source_error", "id": mark["id"]}).json()["status"] == "withdrawn"
    assert {it["id"] for it in queue(client)["items"]} == {it["id"] for it in after["items"]}
    assert store.audit()[-1].action == "undo_source_error"
    assert len(store.decisions()) == 1 and store.decisions()[0].status == "withdrawn", "never deleted"

    # correcting the two misreadings makes every identity hold: only then is the queue empty
    for row, column, text in (("购房补贴", "合计", "258.50"), ("行政运行", "基本支出", "1,503.52")):
        assert post(client, "/api/correct", cell_body(item_at(client, row, column), text=text)).status_code == 200
    done = queue(client)
    assert done["items"] == [] and done["progress"]["remaining"] == 0 and done["progress"]["open_checks"] == 0
    assert done["progress"]["done"] == done["progress"]["flagged"] > 0


def test_undo_restores_the_machine_reading_and_is_audited(out):
    from pipeline.review.store import ReviewStore

    client = client_for(out)
    it = item_at(client, "行政运行", "基本支出")
    r = post(client, "/api/correct", cell_body(it, text="1,503.52", reviewer="张三")).json()
    assert len(r["turned_green"]) == 2
    assert it["id"] not in {i["id"] for i in queue(client)["items"]}
    [entry] = [e for e in client.get("/api/reviewed").json()["reviewed"] if e["type"] == "correction"]
    assert (entry["old_text"], entry["new_text"], entry["reviewer"], entry["action"]) == \
        ("1,508.52", "1,503.52", "张三", "corrected")
    assert (entry["row"], entry["col"]) == (it["row"], it["col"])

    undone = post(client, "/api/undo", {"type": "correction", "id": entry["id"], "reviewer": "李四"}).json()
    assert undone["status"] == "withdrawn" and len(undone["turned_red"]) == 2
    back = next(i for i in queue(client)["items"] if i["id"] == it["id"])
    assert back["text"] == "1,508.52" and back["reviewed"] is None and back["impact"] == 2
    assert back["shown_confidence"] == it["shown_confidence"], "the OCR evidence survives the round trip"
    assert client.get("/api/reviewed").json()["reviewed"] == []
    store = ReviewStore.for_output(out)
    assert [(e.action, e.reviewer, e.old_text, e.new_text) for e in store.audit()] == [
        ("correct", "张三", "1,508.52", "1,503.52"), ("undo", "李四", "1,503.52", "1,508.52")]
    [c] = store.corrections()
    assert c.status == "withdrawn" and c.revision == 2
    # undoing twice changes nothing; correcting again re-activates the same record
    assert post(client, "/api/undo", {"type": "correction", "id": c.id}).json()["status"] == "unchanged"
    assert post(client, "/api/correct", cell_body(it, text="1,503.52")).json()["status"] == "recorded"
    assert store.corrections()[0].status == "active" and store.corrections()[0].revision == 3


def test_undo_works_after_a_reextraction_wrote_the_correction_into_the_json(out):
    """A re-extraction applies the store to the new JSON; undo must still bring the machine reading back."""
    from pipeline.review.corrections import apply_to_document
    from pipeline.review.store import ReviewStore

    client = client_for(out)
    it = item_at(client, "行政运行", "基本支出")
    post(client, "/api/correct", cell_body(it, text="1,503.52"))
    doc = build_document()
    apply_to_document(doc, out)  # what `disclosure extract` does with OUT/review.sqlite present
    write_out(out, doc)
    fresh = client_for(out)
    assert it["id"] not in {i["id"] for i in queue(fresh)["items"]}
    [c] = ReviewStore.for_output(out).corrections()
    post(fresh, "/api/undo", {"type": "correction", "id": c.id})
    back = next(i for i in queue(fresh)["items"] if i["id"] == it["id"])
    assert back["text"] == "1,508.52" and back["impact"] == 2


# -- item 4 and 6: labels, confidence -------------------------------------------------------------------------


def emitted_reasons() -> set[str]:
    """Every reason string the pipeline can put on a cell: literals given to ``add_reason``/``reasons.append``,
    added to a ``reasons`` list, or passed as the ``reason`` argument of a helper."""
    found: set[str] = set()
    for path in (ROOT / "pipeline").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helpers = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = [a.arg for a in node.args.args]
                if "reason" in names:
                    helpers[node.name] = names.index("reason")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
                owner = ast.unparse(f.value) if isinstance(f, ast.Attribute) else ""
                args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if name == "add_reason" or (name == "append" and owner.endswith("reasons")):
                    found.update(args)
                elif name in helpers and len(node.args) > helpers[name]:
                    a = node.args[helpers[name]]
                    if isinstance(a, ast.Constant) and isinstance(a.value, str):
                        found.add(a.value)
            if isinstance(node, ast.BinOp) and "reasons" in ast.unparse(node.left) and isinstance(node.right, ast.List):
                found.update(e.value for e in node.right.elts if isinstance(e, ast.Constant))
    return found


def test_every_reason_the_pipeline_emits_has_a_chinese_label():
    from pipeline.review.workbook import reason_labels

    emitted = emitted_reasons()
    assert {"low_ocr", "seal", "watermark", "check_failed", "format", "format_normalised", "label_normalised",
            "code_sequential", "rule_missing", "repaired", "ambiguous", "corrected", "source_error"} <= emitted
    labels = reason_labels()
    assert emitted - set(labels) == set(), "reasons without a Chinese label"
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in labels[r]) for r in emitted)


def test_filter_offers_only_reasons_in_the_queue_and_labels_are_chinese(out):
    client = client_for(out)
    data = queue(client)
    present = {r for it in data["items"] for r in it["reasons"]}
    assert set(data["reasons"]) == present == {"check_failed", "low_ocr"}
    assert data["reasons"] == {"check_failed": "勾稽关系不符", "low_ocr": "识别置信度低"}
    assert data["reason_counts"]["low_ocr"] == 2
    for it in data["items"]:
        assert it["doc_label"] == "上海市普陀区财政局 2024 部门决算"
        assert it["table_label"] == "一般公共预算财政拨款支出决算表"
        assert all(not label.isascii() for label in it["why"])


def test_flagged_cells_never_read_as_certain(out):
    from pipeline.review.server import review_threshold

    items = queue(client_for(out))["items"]
    assert items
    for it in items:
        assert it["shown_confidence"] <= review_threshold() < 0.995, it
        assert it["why"] and it["confidence_note"] and "100" not in it["confidence_note"]
    # in a failing identity the misread cell carries most of the doubt: lowest shown confidence of its identity
    misread = next(it for it in items if it["text"] == "1,508.52")
    partners = [it for it in items if it["id"] != misread["id"] and set(c["key"] for c in it["checks"])
                & set(c["key"] for c in misread["checks"])]
    assert partners and all(p["shown_confidence"] > 3 * misread["shown_confidence"] for p in partners)
    assert misread["why"][:2] == ["在 2 条不符的勾稽关系中", "识别置信度低（最弱字符 42%）"]


def test_a_total_row_labelled_in_its_code_columns_is_named():
    from pipeline.model import Cell, Row, Table
    from pipeline.review.keys import label_left_of

    table = Table(id="t1", columns=["类", "款", "项", "功能分类科目名称", "合计", "基本支出"])
    total = Row(page=1, cells=[Cell("合计"), Cell(""), Cell(""), Cell(""), Cell("86,959,408.34"), Cell("22,118,861")])
    coded = Row(page=1, cells=[Cell("204"), Cell("06"), Cell("01"), Cell("行政运行"), Cell("1.00"), Cell("1.00")])
    assert label_left_of(total, table, 5) == "合计"
    assert label_left_of(coded, table, 5) == "行政运行"


def test_static_page_has_no_emoji_and_a_favicon(out):
    client = client_for(out)
    page = client.get("/").text
    script = client.get("/static/app.js").text
    for text in (page, script):
        assert not [ch for ch in text if ord(ch) >= 0x1F000 or 0x2600 <= ord(ch) <= 0x27BF], "emoji / dingbats"
    assert 'rel="icon"' in page
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")


# -- item 5: sources that moved ----------------------------------------------------------------------------


def test_sources_are_found_after_a_move_or_reported_missing(tmp_path):
    from pipeline.output import document_dict

    inputs, out = tmp_path / "project" / "in", tmp_path / "project" / "out"
    inputs.mkdir(parents=True)
    doc = build_document()  # skips when ../shared is absent
    shutil.copy(PUTUO, inputs / "putuo.pdf")
    path = out / "putuo.pdf.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(document_dict(doc, inputs / "putuo.pdf", out), ensure_ascii=False), encoding="utf-8")
    assert json.loads(path.read_text())["source"]["file_relative"] == "../in/putuo.pdf"

    def crop(out_dir, **kw):
        client = client_for(out_dir, **kw)
        it = item_at(client, "行政运行", "基本支出")
        return client.get(f"/api/crop/{it['doc']}/{it['table']}/{it['row']}/{it['col']}.png"), it

    r, it = crop(out)
    assert r.status_code == 200 and r.headers["x-cell"] == it["id"]
    # OUT and the inputs moved together: the path relative to OUT finds the source
    moved = tmp_path / "elsewhere"
    shutil.move(tmp_path / "project", moved)
    r, _ = crop(moved / "out")
    assert r.status_code == 200
    # the inputs alone moved: missing, said plainly, until --source-root names their new folder
    shutil.move(moved / "in", tmp_path / "archive")
    r, it = crop(moved / "out")
    assert r.status_code == 404 and r.json()["reason"] == "source_missing"
    assert "找不到原件" in r.json()["detail"] and "--source-root" in r.json()["detail"]
    assert r.headers["x-cell"] == it["id"]
    docs = client_for(moved / "out").get("/api/documents").json()["documents"]
    assert "找不到原件" in docs[0]["source_missing"]
    r, _ = crop(moved / "out", source_root=tmp_path / "archive")
    assert r.status_code == 200
    # a different file at the recorded place is not taken for the source
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "putuo.pdf").write_bytes(b"%PDF-1.4 not the same file")
    r, _ = crop(moved / "out", source_root=tmp_path / "other")
    assert r.status_code == 404 and "sha256" in r.json()["detail"]
