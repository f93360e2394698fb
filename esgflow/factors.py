"""The factor registry: conversion and emission factors with source and validity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

import yaml

from esgflow import EsgflowError

OPEN_START = date(1900, 1, 1)
OPEN_END = date(9999, 12, 31)


@dataclass(frozen=True)
class Factor:
    code: str
    value: Decimal
    unit: str
    source: str
    valid_from: date
    valid_to: date
    looked_up: date


@dataclass(frozen=True)
class FactorRegistry:
    factors: tuple[Factor, ...]
    conventions: dict[str, str]

    @property
    def codes(self) -> set[str]:
        return {f.code for f in self.factors} | set(self.conventions)

    def resolve(self, code: str, on: date) -> Factor:
        """The factor named `code` (or chosen by a convention) that is valid on the given date."""
        target = self.conventions.get(code, code)
        for f in self.factors:
            if f.code == target and f.valid_from <= on <= f.valid_to:
                return f
        raise EsgflowError(f"no factor {target!r} valid on {on.isoformat()} in the factor registry")


def _as_date(value: object, default: date) -> date:
    if value in (None, ""):
        return default
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@cache
def load_factors() -> FactorRegistry:
    """The packaged factor registry."""
    raw = yaml.safe_load(resources.files("esgflow").joinpath("data/factors.yaml").read_text("utf-8"))
    factors = tuple(
        Factor(
            code=r["code"],
            value=Decimal(str(r["value"])),
            unit=r["unit"],
            source=r["source"],
            valid_from=_as_date(r.get("valid_from"), OPEN_START),
            valid_to=_as_date(r.get("valid_to"), OPEN_END),
            looked_up=_as_date(r["looked_up"], OPEN_START),
        )
        for r in raw["factors"]
    )
    return FactorRegistry(factors=factors, conventions=dict(raw.get("conventions") or {}))
