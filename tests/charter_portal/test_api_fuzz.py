"""Schemathesis against the live API, as an admin, a member of staff and an anonymous caller:
every operation of the published schema with generated inputs, valid and invalid; every answer
must be documented, match its schema, and never be a 5xx.

The budget is bounded (``MAX_EXAMPLES`` cases per operation and role, valid and invalid ones
mixed; no shrinking) so the three runs fit in about three minutes on two cores;
``SCHEMATHESIS_MAX_EXAMPLES=25`` (about 4½ minutes) or more for a longer run by hand. The demo
data is loaded first, so lists have rows and some generated ids exist. Every operation is run,
and the failures of all of them are reported together.

An anonymous caller of an operation that wants credentials gets ``REFUSED_EXAMPLES`` cases, not
``MAX_EXAMPLES``: the view refuses it (401) in its permission check, before it reads the query
or the body, so every further case takes the same path to the same answer; a few valid and
invalid ones still go through everything in front of that check (the middleware, the URL, the
content type). The two operations open to anonymous callers get the full budget.
"""

import os

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.requests_desk.public.support import forget_rate_limits

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15"))
REFUSED_EXAMPLES = min(5, MAX_EXAMPLES)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def failures_of(live_server, headers: dict) -> list[str]:
    """Run every operation of the schema; one line per operation that failed a check."""
    forget_rate_limits()
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json")
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @settings(
            max_examples=budget(operation, headers),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            print_blob=False,
        )
        @given(case=cases)
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as failure:  # all operations run; report all
            failures.append(f"{operation.label}: {failure}")
    forget_rate_limits()
    return failures


def budget(operation, headers: dict) -> int:
    """The cases an operation gets (see the module's docstring)."""
    anonymous_allowed = {} in operation.definition.raw.get("security", [{}])
    return MAX_EXAMPLES if headers or anonymous_allowed else REFUSED_EXAMPLES


def token_for(username: str) -> dict:
    user = get_user_model().objects.get(username=username)
    return {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


@pytest.fixture
def demo(charter):
    """The demo data (requests in every state, notices, reports): answers with rows in them,
    and ids that exist."""
    call_command("seed_demo", verbosity=0)


def test_as_an_admin(live_server, demo):
    failures = failures_of(live_server, token_for("admin"))
    assert not failures, "\n\n".join(failures)


def test_as_staff(live_server, demo):
    failures = failures_of(live_server, token_for("staff"))
    assert not failures, "\n\n".join(failures)


def test_anonymously(live_server, demo):
    failures = failures_of(live_server, {})
    assert not failures, "\n\n".join(failures)
