"""Server side of the engine's RPC API."""

from mogan import rpc


class EngineManager(rpc.ManagerBase):
    """Endpoints the engine serves on its topic (``ping`` so far)."""
