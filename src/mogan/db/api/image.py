"""Embedded image catalogue queries: lookups and visibility-filtered lists.

Checks that span images (a kernel or ramdisk must exist, an image in use as
one cannot go) are in ``mogan.services.image``; these functions only read
and write rows.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan import exception
from mogan.db import models
from mogan.db.api import visibility


def _visible(stmt: sa.Select[Any], project_id: str | None) -> sa.Select[Any]:
    """Restrict to public images and the project's private ones."""
    return stmt.where(
        sa.or_(
            models.Image.visibility == "public",
            models.Image.owner == project_id,
        )
    )


def get(
    session: orm.Session,
    image_uuid: str,
    *,
    visible_to: str | None = None,
    all_visible: bool = True,
) -> models.Image:
    """The image with ``image_uuid``.

    Args:
        session: an open session.
        image_uuid: the image's id.
        visible_to: project whose view applies when ``all_visible`` is false.
        all_visible: true for admins, who see every image.

    Raises:
        ImageNotFound: no such image, or hidden from the project.
    """
    row: models.Image = visibility.one(
        session,
        models.Image,
        image_uuid,
        _visible,
        visible_to=visible_to,
        all_visible=all_visible,
        not_found=exception.ImageNotFound(image=image_uuid),
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
    marker: models.Image | None = None,
) -> Sequence[models.Image]:
    """Images in order, optionally as the given project sees them."""
    return visibility.page(
        session,
        models.Image,
        _visible,
        visible_to=visible_to,
        all_visible=all_visible,
        sort_key=sort_key,
        sort_dir=sort_dir,
        limit=limit,
        marker=marker,
    )


def get_users(session: orm.Session, image_uuid: str) -> Sequence[models.Image]:
    """Images that name ``image_uuid`` as their kernel or ramdisk."""
    stmt = (
        sa.select(models.Image)
        .where(
            sa.or_(
                models.Image.kernel_id == image_uuid,
                models.Image.ramdisk_id == image_uuid,
            )
        )
        .order_by(models.Image.id)
    )
    return session.scalars(stmt).all()


def get_urls(session: orm.Session, image_uuids: Sequence[str]) -> dict[str, str]:
    """The URL of each of ``image_uuids`` that exists."""
    if not image_uuids:
        return {}
    stmt = sa.select(models.Image.uuid, models.Image.url).where(
        models.Image.uuid.in_(image_uuids)
    )
    return {row.uuid: row.url for row in session.execute(stmt)}


def create(session: orm.Session, values: dict[str, Any]) -> models.Image:
    """Insert an image."""
    image = models.Image(**values)
    session.add(image)
    session.flush()
    return image


def destroy(session: orm.Session, image: models.Image) -> None:
    """Delete ``image``."""
    session.delete(image)
    session.flush()
