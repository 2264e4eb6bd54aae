"""What a clock is owed on — a subject named by type and id — and the page that shows it.

A clock names its subject by type and id, not by a foreign key: the apps that own the subjects
import this one, never the reverse. Each registers, in its ``AppConfig.ready()``, the URL name
of the page that shows a subject of a type. The link is resolved when it is shown, in the
reader's language and at the address the page has today; it is never stored.
"""

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
