"""Whether the office's own mail server vouches for a message's sender (RFC 8601 Authentication-Results).

A From: header is whatever the sender typed, and a genuine signed workbook only proves which
entity a template is for, not who sent it. A return by mail is taken only when the receiving
mail server, named by its authserv-id (`ESGFLOW_MAIL_AUTHSERV_ID`), wrote an
Authentication-Results header that says, for the From address's domain:
  - dmarc=pass (its header.from, when given, the From domain), or
  - dkim=pass with header.d (or header.i) aligned with the From domain, or
  - spf=pass with smtp.mailfrom (or smtp.helo) aligned with the From domain;
and none of the server's headers says dmarc=fail. Aligned is relaxed alignment: the
same domain, or one a subdomain of the other (never a bare top-level domain).

Headers naming any other authserv-id are ignored: anyone can write one. The server must remove
Authentication-Results headers naming its own authserv-id from mail it receives (RFC 8601,
section 5; OpenDMARC, OpenDKIM, rspamd and Exchange Online do); a forged "pass" that slips
through is still overruled by the server's own DMARC "fail".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_HEADERS = 20  # a message carries a few; more is noise, and only the first are read

_QUOTED_SPLIT = re.compile(r';(?=(?:[^"]*"[^"]*")*[^"]*$)')


@dataclass(frozen=True)
class Result:
    method: str  # dmarc, dkim, spf, ... (lower case)
    result: str  # pass, fail, none, ... (lower case)
    properties: dict[str, str]  # ptype.property (lower case) -> value


def _without_comments(text: str) -> str:
    """The header value without (comments), nested ones included, and quoted strings kept."""
    out, depth, quoted = [], 0, False
    for ch in text:
        if ch == '"' and depth == 0:
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
            continue
        elif not quoted and ch == ")" and depth:
            depth -= 1
            continue
        if depth == 0:
            out.append(ch)
    return "".join(out)


def parse(value: str) -> tuple[str, list[Result]]:
    """(authserv-id in lower case, its results) of one Authentication-Results header value."""
    parts = _QUOTED_SPLIT.split(_without_comments(" ".join(value.split())))
    head = parts[0].split()
    authserv = head[0].lower() if head else ""
    results = []
    for part in parts[1:]:
        tokens = part.split()
        if not tokens or "=" not in tokens[0]:
            continue  # "none", or malformed
        method, _, result = tokens[0].partition("=")
        props = {}
        for token in tokens[1:]:
            key, sep, val = token.partition("=")
            if sep and "." in key:
                props[key.lower()] = val.strip('"').strip()
        results.append(Result(method.split("/")[0].lower(), result.lower(), props))
    return authserv, results


def _domain(value: str) -> str:
    return value.rsplit("@", 1)[-1].strip().strip(".").lower()


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment: the same domain, or one a subdomain of the other (never a bare TLD)."""
    if not domain or not from_domain or "." not in domain or "." not in from_domain:
        return False
    return domain == from_domain or from_domain.endswith("." + domain) or domain.endswith("." + from_domain)


def _passes(r: Result, from_domain: str) -> bool:
    if r.result != "pass":
        return False
    if r.method == "dmarc":
        given = r.properties.get("header.from")
        return given is None or _domain(given) == from_domain
    if r.method == "dkim":
        signer = r.properties.get("header.d") or r.properties.get("header.i") or ""
        return aligned(_domain(signer), from_domain)
    if r.method == "spf":
        envelope = r.properties.get("smtp.mailfrom") or r.properties.get("smtp.helo") or ""
        return aligned(_domain(envelope), from_domain)
    return False


def vouched(headers: list[str], authserv_id: str | None, sender: str | None) -> bool:
    """Whether the office's mail server (authserv_id) authenticated `sender`'s domain; False when unset."""
    if not authserv_id or not sender or "@" not in sender:
        return False
    from_domain = _domain(sender)
    ours = [
        r for value in headers[:MAX_HEADERS] for sid, rs in [parse(value)] if sid == authserv_id.lower() for r in rs
    ]
    if any(r.method == "dmarc" and r.result == "fail" for r in ours):
        return False  # the server's DMARC failure is final, whatever else a header claims
    return any(_passes(r, from_domain) for r in ours)
