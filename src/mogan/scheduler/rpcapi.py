"""Client side of the scheduler's RPC API."""

from oslo_config import cfg

from mogan import rpc


class SchedulerAPI:
    """Calls into the scheduler over oslo.messaging.

    Version history:
        1.0: ``ping``.
    """

    VERSION = "1.0"

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        """Build a client on the scheduler topic."""
        self._client = rpc.client(conf, rpc.SCHEDULER_TOPIC, self.VERSION)

    def ping(self, ctx: dict[str, object], timeout: float = 10) -> str:
        """Ask any scheduler for its host name.

        Raises:
            oslo_messaging.MessagingTimeout: no scheduler answered in time.
        """
        cctxt = self._client.prepare(timeout=timeout)
        host: str = cctxt.call(ctx, "ping")
        return host
