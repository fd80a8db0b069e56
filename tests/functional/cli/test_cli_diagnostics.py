"""What the CLI says when something is wrong, and what ``--debug`` shows.

- An endpoint with a user name and password means HTTP Basic; a 401 that
  asks for Basic (or Keystone) says which options are missing.
- ``--os-baremetal-compute-api-version`` is the legacy name of
  ``--os-compute-api-version``.
- An API error line ends with the request id.
- ``--debug`` logs every request and response with secrets masked.
"""

import base64
import re

import bcrypt
import httpx
import pytest

from mogan import conf as mogan_conf
from mogan.api import app as api_app
from tests.functional.cli.conftest import ENDPOINT, TOKEN
from tests.functional.cli.support import error_line

USER = "root"
PASSWORD = "s3cret-Basic-pw"
KEYSTONE_PASSWORD = "s3cret-Keystone-pw"
# NOTE: an address nothing listens on.
UNREACHABLE = "http://127.0.0.1:9/identity"
REQUEST_ID = re.compile(r" \(Request-ID: req-[0-9a-f-]{36}\)$")


def make_app(tmp_path, database, api: dict[str, object], ini: str = ""):
    """The app with these ``[api]`` options and ``ini`` as its config file."""
    conf_file = tmp_path / "mogan.conf"
    conf_file.write_text(ini)
    conf = mogan_conf.make_conf(
        default_config_files=[str(conf_file)],
        overrides={
            "DEFAULT": {"state_path": str(tmp_path), "transport_url": "fake://"},
            "api": api,
        },
    )
    return api_app.create_app(conf, database)


@pytest.fixture
def basic(tmp_path, database) -> httpx.WSGITransport:
    """A transport to the app with auth_strategy = http_basic and one admin."""
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    users = tmp_path / "htpasswd"
    users.write_text(f"{USER}:{hashed}\n")
    app = make_app(
        tmp_path,
        database,
        {
            "auth_strategy": "http_basic",
            "http_basic_auth_user_file": str(users),
            "http_basic_user_roles": {USER: "admin"},
        },
    )
    return httpx.WSGITransport(app=app)


class TestHttpBasicInference:
    def test_username_and_password_mean_http_basic(self, run, basic):
        """--os-endpoint with --os-username/--os-password authenticates as Basic."""
        result = run(
            "--os-endpoint",
            ENDPOINT,
            "--os-username",
            USER,
            "--os-password",
            PASSWORD,
            "flavor",
            "create",
            "b",
            "--resource",
            "CUSTOM_GOLD=1",
            transport=basic,
        )
        assert result.code == 0, result.err

    def test_from_the_environment_too(self, run, basic, monkeypatch):
        """OS_ENDPOINT, OS_USERNAME and OS_PASSWORD alone are enough."""
        monkeypatch.setenv("OS_ENDPOINT", ENDPOINT)
        monkeypatch.setenv("OS_USERNAME", USER)
        monkeypatch.setenv("OS_PASSWORD", PASSWORD)
        result = run("flavor", "list", transport=basic)
        assert result.code == 0, result.err

    def test_a_missing_password_is_named(self, run, recorder):
        """A user name without a password names --os-password; nothing is sent."""
        result = run("--os-endpoint", ENDPOINT, "--os-username", USER, "flavor", "list")
        assert result.code == 1
        line = error_line(result)
        assert "--os-password" in line
        assert "--os-username" not in line
        assert recorder.requests == []

    def test_401_asking_for_basic_names_the_options(self, run, basic):
        """An endpoint alone against http_basic: the 401 says what to pass."""
        result = run("--os-endpoint", ENDPOINT, "flavor", "list", transport=basic)
        assert result.code == 1
        line = error_line(result)
        assert line.startswith("Error (HTTP 401, mogan.unauthenticated): ")
        assert "pass --os-username and --os-password" in line

    def test_401_for_a_wrong_password_says_it_was_refused(self, run, basic):
        """Credentials sent and refused: the line says so, not 'pass ...'."""
        result = run(
            "--os-endpoint",
            ENDPOINT,
            "--os-username",
            USER,
            "--os-password",
            "wrong",
            "flavor",
            "list",
            transport=basic,
        )
        line = error_line(result)
        assert "refused the user name and password" in line
        assert "pass --os-username" not in line

    def test_401_asking_for_keystone_says_so(self, run, tmp_path, database):
        """An endpoint alone against a Keystone-protected API: say what it wants."""
        # NOTE: a request without a token is refused before Keystone is asked.
        ini = f"[keystone_authtoken]\nwww_authenticate_uri = {UNREACHABLE}\n"
        app = make_app(tmp_path, database, {"auth_strategy": "keystone"}, ini)
        result = run(
            "--os-endpoint",
            ENDPOINT,
            "flavor",
            "list",
            transport=httpx.WSGITransport(app=app),
        )
        line = error_line(result)
        assert line.startswith("Error (HTTP 401")
        assert "The API wants a Keystone token" in line


class TestLegacyVersionFlag:
    def test_legacy_flag_is_an_alias(self, mogan, recorder):
        """--os-baremetal-compute-api-version sets the microversion."""
        result = mogan("--os-baremetal-compute-api-version", "1.1", "flavor", "list")
        assert result.code == 0, result.err
        sent = recorder.requests[-1]["HTTP_OPENSTACK_API_VERSION"]
        assert sent == "baremetal-compute 1.1"


class TestRequestId:
    def test_api_errors_end_with_the_request_id(self, mogan):
        """A refused request's line names its x-openstack-request-id."""
        assert mogan("flavor", "create", "gold", "--resource", "CUSTOM_G=1").code == 0
        result = mogan("flavor", "create", "gold", "--resource", "CUSTOM_G=1")
        line = error_line(result)
        assert line.startswith("Error (HTTP 409, mogan.flavor.exists): ")
        assert REQUEST_ID.search(line), line


class TestDebug:
    def test_debug_shows_requests_and_responses(self, mogan):
        """--debug logs the method, URL, status and bodies of each exchange."""
        result = mogan("--debug", "flavor", "create", "g", "--resource", "CUSTOM_G=1")
        assert result.code == 0, result.err
        assert "REQ: POST http://mogan.test/v1/flavors" in result.err
        assert '"resources": {"CUSTOM_G": 1}' in result.err
        assert "RESP: POST http://mogan.test/v1/flavors -> 201" in result.err

    def test_debug_masks_the_generated_private_key(self, mogan):
        """The keypair answer is logged with private_key masked; stdout has it."""
        result = mogan("--debug", "keypair", "create", "k1", "-f", "json")
        assert result.code == 0, result.err
        private_key = result.json()["private_key"]
        assert "RESP: POST http://mogan.test/v1/keypairs -> 201" in result.err
        assert '"private_key": "***"' in result.err
        assert private_key.splitlines()[1] not in result.err

    def test_debug_masks_basic_credentials(self, run, basic):
        """The Authorization header is masked; the password appears nowhere."""
        result = run(
            "--debug",
            "--os-endpoint",
            ENDPOINT,
            "--os-username",
            USER,
            "--os-password",
            PASSWORD,
            "flavor",
            "list",
            transport=basic,
        )
        assert result.code == 0, result.err
        assert "REQ: GET http://mogan.test/v1/flavors" in result.err
        assert "'authorization': '***'" in result.err
        encoded = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        assert PASSWORD not in result.err
        assert encoded not in result.err

    def test_debug_masks_keystone_password_and_token(self, run, keystone):
        """Neither the Keystone password nor the token it issued is printed."""
        result = run(
            "--debug",
            "--os-auth-url",
            keystone.url,
            "--os-username",
            "alice",
            "--os-password",
            KEYSTONE_PASSWORD,
            "--os-project-name",
            "demo",
            "--os-user-domain-name",
            "Default",
            "--os-project-domain-name",
            "Default",
            "flavor",
            "list",
        )
        assert result.code == 0, result.err
        assert "'x-auth-token': '***'" in result.err
        assert KEYSTONE_PASSWORD not in result.err
        assert TOKEN not in result.err

    def test_errors_with_debug_still_carry_the_request_id(self, mogan):
        """--debug adds a traceback and the logs, and keeps the request id."""
        result = mogan("--debug", "flavor", "show", "ghost")
        assert result.code == 1
        assert "No flavor with a name or UUID of 'ghost' exists." in result.err
        missing = mogan("--debug", "keypair", "show", "nope")
        assert missing.code == 1
        assert re.search(r"\(Request-ID: req-[0-9a-f-]{36}\)", missing.err)
