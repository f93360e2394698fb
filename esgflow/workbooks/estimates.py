"""The actual/estimated mark a reporter gives each figure (templates from the catalog's
`estimate_marks` version on).

The template offers a drop-down of two bilingual choices; people also type a word of either
language or its initial, so each word of the cell is read (case and width ignored) and the
cell is a mark when all its words agree. A blank is actual. Anything else is an error at its
cell: guessing would let an estimate pass as measured, or the other way round. The mark
never touches the figure; it only says how the figure was obtained.
"""

from __future__ import annotations

import re
import unicodedata

from esgflow import glossary
from esgflow.catalog import Indicator
from esgflow.findings import Finding
from esgflow.workbooks.reader import RawCell

ACTUAL = "实际 Actual"
ESTIMATED = "估算 Estimated"
CHOICES = (ACTUAL, ESTIMATED)  # the drop-down's items, in its order
HEADER = " ".join(glossary.COLUMNS["estimate"])  # the template's column I heading
RULE = "estimate_mark"

# Each word a mark may be written with -> whether it means estimated.
_WORDS = {"actual": False, "a": False, "实际": False, "estimated": True, "e": True, "估算": True, "估计": True}
_SEPARATORS = re.compile(r"[\s/|,;]+")


def read_mark(cell: RawCell | None, ind: Indicator, file: str) -> tuple[bool, Finding | None]:
    """(estimated, error finding or None) of an input's mark cell; no cell or a blank one is actual."""
    if cell is None or cell.type == "":
        return False, None
    text = unicodedata.normalize("NFKC", cell.text or "").strip()
    words = [w for w in _SEPARATORS.split(text.casefold()) if w]
    meanings = {_WORDS.get(w) for w in words}
    if cell.type not in ("e", "b") and not words:
        return False, None
    if cell.type in ("e", "b") or None in meanings or len(meanings) != 1:
        return False, Finding(
            rule=RULE,
            severity="error",
            indicators=(ind.code,),
            file=file,
            sheet=cell.sheet,
            cell=cell.ref,
            found=cell.text,
            message=f"{ind.code} ({ind.name_en}): the mark {cell.text!r} is neither actual nor estimated; "
            f"choose {ACTUAL!r} or {ESTIMATED!r} (or write actual/estimated, A/E, 实际/估算), "
            "or leave it blank for an actual figure",
        )
    return meanings.pop() is True, None
