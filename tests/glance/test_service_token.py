"""Mogan reading Glance for a user sends its service token beside the user's.

Under ``auth_strategy = keystone`` the image backend reads an image with
the caller's token, so Glance's rules apply to the caller; with it goes
the ``[glance]`` service user's token as ``X-Service-Token``
(keystoneauth's ``ServiceTokenAuthWrapper``). Glance's keystonemiddleware
(``service_token_roles_required = true``) accepts it from a holder of the
``service`` role, and then also takes a user token that expired while
Mogan was working for the user: shown here with a really expired token,
which Glance refuses when it comes alone.
"""

import pytest

from mogan import context as mogan_context
from mogan import image as image_backends
from mogan.image import glance as glance_backend
from tests.keystone import service_tokens

pytestmark = pytest.mark.services

UNAUTHORIZED = 401


def test_an_expired_user_token_still_reads_the_users_image(glance, glance_conf):
    """Glance refuses the expired token alone; Mogan's read (with its own) works."""
    keystone = glance.keystone
    project = keystone.create_project()
    owner = keystone.project_persona("member", project)
    image = glance.create_image(owner.token, b"mogan-service-token\n")
    expired = service_tokens.expired_token(keystone, "member", project)

    alone = glance.http.get(
        f"/v2/images/{image['id']}", headers={"X-Auth-Token": expired.token}
    )
    assert alone.status_code == UNAUTHORIZED, alone.text

    backend = image_backends.get_backend(glance_conf)
    assert isinstance(backend, glance_backend.GlanceImageBackend)
    ctx = mogan_context.RequestContext(
        user_id=expired.user_id,
        project_id=project,
        roles=list(expired.roles),
        auth_token=expired.token,
    )
    info = backend.get(ctx, image["id"])
    assert info.glance_id == image["id"]
    assert info.owner == project
