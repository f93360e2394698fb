"""Whether this process can do its work: the warehouse answers and the shared folders are there.

Asked by the proxy and the monitoring (`GET /healthz`) every few seconds, so it only reads: it writes
no probe file and makes no folder, and it names what is wrong without any URL, password or path
beyond the folder's role, since the answer is public.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from esgflow.config import Settings
from esgflow.jobs.common import require_schema
from esgflow.workbooks.signing import KEY_FILE

logger = logging.getLogger(__name__)


def _folder(path: Path, must_exist: bool) -> str:
    """'ok', or what is wrong with a folder this process writes into."""
    if not path.exists():
        return "missing" if must_exist else "ok"
    if not path.is_dir():
        return "not a folder"
    return "ok" if os.access(path, os.R_OK | os.W_OK | os.X_OK) else "not writable by this user"


def _warehouse(settings: Settings) -> str:
    try:
        require_schema(settings)
    except Exception as exc:  # any fault is a failed check, logged in full here and named briefly there
        logger.warning("healthz: warehouse check failed: %s", exc)
        return "unreachable or without schema"
    return "ok"


def _signing_key(settings: Settings, env: dict[str, str]) -> str:
    if env.get("ESGFLOW_SECRET") or env.get("ESGFLOW_SECRET_BLOCK"):
        return "ok"
    key = settings.home / KEY_FILE
    if not key.exists():
        return "missing"
    return "ok" if os.access(key, os.R_OK) else "not readable by this user"


def health(settings: Settings, env: dict[str, str] | None = None) -> dict[str, str]:
    """Each check by name: 'ok' or what is wrong. The home must exist; its archive and letters only once made."""
    env = dict(os.environ) if env is None else env
    checks = {"warehouse": _warehouse(settings), "home": _folder(settings.home, must_exist=True)}
    if checks["home"] == "ok":
        checks["archive"] = _folder(settings.archive, must_exist=False)
        checks["letters"] = _folder(settings.home / "letters", must_exist=False)
        checks["signing_key"] = _signing_key(settings, env)
    return checks
