"""Hardware profiles and their access lists (``/v1/hardware_profiles``, API 1.5)."""

from typing import Any

from mogan_cli.v1 import access, base

HARDWARE_VERSION = "1.5"
"""Hardware profiles and ``server.hardware`` exist from this microversion on."""
PATCHABLE = (
    "name",
    "description",
    "is_public",
    "raid",
    "partitions",
    "bios",
    "firmware",
    "traits",
)


class HardwareProfileManager(base.CollectionManager):
    """Create, list, show, update and delete hardware profiles."""

    collection = "hardware_profiles"
    noun = "hardware profile"

    def _get(self, path: str, params: base.Query | None = None) -> Any:
        return self.api.request(
            "GET", path, params=params, min_version=HARDWARE_VERSION
        ).json()

    def list(
        self,
        *,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> list[base.Resource]:
        """The profiles the caller may see: all of them, or the first ``limit``."""
        query: base.Query = {"sort_key": sort_key, "sort_dir": sort_dir}

        def fetch(page: base.Query) -> list[base.Resource]:
            return list(
                self._get("/v1/hardware_profiles", {**query, **page})[self.collection]
            )

        return base.paginate(fetch, limit=limit, marker=marker)

    def get(self, item_uuid: str) -> base.Resource:
        """One profile by uuid (or name: the API takes both)."""
        return dict(self._get(f"/v1/hardware_profiles/{item_uuid}"))

    def find(self, name_or_uuid: str) -> base.Resource:
        """One profile by uuid or name (the API looks up either)."""
        return self.get(name_or_uuid)

    def create(self, name: str, **fields: Any) -> base.Resource:
        """Create a profile with any of raid, partitions, bios, firmware, traits."""
        body: base.Resource = {"name": name}
        body.update({k: v for k, v in fields.items() if v is not None})
        return dict(
            self.api.post("/v1/hardware_profiles", body, min_version=HARDWARE_VERSION)
        )

    def update(self, profile_uuid: str, **changes: object) -> base.Resource:
        """Set fields (``add`` replaces or puts in); a None section removes it.

        Raises:
            ValueError: a field that cannot be patched was named.
        """
        unknown = set(changes) - set(PATCHABLE)
        if unknown:
            msg = f"cannot update {', '.join(sorted(unknown))}"
            raise ValueError(msg)
        ops = [
            {"op": "remove", "path": f"/{field}"}
            if value is None
            else {"op": "add", "path": f"/{field}", "value": value}
            for field, value in changes.items()
        ]
        return dict(
            self.api.request(
                "PATCH",
                f"/v1/hardware_profiles/{profile_uuid}",
                json=ops,
                min_version=HARDWARE_VERSION,
            ).json()
        )

    def delete(self, item_uuid: str) -> None:
        """Delete one profile."""
        self.api.request(
            "DELETE",
            f"/v1/hardware_profiles/{item_uuid}",
            min_version=HARDWARE_VERSION,
        )


class HardwareProfileAccessManager(access.AccessManager):
    """The projects a private hardware profile is shared with."""

    collection = "hardware_profiles"
    list_key = "hardware_profile_access"
    min_version = HARDWARE_VERSION
