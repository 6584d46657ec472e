"""Classification catalogues (支出功能分类 2023–2025, 部门/政府预算支出经济分类) loaded from ``models/catalogue``.

Files (one per classification and edition; provenance in ``models/catalogue/README.md``):

- ``functional_<edition>.csv`` — 支出功能分类科目: code, name, level (1 类, 2 款, 3 项), parent;
  ``functional_changes.csv`` records what each edition added, renamed or removed.
- ``economic_dept.csv`` (301…399) and ``economic_gov.csv`` (501…599): level 1 类, 2 款.
- ``aliases.csv`` — other accepted spellings of an entry (former names, 三公 spellings).
- ``variants.csv`` — (code, name) pairs printed in real documents that are not the catalogue name, with the
  reason; kind ``name`` is an accepted variant, kind ``sequential`` a document's own numbering (not accepted).
- ``special_items.csv`` — name-only items (“三公”经费 items, 机关运行经费) keyed like ``sangong.abroad``.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .resources import models_path
from .textnorm import compare_key

# a 类/款/项 code as digits: 3, 5 or 7 (功能分类) or 3/5 (经济分类)
CODE_DIGITS = re.compile(r"^\d{3}(\d{2}){0,2}$")

FUNCTIONAL = "functional"
ECONOMIC = "economic"          # 部门预算支出经济分类 301…399
ECONOMIC_GOV = "economic_gov"  # 政府预算支出经济分类 501…599
SPECIAL = "special"            # 三公 / 机关运行经费 items

FUNCTIONAL_EDITIONS = (2023, 2024, 2025)
_FILES = {ECONOMIC: "economic_dept.csv", ECONOMIC_GOV: "economic_gov.csv"}

_NUMBERING = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+[、.．]|[(（][一二三四五六七八九十\d]+[)）][、.．]?|\d{1,2}[、.．](?!\d)|[①-⑳])\s*")
_LEVEL_TAG = re.compile(r"[(（]\s*[类款项]\s*[)）]")


def name_key(text: str) -> str:
    """Matching key of a row label: compare_key without list numbering (八、 （一） 1.) and （类）/（款）/（项） tags."""
    text = _NUMBERING.sub("", text or "")
    text = _LEVEL_TAG.sub("", text)
    return compare_key(text).strip(":;,.")


def edition_for_year(year: int | None) -> int:
    """The functional-classification edition used for a fiscal year (nearest edition outside 2023–2025)."""
    if year is None:
        return FUNCTIONAL_EDITIONS[-1]
    return min(FUNCTIONAL_EDITIONS, key=lambda e: (abs(e - year), -e))


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    level: int
    parent: str
    classification: str

    @property
    def ancestors(self) -> tuple[str, ...]:
        """Codes of the 类 (and 款) above this entry, outermost first."""
        if self.classification in (ECONOMIC, ECONOMIC_GOV):
            return (self.code[:3],) if len(self.code) > 3 else ()
        return tuple(self.code[:n] for n in (3, 5) if n < len(self.code))


@dataclass
class Catalogue:
    classification: str
    edition: int | None
    entries: dict[str, Entry]
    names: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # key → [(code, why)]
    sequential: set[tuple[str, str]] = field(default_factory=set)  # (code, name key) printed by sequential numbering

    def get(self, code: str) -> Entry | None:
        return self.entries.get(code)

    def keys_of(self, code: str) -> set[str]:
        return {k for k, lst in self.names.items() for c, _ in lst if c == code}

    def accepts(self, code: str, name: str) -> str | None:
        """Why (code, printed name) is acceptable ("name", "alias: …", "variant: …", "short form"), or None."""
        key = name_key(name)
        for c, why in self.names.get(key, []):
            if c == code:
                return why
        return None

    def children(self, code: str) -> list[Entry]:
        return [e for e in self.entries.values() if e.parent == code]


def _read_csv(name: str) -> list[dict[str, str]]:
    path = models_path("catalogue", name)
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    except (OSError, csv.Error) as exc:
        raise ValueError(f"{path}: cannot read catalogue ({exc})") from exc


def _add(names: dict[str, list[tuple[str, str]]], key: str, code: str, why: str) -> None:
    if key and all(c != code for c, _ in names.setdefault(key, [])):
        names[key].append((code, why))


@lru_cache(maxsize=None)
def load_catalogue(classification: str = FUNCTIONAL, year: int | None = None) -> Catalogue:
    """The catalogue of a classification; for the functional one, the edition of the fiscal ``year``."""
    if classification == SPECIAL:
        return _load_special()
    if classification == FUNCTIONAL:
        edition: int | None = edition_for_year(year)
        rows = _read_csv(f"functional_{edition}.csv")
    elif classification in _FILES:
        edition = None
        rows = _read_csv(_FILES[classification])
    else:
        raise ValueError(f"unknown classification {classification!r}")
    entries = {r["code"]: Entry(r["code"], r["name"], int(r["level"]), r["parent"], classification) for r in rows}
    names: dict[str, list[tuple[str, str]]] = {}
    for e in entries.values():
        _add(names, name_key(e.name), e.code, "name")
        if e.level == 1 and e.name.endswith("支出") and len(e.name) > 4:
            _add(names, name_key(e.name[:-2]), e.code, "short form")  # 社会保障和就业 → 208
    for r in _read_csv("aliases.csv"):
        if r["classification"] == classification and r["code"] in entries:
            _add(names, name_key(r["alias"]), r["code"], "alias: " + r["reason"])
    sequential: set[tuple[str, str]] = set()
    for r in _read_csv("variants.csv"):
        if r["classification"] != classification:
            continue
        if r["kind"] == "name" and r["code"] in entries:
            _add(names, name_key(r["name"]), r["code"], "variant: " + r["reason"])
        elif r["kind"] == "sequential":
            sequential.add((r["code"], name_key(r["name"])))
    return Catalogue(classification, edition, entries, names, sequential)


def _load_special() -> Catalogue:
    entries: dict[str, Entry] = {}
    names: dict[str, list[tuple[str, str]]] = {}
    for r in _read_csv("special_items.csv"):
        entries[r["key"]] = Entry(r["key"], r["name"], 1, "", SPECIAL)
        _add(names, name_key(r["name"]), r["key"], "name")
        for alias in filter(None, r["aliases"].split("|")):
            _add(names, name_key(alias), r["key"], "alias")
    return Catalogue(SPECIAL, None, entries, names)


def functional_changes() -> list[dict[str, str]]:
    """Rows of ``functional_changes.csv`` (edition, change, code, level, parent, old_name, new_name, evidence)."""
    return _read_csv("functional_changes.csv")
