"""Maintenance sync: a server follows its node into maintenance and back (v1 2.4).

Run after every node sync, from the ``nodes`` view the sync has just
refreshed, so a node put into maintenance in the backend shows as a
``maintenance`` server within one sync interval, with no driver call per
server. A server with a running workflow is left alone (the workflow owns
its status); one coming back goes to ``active`` or ``stopped`` by the node's
power state, not blindly to ``active`` as v1 did. What must not live here:
reading the driver (the node sync does that).
"""

import logging

import sqlalchemy as sa

from mogan import states
from mogan.db import models
from mogan.db import session as db_session
from mogan.db.api import workflow as workflow_db
from mogan.services import server_state

LOG = logging.getLogger(__name__)
WATCHED = (states.ACTIVE, states.STOPPED, states.MAINTENANCE)


def sync(database: db_session.Database) -> int:
    """Move servers whose node entered or left maintenance; returns how many."""
    with database.transaction(readonly=True) as session:
        rows = session.execute(
            sa.select(
                models.Server.uuid,
                models.Server.status,
                models.Node.maintenance,
                models.Node.power_state,
            )
            .join(models.Node, models.Node.uuid == models.Server.node_uuid)
            .where(
                models.Server.status.in_(WATCHED),
                sa.or_(
                    sa.and_(
                        models.Node.maintenance.is_(True),
                        models.Server.status != states.MAINTENANCE,
                    ),
                    sa.and_(
                        models.Node.maintenance.is_(False),
                        models.Server.status == states.MAINTENANCE,
                    ),
                ),
            )
        ).all()
    moved = 0
    for uuid, status, maintenance, power in rows:
        if maintenance:
            event = states.ENTER_MAINTENANCE
        elif power == states.POWER_OFF:
            event = states.LEAVE_MAINTENANCE_OFF
        else:
            event = states.LEAVE_MAINTENANCE_ON
        new = states.next_state(status, event)
        with database.transaction() as session:
            # NOTE: a workflow started since the scan owns the status now.
            if workflow_db.has_running(session, uuid):
                continue
            values = {}
            if not maintenance and power is not None:
                values["power_state"] = power
            if server_state.transition(session, uuid, status, event, values):
                moved += 1
                LOG.info("server %s: %s -> %s (node maintenance)", uuid, status, new)
    return moved
