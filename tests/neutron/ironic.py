"""A real Ironic whose ``neutron`` network interface uses the test Neutron.

The team's standalone Ironic (``tests.ironic.support``: noauth API, fake
hardware, its shared venv used as it is) with ``neutron`` among its network
interfaces and a ``[neutron]`` section of its own: an ``ironic-*`` service
user of this process's Keystone (``service`` and ``admin`` in the service
project: Ironic reads networks' provider attributes) and a provisioning and
cleaning network. A node created with ``network_interface = neutron``
checks every VIF Mogan attaches against Neutron (the port must exist, on a
physical network one of the node's ports is on) and unbinds it on detach.

``shared()`` keeps one per test process, stopped at exit.

What must not live here: pytest.
"""

import pathlib
import uuid
from typing import Any

from tests import children
from tests.ironic import support as ironic_support
from tests.keystone import support as keystone_support
from tests.neutron import support

PASSWORD = "mogan-test-ironic"
CREATED = 201

EXTRA_CONF = """
[DEFAULT]
enabled_network_interfaces = noop,neutron
[neutron]
auth_type = password
auth_url = {auth_url}
username = {username}
password = {password}
project_name = service
user_domain_id = default
project_domain_id = default
region_name = {region}
valid_interfaces = public
cleaning_network = {network}
provisioning_network = {network}
"""


def build(neutron: support.Neutron, state: pathlib.Path) -> ironic_support.Ironic:
    """An Ironic on ``state`` whose ``neutron`` interface uses ``neutron``; not started.

    Raises:
        IronicUnavailable: Ironic cannot be installed or started.
    """
    keystone = neutron.keystone
    project = keystone.service_user()["project_id"]
    user = keystone.create_user(f"ironic-{uuid.uuid4().hex[:8]}", password=PASSWORD)
    for role in ("service", "admin"):
        keystone.assign(user, role, project=project)
    network = neutron.call(
        "POST",
        "/networks",
        {
            "network": {
                "name": f"provisioning-{uuid.uuid4().hex[:6]}",
                "provider:network_type": "vlan",
                "provider:physical_network": "physnet2",
            }
        },
        ok=CREATED,
    )["network"]["id"]
    neutron.call(
        "POST",
        "/subnets",
        {"subnet": {"network_id": network, "ip_version": 4, "cidr": "10.99.0.0/24"}},
        ok=CREATED,
    )
    return ironic_support.Ironic(
        state,
        extra_conf=EXTRA_CONF.format(
            auth_url=keystone.url,
            username=user.name,
            password=PASSWORD,
            region=keystone_support.REGION,
            network=network,
        ),
    )


def enroll(
    ironic: ironic_support.Ironic,
    resource_class: str,
    ports: list[dict[str, Any]],
) -> str:
    """An available node (``neutron`` interface, powered on) with these ports."""
    node = ironic.create(resource_class=resource_class, network_interface="neutron")
    for port in ports:
        ironic.call("POST", "/v1/ports", {"node_uuid": node, **port}, ok=CREATED)
    ironic.provision(node, "manage", "manageable")
    ironic.provision(node, "provide", "available")
    ironic.power(node, "power on")
    return node


_SHARED: children.PerProcess[ironic_support.Ironic] = children.PerProcess(
    (ironic_support.IronicUnavailable,)
)


def shared(neutron: support.Neutron) -> ironic_support.Ironic:
    """This process's Ironic on ``neutron`` (started once, stopped at exit).

    Raises:
        IronicUnavailable: Ironic cannot be installed or started.
    """
    return _SHARED.get(
        "ironic-neutron",
        lambda state: build(neutron, state),
        ironic_support.Ironic.start,
        ironic_support.Ironic.stop,
    )
