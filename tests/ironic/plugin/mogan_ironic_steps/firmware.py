"""The ``mogan-fake`` firmware interface: an update step that records versions.

Deploy and clean step ``update(settings)``, ``settings`` a list of
``{"component", "url"}`` checked with the Redfish firmware interface's own
schema (``bios``, ``bmc`` or ``nic:<id>``). Each component's row in
Ironic's firmware table (``GET /v1/nodes/{id}/firmware``) gets
``current_version`` and ``last_version_flashed`` from the URL's file name,
keeping its ``initial_version``; a component without a row gets one (its
initial version is then the one flashed).

The version (the rule): the last dotted number in the file name
(``.../bios-2.19.1.bin`` → ``2.19.1``), else the file name without its
extension.
"""

import pathlib
import re
import urllib.parse
from typing import Any

from ironic.common import exception
from ironic.drivers import base
from ironic.drivers.modules import fake
from ironic.drivers.modules.redfish import firmware_utils
from ironic.objects import firmware as firmware_objects

from mogan_ironic_steps import common

SETTINGS_ARGSINFO = {
    "settings": {
        "description": "Firmware to flash: a list of {component, url}.",
        "required": True,
    },
}
DOTTED = re.compile(r"\d+(?:\.\d+)+")


class MoganFakeFirmware(fake.FakeFirmware):
    """Fake firmware whose update step records the versions flashed."""

    @base.deploy_step(priority=0, argsinfo=SETTINGS_ARGSINFO)
    @base.clean_step(priority=0, argsinfo=SETTINGS_ARGSINFO, requires_ramdisk=False)
    def update(self, task: Any, settings: list[dict[str, Any]]) -> None:
        """Record each component's new version (see the module docstring)."""
        common.check_failure(task, "firmware", "update")
        firmware_utils.validate_firmware_interface_update_args(settings)
        for item in settings:
            _flash(task, item["component"], version_of(item["url"]))


def version_of(url: str) -> str:
    """The firmware version a URL's file name carries (see the docstring)."""
    name = pathlib.PurePosixPath(urllib.parse.urlparse(url).path).name
    found = DOTTED.findall(name)
    return found[-1] if found else (pathlib.PurePosixPath(name).stem or url)


def _flash(task: Any, component: str, version: str) -> None:
    """Update (or create) the component's row with ``version``."""
    node = task.node
    try:
        row = firmware_objects.FirmwareComponent.get(task.context, node.id, component)
    except exception.FirmwareComponentNotFound:
        row = firmware_objects.FirmwareComponent(
            task.context,
            node_id=node.id,
            component=component,
            current_version=version,
            last_version_flashed=version,
        )
        row.create()
        return
    row.current_version = version
    row.last_version_flashed = version
    row.save()
