"""Return letters to reporters: plain text for the e-mail body and an annotated copy of their workbook."""

from __future__ import annotations

from pathlib import Path

from esgflow.catalog import Catalog
from esgflow.feedback.annotate import annotate_workbook
from esgflow.feedback.letter import Judged, render_letter


def write_feedback(judged: Judged, raw: bytes, letters: Path, catalog: Catalog) -> tuple[Path, Path | None]:
    """Write the letter for a judged return, and an annotated copy of the workbook when there is anything to fix.

    Files are named `<ENTITY>_<P>_v<version>` in `letters`; returns (letter, annotated copy or None).
    """
    letter, annotated_path = letter_files(letters, judged.entity.code, judged.period, judged.version)
    letters.mkdir(parents=True, exist_ok=True)
    letter.write_text(render_letter(judged, catalog), encoding="utf-8")
    annotated = annotate_workbook(raw, judged, catalog, annotated_path) if judged.findings else None
    return letter, annotated


def letter_files(letters: Path, entity: str, period: str, version: int) -> tuple[Path, Path]:
    """Where the letter of a return and its annotated copy are: `<ENTITY>_<P>_v<version>.txt` and `.xlsx`."""
    stem = letters / f"{entity}_{period}_v{version}"
    return stem.with_suffix(".txt"), stem.with_suffix(".xlsx")
