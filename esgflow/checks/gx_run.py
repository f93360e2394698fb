"""The Great Expectations boundary: polars frames become pandas here and nowhere else.

A file Data Context under $ESGFLOW_HOME keeps every validation result and the Data Docs
built from them, so the ESG office can browse the validation history. Several processes
(workers, overlapping runs) share that context: setting it up and each run are done under
an exclusive lock on a file beside it, and every run gets a name of its own.

Data Docs are not built inside a validation: a reporter waiting for findings must not wait
for HTML. `build_docs` renders the pages of the results this process stored since it last
built (and the index, which lists the newest INDEX_LIMIT runs, so its cost does not grow
with the history); the job layer calls it after a batch. The pages are then pointed at
assets shipped with esgflow (offline_docs), and each run the caller described with its
findings (`note`) gets a page in the office's words beside them (run_page).
"""

from __future__ import annotations

import copy
import fcntl
import functools
import hashlib
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from esgflow.catalog import Catalog
from esgflow.checks.conditions import with_conditions
from esgflow.checks.judge import Failure
from esgflow.checks.offline_docs import RUN_PAGES, offline_site
from esgflow.checks.run_page import RunReturn, ValidationRun, write_run_index, write_run_page
from esgflow.findings import Finding

_VALIDATORS: dict[tuple[str, int], Validator] = {}
SUITE_NAMES = ("submission", "group")
SUITES_STAMP = "esgflow-suites.sha256"  # what the stored suites were made from
INDEX_LIMIT = 50  # runs listed on the Data Docs index page; every run keeps its own page
# Checkpoint runs this process made: each costs about a second, so the portal judges the uploads that wait
# at the same moment in one run (esgflow.portal.uploads), and its test counts them here.
_RUNS = [0]
# homes whose record a recorder process beside this one makes (esgflow.checks.beside): started when called
DIVERTED: dict[str, Callable[[], None]] = {}
_DETACHED = [False]  # whether this process left its runs to a recorder it started (its Data Docs come later)


@dataclass(frozen=True)
class Checked:
    """What a run found, and the run (None when there was nothing to validate)."""

    failures: list[Failure]
    run: ValidationRun | None


@contextmanager
def _exclusive(home: Path) -> Iterator[None]:
    """Hold the home's validation lock: one process at a time changes the shared context."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".gx.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Validator:
    """Runs the catalog's suites; one instance per warehouse home, reused across runs."""

    def __init__(self, home: Path, catalog: Catalog) -> None:
        from esgflow.checks.suites import plain_suites

        self.home = home
        self.catalog = catalog
        self.plain = plain_suites(catalog)
        # runs described since the last build: their findings, and the returns they judged when known
        self.noted: dict[str, tuple[ValidationRun, list[Finding], list[RunReturn]]] = {}
        self.held: dict[str, Path] = {}  # runs this process judged and queued, released at the next build
        self.pending: list[Any] = []  # results stored since the Data Docs were last built
        self.checkpoints: dict[str, Any] = {}
        # the portal's warm-up thread and its first record may both set up: the second waits for the first
        self._setting_up = threading.Lock()

    def set_up(self) -> None:
        """Load Great Expectations and the home's context (once): only the record needs them."""
        with self._setting_up:
            if not self.checkpoints:
                with _exclusive(self.home):
                    self._set_up(self.home, self.catalog)

    def _set_up(self, home: Path, catalog: Catalog) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        from esgflow.checks.suites import build_suites

        _cache_compiled_templates(home / "gx" / "uncommitted" / "jinja_cache")
        self.context = gx.get_context(mode="file", project_root_dir=str(home))
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        sites = copy.deepcopy(self.context.variables.data_docs_sites or {})
        for site in sites.values():
            index = site.setdefault("site_index_builder", {"class_name": "DefaultSiteIndexBuilder"})
            index["validation_results_limit"] = INDEX_LIMIT
        self.context.variables.data_docs_sites = sites
        stamp, fingerprint = home / "gx" / SUITES_STAMP, _fingerprint(catalog)
        if stamp.exists() and stamp.read_text() == fingerprint:
            from great_expectations.exceptions import DataContextError

            try:  # the stored suites were made from this catalog and these rules: take them as they are
                self.checkpoints = {name: self.context.checkpoints.get(f"{name}_checks") for name in SUITE_NAMES}
                return
            except DataContextError:
                pass  # something is missing from the store: make it all again
        self.context.variables.save()
        source = self.context.data_sources.add_or_update_pandas("esgflow")
        self.checkpoints = {}
        for name, suite in build_suites(catalog).items():
            suite = self.context.suites.add_or_update(suite)
            asset = next((a for a in source.assets if a.name == f"{name}_checks"), None) or source.add_dataframe_asset(
                f"{name}_checks"
            )
            batch = next((b for b in asset.batch_definitions if b.name == "whole"), None) or (
                asset.add_batch_definition_whole_dataframe("whole")
            )
            definition = self.context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=f"{name}_checks", data=batch, suite=suite)
            )
            self.checkpoints[name] = self.context.checkpoints.add_or_update(
                gx.Checkpoint(
                    name=f"{name}_checks",
                    validation_definitions=[definition],
                    actions=[],
                    result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]},
                )
            )
        stamp.write_text(fingerprint)

    def run(self, suite: str, frame: pl.DataFrame, run_name: str) -> list[Failure]:
        """Validate a check frame; the failing rows with their rule and severity."""
        return self.check(suite, frame, run_name).failures

    def check(self, suite: str, frame: pl.DataFrame, run_name: str) -> Checked:
        """Judge a check frame (esgflow.checks.judge) and queue it for the record: the failing rows, and the
        run to `note` the findings made of them on. Great Expectations records it at the next build."""
        from esgflow.checks import recorder
        from esgflow.checks.judge import judge

        if frame.is_empty():
            return Checked([], None)
        run = ValidationRun(f"{run_name}-{uuid.uuid4().hex[:8]}", suite, datetime.now(UTC))  # a key of its own
        failures = judge(self.plain[suite], frame)
        self.held[run.name] = recorder.hold(self.home, run, frame, failures)
        return Checked(failures, run)

    def record(self, run: ValidationRun, frame: pl.DataFrame) -> list[Failure]:
        """Run Great Expectations on a judged frame, for real: its result is stored for the Data Docs."""
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.exceptions.resource_freshness import ResourceFreshnessAggregateError

        self.set_up()
        suite, run_id = run.suite, RunIdentifier(run_name=run.name, run_time=run.time)
        batch = _to_pandas(with_conditions(frame, [c for e in self.plain[suite] for c in e.columns]))
        with _exclusive(self.home):
            _RUNS[0] += 1
            try:
                result = self.checkpoints[suite].run(batch_parameters={"dataframe": batch}, run_id=run_id)
            except ResourceFreshnessAggregateError:
                # another process saved the same suites since this one set up: take what is stored
                self.checkpoints[suite] = self.context.checkpoints.get(f"{suite}_checks")
                result = self.checkpoints[suite].run(batch_parameters={"dataframe": batch}, run_id=run_id)
        self.pending += list(result.run_results)
        return [f for v in result.run_results.values() for f in failures_of(v)]

    def release(self) -> None:
        """Hand this process's queued runs, with what was noted of them, to any recorder."""
        from esgflow.checks import recorder

        held, self.held = self.held, {}  # a portal thread may judge the next batch meanwhile
        for name, path in held.items():
            noted = self.noted.pop(name, None)
            recorder.release(path, noted[1:] if noted else None)

    def record_queue(self) -> None:
        """Record every queued run of the home this process can take, comparing both engines' failures."""
        from esgflow.checks import recorder

        for path in recorder.take(self.home):
            entry = recorder.read(path)
            recorder.compare(self.home, entry.run, entry.judged, self.record(entry.run, entry.frame))
            if entry.notes is not None:
                self.noted[entry.run.name] = (entry.run, *entry.notes)
            shutil.rmtree(path)

    def note(self, run: ValidationRun | None, findings: list[Finding], returns: list[RunReturn] | None = None) -> None:
        """The findings a run's failures became, with entity, sheet and cell: its page says them at the next build.
        Noted again with the returns it judged (once their letters are written), the page lists each return's
        file, version and letter and every finding its letter gives."""
        if run is not None:
            self.noted[run.name] = (run, findings, returns or [])

    def build_docs(self, detached: bool = False, release: bool = True) -> None:
        """Record the home's queued runs, then render the Data Docs pages of the results stored since the
        last build, and the index. detached: leave both to a recorder process started now (a cold command).
        release: hand this process's judged runs to the queue first (the portal does that under its
        ingest lock, so that no batch is released before its findings are noted, and records outside it)."""
        from esgflow.checks import recorder

        released = bool(self.held) and release
        if release:
            self.release()
        if detached:
            if released:
                recorder.start_detached(self.home)
                _DETACHED[0] = True
            return
        self.record_queue()
        pending, self.pending = self.pending, []
        if not pending:
            return
        with _exclusive(self.home):
            suites = {key.expectation_suite_identifier for key in pending}
            self.context.build_data_docs(resource_identifiers=[*pending, *suites])
            site = self.site
            pages = {key.run_id.run_name: _run_pages(site, key.run_id.run_name) for key in pending}
            offline_site(site, [p for found in pages.values() for p in found])
            noted = [n for name, n in list(self.noted.items()) if name not in self.held]  # not one still judged
            if noted:
                from esgflow.entities import load_registry

                registry = load_registry()
                for run, findings, returns in noted:
                    detail = next(iter(pages.get(run.name, [])), None)
                    write_run_page(site / RUN_PAGES, run, findings, detail, self.catalog, registry, returns)
                    self.noted.pop(run.name, None)
                write_run_index(site / RUN_PAGES, registry)

    @property
    def site(self) -> Path:
        """The folder of the Data Docs site (and of esgflow's run pages, under RUN_PAGES)."""
        return self.home / "gx" / "uncommitted" / "data_docs" / "local_site"


def failures_of(validation: Any) -> list[Failure]:
    """The failing rows of one Great Expectations validation result, expectation by expectation."""
    failures: list[Failure] = []
    for r in validation.results:
        meta = dict(r.expectation_config.meta or {})
        if _raised(r.exception_info):  # a check that could not run must never pass as kept
            raise RuntimeError(f"expectation {meta.get('rule')} could not run: {r.exception_info}")
        if r.success:
            continue
        for row in r.result.get("unexpected_index_list") or []:
            failures.append(Failure(int(row["row_id"]), meta["rule"], meta["severity"], meta))
    return failures


def _run_pages(site: Path, run_name: str) -> list[Path]:
    """The Data Docs pages of one run (one per suite and batch)."""
    return sorted(site.glob(f"validations/*/{run_name}/*/*.html"))


def build_data_docs(home: Path, detached: bool = False, release: bool = True) -> None:
    """Record what this process validated under `home` (and any run left queued), then build the Data Docs
    (nothing if it validated nothing). detached: a recorder process does both after this one exits.
    release: queue this process's judged runs first (else only what `release_runs` queued is recorded)."""
    if (recorder := DIVERTED.get(str(home.resolve()))) is not None:  # esgflow.checks.beside
        release_runs(home)
        recorder()
        return
    for validator in _validators_of(home):
        validator.build_docs(detached, release)


def release_runs(home: Path) -> None:
    """Queue, with their notes, the runs this process judged under `home`, for any recorder to take."""
    for validator in _validators_of(home):
        validator.release()


def _validators_of(home: Path | None) -> list[Validator]:
    """This process's validators of `home` (of every home when None)."""
    where = None if home is None else str(home.resolve())
    return [v for (path, _), v in list(_VALIDATORS.items()) if where is None or path == where]


def _fingerprint(catalog: Catalog) -> str:
    """What the suites are made from: the catalog, the rule kinds and the Great Expectations version.

    A process whose fingerprint matches the stored one takes the stored suites and checkpoints
    instead of making and saving them again (about a second of every command that validates).
    """
    import great_expectations as gx

    from esgflow.checks import conditions, frames, rules, slips, suites

    digest = hashlib.sha256(repr(catalog).encode())
    for module in (rules, slips, suites, frames, conditions):  # conditions: how masked columns are named
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(gx.__version__.encode())
    return digest.hexdigest()


def _cache_compiled_templates(folder: Path) -> None:
    """Keep the Data Docs' compiled Jinja templates on disk.

    Great Expectations makes a new Jinja environment for every page it renders, so each
    build compiled the same fifty templates again (two thirds of its time). Their bytecode
    is kept beside the Data Docs, shared by every process of the home; Jinja checks each
    entry against its template's source and recompiles a stale or torn one.
    """
    from great_expectations.render.view.view import DefaultJinjaView
    from jinja2 import FileSystemBytecodeCache

    if getattr(DefaultJinjaView, "_esgflow_cache", None):
        return
    folder.mkdir(parents=True, exist_ok=True)
    cache = FileSystemBytecodeCache(str(folder))
    make = DefaultJinjaView.__init__

    @functools.wraps(make)
    def with_cache(view: Any, *args: Any, **kwargs: Any) -> None:
        make(view, *args, **kwargs)
        view.env.bytecode_cache = cache

    DefaultJinjaView.__init__ = with_cache  # type: ignore[method-assign]
    DefaultJinjaView._esgflow_cache = cache  # type: ignore[attr-defined]


def _raised(info: dict[str, Any] | None) -> bool:
    """Whether a result's exception info reports an exception (GX 1.x keys it by metric)."""
    if not info:
        return False
    return bool(info.get("raised_exception")) or any(
        isinstance(v, dict) and v.get("raised_exception") for v in info.values()
    )


def _to_pandas(frame: pl.DataFrame) -> Any:
    """polars -> pandas without pyarrow: check frames are small, column lists are enough."""
    import pandas as pd

    return pd.DataFrame({name: frame[name].to_list() for name in frame.columns})


def record_all() -> None:
    """Record what every validator of this process has queued, without building pages (the tests' check
    that both engines agree on every validation they make)."""
    for validator in _validators_of(None):
        if validator.held and validator.home.is_dir():
            validator.release()
            validator.record_queue()


def recording_detached() -> bool:
    """Whether this process queued runs and started a recorder for them (the Data Docs will list them)."""
    return _DETACHED[0]


def checkpoint_runs() -> int:
    """How many checkpoint runs this process has made (a retry after a stale suite counts as the same run)."""
    return _RUNS[0]


def validator_for(home: Path, catalog: Catalog) -> Validator:
    """The home's validator, made on first use."""
    key = (str(home.resolve()), id(catalog))
    if key not in _VALIDATORS:
        _VALIDATORS[key] = Validator(home, catalog)
    return _VALIDATORS[key]
