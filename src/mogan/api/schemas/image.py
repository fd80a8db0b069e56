"""Image request and response bodies (the embedded catalogue, admin-managed).

Shaped after Glance v2's fields that deploying needs: a partition image
names its kernel and ramdisk images by id; ``url`` is where the deploy
fetches the image from and is shown to admins only (it may hold
credentials).
"""

from typing import Annotated, Literal

import pydantic

from mogan.api.schemas import common

DiskFormat = Literal[
    "raw", "qcow2", "vmdk", "vhd", "vhdx", "vdi", "iso", "ploop", "aki", "ari", "ami"
]
Visibility = Literal["public", "private"]
ImageUrl = Annotated[
    str,
    pydantic.StringConstraints(
        min_length=1, max_length=2048, pattern=r"^(https?|file|ftp)://\S+$"
    ),
]
# NOTE: 8 PiB, and the largest integer a JSON client (JavaScript) reads exactly.
MAX_IMAGE_SIZE = 2**53
Checksum = Annotated[
    str, pydantic.StringConstraints(min_length=1, max_length=255, pattern=r"^\S+$")
]


class ImageCreate(common.Request):
    """``POST /v1/images``."""

    name: common.Name
    url: ImageUrl = pydantic.Field(
        description="http(s)://, ftp:// or file:// URL the deploy fetches."
    )
    checksum: Checksum | None = None
    disk_format: DiskFormat
    kernel_id: common.UUID | None = pydantic.Field(
        default=None, description="Kernel image of a partition image."
    )
    ramdisk_id: common.UUID | None = pydantic.Field(
        default=None, description="Ramdisk image of a partition image."
    )
    size: Annotated[int, pydantic.Field(ge=0, le=MAX_IMAGE_SIZE)] | None = (
        pydantic.Field(default=None, description="Size in bytes.")
    )
    min_disk: Annotated[int, pydantic.Field(ge=0, le=common.MAX_DISK_GB)] = (
        pydantic.Field(
            default=0, description="Smallest root disk (GiB) the image fits on."
        )
    )
    visibility: Visibility = "public"
    owner: common.ProjectId | None = pydantic.Field(
        default=None,
        description="Project that owns (and alone sees) a private image.",
        validate_default=True,
    )

    @pydantic.field_validator("owner")
    @classmethod
    def _private_needs_owner(
        cls, value: str | None, info: pydantic.ValidationInfo
    ) -> str | None:
        if value is None and info.data.get("visibility") == "private":
            msg = "a private image needs an owner project"
            raise ValueError(msg)
        return value


class Image(common.Response):
    """An image. Non-admins do not see ``url``."""

    uuid: str
    name: str
    url: str | None = None
    checksum: str | None
    disk_format: str
    kernel_id: str | None
    ramdisk_id: str | None
    size: int | None
    min_disk: int
    visibility: str
    owner: str | None
    status: str
    links: list[common.Link]
    created_at: str
    updated_at: str | None


class ImageList(common.Response):
    """``GET /v1/images``."""

    images: list[Image]


class ImageListQuery(common.PageQuery):
    """Sorting and paging of the image list."""

    sort_key: Literal["name", "created_at", "updated_at", "uuid"] = "name"
    sort_dir: Literal["asc", "desc"] = "asc"
