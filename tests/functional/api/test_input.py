"""Hostile input around the body and headers: a 4xx on every route, never a 500.

Generated over ``router.ROUTES``: JSON nested past the depth limit, bodies
sent as another media type (a browser's cross-site form post), bodies that
are not UTF-8, and malformed ``OpenStack-API-Version`` headers (non-ASCII
digits, which ``str.isdigit`` takes and ``int`` refuses).
"""

import json
from typing import Any

import httpx
import pytest

from mogan.api import router
from tests.conftest import ADMIN
from tests.functional.api.support import fault, route_url

ROUTES = sorted(router.ROUTES, key=lambda r: (r.path, r.method))
BODY_ROUTES = [r for r in ROUTES if r.body is not None]
PATCH_ROUTES = [r for r in BODY_ROUTES if r.method == "PATCH"]


# NOTE: every route exists at the newest microversion (older ones hide the
# routes added since, with 404).
HEADERS = {**ADMIN.headers, "OpenStack-API-Version": "baremetal-compute latest"}


def _ids(routes: list[router.Route]) -> list[str]:
    return [f"{r.method} {r.path}" for r in routes]


def _send(
    client: httpx.Client, r: router.Route, content: bytes, content_type: str
) -> httpx.Response:
    return client.request(
        r.method,
        route_url(r),
        content=content,
        headers={**HEADERS, "Content-Type": content_type},
    )


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


class TestJsonDepth:
    @pytest.mark.parametrize("route", BODY_ROUTES, ids=_ids(BODY_ROUTES))
    def test_deep_json_is_400_naming_body(self, client, route):
        """Arrays nested 1,000 deep are a 400 naming ``body``, not a 500."""
        resp = _send(client, route, _deep(1000), route.content_types[0])
        assert resp.status_code == 400, resp.text
        assert "'body'" in fault(resp)
        assert "nested more than 32" in fault(resp)

    @pytest.mark.parametrize("depth", [33, 100000])
    def test_any_depth_past_the_limit(self, client, depth):
        """Just past the limit, and far past the parser's recursion limit."""
        resp = client.post(
            "/v1/flavors",
            content=_deep(depth),
            headers={**HEADERS, "Content-Type": "application/json"},
        )
        assert resp.status_code == 400, resp.text
        assert "nested more than 32" in fault(resp)

    def test_deep_objects_too(self, client):
        """Objects count as levels as arrays do."""
        deep: Any = {}
        for _ in range(40):
            deep = {"a": deep}
        resp = client.post("/v1/flavors", json=deep, headers=HEADERS)
        assert resp.status_code == 400
        assert "nested more than 32" in fault(resp)

    def test_brackets_inside_strings_do_not_count(self, client):
        """A name full of brackets (and escaped quotes) is a name, not nesting."""
        name = '[{"[' * 60 + '\\"'
        resp = client.post(
            "/v1/flavors",
            json={"name": name, "resources": {"CUSTOM_GOLD": 1}},
            headers=HEADERS,
        )
        assert resp.status_code == 201, resp.text
        assert resp.json()["name"] == name

    @pytest.mark.parametrize(
        "body",
        [
            '"' + '\\"' * 300000,  # an unterminated string of escaped quotes
            '["' + '\\"' * 300000 + '"]',
            "[" * 32 + '"]]]' * 100000,
        ],
        ids=["unterminated", "escaped quotes", "brackets in a string"],
    )
    def test_scanning_strings_is_linear(self, client, body):
        """Bodies that made a backtracking scan quadratic are answered at once.

        Quadratic in 600 kB would outlast the test timeout by hours.
        """
        resp = client.post(
            "/v1/flavors",
            content=body.encode(),
            headers={**HEADERS, "Content-Type": "application/json"},
        )
        assert resp.status_code == 400, resp.text

    def test_depth_at_the_limit_is_parsed(self, client):
        """32 levels are parsed (and then refused by the schema, naming a field)."""
        nested: Any = 1
        for _ in range(30):
            nested = [nested]
        resp = client.post(
            "/v1/flavors",
            json={"name": "f", "resources": {"CUSTOM_GOLD": nested}},
            headers=HEADERS,
        )
        assert resp.status_code == 400
        assert "'resources.CUSTOM_GOLD'" in fault(resp)


class TestContentType:
    @pytest.mark.parametrize(
        "content_type",
        ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"],
    )
    @pytest.mark.parametrize("route", BODY_ROUTES, ids=_ids(BODY_ROUTES))
    def test_other_media_types_are_415(self, client, route, content_type):
        """A body not declared JSON is refused before it is read as JSON."""
        resp = _send(client, route, b'{"name": "x"}', content_type)
        assert resp.status_code == 415, resp.text
        assert resp.json()["code"] == "mogan.unsupported_media_type"
        assert "application/json" in fault(resp)

    @pytest.mark.parametrize("route", BODY_ROUTES, ids=_ids(BODY_ROUTES))
    def test_missing_content_type_is_415(self, client, route):
        """No Content-Type at all is not JSON either."""
        resp = client.request(
            route.method, route_url(route), content=b"{}", headers=HEADERS
        )
        assert resp.status_code == 415, resp.text

    def test_form_post_creates_nothing(self, client):
        """The cross-site form post of the report creates no flavor."""
        body = json.dumps({"name": "csrf", "resources": {"CUSTOM_GOLD": 1}})
        resp = client.post(
            "/v1/flavors",
            content=body.encode(),
            headers={**HEADERS, "Content-Type": "text/plain"},
        )
        assert resp.status_code == 415
        listed = client.get("/v1/flavors", headers=HEADERS).json()
        assert [f["name"] for f in listed["flavors"]] == []

    def test_charset_parameter_is_allowed(self, client):
        """``application/json; charset=utf-8`` is JSON."""
        body = json.dumps({"name": "f", "resources": {"CUSTOM_GOLD": 1}})
        resp = client.post(
            "/v1/flavors",
            content=body.encode(),
            headers={
                **ADMIN.headers,
                "Content-Type": "application/json; charset=utf-8",
            },
        )
        assert resp.status_code == 201, resp.text

    @pytest.mark.parametrize(
        "content_type", ["application/json-patch+json", "application/json"]
    )
    @pytest.mark.parametrize("route", PATCH_ROUTES, ids=_ids(PATCH_ROUTES))
    def test_patch_takes_json_patch_and_json(self, client, route, content_type):
        """PATCH bodies may be sent as JSON Patch or plain JSON (v1 clients)."""
        patch = json.dumps([{"op": "replace", "path": "/name", "value": "n"}])
        resp = _send(client, route, patch.encode(), content_type)
        # NOTE: the resource does not exist: the body was accepted as far as
        # the lookup, which is all this test asks.
        assert resp.status_code == 404, resp.text

    def test_json_patch_type_only_for_patch(self, client):
        """POST routes take application/json only."""
        body = json.dumps({"name": "f", "resources": {"CUSTOM_GOLD": 1}})
        resp = client.post(
            "/v1/flavors",
            content=body.encode(),
            headers={**HEADERS, "Content-Type": "application/json-patch+json"},
        )
        assert resp.status_code == 415

    @pytest.mark.parametrize("route", BODY_ROUTES, ids=_ids(BODY_ROUTES))
    def test_body_not_utf8_is_400(self, client, route):
        """Bytes that are not UTF-8 are a 400 naming ``body``."""
        resp = _send(client, route, b'{"name": "\xff\xfe"}', "application/json")
        assert resp.status_code == 400, resp.text
        assert "'body'" in fault(resp)


# ---------------------------------------------------------------- microversions

BAD_VERSIONS = [
    "baremetal-compute 1.\xb2",  # superscript two: isdigit() but not int()
    "baremetal-compute \u0661.\u0662",  # Arabic-Indic digits
    "baremetal-compute 1." + "9" * 5000,  # past int()'s 4300 digits
    "baremetal-compute \xe9",
    "baremetal-compute 1.2.3",
]


def _with_header(app: Any, value: str) -> Any:
    """``app`` seeing ``value`` as the microversion header, as a WSGI server passes it.

    PEP 3333 servers hand headers over as latin-1 text; httpx's transport
    would refuse to send non-ASCII, so the value is put in the environ here.
    """

    def shim(environ: dict[str, Any], start_response: Any) -> Any:
        environ["HTTP_OPENSTACK_API_VERSION"] = value
        return app(environ, start_response)

    return shim


def _request_with_version(app: Any, r: router.Route, value: str) -> httpx.Response:
    transport = httpx.WSGITransport(app=_with_header(app, value))
    with httpx.Client(transport=transport, base_url="http://mogan.test") as c:
        return c.request(
            r.method,
            route_url(r),
            content=b"{}" if r.body else None,
            headers={**HEADERS, "Content-Type": r.content_types[0]},
        )


ROOT = next(r for r in ROUTES if r.path == "/")


class TestMicroversionHeader:
    @pytest.mark.parametrize("route", ROUTES, ids=_ids(ROUTES))
    def test_non_ascii_version_is_400_on_every_route(self, app, route):
        """Every route, ``GET /`` included, answers 400 to a superscript digit."""
        resp = _request_with_version(app, route, BAD_VERSIONS[0])
        assert resp.status_code == 400, resp.text
        assert resp.json()["code"] == "mogan.invalid_microversion"

    @pytest.mark.parametrize("value", BAD_VERSIONS, ids=repr)
    def test_malformed_versions_are_400(self, app, value):
        """Other digits, too many digits, no digits: 400, never 500."""
        resp = _request_with_version(app, ROOT, value)
        assert resp.status_code == 400, resp.text
        assert resp.json()["code"] == "mogan.invalid_microversion"
