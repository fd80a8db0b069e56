"""Server actions and their events (``/v1/servers/{uuid}/actions``, API 1.4).

An action is one request on a server (create, power_off, rebuild ...),
keyed by its request id; its events are the steps the engine ran
(schedule, deploy attempt 2 ...). Owners see no node names or driver
errors; admins see both. :func:`phase` turns the newest event into what a
waiting user reads (``deploying on gold-02, attempt 2/3``).
"""

from mogan_cli.v1 import base

MIN_VERSION = "1.4"
# NOTE: what each event reads as while it runs.
PHASES = {
    "schedule": "scheduling",
    "lock_node": "locking the node",
    "bind_networks": "binding networks",
    "config_drive": "building the config drive",
    "deploy": "deploying",
    "reschedule": "rescheduling",
    "active": "active",
    "power": "changing power",
    "teardown": "tearing down",
    "unbind_networks": "unbinding networks",
    "release_claim": "releasing the node",
    "refresh_node": "releasing the node",
    "wait_for_others": "waiting for other work",
    "sync_node": "syncing the node",
    "claim_node": "claiming the node",
    "adopt_node": "adopting the node",
}


class ServerEventManager(base.Manager):
    """A server's actions, newest first, and one action with its events."""

    def list(
        self, server_uuid: str, *, limit: int | None = None
    ) -> list[base.Resource]:
        """The server's actions, newest first: all, or the newest ``limit``."""
        path = f"/v1/servers/{server_uuid}/actions"

        def fetch(page: base.Query) -> list[base.Resource]:
            query = {k: v for k, v in page.items() if v is not None}
            response = self.api.request(
                "GET", path, params=query, min_version=MIN_VERSION
            )
            return list(response.json()["actions"])

        return base.paginate(fetch, limit=limit, marker_key="request_id")

    def get(self, server_uuid: str, request_id: str) -> base.Resource:
        """One action of the server, with its events (oldest first)."""
        response = self.api.request(
            "GET",
            f"/v1/servers/{server_uuid}/actions/{request_id}",
            min_version=MIN_VERSION,
        )
        return dict(response.json())

    def latest(self, server_uuid: str) -> base.Resource | None:
        """The server's newest action with its events, or None."""
        newest = self.list(server_uuid, limit=1)
        if not newest:
            return None
        return self.get(server_uuid, str(newest[0]["request_id"]))


def phase(action: base.Resource | None) -> str | None:
    """What the action is doing now, from its newest event.

    ``deploying on gold-02, attempt 2/3``: the node only when the caller
    may see it (admins), the attempt from the second on.
    """
    if not action or not action.get("events"):
        return None
    event = action["events"][-1]
    name = str(event.get("event"))
    text = PHASES.get(name, name.replace("_", " "))
    if event.get("result") == "Error":
        text = f"{name.replace('_', ' ')} failed"
    if event.get("node"):
        text += f" on {event['node']}"
    attempt, most = event.get("attempt"), event.get("max_attempts")
    if attempt and most and int(attempt) > 1:
        text += f", attempt {attempt}/{most}"
    return text
