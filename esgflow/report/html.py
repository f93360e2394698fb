"""The appendix as an HTML page per language: a table per pillar with a trend chart per indicator,
the comparison with the published figures, the published report's own contradictions, restatements
and the disclosure index, folded away until asked for.

Every figure goes through `esgflow.display`, so that it looks as it does in the workbook and the letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape
from pathlib import Path

from esgflow.catalog import Catalog, Indicator
from esgflow.checks.rules import wording
from esgflow.display import MISSING, moment, readable, unit, written_places
from esgflow.findings import Finding
from esgflow.report import estimates
from esgflow.report.charts import Point, Scale, trend_chart
from esgflow.report.disclosure import FRAMEWORK_NAMES, IndexEntry
from esgflow.report.page_style import STYLE
from esgflow.report.page_text import TEXT
from esgflow.report.tables import AppendixTable, Cell, Column, Row

__all__ = ["TEXT", "render_page", "write_page"]

LIKE_SIZE = 10  # figures in one unit whose largest values are within this factor share a chart scale


@dataclass(frozen=True)
class Td:
    html: str
    css: str = ""

    @property
    def empty(self) -> bool:
        return self.html.strip() in ("", MISSING)

    def render(self) -> str:
        return f'<td class="{self.css}">{self.html}</td>' if self.css else f"<td>{self.html}</td>"


def table(heads: list[Td], rows: list[tuple[str, list[Td]]], css: str = "") -> str:
    """A table with its header repeated on every printed page, leaving out a column empty in every row."""
    keep = [i for i in range(len(heads)) if any(not cells[i].empty for _, cells in rows)]
    head = "".join(
        f'<th class="{heads[i].css}">{heads[i].html}</th>' if heads[i].css else f"<th>{heads[i].html}</th>"
        for i in keep
    )
    body = "".join(f"<tr{attrs}>{''.join(cells[i].render() for i in keep)}</tr>" for attrs, cells in rows)
    opening = f'<table class="{css}">' if css else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _unit(ind: Indicator, lang: str) -> str:
    return unit(ind.unit_zh if lang == "zh" else ind.unit)


def _year_head(column: Column, t: dict[str, str]) -> str:
    return f"{escape(column.year)} ({t['restated']})" if column.key.endswith("_restated") else escape(column.year)


def render_page(table_: AppendixTable, entries: list[IndexEntry], catalog: Catalog, lang: str) -> str:
    t = TEXT[lang]
    differing, contradicted, unpublished = table_.differing(), table_.contradicted(), table_.not_published()
    differences = table_.differences()
    body: list[str] = []
    contents: list[tuple[str, str]] = []
    year_keys = [c.key for c in table_.columns if not c.key.endswith("_restated")]
    shown_cells: list[str] = []
    for pillar, names in catalog.pillars.items():
        rows = [r for r in table_.rows if r.indicator.pillar == pillar]
        if not rows:
            continue
        contents.append((f"pillar-{pillar}", escape(names[lang])))
        scales = _shared_scales(rows, year_keys)
        heads = [Td(t["indicator"]), Td(t["unit"])]
        heads += [Td(_year_head(c, t), "num") for c in table_.columns] + [Td(t["trend"])]
        lines = []
        for r in rows:
            ind = r.indicator
            cells = [Td(escape(ind.name(lang))), Td(escape(_unit(ind, lang)), "unit")]
            for c in table_.columns:
                css, shown = _cell(
                    r.cells[c.key], c, ind.code, ind.decimals, (differing, contradicted, unpublished), lang
                )
                shown_cells.append(shown)
                # the estimate mark sits inside the figure's cell, after any other mark
                cells.append(Td(shown + estimates.html_mark(table_.estimated_from(r, c), lang), css))
            points = [
                Point(k, cell.value if (cell := r.cells[k]) else None, cell.shown(ind.decimals) if cell else MISSING)
                for k in year_keys
            ]
            cells.append(Td(trend_chart(points, scales[ind.code], _unit(ind, lang), lang), "trend"))
            lines.append((f' id="{ind.code}"', cells))
        body.append(f'<h2 id="pillar-{pillar}">{escape(names[lang])}</h2>{table(heads, lines, "appendix")}')
    notes = [t["charts_note"]]
    if any(MISSING in s for s in shown_cells):
        notes.append(t["missing_note"])
    if any("× 10" in s for s in shown_cells):
        notes.append(t["tiny_note"])
    sections = _versus(table_, differences, lang) + _contradictions(table_, catalog, lang)
    sections += _restatements(table_, catalog, lang)
    for anchor, title in (("versus", t["versus"]), ("contradictions", t["own"]), ("restatements", t["restatements"])):
        if any(f'id="{anchor}"' in s for s in sections):
            contents.append((anchor, title))
    index = _index(entries, catalog, {r.indicator.code for r in table_.rows}, lang) if entries else []
    if index:
        contents.append(("index", t["index"]))
    head = [
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{t['title']} {escape(table_.period)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{t['title']} {escape(table_.period)}</h1><p>{t['computed']}</p>",
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
    head.append("".join(f'<p class="note">{n}</p>' for n in notes))
    return "".join([*head, *body, *sections, *index, "</body></html>"])


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
    decimals: int,
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
        title = _list(lang).join(_own_summary(f, lang) for f in contradicted[(code, column.year)])
        mark = f'<a class="mark" href="#own-{code}-{column.year}" title="{escape(title)}">!</a>'
    return " ".join(css), cell.shown(decimals) + mark


def _versus(table_: AppendixTable, differences: list[tuple[Row, Decimal, Cell]], lang: str) -> list[str]:
    """The period's computed figures that differ from the published ones, with what the difference means."""
    if not differences:
        return []
    t = TEXT[lang]
    heads = [Td(t["indicator"]), Td(t["unit"]), Td(t["published"], "num"), Td(t["from_returns"], "num")]
    heads.append(Td(t["difference"], "num"))
    rows = []
    for row, published, cell in differences:
        ind = row.indicator
        places = max(ind.decimals, written_places(published))
        computed = cell.value.quantize(Decimal(1).scaleb(-places))
        gap = f"{(computed - published) / published:+.1%}".replace("-", "−") if published else MISSING
        rows.append(
            (
                f' class="versus" id="versus-{ind.code}"',
                [
                    Td(f'<a href="#{ind.code}">{escape(ind.name(lang))}</a>'),
                    Td(escape(_unit(ind, lang)), "unit"),
                    Td(readable(published, written_places(published)), "num"),
                    Td(readable(computed, places), "num computed"),
                    Td(gap, "num"),
                ],
            )
        )
    note = t["versus_note"].format(period=escape(table_.period))
    return [
        f'<section class="explained" id="versus"><h2>{t["versus"]} {escape(table_.period)}</h2><p>{note}</p>',
        table(heads, rows, "versus"),
        "</section>",
    ]


def _contradictions(table_: AppendixTable, catalog: Catalog, lang: str) -> list[str]:
    """The section listing where the published figures disagree with each other, and what that means."""
    if not table_.contradictions:
        return []
    t = TEXT[lang]
    heads = [Td(t["year"]), Td(t["figure"]), Td(t["unit"]), Td(t["rule"]), Td(t["published"], "num")]
    heads += [Td(t["own_figures"], "num"), Td(t["involved"])]
    rows = []
    for f in sorted(table_.contradictions, key=lambda f: (f.period or "", f.indicators)):
        ind = catalog[f.indicators[0]]
        involved = _list(lang).join(escape(catalog[c].name(lang)) for c in f.indicators[1:] if c in catalog)
        actual = MISSING if f.actual is None else readable(f.actual, written_places(f.actual))
        summary = escape(_own_summary(f, lang))
        rows.append(
            (
                f' id="own-{ind.code}-{escape(f.period or "")}" class="contradiction" title="{summary}"',
                [
                    Td(escape(f.period or "")),
                    Td(f'<a href="#{ind.code}">{escape(ind.name(lang))}</a>'),
                    Td(escape(_unit(ind, lang)), "unit"),
                    Td(escape(_typeset(wording(f.rule, lang)[0], lang))),
                    Td(actual, "num"),
                    Td(_like(f.expected, f.actual), "num"),
                    Td(involved),
                ],
            )
        )
    return [
        f'<section class="explained own" id="contradictions"><h2>{t["own"]}</h2><p>{t["own_note"]}</p>',
        table(heads, rows, "contradictions"),
        "</section>",
    ]


def _restatements(table_: AppendixTable, catalog: Catalog, lang: str) -> list[str]:
    """Why restated columns differ: each restatement's reason and the figures it moved, with their causes."""
    if not table_.restatements:
        return []
    t = TEXT[lang]
    parts = [f'<section id="restatements"><h2>{t["restatements"]}</h2>']
    heads = [Td(t["indicator"]), Td(t["unit"]), Td(t["before"], "num"), Td(t["after"], "num"), Td(t["because"])]
    for r in table_.restatements:
        head = t["restatement"].format(
            number=r.number, year=r.period, date=moment(r.restated_at), reason=escape(r.reason)
        )
        parts.append(f'<h3 id="restatement-{escape(r.period)}-{r.number}">{head}</h3>')
        if r.significant:
            parts.append(f'<p class="significant">{t["significant"]}</p>')
        rows = []
        for c in r.changes:
            known = c["indicator"] in catalog.codes
            name = catalog[c["indicator"]].name(lang) if known else c["indicator"]
            places = catalog[c["indicator"]].decimals if known else 6
            causes = [f"{t['factor']} {f}" for f in c["factors"]] + [f"{t['return_of']} {e}" for e in c["entities"]]
            written = _unit(catalog[c["indicator"]], lang) if known else unit(c["unit"])
            cells = [Td(escape(name) + (" *" if c["significant"] else "")), Td(escape(written), "unit")]
            cells += [
                Td(readable(_decimal(c["before"]), places), "num"),
                Td(readable(_decimal(c["after"]), places), "num"),
            ]
            rows.append(("", [*cells, Td(escape(_list(lang).join(causes)))]))
        parts.append(table(heads, rows, "restatement"))
    parts.append("</section>")
    return parts


def _index(entries: list[IndexEntry], catalog: Catalog, shown: set[str], lang: str) -> list[str]:
    """The disclosure index, folded until opened: a compact table per framework; indicators link to their row."""
    t = TEXT[lang]
    counts = t["index_counts"].format(
        items=len(entries),
        answered=sum(1 for e in entries if e.codes),
        explain=sum(1 for e in entries if e.comply_or_explain),
    )
    parts = [
        f'<details class="index" id="index"><summary>{t["index"]}</summary><p>{counts}</p>',
        f'<p class="note">{t["explain_note"]}</p>',
    ]
    heads = [Td(t["item"]), Td(t["item_title"]), Td(t["answered_by"]), Td(t["chapter"])]
    for fw, name in FRAMEWORK_NAMES.items():
        rows = []
        for e in (e for e in entries if e.framework == fw):
            names = _list(lang).join(
                f'<a href="#{c}">{escape(catalog[c].name(lang))}</a>' if c in shown else escape(catalog[c].name(lang))
                for c in e.codes
            )
            if e.comply_or_explain:
                names = f'<span class="explain">{t["explain"]}</span>'
            css = "explain" if e.comply_or_explain else e.status
            cells = [Td(escape(e.item), "item"), Td(escape(e.title(lang))), Td(names), Td(escape(e.chapter), "chapter")]
            rows.append((f' class="{css}"', cells))
        if rows:
            parts.append(f'<h3 id="index-{fw}">{escape(name[lang])}</h3>{table(heads, rows, "index")}')
    parts.append("</details>")
    return parts


def _own_summary(f: Finding, lang: str) -> str:
    """What is wrong with a published figure, in the page's words rather than the checker's codes."""
    colon = "：" if lang == "zh" else ": "
    own = TEXT[lang]["own_figures"]
    return f"{_typeset(wording(f.rule, lang)[0], lang)}{colon}{own} {_like(f.expected, f.actual)}"


def _list(lang: str) -> str:
    """How names are listed: 、 between Chinese names, a semicolon between English ones."""
    return "、" if lang == "zh" else "; "


def _typeset(text: str, lang: str) -> str:
    """English from elsewhere in esgflow in the page's typography: a typewriter apostrophe becomes ’."""
    return text.replace("'", "’") if lang == "en" else text


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _like(value: Decimal | None, published: Decimal | None) -> str:
    """A value at the places of the published figure it is held against, with two significant digits at least."""
    if value is None or published is None or value == 0:
        return MISSING if value is None else readable(value, written_places(value))
    significant = 1 - value.adjusted()  # places that give two significant digits
    return readable(value, max(written_places(published), significant))


def write_page(table_: AppendixTable, entries: list[IndexEntry], catalog: Catalog, lang: str, path: Path) -> None:
    path.write_text(render_page(table_, entries, catalog, lang), encoding="utf-8")
