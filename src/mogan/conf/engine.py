"""Options of the ``[engine]`` group: workflows, drivers and periodic syncs."""

from oslo_config import cfg

group = cfg.OptGroup("engine", title="Engine options")

opts = [
    cfg.StrOpt(
        "driver",
        default="fake",
        help="Bare-metal driver, by entry-point name in ``mogan.drivers``.",
    ),
    cfg.FloatOpt(
        "poll_interval",
        default=1.0,
        min=0.01,
        help=(
            "Seconds between an engine's scans for due workflows. RPC nudges "
            "wake it earlier; the scan catches lost messages and dead engines."
        ),
    ),
    cfg.IntOpt(
        "workers",
        default=16,
        min=1,
        help="Workflow steps an engine runs concurrently.",
    ),
    cfg.IntOpt(
        "lease_seconds",
        default=30,
        min=5,
        help=(
            "How long an engine owns a workflow it took without renewing; "
            "after that (a dead engine) another engine resumes it."
        ),
    ),
    cfg.FloatOpt(
        "hardware_poll_interval",
        default=2.0,
        min=0.01,
        help="Seconds between polls of a running deploy, power or clean.",
    ),
    cfg.IntOpt(
        "deploy_timeout",
        default=1800,
        min=1,
        help="Seconds a deploy may take before the build fails (v1 had none).",
    ),
    cfg.IntOpt(
        "power_timeout",
        default=300,
        min=1,
        help="Seconds a power action may take before it fails.",
    ),
    cfg.IntOpt(
        "clean_timeout",
        default=3600,
        min=1,
        help="Seconds cleaning may take before the node goes to maintenance.",
    ),
    cfg.IntOpt(
        "workflow_retention",
        default=7 * 24 * 3600,
        min=1,
        help=(
            "Seconds a finished (done or failed) workflow row is kept before "
            "the engine's periodic purge deletes it. Faults and server "
            "actions outlive them; the rows only help debugging."
        ),
    ),
    cfg.IntOpt(
        "build_attempts",
        default=3,
        min=1,
        help=(
            "Nodes a server is tried on before its build fails; each failed "
            "node is excluded from the next attempt."
        ),
    ),
    cfg.IntOpt(
        "sync_nodes_interval",
        default=10,
        min=1,
        help="Seconds between syncs of driver nodes into Mogan and Placement.",
    ),
    cfg.IntOpt(
        "sync_composition_interval",
        default=60,
        min=1,
        help=(
            "Seconds between syncs of the registered composition services' "
            "zones and resource blocks into Mogan and Placement (drivers that "
            "compose only)."
        ),
    ),
    cfg.IntOpt(
        "compose_timeout",
        default=600,
        min=1,
        help=(
            "Seconds a composition service may take to compose a server's "
            "system from its resource blocks, or to decompose it, before the "
            "build (or delete) fails. A build that fails this way decomposes "
            "what was made and frees the blocks."
        ),
    ),
    cfg.IntOpt(
        "inventory_refresh_interval",
        default=86400,
        min=0,
        help=(
            "Seconds after which the node sync reads a node's hardware "
            "inventory again (disks, RAID controllers, NICs, BIOS registry, "
            "firmware). A node's inventory is read anyway when the node is "
            "new, its ports or properties changed, or a teardown freed it. "
            "0 reads it only then."
        ),
    ),
    cfg.IntOpt(
        "sync_power_state_interval",
        default=60,
        min=1,
        help="Seconds between syncs of power states from the driver.",
    ),
    cfg.IntOpt(
        "heartbeat_interval",
        default=10,
        min=1,
        help="Seconds between an engine's heartbeats in the engines table.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the ``[engine]`` options."""
    # NOTE: a fresh group per ConfigOpts: oslo.config copies a registered
    # group shallowly, so overrides would leak between configurations.
    fresh = cfg.OptGroup(group.name, title=group.title)
    conf.register_group(fresh)
    conf.register_opts(opts, group=fresh)
