"""oslo.messaging plumbing: transports, targets, servers and clients.

The transport URL decides the bus: ``fake://`` (in-process, the all-in-one
and default tests) or ``rabbit://`` (production). Topics are fixed names;
RPC payloads carry ids and small typed values, never ORM rows.
"""

from collections.abc import Sequence
from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg

ENGINE_TOPIC = "mogan-engine"
SCHEDULER_TOPIC = "mogan-scheduler"
EMBEDDED_TRANSPORT_URL = "fake://"


def transport(conf: cfg.ConfigOpts) -> Any:
    """The RPC transport named by ``[DEFAULT] transport_url``."""
    return messaging.get_rpc_transport(conf)


def server(conf: cfg.ConfigOpts, topic: str, endpoints: Sequence[object]) -> Any:
    """An RPC server for ``topic`` on this host, dispatching to ``endpoints``."""
    target = messaging.Target(topic=topic, server=conf.host)
    return messaging.get_rpc_server(
        transport(conf),
        target,
        list(endpoints),
        access_policy=messaging.DefaultRPCAccessPolicy,
    )


def client(conf: cfg.ConfigOpts, topic: str, version: str = "1.0") -> Any:
    """An RPC client for ``topic`` (any server on it)."""
    return messaging.get_rpc_client(
        transport(conf), messaging.Target(topic=topic, version=version)
    )
