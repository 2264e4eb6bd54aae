"""The admin of requests_desk: the desk's records (customers, requests, calls, visits, clock rules)
in :mod:`.desk`, the customer's voice in :mod:`.voice`."""

from requests_desk.admin import desk, mail, records, voice  # noqa: F401  (registers the models)
