"""Reading the mailboxes: an IMAP folder, or a Maildir in local mode; the same poll for both.

A message is marked read on the server (``\\Seen``; a Maildir file moves to ``cur/``) only
after :func:`~requests_desk.mail.ingest.mail_ingest` has recorded it and committed, a batch
at a time: a poll killed in between reads the batch again, and the records make nothing more
of it. Memory stays flat: UIDs are listed, then messages fetched a batch at a time."""

import contextlib
import imaplib
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone
from imap_tools import AND, MailBox, MailBoxUnencrypted, MailMessageFlags

from notifications.models import WorkerHeartbeat
from requests_desk.mail.ingest import mail_ingest
from requests_desk.models import InboundOutcome

logger = logging.getLogger(__name__)

#: The heartbeats /healthz reads: the last poll that read every configured mailbox, and the
#: first poll ever tried (so a mailbox that never answered is reported stale too).
POLL_HEARTBEAT = "mail-poll"
FIRST_TRY_HEARTBEAT = "mail-poll-first-try"


def batched(items, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class MailboxUnavailable(Exception):
    """The server is down, slow or refused us: try again later."""


@dataclass
class PollResult:
    read: int = 0
    cases: int = 0
    replies: int = 0
    quarantined: int = 0
    other: int = 0

    def count(self, outcome: str) -> None:
        self.read += 1
        if outcome == InboundOutcome.NEW_CASE:
            self.cases += 1
        elif outcome == InboundOutcome.REPLY:
            self.replies += 1
        elif outcome == InboundOutcome.QUARANTINED:
            self.quarantined += 1
        else:
            self.other += 1


class MaildirSource:
    """A Maildir: new messages in ``new/`` (and unread ones in ``cur/``); done ones move to
    ``cur/`` with the Seen flag."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.name = f"maildir:{self.path}"

    def batches(self, size: int) -> Iterator[list[tuple[str, bytes]]]:
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        names = sorted(
            [f"new/{n}" for n in os.listdir(self.path / "new") if not n.startswith(".")]
            + [
                f"cur/{n}"
                for n in os.listdir(self.path / "cur")
                if not n.startswith(".") and "S" not in n.partition(":2,")[2]
            ]
        )
        for chunk in batched(names, size):
            yield [(name, (self.path / name).read_bytes()) for name in chunk]

    def done(self, uids: list[str]) -> None:
        for uid in uids:
            _folder, _slash, base = uid.partition("/")
            stem, _sep, flags = base.partition(":2,")
            target = self.path / "cur" / f"{stem}:2,{''.join(sorted(set(flags + 'S')))}"
            with contextlib.suppress(FileNotFoundError):  # moved by another poll meanwhile
                os.replace(self.path / uid, target)

    def close(self) -> None:
        pass


class ImapSource:
    """One folder of the configured IMAP account; unread (not ``\\Seen``) messages are new."""

    def __init__(self, *, host: str, port: int, ssl: bool, user: str, password: str, folder: str):
        self.name = f"imap:{user}@{host}:{port}/{folder}"
        self.folder = folder
        try:
            box_class = MailBox if ssl else MailBoxUnencrypted
            self.box = box_class(host, port, timeout=settings.CHARTER_MAIL_IMAP_TIMEOUT)
            self.box.login(user, password, initial_folder=folder)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxUnavailable(f"{self.name}: {exc.__class__.__name__}: {exc}") from exc

    def batches(self, size: int) -> Iterator[list[tuple[str, bytes]]]:
        try:
            uids = self.box.uids(AND(seen=False))
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxUnavailable(f"{self.name}: {exc}") from exc
        for chunk in batched(uids, size):
            yield self._fetch(list(chunk))

    def _fetch(self, uids: list[str]) -> list[tuple[str, bytes]]:
        try:
            status, data = self.box.client.uid("FETCH", ",".join(uids), "(UID BODY.PEEK[])")
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxUnavailable(f"{self.name}: {exc}") from exc
        if status != "OK":
            raise MailboxUnavailable(f"{self.name}: FETCH answered {status}")
        found = []
        for item in data:
            if isinstance(item, tuple) and (uid := re.search(rb"UID (\d+)", item[0])):
                found.append((uid.group(1).decode(), item[1]))
        return found

    def done(self, uids: list[str]) -> None:
        if not uids:
            return
        try:
            self.box.flag(uids, MailMessageFlags.SEEN, True)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxUnavailable(f"{self.name}: {exc}") from exc

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.box.logout()


def mail_sources() -> list[Callable[[], "MaildirSource | ImapSource"]]:
    """The configured mailboxes, each as a function that opens it (IMAP ones log in then)."""
    sources: list = []
    if settings.CHARTER_MAIL_MAILDIR:
        sources.append(partial(MaildirSource, settings.CHARTER_MAIL_MAILDIR))
    if settings.CHARTER_MAIL_IMAP_HOST:
        for folder in settings.CHARTER_MAIL_IMAP_FOLDERS:
            sources.append(
                partial(
                    ImapSource,
                    host=settings.CHARTER_MAIL_IMAP_HOST,
                    port=settings.CHARTER_MAIL_IMAP_PORT,
                    ssl=settings.CHARTER_MAIL_IMAP_SSL,
                    user=settings.CHARTER_MAIL_IMAP_USER,
                    password=settings.CHARTER_MAIL_IMAP_PASSWORD,
                    folder=folder,
                )
            )
    return sources


def mailboxes_configured() -> bool:
    return bool(settings.CHARTER_MAIL_MAILDIR or settings.CHARTER_MAIL_IMAP_HOST)


def mail_fetch(source, *, batch: int | None = None, limit: int | None = None) -> PollResult:
    """Ingest the unread messages of ``source`` (up to about ``limit``, whole batches),
    marking each batch read once recorded."""
    result = PollResult()
    threads = settings.CHARTER_MAIL_THREADS
    with ThreadPoolExecutor(max_workers=threads) if threads > 1 else nullcontext() as pool:
        for messages in source.batches(batch or settings.CHARTER_MAIL_BATCH):
            ingest = partial(_ingest, mailbox=source.name)
            for outcome in pool.map(ingest, messages) if pool else map(ingest, messages):
                result.count(outcome)
            # Every message of the batch is recorded and committed: now mark them read.
            source.done([uid for uid, _raw in messages])
            if limit is not None and result.read >= limit:
                break  # the next poll goes on: one poll stays well inside the task's time limit
    return result


def _ingest(message: tuple[str, bytes], *, mailbox: str) -> str:
    uid, raw = message
    try:
        return mail_ingest(raw=raw, mailbox=mailbox, uid=uid).outcome
    finally:
        if threading.current_thread() is not threading.main_thread():
            # A pool thread's connection is its own: close it with the work (a thread of a
            # later poll opens a fresh one).
            connections.close_all()


def mail_poll() -> PollResult:
    """Read every configured mailbox once; record the success for /healthz. Raises
    :class:`MailboxUnavailable` (after reading the others) if one could not be read."""
    total, failures = PollResult(), []
    if mailboxes_configured():
        WorkerHeartbeat.objects.get_or_create(
            name=FIRST_TRY_HEARTBEAT, defaults={"at": timezone.now()}
        )
    for open_source in mail_sources():
        try:
            source = open_source()
        except MailboxUnavailable as exc:
            failures.append(str(exc))
            continue
        try:
            result = mail_fetch(source, limit=settings.CHARTER_MAIL_MAX_PER_POLL)
        except MailboxUnavailable as exc:
            failures.append(str(exc))
            continue
        finally:
            source.close()
        for name in ("read", "cases", "replies", "quarantined", "other"):
            setattr(total, name, getattr(total, name) + getattr(result, name))
    if failures:
        raise MailboxUnavailable("; ".join(failures))
    if mailboxes_configured():
        WorkerHeartbeat.objects.update_or_create(
            name=POLL_HEARTBEAT, defaults={"at": timezone.now()}
        )
    return total
