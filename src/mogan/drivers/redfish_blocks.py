"""Reading a Redfish CompositionService: its blocks, zones and systems as JSON.

``Service`` reads the standard resources through sushy's connector (its
session, retries, timeouts and TLS settings); ``Parts`` adds up a block's
capacities from its processors, memory, drives and NICs. The driver's
``CompositionInterface`` (``redfish_composition``) composes and polls with
them.

NOTE: sushy 5.14 is read around, not used, for the composition resources:
its ``CompositionService.resource_blocks`` and ``.resource_zones`` raise
``AttributeError: 'function' object has no attribute 'decode'`` (the path
method is passed to the collection uncalled), and its
``ResourceBlock.resource_block_type`` maps the ``ResourceBlockType`` array
as one value (always ``None``); it has no compose or decompose at all. So
this module reads the standard JSON through sushy's connector. Drop it for
sushy's resources once a release fixes both defects
(``tests/redfish/test_composition.py::test_read_the_service_through_the_workaround``
asserts them and fails when they are fixed).

What must not live here: composing, decomposing and polling (the
driver's ``redfish_composition``).
"""

import contextlib
from collections import Counter
from collections.abc import Callable
from concurrent import futures
from typing import Any, TypeVar

from sushy import exceptions as sushy_exc

from mogan.drivers import errors, hardware

_T = TypeVar("_T")
_R = TypeVar("_R")
GIB = 1024**3
USE_CASE = "ComputerSystemComposition"
LIMITS = "@Redfish.ResourceBlockLimits"
# NOTE: a block's parts read for its capacities, and where each goes.
PART_LINKS = ("Processors", "Memory", "Drives", "EthernetInterfaces", "Storage")


def tail(path: str) -> str:
    """The last segment of a path (a resource's id)."""
    return path.rstrip("/").rsplit("/", 1)[-1]


def links(value: Any) -> list[str]:
    """The ``@odata.id`` of each reference in a list (or one reference)."""
    items = value if isinstance(value, list) else [value] if value else []
    return [
        str(i["@odata.id"]) for i in items if isinstance(i, dict) and i.get("@odata.id")
    ]


class Service:
    """One composition service, read through sushy's connector."""

    def __init__(self, root: Any, address: str, workers: int) -> None:
        """Find the service's collections from the (cached) service root.

        Raises:
            DriverError: the root links no CompositionService.
        """
        self.address = address
        self.workers = workers
        # NOTE: sushy offers no public accessor of its connector.
        self.conn = root._conn  # noqa: SLF001
        self.systems = (links(root.json.get("Systems")) or ["/redfish/v1/Systems"])[0]
        service = links(root.json.get("CompositionService"))
        if not service:
            raise errors.DriverError(
                node=address, reason="the service has no CompositionService"
            )
        try:
            body = self.get(service[0])
        except sushy_exc.ResourceNotFoundError as err:
            # NOTE: the root is read once per connection; a service turned
            # off since then answers 404 here.
            raise errors.DriverError(
                node=address, reason="the service has no CompositionService"
            ) from err
        self.blocks_path = (links(body.get("ResourceBlocks")) or [""])[0]
        self.zones_path = (links(body.get("ResourceZones")) or [""])[0]
        if not self.blocks_path:
            raise errors.DriverError(
                node=address, reason="the CompositionService has no ResourceBlocks"
            )

    def get(self, path: str) -> dict[str, Any]:
        """The JSON of a resource."""
        body = self.conn.get(path).json()
        return body if isinstance(body, dict) else {}

    def get_if_there(self, path: str) -> dict[str, Any]:
        """The JSON of a resource; empty when it is gone (404)."""
        try:
            return self.get(path)
        except sushy_exc.ResourceNotFoundError:
            return {}

    def members(self, path: str) -> list[str]:
        """The member paths of a collection."""
        return links(self.get(path).get("Members")) if path else []

    def map(self, read: Callable[[_T], _R], items: list[_T]) -> list[_R]:
        """``read`` of every item, a few at a time, in order."""
        if len(items) <= 1:
            return [read(i) for i in items]
        with futures.ThreadPoolExecutor(min(len(items), self.workers)) as pool:
            return list(pool.map(read, items))

    # ------------------------------------------------------------ blocks

    def block_paths(self, ids: tuple[str, ...]) -> list[str]:
        """The paths of blocks named by id."""
        return [f"{self.blocks_path}/{block_id}" for block_id in ids]

    def raw_blocks(self) -> list[dict[str, Any]]:
        """Every block's own JSON (no parts)."""
        return self.map(self.get, self.members(self.blocks_path))

    def block(self, raw: dict[str, Any]) -> hardware.ResourceBlock:
        """A block with the capacities of its parts."""
        types = raw.get("ResourceBlockType") or []
        status = raw.get("CompositionStatus") or {}
        linked = raw.get("Links") or {}
        systems = links(linked.get("ComputerSystems"))
        parts = Parts()
        for name in PART_LINKS:
            for path in links(raw.get(name)):
                parts.add(name, self.get(path), self)
        return hardware.ResourceBlock(
            id=str(raw.get("Id") or tail(str(raw.get("@odata.id", "")))),
            block_types=(types,) if isinstance(types, str) else tuple(types),
            zones=tuple(tail(z) for z in links(linked.get("Zones"))),
            chassis=tuple(dict.fromkeys(tail(c) for c in links(linked.get("Chassis")))),
            composition_state=str(status.get("CompositionState") or "Unused"),
            reserved=bool(status.get("Reserved")),
            system=systems[0] if systems else None,
            cpus=parts.cpus,
            cores=parts.cores,
            memory_mb=parts.memory_mb,
            storage_gb=parts.storage_bytes // GIB,
            accelerators=dict(parts.accelerators),
            macs=tuple(parts.macs),
        )

    def zone(
        self, path: str, limits: dict[str, dict[str, int]]
    ) -> hardware.ResourceZone:
        """A zone with its blocks and its composition limits."""
        raw = self.get(path)
        found: dict[str, int] = {}
        capabilities = raw.get("@Redfish.CollectionCapabilities") or {}
        for capability in capabilities.get("Capabilities") or []:
            if capability.get("UseCase") != USE_CASE:
                continue
            for template in links(capability.get("CapabilitiesObject")):
                if template not in limits:
                    body = self.get(template).get(LIMITS)
                    limits[template] = dict(body) if isinstance(body, dict) else {}
                found.update(limits[template])
        return hardware.ResourceZone(
            id=str(raw.get("Id") or tail(path)),
            name=str(raw.get("Name") or tail(path)),
            blocks=tuple(
                tail(b) for b in links((raw.get("Links") or {}).get("ResourceBlocks"))
            ),
            limits={k: int(v) for k, v in found.items() if isinstance(v, int)},
        )

    # ------------------------------------------------------------ systems

    def existing(
        self, name: str, block_paths: list[str], candidates: list[str] | None = None
    ) -> str | None:
        """The path of a system of that name made of those blocks, if any.

        Looks among ``candidates`` (system paths) or every system.
        """
        if candidates is None:
            candidates = self.members(self.systems)
        for path in candidates:
            with contextlib.suppress(sushy_exc.ResourceNotFoundError):
                body = self.get(path)
                made_of = links((body.get("Links") or {}).get("ResourceBlocks"))
                if body.get("Name") == name and sorted(made_of) == sorted(block_paths):
                    return path
        return None

    def system_blocks(self, system_path: str) -> list[dict[str, Any]] | None:
        """The JSON of a system's blocks; None when the system is gone."""
        try:
            body = self.get(system_path)
        except sushy_exc.ResourceNotFoundError:
            return None
        paths = links((body.get("Links") or {}).get("ResourceBlocks"))
        if paths:
            return self.map(self.get, paths)
        # NOTE: a service that does not list them on the system still links
        # the system from each of its blocks.
        return [b for b in self.raw_blocks() if system_path in block_systems(b)]


def block_systems(raw: dict[str, Any]) -> list[str]:
    """The systems a block's JSON links (``Links.ComputerSystems``)."""
    return links((raw.get("Links") or {}).get("ComputerSystems"))


def state_of(raw: dict[str, Any]) -> str:
    """A block's ``CompositionStatus.CompositionState`` (empty when absent)."""
    return str((raw.get("CompositionStatus") or {}).get("CompositionState") or "")


class Parts:
    """The capacities a block's parts add up to."""

    def __init__(self) -> None:
        """Nothing counted yet."""
        self.cpus = 0
        self.cores = 0
        self.memory_mb = 0
        self.storage_bytes = 0
        self.accelerators: Counter[str] = Counter()
        self.macs: list[str] = []

    def add(self, kind: str, body: dict[str, Any], service: Service) -> None:
        """Count one part (a Storage subsystem: its drives)."""
        if kind == "Processors":
            processor_type = str(body.get("ProcessorType") or "CPU")
            if processor_type == "CPU":
                cores = int(body.get("TotalCores") or 0)
                self.cores += cores
                self.cpus += int(body.get("TotalThreads") or cores)
            else:
                self.accelerators[str(body.get("Model") or processor_type)] += 1
        elif kind == "Memory":
            self.memory_mb += int(body.get("CapacityMiB") or 0)
        elif kind == "Drives":
            self.storage_bytes += int(body.get("CapacityBytes") or 0)
        elif kind == "EthernetInterfaces":
            mac = body.get("MACAddress") or body.get("PermanentMACAddress")
            if mac:
                self.macs.append(str(mac).lower())
        elif kind == "Storage":
            for drive in links(body.get("Drives")):
                self.add("Drives", service.get(drive), service)
