"""Storage, drives and volumes of a system (RAID through Redfish volumes).

The stock views read storage from the configuration file at start (keyed by
uuid: no systems added later), drop a new volume's ``RAIDType`` and drives,
and cannot delete one. These views serve the system record's storage
instead, and create volumes the way a RAID controller does: the RAID level
must be one the controller supports, with enough free drives of this
controller, and the capacity fits what the level yields. Volumes are created
and deleted at once (``@Redfish.OperationApplyTimeSupport``: ``Immediate``).
"""

import time
from typing import Any

import flask
from sushy_tools import error

from . import redfish, system_views
from .state import STORE

# NOTE: (minimum drives, must be even, usable share of n drives of size s).
RAID_LEVELS = {
    "RAID0": (1, False, lambda n, s: n * s),
    "RAID1": (2, True, lambda n, s: n * s // 2),
    "RAID5": (3, False, lambda n, s: (n - 1) * s),
    "RAID6": (4, False, lambda n, s: (n - 2) * s),
    "RAID10": (4, True, lambda n, s: n * s // 2),
}
VOLUME_TYPES = {
    "RAID0": "NonRedundant",
    "RAID1": "Mirrored",
    "RAID5": "StripedWithParity",
    "RAID6": "StripedWithParity",
    "RAID10": "SpannedMirrors",
}


def _path(identity: str, storage_id: str = "") -> str:
    base = f"{system_views.SYSTEMS}/{identity}/Storage"
    return f"{base}/{storage_id}" if storage_id else base


def _controller(
    identity: str, storage_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    system = system_views.record(identity)
    for ctl in system["storage"]:
        if ctl["id"] == storage_id:
            return system, ctl
    raise error.NotFound(f"no storage {storage_id}")


def storage_collection(identity: str) -> flask.Response:
    """The system's storage subsystems."""
    system = system_views.record(identity)
    members = [_path(identity, ctl["id"]) for ctl in system["storage"]]
    return redfish.respond(
        redfish.collection(_path(identity), "Storage", "Storage", members)
    )


def storage(identity: str, storage_id: str) -> flask.Response:
    """One storage subsystem: its controller, drives and volumes."""
    system, ctl = _controller(identity, storage_id)
    path = _path(identity, storage_id)
    body = redfish.odata(
        path,
        "#Storage.v1_9_0.Storage",
        Id=ctl["id"],
        Name=ctl["name"],
        Status={"State": "Enabled", "Health": "OK"},
        StorageControllers=[
            {
                "@odata.id": f"{path}#/StorageControllers/0",
                "MemberId": "0",
                "Name": ctl["name"],
                "Status": {"State": "Enabled", "Health": "OK"},
                "SpeedGbps": 12,
                "SupportedControllerProtocols": ["PCIe"],
                "SupportedDeviceProtocols": ["SAS", "SATA"],
                "SupportedRAIDTypes": ctl["raid_types"],
            }
        ],
        Drives=[redfish.link(f"{path}/Drives/{d['id']}") for d in ctl["drives"]],
        **{"Drives@odata.count": len(ctl["drives"])},
    )
    if "volumes" in system["features"]:
        body["Volumes"] = redfish.link(f"{path}/Volumes")
    return redfish.respond(body)


def drive(identity: str, stg_id: str, drv_id: str) -> flask.Response:
    """One drive."""
    _system, ctl = _controller(identity, stg_id)
    path = _path(identity, stg_id)
    for disk in ctl["drives"]:
        if disk["id"] == drv_id:
            volumes = [
                redfish.link(f"{path}/Volumes/{vol['id']}")
                for vol in ctl["volumes"]
                if disk["id"] in vol["drives"]
            ]
            body = redfish.odata(
                f"{path}/Drives/{drv_id}",
                "#Drive.v1_9_0.Drive",
                Id=disk["id"],
                Name=disk["name"],
                CapacityBytes=disk["capacity_bytes"],
                MediaType=disk["media_type"],
                Protocol=disk["protocol"],
                Manufacturer="Contoso",
                Model="C123",
                SerialNumber=f"SN-{identity[:8]}-{disk['id']}",
                BlockSizeBytes=512,
                Status={"State": "Enabled", "Health": "OK"},
                Links={"Volumes": volumes},
            )
            return redfish.respond(body)
    raise error.NotFound(f"no drive {drv_id}")


def _volume_body(path: str, vol: dict[str, Any]) -> dict[str, Any]:
    return redfish.odata(
        path,
        "#Volume.v1_6_2.Volume",
        Id=vol["id"],
        Name=vol["name"],
        CapacityBytes=vol["capacity_bytes"],
        RAIDType=vol["raid_type"],
        VolumeType=VOLUME_TYPES[vol["raid_type"]],
        Encrypted=False,
        BlockSizeBytes=512,
        Identifiers=[{"DurableNameFormat": "UUID", "DurableName": vol["durable_name"]}],
        Status={"State": "Enabled", "Health": "OK"},
        Links={
            "Drives": [
                redfish.link(f"{path.rsplit('/Volumes/', 1)[0]}/Drives/{d}")
                for d in vol["drives"]
            ]
        },
    )


def volumes(identity: str, storage_id: str) -> flask.Response:
    """GET the volumes; POST creates one."""
    system, ctl = _controller(identity, storage_id)
    if "volumes" not in system["features"]:
        raise error.NotFound("volumes are not supported")
    path = f"{_path(identity, storage_id)}/Volumes"
    if flask.request.method == "POST":
        return _create(identity, system, ctl, path)
    body = redfish.collection(
        path, "Volume", "Volumes", [f"{path}/{v['id']}" for v in ctl["volumes"]]
    )
    body["@Redfish.OperationApplyTimeSupport"] = {
        "@odata.type": "#Settings.v1_3_5.OperationApplyTimeSupport",
        "SupportedValues": ["Immediate"],
    }
    return redfish.respond(body)


def _drives_of(body: dict[str, Any], ctl: dict[str, Any], path: str) -> list[str]:
    links = (body.get("Links") or {}).get("Drives")
    if not isinstance(links, list) or not links:
        raise redfish.RedfishError(400, "PropertyMissing", "Links/Drives")
    by_path = {
        f"{path.rsplit('/Volumes', 1)[0]}/Drives/{d['id']}": d for d in ctl["drives"]
    }
    chosen = []
    for index, item in enumerate(links):
        target = redfish.link_path(item)
        if target not in by_path:
            raise redfish.RedfishError(
                400,
                "ResourceMissingAtURI",
                target,
                related=(f"#/Links/Drives/{index}",),
            )
        chosen.append(by_path[target]["id"])
    if len(set(chosen)) != len(chosen):
        raise redfish.RedfishError(
            400, "InvalidObject", "Links/Drives", text="a drive is listed twice"
        )
    used = {d for vol in ctl["volumes"] for d in vol["drives"]}
    if used & set(chosen):
        raise redfish.RedfishError(
            409,
            "ResourceInUse",
            text=f"drives {sorted(used & set(chosen))} already belong to a volume",
        )
    return chosen


def _create(
    identity: str, system: dict[str, Any], ctl: dict[str, Any], path: str
) -> flask.Response:
    body = redfish.request_json()
    apply_time = body.get("@Redfish.OperationApplyTime", "Immediate")
    if apply_time != "Immediate":
        raise redfish.RedfishError(
            400, "PropertyValueNotInList", apply_time, "@Redfish.OperationApplyTime"
        )
    raid = body.get("RAIDType")
    if raid is None:
        raise redfish.RedfishError(400, "PropertyMissing", "RAIDType")
    if raid not in ctl["raid_types"] or raid not in RAID_LEVELS:
        raise redfish.RedfishError(400, "PropertyValueNotInList", raid, "RAIDType")
    with STORE.lock:
        fault = STORE.take_fault("volume.create", system["uuid"])
        if fault is not None:
            raise redfish.RedfishError(
                int(fault.get("status") or 500),
                "GeneralError",
                text=fault.get("message") or "scripted failure: volume create",
            )
        chosen = _drives_of(body, ctl, path)
        minimum, even, usable = RAID_LEVELS[raid]
        if len(chosen) < minimum or (even and len(chosen) % 2):
            raise redfish.RedfishError(
                400,
                "InvalidObject",
                "Links/Drives",
                text=f"{raid} cannot be built from {len(chosen)} drives",
            )
        smallest = min(d["capacity_bytes"] for d in ctl["drives"] if d["id"] in chosen)
        most = usable(len(chosen), smallest)
        capacity = body.get("CapacityBytes", most)
        if not isinstance(capacity, int) or not 0 < capacity <= most:
            raise redfish.RedfishError(
                400, "PropertyValueNotInList", capacity, "CapacityBytes"
            )
        number = 1 + max(
            (int(v["id"].rsplit(".", 1)[-1]) for v in ctl["volumes"]), default=-1
        )
        vol_id = f"Disk.Virtual.{number}"
        ctl["volumes"].append(
            {
                "id": vol_id,
                "name": str(body.get("Name") or vol_id),
                "capacity_bytes": capacity,
                "raid_type": raid,
                "drives": chosen,
                "durable_name": f"{identity}-{ctl['id']}-{number}-{time.time_ns()}",
            }
        )
    location = f"{path}/{vol_id}"
    return redfish.respond(
        _volume_body(location, ctl["volumes"][-1]), 201, {"Location": location}
    )


def volume(identity: str, stg_id: str, vol_id: str) -> flask.Response:
    """GET a volume; DELETE it (its drives are free again)."""
    system, ctl = _controller(identity, stg_id)
    if "volumes" not in system["features"]:
        raise error.NotFound("volumes are not supported")
    path = f"{_path(identity, stg_id)}/Volumes/{vol_id}"
    with STORE.lock:
        for vol in ctl["volumes"]:
            if vol["id"] != vol_id:
                continue
            if flask.request.method == "GET":
                return redfish.respond(_volume_body(path, vol))
            fault = STORE.take_fault("volume.delete", system["uuid"])
            if fault is not None:
                raise redfish.RedfishError(
                    int(fault.get("status") or 500),
                    "GeneralError",
                    text=fault.get("message") or "scripted failure: volume delete",
                )
            ctl["volumes"].remove(vol)
            return redfish.respond(None, 204)
    raise error.NotFound(f"no volume {vol_id}")


def install(app: flask.Flask) -> None:
    """Put these views on the emulator's app."""
    views = app.view_functions
    views["storage_collection"] = storage_collection
    views["storage"] = storage
    views["drive_resource"] = drive
    views["volumes_collection"] = volumes
    views["volume"] = volume
    app.add_url_rule(
        f"{system_views.SYSTEMS}/<identity>/Storage/<stg_id>/Volumes/<vol_id>",
        "mogan_volume_delete",
        volume,
        methods=["DELETE"],
    )
