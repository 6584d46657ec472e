"""Columns of the seed-45 tuning set's worn grey photocopies (generator profile ``photocopy150``), pages sliced
out of the generated documents so the tests read only them. Each failure was silent or put a whole table in
review:

- beiguan's 公开04表 (pages 5–6): its 栏次 row read “栏次 | 十一1 | 1 | 栏次 | | 2 …” (a rule's remnant read as
  strokes beside the 行次 column's blank), taken for labels: every column was named by its number, no
  template knew the table, and nothing said so — 122 cells unflagged that no identity checked
  (``headers.is_column_number_row``; ``verdict._named``: a table whose title is a misread marker names nothing);
- nanyang's 公开03表 (pages 5–6): a seal over the page's right edge read as a ninth column of marks (“1”,
  “中7”, “eB”), every one of the table's 396 cells in review for a column too many
  (``verdict.drop_stray_columns``);
- education's 公开03表 (pages 5–6): a stray line down the left of 本年支出合计's column made a column of its own,
  reading marks (“一”, “1A3”, “7”) and one amount whose own cell was left blank — all 272 cells in review though
  its 124 identities hold;
- jincheng's 公开03表 (pages 5–6, read with its neighbours, pages 3–8): its title and header worn away, its
  marker read “公开00表”, no template knew it — every cell in review, no identity built
  (``templates.templates_by_place``: between 公开02表 and 公开04表, with 公开03表's eight columns, it is 公开03表);
- nanyang's 公开07表 (page 13): the rule between 科目名称 and 年初结转和结余 lost down the page, each row read
  “其他支出145.95” in one cell, every amount right of it a column off against the header, unflagged
  (``interpret._names_then_amounts``);
- agriculture's 公开06表 (page 10): the rule between 公用经费's 科目名称 and 决算数 found from the header to a row,
  its ink below that too thin (45 %) to stand alone as a rule: each “——” under it read with the name beside it
  and lost, unflagged (``layout._line_pieces``);
- police's 公开06表 (pages 10–11): page 11, skewed, reads its amounts and the codes beside them as one
  (“222.5230229”) — its print runs across page 10's 决算数 | 经济分类科目编码 lines, which were then taken out
  of page 10 too (partly inferred there) and every amount of the table read with a code
  (``extract._carry_columns``: a line seen as a rule over most of the page stays;
  ``interpret._split_amount_and_code``);
- education's 公开04表 (page 7): the 阝 of the watermark's 部, grey as the worn rules and 9 mm tall, taken for a
  column rule inside 项目 (and two more such strokes elsewhere): ten columns, the 收入 side a column off, 138
  of 220 cells wrong (``layout.chained_segments``: a short vertical piece alone on its line is a stroke);
- education's and police's 公开09表 (page 14): column rules lost over the one row of amounts, two and three
  amounts read as one cell (“41.7232.71”, “6.770.006.77”), the grid ten and eight columns wide for twelve,
  every amount after the first such cell a column off, the table in review whole
  (``interpret.split_record_amounts``);
- agriculture's 公开02表 (doc 7, pages 3–4): the rule between 事业收入 and 经营收入 lost in the header only, one
  header cell “事业收入经营收入” over the two blank columns, which were joined into one (a column missing: all 261
  cells in review); and 项目科目代码 over the code and name columns alike, so every row's name beside its code
  read as a row shifted (``columns_merged``) — ``interpret.join_split_blank_columns``, ``interpret._mostly_words``;
- nanyang's 公开03表 (pages 5–6): 1,813.50 printed in 项目支出 three rows running, their 1s stacked into a
  “rule” that cut each 1 off (813.50) (``layout._glyph_chain``);
- police's 公开02表 (pages 3–4): the row rule between 执法办案 and 特别业务 lost, both rows' lines stacked in one
  grid row and read as one (“185.60172.53”), because a watermark stroke run into one column's lower line
  narrowed its gap past the others' (``textgrid._shared_gap``);
- nanyang's 公开03表 (page 5): a watermark stroke or a rule's remnant inside a cell, read on one line with the
  number far right of it: “10.00” and “i 3,711.14” (``read._without_strokes_apart``);
- education's 公开10表 (page 15): 合计 worn away, its 1,285.11 read 285.11 — no sum checks a row no label names
  (``labels._lost_row_labels``);
- nanyang's 公开06表 (pages 11–12): four of seven identities failing, three of them over readings that are no
  amount, and a code column under a label worn to “攝的” taken for an amount column: all 261 cells in review
  (``verdict._identities_failing``, ``headers.names_amounts``);
- agriculture_007's 公开01表 (page 2): its last two rows, below a bottom rule worn to dashes, lost without a
  word (``textgrid.complete_tables``); 6453.18 read “645318” (``interpret._point_lost``);
- jincheng's 公开10表 (page 16): seen as two grids, the second over the first's foot, its rows from 三、 on a table
  no template knew, all in review (``assemble._rest_of_the_table``); agriculture_007's 公开04表 (pages 7–8):
  page 8's header worn and a stroke for a column rule, the page a table of its own (``assemble._column_map``);
  jincheng's 公开03表: “888.281” for 888.28 (``interpret._stroke_after``);
- jincheng's 公开06表 (pages 11–12): page 12's grid without 商品和服务支出's name column, each code read with
  its name (“30227委托业务费”) over a blank name cell boxed at another block's names — unflagged, the name column
  blank (``interpret._reads_across``);
- agriculture's 公开10表 (page 16): the rules of its first rows lost, the grid found from line 8 down and one row
  (服务 | 4) that kept its rules a grid of its own: the page ``unrecovered``, ten of its 19 rows lost — carried
  up by its line numbers (``textgrid.rows_above``, ``_numbered_bands_above``, ``piece_of``, ``_without_stubs``).
  The seal over 统计数 read as strokes (“1”) where nothing is printed: in review (``score._seal_stroke``);
- agriculture_007's 公开02表 (page 3): 76.41 of 其他收入 read in a cell over 附属单位上缴收入 | 其他收入 (the rule
  between them lost in three rows), the lost rule's remnant read with it: given to 附属单位上缴收入, unflagged —
  the row's sum holds wherever it stands (``assemble._amount_in_its_column``: flush right in the last column);
- agriculture's 公开06表 (pages 10–11): 医疗费's code 30213 read in the 决算数 left of it (the rule between them
  lost on that row), 301's sum failing by it and every amount of the column in review
  (``interpret._code_in_its_sequence``)."""
from __future__ import annotations

import json
import re

import pytest

from pipeline.extract import extract_document
from pipeline.textnorm import compare_key
from tests.conftest import acted, case_not_shown, sliced_pdf, worn_photocopy


def _truth_table(truth: dict, form: str) -> dict:
    return next(t for t in truth["tables"] if t.get("form") == form)


def _amounts(table: dict) -> list[tuple[int, int, str]]:
    return [(ri, ci, c["text"]) for ri, r in enumerate(table["rows"]) for ci, c in enumerate(r["cells"])
            if c.get("value") is not None]


def _seed45(factory, index: int, department: str, font: str, repeat_header: bool | None):
    return worn_photocopy(factory.mktemp(f"{department}45"), 45, index, department, font, repeat_header)


@pytest.fixture(scope="module")
def beiguan(tmp_path_factory):
    pdf, truth = _seed45(tmp_path_factory, 1, "beiguan_rs", "serif", True)
    return sliced_pdf(pdf, [5, 6]), truth


@pytest.fixture(scope="module")
def nanyang(tmp_path_factory):
    return _seed45(tmp_path_factory, 5, "nanyang_rs", "uming", None)


@pytest.fixture(scope="module")
def education_whole(tmp_path_factory):
    return _seed45(tmp_path_factory, 2, "education", "serif", True)


@pytest.fixture(scope="module")
def education(education_whole):
    pdf, truth = education_whole
    return sliced_pdf(pdf, [5, 6]), truth


@pytest.fixture(scope="module")
def jincheng_whole(tmp_path_factory):
    return _seed45(tmp_path_factory, 4, "jincheng_rs", "uming", False)


@pytest.fixture(scope="module")
def jincheng(jincheng_whole):
    pdf, truth = jincheng_whole
    return sliced_pdf(pdf, [3, 4, 5, 6, 7, 8]), truth


@pytest.fixture(scope="module")
def agriculture(tmp_path_factory):
    return _seed45(tmp_path_factory, 0, "agriculture", "sans", True)


@pytest.fixture(scope="module")
def health(tmp_path_factory):
    pdf, truth = worn_photocopy(tmp_path_factory.mktemp("health45"), 45, 3, "health", "sans", None, cover=False)
    return sliced_pdf(pdf, [7, 8]), truth


@pytest.fixture(scope="module")
def agriculture7_whole(tmp_path_factory):
    return _seed45(tmp_path_factory, 7, "agriculture", "uming", True)


@pytest.fixture(scope="module")
def agriculture7(agriculture7_whole):
    pdf, truth = agriculture7_whole
    return sliced_pdf(pdf, [10]), truth


@pytest.fixture(scope="module")
def police_whole(tmp_path_factory):
    return _seed45(tmp_path_factory, 6, "police", "uming", None)


@pytest.fixture(scope="module")
def police(police_whole):
    pdf, truth = police_whole
    return sliced_pdf(pdf, [10, 11]), truth


def _only_table(doc):
    tables = [t for t in doc.tables if t.rows]
    assert len(tables) == 1, [(t.id, t.template, t.title) for t in doc.tables]
    return tables[0]


def test_a_lanci_row_with_a_rules_strokes_in_it_is_no_row_of_labels(beiguan, monkeypatch):
    """公开04表 is recognised (T04), its columns named by its labels, its amounts given and checked; with the
    strokes not taken for marks and the row not known by its word 栏次 alone (counterfactual) no template knows
    the table, and then every cell of it is in review (``template_unmatched``: its title, “金单位4表”, names none)
    and its page ``unrecovered``."""
    from pipeline import headers

    pdf, truth = beiguan
    table = _only_table(extract_document(pdf))
    assert table.template == "T04", (table.template, table.columns)
    assert not any(re.fullmatch(r"\d+|栏次", c.split("/")[-1]) for c in table.columns), table.columns
    printed = _truth_table(truth, "公开04表")
    amounts = _amounts(printed)
    right = sum(ri < len(table.rows) and ci < len(table.rows[ri].cells) and table.rows[ri].cells[ci].text == text
                for ri, ci, text in amounts)
    assert right >= 0.95 * len(amounts), (right, len(amounts))

    from pipeline import assemble, headercheck

    monkeypatch.setattr(headers, "_STROKES", re.compile(r"(?!)"))
    for module in (headers, assemble, headercheck):  # (nor the row known by its word 栏次 alone)
        monkeypatch.setattr(module, "is_lanci_row", headers.is_column_number_row)
    doc = extract_document(pdf)
    table = _only_table(doc)
    assert table.template is None
    cells = [c for r in table.rows for c in r.cells]
    assert all(c.review and "structure" in c.reasons for c in cells if c.text), \
        [c.text for c in cells if c.text and not c.review][:10]
    assert any(p.status == "unrecovered" for p in doc.pages), [(p.number, p.status) for p in doc.pages]


def test_a_seals_marks_beyond_the_last_rule_are_taken_off_as_no_column(nanyang, monkeypatch):
    """公开03表 keeps its eight columns, the marks told in a ``stray_column`` warning, and no cell is in review
    for the table's structure; counterfactual (no column taken off): nine columns, every cell ``structure``."""
    from pipeline import verdict

    pdf, _ = nanyang
    sliced = sliced_pdf(pdf, [5, 6])
    doc = extract_document(sliced)
    table = _only_table(doc)
    assert table.template == "T03" and len(table.columns) == 8, table.columns
    stray = [w for w in doc.warnings if w["kind"] == "stray_column"]
    assert not any("structure" in c.reasons for r in table.rows for c in r.cells)
    assert not any(w["kind"] == "table_structure" and "columns_extra" in w["reasons"] for w in doc.warnings)
    if not stray:
        case_not_shown("公开03表 pages 5–6 read with no column of the seal's marks beyond its last rule")
    assert len(stray) == 1 and stray[0]["column"] == 8 and len(stray[0]["texts"]) >= 5, stray

    monkeypatch.setattr(verdict, "stray_columns", lambda table, roles=None: [])
    doc = extract_document(sliced)
    table = _only_table(doc)
    assert len(table.columns) == 9
    assert all("structure" in c.reasons for r in table.rows for c in r.cells)


def test_a_stray_lines_slice_of_a_column_goes_and_its_amount_goes_home(education, monkeypatch):
    """公开03表 keeps its eight columns; 1,033.12, read left of the stray line, is 本年支出合计's again (公务员医疗补助:
    1,033.12 | 1,033.12 | 0.00 …); its identities hold and no cell is in review for structure. Counterfactual:
    nine columns, every cell ``structure``."""
    from pipeline import verdict

    pdf, truth = education
    doc = extract_document(pdf)
    table = _only_table(doc)
    assert table.template == "T03" and len(table.columns) == 8, table.columns
    row = next(r for r in table.rows if r.cells[0].text == "2101103")
    assert [c.text for c in row.cells[2:5]] == ["1,033.12", "1,033.12", "0.00"], [c.text for c in row.cells]
    stray = [w for w in doc.warnings if w["kind"] == "stray_column"]
    assert len(stray) == 1 and stray[0]["column"] == 2 and "1,033.12" not in stray[0]["texts"], stray
    assert not any("structure" in c.reasons for r in table.rows for c in r.cells)
    checks = [c for c in doc.checks if c.table == table.id]
    assert len(checks) >= 100 and all(c.ok for c in checks), [c.rule for c in checks if not c.ok]
    assert sum(c.review for r in table.rows for c in r.cells) <= 0.1 * sum(len(r.cells) for r in table.rows)

    monkeypatch.setattr(verdict, "stray_columns", lambda table, roles=None: [])
    table = _only_table(extract_document(pdf))
    assert len(table.columns) == 9
    assert all("structure" in c.reasons for r in table.rows for c in r.cells)


def test_names_run_into_the_amounts_beside_them_are_split_into_their_columns(nanyang, monkeypatch):
    """公开07表's 科目名称 and 年初结转和结余 are two columns again, each row's name and amount apart, and every
    amount is in the column the header names (as printed: 145.95 | 1,684.11 | 1,813.50 …); counterfactual:
    seven columns, the 年初结转和结余 amounts run into the names and every amount a column off."""
    from pipeline import interpret

    pdf, truth = nanyang
    sliced = sliced_pdf(pdf, [13])
    printed = _truth_table(truth, "公开07表")
    table = _only_table(extract_document(sliced))
    assert table.template == "T07" and len(table.columns) == 8, table.columns
    assert [r.cells[1].text for r in table.rows][:2] == ["合计", "其他支出"], [r.cells[1].text for r in table.rows]
    amounts = _amounts(printed)
    right = sum(ri < len(table.rows) and table.rows[ri].cells[ci].text == text for ri, ci, text in amounts)
    assert right >= len(amounts) - 2, (right, len(amounts), [[c.text for c in r.cells] for r in table.rows])

    monkeypatch.setattr(interpret, "_names_then_amounts", lambda table, ci, span: None)
    table = _only_table(extract_document(sliced))
    assert len(table.columns) == 7
    right = sum(ri < len(table.rows) and ci < len(table.rows[ri].cells) and table.rows[ri].cells[ci].text == text
                for ri, ci, text in amounts)
    assert right <= len(amounts) // 4, right


def test_a_table_nothing_names_takes_the_template_of_its_place_in_the_set(jincheng, monkeypatch):
    """Between 公开02表 and 公开04表, with eight columns, the table whose title, header and marker wore away is
    公开03表: its identities are built (most hold) and its body is borne out by them, so most of its cells are
    out of review; counterfactual (no template by place): no template, every cell ``structure``."""
    from pipeline import templates

    pdf, truth = jincheng
    with monkeypatch.context() as m:
        placed = acted(m, templates, "templates_by_place", lambda r, *a: bool(r))
        doc = extract_document(pdf)
    assert [t.template for t in doc.tables if t.rows] == ["T02", "T03", "T04"], [(t.id, t.template) for t in doc.tables]
    table = next(t for t in doc.tables if t.template == "T03")
    checks = [c for c in doc.checks if c.table == table.id]
    assert len(checks) >= 50 and sum(c.ok for c in checks) >= 0.85 * len(checks)
    cells = [c for r in table.rows for c in r.cells]
    assert sum(c.review for c in cells) <= 0.3 * len(cells)
    printed = _truth_table(truth, "公开03表")
    amounts = _amounts(printed)
    right = sum(ri < len(table.rows) and ci < len(table.rows[ri].cells) and table.rows[ri].cells[ci].text == text
                for ri, ci, text in amounts)
    assert right >= 0.85 * len(amounts), (right, len(amounts))

    if not placed:
        case_not_shown("公开03表 pages 5–6: its title or marker read, the template known without its place")
    monkeypatch.setattr(templates, "templates_by_place", lambda doc: {})
    doc = extract_document(pdf)
    assert [t.template for t in doc.tables if t.rows] == ["T02", None, "T04"]
    table = next(t for t in doc.tables if t.rows and t.template is None)
    assert all("structure" in c.reasons for r in table.rows for c in r.cells if c.text)


def test_a_worn_economic_table_reads_the_same_whatever_the_hash_seed(tmp_path_factory):
    """Seed-45 health's 公开06表 (pages 7–8), its code column worn (0101 read for 30101 as often as a code
    beginning with 3): which classification its codes were matched in was decided by the order a set of
    strings iterates in, so some runs (two of three hash seeds tried) matched them as functional codes — its
    class sums failed and 88 cells went to review instead of 59. Two runs with different ``PYTHONHASHSEED``
    give the same document."""
    import os
    import subprocess
    import sys

    pdf, _ = worn_photocopy(tmp_path_factory.mktemp("health45"), 45, 3, "health", "sans", None, cover=False)
    pages = sliced_pdf(pdf, [7, 8])
    script = ("import json, sys; from pipeline.extract import extract_document; "
              "d = extract_document(sys.argv[1]).to_dict(); d.pop('timings', None); "
              "print(json.dumps([d['tables'], d['checks']], ensure_ascii=False, sort_keys=True))")
    outputs = []
    for seed in ("1", "2"):
        run = subprocess.run([sys.executable, "-c", script, str(pages)], capture_output=True, text=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
        outputs.append(run.stdout)
    tables = json.loads(outputs[0])[0]
    assert any(t.get("template") == "T06" for t in tables)
    assert outputs[0] == outputs[1]


def _printed_right(table, printed: dict) -> tuple[int, int, list]:
    """(cells of ``printed`` read as printed, cells, the misses) — blank and “——” cells too (a dash as the scorer
    compares it: — and —— alike)."""
    cells = [(ri, ci, c["text"]) for ri, r in enumerate(printed["rows"]) for ci, c in enumerate(r["cells"])]
    miss = [(ri, ci, text) for ri, ci, text in cells
            if not (ri < len(table.rows) and ci < len(table.rows[ri].cells)
                    and compare_key(table.rows[ri].cells[ci].text) == compare_key(text))]
    return len(cells) - len(miss), len(cells), miss


def test_a_faded_stretch_of_a_column_rule_in_line_with_its_rule_is_the_rule(agriculture, monkeypatch):
    """公开06表's first page: the dashes (——) of 公用经费's 决算数 under 资本性支出（基本建设） are read as printed,
    in their own column; counterfactual (faded pieces not taken): they are lost in the name cells beside them,
    their cells blank and unflagged."""
    from pipeline import layout

    pdf, truth = agriculture
    sliced = sliced_pdf(pdf, [10])
    printed = _truth_table(truth, "公开06表")
    printed = {"rows": [r for r in printed["rows"] if r["page"] == 10]}
    dashes = [(ri, r["cells"][8]["text"]) for ri, r in enumerate(printed["rows"]) if r["cells"][8]["text"] == "——"]
    assert len(dashes) >= 5
    table = _only_table(extract_document(sliced))
    assert table.template == "T06" and len(table.columns) == 12, table.columns
    read = [table.rows[ri].cells[8].text for ri, _ in dashes]
    assert sum(compare_key(t) == compare_key("——") for t in read) >= len(dashes) - 1, read
    right, n, miss = _printed_right(table, printed)
    assert right >= 0.95 * n, miss

    monkeypatch.setattr(layout, "_line_pieces", lambda *a, **k: [])
    table = _only_table(extract_document(sliced))
    read = [table.rows[ri].cells[8] for ri, _ in dashes if ri < len(table.rows)]
    assert sum(compare_key(c.text) == compare_key("——") for c in read) <= 1 and any(not c.review for c in read), \
        [c.text for c in read]


def test_a_code_read_left_of_its_lost_rule_goes_to_its_column(agriculture, monkeypatch):
    """公开06表 (pages 10–11): a catalogue's code read in 决算数 beside its blank code cell, between the codes
    above and below it (30213 under 医疗费's 决算数: the rule between them lost on that row), is put in the code
    column, the amount cell blank, as printed, and 301's sum holds; counterfactual (no code moved): the code
    read as an amount, a sum failing."""
    from pipeline import interpret

    pdf, truth = agriculture
    sliced = sliced_pdf(pdf, [10, 11])
    printed = _truth_table(truth, "公开06表")
    with monkeypatch.context() as m:
        m.setattr(interpret, "_code_in_its_sequence", lambda *a: False)
        doc = extract_document(sliced)
    table = _only_table(doc)
    off = [(table.id, ri, ci) for ri, r in enumerate(table.rows) for ci in (2, 5, 8) if ci + 1 < len(r.cells)
           and interpret._known_code(r.cells[ci].text) and not r.cells[ci + 1].text.strip()]
    if not off:
        case_not_shown("a code read in 决算数 beside its blank code cell")
    through = lambda doc: [chk for chk in doc.checks if any((t, r, c) in off for t, r, c in chk.cells)]  # noqa: E731
    assert through(doc) and not all(chk.ok for chk in through(doc))

    doc = extract_document(sliced)
    table = _only_table(doc)
    assert table.template == "T06", table.columns
    for _, ri, ci in off:
        cells, truth_cells = table.rows[ri].cells, printed["rows"][ri]["cells"]
        assert cells[0].text == truth_cells[0]["text"], (ri, cells[0].text)  # (the row is the printed one)
        assert (cells[ci].text, cells[ci + 1].text) == (truth_cells[ci]["text"], truth_cells[ci + 1]["text"])
    assert through(doc) and all(chk.ok for chk in through(doc)), [chk.rule for chk in through(doc) if not chk.ok]


def test_a_continuation_page_read_askew_leaves_the_columns_of_the_page_before(police):
    """公开06表 over pages 10–11 keeps its nine columns; page 10's amounts are read alone (7,000.51 | 302 …), and
    page 11's, read with the code beside them, are split back (222.52 | 30229); counterfactual (page 11's
    print taken as the word on any line partly inferred): seven columns, amounts and codes read as one."""
    from pipeline.extract import ExtractSettings
    from pipeline.layout import LayoutSettings

    pdf, truth = police
    printed = _truth_table(truth, "公开06表")
    table = _only_table(extract_document(pdf))
    assert table.template == "T06" and len(table.columns) == 9, table.columns
    assert [c.text for c in table.rows[0].cells[:4]] == ["301", "工资福利支出", "7,000.51", "302"]
    amounts = _amounts(printed)
    right = sum(ri < len(table.rows) and ci < len(table.rows[ri].cells) and table.rows[ri].cells[ci].text == text
                for ri, ci, text in amounts)
    assert right >= 0.85 * len(amounts), (right, len(amounts))
    row = next(r for r in table.rows if r.cells[4].text == "福利费")
    assert [c.text for c in row.cells[2:4]] == ["222.52", "30229"] and "rule_missing" in row.cells[3].reasons

    settings = ExtractSettings(layout=LayoutSettings(carried_rule_share=1.01))
    table = _only_table(extract_document(pdf, settings))
    assert len(table.columns) < 9, table.columns  # (page 10's lines taken out with page 11's)
    if len(table.columns) != 7:
        case_not_shown(f"公开06表's page 11 print, read with page 10's lines taken out, kept {len(table.columns)} columns")
    assert re.fullmatch(r"7,000\.51\d+", table.rows[0].cells[2].text), [c.text for c in table.rows[0].cells]


def test_a_watermark_stroke_alone_on_its_line_makes_no_column(education_whole):
    """公开04表's first page has its nine columns, the 收入 side's names, 行次 and amounts each in its own
    (一、一般公共预算财政拨款 | 1 | 38,838.81); counterfactual (short lone pieces kept): a column too many."""
    from pipeline.extract import ExtractSettings
    from pipeline.layout import LayoutSettings

    pdf, truth = education_whole
    sliced = sliced_pdf(pdf, [7])
    table = _only_table(extract_document(sliced))
    assert table.template == "T04" and len(table.columns) == 9, table.columns
    assert [c.text for c in table.rows[0].cells[:3]] == ["一、一般公共预算财政拨款", "1", "38,838.81"]
    printed = _truth_table(truth, "公开04表")
    printed = {"rows": [r for r in printed["rows"] if r["page"] == 7]}
    right, n, miss = _printed_right(table, printed)
    assert right >= 0.9 * n, miss

    settings = ExtractSettings(layout=LayoutSettings(lone_piece_mm=0.0))
    table = _only_table(extract_document(sliced, settings))
    assert len(table.columns) > 9, table.columns


def test_a_column_line_put_back_stands_on_what_is_left_of_its_rule(agriculture7, monkeypatch):
    """Seed-45 agriculture (document 7) 公开06表, first page: the 科目名称 | 决算数 rule of its third block worn to a
    few pieces, the line put back from the text lands on them, not in the middle of the paper left of them, and
    the dashes (——) of that 决算数 column are read as printed, those worn to pieces no text band holds too.
    Counterfactuals: the line in the gutter's middle, 2.3 mm left of the rule — the rule's pieces stand in the
    决算数 cells beside the dashes, and most dashes are lost; no faint dash measured — fewer dashes read."""
    from pipeline import read as read_module
    from pipeline import textgrid

    pdf, truth = agriculture7
    printed = _truth_table(truth, "公开06表")
    printed = {"rows": [r for r in printed["rows"] if r["page"] == 10]}
    dashes = [ri for ri, r in enumerate(printed["rows"]) if r["cells"][8]["text"] == "——"]
    assert len(dashes) >= 10

    def n_dashes(table) -> int:
        read = [table.rows[ri].cells[8].text for ri in dashes if ri < len(table.rows) and len(table.rows[ri].cells) > 8]
        return sum(compare_key(t) == compare_key("——") for t in read)

    table = _only_table(extract_document(pdf))
    assert table.template == "T06" and len(table.columns) == 12, table.columns
    read = n_dashes(table)
    assert read >= len(dashes) - 3, [r.cells[8].text for r in table.rows]
    right, n, miss = _printed_right(table, printed)
    assert right >= 0.9 * n, miss

    with monkeypatch.context() as m:  # (a dash in pieces too thin for a band of text, specks about it)
        m.setattr(read_module, "_faint_dash", lambda gray, dpi, level=205: "")
        assert n_dashes(_only_table(extract_document(pdf))) < read

    monkeypatch.setattr(textgrid, "_at_remnant", lambda x, *a, **k: x)
    table = _only_table(extract_document(pdf))
    assert len(table.columns) == 12, table.columns
    assert n_dashes(table) <= len(dashes) // 2, [r.cells[8].text for r in table.rows]


def test_a_label_wrapped_over_rows_the_grid_cut_apart_still_names_its_column(police, monkeypatch):
    """公开06表 over pages 10–11, its 经济分类科目编码 wrapped over three lines that inferred row lines cut into three
    header rows (经济分 / 类科目 / 编码): its blocks are still the template's, so its cells are scored one by one
    (no ``structure``) and fewer than two in five are in review; counterfactual (the parts not joined):
    ``header_unmatched``, every cell in review."""
    from pipeline import verdict

    pdf, _ = police
    doc = extract_document(pdf)
    table = _only_table(doc)
    assert any(c.count("/") == 2 for c in table.columns), table.columns
    cells = [c for r in table.rows for c in r.cells]
    assert not any("structure" in c.reasons for c in cells)
    assert sum(c.review for c in cells) <= 0.4 * len(cells), sum(c.review for c in cells)

    monkeypatch.setattr(verdict, "_label_readings", lambda columns: [compare_key(c) for c in columns])
    table = _only_table(extract_document(pdf))
    assert all(c.review and "structure" in c.reasons for r in table.rows for c in r.cells)


def test_a_line_number_is_counted_once_its_column_is_named(education_whole, monkeypatch):
    """公开04表 over pages 7–8, its 支出 header's 行次 | 合计 rule lost (one label “行次合计” over both columns when
    the cells were interpreted): the 行次 read 64 between 53 and 55 is put back as 54, the count's number
    (``line_counted``, the reading kept), once the label is cut in two; counterfactual (counted only while the
    label was 行次合计): 64 unflagged."""
    from pipeline import interpret

    pdf, _ = education_whole
    sliced = sliced_pdf(pdf, [7, 8])

    def line_number(table):
        column = next(ci for ci, c in enumerate(table.columns) if c == "支出/行次")
        row = next(r for r in table.rows if r.cells[column - 1].text.startswith("二十二、"))
        return row.cells[column]

    cell = line_number(_only_table(extract_document(sliced)))
    assert (cell.text, cell.original) == ("54", "64") and "line_counted" in cell.reasons and not cell.review, cell
    assert "64" in [a.text for a in cell.alternatives]

    # counterfactual: the count made only when the cells are interpreted (its first call per table), its label
    # still 行次合计 then — not again once the label is cut
    original, seen = interpret.check_line_numbers, []

    def first_only(table, ocr_pages):
        seen.append(list(table.columns))
        if len(seen) == 1:
            original(table, ocr_pages)

    monkeypatch.setattr(interpret, "check_line_numbers", first_only)
    cell = line_number(_only_table(extract_document(sliced)))
    assert len(seen) == 2 and "支出/行次合计" in seen[0] and "支出/行次" in seen[1], seen
    assert cell.text == "64" and "format" not in cell.reasons and not cell.review, cell


def test_identities_failing_by_specks_alone_leave_the_columns_in_no_doubt(jincheng, monkeypatch):
    """公开04表 (pages 7–8), read right but for specks read as “1” in its blank cells and one amount: half its
    identities fail, each by specks in it, so its columns are not in doubt — no ``structure``, its cells
    judged one by one (the specks flagged); counterfactual (specks not discounted): ``identities_failing``,
    every cell in review."""
    from pipeline import validate, verdict

    pdf, _ = jincheng
    doc = extract_document(pdf)
    table = next(t for t in doc.tables if t.template == "T04")
    checks = [c for c in doc.checks if c.table == table.id]
    cells = [c for r in table.rows for c in r.cells]
    assert not any("structure" in c.reasons for c in cells)
    specks = [c for c in cells if re.fullmatch(r"\d", c.text) and c.value is not None]
    assert specks and all(c.review for c in specks), [(c.text, c.reasons) for c in specks]
    assert sum(c.review for c in cells) <= 0.5 * len(cells)
    # the 收入 side printed blank below 三、: its 金额 cells are blank and vouched for — beside a 行次 in
    # sequence, one lost between 3 and 5, or a mark (“L”, “1”) read in the label's cell among blank rows
    side = [table.rows[r].cells[2] for r in range(3, 8)]
    assert all(not c.text and not c.review for c in side), [(c.text, c.reasons, c.confidence) for c in side]
    if sum(not c.ok for c in checks) <= 0.4 * len(checks):
        case_not_shown(f"公开04表 read with {sum(not c.ok for c in checks)} of {len(checks)} identities failing, not half")

    # (the specks, flagged ``format``, are readings that are no amount too: neither discounted)
    monkeypatch.setattr(verdict, "_failing_by_specks", lambda doc, table: set())
    monkeypatch.setattr(validate, "_garbled", lambda cell: False)
    doc = extract_document(pdf)
    table = next(t for t in doc.tables if t.template == "T04")
    assert all(c.review and "structure" in c.reasons for r in table.rows for c in r.cells)


@pytest.mark.parametrize("which", ["education", "police"])
def test_a_records_amounts_read_run_together_are_cut_into_its_columns(which, education_whole, police_whole,
                                                                    monkeypatch):
    """公开09表 has its template's twelve columns, its one row reads the twelve amounts printed (police's 栏次
    row, read as a row of the body, goes to the header), its four identities hold and no cell is in review. Counterfactual (no cut): the grid's ten (eight) columns, amounts a
    column off, every cell in review."""
    from pipeline import interpret

    pdf, truth = education_whole if which == "education" else police_whole
    sliced = sliced_pdf(pdf, [14])
    printed = [c["text"] for c in _truth_table(truth, "公开09表")["rows"][0]["cells"]]
    doc = extract_document(sliced)
    table = _only_table(doc)
    assert table.template == "T09" and len(table.columns) == 12, table.columns
    # (police's 栏次 row, its rules lost too, was read as a row of the body: it is the header's)
    assert [[c.text for c in r.cells] for r in table.rows] == [printed]
    row = table.rows[0]
    checks = [c for c in doc.checks if c.table == table.id]
    assert len(checks) == 4 and all(c.ok for c in checks), [(c.rule, c.ok) for c in checks]
    assert not any(c.review for c in row.cells), [(c.text, c.reasons) for c in row.cells if c.review]

    monkeypatch.setattr(interpret, "split_record_amounts", lambda table, ocr_pages: 0)
    table = _only_table(extract_document(sliced))
    assert len(table.columns) < 12
    row = next(r for r in table.rows if sum(bool(re.fullmatch(r"[\d,]+\.\d\d", c.text)) for c in r.cells) >= 2)
    assert [c.text for c in row.cells] != printed[:len(row.cells)]
    assert all(c.review for c in row.cells)


def test_two_labels_run_together_over_two_blank_columns_name_them_both(agriculture7_whole, monkeypatch):
    """公开02表 keeps its nine columns, 事业收入 and 经营收入 apart and blank as printed; no cell is
    ``columns_merged`` for its row and no more than a third of them are in review (its misread sums'). Counterfactuals: the
    two columns joined (eight columns, every cell ``structure``); the name column taken for a second code column
    (most rows ``columns_merged``)."""
    from pipeline import interpret

    pdf, truth = agriculture7_whole
    sliced = sliced_pdf(pdf, [3, 4])
    table = _only_table(extract_document(sliced))
    assert table.template == "T02" and len(table.columns) == 9, table.columns
    assert [c.split("/")[-1][-4:] for c in table.columns[5:7]] == ["事业收入", "经营收入"], table.columns
    # (blank as printed, or a speck read there — “1F”, “h7C” on a machine that reads the scan otherwise — no
    # amount, in review)
    specks = [r.cells[k] for r in table.rows for k in (5, 6) if r.cells[k].text.strip()]
    assert all(c.review and not re.search(r"\d[.,]\d\d", c.text) for c in specks), [(c.text, c.reasons) for c in specks]
    cells = [c for r in table.rows for c in r.cells]
    # (a slot beside a number spanning columns keeps its own doubt: three such)
    assert not any("columns_merged" in r.cells[0].reasons for r in table.rows)
    assert sum(c.review for c in cells) <= len(cells) / 3, sum(c.review for c in cells)

    # (the rule may act where the two columns stay apart without it: the case is the two joined without it)
    with monkeypatch.context() as m:
        m.setattr(interpret, "_labels_run_together", lambda specs, label: [])
        table = _only_table(extract_document(sliced))
        joined = len(table.columns) != 9
        assert not joined or len(table.columns) == 8 and all("structure" in c.reasons for r in table.rows
                                                             for c in r.cells), table.columns
    monkeypatch.setattr(interpret, "_mostly_words", lambda table, ci, min_cells=4: False)
    table = _only_table(extract_document(sliced))
    assert sum("columns_merged" in r.cells[0].reasons for r in table.rows) > len(table.rows) / 2
    if not joined:
        case_not_shown("公开02表's 事业收入 and 经营收入 stay two columns without their run-together label cut")


def test_digits_stacked_down_a_column_are_no_rule(nanyang, monkeypatch):
    """公开03表's 项目支出 reads 1,813.50 in each of the three rows that print it (其他支出 and the two below), as
    本年支出合计 does; counterfactual (the stacked 1s taken for a rule): 813.50."""
    from pipeline import layout

    pdf, truth = nanyang
    sliced = sliced_pdf(pdf, [5, 6])
    printed = _truth_table(truth, "公开03表")

    def rows_reading(table, amount):
        return [[c.text for c in r.cells] for r in table.rows if any(c.text.endswith(amount) for c in r.cells)]

    table = _only_table(extract_document(sliced))
    assert table.template == "T03"
    truth_rows = [r for r in printed["rows"] if any(c["text"] == "1,813.50" for c in r["cells"])]
    assert len(truth_rows) == 3
    read = rows_reading(table, "813.50")
    assert len(read) == 3 and not any("813.50" in row for row in read), read
    # (each 1,813.50 read with its 1, the rest misread in review at most: “1.813.50I” on one machine)
    cells = [c for r in table.rows if any(c.text.endswith("813.50") for c in r.cells) for c in r.cells[2:5:2]]
    assert len(cells) == 6 and all(c.text == "1,813.50" or c.review and re.match(r"1[,.]813\.50", c.text)
                                   for c in cells), [(c.text, c.reasons) for c in cells]
    # (the rule may act on other chains of the page: the case is the 1s of 1,813.50 cut without it)
    monkeypatch.setattr(layout, "_glyph_chain", lambda *a, **k: False)
    table = _only_table(extract_document(sliced))
    if not any("813.50" in row for row in rows_reading(table, "813.50")):
        case_not_shown("公开03表's stacked 1s of 1,813.50 read as 1s, not taken for a rule, without the glyph chain")


def test_two_rows_stacked_in_one_are_cut_apart_though_one_columns_gap_is_narrowed(police_whole, monkeypatch):
    """公开02表 reads 2040220 执法办案 185.60 and 2040221 特别业务 172.53 as two rows; counterfactual (every
    column's gap must be shared): one row reading the two run together."""
    from pipeline import textgrid

    pdf, _ = police_whole
    sliced = sliced_pdf(pdf, [3, 4])

    def rows(table):
        return {r.cells[0].text: [c.text for c in r.cells[1:4]] for r in table.rows}

    got = rows(_only_table(extract_document(sliced)))
    assert got.get("2040220") == ["执法办案", "185.60", "185.60"], got.get("2040220")
    assert got.get("2040221") == ["特别业务", "172.53", "172.53"], got.get("2040221")

    # (the rule may narrow other rows' gaps: the case is these two rows read as one without it)
    monkeypatch.setattr(textgrid, "_shared_gap", lambda group, share=0.25: group)
    got = rows(_only_table(extract_document(sliced)))
    if got.get("2040221") == ["特别业务", "172.53", "172.53"]:
        case_not_shown("公开02表 page 4's rows 执法办案 and 特别业务 read apart without a narrowed gap")
    assert "2040221" not in got


def test_a_stroke_read_far_before_a_number_is_left_out(nanyang, monkeypatch):
    """公开03表's 人力资源和社会保障管理事务 row reads 3,711.14 under 本年支出合计 and 0.00 under 经营支出, each with
    the reading as it came (“i 3,711.14”, “10.00”) kept as an alternative; counterfactual (nothing left out, no
    repair — the sums now prove the right readings from the line's other reading too — and no vote of the
    line's readings, ``read._agreed``): those readings."""
    from pipeline import read, repair

    pdf, _ = nanyang
    sliced = sliced_pdf(pdf, [5, 6])

    def row():
        table = _only_table(extract_document(sliced))
        return next(r for r in table.rows if r.cells[0].text == "20801").cells

    cells = row()
    assert (cells[2].text, cells[5].text) == ("3,711.14", "0.00"), [c.text for c in cells]
    # (each reading with its stroke, where this machine reads one)
    stroked = ["i 3,711.14" in [a.text for a in cells[2].alternatives], "10.00" in [a.text for a in cells[5].alternatives]]
    if not any(stroked):
        case_not_shown(f"20801's 3,711.14 and 0.00 read without a stroke: {[a.text for a in cells[2].alternatives]}")

    monkeypatch.setattr(read, "_without_strokes_apart", lambda line, **k: line)
    monkeypatch.setattr(repair, "repair_document", lambda doc, settings=None: [])
    monkeypatch.setattr(read, "_agreed", lambda old, new: None)  # (the scan and it smoothed read 3.711.14)
    cells = row()
    assert (not stroked[0] or cells[2].text.startswith("i")) and (not stroked[1] or cells[5].text == "10.00"), \
        [c.text for c in cells]


def test_an_amount_whose_label_is_lost_in_a_table_of_labelled_rows_is_in_review(education_whole, monkeypatch):
    """公开10表's first item row (行次 1, its 合计 worn away) has its label cell and its amount in review
    (``label_unknown``); counterfactual (lost labels not looked for): the amount unflagged."""
    from pipeline import labels

    pdf, _ = education_whole
    sliced = sliced_pdf(pdf, [15])

    def first_item():
        table = _only_table(extract_document(sliced))
        assert table.template == "T10"
        return next(r for r in table.rows if r.cells[1].text == "1").cells

    cells = first_item()
    assert not cells[0].text.strip() and re.fullmatch(r"[\d,]+\.\d\d", cells[2].text), [c.text for c in cells]
    assert "label_unknown" in cells[2].reasons and cells[2].review

    monkeypatch.setattr(labels, "_lost_row_labels", lambda table, ocr_pages: 0)
    cells = first_item()
    assert not cells[2].review


def test_identities_failing_over_readings_that_are_no_amounts_leave_the_columns_in_no_doubt(nanyang, monkeypatch):
    """公开06表 (pages 11–12): four of its seven identities fail, three of them over a reading that is no amount
    (“20431” for 204.31, “=2149”, “0.001”: ``format``, flagged on their own) — judged by the other four, one
    failing, its columns are not in doubt: no ``structure``, its cells judged one by one. Its first column's
    label worn to “攝的” is no amount label, so its codes contradict nothing (``headers.names_amounts``), and
    the third group's names, under “しィ”, are set against their codes' names (地上附着物和青苗补偿, read
    “地上附研行和青苗补偿”). Counterfactuals: every identity judged alike — ``identities_failing``, all 261 cells in
    review; a worn label taken for an amount's — the code column ``columns_contradicted``."""
    from pipeline import headers, interpret, validate, verdict

    pdf, _ = nanyang
    sliced = sliced_pdf(pdf, [11, 12])
    doc = extract_document(sliced)
    table = _only_table(doc)
    assert table.template == "T06", table.columns
    checks = [c for c in doc.checks if c.table == table.id]
    shown = sum(not c.ok for c in checks) > 0.5 * len(checks)
    assert not [w for w in doc.warnings if w["kind"] == "table_structure"]
    cells = [c for r in table.rows for c in r.cells]
    assert not any("structure" in c.reasons for c in cells)
    assert sum(c.review for c in cells) <= 0.5 * len(cells)
    garbled = [c for c in cells if c.text in ("20431", "0.001") or c.text.startswith("=")]
    assert garbled and all(c.review for c in garbled), [(c.text, c.reasons) for c in garbled]
    row = next(r for r in table.rows if r.cells[6].text == "31011")
    assert row.cells[7].text == "地上附着物和青苗补偿" and "label_normalised" in row.cells[7].reasons
    assert not compare_key(table.columns[0]) or not headers.names_amounts(table.columns[0])
    assert verdict.columns_contradicted(table) == []
    names_amounts = headers.names_amounts
    monkeypatch.setattr(headers, "names_amounts", headers.is_amount_column)
    # (the code column, and on a machine that reads it so the third group's worn name label too: each a worn
    # label taken for an amount's)
    contradicted = verdict.columns_contradicted(table)
    assert contradicted[:1] == [0] and not any(names_amounts(table.columns[ci]) for ci in contradicted), \
        (contradicted, table.columns)
    monkeypatch.undo()

    # (with the 公用经费合计 label left in the amount before it, as read — “7.098.45公用经费合计”: split off, its
    # sum holds and too few of the table's identities fail to doubt its columns)
    if not shown:
        case_not_shown(f"公开06表 read with {sum(not c.ok for c in checks)} of {len(checks)} identities failing, "
                       "not most")
    monkeypatch.setattr(validate, "_garbled", lambda cell: False)
    monkeypatch.setattr(interpret, "split_total_labels_off_amounts", lambda table, ocr_pages: 0)
    table = _only_table(extract_document(sliced))
    assert all("structure" in c.reasons and c.review for r in table.rows for c in r.cells)


def test_a_tables_last_rows_below_a_worn_bottom_rule_are_read(agriculture7_whole):
    """Seed-45 agriculture (document 7) 公开01表 (page 2): its bottom rules worn to dashes and its blank row 30
    too faint to make a line of text, the grid ended at 年初结转和结余 — the blank row and 总计 | 31 | 7160.17 |
    总计 | 62 | 7160.17 below it were lost, and nothing said so. They are the table's last two rows, read as
    printed. Its 6,453.18 read “645318”, the point lost, is 6453.18 again (``point_restored``, the reading
    kept, reviewed until an identity confirms it); and 公开04表 (page 7), its 支出 行次 labelled “一一一行次合计” (the 行次 | 合计 rule worn in the
    header), has its line numbers in sequence vouched for as any 行次 column's."""
    pdf, truth = agriculture7_whole
    doc = extract_document(sliced_pdf(pdf, [2, 7]))
    table = next(t for t in doc.tables if t.template == "T01")
    printed = _truth_table(truth, "公开01表")
    assert len(table.rows) == len(printed["rows"]), [[c.text for c in r.cells] for r in table.rows[-3:]]
    assert [c.text for c in table.rows[-1].cells] == ["总计", "31", "7160.17", "总计", "62", "7160.17"]
    assert [c.text.strip() for c in table.rows[-2].cells] == ["", "30", "", "", "61", ""]
    first = table.rows[0].cells[2]
    assert first.text == "6453.18" or first.review, (first.text, first.reasons)  # (a misreading is in review)
    lost_point = (first.original or first.text) == "645318"
    if lost_point:  # (unconfirmed: 本年收入合计's sum fails by another misread, 396.67 read 6.67)
        assert first.text == "6453.18" and "point_restored" in first.reasons and first.review, first

    table = next(t for t in doc.tables if t.template == "T04")
    line = next(ci for ci, c in enumerate(table.columns) if ci > 2 and "行次" in c)
    numbers = [r.cells[line] for r in table.rows if re.fullmatch(r"\d{2}", r.cells[line].text)]
    assert len(numbers) >= 15, [(c.text, c.reasons) for c in numbers]
    missing = []
    if all("structure" in c.reasons for c in numbers):
        missing.append("公开04表 page 7 read with its columns in doubt (every cell ``structure``)")
    else:
        assert sum(c.review for c in numbers) <= 2, [(c.text, c.reasons) for c in numbers]
    if not lost_point:
        missing.append(f"公开01表's 6453.18 read {first.original or first.text!r}, not with its point lost")
    if missing:
        case_not_shown("; ".join(missing))


def test_readings_of_one_value_are_one_candidate_for_a_repair(nanyang, monkeypatch):
    """公开04表 (pages 7–8): 1,813.50 (二十三、其他支出's 政府性基金) read 813.50 fails its row and its column; the
    recogniser's other reading “1.813.50” and the confusion 1813.50 are one value, which makes both hold: the
    cell is repaired to 1,813.50 as printed. Counterfactual (readings told apart by their text, as before): two
    rival proofs, the cell left ``ambiguous``."""
    from pipeline import repair

    pdf, _ = nanyang
    sliced = sliced_pdf(pdf, [7, 8])

    def cell():
        table = next(t for t in extract_document(sliced).tables if t.template == "T04")
        return next(r for r in table.rows if "其他支出" in r.cells[3].text).cells[7]

    repaired = cell()
    if (repaired.original or repaired.text) != "813.50":
        # (read otherwise — “1.813.500.00”, 1,813.50 run into the blank cell beside it — it must be in review)
        assert repaired.text == "1,813.50" or repaired.review, (repaired.text, repaired.reasons)
        case_not_shown(f"公开04表's 1,813.50 of 二十三、其他支出 read {repaired.original or repaired.text!r}, not 813.50")
    assert repaired.text == "1,813.50" and "repaired" in repaired.reasons

    monkeypatch.setattr(repair, "_one_per_value", lambda readings: list({r[0]: r for r in readings}.values()))
    unrepaired = cell()
    assert unrepaired.text == "813.50" and "ambiguous" in unrepaired.reasons and unrepaired.review


def test_the_cells_a_groups_total_label_spans_are_not_in_review(jincheng_whole, monkeypatch):
    """公开06表 (pages 11–12), its last row 人员经费合计 | | 19950.33 | 公用经费合计 | (eight empty cells) | 2312.26:
    each label printed over its groups' code and name columns, which the lines inferred from the text cut into
    cells — the labels and the empty cells between them and their amounts are not in review for a side
    inferred; counterfactual (not vouched for): all ten in review, ``rule_missing``."""
    from pipeline import score

    pdf, _ = jincheng_whole
    doc = extract_document(sliced_pdf(pdf, [11, 12]))
    table = _only_table(doc)
    assert table.template == "T06"
    row = table.rows[-1]
    texts = [c.text for c in row.cells]
    assert texts[0] == "人员经费合计" and texts[3] == "公用经费合计" and texts[2] and texts[-1], texts
    spanned = [row.cells[0], row.cells[1]] + row.cells[3:-1]
    assert all(not c.text or c.text in ("人员经费合计", "公用经费合计") for c in spanned), texts
    # (in review for a doubt of its own only: a seal's speck cleared out of one, on a machine that reads it)
    assert not any(c.review and "seal_speck" not in c.reasons for c in spanned), \
        [(c.text, c.reasons) for c in spanned if c.review]

    beside = sum("rule_missing" in c.reasons for c in spanned)
    if beside < 8:
        case_not_shown(f"公开06表's total labels' cells read with {beside} of ten beside an inferred line")
    monkeypatch.setattr(score, "_spanned_by_a_total_label", lambda table, row, ci: False)
    score.score_document(doc)
    assert sum(c.review and "rule_missing" in c.reasons for c in spanned) >= 8, [(c.text, c.reasons) for c in spanned]


def test_a_second_grid_over_a_worn_tables_foot_is_the_rest_of_the_table(jincheng_whole, monkeypatch):
    """公开10表 (page 16), its rules worn: the layout sees two grids of the same columns, rows 一、政府采购情况 …
    (二)参照公务员法管理事业单位 and, from 货物 on, the rest — the second over the first's foot, no header, nothing
    printed between. One table, its rows once each, down to 单价100万元(含)以上设备 (``assemble._rest_of_the_table``);
    counterfactual: its rows from 三、国有资产占用情况 on a second table no template knows, every cell in review."""
    from pipeline import assemble

    pdf, truth = jincheng_whole
    page = sliced_pdf(pdf, [16])
    with monkeypatch.context() as m:
        joined = acted(m, assemble, "_rest_of_the_table", lambda r, *a, **k: r)
        tables = [t for t in extract_document(page).tables if t.rows]
    assert [t.template for t in tables] == ["T10"], [(t.template, len(t.rows)) for t in tables]
    labels = [compare_key(r.cells[0].text) for r in tables[0].rows]
    assert len(labels) == len(set(k for k in labels if k)) + labels.count(""), labels  # no row twice
    assert compare_key("二、机关运行经费") in labels and labels[-1] == compare_key("(二)单价100万元(含)以上设备(不含车辆)"), labels
    assert len(tables[0].rows) >= len(_truth_table(truth, "公开10表")["rows"]) - 2, labels

    if not joined:
        case_not_shown("公开10表 page 16 read as one grid, no second grid over its foot")
    monkeypatch.setattr(assemble, "_rest_of_the_table", lambda previous, pt, meta: False)
    apart = [t for t in extract_document(page).tables if t.rows]
    assert len(apart) == 2 and apart[1].template is None and all(c.review for r in apart[1].rows for c in r.cells)


def test_a_run_of_items_one_of_which_lost_its_numbering_is_no_sum(jincheng_whole, monkeypatch):
    """公开10表 (page 16), read whole: 7. 离退休干部服务用车 read “2万题体干部服务用车1” and 8. 其他用车 without its
    number, and the counts a row or two off their labels. 车辆数合计 = Σ 1. … 8. over the six items still
    numbered held by chance (3 = 1 + 1 + 1) and confirmed three counts in the wrong rows. The run of items must be
    whole — one row after another, the next section after it (``run_ends``, ``validate._whole_run``) — or there is
    no sum: the counts are in review; counterfactual (any run): T10-b holds and they are not."""
    from pipeline import validate

    pdf, truth = jincheng_whole
    page = sliced_pdf(pdf, [16])

    def run():
        doc = extract_document(page)
        table = _only_table(doc)
        items = [r.cells[2] for r in table.rows if re.match(r"\d+[.．、]", r.cells[0].text) and r.cells[2].text]
        return [c for c in doc.checks if c.rule.endswith("T10-b")], items

    checks, items = run()
    assert items and not checks, [(c.text, c.reasons) for c in items]
    printed = _truth_table(truth, "公开10表")["rows"]
    table = _only_table(extract_document(page))
    if all(len(r.cells) > 2 and ri < len(printed) and r.cells[2].text == printed[ri]["cells"][2]["text"]
           for ri, r in enumerate(table.rows) if re.match(r"\d+[.．、]", r.cells[0].text)):
        case_not_shown("公开10表's counts read in their rows: no sum could hold over misplaced counts")
    assert all(c.review for c in items), [(c.text, c.reasons) for c in items]

    monkeypatch.setattr(validate, "_whole_run", lambda view, term, rows: True)
    checks, items = run()
    assert checks and all(c.ok for c in checks) and not any(c.review for c in items), [(c.text, c.reasons) for c in items]


def test_a_mark_taken_out_of_an_empty_cell_whose_sums_hold_is_not_in_review(jincheng_whole, monkeypatch):
    """公开02表 (pages 3–4): in its columns printing nothing where there is nothing (上级补助收入, 其他收入 …),
    the watermark's strokes read weakly as marks and taken away (``format_normalised``, blank); every sum through
    such a cell holds exactly with it blank — an amount lost under the mark would break them — so it is not in
    review for the mark's weak reading (``score._mark_taken_away``); counterfactual: most of them in review (a
    mark read surely enough is not in review either way)."""
    from pipeline import score

    pdf, _ = jincheng_whole
    doc = extract_document(sliced_pdf(pdf, [3, 4]))
    table = _only_table(doc)
    assert table.template == "T02"
    taken = [c for r in table.rows for c in r.cells if not c.text and "format_normalised" in c.reasons
             and "check_failed" not in c.reasons]
    assert len(taken) >= 4 and sum(not c.review for c in taken) >= len(taken) // 2, \
        [(c.original, c.reasons, c.review) for c in taken]
    spared = [c for c in taken if not c.review]

    monkeypatch.setattr(score, "_mark_taken_away", lambda cell, x, in_a_sum_of_amounts: False)
    score.score_document(doc)
    assert sum(c.review for c in spared) >= max(3, len(spared) // 2), [(c.original, c.confidence) for c in spared]


def test_a_continuation_page_whose_header_ends_in_its_lanci_row_continues_the_table(agriculture7_whole, monkeypatch):
    """公开04表 over pages 7–8: page 8's grid has one column rule too many (a stroke inside the last column) and
    its header, worn, reads 项目 | 行次Y | 金额 | T项目 | … | 有序本经营预算财政授款 over 栏次 | 1 | … — too unlike
    page 7's header to be its repetition by the letter, but ending in a 栏次 row, its labels still half page 7's.
    The table goes on: one 公开04表 down to 本年收入合计 | 本年支出合计 (``assemble._column_map`` with
    ``_continues_header``); counterfactual (the header must repeat by the letter): page 8's nine rows a table of
    their own, no template, all in review."""
    from pipeline import assemble

    pdf, truth = agriculture7_whole
    pages = sliced_pdf(pdf, [7, 8])
    tables = [t for t in extract_document(pages).tables if t.rows]
    assert [t.template for t in tables] == ["T04"] and len(tables[0].pages) == 2, \
        [(t.template, t.pages, len(t.rows)) for t in tables]
    labels = [compare_key(c.text) for r in tables[0].rows for c in r.cells]
    assert compare_key("本年收入合计") in labels and compare_key("本年支出合计") in labels, labels

    monkeypatch.setattr(assemble, "_continues_header", assemble._header_repeated)
    apart = [t for t in extract_document(pages).tables if t.rows]
    assert len(apart) == 2 and apart[1].template is None and all(c.review for r in apart[1].rows for c in r.cells)


def test_a_stroke_read_after_an_amounts_two_decimals_is_dropped(jincheng, monkeypatch):
    """公开03表 (pages 5–6, its header worn away): 888.28 and 610.98 read “888.281” and “610.981”, a column
    line's remnant after the last digit. Read without it (``interpret._stroke_after``, ``stroke_dropped``, the
    reading kept as the alternative), the sums confirm them: right and not in review. Counterfactual: the
    readings as they were, ``format``, wrong and in review."""
    from pipeline import interpret

    pdf, truth = jincheng

    def cells():
        table = next(t for t in extract_document(pdf).tables if t.template == "T03")
        return [c for r in table.rows for c in r.cells if c.original in ("888.281", "610.981")
                or c.text in ("888.281", "610.981")]

    mended = cells()
    assert sorted(c.text for c in mended) == ["610.98", "888.28"], [(c.text, c.original) for c in mended]
    assert all("stroke_dropped" in c.reasons and not c.review for c in mended), [(c.text, c.reasons) for c in mended]
    assert all(c.alternatives[0].text == c.original for c in mended)

    monkeypatch.setattr(interpret, "_stroke_after", lambda cell: False)
    kept = cells()
    assert sorted(c.text for c in kept) == ["610.981", "888.281"] and all(c.review for c in kept)


def test_a_number_stacked_in_one_block_of_a_table_of_blocks_puts_that_block_in_doubt(jincheng_whole, monkeypatch):
    """公开06表 (pages 11–12), four blocks of 科目代码 | 科目名称 | 决算数 side by side: a rule's remnant read
    “1” over 97.29, a speck “11” over 39909, two specks “1” over “1” in a blank cell — each put its whole row of
    twelve cells in review (``rows_merged``). The cell stacked with specks alone is in doubt, and a number stacked
    on a number puts its block's three cells there, not the row's (``interpret._stacked_span``); counterfactual
    (every stacked cell's whole row): five rows, 60 cells."""
    from pipeline import interpret

    pdf, _ = jincheng_whole
    pages = sliced_pdf(pdf, [11, 12])

    def merged():
        table = _only_table(extract_document(pages))
        assert table.template == "T06"
        return [(ri, ci) for ri, r in enumerate(table.rows) for ci, c in enumerate(r.cells) if "rows_merged" in c.reasons]

    apart = merged()
    assert 0 < len(apart) <= 16, apart
    assert all(len([k for k in apart if k[0] == ri]) < 12 for ri, _ in apart), apart  # no row whole

    monkeypatch.setattr(interpret, "_stacked_span", lambda ci, numbers, blocks, width: (0, width))
    whole = merged()
    if len(whole) < 48:
        case_not_shown(f"公开06表 read with {len(whole)} cells stacked over whole rows, not five rows' 60")
    assert len(whole) >= 3 * len(apart), whole


def test_codes_worn_to_a_digit_no_class_opens_with_leave_the_block_economic(health, monkeypatch):
    """公开06表 (pages 7–8): its first code column worn at the left, 30101, 30102 … read 0101, 0102 … as often as
    they were read whole. A block's classification goes by the first digit most of its codes open with; 0 opens
    none (only 2, 3 and 5 do: ``codes._CLASS_DIGITS``), so the block is 经济分类 and its rows are 30101 基本工资 …
    30108 机关事业单位基本养老保险缴费. Counterfactual (every digit counts): the block is 功能分类, its names
    matched to 2080505 机关事业单位基本养老保险缴费支出 and 2101103 公务员医疗补助."""
    from pipeline import codes

    pdf, _ = health

    def first_block():
        table = _only_table(extract_document(pdf))
        assert table.template == "T06"
        return {r.cells[1].text: r.codes[0].code for r in table.rows[1:14] if r.codes}

    got = first_block()
    assert got.get("基本工资") == "30101" and got.get("机关事业单位基本养老保险缴费") == "30108", got
    assert all(c.startswith("3") for c in got.values()), got

    monkeypatch.setattr(codes, "_CLASS_DIGITS", "0123456789")
    worn = first_block()
    assert any(c.startswith("2") for c in worn.values()), worn


def test_a_weakly_read_label_snapped_in_its_place_of_the_numbered_run_is_not_in_review(jincheng_whole, monkeypatch):
    """公开01表 (page 2), its 支出 labels read weakly under the watermark and snapped to the labels the table prints
    (``label_normalised``): 二十二、灾害防治及应急管理支出 and its kin stand between the labels numbered before and
    after them — their place in the fixed order vouches for them, and they are not in review for the weak reading
    (``score._label_in_sequence``); counterfactual: in review."""
    from pipeline import score

    pdf, _ = jincheng_whole
    doc = extract_document(sliced_pdf(pdf, [2]))
    table = _only_table(doc)
    assert table.template == "T01"
    snapped = [r.cells[3] for r in table.rows if len(r.cells) > 3 and "label_normalised" in r.cells[3].reasons
               and re.match(r"[一二三四五六七八九十]+、.*支出$", r.cells[3].text)]
    assert len(snapped) >= 4, [c.text for c in snapped]
    vouched = [c for c in snapped if not c.review]
    assert len(vouched) >= len(snapped) - 1 and any(c.ocr_score < 0.7 for c in vouched), \
        [(c.text, c.ocr_score, c.reasons) for c in snapped]

    monkeypatch.setattr(score, "_label_in_sequence", lambda table, ri, ci, cell: False)
    score.score_document(doc)
    assert sum(c.review for c in vouched) >= len(vouched) - 1, [(c.text, c.ocr_score) for c in vouched]


@pytest.mark.slow
def test_a_repair_resting_on_one_sum_with_a_doubtful_reading_in_it_is_reviewed(nanyang, monkeypatch):
    """The whole document: 公开04表's 年末财政拨款结转和结余 合计, 227.82 read 27.82, is repaired by its row's sum
    alone (合计 = 一般公共预算 + 政府性基金 + 国有资本经营), whose other readings stand beside inferred lines
    (``rule_missing``): a second misread among them would have set the sum off as far, so the repair is applied
    and reviewed (``repair_one_check``), and the sum it makes hold confirms none of them. Counterfactual (every
    one-sum repair trusted): the cell unflagged. (Slow: two whole-document runs.)"""
    from pipeline import repair

    pdf, _ = nanyang

    def cell():
        table = next(t for t in extract_document(pdf).tables if t.template == "T04")
        return next(r for r in table.rows if "年末" in r.cells[3].text).cells[5]

    repaired = cell()
    assert repaired.text == "227.82" and repaired.original == "27.82", (repaired.text, repaired.reasons)
    assert "repair_one_check" in repaired.reasons and repaired.review

    monkeypatch.setattr(repair, "_one_sum_in_doubt", lambda ref, equations, identities, lookup: False)
    trusted = cell()
    assert trusted.text == "227.82" and not trusted.review, (trusted.reasons, trusted.confidence)


def test_a_worn_line_keeps_the_amount_two_of_its_three_readings_agree_on(nanyang, monkeypatch):
    """nanyang's 公开01表 (page 2): a worn line read unsurely is read again from the scan and from the scan
    smoothed and widened over its ink (``read._unlifted``); the amount two of the three readings agree on is
    kept (``read._agreed``). Without that vote (counterfactual: the scan's reading kept, as before, only when
    much surer or an amount where the first is none) the table's identities failed on its unsure readings and
    every cell of it went to review (``structure``); with it none does, and no printed amount is read less."""
    import pipeline.read as read

    pdf, truth = nanyang
    pages = sliced_pdf(pdf, [2])
    printed = _amounts(_truth_table(truth, "公开01表"))
    assert len(printed) >= 30

    def measure():
        table = next(t for t in extract_document(pages).tables if t.form == "公开01表")
        cells = [c for r in table.rows for c in r.cells]
        return {c.text for c in cells}, sum("structure" in c.reasons for c in cells), len(cells)

    texts, structure, cells = measure()
    monkeypatch.setattr(read, "_agreed", lambda old, new: None)
    texts_alone, structure_alone, _ = measure()
    assert structure == 0, (structure, cells)
    assert sum(text in texts for _, _, text in printed) >= sum(text in texts_alone for _, _, text in printed)
    if structure_alone < cells:
        case_not_shown(f"公开01表 page 2 read without the vote: {structure_alone} of {cells} cells in doubt, not all")


def test_a_watermarks_strokes_in_a_blank_side_of_a_summary_table_are_no_label(nanyang, monkeypatch):
    """公开04表 (pages 7–8): its 收入 side prints three labels and then nothing down to 本年收入合计, the 行次 alone;
    the watermark over those blank 项目 cells was read as marks (“AP”, “JN”, “Er”, “道”). Each such cell in a row
    whose 行次 is read is blank, its reading kept as ``original`` and an alternative (``speck_cleared``; so is one
    whose marks the reading left out, in doubt for them), and out of review, and so are the strokes read as
    numbers beside them under 金额; counterfactual (no specks cleared): the marks, each in review."""
    from pipeline import labels

    pdf, _ = nanyang
    sliced = sliced_pdf(pdf, [7, 8])

    def blank_side():
        table = _only_table(extract_document(sliced))
        assert table.template == "T04", table.columns
        return [r for r in table.rows if r.cells[1].text.isdigit() and 4 <= int(r.cells[1].text) <= 20]

    rows = blank_side()
    cells = [r.cells[0] for r in rows]
    cleared = [c for c in cells if "speck_cleared" in c.reasons]
    assert len([c for c in cleared if c.original]) >= 6, [(c.text, c.original, c.reasons) for c in cells]
    assert all(not c.text and (not c.original or c.original in [a.text for a in c.alternatives]) for c in cleared)
    assert not any(c.review for c in cells), [(c.text, c.original, c.reasons) for c in cells if c.review]
    # (and the strokes read as numbers beside those marks under 金额, “2” and “11”: cleared with them — the 项目's
    # marks judged as read, before the loop clears them)
    assert not any(r.cells[2].text for r in rows), [(r.cells[2].text, r.cells[2].reasons) for r in rows]

    monkeypatch.setattr(labels, "_specks_in_blank_sides", lambda table, ocr_pages: 0)
    marks = [r.cells[0] for r in blank_side() if r.cells[0].text]
    assert len(marks) >= 6 and all(c.review for c in marks), [(c.text, c.reasons) for c in marks]


def test_a_line_number_its_columns_count_gives_twice_is_put_back(nanyang, monkeypatch):
    """公开04表 (pages 7–8): its 收入 行次 (labelled “T行次”, a stroke before it) reads 1, 2, 3, 4, “s”, 6, 7, “83”,
    … 10, “n”, 12 …: the count of its column gives each misread number twice — carried on from the run above
    and from the run below — and a neighbour one off confirms it. Those cells read 5, 8, 11 …, the reading kept
    as ``original`` and an alternative (``line_counted``), none in review; counterfactual (nothing counted):
    the readings, in review."""
    from pipeline import interpret

    pdf, _ = nanyang
    sliced = sliced_pdf(pdf, [7, 8])

    def line_numbers():
        table = _only_table(extract_document(sliced))
        assert table.template == "T04", table.columns
        return [r.cells[1] for r in table.rows[:22]]

    cells = line_numbers()
    assert [c.text for c in cells] == [str(n) for n in range(1, 23)], [c.text for c in cells]
    counted = [c for c in cells if "line_counted" in c.reasons]
    # (three, 5, 8 and 11, where the test was built; two side by side, 8 lost and 9 read 16, on a machine that
    # reads the scan otherwise: :func:`interpret._between_counted`)
    assert len(counted) >= 2, [(c.text, c.original) for c in cells]
    assert all(c.original is not None and (not c.original or c.original in [a.text for a in c.alternatives])
               for c in counted), [(c.text, c.original, c.alternatives) for c in counted]
    assert not any(c.review for c in counted), [(c.text, c.original, c.reasons) for c in counted if c.review]

    monkeypatch.setattr(interpret, "_count_line", lambda cell, number: cell.add_reason("format"))
    misread = [c for n, c in enumerate(line_numbers(), 1) if c.text != str(n)]
    assert len(misread) >= 2 and all(c.review for c in misread), [(c.text, c.reasons) for c in misread]


def test_a_code_read_with_its_name_across_the_name_column_is_split(jincheng_whole, monkeypatch):
    """jincheng's 公开06表, page 12: the code cell's box crosses the name column as page 11's names draw it, the
    name cell beside it blank (its box another column's): the code and the name go each to its column, as
    printed, and the catalogue names the code so — nothing to review in them. Counterfactual: “30227委托业务费”
    in the code column and the name blank, unflagged."""
    from pipeline import interpret

    pdf, truth = jincheng_whole
    pages = sliced_pdf(pdf, [11, 12])
    printed = _truth_table(truth, "公开06表")
    wanted = {r["cells"][3]["text"]: r["cells"][4]["text"] for r in printed["rows"]}

    def block(doc):
        table = next(t for t in doc.tables if t.template == "T06")
        return {r.cells[3].text: r.cells[4] for r in table.rows if len(r.cells) > 4}

    got = block(extract_document(pages))
    for code in ("30227", "30228", "30239"):
        assert code in got and got[code].text == wanted[code], (code, {k: v.text for k, v in got.items()})
        assert not got[code].review, (code, got[code].reasons)
    monkeypatch.setattr(interpret, "_reads_across", lambda *a, **k: None)
    got = block(extract_document(pages))
    assert "30227委托业务费" in got and not got["30227委托业务费"].text


def test_a_numbered_tables_rows_above_its_first_rule_are_put_back_by_their_line_numbers(agriculture, monkeypatch):
    """agriculture's 公开10表, page 16: every row as printed (项目 | 行次 | 统计数, its three headings with them), the
    page giving its table; every value that is not the print in review, the headings' blanks not. Counterfactual
    (not carried up by its numbers): a table of nine rows from line 8, the rows above it lost."""
    from pipeline import textgrid

    pdf, truth = agriculture
    page = sliced_pdf(pdf, [16])
    printed = _truth_table(truth, "公开10表")
    doc = extract_document(page)
    table = next(t for t in doc.tables if t.template == "T10")
    assert [r.cells[0].text for r in table.rows] == [r["cells"][0]["text"] for r in printed["rows"]]
    assert [r.cells[1].text for r in table.rows] == [r["cells"][1]["text"] for r in printed["rows"]]
    assert all(p.status == "tables" for p in doc.pages)
    wrong = [(r.cells[2].text, t["cells"][2]["text"]) for r, t in zip(table.rows, printed["rows"])
             if compare_key(r.cells[2].text) != compare_key(t["cells"][2]["text"]) and not r.cells[2].review]
    assert not wrong, wrong
    headings = [r for r in table.rows if r.cells[0].text[:2] in ("一、", "二、", "三、")]
    assert len(headings) == 3 and not any(c.review for r in headings for c in r.cells)

    monkeypatch.setattr(textgrid, "numbered_column", lambda *a, **k: None)
    tables = [t for t in extract_document(page).tables if t.template == "T10"]
    assert not tables or len(tables[0].rows) < 10


def test_an_amount_flush_right_in_a_spans_last_column_goes_there(agriculture7_whole, monkeypatch):
    """agriculture_007's 公开02表, page 3: 76.41 under 其他收入 in each of 213, 21301 and 2130104, as printed.
    Counterfactual (the amount given to its span's first column when ink lies across the lost line): two of
    them under 附属单位上缴收入."""
    import pipeline.assemble as assemble

    pdf, truth = agriculture7_whole
    page = sliced_pdf(pdf, [3])
    printed = {r["cells"][0]["text"]: [c["text"] for c in r["cells"]] for r in _truth_table(truth, "公开02表")["rows"]}

    def rows():
        table = next(t for t in extract_document(page).tables if t.template == "T02")
        return {r.cells[0].text: [c.text for c in r.cells] for r in table.rows}

    got = rows()
    for code in ("213", "21301", "2130104"):
        assert got[code][-2:] == printed[code][-2:] == ["", "76.41"], (code, got[code])
    monkeypatch.setattr(assemble, "_flush_right", lambda *a, **k: False)
    got = rows()
    assert sum(got[code][-2] == "76.41" for code in ("213", "21301", "2130104")) >= 1


def test_a_lanci_row_given_back_from_the_first_body_rows_cells_ends_the_header(police_whole, monkeypatch):
    """police's 公开02表 (page 3): the rule between the 栏次 row and 合计 was lost across the amounts, so each
    cell read the column number and the amount as one (“117,256.95” for 1 over 17,256.95). Given back line by
    line, the upper row is the 栏次 row: it ends the header, and 合计's amounts are the first body row's;
    counterfactual (the row kept in the body): a body row of column numbers, in review, over 合计's (the
    benchmark had scored 合计's 0.00s against the next printed row's, unflagged and wrong)."""
    from pipeline import assemble

    pdf, truth = police_whole
    page = sliced_pdf(pdf, [3])
    printed = next(t for t in truth["tables"] if t.get("form") == "公开02表")["rows"][0]
    assert printed["cells"][1]["text"] == "合计"

    def numbers_row(table) -> bool:
        return any([c.text for c in r.cells][2:5] == ["1", "2", "3"] for r in table.rows)

    given_back = acted(monkeypatch, assemble, "_lanci_row_given_back", lambda r, *a: r)
    table = next(t for t in extract_document(page).tables if t.template == "T02")
    if not given_back:
        case_not_shown("公开02表's 栏次 row run into 合计's cells on page 3")
    assert not numbers_row(table)
    first = [c.text.replace(",", "") for c in table.rows[0].cells]
    assert first[2:4] == [c["text"].replace(",", "") for c in printed["cells"][2:4]], first

    monkeypatch.setattr(assemble, "_lanci_row_given_back", lambda *a: False)
    assert numbers_row(next(t for t in extract_document(page).tables if t.template == "T02"))


def test_a_form_marker_read_with_a_letter_o_names_its_table(agriculture7_whole, monkeypatch):
    """agriculture_007's 公开08表 (page 13, an empty table: one 合计 row, blank) lost its title on the worn
    photocopy, and its marker was read “公开O8表”: the marker still names the table (公开08表, T08), so it is
    not a table no template knows on a page counted ``tables`` (the benchmark's silent miss); counterfactual
    (the marker's 0 a digit only, as before): the table is not named 公开08表."""
    import re

    from pipeline import assemble
    from pipeline.textnorm import FORM_MARK

    pdf, _ = agriculture7_whole
    page = sliced_pdf(pdf, [13])
    with monkeypatch.context() as m:
        m.setattr(assemble, "FORM_MARK", re.compile(r"公开\s*0?(\d{1,2})\s*表"))
        before = extract_document(page).tables
    if any(t.form == "公开08表" for t in before):
        case_not_shown("公开08表's marker on page 13 read with its 0 a digit")
    (table,) = extract_document(page).tables
    assert table.form == "公开08表" and table.template == "T08", (table.form, table.template, table.title)
    assert not FORM_MARK.search("公开表") and FORM_MARK.search("公开1O表").group(1) == "1O"


def test_a_row_read_as_its_code_alone_is_reviewed_whole(police_whole):
    """police's 公开03表 (pages 5–6) read a row of its own between 2210201 and 2210203: “123” in the code
    column (the next page's 栏次 numbers run together), nothing else. No row is printed so: every cell of it
    is in review (``row_unread``), not blanks passing for a printed row's (the benchmark's six unflagged
    wrong cells: two 0.00 read in it are proven blank first). A row with its name, or an amount, is not such
    a row."""
    from pipeline.interpret import ROW_UNREAD, flag_rows_read_as_a_code
    from pipeline.model import Cell, Row, Table

    pdf, _ = police_whole
    table = next(t for t in extract_document(sliced_pdf(pdf, [5, 6])).tables if t.template == "T03")
    alone = [r for r in table.rows if r.cells[0].text.strip() and not any(c.text.strip() for c in r.cells[1:])]
    if not alone:
        case_not_shown("公开03表 pages 5–6 read with no row of a code alone")
    assert all(c.review and ROW_UNREAD in c.reasons for r in alone for c in r.cells)
    assert not any(ROW_UNREAD in c.reasons for r in table.rows if r not in alone for c in r.cells)

    columns = ["功能分类科目编码", "科目名称", "本年支出合计"]
    rows = [Row(page=1, cells=[Cell(text=t) for t in r]) for r in (("123", "", ""), ("221", "", "1.00"),
                                                                    ("22102", "住房改革支出", ""))]
    assert flag_rows_read_as_a_code(Table(id="t1", template="T03", columns=columns, pages=[1], rows=rows), {1}) == 1
    assert [any(ROW_UNREAD in c.reasons for c in r.cells) for r in rows] == [True, False, False]


def test_a_record_tables_header_rows_read_as_body_rows_go_back_to_its_header(nanyang, monkeypatch):
    """nanyang's 公开09表 (page 15) is one row of twelve amounts under its header — its column labels and 栏次
    numbers, read as two body rows on the worn copy (合计1 | | | 公务用车购置费 …, 广1 | 2 | 3 | CV4 …), are the
    header's — and the row's amounts stand under the template's labels (42.04 | 0.00 | … | 4.10). Counterfactual
    (nothing moved back): three body rows, the first two without an amount."""
    from pipeline import interpret
    from pipeline.interpret import header_rows_of_a_record
    from pipeline.model import Cell, HeaderEntry, Row, Table

    pdf, truth = nanyang
    printed = _truth_table(truth, "公开09表")
    sliced = sliced_pdf(pdf, [15])
    moved = acted(monkeypatch, interpret, "header_rows_of_a_record", lambda n, *a, **k: n > 0)
    table = _only_table(extract_document(sliced))
    assert table.template == "T09" and len(table.rows) == 1, [[c.text for c in r.cells] for r in table.rows]
    assert table.columns[0] == "预算数/合计" and table.columns[-1] == "决算数/公务接待费", table.columns
    amounts = _amounts(printed)
    right = sum(table.rows[0].cells[ci].text == text for _, ci, text in amounts)
    assert right >= len(amounts) - 1, ([c.text for c in table.rows[0].cells], amounts)
    if not moved:
        case_not_shown("公开09表 page 15 read with its header's lower rows in its header")
    monkeypatch.setattr(interpret, "header_rows_of_a_record", lambda table: 0)
    table = _only_table(extract_document(sliced))
    assert len(table.rows) > 1

    # the rule on a table of its own: rows leading the body without an amount, a row of amounts after them
    def record(*rows):
        return Table(id="t1", template="T09", columns=["预算数"] * 3, header=[["预算数", "", ""]], pages=[1],
                     header_cells=[HeaderEntry(0, 0, 1, 3, Cell(text="预算数"))],
                     rows=[Row(page=1, cells=[Cell(text=t) for t in r]) for r in rows])

    table = record(("合计", "因公出国(境)费", "公务接待费"), ("1", "2", "3"), ("1.00", "", "1.00"))
    assert header_rows_of_a_record(table) == 2
    assert len(table.header) == 3 and [c.text for c in table.rows[0].cells] == ["1.00", "", "1.00"]
    # (预算数 spans every column here: a title row over the table, no column's label)
    assert table.columns == ["合计", "因公出国(境)费", "公务接待费"], table.columns
    assert header_rows_of_a_record(record(("1.00", "", "1.00"), ("2.00", "", "2.00"))) == 0
    assert header_rows_of_a_record(record(("合计", "", "1"), ("", "", ""))) == 0  # (a blank row: no header's)
    assert header_rows_of_a_record(record(("合计", "因公出国(境)费", ""), ("1", "2", "3"))) == 0  # (no amounts)
    assert header_rows_of_a_record(record(("4204", "0", "—"), ("1.00", "", "1.00"))) == 0  # (data, points lost)


def test_a_label_run_into_a_column_of_amounts_is_kept_however_weakly_read(jincheng_whole):
    """jincheng's 公开01表 (page 2): 二十六、抗疫特别国债安排的支出, read at 0.4 in the 金额 column beside it (the
    column rule lost in its rows), stays there and is reviewed with its row — blanked as a watermark's fragment,
    the row had lost its label unflagged. The watermark's own strokes read weakly are still nothing."""
    from pipeline.headers import is_amount_column
    from pipeline.interpret import _amount_reading
    from pipeline.model import Cell

    pdf, _ = jincheng_whole
    table = next(t for t in extract_document(sliced_pdf(pdf, [2])).tables if t.template == "T01")
    row = next((r for r in table.rows if any(c.text.strip() == "57" for c in r.cells)), None)
    assert row is not None, [[c.text for c in r.cells] for r in table.rows]
    labels = [c for k, c in enumerate(row.cells) if is_amount_column(table.columns[k])
              and len(re.findall(r"[\u4e00-\u9fff]", c.text)) >= 6]
    if not labels:
        case_not_shown("公开01表 page 2 read with the label of 行次 57 in no column of amounts")
    assert all(c.review for c in labels)
    assert all(c.review for c in row.cells if not c.text.strip())
    assert _amount_reading(Cell(text="二十六抗咬特别闺清安推的支出", ocr_score=0.4)) == "二十六抗咬特别闺清安推的支出"
    assert _amount_reading(Cell(text="仅供内部审核", ocr_score=0.4)) == ""
    assert _amount_reading(Cell(text="人面", ocr_score=0.9)) == ""


def test_a_code_cell_holding_its_name_behind_marks_flags_the_blank_name_cell_beside_it(jincheng_whole):
    """jincheng's 公开06表 (pages 11–12) reads 39909 经常性赠与 and 39999 其他支出 with marks before the code
    (“1入39909经常性赠与”, the name cell beside it blank): the blank name cell is reviewed with the code cell,
    not a name read as blank. A code cell holding its code alone, or beside a name, flags nothing."""
    from pipeline.interpret import _split_code_and_name
    from pipeline.model import Cell, Row, Table

    pdf, _ = jincheng_whole
    table = next(t for t in extract_document(sliced_pdf(pdf, [11, 12])).tables if t.template == "T06")
    held = [(r.cells[ci], r.cells[ci + 1]) for r in table.rows for ci in range(len(r.cells) - 1)
            if "名称" in table.columns[ci + 1] and re.search(r"\d{3,7}\D{0,2}[\u4e00-\u9fff]{2}", r.cells[ci].text)
            and not r.cells[ci + 1].text.strip()]
    if not held:
        case_not_shown("公开06表 pages 11–12 read with no code cell holding its name beside a blank one")
    assert all(code.review and name.review for code, name in held), [(c.text, n.reasons) for c, n in held]

    columns = ["科目代码", "科目名称", "决算数"]
    rows = [Row(page=1, cells=[Cell(text=t, bbox=(0, 0, 10, 10)) for t in r])
            for r in (("1入39909经常性赠与", "", ""), ("39910", "资本性赠与", ""), ("39999", "", "1.00"))]
    _split_code_and_name(Table(id="t1", template="T06", columns=columns, pages=[1], rows=rows), {1})
    assert [[("columns_merged" in c.reasons) for c in r.cells[:2]] for r in rows] == \
        [[True, True], [False, False], [False, False]]


def test_a_first_row_without_code_or_name_that_sums_the_classes_is_named_the_total(police_whole, monkeypatch):
    """police's 公开02表 (pages 3–4) reads its 合计 row's label as nothing (its cells blank, the rule above it
    lost): its amounts are the sums of the 类 rows (财政拨款收入 17,256.95 over 204 + 208 + 210 + 221, the 项 rows
    too), so it is named 合计 — reviewed, ``total_named`` — and 合计 = Σ 类 checks it. Counterfactual (not named):
    the row has no label and no identity checks it as the total."""
    from pipeline import validate
    from pipeline.validate import TOTAL_NAMED

    pdf, _ = police_whole
    sliced = sliced_pdf(pdf, [3, 4])
    doc = extract_document(sliced)
    table = _only_table(doc)
    assert table.template == "T02"
    first = table.rows[0]
    if not any(TOTAL_NAMED in c.reasons for c in first.cells):
        assert first.cells[1].text.strip() and not any(TOTAL_NAMED in c.reasons for r in table.rows for c in r.cells)
        case_not_shown("公开02表 pages 3–4 read with its 合计 row's label")
    assert first.cells[1].text == "合计" and first.cells[1].review and not first.cells[0].text.strip()
    assert any(c.rule.endswith("-total") and c.table == table.id for c in doc.checks)
    assert sum(TOTAL_NAMED in c.reasons for r in table.rows for c in r.cells) == 1
    monkeypatch.setattr(validate, "name_unlabelled_totals", lambda doc, settings=None: 0)
    doc = extract_document(sliced)
    table = _only_table(doc)
    assert not table.rows[0].cells[1].text.strip()
    assert not any(c.rule.endswith("-total") and c.table == table.id for c in doc.checks)


def test_an_amount_read_from_its_separator_on_gets_its_first_digit_back(police_whole, monkeypatch):
    """police's 公开03表 (pages 5–6) reads 210's and 21011's 本年支出合计 “.215.17” (the 1 before the separator
    lost): 1,215.17 again, as printed — ``digit_restored``, and confirmed by the sums through both (210 = 21011,
    本年支出合计 = 基本支出 + …), so not reviewed. Counterfactual (the separator only dropped): 215.17 in both,
    each sum through them failing."""
    from pipeline import interpret
    from pipeline.interpret import DIGIT_RESTORED, _digit_lost
    from pipeline.model import Cell

    pdf, truth = police_whole
    printed = {r["cells"][0]["text"]: r["cells"][2]["text"] for r in _truth_table(truth, "公开03表")["rows"]}
    sliced = sliced_pdf(pdf, [5, 6])

    def read(table):
        return {r.cells[0].text.strip(): r.cells[2] for r in table.rows if r.cells[0].text.strip()}

    cells = read(next(t for t in extract_document(sliced).tables if t.template == "T03"))
    restored = {code: c for code, c in cells.items() if DIGIT_RESTORED in c.reasons}
    assert all(re.fullmatch(r"[.,，．、]\s*\d{3}[.,，．]\d\d", c.original or "") for c in restored.values())
    if "210" not in restored:
        case_not_shown("公开03表 pages 5–6 read 210's 本年支出合计 without a separator first")
    assert cells["210"].text == printed["210"] == "1,215.17" and not cells["210"].review
    monkeypatch.setattr(interpret, "_digit_lost", lambda cell: False)
    cells = read(next(t for t in extract_document(sliced).tables if t.template == "T03"))
    assert cells["210"].text == "215.17" and cells["210"].review

    cell = Cell(text="215.17", original=".215.17")
    assert _digit_lost(cell) and cell.text == "1,215.17" and DIGIT_RESTORED in cell.reasons
    assert any(a.text == "3,215.17" for a in cell.alternatives)
    assert not _digit_lost(Cell(text="215.17")) and not _digit_lost(Cell(text="15.17", original=".15.17"))


def test_counts_in_a_failing_sum_of_counts_are_not_taken_for_marks(agriculture7_whole):
    """agriculture_007's 公开10表 (page 15) loses its 车辆数合计's 5 (its row run into 三、国有资产占用情况): the
    sum of the vehicle counts fails. Its 4 (执法执勤用车) and 1 (特种专业技术用车) are counts — no cell of that sum
    prints two decimals — not marks to blank though the table's amounts print two: they stay, and are reviewed
    with the failing sum (they had been proven blank, unflagged)."""
    pdf, truth = agriculture7_whole
    printed = {r["cells"][1]["text"]: r["cells"][2]["text"] for r in _truth_table(truth, "公开10表")["rows"]}
    table = next(t for t in extract_document(sliced_pdf(pdf, [15])).tables if t.template == "T10")
    counts = {r.cells[1].text.strip(): r.cells[2] for r in table.rows if r.cells[1].text.strip()}
    total = counts.get("7")
    if total is None or total.text.strip() == printed["7"]:
        case_not_shown("公开10表 page 15 read with its 车辆数合计")
    for line in ("12", "13"):
        assert counts[line].text == printed[line] and counts[line].review, (line, counts[line].text)
        assert "repaired" not in counts[line].reasons
