"""Helpers for the portal's tests: a warehouse with 2024 open for SAMI, GAMI and OS-IN, sign-ins for a
reporter of each and for the ESG office, and a TestClient on the portal."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient

from esgflow.config import Settings
from esgflow.jobs.access import grant_access, issue_api_token
from esgflow.portal.app import create_app
from tests.returns_factory import fill, open_collection

PERIOD = "2024"
ENTITIES = ["SAMI", "GAMI", "OS-IN"]
WRONG = {"env_water_total": Decimal("-5")}  # a negative figure: rejected, with a finding on its cell


@dataclass
class World:
    settings: Settings
    templates: dict[str, Path]
    tokens: dict[str, str]  # entity (or "office") -> a sign-in token not used yet
    folder: Path
    api: dict[str, str]  # entity (or "office") -> a script's API token

    def email(self, who: str) -> str:
        return "esg@office.example" if who == "office" else f"reporter@{who.lower()}.example"

    def link(self, who: str) -> str:
        """A fresh sign-in token for `who` (each link signs in once)."""
        return _token(grant_access(self.settings, self.email(who), None if who == "office" else who))

    def client(self, **limits: float) -> TestClient:
        return TestClient(create_app(self.settings, warm=False, **limits))  # type: ignore[arg-type]

    def signed_in(self, who: str, **limits: float) -> TestClient:
        client = self.client(**limits)
        assert client.get(f"/signin/{self.link(who)}").status_code == 200
        return client

    def workbook(self, entity: str, values: dict | None = None, name: str | None = None) -> Path:
        return fill(self.templates[entity], self.folder, values or {}, name=name)

    def bearer(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api[who]}"}


def make_world(settings: Settings, folder: Path) -> World:
    templates = open_collection(settings, PERIOD, folder / "templates", ENTITIES)
    tokens = {e: _token(grant_access(settings, f"reporter@{e.lower()}.example", e)) for e in ENTITIES}
    tokens["office"] = _token(grant_access(settings, "esg@office.example", None))
    (folder / "returns").mkdir(parents=True, exist_ok=True)
    world = World(settings, templates, tokens, folder / "returns", {})
    world.api.update({who: issue_api_token(settings, world.email(who), 30) for who in tokens})
    return world


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]
