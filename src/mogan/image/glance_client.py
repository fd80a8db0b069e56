"""Glance's v2 images API over a keystoneauth adapter: records, members, bytes.

The adapter carries ``[glance]``'s session (TLS, timeout), the service
user's auth and the endpoint: ``endpoint_override`` when set, else the
catalog's ``image`` service on ``valid_interfaces`` in ``region_name``.

A call made *for a user* sends the user's own token (``X-Auth-Token``), so
Glance applies its visibility, membership and policy rules to that user,
and with it the service user's token (``X-Service-Token``, keystoneauth's
``ServiceTokenAuthWrapper``): Glance's keystonemiddleware then knows a
service is acting for the user, and accepts the user's token even if it
expired in the meantime (its ``service_token_roles``, ``service`` by
default, must be among the service user's roles). Only the endpoint comes
from the service user's catalog (or the override). A call without a token
is the service user's.

What must not live here: what Mogan makes of an image (``mogan.image.
glance``), HTTP serving (``mogan.api``).
"""

import dataclasses
import logging
from collections.abc import Callable, Iterator
from typing import Any

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import plugin as ks_plugin
from keystoneauth1 import service_token, token_endpoint

from mogan import exception

LOG = logging.getLogger(__name__)

OK = 200
PARTIAL = 206
NOT_FOUND = 404
FORBIDDEN = 403
UNSATISFIABLE = 416
CHUNK = 1024 * 1024
"""Bytes read from Glance at once while streaming an image."""


@dataclasses.dataclass
class Download:
    """An image's bytes being read from Glance (``close`` when done).

    Attributes:
        status: Glance's answer: 200, 206 (a range) or 416.
        headers: ``Content-Length`` and ``Content-Range`` as Glance sent them.
        chunks: the body, ``CHUNK`` bytes at a time; closes the response
            when exhausted.
        close: closes the response (a body not read to its end).
    """

    status: int
    headers: dict[str, str]
    chunks: Iterator[bytes]
    close: Callable[[], None]


class GlanceClient:
    """Requests to one Glance through a keystoneauth adapter."""

    def __init__(self, adapter: ks_adapter.Adapter) -> None:
        """Send requests through ``adapter`` (session, service auth, endpoint)."""
        self.adapter = adapter
        self._endpoint: str | None = None

    def endpoint(self) -> str:
        """Glance's base URL (the override, or the catalog's), without ``/``.

        Raises:
            ImageServiceUnavailable: the catalog has no such endpoint, or
                Keystone cannot be reached.
        """
        if self._endpoint is None:
            try:
                url = self.adapter.get_endpoint()
            except ks_exc.ClientException as err:
                raise exception.ImageServiceUnavailable(
                    reason=f"no image endpoint: {err}"
                ) from err
            if not url:
                raise exception.ImageServiceUnavailable(
                    reason=(
                        "no image endpoint: set [glance] endpoint_override or "
                        "register the image service in the catalog"
                    )
                )
            self._endpoint = str(url).rstrip("/")
        return self._endpoint

    def for_user(self, token: str) -> ks_plugin.BaseAuthPlugin:
        """The auth of a request made for the user holding ``token``.

        The user's token, plus the service user's as ``X-Service-Token``
        when the adapter has a service user (it always has in a cloud).
        """
        user = token_endpoint.Token(self.endpoint(), token)
        if self.adapter.auth is None:
            return user
        return service_token.ServiceTokenAuthWrapper(user, self.adapter.auth)

    def download_url(self, image_id: str) -> str:
        """Glance's own download URL of ``image_id`` (it needs a token)."""
        return f"{self.endpoint()}/v2/images/{image_id}/file"

    def _get(
        self,
        path: str,
        token: str | None,
        headers: dict[str, str] | None = None,
        stream: bool = False,
    ) -> Any:
        """GET ``path`` with the user's ``token`` or the service user's.

        Raises:
            ImageServiceUnavailable: Glance, or Keystone for the service
                user's token, could not be reached.
        """
        kwargs: dict[str, Any] = {
            "headers": dict(headers or {}),
            "raise_exc": False,
            "stream": stream,
            "endpoint_override": self.endpoint(),
        }
        if token is not None:
            kwargs["auth"] = self.for_user(token)
            # NOTE: a 401 must not make keystoneauth drop and renew the
            # service user's token (the wrapper's invalidate does both).
            kwargs["allow_reauth"] = False
        try:
            return self.adapter.get(path, **kwargs)
        except ks_exc.ClientException as err:
            raise exception.ImageServiceUnavailable(reason=str(err)) from err

    @staticmethod
    def _unexpected(resp: Any, what: str) -> exception.ImageServiceUnavailable:
        LOG.warning("Glance answered %s to %s: %s", resp.status_code, what, resp.text)
        return exception.ImageServiceUnavailable(
            reason=f"Glance answered {resp.status_code} to {what}"
        )

    def show(self, image_id: str, token: str | None = None) -> dict[str, Any]:
        """The image record as ``token`` (or the service user) sees it.

        Raises:
            ImageNotFound: Glance does not show it to that caller.
            ImageServiceUnavailable: Glance cannot answer.
        """
        resp = self._get(f"/v2/images/{image_id}", token)
        if resp.status_code in {NOT_FOUND, FORBIDDEN}:
            raise exception.ImageNotFound(image=image_id)
        if resp.status_code != OK:
            raise self._unexpected(resp, f"GET image {image_id}")
        record: dict[str, Any] = resp.json()
        return record

    def member_status(
        self, image_id: str, project_id: str, token: str | None = None
    ) -> str | None:
        """``project_id``'s membership of the image (``accepted`` ...), or None.

        Raises:
            ImageServiceUnavailable: Glance cannot answer.
        """
        resp = self._get(f"/v2/images/{image_id}/members/{project_id}", token)
        if resp.status_code in {NOT_FOUND, FORBIDDEN}:
            return None
        if resp.status_code != OK:
            raise self._unexpected(resp, f"GET member of image {image_id}")
        return str(resp.json().get("status") or "") or None

    def download(self, image_id: str, byte_range: str | None = None) -> Download:
        """Start reading the image's bytes as the service user.

        Args:
            image_id: the image.
            byte_range: a ``Range`` header value (one range), or None.

        Raises:
            ImageNotFound: Glance has no such image (deleted meanwhile).
            ImageServiceUnavailable: Glance cannot answer or refuses.
        """
        headers = {"Range": byte_range} if byte_range else {}
        resp = self._get(f"/v2/images/{image_id}/file", None, headers, stream=True)
        if resp.status_code == NOT_FOUND:
            resp.close()
            raise exception.ImageNotFound(image=image_id)
        if resp.status_code not in {OK, PARTIAL, UNSATISFIABLE}:
            resp.close()
            raise self._unexpected(resp, f"download of image {image_id}")
        kept = {
            name: resp.headers[name]
            for name in ("Content-Length", "Content-Range")
            if name in resp.headers
        }
        return Download(
            status=resp.status_code,
            headers=kept,
            chunks=_chunks(resp),
            close=resp.close,
        )


def _chunks(resp: Any) -> Iterator[bytes]:
    try:
        yield from resp.iter_content(CHUNK)
    finally:
        resp.close()
