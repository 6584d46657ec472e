"""Worn photocopies (generator profile photocopy150, a tuning seed kept apart from the bench and calibration sets)
whose tables came out with a column too many, every amount one column right of its label — 30–50 % of a
document's amounts lost at once:

- 收入决算表 over two pages: the first kept the rule 科目名称 | 本年收入合计 (898), the second lost it and inferred a
  line from its text at 821, in the gutter left of the right-aligned amounts. Each page was given the other's
  line (:func:`pipeline.textgrid.continued_columns`), so both had an empty column between 821 and 898. The two are
  one column side found twice: the line inferred over more of its height yields (``textgrid.rival_lines``).
- 支出决算表 on one page: the rule 科目名称 | 本年支出合计 (972) kept, a line inferred at 1040 beside it, the 8.6 mm
  between them empty in every row. The inferred line goes (``textgrid.bare_narrow_columns``,
  ``without_bare_column``), although the empty column's cells are merged over rows unlike its neighbour's.

- 支出决算表 over two pages: one rule, at 1816 on the first page and 1787 on the next (the scans lie a little
  apart there): given to each other, each page had a column 3.7 mm wide. Two such lines less than 6 mm apart are
  given to neither, and two further apart with nothing wholly between them are one side (``rival_lines``).
- 收入决算表's last two rows found twice, and the “三公” table's 栏次 numbers run together (see those tests).

Each test builds the document with the generator's recipe, extracts the pages of the table and checks its
amounts against the generator's truth; each fails with its mechanism switched off."""
from __future__ import annotations

import json
import sys

import pypdfium2 as pdfium
import pytest

from pipeline.evaluate import align_rows, cell_is_right, match_tables
from pipeline.extract import extract_document
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))


def _generate(out, name: str, department: str, seed: int, font: str, repeat_header, cover: bool = True):
    from samplegen.generate import Recipe, generate
    from samplegen.render import Printer

    recipe = Recipe(name=name, department=department, seed=seed, profile="photocopy150", font=font,
                    repeat_header=repeat_header, cover=cover)
    with Printer() as printer:
        generate(recipe, out, printer)
    return out / f"{name}.pdf", json.loads((out / f"{name}.truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def jincheng(tmp_path_factory):
    return _generate(tmp_path_factory.mktemp("rival"), "gen41_004_jincheng_rs_photocopy150", "jincheng_rs",
                     41004, "serif", None)


@pytest.fixture(scope="module")
def education(tmp_path_factory):
    return _generate(tmp_path_factory.mktemp("near"), "gen41_002_education_photocopy150", "education", 41002,
                     "uming", True)


@pytest.fixture(scope="module")
def nanyang(tmp_path_factory):
    return _generate(tmp_path_factory.mktemp("piece"), "gen41_005_nanyang_rs_photocopy150", "nanyang_rs", 41005,
                     "serif", True, cover=False)


def _pages(pdf, first: int, last: int, out):
    src, dst = pdfium.PdfDocument(str(pdf)), pdfium.PdfDocument.new()
    dst.import_pages(src, list(range(first - 1, last)))
    path = out / f"{pdf.stem}_p{first}-{last}.pdf"
    dst.save(str(path))
    return path


def _amounts(pdf, truth: dict, form: str, doc=None) -> tuple[int, int, int]:
    """(columns, amounts right, amounts) of the table ``form`` read from ``pdf`` (or ``doc``, its reading),
    against the truth's rows that the reading has (``pdf`` may hold one page of two)."""
    truth_table = next(t for t in truth["tables"] if t.get("form") == form)
    predicted = (doc or extract_document(pdf)).to_dict()["tables"]
    best = match_tables([truth_table], predicted)[0][1]
    assert best is not None, form
    table = predicted[best]
    right = total = 0
    for a, b in align_rows(truth_table["rows"], table["rows"]):
        if a is None or b is None:
            continue
        cells = table["rows"][b]["cells"]
        for c, tc in enumerate(truth_table["rows"][a]["cells"]):
            if tc.get("value") is not None:
                total += 1
                right += cell_is_right(tc, cells[c] if c < len(cells) else None)
    return len(table["rows"][0]["cells"]), right, total


def _no_rivals(*args, **kwargs):
    return [], [], [], []


def _no_bare_columns(gr, dpi, **kwargs):
    return []


# (document, first page, last page, form, columns read, amounts at least, share right at least, what is switched
# off, columns read then, share right below)
CASES = {
    # 收入决算表: 898 kept on page 3, 821 inferred on page 4
    "a_rule_and_a_gutter_line_on_the_next_page": ("jincheng", 3, 4, "公开02表", 9, 80, 0.85,
                                                    ("rival_lines", _no_rivals), 10, 0.7),
    # 支出决算表: 972 kept, 1040 inferred beside it
    "a_line_inferred_beside_a_rule_across_an_empty_narrow_column": ("jincheng", 5, 5, "公开03表", 8, 50, 0.95,
                                                                     ("bare_narrow_columns", _no_bare_columns), 9, 0.5),
    # 支出决算表: 1816 on page 5, 1787 on page 6
    "one_rule_a_little_apart_on_two_pages": ("education", 5, 6, "公开03表", 8, 150, 0.9,
                                             ("rival_lines", _no_rivals), 9, 0.9),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_column_side_found_twice_is_one_column_side(case, request, tmp_path, monkeypatch):
    import pipeline.interpret as interpret
    import pipeline.textgrid as textgrid
    import pipeline.verdict as verdict

    name, first, last, form, columns, least, share, (switch, off), columns_off, share_off = CASES[case]
    pdf, truth = request.getfixturevalue(name)
    pages = _pages(pdf, first, last, tmp_path)
    read, right, total = _amounts(pages, truth, form)
    assert read == columns and total >= least and right >= share * total, (read, right, total)

    monkeypatch.setattr(textgrid, switch, off)
    # (an empty column split off under its neighbour's label is also joined back after reading,
    # interpret.join_split_blank_columns, and the wall of a cell merged over the two found again,
    # textgrid.restore_lost_walls: off too, so that the layout's own mechanism is what is checked)
    monkeypatch.setattr(interpret, "join_split_blank_columns", lambda table, ocr_pages: 0)
    monkeypatch.setattr(textgrid, "restore_lost_walls", lambda grid, *a, **k: grid)
    # (and a column of marks between two, taken off before codes and identities: verdict.drop_stray_columns)
    monkeypatch.setattr(verdict, "stray_columns", lambda table, roles=None: [])
    read, right, total = _amounts(pages, truth, form)
    assert read == columns_off and right < share_off * total, (read, right, total)


def test_the_last_rows_cut_off_by_a_lost_rule_are_read_once_in_the_grown_table(nanyang, tmp_path, monkeypatch):
    """收入决算表's last two rows (2080505, 2080506) were cut off by a lost row rule and found as a piece of
    their own; the table grown from its text over them (``complete_tables``: rows below the last rule) covers
    the piece, which is dropped. Before, both were read, and the next page's continuation was joined to the
    piece: a table without title, none of its cells flagged."""
    import pipeline.textgrid as textgrid

    pdf, truth = nanyang
    pages = _pages(pdf, 2, 3, tmp_path)
    doc = extract_document(pages)
    assert [t.pages for t in doc.tables if t.form == "公开02表"] == [[1, 2]], [(t.form, t.pages) for t in doc.tables]
    columns, right, total = _amounts(pages, truth, "公开02表", doc)
    assert columns == 9 and total >= 200 and right >= 0.95 * total, (columns, right, total)

    monkeypatch.setattr(textgrid, "absorbed", lambda grid, box: False)
    doc = extract_document(pages)
    assert [t.pages for t in doc.tables if t.form == "公开02表"] == [[1]]


def test_column_numbers_run_together_put_their_lines_in_the_gutter_the_amounts_leave(education, tmp_path):
    """The “三公” table (公开09表, one body row) lost its column rules: its 栏次 row read 1 | 2 | 31456 | 78 |
    911011 | 12. The row is read left to right for 1, 2, 3 … (``textgrid.lanci_merged``): 78 is 7 | 8 and 911011
    is 9 | 10 | 11 — before, a two-digit cell was taken for one number and nothing was split. 9 | 10 | 11's lines,
    put where the centred numbers say, ran through 38.19 (right-aligned in column 9): each goes to the nearest
    place within 2 mm that no text crosses (``lanci_lines``)."""
    pdf, truth = education
    page = _pages(pdf, 14, 14, tmp_path)
    truth_table = next(t for t in truth["tables"] if t.get("form") == "公开09表")
    tables = extract_document(page).to_dict()["tables"]
    body = tables[match_tables([truth_table], tables)[0][1]]["rows"][-1]["cells"]
    expected = truth_table["rows"][0]["cells"]
    # (column 8's 0.00 is read 0200 on this page, in doubt: a misreading, not a column)
    assert body[-6]["text"] == expected[-6]["text"] == "64.55", [c["text"] for c in body]
    assert [c["text"] for c in body[-4:]] == [c["text"] for c in expected[-4:]], [c["text"] for c in body]
