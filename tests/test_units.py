from decimal import Decimal

import pytest

from esgflow import units


def test_scaled_units_convert_exactly() -> None:
    assert units.convert(Decimal("123456"), "kWh", "10k kWh") == Decimal("12.3456")
    assert units.convert(Decimal("326600"), "t", "10k t") == Decimal("32.66")
    assert units.convert(Decimal("1.5"), "10k CNY", "10k CNY") == Decimal("1.5")


def test_intensity_units_and_percent() -> None:
    assert units.factor("tce/10k CNY", "kgce/CNY") == Decimal("0.1")
    assert units.factor("person/person", "%") == Decimal("100")


def test_incompatible_units_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot convert"):
        units.factor("L", "tce")
    with pytest.raises(ValueError, match="unknown unit"):
        units.pint_unit("furlongs per fortnight per widget")


def test_the_unit_registry_keeps_its_parsed_definitions_in_a_cache_folder() -> None:
    from esgflow import units

    assert units._REGISTRY.cache_folder is not None  # parsed once per machine, not once per command


def _cache_folder_in_a_fresh_process(**env_overrides: str) -> str:
    import os
    import subprocess
    import sys

    env = {**os.environ, **env_overrides}
    return subprocess.run(
        [sys.executable, "-c", "from esgflow import units; print(units._REGISTRY.cache_folder)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_the_cache_is_kept_per_pint_installation(tmp_path) -> None:
    """pint's shared ":auto:" folder holds entries naming another venv's files; once that venv
    is deleted every registry built from the shared folder fails. Ours is keyed by install."""
    folder = _cache_folder_in_a_fresh_process(XDG_CACHE_HOME=str(tmp_path))
    assert folder.startswith(str(tmp_path / "esgflow" / "pint-"))
    assert any((tmp_path / "esgflow").iterdir())
    assert _cache_folder_in_a_fresh_process(XDG_CACHE_HOME=str(tmp_path)) == folder  # reused


def test_a_home_without_a_writable_cache_folder_still_gets_a_cache() -> None:
    """A CI machine or a service account with a read-only home: the cache moves to the
    system's temporary folder instead of parsing pint's definitions in every command."""
    folder = _cache_folder_in_a_fresh_process(XDG_CACHE_HOME="/proc/esgflow-unwritable", HOME="/proc")
    assert folder not in ("", "None")
    assert not folder.startswith("/proc")
