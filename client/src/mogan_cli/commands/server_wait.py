"""Helpers shared by the ``mogan server ...`` commands: naming, acting, waiting.

The ``<server>`` arguments, running an action on each named server with
failures reported on standard error, and ``--wait``: polling until the
servers settle, printing their status changes and the elapsed seconds on
standard error, and failing (exit 1, with the server's fault message) when
one ends in error or does not settle within ``--timeout`` seconds. While a
server is in transition the line shows its phase, read from its newest
action's events (``building: deploying on gold-02, attempt 2/3``); an API
older than 1.4 shows the status alone.

What must not live here: commands (``server`` and ``server_action`` hold
them) and anything of how a server is displayed.
"""

import argparse
from collections.abc import Callable, Sequence

from cliff import command

from mogan_cli import exceptions
from mogan_cli.commands import common
from mogan_cli.v1 import base, server_event
from mogan_cli.v1 import client as v1_client
from mogan_cli.v1 import server as v1_server

DEFAULT_TIMEOUT = 1800.0


def server_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    """Add the positional ``<server>`` (a name or UUID)."""
    parser.add_argument("server", metavar="<server>", help=help_text)


def servers_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    """Add one or more positional ``<server>`` (names or UUIDs)."""
    parser.add_argument("servers", metavar="<server>", nargs="+", help=help_text)


def all_projects_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--all-projects``: look server names up in every project (admin)."""
    parser.add_argument(
        "--all-projects",
        action="store_true",
        help="Look server names up in every project at once (admin); without "
        "it, a name not found in your project is looked up in the others",
    )


def wait_options(parser: argparse.ArgumentParser, until: str) -> None:
    """Add ``--wait`` (until ``until``) and ``--timeout``."""
    parser.add_argument(
        "--wait",
        action="store_true",
        help=f"Wait until {until}; fail if it ends in error",
    )
    parser.add_argument(
        "--timeout",
        metavar="<seconds>",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"With --wait, give up after this many seconds "
        f"(default: {DEFAULT_TIMEOUT:g})",
    )


class Phases:
    """The phase of one server's newest action, while the API can tell it.

    Args:
        mogan: the library client.
        server_uuid: the server waited for.
    """

    def __init__(self, mogan: v1_client.Client, server_uuid: str) -> None:
        """Ask about ``server_uuid`` through ``mogan``."""
        self.mogan = mogan
        self.server_uuid = server_uuid
        self.available = True

    def now(self) -> str | None:
        """The phase (``deploying``), or None; an API that cannot tell stops it."""
        if not self.available:
            return None
        try:
            return server_event.phase(self.mogan.server_events.latest(self.server_uuid))
        except exceptions.ClientError:
            # NOTE: an API before 1.4, or a version pinned older: the
            # status alone will do.
            self.available = False
            return None


class Waiter:
    """Shows a wait's progress on the command's standard error.

    A terminal gets one line per server, rewritten in place with the
    elapsed seconds; anything else (a log, a pipe) gets a line per status
    change.

    Args:
        cmd: the command that waits.
    """

    def __init__(self, cmd: command.Command) -> None:
        """Bind the display to ``cmd``'s app."""
        self.cmd = cmd
        self.stderr = cmd.app.stderr
        isatty = getattr(self.stderr, "isatty", None)
        self.tty = bool(isatty and isatty())

    def wait(
        self,
        mogan: v1_client.Client,
        server: base.Resource,
        target: str,
        timeout: float,
    ) -> base.Resource:
        """Wait for ``server`` to reach ``target``; see ``ServerManager.wait``.

        Raises:
            CommandError: the server ended in error, settled elsewhere or
                timed out.
        """
        label = server.get("name") or server["uuid"]
        last: list[str | None] = [None]
        phases = Phases(mogan, server["uuid"])

        def progress(seen: base.Resource, elapsed: float) -> None:
            status = str(seen.get("status"))
            phase = phases.now() if status in v1_server.TRANSITIONAL else None
            shown = f"{status}: {phase}" if phase else status
            line = f"Server {label}: {shown} ({elapsed:.0f}s)"
            if self.tty:
                self.stderr.write(f"\r{line}\x1b[K")
            elif shown != last[0]:
                self.stderr.write(line + "\n")
            last[0] = shown
            self.stderr.flush()

        try:
            return mogan.servers.wait(
                server["uuid"], target, timeout=timeout, progress=progress
            )
        finally:
            if self.tty:
                self.stderr.write("\n")


def each(
    cmd: command.Command,
    verb: str,
    names: Sequence[str],
    action: Callable[[base.Resource], None],
    *,
    all_projects: bool = False,
) -> list[base.Resource]:
    """Find each server and run ``action`` on it, reporting failures on stderr.

    Returns:
        The servers the action succeeded on (see :func:`check_all`).
    """
    mogan = common.client(cmd)
    done: list[base.Resource] = []
    for name in names:
        try:
            server = mogan.servers.find(name, all_projects=all_projects)
            action(server)
        except exceptions.ClientError as err:
            cmd.app.stderr.write(f"Failed to {verb} server {name}: {err}\n")
        else:
            done.append(server)
    return done


def check_all(verb: str, names: Sequence[str], done: Sequence[base.Resource]) -> None:
    """Fail when :func:`each` did not succeed on every server.

    Raises:
        CommandError: at least one server failed.
    """
    if len(done) < len(names):
        raise exceptions.CommandError(
            f"{len(names) - len(done)} of {len(names)} servers failed to {verb}."
        )


def wait_all(
    cmd: command.Command,
    servers: Sequence[base.Resource],
    target: str,
    timeout: float,
) -> list[base.Resource]:
    """Wait for every one of ``servers`` to reach ``target``.

    Raises:
        CommandError: at least one failed (all were waited for).
    """
    mogan = common.client(cmd)
    waiter = Waiter(cmd)
    settled: list[base.Resource] = []
    failed = 0
    for server in servers:
        try:
            settled.append(waiter.wait(mogan, server, target, timeout))
        except exceptions.CommandError as err:
            if len(servers) == 1:
                raise
            failed += 1
            cmd.app.stderr.write(f"{err}\n")
    if failed:
        raise exceptions.CommandError(f"{failed} of {len(servers)} servers failed.")
    return settled
