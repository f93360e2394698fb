"""The words of the report page: the same sentences in both languages, English in English typography."""

from __future__ import annotations

import re
import string

from esgflow.report.page_text import TEXT


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_say_the_same_things_with_the_same_blanks() -> None:
    assert TEXT["zh"].keys() == TEXT["en"].keys()
    assert {k: _fields(v) for k, v in TEXT["zh"].items() if k != "signed_off"} == {
        k: _fields(v) for k, v in TEXT["en"].items() if k != "signed_off"
    }
    assert _fields(TEXT["zh"]["signed_off"]) <= _fields(TEXT["en"]["signed_off"])  # the zh sentence is of 本期


def test_the_english_words_use_english_typography() -> None:
    for key, text in TEXT["en"].items():
        assert re.findall(r"[，。；：（）、“”‘]", re.sub(r"“[^”]*”", "", text)) == [], key
        assert "'" not in text and '"' not in text, key  # curly quotes and apostrophes only
        assert not re.search(r"\d %", text), key  # 5%, not 5 %
