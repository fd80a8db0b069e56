"""oslo.messaging plumbing: transports, targets, servers and clients.

The transport URL decides the bus: ``fake://`` (in-process, the all-in-one
and default tests) or ``rabbit://`` (production). Topics are fixed names;
RPC payloads carry ids and small typed values, never ORM rows.

Every call carries the caller's request context as a dict
(``RequestContext.to_dict``); the server binds its request id to the thread
that dispatches the call, so the callee's log records carry it.
"""

from collections.abc import Sequence
from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg

from mogan import context as mogan_context
from mogan import exception

ENGINE_TOPIC = "mogan-engine"
SCHEDULER_TOPIC = "mogan-scheduler"
EMBEDDED_TRANSPORT_URL = "fake://"


def transport(conf: cfg.ConfigOpts) -> Any:
    """The RPC transport named by ``[DEFAULT] transport_url``."""
    # NOTE: lets domain errors (NoValidNode ...) cross the bus as themselves.
    return messaging.get_rpc_transport(
        conf, allowed_remote_exmods=list(exception.MODULES)
    )


class ContextSerializer(messaging.NoOpSerializer):  # type: ignore[misc]
    """Carries the request context as a dict; binds its request id on arrival."""

    def serialize_context(self, ctxt: Any) -> dict[str, Any]:
        """A ``RequestContext`` as its dict; a dict as it is."""
        if isinstance(ctxt, mogan_context.RequestContext):
            return ctxt.to_dict()
        return dict(ctxt or {})

    def deserialize_context(self, ctxt: Any) -> dict[str, Any]:
        """Bind the caller's request id to the dispatching thread.

        oslo.messaging calls this in the thread that then runs the endpoint,
        before each call, so every call runs under its own request id.
        """
        values = dict(ctxt or {})
        mogan_context.bind(values.get("request_id"))
        return values


def server(conf: cfg.ConfigOpts, topic: str, endpoints: Sequence[object]) -> Any:
    """An RPC server for ``topic`` on this host, dispatching to ``endpoints``."""
    mogan_context.install_log_record_factory()
    target = messaging.Target(topic=topic, server=conf.host)
    return messaging.get_rpc_server(
        transport(conf),
        target,
        list(endpoints),
        access_policy=messaging.DefaultRPCAccessPolicy,
        serializer=ContextSerializer(),
    )


def client(
    conf: cfg.ConfigOpts,
    topic: str,
    version: str = "1.0",
    version_cap: str | None = None,
) -> Any:
    """An RPC client for ``topic`` (any server on it), capped at ``version_cap``."""
    return messaging.get_rpc_client(
        transport(conf),
        messaging.Target(topic=topic, version=version),
        version_cap=version_cap,
        serializer=ContextSerializer(),
    )


class RPCAPIBase:
    """Client side shared by the engine and scheduler RPC APIs.

    ``[upgrade_levels] <SERVICE>`` caps the versions sent (a rolling
    upgrade: the new release talks to servers of the old one). Each method
    sends the lowest version that carries what it sends: arguments newer
    than the cap are left out where the server does without them, and a
    call the cap cannot carry at all raises ``RPCVersionCapped``.
    """

    TOPIC: str
    SERVICE: str
    VERSION = "1.0"

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        """Build a client on the subclass's topic, capped as configured."""
        cap = getattr(conf.upgrade_levels, self.SERVICE, None) or None
        self.version_cap: str = cap or self.VERSION
        self._client = client(conf, self.TOPIC, self.VERSION, version_cap=cap)

    def can_send_version(self, version: str) -> bool:
        """Whether the cap lets calls of ``version`` through."""
        return bool(self._client.can_send_version(version))

    def _prepare(self, version: str, what: str, **kwargs: Any) -> Any:
        """A client sending ``version``, for calling ``what``.

        Raises:
            RPCVersionCapped: the cap is below ``version``.
        """
        if not self.can_send_version(version):
            raise exception.RPCVersionCapped(
                what=what,
                service=self.SERVICE,
                version=version,
                cap=self.version_cap,
            )
        return self._client.prepare(version=version, **kwargs)

    def ping(self, ctx: dict[str, object], timeout: float = 10) -> str:
        """Ask any server on the topic for its host name.

        Raises:
            oslo_messaging.MessagingTimeout: nobody answered in time.
        """
        prepared = self._prepare("1.0", "ping", timeout=timeout)
        host: str = prepared.call(ctx, "ping")
        return host


class ManagerBase:
    """Server side shared by the engine and scheduler managers."""

    target = messaging.Target(version="1.0")

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        """Serve for this host."""
        self.conf = conf

    def ping(self, ctx: dict[str, Any]) -> str:
        """Answer with this host's name (liveness over the bus)."""
        del ctx
        host: str = self.conf.host
        return host
