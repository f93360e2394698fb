"""deploy/: the environment file names every variable esgflow reads, the units run commands that exist,
and the proxy configuration forwards the client's address in a form the portal trusts only from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from esgflow.cli import build_parser
from esgflow.config import ENVIRONMENT, load_settings

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


def test_the_readme_portal_blocks_run_what_the_units_and_the_environment_file_say() -> None:
    """The README's portal blocks (run by scripts/rehearse-several-machines) and deploy/ cannot drift apart."""
    readme = (DEPLOY.parent / "README.md").read_text(encoding="utf-8")
    [process] = re.findall(r"^```bash machine=portal-process\n(.*?)^```", readme, re.M | re.S)
    [setup] = re.findall(r"^```bash machine=portal\n(.*?)^```", readme, re.M | re.S)
    unit = (DEPLOY / "esgflow-portal@.service").read_text(encoding="utf-8")
    [start] = re.findall(r"^ExecStart=\S+/(esgflow portal .*)$", unit, re.M)
    assert process.strip().replace('"${PORTAL_PORT:-8801}"', "%i") == start
    environment = (DEPLOY / "esgflow.env").read_text(encoding="utf-8")
    assert "ESGFLOW_PORTAL_PROXY=127.0.0.1" in environment and "ESGFLOW_PORTAL_PROXY=127.0.0.1" in setup
    [url] = re.findall(r"^ESGFLOW_PORTAL_URL=(\S+)$", environment, re.M)
    assert f'ESGFLOW_PORTAL_URL="${{ESGFLOW_PORTAL_URL:-{url}}}"' in setup


def test_the_proxy_replaces_x_forwarded_for_and_reaches_two_portal_processes() -> None:
    text = (DEPLOY / "nginx-esgflow.conf").read_text(encoding="utf-8")
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text  # never $proxy_add_x_forwarded_for
    assert "proxy_add_x_forwarded_for" not in text
    assert len(re.findall(r"^\s*server 127\.0\.0\.1:88\d\d", text, re.MULTILINE)) == 2
    assert "listen 443 ssl" in text and "ESGFLOW_PORTAL_PROXY=127.0.0.1" in text


def _nginx_conf(folder: Path, tls: int, portals: tuple[int, int]) -> Path:
    """deploy/nginx-esgflow.conf as shipped, on loopback ports, a throwaway certificate and this folder."""
    import getpass
    import subprocess

    key, crt = folder / "tls.key", folder / "tls.crt"
    subject = ["-days", "1", "-subj", "/CN=localhost"]
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(crt), *subject],
        check=True,
        capture_output=True,
    )
    site = (DEPLOY / "nginx-esgflow.conf").read_text(encoding="utf-8")
    site = re.sub(r"server \{\n    listen 80;.*?\n\}\n", "", site, flags=re.S)  # no plain-HTTP redirect here
    site = site.replace("127.0.0.1:8801", f"127.0.0.1:{portals[0]}").replace(
        "127.0.0.1:8802", f"127.0.0.1:{portals[1]}"
    )
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{tls} ssl;")
    site = site.replace("/etc/esgflow/tls/esg.example.com.crt", str(crt))
    site = site.replace("/etc/esgflow/tls/esg.example.com.key", str(key))
    temps = " ".join(f"{k}_temp_path {folder / k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(
        # workers run as this test's user (as the service user on a real machine), who owns these folders
        f"user {getpass.getuser()}; worker_processes 1; pid {folder / 'nginx.pid'}; error_log {folder / 'error.log'};\n"
        f"events {{}}\nhttp {{ {temps}\n{site}\n}}\n"
    )
    return conf


def _served(log: Path, request: str) -> bool:
    return request in log.read_text(errors="replace")


@pytest.mark.slow  # nginx and two portal processes: about a minute and a half
def test_a_reporter_through_nginx_is_served_by_either_portal_process_and_loses_nothing_when_one_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil
    import subprocess

    import httpx

    from esgflow.jobs.access import grant_access, portal_events
    from tests.returns_factory import fill, open_collection
    from tests.test_mail_sending import _free_port
    from tests.test_portal_app import _portal_process

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    monkeypatch.setenv("ESGFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ESGFLOW_DATABASE_URL", raising=False)
    settings = load_settings()
    template = open_collection(settings, "2024", tmp_path / "tpl", ["SAMI"])["SAMI"]
    token = grant_access(settings, "li@sami.example", "SAMI").rsplit("/", 1)[1]
    tls, one, two = _free_port(), _free_port(), _free_port()
    logs = (tmp_path / "one.log", tmp_path / "two.log")
    conf = _nginx_conf(tmp_path, tls, (one, two))
    proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"])
    portals = []
    try:
        portals.append(_portal_process(settings.home, one, logs[0], "127.0.0.1", wait=180))
        portals.append(_portal_process(settings.home, two, logs[1], "127.0.0.1", wait=180))
        with httpx.Client(base_url=f"https://127.0.0.1:{tls}", verify=False, timeout=60) as client:
            signin = client.get(f"/signin/{token}", headers={"X-Forwarded-For": "203.0.113.9"})
            assert signin.status_code == 200 and "secure" in signin.headers["set-cookie"].lower()
            page = client.get("/entities/SAMI")  # nginx takes turns: the other process
            assert page.status_code == 200
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            assert client.get("/healthz").json()["status"] == "ok"
            filled = fill(template, tmp_path / "in", {})
            upload = client.post(
                "/entities/SAMI/returns", data={"csrf": csrf}, files={"file": (filled.name, filled.read_bytes())}
            )
            assert upload.status_code == 200, upload.text[:300]
            signed_on = 0 if _served(logs[0], "GET /signin/[redacted]") else 1
            assert _served(logs[1 - signed_on], "POST /entities/SAMI/returns")  # answered by the other one
            [ok] = [e for e in portal_events(settings) if e.action == "signin" and e.outcome == "ok"]
            assert ok.client == "127.0.0.1"  # nginx's own view of the client, never what the client claimed
            portals[0].terminate()  # one process stops mid-way: the other answers, the session lives on
            portals[0].wait(30)
            assert [client.get("/entities/SAMI").status_code for _ in range(3)] == [200, 200, 200]
            assert client.post("/signout", data={"csrf": csrf}).status_code == 200
            assert client.get("/entities/SAMI").status_code == 401
    finally:
        for process in [*portals, proxy]:
            process.terminate()
            process.wait(30)
