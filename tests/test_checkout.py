"""Each Prefect worker finds its own checkout when a run starts, never the deploying machine's folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from esgflow import EsgflowError
from esgflow.checkout import project_dir, use_own_checkout

ROOT = Path(__file__).resolve().parents[1]


def _checkout(at: Path) -> Path:
    at.mkdir(parents=True)
    shutil.copy(ROOT / "prefect.yaml", at / "prefect.yaml")
    shutil.copytree(ROOT / "flows", at / "flows")
    return at


def test_the_worker_environment_names_its_checkout_else_the_installed_one(tmp_path: Path) -> None:
    elsewhere = _checkout(tmp_path / "worker-b" / "esgflow")
    assert project_dir({"ESGFLOW_PROJECT_DIR": str(elsewhere)}) == elsewhere.resolve()
    assert project_dir({}, cwd=tmp_path) == ROOT  # the editable install's checkout
    with pytest.raises(EsgflowError, match="is not a checkout of esgflow"):
        project_dir({"ESGFLOW_PROJECT_DIR": str(tmp_path / "deploying-machine" / "esgflow")})


def test_the_pull_step_moves_into_the_workers_own_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = _checkout(tmp_path / "worker-b" / "esgflow")
    monkeypatch.setenv("ESGFLOW_PROJECT_DIR", str(elsewhere))
    monkeypatch.chdir(tmp_path)
    assert use_own_checkout() == {"directory": str(elsewhere.resolve())}
    assert Path(os.getcwd()) == elsewhere.resolve()


def test_no_deployment_carries_a_folder_of_the_deploying_machine() -> None:
    pull = yaml.safe_load((ROOT / "prefect.yaml").read_text("utf-8"))["pull"]
    assert pull == [{"esgflow.checkout.use_own_checkout": {}}]
    assert "{{" not in str(pull) and "ESGFLOW_PROJECT_DIR" not in str(pull)
