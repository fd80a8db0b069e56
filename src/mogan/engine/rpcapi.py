"""Client side of the engine's RPC API: the only engine module others import.

``EngineAPI`` implements ``mogan.services.engine_calls.Engine``, the calls
the services need; the composition roots inject it.
"""

import dataclasses
from typing import Any

from mogan import rpc
from mogan.drivers import models as driver_models

# NOTE: seconds the API waits for the synchronous calls (one driver call,
# or a short wait).
CONSOLE_TIMEOUT = 60
# NOTE: enrolment waits on a BMC (sushy retries a 5xx ten times, 3 s apart)
# and on Placement.
ENROLL_TIMEOUT = 120


def _manageable(node: dict[str, Any]) -> driver_models.ManageableNode:
    """A manageable node as it crossed the bus (unknown keys ignored)."""
    fields = {f.name for f in dataclasses.fields(driver_models.ManageableNode)}
    return driver_models.ManageableNode(
        **{k: v for k, v in node.items() if k in fields and k != "ports"},
        ports=tuple(node.get("ports") or ()),
    )


class EngineAPI(rpc.RPCAPIBase):
    """Calls into the engine over oslo.messaging.

    Version history:
        1.0: ``ping``.
        1.1: ``nudge``.
        1.2: ``manage_server``, ``get_console``.
        1.3: ``list_manageable``, ``get_manageable``; ``manage_server``
            is gone (adoption is an ``adopt`` workflow); ``nudge`` takes
            ``kind`` and ``server_uuid`` (hints for the engine's log; left out
            below 1.3).
        1.4: ``get_console_log``.
        1.5: ``enroll_node``, ``update_node``, ``unenroll_node``.
        1.6: ``create_composition_service``, ``update_composition_service``,
            ``delete_composition_service``.

    ``[upgrade_levels] engine`` caps what is sent (see ``RPCAPIBase``);
    below 1.1 nudges are not sent (engines find due work by polling), below
    1.2 consoles, below 1.3 adoption, below 1.4 console logs and below 1.5
    enrolment and below 1.6 composition services raise ``RPCVersionCapped``.

    The synchronous calls raise ``mogan.exception`` errors as themselves
    (use ``err.message``: ``str(err)`` carries the remote traceback) and
    ``oslo_messaging.MessagingTimeout`` when no engine answered in time.
    """

    TOPIC = rpc.ENGINE_TOPIC
    SERVICE = "engine"
    VERSION = "1.6"

    def nudge(
        self,
        ctx: dict[str, object],
        workflow_uuid: str,
        kind: str | None = None,
        server_uuid: str | None = None,
    ) -> None:
        """Tell some engine that ``workflow_uuid`` is due (cast; may be lost).

        A lost nudge only delays the workflow to the next poll, so a cap
        below 1.1 sends none; below 1.3 the hints are left out.
        """
        if self.can_send_version("1.3"):
            self._client.prepare(version="1.3").cast(
                ctx,
                "nudge",
                workflow_uuid=workflow_uuid,
                kind=kind,
                server_uuid=server_uuid,
            )
        elif self.can_send_version("1.1"):
            self._client.prepare(version="1.1").cast(
                ctx, "nudge", workflow_uuid=workflow_uuid
            )

    def list_manageable(
        self, ctx: dict[str, Any], timeout: float = CONSOLE_TIMEOUT
    ) -> list[driver_models.ManageableNode]:
        """The nodes the engine's driver reports as adoptable (any order).

        Raises:
            DriverCannot: the engine's driver cannot adopt nodes.
            DriverFailed: the driver could not list its nodes.
        """
        listed: list[dict[str, Any]] = self._prepare(
            "1.3", "list adoptable nodes", timeout=timeout
        ).call(ctx, "list_manageable")
        return [_manageable(node) for node in listed]

    def get_manageable(
        self, ctx: dict[str, Any], node: str, timeout: float = CONSOLE_TIMEOUT
    ) -> driver_models.ManageableNode:
        """The adoptable node named (or numbered) ``node``.

        Raises:
            NodeNotFound: the driver knows no such node.
            NodeNotManageable: it exists but may not be adopted (says why).
            DriverCannot: the engine's driver cannot adopt nodes.
            DriverFailed: the driver could not list its nodes.
            RPCVersionCapped: ``[upgrade_levels] engine`` is below 1.3.
        """
        found: dict[str, Any] = self._prepare(
            "1.3", "adopt a node", timeout=timeout
        ).call(ctx, "get_manageable", node=node)
        return _manageable(found)

    def get_console(
        self,
        ctx: dict[str, Any],
        server_uuid: str,
        node_uuid: str,
        kind: str,
        timeout: float = CONSOLE_TIMEOUT,
    ) -> dict[str, str]:
        """The console of ``kind`` (``serial``, ``shellinabox`` ...) of a node.

        Returns:
            ``{"type": <the console's type>, "url": <where to reach it>}``.

        Raises:
            ConsoleUnavailable: the node has no such console (the message
                says why).
            DriverCannot: the engine's driver has no consoles.
            DriverFailed: the driver failed.
            RPCVersionCapped: ``[upgrade_levels] engine`` is below 1.2.
        """
        console: dict[str, str] = self._prepare(
            "1.2", "open a console", timeout=timeout
        ).call(
            ctx, "get_console", server_uuid=server_uuid, node_uuid=node_uuid, kind=kind
        )
        return console

    def get_console_log(
        self,
        ctx: dict[str, Any],
        server_uuid: str,
        node_uuid: str,
        length: int | None,
        timeout: float = CONSOLE_TIMEOUT,
    ) -> str:
        """The last ``length`` lines (all when None) of a node's serial output.

        Returns:
            The text, at most ``console_log.MAX_CONSOLE_LOG`` characters (the newest).

        Raises:
            ConsoleUnavailable: the driver does not know the node.
            DriverCannot: the engine's driver keeps no console output.
            DriverFailed: the driver failed.
            RPCVersionCapped: ``[upgrade_levels] engine`` is below 1.4.
        """
        log: str = self._prepare("1.4", "show a console log", timeout=timeout).call(
            ctx,
            "get_console_log",
            server_uuid=server_uuid,
            node_uuid=node_uuid,
            length=length,
        )
        return log

    # ------------------------------------------------------------ enrolment

    def enroll_node(
        self,
        ctx: dict[str, Any],
        node: dict[str, Any],
        driver_info: dict[str, Any],
        timeout: float = ENROLL_TIMEOUT,
    ) -> None:
        """Validate the BMC, enrol the node, sync it into Mogan and Placement.

        ``node`` and ``driver_info`` are ``services.node_enrolment``'s wire
        forms (the password crosses here once; nothing logs the payload).

        Raises:
            InvalidParameter: the BMC is unreachable or refuses (field
                ``driver_info``).
            NodeExists: the driver has a node of that name.
            DriverCannot: the engine's driver cannot enrol nodes.
            DriverFailed: the driver failed.
            ServiceUnavailable: Placement refused the new node (it is not
                enrolled).
            RPCVersionCapped: ``[upgrade_levels] engine`` is below 1.5.
        """
        self._prepare("1.5", "enrol a node", timeout=timeout).call(
            ctx, "enroll_node", node=node, driver_info=driver_info
        )

    def update_node(
        self,
        ctx: dict[str, Any],
        node_uuid: str,
        node: dict[str, Any],
        driver_info: dict[str, Any] | None,
        timeout: float = ENROLL_TIMEOUT,
    ) -> None:
        """Change an enrolled node (and, given ``driver_info``, its BMC access).

        Raises:
            NodeNotFound: the driver does not know the node.
            InvalidParameter: the new BMC refused (field ``driver_info``).
            NodeExists: another node has the new name.
            DriverCannot: the engine's driver cannot enrol nodes.
            DriverFailed: the driver failed.
            RPCVersionCapped: ``[upgrade_levels] engine`` is below 1.5.
        """
        self._prepare("1.5", "change a node", timeout=timeout).call(
            ctx,
            "update_node",
            node_uuid=node_uuid,
            node=node,
            driver_info=driver_info,
        )

    def unenroll_node(
        self, ctx: dict[str, Any], node_uuid: str, timeout: float = ENROLL_TIMEOUT
    ) -> None:
        """Remove a node carrying no server from the driver, Mogan and Placement.

        Raises:
            NodeInUse: a server is on the node, or Placement holds a claim.
            DriverCannot: the engine's driver cannot enrol nodes.
            DriverFailed: the driver failed.
            ServiceUnavailable: Placement kept the node's provider (the
                node sync removes it later).
            RPCVersionCapped: ``[upgrade_levels] engine`` is below 1.5.
        """
        self._prepare("1.5", "remove a node", timeout=timeout).call(
            ctx, "unenroll_node", node_uuid=node_uuid
        )

    # ------------------------------------------------------------ composition

    def create_composition_service(
        self,
        ctx: dict[str, Any],
        service_uuid: str,
        name: str,
        driver_info: dict[str, Any],
        timeout: float = ENROLL_TIMEOUT,
    ) -> None:
        """Check the service, store it (password sealed) and sync it at once.

        ``driver_info`` is ``services.composition_service.ServiceAccess``'s
        wire form (the password crosses here once; nothing logs it).

        Raises:
            InvalidParameter: the service refused or is none (``driver_info``).
            CompositionServiceExists: another service has the name.
            DriverCannot: the engine's driver cannot compose nodes.
            RPCVersionCapped: ``[upgrade_levels] engine`` is below 1.6.
        """
        self._prepare("1.6", "register a composition service", timeout=timeout).call(
            ctx,
            "create_composition_service",
            service_uuid=service_uuid,
            name=name,
            driver_info=driver_info,
        )

    def update_composition_service(
        self,
        ctx: dict[str, Any],
        service_uuid: str,
        name: str | None,
        driver_info: dict[str, Any] | None,
        timeout: float = ENROLL_TIMEOUT,
    ) -> None:
        """Rename a service and/or change how it is reached, then sync it.

        Raises:
            CompositionServiceNotFound: no such service.
            CompositionServiceExists: another service has the new name.
            InvalidParameter: the new access is refused (``driver_info``).
            RPCVersionCapped: ``[upgrade_levels] engine`` is below 1.6.
        """
        self._prepare("1.6", "change a composition service", timeout=timeout).call(
            ctx,
            "update_composition_service",
            service_uuid=service_uuid,
            name=name,
            driver_info=driver_info,
        )

    def delete_composition_service(
        self, ctx: dict[str, Any], service_uuid: str, timeout: float = ENROLL_TIMEOUT
    ) -> None:
        """Remove a service, its blocks and their providers.

        Raises:
            CompositionServiceNotFound: no such service.
            CompositionServiceInUse: a block is claimed in Placement.
            RPCVersionCapped: ``[upgrade_levels] engine`` is below 1.6.
        """
        self._prepare("1.6", "remove a composition service", timeout=timeout).call(
            ctx, "delete_composition_service", service_uuid=service_uuid
        )
