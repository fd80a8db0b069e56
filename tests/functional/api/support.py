"""Helpers for the scheduling API tests: node rows, aggregates, error text.

No engine runs in the API tests, so nodes are rows written as the engine's
node sync would write them.
"""

import json
import uuid
from typing import Any

import httpx
import pydantic

from mogan.api import router
from mogan.db.api import node as node_db
from mogan.db.session import Database
from mogan.placement import client as placement_client
from tests.conftest import ADMIN

DETAILS = {"OpenStack-API-Version": "baremetal-compute 1.2"}
SOME_UUID = "0b1e4e4e-7d43-4c1e-9d9e-0f8f6c1e2a3b"
"""A well-formed id that names nothing, for paths that must merely parse."""


def route_url(r: router.Route, **values: str) -> str:
    """The route's path with ``values`` for its parameters, else valid fillers."""
    url = r.path
    for name, annotation in r.path_params.items():
        schema = pydantic.TypeAdapter(annotation).json_schema()
        default = SOME_UUID if schema.get("format") == "uuid" else "x"
        url = url.replace("{" + name + "}", values.get(name, default))
    return url


def fault(resp: httpx.Response) -> str:
    """The faultstring inside a v1 error body."""
    return str(json.loads(resp.json()["error_message"])["faultstring"])


def make_node(database: Database, name: str, **values: Any) -> str:
    """Write a consumable node row called ``name``; returns its uuid."""
    node_uuid = str(values.pop("uuid", uuid.uuid4()))
    resource_class = values.pop("resource_class", "gold")
    row = {
        "uuid": node_uuid,
        "name": name,
        "driver": "fake",
        "resource_class": resource_class,
        "placement_rc": placement_client.resource_class_name(resource_class),
        "traits": ["CUSTOM_RAID"],
        "power_state": "power off",
        "maintenance": False,
        "consumable": True,
        **values,
    }
    with database.transaction() as session:
        node_db.create(session, row)
    return node_uuid


def make_aggregate(client: httpx.Client, name: str, **metadata: str) -> dict[str, Any]:
    """Create an aggregate as admin; returns its body."""
    resp = client.post(
        "/v1/aggregates",
        json={"name": name, "metadata": metadata},
        headers=ADMIN.headers,
    )
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def add_node(
    client: httpx.Client, aggregate: dict[str, Any], node: str
) -> httpx.Response:
    """``POST /v1/aggregates/{uuid}/nodes`` as admin."""
    return client.post(
        f"/v1/aggregates/{aggregate['uuid']}/nodes",
        json={"node": node},
        headers=ADMIN.headers,
    )


def show_node(client: httpx.Client, node: str) -> dict[str, Any]:
    """The node object at microversion 1.2."""
    resp = client.get(f"/v1/nodes/{node}", headers={**ADMIN.headers, **DETAILS})
    assert resp.status_code == 200, resp.text
    return dict(resp.json())
