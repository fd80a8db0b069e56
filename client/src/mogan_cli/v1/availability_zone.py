"""Availability zones (``/v1/availability_zones``)."""

from mogan_cli.v1 import base


class AvailabilityZoneManager(base.Manager):
    """List the zones that have nodes."""

    def list(self) -> list[str]:
        """Zone names."""
        body = self.api.get("/v1/availability_zones")
        return [str(z) for z in body["availability_zones"]]
