"""The sign-off form a waiting consolidate-and-report run shows the ESG office."""

from __future__ import annotations

import pytest

from esgflow import EsgflowError
from esgflow.cycle.signoff_form import SignOff, signer, signoff_form
from esgflow.periods import parse_period

P2025 = parse_period("2025")


def test_the_signoff_form_asks_a_name_and_a_confirmation_and_says_what_is_signed() -> None:
    form = signoff_form(P2025, "/var/esg/reports/2025")
    schema = form.model_json_schema()
    assert schema["required"] == ["by"] and schema["properties"]["confirm"]["default"] is False
    assert "Sign off 2025" in (form._description or "") and "/var/esg/reports/2025" in (form._description or "")
    assert issubclass(form, SignOff)


def test_only_a_confirmed_named_answer_signs() -> None:
    assert signer(P2025, SignOff(by="  Zhang Wei ", confirm=True)) == "Zhang Wei"
    with pytest.raises(EsgflowError, match="sign-off of 2025 was not confirmed: nothing was signed"):
        signer(P2025, SignOff(by="Zhang Wei", confirm=False))
    with pytest.raises(EsgflowError, match="needs the name of who signs"):
        signer(P2025, SignOff(by=" ", confirm=True))
