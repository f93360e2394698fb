"""The factor registry: conversion and emission factors with units, vintage, region and source.

A formula names a factor by its `name` (`co2_diesel`, `grid_co2`). Several factors may
share a name: alternatives picked by configuration (`choices`: the Chinese accounting
guideline or IPCC 2006 for fuels), vintages (the newest one allowed for the period wins),
and regions (a grid factor is chosen by where the entity uses its electricity: province,
then grid region, then country). A region with no cited factor gets the named fallback of
`fallbacks`, and the figure says so. A run records the registry it used (`snapshot`), so a
later correction changes nothing until a restatement asks for it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from esgflow import EsgflowError
from esgflow.catalog import read_yaml

OPEN_START = date(1900, 1, 1)
OPEN_END = date(9999, 12, 31)
CHOICES_ENV = "ESGFLOW_FACTOR_CHOICES"  # e.g. "fuel_co2=ipcc_2006,sce_electricity=calorific"
FILE_ENV = "ESGFLOW_FACTORS_FILE"  # the ESG office's own copy of the registry, in place of the packaged one


@dataclass(frozen=True)
class Factor:
    code: str  # the factor's id, unique in the registry
    name: str  # what formulas call it; several factors may answer to one name
    value: Decimal
    unit: str  # numerator/denominator, e.g. kgCO2/kWh
    source: str
    valid_from: date  # the reporting periods (by their last day) it may be used for
    valid_to: date
    looked_up: date
    publisher: str = ""
    vintage: int | None = None  # the data year it describes, not the year it was published
    region: str | None = None  # ISO 3166 code (CN, CN-HE, IN) or a grid region (CN-GRID-NORTH)
    gas: str | None = None  # CO2, or CO2e with its GWP set
    gwp: str | None = None
    choice: str | None = None  # the configuration key that picks among alternatives ...
    variant: str | None = None  # ... and the alternative this factor is
    publication: str = ""  # the official publication: title, number, date
    url: str = ""  # the publication on its publisher's own site, where one could be confirmed
    transcription: str = ""  # a third party's copy that was read for the value, kept apart from the official one
    note: str = ""  # how the value was derived or checked, and why a publisher URL is missing

    @property
    def numerator(self) -> str:
        return self.unit.split("/", 1)[0].strip()

    @property
    def denominator(self) -> str:
        return self.unit.split("/", 1)[1].strip() if "/" in self.unit else ""


@dataclass(frozen=True)
class Region:
    code: str
    name_zh: str
    name_en: str
    grid: str | None  # the grid region a province belongs to


@dataclass(frozen=True)
class Resolved:
    """A factor as chosen for a place: `fallback` says why it is not that place's own."""

    factor: Factor
    fallback: str | None = None


@dataclass(frozen=True)
class FactorRegistry:
    factors: tuple[Factor, ...]
    choices: dict[str, str] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)
    fallbacks: dict[str, str] = field(default_factory=dict)  # name -> region whose factor stands in

    @property
    def codes(self) -> set[str]:
        """Every name a formula may use."""
        return {f.name for f in self.factors} | {f.code for f in self.factors}

    def is_regional(self, name: str) -> bool:
        return any(f.region is not None for f in self._named(name))

    def _named(self, name: str) -> list[Factor]:
        named = [f for f in self.factors if f.name == name] or [f for f in self.factors if f.code == name]
        return [f for f in named if f.choice is None or self.choices.get(f.choice) == f.variant]

    def knows(self, name: str) -> bool:
        """Whether the registry has any factor called `name` (as chosen), whatever its dates."""
        return bool(self._named(name))

    def region_chain(self, location: str | None) -> list[str]:
        """Where to look for a place's factor: the province, its grid region, then its country."""
        if not location:
            return ["CN"]
        chain = [location]
        region = self.regions.get(location)
        if region and region.grid:
            chain.append(region.grid)
        country = location.split("-", 1)[0]
        if country != location:
            chain.append(country)
        return chain

    def resolve_at(self, name: str, on: date, location: str | None = None) -> Resolved:
        """The factor called `name` for a period ending `on`, at a location: newest vintage first."""
        usable = [f for f in self._named(name) if f.valid_from <= on <= f.valid_to]
        if not any(f.region for f in usable):
            if usable:
                return Resolved(max(usable, key=_newest))
            raise EsgflowError(f"no factor {name!r} valid on {on.isoformat()} in the factor registry")
        for region in self.region_chain(location):
            here = [f for f in usable if f.region == region]
            if here:
                return Resolved(max(here, key=_newest))
        stand_in = self.fallbacks.get(name)
        here = [f for f in usable if f.region == stand_in]
        if stand_in and here:
            why = f"no cited {name} factor for {location}; the {stand_in} factor stands in (named fallback)"
            return Resolved(max(here, key=_newest), why)
        raise EsgflowError(f"no factor {name!r} for {location} valid on {on.isoformat()}, and no fallback")

    def resolve(self, name: str, on: date, location: str | None = None) -> Factor:
        """The factor called `name` (or chosen by configuration) for a period ending on `on`."""
        return self.resolve_at(name, on, location).factor

    def with_choices(self, choices: Mapping[str, str]) -> FactorRegistry:
        return replace(self, choices={**self.choices, **choices})

    def snapshot(self) -> dict[str, Any]:
        """Everything a run resolved its factors from, as JSON-able data."""
        return {
            "choices": dict(sorted(self.choices.items())),
            "fallbacks": dict(sorted(self.fallbacks.items())),
            "regions": {k: asdict(v) for k, v in sorted(self.regions.items())},
            "factors": [_factor_json(f) for f in self.factors],
        }

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.snapshot(), sort_keys=True).encode()).hexdigest()


def _newest(f: Factor) -> tuple[int, date]:
    return (f.vintage or 0, f.valid_from)


def _factor_json(f: Factor) -> dict[str, Any]:
    out = asdict(f)
    out["value"] = str(f.value)
    for key in ("valid_from", "valid_to", "looked_up"):
        out[key] = out[key].isoformat()
    return out


def _as_date(value: object, default: date) -> date:
    if value in (None, ""):
        return default
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _source(r: Mapping[str, Any]) -> str:
    """One line for people: the publication, its URL and any transcription (older snapshots carry only this)."""
    if r.get("source"):
        return str(r["source"])
    parts = [str(r.get("publication") or ""), str(r.get("url") or "")]
    if r.get("transcription"):
        parts.append(f"transcription {r['transcription']}")
    return "; ".join(p for p in parts if p)


def _factor(r: Mapping[str, Any]) -> Factor:
    from esgflow import units  # pint here, not at the top: `entities` (and so `status`) reads dates from this module

    f = Factor(
        code=r["code"],
        name=r.get("name") or r["code"],
        value=Decimal(str(r["value"])),
        unit=r["unit"],
        source=_source(r),
        valid_from=_as_date(r.get("valid_from"), OPEN_START),
        valid_to=_as_date(r.get("valid_to"), OPEN_END),
        looked_up=_as_date(r.get("looked_up"), OPEN_START),
        publisher=r.get("publisher") or "",
        vintage=int(r["vintage"]) if r.get("vintage") is not None else None,
        region=r.get("region"),
        gas=r.get("gas"),
        gwp=r.get("gwp"),
        choice=r.get("choice"),
        variant=r.get("variant"),
        publication=r.get("publication") or "",
        url=r.get("url") or "",
        transcription=r.get("transcription") or "",
        note=r.get("note") or "",
    )
    if not units.is_known(f.numerator) or (f.denominator and not units.is_known(f.denominator)):
        raise EsgflowError(f"factor {f.code}: unknown unit {f.unit!r}")
    return f


def gwp_factors(raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A factor row per GWP set and gas of `gwp_sets`/`gwp_gases`, its value read from the pinned
    globalwarmingpotentials library, never typed by hand (a snapshot already holds them as rows)."""
    sets, gases = raw.get("gwp_sets") or {}, raw.get("gwp_gases") or {}
    if not sets:
        return []
    import globalwarmingpotentials as gwp  # only a registry that names GWP sets needs it

    rows = []
    for variant, s in sets.items():
        for name, gas in gases.items():
            try:
                value = gwp.data[s["metric"]][gas]
            except KeyError as exc:
                raise EsgflowError(f"factor registry: no {gas} in the GWP set {s.get('metric')!r}") from exc
            rows.append(
                {
                    "code": f"{name}_{variant}",
                    "name": name,
                    "choice": "gwp",
                    "variant": variant,
                    "value": str(value),
                    "unit": "tCO2e/t",
                    "gas": gas,
                    "gwp": s["metric"],
                    "publisher": "IPCC",
                    "publication": s["publication"],
                    "url": s.get("url"),
                    "note": f"{gas} {s['metric']} read from the globalwarmingpotentials library, version "
                    f"{gwp.__version__} (CC0), not typed into the registry",
                    "looked_up": "2026-12-07",
                }
            )
    return rows


def registry_from(raw: Mapping[str, Any]) -> FactorRegistry:
    """A registry from its YAML (or snapshot) data, checked: unique ids, known units, known regions."""
    factors = tuple(_factor(r) for r in [*raw["factors"], *gwp_factors(raw)])
    seen: set[str] = set()
    for f in factors:
        if f.code in seen:
            raise EsgflowError(f"factor {f.code} is defined twice")
        seen.add(f.code)
    regions = {
        code: Region(code, r.get("name_zh", ""), r.get("name_en", ""), r.get("grid"))
        for code, r in (raw.get("regions") or {}).items()
    }
    registry = FactorRegistry(factors, dict(raw.get("choices") or {}), regions, dict(raw.get("fallbacks") or {}))
    for f in factors:
        if f.choice and f.choice not in registry.choices:
            raise EsgflowError(f"factor {f.code}: no choice {f.choice!r} is configured")
    return registry


def choices_from_env(environ: Mapping[str, str]) -> dict[str, str]:
    """`ESGFLOW_FACTOR_CHOICES=fuel_co2=ipcc_2006,...` as a mapping."""
    text = environ.get(CHOICES_ENV, "")
    pairs = [p.split("=", 1) for p in text.split(",") if p.strip()]
    if any(len(p) != 2 for p in pairs):
        raise EsgflowError(f"{CHOICES_ENV} must read key=variant[,key=variant]: {text!r}")
    return {k.strip(): v.strip() for k, v in pairs}


_URL = re.compile(r"[a-z][a-z0-9+.-]*://\S*", re.IGNORECASE)
_COMPLETE_URL = re.compile(r"https?://[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(:\d+)?(/[^\s;,]*)?", re.IGNORECASE)
_TRANSCRIBERS = ("github.com", "githubusercontent.com")  # copies, never the publisher's own page


def citation_problems(f: Factor) -> list[str]:
    """What is missing from a factor's citation: the official publication (title, number, date), a
    complete URL wherever one is given, the publisher's own URL or a note saying why there is none."""
    problems = []
    if len(f.publication.strip()) < 10:
        problems.append("no publication reference (title, number, date)")
    for field_name in ("url", "transcription", "publication", "note", "source"):
        for found in _URL.findall(getattr(f, field_name)):
            url = found.rstrip(").,;:'\"")
            if not _COMPLETE_URL.fullmatch(url):
                problems.append(f"an incomplete URL in {field_name}: {url!r}")
    if f.url:
        if not _COMPLETE_URL.fullmatch(f.url.strip()):
            problems.append(f"url is not one complete URL: {f.url!r}")
        elif any(host in f.url for host in _TRANSCRIBERS):
            problems.append(f"url names a transcription, not the publisher's site: {f.url!r}")
    elif not f.note.strip():
        problems.append("no publisher URL and no note saying why")
    return problems


def check_citations(registry: FactorRegistry) -> None:
    """Refuse a registry in which any factor's citation is incomplete."""
    bad = [f"{f.code}: {'; '.join(p)}" for f in registry.factors if (p := citation_problems(f))]
    if bad:
        raise EsgflowError("factor registry: citations incomplete: " + " | ".join(bad))


@cache
def _parsed(text: str) -> FactorRegistry:
    registry = registry_from(read_yaml(text))
    check_citations(registry)
    return registry


def load_factors() -> FactorRegistry:
    """Today's factor registry (the packaged one, or ESGFLOW_FACTORS_FILE), with the choices of the environment."""
    path = os.environ.get(FILE_ENV)
    if path:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise EsgflowError(f"{FILE_ENV}: cannot read {path}: {exc.strerror}") from exc
    else:
        text = resources.files("esgflow").joinpath("data/factors.yaml").read_text("utf-8")
    registry = _parsed(text)
    chosen = choices_from_env(os.environ)
    for key, variant in chosen.items():
        if key not in registry.choices:
            raise EsgflowError(f"{CHOICES_ENV}: no factor choice {key!r} (known: {', '.join(registry.choices)})")
        if not any(f.choice == key and f.variant == variant for f in registry.factors):
            raise EsgflowError(f"{CHOICES_ENV}: {key} has no alternative {variant!r}")
    return registry.with_choices(chosen) if chosen else registry
