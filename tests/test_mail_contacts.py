"""The ESG office's contacts file: read as Excel saves it, and refused whole, naming the row, when a row is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from esgflow import EsgflowError
from esgflow.entities import EntityRegistry
from esgflow.mail.contacts import read_contacts_file


def _file(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "contacts.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_a_file_saved_by_excel_is_read_with_defaults_for_name_and_language(
    tmp_path: Path, registry: EntityRegistry
) -> None:
    text = "\ufeffEntity,Email,Name,Language\nSAMI, Li.Wei@Chalieco.com.cn ,李伟,\nOS-IN,raj@chalieco.in,,\n"
    rows = read_contacts_file(_file(tmp_path, text), registry)
    assert rows == [
        {"entity": "SAMI", "name": "李伟", "email": "li.wei@chalieco.com.cn", "language": "zh"},
        {"entity": "OS-IN", "name": "raj@chalieco.in", "email": "raj@chalieco.in", "language": "en"},
    ]
    gbk = read_contacts_file(_file(tmp_path, "entity,email,name\nSAMI,li@chalieco.com.cn,沈阳院\n", "gbk"), registry)
    assert gbk[0]["name"] == "沈阳院"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("XYZ,a@chalieco.com.cn,,\n", "contacts.csv row 3: unknown entity 'XYZ'"),
        ("SAMI,not-an-address,,\n", "contacts.csv row 3: 'not-an-address' is not an e-mail address"),
        ("SAMI,esg.sami@example.com,,\n", "contacts.csv row 3: esg.sami@example.com is in a reserved domain"),
        ("SAMI,a@chalieco.com.cn,,fr\n", "contacts.csv row 3: language 'fr' is neither zh nor en"),
    ],
)
def test_one_wrong_row_refuses_the_file_naming_the_row(
    tmp_path: Path, registry: EntityRegistry, body: str, says: str
) -> None:
    text = "entity,email,name,language\nGAMI,wang@chalieco.com.cn,王,zh\n" + body
    with pytest.raises(EsgflowError, match=r"^" + says.replace("(", r"\(").replace(".", r"\.")):
        read_contacts_file(_file(tmp_path, text), registry)


def test_a_file_without_the_columns_or_rows_or_too_large_is_refused(tmp_path: Path, registry: EntityRegistry) -> None:
    with pytest.raises(EsgflowError, match="at least the columns entity and email"):
        read_contacts_file(_file(tmp_path, "code,mail\nSAMI,a@b.cn\n"), registry)
    with pytest.raises(EsgflowError, match="no contacts in the file"):
        read_contacts_file(_file(tmp_path, "entity,email\n"), registry)
    big = tmp_path / "big.csv"
    big.write_bytes(b"entity,email\n" + b"SAMI,a@chalieco.com.cn\n" * 60_000)
    with pytest.raises(EsgflowError, match="larger than 1 MB"):
        read_contacts_file(big, registry)
    with pytest.raises(EsgflowError, match="no such file"):
        read_contacts_file(tmp_path / "missing.csv", registry)
