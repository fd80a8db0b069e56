"""Composition service routes (microversion 1.7, admin only).

``/v1/composition_services``: register (``POST``; the engine checks the
service answers, stores it with its password sealed and syncs it before
answering), list and show (with zone and block counts), change
(``PATCH``, JSON patch on ``name`` and ``driver_info``), remove
(``DELETE``; refused while a block is claimed), and a service's resource
blocks (``GET .../blocks``). The password is never shown.
"""

import datetime
from typing import Any

from mogan import context as mogan_context
from mogan.api import microversion, patch, router, state
from mogan.api.schemas import common
from mogan.api.schemas import composition_service as schema
from mogan.db import models
from mogan.services import composition_service as cs_svc

TAG = "composition_services"
COLLECTION = "composition_services"
VERSION = microversion.Version(1, 7)
CHASSIS_VERSION = microversion.Version(1, 8)
PATCHABLE = ("name", "driver_info")


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _view(svc: cs_svc.ServiceView) -> schema.CompositionService:
    return schema.CompositionService(
        uuid=svc.uuid,
        name=svc.name,
        driver_info=schema.ServiceAccess(
            address=svc.address, username=svc.username, verify_ca=svc.verify_ca
        ),
        zones=svc.zones,
        blocks=svc.blocks,
        synced_at=_iso(svc.synced_at),
        links=state.links(COLLECTION, svc.uuid),
        created_at=_iso(svc.created_at),
        updated_at=_iso(svc.updated_at),
    )


def _block(row: models.ResourceBlock) -> schema.ResourceBlock:
    # NOTE: a field left unset is left out of the response (1.7 shows no
    # chassis).
    extra: dict[str, Any] = {}
    if microversion.request_version() >= CHASSIS_VERSION:
        extra["chassis"] = list(row.chassis or ())
    return schema.ResourceBlock(
        **extra,
        id=row.block_id,
        types=list(row.block_types),
        zone=row.zone,
        zones=list(row.zones),
        state=row.composition_state,
        reserved=row.reserved,
        system=row.system,
        cpus=row.cpus,
        cores=row.cores,
        memory_mb=row.memory_mb,
        storage_gb=row.storage_gb,
        accelerators=dict(row.accelerators),
        provider_uuid=row.provider_uuid,
        node_uuid=None,
        server_uuid=None,
        updated_at=_iso(row.updated_at or row.created_at),
    )


def _access(body: schema.ServiceAccessIn) -> cs_svc.ServiceAccess:
    return cs_svc.ServiceAccess(
        address=body.address,
        username=body.username,
        password=body.password,
        verify_ca=body.verify_ca,
    )


@router.route(
    "GET",
    "/v1/composition_services",
    policy="mogan:composition_service:get_all",
    tag=TAG,
    min_version=VERSION,
)
def list_services(
    ctx: mogan_context.RequestContext, query: common.PageQuery
) -> schema.CompositionServiceList:
    """List composition services by name (``marker``: a service uuid)."""
    state.authorize(ctx, "mogan:composition_service:get_all")
    found = cs_svc.get_all(ctx, state.page_limit(query.limit), query.marker)
    return schema.CompositionServiceList(composition_services=[_view(s) for s in found])


@router.route(
    "GET",
    "/v1/composition_services/{service_uuid}",
    policy="mogan:composition_service:get",
    tag=TAG,
    min_version=VERSION,
)
def show_service(
    ctx: mogan_context.RequestContext, service_uuid: common.UUID
) -> schema.CompositionService:
    """Show a composition service."""
    state.authorize(ctx, "mogan:composition_service:get")
    return _view(cs_svc.get(ctx, service_uuid))


@router.route(
    "GET",
    "/v1/composition_services/{service_uuid}/blocks",
    policy="mogan:composition_service:get",
    tag=TAG,
    min_version=VERSION,
)
def list_blocks(
    ctx: mogan_context.RequestContext,
    service_uuid: common.UUID,
    query: schema.BlockListQuery,
) -> schema.ResourceBlockList:
    """The service's resource blocks by id (``marker``: a block id)."""
    state.authorize(ctx, "mogan:composition_service:get")
    rows = cs_svc.blocks(ctx, service_uuid, state.page_limit(query.limit), query.marker)
    return schema.ResourceBlockList(blocks=[_block(r) for r in rows])


@router.route(
    "POST",
    "/v1/composition_services",
    status=201,
    policy="mogan:composition_service:create",
    tag=TAG,
    min_version=VERSION,
)
def create_service(
    ctx: mogan_context.RequestContext, body: schema.CompositionServiceCreate
) -> schema.CompositionService:
    """Register a composition service (checked and synced before the answer)."""
    state.authorize(ctx, "mogan:composition_service:create")
    created = cs_svc.create(
        ctx,
        state.server_backends().engine,
        state.conf().engine.heartbeat_interval,
        name=body.name,
        access=_access(body.driver_info),
    )
    state.set_location(state.links(COLLECTION, created.uuid)[0]["href"])
    return _view(created)


@router.route(
    "PATCH",
    "/v1/composition_services/{service_uuid}",
    policy="mogan:composition_service:update",
    tag=TAG,
    min_version=VERSION,
)
def update_service(
    ctx: mogan_context.RequestContext,
    service_uuid: common.UUID,
    body: patch.PatchDocument,
) -> schema.CompositionService:
    """Rename a service or change its ``driver_info`` (the password again)."""
    state.authorize(ctx, "mogan:composition_service:update")
    current_svc = cs_svc.get(ctx, service_uuid)
    current: dict[str, Any] = {
        "name": current_svc.name,
        "driver_info": {
            "address": current_svc.address,
            "username": current_svc.username,
            "verify_ca": current_svc.verify_ca,
        },
    }
    patched = patch.apply(
        current,
        body.root,
        patchable=set(PATCHABLE),
        internal=set(schema.CompositionService.model_fields) - set(PATCHABLE),
    )
    if patched.get("driver_info") == current["driver_info"]:
        # NOTE: unchanged (and shown without its password): not sent again.
        patched.pop("driver_info", None)
    checked = schema.CompositionServiceUpdate.model_validate(
        patch.validated(schema.CompositionServiceUpdate, patched)
    )
    updated = cs_svc.update(
        ctx,
        state.server_backends().engine,
        state.conf().engine.heartbeat_interval,
        service_uuid,
        name=checked.name if checked.name != current_svc.name else None,
        access=_access(checked.driver_info) if checked.driver_info else None,
    )
    return _view(updated)


@router.route(
    "DELETE",
    "/v1/composition_services/{service_uuid}",
    status=204,
    policy="mogan:composition_service:delete",
    tag=TAG,
    min_version=VERSION,
)
def delete_service(
    ctx: mogan_context.RequestContext, service_uuid: common.UUID
) -> None:
    """Remove a service none of whose blocks is claimed, and its providers."""
    state.authorize(ctx, "mogan:composition_service:delete")
    cs_svc.delete(
        ctx,
        state.server_backends().engine,
        state.conf().engine.heartbeat_interval,
        service_uuid,
    )
