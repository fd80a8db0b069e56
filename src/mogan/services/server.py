"""Servers: create (one or many, with quota), read, update, lock.

Creating validates the request (``server_request``), checks quota and
writes the servers and their ``schedule`` workflow in ONE transaction, then
nudges an engine. The engine does the work; a lost nudge only delays it to
the engine's next poll. Delete, power and rebuild are ``server_ops``; the
state changes the engine makes while it works are ``server_state``.
"""

import secrets
import string
from collections.abc import Callable, Sequence
from typing import Any

from oslo_utils import uuidutils
from sqlalchemy import orm

from mogan import context as mogan_context
from mogan import exception, states
from mogan.db import models
from mogan.db.api import composition as composition_db
from mogan.db.api import flavor as flavor_db
from mogan.db.api import keypair as keypair_db
from mogan.db.api import server as server_db
from mogan.db.api import server_group as server_group_db
from mogan.services import (
    engine_calls,
    hardware_fit,
    hardware_profile,
    hardware_request,
    server_network,
    server_request,
    workflow_args,
)
from mogan.services import quota as quota_svc
from mogan.services import server_action as action_svc

PASSWORD_ALPHABET = string.ascii_letters + string.digits
MUTABLE_FIELDS = ("name", "description", "metadata")

# NOTE: the request, its bounds and backends are ``server_request``'s; they
# are named here too because every caller of ``create`` needs them.
CreateRequest = server_request.CreateRequest
RequestBounds = server_request.RequestBounds
Backends = server_request.Backends


def _group(
    ctx: mogan_context.RequestContext, session: orm.Session, group_uuid: str | None
) -> models.ServerGroup | None:
    """The group a ``scheduler_hints.group`` names, if the caller may use it.

    Raises:
        InvalidParameter: no such group, or another project's (admins may
            use any).
    """
    if group_uuid is None:
        return None
    try:
        return server_group_db.get(
            session,
            group_uuid,
            project_id=None if ctx.is_admin else ctx.project_id or "",
        )
    except exception.ServerGroupNotFound as err:
        raise exception.InvalidParameter(
            field="scheduler_hints.group",
            reason=f"server group {group_uuid} could not be found",
        ) from err


def _group_limits(
    ctx: mogan_context.RequestContext,
    backends: Backends,
    group_uuid: str | None,
    project_id: str,
    limits: quota_svc.Effective,
) -> quota_svc.Effective:
    """The limits of the project owning the group the servers join.

    An admin may put servers in another project's group: that project's
    ``server_group_members`` limit applies. Read before the writing
    transaction, as every limit is.

    Raises:
        InvalidParameter: the group is not one the caller may use.
    """
    if group_uuid is None:
        return limits
    with ctx.database.transaction(readonly=True) as session:
        group = _group(ctx, session, group_uuid)
        owner = group.project_id if group is not None else project_id
    if owner == project_id:
        return limits
    return backends.limits.limits(ctx.database, owner)


def _check_members(
    session: orm.Session,
    bounds: RequestBounds,
    limits: quota_svc.Effective,
    group: models.ServerGroup,
    adding: int,
) -> None:
    """The group takes ``adding`` more members: quota, then bound.

    Raises:
        OverQuota: past the group's project's ``server_group_members`` quota.
        InvalidParameter: past ``[api] max_server_group_members``.
    """
    members = quota_svc.check_group_members(
        session,
        limits,
        group_id=group.id,
        group_uuid=group.uuid,
        adding=adding,
    )
    if members + adding > bounds.group_members:
        raise exception.InvalidParameter(
            field="scheduler_hints.group",
            reason=(
                f"server group {group.uuid} holds {members} servers; at most "
                f"{bounds.group_members} allowed"
            ),
        )


def _hardware(
    ctx: mogan_context.RequestContext, request: CreateRequest
) -> dict[str, Any] | None:
    """The effective hardware request: request over profile, checked whole.

    Read before the writing transaction: profiles and the flavor's choice
    of them are read-only here.

    Raises:
        FlavorNotFound: the flavor is missing or hidden.
        InvalidParameter: the profile is unknown or not allowed, the
            merged request does not hold together, or the flavor is
            composable (``hardware_request.refuse_composed``).
    """
    with ctx.database.transaction(readonly=True) as session:
        flavor = flavor_db.get(
            session,
            request.flavor_uuid,
            visible_to=ctx.project_id,
            all_visible=ctx.is_admin,
        )
        if flavor.composable:
            hardware_request.refuse_composed(
                exception.labelled(flavor.name, flavor.uuid),
                request.hardware,
                request.bonds,
                default_profile=flavor.default_hardware_profile,
            )
        profile = hardware_profile.resolve(
            ctx, session, flavor, (request.hardware or {}).get("profile")
        )
        effective = hardware_request.merge(request.hardware, profile, request.bonds)
        hardware_request.check(effective)
    return effective


def _names(name: str, count: int, uuids: list[str]) -> list[str]:
    if count == 1:
        return [name]
    return [f"{name}-{index}" for index in range(1, len(uuids) + 1)]


def create(
    ctx: mogan_context.RequestContext,
    backends: Backends,
    request: CreateRequest,
) -> list[models.Server]:
    """Create ``max_count`` servers (at least ``min_count`` will be built or none).

    Returns:
        The new servers, all ``building``; the first is the API's answer.

    Raises:
        InvalidParameter: counts, user data, personality, partitions or the
            hardware request are bad.
        FlavorNotFound, ImageNotFound, NetworkNotFound, KeypairNotFound,
            PortNotFound: a referenced resource is missing or hidden.
        PortInUse: a requested port is bound or has no address.
        OverQuota: fewer than ``min_count`` servers fit (the network
            service's port quota first, then Mogan's).
        AvailabilityZoneNotFound: no aggregate with nodes has the zone.
        InvalidParameter: ``scheduler_hints.group`` names no group the
            caller may use.
    """
    server_request.check_bounds(backends.bounds, request)
    max_count = request.max_count or request.min_count
    if request.min_count > max_count:
        raise exception.InvalidParameter(
            field="min_count", reason="min_count must be <= max_count"
        )
    server_request.check_user_data(request.user_data)
    server_request.check_personality(request.personality)
    image = backends.images.get(ctx, request.image_uuid)
    server_request.check_active(image)
    partitions = server_request.partitions(request, image)
    hardware = _hardware(ctx, request)
    typed_hardware = hardware_request.typed(hardware, request.networks)
    if typed_hardware:
        # NOTE: what no node of the cloud could ever take is refused here,
        # with the reasons counted, not left to fail in the scheduler.
        with ctx.database.transaction(readonly=True) as session:
            hardware_fit.check_fleet(session, typed_hardware)
    networks = server_network.check(ctx, backends.networks, request.networks, max_count)
    project_id = ctx.require_project("Creating servers")
    # NOTE: v1's order: the network service's port quota shrinks max_count
    # first, then Mogan's own quotas (inside the transaction below).
    max_count = server_network.fit_ports(
        ctx,
        backends.networks,
        project_id,
        networks,
        min_count=request.min_count,
        max_count=max_count,
    )
    limits = backends.limits.limits(ctx.database, project_id)
    quota_svc.check_metadata(limits, len(request.metadata))
    group_limits = _group_limits(ctx, backends, request.group, project_id, limits)
    quota_svc.prepare_locks(
        ctx.database,
        (quota_svc.SERVERS, project_id),
        (quota_svc.SERVER_GROUP_MEMBERS, request.group),
    )
    request_id = uuidutils.generate_uuid()
    admin_pass = request.admin_pass or "".join(
        secrets.choice(PASSWORD_ALPHABET) for _ in range(12)
    )
    with ctx.database.transaction() as session:
        flavor = flavor_db.get(
            session,
            request.flavor_uuid,
            visible_to=ctx.project_id,
            all_visible=ctx.is_admin,
        )
        server_request.check_flavor(session, flavor, request)
        group = _group(ctx, session, request.group)
        count = quota_svc.servers_that_fit(
            session,
            limits,
            project_id,
            flavor_resources={
                quota_svc.resource_class(name): int(amount)
                for name, amount in flavor.resources.items()
            },
            min_count=request.min_count,
            max_count=max_count,
        )
        if group is not None:
            _check_members(session, backends.bounds, group_limits, group, count)
        uuids = [uuidutils.generate_uuid() for _ in range(count)]
        names = _names(request.name, count, uuids)
        public_key = None
        if request.key_name is not None:
            public_key = keypair_db.get(
                session, ctx.user_id or "", request.key_name
            ).public_key
        servers = [
            server_db.create(
                session,
                {
                    "uuid": server_uuid,
                    "name": name,
                    "description": request.description,
                    "project_id": project_id,
                    "user_id": ctx.user_id or "",
                    "status": states.BUILDING,
                    "flavor_uuid": flavor.uuid,
                    "image_uuid": image.uuid,
                    "availability_zone": request.availability_zone,
                    "extra": dict(request.metadata),
                    "partitions": partitions,
                    "key_name": request.key_name,
                    "system_metadata": {},
                    "request_id": request_id,
                    "hardware": hardware,
                    "composed": bool(flavor.composable),
                },
            )
            for server_uuid, name in zip(uuids, names, strict=True)
        ]
        for server in servers:
            action_svc.start(
                session,
                ctx,
                server,
                action_svc.CREATE,
                keep=backends.bounds.actions_per_server,
            )
        if group is not None:
            # NOTE: members join with the servers, before scheduling, so the
            # scheduler sees every member of a multi-create at once.
            server_group_db.add_members(session, group, uuids)
        workflow = workflow_args.start(
            session,
            workflow_args.ScheduleArgs(
                server_uuids=uuids,
                min_count=request.min_count,
                flavor_uuid=flavor.uuid,
                availability_zone=request.availability_zone,
                group_uuid=group.uuid if group is not None else None,
                project_id=project_id,
                user_id=ctx.user_id,
                build_args=workflow_args.BuildArgs(
                    image_uuid=image.uuid,
                    # NOTE: the engine resolves each bond to node ports.
                    networks=[
                        {**net, "bond": request.bonds[index]}
                        if index in request.bonds
                        else net
                        for index, net in enumerate(networks)
                    ],
                    user_data=request.user_data,
                    # NOTE: sealed before it rests in the workflow row.
                    admin_pass=backends.sealer.seal(admin_pass),
                    key_name=request.key_name,
                    public_key=public_key,
                    personality=request.personality,
                    partitions=partitions,
                    hardware=(
                        workflow_args.hardware_json(typed_hardware)
                        if typed_hardware
                        else None
                    ),
                ),
            ),
            context=ctx.to_dict(),
        )
        workflow_uuid = workflow.uuid
    backends.engine.nudge(
        engine_calls.rpc_context(ctx),
        workflow_uuid,
        kind=workflow_args.Kind.SCHEDULE.value,
    )
    return servers


def get(ctx: mogan_context.RequestContext, server_uuid: str) -> models.Server:
    """The server.

    Raises:
        ServerNotFound: no such server.
    """
    with ctx.database.transaction(readonly=True) as session:
        return server_db.get(session, server_uuid)


def compositions(
    ctx: mogan_context.RequestContext, server_uuids: list[str]
) -> dict[str, models.ComposedSystem]:
    """The composed systems of those servers that have one, by server uuid."""
    with ctx.database.transaction(readonly=True) as session:
        return composition_db.composed_of_all(session, server_uuids)


def get_all(
    ctx: mogan_context.RequestContext,
    *,
    all_projects: bool,
    filters: dict[str, Any],
    sort_key: str,
    sort_dir: str,
    limit: int | None,
    marker: str | None,
) -> Sequence[models.Server]:
    """A page of servers of the caller's project (or every project).

    Every project when the caller may read them all and asks
    (``all_projects``) or has no project (``RequestContext.project_filter``).

    Raises:
        ServerNotFound: the marker names no server of the listing.
        ProjectScopeRequired: the caller has no project and may not read
            every project.
    """
    with ctx.database.transaction(readonly=True) as session:
        marker_row = server_db.get(session, marker) if marker else None
        project = ctx.project_filter(all_projects)
        if marker_row is not None and project and marker_row.project_id != project:
            raise exception.ServerNotFound(server=marker)
        return server_db.get_all(
            session,
            project_id=project,
            filters=filters,
            sort_key=sort_key,
            sort_dir=sort_dir,
            limit=limit,
            marker=marker_row,
        )


def update(
    ctx: mogan_context.RequestContext,
    backends: Backends,
    server_uuid: str,
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> models.Server:
    """Apply ``change`` to name, description and metadata atomically.

    Only those three fields are read and written, so admin-only fields are
    never touched by a patch (fixes v1 bug 4).

    Raises:
        ServerNotFound: no such server.
        InvalidParameter: the new metadata is past the configured bounds.
        OverQuota: the new metadata is past the project's quota.
    """
    with ctx.database.transaction(readonly=True) as session:
        owner = server_db.get(session, server_uuid).project_id
    limits = backends.limits.limits(ctx.database, owner)
    with ctx.database.transaction() as session:
        server = server_db.get(session, server_uuid, for_update=True)
        current = {
            "name": server.name,
            "description": server.description,
            "metadata": dict(server.extra),
        }
        new = change(current)
        metadata = dict(new.get("metadata") or {})
        if metadata != dict(server.extra):
            server_request.check_metadata(backends.bounds, metadata)
        if len(metadata) > len(server.extra):
            quota_svc.check_metadata(limits, len(metadata))
        server.name = new["name"]
        server.description = new.get("description")
        server.extra = metadata
        session.flush()
        return server


def set_lock(
    ctx: mogan_context.RequestContext,
    server_uuid: str,
    locked: bool,
    *,
    keep_actions: int = action_svc.DEFAULT_KEEP,
) -> None:
    """Lock or unlock a server (v1 section 2.3; admins may lift any lock).

    The owner's project locks as ``owner``; anyone else (an admin from
    another project) as ``admin``. The owner cannot lift an admin lock.

    Raises:
        ServerNotFound: no such server.
        Forbidden: the owner tried to lift an admin's lock.
    """
    with ctx.database.transaction() as session:
        server = server_db.get(session, server_uuid, for_update=True)
        side = "owner" if ctx.project_id == server.project_id else "admin"
        action = action_svc.LOCK if locked else action_svc.UNLOCK
        action_svc.record(session, ctx, server, action, keep=keep_actions)
        if locked:
            if server.locked_by is None or side == "admin":
                server.locked_by = side
            return
        if server.locked_by == "admin" and not ctx.is_admin:
            raise exception.Forbidden(rule="unlock of an admin lock")
        server.locked_by = None
