"""What a clock is owed on — a subject named by type and id — and the page that shows it.

A clock names its subject by type and id, not by a foreign key: the apps that own the subjects
import this one, never the reverse. Each registers, in its ``AppConfig.ready()``, the URL name
of the page that shows a subject of a type. The link is resolved when it is shown, in the
reader's language and at the address the page has today; it is never stored.
"""

from collections.abc import Callable, Iterable

from django.urls import NoReverseMatch, reverse

#: A customer request: its clocks, and the messages about it, name it so (``requests_desk``).
REQUEST_SUBJECT = "request"

_PAGES: dict[str, str] = {}


def subject_page_register(*, subject_type: str, url_name: str) -> None:
    """Show subjects of ``subject_type`` at ``url_name``, a URL that takes the subject's id."""
    _PAGES[subject_type] = url_name


def subject_path(*, subject_type: str, subject_id: str | int) -> str:
    """The path of the subject's page in the active language; "" when no page shows it."""
    url_name = _PAGES.get(subject_type)
    if url_name is None:
        return ""
    try:
        return reverse(url_name, args=[subject_id])
    except NoReverseMatch:  # an id the page's URL does not take: shown without a link
        return ""


#: What starts each commitment's clock, in the customer's words, as the apps that own its
#: subjects declare it (a request kind's clocks are read from the clock-rule table instead).
_STARTS: dict[str, list] = {}


def clock_start_register(*, code: str, words) -> None:
    """Declare that ``words`` (a lazy translation, e.g. "a BCP trouble, from its detection")
    starts clocks of the commitment ``code``; the homepage says so beside the promise."""
    registered = _STARTS.setdefault(code, [])
    if all(str(w) != str(words) for w in registered):
        registered.append(words)


def clock_start_words(code: str) -> list[str]:
    """What starts ``code``'s clocks, in the active language, as registered."""
    return [str(words) for words in _STARTS.get(code, [])]


#: What the apps that own a type of subject keep of its clocks (e.g. a request's next due and
#: breach instants, for its lists), refreshed from the clocks by a function of the subjects'
#: ids, or of all of them when given ``None``.
_KEEPERS: dict[str, Callable[[Iterable[str] | None], int]] = {}


def subject_clocks_register(
    *, subject_type: str, refresh: Callable[[Iterable[str] | None], int]
) -> None:
    """Have ``refresh(subject_ids)`` called for subjects of ``subject_type`` whose clocks a
    service stopped or cancelled, once its transaction commits (:mod:`commitments.summaries`),
    and ``refresh(None)`` by the periodic reconciliation."""
    _KEEPERS[subject_type] = refresh


def subject_clocks_refresh(subjects: Iterable[tuple[str, str]] | None = None) -> int:
    """Call the registered keepers for these ``(subject_type, subject_id)`` pairs (for every
    subject when ``None``); the rows they wrote."""
    if subjects is None:
        return sum(refresh(None) for refresh in _KEEPERS.values())
    by_type: dict[str, set[str]] = {}
    for subject_type, subject_id in subjects:
        if subject_type in _KEEPERS:
            by_type.setdefault(subject_type, set()).add(subject_id)
    return sum(_KEEPERS[kind](ids) for kind, ids in by_type.items())
