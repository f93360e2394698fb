"""Report tables: the appendix in CSV, Excel and HTML, and the disclosure index."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from esgflow import EsgflowError
from esgflow.catalog import Catalog
from esgflow.report import coverage
from esgflow.report.answers import ItemAnswer, answered_index, open_mandatory
from esgflow.report.disclosure import disclosure_index
from esgflow.report.html import write_page
from esgflow.report.registers import write_register_csvs
from esgflow.report.tables import AppendixTable
from esgflow.report.targets import write_targets_csv
from esgflow.report.writers import write_appendix_csv, write_appendix_xlsx, write_index_csv, write_scope3_csv

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class ReportFiles:
    table: AppendixTable
    files: list[Path]
    consolidated_first: bool = False  # accepted returns were newer than the figures: they were recomputed
    open_items: tuple[ItemAnswer, ...] = ()  # mandatory framework items neither answered nor explained


def check_languages(langs: list[str]) -> None:
    unknown = [lang for lang in langs if lang not in LANGUAGES]
    if unknown:
        raise EsgflowError(f"unknown language {', '.join(unknown)}; choose from {', '.join(LANGUAGES)}")


def write_report(
    table: AppendixTable, catalog: Catalog, out: Path, langs: list[str], answers: list[ItemAnswer] | None = None
) -> ReportFiles:
    """Write appendix.csv, appendix.xlsx, appendix.<lang>.html and the disclosure index to `out`; with the
    period's answers, the index shows each mandatory item answered, explained (with its text) or open."""
    check_languages(langs)
    if not any(cell for row in table.rows for cell in row.cells.values()):
        raise EsgflowError(f"the warehouse holds no group figures for {table.period} or the two years before it")
    entries = disclosure_index(catalog)
    if answers is not None:
        entries = answered_index(entries, answers)
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "appendix.csv", out / "appendix.xlsx", out / "disclosure_index.csv"]
    write_appendix_csv(table, files[0])
    write_appendix_xlsx(table, entries, catalog, files[1])
    write_index_csv(entries, catalog, files[2])
    for lang in langs:
        files.append(out / f"appendix.{lang}.html")
        write_page(table, entries, catalog, lang, files[-1])
    if table.targets:
        files.append(out / "targets.csv")
        write_targets_csv(table.targets, files[-1])
    if table.scope3:
        files.append(out / "scope3_screening.csv")
        write_scope3_csv(table, files[-1])
    files += write_register_csvs(table.registers, catalog, out)
    if table.coverage is not None:  # provisional: which entities the figures rest on, beside the tables
        files.append(table.coverage.write(out))
    else:
        coverage.remove_stale(out)
    return ReportFiles(table, files, open_items=tuple(open_mandatory(answers or ())))
