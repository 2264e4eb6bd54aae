"""The customers' homepage: the things customers come to do, the notices and the promises."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from requests_desk.homepage.promises import promise_groups

#: What customers come to the homepage to do, in order: (URL name, label, hint).
HOMEPAGE_ENTRIES = (
    (
        "public:complaint",
        gettext_lazy("File a complaint or request"),
        gettext_lazy("No account needed: we answer the same business day."),
    ),
    (
        "public:track",
        gettext_lazy("Track your case"),
        gettext_lazy("With your tracking code and e-mail address."),
    ),
    (
        "public:my-cases",
        gettext_lazy("My cases"),
        gettext_lazy("Every case of your e-mail address, by a sign-in link we send you."),
    ),
    (
        "public:commend",
        gettext_lazy("Commend an employee"),
        gettext_lazy("Tell us who served you well."),
    ),
    (
        "surveys:results",
        gettext_lazy("Published survey results"),
        gettext_lazy("What customers told us, quarter by quarter."),
    ),
    (
        "scorecard",
        gettext_lazy("Charter scorecard"),
        gettext_lazy("How well we kept each promise last month and quarter."),
    ),
    (
        "notices:emergency-contacts",
        gettext_lazy("Emergency contacts"),
        gettext_lazy("Who to call at night, at weekends and on holidays."),
    ),
)


def homepage_entries() -> list[dict]:
    return [
        {"name": name, "url": reverse(name), "label": label, "hint": hint}
        for name, label, hint in HOMEPAGE_ENTRIES
    ]


def home(request):
    """The customers' homepage: what they can do here, the notices, and every promise we make
    with how it is measured (:mod:`requests_desk.homepage.promises`), in the reader's language.
    Notices come from template tags (``{% load notices %}``)."""
    groups = promise_groups()
    return render(
        request,
        "home.html",
        {
            "promise_groups": groups,
            "promise_count": sum(len(group.promises) for group in groups),
            "entries": homepage_entries(),
        },
    )
