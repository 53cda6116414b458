"""Schemathesis against the app's own OpenAPI document: no input may produce a 5xx.

Every operation of /api/v1/openapi.json is fuzzed in-process through WSGI, signed in as the
clerk with a Bearer header, with schema-valid (positive) and schema-violating (negative) data.
Each operation gets its own copy of the security world (documents in every state, ids 1–4),
so the state-changing ones (submit, withdraw, sign, issue…) can do what they like.

Schemathesis' own pytest integration (``from_fixture(...).parametrize()``) rewrites
``request.node._nodeid``, which pytest 9 no longer has; the operations are therefore listed
at collection time from a throwaway app and each is driven with ``APIOperation.as_strategy``.
"""
from __future__ import annotations

import warnings

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from tests.conftest import api_token
from tests.security.conftest import throwaway_app

MAX_EXAMPLES = 25
SPEC = "/api/v1/openapi.json"


def _operations() -> list[tuple[str, str]]:
    with throwaway_app() as app, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # apispec: a schema class used by two modules
        spec = app.test_client().get(SPEC).get_json()
    return sorted((method.upper(), path) for path, ops in spec["paths"].items() for method in ops
                  if method in ("get", "post", "put", "patch", "delete"))


OPERATIONS = _operations()


@pytest.fixture
def clerk_headers(world_app) -> dict[str, str]:
    return api_token(world_app.test_client(), "vanthu")


def _schema(app, headers):
    config = SchemathesisConfig.from_dict({"headers": headers, "generation": {"max-examples": MAX_EXAMPLES}})
    return schemathesis.openapi.from_wsgi(SPEC, app, config=config)


def _real_ids(world) -> dict[str, list[int]]:
    """Ids that exist in the world, so generated requests also reach past the 404 of a random id."""
    return {"doc_id": [world.draft_id, world.awaiting_id, world.signed_id, world.issued_id],
            "dispatch_id": [world.dispatch_id], "job_id": [world.job_id], "obligation_id": [world.obligation_id]}


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_never_answers_5xx(method, path, world_app, clerk_headers, security_world):
    operation = _schema(world_app, clerk_headers)[path][method]
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    for name, ids in _real_ids(security_world).items():
        if f"{{{name}}}" in path:
            strategies += [operation.as_strategy(mode, path_parameters={name: i})
                           for i in ids for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
    cases = st.one_of(strategies)
    seen: list[int] = []

    @given(case=cases)
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
    def fuzz(case):
        response = case.call_and_validate(headers=clerk_headers, checks=[not_a_server_error])
        seen.append(response.status_code)

    fuzz()
    assert seen, f"{method} {path}: no request was sent"
    # The header authenticated: at least one request got past the 401 gate.
    assert any(code != 401 for code in seen) or path == "/api/v1/auth/token", (method, path, seen)


def test_spec_lists_every_api_route():
    """The fuzzer only reaches what the spec documents: every /api/v1 rule must be in it."""
    documented = {(path, method) for method, path in OPERATIONS}
    with throwaway_app() as app:
        rules = [r for r in app.url_map.iter_rules()
                 if r.rule.startswith("/api/v1/") and not r.endpoint.startswith("openapi.")]
    missing = []
    for rule in rules:
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<int:{arg}>", f"{{{arg}}}").replace(f"<{arg}>", f"{{{arg}}}")
        missing += [f"{m} {rule.rule}" for m in rule.methods - {"HEAD", "OPTIONS"} if (path, m) not in documented]
    assert not missing, f"API routes missing from the OpenAPI document (not fuzzed): {missing}"
    assert len(documented) >= 25
