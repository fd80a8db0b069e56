"""The built-in image catalogue: images registered in Mogan's own DB.

Used when there is no Glance. Admins register images through the API
(``mogan.services.image``); this backend is the read side the engine and
the server API use. A partition image's kernel and ramdisk are other
images of the catalogue, resolved here to their URLs.
"""

from mogan import context as mogan_context
from mogan.db import models
from mogan.db.api import image as image_db
from mogan.image import base


def info(image: models.Image, urls: dict[str, str]) -> base.ImageInfo:
    """The backend-neutral view of an image row.

    Args:
        image: the row.
        urls: image uuid -> URL, holding at least its kernel and ramdisk.
    """
    return base.ImageInfo(
        uuid=image.uuid,
        name=image.name,
        url=image.url,
        checksum=image.checksum,
        disk_format=image.disk_format,
        kernel_url=urls.get(image.kernel_id) if image.kernel_id else None,
        ramdisk_url=urls.get(image.ramdisk_id) if image.ramdisk_id else None,
        size=image.size,
        min_disk=image.min_disk,
        status=image.status,
        visibility=image.visibility,
        owner=image.owner,
    )


class EmbeddedImageBackend(base.ImageBackend):
    """Images from the ``images`` table."""

    def get(self, ctx: mogan_context.RequestContext, image_uuid: str) -> base.ImageInfo:
        """An image the caller may use (public, their project's, or admin).

        Raises:
            ImageNotFound: no such image, or private to another project.
        """
        with ctx.database.transaction() as session:
            image = image_db.get(
                session, image_uuid, visible_to=ctx.project_id, all_visible=ctx.is_admin
            )
            # NOTE: the kernel and ramdisk are looked up without the
            # caller's visibility: an admin may keep them private while
            # publishing the image that boots with them.
            parts = [i for i in (image.kernel_id, image.ramdisk_id) if i]
            return info(image, image_db.get_urls(session, parts))
