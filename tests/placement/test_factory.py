"""get_client: the embedded singleton and the remote keystoneauth path."""

import threading
import uuid

import pytest
from cheroot import wsgi
from oslo_config import cfg

from mogan import conf as mogan_conf
from mogan import placement
from mogan.placement import client as placement_client
from mogan.placement import embedded
from tests.placement import support


@pytest.fixture
def served(placement_state):
    """The embedded Placement served on a loopback port by cheroot (noauth2)."""
    server = wsgi.Server(("127.0.0.1", 0), embedded.shared_app(placement_state))
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.bind_addr[1]}"
    server.stop()
    thread.join(timeout=5)


def remote_conf(tmp_path, placement_section: str):
    """Configuration read from a file with the given ``[placement]`` section."""
    path = tmp_path / "mogan.conf"
    path.write_text(
        f"[DEFAULT]\nstate_path = {tmp_path}\n[placement]\n{placement_section}"
    )
    conf = cfg.ConfigOpts()
    # NOTE: a group of this conf's own: oslo.config copies a registered
    # OptGroup shallowly, so the auth plugin options keystoneauth registers
    # would otherwise leak into every later ConfigOpts of the process.
    conf.register_group(cfg.OptGroup("placement"))
    mogan_conf.register_opts(conf)
    conf(["--config-file", str(path)], project="mogan", default_config_files=[])
    return conf


class TestEmbedded:
    def test_clients_share_one_placement(self, placement_state, tmp_path):
        """Clients built from different configurations see the same Placement."""
        first = support.client(placement_state)
        second = support.client(str(tmp_path))
        rp = str(uuid.uuid4())
        first.create_provider(rp, f"rp-{rp}")
        assert second.get_provider(rp) is not None


class TestRemote:
    @pytest.mark.parametrize(
        "section",
        [
            "auth_type = none\nendpoint_override = {url}\n",
            "auth_type = admin_token\nendpoint = {url}\ntoken = admin\n",
        ],
        ids=["none", "admin_token"],
    )
    def test_remote_client_reaches_a_noauth2_placement(
        self, served, tmp_path, rc, section
    ):
        """A remote client claims and releases on a Placement served over HTTP."""
        api = placement.get_client(remote_conf(tmp_path, section.format(url=served)))
        rp, consumer = str(uuid.uuid4()), str(uuid.uuid4())
        api.ensure_resource_class(rc)
        generation = api.create_provider(rp, f"rp-{rp}")["generation"]
        api.set_inventory(rp, generation, {rc: {"total": 1, "max_unit": 1}})
        assert [rp] == api.allocation_candidates({rc: 1})
        api.claim({consumer: {rp: {rc: 1}}}, "p", "u")
        assert {rp: {rc: 1}} == api.allocations_of(consumer)
        api.release(consumer)
        api.close()

    def test_missing_endpoint_is_a_clear_error(self, tmp_path):
        """Without auth or an endpoint, building the client says what is missing."""
        with pytest.raises(placement_client.PlacementError, match="endpoint"):
            placement.get_client(remote_conf(tmp_path, "auth_type = none\n"))
