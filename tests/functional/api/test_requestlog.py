"""One INFO log line per API request, after its response, whatever the status."""

import base64
import logging
import uuid

import bcrypt
import httpx
import pytest

from mogan import conf as mogan_conf
from mogan.api import app as api_app
from tests.conftest import MEMBER

LOGGER = "mogan.api.requestlog"


def _lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER]


def _only_line(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    lines = _lines(caplog)
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].levelno == logging.INFO
    return lines[0]


class TestRequestLog:
    def test_a_request_logs_id_method_path_status_duration_and_caller(
        self, client, caplog
    ):
        """A 200 logs its request id, method, path, status, duration and caller."""
        caplog.set_level(logging.INFO, logger=LOGGER)
        resp = client.get("/v1/flavors?limit=5", headers=MEMBER.headers)
        assert resp.status_code == 200
        record = _only_line(caplog)
        request_id = resp.headers["x-openstack-request-id"]
        message = record.getMessage()
        assert message.startswith(f"{request_id} GET /v1/flavors status 200 ")
        assert " ms project project-a user alice" in message
        assert "limit" not in message
        assert record.__dict__["status"] == "200"
        assert record.__dict__["project_id"] == MEMBER.project_id
        assert record.__dict__["user_id"] == MEMBER.user_id
        assert record.__dict__["duration_ms"] >= 0

    def test_a_404_is_logged(self, client, caplog):
        """A missing flavor logs its 404 with the caller."""
        caplog.set_level(logging.INFO, logger=LOGGER)
        missing = f"/v1/flavors/{uuid.uuid4()}"
        resp = client.get(missing, headers=MEMBER.headers)
        assert resp.status_code == 404
        record = _only_line(caplog)
        assert record.__dict__["method"] == "GET"
        assert record.__dict__["path"] == missing
        assert record.__dict__["status"] == "404"
        assert record.__dict__["project_id"] == MEMBER.project_id

    def test_one_line_per_request(self, client, caplog):
        """Three requests, three lines, each with its own request id."""
        caplog.set_level(logging.INFO, logger=LOGGER)
        ids = [
            client.get("/v1/flavors", headers=MEMBER.headers).headers[
                "x-openstack-request-id"
            ]
            for _ in range(3)
        ]
        assert [r.__dict__["request_id"] for r in _lines(caplog)] == ids

    def test_a_401_is_logged_without_a_caller(self, tmp_path, database, caplog):
        """Refused credentials log a 401 with no project or user."""
        htpasswd = tmp_path / "htpasswd"
        hashed = bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)).decode()
        htpasswd.write_text(f"alice:{hashed}\n")
        conf = mogan_conf.make_conf(
            overrides={
                "DEFAULT": {"state_path": str(tmp_path), "transport_url": "fake://"},
                "api": {
                    "auth_strategy": "http_basic",
                    "http_basic_auth_user_file": str(htpasswd),
                },
            }
        )
        app = api_app.create_app(conf, database)
        caplog.set_level(logging.INFO, logger=LOGGER)
        wrong = base64.b64encode(b"alice:wrong").decode()
        with httpx.Client(
            transport=httpx.WSGITransport(app=app), base_url="http://mogan.test"
        ) as client:
            resp = client.get(
                "/v1/servers", headers={"Authorization": f"Basic {wrong}"}
            )
        assert resp.status_code == 401
        record = _only_line(caplog)
        assert record.__dict__["status"] == "401"
        assert record.__dict__["path"] == "/v1/servers"
        assert record.__dict__["request_id"] == resp.headers["x-openstack-request-id"]
        assert (record.__dict__["project_id"], record.__dict__["user_id"]) == ("-", "-")

    def test_healthcheck_polls_are_not_logged(self, client, caplog):
        """Load balancers' /healthcheck polls stay out of the request log."""
        caplog.set_level(logging.INFO, logger=LOGGER)
        assert client.get("/healthcheck").status_code == 200
        assert _lines(caplog) == []
