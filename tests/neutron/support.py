"""A real Neutron (PyPI ``neutron``) on loopback, for tests and tools.

Neutron 29 runs its API (``neutron.wsgi.api:application`` under gunicorn)
with ML2 (flat and VLAN type drivers, no agents), ``transport_url =
fake://`` and Nova notifications off, authenticating tokens against the
team's real Keystone (``tests.keystone.support``) with a service user of its
own. It is installed with gunicorn and PyMySQL into a virtual environment
of its own, created on first use under a cache directory and keyed by
version (``MOGAN_NEUTRON_VENV``, default
``~/.cache/mogan-bench/neutron-<version>-venv``); the shared Ironic and
Keystone venvs are never touched.

Neutron's migrations run on MariaDB only (``mariadb``: the server, the
databases and their dumps). Migrating a database
(``neutron-db-manage upgrade heads``) costs about 13 s, so it is done once
per machine into a *template*: a ``mysqldump`` of the migrated schema, kept
beside the venv and keyed by everything that goes into it
(``default_template``). Every Neutron gets a database of its own loaded from
that dump (about 2 s for its 123 tables, measured here) and starts in a
few seconds more (7.5 s here for Keystone's and Neutron's first start in a
process, templates ready). Nothing is reset between the tests of a process:
each works in Keystone projects of its own, which Neutron scopes by.
``shared()`` keeps one Neutron per test process and stops it (dropping its
database) at exit.

The team's test ML2 mechanism driver (``mech/``, entry point
``neutron.ml2.mechanism_drivers``) binds ``baremetal`` ports ACTIVE and
records every binding it makes (``Neutron.bindings``). Like the Ironic
plugin it is put on Neutron's ``PYTHONPATH`` with a ``*.dist-info`` written
from its ``pyproject.toml`` rather than installed into the venv, which every
checkout on the machine shares.

Neutron registers itself in Keystone's catalog (service type ``network``),
so clients find it as they would in a cloud. Its administrative calls
(``call``) use a token of Keystone's bootstrap admin scoped to the ``admin``
project: Neutron has no system scope.

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
import time
import uuid
from typing import Any

import httpx

from tests import children
from tests.keystone import support as keystone_support
from tests.neutron import mariadb

VERSION = os.environ.get("MOGAN_NEUTRON_VERSION", "29.0.0")
SPECS = (f"neutron=={VERSION}", "gunicorn>=27,<28", "pymysql>=1.1")
VENV = os.environ.get(
    "MOGAN_NEUTRON_VENV", f"~/.cache/mogan-bench/neutron-{VERSION}-venv"
)
MECH = pathlib.Path(__file__).parent / "mech"
MECH_DRIVER = "mogan_test_baremetal"
PHYSNETS = ("physnet1", "physnet2")
MANAGE_TIMEOUT = 300.0
START_TIMEOUT = 90.0
HTTP_TIMEOUT = 30.0
SERVICE_PASSWORD = "mogan-test-neutron"
OK = 200
CREATED = 201
NO_CONTENT = 204

CONF = """\
[DEFAULT]
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
api_paste_config = {paste}
transport_url = fake://
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
state_path = {state}
log_file = {state}/neutron.log
[database]
connection = {connection}
[oslo_concurrency]
lock_path = {state}/locks
[oslo_policy]
enforce_new_defaults = true
enforce_scope = true
[ml2]
type_drivers = flat,vlan
tenant_network_types = vlan
mechanism_drivers = {mech}
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
[ml2_type_vlan]
network_vlan_ranges = physnet1:100:199,physnet2:200:299
[securitygroup]
enable_security_group = true
[keystone_authtoken]
{authtoken}
"""

# NOTE: gunicorn's own flags are in sys.argv when Neutron parses its
# configuration with oslo.config, which then refuses them and the worker
# exits in a loop: hide them before Neutron is imported.
WSGI_MODULE = """\
import sys

sys.argv = sys.argv[:1]

from neutron.wsgi.api import application  # noqa: E402
"""


class NeutronUnavailable(Exception):
    """Neutron (or MariaDB) could not be installed, prepared or started here."""


free_port = children.free_port


def ensure_venv(venv: str = VENV, specs: tuple[str, ...] = SPECS) -> pathlib.Path:
    """The bin directory of a venv holding Neutron, gunicorn and PyMySQL.

    Created on first use (about 2.5 minutes); concurrent callers wait on a
    lock file while the first one installs.

    Raises:
        NeutronUnavailable: the venv cannot be created or Neutron installed.
    """
    try:
        return children.install_venv(venv, specs)
    except children.InstallFailed as err:
        raise NeutronUnavailable(str(err)) from err


# ---------------------------------------------------------------- template


def _paste(bin_dir: pathlib.Path) -> pathlib.Path:
    return bin_dir.parent / "etc" / "neutron" / "api-paste.ini"


def _write_conf(
    state: pathlib.Path,
    bin_dir: pathlib.Path,
    database: str,
    authtoken: dict[str, str],
    mech: str = MECH_DRIVER,
) -> pathlib.Path:
    conf = state / "neutron.conf"
    conf.write_text(
        CONF.format(
            paste=_paste(bin_dir),
            state=state,
            connection=mariadb.connection_url(database),
            mech=mech,
            authtoken="\n".join(f"{k} = {v}" for k, v in authtoken.items()),
        )
    )
    return conf


def prepare_template(
    directory: pathlib.Path, bin_dir: pathlib.Path | None = None
) -> pathlib.Path:
    """A dump of a migrated Neutron schema, ``neutron.sql``, in ``directory``.

    Migrates a scratch database, dumps it and drops it; made in a scratch
    directory renamed into place when complete, under a lock, so an
    interrupted preparation leaves nothing half-made and a concurrent one
    waits and reuses it. Returns ``directory``.

    Raises:
        NeutronUnavailable: Neutron cannot be used.
        MariaDBUnavailable: MariaDB or its client tools cannot be.
    """
    bin_dir = bin_dir or ensure_venv()
    directory.parent.mkdir(parents=True, exist_ok=True)
    with (directory.parent / f".{directory.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (directory / "neutron.sql").exists():
            return directory
        work = directory.parent / f".{directory.name}.scratch"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        database = f"mogan_neutron_tmpl_{uuid.uuid4().hex[:8]}"
        try:
            mariadb.create_database(database)
            # NOTE: migrations need neither Keystone nor the mech driver.
            conf = _write_conf(work, bin_dir, database, {}, mech="")
            _run(
                [
                    str(bin_dir / "neutron-db-manage"),
                    "--config-file",
                    str(conf),
                    "upgrade",
                    "heads",
                ],
                "neutron-db-manage upgrade heads",
            )
            with (work / "neutron.sql").open("wb") as out:
                _run(
                    [
                        mariadb.client_tool("mariadb-dump", "mysqldump"),
                        *mariadb.client_args(),
                        "--skip-comments",
                        database,
                    ],
                    "dumping the migrated schema",
                    stdout=out,
                )
            (work / "neutron.conf").unlink()
        except (NeutronUnavailable, mariadb.MariaDBUnavailable):
            shutil.rmtree(work, ignore_errors=True)
            raise
        finally:
            mariadb.drop_database(database)
        shutil.rmtree(directory, ignore_errors=True)
        work.rename(directory)
    return directory


def _run(command: list[str], what: str, stdout: Any = None) -> None:
    try:
        subprocess.run(
            command,
            check=True,
            stdout=stdout if stdout is not None else subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=MANAGE_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError) as err:
        detail = getattr(err, "stderr", b"") or b""
        msg = f"{what} failed: {err} {detail[-1500:]!r}"
        raise NeutronUnavailable(msg) from err


def default_template(venv: str = VENV) -> pathlib.Path:
    """Where the prepared template is kept: beside the venv, keyed by its inputs."""
    inputs = "\n".join([*SPECS, CONF])
    key = hashlib.sha256(inputs.encode()).hexdigest()[:12]
    path = pathlib.Path(venv).expanduser()
    return path.parent / f"{path.name}-template-{key}"


def mech_path(state: pathlib.Path) -> str:
    """The ``PYTHONPATH`` on which Neutron finds the test mechanism driver.

    A copy of the package under ``state`` and a ``*.dist-info`` directory
    written from ``mech/pyproject.toml``: Neutron loads mechanism drivers by
    entry point, which Python reads from such directories on its path.
    """
    return children.entry_point_path(MECH, state / "mech")


# ---------------------------------------------------------------- Neutron


class Neutron:
    """One Neutron on its own database, port and state directory."""

    def __init__(
        self,
        state: pathlib.Path,
        template: pathlib.Path,
        keystone: keystone_support.Keystone,
        bin_dir: pathlib.Path | None = None,
        port: int | None = None,
    ) -> None:
        """Load the template into a new database; a service user in ``keystone``.

        Nothing runs yet.

        Raises:
            NeutronUnavailable: Neutron cannot be used.
            MariaDBUnavailable: MariaDB or its client tools cannot be.
        """
        self.bin_dir = bin_dir or ensure_venv()
        self.state = state
        self.keystone = keystone
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = f"mogan_neutron_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        state.mkdir(parents=True, exist_ok=True)
        (state / "locks").mkdir(exist_ok=True)
        mariadb.create_database(self.database, template / "neutron.sql")
        self.conf = _write_conf(
            state, self.bin_dir, self.database, self._authtoken_options()
        )
        (state / "mogan_neutron_wsgi.py").write_text(WSGI_MODULE)
        self.record = state / "ml2-bindings.jsonl"
        self.process = children.Process(
            state, ("gunicorn.stderr", "neutron.log"), NeutronUnavailable, "Neutron"
        )
        self.http = httpx.Client(base_url=self.url, timeout=HTTP_TIMEOUT)

    def _authtoken_options(self) -> dict[str, str]:
        """Neutron's ``[keystone_authtoken]``: its own ``neutron-*`` service user."""
        project = self.keystone.service_user()["project_id"]
        user = self.keystone.create_user(
            f"neutron-{uuid.uuid4().hex[:8]}", password=SERVICE_PASSWORD
        )
        self.keystone.assign(user, "service", project=project)
        options = self.keystone.authtoken_options()
        options.update(username=user.name, password=SERVICE_PASSWORD)
        return options

    # ------------------------------------------------------------ process

    def start(self, timeout: float = START_TIMEOUT) -> float:
        """Start Neutron, register it in the catalog; the seconds it took.

        Raises:
            NeutronUnavailable: it exited or did not answer in time.
        """
        env = dict(
            os.environ,
            OS_NEUTRON_CONFIG_DIR=str(self.state),
            OS_NEUTRON_CONFIG_FILES="neutron.conf",
            PYTHONPATH=mech_path(self.state),
            MOGAN_TEST_ML2_RECORD=str(self.record),
        )
        self.process.spawn(
            children.gunicorn(
                self.bin_dir, self.state, self.port, "mogan_neutron_wsgi:application"
            ),
            env,
        )
        took = self.process.wait(
            lambda: self.http.get("/", timeout=2).status_code == OK, timeout
        )
        self._register()
        return took

    def _register(self) -> None:
        """Add Neutron to Keystone's catalog as service type ``network``."""
        self.keystone.register("network", "neutron", {"public": self.url})

    def stop(self) -> None:
        """Stop Neutron's process group, drop its database, close the client."""
        self.process.stop()
        mariadb.drop_database(self.database)
        self.http.close()

    def log_tail(self, size: int = 3000) -> str:
        """The end of gunicorn's stderr and Neutron's log, for failure messages."""
        return self.process.log_tail(size)

    # ------------------------------------------------------------ API

    def admin_token(self) -> str:
        """The bootstrap admin's token on the ``admin`` project (cached)."""
        return self.keystone.admin_project_token()

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        ok: int = OK,
        token: str | None = None,
    ) -> dict[str, Any]:
        """A Neutron API call (as the admin unless ``token``); the decoded body.

        Raises:
            AssertionError: Neutron answered something other than ``ok``.
        """
        resp = self.http.request(
            method,
            "/v2.0/" + path.lstrip("/"),
            content=None if body is None else json.dumps(body),
            headers={
                "X-Auth-Token": token or self.admin_token(),
                "Content-Type": "application/json",
            },
        )
        if resp.status_code != ok:
            msg = f"{method} {path}: {resp.status_code} {resp.text[:500]}"
            raise AssertionError(msg)
        result: dict[str, Any] = resp.json() if resp.content else {}
        return result

    def bindings(self) -> list[dict[str, Any]]:
        """What the test mechanism driver recorded, oldest first."""
        if not self.record.exists():
            return []
        return [
            json.loads(line)
            for line in self.record.read_text().splitlines()
            if line.strip()
        ]


_SHARED: children.PerProcess[Neutron] = children.PerProcess(
    (
        NeutronUnavailable,
        mariadb.MariaDBUnavailable,
        keystone_support.KeystoneUnavailable,
    )
)


def shared(template_root: pathlib.Path | None = None) -> Neutron:
    """This process's Neutron, on this process's Keystone; stopped at exit.

    Raises:
        NeutronUnavailable: Neutron cannot be installed, prepared or started.
        MariaDBUnavailable: MariaDB cannot be used.
        KeystoneUnavailable: its Keystone cannot be (tried once per process:
            later calls raise the same error at once).
    """

    def build(state: pathlib.Path) -> Neutron:
        keystone = keystone_support.shared()
        bin_dir = ensure_venv()
        mariadb.drop_stale_databases()
        template = prepare_template(template_root or default_template(), bin_dir)
        return Neutron(state / "run", template, keystone, bin_dir)

    return _SHARED.get("neutron", build, Neutron.start, Neutron.stop)


def main() -> None:
    """Install Neutron and make the template now (CI does, before the tests)."""
    started = time.monotonic()
    bin_dir = ensure_venv()
    installed = time.monotonic()
    template = prepare_template(default_template(), bin_dir)
    print(  # noqa: T201 - a command's report
        f"Neutron venv ready in {installed - started:.1f} s, template "
        f"{template} in {time.monotonic() - installed:.1f} s"
    )


if __name__ == "__main__":
    main()
