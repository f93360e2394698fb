"""Which figures of a return still need their documents (the catalog's `evidence:`), before the office approves it.

Worked out when asked, never stored: a document attached after the return (in the portal, by the API or by mail)
or a waiver the office records (with its reason, in the audit trail) closes the need at once, and every page
that shows the return shows the same list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from esgflow.catalog import Catalog

WAIVED = "evidence_waived"  # the audit trail's action for a need the office waived, with its reason


@dataclass(frozen=True)
class Need:
    """A figure above its size that no document names and nobody waived."""

    indicator: str
    value: Decimal
    what_zh: str
    what_en: str

    def what(self, lang: str) -> str:
        return self.what_zh if lang == "zh" else self.what_en


def open_needs(
    catalog: Catalog, figures: Mapping[str, Decimal], documented: Iterable[str | None], waived: Iterable[str]
) -> list[Need]:
    """The needs of one return: its figures (code -> value as reported), the indicators its documents name
    (None: a document for the whole return, which names no figure) and the indicators the office waived."""
    named, excused = set(documented), set(waived)
    needs = []
    for ind in catalog.indicators:
        value = figures.get(ind.code)
        if ind.evidence is None or value is None or ind.code in named or ind.code in excused:
            continue
        if value > Decimal(str(ind.evidence.above)):  # a blank is no figure: it needs nothing
            needs.append(Need(ind.code, value, ind.evidence.what_zh, ind.evidence.what_en))
    return needs
