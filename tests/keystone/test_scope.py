"""Token scopes through keystonemiddleware (issue 9, section 4, with real tokens).

The persona table (``tests/functional/api/test_policy.py``) proves every
route with the headers keystonemiddleware sets; here real Keystone tokens of
every scope go through real keystonemiddleware to a representative set of
routes: project-scoped admin, member and reader (and a member of another
project), a domain-scoped admin, and system-scoped reader and admin.

One Mogan app and database serve the module, so keystonemiddleware validates
each token once and the personas are created once.
"""

import dataclasses
import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mogan.api import app as api_app
from mogan.db import session as db_session
from tests.conftest import mark_nodes_loaded
from tests.keystone import fixtures, support

pytestmark = pytest.mark.services

PERSONAS = (
    "project_admin",
    "project_member",
    "project_reader",
    "other_member",
    "domain_admin",
    "system_reader",
    "system_admin",
)


@dataclasses.dataclass
class Cloud:
    """Mogan behind keystonemiddleware, the personas' tokens, and what they made."""

    client: httpx.Client
    tokens: dict[str, support.Token]
    made: dict[str, str]

    def call(self, persona: str, method: str, url: str, body: Any = None):
        """A request to Mogan with ``persona``'s token."""
        return self.client.request(
            method, url, json=body, headers=self.tokens[persona].headers
        )


def make_tokens(keystone: support.Keystone) -> dict[str, support.Token]:
    """One token per persona: three roles in one project, and the others."""
    project = keystone.create_project()
    return {
        "project_admin": keystone.project_persona("admin", project),
        "project_member": keystone.project_persona("member", project),
        "project_reader": keystone.project_persona("reader", project),
        "other_member": keystone.project_persona("member"),
        "domain_admin": keystone.domain_persona("admin"),
        "system_reader": keystone.system_persona("reader"),
        "system_admin": keystone.system_persona("admin"),
    }


def server_body(made: dict[str, str]) -> dict[str, Any]:
    """A ``POST /v1/servers`` body on the module's flavor, image and network."""
    return {
        "server": {
            "name": f"srv-{uuid.uuid4().hex[:6]}",
            "flavor_uuid": made["flavor"],
            "image_uuid": made["image"],
            "networks": [{"net_id": made["network"]}],
        }
    }


def setup_cloud(cloud: Cloud) -> None:
    """As the system admin: a flavor, an image, a network; one server per project."""

    def created(persona: str, url: str, body: Any) -> str:
        resp = cloud.call(persona, "POST", url, body)
        assert resp.status_code == 201, resp.text
        return str(resp.json()["uuid"])

    made = cloud.made
    made["flavor"] = created(
        "system_admin", "/v1/flavors", {"name": "gold", "resources": {"CUSTOM_G": 1}}
    )
    made["image"] = created(
        "system_admin",
        "/v1/images",
        {"name": "img", "url": "http://images.test/i.raw", "disk_format": "raw"},
    )
    made["network"] = created(
        "system_admin", "/v1/networks", {"name": "net", "cidr": "10.5.0.0/24"}
    )
    made["server"] = created("project_member", "/v1/servers", server_body(made))
    made["other_server"] = created("other_member", "/v1/servers", server_body(made))


@pytest.fixture(scope="module")
def cloud(
    keystone: support.Keystone,
    sqlite_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Cloud]:
    """Mogan (keystone mode) on its own database, with the personas' tokens."""
    tmp = tmp_path_factory.mktemp("keystone-scope")
    shutil.copyfile(sqlite_template, tmp / "mogan.sqlite")
    database = db_session.Database.from_url(f"sqlite:///{tmp / 'mogan.sqlite'}")
    mark_nodes_loaded(database)
    app = api_app.create_app(fixtures.make_conf(tmp, keystone), database)
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://mogan.test"
    ) as client:
        result = Cloud(client=client, tokens=make_tokens(keystone), made={})
        setup_cloud(result)
        yield result
    database.dispose()


def expect(*statuses: int) -> dict[str, int]:
    """Expected status per persona, in PERSONAS order."""
    return dict(zip(PERSONAS, statuses, strict=True))


# NOTE: columns: project admin, member, reader; a member of another project;
# domain admin; system reader; system admin.
ROUTES: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    "list servers": (
        "GET",
        "/v1/servers/detail",
        None,
        expect(200, 200, 200, 200, 403, 200, 200),
    ),
    "show a server": (
        "GET",
        "/v1/servers/{server}",
        None,
        expect(200, 200, 200, 404, 403, 200, 200),
    ),
    "create a server": (
        "POST",
        "/v1/servers",
        "server",
        expect(201, 201, 403, 201, 403, 403, 403),
    ),
    "list flavors": (
        "GET",
        "/v1/flavors",
        None,
        expect(200, 200, 200, 200, 403, 200, 200),
    ),
    "create a flavor": (
        "POST",
        "/v1/flavors",
        "flavor",
        expect(201, 403, 403, 403, 403, 403, 201),
    ),
    "list nodes": ("GET", "/v1/nodes", None, expect(200, 403, 403, 403, 403, 200, 200)),
    "list aggregates": (
        "GET",
        "/v1/aggregates",
        None,
        expect(200, 403, 403, 403, 403, 200, 200),
    ),
    "create an aggregate": (
        "POST",
        "/v1/aggregates",
        "aggregate",
        expect(201, 403, 403, 403, 403, 403, 201),
    ),
}


def body_for(kind: str | None, made: dict[str, str]) -> Any:
    """A fresh request body of ``kind`` (unique names, so each may succeed)."""
    name = f"x-{uuid.uuid4().hex[:8]}"
    if kind == "server":
        return server_body(made)
    if kind == "flavor":
        return {"name": name, "resources": {"CUSTOM_G": 1}}
    if kind == "aggregate":
        return {"name": name}
    return None


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_token_scope_gets_expected_status(cloud, route, persona):
    """Each persona's real token gets the status the table states."""
    method, url, kind, expected = ROUTES[route]
    resp = cloud.call(
        persona, method, url.format(**cloud.made), body_for(kind, cloud.made)
    )
    assert resp.status_code == expected[persona], resp.text


def listed(cloud: Cloud, persona: str) -> set[str]:
    """The server uuids ``GET /v1/servers/detail`` shows ``persona``."""
    resp = cloud.call(persona, "GET", "/v1/servers/detail")
    assert resp.status_code == 200, resp.text
    return {s["uuid"] for s in resp.json()["servers"]}


class TestWhatEachScopeSees:
    def test_project_tokens_see_their_project_only(self, cloud):
        """Members list their own project's servers; never another's."""
        mine = listed(cloud, "project_member")
        theirs = listed(cloud, "other_member")
        assert cloud.made["server"] in mine
        assert cloud.made["other_server"] not in mine
        assert cloud.made["other_server"] in theirs
        assert cloud.made["server"] not in theirs

    @pytest.mark.parametrize("persona", ["system_reader", "system_admin"])
    def test_system_tokens_see_every_project(self, cloud, persona):
        """A system-scoped token lists the servers of both projects."""
        seen = listed(cloud, persona)
        assert {cloud.made["server"], cloud.made["other_server"]} <= seen

    def test_servers_belong_to_the_token_project(self, cloud):
        """A server created with a project token belongs to that project."""
        shown = cloud.call(
            "system_reader", "GET", f"/v1/servers/{cloud.made['server']}"
        )
        assert shown.json()["project_id"] == cloud.tokens["project_member"].project_id

    def test_domain_token_is_told_why(self, cloud):
        """A domain-scoped admin's 403 names the scopes Mogan accepts."""
        resp = cloud.call("domain_admin", "GET", "/v1/nodes")
        assert "this request is domain-scoped" in resp.json()["error_message"]
