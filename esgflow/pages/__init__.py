"""One way to write HTML: one Jinja environment over the template files in `templates/` (a base page
and the pages and partials that extend or include it), and one stylesheet, `style.css`.

The portal's pages (esgflow.portal.render gives them their words), the report page (esgflow.report.html)
and the validation run pages (esgflow.checks.run_page) are written through it, each with the one
stylesheet; every value is escaped, except the stylesheet and the report page's body, which the report
builds with every value escaped.
"""

from __future__ import annotations

import html
import unicodedata
from functools import cache
from importlib import resources

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from esgflow import display
from esgflow.safety import shown


def _visible(value: object) -> object:
    """Every value a page prints, with format characters (bidirectional overrides such as U+202E, which
    make 'xlsx.exe' read 'exe.xlsx', and zero-width marks) written as escapes: what is shown is what is stored."""
    if not isinstance(value, str) or not any(unicodedata.category(ch) == "Cf" for ch in value):
        return value
    return "".join(shown(ch) if unicodedata.category(ch) == "Cf" else ch for ch in value)


@cache
def environment() -> Environment:
    """The one environment, over the template files shipped with esgflow."""
    folder = resources.files("esgflow.pages") / "templates"
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        finalize=_visible,
    )
    env.filters["moment"] = display.moment  # Beijing time with its offset, as everywhere people read a time
    # a value put into the report page's own words (`format`) is escaped as its other values are
    env.filters["text"] = lambda value: _html_text(str(value))
    return env


def _html_text(value: object) -> object:
    """A value of the report page, escaped as the page always escaped it (Python's html.escape: &#x27;,
    &quot;), so that the page stays byte for byte what it was; markup passes as it is."""
    value = _visible(value)
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return Markup(html.escape(value))


@cache
def report_environment() -> Environment:
    """The one environment as the report page's partials use it: the same loader, filters and autoescape,
    every value escaped on its way into the page (by `_html_text`)."""
    return environment().overlay(finalize=_html_text)


@cache
def stylesheet() -> Markup:
    """The one stylesheet, as the pages carry it in their <style>: a file of esgflow's own, so not escaped
    (escaped, its quoted font names and child selectors ('"Noto Sans CJK SC"', 'details>summary') broke)."""
    return Markup((resources.files("esgflow.pages") / "style.css").read_text("utf-8"))
