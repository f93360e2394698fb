"""Sign-in tokens and addresses (esgflow.portal.access)."""

from __future__ import annotations

import pytest

from esgflow import EsgflowError
from esgflow.portal.access import checked_address, new_token, signin_link, token_hash


def test_tokens_are_long_random_and_kept_only_as_hashes() -> None:
    a, b = new_token(), new_token()
    assert a != b and len(a) >= 43 and token_hash(a) != a and len(token_hash(a)) == 64
    assert signin_link("http://esg.example:8800/", a) == f"http://esg.example:8800/signin/{a}"


def test_an_address_is_checked_and_kept_in_lower_case() -> None:
    assert checked_address(" Li.Wei@Chalieco.COM ") == "li.wei@chalieco.com"
    with pytest.raises(EsgflowError, match="is not an e-mail address"):
        checked_address("li wei")
