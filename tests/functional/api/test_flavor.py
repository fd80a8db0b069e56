"""Flavors through the real app: CRUD, visibility, access lists, bad input."""

import json

import pytest

from tests.conftest import ADMIN, MEMBER, OTHER
from tests.factories import make_flavor


def fault(resp) -> str:
    """The faultstring inside a v1 error body."""
    return str(json.loads(resp.json()["error_message"])["faultstring"])


class TestCreate:
    def test_create_returns_201_location_and_admin_view(self, client):
        """Creating a flavor answers 201 with Location and the full admin view."""
        resp = client.post(
            "/v1/flavors",
            json={
                "name": "bm.gold",
                "description": "gold",
                "resources": {"CUSTOM_GOLD": 1},
            },
            headers=ADMIN.headers,
        )
        assert resp.status_code == 201
        body = resp.json()
        assert (
            resp.headers["Location"] == f"http://mogan.test/v1/flavors/{body['uuid']}"
        )
        assert body["resources"] == {"CUSTOM_GOLD": 1}
        assert body["is_public"] is True
        assert body["disabled"] is False

    @pytest.mark.parametrize(
        ("given", "stored"),
        [
            ({"baremetal-gold": 1}, {"CUSTOM_BAREMETAL_GOLD": 1}),
            ({"CUSTOM_BAREMETAL_GOLD": 1}, {"CUSTOM_BAREMETAL_GOLD": 1}),
            ({"baremetal.gold": 1, "VCPU": 2}, {"CUSTOM_BAREMETAL_GOLD": 1, "VCPU": 2}),
        ],
    )
    def test_resource_classes_are_stored_as_placement_names_them(
        self, client, given, stored
    ):
        """A class named as nodes spell it is the CUSTOM_ class nodes are in."""
        body = make_flavor(client, name="bm.rc", resources=given)
        assert body["resources"] == stored
        shown = client.get(f"/v1/flavors/{body['uuid']}", headers=ADMIN.headers)
        assert shown.json()["resources"] == stored

    def test_two_spellings_of_one_class_are_400(self, client):
        """``baremetal-gold`` and ``CUSTOM_BAREMETAL_GOLD`` are one class, twice."""
        resp = client.post(
            "/v1/flavors",
            json={
                "name": "twice",
                "resources": {"baremetal-gold": 1, "CUSTOM_BAREMETAL_GOLD": 1},
            },
            headers=ADMIN.headers,
        )
        assert resp.status_code == 400
        assert "'resources'" in fault(resp)
        assert "CUSTOM_BAREMETAL_GOLD" in fault(resp)

    def test_duplicate_name_is_409(self, client):
        """A second flavor with the same name is refused with 409."""
        make_flavor(client, name="dup")
        resp = client.post(
            "/v1/flavors",
            json={"name": "dup", "resources": {"CUSTOM_GOLD": 1}},
            headers=ADMIN.headers,
        )
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.flavor.exists"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"name": "x" * 256, "resources": {}}, "name"),
            ({"name": "ok", "resources": {}, "bogus": 1}, "bogus"),
            ({"name": 5, "resources": {}}, "name"),
            ({"name": "ok", "resources": {"CUSTOM_GOLD": 0}}, "resources.CUSTOM_GOLD"),
            ({"name": "ok", "resources": {}, "is_public": "maybe"}, "is_public"),
            ({"name": "ok"}, "resources"),
        ],
    )
    def test_bad_bodies_are_400_naming_the_field(self, client, body, field):
        """Invalid bodies are refused with 400 and the offending field named."""
        resp = client.post("/v1/flavors", json=body, headers=ADMIN.headers)
        assert resp.status_code == 400
        assert f"'{field}'" in fault(resp)

    def test_boolean_strings_are_parsed_not_truthy(self, client):
        """'false' means false (v1 bug 7 coerced it to true)."""
        body = make_flavor(client, is_public="false", disabled="False")
        assert body["is_public"] is False
        assert body["disabled"] is False

    def test_malformed_json_is_400(self, client):
        """A body that is not JSON is refused with 400."""
        resp = client.post(
            "/v1/flavors",
            content=b"{nope",
            headers={**ADMIN.headers, "Content-Type": "application/json"},
        )
        assert resp.status_code == 400
        assert "malformed JSON" in fault(resp)


class TestVisibility:
    def test_member_sees_public_enabled_flavors_reduced(self, client):
        """Non-admins see public flavors without admin-only fields."""
        make_flavor(client, name="pub")
        make_flavor(client, name="off", disabled=True)
        make_flavor(client, name="priv", is_public=False)
        resp = client.get("/v1/flavors", headers=MEMBER.headers)
        assert resp.status_code == 200
        flavors = resp.json()["flavors"]
        assert [f["name"] for f in flavors] == ["pub"]
        assert set(flavors[0]) == {"uuid", "name", "description", "is_public", "links"}

    def test_private_flavor_visible_only_to_shared_projects(self, client):
        """A private flavor appears for projects on its access list only."""
        priv = make_flavor(client, name="priv", is_public=False)
        resp = client.post(
            f"/v1/flavors/{priv['uuid']}/access",
            json={"tenant_id": MEMBER.project_id},
            headers=ADMIN.headers,
        )
        assert resp.status_code == 204
        assert (
            client.get(
                f"/v1/flavors/{priv['uuid']}", headers=MEMBER.headers
            ).status_code
            == 200
        )
        assert (
            client.get(f"/v1/flavors/{priv['uuid']}", headers=OTHER.headers).status_code
            == 404
        )
        access = client.get(f"/v1/flavors/{priv['uuid']}/access", headers=ADMIN.headers)
        assert access.json() == {"flavor_access": [MEMBER.project_id]}


class TestUpdate:
    def test_patch_renames_and_disables(self, client):
        """A JSON patch can change name and disabled."""
        flavor = make_flavor(client)
        resp = client.patch(
            f"/v1/flavors/{flavor['uuid']}",
            json=[
                {"op": "replace", "path": "/name", "value": "renamed"},
                {"op": "replace", "path": "/disabled", "value": True},
            ],
            headers=ADMIN.headers,
        )
        assert resp.status_code == 200
        assert (resp.json()["name"], resp.json()["disabled"]) == ("renamed", True)

    @pytest.mark.parametrize(
        "ops",
        [
            [{"op": "replace", "path": "/resources", "value": {}}],
            [{"op": "move", "path": "/name", "from": "/x"}],
            [{"op": "replace", "path": "/name", "value": ""}],
            [{"op": "add", "path": "/newattr", "value": 1}],
            [{"op": "replace", "path": "/name"}],
            [],
        ],
    )
    def test_invalid_patches_are_400(self, client, ops):
        """Internal attributes, unknown ops, bad values and empty patches are 400."""
        flavor = make_flavor(client)
        resp = client.patch(
            f"/v1/flavors/{flavor['uuid']}", json=ops, headers=ADMIN.headers
        )
        assert resp.status_code == 400, resp.text

    def test_rename_to_existing_name_is_409(self, client):
        """Renaming onto another flavor's name is a conflict, not a 500."""
        make_flavor(client, name="taken")
        flavor = make_flavor(client, name="mine")
        resp = client.patch(
            f"/v1/flavors/{flavor['uuid']}",
            json=[{"op": "replace", "path": "/name", "value": "taken"}],
            headers=ADMIN.headers,
        )
        assert resp.status_code == 409


class TestListing:
    def test_pagination_and_sort(self, client):
        """limit/marker page through flavors in the requested order."""
        for name in ("c", "a", "b"):
            make_flavor(client, name=name)
        first = client.get(
            "/v1/flavors?limit=2&sort_dir=desc", headers=ADMIN.headers
        ).json()
        assert [f["name"] for f in first["flavors"]] == ["c", "b"]
        marker = first["flavors"][-1]["uuid"]
        rest = client.get(
            f"/v1/flavors?sort_dir=desc&marker={marker}", headers=ADMIN.headers
        )
        assert [f["name"] for f in rest.json()["flavors"]] == ["a"]

    @pytest.mark.parametrize(
        "query", ["limit=-1", "sort_key=bogus", "sort_dir=up", "limit=abc", "color=red"]
    )
    def test_bad_query_is_400(self, client, query):
        """Negative limits, unknown sort keys and unknown parameters are 400."""
        resp = client.get(f"/v1/flavors?{query}", headers=ADMIN.headers)
        assert resp.status_code == 400


class TestDelete:
    def test_delete_then_404(self, client):
        """A deleted flavor is gone."""
        flavor = make_flavor(client)
        assert (
            client.delete(
                f"/v1/flavors/{flavor['uuid']}", headers=ADMIN.headers
            ).status_code
            == 204
        )
        assert (
            client.get(
                f"/v1/flavors/{flavor['uuid']}", headers=ADMIN.headers
            ).status_code
            == 404
        )


class TestNulCharacters:
    @pytest.mark.parametrize(
        ("method", "path", "body", "field"),
        [
            ("POST", "/v1/flavors", {"name": "a\u0000b", "resources": {}}, "name"),
            (
                "POST",
                "/v1/flavors",
                {"name": "ok", "description": "\u0000", "resources": {}},
                "description",
            ),
            ("GET", "/v1/flavors?marker=a%00b", None, "marker"),
        ],
    )
    def test_nul_is_400_naming_the_field(self, client, method, path, body, field):
        """NUL characters are refused at the boundary, naming the field."""
        resp = client.request(method, path, json=body, headers=ADMIN.headers)
        assert resp.status_code == 400
        assert f"'{field}'" in fault(resp)

    def test_nul_in_patch_and_access_is_400(self, client):
        """NUL in a patch value or an access tenant id is a 400."""
        flavor = make_flavor(client, is_public=False)
        patched = client.patch(
            f"/v1/flavors/{flavor['uuid']}",
            json=[{"op": "replace", "path": "/name", "value": "a\u0000b"}],
            headers=ADMIN.headers,
        )
        assert patched.status_code == 400
        access = client.post(
            f"/v1/flavors/{flavor['uuid']}/access",
            json={"tenant_id": "a\u0000b"},
            headers=ADMIN.headers,
        )
        assert access.status_code == 400
