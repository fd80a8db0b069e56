"""RAID, BIOS and firmware on a Redfish system: checks, steps, results, restore.

``check`` is ``hardware_plan.plan`` against the system's inventory plus what
the BMC itself must offer (volumes created at once, a BIOS it can write,
firmware items it can target). The deploy (``redfish_deploy``) then runs,
in the order of ``HardwareSection``: firmware through
``UpdateService.SimpleUpdate`` (a task per update, polled), RAID volumes
created in the controllers' ``Volumes`` collections, BIOS settings PATCHed
to the ``Bios`` settings object to apply at the boot that follows (the
values they replace are kept for teardown). Bonds need nothing from the
BMC: the engine writes them into the config drive's ``network_data.json``
and the guest builds them. ``result`` reads back what the system has;
``restore_bios`` and ``delete_volumes`` undo a deploy at teardown.

The plan and what the steps made are JSON in the node's state
(``hardware``): ``plan``, ``updates``, ``tasks``, ``volumes``, ``saved_bios``,
``errors``.

What must not live here: the order of a deploy's phases and the node
store (``redfish_deploy``, ``redfish``).
"""

import contextlib
from typing import Any

import sushy
from sushy import exceptions as sushy_exc
from sushy.resources import settings as sushy_settings
from sushy.resources.system.storage import volume as sushy_volume

from mogan.drivers import errors, hardware_plan
from mogan.drivers import hardware as hw
from mogan.drivers import inventory as inv
from mogan.drivers import redfish_inventory as rinv

GIB = 1024**3
RUNNING_TASKS = {"New", "Starting", "Running", "Pending", "Stopping", "Suspended"}


def _reject(node: str, section: hw.HardwareSection, reason: str) -> Exception:
    return errors.HardwareRejected(node=node, section=section.value, reason=reason)


def _immediate_volumes(system: Any) -> dict[str, bool]:
    """Controller id -> whether the BMC creates its volumes at once."""
    found = {}
    for storage in system.storage.get_members():
        if "Volumes" not in storage.json:
            continue
        support = storage.volumes.json.get("@Redfish.OperationApplyTimeSupport") or {}
        values = support.get("SupportedValues")
        found[storage.identity] = values is None or "Immediate" in values
    return found


def check(
    node: str,
    system: Any,
    inventory: inv.Inventory,
    request: hw.HardwareRequest,
) -> hardware_plan.Plan:
    """What the request makes of the system (``hardware_plan.plan``).

    Raises:
        HardwareRejected: a section the system or its BMC cannot take.
    """
    plan = hardware_plan.plan(node, inventory, request)
    if plan.get("raid"):
        immediate = _immediate_volumes(system)
        for volume in plan["raid"]:
            if not immediate.get(volume["controller"], False):
                raise _reject(
                    node,
                    hw.HardwareSection.RAID,
                    f"the BMC creates volumes of {volume['controller']} only "
                    "at a reset (asynchronous volumes are not supported)",
                )
    if request.bios and any(
        inventory.bios[s.name].attribute_type is inv.BiosAttributeType.PASSWORD
        for s in request.bios
    ):
        raise _reject(
            node, hw.HardwareSection.BIOS, "BIOS passwords are not set by Mogan"
        )
    return plan


# ---------------------------------------------------------------- firmware


def start_firmware(
    root: Any, system: Any, updates: list[dict[str, str]]
) -> list[dict[str, str]]:
    """Start each update (``{component, url}``); the tasks to poll."""
    items = rinv.firmware_items(root, system)
    service = root.get_update_service()
    tasks = []
    for update in updates:
        item = items.get(update["component"])
        if item is None:
            raise errors.DriverError(
                node=system.identity,
                reason=f"firmware: no component {update['component']}",
            )
        monitor = service.simple_update(update["url"], targets=[item.path])
        task = monitor.task
        tasks.append(
            {
                "component": update["component"],
                "monitor": monitor.task_monitor_uri,
                "task": task.path if task is not None else "",
            }
        )
    return tasks


def firmware_progress(
    root: Any, tasks: list[dict[str, str]]
) -> tuple[bool, str | None]:
    """(all ended, the first failure) of the firmware tasks.

    Read from each Task (``TaskState``, ``Messages``): a task monitor
    answers 202 while running, but the Task resource sushy keeps answers
    200 whatever the state.
    """
    for task in tasks:
        monitor = root.get_task_monitor(task["task"] or task["monitor"])
        raw = monitor.get_task().json if monitor.task is None else monitor.task.json
        state = raw.get("TaskState")
        if state is None:
            if monitor.is_processing:
                return False, None
            continue
        if state in RUNNING_TASKS:
            return False, None
        if state != "Completed":
            messages = [str(m.get("Message", "")) for m in raw.get("Messages") or []]
            text = "; ".join(m for m in messages if m) or state
            return True, f"update of {task['component']} failed: {text}"
    return True, None


# ---------------------------------------------------------------- RAID


def _storage(system: Any, controller: str) -> Any:
    for storage in system.storage.get_members():
        if storage.identity == controller:
            return storage
    raise errors.DriverError(
        node=system.identity, reason=f"raid: no storage {controller}"
    )


def create_volumes(system: Any, volumes: list[dict[str, Any]]) -> list[str]:
    """Create the planned volumes; their paths (in order)."""
    made = []
    for index, volume in enumerate(volumes):
        storage = _storage(system, volume["controller"])
        drives = {d.identity: d.path for d in storage.drives}
        payload: dict[str, Any] = {
            "Name": volume.get("name") or f"mogan-{index}",
            "RAIDType": rinv.REDFISH_RAID[volume["raid_level"]],
            "Links": {
                "Drives": [{"@odata.id": drives[d]} for d in volume["physical_disks"]]
            },
        }
        if volume.get("asked_gb") is not None:
            payload["CapacityBytes"] = int(volume["asked_gb"]) * GIB
        created = storage.volumes.create(payload)
        if not isinstance(created, sushy_volume.Volume):
            raise errors.DriverError(
                node=system.identity,
                reason="raid: the BMC created the volume asynchronously",
            )
        made.append(created.path)
    return made


def delete_volumes(system: Any, paths: list[str]) -> None:
    """Delete the volumes a deploy made (gone already: fine)."""
    wanted = set(paths)
    for storage in system.storage.get_members():
        if "Volumes" not in storage.json or not wanted:
            continue
        for volume in storage.volumes.get_members():
            if volume.path in wanted:
                with contextlib.suppress(sushy_exc.ResourceNotFoundError):
                    volume.delete()
                wanted.discard(volume.path)


def read_volumes(system: Any, paths: list[str]) -> list[dict[str, Any]]:
    """What the BMC says of these volumes (missing ones are left out)."""
    wanted = set(paths)
    found = []
    for storage in system.storage.get_members():
        if "Volumes" not in storage.json:
            continue
        for volume in storage.volumes.get_members():
            if volume.path not in wanted:
                continue
            raw = volume.json
            found.append(
                {
                    "name": raw.get("Name"),
                    "raid_level": rinv.RAID_LEVELS.get(raw.get("RAIDType", ""), None),
                    "size_gb": int(raw.get("CapacityBytes") or 0) // GIB,
                    "controller": storage.identity,
                    "physical_disks": [
                        str(d.get("@odata.id", "")).rsplit("/", 1)[-1]
                        for d in (raw.get("Links") or {}).get("Drives") or []
                    ],
                    "path": volume.path,
                }
            )
    return found


# ---------------------------------------------------------------- BIOS


def _typed(value: str | None, attr: inv.BiosAttribute | None) -> Any:
    """A value as the BMC's JSON wants it (registry types)."""
    if value is None or attr is None:
        return value
    if attr.attribute_type is inv.BiosAttributeType.INTEGER:
        return int(value)
    if attr.attribute_type is inv.BiosAttributeType.BOOLEAN:
        return value.lower() == "true"
    return value


def _apply_time(bios: Any, immediate: bool) -> Any:
    supported = set(bios.supported_apply_times or [])
    if immediate and sushy.ApplyTime.IMMEDIATE in supported:
        return sushy.ApplyTime.IMMEDIATE
    if sushy.ApplyTime.ON_RESET in supported:
        return sushy.ApplyTime.ON_RESET
    return None


def set_bios(
    system: Any, settings: dict[str, str], registry: dict[str, inv.BiosAttribute]
) -> None:
    """PATCH the settings, to apply at the next boot."""
    bios = system.bios
    values = {
        name: _typed(value, registry.get(name)) for name, value in settings.items()
    }
    bios.set_attributes(values, apply_time=_apply_time(bios, immediate=False))


def bios_outcome(system: Any) -> str | None:
    """The failure the BMC recorded for the last BIOS apply, if any."""
    status = system.bios.update_status
    if status is not None and status.status == sushy_settings.UPDATE_FAILURE:
        text = "; ".join(str(m.message) for m in status.messages or [])
        return f"BIOS settings not applied: {text or 'the BMC reports a failure'}"
    return None


def restore_bios(
    system: Any,
    policy: str,
    saved: dict[str, str | None],
    registry: dict[str, inv.BiosAttribute],
) -> bool:
    """Put the BIOS back per ``[hardware] restore_bios``; True when a boot applies it.

    ``previous`` writes the values ``saved`` before the deploy (at once when
    the BMC can), ``factory`` asks for the defaults (``Bios.ResetBios``,
    applied at the next boot), ``none`` leaves the server's values.
    """
    bios = system.bios
    if policy == "factory":
        bios.reset_bios()
        return True
    values = {
        name: _typed(value, registry.get(name))
        for name, value in saved.items()
        if value is not None
    }
    if policy != "previous" or not values:
        return False
    when = _apply_time(bios, immediate=True)
    bios.set_attributes(values, apply_time=when)
    return bool(when != sushy.ApplyTime.IMMEDIATE)


# ---------------------------------------------------------------- result


def result(
    system: Any,
    firmware: tuple[inv.FirmwareComponent, ...],
    record: dict[str, Any],
) -> hw.HardwareResult:
    """One ``SectionResult`` per section asked, read back from the BMC."""
    plan = record.get("plan") or {}
    failures: dict[str, str] = record.get("errors") or {}
    sections = []
    for name in record.get("sections") or []:
        section = hw.HardwareSection(name)
        error = failures.get(name)
        details: dict[str, Any] = {}
        if section is hw.HardwareSection.FIRMWARE:
            versions = {c.component: c.current_version for c in firmware}
            details = {"versions": versions}
            wrong = [
                f"{c} runs {versions.get(c)}, not {v}"
                for c, v in plan.get("firmware", {}).items()
                if versions.get(c) != v
            ]
            error = error or ("; ".join(wrong) or None)
        elif section is hw.HardwareSection.RAID:
            volumes = read_volumes(system, record.get("volumes") or [])
            details = {"volumes": volumes}
            if error is None and len(volumes) != len(plan.get("raid", [])):
                error = "RAID volumes missing on the BMC"
        elif section is hw.HardwareSection.BIOS:
            current = rinv.bios(system)
            asked = plan.get("bios", {})
            details = {
                "settings": {n: current[n].current_value for n in asked if n in current}
            }
            wrong = [
                f"{n} is {details['settings'].get(n)}, not {v}"
                for n, v in asked.items()
                if str(details["settings"].get(n)).lower() != str(v).lower()
            ]
            error = error or ("; ".join(wrong) or None)
        elif section is hw.HardwareSection.BONDS:
            details = {"bonds": plan.get("bonds", [])}
        sections.append(
            hw.SectionResult(
                section=section, applied=error is None, error=error, details=details
            )
        )
    return hw.HardwareResult(tuple(sections))
