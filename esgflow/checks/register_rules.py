"""The wording of the registers' findings (esgflow.workbooks.register_rows): a bad cell of a table a return
answers row by row. Each rule's title and what to do are said in both languages, so that a reporter reads them
in their own like every other finding; the register rules are added to esgflow.checks.rules.RULES."""

from __future__ import annotations

from esgflow.checks.rules import Rule

REGISTER_RULES = [
    Rule(
        "table_required",
        ("表格必填项为空", "A required cell of a table is blank"),
        (
            "该行已填写，请补全所有黄色列；不用的行请全部清空。",
            "The row is in use: fill every yellow column, or clear the whole row.",
        ),
    ),
    Rule(
        "table_enum",
        ("表格选项无法识别", "Not one of the table's choices"),
        (
            "请从下拉列表中选择（也可只填中文或英文选项）。",
            "Choose from the drop-down list (its Chinese or English words alone also do).",
        ),
    ),
    Rule(
        "table_range",
        ("表格数值超出范围", "A table figure out of range"),
        (
            "请核对数值：纬度在 -90 至 90 之间，经度在 -180 至 180 之间（十进制度数）。",
            "Check the figure: latitude is -90 to 90 and longitude -180 to 180 (decimal degrees).",
        ),
    ),
    Rule(
        "table_number",
        ("表格数值单元格中填写了文字", "Text in a number column of a table"),
        ("请只填写数字，不要填写单位或文字。", "Enter a number only, without units or words."),
    ),
    Rule(
        "table_cell",
        ("表格单元格无法读取", "A table cell cannot be read"),
        (
            "请直接填写内容（不要使用公式），文字不超过500字。",
            "Type the value (no formula), text up to 500 characters.",
        ),
    ),
    Rule(
        "table_column_missing",
        ("表格缺少列", "A table column is missing"),
        (
            "请使用原模板中的表格填写，不要删除或改名列。",
            "Fill in the template's table; do not delete or rename columns.",
        ),
    ),
    Rule(
        "table_ref",
        ("表格范围无法读取", "The table's range cannot be read"),
        ("请使用原模板中的表格填写。", "Fill in the template's table."),
    ),
    Rule(
        "table_missing",
        ("缺少表格", "A table is missing"),
        ("请使用本期模板，填写其中的表格后重新发送。", "Fill in the tables of this period's template and send it."),
        severity="warning",
    ),
]
