"""Composition services (``/v1/composition_services``, microversion 1.7, admin).

Redfish composition services whose resource blocks Mogan mirrors into
Placement: register (``create``), list, show, change (``update``, one JSON
patch), remove (``delete``), and a service's blocks (``blocks``). The
password is sent, never shown back.
"""

from collections.abc import Mapping
from typing import Any
from urllib import parse

from mogan_cli.v1 import base

VERSION = "1.7"
PATH = "/v1/composition_services"
# NOTE: named here, since the managers' ``list`` method shadows the builtin.
Resources = list[base.Resource]


class CompositionServiceManager(base.CollectionManager):
    """Composition services and their blocks."""

    collection = "composition_services"
    noun = "composition service"

    def list(
        self,
        *,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> list[base.Resource]:
        """Every service by name (all pages, or the first ``limit``)."""
        del sort_key, sort_dir

        def fetch(page: base.Query) -> list[base.Resource]:
            response = self.api.request("GET", PATH, params=page, min_version=VERSION)
            return list(response.json()["composition_services"])

        return base.paginate(fetch, limit=limit, marker=marker)

    def get(self, item_uuid: str) -> base.Resource:
        """One service by UUID."""
        path = f"{PATH}/{parse.quote(item_uuid, safe='')}"
        return dict(self.api.request("GET", path, min_version=VERSION).json())

    def blocks(
        self, service_uuid: str, *, limit: int | None = None, marker: str | None = None
    ) -> Resources:
        """The service's resource blocks by id (all pages, or the first ``limit``)."""
        path = f"{PATH}/{parse.quote(service_uuid, safe='')}/blocks"

        def fetch(page: base.Query) -> list[base.Resource]:
            response = self.api.request("GET", path, params=page, min_version=VERSION)
            return list(response.json()["blocks"])

        return base.paginate(fetch, limit=limit, marker=marker, marker_key="id")

    def create(self, *, name: str, driver_info: Mapping[str, Any]) -> base.Resource:
        """Register a service (``driver_info``: address, username, password ...)."""
        body = {"name": name, "driver_info": dict(driver_info)}
        return dict(self.api.post(PATH, body, min_version=VERSION))

    def update(
        self,
        service_uuid: str,
        *,
        name: str | None = None,
        driver_info: Mapping[str, Any] | None = None,
    ) -> base.Resource:
        """Rename a service and/or replace its access, in one JSON patch.

        Raises:
            ValueError: nothing to change was given.
        """
        ops = [
            {"op": "add", "path": f"/{field}", "value": value}
            for field, value in (
                ("name", name),
                ("driver_info", None if driver_info is None else dict(driver_info)),
            )
            if value is not None
        ]
        if not ops:
            msg = "nothing to change"
            raise ValueError(msg)
        path = f"{PATH}/{parse.quote(service_uuid, safe='')}"
        return dict(
            self.api.request("PATCH", path, json=ops, min_version=VERSION).json()
        )

    def delete(self, item_uuid: str) -> None:
        """Remove a service none of whose blocks is claimed."""
        path = f"{PATH}/{parse.quote(item_uuid, safe='')}"
        self.api.request("DELETE", path, min_version=VERSION)
