"""Whether each framework item of a period is answered, explained or still open (issue 28.5).

An item is answered when a figure of the period answers it (an indicator whose catalog `disclosure:` names
the item has a group figure) or when an approved narrative does; explained when an approved explanation says
why it is not disclosed; open otherwise. A text nobody but its writer has approved counts for nothing: it is
shown, but the item stays open. An earlier period's approved text is offered as a draft to confirm.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from esgflow.findings import Finding
from esgflow.records import DisclosureTextRecord
from esgflow.report.disclosure import FRAMEWORK_NAMES, IndexEntry

ANSWERED, EXPLAINED, OPEN = "answered", "explained", "open"
EXPLANATION, NARRATIVE = "explanation", "narrative"
KINDS = (EXPLANATION, NARRATIVE)
OPEN_RULE = "disclosure_open"


@dataclass(frozen=True)
class ItemAnswer:
    """One framework item of a period as `esgflow disclosure show --json` gives it."""

    framework: str
    item: str
    mandatory: bool
    status: str
    codes: tuple[str, ...]  # the indicators whose figures of the period answer it
    text: DisclosureTextRecord | None = None  # the period's text, or a draft carried from an earlier period
    title_en: str = ""

    @property
    def draft(self) -> bool:
        """A text written but not yet approved (or carried forward and not yet confirmed)."""
        return self.text is not None and self.text.approved_by is None

    def to_json(self) -> dict[str, Any]:
        t = self.text
        return {
            "framework": self.framework,
            "item": self.item,
            "mandatory": self.mandatory,
            "status": self.status,
            "codes": list(self.codes),
            "kind": t.kind if t else None,
            "text_zh": t.text_zh if t else None,
            "text_en": t.text_en if t else None,
            "written_by": t.written_by if t else None,
            "approved_by": t.approved_by if t else None,
            "carried_from": t.carried_from if t else None,
        }


def _carried(text: DisclosureTextRecord) -> DisclosureTextRecord:
    """An earlier period's approved text as a draft of this period: approved by nobody yet (a confirmed one is
    kept in this period with the period it came from)."""
    return replace(text, carried_from=text.period, approved_by=None)


def item_answers(
    entries: Iterable[IndexEntry],
    figure_codes: set[str],
    texts: Iterable[DisclosureTextRecord],
    earlier: Iterable[DisclosureTextRecord] = (),
) -> list[ItemAnswer]:
    """Each index entry's standing in a period, from the codes with a figure in it and the texts written."""
    own = {(t.framework, t.item): t for t in texts}
    drafts = {(t.framework, t.item): _carried(t) for t in earlier}
    answers = []
    for e in entries:
        key = (e.framework, e.item)
        text = own.get(key) or drafts.get(key)
        codes = tuple(c for c in e.codes if c in figure_codes)
        approved = text is not None and text.approved_by is not None
        if codes or (approved and text is not None and text.kind == NARRATIVE):
            status = ANSWERED
        elif approved:
            status = EXPLAINED
        else:
            status = OPEN
        answers.append(ItemAnswer(e.framework, e.item, e.mandatory, status, codes, text, e.title_en))
    return answers


def answered_index(entries: list[IndexEntry], answers: list[ItemAnswer]) -> list[IndexEntry]:
    """The index entries with their period's standing and approved text, for the index and the page."""
    by_key = {(a.framework, a.item): a for a in answers}
    out = []
    for e in entries:
        a = by_key[(e.framework, e.item)]
        approved = a.text if a.text is not None and not a.draft else None
        out.append(
            replace(
                e,
                answer=a.status,
                text_zh=approved.text_zh if approved else "",
                text_en=approved.text_en if approved else "",
            )
        )
    return out


def open_mandatory(answers: Iterable[ItemAnswer]) -> list[ItemAnswer]:
    return [a for a in answers if a.mandatory and a.status == OPEN]


def open_findings(answers: Iterable[ItemAnswer], period: str, entries: Iterable[IndexEntry]) -> list[Finding]:
    """One warning per mandatory item of the period that is neither answered nor explained."""
    catalog_codes = {(e.framework, e.item): e.codes for e in entries}
    findings = []
    for a in open_mandatory(answers):
        name = FRAMEWORK_NAMES[a.framework]["en"]
        pending = " (a text waits for approval by someone other than its writer)" if a.text is not None else ""
        findings.append(
            Finding(
                OPEN_RULE,
                "warning",
                f"{name} item {a.item} ({a.title_en}) is mandatory but neither answered by a figure of {period} "
                f"nor explained{pending}: record a narrative or an explanation with 'esgflow disclosure "
                f"explain --period {period} --framework {a.framework} --item {a.item} ...' and have it approved",
                indicators=catalog_codes.get((a.framework, a.item), ()),
                period=period,
            )
        )
    return findings
