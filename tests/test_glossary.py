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
