"""The three auth strategies through the real app: noauth, http_basic, keystone.

Identity reaches policy only through the auth middleware, so each mode is
checked for who the caller becomes, what a client may not assert about
itself, and that public paths never ask for credentials.
"""

import base64
import json
from collections.abc import Iterator

import bcrypt
import httpx
import pytest
from oslo_config import cfg

from mogan import conf as mogan_conf
from mogan.api import app as api_app
from mogan.api import auth, router
from tests.conftest import ADMIN, MEMBER
from tests.factories import make_flavor

# NOTE: cost 4 keeps hashing fast; the cost is part of the hash, so the
# middleware checks these exactly as it would cost-12 hashes from htpasswd.
ROUNDS = 4
PASSWORDS = {"alice": "alice-pw", "bob": "bob:pw:with:colons", "carol": "carol-pw"}
LONG_PASSWORD = "x" * 72 + "tail-beyond-72-bytes"
PUBLIC_PATHS = ["/", "/v1", "/v1/", "/v1/openapi.json", "/openapi.json", "/healthcheck"]
# NOTE: public paths needing a resource first, and where each is tested
# under every auth strategy.
TESTED_ELSEWHERE = {
    "/v1/deploy_media/{token}": "tests/functional/api/test_deploy_media.py",
    "/v1/deploy_images/{token}": "tests/glance/test_deploy_image.py",
}
# NOTE: an address nothing listens on: keystonemiddleware fails fast.
UNREACHABLE_KEYSTONE = "http://127.0.0.1:9/identity"


def fault(resp: httpx.Response) -> dict[str, object]:
    """The fault object inside a v1 error body."""
    return dict(json.loads(resp.json()["error_message"]))


def basic(user: str, password: str) -> dict[str, str]:
    """An HTTP Basic Authorization header."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def bcrypt_hash(password: str, prefix: str = "$2b$") -> str:
    """A bcrypt hash of ``password`` with the given variant prefix."""
    hashed = bcrypt.hashpw(password.encode()[:72], bcrypt.gensalt(rounds=ROUNDS))
    return prefix + hashed.decode()[4:]


def make_conf(tmp_path, strategy: str, ini: str = "", **api: object) -> cfg.ConfigOpts:
    """Configuration for ``strategy``, with ``ini`` as the config file."""
    conf_file = tmp_path / "mogan.conf"
    conf_file.write_text(ini)
    return mogan_conf.make_conf(
        default_config_files=[str(conf_file)],
        overrides={
            "DEFAULT": {"state_path": str(tmp_path), "transport_url": "fake://"},
            "api": {"auth_strategy": strategy, **api},
        },
    )


def client_for(wsgi_app) -> httpx.Client:
    """An in-process HTTP client for ``wsgi_app``."""
    return httpx.Client(
        transport=httpx.WSGITransport(app=wsgi_app), base_url="http://mogan.test"
    )


def echo_identity(environ, start_response):
    """A probe WSGI app answering with the identity headers it was given."""
    seen = {k: v for k, v in environ.items() if k in auth.IDENTITY_HEADERS}
    payload = json.dumps(seen).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [payload]


@pytest.fixture
def htpasswd(tmp_path):
    """An htpasswd file as ``htpasswd -B`` and the bcrypt library write it."""
    path = tmp_path / "htpasswd"
    path.write_text(
        "# users of the test cloud\n"
        f"alice:{bcrypt_hash(PASSWORDS['alice'])}\n"
        f"bob:{bcrypt_hash(PASSWORDS['bob'], '$2y$')}\n"
        "\n"
        f"carol:{bcrypt_hash(PASSWORDS['carol'], '$2a$')}\n"
        f"rita:{bcrypt_hash('rita-pw', '$2y$')}\n"
        f"long:{bcrypt_hash(LONG_PASSWORD, '$2y$')}\n"
    )
    return path


@pytest.fixture
def basic_conf(tmp_path, htpasswd) -> cfg.ConfigOpts:
    """http_basic configuration: alice in project-a, carol admin, rita reader."""
    return make_conf(
        tmp_path,
        "http_basic",
        http_basic_auth_user_file=str(htpasswd),
        http_basic_user_roles={"carol": "admin", "rita": "reader"},
        http_basic_user_projects={"alice": "project-a", "rita": "project-a"},
        http_basic_default_project="default-project",
    )


@pytest.fixture
def basic_client(basic_conf, database) -> Iterator[httpx.Client]:
    """A client for the real app under http_basic."""
    with client_for(api_app.create_app(basic_conf, database)) as c:
        yield c


@pytest.fixture
def keystone_conf(tmp_path) -> cfg.ConfigOpts:
    """A keystone configuration pointing at an identity service that is down."""
    ini = f"""
[keystone_authtoken]
www_authenticate_uri = {UNREACHABLE_KEYSTONE}
auth_url = {UNREACHABLE_KEYSTONE}
auth_type = password
username = mogan
password = secret
project_name = service
user_domain_name = Default
project_domain_name = Default
http_connect_timeout = 2
"""
    return make_conf(tmp_path, "keystone", ini)


@pytest.fixture
def keystone_client(keystone_conf, database) -> Iterator[httpx.Client]:
    """A client for the real app under keystone."""
    with client_for(api_app.create_app(keystone_conf, database)) as c:
        yield c


def create_keypair(client: httpx.Client, name: str, **kwargs) -> httpx.Response:
    """Ask for a server-generated ssh keypair called ``name``."""
    return client.post("/v1/keypairs", json={"name": name}, **kwargs)


class TestPublicPaths:
    def test_every_public_route_is_checked(self):
        """The public-path list below covers every route declared public."""
        declared = {r.path for r in router.ROUTES if r.public}
        assert declared - set(PUBLIC_PATHS) == set(TESTED_ELSEWHERE)

    @pytest.mark.parametrize("path", PUBLIC_PATHS)
    def test_noauth_serves_public_paths(self, client, path):
        """Public paths answer 200 under noauth without identity headers."""
        assert client.get(path).status_code == 200

    @pytest.mark.parametrize("path", PUBLIC_PATHS)
    def test_http_basic_serves_public_paths_without_credentials(
        self, basic_client, path
    ):
        """Public paths answer 200 under http_basic with no or bad credentials."""
        assert basic_client.get(path).status_code == 200
        bad = basic("alice", "wrong")
        assert basic_client.get(path, headers=bad).status_code == 200

    @pytest.mark.parametrize("path", PUBLIC_PATHS)
    def test_keystone_serves_public_paths_without_token(self, keystone_client, path):
        """Public paths answer 200 under keystone without a token."""
        assert keystone_client.get(path).status_code == 200

    def test_identity_headers_are_dropped_on_public_paths(self, conf):
        """A client's identity headers never reach a public path's handler."""
        with client_for(auth.wrap(echo_identity, conf)) as c:
            resp = c.get("/v1", headers={**ADMIN.headers, "X-Identity-Status": "x"})
        assert resp.json() == {}


class TestNoAuth:
    def test_headers_are_trusted(self, client):
        """The caller is who the X-User-Id/X-Project-Id/X-Roles headers say."""
        resp = create_keypair(client, "k1", headers=MEMBER.headers)
        assert resp.status_code == 201, resp.text
        assert resp.json()["user_id"] == MEMBER.user_id
        forbidden = client.post(
            "/v1/flavors",
            json={"name": "f", "resources": {"CUSTOM_GOLD": 1}},
            headers=MEMBER.headers,
        )
        assert forbidden.status_code == 403

    def test_no_headers_means_the_default_admin(self, client):
        """Without identity headers the caller is the configured admin."""
        flavor = make_flavor(client)
        resp = client.get(f"/v1/flavors/{flavor['uuid']}")
        assert resp.status_code == 200
        assert "resources" in resp.json()  # the admin-only view
        keypair = create_keypair(client, "k1")
        assert keypair.json()["user_id"] == "admin"

    def test_default_identity_is_configurable(self, tmp_path):
        """``noauth_default_*`` set who a header-less request acts as."""
        conf = make_conf(
            tmp_path,
            "noauth",
            noauth_default_user_id="robot",
            noauth_default_project_id="ops",
            noauth_default_roles=["member"],
        )
        with client_for(auth.wrap(echo_identity, conf)) as c:
            seen = c.get("/v1/flavors").json()
        assert seen["HTTP_X_USER_ID"] == "robot"
        assert seen["HTTP_X_PROJECT_ID"] == "ops"
        assert seen["HTTP_X_ROLES"] == "member,reader"

    def test_member_implies_reader(self, client):
        """A caller holding only ``member`` passes reader rules."""
        headers = {**MEMBER.headers, "X-Roles": "member"}
        assert client.get("/v1/keypairs", headers=headers).status_code == 200
        assert client.get("/v1/availability_zones", headers=headers).status_code == 200

    def test_no_reader_role_is_refused(self, client):
        """A caller with an unrelated role fails reader rules (403)."""
        headers = {**MEMBER.headers, "X-Roles": "observer"}
        assert client.get("/v1/keypairs", headers=headers).status_code == 403

    @pytest.mark.parametrize(
        ("sent", "expected"),
        [
            ("admin", "admin,member,reader"),
            ("Member", "member,reader"),
            ("reader", "reader"),
            (" admin , custom ", "admin,custom,member,reader"),
        ],
    )
    def test_roles_are_expanded(self, conf, sent, expected):
        """The admin role implies member and reader; member implies reader."""
        with client_for(auth.wrap(echo_identity, conf)) as c:
            seen = c.get("/v1/flavors", headers={"X-Roles": sent}).json()
        assert seen["HTTP_X_ROLES"] == expected
        assert seen["HTTP_X_IDENTITY_STATUS"] == "Confirmed"


class TestHTTPBasic:
    @pytest.mark.parametrize("user", ["alice", "bob", "carol"])
    def test_valid_credentials_are_accepted(self, basic_client, user):
        """Each hash variant ($2b$, $2y$ as htpasswd -B writes, $2a$) verifies."""
        resp = basic_client.get("/v1/keypairs", headers=basic(user, PASSWORDS[user]))
        assert resp.status_code == 200, resp.text

    @pytest.mark.parametrize(
        "headers",
        [
            pytest.param(basic("alice", "wrong"), id="wrong-password"),
            pytest.param(basic("mallory", "alice-pw"), id="unknown-user"),
            pytest.param(basic("alice", ""), id="empty-password"),
            pytest.param({}, id="missing-header"),
            pytest.param({"Authorization": "Bearer alice-pw"}, id="not-basic"),
            pytest.param({"Authorization": "Basic !!notbase64"}, id="bad-base64"),
            pytest.param(
                {"Authorization": "Basic " + base64.b64encode(b"alice").decode()},
                id="no-colon",
            ),
        ],
    )
    def test_bad_credentials_are_401(self, basic_client, headers):
        """Bad or missing credentials get 401, a Basic challenge and a v1 body."""
        resp = basic_client.get("/v1/flavors", headers={**ADMIN.headers, **headers})
        assert resp.status_code == 401
        assert resp.headers["WWW-Authenticate"].startswith("Basic ")
        assert resp.json()["code"] == "mogan.unauthenticated"
        assert fault(resp) == {
            "faultcode": "Client",
            "faultstring": "Invalid or missing HTTP Basic credentials.",
            "debuginfo": None,
        }
        assert resp.headers["x-openstack-request-id"].startswith("req-")

    def test_long_password_is_checked_like_htpasswd(self, basic_client):
        """Passwords over 72 bytes use their first 72 bytes (no 500)."""
        ok = basic_client.get("/v1/keypairs", headers=basic("long", LONG_PASSWORD))
        assert ok.status_code == 200
        wrong = basic_client.get(
            "/v1/keypairs", headers=basic("long", "y" + LONG_PASSWORD[1:])
        )
        assert wrong.status_code == 401

    def test_client_identity_headers_are_replaced(self, basic_conf):
        """X-Roles, X-User-Id and friends sent by the client are discarded."""
        sent = {
            "X-Roles": "admin",
            "X-User-Id": "carol",
            "X-Project-Id": "admin-project",
            "X-Tenant-Id": "admin-project",
            "OpenStack-System-Scope": "all",
            **basic("alice", PASSWORDS["alice"]),
        }
        with client_for(auth.wrap(echo_identity, basic_conf)) as c:
            seen = c.get("/v1/flavors", headers=sent).json()
        assert seen == {
            "HTTP_X_USER_ID": "alice",
            "HTTP_X_USER_NAME": "alice",
            "HTTP_X_PROJECT_ID": "project-a",
            "HTTP_X_ROLES": "member,reader",
            "HTTP_X_IDENTITY_STATUS": "Confirmed",
        }

    def test_client_roles_grant_nothing(self, basic_client):
        """A member sending X-Roles: admin is still refused admin actions."""
        headers = {"X-Roles": "admin", **basic("alice", PASSWORDS["alice"])}
        resp = basic_client.post(
            "/v1/flavors",
            json={"name": "f", "resources": {"CUSTOM_GOLD": 1}},
            headers=headers,
        )
        assert resp.status_code == 403

    def test_configured_roles_are_honoured(self, basic_client):
        """A user configured as admin may create; one configured as reader may not."""
        body = {"name": "f", "resources": {"CUSTOM_GOLD": 1}}
        carol = basic("carol", PASSWORDS["carol"])
        assert (
            basic_client.post("/v1/flavors", json=body, headers=carol).status_code
            == 201
        )
        rita = basic("rita", "rita-pw")
        assert basic_client.get("/v1/keypairs", headers=rita).status_code == 200
        assert create_keypair(basic_client, "k", headers=rita).status_code == 403

    def test_users_act_as_themselves(self, basic_client):
        """A keypair created over http_basic belongs to the authenticated user."""
        resp = create_keypair(
            basic_client,
            "k",
            headers={"X-User-Id": "carol", **basic("bob", PASSWORDS["bob"])},
        )
        assert resp.status_code == 201, resp.text
        assert resp.json()["user_id"] == "bob"

    def test_configured_projects_are_honoured(self, basic_client):
        """A private flavor shared with project-a is visible to alice only."""
        carol = basic("carol", PASSWORDS["carol"])
        flavor = basic_client.post(
            "/v1/flavors",
            json={"name": "priv", "is_public": False, "resources": {"CUSTOM_G": 1}},
            headers=carol,
        ).json()
        shared = basic_client.post(
            f"/v1/flavors/{flavor['uuid']}/access",
            json={"tenant_id": "project-a"},
            headers=carol,
        )
        assert shared.status_code == 204
        url = f"/v1/flavors/{flavor['uuid']}"
        alice = basic("alice", PASSWORDS["alice"])
        assert basic_client.get(url, headers=alice).status_code == 200
        # NOTE: bob is in the default project, which the flavor is not shared with.
        bob = basic("bob", PASSWORDS["bob"])
        assert basic_client.get(url, headers=bob).status_code == 404

    @pytest.mark.parametrize(
        "line",
        [
            pytest.param("dave:$apr1$abcdefgh$0123456789abcdefghijk", id="md5"),
            pytest.param("dave:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", id="sha1"),
            pytest.param("dave:plaintext", id="plain"),
            pytest.param("dave:$2y$05$tooshort", id="truncated-bcrypt"),
            pytest.param("just-a-name", id="no-colon"),
        ],
    )
    def test_non_bcrypt_entries_are_refused_at_start(
        self, basic_conf, htpasswd, database, line
    ):
        """An htpasswd line that is not bcrypt stops the app from starting."""
        with htpasswd.open("a") as f:
            f.write(line + "\n")
        with pytest.raises(ValueError, match=r"htpasswd:8: only bcrypt entries"):
            api_app.create_app(basic_conf, database)

    def test_missing_user_file_is_refused_at_start(self, tmp_path, database):
        """A missing htpasswd file stops the app with a clear error."""
        conf = make_conf(
            tmp_path,
            "http_basic",
            http_basic_auth_user_file=str(tmp_path / "absent"),
        )
        with pytest.raises(ValueError, match="cannot read the http_basic_auth"):
            api_app.create_app(conf, database)


class TestKeystone:
    def test_no_token_is_401(self, keystone_client):
        """A request without a token is refused with 401 and a Keystone challenge."""
        resp = keystone_client.get("/v1/flavors")
        assert resp.status_code == 401
        assert resp.headers["WWW-Authenticate"] == (
            f'Keystone uri="{UNREACHABLE_KEYSTONE}"'
        )

    @pytest.mark.parametrize(
        "path", ["/v1/flavors", "/flavors", "/v1/keypairs", "/v1/availability_zones"]
    )
    def test_client_identity_headers_grant_nothing(self, keystone_client, path):
        """Client-sent X-Roles and X-Identity-Status never authenticate."""
        headers = {
            **ADMIN.headers,
            "X-Identity-Status": "Confirmed",
            "X-Service-Roles": "admin",
        }
        assert keystone_client.get(path, headers=headers).status_code == 401

    def test_unverifiable_token_is_not_accepted(self, keystone_client):
        """A token Keystone cannot be asked about is refused (503), never served."""
        resp = keystone_client.get(
            "/v1/flavors", headers={"X-Auth-Token": "gAAAA-fake", **ADMIN.headers}
        )
        assert resp.status_code == 503
