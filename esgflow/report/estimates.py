"""Where the report's figures rest on estimates: the entities whose estimated figures each group
figure was consolidated from (figure_source), a mark beside it and a summary line.

A figure that includes estimates is still the figure: the mark says how far it rests on
reporters' estimates, so that readers and the ESG office can weigh it, and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill

from esgflow.report.tables import AppendixTable
from esgflow.workbooks import fit

MARK = "e"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TEXT = {
    "zh": {
        "includes": "含 {n} 家单位的估算数：{entities}",
        "legend": "e 含填报单位标为估算的数值（悬停可见单位）",
        "summary": "{period}年 {figures} 项数值含估算数，来自 {entities} 家单位的估算填报。",
        "none": "{period}年数值均为实际数，无填报单位标为估算。",
    },
    "en": {
        "includes": "includes estimates from {n} {entity_word}: {entities}",
        "legend": "e includes figures that their reporters marked as estimated (hover to see which entities)",
        "summary": "{period}: {figures} {figure_word} include estimates, from {entities} {entity_word}.",
        "none": "{period}: no entity marked any figure as estimated.",
    },
}
SHEET = "估算 Estimates"
SHEET_HEADERS = [
    "代码 Code",
    "指标",
    "Indicator",
    "年份 Year",
    "估算单位数 Entities with estimates",
    "填报单位 Entities",
]


@dataclass(frozen=True)
class EstimateSummary:
    period: str
    figures: int  # figures of the period's column that include at least one estimate
    entities: int  # entities whose estimates those figures include

    def line(self, lang: str) -> str:
        t = TEXT[lang]
        if not self.figures:
            return t["none"].format(period=self.period)
        return t["summary"].format(
            period=self.period,
            figures=self.figures,
            entities=self.entities,
            figure_word="figure" if self.figures == 1 else "figures",
            entity_word="entity" if self.entities == 1 else "entities",
        )


def summarise(table: AppendixTable) -> EstimateSummary:
    """How many figures of the period's own column include estimates, and from how many entities."""
    [column] = [c for c in table.columns if c.key == table.period]
    found = [table.estimated_from(row, column) for row in table.rows]
    return EstimateSummary(table.period, sum(1 for e in found if e), len({x for e in found for x in e}))


def includes(entities: list[str], lang: str) -> str:
    """'includes estimates from 2 entities: SAMI, NFC6' in a language."""
    joined = ("、" if lang == "zh" else ", ").join(entities)
    n = len(entities)
    return TEXT[lang]["includes"].format(n=n, entities=joined, entity_word="entity" if n == 1 else "entities")


def html_mark(entities: list[str], lang: str) -> str:
    """The mark beside a figure of the page that includes estimates (nothing when it includes none)."""
    if not entities:
        return ""
    return f'<sup class="estimate" title="{escape(includes(entities, lang))}">{MARK}</sup>'


def html_summary(table: AppendixTable, lang: str) -> list[str]:
    """The summary line under the title, and the mark's legend where a figure carries it."""
    summary = summarise(table)
    parts = [f'<p class="estimates" id="estimates">{escape(summary.line(lang))}</p>']
    if any(table.estimates):
        parts.append(f'<p class="legend">{escape(TEXT[lang]["legend"])}</p>')
    return parts


def write_sheet(wb: Workbook, table: AppendixTable) -> None:
    """A sheet of the appendix workbook: the summary line and every shown figure that includes estimates."""
    ws = wb.create_sheet(SHEET)
    summary = summarise(table)
    ws.append([summary.line("zh")])
    ws.append([summary.line("en")])
    ws.append([])
    ws.append(SHEET_HEADERS)
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = fit.header_font(), HEADER_FILL
    for row in table.rows:
        ind = row.indicator
        for column in table.columns:
            entities = table.estimated_from(row, column)
            if entities:
                ws.append([ind.code, ind.name_zh, ind.name_en, column.key, len(entities), ", ".join(entities)])
    for col, width in zip("ABCDEF", [34, 40, 48, 16, 24, 60], strict=True):
        ws.column_dimensions[col].width = width
    for cells in ws.iter_rows(min_row=5):
        for cell in cells:
            cell.alignment = Alignment(vertical="top", wrap_text=cell.column_letter in "BCF")
