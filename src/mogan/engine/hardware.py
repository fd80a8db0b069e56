"""A build's hardware configuration: bonds on the node's ports, checks, results.

The build flow calls these around its steps: ``plan_ports`` picks the node
ports of every requested network (a bond takes N ports on one physical
network of the node), ``request_for`` gives the hardware request to deploy
(the build's, plus the bonds resolved to ports), ``check`` refuses it
before anything runs (a driver without the hardware interface: 409, not
retried elsewhere; a node that cannot take it: ``HardwareRejected``, which
another node may take), and ``collect`` reads the driver's per-section
result after the deploy, which the flow records through
``services.server_state``.

What must not live here: the flow's steps (``build``) and server rows
(``services.server_state``).
"""

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from mogan.drivers import base as driver_base
from mogan.drivers import capabilities as driver_caps
from mogan.drivers import hardware as hw
from mogan.engine import workflow
from mogan.services import workflow_args

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class PortPlan:
    """The node ports one requested network goes on.

    Attributes:
        net_id: the network.
        macs: its ports; the VIF is bound on the first (a bond's members
            all carry it).
        bond: the bond made of ``macs``, or None for a plain NIC.
    """

    net_id: str
    macs: tuple[str, ...]
    bond: hw.Bond | None = None


def plan_ports(
    networks: Sequence[dict[str, Any]],
    ports: Sequence[str],
    physnets: dict[str, str | None],
) -> list[PortPlan]:
    """Which node ports each network takes, in the order of ``networks``.

    Bonds are placed first, each on ``links`` free ports of one physical
    network (the first one in port order with enough free ports); plain
    networks then take the free ports in the node's order (the n-th
    network the n-th port when nothing is bonded).

    Args:
        networks: ``BuildArgs.networks``.
        ports: the node's port MACs, in the backend's order.
        physnets: lower-cased MAC to the physical network it is cabled to.

    Raises:
        StepFailed: the node has too few ports (another node may have them).
    """
    free = list(ports)
    planned: dict[int, PortPlan] = {}
    bond_count = 0
    for index, net in enumerate(networks):
        bond = workflow_args.bond_of(net)
        if bond is None:
            continue
        groups: dict[str | None, list[str]] = {}
        for mac in free:
            groups.setdefault(physnets.get(mac.lower()), []).append(mac)
        members = next(
            (macs[: bond.links] for macs in groups.values() if len(macs) >= bond.links),
            None,
        )
        if members is None:
            raise workflow.StepFailed(
                reason=(
                    f"node has no {bond.links} free ports on one physical network "
                    f"for the bond of network {net['net_id']}"
                )
            )
        free = [mac for mac in free if mac not in members]
        planned[index] = PortPlan(
            net_id=str(net["net_id"]),
            macs=tuple(members),
            bond=hw.Bond(
                name=f"bond{bond_count}",
                mode=bond.mode,
                links=tuple(members),
                miimon=bond.miimon,
                xmit_hash_policy=bond.xmit_hash_policy,
                lacp_rate=bond.lacp_rate,
                mtu=bond.mtu,
            ),
        )
        bond_count += 1
    plain = [i for i in range(len(networks)) if i not in planned]
    if len(plain) > len(free):
        raise workflow.StepFailed(
            reason=f"node has {len(ports)} ports for {len(networks)} networks"
        )
    for index, mac in zip(plain, free, strict=False):
        planned[index] = PortPlan(net_id=str(networks[index]["net_id"]), macs=(mac,))
    return [planned[i] for i in range(len(networks))]


def bonds_json(bonds: Sequence[hw.Bond]) -> list[dict[str, Any]]:
    """Bonds as kept in the build's state."""
    return [dataclasses.asdict(bond) | {"links": list(bond.links)} for bond in bonds]


def bonds_of(state: dict[str, Any]) -> tuple[hw.Bond, ...]:
    """The bonds ``bind_networks`` resolved, from the build's state."""
    return tuple(
        hw.Bond(**(data | {"links": tuple(data["links"])}))
        for data in state.get("bonds") or []
    )


def recorded_bonds(hardware_result: dict[str, Any] | None) -> tuple[hw.Bond, ...]:
    """The bonds a server's build applied (``servers.hardware_result``).

    A rebuild keeps the node's configuration: its NICs name these bonds.
    """
    entry = (hardware_result or {}).get("bonds") or {}
    applied = (entry.get("applied") or {}).get("bonds") or []
    fields = {f.name for f in dataclasses.fields(hw.Bond)}
    return tuple(
        hw.Bond(
            **(
                {k: v for k, v in data.items() if k in fields}
                | {"links": tuple(data["links"])}
            )
        )
        for data in applied
    )


def request_for(ctx: workflow.StepContext) -> hw.HardwareRequest:
    """The hardware to apply: the build's request and its resolved bonds."""
    args = workflow_args.BuildArgs.model_validate(ctx.args)
    request = workflow_args.hardware_of(args) or hw.HardwareRequest()
    bonds = bonds_of(ctx.state)
    if bonds:
        request = dataclasses.replace(request, bonds=bonds)
    return request


def sections_of(ctx: workflow.StepContext) -> list[str]:
    """The names of the sections the build asks for (empty: none)."""
    return [section.value for section in request_for(ctx).sections()]


def check(
    driver: driver_base.Driver, node_uuid: str, request: hw.HardwareRequest
) -> None:
    """Refuse a hardware request the driver or the node cannot take.

    Raises:
        DriverCannot: the driver has no hardware interface (409; no other
            node would do better).
        HardwareRejected: this node cannot take a section (another may).
    """
    if not request:
        return
    configurer = driver_caps.require(
        driver, driver_base.HardwareInterface, "configure hardware"
    )
    configurer.validate_hardware(node_uuid, request)


def collect(ctx: workflow.StepContext) -> None:
    """Keep the driver's per-section result of this build's deploy in the state.

    Only once the deploy started (an earlier result on the node is another
    server's); a driver that cannot tell leaves the sections as they were.
    """
    node_uuid = ctx.state.get("node_uuid")
    if not node_uuid or "deploy_started_at" not in ctx.state or not sections_of(ctx):
        return
    driver = ctx.deps.driver
    if not isinstance(driver, driver_base.HardwareInterface):
        return
    try:
        result = driver.hardware_result(node_uuid)
    except driver_base.DriverError as err:
        LOG.warning("hardware result of node %s not read: %s", node_uuid, err)
        return
    ctx.state["hardware_result"] = {
        r.section.value: {"applied": r.applied, "error": r.error, "details": r.details}
        for r in result.sections
    }
