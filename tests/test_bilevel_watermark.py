"""A 1-bit scan keeps the watermark's hatched outline strokes as black as print (generator profile bilevel300,
the seed-21 bench's beiguan 决算, its 公开01表): in the 收入 side's blank rows the recogniser is given the
strokes and reads no character. Those cells were left empty but in doubt (``low_ocr``, confidence 0.67), 17
false alarms on that page; they are empty cells as on a grey scan whose watermark is cleared
(``read._watermark_strokes``)."""
from __future__ import annotations

import pytest

from pipeline.extract import extract_document
from tests.conftest import generated_document


@pytest.fixture(scope="module")
def bilevel(tmp_path_factory):
    return generated_document(tmp_path_factory.mktemp("bilevel"), name="gen21_008_beiguan_rs_bilevel300",
                              department="beiguan_rs", seed=21008, profile="bilevel300", font="sans",
                              repeat_header=False, cover=False, tables=(1,))


def _blank_income_cells(doc):
    """The 收入 side's cells of the rows whose 收入 项目 and 金额 are both printed blank (行次 11 … 26)."""
    table = next(t for t in doc.tables if t.form == "公开01表")
    rows = [r for r in table.rows if r.cells[1].text.isdigit() and 11 <= int(r.cells[1].text) <= 26]
    assert len(rows) >= 12, [r.cells[1].text for r in table.rows]
    return [c for r in rows for c in (r.cells[0], r.cells[2])]


def test_watermark_strokes_read_as_nothing_are_an_empty_cell(bilevel, monkeypatch):
    import pipeline.labels as labels
    import pipeline.read as read

    cells = _blank_income_cells(extract_document(bilevel))
    under = [c for c in cells if "watermark" in c.reasons and "seal" not in c.reasons]
    assert len(under) >= 4  # (the watermark crosses these rows)
    assert all(c.text == "" or c.review for c in cells)  # (strokes read as a character stay in doubt)
    assert not [c for c in under if "low_ocr" in c.reasons and not c.alternatives], \
        [(c.text, c.reasons) for c in under]

    monkeypatch.setattr(read, "_watermark_strokes", lambda reasons, worn: False)
    # (nor cleared afterwards as a blank side's doubt for marks left out: labels._specks_in_blank_sides)
    monkeypatch.setattr(labels, "_specks_in_blank_sides", lambda table, ocr_pages: 0)
    cells = _blank_income_cells(extract_document(bilevel))
    assert [c for c in cells if c.text == "" and "low_ocr" in c.reasons and c.review and not c.alternatives]


def test_an_amount_beside_seal_texture_read_as_nothing_is_in_doubt_not_guessed(bilevel):
    """In the same 公开01表 the seal's dithered texture stands in some amounts' cells: the recogniser is given
    it as a line of its own beside the digits and reads no character. A line read as nothing has no character
    to score: it had given the cell the score 0.0 (18.50 here; on the bench's whole document 0.00 on the 收入
    side, an OCR reading all but guessed, capped below the review threshold whatever its identities say:
    8 of bilevel300's 48 false alarms). The cell is in doubt (``low_ocr``) with its digits' score, and once
    its identities hold it is not flagged."""
    import re

    from pipeline.score import GUESS_OCR

    doc = extract_document(bilevel)
    table = next(t for t in doc.tables if t.form == "公开01表")
    amounts = [c for r in table.rows for c in r.cells if re.fullmatch(r"\d+\.\d\d", c.text) and "seal" in c.reasons]
    assert len(amounts) >= 3
    assert all(c.ocr_score >= GUESS_OCR for c in amounts), [(c.text, c.ocr_score, c.reasons) for c in amounts]
    assert not [c for c in amounts if c.review and "check_failed" not in c.reasons], \
        [(c.text, c.ocr_score, c.reasons) for c in amounts]
