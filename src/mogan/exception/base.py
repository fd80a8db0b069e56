"""The base of Mogan's domain exceptions and the errors of the API itself.

``MoganError`` and its categories (``Invalid``, ``NotFound``, ``Conflict``,
``Forbidden`` ...), which ``mogan.api.errors`` maps to HTTP statuses, the
request-level errors (versions, media types, authentication, scope), the
deployment's (no engine, RPC capped) and ``is_reschedulable``. Callers
import them through ``mogan.exception``.
"""

from typing import Any, ClassVar


def labelled(name: str | None, ident: str) -> str:
    """How a message names a resource the caller knows by name: ``NAME (UUID)``.

    The name is what the caller typed and recognises; the uuid stays for
    logs and for names that are not unique.
    """
    if not name or name == ident:
        return ident
    return f"{name} ({ident})"


class MoganError(Exception):
    """Base of every error Mogan raises on purpose."""

    msg_fmt: ClassVar[str] = "An unknown error occurred."
    code: ClassVar[str] = "mogan.error"
    # NOTE: whether another node could succeed where this failed; a build
    # failing with an error that says no fails at once.
    reschedulable: ClassVar[bool] = True

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        """Format ``msg_fmt`` with ``kwargs`` unless a message is given."""
        self.kwargs = kwargs
        if message is None:
            message = self.msg_fmt.format(**kwargs)
        self.message = message
        super().__init__(message)


class Invalid(MoganError):
    """The request is malformed or asks for something impossible."""

    msg_fmt = "Invalid request: {reason}"
    code = "mogan.invalid"
    reschedulable = False


class InvalidParameter(Invalid):
    """One named field of the request has a bad value."""

    msg_fmt = "Invalid input for field '{field}': {reason}"
    code = "mogan.invalid_parameter"


class PatchError(Invalid):
    """A JSON-patch document cannot be applied."""

    msg_fmt = "Invalid patch: {reason}"
    code = "mogan.invalid_patch"


class InvalidVersion(Invalid):
    """The requested API microversion is malformed."""

    msg_fmt = "Invalid microversion: {reason}"
    code = "mogan.invalid_microversion"


class VersionNotSupported(MoganError):
    """The requested API microversion is outside the supported range."""

    msg_fmt = (
        "Version {version} is not supported by the API. "
        "Minimum is {min_version} and maximum is {max_version}."
    )
    code = "mogan.microversion_unsupported"


class UnsupportedMediaType(MoganError):
    """The request body's ``Content-Type`` is not one the route takes."""

    msg_fmt = "Unsupported Content-Type {content_type!r}: send {expected}."
    code = "mogan.unsupported_media_type"


class ServiceUnavailable(MoganError):
    """The service cannot serve the request yet; the client should retry.

    ``retry_after`` (seconds) becomes the response's ``Retry-After``.
    """

    msg_fmt = "Service unavailable: {reason}"
    code = "mogan.service_unavailable"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        """Format the message; ``retry_after`` (seconds, default 5) is kept."""
        self.retry_after = int(kwargs.pop("retry_after", 5))
        super().__init__(message, **kwargs)


class InvalidState(Invalid):
    """The action is not allowed in the resource's current state."""

    msg_fmt = "Cannot {action} while the server is {state}."
    code = "mogan.invalid_state"


class NotFound(MoganError):
    """The named resource does not exist or is hidden from the caller."""

    msg_fmt = "Resource could not be found."
    code = "mogan.not_found"
    reschedulable = False


class NotAvailableAtVersion(NotFound):
    """The resource exists only from a later microversion."""

    msg_fmt = "{what} requires microversion {version} or later."
    code = "mogan.not_available_at_version"


class Conflict(MoganError):
    """The request conflicts with the current state of a resource."""

    msg_fmt = "Conflict: {reason}"
    code = "mogan.conflict"


class Forbidden(MoganError):
    """Policy or ownership refuses the request."""

    msg_fmt = "Access was denied to the following resource: {rule}"
    code = "mogan.forbidden"
    reschedulable = False


class ProjectScopeRequired(Forbidden):
    """The action needs a project-scoped caller, and this one has none."""

    msg_fmt = "{action} needs a project-scoped token; this request has {scope} scope."
    code = "mogan.project_scope_required"


class NotAuthenticated(MoganError):
    """The request carries no valid credentials."""

    msg_fmt = "Authentication required."
    code = "mogan.unauthenticated"


class EngineUnavailable(Conflict):
    """No engine is running to answer a call that needs one.

    A conflict with the deployment's state (no engine runs), not a fault of
    the server: nothing is broken until an engine is expected to run.
    """

    msg_fmt = "No engine is available to {action}: {reason}"
    code = "mogan.engine.unavailable"


class RPCVersionCapped(Conflict):
    """``[upgrade_levels]`` caps a service below the version a call needs.

    A fact of a rolling upgrade in progress: the call works once every
    process of the service runs the new release and the cap is lifted.
    """

    msg_fmt = (
        "Cannot {what} yet: it needs {service} RPC API {version}, and "
        "[upgrade_levels] {service} caps it at {cap}; lift the cap once every "
        "{service} runs this release."
    )
    code = "mogan.rpc.version_capped"
    reschedulable = False


def is_reschedulable(err: BaseException) -> bool:
    """Whether a build failing with ``err`` may be retried on another node.

    Errors that are not Mogan's (bugs, a backend's surprise) may be specific
    to the node, so they are retried, within ``[engine] build_attempts``.
    """
    if isinstance(err, MoganError):
        return type(err).reschedulable
    return True
