"""Helpers for composed-server tests: a pool, and what Mogan keeps of its blocks.

The pool has, per zone, a Compute block that exactly fits ``AMOUNTS``
(16 cores, 64 GiB), a bigger one (32 cores, 128 GiB) and a Storage block;
each Compute block has one NIC (for the server's network). The scheduler
places a server of ``AMOUNTS`` on the smaller Compute block and the Storage
block (the least surplus), and on the bigger one once the smaller is
gone.
"""

import uuid
from typing import Any

from mogan import states
from mogan.db import models
from mogan.db import session as db_session
from mogan.db.api import composition as composition_db
from tests.redfish import specs

PROJECT, USER = "project-a", "alice"
AMOUNTS = {"VCPU": 16, "MEMORY_MB": 64 * 1024, "DISK_GB": 100}


def pool(zones: tuple[str, ...] = ("zone-a",)) -> dict[str, Any]:
    """Two Compute blocks (the first fits ``AMOUNTS`` exactly) and a Storage block."""
    blocks = []
    for zone in zones:
        for i, (cores, memory_gib) in enumerate(((16, 64), (32, 128))):
            block = specs.compute_block(
                f"{zone}-compute-{i}", zone, cores=cores, memory_gib=memory_gib
            )
            block["nics"] = [{"mac": f"52:54:00:c0:{len(blocks):02x}:{i:02x}"}]
            blocks.append(block)
        blocks.append(specs.storage_block(f"{zone}-storage-0", zone))
    return specs.pool(blocks, zones=zones)


def blocks(database: db_session.Database, service_uuid: str) -> dict[str, Any]:
    """The service's blocks in Mogan's view, by id."""
    with database.transaction(readonly=True) as session:
        return {b.block_id: b for b in composition_db.blocks_of(session, service_uuid)}


def composed(database: db_session.Database, server_uuid: str) -> Any:
    """The server's ``composed_systems`` row, or None."""
    with database.transaction(readonly=True) as session:
        return composition_db.composed_of(session, server_uuid)


def plain_server(database: db_session.Database) -> str:
    """An active server of ``project-a`` that is not composed; its uuid."""
    server_uuid = str(uuid.uuid4())
    with database.transaction() as session:
        session.add(
            models.Server(
                uuid=server_uuid,
                name=f"plain-{server_uuid[:6]}",
                project_id=PROJECT,
                user_id=USER,
                status=states.ACTIVE,
                extra={},
                request_id=str(uuid.uuid4()),
            )
        )
    return server_uuid
