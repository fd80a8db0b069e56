"""The request context: who is asking, and the handles they act through.

A ``RequestContext`` is built by the API from the authenticated identity (or
by a process for its own work) and passed explicitly to services. It carries
the database handle so services open their own transactions; it never holds
a global.

A caller has at most one scope, as a Keystone token does: a project, a
domain, or the whole system. ``require_project`` and ``project_filter`` are
how services turn that scope into the project a row belongs to or a listing
is limited to; a caller without a project never owns rows, and lists every
project only when allowed to read them all.

Between processes a context travels as ``to_dict()`` (identity and request
id, never the token or the database handle) and comes back with
``from_dict``. The request id of the work a thread is doing is *bound*
(``bound``): every log record made meanwhile carries it as ``request_id``
(``install_log_record_factory``), so the engine's and the scheduler's lines
about a build name the ``POST /v1/servers`` that started it.
"""

import contextlib
import contextvars
import dataclasses
import logging
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from mogan import exception

if TYPE_CHECKING:
    from mogan.db import session as db_session


def new_request_id() -> str:
    """A fresh request id, ``req-<uuid>``."""
    return _request_id()


def _request_id() -> str:
    return f"req-{uuid.uuid4()}"


# NOTE: the fields that cross process boundaries; never auth_token (it would
# rest in workflow rows) nor the database handle.
WIRE_FIELDS = (
    "user_id",
    "project_id",
    "roles",
    "user_name",
    "project_name",
    "request_id",
    "system_scope",
    "domain_id",
    "admin",
    "read_all",
)

_BOUND: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "mogan_request_id", default=None
)


def bind(request_id: str | None) -> contextvars.Token[str | None]:
    """Bind ``request_id`` to the current thread's work (see ``bound``)."""
    return _BOUND.set(request_id)


@contextlib.contextmanager
def bound(request_id: str | None) -> Iterator[None]:
    """Log records made inside carry ``request_id``; the previous one after."""
    token = _BOUND.set(request_id)
    try:
        yield
    finally:
        _BOUND.reset(token)


def current_request_id() -> str | None:
    """The request id bound to the current thread's work, if any."""
    return _BOUND.get()


def install_log_record_factory() -> None:
    """Give log records made under ``bound`` a ``request_id`` attribute.

    Records made outside any bound request get none, so a caller's
    ``extra={"request_id": ...}`` (the API's request log) still works;
    formatters use a filter defaulting it (``mogan.cmd.common``).
    Idempotent.
    """
    current = logging.getLogRecordFactory()
    if getattr(current, "mogan_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        request_id = _BOUND.get()
        if request_id is not None:
            record.request_id = request_id
        return record

    factory.mogan_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


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
    domain_id: str | None = None
    db: "db_session.Database | None" = None
    admin: bool | None = None
    read_all: bool | None = None

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

    @property
    def can_read_all(self) -> bool:
        """Whether the caller may read every project's resources.

        The API sets ``read_all`` from the ``context_is_cloud_reader`` rule
        (cloud administrators and system-scoped readers); contexts a process
        builds for itself fall back to ``is_admin``.
        """
        if self.read_all is not None:
            return self.read_all
        return self.is_admin

    @property
    def scope(self) -> str | None:
        """``system``, ``project`` or ``domain``; None for an unscoped caller."""
        if self.system_scope:
            return "system"
        if self.project_id:
            return "project"
        if self.domain_id:
            return "domain"
        return None

    def require_project(self, action: str) -> str:
        """The caller's project, which owns what ``action`` creates.

        Raises:
            ProjectScopeRequired: the caller has no project (system, domain
                or no scope): nothing may be owned by an empty project.
        """
        if not self.project_id:
            raise exception.ProjectScopeRequired(
                action=action, scope=self.scope or "no"
            )
        return self.project_id

    def project_filter(self, all_projects: bool = False) -> str | None:
        """The project a read is limited to; None means every project.

        Every project only for a caller who may read them all, when asked
        (``all_projects``) or when the caller has no project of its own (a
        system-scoped reader or admin). Otherwise the caller's own project.

        Raises:
            ProjectScopeRequired: the caller has no project and may not read
                every project: its read must not fall back to "all".
        """
        if self.can_read_all and (all_projects or not self.project_id):
            return None
        return self.require_project("reading project resources")

    def policy_credentials(self) -> dict[str, Any]:
        """Credentials in the shape oslo.policy checks against.

        Attributes the caller lacks are left out rather than set to None:
        oslo.policy compares ``project_id:%(project_id)s`` as strings, and
        ``str(None) == str(None)`` would make a caller without a project a
        member of every target without one. A missing attribute never
        matches. ``domain_id`` tells oslo.policy the token is domain-scoped.
        """
        creds: dict[str, Any] = {
            "user_id": self.user_id,
            "project_id": self.project_id,
            "domain_id": self.domain_id,
            "system_scope": self.system_scope,
        }
        creds = {key: value for key, value in creds.items() if value}
        creds.update(roles=list(self.roles), is_admin=self.is_admin)
        return creds

    def to_dict(self) -> dict[str, Any]:
        """The context as it crosses RPC and rests in workflow rows."""
        return {name: getattr(self, name) for name in WIRE_FIELDS}

    @classmethod
    def from_dict(
        cls, values: dict[str, Any], db: "db_session.Database | None" = None
    ) -> "RequestContext":
        """The context ``to_dict`` gave (unknown keys ignored), on ``db``."""
        known = {k: v for k, v in values.items() if k in WIRE_FIELDS}
        if not known.get("request_id"):
            known.pop("request_id", None)
        known["roles"] = list(known.get("roles") or [])
        return cls(db=db, **known)

    @property
    def database(self) -> "db_session.Database":
        """The database handle; a context without one is a programming error."""
        if self.db is None:
            msg = "this context has no database handle"
            raise RuntimeError(msg)
        return self.db
