"""The image backend interface the API and the engine use."""

import abc
import dataclasses

from mogan import context as mogan_context


@dataclasses.dataclass(frozen=True)
class ImageInfo:
    """What deploying and validating a server needs to know about an image.

    Attributes:
        url: where a node (or the driver) fetches the image from without
            further credentials: the embedded catalogue's URL, or a
            temporary URL of Mogan's for a Glance image.
        checksum: ``<algo>:<hex>`` (Glance's ``os_hash_algo`` and
            ``os_hash_value``, else ``md5:<checksum>``), or what the
            embedded catalogue was given.
        glance_id: the image's id in Glance when it comes from Glance
            (drivers whose service reads the same Glance send it instead of
            ``url``), else None.
    """

    uuid: str
    name: str
    url: str
    checksum: str | None
    disk_format: str
    kernel_url: str | None
    ramdisk_url: str | None
    size: int | None
    min_disk: int
    status: str
    visibility: str
    owner: str | None
    glance_id: str | None = None

    @property
    def is_partition_image(self) -> bool:
        """Partition images come with a kernel and ramdisk (v1 section 2.5)."""
        return bool(self.kernel_url or self.ramdisk_url)


class ImageBackend(abc.ABC):
    """Read access to deploy images."""

    @abc.abstractmethod
    def get(self, ctx: mogan_context.RequestContext, image_uuid: str) -> ImageInfo:
        """An image the caller may use.

        Raises:
            ImageNotFound: no such image, or private to another project.
            ImageServiceUnavailable: the image service cannot answer.
        """
