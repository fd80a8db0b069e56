"""A small Placement client: providers, inventory, traits, aggregates, claims.

It speaks plain HTTP through an ``httpx.Client`` so the same code reaches the
embedded Placement in-process (a WSGI transport) and a remote one (keystoneauth
supplies the endpoint and a fresh token on every request). Placement is the
claims ledger: ``claim`` writes every consumer of a request in ONE
``POST /allocations``, which Placement applies all-or-nothing.
"""

import logging
import re
from collections.abc import Iterable
from typing import Any

import httpx
import os_resource_classes

from mogan import exception

LOG = logging.getLogger(__name__)

# NOTE: 1.37 is the newest version whose POST /allocations does not demand
# consumer_type, and it has consumer generations (1.28) and member_of (1.21).
MICROVERSION = "placement 1.37"
CONFLICT = 409
NOT_FOUND = 404
_NOT_RC_CHARS = re.compile(r"[^0-9A-Z]+")


def resource_class_name(node_resource_class: str) -> str:
    """Placement's name for a node's resource class.

    ``baremetal-gold`` becomes ``CUSTOM_BAREMETAL_GOLD``: upper case, runs of
    other characters to ``_``, prefixed ``CUSTOM_`` (Nova's rule for Ironic
    nodes, so flavors written for Nova keep working).
    """
    return "CUSTOM_" + _NOT_RC_CHARS.sub("_", node_resource_class.upper())


def placement_class(name: str) -> str:
    """Placement's name for a resource class given either way.

    Users name a class as nodes do (``baremetal-silver``) or as Placement
    and Nova flavors do (``CUSTOM_BAREMETAL_SILVER``); both mean
    ``CUSTOM_BAREMETAL_SILVER``. Placement's own names (``CUSTOM_*`` and the
    standard classes such as ``VCPU``) are kept as they are.
    """
    if name.startswith("CUSTOM_") or name in os_resource_classes.STANDARDS:
        return name
    return resource_class_name(name)


class PlacementError(exception.MoganError):
    """Placement answered with an unexpected error."""

    msg_fmt = "Placement {method} {path} failed with {status}: {detail}"
    code = "mogan.placement.error"


class ClaimConflict(exception.Conflict):
    """A claim lost a race: capacity or a generation changed underneath."""

    msg_fmt = "Placement refused the claim: {detail}"
    code = "mogan.placement.claim_conflict"


class PlacementClient:
    """Typed calls to the Placement API."""

    def __init__(self, http: httpx.Client) -> None:
        """Use ``http`` (base URL and auth already set) for every call."""
        self.http = http
        # NOTE: custom classes and traits are never deleted by Mogan, so once
        # seen they need no PUT again (each costs a Placement round trip).
        self._known: set[str] = set()

    def close(self) -> None:
        """Close the underlying HTTP client."""
        self.http.close()

    def _request(
        self, method: str, path: str, json: Any = None, ok: Iterable[int] = (200,)
    ) -> httpx.Response:
        try:
            resp = self.http.request(
                method, path, json=json, headers={"OpenStack-API-Version": MICROVERSION}
            )
        except httpx.TransportError as err:
            # NOTE: an unreachable Placement is Placement failing, as its 5xx
            # is: callers retry or fault on PlacementError alone.
            raise PlacementError(
                method=method,
                path=path,
                status="no answer",
                detail=f"{type(err).__name__}: {err}"[:500],
            ) from err
        if resp.status_code not in set(ok):
            raise PlacementError(
                method=method,
                path=path,
                status=resp.status_code,
                detail=resp.text[:500],
            )
        return resp

    # ------------------------------------------------------------ catalogue

    def ensure_resource_class(self, name: str) -> None:
        """Create a custom resource class unless it exists."""
        if name.startswith("CUSTOM_") and name not in self._known:
            self._request("PUT", f"/resource_classes/{name}", ok=(201, 204))
            self._known.add(name)

    def ensure_trait(self, name: str) -> None:
        """Create a custom trait unless it exists (standard ones always do)."""
        if name.startswith("CUSTOM_") and f"trait:{name}" not in self._known:
            self._request("PUT", f"/traits/{name}", ok=(201, 204))
            self._known.add(f"trait:{name}")

    # ------------------------------------------------------------ providers

    def get_provider(self, uuid: str) -> dict[str, Any] | None:
        """The provider, or None when Placement does not know it."""
        resp = self._request("GET", f"/resource_providers/{uuid}", ok=(200, NOT_FOUND))
        if resp.status_code == NOT_FOUND:
            return None
        provider: dict[str, Any] = resp.json()
        return provider

    def list_providers(
        self, resources: dict[str, int] | None = None
    ) -> dict[str, dict[str, Any]]:
        """Every provider (or those with free ``resources``), by uuid.

        One request whatever the fleet size: the sync compares its nodes with
        this instead of asking about each provider.
        """
        params = {}
        if resources:
            params["resources"] = _resources_param(resources)
        resp = self.http.get(
            "/resource_providers",
            params=params,
            headers={"OpenStack-API-Version": MICROVERSION},
        )
        _check(resp, "GET", "/resource_providers")
        return {rp["uuid"]: rp for rp in resp.json()["resource_providers"]}

    def create_provider(
        self, uuid: str, name: str, parent: str | None = None
    ) -> dict[str, Any]:
        """Create a provider: a root one, or one nested under ``parent``.

        Raises:
            ClaimConflict: a provider with this uuid or name exists.
        """
        body = {"uuid": uuid, "name": name}
        if parent is not None:
            # NOTE: nested providers need microversion 1.14 (we speak 1.37).
            body["parent_provider_uuid"] = parent
        resp = self._request(
            "POST",
            "/resource_providers",
            json=body,
            ok=(200, CONFLICT),
        )
        if resp.status_code == CONFLICT:
            raise ClaimConflict(detail=resp.text[:300])
        provider: dict[str, Any] = resp.json()
        return provider

    def rename_provider(
        self, uuid: str, name: str, parent: str | None = None
    ) -> dict[str, Any]:
        """Give a provider a new name (and, given, parent); returns the provider.

        Raises:
            ClaimConflict: another provider has the name.
        """
        body = {"name": name}
        if parent is not None:
            # NOTE: re-parenting needs microversion 1.37 (we speak it).
            body["parent_provider_uuid"] = parent
        resp = self._request(
            "PUT",
            f"/resource_providers/{uuid}",
            json=body,
            ok=(200, CONFLICT),
        )
        if resp.status_code == CONFLICT:
            raise ClaimConflict(detail=resp.text[:300])
        provider: dict[str, Any] = resp.json()
        return provider

    def delete_provider(self, uuid: str) -> None:
        """Delete a provider; absent is fine.

        Raises:
            PlacementError: it still has allocations (409) or Placement failed.
        """
        self._request("DELETE", f"/resource_providers/{uuid}", ok=(204, NOT_FOUND))

    def tree(self, root: str) -> dict[str, dict[str, Any]]:
        """Every provider in the tree of ``root`` (``in_tree``), by uuid."""
        resp = self.http.get(
            "/resource_providers",
            params={"in_tree": root},
            headers={"OpenStack-API-Version": MICROVERSION},
        )
        _check(resp, "GET", "/resource_providers?in_tree")
        return {rp["uuid"]: rp for rp in resp.json()["resource_providers"]}

    def get_inventory(self, uuid: str) -> dict[str, dict[str, Any]]:
        """The provider's inventory, by resource class."""
        resp = self._request("GET", f"/resource_providers/{uuid}/inventories")
        inventories: dict[str, dict[str, Any]] = resp.json()["inventories"]
        return inventories

    def get_traits(self, uuid: str) -> list[str]:
        """The provider's traits, sorted."""
        resp = self._request("GET", f"/resource_providers/{uuid}/traits")
        return sorted(resp.json()["traits"])

    def get_aggregates(self, uuid: str) -> list[str]:
        """The provider's aggregates, sorted."""
        resp = self._request("GET", f"/resource_providers/{uuid}/aggregates")
        return sorted(resp.json()["aggregates"])

    def set_inventory(
        self, uuid: str, generation: int, inventories: dict[str, dict[str, int]]
    ) -> int:
        """Replace the provider's inventory; returns the new generation.

        Raises:
            ClaimConflict: the generation is stale.
        """
        resp = self._request(
            "PUT",
            f"/resource_providers/{uuid}/inventories",
            json={
                "resource_provider_generation": generation,
                "inventories": inventories,
            },
            ok=(200, CONFLICT),
        )
        if resp.status_code == CONFLICT:
            raise ClaimConflict(detail=resp.text[:300])
        return int(resp.json()["resource_provider_generation"])

    def set_traits(self, uuid: str, generation: int, traits: list[str]) -> int:
        """Replace the provider's traits; returns the new generation.

        Raises:
            ClaimConflict: the generation is stale.
        """
        for trait in traits:
            self.ensure_trait(trait)
        resp = self._request(
            "PUT",
            f"/resource_providers/{uuid}/traits",
            json={"resource_provider_generation": generation, "traits": sorted(traits)},
            ok=(200, CONFLICT),
        )
        if resp.status_code == CONFLICT:
            raise ClaimConflict(detail=resp.text[:300])
        return int(resp.json()["resource_provider_generation"])

    def set_aggregates(self, uuid: str, generation: int, aggregates: list[str]) -> int:
        """Replace the provider's aggregates; returns the new generation.

        Raises:
            ClaimConflict: the generation is stale.
        """
        resp = self._request(
            "PUT",
            f"/resource_providers/{uuid}/aggregates",
            json={
                "resource_provider_generation": generation,
                "aggregates": sorted(aggregates),
            },
            ok=(200, CONFLICT),
        )
        if resp.status_code == CONFLICT:
            raise ClaimConflict(detail=resp.text[:300])
        return int(resp.json()["resource_provider_generation"])

    # ------------------------------------------------------------ claims

    def allocation_candidates(
        self,
        resources: dict[str, int],
        required: Iterable[str] = (),
        forbidden: Iterable[str] = (),
        member_of: Iterable[str] = (),
        limit: int | None = None,
    ) -> list[str]:
        """Root providers that can satisfy ``resources`` (uuids, Placement's order)."""
        params: dict[str, str] = {"resources": _resources_param(resources)}
        traits = [*sorted(required), *(f"!{t}" for t in sorted(forbidden))]
        if traits:
            params["required"] = ",".join(traits)
        members = sorted(member_of)
        if members:
            params["member_of"] = "in:" + ",".join(members)
        if limit is not None:
            params["limit"] = str(limit)
        resp = self.http.get(
            "/allocation_candidates",
            params=params,
            headers={"OpenStack-API-Version": MICROVERSION},
        )
        _check(resp, "GET", "/allocation_candidates")
        summaries = resp.json()["provider_summaries"]
        return [
            rp
            for rp in (
                next(iter(req["allocations"]))
                for req in resp.json()["allocation_requests"]
            )
            if rp in summaries
        ]

    def claim(
        self,
        allocations: dict[str, dict[str, dict[str, int]]],
        project_id: str,
        user_id: str,
        generations: dict[str, int | None] | None = None,
    ) -> None:
        """Claim for several consumers at once, all or nothing.

        Args:
            allocations: ``{consumer_uuid: {provider_uuid: {rc: amount}}}``.
            project_id: the consumers' project.
            user_id: the consumers' user.
            generations: the consumer generation each consumer is expected
                to have (None: a new consumer, the default for all).

        Raises:
            ClaimConflict: a provider lacks capacity or changed; nothing was
                written.
        """
        body = {
            consumer: {
                "allocations": {
                    rp: {"resources": resources} for rp, resources in by_rp.items()
                },
                "project_id": project_id,
                "user_id": user_id,
                "consumer_generation": (generations or {}).get(consumer),
            }
            for consumer, by_rp in allocations.items()
        }
        resp = self._request("POST", "/allocations", json=body, ok=(204, CONFLICT))
        if resp.status_code == CONFLICT:
            raise ClaimConflict(detail=resp.text[:2000])

    def release(self, consumer: str) -> None:
        """Drop every allocation of ``consumer``; absent is fine."""
        self._request("DELETE", f"/allocations/{consumer}", ok=(204, NOT_FOUND))

    def allocations_of(self, consumer: str) -> dict[str, dict[str, int]]:
        """``{provider_uuid: {rc: amount}}`` held by ``consumer``."""
        resp = self._request("GET", f"/allocations/{consumer}")
        return {
            rp: dict(alloc["resources"])
            for rp, alloc in resp.json()["allocations"].items()
        }

    def consumer_generation(self, consumer: str) -> int | None:
        """The consumer's generation (None when it holds nothing)."""
        resp = self._request("GET", f"/allocations/{consumer}")
        generation = resp.json().get("consumer_generation")
        return None if generation is None else int(generation)

    def provider_allocations(self, uuid: str) -> dict[str, dict[str, int]]:
        """``{consumer_uuid: {rc: amount}}`` against one provider."""
        resp = self._request("GET", f"/resource_providers/{uuid}/allocations")
        return {
            consumer: dict(alloc["resources"])
            for consumer, alloc in resp.json()["allocations"].items()
        }


def _resources_param(resources: dict[str, int]) -> str:
    return ",".join(f"{rc}:{n}" for rc, n in sorted(resources.items()))


def _check(resp: httpx.Response, method: str, path: str) -> None:
    if resp.status_code != 200:  # noqa: PLR2004 - HTTP OK
        raise PlacementError(
            method=method, path=path, status=resp.status_code, detail=resp.text[:500]
        )
