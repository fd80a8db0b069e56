"""Secrets out of logs: what ``--debug`` prints of requests and responses.

Request and response logs (``--debug``, ``-v -v``) show headers and JSON
bodies with credentials masked: the ``Authorization``, ``X-Auth-Token``,
``X-Subject-Token`` and ``X-Service-Token`` headers, and body fields such as
``password``, ``adminPass``, ``private_key`` and ``token``, at any depth.
:class:`RedactingFilter` applies the same masks to every record the CLI's
log handlers print (keystoneauth's included), as a second line of defence.
"""

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

MASK = "***"
SECRET_HEADERS = frozenset(
    {"authorization", "x-auth-token", "x-subject-token", "x-service-token"}
)
# NOTE: compared lower-case; ``token`` is the Keystone token itself, and the
# others are what Mogan and Keystone bodies call secrets.
SECRET_FIELDS = frozenset(
    {
        "password",
        "adminpass",
        "admin_pass",
        "private_key",
        "token",
        "secret",
        "application_credential_secret",
        "passcode",
        "totp",
    }
)
_FIELD_NAMES = "|".join(
    sorted({"password", "adminPass", "admin_pass", "private_key", "secret", "token"})
)
# NOTE: text masks for what arrives as a string: a secret field of JSON or
# of a Python repr ("field": "value", 'field': 'value'), and a header as
# "Name: value", 'name': 'value' or name=value.
_FIELD = re.compile(
    rf"""(["'](?:[\w-]*_)?(?:{_FIELD_NAMES})["']\s*:\s*)(["'])(?:(?!\2)[^\\]|\\.)*\2""",
    re.IGNORECASE,
)
_HEADER = re.compile(
    r"\b(authorization|x-auth-token|x-subject-token|x-service-token)"
    r"(['\"]?\s*[:=]\s*['\"]?)(?:basic\s+|bearer\s+)?[^\s\"',]+",
    re.IGNORECASE,
)


def headers(values: Mapping[str, str]) -> dict[str, str]:
    """``values`` with the credential headers masked."""
    return {k: MASK if k.lower() in SECRET_HEADERS else v for k, v in values.items()}


def data(value: Any) -> Any:
    """A decoded JSON value with every secret field's value masked."""
    if isinstance(value, Mapping):
        return {
            k: MASK if str(k).lower() in SECRET_FIELDS and v else data(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [data(item) for item in value]
    return value


def body(content: bytes) -> str:
    """A request or response body as text for a log, secrets masked."""
    if not content:
        return ""
    try:
        decoded = json.loads(content)
    except ValueError:
        return text(content.decode("utf-8", errors="replace"))
    return json.dumps(data(decoded), sort_keys=True)


def text(message: str) -> str:
    """``message`` with secret JSON fields and credential headers masked."""
    message = _FIELD.sub(rf"\1\2{MASK}\2", message)
    return _HEADER.sub(rf"\1\2{MASK}", message)


class RedactingFilter(logging.Filter):
    """Masks secrets in every record it passes (see :func:`text`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message with its masked rendering."""
        message = record.getMessage()
        masked = text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
