"""What a document is, by its bytes: PDF, PNG, JPEG and xlsx are kept; anything else, or anything active,
is refused with why."""

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from esgflow.catalog import Catalog
from esgflow.intake.evidence import (
    MAX_EVIDENCE_BYTES,
    EvidenceRefused,
    indicator_named,
    kind_of,
    store_evidence,
    stored_evidence,
)
from esgflow.workbooks.active import OLE_SIGNATURE

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n%%EOF\n"


def _xlsx() -> bytes:
    out = io.BytesIO()
    book = Workbook()
    book.active["A1"] = "meter reading"
    book.save(out)
    return out.getvalue()


def test_kinds_are_told_by_content_never_by_name() -> None:
    assert kind_of(PDF, "bill.png") == "pdf"
    assert kind_of(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "scan.pdf") == "png"
    assert kind_of(b"\xff\xd8\xff\xe0" + b"\x00" * 20, "photo") == "jpeg"
    assert kind_of(_xlsx(), "readings.xlsx") == "xlsx"
    for data in (b"MZ\x90\x00 an executable", b"<html><script>", b""):
        with pytest.raises(EvidenceRefused):
            kind_of(data, "bill.pdf")


@pytest.mark.parametrize(
    "active",
    [b"/OpenAction 3 0 R", b"/JS (app.alert(1))", b"/Launch << /F (cmd.exe) >>", b"/Embedded#46ile 4 0 R"],
)
def test_a_pdf_with_active_content_is_refused(active: bytes) -> None:
    with pytest.raises(EvidenceRefused, match="active content"):
        kind_of(PDF.replace(b"/Type /Catalog", b"/Type /Catalog " + active), "bill.pdf")


def test_a_workbook_with_macros_or_too_large_a_file_is_refused() -> None:
    out = io.BytesIO(_xlsx())
    with zipfile.ZipFile(out, "a") as book:  # a VBA project, known by its OLE signature, whatever its name
        book.writestr("xl/media/image9.png", OLE_SIGNATURE + "_VBA_PROJECT".encode("utf-16-le"))
    with pytest.raises(EvidenceRefused, match="macro"):
        kind_of(out.getvalue(), "readings.xlsx")
    with pytest.raises(EvidenceRefused, match="larger than"):
        kind_of(b"%PDF-" + b"0" * MAX_EVIDENCE_BYTES, "big.pdf")


def test_stored_once_under_the_hash(tmp_path: Path) -> None:
    first = store_evidence(tmp_path, PDF, "ab" * 32, "pdf")
    assert store_evidence(tmp_path, PDF, "ab" * 32, "pdf") == first == stored_evidence(tmp_path, "ab" * 32, "pdf")
    assert first.read_bytes() == PDF and len(list(tmp_path.rglob("*.pdf"))) == 1


def test_a_file_name_that_starts_with_an_indicator_code_names_it(catalog: Catalog) -> None:
    assert indicator_named("env_electricity 2024-03 bill.pdf", catalog) == "env_electricity"
    assert indicator_named("ENV_DIESEL_invoice.pdf", catalog) == "env_diesel"
    assert indicator_named("env_electricityX.pdf", catalog) is None
    assert indicator_named("invoice env_diesel.pdf", catalog) is None
