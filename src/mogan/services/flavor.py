"""Flavors: create, read, update, delete, and private-flavor access lists.

Admins see every flavor; other callers see enabled flavors that are public or
shared with their project, and anything else is "not found" to them.
"""

from collections.abc import Callable
from typing import Any

from oslo_utils import uuidutils
from sqlalchemy import orm

from mogan import context as mogan_context
from mogan import exception
from mogan.db import models
from mogan.db.api import flavor as flavor_db
from mogan.placement import blocks as placement_blocks
from mogan.placement import client as placement_client
from mogan.services import access, hardware_profile

# NOTE: changing resources, traits or aggregates under existing servers would
# desynchronise them from their nodes, so only these can change after create
# (servers keep the hardware request they were created with).
MUTABLE_FIELDS = (
    "name",
    "description",
    "is_public",
    "disabled",
    "default_hardware_profile",
    "allowed_hardware_profiles",
)

CUSTOM_PREFIX = "CUSTOM_"

ACCESS = access.Access(
    rows=flavor_db.ACCESS,
    lookup=flavor_db.get,
    listing=flavor_db.get_all,
    public=exception.FlavorAccessPublic,
    public_conflict=exception.FlavorAccessPublicConflict,
)
"""Flavors as the caller sees them and private flavors' access lists."""
# NOTE: the caller-visible lookups, under the names the routes use.
get = ACCESS.get
get_all = ACCESS.get_all


def placement_resources(resources: dict[str, int]) -> dict[str, int]:
    """``resources`` keyed by Placement's class names.

    Raises:
        InvalidParameter: two keys name the same class, or one is a bare
            ``CUSTOM_``.
    """
    out: dict[str, int] = {}
    given: dict[str, str] = {}
    for name, amount in resources.items():
        rc = placement_client.placement_class(name)
        if rc == CUSTOM_PREFIX:
            # NOTE: composed nodes are enrolled with an empty resource class,
            # whose Placement class this would be.
            raise exception.InvalidParameter(
                field="resources",
                reason=f"{name} names no resource class (nothing after CUSTOM_)",
            )
        if rc in out:
            raise exception.InvalidParameter(
                field="resources",
                reason=f"{given[rc]} and {name} are both the resource class {rc}",
            )
        out[rc] = amount
        given[rc] = name
    return out


def check_composable(values: dict[str, Any]) -> None:
    """A composable flavor asks for amounts the scheduler can build from blocks.

    Its ``resources`` name Placement classes as resource blocks have them
    (``VCPU``, ``MEMORY_MB``, ``DISK_GB``, ``CUSTOM_*``), with ``VCPU``
    (every composed system has a Compute block). Traits and aggregates
    select nodes, which a composed server has none of yet.

    Raises:
        InvalidParameter: naming the field that does not hold.
    """
    resources = values.get("resources") or {}
    odd = sorted(
        rc
        for rc in resources
        if rc not in placement_blocks.STANDARD_CLASSES and not rc.startswith("CUSTOM_")
    )
    if odd:
        raise exception.InvalidParameter(
            field="resources",
            reason=(
                "a composable flavor asks for amounts of "
                f"{', '.join(placement_blocks.STANDARD_CLASSES)} or CUSTOM_* "
                f"classes, not {', '.join(odd)}"
            ),
        )
    if resources.get(placement_blocks.VCPU, 0) < 1:
        raise exception.InvalidParameter(
            field="resources",
            reason="a composable flavor needs VCPU (at least 1)",
        )
    for field in ("resource_traits", "resource_aggregates"):
        if values.get(field):
            raise exception.InvalidParameter(
                field=field, reason="not supported for a composable flavor yet"
            )
    _check_composable_profiles(values)


def _check_composable_profiles(values: dict[str, Any]) -> None:
    """A composable flavor names no hardware profile: composed servers take none.

    Raises:
        InvalidParameter: naming ``default_hardware_profile`` or
            ``allowed_hardware_profiles``.
    """
    for field in ("default_hardware_profile", "allowed_hardware_profiles"):
        if values.get(field):
            raise exception.InvalidParameter(
                field=field,
                reason=(
                    "a composable flavor takes no hardware profile: hardware "
                    "configuration is not supported for composed servers"
                ),
            )


def _profiles(session: orm.Session, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with the hardware profiles named by uuid (given by name or uuid).

    Raises:
        InvalidParameter: a profile does not exist.
    """
    values = dict(values)
    default = values.get("default_hardware_profile")
    if default is not None:
        values["default_hardware_profile"] = hardware_profile.flavor_profiles(
            session, [default], field="default_hardware_profile"
        )[0]
    values["allowed_hardware_profiles"] = hardware_profile.flavor_profiles(
        session,
        list(values.get("allowed_hardware_profiles") or ()),
        field="allowed_hardware_profiles",
    )
    return values


def create(ctx: mogan_context.RequestContext, values: dict[str, Any]) -> models.Flavor:
    """Create a flavor from validated values.

    Resource classes are stored as Placement names them, whichever way they
    were given (``baremetal-gold`` is ``CUSTOM_BAREMETAL_GOLD``), so the
    scheduler matches them with the nodes' classes.

    Raises:
        InvalidParameter: two spellings of one resource class, a hardware
            profile that does not exist, or a composable flavor asking for
            what blocks cannot give (see ``check_composable``).
        FlavorExists: the name is taken.
    """
    if values.get("composable"):
        check_composable(values)
    values = {
        **values,
        "uuid": uuidutils.generate_uuid(),
        "resources": placement_resources(values.get("resources") or {}),
    }
    with ctx.database.transaction() as session:
        return flavor_db.create(session, _profiles(session, values))


def update(
    ctx: mogan_context.RequestContext,
    flavor_uuid: str,
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> models.Flavor:
    """Apply ``change`` to the flavor's mutable fields, atomically.

    Args:
        ctx: the caller.
        flavor_uuid: the flavor to change.
        change: maps the current mutable fields to the new ones (the API
            applies a JSON patch and validates the result here); it runs
            inside the transaction so concurrent updates do not interleave.

    Raises:
        FlavorNotFound: no such flavor.
        FlavorExists: the new name is taken.
        InvalidParameter: a composable flavor given a hardware profile.
    """
    with ctx.database.transaction() as session:
        flavor = flavor_db.get(session, flavor_uuid)
        current = {field: getattr(flavor, field) for field in MUTABLE_FIELDS}
        current["allowed_hardware_profiles"] = list(
            flavor.allowed_hardware_profiles or ()
        )
        proposed = change(current)
        if flavor.composable:
            _check_composable_profiles(
                {k: v for k, v in proposed.items() if current.get(k) != v}
            )
        new = _profiles(session, proposed)
        changed = {k: v for k, v in new.items() if current.get(k) != v}
        if changed:
            flavor_db.update(session, flavor, changed)
        return flavor


def delete(ctx: mogan_context.RequestContext, flavor_uuid: str) -> None:
    """Delete a flavor and its access list.

    Raises:
        FlavorNotFound: no such flavor.
        FlavorInUse: servers still use it (disable it instead).
    """
    with ctx.database.transaction() as session:
        flavor = flavor_db.get(session, flavor_uuid)
        if flavor_db.in_use(session, flavor.uuid):
            raise exception.FlavorInUse(
                flavor=exception.labelled(flavor.name, flavor.uuid)
            )
        flavor_db.destroy(session, flavor)
