"""The keyed signature of a template's identity, and where its key comes from."""

from __future__ import annotations

import multiprocessing as mp
import stat
from pathlib import Path

import pytest

from esgflow import EsgflowError
from esgflow.workbooks.signing import KEY_FILE, ensure_key, signature, signed_by, signing_key


def test_a_signature_binds_entity_period_and_template_version() -> None:
    key = b"k"
    signed = signature(key, "SAMI", "2025", "1")
    assert signed.startswith("esg1-") and len(signed) == 37
    assert signed_by(key, "SAMI", "2025", "1", signed)
    for other in [("GAMI", "2025", "1"), ("SAMI", "2026", "1"), ("SAMI", "2025", "2")]:
        assert not signed_by(key, *other, signed)
    assert not signed_by(b"another key", "SAMI", "2025", "1", signed)
    assert not signed_by(key, "SAMI", "2025", "1", None)
    # the fields are separated, so moving characters between them changes the signature
    assert signature(key, "SAMI2", "025", "1") != signature(key, "SAMI", "2025", "1")


def test_the_key_comes_from_the_environment_first(tmp_path: Path) -> None:
    assert signing_key(tmp_path, {"ESGFLOW_SECRET": "from-env"}) == b"from-env"
    assert not (tmp_path / KEY_FILE).exists()  # nothing written when the environment holds the key


def test_init_makes_the_key_once_under_home_readable_by_its_owner_and_group_only(tmp_path: Path) -> None:
    assert ensure_key(tmp_path / "home", {}) == tmp_path / "home" / KEY_FILE
    first = signing_key(tmp_path / "home", {})
    assert ensure_key(tmp_path / "home", {}) == tmp_path / "home" / KEY_FILE
    assert len(first) == 64 and signing_key(tmp_path / "home", {}) == first
    mode = stat.S_IMODE((tmp_path / "home" / KEY_FILE).stat().st_mode)
    assert mode == 0o640  # the service group on a shared folder reads it; others do not
    ensure_key(tmp_path / "other-home", {})
    assert signing_key(tmp_path / "other-home", {}) != first
    assert ensure_key(tmp_path / "configured", {"ESGFLOW_SECRET": "s"}) is None
    assert not (tmp_path / "configured").exists()


def test_a_machine_without_the_key_refuses_instead_of_making_one_of_its_own(tmp_path: Path) -> None:
    with pytest.raises(EsgflowError, match=r"^no signing key: .*\.signing-key does not exist.*run 'esgflow init'"):
        signing_key(tmp_path / "worker-home", {})
    assert not (tmp_path / "worker-home").exists()  # nothing made, nothing written
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / KEY_FILE).write_text("\n")
    with pytest.raises(EsgflowError, match="is empty"):
        signing_key(tmp_path / "empty", {})


def _key_of(home: str, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    ensure_key(Path(home), {})
    queue.put(signing_key(Path(home), {}))


def test_processes_making_the_key_at_once_all_get_the_same_one(tmp_path: Path) -> None:
    ctx = mp.get_context("fork")
    queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    procs = [ctx.Process(target=_key_of, args=(str(tmp_path), queue)) for _ in range(6)]
    for p in procs:
        p.start()
    keys = {queue.get(timeout=30) for _ in procs}
    for p in procs:
        p.join()
    assert len(keys) == 1 and len(next(iter(keys))) == 64
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]  # no temporary file left behind


@pytest.mark.slow  # a Prefect server
def test_the_key_can_live_in_a_prefect_secret_block(prefect_harness: None, tmp_path: Path) -> None:
    from prefect.blocks.system import Secret

    Secret(value="kept-in-prefect").save("esgflow-signing-key", overwrite=True)
    assert signing_key(tmp_path, {"ESGFLOW_SECRET_BLOCK": "esgflow-signing-key"}) == b"kept-in-prefect"
    assert not (tmp_path / KEY_FILE).exists()
