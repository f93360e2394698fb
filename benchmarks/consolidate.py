"""Benchmark: consolidate a period of N entities with the pipeline and with the old ORM-row baseline.

    python benchmarks/consolidate.py [--entities 33,1000,10000] [--database-url URL] [--workdir DIR]

Builds a synthetic warehouse per size: the 33 entities of the registry plus N - 33 made-up
ones under the group root, each with one accepted submission of a year of returns (every
input the catalog asks of its kind). Then, each in a fresh process on its own copy of that
warehouse, it times
  - pipeline: `esgflow consolidate`'s code (`consolidate_period`),
  - rows: the same code storing provenance as before migration 0032, one figure_source row
    per (figure, observation): its digest must be the pipeline's, and
  - baseline: the implementation the first round replaced (a copy is kept below; the
    figures have changed since, so its digest differs): observations read
    as Python Decimals, provenance lists pivoted per scope, a Decimal per figure, figures
    inserted with RETURNING and figure_source rows built as dicts,
both on a warehouse without computed figures (first) and again on top of them (again:
the old figures and their provenance are replaced). It prints seconds (wall and CPU),
the peak memory of the timing process (RSS; the warehouse is built in another process),
the load average at the start and the end, the provenance rows each method stored
(figure_source, consolidation_input, consolidation_member and consolidation_feed) and a digest of the figures
and of every figure's sources as `figures_with_sources` reads them: they must agree.
The baseline stores a figure_source row per (figure, observation), as every consolidation
did before migration 0032; the pipeline stores its input submissions, the tree it used and feeds.

SQLite by default (a file per size under the work folder). With --database-url (e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/bench) every table of that database is
dropped and rebuilt for each run: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PERIOD = "2024"
SYNTHETIC_KINDS = ("design_institute", "construction", "engineering", "branch", "overseas", "technology")


def _settings(home: Path, url: str | None):  # type: ignore[no-untyped-def]
    from esgflow.config import load_settings

    env = {"ESGFLOW_HOME": str(home)}
    if url:
        env["ESGFLOW_DATABASE_URL"] = url
    return load_settings(env)


# -- the synthetic warehouse ----------------------------------------------------------------------------------------


def _scaled(value: Decimal, n: int) -> Decimal:
    """A made-up entity's figure: a real entity's, a little different, with the same precision."""
    if n == 0:
        return value
    exponent = min(int(value.as_tuple().exponent), 0)
    return (value * Decimal(1 + (n % 997) / 1000)).quantize(Decimal(1).scaleb(exponent))


def _filler(entity: str, code: str, dtype: str) -> Decimal:
    """A figure the demo does not share out (an input without a published total)."""
    digest = hashlib.sha256(f"{entity}:{code}".encode()).digest()
    if dtype == "percent":
        return Decimal(digest[0] % 100)
    return Decimal(int.from_bytes(digest[:3], "big") % 100000) / (1 if dtype == "integer" else 100)


def _returns(entities: dict[str, str]) -> dict[str, dict[str, Decimal]]:
    """entity -> indicator -> value in reporting units: every input of its kind."""
    from esgflow.catalog import load_catalog
    from esgflow.demo.group import demo_returns
    from esgflow.entities import load_registry
    from esgflow.periods import parse_period

    catalog, registry = load_catalog(), load_registry()
    demo = {r.entity: r.values for r in demo_returns(catalog, registry, parse_period(PERIOD))}
    model = {}  # kind -> a real entity of that kind, whose figures the made-up ones vary
    for e in registry.entities:
        model.setdefault(e.kind, e.code)
    out: dict[str, dict[str, Decimal]] = {}
    for n, (code, kind) in enumerate(entities.items()):
        like = code if code in demo else model[kind]
        variant = 0 if code == like else n
        values = {}
        for ind in catalog.inputs_for_kind(kind):
            given = demo.get(like, {}).get(ind.code)
            values[ind.code] = _filler(code, ind.code, ind.dtype) if given is None else _scaled(given, variant)
        out[code] = values
    return out


def _fresh_schema(url: str) -> None:
    """Empty a scratch database (PostgreSQL runs) -- its tables, and the functions and triggers of the
    migrations -- so that init starts it anew."""
    from sqlalchemy import text

    from esgflow.warehouse import db

    engine = db.engine_for(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.dispose(url)


def build(home: Path, url: str | None, entities: int) -> dict[str, Any]:
    """A warehouse with `entities` entities, each with one accepted return of a year."""
    import polars as pl
    from sqlalchemy import insert, select

    from esgflow.decimals import tidy
    from esgflow.entities import load_registry
    from esgflow.factors import OPEN_END, OPEN_START
    from esgflow.jobs.setup import init_warehouse
    from esgflow.periods import parse_period
    from esgflow.warehouse import db
    from esgflow.warehouse import models as m
    from esgflow.warehouse.reference import add_entities

    started = time.perf_counter()
    settings = _settings(home, url)
    if url:
        _fresh_schema(url)
    init_warehouse(settings)
    registry = load_registry()
    root = registry.root()
    kinds = {e.code: e.kind for e in registry.entities}
    made_up = [f"SYN{n:05d}" for n in range(max(entities - len(kinds), 0))]
    for n, code in enumerate(made_up):
        kinds[code] = SYNTHETIC_KINDS[n % len(SYNTHETIC_KINDS)]
    returns = _returns(kinds)
    now = datetime.now(UTC)
    with db.session_scope(settings.database_url) as s:
        add_entities(
            s,
            [
                {
                    "code": code,
                    "name_zh": f"合成单位{code}",
                    "short_zh": code,
                    "name_en": f"Synthetic entity {code}",
                    "kind": kinds[code],
                    "relation": "wholly_owned",
                    "country": "CN",
                    "language": "zh",
                }
                for code in made_up
            ],
            [{"entity": code, "parent": root, "valid_from": OPEN_START, "valid_to": OPEN_END} for code in made_up],
        )
        period_id = db.ensure_period(s, parse_period(PERIOD))
        entity_ids, indicator_ids = db.code_ids(s, "entity"), db.code_ids(s, "indicator")
        s.execute(
            insert(m.Submission.__table__),
            [
                {
                    "entity_id": entity_ids[code],
                    "period_id": period_id,
                    "version": 1,
                    "content_hash": hashlib.sha256(code.encode()).hexdigest(),
                    "file_name": f"{code}_{PERIOD}.xlsx",
                    "status": "accepted",
                    "received_at": now,
                    "arrived_at": now,
                    "answered_at": now,
                }
                for code in returns
            ],
        )
        submissions = dict(
            s.execute(select(m.Submission.entity_id, m.Submission.id).filter_by(period_id=period_id)).tuples().all()
        )
        rows = [
            (code, indicator, str(tidy(value)), f"D{n}")  # values as the warehouse keeps them (tidy decimal text)
            for code, figures in returns.items()
            for n, (indicator, value) in enumerate(figures.items(), start=5)
        ]
        codes, indicators, texts, cells = (list(column) for column in zip(*rows, strict=True))
        observations = pl.DataFrame(
            {
                "submission_id": [submissions[entity_ids[code]] for code in codes],
                "entity_id": [entity_ids[code] for code in codes],
                "period_id": [period_id] * len(rows),
                "indicator_id": [indicator_ids[i] for i in indicators],
                "value": texts,
                "original_value": texts,
                "source_file": [f"{code}_{PERIOD}.xlsx" for code in codes],
                "sheet": ["returns"] * len(rows),
                "cell": cells,
            }
        )
        db.bulk_insert(s, m.Observation.__table__, observations)
    db.dispose(settings.database_url)
    return {"entities": len(returns), "observations": observations.height, "seconds": time.perf_counter() - started}


# -- the baseline: consolidation as it was before (ORM rows, RETURNING, a Decimal and a dict per row) -------------
# A copy of the replaced code (esgflow/figures/consolidate.py, warehouse/queries.py and warehouse/load.py at commit
# ff241a1), so that both run on the same input in the same run.


def _baseline_observations(session: Any, period: Any) -> Any:
    import polars as pl
    from sqlalchemy import select

    from esgflow.decimals import VALUE_DTYPE
    from esgflow.warehouse import models as m
    from esgflow.warehouse.submissions import in_newest_accepted

    query = in_newest_accepted(
        select(m.Observation.id, m.Entity.code, m.Indicator.code, m.Observation.value), period
    ).where(m.Observation.value.is_not(None))
    return pl.DataFrame(
        session.execute(query).all(),
        schema={"observation_id": pl.Int64, "entity": pl.Utf8, "indicator": pl.Utf8, "value": VALUE_DTYPE},
        orient="row",
    )


def _baseline_consolidate(observations: Any, parents: Any, root: str, catalog: Any, factors: Any, on: Any) -> Any:
    import polars as pl

    from esgflow.decimals import VALUE_DTYPE
    from esgflow.entities import ancestry
    from esgflow.figures.consolidate import FIGURE_SCHEMA

    kinds = pl.DataFrame(
        {
            "indicator": [i.code for i in catalog.indicators],
            "consolidation": [i.consolidation for i in catalog.indicators],
        }
    )
    pairs = ancestry(parents)
    scopes = pl.DataFrame({"entity": [p[0] for p in pairs], "scope": [p[1] for p in pairs]})
    obs = observations.join(kinds, on="indicator", how="inner")
    sums = (
        obs.filter(pl.col("consolidation") == "sum")
        .join(scopes, on="entity", how="inner")
        .group_by("scope", "indicator")
        .agg(
            pl.col("value").sum().alias("exact"),
            pl.col("observation_id").alias("observation_ids"),
            pl.len().alias("n"),
        )
        .with_columns(pl.format("sum of {} observations", pl.col("n")).alias("method"))
        .drop("n")
    )
    group_only = obs.filter((pl.col("consolidation") == "group") & (pl.col("entity") == root)).select(
        pl.col("entity").alias("scope"),
        "indicator",
        pl.col("value").alias("exact"),
        pl.lit(f"reported by {root} for the group").alias("method"),
        pl.concat_list("observation_id").alias("observation_ids"),
    )
    exact = pl.concat([sums, group_only], how="diagonal")
    exact = exact.with_columns(pl.col("exact").cast(pl.Float64).alias("value"))
    weighted = []
    for ind in (i for i in catalog.indicators if i.consolidation == "weighted_average"):
        values = obs.filter(pl.col("indicator") == ind.code).select("observation_id", "entity", "value")
        weights = observations.filter(pl.col("indicator") == ind.weight).select(
            "entity", pl.col("value").alias("weight"), pl.col("observation_id").alias("weight_id")
        )
        weighted.append(
            values.join(weights, on="entity", how="inner")
            .join(scopes, on="entity", how="inner")
            .with_columns(pl.col("value").cast(pl.Float64), pl.col("weight").cast(pl.Float64))
            .group_by("scope")
            .agg(
                ((pl.col("value") * pl.col("weight")).sum() / pl.col("weight").sum()).alias("value"),
                pl.col("observation_id").append(pl.col("weight_id")).alias("observation_ids"),
            )
            .with_columns(
                pl.lit(ind.code).alias("indicator"),
                pl.lit(f"weighted average by {ind.weight}").alias("method"),
                pl.lit(None, dtype=VALUE_DTYPE).alias("exact"),
            )
        )
    figures = pl.concat([exact, *weighted], how="diagonal").select(list(FIGURE_SCHEMA)).cast(FIGURE_SCHEMA)
    return pl.concat([figures, _baseline_derive(figures, catalog, factors, on)], how="vertical")


def _baseline_derive(figures: Any, catalog: Any, factors: Any, on: Any) -> Any:
    import polars as pl

    from esgflow.decimals import VALUE_DTYPE
    from esgflow.figures.consolidate import FIGURE_SCHEMA
    from esgflow.figures.formulas import compile_formula

    derived = catalog.derived_in_order()
    if figures.is_empty() or not derived:
        return pl.DataFrame(schema=FIGURE_SCHEMA)
    wide = figures.pivot(on="indicator", index="scope", values="value")
    ids = figures.pivot(on="indicator", index="scope", values="observation_ids")

    def factor_of(name: str) -> tuple[Decimal, str]:
        f = factors.resolve(name, on)
        return f.value, f.unit

    def unit_of(name: str) -> str | None:
        return catalog[name].unit if name in catalog else None

    out = []
    for ind in derived:
        inputs = [n for n in ind.formula_inputs() if n in catalog]
        for name in inputs:
            if name not in wide.columns:
                wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(name))
                ids = ids.with_columns(pl.lit(None, dtype=pl.List(pl.Int64)).alias(name))
        wide = wide.with_columns(compile_formula(ind.formula, ind.unit, unit_of, factor_of).alias(ind.code))
        ids = ids.with_columns(
            pl.concat_list([pl.col(n).fill_null(pl.lit([], dtype=pl.List(pl.Int64))) for n in inputs])
            .list.unique()
            .list.sort()
            .alias(ind.code)
        )
        out.append(
            wide.select("scope", pl.col(ind.code).alias("value"))
            .join(ids.select("scope", pl.col(ind.code).alias("observation_ids")), on="scope")
            .filter(pl.col("value").is_not_null())
            .with_columns(
                pl.lit(ind.code).alias("indicator"),
                pl.lit(None, dtype=VALUE_DTYPE).alias("exact"),
                pl.lit(f"formula: {ind.formula}").alias("method"),
            )
        )
    return pl.concat(out, how="diagonal").select(list(FIGURE_SCHEMA)).cast(FIGURE_SCHEMA)


def _baseline_storable(figures: Any) -> Any:
    import polars as pl

    def as_decimal(exact: Decimal | None, value: float) -> Decimal:
        return exact if exact is not None else Decimal(f"{value:.12g}")

    values = [as_decimal(e, v) for e, v in zip(figures["exact"], figures["value"], strict=True)]
    return figures.select("scope", "indicator", "method", "observation_ids").with_columns(
        pl.Series("value", values, dtype=pl.Object)
    )


def _baseline_replace(session: Any, period: Any, figures: Any) -> None:
    from sqlalchemy import delete, insert, select

    from esgflow.warehouse import models as m
    from esgflow.warehouse.db import code_ids, ensure_period

    period_id = ensure_period(session, period)
    entity_ids, indicator_ids = code_ids(session, "entity"), code_ids(session, "indicator")
    old = select(m.ConsolidatedFigure.id).filter_by(period_id=period_id, basis="computed")
    session.execute(delete(m.FigureSource).where(m.FigureSource.figure_id.in_(old)))
    session.execute(delete(m.ConsolidatedFigure).where(m.ConsolidatedFigure.id.in_(old)))
    rows = list(figures.iter_rows(named=True))
    if not rows:
        return
    now = datetime.now(UTC)
    figure_ids = session.scalars(
        insert(m.ConsolidatedFigure).returning(m.ConsolidatedFigure.id, sort_by_parameter_order=True),
        [
            {
                "entity_id": entity_ids[row["scope"]],
                "period_id": period_id,
                "indicator_id": indicator_ids[row["indicator"]],
                "basis": "computed",
                "value": row["value"],
                "method": row["method"],
                "computed_at": now,
            }
            for row in rows
        ],
    ).all()
    sources = [
        {"figure_id": figure_id, "observation_id": i}
        for figure_id, row in zip(figure_ids, rows, strict=True)
        for i in row["observation_ids"] or []
    ]
    if sources:
        session.execute(insert(m.FigureSource), sources)


def baseline_consolidate_period(settings: Any, period: Any) -> None:
    from esgflow.catalog import load_catalog
    from esgflow.entities import load_registry
    from esgflow.factors import load_factors
    from esgflow.jobs.common import entity_tree
    from esgflow.warehouse import db

    root = load_registry().root()
    with db.session_scope(settings.database_url) as session:
        observations = _baseline_observations(session, period)
        parents = entity_tree(session, period)
        figures = _baseline_consolidate(observations, parents, root, load_catalog(), load_factors(), period.ends_on)
        _baseline_replace(session, period, _baseline_storable(figures))


def rows_consolidate_period(settings: Any, period: Any) -> None:
    """Today's consolidation storing its provenance as before migration 0032: a figure_source row per
    (figure, observation) (replace_computed_figures without the consolidation's inputs)."""
    from esgflow.figures.consolidate import storable
    from esgflow.jobs import figures as jobs
    from esgflow.jobs.common import standing_basis
    from esgflow.warehouse import db
    from esgflow.warehouse.figures import replace_computed_figures

    with db.session_scope(settings.database_url) as session:
        factors, _ = jobs._period_factors(session, period)
        figures, _, _ = jobs._compute(session, period, factors)
        replace_computed_figures(session, period, storable(figures), standing_basis(session, period))


# -- timing -----------------------------------------------------------------------------------------------------------


def run(method: str, home: Path, url: str | None) -> dict[str, float]:
    """Consolidate twice: first on a warehouse without computed figures, then again on top of them."""
    from esgflow.jobs.figures import consolidate_period
    from esgflow.periods import parse_period

    settings = _settings(home, url)
    period = parse_period(PERIOD)
    methods = {"pipeline": consolidate_period, "rows": rows_consolidate_period, "baseline": baseline_consolidate_period}
    consolidate = methods[method]
    out = {}
    for name in ("first", "again"):
        wall, cpu = time.perf_counter(), time.process_time()
        consolidate(settings, period)
        out[name], out[f"{name}_cpu"] = time.perf_counter() - wall, time.process_time() - cpu
    return {**out, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def digest(home: Path, url: str | None) -> dict[str, Any]:
    """What the warehouse holds after a run: counts, and a hash of every figure and of every figure's sources
    as `figures_with_sources` reads them (derived from consolidation_input, _member and _feed, or from
    figure_source rows, as the baseline writes them), and how many provenance rows are stored."""
    import polars as pl
    from sqlalchemy import String, cast, func, select

    from esgflow.periods import parse_period
    from esgflow.warehouse import db
    from esgflow.warehouse import models as m
    from esgflow.warehouse.figures import figures_with_sources

    f = m.ConsolidatedFigure
    settings = _settings(home, url)
    with db.session_scope(settings.database_url) as session:
        figures = db.frame_of(
            session,
            select(f.id, f.entity_id, f.indicator_id, f.basis, cast(f.value, String), f.method),
            {
                "id": pl.Int64,
                "entity": pl.Int64,
                "indicator": pl.Int64,
                "basis": pl.Utf8,
                "value": pl.Utf8,
                "method": pl.Utf8,
            },
        )
        sources = figures_with_sources(session, parse_period(PERIOD), "computed")
        stored = sum(
            session.scalar(select(func.count()).select_from(t)) or 0
            for t in (m.FigureSource, m.ConsolidationInput, m.ConsolidationMember, m.ConsolidationFeed)
        )
    keyed = sources.select("scope", "indicator", pl.col("observation_ids").list.eval(pl.element().cast(pl.Utf8)))
    keyed = keyed.with_columns(pl.col("observation_ids").list.join(" "))
    text = figures.drop("id").sort(pl.all()).write_csv() + keyed.sort(pl.all()).write_csv()
    return {
        "figures": figures.height,
        "sources": int(sources["observation_ids"].list.len().sum()),
        "stored": stored,
        "digest": hashlib.sha256(text.encode()).hexdigest(),
    }


def _load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def _child(*args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", default="33,1000,10000", help="sizes, comma-separated")
    parser.add_argument("--database-url", help="a scratch PostgreSQL database (its tables are dropped)")
    parser.add_argument("--workdir", help="keep the warehouses here (default: a temporary folder)")
    parser.add_argument("--methods", default="pipeline,rows,baseline")
    parser.add_argument("--step", choices=["build", "run", "digest"], help=argparse.SUPPRESS)
    parser.add_argument("--method", default="pipeline", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        home = Path(args.home)
        steps = {
            "build": lambda: build(home, args.database_url, int(args.entities)),
            "run": lambda: run(args.method, home, args.database_url),
            "digest": lambda: digest(home, args.database_url),
        }
        print(json.dumps(steps[args.step]()))
        return
    print(f"load average at the start: {_load()}", flush=True)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="esgflow-bench-"))
    url = ["--database-url", args.database_url] if args.database_url else []
    rows = []

    def build_into(size: int, home: Path) -> int:
        shutil.rmtree(home, ignore_errors=True)
        made = _child("--step", "build", "--entities", str(size), "--home", str(home), *url)
        print(f"built {made['entities']} entities, {made['observations']} observations in {made['seconds']:.0f} s")
        return int(made["observations"])

    for size in (int(n) for n in args.entities.split(",")):
        built = workdir / f"built-{size}"
        if not args.database_url:  # one SQLite warehouse per size, copied for each method
            observations = build_into(size, built)
        for method in args.methods.split(","):
            home = workdir / f"{method}-{size}"
            if args.database_url:  # the scratch database is built anew for each method
                observations = build_into(size, home)
            else:
                shutil.rmtree(home, ignore_errors=True)
                shutil.copytree(built, home)
            result = _child("--step", "run", "--method", method, "--home", str(home), *url)
            result |= _child("--step", "digest", "--home", str(home), *url)
            rows.append((size, method, observations, result))
            print(f"  {method}: {result['first']:.2f} s, {result['peak_mb']:.0f} MB", flush=True)
    print(f"\n{'PostgreSQL' if args.database_url else 'SQLite'}: consolidating one period, first and again")
    print(
        f"{'entities':>9}{'observations':>13}  {'method':<9}{'first s':>8}{'(cpu)':>7}{'again s':>8}{'(cpu)':>7}"
        f"{'peak MB':>8}{'figures':>9}{'sources':>9}{'stored':>9}  digest"
    )
    for size, method, observations, r in rows:
        print(
            f"{size:>9}{observations:>13}  {method:<9}{r['first']:>8.2f}{r['first_cpu']:>7.2f}{r['again']:>8.2f}"
            f"{r['again_cpu']:>7.2f}{r['peak_mb']:>8.0f}{r['figures']:>9}{r['sources']:>9}{r['stored']:>9}"
            f"  {r['digest'][:12]}"
        )
    print(f"load average at the end: {_load()}")
    by = {(size, method): r for size, method, _, r in rows}
    for size in dict.fromkeys(size for size, *_ in rows):
        p = by.get((size, "pipeline"))
        for method, what in (("rows", "the same figures, a figure_source row per source"), ("baseline", "ORM")):
            if p and (size, method) in by:
                b = by[(size, method)]
                same = "the same" if p["digest"] == b["digest"] else "DIFFERENT"
                print(
                    f"{size} entities: pipeline {b['first'] / p['first']:.1f}x faster than {method} ({what}), "
                    f"{b['peak_mb'] / p['peak_mb']:.1f}x less memory; {same} figures and sources"
                )
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
