"""Access lists of private flavors and hardware profiles: read, share, unshare.

Both resources are public, or private with a list of the projects that may
see them; the rules are the same for both and live here: a public resource
has no list (reading it is "not found", adding to it a conflict), sharing
twice is a no-op, and removing a project that is not listed is "not found".
Each resource's service binds an ``Access`` with its own lookup and errors.
"""

import dataclasses
from collections.abc import Callable
from typing import Generic

from sqlalchemy import orm

from mogan import context as mogan_context
from mogan.db.api import access as access_db


@dataclasses.dataclass(frozen=True)
class Access(Generic[access_db.ItemT]):
    """The access-list operations of one kind of resource.

    Attributes:
        rows: the resource's access-list queries.
        lookup: finds the resource by reference, whoever may see it; raises
            the resource's "not found".
        public: the error for reading a public resource's list.
        public_conflict: the error for adding to a public resource's list.
    """

    rows: access_db.AccessList[access_db.ItemT]
    lookup: Callable[[orm.Session, str], access_db.ItemT]
    public: Callable[[], Exception]
    public_conflict: Callable[[], Exception]

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
