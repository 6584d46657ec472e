"""Real 部门决算 pages as worn grey photocopies (the generator's ``photocopy150``): whatever the grid finder
makes of a page, a table that did not come out is never silent — its page is ``unrecovered`` with reasons and
the document is ``ok with warnings``. Pages of ../shared/real (skipped when absent), degraded as
scripts/real_scans.py does."""
from __future__ import annotations

import re
import sys

import numpy as np
import pytest
import pypdfium2 as pdfium

from pipeline.extract import extract_document
from tests.conftest import ROOT, real_pdf

sys.path.insert(0, str(ROOT / "scripts"))
from samplegen.degrade import PROFILES, degrade_page, save_scan_pdf  # noqa: E402
from samplegen.render import amount_boxes, rasterise, text_words  # noqa: E402


def photocopied_page(pdf, number: int, tmp_path, seed: int) -> "Path":
    """Page ``number`` of a real PDF alone, rasterised and degraded by ``photocopy150`` into an image-only PDF."""
    one = tmp_path / f"page{number}.pdf"
    src, doc = pdfium.PdfDocument(str(pdf)), pdfium.PdfDocument.new()
    doc.import_pages(src, [number - 1])
    doc.save(str(one))
    profile = PROFILES["photocopy150"]
    rgb = rasterise(one, profile.dpi)[0]
    out, _ = degrade_page(rgb, profile, np.random.default_rng(seed), amount_boxes(text_words(one, profile.dpi)[0]),
                          "中共上海市普陀区委社会工作部")
    scan = tmp_path / f"page{number}-photocopy150.pdf"
    save_scan_pdf([out], profile, scan)
    return scan


_DEGRADED: dict = {}


def degraded_whole(pdf, profile: str, authority: str, tmp_path) -> "Path":
    """The whole of ``pdf`` degraded as scripts/real_scans.py does (``profile``, seed 21), made once per test
    session: the degradation is seeded by the file's name, the profile and the seed, so a second making is the
    same scan (read-only: a test writes its own slices of it)."""
    from real_scans import degraded_copy

    key = (str(pdf), profile, authority)
    if key not in _DEGRADED or not _DEGRADED[key].exists():
        whole = tmp_path / f"whole-{profile}.pdf"
        degraded_copy(pdf, whole, profile, 21, authority)
        _DEGRADED[key] = whole
    return _DEGRADED[key]


def real_scan_page(pdf, number: int, tmp_path, authority: str) -> tuple["Path", "Path"]:
    """Page ``number`` of a real PDF as scripts/real_scans.py makes it (``photocopy150``, seed 21: the whole
    document degraded page by page, then that page alone), and the same page of the PDF itself."""
    whole = degraded_whole(pdf, "photocopy150", authority, tmp_path)
    scan, one = tmp_path / f"page{number}-scan.pdf", tmp_path / f"page{number}.pdf"
    for src, dst in ((whole, scan), (pdf, one)):
        out = pdfium.PdfDocument.new()
        out.import_pages(pdfium.PdfDocument(str(src)), [number - 1])
        out.save(str(dst))
    return scan, one


def real_scan_pages(name: str, numbers: list[int], tmp_path, authority: str, profile: str = "photocopy150") -> "Path":
    """Pages ``numbers`` of the real 决算 ``name`` as scripts/real_scans.py makes them (``profile``, seed 21), in
    one PDF."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    whole, pages = degraded_whole(real_pdf("juesuan", name), profile, authority, tmp_path), tmp_path / "pages.pdf"
    out = pdfium.PdfDocument.new()
    out.import_pages(pdfium.PdfDocument(str(whole)), [n - 1 for n in numbers])
    out.save(str(pages))
    return pages


def worn_page_grids(name: str, number: int, tmp_path, authority: str):
    """(the printed grid from the PDF's vector rules, the grids the rule finder gives for the page as
    :func:`real_scan_page` makes it) for page ``number`` of the real 决算 ``name``."""
    from pipeline.ingest import IngestSettings, open_document
    from pipeline.layout import find_tables, scan_tables
    from pipeline.preprocess import PreprocessSettings, preprocess_page

    pdf = real_pdf("juesuan", name)
    scan, _ = real_scan_page(pdf, number, tmp_path, authority)
    (ref,) = [find_tables(p.rules or [], p.width, p.height, p.dpi)
              for p in open_document(pdf, IngestSettings(dpi=200)).pages() if p.number == number][0]
    page = next(open_document(scan).pages())
    clean = preprocess_page(page.image, PreprocessSettings(dpi=page.dpi))
    h, w = clean.gray.shape
    return ref, scan_tables(clean.binary, clean.rule_ink, w, h, page.dpi, seal_mask=clean.colourless_seals,
                            worn=clean.worn, faint=clean.faint_rules)


def test_a_table_taken_for_another_by_its_garbled_labels_leaves_an_unrecovered_page(tmp_path, monkeypatch):
    """公开08表 (国有资本经营预算财政拨款收入支出决算表, an empty table: 本表无数据) on a worn photocopy whose
    title is lost (here: the lines among the watermark's strokes are not read): the grid's labels are garbled
    and run together, and match another table's signature (公开01表's 本年收入 | 本年支出, or 公开05表's 合计 |
    基本支出 | 项目支出 once the header band is found again). A table no title names whose header matches none
    of its template's columns, or holds a word that tells another table and none of its own labels has
    (年初结转, 本年收入: ``verdict._foreign_labels``), is no table recovered: the page must say so
    (``table_pieces``), not pass as ``tables`` (the benchmark counted it a silent miss)."""
    from pipeline import read as read_stage
    from pipeline import verdict

    pdf = real_pdf("juesuan", "putuo-shehuigongzuo-2024-juesuan.pdf")
    monkeypatch.setattr(read_stage, "_dense_lines", lambda *a, **k: [])
    # (seed 8: the degradation of this page that gives it; most others lose the grid and say so by grid_ink)
    scan = photocopied_page(pdf, 16, tmp_path, seed=8)
    doc = extract_document(scan)
    page = doc.pages[0]
    assert doc.tables and not any(t.template == "T08" or t.title for t in doc.tables)
    assert page.status == "unrecovered" and "table_pieces" in page.reasons, (page.status, page.reasons)
    assert {"kind": "unrecovered_page", "page": 1, "reasons": page.reasons} in doc.warnings
    # whatever came out of the grid is flagged
    assert all(c.review for t in doc.tables for row in t.rows for c in row.cells)

    monkeypatch.setattr(verdict, "_foreign_labels", lambda *a: False)
    assert extract_document(scan).pages[0].status == "tables"  # (what the test guards against)


def test_the_title_and_notes_of_a_worn_page_are_read_among_the_watermark_strokes(tmp_path):
    """On a stretched photocopy the watermark's strokes are as dark as print: they join the title, the unit
    and the notes under the table into bands too tall for a text line, which were never read. The lines
    dense with print inside such a band are read (the strokes' readings beside them dropped): the title
    names the table (公开08表), and its note says why it is empty."""
    from pipeline.extract import ExtractSettings, StageTimes, _read_page
    from pipeline.ingest import IngestSettings, open_document
    from pipeline.verdict import titles_on

    pdf = real_pdf("juesuan", "putuo-shehuigongzuo-2024-juesuan.pdf")
    scan_path = photocopied_page(pdf, 16, tmp_path, seed=8)
    page = next(iter(open_document(scan_path, IngestSettings(dpi=200)).pages()))
    reading, _, scan = _read_page(page, ExtractSettings(), StageTimes())
    assert scan is not None and scan.clean.worn
    texts = [ln.text for ln in reading.lines]
    assert "T08" in titles_on(reading.lines), texts
    assert any("本表无数据" in t for t in texts) and any(t == "单位：万元" for t in texts), texts
    # no watermark stroke read as a line of its own: every line has two Chinese characters or a number
    assert all(re.search(r"[\u4e00-\u9fff]{2}|\d", t) for t in texts), texts
    doc = extract_document(scan_path)
    assert [t.template for t in doc.tables] == ["T08"] and "国有资本经营" in doc.tables[0].title


def test_a_table_whose_rules_are_all_but_gone_is_found_along_its_faint_dashes(tmp_path):
    """Real guihua 收入支出决算总表 (公开01表) as a worn photocopy: its thin rules, photocopied grey and cut into
    dashes, are lighter than the rule-ink threshold over most of their length; the rule finder found a piece of
    the table (a few rows, three of its five column lines) and the rest was lost. Averaged along the line by the
    grey line filter, the dashes stand out of the paper's noise (``CleanPage.faint_rules``): with them every
    column line and most row lines are found, where the vector rules put them."""
    from pipeline.ingest import IngestSettings, open_document
    from pipeline.layout import find_tables, scan_tables
    from pipeline.preprocess import PreprocessSettings, preprocess_page

    pdf = real_pdf("juesuan", "putuo-guihua-2024-juesuan.pdf")
    (ref,) = [find_tables(p.rules or [], p.width, p.height, p.dpi)
              for p in open_document(pdf, IngestSettings(dpi=200)).pages() if p.number == 7][0]
    page = next(open_document(photocopied_page(pdf, 7, tmp_path, seed=8)).pages())
    clean = preprocess_page(page.image, PreprocessSettings(dpi=page.dpi))
    assert clean.worn and clean.faint_rules is not None
    h, w = clean.gray.shape
    args = (clean.binary, clean.rule_ink, w, h, page.dpi)

    def found(grids) -> tuple[int, int]:  # (row lines, column lines) of the printed table found
        return (sum(any(min(abs(y - g) for g in gr.ys) <= 8 for gr in grids) for y in ref.ys),
                sum(any(min(abs(x - g) for g in gr.xs) <= 8 for gr in grids) for x in ref.xs))

    rows, cols = found(scan_tables(*args, seal_mask=clean.colourless_seals, worn=True))
    assert rows < 0.5 * len(ref.ys) and cols < len(ref.xs), (rows, cols)
    grids = scan_tables(*args, seal_mask=clean.colourless_seals, worn=True, faint=clean.faint_rules)
    rows, cols = found(grids)
    assert cols == len(ref.xs) and rows >= 0.8 * len(ref.ys), (rows, cols, [(g.n_rows, g.n_cols) for g in grids])


@pytest.mark.parametrize("name,number,seed", [("putuo-caizheng-2024-juesuan.pdf", 6, 3),
                                               ("putuo-guihua-2024-juesuan.pdf", 14, 21)])
def test_a_table_the_chained_pass_found_in_pieces_is_taken_whole_from_the_faint_pass(tmp_path, name, number, seed):
    """Real 公开01表 (caizheng) and 公开05表 (guihua) as worn photocopies: the chained pass meets too few column
    rules in the middle rows (caizheng: two grids, 18 + 2 rows of 29) or above the body (guihua: the grid starts
    under the header); the last pass, with the fainter ink for the column rules too, sees the whole table. Its
    grid is taken in place of pieces that cover less than 80 % of it (as the chained pass's grid replaces the
    solid pass's): one grid with nearly every row line and every column line of the printed table."""
    from pipeline.ingest import IngestSettings, open_document
    from pipeline.layout import find_tables, scan_tables
    from pipeline.preprocess import PreprocessSettings, preprocess_page

    pdf = real_pdf("juesuan", name)
    (ref,) = [find_tables(p.rules or [], p.width, p.height, p.dpi)
              for p in open_document(pdf, IngestSettings(dpi=200)).pages() if p.number == number][0]
    page = next(open_document(photocopied_page(pdf, number, tmp_path, seed=seed)).pages())
    clean = preprocess_page(page.image, PreprocessSettings(dpi=page.dpi))
    h, w = clean.gray.shape
    grids = scan_tables(clean.binary, clean.rule_ink, w, h, page.dpi, seal_mask=clean.colourless_seals,
                        worn=clean.worn, faint=clean.faint_rules)
    assert len(grids) == 1, [(g.n_rows, g.n_cols, g.ys[0]) for g in grids]
    (g,) = grids
    rows = sum(min(abs(y - v) for v in g.ys) <= 8 for y in ref.ys)
    cols = sum(min(abs(x - v) for v in g.xs) <= 8 for x in ref.xs)
    assert cols == len(ref.xs) and rows >= 0.85 * len(ref.ys), (rows, len(ref.ys), cols)


def test_the_faint_pass_grids_are_taken_largest_first(tmp_path):
    """Real caizheng (seeded-errors copy) 公开01表 (page 7) as scripts/real_scans.py makes it (``photocopy150``,
    seed 21): only the faint pass finds it, as a grid of 17 rows with smaller ones over its top and inside it.
    The faint grids are weighed largest first (taken in the rule finder's order, the small ones shut the big
    one out: 10 of its 33 row lines were found; now 21 — its top rows stay with the small grids left out)."""
    ref, grids = worn_page_grids("putuo-caizheng-2024-juesuan-seeded-errors.pdf", 7, tmp_path, "上海市普陀区财政局")
    rows = max(sum(min(abs(y - v) for v in g.ys) <= 10 for y in ref.ys) for g in grids)
    assert rows >= 0.6 * len(ref.ys), (rows, len(ref.ys), [(g.n_rows, g.n_cols) for g in grids])


def test_the_faint_pass_does_not_replace_a_table_it_sees_no_more_rows_of(tmp_path):
    """Real caizheng 公开02表's second page (page 9) as scripts/real_scans.py makes it (``photocopy150``, seed 21):
    the chained pass found its four rows with 7 of its columns; the faint pass saw the same four rows, over a
    slightly taller box (the other grid covered 79.8 % of it), with a column line through 科目名称 that is not
    printed (the dimmer ink's false column). Pieces of a table are replaced only by a grid with more rows
    than they have between them: every column line of the page's grid is a printed one."""
    ref, grids = worn_page_grids("putuo-caizheng-2024-juesuan.pdf", 9, tmp_path, "上海市普陀区财政局")
    assert grids
    for g in grids:
        assert all(min(abs(x - v) for v in ref.xs) <= 8 for x in g.xs), ([round(x) for x in g.xs], ref.xs)


def test_pieces_of_a_table_far_apart_with_the_same_columns_are_one_table(tmp_path):
    """Real shehuigongzuo 公开06表 (page 13) as scripts/real_scans.py makes it (``photocopy150``, seed 21): the
    rules of six rows in its middle are lost across the table, so its pieces stand 75 mm apart, above and
    below (stacked pieces were joined only 10 mm apart): the page came out as two tables, the lower one with
    no header and its blocks a column off. Pieces one above the other with the same column lines and no text
    across those lines between them (a title or a note would run across) are one table
    (``textgrid._same_columns``): one grid with nearly every printed row line."""
    ref, grids = worn_page_grids("putuo-shehuigongzuo-2024-juesuan.pdf", 13, tmp_path, "中共上海市普陀区委社会工作部")
    assert len(grids) == 1, [(g.n_rows, g.n_cols, round(g.ys[0])) for g in grids]
    rows = sum(min(abs(y - v) for v in grids[0].ys) <= 10 for y in ref.ys)
    assert rows >= 0.9 * len(ref.ys), (rows, len(ref.ys))


def test_rows_of_a_worn_summary_table_a_rule_or_a_column_off_are_flagged(tmp_path):
    """Real shehuigongzuo 收入支出决算总表 (公开01表, page 5) as scripts/real_scans.py makes it (``photocopy150``,
    seed 21). Its rules nearly all gone, rows are merged and one row's column rule is lost:
    - a label cell holding two or more numbered labels (十八、自然资源海洋气象等支出 十九、住房保障支出, with
      29.42 beside them, which is 十九's) is two rows in one: ``rows_merged`` on every cell of its side;
    - 二十五、债务付息支出 read in 收入's 项目 column (a 支出 label on the 收入 side) puts the row a column off:
      ``columns_merged`` on every cell of it. (Since the rows below the grid's last rule carry on past a row
      with text in one column, that row is read in its place, and no row is a column off.)
    Both were unflagged; against the page's text layer no unflagged cell is wrong. (Since faint print is read
    again from the page before its watermark is lifted, ``read._unlifted``, this page reads whole: every
    支出 item in a row of its own, none a column off — the rules above hold where such rows are read.)"""
    from pipeline.evaluate import score_document

    pdf = real_pdf("juesuan", "putuo-shehuigongzuo-2024-juesuan.pdf")
    scan, one = real_scan_page(pdf, 5, tmp_path, "中共上海市普陀区委社会工作部")
    doc = extract_document(scan)
    (table,) = [t for t in doc.tables if t.template == "T01"]
    numbered = re.compile(r"(?:^|(?<=[\u4e00-\u9fff]))[一二三四五六七八九十]{1,3}[、，]")
    merged = [r for r in table.rows if len(numbered.findall(r.cells[2].text)) >= 2]  # (支出's labels)
    assert all("rows_merged" in c.reasons and c.review for r in merged for c in r.cells[2:])
    items = [r.cells[2].text for r in table.rows if numbered.match(r.cells[2].text)]
    assert len(items) >= 26 - 2 * len(merged), items
    off = [r for r in table.rows if r.cells[0].text.endswith("支出")]
    assert all("columns_merged" in c.reasons and c.review for r in off for c in r.cells)
    s = score_document(extract_document(one).to_dict(), doc.to_dict(), name="p5")
    assert not [(c.truth, c.predicted) for c in s.predicted if not c.correct and not c.review]


def test_a_summary_table_whose_item_columns_read_with_their_side_keeps_its_labels(tmp_path):
    """Real caizheng 公开01表 (page 6) as a worn photocopy (seed 3): its upper header row run into the label row,
    the item columns read 收入项目 and 支出项目 — label columns (``headers.is_amount_column``: a label ending in
    项目 names items), not amounts, whose every label had made its row 'a label in a column of amounts'
    (``columns_merged`` on every cell of the table). The rows whose 支出 label cell held two numbered labels
    (their rule lost across the table, flagged ``rows_merged``) are cut between them now
    (``textgrid.item_row_cuts``): every item 一、 … 二十六、 stands in a row of its own, 445.69 in 十九's."""
    scan = photocopied_page(real_pdf("juesuan", "putuo-caizheng-2024-juesuan.pdf"), 6, tmp_path, seed=3)
    (table,) = [t for t in extract_document(scan).tables if t.template == "T01"]
    assert [c.split("/")[-1] for c in table.columns] == ["收入项目", "决算数", "支出项目", "决算数"], table.columns
    assert not any("columns_merged" in c.reasons for r in table.rows for c in r.cells)
    numbered = re.compile(r"(?:^|(?<=[\u4e00-\u9fff]))[一二三四五六七八九十]{1,3}[、，]")
    merged = [r for r in table.rows if len(numbered.findall(r.cells[2].text)) >= 2]
    assert all("rows_merged" in c.reasons for r in merged for c in r.cells[2:]), [r.cells[2].text for r in merged]
    single = [r for r in table.rows if len(numbered.findall(r.cells[2].text)) == 1]
    assert len(single) >= 24 and not any("rows_merged" in c.reasons for r in single for c in r.cells[2:])
    (nineteen,) = [r for r in single if r.cells[2].text.startswith("十九、")]
    assert nineteen.cells[3].text == "445.69", [c.text for c in nineteen.cells]


def test_a_column_line_that_parts_nothing_is_taken_out(tmp_path):
    """Real guihua 公开06表 (page 16) as scripts/real_scans.py makes it (``photocopy150``, seed 21): a column line
    stood inside 科目名称, which ran across it in 16 rows of 34; the column right of it was empty but for one
    label's tail (卜助), and every 决算数 sat a column right of its place (0 of its amounts scored). The line
    is taken out (``textgrid.empty_spanned_columns``, ``merge_column_left``) and the page read again: the
    blocks are 科目编码 | 科目名称 | 决算数 twice, each amount beside its code as the text layer has it."""
    pdf = real_pdf("juesuan", "putuo-guihua-2024-juesuan.pdf")
    scan, one = real_scan_page(pdf, 16, tmp_path, "上海市普陀区规划和自然资源局")
    (ref,) = [t for t in extract_document(one).tables if t.template == "T06"]
    (table,) = [t for t in extract_document(scan).tables if t.template == "T06"]
    assert len(table.columns) == len(ref.columns) == 6, table.columns
    truth = {r.cells[0].text: r.cells[2].text for r in ref.rows} | {r.cells[3].text: r.cells[5].text for r in ref.rows}
    read = {r.cells[0].text: r.cells[2].text for r in table.rows} | {r.cells[3].text: r.cells[5].text for r in table.rows}
    right = [code for code, amount in read.items() if code in truth and truth[code] == amount]
    assert len(right) >= 50, (len(right), len(read))
    for k in range(len(table.columns)):  # no column empty down the table
        assert any(r.cells[k].text for r in table.rows), k


def test_a_worn_header_three_lines_tall_and_a_code_column_without_its_rules_come_back(tmp_path):
    """Real caizheng (seeded-errors copy) 收入决算表 (公开02表, page 8) as scripts/real_scans.py makes it
    (``photocopy150``, seed 21). Its header's rules are all but gone; the band stands three lines tall (项目 over
    功能分类科目编码 | 科目名称) and the faded wall between 事业收入 and 经营收入 leaves the two labels 4 mm apart;
    in the body, the rule between 类 and 款 is lost. It was read with no header (every amount column
    unlabelled, 0 of its amounts scored), then with 事业收入经营收入 as one column and 201 06 as one code.
    Now:
    - a header band up to 3.5 row pitches tall is taken (``textgrid.rules_above``, ``max_row``);
    - a column line of the grid between two labels each centred in its own column is a wall of the header
      (``textgrid._gap_walls``);
    - a gutter 3.5 mm wide down a column is a column line (``TextGridSettings.gutter_mm``; 201 | 06 stand 3.9 mm
      apart).
    The table has the text layer's eleven columns under their labels, and its codes and amounts as it has them."""
    pdf = real_pdf("juesuan", "putuo-caizheng-2024-juesuan-seeded-errors.pdf")
    scan, one = real_scan_page(pdf, 8, tmp_path, "上海市普陀区财政局")
    (ref,) = [t for t in extract_document(one).tables if t.template == "T02"]
    (table,) = [t for t in extract_document(scan).tables if t.template == "T02"]
    assert len(table.columns) == len(ref.columns) == 11, table.columns
    for ours, theirs in zip(table.columns[3:], ref.columns[3:]):
        assert theirs.split("/")[-1] in ours, (table.columns, ref.columns)
    read = {"|".join(c.text for c in r.cells[:3]): [c.text for c in r.cells[4:]] for r in table.rows}
    truth = {"|".join(c.text for c in r.cells[:3]): [c.text for c in r.cells[4:]] for r in ref.rows}
    assert len(set(read) & set(truth)) >= len(truth) - 2, (sorted(read), sorted(truth))
    amounts = [(a, b) for key, row in truth.items() for a, b in zip(read.get(key, [""] * len(row)), row) if b]
    assert sum(a == b for a, b in amounts) >= 0.8 * len(amounts), amounts


def test_a_lost_column_rule_beside_amounts_is_put_back_where_they_end(tmp_path):
    """Real guihua 收入决算表's second page (page 9) as scripts/real_scans.py makes it (``photocopy150``, seed 21):
    the rule between 本年收入合计 and 财政拨款收入 is lost down the page, and the text's gutter put it back in its
    middle, 9.6 mm right of the printed rule: 3832.36 and 3832.36 were read as one amount (3832.363832.36),
    22 of the table's amounts lost. Amounts print flush right, so where the words before a gutter end
    together and start apart, the lost rule stands just right of them (``textgrid._aligned_line``): the
    line is the printed one, and the columns hold an amount each."""
    ref, grids = worn_page_grids("putuo-guihua-2024-juesuan.pdf", 9, tmp_path, "上海市普陀区规划和自然资源局")
    (g,) = grids
    inside = [x for x in g.xs if ref.xs[2] + 8 < x < ref.xs[4] - 8]
    assert len(inside) == 1 and abs(inside[0] - ref.xs[3]) <= 8, ([round(x) for x in g.xs], ref.xs)


@pytest.mark.slow
def test_every_unflagged_cell_of_a_real_photocopied_document_is_right(tmp_path):
    """Real guihua 决算 as scripts/real_scans.py makes it at ``photocopy150`` (seed 21), against its own text layer:
    whatever is lost, what is not flagged is right, and a table not found leaves an ``unrecovered`` page.
    Its 公开03表 lost its header and read 161.08 for 221's 461.08; the cross-table identity with 公开01表's
    十九、住房保障支出 had "proved" 公开01表's right 461.08 to be 161.08, unflagged, until a repair no longer
    rests on a table whose columns are in doubt (``repair._rests_on``)."""
    from pipeline.evaluate import aggregate, score_document
    from real_scans import degraded_copy, reference_of
    from pipeline.extract import ExtractSettings

    pdf = real_pdf("juesuan", "putuo-guihua-2024-juesuan.pdf")
    reference = reference_of(pdf, ExtractSettings())
    scan = tmp_path / pdf.name
    degraded_copy(pdf, scan, "photocopy150", 21, reference["document"].get("authority") or "财务部门")
    m = aggregate([score_document(reference, extract_document(scan).to_dict())])
    assert m.matched_tables >= 8 and m.silent_misses == 0, (m.matched_tables, m.silent_misses)
    assert m.residual_error in (None, 0.0), m.residual_error


def test_a_bracket_the_faint_mask_takes_for_a_rule_one_row_tall_is_no_column_line(tmp_path):
    """Real caizheng 公开01表's last page (page 7) as scripts/real_scans.py makes it (``photocopy150``, seed 21):
    the faint-rule mask took the bracket of 使用非财政拨款结余（含专用结余） for a rule one row tall. The label
    was cut in two, and the line, given to the page before (``continued_columns``), put every 收入 amount of
    公开01表 a column right of its place (0 of 12 scored). No rule's stroke stands on the line in any row, and
    the only ink on it is a character's with the word on both sides (``textgrid.glyph_lines``): the table has
    the text layer's four columns, the label whole, the amount under 决算数."""
    pdf = real_pdf("juesuan", "putuo-caizheng-2024-juesuan.pdf")
    scan, one = real_scan_page(pdf, 7, tmp_path, "上海市普陀区财政局")
    # (the page alone: its first row, the table's header on page 6, is taken for the header)
    (ref,) = extract_document(one).tables
    (table,) = extract_document(scan).tables
    assert len(table.columns) == len(ref.columns) == 4, table.columns
    labels = table.columns[:1] + [r.cells[0].text for r in table.rows]
    assert any(label.startswith("使用非财政") and label.endswith("结余）") for label in labels), labels
    read = {r.cells[0].text: r.cells[1].text for r in table.rows}
    assert read.get("年初结转和结余") == "49.14", read


def test_a_column_beside_the_grid_whose_outer_rule_was_lost_is_put_back(tmp_path):
    """Real caizheng (seeded-errors copy) 公开06表 (page 13) as scripts/real_scans.py makes it (``photocopy150``,
    seed 21): the table's left rule was lost with the rows' rules in its first column, so the grid began at
    the rule between 类 and 款. The 类 codes (301 … 303) stood outside it, and every amount of the table was
    read a column left of its place (0 of 29 scored). Text standing in the grid's rows beside its side is a
    column whose outer rule was lost (``textgrid._side_column``): the table has the text layer's eight
    columns, and its amounts beside their codes."""
    pdf = real_pdf("juesuan", "putuo-caizheng-2024-juesuan-seeded-errors.pdf")
    scan, one = real_scan_page(pdf, 13, tmp_path, "上海市普陀区财政局")
    (ref,) = [t for t in extract_document(one).tables if t.template == "T06"]
    (table,) = [t for t in extract_document(scan).tables if t.template == "T06"]
    assert len(table.columns) == len(ref.columns) == 8, table.columns

    def amounts(t):
        return {f"{r.cells[0].text}|{r.cells[1].text}": r.cells[3].text for r in t.rows if r.cells[3].text}

    truth, read = amounts(ref), amounts(table)
    right = [k for k, v in truth.items() if read.get(k) == v]
    assert len(right) >= 0.6 * len(truth), (read, truth)


def test_rows_below_the_last_rule_found_carry_on_past_a_watermark_piece_astride_a_line(tmp_path):
    """Real guihua 收入决算表's first page (page 8) as scripts/real_scans.py makes it (``photocopy150``, seed 21):
    the grid ended at the rule under 2080506, and the five rows below it (2080599 … 2101102, ten amounts) were
    lost, the page ``unrecovered``. The first of them reaches two pixels above that rule, and a piece of the
    watermark 8 mm wide stands astride a column line in it. A row below a table is carried on when its text
    stands below the rule (its middle) and no text a few characters long runs across a column line
    (``textgrid._note``): the rows are back with their amounts."""
    pdf = real_pdf("juesuan", "putuo-guihua-2024-juesuan.pdf")
    scan, one = real_scan_page(pdf, 8, tmp_path, "上海市普陀区规划和自然资源局")
    (table,) = [t for t in extract_document(scan).tables if t.template == "T02"]
    read = {r.cells[0].text: r.cells[3].text for r in table.rows}
    assert {k: read.get(k) for k in ("2080599", "210", "21011", "2101102")} == {
        "2080599": "0.88", "210": "236.64", "21011": "236.64", "2101102": "196.29"}, read


def test_a_table_continued_on_the_next_page_takes_the_columns_that_page_kept(tmp_path):
    """Real guihua 收入决算表 (pages 8–9) as scripts/real_scans.py makes it (``photocopy150``, seed 21). Page 8's
    grid lost the rules of 上级补助收入 … 其他收入 (empty columns); page 9 kept two of them, and carries them to
    page 8 (``continued_columns``, ``add_column_lines``). A grid rebuilt from its cells' sides put a row line
    of its own where a cell had been moved onto a row rule a few pixels off the grid's line (1136 for 1124,
    ``layout.follow_rules``): one row more, and the columns were refused — page 8 kept six columns, page 9 a
    table of its own, 23 of the table's 50 amounts lost. Rebuilt on the grid's own lines
    (``textgrid._walls``), the two pages are one table."""
    two = real_scan_pages("putuo-guihua-2024-juesuan.pdf", [8, 9], tmp_path, "上海市普陀区规划和自然资源局")
    tables = [t for t in extract_document(two).tables if t.rows]
    assert len(tables) == 1 and tables[0].pages == [1, 2], [(t.pages, t.columns) for t in tables]
    read = {r.cells[0].text: r.cells[3].text for r in tables[0].rows}
    assert read.get("2200199") == "45.00" and read.get("2101102") == "196.29", read


def test_a_page_that_kept_few_column_lines_takes_none_from_the_page_before(tmp_path):
    """Real caizheng (seeded-errors copy) 收入决算表 (pages 8–9) as scripts/real_scans.py makes it: page 9's grid
    kept 3 of page 8's 12 column lines, and its rows' print, in the columns it lost, runs across page 8's 项 |
    科目名称 line, which page 8 had put back from its text. A line refused there is dropped from the other
    page only when that page kept half the lines or more (``extract._carry_columns``): the table keeps its
    eleven columns, 类 | 款 | 项 | 科目名称 | amounts, over both pages (15 of its 45 amounts scored with the
    line dropped)."""
    two = real_scan_pages("putuo-caizheng-2024-juesuan-seeded-errors.pdf", [8, 9], tmp_path, "上海市普陀区财政局")
    (table,) = [t for t in extract_document(two).tables if t.template == "T02"]
    assert table.pages == [1, 2] and len(table.columns) == 11, (table.pages, table.columns)
    read = {"".join(c.text for c in r.cells[:3]): r.cells[5].text for r in table.rows}
    assert read.get("20106") == "2,106.66", read


def test_a_rule_lost_beside_a_line_of_characters_strokes_is_put_back_from_the_gutter(tmp_path):
    """Real guihua 公开01表 (page 7) as scripts/real_scans.py makes it (``photocopy150``, seed 21): the rule
    between 支出's labels and its amounts was lost, and the rule finder chained the amounts' first digits into
    a line 5 mm right of it, so no gutter was left to infer the rule in. That line, characters' strokes, was
    dropped (``textgrid.glyph_lines``) and every 支出 amount read into its label (3 of the table's 12 amounts
    scored). The gutter between the lines either side of it is looked for again (``textgrid.gutter_lines``),
    and the rows of 九、 … 十一、, stacked in one row of the grid, put apart: the amount column's gap between
    236.63 and 3845.25, two pitches tall where 十、 has no amount, holds both of the label column's gaps
    (``textgrid.stacked_rows``)."""
    page = real_scan_pages("putuo-guihua-2024-juesuan.pdf", [7], tmp_path, "上海市普陀区规划和自然资源局")
    (table,) = [t for t in extract_document(page).tables if t.template == "T01"]
    assert len(table.columns) == 4, table.columns
    read = {r.cells[2].text: r.cells[3].text for r in table.rows}
    assert {k: read.get(k) for k in ("九、卫生健康支出", "十一、城乡社区支出", "十九、住房保障支出", "本年支出合计")} == {
        "九、卫生健康支出": "236.63", "十一、城乡社区支出": "3845.25", "十九、住房保障支出": "461.08",
        "本年支出合计": "9759.38"}, read


def test_rows_above_the_grid_the_faint_pass_found_as_a_piece_are_joined_to_it(tmp_path):
    """Real caizheng (seeded-errors copy) 公开01表 (page 7) as scripts/real_scans.py makes it (``photocopy150``,
    seed 21): every pass lost the rules of the table's first rows (项目 … 四、上级补助收入), but the faint pass
    found them as a grid of their own, a few columns wide, meeting the table's grid at its top row; it was
    left out for overlapping that grid, and the table began at 五、事业收入, its title given to a scrap above
    it (0 of 12 amounts scored). A grid meeting another only at its top or foot with rows beyond it is kept
    (``layout._edge_piece``) and joined to it when the grids are completed from the text."""
    page = real_scan_pages("putuo-caizheng-2024-juesuan-seeded-errors.pdf", [7], tmp_path, "上海市普陀区财政局")
    (table,) = [t for t in extract_document(page).tables if t.template == "T01"]
    read = {r.cells[0].text[-6:]: r.cells[1].text for r in table.rows}
    assert read.get("本年收入合计") == "2,946.25", read
    assert any(r.cells[3].text == "2,106.66" and r.cells[2].text.endswith("一般公共服务支出") for r in table.rows), \
        [[c.text for c in r.cells] for r in table.rows]


def test_rows_below_the_last_rule_carry_on_past_a_row_with_text_in_one_column(tmp_path):
    """Real shehuigongzuo 公开01表 (page 5) as scripts/real_scans.py makes it (``photocopy150``, seed 21): the
    grid ended at the rule under 二十五、债务付息支出, and the search for rows below it stopped at the next one,
    二十六、抗疫特别国债安排的支出, whose text stands in one column: the table's last six rows (本年收入合计 …
    总计, four amounts) were lost. A row with text in one column is a row of the table when a row with text in
    two columns follows it at the pitch (``textgrid.complete_tables``)."""
    page = real_scan_pages("putuo-shehuigongzuo-2024-juesuan.pdf", [5], tmp_path, "中共上海市普陀区委社会工作部")
    (table,) = [t for t in extract_document(page).tables if t.template == "T01"]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert any(r[2].startswith("二十六") for r in rows), rows
    assert ["本年收入合计", "307.82", "本年支出合计", "307.82"] in rows, rows
    assert ["总计", "307.82", "总计", "307.82"] in rows, rows


def test_two_rows_stacked_in_four_columns_are_put_apart_past_a_mark_in_an_empty_column(tmp_path):
    """Real guihua 支出决算表's first page (page 10) as scripts/real_scans.py makes it (``photocopy150``, seed 21):
    the rule between 合计 and 208 was lost, and their rows stood stacked in one row of the grid, two lines a
    pitch apart in four columns (合计 | 9759.38 | 5377.64 | 4381.74 over 社会保障和就业支出 | 754.75 | 754.75 |
    0.00). A mark of the watermark in the empty 上缴上级支出 column stood across the gap, and a line of text
    across the gap kept the rows together (six amounts lost). One column's line across it is outvoted by
    three cells' gaps (``textgrid.stacked_rows``, ``stack_outvote``)."""
    page = real_scan_pages("putuo-guihua-2024-juesuan.pdf", [10], tmp_path, "上海市普陀区规划和自然资源局")
    (table,) = [t for t in extract_document(page).tables if t.template == "T03"]
    read = {"".join(c.text for c in r.cells[:2]): [c.text for c in r.cells[2:5]] for r in table.rows}
    assert read.get("合计") == ["9759.38", "5377.64", "4381.74"], read
    assert read.get("208社会保障和就业支出") == ["754.75", "754.75", "0.00"], read


def test_a_total_row_below_the_last_rule_whose_label_spans_two_columns_is_no_note(tmp_path):
    """Real guihua 公开06表 (page 16) as scripts/real_scans.py makes it (``photocopy150``, seed 21): the grid
    ended at the rule under 31099, and the row below it, 人员经费合计 | 4884.09 | 公用经费合计 | 480.66, was
    taken for a note, its label running 25 mm across the 科目编码 | 科目名称 line: both totals lost. A band
    with text that long across one line is a row when it has pieces of text an amount wide standing each in a
    column of its own in two columns (``textgrid._note``), and the column rules carried down to it pass
    through no text: the label stays whole."""
    page = real_scan_pages("putuo-guihua-2024-juesuan.pdf", [16], tmp_path, "上海市普陀区规划和自然资源局")
    (table,) = [t for t in extract_document(page).tables if t.template == "T06"]
    rows = [[c.text for c in r.cells] for r in table.rows]
    last = rows[-1]
    assert last[0] == "人员经费合计" and last[2] == "4884.09" and "公用经费合计" in last, rows[-3:]


def test_header_cells_reading_two_sub_labels_run_together_get_their_column_lines_back(tmp_path):
    """Real guihua 财政拨款“三公”经费支出决算表 (page 17) as scripts/real_scans.py makes it (``photocopy150``, seed
    21): the scan lost every other column rule of its twelve columns (预算数 | 决算数 under each item), so the
    grid had six, its header cells read 预算数决算数 (one of them with a speck, K预算数决算数, another four
    labels run together) and each amount cell two amounts (0.000.00): 5 of 12 amounts scored. A header cell
    reading several columns' sub-labels run together stands over as many columns of one width
    (``textgrid.paired_label_cells``, ``lanci_lines``): the table has its twelve columns and every amount."""
    page = real_scan_pages("putuo-guihua-2024-juesuan.pdf", [17], tmp_path, "上海市普陀区规划和自然资源局")
    (table,) = [t for t in extract_document(page).tables if t.template == "T09"]
    assert len(table.columns) == 12, table.columns
    (row,) = table.rows
    assert [c.text for c in row.cells] == ["2.85", "0.39"] + ["0.00"] * 8 + ["2.85", "0.39"], [c.text for c in row.cells]


def test_specks_below_a_table_make_no_rows_past_a_row_with_text_in_one_column(tmp_path):
    """Real shehuigongzuo 收入决算表's first page (page 6) as scripts/real_scans.py makes it (``photocopy150``, seed
    21): below the grid's last rule (under 21011) the paper holds specks and strokes of the watermark, a piece
    in one column, then pieces in three. Carried on past the first as a row with text in one column, they
    made four rows more in the table. Past such a row only pieces a few characters wide, in two columns,
    carry the table on (``textgrid.complete_tables``, ``below_word_mm``)."""
    page = real_scan_pages("putuo-shehuigongzuo-2024-juesuan.pdf", [6], tmp_path, "中共上海市普陀区委社会工作部")
    (table,) = [t for t in extract_document(page).tables if t.template == "T02"]
    codes = [r.cells[0].text for r in table.rows]
    # (the grid's own last row, under 21011, holds a speck read “1”: one row, as before)
    assert "21011" in codes and len(codes) - codes.index("21011") - 1 <= 1, [[c.text for c in r.cells] for r in table.rows]


def test_a_skewed_row_rule_along_a_blank_cells_top_is_read_as_no_dash(tmp_path):
    """Real caizheng (seeded-errors copy) 公开01表 (page 7) as scripts/real_scans.py makes it at ``skew3`` (seed
    21): in the blank 决算数 cell of 二十六、抗疫特别国债安排的支出 the row rule above, skewed, reached into the
    cell along its top, a thin stroke alone in the cell, which was read as a dash “——”; once the column's sum
    held, at confidence 1.0, unflagged, where the page prints nothing. A thin band along the cell's top or
    foot is a rule's remnant (``read._thin_band``): the cell is blank."""
    page = real_scan_pages("putuo-caizheng-2024-juesuan-seeded-errors.pdf", [7], tmp_path, "上海市普陀区财政局",
                           profile="skew3")
    (table,) = [t for t in extract_document(page).tables if t.template == "T01"]
    (row,) = [r for r in table.rows if r.cells[2].text.startswith("二十六")]
    assert row.cells[3].text == "" or row.cells[3].review, [(c.text, c.reasons) for c in row.cells]


def test_body_rows_above_the_first_rule_found_are_read_back_and_the_header_above_them_stays_header(tmp_path):
    """Real guihua 公开06表 (一般公共预算财政拨款基本支出决算表, page 16) as scripts/real_scans.py makes it
    (``photocopy150``, seed 21): the rules of the header and of the first four rows (301 工资福利支出, 30101 …
    30103) faded into dashes, and the grid began at 30106: 301 … 30103 (eight amounts) and the header were read
    as loose lines above the table. A grid whose first row reads as a body row is carried up over the bands of
    text above it that read as body rows across its columns (an amount or a code where it has them, no header
    word: ``textgrid.rows_above``); the header band right above them is its header, never a body row. The rows
    carried up stand between lines inferred from the text: their cells say so (``rule_missing``; reviewed
    where an identity over them fails)."""
    page = real_scan_pages("putuo-guihua-2024-juesuan.pdf", [16], tmp_path, "上海市普陀区规划和自然资源局")
    (table,) = [t for t in extract_document(page).tables if t.template == "T06"]
    rows = {r.cells[0].text: r for r in table.rows}
    read = {k: (rows[k].cells[2].text, rows[k].cells[5].text) for k in ("301", "30101", "30102", "30103") if k in rows}
    assert read == {"301": ("4816.14", "440.90"), "30101": ("537.64", "84.62"), "30102": ("987.86", "0.00"),
                    "30103": ("0.00", "0.00")}, [[c.text for c in r.cells] for r in table.rows[:6]]
    assert table.rows[0].cells[0].text == "301", [c.text for c in table.rows[0].cells]
    assert any("科目名称" in h for h in table.columns), table.columns
    assert all("rule_missing" in c.reasons for k in ("301", "30101") for c in rows[k].cells if c.text), \
        [(c.text, c.reasons) for c in rows["301"].cells]


def test_body_rows_below_the_last_rule_found_are_read_back(tmp_path, monkeypatch):
    """Real caizheng 财政拨款收入支出决算总表 (pages 12–13) as scripts/real_scans.py makes it (``photocopy150``,
    seed 21): the rules under 二、政府性基金预算财政拨款 faded, and the grid ended there — 三、国有资本经营预算财政拨款
    (its label wrapped over two lines) and the 总计 row (2,961.68 three times) were lost, and with them the
    table's grand totals. A grid whose last row is no header row is carried down over the bands of text below
    it that read as body rows across its columns, and over up to two rows of words before one
    (``textgrid.rows_below``); a label's second line close under its first is no row of its own."""
    import pipeline.textgrid as textgrid

    page = real_scan_pages("putuo-caizheng-2024-juesuan.pdf", [12, 13], tmp_path, "上海市普陀区财政局")

    def t04():
        (table,) = [t for t in extract_document(page).tables if t.template == "T04"]
        return [[c.text for c in r.cells] for r in table.rows]

    rows = t04()
    assert rows[-1][0] == "总计" and rows[-1][1] == rows[-1][3] == "2,961.68", rows[-3:]
    assert rows[-2][0] == "三、国有资本经营预算财政拨款" and not any(rows[-2][1:]), rows[-3:]
    assert not any(r[0] in ("拨款", "款") for r in rows), rows[-4:]
    monkeypatch.setattr(textgrid, "rows_below", lambda *a, **k: None)
    assert not any(r[0] == "总计" for r in t04()[-3:])


def test_body_rows_above_the_first_rule_found_are_read_back_though_their_labels_say_danwei(tmp_path):
    """Real shehuigongzuo 支出决算表's second page (page 9) as scripts/real_scans.py makes it (``photocopy150``,
    seed 21): the top border and the rule between 2101101 and 2101102 faded, and the grid began at 221: 行政单位医疗
    and 事业单位医疗 (four amounts) were lost. Their labels hold 单位, a word of the caption 单位：万元 too; only a
    caption's or a header's own words (单位：, 单位名称, a cell reading 项目 alone) stop the rows above
    (``textgrid.rows_above``)."""
    page = real_scan_pages("putuo-shehuigongzuo-2024-juesuan.pdf", [9], tmp_path, "中共上海市普陀区委社会工作部")
    (table,) = [t for t in extract_document(page).tables if t.rows]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows}
    assert rows.get("2101101", [])[1:3] == ["行政单位医疗", "2.22"], [[c.text for c in r.cells] for r in table.rows]
    assert rows.get("2101102", [])[1:4] == ["事业单位医疗", "0.49", "0.49"], rows
    assert table.rows[0].cells[0].text == "2101101", rows


def _flagged_for_an_inferred_side_alone(cell) -> bool:
    """The cell has a side inferred from the text and no other doubt (the watermark and seal say nothing)."""
    return "rule_missing" in cell.reasons and not set(cell.reasons) - {"rule_missing", "watermark", "seal"}


def test_code_pieces_and_blank_summary_rows_a_worn_grid_bounds_by_inferred_lines_are_vouched_for(tmp_path,
                                                                                                    monkeypatch):
    """Real caizheng (seeded-errors copy) 公开01表 and 公开02表 (pages 7–9) as scripts/real_scans.py makes them
    (``photocopy150``, seed 21): most of their rules are inferred from the text, so their cells carry
    ``rule_missing`` and wait for review unless something confirms them. Two kinds no identity covers were
    all flagged though right:

    - a code printed over 类 | 款 | 项 (201 | 06 | 02, blank where the code is shorter) and its name, which the
      row's catalogue match pairs (``score._piece_of_its_code``);
    - the 收入 side's rows below its last item (八、其他收入), printed blank down to 本年收入合计, whose sum
      holds exactly over items 一…八 (``score._blank_below_the_items``; this edition prints no 行次)."""
    import pipeline.score as score

    pages = real_scan_pages("putuo-caizheng-2024-juesuan-seeded-errors.pdf", [7, 8, 9], tmp_path, "上海市普陀区财政局")

    def inferred():
        doc = extract_document(pages)
        t01 = next(t for t in doc.tables if t.template == "T01")
        t02 = next(t for t in doc.tables if t.template == "T02")
        assert t02.columns[:3] == ["类", "款", "项"] and t02.columns[3].endswith("科目名称"), t02.columns
        # (a class row's 类 cell is the whole code: vouched for as a code printed in one column is)
        pieces = [c for r in t02.rows if r.codes for c in r.cells[1:4] if _flagged_for_an_inferred_side_alone(c)]
        total = next(i for i, r in enumerate(t01.rows) if r.cells[0].text == "本年收入合计")
        blank = [c for r in t01.rows[:total] if not r.cells[0].text and not r.cells[1].text
                 for c in r.cells[:2] if _flagged_for_an_inferred_side_alone(c)]
        return pieces, blank

    pieces, blank = inferred()
    assert len(pieces) >= 15 and sum(not c.review for c in pieces) >= 0.9 * len(pieces), \
        [(c.text, c.reasons) for c in pieces if c.review]
    assert len(blank) >= 10 and not any(c.review for c in blank), [(c.text, c.reasons) for c in blank if c.review]

    monkeypatch.setattr(score, "_piece_of_its_code", lambda *a: False)
    monkeypatch.setattr(score, "_blank_below_the_items", lambda doc: set())
    monkeypatch.setattr(score, "_blank_side", lambda *a: False)  # (a side printed blank: a second witness)
    pieces, blank = inferred()
    assert pieces and blank and all(c.review for c in pieces + blank)


def test_a_code_column_label_misread_on_a_worn_header_is_restored(tmp_path, monkeypatch):
    """Real guihua 公开06表 (page 16) as scripts/real_scans.py makes it: the 人员经费 side's code column label
    read 经济分类科H编科, nearest 经济分类科目编码 but not by the margin over 经济分类, the upper row's label it
    holds whole; as read it named an amount column, so the side's codes (301, 30101 …) were taken as amounts
    and none was paired with its name. A label the text holds whole and that is a part of the nearest one is
    no rival (``headercheck.nearest_printed_label``): the column is the code column, its codes printed ones."""
    page = real_scan_pages("putuo-guihua-2024-juesuan.pdf", [16], tmp_path, "上海市普陀区规划和自然资源局")
    doc = extract_document(page)
    (table,) = [t for t in doc.tables if t.template == "T06"]
    assert table.columns[0].endswith("科目编码"), table.columns
    codes = [r.cells[0] for r in table.rows if re.fullmatch(r"30\d{1,3}", r.cells[0].text)]
    assert len(codes) >= 20 and all(c.value is None for c in codes)
    printed = [m for r in table.rows for m in r.codes if m.column == 0 and m.source == "printed"]
    assert len(printed) >= 0.8 * len(codes), [m.to_dict() for r in table.rows for m in r.codes if m.column < 2]
    # the 人员经费 side printed blank below its last class's items (its class sums hold), down to its total row:
    # vouched for where a side of the cells was inferred (``score._blank_below_the_classes``)
    last = max(i for i, r in enumerate(table.rows) if r.cells[0].text.isdigit())
    blank = [c for r in table.rows[last + 1:] if not any(c.text for c in r.cells[:3])
             for c in r.cells[:3] if "rule_missing" in c.reasons and not set(c.reasons) - {"rule_missing", "watermark"}]
    assert len(blank) >= 10 and not any(c.review for c in blank), [(c.text, c.reasons) for c in blank if c.review]
    import pipeline.score as score

    monkeypatch.setattr(score, "_blank_below_the_classes", lambda doc: set())
    score.score_document(doc)
    assert all(c.review for c in blank)


def test_two_blank_columns_run_together_under_watermark_strokes_are_put_apart(tmp_path):
    """Real guihua 支出决算表 (公开03表, pages 10–11) as scripts/real_scans.py makes it: the rule between the blank
    上缴上级支出 and 经营支出 columns was lost down the table, one column read d上缴上级支出经营支出. Its cells held
    only the watermark's strokes, read weakly as characters (海名語劇, 天, 物), which the amounts' reading takes
    as nothing — but the test of a blank column read them as print, so the column stayed whole, a template
    column missing, and all the table's cells went to review (``structure``). The column's cells are now read
    as its amounts will be (``interpret._amount_reading``): it is split into the two blank columns."""
    pages = real_scan_pages("putuo-guihua-2024-juesuan.pdf", [10, 11], tmp_path, "上海市普陀区规划和自然资源局")
    doc = extract_document(pages)
    (table,) = [t for t in doc.tables if t.template == "T03"]
    assert table.columns[5:7] == ["上缴上级支出", "经营支出"], table.columns
    # (what made the column look printed: a weak reading of strokes as words, now blank)
    cells = [r.cells[c] for r in table.rows for c in (5, 6)]
    assert not any(c.text for c in cells if not {"low_ocr", "format"} & set(c.reasons)), [c.text for c in cells]
    assert any(c.original and re.search(r"[\u4e00-\u9fff]{2}", c.original) for c in cells), \
        [c.original for c in cells if c.original]
    assert not any(w.get("kind") == "table_structure" and w["table"] == table.id for w in doc.warnings)
    assert sum(c.review for r in table.rows for c in r.cells) < 0.3 * sum(len(r.cells) for r in table.rows)


def test_a_column_two_labels_run_over_holding_amounts_is_settled_by_the_identities_across_tables(tmp_path,
                                                                                                   monkeypatch):
    """Real shehuigongzuo 公开01表 and 收入决算表 (pages 5–7) as scripts/real_scans.py makes them: the rule between
    财政拨款收入 and 上级补助收入 was lost down the 收入决算表, one column read 财政拨款收入上级补助收入11, its
    amounts in it — which of the two columns they are the table alone cannot tell (each row's sum holds either
    way), so the table lost a column and every cell went to review. The identities across tables can:
    T01 三项财政拨款收入之和 = T02 合计 财政拨款收入 holds with them under 财政拨款收入, T01 上级补助收入 = T02 合计
    上级补助收入 fails with them under 上级补助收入 (``interpret.settle_run_together_columns``). And the code and
    name columns, their label misread 项目代供, were taken for amount columns: 合计 read there was blanked as an
    amount's noise, and so no identity reached the 合计 row. A column whose cells read as codes and words is no
    column of amounts (``interpret._labels_below``)."""
    import pipeline.interpret as interpret

    pages = real_scan_pages("putuo-shehuigongzuo-2024-juesuan.pdf", [5, 6, 7], tmp_path, "中共上海市普陀区委社会工作部")

    def income_table():
        doc = extract_document(pages)
        table = next(t for t in doc.tables if t.template == "T02")
        return table, any(w.get("kind") == "table_structure" and w["table"] == table.id for w in doc.warnings)

    table, doubtful = income_table()
    assert table.columns[3:5] == ["财政拨款收入", "上级补助收入"], table.columns
    total = table.rows[0]
    assert total.cells[0].text == "合计" and total.cells[3].text == "307.82" and not total.cells[4].text
    assert not doubtful and sum(c.review for r in table.rows for c in r.cells) < 0.3 * sum(
        len(r.cells) for r in table.rows)

    monkeypatch.setattr(interpret, "settle_run_together_columns", lambda doc: 0)
    monkeypatch.setattr(interpret, "_labels_below", lambda table, ci: False)
    table, doubtful = income_table()
    assert "上级补助收入" not in table.columns and not table.rows[0].cells[0].text and doubtful


def test_a_summary_tables_header_cut_from_its_body_and_its_labels_cut_in_two_come_back(tmp_path, monkeypatch):
    """Real caizheng 财政拨款收入支出决算总表 (公开04表, pages 12–13) as scripts/real_scans.py makes it: the rules
    under 项目 | 决算数 | 项目 and between 决算数 and 支出's 项目 were lost over the header and the first body row,
    so 决算数 | 项目 and 2,940.05 | 一、一般公共服务支出 were one cell — left so once the line the text inferred
    between 四、 and 公共安全支出 was dropped as characters' strokes (``textgrid.restore_lost_walls`` now looks
    again) — and the assembly joined the two columns: every amount right of them a column off, 12 wrong. And
    a row line inferred through the header cut 一般公共预算 | 财政拨款 (printed on two lines) in two, the column
    labelled 财政拨款, 国有资本经营预算财政拨款's column taking its role (``headercheck.join_stacked_labels``)."""
    import pipeline.textgrid as textgrid
    from pipeline.templates import load_templates, resolve_columns

    pages = real_scan_pages("putuo-caizheng-2024-juesuan.pdf", [12, 13], tmp_path, "上海市普陀区财政局")
    (table,) = [t for t in extract_document(pages).tables if t.template == "T04"]
    assert len(table.columns) == 7, table.columns
    first = next(r for r in table.rows if "一般公共服务支出" in r.cells[2].text)
    texts = [c.text for c in first.cells]
    assert "一般公共预算财政拨款" in texts[0] and texts[1] == "2,940.05" and texts[3] == texts[4] == "2,106.66", texts
    roles = resolve_columns(table, load_templates()["T04"])
    assert [roles.get(r) for r in ("expense_total", "expense_general", "expense_fund", "expense_capital")] \
        == [[3], [4], [5], [6]], (roles, table.columns)

    monkeypatch.setattr(textgrid, "restore_lost_walls", lambda grid, *a, **k: grid)
    (table,) = [t for t in extract_document(pages).tables if t.template == "T04"]
    assert len(table.columns) == 6, table.columns


def test_a_code_piece_of_the_wrong_length_is_flagged(tmp_path):
    """Real caizheng (seeded-errors copy) 一般公共预算财政拨款基本支出决算表 (公开06表, pages 13–14) as
    scripts/real_scans.py makes it: a rule's remnant below the 人员经费 side's last item read “1” in its 类
    column beside a blank row — no code piece (类 prints 3 digits, 款 and 项 2). It went unflagged at 0.98 once
    the table's structure held. A code piece of another length is ``format``."""
    pages = real_scan_pages("putuo-caizheng-2024-juesuan-seeded-errors.pdf", [13, 14], tmp_path, "上海市普陀区财政局")
    (table,) = [t for t in extract_document(pages).tables if t.template == "T06"]
    pieces = [(ci, label.split("/")[-1]) for ci, label in enumerate(table.columns) if label.split("/")[-1] in "类款项"]
    assert len(pieces) >= 4, table.columns
    odd = [(r.cells[ci].text, r.cells[ci].review) for r in table.rows for ci, piece in pieces
           if r.cells[ci].text.isdigit() and len(r.cells[ci].text) != (3 if piece == "类" else 2)]
    assert odd and all(review for _, review in odd), odd


def test_an_economic_table_whose_header_was_lost_takes_its_labels_from_its_body(tmp_path):
    """Real caizheng 一般公共预算财政拨款基本支出决算表 (公开06表, pages 16–17) as scripts/real_scans.py makes it:
    the header's rules faded and the grid starts at 301 | | 工资福利支出, every column label blank. Its 款
    pieces (01, 02 …) were taken for the blocks' names, so no class sum (301 = Σ 款) was built and every cell
    went to review. Its body lays out as the template's blocks — 类 | 款 | 科目名称 | 决算数, twice
    (``headercheck._econ_labels_from_body``): the class sums are checked and the table's structure holds."""
    pages = real_scan_pages("putuo-caizheng-2024-juesuan.pdf", [16, 17], tmp_path, "上海市普陀区财政局")
    doc = extract_document(pages)
    (table,) = [t for t in doc.tables if t.template == "T06"]
    assert table.columns == ["类", "款", "科目名称", "决算数"] * 2, table.columns
    sums = [c for c in doc.checks if c.rule == "T06-a" and c.table == table.id]
    assert len(sums) >= 3 and sum(c.ok for c in sums) >= 3, [(c.description, c.ok) for c in sums]
    assert not any(w.get("kind") == "table_structure" and w["table"] == table.id for w in doc.warnings)


def test_two_numbered_items_read_in_one_row_are_put_apart(tmp_path, monkeypatch):
    """Real caizheng 收入支出决算总表 (公开01表, pages 6–7) as scripts/real_scans.py makes it: the rule between
    十八、自然资源海洋气象等支出 and 十九、住房保障支出 was lost across the table (the 收入 side blank there), one
    row read 十八、…十九、… beside 445.69, and 十九's amount was scored lost. A label never wraps onto a new
    number: the row is cut between its two items (``textgrid.item_row_cuts``), 445.69 in 十九's row."""
    import pipeline.extract as extract

    pages = real_scan_pages("putuo-caizheng-2024-juesuan.pdf", [6, 7], tmp_path, "上海市普陀区财政局")

    def rows():
        (table,) = [t for t in extract_document(pages).tables if t.template == "T01"]
        return [[c.text for c in r.cells] for r in table.rows]

    found = rows()
    (eighteen,) = [r for r in found if any(t.startswith("十八、") for t in r)]
    (nineteen,) = [r for r in found if any(t.startswith("十九、") for t in r)]
    assert eighteen is not nineteen and "445.69" in nineteen and "445.69" not in eighteen, (eighteen, nineteen)

    monkeypatch.setattr(extract, "_stacked_items", lambda page, clean, reading, *a: reading)
    assert any("十八、" in t and "十九、" in t for r in rows() for t in r)


def test_an_amount_read_blank_that_two_sums_apart_give_is_filled_in_and_reviewed(tmp_path, monkeypatch):
    """Real shehuigongzuo 收入决算表 (公开02表, pages 6–7) as scripts/real_scans.py makes it: 2080505's 财政拨款收入,
    6.18, was worn away and read as nothing. Two identities that share only that cell — its row's 本年收入合计 =
    Σ sources (6.18 beside it) and its column's 20805 = 2080505 + 2080506 (10.82 = ? + 4.64) — both hold to
    the cent with 6.18 (``repair.deduced_proofs``, ``_lost_print``): the cell is filled in, ``filled_in``, always
    reviewed. Without that the amount is lost."""
    import pipeline.repair as repair

    pages = real_scan_pages("putuo-shehuigongzuo-2024-juesuan.pdf", [6, 7], tmp_path, "中共上海市普陀区委社会工作部")

    def cell():
        (table,) = [t for t in extract_document(pages).tables if t.template == "T02"]
        row = next(r for r in table.rows if r.cells[0].text == "2080505")
        return row.cells[3]

    filled = cell()
    assert filled.text == "6.18" and "filled_in" in filled.reasons and filled.review, (filled.text, filled.reasons)
    monkeypatch.setattr(repair, "_lost_print", lambda *a: [])
    assert cell().text == ""


def test_the_next_pages_first_row_above_its_first_rule_is_read_once_its_columns_are_carried(tmp_path, monkeypatch):
    """Real guihua 财政拨款收入支出决算总表 (公开04表, pages 12–13) as scripts/real_scans.py makes it: page 13's grid
    starts at the rule under 十八、自然资源海洋气象等支出, its rules above faded. Read alone, the page had lost two
    column lines, so its first row read 161.08461.08 in one cell — no body row — and the rows above it were
    not looked for. Once the columns page 12 kept are carried to it, the page's first row reads as a body row
    and the rows above its first rule are read again (``extract._carry_columns``, ``textgrid.rows_above``):
    十八's 4461.67 | 4461.67 come back."""
    import pipeline.extract as extract

    pages = real_scan_pages("putuo-guihua-2024-juesuan.pdf", [12, 13], tmp_path, "上海市普陀区规划和自然资源局")

    def eighteen():
        (table,) = [t for t in extract_document(pages).tables if t.template == "T04"]
        return [[c.text for c in r.cells] for r in table.rows if any(c.text.startswith("十八、") for c in r.cells)]

    (row,) = eighteen()
    assert row.count("4461.67") == 2, row
    import inspect

    rows_beyond = extract._rows_beyond

    def first_reading_only(page, clean, reading, *a):  # (not again once the columns are carried)
        return reading if inspect.stack()[1].function == "_carry_columns" else rows_beyond(page, clean, reading, *a)

    monkeypatch.setattr(extract, "_rows_beyond", first_reading_only)
    assert not any("4461.67" in r for r in eighteen())


def test_a_lone_stroke_and_a_lost_point_in_one_sum_are_proven_together(tmp_path, monkeypatch):
    """Real shehuigongzuo 财政拨款收入支出决算总表 (公开04表, pages 10–11) as scripts/real_scans.py makes it: 八、社会保障
    和就业支出's 合计 read 1082 (10.82, its point lost) and a lost rule's remnant read “11” in another blank
    合计 cell of the same column. The column's sum fails by both, each has a row identity of its own: read
    again together, 10.82 with the stroke blank is the one pair that makes every identity of both hold
    (``repair.pair_proofs``, the stroke's blank reading from ``_STROKE_READINGS``) — and now, before any repair,
    1082 in a column printing two decimals is read 10.82 (``point_restored``), confirmed by its row."""
    import pipeline.interpret as interpret
    import pipeline.repair as repair

    pages = real_scan_pages("putuo-shehuigongzuo-2024-juesuan.pdf", [10, 11], tmp_path, "中共上海市普陀区委社会工作部")

    def eight():
        (table,) = [t for t in extract_document(pages).tables if t.template == "T04"]
        (row,) = [r for r in table.rows if r.cells[2].text.startswith("八、")]
        return row.cells[3]

    # (the point is put back as the column is read — ``interpret._point_lost`` — and its identities confirm it)
    cell = eight()
    assert cell.text == "10.82" and cell.original == "1082" and "point_restored" in cell.reasons \
        and not cell.review, (cell.text, cell.reasons)
    # without that, the pair proof restores it with the stroke blank; without the stroke's blank reading, neither
    monkeypatch.setattr(interpret, "_point_lost", lambda *a: False)
    cell = eight()
    assert cell.text == "10.82" and cell.original == "1082" and "repaired" in cell.reasons, (cell.text, cell.reasons)
    monkeypatch.setattr(repair, "_stroke_cells", lambda doc, state: [])
    assert eight().text == "1082"


def test_a_summary_table_whose_header_was_lost_takes_its_labels_from_its_body(tmp_path, monkeypatch):
    """Real guihua 财政拨款收入支出决算总表 (公开04表, pages 12–13) as scripts/real_scans.py makes it: the header's
    rules faded with the page's upper rules and the grid starts at 一、一般公共预算财政拨款, every column label
    blank. No identity could be built and the whole table went to review. Its seven columns lay out as the
    template's — labels, amounts, labels, four columns of amounts (strokes of lost rules read “1”, “L:” aside)
    — and take its labels (``headercheck._two_sided_labels_from_body``): its identities are built. Those over
    its amounts hold; any that fails through a stroke read in a blank cell (most are proven blank:
    ``repair._stroke_cells``) tells nothing of its columns (``verdict._telling_checks``): the table's doubt is
    lifted from its body (``verdict._body_confirmed``)."""
    import pipeline.headercheck as headercheck

    pages = real_scan_pages("putuo-guihua-2024-juesuan.pdf", [12, 13], tmp_path, "上海市普陀区规划和自然资源局")

    def table():
        doc = extract_document(pages)
        (t,) = [t for t in doc.tables if t.template == "T04"]
        return doc, t

    doc, t04 = table()
    assert t04.columns == ["项目", "金额", "项目", "合计", "一般公共预算", "政府性基金", "国有资本经营"], t04.columns
    checks = [c for c in doc.checks if c.table == t04.id]
    # (those that fail run through a stroke of a lost rule read as a number in a blank cell: “1”, “12”)
    strokes = {(t04.id, ri, ci) for ri, r in enumerate(t04.rows) for ci, c in enumerate(r.cells)
               if re.fullmatch(r"\d{1,2}", c.text)}
    assert len(checks) >= 12 and sum(c.ok for c in checks) >= 12, [(c.description, c.ok) for c in checks]
    assert all(strokes & {tuple(ref) for ref in c.cells} for c in checks if not c.ok)
    assert not any("structure" in c.reasons for r in t04.rows for c in r.cells)

    monkeypatch.setattr(headercheck, "_two_sided_labels_from_body", lambda table, template: 0)
    doc, t04 = table()
    assert not any(t04.columns) and all("structure" in c.reasons for r in t04.rows for c in r.cells)


def test_economic_code_pieces_and_sums_holding_within_their_rounding_vouch_for_cells_of_inferred_sides(
        tmp_path, monkeypatch):
    """Real 公开06表 as scripts/real_scans.py makes them: their rules are mostly inferred, so their cells carry
    ``rule_missing`` and wait for review unless something confirms them.

    - caizheng (pages 16–17) prints each 经济分类 code over 类 | 款 (301 | 02, then 津贴补贴; a class 301 | ·):
      pieces its row's catalogue match pairs with the name beside them are vouched for, as a 功能分类 code over
      类 | 款 | 项 is (``score._piece_of_its_code``).
    - guihua (page 16) prints 302 商品和服务支出 as 440.90 over items adding to 440.88, a real 尾差: the sum
      holds within its tolerance only, yet puts each amount read surely in its column (``score_document``).
    - shehuigongzuo (page 13): its 人员经费 side is printed blank below 30399 down to 人员经费合计, whose code cell
      holds a speck read “1” — no code; the blank rows are vouched for (``score._blank_below_the_classes``)."""
    import pipeline.score as score

    def inferred_alone(name, numbers, authority):
        doc = extract_document(real_scan_pages(name, numbers, tmp_path / name, authority))
        (t06,) = [t for t in doc.tables if t.template == "T06"]
        return t06, [(ri, ci) for ri, r in enumerate(t06.rows) for ci, c in enumerate(r.cells)
                     if _flagged_for_an_inferred_side_alone(c) and c.review]

    caizheng = ("putuo-caizheng-2024-juesuan.pdf", [16, 17], "上海市普陀区财政局")
    guihua = ("putuo-guihua-2024-juesuan.pdf", [16], "上海市普陀区规划和自然资源局")
    t06, flagged = inferred_alone(*caizheng)
    pieces = [(ri, ci) for ri, r in enumerate(t06.rows) for ci in (0, 1, 4, 5)
              if r.cells[ci].text.isdigit() and r.codes]
    assert len(pieces) >= 40 and sum(p in flagged for p in pieces) <= 4, [t06.rows[r].cells[c].text for r, c in flagged]
    # a class printed 301 | · : its blank 款 is a piece of its code too
    blank_pieces = [(ri, k + 1) for ri, r in enumerate(t06.rows) for k in (0, 4)
                    if re.fullmatch(r"3\d\d", r.cells[k].text) and not r.cells[k + 1].text.strip() and r.codes]
    assert len(blank_pieces) >= 3 and not [p for p in blank_pieces if p in flagged], blank_pieces
    t06, flagged = inferred_alone(*guihua)
    items = [ri for ri, r in enumerate(t06.rows) if re.fullmatch(r"302\d\d", r.cells[3].text)]
    assert len(items) >= 20 and not [ri for ri in items if (ri, 5) in flagged], flagged
    t06, flagged = inferred_alone("putuo-shehuigongzuo-2024-juesuan.pdf", [13], "中共上海市普陀区委社会工作部")
    blank = [ri for ri, r in enumerate(t06.rows) if not any(c.text for c in r.cells[:3])]
    assert len(blank) >= 8 and not [ri for ri in blank if (ri, 0) in flagged or (ri, 2) in flagged], flagged

    monkeypatch.setattr(score, "_piece_of_its_code", lambda *a: False)
    t06, flagged = inferred_alone(*caizheng)
    assert sum((ri, ci) in flagged for ri, ci in pieces) >= 20
    assert sum(p in flagged for p in blank_pieces) >= 2


def test_an_economic_tables_class_sums_holding_over_every_amount_bear_out_its_blocks(tmp_path):
    """A 公开06表 whose header was too worn to name its blocks (``header_unmatched``) has few identities — a sum
    per class and two totals, fewer than ``confirm_min_checks`` — so its body stayed in doubt though every sum
    held (seed-41 police 公开06表 as a worn photocopy: 81 amounts in six sums holding exactly, every cell in
    review). Every amount printed with decimals in a sum that holds (within its 尾差: guihua's 302 is printed
    440.90 over items adding to 440.88) bears its blocks out
    (``verdict._every_amount_checked``); one sum failing does not. Real guihua 公开06表 (page 16) as
    scripts/real_scans.py makes it, judged as if its header had been lost."""
    from pipeline.verdict import VerdictSettings, _body_confirmed

    doc = extract_document(real_scan_pages("putuo-guihua-2024-juesuan.pdf", [16], tmp_path,
                                           "上海市普陀区规划和自然资源局"))
    (t06,) = [t for t in doc.tables if t.template == "T06"]
    sums = [c for c in doc.checks if c.table == t06.id]
    assert len(sums) >= 4 and all(c.ok for c in sums), [(c.description, c.ok) for c in sums]
    assert _body_confirmed(doc, t06, ["header_unmatched"], VerdictSettings())
    sums[0].ok = False
    assert not _body_confirmed(doc, t06, ["header_unmatched"], VerdictSettings())


def test_a_tables_last_row_alone_on_the_next_page_without_its_rules_is_read_in_the_columns_before(tmp_path,
                                                                                                   monkeypatch):
    """A table's last row carried onto the next page of a worn scan, its rules lost: one row is too few for a
    table made from the text (``textgrid.text_table``), so the page was ``unrecovered`` and the row's amounts
    lost (seed-41 police 公开02/03表: 2210203 购房补贴 alone on pages 4 and 6, seven amounts each). The row is
    read in the columns of the table at the foot of the page before (``extract._continued_rows``,
    ``textgrid.continued_rows``) and joins it. Fixture: real guihua 收入决算表's first page (page 8) as
    scripts/real_scans.py makes it, then a page holding only the first body row of its next page (page 9),
    printed where it stood, without rules."""
    from PIL import Image, ImageDraw

    import pipeline.extract as extract
    from samplegen.degrade import cjk_font

    name, authority = "putuo-guihua-2024-juesuan.pdf", "上海市普陀区规划和自然资源局"
    first = real_scan_pages(name, [8], tmp_path, authority)
    dpi = PROFILES["photocopy150"].dpi
    page8 = pdfium.PdfDocument(str(first))[0].render(scale=dpi / 72).to_pil().convert("RGB")
    words = text_words(real_pdf("juesuan", name), dpi)[8]
    top = min(w.box[1] for w in words if re.fullmatch(r"\d{3,7}", w.text))  # the first body row: a code opens it
    row = [w for w in words if abs(w.box[1] - top) < 4]
    assert any(re.fullmatch(r"[\d,]+\.\d\d", w.text) for w in row), [w.text for w in row]
    page9 = Image.new("RGB", page8.size, "white")
    draw = ImageDraw.Draw(page9)
    for w in row:
        draw.text((w.box[0], w.box[1]), w.text, fill=(40, 40, 40), font=cjk_font(int(w.box[3] - w.box[1])))
    pdf = tmp_path / "two.pdf"
    page8.save(pdf, save_all=True, append_images=[page9], resolution=dpi)

    def last_row():
        doc = extract_document(pdf)
        (table,) = [t for t in doc.tables if t.template == "T02"]
        return doc, [c.text for c in table.rows[-1].cells]

    doc, found = last_row()
    amounts = [w.text for w in row if re.fullmatch(r"[\d,]+\.\d\d", w.text)]
    assert doc.pages[1].status == "tables" and found[0] == row[0].text and set(amounts) <= set(found), found
    monkeypatch.setattr(extract, "_continued_rows", lambda *a: None)
    doc, found = last_row()
    assert found[0] != row[0].text
