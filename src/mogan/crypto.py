"""Sealing secrets that must rest in the database: Fernet with configured keys.

A server's ``admin_pass`` (and the config drive built from it) waits in
workflow rows until the engine has handed it to the node; it is stored
sealed, never in plaintext. The key is ``[DEFAULT] secret_key`` (a Fernet
key, shared by every API and engine process); ``previous_secret_keys``
still open what older keys sealed, so keys can be rotated. Without a
configured key one is derived from ``[database] connection``: a database
dump alone then shows no plaintext, but anyone with the configuration can
open it, so production sets ``secret_key``.
"""

import base64
import functools
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from cryptography import fernet

from mogan import exception

PREFIX = "fernet:"


class SecretUnreadable(exception.MoganError):
    """A sealed value no configured key opens (a key was changed or lost)."""

    msg_fmt = "A sealed secret could not be opened: {reason}"
    code = "mogan.secret.unreadable"
    reschedulable = False


def generate_key() -> str:
    """A new key for ``[DEFAULT] secret_key``."""
    return fernet.Fernet.generate_key().decode()


def _derived(material: str) -> bytes:
    digest = hashlib.sha256(b"mogan-secret-key:" + material.encode()).digest()
    return base64.urlsafe_b64encode(digest)


class Sealer:
    """Seals and opens strings and JSON values with the configured keys."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        """Seal with the first key, open with any of ``keys``.

        Raises:
            ValueError: a key is not a Fernet key (32 url-safe base64 bytes).
        """
        self._fernet = fernet.MultiFernet([fernet.Fernet(key) for key in keys])

    @classmethod
    def from_conf(cls, conf: Any) -> "Sealer":
        """The sealer of ``[DEFAULT] secret_key`` (see the module's docstring)."""
        return _sealer(
            conf.secret_key or "",
            tuple(conf.previous_secret_keys or ()),
            str(conf.database.connection or ""),
        )

    def seal(self, text: str | None) -> str | None:
        """``text`` sealed (None stays None)."""
        if text is None:
            return None
        return PREFIX + self._fernet.encrypt(text.encode()).decode()

    def open(self, value: str | None) -> str | None:
        """The text of a sealed ``value``; unsealed values (older rows) as they are.

        Raises:
            SecretUnreadable: no configured key opens it.
        """
        if value is None or not value.startswith(PREFIX):
            return value
        try:
            return self._fernet.decrypt(value[len(PREFIX) :].encode()).decode()
        except fernet.InvalidToken as err:
            raise SecretUnreadable(
                reason="no key of [DEFAULT] secret_key or previous_secret_keys opens it"
            ) from err

    def seal_json(self, value: Any) -> str | None:
        """A JSON value sealed (None stays None)."""
        if value is None:
            return None
        return self.seal(json.dumps(value, sort_keys=True))

    def open_json(self, value: Any) -> Any:
        """The JSON value of ``seal_json``; an unsealed value as it is."""
        if isinstance(value, str) and value.startswith(PREFIX):
            return json.loads(self.open(value) or "null")
        return value


@functools.lru_cache(maxsize=16)
def _sealer(key: str, previous: tuple[str, ...], connection: str) -> Sealer:
    keys = [k.encode() for k in (key, *previous) if k]
    if not key:
        keys.insert(0, _derived(connection))
    return Sealer(keys)
