"""Data Docs that show their results without the internet: every style and script is the site's own."""

from __future__ import annotations

import re
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from esgflow.catalog import Catalog
from esgflow.checks.frames import checked_value, submission_frame
from esgflow.checks.gx_run import build_data_docs, validator_for
from esgflow.checks.offline_docs import ASSETS, LOCAL, make_offline

TAGS = re.compile(r"<(?:script|link|img)\b[^>]*?\b(?:src|href)=[\"']([^\"']*)[\"']", re.IGNORECASE)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Path:
    home = tmp_path_factory.mktemp("offline")
    frame = submission_frame([checked_value("a", "env_diesel", Decimal("-1"), catalog)], catalog)
    validator_for(home, catalog).run("submission", frame, run_name="test-offline")
    build_data_docs(home)
    return home / "gx" / "uncommitted" / "data_docs" / "local_site"


def _pages(site: Path) -> list[Path]:
    return [p for p in site.rglob("*.html") if "esgflow" not in p.relative_to(site).parts]


def test_no_data_docs_page_takes_a_style_script_or_image_from_the_internet(site: Path) -> None:
    pages = _pages(site)
    assert {"index.html", "submission.html"} <= {p.name for p in pages} and len(pages) >= 3  # index, suite, run
    for page in pages:
        html = page.read_text("utf-8")
        for address in TAGS.findall(html):
            assert not address.startswith(("http:", "https:", "//")), (page, address)
            if address and not address.startswith(("#", "data:")):
                assert (page.parent / address.split("?")[0]).resolve().is_file(), (page, address)
        assert "static/esgflow/tables.js" in html and "static/esgflow/data-docs.css" in html


def test_the_assets_ship_with_the_package(site: Path) -> None:
    shipped = resources.files("esgflow.checks") / "data_docs_assets"
    assert {p.name for p in ASSETS.iterdir()} == {"jquery.min.js", "tables.js", "data-docs.css"}
    assert (shipped / "jquery.min.js").read_text("utf-8").startswith("/*! jQuery v3")
    for asset in ASSETS.iterdir():
        assert (site / LOCAL / asset.name).read_bytes() == asset.read_bytes()


def test_the_index_leads_to_the_offices_run_pages(site: Path) -> None:
    html = (site / "index.html").read_text("utf-8")
    assert 'href="esgflow/index.html"' in html and "Validation results by entity, indicator and cell" in html


def test_a_page_is_rewritten_once(tmp_path: Path) -> None:
    page = tmp_path / "validations" / "s" / "run" / "t" / "page.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        '<html><head><link rel="stylesheet" href="https://cdn.example/b.css"/>\n'
        '<script src="https://cdn.example/jq.js"></script>\n<script>$(1)</script></head><body>'
        '<img src="https://assets.example/logo-long.png?d=1&dataContextId=x" alt="logo"></body></html>',
        "utf-8",
    )
    assert make_offline(page, tmp_path) and not make_offline(page, tmp_path)
    html = page.read_text("utf-8")
    assert "https://" not in html and html.count("tables.js") == 1
    assert html.index("../../../../static/esgflow/jquery.min.js") < html.index("<script>$(1)</script>")
    assert 'src="" alt="logo"' in html  # no such picture in this site: none rather than a call home
