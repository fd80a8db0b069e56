"""Server routes (v1 section 1.6): create, list, show, patch, delete, states.

Every action is a service call; state checks, locks and workflows live in
``mogan.services.server``.
"""

from typing import Any

from mogan import context as mogan_context
from mogan import exception, states
from mogan.api import hardware_view, microversion, patch, router, state
from mogan.api.schemas import common
from mogan.api.schemas import hardware as hardware_schema
from mogan.api.schemas import server as schema
from mogan.db import models
from mogan.services import server as server_svc
from mogan.services import server_ops

TAG = "servers"
ADMIN_ONLY = ("node", "affinity_zone", "system_metadata", "failure_domains")
FAILURE_DOMAINS_VERSION = microversion.Version(1, 2)
HARDWARE_VERSION = microversion.Version(1, 5)
COMPOSED_VERSION = microversion.Version(1, 8)
# NOTE: a NIC's ``fixed_ip`` and ``security_groups`` (the Neutron backend).
NIC_VERSION = microversion.Version(1, 8)
COMPOSITION_RULE = "mogan:server:composition"
# NOTE: raw sections a request may carry only where policy lets it (profiles
# are for everyone).
RAW_SECTION_RULES = {
    "bios": "mogan:server:create:hardware_bios",
    "firmware": "mogan:server:create:hardware_firmware",
}


# NOTE: faults with this code or above are the cloud's, not the caller's.
INTERNAL_ERROR = 500


def _addresses(server: models.Server) -> dict[str, list[dict[str, str]]]:
    addresses: dict[str, list[dict[str, str]]] = {}
    for nic in server.nics:
        entries = addresses.setdefault(nic.network_id, [])
        entries.extend(
            {"addr": ip["ip_address"], "type": "fixed"} for ip in nic.fixed_ips
        )
        if nic.floating_ip:
            entries.append({"addr": nic.floating_ip, "type": "floating"})
    return addresses


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _sees_composition(ctx: mogan_context.RequestContext) -> bool:
    """Whether the caller sees what composed servers are made of (1.8, admins)."""
    return microversion.request_version() >= COMPOSED_VERSION and state.allowed(
        ctx, COMPOSITION_RULE
    )


def _composition(
    composed: models.ComposedSystem | None,
) -> schema.ServerComposition | None:
    if composed is None:
        return None
    return schema.ServerComposition(
        service_uuid=composed.service_uuid,
        zone=composed.zone,
        system=composed.system,
        blocks=list(composed.blocks or ()),
    )


def view(
    ctx: mogan_context.RequestContext,
    server: models.Server,
    compositions: dict[str, models.ComposedSystem] | None = None,
) -> schema.Server:
    """The representation of ``server`` the caller may see (v1 section 1.5).

    ``compositions`` are the composed systems of the servers of a listing
    (read once for the page); a single server's is read here when shown.
    """
    fields: dict[str, Any] = {
        "uuid": server.uuid,
        "name": server.name,
        "description": server.description,
        "project_id": server.project_id,
        "user_id": server.user_id,
        "status": server.status,
        "power_state": server.power_state,
        "availability_zone": server.availability_zone,
        "flavor_uuid": server.flavor_uuid,
        "image_uuid": server.image_uuid,
        "addresses": _addresses(server),
        "links": state.links("servers", server.uuid),
        "launched_at": _iso(server.launched_at),
        "metadata": dict(server.extra),
        "key_name": server.key_name,
        "partitions": dict(server.partitions),
        "locked": server.locked_by is not None,
        "created_at": _iso(server.created_at),
        "updated_at": _iso(server.updated_at),
    }
    if server.status == states.ERROR:
        latest = server.faults[-1] if server.faults else None
        # NOTE: as Nova does, a server error's detail (tracebacks, the nodes
        # each attempt ran on) is for admins; owners read code and message.
        detail = (
            latest.detail
            if latest and (ctx.can_read_all or latest.code < INTERNAL_ERROR)
            else None
        )
        fields["fault"] = (
            {"code": latest.code, "message": latest.message, "detail": detail}
            if latest
            else {}
        )
    if ctx.can_read_all:
        fields.update(
            node=server.node,
            affinity_zone=server.affinity_zone,
            system_metadata=dict(server.system_metadata),
        )
        if microversion.request_version() >= FAILURE_DOMAINS_VERSION:
            fields["failure_domains"] = dict(server.failure_domains or {})
    if microversion.request_version() >= HARDWARE_VERSION:
        fields["hardware"] = hardware_view.view(server, admin=ctx.can_read_all)
    if microversion.request_version() >= COMPOSED_VERSION:
        fields["composed"] = bool(server.composed)
        if _sees_composition(ctx):
            if compositions is None:
                compositions = (
                    server_svc.compositions(ctx, [server.uuid])
                    if server.composed
                    else {}
                )
            fields["composition"] = _composition(compositions.get(server.uuid))
    return schema.Server.model_validate(fields)


def _authorize(
    ctx: mogan_context.RequestContext, rule: str, server_uuid: str
) -> models.Server:
    """Load the server and check ``rule`` against its owner.

    Another project's server is "not found" to a caller who may not read
    every project, so ids of other tenants' servers cannot be probed; a
    caller with neither a project nor that right is refused (403) first.
    """
    visible_to = ctx.project_filter(all_projects=True)
    server = server_svc.get(ctx, server_uuid)
    if visible_to is not None and server.project_id != visible_to:
        raise exception.ServerNotFound(server=server_uuid)
    state.authorize(
        ctx, rule, {"project_id": server.project_id, "user_id": server.user_id}
    )
    return server


def _check_nics(req: schema.ServerCreateBody) -> None:
    """A NIC's fixed IP and security groups need microversion 1.8."""
    if microversion.request_version() >= NIC_VERSION:
        return
    for index, nic in enumerate(req.networks):
        for name in ("fixed_ip", "security_groups"):
            if getattr(nic, name) is not None:
                raise exception.InvalidParameter(
                    field=f"networks[{index}].{name}",
                    reason=f"requires microversion {NIC_VERSION} or later",
                )


def _check_hardware(
    ctx: mogan_context.RequestContext, req: schema.ServerCreateBody
) -> None:
    """Hardware needs microversion 1.5; raw BIOS and firmware need their rules."""
    bonded = [i for i, n in enumerate(req.networks) if n.bond is not None]
    if microversion.request_version() < HARDWARE_VERSION:
        if req.hardware is not None:
            field = "hardware"
        elif bonded:
            field = f"networks[{bonded[0]}].bond"
        else:
            return
        raise exception.InvalidParameter(
            field=field, reason=f"requires microversion {HARDWARE_VERSION} or later"
        )
    for index in bonded:
        if req.networks[index].net_id is None:
            raise exception.InvalidParameter(
                field=f"networks[{index}].bond",
                reason="a bond needs net_id: Mogan picks the node's ports",
            )
    if req.hardware is None:
        return
    for section, rule in RAW_SECTION_RULES.items():
        if getattr(req.hardware, section) is not None:
            state.authorize(ctx, rule)


@router.route("POST", "/v1/servers", status=201, policy="mogan:server:create", tag=TAG)
def create_server(
    ctx: mogan_context.RequestContext, body: schema.ServerCreate
) -> schema.Server:
    """Create one or several servers; answers with the first.

    Until an engine has loaded the nodes the answer is 503 with
    ``Retry-After``: scheduling could only fail.
    """
    req = body.server
    # NOTE: the raw-section rules first: the route's own rule is checked last.
    _check_hardware(ctx, req)
    _check_nics(req)
    state.authorize(ctx, "mogan:server:create")
    state.readiness().require()
    servers = server_svc.create(
        ctx,
        state.server_backends(),
        server_svc.CreateRequest(
            name=req.name,
            description=req.description,
            flavor_uuid=req.flavor_uuid,
            image_uuid=req.image_uuid,
            networks=[
                n.model_dump(exclude_none=True, exclude={"bond"}) for n in req.networks
            ],
            availability_zone=req.availability_zone,
            metadata=dict(req.metadata),
            user_data=req.user_data,
            personality=[p.model_dump() for p in req.personality],
            key_name=req.key_name,
            admin_pass=req.adminPass,
            min_count=req.min_count,
            max_count=req.max_count,
            partitions=req.partitions.model_dump() if req.partitions else {},
            group=body.scheduler_hints.group if body.scheduler_hints else None,
            hardware=hardware_schema.wire(req.hardware),
            bonds={
                index: n.bond.model_dump(exclude_none=True)
                for index, n in enumerate(req.networks)
                if n.bond is not None
            },
        ),
    )
    state.set_location(state.links("servers", servers[0].uuid)[0]["href"])
    return view(ctx, servers[0])


def _list(
    ctx: mogan_context.RequestContext, query: schema.ServerListQuery
) -> schema.ServerList:
    state.authorize(ctx, "mogan:server:get_all")
    filters = {
        key: value
        for key, value in query.model_dump(
            include={"name", "status", "flavor_uuid", "image_uuid"}
        ).items()
        if value is not None
    }
    servers = server_svc.get_all(
        ctx,
        all_projects=query.all_tenants,
        filters=filters,
        sort_key=query.sort_key,
        sort_dir=query.sort_dir,
        limit=state.page_limit(query.limit),
        marker=query.marker,
    )
    compositions = (
        server_svc.compositions(ctx, [s.uuid for s in servers if s.composed])
        if _sees_composition(ctx)
        else {}
    )
    return schema.ServerList(servers=[view(ctx, s, compositions) for s in servers])


@router.route("GET", "/v1/servers", policy="mogan:server:get_all", tag=TAG)
def list_servers(
    ctx: mogan_context.RequestContext, query: schema.ServerListQuery
) -> schema.ServerList:
    """List the project's servers."""
    return _list(ctx, query)


@router.route("GET", "/v1/servers/detail", policy="mogan:server:get_all", tag=TAG)
def list_servers_detail(
    ctx: mogan_context.RequestContext, query: schema.ServerListQuery
) -> schema.ServerList:
    """List the project's servers with every field."""
    return _list(ctx, query)


@router.route("GET", "/v1/servers/{server_uuid}", policy="mogan:server:get", tag=TAG)
def show_server(
    ctx: mogan_context.RequestContext, server_uuid: common.UUID
) -> schema.Server:
    """Show a server."""
    return view(ctx, _authorize(ctx, "mogan:server:get", server_uuid))


@router.route(
    "PATCH", "/v1/servers/{server_uuid}", policy="mogan:server:update", tag=TAG
)
def update_server(
    ctx: mogan_context.RequestContext,
    server_uuid: common.UUID,
    body: patch.PatchDocument,
) -> schema.Server:
    """Change a server's name, description or metadata."""
    _authorize(ctx, "mogan:server:update", server_uuid)

    def change(current: dict[str, Any]) -> dict[str, Any]:
        patched = patch.apply(
            current,
            body.root,
            patchable=set(server_svc.MUTABLE_FIELDS),
            internal=set(schema.Server.model_fields) - set(server_svc.MUTABLE_FIELDS),
        )
        return patch.validated(schema.ServerUpdate, patched)

    return view(
        ctx, server_svc.update(ctx, state.server_backends(), server_uuid, change)
    )


@router.route(
    "DELETE",
    "/v1/servers/{server_uuid}",
    status=204,
    policy="mogan:server:delete",
    tag=TAG,
)
def delete_server(ctx: mogan_context.RequestContext, server_uuid: common.UUID) -> None:
    """Delete a server."""
    _authorize(ctx, "mogan:server:delete", server_uuid)
    server_ops.delete(ctx, state.server_backends(), server_uuid)


@router.route(
    "PUT",
    "/v1/servers/{server_uuid}/states/power",
    status=202,
    policy="mogan:server:set_power_state",
    tag=TAG,
)
def set_power_state(
    ctx: mogan_context.RequestContext,
    server_uuid: common.UUID,
    body: schema.PowerState,
) -> None:
    """Power a server on or off, or reboot it."""
    _authorize(ctx, "mogan:server:set_power_state", server_uuid)
    server_ops.set_power_state(
        ctx, state.server_backends(), server_uuid, states.PowerTarget(body.target)
    )
    state.set_location(state.links("servers", server_uuid)[0]["href"])


@router.route(
    "PUT",
    "/v1/servers/{server_uuid}/states/lock",
    status=202,
    policy="mogan:server:set_lock_state",
    tag=TAG,
)
def set_lock_state(
    ctx: mogan_context.RequestContext,
    server_uuid: common.UUID,
    body: schema.LockState,
) -> None:
    """Lock or unlock a server."""
    _authorize(ctx, "mogan:server:set_lock_state", server_uuid)
    server_svc.set_lock(
        ctx,
        server_uuid,
        body.target,
        keep_actions=state.server_backends().bounds.actions_per_server,
    )


@router.route(
    "PUT",
    "/v1/servers/{server_uuid}/states/provision",
    status=202,
    policy="mogan:server:set_provision_state",
    tag=TAG,
)
def set_provision_state(
    ctx: mogan_context.RequestContext,
    server_uuid: common.UUID,
    body: schema.ProvisionState,
) -> None:
    """Rebuild a server, optionally with another image."""
    _authorize(ctx, "mogan:server:set_provision_state", server_uuid)
    server_ops.rebuild(
        ctx,
        state.server_backends(),
        server_uuid,
        image_uuid=body.image_uuid,
        preserve_ephemeral=body.preserve_ephemeral,
    )
    state.set_location(state.links("servers", server_uuid)[0]["href"])
