"""The registers: lists a return answers row by row (an entity's sites, its climate risks), as the catalog's
`tables:` section declares them.

Each register is an Excel table (a named ListObject, `tbl_<name>`) on a sheet of its own in the template; its
columns are declared here once, with their bilingual headings, their type (text, number with a range, or a
choice from a list), whether a row must fill them, and the template version that first asks them. The
template writes them, the reader validates every row against them, and the report consolidates them into the
group's registers: adding a column is a line in the catalog.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from esgflow import EsgflowError, glossary

ColumnType = Literal["text", "number", "enum"]
# Other ways a yes/no is typed or stored: a spreadsheet's TRUE/FALSE cell is read as 1/0.
_ALIASES = {"yes": ("y", "true", "1"), "no": ("n", "false", "0")}
TABLE_PREFIX = "tbl_"  # INTERFACE.md: a register's ListObject is named tbl_<name>
MAX_TEXT = 500  # characters a text cell keeps; a longer one is refused, never cut


@dataclass(frozen=True)
class Choice:
    value: str  # what is stored (`physical_acute`)
    zh: str
    en: str

    @property
    def label(self) -> str:
        """How the template's drop-down offers it: both languages, Chinese first."""
        return f"{self.zh} {self.en}"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    type: ColumnType
    required: bool
    template_version: str
    min: Decimal | None = None
    max: Decimal | None = None
    choices: tuple[Choice, ...] = ()

    @property
    def heading(self) -> str:
        """The table's column header: both languages, as the template writes it and the reader finds it."""
        return f"{self.zh} {self.en}"

    def choice(self, text: str) -> Choice | None:
        """The choice a cell names: its value, its Chinese or English label, or both as the list offers them."""
        wanted = plain(text)
        for c in self.choices:
            if wanted in {plain(c.value), plain(c.zh), plain(c.en), plain(c.label), *_ALIASES.get(c.value, ())}:
                return c
        return None


@dataclass(frozen=True)
class Table:
    name: str  # `sites`; the ListObject is tbl_sites
    zh: str
    en: str
    template_version: str
    reported_by: str | tuple[str, ...]
    columns: tuple[Column, ...]
    disclosure: dict[str, tuple[str, ...]]
    rows: int = 20  # empty rows the template offers

    @property
    def list_name(self) -> str:
        return TABLE_PREFIX + self.name

    @property
    def sheet_title(self) -> str:
        return f"{self.zh} {self.en}"[:31]

    def columns_in(self, version: str) -> tuple[Column, ...]:
        """The columns the template of `version` asks."""
        return tuple(c for c in self.columns if int(c.template_version) <= int(version))

    def in_template(self, version: str, kind: str) -> bool:
        """Whether an entity of this kind is asked this register in the template of `version`."""
        asked = self.reported_by == "all" or (isinstance(self.reported_by, tuple) and kind in self.reported_by)
        return asked and int(self.template_version) <= int(version)


@dataclass(frozen=True)
class RegisterRow:
    """One row of a register as the reporter filled it: column key -> value as text (blank cells left out):
    text as typed, a number as the exact decimal the file holds, a choice as its value."""

    table: str  # the register's name (`sites`)
    sheet: str
    row: int  # the row's number on its sheet
    cells: dict[str, str]


def plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _choices(raw: Any, where: str) -> tuple[Choice, ...]:
    if raw == "yes_no":  # the one yes/no list every register shares
        return tuple(Choice(k, zh, en) for k, (zh, en) in glossary.YES_NO.items())
    if not isinstance(raw, list) or not raw:
        raise EsgflowError(f"catalog: {where}: choices must be yes_no or a list of {{value, zh, en}}")
    return tuple(Choice(str(c["value"]), str(c["zh"]), str(c["en"])) for c in raw)


_COLUMN_FIELDS = {"key", "heading", "type", "required", "template_version", "min", "max", "choices"}


def _column(raw: dict[str, Any], table_version: str, where: str) -> Column:
    unknown = sorted(set(raw) - _COLUMN_FIELDS)
    if unknown:
        raise EsgflowError(f"catalog: {where}: column fields esgflow does not read: {unknown}")
    kind = raw.get("type", "text")
    if kind not in ("text", "number", "enum"):
        raise EsgflowError(f"catalog: {where}: column type must be text, number or enum, not {kind!r}")
    heading = raw["heading"]
    return Column(
        key=str(raw["key"]),
        zh=str(heading["zh"]),
        en=str(heading["en"]),
        type=kind,
        required=bool(raw.get("required", False)),
        template_version=str(raw.get("template_version", table_version)),
        min=None if raw.get("min") is None else Decimal(str(raw["min"])),
        max=None if raw.get("max") is None else Decimal(str(raw["max"])),
        choices=_choices(raw.get("choices"), where) if kind == "enum" else (),
    )


_TABLE_FIELDS = {"name", "title", "template_version", "reported_by", "rows", "columns", "disclosure"}


def parse_tables(raw: Any, frameworks: tuple[str, ...]) -> tuple[Table, ...]:
    """The catalog's `tables:` section as records; a field esgflow does not read is refused."""
    tables = []
    for t in raw or ():
        unknown = sorted(set(t) - _TABLE_FIELDS)
        if unknown:
            raise EsgflowError(f"catalog: table {t.get('name')!r} has fields esgflow does not read: {unknown}")
        version = str(t.get("template_version", "1"))
        reported = t.get("reported_by", "all")
        columns = tuple(_column(c, version, f"table {t['name']}, column {c.get('key')}") for c in t["columns"])
        tables.append(
            Table(
                name=str(t["name"]),
                zh=str(t["title"]["zh"]),
                en=str(t["title"]["en"]),
                template_version=version,
                reported_by=reported if isinstance(reported, str) else tuple(reported),
                columns=columns,
                disclosure={k: tuple(str(x) for x in (t.get("disclosure") or {}).get(k, ())) for k in frameworks},
                rows=int(t.get("rows", 20)),
            )
        )
    return tuple(tables)


def table_problems(tables: tuple[Table, ...], versions_ok: Any) -> list[str]:
    """What makes the declared registers unusable (names, versions, ranges, headings)."""
    problems: list[str] = []
    names = [t.name for t in tables]
    problems += [f"table {n}: declared twice" for n in sorted({n for n in names if names.count(n) > 1})]
    for t in tables:
        where = f"table {t.name}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", t.name):
            problems.append(f"{where}: a name is lower-case letters, digits and _ (the ListObject is tbl_<name>)")
        if not versions_ok(t.template_version):
            problems.append(f'{where}: template_version must be a template version such as "4"')
        if not 1 <= t.rows <= 200:
            problems.append(f"{where}: rows must be 1 to 200")
        headings = [c.heading for c in t.columns]
        keys = [c.key for c in t.columns]
        if len(set(headings)) != len(headings) or len(set(keys)) != len(keys):
            problems.append(f"{where}: two columns share a key or a heading")
        for c in t.columns:
            late_enough = versions_ok(t.template_version) and int(c.template_version) >= int(t.template_version)
            if not versions_ok(c.template_version) or not late_enough:
                problems.append(f"{where}, column {c.key}: template_version must be the table's or later")
            if c.min is not None and c.max is not None and c.min > c.max:
                problems.append(f"{where}, column {c.key}: min above max")
    return problems


def read_text(value: str) -> str:
    """A text cell as stored: its own characters, only the surrounding white space dropped."""
    return value.strip()


def cells_text(cells: dict[str, str], table: Table, lang: str) -> dict[str, str]:
    """A stored row for people: choices as their label in `lang`, everything else as stored."""
    out = {}
    for c in table.columns:
        value = cells.get(c.key, "")
        choice = next((x for x in c.choices if x.value == value), None)
        out[c.key] = (choice.zh if lang == "zh" else choice.en) if choice else value
    return out
