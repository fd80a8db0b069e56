"""Expired Keystone tokens and Mogan's service user's token (service-token tests).

Keystone issues tokens for an hour (``[token] expiration``) and the shared
test Keystone is not restarted per test, so an *expired* token comes from
an application credential: Keystone caps the expiry of a token issued with
one at the credential's own ``expires_at`` (its fix of CVE-2022-2447).
``expired_token`` makes a credential that expires in about a second, takes
a token with it and waits until that token has expired. Keystone still
validates such a token for a service that asks with ``allow_expired``
(within ``[token] allow_expired_window``, two days), which is what
keystonemiddleware asks when a valid service token comes with it.

What must not live here: pytest, anything of Mogan.
"""

import datetime
import time

from tests.keystone import support

LIFETIME = datetime.timedelta(seconds=1.5)
"""How long the credential, and so the token, lives: enough to issue it."""


def expired_token(
    keystone: support.Keystone, role: str = "member", project: str | None = None
) -> support.Token:
    """A token of a new user with ``role`` on ``project`` that has just expired.

    ``project``: a new one when None. Takes about two seconds (the wait).

    Raises:
        AssertionError: Keystone refused the credential or the token.
    """
    project = project or keystone.create_project()
    user = keystone.create_user()
    keystone.assign(user, role, project=project)
    token = keystone.issue(user, project=project)
    expires = datetime.datetime.now(datetime.UTC) + LIFETIME
    resp = keystone.http.post(
        f"/users/{user.id}/application_credentials",
        json={
            "application_credential": {
                "name": "expiring",
                "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            }
        },
        headers=token.headers,
    )
    assert resp.status_code == support.CREATED, resp.text
    credential = resp.json()["application_credential"]
    resp = keystone.http.post(
        "/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["application_credential"],
                    "application_credential": {
                        "id": credential["id"],
                        "secret": credential["secret"],
                    },
                }
            }
        },
    )
    assert resp.status_code == support.CREATED, resp.text
    body = resp.json()["token"]
    # NOTE: a little past the expiry Keystone wrote into the token, so
    # keystonemiddleware (same clock) finds it expired too.
    left = datetime.datetime.fromisoformat(body["expires_at"]) - datetime.datetime.now(
        datetime.UTC
    )
    time.sleep(max(0.0, left.total_seconds()) + 0.1)
    return support.Token(
        token=resp.headers["X-Subject-Token"],
        user_id=user.id,
        project_id=project,
        roles=tuple(sorted(r["name"] for r in body["roles"])),
    )


def service_token(keystone: support.Keystone) -> support.Token:
    """A token of Mogan's service user (``service`` role on project ``service``)."""
    service = keystone.service_user()
    return keystone.issue(
        service["username"], service["password"], project=service["project_id"]
    )
