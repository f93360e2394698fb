"""Real contacts kept by the office: imported per entity, listed, removed, each change audited, never overwritten
by `init`; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from esgflow import EsgflowError
from esgflow.config import Settings
from esgflow.jobs.setup import import_contacts, init_warehouse, list_contacts, remove_contact
from esgflow.jobs.signoff import audit_trail
from esgflow.periods import parse_period


@pytest.fixture
def warehouse(settings: Settings) -> Settings:
    init_warehouse(settings)
    return settings


def _emails(settings: Settings, entity: str) -> list[str]:
    return [c["email"] for c in list_contacts(settings, entity)]


def test_import_replaces_each_named_entitys_addresses_and_leaves_the_others(
    warehouse: Settings, tmp_path: Path
) -> None:
    assert _emails(warehouse, "SAMI") == ["esg.sami@example.com"]  # the packaged placeholder
    gami_before = _emails(warehouse, "GAMI")
    first = tmp_path / "contacts.csv"
    first.write_text(
        "entity,email,name,language\nSAMI,li.wei@chalieco.com.cn,李伟,zh\nSAMI,zhao@chalieco.com.cn,赵,zh\n", "utf-8"
    )
    assert import_contacts(warehouse, first, by="Wang Li") == {"added": 2, "updated": 0, "removed": 1}
    assert _emails(warehouse, "SAMI") == ["li.wei@chalieco.com.cn", "zhao@chalieco.com.cn"]
    assert _emails(warehouse, "GAMI") == gami_before  # not named in the file: untouched
    again = tmp_path / "again.csv"
    again.write_text("entity,email,name\nSAMI,li.wei@chalieco.com.cn,李伟（组长）\n", "utf-8")
    assert import_contacts(warehouse, again, by="Wang Li") == {"added": 0, "updated": 1, "removed": 1}
    trail = [(e.action, e.actor, e.entity, (e.detail or {}).get("email")) for e in audit_trail(warehouse)]
    assert ("contact_removed", "Wang Li", "SAMI", "esg.sami@example.com") in trail
    assert ("contact_added", "Wang Li", "SAMI", "zhao@chalieco.com.cn") in trail
    assert ("contact_updated", "Wang Li", "SAMI", "li.wei@chalieco.com.cn") in trail
    assert ("contact_removed", "Wang Li", "SAMI", "zhao@chalieco.com.cn") in trail


def test_a_wrong_file_changes_nothing(warehouse: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "contacts.csv"
    bad.write_text("entity,email\nSAMI,li.wei@chalieco.com.cn\nNOPE,x@chalieco.com.cn\n", "utf-8")
    with pytest.raises(EsgflowError, match="row 3: unknown entity 'NOPE'"):
        import_contacts(warehouse, bad)
    assert _emails(warehouse, "SAMI") == ["esg.sami@example.com"]


def test_remove_takes_an_address_from_every_entity_and_init_never_brings_a_placeholder_back(
    warehouse: Settings,
) -> None:
    assert remove_contact(warehouse, "ESG.SAMI@example.com", by="Wang Li") == ["SAMI"]
    assert _emails(warehouse, "SAMI") == []
    assert remove_contact(warehouse, "esg.sami@example.com") == []
    init_warehouse(warehouse)  # an upgrade, or init run again by someone else
    assert _emails(warehouse, "SAMI") == []
    removed = [e for e in audit_trail(warehouse) if e.action == "contact_removed"]
    assert [(e.actor, e.entity) for e in removed] == [("Wang Li", "SAMI")]
    with pytest.raises(EsgflowError, match="unknown entity"):
        list_contacts(warehouse, "NOPE")
    assert audit_trail(warehouse, parse_period("2024")) == []  # contacts belong to no period
