"""Driver interfaces (see docs/drivers.md), one ABC per concern.

A driver is a class that composes these interfaces. The engine never blocks
on hardware: long operations are *started* by one call and *polled* by
another, and the engine's workflow step turns "not finished yet" into a
"wait N seconds" so no thread sleeps on a BMC.

Every method documents the exceptions it may raise; anything else escaping a
driver is a driver bug and is recorded as such in the server's fault.
"""

import abc
import dataclasses
import enum
from typing import Any

from mogan import exception


class DriverError(exception.MoganError):
    """The backend failed or refused an operation."""

    msg_fmt = "Driver error on node {node}: {reason}"
    code = "mogan.driver.error"


class NodeNotFound(exception.NotFound):
    """The backend does not know the node."""

    msg_fmt = "Node {node} could not be found."
    code = "mogan.node.not_found"


class NodeLocked(DriverError):
    """The backend has the node busy; retry later (safe to retry)."""

    msg_fmt = "Node {node} is locked by the backend: {reason}"
    code = "mogan.driver.node_locked"


class ConsoleUnavailable(DriverError):
    """The node has no console of the requested kind."""

    msg_fmt = "Node {node} has no {kind} console."
    code = "mogan.driver.console_unavailable"


class Progress(enum.Enum):
    """How far a started long operation has got."""

    IN_PROGRESS = "in-progress"
    DONE = "done"
    FAILED = "failed"


@dataclasses.dataclass(frozen=True)
class Status:
    """The answer of a poll: progress and, on failure, the backend's reason."""

    progress: Progress
    error: str | None = None


@dataclasses.dataclass(frozen=True)
class NodeSpec:
    """A node as a driver reports it.

    ``consumable`` says whether the node may take a new server right now
    (available, not in maintenance, clean, no instance); ``why_not`` says why
    it may not, for operators.
    """

    uuid: str
    name: str
    resource_class: str
    traits: tuple[str, ...] = ()
    properties: dict[str, Any] = dataclasses.field(default_factory=dict)
    ports: tuple[str, ...] = ()
    power_state: str | None = None
    maintenance: bool = False
    instance_uuid: str | None = None
    consumable: bool = True
    why_not: str | None = None


@dataclasses.dataclass(frozen=True)
class DeployRequest:
    """What to put on a node.

    Attributes:
        server_uuid: the server the node is deployed for (its instance id).
        image_url: where the image is fetched from.
        image_checksum: checksum of the image.
        disk_format: ``raw``, ``qcow2`` ...
        kernel_url: partition images only.
        ramdisk_url: partition images only.
        partitions: ``root_gb``/``ephemeral_gb``/``swap_mb`` for partition
            images, else empty.
        config_drive: OpenStack config drive content (``meta_data.json``,
            ``user_data``, ``network_data.json`` ...) as a mapping of path
            to text, or None.
        preserve_ephemeral: rebuild only: keep the ephemeral partition.
    """

    server_uuid: str
    image_url: str
    image_checksum: str | None = None
    disk_format: str = "raw"
    kernel_url: str | None = None
    ramdisk_url: str | None = None
    partitions: dict[str, int] = dataclasses.field(default_factory=dict)
    config_drive: dict[str, str] | None = None
    preserve_ephemeral: bool = False


class InventoryInterface(abc.ABC):
    """Enumerates the nodes a driver manages."""

    @abc.abstractmethod
    def list_nodes(self) -> list[NodeSpec]:
        """Every node the driver manages, consumable or not, by name.

        Raises:
            DriverError: the backend cannot be reached.
        """

    @abc.abstractmethod
    def get_node(self, node_uuid: str) -> NodeSpec:
        """One node.

        Raises:
            NodeNotFound: the backend does not know it.
            DriverError: the backend cannot be reached.
        """


class EnrollInterface(abc.ABC):
    """Adds nodes to the driver's backend (simulators and standalone sites)."""

    @abc.abstractmethod
    def enroll(self, node: NodeSpec) -> bool:
        """Register ``node``; returns False when it was already enrolled.

        Raises:
            DriverError: the backend refused the node.
        """


class PowerInterface(abc.ABC):
    """Power control: start a change, then poll it."""

    @abc.abstractmethod
    def get_power_state(self, node_uuid: str) -> str | None:
        """``power on``, ``power off`` or None when unknown.

        Raises:
            NodeNotFound: the backend does not know the node.
        """

    @abc.abstractmethod
    def start_power(self, node_uuid: str, target: str) -> None:
        """Begin a power action.

        ``target`` is one of ``on``, ``off``, ``soft_off``, ``reboot``,
        ``soft_reboot``.

        Raises:
            NodeNotFound: the backend does not know the node.
            NodeLocked: the node is busy (retry later).
            DriverError: the backend refused or failed the action.
        """

    @abc.abstractmethod
    def poll_power(self, node_uuid: str) -> Status:
        """Progress of the last power action.

        Raises:
            NodeNotFound: the backend does not know the node.
        """


class DeployInterface(abc.ABC):
    """Provisioning: deploy, rebuild and tear down, each started then polled."""

    @abc.abstractmethod
    def start_deploy(self, node_uuid: str, request: DeployRequest) -> None:
        """Reserve the node for ``request.server_uuid`` and begin deploying.

        Idempotent for the same server: a repeated call while that deploy is
        running or done changes nothing (so a resumed workflow can re-issue it).

        Raises:
            NodeNotFound: the backend does not know the node.
            NodeLocked: the node is busy (retry later).
            DriverError: the node is reserved by another server or the
                backend refused the deploy.
        """

    @abc.abstractmethod
    def poll_deploy(self, node_uuid: str) -> Status:
        """Progress of the deploy (or rebuild) on the node.

        Raises:
            NodeNotFound: the backend does not know the node.
        """

    @abc.abstractmethod
    def start_rebuild(self, node_uuid: str, request: DeployRequest) -> None:
        """Begin re-deploying the node with a (new) image.

        Raises:
            NodeNotFound: the backend does not know the node.
            NodeLocked: the node is busy (retry later).
            DriverError: the node is not deployed for this server.
        """

    @abc.abstractmethod
    def start_teardown(self, node_uuid: str) -> None:
        """Begin undeploying and cleaning the node and release its reservation.

        Idempotent: tearing down a free node is a no-op.

        Raises:
            NodeNotFound: the backend does not know the node.
            NodeLocked: the node is busy (retry later).
        """

    @abc.abstractmethod
    def poll_teardown(self, node_uuid: str) -> Status:
        """Progress of the teardown; FAILED means cleaning failed.

        Raises:
            NodeNotFound: the backend does not know the node.
        """


class ConsoleInterface(abc.ABC):
    """Serial console access."""

    @abc.abstractmethod
    def get_console(self, node_uuid: str, kind: str) -> dict[str, str]:
        """``{"type": kind, "url": ...}`` to reach the node's serial console.

        Raises:
            NodeNotFound: the backend does not know the node.
            ConsoleUnavailable: no console of that kind.
        """

    @abc.abstractmethod
    def console_log(self, node_uuid: str) -> str:
        """Recent serial console output.

        Raises:
            NodeNotFound: the backend does not know the node.
        """


@dataclasses.dataclass(frozen=True)
class ManageableNode:
    """A node deployed outside Mogan that may be adopted as a server (v1 1.13).

    ``ports`` are the MAC addresses of its NICs, in the backend's order.
    """

    uuid: str
    name: str
    resource_class: str
    power_state: str | None = None
    provision_state: str = "active"
    ports: tuple[str, ...] = ()
    image_source: str | None = None


class ManageInterface(abc.ABC):
    """Adoption: nodes deployed outside Mogan become servers."""

    @abc.abstractmethod
    def list_manageable(self) -> list[ManageableNode]:
        """Nodes that are deployed (active), not in maintenance, with no instance."""

    @abc.abstractmethod
    def adopt(self, node_uuid: str, server_uuid: str) -> None:
        """Record ``server_uuid`` as the node's instance, leaving it running.

        Raises:
            NodeNotFound: the backend does not know the node.
            NodeLocked: the backend is busy with the node; retry later.
            DriverError: the node is not manageable (not active, in
                maintenance, or already has an instance).
        """


class Driver(
    InventoryInterface,
    PowerInterface,
    DeployInterface,
    ConsoleInterface,
    ManageInterface,
    abc.ABC,
):
    """What the engine needs from every driver."""

    name: str
