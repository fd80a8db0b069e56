"""Ironic's REST API over a keystoneauth adapter: versions, retries, errors.

keystoneauth supplies the endpoint (``endpoint_override`` or the catalogue's
``baremetal`` service), the credentials (any auth plugin, ``none`` and
``http_basic`` included) and TLS; this module adds what every call to Ironic
needs:

- the API microversion: at least ``MIN_VERSION``, negotiated once (from
  Ironic's root document) up to ``MAX_VERSION``, the newest behaviour the
  driver relies on, and sent on every request;
- retries with exponential backoff: a 409 "node locked" on any call
  (Ironic refused it, so repeating is safe), a 5xx, timeout or connection
  failure on reads only; a node still locked afterwards raises
  ``NodeLocked`` so the engine retries the step later;
- errors as the driver interfaces name them: 404 on a node is
  ``NodeNotFound``, anything else ``DriverError`` carrying Ironic's own
  message.

What must not live here: what the driver does with nodes (``ironic``).
"""

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exc

from mogan.drivers import base

LOG = logging.getLogger(__name__)

HEADER = "X-OpenStack-Ironic-API-Version"
# NOTE: 1.46 (Rocky) has every call the driver makes: traits (1.37), VIFs
# (1.28), rebuild with a config drive (1.35), node faults (1.42).
MIN_VERSION = (1, 46)
# NOTE: the newest behaviour used: 1.56 takes the config drive as JSON,
# and from 1.83 node lists leave out child nodes (DPUs and the like).
MAX_VERSION = (1, 83)
JSON_CONFIGDRIVE_VERSION = (1, 56)
VENDOR_DATA_VERSION = (1, 59)
# NOTE: newer than MAX_VERSION and asked for on the one request that needs
# it, so the rest of the driver keeps the behaviour it was tested with.
FIRMWARE_VERSION = (1, 86)
MAX_BACKOFF = 10.0
CONFLICT = 409
OK = 200
NOT_FOUND = 404
NOT_ACCEPTABLE = 406
SERVER_ERROR = 500
# NOTE: Ironic's NodeLocked message; other 409s (a node associated with
# another instance, a VIF already attached) are real conflicts.
LOCKED_MARKERS = ("is locked by host", "currently locked", "locked by conductor")


def version_text(version: tuple[int, int]) -> str:
    """``(1, 46)`` as ``1.46``."""
    return f"{version[0]}.{version[1]}"


def parse_version(text: str) -> tuple[int, int]:
    """``1.46`` as ``(1, 46)``.

    Raises:
        ValueError: not a microversion.
    """
    major, _, minor = text.strip().partition(".")
    return int(major), int(minor)


def fault(resp: Any) -> str:
    """Ironic's error message from a response (its faultstring when present)."""
    try:
        body = resp.json()
    except ValueError:
        return str(resp.text or f"HTTP {resp.status_code}")[:500]
    message = body.get("error_message", body) if isinstance(body, dict) else body
    if isinstance(message, str):
        try:
            message = json.loads(message)
        except ValueError:
            return str(message)[:500]
    if isinstance(message, dict):
        text = message.get("faultstring") or message.get("description")
        if text:
            return str(text)[:500]
    return json.dumps(message)[:500]


class IronicClient:
    """Requests to one Ironic through a keystoneauth adapter."""

    def __init__(
        self,
        adapter: ks_adapter.Adapter,
        max_retries: int = 3,
        retry_interval: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Send requests through ``adapter`` (session, auth and endpoint set).

        Args:
            adapter: keystoneauth adapter for the baremetal service.
            max_retries: retries of a locked node (any call) and of failed
                reads.
            retry_interval: seconds before the first retry; doubled each time.
            sleep: how to wait between retries (tests pass a recorder).
        """
        self.adapter = adapter
        self.max_retries = max_retries
        self.retry_interval = retry_interval
        self.sleep = sleep
        self._endpoint: str | None = None
        self._version: tuple[int, int] | None = None
        self._newest: tuple[int, int] | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ discovery

    @property
    def endpoint(self) -> str:
        """Ironic's base URL (without ``/v1``), looked up once.

        Raises:
            DriverError: no endpoint (neither override nor catalogue entry).
        """
        if self._endpoint is None:
            try:
                found = self.adapter.get_endpoint()
            except ks_exc.ClientException as err:
                raise base.DriverError(f"cannot find Ironic's endpoint: {err}") from err
            if not found:
                raise base.DriverError(
                    "no Ironic endpoint: set [ironic] endpoint_override or "
                    "credentials whose catalogue lists service type baremetal"
                )
            url = str(found).rstrip("/")
            self._endpoint = url.removesuffix("/v1")
        return self._endpoint

    @property
    def version(self) -> tuple[int, int]:
        """The negotiated microversion, sent on every request.

        Raises:
            DriverError: Ironic cannot be reached or is older than
                ``MIN_VERSION``.
        """
        return self._versions()[0]

    @property
    def newest(self) -> tuple[int, int]:
        """Ironic's own newest microversion (it may exceed ``MAX_VERSION``).

        Raises:
            DriverError: as ``version``.
        """
        return self._versions()[1]

    def _versions(self) -> tuple[tuple[int, int], tuple[int, int]]:
        with self._lock:
            if self._version is None or self._newest is None:
                self._newest = self._negotiate()
                self._version = min(self._newest, MAX_VERSION)
            return self._version, self._newest

    def _negotiate(self) -> tuple[int, int]:
        """Ironic's newest version, checked against what the driver needs."""
        resp = self._send("GET", "/", None, None, {}, idempotent=True, node=None)
        if resp.status_code != 200:  # noqa: PLR2004 - the root answers 200
            raise base.DriverError(
                f"Ironic's version document: HTTP {resp.status_code}: {fault(resp)}"
            )
        try:
            document = resp.json()
            current = document.get("default_version") or document["versions"][0]
            newest = parse_version(current["version"])
            oldest = parse_version(current.get("min_version") or "1.1")
        except (ValueError, KeyError, IndexError, TypeError) as err:
            raise base.DriverError(
                f"Ironic's version document is unreadable: {err}"
            ) from err
        if newest < MIN_VERSION or oldest > MAX_VERSION:
            raise base.DriverError(
                f"Ironic supports API {version_text(oldest)} to "
                f"{version_text(newest)}; this driver needs "
                f"{version_text(MIN_VERSION)} to {version_text(MAX_VERSION)}"
            )
        chosen = min(newest, MAX_VERSION)
        LOG.info("Ironic at %s: API version %s", self.endpoint, version_text(chosen))
        return newest

    # ------------------------------------------------------------ requests

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, Any] | None = None,
        ok: Iterable[int] = (200,),
        node: str | None = None,
        version: tuple[int, int] | None = None,
    ) -> Any:
        """One API call; the decoded body (None when empty).

        Args:
            method: HTTP method.
            path: path under the endpoint, ``/v1/...``.
            body: JSON body.
            params: query parameters.
            ok: the statuses that mean success.
            node: the node the call is about (404 then means NodeNotFound).
            version: the microversion for this call (default: ``version``).

        Raises:
            NodeNotFound: 404 on a node.
            NodeLocked: the node stayed locked through every retry.
            DriverError: Ironic refused or failed the call, or is unreachable.
        """
        headers = {HEADER: version_text(version or self.version)}
        resp = self._send(
            method, path, body, params, headers, idempotent=method == "GET", node=node
        )
        if resp.status_code in set(ok):
            return resp.json() if resp.content else None
        message = fault(resp)
        if resp.status_code == NOT_FOUND and node is not None:
            raise base.NodeNotFound(node=node)
        if resp.status_code == CONFLICT and _locked(message):
            raise base.NodeLocked(node=node or "-", reason=message)
        reason = f"Ironic {method} {path}: HTTP {resp.status_code}: {message}"
        if node is None:
            raise base.DriverError(reason)
        raise base.DriverError(node=node, reason=reason)

    def get_optional(
        self,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        version: tuple[int, int] | None = None,
    ) -> Any:
        """A read that may find nothing: None on 404 (or 406: too old an Ironic).

        For a node's sub-resources (inspection data, BIOS, firmware) that a
        node may lack; look the node up first, since a 404 here does not say
        which is missing.

        Raises:
            DriverError: Ironic refused or failed the call, or is unreachable.
        """
        headers = {HEADER: version_text(version or self.version)}
        resp = self._send(
            "GET", path, None, params, headers, idempotent=True, node=None
        )
        if resp.status_code in {NOT_FOUND, NOT_ACCEPTABLE}:
            return None
        if resp.status_code != OK:
            raise base.DriverError(
                f"Ironic GET {path}: HTTP {resp.status_code}: {fault(resp)}"
            )
        return resp.json()

    def _send(
        self,
        method: str,
        path: str,
        body: Any,
        params: dict[str, Any] | None,
        headers: dict[str, str],
        *,
        idempotent: bool,
        node: str | None,
    ) -> Any:
        """Send with retries; the last response.

        Raises:
            DriverError: unreachable (after the retries, for reads).
        """
        url = self.endpoint + path
        delay = self.retry_interval
        attempt = 0
        while True:
            try:
                resp = self.adapter.request(
                    url,
                    method,
                    json=body,
                    params=params,
                    headers=headers,
                    raise_exc=False,
                )
            except ks_exc.ClientException as err:
                if idempotent and attempt < self.max_retries:
                    LOG.warning("Ironic %s %s: %s; retrying", method, path, err)
                else:
                    reason = f"Ironic unreachable ({method} {path}): {err}"
                    if node is None:
                        raise base.DriverError(reason) from err
                    raise base.DriverError(node=node, reason=reason) from err
            else:
                if not self._retriable(resp, idempotent) or attempt >= self.max_retries:
                    return resp
                LOG.info(
                    "Ironic %s %s: HTTP %s; retrying in %.1f s",
                    method,
                    path,
                    resp.status_code,
                    delay,
                )
            attempt += 1
            self.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF)

    @staticmethod
    def _retriable(resp: Any, idempotent: bool) -> bool:
        if resp.status_code == CONFLICT:
            return _locked(fault(resp))
        return idempotent and resp.status_code >= SERVER_ERROR

    def pages(
        self, path: str, key: str, params: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Every item of a paginated list (following Ironic's ``next`` links).

        Raises:
            DriverError: Ironic refused or failed a page.
        """
        query = dict(params or {})
        items: list[dict[str, Any]] = []
        while True:
            page = self.request("GET", path, params=query)
            batch = page.get(key) or []
            items.extend(batch)
            # NOTE: the next link holds Ironic's public URL, which may not
            # be the endpoint this driver reaches: only its marker is used.
            if not page.get("next") or not batch:
                return items
            query["marker"] = batch[-1]["uuid"]


def _locked(message: str) -> bool:
    return any(marker in message for marker in LOCKED_MARKERS)
