"""The demo year's assurance pack, through the command line: it verifies, it is the same when packed twice,
and a flipped byte in one return or an edited figure is named."""

import json
import shutil
from pathlib import Path

import pytest

from esgflow.catalog import load_catalog
from esgflow.cli import main
from esgflow.config import Settings, load_settings
from esgflow.demo.group import DEMO_PEOPLE, demo_inputs
from esgflow.entities import load_registry
from esgflow.jobs.assurance import pack_period, record_result, verify
from esgflow.jobs.collection import entity_versions, ingest_files
from esgflow.jobs.figures import consolidate_period
from esgflow.jobs.signoff import audit_trail, review_return
from esgflow.warehouse import db
from esgflow.workbooks.fill import fill_template
from tests.returns_factory import P2024, ingested_year

FINDINGS_OF_THE_DEMO_YEAR = 2  # OS-HK v2: electricity and office electricity slipped by 10,000

pytestmark = pytest.mark.slow  # the whole demo year as workbooks (about 60 s): built once for the module


@pytest.fixture(scope="module")
def demo_year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    home = tmp_path_factory.mktemp("assurance") / "home"
    settings = load_settings({"ESGFLOW_HOME": str(home)})
    ingested_year(settings)
    # OS-HK corrects its return with electricity typed in 万千瓦时 into the kWh cell: a unit-slip warning
    inputs = demo_inputs(load_catalog(), load_registry(), P2024)["OS-HK"]
    electric = [c for c in inputs if c.startswith(("env_electricity", "env_office_electricity"))]  # parts as well
    slipped = {**DEMO_PEOPLE, **inputs, **{c: inputs[c] / 10000 for c in electric}}
    corrected = fill_template(home / "templates" / "OS-HK_2024.xlsx", home / "v2" / "OS-HK_2024.xlsx", slipped)
    [done] = ingest_files(settings, [corrected], docs=False)
    assert done.status == "accepted_with_warnings", [(f.rule, f.message) for f in done.findings]
    consolidate_period(settings, P2024)
    review_return(settings, P2024, "SAMI", "approved", by="Office Reviewer")
    pack_period(settings, P2024, home / "pack")
    yield settings, home / "pack"
    db.dispose(settings.database_url)


def _copy(pack: Path, to: Path) -> Path:
    shutil.copytree(pack, to)
    return to


def test_the_demo_years_pack_verifies_from_its_own_files(
    demo_year: tuple[Settings, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = demo_year[1]
    inputs = json.loads((pack / "inputs.json").read_text("utf-8"))
    assert len({i["entity"] for i in inputs}) == 33
    sami = next(i for i in inputs if i["entity"] == "SAMI" and i["indicator"] == "env_diesel")
    assert sami["approved_by"] == "Office Reviewer" and sami["sheet"] and sami["cell"] and sami["as_typed"]
    # who stands behind the return at the subsidiary, as its template named them
    assert (sami["prepared_by"], sami["reviewed_by"], sami["responsible"]) == ("张填报", "李审核", "王负责")
    assert (pack / sami["return"]).is_file() and len(list((pack / "returns").iterdir())) == 33
    checked = json.loads((pack / "findings.json").read_text("utf-8"))  # the data-quality results, as stored
    stored = [f for s in entity_versions(demo_year[0], "OS-HK", P2024) for f in s.findings]
    assert [f["rule"] for f in checked if f["entity"] == "OS-HK"] == [f.rule for f in stored]
    assert len(checked) == FINDINGS_OF_THE_DEMO_YEAR and all(f["severity"] for f in checked)
    assert {f["version"] for f in checked if f["entity"] == "OS-HK"} == {2}  # the version in the figures
    trail = json.loads((pack / "trail.json").read_text("utf-8"))["events"]
    assert any(e["action"] == "approved" and e["entity"] == "SAMI" for e in trail)
    factors = json.loads((pack / "factors.json").read_text("utf-8"))["factors"]
    assert all(f["source"] for f in factors)  # every factor with its citation
    assert "鉴证资料包" in (pack / "index.zh.html").read_text("utf-8")
    assert "Assurance pack" in (pack / "index.en.html").read_text("utf-8")
    # verified with the warehouse gone: the pack alone
    monkeypatch.setenv("ESGFLOW_DATABASE_URL", "sqlite:////nonexistent/no.sqlite3")
    assert main(["assurance", "verify", str(pack)]) == 0
    assert "verifies" in capsys.readouterr().out


def test_the_same_period_packed_twice_gives_the_same_manifest(
    demo_year: tuple[Settings, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings, pack = demo_year
    monkeypatch.setenv("ESGFLOW_HOME", str(settings.home))
    assert main(["assurance", "pack", "--period", "2024", "--out", str(tmp_path / "one")]) == 0
    assert main(["assurance", "pack", "--period", "2024", "--out", str(tmp_path / "two")]) == 0
    assert (tmp_path / "one" / "manifest.json").read_bytes() == (tmp_path / "two" / "manifest.json").read_bytes()
    assert (tmp_path / "one" / "manifest.sha256").read_bytes() == (tmp_path / "two" / "manifest.sha256").read_bytes()
    listed = json.loads((tmp_path / "one" / "manifest.json").read_text("utf-8"))["files"]
    assert {f["path"] for f in listed} == {f["path"] for f in json.loads((pack / "manifest.json").read_text())["files"]}


def test_a_flipped_byte_in_one_return_is_named(
    demo_year: tuple[Settings, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = _copy(demo_year[1], tmp_path / "pack")
    victim = sorted((pack / "returns").iterdir())[3]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    assert main(["assurance", "verify", str(pack)]) == 1
    out = capsys.readouterr()
    assert f"returns/{victim.name}: its SHA-256 differs from the manifest's" in out.out
    assert "does not verify" in out.err
    others = [p.name for p in (pack / "returns").iterdir() if p != victim]
    assert not any(f"returns/{name}: its SHA-256" in out.out for name in others)


def test_an_edited_figure_is_named(demo_year: tuple[Settings, Path], tmp_path: Path) -> None:
    pack = _copy(demo_year[1], tmp_path / "pack")
    figures = json.loads((pack / "figures.json").read_text("utf-8"))
    edited = next(f for f in figures if f["scope"] == "HQ" and f["indicator"] == "env_ghg_total")
    edited["value"] = str(float(edited["value"]) * 1.01)
    (pack / "figures.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1), "utf-8")
    found = verify(pack)
    assert not found.ok
    assert "figures.json: its SHA-256 differs from the manifest's (the file was changed)" in found.problems
    named = [p for p in found.problems if p.startswith("figure ")]
    assert named == [
        f"figure env_ghg_total of HQ: the pack says {edited['value']}, recomputed from its returns "
        + named[0].rsplit(" ", 1)[1]
    ]


def test_a_sample_is_reproducible_from_its_seed_weighted_and_recorded(
    demo_year: tuple[Settings, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = demo_year[0]
    monkeypatch.setenv("ESGFLOW_HOME", str(settings.home))
    asked = ["assurance", "sample", "--period", "2024", "--size", "12", "--seed", "2026", "--json"]
    assert main([*asked, "--include", "SAMI:env_diesel", "--by", "Assurer A"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main([*asked, "--include", "SAMI:env_diesel", "--by", "Assurer A"]) == 0
    assert json.loads(capsys.readouterr().out) == first
    assert len(first) == 13 and (first[0]["entity"], first[0]["indicator"]) == ("SAMI", "env_diesel")
    assert all(i["sheet"] and i["cell"] and 0 < i["share"] <= 1 for i in first)
    assert main([*asked[:-2], "2027", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) != first[1:]
    trail = audit_trail(settings, P2024)
    drawn = [e for e in trail if e.action == "assurance_sampled"]
    assert len(drawn) == 3 and drawn[0].actor == "Assurer A" and drawn[0].detail["seed"] == 2026
    assert [i["observation_id"] for i in drawn[0].detail["items"]] == [i["observation_id"] for i in first]
    assert main(["assurance", "sample", "--period", "2024", "--size", "1", "--seed", "1", "--include", "XX:env_x"]) == 1
    record_result(settings, P2024, "assurer@firm.example", first[0]["observation_id"], "not_supported", None, "no bill")
    pack_period(settings, P2024, settings.home / "tested")
    tests = json.loads((settings.home / "tested" / "assurance.json").read_text("utf-8"))
    assert len(tests["samples"]) == 3 and tests["samples"][0]["detail"]["items"][0]["indicator"] == "env_diesel"
    assert [(r["actor"], r["state"], r["reason"]) for r in tests["results"]] == [
        ("assurer@firm.example", "not_supported", "no bill")
    ]
    assert verify(settings.home / "tested").ok
