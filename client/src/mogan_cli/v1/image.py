"""Images of the embedded catalogue (``/v1/images``)."""

from mogan_cli import exceptions
from mogan_cli.v1 import base


class ImageManager(base.Manager):
    """Register, list, show and delete images."""

    def list(
        self,
        *,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> list[base.Resource]:
        """The images the caller may use (admins see every image and URL)."""
        query: base.Query = {
            "limit": limit,
            "marker": marker,
            "sort_key": sort_key,
            "sort_dir": sort_dir,
        }
        return list(self.api.get("/v1/images", query)["images"])

    def get(self, image_uuid: str) -> base.Resource:
        """One image by UUID."""
        return dict(self.api.get(f"/v1/images/{image_uuid}"))

    def find(self, name_or_uuid: str) -> base.Resource:
        """One image by UUID or, failing that, by exact name.

        Raises:
            CommandError: no image has that UUID or name, or several share it.
            HttpError: the API refused the lookup.
        """
        if base.is_uuid(name_or_uuid):
            try:
                return self.get(name_or_uuid)
            except exceptions.HttpError as err:
                if err.status != 404:  # noqa: PLR2004 - fall back to names on 404
                    raise
        matches = [i for i in self.list() if i.get("name") == name_or_uuid]
        if not matches:
            raise exceptions.CommandError(
                f"No image with a name or UUID of '{name_or_uuid}' exists."
            )
        if len(matches) > 1:
            raise exceptions.CommandError(
                f"More than one image exists with the name '{name_or_uuid}'."
            )
        return matches[0]

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

    def delete(self, image_uuid: str) -> None:
        """Delete an image."""
        self.api.delete(f"/v1/images/{image_uuid}")
