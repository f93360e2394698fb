"""The portal's HTML: escaped by default, in both languages, nothing fetched from elsewhere."""

from __future__ import annotations

import re

from esgflow.portal.render import WORDS, render, word


def test_every_word_has_both_languages() -> None:
    assert all((zh and en and zh != en) or key == "office" for key, (zh, en) in WORDS.items())
    assert word("upload", "zh") == "上传填报文件" and word("upload", "en") == "Upload your return"
    assert word("no-such-word", "en") == "no-such-word"


def test_values_are_escaped() -> None:
    page = render("message.html", "en", viewer=None, heading="<script>x</script>", text="a & b", back="/")
    assert "<script>x" not in page and "&lt;script&gt;x" in page and "a &amp; b" in page


def test_pages_load_nothing_from_elsewhere() -> None:
    page = render("message.html", "zh", viewer=None, heading="h", text="t", back=None)
    assert not re.search(r"(src|href)=\"(https?:)?//", page) and "<script" not in page
    assert 'lang="zh-CN"' in page and "system-ui" in page


def test_no_page_prints_a_bidirectional_override_or_invisible_mark_as_such() -> None:
    from esgflow.portal.render import render

    page = render("message.html", "en", viewer=None, heading="SAMI_2024\u202exslx.exe", text="a\u200bb", back="/")
    assert "\u202e" not in page and "\u200b" not in page
    assert "SAMI_2024\\u202exslx.exe" in page and "a\\u200bb" in page  # shown escaped: what is stored, visibly
