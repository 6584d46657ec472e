"""Template recognition on the seeds' 公开表 (form markers) and on titles without markers (Shanghai)."""
from __future__ import annotations

import pytest

from pipeline.model import Table
from pipeline.templates import identify_template, load_templates, resolve_columns

from seedtables import seed_tables, seeds_dir

pytestmark = pytest.mark.skipif(not seeds_dir().exists(), reason="../shared/seeds absent")


def test_every_template_file_loads_with_roles_and_identities():
    templates = load_templates()
    assert {f"T{n:02d}" for n in range(1, 11)} <= set(templates)
    assert {f"B{n:02d}" for n in range(1, 10)} <= set(templates)
    for t in templates.values():
        assert t.aliases and t.identities, t.id


@pytest.mark.parametrize("seed,expected", [("000", [f"T0{n}" for n in range(1, 9)]),
                                           ("002", [f"T0{n}" for n in range(1, 10)]),
                                           ("003", [f"T0{n}" for n in range(1, 10)] + ["T10"])])
def test_seed_tables_are_recognised(seed, expected):
    assert [identify_template(t) for t in seed_tables(seed)] == expected


def test_title_without_marker_and_variants():
    cases = {
        "收入支出决算总表": "T01", "部门收支决算总表": "T01", "收入决算表": "T02", "支出决算表": "T03",
        "财政拨款收入支出决算总表": "T04", "一般公共预算财政拨款支出决算表": "T05",
        "一般公共预算财政拨款基本支出决算表": "T06", "财政拨款“三公”经费支出决算表": "T09",
        "政府性基金预算财政拨款收入支出决算表": "T07", "国有资本经营预算财政拨款收入支出决算表": "T08",
        "2026年部门财务收支预算总表": "B01", "2026年部门收入预算总表": "B02", "2026年部门支出预算总表": "B03",
        "4．2026年部门财政拨款收支预算总表": "B04", "2026年部门一般公共预算支出功能分类预算表": "B05",
        "2026年部门政府性基金预算支出功能分类预算表": "B06", "2026年部门国有资本经营预算支出功能分类预算表": "B07",
        "2026年部门一般公共预算基本支出部门预算经济分类预算表": "B08",
        "2026年部门“三公”经费和机关运行经费预算表": "B09",
    }
    for title, tid in cases.items():
        assert identify_template(Table(id="t", title=title)) == tid, title


def test_columns_signature_when_title_is_lost():
    t = Table(id="t", title="", columns=["科目代码", "科目名称", "本年收入合计", "财政拨款收入", "上级补助收入",
                                         "事业收入", "经营收入", "附属单位上缴收入", "其他收入"])
    assert identify_template(t) == "T02"


def test_roles_from_split_code_columns_and_priority():
    templates = load_templates()
    t = Table(id="t", title="收入决算表", columns=["科目编码", "款", "项", "合计", "本年收入合计", "财政拨款收入",
                                                  "上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入"])
    roles = resolve_columns(t, templates["T02"])
    assert roles["code"] == [0, 1, 2] and roles["name"] == [3] and roles["total"] == [4] and roles["other"] == [10]


def test_seed_headers_give_expected_roles():
    t4 = [t for t in seed_tables("000") if t.form == "公开04表"][0]
    roles = resolve_columns(t4, load_templates()["T04"])
    assert roles["income_amount"] == [2] and roles["expense_general"] == [6] and roles["expense_capital"] == [8]


def test_a_misread_label_takes_the_one_column_between_its_neighbours():
    # real caizheng 公开03表 as a worn photocopy: 经营支出 read “经营支、出”; the table prints three code columns,
    # so the template's index for it (6) is 项目支出's column, and the role was missing — the table in doubt
    t = Table(id="t", title="支出决算表", columns=["类", "款", "项", "项目科目名称", "本年支出合计", "基本支出",
                                                  "项目支出", "上缴上级支出", "经营支、出", "对附属单位补助支出"])
    roles = resolve_columns(t, load_templates()["T03"])
    assert roles["operating"] == [8] and roles["affiliated"] == [9] and roles["upper_remit"] == [7]
    # the last role, misread, takes the last column when the one before it is placed
    t.columns = t.columns[:-2] + ["经营支出", "对附属单位补助支山"]
    assert resolve_columns(t, load_templates()["T03"])["affiliated"] == [9]
    # two columns run into one (a column rule lost): the merged label names a role, so the other stays missing
    t.columns = ["功能分类科目编码", "项目科目名称", "本年支出合计", "基本支出", "项目支出", "d上缴上级支出经营支出",
                 "对附属单位补助支出"]
    roles = resolve_columns(t, load_templates()["T03"])
    assert "operating" not in roles and roles["upper_remit"] == [5] and roles["affiliated"] == [6]


def test_a_two_sided_tables_roles_stay_on_their_side():
    """Seed-41 beiguan 公开01表 as a worn photocopy read its amount labels 金额1 (收入) and 决算数 (支出): 决算数 comes
    first among the amount patterns, so the 收入 side took the 支出 side's amounts and every 收入 identity failed
    over right cells. Each side's roles take columns from its 项目 up to the other side's only."""
    t = Table(id="t", title="收入支出决算总表", columns=["项目栏次", "收入/行次", "金额1", "项目", "支出/行次", "决算数"])
    roles = resolve_columns(t, load_templates()["T01"])
    assert roles["income_amount"] == [2] and roles["expense_amount"] == [5]
    assert roles["income_item"] == [0] and roles["expense_item"] == [3] and roles["expense_line"] == [4]
    # 公开04表: the 收入 side's 金额 read as 决算数 stays the 收入 side's; the 支出 side keeps its four
    t4 = Table(id="t", title="财政拨款收入支出决算总表", columns=["项目", "行次", "决算数", "项目", "行次", "合计",
                                                                 "一般公共预算财政拨款", "政府性基金预算财政拨款",
                                                                 "国有资本经营预算财政拨款"])
    roles = resolve_columns(t4, load_templates()["T04"])
    assert roles["income_amount"] == [2] and roles["expense_total"] == [5] and roles["expense_capital"] == [8]
