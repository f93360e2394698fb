from decimal import Decimal

import pytest

from esgflow.decimals import significant, tidy


@pytest.mark.parametrize(
    ("raw", "tidied"),
    [("1500.500000000000", "1500.5"), ("1E+2", "100"), ("0.000", "0"), ("12.3456", "12.3456"), ("7.17E-8", "7.17E-8")],
)
def test_tidy(raw: str, tidied: str) -> None:
    assert str(tidy(Decimal(raw))) == tidied


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12327323.560000001", "12327323.56"), ("0.30000000000000004", "0.3"), ("2848700", "2848700"), ("0", "0")],
)
def test_significant_drops_double_noise(raw: str, expected: str) -> None:
    assert str(significant(Decimal(raw))) == expected
