"""BMC connections of the Redfish driver: addresses, sessions, errors.

A node's BMC is ``BmcAccess.address`` of the form
``https://host[:port]/redfish/v1/Systems/<id>`` (``http://`` for labs;
``redfish+https://`` is taken too): the service root is the scheme and
authority, the system is the path. ``Connections`` keeps one
``sushy.Sushy`` (session authentication, falling back to HTTP Basic) per
BMC address, user, password and TLS setting, shared by every thread;
sushy logs in again by itself when a session expires. ``translate`` turns
sushy's errors into the driver's.

What must not live here: what the driver reads or changes on a system
(``redfish_inventory``, ``redfish_hardware``, ``redfish_deploy``).
"""

import contextlib
import dataclasses
import hashlib
import threading
import urllib.parse
from collections.abc import Iterator
from typing import Any

import sushy
from sushy import exceptions as sushy_exc

from mogan.drivers import errors
from mogan.drivers.models import BmcAccess

SYSTEMS_PREFIX = "/redfish/v1/Systems/"
SCHEMES = {"https": "https", "http": "http", "redfish+https": "https"}
SCHEMES["redfish+http"] = "http"


@dataclasses.dataclass(frozen=True)
class Address:
    """A parsed BMC address: the service's base URL and the system's path."""

    base_url: str
    system_path: str


def parse_address(address: str) -> Address:
    """The base URL and system path of a BMC address.

    Raises:
        BmcRefused: not ``http(s)://host[:port]/redfish/v1/Systems/<id>``.
    """
    parts = urllib.parse.urlsplit(address.strip())
    scheme = SCHEMES.get(parts.scheme.lower())
    path = parts.path.rstrip("/")
    system_id = path[len(SYSTEMS_PREFIX) :] if path.startswith(SYSTEMS_PREFIX) else ""
    if scheme is None or not parts.hostname or not system_id or "/" in system_id:
        raise errors.BmcRefused(
            address=address,
            reason=("the address must be https://host[:port]/redfish/v1/Systems/<id>"),
        )
    return Address(f"{scheme}://{parts.netloc}", path)


@dataclasses.dataclass(frozen=True)
class Settings:
    """How connections are made (from ``[redfish]``)."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 2
    retry_delay: float = 0.5
    verify_tls: bool = True
    ca_file: str | None = None


def _message(err: Exception) -> str:
    text = getattr(err, "message", None) or str(err)
    return str(text)


@contextlib.contextmanager
def translate(node: str, what: str) -> Iterator[None]:
    """Run BMC calls, raising sushy's errors as the driver's.

    A 404 on a resource, a refused request or a failed connection is a
    ``DriverError`` naming ``what`` and the BMC's message; a refused
    login (401, 403) is ``BmcRefused``.
    """
    try:
        yield
    except sushy_exc.AccessError as err:
        raise errors.BmcRefused(
            address=node, reason=f"{what}: credentials refused ({_message(err)})"
        ) from err
    except sushy_exc.ConnectionError as err:
        raise errors.DriverError(
            node=node, reason=f"{what}: BMC unreachable ({_message(err)})"
        ) from err
    except sushy_exc.SushyError as err:
        raise errors.DriverError(node=node, reason=f"{what}: {_message(err)}") from err


def failure(err: Exception) -> str:
    """A sushy (or driver) error as the reason a poll reports."""
    return _message(err)


class Connections:
    """One sushy root per BMC (address, user, password, TLS), shared by threads."""

    def __init__(self, settings: Settings) -> None:
        """No connection yet: each is made on first use."""
        self.settings = settings
        self._roots: dict[tuple[str, ...], Any] = {}
        self._lock = threading.Lock()
        self._making: dict[tuple[str, ...], threading.Lock] = {}

    def verify(self, bmc: BmcAccess) -> bool | str:
        """What requests checks the BMC's certificate with."""
        if not (bmc.verify_tls and self.settings.verify_tls):
            return False
        return self.settings.ca_file or True

    def _key(self, base_url: str, bmc: BmcAccess) -> tuple[str, ...]:
        # NOTE: the password is part of the key (hashed) so that changed
        # credentials make a new session rather than reuse the old one.
        secret = hashlib.sha256((bmc.password or "").encode()).hexdigest()
        return (base_url, bmc.username or "", secret, str(self.verify(bmc)))

    def root(self, bmc: BmcAccess) -> Any:
        """The sushy root of the BMC (logged in once, then reused).

        Raises:
            BmcRefused: bad address, unreachable, or credentials refused.
        """
        return self.root_at(parse_address(bmc.address).base_url, bmc)

    def root_at(self, base_url: str, bmc: BmcAccess) -> Any:
        """The sushy root at ``base_url`` with ``bmc``'s credentials (shared).

        For services reached without a system path (a composition service).

        Raises:
            BmcRefused: unreachable, or credentials refused.
        """
        key = self._key(base_url, bmc)
        with self._lock:
            found = self._roots.get(key)
            if found is not None:
                return found
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._lock:
                found = self._roots.get(key)
            if found is not None:
                return found
            made = self._connect(base_url, bmc)
            with self._lock:
                self._roots[key] = made
            return made

    def _connect(self, base_url: str, bmc: BmcAccess) -> Any:
        settings = self.settings
        try:
            return sushy.Sushy(
                base_url,
                username=bmc.username,
                password=bmc.password,
                verify=self.verify(bmc),
                server_side_retries=settings.retries,
                server_side_retries_delay=settings.retry_delay,
                read_timeout=settings.read_timeout,
                connect_timeout=settings.connect_timeout,
            )
        except sushy_exc.AccessError as err:
            raise errors.BmcRefused(
                address=bmc.address, reason=f"credentials refused ({_message(err)})"
            ) from err
        except sushy_exc.SushyError as err:
            raise errors.BmcRefused(
                address=bmc.address, reason=f"unreachable ({_message(err)})"
            ) from err

    def forget(self, bmc: BmcAccess) -> None:
        """Drop the BMC's connection (the next call logs in again)."""
        with contextlib.suppress(errors.BmcRefused):
            self.forget_at(parse_address(bmc.address).base_url, bmc)

    def forget_at(self, base_url: str, bmc: BmcAccess) -> None:
        """Drop the connection ``root_at`` made (the next call logs in again)."""
        key = self._key(base_url, bmc)
        with self._lock:
            root = self._roots.pop(key, None)
        if root is not None:
            _logout(root)

    def close(self) -> None:
        """Log out of every BMC and forget the connections."""
        with self._lock:
            roots, self._roots = list(self._roots.values()), {}
        for root in roots:
            _logout(root)


def _logout(root: Any) -> None:
    # NOTE: sushy logs out when a root is garbage-collected; doing it now
    # keeps the BMC's session table small and the moment predictable.
    auth, root._auth = root._auth, None  # noqa: SLF001 - sushy has no close()
    if auth is not None:
        with contextlib.suppress(Exception):
            auth.close()


def system(root: Any, bmc: BmcAccess) -> Any:
    """The node's ``sushy`` System (one GET)."""
    return root.get_system(parse_address(bmc.address).system_path)
