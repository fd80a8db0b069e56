"""``mogan aggregate ...`` and ``mogan aggregate add|remove|list node(s)`` (admin).

An ``<aggregate>`` argument is a UUID or a name; names are looked up in the
aggregate list (see :meth:`mogan_cli.v1.base.CollectionManager.find`). A
``<node>`` argument is a node name or UUID, resolved by the API.
"""

import argparse
from typing import Any

from cliff import command

from mogan_cli import exceptions
from mogan_cli.commands import common

FIELDS = ("uuid", "name", "metadata", "created_at", "updated_at")
LIST_COLUMNS = (
    ("UUID", "uuid"),
    ("Name", "name"),
    ("Properties", "metadata"),
)


def _aggregate_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("aggregate", metavar="<aggregate>", help=help_text)


class CreateAggregate(common.ShowOne):
    """Create an aggregate (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Aggregate name and metadata."""
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New aggregate name")
        common.add_property_option(
            parser, "Metadata to set, e.g. availability_zone=az1 (repeatable)"
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Create the aggregate and show it."""
        aggregate = common.client(self).aggregates.create(
            parsed_args.name, dict(parsed_args.properties)
        )
        return common.show(aggregate, FIELDS)


class ListAggregate(common.Lister):
    """List aggregates (admin)."""

    def take_action(
        self,
        parsed_args: argparse.Namespace,  # noqa: ARG002 - the command takes no arguments
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch the list."""
        return common.rows(common.client(self).aggregates.list(), LIST_COLUMNS)


class ShowAggregate(common.ShowOne):
    """Show an aggregate (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The aggregate to show."""
        parser = super().get_parser(prog_name)
        _aggregate_argument(parser, "Aggregate to show (name or UUID)")
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Find the aggregate and show it."""
        aggregates = common.client(self).aggregates
        return common.show(aggregates.find(parsed_args.aggregate), FIELDS)


class SetAggregate(command.Command):
    """Set an aggregate's name or metadata (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """What to change."""
        parser = super().get_parser(prog_name)
        _aggregate_argument(parser, "Aggregate to modify (name or UUID)")
        parser.add_argument("--name", metavar="<name>", help="New aggregate name")
        common.add_property_option(parser, "Metadata to add or change (repeatable)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Send one JSON patch with every change.

        Raises:
            CommandError: nothing to set was given.
        """
        if parsed_args.name is None and not parsed_args.properties:
            raise exceptions.CommandError("nothing to set: give --name or --property")
        aggregates = common.client(self).aggregates
        aggregate = aggregates.find(parsed_args.aggregate)
        aggregates.update(
            aggregate["uuid"],
            name=parsed_args.name,
            set_metadata=dict(parsed_args.properties),
        )


class UnsetAggregate(command.Command):
    """Remove aggregate metadata (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The aggregate and the keys to remove."""
        parser = super().get_parser(prog_name)
        _aggregate_argument(parser, "Aggregate to modify (name or UUID)")
        common.add_unset_property_option(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Remove the keys in one JSON patch."""
        aggregates = common.client(self).aggregates
        aggregate = aggregates.find(parsed_args.aggregate)
        aggregates.update(aggregate["uuid"], unset_metadata=parsed_args.properties)


class DeleteAggregate(command.Command):
    """Delete aggregates (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """One or more aggregates."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "aggregates",
            metavar="<aggregate>",
            nargs="+",
            help="Aggregate(s) to delete (name or UUID)",
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Delete each aggregate; report failures and fail at the end."""
        mogan = common.client(self)

        def delete(name: str) -> None:
            mogan.aggregates.delete(mogan.aggregates.find(name)["uuid"])

        common.delete_each(self, "aggregate", parsed_args.aggregates, delete)


class _AggregateNodeCommand(command.Command):
    """A command taking an aggregate and a node."""

    node_help = ""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The aggregate and the node."""
        parser = super().get_parser(prog_name)
        _aggregate_argument(parser, "Aggregate (name or UUID)")
        parser.add_argument("node", metavar="<node>", help=self.node_help)
        return parser


class AddAggregateNode(_AggregateNodeCommand):
    """Put a node in an aggregate (admin)."""

    node_help = "Node to add (name or UUID)"

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Add the node (a no-op when it is already a member)."""
        mogan = common.client(self)
        aggregate = mogan.aggregates.find(parsed_args.aggregate)
        mogan.aggregate_nodes.add(aggregate["uuid"], parsed_args.node)


class RemoveAggregateNode(_AggregateNodeCommand):
    """Take a node out of an aggregate (admin)."""

    node_help = "Node to remove (name or UUID)"

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Remove the node (a no-op when it is not a member)."""
        mogan = common.client(self)
        aggregate = mogan.aggregates.find(parsed_args.aggregate)
        mogan.aggregate_nodes.remove(aggregate["uuid"], parsed_args.node)


class ListAggregateNode(common.Lister):
    """List the nodes of an aggregate (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The aggregate."""
        parser = super().get_parser(prog_name)
        _aggregate_argument(parser, "Aggregate (name or UUID)")
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch the node names."""
        mogan = common.client(self)
        aggregate = mogan.aggregates.find(parsed_args.aggregate)
        nodes = mogan.aggregate_nodes.list(aggregate["uuid"])
        return ("Node",), [(n,) for n in nodes]
