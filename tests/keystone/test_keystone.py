"""The real-Keystone fixture itself, and Mogan's keystone mode against it.

Until now ``auth_strategy = keystone`` was tested only against an identity
service that is down. Here keystonemiddleware validates real Fernet tokens
issued by Keystone 30 with the ``mogan`` service user, and the identity it
hands Mogan is the token's.
"""

import pytest

pytestmark = pytest.mark.services


class TestFixture:
    def test_tokens_carry_the_scope_they_were_issued_for(self, keystone):
        """Project, domain and system tokens name their scope and roles."""
        member = keystone.project_persona("member")
        assert member.project_id
        assert not member.system
        assert member.domain_id is None
        # NOTE: Keystone's implied roles: member brings reader.
        assert set(member.roles) == {"member", "reader"}
        domain = keystone.domain_persona("reader")
        assert domain.domain_id == "default"
        assert domain.project_id is None
        system = keystone.system_persona("admin")
        assert system.system
        assert system.project_id is None
        assert "admin" in system.roles

    def test_service_user_holds_the_service_role(self, keystone):
        """The ``mogan`` user has ``service`` in project ``service``."""
        service = keystone.service_user()
        token = keystone.issue(
            "mogan", service["password"], project=service["project_id"]
        )
        assert token.roles == ("service",)
        assert keystone.authtoken_options()["interface"] == "public"

    def test_catalog_points_at_this_keystone(self, keystone):
        """The template's placeholder URL was rewritten for this port."""
        # NOTE: other fixtures of the process (Glance) add their own services.
        [identity] = keystone.call("GET", "/services?type=identity")["services"]
        endpoints = keystone.call("GET", f"/endpoints?service_id={identity['id']}")
        assert [e["url"] for e in endpoints["endpoints"]] == [keystone.url + "/"]


class TestMoganBehindKeystone:
    def test_no_token_is_401_with_where_to_get_one(self, keystone_client, keystone):
        """A request without a token is refused and told where Keystone is."""
        resp = keystone_client.get("/v1/flavors")
        assert resp.status_code == 401
        assert keystone.url in resp.headers["WWW-Authenticate"]

    def test_a_bad_token_is_401(self, keystone_client):
        """A token Keystone did not issue is refused."""
        resp = keystone_client.get("/v1/flavors", headers={"X-Auth-Token": "forged"})
        assert resp.status_code == 401

    def test_the_caller_is_the_token_not_the_headers(self, keystone_client, keystone):
        """Identity comes from the token; headers the client adds are ignored."""
        member = keystone.project_persona("member")
        resp = keystone_client.post(
            "/v1/keypairs",
            json={"name": "k1"},
            headers={
                **member.headers,
                "X-User-Id": "someone-else",
                "X-Roles": "admin",
                "X-Project-Id": "another-project",
            },
        )
        assert resp.status_code == 201, resp.text
        assert resp.json()["user_id"] == member.user_id
        flavor = keystone_client.post(
            "/v1/flavors",
            json={"name": "f", "resources": {"CUSTOM_X": 1}},
            headers={**member.headers, "X-Roles": "admin"},
        )
        assert flavor.status_code == 403
