"""What the office sees before it signs a period off: the provisional report it is signing, the coverage,
and exactly which group checks are open, each warning with whether a reporter's note explains it.

A sign-off is one irreversible step, so the page shows what it locks, and the form asks for the signer's
name and an explicit confirmation (POST, with the session's CSRF token) before anything is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from esgflow.checks.rules import wording
from esgflow.config import Settings
from esgflow.cycle.status import EntityStatus
from esgflow.entities import load_registry
from esgflow.findings import Finding
from esgflow.periods import Period
from esgflow.report.coverage import coverage_of

CONFIRMED = "yes"  # the value of the confirmation box; anything else is no confirmation


@dataclass(frozen=True)
class OpenCheck:
    """One open group check: its severity, the rule by name, its sentence, and the reporters' notes on
    its indicators (none: the warning is not explained)."""

    severity: str
    rule: str
    message: str
    notes: list[str]

    @property
    def explained(self) -> bool:
        return bool(self.notes)


def open_checks(findings: list[Finding], lang: str) -> list[OpenCheck]:
    """The errors and warnings of a group run, errors first, each with the notes (info findings of the same
    run) written beside the indicators it is about."""
    notes: dict[str, list[str]] = {}
    for f in findings:
        if f.rule == "reporter_note":
            for code in f.indicators:
                notes.setdefault(code, []).append(f.message)
    shown = [f for f in findings if f.severity in ("error", "warning")]
    shown.sort(key=lambda f: f.severity != "error")
    return [
        OpenCheck(f.severity, wording(f.rule, lang)[0], f.message, [n for c in f.indicators for n in notes.get(c, [])])
        for f in shown
    ]


def report_link(settings: Settings, period: Period, lang: str) -> str | None:
    """The portal link of the period's report page in the office's language (else the other one), if written."""
    folder = settings.reports / period.code
    for name in (f"appendix.{lang}.html", "appendix.zh.html", "appendix.en.html"):
        if (folder / name).is_file():
            return f"/reports/{period.code}/{name}"
    return None


def coverage_line(period: Period, statuses: list[EntityStatus], lang: str) -> str:
    """Which entities the figures being signed rest on, and which are missing, rejected or waiting, by name."""
    return coverage_of(period.code, statuses, load_registry()).summary(lang)


def signer(name: str, email: str) -> str:
    """Who signs, as the audit trail records it: the name the office typed, and the sign-in it typed it under."""
    return f"{' '.join(name.split())} <{email}>"
