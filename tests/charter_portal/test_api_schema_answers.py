"""The published schema says what the API answers: its error answers, and the fields that can be
null or blank (schemathesis, in test_api_fuzz, checks the answers against it)."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/api/v1/schema/", {"format": "json"}).json()


def test_every_operation_documents_the_errors_it_can_answer(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            answers = set(operation["responses"])
            assert "429" in answers, (method, path)
            if method != "get":
                assert {"400", "413", "415"} <= answers or not operation.get("requestBody"), path
                assert "400" in answers, (method, path)
            if {} not in operation.get("security", [{}]):
                assert {"401", "403"} <= answers, (method, path)
            if "{" in path:
                assert "404" in answers, (method, path)


def test_an_error_answer_has_the_shape_drf_gives(schema):
    answer = schema["paths"]["/api/v1/requests/{id}/"]["get"]["responses"]["404"]
    reference = answer["content"]["application/json"]["schema"]["$ref"]
    error = schema["components"]["schemas"][reference.rsplit("/", 1)[1]]
    assert error["properties"]["detail"] == {"type": "string"}


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("Commitment", "division"),
        ("Commitment", "service"),
        ("Request", "team"),
        ("Request", "service"),
        ("Deadline", "division"),
        ("Deadline", "team"),
        ("Activity", "to_team"),
        ("Call", "service"),
        ("UnkindReport", "decided_by"),
        ("Customer", "email"),
    ],
)
def test_fields_that_can_be_missing_are_nullable(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field].get("nullable"), field


def test_an_e_mail_that_can_be_missing_is_null_not_an_empty_string(schema):
    email = schema["components"]["schemas"]["Customer"]["properties"]["email"]
    assert email["format"] == "email"
    assert email["nullable"] is True


@pytest.mark.parametrize("field", ["event", "purpose", "channel"])
def test_timeline_codes_that_can_be_blank_include_the_blank_in_their_enum(schema, field):
    choices = schema["components"]["schemas"]["Activity"]["properties"][field]["oneOf"]
    refs = [choice["$ref"].rsplit("/", 1)[1] for choice in choices]
    assert "" in schema["components"]["schemas"][refs[-1]]["enum"]


def test_an_address_under_the_api_no_route_matches_answers_json(charter):
    response = APIClient().get("/api/v1/requests/abc/status/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
