"""What each rule is called and what the reporter should do, in Chinese and English."""

from __future__ import annotations

# rule -> (zh name, en name, zh action, en action)
RULES: dict[str, tuple[str, str, str, str]] = {
    "required": (
        "必填项缺失",
        "Required figure missing",
        "请填写该数值；如确无此项数据，请在“说明”列写明原因。",
        "Enter the figure; if there truly is none, explain why in its note cell.",
    ),
    "type": ("不是数字", "Not a number", "请填写数字。", "Enter a number."),
    "text_in_number_cell": (
        "数值单元格中填写了文字",
        "Text in a number cell",
        "请只填写数字（可带千分位），不要填写单位或文字；无数据请留空。",
        "Enter a number only (thousands separators are fine), no units or words; leave blank if none.",
    ),
    "error_value": (
        "单元格显示错误值",
        "The cell shows an error value",
        "请改正公式或直接填写数字。",
        "Fix the formula or type the number.",
    ),
    "formula_without_cached_value": (
        "公式没有计算结果",
        "Formula without a saved result",
        "请打开文件重新计算后保存，或直接填写数字。",
        "Open the file, let it recalculate and save, or type the number.",
    ),
    "range": (
        "超出允许范围",
        "Out of the allowed range",
        "请核对数值和单位是否正确。",
        "Check the figure and the unit it is asked in.",
    ),
    "whole_number": (
        "应为整数",
        "Must be a whole number",
        "人数、次数等请填写整数。",
        "Counts such as head counts must be whole numbers.",
    ),
    "part_not_above_whole": (
        "分项大于合计",
        "A part is larger than its whole",
        "请核对分项与合计两个数值（注意单位），分项不能大于合计。",
        "Check both figures (mind their units); a part cannot exceed its whole.",
    ),
    "parts_sum_to_total": (
        "分项之和不等于合计",
        "The parts do not add up to the total",
        "请核对各分项和合计，使分项之和等于合计（绿色行显示分项之和）。",
        "Check the parts and the total so that they add up (the green row shows the sum).",
    ),
    "yoy_change_needs_note": (
        "与上期相比变化较大",
        "Large change from last period",
        "如数值无误，请在“说明”列写明变化原因；如有误请更正。",
        "If the figure is right, explain the change in its note cell; otherwise correct it.",
    ),
    "indicator_not_for_entity": (
        "该单位不填报此指标",
        "Not reported by this entity",
        "请使用为本单位生成的模板。",
        "Use the template generated for your entity.",
    ),
    "derived_not_input": (
        "该指标由系统计算",
        "Computed by esgflow",
        "请使用为本单位生成的模板。",
        "Use the template generated for your entity.",
    ),
    "defined_name_moved": (
        "模板结构被改动",
        "The template's structure was changed",
        "请使用原模板重新填写。",
        "Fill in the original template again.",
    ),
    "empty_return": (
        "未填写任何数值",
        "No figure filled in",
        "请填写本期数值后重新发送。",
        "Fill in this period's figures and send the file again.",
    ),
}

STATUS = {
    "accepted": ("已接受，感谢您的填报。", "accepted. Thank you."),
    "accepted_with_warnings": (
        "已接受，但有需要说明的提示，请在“说明”列补充后重新发送。",
        "accepted, with points that need an explanation; add notes and send it again.",
    ),
    "rejected": (
        "未被接受，请按以下说明修改后重新发送。",
        "not accepted; please correct it as described below and send it again.",
    ),
}


def rule_text(rule: str, lang: str) -> tuple[str, str]:
    """(name, action) of a rule in a language."""
    zh, en, zh_do, en_do = RULES.get(rule, (rule, rule, "请核对该数值。", "Check this figure."))
    return (zh, zh_do) if lang == "zh" else (en, en_do)
