"""Write the Excel template of one entity for one period, generated from the catalog."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, PatternFill, Protection
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from esgflow import EsgflowError, display, glossary, units
from esgflow.catalog import Catalog, Indicator
from esgflow.decimals import tidy
from esgflow.entities import Entity
from esgflow.factors import Region, load_factors
from esgflow.periods import Period
from esgflow.safety import write_text
from esgflow.workbooks import estimates, fit
from esgflow.workbooks import layout as L
from esgflow.workbooks.registers import write_registers


def _layout() -> dict[str, Any]:
    """The template's own layout (colours, widths, instructions, headings), as templates/layout.yaml gives it."""
    return L.assets()


_FILLS = _layout()["fills"]
INPUT_FILL = PatternFill("solid", fgColor=_FILLS["input"])  # a figure: every one is required
OPTIONAL_FILL = PatternFill("solid", fgColor=_FILLS["optional"])  # what a reporter may leave blank
HEADER_FILL = PatternFill("solid", fgColor=_FILLS["header"])
SUM_FILL = PatternFill("solid", fgColor=_FILLS["sum"])
BAD_FILL = PatternFill("solid", fgColor=_FILLS["bad"])
UNLOCKED = Protection(locked=False)
INSTRUCTIONS = [(line["zh"], line["en"]) for line in _layout()["instructions"]]
# Said only in templates that have the actual/estimated column.
ESTIMATE_INSTRUCTION = (_layout()["estimate_instruction"]["zh"], _layout()["estimate_instruction"]["en"])


@dataclass(frozen=True)
class TemplateRequest:
    entity: Entity
    period: Period
    prior_values: dict[str, Decimal]  # reporting units
    signature: str  # esgflow.workbooks.signing.signature of the entity, period and template version
    # None: the catalog's current version; an older one rewrites what was sent before (tests, reissues)
    template_version: str | None = None
    deadline: date | None = None  # when the return is due (the cycle's), printed on the instructions sheet
    contact: str | None = None  # whom to ask about the template (the ESG office)


def template_name(ind: Indicator, catalog: Catalog, lang: str) -> str:
    """An input's name as its row shows it: with what it does not count, when another row asks that."""
    if not ind.excludes:
        return ind.name(lang)
    names = [catalog[c].name(lang) for c in ind.excludes]
    if lang == "zh":
        return f"{ind.name_zh}（{glossary.EXCLUDING[0]}{'、'.join(names)}）"
    # "Construction waste" reads "construction waste" inside the sentence
    names = [n[0].lower() + n[1:] if n[1:2].islower() else n for n in names]
    return f"{ind.name_en} ({glossary.EXCLUDING[1]} {', '.join(names)})"


def _rule_text(ind: Indicator, catalog: Catalog) -> str:
    parts = []
    if ind.dtype == "integer":
        parts.append("整数 whole number")
    if ind.rules.min is not None and ind.rules.max is not None:
        parts.append(f"{ind.rules.min}–{ind.rules.max}")
    elif ind.rules.min is not None:
        parts.append(f"≥ {ind.rules.min}")
    if ind.rules.not_above:
        whole = catalog[ind.rules.not_above]
        parts.append(f"≤ {whole.name_zh} {whole.name_en}")
    return "; ".join(parts)


def _validation(ind: Indicator) -> DataValidation:
    kind = "whole" if ind.dtype == "integer" else "decimal"
    low = ind.rules.min if ind.rules.min is not None else -1e15
    high = ind.rules.max if ind.rules.max is not None else 1e15
    dv = DataValidation(type=kind, operator="between", formula1=str(low), formula2=str(high), allow_blank=True)
    dv.showErrorMessage = True
    dv.errorTitle = "数值无效 Invalid figure"
    what = "整数 a whole number" if kind == "whole" else "数字 a number"
    dv.error = f"请填写{what} between {low:g} and {high:g}；无数据请留空 (leave blank if not reported)."
    return dv


def _estimate_validation() -> DataValidation:
    """The drop-down of a mark cell. A typed word of either language (actual, E, 估计) is read too, so
    Excel only warns about a value off the list; esgflow judges it when the file comes back."""
    dv = DataValidation(type="list", formula1='"' + ",".join(estimates.CHOICES) + '"', allow_blank=True)
    dv.showErrorMessage = True
    dv.errorStyle = "warning"
    dv.errorTitle = estimates.HEADER
    dv.error = (
        f"请选择“{estimates.ACTUAL}”或“{estimates.ESTIMATED}”，实际数可留空 (choose from the list; blank means actual)."
    )
    return dv


def _number_format(ind: Indicator) -> str:
    return "#,##0" if ind.dtype == "integer" else "General"


def _prior_format(ind: Indicator, value: Decimal) -> str:
    """Last period's figure with separators and every digit it has (up to six places): it is what the
    reporter compares with, so nothing of it is rounded away."""
    if ind.dtype == "integer":
        return "#,##0"
    places = min(max(-int(tidy(value).as_tuple().exponent), 0), 6)
    return display.excel_format(places)


def write_prior(cell: Cell, ind: Indicator, prior: Decimal | None) -> None:
    """Last period's figure (reporting units) in the unit the row asks for; None leaves the cell as a
    cell never written to."""
    if prior is None:
        cell.value, cell.number_format = None, "General"
        return
    last = units.convert(prior, ind.unit, ind.input_unit or ind.unit)
    cell.value = float(last)  # a number, never text: nothing here can become a formula
    cell.number_format = _prior_format(ind, last)


def _unit_text(ind: Indicator) -> str:
    """The unit a reporter enters a figure in, in Chinese and as written ('立方米 m³')."""
    unit = ind.input_unit or ind.unit
    zh = ind.unit_zh if unit == ind.unit else units.label_zh(unit)
    return display.unit(f"{zh} {unit}" if zh != unit else unit)


def _blank_until_entered(cells: str, formula: str) -> str:
    """A computed cell that stays blank until one of `cells` holds a number (no 0 before anything is entered)."""
    return f'=IF(COUNT({cells})=0,"",{formula})'


def _legend(ws: Worksheet) -> None:
    """Row 2 of a pillar sheet: what the cell colours mean, each said on a cell of that colour."""
    *coloured, blank = (L.heading(spec) for spec in _layout()["legend"])
    for col, text, fill in zip("ABC", coloured, (INPUT_FILL, OPTIONAL_FILL, SUM_FILL), strict=True):
        ws[f"{col}2"] = text
        ws[f"{col}2"].fill, ws[f"{col}2"].font = fill, fit.header_font()
        ws[f"{col}2"].alignment = Alignment(horizontal="center")
    ws["D2"] = blank


def _fit_rows(ws: Worksheet) -> None:
    """Rows tall enough for their wrapped names, rules and units at the columns' widths (Excel does not
    re-fit rows it did not write; WPS and LibreOffice fit them differently)."""
    widths = {col: ws.column_dimensions[col].width for col in "ABCDEFGH"}
    for r in range(L.HEADER_ROW, ws.max_row + 1):
        wrapped = [c for c in widths if ws[f"{c}{r}"].alignment.wrap_text]
        cells = [(ws[f"{col}{r}"].value, widths[col]) for col in wrapped]
        shown = [(v, w) for v, w in cells if isinstance(v, str) and not v.startswith("=")]
        if shown:
            ws.row_dimensions[r].height = fit.row_height(shown)


def location_choice(region: Region) -> str:
    """How a location is offered in a split's list: its code first, which is what is read back."""
    return " ".join(filter(None, (region.code, region.name_zh, region.name_en)))


def _write_locations(ws: Worksheet, regions: Mapping[str, Region]) -> None:
    """The list a split's location cells choose from (column A from row 2, as their validation says)."""
    ws.append([L.heading(spec) for spec in _layout()["locations_columns"]])
    for cell in ws[1]:
        cell.font, cell.fill = fit.header_font(), HEADER_FILL
    for region in regions.values():
        ws.append([location_choice(region), region.code, region.name_zh, region.name_en])
    fit.fit_columns(ws)
    fit.print_setup(ws, title_rows="1:1", kind="locations")
    ws.protection.sheet = True


def _write_split(ws: Worksheet, ind: Indicator, first: int, total_row: int, choices: str, wb: Workbook) -> None:
    """The split block of an input under the sheet's rows: a location and an amount per row.

    Each cell has a defined name (`<code>__split_<n>_location`, `<code>__split_<n>`), so it is read
    by name like every input; a row left blank is no row.
    """
    assert ind.split is not None
    header = [L.heading(spec, code=ind.code) for spec in _layout()["split_columns"]]
    header[4] = f"{ind.name_zh} {ind.name_en}"  # column E: the amounts of this indicator
    for col, text in zip("ABCDEFGH", header, strict=True):
        ws[f"{col}{first}"] = text
        ws[f"{col}{first}"].font, ws[f"{col}{first}"].fill = fit.header_font(), HEADER_FILL
        ws[f"{col}{first}"].alignment = Alignment(vertical="center", wrap_text=True)
    write_text(
        ws[f"{L.COL_RULE}{first}"],
        "只在一个地点用电时留空；各行之和应等于上方合计 Leave blank if all in one place; rows add up to the total",
    )
    places = DataValidation(type="list", formula1=choices, allow_blank=True)
    places.showErrorMessage = True
    places.errorTitle = "地点无效 Unknown location"
    places.error = "请从列表中选择省份或国家 Choose a province or country from the list."
    ws.add_data_validation(places)
    amounts = _validation(ind)
    ws.add_data_validation(amounts)
    sheet = ws.title.replace("'", "''")
    rows = range(first + 1, first + 1 + ind.split.rows)
    for n, r in enumerate(rows, start=1):
        ws[f"{L.COL_CODE}{r}"] = f"{ind.code} #{n}"
        ws[f"{L.COL_UNIT}{r}"] = _unit_text(ind)
        where, amount = ws[f"{L.COL_NAME_ZH}{r}"], ws[f"{L.COL_VALUE}{r}"]
        where.fill, where.protection = OPTIONAL_FILL, UNLOCKED
        amount.fill, amount.protection, amount.number_format = OPTIONAL_FILL, UNLOCKED, _number_format(ind)
        places.add(where.coordinate)
        amounts.add(amount.coordinate)
        for name, col in (
            (L.split_location_name(ind.code, n), L.COL_NAME_ZH),
            (L.split_amount_name(ind.code, n), L.COL_VALUE),
        ):
            wb.defined_names[name] = DefinedName(name, attr_text=f"'{sheet}'!${col}${r}")
    r = rows.stop
    span = f"{L.COL_VALUE}{rows.start}:{L.COL_VALUE}{rows.stop - 1}"
    total, target = f"{L.COL_VALUE}{r}", f"{L.COL_VALUE}{total_row}"
    ws[f"{L.COL_NAME_ZH}{r}"] = "拆分合计（应等于合计）"
    ws[f"{L.COL_NAME_EN}{r}"] = "Sum of the split (must equal the total)"
    ws[total] = _blank_until_entered(span, f"SUM({span})")
    ws[total].number_format = _number_format(ind)
    ws[f"{L.COL_UNIT}{r}"] = _unit_text(ind)
    for col in "ABCDEFGH":
        ws[f"{col}{r}"].fill = SUM_FILL
    ws[f"{L.COL_RULE}{r}"] = f'=IF(COUNT({span})=0,"",IF({total}={target},"✓","≠ {target}"))'
    ws.conditional_formatting.add(
        total, FormulaRule(formula=[f"AND(COUNT({span})>0,{total}<>{target})"], fill=BAD_FILL)
    )


def _write_pillar(
    ws: Worksheet,
    rows: list[L.Row],
    req: TemplateRequest,
    catalog: Catalog,
    wb: Workbook,
    version: str,
    choices: str | None,
) -> None:
    ws.append([f"{req.entity.short_zh} {req.entity.name_en}", None, None, None, f"{req.period}"])
    _legend(ws)
    ws.append([])
    marks = catalog.marks_estimates(version)
    after = {"period": str(req.period), "prior": str(req.period.shifted_years(-1))}
    columns = _layout()["pillar_columns"][: 9 if marks else 8]  # I, actual or estimated, only where asked
    ws.append([L.heading(spec, **after) for spec in columns])
    for cell in ws[L.HEADER_ROW]:
        cell.font, cell.fill = fit.header_font(), HEADER_FILL
    row_of: dict[str, int] = {}
    validations: dict[tuple[str, float | None, float | None], DataValidation] = {}
    mark_choices = _estimate_validation() if marks else None
    if mark_choices:
        ws.add_data_validation(mark_choices)
    for r, row in enumerate(rows, start=L.FIRST_ROW):
        if isinstance(row, L.InputRow):
            ind = row.indicator
            row_of[ind.code] = r
            ws[f"{L.COL_CODE}{r}"] = ind.code
            ws[f"{L.COL_NAME_ZH}{r}"] = template_name(ind, catalog, "zh")
            ws[f"{L.COL_NAME_EN}{r}"] = template_name(ind, catalog, "en")
            ws[f"{L.COL_UNIT}{r}"] = _unit_text(ind)
            value = ws[f"{L.COL_VALUE}{r}"]
            value.fill, value.protection, value.number_format = INPUT_FILL, UNLOCKED, _number_format(ind)
            note = ws[f"{L.COL_NOTE}{r}"]
            note.fill, note.protection = OPTIONAL_FILL, UNLOCKED
            if (prior := req.prior_values.get(ind.code)) is not None:
                write_prior(ws[f"{L.COL_PRIOR}{r}"], ind, prior)
            write_text(ws[f"{L.COL_RULE}{r}"], _rule_text(ind, catalog))
            key = (("whole" if ind.dtype == "integer" else "decimal"), ind.rules.min, ind.rules.max)
            if key not in validations:
                validations[key] = _validation(ind)
                ws.add_data_validation(validations[key])
            validations[key].add(value.coordinate)
            sheet = ws.title.replace("'", "''")
            wb.defined_names[ind.code] = DefinedName(ind.code, attr_text=f"'{sheet}'!${L.COL_VALUE}${r}")
            note_name = ind.code + L.NOTE_SUFFIX
            wb.defined_names[note_name] = DefinedName(note_name, attr_text=f"'{sheet}'!${L.COL_NOTE}${r}")
            if mark_choices:
                mark = ws[f"{L.COL_ESTIMATE}{r}"]
                mark.fill, mark.protection = OPTIONAL_FILL, UNLOCKED
                mark_choices.add(mark.coordinate)
                mark_name = ind.code + L.ESTIMATE_SUFFIX
                wb.defined_names[mark_name] = DefinedName(mark_name, attr_text=f"'{sheet}'!${L.COL_ESTIMATE}${r}")
        else:
            ws[f"{L.COL_NAME_ZH}{r}"] = row.label_zh
            ws[f"{L.COL_NAME_EN}{r}"] = row.label_en
            refs = [f"{L.COL_VALUE}{row_of[p]}" for p in row.parts]
            total, entered = f"{L.COL_VALUE}{r}", ",".join(refs)
            # Blank until a part is entered: a 0 there would read as a figure nobody gave.
            ws[total] = _blank_until_entered(entered, "+".join(refs))
            first_part = catalog[row.parts[0]]
            ws[total].number_format = _number_format(first_part)
            ws[f"{L.COL_UNIT}{r}"] = _unit_text(first_part)  # the parts' unit: they are added as entered
            for col in "ABCDEFGHI" if marks else "ABCDEFGH":
                ws[f"{col}{r}"].fill = SUM_FILL
            if row.total:
                target = f"{L.COL_VALUE}{row_of[row.total]}"
                ws[f"{L.COL_RULE}{r}"] = _blank_until_entered(entered, f'IF({total}={target},"✓","≠ {target}")')
                ws.conditional_formatting.add(
                    total, FormulaRule(formula=[f"AND(COUNT({entered})>0,{total}<>{target})"], fill=BAD_FILL)
                )
    # Split blocks go under every row, so that adding them moved no cell of version 1.
    first = L.FIRST_ROW + len(rows) + 1
    for row in rows:
        split = row.indicator.split_in(version) if isinstance(row, L.InputRow) else None
        if split and choices:
            _write_split(ws, row.indicator, first, row_of[row.indicator.code], choices, wb)  # type: ignore[union-attr]
            first += split.rows + 3  # header, rows, sum and a blank row
    widths = _layout()["pillar_widths"]  # columns A to I (I only where estimates are marked)
    for col, width in zip("ABCDEFGHI", [*widths[:8], widths[8] if marks else None], strict=True):
        if width:
            ws.column_dimensions[col].width = width
    ws.freeze_panes = f"{L.COL_VALUE}{L.FIRST_ROW}"
    ws[f"{L.COL_VALUE}{L.HEADER_ROW}"].comment = Comment("填写本期数值 Enter this period's figure", "esgflow")
    wrapped = _layout()["wrapped_columns"]  # names, unit and rule wrap; the rows are made tall enough for them
    for row_cells in ws.iter_rows(min_row=L.FIRST_ROW):
        for cell in row_cells:
            wrap = cell.column_letter in wrapped or bool(cell.alignment.wrap_text)  # split headers wrap too
            cell.alignment = Alignment(vertical="center", wrap_text=wrap)
    for cell in ws[L.HEADER_ROW]:
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    _fit_rows(ws)
    fit.print_setup(ws, title_rows=f"{L.HEADER_ROW}:{L.HEADER_ROW}", kind="pillars")
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # reporters may widen columns
    ws.protection.formatRows = False


def _write_instructions(ws: Worksheet, req: TemplateRequest, version: str, wb: Workbook, catalog: Catalog) -> None:
    layout = _layout()
    labels = {key: L.heading(spec) for key, spec in layout["labels"].items()}
    ws.append([layout["title"]])
    ws["A1"].font = fit.header_font(size=layout["title_size"])
    ws.append([])
    meta = [
        (labels["entity"], req.entity.code, "meta_entity"),
        (labels["period"], req.period.code, "meta_period"),
        (labels["template_version"], version, "meta_template_version"),
        (labels["signature"], req.signature, "meta_signature"),
    ]
    for label, value, name in meta:
        ws.append([label, value])
        wb.defined_names[name] = DefinedName(name, attr_text=f"'{ws.title}'!$B${ws.max_row}")
    for name, label in L.PEOPLE:  # filled by the reporter: who prepared, reviewed and answers for the return
        ws.append([label, None])
        cell = ws[f"B{ws.max_row}"]
        cell.fill, cell.protection, cell.number_format = INPUT_FILL, UNLOCKED, "@"
        wb.defined_names[name] = DefinedName(name, attr_text=f"'{ws.title}'!$B${ws.max_row}")
    ws.append([labels["name"], f"{req.entity.name_zh} / {req.entity.name_en}"])
    if req.deadline:  # a reporter holding only the file still knows when it is due and whom to ask
        ws.append([labels["deadline"], req.deadline.isoformat()])
    if req.contact:
        ws.append([labels["contact"], req.contact])
    ws.append([])
    zh_first = req.entity.language == "zh"
    widths = dict(layout["instructions_widths"])
    for zh, en in [*INSTRUCTIONS, *([ESTIMATE_INSTRUCTION] if catalog.marks_estimates(version) else [])]:
        for text in (zh, en) if zh_first else (en, zh):
            ws.append([text])
            # Across both columns, so that a long line wraps within the page instead of running off it.
            ws.merge_cells(f"A{ws.max_row}:B{ws.max_row}")
            ws[f"A{ws.max_row}"].alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[ws.max_row].height = fit.row_height([(text, sum(widths.values()))])
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    fit.print_setup(ws, kind="instructions")
    ws.protection.sheet = True


def write_template(
    path: Path, req: TemplateRequest, catalog: Catalog, regions: Mapping[str, Region] | None = None
) -> list[str]:
    """Write the workbook; returns the codes of the indicators it asks for.

    regions: the places a split may name (the factor registry's, by default)."""
    wb, codes = build_template(req, catalog, regions)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return codes


def build_template(
    req: TemplateRequest, catalog: Catalog, regions: Mapping[str, Region] | None = None
) -> tuple[Workbook, list[str]]:
    """The workbook write_template saves, and the codes of the indicators it asks for."""
    version = req.template_version or catalog.template_version
    if not catalog.knows_template_version(version):
        raise EsgflowError(f"template version {version!r} is not one of 1 to {catalog.template_version}")
    inputs = catalog.inputs_for_kind(req.entity.kind, version)
    wb = Workbook()
    wb.remove(wb.active)
    places = None
    if any(i.split_in(version) for i in inputs):
        places = load_factors().regions if regions is None else regions
    choices = f"'{L.LOCATIONS_SHEET}'!$A$2:$A${len(places) + 1}" if places else None
    for kind in _layout()["sheets"]:  # in the order the layout gives
        if kind == "instructions":
            _write_instructions(wb.create_sheet(L.INSTRUCTIONS_SHEET), req, version, wb, catalog)
        elif kind == "pillars":
            for pillar in catalog.pillars:
                rows = L.sheet_rows(catalog, inputs, pillar)
                if rows:
                    sheet = wb.create_sheet(L.sheet_title(catalog, pillar))
                    _write_pillar(sheet, rows, req, catalog, wb, version, choices)
        elif kind == "registers":
            registers = [t for t in catalog.tables if t.in_template(version, req.entity.kind)]
            write_registers(wb, registers, version, f"{req.entity.short_zh} {req.entity.name_en} {req.period}")
        elif kind == "locations" and places:  # the list a split's location cells choose from
            _write_locations(wb.create_sheet(L.LOCATIONS_SHEET), places)
    wb.security.lockStructure = True
    return wb, [i.code for i in inputs]
