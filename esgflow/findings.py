"""Findings: what esgflow tells people about a file, a figure or the group's figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from esgflow import EsgflowError
from esgflow.safety import shown

# The finding (and the reason a message is kept aside) when a return is for an entity its sender does not report for.
NOT_YOUR_ENTITY = "not_your_entity"

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    indicators: tuple[str, ...] = ()
    entity: str | None = None
    period: str | None = None
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    expected: Decimal | None = None
    actual: Decimal | None = None
    found: str | None = field(default=None, compare=False)  # the text as it stood in the cell
    version: int | None = field(default=None, compare=False)  # the return's version, once it has one

    @property
    def where(self) -> str:
        """'file, sheet!cell' as far as known."""
        place = f"'{self.sheet}'!{self.cell}" if self.sheet and self.cell else (self.sheet or "")
        return shown(", ".join(p for p in (self.file, place) if p))

    def line(self) -> str:
        return f"{self.where}: {self.message} [{self.rule}]" if self.where else f"{self.message} [{self.rule}]"

    def to_json(self) -> dict[str, Any]:
        found = {
            "period": self.period,
            "rule": self.rule,
            "severity": self.severity,
            "indicators": list(self.indicators),
            "entity": self.entity,
            "message": self.message,
            "expected": None if self.expected is None else float(self.expected),
            "actual": None if self.actual is None else float(self.actual),
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
        }
        if self.version is not None:  # a stored return's finding says which of its versions it is about
            found["version"] = self.version
        return found


class Refused(EsgflowError):
    """A file that cannot be read as a return at all; nothing of it is loaded."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.line())
        self.finding = finding


def refuse(
    rule: str, message: str, *, file: str | None = None, sheet: str | None = None, cell: str | None = None
) -> Refused:
    return Refused(Finding(rule=rule, severity="error", message=message, file=file, sheet=sheet, cell=cell))
