"""The ``bind_networks`` step of builds and adoptions: a port per requested NIC.

The node's ports are planned first (``engine.hardware.plan_ports``: a bond
takes several on one physical network); each requested network then gets a
port from the network backend, bound on its node NICs as the node's
inventory describes them (MAC, switch port, physical network: what Neutron's
``binding:profile`` needs) and, for a bond, with its mode and properties.
The undo releases every port of the server (a failed build leaks none).

What must not live here: the backends themselves (``mogan.network``).
"""

from typing import Any

from mogan.db.api import node as node_db
from mogan.db.api import server as server_db
from mogan.drivers import base as driver_base
from mogan.drivers import hardware as hw
from mogan.engine import hardware as engine_hw
from mogan.engine import workflow
from mogan.network import base as network_base
from mogan.services import server_state, workflow_args


def port_request(network: dict[str, Any]) -> network_base.PortRequest:
    """A ``BuildArgs.networks`` entry as the backend's request."""
    return network_base.PortRequest(
        network_id=str(network["net_id"]),
        port_id=network.get("port_id"),
        fixed_ips=tuple(network.get("fixed_ips") or ()),
        security_groups=tuple(network.get("security_groups") or ()),
    )


def _link(mac: str, nic: driver_base.InventoryNic | None) -> network_base.Link:
    switch = nic.switch_port if nic else None
    return network_base.Link(
        mac=mac.lower(),
        switch_id=switch.switch_id if switch else None,
        port_id=switch.port_id if switch else None,
        switch_info=switch.switch_info if switch else None,
        physical_network=nic.physical_network if nic else None,
    )


def _group(bond: hw.Bond) -> network_base.BondGroup:
    properties = {
        "miimon": bond.miimon,
        "xmit_hash_policy": bond.xmit_hash_policy,
        "lacp_rate": bond.lacp_rate,
        "mtu": bond.mtu,
    }
    return network_base.BondGroup(
        name=bond.name,
        mode=bond.mode,
        properties={k: v for k, v in properties.items() if v is not None},
    )


def port_binding(
    node_uuid: str,
    plan: engine_hw.PortPlan,
    nics: dict[str, driver_base.InventoryNic],
) -> network_base.PortBinding:
    """Where one planned network is bound: the node, its NICs, their bond."""
    return network_base.PortBinding(
        host_id=node_uuid,
        links=tuple(_link(mac, nics.get(mac.lower())) for mac in plan.macs),
        bond=_group(plan.bond) if plan.bond else None,
    )


class BindNetworks(workflow.Step):
    """One NIC per requested network on the node's ports; bonds take several.

    Plain networks go on the node's ports in order; a bonded network takes
    ``links`` ports on one physical network of the node (``engine.hardware``)
    and its VIF is bound on the first of them.
    """

    name = "bind_networks"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Bind every requested network (idempotent in the backend)."""
        networks = self.networks(ctx)
        node_uuid = ctx.state["node_uuid"]
        with ctx.deps.db.transaction() as session:
            node = node_db.find(session, node_uuid)
            ports = list(node.ports) if node else []
            server = server_db.find(session, ctx.server_uuid)
            project_id = server.project_id if server else ""
        # NOTE: the live inventory: where each NIC is cabled goes into the
        # port's binding profile, and bonds need the physical networks.
        inventory = ctx.deps.driver.get_inventory(node_uuid)
        nics = {nic.mac.lower(): nic for nic in inventory.nics}
        physnets = {mac: nic.physical_network for mac, nic in nics.items()}
        plan = engine_hw.plan_ports(networks, ports, physnets)
        rctx = ctx.request_context()
        rows = [
            ctx.deps.network.bind(
                rctx,
                ctx.server_uuid,
                port_request(net),
                port_binding(node_uuid, item, nics),
                project_id,
            )
            for net, item in zip(networks, plan, strict=True)
        ]
        bonds = [item.bond for item in plan if item.bond]
        if bonds:
            ctx.state["bonds"] = engine_hw.bonds_json(bonds)
        with ctx.deps.db.transaction() as session:
            server_state.set_nics(session, ctx.server_uuid, rows)
        return workflow.DONE

    def networks(self, ctx: workflow.StepContext) -> list[dict[str, Any]]:
        """The networks to bind (``BuildArgs.networks`` entries)."""
        return workflow_args.BuildArgs.model_validate(ctx.args).networks

    def undo(self, ctx: workflow.StepContext) -> workflow.Result:
        """Release every port of the server and forget its NICs."""
        ctx.deps.network.unbind_all(ctx.request_context(), ctx.server_uuid)
        with ctx.deps.db.transaction() as session:
            server_state.clear_nics(session, ctx.server_uuid)
        return workflow.DONE
