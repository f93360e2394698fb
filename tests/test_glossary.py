"""One glossary (esgflow.glossary): letters, pages, workbooks and the validation pages use its words."""

from __future__ import annotations

from esgflow import glossary
from esgflow.feedback import annotate
from esgflow.portal import render


def test_a_severity_is_one_word_wherever_it_is_shown() -> None:
    for key, words in glossary.SEVERITY.items():
        assert render.WORDS[key] == words, key
    for lang, i in (("zh", 0), ("en", 1)):
        assert annotate.SEVERITY[lang] == {s: glossary.SEVERITY[s][i] for s in ("error", "warning")}
    assert glossary.SEVERITY["info"] == ("信息", "Note")  # not 说明, the word of the note cells


def test_the_feedback_sheet_and_the_portal_head_their_columns_alike() -> None:
    for lang, i in (("zh", 0), ("en", 1)):
        sheet = dict(
            zip(("severity", "sheet", "cell", "indicator", "rule", "todo"), annotate.HEADERS[lang], strict=False)
        )
        assert sheet == {key: render.WORDS[key][i] for key in sheet}


def test_an_unknown_severity_is_named_by_its_code() -> None:
    assert glossary.severity("warning", "zh") == "提示" and glossary.severity("fatal", "en") == "fatal"


def test_a_status_is_one_word_in_the_mails_subject_and_the_portals_table() -> None:
    for status in ("not_submitted", "accepted", "accepted_with_warnings"):
        assert render.WORDS[status] == glossary.STATUS[status]
    assert glossary.STATUS["rejected"] == ("未通过", "not accepted")  # as the letters' subjects have always said


def test_the_letter_and_the_validation_pages_say_what_to_do_under_the_glossarys_word() -> None:
    assert glossary.COLUMNS["todo"][0] == "处理办法"  # the letters' own word: they stay as they were
    assert render.WORDS["todo"] == annotate.HEADERS["zh"][5:6] + annotate.HEADERS["en"][5:6]


def test_how_a_figure_was_made_reads_chinese_with_its_codes_and_places_kept() -> None:
    said = {
        "formula: env_ghg_scope1 + env_ghg_scope2_location": "公式：env_ghg_scope1 + env_ghg_scope2_location",
        "sum of 33 entity figures, each with the factors of its location": "33 个单位数值之和，各按所在地的因子计算",
        "sum of 2 reported figures": "2 个填报值之和",
        "reported by SAMI": "由 SAMI 填报",
        "average weighted by env_employees": "以 env_employees 加权平均",
        "env_electricity * grid_co2 at CN-BJ": "env_electricity * grid_co2，地点 CN-BJ",
        "minus env_a * f at CN-SD (split row C12)": "减去 env_a * f，地点 CN-SD（分项行 C12）",
        "env_a * f at CN-SD, 40.00% of the split": "env_a * f，地点 CN-SD，占分项的 40.00%",
        "env_a * f at CN-BJ, CN-SD (split of env_split)": "env_a * f，地点 CN-BJ, CN-SD（按 env_split 分项）",
        "env_spend * eeio [spend-based, data not primary]": "env_spend * eeio［支出法，非一手数据］",
    }
    for how, zh in said.items():
        assert glossary.how_made(how, "zh") == zh
        assert glossary.how_made(how, "en") == how


def test_a_citation_shows_the_chinese_title_its_publication_carries() -> None:
    mee = "MEE and NBS, 关于发布2022年电力二氧化碳排放因子的公告 (公告2024年第33号), 2024-12-20, attachment"
    assert glossary.title_zh(mee) == "《关于发布2022年电力二氧化碳排放因子的公告》：公告2024年第33号"
    assert glossary.title_zh("GB 17930 车用汽油 (motor gasoline), SAMR and SAC") == "GB 17930《车用汽油》"
    assert glossary.title_zh("IPCC, Climate Change 2013: The Physical Science Basis") is None
    assert glossary.unit_zh("kgCO2/kWh") == "千克二氧化碳/千瓦时" and glossary.unit_zh("kg/TJ") == "千克/太焦"
