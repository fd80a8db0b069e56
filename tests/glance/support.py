"""A real Glance (PyPI ``glance``, file store) on loopback, for tests and tools.

Glance is installed with gunicorn into a virtual environment of its own,
created on first use under a cache directory and keyed by version
(``MOGAN_GLANCE_VERSION``, ``MOGAN_GLANCE_VENV``, default
``~/.cache/mogan-bench/glance-<version>-venv``); it shares nothing with the
Keystone or Ironic venvs.

Its database is made once (``glance-manage db_sync``) into a *template*
directory beside the venv, keyed by everything that goes into it
(``default_template``); every Glance starts from a copy of it. A Glance
validates tokens with a real Keystone (``tests.keystone.support``):
keystonemiddleware (paste flavor ``keystone``) authenticates as a ``glance``
service user it creates there, on the ``public`` interface (the only one
the Keystone template's catalog has), and the Glance registers itself in
that Keystone's catalog as service type ``image``. ``shared()`` keeps one
Glance per process, on the process's Keystone, and stops it at exit.

The helpers below act on images as a given Keystone token would (create,
upload, share, accept, deactivate, delete), through Glance's v2 API.

What must not live here: pytest, and anything of Mogan (tests check Mogan
against this).
"""

import fcntl
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import threading
import uuid
from typing import Any

import httpx

from tests import children
from tests.keystone import support as keystone_support

VERSION = os.environ.get("MOGAN_GLANCE_VERSION", "33.0.0")
# NOTE: gunicorn 27 opens a control socket in ~/.gunicorn unless told not to.
SPECS = (f"glance=={VERSION}", "gunicorn>=27,<28")
VENV = os.environ.get(
    "MOGAN_GLANCE_VENV", f"~/.cache/mogan-bench/glance-{VERSION}-venv"
)
MANAGE_TIMEOUT = 180.0
START_TIMEOUT = 60.0
HTTP_TIMEOUT = 30.0
SERVICE_USER = "glance"
# NOTE: a Glance on loopback for tests only.
SERVICE_PASSWORD = "mogan-test-glance"
TEMPLATE_FILES = ("glance.sqlite",)
OK = 200
CREATED = 201
NO_CONTENT = 204

# NOTE: what db_sync needs, and nothing else (the template's key).
MANAGE_CONF = """\
[DEFAULT]
log_file = {state}/glance-manage.log
[database]
connection = sqlite:///{state}/glance.sqlite
"""

API_CONF = """\
[DEFAULT]
log_file = {state}/glance-api.log
enabled_backends = fs:file
show_image_direct_url = false
[database]
connection = sqlite:///{state}/glance.sqlite
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = {state}/images/
[os_glance_staging_store]
filesystem_store_datadir = {state}/staging/
[os_glance_tasks_store]
filesystem_store_datadir = {state}/tasks/
[paste_deploy]
flavor = keystone
config_file = {state}/glance-api-paste.ini
[oslo_concurrency]
lock_path = {state}/locks
"""

# NOTE: Glance parses its configuration with ``CONF([])`` itself, but
# libraries it loads still read sys.argv (gunicorn's flags, the trap that
# makes Keystone's and Neutron's workers exit in a loop): hide them before
# Glance is imported, as for Keystone.
WSGI_MODULE = """\
import sys

sys.argv = sys.argv[:1]

from glance.wsgi.api import application  # noqa: E402
"""


class GlanceUnavailable(Exception):
    """Glance (or its Keystone) could not be installed, prepared or started."""


def ensure_venv(venv: str = VENV, specs: tuple[str, ...] = SPECS) -> pathlib.Path:
    """The bin directory of a venv holding Glance and gunicorn (made on first use).

    Raises:
        GlanceUnavailable: the venv cannot be created or Glance installed.
    """
    try:
        return children.install_venv(venv, specs)
    except children.InstallFailed as err:
        raise GlanceUnavailable(str(err)) from err


def _manage(bin_dir: pathlib.Path, conf: pathlib.Path, *args: str) -> None:
    try:
        subprocess.run(
            [str(bin_dir / "glance-manage"), "--config-file", str(conf), *args],
            check=True,
            capture_output=True,
            timeout=MANAGE_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError) as err:
        detail = getattr(err, "stderr", b"") or b""
        raise GlanceUnavailable(
            f"glance-manage {args[0]} failed: {err} {detail[-1000:]!r}"
        ) from err


def prepare_template(
    directory: pathlib.Path, bin_dir: pathlib.Path | None = None
) -> pathlib.Path:
    """A migrated Glance database in ``directory`` (made once, under a lock).

    Made in a scratch directory renamed into place when complete, so an
    interrupted preparation leaves nothing half-made. Returns ``directory``.

    Raises:
        GlanceUnavailable: Glance cannot be installed or its database made.
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
            conf = work / "glance-manage.conf"
            conf.write_text(MANAGE_CONF.format(state=work))
            _manage(bin_dir, conf, "db_sync")
        except GlanceUnavailable:
            shutil.rmtree(work, ignore_errors=True)
            raise
        work.rename(directory)
    return directory


def default_template(venv: str = VENV) -> pathlib.Path:
    """Where the prepared template is kept: beside the venv, keyed by its inputs."""
    inputs = "\n".join([*SPECS, MANAGE_CONF])
    key = hashlib.sha256(inputs.encode()).hexdigest()[:12]
    path = pathlib.Path(venv).expanduser()
    return path.parent / f"{path.name}-template-{key}"


def paste_ini(bin_dir: pathlib.Path) -> pathlib.Path:
    """The ``glance-api-paste.ini`` the venv ships (in ``<venv>/etc/glance``)."""
    return bin_dir.parent / "etc" / "glance" / "glance-api-paste.ini"


class Glance:
    """One Glance on its own copy of the template, port and state directory."""

    def __init__(
        self,
        state: pathlib.Path,
        template: pathlib.Path,
        keystone: keystone_support.Keystone,
        bin_dir: pathlib.Path | None = None,
        port: int | None = None,
    ) -> None:
        """Copy the template into ``state``; configure against ``keystone``.

        Creates the ``glance`` service user in Keystone and registers this
        Glance's URL in its catalog (service type ``image``). Nothing runs yet.

        Raises:
            GlanceUnavailable: Glance is not installed and cannot be.
        """
        self.bin_dir = bin_dir or ensure_venv()
        self.keystone = keystone
        self.state = state
        self.port = port or children.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        state.mkdir(parents=True, exist_ok=True)
        for name in TEMPLATE_FILES:
            shutil.copyfile(template / name, state / name)
        for name in ("images", "staging", "tasks", "locks"):
            (state / name).mkdir(exist_ok=True)
        shutil.copyfile(paste_ini(self.bin_dir), state / "glance-api-paste.ini")
        self.service = self._service_user()
        conf = API_CONF.format(state=state) + self._authtoken_section()
        (state / "glance-api.conf").write_text(conf)
        (state / "mogan_glance_wsgi.py").write_text(WSGI_MODULE)
        self._register()
        self.process = children.Process(
            state, ("gunicorn.stderr", "glance-api.log"), GlanceUnavailable, "Glance"
        )
        self.http = httpx.Client(base_url=self.url, timeout=HTTP_TIMEOUT)
        self._admin_service: dict[str, str] | None = None
        self._lock = threading.Lock()

    def _service_user(self) -> dict[str, str]:
        """The ``glance`` user with ``service`` in the ``service`` project."""
        project = self.keystone.service_user()["project_id"]
        user = self.keystone.create_user(
            f"{SERVICE_USER}-{uuid.uuid4().hex[:8]}", password=SERVICE_PASSWORD
        )
        self.keystone.assign(user, "service", project=project)
        return {"username": user.name, "password": user.password}

    def admin_service_user(self) -> dict[str, str]:
        """A client's service user that reads every project's images.

        Glance shows another project's private image only to ``admin``
        (``context_is_admin``; the ``service`` role alone sees nothing of
        it), so a service deploying tenants' images, as Mogan's ``[glance]``
        user does, holds ``admin`` and ``service`` on the ``service``
        project. Created on first call; its name, password and project.
        """
        with self._lock:
            if self._admin_service is None:
                project = self.keystone.service_user()["project_id"]
                user = self.keystone.create_user(
                    f"images-{uuid.uuid4().hex[:8]}", password=SERVICE_PASSWORD
                )
                for role in ("admin", "service"):
                    self.keystone.assign(user, role, project=project)
                self._admin_service = {
                    "username": user.name,
                    "password": user.password,
                    "project_name": "service",
                    "project_id": project,
                }
            return self._admin_service

    def _authtoken_section(self) -> str:
        options = {
            **self.keystone.authtoken_options(),
            "username": self.service["username"],
            "password": self.service["password"],
        }
        lines = ["[keystone_authtoken]", *(f"{k} = {v}" for k, v in options.items())]
        return "\n".join(lines) + "\n"

    def _register(self) -> None:
        """This Glance in Keystone's catalog: service ``image``, ``public`` URL."""
        self.keystone.register("image", "glance", {"public": self.url})

    # ------------------------------------------------------------ process

    def start(self, timeout: float = START_TIMEOUT) -> float:
        """Start Glance under gunicorn and wait for it; the seconds it took.

        Raises:
            GlanceUnavailable: it exited or did not answer in time.
        """
        env = dict(os.environ, OS_GLANCE_CONFIG_DIR=str(self.state))
        self.process.spawn(
            children.gunicorn(
                self.bin_dir, self.state, self.port, "mogan_glance_wsgi:application"
            ),
            env,
        )
        return self.process.wait(
            lambda: self.http.get("/healthcheck", timeout=2).status_code == OK,
            timeout,
        )

    def stop(self) -> None:
        """Stop Glance's process group (SIGTERM, then SIGKILL); close the client."""
        self.process.stop()
        self.http.close()

    def log_tail(self, size: int = 3000) -> str:
        """The end of gunicorn's stderr and Glance's log, for failure messages."""
        return self.process.log_tail(size)

    # ------------------------------------------------------------ images API

    def call(
        self,
        token: str,
        method: str,
        path: str,
        body: Any = None,
        ok: int = OK,
        content_type: str = "application/json",
    ) -> dict[str, Any]:
        """A Glance v2 call with ``token``; the decoded body ({} if none).

        ``body`` goes as JSON, or as it is when it is bytes.

        Raises:
            AssertionError: Glance answered something other than ``ok``.
        """
        if isinstance(body, bytes):
            content = body
        else:
            content = None if body is None else json.dumps(body).encode()
        resp = self.http.request(
            method,
            path,
            content=content,
            headers={"X-Auth-Token": token, "Content-Type": content_type},
        )
        if resp.status_code != ok:
            msg = f"{method} {path}: {resp.status_code} {resp.text[:500]}"
            raise AssertionError(msg)
        result: dict[str, Any] = resp.json() if resp.content else {}
        return result

    def create_image(
        self,
        token: str,
        data: bytes | None = None,
        *,
        visibility: str = "private",
        disk_format: str = "raw",
        name: str | None = None,
        **properties: Any,
    ) -> dict[str, Any]:
        """An image made with ``token`` (uploaded when ``data``); its record."""
        body = {
            "name": name or f"img-{uuid.uuid4().hex[:8]}",
            "disk_format": disk_format,
            "container_format": "bare",
            "visibility": visibility,
            **properties,
        }
        image = self.call(token, "POST", "/v2/images", body, ok=CREATED)
        if data is not None:
            self.call(
                token,
                "PUT",
                f"/v2/images/{image['id']}/file",
                data,
                ok=NO_CONTENT,
                content_type="application/octet-stream",
            )
            image = self.show(token, image["id"])
        return image

    def show(self, token: str, image_id: str) -> dict[str, Any]:
        """The image as ``token`` sees it (AssertionError when it does not)."""
        return self.call(token, "GET", f"/v2/images/{image_id}")

    def share(self, token: str, image_id: str, project: str) -> None:
        """Add ``project`` as a member of the (shared) image, as its owner."""
        self.call(token, "POST", f"/v2/images/{image_id}/members", {"member": project})

    def set_member_status(
        self, token: str, image_id: str, project: str, status: str
    ) -> None:
        """``accepted``, ``rejected`` or ``pending``, as the member ``project``."""
        self.call(
            token,
            "PUT",
            f"/v2/images/{image_id}/members/{project}",
            {"status": status},
        )

    def deactivate(self, token: str, image_id: str) -> None:
        """Deactivate the image (Glance lets admins only)."""
        self.call(
            token, "POST", f"/v2/images/{image_id}/actions/deactivate", ok=NO_CONTENT
        )

    def reactivate(self, token: str, image_id: str) -> None:
        """Reactivate a deactivated image (admins only)."""
        self.call(
            token, "POST", f"/v2/images/{image_id}/actions/reactivate", ok=NO_CONTENT
        )

    def delete(self, token: str, image_id: str) -> None:
        """Delete the image."""
        self.call(token, "DELETE", f"/v2/images/{image_id}", ok=NO_CONTENT)


_SHARED: children.PerProcess[Glance] = children.PerProcess((GlanceUnavailable,))


def shared(template_root: pathlib.Path | None = None) -> Glance:
    """This process's Glance (on this process's Keystone), stopped at exit.

    Raises:
        GlanceUnavailable: Glance or Keystone cannot be installed, prepared
            or started (tried once per process: later calls raise the same
            error at once).
    """

    def build(state: pathlib.Path) -> Glance:
        try:
            keystone = keystone_support.shared()
        except keystone_support.KeystoneUnavailable as err:
            msg = f"its Keystone is unavailable: {err}"
            raise GlanceUnavailable(msg) from err
        template = prepare_template(template_root or default_template(), ensure_venv())
        return Glance(state / "run", template, keystone)

    return _SHARED.get("glance", build, Glance.start, Glance.stop)
