"""Hardware profiles: create, read, update, delete, access lists, resolution.

Admins see every profile; other callers see public profiles and the private
ones shared with their project, and anything else is "not found" to them.
``resolve`` picks the profile a server request uses: the one it names
(which the flavor must allow) or else the flavor's default.
"""

from collections.abc import Callable
from typing import Any

from oslo_utils import uuidutils
from sqlalchemy import orm

from mogan import context as mogan_context
from mogan import exception
from mogan.db import models
from mogan.db.api import hardware_profile as profile_db
from mogan.services import access, hardware_request

SECTIONS = hardware_request.SECTIONS
MUTABLE_FIELDS = (
    "name",
    "description",
    "is_public",
    "raid",
    "partitions",
    "bios",
    "firmware",
    "traits",
)

ACCESS = access.Access(
    rows=profile_db.ACCESS,
    lookup=profile_db.get,
    listing=profile_db.get_all,
    public=exception.HardwareProfileAccessPublic,
    public_conflict=exception.HardwareProfileAccessPublicConflict,
)
"""Profiles as the caller sees them and private profiles' access lists."""
# NOTE: the caller-visible lookups, under the names the routes use.
get = ACCESS.get
get_all = ACCESS.get_all


def _check(values: dict[str, Any]) -> None:
    """A profile is checked as a request holding only its sections would be."""
    hardware_request.check({k: values.get(k) for k in hardware_request.SECTIONS})


def create(
    ctx: mogan_context.RequestContext, values: dict[str, Any]
) -> models.HardwareProfile:
    """Create a profile from validated values.

    Raises:
        InvalidParameter: the sections do not hold together.
        HardwareProfileExists: the name is taken.
    """
    _check(values)
    values = {**values, "uuid": uuidutils.generate_uuid()}
    with ctx.database.transaction() as session:
        return profile_db.create(session, values)


def update(
    ctx: mogan_context.RequestContext,
    ref: str,
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> models.HardwareProfile:
    """Apply ``change`` to the profile's fields, atomically.

    Servers keep the request they were created with; only new servers see
    the change.

    Raises:
        HardwareProfileNotFound: no such profile.
        HardwareProfileExists: the new name is taken.
        InvalidParameter: the new sections do not hold together.
    """
    with ctx.database.transaction() as session:
        profile = profile_db.get(session, ref)
        current = {field: getattr(profile, field) for field in MUTABLE_FIELDS}
        new = change(current)
        _check(new)
        changed = {k: v for k, v in new.items() if current.get(k) != v}
        if changed:
            profile_db.update(session, profile, changed)
        return profile


def delete(ctx: mogan_context.RequestContext, ref: str) -> None:
    """Delete a profile and its access list.

    Raises:
        HardwareProfileNotFound: no such profile.
        HardwareProfileInUse: a flavor names it.
    """
    with ctx.database.transaction() as session:
        profile = profile_db.get(session, ref)
        flavor = profile_db.flavor_naming(session, profile.uuid)
        if flavor is not None:
            raise exception.HardwareProfileInUse(
                profile=exception.labelled(profile.name, profile.uuid),
                flavor=exception.labelled(flavor.name, flavor.uuid),
            )
        profile_db.destroy(session, profile)


def flavor_profiles(session: orm.Session, refs: list[str], *, field: str) -> list[str]:
    """The uuids of the profiles ``refs`` name (names or uuids), for a flavor.

    Raises:
        InvalidParameter: a reference names no profile.
    """
    uuids: list[str] = []
    for ref in refs:
        try:
            uuid = profile_db.get(session, ref).uuid
        except exception.HardwareProfileNotFound as err:
            raise exception.InvalidParameter(
                field=field, reason=f"hardware profile {ref} could not be found"
            ) from err
        if uuid not in uuids:
            uuids.append(uuid)
    return uuids


def resolve(
    ctx: mogan_context.RequestContext,
    session: orm.Session,
    flavor: models.Flavor,
    ref: str | None,
) -> hardware_request.Source | None:
    """The profile a server request uses: the one named, else the flavor's default.

    Raises:
        InvalidParameter: the named profile is not one the caller may see,
            or not one the flavor allows.
    """
    default = flavor.default_hardware_profile
    if ref is None and default is None:
        return None
    try:
        if ref is None:
            # NOTE: the flavor's default applies whoever may see it.
            profile = profile_db.get(session, default or "")
        else:
            profile = profile_db.get(session, ref, **access.visibility(ctx))
    except exception.HardwareProfileNotFound as err:
        raise exception.InvalidParameter(
            field="hardware.profile",
            reason=f"hardware profile {ref or default} could not be found",
        ) from err
    allowed = flavor.allowed_hardware_profiles or []
    if ref is not None and allowed and profile.uuid not in {*allowed, default}:
        flavor_label = exception.labelled(flavor.name, flavor.uuid)
        profile_label = exception.labelled(profile.name, profile.uuid)
        raise exception.InvalidParameter(
            field="hardware.profile",
            reason=(
                f"flavor {flavor_label} does not allow hardware profile {profile_label}"
            ),
        )
    return hardware_request.Source(
        uuid=profile.uuid,
        sections={k: getattr(profile, k) for k in hardware_request.SECTIONS},
        traits=tuple(profile.traits or ()),
    )
