"""Route declarations: the whole URL surface, described once.

A view is a plain function whose *signature* declares its inputs: ``ctx``
(the caller), ``body`` (a request model), ``query`` (a query model), and path
parameters by name, each with its type; the return annotation is the
response model. ``route`` records a ``Route`` for every view; ``register``
binds them to a Flask app with one generic wrapper that validates inputs,
serializes the result, and checks the view authorized the caller; a view
returning a ``flask.Response`` (bytes, not JSON) has it sent as it is. The
OpenAPI document and the policy persona tests are generated from
``ROUTES``; nothing else lists endpoints.
"""

import dataclasses
import inspect
import json
import re
import typing
from collections.abc import Callable
from typing import Any

import flask
import pydantic

from mogan import exception
from mogan.api import errors, microversion, state

ROUTES: list["Route"] = []

JSON = "application/json"
JSON_PATCH = "application/json-patch+json"
MAX_JSON_DEPTH = 32
"""How deeply arrays and objects may nest in a body (ours need 5 at most)."""
_STRUCTURE = re.compile(r'[\[\]{}"]')
# NOTE: the rest of a string after its opening quote; possessive, so a
# string is read once, never re-scanned from a later start.
_STRING_REST = re.compile(r'(?:[^"\\]++|\\.)*+"', re.DOTALL)


@dataclasses.dataclass(frozen=True)
class Route:
    """One endpoint: method, path and what it takes and returns."""

    method: str
    path: str
    view: Callable[..., Any]
    status: int
    policy: str | None
    body: type[pydantic.BaseModel] | None
    query: type[pydantic.BaseModel] | None
    path_params: dict[str, Any]
    response: Any
    tag: str
    takes_ctx: bool
    min_version: microversion.Version = microversion.MIN_VERSION

    @property
    def content_types(self) -> tuple[str, ...]:
        """The media types the route's body may be sent as (first: preferred)."""
        # NOTE: v1 clients and ours send PATCH bodies as application/json.
        return (JSON_PATCH, JSON) if self.method == "PATCH" else (JSON,)

    @property
    def public(self) -> bool:
        """Whether the route needs no authentication."""
        return self.policy is None

    @property
    def flask_path(self) -> str:
        """The path with Flask placeholders (``<name>``)."""
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)

    @property
    def summary(self) -> str:
        """First line of the view's docstring."""
        return (inspect.getdoc(self.view) or "").split("\n", 1)[0]


def route(
    method: str,
    path: str,
    *,
    status: int = 200,
    policy: str | None,
    tag: str,
    min_version: microversion.Version = microversion.MIN_VERSION,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare ``view`` as the handler of ``method path``.

    Args:
        method: HTTP method.
        path: path with ``{name}`` placeholders, e.g. ``/v1/flavors/{flavor_uuid}``.
        status: the success status code.
        policy: the policy rule the view checks, or None for a public route.
        tag: the OpenAPI tag (resource name).
        min_version: the microversion the route appeared in; older requests
            get 404, as for a path that does not exist.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        hints = typing.get_type_hints(view, include_extras=True)
        params = inspect.signature(view).parameters
        path_names = re.findall(r"\{(\w+)\}", path)
        unknown = set(params) - {"ctx", "body", "query", *path_names}
        if unknown:
            msg = f"{view.__qualname__} takes undeclared parameters {unknown}"
            raise TypeError(msg)
        ROUTES.append(
            Route(
                method=method.upper(),
                path=path,
                view=view,
                status=status,
                policy=policy,
                body=hints.get("body"),
                query=hints.get("query"),
                path_params={name: hints[name] for name in path_names},
                response=hints.get("return"),
                tag=tag,
                takes_ctx="ctx" in params,
                min_version=min_version,
            )
        )
        return view

    return decorator


def _reject_nul(value: Any, field: str) -> None:
    """Refuse NUL characters anywhere in the input.

    No resource name or id may hold one, and PostgreSQL cannot store them in
    text columns at all, so they are a 400 here rather than a 500 there.
    """
    if isinstance(value, str):
        if "\x00" in value:
            raise exception.InvalidParameter(
                field=field, reason="NUL characters are not allowed"
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_nul(key, field)
            _reject_nul(item, f"{field}.{key}" if field != "body" else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _reject_nul(item, f"{field}[{index}]")


def _validate_path(r: Route, values: dict[str, str]) -> dict[str, Any]:
    out = {}
    for name, annotation in r.path_params.items():
        _reject_nul(values[name], name)
        try:
            out[name] = pydantic.TypeAdapter(annotation).validate_python(values[name])
        except pydantic.ValidationError as err:
            _, reason = errors.describe_validation_error(err)
            raise exception.InvalidParameter(field=name, reason=reason) from err
    return out


def _validate_query(model: type[pydantic.BaseModel]) -> pydantic.BaseModel:
    args = flask.request.args
    repeated = [key for key in args if len(args.getlist(key)) > 1]
    if repeated:
        raise exception.InvalidParameter(
            field=repeated[0], reason="may be given only once"
        )
    for key, value in args.items():
        _reject_nul(key, "query")
        _reject_nul(value, key)
    try:
        return model.model_validate(args.to_dict())
    except pydantic.ValidationError as err:
        field, reason = errors.describe_validation_error(err)
        raise exception.InvalidParameter(field=field, reason=reason) from err


def _check_content_type(r: Route) -> None:
    """Refuse a body that is not declared JSON (a browser's form post is not).

    Raises:
        UnsupportedMediaType: the ``Content-Type`` is missing or another type;
            parameters such as ``charset`` are allowed.
    """
    mimetype = flask.request.mimetype
    if mimetype not in r.content_types:
        raise exception.UnsupportedMediaType(
            content_type=flask.request.content_type or "",
            expected=" or ".join(r.content_types),
        )


def _check_depth(text: str) -> None:
    """Refuse JSON nested deeper than ``MAX_JSON_DEPTH``, before parsing it.

    The parser recurses per level, so a deep enough document exhausts the
    stack. Brackets are counted outside strings in one linear pass: each
    string is skipped whole, and an unterminated one ends the pass (the
    parser then reports it).
    """
    depth = 0
    pos = 0
    while (found := _STRUCTURE.search(text, pos)) is not None:
        char, pos = found[0], found.end()
        if char == '"':
            rest = _STRING_REST.match(text, pos)
            if rest is None:
                return
            pos = rest.end()
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise exception.InvalidParameter(
                    field="body",
                    reason=f"JSON nested more than {MAX_JSON_DEPTH} levels deep",
                )
        else:
            depth -= 1


def _validate_body(r: Route, model: type[pydantic.BaseModel]) -> pydantic.BaseModel:
    raw = flask.request.get_data(cache=False)
    if not raw:
        raise exception.InvalidParameter(field="body", reason="a JSON body is required")
    _check_content_type(r)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise exception.InvalidParameter(
            field="body", reason=f"not UTF-8: {err}"
        ) from err
    _check_depth(text)
    try:
        data = json.loads(text)
    except ValueError as err:
        raise exception.InvalidParameter(
            field="body", reason=f"malformed JSON: {err}"
        ) from err
    _reject_nul(data, "body")
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as err:
        field, reason = errors.describe_validation_error(err)
        raise exception.InvalidParameter(field=field, reason=reason) from err


def _serialize(result: Any) -> Any:
    if isinstance(result, pydantic.BaseModel):
        return result.model_dump(mode="json", exclude_unset=True)
    return result


def _make_handler(r: Route) -> Callable[..., flask.Response]:
    def handler(**path_values: str) -> flask.Response:
        if microversion.request_version() < r.min_version:
            raise exception.NotAvailableAtVersion(what=r.path, version=r.min_version)
        ctx = state.context_from_environ(flask.request.environ, r.public)
        kwargs: dict[str, Any] = _validate_path(r, path_values)
        if r.takes_ctx:
            kwargs["ctx"] = ctx
        if r.query is not None:
            kwargs["query"] = _validate_query(r.query)
        if r.body is not None:
            kwargs["body"] = _validate_body(r, r.body)
        result = r.view(**kwargs)
        if not r.public and flask.g.get("authorized_rule") != r.policy:
            # NOTE: a view that skipped (or mis-named) its policy check must
            # never serve; the persona tests catch it before release.
            msg = f"{r.method} {r.path} did not check policy {r.policy}"
            raise RuntimeError(msg)
        if isinstance(result, flask.Response):
            # NOTE: a view serving bytes, not a model (deploy media).
            resp = result
        elif result is None:
            resp = flask.Response(status=r.status)
        else:
            resp = flask.jsonify(_serialize(result))
            resp.status_code = r.status
        if flask.g.get("location"):
            resp.headers["Location"] = flask.g.location
        return resp

    handler.__name__ = f"{r.view.__module__}.{r.view.__name__}"
    return handler


def register(app: flask.Flask) -> None:
    """Bind every declared route to ``app``."""
    for r in ROUTES:
        handler = _make_handler(r)
        paths = [r.flask_path]
        # NOTE: v1 served every resource with and without the /v1 prefix
        # (``/flavors`` == ``/v1/flavors``); clients rely on it.
        if r.flask_path.startswith("/v1/"):
            paths.append(r.flask_path.removeprefix("/v1"))
        for path in paths:
            app.add_url_rule(
                path,
                endpoint=f"{r.method} {path}",
                view_func=handler,
                methods=[r.method],
                strict_slashes=False,
            )
