"""Mogan's all-in-one on this test process's real Ironic, for end-to-end tests.

``mogan-all-in-one`` runs as its own process with ``[engine] driver =
ironic`` pointed at the real standalone Ironic (``support.shared``), with
quick polls and node syncs; tests drive it over its HTTP API and check the
Ironic side through Ironic's API. Test modules import the fixtures
(``ironic``, ``rc``, ``mogan``, ``made``): each module gets its own
all-in-one and resource class (the Ironic is shared).
"""

import pathlib
import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration import conftest as it
from tests.ironic import configurable, support
from tests.ironic.fixtures import running

TIMEOUT = 90.0
V12 = {"OpenStack-API-Version": "baremetal-compute 1.2"}
V14 = {"OpenStack-API-Version": "baremetal-compute 1.4"}


class Mogan:
    """The all-in-one on a state directory, its HTTP client and its databases."""

    def __init__(self, client: httpx.Client, state: pathlib.Path, processes) -> None:
        """Talk to the all-in-one through ``client``; it keeps its data in ``state``."""
        self.client = client
        self.state = state
        self.processes = processes

    def wait(self, predicate, what: str) -> Any:
        """Poll ``predicate`` until truthy (the processes' logs on timeout)."""
        return it.wait_for(predicate, what, TIMEOUT, self.processes)

    def show(self, server: str) -> dict[str, Any]:
        """A server as an admin sees it."""
        return dict(self.client.get(f"/v1/servers/{server}", headers=V12).json())

    def reaches(self, server: str, *statuses: str) -> dict[str, Any]:
        """Wait until the server is in one of ``statuses``; it."""
        return dict(
            self.wait(
                lambda: (s := self.show(server))["status"] in statuses and s,
                f"server {server} {statuses}",
            )
        )

    def allocations(self) -> dict[str, str]:
        """The embedded Placement's allocations: consumer -> provider."""
        conn = sqlite3.connect(f"file:{self.state}/placement.sqlite?mode=ro", uri=True)
        try:
            rows = conn.execute(
                "SELECT a.consumer_id, rp.uuid FROM allocations a "
                "JOIN resource_providers rp ON rp.id = a.resource_provider_id"
            ).fetchall()
        finally:
            conn.close()
        return {str(c): str(p) for c, p in rows}

    def create(self, made: dict[str, str], name: str) -> str:
        """Create a server on the test's flavor, image and network."""
        return it.create_server(self.client, made, name)


@pytest.fixture(scope="module")
def ironic() -> support.Ironic:
    """This process's real Ironic."""
    return running()


@pytest.fixture(scope="module")
def rc() -> str:
    """A resource class of this module's own (the Ironic is shared)."""
    return f"bm-e2e-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def mogan(tmp_path_factory, ironic, rc) -> Iterator[Mogan]:
    """``mogan-all-in-one`` with the Ironic driver, and its API client."""
    tmp = tmp_path_factory.mktemp("mogan-ironic")
    sections = {
        "DEFAULT": {"host": "e2e-ironic"},
        "engine": {"driver": "ironic", **it.QUICK_ENGINE},
        "ironic": {
            "deploy_step_interfaces": configurable.STEP_INTERFACES,
            "auth_type": "none",
            "endpoint_override": ironic.url,
            "api_retry_interval": 0.05,
            "api_max_retries": 5,
        },
    }
    with it.all_in_one(tmp, sections) as (client, state, processes):
        yield Mogan(client, state, processes)


@pytest.fixture(scope="module")
def made(mogan, rc) -> dict[str, str]:
    """A flavor for ``rc``, an image and a network."""
    return it.seed(mogan.client, rc)


FIXTURES = {"ironic": ironic, "rc": rc, "mogan": mogan, "made": made}


def mac() -> str:
    """A MAC address of this run's own (Ironic refuses duplicates)."""
    return "52:54:" + ":".join(f"{b:02x}" for b in uuid.uuid4().bytes[:4])


def enroll(ironic: support.Ironic, mogan: Mogan, rc: str, **spec: Any) -> str:
    """An available Ironic node of ``rc`` with one port, once Mogan can use it."""
    node = ironic.enroll(resource_class=rc, ports=(mac(),), **spec)
    mogan.wait(
        lambda: (
            mogan.client.get(f"/v1/nodes/{node}", headers=V12).json().get("consumable")
        ),
        f"node {node} consumable in Mogan",
    )
    return node


def node_of(ironic: support.Ironic, server: str) -> str:
    """The Ironic node a server landed on (other nodes of the class may be free)."""
    found = ironic.call("GET", f"/v1/nodes/detail?instance_uuid={server}")["nodes"]
    assert len(found) == 1, found
    return str(found[0]["uuid"])
