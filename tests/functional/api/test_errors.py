"""The error mapping: bugs become opaque 500s; forgotten policy checks never serve."""

import json

import httpx
import pytest

from mogan.api import app as api_app
from mogan.api import router


@pytest.fixture
def flask_app(conf, database):
    """The bare Flask app with two faulty test routes added."""
    app = api_app.create_flask_app(conf, database)

    def boom():
        msg = "secret internal detail"
        raise RuntimeError(msg)

    app.add_url_rule("/v1/boom", "boom", boom)

    def forgot_policy() -> None:
        """A view that never calls authorize."""

    route = router.Route(
        method="GET",
        path="/v1/forgot",
        view=forgot_policy,
        status=200,
        policy="mogan:flavor:get_all",
        body=None,
        query=None,
        path_params={},
        response=None,
        tag="test",
        takes_ctx=False,
    )
    app.add_url_rule("/v1/forgot", "forgot", router._make_handler(route))
    return app


def _get(flask_app, path):
    with httpx.Client(
        transport=httpx.WSGITransport(app=flask_app), base_url="http://mogan.test"
    ) as c:
        return c.get(
            path,
            headers={"X-Identity-Status": "Confirmed", "X-Roles": "admin"},
        )


class TestUnexpectedErrors:
    def test_bug_is_500_without_internals(self, flask_app):
        """An unhandled exception is a 500 whose body hides the traceback."""
        resp = _get(flask_app, "/v1/boom")
        assert resp.status_code == 500
        fault = json.loads(resp.json()["error_message"])
        assert fault["faultcode"] == "Server"
        assert "secret" not in resp.text
        assert fault["debuginfo"] is None

    def test_tracebacks_only_when_configured(self, flask_app):
        """debug_tracebacks_in_api puts the traceback in debuginfo."""
        flask_app.config["MOGAN_TRACEBACKS"] = True
        fault = json.loads(_get(flask_app, "/v1/boom").json()["error_message"])
        assert "RuntimeError" in fault["debuginfo"]

    def test_view_without_policy_check_never_serves(self, flask_app):
        """A protected route whose view skipped authorize answers 500, not 200."""
        assert _get(flask_app, "/v1/forgot").status_code == 500

    def test_unconfirmed_identity_is_401(self, flask_app):
        """Without a confirmed identity a protected route is 401."""
        with httpx.Client(
            transport=httpx.WSGITransport(app=flask_app), base_url="http://mogan.test"
        ) as c:
            resp = c.get("/v1/flavors")
        assert resp.status_code == 401
        assert resp.json()["code"] == "mogan.unauthenticated"
