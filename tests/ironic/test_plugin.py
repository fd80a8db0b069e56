"""Our Ironic plugin on a real Ironic: RAID, BIOS and firmware steps that apply.

No Mogan code here: these tests pin down what the ``mogan-fake-hardware``
nodes do (``tests/ironic/plugin``), so the driver's tests can rely on it,
and the Ironic behaviour the driver must live with (unknown deploy steps
are skipped silently; the exact ``last_error`` texts of failed steps).
"""

import re

import pytest

from tests.ironic import hardware

LOCAL_GB = 500
REGISTRY = [
    {
        "name": "BootMode",
        "value": "Bios",
        "attribute_type": "Enumeration",
        "allowable_values": ["Bios", "Uefi"],
        "read_only": False,
        "reset_required": True,
    },
    {
        "name": "ProcTurboMode",
        "value": "Enabled",
        "attribute_type": "Enumeration",
        "allowable_values": ["Enabled", "Disabled"],
    },
    {
        "name": "ProcCores",
        "value": "32",
        "attribute_type": "Integer",
        "lower_bound": 1,
        "upper_bound": 64,
    },
    {
        "name": "SerialNumber",
        "value": "SN123",
        "attribute_type": "String",
        "read_only": True,
    },
]
SEEDED_BIOS = {row["name"]: row["value"] for row in REGISTRY}
FIRMWARE = [
    {"component": "bios", "initial_version": "2.0.0", "current_version": "2.0.0"},
    {"component": "bmc", "initial_version": "5.10", "current_version": "5.10"},
]
DISKS = [
    {"size_gb": 100, "raid_level": "1", "is_root_volume": True},
    {"size_gb": "MAX", "raid_level": "5"},
]
BIOS_URL = "http://fw.example.org/bios/bios-2.19.1.bin"
NIC_URL = "https://fw.example.org/nic/fw_22.31.6_A00.EXE"


def step(interface: str, name: str, priority: int = 80, **args) -> dict:
    """A deploy step as the API takes it."""
    return {"interface": interface, "step": name, "args": args, "priority": priority}


def clean(interface: str, name: str, **args) -> dict:
    """A manual clean step as the API takes it (no priority)."""
    return {"interface": interface, "step": name, "args": args}


ALL_STEPS = [
    step("raid", "apply_configuration", raid_config={"logical_disks": DISKS}),
    step(
        "bios",
        "apply_configuration",
        settings=[
            {"name": "BootMode", "value": "Uefi"},
            {"name": "ProcCores", "value": "16"},
        ],
    ),
    step(
        "firmware",
        "update",
        settings=[
            {"component": "bios", "url": BIOS_URL},
            {"component": "nic:NIC.Slot.1", "url": NIC_URL},
        ],
    ),
]


def seeded_node(ironic, **spec) -> str:
    """An available ``mogan-fake-hardware`` node with a BIOS registry and firmware."""
    node = ironic.enroll(
        driver=hardware.MOGAN_FAKE,
        properties={"cpus": 8, "memory_mb": 16384, "local_gb": LOCAL_GB},
        **spec,
    )
    ironic.seed_bios_registry(node, REGISTRY)
    ironic.seed_firmware(node, FIRMWARE)
    return node


def deployed_node(ironic) -> str:
    """A seeded node deployed with all three kinds of steps."""
    node = seeded_node(ironic)
    ironic.set_target_raid(node, DISKS)
    ironic.provision(node, "active", "active", deploy_steps=ALL_STEPS)
    return node


class TestHardwareType:
    def test_new_type_defaults_to_plugin_interfaces(self, ironic):
        """mogan-fake-hardware nodes get our interfaces; fake-hardware its own."""
        ours = ironic.node(ironic.create(driver=hardware.MOGAN_FAKE))
        stock = ironic.node(ironic.create())
        for kind in ("raid", "bios", "firmware"):
            assert ours[f"{kind}_interface"] == "mogan-fake"
            assert stock[f"{kind}_interface"] == "fake"
        assert ours["deploy_interface"] == "fake"


class TestDeploySteps:
    def test_all_steps_apply_and_record(self, ironic):
        """RAID, BIOS and firmware deploy steps run; Ironic shows each result."""
        node = deployed_node(ironic)
        got = ironic.node(node)
        assert got["last_error"] is None
        disks = got["raid_config"]["logical_disks"]
        # NOTE: "MAX" is the capacity (local_gb) less the fixed sizes.
        assert [(d["raid_level"], d["size_gb"]) for d in disks] == [
            ("1", 100),
            ("5", LOCAL_GB - 100),
        ]
        assert all(d["controller"] and d["volume_name"] for d in disks)
        assert "last_updated" in got["raid_config"]
        assert got["properties"]["local_gb"] == 100
        assert got["properties"]["capabilities"] == "raid_level:1"
        assert ironic.bios(node) == {
            **SEEDED_BIOS,
            "BootMode": "Uefi",
            "ProcCores": "16",
        }
        assert ironic.firmware(node) == {
            "bios": "2.19.1",
            "bmc": "5.10",
            "nic:NIC.Slot.1": "22.31.6",
        }

    def test_bios_apply_keeps_the_registry(self, ironic):
        """Registry columns survive an apply (the stock fake wipes them)."""
        node = deployed_node(ironic)
        detail = ironic.bios_detail(node)
        assert detail["BootMode"]["value"] == "Uefi"
        assert detail["BootMode"]["attribute_type"] == "Enumeration"
        assert detail["BootMode"]["allowable_values"] == ["Bios", "Uefi"]
        assert detail["BootMode"]["reset_required"] is True
        assert (
            detail["ProcCores"]["lower_bound"],
            detail["ProcCores"]["upper_bound"],
        ) == (1, 64)
        assert detail["SerialNumber"]["read_only"] is True

    def test_firmware_update_keeps_initial_version(self, ironic):
        """Flashed versions land in current and last flashed; initial stays."""
        firmware = ironic.firmware_detail(deployed_node(ironic))
        assert firmware["bios"]["initial_version"] == "2.0.0"
        assert firmware["bios"]["last_version_flashed"] == "2.19.1"
        assert firmware["bmc"]["last_version_flashed"] is None
        nic = firmware["nic:NIC.Slot.1"]
        assert (nic["initial_version"], nic["last_version_flashed"]) == (
            "22.31.6",
            "22.31.6",
        )

    @pytest.mark.parametrize(
        ("target", "message"),
        [
            (
                step(
                    "raid",
                    "apply_configuration",
                    raid_config={
                        "logical_disks": [{"size_gb": 10, "raid_level": "42"}]
                    },
                ),
                "RAID config validation error: '42' is not one of",
            ),
            (
                step(
                    "bios",
                    "apply_configuration",
                    settings=[{"name": "BootMode", "value": "Legacy"}],
                ),
                "BIOS setting BootMode: 'Legacy' is not one of ['Bios', 'Uefi']",
            ),
            (
                step(
                    "bios",
                    "apply_configuration",
                    settings=[{"name": "ProcCores", "value": "65"}],
                ),
                "BIOS setting ProcCores: 65 is not in 1..64",
            ),
            (
                step(
                    "bios",
                    "apply_configuration",
                    settings=[{"name": "SerialNumber", "value": "other"}],
                ),
                "BIOS setting SerialNumber is read-only",
            ),
            (
                step(
                    "firmware",
                    "update",
                    settings=[{"component": "disk", "url": BIOS_URL}],
                ),
                "Invalid firmware update",
            ),
        ],
        ids=[
            "raid-level",
            "bios-value",
            "bios-bounds",
            "bios-read-only",
            "firmware-component",
        ],
    )
    def test_bad_arguments_fail_the_deploy(self, ironic, target, message):
        """What a real controller refuses fails the step, and nothing is applied."""
        node = seeded_node(ironic)
        ironic.provision(node, "active", "deploy failed", deploy_steps=[target])
        error = ironic.node(node)["last_error"]
        name = f"{target['interface']}.{target['step']}"
        assert error.startswith(f"Deploy step {name} failed: ")
        assert message in error
        assert ironic.raid_config(node) == {}
        assert ironic.bios(node) == SEEDED_BIOS
        assert ironic.firmware(node) == {"bios": "2.0.0", "bmc": "5.10"}

    @pytest.mark.parametrize(
        "failing", [f"{s['interface']}.{s['step']}" for s in ALL_STEPS]
    )
    def test_failure_marker_fails_the_named_step(self, ironic, failing):
        """The node's extra/mogan_fail_step fails that deploy step, by name."""
        node = seeded_node(ironic)
        ironic.fail_step(node, failing)
        ironic.provision(node, "active", "deploy failed", deploy_steps=ALL_STEPS)
        assert ironic.node(node)["last_error"] == (
            f"Deploy step {failing} failed: {failing} failed on purpose"
            f" (node extra {hardware.FAIL_MARKER})."
        )

    def test_unknown_steps_are_skipped_silently(self, ironic):
        """The trap: a misspelled step, or a step the stock fake lacks, is skipped."""
        ours = seeded_node(ironic)
        ironic.provision(
            ours,
            "active",
            "active",
            deploy_steps=[
                step("raid", "make_it_fast", raid_config={"logical_disks": DISKS})
            ],
        )
        stock = ironic.enroll()
        ironic.provision(stock, "active", "active", deploy_steps=ALL_STEPS[:2])
        for node in (ours, stock):
            assert ironic.node(node)["last_error"] is None
            assert ironic.raid_config(node) == {}
        assert ironic.bios(stock) == {}

    def test_steps_run_by_priority_then_interface(self, ironic):
        """Highest priority first (deploy.deploy is 100); ties: firmware, bios, raid."""
        node = seeded_node(ironic)
        early = step("bios", "factory_reset", priority=150)
        ironic.provision(node, "active", "active", deploy_steps=[*ALL_STEPS, early])
        pattern = re.compile(rf"Executing {{.*'interface': '(\w+)'.*}} on node {node}$")
        ran = [
            found[1]
            for line in (ironic.state / "ironic.log").read_text().splitlines()
            if (found := pattern.search(line))
        ]
        assert ran == ["bios", "deploy", "firmware", "bios", "raid"]

    def test_known_steps_are_checked_at_provision(self, ironic):
        """A known step's missing or unexpected argument: 400 at once."""
        node = seeded_node(ironic)
        cases = [
            (step("bios", "apply_configuration"), "missing these required arguments"),
            (
                step("raid", "apply_configuration", raid_config={}, bogus=1),
                "has these unexpected arguments: bogus",
            ),
        ]
        for bad, message in cases:
            resp = ironic.http.put(
                f"/v1/nodes/{node}/states/provision",
                json={"target": "active", "deploy_steps": [bad]},
            )
            assert resp.status_code == 400
            assert message in resp.text
        resp = ironic.http.put(
            f"/v1/nodes/{node}/states/raid",
            json={"logical_disks": [{"size_gb": 10, "raid_level": "42"}]},
        )
        assert resp.status_code == 400
        assert "RAID config validation error" in resp.text
        assert ironic.node(node)["provision_state"] == "available"


class TestCleanSteps:
    def test_manual_clean_restores_the_node(self, ironic):
        """Delete RAID, re-apply the previous BIOS values: the node is as seeded."""
        node = deployed_node(ironic)
        ironic.provision(node, "deleted", "available")
        # NOTE: tearing down undoes none of it: that is the driver's job.
        assert len(ironic.raid_config(node)["logical_disks"]) == len(DISKS)
        assert ironic.bios(node)["BootMode"] == "Uefi"
        ironic.provision(node, "manage", "manageable")
        previous = [
            {"name": k, "value": v}
            for k, v in SEEDED_BIOS.items()
            if k != "SerialNumber"
        ]
        ironic.provision(
            node,
            "clean",
            "manageable",
            clean_steps=[
                clean("raid", "delete_configuration"),
                clean("bios", "apply_configuration", settings=previous),
            ],
        )
        assert ironic.raid_config(node) == {}
        assert ironic.bios(node) == SEEDED_BIOS
        assert ironic.bios_detail(node)["BootMode"]["allowable_values"] == [
            "Bios",
            "Uefi",
        ]
        ironic.provision(node, "provide", "available")

    def test_factory_reset_puts_back_the_first_values(self, ironic):
        """factory_reset: the values before the first change are back, new ones gone."""
        node = deployed_node(ironic)
        ironic.provision(node, "deleted", "available")
        ironic.provision(node, "manage", "manageable")
        ironic.provision(
            node,
            "clean",
            "manageable",
            clean_steps=[
                clean(
                    "bios",
                    "apply_configuration",
                    settings=[
                        {"name": "ProcTurboMode", "value": "Disabled"},
                        {"name": "NewSetting", "value": "On"},
                    ],
                ),
            ],
        )
        assert ironic.bios(node)["NewSetting"] == "On"
        ironic.provision(
            node,
            "clean",
            "manageable",
            clean_steps=[
                clean("bios", "factory_reset"),
            ],
        )
        assert ironic.bios(node) == SEEDED_BIOS
        assert ironic.bios_detail(node)["ProcCores"]["upper_bound"] == 64

    def test_create_configuration_builds_the_target(self, ironic):
        """Clean step raid.create_configuration builds target_raid_config."""
        node = seeded_node(ironic)
        ironic.provision(node, "manage", "manageable")
        ironic.set_target_raid(node, [{"size_gb": "MAX", "raid_level": "0"}])
        ironic.provision(
            node,
            "clean",
            "manageable",
            clean_steps=[
                clean("raid", "create_configuration"),
            ],
        )
        disks = ironic.raid_config(node)["logical_disks"]
        assert [(d["raid_level"], d["size_gb"]) for d in disks] == [("0", LOCAL_GB)]

    def test_failure_marker_fails_the_clean(self, ironic):
        """A marked clean step ends in clean failed, naming the step, in maintenance."""
        node = seeded_node(ironic)
        ironic.provision(node, "manage", "manageable")
        ironic.fail_step(node, "bios.factory_reset")
        reset = clean("bios", "factory_reset")
        ironic.provision(node, "clean", "clean failed", clean_steps=[reset])
        got = ironic.node(node)
        assert got["last_error"] == (
            f"Node {node} failed step {{'interface': 'bios', 'step': 'factory_reset',"
            " 'args': {}, 'abortable': False, 'priority': 0}: bios.factory_reset"
            f" failed on purpose (node extra {hardware.FAIL_MARKER})"
        )
        # NOTE: a failed clean also puts the node in maintenance: "manage"
        # works, but the next clean answers 400 until maintenance is cleared.
        assert (got["maintenance"], got["fault"]) == (True, "clean failure")
        ironic.fail_step(node, None)
        ironic.provision(node, "manage", "manageable")
        resp = ironic.http.put(
            f"/v1/nodes/{node}/states/provision",
            json={"target": "clean", "clean_steps": [reset]},
        )
        assert resp.status_code == 400
        assert "maintenance mode" in resp.text
        ironic.call("DELETE", f"/v1/nodes/{node}/maintenance", ok=202)
        ironic.provision(node, "clean", "manageable", clean_steps=[reset])

    def test_unknown_clean_step_fails_the_clean(self, ironic):
        """Unlike a deploy, a clean with an unknown step fails (asynchronously)."""
        node = seeded_node(ironic)
        ironic.provision(node, "manage", "manageable")
        ironic.provision(
            node, "clean", "clean failed", clean_steps=[clean("raid", "make_it_fast")]
        )
        assert ironic.node(node)["last_error"] == (
            f"Cannot clean node {node}: node does not support this clean step:"
            " {'interface': 'raid', 'step': 'make_it_fast', 'args': {}}"
        )
