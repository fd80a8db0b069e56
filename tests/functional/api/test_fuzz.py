"""Fuzz the whole API and require that it never answers with a server error.

Three fuzzers, all deterministic (derandomized Hypothesis, no example
database) so a failure reproduces on every run:

- schemathesis reads the app's own ``/v1/openapi.json`` (through WSGI, no
  sockets) and sends schema-valid requests, checking that responses match
  the document, and schema-invalid ones, checking they are refused with 4xx;
- a raw fuzzer sends arbitrary JSON values as bodies to every POST/PATCH
  route and arbitrary strings as path ids;
- a hostile-value fuzzer takes a schema-valid request and makes one path,
  query or body value hostile (NUL, control characters, surrogates, any
  JSON), on SQLite and on PostgreSQL, which refuses what SQLite stores.

All run as admin on a database seeded with one flavor (shared with a
project) and one keypair, so some generated path ids hit real rows. Set
``MOGAN_FUZZ_EXAMPLES`` to fuzz longer than the default budget.
"""

import json
import os
import urllib.parse
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import checks
from schemathesis.generation import modes

from mogan.api import app as api_app
from mogan.api import router, spec
from mogan.db import migration
from mogan.db import session as db_session
from tests.conftest import ADMIN, mark_nodes_loaded
from tests.factories import make_flavor

EXAMPLES = int(os.environ.get("MOGAN_FUZZ_EXAMPLES", "20"))
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    verbosity=hypothesis.Verbosity.quiet,
)
SERVER_ERROR = 500
SEEDED_KEY = "fuzz-key"
SEEDED_PROJECT = "fuzz-project"
POSITIVE = modes.GenerationMode.POSITIVE
NEGATIVE = modes.GenerationMode.NEGATIVE

DOCUMENT = spec.document()


def _takes_input(operation: dict[str, Any]) -> bool:
    """Whether ``operation`` has a body, path or query parameter."""
    return "requestBody" in operation or any(
        p["in"] != "header" for p in operation["parameters"]
    )


def _has_invalid_requests(operation: dict[str, Any]) -> bool:
    """Whether some request to ``operation`` breaks its schema.

    An operation whose only input is an optional free-form header accepts
    everything, so negative generation has nothing to produce.
    """
    return "security" in operation or _takes_input(operation)


SCHEMATHESIS_CASES = sorted(
    (path, method.upper(), mode)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
    for mode in (POSITIVE, NEGATIVE)
    if mode is POSITIVE or _has_invalid_requests(operation)
)
HOSTILE_CASES = sorted(
    (path, method.upper())
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
    if _takes_input(operation)
)
RAW_ROUTES = sorted(
    (r for r in router.ROUTES if r.body is not None or r.path_params),
    key=lambda r: (r.path, r.method),
)
POSITIVE_CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
NEGATIVE_CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.negative_data_rejection,
]


def _app(conf, database):
    """The app with tracebacks in 500 bodies, so a failure shows its cause."""
    conf.set_override("debug_tracebacks_in_api", True)
    return api_app.create_app(conf, database)


def _seed(app) -> dict[str, list[str]]:
    """Seed one flavor, its access entry and a keypair; their ids by path name."""
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://mogan.test"
    ) as client:
        flavor = make_flavor(client, name="fuzz", is_public=False)
        resp = client.post(
            f"/v1/flavors/{flavor['uuid']}/access",
            json={"tenant_id": SEEDED_PROJECT},
            headers=ADMIN.headers,
        )
        assert resp.status_code == 204, resp.text
        resp = client.post(
            "/v1/keypairs", json={"name": SEEDED_KEY}, headers=ADMIN.headers
        )
        assert resp.status_code == 201, resp.text
    return {
        "flavor_uuid": [flavor["uuid"]],
        "key_name": [SEEDED_KEY],
        "tenant_id": [SEEDED_PROJECT],
    }


@pytest.fixture
def seeded_app(conf, database):
    """The app on a seeded SQLite database, and the seeded ids."""
    app = _app(conf, database)
    return app, _seed(app)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_seeded_app(request: pytest.FixtureRequest, conf):
    """The app on SQLite, then on PostgreSQL (services tier), and the seeded ids."""
    owned = None
    if request.param == "sqlite":
        database = request.getfixturevalue("database")
    else:
        request.applymarker(pytest.mark.services)
        url = request.getfixturevalue("postgres_url")
        engine = db_session.make_engine(url)
        migration.upgrade(engine)
        engine.dispose()
        database = owned = db_session.Database.from_url(url)
        mark_nodes_loaded(database)
    app = _app(conf, database)
    yield app, _seed(app)
    if owned is not None:
        owned.dispose()


def _case_strategy(
    operation: schemathesis.APIOperation,
    mode: modes.GenerationMode,
    known: dict[str, list[str]],
) -> st.SearchStrategy[schemathesis.Case]:
    """Cases with generated path ids, or (positive mode) with seeded ones."""
    generated = operation.as_strategy(mode)
    names = [p.name for p in operation.path_parameters]
    if mode is not POSITIVE or not names or not all(n in known for n in names):
        return generated
    seeded = st.fixed_dictionaries(
        {name: st.sampled_from(known[name]) for name in names}
    ).flatmap(lambda values: operation.as_strategy(mode, path_parameters=values))
    return st.one_of(seeded, generated)


def _load_operation(app, path: str, method: str) -> schemathesis.APIOperation:
    """``method path`` from the document the app serves."""
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)
    return schema[path][method]


# ---------------------------------------------------------------- schemathesis


class TestSchemathesis:
    @pytest.mark.parametrize(
        ("path", "method", "mode"),
        SCHEMATHESIS_CASES,
        ids=[f"{mode.value} {m} {p}" for p, m, mode in SCHEMATHESIS_CASES],
    )
    def test_operation_never_answers_5xx(self, seeded_app, path, method, mode):
        """No 5xx; valid requests get documented answers, invalid ones a 4xx."""
        app, known_ids = seeded_app
        operation = _load_operation(app, path, method)

        @SETTINGS
        @hypothesis.given(case=_case_strategy(operation, mode, known_ids))
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers=ADMIN.headers,
                checks=POSITIVE_CHECKS if mode is POSITIVE else NEGATIVE_CHECKS,
            )

        check()


# ---------------------------------------------------------------- raw JSON

# NOTE: JSON has no NaN or infinities (the client refuses to send them).
JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)


def _body_keys(model: Any) -> list[str]:
    """Every property name in a request model's schema, nested ones included."""
    names: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                names.update(props)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(model.model_json_schema())
    return sorted(names)


def _json_values(keys: list[str]) -> st.SearchStrategy[Any]:
    """Any JSON value; object keys favour the model's own field names."""
    key = st.sampled_from(keys) | st.text(max_size=12) if keys else st.text()
    leaves = JSON_LEAVES | st.sampled_from(["add", "replace", "remove", "/name"])
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(key, children, max_size=5)
        ),
        max_leaves=12,
    )


def _path_value(name: str, known: dict[str, list[str]]) -> st.SearchStrategy[str]:
    random_text = st.text(min_size=1, max_size=40)
    if name in known:
        return st.sampled_from(known[name]) | random_text
    return random_text


def _url(route: router.Route, values: dict[str, str]) -> str:
    url = route.path
    for name, value in values.items():
        url = url.replace("{" + name + "}", urllib.parse.quote(value, safe=""))
    return url


def _pep3333_path(app: Any) -> Any:
    """``app`` behind a shim giving it ``PATH_INFO`` as a WSGI server would.

    httpx's WSGI transport passes the percent-decoded path as text
    (encode/httpx#1365), while PEP 3333 servers pass its UTF-8 bytes as
    latin-1; without the shim a non-ASCII id crashes Werkzeug, not Mogan.
    """

    def shim(environ: dict[str, Any], start_response: Any) -> Any:
        environ["PATH_INFO"] = environ["PATH_INFO"].encode().decode("latin-1")
        return app(environ, start_response)

    return shim


class TestRawJson:
    @pytest.mark.parametrize(
        "route", RAW_ROUTES, ids=[f"{r.method} {r.path}" for r in RAW_ROUTES]
    )
    def test_random_bodies_and_ids_never_answer_5xx(self, seeded_app, route):
        """Arbitrary JSON bodies and path ids are refused or served, never a 5xx."""
        app, known_ids = seeded_app
        bodies: st.SearchStrategy[Any] = (
            _json_values(_body_keys(route.body))
            if route.body is not None
            else st.just(None)
        )
        paths = st.fixed_dictionaries(
            {name: _path_value(name, known_ids) for name in route.path_params}
        )
        transport = httpx.WSGITransport(app=_pep3333_path(app))

        @SETTINGS
        @hypothesis.given(values=paths, body=bodies)
        def check(values: dict[str, str], body: Any) -> None:
            url = _url(route, values)
            content = json.dumps(body).encode() if route.body is not None else None
            with httpx.Client(transport=transport, base_url="http://mogan.test") as c:
                resp = c.request(
                    route.method,
                    url,
                    content=content,
                    headers={**ADMIN.headers, "Content-Type": "application/json"},
                )
            assert resp.status_code < SERVER_ERROR, (
                f"{route.method} {url} body={content!r} -> "
                f"{resp.status_code}: {resp.text}"
            )

        check()


# ---------------------------------------------------------------- hostile values

# NOTE: NUL and control characters are what SQLite stores but PostgreSQL
# refuses; lone surrogates are what UTF-8 cannot encode (bodies only: a URL
# cannot carry them). Every slot of every case gets NUL, deterministically;
# one slot also gets a drawn value.
NUL = "a\x00b"
HOSTILE_TEXT = st.sampled_from(["\x00", "\x1b[0m", "\t", " ", ""]) | st.text(
    st.characters(max_codepoint=0x7F, exclude_characters="?#%/"), max_size=20
)
HOSTILE_BODY_VALUE = HOSTILE_TEXT | st.sampled_from(["\ud800", "x\udfff"]) | JSON_LEAVES
# NOTE: a failing case is one bad value in a valid request, already small;
# shrinking it would cost more time than it saves reading.
HOSTILE_SETTINGS = hypothesis.settings(
    SETTINGS,
    max_examples=max(EXAMPLES // 3, 1),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)
# NOTE: known bugs outside the keypair code, reported to the lead: NUL in a
# flavor field, list marker or tenant id reaches PostgreSQL and fails the
# query. Strict, so the fix turns these into failures that ask to drop them.
KNOWN_POSTGRESQL_5XX: set[tuple[str, str]] = set()


def _hostile_params() -> list[Any]:
    params = []
    for path, method in HOSTILE_CASES:
        for backend in ("sqlite", "postgresql"):
            marks = []
            if backend == "postgresql" and (path, method) in KNOWN_POSTGRESQL_5XX:
                reason = "NUL reaches PostgreSQL and fails the query"
                marks.append(pytest.mark.xfail(reason=reason, strict=True))
            params.append(
                pytest.param(
                    backend, path, method, marks=marks, id=f"{backend}-{method} {path}"
                )
            )
    return params


def _slots(case: schemathesis.Case) -> list[tuple[str, str]]:
    """Where a value can be swapped: ``(path|query|body, name)``."""
    slots = [("path", name) for name in sorted(case.path_parameters or {})]
    slots += [("query", name) for name in sorted(case.query or {})]
    if isinstance(case.body, dict):
        slots += [("body", name) for name in sorted(case.body)]
    return slots


def _call_with(
    case: schemathesis.Case, slot: tuple[str, str], value: Any
) -> tuple[str, Any]:
    """Send ``case`` with ``value`` in ``slot``; its curl line and the response."""
    where, name = slot
    container = {"path": case.path_parameters, "query": case.query, "body": case.body}[
        where
    ]
    original = container[name]
    container[name] = value
    try:
        return case.as_curl_command(), case.call(headers=ADMIN.headers)
    finally:
        container[name] = original


class TestHostileValues:
    @pytest.mark.parametrize(
        ("any_db_seeded_app", "path", "method"),
        _hostile_params(),
        indirect=["any_db_seeded_app"],
    )
    def test_hostile_value_in_a_valid_request_never_answers_5xx(
        self, any_db_seeded_app, path, method
    ):
        """A valid request with one value made hostile (NUL first) gets no 5xx."""
        app, known_ids = any_db_seeded_app
        operation = _load_operation(app, path, method)

        @HOSTILE_SETTINGS
        @hypothesis.given(
            case=_case_strategy(operation, POSITIVE, known_ids), data=st.data()
        )
        def check(case: schemathesis.Case, data: st.DataObject) -> None:
            slots = _slots(case)
            swaps = [(slot, NUL) for slot in slots]
            if slots:
                slot = data.draw(st.sampled_from(slots))
                hostile = HOSTILE_BODY_VALUE if slot[0] == "body" else HOSTILE_TEXT
                swaps.append((slot, data.draw(hostile)))
            for slot, value in swaps:
                curl, resp = _call_with(case, slot, value)
                assert resp.status_code < SERVER_ERROR, (
                    f"{curl} -> {resp.status_code}: {resp.text}"
                )

        check()
