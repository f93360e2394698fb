"""The `esgflow` command line: `main([...])` in this process, and the installed script from a shell."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, inspect, text

from esgflow import cli, glossary
from esgflow.catalog import load_catalog
from esgflow.cli import main
from tests.pg_server import PostgresServer


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ESGFLOW_HOME with the embedded SQLite warehouse and no mail server."""
    for name in [k for k in os.environ if k.startswith("ESGFLOW_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ESGFLOW_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_init_import_report(home: Path, tmp_path: Path, seed_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    assert f"loaded {len(load_catalog().codes)} indicators, 33 entities" in capsys.readouterr().out
    assert main(["history", "import", str(seed_dir / "appendix_2022_2024.csv")]) == 0
    assert "2022, 2023, 2024" in capsys.readouterr().out
    assert main(["report", "--period", "2024", "--out", str(tmp_path / "r"), "--lang", "en"]) == 0
    assert (tmp_path / "r" / "appendix.csv").is_file() and (tmp_path / "r" / "appendix.en.html").is_file()
    # the report says how many mandatory framework items nothing answers or explains (issue 28.5)
    assert re.search(r"\n\d+ mandatory framework items neither answered nor explained \(hkex ", capsys.readouterr().out)
    assert not (tmp_path / "r" / "appendix.zh.html").exists()


def test_templates_ingest_consolidate_status_check(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.returns_factory import fill

    assert main(["init"]) == 0
    assert main(["templates", "--period", "2024", "--out", str(tmp_path / "t"), "--entity", "SAMI"]) == 0
    assert "wrote 1 template for 2024" in capsys.readouterr().out  # one template, in the singular
    returned = fill(tmp_path / "t" / "SAMI_2024.xlsx", tmp_path / "in", {})
    assert main(["ingest", str(returned)]) == 0
    out = capsys.readouterr().out
    assert "SAMI_2024.xlsx: accepted as SAMI 2024 version 1" in out and "1 files judged: 1 accepted" in out
    assert main(["consolidate", "--period", "2024"]) == 0
    assert "of them for the group" in capsys.readouterr().out
    assert main(["status", "--period", "2024"]) == 0
    out = capsys.readouterr().out
    assert "2024: 1 of 33 entities accepted" in out and "SAMI" in out
    [sami] = [line for line in out.splitlines() if line.startswith("  SAMI ")]
    assert " UTC+8 " in sami  # received in Beijing time, saying so
    assert main(["status", "--period", "2024", "--json"]) == 0
    [received] = [r["received_at"] for r in json.loads(capsys.readouterr().out) if r["received_at"]]
    assert received.endswith("+00:00") and datetime.fromisoformat(received).tzinfo is not None
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
    assert out.startswith("env_ghg_scope2_location for the group, 2025 (computed): ") and "grid_co2_cn_ln_2023" in out
    assert main(["explain", "--period", "2025", "env_ghg_total", "--entity", "SAMI", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["agrees"] is True
    with pytest.raises(SystemExit):  # who restates is a person's name, never this process's user
        main(["restate", "--period", "2025", "--reason", "new returns policy"])
    assert "--by" in capsys.readouterr().err
    assert main(["restate", "--period", "2025", "--reason", "new returns policy", "--by", "Zhang Wei"]) == 1
    assert "no approved return to restate from" in capsys.readouterr().err
    assert main(["review", "--period", "2025", "--entity", "SAMI", "--approve", "--by", "Wang Li"]) == 0
    assert main(["ingest", str(fill(tmp_path / "t" / "SAMI_2025.xlsx", tmp_path / "in2", {"env_diesel": 7}))]) == 0
    capsys.readouterr()
    assert main(["restate", "--period", "2025", "--reason", "new returns policy", "--by", "Zhang Wei"]) == 0
    out = capsys.readouterr().out
    assert "restated 2025 (restatement 1): new returns policy" in out and "no group figure moved" in out
    assert (
        "from the approved returns: SAMI v1\n" in out
        and "left out, not approved: SAMI version 2 (pending review)" in out
    )
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
    assert all(" UTC+8 " in line for line in lines[:-1])  # Beijing time, saying so
    sent = lines[0].split("; ", 1)[1]  # who sent the return, and how
    assert sent.startswith("SAMI_2025.xlsx sha256 ") and sent.endswith(" via folder")
    assert [line.split(" ", 3)[3].split("; ")[0] for line in lines[:4]] == [  # after the date, time and zone
        "esgflow judged 2025 SAMI v1 accepted: 0 errors, 0 warnings",
        "Wang Li returned 2025 SAMI v1 returned: check diesel",
        "esgflow judged 2025 SAMI v2 accepted: 0 errors, 0 warnings",
        "Wang Li approved 2025 SAMI v2 approved",
    ]
    assert (
        " Zhang Wei signed_off 2025 signed_off" in lines[-2] and lines[-1] == f"{len(lines) - 1} audit records for 2025"
    )
    assert main(["audit", "--json"]) == 0
    last = json.loads(capsys.readouterr().out)[-1]
    assert last["action"] == "signed_off" and last["at"].endswith("+00:00")  # UTC, with its offset


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
    assert line.startswith("2025  deadline 2026-03-01  opened by Li Na at ") and line.endswith("  open")
    assert line.count(" UTC+8") == 2  # when it was opened and when the deadline moved, in Beijing time
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


def test_bad_period_is_refused_by_the_parser_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--period", "FY24", "--out", "x"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "is not a year" in err
    assert err.startswith("esgflow report: argument --period: ") and err.count("\n") == 1 and "usage:" not in err


def test_an_unparsable_database_url_names_the_variable(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ESGFLOW_DATABASE_URL", "esg:s3cret@db-host/esgflow")
    assert main(["status", "--period", "2024"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("esgflow: ESGFLOW_DATABASE_URL is not a database URL") and err.count("\n") == 1
    assert "s3cret" not in err


@pytest.mark.parametrize("command", ["report", "templates"])
def test_an_unwritable_out_folder_is_named_in_one_line(
    home: Path, tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    out = tmp_path / "a-file" / "reports"
    assert main([command, "--period", "2024", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == f"esgflow: cannot write to the --out folder {out}: {tmp_path / 'a-file'} is a file, not a folder\n"


@pytest.mark.parametrize(
    "args", [["status", "--period", "2024"], ["check", "--period", "2024"], ["audit"], ["cycle", "show"]]
)
def test_a_command_before_init_leaves_no_database_behind(
    home: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 1
    assert capsys.readouterr().err == "esgflow: the warehouse has no schema yet: run 'esgflow init' first\n"
    assert not (home / "esgflow.sqlite3").exists() and not home.exists()


def test_status_and_check_take_their_words_from_the_glossary(
    home: Path, seed_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A glossary word changed is the word the commands print: they keep no words of their own."""
    monkeypatch.setitem(glossary.STATUS, "not_submitted", ("未提交", "still awaited"))
    monkeypatch.setitem(glossary.SEVERITY, "warning", ("提示", "Caution"))
    monkeypatch.setitem(glossary.SEVERITY, "error", ("错误", "Fault"))
    assert main(["init"]) == 0
    assert main(["history", "import", str(seed_dir / "appendix_2022_2024.csv")]) == 0
    capsys.readouterr()
    assert main(["status", "--period", "2024"]) == 0
    sami = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("  SAMI "))
    assert sami.split()[1:3] == ["still", "awaited"] and "0 faults, 0 cautions" in sami
    assert main(["check", "--period", "2024"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"2024: 1 fault, \d+ cautions, 0 notes", lines[0])
    assert any(line.startswith("  fault: published 2024: ") for line in lines)
    assert not any(line.startswith(("  error:", "  warning:")) for line in lines)


def test_the_warning_of_mismatches_reads_the_settings_once(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "gx").mkdir(parents=True)
    (home / "gx" / "mismatches.jsonl").write_text(json.dumps({"run": "run-1"}) + "\n", "utf-8")
    loaded, real = [], cli.load_settings
    monkeypatch.setattr(cli, "load_settings", lambda: loaded.append(1) or real())
    cli._warn_of_mismatches()
    err = capsys.readouterr().err
    assert "differed from Great Expectations' record on 1 run (latest: run-1)" in err
    assert str(home / "gx" / "mismatches.jsonl") in err
    assert len(loaded) == 1


def test_check_on_a_period_without_figures_says_so_in_one_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["check", "--period", "2030"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("esgflow: the warehouse holds no figures for 2030, so there is nothing to check")


def _sami_and_gami_templates(out: Path) -> None:
    assert main(["init"]) == 0
    assert main(["templates", "--period", "2025", "--out", str(out), "--entity", "SAMI", "--entity", "GAMI"]) == 0


def test_check_lists_each_newest_returns_findings_as_its_letter_does(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 26.8: `check` shows the same findings for the same return as the letter, the run page and the portal."""
    from tests.returns_factory import fill

    _sami_and_gami_templates(tmp_path / "t")
    typed = {
        "env_diesel": "25847.61小时",
        "env_gasoline": "#DIV/0!",
        "env_diesel__estimate": "估",
        "env_water_total": -5,
    }
    spoiled = fill(tmp_path / "t" / "GAMI_2025.xlsx", tmp_path / "in", typed)
    clean = fill(tmp_path / "t" / "SAMI_2025.xlsx", tmp_path / "in", {})
    assert main(["ingest", str(clean), str(spoiled)]) == 0
    assert main(["consolidate", "--period", "2025"]) == 0
    letter = home / "letters" / "GAMI_2025_v1.txt"
    capsys.readouterr()
    assert main(["check", "--period", "2025", "--json"]) == 0
    found = [f for f in json.loads(capsys.readouterr().out) if f["entity"] == "GAMI"]
    rules = {f["rule"] for f in found}
    assert {"text_in_number_cell", "error_value", "estimate_mark", "range"} <= rules
    errors = sum(f["severity"] == "error" for f in found)
    assert f"共有 {errors} 个错误" in letter.read_text("utf-8")  # the letter's count is check's count
    assert {(f["file"], f["version"]) for f in found} == {("GAMI_2025.xlsx", 1)}
    assert all(f["sheet"] and f["cell"] for f in found if f["rule"] != "estimate_mark")
    assert main(["check", "--period", "2025", "--entity", "GAMI"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"newest returns: {errors} error")
    assert sum(line.startswith("  error: GAMI version 1, GAMI_2025.xlsx, ") for line in lines) == errors
    assert main(["check", "--period", "2025", "--entity", "NOPE"]) == 1
    assert "unknown entity 'NOPE'" in capsys.readouterr().err


def test_check_prints_figures_as_published_one_line_per_finding(
    home: Path, seed_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    assert main(["history", "import", str(seed_dir / "appendix_2022_2024.csv")]) == 0
    assert main(["history", "import", str(seed_dir / "body_kpis_2024.csv")]) == 0
    capsys.readouterr()
    assert main(["check", "--period", "2024"]) == 0
    lines = capsys.readouterr().out.splitlines()
    findings = [line for line in lines if line.startswith("  ")]
    assert lines[0] == f"2024: 2 errors, {len(findings) - 2} warnings, 0 notes"
    # besides the figures, each mandatory framework item nothing answers or explains (issue 28.5)
    items = [line for line in findings if line.endswith("[disclosure_open]")]
    assert any(line.startswith("  warning: HKEX ESG Reporting Code item A2.5 (") for line in items)
    figures = [line for line in findings if line not in items]
    assert all(line.startswith(("  error: published 2024: ", "  warning: published 2024: ")) for line in figures)
    assert len(lines) == len(findings) + 2  # the count, a line per finding, the Data Docs
    training = next(line for line in findings if "soc_training_hours_per_capita" in line)
    assert training.endswith(
        "is 58 h/person, but soc_training_hours / soc_employees_total gives 50 [derived_recomputed]"
    )
    assert any("0.0192 tce/10k CNY, but env_energy_total / econ_revenue gives 0.0175 " in line for line in findings)
    assert any("(last period 377,686.45, now 542,529.00 h)" in line for line in findings)
    # a group figure has no note cell: a change is for the report to explain
    changes = [line for line in findings if line.endswith("[yoy_change_needs_note]")]
    assert changes and all("the report should explain" in line and "its note" not in line for line in changes)


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
def test_the_demo_from_a_shell(home: Path, tmp_path: Path, postgres: PostgresServer) -> None:
    """`esgflow demo` as the README's first command runs it, twice: its own temporary Prefect server, the SQLite
    warehouse; it names every folder it wrote, and a second run says that it adds a new version of everything.
    The first run is on a worker configured for the real cycle: the demo touches none of it."""
    script = str(Path(sys.executable).parent / "esgflow")
    real_inbox = tmp_path / "real-inbox"
    real_inbox.mkdir()
    (real_inbox / "SAMI_2026.xlsx").write_bytes(b"a real return, not the demo's")
    with _real_cycle_database(postgres) as url, _smtp_sink() as (received, port):
        production = {
            "ESGFLOW_DATABASE_URL": url,
            "ESGFLOW_SMTP_HOST": "127.0.0.1",
            "ESGFLOW_SMTP_PORT": str(port),
            "ESGFLOW_INBOX": str(real_inbox),
            "ESGFLOW_SECRET": "the-real-signing-key",
        }
        demo = subprocess.run(
            [script, "demo", "--out", str(tmp_path / "d")],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
            env={**os.environ, **production},
        )
        assert demo.returncode == 0, demo.stderr
        assert received == []  # not one template mailed to a real reporter
        assert _tables(url) == []  # the real warehouse untouched
    assert [p.name for p in real_inbox.iterdir()] == ["SAMI_2026.xlsx"]  # the real inbox untouched
    first = demo.stdout.splitlines()[0]
    assert first.startswith(f"the demo runs on its own embedded warehouse, inbox and outbox in {home}; it ignores ")
    assert all(name in first for name in production)
    assert "already holds" not in demo.stdout
    assert "33 of 33 entities accepted, version 1\n" in demo.stdout
    assert "env_energy_total: published 42,099 tce, computed from entity returns 46,514.20 tce" in demo.stdout
    written = demo.stdout.split("written:\n")[1].split("published 2024")[0].splitlines()
    folders = {line.split("  ")[1].strip(): line.split("  ", 2)[2].strip() for line in written}
    assert folders["templates"] == str(home / "templates" / "2024")
    assert folders["mail (outbox)"] == str(home / "outbox")
    assert folders["return letters"] == str(home / "letters")
    assert folders["report"].startswith(f"{tmp_path / 'd'} (appendix.csv")
    assert folders["validation results"].startswith(str(home / "gx")) and "office" in folders["validation results"]
    assert folders["validation detail"].startswith(str(home / "gx")) and "Data Docs" in folders["validation detail"]
    for where in (home / "templates" / "2024", home / "outbox", home / "letters", home / "archive", tmp_path / "d"):
        assert any(where.iterdir()), where
    page = (tmp_path / "d" / "appendix.en.html").read_text("utf-8")
    assert 'id="versus"' in page and "Total energy consumption" in page.split('id="versus"')[1]
    # emissions computed from the entities' data, marked as not in the published 2024 report
    unpublished = demo.stdout.split("not in the published 2024 report")[1]
    assert "env_ghg_scope1: " in unpublished and "env_ghg_total: " in unpublished and "tCO₂e" in unpublished
    row = page.split('id="env_ghg_total"')[1].split("</tr>")[0]
    assert 'class="num computed unpublished"' in row and "not in the published report" in row
    assert (home / "esgflow.sqlite3").is_file()
    again = subprocess.run(
        [script, "demo", "--out", str(tmp_path / "d")], capture_output=True, text=True, timeout=600, cwd=tmp_path
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(
        "this warehouse already holds the demo's 2024 returns (up to version 1): this run adds a new version"
    )
    assert "33 of 33 entities accepted, version 2\n" in again.stdout
    assert "env_energy_total: published 42,099 tce, computed from entity returns 46,514.20 tce" in again.stdout


@contextmanager
def _real_cycle_database(postgres: PostgresServer) -> Iterator[str]:
    name = f"real_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres.url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


@contextmanager
def _smtp_sink() -> Iterator[tuple[list[bytes], int]]:
    """A real SMTP server on loopback; yields the list of messages it accepted and its port."""
    received: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            received.append(envelope.content)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield received, port
    finally:
        controller.stop()


def test_the_demo_never_runs_in_a_real_cycles_home(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0  # a real installation: its warehouse and signing key
    made = sorted(p.name for p in home.iterdir())
    capsys.readouterr()
    assert main(["demo", "--out", str(home.parent / "d")]) == 1
    err = capsys.readouterr().err
    assert f"{home} holds a real warehouse, archive or signing key that the demo did not make" in err
    assert sorted(p.name for p in home.iterdir()) == made and not (home.parent / "d").exists()


@pytest.mark.parametrize(("command", "quick"), [("status", True), ("ingest", True), ("collect", False)])
def test_run_ends_commands_without_prefect_at_once_and_others_normally(
    home: Path, monkeypatch: pytest.MonkeyPatch, command: str, quick: bool
) -> None:
    ended: list[tuple[str, int]] = []
    monkeypatch.setattr(cli, "main", lambda argv=None: 3)
    monkeypatch.setattr(cli, "close", lambda: ended.append(("closed", 0)))
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

    _sami_and_gami_templates(tmp_path / "t")
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
    assert "0 errors, 0 warnings, 2 estimated; pending review" in next(x for x in lines if x.split()[0] == "SAMI")
    assert "0 warnings, 1 estimated; pending review" in next(x for x in lines if x.split()[0] == "GAMI")
    assert "0 warnings, 0 estimated; pending review" in next(x for x in lines if x.split()[0] == "HQ")
    assert main(["status", "--period", "2025", "--json"]) == 0
    records = {r["entity"]: r for r in json.loads(capsys.readouterr().out)}
    fields = ["entity", "status", "version", "received_at", "errors", "warnings", "file", "figures_version", "review"]
    # every field of before, unchanged, then the count, the review's reason and the versions after the figures'
    assert list(records["SAMI"]) == [*fields, "estimated", "review_reason", "newer", "signatories"]
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


def test_help_names_the_environment_and_where_outputs_go(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    for name in (
        "ESGFLOW_HOME",
        "ESGFLOW_DATABASE_URL",
        "ESGFLOW_SMTP_HOST",
        "ESGFLOW_INBOX",
        "ESGFLOW_INBOX_PASSWORD",
        "ESGFLOW_PORTAL_URL",
        "ESGFLOW_SECRET",
        "ESGFLOW_FACTORS_FILE",
        "ESGFLOW_FACTOR_CHOICES",
    ):
        assert name in out, name
    for place in ("$ESGFLOW_HOME/outbox", "$ESGFLOW_HOME/letters", "$ESGFLOW_HOME/templates", "Data Docs", "--out"):
        assert place in out, place


def _returns(home: Path, tmp_path: Path, entities: list[str]) -> Path:
    """`entities`' filled returns of 2024 in a folder, the warehouse initialised."""
    from tests.returns_factory import fill

    assert main(["init"]) == 0
    only = [f"--entity={e}" for e in entities]
    assert main(["templates", "--period", "2024", "--out", str(tmp_path / "t"), *only]) == 0
    for entity in entities:
        fill(tmp_path / "t" / f"{entity}_2024.xlsx", tmp_path / "in", {})
    return tmp_path / "in"


def test_ingest_prints_each_line_as_its_file_is_judged_without_a_bar_off_a_terminal(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = _returns(home, tmp_path, ["SAMI", "CINF"])
    letters = home / "letters"
    seen: list[tuple[int, str]] = []

    class Pipe(io.StringIO):
        """A pipe's end that notes how many letters were written when each line came."""

        def write(self, text: str) -> int:
            seen.append((len(list(letters.glob("*.txt"))), text))
            return super().write(text)

    pipe = Pipe()
    monkeypatch.setattr("sys.stdout", pipe)
    assert main(["ingest", str(inbox)]) == 0
    out = pipe.getvalue()
    assert "\r" not in out and "\033" not in out and "2 files judged: 2 accepted" in out
    lines = [(count, text) for count, text in seen if ".xlsx: accepted" in text]
    assert [count for count, _ in lines] == [1, 2]  # the first line came before the second file was answered


def test_ingest_on_a_terminal_draws_a_progress_bar_between_the_lines(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pty

    inbox = _returns(home, tmp_path, ["SAMI", "CINF", "CSSI"])
    capsys.readouterr()
    main_fd, terminal = pty.openpty()
    script = str(Path(sys.executable).parent / "esgflow")
    proc = subprocess.Popen([script, "ingest", str(inbox)], stdout=terminal, stderr=subprocess.PIPE, cwd=tmp_path)
    os.close(terminal)
    seen = b""
    while True:
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    os.close(main_fd)
    assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    text = seen.decode()
    assert "] 1 of 3 files judged" in text and "] 2 of 3 files judged" in text
    assert "\r\x1b[K" in text and "3 of 3 files judged" not in text  # the bar gives way to the last line
    assert "3 files judged: 3 accepted" in text


def test_cycle_close_stops_collection_is_audited_and_open_reopens(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    assert main(["cycle", "close", "--period", "2025", "--by", "Li Na"]) == 1
    assert "2025 is not open for collection: nothing to close" in capsys.readouterr().err
    assert main(["cycle", "open", "--period", "2025", "--deadline", "2026-02-15", "--by", "Li Na"]) == 0
    capsys.readouterr()
    assert main(["cycle", "close", "--period", "2025", "--by", "Wang Li"]) == 0
    assert capsys.readouterr().out.startswith("closed the 2025 cycle (Wang Li)")
    assert main(["cycle", "show"]) == 0
    assert ", closed by Wang Li at " in capsys.readouterr().out
    assert main(["audit", "--period", "2025"]) == 0
    assert capsys.readouterr().out.splitlines()[1].endswith("Wang Li cycle_closed 2025")
    assert main(["cycle", "open", "--period", "2025", "--deadline", "2026-02-15", "--by", "Li Na"]) == 0
    capsys.readouterr()
    assert main(["cycle", "show"]) == 0
    assert "closed by" not in capsys.readouterr().out


def test_access_token_list_and_revoke_one(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    assert main(["access", "token", "--email", "li@sami.example"]) == 1
    assert "li@sami.example has no sign-in: grant it first" in capsys.readouterr().err
    assert main(["access", "grant", "--entity", "SAMI", "--email", "li@sami.example"]) == 0
    assert "works once within 7 days" in capsys.readouterr().out
    assert main(["access", "token", "--email", "li@sami.example", "--days", "30"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("API token for li@sami.example, valid 30 days") and len(out[1]) >= 43
    assert main(["access", "token", "--email", "li@sami.example", "--days", "1000"]) == 1
    capsys.readouterr()
    assert main(["access", "list"]) == 0
    listed = capsys.readouterr().out
    assert "1  link  li@sami.example  SAMI" in listed and "2  api  li@sami.example  SAMI" in listed
    assert out[1] not in listed  # the token is never shown again
    assert main(["access", "revoke", "--id", "2"]) == 0
    assert "revoked sign-in 2" in capsys.readouterr().out
    assert main(["access", "revoke", "--id", "2"]) == 1
    assert main(["access", "revoke", "--session", "9"]) == 1


def test_contacts_import_list_and_remove(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["contacts", "list", "--entity", "SAMI"]) == 0
    listed = capsys.readouterr().out
    assert "esg.sami@example.com" in listed and "(placeholder: never mailed" in listed and "1 contact\n" in listed
    real = tmp_path / "real.csv"
    real.write_text("entity,email,name,language\nSAMI,li.wei@chalieco.com.cn,李伟,zh\n", "utf-8")
    assert main(["contacts", "import", str(real), "--by", "Wang Li"]) == 0
    assert f"contacts from {real}: 1 added, 0 updated, 1 removed" in capsys.readouterr().out
    assert main(["contacts", "list", "--entity", "SAMI", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"entity": "SAMI", "name": "李伟", "email": "li.wei@chalieco.com.cn", "language": "zh", "placeholder": False}
    ]
    assert main(["contacts", "remove", "--email", "li.wei@chalieco.com.cn", "--by", "Wang Li"]) == 0
    assert "removed li.wei@chalieco.com.cn from SAMI" in capsys.readouterr().out
    assert main(["contacts", "remove", "--email", "li.wei@chalieco.com.cn"]) == 1
    assert capsys.readouterr().err == "esgflow: li.wei@chalieco.com.cn is no entity's contact\n"
    assert main(["audit", "--json"]) == 0
    actions = [(e["action"], e["actor"]) for e in json.loads(capsys.readouterr().out)]
    assert ("contact_added", "Wang Li") in actions and actions.count(("contact_removed", "Wang Li")) == 2


def test_disclosure_commands_record_an_explanation_approved_by_another(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    write = ["disclosure", "explain", "--period", "2025", "--framework", "hkex", "--item", "A2.5"]
    assert main([*write, "--text-zh", "不适用", "--text-en", "Not applicable", "--by", "Wang Li"]) == 0
    approve = ["disclosure", "approve", "--period", "2025", "--framework", "hkex", "--item", "A2.5"]
    capsys.readouterr()
    assert main([*approve, "--by", "Wang Li"]) == 1
    assert "Wang Li wrote the hkex A2.5 text for 2025 and cannot approve it" in capsys.readouterr().err
    assert main([*approve, "--by", "Zhang Wei"]) == 0
    assert "Zhang Wei approved the explanation of hkex A2.5 for 2025" in capsys.readouterr().out
    assert main(["disclosure", "show", "--period", "2025", "--framework", "hkex", "--json"]) == 0
    items = {i["item"]: i for i in json.loads(capsys.readouterr().out)}
    assert set(items["A2.5"]) >= {"framework", "item", "mandatory", "status", "codes", "text_zh", "text_en"}
    assert (items["A2.5"]["status"], items["A2.5"]["written_by"], items["A2.5"]["approved_by"]) == (
        "explained",
        "Wang Li",
        "Zhang Wei",
    )
    assert items["A1.2"]["status"] == "open" and items["A1.2"]["mandatory"] is True  # no figure of 2025 yet
    assert main(["disclosure", "show", "--period", "2025"]) == 0
    assert "mandatory items:" in capsys.readouterr().out


def test_baseline_and_target_commands(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    assert main(["baseline", "set", "--code", "env_ghg_total", "--year", "2024", "--by", "Wang Li"]) == 0
    assert "Wang Li set 2024 as the base year of env_ghg_total" in capsys.readouterr().out
    add = ["target", "add", "--code", "env_ghg_total", "--kind", "absolute", "--base-year", "2024"]
    add += ["--base-value", "100", "--target-year", "2030", "--target-value", "80", "--milestone", "2027=90"]
    assert main([*add, "--by", "Wang Li"]) == 0
    assert main([*add, "--by", "Wang Li"]) == 1
    assert "already has a target for group in 2030" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*add[:-2], "--milestone", "2027", "--by", "Wang Li"])  # a milestone is YEAR=VALUE
    assert "is not a milestone YEAR=VALUE" in capsys.readouterr().err
    assert main(["target", "list", "--period", "2025", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["code"], row["year"], row["value"], row["progress_percent"]) == ("env_ghg_total", 2025, None, None)
    assert main(["target", "list"]) == 0
    assert "env_ghg_total (group, absolute): 100 in 2024 -> 80 in 2030" in capsys.readouterr().out


def test_the_office_screens_scope3_and_another_person_approves(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    screen = ["scope3", "screen", "--period", "2026", "--category", "6", "--relevant", "yes"]
    assert main([*screen, "--reason", "site travel", "--method", "distance-based", "--by", "Li Wei"]) == 0
    assert "category 6 (Business travel) screened relevant by Li Wei" in capsys.readouterr().out
    assert main(["scope3", "approve", "--period", "2026", "--category", "6", "--by", "Li Wei"]) == 1
    assert "another person must approve it" in capsys.readouterr().err
    assert main(["scope3", "approve", "--period", "2026", "--category", "6", "--by", "Wang Fang"]) == 0
    capsys.readouterr()
    assert main(["scope3", "show", "--period", "2026", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["state"] for r in rows].count("unscreened") == 14 and rows[5]["approved_by"] == "Wang Fang"
    assert main(["scope3", "show", "--period", "2026"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert len(shown) == 15 and "category  6 Business travel: relevant (approved) -- site travel" in shown[5]
    assert "category  1 Purchased goods and services: not screened" in shown[0]


# What a cold command must not import unless it uses it (issue 30, goal 2): seconds of start-up each.
HEAVY = ("great_expectations", "prefect", "alembic", "pandas", "openpyxl", "jinja2", "polars", "numpy", "pint")


def _loaded(command: list[str], cwd: Path) -> tuple[list[str], str]:
    """The heavy packages a fresh interpreter holds after running one command, and what it printed."""
    probe = (
        "import json, sys\n"
        "from esgflow.cli import main\n"
        "code = main(sys.argv[1:])\n"
        f"print(json.dumps(sorted(name for name in {HEAVY!r} if name in sys.modules)))\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True, timeout=300, cwd=cwd)
    assert done.returncode == 0, (command, done.stdout, done.stderr)
    *said, last = done.stdout.strip().splitlines()
    return json.loads(last), "\n".join(said)


def test_reading_commands_load_only_what_they_use(home: Path, tmp_path: Path, seed_dir: Path) -> None:
    """`status` reads the warehouse and nothing else: no Great Expectations, Prefect, Alembic, pandas, openpyxl,
    Jinja, polars or pint. `explain` needs the catalog's units and frames, not the checks, the report or the
    workbooks; `check` runs the group suite (Great Expectations) only when it checks group figures, and never
    Prefect or Alembic. The command line imports each command's job inside the command, so one cold answer
    does not pay for every other command's imports."""
    assert main(["init"]) == 0
    assert main(["history", "import", str(seed_dir / "appendix_2022_2024.csv")]) == 0
    status, said = _loaded(["status", "--period", "2024"], tmp_path)
    assert status == [] and "2024: 0 of 33 entities accepted" in said
    explained, said = _loaded(["explain", "--period", "2024", "env_energy_total"], tmp_path)
    assert set(explained) <= {"polars", "numpy", "pint"} and "= imported: published" in said, explained
    one, said = _loaded(["check", "--period", "2024", "--entity", "SAMI"], tmp_path)  # no group figure checked
    assert set(one) <= {"polars", "numpy", "pint"} and "newest returns: 0 errors" in said, one
    group, said = _loaded(["check", "--period", "2024"], tmp_path)  # the group suite runs: Great Expectations
    assert "great_expectations" in group and not {"prefect", "alembic"} & set(group), group
    assert "[derived_recomputed]" in said


def test_a_cold_ingest_loads_no_great_expectations_and_a_recorder_keeps_the_record(home: Path, tmp_path: Path) -> None:
    """`esgflow ingest one.xlsx` answers with the polars judge: it imports neither Great Expectations, pandas,
    Prefect nor Alembic, and an ingest of its folder says the same and loads none of them either. A recorder it
    starts on exit runs Great Expectations on the same frame afterwards: the run's validation result, its
    Data Docs page and esgflow's run page appear, and the queue is empty again."""
    import time

    from tests.returns_factory import fill

    assert main(["init"]) == 0
    assert main(["templates", "--period", "2024", "--out", str(tmp_path / "tpl"), "--entity", "SAMI"]) == 0
    returned = fill(tmp_path / "tpl" / "SAMI_2024.xlsx", tmp_path / "returned", {"env_diesel": Decimal("-5")})
    probe = (
        "import sys\n"
        "from esgflow.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print(sorted(n for n in ('prefect', 'alembic', 'great_expectations', 'pandas') if n in sys.modules))\n"
    )
    other = tmp_path / "other"  # the same warehouse and signing key, for the same file ingested as a folder
    shutil.copytree(home, other)
    argv = [sys.executable, "-c", probe, "ingest", str(returned)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180, cwd=tmp_path)
    *said, loaded = done.stdout.strip().splitlines()
    assert loaded == "[]", done.stdout + done.stderr
    assert "rejected" in said[0] and "[range]" in done.stdout, done.stdout
    # the same file in the copied home, as a folder: the same answer, and recorded after it in the same way
    env = {**os.environ, "ESGFLOW_HOME": str(other)}
    folder = subprocess.run(
        [sys.executable, "-c", probe, "ingest", str(returned.parent)], env=env, capture_output=True, text=True
    )
    *said_there, loaded_there = folder.stdout.strip().splitlines()
    assert loaded_there == "[]", folder.stdout + folder.stderr
    assert [line.replace(str(other), str(home)) for line in said_there] == said
    for where in (home, other):  # each recorder runs detached: wait for its record
        site = where / "gx" / "uncommitted" / "data_docs" / "local_site"
        for _ in range(240):
            pages = list((site / "esgflow").glob("ingest-1-*.html"))
            if pages and not [p for p in (where / "gx" / "queue").rglob("*") if p.is_file()]:
                break
            time.sleep(0.5)
        [page] = pages
        run = page.stem
        assert list((where / "gx" / "uncommitted" / "validations" / "submission" / run).rglob("*.json"))
        assert list((site / "validations" / "submission" / run).rglob("*.html"))
        assert "env_diesel" in page.read_text("utf-8") or "柴油" in page.read_text("utf-8")
        assert not (where / "gx" / "mismatches.jsonl").exists()


def test_backup_and_restore_on_the_command_line(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    assert main(["access", "grant", "--entity", "SAMI", "--email", "li@sami.example"]) == 0
    capsys.readouterr()
    assert main(["backup", "--out", str(tmp_path / "copy")]) == 0
    out = capsys.readouterr().out
    assert "backed up the sqlite warehouse (schema " in out and "manifest.json" in out
    assert main(["backup", "--out", str(tmp_path / "copy")]) == 1
    assert "is not empty" in capsys.readouterr().err
    monkeypatch.setenv("ESGFLOW_HOME", str(tmp_path / "fresh"))
    assert main(["restore", str(tmp_path / "copy")]) == 0
    assert "every hash checked" in capsys.readouterr().out
    assert main(["access", "list"]) == 0
    assert "li@sami.example" in capsys.readouterr().out  # the grant came back with the warehouse
    assert main(["portal", "--workers", "0"]) == 1
    assert "--workers" in capsys.readouterr().err


def test_demo_names_an_out_folder_it_cannot_write_before_running_anything(home: Path) -> None:
    """`esgflow demo --out /proc/x` fails at once with one line, before the cycle runs (issue 26, point 15)."""
    script = str(Path(sys.executable).parent / "esgflow")
    done = subprocess.run([script, "demo", "--out", "/proc/x"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("esgflow: cannot write to the --out folder /proc/x: /proc does not take new folders")
    assert done.stderr.strip().count("\n") == 0 and "unexpected" not in done.stderr
    assert not home.exists()  # no warehouse, no templates, no mail: nothing of the cycle ran


@pytest.mark.parametrize(
    ("asked", "meant"),
    [("ENV_GHG_TOTAL", "env_ghg_total"), ("温室气体排放总量", "env_ghg_total"), ("柴油", "env_diesel")],
)
def test_explain_suggests_the_code_meant(
    home: Path, capsys: pytest.CaptureFixture[str], asked: str, meant: str
) -> None:
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["explain", "--period", "2025", asked]) == 1
    err = capsys.readouterr().err
    assert f"unknown indicator {asked!r}; did you mean {meant} (" in err


def test_counts_are_said_in_the_singular_for_one() -> None:
    assert [cli._count(1, n) for n in ("figure", "entity", "template")] == ["1 figure", "1 entity", "1 template"]
    assert [cli._count(n, "entity") for n in (0, 2, 33)] == ["0 entities", "2 entities", "33 entities"]


def test_evidence_needs_and_a_waiver_on_the_command_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["evidence", "needs", "--period", "2025"]) == 0
    assert "2025: every figure that needs documents has them, or was waived" in capsys.readouterr().out
    waive = ["evidence", "waive", "--period", "2025", "--entity", "SAMI", "--reason", "集团统一采购", "--by", "Wang Li"]
    assert main([*waive, "--indicator", "soc_employees_total"]) == 1
    assert "soc_employees_total needs no documents in the catalog" in capsys.readouterr().err
    assert main([*waive, "--indicator", "env_diesel"]) == 0
    assert "Wang Li waived the documents of SAMI's env_diesel for 2025: 集团统一采购" in capsys.readouterr().out
