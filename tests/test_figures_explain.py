"""`explain`: every figure down to workbook cells and cited factors, with numbers that add up."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from esgflow.catalog import Catalog, load_catalog
from esgflow.config import Settings
from esgflow.demo.group import bundled_history
from esgflow.entities import load_registry
from esgflow.figures.explain import Node
from esgflow.jobs.collection import ingest_files
from esgflow.jobs.figures import consolidate_period, explain_figure
from esgflow.jobs.setup import import_history_file
from esgflow.jobs.signoff import review_return
from esgflow.periods import parse_period
from tests.explain_digest import DIGEST, digest, explain_lines
from tests.returns_factory import P2024, demo_inputs, fill, open_collection

P2025 = parse_period("2025")
ENTITIES = ["HQ", "SAMI", "KMSI", "OS-IN", "OS-GN"]  # Beijing, Liaoning, Yunnan, India, Guinea (fallback)
EMISSION_INPUTS = {"env_diesel", "env_gasoline", "env_natural_gas", "env_electricity"}


@pytest.fixture
def collected(settings: Settings, tmp_path: Path) -> Settings:
    templates = open_collection(settings, P2025, tmp_path / "tpl", ENTITIES)
    outcomes = ingest_files(settings, [fill(templates[e], tmp_path / "in", {}) for e in ENTITIES], docs=False)
    assert all(o.status.startswith("accepted") for o in outcomes), [o.line() for o in outcomes]
    consolidate_period(settings, P2025)
    return settings


def _walk(node: Node) -> list[Node]:
    return [node, *(n for child in node.children for n in _walk(child))]


def _inputs_of(code: str, catalog: Catalog) -> set[str]:
    ind = catalog[code]
    if ind.is_input:
        return {code}
    return {i for n in ind.formula_inputs() if n in catalog for i in _inputs_of(n, catalog)}


def _adds_up(node: Node, catalog: Catalog) -> None:
    """Every node's figure is the sum of its parts (or its formula of them), all the way down."""
    ind = catalog[node.indicator]
    assert node.value is not None
    if node.cells and not node.children and ind.consolidation == "sum":
        assert node.value == pytest.approx(sum(float(c.value) for c in node.cells), rel=1e-12)
    elif (ind.consolidation == "per_entity" and node.children) or ind.code in ("env_ghg_total", "env_ghg_scope1"):
        assert node.value == pytest.approx(sum(c.value or 0 for c in node.children), rel=1e-12)
    for child in node.children:
        _adds_up(child, catalog)


def test_explain_ghg_total_reaches_every_cell_and_factor(collected: Settings, catalog: Catalog) -> None:
    found = explain_figure(collected, P2025, "env_ghg_total")
    assert found.agrees() and found.stored.scope == "HQ"
    _adds_up(found.tree, catalog)
    nodes = _walk(found.tree)
    cells = {(c.entity, c.indicator): c for n in nodes for c in n.cells}
    assert {e for e, _ in cells} == set(ENTITIES)
    # every input of the Scope 1 and 2 formulas, those of template version 4 (zero in the demo returns) included
    inputs = _inputs_of("env_ghg_total", catalog)
    assert inputs > EMISSION_INPUTS and "env_refrigerant_hfc134a" in inputs
    assert {i for _, i in cells} == inputs
    # every reported input of the five returns is reached (a blank one contributes nothing)
    reported = {(e, i) for e in ENTITIES for i, v in demo_inputs(load_catalog(), load_registry(), P2024)[e].items()}
    assert set(cells) == {pair for pair in reported if pair[1] in inputs}
    assert all(c.file.endswith("_2025.xlsx") and c.sheet and c.cell and c.version == 1 for c in cells.values())
    factors = {f.code: f for n in nodes for f in n.factors}
    assert {"grid_co2_cn_ln_2023", "grid_co2_cn_yn_2023", "grid_co2_cn_bj_2023", "grid_co2_in_2024"} <= set(factors)
    assert {"co2_diesel_cn_guideline", "density_diesel"} <= set(factors)
    guinea = next(f for n in nodes if n.scope == "OS-GN" for f in n.factors if f.name == "grid_co2")
    assert guinea.code == "grid_co2_cn_2023" and guinea.fallback and "GN" in guinea.fallback
    assert all(f.source and f.unit and f.looked_up and f.publication for f in factors.values())
    liaoning = factors["grid_co2_cn_ln_2023"]  # the official announcement, apart from the copy that was read
    assert "公告2025年第47号" in liaoning.publication and liaoning.url.startswith("https://www.mee.gov.cn/")
    assert "github.com" in liaoning.transcription and "github.com" not in liaoning.url


def test_explain_works_for_every_computed_indicator(collected: Settings, catalog: Catalog) -> None:
    for code in ("env_energy_total", "env_ghg_intensity_revenue", "env_diesel", "soc_employees_total"):
        found = explain_figure(collected, P2025, code)
        assert found.agrees(), code
        _adds_up(found.tree, catalog)


def test_explain_an_entity_subtree_and_say_it_in_lines(collected: Settings, catalog: Catalog) -> None:
    found = explain_figure(collected, P2025, "env_ghg_scope2_location", "SAMI")
    assert found.agrees() and {n.scope for n in _walk(found.tree)} == {"SAMI"}
    text = "\n".join(found.lines(catalog))
    assert "grid_co2_cn_ln_2023 = 0.4878 kgCO2/kWh, CN-LN, vintage 2023" in text
    assert "cell: SAMI v1 env_electricity" in text and "SAMI_2025.xlsx, sheet" in text
    assert found.to_json()["explanation"]["children"][0]["scope"] == "SAMI"


def test_a_split_entitys_scope2_takes_each_provinces_factor_and_explain_reaches_the_split_cells(
    settings: Settings, tmp_path: Path, catalog: Catalog
) -> None:
    from decimal import Decimal

    from esgflow.warehouse import db
    from esgflow.warehouse.observations import splits_of
    from esgflow.workbooks import layout as L

    templates = open_collection(settings, P2025, tmp_path / "tpl", ["HQ", "SAMI", "KMSI"])
    split = {  # SAMI (registered in Liaoning) used 60 % of its 1,000,000 kWh in Yunnan
        "env_electricity": 1000000,
        "env_office_electricity": 100000,
        "env_electricity_green": 0,
        L.split_location_name("env_electricity", 1): "CN-YN 云南 Yunnan",
        L.split_amount_name("env_electricity", 1): 600000,
        L.split_location_name("env_electricity", 2): "CN-LN 辽宁 Liaoning",
        L.split_amount_name("env_electricity", 2): 400000,
    }
    files = [fill(templates["SAMI"], tmp_path / "in", split)]
    files += [fill(templates[e], tmp_path / "in", {}) for e in ("HQ", "KMSI")]
    outcomes = ingest_files(settings, files, docs=False)
    assert all(o.status.startswith("accepted") for o in outcomes), [o.line() for o in outcomes]
    consolidate_period(settings, P2025)
    # the hand calculation: kWh x kgCO2/kWh of the 2023 vintages (esgflow/data/factors.yaml) / 1000
    sami = (600000 * Decimal("0.1333") + 400000 * Decimal("0.4878")) / 1000
    found = explain_figure(settings, P2025, "env_ghg_scope2_location", "SAMI")
    assert found.agrees() and float(found.stored.value) == pytest.approx(float(sami), rel=1e-9)
    with db.session_scope(settings.database_url) as s:
        stored = splits_of(s, list(found.stored.observation_ids))
        assert stored.select("location", "value").rows() == [("CN-YN", Decimal(60)), ("CN-LN", Decimal(40))]
    [entity] = found.tree.children
    assert "CN-YN, CN-LN" in entity.how and len(entity.children) == 2
    terms = {t.factors[0].region: t for t in entity.children}
    assert terms["CN-YN"].factors[0].code == "grid_co2_cn_yn_2023"
    assert terms["CN-LN"].factors[0].code == "grid_co2_cn_ln_2023"
    [yunnan_cell] = terms["CN-YN"].cells
    assert yunnan_cell.sheet and yunnan_cell.reported.startswith("600000") and yunnan_cell.version == 1
    assert (yunnan_cell.sheet, f"${yunnan_cell.cell[0]}${yunnan_cell.cell[1:]}") in [
        (s, c) for s, c in load_workbook(files[0]).defined_names[L.split_amount_name("env_electricity", 1)].destinations
    ]
    assert terms["CN-YN"].value == pytest.approx(600000 * 0.1333 / 1000, rel=1e-12)
    # the group is the sum of its entities' figures, SAMI's with its split and the others at their places
    group = explain_figure(settings, P2025, "env_ghg_scope2_location")
    assert group.agrees() and {c.scope for c in group.tree.children} == {"HQ", "SAMI", "KMSI"}
    _adds_up(group.tree, catalog)
    others = [c for c in group.tree.children if c.scope != "SAMI"]
    assert all("split" not in c.how for c in others)
    assert float(group.stored.value) == pytest.approx(float(sami) + sum(c.value or 0 for c in others), rel=1e-9)


def test_explain_says_which_cells_their_reporters_marked_estimated(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, P2025, tmp_path / "tpl", ["SAMI", "KMSI"])
    returned = [
        fill(templates["SAMI"], tmp_path / "in", {"env_diesel__estimate": "估算 Estimated"}),
        fill(templates["KMSI"], tmp_path / "in", {}),
    ]
    assert all(o.status.startswith("accepted") for o in ingest_files(sqlite_settings, returned, docs=False))
    consolidate_period(sqlite_settings, P2025)
    found = explain_figure(sqlite_settings, P2025, "env_fuel_total")
    cells = {(c.entity, c.indicator): c for n in _walk(found.tree) for c in n.cells}
    assert {key for key, c in cells.items() if c.estimated} == {("SAMI", "env_diesel")}
    lines = [x.strip() for x in found.lines(load_catalog()) if "cell: " in x]
    [sami_diesel] = [x for x in lines if x.startswith("cell: SAMI v1 env_diesel")]
    assert ", estimated (SAMI_2025.xlsx, sheet" in sami_diesel
    assert not any("estimated" in x for x in lines if x != sami_diesel)
    json_cells = [c for n in _walk(found.tree) for c in n.to_json()["cells"]]
    assert sorted(c["estimated"] for c in json_cells) == [False] * (len(json_cells) - 1) + [True]


def test_explain_gives_each_inputs_hash_sender_and_approver_and_calls_the_root_the_group(
    collected: Settings, catalog: Catalog, tmp_path: Path
) -> None:
    review_return(collected, P2025, "SAMI", "approved", by="Wang Li")
    found = explain_figure(collected, P2025, "env_diesel")
    cells = {c.entity: c for c in found.tree.cells}
    sami, kmsi = cells["SAMI"], cells["KMSI"]
    sent = tmp_path / "in" / sami.file  # the file the fixture dropped for ingest
    assert sami.sha256 == hashlib.sha256(sent.read_bytes()).hexdigest()
    assert (sami.channel, sami.submitted_by, sami.approved_by) == ("folder", str(sent.parent), "Wang Li")
    assert sami.approved_at
    assert kmsi.approved_by is None and kmsi.sha256 != sami.sha256
    lines = found.lines(catalog)
    assert lines[0].startswith("env_diesel for the group, 2025") and " for HQ" not in lines[0]
    assert f"sha256 {sami.sha256}" in "\n".join(lines) and "approved by Wang Li at " in "\n".join(lines)
    assert found.to_json()["scope_is_group"] is True


def test_explain_a_published_figure_of_an_imported_year_names_its_file_and_row(
    collected: Settings, catalog: Catalog
) -> None:
    import_history_file(collected, bundled_history())
    found = explain_figure(collected, parse_period("2023"), "env_diesel")
    assert found.stored.basis == "published" and found.agrees()
    assert "imported: published, appendix_2022_2024.csv row " in found.lines(catalog)[1]


@pytest.mark.slow  # 33 returns recorded and consolidated, 354 figures explained: about 50 s on the loaded machine
def test_explain_gives_the_answers_recorded_while_every_figure_stored_its_sources_row_by_row(
    sqlite_settings: Settings,
) -> None:
    # tests/data/explain_digest.txt was written by `python -m tests.explain_digest` while every figure kept one
    # figure_source row per observation (rewritten after main's catalog grew, again with a row per observation:
    # replace_computed_figures without the consolidation's inputs); however provenance is stored, explain must
    # answer the same
    recorded = DIGEST.read_text(encoding="utf-8").splitlines()
    found = explain_lines(sqlite_settings)
    assert len(found) > 5000 and any(line.startswith("env_ghg_total\tHQ\t") for line in found)
    assert found == recorded, digest(found)
