"""Client side of the scheduler's RPC API: the only scheduler module others import."""

from mogan import rpc


class SchedulerAPI(rpc.RPCAPIBase):
    """Calls into the scheduler over oslo.messaging.

    Version history:
        1.0: ``ping``.
    """

    TOPIC = rpc.SCHEDULER_TOPIC
