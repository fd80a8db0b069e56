"""Flavors and their access lists (``/v1/flavors``)."""

from collections.abc import Mapping

from mogan_cli.v1 import access, base

# NOTE: resource_traits exists on the wire from microversion 1.1 on; an older
# request would have them silently dropped by the server.
TRAITS_VERSION = "1.1"
# NOTE: a flavor's hardware profiles exist from 1.5 on.
HARDWARE_VERSION = "1.5"
HARDWARE_FIELDS = ("default_hardware_profile", "allowed_hardware_profiles")
# NOTE: composable flavors (servers built from resource blocks) exist from 1.8.
COMPOSABLE_VERSION = "1.8"
PATCHABLE = ("name", "description", "is_public", "disabled", *HARDWARE_FIELDS)


class FlavorManager(base.CollectionManager):
    """Create, list, show, update and delete flavors."""

    collection = "flavors"
    noun = "flavor"

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
        default_hardware_profile: str | None = None,
        allowed_hardware_profiles: list[str] | None = None,
        composable: bool = False,
    ) -> base.Resource:
        """Create a flavor; traits send microversion 1.1, hardware profiles 1.5.

        ``composable`` (1.8): ``resources`` are amounts (``VCPU``,
        ``MEMORY_MB``, ``DISK_GB``, ``CUSTOM_*``) each server is composed
        with from resource blocks.
        """
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
        if default_hardware_profile is not None:
            body["default_hardware_profile"] = default_hardware_profile
            min_version = HARDWARE_VERSION
        if allowed_hardware_profiles:
            body["allowed_hardware_profiles"] = list(allowed_hardware_profiles)
            min_version = HARDWARE_VERSION
        if composable:
            body["composable"] = True
            min_version = COMPOSABLE_VERSION
        return dict(self.api.post("/v1/flavors", body, min_version=min_version))

    def update(self, flavor_uuid: str, **changes: object) -> base.Resource:
        """Replace patchable fields; hardware profiles send microversion 1.5.

        ``default_hardware_profile`` ``None`` clears the default,
        ``allowed_hardware_profiles`` ``[]`` lets requests name any profile.

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
        min_version = HARDWARE_VERSION if set(changes) & set(HARDWARE_FIELDS) else None
        return dict(
            self.api.request(
                "PATCH", f"/v1/flavors/{flavor_uuid}", json=ops, min_version=min_version
            ).json()
        )


class FlavorAccessManager(access.AccessManager):
    """The projects a private flavor is shared with."""

    collection = "flavors"
    list_key = "flavor_access"
