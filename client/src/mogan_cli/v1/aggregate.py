"""Aggregates (``/v1/aggregates``) and their nodes (admin).

Aggregate metadata places nodes in zones: ``availability_zone``,
``affinity_zone`` and the configured failure-domain levels; the server
keeps a node in at most one value of each.
"""

from collections.abc import Iterable, Mapping
from typing import Any
from urllib import parse

from mogan_cli.v1 import base


class AggregateManager(base.CollectionManager):
    """Create, list, show, update and delete aggregates."""

    collection = "aggregates"
    noun = "aggregate"
    # NOTE: the API returns every aggregate in one answer.
    paged = False

    def create(
        self, name: str, metadata: Mapping[str, str] | None = None
    ) -> base.Resource:
        """Create an aggregate, with metadata when given."""
        body: base.Resource = {"name": name}
        if metadata:
            body["metadata"] = dict(metadata)
        return dict(self.api.post("/v1/aggregates", body))

    def update(
        self,
        aggregate_uuid: str,
        *,
        name: str | None = None,
        set_metadata: Mapping[str, str] | None = None,
        unset_metadata: Iterable[str] = (),
    ) -> base.Resource:
        """Rename, set and remove metadata keys, in one JSON patch.

        Raises:
            ValueError: nothing to change was given.
        """
        ops: list[dict[str, Any]] = []
        if name is not None:
            ops.append({"op": "replace", "path": "/name", "value": name})
        ops.extend(base.metadata_patch(set_metadata, unset_metadata))
        if not ops:
            msg = "nothing to change"
            raise ValueError(msg)
        return dict(self.api.patch(f"/v1/aggregates/{aggregate_uuid}", ops))


class AggregateNodeManager(base.Manager):
    """The nodes of an aggregate (a node is named by its name or UUID)."""

    def list(self, aggregate_uuid: str) -> list[str]:
        """Names of the aggregate's nodes, sorted."""
        body = self.api.get(f"/v1/aggregates/{aggregate_uuid}/nodes")
        return [str(n) for n in body["nodes"]]

    def add(self, aggregate_uuid: str, node: str) -> None:
        """Put a node in the aggregate (a no-op when it already is)."""
        self.api.post(f"/v1/aggregates/{aggregate_uuid}/nodes", {"node": node})

    def remove(self, aggregate_uuid: str, node: str) -> None:
        """Take a node out of the aggregate (a no-op when it is not in it)."""
        self.api.delete(
            f"/v1/aggregates/{aggregate_uuid}/nodes/{parse.quote(node, safe='')}"
        )
