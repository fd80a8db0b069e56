"""The Ironic driver: Mogan's nodes are an Ironic's nodes (v1 section 5.5).

Every operation is a REST call to Ironic (``ironic_client``); long ones are
started with one call and polled with ``GET /v1/nodes/{uuid}``, never
waited on. The node's ``instance_uuid`` is the reservation: Ironic refuses
(409) to set it while another server holds it, so two engines can never
deploy one node. Mapping of Ironic's states:

- consumable: ``available``, no target state, not in maintenance (nor
  retired), a resource class, no instance and a known power state;
- deploy/rebuild: ``active`` is DONE, ``deploy failed``/``error`` FAILED
  with Ironic's ``last_error``, ``deploying``/``wait call-back``/... (target
  ``active``) in progress;
- teardown: ``deleted`` goes through ``deleting`` and cleaning to
  ``available`` (DONE; Ironic clears ``instance_uuid`` and ``instance_info``
  itself); ``clean failed`` is FAILED (Ironic puts the node in maintenance);
- power: in progress while ``target_power_state`` is set, then FAILED when
  the action left a ``last_error`` (Ironic clears it when one starts).

Fixes over v1 (section 10): no wait without a deadline (the engine polls
with its own timeouts; a console is waited for at most ``console_timeout``),
partitions and the config drive are sent again on rebuild, image keys of a
previous deploy are removed, requests have a timeout. The VIFs attached
are the deploy request's NICs (``ironic_vifs``).

What must not live here: HTTP, retries and microversions (``ironic_client``),
what Ironic's states and fields mean (``ironic_nodes``), its hardware as an
inventory (``ironic_inventory``), the ``[ironic]`` options
(``ironic_opts``), building the config drive (``ironic_configdrive``),
hardware configuration and its restore (``ironic_hardware``,
``ironic_restore``), consoles (``ironic_console``), VIFs (``ironic_vifs``),
anything of Mogan's database (drivers reach hardware only).
"""

from typing import Any

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from mogan.drivers import (
    base,
    hardware_plan,
    ironic_client,
    ironic_configdrive,
    ironic_console,
    ironic_hardware,
    ironic_inventory,
    ironic_opts,
    ironic_parts,
    ironic_restore,
    ironic_vifs,
)
from mogan.drivers import ironic_nodes as nodes

GROUP = "ironic"
SERVICE_TYPE = "baremetal"

RETIRED_VERSION = (1, 61)
BIOS_REGISTRY = (1, 74)
PAGE = 1000


def load_client(conf: cfg.ConfigOpts) -> ironic_client.IronicClient:
    """An Ironic client from the ``[ironic]`` options (nothing is sent yet)."""
    ironic_opts.register_opts(conf)
    auth = ks_loading.load_auth_from_conf_options(conf, GROUP)
    session = ks_loading.load_session_from_conf_options(conf, GROUP, auth=auth)
    adapter = ks_loading.load_adapter_from_conf_options(
        conf, GROUP, session=session, auth=auth, service_type=SERVICE_TYPE
    )
    return ironic_client.IronicClient(
        adapter,
        max_retries=conf.ironic.api_max_retries,
        retry_interval=conf.ironic.api_retry_interval,
    )


class IronicDriver(
    base.Driver,
    base.ConsoleInterface,
    base.ManageInterface,
    base.HardwareInterface,
    base.VifInterface,
):
    """Nodes of an Ironic, reached over its REST API."""

    name = "ironic"

    @classmethod
    def list_opts(cls) -> list[tuple[str, list[cfg.Opt]]]:
        """``[ironic]``: the driver's own and keystoneauth's options."""
        return [(GROUP, ironic_opts.list_opts())]

    @classmethod
    def register_opts(cls, conf: cfg.ConfigOpts) -> None:
        """Register ``[ironic]`` with keystoneauth's session, auth and adapter."""
        ironic_opts.register_opts(conf)

    def __init__(
        self,
        conf: cfg.ConfigOpts,
        client: ironic_client.IronicClient | None = None,
    ) -> None:
        """Talk to the Ironic that ``conf``'s ``[ironic]`` group describes.

        Nothing is sent until the first call.

        Args:
            conf: Mogan's configuration.
            client: an Ironic client to use instead (tests).
        """
        super().__init__(conf)
        self.client = client or load_client(conf)
        self.hardware = ironic_hardware.IronicHardware(self.client, conf)
        self.restorer = ironic_restore.Restorer(self.hardware.parts)
        self.consoles = ironic_console.Consoles(
            self.client, conf.ironic.console_timeout
        )
        self.use_glance = conf.ironic.image_source == ironic_opts.GLANCE

    # ------------------------------------------------------------ reading

    def _node(self, node_uuid: str) -> dict[str, Any]:
        node: dict[str, Any] = self.client.request(
            "GET", f"/v1/nodes/{node_uuid}", node=node_uuid
        )
        return node

    def _ports(self, node_uuid: str) -> list[dict[str, Any]]:
        return self.client.pages(
            f"/v1/nodes/{node_uuid}/ports",
            "ports",
            {"fields": ironic_inventory.PORT_FIELDS},
        )

    def _fields(self) -> str:
        fields = list(nodes.NODE_FIELDS)
        if self.client.version >= RETIRED_VERSION:
            fields.append("retired")
        return ",".join(fields)

    def _nodes(self, **query: Any) -> list[dict[str, Any]]:
        params = {"fields": self._fields(), "limit": PAGE, **query}
        return self.client.pages("/v1/nodes", "nodes", params)

    def _all_ports(self) -> dict[str, list[dict[str, Any]]]:
        ports = self.client.pages(
            "/v1/ports",
            "ports",
            {"fields": f"{ironic_inventory.PORT_FIELDS},node_uuid", "limit": PAGE},
        )
        by_node: dict[str, list[dict[str, Any]]] = {}
        for port in ports:
            by_node.setdefault(port["node_uuid"], []).append(port)
        return by_node

    @staticmethod
    def _spec(node: dict[str, Any], ports: list[dict[str, Any]]) -> base.NodeSpec:
        return nodes.to_spec(
            node,
            tuple(p["address"] for p in ports),
            ironic_inventory.ports_version(ports),
        )

    # ------------------------------------------------------------ inventory

    def list_nodes(self) -> list[base.NodeSpec]:
        """Every node of the Ironic (child nodes left out), by name."""
        ports = self._all_ports()
        specs = [self._spec(n, ports.get(n["uuid"], [])) for n in self._nodes()]
        return sorted(specs, key=lambda s: (s.name, s.uuid))

    def get_node(self, node_uuid: str) -> base.NodeSpec:
        """One node with its ports."""
        return self._spec(self._node(node_uuid), self._ports(node_uuid))

    def get_inventory(self, node_uuid: str) -> base.Inventory:
        """The node's properties, ports, port groups, inspection data, BIOS, firmware.

        Inspection data (API 1.81), the BIOS registry (1.74) and firmware
        (1.86) are read when this Ironic has them; a node never inspected
        (fake hardware) has its facts from its properties and ports only.
        """
        node = self._node(node_uuid)
        ports = self._ports(node_uuid)
        groups = self.client.pages(
            f"/v1/nodes/{node_uuid}/portgroups", "portgroups", {"fields": "uuid,name"}
        )
        prefix = f"/v1/nodes/{node_uuid}"
        inspection = self.client.get_optional(f"{prefix}/inventory")
        detail = {"detail": "True"} if self.client.version >= BIOS_REGISTRY else None
        bios = self.client.get_optional(f"{prefix}/bios", params=detail)
        firmware = None
        if self.client.newest >= ironic_client.FIRMWARE_VERSION:
            firmware = self.client.get_optional(
                f"{prefix}/firmware", version=ironic_client.FIRMWARE_VERSION
            )
        return ironic_inventory.build(
            node,
            ports,
            inspection,
            (bios or {}).get("bios") or [],
            (firmware or {}).get("firmware") or [],
            port_groups={g["uuid"]: g.get("name") or g["uuid"] for g in groups},
        )

    # ------------------------------------------------------------ power

    def get_power_state(self, node_uuid: str) -> str | None:
        """``power on``, ``power off`` or None (unknown, or in transition)."""
        return nodes.power_state(self._node(node_uuid))

    def start_power(self, node_uuid: str, target: str) -> None:
        """``PUT /v1/nodes/{uuid}/states/power``; the same action again is a no-op."""
        if target not in nodes.POWER_TARGETS:
            raise base.DriverError(node=node_uuid, reason=f"no power action {target}")
        node = self._node(node_uuid)
        running = node.get("target_power_state")
        if running:
            if running == nodes.POWER_SETTLES_AT[target]:
                return
            reason = f"power {running} is in progress"
            raise base.NodeLocked(node=node_uuid, reason=reason)
        self.client.request(
            "PUT",
            f"/v1/nodes/{node_uuid}/states/power",
            {"target": nodes.POWER_TARGETS[target]},
            ok=(202,),
            node=node_uuid,
        )

    def poll_power(self, node_uuid: str) -> base.Status:
        """In progress while Ironic has a target power state; FAILED on its error."""
        node = self._node(node_uuid)
        if node.get("target_power_state"):
            return base.Status(base.Progress.IN_PROGRESS)
        if (
            node.get("last_error")
            and node.get("provision_state") not in nodes.FAILURE_STATES
        ):
            return base.Status(base.Progress.FAILED, node["last_error"])
        return base.Status(base.Progress.DONE)

    # ------------------------------------------------------------ deploy

    def start_deploy(self, node_uuid: str, request: base.DeployRequest) -> None:
        """Reserve (``instance_uuid``), describe the image, attach VIFs, deploy."""
        node = self._node(node_uuid)
        server = request.server_uuid
        state = node.get("provision_state")
        if node.get("instance_uuid") == server and (
            state in nodes.DEPLOYING or state == nodes.ACTIVE
        ):
            return
        if state in nodes.TEARING_DOWN:
            raise base.NodeLocked(node=node_uuid, reason=f"it is {state}")
        if node.get("instance_uuid") not in {None, server}:
            reason = f"it is reserved for server {node['instance_uuid']}"
            raise base.DriverError(node=node_uuid, reason=reason)
        # NOTE: a deploy resumed after a crash while its ports were joined
        # to port groups finds the node in Mogan's own maintenance window.
        maintenance = node.get("maintenance") and not ironic_parts.in_window(node)
        if maintenance or state not in {nodes.AVAILABLE, nodes.DEPLOY_FAILED}:
            raise base.DriverError(node=node_uuid, reason=nodes.why_not(node) or state)
        patch = [{"op": "add", "path": "/instance_uuid", "value": server}]
        patch += nodes.image_patch(node, request, self.use_glance)
        try:
            self.client.request(
                "PATCH", f"/v1/nodes/{node_uuid}", patch, node=node_uuid
            )
        except (base.NodeLocked, base.NodeNotFound):
            raise
        except base.DriverError as err:
            # NOTE: a 409 here is another server's reservation landing first.
            reason = f"cannot reserve it for server {server}: {err.message}"
            raise base.DriverError(node=node_uuid, reason=reason) from err
        ironic_vifs.attach(self.client, node_uuid, request)
        steps = self.hardware.prepare(node_uuid, server, request.hardware)
        self._provision(node_uuid, "active", request, steps)

    def poll_deploy(self, node_uuid: str) -> base.Status:
        """DONE when ``active``; FAILED with Ironic's ``last_error``."""
        node = self._node(node_uuid)
        state, target = node.get("provision_state"), node.get("target_provision_state")
        if state == nodes.ACTIVE and not target:
            return base.Status(base.Progress.DONE)
        if state in {nodes.DEPLOY_FAILED, nodes.ERROR}:
            error = self.hardware.failure(node) or node.get("last_error") or state
            return base.Status(base.Progress.FAILED, error)
        if state in nodes.DEPLOYING or target == nodes.ACTIVE:
            return base.Status(base.Progress.IN_PROGRESS)
        return base.Status(
            base.Progress.FAILED, f"node is not deployed (provision state {state})"
        )

    def start_rebuild(self, node_uuid: str, request: base.DeployRequest) -> None:
        """Send the (new) image, partitions and config drive; provision ``rebuild``.

        Re-issuing a rebuild in progress with the same image is a no-op.
        """
        node = self._node(node_uuid)
        if node.get("instance_uuid") != request.server_uuid:
            reason = f"it is not deployed for server {request.server_uuid}"
            raise base.DriverError(node=node_uuid, reason=reason)
        state = node.get("provision_state")
        if state in nodes.DEPLOYING:
            info = node.get("instance_info") or {}
            if info.get("image_source") == nodes.image_source(request, self.use_glance):
                return
            raise base.NodeLocked(node=node_uuid, reason=f"it is {state}")
        if node.get("target_power_state"):
            raise base.NodeLocked(node=node_uuid, reason="a power action is running")
        if state != nodes.ACTIVE:
            reason = f"provision state is {state}"
            raise base.DriverError(node=node_uuid, reason=reason)
        patch = nodes.image_patch(node, request, self.use_glance)
        patch.append(
            {
                "op": "add",
                "path": "/instance_info/preserve_ephemeral",
                "value": request.preserve_ephemeral,
            }
        )
        self.client.request("PATCH", f"/v1/nodes/{node_uuid}", patch, node=node_uuid)
        self._provision(node_uuid, "rebuild", request)

    def start_teardown(self, node_uuid: str) -> None:
        """Detach VIFs and provision ``deleted``; a free or cleaning node is left."""
        node = self._node(node_uuid)
        # NOTE: a deploy that stopped inside Mogan's maintenance window.
        self.hardware.parts.close_window(node)
        state, target = node.get("provision_state"), node.get("target_provision_state")
        if state in nodes.TEARING_DOWN or state == nodes.CLEAN_FAILED:
            return
        if state in {nodes.AVAILABLE, "manageable", "enroll"} and not target:
            if node.get("instance_uuid"):
                # NOTE: reserved by a deploy that never started.
                self.client.request(
                    "PATCH",
                    f"/v1/nodes/{node_uuid}",
                    [
                        {"op": "remove", "path": "/instance_uuid"},
                        {"op": "replace", "path": "/instance_info", "value": {}},
                    ],
                    node=node_uuid,
                )
            return
        if state == "deploying":
            raise base.NodeLocked(node=node_uuid, reason="it is deploying")
        ironic_vifs.detach(self.client, node_uuid)
        self.client.request(
            "PUT",
            f"/v1/nodes/{node_uuid}/states/provision",
            {"target": "deleted"},
            ok=(202,),
            node=node_uuid,
        )

    def poll_teardown(self, node_uuid: str) -> base.Status:
        """DONE when ``available`` and restored; FAILED on ``clean failed``.

        A node whose deploy configured its hardware is then restored
        (``ironic_restore``) before it is DONE.
        """
        node = self._node(node_uuid)
        restoring = self.restorer.poll(node)
        if restoring is not None:
            return restoring
        state, target = node.get("provision_state"), node.get("target_provision_state")
        if state == nodes.AVAILABLE and not target:
            return base.Status(base.Progress.DONE)
        if state in {nodes.CLEAN_FAILED, nodes.ERROR}:
            reason = node.get("last_error") or node.get("maintenance_reason") or state
            return base.Status(base.Progress.FAILED, reason)
        if state in nodes.TEARING_DOWN or target == nodes.AVAILABLE:
            return base.Status(base.Progress.IN_PROGRESS)
        return base.Status(
            base.Progress.FAILED,
            f"node is not being torn down (provision state {state})",
        )

    def _provision(
        self,
        node_uuid: str,
        target: str,
        request: base.DeployRequest,
        steps: list[dict[str, Any]] | None = None,
    ) -> None:
        body: dict[str, Any] = {"target": target}
        if request.config_drive:
            body["configdrive"] = self._configdrive(node_uuid, request.config_drive)
        version = None
        if steps:
            body["deploy_steps"] = steps
            # NOTE: the firmware interface's steps exist from API 1.86 on.
            if any(step["interface"] == "firmware" for step in steps):
                version = ironic_client.FIRMWARE_VERSION
        self.client.request(
            "PUT",
            f"/v1/nodes/{node_uuid}/states/provision",
            body,
            ok=(202,),
            node=node_uuid,
            version=version,
        )

    def _configdrive(self, node_uuid: str, files: dict[str, str]) -> Any:
        if self.conf.ironic.configdrive_format == "json":
            if self.client.version < ironic_client.JSON_CONFIGDRIVE_VERSION:
                reason = "Ironic is older than API 1.56: set configdrive_format = iso"
                raise base.DriverError(node=node_uuid, reason=reason)
            drive = ironic_configdrive.build_json(files)
            if "vendor_data" in drive and (
                self.client.version < ironic_client.VENDOR_DATA_VERSION
            ):
                reason = (
                    "Ironic is older than API 1.59 and takes no vendor data (the "
                    "partition layout): set configdrive_format = iso"
                )
                raise base.DriverError(node=node_uuid, reason=reason)
            return drive
        return ironic_configdrive.build_iso(files)

    # ------------------------------------------------------------ hardware

    def validate_hardware(self, node_uuid: str, request: base.HardwareRequest) -> None:
        """The node's interfaces have the steps; its inventory takes the request."""
        self.hardware.check(node_uuid, request)
        hardware_plan.plan(node_uuid, self.get_inventory(node_uuid), request)

    def hardware_result(self, node_uuid: str) -> base.HardwareResult:
        """What Ironic recorded for each section the last deploy asked for."""
        return self.hardware.result(node_uuid)

    # ------------------------------------------------------------ VIFs

    def attach_vif(self, node_uuid: str, nic: base.Nic) -> None:
        """``POST /v1/nodes/{uuid}/vifs`` (attached already: no-op)."""
        ironic_vifs.attach_one(self.client, node_uuid, nic.port_id)

    def detach_vif(self, node_uuid: str, port_id: str) -> None:
        """``DELETE /v1/nodes/{uuid}/vifs/{port_id}`` (not attached: no-op)."""
        ironic_vifs.detach_one(self.client, node_uuid, port_id)

    # ------------------------------------------------------------ console

    def get_console(self, node_uuid: str, kind: str) -> dict[str, str]:
        """Enable the node's serial console; its URL (``ironic_console``)."""
        return self.consoles.get(node_uuid, kind)

    def console_log(self, node_uuid: str) -> str:
        """Ironic keeps no console output (it has no API for it): unavailable.

        Raises:
            NodeNotFound: Ironic does not know the node.
            ConsoleUnavailable: always, for a node it knows.
        """
        self._node(node_uuid)
        raise base.ConsoleUnavailable(node=node_uuid, kind="log")

    # ------------------------------------------------------------ adoption

    def list_manageable(self) -> list[base.ManageableNode]:
        """Active nodes with a resource class, no instance, not in maintenance."""
        ports = self._all_ports()
        found = self._nodes(
            provision_state=nodes.ACTIVE, associated="false", maintenance="false"
        )
        return sorted(
            (
                nodes.to_manageable(
                    n, tuple(p["address"] for p in ports.get(n["uuid"], []))
                )
                for n in found
                if n.get("resource_class") and not n.get("instance_uuid")
            ),
            key=lambda m: (m.name, m.uuid),
        )

    def adopt(self, node_uuid: str, server_uuid: str) -> None:
        """``PATCH`` the node's ``instance_uuid``; the node keeps running."""
        node = self._node(node_uuid)
        if node.get("instance_uuid") == server_uuid:
            return
        problem = nodes.manage_problem(node)
        if problem:
            raise base.DriverError(node=node_uuid, reason=f"not manageable: {problem}")
        patch = [{"op": "add", "path": "/instance_uuid", "value": server_uuid}]
        try:
            self.client.request(
                "PATCH", f"/v1/nodes/{node_uuid}", patch, node=node_uuid
            )
        except (base.NodeLocked, base.NodeNotFound):
            raise
        except base.DriverError as err:
            reason = f"cannot adopt it as server {server_uuid}: {err.message}"
            raise base.DriverError(node=node_uuid, reason=reason) from err
