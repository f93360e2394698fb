"""A throwaway IMAP server from Debian's `dovecot-imapd`, run unprivileged, for the mailbox tests.

One passwd-file user with a maildir, plain-text login on a loopback port (no TLS: `imap://`).
Dovecot's login processes refuse to run as root, so when the tests run as root the whole
server runs as `nobody`, in a folder of its own that `nobody` can reach.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

USER, PASSWORD = "esg", "s3cret-imap"


class ImapUnavailable(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ImapServer:
    root: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"imap://{USER}@127.0.0.1:{self.port}/INBOX"

    def client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        imap.login(USER, PASSWORD)
        imap.select("INBOX")
        return imap

    def append(self, raw: bytes, received: datetime | None = None) -> None:
        """Put a message into the mailbox, as a mail server delivering it would (at `received`: its INTERNALDATE)."""
        imap = self.client()
        try:
            when = imaplib.Time2Internaldate(received) if received else None
            status, _ = imap.append("INBOX", None, when, raw)
            assert status == "OK"
        finally:
            imap.logout()

    def flags(self) -> list[set[str]]:
        """Each message's flags and keywords, in UID order."""
        imap = self.client()
        try:
            _, found = imap.uid("SEARCH", "ALL")
            out = []
            for uid in (found[0] or b"").decode().split():
                _, data = imap.uid("FETCH", uid, "(FLAGS)")
                text = data[0].decode() if isinstance(data[0], bytes) else ""
                out.append(set(text.split("FLAGS (")[1].split(")")[0].split()))
            return out
        finally:
            imap.logout()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)


def start_imap() -> ImapServer:
    """Write a minimal dovecot configuration and start dovecot in the foreground on a free port."""
    dovecot = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin")
    if not dovecot:
        raise ImapUnavailable("dovecot not found (install Debian's 'dovecot-imapd'; scripts/system-packages does)")
    root = Path(tempfile.mkdtemp(prefix="esgflow-imap-"))  # short: dovecot's sockets live under it
    if os.geteuid() == 0:
        user, group = "nobody", grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
    else:
        user, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
    port = _free_port()
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::{root}/mail\n")
    (root / "dovecot.conf").write_text(
        f"""base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
mail_location = maildir:~/Maildir
first_valid_uid = 0
passdb {{
  driver = passwd-file
  args = {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
  default_fields = uid={user} gid={group}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""
    )
    if os.geteuid() == 0:
        uid, gid = pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid
        for path in (root, root / "passwd", root / "dovecot.conf"):
            os.chown(path, uid, gid)
        root.chmod(0o755)
    options = {"user": user, "group": group} if os.geteuid() == 0 else {}
    process = subprocess.Popen([dovecot, "-F", "-c", str(root / "dovecot.conf")], **options)  # type: ignore[call-overload]
    server = ImapServer(root, port, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            server.client().logout()
            return server
        except (OSError, imaplib.IMAP4.error):
            time.sleep(0.2)
    log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
    server.stop()
    raise ImapUnavailable(f"dovecot did not answer within 30 s: {log[-2000:]}")
