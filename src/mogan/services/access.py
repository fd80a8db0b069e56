"""Public or private resources (flavors, hardware profiles): lookups, access lists.

Both resources are public, or private with a list of the projects that may
see them; the rules are the same for both and live here. Admins see every
one; other callers see the public ones and those shared with their project,
and anything else is "not found" to them. A public resource has no list
(reading it is "not found", adding to it a conflict), sharing twice is a
no-op, and removing a project that is not listed is "not found". Each
resource's service binds an ``Access`` with its own queries and errors.
"""

import dataclasses
from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypedDict, TypeVar

from sqlalchemy import orm

from mogan import context as mogan_context
from mogan.db.api import access as access_db

T_co = TypeVar("T_co", covariant=True)
T = TypeVar("T")


class Lookup(Protocol[T_co]):
    """A resource's lookup query: by reference, as a project sees it.

    Raises the resource's "not found" for no such resource or a hidden one.
    """

    def __call__(
        self,
        session: orm.Session,
        ref: str,
        /,
        *,
        visible_to: str | None = None,
        all_visible: bool = True,
    ) -> T_co:
        """The resource ``ref`` names."""


class Listing(Protocol[T]):
    """A resource's list query: one page, as a project sees them."""

    def __call__(
        self,
        session: orm.Session,
        *,
        visible_to: str | None = None,
        all_visible: bool = True,
        sort_key: str = "name",
        sort_dir: str = "asc",
        limit: int | None = None,
        marker: T | None = None,
    ) -> Sequence[T]:
        """The resources after ``marker``, in order."""


class Visibility(TypedDict):
    """How a caller sees resources: the lookups' and listings' keywords."""

    visible_to: str | None
    all_visible: bool


def visibility(ctx: mogan_context.RequestContext) -> Visibility:
    """The caller's view: their project's, or everything for admins."""
    return {"visible_to": ctx.project_id, "all_visible": ctx.can_read_all}


@dataclasses.dataclass(frozen=True)
class Access(Generic[access_db.ItemT]):
    """The lookups and access-list operations of one kind of resource.

    Attributes:
        rows: the resource's access-list queries.
        lookup: finds the resource by reference (by default whoever may
            see it); raises the resource's "not found".
        listing: lists the resources, one page.
        public: the error for reading a public resource's list.
        public_conflict: the error for adding to a public resource's list.
    """

    rows: access_db.AccessList[access_db.ItemT]
    lookup: Lookup[access_db.ItemT]
    listing: Listing[access_db.ItemT]
    public: Callable[[], Exception]
    public_conflict: Callable[[], Exception]

    def get(self, ctx: mogan_context.RequestContext, ref: str) -> access_db.ItemT:
        """The resource ``ref`` names, as the caller may see it.

        Raises:
            Exception: the lookup's "not found": none, or hidden from the caller.
        """
        with ctx.database.transaction(readonly=True) as session:
            return self.lookup(session, ref, **visibility(ctx))

    def get_all(
        self,
        ctx: mogan_context.RequestContext,
        sort_key: str = "name",
        sort_dir: str = "asc",
        limit: int | None = None,
        marker: str | None = None,
    ) -> Sequence[access_db.ItemT]:
        """The resources the caller may see, one page of them.

        Raises:
            Exception: the lookup's "not found": the marker names none the
                caller sees.
        """
        with ctx.database.transaction(readonly=True) as session:
            seen = visibility(ctx)
            marker_row = self.lookup(session, marker, **seen) if marker else None
            return self.listing(
                session,
                sort_key=sort_key,
                sort_dir=sort_dir,
                limit=limit,
                marker=marker_row,
                **seen,
            )

    def projects(self, ctx: mogan_context.RequestContext, ref: str) -> list[str]:
        """Projects a private resource is shared with.

        Raises:
            Exception: the lookup's "not found"; ``public`` for a public one.
        """
        with ctx.database.transaction(readonly=True) as session:
            item = self.lookup(session, ref)
            if item.is_public:
                raise self.public()
            return [row.project_id for row in item.projects]

    def add(self, ctx: mogan_context.RequestContext, ref: str, project_id: str) -> None:
        """Share a private resource with a project (idempotent).

        Raises:
            Exception: the lookup's "not found"; ``public_conflict`` for a
                public one.
        """
        with ctx.database.transaction() as session:
            item = self.lookup(session, ref)
            if item.is_public:
                raise self.public_conflict()
            self.rows.add_project(session, item, project_id)

    def remove(
        self, ctx: mogan_context.RequestContext, ref: str, project_id: str
    ) -> None:
        """Stop sharing a private resource with a project.

        Raises:
            Exception: the lookup's "not found"; the list's "not listed"
                when the project was not on it.
        """
        with ctx.database.transaction() as session:
            item = self.lookup(session, ref)
            self.rows.remove_project(session, item, project_id)
