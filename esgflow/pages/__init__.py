"""One way to write HTML: one Jinja environment over the template files in `templates/` (a base page
and the pages and partials that extend or include it), and one stylesheet, `style.css`.

The portal's pages are written through it (esgflow.portal.render gives them their words); every
value is escaped unless a template says otherwise (none does).
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

from jinja2 import Environment, FileSystemLoader, select_autoescape

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
    return env


@cache
def stylesheet() -> str:
    """The one stylesheet, as the pages carry it in their <style>."""
    return (resources.files("esgflow.pages") / "style.css").read_text("utf-8")
