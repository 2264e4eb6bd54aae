"""A real IMAP server for the tests: Debian's Dovecot on a loopback port, with a throw-away
configuration, mail home and one passwd-file user, started and stopped by the tests.

Dovecot's login processes refuse to run as root: as root they run as Debian's ``dovenull``
and the mail as ``dovecot`` (the mail home is theirs); as anyone else, everything runs as
that user."""

import contextlib
import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from imap_tools import MailBoxUnencrypted

from tests.fake_today import real_clock_environment

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "desk", "desk-secret"
# A second account on the same server: a division's mailbox of its own.
USERS = {USER: PASSWORD, "market": "market-secret"}

CONFIG = """\
base_dir = {home}/run
state_dir = {home}/state
log_path = {home}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 0
mail_location = maildir:{home}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {home}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/users/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def available() -> bool:
    return Path(DOVECOT).exists()


class Dovecot:
    def __init__(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="charter-dovecot-"))
        self.home.chmod(0o755)
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        if os.geteuid() == 0:
            mail = pwd.getpwnam("dovecot")
            login_user, internal_user = "dovenull", "dovecot"
            internal_group = grp.getgrgid(mail.pw_gid).gr_name
            uid, gid = mail.pw_uid, mail.pw_gid
        else:
            me = pwd.getpwuid(os.geteuid())
            login_user = internal_user = me.pw_name
            internal_group = grp.getgrgid(os.getegid()).gr_name
            uid, gid = me.pw_uid, os.getegid()
        for sub in ("run", "state", "mail", "users"):
            (self.home / sub).mkdir()
        for sub in ("mail", "users"):
            os.chown(self.home / sub, uid, gid)
        (self.home / "passwd").write_text(
            "".join(f"{user}:{{PLAIN}}{password}::::::\n" for user, password in USERS.items())
        )
        (self.home / "dovecot.conf").write_text(
            CONFIG.format(
                home=self.home,
                port=self.port,
                login_user=login_user,
                internal_user=internal_user,
                internal_group=internal_group,
                uid=uid,
                gid=gid,
            )
        )

    # --- the server ---------------------------------------------------------------------

    def start(self) -> None:
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.home / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            # On the real clock, whatever day the run pretends it is (CHARTER_TEST_TODAY):
            # under libfaketime a restarted Dovecot no longer answers logins.
            env=real_clock_environment(),
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with self.mailbox():
                    return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError(f"Dovecot did not start: {self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=20)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)

    def log(self) -> str:
        path = self.home / "dovecot.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    # --- the mailbox --------------------------------------------------------------------

    def mailbox(self, user: str = USER) -> MailBoxUnencrypted:
        box = MailBoxUnencrypted("127.0.0.1", self.port, timeout=10)
        try:
            return box.login(user, USERS[user])
        except BaseException:
            with contextlib.suppress(OSError):
                box.client.shutdown()  # a refused or timed-out login leaves no socket behind
            raise

    def deliver(self, *messages: bytes, user: str = USER) -> None:
        """IMAP APPEND, as a delivery agent would put them in the inbox (unread)."""
        with self.mailbox(user) as box:
            for raw in messages:
                status, _data = box.client.append("INBOX", None, None, raw)
                assert status == "OK", _data

    def unseen(self, user: str = USER) -> list[str]:
        with self.mailbox(user) as box:
            return list(box.uids("UNSEEN"))

    def uid_validity(self, user: str = USER) -> int:
        with self.mailbox(user) as box:
            return int(box.folder.status("INBOX", ["UIDVALIDITY"])["UIDVALIDITY"])

    def empty(self) -> None:
        for user in USERS:
            with self.mailbox(user) as box:
                uids = box.uids()
                if uids:
                    box.delete(uids)

    def account(self, user: str, **place: str) -> dict:
        """``user``'s account as ``CHARTER_MAIL_IMAP_ACCOUNTS`` holds one (``place``: its
        ``division`` and ``team`` codes)."""
        return {
            "name": user,
            "host": "127.0.0.1",
            "port": self.port,
            "ssl": False,
            "user": user,
            "password": USERS[user],
            "folders": ["INBOX"],
            "division": "",
            "team": "",
            **place,
        }

    def settings(self) -> dict:
        return {
            "CHARTER_MAIL_IMAP_HOST": "127.0.0.1",
            "CHARTER_MAIL_IMAP_PORT": self.port,
            "CHARTER_MAIL_IMAP_SSL": False,
            "CHARTER_MAIL_IMAP_USER": USER,
            "CHARTER_MAIL_IMAP_PASSWORD": PASSWORD,
            "CHARTER_MAIL_IMAP_FOLDERS": ["INBOX"],
        }
