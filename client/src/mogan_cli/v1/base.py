"""What every manager shares: the HTTP client, the resource shape, paging.

The API returns collections a page at a time (at most ``[api] max_limit``
items, 1,000 by default) and says nothing about further pages: a client
asks again with ``marker`` set to the last item it got until a page comes
back empty. :func:`paginate` does that, so every ``list`` call returns the
whole collection (or ``limit`` items) and every lookup by name searches it
all.
"""

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from mogan_cli import exceptions, http

Resource = dict[str, Any]
Query = dict[str, str | int | None]
PageFetcher = Callable[[Query], list[Resource]]
"""Fetch one page given ``limit`` and ``marker`` (either may be ``None``)."""


def is_uuid(text: str) -> bool:
    """Whether ``text`` spells a UUID (any case, with or without dashes)."""
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def paginate(
    fetch: PageFetcher,
    *,
    limit: int | None = None,
    marker: str | None = None,
    marker_key: str = "uuid",
) -> list[Resource]:
    """Every item after ``marker``, page by page, or the first ``limit`` of them.

    Args:
        fetch: requests one page with the ``limit`` and ``marker`` it is given.
        limit: the most items to return; ``None`` for all of them.
        marker: start after this item (its ``marker_key`` value).
        marker_key: the field the API takes as ``marker`` (``uuid``, ``name``).
    """
    items: list[Resource] = []
    seen: set[Any] = set()
    while limit is None or len(items) < limit:
        wanted = None if limit is None else limit - len(items)
        page = fetch({"limit": wanted, "marker": marker})
        if not page:
            break
        fresh = [item for item in page if item.get(marker_key) not in seen]
        # NOTE: a server that ignored the marker would hand out the same page
        # forever; stop rather than loop.
        if not fresh:
            break
        items.extend(fresh)
        seen.update(item.get(marker_key) for item in fresh)
        marker = fresh[-1].get(marker_key)
        if marker is None:
            break
    return items if limit is None else items[:limit]


def window(
    items: list[Resource],
    *,
    limit: int | None = None,
    marker: str | None = None,
    marker_key: str = "uuid",
) -> list[Resource]:
    """What :func:`paginate` would return, for a collection the API sends whole."""
    if marker is not None:
        keys = [item.get(marker_key) for item in items]
        items = items[keys.index(marker) + 1 :] if marker in keys else []
    return items if limit is None else items[:limit]


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
    paged = True
    """Whether the API pages this collection (takes ``limit`` and ``marker``)."""

    def list(
        self,
        *,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> list[Resource]:
        """The items the caller may see: all of them, or the first ``limit``."""
        query: Query = {"sort_key": sort_key, "sort_dir": sort_dir}
        path = f"/v1/{self.collection}"
        if not self.paged:
            items = list(self.api.get(path, query)[self.collection])
            return window(items, limit=limit, marker=marker)

        def fetch(page: Query) -> list[Resource]:
            return list(self.api.get(path, {**query, **page})[self.collection])

        return paginate(fetch, limit=limit, marker=marker)

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
