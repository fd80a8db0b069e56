"""The optional driver interfaces: what a driver may offer beyond the required.

A driver mixes in the ones it can implement on top of ``base.Driver``:
``ConsoleInterface`` (serial console and its log), ``ManageInterface``
(adoption of nodes deployed outside Mogan), ``EnrollInterface`` (adding
nodes from BMC credentials), ``HardwareInterface`` (RAID, BIOS, firmware
and bonds while deploying), ``CompositionInterface`` (systems
composed from the resource blocks of a composition service) and
``VifInterface`` (network ports plugged and unplugged one at a time on a
node that carries a server: interface attach and detach). The engine
discovers them through ``mogan.drivers.capabilities``. The rules every
driver follows (threads, idempotency, time, errors) are in
``mogan.drivers.base``, which re-exports these classes: driver authors and
callers name them as ``base.X``.
"""

import abc
import dataclasses

from mogan.drivers.hardware import (
    ComposeRequest,
    HardwareRequest,
    HardwareResult,
    ResourceBlock,
    ResourceZone,
)
from mogan.drivers.inventory import Inventory
from mogan.drivers.models import BmcAccess, ManageableNode, Nic, NodeSpec, Status

__all__ = [
    "CompositionInterface",
    "ConsoleInterface",
    "EnrollInterface",
    "HardwareInterface",
    "ManageInterface",
    "VifInterface",
]


class ConsoleInterface(abc.ABC):
    """Serial console access and its recent output."""

    @abc.abstractmethod
    def get_console(self, node_uuid: str, kind: str) -> dict[str, str]:
        """``{"type": kind, "url": ...}`` to reach the node's serial console.

        Raises:
            NodeNotFound: the backend does not know the node.
            ConsoleUnavailable: no console of that kind.
        """

    @abc.abstractmethod
    def console_log(self, node_uuid: str) -> str:
        """Recent serial console output (empty when the node printed nothing).

        Raises:
            NodeNotFound: the backend does not know the node.
            ConsoleUnavailable: the backend keeps no console output at all
                (kind ``log``); Mogan answers that the driver cannot show a
                console log.
        """


class ManageInterface(abc.ABC):
    """Adoption: nodes deployed outside Mogan become servers."""

    @abc.abstractmethod
    def list_manageable(self) -> list[ManageableNode]:
        """Nodes that are deployed (active), not in maintenance, with no instance.

        Raises:
            DriverError: the backend cannot be reached.
        """

    @abc.abstractmethod
    def adopt(self, node_uuid: str, server_uuid: str) -> None:
        """Record ``server_uuid`` as the node's instance, leaving it running.

        Adopting again for the same server is a no-op.

        Raises:
            NodeNotFound: the backend does not know the node.
            NodeLocked: the backend is busy with the node; retry later.
            DriverError: the node is not manageable (not active, in
                maintenance, or already has an instance).
        """


class EnrollInterface(abc.ABC):
    """Adds nodes to the driver's backend (standalone sites, simulators)."""

    @abc.abstractmethod
    def validate_bmc(self, bmc: BmcAccess) -> Inventory:
        """Check that the BMC answers to these credentials; the node's hardware.

        Changes nothing: the operator sees what would be enrolled.

        Raises:
            BmcRefused: unreachable, or the credentials are refused.
        """

    @abc.abstractmethod
    def enroll(self, node: NodeSpec, bmc: BmcAccess | None = None) -> bool:
        """Register ``node`` (reached through ``bmc``); False if already there.

        Idempotent by ``node.uuid``. A spec with an ``instance_uuid``
        enrolls a node already deployed for that server.

        Raises:
            BmcRefused: the BMC is unreachable or refuses the credentials.
            DriverError: the backend refused the node (a name taken ...).
        """

    @abc.abstractmethod
    def update_node(self, node: NodeSpec, bmc: BmcAccess | None = None) -> None:
        """Change an enrolled node's name, resource class, traits, properties.

        ``node.uuid`` names the node; its ports change when ``node.ports``
        is given, everything else (power, maintenance, the server it
        carries) stays the driver's. With ``bmc`` the node is reached
        through it from now on: it is validated first (as
        ``validate_bmc``) and nothing changes when it refuses.

        Raises:
            NodeNotFound: the backend does not know the node.
            BmcRefused: the new BMC is unreachable or refuses.
            DriverError: the backend refused (another node has the name).
        """

    @abc.abstractmethod
    def unenroll(self, node_uuid: str) -> None:
        """Remove an enrolled node and what the driver keeps of it.

        Idempotent: a node the backend does not know is already gone.

        Raises:
            DriverError: the node is reserved for a server (it stays).
        """


class HardwareInterface(abc.ABC):
    """RAID, BIOS, firmware and bonds, applied while deploying.

    A driver with this interface applies ``DeployRequest.hardware`` during
    ``start_deploy``/``start_rebuild`` (``poll_deploy`` FAILED names the
    section that failed) and restores the node during ``start_teardown``
    (RAID volumes deleted, BIOS back to its defaults, bonds removed;
    firmware stays), so the next server finds the node as it was.
    """

    @abc.abstractmethod
    def validate_hardware(self, node_uuid: str, request: HardwareRequest) -> None:
        """Check that the node can take ``request``; changes nothing.

        Checked against the node's inventory (RAID levels its controllers
        support, disk counts and types, BIOS registry names, types and
        bounds, firmware components, bond members among its ports).
        Backends that silently skip what they cannot do (Ironic skips
        unknown deploy steps) must be checked here, not trusted.

        Raises:
            NodeNotFound: the backend does not know the node.
            HardwareRejected: a section cannot be applied (says which, why).
        """

    @abc.abstractmethod
    def hardware_result(self, node_uuid: str) -> HardwareResult:
        """What the node's last deploy applied, one result per section asked.

        Raises:
            NodeNotFound: the backend does not know the node.
        """


class CompositionInterface(abc.ABC):
    """Systems composed from resource blocks (a Redfish CompositionService).

    Mogan registers several composition services; every call names the one
    it is about by its address and credentials (``service``: for Redfish
    ``https://host[:port]``, the service root's scheme and authority).
    Composition is *specific*: Mogan picks the blocks (Placement claimed
    them), the service only checks and allocates them. A composed system
    is then enrolled like any node of the driver, reached through
    ``composed_bmc`` (``EnrollInterface.enroll``).
    """

    @abc.abstractmethod
    def list_resource_zones(self, service: BmcAccess) -> list[ResourceZone]:
        """Every resource zone of the service, with its blocks and limits.

        Raises:
            BmcRefused: unreachable, or the credentials are refused.
            DriverError: the service has no composition service.
        """

    @abc.abstractmethod
    def list_resource_blocks(self, service: BmcAccess) -> list[ResourceBlock]:
        """Every resource block of the service, with state and capacities.

        Raises:
            BmcRefused: unreachable, or the credentials are refused.
            DriverError: the service has no composition service.
        """

    @abc.abstractmethod
    def start_compose(self, service: BmcAccess, request: ComposeRequest) -> str:
        """Ask the service for a system of ``request.blocks``; the system's path.

        The path (``/redfish/v1/Systems/<id>``, chosen by the service)
        names the system in the other calls. Asking again for a system of
        that name and blocks that exists already gives its path.

        Raises:
            BlockTaken: a block is in another system (names the block,
                or ``block`` is None when the service did not say which
                and it cannot be told; nothing was allocated).
            BmcRefused: unreachable, or the credentials are refused.
            DriverError: the service refused the blocks (unknown, of
                different zones, outside the zone's limits: its message),
                or the name is another system's.
        """

    @abc.abstractmethod
    def find_system(
        self, service: BmcAccess, name: str, blocks: tuple[str, ...] = ()
    ) -> str | None:
        """The path of the service's system named ``name``, or None.

        How a caller finds a system whose ``start_compose`` answer it never
        got (the service made it, the response was lost). ``blocks``: the
        ids of the blocks it would be made of, when the caller knows them:
        only the systems those blocks are in are read (else every system
        of the service is).

        Raises:
            BmcRefused: unreachable, or the credentials are refused.
            DriverError: the service could not be read.
        """

    @abc.abstractmethod
    def poll_compose(self, service: BmcAccess, system_path: str) -> Status:
        """Progress of a composition: DONE once the system's blocks are Composed.

        FAILED (with the reason) when a block failed or the system is gone.
        """

    @abc.abstractmethod
    def start_decompose(self, service: BmcAccess, system_path: str) -> None:
        """Ask the service to give a composed system's blocks back.

        A system that is gone already: no-op.

        Raises:
            BmcRefused: unreachable, or the credentials are refused.
            DriverError: the service refused.
        """

    @abc.abstractmethod
    def poll_decompose(
        self, service: BmcAccess, system_path: str, blocks: tuple[str, ...] = ()
    ) -> Status:
        """Progress of a decomposition: DONE once the system is gone, blocks Unused.

        ``blocks``: the ids of the blocks the system was made of, when the
        caller knows them: only those are read back (else every block of
        the service is).
        """

    def composed_bmc(self, service: BmcAccess, system_path: str) -> BmcAccess:
        """How to reach a composed system as a node (to ``enroll`` it).

        The default is the service's address followed by the system's
        path, with the service's credentials.
        """
        return dataclasses.replace(
            service, address=service.address.rstrip("/") + system_path
        )


class VifInterface(abc.ABC):
    """Network ports (VIFs) plugged on a deployed node one at a time.

    A deploy plugs ``DeployRequest.nics`` and a teardown unplugs every VIF
    (``DeployInterface``); this interface adds one VIF to a node that
    carries a server, or removes one, while it runs (v1's interface attach
    and detach). The guest's network configuration is not changed.
    """

    @abc.abstractmethod
    def attach_vif(self, node_uuid: str, nic: Nic) -> None:
        """Plug the VIF ``nic.port_id`` on the node's port ``nic.mac``.

        Idempotent: the same VIF already plugged is a no-op. A backend that
        picks the physical port itself (Ironic) may plug it elsewhere.

        Raises:
            NodeNotFound: the backend does not know the node.
            NodeLocked: the node is busy (retry later).
            DriverError: the node carries no server, has no port ``nic.mac``,
                or that port has another VIF.
        """

    @abc.abstractmethod
    def detach_vif(self, node_uuid: str, port_id: str) -> None:
        """Unplug the VIF ``port_id`` from the node; one not plugged is a no-op.

        Raises:
            NodeNotFound: the backend does not know the node.
            NodeLocked: the node is busy (retry later).
            DriverError: the backend refused.
        """
