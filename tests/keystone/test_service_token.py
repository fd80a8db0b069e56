"""Service tokens at Mogan's API, and what Mogan's ``service`` role gets there.

OpenStack services calling each other for a user send the user's token and
their own (``X-Service-Token``). Mogan's keystonemiddleware
(``[keystone_authtoken] service_token_roles = service``, and
``service_token_roles_required``, which Mogan defaults to true) accepts
a service token only from a holder of the ``service`` role; it then lets
the user's token be used even if it expired meanwhile, and the request
still acts as the *user*. The ``service`` role alone confers nothing on
Mogan's API: Mogan's own service user (``service`` on project ``service``)
is refused (403) on a route of each kind.
"""

import dataclasses
import shutil
from collections.abc import Iterator

import httpx
import pytest
from oslo_config import cfg

from mogan import conf as mogan_conf
from mogan.api import app as api_app
from mogan.db import session as db_session
from tests.conftest import mark_nodes_loaded
from tests.functional.api.policy_table import LATEST
from tests.keystone import fixtures, service_tokens, support

pytestmark = pytest.mark.services


@dataclasses.dataclass
class Peer:
    """Mogan behind keystonemiddleware, and the tokens the tests present."""

    client: httpx.Client
    member: support.Token
    expired: support.Token
    service: support.Token

    def get(self, url: str, token: str, service: str | None = None) -> httpx.Response:
        """GET ``url`` with a user token and, if given, a service token."""
        headers = {"X-Auth-Token": token}
        if service is not None:
            headers["X-Service-Token"] = service
        return self.client.get(url, headers=headers)


@pytest.fixture(scope="module")
def peer(
    keystone: support.Keystone,
    sqlite_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Peer]:
    """Mogan (keystone mode, service tokens as deployed) with the module's tokens."""
    tmp = tmp_path_factory.mktemp("keystone-service-token")
    shutil.copyfile(sqlite_template, tmp / "mogan.sqlite")
    database = db_session.Database.from_url(f"sqlite:///{tmp / 'mogan.sqlite'}")
    mark_nodes_loaded(database)
    # NOTE: service_token_roles_required left to Mogan's default (true).
    authtoken = {
        **keystone.authtoken_options(),
        "service_token_roles": "service",
    }
    del authtoken["service_token_roles_required"]
    conf = mogan_conf.make_conf(
        default_config_files=[fixtures.write_conf(tmp / "mogan.conf", authtoken)],
        overrides={
            "DEFAULT": {"state_path": str(tmp), "transport_url": "fake://"},
            "api": {"auth_strategy": "keystone"},
        },
    )
    app = api_app.create_app(conf, database)
    assert conf.keystone_authtoken.service_token_roles_required
    # NOTE: Mogan's own default, not keystonemiddleware's (which older
    # releases Mogan accepts set to false).
    where = conf.get_location("service_token_roles_required", "keystone_authtoken")
    assert where is not None
    assert where.location is cfg.Locations.set_default
    project = keystone.create_project()
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://mogan.test"
    ) as client:
        yield Peer(
            client=client,
            member=keystone.project_persona("member", project),
            expired=service_tokens.expired_token(keystone, "member", project),
            service=service_tokens.service_token(keystone),
        )
    database.dispose()


class TestServiceTokens:
    def test_user_token_with_service_token_acts_as_the_user(self, peer):
        """A member's token with Mogan's service token: still just the member."""
        service = peer.service.token
        listed = peer.get("/v1/servers", peer.member.token, service)
        assert listed.status_code == 200, listed.text
        nodes = peer.get("/v1/nodes", peer.member.token, service)
        assert nodes.status_code == 403, nodes.text
        created = peer.client.post(
            "/v1/flavors",
            json={"name": "by-service", "resources": {"CUSTOM_G": 1}},
            headers={"X-Auth-Token": peer.member.token, "X-Service-Token": service},
        )
        assert created.status_code == 403, created.text

    def test_service_token_without_the_service_role_is_refused(self, peer, keystone):
        """A member's token offered as a service token makes the request 401."""
        impostor = keystone.project_persona("member")
        resp = peer.get("/v1/servers", peer.member.token, impostor.token)
        assert resp.status_code == 401, resp.text

    def test_expired_user_token_needs_a_service_token(self, peer):
        """An expired user token: 401 alone, accepted beside a service token."""
        alone = peer.get("/v1/servers", peer.expired.token)
        assert alone.status_code == 401, alone.text
        served = peer.get("/v1/servers", peer.expired.token, peer.service.token)
        assert served.status_code == 200, served.text

    def test_expired_token_with_an_impostor_service_token_is_refused(
        self, peer, keystone
    ):
        """Only a ``service`` role holder's token lets an expired token through."""
        impostor = keystone.project_persona("member")
        resp = peer.get("/v1/servers", peer.expired.token, impostor.token)
        assert resp.status_code == 401, resp.text


# NOTE: one route of each kind: project reads, cloud reads, admin writes.
SERVICE_ROLE_ROUTES = [
    ("GET", "/v1/flavors"),
    ("GET", "/v1/servers"),
    ("GET", "/v1/availability_zones"),
    ("GET", "/v1/nodes"),
    ("GET", "/v1/aggregates"),
    ("POST", "/v1/flavors"),
    ("GET", "/v1/quotas/{project}"),
]


@pytest.mark.parametrize(("method", "url"), SERVICE_ROLE_ROUTES)
def test_service_role_alone_is_not_a_mogan_user(peer, method, url):
    """Mogan's service user's own token (``service`` role only) gets 403.

    Mogan acts for itself on Placement, Ironic, Neutron and Glance with
    that role; on Mogan's API it is neither an admin nor a member.
    """
    assert peer.service.roles == ("service",)
    resp = peer.client.request(
        method,
        url.format(project=peer.service.project_id),
        json={"name": "x", "resources": {"CUSTOM_G": 1}} if method == "POST" else None,
        headers={**peer.service.headers, **LATEST},
    )
    assert resp.status_code == 403, resp.text
    assert resp.json()["code"] == "mogan.forbidden"
