"""What crosses the driver interfaces: nodes, deploy requests, poll answers.

Plain frozen dataclasses, built by the engine or by a driver and never
changed afterwards, so they may be shared between threads. Drivers name
them through ``mogan.drivers.base`` (which re-exports every one); the typed
node inventory lives in ``inventory`` and hardware configuration and
composition in ``hardware``.

What must not live here: behaviour (the interfaces are in ``base``), and
anything of Mogan's database or API (these models are the drivers' own).
"""

import dataclasses
import enum
from typing import Any

from mogan.drivers import hardware as hw


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
    """A node as a driver reports it (and as the fake driver enrolls it).

    Attributes:
        uuid: the node's id in the backend (Mogan uses it as its own).
        name: unique, human-readable; ``list_nodes`` sorts by it.
        resource_class: the node's class (``baremetal-gold``); Placement's
            is ``CUSTOM_`` + its upper-cased form.
        traits: Placement traits (``CUSTOM_RAID10``, ``HW_CPU_X86_AVX2``).
        properties: free-form facts (``cpus``, ``memory_mb``, ``local_gb``).
        ports: MAC addresses of the NICs Mogan may bind networks to, in the
            backend's order (the n-th requested network gets the n-th port).
        ports_version: a digest of what the backend knows of those ports
            beyond their addresses (physical network, switch port, bond),
            when the driver lists it cheaply, else None. When it changes the
            node sync reads the node's inventory again.
        power_state: ``power on``, ``power off`` or None when unknown.
        maintenance: an operator took the node out of service.
        instance_uuid: the server the node is reserved for, or None.
        consumable: whether the node may take a new server right now
            (available, not in maintenance, clean, no instance).
        why_not: why it may not, for operators (None when consumable).
    """

    uuid: str
    name: str
    resource_class: str
    traits: tuple[str, ...] = ()
    properties: dict[str, Any] = dataclasses.field(default_factory=dict)
    ports: tuple[str, ...] = ()
    ports_version: str | None = None
    power_state: str | None = None
    maintenance: bool = False
    instance_uuid: str | None = None
    consumable: bool = True
    why_not: str | None = None


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


@dataclasses.dataclass(frozen=True)
class FixedIp:
    """An address of a NIC, as the network backend allocated it.

    Attributes:
        ip_address: the address (``10.0.0.5``, ``2001:db8::5``).
        version: 4 or 6.
        cidr: the subnet (``10.0.0.0/24``), when known.
        netmask: the subnet's mask (``255.255.255.0``), when known.
        gateway: the subnet's gateway, or None.
    """

    ip_address: str
    version: int = 4
    cidr: str | None = None
    netmask: str | None = None
    gateway: str | None = None


@dataclasses.dataclass(frozen=True)
class Nic:
    """One network of the server on one of the node's ports.

    Attributes:
        mac: the node port's MAC address (one of ``NodeSpec.ports``).
        port_id: the VIF: the network backend's port (a Neutron port id with
            Neutron); a driver attaches it to the node's port.
        network_id: the network the port is on.
        fixed_ips: the port's addresses.
        bond: the name of the bond (``HardwareRequest.bonds``) this NIC is
            a member of, or None for a plain NIC.
    """

    mac: str
    port_id: str
    network_id: str
    fixed_ips: tuple[FixedIp, ...] = ()
    bond: str | None = None


@dataclasses.dataclass(frozen=True)
class DeployRequest:
    """What to put on a node.

    Attributes:
        server_uuid: the server the node is deployed for (its instance id).
        image_url: where the image is fetched from, with no credentials
            (for a Glance image, a temporary URL Mogan's API serves).
        glance_image_id: the image's Glance id when it comes from Glance
            (``[image] backend = glance``), else None. A driver whose
            service reads the same Glance itself (Ironic configured for
            Glance) sends the id instead of ``image_url``.
        image_checksum: checksum of the image (``sha256:<hex>``, or a bare
            hex or URL checksum).
        disk_format: ``raw``, ``qcow2`` ...
        kernel_url: partition images only.
        ramdisk_url: partition images only.
        partitions: ``root_gb``/``ephemeral_gb``/``swap_mb`` for partition
            images, else empty.
        config_drive: OpenStack config drive content (``meta_data.json``,
            ``user_data``, ``network_data.json`` ...) as a mapping of path
            to text, or None. Drivers hand it to the node as it is; the
            networks to plug are in ``nics``, not to be parsed out of it.
        preserve_ephemeral: rebuild only: keep the ephemeral partition.
        nics: the server's NICs, one per bound network, in binding order.
        hardware: RAID, BIOS, firmware and bonds to apply while deploying;
            empty unless the driver has the hardware interface (the engine
            refuses a non-empty one for a driver without it).
    """

    server_uuid: str
    image_url: str
    glance_image_id: str | None = None
    image_checksum: str | None = None
    disk_format: str = "raw"
    kernel_url: str | None = None
    ramdisk_url: str | None = None
    partitions: dict[str, int] = dataclasses.field(default_factory=dict)
    config_drive: dict[str, str] | None = None
    preserve_ephemeral: bool = False
    nics: tuple[Nic, ...] = ()
    hardware: hw.HardwareRequest = dataclasses.field(default_factory=hw.HardwareRequest)


@dataclasses.dataclass(frozen=True)
class BmcAccess:
    """How to reach a node's BMC, for enrolment.

    Attributes:
        address: the driver's own form (``redfish+https://10.0.0.5/redfish/
            v1/Systems/1``, ``ipmi://10.0.0.6``, ``fake://rack1-u07``).
        username: the BMC user, when it needs one.
        password: the BMC password (never logged: ``repr`` leaves it out).
        verify_tls: check the BMC's TLS certificate.
    """

    address: str
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    verify_tls: bool = True
