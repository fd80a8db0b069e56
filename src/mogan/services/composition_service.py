"""Composition services (microversion 1.7, admin): register, show, change, remove.

Only the engine holds a driver, so changes go to it over RPC
(``Engine.create_composition_service`` and the others): it checks the
service answers, stores it with its password sealed and syncs its zones
and blocks into ``resource_blocks`` and Placement before it answers, so the
API shows the counts at once. Reading is from the database here.

Credentials are write-only: ``ServiceAccess.password`` is left out of its
``repr``; it crosses the bus once, to the engine, and no view has it.

What must not live here: the driver calls and the sync (the engine's).
"""

import dataclasses
from typing import Any

from oslo_utils import uuidutils

from mogan import context as mogan_context
from mogan import exception
from mogan.db import models
from mogan.db.api import composition as composition_db
from mogan.services import engine_calls

CREATE = "register a composition service"
UPDATE = "change a composition service"
DELETE = "remove a composition service"


@dataclasses.dataclass(frozen=True)
class ServiceAccess:
    """How the engine's driver reaches a composition service."""

    address: str
    username: str | None
    password: str | None = dataclasses.field(default=None, repr=False)
    verify_ca: bool = True

    def to_wire(self) -> dict[str, Any]:
        """As it crosses the bus (the engine's RPC call, never a log)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_wire(cls, value: dict[str, Any]) -> "ServiceAccess":
        """From the bus (unknown keys ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in value.items() if k in names})


@dataclasses.dataclass(frozen=True)
class ServiceView:
    """A service as the API shows it (never its password)."""

    uuid: str
    name: str
    address: str
    username: str | None
    verify_ca: bool
    zones: int
    blocks: int
    synced_at: Any
    created_at: Any
    updated_at: Any


def _view(row: models.CompositionService, counts: tuple[int, int]) -> ServiceView:
    return ServiceView(
        uuid=row.uuid,
        name=row.name,
        address=row.address,
        username=row.username,
        verify_ca=row.verify_tls,
        zones=counts[0],
        blocks=counts[1],
        synced_at=row.synced_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def get_all(
    ctx: mogan_context.RequestContext, limit: int | None, marker: str | None
) -> list[ServiceView]:
    """A page of services by name, with their zone and block counts."""
    with ctx.database.transaction(readonly=True) as session:
        counts = composition_db.counts(session)
        rows = composition_db.page(session, limit, marker)
        return [_view(r, counts.get(r.uuid, (0, 0))) for r in rows]


def get(ctx: mogan_context.RequestContext, service_uuid: str) -> ServiceView:
    """One service.

    Raises:
        CompositionServiceNotFound: no such service.
    """
    with ctx.database.transaction(readonly=True) as session:
        row = composition_db.find(session, service_uuid)
        if row is None:
            raise exception.CompositionServiceNotFound(service=service_uuid)
        counts = composition_db.counts(session)
        return _view(row, counts.get(row.uuid, (0, 0)))


def blocks(
    ctx: mogan_context.RequestContext,
    service_uuid: str,
    limit: int | None,
    marker: str | None,
) -> list[models.ResourceBlock]:
    """A page of the service's blocks (detached rows).

    Raises:
        CompositionServiceNotFound: no such service.
    """
    with ctx.database.transaction(readonly=True) as session:
        if composition_db.find(session, service_uuid) is None:
            raise exception.CompositionServiceNotFound(service=service_uuid)
        rows = composition_db.block_page(session, service_uuid, limit, marker)
        session.expunge_all()
        return rows


def _check_name_free(
    ctx: mogan_context.RequestContext, name: str, other_than: str | None = None
) -> None:
    with ctx.database.transaction(readonly=True) as session:
        if composition_db.name_taken(session, name, other_than=other_than):
            raise exception.CompositionServiceExists(name=name)


def create(
    ctx: mogan_context.RequestContext,
    engine: engine_calls.Engine,
    heartbeat_interval: float,
    *,
    name: str,
    access: ServiceAccess,
) -> ServiceView:
    """Register a service through the engine; the service as now shown.

    Raises:
        InvalidParameter: the service refused or is none (``driver_info``).
        CompositionServiceExists: another service has the name.
        DriverCannot: the engine's driver cannot compose nodes.
        EngineUnavailable: no engine is running or none answered.
    """
    _check_name_free(ctx, name)
    engine_calls.require_engine(ctx, heartbeat_interval, CREATE)
    service_uuid = uuidutils.generate_uuid()
    engine_calls.call_engine(
        CREATE,
        engine.create_composition_service,
        engine_calls.rpc_context(ctx),
        service_uuid,
        name,
        access.to_wire(),
    )
    return get(ctx, service_uuid)


def update(
    ctx: mogan_context.RequestContext,
    engine: engine_calls.Engine,
    heartbeat_interval: float,
    service_uuid: str,
    *,
    name: str | None,
    access: ServiceAccess | None,
) -> ServiceView:
    """Rename a service and/or change how it is reached; it as now shown.

    Raises:
        CompositionServiceNotFound: no such service.
        CompositionServiceExists: another service has the new name.
        InvalidParameter: the new access is refused (``driver_info``).
        EngineUnavailable: no engine is running or none answered.
    """
    get(ctx, service_uuid)
    if name is not None:
        _check_name_free(ctx, name, other_than=service_uuid)
    engine_calls.require_engine(ctx, heartbeat_interval, UPDATE)
    engine_calls.call_engine(
        UPDATE,
        engine.update_composition_service,
        engine_calls.rpc_context(ctx),
        service_uuid,
        name,
        access.to_wire() if access is not None else None,
    )
    return get(ctx, service_uuid)


def delete(
    ctx: mogan_context.RequestContext,
    engine: engine_calls.Engine,
    heartbeat_interval: float,
    service_uuid: str,
) -> None:
    """Remove a service none of whose blocks is claimed, and its providers.

    Raises:
        CompositionServiceNotFound: no such service.
        CompositionServiceInUse: a block is claimed in Placement.
        EngineUnavailable: no engine is running or none answered.
    """
    get(ctx, service_uuid)
    engine_calls.require_engine(ctx, heartbeat_interval, DELETE)
    engine_calls.call_engine(
        DELETE,
        engine.delete_composition_service,
        engine_calls.rpc_context(ctx),
        service_uuid,
    )
