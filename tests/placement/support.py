"""Helpers for tests on the real embedded Placement (one per test process).

The embedded Placement is shared by every test of the process (Placement
configures its database once), so tests isolate themselves with a resource
class of their own: providers of other tests never match their queries.
"""

import uuid

from oslo_config import cfg

from mogan import conf as mogan_conf
from mogan import placement
from mogan.drivers import base, fake
from mogan.placement import client as placement_client


def embedded_conf(state_path: str, **scheduler: object) -> cfg.ConfigOpts:
    """Configuration with the embedded Placement and the in-process bus."""
    return mogan_conf.make_conf(
        overrides={
            "DEFAULT": {
                "state_path": state_path,
                "transport_url": "fake://",
                # NOTE: a private exchange, so RPC servers other tests leave
                # behind on the same topic never answer this test's calls.
                "control_exchange": f"test-{uuid.uuid4().hex}",
            },
            "placement": {"embedded": True},
            "scheduler": scheduler,
        }
    )


def client(state_path: str) -> placement_client.PlacementClient:
    """A client on the process's embedded Placement, via the factory."""
    return placement.get_client(embedded_conf(state_path))


def node_class() -> str:
    """A node resource class no other test uses (``t-<hex>``)."""
    return f"t-{uuid.uuid4().hex[:12]}"


def enroll(
    driver: fake.FakeDriver, count: int, resource_class: str, **spec: object
) -> list[str]:
    """Enroll ``count`` nodes of ``resource_class``; returns their uuids."""
    uuids = []
    for _ in range(count):
        node_uuid = str(uuid.uuid4())
        driver.enroll(
            base.NodeSpec(
                uuid=node_uuid,
                name=f"node-{node_uuid}",
                resource_class=resource_class,
                **spec,
            )
        )
        uuids.append(node_uuid)
    return uuids


def count_requests(placement_api: placement_client.PlacementClient) -> list[str]:
    """A list that records ``METHOD path`` of every later Placement request."""
    seen: list[str] = []

    def record(request) -> None:
        seen.append(f"{request.method} {request.url.path}")

    placement_api.http.event_hooks["request"].append(record)
    return seen
