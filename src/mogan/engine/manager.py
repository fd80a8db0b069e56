"""Server side of the engine's RPC API."""

from collections.abc import Callable
from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg

from mogan import rpc


class EngineManager(rpc.ManagerBase):
    """Endpoints the engine serves on its topic.

    Version history:
        1.0: ``ping``.
        1.1: ``nudge``.
    """

    target = messaging.Target(version="1.1")

    def __init__(
        self, conf: cfg.ConfigOpts, on_nudge: Callable[[str], None] | None = None
    ) -> None:
        """Serve for this host; ``on_nudge`` wakes the workflow runner."""
        super().__init__(conf)
        self._on_nudge = on_nudge

    def nudge(self, ctx: dict[str, Any], workflow_uuid: str) -> None:
        """A workflow is due: look for due work now rather than at the next poll.

        Any engine may take any workflow (the lease decides), so the uuid is
        only a hint.
        """
        del ctx
        if self._on_nudge is not None:
            self._on_nudge(workflow_uuid)
