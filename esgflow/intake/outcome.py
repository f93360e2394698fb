"""What became of one ingested file, and the line that tells the person who ran the ingest.

The line is in English, the language of the command; a refusal for a file's format adds the
reporter's Chinese wording when the entity its name suggests writes Chinese, or when the name
suggests no known entity (the name is used for the wording only, never trusted for anything else).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from esgflow.cycle.states import ACCEPTED
from esgflow.entities import load_registry
from esgflow.findings import Finding, refuse
from esgflow.safety import shown
from esgflow.workbooks.formats import in_language
from esgflow.workbooks.naming import named_entity

if TYPE_CHECKING:  # the run pages (and Jinja) only for a batch's page: `status` reads outcomes' words, not pages
    from esgflow.checks.run_page import RunReturn


@dataclass(frozen=True)
class Outcome:
    path: Path
    # accepted | accepted_with_warnings | rejected | refused | duplicate | kept (a message by mail)
    # | gone (taken by another run between listing and reading: that run answers for it)
    # | set_aside (a blank template that came beside its filled return in one message)
    status: str
    content_hash: str
    entity: str | None = None
    period: str | None = None
    version: int | None = None
    observation_count: int = 0  # values loaded (blanks that mean 'not reported' are not counted)
    findings: list[Finding] = field(default_factory=list)
    letter: Path | None = None  # the return letter (plain text, the reporter's language)
    annotated: Path | None = None  # their workbook with the findings marked, when there are findings
    superseded_by: str | None = None  # a later file of the same batch that became the newer version
    note: str | None = None  # what else the person should know (answered late, letter not written)
    same_as: str | None = None  # a duplicate of a refused file: the name of the copy that was refused
    # its period was signed off before it came: kept as a late correction, it changes no published figure
    # unless the ESG office approves it and restates the period
    late_correction: bool = False
    # indicator -> (figure as typed, unit asked in) of a judged return, read once by the pipeline: whoever
    # shows the outcome (the portal) quotes the figures from here instead of reading the workbook again
    written: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    # figures of a stored return that need documents it has none of yet: (indicator, what zh, what en), for its letter
    needs: tuple[tuple[str, str, str], ...] = ()

    @property
    def answer(self) -> str:
        """What the reporter is told it became: 'late_correction' for an accepted return of a signed-off period."""
        return "late_correction" if self.late_correction and self.status in ACCEPTED else self.status

    def line(self) -> str:
        """One line for the person who runs `esgflow ingest`."""
        name = shown(self.path.name)
        who = f"{self.entity} {self.period}" if self.entity else ""
        errors = [f for f in self.findings if f.severity == "error"]
        first = errors[0] if errors else None
        place = f"'{first.sheet}'!{first.cell}: " if first and first.cell else ""
        if self.status == "gone":
            return f"{name}: gone before it was read (another run took it and answers for it); nothing changed"
        if self.status == "kept":  # a message by mail that was not taken: the ESG office has it
            return f"{name}: kept aside for the ESG office: {self.note}"
        if self.status == "set_aside":  # a blank template beside a filled return in one message
            return f"{name}: set aside, not a new version: {self.note}"
        if self.status == "duplicate" and first and self.same_as is not None:
            return (
                f"{name}: duplicate of {shown(self.same_as)}, which was refused: {place}{self._reason(first)} "
                f"[{first.rule}]; nothing changed"
            )
        if self.status == "duplicate":
            if not self.entity:  # bytes stored meanwhile by another run that has not said whose they are
                return f"{name}: duplicate of a file already received; nothing changed"
            return f"{name}: duplicate of {who} version {self.version}; nothing changed"
        if self.status == "refused" and first:
            return f"{name}: refused: {place}{self._reason(first)} [{first.rule}]" + self._after()
        if self.status == "rejected" and first:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            return (
                f"{name}: rejected as {who} version {self.version}: {place}{first.message} [{first.rule}]{more}"
                + self._after()
            )
        warn = len(self.findings) - len(errors)
        tail = f", {warn} warning{'s' if warn > 1 else ''}" if warn else ""
        figures = f"{self.observation_count} figure{'' if self.observation_count == 1 else 's'}"
        late = " (a late correction: the period is signed off, it changes no published figure unless restated)"
        return (
            f"{name}: accepted as {who} version {self.version} ({figures}{tail})"
            + (late if self.late_correction else "")
            + self._after()
        )

    def _reason(self, finding: Finding) -> str:
        """The refusal's message, with the reporter's Chinese beside it unless they write English."""
        zh = in_language(finding.message, "zh")
        if zh == finding.message:
            return finding.message
        named = named_entity(self.path.name)
        entity = next((e for e in load_registry().entities if e.code == named), None)
        return finding.message if entity is not None and entity.language == "en" else f"{finding.message} / {zh}"

    def _after(self) -> str:
        later = f"; superseded by {shown(self.superseded_by)}, which arrived later" if self.superseded_by else ""
        return later + (f"; {self.note}" if self.note else "")


def in_run(results: dict[int, Outcome]) -> tuple[list[Finding], list[RunReturn]]:
    """What a batch's validation run judged, for its page: each return's file, version and letter, and every
    finding its letter gives (the workbook reader's as well as the suite's)."""
    from esgflow.checks.run_page import RunReturn

    judged = [
        RunReturn(o.entity, o.path.name, o.version, o.letter, list(o.findings))
        for o in (results[k] for k in sorted(results))
        if o.entity is not None
    ]
    return [f for j in judged for f in j.findings], judged


def link_refused(path: Path) -> Outcome:
    """A symbolic link is refused unread: what it points at may be anywhere on this machine."""
    finding = refuse(
        "symbolic_link",
        "this is a symbolic link, not a file; links are never followed: send the workbook itself",
        file=path.name,
    ).finding
    return Outcome(path, "refused", "", findings=[finding])
