"""The `esgflow` command line: `main([...])` in this process, and the installed script from a shell."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from esgflow import cli
from esgflow.cli import main


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ESGFLOW_HOME with the embedded SQLite warehouse and no mail server."""
    for name in [k for k in os.environ if k.startswith("ESGFLOW_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ESGFLOW_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_init_import_report(home: Path, tmp_path: Path, seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    assert "loaded 133 indicators, 33 entities" in capsys.readouterr().out
    assert main(["history", "import", str(seed_dir / "appendix_2022_2024.csv")]) == 0
    assert "2022, 2023, 2024" in capsys.readouterr().out
    assert main(["report", "--period", "2024", "--out", str(tmp_path / "r"), "--lang", "en"]) == 0
    assert (tmp_path / "r" / "appendix.csv").is_file() and (tmp_path / "r" / "appendix.en.html").is_file()
    assert not (tmp_path / "r" / "appendix.zh.html").exists()


def test_templates_ingest_consolidate_status_check(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.returns_factory import fill

    assert main(["init"]) == 0
    assert main(["templates", "--period", "2024", "--out", str(tmp_path / "t"), "--entity", "SAMI"]) == 0
    assert "wrote 1 templates for 2024" in capsys.readouterr().out
    returned = fill(tmp_path / "t" / "SAMI_2024.xlsx", tmp_path / "in", {})
    assert main(["ingest", str(returned)]) == 0
    out = capsys.readouterr().out
    assert "SAMI_2024.xlsx: accepted as SAMI 2024 version 1" in out and "1 files judged: 1 accepted" in out
    assert main(["consolidate", "--period", "2024"]) == 0
    assert "of them for the group" in capsys.readouterr().out
    assert main(["status", "--period", "2024"]) == 0
    out = capsys.readouterr().out
    assert "2024: 1 of 33 entities accepted" in out and "SAMI" in out
    assert main(["check", "--period", "2024", "--json"]) == 0
    assert capsys.readouterr().out.lstrip().startswith("[")


def test_access_grant_and_revoke(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["access", "grant", "--entity", "SAMI", "--email", "li@sami.example"]) == 0
    out = capsys.readouterr().out
    assert "granted li@sami.example sign-in as a reporter of SAMI" in out and "/signin/" in out
    assert main(["access", "grant", "--office", "--email", "esg@hq.example"]) == 0
    assert "as the ESG office" in capsys.readouterr().out
    assert main(["access", "revoke", "--email", "li@sami.example"]) == 0
    assert "revoked 1 sign-in of li@sami.example" in capsys.readouterr().out
    assert main(["access", "grant", "--entity", "NOPE", "--email", "x@y.example"]) == 1
    assert "unknown entity 'NOPE'" in capsys.readouterr().err


def test_explain_and_restate(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.returns_factory import fill

    assert main(["init"]) == 0
    assert main(["templates", "--period", "2025", "--out", str(tmp_path / "t"), "--entity", "SAMI"]) == 0
    assert main(["ingest", str(fill(tmp_path / "t" / "SAMI_2025.xlsx", tmp_path / "in", {}))]) == 0
    assert main(["consolidate", "--period", "2025"]) == 0
    capsys.readouterr()
    assert main(["explain", "--period", "2025", "env_ghg_scope2_location"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("env_ghg_scope2_location for HQ, 2025 (computed): ") and "grid_co2_cn_ln_2023" in out
    assert main(["explain", "--period", "2025", "env_ghg_total", "--entity", "SAMI", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["agrees"] is True
    assert main(["restate", "--period", "2025", "--reason", "new returns policy"]) == 0
    out = capsys.readouterr().out
    assert "restated 2025 (restatement 1): new returns policy" in out and "no group figure moved" in out
    assert main(["explain", "--period", "2025", "env_nonsense"]) == 1
    assert "unknown indicator 'env_nonsense'" in capsys.readouterr().err


def test_review_signoff_and_audit(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.returns_factory import fill

    assert main(["init"]) == 0
    assert main(["templates", "--period", "2025", "--out", str(tmp_path / "t"), "--entity", "SAMI"]) == 0
    assert main(["ingest", str(fill(tmp_path / "t" / "SAMI_2025.xlsx", tmp_path / "in", {}))]) == 0
    capsys.readouterr()
    assert main(["review", "--period", "2025", "--entity", "SAMI", "--return", "check diesel", "--by", "Wang Li"]) == 0
    out = capsys.readouterr().out
    assert "Wang Li returned SAMI 2025 version 1: check diesel" in out and "esg.sami@example.com" in out
    assert main(["review", "--period", "2025", "--entity", "SAMI", "--approve"]) == 1
    assert "cannot approve SAMI 2025 version 1: it was returned to its reporters" in capsys.readouterr().err
    assert main(["ingest", str(fill(tmp_path / "t" / "SAMI_2025.xlsx", tmp_path / "in2", {"env_diesel": 1}))]) == 0
    assert main(["review", "--period", "2025", "--entity", "SAMI", "--approve", "--by", "Wang Li"]) == 0
    assert "Wang Li approved SAMI 2025 version 2" in capsys.readouterr().out
    assert main(["status", "--period", "2025", "--json"]) == 0
    reviews = {r["entity"]: r["review"] for r in json.loads(capsys.readouterr().out)}
    assert reviews["SAMI"] == "approved" and reviews["GAMI"] == "pending"
    assert main(["signoff", "--period", "2025", "--by", "Zhang Wei"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("esgflow: cannot sign off 2025: neither approved nor excused: HQ (pending), ")
    assert "GAMI (pending)" in err and "SAMI" not in err
    for entity in [e for e, review in reviews.items() if review == "pending"]:
        assert main(["review", "--period", "2025", "--entity", entity, "--excuse", "not asked this year"]) == 0
    capsys.readouterr()
    assert main(["signoff", "--period", "2025", "--by", "Zhang Wei"]) == 0
    out = capsys.readouterr().out
    assert "2025 signed off by Zhang Wei" in out and "from 1 approved return: SAMI v2" in out
    assert main(["consolidate", "--period", "2025"]) == 0
    assert "signed off by Zhang Wei: its figures stay as signed" in capsys.readouterr().out
    assert main(["audit", "--period", "2025"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" ", 2)[2] for line in lines[:4]] == [  # after the date and time
        "esgflow judged 2025 SAMI v1 accepted: 0 errors, 0 warnings",
        "Wang Li returned 2025 SAMI v1 returned: check diesel",
        "esgflow judged 2025 SAMI v2 accepted: 0 errors, 0 warnings",
        "Wang Li approved 2025 SAMI v2 approved",
    ]
    assert (
        " Zhang Wei signed_off 2025 signed_off" in lines[-2] and lines[-1] == f"{len(lines) - 1} audit records for 2025"
    )
    assert main(["audit", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[-1]["action"] == "signed_off"


def test_cycle_open_show_and_the_deadline_distribute_and_remind_default_to(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from esgflow.periods import parse_period

    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["cycle", "open", "--period", "2025", "--deadline", "2025-11-30"]) == 1
    err = capsys.readouterr().err
    assert (
        err == "esgflow: deadline 2025-11-30 is before the end of 2025 (2025-12-31): returns cover the whole period\n"
    )
    assert main(["cycle", "open", "--period", "2025", "--deadline", "2026-02-15", "--by", "Li Na"]) == 0
    assert capsys.readouterr().out == "opened the 2025 cycle with the deadline 2026-02-15 (Li Na)\n"
    assert main(["cycle", "open", "--period", "2025", "--deadline", "2026-03-01", "--by", "Wang Li"]) == 0
    assert "moved the 2025 deadline from 2026-02-15 to 2026-03-01 (Wang Li)" in capsys.readouterr().out
    assert main(["cycle", "show"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith("2025  deadline 2026-03-01  opened by Li Na on ") and line.endswith("  open")
    assert main(["cycle", "show", "--period", "2024"]) == 0
    assert capsys.readouterr().out.startswith("no cycle opened for 2024")
    assert cli._deadline(parse_period("2025"), None) == date(2026, 3, 1)  # what distribute and remind send
    assert cli._deadline(parse_period("2024"), None) == date(2025, 1, 31)
    assert main(["audit", "--period", "2025"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("Li Na cycle_opened 2025 deadline 2026-02-15")
    assert lines[1].endswith("Wang Li deadline_changed 2025 deadline 2026-03-01 (was 2026-02-15)")


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["history", "import", "/nonexistent.csv"], "/nonexistent.csv: no such file"),
        (["report", "--period", "2024", "--out", "x"], "no schema yet: run 'esgflow init' first"),
        (["ingest", "/nonexistent.xlsx"], "no schema yet: run 'esgflow init' first"),
    ],
)
def test_failures_exit_non_zero_with_one_line(
    home: Path, args: list[str], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and reason in err


def test_bad_period_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--period", "FY24", "--out", "x"])
    assert exit_info.value.code == 2 and "is not a year" in capsys.readouterr().err


def test_unreachable_database_is_named_without_its_password(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ESGFLOW_DATABASE_URL", "postgresql+psycopg://esg:s3cret@127.0.0.1:1/nowhere")
    assert main(["report", "--period", "2024", "--out", "x"]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the warehouse at" in err and "s3cret" not in err and "***" in err
    assert err.strip().count("\n") == 0


def test_a_closed_pipe_ends_quietly(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    assert main(["init"]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdout", ClosedPipe())
    assert main(["status", "--period", "2024"]) == 0
    assert capsys.readouterr().err == ""


def test_the_installed_script_answers_from_a_shell(home: Path, tmp_path: Path) -> None:
    """The console script itself: its exit codes and its one-line reason, as a shell sees them."""
    script = str(Path(sys.executable).parent / "esgflow")
    ok = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert ok.returncode == 0 and "ingest" in ok.stdout
    failed = subprocess.run(
        [script, "consolidate", "--period", "2024"], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert failed.returncode == 1 and failed.stderr.startswith("esgflow: ")
    assert failed.stderr.strip().count("\n") == 0


@pytest.mark.slow
def test_the_demo_from_a_shell(home: Path, tmp_path: Path) -> None:
    """`esgflow demo` as the README's first command runs it: its own temporary Prefect server, the SQLite warehouse."""
    script = str(Path(sys.executable).parent / "esgflow")
    demo = subprocess.run(
        [script, "demo", "--out", str(tmp_path / "d")], capture_output=True, text=True, timeout=600, cwd=tmp_path
    )
    assert demo.returncode == 0, demo.stderr
    assert "33 of 33 entities accepted" in demo.stdout
    assert "env_energy_total: published 42099, computed from entity returns 46482.4" in demo.stdout
    page = (tmp_path / "d" / "appendix.en.html").read_text("utf-8")
    assert 'id="versus"' in page and "Total energy consumption" in page.split('id="versus"')[1]
    # emissions computed from the entities' data, marked as not in the published 2024 report
    unpublished = demo.stdout.split("not in the published 2024 report")[1]
    assert "env_ghg_scope1: " in unpublished and "env_ghg_total: " in unpublished and "tCO2e" in unpublished
    row = page.split('id="env_ghg_total"')[1].split("</tr>")[0]
    assert 'class="num computed unpublished"' in row and "not in the published report" in row
    assert (home / "esgflow.sqlite3").is_file()


@pytest.mark.parametrize(("command", "quick"), [("status", True), ("ingest", True), ("collect", False)])
def test_run_ends_commands_without_prefect_at_once_and_others_normally(
    home: Path, monkeypatch: pytest.MonkeyPatch, command: str, quick: bool
) -> None:
    ended: list[tuple[str, int]] = []
    monkeypatch.setattr(cli, "main", lambda argv=None: 3)
    monkeypatch.setattr(cli.jobs, "close", lambda: ended.append(("closed", 0)))
    monkeypatch.setattr(cli.os, "_exit", lambda code: ended.append(("os._exit", code)))
    monkeypatch.setattr(sys, "argv", ["esgflow", command])
    if quick:  # output flushed and the warehouse closed, then no interpreter teardown
        cli.run()
        assert ended == [("closed", 0), ("os._exit", 3)]
    else:  # a Prefect server's shutdown hooks must run
        with pytest.raises(SystemExit) as exited:
            cli.run()
        assert exited.value.code == 3 and ended == []


def test_the_installed_script_prints_everything_before_it_ends(home: Path, tmp_path: Path) -> None:
    script = str(Path(sys.executable).parent / "esgflow")
    done = subprocess.run([script, "init"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.strip()
    piped = subprocess.run(
        f"{script} templates --period 2025 --out {tmp_path / 'tpl'} | cat",
        shell=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert piped.returncode == 0 and piped.stdout.count(".xlsx") == 33  # every line, through a pipe


def test_counts_in_summary_lines_agree_with_their_number() -> None:
    assert [cli._count(n, "warning") for n in (0, 1, 2)] == ["0 warnings", "1 warning", "2 warnings"]


def test_estimated_figures_are_counted_in_status_and_marked_in_the_report(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv

    from openpyxl import load_workbook

    from tests.returns_factory import fill

    assert main(["init"]) == 0
    assert (
        main(["templates", "--period", "2025", "--out", str(tmp_path / "t"), "--entity", "SAMI", "--entity", "GAMI"])
        == 0
    )
    marks = {
        "SAMI": {"env_diesel__estimate": "估算 Estimated", "env_gasoline__estimate": "E"},
        "GAMI": {"env_diesel__estimate": "estimated", "env_gasoline__estimate": "实际 Actual"},
    }
    returned = [fill(tmp_path / "t" / f"{code}_2025.xlsx", tmp_path / "in", marked) for code, marked in marks.items()]
    assert main(["ingest", *map(str, returned)]) == 0
    capsys.readouterr()
    assert main(["status", "--period", "2025"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "2025: 2 of 33 entities accepted; 3 figures marked estimated by 2 entities"
    assert "0 errors, 0 warnings, 2 estimated; review: pending" in next(x for x in lines if x.split()[0] == "SAMI")
    assert "0 warnings, 1 estimated; review" in next(x for x in lines if x.split()[0] == "GAMI")
    assert "0 warnings, 0 estimated; review" in next(x for x in lines if x.split()[0] == "HQ")
    assert main(["status", "--period", "2025", "--json"]) == 0
    records = {r["entity"]: r for r in json.loads(capsys.readouterr().out)}
    fields = ["entity", "status", "version", "received_at", "errors", "warnings", "file", "figures_version", "review"]
    assert list(records["SAMI"]) == [*fields, "estimated"]  # every field of before, unchanged, then the count
    assert (records["SAMI"]["estimated"], records["GAMI"]["estimated"], records["HQ"]["estimated"]) == (2, 1, 0)

    assert main(["report", "--period", "2025", "--out", str(tmp_path / "r")]) == 0
    page = (tmp_path / "r" / "appendix.en.html").read_text("utf-8")
    diesel = page.split('<tr id="env_diesel">', 1)[1].split("</tr>", 1)[0]
    assert 'title="includes estimates from 2 entities: GAMI, SAMI">e</sup>' in diesel
    gasoline = page.split('<tr id="env_gasoline">', 1)[1].split("</tr>", 1)[0]
    assert 'title="includes estimates from 1 entity: SAMI">e</sup>' in gasoline
    electricity = page.split('<tr id="env_electricity">', 1)[1].split("</tr>", 1)[0]
    assert "estimate" not in electricity
    summary = page.split('<p class="estimates" id="estimates">', 1)[1].split("</p>", 1)[0]
    assert summary.startswith("2025: ") and summary.endswith(" include estimates, from 2 entities.")
    assert "含 2 家单位的估算数：GAMI、SAMI" in (tmp_path / "r" / "appendix.zh.html").read_text("utf-8")
    wb = load_workbook(tmp_path / "r" / "appendix.xlsx")
    sheet = wb["估算 Estimates"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=5, values_only=True)}
    assert rows["env_diesel"][3:] == ("2025", 2, "GAMI, SAMI") and rows["env_gasoline"][3:] == ("2025", 1, "SAMI")
    assert sheet["A2"].value == summary
    env = wb["环境 Environmental"]
    [diesel_row] = [r for r in env.iter_rows(min_row=2) if r[0].value == "env_diesel"]
    [year] = [c for c in env[1] if c.value == "2025"]
    figure = diesel_row[year.column - 1]
    assert isinstance(figure.value, float) and "includes estimates from 2 entities: GAMI, SAMI" in figure.comment.text
    with (tmp_path / "r" / "appendix.csv").open(encoding="utf-8") as f:
        assert next(csv.reader(f)) == ["code", "name_zh", "name_en", "unit", "2023", "2024", "2025"]  # unchanged
