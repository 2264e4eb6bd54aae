"""The catalogue remembered per process: rows every new request reads and staff rarely change.

The catalogue is the commitments, calendars (with their hours and closures), divisions, teams,
services, the rules that say which clocks a request owes, the canned replies staff are
offered, and who a request can be handed to (people and teams' members). Whatever changes one
of them bumps one version counter in the shared cache (:func:`catalogue_changed`, connected to
their saves and deletes), and every process drops what it remembered under the older version.

1. A value is remembered only once the transaction that read it has committed: rows read in a
   transaction that then rolls back (a test, a failed write) are never handed out.
2. The version is bumped when the change is saved and again when it commits: a process that
   read the old rows between the two remembers them under a version already gone.
3. A value is kept pickled and each caller gets its own copy: one request's changes to an
   instance (a relation loaded on it later) never reach another request.
4. While the shared cache cannot be read (Redis down) nothing is remembered or handed out:
   the rows are read again, as before there was a memory.
5. One unit of work (a complaint, a new case from an e-mail) reads the version once, inside
   :func:`catalogue_pinned`, not at every look-up; a change it makes itself ends its memory.
"""

import logging
import pickle
import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from django.core.cache import cache
from django.db import connection, transaction

from commitments.models.calendar import (
    TERMS_VERSION_KEY,
    terms_version,
    terms_version_pinned,
    terms_version_unpin,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

_REMEMBERED: dict[tuple, bytes] = {}
#: What else is dropped with the memory (the frozen terms' own dictionaries).
_ALSO_FORGOTTEN: list[dict] = [_REMEMBERED]


def catalogue_version() -> int | None:
    """The catalogue's version in the shared cache (the one the frozen terms and the work
    calendars are remembered under), or ``None`` while it cannot be read."""
    return terms_version()


#: Within the block the catalogue's version is read once: ``with catalogue_pinned(): …``.
catalogue_pinned = terms_version_pinned


def catalogue_remembered(name: str, key: tuple, load: Callable[[], T]) -> T:
    """What ``load()`` returns (catalogue rows), remembered as ``(name, *key)`` until the
    catalogue changes; a fresh copy for each caller."""
    version = catalogue_version()
    if version is None:
        return load()
    full_key = (name, *key, version)
    if (kept := _REMEMBERED.get(full_key)) is not None:
        return pickle.loads(kept)
    value = load()
    transaction.on_commit(partial(_remember, full_key, pickle.dumps(value)))
    return value


def _remember(key: tuple, value: bytes) -> None:
    if len(_REMEMBERED) >= 1024:
        _REMEMBERED.clear()
    _REMEMBERED[key] = value


def memory_register(memory: dict) -> None:
    """Drop ``memory`` too whenever the catalogue changes."""
    _ALSO_FORGOTTEN.append(memory)


def catalogue_changed(**_signal) -> None:
    """A catalogue row changed (connected to their saves and deletes): every process forgets
    what it remembered, now and again once the change commits (see the module's docstring)."""
    catalogue_forget()


#: What the people offered show of a person, or whether they are offered at all.
PEOPLE_FIELDS = frozenset({"username", "first_name", "last_name", "is_active"})


def people_changed(created: bool = False, update_fields=None, **_signal) -> None:
    """A person's row changed or went (connected to the user model's saves and deletes): who a
    request can be handed to is remembered with the catalogue, so it is forgotten. Not for a
    new person, who is nobody's to hand to until they join, manage or head a team or division
    (those changes forget it themselves), nor for a save of named fields none of which the
    people offered show (a sign-in's last login, a new password hash)."""
    if created or (update_fields is not None and not PEOPLE_FIELDS & set(update_fields)):
        return
    catalogue_forget()


def members_changed(action: str, **_signal) -> None:
    """A team's members changed (``m2m_changed``, sent before and after): forget the
    catalogue once, after."""
    if action.startswith("post_"):
        catalogue_forget()


def catalogue_forget() -> None:
    """Every process forgets what it remembered of the catalogue: the version moves now and,
    inside a transaction, again once it commits."""
    for memory in _ALSO_FORGOTTEN:
        memory.clear()
    terms_version_unpin()
    _version_bump()
    if connection.in_atomic_block:
        transaction.on_commit(_version_bump)


def _version_bump() -> None:
    try:
        cache.incr(TERMS_VERSION_KEY)
    except ValueError:
        cache.set(TERMS_VERSION_KEY, time.time_ns(), timeout=None)
    except Exception:
        # Redis is down: the other processes cannot be told, but they remember nothing while
        # they cannot read the version either, and the change is not lost: it is in the rows.
        logger.warning("catalogue: the shared cache is unreachable; the change is not shared")
