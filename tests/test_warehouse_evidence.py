"""Evidence rows: recorded, found again for the same bytes and target only, listed per period and entity."""

from esgflow.config import Settings
from esgflow.jobs.setup import init_warehouse
from esgflow.warehouse import db
from esgflow.warehouse.evidence import evidence_count, evidence_of, record_evidence, same_evidence


def test_recorded_and_found_again_only_for_the_same_target(sqlite_settings: Settings) -> None:
    init_warehouse(sqlite_settings)
    with db.session_scope(sqlite_settings.database_url) as s:
        first = record_evidence(s, "a" * 64, 10, "pdf", "bill.pdf", "SAMI", "2024", None, "portal", "x@sami.cn")
        record_evidence(s, "a" * 64, 10, "pdf", "bill.pdf", "SAMI", "2024", "env_diesel", "api", "x@sami.cn")
        record_evidence(s, "b" * 64, 12, "png", "scan.png", "GAMI", "2024", None, "mail", "y@gami.cn")
    with db.session_scope(sqlite_settings.database_url) as s:
        assert same_evidence(s, "a" * 64, "SAMI", "2024", None) == first
        assert same_evidence(s, "a" * 64, "SAMI", "2024", "env_diesel").indicator == "env_diesel"  # type: ignore[union-attr]
        assert same_evidence(s, "a" * 64, "GAMI", "2024", None) is None
        assert evidence_count(s, "SAMI", "2024") == 2 and evidence_count(s, "SAMI", "2025") == 0
        assert [e.entity for e in evidence_of(s, "2024")] == ["SAMI", "SAMI", "GAMI"]
        assert [e.file_name for e in evidence_of(s, "2024", "GAMI")] == ["scan.png"]
