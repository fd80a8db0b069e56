"""A real Keystone (PyPI ``keystone``) on loopback, for tests and tools.

Keystone is installed with gunicorn into a virtual environment of its own,
created on first use under a cache directory and keyed by version
(``MOGAN_KEYSTONE_VENV``, default ``~/.cache/mogan-bench/keystone-<version>-venv``).

Preparing a Keystone (``db_sync``, ``fernet_setup``, ``credential_setup``,
``bootstrap``) costs about 13 s (a minute on a loaded machine), so it is
done once into a *template* directory (``prepare_template``), kept beside the
venv and keyed by everything that goes into it (``default_template``): the
first test session on a machine makes it, later ones reuse it. Every
Keystone starts from a copy of it in about 2 s, with the catalog's identity
URL rewritten for its own port. ``shared()`` keeps one Keystone per process
and stops it at exit.

The template's ``admin`` user (password ``ADMIN_PASSWORD``) holds ``admin``
on the system and on the ``admin`` project, as ``keystone-manage bootstrap``
leaves it; the helpers below create the domains, projects, users and role
assignments a test needs through the API, and issue tokens of every scope.

What must not live here: pytest, and anything of Mogan (tests check Mogan
against this).
"""

import contextlib
import dataclasses
import fcntl
import grp
import hashlib
import json
import os
import pathlib
import pwd
import shutil
import sqlite3
import subprocess
import threading
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from tests import children

VERSION = os.environ.get("MOGAN_KEYSTONE_VERSION", "30.0.0")
# NOTE: gunicorn 27 opens a control socket in ~/.gunicorn by default, shared
# by every gunicorn of the user; --no-control-socket (27.x) turns it off.
SPECS = (f"keystone=={VERSION}", "gunicorn>=27,<28")
VENV = os.environ.get(
    "MOGAN_KEYSTONE_VENV", f"~/.cache/mogan-bench/keystone-{VERSION}-venv"
)
MANAGE_TIMEOUT = 120.0
START_TIMEOUT = 60.0
HTTP_TIMEOUT = 30.0
# NOTE: a Keystone on loopback for tests only.
ADMIN_PASSWORD = "mogan-test-admin"
SERVICE_PASSWORD = "mogan-test-service"
REGION = "RegionOne"
# NOTE: bootstrap writes the identity URL into the catalog; each copy of the
# template rewrites this placeholder with its own port.
TEMPLATE_URL = "http://127.0.0.1:1/v3/"
TEMPLATE_FILES = ("keystone.sqlite", "fernet-keys", "credential-keys")
OK = 200
CREATED = 201
NO_CONTENT = 204

CONF = """\
[DEFAULT]
log_file = {state}/keystone.log
[database]
connection = sqlite:///{state}/keystone.sqlite
[fernet_tokens]
key_repository = {state}/fernet-keys
[fernet_receipts]
key_repository = {state}/fernet-keys
[credential]
key_repository = {state}/credential-keys
[identity]
# NOTE: tests only: a token costs 0.08 s instead of 0.32 s.
password_hash_rounds = 4
"""

# NOTE: gunicorn's own flags are in sys.argv when Keystone parses its
# configuration with oslo.config, which then refuses them and the worker
# exits in a loop: hide them before Keystone is imported.
WSGI_MODULE = """\
import sys

sys.argv = sys.argv[:1]

from keystone.wsgi.api import application  # noqa: E402
"""


class KeystoneUnavailable(Exception):
    """Keystone could not be installed, prepared or started here."""


free_port = children.free_port


def ensure_venv(venv: str = VENV, specs: tuple[str, ...] = SPECS) -> pathlib.Path:
    """The bin directory of a venv holding Keystone and gunicorn.

    Created on first use; a venv installed from other ``specs`` is made
    again. Concurrent callers (pytest-xdist workers) wait on a lock file
    while the first one installs.

    Raises:
        KeystoneUnavailable: the venv cannot be created or Keystone installed.
    """
    try:
        return children.install_venv(venv, specs)
    except children.InstallFailed as err:
        raise KeystoneUnavailable(str(err)) from err


def _write_conf(state: pathlib.Path) -> pathlib.Path:
    conf = state / "keystone.conf"
    conf.write_text(CONF.format(state=state))
    return conf


def _manage(bin_dir: pathlib.Path, conf: pathlib.Path, *args: str) -> None:
    try:
        subprocess.run(
            [str(bin_dir / "keystone-manage"), "--config-file", str(conf), *args],
            check=True,
            capture_output=True,
            timeout=MANAGE_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError) as err:
        detail = getattr(err, "stderr", b"") or b""
        raise KeystoneUnavailable(
            f"keystone-manage {args[0]} failed: {err} {detail[-1000:]!r}"
        ) from err


def prepare_template(
    directory: pathlib.Path, bin_dir: pathlib.Path | None = None
) -> pathlib.Path:
    """A bootstrapped Keystone database and key repositories in ``directory``.

    Made once, in a scratch directory renamed into place when complete, so
    a failed or interrupted preparation leaves nothing half-made; a later
    call (another process, under the same lock) finds it ready. Returns
    ``directory``.

    Raises:
        KeystoneUnavailable: Keystone cannot be installed or prepared.
    """
    bin_dir = bin_dir or ensure_venv()
    directory.parent.mkdir(parents=True, exist_ok=True)
    with (directory.parent / f".{directory.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if directory.exists():
            return directory
        work = directory.parent / f".{directory.name}.scratch"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        try:
            conf = _write_conf(work)
            # NOTE: the key repositories belong to whoever runs the tests.
            owner = (
                "--keystone-user",
                pwd.getpwuid(os.getuid()).pw_name,
                "--keystone-group",
                grp.getgrgid(os.getgid()).gr_name,
            )
            _manage(bin_dir, conf, "db_sync")
            _manage(bin_dir, conf, "fernet_setup", *owner)
            _manage(bin_dir, conf, "credential_setup", *owner)
            _manage(
                bin_dir,
                conf,
                "bootstrap",
                "--bootstrap-password",
                ADMIN_PASSWORD,
                "--bootstrap-public-url",
                TEMPLATE_URL,
                "--bootstrap-region-id",
                REGION,
            )
        except KeystoneUnavailable:
            shutil.rmtree(work, ignore_errors=True)
            raise
        work.rename(directory)
    return directory


def default_template(venv: str = VENV) -> pathlib.Path:
    """Where the prepared template is kept: beside the venv, keyed by its inputs.

    A change to the versions, the configuration or the bootstrap arguments
    gives another directory, so a stale template is never used.
    """
    inputs = "\n".join(
        [*SPECS, CONF, ADMIN_PASSWORD, TEMPLATE_URL, REGION, WSGI_MODULE]
    )
    key = hashlib.sha256(inputs.encode()).hexdigest()[:12]
    path = pathlib.Path(venv).expanduser()
    return path.parent / f"{path.name}-template-{key}"


@dataclasses.dataclass(frozen=True)
class User:
    """A Keystone user this module created, with its password."""

    id: str
    name: str
    password: str
    domain_id: str = "default"


@dataclasses.dataclass(frozen=True)
class Token:
    """An issued token and the identity it carries."""

    token: str
    user_id: str
    project_id: str | None = None
    domain_id: str | None = None
    system: bool = False
    roles: tuple[str, ...] = ()

    @property
    def headers(self) -> dict[str, str]:
        """The request header that presents this token."""
        return {"X-Auth-Token": self.token}


class Keystone:
    """One Keystone on its own copy of the template, port and state directory."""

    def __init__(
        self,
        state: pathlib.Path,
        template: pathlib.Path,
        bin_dir: pathlib.Path | None = None,
        port: int | None = None,
    ) -> None:
        """Copy the template into ``state`` and point its catalog at ``port``.

        Nothing runs yet.

        Raises:
            KeystoneUnavailable: Keystone is not installed and cannot be.
        """
        self.bin_dir = bin_dir or ensure_venv()
        self.state = state
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/v3"
        state.mkdir(parents=True, exist_ok=True)
        for name in TEMPLATE_FILES:
            source = template / name
            if source.is_dir():
                shutil.copytree(source, state / name)
            else:
                shutil.copyfile(source, state / name)
        self.conf = _write_conf(state)
        with contextlib.closing(sqlite3.connect(state / "keystone.sqlite")) as db:
            db.execute("UPDATE endpoint SET url = ?", (self.url + "/",))
            db.commit()
        (state / "mogan_keystone_wsgi.py").write_text(WSGI_MODULE)
        self.process = children.Process(
            state, ("gunicorn.stderr", "keystone.log"), KeystoneUnavailable, "Keystone"
        )
        self.http = httpx.Client(base_url=self.url, timeout=HTTP_TIMEOUT)
        self._admin_token: str | None = None
        self._admin_project_token: str | None = None
        self._roles: dict[str, str] = {}
        self._service: dict[str, str] | None = None
        self._lock = threading.RLock()

    # ------------------------------------------------------------ process

    def start(self, timeout: float = START_TIMEOUT) -> float:
        """Start Keystone under gunicorn and wait for its API; the seconds it took.

        Raises:
            KeystoneUnavailable: it exited or did not answer in time.
        """
        env = dict(os.environ, OS_KEYSTONE_CONFIG_FILES=str(self.conf))
        self.process.spawn(
            children.gunicorn(
                self.bin_dir, self.state, self.port, "mogan_keystone_wsgi:application"
            ),
            env,
        )
        return self.process.wait(
            lambda: self.http.get("/", timeout=2).status_code == OK, timeout
        )

    def stop(self) -> None:
        """Stop Keystone's process group (SIGTERM, then SIGKILL); close the client."""
        self.process.stop()
        self.http.close()

    def log_tail(self, size: int = 3000) -> str:
        """The end of gunicorn's stderr and Keystone's log, for failure messages."""
        return self.process.log_tail(size)

    # ------------------------------------------------------------ tokens

    def issue(
        self,
        user: User | str,
        password: str | None = None,
        *,
        project: str | None = None,
        domain: str | None = None,
        system: bool = False,
    ) -> Token:
        """A token for ``user`` scoped to a project, a domain or the system.

        ``user`` is a ``User`` or the name of a user of the default domain
        (then ``password`` is required). No scope gives an unscoped token.

        Raises:
            AssertionError: Keystone refused to issue it.
        """
        if isinstance(user, User):
            ident = {"id": user.id, "password": user.password}
        else:
            ident = {"name": user, "domain": {"id": "default"}, "password": password}
        auth: dict[str, Any] = {
            "identity": {"methods": ["password"], "password": {"user": ident}}
        }
        if project is not None:
            auth["scope"] = {"project": {"id": project}}
        elif domain is not None:
            auth["scope"] = {"domain": {"id": domain}}
        elif system:
            auth["scope"] = {"system": {"all": True}}
        resp = self.http.post("/auth/tokens", json={"auth": auth})
        if resp.status_code != CREATED:
            msg = f"token for {user}: {resp.status_code} {resp.text[:500]}"
            raise AssertionError(msg)
        body = resp.json()["token"]
        return Token(
            token=resp.headers["X-Subject-Token"],
            user_id=body["user"]["id"],
            project_id=body.get("project", {}).get("id"),
            domain_id=body.get("domain", {}).get("id"),
            system=bool(body.get("system")),
            roles=tuple(sorted(r["name"] for r in body.get("roles", []))),
        )

    def admin_token(self) -> str:
        """A system-scoped token of the bootstrap admin (cached)."""
        with self._lock:
            if self._admin_token is None:
                self._admin_token = self.issue(
                    "admin", ADMIN_PASSWORD, system=True
                ).token
            return self._admin_token

    def admin_project_token(self) -> str:
        """The bootstrap admin's token on the ``admin`` project (cached).

        What services whose policies take project-scoped tokens only
        (Neutron, Placement) accept as their admin.
        """
        with self._lock:
            if self._admin_project_token is None:
                (project,) = self.call("GET", "/projects?name=admin")["projects"]
                self._admin_project_token = self.issue(
                    "admin", ADMIN_PASSWORD, project=project["id"]
                ).token
            return self._admin_project_token

    # ------------------------------------------------------------ admin API

    def call(
        self, method: str, path: str, body: Any = None, ok: int = OK
    ) -> dict[str, Any]:
        """An identity API call as the system admin; the decoded body ({} if none).

        Raises:
            AssertionError: Keystone answered something other than ``ok``.
        """
        resp = self.http.request(
            method,
            path.lstrip("/"),
            content=None if body is None else json.dumps(body),
            headers={
                "X-Auth-Token": self.admin_token(),
                "Content-Type": "application/json",
            },
        )
        if resp.status_code != ok:
            msg = f"{method} {path}: {resp.status_code} {resp.text[:500]}"
            raise AssertionError(msg)
        result: dict[str, Any] = resp.json() if resp.content else {}
        return result

    def role_id(self, name: str) -> str:
        """The id of the role called ``name`` (bootstrap made admin ... service)."""
        with self._lock:
            if not self._roles:
                roles = self.call("GET", "/roles")["roles"]
                self._roles = {r["name"]: r["id"] for r in roles}
        return self._roles[name]

    def create_domain(self, name: str | None = None) -> str:
        """A new enabled domain; its id."""
        body = {"domain": {"name": name or f"dom-{uuid.uuid4().hex[:10]}"}}
        return str(self.call("POST", "/domains", body, ok=CREATED)["domain"]["id"])

    def create_project(self, name: str | None = None, domain: str = "default") -> str:
        """A new project in ``domain``; its id."""
        body = {
            "project": {
                "name": name or f"proj-{uuid.uuid4().hex[:10]}",
                "domain_id": domain,
            }
        }
        return str(self.call("POST", "/projects", body, ok=CREATED)["project"]["id"])

    def create_user(
        self,
        name: str | None = None,
        domain: str = "default",
        password: str | None = None,
    ) -> User:
        """A new user in ``domain`` (a random password unless given)."""
        name = name or f"user-{uuid.uuid4().hex[:10]}"
        password = password or uuid.uuid4().hex
        body = {"user": {"name": name, "domain_id": domain, "password": password}}
        user = self.call("POST", "/users", body, ok=CREATED)["user"]
        return User(id=user["id"], name=name, password=password, domain_id=domain)

    def assign(
        self,
        user: User,
        role: str,
        *,
        project: str | None = None,
        domain: str | None = None,
        system: bool = False,
    ) -> None:
        """Grant ``role`` to ``user`` on exactly one of a project, domain, system."""
        role = self.role_id(role)
        if project is not None:
            path = f"/projects/{project}/users/{user.id}/roles/{role}"
        elif domain is not None:
            path = f"/domains/{domain}/users/{user.id}/roles/{role}"
        elif system:
            path = f"/system/users/{user.id}/roles/{role}"
        else:
            msg = "assign() needs a project, a domain or system=True"
            raise ValueError(msg)
        self.call("PUT", path, ok=NO_CONTENT)

    # ------------------------------------------------------------ personas

    def project_persona(self, role: str, project: str | None = None) -> Token:
        """A new user with ``role`` on ``project`` (a new one when None); its token."""
        project = project or self.create_project()
        user = self.create_user()
        self.assign(user, role, project=project)
        return self.issue(user, project=project)

    def domain_persona(self, role: str, domain: str = "default") -> Token:
        """A new user holding ``role`` on ``domain``; its domain-scoped token."""
        user = self.create_user(domain=domain)
        self.assign(user, role, domain=domain)
        return self.issue(user, domain=domain)

    def system_persona(self, role: str) -> Token:
        """A new user holding ``role`` on the system; its system-scoped token."""
        user = self.create_user()
        self.assign(user, role, system=True)
        return self.issue(user, system=True)

    # ------------------------------------------------------------ services

    def register(
        self,
        service_type: str,
        name: str,
        endpoints: Mapping[str, str],
        region: str = REGION,
    ) -> str:
        """Add a ``service_type`` service with an endpoint per interface; its id.

        Args:
            service_type: ``image``, ``placement``, ``baremetal`` ...
            name: the service's name.
            endpoints: URL by interface (``public``, ``internal``, ``admin``).
            region: the endpoints' region.
        """
        body = {"service": {"type": service_type, "name": name}}
        service = self.call("POST", "/services", body, ok=CREATED)["service"]["id"]
        for interface, url in endpoints.items():
            endpoint = {
                "service_id": service,
                "interface": interface,
                "url": url,
                "region_id": region,
            }
            self.call("POST", "/endpoints", {"endpoint": endpoint}, ok=CREATED)
        return str(service)

    def service_user(self) -> dict[str, str]:
        """The ``mogan`` service user (``service`` role in project ``service``).

        Created on first call; returns its name, password and project.
        """
        with self._lock:
            service = self._service
        if service is None:
            project = self.create_project("service")
            user = self.create_user("mogan", password=SERVICE_PASSWORD)
            self.assign(user, "service", project=project)
            service = {
                "username": user.name,
                "password": user.password,
                "project_name": "service",
                "user_id": user.id,
                "project_id": project,
            }
            with self._lock:
                self._service = service
        return service

    def authtoken_options(self) -> dict[str, str]:
        """A ``[keystone_authtoken]`` section for a service validating tokens here.

        It uses the ``mogan`` service user and the ``public`` interface (the
        only endpoint the template's catalog has; keystonemiddleware would
        look for ``internal`` otherwise).
        """
        service = self.service_user()
        return {
            "www_authenticate_uri": self.url,
            "auth_url": self.url,
            "auth_type": "password",
            "username": service["username"],
            "password": service["password"],
            "project_name": service["project_name"],
            "user_domain_id": "default",
            "project_domain_id": "default",
            "interface": "public",
            "region_name": REGION,
            "service_token_roles_required": "true",
            "http_connect_timeout": "5",
            "http_request_max_retries": "1",
        }


_SHARED: children.PerProcess[Keystone] = children.PerProcess((KeystoneUnavailable,))


def shared(template_root: pathlib.Path | None = None) -> Keystone:
    """This process's Keystone, started on first use, stopped at exit.

    Args:
        template_root: where the prepared template lives (or is made, once,
            under a lock); ``default_template()`` when None.

    Raises:
        KeystoneUnavailable: Keystone cannot be installed, prepared or
            started (tried once per process: later calls raise the same
            error at once).
    """

    def build(state: pathlib.Path) -> Keystone:
        template = prepare_template(template_root or default_template(), ensure_venv())
        return Keystone(state / "run", template)

    return _SHARED.get("keystone", build, Keystone.start, Keystone.stop)
