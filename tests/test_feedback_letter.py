"""The plain-text return letter: the outcome, then every finding with its cell, figure, rule and what to do."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from esgflow.catalog import Catalog
from esgflow.checks.rules import RULES
from esgflow.cycle.states import STORED
from esgflow.display import MISSING
from esgflow.entities import EntityRegistry
from esgflow.feedback.letter import STATUS, Judged, render_letter
from esgflow.findings import Finding

ENV = "环境 Environmental"


def _gasoline_text() -> Finding:
    return Finding(
        "text_in_number_cell",
        "error",
        "env_gasoline (Gasoline consumption): the text 'lots' is not a number; enter a number or leave it blank",
        ("env_gasoline",),
        sheet=ENV,
        cell="E6",
        found="lots",
    )


def _diesel_range() -> Finding:
    return Finding("range", "error", "env_diesel is below 0", ("env_diesel",), sheet=ENV, cell="E7")


def _diesel_change() -> Finding:
    return Finding(
        "yoy_change_needs_note",
        "warning",
        "env_diesel changed by 120% from last period",
        ("env_diesel",),
        sheet=ENV,
        cell="E7",
        expected=Decimal("2044766.46"),
    )


def _judged(
    registry: EntityRegistry,
    entity: str,
    status: str,
    findings: list[Finding],
    written: dict[str, tuple[str | None, str | None]] | None = None,
    version: int = 1,
) -> Judged:
    return Judged(registry[entity], "2025", version, f"{entity}_2025.xlsx", status, findings, written or {})


def test_a_chinese_letter_gives_each_finding_its_cell_figure_rule_and_action(
    registry: EntityRegistry, catalog: Catalog
) -> None:
    findings = [_diesel_change(), _gasoline_text(), _diesel_range()]
    written = {"env_diesel": ("-5", "L"), "env_gasoline": ("lots", "L")}
    text = render_letter(_judged(registry, "SAMI", "rejected", findings, written, version=2), catalog)
    assert text.startswith("沈阳院 ESG 数据填报人，您好：\n\n")
    assert "您提交的《SAMI_2025.xlsx》（报告期 2025，第 2 版）未被接受，请按以下说明修改后重新发送。" in text
    assert "共有 2 个错误、1 个提示。" in text
    assert (
        "1.【错误】'环境 Environmental'!E6 汽油使用量\n"
        "   填报值：lots\n"
        "   问题：数值单元格中填写了文字\n"
        "   处理办法：请只填写数字（可带千分位），不要填写单位或文字；无数据请留空。\n\n"
    ) in text
    assert (
        "2.【错误】'环境 Environmental'!E7 柴油使用量\n   填报值：-5 升\n"
        "   问题：超出允许范围\n   允许范围：不小于 0 升\n"
    ) in text
    assert "3.【提示】'环境 Environmental'!E7 柴油使用量" in text
    assert "   上期数值：2,044,766.46 升\n" in text  # with separators and its unit, in Chinese
    assert text.count("上期数值") == 1  # only where there is something to compare with
    assert "env_diesel is below 0" not in text  # the checks' English message is not the reporter's
    assert "系统将记为第 3 版；附件为标注了问题单元格的文件副本。" in text
    assert text.endswith("中铝国际 ESG 工作办公室\n")


def test_errors_come_before_warnings(registry: EntityRegistry, catalog: Catalog) -> None:
    text = render_letter(_judged(registry, "SAMI", "rejected", [_diesel_change(), _gasoline_text()]), catalog)
    assert text.index("1.【错误】") < text.index("2.【提示】")


def test_an_overseas_reporter_gets_an_english_letter(registry: EntityRegistry, catalog: Catalog) -> None:
    text = render_letter(
        _judged(registry, "OS-GN", "accepted_with_warnings", [_diesel_change()], {"env_diesel": ("4500000", "L")}),
        catalog,
    )
    assert text.startswith("Dear ESG reporter of Chalieco Guinea,\n\n")
    assert (
        "Your return OS-GN_2025.xlsx (period 2025, version 1) was accepted, with points that need an explanation"
        in text
    )
    assert "It has 1 warning." in text
    assert (
        "1. [Warning] '环境 Environmental'!E7 Diesel consumption\n"
        "   Figure entered: 4,500,000 L\n"
        "   Problem: Large change from last period\n"
        "   Last period: 2,044,766.46 L\n"
        "   What to do: If the figure is right, explain the change in its note cell; otherwise correct it.\n\n"
    ) in text
    assert "it will be recorded as version 2" in text
    assert text.endswith("ESG Office, China Aluminum International Engineering\n")
    assert "您" not in text


@pytest.mark.parametrize(
    ("entity", "thanks"), [("GAMI", "已接受，感谢您的填报。"), ("OS-GN", "was accepted. Thank you.")]
)
def test_a_clean_return_is_thanked_briefly(
    registry: EntityRegistry, catalog: Catalog, entity: str, thanks: str
) -> None:
    text = render_letter(_judged(registry, entity, "accepted", []), catalog)
    assert thanks in text
    assert "1." not in text and "版；附件" not in text and "send it again" not in text


def test_the_figure_is_shown_as_written_in_the_unit_asked(registry: EntityRegistry, catalog: Catalog) -> None:
    no_text = _diesel_range()  # a check finding: the text comes from what was written
    as_found = _gasoline_text()  # a parse finding: the text it found wins
    written = {"env_diesel": ("１２，３４５", "L"), "env_gasoline": ("ignored", "L")}
    text = render_letter(_judged(registry, "SAMI", "rejected", [no_text, as_found], written), catalog)
    assert "填报值：１２，３４５ 升" in text and "填报值：lots\n" in text  # text is quoted as typed, no unit
    blank = render_letter(
        _judged(registry, "SAMI", "rejected", [_diesel_range()], {"env_diesel": (None, "L")}), catalog
    )
    assert f"填报值：{MISSING}\n" in blank  # blank as on the page and in the workbook


def test_a_rule_without_wording_is_named_by_its_code(registry: EntityRegistry, catalog: Catalog) -> None:
    odd = Finding("brand_new_rule", "error", "something new", ("env_diesel",), sheet=ENV, cell="E7")
    zh = render_letter(_judged(registry, "SAMI", "rejected", [odd]), catalog)
    en = render_letter(_judged(registry, "OS-GN", "rejected", [odd]), catalog)
    assert "问题：brand_new_rule" in zh and "处理办法：请核对该数值。" in zh
    assert "Problem: brand_new_rule" in en and "What to do: Check this figure." in en
    assert "   something new\n" in zh and "   something new\n" in en  # its message is all there is to say


def test_every_state_a_return_is_stored_in_has_wording_in_both_languages() -> None:
    assert set(STATUS) == set(STORED)
    assert all(zh and en and zh != en for zh, en in STATUS.values())


def _error_value(shows: str) -> Finding:
    return Finding(
        "error_value",
        "error",
        f"env_diesel (Diesel consumption): the cell shows the error {shows}; enter a number",
        ("env_diesel",),
        sheet=ENV,
        cell="E7",
        found=shows,
    )


@pytest.mark.parametrize("entity", ["SAMI", "OS-GN"])
@pytest.mark.parametrize("shows", ["#DIV/0!", "#REF!"])
def test_an_error_value_is_shown_without_a_unit(
    registry: EntityRegistry, catalog: Catalog, entity: str, shows: str
) -> None:
    written = {"env_diesel": (None, "L")}
    text = render_letter(_judged(registry, entity, "rejected", [_error_value(shows)], written), catalog)
    label = "填报值：" if entity == "SAMI" else "Figure entered: "
    assert f"   {label}{shows}\n" in text


def test_a_chinese_letter_writes_units_in_chinese_and_never_doubles_a_prompt(
    registry: EntityRegistry, catalog: Catalog
) -> None:
    findings = [_diesel_range(), _diesel_change(), _error_value("#DIV/0!"), _gasoline_text()]
    findings += [Finding(rule, "error", "m", ("env_diesel",), sheet=ENV, cell="E7") for rule in sorted(RULES)]
    findings.append(Finding("yoy_change_needs_note", "warning", "m", ("env_electricity",), expected=Decimal("12.5")))
    written = {"env_diesel": ("-5", "L"), "env_gasoline": ("lots", "L"), "env_electricity": ("90000", "kWh")}
    text = render_letter(_judged(registry, "SAMI", "rejected", findings, written), catalog)
    assert "填报值：-5 升" in text and "填报值：90,000 千瓦时" in text
    # compared in the unit it was asked in (kWh), not the published one (10k kWh), at the published places
    assert "上期数值：125,000 千瓦时" in text
    assert not re.search(r"\d (L|kWh|10k kWh)\n", text)  # no unit written as code in a Chinese letter
    for line in text.splitlines():
        label, _, rest = line.partition("：")
        assert not (rest and label.strip()[-1:] == rest[:1]), line  # '请：请', '问题：问题'


def test_an_english_letter_says_each_point_once(registry: EntityRegistry, catalog: Catalog) -> None:
    findings = [_diesel_range(), _gasoline_text(), _diesel_change()]
    text = render_letter(_judged(registry, "OS-GN", "rejected", findings, {"env_diesel": ("-5", "L")}), catalog)
    assert "(" + _diesel_range().message not in text and _gasoline_text().message not in text
    assert "(env_diesel)" not in text and "(env_gasoline)" not in text
    assert "   Allowed: at least 0 L\n" in text


@pytest.mark.parametrize("entity", ["GAMI", "OS-GN"])
def test_an_accepted_letter_does_not_count_what_is_not_there(
    registry: EntityRegistry, catalog: Catalog, entity: str
) -> None:
    clean = render_letter(_judged(registry, entity, "accepted", []), catalog)
    warned = render_letter(_judged(registry, entity, "accepted_with_warnings", [_diesel_change()]), catalog)
    for text in (clean, warned):
        assert "0 个" not in text and "0 errors" not in text and "0 warnings" not in text
        assert "\n\n\n" not in text
    assert "共有" not in clean and "It has" not in clean
    assert "共有 1 个提示。" in warned or "It has 1 warning." in warned


@pytest.mark.parametrize(
    ("entity", "said"), [("SAMI", "您于 2026-01-05 17:30 UTC+8 提交"), ("OS-GN", "received 2026-01-05 17:30 UTC+8")]
)
def test_the_letter_gives_the_time_the_file_arrived_in_beijing_time(
    registry: EntityRegistry, catalog: Catalog, entity: str, said: str
) -> None:
    judged = replace(_judged(registry, entity, "accepted", []), received=datetime(2026, 1, 5, 9, 30, tzinfo=UTC))
    assert said in render_letter(judged, catalog)


def test_a_compared_total_or_sum_is_named_and_counts_read_as_words(registry: EntityRegistry, catalog: Catalog) -> None:
    above = Finding(
        "part_not_above_whole",
        "error",
        "m",
        ("soc_employees_male", "soc_employees_total"),
        sheet="社会 Social",
        cell="E7",
        expected=Decimal("10"),
    )
    parts = ("soc_employees_female", "soc_employees_male")
    total = Finding("parts_sum_to_total", "error", "m", ("soc_employees_total", *parts), sheet="社会 Social",
                    cell="E5", expected=Decimal("42"))  # fmt: skip
    written = {"soc_employees_male": ("30", "person"), "soc_employees_total": ("1", "person")}
    zh = render_letter(_judged(registry, "SAMI", "rejected", [above, total], written), catalog)
    en = render_letter(_judged(registry, "OS-GN", "rejected", [above, total], written), catalog)
    assert "   合计（员工人数）：10 人\n" in zh and "   分项（女性员工人数、男性员工人数）之和：42 人\n" in zh
    assert "   Figure entered: 30 people\n   Problem: A part is larger than its whole\n" in en
    assert "   Its total, Employees: 10 people\n" in en
    assert "   Figure entered: 1 person\n" in en  # one person, not one people
    assert "   Female employees + Male employees add up to: 42 people\n" in en


@pytest.mark.parametrize("typed", ["25847.61小时", "估", "#DIV/0!", "12 persons"])
@pytest.mark.parametrize("entity", ["SAMI", "OS-GN"])
def test_what_was_typed_is_quoted_as_typed_with_no_unit_after_it(
    registry: EntityRegistry, catalog: Catalog, typed: str, entity: str
) -> None:
    found = Finding("text_in_number_cell", "error", "not a number", ("env_diesel",), sheet=ENV, cell="E7", found=typed)
    text = render_letter(_judged(registry, entity, "rejected", [found], {"env_diesel": (None, "L")}), catalog)
    label = "填报值：" if entity == "SAMI" else "Figure entered: "
    assert f"   {label}{typed}\n" in text
