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
    stem = letters / f"{judged.entity.code}_{judged.period}_v{judged.version}"
    letters.mkdir(parents=True, exist_ok=True)
    letter = stem.with_suffix(".txt")
    letter.write_text(render_letter(judged, catalog), encoding="utf-8")
    annotated = annotate_workbook(raw, judged, catalog, stem.with_suffix(".xlsx")) if judged.findings else None
    return letter, annotated
