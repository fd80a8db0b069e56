"""Keypair request and response bodies (v1 section 1.8, bug 3 fixed).

Every string that reaches the database refuses NUL: PostgreSQL cannot store
it, so letting one through turns a bad request into a server error.
"""

from typing import Annotated, Literal

import pydantic

from mogan.api.schemas import common

KeypairName = Annotated[
    str,
    pydantic.StringConstraints(
        min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_\- ]+$"
    ),
]
"""A keypair name: letters, digits, ``_``, ``-`` and spaces (v1's safe set)."""
UserId = Annotated[
    str,
    pydantic.StringConstraints(
        min_length=1, max_length=255, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
"""An identity string: anything printable (Keystone ids, LDAP names)."""


def _no_nul(value: str) -> str:
    if "\x00" in value:
        msg = "must not contain NUL characters"
        raise ValueError(msg)
    return value


# NOTE: NUL is refused by a validator, not a pattern: a pattern on a 64 KiB
# string makes schema-driven fuzzers (and clients' validators) crawl.
PublicKey = Annotated[
    str,
    pydantic.StringConstraints(min_length=1, max_length=65535),
    pydantic.AfterValidator(_no_nul),
]
"""An OpenSSH public key line or a PEM certificate."""


class KeypairCreate(common.Request):
    """``POST /v1/keypairs``: import ``public_key`` or generate one."""

    name: KeypairName
    user_id: UserId | None = pydantic.Field(
        default=None, description="Admin only: create the keypair for this user."
    )
    type: Literal["ssh", "x509"] = "ssh"
    public_key: PublicKey | None = pydantic.Field(
        default=None,
        description="Import this key; without it a keypair is generated.",
    )


class Keypair(common.Response):
    """A keypair; ``private_key`` appears only in the response that generated it."""

    name: str
    user_id: str
    type: str
    fingerprint: str
    public_key: str
    private_key: str | None = None
    links: list[common.Link]
    created_at: str | None = None
    updated_at: str | None = None


class KeypairList(common.Response):
    """``GET /v1/keypairs``."""

    keypairs: list[Keypair]


_USER_ID_QUERY = pydantic.Field(
    default=None, description="Admin only: act on this user's keypairs."
)


class KeypairQuery(common.Query):
    """Whose keypair: the caller's unless an admin names another user."""

    user_id: UserId | None = _USER_ID_QUERY


class KeypairListQuery(common.PageQuery):
    """Whose keypairs, and which page."""

    marker: KeypairName | None = pydantic.Field(
        default=None, description="Name of the last keypair of the previous page."
    )
    user_id: UserId | None = _USER_ID_QUERY
