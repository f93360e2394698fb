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

import fcntl
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
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


class _Server:
    """Prefect's temporary server, started the way Prefect starts it (`SubprocessASGIServer`: uvicorn on
    Prefect's app factory, in a process of its own), without importing Prefect's server here: that import
    took 3-5 s of the command's own time before the server process could even begin its own."""

    def __init__(self) -> None:
        from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL, get_current_settings

        self.port = _free_port()
        self.url = PREFECT_API_DATABASE_CONNECTION_URL.value()
        self.env = {
            **os.environ,
            "PREFECT_UI_ENABLED": "0",
            "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
            **get_current_settings().to_environment_variables(exclude_unset=True),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.failed: list[BaseException] = []

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> None:
        """Give a new home the made database (esgflow.prefect_db), start the server and wait until it answers."""
        from esgflow import prefect_db

        try:
            if prefect_db.place(self.url):  # the copy is at the migrations' head, its block types registered
                self.env |= {
                    "PREFECT_API_DATABASE_MIGRATE_ON_START": "false",
                    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
                }
            deadline = time.monotonic() + SERVER_STARTUP
            self.process = self._run()
            while not self._answers():
                if self.process.poll() == 3:  # uvicorn's "address in use": another port, as Prefect does
                    self.port = _free_port()
                    self.process = self._run()
                elif self.process.poll() is not None or time.monotonic() > deadline:
                    code = self.process.poll()
                    raise EsgflowError(
                        f"the temporary Prefect server did not start (exit code {code}); "
                        "run a Prefect server and set PREFECT_API_URL"
                    )
                time.sleep(0.1)
        except BaseException as exc:  # re-raised in the command's thread
            self.failed.append(exc)

    def _run(self) -> subprocess.Popen[bytes]:
        import prefect

        app = ["--app-dir", str(prefect.__module_path__.parent), "--factory", "prefect.server.api.server:create_app"]
        where = ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "error", "--lifespan", "on"]
        return subprocess.Popen([sys.executable, "-m", "uvicorn", *app, *where], env=self.env)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _drain_prefect() -> None:
    """Send what Prefect still holds (logs, events) while its server answers, as its test harness does."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    EventsWorker.drain_all(timeout=10)


@contextmanager
def temporary_server() -> Iterator[Callable[[], None]]:
    """This process's temporary Prefect server for the block, starting in the background: a function that
    waits until it answers (call it before the first flow).

    Its start (a new process importing Prefect's server, on a new home the migration of its database)
    is the longest wait of a short flow command; the block does what the command needs anyway
    meanwhile (its imports), on the other core. Every flow of the block, in any thread, uses this
    server (PREFECT_API_URL, as Prefect's test harness sets it); it stops when the block ends. Nothing
    starts when PREFECT_API_URL names a server. Call it inside `flow_turn`, which gives the start its turn.
    """
    if _prefect_server_configured():
        yield lambda: None
        return
    from prefect.context import _temporary_global_settings_context, get_settings_context
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

    server = _Server()
    thread = threading.Thread(target=server.start, name="prefect-server-start")
    thread.start()

    def ready() -> None:
        thread.join()  # the first flow must find the server answering, not merely starting
        if server.failed:
            raise server.failed[0]

    try:
        with (
            temporary_settings({PREFECT_API_URL: server.api_url, PREFECT_UI_URL: ""}),  # it serves no UI to link to
            _temporary_global_settings_context(get_settings_context()),
        ):
            try:
                yield ready
            finally:
                thread.join()
                if server.process is not None and not server.failed:
                    _drain_prefect()  # before the server stops, else they are sent to no one at exit
    finally:
        thread.join()
        server.stop()
