"""Client side of the engine's RPC API: the only engine module others import."""

from typing import Any

from mogan import rpc

# NOTE: seconds the API waits for the synchronous calls; an adoption does a
# few Placement and driver round trips, a console one (or a short wait).
MANAGE_TIMEOUT = 120
CONSOLE_TIMEOUT = 60


class EngineAPI(rpc.RPCAPIBase):
    """Calls into the engine over oslo.messaging.

    Version history:
        1.0: ``ping``.
        1.1: ``nudge``.
        1.2: ``manage_server``, ``get_console``.
        1.3: ``nudge`` takes ``kind`` and ``server_uuid`` (hints for the
            engine's log; left out below 1.3).

    ``[upgrade_levels] engine`` caps what is sent (see ``RPCAPIBase``);
    below 1.1 nudges are not sent (engines find due work by polling), below
    1.2 adoption and consoles raise ``RPCVersionCapped``.

    The synchronous calls raise ``mogan.exception`` errors as themselves
    (use ``err.message``: ``str(err)`` carries the remote traceback) and
    ``oslo_messaging.MessagingTimeout`` when no engine answered in time.
    """

    TOPIC = rpc.ENGINE_TOPIC
    SERVICE = "engine"
    VERSION = "1.3"

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

    def manage_server(
        self,
        ctx: dict[str, Any],
        request: dict[str, Any],
        timeout: float = MANAGE_TIMEOUT,
    ) -> dict[str, str]:
        """Adopt a deployed node as a new server, ACTIVE (STOPPED if powered off).

        Args:
            ctx: the caller's context, as a dict.
            request: ``{"server_uuid", "node" (uuid or name), "name",
                "description", "metadata", "project_id", "user_id",
                "networks": [net_id, ...]}``; one NIC per network, on the
                node's ports in order.
            timeout: seconds to wait for the answer.

        Returns:
            ``{"uuid": server_uuid}`` once the server row is written, its
            node claimed in Placement and its ports bound.

        Raises:
            NodeNotFound: the driver knows no such node.
            NodeNotManageable: the node may not be adopted (the message says
                why), or a claim or another adoption holds it.
            InvalidParameter: more networks than the node has ports.
            NetworkNotFound: a network is gone.
            Conflict: the node is busy in the driver, or Placement kept
                changing; try again.
            DriverCannot: the engine's driver cannot adopt nodes.
            RPCVersionCapped: ``[upgrade_levels] engine`` is below 1.2.
        """
        adopted: dict[str, str] = self._prepare(
            "1.2", "adopt a node", timeout=timeout
        ).call(ctx, "manage_server", request=request)
        return adopted

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
