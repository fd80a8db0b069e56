"""Hardware scheduling benchmark: the decision with and without a hardware request.

Run from the repository root::

    .venv/bin/python benchmarks/hardware_scheduling.py

What it does, all in one run and one process (see docs/benchmarks.md):

1. For each fleet size of ``--scales`` (1,000, 10,000 and 50,000 nodes by
   default) it builds Mogan's view on a fresh SQLite file migrated with
   Mogan's migrations, as the engine's node sync leaves it: every node of
   one class, its inventory made up by the fake driver's
   ``fake_inventory.generate`` (2, 4 or 8 HDD, SSD or NVMe disks, 2 or 4
   NICs on one or two physical networks, a typed BIOS registry) stored in
   ``nodes.inventory``, its scheduling facts in ``hardware_classes``, and
   ``--allocated`` of the nodes (30 % by default) already claimed.
2. It then times the scheduling decision: what the scheduler does between
   receiving a request and claiming in Placement (a read transaction on
   the view and ``mogan.scheduler.candidates.choose`` for one server, with
   the default ``candidate_limit`` and weigher), ``--requests`` times for
   the hardware request (RAID 1 on 2 SSDs, ``SriovGlobalEnable=Enabled``, a
   2-link bond; about a third of the fleet can take it) interleaved with
   the same request without hardware, so both see the same machine load.
   Every hardware decision is checked: each chosen node's stored inventory
   can take the request.

The Placement claim that follows a decision is the same with or without a
hardware request (one ``POST /allocations``, about 20 ms, see
``scheduling.py``), so it is left out: the ratio is the decision's own. It
prints p50, p99 and mean per scale and the ratios (with/without, and each
scale against the smallest), and exits non-zero if a check failed.
"""

import argparse
import pathlib
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable

import sqlalchemy as sa

from mogan.db import migration, models
from mogan.db import session as db_session
from mogan.drivers import fake_inventory
from mogan.drivers import hardware as hw
from mogan.drivers import inventory as inv
from mogan.scheduler import candidates
from mogan.scheduler import hardware as hardware_rules

RC = "CUSTOM_BM_GOLD"
NAMESPACE = uuid.UUID("5c4e1d7a-0f3b-4a8e-9d6c-686172647761")
REQUEST = hw.HardwareRequest(
    raid=(hw.LogicalDisk("1", 100, is_root_volume=True, disk_type="ssd"),),
    bios=(hw.BiosSetting("SriovGlobalEnable", "Enabled"),),
    bonds=(hw.Bond("bond0", "802.3ad", (), links_count=2),),
)
CHUNK = 2000


def load(database: db_session.Database, count: int, allocated: float) -> float:
    """Migrate and load ``count`` nodes as the node sync leaves them.

    Returns:
        The share of the fleet that can take ``REQUEST``.
    """
    migration.upgrade(database.engine)
    classes: dict[str, dict[str, object]] = {}
    rows = []
    rng = random.Random(count)
    fits = 0
    for i in range(count):
        node_uuid = str(uuid.uuid5(NAMESPACE, f"hw-{i:06d}"))
        inventory = fake_inventory.generate(node_uuid)
        facts = hardware_rules.Facts.of(inventory)
        fingerprint = facts.fingerprint()
        classes.setdefault(fingerprint, facts.to_dict())
        fits += hardware_rules.why_not(facts, REQUEST) is None
        rows.append(
            {
                "uuid": node_uuid,
                "name": f"hw-{i:06d}",
                "driver": "fake",
                "resource_class": "bm-gold",
                "placement_rc": RC,
                "traits": [],
                "properties": {},
                "ports": [n.mac for n in inventory.nics],
                "power_state": "power off",
                "maintenance": False,
                "consumable": True,
                "provider_synced": True,
                "allocated": rng.random() < allocated,
                "inventory": inventory.to_dict(),
                "inventory_at": models.utcnow(),
                "hardware_class": fingerprint,
            }
        )
    with database.engine.begin() as conn:
        conn.execute(
            sa.insert(models.HardwareClass),
            [
                {"fingerprint": fp, "facts": f, "created_at": models.utcnow()}
                for fp, f in classes.items()
            ],
        )
        for start in range(0, len(rows), CHUNK):
            conn.execute(sa.insert(models.Node), rows[start : start + CHUNK])
    return fits / count


def decide(
    database: db_session.Database, hardware: hw.HardwareRequest | None, extra: int
) -> list[str]:
    """One scheduling decision for one server (what precedes the claim)."""
    request = candidates.Request(
        server_uuids=(str(uuid.uuid4()),),
        min_count=1,
        resources={RC: 1},
        hardware=hardware,
    )
    with database.transaction(readonly=True) as session:
        return candidates.choose(
            session, request, 1, extra=extra, weigher=candidates.Weigher()
        ).nodes


def check(database: db_session.Database, chosen: list[str]) -> None:
    """Each chosen node's stored inventory can take ``REQUEST``.

    Raises:
        SystemExit: a node that cannot was chosen, or none was.
    """
    if not chosen:
        raise SystemExit("a hardware decision found no node")
    with database.transaction(readonly=True) as session:
        for node in session.scalars(
            sa.select(models.Node).where(models.Node.uuid.in_(chosen))
        ):
            facts = hardware_rules.Facts.of(
                inv.Inventory.from_dict(node.inventory or {})
            )
            why = hardware_rules.why_not(facts, REQUEST)
            if why is not None:
                raise SystemExit(f"node {node.uuid} chosen but {why}")


def timed(fn: Callable[[], list[str]]) -> tuple[float, list[str]]:
    """Milliseconds ``fn`` took, and its answer."""
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_scale(
    root: pathlib.Path, count: int, args: argparse.Namespace
) -> dict[str, list[float]]:
    """Load one fleet size and time both decisions, interleaved."""
    database = db_session.Database.from_url(f"sqlite:///{root / f'hw-{count}.sqlite'}")
    t0 = time.perf_counter()
    share = load(database, count, args.allocated)
    print(
        f"-- {count} nodes loaded in {time.perf_counter() - t0:.1f} s; "
        f"{share:.0%} can take the hardware request",
        flush=True,
    )
    times: dict[str, list[float]] = {"without": [], "with": []}
    for i in range(args.requests + args.warm_up):
        ms_plain, _ = timed(lambda: decide(database, None, args.extra))
        ms_hw, chosen = timed(lambda: decide(database, REQUEST, args.extra))
        check(database, chosen)
        if i >= args.warm_up:
            times["without"].append(ms_plain)
            times["with"].append(ms_hw)
    database.engine.dispose()
    return times


def main() -> int:
    """Run every scale and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1000,10000,50000")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warm-up", type=int, default=20)
    parser.add_argument("--allocated", type=float, default=0.3)
    parser.add_argument(
        "--extra", type=int, default=50, help="[scheduler] candidate_limit"
    )
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="mogan-hw-bench-") as tmp:
        for count in scales:
            results[count] = run_scale(pathlib.Path(tmp), count, args)
    print(
        f"\n# hardware scheduling benchmark: decision for one server, "
        f"{args.requests} requests each, {args.allocated:.0%} of nodes claimed"
    )
    print(
        f"{'nodes':>7} | {'without p50':>11} | {'with p50':>8} | "
        f"{'without p99':>11} | {'with p99':>8} | {'p50 ratio':>9} | "
        f"{'mean ratio':>10}"
    )
    base = None
    for count, times in results.items():
        plain, hard = times["without"], times["with"]
        ratio = statistics.mean(hard) / statistics.mean(plain)
        print(
            f"{count:>7} | {pct(plain, 0.5):>8.2f} ms | {pct(hard, 0.5):>5.2f} ms | "
            f"{pct(plain, 0.99):>8.2f} ms | {pct(hard, 0.99):>5.2f} ms | "
            f"{pct(hard, 0.5) / pct(plain, 0.5):>8.2f}x | {ratio:>9.2f}x"
        )
        base = base or pct(hard, 0.5)
    largest = results[scales[-1]]["with"]
    print(
        f"with hardware, p50 at {scales[-1]} nodes / p50 at {scales[0]}: "
        f"{pct(largest, 0.5) / (base or 1):.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
