"""Access lists of private resources (``/v1/<collection>/<uuid>/access``).

Flavors and hardware profiles are public, or private and shared with a list
of projects. The calls on that list are the same for both, down to the
``{"tenant_id": ...}`` body; they differ in the collection, the key the
answer lists the projects under, and the microversion the resource needs.
"""

from typing import Any

from mogan_cli.v1 import base


class AccessManager(base.Manager):
    """The projects a private resource is shared with.

    Subclasses name the ``collection``, the answer's ``list_key`` and the
    ``min_version`` the resource exists from (``None``: any).
    """

    collection: str
    list_key: str
    min_version: str | None = None

    def _path(self, item_uuid: str) -> str:
        return f"/v1/{self.collection}/{item_uuid}/access"

    def list(self, item_uuid: str) -> list[str]:
        """Project ids on the resource's access list."""
        body: dict[str, Any] = self.api.request(
            "GET", self._path(item_uuid), min_version=self.min_version
        ).json()
        return [str(p) for p in body[self.list_key]]

    def add(self, item_uuid: str, project_id: str) -> None:
        """Share a private resource with a project."""
        self.api.post(
            self._path(item_uuid), {"tenant_id": project_id}, self.min_version
        )

    def remove(self, item_uuid: str, project_id: str) -> None:
        """Stop sharing a private resource with a project."""
        self.api.request(
            "DELETE",
            f"{self._path(item_uuid)}/{project_id}",
            min_version=self.min_version,
        )
