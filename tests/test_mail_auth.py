"""Authentication-Results as real mail servers write them: only the office's own server's word counts."""

from __future__ import annotations

import pytest

from esgflow.mail.auth import aligned, parse, vouched

OURS = "mx.office.example"
# Verbatim shapes of Postfix + OpenDKIM/OpenDMARC, Gmail, Microsoft 365 and rspamd headers (values unfolded).
OPENDMARC_PASS = f"{OURS}; dmarc=pass (p=reject dis=none) header.from=sami.example.com"
OPENDMARC_FAIL = f"{OURS}; dmarc=fail (p=none dis=none) header.from=sami.example.com"
OPENDKIM = (
    f"{OURS}; dkim=pass (2048-bit key; unprotected) header.d=sami.example.com header.i=@sami.example.com"
    ' header.a=rsa-sha256 header.s=s1 header.b="AbC/+1x"'
)
GMAIL_STYLE = (
    f"{OURS}; dkim=pass header.i=@mail.sami.example.com header.s=20230601 header.b=Xy12; "
    f"spf=pass ({OURS}: domain of esg@sami.example.com designates 192.0.2.9 as permitted sender) "
    "smtp.mailfrom=esg@sami.example.com; dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=sami.example.com"
)
M365_STYLE = (
    "spf=pass (sender IP is 192.0.2.9) smtp.mailfrom=sami.example.com; dkim=none (message not signed) "
    "header.d=none;dmarc=bestguesspass action=none header.from=sami.example.com;compauth=pass reason=109"
)
RSPAMD_VERSIONED = (
    f"{OURS} 1; dkim=pass header.d=sami.example.com header.s=dkim header.b=q1;"
    " spf=softfail smtp.mailfrom=x@sami.example.com"
)
SENDER = "esg@sami.example.com"


def test_a_header_is_read_without_its_comments_and_with_its_properties() -> None:
    server, results = parse(GMAIL_STYLE)
    assert server == OURS
    assert [(r.method, r.result) for r in results] == [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
    assert results[1].properties["smtp.mailfrom"] == "esg@sami.example.com"
    assert parse(RSPAMD_VERSIONED)[0] == OURS  # a version after the authserv-id
    assert parse(f"{OURS}; none") == (OURS, [])


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([OPENDMARC_PASS], True),
        ([OPENDKIM], True),  # DKIM signed by the From domain
        ([GMAIL_STYLE], True),  # a subdomain's signature is aligned
        ([RSPAMD_VERSIONED], True),
        ([OPENDMARC_FAIL], False),
        ([OPENDMARC_FAIL, OPENDKIM], False),  # the server's DMARC failure overrules a (forged) DKIM pass
        ([OPENDKIM.replace("sami.example.com", "attacker.example")], False),  # signed by someone else
        ([f"{OURS}; spf=pass smtp.mailfrom=bounce@attacker.example"], False),  # SPF of another domain
        ([GMAIL_STYLE.replace(OURS, "mx.attacker.example")], False),  # another server's word
        ([M365_STYLE], False),  # no authserv-id of ours (and bestguesspass is not pass)
        ([f"{OURS}; dmarc=pass header.from=other.example"], False),  # DMARC for another From domain
        ([f"{OURS}; dkim=pass header.d=com"], False),  # a bare top-level domain aligns with nothing
        ([], False),
    ],
)
def test_only_the_office_servers_aligned_pass_vouches_for_a_sender(headers: list[str], expected: bool) -> None:
    assert vouched(headers, OURS, SENDER) is expected
    assert vouched(headers, OURS.upper(), SENDER) is expected  # the authserv-id is compared in lower case


def test_nothing_is_vouched_for_without_the_servers_name_or_a_sender() -> None:
    assert not vouched([OPENDMARC_PASS], None, SENDER)
    assert not vouched([OPENDMARC_PASS], OURS, None)


def test_relaxed_alignment() -> None:
    assert aligned("sami.example.com", "sami.example.com") and aligned("mail.sami.example.com", "sami.example.com")
    assert aligned("sami.example.com", "hq.sami.example.com")
    assert not aligned("notsami.example.com", "sami.example.com") and not aligned("com", "example.com")
