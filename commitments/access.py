"""Who may see what: roles and divisions read from the directory.

- An **admin** is a superuser: every division.
- A **manager** heads a division or manages a team (or belongs to the ``managers`` group):
  the divisions they head, manage a team in, or are a member of a team in.
- **Staff** see the divisions of the teams they belong to.

Callers filter their querysets with :func:`divisions_of` (``None`` means "no limit"), so access is
enforced in queries and not only in templates.

Within one page (:func:`access_remembered`, used by the desk's views) the user's divisions and
groups are read once, however many forms, filters and menu entries ask.
"""

from contextlib import contextmanager

from django.db.models import Q

from commitments.models import Division

MANAGERS_GROUP = "managers"


_MEMO = "_charter_access_memo"


@contextmanager
def access_remembered(user):
    """Remember ``user``'s divisions and groups until the block ends (one page). Nested blocks
    share the outer one's memory."""
    if hasattr(user, _MEMO):
        yield
        return
    setattr(user, _MEMO, {})
    try:
        yield
    finally:
        delattr(user, _MEMO)


def _remembered(user, key: str, read):
    memo = getattr(user, _MEMO, None)
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def _group_names(user) -> frozenset[str]:
    return _remembered(
        user, "groups", lambda: frozenset(user.groups.values_list("name", flat=True))
    )


def is_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def is_manager(user) -> bool:
    """Heads a division, manages a team, is in the managers group — or is an admin."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return _directory(user)[1] or MANAGERS_GROUP in _group_names(user)


def is_desk_user(user) -> bool:
    """Staff, or anyone who works in a team, may use the desk (its pages and its API)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_staff or user.is_superuser or user.teams.exists()


def divisions_of(user) -> set[int] | None:
    """The ids of the divisions whose cases ``user`` may see and change; ``None`` for all."""
    if not (user.is_authenticated and user.is_active):
        return set()
    if user.is_superuser:
        return None
    return set(_directory(user)[0])  # the caller's own copy


def _directory(user) -> tuple[frozenset[int], bool]:
    """The divisions ``user`` heads, manages a team in or is a member of a team in, and whether
    they head one or manage a team: one query (remembered for the page), where the menu's
    "heads or manages" and the divisions were one each on every desk page."""

    def read() -> tuple[frozenset[int], bool]:
        # Every team belongs to a division: a division found here is one the user heads, or
        # that holds a team they manage or belong to.
        rows = list(
            Division.objects.filter(
                Q(head=user) | Q(teams__manager=user) | Q(teams__members=user)
            ).values_list("pk", "head_id", "teams__manager_id")
        )
        manages = any(user.pk in (head, manager) for _pk, head, manager in rows)
        return frozenset(pk for pk, _head, _manager in rows), manages

    return _remembered(user, "directory", read)


def may_see_division(user, division_id: int | None) -> bool:
    allowed = divisions_of(user)
    return allowed is None or division_id in allowed
