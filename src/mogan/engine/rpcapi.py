"""Client side of the engine's RPC API: the only engine module others import."""

from mogan import rpc


class EngineAPI(rpc.RPCAPIBase):
    """Calls into the engine over oslo.messaging.

    Version history:
        1.0: ``ping``.
    """

    TOPIC = rpc.ENGINE_TOPIC
