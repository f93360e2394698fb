"""The one naming rule of workbooks: a template is `<ENTITY>_<P>.xlsx`.

Reporters keep the name, or add to it (a browser saves a second download as
`SAMI_2025 (1).xlsx`, people write `SAMI_2025_v2.xlsx`), so reading a name takes the
entity before the first underscore and the period up to the first space, bracket or
underscore after it.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from esgflow.periods import Period

_NAME = re.compile(r"^(?P<entity>[^_]+)(?:_(?P<period>[^ (_]*))?")


def template_name(entity: str, period: Period) -> str:
    """The file name of an entity's template for a period."""
    return f"{entity}_{period.code}.xlsx"


def _stem(file_name: str) -> str:
    return PurePath(file_name).stem


def named_entity(file_name: str) -> str:
    """The entity a file name names (the text before the first underscore)."""
    return _stem(file_name).partition("_")[0]


def named_period(file_name: str) -> str | None:
    """The period text a file name gives after its entity, if any (not checked as a period)."""
    match = _NAME.match(_stem(file_name))
    return (match["period"] or None) if match else None
