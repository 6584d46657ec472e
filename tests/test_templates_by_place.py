"""``templates.templates_by_place`` on documents built by hand: a scanned table nothing it reads names takes the
template of its place in the set only when that is certain (the end-to-end case, a worn 支出决算表 between
公开02表 and 公开04表, is in tests/test_worn_photocopy_columns.py)."""
from __future__ import annotations

from pipeline.model import Cell, Document, PageInfo, Row, Table
from pipeline.templates import identify_templates, templates_by_place


def _table(tid: str, page: int, columns: int, form: str = "", title: str = "", header: bool = True) -> Table:
    rows = [Row(page=page, cells=[Cell(text="1.00") for _ in range(columns)]) for _ in range(3)]
    return Table(id=tid, form=form, title=title, pages=[page], columns=[""] * columns, rows=rows,
                 header=[["栏次"] + [str(k) for k in range(1, columns)]] if header else [])


def _doc(tables: list[Table]) -> Document:
    pages = sorted({p for t in tables for p in t.pages})
    return Document(source_path="x.pdf", sha256="", page_count=len(pages),
                    pages=[PageInfo(number=p, mode="ocr", width=1000, height=1400, dpi=150) for p in pages],
                    tables=tables)


def _named(tid: str, page: int, form: str, columns: int) -> Table:
    return _table(tid, page, columns, form=form)


def test_the_one_table_between_two_of_the_set_is_the_one_missing():
    doc = _doc([_named("t1", 1, "公开02表", 9), _table("t2", 3, 8, form="公开00表"), _named("t3", 5, "公开04表", 9)])
    assert identify_templates(doc) == {"t2": "T03"}
    assert [t.template for t in doc.tables] == ["T02", "T03", "T04"]


def test_nothing_is_certain_so_no_template_is_given():
    # two unnamed tables between 公开07表 and 公开09表: which of them is 公开08表 is not known
    two = _doc([_named("t1", 1, "公开07表", 8), _table("t2", 3, 8, form="公开00表"),
                _table("t3", 4, 8, form="公开0表"), _named("t4", 6, "公开09表", 12)])
    assert identify_templates(two) == {}
    # the table missing between them is there already
    present = _doc([_named("t1", 1, "公开02表", 9), _table("t2", 3, 8, form="公开00表"),
                    _named("t3", 4, "公开03表", 8), _named("t4", 6, "公开04表", 9)])
    assert identify_templates(present) == {}
    # at either end of the set (no recognised table after it), or the optional 公开10表
    end = _doc([_named("t1", 1, "公开09表", 12), _table("t2", 3, 3, form="公开00表")])
    assert identify_templates(end) == {}
    start = _doc([_table("t1", 1, 6, form="公开00表"), _named("t2", 3, "公开02表", 9)])
    assert identify_templates(start) == {}
    # columns that are not the missing table's
    narrow = _doc([_named("t1", 1, "公开02表", 9), _table("t2", 3, 4, form="公开00表"), _named("t3", 5, "公开04表", 9)])
    assert identify_templates(narrow) == {}
    # a piece of the table before it, carried onto the next page with its header, nothing read above it
    piece = _doc([_named("t1", 1, "公开07表", 8), _table("t2", 2, 8), _named("t3", 4, "公开09表", 12)])
    assert identify_templates(piece) == {}
    # nothing says a table begins: no marker, no title, no header
    bare = _doc([_named("t1", 1, "公开02表", 9), _table("t2", 3, 8, header=False), _named("t3", 5, "公开04表", 9)])
    assert identify_templates(bare) == {}


def test_a_template_read_from_the_page_is_never_replaced():
    doc = _doc([_named("t1", 1, "公开02表", 9), _named("t2", 3, "公开05表", 5), _named("t3", 5, "公开04表", 9)])
    identify_templates(doc)
    assert templates_by_place(doc) == {} and doc.tables[1].template == "T05"
