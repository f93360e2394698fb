"""The `esgflow` command line, run as a user would run it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from esgflow.cli import main


def _run(args: list[str], home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESGFLOW_")}
    env["ESGFLOW_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "esgflow.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def test_init_import_report_from_the_shell(tmp_path: Path, seed_dir: Path) -> None:
    home = tmp_path / "home"
    init = _run(["init"], home, tmp_path)
    assert init.returncode == 0, init.stderr
    assert "loaded 126 indicators, 33 entities" in init.stdout
    imp = _run(["history", "import", str(seed_dir / "appendix_2022_2024.csv")], home, tmp_path)
    assert imp.returncode == 0 and "2022, 2023, 2024" in imp.stdout
    rep = _run(["report", "--period", "2024", "--out", str(tmp_path / "r"), "--lang", "en"], home, tmp_path)
    assert rep.returncode == 0, rep.stderr
    assert (tmp_path / "r" / "appendix.csv").is_file() and (tmp_path / "r" / "appendix.en.html").is_file()
    assert not (tmp_path / "r" / "appendix.zh.html").exists()


def test_demo_from_the_shell(tmp_path: Path) -> None:
    demo = _run(["demo", "--out", str(tmp_path / "d")], tmp_path / "home", tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "33 of 33 entities accepted" in demo.stdout
    assert "env_energy_total: published 42099, computed from entity returns 46482.4" in demo.stdout
    page = (tmp_path / "d" / "appendix.en.html").read_text("utf-8")
    assert 'id="versus"' in page and "Total energy consumption" in page.split('id="versus"')[1]
    assert (tmp_path / "home" / "esgflow.sqlite3").is_file()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["history", "import", "/nonexistent.csv"], "/nonexistent.csv: no such file"),
        (["report", "--period", "2024", "--out", "x"], "no schema yet: run 'esgflow init' first"),
    ],
)
def test_failures_exit_non_zero_with_one_line(tmp_path: Path, args: list[str], reason: str) -> None:
    result = _run(args, tmp_path / "home", tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and reason in result.stderr


def test_bad_period_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--period", "FY24", "--out", "x"])
    assert exit_info.value.code == 2 and "is not a year" in capsys.readouterr().err


def test_unreachable_database_is_named_without_its_password(tmp_path: Path) -> None:
    env_url = "postgresql+psycopg://esg:s3cret@127.0.0.1:1/nowhere"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESGFLOW_")}
    env.update(ESGFLOW_HOME=str(tmp_path), ESGFLOW_DATABASE_URL=env_url)
    result = subprocess.run(
        [sys.executable, "-m", "esgflow.cli", "report", "--period", "2024", "--out", "x"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1 and "cannot reach the warehouse at" in result.stderr
    assert "s3cret" not in result.stderr and "***" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_a_closed_pipe_ends_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setenv("ESGFLOW_HOME", str(tmp_path))
    assert main(["init"]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdout", ClosedPipe())
    assert main(["status", "--period", "2024"]) == 0
    assert capsys.readouterr().err == ""
