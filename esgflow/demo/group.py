"""The demo group: entity returns that share out the published 2024 figures.

Every input indicator's published group total is split over the entities that report
it, in the indicator's published precision, so that consolidation gives the published
figure back exactly. Counts behind derived rates (health checks behind a coverage rate)
are solved from the published rate. Parts are split in proportion to their whole, and
the last part of each breakdown is the remainder, so every entity's return is
internally consistent.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import MutableMapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from importlib import resources
from pathlib import Path

from esgflow import EsgflowError, units
from esgflow.catalog import Catalog, Indicator
from esgflow.entities import EntityRegistry
from esgflow.figures.history import read_published
from esgflow.periods import Period

DEMO_PERIOD = "2024"  # the year whose published figures the demo group's returns share out
# What the demo never takes from the environment: on a worker configured for the real cycle it
# would otherwise load fabricated returns into the real warehouse, mail 33 templates to real
# reporters, or sign with the real key. It always runs on its own embedded warehouse (SQLite),
# folder inbox, outbox and signing key, in its own home.
PRODUCTION_VARIABLES = (
    "ESGFLOW_DATABASE_URL",
    "ESGFLOW_SMTP_HOST",
    "ESGFLOW_SMTP_PORT",
    "ESGFLOW_SMTP_USER",
    "ESGFLOW_SMTP_PASSWORD",
    "ESGFLOW_SMTP_SENDER",
    "ESGFLOW_INBOX",
    "ESGFLOW_INBOX_PASSWORD",
    "ESGFLOW_INBOX_PASSWORD_BLOCK",
    "ESGFLOW_SECRET",
    "ESGFLOW_SECRET_BLOCK",
    "ESGFLOW_FACTORS_FILE",
    "ESGFLOW_FACTOR_CHOICES",
)
MARKER = ".esgflow-demo"  # a home the demo made: it may run there again
REAL_HOME_SIGNS = ("esgflow.sqlite3", "archive", ".signing-key")  # what a home of the real cycle holds
KIND_WEIGHT = {
    "construction": 5.0,
    "design_institute": 3.0,
    "survey_institute": 2.0,
    "equipment": 2.0,
    "engineering": 2.0,
    "technology": 1.0,
    "investment": 1.0,
    "headquarters": 1.0,
    "branch": 0.5,
    "overseas": 0.3,
}
# Demo assumptions where the report gives a rate but no denominator.
TRAINED_EMPLOYEES = Decimal(10000)
MIDDLE_MANAGERS = Decimal(2000)


def demo_home(env: MutableMapping[str, str] | None = None) -> Path:
    """The demo's own home: ESGFLOW_DEMO_HOME, else ESGFLOW_HOME, else ./var."""
    env = os.environ if env is None else env
    return Path(env.get("ESGFLOW_DEMO_HOME") or env.get("ESGFLOW_HOME") or "var").resolve()


def isolate(env: MutableMapping[str, str] | None = None) -> tuple[Path, list[str]]:
    """Make the environment the demo's own: its home, and none of the real cycle's settings.

    Returns the home and the variables it set aside. A home that holds a warehouse, an archive or a
    signing key the demo did not make is refused, so the demo never writes into a real cycle's folder.
    """
    env = os.environ if env is None else env
    home = demo_home(env)
    if not (home / MARKER).exists() and any((home / sign).exists() for sign in REAL_HOME_SIGNS):
        raise EsgflowError(
            f"{home} holds a real warehouse, archive or signing key that the demo did not make: the demo "
            "never runs there; set ESGFLOW_DEMO_HOME (or ESGFLOW_HOME) to an empty folder"
        )
    ignored = [name for name in PRODUCTION_VARIABLES if env.get(name)]
    for name in PRODUCTION_VARIABLES:
        env.pop(name, None)
    env["ESGFLOW_HOME"] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / MARKER).write_text("esgflow demo: fabricated returns only; never a real cycle's home\n", "utf-8")
    return home, ignored


def bundled_history() -> Path:
    return Path(str(resources.files("esgflow").joinpath("data/appendix_2022_2024.csv")))


def bundled_body_kpis() -> Path:
    return Path(str(resources.files("esgflow").joinpath("data/body_kpis_2024.csv")))


@dataclass(frozen=True)
class DemoReturn:
    entity: str
    values: dict[str, Decimal]  # indicator -> value in its reporting unit

    @property
    def content_hash(self) -> str:
        canonical = json.dumps([(code, str(v)) for code, v in sorted(self.values.items())])
        return hashlib.sha256(canonical.encode()).hexdigest()


def _step(value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent
    return Decimal(1).scaleb(min(int(exponent), 0))


def allocate(total: Decimal, weights: dict[str, float]) -> dict[str, Decimal]:
    """Split `total` by weights in steps of its own precision; the parts add up exactly."""
    step = _step(total)
    units_total = int(total / step)
    weight_sum = sum(weights.values()) or 1.0
    raw = {k: units_total * w / weight_sum for k, w in weights.items()}
    floors = {k: int(Decimal(v).to_integral_value(ROUND_FLOOR)) for k, v in raw.items()}
    left = units_total - sum(floors.values())
    for k in sorted(raw, key=lambda k: raw[k] - floors[k], reverse=True)[:left]:
        floors[k] += 1
    return {k: v * step for k, v in floors.items()}


def _jitter(entity: str, code: str) -> float:
    digest = hashlib.sha256(f"{entity}:{code}".encode()).digest()
    return 0.75 + digest[0] / 510


def _solve_counts(catalog: Catalog, totals: dict[str, Decimal]) -> None:
    """Group totals of counts behind derived rates, solved from the published rates."""
    for ind in catalog.derived_in_order():
        inputs = ind.formula_inputs()
        if ind.code not in totals or not ind.formula or len(inputs) != 2:
            continue
        numerator, denominator = inputs
        if ind.formula.replace(" ", "") != f"{numerator}/{denominator}" or numerator in totals:
            continue
        if denominator not in totals or not catalog[numerator].is_input:
            continue
        scale = units.factor(ind.unit, f"{catalog[numerator].unit}/{catalog[denominator].unit}")
        totals[numerator] = (totals[ind.code] * scale * totals[denominator]).quantize(Decimal(1))
    share = totals["soc_trained_share_female"] / 100
    totals["soc_trained_employees_female"] = (TRAINED_EMPLOYEES * share).quantize(Decimal(1))
    totals["soc_trained_employees_male"] = TRAINED_EMPLOYEES - totals["soc_trained_employees_female"]
    totals["soc_middle_managers"] = MIDDLE_MANAGERS
    totals["soc_middle_managers_female"] = (MIDDLE_MANAGERS * totals["soc_female_share_middle_mgmt"] / 100).quantize(
        Decimal(1)
    )
    totals["econ_output_value"] = (totals["env_energy_total"] / totals["env_energy_per_output_value"]).quantize(
        Decimal("0.01")
    )


# who stands behind each demo return (填报人/审核人/负责人): the reader requires them of a template carrying them
DEMO_PEOPLE = {"meta_preparer": "张明", "meta_reviewer": "李华", "meta_responsible": "王强"}


def demo_inputs(catalog: Catalog, registry: EntityRegistry, period: Period) -> dict[str, dict[str, Decimal]]:
    """Each entity's demo figures in the units its template asks for."""
    return {
        ret.entity: {
            code: units.convert(value, catalog[code].unit, catalog[code].input_unit or catalog[code].unit)
            for code, value in ret.values.items()
        }
        for ret in demo_returns(catalog, registry, period)
    }


def demo_returns(catalog: Catalog, registry: EntityRegistry, period: Period) -> list[DemoReturn]:
    """One return per entity of the tree, sharing out the published figures of `period`."""
    years = {period.code}
    published = read_published(bundled_history(), catalog, years) + read_published(bundled_body_kpis(), catalog, years)
    totals = {f.code: f.value for f in published if f.basis == "published"}
    _solve_counts(catalog, totals)
    root = registry.root()
    kinds = {e.code: e.kind for e in registry.entities}
    values: dict[str, dict[str, Decimal]] = {e: {} for e in kinds}
    last_parts = {b[-1]: (whole.code, b[:-1]) for whole in catalog.indicators for b in whole.breakdowns}

    def eligible(ind: Indicator) -> list[str]:
        return [e for e, k in kinds.items() if ind.reported_by_kind(k)]

    pending = [i for i in catalog.indicators if i.is_input and i.code in totals]
    while pending:
        progressed = False
        for ind in list(pending):
            whole = ind.rules.not_above
            if ind.code in last_parts:
                whole_code, siblings = last_parts[ind.code]
                if whole_code in pending or any(s in pending for s in siblings):
                    continue
                for e in eligible(ind):
                    values[e][ind.code] = values[e][whole_code] - sum(values[e][s] for s in siblings)
            elif ind.group_only:
                values[root][ind.code] = totals[ind.code]
            elif ind.consolidation == "weighted_average":  # a rate: every entity reports the rate itself
                for e in eligible(ind):
                    values[e][ind.code] = totals[ind.code]
            elif whole and whole in totals:
                if any(p.code == whole for p in pending):
                    continue
                weights = {e: float(values[e].get(whole, 0)) for e in eligible(ind)}
                for e, v in allocate(totals[ind.code], weights).items():
                    values[e][ind.code] = v
            else:
                weights = {e: KIND_WEIGHT[kinds[e]] * _jitter(e, ind.code) for e in eligible(ind)}
                for e, v in allocate(totals[ind.code], weights).items():
                    values[e][ind.code] = v
            pending.remove(ind)
            progressed = True
        assert progressed, f"demo allocation is stuck on {[p.code for p in pending]}"
    if "env_electricity_green" in catalog:
        # New in the FY2025 templates, with no published total: the demo's design institutes
        # buy a tenth of their electricity with green certificates, the others none.
        for e, k in kinds.items():
            if "env_electricity" in values[e]:
                share = Decimal("0.1") if k == "design_institute" else Decimal(0)
                values[e]["env_electricity_green"] = (values[e]["env_electricity"] * share).quantize(Decimal("0.0001"))
    _scope3_activity(catalog, kinds, values)
    _fy2026_inputs(catalog, kinds, values)  # after Scope 3: it fills what nothing else reported
    return [DemoReturn(entity, dict(sorted(vals.items()))) for entity, vals in values.items() if vals]


def _fy2026_inputs(catalog: Catalog, kinds: dict[str, str], values: dict[str, dict[str, Decimal]]) -> None:
    """The inputs no published report gives a total for (template version 4 on, issue 28).

    The demo group burns none of the newer fuels and reports no pollutant or exceedance, so its
    energy total stays the published one's reconstruction; its water is all drawn from the mains
    (four fifths of it discharged) and its waste goes to landfill and licensed disposal.
    """
    derived = {
        "env_water_withdrawal_municipal": lambda v: v.get("env_water_total"),
        "env_water_discharge": lambda v: v.get("env_water_total", Decimal(0)) * Decimal("0.8"),
        "env_waste_landfilled": lambda v: v.get("env_waste_nonhazardous"),
        "env_waste_hazardous_licensed": lambda v: v.get("env_waste_hazardous"),
    }
    reported = {code for vals in values.values() for code in vals}
    for ind in catalog.indicators:
        if not ind.is_input or ind.code in reported or ind.template_version == "1":
            continue
        for e, k in kinds.items():
            if values[e] and ind.reported_by_kind(k):
                given = derived[ind.code](values[e]) if ind.code in derived else Decimal(0)
                values[e][ind.code] = Decimal(0) if given is None else given.quantize(Decimal("0.01"))


# A demo entity's Scope 3 activity of weight 1 (an investment company's), by the unit it is asked
# in: the group publishes none, so the demo makes plausible amounts that scale with the entity's kind.
_SCOPE3_DEMO_AMOUNT = {"t": 400, "t-km": 1_500_000, "passenger-km": 120_000, "room-night": 250, "10k CNY": 300}
# Commuting (category 7) follows each entity's head count: a fifth drive, half take the bus or metro,
# 18 km a working day both ways (a share, so a count never exceeds the employees).
_COMMUTER_SHARE = {"env_scope3_commuters_car": Decimal("0.2"), "env_scope3_commuters_transit": Decimal("0.5")}
_COMMUTE_KM = Decimal(18)


def _scope3_activity(catalog: Catalog, kinds: dict[str, str], values: dict[str, dict[str, Decimal]]) -> None:
    """New in the FY2026 templates (version 4), with no published totals: every demo entity reports them."""
    for ind in (i for i in catalog.indicators if i.scope3 is not None and i.input_unit):
        if ind.scope3.category == 7:
            for e in (e for e in kinds if values[e]):
                heads = values[e].get("soc_employees_total", Decimal(0))
                share = _COMMUTER_SHARE.get(ind.code)
                values[e][ind.code] = (heads * share).quantize(Decimal(1)) if share else _COMMUTE_KM
            continue
        base = _SCOPE3_DEMO_AMOUNT[ind.input_unit]
        for e, k in kinds.items():
            if values[e]:
                amount = Decimal(base * KIND_WEIGHT[k] * _jitter(e, ind.code)).quantize(Decimal(1))
                values[e][ind.code] = units.convert(amount, ind.input_unit, ind.unit)


def unpublished_rows(appendix_csv: Path, catalog: Catalog, period: Period) -> list[tuple[str, str, str]]:
    """(code, value, unit) of the appendix rows for `period` that its published report did not carry."""
    published = {f.code for f in read_published(bundled_history(), catalog, {period.code})}
    published |= {f.code for f in read_published(bundled_body_kpis(), catalog, {period.code})}
    with appendix_csv.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [(r["code"], r[period.code], r["unit"]) for r in rows if r["code"] not in published and r.get(period.code)]
