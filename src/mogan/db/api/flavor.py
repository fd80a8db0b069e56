"""Flavor queries: lookups, visibility-filtered lists, access-list rows."""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mogan import exception
from mogan.db import models
from mogan.db.api import visibility


def _visible(stmt: sa.Select[Any], project_id: str | None) -> sa.Select[Any]:
    """Restrict to enabled flavors that are public or shared with the project."""
    shared = sa.exists().where(
        models.FlavorProject.flavor_id == models.Flavor.id,
        models.FlavorProject.project_id == project_id,
    )
    return stmt.where(
        models.Flavor.disabled.is_(False),
        sa.or_(models.Flavor.is_public.is_(True), shared),
    )


def get(
    session: orm.Session,
    flavor_uuid: str,
    *,
    visible_to: str | None = None,
    all_visible: bool = True,
) -> models.Flavor:
    """The flavor with ``flavor_uuid``.

    Args:
        session: an open session.
        flavor_uuid: the flavor's id.
        visible_to: project whose view applies when ``all_visible`` is false.
        all_visible: true for admins, who see disabled and private flavors.

    Raises:
        FlavorNotFound: no such flavor, or hidden from the project.
    """
    row: models.Flavor = visibility.one(
        session,
        models.Flavor,
        flavor_uuid,
        _visible,
        visible_to=visible_to,
        all_visible=all_visible,
        not_found=exception.FlavorNotFound(flavor=flavor_uuid),
    )
    return row


def get_all(
    session: orm.Session,
    *,
    visible_to: str | None = None,
    all_visible: bool = True,
    sort_key: str = "name",
    sort_dir: str = "asc",
    limit: int | None = None,
    marker: models.Flavor | None = None,
) -> Sequence[models.Flavor]:
    """Flavors in order, optionally as the given project sees them."""
    return visibility.page(
        session,
        models.Flavor,
        _visible,
        visible_to=visible_to,
        all_visible=all_visible,
        sort_key=sort_key,
        sort_dir=sort_dir,
        limit=limit,
        marker=marker,
    )


def create(session: orm.Session, values: dict[str, Any]) -> models.Flavor:
    """Insert a flavor.

    Raises:
        FlavorExists: the name is taken.
    """
    flavor = models.Flavor(**values)
    try:
        with session.begin_nested():
            session.add(flavor)
    except sa_exc.IntegrityError as err:
        raise exception.FlavorExists(name=values.get("name")) from err
    return flavor


def update(
    session: orm.Session, flavor: models.Flavor, values: dict[str, Any]
) -> models.Flavor:
    """Change ``flavor`` in place.

    Raises:
        FlavorExists: a new name is taken.
    """
    try:
        with session.begin_nested():
            for key, value in values.items():
                setattr(flavor, key, value)
    except sa_exc.IntegrityError as err:
        raise exception.FlavorExists(name=values.get("name")) from err
    return flavor


def in_use(session: orm.Session, flavor_uuid: str) -> bool:
    """Whether any server references the flavor."""
    stmt = sa.select(models.Server.id).where(models.Server.flavor_uuid == flavor_uuid)
    return session.scalar(stmt.limit(1)) is not None


def destroy(session: orm.Session, flavor: models.Flavor) -> None:
    """Delete ``flavor`` and its access rows."""
    session.delete(flavor)
    session.flush()


def add_project(session: orm.Session, flavor: models.Flavor, project_id: str) -> None:
    """Share ``flavor`` with a project; sharing twice is a no-op, even concurrently."""
    if any(p.project_id == project_id for p in flavor.projects):
        return
    try:
        with session.begin_nested():
            session.add(
                models.FlavorProject(flavor_id=flavor.id, project_id=project_id)
            )
    except sa_exc.IntegrityError:
        # NOTE: a concurrent request shared it first: the outcome is the same.
        return
    session.expire(flavor, ["projects"])


def remove_project(
    session: orm.Session, flavor: models.Flavor, project_id: str
) -> None:
    """Stop sharing ``flavor`` with a project.

    Raises:
        FlavorAccessNotFound: the project was not on the list.
    """
    for row in flavor.projects:
        if row.project_id == project_id:
            flavor.projects.remove(row)
            session.flush()
            return
    raise exception.FlavorAccessNotFound(
        flavor=exception.labelled(flavor.name, flavor.uuid), project=project_id
    )
