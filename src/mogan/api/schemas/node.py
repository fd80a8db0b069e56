"""Node response bodies and list filters (v1 section 1.11, details at 1.2).

Below microversion 1.2 the list holds node names only, as in v1; from 1.2
it holds node objects. ``GET /v1/nodes/{node}`` shows an object at every
version, with the node's hardware ``inventory`` from 1.5 (the names of the
driver's typed inventory, ``mogan.drivers.inventory``).
"""

from typing import Literal

import pydantic

from mogan.api.schemas import common
from mogan.api.schemas import flavor as flavor_schema
from mogan.api.schemas import node_enrolment as enrol_schema


class NodeAggregate(common.Response):
    """An aggregate the node is in."""

    uuid: str
    name: str


class InventoryDisk(common.Response):
    """A physical disk."""

    name: str
    size_gb: int = pydantic.Field(description="Capacity in GiB, rounded down.")
    type: Literal["hdd", "ssd", "nvme"]
    rotational: bool
    controller: str | None = pydantic.Field(
        default=None, description="The RAID controller it hangs off, if any."
    )
    model: str | None = None
    serial: str | None = None
    wwn: str | None = None


class InventoryRaidController(common.Response):
    """Something that builds RAID volumes (``software``: the OS's own RAID)."""

    name: str
    raid_levels: list[str]
    software: bool


class InventorySwitchPort(common.Response):
    """Where a NIC is cabled (Ironic's ``local_link_connection``)."""

    switch_id: str | None = None
    port_id: str | None = None
    switch_info: str | None = None


class InventoryNic(common.Response):
    """A network interface."""

    mac: str
    speed_mbps: int | None = None
    physical_network: str | None = None
    name: str | None = None
    switch_port: InventorySwitchPort | None = None
    port_group: str | None = pydantic.Field(
        default=None,
        description="The bond (Ironic port group) it is a member of, if any.",
    )


class InventoryBiosAttribute(common.Response):
    """A BIOS setting with its registry entry (Ironic's names)."""

    current_value: str | None = None
    attribute_type: (
        Literal["Enumeration", "String", "Integer", "Boolean", "Password"] | None
    ) = None
    allowable_values: list[str]
    lower_bound: int | None = None
    upper_bound: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    read_only: bool
    reset_required: bool


class InventoryFirmware(common.Response):
    """A firmware component (Ironic's ``/firmware`` names)."""

    component: str
    current_version: str | None = None
    initial_version: str | None = None
    last_version_flashed: str | None = None


class NodeInventory(common.Response):
    """The node's hardware as its driver reports it."""

    cpus: int | None = None
    cpu_arch: str | None = None
    memory_mb: int | None = None
    disks: list[InventoryDisk]
    raid_controllers: list[InventoryRaidController]
    nics: list[InventoryNic]
    bios: dict[str, InventoryBiosAttribute] = pydantic.Field(
        description="BIOS attribute name -> its value and registry entry."
    )
    firmware: list[InventoryFirmware]


class Node(common.Response):
    """A node as Mogan sees it."""

    uuid: str
    name: str
    driver: str
    resource_class: str
    traits: list[str]
    aggregates: list[NodeAggregate]
    availability_zone: str | None = None
    affinity_zone: str | None = None
    failure_domains: dict[str, str] = pydantic.Field(
        description="Failure-domain level -> the node's domain at that level."
    )
    power_state: str | None = None
    maintenance: bool
    consumable: bool
    why_not: str | None = pydantic.Field(
        default=None,
        description="Why the node cannot take a server; null when it can.",
    )
    allocated: bool = pydantic.Field(description="A Placement claim holds the node.")
    server_uuid: str | None = None
    inventory: NodeInventory | None = pydantic.Field(
        default=None,
        description=(
            "The node's hardware (microversion 1.5, node show only); null "
            "until the engine has read it."
        ),
    )
    driver_info: enrol_schema.NodeDriverInfo | None = pydantic.Field(
        default=None,
        description=(
            "How the node's BMC is reached (microversion 1.6; null for nodes "
            "not enrolled through the API). Never the password."
        ),
    )
    links: list[common.Link]
    created_at: str | None = None
    updated_at: str | None = None


class NodeList(common.Response):
    """``GET /v1/nodes``: names below microversion 1.2, node objects from 1.2."""

    nodes: list[Node] | list[str]


class NodeListQuery(common.PageQuery):
    """Filters and paging of the node list (by name; ``marker`` is a node uuid)."""

    resource_class: common.Name | None = None
    availability_zone: common.Name | None = None
    consumable: flavor_schema.Boolean | None = None
    maintenance: flavor_schema.Boolean | None = None
