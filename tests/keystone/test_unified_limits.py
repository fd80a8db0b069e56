"""``[quota] driver = unified_limits``: limits from a real Keystone via oslo.limit.

Mogan is registered in Keystone as a service with an endpoint; registered
limits are the cloud's defaults and project limits the overrides. Mogan
reads them with its own service user (a system reader), and counts usage
itself. Resources Keystone has no limit for fall back to ``[quota]``.
"""

import pathlib
import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mogan import conf as mogan_conf
from mogan.api import app as api_app
from mogan.db import session as db_session
from tests.conftest import mark_nodes_loaded
from tests.keystone import support

pytestmark = pytest.mark.services

V13 = {"OpenStack-API-Version": "baremetal-compute 1.3"}
GOLD = "CUSTOM_BAREMETAL_GOLD"
REGISTERED_SERVERS = 3
PROJECT_SERVERS = 5
REGISTERED_GOLD = 1


def _register_mogan(keystone: support.Keystone) -> str:
    """A Mogan service and endpoint with limits in Keystone; the endpoint id."""
    service = keystone.call(
        "POST",
        "/services",
        {"service": {"type": f"bm-{uuid.uuid4().hex[:8]}", "name": "mogan"}},
        ok=201,
    )["service"]["id"]
    endpoint = keystone.call(
        "POST",
        "/endpoints",
        {
            "endpoint": {
                "service_id": service,
                "interface": "public",
                "url": "http://mogan.test/",
                "region_id": support.REGION,
            }
        },
        ok=201,
    )["endpoint"]["id"]
    keystone.call(
        "POST",
        "/registered_limits",
        {
            "registered_limits": [
                {
                    "service_id": service,
                    "region_id": support.REGION,
                    "resource_name": name,
                    "default_limit": value,
                }
                for name, value in (
                    ("servers", REGISTERED_SERVERS),
                    (f"class:{GOLD}", REGISTERED_GOLD),
                )
            ]
        },
        ok=201,
    )
    return f"{service} {endpoint}"


def _project_limit(keystone: support.Keystone, service: str, project: str) -> None:
    keystone.call(
        "POST",
        "/limits",
        {
            "limits": [
                {
                    "service_id": service,
                    "region_id": support.REGION,
                    "project_id": project,
                    "resource_name": "servers",
                    "resource_limit": PROJECT_SERVERS,
                }
            ]
        },
        ok=201,
    )


def _write_conf(
    path: pathlib.Path, keystone: support.Keystone, endpoint: str, reader: support.User
) -> str:
    sections: dict[str, dict[str, str]] = {
        "keystone_authtoken": keystone.authtoken_options(),
        "quota": {"driver": "unified_limits"},
        "oslo_limit": {
            "auth_type": "password",
            "auth_url": keystone.url,
            "username": reader.name,
            "password": reader.password,
            "user_domain_id": "default",
            "system_scope": "all",
            "endpoint_id": endpoint,
            "valid_interfaces": "public",
            "region_name": support.REGION,
        },
    }
    lines = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {value}" for key, value in values.items())
    path.write_text("\n".join(lines) + "\n")
    return str(path)


class Cloud:
    """Mogan on unified limits, and tokens of two projects and an admin."""

    def __init__(self, client: httpx.Client, tokens: dict[str, support.Token]) -> None:
        """Keep the client and the tokens."""
        self.client = client
        self.tokens = tokens
        self.made: dict[str, str] = {}

    def call(self, who: str, method: str, url: str, body: Any = None) -> httpx.Response:
        """A request with ``who``'s token at microversion 1.3."""
        return self.client.request(
            method, url, json=body, headers={**self.tokens[who].headers, **V13}
        )

    def create_server(self, who: str) -> httpx.Response:
        """A gold server in ``who``'s project."""
        return self.call(
            who,
            "POST",
            "/v1/servers",
            {
                "server": {
                    "name": f"s-{uuid.uuid4().hex[:6]}",
                    "flavor_uuid": self.made["flavor"],
                    "image_uuid": self.made["image"],
                    "networks": [{"net_id": self.made["network"]}],
                }
            },
        )


@pytest.fixture
def cloud(
    keystone: support.Keystone, sqlite_template: str, tmp_path: pathlib.Path
) -> Iterator[Cloud]:
    """Mogan with ``driver = unified_limits`` on ``keystone``."""
    service, endpoint = _register_mogan(keystone).split()
    reader = keystone.create_user()
    keystone.assign(reader, "reader", system=True)
    limited = keystone.create_project()
    _project_limit(keystone, service, limited)
    tokens = {
        "limited": keystone.project_persona("member", limited),
        "default": keystone.project_persona("member"),
        "admin": keystone.system_persona("admin"),
    }
    conf_file = _write_conf(tmp_path / "mogan.conf", keystone, endpoint, reader)
    conf = mogan_conf.make_conf(
        default_config_files=[conf_file],
        overrides={
            "DEFAULT": {"state_path": str(tmp_path), "transport_url": "fake://"},
            "api": {"auth_strategy": "keystone"},
        },
    )
    shutil.copyfile(sqlite_template, tmp_path / "mogan.sqlite")
    database = db_session.Database.from_url(f"sqlite:///{tmp_path / 'mogan.sqlite'}")
    mark_nodes_loaded(database)
    app = api_app.create_app(conf, database)
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://mogan.test"
    ) as client:
        result = Cloud(client, tokens)
        for kind, url, body in (
            ("flavor", "/v1/flavors", {"name": "gold", "resources": {GOLD: 1}}),
            (
                "image",
                "/v1/images",
                {"name": "i", "url": "http://i.test/i.raw", "disk_format": "raw"},
            ),
            ("network", "/v1/networks", {"name": "n", "cidr": "10.9.0.0/16"}),
        ):
            resp = result.call("admin", "POST", url, body)
            assert resp.status_code == 201, resp.text
            result.made[kind] = resp.json()["uuid"]
        yield result
    database.dispose()


class TestUnifiedLimits:
    def test_limits_come_from_keystone(self, cloud):
        """Registered limits for everyone, a project limit for its project."""
        limited = cloud.call("limited", "GET", "/v1/limits")
        assert limited.status_code == 200, limited.text
        limits = limited.json()["limits"]
        assert limits["servers"]["limit"] == PROJECT_SERVERS
        assert limits[GOLD]["limit"] == REGISTERED_GOLD
        other = cloud.call("default", "GET", "/v1/limits").json()["limits"]
        assert other["servers"]["limit"] == REGISTERED_SERVERS

    def test_a_resource_keystone_does_not_limit_falls_back_to_the_option(self, cloud):
        """server_groups has no limit in Keystone: [quota]'s default applies."""
        limits = cloud.call("default", "GET", "/v1/limits").json()["limits"]
        assert limits["server_groups"]["limit"] == 10

    def test_a_class_limit_from_keystone_is_enforced(self, cloud):
        """One gold server per project (registered limit): the second is 403."""
        assert cloud.create_server("default").status_code == 201
        resp = cloud.create_server("default")
        assert resp.status_code == 403, resp.text
        assert GOLD in resp.text
        limits = cloud.call("default", "GET", "/v1/limits").json()["limits"]
        assert limits[GOLD] == {"limit": REGISTERED_GOLD, "in_use": 1}

    def test_quotas_are_not_edited_in_mogan(self, cloud):
        """PUT and DELETE /v1/quotas say limits live in Keystone (409)."""
        project = cloud.tokens["default"].project_id
        resp = cloud.call(
            "admin", "PUT", f"/v1/quotas/{project}", {"quota": {"servers": 9}}
        )
        assert resp.status_code == 409, resp.text
        assert resp.json()["code"] == "mogan.quota.not_editable"
        shown = cloud.call("admin", "GET", f"/v1/quotas/{project}")
        assert shown.status_code == 200
        assert shown.json()["quota"]["servers"] == REGISTERED_SERVERS
