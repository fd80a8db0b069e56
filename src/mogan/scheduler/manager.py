"""Server side of the scheduler's RPC API."""

from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg


class SchedulerManager:
    """Endpoints the scheduler serves on its topic."""

    target = messaging.Target(version="1.0")

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        """Serve for this host."""
        self.conf = conf

    def ping(self, ctx: dict[str, Any]) -> str:
        """Answer with this scheduler's host name (liveness over the bus)."""
        del ctx
        host: str = self.conf.host
        return host
