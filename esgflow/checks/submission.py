"""Checks on returns before anything of them is loaded: who and when they are for, and their figures.

`identity_findings` holds a return's metadata against what the warehouse knows (a return
for an unknown entity or a period not open is refused whole); `validate_returns` runs the
submission suite once over every return of a batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from esgflow import EsgflowError
from esgflow.catalog import Catalog
from esgflow.checks.describe import findings_from
from esgflow.checks.frames import staged_base, submission_frame
from esgflow.checks.gx_run import validator_for
from esgflow.checks.run_page import ValidationRun
from esgflow.findings import NOT_YOUR_ENTITY, Finding, Refused, refuse
from esgflow.periods import Period, parse_period
from esgflow.workbooks.formats import refusal
from esgflow.workbooks.naming import named_entity, named_period
from esgflow.workbooks.returns import ParsedReturn
from esgflow.workbooks.signing import signed_by


@dataclass(frozen=True)
class Known:
    """What the warehouse knows that a return's metadata must agree with."""

    kinds: dict[str, str]  # entity -> kind
    open_periods: set[str]  # periods whose templates have been issued
    members: Callable[[Period], set[str]]  # the entities of the group in a period
    key: bytes  # the signing key: a template's identity is verified against its meta_signature


def _forged(ret: ParsedReturn) -> Refused:
    """The identity was edited (or the signature removed): name the identity cells and the signature's."""
    entity_at, period_at = ("'{}'!{}".format(*ret.meta_cells[m]) for m in ("meta_entity", "meta_period"))
    where = ret.meta_cells.get("meta_signature")
    signed = f"the signature in '{where[0]}'!{where[1]}" if where and ret.signature else "any signature"
    sheet, cell = ret.meta_cells["meta_entity"]
    return refuse(
        "identity_not_signed",
        f"meta_entity {ret.entity} ({entity_at}) and meta_period {ret.period} ({period_at}) do not match "
        f"{signed} (meta_signature): the identity was changed after the template was sent; "
        "fill in the template that was sent to your entity for this period",
        file=ret.file,
        sheet=sheet,
        cell=cell,
    )


def identity_findings(ret: ParsedReturn, known: Known, catalog: Catalog) -> list[Finding]:
    """Refused when the return's entity or period cannot be taken; errors for figures its entity does not
    report; warnings for figures its entity reports that its older template version did not ask for."""

    def wrong(meta: str, message: str) -> Refused:
        sheet, cell = ret.meta_cells[meta]
        return refuse("wrong_metadata", message, file=ret.file, sheet=sheet, cell=cell)

    if ret.entity not in known.kinds:
        raise wrong("meta_entity", f"meta_entity {ret.entity!r} is not an entity of the group")
    # A file named like a template (perhaps with a suffix) must agree with its metadata.
    entity_in_name = named_entity(ret.file)
    if entity_in_name in known.kinds and entity_in_name != ret.entity:
        raise wrong(
            "meta_entity", f"the file name says {entity_in_name} but the workbook's meta_entity is {ret.entity}"
        )
    period_in_name = named_period(ret.file)
    if entity_in_name == ret.entity and period_in_name:
        try:
            named = parse_period(period_in_name).code
        except EsgflowError:
            named = None  # a name that only looks like a template's says nothing of the period
        if named and named != ret.period:
            raise wrong(
                "meta_period", f"the file name says period {named} but the workbook's meta_period is {ret.period}"
            )
    if not signed_by(known.key, ret.entity, ret.period, ret.template_version, ret.signature):
        raise _forged(ret)
    if ret.period not in known.open_periods:
        sheet, cell = ret.meta_cells["meta_period"]
        now = ", ".join(sorted(known.open_periods))
        kind = "period_not_open" if now else "no_period_open"
        raise refusal(kind, ret.file, sheet=sheet, cell=cell, period=ret.period, open=now)
    if ret.entity not in known.members(parse_period(ret.period)):
        raise wrong("meta_entity", f"{ret.entity} is not part of the group in {ret.period}")
    kind = known.kinds[ret.entity]
    return older_template_findings(ret, kind, catalog) + [
        Finding(
            rule="indicator_not_for_entity",
            severity="error",
            indicators=(r.code,),
            file=ret.file,
            sheet=r.sheet,
            cell=r.cell,
            message=f"{r.code} is not reported by a {kind.replace('_', ' ')}; this is another entity's template",
        )
        for r in ret.reported
        if not catalog[r.code].reported_by_kind(kind)
    ]


def older_template_findings(ret: ParsedReturn, kind: str, catalog: Catalog) -> list[Finding]:
    """A warning for each input the current template asks this entity for that the return's older
    template had no cell for.

    Not an error: the reporter filled in what their template asked, and rejecting the file would
    throw away good figures for something no edit of that file can fix. Not silent either: the
    return is accepted with warnings, nothing is stored for the figure (a blank is never zero), and
    the finding says how to send it: the current template, which replaces this return whole.
    """
    current = catalog.template_version
    if ret.template_version == current:
        return []
    sheet, cell = ret.meta_cells.get("meta_template_version", (None, None))
    given = {r.code for r in ret.reported if r.value is not None}  # a name the reporter added is read as usual
    out = []
    for ind in catalog.inputs_for_kind(kind):
        if ind.in_template(ret.template_version) or ind.code in given:
            continue
        unit = ind.input_unit or ind.unit
        out.append(
            Finding(
                rule="not_in_older_template",
                severity="warning",
                indicators=(ind.code,),
                file=ret.file,
                sheet=sheet,
                cell=cell,
                message=f"this workbook is template version {ret.template_version}; version {current} also "
                f"asks for {ind.code} ({ind.name_en}, in {unit}), which this file has no cell for, so nothing is "
                f"stored for it. Fill in the version {current} template for {ret.period} (ask the ESG office "
                "if you do not have it) with all your figures, this one included, and send it: it replaces "
                "this return.",
            )
        )
    return out


def compared_with(prior: list[pl.DataFrame], previous: list[pl.DataFrame]) -> pl.DataFrame:
    """entity, indicator, prior (last period's accepted figure) and previous (the accepted figure of the same
    period a new version replaces), from accepted_observations frames of the periods of a batch.

    One of each per entity and indicator: a batch rarely spans periods, and then the later one counts.
    """
    empty = pl.DataFrame(schema={"entity": pl.Utf8, "indicator": pl.Utf8, "value": pl.Float64})

    def one(frames: list[pl.DataFrame], name: str) -> pl.DataFrame:
        return pl.concat(
            [f.select("entity", "indicator", pl.col("value").cast(pl.Float64).alias(name)) for f in frames or [empty]],
            how="vertical_relaxed",
        ).unique(subset=["entity", "indicator"], keep="last", maintain_order=True)

    return one(prior, "prior").join(one(previous, "previous"), on=["entity", "indicator"], how="full", coalesce=True)


class Validated(dict[int, list[Finding]]):
    """Findings per return key, and the run that found them (for its page: esgflow.checks.run_page)."""

    run: ValidationRun | None = None


def validate_returns(
    returns: dict[int, ParsedReturn],
    staged: pl.DataFrame,
    kinds: dict[str, str],
    prior: pl.DataFrame,
    catalog: Catalog,
    home: Path,
) -> Validated:
    """Run the submission suite once over every return of a batch; findings per return key.

    staged: the batch's staged values (esgflow.intake.stage); prior: entity, indicator, prior
    (last period's accepted figures, for the change from last period).
    """
    known = {k: r for k, r in returns.items() if r.entity in kinds}
    if not known:
        return Validated()
    # An older template is held to what it asked for and the current one still does; what it lacks
    # is older_template_findings' to report, not a 'required' error the reporter cannot fix in it.
    asked = pl.DataFrame(
        [
            (key, ret.entity, i.code)
            for key, ret in known.items()
            for i in catalog.inputs_for_kind(kinds[ret.entity])
            if i.in_template(ret.template_version)
        ],
        schema={"key": pl.Int64, "entity": pl.Utf8, "indicator": pl.Utf8},
        orient="row",
    )
    unreadable = pl.DataFrame(  # cells that did not parse: their parse error already says what is wrong
        [(key, code) for key, ret in known.items() for f in ret.findings for code in f.indicators],
        schema={"key": pl.Int64, "indicator": pl.Utf8},
        orient="row",
    )
    in_batch = staged.filter(pl.col("key").is_in(list(known)))
    frame = submission_frame(staged_base(in_batch, asked, prior, unreadable, catalog), catalog)
    validator = validator_for(home, catalog)
    checked = validator.check("submission", frame, run_name=f"ingest-{len(known)}")
    by_key = findings_from(checked.failures, frame, catalog)
    wanted = pl.DataFrame(
        [(int(k), f.indicators[0]) for k, found in by_key.items() for f in found],
        schema={"key": pl.Int64, "indicator": pl.Utf8},
        orient="row",
    ).unique()
    places = {
        (r["key"], r["indicator"]): (r["sheet"], r["cell"])
        for r in in_batch.join(wanted, on=["key", "indicator"]).iter_rows(named=True)
    }
    out = Validated()
    out.run = checked.run
    for key, found in by_key.items():
        k = int(key)
        out[k] = [
            replace(
                f,
                file=returns[k].file,
                sheet=places.get((k, f.indicators[0]), (None, None))[0],
                cell=places.get((k, f.indicators[0]), (None, None))[1],
            )
            for f in found
        ]
    validator.note(checked.run, [replace(f, entity=returns[k].entity) for k, found in out.items() for f in found])
    return out


def not_theirs(ret: ParsedReturn, sender: str) -> Finding:
    """A return by mail for an entity its sender does not report for (its signature proved whose it is)."""
    return Finding(
        rule=NOT_YOUR_ENTITY,
        severity="error",
        message=f"sent by {sender}, who is not a registered reporter of {ret.entity}",
        file=ret.file,
        entity=ret.entity,
        period=ret.period,
    )
