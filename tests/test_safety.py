import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from esgflow.safety import write_text


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)", "plain"])
def test_text_is_never_stored_as_a_formula(tmp_path: Path, text: str) -> None:
    wb = Workbook()
    write_text(wb.active["A1"], text)
    wb.save(tmp_path / "x.xlsx")
    sheet = zipfile.ZipFile(tmp_path / "x.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    cell = load_workbook(tmp_path / "x.xlsx").active["A1"]
    assert cell.value == text and cell.data_type == "s"
