"""``mogan composition service create|list|show|set|delete`` and ``block list``.

Admin only (microversion 1.7). A ``<service>`` argument is a UUID or a
name. The service's password is read from ``--password`` or, better (shell
history keeps arguments), from the ``MOGAN_COMPOSITION_PASSWORD``
environment variable, and is never printed.
"""

import argparse
from typing import Any

from cliff import command

from mogan_cli import exceptions
from mogan_cli.commands import common, credentials

FIELDS = (
    "uuid",
    "name",
    "driver_info",
    "zones",
    "blocks",
    "synced_at",
    "created_at",
    "updated_at",
)
LIST_COLUMNS = (
    ("UUID", "uuid"),
    ("Name", "name"),
    ("Zones", "zones"),
    ("Blocks", "blocks"),
    ("Synced At", "synced_at"),
)
BLOCK_COLUMNS = (
    ("ID", "id"),
    ("Types", "types"),
    ("Zone", "zone"),
    ("State", "state"),
    ("Reserved", "reserved"),
    ("Cores", "cores"),
    ("Memory MB", "memory_mb"),
    ("Storage GB", "storage_gb"),
    ("Accelerators", "accelerators"),
    ("Provider", "provider_uuid"),
    ("Node", "node_uuid"),
    ("Server", "server_uuid"),
)
CREDENTIALS = credentials.Credentials(
    prefix="",
    noun="service",
    password_env="MOGAN_COMPOSITION_PASSWORD",  # noqa: S106 - the variable's name
    address_help="The service root's URL (https://composer.example)",
)


class CreateCompositionService(common.ShowOne):
    """Register a Redfish composition service (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Name and access."""
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New service name")
        CREDENTIALS.add_options(parser, required=True)
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Register it (the engine checks and syncs it) and show it."""
        created = common.client(self).composition_services.create(
            name=parsed_args.name, driver_info=CREDENTIALS.driver_info(parsed_args)
        )
        return common.show(common.shape(created), FIELDS)


class ListCompositionService(common.Lister):
    """List composition services (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Paging options."""
        parser = super().get_parser(prog_name)
        parser.add_argument("--limit", metavar="<n>", type=int, help="At most <n>")
        parser.add_argument(
            "--marker", metavar="<uuid>", help="List services after this one"
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch every page."""
        found = common.client(self).composition_services.list(
            limit=parsed_args.limit, marker=parsed_args.marker
        )
        return common.rows([common.shape(s) for s in found], LIST_COLUMNS)


class ShowCompositionService(common.ShowOne):
    """Show a composition service (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The service."""
        parser = super().get_parser(prog_name)
        parser.add_argument("service", metavar="<service>", help="Name or UUID")
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Find and show it."""
        found = common.client(self).composition_services.find(parsed_args.service)
        return common.show(common.shape(found), FIELDS)


class SetCompositionService(common.ShowOne):
    """Rename a composition service or change how it is reached (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """What to change."""
        parser = super().get_parser(prog_name)
        parser.add_argument("service", metavar="<service>", help="Name or UUID")
        parser.add_argument("--name", metavar="<name>", help="New name")
        CREDENTIALS.add_options(parser, required=False)
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Send one JSON patch; show the service.

        Raises:
            CommandError: nothing to set, or access options without address
                and user.
        """
        driver_info = CREDENTIALS.changed(parsed_args)
        services = common.client(self).composition_services
        found = services.find(parsed_args.service)
        try:
            changed = services.update(
                found["uuid"], name=parsed_args.name, driver_info=driver_info
            )
        except ValueError as err:
            raise exceptions.CommandError(
                "nothing to set: give --name or the access options"
            ) from err
        return common.show(common.shape(changed), FIELDS)


class DeleteCompositionService(command.Command):
    """Remove composition services none of whose blocks is claimed (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """One or more services."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "services", metavar="<service>", nargs="+", help="Name(s) or UUID(s)"
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Remove each; report failures and fail at the end."""
        services = common.client(self).composition_services

        def delete(name: str) -> None:
            services.delete(services.find(name)["uuid"])

        common.delete_each(self, "composition service", parsed_args.services, delete)


class ListResourceBlock(common.Lister):
    """List a composition service's resource blocks (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The service and paging options."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--service", metavar="<service>", required=True, help="Name or UUID"
        )
        parser.add_argument("--limit", metavar="<n>", type=int, help="At most <n>")
        parser.add_argument(
            "--marker", metavar="<block-id>", help="List blocks after this one"
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch every page of the service's blocks."""
        services = common.client(self).composition_services
        found = services.find(parsed_args.service)
        blocks = services.blocks(
            found["uuid"], limit=parsed_args.limit, marker=parsed_args.marker
        )
        return common.rows([common.shape(b) for b in blocks], BLOCK_COLUMNS)
