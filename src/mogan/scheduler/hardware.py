"""Hardware fit: what of a node's inventory scheduling needs, and whether it fits.

The node sync reduces each node's ``Inventory`` to its ``Facts``: disks by
type and size (and the controller they hang off), the RAID levels each
controller supports (software RAID included), NIC counts per physical
network, the BIOS registry without current values, and firmware component
names. Nothing node-specific (MACs, serials, versions, current values) is
kept, so nodes of one hardware model share one ``Facts``; they are stored
once per ``fingerprint`` (the ``hardware_classes`` table) and each node row
names its class. A scheduling decision therefore judges each class once
(``why_not``, cached) and filters candidates on the node's class column:
its cost follows the number of hardware shapes, never the fleet, and no
driver is asked.

Rules (``why_not``), checked in this order, the first failure is the reason:

- RAID: each logical disk needs a controller supporting its level (the one
  it names, ``software`` for software RAID, or any) and enough disks of its
  type reachable from that controller (software RAID reaches every disk),
  each large enough. Volumes of one disk type share that type's disks (as
  Ironic stacks them), so each disk must hold its share of every volume of
  the type; ``MAX`` volumes take what is left (any size).
- BIOS: each attribute in the registry, writable, and the value of its type
  (in ``allowable_values``, an integer within bounds, a boolean, a string
  within its lengths).
- Firmware: each component present.
- Bonds: each bond's links on one physical network (the one it names, if
  any); bonds on a network share its NICs.

What must not live here: claiming, the candidate query itself
(``candidates``), and reading a backend (drivers).
"""

import collections
import dataclasses
import functools
import hashlib
import json
import math
from collections.abc import Iterable
from typing import Any

import pydantic
from sqlalchemy import orm

from mogan.db.api import hardware_class as hardware_class_db
from mogan.drivers import hardware as hw
from mogan.drivers import inventory as inv

SOFTWARE = "software"
# NOTE: the fewest members a level takes (Ironic's RAID helpers agree).
MIN_DISKS = {"0": 1, "1": 2, "5": 3, "6": 4, "1+0": 4, "5+0": 6, "6+0": 8}
_BOOLEANS = frozenset({"true", "false"})
UNKNOWN = "hardware inventory unknown"


@dataclasses.dataclass(frozen=True)
class DiskFact:
    """A disk as scheduling sees it (no name, serial or model)."""

    type: str
    size_gb: int
    controller: str | None = None


@dataclasses.dataclass(frozen=True)
class ControllerFact:
    """What builds RAID volumes, and the levels it builds."""

    name: str
    raid_levels: tuple[str, ...] = ()
    software: bool = False


@dataclasses.dataclass(frozen=True)
class BiosRule:
    """A BIOS registry entry without its current value."""

    name: str
    attribute_type: str | None = None
    allowable_values: tuple[str, ...] = ()
    lower_bound: int | None = None
    upper_bound: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    read_only: bool = False


@dataclasses.dataclass(frozen=True)
class Facts:
    """The part of an inventory scheduling filters on (hashable, sorted).

    Attributes:
        disks: every disk, sorted.
        controllers: RAID controllers (software RAID too), by name.
        nics: ``(physical network, NIC count)``, by network; ``""`` for
            NICs on no known network.
        bios: the BIOS registry, by attribute name.
        firmware: firmware component names, sorted.
    """

    disks: tuple[DiskFact, ...] = ()
    controllers: tuple[ControllerFact, ...] = ()
    nics: tuple[tuple[str, int], ...] = ()
    bios: tuple[BiosRule, ...] = ()
    firmware: tuple[str, ...] = ()

    @classmethod
    def of(cls, inventory: inv.Inventory) -> "Facts":
        """The facts of ``inventory``."""
        physnets = collections.Counter(n.physical_network or "" for n in inventory.nics)
        return cls(
            disks=tuple(
                sorted(
                    (
                        DiskFact(d.type.value, d.size_gb, d.controller)
                        for d in inventory.disks
                    ),
                    key=lambda d: (d.type, d.size_gb, d.controller or ""),
                )
            ),
            controllers=tuple(
                sorted(
                    (
                        ControllerFact(c.name, tuple(c.raid_levels), c.software)
                        for c in inventory.raid_controllers
                    ),
                    key=lambda c: c.name,
                )
            ),
            nics=tuple(sorted(physnets.items())),
            bios=tuple(
                BiosRule(
                    name,
                    a.attribute_type.value if a.attribute_type else None,
                    tuple(a.allowable_values),
                    a.lower_bound,
                    a.upper_bound,
                    a.min_length,
                    a.max_length,
                    a.read_only,
                )
                for name, a in sorted(inventory.bios.items())
            ),
            firmware=tuple(sorted({f.component for f in inventory.firmware})),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored in ``hardware_classes.facts``."""
        data: dict[str, Any] = _facts_adapter().dump_python(self, mode="json")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Facts":
        """Read the JSON form back.

        Raises:
            ValueError: not the JSON form of ``Facts``.
        """
        try:
            facts: Facts = _facts_adapter().validate_python(data)
        except pydantic.ValidationError as err:
            raise ValueError(f"not hardware facts: {err}") from err
        return facts

    def fingerprint(self) -> str:
        """A digest naming these facts: equal facts, equal fingerprints."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def _facts_adapter() -> pydantic.TypeAdapter[Facts]:
    return pydantic.TypeAdapter(Facts)


@functools.cache
def _request_adapter() -> pydantic.TypeAdapter[hw.HardwareRequest]:
    return pydantic.TypeAdapter(hw.HardwareRequest)


def parse_request(data: dict[str, Any] | None) -> hw.HardwareRequest | None:
    """A hardware request from its JSON form (None or empty: None).

    Raises:
        ValueError: not the JSON form of a ``HardwareRequest``.
    """
    if not data:
        return None
    try:
        request = _request_adapter().validate_python(data)
    except pydantic.ValidationError as err:
        raise ValueError(f"not a hardware request: {err}") from err
    return request or None


def dump_request(request: hw.HardwareRequest) -> dict[str, Any]:
    """The JSON form of ``request`` (what ``SelectRequest.hardware`` carries)."""
    data: dict[str, Any] = _request_adapter().dump_python(request, mode="json")
    return data


# ------------------------------------------------------------------ the rules


def members(disk: hw.LogicalDisk) -> int:
    """How many physical disks the volume takes."""
    wanted = disk.number_of_physical_disks or len(disk.physical_disks)
    return max(wanted, MIN_DISKS.get(disk.raid_level, 1))


def _data_disks(level: str, count: int) -> int:
    """How many members' worth of space the volume offers."""
    spans = {"1": 1, "1+0": count // 2, "5": count - 1, "6": count - 2}
    spans |= {"5+0": count - 2, "6+0": count - 4}
    return max(1, spans.get(level, count))


def per_disk_gb(disk: hw.LogicalDisk) -> int:
    """GiB the volume needs on each member (0 for ``MAX``: any size)."""
    if not disk.size_gb:
        return 0
    return math.ceil(disk.size_gb / _data_disks(disk.raid_level, members(disk)))


def _controller_ok(controller: ControllerFact, disk: hw.LogicalDisk) -> bool:
    if disk.raid_level not in controller.raid_levels:
        return False
    if disk.controller is None:
        return True
    if disk.controller == SOFTWARE:
        return controller.software
    return controller.name == disk.controller


def _no_controller(disk: hw.LogicalDisk) -> str:
    if disk.controller == SOFTWARE:
        return f"no software RAID {disk.raid_level}"
    if disk.controller:
        return f"no RAID {disk.raid_level} on controller {disk.controller}"
    return f"no controller for RAID {disk.raid_level}"


def _raid_reason(facts: Facts, raid: tuple[hw.LogicalDisk, ...]) -> str | None:
    shares: collections.Counter[str | None] = collections.Counter()
    for disk in raid:
        shares[disk.disk_type] += per_disk_gb(disk)
    for disk in raid:
        controllers = [c for c in facts.controllers if _controller_ok(c, disk)]
        if not controllers:
            return _no_controller(disk)
        size = shares[disk.disk_type]
        have = max(
            sum(
                1
                for d in facts.disks
                if (c.software or d.controller == c.name)
                and (disk.disk_type is None or d.type == disk.disk_type)
                and d.size_gb >= size
            )
            for c in controllers
        )
        needed = members(disk)
        if have < needed:
            kind = f"{disk.disk_type} disks" if disk.disk_type else "disks"
            if size:
                kind += f" of {size} GiB"
            return f"too few {kind} for RAID {disk.raid_level} ({needed} needed)"
    return None


def value_fits(rule: BiosRule, value: str) -> bool:
    """Whether ``value`` is one the registry entry takes."""
    kind = rule.attribute_type
    if kind == inv.BiosAttributeType.ENUMERATION.value:
        return not rule.allowable_values or value in rule.allowable_values
    if kind == inv.BiosAttributeType.INTEGER.value:
        try:
            number = int(value)
        except ValueError:
            return False
        return (rule.lower_bound is None or number >= rule.lower_bound) and (
            rule.upper_bound is None or number <= rule.upper_bound
        )
    if kind == inv.BiosAttributeType.BOOLEAN.value:
        return value.lower() in _BOOLEANS
    if kind == inv.BiosAttributeType.STRING.value:
        return (rule.min_length is None or len(value) >= rule.min_length) and (
            rule.max_length is None or len(value) <= rule.max_length
        )
    return True


def _bios_reason(facts: Facts, settings: tuple[hw.BiosSetting, ...]) -> str | None:
    registry = {rule.name: rule for rule in facts.bios}
    for setting in settings:
        rule = registry.get(setting.name)
        if rule is None:
            return f"BIOS attribute {setting.name} unknown"
        if rule.read_only:
            return f"BIOS attribute {setting.name} read-only"
        if not value_fits(rule, setting.value):
            return f"BIOS attribute {setting.name} does not take {setting.value!r}"
    return None


def bond_links(bond: hw.Bond) -> int:
    """How many NICs the bond takes."""
    count = getattr(bond, "links_count", None)
    return int(count) if count else max(len(bond.links), 1)


def _bonds_reason(facts: Facts, bonds: tuple[hw.Bond, ...]) -> str | None:
    free = collections.Counter(dict(facts.nics))
    named = [(b, getattr(b, "physical_network", None)) for b in bonds]
    for bond, net in named:
        if net:
            free[net] -= bond_links(bond)
            if free[net] < 0:
                return f"too few NICs on {net} for a {bond_links(bond)}-link bond"
    # NOTE: bonds on networks of no known physical network go where most
    # NICs are left, largest first: all its links on one network.
    for bond in sorted((b for b, n in named if not n), key=bond_links, reverse=True):
        net, left = max(free.items(), key=lambda i: (i[1], i[0]), default=("", 0))
        if left < bond_links(bond):
            return (
                f"too few NICs on one physical network for a "
                f"{bond_links(bond)}-link bond"
            )
        free[net] -= bond_links(bond)
    return None


@functools.lru_cache(maxsize=8192)
def why_not(facts: Facts, request: hw.HardwareRequest) -> str | None:
    """Why a node with ``facts`` cannot take ``request`` (None: it can)."""
    have = set(facts.firmware)
    missing = [u.component for u in request.firmware if u.component not in have]
    return (
        _raid_reason(facts, request.raid)
        or _bios_reason(facts, request.bios)
        or (f"firmware component {missing[0]} unknown" if missing else None)
        or _bonds_reason(facts, request.bonds)
    )


# NOTE: verdicts by request, then by class fingerprint: a decision hashes
# its request once and each class by its (short) key, never its facts.
_VERDICTS: dict[hw.HardwareRequest, dict[str, str | None]] = {}
_MAX_REQUESTS = 1024


def judge(
    classes: Iterable[tuple[str, Facts]], request: hw.HardwareRequest
) -> dict[str | None, str | None]:
    """``{fingerprint: why_not}`` for every class (remembered per request)."""
    known = _VERDICTS.get(request)
    if known is None:
        if len(_VERDICTS) >= _MAX_REQUESTS:
            _VERDICTS.clear()
        known = _VERDICTS.setdefault(request, {})
    out: dict[str | None, str | None] = {}
    for fp, facts in classes:
        if fp not in known:
            known[fp] = why_not(facts, request)
        out[fp] = known[fp]
    return out


# NOTE: classes never change (the key is a digest of the facts), so parsed
# facts are kept for the life of the process, whichever database they came
# from; a decision reads only the list of fingerprints.
_PARSED: dict[str, Facts] = {}


def load_classes(session: orm.Session) -> list[tuple[str, Facts]]:
    """Every stored hardware class with its facts."""
    known = hardware_class_db.fingerprints(session)
    missing = [fp for fp in known if fp not in _PARSED]
    for fp, data in hardware_class_db.facts_of(session, missing).items():
        _PARSED[fp] = Facts.from_dict(data)
    return [(fp, _PARSED[fp]) for fp in known if fp in _PARSED]


def fitting(session: orm.Session, request: hw.HardwareRequest) -> frozenset[str]:
    """The classes whose nodes can take ``request``."""
    verdicts = judge(load_classes(session), request)
    return frozenset(fp for fp, why in verdicts.items() if fp and why is None)


def reasons(
    session: orm.Session, request: hw.HardwareRequest
) -> dict[str | None, str | None]:
    """``{class: why_not}`` for every class, and ``UNKNOWN`` for no class."""
    return judge(load_classes(session), request) | {None: UNKNOWN}
