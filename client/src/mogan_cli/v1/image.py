"""Images of the embedded catalogue (``/v1/images``)."""

from mogan_cli.v1 import base


class ImageManager(base.CollectionManager):
    """Register, list, show and delete images."""

    collection = "images"
    noun = "image"

    def create(
        self,
        name: str,
        url: str,
        disk_format: str,
        **optional: object,
    ) -> base.Resource:
        """Register an image.

        Args:
            name: the image name.
            url: where the deploy fetches it.
            disk_format: raw, qcow2, aki, ari ...
            **optional: checksum, kernel_id, ramdisk_id, size, min_disk,
                visibility, owner; None values are left out.
        """
        body: base.Resource = {"name": name, "url": url, "disk_format": disk_format}
        body.update({k: v for k, v in optional.items() if v is not None})
        return dict(self.api.post("/v1/images", body))
