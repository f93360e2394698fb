"""Read one returned workbook into raw figures with their cells, or refuse it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from esgflow.catalog import Catalog
from esgflow.findings import Finding, refuse
from esgflow.periods import parse_period
from esgflow.workbooks import layout as L
from esgflow.workbooks.parse import parse_note, parse_number
from esgflow.workbooks.reader import RawCell, read_named_cells
from esgflow.workbooks.safe_zip import SafeZip

SUPPORTED_TEMPLATE_VERSIONS = {L.TEMPLATE_VERSION}


@dataclass(frozen=True)
class RawFigure:
    """A figure as the reporter gave it: the value in the template's input unit."""

    code: str
    value: Decimal | None
    unit: str
    sheet: str
    cell: str
    found: str | None
    note: str | None


@dataclass(frozen=True)
class ParsedReturn:
    file: str
    entity: str
    period: str
    template_version: str
    figures: list[RawFigure]
    findings: list[Finding]
    meta_cells: dict[str, tuple[str, str]]  # meta name -> (sheet, cell)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


def _meta(cells: dict[str, RawCell], name: str, file: str) -> tuple[str, RawCell]:
    cell = cells.get(name)
    if cell is None:
        raise refuse(
            "missing_metadata", f"the workbook has no defined name {name}; it is not an esgflow template", file=file
        )
    text = (cell.text or "").strip()
    if cell.type in ("", "e", "b") or not text:
        raise refuse("missing_metadata", f"{name} is empty", file=file, sheet=cell.sheet, cell=cell.ref)
    if cell.type == "n" and text.endswith(".0"):  # a spreadsheet may turn '1' or '2024' into 1.0
        text = text[:-2]
    return text, cell


def read_return(data: bytes, file: str, catalog: Catalog) -> ParsedReturn:
    """Parse a returned workbook; Refused when it cannot be read as a return at all."""
    zf = SafeZip.open(data, file)
    named = read_named_cells(zf)
    version, vcell = _meta(named.cells, "meta_template_version", file)
    if version not in SUPPORTED_TEMPLATE_VERSIONS:
        raise refuse(
            "template_version",
            f"template version {version!r} is not accepted (current: {L.TEMPLATE_VERSION}); "
            "fill in the template sent for this period",
            file=file,
            sheet=vcell.sheet,
            cell=vcell.ref,
        )
    entity, ecell = _meta(named.cells, "meta_entity", file)
    period_text, pcell = _meta(named.cells, "meta_period", file)
    try:
        period = parse_period(period_text).code
    except Exception as exc:
        raise refuse(
            "wrong_metadata",
            f"meta_period {period_text!r} is not a period",
            file=file,
            sheet=pcell.sheet,
            cell=pcell.ref,
        ) from exc
    figures: list[RawFigure] = []
    findings: list[Finding] = []
    for code, cell in named.cells.items():
        if code in L.META_NAMES or code.endswith(L.NOTE_SUFFIX):
            continue
        if code not in catalog:
            continue  # a name of the reporter's own; not ours to read
        ind = catalog[code]
        if not ind.is_input:
            findings.append(
                Finding(
                    rule="derived_not_input",
                    severity="error",
                    indicators=(code,),
                    file=file,
                    sheet=cell.sheet,
                    cell=cell.ref,
                    message=f"{code} is computed by esgflow and cannot be reported",
                )
            )
            continue
        value, error = parse_number(cell, ind, file)
        if error:
            findings.append(error)
        figures.append(
            RawFigure(
                code,
                value,
                ind.input_unit or ind.unit,
                cell.sheet,
                cell.ref,
                cell.text,
                parse_note(named.cells.get(code + L.NOTE_SUFFIX)),
            )
        )
    for name, target in named.not_single_cells.items():
        if name in catalog or name in L.META_NAMES:
            findings.append(
                Finding(
                    rule="defined_name_moved",
                    severity="error",
                    indicators=(name,),
                    file=file,
                    message=f"the defined name {name} points at {target!r}, not at one cell",
                )
            )
    if not any(f.value is not None for f in figures) and not findings:
        findings.append(
            Finding(
                rule="empty_return",
                severity="error",
                file=file,
                message="no figure is filled in; enter this period's figures and send the file again",
            )
        )
    meta_cells = {n: (c.sheet, c.ref) for n, c in (("meta_entity", ecell), ("meta_period", pcell))}
    return ParsedReturn(file, entity, period, version, figures, findings, meta_cells)
