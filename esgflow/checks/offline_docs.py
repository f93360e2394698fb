"""Data Docs that show their results on an office network without the internet.

Great Expectations writes pages that take Bootstrap, bootstrap-table, jQuery, Font Awesome and
Vega from CDNs; without them the index draws no list of runs at all. After each build the
pages it wrote are pointed at the files shipped in `data_docs_assets/` instead (jQuery as
Debian ships it, and a small stylesheet and script of esgflow's own), copied into the site so
that it stays whole when the folder is moved or served by the portal.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

ASSETS = Path(__file__).parent / "data_docs_assets"
LOCAL = Path("static") / "esgflow"  # where the assets go in the site
RUN_PAGES = "esgflow"  # the site's folder of esgflow's own pages, one per validation run

_REMOTE_STYLE = re.compile(r"""<link\b[^>]*\bhref=["']https?://[^"']*["'][^>]*>[ \t]*\n?""", re.IGNORECASE)
_REMOTE_SCRIPT = re.compile(
    r"""<script\b[^>]*\bsrc=["']https?://[^"']*["'][^>]*>\s*</script>[ \t]*\n?""", re.IGNORECASE
)
_REMOTE_IMAGE = re.compile(r"""(<img\b[^>]*\bsrc=)["']https?://[^"']*?/([\w.-]+)(?:\?[^"']*)?["']""", re.IGNORECASE)
_STATIC = re.compile(r"""((?:src|href)=["'])((?:\.\./)*)static/([^"'?#]+)""", re.IGNORECASE)
_MARK = "<!-- esgflow: local assets -->"
_BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)


def install_assets(site: Path) -> None:
    """Copy the shipped assets into the site (again only when they changed)."""
    target = site / LOCAL
    target.mkdir(parents=True, exist_ok=True)
    for asset in ASSETS.iterdir():
        copy = target / asset.name
        if not copy.exists() or copy.read_bytes() != asset.read_bytes():
            shutil.copyfile(asset, copy)


def make_offline(page: Path, site: Path) -> bool:
    """Point one page's styles and scripts at the site's own copies; whether the page changed."""
    html = page.read_text("utf-8")
    first = min((m.start() for rx in (_REMOTE_STYLE, _REMOTE_SCRIPT) for m in [rx.search(html)] if m), default=None)
    if first is None or _MARK in html:
        return False
    to = Path(os.path.relpath(site / LOCAL, page.parent)).as_posix()
    local = (
        f'{_MARK}\n<link rel="stylesheet" href="{to}/data-docs.css">\n'
        f'<script src="{to}/jquery.min.js"></script>\n<script src="{to}/tables.js"></script>\n'
    )
    html = html[:first] + local + _REMOTE_SCRIPT.sub("", _REMOTE_STYLE.sub("", html[first:]))
    images = Path(os.path.relpath(site / "static" / "images", page.parent)).as_posix()
    # the logo is fetched with the context's id in its address; the same picture ships in the site
    html = _REMOTE_IMAGE.sub(
        lambda m: f'{m.group(1)}"{images}/{m.group(2)}"' if (site / "static" / "images" / m.group(2)).is_file()
        else f'{m.group(1)}""',
        html,
    )  # fmt: skip
    if page == site / "index.html":  # the way from Great Expectations' list to the office's own pages
        banner = (
            '<div class="alert" style="margin:0">esgflow: '
            f'<a href="{RUN_PAGES}/index.html">按单位、指标和单元格列出的校验结果 · '
            "Validation results by entity, indicator and cell</a></div>"
        )
        html = _BODY.sub(lambda m: m.group(0) + banner, html, count=1)
    # Great Expectations counts one folder too few on a run's page (its favicon points outside the site)
    static = Path(os.path.relpath(site / "static", page.parent)).as_posix()
    html = _STATIC.sub(lambda m: f"{m.group(1)}{static}/{m.group(3)}", html)
    page.write_text(html, "utf-8")
    return True


def offline_site(site: Path, pages: list[Path]) -> None:
    """Install the assets and rewrite the pages a build wrote (the index and suites are rewritten by every build)."""
    install_assets(site)
    for page in [site / "index.html", *sorted((site / "expectations").glob("*.html")), *pages]:
        if page.is_file():
            make_offline(page, site)
