"""Keypair routes (v1 section 1.8): always scoped to one user.

The user is the caller unless the request names ``user_id``; the policy
target carries that user, so only admins can name someone else.
"""

import urllib.parse

from mogan import context as mogan_context
from mogan.api import router, state
from mogan.api.schemas import keypair as schema
from mogan.db import models
from mogan.services import keypair as keypair_svc

TAG = "keypairs"


def _owner(ctx: mogan_context.RequestContext, rule: str, user_id: str | None) -> str:
    """The user acted on, after checking the caller may act for them."""
    target_user = user_id or ctx.user_id or ""
    state.authorize(ctx, rule, {"user_id": target_user, "project_id": ctx.project_id})
    return target_user


def _links(keypair: models.KeyPair) -> list[dict[str, str]]:
    # NOTE: names may hold spaces, which a URL (and a Location header) must
    # carry percent-encoded.
    return state.links("keypairs", urllib.parse.quote(keypair.name, safe=""))


def _view(keypair: models.KeyPair, private_key: str | None = None) -> schema.Keypair:
    fields: dict[str, object] = {
        "name": keypair.name,
        "user_id": keypair.user_id,
        "type": keypair.type,
        "fingerprint": keypair.fingerprint,
        "public_key": keypair.public_key,
        "links": _links(keypair),
        "created_at": keypair.created_at.isoformat(),
        "updated_at": keypair.updated_at.isoformat() if keypair.updated_at else None,
    }
    if private_key is not None:
        fields["private_key"] = private_key
    return schema.Keypair.model_validate(fields)


@router.route("GET", "/v1/keypairs", policy="mogan:keypair:get_all", tag=TAG)
def list_keypairs(
    ctx: mogan_context.RequestContext, query: schema.KeypairListQuery
) -> schema.KeypairList:
    """List a user's keypairs."""
    user_id = _owner(ctx, "mogan:keypair:get_all", query.user_id)
    limit = state.page_limit(query.limit)
    keypairs = keypair_svc.get_all(ctx, user_id, limit=limit, marker=query.marker)
    return schema.KeypairList(keypairs=[_view(k) for k in keypairs])


@router.route(
    "POST", "/v1/keypairs", status=201, policy="mogan:keypair:create", tag=TAG
)
def create_keypair(
    ctx: mogan_context.RequestContext, body: schema.KeypairCreate
) -> schema.Keypair:
    """Import a public key, or generate a keypair and return its private key once."""
    user_id = _owner(ctx, "mogan:keypair:create", body.user_id)
    keypair, private_key = keypair_svc.create(
        ctx,
        state.limit_source(),
        user_id=user_id,
        name=body.name,
        key_type=body.type,
        public_key=body.public_key,
    )
    state.set_location(_links(keypair)[0]["href"])
    return _view(keypair, private_key)


@router.route("GET", "/v1/keypairs/{key_name}", policy="mogan:keypair:get", tag=TAG)
def show_keypair(
    ctx: mogan_context.RequestContext,
    key_name: schema.KeypairName,
    query: schema.KeypairQuery,
) -> schema.Keypair:
    """Show one of a user's keypairs."""
    user_id = _owner(ctx, "mogan:keypair:get", query.user_id)
    return _view(keypair_svc.get(ctx, user_id, key_name))


@router.route(
    "DELETE",
    "/v1/keypairs/{key_name}",
    status=204,
    policy="mogan:keypair:delete",
    tag=TAG,
)
def delete_keypair(
    ctx: mogan_context.RequestContext,
    key_name: schema.KeypairName,
    query: schema.KeypairQuery,
) -> None:
    """Delete one of a user's keypairs."""
    user_id = _owner(ctx, "mogan:keypair:delete", query.user_id)
    keypair_svc.delete(ctx, user_id, key_name)
