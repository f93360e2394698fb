"""The appendix as an HTML page per language: a table per pillar with a trend chart per indicator,
the comparison with the published figures, the published report's own contradictions, restatements
and the disclosure index, folded away until asked for.

Every figure goes through `esgflow.display`, so that it looks as it does in the workbook and the letters.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from pathlib import Path

from markupsafe import Markup

from esgflow import glossary, pages
from esgflow.catalog import Catalog
from esgflow.display import MISSING, moment, readable, written_places
from esgflow.findings import Finding
from esgflow.report import estimates
from esgflow.report.charts import Point, Scale, trend_chart
from esgflow.report.coverage import MARK
from esgflow.report.disclosure import IndexEntry
from esgflow.report.page_sections import (
    Td,
    contradictions,
    disclosure_section,
    list_separator,
    own_summary,
    restatements,
    scope3_screening,
    scope3_state_cell,
    table,
    unit_of,
    versus,
)
from esgflow.report.page_text import TEXT
from esgflow.report.registers import registers_section
from esgflow.report.tables import AppendixTable, Cell, Column, Row
from esgflow.report.targets import targets_section

__all__ = ["TEXT", "render_page", "write_page"]

LIKE_SIZE = 10  # figures in one unit whose largest values are within this factor share a chart scale


def _year_head(column: Column, lang: str) -> str:
    # the same label as appendix.xlsx's header (esgflow.glossary.restated)
    return escape(glossary.restated(column.year, lang) if column.key.endswith("_restated") else column.year)


def render_page(table_: AppendixTable, entries: list[IndexEntry], catalog: Catalog, lang: str) -> str:
    t = TEXT[lang]
    differing, contradicted, unpublished = table_.differing(), table_.contradicted(), table_.not_published()
    differences = table_.differences()
    body: list[str] = []
    contents: list[tuple[str, str]] = []
    year_keys = [c.key for c in table_.columns if not c.key.endswith("_restated")]
    empty_years = set(table_.empty_years())
    shown_cells: list[str] = []
    for pillar, names in catalog.pillars.items():
        rows = [r for r in table_.rows if r.indicator.pillar == pillar]
        if not rows:
            continue
        contents.append((f"pillar-{pillar}", escape(names[lang])))
        scales = _shared_scales(rows, year_keys)
        heads = [Td(t["indicator"]), Td(t["unit"])]
        heads += [Td(_year_head(c, lang), "num") for c in table_.columns] + [Td(t["trend"], "trend")]
        lines = []
        for r in rows:
            ind = r.indicator
            cells = [Td(escape(ind.name(lang))), Td(escape(unit_of(ind, lang)), "unit")]
            places = r.places()
            for c in table_.columns:
                css, shown = _cell(
                    r.cells[c.key], c, ind.code, (ind.decimals, places), (differing, contradicted, unpublished), lang
                )
                if r.cells[c.key] is None and (state := scope3_state_cell(table_, ind.code, c.key, lang)):
                    css, shown = "num state", state
                shown_cells.append(shown)
                # the estimate mark sits inside the figure's cell, after any other mark
                cells.append(Td(shown + estimates.html_mark(table_.estimated_from(r, c), lang), css))
            points = [
                Point(
                    k,
                    cell.value if (cell := r.cells[k]) else None,
                    cell.shown(ind.decimals, places) if cell else MISSING,
                )
                for k in year_keys
            ]
            cells.append(Td(trend_chart(points, scales[ind.code], unit_of(ind, lang), lang), "trend"))
            lines.append((f' id="{ind.code}"', cells))
        # a column empty in this section is left out, but a year with no figures at all keeps its column
        years = frozenset(2 + i for i, c in enumerate(table_.columns) if c.key in empty_years)
        body.append(f'<h2 id="pillar-{pillar}">{escape(names[lang])}</h2>{table(heads, lines, "appendix", years)}')
    notes: list[str] = []
    for year in table_.empty_years():
        why = "empty_period" if year == table_.period and table_.coverage else "empty_year"
        notes.append(t[why].format(year=escape(year)))
    if any(e.answer for e in entries):  # the period's answers are known: say how many mandatory items are open
        link = f'<a href="#index">{escape(t["index"])}</a>'  # the link is markup, kept out of the words
        notes.append(t["open_items"].format(n=sum(e.comply_or_explain for e in entries), index=link))
    if any(MISSING in s for s in shown_cells):
        notes.append(t["missing_note"])
    if any("× 10" in s for s in shown_cells):
        notes.append(t["tiny_note"])
    sections = versus(table_, differences, lang) + contradictions(table_, catalog, lang)
    sections += restatements(table_, catalog, lang) + targets_section(table_.targets, catalog, lang)
    sections += scope3_screening(table_, lang) + registers_section(table_.registers, catalog, lang)
    for anchor, title in (
        ("versus", t["versus"]),
        ("contradictions", t["own"]),
        ("restatements", t["restatements"]),
        ("targets", t["targets"]),
        ("scope3", t["scope3"]),
        ("registers", t["registers"]),
    ):
        if any(f'id="{anchor}"' in s for s in sections):
            contents.append((anchor, title))
    index = disclosure_section(entries, catalog, {r.indicator.code for r in table_.rows}, lang) if entries else []
    if index:
        contents.append(("index", t["index"]))
    provisional = f"{MARK} – " if table_.coverage else ""
    head = [
        f"<h1>{t['title']} {escape(table_.period)}</h1>",
        table_.coverage.html(lang) if table_.coverage else "",
        f"<p>{t['computed']}</p>",
        '<nav class="contents">' + "".join(f'<a href="#{a}">{title}</a>' for a, title in contents) + "</nav>",
    ]
    if table_.signoff:
        signed = t["signed_off"].format(
            period=escape(table_.period), by=escape(table_.signoff.signed_by), date=moment(table_.signoff.signed_at)
        )
        head.append(f'<p class="signoff" id="signoff">{signed}</p>')
    head += estimates.html_summary(table_, lang)
    legend = [
        t[k]
        for k, shown in (
            ("legend_differs", differing),
            ("legend_contradicted", contradicted),
            ("legend_unpublished", unpublished),
        )
        if shown
    ]
    if legend:
        head.append('<p class="legend">' + "".join(f"<span>{text}</span>" for text in legend) + "</p>")
    head.append(f'<p class="note charts">{t["charts_note"]}</p>')  # about the charts, which paper leaves out
    head.append("".join(f'<p class="note">{n}</p>' for n in notes))
    # one environment and one stylesheet for every page esgflow writes (esgflow.pages); the body is built
    # here with every value escaped, so it goes into the page as markup
    return pages.environment().get_template("report.html").render(
        css=pages.stylesheet(), lang=lang, html_lang=lang, title=f"{provisional}{t['title']} {table_.period}",
        content=Markup("".join([*head, *body, *sections, *index])),
    )  # fmt: skip


def _shared_scales(rows: list[Row], year_keys: list[str]) -> dict[str, Scale]:
    """indicator -> the scale of its chart. Rows of a section in the same unit and of like size (the largest
    figures within a factor of ten) share one, so their heights compare; a row in its own unit or a hundred
    times smaller than its neighbours gets its own, rather than a flat line at the bottom."""
    values = {r.indicator.code: [c.value if (c := r.cells[k]) else None for k in year_keys] for r in rows}
    sizes = {code: max((abs(v) for v in vs if v is not None), default=Decimal(0)) for code, vs in values.items()}
    scales: dict[str, Scale] = {}
    for unit_ in dict.fromkeys(r.indicator.unit for r in rows):
        codes = sorted((r.indicator.code for r in rows if r.indicator.unit == unit_), key=lambda c: sizes[c])
        group: list[str] = []
        for code in [*codes, None]:
            if group and (code is None or sizes[code] > LIKE_SIZE * max(sizes[group[0]], Decimal("1E-30"))):
                scale = Scale.over([v for c in group for v in values[c]])
                scales.update(dict.fromkeys(group, scale))
                group = []
            if code is not None:
                group.append(code)
    return scales


def _cell(
    cell: Cell | None,
    column: Column,
    code: str,
    precision: tuple[int, int],  # the catalog's decimals, and the places its row is shown with
    marks: tuple[dict[str, Decimal], dict[tuple[str, str], list[Finding]], set[str]],
    lang: str,
) -> tuple[str, str]:
    """(class, content) of a figure of the main table, marked where it differs from what was published,
    contradicts the report, or was not published at all."""
    differing, contradicted, unpublished = marks
    t = TEXT[lang]
    if cell is None:
        return "num", MISSING
    css, mark = ["num"], ""
    if cell.basis.startswith("computed"):
        css.append("computed")
        if column.key == column.year and code in unpublished:
            css.append("unpublished")
            mark = f'<span class="mark" title="{escape(t["unpublished"])}">*</span>'
        elif column.key == column.year and code in differing:
            css.append("differs")
            published = differing[code]
            title = f"{t['was_published']}: {readable(published, written_places(published))}"
            mark = f'<a class="mark" href="#versus-{code}" title="{escape(title)}">≠</a>'
    elif cell.basis == "published" and (code, column.year) in contradicted:
        css.append("contradicted")
        title = list_separator(lang).join(own_summary(f, lang) for f in contradicted[(code, column.year)])
        mark = f'<a class="mark" href="#own-{code}-{column.year}" title="{escape(title)}">!</a>'
    return " ".join(css), cell.shown(*precision) + mark


def write_page(table_: AppendixTable, entries: list[IndexEntry], catalog: Catalog, lang: str, path: Path) -> None:
    path.write_text(render_page(table_, entries, catalog, lang), encoding="utf-8")
