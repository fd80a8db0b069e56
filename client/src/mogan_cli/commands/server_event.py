"""``mogan server event list|show``: what was done to a server, step by step.

An event list is the server's actions (create, power_off, rebuild ...),
newest first; ``show`` gives one action's events: schedule, deploy
attempt 2 on gold-02 (admins see node names and driver errors, owners do
not). Needs API version 1.4.

What must not live here: the phases ``--wait`` shows (``v1.server_event``).
"""

import argparse
from typing import Any

from mogan_cli.commands import common, server_wait
from mogan_cli.v1 import base

LIST_COLUMNS = (
    ("Request ID", "request_id"),
    ("Action", "action"),
    ("Result", "result"),
    ("Start Time", "start_time"),
    ("Finish Time", "finish_time"),
    ("Message", "message"),
)
FIELDS = (
    "action",
    "request_id",
    "server_uuid",
    "user_id",
    "project_id",
    "start_time",
    "finish_time",
    "result",
    "message",
    "events",
)


def describe(event: base.Resource) -> str:
    """One event on one line: name, attempt, node, result and why."""
    text = str(event.get("event"))
    attempt, most = event.get("attempt"), event.get("max_attempts")
    if attempt and most and int(most) > 1:
        text += f" attempt {attempt}/{most}"
    if event.get("node"):
        text += f" on {event['node']}"
    text += f": {event.get('result') or 'running'}"
    if event.get("details"):
        text += f" ({event['details']})"
    if event.get("traceback"):
        text += f" [{str(event['traceback']).splitlines()[0]}]"
    return text


class ListServerEvent(common.Lister):
    """List a server's actions, newest first (create, power_off, rebuild ...)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The server and ``--limit``."""
        parser = super().get_parser(prog_name)
        server_wait.server_argument(parser, "Server (name or UUID)")
        parser.add_argument(
            "--limit",
            metavar="<n>",
            type=int,
            help="Show at most this many actions (the newest)",
        )
        server_wait.all_projects_option(parser)
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Find the server (or take a deleted one's UUID) and list its actions."""
        mogan = common.client(self)
        server_uuid = _server_uuid(mogan, parsed_args)
        actions = mogan.server_events.list(server_uuid, limit=parsed_args.limit)
        return common.rows(actions, LIST_COLUMNS)


class ShowServerEvent(common.ShowOne):
    """Show one action of a server with its events."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The server and the action's request id."""
        parser = super().get_parser(prog_name)
        server_wait.server_argument(parser, "Server (name or UUID)")
        parser.add_argument(
            "request_id",
            metavar="<request-id>",
            help="Request ID of the action (see 'server event list')",
        )
        server_wait.all_projects_option(parser)
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Fetch the action and show its events one per line."""
        mogan = common.client(self)
        server_uuid = _server_uuid(mogan, parsed_args)
        action = mogan.server_events.get(server_uuid, parsed_args.request_id)
        shown = {**action, "events": [describe(e) for e in action["events"]]}
        return common.show(common.shape(shown), FIELDS)


def _server_uuid(mogan: Any, parsed_args: argparse.Namespace) -> str:
    """The server's UUID: a deleted server's actions are found by UUID."""
    if base.is_uuid(parsed_args.server):
        return str(parsed_args.server)
    server = mogan.servers.find(
        parsed_args.server, all_projects=parsed_args.all_projects
    )
    return str(server["uuid"])
