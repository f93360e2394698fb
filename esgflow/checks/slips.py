"""Unit slips: a figure about 10, 1,000 or 10,000 times (or the inverse of) the entity's previous version
of the period, else its figure of last period, is likely typed in another unit (issue 26). The check frame
carries the power of ten (`slip`, esgflow.checks.frames); these rules warn of it, one per power, so that
the title and the action can name the likely mistake in the reporter's language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from esgflow.catalog import Catalog
from esgflow.checks.conditions import Expectation, only
from esgflow.checks.rules import FIGURE_ROWS, Row, Rule, _dec, _label, _num, where

_SLIP_WORDS = {1: "10", 3: "1,000", 4: "10,000"}
_SLIP_LIKELY = {
    1: "a misplaced decimal point or a digit too many or too few",
    3: "a figure in thousands (kg for t, MWh for kWh, thousand for units) or the other way round",
    4: "a figure in 万 (ten-thousands, e.g. 万千瓦时) in a cell asked in single units, or the other way round",
}


def _expect_slip(power: int) -> Any:
    def expect(rule: Rule, catalog: Catalog) -> list[Expectation]:
        return [
            Expectation(
                "expect_column_values_to_not_be_in_set",
                {"column": only("slip", where(FIGURE_ROWS)), "value_set": [float(power), float(-power)]},
                rule.meta(),
            )
        ]

    return expect


def _describe_slip(row: Row, catalog: Catalog, meta: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    power = int(abs(row["slip"]))
    ind = catalog[row["indicator"]]
    unit = ind.input_unit or ind.unit
    reference = row["previous"] if row["slip_ref"] == "previous version" else row["prior"]
    way = "larger" if row["slip"] > 0 else "smaller"
    return (
        f"{_label(row, catalog)} is {_num(row['value'])} {ind.unit}, about {_SLIP_WORDS[power]} times {way} than "
        f"in the {row['slip_ref']} ({_num(reference)} {ind.unit}): likely {_SLIP_LIKELY[power]}; the cell asks "
        f"for {unit}",
        (row["indicator"],),
    )


def _slip_compared(row: Row) -> tuple[Decimal | None, Decimal | None]:
    reference = row["previous"] if row["previous"] is not None else row["prior"]
    return _dec(reference), _dec(row["value"])


def _slip_rule(power: int, title: tuple[str, str], action: tuple[str, str]) -> Rule:
    return Rule(
        f"unit_slip_x{_SLIP_WORDS[power].replace(',', '')}",
        title,
        action,
        severity="warning",
        suites=("submission",),
        expect=_expect_slip(power),
        describe=_describe_slip,
        compare=_slip_compared,
    )


SLIP_RULES = [
    _slip_rule(
        4,
        ("疑似单位错误：相差约1万倍", "Likely unit slip: about 10,000 times"),
        (
            "本数值与上一版本或上期相差约1万倍，可能把以“万”为单位的数值（如万千瓦时、万元）填入了按个位单位"
            "（如千瓦时、元）填报的单元格，或相反。请按该栏所列单位核对更正；如无误，请在“说明”列写明原因。",
            "This figure is about 10,000 times its previous version or last period's: a figure in 万 (ten-thousands, "
            "such as 万千瓦时 or 万元) may have gone into a cell asked in single units (kWh, CNY), or the other way "
            "round. Check it against the unit beside the cell; if it is right, say why in its note.",
        ),
    ),
    _slip_rule(
        3,
        ("疑似单位错误：相差约1000倍", "Likely unit slip: about 1,000 times"),
        (
            "本数值与上一版本或上期相差约1000倍，可能混淆了“千”级单位（如千克与吨、兆瓦时与千瓦时、千升与升）。"
            "请按该栏所列单位核对更正；如无误，请在“说明”列写明原因。",
            "This figure is about 1,000 times its previous version or last period's: kilograms for tonnes, MWh for "
            "kWh or litres for cubic metres may have been mixed up. Check it against the unit beside the cell; if it "
            "is right, say why in its note.",
        ),
    ),
    _slip_rule(
        1,
        ("疑似输入错误：相差约10倍", "Likely slip: about 10 times"),
        (
            "本数值与上一版本或上期相差约10倍，可能小数点位置有误或多输、少输了一位数字。请核对更正；"
            "如无误，请在“说明”列写明原因。",
            "This figure is about 10 times its previous version or last period's: a misplaced decimal point or a "
            "digit too many or too few. Check it; if it is right, say why in its note.",
        ),
    ),
]
