"""Sign-in tokens for the portal: made here, kept in the warehouse only as their hash."""

from __future__ import annotations

import hashlib
import re
import secrets

from esgflow import EsgflowError

DEFAULT_PORTAL_URL = "http://127.0.0.1:8800"
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def new_token() -> str:
    """A sign-in token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the warehouse keeps of a token: a stolen database gives no way in."""
    return hashlib.sha256(token.encode()).hexdigest()


def signin_link(portal_url: str, token: str) -> str:
    """The link a reporter opens to sign in: `<portal>/signin/<token>`."""
    return f"{portal_url.rstrip('/')}/signin/{token}"


def checked_address(email: str) -> str:
    """An e-mail address as grants keep it (lower case), or a refusal naming it."""
    address = email.strip().lower()
    if not _ADDRESS.match(address):
        raise EsgflowError(f"{email!r} is not an e-mail address")
    return address
