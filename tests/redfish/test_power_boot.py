"""The emulator through sushy: power, boot overrides, virtual media, BootProgress."""

import time

import pytest
import sushy

from tests.redfish import specs

pytestmark = pytest.mark.services


def wait_power(system, state, timeout=10.0):
    """Poll the system until its power state is ``state``; the seconds it took."""
    started = time.monotonic()
    while True:
        system.refresh()
        if system.power_state == state:
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, system.power_state
        time.sleep(0.05)


def test_power_changes_at_once_and_is_listed(redfish):
    """Both systems are listed; On and ForceOff apply immediately by default."""
    root = redfish.sushy()
    systems = redfish.reset()
    paths = [s.path for s in root.get_system_collection().get_members()]
    assert paths == [s.path for s in systems]
    assert redfish.systems() == systems
    system = root.get_system(systems[0].path)
    assert system.power_state == sushy.PowerState.OFF
    system.reset_system(sushy.ResetType.ON)
    system.refresh()
    assert system.power_state == sushy.PowerState.ON
    assert system.boot_progress.last_state == sushy.BootProgressStates.OS_RUNNING
    system.reset_system(sushy.ResetType.FORCE_OFF)
    system.refresh()
    assert system.power_state == sushy.PowerState.OFF
    assert redfish.system(systems[0].uuid)["boot_count"] == 1


def test_power_delay_needs_polling(redfish):
    """With a power delay the change shows only after it, as on real BMCs."""
    [first, _] = redfish.reset(delays={"power": 0.4})
    system = redfish.sushy().get_system(first.path)
    system.reset_system(sushy.ResetType.ON)
    system.refresh()
    assert system.power_state == sushy.PowerState.OFF
    assert 0.2 < wait_power(system, sushy.PowerState.ON) < 5


def test_restart_boots_again_and_out_of_band_power_is_seen(redfish):
    """A ForceRestart boots once more; an out-of-band power off is reported."""
    [first, _] = redfish.reset()
    system = redfish.sushy().get_system(first.path)
    system.reset_system(sushy.ResetType.ON)
    system.reset_system(sushy.ResetType.FORCE_RESTART)
    assert redfish.system(first.uuid)["boot_count"] == 2
    redfish.power_out_of_band(first.uuid, "Off")
    system.refresh()
    assert system.power_state == sushy.PowerState.OFF


def test_scripted_power_failure(redfish):
    """A scripted power fault answers the reset action with an error, once."""
    [first, _] = redfish.reset()
    redfish.fail("power", first.uuid, status=500, message="PSU fault")
    system = redfish.sushy().get_system(first.path)
    with pytest.raises(sushy.exceptions.ServerSideError, match="PSU fault"):
        system.reset_system(sushy.ResetType.ON)
    system.reset_system(sushy.ResetType.ON)
    system.refresh()
    assert system.power_state == sushy.PowerState.ON


def insert_cd(system, url):
    """Insert ``url`` into the system's virtual CD; the medium."""
    for medium in system.virtual_media.get_members():
        if sushy.VirtualMediaType.CD in medium.media_types:
            medium.insert_media(url, inserted=True, write_protected=True)
            medium.refresh()
            return medium
    raise AssertionError("no virtual CD")


def test_boot_once_from_virtual_media(redfish, file_server):
    """Insert an ISO (really downloaded), boot once from CD, then the disk."""
    [first, _] = redfish.reset()
    url = file_server.add_iso("deploy.iso")
    system = redfish.sushy().get_system(first.path)
    medium = insert_cd(system, url)
    assert medium.inserted
    assert medium.image == url
    assert file_server.count("deploy.iso") == 1
    system.set_system_boot_options(
        sushy.BootSource.CD, enabled=sushy.BootSourceOverrideEnabled.ONCE
    )
    system.refresh()
    assert system.boot.target == sushy.BootSource.CD
    assert system.boot.enabled == sushy.BootSourceOverrideEnabled.ONCE
    system.reset_system(sushy.ResetType.ON)
    system.refresh()
    assert system.boot_progress.last_state == sushy.BootProgressStates.OS_RUNNING
    # NOTE: a one-time override is consumed by the boot that used it.
    assert system.boot.enabled == sushy.BootSourceOverrideEnabled.DISABLED
    last = redfish.system(first.uuid)["last_boot"]
    assert last["device"] == "Cd"
    assert last["image"] == url
    system.reset_system(sushy.ResetType.FORCE_RESTART)
    assert redfish.system(first.uuid)["last_boot"]["device"] == "Hdd"
    medium.eject_media()
    medium.refresh()
    assert not medium.inserted
    assert redfish.system(first.uuid)["media"]["Cd"] == {"image": "", "inserted": False}


def test_virtual_media_failures(redfish, file_server):
    """An unreachable image and a scripted insert failure are both refused."""
    [first, _] = redfish.reset()
    system = redfish.sushy().get_system(first.path)
    with pytest.raises(sushy.exceptions.BadRequestError, match="Cannot download"):
        insert_cd(system, file_server.fail("missing.iso", 404))
    redfish.fail("media.insert", first.name, status=500, message="vmedia busy")
    with pytest.raises(sushy.exceptions.ServerSideError, match="vmedia busy"):
        insert_cd(system, file_server.add_iso("ok.iso"))
    assert file_server.count("ok.iso") == 0
    assert insert_cd(system, file_server.add_iso("ok.iso")).inserted


def test_boot_delay_and_hung_boot(redfish, file_server):
    """Booting takes ``boot`` seconds; a scripted boot failure never finishes."""
    [first, second] = redfish.reset()
    redfish.set_delays(boot=0.3)
    root = redfish.sushy()
    system = root.get_system(first.path)
    system.reset_system(sushy.ResetType.ON)
    system.refresh()
    assert system.boot_progress.last_state == sushy.BootProgressStates.OS_BOOT_STARTED
    time.sleep(0.35)
    system.refresh()
    assert system.boot_progress.last_state == sushy.BootProgressStates.OS_RUNNING
    redfish.fail("boot", second.uuid)
    other = root.get_system(second.path)
    other.reset_system(sushy.ResetType.ON)
    time.sleep(0.35)
    other.refresh()
    assert other.power_state == sushy.PowerState.ON
    assert other.boot_progress.last_state == sushy.BootProgressStates.OS_BOOT_STARTED


def test_bmc_without_virtual_media(redfish):
    """A BMC spec without the feature serves no VirtualMedia resource."""
    plain = redfish.add_system(specs.system("plain", features=("bios",)))
    system = redfish.sushy().get_system(plain.path)
    assert "VirtualMedia" not in system.json
    assert "BiosVersion" not in system.json
    with redfish.http() as http:
        assert http.get(f"{plain.path}/VirtualMedia").status_code == 404
