"""Where things sit in a template. Readers never rely on it: they go by defined names."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from esgflow import glossary
from esgflow.catalog import Catalog, Indicator, formula_names, read_yaml

# The template's own layout as data (sheet order and titles, headings, widths, fonts, print set-up): changing
# it needs no Python. A test points this elsewhere to show that the written workbook follows the data.
LAYOUT_FILE: Any = resources.files("esgflow.templates") / "layout.yaml"


@cache
def assets() -> dict[str, Any]:
    """templates/layout.yaml, read once."""
    return read_yaml(LAYOUT_FILE.read_text("utf-8"))


def heading(spec: Mapping[str, str] | None, **after: str) -> str | None:
    """A heading of the layout: a glossary column word ({words: KEY}) or its own {zh, en}, in both languages
    or one (lang), with a value after it (after: period, prior or code); None for a blank heading."""
    if spec is None:
        return None
    zh, en = glossary.COLUMNS[spec["words"]] if "words" in spec else (spec.get("zh"), spec.get("en"))
    lang = spec.get("lang")
    parts = [text for text in ([zh] if lang == "zh" else [en] if lang == "en" else [zh, en]) if text]
    if "after" in spec:
        parts.append(after[spec["after"]])
    return " ".join(parts)


INSTRUCTIONS_SHEET = assets()["titles"]["instructions"]
META_NAMES = ("meta_entity", "meta_period", "meta_template_version", "meta_signature")
# Who stands behind a return (填报人 / 审核人 / 负责人, with telephone and e-mail), on the instructions sheet.
PEOPLE = tuple((name, f"{zh} {en}") for name, (zh, en) in glossary.SIGNATORIES.items())
PEOPLE_NAMES = tuple(name for name, _ in PEOPLE)
# the names a return must give (its contact telephone and e-mail help, but the office has the registered contacts)
REQUIRED_PEOPLE = ("meta_preparer", "meta_reviewer", "meta_responsible")
NOTE_SUFFIX = "__note"
# The actual/estimated mark of an input (templates from the catalog's `estimate_marks` version on).
ESTIMATE_SUFFIX = "__estimate"
# A split row of an input: `<code>__split_<n>_location` (where) and `<code>__split_<n>` (how much).
SPLIT_MARK = "__split_"
LOCATION_SUFFIX = "_location"
LOCATIONS_SHEET = assets()["titles"]["locations"]

# Columns of a pillar sheet.
COL_CODE, COL_NAME_ZH, COL_NAME_EN, COL_UNIT, COL_VALUE, COL_PRIOR, COL_NOTE, COL_RULE = "ABCDEFGH"
# After every column older templates have, so that none of theirs moves.
COL_ESTIMATE = "I"
HEADER_ROW = 4
FIRST_ROW = HEADER_ROW + 1


def split_amount_name(code: str, n: int) -> str:
    return f"{code}{SPLIT_MARK}{n}"


def split_location_name(code: str, n: int) -> str:
    return f"{code}{SPLIT_MARK}{n}{LOCATION_SUFFIX}"


def split_name(name: str) -> tuple[str, int, str] | None:
    """(indicator code, row number, 'amount' or 'location') of a split cell's defined name, else None."""
    code, mark, rest = name.partition(SPLIT_MARK)
    if not mark or not code:
        return None
    kind = "location" if rest.endswith(LOCATION_SUFFIX) else "amount"
    number = rest.removesuffix(LOCATION_SUFFIX)
    if not number.isdigit() or number.startswith("0"):
        return None
    return code, int(number), kind


def sheet_title(catalog: Catalog, pillar: str) -> str:
    names = catalog.pillars[pillar]
    return f"{names['zh']} {names['en']}"


@dataclass(frozen=True)
class InputRow:
    indicator: Indicator


@dataclass(frozen=True)
class SumRow:
    """A computed row showing what parts add up to; `total` is the figure they must equal."""

    label_zh: str
    label_en: str
    parts: tuple[str, ...]
    total: str | None


Row = InputRow | SumRow


def _is_plain_sum(ind: Indicator) -> bool:
    """A total the catalog derives by adding two or more inputs (one input alone is itself, not a total)."""
    return bool(ind.formula) and _plain_sum(ind.formula)


@cache  # sheet_rows asks it of every indicator for every row: parse each formula once
def _plain_sum(formula: str) -> bool:
    if len(formula_names(formula)) < 2:
        return False
    tree = ast.parse(formula, mode="eval").body

    def plain(node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return True
        return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and plain(node.left) and plain(node.right)

    return plain(tree)


def sheet_rows(catalog: Catalog, inputs: list[Indicator], pillar: str) -> list[Row]:
    """Rows of one pillar sheet: catalog order, each breakdown right under its total with a
    row that sums it, and a computed row for totals the catalog derives as plain sums (fuels)."""
    on_sheet = [i for i in inputs if i.pillar == pillar]
    codes = {i.code for i in on_sheet}
    placed: set[str] = set()
    rows: list[Row] = []
    for ind in on_sheet:
        if ind.code in placed:
            continue
        rows.append(InputRow(ind))
        placed.add(ind.code)
        for parts in ind.breakdowns:
            present = [catalog[p] for p in parts if p in codes and p not in placed]
            if not present:
                continue
            rows += [InputRow(p) for p in present]
            placed.update(p.code for p in present)
            rows.append(
                SumRow(
                    "分项合计（应等于上方合计）",
                    "Sum of the parts above (must equal the total)",
                    tuple(p.code for p in present),
                    ind.code,
                )
            )
        for derived in catalog.indicators:
            parts_needed = derived.formula_inputs()
            if (
                _is_plain_sum(derived)
                and derived.pillar == pillar
                and ind.code == parts_needed[-1]
                and all(p in placed for p in parts_needed)
            ):
                rows.append(
                    SumRow(
                        f"{derived.name_zh}（自动合计）",
                        f"{derived.name_en} (computed)",
                        tuple(parts_needed),
                        None,
                    )
                )
    return rows
