"""A Redfish system's hardware as Mogan's typed ``Inventory``.

Read through sushy from the ComputerSystem and what it links to:
processors (logical CPUs of the ``CPU`` processors, architecture from
``ProcessorArchitecture``/``InstructionSet``), ``MemorySummary``, every
``Storage`` (drives: ``hdd``/``ssd`` from ``MediaType``, ``nvme`` from
``Protocol``; a controller's ``SupportedRAIDTypes`` become RAID levels, and
only when the BMC can create volumes there), ``EthernetInterfaces`` (MAC
and ``SpeedMbps``), the ``Bios`` with its attribute registry, and the
``UpdateService`` firmware inventory (``bios``: an item related to the
system; ``bmc``: one related to a manager of the system).

Without a registry the BIOS attributes are still listed, their type
inferred from the JSON value (bool ``Boolean``, int ``Integer``, else
``String``) and never ``Enumeration``: the allowed values are unknown.

What must not live here: changing the system (``redfish_hardware``).
"""

from typing import Any

from sushy import exceptions as sushy_exc

from mogan.drivers import inventory as inv

GIB = 1024**3
# NOTE: Redfish RAIDType -> Mogan's level names (Metal3's and Ironic's).
RAID_LEVELS = {
    "RAID0": "0",
    "RAID1": "1",
    "RAID10": "1+0",
    "RAID5": "5",
    "RAID6": "6",
    "RAID50": "5+0",
    "RAID60": "6+0",
}
REDFISH_RAID = {level: name for name, level in RAID_LEVELS.items()}
ARCHES = {"x86-64": "x86_64", "ARM-A64": "aarch64", "PowerISA": "ppc64le"}
TYPES = {t.value: t for t in inv.BiosAttributeType}


def text_value(raw: Any) -> str | None:
    """A BIOS JSON value as Mogan's text (booleans ``true``/``false``)."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def _cpus(system: Any) -> tuple[int | None, str | None]:
    summary = system.json.get("ProcessorSummary") or {}
    logical = summary.get("LogicalProcessorCount")
    arch = None
    try:
        members = system.processors.get_members()
    except sushy_exc.MissingAttributeError:
        members = []
    threads = 0
    for proc in members:
        raw = proc.json
        if raw.get("ProcessorType", "CPU") != "CPU":
            continue
        threads += int(raw.get("TotalThreads") or raw.get("TotalCores") or 0)
        arch = arch or ARCHES.get(raw.get("InstructionSet") or "")
    cpus = logical if isinstance(logical, int) and logical > 0 else threads or None
    return cpus, arch


def _memory_mb(system: Any) -> int | None:
    gib = (system.json.get("MemorySummary") or {}).get("TotalSystemMemoryGiB")
    if isinstance(gib, int | float) and gib > 0:
        return int(gib * 1024)
    return None


def _disk_type(raw: dict[str, Any]) -> inv.DiskType:
    if str(raw.get("Protocol", "")).lower() == "nvme":
        return inv.DiskType.NVME
    if raw.get("MediaType") == "HDD":
        return inv.DiskType.HDD
    return inv.DiskType.SSD


def _storage(
    system: Any,
) -> tuple[tuple[inv.Disk, ...], tuple[inv.RaidController, ...]]:
    disks: list[inv.Disk] = []
    controllers: list[inv.RaidController] = []
    try:
        members = system.storage.get_members()
    except sushy_exc.MissingAttributeError:
        return (), ()
    for storage in members:
        raw_storage = storage.json
        levels: list[str] = []
        for ctl in raw_storage.get("StorageControllers") or []:
            for kind in ctl.get("SupportedRAIDTypes") or []:
                level = RAID_LEVELS.get(kind)
                if level and level not in levels:
                    levels.append(level)
        # NOTE: a controller whose volumes the BMC cannot create is of no
        # use to Mogan: it builds RAID only through Redfish volumes.
        if levels and "Volumes" in raw_storage:
            controllers.append(inv.RaidController(storage.identity, tuple(levels)))
        for drive in storage.drives:
            raw = drive.json
            kind = _disk_type(raw)
            disks.append(
                inv.Disk(
                    name=drive.identity,
                    size_gb=int(raw.get("CapacityBytes") or 0) // GIB,
                    type=kind,
                    rotational=kind is inv.DiskType.HDD,
                    controller=storage.identity,
                    model=raw.get("Model"),
                    serial=raw.get("SerialNumber"),
                )
            )
    return tuple(disks), tuple(controllers)


def _nics(system: Any) -> tuple[inv.InventoryNic, ...]:
    try:
        members = system.ethernet_interfaces.get_members()
    except sushy_exc.MissingAttributeError:
        return ()
    nics = []
    for nic in members:
        mac = nic.mac_address or nic.permanent_mac_address
        if not mac:
            continue
        speed = nic.speed_mbps
        nics.append(
            inv.InventoryNic(
                mac=str(mac).lower(),
                name=nic.identity if nic.identity != mac else None,
                speed_mbps=int(speed) if isinstance(speed, int | float) else None,
            )
        )
    return tuple(nics)


def _registry_entry(entry: Any, current: Any) -> inv.BiosAttribute:
    kind = TYPES.get(entry.attribute_type or "")
    values = tuple(
        str(v.get("ValueName"))
        for v in entry.allowable_values or []
        if "ValueName" in v
    )
    return inv.BiosAttribute(
        current_value=text_value(current),
        attribute_type=kind,
        allowable_values=values,
        lower_bound=entry.lower_bound,
        upper_bound=entry.upper_bound,
        min_length=entry.min_length,
        max_length=entry.max_length,
        read_only=bool(entry.read_only or entry.immutable),
        reset_required=bool(entry.reset_required),
    )


def _guessed(current: Any) -> inv.BiosAttribute:
    if isinstance(current, bool):
        kind = inv.BiosAttributeType.BOOLEAN
    elif isinstance(current, int):
        kind = inv.BiosAttributeType.INTEGER
    else:
        kind = inv.BiosAttributeType.STRING
    return inv.BiosAttribute(current_value=text_value(current), attribute_type=kind)


def bios(system: Any) -> dict[str, inv.BiosAttribute]:
    """The BIOS attributes with their registry entries (empty: no Bios)."""
    try:
        resource = system.bios
    except sushy_exc.MissingAttributeError:
        return {}
    attributes = dict(resource.attributes or {})
    entries: dict[str, Any] = {}
    try:
        registry = resource.get_attribute_registry()
    except sushy_exc.SushyError:
        registry = None
    if registry is not None and registry.registry_entries is not None:
        entries = {a.name: a for a in registry.registry_entries.attributes or []}
    return {
        name: (
            _registry_entry(entries[name], value)
            if name in entries
            else _guessed(value)
        )
        for name, value in sorted(attributes.items())
    }


FIRMWARE_COMPONENTS = ("bios", "bmc")


def firmware_items(root: Any, system: Any) -> dict[str, Any]:
    """Component (``bios``, ``bmc``) -> its firmware inventory item.

    The first item related to the system is its BIOS, the first related to
    one of its managers its BMC.
    """
    managers = {m.path.rstrip("/") for m in _managers(system)}
    found: dict[str, Any] = {}
    try:
        collection = root.get_update_service().firmware_inventory
        # NOTE: one GET per item, so stop once both are found rather than
        # read them all (get_members): a BMC serving many systems, or
        # listing every NIC, disk and PSU, has many (the benchmark's
        # emulator 2 per system); the answer is the same.
        for identity in collection.members_identities:
            item = collection.get_member(identity)
            related = {
                str(link.get("@odata.id", "")).rstrip("/")
                for link in item.json.get("RelatedItem") or []
            }
            if system.path.rstrip("/") in related:
                found.setdefault("bios", item)
            elif related & managers:
                found.setdefault("bmc", item)
            if len(found) == len(FIRMWARE_COMPONENTS):
                break
    except (sushy_exc.MissingAttributeError, sushy_exc.ResourceNotFoundError):
        return {}
    return found


def _managers(system: Any) -> list[Any]:
    try:
        return list(system.managers)
    except (sushy_exc.MissingAttributeError, sushy_exc.ResourceNotFoundError):
        return []


def firmware(root: Any, system: Any) -> tuple[inv.FirmwareComponent, ...]:
    """The firmware components the update service lists for the system."""
    return tuple(
        inv.FirmwareComponent(component=name, current_version=item.version)
        for name, item in sorted(firmware_items(root, system).items())
    )


def read(root: Any, system: Any) -> inv.Inventory:
    """Everything above, for one system.

    Raises:
        sushy.exceptions.SushyError: the BMC failed a request.
    """
    cpus, arch = _cpus(system)
    disks, controllers = _storage(system)
    return inv.Inventory(
        cpus=cpus,
        cpu_arch=arch,
        memory_mb=_memory_mb(system),
        disks=disks,
        raid_controllers=controllers,
        nics=_nics(system),
        bios=bios(system),
        firmware=firmware(root, system),
    )
