"""The emulator through sushy: BIOS settings and registry, firmware updates."""

import time

import pytest
import sushy
from sushy.resources import settings

from tests.redfish import specs

pytestmark = pytest.mark.services


def test_bios_read_with_registry(redfish):
    """Attributes and the attribute registry sushy resolves from the Bios."""
    [first, _] = redfish.reset()
    bios = redfish.sushy().get_system(first.path).bios
    assert bios.attributes["BootMode"] == "Uefi"
    assert bios.attributes["SystemServiceTag"] == "BMC-0"
    assert bios.attributes["AdminPassword"] is None
    assert set(bios.supported_apply_times) == {
        sushy.ApplyTime.ON_RESET,
        sushy.ApplyTime.IMMEDIATE,
    }
    registry = bios.get_attribute_registry()
    entries = {a.name: a for a in registry.registry_entries.attributes}
    assert set(entries) == set(bios.attributes)
    delay = entries["AcPwrRcvryUserDelay"]
    assert (delay.attribute_type, delay.lower_bound, delay.upper_bound) == (
        "Integer",
        60,
        240,
    )
    assert entries["SystemServiceTag"].read_only
    assert [v["ValueName"] for v in entries["BootMode"].allowable_values] == [
        "Uefi",
        "Bios",
    ]


def test_bios_settings_apply_at_reset(redfish):
    """A setting stays pending until the system restarts, then it is current."""
    [first] = redfish.reset(systems=[specs.system("bmc-0", power_state="On")])
    system = redfish.sushy().get_system(first.path)
    bios = system.bios
    bios.set_attributes({"ProcTurboMode": "Disabled", "AcPwrRcvryUserDelay": 120})
    assert bios.pending_attributes == {
        "ProcTurboMode": "Disabled",
        "AcPwrRcvryUserDelay": 120,
    }
    bios.refresh()
    assert bios.attributes["ProcTurboMode"] == "Enabled"
    assert bios.update_status.status == settings.NO_UPDATES
    system.reset_system(sushy.ResetType.FORCE_RESTART)
    bios.refresh()
    assert bios.attributes["ProcTurboMode"] == "Disabled"
    assert bios.attributes["AcPwrRcvryUserDelay"] == 120
    assert bios.update_status.status == settings.UPDATE_SUCCESS
    bios.invalidate()
    assert system.bios.pending_attributes == {}


@pytest.mark.parametrize(
    ("attributes", "message_id"),
    [
        ({"NoSuchThing": "x"}, "PropertyUnknown"),
        ({"ProcTurboMode": "Sometimes"}, "PropertyValueNotInList"),
        ({"AcPwrRcvryUserDelay": 10}, "PropertyValueNotInList"),
        ({"AcPwrRcvryUserDelay": "120"}, "PropertyValueTypeError"),
        ({"SystemServiceTag": "X"}, "PropertyNotWritable"),
        ({"AssetTag": "x" * 17}, "StringValueTooLong"),
    ],
)
def test_bios_refuses_what_the_registry_does_not_allow(redfish, attributes, message_id):
    """Bad settings get 400 with the standard message; nothing is queued."""
    [first, _] = redfish.reset()
    bios = redfish.sushy().get_system(first.path).bios
    with pytest.raises(sushy.exceptions.BadRequestError) as raised:
        bios.set_attributes(attributes)
    assert raised.value.code == f"Base.1.4.0.{message_id}"
    assert redfish.system(first.uuid)["bios_pending"] == {}


def test_bios_apply_failure_is_reported(redfish):
    """A scripted apply failure: attributes unchanged, the failure in the status."""
    [first, _] = redfish.reset()
    redfish.fail("bios.apply", first.uuid, message="BIOS job JID_1 failed")
    system = redfish.sushy().get_system(first.path)
    system.bios.set_attributes({"SriovGlobalEnable": "Enabled"})
    system.reset_system(sushy.ResetType.ON)
    bios = system.bios
    bios.refresh()
    assert bios.attributes["SriovGlobalEnable"] == "Disabled"
    status = bios.update_status
    assert status.status == settings.UPDATE_FAILURE
    assert "BIOS job JID_1 failed" in status.messages[0].message
    assert redfish.system(first.uuid)["bios_pending"] == {}


def test_bios_immediate_apply_and_reset_to_defaults(redfish):
    """``ApplyTime: Immediate`` applies at once; ResetBios pends the defaults."""
    [first] = redfish.reset(
        systems=[specs.system("bmc-0", bios={"MemTest": "Enabled"})]
    )
    system = redfish.sushy().get_system(first.path)
    bios = system.bios
    assert bios.attributes["MemTest"] == "Enabled"
    bios.set_attributes({"BootMode": "Bios"}, apply_time=sushy.ApplyTime.IMMEDIATE)
    bios.refresh()
    assert bios.attributes["BootMode"] == "Bios"
    bios.reset_bios()
    system.reset_system(sushy.ResetType.ON)
    bios.refresh()
    assert bios.attributes["BootMode"] == "Uefi"
    assert bios.attributes["MemTest"] == "Disabled"


def wait_task(root, monitor, timeout=10.0):
    """Poll the update's Task until it leaves the running states; the Task."""
    deadline = time.monotonic() + timeout
    while True:
        task = monitor.get_task()
        if task.task_state not in {
            sushy.TaskState.NEW,
            sushy.TaskState.RUNNING,
            sushy.TaskState.STARTING,
            sushy.TaskState.PENDING,
        }:
            return task
        assert time.monotonic() < deadline, task.task_state
        time.sleep(0.05)


def test_firmware_update_changes_the_bios_version(redfish, file_server):
    """SimpleUpdate downloads the image, runs as a task, and flashes its version."""
    [first, _] = redfish.reset()
    redfish.set_delays(firmware=0.2)
    root = redfish.sushy()
    url = file_server.add("firmware/bios-2.4.1.bin", b"\x00" * 1024)
    monitor = root.get_update_service().simple_update(url, targets=[first.path])
    # NOTE: sushy follows the Task's @odata.id, which answers 200 while the
    # task runs: the state is in the Task, not in is_processing.
    assert monitor.task.task_state == sushy.TaskState.RUNNING
    task = wait_task(root, monitor)
    assert task.task_state == sushy.TaskState.COMPLETED
    assert task.task_status == sushy.Health.OK
    assert file_server.count("firmware/bios-2.4.1.bin") == 1
    system = root.get_system(first.path)
    assert system.bios_version == "2.4.1"
    inventory = {
        item.identity: item.version
        for item in root.get_update_service().firmware_inventory.get_members()
    }
    assert inventory[f"{first.uuid}-BIOS"] == "2.4.1"
    assert inventory[f"{first.uuid}-BMC"] == "1.00"


def test_firmware_update_of_the_bmc(redfish, file_server):
    """A manager target flashes the BMC firmware."""
    [first, _] = redfish.reset()
    root = redfish.sushy()
    url = file_server.add("bmc-3.10.bin", b"bmc")
    monitor = root.get_update_service().simple_update(
        url, targets=[f"/redfish/v1/Managers/{first.uuid}"]
    )
    assert wait_task(root, monitor).task_state == sushy.TaskState.COMPLETED
    assert (
        root.get_manager(f"/redfish/v1/Managers/{first.uuid}").firmware_version
        == "3.10"
    )
    assert root.get_system(first.path).bios_version == "1.0.0"


def test_firmware_update_failures(redfish, file_server):
    """A missing image or a scripted failure end the task in Exception."""
    [first, _] = redfish.reset()
    root = redfish.sushy()
    update = root.get_update_service()
    missing = file_server.fail("bios-9.9.bin", 404)
    task = wait_task(root, update.simple_update(missing, targets=[first.path]))
    assert task.task_state == sushy.TaskState.EXCEPTION
    assert "HTTP 404" in task.messages[0].message
    redfish.fail("firmware", first.uuid, message="flash verify failed")
    url = file_server.add("bios-9.9.bin", b"bios")
    task = wait_task(root, update.simple_update(url, targets=[first.path]))
    assert task.task_state == sushy.TaskState.EXCEPTION
    assert "flash verify failed" in task.messages[0].message
    assert root.get_system(first.path).bios_version == "1.0.0"
    with pytest.raises(sushy.exceptions.BadRequestError):
        update.simple_update(url, targets=["/redfish/v1/Chassis/nope"])


def test_bmc_without_bios_or_firmware(redfish):
    """A BMC spec without those features has no Bios and no inventory entries."""
    plain = redfish.add_system(specs.system("plain", features=("virtual_media",)))
    root = redfish.sushy()
    system = root.get_system(plain.path)
    with pytest.raises(sushy.exceptions.MissingAttributeError):
        _ = system.bios
    members = root.get_update_service().firmware_inventory.members_identities
    assert not [m for m in members if plain.uuid in m]
