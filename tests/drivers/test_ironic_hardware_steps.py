"""What the Ironic driver asks Ironic for: deploy steps, RAID volumes, restores.

Pure translations (no Ironic): the request's sections as explicit deploy
steps in the order and priorities that put the volumes before the image,
Mogan's volumes in Ironic's ``target_raid_config`` form, the failed step
named from Ironic's ``last_error``, and the clean steps that undo a
deploy per ``[hardware] restore_bios``. Against a real Ironic they are
exercised by the conformance suite and tests/ironic.
"""

from mogan.drivers import hardware as hw
from mogan.drivers import ironic_hardware, ironic_restore

REQUEST = hw.HardwareRequest(
    raid=(
        hw.LogicalDisk("1", 100, is_root_volume=True, disk_type="nvme"),
        hw.LogicalDisk("5", None, name="data", disk_type="hdd", controller="RAID.1"),
    ),
    bios=(hw.BiosSetting("SriovGlobalEnable", "Enabled"),),
    firmware=(hw.FirmwareUpdate("bios", "http://fw/bios-2.1.bin", "sha256:ab"),),
    bonds=(hw.Bond("bond0", "802.3ad", ("aa", "bb")),),
)


def test_steps_run_before_the_image_firmware_first():
    """Priorities above deploy.deploy's 100, firmware > raid > bios; no bond step."""
    steps = ironic_hardware.deploy_steps(REQUEST)
    assert [(s["interface"], s["step"], s["priority"]) for s in steps] == [
        ("firmware", "update", 130),
        ("raid", "apply_configuration", 120),
        ("bios", "apply_configuration", 110),
    ]
    assert steps[0]["args"] == {
        "settings": [{"component": "bios", "url": "http://fw/bios-2.1.bin"}]
    }
    assert steps[2]["args"] == {
        "settings": [{"name": "SriovGlobalEnable", "value": "Enabled"}]
    }
    assert steps[1]["args"]["delete_existing"] is True


def test_volumes_in_ironic_form():
    """MAX for no size, volume_name, Ironic's disk types (NVMe is solid state)."""
    assert [ironic_hardware.logical_disk(d) for d in REQUEST.raid] == [
        {
            "size_gb": 100,
            "raid_level": "1",
            "is_root_volume": True,
            "disk_type": "ssd",
        },
        {
            "size_gb": "MAX",
            "raid_level": "5",
            "volume_name": "data",
            "controller": "RAID.1",
            "disk_type": "hdd",
        },
    ]


def test_failed_step_is_named_from_either_form():
    """Ironic's message names the step as text or as the step's dict."""
    as_dict = (
        "Deploy step {'interface': 'bios', 'step': 'apply_configuration', "
        "'args': {}, 'priority': 110} failed on node x: boom"
    )
    assert ironic_hardware.failed_section(as_dict) is hw.HardwareSection.BIOS
    assert (
        ironic_hardware.failed_section("raid.apply_configuration failed")
        is hw.HardwareSection.RAID
    )
    assert ironic_hardware.failed_section("Timeout reached while waiting") is None


def test_restore_steps_follow_the_policy():
    """RAID always deleted; BIOS back to the values before, factory, or kept."""
    record = {"raid": 1, "bios": {"A": "x"}, "bios_before": {"A": "y"}}
    previous = ironic_restore.clean_steps(record | {"restore_bios": "previous"})
    assert previous == [
        {"interface": "raid", "step": "delete_configuration"},
        {
            "interface": "bios",
            "step": "apply_configuration",
            "args": {"settings": [{"name": "A", "value": "y"}]},
        },
    ]
    factory = ironic_restore.clean_steps(record | {"restore_bios": "factory"})
    assert factory[1] == {"interface": "bios", "step": "factory_reset"}
    assert ironic_restore.clean_steps(record | {"restore_bios": "none"}) == [
        {"interface": "raid", "step": "delete_configuration"}
    ]
    assert ironic_restore.clean_steps({"portgroups": {"bond0": "u"}}) == []
