"""Review store, correction keys and re-application (on a document built from a real PDF page).

Also home of :func:`build_review_out`, the OUT-folder fixture the other review tests import.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from pipeline.model import Alternative, Cell, CodeMatch, Document, PageInfo, Row, Table
from pipeline.numbers import value_of

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PUTUO = SHARED / "real" / "juesuan" / "putuo-caizheng-2024-juesuan.pdf"
PAGE = 15  # 一般公共预算财政拨款支出决算表
DPI = 100
# x ranges (PDF points) of the printed columns on page 15
COLUMN_X = [(0, 170), (170, 380), (380, 436), (436, 500), (500, 600)]
COLUMNS = ["科目编码", "科目名称", "合计", "基本支出", "项目支出"]
TITLE = "一般公共预算财政拨款支出决算表"
OCR_SCORE = 0.97  # the page is treated as OCR'd: readings are good but not certain

# machine misreadings seeded into the fixture: (code, column, printed, misread, alternative)
MISREADS = [("2010601", 3, "1,503.52", "1,508.52", "1,503.52"),
            ("2210203", 2, "258.50", "258.80", "258.50")]


def _text_rows(pdf_path: Path, page_number: int) -> tuple[list[list[tuple[str, tuple[int, int, int, int]]]], tuple]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    page = pdf[page_number - 1]
    width, height = page.get_size()
    tp = page.get_textpage()
    scale = DPI / 72
    lines: list[dict] = []
    for i in range(tp.count_chars()):
        ch = tp.get_text_range(i, 1)
        if not ch.strip():
            continue
        left, bottom, right, top = tp.get_charbox(i)
        y = height - (top + bottom) / 2  # glyph centres: commas sit low, “一” is flat
        line = next((ln for ln in lines if abs(ln["y"] - y) < 6), None)
        if line is None:
            line = {"y": y, "chars": []}
            lines.append(line)
        line["chars"].append((ch, left, height - top, right, height - bottom))
    rows = []
    for line in sorted(lines, key=lambda ln: ln["y"]):
        cells = []
        for x0, x1 in COLUMN_X:
            chars = [c for c in line["chars"] if x0 <= (c[1] + c[3]) / 2 < x1]
            if not chars:
                cells.append(("", None))
                continue
            text = "".join(c[0] for c in chars)
            box = (int(min(c[1] for c in chars) * scale) - 2, int(min(c[2] for c in chars) * scale) - 2,
                   int(max(c[3] for c in chars) * scale) + 2, int(max(c[4] for c in chars) * scale) + 2)
            cells.append((text, box))
        rows.append(cells)
    pdf.close()
    return rows, (int(width * scale), int(height * scale))


def build_document(pdf_path: Path = PUTUO) -> Document:
    """The 一般公共预算财政拨款支出决算表 of a real PDF as the pipeline would output it, with two seeded
    misreadings flagged low_ocr, validated and scored by the real engines (skips when ../shared is absent)."""
    from pipeline.review.corrections import revalidate

    if not pdf_path.exists():
        pytest.skip(f"{pdf_path} absent (../shared/real)")

    lines, (width, height) = _text_rows(pdf_path, PAGE)
    body = [ln for ln in lines if ln[0][0][:3].isdigit() or ln[1][0] == "合计"]
    rows = []
    for ln in body:
        cells = []
        for ci, (text, box) in enumerate(ln):
            cell = Cell(text=text, value=value_of(text) if ci >= 2 else None, bbox=box,
                        kind="number" if ci >= 2 and text else ("text" if text else "empty"),
                        ocr_score=OCR_SCORE if text else 1.0)
            cells.append(cell)
        code = cells[0].text if cells[0].text.isdigit() else ""
        codes = [CodeMatch(column=0, code=code, name=cells[1].text, score=1.0, source="printed")] if code else []
        rows.append(Row(page=PAGE, cells=cells, codes=codes))
    for code, column, printed, misread, alternative in MISREADS:
        row = next(r for r in rows if r.codes and r.codes[0].code == code)
        cell = row.cells[column]
        assert cell.text == printed, (code, cell.text)
        cell.text, cell.value = misread, value_of(misread)
        cell.confidence, cell.ocr_score, cell.review = 0.42, 0.42, True
        cell.reasons = ["low_ocr"]
        cell.alternatives = [Alternative(alternative, 0.38, "ocr")]
    header = [["项目", "", "", "", ""], ["支出功能分类科目编码", "科目名称", "合计", "基本支出", "项目支出"]]
    table = Table(id="t1", title=TITLE, form="", unit="万元", pages=[PAGE], header=header, columns=list(COLUMNS),
                  rows=rows, template="T05")
    doc = Document(source_path=str(pdf_path), sha256=hashlib.sha256(pdf_path.read_bytes()).hexdigest(),
                   page_count=25, authority="上海市普陀区财政局", year=2024, kind="部门决算",
                   pages=[PageInfo(number=PAGE, mode="ocr", width=width, height=height, dpi=DPI)],
                   tables=[table])
    return revalidate(doc)


def write_out(out_dir: Path, doc: Document, relative: str = "putuo/caizheng-2024.pdf") -> Path:
    path = out_dir / f"{relative}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = doc.to_dict()
    data["source"]["file"] = doc.source_path
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def build_review_out(out_dir: Path) -> Path:
    if not PUTUO.exists():
        pytest.skip(f"{PUTUO} absent")
    write_out(out_dir, build_document())
    return out_dir


def find_row(doc: Document, code: str) -> int:
    return next(i for i, r in enumerate(doc.tables[0].rows) if r.codes and r.codes[0].code == code)


# -- tests -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def machine_doc() -> Document:
    if not PUTUO.exists():
        pytest.skip(f"{PUTUO} absent")
    return build_document()


def test_fixture_flags_the_misread_cells_and_their_identities(machine_doc):
    table = machine_doc.tables[0]
    assert len(table.rows) == 20 and table.rows[-1].cells[1].text == "合计"
    bad = table.rows[find_row(machine_doc, "2010601")].cells[3]
    assert bad.review and "low_ocr" in bad.reasons
    failed = [c for c in machine_doc.checks if not c.ok]
    assert failed, "the seeded misreading must break an identity"
    assert any(("t1", find_row(machine_doc, "2010601"), 3) in [tuple(x) for x in c.cells] for c in failed)


def test_keys_are_stable_and_survive_a_changed_reading(machine_doc):
    from pipeline.review.keys import CellAddress, KeyIndex

    keys = KeyIndex.build(machine_doc)
    r = find_row(machine_doc, "2010601")
    key = keys.key_of(CellAddress(0, r, 3))
    assert key.table == "template:T05#0" and key.row == "code:2010601#0" and key.column == "基本支出#0"
    total = keys.key_of(CellAddress(0, len(machine_doc.tables[0].rows) - 1, 2))
    assert total.row == "label:合计#0"
    # a re-extraction that drops a row still finds the cell by its key, at its new position
    other = build_document()
    del other.tables[0].rows[0]
    moved = KeyIndex.build(other).address_of(key.table, key.row, key.column)
    assert moved == CellAddress(0, r - 1, 3)


def test_correction_is_applied_revalidated_and_audited(tmp_path, machine_doc):
    from pipeline.review.corrections import apply_to_document
    from pipeline.review.keys import CellAddress, KeyIndex
    from pipeline.review.store import ReviewStore

    store = ReviewStore.for_output(tmp_path)
    r = find_row(machine_doc, "2010601")
    key = KeyIndex.build(machine_doc).key_of(CellAddress(0, r, 3))
    correction, status = store.record(key, "1,508.52", "1,503.52", reviewer="张三")
    assert status == "recorded" and correction.revision == 1

    doc = build_document()
    result = apply_to_document(doc, store)
    cell = doc.tables[0].rows[r].cells[3]
    assert (cell.text, cell.value, cell.original) == ("1,503.52", 1503.52, "1,508.52")
    assert "corrected" in cell.reasons and not cell.review and cell.confidence == 1.0
    assert len(result.applied) == 1 and not result.orphaned
    # the identities that covered the corrected cell hold now
    covering = [c for c in doc.checks if ("t1", r, 3) in [tuple(x) for x in c.cells]]
    assert covering and all(c.ok for c in covering)

    log = store.audit()
    assert [(e.action, e.reviewer, e.old_text, e.new_text) for e in log] == [("correct", "张三", "1,508.52", "1,503.52")]


def test_audit_log_is_append_only(tmp_path):
    from pipeline.review.keys import CellKey
    from pipeline.review.store import ReviewStore

    store = ReviewStore.for_output(tmp_path)
    store.record(CellKey("d", "t#0", "code:201#0", "合计#0"), "1", "2", reviewer="a")
    conn = sqlite3.connect(store.path)
    for sql in ("UPDATE audit_log SET new_text='x'", "DELETE FROM audit_log", "DELETE FROM corrections"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only|never deleted"):
            conn.execute(sql)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_orphaned_correction_is_reported_not_dropped(tmp_path, machine_doc):
    from pipeline.review.corrections import apply_corrections, orphan_messages
    from pipeline.review.keys import CellKey
    from pipeline.review.store import ReviewStore

    write_out(tmp_path, machine_doc)
    store = ReviewStore.for_output(tmp_path)
    store.record(CellKey(machine_doc.sha256, "template:T05#0", "code:2999999#0", "合计#0"), "1.00", "2.00",
                 reviewer="李四")
    store.record(CellKey("0" * 64, "公开01表#0", "label:总计#0", "决算数#0"), "1.00", "2.00", reviewer="李四")
    docs = apply_corrections(tmp_path, store)
    messages = orphan_messages(docs)
    assert len(messages) == 1 and "code:2999999#0" in messages[0] and "orphaned" in messages[0]
    orphaned = store.corrections(status="orphaned")
    assert len(orphaned) == 2 and len(store.corrections()) == 2
    assert [e.action for e in store.audit()].count("orphaned") == 2


def test_concurrent_reviewers_lose_nothing(tmp_path):
    from pipeline.review.keys import CellKey
    from pipeline.review.store import ReviewStore

    path = tmp_path / "review.sqlite"
    ReviewStore(path)
    errors: list[BaseException] = []

    def reviewer(name: str) -> None:
        store = ReviewStore(path)  # own connection per write, like a second server process
        try:
            for i in range(40):
                store.record(CellKey("doc", "t#0", f"code:{name}{i}#0", "合计#0"), "0", str(i), reviewer=name)
        except BaseException as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)

    threads = [threading.Thread(target=reviewer, args=(n,)) for n in ("a", "b", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    store = ReviewStore(path)
    assert len(store.corrections()) == 120 and len(store.audit()) == 120


def test_conflicting_revision_is_refused(tmp_path):
    from pipeline.review.keys import CellKey
    from pipeline.review.store import ReviewStore

    store = ReviewStore.for_output(tmp_path)
    key = CellKey("d", "t#0", "code:201#0", "合计#0")
    store.record(key, "1", "2", reviewer="a")
    current, status = store.record(key, "1", "3", reviewer="b", expected_revision=0)
    assert status == "conflict" and current.new_text == "2"
    assert store.correction(key).new_text == "2"
    assert store.audit()[-1].action == "conflict"


def _process_reviewer(path: str, name: str, count: int) -> None:
    from pipeline.review.keys import CellKey
    from pipeline.review.store import ReviewStore

    store = ReviewStore(path)
    for i in range(count):
        store.record(CellKey("doc", "t#0", f"code:{name}{i}#0", "合计#0"), "0", str(i), reviewer=name)


def test_two_reviewer_processes_lose_nothing(tmp_path):
    import multiprocessing

    from pipeline.review.store import ReviewStore

    path = str(tmp_path / "review.sqlite")
    ReviewStore(path)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_process_reviewer, args=(path, name, 30)) for name in ("p", "q")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    store = ReviewStore(path)
    assert len(store.corrections()) == 60 and {e.reviewer for e in store.audit()} == {"p", "q"}
