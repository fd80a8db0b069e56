"""A Redfish BMC emulator on loopback (sushy-tools + the team's plugin).

sushy-tools (PyPI ``sushy-tools``) is installed into a virtual environment of
its own on first use, keyed by version (``MOGAN_SUSHY_TOOLS_VENV``, default
``~/.cache/mogan-bench/sushy-tools-<version>-venv``), and started as
``python -m emulator`` from this directory: the team's package
``tests/redfish/emulator`` installs a fake driver with BIOS, firmware and
volumes, sessions, tasks and a CompositionService on the emulator's app,
then runs sushy-tools' ``main()``. The emulator always asks for credentials
(HTTP Basic or a session; ``USERNAME``/``PASSWORD``); TLS is optional (a CA
made per emulator, ``Emulator.verify``).

``shared()`` keeps one emulator per test process (``shared(tls=True)`` a
second one, over HTTPS) and stops it at exit; tests ``reset`` it rather than
restart it (milliseconds). ``tools/redfish-dev`` starts one by hand.

Systems, the composition pool, delays and scripted failures are set through
the emulator's ``/mogan-test/`` side door (``emulator/control.py``); specs
come from ``specs``; files to download from ``files.FileServer``.

What must not live here: pytest, and anything of Mogan (tests check Mogan's
driver against this).
"""

import contextlib
import dataclasses
import os
import pathlib
from typing import Any

import bcrypt
import httpx

from tests import children
from tests.redfish import certs, specs

VERSION = os.environ.get("MOGAN_SUSHY_TOOLS_VERSION", "2.2.0")
SPEC = f"sushy-tools=={VERSION}"
VENV = os.environ.get(
    "MOGAN_SUSHY_TOOLS_VENV", f"~/.cache/mogan-bench/sushy-tools-{VERSION}-venv"
)
HERE = pathlib.Path(__file__).resolve().parent
START_TIMEOUT = 30.0
HTTP_TIMEOUT = 30.0
# NOTE: credentials of a BMC on loopback, for tests only.
USERNAME = "mogan-bmc"
PASSWORD = "mogan-bmc-secret"
DEFAULT_SYSTEMS = (specs.system("bmc-0"), specs.system("bmc-1"))
OK = 200
CREATED = 201
NO_CONTENT = 204

CONF = """\
SUSHY_EMULATOR_LISTEN_IP = '127.0.0.1'
SUSHY_EMULATOR_LISTEN_PORT = {port}
SUSHY_EMULATOR_FAKE_DRIVER = True
SUSHY_EMULATOR_FEATURE_SET = 'full'
SUSHY_EMULATOR_STATE_DIR = {state!r}
SUSHY_EMULATOR_AUTH_FILE = {htpasswd!r}
SUSHY_EMULATOR_FAKE_SYSTEMS = {systems!r}
"""


class EmulatorUnavailable(Exception):
    """The emulator could not be installed or started here."""


@dataclasses.dataclass(frozen=True)
class System:
    """A system the emulator serves."""

    uuid: str
    name: str

    @property
    def path(self) -> str:
        """Its Redfish path (a driver's ``system_id``)."""
        return f"/redfish/v1/Systems/{self.uuid}"


free_port = children.free_port


def ensure_venv(venv: str = VENV, spec: str = SPEC) -> pathlib.Path:
    """The bin directory of a venv holding sushy-tools, created on first use.

    Concurrent callers (pytest-xdist workers) wait on a lock file while the
    first one installs.

    Raises:
        EmulatorUnavailable: the venv cannot be created or sushy-tools installed.
    """
    try:
        return children.install_venv(
            venv, [spec], lambda path: (path / "bin" / "sushy-emulator").exists()
        )
    except children.InstallFailed as err:
        raise EmulatorUnavailable(str(err)) from err


class Emulator:
    """One emulator process on its own state directory and port."""

    def __init__(
        self,
        state: pathlib.Path,
        bin_dir: pathlib.Path | None = None,
        port: int | None = None,
        tls: bool = False,
        systems: tuple[dict[str, Any], ...] = DEFAULT_SYSTEMS,
    ) -> None:
        """Write the configuration (htpasswd, TLS material); nothing runs yet.

        Args:
            state: a directory of its own (configuration, state, log).
            bin_dir: the venv's bin directory (installed when None).
            port: the port (a free one when None).
            tls: serve HTTPS with a certificate from a CA of its own
                (``verify`` is that CA's file).
            systems: the system specs it starts with (``specs.system``).

        Raises:
            EmulatorUnavailable: sushy-tools cannot be installed.
        """
        self.bin_dir = bin_dir or ensure_venv()
        self.state = state
        self.port = port or free_port()
        self.username = USERNAME
        self.password = PASSWORD
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        # NOTE: what a client passes as ``verify`` (sushy, requests, httpx).
        self.verify: str | bool = True
        htpasswd = state / "htpasswd"
        hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
        htpasswd.write_text(f"{USERNAME}:{hashed}\n")
        conf = CONF.format(
            port=self.port,
            state=str(state / "emulator-state"),
            htpasswd=str(htpasswd),
            systems=list(systems),
        )
        if tls:
            ca, cert, key = certs.make_tls(state)
            conf += f"SUSHY_EMULATOR_SSL_CERT = {str(cert)!r}\n"
            conf += f"SUSHY_EMULATOR_SSL_KEY = {str(key)!r}\n"
            self.verify = str(ca)
        self.conf = state / "emulator.conf"
        self.conf.write_text(conf)
        self.process = children.Process(
            state, ("emulator.log",), EmulatorUnavailable, "the emulator"
        )
        self._clients: list[Any] = []
        self.control = httpx.Client(
            base_url=f"{self.url}/mogan-test", timeout=HTTP_TIMEOUT, verify=self.verify
        )

    # ------------------------------------------------------------ process

    def start(self, timeout: float = START_TIMEOUT) -> float:
        """Start the emulator and wait for its service root; the seconds it took.

        Raises:
            EmulatorUnavailable: it exited or did not answer in time.
        """
        tmp = self.state / "tmp"
        tmp.mkdir(exist_ok=True)
        env = dict(
            os.environ,
            PYTHONPATH=str(HERE),
            # NOTE: the emulator downloads virtual media into TMPDIR.
            TMPDIR=str(tmp),
        )
        env.pop("PYTHONHOME", None)
        self.process.spawn(
            [
                str(self.bin_dir / "python"),
                "-m",
                "emulator",
                "--config",
                str(self.conf),
            ],
            env,
            cwd=self.state,
            merge_stdout=True,
        )
        root = f"{self.url}/redfish/v1/"
        return self.process.wait(
            lambda: httpx.get(root, timeout=2, verify=self.verify).status_code == OK,
            timeout,
            interval=0.05,
        )

    def stop(self) -> None:
        """Stop the emulator's process group; close the control client."""
        self.process.stop()
        self.control.close()

    def log_tail(self, size: int = 3000) -> str:
        """The end of the emulator's log, for failure messages."""
        return self.process.log_tail(size)

    # ------------------------------------------------------------ control

    def _call(self, method: str, path: str, body: Any = None, ok: int = OK) -> Any:
        resp = self.control.request(method, path, json=body)
        if resp.status_code != ok:
            msg = f"emulator {method} {path}: {resp.status_code} {resp.text[:500]}"
            raise AssertionError(msg)
        return resp.json() if resp.content else None

    def reset(
        self,
        systems: tuple[dict[str, Any], ...] | list[dict[str, Any]] = DEFAULT_SYSTEMS,
        pool: dict[str, Any] | None = None,
        delays: dict[str, float] | None = None,
    ) -> list[System]:
        """Start over: these systems, this pool, these delays; no faults.

        Also ejects all media and forgets tasks, sessions and the log.
        """
        self.close_clients()
        body = {"systems": list(systems), "pool": pool, "delays": delays or {}}
        self._call("POST", "/reset", body, ok=NO_CONTENT)
        return [System(spec["uuid"], spec["name"]) for spec in systems]

    def add_system(self, spec: dict[str, Any]) -> System:
        """Add a system (``specs.system``)."""
        found = self._call("POST", "/systems", spec, ok=CREATED)
        return System(found["uuid"], found["name"])

    def systems(self) -> list[System]:
        """The systems it serves now (composed ones included), in order."""
        return [System(s["uuid"], s["name"]) for s in self._call("GET", "/systems")]

    def remove_system(self, system_uuid: str) -> None:
        """Remove a system (as if its BMC went away)."""
        self._call("DELETE", f"/systems/{system_uuid}", ok=NO_CONTENT)

    def system(self, system_uuid: str) -> dict[str, Any]:
        """Everything the emulator knows of a system (``emulator/control.py``)."""
        result: dict[str, Any] = self._call("GET", f"/systems/{system_uuid}")
        return result

    def power_out_of_band(self, system_uuid: str, state: str) -> None:
        """Power a system ``On``/``Off`` behind the client's back."""
        self._call(
            "POST", f"/systems/{system_uuid}/power", {"state": state}, ok=NO_CONTENT
        )

    def set_pool(self, pool: dict[str, Any] | None) -> None:
        """Replace the composition pool (``specs.pool``; None: no service)."""
        self._call("PUT", "/pool", pool, ok=NO_CONTENT)

    def pool(self) -> dict[str, Any] | None:
        """Zones, limits and each block's ``state``/``reserved``/``system``."""
        result: dict[str, Any] | None = self._call("GET", "/pool")
        return result

    def fail(
        self,
        action: str,
        system: str | None = None,
        *,
        times: int | None = 1,
        status: int | None = None,
        message: str | None = None,
        method: str | None = None,
        path: str | None = None,
        block: str | None = None,
        after: bool | None = None,
        message_id: str | None = None,
    ) -> None:
        """Script a failure (actions: ``emulator/control.py`` FAULT_ACTIONS).

        Args:
            action: ``power``, ``boot`` (the next boot hangs),
                ``bios.patch``, ``bios.apply`` (the next apply fails),
                ``firmware`` (the task ends in Exception), ``media.insert``,
                ``media.eject``, ``volume.create``, ``volume.delete``,
                ``compose``, ``decompose`` or ``http`` (any request).
            system: only this system (uuid or name); None: any.
            times: how many times it fails (None: until ``clear_faults``).
            status: the HTTP status answered (each action has a default).
            message: the error message.
            method: for ``http``: only this method.
            path: for ``http``: only paths starting with this.
            block: for ``compose``: only compositions of this block.
            after: for ``compose``: the system is made, then the error is
                answered (the response lost).
            message_id: for ``compose``: the error's ``MessageId``.
        """
        given = {
            "system": system,
            "status": status,
            "message": message,
            "method": method,
            "path": path,
            "block": block,
            "after": after,
            "message_id": message_id,
        }
        fault = {"action": action, "times": times}
        fault.update({key: value for key, value in given.items() if value is not None})
        self._call("POST", "/faults", fault, ok=CREATED)

    def clear_faults(self) -> None:
        """Forget every scripted failure."""
        self._call("DELETE", "/faults", ok=NO_CONTENT)

    def set_delays(self, **delays: float) -> None:
        """Seconds that ``power``, ``boot``, ``firmware``, ``compose`` take."""
        self._call("PUT", "/delays", delays, ok=NO_CONTENT)

    def requests(self) -> list[dict[str, Any]]:
        """The Redfish requests served since the last reset, in order.

        Each is ``{"method", "path", "status", "auth"}`` with ``auth`` one of
        ``session``, ``basic``, ``login`` (creating a session), ``none``.
        """
        result: list[dict[str, Any]] = self._call("GET", "/requests")
        return result

    def expire_sessions(self) -> None:
        """End every session (clients must log in again)."""
        self._call("DELETE", "/sessions", ok=NO_CONTENT)

    # ------------------------------------------------------------ clients

    def sushy(self, **options: Any) -> Any:
        """A ``sushy.Sushy`` on this emulator (quick retries, its credentials).

        sushy retries each 5xx ten times 3 s apart by default; tests get one
        retry 0.1 s later (override with ``server_side_retries=...``).
        """
        import sushy  # noqa: PLC0415 - the client, only where a test wants it

        settings: dict[str, Any] = {
            "username": self.username,
            "password": self.password,
            "verify": self.verify,
            "server_side_retries": 1,
            "server_side_retries_delay": 0.1,
            "read_timeout": HTTP_TIMEOUT,
        }
        settings.update(options)
        if "auth" in options:
            settings.pop("username")
            settings.pop("password")
        client = sushy.Sushy(self.url, **settings)
        self._clients.append(client)
        return client

    def close_clients(self) -> None:
        """Log out the sushy clients ``sushy()`` made (``reset`` does this first).

        sushy logs out when a client is garbage-collected, which could
        otherwise land in a later test's request log, after the reset that
        ended its session.
        """
        clients, self._clients = self._clients, []
        for client in clients:
            auth, client._auth = client._auth, None
            if auth is not None:
                with contextlib.suppress(Exception):
                    auth.close()

    def http(self) -> httpx.Client:
        """A plain HTTP client on the Redfish API (Basic auth, JSON)."""
        return httpx.Client(
            base_url=self.url,
            auth=(self.username, self.password),
            verify=self.verify,
            timeout=HTTP_TIMEOUT,
        )


_SHARED: children.PerProcess[Emulator] = children.PerProcess((EmulatorUnavailable,))


def shared(tls: bool = False) -> Emulator:
    """This process's emulator (one over HTTP, one over HTTPS), started once.

    Stopped when the process exits. Tests reset it (``Emulator.reset``).

    Raises:
        EmulatorUnavailable: it cannot be installed or started (tried once
            per process: later calls raise the same error at once).
    """
    return _SHARED.get(
        f"redfish-tls-{tls}",
        lambda state: Emulator(state, tls=tls),
        Emulator.start,
        Emulator.stop,
    )
