"""The keyed signature that ties a template to the entity, period and template version it was made for.

Sheet protection keeps honest reporters from editing `meta_entity` by mistake, but anyone can
lift it. Every template therefore carries `meta_signature`, an HMAC of its identity under a
secret key that never leaves the ESG office; a return whose identity was edited no longer
matches its signature and is refused. The key comes, in this order, from

1. `ESGFLOW_SECRET` in the environment,
2. the Prefect Secret block named by `ESGFLOW_SECRET_BLOCK`,
3. `$ESGFLOW_HOME/.signing-key`, made by `esgflow init` (`ensure_key`) with a random key.

Every machine that writes templates or ingests returns must use the same key; changing it
voids the templates already sent. A machine that finds no key therefore refuses to work
instead of making one of its own: a worker with a key of its own would sign templates nobody
else can read, or refuse every genuine return as edited, blaming the reporter. Only `init`
(run once, on the shared home) and the demo (in its own home) make the key. The file is
readable by its owner and group (0640), so a service user that shares the folder's group reads
it; nobody else does.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

from esgflow import EsgflowError

KEY_FILE = ".signing-key"
PREFIX = "esg1-"  # a text that no spreadsheet reads as a number


KEY_MODE = 0o640  # owner and the service group (a shared folder); never others


def _configured(env: dict[str, str]) -> bool:
    return bool(env.get("ESGFLOW_SECRET") or env.get("ESGFLOW_SECRET_BLOCK"))


def signing_key(home: Path, env: dict[str, str] | None = None) -> bytes:
    """The key from the environment, a Prefect Secret block, or the key file under `home`; none is refused."""
    env = dict(os.environ) if env is None else env
    if env.get("ESGFLOW_SECRET"):
        return env["ESGFLOW_SECRET"].encode()
    if env.get("ESGFLOW_SECRET_BLOCK"):
        from prefect.blocks.system import Secret

        return str(Secret.load(env["ESGFLOW_SECRET_BLOCK"]).get()).encode()
    path = home / KEY_FILE
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        raise EsgflowError(
            f"no signing key: {path} does not exist and neither ESGFLOW_SECRET nor ESGFLOW_SECRET_BLOCK is set; "
            "run 'esgflow init' once on the shared ESGFLOW_HOME (it makes the key), and give every machine that "
            "writes templates or reads returns that same folder or secret"
        ) from None
    except PermissionError:
        raise EsgflowError(
            f"cannot read the signing key {path}: this user needs read permission (the file is made 0640: "
            "run the services as its owner or in its group)"
        ) from None
    if not key:
        raise EsgflowError(f"the signing key {path} is empty: restore it from a backup, or set ESGFLOW_SECRET")
    return key.encode()


def ensure_key(home: Path, env: dict[str, str] | None = None) -> Path | None:
    """Make the key file under `home` once (`esgflow init`), unless the key comes from the environment.

    Returns the key file's path, or None when ESGFLOW_SECRET or ESGFLOW_SECRET_BLOCK provides the key.
    """
    env = dict(os.environ) if env is None else env
    if _configured(env):
        return None
    path = home / KEY_FILE
    if path.exists():
        return path
    home.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=home, prefix=".signing-key-")  # mode 0600 until it is whole
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    os.chmod(tmp, KEY_MODE)
    try:
        os.link(tmp, path)  # appears whole or not at all; the first of several processes wins
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    return path


def signature(key: bytes, entity: str, period: str, template_version: str) -> str:
    """The signature written into a template for this entity, period and template version."""
    message = "\x1f".join((entity, period, template_version)).encode()
    return PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def signed_by(key: bytes, entity: str, period: str, template_version: str, given: str | None) -> bool:
    """Whether `given` is the signature of this identity (compared in constant time)."""
    return given is not None and hmac.compare_digest(signature(key, entity, period, template_version), given)
