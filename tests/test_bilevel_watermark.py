"""A 1-bit scan keeps the watermark's hatched outline strokes as black as print (generator profile bilevel300,
the seed-21 bench's beiguan 决算, its 公开01表): in the 收入 side's blank rows the recogniser is given the
strokes and reads no character. Those cells were left empty but in doubt (``low_ocr``, confidence 0.67), 17
false alarms on that page; they are empty cells as on a grey scan whose watermark is cleared
(``read._watermark_strokes``)."""
from __future__ import annotations

import sys

import pytest

from pipeline.extract import extract_document
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))


@pytest.fixture(scope="module")
def bilevel(tmp_path_factory):
    from samplegen.generate import Recipe, generate
    from samplegen.render import Printer

    out = tmp_path_factory.mktemp("bilevel")
    recipe = Recipe(name="gen21_008_beiguan_rs_bilevel300", department="beiguan_rs", seed=21008,
                    profile="bilevel300", font="sans", repeat_header=False, cover=False, tables=(1,))
    with Printer() as printer:
        generate(recipe, out, printer)
    return out / f"{recipe.name}.pdf"


def _blank_income_cells(doc):
    """The 收入 side's cells of the rows whose 收入 项目 and 金额 are both printed blank (行次 11 … 26)."""
    table = next(t for t in doc.tables if t.form == "公开01表")
    rows = [r for r in table.rows if r.cells[1].text.isdigit() and 11 <= int(r.cells[1].text) <= 26]
    assert len(rows) >= 12, [r.cells[1].text for r in table.rows]
    return [c for r in rows for c in (r.cells[0], r.cells[2])]


@pytest.mark.browser
def test_watermark_strokes_read_as_nothing_are_an_empty_cell(bilevel, monkeypatch):
    import pipeline.read as read

    cells = _blank_income_cells(extract_document(bilevel))
    under = [c for c in cells if "watermark" in c.reasons and "seal" not in c.reasons]
    assert len(under) >= 4  # (the watermark crosses these rows)
    assert all(c.text == "" or c.review for c in cells)  # (strokes read as a character stay in doubt)
    assert not [c for c in under if "low_ocr" in c.reasons and not c.alternatives], \
        [(c.text, c.reasons) for c in under]

    monkeypatch.setattr(read, "_watermark_strokes", lambda reasons, worn: False)
    cells = _blank_income_cells(extract_document(bilevel))
    assert [c for c in cells if c.text == "" and "low_ocr" in c.reasons and c.review and not c.alternatives]
