"""Flavor queries: lookups, visibility-filtered lists; access rows via ``access``."""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mogan import exception
from mogan.db import models
from mogan.db.api import access, visibility

ACCESS = access.AccessList(
    model=models.Flavor,
    owner=models.FlavorProject.flavor_id,
    project=models.FlavorProject.project_id,
    not_listed=lambda flavor, project: exception.FlavorAccessNotFound(
        flavor=flavor, project=project
    ),
)
add_project = ACCESS.add_project
remove_project = ACCESS.remove_project


def _visible(stmt: sa.Select[Any], project_id: str | None) -> sa.Select[Any]:
    """Restrict to enabled flavors that are public or shared with the project."""
    return stmt.where(models.Flavor.disabled.is_(False), ACCESS.visible_to(project_id))


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
