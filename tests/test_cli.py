"""`disclosure extract` as an archivist runs it: a folder with good and bad files, resume, exit codes,
outputs valid against the JSON Schema, CSVs that Excel opens (UTF-8 BOM)."""
from __future__ import annotations

import json
import shutil

import jsonschema
from PIL import Image

from pipeline.cli import main
from tests.conftest import ROOT, SAMPLES

SCHEMA = json.loads((ROOT / "models" / "schema" / "document-1.schema.json").read_text(encoding="utf-8"))


def _folder(tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    shutil.copy(SAMPLES / "s04_health_2023_digital.pdf", src / "sub" / "health.pdf")
    (src / "notes.pdf").write_text("not a pdf", encoding="utf-8")
    (src / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 200)
    Image.new("RGB", (1, 1), "white").save(src / "dot.png")
    (src / "readme.txt").write_text("ignored: not a PDF or image", encoding="utf-8")
    return src


def test_batch_with_bad_files_resume_and_schema(tmp_path, capsys):
    src, out = _folder(tmp_path), tmp_path / "out"
    code = main(["extract", str(src), "-o", str(out), "--quiet"])
    printed = capsys.readouterr().out
    assert code == 1  # some documents failed, the others were written
    for name, reason in [("notes.pdf", "not a PDF file"), ("broken.pdf", "corrupt or unreadable PDF"),
                         ("dot.png", "too small")]:
        line = next(l for l in printed.splitlines() if l.startswith("failed") and name in l)
        assert reason in line
    doc = json.loads((out / "sub" / "health.pdf.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, SCHEMA)
    assert doc["source"]["path"] == "sub/health.pdf" and doc["source"]["pages"] > 5
    assert all(p["mode"] == "text" for p in doc["pages"])
    assert len(doc["tables"]) >= 9
    for t in doc["tables"]:
        for row in t["rows"]:
            assert len(row["cells"]) == len(t["columns"])
    csvs = sorted((out / "sub" / "health.pdf.tables").glob("*.csv"))
    assert len(csvs) == len(doc["tables"])
    raw = csvs[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    summary = json.loads((out / "run-summary.json").read_text(encoding="utf-8"))
    assert summary["documents"] == {"ok": 1, "ok_with_warnings": 0, "skipped": 0, "failed": 3}
    assert not list(out.rglob("*.tmp"))  # nothing half-written

    # rerun: the good document is up to date and skipped; --force redoes it
    mtime = (out / "sub" / "health.pdf.json").stat().st_mtime_ns
    assert main(["extract", str(src), "-o", str(out), "--quiet"]) == 1
    assert (out / "sub" / "health.pdf.json").stat().st_mtime_ns == mtime
    assert json.loads((out / "run-summary.json").read_text())["documents"]["skipped"] == 1
    assert main(["extract", str(src / "sub"), "-o", str(out / "again"), "--quiet", "--force"]) == 0
    assert (out / "again" / "health.pdf.json").exists()
    # an OUT that reviewers used (review.sqlite exists) re-extracts cleanly
    assert main(["export", str(out / "again"), "--format", "csv", "-o", str(tmp_path / "export")]) == 0
    assert (out / "again" / "review.sqlite").exists()
    # long format: in the two-sided 收入支出决算总表 only the 支出 side carries the class code
    import csv

    with open(tmp_path / "export" / "long.csv", encoding="utf-8-sig") as f:
        long = [r for r in csv.DictReader(f) if r["form"] == "公开01表" and r["row"] == "0"]
    by_col = {r["column"]: r for r in long}
    assert by_col["收入/金额"]["code"] == "" and by_col["收入/金额"]["value"] not in ("", None)
    assert by_col["支出/金额"]["code"] == "201" and by_col["支出/金额"]["name"] == "一般公共服务支出"
    # a single-file export given a folder name writes the usual file inside it
    assert main(["export", str(out / "again"), "--format", "xlsx", "-o", str(tmp_path / "xl")]) == 0
    assert (tmp_path / "xl" / "disclosure.xlsx").exists()
    assert main(["extract", str(src / "sub"), "-o", str(out / "again"), "--quiet", "--force"]) == 0
    # other settings make the output stale
    assert main(["extract", str(src / "sub"), "-o", str(out / "again"), "--quiet", "--dpi", "150"]) == 0
    assert json.loads((out / "again" / "run-summary.json").read_text())["documents"]["ok"] == 1


def test_usage_errors(tmp_path, capsys):
    # the error names the file on one line, whatever its length or its brackets (no rich markup, no wrapping)
    missing = tmp_path / ("a-long-folder-name-for-an-archive-batch-" * 3) / "scan[1].pdf"
    assert main(["extract", str(missing), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"error: {missing}: no such file or folder\n" in err and "[red]" not in err
    assert main(["extract", str(tmp_path), "-o", str(tmp_path / "o"), "--dpi", "5"]) == 2
    assert main([]) == 2
