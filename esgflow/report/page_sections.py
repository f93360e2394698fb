"""What the report page's partials (esgflow/pages/templates/report_*.html) show after its main tables: the
comparison with the published figures, the published report's own contradictions, the restatements, the
Scope 3 screening and the disclosure index folded until asked for, as data (a `Grid` per table, which leaves
out empty columns); the partials write the HTML, escaping every value."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape

from markupsafe import Markup

from esgflow.catalog import Catalog, Indicator
from esgflow.checks.rules import wording
from esgflow.display import MISSING, moment, readable, unit, written_places
from esgflow.figures.scope3 import STATES as SCOPE3_STATES
from esgflow.figures.scope3 import category_of
from esgflow.findings import Finding
from esgflow.report.disclosure import FRAMEWORK_NAMES, IndexEntry
from esgflow.report.page_text import TEXT
from esgflow.report.tables import AppendixTable, FactorBasis, Row
from esgflow.report.tables import Cell as Cell_


def unit_of(ind: Indicator, lang: str) -> str:
    return unit(ind.unit_zh if lang == "zh" else ind.unit)


@dataclass(frozen=True)
class Cell:
    """A cell of a section's table, written by the section's partial: `text` is escaped there (a value of
    the page's own markup, such as a Markup of its words, is not); with `href`, the text links there."""

    text: str
    css: str = ""
    href: str | None = None

    @property
    def empty(self) -> bool:
        return self.href is None and str(self.text).strip() in ("", MISSING)


@dataclass(frozen=True)
class Grid:
    """A section's table as its partial writes it (report_table.html): the heads and each row's
    attributes and cells, only the columns not empty in every row."""

    css: str
    heads: list[Cell]
    rows: list[tuple[list[tuple[str, str]], list[Cell]]]


def grid(
    heads: list[Cell],
    rows: list[tuple[list[tuple[str, str]], list[Cell]]],
    css: str,
    always: frozenset[int] = frozenset(),
) -> Grid:
    """A table leaving out a column empty in every row (but those `always` kept: a year without figures
    keeps its column, and the page says why)."""
    keep = [i for i in range(len(heads)) if i in always or any(not cells[i].empty for _, cells in rows)]
    return Grid(css, [heads[i] for i in keep], [(attrs, [cells[i] for i in keep]) for attrs, cells in rows])


def words(lang: str) -> dict[str, Markup]:
    """The page's own words (page_text.TEXT), which are markup of esgflow's own, in a language."""
    return {key: Markup(text) for key, text in TEXT[lang].items()}


def versus(table_: AppendixTable, differences: list[tuple[Row, Decimal, Cell_]], lang: str) -> dict | None:
    """The period's computed figures that differ from the published ones, with what the difference means."""
    if not differences:
        return None
    t = TEXT[lang]
    heads = [Cell(t["indicator"]), Cell(t["unit"]), Cell(t["published"], "num"), Cell(t["from_returns"], "num")]
    heads.append(Cell(t["difference"], "num"))
    rows = []
    for row, published, cell in differences:
        ind = row.indicator
        places = max(ind.decimals, written_places(published))
        computed = cell.value.quantize(Decimal(1).scaleb(-places))
        gap = f"{(computed - published) / published:+.1%}".replace("-", "−") if published else MISSING
        cells = [
            Cell(ind.name(lang), href=f"#{ind.code}"),
            Cell(unit_of(ind, lang), "unit"),
            Cell(readable(published, written_places(published)), "num"),
            Cell(readable(computed, places), "num computed"),
            Cell(gap, "num"),
        ]
        rows.append(([("class", "versus"), ("id", f"versus-{ind.code}")], cells))
    return {"period": table_.period, "grid": grid(heads, rows, "versus")}


def contradictions(table_: AppendixTable, catalog: Catalog, lang: str) -> Grid | None:
    """Where the published figures disagree with each other, and what that means."""
    if not table_.contradictions:
        return None
    t = TEXT[lang]
    heads = [Cell(t["year"]), Cell(t["figure"]), Cell(t["unit"]), Cell(t["rule"]), Cell(t["published"], "num")]
    heads += [Cell(t["own_figures"], "num"), Cell(t["involved"])]
    rows = []
    for f in sorted(table_.contradictions, key=lambda f: (f.period or "", f.indicators)):
        ind = catalog[f.indicators[0]]
        involved = list_separator(lang).join(catalog[c].name(lang) for c in f.indicators[1:] if c in catalog)
        actual = MISSING if f.actual is None else readable(f.actual, written_places(f.actual))
        summary = own_summary(f, lang)
        attrs = [("id", f"own-{ind.code}-{f.period or ''}"), ("class", "contradiction"), ("title", summary)]
        cells = [
            Cell(f.period or ""),
            Cell(ind.name(lang), href=f"#{ind.code}"),
            Cell(unit_of(ind, lang), "unit"),
            Cell(_typeset(wording(f.rule, lang)[0], lang)),
            Cell(actual, "num"),
            Cell(_like(f.expected, f.actual), "num"),
            Cell(involved),
        ]
        rows.append((attrs, cells))
    return grid(heads, rows, "contradictions")


def restatements(table_: AppendixTable, catalog: Catalog, lang: str) -> list[dict] | None:
    """Why restated columns differ: each restatement's reason and the figures it moved, with their causes."""
    if not table_.restatements:
        return None
    t = TEXT[lang]
    heads = [Cell(t["indicator"]), Cell(t["unit"]), Cell(t["before"], "num"), Cell(t["after"], "num")]
    heads.append(Cell(t["because"]))
    shown = []
    for r in table_.restatements:
        rows = []
        for c in r.changes:
            known = c["indicator"] in catalog.codes
            name = catalog[c["indicator"]].name(lang) if known else c["indicator"]
            places = catalog[c["indicator"]].decimals if known else 6
            causes = [f"{t['factor']} {f}" for f in c["factors"]] + [f"{t['return_of']} {e}" for e in c["entities"]]
            written = unit_of(catalog[c["indicator"]], lang) if known else unit(c["unit"])
            cells = [Cell(name + (" *" if c["significant"] else "")), Cell(written, "unit")]
            cells += [
                Cell(readable(_decimal(c["before"]), places), "num"),
                Cell(readable(_decimal(c["after"]), places), "num"),
                Cell(list_separator(lang).join(causes)),
            ]
            rows.append(([], cells))
        shown.append({"r": r, "date": moment(r.restated_at), "grid": grid(heads, rows, "restatement")})
    return shown


INDEX_COLUMNS = ("item", "item_title", "answered_by", "chapter")


def disclosure_section(entries: list[IndexEntry], catalog: Catalog, shown: set[str], lang: str) -> dict | None:
    """The disclosure index, folded until opened: a compact table per framework; indicators link to their row."""
    if not entries:
        return None
    t = words(lang)
    counts = t["index_counts"].format(
        items=len(entries),
        answered=sum(1 for e in entries if e.codes),
        explain=sum(1 for e in entries if e.comply_or_explain),
    )
    if any(e.answer for e in entries):  # the period's answers are known: what is open is what matters
        counts = t["index_answers"].format(
            items=sum(e.mandatory for e in entries),
            answered=sum(e.mandatory and e.answer == "answered" for e in entries),
            explained=sum(e.mandatory and e.answer == "explained" for e in entries),
            open=sum(e.comply_or_explain for e in entries),
        )
    frameworks = []
    for fw, name in FRAMEWORK_NAMES.items():
        rows = []
        for e in (e for e in entries if e.framework == fw):
            answer = {
                "explain": ("explain" if not e.answer else "open") if e.comply_or_explain else None,
                "explained": not e.comply_or_explain and e.answer == "explained",
                "names": [(catalog.answer_name(c, lang), f"#{c}" if c in shown else None) for c in e.codes],
                "text": e.text(lang),
            }
            cells = [e.item, e.title(lang), answer, e.chapter]
            said = answer["explain"] or answer["explained"] or answer["names"] or not _blank(e.text(lang))
            empty = [_blank(e.item), _blank(e.title(lang)), not said, _blank(e.chapter)]
            rows.append({"css": "explain" if e.comply_or_explain else e.status, "cells": cells, "empty": empty})
        if rows:
            keep = [i for i in range(len(INDEX_COLUMNS)) if not all(row["empty"][i] for row in rows)]
            frameworks.append({"code": fw, "name": name[lang], "keep": keep, "rows": rows})
    return {"counts": counts, "frameworks": frameworks}


def own_summary(f: Finding, lang: str) -> str:
    """What is wrong with a published figure, in the page's words rather than the checker's codes."""
    colon = "：" if lang == "zh" else ": "
    own = TEXT[lang]["own_figures"]
    return f"{_typeset(wording(f.rule, lang)[0], lang)}{colon}{own} {_like(f.expected, f.actual)}"


def list_separator(lang: str) -> str:
    """How names are listed: 、 between Chinese names, a semicolon between English ones."""
    return "、" if lang == "zh" else "; "


def _typeset(text: str, lang: str) -> str:
    """English from elsewhere in esgflow in the page's typography: a typewriter apostrophe becomes ’."""
    return text.replace("'", "’") if lang == "en" else text


def _blank(text: str) -> bool:
    return text.strip() in ("", MISSING)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _like(value: Decimal | None, published: Decimal | None) -> str:
    """A value at the places of the published figure it is held against, with two significant digits at least."""
    if value is None or published is None or value == 0:
        return MISSING if value is None else readable(value, written_places(value))
    significant = 1 - value.adjusted()  # places that give two significant digits
    return readable(value, max(written_places(published), significant))


def scope3_screening(table_: AppendixTable, lang: str) -> Grid | None:
    """The period's fifteen Scope 3 categories: state, reason, method and who screened and approved each."""
    if not table_.scope3:
        return None
    t = TEXT[lang]
    name = "name_zh" if lang == "zh" else "name_en"
    heads = [Cell(t[k]) for k in ("scope3_category", "scope3_state", "scope3_reason", "scope3_method", "scope3_by")]
    rows = []
    for r in table_.scope3:
        state = SCOPE3_STATES[str(r["state"])][0 if lang == "zh" else 1]
        who = " / ".join(str(p) for p in (r["screened_by"], r["approved_by"]) if p)
        cells = [Cell(f"{r['category']}. {r[name]}"), Cell(state)]
        cells += [Cell(str(r[k] or MISSING)) for k in ("reason", "method")] + [Cell(who or MISSING)]
        rows.append(([("id", f"scope3-{r['category']}")], cells))
    return grid(heads, rows, "scope3")


def scope3_state_cell(table_: AppendixTable, code: str, column_key: str, lang: str) -> str | None:
    """What stands in the period's empty cell of a Scope 3 category: the category's screening state,
    linked to its screening row (not screened, not relevant, awaiting approval), so a blank is never
    read as a zero; None for any other cell."""
    n = category_of(code)
    if n is None or column_key != table_.period or not table_.scope3:
        return None
    state = next((str(r["state"]) for r in table_.scope3 if r["category"] == n), "unscreened")
    words = SCOPE3_STATES[state][0 if lang == "zh" else 1]
    return f'<a class="state" href="#scope3-{n}">{escape(words)}</a>'


def basis_note(basis: FactorBasis | None, lang: str) -> str:
    """The electricity basis and GWP set of the period's figures, said beside the energy and GHG figures,
    because the same fuels give another energy total on the other basis and other CO2e with the other set."""
    if basis is None:
        return ""
    t = TEXT[lang]
    parts = [
        t["basis_energy"].format(
            electricity=t[f"basis_{basis.electricity}"], coefficient=escape(format(basis.coefficient, "f"))
        )
    ]
    if basis.gwp:  # a factor set from before the GWP choice weighed no gas other than CO2
        parts.append(t["basis_gwp"].format(gwp=t[f"basis_{basis.gwp}"]))
    sep = "" if lang == "zh" else " "
    return f'<p class="note basis" id="basis">{_typeset(sep.join(parts), lang)}</p>'
