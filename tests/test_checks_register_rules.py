"""The registers' findings are worded in both languages (esgflow.checks.register_rules), like every other rule."""

from esgflow.checks.register_rules import REGISTER_RULES
from esgflow.checks.rules import RULES, wording


def test_every_register_rule_is_registered_and_worded_in_chinese_and_english() -> None:
    names = [r.name for r in REGISTER_RULES]
    assert {"table_required", "table_enum", "table_range", "table_number", "table_missing"} <= set(names)
    for name in names:
        assert RULES[name] is next(r for r in REGISTER_RULES if r.name == name)
        zh_title, zh_action = wording(name, "zh")
        en_title, en_action = wording(name, "en")
        assert zh_title != en_title and zh_action != en_action, name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh_title + zh_action), name
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in en_title + en_action), name
    assert "纬度" in wording("table_range", "zh")[1] and "latitude" in wording("table_range", "en")[1]
