"""What `esgflow ingest` shows as it works: a line per judged file, and a bar only on a terminal."""

from __future__ import annotations

import io
from pathlib import Path

from esgflow.intake.outcome import Outcome
from esgflow.progress import CLEAR_LINE, IngestProgress, bar


def _accepted(name: str) -> Outcome:
    return Outcome(Path(name), "accepted", "h", "SAMI", "2024", 1, 12)


def test_the_bar_fills_with_the_files_judged() -> None:
    assert bar(0, 4, width=8) == "[........] 0 of 4 files judged"
    assert bar(3, 4, width=8) == "[######..] 3 of 4 files judged"


def test_on_a_terminal_each_line_clears_the_bar_which_is_drawn_again_below_it() -> None:
    stream = io.StringIO()
    shown = IngestProgress(stream, terminal=True)
    shown.judged(_accepted("a.xlsx"), 2)
    assert stream.getvalue() == _accepted("a.xlsx").line() + "\n" + bar(1, 2)
    shown.judged(_accepted("b.xlsx"), 2)
    assert stream.getvalue().endswith(CLEAR_LINE + _accepted("b.xlsx").line() + "\n")  # no bar after the last


def test_off_a_terminal_only_the_lines_are_written() -> None:
    stream = io.StringIO()
    shown = IngestProgress(stream)  # a StringIO is no terminal
    shown.judged(_accepted("a.xlsx"), 3)
    shown.judged(_accepted("b.xlsx"), 3)
    shown.close()
    assert stream.getvalue() == _accepted("a.xlsx").line() + "\n" + _accepted("b.xlsx").line() + "\n"


def test_closing_clears_a_bar_left_standing() -> None:
    stream = io.StringIO()
    shown = IngestProgress(stream, terminal=True)
    shown.judged(_accepted("a.xlsx"), 3)
    shown.close()
    assert stream.getvalue().endswith(bar(1, 3) + CLEAR_LINE)
