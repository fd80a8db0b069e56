"""The optional driver interfaces: what a driver may offer beyond the required.

A driver mixes in the ones it can implement on top of ``base.Driver``:
``ConsoleInterface`` (serial console and its log), ``ManageInterface``
(adoption of nodes deployed outside Mogan), ``EnrollInterface`` (adding
nodes from BMC credentials), ``HardwareInterface`` (RAID, BIOS, firmware
and bonds while deploying) and ``CompositionInterface`` (nodes composed
from resource blocks). The engine discovers them through
``mogan.drivers.capabilities``. The rules every driver follows (threads,
idempotency, time, errors) are in ``mogan.drivers.base``, which re-exports
these classes: driver authors and callers name them as ``base.X``.
"""

import abc

from mogan.drivers.hardware import (
    ComposeRequest,
    HardwareRequest,
    HardwareResult,
    ResourceBlock,
)
from mogan.drivers.inventory import Inventory
from mogan.drivers.models import BmcAccess, ManageableNode, NodeSpec, Status

__all__ = [
    "CompositionInterface",
    "ConsoleInterface",
    "EnrollInterface",
    "HardwareInterface",
    "ManageInterface",
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
    """Nodes composed from resource blocks (Redfish CompositionService)."""

    @abc.abstractmethod
    def list_resource_blocks(self) -> list[ResourceBlock]:
        """Every resource block of the composition service, by id.

        Raises:
            DriverError: the backend cannot be reached.
        """

    @abc.abstractmethod
    def start_compose(self, request: ComposeRequest) -> str:
        """Begin composing a node from ``request.blocks``; the new node's uuid.

        The node then behaves like any of the driver's nodes (listed,
        deployed, powered) once ``poll_compose`` says DONE.

        Raises:
            DriverError: a block is in use or unknown, or the service
                refused the composition.
        """

    @abc.abstractmethod
    def poll_compose(self, node_uuid: str) -> Status:
        """Progress of a composition.

        Raises:
            NodeNotFound: no composition made that node.
        """

    @abc.abstractmethod
    def start_decompose(self, node_uuid: str) -> None:
        """Begin giving a composed node's blocks back (a gone node: no-op).

        Raises:
            NodeLocked: the node is busy (retry later).
            DriverError: the service refused.
        """

    @abc.abstractmethod
    def poll_decompose(self, node_uuid: str) -> Status:
        """Progress of a decomposition (DONE once the blocks are free)."""
