"""Helpers for composed-server tests: a pool, a claim of blocks, a stand-in scheduler.

Until the scheduler places composed servers itself (its part is built
apart, issue 12 §3), these do what it will: ``claim`` claims chosen blocks
of a registered composition service for a server in Placement (each
block's whole inventory, as the blocks' providers have it), notes the
server as their consumer in ``resource_blocks``, writes the
``composed_systems`` row (a new node uuid) and starts the server's build
the way ``SelectAndClaim._place`` does (``server_state.place`` then
``workflow_args.start``). ``StandInScheduler`` answers the engine's
``select_and_claim`` for composed servers the same way (the first free
Compute block of the service), so a failed build's reschedule lands on
other blocks.
"""

import datetime
import uuid
from typing import Any

import sqlalchemy as sa

from mogan import exception, states
from mogan.db import models
from mogan.db import session as db_session
from mogan.db.api import composition as composition_db
from mogan.db.api import server_action as action_db
from mogan.placement import client as placement_client
from mogan.scheduler import request as select_request
from mogan.services import server_state, workflow_args
from tests.redfish import specs

PROJECT, USER = "project-a", "alice"


def pool(
    zones: tuple[str, ...] = ("zone-a",), compute: int = 2, storage: int = 1
) -> dict[str, Any]:
    """Compute blocks (each with one NIC, for the server's network) and drives."""
    blocks = []
    for zone in zones:
        for i in range(compute):
            block = specs.compute_block(f"{zone}-compute-{i}", zone)
            block["nics"] = [{"mac": f"52:54:00:c0:{len(blocks):02x}:{i:02x}"}]
            blocks.append(block)
        blocks += [
            specs.storage_block(f"{zone}-storage-{i}", zone) for i in range(storage)
        ]
    return specs.pool(blocks, zones=zones)


def blocks(database: db_session.Database, service_uuid: str) -> dict[str, Any]:
    """The service's blocks in Mogan's view, by id."""
    with database.transaction(readonly=True) as session:
        return {b.block_id: b for b in composition_db.blocks_of(session, service_uuid)}


def composed(database: db_session.Database, server_uuid: str) -> Any:
    """The server's ``composed_systems`` row, or None."""
    with database.transaction(readonly=True) as session:
        return composition_db.composed_of(session, server_uuid)


def new_server(
    database: db_session.Database,
    flavor_uuid: str,
    image_uuid: str,
    composed_server: bool = True,
    status: str = states.BUILDING,
) -> str:
    """A server row of ``project-a`` and its open create action; its uuid.

    The action's request id is the server's ``request_id`` (no workflow yet).
    """
    server_uuid, request_id = str(uuid.uuid4()), str(uuid.uuid4())
    with database.transaction() as session:
        session.add(
            models.Server(
                uuid=server_uuid,
                name=f"composed-{server_uuid[:6]}",
                project_id=PROJECT,
                user_id=USER,
                status=status,
                flavor_uuid=flavor_uuid,
                image_uuid=image_uuid,
                availability_zone=None,
                extra={},
                request_id=request_id,
                composed=composed_server,
            )
        )
        action_db.create(
            session,
            {
                "server_uuid": server_uuid,
                "action": action_db.CREATE,
                "request_id": request_id,
                "project_id": PROJECT,
                "user_id": USER,
                "started_at": datetime.datetime.now(datetime.UTC),
            },
            keep=action_db.DEFAULT_KEEP,
        )
    return server_uuid


def claim_blocks(
    database: db_session.Database,
    placement: placement_client.PlacementClient,
    server_uuid: str,
    service_uuid: str,
    chosen: list[str],
) -> str:
    """Claim ``chosen`` blocks for the server and write its row; the node uuid.

    Raises:
        ClaimConflict: a block is claimed already (nothing was written).
    """
    view = blocks(database, service_uuid)
    allocations = {
        view[b].provider_uuid: {
            rc: int(inv["total"])
            for rc, inv in placement.get_inventory(view[b].provider_uuid).items()
        }
        for b in chosen
    }
    placement.claim({server_uuid: allocations}, PROJECT, USER)
    node_uuid = str(uuid.uuid4())
    with database.transaction() as session:
        session.execute(
            sa.update(models.ResourceBlock)
            .where(
                models.ResourceBlock.service_uuid == service_uuid,
                models.ResourceBlock.block_id.in_(chosen),
            )
            .values(consumer_uuid=server_uuid)
        )
        composition_db.add_composed(
            session,
            {
                "server_uuid": server_uuid,
                "node_uuid": node_uuid,
                "service_uuid": service_uuid,
                "zone": view[chosen[0]].zone,
                "blocks": list(chosen),
            },
        )
    return node_uuid


def start_build(
    database: db_session.Database,
    server_uuid: str,
    node_uuid: str,
    build_args: dict[str, Any],
) -> None:
    """Point the server at its node and start its build (``SelectAndClaim._place``)."""
    args = workflow_args.BuildArgs.model_validate(build_args)
    with database.transaction() as session:
        assert server_state.place(session, server_uuid, node_uuid)
        workflow_args.start(session, args, server_uuid)


def claim(
    database: db_session.Database,
    placement: placement_client.PlacementClient,
    server_uuid: str,
    service_uuid: str,
    chosen: list[str],
    build_args: dict[str, Any],
) -> str:
    """Claim ``chosen`` for the server and start its build; the node uuid."""
    node_uuid = claim_blocks(database, placement, server_uuid, service_uuid, chosen)
    start_build(database, server_uuid, node_uuid, build_args)
    return node_uuid


class StandInScheduler:
    """The engine's scheduler for composed servers, until the real one places them.

    Each server gets the first free Compute block (by id) of the service:
    Unused, not reserved, in no system and claimed by nobody in the view.
    """

    def __init__(
        self,
        database: db_session.Database,
        placement: placement_client.PlacementClient,
        service_uuid: list[str],
    ) -> None:
        """Place on the service whose uuid ``service_uuid[0]`` holds (set later)."""
        self.database = database
        self.placement = placement
        self.service_uuid = service_uuid
        self.calls: list[select_request.SelectRequest] = []

    def select_and_claim(
        self, ctx: dict[str, Any], request: select_request.SelectRequest
    ) -> dict[str, str]:
        """``{server: node}`` for every server that got a free Compute block."""
        del ctx
        self.calls.append(request)
        placed = {}
        for server_uuid in request.server_uuids:
            free = sorted(
                b.block_id
                for b in blocks(self.database, self.service_uuid[0]).values()
                if "Compute" in b.block_types
                and b.composition_state == "Unused"
                and not b.reserved
                and b.system is None
                and b.consumer_uuid is None
            )
            if not free:
                raise exception.NoValidNode(reason="no free Compute block")
            placed[server_uuid] = claim_blocks(
                self.database,
                self.placement,
                server_uuid,
                self.service_uuid[0],
                free[:1],
            )
        return placed
