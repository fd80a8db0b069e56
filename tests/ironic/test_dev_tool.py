"""``tools/ironic-dev``: a local Ironic with nodes, and the config to use it."""

import pathlib
import signal
import subprocess
import sys
import time

import pytest

from mogan.drivers import ironic as ironic_module
from tests import children
from tests.conftest import unavailable
from tests.ironic import support
from tests.ironic.fixtures import make_conf

TOOL = pathlib.Path(__file__).resolve().parents[2] / "tools" / "ironic-dev"


@pytest.mark.services
def test_ironic_dev_serves_nodes_until_interrupted(tmp_path):
    """It prints a working [ironic] section; its nodes are seen; Ctrl-C stops it."""
    try:
        support.ensure_venv()
    except support.IronicUnavailable as err:
        unavailable("Ironic", err)
    port = support.free_port()
    command = [sys.executable, str(TOOL), "--nodes", "2", "--deployed", "1"]
    command += ["--port", str(port), "--state", str(tmp_path / "state")]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 120
        while not any("Ctrl-C stops it" in line for line in lines):
            line = proc.stdout.readline()
            assert line, f"ironic-dev ended early:\n{''.join(lines)}"
            assert time.monotonic() < deadline, "".join(lines)
            lines.append(line)
        text = "".join(lines)
        assert "driver = ironic" in text
        assert f"endpoint_override = http://127.0.0.1:{port}" in text
        conf = make_conf(
            tmp_path, auth_type="none", endpoint_override=f"http://127.0.0.1:{port}"
        )
        driver = ironic_module.IronicDriver(conf)
        nodes = driver.list_nodes()
        assert [n.name for n in nodes if n.consumable] == ["ironic-00", "ironic-01"]
        assert [m.name for m in driver.list_manageable()] == ["deployed-00"]
    finally:
        stopping = time.monotonic()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        proc.stdout.close()
    # NOTE: Ironic takes the SIGTERM at once; with the tool's blocked
    # SIGTERM inherited it would wait out the 10 s before the SIGKILL.
    assert time.monotonic() - stopping < 9


def test_ironic_children_do_not_inherit_a_blocked_sigterm():
    """A child started from a thread blocking SIGTERM (ironic-dev's) gets it."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(30)"],
            preexec_fn=children.child_setup,  # noqa: PLW1509 - what is tested
        )
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    try:
        status = pathlib.Path(f"/proc/{proc.pid}/status").read_text()
        blocked = next(
            int(line.split()[1], 16)
            for line in status.splitlines()
            if line.startswith("SigBlk:")
        )
        assert not blocked & (1 << (signal.SIGTERM - 1))
        proc.terminate()
        assert proc.wait(timeout=5) == -signal.SIGTERM
    finally:
        proc.kill()
        proc.wait()
