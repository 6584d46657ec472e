"""Exports with corrections applied, the review-xlsx round-trip and the CLI subcommands."""
from __future__ import annotations

import argparse
import csv
import sqlite3

import pytest

from test_review_store import build_review_out, find_row


@pytest.fixture()
def out(tmp_path):
    return build_review_out(tmp_path / "out")


def cli(*argv: str) -> int:
    from pipeline.review.commands import register

    parser = argparse.ArgumentParser(prog="disclosure")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


def correct(out, row_code: str, column: int, text: str, reviewer: str = "王五"):
    from pipeline.review.corrections import apply_corrections
    from pipeline.review.store import ReviewStore

    store = ReviewStore.for_output(out)
    doc = apply_corrections(out, store)[0]
    ri = find_row(doc.machine, row_code)
    return store.record(doc.key_of(0, ri, column), doc.machine.tables[0].rows[ri].cells[column].text, text,
                        reviewer=reviewer)


def test_csv_export_has_corrections_in_grid_and_long_format(out, tmp_path):
    correct(out, "2010601", 3, "1,503.52")
    assert cli("export", str(out), "--format", "csv", "-o", str(tmp_path / "csv")) == 0
    with open(tmp_path / "csv" / "long.csv", encoding="utf-8-sig") as f:
        long = list(csv.DictReader(f))
    fixed = [r for r in long if r["code"] == "2010601" and r["column"] == "基本支出"]
    assert len(fixed) == 1 and fixed[0]["text"] == "1,503.52" and fixed[0]["value"] == "1503.52"
    assert fixed[0]["reviewed"] == "True" and fixed[0]["name"] == "行政运行" and fixed[0]["year"] == "2024"
    assert set(long[0]) == {"document", "authority", "year", "table", "form", "title", "row", "code", "name", "column",
                            "value", "text", "confidence", "reviewed"}
    grids = list((tmp_path / "csv" / "putuo" / "caizheng-2024.pdf").glob("*.csv"))
    assert len(grids) == 1
    rows = list(csv.reader(open(grids[0], encoding="utf-8-sig")))
    assert rows[1] == ["支出功能分类科目编码", "科目名称", "合计", "基本支出", "项目支出"]
    assert ["2010601", "行政运行", "1,511.89", "1,503.52", "8.37"] in rows
    assert rows[-1][1:] == ["合计", "2,940.05", "2,336.91", "603.14"]


def test_xlsx_and_sqlite_exports(out, tmp_path):
    from openpyxl import load_workbook

    correct(out, "2210203", 2, "258.50")
    assert cli("export", str(out), "--format", "xlsx", "-o", str(tmp_path / "x.xlsx")) == 0
    wb = load_workbook(tmp_path / "x.xlsx")
    assert wb.sheetnames[0] == "长表" and len(wb.sheetnames) == 2
    grid = [list(r) for r in wb.worksheets[1].iter_rows(values_only=True)]
    assert ["2210203", "购房补贴", "258.50", "258.50", ""] in [[v or "" for v in r] for r in grid]
    assert cli("export", str(out), "--format", "sqlite", "-o", str(tmp_path / "x.sqlite")) == 0
    conn = sqlite3.connect(tmp_path / "x.sqlite")
    value, reviewed = conn.execute("SELECT value, reviewed FROM cells WHERE code='2210203' AND \"column\"='合计'").fetchone()
    assert (value, reviewed) == (258.5, 1)
    assert conn.execute("SELECT COUNT(*) FROM grid WHERE header=1").fetchone()[0] == 10


def test_parquet_export(out, tmp_path, capsys):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        assert cli("export", str(out), "--format", "parquet", "-o", str(tmp_path / "c.parquet")) == 1
        assert "pyarrow" in capsys.readouterr().err and not (tmp_path / "c.parquet").exists()
        return
    assert cli("export", str(out), "--format", "parquet", "-o", str(tmp_path / "c.parquet")) == 0
    table = pq.read_table(tmp_path / "c.parquet")
    assert table.num_rows == 100 and "reviewed" in table.column_names


def test_review_xlsx_round_trip_survives_inserted_and_deleted_rows(out, tmp_path, capsys):
    from openpyxl import load_workbook

    from pipeline.review.store import ReviewStore

    dest = tmp_path / "review"
    assert cli("export", str(out), "--format", "review-xlsx", "-o", str(dest)) == 0
    path = dest / "putuo_caizheng-2024.pdf.review.xlsx"
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    assert ws.column_dimensions["A"].hidden and ws.row_dimensions[1].hidden
    assert wb["_export"].sheet_state == "veryHidden"
    flagged = [c for row in ws.iter_rows() for c in row if c.fill.fgColor.rgb.endswith("FFEB84")]
    assert flagged and all(c.comment is not None for c in flagged)
    bad = next(c for c in flagged if c.value == 1508.52)
    assert "识别置信度低" in bad.comment.text and "1,503.52" in bad.comment.text

    # the reviewer deletes two rows above, inserts a row, fixes the misreading and types a note
    bad_row = bad.row
    ws.delete_rows(bad_row - 2, 2)  # removes 201 and 20106 (the misread row moves up by two)
    ws.insert_rows(bad_row - 2)
    ws.cell(bad_row - 2, 3, "我插入的一行")
    moved = ws.cell(bad_row - 2 + 1, bad.column)
    assert moved.value == 1508.52
    moved.value = 1503.52
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)

    assert cli("import-corrections", str(out), str(edited), "--reviewer", "赵六") == 0
    printed = capsys.readouterr().out
    assert "1 correction(s) applied" in printed and "row without identity" in printed
    store = ReviewStore.for_output(out)
    (c,) = store.corrections()
    assert (c.key.row, c.key.column, c.old_text, c.new_text, c.reviewer, c.source) == (
        "code:2010601#0", "基本支出#0", "1,508.52", "1,503.52", "赵六", "xlsx")

    # a second reviewer edits the same cell differently in an old copy: conflict, not applied
    wb2 = load_workbook(path)
    ws2 = wb2.worksheets[0]
    ws2.cell(bad_row, bad.column).value = 1503.50
    stale = tmp_path / "stale.xlsx"
    wb2.save(stale)
    assert cli("import-corrections", str(out), str(stale), "--reviewer", "钱七") == 1
    assert "CONFLICT" in capsys.readouterr().out
    assert store.correction(c.key).new_text == "1,503.52"


def test_import_rejects_a_foreign_workbook(out, tmp_path, capsys):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "hello"
    wb.save(tmp_path / "plain.xlsx")
    assert cli("import-corrections", str(out), str(tmp_path / "plain.xlsx")) == 1
    err = capsys.readouterr().err
    assert "plain.xlsx" in err and "not a review workbook" in err


def test_export_warns_about_orphaned_corrections(out, tmp_path, capsys):
    from pipeline.review.corrections import apply_to_document, read_document_json
    from pipeline.review.keys import CellKey
    from pipeline.review.store import ReviewStore

    path = next(out.rglob("*.json"))
    _, doc = read_document_json(path)
    ReviewStore.for_output(out).record(CellKey(doc.sha256, "template:T05#0", "label:不存在的行#0", "合计#0"), "", "1.00",
                                       reviewer="孙八")
    assert cli("export", str(out), "--format", "csv", "-o", str(tmp_path / "csv")) == 0
    assert "orphaned correction" in capsys.readouterr().err and "label:不存在的行#0" in \
        ReviewStore.for_output(out).corrections(status="orphaned")[0].key.row
    # what `disclosure extract` calls after writing a document: by output folder
    result = apply_to_document(doc, out)
    assert len(result.orphaned) == 1 and not result.applied
    assert apply_to_document(doc, tmp_path / "nowhere").orphaned == []
