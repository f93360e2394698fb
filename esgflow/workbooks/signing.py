"""The keyed signature that ties a template to the entity, period and template version it was made for.

Sheet protection keeps honest reporters from editing `meta_entity` by mistake, but anyone can
lift it. Every template therefore carries `meta_signature`, an HMAC of its identity under a
secret key that never leaves the ESG office; a return whose identity was edited no longer
matches its signature and is refused. The key comes, in this order, from

1. `ESGFLOW_SECRET` in the environment,
2. the Prefect Secret block named by `ESGFLOW_SECRET_BLOCK`,
3. `$ESGFLOW_HOME/.signing-key`, made once with a random key (readable by its owner only).

Every machine that writes templates or ingests returns must use the same key; changing it
voids the templates already sent.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

KEY_FILE = ".signing-key"
PREFIX = "esg1-"  # a text that no spreadsheet reads as a number


def signing_key(home: Path, env: dict[str, str] | None = None) -> bytes:
    """The key from the environment, a Prefect Secret block, or the key file under `home` (made once)."""
    env = dict(os.environ) if env is None else env
    if env.get("ESGFLOW_SECRET"):
        return env["ESGFLOW_SECRET"].encode()
    if env.get("ESGFLOW_SECRET_BLOCK"):
        from prefect.blocks.system import Secret

        return str(Secret.load(env["ESGFLOW_SECRET_BLOCK"]).get()).encode()
    path = home / KEY_FILE
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=home, prefix=".signing-key-")  # mode 0600
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)  # appears whole or not at all; the first of several processes wins
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip().encode()


def signature(key: bytes, entity: str, period: str, template_version: str) -> str:
    """The signature written into a template for this entity, period and template version."""
    message = "\x1f".join((entity, period, template_version)).encode()
    return PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def signed_by(key: bytes, entity: str, period: str, template_version: str, given: str | None) -> bool:
    """Whether `given` is the signature of this identity (compared in constant time)."""
    return given is not None and hmac.compare_digest(signature(key, entity, period, template_version), given)
