"""Keypairs: generate or import, list, show, delete, always per user.

The user acted on is the caller unless an admin names another; policy
(``mogan.policies.keypair``) enforces that, so a user never sees or deletes
another user's keys.
"""

from collections.abc import Sequence

from mogan import context as mogan_context
from mogan.db import models
from mogan.db.api import keypair as keypair_db
from mogan.services import keypair_crypto
from mogan.services import quota as quota_svc


def get(ctx: mogan_context.RequestContext, user_id: str, name: str) -> models.KeyPair:
    """The user's keypair.

    Raises:
        KeypairNotFound: the user has no such keypair.
    """
    with ctx.database.transaction(readonly=True) as session:
        return keypair_db.get(session, user_id, name)


def get_all(
    ctx: mogan_context.RequestContext,
    user_id: str,
    limit: int | None = None,
    marker: str | None = None,
) -> Sequence[models.KeyPair]:
    """One page of the user's keypairs.

    Raises:
        KeypairNotFound: the marker names none of the user's keypairs.
    """
    with ctx.database.transaction(readonly=True) as session:
        marker_row = keypair_db.get(session, user_id, marker) if marker else None
        return keypair_db.get_all(session, user_id, limit=limit, marker=marker_row)


def create(
    ctx: mogan_context.RequestContext,
    limits: quota_svc.LimitSource,
    *,
    user_id: str,
    name: str,
    key_type: str,
    public_key: str | None,
) -> tuple[models.KeyPair, str | None]:
    """Import ``public_key`` or generate a keypair for ``user_id``.

    Returns:
        The stored keypair and, when generated, the private key (never stored).

    Raises:
        InvalidParameter: the public key cannot be parsed.
        OverQuota: the user holds the most keypairs allowed.
        KeypairExists: the user has a keypair of that name.
        ProjectScopeRequired: the caller has no project to record.
    """
    project_id = ctx.require_project("Creating keypairs")
    if public_key is not None:
        material = keypair_crypto.import_key(key_type, public_key)
    elif key_type == "x509":
        material = keypair_crypto.generate_x509(user_id)
    else:
        material = keypair_crypto.generate_ssh()
    effective = limits.limits(ctx.database, ctx.project_id or "")
    quota_svc.prepare_locks(ctx.database, (quota_svc.KEYPAIRS, user_id))
    with ctx.database.transaction() as session:
        quota_svc.check_keypair(session, effective, user_id)
        keypair = keypair_db.create(
            session,
            {
                "name": name,
                "user_id": user_id,
                "project_id": project_id,
                "type": key_type,
                "public_key": material.public_key,
                "fingerprint": material.fingerprint,
            },
        )
    return keypair, material.private_key


def delete(ctx: mogan_context.RequestContext, user_id: str, name: str) -> None:
    """Delete the user's keypair.

    Raises:
        KeypairNotFound: the user has no such keypair.
    """
    with ctx.database.transaction() as session:
        keypair_db.destroy(session, keypair_db.get(session, user_id, name))
