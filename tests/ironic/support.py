"""A real standalone Ironic (PyPI ``ironic``) on loopback, for tests and tools.

Ironic runs as its all-in-one ``ironic`` process (API and conductor in one,
``noauth``, ``rpc_transport = none``, SQLite, the ``fake-hardware`` type with
fake interfaces) from a virtual environment of its own, created on first use
under a cache directory (``MOGAN_IRONIC_VENV``, default the benchmarks' one,
so both share one install). Our own Ironic plugin (``plugin/``, the
``mogan-fake-hardware`` type whose RAID, BIOS and firmware steps apply
something) is copied from this checkout into the state directory and put on
Ironic's ``PYTHONPATH``, not installed into that shared venv
(``hardware.plugin_path``).

``shared()`` keeps one Ironic per process for the test session and stops it
at exit; ``tools/ironic-dev`` starts one by hand.

Nodes are enrolled through the API the way an operator would: create (with a
resource class and properties), traits, ports, ``manage``, ``provide``, and a
power action so the power state is known.

Failures are injected with Ironic's own features (``faults``).

What must not live here: pytest (``tools/ironic-dev`` imports this module)
and anything of Mogan's driver (tests check the driver against this).
"""

import os
import pathlib
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Generator, Mapping
from typing import Any

import httpx

from tests import children
from tests.ironic import faults, hardware

SPEC = os.environ.get("MOGAN_IRONIC_SPEC", "ironic")
VENV = os.environ.get("MOGAN_IRONIC_VENV", "~/.cache/mogan-bench/ironic-venv")
HEADERS = {"X-OpenStack-Ironic-API-Version": "latest"}
START_TIMEOUT = 60.0
CREATED = 201
ACCEPTED = 202
NO_CONTENT = 204
OK = 200
CONFLICT = 409
LOCKED_PATIENCE = 10.0

CONF = """\
[DEFAULT]
auth_strategy = {auth_strategy}
graceful_shutdown_timeout = 5
rpc_transport = none
host = mogan-test-conductor
log_file = {state}/ironic.log
enabled_hardware_types = fake-hardware,ipmi,mogan-fake-hardware
enabled_bios_interfaces = fake,no-bios,mogan-fake
enabled_boot_interfaces = fake,pxe
enabled_console_interfaces = fake,no-console,ipmitool-socat
enabled_deploy_interfaces = fake,ramdisk
enabled_firmware_interfaces = fake,no-firmware,mogan-fake
enabled_inspect_interfaces = fake,no-inspect
enabled_management_interfaces = fake,ipmitool
enabled_network_interfaces = noop
enabled_power_interfaces = fake,ipmitool
enabled_raid_interfaces = fake,no-raid,mogan-fake
enabled_rescue_interfaces = fake,no-rescue
enabled_storage_interfaces = fake,noop
enabled_vendor_interfaces = fake,no-vendor
default_network_interface = noop
{auth_options}
[api]
host_ip = 127.0.0.1
port = {port}
api_workers = 1
[database]
connection = sqlite:///{state}/ironic.sqlite
[dhcp]
dhcp_provider = none
[console]
socat_address = 127.0.0.1
[conductor]
automated_clean = false
# NOTE: a locked node answers 409 at once (the 409 tests lock one by hand)
# instead of after three one-second attempts.
node_locked_retry_attempts = 1
node_locked_retry_interval = 0
# NOTE: a node may name its own cleaning runbook (driver_info); the clean
# failure tests give one a step that fails.
automated_cleaning_step_source = hybrid
automated_cleaning_runbook_from_node = true
automated_cleaning_runbook_validate_traits = false
sync_power_state_interval = 0
[oslo_concurrency]
lock_path = {state}/locks
"""


class IronicUnavailable(Exception):
    """Ironic could not be installed or started here."""


free_port = children.free_port


def ensure_venv(venv: str = VENV, spec: str = SPEC) -> pathlib.Path:
    """The bin directory of a venv holding Ironic, created on first use.

    Concurrent callers (pytest-xdist workers) wait on a lock file while the
    first one installs.

    Raises:
        IronicUnavailable: the venv cannot be created or Ironic installed.
    """
    try:
        return children.install_venv(
            venv, [spec], lambda path: (path / "bin" / "ironic").exists()
        )
    except children.InstallFailed as err:
        raise IronicUnavailable(str(err)) from err


# NOTE: there is no BMC here. This stands in for ipmitool on Ironic's PATH:
# it answers the option probes Ironic makes at start, and the serial-over-LAN
# session socat runs when a client connects to a node's console prints a
# prompt and echoes what it is sent.
IPMITOOL = """#!/bin/sh
for arg in "$@"; do
    if [ "$arg" = activate ]; then
        echo "[SOL Session operational.  Use ~? for help]"
        echo "mogan-test login: "
        exec cat
    fi
done
exit 0
"""


class _TokenAuth(httpx.Auth):
    """``X-Auth-Token`` from a callable on every request."""

    def __init__(self, token: Callable[[], str]) -> None:
        self.token = token

    def auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["X-Auth-Token"] = self.token()
        yield request


class Ironic(faults.Faults, hardware.Hardware):
    """One all-in-one Ironic process on its own state directory and port."""

    def __init__(
        self,
        state: pathlib.Path,
        bin_dir: pathlib.Path | None = None,
        http_basic: tuple[str, str] | None = None,
        port: int | None = None,
        extra_conf: str = "",
        authtoken: Mapping[str, str] | None = None,
        token: Callable[[], str] | None = None,
    ) -> None:
        """Write the configuration and create the schema; nothing runs yet.

        Args:
            state: a directory of its own (configuration, database, log).
            bin_dir: the venv's bin directory (installed when None).
            http_basic: ``(user, password)`` to require HTTP basic auth
                instead of ``noauth``.
            port: the API's port (a free one when None).
            extra_conf: more ``ironic.conf`` text (``[fake]`` delays ...).
            authtoken: a ``[keystone_authtoken]`` section: Ironic validates
                Keystone tokens (``auth_strategy = keystone``, its new RBAC
                defaults, and a ``service`` role holder in the ``service``
                project acting as a system member:
                ``rbac_service_role_elevated_access``).
            token: with ``authtoken``, what this object's own calls send as
                ``X-Auth-Token`` (a system admin's token, say).

        Raises:
            IronicUnavailable: Ironic cannot be installed or its schema made.
        """
        self.bin_dir = bin_dir or ensure_venv()
        self.state = state
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.auth = http_basic
        (state / "locks").mkdir(parents=True, exist_ok=True)
        # NOTE: [DEFAULT] options of the chosen auth strategy.
        auth = ""
        strategy = "noauth"
        if http_basic:
            htpasswd = state / "htpasswd"
            htpasswd.write_text(_htpasswd_line(*http_basic))
            auth = f"http_basic_auth_user_file = {htpasswd}"
            strategy = "http_basic"
        if authtoken is not None:
            strategy = "keystone"
            auth = "rbac_service_role_elevated_access = true"
            extra_conf += "\n[keystone_authtoken]\n" + "".join(
                f"{key} = {value}\n" for key, value in authtoken.items()
            )
        self.conf = state / "ironic.conf"
        self.conf.write_text(
            CONF.format(
                state=state, port=self.port, auth_strategy=strategy, auth_options=auth
            )
            + extra_conf
        )
        self.process = children.Process(
            state, ("ironic.stderr", "ironic.log"), IronicUnavailable, "ironic"
        )
        self.http = httpx.Client(
            base_url=self.url,
            headers=HEADERS,
            timeout=60,
            auth=_TokenAuth(token) if token is not None else http_basic,
        )
        self._lock = threading.Lock()
        try:
            subprocess.run(
                [
                    str(self.bin_dir / "ironic-dbsync"),
                    "--config-file",
                    str(self.conf),
                    "create_schema",
                ],
                check=True,
                capture_output=True,
                timeout=START_TIMEOUT,
            )
        except (OSError, subprocess.SubprocessError) as err:
            raise IronicUnavailable(f"ironic-dbsync failed: {err}") from err

    # ------------------------------------------------------------ process

    def start(self, timeout: float = START_TIMEOUT) -> float:
        """Start Ironic and wait for its API; the seconds it took.

        Raises:
            IronicUnavailable: it exited or did not answer in time.
        """
        tools = self.state / "bin"
        tools.mkdir(exist_ok=True)
        (tools / "ipmitool").write_text(IPMITOOL)
        (tools / "ipmitool").chmod(0o755)
        env = dict(
            os.environ,
            PATH=f"{tools}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            PYTHONPATH=hardware.plugin_path(self.state),
        )
        # NOTE: its own process group also holds the API and conductor
        # workers and the console (socat) processes it forks.
        self.process.spawn(
            [str(self.bin_dir / "ironic"), "--config-file", str(self.conf)], env
        )
        return self.process.wait(
            lambda: self.http.get("/v1/nodes", params={"limit": 1}).status_code == OK,
            timeout,
            failed=self._failed_to_start,
        )

    def _failed_to_start(self) -> str | None:
        # NOTE: a conductor that cannot load its drivers is restarted
        # forever while the API never answers: fail at the first error.
        log = self.state / "ironic.log"
        if log.exists() and " ERROR " in log.read_text(errors="replace"):
            return f"Ironic failed to start: {self.log_tail()}"
        return None

    def stop(self) -> None:
        """Stop Ironic's process group (SIGTERM, then SIGKILL); close the client."""
        self.process.stop()
        self.http.close()

    def log_tail(self, size: int = 3000) -> str:
        """The end of Ironic's stderr and log, for failure messages."""
        return self.process.log_tail(size)

    # ------------------------------------------------------------ API

    def call(self, method: str, path: str, body: Any = None, ok: int = OK) -> Any:
        """An API call that must answer ``ok``; the decoded body (or None).

        Raises:
            AssertionError: Ironic answered something else.
        """
        deadline = time.monotonic() + LOCKED_PATIENCE
        resp = self.http.request(method, path, json=body)
        # NOTE: the conductor may still hold the node's lock for a moment
        # after an operation ends, and this Ironic answers 409 at once.
        while (
            resp.status_code == CONFLICT
            and "is locked by host" in resp.text
            and time.monotonic() < deadline
        ):
            time.sleep(0.02)
            resp = self.http.request(method, path, json=body)
        if resp.status_code != ok:
            msg = f"{method} {path}: {resp.status_code} {resp.text[:500]}"
            raise AssertionError(msg)
        return resp.json() if resp.content else None

    def node(self, node: str) -> dict[str, Any]:
        """The node as Ironic shows it."""
        result: dict[str, Any] = self.call("GET", f"/v1/nodes/{node}")
        return result

    def wait(self, node: str, field: str, value: Any, timeout: float = 30) -> None:
        """Poll the node until ``field`` is ``value``.

        Raises:
            AssertionError: it never was within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while (got := self.node(node))[field] != value:
            if time.monotonic() > deadline:
                msg = f"node {node}: {field} is {got[field]!r}, not {value!r}"
                raise AssertionError(msg)
            time.sleep(0.02)

    def provision(self, node: str, target: str, state: str, **body: Any) -> None:
        """Move the node through ``target`` and wait for ``state``."""
        self.call(
            "PUT",
            f"/v1/nodes/{node}/states/provision",
            {"target": target, **body},
            ok=ACCEPTED,
        )
        self.wait(node, "provision_state", state)

    def power(self, node: str, target: str) -> None:
        """Set the power state and wait for it."""
        self.call(
            "PUT", f"/v1/nodes/{node}/states/power", {"target": target}, ok=ACCEPTED
        )
        self.wait(node, "target_power_state", None)

    def create(
        self,
        name: str | None = None,
        resource_class: str | None = "baremetal",
        traits: tuple[str, ...] = (),
        ports: tuple[str, ...] = (),
        properties: dict[str, Any] | None = None,
        driver: str = "fake-hardware",
        **fields: Any,
    ) -> str:
        """Create a node (state ``enroll``) with traits and ports; its uuid.

        ``driver`` is the hardware type: ``hardware.MOGAN_FAKE`` for one
        whose RAID, BIOS and firmware steps apply something.
        """
        node_uuid = str(uuid.uuid4())
        body = {
            "uuid": node_uuid,
            "name": name or f"node-{node_uuid[:8]}",
            "driver": driver,
            "properties": properties or {"cpus": 8, "memory_mb": 16384},
            **fields,
        }
        if resource_class:
            body["resource_class"] = resource_class
        self.call("POST", "/v1/nodes", body, ok=CREATED)
        if traits:
            self.call(
                "PUT",
                f"/v1/nodes/{node_uuid}/traits",
                {"traits": list(traits)},
                ok=NO_CONTENT,
            )
        for mac in ports:
            self.call(
                "POST",
                "/v1/ports",
                {"node_uuid": node_uuid, "address": mac},
                ok=CREATED,
            )
        return node_uuid

    def enroll(self, power: str = "power on", **spec: Any) -> str:
        """Create a node and make it ``available`` with a known power state.

        ``spec`` is passed to ``create``; the node ends ``power on`` by
        default (Ironic's fake deploy does not power nodes on).
        """
        node_uuid = self.create(**spec)
        self.provision(node_uuid, "manage", "manageable")
        self.provision(node_uuid, "provide", "available")
        self.power(node_uuid, power)
        return node_uuid

    def enroll_deployed(
        self, image: str = "http://images.example.org/x.raw", **spec: Any
    ) -> str:
        """A node deployed outside Mogan: adopted by Ironic, active, no instance."""
        node_uuid = self.create(**spec)
        self.provision(node_uuid, "manage", "manageable")
        self.call(
            "PATCH",
            f"/v1/nodes/{node_uuid}",
            [{"op": "add", "path": "/instance_info/image_source", "value": image}],
        )
        self.provision(node_uuid, "adopt", "active")
        self.power(node_uuid, "power on")
        return node_uuid

    def create_console_node(self) -> tuple[str, int]:
        """A node whose serial console is real (socat); its uuid and TCP port.

        The ``ipmi`` hardware type with the ``ipmitool-socat`` console (the
        fake hardware's console gives no URL). It stays in ``enroll``: only
        its console is used.
        """
        port = free_port()
        node_uuid = str(uuid.uuid4())
        self.call(
            "POST",
            "/v1/nodes",
            {
                "uuid": node_uuid,
                "name": f"console-{node_uuid[:8]}",
                "driver": "ipmi",
                "resource_class": "baremetal",
                "boot_interface": "pxe",
                "deploy_interface": "ramdisk",
                "console_interface": "ipmitool-socat",
                "driver_info": {
                    "ipmi_address": "127.0.0.1",
                    "ipmi_username": "admin",
                    "ipmi_password": "secret",
                    "ipmi_terminal_port": port,
                },
            },
            ok=CREATED,
        )
        return node_uuid, port


def _htpasswd_line(user: str, password: str) -> str:
    """An htpasswd line with a bcrypt hash (what Ironic's http_basic reads)."""
    import bcrypt  # noqa: PLC0415 - only for the http_basic variant

    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    return f"{user}:{hashed}\n"


_SHARED: children.PerProcess[Ironic] = children.PerProcess((IronicUnavailable,))


def shared() -> Ironic:
    """This process's Ironic (noauth), started on first use, stopped at exit.

    Raises:
        IronicUnavailable: Ironic cannot be installed or started (tried once
            per process: later calls raise the same error at once).
    """
    return _SHARED.get("ironic", Ironic, Ironic.start, Ironic.stop)
