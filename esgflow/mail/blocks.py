"""A Prefect block for the SMTP server, so its password can live in Prefect instead of the environment."""

from __future__ import annotations

from prefect.blocks.core import Block
from pydantic import SecretStr


class SmtpServer(Block):
    """Outgoing mail server for esgflow's notices, reminders and return letters."""

    _block_type_name = "esgflow SMTP server"

    host: str
    port: int = 587
    user: str | None = None
    password: SecretStr | None = None
    sender: str = "esg-office@example.com"
    allow_reserved: bool = False  # a staging server that catches everything may get placeholder addresses
