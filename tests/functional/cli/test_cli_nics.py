"""``server create --nic`` with v1's keys: ``v4-fixed-ip`` and ``port-id``.

The command runs over the real app (see conftest.py); the NICs it asked
for are read back from the build's arguments the API wrote, and what the
embedded network backend cannot do comes back as the API's 400.
"""

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from mogan.db import models
from tests.conftest import MEMBER


def ok(result) -> Any:
    """The JSON a successful command printed."""
    assert result.code == 0, result.err
    return result.json()


@pytest.fixture
def refs(mogan) -> None:
    """A flavor, an image and a network, each created by name."""
    ok(
        mogan(
            "flavor", "create", "bm.gold", "--resource", "CUSTOM_GOLD=1", "-f", "json"
        )
    )
    ok(mogan("image", "create", "ubuntu", "--url", "http://i.test/u.raw", "-f", "json"))
    ok(mogan("network", "create", "demo-net", "--cidr", "10.0.0.0/24", "-f", "json"))


def _create(mogan, nic: str):
    return mogan(
        "server",
        "create",
        "n",
        "--flavor",
        "bm.gold",
        "--image",
        "ubuntu",
        "--nic",
        nic,
        "-f",
        "json",
        persona=MEMBER,
    )


def _networks(database) -> list[dict[str, Any]]:
    with database.transaction(readonly=True) as session:
        args = session.scalars(sa.select(models.Workflow.args)).one()
    return list(args["build_args"]["networks"])


@pytest.mark.usefixtures("refs")
class TestNicKeys:
    def test_v4_fixed_ip_reaches_the_build(self, mogan, database):
        """``net-id=<name>,v4-fixed-ip=<ip>`` asks for that address (API 1.8)."""
        server = ok(_create(mogan, "net-id=demo-net,v4-fixed-ip=10.0.0.42"))
        assert server["status"] == "building"
        (nic,) = _networks(database)
        assert nic["fixed_ips"] == ["10.0.0.42"]

    def test_port_id_is_sent_and_the_backend_answers(self, mogan):
        """``port-id=`` is sent as is; the embedded backend refuses it by field."""
        result = _create(mogan, f"port-id={uuid.uuid4()}")
        assert result.code == 1
        assert "networks[0].port_id" in result.err

    def test_net_id_and_port_id_together_are_refused(self, mogan):
        """A NIC is a network or a port, not both."""
        result = _create(mogan, f"net-id=demo-net,port-id={uuid.uuid4()}")
        assert result.code != 0
        assert "exactly one of net-id and port-id" in result.err
