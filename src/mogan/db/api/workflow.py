"""Workflow rows: creation by the API and the engine's take/advance/finish.

The API creates a workflow in the same transaction as the server it acts on.

Statuses: ``pending`` (due at ``next_run_at``), ``running`` (an engine holds
the lease), ``done``, ``failed``.
"""

from typing import Any

from oslo_utils import uuidutils
from sqlalchemy import orm

from mogan.db import models

PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"


def create(
    session: orm.Session,
    *,
    kind: str,
    server_uuid: str | None,
    args: dict[str, Any],
) -> models.Workflow:
    """Record a new workflow, due now; the caller commits and nudges an engine."""
    workflow = models.Workflow(
        uuid=uuidutils.generate_uuid(),
        kind=kind,
        server_uuid=server_uuid,
        status=PENDING,
        args=args,
        state={},
    )
    session.add(workflow)
    session.flush()
    return workflow
