"""What a long command shows while it works: a line per file as it is judged, and a bar on a terminal."""

from __future__ import annotations

from typing import TextIO

from esgflow.intake.outcome import Outcome

BAR_WIDTH = 30
CLEAR_LINE = "\r\033[K"  # back to the line's start and clear it: the bar is redrawn, never scrolled


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """'[#########.....] 12 of 33 files judged'."""
    filled = width * done // total if total else width
    return f"[{'#' * filled}{'.' * (width - filled)}] {done} of {total} files judged"


class IngestProgress:
    """Prints each outcome's line as soon as the file is judged, so a long batch is seen to move.

    The bar is drawn only on a terminal: in a pipe or a log it would be noise between the lines.
    """

    def __init__(self, stream: TextIO, terminal: bool | None = None) -> None:
        self.stream = stream
        self.terminal = stream.isatty() if terminal is None else terminal
        self.done = 0
        self.drawn = False

    def judged(self, outcome: Outcome, total: int) -> None:
        self.done += 1
        if self.drawn:
            self.stream.write(CLEAR_LINE)
        self.stream.write(outcome.line() + "\n")
        self.drawn = self.terminal and self.done < total
        if self.drawn:
            self.stream.write(bar(self.done, total))
        self.stream.flush()

    def close(self) -> None:
        """Clear a bar left standing (a batch that ended with fewer files than it counted)."""
        if self.drawn:
            self.stream.write(CLEAR_LINE)
            self.stream.flush()
            self.drawn = False
