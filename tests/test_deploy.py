"""deploy/: the environment file names every variable esgflow reads, the units run commands that exist,
and the proxy configuration forwards the client's address in a form the portal trusts only from it."""

from __future__ import annotations

import re
from pathlib import Path

from esgflow.cli import build_parser
from esgflow.config import ENVIRONMENT

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def _variables() -> set[str]:
    names = set()
    for listed, _ in ENVIRONMENT:
        first = None
        for part in (p.strip() for p in listed.split(",")):
            if part.startswith("_") and first:  # "ESGFLOW_SMTP_HOST, _PORT": the prefix of the first
                names.add(first.rsplit("_", 1)[0] + part)
            else:
                names.add(part)
                first = part
    return names


def test_the_environment_file_names_every_variable_esgflow_reads() -> None:
    text = (DEPLOY / "esgflow.env").read_text(encoding="utf-8")
    named = set(re.findall(r"^#?(ESGFLOW_[A-Z_]+)=", text, re.MULTILINE))
    assert {"ESGFLOW_SMTP_PORT", "ESGFLOW_HOME", "ESGFLOW_PORTAL_PROXY"} <= _variables()
    assert _variables() - named == set()


def test_the_units_start_what_exists_with_the_environment_file() -> None:
    parser = build_parser()
    for unit in ("esgflow-portal@.service", "prefect-server.service", "prefect-worker.service"):
        text = (DEPLOY / unit).read_text(encoding="utf-8")
        assert "EnvironmentFile=/etc/esgflow/esgflow.env" in text and "User=esgflow" in text, unit
        [start] = re.findall(r"^ExecStart=(\S+) (.*)$", text, re.MULTILINE)
        if start[0].endswith("/esgflow"):
            args = parser.parse_args(start[1].replace("%i", "8801").split())
            assert (args.host, args.port) == ("127.0.0.1", 8801)


def test_the_proxy_replaces_x_forwarded_for_and_reaches_two_portal_processes() -> None:
    text = (DEPLOY / "nginx-esgflow.conf").read_text(encoding="utf-8")
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text  # never $proxy_add_x_forwarded_for
    assert "proxy_add_x_forwarded_for" not in text
    assert len(re.findall(r"^\s*server 127\.0\.0\.1:88\d\d", text, re.MULTILINE)) == 2
    assert "listen 443 ssl" in text and "ESGFLOW_PORTAL_PROXY=127.0.0.1" in text
