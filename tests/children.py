"""What the real-service fixtures (Ironic, Keystone, sushy-tools) share.

Each service runs from a venv of its own, installed once per machine behind
a lock file (pytest-xdist workers wait for the first), as a child process
that neither inherits a blocked SIGTERM nor outlives the test run.
"""

import contextlib
import ctypes
import fcntl
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Sequence

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
