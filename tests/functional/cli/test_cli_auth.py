"""The ``mogan`` CLI end to end: endpoints, clouds.yaml, auth modes and the shell.

One test runs the installed ``mogan`` script against a closed port.
"""

import os
import pathlib
import shutil
import socket
import subprocess
import sys

import bcrypt
import httpx
import pytest
import yaml

from mogan import conf as mogan_conf
from mogan.api import app as api_app
from tests.conftest import MEMBER
from tests.functional.cli.conftest import ENDPOINT, TOKEN
from tests.functional.cli.support import error_line


class TestEndpointAndIdentity:
    @pytest.mark.usefixtures("gold")
    def test_endpoint_from_environment_alone(self, run, monkeypatch):
        """OS_ENDPOINT alone is enough: auth type none, default identity (admin)."""
        monkeypatch.setenv("OS_ENDPOINT", ENDPOINT)
        result = run("flavor", "list", "-f", "value", "-c", "Name")
        assert (result.code, result.out) == (0, "gold\n")

    def test_identity_options_become_headers(self, mogan, recorder):
        """--os-user-id, --os-project-id and --os-roles are sent as X- headers."""
        mogan("flavor", "list", persona=MEMBER)
        sent = recorder.requests[-1]
        assert (MEMBER.user_id, MEMBER.project_id, "member") == (
            sent["HTTP_X_USER_ID"],
            sent["HTTP_X_PROJECT_ID"],
            sent["HTTP_X_ROLES"],
        )

    def test_option_beats_environment(self, run, monkeypatch):
        """--os-roles wins over OS_ROLES."""
        monkeypatch.setenv("OS_ENDPOINT", ENDPOINT)
        # NOTE: roles are held on a project: without one they count for nothing.
        monkeypatch.setenv("OS_PROJECT_ID", "project-a")
        monkeypatch.setenv("OS_ROLES", "reader")
        create = ("flavor", "create", "x", "--resource", "CUSTOM_GOLD=1")
        assert run(*create).code == 1
        assert run("--os-roles", "admin", *create).code == 0

    def test_api_version_from_environment(self, run, monkeypatch, recorder):
        """OS_BAREMETAL_COMPUTE_API_VERSION is sent as the microversion."""
        monkeypatch.setenv("OS_ENDPOINT", ENDPOINT)
        monkeypatch.setenv("OS_BAREMETAL_COMPUTE_API_VERSION", "1.1")
        assert run("flavor", "list").code == 0
        sent = recorder.requests[-1]["HTTP_OPENSTACK_API_VERSION"]
        assert sent == "baremetal-compute 1.1"

    def test_unsupported_version_is_406(self, mogan):
        """A version the server lacks is its 406, on one line."""
        result = mogan("--os-compute-api-version", "9.9", "flavor", "list")
        assert result.code == 1
        assert error_line(result).startswith("Error (HTTP 406, ")

    def test_malformed_version(self, mogan, recorder):
        """A version that is not X.Y fails before any request."""
        result = mogan("--os-compute-api-version", "one", "flavor", "list")
        assert result.code == 1
        assert "not of the form X.Y" in error_line(result)
        assert recorder.requests == []

    def test_no_endpoint(self, run):
        """Without endpoint, auth URL or cloud the CLI says what to pass."""
        result = run("flavor", "list")
        assert result.code == 1
        assert "--os-endpoint" in error_line(result)

    @pytest.mark.usefixtures("gold")
    def test_endpoint_with_v1_suffix(self, run):
        """An endpoint given with /v1 reaches the same API."""
        result = run("--os-endpoint", ENDPOINT + "/v1/", "flavor", "show", "gold")
        assert result.code == 0, result.err

    def test_admin_token_is_sent_as_is(self, run, recorder):
        """An endpoint and --os-token without an auth URL sends the token."""
        result = run("--os-endpoint", ENDPOINT, "--os-token", "tok", "flavor", "list")
        assert result.code == 0, result.err
        assert recorder.requests[-1]["HTTP_X_AUTH_TOKEN"] == "tok"


class TestCloudsYaml:
    def write(self, tmp_path, cloud: dict) -> pathlib.Path:
        """Write ./clouds.yaml holding ``cloud`` as 'test'."""
        path = tmp_path / "clouds.yaml"
        path.write_text(yaml.safe_dump({"clouds": {"test": cloud}}))
        return path

    def test_cloud_gives_endpoint_and_identity(self, run, tmp_path, recorder):
        """OS_CLOUD picks an entry: endpoint, auth type and auth dict apply."""
        self.write(
            tmp_path,
            {
                "auth_type": "none",
                "endpoint": ENDPOINT,
                "auth": {"user_id": "cloud-user", "project_id": "cloud-project"},
                "roles": "reader",
            },
        )
        result = run("--os-cloud", "test", "flavor", "list")
        assert result.code == 0, result.err
        sent = recorder.requests[-1]
        assert (
            sent["HTTP_X_USER_ID"],
            sent["HTTP_X_PROJECT_ID"],
            sent["HTTP_X_ROLES"],
        ) == ("cloud-user", "cloud-project", "reader")

    def test_environment_and_options_beat_the_cloud(
        self, run, tmp_path, monkeypatch, recorder
    ):
        """Precedence: option > environment > clouds.yaml."""
        self.write(
            tmp_path,
            {
                "baremetal_compute_endpoint_override": ENDPOINT,
                "auth": {"user_id": "cloud-user", "project_id": "cloud-project"},
            },
        )
        monkeypatch.setenv("OS_CLOUD", "test")
        monkeypatch.setenv("OS_USER_ID", "env-user")
        monkeypatch.setenv("OS_PROJECT_ID", "env-project")
        result = run(
            "--os-project-id", "cli-project", "--os-roles", "reader", "flavor", "list"
        )
        assert result.code == 0, result.err
        sent = recorder.requests[-1]
        assert (
            sent["HTTP_X_USER_ID"],
            sent["HTTP_X_PROJECT_ID"],
        ) == ("env-user", "cli-project")

    def test_unknown_cloud(self, run, tmp_path):
        """A cloud missing from clouds.yaml is one line naming the file."""
        self.write(tmp_path, {"endpoint": ENDPOINT})
        result = run("--os-cloud", "nope", "flavor", "list")
        assert result.code == 1
        assert error_line(result) == "cloud 'nope' is not defined in clouds.yaml"

    def test_client_config_file(self, run, tmp_path, monkeypatch):
        """OS_CLIENT_CONFIG_FILE names the clouds.yaml to read first."""
        path = self.write(tmp_path / "..", {"endpoint": ENDPOINT})
        monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
        assert run("--os-cloud", "test", "flavor", "list").code == 0


class TestHttpBasic:
    @pytest.fixture
    def basic_app(self, tmp_path, database):
        """The app with auth_strategy = http_basic and one admin user."""
        hashed = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(rounds=4)).decode()
        users = tmp_path / "htpasswd"
        users.write_text(f"root:{hashed}\n")
        conf = mogan_conf.make_conf(
            overrides={
                "DEFAULT": {"state_path": str(tmp_path), "transport_url": "fake://"},
                "api": {
                    "auth_strategy": "http_basic",
                    "http_basic_auth_user_file": str(users),
                    "http_basic_user_roles": {"root": "admin"},
                },
            }
        )
        return api_app.create_app(conf, database)

    def test_credentials_are_sent_as_basic(self, run, basic_app):
        """http_basic sends --os-username/--os-password; the admin may create."""
        result = run(
            "--os-endpoint",
            ENDPOINT,
            "--os-auth-type",
            "http_basic",
            "--os-username",
            "root",
            "--os-password",
            "s3cret",
            "flavor",
            "create",
            "b",
            "--resource",
            "CUSTOM_GOLD=1",
            transport=httpx.WSGITransport(app=basic_app),
        )
        assert result.code == 0, result.err

    def test_wrong_password_is_401(self, run, basic_app, monkeypatch):
        """A wrong password is the server's 401, on one line."""
        monkeypatch.setenv("OS_AUTH_TYPE", "http_basic")
        monkeypatch.setenv("OS_USERNAME", "root")
        monkeypatch.setenv("OS_PASSWORD", "wrong")
        result = run(
            "--os-endpoint",
            ENDPOINT,
            "flavor",
            "list",
            transport=httpx.WSGITransport(app=basic_app),
        )
        assert result.code == 1
        assert error_line(result).startswith(
            "Error (HTTP 401, mogan.unauthenticated): "
        )

    @pytest.mark.usefixtures("basic_app")
    def test_missing_password(self, run):
        """http_basic without a password is refused before any request."""
        result = run(
            "--os-endpoint",
            ENDPOINT,
            "--os-auth-type",
            "http_basic",
            "--os-username",
            "root",
            "flavor",
            "list",
        )
        assert result.code == 1
        assert "--os-password" in error_line(result)


class TestKeystone:
    def password_args(self, keystone) -> list[str]:
        """Keystone password options pointing at the fake."""
        return [
            "--os-auth-url",
            keystone.url,
            "--os-username",
            "alice",
            "--os-password",
            "pw",
            "--os-project-name",
            "demo",
            "--os-user-domain-name",
            "Default",
            "--os-project-domain-name",
            "Default",
        ]

    @pytest.mark.usefixtures("gold")
    def test_password_gets_token_and_catalog_endpoint(self, run, keystone, recorder):
        """An auth URL means password auth: the token is sent to the catalog's Mogan."""
        result = run(*self.password_args(keystone), "flavor", "list", "-f", "json")
        assert result.code == 0, result.err
        assert [r["Name"] for r in result.json()] == ["gold"]
        assert recorder.requests[-1]["HTTP_X_AUTH_TOKEN"] == TOKEN
        sent = keystone.token_requests[-1]["auth"]["identity"]["password"]["user"]
        assert (sent["name"], sent["password"]) == ("alice", "pw")

    @pytest.mark.usefixtures("recorder")
    def test_legacy_service_type(self, run, keystone):
        """A catalog listing baremetal_compute (underscore) is found too."""
        keystone.catalog[0]["type"] = "baremetal_compute"
        result = run(*self.password_args(keystone), "flavor", "list")
        assert result.code == 0, result.err

    def test_no_mogan_in_catalog(self, run, keystone):
        """A catalog without Mogan says so and suggests --os-endpoint."""
        keystone.catalog[0]["type"] = "compute"
        result = run(*self.password_args(keystone), "flavor", "list")
        assert result.code == 1
        assert "catalog has no baremetal-compute endpoint" in error_line(result)

    def test_endpoint_overrides_catalog(self, run, keystone, recorder):
        """--os-endpoint skips the catalog but still sends the token."""
        keystone.catalog = []
        result = run(
            *self.password_args(keystone),
            "--os-endpoint",
            ENDPOINT,
            "flavor",
            "list",
        )
        assert result.code == 0, result.err
        assert recorder.requests[-1]["HTTP_X_AUTH_TOKEN"] == TOKEN

    def test_rejected_credentials(self, run, keystone):
        """Keystone's 401 is one 'Authentication failed' line."""
        keystone.reject = True
        result = run(*self.password_args(keystone), "flavor", "list")
        assert result.code == 1
        assert error_line(result).startswith("Authentication failed: ")

    def test_token_auth_type_from_cloud(self, run, keystone, tmp_path, recorder):
        """clouds.yaml can select a keystoneauth plugin (token) with its options."""
        cloud = {
            "auth_type": "token",
            "auth": {"auth_url": keystone.url, "token": "t0", "project_id": "p"},
        }
        (tmp_path / "clouds.yaml").write_text(yaml.safe_dump({"clouds": {"ks": cloud}}))
        result = run("--os-cloud", "ks", "flavor", "list")
        assert result.code == 0, result.err
        assert recorder.requests[-1]["HTTP_X_AUTH_TOKEN"] == TOKEN
        sent = keystone.token_requests[-1]["auth"]["identity"]
        assert sent["token"] == {"id": "t0"}

    def test_plugin_option_from_environment(self, run, keystone, monkeypatch):
        """Plugin options without a flag come from OS_<OPTION> variables."""
        monkeypatch.setenv("OS_APPLICATION_CREDENTIAL_ID", "cred-id")
        monkeypatch.setenv("OS_APPLICATION_CREDENTIAL_SECRET", "cred-secret")
        result = run(
            "--os-auth-type",
            "v3applicationcredential",
            "--os-auth-url",
            keystone.url,
            "flavor",
            "list",
        )
        assert result.code == 0, result.err
        sent = keystone.token_requests[-1]["auth"]["identity"]
        assert sent["application_credential"] == {
            "id": "cred-id",
            "secret": "cred-secret",
        }

    @pytest.mark.usefixtures("keystone")
    def test_missing_plugin_options(self, run):
        """A plugin missing required options names them."""
        result = run("--os-auth-type", "password", "flavor", "list")
        assert result.code == 1
        assert "--os-auth-url" in error_line(result)

    def test_unknown_auth_type(self, run):
        """An auth type keystoneauth does not know is one line."""
        result = run("--os-auth-type", "bogus", "flavor", "list")
        assert result.code == 1
        assert "unknown auth type 'bogus'" in error_line(result)


class TestShell:
    def test_version(self, run):
        """--version prints the program name and version."""
        result = run("--version")
        assert result.code == 0
        assert result.out.startswith("mogan ")

    def test_help_lists_every_command(self, run):
        """Help lists the commands without needing credentials."""
        result = run("help")
        assert result.code == 0
        for name in ("flavor access add", "keypair create", "availability zone list"):
            assert name in result.out

    def test_command_help(self, run):
        """A command's --help shows its options."""
        result = run("flavor", "create", "--help")
        assert result.code == 0
        assert "--resource-trait" in result.out

    def test_unknown_command(self, run):
        """An unknown command exits 2."""
        assert run("flavour", "list").code == 2

    def test_imports_nothing_of_the_server(self):
        """Loading the whole CLI pulls in no module of the server package mogan."""
        code = (
            "import sys, mogan_cli.shell; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'mogan'))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert done.stdout == "[]\n"

    def test_connection_refused_in_a_subprocess(self, tmp_path):
        """The installed script against a closed port prints one line, exits 1."""
        script = shutil.which("mogan", path=pathlib.Path(sys.executable).parent)
        assert script is not None
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        done = subprocess.run(
            [script, "--os-endpoint", f"http://127.0.0.1:{port}", "flavor", "list"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=tmp_path,
            check=False,
        )
        assert done.returncode == 1
        assert done.stdout == ""
        lines = done.stderr.splitlines()
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith(f"Unable to connect to http://127.0.0.1:{port}: ")
