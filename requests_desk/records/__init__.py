"""Records of the charter's subjects with no customer request behind them: certificates,
personnel handovers, PowerBase test windows, training sessions and material deliveries.

One module of plain service functions per record; :mod:`requests_desk.records.common` holds
what they share (their clocks, who may see them, the customer they name)."""

from django.utils.translation import gettext_lazy

#: What starts the clocks the records owe, in the words the homepage shows beside each promise
#: (registered by the app's ``ready``).
RECORD_CLOCK_STARTS = (
    ("cert.renewal-notice", gettext_lazy("your certificate, a month before it expires")),
    ("bcp.handover", gettext_lazy("the end of a handover's month of parallel operation")),
    ("finance.test-owner", gettext_lazy("the start of a PowerBase test")),
    ("finance.test-report", gettext_lazy("the end of a PowerBase test")),
    ("common.training-plan", gettext_lazy("a training session you ask for")),
    ("common.training-day", gettext_lazy("the day a training session was promised for")),
    ("market.materials-owner", gettext_lazy("a question on materials we delivered to you")),
)
