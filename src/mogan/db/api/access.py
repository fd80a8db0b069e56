"""Access lists of private catalogue resources: flavors and hardware profiles.

Such a resource is public, or private and seen only by the projects on its
access list: one row per project in the resource's own table
(``flavor_projects``, ``hardware_profile_projects``). ``AccessList`` holds
the queries on such a list, parameterised by the resource's columns and its
access rows' columns; each resource's module binds one and names its own
"not on the list" error. Query functions only: the caller owns the
transaction.
"""

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mogan import exception


class AccessRow(Protocol):
    """One project on an access list."""

    @property
    def project_id(self) -> str:
        """The project the resource is shared with."""


class Shareable(Protocol):
    """A resource row that has an access list."""

    @property
    def id(self) -> int:
        """Primary key, referenced by the access rows."""

    @property
    def uuid(self) -> str:
        """Public id."""

    @property
    def name(self) -> str:
        """Name, for messages."""

    @property
    def is_public(self) -> bool:
        """Whether every project sees it (then it has no access list)."""

    @property
    def projects(self) -> Sequence[AccessRow]:
        """Its access rows."""


ItemT = TypeVar("ItemT", bound=Shareable)


@dataclasses.dataclass(frozen=True)
class AccessList(Generic[ItemT]):
    """The access list of one kind of resource.

    Attributes:
        model: the resource's model (``id`` and ``is_public`` columns).
        owner: the access rows' column that references ``item_id``.
        project: the access rows' project column.
        not_listed: the error for removing a project that is not on the
            list, given the resource's label and the project.
    """

    model: type[ItemT]
    owner: orm.InstrumentedAttribute[int]
    project: orm.InstrumentedAttribute[str]
    not_listed: Callable[[str, str], Exception]

    def visible_to(self, project_id: str | None) -> sa.ColumnElement[bool]:
        """A filter: the resource is public or shared with ``project_id``."""
        # NOTE: the protocol types instances; the class's columns are SQL.
        table: Any = self.model
        shared = sa.exists().where(self.owner == table.id, self.project == project_id)
        return sa.or_(table.is_public.is_(True), shared)

    def add_project(self, session: orm.Session, item: ItemT, project_id: str) -> None:
        """Share ``item`` with a project; a no-op if shared, even concurrently."""
        if any(p.project_id == project_id for p in item.projects):
            return
        row_model: Any = self.owner.class_
        row = row_model(**{self.owner.key: item.id, self.project.key: project_id})
        try:
            with session.begin_nested():
                session.add(row)
        except sa_exc.IntegrityError:
            # NOTE: a concurrent request shared it first: the outcome is the same.
            return
        session.expire(item, ["projects"])

    def remove_project(
        self, session: orm.Session, item: ItemT, project_id: str
    ) -> None:
        """Stop sharing ``item`` with a project.

        Raises:
            Exception: ``not_listed``'s error when the project was not on the list.
        """
        for row in item.projects:
            if row.project_id == project_id:
                session.delete(row)
                session.flush()
                session.expire(item, ["projects"])
                return
        raise self.not_listed(exception.labelled(item.name, item.uuid), project_id)
