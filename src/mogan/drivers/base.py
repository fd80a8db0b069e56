"""The driver SDK: the interfaces a driver implements and the rules it follows.

A driver is how Mogan's engine reaches hardware (Ironic, Redfish BMCs, a
site's own tool, or the fake simulation). Everything a driver author needs
is named here (the data models are re-exported from ``models``,
``inventory`` and ``hardware``), and ``mogan.drivers.testing`` checks a
driver against these rules.

Interfaces
    Required, the ``Driver`` base class: ``InventoryInterface`` (nodes and
    their hardware), ``PowerInterface``, ``DeployInterface``. Optional, mixed
    in by drivers that can: ``ConsoleInterface`` (serial console and its
    log), ``ManageInterface`` (adoption of nodes deployed outside Mogan),
    ``EnrollInterface`` (adding nodes from BMC credentials),
    ``HardwareInterface`` (RAID, BIOS, firmware and bonds while deploying),
    ``CompositionInterface`` (nodes composed from resource blocks),
    ``VifInterface`` (VIFs plugged and unplugged on a deployed node). The
    engine discovers them (``mogan.drivers.capabilities``); asking a driver
    for one it lacks answers 409 ``driver X cannot ...``, never a server
    error. The required ones are declared here; the optional ones live in
    ``mogan.drivers.interfaces`` and are re-exported here, so every
    interface is ``base.X``.

Construction
    A driver is registered under a name in the ``mogan.drivers`` entry-point
    group and chosen by ``[engine] driver``. The engine (and any other
    process that needs it) builds it with ``DriverClass.from_conf(conf)``:
    ``conf`` is Mogan's parsed ``oslo_config.cfg.ConfigOpts``; the driver
    reads its own option group(s) from it (declared by ``list_opts``, see
    Options) and may keep files under ``conf.state_path``. The default
    ``from_conf`` registers the options and calls ``DriverClass(conf)``.
    Building a driver must not reach the backend: a BMC or Ironic that is
    down must not stop Mogan from starting; connect on first use.

Options
    ``list_opts()`` returns ``[(group, [options])]``, one group per driver
    named after it (``[fake]``, ``[ironic]``); ``register_opts(conf)``
    registers them (idempotent). The sample-config generator finds them
    through the entry point, so no list elsewhere names a driver's options.

Threads
    One driver instance serves every worker thread of an engine (16 by
    default): any method may run in several threads at once, on the same
    node or on different ones. Guard shared client objects; never assume
    calls on one node are serialised (the engine's node lock usually does,
    but adoption, consoles and syncs do not take it).

No state of its own
    A driver keeps nothing in memory that must survive a restart: the
    engine may be killed between any two calls and another engine (another
    instance of the driver, another host) continue the work. What a deploy
    or power action is doing lives in the backend (the node's own state),
    and polls read it from there. Caches of backend facts are fine.

Idempotency
    Every call may be repeated with the same arguments, because a resumed
    workflow re-runs the step it was in: a ``start_*`` for the operation
    already running (or done) for the same server changes nothing, a
    teardown of a free node is a no-op, adopting again for the same server
    is a no-op.

Time
    Never block for long: a method answers within seconds (give every
    backend request a timeout). Long operations are started by one call
    (``start_deploy``, ``start_power`` ...) and polled by another; the
    engine waits between polls and owns the deadline (``[engine]
    deploy_timeout`` ...). A poll never changes the node.

Errors
    Every method documents what it raises; each is a ``DriverError``:
    ``NodeNotFound`` (the backend does not know the node; also a
    ``mogan.exception.NotFound``), ``NodeLocked`` (busy: the engine retries
    the step after its poll interval, so raise it only for conditions that
    pass), ``ConsoleUnavailable``, ``BmcRefused``, ``HardwareRejected``,
    ``BlockTaken`` (a composition's block is in another system),
    ``ImageRefused`` (an image the driver cannot deploy on any node), or
    ``DriverError`` itself for any other refusal or failure, with the
    backend's own reason. A poll that finds the operation failed returns
    ``Status(Progress.FAILED, reason)`` rather than raising. Anything else
    escaping a driver is a driver bug and is recorded as such in the
    server's fault.
"""

import abc
from typing import ClassVar, Self

from oslo_config import cfg

from mogan.drivers import store

# NOTE: the errors drivers raise live in ``errors`` (keeping this module
# small); they are part of this contract and named here.
from mogan.drivers.errors import (
    BlockTaken,
    BmcRefused,
    ConsoleUnavailable,
    DriverError,
    HardwareRejected,
    ImageRefused,
    NodeLocked,
    NodeNameTaken,
    NodeNotFound,
)
from mogan.drivers.hardware import (
    BiosSetting,
    Bond,
    ComposeRequest,
    FirmwareUpdate,
    HardwareRequest,
    HardwareResult,
    HardwareSection,
    LogicalDisk,
    ResourceBlock,
    ResourceZone,
    SectionResult,
)
from mogan.drivers.interfaces import (
    CompositionInterface,
    ConsoleInterface,
    EnrollInterface,
    HardwareInterface,
    ManageInterface,
    VifInterface,
)
from mogan.drivers.inventory import (
    BiosAttribute,
    BiosAttributeType,
    Disk,
    DiskType,
    FirmwareComponent,
    Inventory,
    InventoryNic,
    RaidController,
    SwitchPort,
)
from mogan.drivers.models import (
    BmcAccess,
    DeployRequest,
    FixedIp,
    ManageableNode,
    Nic,
    NodeSpec,
    Progress,
    Status,
)

__all__ = [
    "BiosAttribute",
    "BiosAttributeType",
    "BiosSetting",
    "BlockTaken",
    "BmcAccess",
    "BmcRefused",
    "Bond",
    "ComposeRequest",
    "CompositionInterface",
    "ConsoleInterface",
    "ConsoleUnavailable",
    "DeployInterface",
    "DeployRequest",
    "Disk",
    "DiskType",
    "Driver",
    "DriverError",
    "EnrollInterface",
    "FirmwareComponent",
    "FirmwareUpdate",
    "FixedIp",
    "HardwareInterface",
    "HardwareRejected",
    "HardwareRequest",
    "HardwareResult",
    "HardwareSection",
    "ImageRefused",
    "Inventory",
    "InventoryInterface",
    "InventoryNic",
    "LogicalDisk",
    "ManageInterface",
    "ManageableNode",
    "Nic",
    "NodeLocked",
    "NodeNameTaken",
    "NodeNotFound",
    "NodeSpec",
    "PowerInterface",
    "Progress",
    "RaidController",
    "ResourceBlock",
    "ResourceZone",
    "SectionResult",
    "Status",
    "SwitchPort",
    "VifInterface",
]

# ---------------------------------------------------------------- required


class InventoryInterface(abc.ABC):
    """Enumerates the nodes a driver manages and what they are made of."""

    @abc.abstractmethod
    def list_nodes(self) -> list[NodeSpec]:
        """Every node the driver manages, consumable or not, sorted by name.

        Called every ``[engine] sync_nodes_interval`` seconds: one or a few
        backend requests for the whole fleet, not one per node.

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

    @abc.abstractmethod
    def get_inventory(self, node_uuid: str) -> Inventory:
        """The node's hardware, as far as the backend knows it.

        Fill what is known, leave the rest empty; every MAC of
        ``NodeSpec.ports`` is among the inventory's NICs. Called rarely
        (enrolment, a changed node), so several backend requests are fine.

        Raises:
            NodeNotFound: the backend does not know it.
            DriverError: the backend cannot be reached.
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
        """Begin a power action; the same action already running is a no-op.

        ``target`` is one of ``on``, ``off``, ``soft_off``, ``reboot``,
        ``soft_reboot``. Only a deployed node's power is changed.

        Raises:
            NodeNotFound: the backend does not know the node.
            NodeLocked: the node is busy (another action, a deploy).
            DriverError: the backend refused or failed the action.
        """

    @abc.abstractmethod
    def poll_power(self, node_uuid: str) -> Status:
        """Progress of the last power action (DONE when there was none).

        Raises:
            NodeNotFound: the backend does not know the node.
        """


class DeployInterface(abc.ABC):
    """Provisioning: deploy, rebuild and tear down, each started then polled."""

    @abc.abstractmethod
    def start_deploy(self, node_uuid: str, request: DeployRequest) -> None:
        """Reserve the node for ``request.server_uuid`` and begin deploying.

        The reservation is atomic in the backend: of several engines
        deploying one node for different servers at once, one wins and the
        others get ``DriverError``. Plug ``request.nics`` (each VIF on the
        port with its MAC), hand over the config drive as it is, and apply
        ``request.hardware`` (drivers with ``HardwareInterface`` only).
        Idempotent for the same server: a repeated call while that deploy
        is running or done changes nothing; after a failed deploy it
        deploys again.

        Raises:
            NodeNotFound: the backend does not know the node.
            NodeLocked: the node is busy (retry later).
            ImageRefused: the driver cannot deploy this image (its format,
                or a configuration it lacks); raised before the node or
                its BMC is changed.
            DriverError: the node is reserved by another server, not
                available, or the backend refused the deploy.
        """

    @abc.abstractmethod
    def poll_deploy(self, node_uuid: str) -> Status:
        """Progress of the deploy (or rebuild) on the node.

        DONE leaves the node reserved and powered on; FAILED carries the
        backend's reason and leaves the node reserved (a teardown frees it).

        Raises:
            NodeNotFound: the backend does not know the node.
        """

    @abc.abstractmethod
    def start_rebuild(self, node_uuid: str, request: DeployRequest) -> None:
        """Begin re-deploying the node with a (new) image, for the same server.

        Re-issuing a rebuild in progress is a no-op; poll with ``poll_deploy``.

        Raises:
            NodeNotFound: the backend does not know the node.
            NodeLocked: the node is busy (retry later).
            DriverError: the node is not deployed for this server.
        """

    @abc.abstractmethod
    def start_teardown(self, node_uuid: str) -> None:
        """Begin undeploying and cleaning the node and release its reservation.

        Unplugs the VIFs and undoes hardware configuration. Idempotent:
        tearing down a free node, or one being cleaned, is a no-op; during
        a deploy it aborts the deploy (or raises ``NodeLocked`` until the
        backend can).

        Raises:
            NodeNotFound: the backend does not know the node.
            NodeLocked: the node is busy (retry later).
        """

    @abc.abstractmethod
    def poll_teardown(self, node_uuid: str) -> Status:
        """Progress of the teardown; FAILED means cleaning failed.

        DONE leaves the node consumable with no instance; after FAILED the
        node is not consumable (in maintenance) and ``why_not`` says why.

        Raises:
            NodeNotFound: the backend does not know the node.
        """


class Driver(InventoryInterface, PowerInterface, DeployInterface, abc.ABC):
    """What the engine needs from every driver; see the module docstring.

    Subclasses set ``name`` (their entry-point name) and mix in the
    optional interfaces they implement.
    """

    name: str
    # NOTE: a driver with no registry of its own (Redfish) keeps its nodes
    # in Mogan's database: the engine then calls ``use_store`` before use.
    needs_store: ClassVar[bool] = False

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        """Keep ``conf`` (its options registered); reach no backend yet."""
        type(self).register_opts(conf)
        self.conf = conf
        self.node_store: store.NodeStore | None = None
        self.media_store: store.MediaStore | None = None

    def use_store(
        self, nodes: store.NodeStore, media: store.MediaStore | None = None
    ) -> None:
        """Keep enrolled nodes in ``nodes`` and serve deploy media from ``media``."""
        self.node_store = nodes
        self.media_store = media

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> Self:
        """The driver as the engine builds it from Mogan's configuration."""
        cls.register_opts(conf)
        return cls(conf)

    @classmethod
    def list_opts(cls) -> list[tuple[str, list[cfg.Opt]]]:
        """The driver's option groups, ``[(group name, options)]``."""
        return []

    @classmethod
    def register_opts(cls, conf: cfg.ConfigOpts) -> None:
        """Register ``list_opts`` on ``conf`` (again is harmless)."""
        for name, opts in cls.list_opts():
            # NOTE: a fresh group per ConfigOpts: oslo.config copies a
            # registered group shallowly, so overrides would leak.
            group = cfg.OptGroup(name, title=f"{cls.name} driver options")
            conf.register_group(group)
            conf.register_opts(opts, group=group)
