"""The ``mogan`` command: a cliff app with the global connection options.

``main(argv, transport)`` is the console script; tests pass an
``httpx.WSGITransport`` as ``transport`` to drive the real server app
without sockets. The client is built lazily, on the first command that
talks to the API, so ``mogan help`` needs no credentials.

``--debug`` (or ``-v -v``) logs every request and response on standard
error; every record the CLI prints goes through
:class:`~mogan_cli.redact.RedactingFilter`, so no password, token or
private key reaches the console or ``--log-file``.
"""

import argparse
import dataclasses
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import httpx
from cliff import app, command, commandmanager

from mogan_cli import __version__, auth, config, redact
from mogan_cli.commands import (
    aggregate,
    availability_zone,
    composition,
    console,
    flavor,
    floating_ip,
    hardware_profile,
    image,
    keypair,
    manageable_server,
    network,
    node,
    quota,
    server,
    server_action,
    server_event,
    server_group,
    server_network,
)
from mogan_cli.v1 import client as v1_client

LOG = logging.getLogger("mogan_cli")
HANDLER_NAME = "mogan-cli"
# NOTE: loggers whose records the console shows; -v -v adds request logs.
LOGGERS = ("mogan_cli", "mogan_cli.http", "httpx", "keystoneauth")
TRUE_STRINGS = frozenset({"1", "true", "yes", "on"})

COMMANDS: dict[str, type[command.Command]] = {
    "flavor create": flavor.CreateFlavor,
    "flavor list": flavor.ListFlavor,
    "flavor show": flavor.ShowFlavor,
    "flavor set": flavor.SetFlavor,
    "flavor unset": flavor.UnsetFlavor,
    "flavor delete": flavor.DeleteFlavor,
    "flavor access add": flavor.AddFlavorAccess,
    "flavor access remove": flavor.RemoveFlavorAccess,
    "flavor access list": flavor.ListFlavorAccess,
    "hardware profile create": hardware_profile.CreateHardwareProfile,
    "hardware profile list": hardware_profile.ListHardwareProfile,
    "hardware profile show": hardware_profile.ShowHardwareProfile,
    "hardware profile set": hardware_profile.SetHardwareProfile,
    "hardware profile unset": hardware_profile.UnsetHardwareProfile,
    "hardware profile delete": hardware_profile.DeleteHardwareProfile,
    "hardware profile access add": hardware_profile.AddHardwareProfileAccess,
    "hardware profile access remove": hardware_profile.RemoveHardwareProfileAccess,
    "hardware profile access list": hardware_profile.ListHardwareProfileAccess,
    "keypair create": keypair.CreateKeypair,
    "keypair list": keypair.ListKeypair,
    "keypair show": keypair.ShowKeypair,
    "keypair delete": keypair.DeleteKeypair,
    "availability zone list": availability_zone.ListAvailabilityZone,
    "image create": image.CreateImage,
    "image list": image.ListImage,
    "image show": image.ShowImage,
    "image delete": image.DeleteImage,
    "network create": network.CreateNetwork,
    "network list": network.ListNetwork,
    "network show": network.ShowNetwork,
    "network delete": network.DeleteNetwork,
    "floating ip create": floating_ip.CreateFloatingIp,
    "floating ip list": floating_ip.ListFloatingIp,
    "floating ip show": floating_ip.ShowFloatingIp,
    "floating ip delete": floating_ip.DeleteFloatingIp,
    "server create": server.CreateServer,
    "server list": server.ListServer,
    "server show": server.ShowServer,
    "server set": server.SetServer,
    "server unset": server.UnsetServer,
    "server delete": server.DeleteServer,
    "server start": server_action.StartServer,
    "server stop": server_action.StopServer,
    "server reboot": server_action.RebootServer,
    "server lock": server_action.LockServer,
    "server unlock": server_action.UnlockServer,
    "server rebuild": server_action.RebuildServer,
    "server manage": manageable_server.ManageServer,
    "server network list": server_network.ListServerNetwork,
    "server add floating ip": server_network.AddFloatingIp,
    "server remove floating ip": server_network.RemoveFloatingIp,
    "server add network": server_network.AddNetwork,
    "server add port": server_network.AddPort,
    "server remove network": server_network.RemoveNetwork,
    "server remove port": server_network.RemovePort,
    "manageable server list": manageable_server.ListManageableServer,
    "console url show": console.ShowConsoleUrl,
    "console log show": console.ShowConsoleLog,
    "server event list": server_event.ListServerEvent,
    "server event show": server_event.ShowServerEvent,
    "server group create": server_group.CreateServerGroup,
    "server group list": server_group.ListServerGroup,
    "server group show": server_group.ShowServerGroup,
    "server group delete": server_group.DeleteServerGroup,
    "node list": node.ListNode,
    "node show": node.ShowNode,
    "node create": node.CreateNode,
    "node set": node.SetNode,
    "node delete": node.DeleteNode,
    "composition service create": composition.CreateCompositionService,
    "composition service list": composition.ListCompositionService,
    "composition service show": composition.ShowCompositionService,
    "composition service set": composition.SetCompositionService,
    "composition service delete": composition.DeleteCompositionService,
    "composition block list": composition.ListResourceBlock,
    "aggregate create": aggregate.CreateAggregate,
    "aggregate list": aggregate.ListAggregate,
    "aggregate show": aggregate.ShowAggregate,
    "aggregate set": aggregate.SetAggregate,
    "aggregate unset": aggregate.UnsetAggregate,
    "aggregate delete": aggregate.DeleteAggregate,
    "aggregate add node": aggregate.AddAggregateNode,
    "aggregate remove node": aggregate.RemoveAggregateNode,
    "aggregate list nodes": aggregate.ListAggregateNode,
    "limits show": quota.ShowLimits,
    "quota show": quota.ShowQuota,
    "quota set": quota.SetQuota,
    "quota delete": quota.DeleteQuota,
}


@dataclasses.dataclass(frozen=True)
class GlobalOption:
    """One ``--os-*`` option, defaulting to its environment variable."""

    flag: str
    env: str
    dest: str
    help: str
    aliases: tuple[str, ...] = ()


GLOBAL_OPTIONS = (
    GlobalOption("--os-cloud", "OS_CLOUD", "cloud", "Cloud name in clouds.yaml"),
    GlobalOption(
        "--os-endpoint",
        "OS_ENDPOINT",
        "endpoint",
        "Mogan API endpoint, e.g. http://127.0.0.1:6688 (skips the catalog)",
    ),
    GlobalOption(
        "--os-auth-type",
        "OS_AUTH_TYPE",
        "auth_type",
        "none, http_basic, admin_token or a keystoneauth plugin (password, "
        "token, v3applicationcredential ...); default: none with an endpoint "
        "and no auth URL, else password",
    ),
    GlobalOption("--os-auth-url", "OS_AUTH_URL", "auth_url", "Keystone URL"),
    GlobalOption("--os-username", "OS_USERNAME", "username", "User name"),
    GlobalOption("--os-password", "OS_PASSWORD", "password", "Password"),
    GlobalOption(
        "--os-user-id",
        "OS_USER_ID",
        "user_id",
        "User id (with auth type none: sent as X-User-Id)",
    ),
    GlobalOption("--os-project-name", "OS_PROJECT_NAME", "project_name", "Project"),
    GlobalOption(
        "--os-project-id",
        "OS_PROJECT_ID",
        "project_id",
        "Project id (with auth type none: sent as X-Project-Id)",
    ),
    GlobalOption(
        "--os-user-domain-name",
        "OS_USER_DOMAIN_NAME",
        "user_domain_name",
        "User's domain",
    ),
    GlobalOption(
        "--os-project-domain-name",
        "OS_PROJECT_DOMAIN_NAME",
        "project_domain_name",
        "Project's domain",
    ),
    GlobalOption("--os-token", "OS_TOKEN", "token", "An existing token"),
    GlobalOption(
        "--os-roles",
        "OS_ROLES",
        "roles",
        "Comma-separated roles (with auth type none: sent as X-Roles)",
    ),
    GlobalOption("--os-region-name", "OS_REGION_NAME", "region_name", "Catalog region"),
    GlobalOption(
        "--os-interface",
        "OS_INTERFACE",
        "interface",
        "Catalog interface: public, internal or admin (default: public)",
    ),
    GlobalOption(
        "--os-compute-api-version",
        "OS_BAREMETAL_COMPUTE_API_VERSION",
        "api_version",
        "API microversion X.Y (or latest) to request; "
        "--os-baremetal-compute-api-version is the legacy name",
        aliases=("--os-baremetal-compute-api-version",),
    ),
    GlobalOption("--os-cacert", "OS_CACERT", "cacert", "CA bundle to verify TLS with"),
)


class MoganShell(app.App):
    """The cliff application.

    Args:
        transport: an httpx transport for API requests (tests), or ``None``.
        stdin: input stream (default ``sys.stdin``).
        stdout: output stream (default ``sys.stdout``).
        stderr: error stream (default ``sys.stderr``).
    """

    NAME = "mogan"
    LOG = LOG

    def __init__(
        self,
        transport: httpx.BaseTransport | None = None,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> None:
        """Register the commands and build the option parser."""
        self.transport = transport
        self._client: v1_client.Client | None = None
        self._handlers: list[logging.Handler] = []
        self._saved_loggers: dict[str, tuple[int, bool]] = {}
        manager = commandmanager.CommandManager("mogan.cli")
        for name, factory in COMMANDS.items():
            manager.add_command(name, factory)
        super().__init__(
            description="Command-line client for the Mogan bare-metal compute API.",
            version=__version__,
            command_manager=manager,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            deferred_help=True,
        )

    def build_option_parser(
        self,
        description: str | None,
        version: str | None,
        argparse_kwargs: dict[str, Any] | None = None,
    ) -> argparse.ArgumentParser:
        """The options of cliff plus ``--os-*``, each defaulting to its variable."""
        parser = super().build_option_parser(
            description,
            version,
            {"conflict_handler": "resolve", **(argparse_kwargs or {})},
        )
        # NOTE: cliff names the program after sys.argv[0]; say mogan.
        parser.add_argument(
            "--version", action="version", version=f"{self.NAME} {version}"
        )
        for opt in GLOBAL_OPTIONS:
            parser.add_argument(
                opt.flag,
                *opt.aliases,
                metavar=f"<{opt.dest.replace('_', '-')}>",
                dest=opt.dest,
                default=os.environ.get(opt.env) or None,
                help=f"{opt.help} (Env: {opt.env})",
            )
        parser.add_argument(
            "--insecure",
            action="store_true",
            default=os.environ.get("OS_INSECURE", "").lower() in TRUE_STRINGS,
            help="Do not verify TLS certificates (Env: OS_INSECURE)",
        )
        return parser

    def configure_logging(self) -> None:
        """Log to this app's stderr only, never the root logger.

        cliff's default adds a handler to the root logger on every run,
        which piles up when ``main`` runs many times in one process.
        """
        self._remove_handlers()
        level = {0: logging.WARNING, 1: logging.INFO}.get(
            self.options.verbose_level, logging.DEBUG
        )
        if self.options.debug:
            level = logging.DEBUG
        console = logging.StreamHandler(self.stderr)
        console.setLevel(level)
        console.setFormatter(logging.Formatter(self.CONSOLE_MESSAGE_FORMAT))
        handlers: list[logging.Handler] = [console]
        if self.options.log_file:
            to_file = logging.FileHandler(self.options.log_file, encoding="utf-8")
            to_file.setFormatter(logging.Formatter(self.LOG_FILE_MESSAGE_FORMAT))
            handlers.append(to_file)
        for handler in handlers:
            handler.set_name(HANDLER_NAME)
            handler.addFilter(redact.RedactingFilter())
        for name in LOGGERS:
            logger = logging.getLogger(name)
            self._saved_loggers.setdefault(name, (logger.level, logger.propagate))
            # NOTE: httpx logs every request at INFO; show the libraries'
            # records, and the request and response dumps (which cost a
            # masked copy of every body), only with --debug or -v -v.
            if name == "mogan_cli":
                logger.setLevel(logging.DEBUG)
            else:
                logger.setLevel(
                    logging.DEBUG if level == logging.DEBUG else logging.WARNING
                )
            logger.propagate = False
            for handler in handlers:
                logger.addHandler(handler)
        self._handlers = handlers

    def _remove_handlers(self) -> None:
        """Undo :meth:`configure_logging`: handlers off, loggers as they were."""
        for name in LOGGERS:
            logger = logging.getLogger(name)
            for handler in list(logger.handlers):
                if handler.get_name() == HANDLER_NAME:
                    logger.removeHandler(handler)
            if name in self._saved_loggers:
                saved_level, logger.propagate = self._saved_loggers.pop(name)
                logger.setLevel(saved_level)
        for handler in self._handlers:
            handler.close()
        self._handlers = []

    def settings(self) -> config.Settings:
        """The endpoint and credentials from options, environment and clouds.yaml.

        Raises:
            ConfigError: they do not say where the API is.
        """
        given: dict[str, Any] = {
            opt.dest: getattr(self.options, opt.dest) for opt in GLOBAL_OPTIONS
        }
        given["insecure"] = self.options.insecure
        return config.resolve(given)

    def get_client(self) -> v1_client.Client:
        """The library client, built (and authenticated) on first use."""
        if self._client is None:
            http_client = auth.make_http_client(self.settings(), self.transport)
            self._client = v1_client.Client(http_client)
        return self._client

    def close(self) -> None:
        """Close the HTTP client and the log handlers."""
        if self._client is not None:
            self._client.close()
            self._client = None
        self._remove_handlers()


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    # NOTE: SystemExit("message") means failure; the message was shown.
    return 1


def main(
    argv: Sequence[str] | None = None, transport: httpx.BaseTransport | None = None
) -> int:
    """Run ``mogan`` with ``argv`` (default: the process arguments).

    Args:
        argv: the arguments, without the program name.
        transport: an httpx transport for API requests; tests pass
            ``httpx.WSGITransport(app=...)``.

    Returns:
        The exit status: 0 on success, non-zero on any error (the error was
        printed on stderr as one line).
    """
    shell = MoganShell(transport=transport)
    try:
        return shell.run(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return _exit_code(exc.code)
    finally:
        shell.close()
