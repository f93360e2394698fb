"""Read one returned workbook into raw figures with their cells, or refuse it."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Collection, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal

from esgflow import glossary
from esgflow.catalog import Catalog, Indicator, is_template_version, load_catalog
from esgflow.factors import load_factors
from esgflow.findings import Finding, Refused, refuse
from esgflow.periods import parse_period
from esgflow.registers import RegisterRow
from esgflow.workbooks import formats
from esgflow.workbooks import layout as L
from esgflow.workbooks.estimates import read_mark
from esgflow.workbooks.parse import NOT_REPORTED, parse_note, parse_number
from esgflow.workbooks.reader import RawCell, read_named_cells
from esgflow.workbooks.register_rows import read_registers
from esgflow.workbooks.safe_zip import SafeZip

PARALLEL_FROM = 16  # files; below this, process start-up costs more than it saves


@dataclass(frozen=True)
class ReportedValue:
    """One named cell as the reporter filled it in: the value in the template's input unit."""

    code: str
    value: Decimal | None
    unit: str
    sheet: str
    cell: str
    found: str | None
    note: str | None
    # marked estimated by the reporter; a return without the column (an older template) is all actual
    estimated: bool = False


@dataclass(frozen=True)
class SplitRow:
    """One row of an input's split: where (a factor registry region code) and how much (input unit)."""

    code: str
    location: str
    value: Decimal
    unit: str
    sheet: str
    cell: str  # the amount's cell
    location_cell: str
    found: str | None


@dataclass(frozen=True)
class ParsedReturn:
    file: str
    entity: str
    period: str
    template_version: str
    reported: list[ReportedValue]
    findings: list[Finding]
    meta_cells: dict[str, tuple[str, str]]  # meta name -> (sheet, cell)
    signature: str | None = None  # meta_signature as found; verified against the key by the ingest
    splits: list[SplitRow] = field(default_factory=list)  # rows of every split block, in row order
    people: dict[str, str] = field(default_factory=dict)  # meta_preparer ... meta_contact_email, as filled in
    registers: list[RegisterRow] = field(default_factory=list)  # every filled row of the registers it holds


def _meta(cells: dict[str, RawCell], name: str, file: str) -> tuple[str, RawCell]:
    cell = cells.get(name)
    if cell is None:
        raise formats.refusal("not_template", file, name)
    text = (cell.text or "").strip()
    if cell.type in ("", "e", "b") or not text:
        raise refuse("missing_metadata", f"{name} is empty", file=file, sheet=cell.sheet, cell=cell.ref)
    if cell.type == "n" and text.endswith(".0"):  # a spreadsheet may turn '1' or '2024' into 1.0
        text = text[:-2]
    return text, cell


def _check_version(version: str, cell: RawCell, file: str, catalog: Catalog) -> None:
    """Every version up to the catalog's current one is read (an older one by its names); a newer
    one was written by a newer esgflow, which may ask for figures this one cannot check."""
    current = catalog.template_version
    known = "version 1" if current == "1" else f"versions 1 to {current}"
    where = f"meta_template_version ('{cell.sheet}'!{cell.ref})"
    if not is_template_version(version):
        raise refuse(
            "template_version",
            f"{where} is {version!r}, not a template version esgflow writes ({known}); "
            "fill in the template sent for this period",
            file=file,
            sheet=cell.sheet,
            cell=cell.ref,
        )
    if int(version) > int(current):
        raise refuse(
            "template_version_newer",
            f"{where} is template version {version}, newer than this esgflow knows ({known}): "
            "the template was written by a newer esgflow; the ESG office must update esgflow here "
            "and ingest this file again",
            file=file,
            sheet=cell.sheet,
            cell=cell.ref,
        )


def _split_error(
    ind: Indicator, file: str, at: RawCell | tuple[str, str], rule: str, message: str, **compared: Decimal
) -> Finding:
    """An error of a split at a cell (a read cell, or the (sheet, cell) of a figure)."""
    sheet, cell, found = (at.sheet, at.ref, at.text) if isinstance(at, RawCell) else (*at, None)
    return Finding(
        rule=rule,
        severity="error",
        indicators=(ind.code,),
        file=file,
        sheet=sheet,
        cell=cell,
        found=found,
        message=f"{ind.code} ({ind.name_en}), split: {message}",
        **compared,
    )


def _location_of(cell: RawCell) -> str | None:
    """The region code a location cell names: the first word of 'CN-LN 辽宁 Liaoning', or None when blank."""
    text = " ".join(unicodedata.normalize("NFKC", cell.text or "").split()) if cell.type not in ("", "e") else ""
    if text.lower() in NOT_REPORTED:
        return None
    return text.split(" ", 1)[0].upper()


def _half_unit(value: Decimal) -> Decimal:
    """Half a unit in the last place a figure is written to: 1,000 stands for [999.5, 1000.5)."""
    exponent = value.as_tuple().exponent
    return Decimal(5).scaleb(int(exponent) - 1) if isinstance(exponent, int) else Decimal(0)


def _read_splits(
    cells: dict[str, RawCell],
    catalog: Catalog,
    version: str,
    reported: list[ReportedValue],
    file: str,
    regions: Collection[str],
) -> tuple[list[SplitRow], list[Finding]]:
    """The split rows of every input the template splits, checked as strictly as the figures.

    A row left blank is no row; half a row, an unknown or repeated place, an amount that is not
    a non-negative number, a split without its total or one that does not add up to the total
    (within the rounding of the figures as written) is an error at its cell.
    """
    totals = {r.code: r for r in reported}
    splits: list[SplitRow] = []
    findings: list[Finding] = []
    for ind in catalog.indicators:
        split = ind.split_in(version)
        if split is None:
            continue
        rows: list[SplitRow] = []
        seen: dict[str, str] = {}
        errors = 0
        for n in range(1, split.rows + 1):
            where = cells.get(L.split_location_name(ind.code, n))
            amount = cells.get(L.split_amount_name(ind.code, n))
            if where is None or amount is None:
                continue  # the name is not in this workbook: nothing was offered there
            location = _location_of(where)
            value, error = parse_number(amount, ind, file)
            blank_amount = value is None and error is None
            if location is None and blank_amount:
                continue
            errors += 1
            if error:
                findings.append(error)
            elif location is None:
                findings.append(
                    _split_error(
                        ind, file, where, "split_incomplete", f"row {n} has an amount but no place; choose one"
                    )
                )
            elif blank_amount:
                findings.append(
                    _split_error(
                        ind, file, amount, "split_incomplete", f"row {n} names {location} but has no amount; enter it"
                    )
                )
            elif location not in regions:
                findings.append(
                    _split_error(
                        ind, file, where, "split_unknown_location", f"{where.text!r} is not a place in the list"
                    )
                )
            elif location in seen:
                findings.append(
                    _split_error(
                        ind,
                        file,
                        where,
                        "split_duplicate_location",
                        f"{location} is named twice (also at {seen[location]}); put its amounts in one row",
                    )
                )
            elif value is not None and value < 0:
                findings.append(_split_error(ind, file, amount, "range", f"row {n}: {amount.text} is below zero"))
            else:
                assert value is not None
                errors -= 1
                seen[location] = where.ref
                unit = ind.input_unit or ind.unit
                rows.append(SplitRow(ind.code, location, value, unit, amount.sheet, amount.ref, where.ref, amount.text))
        if not rows or errors:
            continue
        total = totals.get(ind.code)
        if total is None or total.value is None:
            at = (total.sheet, total.cell) if total else (rows[0].sheet, rows[0].cell)
            message = "the total is blank; enter the total the split adds up to"
            findings.append(_split_error(ind, file, at, "split_without_total", message))
            continue
        parts = sum((r.value for r in rows), Decimal(0))
        tolerance = _half_unit(total.value) + sum((_half_unit(r.value) for r in rows), Decimal(0))
        if abs(parts - total.value) > tolerance:
            message = (
                f"the rows ({', '.join(r.cell for r in rows)}) add up to {parts}, "
                f"the total at {total.cell} is {total.value}; make them agree"
            )
            compared = {"expected": total.value, "actual": parts}
            findings.append(_split_error(ind, file, (total.sheet, total.cell), "split_sum", message, **compared))
            continue
        splits += rows
    return splits, findings


def read_return(data: bytes, file: str, catalog: Catalog, regions: Collection[str] | None = None) -> ParsedReturn:
    """Parse a returned workbook; Refused when it cannot be read as a return at all.

    regions: the place codes a split may name (the factor registry's, by default)."""
    zf = SafeZip.open(data, file)
    named = read_named_cells(zf)
    twice_meta = sorted(set(named.defined_twice) & set(L.META_NAMES))
    if twice_meta:
        name = twice_meta[0]
        raise refuse(
            "duplicate_defined_name",
            f"the defined name {name} is defined twice ({' and '.join(named.defined_twice[name])}); "
            "use the template sent for this period",
            file=file,
        )
    version, vcell = _meta(named.cells, "meta_template_version", file)
    _check_version(version, vcell, file, catalog)
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
    reported: list[ReportedValue] = []
    findings: list[Finding] = []
    for code, cell in named.cells.items():
        if code in L.META_NAMES or code in L.PEOPLE_NAMES or code.endswith((L.NOTE_SUFFIX, L.ESTIMATE_SUFFIX)):
            continue
        if code not in catalog:
            continue  # a name of the reporter's own; not ours to read
        ind = catalog[code]
        if ind.is_input and not ind.in_template(catalog.template_version):
            # Retired: the current template no longer asks for it, so taking it from the entities
            # that still sent an older one would make a partial group figure. Nothing to fix.
            continue
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
        estimated, bad_mark = read_mark(named.cells.get(code + L.ESTIMATE_SUFFIX), ind, file)
        if bad_mark:
            findings.append(bad_mark)
        reported.append(
            ReportedValue(
                code,
                value,
                ind.input_unit or ind.unit,
                cell.sheet,
                cell.ref,
                cell.text,
                parse_note(named.cells.get(code + L.NOTE_SUFFIX)),
                # a mark beside a blank marks nothing: there is no figure to be an estimate
                estimated and value is not None,
            )
        )
    for name, targets in sorted(named.defined_twice.items()):
        if name in catalog:  # which of the two the reporter meant cannot be known: neither is read
            findings.append(
                Finding(
                    rule="duplicate_defined_name",
                    severity="error",
                    indicators=(name,),
                    file=file,
                    message=f"the defined name {name} is defined twice, at {' and at '.join(targets)}; "
                    "keep one and send the file again",
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
    splits, split_findings = _read_splits(
        named.cells, catalog, version, reported, file, load_factors().regions if regions is None else regions
    )
    findings += split_findings
    registers, register_findings = read_registers(zf, catalog, version, file)
    findings += register_findings
    if not any(r.value is not None for r in reported) and not findings:
        findings.append(
            Finding(
                rule="empty_return",
                severity="error",
                file=file,
                message="no figure is filled in; enter this period's figures and send the file again",
            )
        )
    meta_cells = {
        n: (c.sheet, c.ref)
        for n, c in (("meta_entity", ecell), ("meta_period", pcell), ("meta_template_version", vcell))
    }
    signed = named.cells.get("meta_signature")
    if signed is not None:
        meta_cells["meta_signature"] = (signed.sheet, signed.ref)
    signature = (signed.text or "").strip() or None if signed is not None else None
    people = {name: (named.cells[name].text or "").strip() for name in L.PEOPLE_NAMES if name in named.cells}
    findings += _unsigned(named.cells, people, file)
    return ParsedReturn(
        file, entity, period, version, reported, findings, meta_cells, signature, splits,
        {name: text for name, text in people.items() if text}, registers,
    )  # fmt: skip


def _unsigned(cells: Mapping[str, RawCell], people: dict[str, str], file: str) -> list[Finding]:
    """A warning for each of preparer, reviewer and responsible (填报人/审核人/负责人) left blank, at its cell.

    The template carries these cells and the reader asks for them: a return without them is answered with
    what to type where, is "accepted with warnings" (never plainly accepted), and the office's review page
    shows the gap before its approve button. A warning, not an error: a return whose figures are right is
    not refused for a missing name, so its figures are not lost from the provisional report while the
    names are asked for (decision for the office to confirm). A template without the cells is not asked."""
    return [
        Finding(
            rule=f"{name}_missing",
            severity="warning",
            file=file,
            sheet=cells[name].sheet,
            cell=cells[name].ref,
            message=f"{glossary.SIGNATORIES[name][1]} is not named; type the name in "
            f"{cells[name].sheet}!{cells[name].ref} and send the file again",
        )
        for name in L.REQUIRED_PEOPLE
        if name in people and not people[name]
    ]


_worker_catalog: Catalog | None = None  # the catalog of a reading process, set once when it starts


def readable_return(data: bytes, name: str, catalog: Catalog) -> ParsedReturn | None:
    """A workbook read as a return, or None when it cannot be: for a look before the ingest judges it
    (the portal's identity check and figures, a blank template beside a return), which must never
    fail on what the ingest refuses cleanly."""
    found = read_one(data, name, catalog)
    return found if isinstance(found, ParsedReturn) else None


def read_one(data: bytes, name: str, catalog: Catalog) -> ParsedReturn | Finding:
    """One workbook read as the ingest reads it, or the finding that refuses it: read once before the
    ingest (a portal upload's identity check), the same result is handed to the ingest, not read again."""
    return _read_or_refusal((data, name), catalog)


def _use_catalog(catalog: Catalog) -> None:
    global _worker_catalog
    _worker_catalog = catalog


def _read_or_refusal(item: tuple[bytes, str], catalog: Catalog | None = None) -> ParsedReturn | Finding:
    """Read one workbook (in a worker process); a refusal comes back as its finding."""
    data, name = item
    try:
        return read_return(data, name, catalog or _worker_catalog or load_catalog())
    except Refused as exc:
        return exc.finding
    except Exception as exc:  # one poisonous file must not stop the batch; it is refused with what went wrong
        return Finding(
            rule="unreadable",
            severity="error",
            file=name,
            message=f"the workbook could not be read ({type(exc).__name__}: {exc}); "
            "save it again as Excel Workbook (.xlsx) and send it again",
        )


def read_returns(items: list[tuple[bytes, str]], catalog: Catalog | None = None) -> Iterator[ParsedReturn | Finding]:
    """Read (bytes, file name) pairs in order, in parallel processes when there are enough of them,
    so that the caller can write earlier results while later ones are still being read.

    catalog: the ingest's own (the packaged one by default); a worker gets it once, when it starts."""
    workers = min(os.cpu_count() or 1, 8)
    if len(items) < PARALLEL_FROM or workers < 2:
        yield from (_read_or_refusal(i, catalog) for i in items)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_use_catalog, initargs=(catalog,)) as pool:
        yield from pool.map(_read_or_refusal, items, chunksize=4)
