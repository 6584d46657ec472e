"""The catalogue covers every (code, name) pair printed in the seeds and the real PDFs; editions are consistent."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from pipeline.catalogue import (ECONOMIC, ECONOMIC_GOV, FUNCTIONAL, SPECIAL, edition_for_year, functional_changes,
                                load_catalogue, name_key)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds"
REAL = SHARED / "real"


def _classification(code: str) -> str:
    return {"2": FUNCTIONAL, "3": ECONOMIC, "5": ECONOMIC_GOV}[code[0]]


def _accepted(code: str, name: str, year: int | None = None) -> bool:
    cat = load_catalogue(_classification(code), year)
    return cat.accepts(code, name) is not None or (code, name_key(name)) in cat.sequential


# ---------------------------------------------------------------- structure

@pytest.mark.parametrize("classification,year", [(FUNCTIONAL, 2023), (FUNCTIONAL, 2024), (FUNCTIONAL, 2025),
                                                 (ECONOMIC, None), (ECONOMIC_GOV, None)])
def test_hierarchy_is_consistent(classification, year):
    cat = load_catalogue(classification, year)
    assert len(cat.entries) >= 80
    for e in cat.entries.values():
        assert e.code.isdigit()
        if e.level == 1:
            assert len(e.code) == 3 and e.parent == ""
        else:
            assert e.parent in cat.entries, e
            assert e.code.startswith(e.parent) and len(e.code) == len(e.parent) + 2, e
            assert cat.entries[e.parent].level == e.level - 1


def test_functional_classes_and_required_items():
    cat = load_catalogue(FUNCTIONAL, 2024)
    classes = {e.code for e in cat.entries.values() if e.level == 1}
    assert {"201", "203", "204", "205", "206", "207", "208", "210", "211", "212", "213", "214", "215", "216",
            "217", "219", "220", "221", "222", "224", "227", "229", "230", "231", "232", "233", "234"} <= classes
    for cls in ("201", "203", "204", "205", "206", "207", "208", "210", "211", "212", "213", "214", "215", "216",
                "217", "220", "221", "222", "224", "229", "234"):
        assert any(e.level == 3 and e.code.startswith(cls) for e in cat.entries.values()), cls
    assert cat.get("210").name == "卫生健康支出"
    assert cat.accepts("210", "医疗卫生与计划生育支出")  # former name
    assert cat.accepts("208", "社会保障和就业")  # short form of a 类


def test_editions_follow_the_change_list():
    y23, y24, y25 = (load_catalogue(FUNCTIONAL, y) for y in (2023, 2024, 2025))
    assert "20139" not in y23.entries and y24.get("20139").name == "社会工作事务"
    changes = functional_changes()
    for ch in changes:
        after = {"2024": y24, "2025": y25}[ch["edition"]]
        if ch["change"] == "added":
            assert after.get(ch["code"]).name == ch["new_name"]
        elif ch["change"] == "renamed":
            assert after.get(ch["code"]).name == ch["new_name"]
    changed = {c["code"] for c in changes}
    # apart from the listed changes the 2023 and 2024 editions are identical
    assert {c: e.name for c, e in y23.entries.items() if c not in changed} == \
           {c: e.name for c, e in y24.entries.items() if c not in changed}


def test_edition_for_year():
    assert [edition_for_year(y) for y in (2019, 2023, 2024, 2025, 2026, None)] == [2023, 2023, 2024, 2025, 2025, 2025]


def test_special_items():
    cat = load_catalogue(SPECIAL)
    assert cat.accepts("sangong.abroad", "因公出国（境）费")
    assert cat.accepts("jiguan.running", "机关运行经费")


# ---------------------------------------------------------------- coverage of printed codes

def _seed_pairs() -> list[tuple[str, str, str]]:
    out = []
    for name in ("functional_codes_from_seeds.csv", "economic_codes_from_seeds.csv"):
        with open(SEEDS / name, encoding="utf-8") as f:
            out += [(r["code"], r["name"], r["seeds"]) for r in csv.DictReader(f)]
    return out


@pytest.mark.skipif(not SEEDS.exists(), reason="../shared/seeds absent")
def test_every_seed_pair_is_in_the_catalogue():
    pairs = _seed_pairs()
    assert len(pairs) > 150
    missing = [(c, n, s) for c, n, s in pairs if not _accepted(c, n, 2023 if "000" in s or "004" in s else 2024)]
    assert not missing, missing


_CJK = "\u4e00-\u9fff"
_NAME = rf"[{_CJK}（）()、“”]+(?: [{_CJK}（）()、“”]+)*"
_PAIR = re.compile(rf"(?<![\d.,])(\d{{7}}|\d{{5}}|\d{{3}}(?: \d{{1,2}}){{0,2}}) ({_NAME})(?= [-\d]| *$)")
_LEAD = re.compile(rf"^({_NAME})")
_YEAR = re.compile(r"(20\d\d)")


def real_pairs(path: Path) -> list[tuple[str, list[str], str]]:
    """(code, readings of the name, raw) for every code + name printed in a PDF's text layer.

    Codes appear as “2080505”, “208 05 05” or “301 2” (dropped zero). A name wrapped onto the next line
    (“机关事业单位基本养老保险缴” / “费支出”) gives two readings: the line's part and the part joined with the
    leading text of the next line.
    """
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    out = []
    for i in range(len(pdf)):
        lines = [ln.strip() for ln in pdf[i].get_textpage().get_text_range().replace("\r", "").split("\n")]
        for j, line in enumerate(lines):
            for m in _PAIR.finditer(line):
                parts = m.group(1).split(" ")
                code = parts[0] + "".join(p.zfill(2) for p in parts[1:])
                name = m.group(2).replace(" ", "")
                readings = [name]
                groups = m.group(2).split(" ")
                if len(groups) > 1 and len(groups[0]) > 1:  # two cells on one line, not a letter-spaced label
                    readings.append(groups[0])
                if m.end() >= len(line.rstrip()) and j + 1 < len(lines) and not re.match(r"^\d{3}", lines[j + 1]):
                    lead = _LEAD.match(lines[j + 1])
                    if lead:
                        readings.append(name + lead.group(1).replace(" ", ""))
                out.append((code, readings, m.group(0)))
    return out


def _real_pdfs() -> list[Path]:
    return sorted(p for p in REAL.glob("*/*.pdf") if "template" not in p.parts[-2]) if REAL.exists() else []


@pytest.mark.real
@pytest.mark.skipif(not REAL.exists(), reason="../shared/real absent")
def test_every_real_pdf_pair_is_in_the_catalogue():
    missing, seen = [], 0
    for pdf in _real_pdfs():
        year = int(_YEAR.search(pdf.name).group(1))
        for code, readings, raw in real_pairs(pdf):
            if code[0] not in "235":
                continue  # “100 万元（含）以上设备” and similar narrative numbers
            seen += 1
            if any(_accepted(code, r, year) for r in readings):
                continue
            cat = load_catalogue(_classification(code), year)
            entry = cat.get(code)
            # a name cut by a line wrap whose rest is not on the next line: a prefix of the catalogue name
            if entry and len(readings[0]) >= 4 and name_key(entry.name).startswith(name_key(readings[0])):
                continue
            missing.append((pdf.name, code, readings, raw))
    print(f"real PDFs: {seen} printed (code, name) pairs checked")
    assert seen > 1000
    assert not missing, missing[:20]
