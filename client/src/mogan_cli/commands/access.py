"""Options and commands for the access lists of flavors and hardware profiles.

Both resources are public, or private and shared with a list of projects:
``--public``/``--private`` on create and set, ``--project`` on set (share)
and unset (stop sharing), and ``... access add|remove|list``. A resource's
command module describes itself with a ``Shared`` and builds its options and
access commands from here, so both behave alike.
"""

import argparse
import dataclasses
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from cliff import command

from mogan_cli.commands import common
from mogan_cli.v1 import access as v1_access
from mogan_cli.v1 import base
from mogan_cli.v1 import client as v1_client


@dataclasses.dataclass(frozen=True)
class Shared:
    """A kind of resource with an access list, as its commands see it.

    Attributes:
        noun: how help texts name it (``flavor``, ``profile``).
        find: looks one up by name or UUID.
        access: its access-list manager.
    """

    noun: str
    find: Callable[[v1_client.Client, str], base.Resource]
    access: Callable[[v1_client.Client], v1_access.AccessManager]

    def share(
        self, mogan: v1_client.Client, item_uuid: str, projects: Iterable[str]
    ) -> None:
        """Add each project to the resource's access list."""
        for project in projects:
            self.access(mogan).add(item_uuid, project)

    def unshare(
        self, mogan: v1_client.Client, item_uuid: str, projects: Iterable[str]
    ) -> None:
        """Remove each project from the resource's access list."""
        for project in projects:
            self.access(mogan).remove(item_uuid, project)


def visibility_options(
    parser: argparse.ArgumentParser, noun: str, *, default: bool | None
) -> None:
    """``--public`` or ``--private`` into ``is_public`` (``default`` if neither)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--public",
        dest="is_public",
        action="store_const",
        const=True,
        default=default,
        help=f"Any project may use the {noun}"
        + (" (default)" if default is True else ""),
    )
    group.add_argument(
        "--private",
        dest="is_public",
        action="store_const",
        const=False,
        help=f"Only projects on the {noun}'s access list may use it",
    )


def project_option(
    parser: argparse.ArgumentParser, help_text: str, *, required: bool = False
) -> None:
    """A repeatable ``--project`` into ``projects``."""
    parser.add_argument(
        "--project",
        metavar="<project>",
        dest="projects",
        action="append",
        required=required,
        default=None if required else [],
        help=help_text,
    )


def _item_argument(parser: argparse.ArgumentParser, shared: Shared) -> None:
    parser.add_argument(
        "item",
        metavar=f"<{shared.noun}>",
        help=f"Private {shared.noun} (name or UUID)",
    )


class AddAccess(command.Command):
    """Share a private resource with a project."""

    shared: ClassVar[Shared]

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The resource and the project."""
        parser = super().get_parser(prog_name)
        _item_argument(parser, self.shared)
        parser.add_argument(
            "project",
            metavar="<project>",
            help=f"Project to share the {self.shared.noun} with",
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Add the project to the access list."""
        mogan = common.client(self)
        item = self.shared.find(mogan, parsed_args.item)
        self.shared.share(mogan, item["uuid"], [parsed_args.project])


class RemoveAccess(command.Command):
    """Stop sharing a private resource with a project."""

    shared: ClassVar[Shared]

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The resource and the project."""
        parser = super().get_parser(prog_name)
        _item_argument(parser, self.shared)
        parser.add_argument(
            "project",
            metavar="<project>",
            help="Project to remove from the access list",
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Remove the project from the access list."""
        mogan = common.client(self)
        item = self.shared.find(mogan, parsed_args.item)
        self.shared.unshare(mogan, item["uuid"], [parsed_args.project])


class ListAccess(common.Lister):
    """List the projects a private resource is shared with."""

    shared: ClassVar[Shared]

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The resource."""
        parser = super().get_parser(prog_name)
        _item_argument(parser, self.shared)
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch the access list."""
        mogan = common.client(self)
        item = self.shared.find(mogan, parsed_args.item)
        projects = self.shared.access(mogan).list(item["uuid"])
        return ("Project ID",), [(p,) for p in projects]
