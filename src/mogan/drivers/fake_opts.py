"""The fake driver's ``[fake]`` options: default durations of simulated operations."""

from oslo_config import cfg

GROUP = "fake"
OPTS: list[cfg.Opt] = [
    cfg.FloatOpt(
        "deploy_seconds",
        default=0.0,
        min=0.0,
        help=(
            "Simulated seconds a deploy or rebuild takes (0: done at the "
            "first poll). Per-node durations set by scripting win."
        ),
    ),
    cfg.FloatOpt(
        "power_seconds",
        default=0.0,
        min=0.0,
        help="Simulated seconds a power action takes.",
    ),
    cfg.FloatOpt(
        "clean_seconds",
        default=0.0,
        min=0.0,
        help="Simulated seconds a teardown (cleaning) takes.",
    ),
    cfg.FloatOpt(
        "hardware_seconds",
        default=0.0,
        min=0.0,
        help=(
            "Simulated seconds each hardware section (RAID, BIOS, firmware, "
            "bonds) adds to a deploy. Per-node durations set by scripting win."
        ),
    ),
    cfg.StrOpt(
        "inventory_file",
        help=(
            "A JSON file of node hardware: node name or uuid -> inventory "
            "(the JSON form of mogan.drivers.inventory.Inventory; ``*`` for "
            "every node not named). Nodes it does not cover get made-up, "
            "varied hardware derived from their uuid (2, 4 or 8 HDD, SSD or "
            "NVMe disks, 2 or 4 NICs on one or two physical networks, a typed "
            "BIOS registry, firmware versions). An inventory set by scripting "
            "wins over both."
        ),
    ),
]
