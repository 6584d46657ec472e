"""Table templates (data in ``models/templates/*.json``) and recognising which template a table is.

A template says, for one table type (公开01–10表 of a 部门决算, the nine Shanghai budget tables):

- ``aliases``: title spellings (Shanghai prints titles without 公开0n表; variants such as 收支决算总表);
- ``form``: the printed form marker (``公开02表``) when there is one;
- ``signature``: column-label patterns that identify the table when title and marker are missing;
- ``columns``: column roles (code, name, total, basic, project, …) matched from the flat column labels by
  regular expressions (``match``: any of them matches the label or one of its “/” path parts; ``all``: every
  one matches some path part), with a column-index fallback;
- ``rows``: row roles by label (合计, 总计, 人员经费合计 …);
- ``identities``: accounting identities inside the table (``pipeline.validate`` evaluates them); the
  cross-table ones are in ``models/templates/cross.json``.

Recognition order: form marker → longest title alias contained in the title → column signature.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .headers import is_code_column
from .model import Table
from .resources import load_json, models_path
from .textnorm import FORM_REF, compare_key, form_mark_number

NON_TEMPLATE_FILES = {"row_labels.json", "cross.json", "function_classes.json", "confusions.json", "performance.json",
                      "header_labels.json"}
_YEAR_PREFIX = re.compile(r"^\d{4}年(度)?")
_QUOTES = re.compile(r"[\"'“”‘’「」『』]")


@dataclass(frozen=True)
class ColumnSpec:
    role: str
    match: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    index: int | None = None
    multi: bool = False
    optional: bool = False

    @property
    def plain(self) -> str:
        """Its first pattern as a label (anchors off: ^合计$ → 合计)."""
        return _plain(self.match[0]) if self.match else ""

    def matches(self, label: str) -> bool:
        parts = [p for p in label.split("/") if p] or [label]
        if self.match and not any(re.search(p, label) or any(re.search(p, q) for q in parts) for p in self.match):
            return False
        if self.all and not all(any(re.search(p, q) for q in parts) for p in self.all):
            return False
        return bool(self.match or self.all)


@dataclass
class Template:
    id: str
    kind: str
    title: str
    form: str
    aliases: list[str]
    layout: str  # coded | two_sided | econ_blocks | record | labeled
    columns: list[ColumnSpec]
    sides: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows: dict[str, list[str]] = field(default_factory=dict)
    identities: list[dict[str, Any]] = field(default_factory=list)
    signature: list[list[str]] = field(default_factory=list)
    tolerance: float = 0.02  # 万元
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Template":
        known = {"id", "kind", "title", "form", "aliases", "layout", "columns", "sides", "rows", "identities",
                 "signature", "tolerance"}
        cols = [ColumnSpec(role=c["role"], match=tuple(c.get("match", ())), all=tuple(c.get("all", ())),
                           index=c.get("index"), multi=c.get("multi", False), optional=c.get("optional", False))
                for c in d.get("columns", [])]
        return cls(id=d["id"], kind=d.get("kind", ""), title=d.get("title", ""), form=d.get("form", ""),
                   aliases=list(d.get("aliases", [])), layout=d.get("layout", "coded"), columns=cols,
                   sides=dict(d.get("sides", {})), rows=dict(d.get("rows", {})),
                   identities=list(d.get("identities", [])), signature=[list(s) for s in d.get("signature", [])],
                   tolerance=float(d.get("tolerance", 0.02)),
                   extra={k: v for k, v in d.items() if k not in known})


@lru_cache(maxsize=1)
def _load_all() -> tuple[Template, ...]:
    folder = models_path("templates")
    out = []
    for path in sorted(folder.glob("*.json")):
        if path.name in NON_TEMPLATE_FILES:
            continue
        try:
            out.append(Template.from_dict(load_json("templates", path.name)))
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"{path}: not a valid table template ({e})") from e
    return tuple(out)


def load_templates() -> dict[str, Template]:
    return {t.id: t for t in _load_all()}


def cross_identities() -> list[dict[str, Any]]:
    return list(load_json("templates", "cross.json")["identities"])


def function_classes() -> dict[str, str]:
    """Class label (no numbering, no trailing 支出) → 3-digit 功能分类 code."""
    return {name: code for code, name in load_json("templates", "function_classes.json")["classes"].items()}


def title_key(text: str) -> str:
    key = _QUOTES.sub("", compare_key(text))
    key = re.sub(r"^[0-9一二三四五六七八九十]+[.、:]", "", key)
    return _YEAR_PREFIX.sub("", key)


def form_number(text: str) -> int | None:
    m = FORM_REF.search(compare_key(text or ""))
    return form_mark_number(m) if m else None


def _by_title(title: str, templates: dict[str, Template], words: list[str] | None = None,
              columns: list[str] | None = None) -> str | None:
    """The template whose longest alias the title contains; several with the same alias (the Shanxi and the
    county 项目支出绩效自评表) are told apart by the words their grid must (``header_words``) or must not
    (``exclude_words``) print."""
    key = title_key(title)
    if not key:
        return None
    best: tuple[int, list[str]] | None = None
    for t in templates.values():
        for alias in [t.title, *t.aliases]:
            a = title_key(alias)
            if a and a in key:
                if best is None or len(a) > best[0]:
                    best = (len(a), [t.id])
                elif len(a) == best[0] and t.id not in best[1]:
                    best[1].append(t.id)
    if best is None or best[0] < 0.6 * len(key):
        # a title misread on a worn scan (般公共预算财政找次基本支出决算表) holds only a short alias (支出决算表):
        # the template whose alias it reads most like, when it reads like it almost whole
        near = _nearest_alias(key, templates, columns)
        if near is not None and (best is None or near[1] > best[0] or not near[0]):
            return near[0] or None  # (reading like several forms' titles, columns not telling: the signature
            # decides, not the short alias it holds)
    if best is None:
        return None
    if len(best[1]) > 1 and words is not None:
        fits = [tid for tid in best[1] if _words_fit(templates[tid], words)]
        return (fits or best[1])[0]
    return best[1][0]


def _nearest_alias(key: str, templates: dict[str, Template], columns: list[str] | None = None,
                   min_ratio: float = 0.8, min_len: int = 8, margin: float = 0.05) -> tuple[str, int] | None:
    """(template id, alias length) of the alias of ``min_len`` characters or more a title key reads most like
    (difflib's ratio at least ``min_ratio``: a character or two lost or misread), else None. Titles of two
    forms may differ by a word (一般公共预算财政拨款支出决算表 / …基本支出决算表): a misread that reads
    about as much like another template's alias (within ``margin``) is told apart by the table's column
    labels (``columns``: the templates' signatures); when they do not tell, ("", 0): no guess."""
    from difflib import SequenceMatcher

    best: dict[str, tuple[float, int]] = {}  # template → (its best ratio, that alias's length)
    for t in templates.values():
        for alias in [t.title, *t.aliases]:
            a = title_key(alias)
            if len(a) < min_len:
                continue
            r = SequenceMatcher(None, key, a, autojunk=False).ratio()
            if r >= min_ratio and r > best.get(t.id, (0.0, 0))[0]:
                best[t.id] = (r, len(a))
    if not best:
        return None
    top = max(r for r, _ in best.values())
    near = sorted(tid for tid, (r, _) in best.items() if r >= top - margin)
    if len(near) > 1:
        fit = _by_signature(columns or [], {tid: templates[tid] for tid in near})
        if fit is None:
            return "", 0
        near = [fit]
    return near[0], best[near[0]][1]


def _words_fit(template: Template, words: list[str]) -> bool:
    def found(pattern: str) -> bool:
        return any(re.search(pattern, w) for w in words)

    return (all(found(p) for p in template.extra.get("header_words", []))
            and not any(found(p) for p in template.extra.get("exclude_words", [])))


def _grid_words(table: Table, rows: int = 40) -> list[str]:
    """The texts printed in a table's header and first rows (a form's section and column labels)."""
    out = [compare_key(c) for r in table.header for c in r if c]
    for row in table.rows[:rows]:
        out.extend(compare_key(c.text) for c in row.cells if c.text)
    return out


def _by_signature_words(table: Table, templates: dict[str, Template]) -> str | None:
    """A 绩效自评表 whose title was not read: the template whose ``signature_words`` all occur in its grid."""
    words = _grid_words(table)
    best: tuple[int, str] | None = None
    for t in templates.values():
        sig = t.extra.get("signature_words")
        if sig and all(any(re.search(p, w) for w in words) for p in sig) and _words_fit(t, words):
            if best is None or len(sig) > best[0] or (t.id < best[1] and len(sig) == best[0]):
                best = (len(sig), t.id)
    return best[1] if best else None


def _by_signature(columns: list[str], templates: dict[str, Template]) -> str | None:
    labels = [compare_key(c) for c in columns]
    best: tuple[int, str] | None = None
    for t in templates.values():
        if not t.signature:
            continue
        if all(any(re.search(p, lab) for p in group for lab in labels) for group in t.signature):
            if best is None or len(t.signature) > best[0]:
                best = (len(t.signature), t.id)
    return best[1] if best else None


def identify_template(table: Table) -> str | None:
    """Recognise the table's template from its form marker, title and columns; sets ``table.template``."""
    templates = load_templates()
    found: str | None = None
    n = form_number(table.form) or form_number(table.title)
    if n is not None and f"T{n:02d}" in templates:
        found = f"T{n:02d}"
    form = table.kind == "performance"
    if found is None:
        found = _by_title(table.title, templates, _grid_words(table) if form else None, table.columns)
        if found is not None and form != (templates[found].layout == "performance"):
            found = None  # a form titled like a 公开表 or the reverse: decided by the grid below
    if found is None and form:
        found = _by_signature_words(table, templates)
    if found is None and table.columns and not form:
        found = _by_signature(table.columns, templates)
    table.template = found
    return found


def identify_templates(doc) -> dict[str, str]:
    """Every table's template by what it reads (:func:`identify_template`), then the unnamed ones' by their place
    in the set (:func:`templates_by_place`); returns the tables given one by place (id → template)."""
    for table in doc.tables:
        identify_template(table)
    return templates_by_place(doc)


def templates_by_place(doc) -> dict[str, str]:
    """A scanned table no marker, title or label recognised takes the template of its place in the document's
    set when that is certain: the nearest recognised tables before and after it are the set's (公开02表 …
    公开04表), exactly one table of the set lies between them, no table of the document is it, it is the only
    unrecognised table between them, it begins a table (a marker, a title or a header read; not a piece of the
    table before, carried onto the next page with its columns), and it has as many columns as that table
    prints (seed-45 photocopy150 jincheng: 支出决算表's title and header worn away, its marker read “公开00表” —
    320 cells no identity checked, in review whole). Never an optional member (公开10表), never at either end of
    the set. Only a table nothing read names: a template read from the page comes first. Returns the tables
    given one (id → template)."""
    templates = load_templates()
    tables = doc.tables
    scanned = {p.number for p in doc.pages if p.mode == "ocr"}
    present = {t.template for t in tables if t.template}
    placed: dict[str, str] = {}
    for i, table in enumerate(tables):
        if table.template or table.kind == "performance" or not table.rows or not table.columns \
                or not any(p in scanned for p in table.pages):
            continue
        named = bool(table.form or table.title)
        if not named and not any(x.strip() for row in table.header for x in row):
            continue  # (a piece: nothing says a table begins here)
        bi = next((k for k in range(i - 1, -1, -1) if tables[k].template in templates), None)
        ai = next((k for k in range(i + 1, len(tables)) if tables[k].template in templates), None)
        if bi is None or ai is None:
            continue
        before, after = tables[bi].template, tables[ai].template
        if not re.fullmatch(r"[A-Z]\d\d", before):
            continue
        members = sorted(t.id for t in templates.values() if t.kind == templates[before].kind
                         and re.fullmatch(r"[A-Z]\d\d", t.id) and t.id[0] == before[0])
        if after not in members or members.index(after) - members.index(before) != 2:
            continue
        found = templates[members[members.index(before) + 1]]
        if found.id in present or found.extra.get("in_set") == "optional" or not found.columns:
            continue
        if [t for t in tables[bi + 1:ai] if not t.template and t.rows and t.kind != "performance"] != [table]:
            continue
        prev = tables[bi]
        if not named and prev.pages and table.pages and table.pages[0] == prev.pages[-1] + 1 \
                and len(table.columns) == len(prev.columns):
            continue  # (the table before, carried onto the next page with its header repeated)
        required = [c for c in found.columns if not c.optional]
        widest = len(found.columns) + 2 * any(c.multi for c in found.columns)  # (类 | 款 | 项 for 科目编码)
        if not len(required) <= len(table.columns) <= widest:
            continue
        table.template = found.id
        present.add(found.id)
        placed[table.id] = found.id
    return placed


def split_shared_labels(table: Table, template: Template | None = None) -> int:
    """Columns that share one label because the rule between their header cells was missed (“科目代码科目名称”
    over both the code and the name column): the label is cut where the template's column patterns match,
    in order, one piece per column — when exactly as many of the template's roles match it as there are
    columns in the run. Returns the number of columns relabelled."""
    template = template or load_templates().get(table.template or "")
    if template is None or not template.columns:
        return 0
    labels = list(table.columns)
    fixed, c = 0, 0
    while c < len(labels):
        end = c
        while end + 1 < len(labels) and labels[end + 1] == labels[c]:
            end += 1
        n = end - c + 1
        text = labels[c].split("/")[-1]
        if n >= 2 and text:
            prefix = labels[c][:len(labels[c]) - len(text)]
            starts: dict[int, int] = {}  # match start → end, one per role, first match of its patterns
            for spec in template.columns:
                found = [m for p in spec.match for m in [re.search(_plain(p), text)] if m]
                if found:
                    m = min(found, key=lambda m: (m.start(), -m.end()))
                    if not any(a <= m.start() < b or m.start() <= a < m.end() for a, b in starts.items()):
                        starts[m.start()] = m.end()
            if len(starts) == n - 1 and (worn := _worn_label(text, starts, template, table.template or "")):
                # one label of the run read short (附属单位上缴 for 附属单位上缴收入, its last line lost with the
                # rule: seed-41 health 公开02表 as a worn photocopy): its piece is the printed label it begins
                at, stop, full = worn
                starts[at] = stop
                whole = {at: full}
            else:
                whole = {}
            cuts = sorted(starts)
            if len(cuts) == n:
                cuts[0] = 0
                pieces = [whole.get(a, text[a:b]) for a, b in zip(cuts, cuts[1:] + [len(text)])]
                if all(pieces):
                    for k, piece in enumerate(pieces):
                        labels[c + k] = prefix + piece
                    fixed += n
        c = end + 1
    table.columns = labels
    return fixed


def _plain(pattern: str) -> str:
    return pattern.lstrip("^").rstrip("$")


def _worn_label(text: str, starts: dict[int, int], template: Template, template_id: str,
                min_chars: int = 3) -> tuple[int, int, str] | None:
    """The one stretch of ``text`` no column pattern matched (``starts``: match start → end), when it is the
    beginning of exactly one printed label of the template (``models/templates/header_labels.json``) that names
    a column none of the matches does: (its start, its end, that label)."""
    covered = {i for a, b in starts.items() for i in range(a, b)}
    stretches = [m for m in re.finditer(r"x+", "".join(" " if i in covered else "x" for i in range(len(text))))]
    if len(stretches) != 1 or stretches[0].end() - stretches[0].start() < min_chars:
        return None
    a, b = stretches[0].span()
    piece = text[a:b]
    taken = {spec.role for spec in template.columns for x, y in starts.items()
             if any(re.fullmatch(_plain(p), text[x:y]) for p in spec.match)}
    printed = load_json("templates", "header_labels.json")["labels"].get(template_id, [])
    fits = [lab for lab in printed if lab != piece and lab.startswith(piece)
            and any(spec.role not in taken and spec.matches(compare_key(lab)) for spec in template.columns)]
    return (a, b, fits[0]) if len(fits) == 1 else None


@dataclass(frozen=True)
class Side:
    """One side of a 收支总表 (公开01/04表: 收入 | 支出) by its columns' places."""
    item: int
    lines: tuple[int, ...]
    amounts: tuple[int, ...]

    @property
    def columns(self) -> tuple[int, ...]:
        return tuple(sorted((self.item, *self.lines, *self.amounts)))


def summary_sides(table: Table, template: Template | None = None) -> list[Side]:
    """The two sides of a two-sided table, by place: 收入 from the first column up to the 支出 side's 项目, 支出
    from there on (a label names an amount column of either side — 决算数 — so the roles alone do not tell
    them); empty when its two 项目 columns are not found."""
    template = template or load_templates().get(table.template or "")
    if template is None or template.layout != "two_sided":
        return []
    roles = resolve_columns(table, template)
    items = sorted(c for r, cols in roles.items() if r.endswith("_item") for c in cols)
    lines = {c for r, cols in roles.items() if r.endswith("_line") for c in cols}
    if len(items) != 2:
        return []
    return [Side(a, tuple(c for c in range(a + 1, b) if c in lines), tuple(c for c in range(a + 1, b) if c not in lines))
            for a, b in zip(items, items[1:] + [len(table.columns)])]


def _priority_specs(spec: ColumnSpec) -> list[ColumnSpec]:
    if len(spec.match) <= 1:
        return [spec]
    return [ColumnSpec(spec.role, (p,), spec.all, spec.index, spec.multi, spec.optional) for p in spec.match]


def resolve_columns(table: Table, template: Template) -> dict[str, list[int]]:
    """Role → column indices (``multi`` roles may take several, e.g. 类/款/项 code columns).

    Roles are resolved in template order, each taking the first free column whose label matches; a role
    whose label is not found falls back to its ``index`` when that column is free and its label is blank or
    unclaimed by any other role's pattern. A two-sided table's roles stay on their side (the columns from
    its 项目 up to the other side's): both sides' amount columns may print 金额 or 决算数, so a label does not
    tell the side (seed-41 photocopy150 公开01表: 金额1 | … | 决算数 put the 收入 side's amount in the 支出
    column — 决算数 comes first among the patterns — and every 收入 identity failed over right cells).
    """
    roles = _resolve_columns(table, template)
    within = _sides_within(template, roles, len(table.columns))
    if within and any(c not in within[r] for r, cols in roles.items() if r in within for c in cols):
        roles = _resolve_columns(table, template, within)
    return _line_numbers_apart(table, template, roles)


_TWO_DECIMALS = re.compile(r"-?[\d,]*\d\.\d\d")


def _line_numbers_apart(table: Table, template: Template, roles: dict[str, list[int]],
                        min_filled: int = 5, share: float = 0.8) -> dict[str, list[int]]:
    """A side's 行次 column whose label was not found, taken for the amount role after it, handed back by its
    content: the column the side's first amount role took reads line numbers (small whole numbers, most one
    more than the one above) and the free column right of it amounts (two decimals) — then the line role takes
    the first and the amount role the second. The two labels can read alike: a seal over the rule between
    them merges the header's 行次 and 金额, both columns headed 行次金额 (seed-43 health 公开01表 as a bi-level
    scan), and the amount role took the first (three 收入 identities failing over right cells). A side's 行次
    role without a column also takes the free column just left of the side's amounts when it reads line
    numbers (its label worn past the pattern: “1行次”)."""
    order = [spec.role for spec in template.columns]
    taken = {c for cols in roles.values() for c in cols}
    n = len(table.columns)
    for k, spec in enumerate(template.columns):
        if not spec.role.endswith("_line") or roles.get(spec.role) or k + 1 >= len(order):
            continue
        amount = order[k + 1]
        if len(roles.get(amount, [])) != 1:
            continue
        c = roles[amount][0]

        def texts(col: int) -> list[str]:
            return [t for r in table.rows if col < len(r.cells) for t in [r.cells[col].text.strip()] if t]

        def line_numbers(here: list[str]) -> bool:
            numbers = [int(t) for t in here if re.fullmatch(r"[0-9]{1,3}", t)]  # (not ①, ¹: isdigit takes them)
            steps = sum(b == a + 1 for a, b in zip(numbers, numbers[1:]))
            return len(here) >= min_filled and len(numbers) >= share * len(here) \
                and steps >= share * (len(numbers) - 1)

        if c + 1 < n and c + 1 not in taken:
            right = texts(c + 1)
            amounts = sum(bool(_TWO_DECIMALS.fullmatch(t)) for t in right)
            if line_numbers(texts(c)) and len(right) >= min_filled and amounts >= share * len(right):
                roles[spec.role], roles[amount] = [c], [c + 1]
                taken.add(c + 1)
                continue
        # the free column just left of the side's amounts reading line numbers, its label worn past the
        # pattern (“1行次”, the 栏次 row's 1 run into it; “一一一行次合计”: seed-45 photocopy150 公开04表): the
        # side's 行次 (a column no role took put the whole table in doubt)
        if c - 1 >= 0 and c - 1 not in taken and line_numbers(texts(c - 1)):
            roles[spec.role] = [c - 1]
            taken.add(c - 1)
    return roles


def _sides_within(template: Template, roles: dict[str, list[int]], n: int) -> dict[str, range]:
    """A two-sided template's roles → the columns of their side, by the place of the second side's 项目
    column (roles in template order before it are the first side's); empty when that column is not found."""
    if template.layout != "two_sided" or len(template.sides) != 2:
        return {}
    second = list(template.sides.values())[1]["label"]
    if not roles.get(second):
        return {}
    cut = roles[second][0]
    order = [spec.role for spec in template.columns]
    k = order.index(second)
    return {role: range(0, cut) if i < k else range(cut, n) for i, role in enumerate(order)}


def _resolve_columns(table: Table, template: Template, within: dict[str, range] | None = None
                     ) -> dict[str, list[int]]:
    labels = [compare_key(c) for c in table.columns]
    n = len(labels)
    taken: set[int] = set()
    roles: dict[str, list[int]] = {}

    def free(spec: ColumnSpec, i: int) -> bool:  # (``within``: a role takes only columns of its own side)
        return i not in taken and (within is None or spec.role not in within or i in within[spec.role])

    for spec in template.columns:
        if spec.multi:
            hits = [i for i in range(n) if free(spec, i) and spec.matches(labels[i])]
            if spec.role == "code":
                hits = [i for i in hits if is_code_column(labels[i]) or not labels[i]] or hits
            if hits:
                # a run of adjacent code columns (类 款 项) or a single code column
                run = [hits[0]]
                for i in hits[1:]:
                    if i == run[-1] + 1:
                        run.append(i)
                roles[spec.role] = run
                taken.update(run)
                continue
        else:
            # patterns in priority order: 本年收入合计 before a bare 合计
            hit = None
            for single in _priority_specs(spec):
                hit = next((i for i in range(n) if free(spec, i) and single.matches(labels[i])), None)
                if hit is not None:
                    break
            if hit is not None:
                roles[spec.role] = [hit]
                taken.add(hit)
                continue
        if spec.role == "name" and roles.get("code"):
            nxt = max(roles["code"]) + 1
            if nxt < n and free(spec, nxt):
                roles["name"] = [nxt]
                taken.add(nxt)
                continue
        if spec.index is not None and spec.index < n and free(spec, spec.index) and not spec.optional:
            lab = labels[spec.index]
            claimed = any(o.matches(lab) for o in template.columns if o.role != spec.role)
            if not lab or not claimed:
                roles[spec.role] = [spec.index]
                taken.add(spec.index)
    _between_neighbours(template, labels, roles, taken)
    return roles


def _between_neighbours(template: Template, labels: list[str], roles: dict[str, list[int]], taken: set[int]) -> None:
    """A role whose label was not found takes the one free column between the columns of the roles printed
    either side of it (or right of the one before it, when it is the template's last): its label misread
    (经营支、出, real caizheng 公开03表 as a worn photocopy, beside 上缴上级支出 and 对附属单位补助支出 read right —
    the index fallback missed it, the table printing three code columns where the template counts one). Not
    when the label names another role (two columns run into one keep their doubt)."""
    order = [s.role for s in template.columns]
    n = len(labels)
    for k, spec in enumerate(template.columns):
        if spec.role in roles or spec.optional:
            continue
        before = next((roles[r] for r in reversed(order[:k]) if r in roles), None)
        after = next((roles[r] for r in order[k + 1:] if r in roles), None)
        if before is None:
            continue
        c = max(before) + 1
        if c >= n or c in taken or (after is not None and min(after) != c + 1) or (after is None and c != n - 1):
            continue
        if any(o.role != spec.role and o.matches(labels[c]) for o in template.columns if labels[c]):
            continue
        roles[spec.role] = [c]
        taken.add(c)
