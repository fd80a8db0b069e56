"""Flavors and their access lists (``/v1/flavors``)."""

from collections.abc import Mapping

from mogan_cli import exceptions
from mogan_cli.v1 import base

# NOTE: resource_traits exists on the wire from microversion 1.1 on; an older
# request would have them silently dropped by the server.
TRAITS_VERSION = "1.1"
PATCHABLE = ("name", "description", "is_public", "disabled")


class FlavorManager(base.Manager):
    """Create, list, show, update and delete flavors."""

    def list(
        self,
        *,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> list[base.Resource]:
        """The flavors the caller may use (admins see every field)."""
        query: base.Query = {
            "limit": limit,
            "marker": marker,
            "sort_key": sort_key,
            "sort_dir": sort_dir,
        }
        return list(self.api.get("/v1/flavors", query)["flavors"])

    def get(self, flavor_uuid: str) -> base.Resource:
        """One flavor by UUID."""
        return dict(self.api.get(f"/v1/flavors/{flavor_uuid}"))

    def find(self, name_or_uuid: str) -> base.Resource:
        """One flavor by UUID or, failing that, by exact name.

        Raises:
            CommandError: no flavor has that UUID or name, or several share it.
            HttpError: the API refused the lookup.
        """
        if base.is_uuid(name_or_uuid):
            try:
                return self.get(name_or_uuid)
            except exceptions.HttpError as err:
                if err.status != 404:  # noqa: PLR2004 - fall back to names on 404
                    raise
        matches = [f for f in self.list() if f.get("name") == name_or_uuid]
        if not matches:
            raise exceptions.CommandError(
                f"No flavor with a name or UUID of '{name_or_uuid}' exists."
            )
        if len(matches) > 1:
            raise exceptions.CommandError(
                f"More than one flavor exists with the name '{name_or_uuid}'."
            )
        return matches[0]

    def create(
        self,
        name: str,
        resources: Mapping[str, int],
        *,
        description: str | None = None,
        is_public: bool = True,
        disabled: bool = False,
        resource_traits: Mapping[str, str] | None = None,
        resource_aggregates: Mapping[str, str] | None = None,
    ) -> base.Resource:
        """Create a flavor; traits need (and send) microversion 1.1."""
        body: base.Resource = {
            "name": name,
            "resources": dict(resources),
            "is_public": is_public,
            "disabled": disabled,
        }
        if description is not None:
            body["description"] = description
        if resource_aggregates:
            body["resource_aggregates"] = dict(resource_aggregates)
        min_version = None
        if resource_traits:
            body["resource_traits"] = dict(resource_traits)
            min_version = TRAITS_VERSION
        return dict(self.api.post("/v1/flavors", body, min_version=min_version))

    def update(self, flavor_uuid: str, **changes: object) -> base.Resource:
        """Replace patchable fields (name, description, is_public, disabled).

        Raises:
            ValueError: a field that cannot be patched was named.
        """
        unknown = set(changes) - set(PATCHABLE)
        if unknown:
            msg = f"cannot update {', '.join(sorted(unknown))}"
            raise ValueError(msg)
        ops = [
            {"op": "replace", "path": f"/{field}", "value": value}
            for field, value in changes.items()
        ]
        return dict(self.api.patch(f"/v1/flavors/{flavor_uuid}", ops))

    def delete(self, flavor_uuid: str) -> None:
        """Delete a flavor."""
        self.api.delete(f"/v1/flavors/{flavor_uuid}")


class FlavorAccessManager(base.Manager):
    """The projects a private flavor is shared with."""

    def list(self, flavor_uuid: str) -> list[str]:
        """Project ids on the flavor's access list."""
        body = self.api.get(f"/v1/flavors/{flavor_uuid}/access")
        return [str(p) for p in body["flavor_access"]]

    def add(self, flavor_uuid: str, project_id: str) -> None:
        """Share a private flavor with a project."""
        self.api.post(f"/v1/flavors/{flavor_uuid}/access", {"tenant_id": project_id})

    def remove(self, flavor_uuid: str, project_id: str) -> None:
        """Stop sharing a private flavor with a project."""
        self.api.delete(f"/v1/flavors/{flavor_uuid}/access/{project_id}")
