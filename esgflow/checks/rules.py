"""Every rule kind in one place: its expectation, how a failure is described, and its wording.

A rule checked by Great Expectations carries the expectations it adds to its suites (built
from the catalog), the sentence for a failing row of a check frame, and which numbers it
compared. A rule found while a workbook is read has its wording here and its message
where it is found. Adding a rule kind means adding one entry to RULES.

The expectations are plain (esgflow.checks.conditions.Expectation): the polars judge reads
them as they are, and Great Expectations is imported only when esgflow.checks.suites builds
its objects from them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from esgflow import glossary
from esgflow.catalog import Catalog
from esgflow.checks.conditions import Expectation, only
from esgflow.decimals import tidy
from esgflow.workbooks.layout import REQUIRED_PEOPLE

NUMBER = r"^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$"
WHOLE = r"^-?\d+$"
FIGURE_ROWS = 'row == "figure"'
_REGEX = "expect_column_values_to_match_regex"

Row = dict[str, Any]
Describe = Callable[[Row, Catalog, dict[str, Any]], tuple[str, tuple[str, ...]]]
Compare = Callable[[Row], tuple[Decimal | None, Decimal | None]]
Expect = Callable[["Rule", Catalog], list[Expectation]]


def _num(x: float | None, digits: int = 12) -> str:
    """A figure as written (up to 12 significant digits), with thousands separators."""
    if x is None:
        return "–"
    if x in (float("inf"), float("-inf")):
        return str(x)
    return format(tidy(Decimal(f"{x:.{digits}g}")), ",f")


def _dec(x: float | None) -> Decimal | None:
    return None if x is None else Decimal(f"{x:.12g}")


def _label(row: Row, catalog: Catalog) -> str:
    return f"{row['indicator']} ({catalog[row['indicator']].name_en})"


def _actual(row: Row) -> tuple[Decimal | None, Decimal | None]:
    return None, _dec(row["value"])


def _recomputed_vs_value(row: Row) -> tuple[Decimal | None, Decimal | None]:
    return _dec(row["recomputed"]), _dec(row["value"])


@dataclass(frozen=True)
class Rule:
    name: str
    title: tuple[str, str]  # zh, en
    action: tuple[str, str]  # what the reporter should do: zh, en
    severity: str = "error"
    suites: tuple[str, ...] = ()  # the Great Expectations suites that check it
    expect: Expect | None = None
    describe: Describe | None = None
    compare: Compare = _actual
    compared: tuple[str, str] = ("对比数值", "Compared with")  # what a finding's `expected` is: zh, en

    def meta(self, **extra: Any) -> dict[str, Any]:
        """The expectation's meta: findings are built from its rule and severity."""
        return {"rule": self.name, "severity": self.severity, **extra}


def where(*parts: str) -> str:
    """The rows a rule applies to, judged through a column that holds the figure on them alone (see
    esgflow.checks.conditions): no pandas query per expectation."""
    return " and ".join(parts)


def within(rule: Rule, column_a: str, column_b: str, condition: str) -> Expectation:
    """column_b <= column_a on the rows the condition selects (a missing value on either side is not judged)."""
    return Expectation(
        "expect_column_pair_values_a_to_be_greater_than_b",
        {
            "column_A": column_a,
            "column_B": only(column_b, condition),
            "or_equal": True,
            "ignore_row_if": "either_value_is_missing",
        },
        rule.meta(),
    )


# --- rules checked over check frames ------------------------------------------------------------


def _expect_required(rule: Rule, catalog: Catalog) -> list[Expectation]:
    condition = where(FIGURE_ROWS, "required", "not has_note")
    # 0 on the other rows: the one expectation whose subject is the missing value itself
    return [
        Expectation(
            "expect_column_values_to_not_be_null", {"column": only("value", condition, filled=True)}, rule.meta()
        )
    ]


def _describe_required(row: Row, catalog: Catalog, meta: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return (
        f"{_label(row, catalog)} is missing; enter the figure, or explain in its note why there is none",
        (row["indicator"],),
    )


def _expect_type(rule: Rule, catalog: Catalog) -> list[Expectation]:
    condition = where(FIGURE_ROWS, "text == text")
    return [Expectation(_REGEX, {"column": only("text", condition), "regex": NUMBER}, rule.meta())]


def _describe_type(row: Row, catalog: Catalog, meta: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return f"{_label(row, catalog)}: {row['text']!r} is not a number", (row["indicator"],)


def _expect_range(rule: Rule, catalog: Catalog) -> list[Expectation]:
    ranges: dict[tuple[float | None, float | None], list[str]] = {}
    for ind in catalog.indicators:
        if ind.rules.min is not None or ind.rules.max is not None:
            ranges.setdefault((ind.rules.min, ind.rules.max), []).append(ind.code)
    return [
        Expectation(
            "expect_column_values_to_be_between",
            {
                "column": only("value", where(FIGURE_ROWS, f"indicator in {codes!r}")),
                "min_value": low,
                "max_value": high,
            },
            rule.meta(min=low, max=high),
        )
        for (low, high), codes in sorted(ranges.items(), key=lambda kv: str(kv[0]))
    ]


def _describe_range(row: Row, catalog: Catalog, meta: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and high is not None:
        bound = f"between {low:g} and {high:g}"
    else:
        bound = f"at least {low:g}" if low is not None else f"at most {high:g}"
    unit = catalog[row["indicator"]].unit
    return f"{_label(row, catalog)} is {_num(row['value'])} {unit}; it must be {bound}", (row["indicator"],)


def _expect_whole_number(rule: Rule, catalog: Catalog) -> list[Expectation]:
    integers = [i.code for i in catalog.indicators if i.dtype == "integer" and i.is_input]
    condition = where(FIGURE_ROWS, f"indicator in {integers!r}")
    return [Expectation(_REGEX, {"column": only("text", condition), "regex": WHOLE}, rule.meta())]


def _describe_whole_number(row: Row, catalog: Catalog, meta: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return f"{_label(row, catalog)} is {row['text']}; it must be a whole number", (row["indicator"],)


def _describe_part_above_whole(row: Row, catalog: Catalog, meta: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    whole, unit = catalog[row["whole"]], catalog[row["indicator"]].unit
    return (
        f"{_label(row, catalog)} is {_num(row['value'])} {unit}, more than {whole.code} ({whole.name_en}) allows "
        f"({_num(row['whole_value'])} {unit}); a part cannot exceed its whole",
        (row["indicator"], whole.code),
    )


def _describe_parts_sum(row: Row, catalog: Catalog, meta: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    parts = tuple(row["parts"].split("+"))
    return (
        f"{' + '.join(parts)} add up to {_num(row['recomputed'], 10)}, but {_label(row, catalog)} is "
        f"{_num(row['value'])}; the parts must add up to the total",
        (row["indicator"], *parts),
    )


def _describe_yoy(row: Row, catalog: Catalog, meta: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    change = row["yoy_change"]
    pct = "from zero" if change == float("inf") else f"by {change:.0%}"
    return (
        f"{_label(row, catalog)} changed {pct} (last period {_num(row['prior'])}, now {_num(row['value'])}); "
        f"a change beyond {row['yoy_threshold']:.0%} needs an explanation in its note",
        (row["indicator"],),
    )


def _expect_derived(rule: Rule, catalog: Catalog) -> list[Expectation]:
    exact = [i.code for i in catalog.derived_in_order()]
    condition = where('row == "derived"', "not factor_based", f"indicator in {exact!r}")
    return [within(rule, "tolerance", "gap", condition)]


def _describe_derived(row: Row, catalog: Catalog, meta: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    ind = catalog[row["indicator"]]
    parts = tuple(row["parts"].split("+")) if row["parts"] else ()
    how = " with the factor registry's conversion factors" if row["factor_based"] else ""
    return (
        f"{_label(row, catalog)} is {_num(row['value'])} {ind.unit}, "
        f"but {ind.formula} gives {_num(row['recomputed'], 10)}{how}",
        (ind.code, *parts),
    )


def _describe_versus(row: Row, catalog: Catalog, meta: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    unit = catalog[row["indicator"]].unit
    return (
        f"{_label(row, catalog)}: published {_num(row['value'])} {unit}, "
        f"the entity data give {_num(row['recomputed'], 10)}",
        (row["indicator"],),
    )


_CHANGED = (
    "如数值无误，请在“说明”列写明变化原因；如有误请更正。",
    "If the figure is right, explain the change in its note cell; otherwise correct it.",
)
_OWN_TEMPLATE = ("请使用为本单位生成的模板。", "Use the template generated for your entity.")

# In suite order: a suite's expectations follow this order.
_RULES = [
    Rule(
        "required",
        ("必填项缺失", "Required figure missing"),
        (
            "请填写该数值；如确无此项数据，请在“说明”列写明原因。",
            "Enter the figure; if there truly is none, explain why in its note cell.",
        ),
        suites=("submission",),
        expect=_expect_required,
        describe=_describe_required,
    ),
    Rule(
        "type",
        ("不是数字", "Not a number"),
        ("请填写数字。", "Enter a number."),
        suites=("submission", "group"),
        expect=_expect_type,
        describe=_describe_type,
    ),
    Rule(
        "range",
        ("超出允许范围", "Out of the allowed range"),
        ("请核对数值和单位是否正确。", "Check the figure and the unit it is asked in."),
        suites=("submission", "group"),
        expect=_expect_range,
        describe=_describe_range,
    ),
    Rule(
        "whole_number",
        ("应为整数", "Must be a whole number"),
        ("人数、次数等请填写整数。", "Counts such as head counts must be whole numbers."),
        suites=("submission", "group"),
        expect=_expect_whole_number,
        describe=_describe_whole_number,
    ),
    Rule(
        "part_not_above_whole",
        ("分项大于合计", "A part is larger than its whole"),
        (
            "请核对分项与合计两个数值（注意单位），分项不能大于合计。",
            "Check both figures (mind their units); a part cannot exceed its whole.",
        ),
        suites=("submission", "group"),
        expect=lambda rule, catalog: [within(rule, "whole_bound", "value", where(FIGURE_ROWS))],
        describe=_describe_part_above_whole,
        compare=lambda row: (_dec(row["whole_value"]), _dec(row["value"])),
        compared=("合计", "Its total"),
    ),
    Rule(
        "parts_sum_to_total",
        ("分项之和不等于合计", "The parts do not add up to the total"),
        (
            "请核对各分项和合计，使分项之和等于合计（绿色行显示分项之和）。",
            "Check the parts and the total so that they add up (the green row shows the sum).",
        ),
        suites=("submission", "group"),
        expect=lambda rule, catalog: [within(rule, "tolerance", "gap", where('row == "breakdown"'))],
        describe=_describe_parts_sum,
        compare=_recomputed_vs_value,  # the total's cell should hold what its parts add up to
        compared=("各分项之和", "The parts add up to"),
    ),
    Rule(
        "yoy_change_needs_note",
        ("与上期相比变化较大", "Large change from last period"),
        _CHANGED,
        severity="warning",
        suites=("submission", "group"),
        expect=lambda rule, catalog: [within(rule, "yoy_threshold", "yoy_change", where(FIGURE_ROWS, "not has_note"))],
        describe=_describe_yoy,
        compare=lambda row: (_dec(row["prior"]), _dec(row["value"])),
        compared=("上期数值", "Last period"),
    ),
    Rule(
        "derived_recomputed",
        ("计算值与公式不符", "Does not match its formula"),
        ("请核对该数值及其组成数值。", "Check the figure and the figures it is computed from."),
        suites=("group",),
        expect=_expect_derived,
        describe=_describe_derived,
        compare=_recomputed_vs_value,
        compared=("按公式计算", "Its formula gives"),
    ),
    Rule(
        "derived_recomputed_with_factors",
        ("按折算系数计算的值不符", "Does not match its formula with the registry's factors"),
        ("请核对所用折算系数。", "Check which conversion factors were used."),
        severity="warning",
        suites=("group",),
        expect=lambda rule, catalog: [within(rule, "tolerance", "gap", where('row == "derived"', "factor_based"))],
        describe=_describe_derived,
        compare=_recomputed_vs_value,
        compared=("按折算系数计算", "With the registry's factors"),
    ),
    Rule(
        "published_vs_computed",
        ("已发布值与计算值不符", "Published figure differs from the entity data"),
        ("请核对已发布的数值。", "Check the published figure."),
        severity="warning",
        suites=("group",),
        expect=lambda rule, catalog: [within(rule, "tolerance", "gap", where('row == "versus"'))],
        describe=_describe_versus,
        compare=_recomputed_vs_value,
        compared=("按单位数据计算", "The entity data give"),
    ),
    # --- rules found while a workbook is read: their message is made where they are found ---
    Rule(
        "text_in_number_cell",
        ("数值单元格中填写了文字", "Text in a number cell"),
        (
            "请只填写数字（可带千分位），不要填写单位或文字；无数据请留空。",
            "Enter a number only (thousands separators are fine), no units or words; leave blank if none.",
        ),
    ),
    Rule(
        "date_in_number_cell",
        ("数值单元格为日期格式", "A date where a number belongs"),
        (
            "该单元格被设置为日期或时间格式；请将格式改为“常规”或“数值”后填写数字。",
            "The cell is formatted as a date or time; set it to General or Number and type the figure.",
        ),
    ),
    Rule(
        "percent_in_number_cell",
        ("数值单元格为百分比格式", "A percentage where a plain number belongs"),
        (
            "该指标不是百分比；请将格式改为“常规”或“数值”，按“计量单位”列的单位填写。",
            "This figure is not a percentage; set the cell to General or Number and use the unit shown.",
        ),
    ),
    Rule(
        "value_too_large",
        ("数值过大", "Far too large"),
        ("请核对数值和单位。", "Check the figure and its unit."),
    ),
    Rule(
        "too_many_digits",
        ("有效数字过多", "Too many significant digits"),
        ("请按需要的精度填写（最多15位有效数字）。", "Round the figure as it should be published (15 digits at most)."),
    ),
    Rule(
        "duplicate_defined_name",
        ("同一名称定义了两次", "A name is defined twice"),
        ("请使用原模板重新填写。", "Fill in the original template again."),
    ),
    Rule(
        "error_value",
        ("单元格显示错误值", "The cell shows an error value"),
        ("请改正公式或直接填写数字。", "Fix the formula or type the number."),
    ),
    Rule(
        "formula_without_cached_value",
        ("公式没有计算结果", "Formula without a saved result"),
        (
            "请打开文件重新计算后保存，或直接填写数字。",
            "Open the file, let it recalculate and save, or type the number.",
        ),
    ),
    Rule(
        "estimate_mark",
        ("实际/估算标记无法识别", "Actual/estimated mark not recognised"),
        (
            "请在“实际/估算”列选择“实际 Actual”或“估算 Estimated”（也可填写 实际、估算、估计、A、E）；实际数可留空。",
            "Choose 'Actual' or 'Estimated' in the Actual/Estimated column (actual, estimated, A or E also do); "
            "leave it blank for an actual figure.",
        ),
    ),
    Rule("indicator_not_for_entity", ("该单位不填报此指标", "Not reported by this entity"), _OWN_TEMPLATE),
    Rule("derived_not_input", ("该指标由系统计算", "Computed by esgflow"), _OWN_TEMPLATE),
    Rule(
        "defined_name_moved",
        ("模板结构被改动", "The template's structure was changed"),
        ("请使用原模板重新填写。", "Fill in the original template again."),
    ),
    Rule(
        "template_version",
        ("模板版本无法识别", "Template version not recognised"),
        ("请使用为本期发送的模板填写。", "Fill in the template sent for this period."),
    ),
    Rule(
        "template_version_newer",
        ("模板版本比本系统新", "Template newer than this esgflow"),
        (
            "该文件由较新版本的 esgflow 生成；请联系 ESG 工作办公室升级系统后重新导入，无需修改文件。",
            "The file was made by a newer esgflow; the ESG office updates esgflow and ingests it again. "
            "Nothing in the file needs changing.",
        ),
    ),
    Rule(
        "not_in_older_template",
        ("旧版模板缺少此项", "Not in this older template"),
        (
            "请使用本期最新版模板填写全部数值（包括此项）后发送，新文件将替代本次填报。",
            "Fill in this period's current template with all figures, this one included, and send it; "
            "it replaces this return.",
        ),
        severity="warning",
    ),
    Rule(
        "split_incomplete",
        ("拆分行不完整", "Split row incomplete"),
        (
            "每个拆分行须同时填写地点和数量；不用的行全部留空。",
            "Each split row needs both a place and an amount; leave unused rows entirely blank.",
        ),
    ),
    Rule(
        "split_unknown_location",
        ("拆分地点无法识别", "Unknown place in the split"),
        ("请从列表中选择省份或国家。", "Choose a province or country from the list."),
    ),
    Rule(
        "split_duplicate_location",
        ("拆分地点重复", "Place named twice in the split"),
        ("同一地点的数量请合并填写在一行。", "Put all of a place's amount in one row."),
    ),
    Rule(
        "split_sum",
        ("拆分之和不等于合计", "Split does not add up to the total"),
        ("请核对各行数量和合计，使两者一致。", "Check the rows and the total, and make them agree."),
    ),
    Rule(
        "split_without_total",
        ("有拆分但合计未填", "Split without its total"),
        ("请填写拆分所对应的合计。", "Enter the total the split adds up to."),
    ),
    *(
        Rule(
            f"{name}_missing",
            (f"未填写{zh}", f"{en}: not named"),
            (
                f"请在所示单元格填写{zh}姓名后重新发送。",
                f"Type the name ({en.lower()}) in the cell shown and send the file again.",
            ),
        )
        for name, (zh, en) in glossary.SIGNATORIES.items()
        if name in REQUIRED_PEOPLE
    ),
    Rule(
        "empty_return",
        ("未填写任何数值", "No figure filled in"),
        ("请填写本期数值后重新发送。", "Fill in this period's figures and send the file again."),
    ),
]
# The unit-slip and part-without-whole rules live beside (checks.slips, checks.wholes), built from the helpers above.
from esgflow.checks.register_rules import REGISTER_RULES  # noqa: E402
from esgflow.checks.slips import SLIP_RULES  # noqa: E402
from esgflow.checks.wholes import WHOLE_RULES  # noqa: E402

_RULES += SLIP_RULES + WHOLE_RULES + REGISTER_RULES
RULES: dict[str, Rule] = {r.name: r for r in _RULES}


def compared_label(rule: str) -> tuple[str, str]:
    """What the figure a finding of this rule was compared with is (zh, en): its `expected`."""
    known = RULES.get(rule)
    return known.compared if known else Rule.compared


def wording(rule: str, lang: str) -> tuple[str, str]:
    """(name, what to do) of a rule in a language; a rule without wording is named by its code."""
    known = RULES.get(rule)
    title, action = (known.title, known.action) if known else ((rule, rule), ("请核对该数值。", "Check this figure."))
    return (title[0], action[0]) if lang == "zh" else (title[1], action[1])


def expectations(suite: str, catalog: Catalog) -> list[Expectation]:
    """The expectations of a suite, rule by rule in RULES order."""
    return [e for r in _RULES if suite in r.suites and r.expect for e in r.expect(r, catalog)]
