"""Keypair request and response bodies (v1 section 1.8, bug 3 fixed)."""

from typing import Annotated, Literal

import pydantic

from mogan.api.schemas import common

KeypairName = Annotated[
    str,
    pydantic.StringConstraints(
        min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_\- ]+$"
    ),
]
UserId = Annotated[str, pydantic.StringConstraints(min_length=1, max_length=255)]


class KeypairCreate(common.Request):
    """``POST /v1/keypairs``: import ``public_key`` or generate one."""

    name: KeypairName
    user_id: UserId | None = pydantic.Field(
        default=None, description="Admin only: create the keypair for this user."
    )
    type: Literal["ssh", "x509"] = "ssh"
    public_key: (
        Annotated[str, pydantic.StringConstraints(min_length=1, max_length=65535)]
        | None
    ) = None


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


class KeypairQuery(common.Query):
    """Whose keypair: the caller's unless an admin names another user."""

    user_id: UserId | None = None


class KeypairListQuery(common.PageQuery):
    """Whose keypairs, and which page."""

    user_id: UserId | None = None
