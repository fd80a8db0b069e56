"""The CLI's access options (``mogan_cli.commands.credentials``) for both families.

``node create|set`` and ``composition service create|set`` build their
options and ``driver_info`` from one ``Credentials`` each: the option
names, the environment variable and the wording stay each family's own.
"""

import argparse

import pytest

from mogan_cli import exceptions
from mogan_cli.commands import composition, node


def _parse(creds, required, *argv):
    parser = argparse.ArgumentParser()
    creds.add_options(parser, required=required)
    return parser.parse_args(list(argv))


class TestNodeCredentials:
    def test_driver_info_from_the_bmc_options(self, monkeypatch):
        """``--bmc-*`` options, the system id kept, the password from the env."""
        monkeypatch.setenv("MOGAN_BMC_PASSWORD", "env-pw")
        args = _parse(
            node.CREDENTIALS,
            True,
            "--bmc-address",
            "https://bmc",
            "--bmc-username",
            "root",
            "--bmc-system-id",
            "/redfish/v1/Systems/1",
            "--bmc-insecure",
        )
        assert node.CREDENTIALS.driver_info(args) == {
            "address": "https://bmc",
            "username": "root",
            "password": "env-pw",
            "verify_ca": False,
            "system_id": "/redfish/v1/Systems/1",
        }

    def test_refusals_name_the_bmc_options(self, monkeypatch):
        """No password, or a partial change, says which options to give."""
        monkeypatch.delenv("MOGAN_BMC_PASSWORD", raising=False)
        args = _parse(
            node.CREDENTIALS, True, "--bmc-address", "a", "--bmc-username", "u"
        )
        with pytest.raises(exceptions.CommandError) as err:
            node.CREDENTIALS.driver_info(args)
        assert str(err.value) == (
            "give the BMC password with --bmc-password or $MOGAN_BMC_PASSWORD"
        )
        with pytest.raises(exceptions.CommandError) as err:
            node.CREDENTIALS.changed(
                _parse(node.CREDENTIALS, False, "--bmc-address", "a")
            )
        assert str(err.value) == (
            "changing the BMC access needs --bmc-address and --bmc-username"
        )
        assert node.CREDENTIALS.changed(_parse(node.CREDENTIALS, False)) is None


class TestServiceCredentials:
    def test_driver_info_from_the_plain_options(self):
        """``--address`` ... without a system id; TLS checked by default."""
        args = _parse(
            composition.CREDENTIALS,
            False,
            "--address",
            "https://composer",
            "--username",
            "admin",
            "--password",
            "pw",
        )
        assert composition.CREDENTIALS.changed(args) == {
            "address": "https://composer",
            "username": "admin",
            "password": "pw",
            "verify_ca": True,
        }

    def test_refusals_name_the_service_options(self, monkeypatch):
        """The service's own wording and variable."""
        monkeypatch.delenv("MOGAN_COMPOSITION_PASSWORD", raising=False)
        args = _parse(
            composition.CREDENTIALS, True, "--address", "a", "--username", "u"
        )
        with pytest.raises(exceptions.CommandError) as err:
            composition.CREDENTIALS.driver_info(args)
        assert str(err.value) == (
            "give the service password with --password or $MOGAN_COMPOSITION_PASSWORD"
        )
        with pytest.raises(exceptions.CommandError) as err:
            composition.CREDENTIALS.changed(
                _parse(composition.CREDENTIALS, False, "--password", "p")
            )
        assert str(err.value) == "changing the access needs --address and --username"

    def test_help_texts(self):
        """Each family's help names what it reaches."""
        parser = argparse.ArgumentParser()
        composition.CREDENTIALS.add_options(parser, required=False)
        text = " ".join(parser.format_help().split())
        assert "Service password (default: $MOGAN_COMPOSITION_PASSWORD" in text
        assert "Do not check the service's TLS certificate" in text
        assert "--system-id" not in text
