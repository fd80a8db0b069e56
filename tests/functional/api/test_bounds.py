"""Every request value has a bound, and crossing it is a 400 naming the field.

Two halves, both generated from ``router.ROUTES``:

- a meta-test walks the JSON schema of every route's body, query and path
  parameters and fails on any integer without a minimum and a maximum, any
  string without a maximum length (or an enumeration), any list without a
  maximum number of items and any dict without a maximum number of keys;
- for every bounded integer reachable in a body or a query, a request that
  is valid but for that one value, set just past the maximum or just below
  the minimum, is a 400 whose message names the field; likewise a path
  parameter one character longer than its maximum.
"""

import copy
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pydantic
import pytest

from mogan.api import router
from tests.conftest import ADMIN
from tests.functional.api.support import SOME_UUID, route_url

Schema = dict[str, Any]
Path = tuple[str, ...]

# NOTE: the one value allowed to be any JSON: a JSON-patch operation's
# ``value``, which the resource's update model validates once the patch is
# applied (``mogan.api.patch.validated``); the body's size and depth bound it.
ANY_JSON_ALLOWED = {("[]", "value")}

# NOTE: requests valid in every respect the schema checks, holding every
# optional object that carries an integer, so each integer can be pushed
# out of range alone. The test below fails when a body model with an
# integer has no entry here.
UUID = SOME_UUID
HARDWARE = {
    "raid": {
        "logical_disks": [
            {"size_gb": 10, "raid_level": "1", "number_of_physical_disks": 2}
        ]
    },
    "partitions": {
        "root_gb": 10,
        "ephemeral_gb": 0,
        "swap_mb": 0,
        "layout": [{"mount": "/data", "size_gb": 5, "fs": "xfs"}],
    },
    "bios": {"settings": {"Cores": 8}},
}
VALID_BODIES: dict[str, Any] = {
    "QuotaUpdate": {"quota": {"servers": 1}},
    "FlavorCreate": {"name": "f", "resources": {"CUSTOM_GOLD": 1}},
    "ImageCreate": {
        "name": "i",
        "url": "http://images.test/i.raw",
        "disk_format": "raw",
        "size": 1,
        "min_disk": 1,
    },
    "ServerCreate": {
        "server": {
            "name": "s",
            "flavor_uuid": UUID,
            "image_uuid": UUID,
            "networks": [
                {
                    "net_id": UUID,
                    "bond": {"mode": "802.3ad", "miimon": 100, "mtu": 9000},
                }
            ],
            "min_count": 1,
            "max_count": 1,
            "partitions": {"root_gb": 10, "ephemeral_gb": 0, "swap_mb": 0},
            "hardware": HARDWARE,
        }
    },
    "HardwareProfileCreate": {"name": "p", **HARDWARE},
    "NodeCreate": {
        "name": "n",
        "driver": "fake",
        "driver_info": {
            "address": "fake://n",
            "username": "u",
            "password": "p",
        },
        "resource_class": "gold",
        "properties": {"cpus": 1},
    },
    "ServerGroupCreate": {
        "name": "g",
        "policies": ["anti-affinity"],
        "rules": {"max_per_domain": 2},
    },
}


# NOTE: every route exists at the newest microversion (older ones hide the
# routes added since, with 404).
HEADERS = {**ADMIN.headers, "OpenStack-API-Version": "baremetal-compute latest"}


def _schema_of(annotation: Any) -> Schema:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation.model_json_schema()
    return pydantic.TypeAdapter(annotation).json_schema()


def _resolve(schema: Schema, defs: dict[str, Schema]) -> Schema:
    while "$ref" in schema:
        target = defs[schema["$ref"].rsplit("/", 1)[-1]]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _leaves(
    schema: Schema, defs: dict[str, Schema], path: Path = ()
) -> Iterator[tuple[Path, Schema]]:
    """Every value schema under ``schema`` with its path.

    ``*`` stands for any key of a dict, ``[]`` for any item of a list.
    """
    schema = _resolve(schema, defs)
    yield path, schema
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            yield from _leaves(branch, defs, path)
    for name, prop in schema.get("properties", {}).items():
        yield from _leaves(prop, defs, (*path, name))
    for prop in schema.get("patternProperties", {}).values():
        yield from _leaves(prop, defs, (*path, "*"))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        yield from _leaves(extra, defs, (*path, "*"))
    if isinstance(schema.get("items"), dict):
        yield from _leaves(schema["items"], defs, (*path, "[]"))


def _open_object(schema: Schema) -> str | None:
    """Why an object schema is unbounded: a dict without key or size bounds."""
    open_ = schema.get("additionalProperties", True) is not False
    if not (open_ or schema.get("patternProperties")):
        return None
    if "maxProperties" not in schema:
        return "a dict without maxProperties"
    names = schema.get("propertyNames", {})
    if "maxLength" not in names and "enum" not in names:
        return "a dict whose keys have no maxLength"
    return None


# NOTE: per JSON type, the keywords that bound it (any one of each group).
BOUNDS = {
    "integer": [{"minimum", "exclusiveMinimum"}, {"maximum", "exclusiveMaximum"}],
    "string": [{"maxLength"}],
    "array": [{"maxItems"}],
    "boolean": [],
    "null": [],
}


def _unbounded(schema: Schema) -> str | None:
    """Why one value schema is unbounded, or None."""
    if any(k in schema for k in ("anyOf", "oneOf", "allOf", "enum", "const")):
        return None
    kind = schema.get("type")
    if kind == "object":
        return _open_object(schema)
    if kind not in BOUNDS:
        return f"type {kind or 'any JSON'}: not a bounded type"
    for group in BOUNDS[kind]:
        if not group & set(schema):
            return f"{kind} without {' or '.join(sorted(group))}"
    return None


def _inputs(r: router.Route) -> Iterator[tuple[str, Schema]]:
    if r.body is not None:
        yield "body", _schema_of(r.body)
    if r.query is not None:
        yield "query", _schema_of(r.query)
    for name, annotation in r.path_params.items():
        yield f"path {name}", _schema_of(annotation)


ROUTES = sorted(router.ROUTES, key=lambda r: (r.path, r.method))
INPUT_ROUTES = [r for r in ROUTES if r.body or r.query or r.path_params]


class TestEveryFieldIsBounded:
    @pytest.mark.parametrize(
        "route", INPUT_ROUTES, ids=[f"{r.method} {r.path}" for r in INPUT_ROUTES]
    )
    def test_every_input_value_has_a_bound(self, route):
        """No integer, string, list or dict of any input lacks its bounds."""
        problems = []
        for where, schema in _inputs(route):
            for path, leaf in _leaves(schema, schema.get("$defs", {})):
                why = _unbounded(leaf)
                if why and path[-2:] not in ANY_JSON_ALLOWED:
                    problems.append(f"{where} {'.'.join(path) or '(root)'}: {why}")
        assert not problems, "\n".join(problems)

    def test_the_walker_sees_unbounded_values(self):
        """The check itself flags each kind of unbounded value."""

        class Loose(pydantic.BaseModel):
            model_config = pydantic.ConfigDict(extra="forbid")

            number: int
            text: str
            items: list[int]
            mapping: dict[str, str]

        found = [
            ".".join(path)
            for path, leaf in _leaves(Loose.model_json_schema(), {})
            if _unbounded(leaf)
        ]
        assert found == ["number", "text", "items", "items.[]", "mapping", "mapping.*"]


# ---------------------------------------------------------------- integers


def _int_bounds(schema: Schema) -> Iterator[tuple[Path, int, int]]:
    """Each integer path with its smallest and largest allowed value.

    An unbounded side (which the meta-test above refuses) is probed with
    64-bit overflow, what a hostile client sends first.
    """
    for path, leaf in _leaves(schema, schema.get("$defs", {})):
        if leaf.get("type") == "integer":
            yield (
                path,
                int(leaf.get("minimum", -(2**63))),
                int(leaf.get("maximum", 2**63 - 1)),
            )


def _int_cases(part: str) -> list[Any]:
    """``(route, path, value)`` for each integer of each route's body or query."""
    return [
        pytest.param(r, path, value, id=f"{r.method} {r.path} {'.'.join(path)}={value}")
        for r in ROUTES
        if getattr(r, part) is not None
        for path, low, high in _int_bounds(_schema_of(getattr(r, part)))
        for value in (low - 1, high + 1)
    ]


def _set(body: Any, path: Path, value: int) -> str:
    """Put ``value`` at ``path`` in ``body``; the dotted name of the field."""
    *parents, last = path
    names = []
    node = body
    for key in parents:
        if key == "[]":
            names.append("0")
            node = node[0]
        elif key == "*":
            first = min(node)
            names.append(first)
            node = node[first]
        else:
            names.append(key)
            node = node[key]
    if last == "*":
        last = min(node)
    node[last] = value
    return ".".join([*names, last])


def _fault(resp: Any) -> str:
    return str(json.loads(resp.json()["error_message"])["faultstring"])


class TestOutOfRangeIsA400:
    @pytest.mark.parametrize(("route", "path", "value"), _int_cases("body"))
    def test_body_integer_out_of_range(self, client, route, path, value):
        """A valid body with one integer out of range is a 400 naming it."""
        body = copy.deepcopy(VALID_BODIES[route.body.__name__])
        field = _set(body, path, value)
        resp = client.request(
            route.method, route_url(route), json=body, headers=HEADERS
        )
        assert resp.status_code == 400, resp.text
        assert resp.json()["code"] == "mogan.invalid_parameter"
        assert f"'{field}'" in _fault(resp), resp.text

    @pytest.mark.parametrize(("route", "path", "value"), _int_cases("query"))
    def test_query_integer_out_of_range(self, client, route, path, value):
        """A query integer out of range is a 400 naming the parameter."""
        (name,) = path
        resp = client.request(
            route.method, route_url(route), params={name: value}, headers=HEADERS
        )
        assert resp.status_code == 400, resp.text
        assert f"'{name}'" in _fault(resp), resp.text

    def test_every_body_with_an_integer_has_a_valid_example(self):
        """A new integer field cannot escape the test above for want of a body."""
        for r in ROUTES:
            if r.body is None or not list(_int_bounds(_schema_of(r.body))):
                continue
            example = VALID_BODIES.get(r.body.__name__)
            assert example is not None, f"add {r.body.__name__} to VALID_BODIES"
            r.body.model_validate(example)
            for path, _, _ in _int_bounds(_schema_of(r.body)):
                _set(copy.deepcopy(example), path, 0)

    @pytest.mark.parametrize(
        ("route", "name"),
        [(r, n) for r in ROUTES for n in r.path_params],
        ids=[f"{r.method} {r.path} {n}" for r in ROUTES for n in r.path_params],
    )
    def test_path_parameter_too_long(self, client, route, name):
        """A path value one character past its maxLength is a 400 naming it."""
        limit = _schema_of(route.path_params[name])["maxLength"]
        url = route_url(route, **{name: "a" * (limit + 1)})
        body = VALID_BODIES.get(route.body.__name__) if route.body else None
        resp = client.request(
            route.method,
            url,
            content=json.dumps(body or {}) if route.body else None,
            headers={**HEADERS, "Content-Type": "application/json"},
        )
        assert resp.status_code == 400, resp.text
        assert f"'{name}'" in _fault(resp), resp.text


def test_uuid_example_is_a_uuid():
    """The placeholder id above parses (a typo would turn 400s into 404s)."""
    assert str(uuid.UUID(UUID)) == UUID
