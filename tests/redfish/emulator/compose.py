"""Composing and decomposing systems (``POST``/``DELETE`` on ``/Systems``).

See ``composition`` for the resources and the rules. Everything from
validating a request to giving its blocks to the new system happens under
``STORE.lock``, so concurrent requests never share a block: the loser gets
409 ``ResourceInUse`` naming the block.
"""

import time
import uuid as uuid_module
from typing import Any

import flask

from . import composition, redfish, system_views
from .state import STORE


def _requested_blocks(body: dict[str, Any], pool: dict[str, Any]) -> list[str]:
    links = body.get("Links")
    blocks = links.get("ResourceBlocks") if isinstance(links, dict) else None
    if not isinstance(blocks, list) or not blocks:
        raise redfish.RedfishError(400, "PropertyMissing", "Links/ResourceBlocks")
    chosen = []
    for index, item in enumerate(blocks):
        path = redfish.link_path(item) or ""
        prefix, _, block_id = path.rpartition("/")
        if prefix != composition.BLOCKS or block_id not in pool["blocks"]:
            raise redfish.RedfishError(
                400,
                "ResourceMissingAtURI",
                path or item,
                related=(f"#/Links/ResourceBlocks/{index}",),
            )
        if block_id in chosen:
            raise redfish.RedfishError(
                400, "InvalidObject", path, text=f"block {block_id} is listed twice"
            )
        chosen.append(block_id)
    return chosen


def _check(chosen: list[str], pool: dict[str, Any]) -> None:
    blocks = [pool["blocks"][block_id] for block_id in chosen]
    for index, block in enumerate(blocks):
        if composition.block_state(block) != "Unused":
            path = f"{composition.BLOCKS}/{block['id']}"
            raise redfish.RedfishError(
                409,
                "ResourceInUse",
                text=f"resource block {path} is already in a composition",
                related=(f"#/Links/ResourceBlocks/{index}",),
            )
    common = set(blocks[0]["zones"]).intersection(*(b["zones"] for b in blocks))
    if not common:
        raise redfish.RedfishError(
            400,
            "InvalidObject",
            "Links/ResourceBlocks",
            text=f"blocks {chosen} share no resource zone",
        )
    limits = pool["limits"]
    for kind in composition.BLOCK_TYPES:
        count = sum(kind in b["types"] for b in blocks)
        low = limits.get(f"Min{kind}", 0)
        high = limits.get(f"Max{kind}")
        if count < low or (high is not None and count > high):
            raise redfish.RedfishError(
                400,
                "InvalidObject",
                "Links/ResourceBlocks",
                text=f"{count} {kind} blocks, the limits are {low}..{high}",
            )


def _system_spec(name: str, chosen: list[str], pool: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "uuid": str(uuid_module.uuid4()),
        "name": name,
        "processors": [],
        "memory": [],
        "storage": [],
        "nics": [],
        "system_type": "Composed",
        "resource_blocks": chosen,
    }
    for block_id in chosen:
        block = pool["blocks"][block_id]
        spec["processors"] += [
            {**p, "id": f"{block_id}.{p['id']}"} for p in block["processors"]
        ]
        spec["memory"] += [
            {**m, "id": f"{block_id}.{m['id']}"} for m in block["memory"]
        ]
        spec["nics"] += block["nics"]
        if block["drives"]:
            spec["storage"].append(
                {
                    "id": block_id,
                    "name": f"{block['name']} storage",
                    "drives": block["drives"],
                }
            )
    return spec


def _faulted(fault: dict[str, Any]) -> redfish.RedfishError:
    return redfish.RedfishError(
        int(fault.get("status") or 500),
        str(fault.get("message_id") or "GeneralError"),
        text=fault.get("message") or "scripted failure: compose",
    )


def compose() -> flask.Response:
    """Specific composition: 201 with the new system's ``Location``."""
    body = redfish.request_json()
    name = body.get("Name")
    if not isinstance(name, str) or not name:
        raise redfish.RedfishError(400, "PropertyMissing", "Name")
    with STORE.lock:
        if STORE.pool is None:
            raise redfish.RedfishError(
                405, "GeneralError", text="this service composes no systems"
            )
        pool = STORE.pool
        chosen = _requested_blocks(body, pool)
        # NOTE: a scripted refusal replaces whatever the checks would say.
        fault = STORE.take_fault("compose", blocks=tuple(chosen))
        if fault is not None and not fault.get("after"):
            raise _faulted(fault)
        _check(chosen, pool)
        if any(s["name"] == name for s in STORE.systems.values()):
            raise redfish.RedfishError(
                409, "ResourceAlreadyExists", "ComputerSystem", "Name", name
            )
        record = STORE.add_system(_system_spec(name, chosen, pool))
        delay = STORE.delays["compose"]
        if delay > 0:
            record["ready_at"] = time.time() + delay
            record["status"] = "Starting"
        for block_id in chosen:
            pool["blocks"][block_id]["system"] = record["uuid"]
        if fault is not None:
            # NOTE: composed, but the client never learns where (a lost
            # response): only the system's name finds it again.
            raise _faulted(fault)
    location = f"{system_views.SYSTEMS}/{record['uuid']}"
    return redfish.respond(
        redfish.odata(
            location,
            "#ComputerSystem.v1_20_0.ComputerSystem",
            Id=record["uuid"],
            Name=name,
            SystemType="Composed",
            Links={
                "ResourceBlocks": [
                    redfish.link(f"{composition.BLOCKS}/{b}") for b in chosen
                ]
            },
        ),
        201,
        {"Location": location},
    )


def decompose(identity: str) -> flask.Response:
    """DELETE a composed system: its blocks are free again."""
    with STORE.lock:
        system = system_views.record(identity)
        if system["system_type"] != "Composed":
            raise redfish.RedfishError(405, "ResourceCannotBeDeleted")
        fault = STORE.take_fault("decompose", system["uuid"])
        if fault is not None:
            raise redfish.RedfishError(
                int(fault.get("status") or 500),
                "GeneralError",
                text=fault.get("message") or "scripted failure: decompose",
            )
        STORE.eject_all(system["uuid"])
        del STORE.systems[system["uuid"]]
        if STORE.pool is not None:
            for block in STORE.pool["blocks"].values():
                if block["system"] == system["uuid"]:
                    block["system"] = None
    return redfish.respond(None, 204)


def install(app: flask.Flask) -> None:
    """Put the composition resources and these actions on the emulator's app."""
    app.add_url_rule(
        composition.SERVICE, "mogan_composition", composition.composition_service
    )
    app.add_url_rule(composition.BLOCKS, "mogan_blocks", composition.block_collection)
    app.add_url_rule(
        f"{composition.BLOCKS}/<block_id>",
        "mogan_block",
        composition.block_resource,
        methods=["GET", "PATCH"],
    )
    app.add_url_rule(
        f"{composition.BLOCKS}/<block_id>/<kind>/<part_id>",
        "mogan_block_part",
        composition.block_part,
    )
    app.add_url_rule(composition.ZONES, "mogan_zones", composition.zone_collection)
    app.add_url_rule(
        f"{composition.ZONES}/<zone_id>", "mogan_zone", composition.zone_resource
    )
    app.add_url_rule(
        composition.CAPABILITIES, "mogan_capabilities", composition.capabilities
    )
    app.add_url_rule(system_views.SYSTEMS, "mogan_compose", compose, methods=["POST"])
    app.add_url_rule(
        f"{system_views.SYSTEMS}/<identity>",
        "mogan_decompose",
        decompose,
        methods=["DELETE"],
    )
