"""The Great Expectations boundary: a real checkpoint run over a check frame, failing rows back by row id."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from esgflow.catalog import Catalog
from esgflow.checks import gx_run
from esgflow.checks.frames import checked_value, group_frame, submission_frame
from esgflow.checks.gx_run import INDEX_LIMIT, Failure, Validator, build_data_docs, validator_for
from esgflow.factors import FactorRegistry
from esgflow.findings import Finding

VALIDATIONS = Path("gx") / "uncommitted" / "validations"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gx")


@pytest.fixture(scope="module")
def validator(home: Path, catalog: Catalog) -> Validator:
    return validator_for(home, catalog)


@pytest.fixture(scope="module")
def frame(catalog: Catalog) -> pl.DataFrame:
    return submission_frame(
        [
            checked_value("a", "env_diesel", Decimal("-1"), catalog),  # range: error
            checked_value("a", "soc_new_hires", Decimal("12"), catalog),
            checked_value("b", "env_diesel", Decimal("5"), catalog),
            checked_value("b", "env_gasoline", Decimal("300"), catalog, prior=Decimal("100")),  # change: warning
        ],
        catalog,
    )


def _row_id(frame: pl.DataFrame, key: str, indicator: str) -> int:
    [row_id] = frame.filter((pl.col("key") == key) & (pl.col("indicator") == indicator))["row_id"].to_list()
    return int(row_id)


def _found(failures: list[Failure]) -> set[tuple[int, str, str]]:
    return {(f.row_id, f.rule, f.severity) for f in failures}


def test_failing_rows_come_back_by_row_id_with_rule_and_severity(
    validator: Validator, frame: pl.DataFrame, catalog: Catalog
) -> None:
    failures = validator.run("submission", frame, run_name="test-failing-rows")
    assert _found(failures) == {
        (_row_id(frame, "a", "env_diesel"), "range", "error"),
        (_row_id(frame, "b", "env_gasoline"), "yoy_change_needs_note", "warning"),
    }
    range_failure = next(f for f in failures if f.rule == "range")
    assert range_failure.meta == {"rule": "range", "severity": "error", "min": 0, "max": None}


def test_row_ids_are_the_frames_own_not_positions(validator: Validator, frame: pl.DataFrame) -> None:
    shuffled = frame.reverse()
    assert shuffled["row_id"].to_list() != list(range(shuffled.height))
    failures = validator.run("submission", shuffled, run_name="test-row-ids")
    assert {f.row_id for f in failures} == {_row_id(frame, "a", "env_diesel"), _row_id(frame, "b", "env_gasoline")}


def test_a_frame_that_passes_gives_no_failures(validator: Validator, catalog: Catalog) -> None:
    frame = submission_frame(
        [
            checked_value("a", "env_diesel", Decimal("5"), catalog, prior=Decimal("5")),
            checked_value("a", "soc_new_hires", Decimal("12"), catalog, required=True),
        ],
        catalog,
    )
    assert validator.run("submission", frame, run_name="test-passes") == []


def test_an_empty_frame_gives_no_failures_and_runs_nothing(
    validator: Validator, frame: pl.DataFrame, home: Path
) -> None:
    assert validator.run("submission", frame.clear(), run_name="test-empty") == []
    assert not (home / VALIDATIONS / "submission" / "test-empty").exists()


def test_each_suite_checks_its_own_rules(
    validator: Validator, catalog: Catalog, factors: FactorRegistry, frame: pl.DataFrame
) -> None:
    # 42099 / 2400325.45 = 0.0175, published as 0.0192: only the group suite recomputes derived figures
    group = group_frame(
        {
            "published": {
                "env_energy_total": Decimal("42099"),
                "econ_revenue": Decimal("2400325.45"),
                "env_energy_intensity_revenue": Decimal("0.0192"),
            }
        },
        {},
        catalog,
        factors,
        date(2024, 12, 31),
    )
    [derived] = group.filter(pl.col("row") == "derived")["row_id"].to_list()
    assert _found(validator.run("group", group, run_name="test-group-suite")) == {
        (derived, "derived_recomputed", "error")
    }
    assert validator.run("submission", group, run_name="test-submission-suite-on-group-rows") == []
    missing = submission_frame([checked_value("a", "env_diesel", None, catalog, required=True)], catalog)
    assert [f.rule for f in validator.run("submission", missing, run_name="test-required")] == ["required"]
    assert validator.run("group", missing, run_name="test-required-is-not-a-group-rule") == []


def test_every_run_is_kept_in_the_homes_context_with_its_data_docs(
    validator: Validator, frame: pl.DataFrame, home: Path
) -> None:
    validator.run("submission", frame, run_name="test-kept")
    # the answer is the judge's; the run waits in the home's queue for Great Expectations to record it
    assert not list((home / VALIDATIONS / "submission").glob("test-kept-*"))
    assert [p.name.split(".")[0] for p in (home / "gx" / "queue" / "held").glob("test-kept-*")]
    docs = home / "gx" / "uncommitted" / "data_docs" / "local_site"
    # the pages are not rendered while a reporter waits for the findings, but when the batch is done
    assert not list((docs / "validations" / "submission").glob("test-kept-*"))
    build_data_docs(home)
    [runs] = (home / VALIDATIONS / "submission").glob("test-kept-*")  # each run keeps a name of its own
    assert runs.is_dir() and list(runs.rglob("*.json"))
    assert not list((home / "gx" / "queue").rglob("test-kept-*"))  # recorded once, and taken off the queue
    assert (docs / "index.html").is_file() and "test-kept-" in (docs / "index.html").read_text("utf-8")
    assert [d for d in (docs / "validations" / "submission").glob("test-kept-*") if d.is_dir()]
    assert validator.pending == []


def test_the_data_docs_index_lists_a_bounded_number_of_runs(validator: Validator, home: Path) -> None:
    config = (home / "gx" / "great_expectations.yml").read_text("utf-8")
    assert f"validation_results_limit: {INDEX_LIMIT}" in config  # so an index costs the same after 10 or 1,000 runs


def test_validator_for_makes_one_validator_per_home(
    validator: Validator, home: Path, catalog: Catalog, tmp_path: Path
) -> None:
    assert validator_for(home, catalog) is validator
    assert validator_for(home / ".." / home.name, catalog) is validator  # the same folder, spelt otherwise
    other = validator_for(tmp_path / "elsewhere", catalog)
    assert other is not validator
    # answering needs no Great Expectations: its context is made when the first run is recorded
    assert not (tmp_path / "elsewhere" / "gx" / "great_expectations.yml").is_file()
    other.set_up()
    assert (tmp_path / "elsewhere" / "gx" / "great_expectations.yml").is_file()


def test_two_threads_setting_up_at_once_set_up_once(catalog: Catalog, tmp_path: Path) -> None:
    """The portal's warm-up thread and its first record may ask at the same moment: one loads, the other waits."""
    fresh = Validator(tmp_path / "fresh", catalog)
    made, real = [], fresh._set_up

    def counted(home: Path, catalog: Catalog) -> None:
        made.append(threading.get_ident())
        real(home, catalog)

    fresh._set_up = counted  # type: ignore[method-assign]
    start = threading.Barrier(2)
    ready: list[bool] = []

    def set_up() -> None:
        start.wait()
        fresh.set_up()
        ready.append(set(fresh.checkpoints) == {"submission", "group"})

    both = [threading.Thread(target=set_up) for _ in range(2)]
    for t in both:
        t.start()
    for t in both:
        t.join(timeout=300)
    assert ready == [True, True]
    assert len(made) == 1


def test_the_validators_of_a_home_are_found_by_one_helper(
    validator: Validator, home: Path, catalog: Catalog, tmp_path: Path
) -> None:
    other = validator_for(tmp_path / "another", catalog)
    assert gx_run._validators_of(home / ".." / home.name) == [validator]  # spelt otherwise, the same folder
    assert gx_run._validators_of(tmp_path / "another") == [other]
    assert {id(v) for v in gx_run._validators_of(None)} >= {id(validator), id(other)}


def test_an_expectation_that_cannot_run_is_an_error_not_a_pass(validator: Validator, catalog: Catalog) -> None:
    frame = submission_frame([checked_value("a", "soc_new_hires", Decimal("12.5"), catalog)], catalog)
    assert [f.rule for f in validator.run("submission", frame, run_name="test-whole")] == ["whole_number"]
    with pytest.raises(RuntimeError, match="could not run"):
        validator.run("submission", frame.drop("text"), run_name="test-no-text-column")


def test_a_new_process_takes_the_stored_suites_when_catalog_and_rules_are_unchanged(
    validator: Validator, frame: pl.DataFrame, home: Path, catalog: Catalog
) -> None:
    validator.set_up()
    stored = {p: p.stat().st_mtime_ns for p in (home / "gx" / "expectations").rglob("*.json")}
    again = Validator(home, catalog)  # what a new process makes
    again.set_up()
    assert {p: p.stat().st_mtime_ns for p in (home / "gx" / "expectations").rglob("*.json")} == stored
    assert _found(again.run("submission", frame, run_name="test-stored")) == _found(
        validator.run("submission", frame, run_name="test-made")
    )


def test_the_suites_are_made_again_when_the_catalog_changes(catalog: Catalog, tmp_path: Path) -> None:
    Validator(tmp_path, catalog).set_up()
    stamp = tmp_path / "gx" / "esgflow-suites.sha256"
    first = stamp.read_text()
    changed = Catalog(catalog.indicators[:-1], catalog.pillars)
    Validator(tmp_path, changed).set_up()
    assert stamp.read_text() != first
    Validator(tmp_path, catalog).set_up()
    assert stamp.read_text() == first


def test_a_run_described_with_its_findings_gets_its_page_at_the_next_build(
    validator: Validator, frame: pl.DataFrame, home: Path, catalog: Catalog
) -> None:
    checked = validator.check("submission", frame, run_name="test-noted")
    assert checked.run is not None and checked.run.name.startswith("test-noted-") and checked.run.suite == "submission"
    assert _found(checked.failures) == _found(validator.run("submission", frame, run_name="test-same"))
    finding = Finding("range", "error", "env_diesel is -1 L", ("env_diesel",), "SAMI", sheet="环境", cell="E7")
    validator.note(checked.run, [finding])
    pages = home / "gx" / "uncommitted" / "data_docs" / "local_site" / "esgflow"
    assert not (pages / f"{checked.run.name}.html").exists()  # not while a reporter waits
    build_data_docs(home)
    html = (pages / f"{checked.run.name}.html").read_text("utf-8")
    assert "沈阳院" in html and "柴油使用量" in html and "环境<br><b>E7</b>" in html and "超出允许范围" in html
    assert f"../validations/submission/{checked.run.name}/" in html  # the Data Docs page of the same run
    assert f'href="{checked.run.name}.html"' in (pages / "index.html").read_text("utf-8")
    assert validator.noted == {}
    assert validator.check("submission", frame.clear(), run_name="test-nothing").run is None
