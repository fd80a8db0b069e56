"""Fixtures on a real Neutron: the process, Mogan on it, and a tenant's cloud.

One Neutron per test process (``support.shared``, on this process's
Keystone), started on first use from the prepared template and stopped when
the process exits. When it, Keystone or MariaDB cannot be had the tests
skip, or fail with ``MOGAN_REQUIRE_SERVICES=1``.

``econf`` is Mogan's configuration as a cloud runs it: ``auth_strategy =
keystone`` on that Keystone, ``[network] backend = neutron`` with the
``mogan`` service user finding Neutron in the catalog, and the engine tuned
for tests; with it tests/functional/api's engine fixtures (a real engine,
scheduler, embedded Placement and the fake driver) build servers through
Mogan's real app. ``tenant`` is a fresh Keystone project with a member, a
VLAN network on ``physnet1`` with a subnet, and helpers to read what
Neutron holds.
"""

import dataclasses
import pathlib
import uuid
from typing import Any

import pytest
from oslo_config import cfg

from mogan import conf as mogan_conf
from mogan.drivers import base
from mogan.engine import node_sync
from tests.conftest import unavailable
from tests.engine import conftest as engine_conftest
from tests.functional.api import engine_support
from tests.keystone import support as keystone_support
from tests.neutron import mariadb, support

V18 = {"OpenStack-API-Version": "baremetal-compute 1.8"}
DEVICE_OWNER = "baremetal:none"


def running() -> support.Neutron:
    """This process's Neutron; skips (or fails) the test when there is none."""
    try:
        return support.shared()
    except (
        support.NeutronUnavailable,
        mariadb.MariaDBUnavailable,
        keystone_support.KeystoneUnavailable,
    ) as err:
        unavailable("Neutron", err)
        raise  # pragma: no cover - unavailable() always raises


@pytest.fixture(name="neutron", scope="session")
def neutron_fixture() -> support.Neutron:
    """The real Neutron of this test process (on its real Keystone)."""
    return running()


def write_conf(
    path: pathlib.Path,
    keystone: keystone_support.Keystone,
    more: dict[str, dict[str, str]] | None = None,
) -> pathlib.Path:
    """``[keystone_authtoken]``, ``[neutron]`` (and ``more``) as an operator would."""
    service = keystone.service_user()
    neutron = {
        "auth_type": "password",
        "auth_url": keystone.url,
        "username": service["username"],
        "password": service["password"],
        "project_name": service["project_name"],
        "user_domain_id": "default",
        "project_domain_id": "default",
        "region_name": keystone_support.REGION,
        "valid_interfaces": "public",
        "timeout": "30",
    }
    sections = {
        "keystone_authtoken": keystone.authtoken_options(),
        "neutron": neutron,
        **(more or {}),
    }
    lines = []
    for name, values in sections.items():
        lines += [f"[{name}]", *(f"{k} = {v}" for k, v in values.items()), ""]
    path.write_text("\n".join(lines))
    return path


def make_econf(
    tmp_path: pathlib.Path,
    neutron: support.Neutron,
    more: dict[str, dict[str, str]] | None = None,
) -> cfg.ConfigOpts:
    """Mogan on Keystone and Neutron (and ``more`` sections), engine tuned."""
    path = write_conf(tmp_path / "mogan.conf", neutron.keystone, more)
    return mogan_conf.make_conf(
        default_config_files=[str(path)],
        overrides={
            "DEFAULT": {
                "state_path": str(tmp_path),
                "transport_url": "fake://",
                "host": "engine-a",
                "control_exchange": engine_support.EXCHANGE,
            },
            "api": {"auth_strategy": "keystone"},
            "network": {"backend": "neutron"},
            "placement": {"embedded": True},
            "engine": {
                "poll_interval": engine_conftest.FAST,
                "hardware_poll_interval": engine_conftest.FAST,
                "lease_seconds": 5,
                "workers": 4,
                "heartbeat_interval": 1,
                "sync_nodes_interval": 3600,
                "sync_power_state_interval": 3600,
            },
        },
    )


@pytest.fixture(name="econf")
def econf_fixture(
    tmp_path: pathlib.Path, neutron: support.Neutron, placement_state: str
) -> cfg.ConfigOpts:
    """Mogan on Keystone and Neutron, with tests/engine's fast engine settings."""
    del placement_state
    return make_econf(tmp_path, neutron)


# NOTE: what a test module binds (``globals().update(FIXTURES)``):
# tests/functional/api's engine fixtures with this module's ``econf``.
FIXTURES = {
    **engine_support.FIXTURES,
    "econf": econf_fixture,
    "neutron": neutron_fixture,
}


def switch_port(index: int) -> base.SwitchPort:
    """Where the ``index``-th NIC of a test node is cabled."""
    return base.SwitchPort(
        switch_id="a0:36:9f:00:00:01",
        port_id=f"Ethernet1/{index + 1}",
        switch_info="leaf-1",
    )


def cable(world: engine_conftest.World, node_uuid: str) -> list[str]:
    """Cable every NIC of the node on ``physnet1`` with a known switch port.

    The fake driver's inventory says so from now on, and Mogan's copy of it
    too (as a node sync after a change would). Returns the node's MACs.
    """
    ports = list(world.driver.get_node(node_uuid).ports)
    world.driver.set_inventory(
        node_uuid,
        base.Inventory(
            nics=tuple(
                base.InventoryNic(
                    mac,
                    name=f"eno{i + 1}",
                    physical_network="physnet1",
                    switch_port=switch_port(i),
                )
                for i, mac in enumerate(ports)
            )
        ),
    )
    node_sync.sync_node(world.db, world.driver, world.placement, node_uuid)
    return [mac.lower() for mac in ports]


@dataclasses.dataclass
class Tenant:
    """A Keystone project with a member, its network in Neutron, and readers."""

    neutron: support.Neutron
    project_id: str
    member: keystone_support.Token
    network_id: str
    subnet_id: str
    cidr: str

    @property
    def headers(self) -> dict[str, str]:
        """The member's token, at microversion 1.8."""
        return {**self.member.headers, **V18}

    def network(
        self,
        cidr: str,
        *,
        shared: bool = False,
        project_id: str | None = None,
    ) -> tuple[str, str]:
        """A new VLAN network on ``physnet1`` with one subnet (as the admin).

        VLANs, not flat networks: Neutron allows one flat network per
        physical network, and every test of the process shares this
        Neutron. Returns the network's and the subnet's ids.
        """
        body: dict[str, Any] = {
            "name": f"net-{uuid.uuid4().hex[:6]}",
            "project_id": project_id or self.project_id,
            "shared": shared,
            "provider:network_type": "vlan",
            "provider:physical_network": "physnet1",
        }
        network = self.neutron.call("POST", "/networks", {"network": body}, ok=201)
        net_id = network["network"]["id"]
        subnet = self.neutron.call(
            "POST",
            "/subnets",
            {
                "subnet": {
                    "network_id": net_id,
                    "ip_version": 4,
                    "cidr": cidr,
                    "project_id": project_id or self.project_id,
                }
            },
            ok=201,
        )
        return net_id, subnet["subnet"]["id"]

    def ports(self, **filters: str) -> list[dict[str, Any]]:
        """Neutron's ports (read as the admin), filtered as Neutron filters."""
        query = "&".join(f"{k}={v}" for k, v in filters.items())
        return list(self.neutron.call("GET", f"/ports?{query}")["ports"])

    def port(self, port_id: str) -> dict[str, Any]:
        """One port as Neutron holds it (binding fields included)."""
        return dict(self.neutron.call("GET", f"/ports/{port_id}")["port"])

    def own_port(self, network_id: str | None = None) -> dict[str, Any]:
        """A port the member makes on their network, as a tenant would."""
        return dict(
            self.neutron.call(
                "POST",
                "/ports",
                {"port": {"network_id": network_id or self.network_id}},
                ok=201,
                token=self.member.token,
            )["port"]
        )


@pytest.fixture
def tenant(neutron: support.Neutron) -> Tenant:
    """A new project, its member, and a network of its own with a /24 subnet."""
    keystone = neutron.keystone
    project = keystone.create_project()
    member = keystone.project_persona("member", project)
    cidr = f"10.{uuid.uuid4().int % 200 + 20}.{uuid.uuid4().int % 250}.0/24"
    tenant = Tenant(neutron, project, member, "", "", cidr)
    tenant.network_id, tenant.subnet_id = tenant.network(cidr)
    return tenant
