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

The service is read through sushy's connector, not sushy's composition
resources (``redfish_blocks``, where the NOTE on sushy 5.14 says why).

What must not live here: enrolment and deploys of the composed system
(the driver's own, as for any node), Placement and the engine's flow.
"""

import contextlib
import dataclasses
import urllib.parse
from collections.abc import Iterator
from typing import Any

from oslo_config import cfg
from sushy import exceptions as sushy_exc

from mogan.drivers import errors, hardware, models
from mogan.drivers import redfish_blocks as rb
from mogan.drivers import redfish_client as rc

DONE = models.Status(models.Progress.DONE)
IN_PROGRESS = models.Status(models.Progress.IN_PROGRESS)
SERVICE_SUFFIXES = ("", "/redfish/v1", "/redfish/v1/CompositionService")
COMPOSED = frozenset({"Composed", "ComposedAndAvailable"})
CONFLICT = 409
SERVER_ERROR = 500


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


class Composition:
    """``CompositionInterface`` of the Redfish driver (mixed into it)."""

    conf: cfg.ConfigOpts
    connections: rc.Connections

    @contextlib.contextmanager
    def _service(self, service: models.BmcAccess, what: str) -> Iterator[rb.Service]:
        """The composition service, sushy's errors raised as the driver's."""
        base_url = service_base(service.address)
        root = self.connections.root_at(base_url, service)
        with rc.translate(service.address, what):
            yield rb.Service(root, service.address, self.conf.redfish.sync_workers)

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
        svc: rb.Service,
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
            if taken is not None:
                with contextlib.suppress(sushy_exc.SushyError):
                    block = svc.get(paths[request.blocks.index(taken)])
                    found = svc.existing(request.name, paths, rb.block_systems(block))
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

    def find_system(
        self, service: models.BmcAccess, name: str, blocks: tuple[str, ...] = ()
    ) -> str | None:
        """The path of the system named ``name`` (among the blocks' systems)."""
        with self._service(service, f"find the system {name}") as svc:
            if blocks:
                raws = svc.map(svc.get_if_there, svc.block_paths(blocks))
                paths = list(
                    dict.fromkeys(p for raw in raws for p in rb.block_systems(raw))
                )
            else:
                paths = svc.members(svc.systems)
            for path in paths:
                if svc.get_if_there(path).get("Name") == name:
                    return _system_path(path)
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
        states = [rb.state_of(b) for b in blocks]
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
                    if (
                        system_path in rb.block_systems(raw)
                        and rb.state_of(raw) != "Unused"
                    ):
                        return IN_PROGRESS
        except errors.DriverError:
            return IN_PROGRESS
        return DONE


def _taken(svc: rb.Service, request: hardware.ComposeRequest, err: Any) -> str | None:
    """Which requested block the service says is in use; None: it cannot tell.

    From the message's ``RelatedProperties``, else a block path in its
    text, else the first requested block the service shows in use.
    """
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
            rb.tail(str(b.get("@odata.id", "")))
            for b in svc.raw_blocks()
            if rb.state_of(b) != "Unused"
        }
        for block_id in request.blocks:
            if block_id in used:
                return block_id
    return None
