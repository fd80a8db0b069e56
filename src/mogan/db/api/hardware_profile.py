"""Hardware profile queries: lookups by name or uuid, visible lists, access rows."""

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mogan import exception
from mogan.db import models
from mogan.db.api import access, visibility

Profile = models.HardwareProfile
ACCESS = access.AccessList(
    model=Profile,
    owner=models.HardwareProfileProject.profile_id,
    project=models.HardwareProfileProject.project_id,
    not_listed=lambda profile, project: exception.HardwareProfileAccessNotFound(
        profile=profile, project=project
    ),
)
add_project = ACCESS.add_project
remove_project = ACCESS.remove_project


def _visible(stmt: sa.Select[Any], project_id: str | None) -> sa.Select[Any]:
    """Restrict to profiles that are public or shared with the project."""
    return stmt.where(ACCESS.visible_to(project_id))


def get(
    session: orm.Session,
    ref: str,
    *,
    visible_to: str | None = None,
    all_visible: bool = True,
) -> models.HardwareProfile:
    """The profile named ``ref`` (a uuid or a name).

    Raises:
        HardwareProfileNotFound: no such profile, or hidden from the project.
    """
    try:
        stmt = sa.select(Profile).where(Profile.uuid == str(uuid.UUID(ref)))
    except ValueError:
        stmt = sa.select(Profile).where(Profile.name == ref)
    if not all_visible:
        stmt = _visible(stmt, visible_to)
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise exception.HardwareProfileNotFound(profile=ref)
    return row


def get_all(
    session: orm.Session,
    *,
    visible_to: str | None = None,
    all_visible: bool = True,
    sort_key: str = "name",
    sort_dir: str = "asc",
    limit: int | None = None,
    marker: models.HardwareProfile | None = None,
) -> Sequence[models.HardwareProfile]:
    """Profiles in order, optionally as the given project sees them."""
    return visibility.page(
        session,
        Profile,
        _visible,
        visible_to=visible_to,
        all_visible=all_visible,
        sort_key=sort_key,
        sort_dir=sort_dir,
        limit=limit,
        marker=marker,
    )


def create(session: orm.Session, values: dict[str, Any]) -> models.HardwareProfile:
    """Insert a profile.

    Raises:
        HardwareProfileExists: the name is taken.
    """
    profile = Profile(**values)
    try:
        with session.begin_nested():
            session.add(profile)
    except sa_exc.IntegrityError as err:
        raise exception.HardwareProfileExists(name=values.get("name")) from err
    return profile


def update(
    session: orm.Session, profile: models.HardwareProfile, values: dict[str, Any]
) -> models.HardwareProfile:
    """Change ``profile`` in place.

    Raises:
        HardwareProfileExists: a new name is taken.
    """
    try:
        with session.begin_nested():
            for key, value in values.items():
                setattr(profile, key, value)
    except sa_exc.IntegrityError as err:
        raise exception.HardwareProfileExists(name=values.get("name")) from err
    return profile


def flavor_naming(session: orm.Session, profile_uuid: str) -> models.Flavor | None:
    """A flavor that names the profile as its default or an allowed one."""
    for flavor in session.scalars(sa.select(models.Flavor).order_by(models.Flavor.id)):
        allowed = flavor.allowed_hardware_profiles or []
        if flavor.default_hardware_profile == profile_uuid or profile_uuid in allowed:
            return flavor
    return None


def destroy(session: orm.Session, profile: models.HardwareProfile) -> None:
    """Delete ``profile`` and its access rows."""
    session.delete(profile)
    session.flush()
