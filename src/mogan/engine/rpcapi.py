"""Client side of the engine's RPC API: the only engine module others import.

``EngineAPI`` implements ``mogan.services.engine_calls.Engine``, the calls
the services need; the composition roots inject it.
"""

import dataclasses
from typing import Any

from mogan import rpc
from mogan.drivers import models as driver_models

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
        1.3: ``list_manageable``.

    The synchronous calls raise ``mogan.exception`` errors as themselves
    (use ``err.message``: ``str(err)`` carries the remote traceback) and
    ``oslo_messaging.MessagingTimeout`` when no engine answered in time.
    """

    TOPIC = rpc.ENGINE_TOPIC
    VERSION = "1.3"

    def nudge(self, ctx: dict[str, object], workflow_uuid: str) -> None:
        """Tell some engine that ``workflow_uuid`` is due (cast; may be lost).

        A lost nudge only delays the workflow to the next poll.
        """
        self._client.cast(ctx, "nudge", workflow_uuid=workflow_uuid)

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
        """
        adopted: dict[str, str] = self._client.prepare(timeout=timeout).call(
            ctx, "manage_server", request=request
        )
        return adopted

    def list_manageable(
        self, ctx: dict[str, Any], timeout: float = CONSOLE_TIMEOUT
    ) -> list[driver_models.ManageableNode]:
        """The nodes the engine's driver reports as adoptable (any order).

        Raises:
            DriverCannot: the engine's driver cannot adopt nodes.
            DriverFailed: the driver could not list its nodes.
        """
        listed: list[dict[str, Any]] = self._client.prepare(
            timeout=timeout, version="1.3"
        ).call(ctx, "list_manageable")
        fields = {f.name for f in dataclasses.fields(driver_models.ManageableNode)}
        return [
            driver_models.ManageableNode(
                **{k: v for k, v in node.items() if k in fields and k != "ports"},
                ports=tuple(node.get("ports") or ()),
            )
            for node in listed
        ]

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
        """
        console: dict[str, str] = self._client.prepare(timeout=timeout).call(
            ctx, "get_console", server_uuid=server_uuid, node_uuid=node_uuid, kind=kind
        )
        return console
