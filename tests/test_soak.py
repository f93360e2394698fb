"""Soak: about two hundred returns (spoiled, damaged, duplicated, corrected) dropped into the
inbox in waves while two collect workers run at once, one of them killed midway and started
again. Afterwards every file has exactly one outcome in its log, every stored return one
letter, every accepted figure is in the warehouse once, and the consolidation is the sum of
the returns that arrived last. On SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from esgflow.config import Settings
from esgflow.cycle.states import ACCEPTED
from esgflow.entities import load_registry
from esgflow.jobs.collection import collect_inbox
from esgflow.jobs.figures import consolidate_period
from esgflow.jobs.mailing import send_letters
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.warehouse.figures import group_figures
from esgflow.warehouse.letters import letters_owed
from esgflow.warehouse.observations import accepted_observations
from esgflow.warehouse.reference import contacts
from tests.returns_factory import fill, open_collection

P2025 = parse_period("2025")
DEADLINE = 240.0  # seconds the whole soak may take once the workers run
LEASE = 3.0  # seconds before a letter a killed worker was sending may be sent by another


def _worker(home: str, url: str, name: str) -> None:
    """A collect worker: claim, judge, load and answer what has arrived, mail the letters owed; again."""
    from esgflow.config import load_settings

    settings = load_settings({"ESGFLOW_HOME": home, "ESGFLOW_DATABASE_URL": url})
    stop = Path(home) / "stop"
    for n in range(1, 10_000):
        outcomes = collect_inbox(settings, f"{name}-{n}")
        send_letters(settings, lease=timedelta(seconds=LEASE))
        (Path(home) / f"ready-{name}").touch()  # imported and warm: a loaded machine takes seconds
        if not outcomes:
            if stop.exists():
                return
            time.sleep(0.1)


@dataclass(frozen=True)
class Dropped:
    name: str
    kind: str  # original | spoiled | damaged | correction | duplicate | final
    entity: str
    data: bytes


def _workload(templates: dict[str, Path], out: Path) -> list[list[Dropped]]:
    """Six waves, one file of each entity per wave; the final correction arrives last."""
    waves: list[list[Dropped]] = [[] for _ in range(6)]
    for n, (entity, template) in enumerate(sorted(templates.items())):

        def made(diesel: int, label: str, entity: str = entity, template: Path = template) -> bytes:
            return fill(template, out / label, {"env_diesel": diesel}).read_bytes()

        original, correction = made(1000 + n, "original"), made(2000 + n, "correction")
        files = [
            ("original", f"{entity}_2025.xlsx", original),
            ("spoiled", f"{entity}_2025 (1).xlsx", made(-5, "spoiled")),  # negative diesel: rejected
            ("damaged", f"{entity}_2025 (2).xlsx", original[: len(original) // 2]),  # cut short: refused
            ("correction", f"{entity}_2025 (3).xlsx", correction),
            ("duplicate", f"{entity}_2025 (3) copy.xlsx", correction),  # the same bytes again
            ("final", f"{entity}_2025 (4).xlsx", made(3000 + n, "final")),
        ]
        for wave, (kind, name, data) in zip(waves, files, strict=True):
            wave.append(Dropped(name, kind, entity, data))
    return waves


def _drop(inbox: Path, item: Dropped, arrived: float) -> None:
    """As a careful copy tool does: write under a temporary name, then rename into place."""
    partial = inbox / f"{item.name}.part"
    partial.write_bytes(item.data)
    os.utime(partial, (arrived, arrived))
    os.rename(partial, inbox / item.name)


def _claimed(folder: Path) -> list[str]:
    """The files claimed in a run's folder (which its run may remove at any moment)."""
    try:
        return [p.name for p in folder.iterdir() if p.name != ".owner"]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _holds_files(claims: Path, prefix: str) -> bool:
    """Whether a run of this worker holds claimed files right now."""
    return any(_claimed(d) for d in claims.glob(f"{prefix}-*"))


def _settled(settings: Settings) -> bool:
    inbox, claims = settings.inbox, settings.inbox / ".claimed"
    if any(p.is_file() for p in inbox.iterdir()):
        return False
    if claims.exists() and any(_claimed(d) for d in claims.iterdir()):
        return False
    with db.session_scope(settings.database_url) as s:
        return not letters_owed(s)


@pytest.mark.slow  # two worker processes with Great Expectations, about 200 workbooks
def test_two_workers_one_killed_lose_nothing_and_count_nothing_twice(settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(settings, P2025, tmp_path / "tpl")
    waves = _workload(templates, tmp_path / "made")
    dropped = [item for wave in waves for item in wave]
    settings.inbox.mkdir(parents=True, exist_ok=True)
    db.dispose(settings.database_url)
    ctx = mp.get_context("spawn")
    home, url = str(settings.home), settings.database_url
    workers = {name: ctx.Process(target=_worker, args=(home, url, name)) for name in ("A", "B")}
    for worker in workers.values():
        worker.start()
    rng, killed = random.Random(2025), False
    started = time.monotonic()
    while not all((settings.home / f"ready-{name}").exists() for name in ("A", "B")):
        assert time.monotonic() - started < DEADLINE, "the workers did not start in time"
        time.sleep(0.05)
    arrived = time.time() - 86_400  # arrival times a day ago, a second apart, in the order of dropping

    def kill_a_in_a_claim() -> bool:
        if not _holds_files(settings.inbox / ".claimed", "A"):
            return False
        time.sleep(rng.uniform(0, 0.3))  # somewhere in the middle of judging, loading or answering
        os.kill(workers["A"].pid, signal.SIGKILL)  # type: ignore[arg-type]
        workers["A"].join()
        workers["A2"] = ctx.Process(target=_worker, args=(home, url, "A2"))
        workers["A2"].start()
        return True

    for wave in waves:
        for item in wave:
            arrived += 1
            _drop(settings.inbox, item, arrived)
        until = time.monotonic() + 0.8
        while time.monotonic() < until:
            killed = killed or kill_a_in_a_claim()
            time.sleep(0.02)
    while not killed and any(p.is_file() for p in settings.inbox.iterdir()):  # slow machine: A claims late
        killed = kill_a_in_a_claim()
        time.sleep(0.02)
    assert killed, "worker A never held a claim to be killed in"
    while not _settled(settings):
        assert time.monotonic() - started < DEADLINE, "the workers did not finish in time"
        time.sleep(0.3)
    (settings.home / "stop").touch()
    for name in ("A2", "B"):
        workers[name].join(timeout=60)
        assert workers[name].exitcode == 0, name

    # Every file dropped has exactly one outcome in the logs, and the one its kind calls for.
    lines = [
        json.loads(line)
        for log in settings.archive.rglob("*.log.jsonl")
        for line in log.read_text("utf-8").splitlines()
        if line.endswith("}")
    ]
    assert Counter(line["name"] for line in lines) == Counter(item.name for item in dropped)
    status = {line["name"]: line["status"] for line in lines}
    expected = {"original": ACCEPTED, "spoiled": ("rejected",), "damaged": ("refused",), "final": ACCEPTED}
    for item in dropped:
        if item.kind in expected:
            assert status[item.name] in expected[item.kind], (item.name, status[item.name])
    assert sorted(p.name for p in (settings.inbox / "processed").rglob("*.xlsx")) == sorted(i.name for i in dropped)

    # Each distinct return is stored once, and every stored return got one letter.
    stored = {item.data for item in dropped if item.kind not in ("damaged",)}
    with db.session_scope(settings.database_url) as s:
        submissions = s.scalar(select(func.count()).select_from(m.Submission))
        hashes = s.scalar(select(func.count(func.distinct(m.Submission.content_hash))))
        answered = s.scalar(select(func.count()).where(m.Submission.answered_at.is_not(None)))
        to = contacts(s)
        figures = accepted_observations(s, P2025)
    assert submissions == hashes == answered == len(stored)
    letters = sorted(p.name for p in settings.outbox.glob("letter-*.eml"))
    with_contacts = [e for e in templates if to.get(e)]
    assert len(letters) == len(set(letters)) == 4 * len(with_contacts)
    assert len(list((settings.home / "letters").glob("*.txt"))) == len(stored)

    # The figures are those of the file each entity sent last, each once; the group is their sum.
    assert figures.select("entity", "indicator").is_duplicated().sum() == 0
    diesel = {r["entity"]: r["value"] for r in figures.iter_rows(named=True) if r["indicator"] == "env_diesel"}
    finals = {i.entity: Decimal(3000 + n) for n, i in enumerate(sorted(waves[5], key=lambda i: i.entity))}
    assert diesel == finals
    consolidate_period(settings, P2025)
    with db.session_scope(settings.database_url) as s:
        group = group_figures(s, load_registry().root(), [P2025])
    assert group[("env_diesel", "2025", "computed")] == sum(finals.values())
