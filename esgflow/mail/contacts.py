"""The ESG office's file of reporter contacts, read and checked before anything changes.

The file is a CSV in the layout of the packaged `esgflow/data/contacts.csv`: `entity`, `email`,
and optionally `name` and `language` (`zh` or `en`; blank: the entity's). Saved by Excel it may
start with a byte-order mark or be in GBK; both are read. Every entity the file names gets
exactly the addresses the file gives it; entities it does not name keep theirs. A row that is
wrong (unknown entity, not an address, a placeholder domain, an unknown language) refuses the
whole file, naming the row, and nothing changes.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from esgflow import EsgflowError
from esgflow.entities import EntityRegistry
from esgflow.mail.sending import is_reserved
from esgflow.portal.access import checked_address

Row = dict[str, str]  # entity, name, email, language

MAX_BYTES = 1_000_000  # some thirty entities' reporters: far below this
LANGUAGES = ("zh", "en")


def _text(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise EsgflowError(f"{name}: not a text file in UTF-8 or GBK")


def read_contacts_file(path: Path, registry: EntityRegistry) -> list[Row]:
    """The file's rows as {entity, name, email, language}, or a refusal naming the first wrong row."""
    if not path.is_file():
        raise EsgflowError(f"no such file: {path}")
    if path.stat().st_size > MAX_BYTES:
        raise EsgflowError(f"{path.name}: larger than {MAX_BYTES // 1_000_000} MB; a contacts file is a small CSV")
    reader = csv.DictReader(io.StringIO(_text(path.read_bytes(), path.name)))
    columns = {c.strip().lower() for c in reader.fieldnames or []}
    if not {"entity", "email"} <= columns:
        raise EsgflowError(f"{path.name}: the header must name at least the columns entity and email")
    languages = {e.code: e.language for e in registry.entities}
    rows: list[Row] = []
    for n, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        where = f"{path.name} row {n}"
        if row["entity"] not in languages:
            raise EsgflowError(f"{where}: unknown entity {row['entity']!r}")
        try:
            email = checked_address(row["email"])
        except EsgflowError as exc:
            raise EsgflowError(f"{where}: {exc}") from None
        if is_reserved(email):
            raise EsgflowError(f"{where}: {email} is in a reserved domain that no mail reaches, not a real address")
        language = row.get("language") or languages[row["entity"]]
        if language not in LANGUAGES:
            raise EsgflowError(f"{where}: language {language!r} is neither zh nor en")
        rows.append({"entity": row["entity"], "name": row.get("name") or email, "email": email, "language": language})
    if not rows:
        raise EsgflowError(f"{path.name}: no contacts in the file")
    return rows
