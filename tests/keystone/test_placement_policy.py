"""Mogan at a real Placement that enforces its own policy (Keystone tokens).

The Placement here is a separate process (``tests.keystone.placement``)
with ``[api] auth_strategy = keystone`` and Placement's default policy, the
only ``placement`` in the catalog while this module runs. Mogan's
``[placement]`` holds the ``mogan`` service user (``service`` role in the
``service`` project, nothing else) and finds Placement in the catalog.

What is checked: with only ``service``, Mogan's node sync, aggregate
mirror, scheduler claim and release all work, read back as a
project-scoped admin; a ``member`` or ``reader`` of the same project is
refused by Placement (403) and Mogan raises its ``PlacementError`` naming
the refused call, writing nothing.
"""

import pathlib
import uuid
from collections.abc import Iterator

import pytest
from oslo_config import cfg

from mogan import context as mogan_context
from mogan import placement
from mogan.drivers import fake
from mogan.engine import node_sync
from mogan.placement import client as placement_client
from mogan.scheduler import manager
from mogan.services import aggregate as aggregate_svc
from tests.conftest import unavailable
from tests.keystone import catalog, fixtures, support
from tests.keystone import placement as keystone_placement
from tests.placement import support as placement_support

pytestmark = pytest.mark.services

FORBIDDEN = 403


@pytest.fixture(scope="module")
def remote(keystone) -> Iterator[keystone_placement.RemotePlacement]:
    """The process's Keystone-protected Placement as ``placement`` in the catalog."""
    try:
        served = keystone_placement.shared(keystone)
    except keystone_placement.PlacementUnavailable as err:
        unavailable("Placement", err)
    with catalog.registered(keystone, "placement", {"public": served.url}):
        yield served


def mogan_conf(
    tmp_path: pathlib.Path, keystone: support.Keystone, **extra: str
) -> cfg.ConfigOpts:
    """Mogan's configuration: ``[placement]`` = the service user + ``extra``."""
    return fixtures.section_conf(
        tmp_path, "placement", catalog.service_section(keystone, **extra)
    )


def other_user(keystone: support.Keystone, role: str) -> dict[str, str]:
    """``[placement]`` options of a new user with only ``role`` in ``service``."""
    user = keystone.create_user()
    keystone.assign(user, role, project=keystone.service_user()["project_id"])
    return {"username": user.name, "password": user.password}


def select(server: str, rc: str, trait: str, zone: str) -> dict[str, object]:
    """A one-server ``select_and_claim`` payload on nodes of ``rc``."""
    return {
        "server_uuids": [server],
        "resources": {rc: 1},
        "required_traits": [trait],
        "resource_aggregates": {"plks": zone},
        "project_id": uuid.uuid4().hex,
        "user_id": uuid.uuid4().hex,
    }


class TestTheServiceRole:
    def test_node_sync_claim_and_release(self, keystone, remote, tmp_path, database):
        """Only ``service``: provider, inventory, traits, aggregates, claim, release."""
        conf = mogan_conf(tmp_path, keystone)
        node_class = placement_support.node_class()
        rc = placement_client.resource_class_name(node_class)
        trait = f"CUSTOM_{uuid.uuid4().hex.upper()}"
        driver = fake.FakeDriver(str(tmp_path))
        (node,) = placement_support.enroll(driver, 1, node_class, traits=(trait,))
        scheduler = manager.SchedulerManager(conf, database)
        api = scheduler.placement
        try:
            result = node_sync.sync(database, driver, api, "host-1")
            assert (result.created, result.failed) == (1, 0)
            ctx = mogan_context.RequestContext(roles=["admin"], db=database)
            zone = uuid.uuid4().hex
            aggregate = aggregate_svc.create(ctx, conf, f"agg-{zone}", {"plks": zone})
            aggregate_svc.add_node(ctx, conf, api, aggregate.uuid, node)

            rp = f"/resource_providers/{node}"
            assert remote.as_admin(rp)["name"] == f"node-{node}"
            inventory = remote.as_admin(f"{rp}/inventories")["inventories"]
            assert {k: v["total"] for k, v in inventory.items()} == {rc: 1}
            assert remote.as_admin(f"{rp}/traits")["traits"] == [trait]
            assert remote.as_admin(f"{rp}/aggregates")["aggregates"] == [aggregate.uuid]

            server = str(uuid.uuid4())
            payload = select(server, rc, trait, zone)
            assert scheduler.select_and_claim({}, payload) == {server: node}
            held = remote.as_admin(f"/allocations/{server}")
            assert {rp: a["resources"] for rp, a in held["allocations"].items()} == {
                node: {rc: 1}
            }
            assert held["project_id"] == payload["project_id"]

            api.release(server)
            assert remote.as_admin(f"/allocations/{server}")["allocations"] == {}
            assert remote.as_admin(f"{rp}/usages")["usages"] == {rc: 0}
        finally:
            api.close()

    def test_placement_takes_project_scoped_tokens_only(self, keystone, remote):
        """The default rules are project-scoped: a system admin is refused too."""
        assert remote.request("GET", "/traits", keystone.admin_token()).status_code == (
            FORBIDDEN
        )
        assert remote.request("GET", "/traits", remote.admin_token()).status_code == (
            200
        )


class TestWithoutTheServiceRole:
    @pytest.mark.parametrize("role", ["member", "reader"])
    def test_placement_refuses_and_mogan_says_so(
        self, keystone, remote, tmp_path, database, role
    ):
        """``member`` or ``reader`` of ``service``: 403s become PlacementError."""
        node_class = placement_support.node_class()
        rc = placement_client.resource_class_name(node_class)
        driver = fake.FakeDriver(str(tmp_path))
        (node,) = placement_support.enroll(driver, 1, node_class)
        mogan = placement.get_client(mogan_conf(tmp_path, keystone))
        try:
            node_sync.sync(database, driver, mogan, "host-1")
        finally:
            mogan.close()

        conf = mogan_conf(tmp_path, keystone, **other_user(keystone, role))
        scheduler = manager.SchedulerManager(conf, database)
        api = scheduler.placement
        try:
            with pytest.raises(placement_client.PlacementError) as sync_err:
                node_sync.sync(database, driver, api, "host-1")
            server = str(uuid.uuid4())
            with pytest.raises(placement_client.PlacementError) as select_err:
                scheduler.select_and_claim(
                    {}, {"server_uuids": [server], "resources": {rc: 1}}
                )
            with pytest.raises(placement_client.PlacementError) as claim_err:
                api.claim({server: {node: {rc: 1}}}, "p", "u")
        finally:
            api.close()
        # NOTE: the scheduler chooses from Mogan's own view of the nodes;
        # its first Placement call is the claim.
        refused = [
            ("placement:resource_providers:list", sync_err.value),
            ("placement:allocations:manage", select_err.value),
            ("placement:allocations:manage", claim_err.value),
        ]
        for action, err in refused:
            assert err.kwargs["status"] == FORBIDDEN
            assert f"Policy does not allow {action}" in err.message
        assert remote.as_admin(f"/allocations/{server}")["allocations"] == {}
