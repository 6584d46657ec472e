"""Reviewing printed header cells (issue 10 item 3): the pipeline flags a misread label, and a reviewer
corrects it in the queue like a body cell — crop, reading, reasons; the correction is stored, re-applied after a
re-extraction, and shows in the exports (grid header rows, the long export's column).

Fixture: `disclosure extract` on page 4 of the committed born-digital sample (公开03表) scanned with the second
line of 对附属单位补助支出 lost, so its header cell reads 对附属单位补助 and is flagged ``header_misread``.
"""
from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest

from pipeline.headercheck import HEADER_MISREAD
from pipeline.model import Cell, HeaderEntry, Table
from pipeline.review.corrections import document_paths, load_document, relabel_header
from pipeline.review.keys import CellAddress, KeyIndex, cell_at, same_header_cell
from pipeline.review.store import ReviewStore
from test_header_cells import lost_wrapped_line_page
from tests.conftest import copy_out, extract_out

MISREAD, PRINTED = "对附属单位补助", "对附属单位补助支出"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """OUT of a real `disclosure extract` of the cut page (read-only: tests copy it with ``copy_out``)."""
    return extract_out(tmp_path_factory, "header", lost_wrapped_line_page)


def document_json(out: Path) -> Path:
    (path,) = document_paths(out)
    return path


def flagged_header(doc):
    """(table index, header entry) of the one flagged header cell of the 公开03表."""
    ti, table = next((i, t) for i, t in enumerate(doc.tables) if t.form == "公开03表")
    (entry,) = [h for h in table.header_cells if h.cell.review]
    return ti, entry


def test_a_header_cell_has_a_key_of_its_place_and_back(extracted, tmp_path):
    loaded = load_document(extracted, document_json(extracted), ReviewStore(tmp_path / "review.sqlite"))
    ti, entry = flagged_header(loaded.machine)
    assert (entry.cell.text, entry.cell.reasons) == (MISREAD, [HEADER_MISREAD])
    keys = KeyIndex.build(loaded.machine)
    key = keys.key_of(CellAddress(ti, entry.row, entry.col, True))
    # its place and the key of the body column under it (another cell at that place after a re-extraction is
    # another key); a key stored before the columns were part of it is matched by place
    assert (key.table, key.row, key.column) == ("公开03表#0", f"header:{entry.row}",
                                                f"header:{entry.col}@{MISREAD}#0")
    assert keys.address_of(key.table, key.row, key.column) == CellAddress(ti, entry.row, entry.col, True)
    assert keys.address_of(key.table, key.row, f"header:{entry.col}") == CellAddress(ti, entry.row, entry.col, True)
    assert same_header_cell(f"header:{entry.col}", key.column) and same_header_cell(key.column, key.column)
    assert not same_header_cell(f"header:{entry.col}@经营支出#0", key.column)
    assert not same_header_cell(f"header:{entry.col + 1}", key.column)
    spanning = next(h for h in loaded.machine.tables[ti].header_cells if (h.row, h.col) == (0, 0))
    assert spanning.colspan == 2 and keys.key_of(CellAddress(ti, 0, 0, True)).column == "header:0@科目代码#0|科目名称#0"
    assert cell_at(loaded.machine, CellAddress(ti, entry.row, entry.col, True)) is entry.cell
    assert cell_at(loaded.machine, CellAddress(ti, 9, 9, True)) is None
    assert keys.address_of(key.table, "header:x", key.column) is None
    summary = json.loads((extracted / "run-summary.json").read_text(encoding="utf-8"))
    assert (summary["cells_flagged"], summary["header_cells_flagged"]) == (0, 1)  # the queue holds it
    # a body cell's key is unchanged: its row's code or label and its column's label
    body = keys.key_of(CellAddress(ti, 1, 2))
    assert body.row.startswith("code:") and body.column == "本年支出合计#0"


def test_a_header_correction_is_applied_kept_apart_from_the_machine_reading_and_undone(extracted, tmp_path):
    out = copy_out(extracted, tmp_path / "out")
    store = ReviewStore.for_output(out)
    path = document_json(out)
    loaded = load_document(out, path, store)
    ti, entry = flagged_header(loaded.machine)
    assert loaded.machine.tables[ti].columns[entry.col] == MISREAD
    assert any(w["kind"] == "header_cells" for w in loaded.document.warnings)
    correction, status = store.record(loaded.key_of(ti, entry.row, entry.col, header=True), MISREAD, PRINTED,
                                      reviewer="审核员")
    assert status == "recorded"

    loaded = load_document(out, path, store)
    table = loaded.document.tables[ti]
    _, corrected = next((i, h) for i, h in enumerate(table.header_cells) if (h.row, h.col) == (entry.row, entry.col))
    assert (corrected.cell.text, corrected.cell.original, corrected.cell.review) == (PRINTED, MISREAD, False)
    assert "corrected" in corrected.cell.reasons and corrected.cell.confidence == 1.0
    assert table.header[entry.row][entry.col] == PRINTED and table.columns[entry.col] == PRINTED
    assert not any(w["kind"] == "header_cells" for w in loaded.document.warnings)
    assert [c.id for c in loaded.result.applied] == [correction.id]
    # the machine reading is a separate copy: still the misread, still flagged
    machine = loaded.machine.tables[ti]
    assert machine.columns[entry.col] == MISREAD and machine.header[entry.row][entry.col] == MISREAD
    assert flagged_header(loaded.machine)[1].cell.text == MISREAD

    store.withdraw(correction.id, "审核员")
    loaded = load_document(out, path, store)
    again = flagged_header(loaded.document)[1]
    assert (again.cell.text, again.cell.review, again.cell.reasons) == (MISREAD, True, [HEADER_MISREAD])
    assert loaded.document.tables[ti].columns[entry.col] == MISREAD


def test_a_header_correction_survives_re_extraction(extracted, tmp_path):
    """`disclosure extract` re-applies the store's corrections before writing (pipeline.batch); reading that
    JSON back gives the machine reading — the header cell flagged again, its label as misread — and the
    correction applied on top."""
    from pipeline.cli import main

    out = copy_out(extracted, tmp_path / "out")
    store = ReviewStore.for_output(out)
    path = document_json(out)
    loaded = load_document(out, path, store)
    ti, entry = flagged_header(loaded.machine)
    store.record(loaded.key_of(ti, entry.row, entry.col, header=True), MISREAD, PRINTED, reviewer="审核员")
    source = Path(json.loads(path.read_text(encoding="utf-8"))["source"]["file"])
    assert main(["extract", str(source.parent), "-o", str(out), "--force", "--quiet"]) == 0
    written = json.loads(path.read_text(encoding="utf-8"))
    table = written["tables"][ti]
    assert table["columns"][entry.col] == PRINTED  # the corrected label is what the extract output says
    cell = next(h for h in table["header_cells"] if (h["row"], h["col"]) == (entry.row, entry.col))
    assert (cell["text"], cell["original"], cell["review"]) == (PRINTED, MISREAD, False)

    loaded = load_document(out, path, store)
    machine = flagged_header(loaded.machine)[1]
    assert (machine.cell.text, machine.cell.review, machine.cell.reasons) == (MISREAD, True, [HEADER_MISREAD])
    assert machine.cell.confidence < 1.0 and loaded.machine.tables[ti].columns[entry.col] == MISREAD
    assert loaded.document.tables[ti].columns[entry.col] == PRINTED and not loaded.result.orphaned


def test_a_header_correction_never_lands_on_another_label(extracted, tmp_path):
    """A re-extraction whose header came out otherwise (another label at that place): the correction is
    orphaned — reported, kept — never applied to the label now there."""
    out = copy_out(extracted, tmp_path / "out")
    store = ReviewStore.for_output(out)
    path = document_json(out)
    loaded = load_document(out, path, store)
    ti, entry = flagged_header(loaded.machine)
    correction, _ = store.record(loaded.key_of(ti, entry.row, entry.col, header=True), MISREAD, PRINTED,
                                 reviewer="审核员")
    data = json.loads(path.read_text(encoding="utf-8"))
    cell = next(h for h in data["tables"][ti]["header_cells"] if (h["row"], h["col"]) == (entry.row, entry.col))
    cell["text"] = "经营支出"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    loaded = load_document(out, path, store)
    assert [c.id for c in loaded.result.orphaned] == [correction.id] and not loaded.result.applied
    assert store.correction_by_id(correction.id).status == "orphaned"
    assert PRINTED not in loaded.document.tables[ti].columns


def rewrite_as_extract_does(path: Path, document) -> None:
    """Write ``document`` (corrections applied) over its JSON, as `disclosure extract` does (pipeline.batch:
    corrections re-applied, then written)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(document.to_dict())
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("label", ["", "对附属单位/补助支出"])
def test_a_header_correction_written_into_the_json_is_taken_back_out_and_its_column_keeps_its_corrections(
        extracted, tmp_path, label):
    """A header label corrected to nothing (its part leaves the column label) or to a text with "/" (two parts),
    written into OUT/…json by a re-extraction: reading it back gives the machine labels exactly, so the body
    corrections of that column (keyed by its label) still apply — a correction is never lost."""
    out = copy_out(extracted, tmp_path / "out")
    store = ReviewStore.for_output(out)
    path = document_json(out)
    loaded = load_document(out, path, store)
    ti, entry = flagged_header(loaded.machine)
    machine_columns = list(loaded.machine.tables[ti].columns)
    body = store.record(loaded.key_of(ti, 1, entry.col), loaded.machine.tables[ti].rows[1].cells[entry.col].text,
                        "12.50", reviewer="审核员")[0]
    header = store.record(loaded.key_of(ti, entry.row, entry.col, header=True), MISREAD, label, reviewer="审核员")[0]
    loaded = load_document(out, path, store)
    table = loaded.document.tables[ti]
    assert table.columns[entry.col] == label and table.rows[1].cells[entry.col].text == "12.50"
    rewrite_as_extract_does(path, loaded.document)

    for _ in range(2):  # read back, and once more after writing that again
        loaded = load_document(out, path, store)
        machine = loaded.machine.tables[ti]
        assert sorted(c.id for c in loaded.result.applied) == sorted([body.id, header.id])
        assert not loaded.result.orphaned and store.correction_by_id(body.id).status == "active"
        assert machine.columns == machine_columns and machine.header[entry.row][entry.col] == MISREAD
        assert flagged_header(loaded.machine)[1].cell.review and machine.machine_columns is None
        table = loaded.document.tables[ti]
        assert table.columns[entry.col] == label and table.rows[1].cells[entry.col].text == "12.50"
        rewrite_as_extract_does(path, loaded.document)
    # the JSON keeps the labels as extracted beside the corrected ones (the document schema allows it)
    written = json.loads(path.read_text(encoding="utf-8"))["tables"][ti]
    assert written["machine_columns"] == machine_columns and written["columns"][entry.col] == label


def shift_columns_right(path: Path, ti: int) -> None:
    """A re-extraction that found one more (empty) column at the left of table ``ti``: every header and body cell
    one column further right."""
    data = json.loads(path.read_text(encoding="utf-8"))
    table = data["tables"][ti]
    table["columns"].insert(0, "")
    for header_row in table["header"]:
        header_row.insert(0, "")
    for h in table["header_cells"]:
        h["col"] += 1
    for row in table["rows"]:
        row["cells"].insert(0, Cell(text="").to_dict())
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def set_header_text(path: Path, ti: int, row: int, col: int, text: str) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    table = data["tables"][ti]
    next(h for h in table["header_cells"] if (h["row"], h["col"]) == (row, col))["text"] = text
    table["header"][row][col] = text
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_a_header_correction_never_lands_on_a_cell_of_the_same_text_over_other_columns(extracted, tmp_path):
    """栏次 numbers: the 2 over 基本支出 misread 1 and corrected to 2. A re-extraction that shifted the columns
    one to the right puts the (right) 1 of 本年支出合计 at that place: same place, same text as the reviewer
    saw, other columns — the correction is orphaned, not applied there; a confirmation likewise."""
    out = copy_out(extracted, tmp_path / "out")
    store = ReviewStore.for_output(out)
    path = document_json(out)
    ti = flagged_header(load_document(out, path, store).machine)[0]
    set_header_text(path, ti, 2, 3, "1")  # the first extraction: 栏次 1, 1, 3 …
    loaded = load_document(out, path, store)
    table = loaded.machine.tables[ti]
    assert [h.cell.text for h in table.header_cells if h.row == 2][2:5] == ["1", "1", "3"]
    assert (table.columns[2], table.columns[3]) == ("本年支出合计", "基本支出")
    corrected = store.record(loaded.key_of(ti, 2, 3, header=True), "1", "2", reviewer="审核员")[0]
    confirmed = store.record(loaded.key_of(ti, 2, 5, header=True), "4", "4", reviewer="审核员")[0]
    loaded = load_document(out, path, store)
    assert sorted(c.id for c in loaded.result.applied) == sorted([corrected.id, confirmed.id])
    assert loaded.document.tables[ti].header[2][3] == "2"

    set_header_text(path, ti, 2, 3, "2")  # the re-extraction reads 栏次 right, one column further right
    shift_columns_right(path, ti)
    loaded = load_document(out, path, store)
    table = loaded.machine.tables[ti]
    assert (table.header[2][3], table.header[2][5], table.columns[3]) == ("1", "3", "本年支出合计")
    set_header_text(path, ti, 2, 5, "4")  # … and 3 misread 4: the confirmed text at the confirmed place
    loaded = load_document(out, path, store)
    assert sorted(c.id for c in loaded.result.orphaned) == sorted([corrected.id, confirmed.id])
    assert not loaded.result.applied and store.correction_by_id(corrected.id).status == "orphaned"
    table = loaded.document.tables[ti]
    assert [h.cell.text for h in table.header_cells if h.row == 2][2:5] == ["1", "2", "4"]
    assert not any("corrected" in h.cell.reasons or "confirmed" in h.cell.reasons for h in table.header_cells)


def test_relabel_header_changes_the_labels_under_the_cell_only():
    table = Table(id="t1", header=[["预算数", "", "决算数", ""], ["合计", "基本", "合计", "基本"]],
                  columns=["预算数/合计", "基本", "决算数/合计", "基本"])
    upper = HeaderEntry(0, 2, 1, 2, Cell(text="决算数"))
    relabel_header(table, upper, "决算数", "决算")
    assert table.header[0] == ["预算数", "", "决算", ""]
    assert table.columns == ["预算数/合计", "基本", "决算/合计", "基本"]
    lower = HeaderEntry(1, 1, 1, 1, Cell(text="基本"))
    relabel_header(table, lower, "基本", "基本支出")
    assert table.columns == ["预算数/合计", "基本支出", "决算/合计", "基本"]
    relabel_header(table, lower, "基本支出", "")
    assert table.columns[1] == "" and table.header[1][1] == ""


# -- the review server ------------------------------------------------------------------------------------------


def test_the_queue_lists_the_flagged_header_cell_and_takes_its_correction(extracted, tmp_path):
    pytest.importorskip("fastapi.testclient")
    from pipeline.review.server import item_id
    from test_review_server import client_for

    out = copy_out(extracted, tmp_path / "out")
    client = client_for(out)
    queue = client.get("/api/queue").json()
    headers = [it for it in queue["items"] if it["header"]]
    assert len(headers) == 1, [(it["text"], it["reasons"]) for it in headers]
    item = headers[0]
    assert (item["text"], item["reasons"], item["amount"], item["has_bbox"]) == (MISREAD, [HEADER_MISREAD], False, True)
    assert item["row_label"].startswith("表头第") and item["column_label"] == f"第 {item['col'] + 1} 列"
    assert "表头名称与标准表头相近但不一致" in "".join(item["why"]) and item["shown_confidence"] < 1.0
    assert all(not it["header"] for it in queue["items"] if it is not item)
    assert queue["progress"]["flagged"] == len(queue["items"])

    crop = client.get(f"/api/crop/{item['doc']}/{item['table']}/{item['row']}/{item['col']}.png?part=header")
    assert crop.status_code == 200 and crop.headers["content-type"] == "image/png"
    assert crop.headers["x-cell"] == item["id"] and crop.content[:4] == b"\x89PNG"
    body_crop = client.get(f"/api/crop/{item['doc']}/{item['table']}/{item['row']}/{item['col']}.png")
    body_id = item_id(item["doc"], CellAddress(item["table"], item["row"], item["col"]))
    assert body_crop.status_code == 200 and body_crop.headers["x-cell"] == body_id  # the body cell at those indices
    assert body_crop.content != crop.content
    assert client.get(f"/api/crop/{item['doc']}/{item['table']}/9/9.png?part=header").status_code == 404
    assert client.get(f"/api/crop/{item['doc']}/{item['table']}/0/0.png?part=foot").status_code == 404

    refused = client.post("/api/correct", json={"doc": item["doc"], "table": item["table"], "row": item["row"],
                                               "col": item["col"], "header": "yes", "text": PRINTED})
    assert refused.status_code == 400
    r = client.post("/api/correct", json={"doc": item["doc"], "table": item["table"], "row": item["row"],
                                         "col": item["col"], "header": True, "text": PRINTED})
    assert r.status_code == 200, r.text
    assert (r.json()["cell"]["text"], r.json()["cell"]["original"]) == (PRINTED, MISREAD)
    after = client.get("/api/queue").json()
    assert not [it for it in after["items"] if it["header"]]
    assert after["progress"]["reviewed"] == 1 and after["progress"]["done"] == queue["progress"]["done"] + 1
    reviewed = client.get("/api/reviewed").json()["reviewed"]
    assert [(r["header"], r["old_text"], r["new_text"]) for r in reviewed] == [(True, MISREAD, PRINTED)]
    assert "表头第" in reviewed[0]["location"]

    # the export carries the corrected label: grid header rows and the long export's column
    from pipeline.exporting import export

    export(out, "sqlite", tmp_path / "cells.sqlite")
    conn = sqlite3.connect(tmp_path / "cells.sqlite")
    try:
        header = {t for (t,) in conn.execute("SELECT text FROM grid WHERE header = 1")}
        columns = {c for (c,) in conn.execute("SELECT DISTINCT \"column\" FROM cells")}
    finally:
        conn.close()
    assert PRINTED in header and MISREAD not in header
    assert PRINTED in columns and MISREAD not in columns


def csv_exports(out: Path, dest: Path) -> tuple[list[dict], list[list[str]]]:
    """The long rows and the 公开03表 grid (header rows first) of a csv export of ``out``."""
    from pipeline.exporting import export

    export(out, "csv", dest)
    with open(dest / "long.csv", encoding="utf-8-sig") as f:
        long = list(csv.DictReader(f))
    (grid_path,) = dest.rglob("*公开03表.csv")
    with open(grid_path, encoding="utf-8-sig") as f:
        grid = list(csv.reader(f))
    return long, grid


def test_header_cells_queue_after_the_body_cells_of_their_impact():
    from pipeline.review.server import sort_items

    def item(name, header, impact, shown):
        return {"id": name, "header": header, "impact": impact, "shown_confidence": shown, "reviewed": None,
                "doc_name": "d", "table": 0, "row": 0, "col": 0}

    items = [item("label", True, 0, 0.1), item("amount", False, 0, 0.8), item("sum", False, 2, 0.9)]
    assert [it["id"] for it in sort_items(items)] == ["sum", "amount", "label"]


def test_a_header_label_corrected_in_the_review_workbook_is_imported(extracted, tmp_path, capsys):
    """review-xlsx: the flagged header cell is yellow with why; typing the printed label there imports it as
    the header cell's correction; typing into the blank part of a merged label is reported, not applied."""
    from openpyxl import load_workbook

    from pipeline.cli import main

    out = copy_out(extracted, tmp_path / "out")
    assert main(["export", str(out), "--format", "review-xlsx", "-o", str(tmp_path / "review")]) == 0
    (path,) = (tmp_path / "review").glob("*.xlsx")
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    flagged = [c for row in ws.iter_rows() for c in row if c.fill.fgColor.rgb.endswith("FFEB84")]
    assert [c.value for c in flagged] == [MISREAD]
    assert "表头名称与标准表头相近但不一致" in flagged[0].comment.text and "表头第 1 行" in flagged[0].comment.text
    flagged[0].value = PRINTED
    project = next(c for row in ws.iter_rows() for c in row if c.value == "项目")
    ws.cell(project.row, project.column + 1).value = "名称"  # the blank half of 项目, merged over two columns
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    capsys.readouterr()
    assert main(["import-corrections", str(out), str(edited), "--reviewer", "赵六"]) == 0
    printed = capsys.readouterr().out
    assert "1 correction(s) applied" in printed and "part of a merged header label" in printed
    (c,) = ReviewStore.for_output(out).corrections()
    assert (c.key.row, c.key.column) == ("header:0", f"header:7@{MISREAD}#0")
    assert (c.old_text, c.new_text, c.source) == (MISREAD, PRINTED, "xlsx")
    loaded = load_document(out, document_json(out), ReviewStore.for_output(out))
    ti, entry = flagged_header(loaded.machine)
    assert loaded.document.tables[ti].columns[entry.col] == PRINTED
