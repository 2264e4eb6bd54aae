"""Reading the mailboxes: an IMAP folder, or a Maildir in local mode; the same poll for both.

A message is marked read on the server (``\\Seen``; a Maildir file moves to ``cur/``) only
after :func:`~requests_desk.mail.ingest.mail_ingest` has recorded it and committed, a batch
at a time: a poll killed in between reads the batch again, and the records make nothing more
of it. Memory stays flat: UIDs are listed, then messages fetched a batch at a time.

Several processes read a mailbox side by side when it is split into shares
(``CHARTER_MAIL_SHARDS``): share ``k`` of ``n`` is the messages whose UID modulo ``n`` is ``k``
(a Maildir file: a hash of its unique name). A process reads a share only while it holds the
share's PostgreSQL advisory lock (:func:`share_claimed`), so two polls of one share never
read the same messages at once; a process that dies loses the lock with its connection.
Should two polls read one message all the same (the share count changed under them), the
record's unique key still makes one case of it.

The mailboxes: the Maildir (local mode), each folder of the first IMAP account
(``CHARTER_MAIL_IMAP_…``) and each folder of every further account
(``CHARTER_MAIL_IMAP_ACCOUNTS``), one mailbox per division, say. Each is polled on its own,
places its mail in its own division when no routing rule does, and has its own health
(:class:`~requests_desk.models.MailboxHealth`, per share): one mailbox down leaves the
others read, and /healthz names the stale one."""

import contextlib
import hashlib
import imaplib
import logging
import os
import re
import threading
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone
from imap_tools import AND, MailBox, MailBoxUnencrypted, MailMessageFlags
from imap_tools.errors import ImapToolsError

from requests_desk.mail.ingest import mail_ingest
from requests_desk.mail.route import MailRoutes, mail_routes
from requests_desk.models import InboundMessage, InboundOutcome, MailboxHealth

logger = logging.getLogger(__name__)

#: What a server down, slow or refusing us (a wrong password, say) raises.
IMAP_ERRORS = (OSError, imaplib.IMAP4.error, ImapToolsError)


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
        self.name = maildir_name(self.path)
        self.uid_validity = None  # a file's unique name never comes back

    def batches(
        self, size: int, *, shard: int = 0, shards: int = 1, recorded=None
    ) -> Iterator[list]:
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
        if shards > 1:
            names = [name for name in names if _maildir_share(name, shards) == shard]
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
    """One folder of an IMAP account; unread (not ``\\Seen``) messages are new."""

    def __init__(self, *, host: str, port: int, ssl: bool, user: str, password: str, folder: str):
        self.name = imap_name(user=user, host=host, port=port, folder=folder)
        self.folder = folder
        try:
            box_class = MailBox if ssl else MailBoxUnencrypted
            self.box = box_class(host, port, timeout=settings.CHARTER_MAIL_IMAP_TIMEOUT)
            self.box.login(user, password, initial_folder=folder)
            # Recorded with each message's UID: the UIDs hold while it stays the same.
            self.uid_validity = int(self.box.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"])
        except IMAP_ERRORS as exc:
            self.close()
            raise MailboxUnavailable(f"{self.name}: {exc.__class__.__name__}: {exc}") from exc

    def batches(
        self,
        size: int,
        *,
        shard: int = 0,
        shards: int = 1,
        recorded: Callable[[list[str]], set[str]] | None = None,
    ) -> Iterator[list]:
        """The unread messages, ``(uid, raw)`` a batch at a time; ``raw`` is None for a UID
        ``recorded`` names (read before, not yet marked read: it is not fetched again)."""
        try:
            uids = self.box.uids(AND(seen=False))
        except IMAP_ERRORS as exc:
            raise MailboxUnavailable(f"{self.name}: {exc}") from exc
        if shards > 1:
            uids = [uid for uid in uids if int(uid) % shards == shard]
        for chunk in batched(uids, size):
            known = recorded(chunk) if recorded is not None else set()
            wanted = [uid for uid in chunk if uid not in known]
            yield (self._fetch(wanted) if wanted else []) + [(uid, None) for uid in known]

    def _fetch(self, uids: list[str]) -> list[tuple[str, bytes]]:
        try:
            status, data = self.box.client.uid("FETCH", ",".join(uids), "(UID BODY.PEEK[])")
        except IMAP_ERRORS as exc:
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
        except IMAP_ERRORS as exc:
            raise MailboxUnavailable(f"{self.name}: {exc}") from exc

    def close(self) -> None:
        box = getattr(self, "box", None)
        if box is None:  # the connection itself failed
            return
        try:
            box.logout()
        except Exception:
            # A server gone or too slow to say goodbye: the socket is closed all the same.
            with contextlib.suppress(Exception):
                box.client.shutdown()


@dataclass(frozen=True)
class Mailbox:
    """A configured mailbox: ``name`` (its records' and share locks'), ``label`` (its health's,
    as /healthz, the admin and the logs call it: the account's name and the folder, which stay
    when the server moves; never the account's address), the division and team codes
    its mail goes to when no routing rule places it (blank: the public ones), and ``open``,
    which opens it (an IMAP one logs in then)."""

    name: str
    label: str
    open: Callable[[], "MaildirSource | ImapSource"]
    division: str = ""
    team: str = ""


def imap_name(*, user: str, host: str, port: int, folder: str) -> str:
    return f"imap:{user}@{host}:{port}/{folder}"


def maildir_name(path: str | Path) -> str:
    return f"maildir:{Path(path)}"


def mail_sources() -> list[Mailbox]:
    """The configured mailboxes: the Maildir, each folder of the first IMAP account, then each
    folder of every account of ``CHARTER_MAIL_IMAP_ACCOUNTS``."""
    mailboxes: list[Mailbox] = []
    if settings.CHARTER_MAIL_MAILDIR:
        path = settings.CHARTER_MAIL_MAILDIR
        opener = partial(MaildirSource, path)
        mailboxes.append(Mailbox(name=maildir_name(path), label="maildir", open=opener))
    accounts = list(settings.CHARTER_MAIL_IMAP_ACCOUNTS)
    if settings.CHARTER_MAIL_IMAP_HOST:
        first = {
            "name": "imap",
            "host": settings.CHARTER_MAIL_IMAP_HOST,
            "port": settings.CHARTER_MAIL_IMAP_PORT,
            "ssl": settings.CHARTER_MAIL_IMAP_SSL,
            "user": settings.CHARTER_MAIL_IMAP_USER,
            "password": settings.CHARTER_MAIL_IMAP_PASSWORD,
            "folders": settings.CHARTER_MAIL_IMAP_FOLDERS,
            "division": settings.CHARTER_MAIL_IMAP_DIVISION,
            "team": settings.CHARTER_MAIL_IMAP_TEAM,
        }
        accounts.insert(0, first)
    for account in accounts:
        server = {key: account[key] for key in ("host", "port", "ssl", "user", "password")}
        for folder in account["folders"]:
            mailboxes.append(
                Mailbox(
                    name=imap_name(
                        user=server["user"], host=server["host"], port=server["port"], folder=folder
                    ),
                    label=f"{account['name']}/{folder}",
                    open=partial(ImapSource, folder=folder, **server),
                    division=account.get("division", ""),
                    team=account.get("team", ""),
                )
            )
    return mailboxes


def mailboxes_configured() -> bool:
    return bool(
        settings.CHARTER_MAIL_MAILDIR
        or settings.CHARTER_MAIL_IMAP_HOST
        or settings.CHARTER_MAIL_IMAP_ACCOUNTS
    )


def _maildir_share(name: str, shards: int) -> int:
    """The share of a Maildir file: by its unique name, the same in ``new/`` and ``cur/``."""
    unique = name.partition("/")[2].partition(":2,")[0]
    return zlib.crc32(unique.encode()) % shards


def share_lock_key(mailbox: str, shard: int, shards: int) -> int:
    """The advisory lock (a signed 64-bit number) of ``mailbox``'s share ``shard`` of ``shards``."""
    digest = hashlib.sha256(f"charter:mail:{mailbox}:{shard}/{shards}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def share_claimed(mailbox: str, shard: int, shards: int) -> Iterator[bool]:
    """Hold the advisory lock of ``mailbox``'s share ``shard`` of ``shards`` for the block;
    ``False`` while another poll holds it (that poll is reading those messages). Without
    PostgreSQL (local mode, one process) the share is always ours."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = share_lock_key(mailbox, shard, shards)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        claimed = cursor.fetchone()[0]
    try:
        yield claimed
    finally:
        # A connection lost meanwhile took its lock with it.
        if claimed and connection.is_usable():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def mail_fetch(
    source,
    *,
    batch: int | None = None,
    limit: int | None = None,
    shard: int = 0,
    shards: int = 1,
    division: str = "",
    team: str = "",
) -> PollResult:
    """Ingest the unread messages of ``source`` (up to about ``limit``, whole batches; of
    share ``shard`` of ``shards`` only), marking each batch read once recorded. A message the
    records already hold under this mailbox's UIDVALIDITY and UID (a poll died before marking
    it read) is marked read without being fetched again. ``division`` and ``team``: where the
    mailbox's mail goes when no routing rule places it."""
    result = PollResult()
    threads = settings.CHARTER_MAIL_THREADS
    size = batch or settings.CHARTER_MAIL_BATCH
    recorded = partial(_recorded, source) if source.uid_validity is not None else None
    opened = _ThreadConnections()
    # The pool shuts down (its threads done) before their connections close.
    with opened, ThreadPoolExecutor(max_workers=threads) if threads > 1 else nullcontext() as pool:
        for messages in source.batches(size, shard=shard, shards=shards, recorded=recorded):
            # The routing rules are read once a batch: an edit applies from the next one.
            ingest = partial(
                _ingest,
                mailbox=source.name,
                uid_validity=source.uid_validity,
                routes=mail_routes(division=division, team=team),
                opened=opened,
            )
            fresh = [message for message in messages if message[1] is not None]
            for outcome in pool.map(ingest, fresh) if pool else map(ingest, fresh):
                result.count(outcome)
            # Every message of the batch is recorded and committed: now mark them read.
            source.done([uid for uid, _raw in messages])
            if limit is not None and result.read >= limit:
                break  # the next poll goes on: one poll stays well inside the task's time limit
    return result


def _recorded(source, uids: list[str]) -> set[str]:
    """The UIDs of ``uids`` the records hold for ``source`` under its UIDVALIDITY."""
    return set(
        InboundMessage.objects.filter(
            mailbox=source.name[:200], uid_validity=source.uid_validity, uid__in=uids
        ).values_list("uid", flat=True)
    )


def _ingest(
    message: tuple[str, bytes],
    *,
    mailbox: str,
    uid_validity: int | None,
    routes: MailRoutes,
    opened: "_ThreadConnections",
) -> str:
    uid, raw = message
    try:
        return mail_ingest(
            raw=raw, mailbox=mailbox, uid=uid, uid_validity=uid_validity, routes=routes
        ).outcome
    except BaseException:
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()  # a connection that failed is not kept for the next one
        raise
    finally:
        if threading.current_thread() is not threading.main_thread():
            opened.add_this_thread()


class _ThreadConnections:
    """The database connections the poll's threads open: each thread keeps its own from one
    message to the next (a connection a message costs PostgreSQL a new process), and the poll
    closes them all when it ends (a thread of a later poll opens a fresh one)."""

    def __init__(self) -> None:
        self._connections: dict[int, object] = {}
        self._lock = threading.Lock()

    def add_this_thread(self) -> None:
        with self._lock:
            for wrapper in connections.all(initialized_only=True):
                self._connections[id(wrapper)] = wrapper

    def __enter__(self) -> "_ThreadConnections":
        return self

    def __exit__(self, *exc) -> None:
        # The threads are done (the pool shut down first): their connections are closed here.
        with self._lock:
            wrappers, self._connections = list(self._connections.values()), {}
        for wrapper in wrappers:
            wrapper.inc_thread_sharing()
            try:
                wrapper.close()
            except Exception:
                logger.warning("a mail thread's database connection did not close", exc_info=True)
            finally:
                wrapper.dec_thread_sharing()


def mail_poll(*, shard: int = 0, shards: int = 1) -> PollResult:
    """Read every configured mailbox once (share ``shard`` of ``shards`` of each, skipping a
    share another poll is reading), each on its own: its health records the try, the read or
    the failure (a share left to another poll is neither). Raises :class:`MailboxUnavailable`
    (after reading the others) if one could not be read."""
    total, failures = PollResult(), []
    for mailbox in mail_sources():
        health = mailbox_tried(mailbox.label, shard, shards)
        try:
            source = mailbox.open()
        except MailboxUnavailable as exc:
            failures.append(str(exc))
            mailbox_failed(health, str(exc))
            continue
        try:
            with share_claimed(mailbox.name, shard, shards) as claimed:
                if not claimed:
                    logger.info(
                        "%s share %d/%d: another poll reads it", mailbox.label, shard, shards
                    )
                    continue
                result = mail_fetch(
                    source,
                    limit=settings.CHARTER_MAIL_MAX_PER_POLL,
                    shard=shard,
                    shards=shards,
                    division=mailbox.division,
                    team=mailbox.team,
                )
        except MailboxUnavailable as exc:
            failures.append(str(exc))
            mailbox_failed(health, str(exc))
            continue
        finally:
            source.close()
        mailbox_read(health)
        for name in ("read", "cases", "replies", "quarantined", "other"):
            setattr(total, name, getattr(total, name) + getattr(result, name))
    if failures:
        raise MailboxUnavailable("; ".join(failures))
    return total


def mailbox_tried(label: str, shard: int, shards: int) -> MailboxHealth:
    """The health of the share of the mailbox ``label``, its first try recorded if this is
    it."""
    health, _created = MailboxHealth.objects.get_or_create(
        mailbox=label[:200],
        shard=shard,
        shards=shards,
        defaults={"first_tried_at": timezone.now()},
    )
    return health


def mailbox_read(health: MailboxHealth) -> None:
    """The share was read through (every unread message of it, up to the poll's limit)."""
    health.last_read_at = timezone.now()
    health.save(update_fields=["last_read_at"])


def mailbox_failed(health: MailboxHealth, failure: str) -> None:
    health.last_failure_at, health.last_failure = timezone.now(), failure[:2000]
    health.save(update_fields=["last_failure_at", "last_failure"])
