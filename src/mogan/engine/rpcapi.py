"""Client side of the engine's RPC API: the only engine module others import."""

from mogan import rpc


class EngineAPI(rpc.RPCAPIBase):
    """Calls into the engine over oslo.messaging.

    Version history:
        1.0: ``ping``.
        1.1: ``nudge``.
    """

    TOPIC = rpc.ENGINE_TOPIC
    VERSION = "1.1"

    def nudge(self, ctx: dict[str, object], workflow_uuid: str) -> None:
        """Tell some engine that ``workflow_uuid`` is due (cast; may be lost).

        A lost nudge only delays the workflow to the next poll.
        """
        self._client.cast(ctx, "nudge", workflow_uuid=workflow_uuid)
