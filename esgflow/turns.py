"""Whose turn it is on this machine: one collection (distribution, reminder) at a time per home, and one
temporary Prefect server at a time per Prefect home.

Without a Prefect server configured, every flow command starts a temporary one on the SQLite
database in PREFECT_HOME. Two started together both migrate that database and both die
("Application startup failed", then "Timed out while attempting to connect to ephemeral Prefect
API server"); two running together lock each other out of it. So:

- a command of a kind already running in this ESGFLOW_HOME leaves its work to the running one and
  says so in one line (exit 0). That is safe: a collection takes every file that has arrived
  when it starts, and what arrives later is the next run's; a distribution or a reminder sent
  twice would reach the reporters twice.
- a flow command of another kind (a distribution while a collection runs) waits for its turn at
  the temporary server, saying for whom it waits.

With PREFECT_API_URL set, runs share a real server and only the first rule applies: the inbox's
claims (esgflow.mail.inbox) already keep two collections from taking the same file.

The locks are flock(2) locks on small files holding who has them: the kernel drops a lock when
its process ends, however it ends, so no lock outlives its run.
"""

from __future__ import annotations

import contextvars
import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from esgflow import EsgflowError
from esgflow.display import moment

SERVER_WAIT = 3600.0  # seconds a flow command waits for the temporary server before giving up
# Prefect gives its temporary server 20 s to start, less than it takes on a busy two-core machine.
SERVER_STARTUP = 180
_POLL = 0.5


@dataclass(frozen=True)
class Holder:
    """The run that has a turn: its command, process and start."""

    command: str
    pid: int | None
    since: datetime | None

    def describe(self) -> str:
        parts = [
            f"esgflow {self.command}" if self.command else "esgflow",
            f"process {self.pid}" if self.pid else "",
            f"started {moment(self.since)}" if self.since else "",
        ]
        return ", ".join(p for p in parts if p)


class Busy(Exception):
    def __init__(self, holder: Holder) -> None:
        super().__init__(holder.describe())
        self.holder = holder


def _holder(fd: int) -> Holder:
    """Who holds the lock, from what it wrote (empty while it is still writing)."""
    try:
        raw = json.loads(os.pread(fd, 4096, 0) or b"{}")
        since = datetime.fromisoformat(raw["since"]) if raw.get("since") else None
        return Holder(str(raw.get("command", "")), int(raw["pid"]) if raw.get("pid") else None, since)
    except (ValueError, TypeError, KeyError, OSError):
        return Holder("", None, None)


@contextmanager
def exclusive(
    path: Path, command: str, wait: float = 0.0, on_wait: Callable[[Holder], None] | None = None
) -> Iterator[None]:
    """Hold the lock at `path` for the block; Busy with its holder when it is still held after `wait` seconds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes (PEP 446)
    try:
        deadline, told = time.monotonic() + wait, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Busy(_holder(fd)) from None
                if on_wait is not None and not told:
                    on_wait(_holder(fd))
                    told = True
                time.sleep(_POLL)
        mine = {"command": command, "pid": os.getpid(), "since": datetime.now(UTC).isoformat()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(mine).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


def _prefect_server_configured() -> bool:
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())


def _prefect_home() -> Path:
    from prefect.settings import PREFECT_HOME

    return Path(PREFECT_HOME.value()).expanduser()


def _patient_startup() -> AbstractContextManager[object]:
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, temporary_settings

    return temporary_settings({PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: SERVER_STARTUP})


@contextmanager
def flow_turn(
    home: Path, command: str, say: Callable[[str], None], server_wait: float = SERVER_WAIT
) -> Iterator[Holder | None]:
    """The turn of a flow command: None when it may run, or the run of the same command it leaves its work to."""
    try:
        with exclusive(home / "locks" / f"{command}.lock", command):
            if _prefect_server_configured():
                yield None
                return

            def waiting(holder: Holder) -> None:
                say(f"waiting for its turn at this machine's temporary Prefect server ({holder.describe()})")

            try:
                with (
                    exclusive(_prefect_home() / "esgflow-server.lock", command, server_wait, waiting),
                    _patient_startup(),
                ):
                    yield None
            except Busy as exc:
                raise EsgflowError(
                    f"this machine's temporary Prefect server has been busy for over {server_wait / 60:.0f} minutes "
                    f"({exc.holder.describe()}); try again later, or run a Prefect server (PREFECT_API_URL)"
                ) from None
    except Busy as exc:
        yield exc.holder


@contextmanager
def server_starting() -> Iterator[None]:
    """This process's temporary Prefect server starting in the background while the block runs.

    Its start (a new process importing Prefect and migrating a fresh database) is the longest wait of a
    short flow command; the block does what the command needs anyway meanwhile (its imports), on the
    other core. Prefect keeps one temporary server per process, so the flows find this one answering
    and start none. Nothing starts when PREFECT_API_URL names a server. Call it inside `flow_turn`,
    which gives the start its turn and its patience.
    """
    if _prefect_server_configured():
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer

    server, failed = SubprocessASGIServer(), []

    def start() -> None:
        try:
            server.start()
        except BaseException as exc:  # re-raised in the command's thread
            failed.append(exc)

    # the thread runs in this context, so that the settings in force here (the startup patience) hold there
    thread = threading.Thread(target=contextvars.copy_context().run, args=(start,), name="prefect-server-start")
    thread.start()
    try:
        yield
    finally:
        thread.join()  # the first flow must find the server answering, not merely starting
    if failed:
        raise failed[0]
