"""Versioned notifications the engine sends (v1 section 5.9).

Topic ``versioned_notifications``, publisher ``mogan-engine:<host>``,
priority INFO for ``.start``/``.end`` and ERROR for ``.error``. Payloads are
``ServerActionPayload`` 1.0 in the versioned-object envelope
(``mogan_object.name``/``namespace``/``version``/``data``), built from the
server row while it still exists and sent after the work is committed.
"""

import datetime
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import oslo_messaging as messaging
from oslo_config import cfg

from mogan.db import models

if TYPE_CHECKING:
    from mogan.engine import workflow

LOG = logging.getLogger(__name__)

TOPIC = "versioned_notifications"
NAMESPACE = "mogan"
VERSION = "1.0"


def publisher_id(host: str) -> str:
    """The publisher id of the engine on ``host``."""
    return f"mogan-engine:{host}"


def make_notifier(conf: cfg.ConfigOpts, host: str) -> Any:
    """An oslo.messaging notifier on the configured notification transport."""
    transport = messaging.get_notification_transport(conf)
    return messaging.Notifier(
        transport,
        publisher_id=publisher_id(host),
        driver="messagingv2",
        topics=[TOPIC],
    )


def _envelope(name: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "mogan_object.name": name,
        "mogan_object.namespace": NAMESPACE,
        "mogan_object.version": VERSION,
        "mogan_object.data": data,
    }


def _iso(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def exception_payload(error: dict[str, Any]) -> dict[str, Any]:
    """``ExceptionPayload`` 1.0 from a failure recorded by the runner."""
    return _envelope(
        "ExceptionPayload",
        {
            "module_name": error.get("module"),
            "function_name": error.get("step"),
            "exception": error.get("exception"),
            "exception_message": error.get("message"),
        },
    )


def server_payload(
    server: models.Server,
    nics: Iterable[models.ServerNic] = (),
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``ServerActionPayload`` 1.0 for ``server`` (and the failure, if any)."""
    addresses = [
        _envelope(
            "ServerAddressesPayload",
            {
                "port_id": nic.port_id,
                "mac_address": nic.mac_address,
                "fixed_ips": nic.fixed_ips,
                "network_id": nic.network_id,
                "floating_ip": nic.floating_ip,
                "preserve_on_delete": nic.preserve_on_delete,
            },
        )
        for nic in nics
    ]
    data = {
        "name": server.name,
        "uuid": server.uuid,
        "user_id": server.user_id,
        "project_id": server.project_id,
        "description": server.description,
        "flavor_uuid": server.flavor_uuid,
        "image_uuid": server.image_uuid,
        "availability_zone": server.availability_zone,
        "power_state": server.power_state,
        "created_at": _iso(server.created_at),
        "launched_at": _iso(server.launched_at),
        "updated_at": _iso(server.updated_at),
        "status": server.status,
        "locked_by": server.locked_by,
        "affinity_zone": server.affinity_zone,
        "metadata": dict(server.extra or {}),
        "partitions": dict(server.partitions or {}),
        "key_name": server.key_name,
        "node": server.node,
        "addresses": addresses,
        "fault": exception_payload(error) if error else None,
    }
    return _envelope("ServerActionPayload", data)


def send(deps: "workflow.Deps", queued: Iterable["workflow.Notification"]) -> None:
    """Send queued notifications; a failure to notify never fails the work."""
    notifier = deps.notifier
    if notifier is None:
        return
    for note in queued:
        try:
            if note.error:
                notifier.error({}, note.event_type, note.payload)
            else:
                notifier.info({}, note.event_type, note.payload)
        except Exception:
            LOG.exception("could not send notification %s", note.event_type)
