"""Column widths and row heights from a cell's text, and the print set-up every workbook gets."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook, load_workbook

from esgflow.workbooks import fit


def test_chinese_characters_count_double_width() -> None:
    assert fit.text_width("Total") == 5
    assert fit.text_width("能源消耗总量") == 12
    assert fit.text_width("单位 Unit") == 9
    assert fit.text_width("2022（重述）\n2022 restated") == 13  # the longest line


def test_a_column_is_as_wide_as_its_widest_text_within_bounds() -> None:
    assert fit.column_width(["env_waste_hazardous_intensity", "x"]) == 29 + fit.PADDING
    assert fit.column_width(["万元营收有害废弃物排放强度"]) == 26 + fit.PADDING
    assert fit.column_width(["a"]) == fit.MIN_WIDTH
    assert fit.column_width(["x" * 200]) == fit.MAX_WIDTH


def test_wrapped_lines_break_at_words_and_between_chinese_characters() -> None:
    assert fit.lines("10k CNY", 9) == 1
    assert fit.lines("Hazardous waste intensity per 10k CNY of revenue", 30) == 2
    assert fit.lines("万元营收有害废弃物排放强度", 16) == 2  # 26 wide, 15 a line
    assert fit.lines("first\nsecond", 40) == 2
    assert fit.lines("x" * 45, 21) == 3  # a word wider than the cell breaks inside it
    assert fit.lines(None, 10) == 1


def test_a_row_is_as_tall_as_its_most_wrapped_cell() -> None:
    one = fit.row_height([("short", 20)])
    two = fit.row_height([("short", 20), ("one two three four five six seven", 20)])
    assert one == fit.LINE_POINTS + 3
    assert two == 2 * fit.LINE_POINTS + 3  # "one two three four" | "five six seven"


def test_numbers_are_measured_as_their_format_shows_them() -> None:
    assert fit.shown_text(61043063.32, "#,##0.00") == "61,043,063.32"
    assert fit.shown_text(7.17e-08, "#,##0.0000000000") == "0.0000000717"
    assert fit.shown_text(7.1e-08, "0.00E+00") == "7.10E-08"
    assert fit.shown_text(-0.0876, "+0.0%;-0.0%;0.0%") == "-8.8%"
    assert fit.shown_text(None) == ""


def test_fit_columns_measures_from_the_given_row_and_fit_rows_leaves_numbers_unwrapped(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["a sheet's long explanation that must not widen the first column"])
    ws.append(["代码 Code", "Indicator"])
    ws.append(["env_diesel", "Non-hazardous waste (kitchen, construction waste etc.)"])
    ws.append([123456789.5, "x"])
    ws["A4"].number_format = "#,##0.00"
    widths = fit.fit_columns(ws, first=2, maximum=30)
    fit.fit_rows(ws, widths, first=2)
    assert widths == {"A": len("123,456,789.50") + fit.PADDING, "B": 30}
    assert ws.row_dimensions[3].height == 2 * fit.LINE_POINTS + 3
    assert ws.row_dimensions[4].height == fit.LINE_POINTS + 3


def test_print_setup_is_a4_landscape_one_page_wide_with_repeated_headers(tmp_path: Path) -> None:
    wb = Workbook()
    fit.print_setup(wb.active, title_rows="4:4")
    wb.save(tmp_path / "p.xlsx")
    ws = load_workbook(tmp_path / "p.xlsx").active
    setup = ws.page_setup
    assert (setup.orientation, int(setup.paperSize), int(setup.fitToWidth), int(setup.fitToHeight)) == (
        "landscape",
        9,
        1,
        0,
    )
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$4:$4"


def test_a_header_font_is_a_named_sans_serif_chinese_font() -> None:
    font = fit.header_font(size=14)
    assert font.name == fit.HEADER_FONT_NAME and font.family == 2 and font.charset == 134
    assert font.b and font.sz == 14
