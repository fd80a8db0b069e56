"""Server side of the scheduler's RPC API."""

from mogan import rpc


class SchedulerManager(rpc.ManagerBase):
    """Endpoints the scheduler serves on its topic (``ping`` so far)."""
