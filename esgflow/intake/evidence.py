"""Evidence documents (issue 29): what a document is, by its content, and whether it may be kept.

Only what an assurer needs to read is taken: PDF, PNG and JPEG images and xlsx workbooks, recognised
by their bytes, never by their names; none may carry active content (a PDF's scripts, launch actions
or embedded files; a workbook's macros, external links or embedded objects, as for returns). The bytes
are stored once under their SHA-256, beside the archived returns.
"""

from __future__ import annotations

import re
from pathlib import Path

from esgflow import EsgflowError
from esgflow.catalog import Catalog
from esgflow.findings import Refused
from esgflow.intake.archive import archive_raw
from esgflow.workbooks.safe_zip import SafeZip

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024  # a scanned bill or a year of meter readings fits
MAX_PER_RETURN = 60  # documents for one entity's return of one period, all figures together
SUFFIXES = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg", "xlsx": ".xlsx"}
EVIDENCE_FOLDER = "evidence"

# PDF name objects that run, fetch or carry something; '#4A'-style escapes are decoded before looking.
_PDF_ACTIVE = re.compile(
    rb"/(JavaScript|JS|Launch|EmbeddedFile|EmbeddedFiles|RichMedia|OpenAction|AA|SubmitForm|ImportData|XFA|GoToR)"
    rb"(?![A-Za-z0-9])"
)
_PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


class EvidenceRefused(EsgflowError):
    """A document that may not be kept, with why, in words a reporter can act on."""


def _pdf_names(data: bytes) -> bytes:
    return _PDF_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def kind_of(data: bytes, name: str) -> str:
    """pdf, png, jpeg or xlsx, as the bytes say; EvidenceRefused for anything else or anything active."""
    if not data:
        raise EvidenceRefused(f"{name} is empty", zh=f"{name} 是空文件。")
    if len(data) > MAX_EVIDENCE_BYTES:
        mb = MAX_EVIDENCE_BYTES // (1024 * 1024)
        raise EvidenceRefused(f"{name} is larger than {mb} MB", zh=f"{name} 超过 {mb} MB。")
    if data.startswith(b"%PDF-"):
        found = _PDF_ACTIVE.search(_pdf_names(data))
        if found:
            what = found.group(1).decode()
            raise EvidenceRefused(
                f"{name} is a PDF with active content (/{what}); print it to a plain PDF and send that",
                zh=f"{name} 是含有脚本或其他活动内容的 PDF；请将其打印为普通 PDF 后再上传。",
            )
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            SafeZip.open(data, name)  # a workbook's checks, active content included, as for a return
        except Refused as exc:
            raise EvidenceRefused(
                f"{name}: {exc.finding.message}",
                zh=f"{name}：此工作簿含宏、外部链接或嵌入对象，或无法读取；请另存为普通 xlsx 后再上传。",
            ) from exc
        return "xlsx"
    raise EvidenceRefused(
        f"{name} is not a PDF, PNG, JPEG or xlsx file; send the document in one of those forms",
        zh=f"{name} 不是 PDF、PNG、JPEG 或 xlsx 文件；请以其中一种格式上传。",
    )


def store_evidence(archive: Path, data: bytes, sha256: str, kind: str) -> Path:
    """Keep the bytes once under their hash, in the archive's evidence folder."""
    return archive_raw(archive / EVIDENCE_FOLDER, data, sha256, f"document{SUFFIXES[kind]}")


def stored_evidence(archive: Path, sha256: str, kind: str) -> Path:
    return archive / EVIDENCE_FOLDER / sha256[:2] / f"{sha256}{SUFFIXES[kind]}"


def indicator_named(file_name: str, catalog: Catalog) -> str | None:
    """The indicator a document's name starts with (`env_electricity 2024-03 bill.pdf`), the longest that
    fits; None when it names none (the document is for the whole return)."""
    base = file_name.rsplit("/", 1)[-1].lower()
    fits = [c for c in catalog.codes if base.startswith(c) and not base[len(c) : len(c) + 1].isalnum()]
    return max(fits, key=len) if fits else None
