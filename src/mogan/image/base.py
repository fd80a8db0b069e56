"""The image backend interface the API and the engine use."""

import abc
import dataclasses

from mogan import context as mogan_context


@dataclasses.dataclass(frozen=True)
class ImageInfo:
    """What deploying and validating a server needs to know about an image."""

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
        """
