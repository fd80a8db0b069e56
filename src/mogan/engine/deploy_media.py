"""The engine's ``MediaStore``: media kept in the database, served by the API.

Engines, API workers and the scheduler may run on different hosts, and a
BMC can only fetch from a web server; the API is Mogan's. So a medium a
driver publishes (``DbMediaStore.publish``) goes into ``deploy_media`` and
any API worker serves it at ``<[deploy_media] base_url>/v1/deploy_media/
<token>`` until it expires; the engine's periodic ``purge`` deletes it
after that.

What must not live here: the HTTP serving (``mogan.api.routes.
deploy_media``), the token and its storage (``mogan.services.deploy_media``).
"""

import logging
from typing import ClassVar

from oslo_config import cfg

from mogan.db import session as db_session
from mogan.drivers import errors as driver_errors
from mogan.drivers import store
from mogan.services import deploy_media as media_svc

LOG = logging.getLogger(__name__)

PATH = "/v1/deploy_media/"
MAX_NAME = 255
ISO_MAGIC_AT = 32769
"""Where an ISO 9660 image says ``CD001`` (its primary volume descriptor)."""
ISO = "application/x-iso9660-image"
OCTETS = "application/octet-stream"


class MediaRefused(driver_errors.DriverError):
    """Mogan cannot serve this medium (configuration or size); no node can."""

    msg_fmt = "Cannot serve deploy medium {name}: {reason}"
    code = "mogan.deploy_media.refused"
    reschedulable: ClassVar[bool] = False


def content_type(data: bytes) -> str:
    """The media type of ``data``: an ISO image or plain bytes."""
    if data[ISO_MAGIC_AT : ISO_MAGIC_AT + 5] == b"CD001":
        return ISO
    return OCTETS


class DbMediaStore:
    """A ``drivers.store.MediaStore`` on Mogan's database."""

    def __init__(
        self,
        database: db_session.Database,
        base_url: str | None,
        max_bytes: int,
        default_ttl: float,
    ) -> None:
        """Store in ``database``; URLs start with ``base_url`` (None: refuse)."""
        self.database = database
        self.base_url = base_url.rstrip("/") if base_url else None
        self.max_bytes = max_bytes
        self.default_ttl = default_ttl

    def publish(self, name: str, data: bytes, ttl: float) -> str:
        """Serve ``data`` for ``ttl`` seconds (<= 0: the default); its URL.

        Publishing ``name`` again replaces it: the old URL answers 404.

        Raises:
            MediaRefused: no ``[deploy_media] base_url``, ``data`` larger
                than ``max_bytes``, or a name longer than 255 characters.
        """
        if self.base_url is None:
            raise MediaRefused(
                name=name,
                reason=(
                    "[deploy_media] base_url is not set: set it to the URL "
                    "at which BMCs reach Mogan's API"
                ),
            )
        if len(data) > self.max_bytes:
            raise MediaRefused(
                name=name,
                reason=(
                    f"it is {len(data)} bytes, more than [deploy_media] "
                    f"max_bytes ({self.max_bytes})"
                ),
            )
        if not name or len(name) > MAX_NAME:
            raise MediaRefused(
                name=name[:MAX_NAME], reason=f"a name has 1 to {MAX_NAME} characters"
            )
        lifetime = ttl if ttl > 0 else self.default_ttl
        token = media_svc.publish(
            self.database, name, data, content_type(data), lifetime
        )
        # NOTE: the URL is the medium's only secret: logged by name only.
        LOG.info(
            "serving deploy medium %s (%d bytes) for %.0f s", name, len(data), lifetime
        )
        return f"{self.base_url}{PATH}{token}"

    def reissue(self, name: str) -> str | None:
        """A new URL of ``name`` (the old one dies); None when it is not served."""
        if self.base_url is None:
            return None
        token = media_svc.reissue(self.database, name)
        if token is None:
            return None
        LOG.info("new URL for deploy medium %s", name)
        return f"{self.base_url}{PATH}{token}"

    def withdraw(self, name: str) -> None:
        """Stop serving ``name`` (gone already: no-op)."""
        if media_svc.withdraw(self.database, name):
            LOG.info("withdrew deploy medium %s", name)


def from_conf(conf: cfg.ConfigOpts, database: db_session.Database) -> DbMediaStore:
    """The media store ``[deploy_media]`` describes, on ``database``."""
    group = conf.deploy_media
    return DbMediaStore(
        database,
        base_url=group.base_url,
        max_bytes=group.max_bytes,
        default_ttl=group.default_ttl,
    )


def purge(database: db_session.Database) -> int:
    """Delete expired media (the engine's periodic task); how many went."""
    purged = media_svc.purge(database)
    if purged:
        LOG.info("purged %d expired deploy media", purged)
    return purged


# NOTE: mypy checks here that DbMediaStore keeps to the driver contract.
_CONFORMS: type[store.MediaStore] = DbMediaStore
