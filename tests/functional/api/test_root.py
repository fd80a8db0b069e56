"""Version documents, microversion negotiation and cross-cutting headers."""

import json

import httpx
import pytest

from mogan.api import app as api_app
from tests.conftest import ADMIN


class TestVersionDocuments:
    def test_root_lists_v1_with_microversion_range(self, client):
        """GET / names the API and lists v1 with its min and max microversion."""
        resp = client.get("/")
        assert resp.status_code == 200
        body = resp.json()
        assert body["name"] == "OpenStack Mogan API"
        assert [v["id"] for v in body["versions"]] == ["v1"]
        assert (body["versions"][0]["min_version"], body["versions"][0]["version"]) == (
            "1.0",
            "1.8",
        )

    def test_v1_index_links_collections(self, client):
        """GET /v1 links each collection with self and bookmark links."""
        body = client.get("/v1").json()
        assert body["id"] == "v1"
        assert body["flavors"] == [
            {"href": "http://mogan.test/v1/flavors/", "rel": "self"},
            {"href": "http://mogan.test/flavors/", "rel": "bookmark"},
        ]

    def test_public_endpoint_option_drives_links(self, client, conf):
        """Links use [api] public_endpoint when it is set."""
        conf.set_override("public_endpoint", "https://cloud.example/bmc", "api")
        body = client.get("/v1").json()
        assert body["flavors"][0]["href"] == "https://cloud.example/bmc/v1/flavors/"

    def test_unprefixed_paths_reach_v1(self, client):
        """/flavors is the same resource as /v1/flavors (v1 behaviour)."""
        assert (
            client.get("/flavors", headers=ADMIN.headers).json()
            == client.get("/v1/flavors", headers=ADMIN.headers).json()
        )


class TestMicroversions:
    def test_absent_header_means_minimum(self, client):
        """Without the header the response is at 1.0 and says so."""
        resp = client.get("/v1/flavors", headers=ADMIN.headers)
        assert resp.headers["OpenStack-API-Version"] == "baremetal-compute 1.0"
        assert "OpenStack-API-Version" in resp.headers["Vary"]

    def test_latest_is_maximum(self, client):
        """'latest' negotiates the maximum version."""
        resp = client.get(
            "/v1/flavors",
            headers={
                **ADMIN.headers,
                "OpenStack-API-Version": "baremetal-compute latest",
            },
        )
        assert resp.headers["OpenStack-API-Version"] == "baremetal-compute 1.8"

    @pytest.mark.parametrize(
        ("value", "status"), [("2.0", 406), ("1.99", 406), ("one", 400), ("1", 400)]
    )
    def test_bad_versions_are_refused(self, client, value, status):
        """Unsupported versions are 406; malformed ones are 400."""
        resp = client.get(
            "/v1/flavors",
            headers={
                **ADMIN.headers,
                "OpenStack-API-Version": f"baremetal-compute {value}",
            },
        )
        assert resp.status_code == status
        assert resp.json()["code"].startswith("mogan.")

    def test_other_services_header_is_ignored(self, client):
        """A version for another service type does not apply to Mogan."""
        resp = client.get(
            "/v1/flavors",
            headers={**ADMIN.headers, "OpenStack-API-Version": "compute 2.90"},
        )
        assert resp.status_code == 200
        assert resp.headers["OpenStack-API-Version"] == "baremetal-compute 1.0"

    def test_resource_traits_only_from_1_1(self, client):
        """resource_traits is stored and shown from 1.1, absent at 1.0."""
        v11 = {**ADMIN.headers, "OpenStack-API-Version": "baremetal-compute 1.1"}
        created = client.post(
            "/v1/flavors",
            json={
                "name": "fpga",
                "resources": {"CUSTOM_GOLD": 1},
                "resource_traits": {
                    "CUSTOM_FPGA": "required",
                    "CUSTOM_GPU": "forbidden",
                },
            },
            headers=v11,
        ).json()
        assert created["resource_traits"] == {
            "CUSTOM_FPGA": "required",
            "CUSTOM_GPU": "forbidden",
        }
        at_10 = client.get(
            f"/v1/flavors/{created['uuid']}", headers=ADMIN.headers
        ).json()
        assert "resource_traits" not in at_10

    def test_bad_trait_requirement_is_400(self, client):
        """A trait must be required or forbidden."""
        resp = client.post(
            "/v1/flavors",
            json={
                "name": "x",
                "resources": {"CUSTOM_GOLD": 1},
                "resource_traits": {"CUSTOM_FPGA": "maybe"},
            },
            headers={**ADMIN.headers, "OpenStack-API-Version": "baremetal-compute 1.1"},
        )
        assert resp.status_code == 400
        assert (
            "resource_traits.CUSTOM_FPGA"
            in json.loads(resp.json()["error_message"])["faultstring"]
        )


class TestCrossCutting:
    def test_every_response_has_a_request_id(self, client):
        """Success, client errors and routing errors all carry a request id."""
        for path in ("/", "/v1/flavors", "/v1/nope", "/v1/flavors/not-a-uuid"):
            resp = client.get(path, headers=ADMIN.headers)
            assert resp.headers["x-openstack-request-id"].startswith("req-"), path

    def test_unknown_path_is_404_in_v1_error_shape(self, client):
        """Unknown paths answer 404 with the v1 error body and a stable code."""
        resp = client.get("/v1/nope", headers=ADMIN.headers)
        assert resp.status_code == 404
        fault = json.loads(resp.json()["error_message"])
        assert fault["faultcode"] == "Client"
        assert resp.json()["code"] == "mogan.not_found"

    def test_wrong_method_is_405_with_allow(self, client):
        """A method the path does not serve is 405 and lists the allowed ones."""
        resp = client.put("/v1/flavors", headers=ADMIN.headers)
        assert resp.status_code == 405
        assert "POST" in resp.headers["Allow"]

    def test_healthcheck_needs_no_auth(self, client):
        """/healthcheck answers without identity."""
        resp = client.get("/healthcheck")
        assert resp.status_code == 200

    def test_availability_zones_empty_without_aggregates(self, client):
        """No aggregates means no zones yet."""
        resp = client.get("/v1/availability_zones", headers=ADMIN.headers)
        assert resp.json() == {"availability_zones": []}


class TestRequestLimits:
    def test_oversized_body_is_413(self, conf, database):
        """A body over [api] max_request_body_size is refused before it is read."""
        conf.set_override("max_request_body_size", 2048, "api")
        app = api_app.create_app(conf, database)
        with httpx.Client(
            transport=httpx.WSGITransport(app=app), base_url="http://mogan.test"
        ) as small:
            big = small.post(
                "/v1/flavors",
                content=b'{"name": "' + b"x" * 4096 + b'"}',
                headers={**ADMIN.headers, "Content-Type": "application/json"},
            )
            fine = small.post(
                "/v1/flavors",
                json={"name": "ok", "resources": {"CUSTOM_X": 1}},
                headers=ADMIN.headers,
            )
        assert (big.status_code, fine.status_code) == (413, 201)
        assert big.json()["code"] == "mogan.http_413"

    def test_resource_traits_below_1_1_is_400(self, client):
        """resource_traits at microversion 1.0 is refused, not silently dropped."""
        resp = client.post(
            "/v1/flavors",
            json={"name": "t", "resources": {"CUSTOM_X": 1}, "resource_traits": {}},
            headers=ADMIN.headers,
        )
        assert resp.status_code == 400
        assert (
            "resource_traits" in json.loads(resp.json()["error_message"])["faultstring"]
        )
