"""Views on systems: the service root, ComputerSystem, BIOS, processors, memory.

The stock ComputerSystem view is kept and its JSON amended (real boot
override state, ``BootProgress``, ``SystemType``, processor and memory
summaries, ``Links.ResourceBlocks`` of a composed system); its PATCH keeps
the ``BootSourceOverrideEnabled`` the stock view ignores. BIOS, processors
and memory are the team's own views over the system's record.
"""

import datetime
import json
import time
from collections.abc import Callable
from typing import Any

import flask
from sushy_tools import error

from . import bios, redfish
from .state import STORE

SYSTEMS = "/redfish/v1/Systems"
BOOT_ENABLED = ("Disabled", "Once", "Continuous")
BOOT_TARGETS = ("None", "Pxe", "Cd", "Hdd", "Usb", "Floppy", "UefiHttp", "BiosSetup")


def driver() -> Any:
    """The app's systems driver (``systems.Driver``)."""
    return flask.current_app.systems


def record(identity: str, feature: str | None = None) -> dict[str, Any]:
    """A system's record; 404 when it lacks ``feature``."""
    system = driver().record(identity)
    if feature is not None and feature not in system["features"]:
        raise error.NotFound(f"{feature} is not supported by system {identity}")
    return system


def iso(stamp: float | None) -> str | None:
    """An epoch time as Redfish's ISO 8601 date-time."""
    if stamp is None:
        return None
    moment = datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC)
    return moment.isoformat(timespec="seconds")


def _status(state: str = "Enabled") -> dict[str, str]:
    return {"State": state, "Health": "OK"}


# ---------------------------------------------------------------- root


def wrap_root(original: Callable[..., flask.Response]) -> Callable[..., flask.Response]:
    """The service root, with sessions, tasks and (with a pool) composition."""

    def root_resource() -> flask.Response:
        body = json.loads(original().get_data())
        body["Product"] = "Mogan test BMC (sushy-tools 2.2 + team plugin)"
        body["SessionService"] = redfish.link("/redfish/v1/SessionService")
        body["TaskService"] = redfish.link("/redfish/v1/TaskService")
        body["Links"] = {
            "Sessions": redfish.link("/redfish/v1/SessionService/Sessions")
        }
        if STORE.pool is not None:
            body["CompositionService"] = redfish.link("/redfish/v1/CompositionService")
        return redfish.respond(body)

    return root_resource


# ---------------------------------------------------------------- system


def _amend(body: dict[str, Any], system: dict[str, Any]) -> None:
    boot = body.setdefault("Boot", {})
    boot["BootSourceOverrideEnabled"] = system["boot_enabled"]
    boot["BootSourceOverrideEnabled@Redfish.AllowableValues"] = list(BOOT_ENABLED)
    boot["BootSourceOverrideTarget"] = system["boot_device"]
    if boot.get("HttpBootUri") == "None":
        # NOTE: the stock template renders a missing URI as the string.
        boot["HttpBootUri"] = None
    allowed = boot.setdefault("BootSourceOverrideTarget@Redfish.AllowableValues", [])
    boot["BootSourceOverrideTarget@Redfish.AllowableValues"] = ["None", *allowed]
    last = system["last_boot"]
    body["BootProgress"] = {
        "LastState": system["boot_progress"],
        "LastStateTime": iso(last["at"] if last else None),
    }
    body["SystemType"] = system["system_type"]
    body["Status"] = {**_status(system["status"]), "HealthRollup": "OK"}
    procs = [p for p in system["processors"] if p["type"] == "CPU"]
    body["ProcessorSummary"] = {
        "Count": len(procs),
        "CoreCount": sum(p["cores"] for p in procs),
        "LogicalProcessorCount": sum(p["threads"] for p in procs),
        "Model": procs[0]["model"] if procs else None,
        "Status": _status(),
    }
    mib = sum(m["capacity_mib"] for m in system["memory"])
    body["MemorySummary"] = {"TotalSystemMemoryGiB": mib / 1024, "Status": _status()}
    if system["resource_blocks"]:
        body.setdefault("Links", {})["ResourceBlocks"] = [
            redfish.link(f"/redfish/v1/CompositionService/ResourceBlocks/{block}")
            for block in system["resource_blocks"]
        ]
    if "virtual_media" not in system["features"]:
        body.pop("VirtualMedia", None)


def _patch_boot(system: dict[str, Any], boot: dict[str, Any]) -> None:
    enabled = boot.get("BootSourceOverrideEnabled")
    target = boot.get("BootSourceOverrideTarget")
    if enabled is not None and enabled not in BOOT_ENABLED:
        raise redfish.RedfishError(
            400,
            "PropertyValueNotInList",
            enabled,
            "BootSourceOverrideEnabled",
            related=("#/Boot/BootSourceOverrideEnabled",),
        )
    if target is not None and target not in BOOT_TARGETS:
        raise redfish.RedfishError(
            400,
            "PropertyValueNotInList",
            target,
            "BootSourceOverrideTarget",
            related=("#/Boot/BootSourceOverrideTarget",),
        )
    if enabled is not None:
        system["boot_enabled"] = enabled
    elif target is not None and system["boot_enabled"] == "Disabled":
        # NOTE: a target without a frequency overrides the next boot only.
        system["boot_enabled"] = "Once"


def wrap_system(
    original: Callable[..., flask.Response],
) -> Callable[..., flask.Response]:
    """ComputerSystem GET (amended) and PATCH (boot frequency kept)."""

    def system_resource(identity: str) -> flask.Response:
        if flask.request.method == "PATCH":
            body = redfish.request_json()
            boot = body.get("Boot") or {}
            with STORE.lock:
                system = record(identity)
                _patch_boot(system, boot)
                rest = {k for k in boot if k != "BootSourceOverrideEnabled"}
                if boot and not rest and not body.get("IndicatorLED"):
                    return redfish.respond(None, 204)
                return original(identity)
        with STORE.lock:
            system = record(identity)
            response = original(identity)
            if response.status_code != 200:
                return response
            body = json.loads(response.get_data())
            _amend(body, system)
        return redfish.respond(body)

    return system_resource


# ---------------------------------------------------------------- BIOS


def _bios_path(identity: str) -> str:
    return f"{SYSTEMS}/{identity}/BIOS"


def bios_resource(identity: str) -> flask.Response:
    """GET the BIOS: current attributes and the outcome of the last apply."""
    with STORE.lock:
        system = record(identity, "bios")
        settings = system["bios_settings"]
        path = _bios_path(identity)
        annotation: dict[str, Any] = {
            "@odata.type": "#Settings.v1_3_5.Settings",
            "SettingsObject": redfish.link(f"{path}/Settings"),
            "SupportedApplyTimes": list(bios.APPLY_TIMES),
            "ETag": f'W/"{settings["etag"]}"',
            "Messages": settings["messages"],
        }
        if settings["time"] is not None:
            annotation["Time"] = iso(settings["time"])
        body = redfish.odata(
            path,
            "#Bios.v1_2_0.Bios",
            Id="BIOS",
            Name="BIOS Configuration Current Settings",
            AttributeRegistry=bios.REGISTRY_ID,
            Attributes=bios.visible(system["bios"]),
            Actions={
                "#Bios.ResetBios": {"target": f"{path}/Actions/Bios.ResetBios"},
                "#Bios.ChangePassword": {
                    "target": f"{path}/Actions/Bios.ChangePassword"
                },
            },
            **{"@Redfish.Settings": annotation},
        )
        return redfish.respond(body, headers={"ETag": annotation["ETag"]})


def bios_settings(identity: str) -> flask.Response:
    """GET the pending settings; PATCH new ones (validated, applied at reset)."""
    if flask.request.method == "PATCH":
        return _patch_bios(identity)
    with STORE.lock:
        system = record(identity, "bios")
        body = redfish.odata(
            f"{_bios_path(identity)}/Settings",
            "#Bios.v1_2_0.Bios",
            Id="Settings",
            Name="BIOS Configuration Pending Settings",
            AttributeRegistry=bios.REGISTRY_ID,
            Attributes=bios.visible(system["bios_pending"]),
            **{
                "@Redfish.SettingsApplyTime": {
                    "@odata.type": "#Settings.v1_3_5.PreferredApplyTime",
                    "ApplyTime": "OnReset",
                    "ApplyTime@Redfish.AllowableValues": list(bios.APPLY_TIMES),
                }
            },
        )
        return redfish.respond(body)


def _patch_bios(identity: str) -> flask.Response:
    body = redfish.request_json()
    attributes = body.get("Attributes")
    if not isinstance(attributes, dict) or not attributes:
        raise redfish.RedfishError(400, "PropertyMissing", "Attributes")
    apply_time = (body.get("@Redfish.SettingsApplyTime") or {}).get(
        "ApplyTime", "OnReset"
    )
    if apply_time not in bios.APPLY_TIMES:
        raise redfish.RedfishError(
            400, "PropertyValueNotInList", apply_time, "ApplyTime"
        )
    with STORE.lock:
        system = record(identity, "bios")
        fault = STORE.take_fault("bios.patch", system["uuid"])
        if fault is not None:
            raise redfish.RedfishError(
                int(fault.get("status") or 400),
                "GeneralError",
                text=fault.get("message") or "scripted failure: BIOS settings",
            )
        driver().set_bios(identity, attributes)
        if apply_time == "Immediate":
            fault = STORE.take_fault("bios.apply", system["uuid"])
            failure = None
            if fault is not None:
                failure = fault.get("message") or "scripted failure: BIOS apply"
            bios.apply_pending(system, time.time(), failure)
    return redfish.respond(None, 204)


def bios_reset(identity: str) -> flask.Response:
    """Bios.ResetBios: every attribute back to its default at the next reset."""
    record(identity, "bios")
    driver().reset_bios(identity)
    return redfish.respond(None, 204)


def bios_registry() -> flask.Response:
    """The BIOS attribute registry."""
    return redfish.respond(bios.registry())


# ---------------------------------------------------------------- inventory


def processors(identity: str) -> flask.Response:
    """The system's processors collection."""
    system = record(identity)
    path = f"{SYSTEMS}/{identity}/Processors"
    members = [f"{path}/{proc['id']}" for proc in system["processors"]]
    return redfish.respond(redfish.collection(path, "Processor", "Processors", members))


def processor_body(path: str, proc: dict[str, Any]) -> dict[str, Any]:
    """A Processor resource."""
    body = redfish.odata(
        path,
        "#Processor.v1_10_0.Processor",
        Id=proc["id"],
        Name=proc["socket"],
        Socket=proc["socket"],
        ProcessorType=proc["type"],
        Manufacturer=proc["vendor"],
        Model=proc["model"],
        TotalCores=proc["cores"],
        TotalThreads=proc["threads"],
        MaxSpeedMHz=proc["speed_mhz"],
        Status=_status(),
    )
    if proc["type"] == "CPU":
        body.update(ProcessorArchitecture="x86", InstructionSet="x86-64")
    return body


def processor(identity: str, processor_id: str) -> flask.Response:
    """One processor of the system."""
    for proc in record(identity)["processors"]:
        if proc["id"] == processor_id:
            path = f"{SYSTEMS}/{identity}/Processors/{processor_id}"
            return redfish.respond(processor_body(path, proc))
    raise error.NotFound(f"no processor {processor_id}")


def memory_collection(identity: str) -> flask.Response:
    """The system's memory modules."""
    system = record(identity)
    path = f"{SYSTEMS}/{identity}/Memory"
    members = [f"{path}/{dimm['id']}" for dimm in system["memory"]]
    return redfish.respond(redfish.collection(path, "Memory", "Memory", members))


def memory_body(path: str, dimm: dict[str, Any]) -> dict[str, Any]:
    """A Memory resource."""
    return redfish.odata(
        path,
        "#Memory.v1_15_0.Memory",
        Id=dimm["id"],
        Name=dimm["id"],
        MemoryType="DRAM",
        MemoryDeviceType=dimm["device_type"],
        CapacityMiB=dimm["capacity_mib"],
        OperatingSpeedMhz=dimm["speed_mhz"],
        Status=_status(),
    )


def memory(identity: str, memory_id: str) -> flask.Response:
    """One memory module of the system."""
    for dimm in record(identity)["memory"]:
        if dimm["id"] == memory_id:
            path = f"{SYSTEMS}/{identity}/Memory/{memory_id}"
            return redfish.respond(memory_body(path, dimm))
    raise error.NotFound(f"no memory {memory_id}")


def wrap_manager(
    original: Callable[..., flask.Response],
) -> Callable[..., flask.Response]:
    """The Manager (one per system here), with the BMC firmware version."""

    def manager_resource(identity: str) -> flask.Response:
        response = original(identity)
        if flask.request.method != "GET" or response.status_code != 200:
            return response
        body = json.loads(response.get_data())
        system = STORE.systems.get(body.get("UUID", ""))
        if system is not None and "firmware" in system["features"]:
            body["FirmwareVersion"] = system["versions"]["BmcVersion"]
        return redfish.respond(body)

    return manager_resource


def install(app: flask.Flask) -> None:
    """Put these views on the emulator's app."""
    views = app.view_functions
    views["root_resource"] = wrap_root(views["root_resource"])
    views["system_resource"] = wrap_system(views["system_resource"])
    views["manager_resource"] = wrap_manager(views["manager_resource"])
    views["bios"] = bios_resource
    views["bios_settings"] = bios_settings
    views["system_reset_bios"] = bios_reset
    views["bios_registry"] = bios_registry
    views["processors_collection"] = processors
    views["processor"] = processor
    app.add_url_rule(
        f"{SYSTEMS}/<identity>/Memory", "mogan_memory_collection", memory_collection
    )
    app.add_url_rule(f"{SYSTEMS}/<identity>/Memory/<memory_id>", "mogan_memory", memory)
