"""Firmware: UpdateService.SimpleUpdate as a task, the firmware inventory, tasks.

``SimpleUpdate`` answers 202 with a task monitor (``Location``) and the Task;
a thread then fetches the image (a real download: serve it on loopback),
waits ``delays["firmware"]`` and flashes: the target's version becomes the
version in the image's file name (``bios-2.1.0.bin`` gives ``2.1.0``), or
the current one with its last number bumped. The Task ends ``Completed``, or
``Exception`` with a message when the download fails or a ``firmware``
fault is scripted.

Targets: a system (its BIOS), a manager (its BMC: here one per system), or
a firmware inventory member (``<system uuid>-BIOS`` / ``-BMC``).

Note for clients: sushy's ``TaskMonitor.from_response`` follows the
``@odata.id`` of the Task in the 202 body, so it polls the Task resource,
which answers 200 whatever the state: read ``TaskState``, not
``is_processing``. The monitor URI itself answers 202 until the task ends.
"""

import re
import threading
import time
from typing import Any

import flask
import requests
from sushy_tools import error

from . import redfish, system_views
from .state import STORE

UPDATE = "/redfish/v1/UpdateService"
INVENTORY = f"{UPDATE}/FirmwareInventory"
TASKS = "/redfish/v1/TaskService/Tasks"
MONITORS = "/redfish/v1/TaskService/TaskMonitors"
ACTION = "UpdateService.SimpleUpdate"
COMPONENTS = {"BIOS": "BiosVersion", "BMC": "BmcVersion"}
DOWNLOAD_TIMEOUT = 30
RUNNING_STATES = {"New", "Starting", "Running", "Pending"}


def update_service() -> flask.Response:
    """The UpdateService, with its SimpleUpdate action and inventory."""
    return redfish.respond(
        redfish.odata(
            UPDATE,
            "#UpdateService.v1_11_0.UpdateService",
            Id="UpdateService",
            Name="Update Service",
            ServiceEnabled=True,
            Status={"State": "Enabled", "Health": "OK"},
            FirmwareInventory=redfish.link(INVENTORY),
            Actions={
                f"#{ACTION}": {
                    "target": f"{UPDATE}/Actions/{ACTION}",
                    "TransferProtocol@Redfish.AllowableValues": ["HTTP", "HTTPS"],
                }
            },
        )
    )


def _firmware_systems() -> list[dict[str, Any]]:
    with STORE.lock:
        return [s for s in STORE.systems.values() if "firmware" in s["features"]]


def inventory() -> flask.Response:
    """Every system's BIOS and BMC firmware."""
    members = [
        f"{INVENTORY}/{system['uuid']}-{component}"
        for system in _firmware_systems()
        for component in COMPONENTS
    ]
    return redfish.respond(
        redfish.collection(INVENTORY, "SoftwareInventory", "Firmware", members)
    )


def _component(member: str) -> tuple[dict[str, Any], str]:
    system_uuid, _, component = member.rpartition("-")
    system = STORE.systems.get(system_uuid)
    if system is None or component not in COMPONENTS:
        raise error.NotFound(f"no firmware {member}")
    if "firmware" not in system["features"]:
        raise error.NotFound(f"no firmware {member}")
    return system, component


def inventory_member(member: str) -> flask.Response:
    """One firmware component."""
    with STORE.lock:
        system, component = _component(member)
        related = "Systems" if component == "BIOS" else "Managers"
        body = redfish.odata(
            f"{INVENTORY}/{member}",
            "#SoftwareInventory.v1_4_0.SoftwareInventory",
            Id=member,
            Name=f"{system['name']} {component}",
            SoftwareId=component,
            Version=system["versions"][COMPONENTS[component]],
            Updateable=True,
            RelatedItem=[redfish.link(f"/redfish/v1/{related}/{system['uuid']}")],
            Status={"State": "Enabled", "Health": "OK"},
        )
    return redfish.respond(body)


def _target(target: Any) -> tuple[str, str]:
    """(system uuid, component) of a SimpleUpdate target."""
    path = target.rstrip("/") if isinstance(target, str) else ""
    kind, _, name = path.rpartition("/")
    with STORE.lock:
        if kind in {"/redfish/v1/Systems", "/redfish/v1/Managers"}:
            system = STORE.systems.get(name)
            component = "BIOS" if kind.endswith("Systems") else "BMC"
        elif kind == INVENTORY and "-" in name:
            try:
                system, component = _component(name)
            except error.NotFound:
                system = None
        else:
            system = None
        if system is None or "firmware" not in system["features"]:
            raise redfish.RedfishError(
                400, "ActionParameterValueFormatError", target, "Targets", ACTION
            )
        return system["uuid"], component


def simple_update() -> flask.Response:
    """Start a firmware update task; 202 with its monitor."""
    body = redfish.request_json()
    image = body.get("ImageURI")
    if not isinstance(image, str) or not image:
        raise redfish.RedfishError(400, "ActionParameterMissing", ACTION, "ImageURI")
    targets = body.get("Targets")
    if not isinstance(targets, list) or not targets:
        raise redfish.RedfishError(400, "ActionParameterMissing", ACTION, "Targets")
    if "://" not in image:
        protocol = str(body.get("TransferProtocol", "")).lower()
        if protocol not in {"http", "https"}:
            raise redfish.RedfishError(
                400, "ActionParameterMissing", ACTION, "TransferProtocol"
            )
        image = f"{protocol}://{image}"
    resolved = [_target(target) for target in targets]
    with STORE.lock:
        STORE.task_counter += 1
        task_id = str(STORE.task_counter)
        task = {
            "id": task_id,
            "state": "Running",
            "status": "OK",
            "start": time.time(),
            "end": None,
            "percent": 0,
            "messages": [],
            "payload": {"ImageURI": image, "Targets": targets},
        }
        STORE.tasks[task_id] = task
    threading.Thread(
        target=_flash,
        args=(task, image, resolved),
        name=f"flash-{task_id}",
        daemon=True,
    ).start()
    return redfish.respond(
        task_body(task), 202, {"Location": f"{MONITORS}/{task_id}", "Retry-After": "1"}
    )


def _new_version(image: str, current: str) -> str:
    found = re.findall(r"\d+(?:\.\d+)+", image.rsplit("/", 1)[-1])
    if found:
        return found[-1]
    parts = current.split(".")
    parts[-1] = str(int(parts[-1]) + 1) if parts[-1].isdigit() else parts[-1] + "1"
    return ".".join(parts)


def _flash(task: dict[str, Any], image: str, targets: list[tuple[str, str]]) -> None:
    """The update itself (on a thread): download, wait, flash, end the task."""
    generation = STORE.generation
    failure = None
    try:
        # NOTE: BMCs commonly skip certificate checks of image servers.
        with requests.get(image, timeout=DOWNLOAD_TIMEOUT, verify=False) as resp:  # noqa: S501
            if resp.status_code >= 400:
                failure = f"cannot download {image}: HTTP {resp.status_code}"
    except requests.RequestException as err:
        failure = f"cannot download {image}: {err}"
    time.sleep(STORE.delays["firmware"])
    with STORE.lock:
        if STORE.generation != generation:
            return
        for system_uuid, _component in targets:
            if failure is None:
                fault = STORE.take_fault("firmware", system_uuid)
                if fault is not None:
                    failure = (
                        fault.get("message") or "scripted failure: firmware update"
                    )
        if failure is None:
            for system_uuid, component in targets:
                system = STORE.systems.get(system_uuid)
                if system is not None:
                    key = COMPONENTS[component]
                    system["versions"][key] = _new_version(
                        image, system["versions"][key]
                    )
            task.update(state="Completed", messages=[redfish.message("Success")])
        else:
            task.update(
                state="Exception",
                status="Critical",
                messages=[redfish.message("GeneralError", text=failure)],
            )
        task.update(end=time.time(), percent=100)


def task_body(task: dict[str, Any]) -> dict[str, Any]:
    """The Task resource."""
    body = redfish.odata(
        f"{TASKS}/{task['id']}",
        "#Task.v1_7_1.Task",
        Id=task["id"],
        Name="SimpleUpdate",
        TaskState=task["state"],
        TaskStatus=task["status"],
        StartTime=system_views.iso(task["start"]),
        PercentComplete=task["percent"],
        TaskMonitor=f"{MONITORS}/{task['id']}",
        Messages=task["messages"],
        Payload={
            "TargetUri": f"{UPDATE}/Actions/{ACTION}",
            "HttpOperation": "POST",
            "JsonBody": str(task["payload"]),
        },
    )
    if task["end"] is not None:
        body["EndTime"] = system_views.iso(task["end"])
    return body


def _task(task_id: str) -> dict[str, Any]:
    with STORE.lock:
        task = STORE.tasks.get(task_id)
        if task is None:
            raise error.NotFound(f"no task {task_id}")
        return dict(task)


def task_resource(task_id: str) -> flask.Response:
    """A Task (200 whatever its state)."""
    return redfish.respond(task_body(_task(task_id)))


def task_monitor(task_id: str) -> flask.Response:
    """A task monitor: 202 while the task runs, then 200 with the Task."""
    task = _task(task_id)
    if task["state"] in RUNNING_STATES:
        return redfish.respond(
            task_body(task),
            202,
            {"Location": f"{MONITORS}/{task_id}", "Retry-After": "1"},
        )
    return redfish.respond(task_body(task))


def task_service() -> flask.Response:
    """The TaskService."""
    return redfish.respond(
        redfish.odata(
            "/redfish/v1/TaskService",
            "#TaskService.v1_2_0.TaskService",
            Id="TaskService",
            Name="Task Service",
            ServiceEnabled=True,
            CompletedTaskOverWritePolicy="Oldest",
            LifeCycleEventOnTaskStateChange=False,
            DateTime=system_views.iso(time.time()),
            Status={"State": "Enabled", "Health": "OK"},
            Tasks=redfish.link(TASKS),
        )
    )


def tasks() -> flask.Response:
    """Every task."""
    with STORE.lock:
        members = [f"{TASKS}/{task_id}" for task_id in STORE.tasks]
    return redfish.respond(redfish.collection(TASKS, "Task", "Tasks", members))


def install(app: flask.Flask) -> None:
    """Put these views on the emulator's app."""
    views = app.view_functions
    views["UpdateService.update_service_resource"] = update_service
    views["UpdateService.update_service_simple_update"] = simple_update
    views["simple_task_service"] = task_service
    views["simple_task"] = lambda: task_resource("42")
    app.add_url_rule(INVENTORY, "mogan_firmware_inventory", inventory)
    app.add_url_rule(f"{INVENTORY}/<member>", "mogan_firmware_member", inventory_member)
    app.add_url_rule(TASKS, "mogan_tasks", tasks)
    app.add_url_rule(f"{TASKS}/<task_id>", "mogan_task", task_resource)
    app.add_url_rule(f"{MONITORS}/<task_id>", "mogan_task_monitor", task_monitor)
