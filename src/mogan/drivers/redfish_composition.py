"""The Redfish driver's composition interface: a CompositionService's blocks.

A composition service is reached like a BMC (``redfish_client``: one shared
sushy session per address and credentials) at ``https://host[:port]``
(``/redfish/v1`` or ``/redfish/v1/CompositionService`` after it are taken
too). Mogan composes *specifically*: ``POST /redfish/v1/Systems {"Name",
"Links": {"ResourceBlocks": [...]}}`` answers 201 with the new system's
``Location``; a block in use answers 409 ``ResourceInUse`` (``BlockTaken``
naming it), blocks that cannot go together 400 with the service's message.
``DELETE`` of the system decomposes it. Polls read the blocks'
``CompositionStatus`` back, so nothing is kept in memory.

NOTE: sushy 5.14 is read around, not used, for the composition resources:
its ``CompositionService.resource_blocks`` and ``.resource_zones`` raise
``AttributeError: 'function' object has no attribute 'decode'`` (the path
method is passed to the collection uncalled), and its
``ResourceBlock.resource_block_type`` maps the ``ResourceBlockType`` array
as one value (always ``None``); it has no compose or decompose at all. So
this module reads the standard JSON through sushy's connector (its session,
retries, timeouts and TLS settings). Drop the reading part for sushy's
resources once a release fixes both defects
(``tests/redfish/test_composition.py::test_read_the_service_through_the_workaround``
asserts them and fails when they are fixed).

What must not live here: enrolment and deploys of the composed system
(the driver's own, as for any node), Placement and the engine's flow.
"""

import contextlib
import dataclasses
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import Any, TypeVar

from oslo_config import cfg
from sushy import exceptions as sushy_exc

from mogan.drivers import errors, hardware, models
from mogan.drivers import redfish_client as rc

_T = TypeVar("_T")
_R = TypeVar("_R")
DONE = models.Status(models.Progress.DONE)
IN_PROGRESS = models.Status(models.Progress.IN_PROGRESS)
GIB = 1024**3
SERVICE_SUFFIXES = ("", "/redfish/v1", "/redfish/v1/CompositionService")
COMPOSED = frozenset({"Composed", "ComposedAndAvailable"})
USE_CASE = "ComputerSystemComposition"
LIMITS = "@Redfish.ResourceBlockLimits"
# NOTE: a block's parts read for its capacities, and where each goes.
CONFLICT = 409
SERVER_ERROR = 500
PART_LINKS = ("Processors", "Memory", "Drives", "EthernetInterfaces", "Storage")


def service_base(address: str) -> str:
    """The base URL of a composition service's address.

    Raises:
        BmcRefused: not ``http(s)://host[:port]`` (optionally followed by
            ``/redfish/v1`` or ``/redfish/v1/CompositionService``).
    """
    parts = urllib.parse.urlsplit(address.strip())
    scheme = rc.SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.hostname or parts.query or parts.fragment:
        raise errors.BmcRefused(
            address=address, reason="the address must be https://host[:port]"
        )
    if parts.path.rstrip("/") not in SERVICE_SUFFIXES:
        raise errors.BmcRefused(
            address=address,
            reason=f"a composition service is https://host[:port], not {parts.path}",
        )
    return f"{scheme}://{parts.netloc}"


def _tail(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _links(value: Any) -> list[str]:
    """The ``@odata.id`` of each reference in a list (or one reference)."""
    items = value if isinstance(value, list) else [value] if value else []
    return [
        str(i["@odata.id"]) for i in items if isinstance(i, dict) and i.get("@odata.id")
    ]


def _system_path(location: str) -> str:
    """The path of a ``Location`` (which may be an absolute URL)."""
    path = urllib.parse.urlsplit(location).path or location
    return path.rstrip("/")


def _message(err: sushy_exc.HTTPError) -> str:
    return str(err.detail or err.code or rc.failure(err))


def _message_ids(err: sushy_exc.HTTPError) -> list[str]:
    infos = err.extended_info or []
    ids = [str(i.get("MessageId", "")) for i in infos if isinstance(i, dict)]
    return [*ids, str(err.code or "")]


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
        self.systems = (_links(root.json.get("Systems")) or ["/redfish/v1/Systems"])[0]
        service = _links(root.json.get("CompositionService"))
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
        self.blocks_path = (_links(body.get("ResourceBlocks")) or [""])[0]
        self.zones_path = (_links(body.get("ResourceZones")) or [""])[0]
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
        return _links(self.get(path).get("Members")) if path else []

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
        links = raw.get("Links") or {}
        systems = _links(links.get("ComputerSystems"))
        parts = Parts()
        for name in PART_LINKS:
            for path in _links(raw.get(name)):
                parts.add(name, self.get(path), self)
        return hardware.ResourceBlock(
            id=str(raw.get("Id") or _tail(str(raw.get("@odata.id", "")))),
            block_types=(types,) if isinstance(types, str) else tuple(types),
            zones=tuple(_tail(z) for z in _links(links.get("Zones"))),
            chassis=tuple(
                dict.fromkeys(_tail(c) for c in _links(links.get("Chassis")))
            ),
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
            for template in _links(capability.get("CapabilitiesObject")):
                if template not in limits:
                    body = self.get(template).get(LIMITS)
                    limits[template] = dict(body) if isinstance(body, dict) else {}
                found.update(limits[template])
        return hardware.ResourceZone(
            id=str(raw.get("Id") or _tail(path)),
            name=str(raw.get("Name") or _tail(path)),
            blocks=tuple(
                _tail(b) for b in _links((raw.get("Links") or {}).get("ResourceBlocks"))
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
                made_of = _links((body.get("Links") or {}).get("ResourceBlocks"))
                if body.get("Name") == name and sorted(made_of) == sorted(block_paths):
                    return path
        return None

    def system_blocks(self, system_path: str) -> list[dict[str, Any]] | None:
        """The JSON of a system's blocks; None when the system is gone."""
        try:
            body = self.get(system_path)
        except sushy_exc.ResourceNotFoundError:
            return None
        paths = _links((body.get("Links") or {}).get("ResourceBlocks"))
        if paths:
            return self.map(self.get, paths)
        # NOTE: a service that does not list them on the system still links
        # the system from each of its blocks.
        return [b for b in self.raw_blocks() if system_path in _block_systems(b)]


def _block_systems(raw: dict[str, Any]) -> list[str]:
    return _links((raw.get("Links") or {}).get("ComputerSystems"))


def _state(raw: dict[str, Any]) -> str:
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
            for drive in _links(body.get("Drives")):
                self.add("Drives", service.get(drive), service)


class Composition:
    """``CompositionInterface`` of the Redfish driver (mixed into it)."""

    conf: cfg.ConfigOpts
    connections: rc.Connections

    @contextlib.contextmanager
    def _service(self, service: models.BmcAccess, what: str) -> Iterator[Service]:
        """The composition service, sushy's errors raised as the driver's."""
        base_url = service_base(service.address)
        root = self.connections.root_at(base_url, service)
        with rc.translate(service.address, what):
            yield Service(root, service.address, self.conf.redfish.sync_workers)

    def composed_bmc(
        self, service: models.BmcAccess, system_path: str
    ) -> models.BmcAccess:
        """The composed system's URL on the service, with its credentials.

        Raises:
            BmcRefused: the service's address is not one (see ``service_base``).
        """
        address = service_base(service.address) + system_path
        return dataclasses.replace(service, address=address)

    def list_resource_zones(
        self, service: models.BmcAccess
    ) -> list[hardware.ResourceZone]:
        """Every zone, with its blocks and ``@Redfish.ResourceBlockLimits``."""
        with self._service(service, "read the resource zones") as svc:
            limits: dict[str, dict[str, int]] = {}
            return [svc.zone(p, limits) for p in svc.members(svc.zones_path)]

    def list_resource_blocks(
        self, service: models.BmcAccess
    ) -> list[hardware.ResourceBlock]:
        """Every block, with its state and the capacities of its parts."""
        with self._service(service, "read the resource blocks") as svc:
            return svc.map(svc.block, svc.raw_blocks())

    def start_compose(
        self, service: models.BmcAccess, request: hardware.ComposeRequest
    ) -> str:
        """``POST`` the specific composition; the new system's path."""
        if not request.blocks:
            raise errors.DriverError(node=request.name, reason="no resource blocks")
        with self._service(service, f"compose {request.name}") as svc:
            paths = svc.block_paths(request.blocks)
            body = {
                "Name": request.name,
                "Links": {"ResourceBlocks": [{"@odata.id": p} for p in paths]},
            }
            try:
                response = svc.conn.post(svc.systems, data=body)
            except sushy_exc.HTTPError as err:
                found = self._refused(svc, request, paths, err)
                if found is not None:
                    return found
                raise
            location = response.headers.get("Location") or ""
            if not location:
                with contextlib.suppress(ValueError):
                    location = str(response.json().get("@odata.id") or "")
            if not location:
                raise errors.DriverError(
                    node=request.name, reason="the service gave no Location"
                )
            return _system_path(location)

    def _refused(
        self,
        svc: Service,
        request: hardware.ComposeRequest,
        paths: list[str],
        err: sushy_exc.HTTPError,
    ) -> str | None:
        """Raise what a refused compose means; the path when it already exists."""
        ids = _message_ids(err)
        if err.status_code == CONFLICT and any(
            i.endswith("ResourceInUse") for i in ids
        ):
            taken = _taken(svc, request, err)
            # NOTE: a repeated start (a resumed workflow, or sushy resending a
            # POST after a dropped connection) finds the blocks in its own system.
            found = None
            if taken in request.blocks:
                with contextlib.suppress(sushy_exc.SushyError):
                    block = svc.get(paths[request.blocks.index(taken)])
                    found = svc.existing(request.name, paths, _block_systems(block))
            if found is not None:
                return found
            raise errors.BlockTaken(
                block=taken,
                service=svc.address,
                reason=_message(err),
            ) from err
        if err.status_code == CONFLICT and any(
            i.endswith("ResourceAlreadyExists") for i in ids
        ):
            # NOTE: a repeated start (a resumed workflow) finds its system.
            found = svc.existing(request.name, paths)
            if found is not None:
                return found
        if err.status_code is not None and err.status_code < SERVER_ERROR:
            raise errors.DriverError(
                node=request.name, reason=f"the service refused: {_message(err)}"
            ) from err
        return None

    def poll_compose(
        self, service: models.BmcAccess, system_path: str
    ) -> models.Status:
        """DONE once every block of the system is Composed."""
        try:
            with self._service(service, "read the composition") as svc:
                blocks = svc.system_blocks(system_path)
        except errors.DriverError:
            return IN_PROGRESS
        if blocks is None:
            return models.Status(
                models.Progress.FAILED, f"the composed system {system_path} is gone"
            )
        states = [_state(b) for b in blocks]
        if not states:
            return IN_PROGRESS
        if "Failed" in states:
            return models.Status(
                models.Progress.FAILED, f"a block of {system_path} failed to compose"
            )
        return DONE if set(states) <= COMPOSED else IN_PROGRESS

    def start_decompose(self, service: models.BmcAccess, system_path: str) -> None:
        """``DELETE`` the system (gone already: no-op)."""
        with self._service(service, f"decompose {system_path}") as svc:
            try:
                svc.conn.delete(system_path)
            except sushy_exc.ResourceNotFoundError:
                return

    def poll_decompose(
        self,
        service: models.BmcAccess,
        system_path: str,
        blocks: tuple[str, ...] = (),
    ) -> models.Status:
        """DONE once the system is gone and no block is still in it.

        With ``blocks``, only those are read (a poll costs one request per
        block of the system, not one per block of the service).
        """
        try:
            with self._service(service, "read the decomposition") as svc:
                if svc.system_blocks(system_path) is not None:
                    return IN_PROGRESS
                raws = (
                    svc.map(svc.get_if_there, svc.block_paths(blocks))
                    if blocks
                    else svc.raw_blocks()
                )
                for raw in raws:
                    if system_path in _block_systems(raw) and _state(raw) != "Unused":
                        return IN_PROGRESS
        except errors.DriverError:
            return IN_PROGRESS
        return DONE


def _taken(svc: Service, request: hardware.ComposeRequest, err: Any) -> str:
    """Which requested block the service says is in use."""
    for info in err.extended_info or []:
        for related in (info or {}).get("RelatedProperties") or []:
            index = str(related).rsplit("/", 1)[-1]
            if index.isdigit() and int(index) < len(request.blocks):
                return request.blocks[int(index)]
    text = _message(err)
    for block_id, path in zip(
        request.blocks, svc.block_paths(request.blocks), strict=True
    ):
        if path in text:
            return block_id
    with contextlib.suppress(sushy_exc.SushyError):
        used = {
            _tail(str(b.get("@odata.id", "")))
            for b in svc.raw_blocks()
            if _state(b) != "Unused"
        }
        for block_id in request.blocks:
            if block_id in used:
                return block_id
    return ", ".join(request.blocks)
