"""The one unit library: every unit conversion in esgflow goes through this module.

Catalog units are the labels of the published appendix ("10k kWh", "tce/10k CNY");
each maps to a pint expression over a registry that knows standard coal, currency and
head counts as dimensions of their own, so no conversion factor is written by hand.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

import pint

from esgflow import glossary


def _cache_folders() -> list[str]:
    """Where pint may keep its parsed definitions: one folder per pint installation, because
    pint's own ":auto:" folder is shared by every virtual environment of the user and its
    entries name the definition files of the environment that wrote them, so an entry left
    by a deleted environment breaks every later registry (seen on CI: FileNotFoundError on
    another venv's default_en.txt). The user's cache folder first, then the system's
    temporary folder (a read-only home on a CI machine or a service account)."""
    import hashlib
    import os
    import tempfile

    install = hashlib.sha256(os.path.dirname(pint.__file__).encode()).hexdigest()[:16]
    home_cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return [
        os.path.join(home_cache, "esgflow", f"pint-{install}"),
        os.path.join(tempfile.gettempdir(), f"esgflow-{os.getuid()}", f"pint-{install}"),
    ]


def _registry() -> pint.UnitRegistry:
    """pint's registry with its parsed definitions cached (a fifth of a second of every
    command otherwise), parsed afresh only where no cache folder can be written."""
    import os

    for folder in _cache_folders():
        try:
            os.makedirs(folder, exist_ok=True)
            return pint.UnitRegistry(cache_folder=folder)
        except OSError:
            continue
    return pint.UnitRegistry()


_REGISTRY = _registry()
for _definition in (
    "kgce = [standard_coal]",
    "tce = 1000 * kgce",
    "CNY = [currency]",
    "wan_CNY = 10000 * CNY",
    "wan_kWh = 10000 * kWh",
    "wan_t = 10000 * metric_ton",
    "person = [headcount]",
    "person_time = [attendance]",
    "item = [item]",
    # CO2 counts as its own CO2e (GWP 1); other gases enter only through a GWP-weighted factor
    "kgCO2e = [co2e]",
    "tCO2e = 1000 * kgCO2e",
    "kgCO2 = kgCO2e",
    "tCO2 = 1000 * kgCO2e",
    "wan_m3 = 10000 * meter ** 3",
    # Scope 3 activity: travel and freight work and hotel stays are dimensions of their own, so a
    # factor per passenger-km can never be applied to tonne-km or plain km.
    "pkm = [passenger_distance]",
    "tkm = [freight_work]",
    "room_night = [room_night]",
    # Spend-based Scope 3: US dollars are a currency of their own (converted from CNY only by a
    # cited exchange-rate factor), and a price index point is a dimension of its own.
    "USD = [us_dollar]",
    "index_point = [price_index]",
):
    _REGISTRY.define(_definition)

# Published unit label -> pint expression.
_LABELS: dict[str, str] = {
    "10k CNY": "wan_CNY",
    "10k CNY output": "wan_CNY",
    "person": "person",
    "count": "item",
    "%": "percent",
    "h": "hour",
    "person-time": "person_time",
    "day": "day",
    "tce": "tce",
    "kgce": "kgce",
    "L": "liter",
    "m3": "meter ** 3",
    "kWh": "kWh",
    "10k kWh": "wan_kWh",
    "t": "metric_ton",
    "10k t": "wan_t",
    "kg": "kilogram",
    "10k m3": "wan_m3",
    "MWh": "megawatt_hour",
    "GJ": "gigajoule",
    "MJ": "megajoule",
    "passenger-km": "pkm",
    "t-km": "tkm",
    "room-night": "room_night",
    "index": "index_point",
}


def label_zh(label: str) -> str:
    """Chinese name of a unit label (the label itself when none is known)."""
    return glossary.unit_zh(label)


def pint_unit(label: str) -> pint.Unit:
    """The pint unit for a catalog or factor unit label ("tce/10k CNY", "kgce/kWh", "h/person")."""
    expression = "/".join(_LABELS.get(part.strip(), part.strip()) for part in label.split("/"))
    try:
        return _REGISTRY.parse_units(expression)
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, AttributeError) as exc:
        raise ValueError(f"unknown unit {label!r}") from exc


def is_known(label: str) -> bool:
    """Whether a unit label can be converted by this module."""
    try:
        pint_unit(label)
    except ValueError:
        return False
    return True


@cache
def factor(from_label: str, to_label: str) -> Decimal:
    """Exact decimal factor that converts a value in `from_label` to `to_label`."""
    try:
        magnitude = _REGISTRY.Quantity(1, pint_unit(from_label)).to(pint_unit(to_label)).magnitude
    except pint.errors.DimensionalityError as exc:
        raise ValueError(f"cannot convert {from_label!r} to {to_label!r}: {exc}") from exc
    # Unit factors are powers of ten or short decimals; 15 significant digits recover them exactly.
    return Decimal(f"{magnitude:.15g}")


def convert(value: Decimal, from_label: str, to_label: str) -> Decimal:
    """Convert a decimal value between unit labels without leaving decimal arithmetic."""
    return value if from_label == to_label else value * factor(from_label, to_label)


def combine(left: str | pint.Unit, right: str | pint.Unit, op: str) -> pint.Unit:
    """Unit of `left op right` for op in '*' and '/'."""
    lu = pint_unit(left) if isinstance(left, str) else left
    ru = pint_unit(right) if isinstance(right, str) else right
    return lu * ru if op == "*" else lu / ru


def unit_factor(from_unit: pint.Unit, to_unit: pint.Unit) -> float:
    """Float factor between two pint units, for vectorised formulas."""
    try:
        return float(_REGISTRY.Quantity(1, from_unit).to(to_unit).magnitude)
    except pint.errors.DimensionalityError as exc:
        raise ValueError(f"cannot convert {from_unit} to {to_unit}") from exc


DIMENSIONLESS: pint.Unit = _REGISTRY.parse_units("dimensionless")
