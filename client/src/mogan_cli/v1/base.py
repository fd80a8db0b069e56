"""What every manager shares: the HTTP client and the resource shape."""

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from mogan_cli import exceptions, http

Resource = dict[str, Any]
Query = dict[str, str | int | None]


def is_uuid(text: str) -> bool:
    """Whether ``text`` spells a UUID (any case, with or without dashes)."""
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


class Manager:
    """Base of the resource managers.

    Args:
        api: the HTTP client all requests go through.
    """

    def __init__(self, api: http.HTTPClient) -> None:
        """Bind the manager to ``api``."""
        self.api = api


class CollectionManager(Manager):
    """A manager of one ``/v1/<collection>`` with the usual read and delete calls.

    Subclasses name the ``collection`` (URL segment and list key) and the
    ``noun`` used in messages, and add their own create and update calls.
    """

    collection: str
    noun: str

    def list(
        self,
        *,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> list[Resource]:
        """The items the caller may see, one page."""
        query: Query = {
            "limit": limit,
            "marker": marker,
            "sort_key": sort_key,
            "sort_dir": sort_dir,
        }
        path = f"/v1/{self.collection}"
        return list(self.api.get(path, query)[self.collection])

    def get(self, item_uuid: str) -> Resource:
        """One item by UUID."""
        return dict(self.api.get(f"/v1/{self.collection}/{item_uuid}"))

    def find(self, name_or_uuid: str) -> Resource:
        """One item by UUID or, failing that, by exact name.

        Raises:
            CommandError: nothing has that UUID or name, or several share it.
            HttpError: the API refused the lookup.
        """
        if is_uuid(name_or_uuid):
            try:
                return self.get(name_or_uuid)
            except exceptions.HttpError as err:
                if err.status != 404:  # noqa: PLR2004 - fall back to names on 404
                    raise
        matches = [i for i in self.list() if i.get("name") == name_or_uuid]
        if not matches:
            raise exceptions.CommandError(
                f"No {self.noun} with a name or UUID of '{name_or_uuid}' exists."
            )
        if len(matches) > 1:
            raise exceptions.CommandError(
                f"More than one {self.noun} exists with the name '{name_or_uuid}'."
            )
        return matches[0]

    def delete(self, item_uuid: str) -> None:
        """Delete one item."""
        self.api.delete(f"/v1/{self.collection}/{item_uuid}")


def metadata_patch(
    set_metadata: Mapping[str, str] | None, unset_metadata: Iterable[str]
) -> list[dict[str, Any]]:
    """JSON-patch operations setting and removing ``/metadata`` keys."""
    ops: list[dict[str, Any]] = [
        {"op": "add", "path": f"/metadata/{_pointer(key)}", "value": value}
        for key, value in (set_metadata or {}).items()
    ]
    ops.extend(
        {"op": "remove", "path": f"/metadata/{_pointer(key)}"} for key in unset_metadata
    )
    return ops


def _pointer(key: str) -> str:
    """``key`` escaped as one JSON-pointer segment (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")
