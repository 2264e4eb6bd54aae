"""The OpenAPI schema documents the desk's API without a single warning."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_the_schema_builds_without_warnings(tmp_path):
    # --fail-on-warn turns any drf-spectacular warning (a view without a serializer, a
    # duplicate operation id, an enum name clash …) into an error.
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_the_schema_lists_the_desk_endpoints_with_unique_operation_ids(charter):
    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()
    paths = schema["paths"]

    for path in (
        "/api/v1/requests/",
        "/api/v1/requests/{id}/",
        "/api/v1/requests/{request_pk}/status/",
        "/api/v1/requests/{request_pk}/communications/",
        "/api/v1/requests/{request_pk}/transfer/",
        "/api/v1/requests/{request_pk}/notes/",
        "/api/v1/requests/{request_pk}/timeline/",
        "/api/v1/requests/{request_pk}/visits/",
        "/api/v1/calls/",
        "/api/v1/calls/{id}/callback/",
        "/api/v1/deadlines/",
        "/api/v1/deadlines/{id}/explain/",
        "/api/v1/contacts/",
    ):
        assert path in paths, path
    operation_ids = [op["operationId"] for item in paths.values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert "409" in paths["/api/v1/requests/{id}/"]["patch"]["responses"]
    assert "put" not in paths["/api/v1/requests/{id}/"]
    filters = {p["name"] for p in paths["/api/v1/deadlines/"]["get"]["parameters"]}
    assert {"state", "commitment", "division", "due_after", "due_before", "request"} <= filters
