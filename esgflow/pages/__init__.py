"""One way to write HTML: one Jinja environment over the template files in `templates/` (a base page
and the pages and partials that extend or include it), and one stylesheet, `style.css`.

The portal's pages are written through it (esgflow.portal.render gives them their words); every
value is escaped unless a template says otherwise (none does).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from jinja2 import Environment, FileSystemLoader, select_autoescape

from esgflow import display


@cache
def environment() -> Environment:
    """The one environment, over the template files shipped with esgflow."""
    folder = resources.files("esgflow.pages") / "templates"
    env = Environment(
        loader=FileSystemLoader(str(folder)), autoescape=select_autoescape(default=True, default_for_string=True)
    )
    env.filters["moment"] = display.moment  # Beijing time with its offset, as everywhere people read a time
    return env


@cache
def stylesheet() -> str:
    """The one stylesheet, as the pages carry it in their <style>."""
    return (resources.files("esgflow.pages") / "style.css").read_text("utf-8")
