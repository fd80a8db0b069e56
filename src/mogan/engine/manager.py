"""Server side of the engine's RPC API."""

from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg


class EngineManager:
    """Endpoints the engine serves on its topic."""

    target = messaging.Target(version="1.0")

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        """Serve for this host."""
        self.conf = conf

    def ping(self, ctx: dict[str, Any]) -> str:
        """Answer with this engine's host name (liveness over the bus)."""
        del ctx
        host: str = self.conf.host
        return host
