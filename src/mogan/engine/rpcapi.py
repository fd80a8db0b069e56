"""Client side of the engine's RPC API: the only engine module others import."""

from oslo_config import cfg

from mogan import rpc


class EngineAPI:
    """Calls into the engine over oslo.messaging.

    Version history:
        1.0: ``ping``.
    """

    VERSION = "1.0"

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        """Build a client on the engine topic."""
        self._client = rpc.client(conf, rpc.ENGINE_TOPIC, self.VERSION)

    def ping(self, ctx: dict[str, object], timeout: float = 10) -> str:
        """Ask any engine for its host name.

        Raises:
            oslo_messaging.MessagingTimeout: no engine answered in time.
        """
        cctxt = self._client.prepare(timeout=timeout)
        host: str = cctxt.call(ctx, "ping")
        return host
