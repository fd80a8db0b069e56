"""Who counts as admin follows the ``context_is_admin`` policy rule."""

import httpx

from mogan.api import app as api_app


class TestContextIsAdminOverride:
    def test_overridden_admin_role_gets_admin_views(self, conf, database, tmp_path):
        """With context_is_admin = role:cloud_admin, that role sees what it creates."""
        policy_file = tmp_path / "policy.yaml"
        policy_file.write_text(
            '"context_is_admin": "role:cloud_admin"\n'
            '"mogan:flavor:create": "rule:context_is_admin"\n'
        )
        conf.set_override("policy_file", str(policy_file), "oslo_policy")
        app = api_app.create_app(conf, database)
        headers = {"X-User-Id": "c", "X-Project-Id": "ops", "X-Roles": "cloud_admin"}
        with httpx.Client(
            transport=httpx.WSGITransport(app=app), base_url="http://mogan.test"
        ) as client:
            created = client.post(
                "/v1/flavors",
                json={"name": "hidden", "resources": {"CUSTOM_X": 1}, "disabled": True},
                headers=headers,
            )
            assert created.status_code == 201
            shown = client.get(f"/v1/flavors/{created.json()['uuid']}", headers=headers)
            listed = client.get("/v1/flavors", headers=headers).json()["flavors"]
            plain_admin = client.get(
                "/v1/flavors",
                headers={"X-User-Id": "a", "X-Project-Id": "p", "X-Roles": "admin"},
            ).json()["flavors"]
        assert shown.status_code == 200
        assert shown.json()["disabled"] is True
        assert [f["name"] for f in listed] == ["hidden"]
        # NOTE: plain "admin" is no longer admin: disabled flavors are hidden.
        assert plain_admin == []
