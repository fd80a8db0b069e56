"""``mogan image ...``: the embedded image catalogue.

An ``<image>`` argument is a UUID or a name; names are looked up in the
image list (see :meth:`mogan_cli.v1.image.ImageManager.find`). So are the
``--kernel`` and ``--ramdisk`` of a partition image.
"""

import argparse
from typing import Any

from cliff import command

from mogan_cli.commands import common

FIELDS = (
    "uuid",
    "name",
    "status",
    "disk_format",
    "url",
    "checksum",
    "kernel_id",
    "ramdisk_id",
    "size",
    "min_disk",
    "visibility",
    "owner",
    "created_at",
    "updated_at",
)
LIST_COLUMNS = (
    ("UUID", "uuid"),
    ("Name", "name"),
    ("Disk Format", "disk_format"),
    ("Visibility", "visibility"),
)
LONG_COLUMNS = (
    ("Size", "size"),
    ("Min Disk", "min_disk"),
    ("Owner", "owner"),
    ("Kernel", "kernel_id"),
    ("Ramdisk", "ramdisk_id"),
)
DISK_FORMATS = (
    "raw",
    "qcow2",
    "vmdk",
    "vhd",
    "vhdx",
    "vdi",
    "iso",
    "ploop",
    "aki",
    "ari",
    "ami",
)


class CreateImage(common.ShowOne):
    """Register an image (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Image name, URL, format and the optional properties."""
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New image name")
        parser.add_argument(
            "--url", metavar="<url>", required=True, help="Where the deploy fetches it"
        )
        parser.add_argument(
            "--disk-format",
            metavar="<format>",
            choices=DISK_FORMATS,
            default="raw",
            help=f"One of {', '.join(DISK_FORMATS)} (default: raw)",
        )
        parser.add_argument("--checksum", metavar="<checksum>", help="Image checksum")
        parser.add_argument(
            "--kernel", metavar="<image>", help="Kernel image (partition images)"
        )
        parser.add_argument(
            "--ramdisk", metavar="<image>", help="Ramdisk image (partition images)"
        )
        parser.add_argument("--size", metavar="<bytes>", type=int, help="Size in bytes")
        parser.add_argument(
            "--min-disk",
            metavar="<gib>",
            type=int,
            help="Smallest root disk the image fits on (GiB)",
        )
        visibility = parser.add_mutually_exclusive_group()
        visibility.add_argument(
            "--public",
            dest="visibility",
            action="store_const",
            const="public",
            default="public",
            help="Every project may use the image (default)",
        )
        visibility.add_argument(
            "--private",
            dest="visibility",
            action="store_const",
            const="private",
            help="Only the owner project may use the image (needs --owner)",
        )
        parser.add_argument(
            "--owner", metavar="<project>", help="Project that owns the image"
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Register the image and show it."""
        images = common.client(self).images
        kernel = images.find(parsed_args.kernel)["uuid"] if parsed_args.kernel else None
        ramdisk = (
            images.find(parsed_args.ramdisk)["uuid"] if parsed_args.ramdisk else None
        )
        image = images.create(
            parsed_args.name,
            parsed_args.url,
            parsed_args.disk_format,
            checksum=parsed_args.checksum,
            kernel_id=kernel,
            ramdisk_id=ramdisk,
            size=parsed_args.size,
            min_disk=parsed_args.min_disk,
            visibility=parsed_args.visibility,
            owner=parsed_args.owner,
        )
        return common.show(image, FIELDS)


class ListImage(common.Lister):
    """List images."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """``--long`` and paging options."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--long",
            action="store_true",
            help="Also list size, min disk, owner, kernel and ramdisk",
        )
        parser.add_argument(
            "--limit", metavar="<n>", type=int, help="List at most <n> images"
        )
        parser.add_argument(
            "--marker", metavar="<image-uuid>", help="List images after this one"
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch the list."""
        images = common.client(self).images.list(
            limit=parsed_args.limit, marker=parsed_args.marker
        )
        wanted = LIST_COLUMNS + (LONG_COLUMNS if parsed_args.long else ())
        return common.rows(images, wanted)


class ShowImage(common.ShowOne):
    """Show an image."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The image to show."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "image", metavar="<image>", help="Image to show (name or UUID)"
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Find the image and show it."""
        return common.show(common.client(self).images.find(parsed_args.image), FIELDS)


class DeleteImage(command.Command):
    """Delete images (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """One or more images."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "images",
            metavar="<image>",
            nargs="+",
            help="Image(s) to delete (name or UUID)",
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Delete each image; report failures and fail at the end."""
        mogan = common.client(self)

        def delete(name: str) -> None:
            mogan.images.delete(mogan.images.find(name)["uuid"])

        common.delete_each(self, "image", parsed_args.images, delete)
