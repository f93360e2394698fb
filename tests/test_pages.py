"""One way to write HTML (esgflow.pages): one environment over the template files, one stylesheet."""

from __future__ import annotations

from importlib import resources

from esgflow import pages


def test_every_template_file_loads_and_escapes_what_it_is_given() -> None:
    env = pages.environment()
    names = sorted(p.name for p in (resources.files("esgflow.pages") / "templates").iterdir())
    assert "base.html" in names and env.list_templates() == names
    for name in names:
        env.get_template(name)  # each parses, and finds what it extends or includes
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert pages.environment() is env  # one environment, made once


def test_the_stylesheet_is_the_one_file_the_pages_carry() -> None:
    css = pages.stylesheet()
    assert "body{" in css and css == (resources.files("esgflow.pages") / "style.css").read_text("utf-8")
