"""The fake driver's simulated BMC: applies checked hardware requests.

``hardware_plan.plan`` (re-exported here) checks a request against the
node's inventory as a BMC would; ``apply`` runs the plan on the node's
simulated configuration, failing one section when scripted to; ``restore``
gives the configuration back at teardown per ``[hardware] restore_bios``.

The simulated configuration is a JSON dict: ``raid`` (volumes), ``bios``
(attributes set, name to value, over the inventory's), ``firmware``
(component to version flashed), ``bonds``. A node's hardware ``record``
holds it with what a running deploy or teardown will leave at a time
(``settle`` applies that once the time has passed); ``fake_fleet`` stores
the record.

What must not live here: storage (``fake_fleet``), when an operation may
start (``fake``).
"""

import dataclasses
from typing import Any

from mogan.drivers import hardware as hw
from mogan.drivers import inventory as inv
from mogan.drivers.hardware_plan import flashed_version, plan

__all__ = [
    "apply",
    "empty",
    "flashed_version",
    "overlay",
    "plan",
    "record",
    "restore",
    "settle",
]

Config = dict[str, Any]


def empty() -> Config:
    """A node's configuration before any server changed it."""
    return {"raid": [], "bios": {}, "firmware": {}, "bonds": []}


def apply(
    config: Config, planned: Config, fail: str | None
) -> tuple[Config, list[dict[str, Any]], str | None]:
    """Apply ``planned`` section by section; ``fail`` names a section that fails.

    A failing section leaves the node as it was for that section, and the
    later sections are not attempted (as a BMC's job queue stops).

    Returns:
        The new configuration, the per-section results (``section``,
        ``applied``, ``error``, ``details``) and the deploy's error (None
        when every section applied).
    """
    new = {key: _copy(value) for key, value in config.items()}
    results: list[dict[str, Any]] = []
    error = None
    for section in hw.HardwareSection:
        if section.value not in planned:
            continue
        value = planned[section.value]
        if error is not None:
            results.append(_result(section, False, f"not attempted: {error}"))
            continue
        if section.value == fail:
            error = f"hardware section {section.value} failed: simulated failure"
            results.append(_result(section, False, error))
            continue
        if section in (hw.HardwareSection.BIOS, hw.HardwareSection.FIRMWARE):
            new[section.value] = {**new[section.value], **value}
            details = {"settings" if section.value == "bios" else "versions": value}
        else:
            new[section.value] = value
            key = "logical_disks" if section.value == "raid" else "bonds"
            details = {key: value}
        results.append(_result(section, True, None, details))
    return new, results, error


def restore(config: Config, saved_bios: dict[str, str], policy: str) -> Config:
    """The configuration after teardown: no RAID, no bonds, BIOS per ``policy``.

    ``policy`` is ``[hardware] restore_bios``: ``previous`` (the values
    before the server's deploy, ``saved_bios``), ``factory`` (none set) or
    ``none`` (kept). Firmware stays.
    """
    bios = {"previous": dict(saved_bios), "factory": {}}.get(
        policy, dict(config["bios"])
    )
    return {"raid": [], "bios": bios, "firmware": dict(config["firmware"]), "bonds": []}


def overlay(inventory: inv.Inventory, config: Config) -> inv.Inventory:
    """The inventory with the configuration's BIOS values and firmware versions."""
    bios = {
        name: dataclasses.replace(attr, current_value=config["bios"][name])
        if name in config["bios"]
        else attr
        for name, attr in inventory.bios.items()
    }
    flashed = config["firmware"]
    firmware = tuple(
        dataclasses.replace(
            c,
            current_version=flashed[c.component],
            last_version_flashed=flashed[c.component],
        )
        if c.component in flashed
        else c
        for c in inventory.firmware
    )
    return dataclasses.replace(inventory, bios=bios, firmware=firmware)


def _copy(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else list(value)


def _result(
    section: hw.HardwareSection,
    applied: bool,
    error: str | None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "section": section.value,
        "applied": applied,
        "error": error,
        "details": details or {},
    }


def record() -> dict[str, Any]:
    """A node's simulated hardware before anything was applied.

    ``config`` is what the node has (``fake_hardware``); ``next`` what it
    will have at ``next_at`` (the end of the deploy or teardown applying
    it); ``results`` the last deploy's per-section results, known from
    ``results_at``; ``saved_bios`` the BIOS values before that deploy (for
    ``restore_bios = previous``); the rest is scripting.
    """
    return {
        "config": empty(),
        "next": None,
        "next_at": 0.0,
        "results": [],
        "results_at": 0.0,
        "saved_bios": {},
        "fail_hardware": None,
        "fail_restore": 0,
        "hardware_seconds": None,
    }


def settle(record: dict[str, Any], now: float) -> None:
    """Apply a pending configuration whose simulated time has passed."""
    if record["next"] is not None and now >= record["next_at"]:
        record["config"], record["next"] = record["next"], None
