"""How wide a column and how tall a row must be for their text to show whole, and how a sheet prints.

openpyxl writes no row heights, and Excel does not re-fit the rows of a file it did not write;
WPS and LibreOffice each fit them their own way. So every workbook esgflow writes sets its
widths and heights itself, from the text, with Chinese characters counted at double width
(as all three spreadsheet programs draw them).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from esgflow.workbooks.layout import assets

# A bold header with no font name falls back to LibreOffice's default face, a serif one. Headers name a
# Chinese sans-serif font, with its family (2: swiss, sans-serif) and charset (134: GB2312) as hints, so
# that a program without that font (LibreOffice on Linux, with the WenQuanYi Zen Hei that
# scripts/system-packages installs) substitutes a sans-serif Chinese font, never a serif one.
# templates/layout.yaml (fonts: header) names it.
HEADER_FONT_NAME = assets()["fonts"]["header"]["name"]


def header_font(size: float | None = None, color: str | None = None) -> Font:
    """The bold font of every header and title esgflow writes in a workbook."""
    return Font(**assets()["fonts"]["header"], size=size, color=color)


LINE_POINTS = 15.0  # one line of 11-point text, with the spacing the three programs give it
PADDING = 2.0  # characters of space a cell keeps around its text
MIN_WIDTH = 8.0
_TOKEN = re.compile(
    r"[\u2e80-\u9fff\uff00-\uffef]|\s+|[^\s\u2e80-\u9fff\uff00-\uffef]+"
)  # a CJK character, spaces, a word
MAX_WIDTH = 60.0  # wider than this a column wraps instead: a sheet still fits a page's width


def text_width(text: object) -> float:
    """Width of the longest line of a cell's text, in Excel's character units (a CJK character is two)."""
    if text is None:
        return 0.0
    return max((_line_width(line) for line in str(text).split("\n")), default=0.0)


def _line_width(line: str) -> float:
    return float(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line))


def column_width(texts: Iterable[object], minimum: float = MIN_WIDTH, maximum: float = MAX_WIDTH) -> float:
    """A column wide enough for its widest text, within bounds (text wider than `maximum` wraps)."""
    widest = max((text_width(t) for t in texts), default=0.0)
    return min(max(widest + PADDING, minimum), maximum)


def lines(text: object, width: float) -> int:
    """How many lines a wrapped cell of this column width needs for its text.

    Wrapped as the spreadsheet programs wrap: at spaces between words, anywhere between Chinese
    characters, and inside a word only when the word alone is wider than the cell.
    """
    if text is None or str(text) == "":
        return 1
    room = max(width - PADDING / 2, 1.0)
    return sum(_wrapped(paragraph, room) for paragraph in str(text).split("\n"))


def _wrapped(paragraph: str, room: float) -> int:
    count, used = 1, 0.0
    for token in _TOKEN.findall(paragraph):
        size = _line_width(token)
        if used and used + size > room and not token.isspace():
            count, used = count + 1, 0.0
        if not used and token.isspace():
            continue  # a space that ends a line takes no room on the next
        while size > room:  # a word wider than the cell breaks inside it
            count, size = count + 1, size - room
        used += size
    return count


def row_height(cells: Iterable[tuple[object, float]], minimum_lines: int = 1) -> float:
    """Points a row needs so that each (text, column width) shows every wrapped line."""
    needed = max([minimum_lines, *(lines(text, width) for text, width in cells)])
    return needed * LINE_POINTS + 3


def fit_columns(
    ws: Worksheet, first: int = 1, minimum: float = MIN_WIDTH, maximum: float = MAX_WIDTH
) -> dict[str, float]:
    """Set every used column's width from what it shows from row `first` down (formulas aside: their
    result is not known here); returns letter -> width."""
    widths: dict[str, float] = {}
    for column in ws.iter_cols(min_row=first, max_row=max(ws.max_row, first)):
        letter = column[0].column_letter
        shown = [shown_text(c.value, c.number_format) for c in column]
        widths[letter] = column_width((t for t in shown if not t.startswith("=")), minimum, maximum)
        ws.column_dimensions[letter].width = widths[letter]
    return widths


def fit_rows(ws: Worksheet, widths: dict[str, float], first: int = 1) -> None:
    """Set each row's height from the wrapped text of its cells, from row `first` on (numbers never wrap)."""
    for row in ws.iter_rows(min_row=first, max_row=ws.max_row):
        cells = [(c.value, widths.get(c.column_letter, MIN_WIDTH)) for c in row if isinstance(c.value, str)]
        ws.row_dimensions[row[0].row].height = row_height(cells)


def shown_text(value: object, number_format: str = "General") -> str:
    """What a cell shows, as far as its width goes: a number in its format ('#,##0.00', '0.00E+00')."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if "%" in number_format:
        return f"{value:+.1%}"
    if "E+" in number_format:
        return f"{value:.{number_format.count('0') - 3}E}"
    places = len(number_format.partition(".")[2].rstrip(";")) if "." in number_format else 0
    if number_format.startswith("#,##0"):
        return f"{value:,.{places}f}"
    return f"{value}"


_PAPER = {"A4": Worksheet.PAPERSIZE_A4, "A3": Worksheet.PAPERSIZE_A3}


def print_setup(
    ws: Worksheet, title_rows: str | None = None, title_columns: str | None = None, kind: str = "default"
) -> None:
    """As templates/layout.yaml's `print` says (A4 landscape, fit to one page wide, as many pages long as it
    takes), header rows on every page; kind: the sheet's kind, for the orientation it prints in."""
    setup = assets()["print"]
    ws.page_setup.orientation = setup["orientation"].get(kind, setup["orientation"]["default"])
    ws.page_setup.paperSize = _PAPER[setup["paper"]]
    ws.page_setup.fitToWidth = setup["fit_to_width"]
    ws.page_setup.fitToHeight = setup["fit_to_height"]
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    for side, inches in setup["margins"].items():
        setattr(ws.page_margins, side, inches)
    ws.print_options.horizontalCentered = setup["centered"]
    if title_rows and setup["repeat_header_row"]:
        ws.print_title_rows = title_rows
    if title_columns:
        ws.print_title_cols = title_columns
    ws.oddFooter.center.text = setup["footer"]
