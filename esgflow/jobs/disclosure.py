"""The disclosure jobs (issue 28.5): each framework item of a period answered, explained or open, and the
explanations and narratives the ESG office writes and approves (never the writer approving their own)."""

from __future__ import annotations

from dataclasses import replace

from esgflow import EsgflowError
from esgflow.catalog import FRAMEWORKS, load_catalog
from esgflow.config import Settings
from esgflow.cycle.review import actor
from esgflow.entities import load_registry
from esgflow.figures import scope3
from esgflow.findings import Finding
from esgflow.jobs.common import require_schema, standing_basis
from esgflow.periods import Period
from esgflow.records import DisclosureTextRecord
from esgflow.report.answers import KINDS, ItemAnswer, item_answers, open_findings
from esgflow.report.disclosure import IndexEntry, disclosure_index
from esgflow.report.registers import answered_registers
from esgflow.warehouse import db
from esgflow.warehouse.disclosure import (
    approve_text,
    disclosure_texts,
    earlier_approved_texts,
    text_of,
    write_text,
)
from esgflow.warehouse.figures import group_figures
from esgflow.warehouse.registers import period_rows
from esgflow.warehouse.scope3 import screenings
from esgflow.warehouse.trail import record_audit


def period_answers(session: db.Session, period: Period, entries: list[IndexEntry]) -> list[ItemAnswer]:
    """Every index entry's standing in the period, from the group's figures and the texts written."""
    figures = group_figures(session, load_registry().root(), [period])
    with_figure = {code for (code, _, _), value in figures.items() if value is not None}
    rows = period_rows(session, period, standing_basis(session, period))  # the returns the figures stand on
    with_figure |= answered_registers(rows, load_catalog())  # tbl_sites, once it has rows
    with_figure = scope3.answering(with_figure, screenings(session, period))  # D28(c): the screening first
    return item_answers(
        entries, with_figure, disclosure_texts(session, period), earlier_approved_texts(session, period)
    )


def show_disclosure(settings: Settings, period: Period, framework: str | None = None) -> list[ItemAnswer]:
    """Every framework item of a period (of one framework, if given) with its standing and its text."""
    if framework is not None and framework not in FRAMEWORKS:
        raise EsgflowError(f"unknown framework {framework!r}; choose from {', '.join(FRAMEWORKS)}")
    require_schema(settings)
    entries = disclosure_index(load_catalog())
    with db.session_scope(settings.database_url) as session:
        answers = period_answers(session, period, entries)
    return [a for a in answers if framework is None or a.framework == framework]


def disclosure_findings(settings: Settings, period: Period) -> list[Finding]:
    """A finding per mandatory item of the period that nothing answers or explains."""
    entries = disclosure_index(load_catalog())
    with db.session_scope(settings.database_url) as session:
        answers = period_answers(session, period, entries)
    return open_findings(answers, period.code, entries)


def _entry(framework: str, item: str) -> IndexEntry:
    for e in disclosure_index(load_catalog()):
        if e.framework == framework and e.item == item:
            return e
    if framework not in FRAMEWORKS:
        raise EsgflowError(f"unknown framework {framework!r}; choose from {', '.join(FRAMEWORKS)}")
    raise EsgflowError(f"{framework} has no item {item!r} (esgflow disclosure show --framework {framework} lists them)")


def write_disclosure(
    settings: Settings, period: Period, framework: str, item: str, kind: str, texts: tuple[str, str], by: str
) -> DisclosureTextRecord:
    """Record why an item is not disclosed (explanation) or a narrative answer, in Chinese and English;
    it waits for approval by someone else, and a rewrite waits again."""
    if kind not in KINDS:
        raise EsgflowError(f"unknown kind of text {kind!r}; choose from {', '.join(KINDS)}")
    _entry(framework, item)
    zh, en = (t.strip() for t in texts)
    if not zh or not en:
        raise EsgflowError("a disclosure text needs both --text-zh and --text-en (reporters and readers read each)")
    require_schema(settings)
    text = DisclosureTextRecord(period.code, framework, item, kind, zh, en, actor(by), None)
    with db.session_scope(settings.database_url) as session:
        before = write_text(session, period, text)
        detail = {"framework": framework, "item": item, "kind": kind, "text_zh": zh, "text_en": en}
        if before is not None:
            detail["replaced"] = {"kind": before.kind, "text_zh": before.text_zh, "text_en": before.text_en}
        record_audit(
            session, "disclosure_written", text.written_by, period, reason=f"{framework} {item}", detail=detail
        )
    return text


def approve_disclosure(settings: Settings, period: Period, framework: str, item: str, by: str) -> DisclosureTextRecord:
    """Approve the period's text of an item, or confirm the draft carried from an earlier period's approved
    text; the approver must not be its writer."""
    _entry(framework, item)
    require_schema(settings)
    approver = actor(by)
    with db.session_scope(settings.database_url) as session:
        text = text_of(session, period, framework, item)
        if text is None:
            earlier = [t for t in earlier_approved_texts(session, period) if (t.framework, t.item) == (framework, item)]
            if not earlier:
                raise EsgflowError(
                    f"{framework} {item} has no text for {period} to approve: write one first with "
                    "'esgflow disclosure explain' or 'esgflow disclosure narrative'"
                )
            text = DisclosureTextRecord(
                period.code,
                framework,
                item,
                earlier[0].kind,
                earlier[0].text_zh,
                earlier[0].text_en,
                earlier[0].written_by,
                None,
                earlier[0].period,
            )
        if text.approved_by is not None:
            raise EsgflowError(f"{framework} {item} for {period} is already approved by {text.approved_by}")
        if approver == text.written_by:
            raise EsgflowError(
                f"{approver} wrote the {framework} {item} text for {period} and cannot approve it: "
                "someone else must approve it"
            )
        if text.carried_from is not None:
            write_text(session, period, replace(text, approved_by=approver))
        else:
            approve_text(session, period, framework, item, approver)
        detail = {"framework": framework, "item": item, "kind": text.kind, "written_by": text.written_by}
        if text.carried_from:
            detail["carried_from"] = text.carried_from
        record_audit(session, "disclosure_approved", approver, period, reason=f"{framework} {item}", detail=detail)
    return replace(text, approved_by=approver)
