"""The sections of the report page after its main tables: the comparison with the published figures,
the published report's own contradictions and the restatements, each with what it means, and the
disclosure index folded until asked for; and the table they share, which leaves out empty columns."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape

from esgflow.catalog import Catalog, Indicator
from esgflow.checks.rules import wording
from esgflow.display import MISSING, moment, readable, unit, written_places
from esgflow.figures.scope3 import STATES as SCOPE3_STATES
from esgflow.figures.scope3 import category_of
from esgflow.findings import Finding
from esgflow.report.disclosure import FRAMEWORK_NAMES, IndexEntry
from esgflow.report.page_text import TEXT
from esgflow.report.tables import AppendixTable, Cell, Row


@dataclass(frozen=True)
class Td:
    html: str
    css: str = ""

    @property
    def empty(self) -> bool:
        return self.html.strip() in ("", MISSING)

    def render(self) -> str:
        return f'<td class="{self.css}">{self.html}</td>' if self.css else f"<td>{self.html}</td>"


def table(
    heads: list[Td], rows: list[tuple[str, list[Td]]], css: str = "", always: frozenset[int] = frozenset()
) -> str:
    """A table with its header repeated on every printed page, leaving out a column empty in every row
    (but those `always` kept: a year without figures keeps its column, and the page says why)."""
    keep = [i for i in range(len(heads)) if i in always or any(not cells[i].empty for _, cells in rows)]
    head = "".join(
        f'<th class="{heads[i].css}">{heads[i].html}</th>' if heads[i].css else f"<th>{heads[i].html}</th>"
        for i in keep
    )
    body = "".join(f"<tr{attrs}>{''.join(cells[i].render() for i in keep)}</tr>" for attrs, cells in rows)
    opening = f'<table class="{css}">' if css else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def unit_of(ind: Indicator, lang: str) -> str:
    return unit(ind.unit_zh if lang == "zh" else ind.unit)


def versus(table_: AppendixTable, differences: list[tuple[Row, Decimal, Cell]], lang: str) -> list[str]:
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
                    Td(escape(unit_of(ind, lang)), "unit"),
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


def contradictions(table_: AppendixTable, catalog: Catalog, lang: str) -> list[str]:
    """The section listing where the published figures disagree with each other, and what that means."""
    if not table_.contradictions:
        return []
    t = TEXT[lang]
    heads = [Td(t["year"]), Td(t["figure"]), Td(t["unit"]), Td(t["rule"]), Td(t["published"], "num")]
    heads += [Td(t["own_figures"], "num"), Td(t["involved"])]
    rows = []
    for f in sorted(table_.contradictions, key=lambda f: (f.period or "", f.indicators)):
        ind = catalog[f.indicators[0]]
        involved = list_separator(lang).join(escape(catalog[c].name(lang)) for c in f.indicators[1:] if c in catalog)
        actual = MISSING if f.actual is None else readable(f.actual, written_places(f.actual))
        summary = escape(own_summary(f, lang))
        rows.append(
            (
                f' id="own-{ind.code}-{escape(f.period or "")}" class="contradiction" title="{summary}"',
                [
                    Td(escape(f.period or "")),
                    Td(f'<a href="#{ind.code}">{escape(ind.name(lang))}</a>'),
                    Td(escape(unit_of(ind, lang)), "unit"),
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


def restatements(table_: AppendixTable, catalog: Catalog, lang: str) -> list[str]:
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
            written = unit_of(catalog[c["indicator"]], lang) if known else unit(c["unit"])
            cells = [Td(escape(name) + (" *" if c["significant"] else "")), Td(escape(written), "unit")]
            cells += [
                Td(readable(_decimal(c["before"]), places), "num"),
                Td(readable(_decimal(c["after"]), places), "num"),
            ]
            rows.append(("", [*cells, Td(escape(list_separator(lang).join(causes)))]))
        parts.append(table(heads, rows, "restatement"))
    parts.append("</section>")
    return parts


def disclosure_section(entries: list[IndexEntry], catalog: Catalog, shown: set[str], lang: str) -> list[str]:
    """The disclosure index, folded until opened: a compact table per framework; indicators link to their row."""
    t = TEXT[lang]
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
    parts = [
        f'<details class="index" id="index"><summary>{t["index"]}</summary><p>{counts}</p>',
        f'<p class="note">{t["explain_note"]}</p>',
    ]
    heads = [Td(t["item"]), Td(t["item_title"]), Td(t["answered_by"]), Td(t["chapter"])]
    for fw, name in FRAMEWORK_NAMES.items():
        rows = []
        for e in (e for e in entries if e.framework == fw):
            names = list_separator(lang).join(
                f'<a href="#{c}">{escape(catalog.answer_name(c, lang))}</a>'
                if c in shown
                else escape(catalog.answer_name(c, lang))
                for c in e.codes
            )
            if e.comply_or_explain:
                names = f'<span class="explain">{t["explain" if not e.answer else "open"]}</span>'
            elif e.answer == "explained":  # the approved explanation is what the reader is given
                names = f'<span class="explained">{t["explained"]}</span>{t["colon"]}{escape(e.text(lang))}'
            elif e.text(lang):
                names = f"{names}{list_separator(lang) if names else ''}{escape(e.text(lang))}"
            css = "explain" if e.comply_or_explain else e.status
            cells = [Td(escape(e.item), "item"), Td(escape(e.title(lang))), Td(names), Td(escape(e.chapter), "chapter")]
            rows.append((f' class="{css}"', cells))
        if rows:
            parts.append(f'<h3 id="index-{fw}">{escape(name[lang])}</h3>{table(heads, rows, "index")}')
    parts.append("</details>")
    return parts


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


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _like(value: Decimal | None, published: Decimal | None) -> str:
    """A value at the places of the published figure it is held against, with two significant digits at least."""
    if value is None or published is None or value == 0:
        return MISSING if value is None else readable(value, written_places(value))
    significant = 1 - value.adjusted()  # places that give two significant digits
    return readable(value, max(written_places(published), significant))


def scope3_screening(table_: AppendixTable, lang: str) -> list[str]:
    """The period's fifteen Scope 3 categories: state, reason, method and who screened and approved each."""
    if not table_.scope3:
        return []
    t = TEXT[lang]
    name = "name_zh" if lang == "zh" else "name_en"
    heads = [Td(t[k]) for k in ("scope3_category", "scope3_state", "scope3_reason", "scope3_method", "scope3_by")]
    rows = []
    for r in table_.scope3:
        state = SCOPE3_STATES[str(r["state"])][0 if lang == "zh" else 1]
        who = " / ".join(str(p) for p in (r["screened_by"], r["approved_by"]) if p)
        cells = [Td(escape(f"{r['category']}. {r[name]}")), Td(escape(state))]
        cells += [Td(escape(str(r[k] or MISSING))) for k in ("reason", "method")] + [Td(escape(who or MISSING))]
        rows.append((f' id="scope3-{r["category"]}"', cells))
    note = f'<p class="note">{t["scope3_note"]}</p>'
    return [f'<section id="scope3"><h2>{t["scope3"]}</h2>{note}{table(heads, rows, "scope3")}</section>']


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
