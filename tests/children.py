"""What the real-service fixtures (Ironic, Keystone, Glance, Neutron, sushy) share.

Each service runs from a venv of its own, installed once per machine behind
a lock file (pytest-xdist workers wait for the first), as a child process
in its own process group (:class:`Process`) that neither inherits a blocked
SIGTERM nor outlives the test run, and one of each per test process
(:class:`PerProcess`), started on first use and stopped at exit.
"""

import atexit
import contextlib
import ctypes
import fcntl
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar

import httpx

T = TypeVar("T")

INSTALL_TIMEOUT = 900.0
# NOTE: written last: a venv without it (an install cut short) is redone.
STAMP = ".mogan-specs"


class InstallFailed(Exception):
    """The venv could not be created or the packages installed."""


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def install_venv(
    venv: str,
    specs: Sequence[str],
    ready: Callable[[pathlib.Path], bool] | None = None,
) -> pathlib.Path:
    """The bin directory of a venv holding ``specs``, created on first use.

    ``ready(path)`` says an existing venv will do; by default one installed
    from exactly ``specs`` does.

    Raises:
        InstallFailed: the venv cannot be created or ``specs`` installed.
    """
    path = pathlib.Path(venv).expanduser()
    bin_dir = path / "bin"
    stamp = path / STAMP
    wanted = "\n".join(specs)
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / f".{path.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready(path) if ready else stamp.exists() and stamp.read_text() == wanted:
            return bin_dir
        shutil.rmtree(path, ignore_errors=True)
        try:
            for command in (
                [sys.executable, "-m", "venv", str(path)],
                [str(bin_dir / "pip"), "install", "-q", *specs],
            ):
                subprocess.run(
                    command, check=True, capture_output=True, timeout=INSTALL_TIMEOUT
                )
        except (OSError, subprocess.SubprocessError) as err:
            shutil.rmtree(path, ignore_errors=True)
            detail = getattr(err, "stderr", b"") or b""
            msg = (
                f"cannot install {' '.join(specs)} into {path}: {err} {detail[-500:]!r}"
            )
            raise InstallFailed(msg) from err
        stamp.write_text(wanted)
    return bin_dir


def child_setup() -> None:
    """In the child: unblock signals; get SIGTERM when the parent dies."""
    # NOTE: a parent waiting in sigwait() (tools/ironic-dev, tools/redfish-dev)
    # blocks SIGTERM, and a child inherits that mask: stop() would wait for
    # the SIGKILL.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    # NOTE: so a test run killed hard leaves no service behind (Linux only).
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def gunicorn(
    bin_dir: pathlib.Path, state: pathlib.Path, port: int, app: str
) -> list[str]:
    """The command serving the WSGI ``app`` (``module:callable`` in ``state``)."""
    # NOTE: gunicorn 27 opens a control socket in ~/.gunicorn by default,
    # shared by every gunicorn of the user; --no-control-socket turns it off.
    # A long --timeout: a loaded CI machine must not see workers killed.
    return [
        str(bin_dir / "gunicorn"),
        "--chdir",
        str(state),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        "4",
        "--timeout",
        "120",
        "--no-control-socket",
        app,
    ]


class Process:
    """One service's child process: started, awaited, stopped, its logs read.

    ``logs`` are file names in ``state`` whose ends explain a failure; the
    first receives the child's stderr. ``error`` is the service's own
    "unavailable" exception, raised when it exits or never answers.
    """

    def __init__(
        self,
        state: pathlib.Path,
        logs: Sequence[str],
        error: Callable[[str], Exception],
        what: str,
    ) -> None:
        """Nothing runs until :meth:`spawn`."""
        self.state = state
        self.logs = tuple(logs)
        self.error = error
        self.what = what
        self.proc: subprocess.Popen[bytes] | None = None

    def spawn(
        self,
        argv: Sequence[str],
        env: dict[str, str],
        cwd: pathlib.Path | None = None,
        merge_stdout: bool = False,
    ) -> None:
        """Start ``argv`` in a process group of its own, stderr to the first log."""
        with (self.state / self.logs[0]).open("wb") as stderr:
            self.proc = subprocess.Popen(
                list(argv),
                stdout=stderr if merge_stdout else subprocess.DEVNULL,
                stderr=subprocess.STDOUT if merge_stdout else stderr,
                env=env,
                cwd=cwd,
                # NOTE: its own process group, so stop() also ends the
                # workers (and whatever they fork) it starts.
                start_new_session=True,
                preexec_fn=child_setup,  # noqa: PLW1509 - signal mask and prctl only
            )

    def wait(
        self,
        answers: Callable[[], bool],
        timeout: float,
        failed: Callable[[], str | None] = lambda: None,
        interval: float = 0.1,
    ) -> float:
        """Poll ``answers`` until it holds; the seconds since ``spawn``.

        ``failed`` may name a failure seen in the logs before the timeout.

        Raises:
            the service's error: the child exited, ``failed`` said why, or
            it did not answer in ``timeout`` seconds (it is stopped).
        """
        assert self.proc is not None, "spawn first"
        started = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise self.error(
                    f"{self.what} exited with {self.proc.returncode}: {self.log_tail()}"
                )
            with contextlib.suppress(OSError, httpx.TransportError):
                if answers():
                    return time.monotonic() - started
            reason = failed()
            if reason is not None or time.monotonic() - started > timeout:
                tail = self.log_tail()
                self.stop()
                raise self.error(
                    reason or f"{self.what} did not answer in {timeout} s: {tail}"
                )
            time.sleep(interval)

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL what is left after 10 s."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        # NOTE: workers may outlive the launcher for a moment.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    def log_tail(self, size: int = 3000) -> str:
        """The end of each log, for failure messages."""
        text = ""
        for name in self.logs:
            path = self.state / name
            if path.exists():
                text += f"--- {name}\n" + path.read_text(errors="replace")[-size:]
        return text


class PerProcess(Generic[T]):
    """One service per key in this test process: made once, stopped at exit.

    A service that cannot be made is tried once per key: later calls raise
    the same error at once, so a missing service costs one attempt per
    process, not one per test.
    """

    def __init__(self, errors: tuple[type[Exception], ...]) -> None:
        """``errors``: what building or starting may raise (remembered)."""
        self.errors = errors
        self._made: dict[Hashable, T] = {}
        self._failed: dict[Hashable, Exception] = {}
        self._lock = threading.Lock()

    def get(
        self,
        key: Hashable,
        build: Callable[[pathlib.Path], T],
        start: Callable[[T], object],
        stop: Callable[[T], None],
    ) -> T:
        """The service under ``key``, built in a fresh directory and started.

        ``stop`` runs at exit (also after a failed start, so what ``build``
        made outside the directory, a database say, is removed); the
        directory is removed then too.
        """
        with self._lock:
            if key in self._failed:
                raise self._failed[key]
            if key not in self._made:
                state = pathlib.Path(tempfile.mkdtemp(prefix=f"mogan-{key}-"))
                try:
                    service = build(state)
                    atexit.register(_stop_and_remove, stop, service, state)
                    start(service)
                except self.errors as err:
                    shutil.rmtree(state, ignore_errors=True)
                    self._failed[key] = err
                    raise
                self._made[key] = service
            return self._made[key]


def _stop_and_remove(
    stop: Callable[[T], None], service: T, state: pathlib.Path
) -> None:
    stop(service)
    shutil.rmtree(state, ignore_errors=True)


def entry_point_path(source: pathlib.Path, target: pathlib.Path) -> str:
    """A ``PYTHONPATH`` entry holding the package of ``source``, entry points too.

    ``source`` is a directory with a ``pyproject.toml`` and the package; the
    copy goes to ``target`` with a ``*.dist-info`` directory written from
    that file: services load plugins (Ironic's drivers, Neutron's mechanism
    drivers) by entry point, which Python reads from such directories.
    """
    # NOTE: not installed into the service's venv: that venv is shared by
    # every checkout on the machine, each with its own version of the
    # plugin. A copy, not the source directory, so build leftovers there (an
    # egg-info from a pip install) cannot register the entry points twice.
    project = tomllib.loads((source / "pyproject.toml").read_text())["project"]
    name, version = project["name"].replace("-", "_"), project["version"]
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(
        source / name, target / name, ignore=shutil.ignore_patterns("__pycache__")
    )
    info = target / f"{name}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {version}\n"
    )
    lines = []
    for group, entries in project["entry-points"].items():
        lines += [f"[{group}]", *(f"{k} = {v}" for k, v in entries.items()), ""]
    (info / "entry_points.txt").write_text("\n".join(lines))
    return str(target)
