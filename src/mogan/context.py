"""The request context: who is asking, and the handles they act through.

A ``RequestContext`` is built by the API from the authenticated identity (or
by a process for its own work) and passed explicitly to services. It carries
the database handle so services open their own transactions; it never holds
a global.
"""

import dataclasses
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mogan.db import session as db_session


def new_request_id() -> str:
    """A fresh request id, ``req-<uuid>``."""
    return _request_id()


def _request_id() -> str:
    return f"req-{uuid.uuid4()}"


@dataclasses.dataclass
class RequestContext:
    """Identity and handles for one unit of work."""

    user_id: str | None = None
    project_id: str | None = None
    roles: list[str] = dataclasses.field(default_factory=list)
    user_name: str | None = None
    project_name: str | None = None
    auth_token: str | None = None
    request_id: str = dataclasses.field(default_factory=_request_id)
    system_scope: str | None = None
    db: "db_session.Database | None" = None
    admin: bool | None = None

    @property
    def is_admin(self) -> bool:
        """Whether the caller is an administrator.

        The API sets ``admin`` from the ``context_is_admin`` policy rule, so an
        operator's override of that rule decides; contexts a process builds
        for itself fall back to the admin role names.
        """
        if self.admin is not None:
            return self.admin
        return "admin" in self.roles or "administrator" in self.roles

    def policy_credentials(self) -> dict[str, Any]:
        """Credentials in the shape oslo.policy checks against."""
        return {
            "user_id": self.user_id,
            "project_id": self.project_id,
            "roles": list(self.roles),
            "system_scope": self.system_scope,
            "is_admin": self.is_admin,
        }

    @property
    def database(self) -> "db_session.Database":
        """The database handle; a context without one is a programming error."""
        if self.db is None:
            msg = "this context has no database handle"
            raise RuntimeError(msg)
        return self.db
