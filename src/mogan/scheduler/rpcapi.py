"""Client side of the scheduler's RPC API: the only scheduler module others import."""

from typing import Any

from mogan import rpc
from mogan.scheduler import request as select_request

SELECT_TIMEOUT = 120


class SchedulerAPI(rpc.RPCAPIBase):
    """Calls into the scheduler over oslo.messaging.

    Version history:
        1.0: ``ping``.
        1.1: ``select_and_claim``.
        1.2: ``select_and_claim`` honours ``SelectRequest.hardware`` (sent
            as 1.2 only when a request has one, so an older scheduler is
            never asked to place one it would ignore).
        1.3: ``select_and_claim`` honours ``SelectRequest.composable``
            (resource blocks instead of nodes; sent as 1.3 only then).
            Its ``exclude_blocks`` came later without a bump: a scheduler
            that predates it ignores it (and may offer those blocks again).

    ``[upgrade_levels] scheduler`` caps what is sent (see ``RPCAPIBase``).
    """

    TOPIC = rpc.SCHEDULER_TOPIC
    SERVICE = "scheduler"
    VERSION = "1.3"

    def select_and_claim(
        self,
        ctx: dict[str, Any],
        request: select_request.SelectRequest,
        timeout: float = SELECT_TIMEOUT,
    ) -> dict[str, str]:
        """Pick nodes for the servers of ``request`` and claim them in Placement.

        Args:
            ctx: the caller's context, as a dict.
            request: the servers to place and what their nodes must offer;
                it crosses the bus as ``model_dump(mode="json")``.
            timeout: seconds to wait for the answer.

        Returns:
            ``{server_uuid: node_uuid}`` for at least ``min_count`` servers
            (as many as fit, up to all), claimed in one ``POST /allocations``
            (consumer = server, provider = node; for a composable request
            the providers are the server's blocks and the node uuid is the
            one its system will be enrolled under).

        Raises:
            NoValidNode: fewer than ``min_count`` fit; its ``message`` says
                why, with counts. Nothing of the request is claimed. (It
                crosses the bus only when the transport allows
                ``mogan.exception``; use ``err.message``, as ``str(err)``
                carries the remote traceback.)
            oslo_messaging.MessagingTimeout: no scheduler answered in time.
            RPCVersionCapped: ``[upgrade_levels] scheduler`` is below 1.1
                (below 1.2 for a request with hardware, 1.3 for a
                composable one).
        """
        if request.composable:
            version, what = "1.3", "place composed servers"
        elif request.hardware:
            version, what = "1.2", "place servers with hardware"
        else:
            version, what = "1.1", "place servers"
        placed: dict[str, str] = self._prepare(version, what, timeout=timeout).call(
            ctx, "select_and_claim", request=request.model_dump(mode="json")
        )
        return placed
