"""The appendix as an HTML page per language, with a small trend chart per indicator."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from pathlib import Path

from esgflow.catalog import Catalog
from esgflow.checks.rules import wording
from esgflow.decimals import tidy
from esgflow.findings import Finding
from esgflow.report import estimates
from esgflow.report.disclosure import FRAMEWORK_NAMES, IndexEntry
from esgflow.report.tables import AppendixTable, Cell, Column

TEXT = {
    "zh": {
        "title": "关键绩效表",
        "indicator": "指标",
        "unit": "单位",
        "trend": "趋势",
        "restated": "调整后",
        "legend_unpublished": "* 该年已发布报告未披露此项，数值按填报数据计算",
        "unpublished": "已发布报告未披露，按填报数据计算",
        "restatements": "数据调整说明",
        "restatement": "第{number}次调整（{year}年数据，{date}）：{reason}",
        "significant": "重大调整（总量变动达5%或以上）",
        "before": "调整前",
        "after": "调整后",
        "because": "原因",
        "factor": "排放/换算因子",
        "return_of": "填报单位",
        "index": "指标索引",
        "framework": "框架",
        "item": "条目",
        "answered_by": "对应指标",
        "item_title": "标题",
        "chapter": "报告章节",
        "explain": "不遵守就解释",
        "explain_note": "标为“不遵守就解释”的条目为须披露但尚无指标对应的条目，由ESG办公室说明原因或指向报告相应章节",
        "index_counts": "{items}个条目，其中{answered}个有指标对应，{explain}个须“不遵守就解释”",
        "computed": "本期数据由各单位填报汇总计算",
        "versus": "本期计算值与已发布值对比",
        "versus_note": "以下指标按各单位填报数据计算的结果与已发布数值不一致（按已发布精度比较）",
        "published": "已发布",
        "from_returns": "按填报数据计算",
        "difference": "差异",
        "own": "已发布报告自身的矛盾",
        "own_note": "已发布的数值之间互相不一致之处（按已发布报告自身的数值核对）",
        "year": "年份",
        "figure": "数值",
        "rule": "规则",
        "own_figures": "按报告自身数值应为",
        "involved": "相关指标",
        "legend_differs": "≠ 按填报数据计算的数值与已发布值不同",
        "legend_contradicted": "! 该已发布数值与报告中其他数值矛盾",
        "was_published": "已发布",
        "signed_off": "本期数据已于 {date} 由 {by} 签核锁定；此后收到的更正须经数据调整方可计入",
    },
    "en": {
        "title": "Key performance table",
        "indicator": "Indicator",
        "unit": "Unit",
        "trend": "Trend",
        "restated": "restated",
        "legend_unpublished": "* not in that year's published report: computed from the returns",
        "unpublished": "not in the published report; computed from the returns",
        "restatements": "Restatements",
        "restatement": "Restatement {number} of {year} ({date}): {reason}",
        "significant": "significant (a total moved by 5 % or more)",
        "before": "Before",
        "after": "After",
        "because": "Because of",
        "factor": "factor",
        "return_of": "return of",
        "index": "Disclosure index",
        "framework": "Framework",
        "item": "Item",
        "answered_by": "Answered by",
        "item_title": "Title",
        "chapter": "Report chapter",
        "explain": "comply or explain",
        "explain_note": "Items marked comply or explain must be disclosed but no indicator answers them yet: "
        "the ESG office explains why or points to the chapter of the report that covers them",
        "index_counts": "{items} items, {answered} answered by indicators, {explain} to comply with or explain",
        "computed": "figures for the period are consolidated from entity returns",
        "versus": "Computed against published",
        "versus_note": "These figures, computed from the entities' returns, differ from the published ones "
        "at the precision they were published with",
        "published": "Published",
        "from_returns": "From returns",
        "difference": "Difference",
        "own": "The published report's own contradictions",
        "own_note": "Where the published figures disagree with each other, checked against the report's own figures",
        "year": "Year",
        "figure": "Figure",
        "rule": "Rule",
        "own_figures": "Its own figures give",
        "involved": "Figures involved",
        "legend_differs": "≠ the figure computed from the returns differs from the published one",
        "legend_contradicted": "! this published figure contradicts other figures of the report",
        "was_published": "published",
        "signed_off": "The figures of {period} were signed off by {by} on {date}; later corrections count only "
        "through a restatement",
    },
}
STYLE = """
body{font-family:'Noto Sans CJK SC','Microsoft YaHei',Arial,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin-bottom:2em}th,td{border:1px solid #ccc;padding:4px 8px}
th{background:#ddebf7;position:sticky;top:0}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.computed{background:#f3f9ee}svg{vertical-align:middle}
td.differs{background:#fff2cc;outline:2px solid #e0a800;outline-offset:-2px}
td.contradicted{background:#fde2e1;outline:2px solid #c0392b;outline-offset:-2px}
a.mark{font-weight:bold;text-decoration:none;margin-left:3px}td.differs a.mark{color:#8a6500}
td.contradicted a.mark{color:#c0392b}p.legend span{margin-right:2em}
td.unpublished{background:#eef3fb;outline:1px dashed #2f6fb0;outline-offset:-2px}
td.unpublished span.mark{color:#2f6fb0;font-weight:bold;margin-left:3px}p.significant{color:#c0392b}
table.index td{vertical-align:top}table.index td.item{white-space:nowrap;font-weight:bold}
table.index tr.explain td{background:#fde2e1}span.explain{color:#fff;background:#c0392b;border-radius:3px;
padding:1px 6px;font-size:.85em;white-space:nowrap}table.index a{color:#2f6fb0;text-decoration:none}
table.index td.chapter{color:#666;font-size:.9em}
p.signoff{border-left:4px solid #2e7d32;background:#edf7ed;padding:6px 10px}
sup.estimate{color:#7b4fa0;font-weight:bold;margin-left:2px;cursor:help}p.estimates{color:#555}
"""


def sparkline(values: list[Decimal | None], width: int = 90, height: int = 24) -> str:
    """An inline SVG polyline of the values present; empty when fewer than two."""
    points = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return ""
    lo, hi = min(v for _, v in points), max(v for _, v in points)
    span = (hi - lo) or 1.0
    step = (width - 8) / max(len(values) - 1, 1)
    coords = [(4 + i * step, height - 4 - (v - lo) / span * (height - 8)) for i, v in points]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2"/>' for x, y in coords)
    return (
        f'<svg class="trend" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
        f'<polyline fill="none" stroke="#2f6fb0" stroke-width="1.5" points="{path}"/>'
        f'<g fill="#2f6fb0">{dots}</g></svg>'
    )


def render_page(table: AppendixTable, entries: list[IndexEntry], catalog: Catalog, lang: str) -> str:
    t = TEXT[lang]
    heads = "".join(
        f"<th>{escape(c.year)}{' (' + t['restated'] + ')' if c.key.endswith('_restated') else ''}</th>"
        for c in table.columns
    )
    parts = [
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{t['title']} {escape(table.period)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{t['title']} {escape(table.period)}</h1><p>{t['computed']}</p>",
    ]
    if table.signoff:
        signed = t["signed_off"].format(
            period=escape(table.period), by=escape(table.signoff.signed_by), date=table.signoff.signed_at.date()
        )
        parts.append(f'<p class="signoff" id="signoff">{signed}</p>')
    parts += estimates.html_summary(table, lang)
    year_keys = [c.key for c in table.columns if not c.key.endswith("_restated")]
    differing, contradicted, unpublished = table.differing(), table.contradicted(), table.not_published()
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
        parts.append('<p class="legend">' + "".join(f"<span>{text}</span>" for text in legend) + "</p>")
    for pillar, names in catalog.pillars.items():
        rows = [r for r in table.rows if r.indicator.pillar == pillar]
        if not rows:
            continue
        parts.append(f"<h2>{escape(names[lang])}</h2><table><tr><th>{t['indicator']}</th><th>{t['unit']}</th>{heads}")
        parts.append(f"<th>{t['trend']}</th></tr>")
        for r in rows:
            ind = r.indicator
            unit = ind.unit_zh if lang == "zh" else ind.unit
            cells = []
            for c in table.columns:
                shown = _cell(r.cells[c.key], c, ind.code, ind.decimals, (differing, contradicted, unpublished), t)
                # the estimate mark sits inside the figure's cell, after any other mark
                cells.append(shown.replace("</td>", estimates.html_mark(table.estimated_from(r, c), lang) + "</td>"))
            trend = sparkline([r.cells[k].value if r.cells[k] else None for k in year_keys])
            parts.append(
                f'<tr id="{ind.code}"><td>{escape(ind.name(lang))}</td>'
                f"<td>{escape(unit)}</td>{''.join(cells)}"
                f"<td>{trend}</td></tr>"
            )
        parts.append("</table>")
    parts += _contradictions(table, catalog, lang)
    parts += _restatements(table, catalog, lang)
    differences = table.differences()
    if differences:
        parts.append(f'<h2 id="versus">{t["versus"]} {escape(table.period)}</h2><p>{t["versus_note"]}</p>')
        parts.append(f"<table><tr><th>{t['indicator']}</th><th>{t['unit']}</th><th>{t['published']}</th>")
        parts.append(f"<th>{t['from_returns']}</th><th>{t['difference']}</th></tr>")
        for row, published, cell in differences:
            ind = row.indicator
            digits = max(ind.decimals, -int(published.as_tuple().exponent))
            computed = cell.text(digits)
            gap = f"{(Decimal(computed) - published) / published:+.1%}" if published else "–"
            unit = ind.unit_zh if lang == "zh" else ind.unit
            parts.append(
                f'<tr class="versus" id="versus-{ind.code}"><td>{escape(ind.name(lang))}</td><td>{escape(unit)}</td>'
                f'<td class="num">{published:f}</td><td class="num computed">{computed}</td>'
                f'<td class="num">{gap}</td></tr>'
            )
        parts.append("</table>")
    parts += _index(entries, catalog, {r.indicator.code for r in table.rows}, lang)
    parts.append("</body></html>")
    return "".join(parts)


def _index(entries: list[IndexEntry], catalog: Catalog, shown: set[str], lang: str) -> list[str]:
    """The disclosure index, a table per framework; indicators link to their row where the page shows it."""
    t = TEXT[lang]
    counts = t["index_counts"].format(
        items=len(entries),
        answered=sum(1 for e in entries if e.codes),
        explain=sum(1 for e in entries if e.comply_or_explain),
    )
    parts = [f'<h2 id="index">{t["index"]}</h2><p>{counts}</p><p>{t["explain_note"]}</p>']
    for fw, name in FRAMEWORK_NAMES.items():
        rows = [e for e in entries if e.framework == fw]
        if not rows:
            continue
        parts.append(f'<h3 id="index-{fw}">{escape(name[lang])}</h3><table class="index">')
        parts.append(f"<tr><th>{t['item']}</th><th>{t['item_title']}</th><th>{t['answered_by']}</th>")
        parts.append(f"<th>{t['chapter']}</th></tr>")
        for e in rows:
            names = "; ".join(
                f'<a href="#{c}">{escape(catalog[c].name(lang))}</a>' if c in shown else escape(catalog[c].name(lang))
                for c in e.codes
            )
            if e.comply_or_explain:
                names = f'<span class="explain">{t["explain"]}</span>'
            parts.append(
                f'<tr class="{"explain" if e.comply_or_explain else e.status}"><td class="item">{escape(e.item)}</td>'
                f"<td>{escape(e.title(lang))}</td><td>{names}</td>"
                f'<td class="chapter">{escape(e.chapter)}</td></tr>'
            )
        parts.append("</table>")
    return parts


def _cell(
    cell: Cell | None,
    column: Column,
    code: str,
    decimals: int,
    marks: tuple[dict[str, Decimal], dict[tuple[str, str], list[Finding]], set[str]],
    t: dict[str, str],
) -> str:
    """A figure of the main table, marked where it differs from what was published, contradicts the
    report, or was not published at all."""
    differing, contradicted, unpublished = marks
    if cell is None:
        return '<td class="num">–</td>'
    css, mark = ["num"], ""
    if cell.basis.startswith("computed"):
        css.append("computed")
        if column.key == column.year and code in unpublished:
            css.append("unpublished")
            mark = f'<span class="mark" title="{escape(t["unpublished"])}">*</span>'
        elif column.key == column.year and code in differing:
            css.append("differs")
            title = f"{t['was_published']}: {differing[code]:f}"
            mark = f'<a class="mark" href="#versus-{code}" title="{escape(title)}">≠</a>'
    elif cell.basis == "published" and (code, column.year) in contradicted:
        css.append("contradicted")
        title = "; ".join(f.message for f in contradicted[(code, column.year)])
        mark = f'<a class="mark" href="#own-{code}-{column.year}" title="{escape(title)}">!</a>'
    return f'<td class="{" ".join(css)}">{cell.text(decimals)}{mark}</td>'


def _contradictions(table: AppendixTable, catalog: Catalog, lang: str) -> list[str]:
    """The section listing where the published figures disagree with each other."""
    if not table.contradictions:
        return []
    t = TEXT[lang]
    parts = [
        f'<h2 id="contradictions">{t["own"]}</h2><p>{t["own_note"]}</p>',
        f"<table><tr><th>{t['year']}</th><th>{t['figure']}</th><th>{t['unit']}</th><th>{t['rule']}</th>",
        f"<th>{t['published']}</th><th>{t['own_figures']}</th><th>{t['involved']}</th></tr>",
    ]
    for f in sorted(table.contradictions, key=lambda f: (f.period or "", f.indicators)):
        ind = catalog[f.indicators[0]]
        involved = "; ".join(escape(catalog[c].name(lang)) for c in f.indicators[1:] if c in catalog)
        parts.append(
            f'<tr id="own-{ind.code}-{escape(f.period or "")}" class="contradiction" title="{escape(f.message)}">'
            f"<td>{escape(f.period or '')}</td><td>{escape(ind.name(lang))}</td>"
            f"<td>{escape(ind.unit_zh if lang == 'zh' else ind.unit)}</td><td>{escape(wording(f.rule, lang)[0])}</td>"
            f'<td class="num">{_number(f.actual)}</td><td class="num">{_like(f.expected, f.actual)}</td>'
            f"<td>{involved}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _restatements(table: AppendixTable, catalog: Catalog, lang: str) -> list[str]:
    """Why restated columns differ: each restatement's reason and the figures it moved, with their causes."""
    if not table.restatements:
        return []
    t = TEXT[lang]
    parts = [f'<h2 id="restatements">{t["restatements"]}</h2>']
    for r in table.restatements:
        head = t["restatement"].format(
            number=r.number, year=r.period, date=r.restated_at.date().isoformat(), reason=escape(r.reason)
        )
        parts.append(f'<h3 id="restatement-{escape(r.period)}-{r.number}">{head}</h3>')
        if r.significant:
            parts.append(f'<p class="significant">{t["significant"]}</p>')
        parts.append(
            f"<table><tr><th>{t['indicator']}</th><th>{t['unit']}</th><th>{t['before']}</th>"
            f"<th>{t['after']}</th><th>{t['because']}</th></tr>"
        )
        for c in r.changes:
            known = c["indicator"] in catalog.codes
            name = catalog[c["indicator"]].name(lang) if known else c["indicator"]
            places = catalog[c["indicator"]].decimals if known else 6
            causes = [f"{t['factor']} {f}" for f in c["factors"]] + [f"{t['return_of']} {e}" for e in c["entities"]]
            parts.append(
                f"<tr><td>{escape(name)}{' *' if c['significant'] else ''}</td><td>{escape(c['unit'])}</td>"
                f'<td class="num">{_at(_decimal(c["before"]), places)}</td>'
                f'<td class="num">{_at(_decimal(c["after"]), places)}</td>'
                f"<td>{escape('; '.join(causes))}</td></tr>"
            )
        parts.append("</table>")
    return parts


def _at(value: Decimal | None, places: int) -> str:
    """A figure at the places the appendix shows it with."""
    return "–" if value is None else f"{value.quantize(Decimal(1).scaleb(-places)):,f}"


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _number(value: Decimal | None) -> str:
    return "–" if value is None else f"{tidy(value):,f}"


def _like(value: Decimal | None, published: Decimal | None) -> str:
    """A value at the places of the published figure it is held against, with two significant digits at least."""
    if value is None or published is None or value == 0:
        return _number(value)
    places = max(-int(tidy(published).as_tuple().exponent), 0)
    significant = 1 - value.adjusted()  # places that give two significant digits
    return f"{value.quantize(Decimal(1).scaleb(-max(places, significant))):,f}"


def write_page(table: AppendixTable, entries: list[IndexEntry], catalog: Catalog, lang: str, path: Path) -> None:
    path.write_text(render_page(table, entries, catalog, lang), encoding="utf-8")
