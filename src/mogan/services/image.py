"""Embedded image catalogue: register, list, show and delete images.

Admins see every image; other callers see public images and their
project's private ones, and anything else is "not found" to them. Reading
an image for a deploy goes through ``mogan.image.get_backend`` instead, so
it works the same with Glance.
"""

from collections.abc import Sequence
from typing import Any

from oslo_utils import uuidutils

from mogan import context as mogan_context
from mogan import exception
from mogan.db import models
from mogan.db.api import image as image_db


def _visibility(ctx: mogan_context.RequestContext) -> dict[str, Any]:
    return {"visible_to": ctx.project_id, "all_visible": ctx.can_read_all}


def get(ctx: mogan_context.RequestContext, image_uuid: str) -> models.Image:
    """The image, as the caller may see it.

    Raises:
        ImageNotFound: no such image or hidden from the caller.
    """
    with ctx.database.transaction() as session:
        return image_db.get(session, image_uuid, **_visibility(ctx))


def get_all(
    ctx: mogan_context.RequestContext,
    sort_key: str = "name",
    sort_dir: str = "asc",
    limit: int | None = None,
    marker: str | None = None,
) -> Sequence[models.Image]:
    """Images the caller may see, one page of them.

    Raises:
        ImageNotFound: the marker names no visible image.
    """
    with ctx.database.transaction() as session:
        marker_row = (
            image_db.get(session, marker, **_visibility(ctx)) if marker else None
        )
        return image_db.get_all(
            session,
            sort_key=sort_key,
            sort_dir=sort_dir,
            limit=limit,
            marker=marker_row,
            **_visibility(ctx),
        )


def create(ctx: mogan_context.RequestContext, values: dict[str, Any]) -> models.Image:
    """Register an image from validated values.

    Raises:
        InvalidParameter: ``kernel_id`` or ``ramdisk_id`` names no image.
    """
    values = {**values, "uuid": uuidutils.generate_uuid(), "status": "active"}
    with ctx.database.transaction() as session:
        for field in ("kernel_id", "ramdisk_id"):
            if values.get(field):
                try:
                    image_db.get(session, values[field])
                except exception.ImageNotFound as err:
                    raise exception.InvalidParameter(
                        field=field, reason=f"no image {values[field]} exists"
                    ) from err
        return image_db.create(session, values)


def delete(ctx: mogan_context.RequestContext, image_uuid: str) -> None:
    """Delete an image.

    Raises:
        ImageNotFound: no such image.
        Conflict: another image boots with it as kernel or ramdisk.
    """
    with ctx.database.transaction() as session:
        image = image_db.get(session, image_uuid)
        users = image_db.get_users(session, image.uuid)
        if users:
            names = ", ".join(exception.labelled(u.name, u.uuid) for u in users)
            raise exception.Conflict(
                reason=(
                    f"image {exception.labelled(image.name, image.uuid)} is the "
                    f"kernel or ramdisk of {names}"
                )
            )
        image_db.destroy(session, image)
