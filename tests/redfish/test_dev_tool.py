"""``tools/redfish-dev``: a local Redfish service, and what to give Mogan."""

import hashlib
import pathlib
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest
import sushy

from tests.conftest import unavailable
from tests.redfish import files, support, sushy_composition

TOOL = pathlib.Path(__file__).resolve().parents[2] / "tools" / "redfish-dev"


@pytest.mark.services
def test_redfish_dev_serves_systems_and_a_pool_until_interrupted(tmp_path):
    """It prints working credentials and paths; its pool composes; Ctrl-C stops it."""
    try:
        support.ensure_venv()
    except support.EmulatorUnavailable as err:
        unavailable("Redfish emulator (sushy-tools)", err)
    port = support.free_port()
    command = [sys.executable, str(TOOL), "--systems", "2", "--port", str(port)]
    command += ["--blocks", "zone-a:compute=2,gpu=1", "--state", str(tmp_path / "s")]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 120
        while not any("Ctrl-C stops it" in line for line in lines):
            line = proc.stdout.readline()
            assert line, f"redfish-dev ended early:\n{''.join(lines)}"
            assert time.monotonic() < deadline, "".join(lines)
            lines.append(line)
        text = "".join(lines)
        # NOTE: the printed enrolment commands carry what Mogan needs.
        found = re.search(
            r"MOGAN_BMC_PASSWORD=(\S+) mogan node create redfish-00 --driver redfish "
            r".*--bmc-address (\S+) --bmc-system-id (\S+) --bmc-username (\S+)",
            text,
        )
        assert found, text
        password, address, system_id, username = found.groups()
        assert address == f"http://127.0.0.1:{port}"
        assert "mogan node create redfish-01" in text
        root = sushy.Sushy(
            address,
            username=username,
            password=password,
            verify=False,
            server_side_retries=1,
            server_side_retries_delay=0.1,
        )
        assert root.get_system(system_id).name == "redfish-00"
        assert len(root.get_system_collection().members_identities) == 2
        blocks = [b.identity for b in sushy_composition.resource_blocks(root)]
        assert blocks == ["zone-a-compute-0", "zone-a-compute-1", "zone-a-gpu-0"]
        iso = re.search(r"ISO for virtual media: (\S+)", text).group(1)
        assert httpx.get(iso, timeout=10).content[32769:32774] == b"CD001"
        installer = re.search(r"an installer ISO: (\S+)", text).group(1)
        assert f"installer_iso_url = {installer}" in text
        label = httpx.get(installer, timeout=10).content[32808:32840]
        assert label.decode().strip() == files.INSTALLER_LABEL
        disk, checksum = re.search(
            r"mogan image create demo-disk --url (\S+) --disk-format raw "
            r"--checksum sha256:(\S+)",
            text,
        ).groups()
        assert hashlib.sha256(httpx.get(disk, timeout=10).content).hexdigest() == (
            checksum
        )
        del root
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        proc.stdout.close()
