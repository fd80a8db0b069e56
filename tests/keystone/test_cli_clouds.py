"""The ``mogan`` CLI with clouds.yaml against a real Keystone (issue 13, section 1).

Mogan runs with ``auth_strategy = keystone`` (real keystonemiddleware on
the process's Keystone) and is listed in that Keystone's catalog as
``baremetal-compute`` at a URL of its own; the CLI runs in-process
(``mogan_cli.shell.main``) with a clouds.yaml for each auth type the issue
names: ``password`` (a user and project of a domain other than Default),
``token`` (a token the user got from Keystone) and
``v3applicationcredential`` (one the user created through Keystone's API).
keystoneauth gets the token and the endpoint from the real Keystone; the
API requests reach Mogan's WSGI app through httpx's WSGI transport, so
the ``Host`` they carry shows the catalog's URL was the one used.

Each test asserts what Mogan made of the caller: a server group created
through the CLI belongs to the user and project the credentials name.
Refused credentials are the CLI's one-line error.
"""

import dataclasses
import json
import os
import pathlib
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from mogan.api import app as api_app
from mogan_cli import shell
from tests.keystone import catalog, support

pytestmark = pytest.mark.services

CLOUD = "kscat"
# NOTE: any host will do: the WSGI transport delivers every request to the
# app; the Host header then says which URL the CLI chose.
MOGAN_HOST = "mogan-from-the-catalog.test"
MOGAN_URL = f"http://{MOGAN_HOST}/"


@dataclasses.dataclass(frozen=True)
class Tenant:
    """A member of a project, both in a domain of their own."""

    domain: str
    domain_name: str
    project: str
    project_name: str
    user: support.User

    def token(self, keystone: support.Keystone) -> support.Token:
        """A fresh project-scoped token of the user."""
        return keystone.issue(self.user, project=self.project)


@pytest.fixture(scope="module")
def tenant(keystone: support.Keystone) -> Tenant:
    """A domain, a project in it, and a user of that domain holding member there."""
    domain_name = f"dom-{uuid.uuid4().hex[:8]}"
    domain = keystone.create_domain(domain_name)
    project_name = f"proj-{uuid.uuid4().hex[:8]}"
    project = keystone.create_project(project_name, domain=domain)
    user = keystone.create_user(domain=domain)
    keystone.assign(user, "member", project=project)
    return Tenant(domain, domain_name, project, project_name, user)


@pytest.fixture(scope="module")
def listed(keystone: support.Keystone) -> Iterator[str]:
    """Mogan as ``baremetal-compute`` in the catalog (public, RegionOne)."""
    with catalog.registered(keystone, "baremetal-compute", {"public": MOGAN_URL}):
        yield MOGAN_URL


class HostRecorder:
    """WSGI middleware keeping the ``Host`` of every request."""

    def __init__(self, app: Any) -> None:
        """Wrap ``app``."""
        self.app = app
        self.hosts: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """Record the host, pass the request on."""
        self.hosts.append(str(environ.get("HTTP_HOST", "")))
        return self.app(environ, start_response)


@dataclasses.dataclass
class Result:
    """What one ``mogan`` run returned and printed."""

    code: int
    out: str
    err: str


@pytest.fixture
def mogan_app(keystone_conf, database) -> HostRecorder:
    """Mogan's app behind keystonemiddleware, with its requests' hosts recorded."""
    return HostRecorder(api_app.create_app(keystone_conf, database))


@pytest.fixture
def cli(
    mogan_app: HostRecorder,
    tmp_path: pathlib.Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    listed: str,
):
    """Run ``mogan --os-cloud kscat ARGS`` with this cloud in ./clouds.yaml."""
    del listed
    for key in [k for k in os.environ if k.startswith("OS_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)

    def run(cloud: dict[str, Any], *args: str) -> Result:
        (tmp_path / "clouds.yaml").write_text(
            yaml.safe_dump(
                {"clouds": {CLOUD: {"region_name": support.REGION, **cloud}}}
            )
        )
        capsys.readouterr()
        code = shell.main(
            ["--os-cloud", CLOUD, *args],
            transport=httpx.WSGITransport(app=mogan_app),
        )
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def password_cloud(keystone: support.Keystone, tenant: Tenant, password: str) -> dict:
    """clouds.yaml's entry for ``password`` auth by names (user, project, domains)."""
    return {
        "auth_type": "password",
        "auth": {
            "auth_url": keystone.url,
            "username": tenant.user.name,
            "password": password,
            "user_domain_name": tenant.domain_name,
            "project_name": tenant.project_name,
            "project_domain_name": tenant.domain_name,
        },
    }


def app_credential(keystone: support.Keystone, tenant: Tenant) -> dict[str, str]:
    """A new application credential of the tenant's user, made with its token."""
    token = tenant.token(keystone)
    resp = keystone.http.post(
        f"/users/{tenant.user.id}/application_credentials",
        json={"application_credential": {"name": f"cli-{uuid.uuid4().hex[:8]}"}},
        headers=token.headers,
    )
    assert resp.status_code == support.CREATED, resp.text
    made = resp.json()["application_credential"]
    assert made["project_id"] == tenant.project
    return {"id": made["id"], "secret": made["secret"], "token": token.token}


def app_credential_cloud(keystone: support.Keystone, made: dict[str, str]) -> dict:
    """clouds.yaml's entry for ``v3applicationcredential`` auth."""
    return {
        "auth_type": "v3applicationcredential",
        "auth": {
            "auth_url": keystone.url,
            "application_credential_id": made["id"],
            "application_credential_secret": made["secret"],
        },
    }


def create_group(cli, cloud: dict) -> dict[str, Any]:
    """``server group create`` through the CLI; the group as JSON."""
    name = f"grp-{uuid.uuid4().hex[:8]}"
    result = cli(
        cloud, "server", "group", "create", name, "--policy", "affinity", "-f", "json"
    )
    assert result.code == 0, result.err
    group: dict[str, Any] = json.loads(result.out)
    assert group["name"] == name
    return group


def one_line(result: Result) -> str:
    """The single line the CLI printed on stderr."""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


class TestCloudsYamlOnKeystone:
    def test_password_by_names_in_another_domain(
        self, keystone, tenant, cli, mogan_app
    ):
        """User, project and their domain by name: Mogan acts as that user there."""
        group = create_group(
            cli, password_cloud(keystone, tenant, tenant.user.password)
        )
        assert (group["project_id"], group["user_id"]) == (
            tenant.project,
            tenant.user.id,
        )
        assert set(mogan_app.hosts) == {MOGAN_HOST}

    def test_token(self, keystone, tenant, cli, mogan_app):
        """A token got from Keystone (``auth_type: token``) scoped to the project."""
        cloud = {
            "auth_type": "token",
            "auth": {
                "auth_url": keystone.url,
                "token": tenant.token(keystone).token,
                "project_id": tenant.project,
            },
        }
        group = create_group(cli, cloud)
        assert (group["project_id"], group["user_id"]) == (
            tenant.project,
            tenant.user.id,
        )
        listed = cli(cloud, "server", "group", "list", "-f", "value", "-c", "UUID")
        assert listed.code == 0, listed.err
        assert group["uuid"] in listed.out.split()
        assert set(mogan_app.hosts) == {MOGAN_HOST}

    def test_application_credential(self, keystone, tenant, cli):
        """An application credential acts as its user in its project."""
        made = app_credential(keystone, tenant)
        group = create_group(cli, app_credential_cloud(keystone, made))
        assert (group["project_id"], group["user_id"]) == (
            tenant.project,
            tenant.user.id,
        )

    def test_wrong_password_is_one_line(self, keystone, tenant, cli, mogan_app):
        """Keystone refusing the password: one line, exit 1, nothing sent to Mogan."""
        result = cli(password_cloud(keystone, tenant, "wrong"), "flavor", "list")
        assert result.code == 1
        assert one_line(result).startswith("Authentication failed: ")
        assert mogan_app.hosts == []

    def test_revoked_application_credential_is_one_line(
        self, keystone, tenant, cli, mogan_app
    ):
        """A deleted application credential: one line, exit 1, Mogan never asked."""
        made = app_credential(keystone, tenant)
        resp = keystone.http.delete(
            f"/users/{tenant.user.id}/application_credentials/{made['id']}",
            headers={"X-Auth-Token": made["token"]},
        )
        assert resp.status_code == support.NO_CONTENT, resp.text
        result = cli(app_credential_cloud(keystone, made), "flavor", "list")
        assert result.code == 1
        assert one_line(result).startswith("Authentication failed: ")
        assert mogan_app.hosts == []

    def test_no_catalog_entry_for_the_interface_is_one_line(
        self, keystone, tenant, cli, mogan_app
    ):
        """The catalog lists Mogan on ``public`` only: ``internal`` says so."""
        cloud = {
            **password_cloud(keystone, tenant, tenant.user.password),
            "interface": "internal",
        }
        result = cli(cloud, "flavor", "list")
        assert result.code == 1
        assert one_line(result) == (
            "the Keystone catalog has no baremetal-compute endpoint "
            f"(interface internal, region {support.REGION}); pass --os-endpoint"
        )
        assert mogan_app.hosts == []
