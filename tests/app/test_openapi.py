"""The OpenAPI document: valid 3.1, complete, and true (Schemathesis).

Schemathesis (v4 Python API) loads ``/api/openapi.json`` from the WSGI app in
process and runs every operation with generated data. The requests carry a
signed-in delegate's session cookie; CSRF stays disabled as in
``TestingConfig`` (tests/app/test_csrf.py checks CSRF on every route), so the
generated ``X-CSRFToken`` header is accepted whatever its value. Path
parameters are generated from the schema and, mixed in, the real ids of the
seeded world (an open round, an open consent check, a projector token), so
that the success paths are exercised and checked too.
"""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from voting.api.routes import document

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def openapi_path(rule: str) -> str:
    """``/api/rounds/<int:round_id>/ballot`` → ``/api/rounds/{round_id}/ballot``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_document_is_served_and_loads_as_openapi_3_1(app, client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json == document()
    assert response.json["openapi"].startswith("3.1")
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {
        "GET /api/rounds/{round_id}/ballot",
        "POST /api/rounds/{round_id}/ballot",
    }


def test_every_api_route_is_documented_and_nothing_else(app):
    routes = {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path, method)
        for path, item in document()["paths"].items()
        for method in item
        if method in {"get", "put", "post", "delete", "patch"}
    }
    assert routes == documented


def test_every_operation_declares_its_error_answers():
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            codes = set(operation["responses"])
            if path != "/api/openapi.json":
                assert "404" in codes, (method, path)
            if method == "post":
                assert {"400", "401", "413"} <= codes, (method, path)


@pytest.fixture
def delegate_cookie(app, world):
    client = app.test_client()
    assert client.get(f"/j/{world.d1.token}").status_code == 302
    return client.get_cookie("session").value


@pytest.fixture
def api_schema(app, world):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    real = {
        "round_id": world.open_poll.rounds[0].id,
        "proposal_id": world.proposal.id,
        "token": world.open_poll.display_token,
    }

    @schema.hook
    def before_generate_path_parameters(context, strategy):
        names = [
            p["name"]
            for p in document()["paths"][context.operation.path].get("parameters", [])
        ]
        if not names:
            return strategy
        return st.one_of(strategy, st.just({name: real[name] for name in names}))

    option_ids = [option.id for option in world.open_poll.options]

    @schema.hook
    def before_generate_body(context, strategy):
        if context.operation.path != "/api/rounds/{round_id}/ballot":
            return strategy
        valid = st.permutations(option_ids).map(
            lambda ids: {"ranking": [[i] for i in ids]}
        )
        return st.one_of(strategy, valid)

    return schema


OPERATIONS = [
    f"{method.upper()} {path}"
    for path, item in document()["paths"].items()
    for method in item
    if method != "parameters"
]


@pytest.mark.parametrize("label", OPERATIONS)
def test_api_conforms_to_its_document(api_schema, delegate_cookie, label):
    """Every operation: no 5xx, documented status, content type, headers, body.

    (``schemathesis.pytest.from_fixture`` does not run under pytest 9, so
    each operation's strategy is driven by Hypothesis here.)
    """
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(cookies={"session": delegate_cookie}, checks=CHECKS)

    run()
