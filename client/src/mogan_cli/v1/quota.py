"""Limits (``/v1/limits``) and quotas (``/v1/quotas/{project_id}``), API 1.3."""

from urllib import parse

from mogan_cli.v1 import base

QUOTA_VERSION = "1.3"


class QuotaManager(base.Manager):
    """Read a project's limits and usage; admins read and set its quota."""

    def limits(self, project_id: str | None = None) -> base.Resource:
        """``{"project_id": ..., "limits": {name: {"limit", "in_use"}}}``."""
        response = self.api.request(
            "GET",
            "/v1/limits",
            params={"project_id": project_id},
            min_version=QUOTA_VERSION,
        )
        return dict(response.json())

    def get(self, project_id: str) -> dict[str, int]:
        """The project's effective limits."""
        response = self.api.request(
            "GET", self._path(project_id), min_version=QUOTA_VERSION
        )
        return dict(response.json()["quota"])

    def update(self, project_id: str, limits: dict[str, int]) -> dict[str, int]:
        """Set some limits of the project; the effective limits after."""
        response = self.api.request(
            "PUT",
            self._path(project_id),
            json={"quota": limits},
            min_version=QUOTA_VERSION,
        )
        return dict(response.json()["quota"])

    def delete(self, project_id: str) -> None:
        """Drop the project's own limits (back to the defaults)."""
        self.api.request("DELETE", self._path(project_id), min_version=QUOTA_VERSION)

    @staticmethod
    def _path(project_id: str) -> str:
        return f"/v1/quotas/{parse.quote(project_id, safe='')}"
