"""The CLI's access options (``mogan_cli.commands.credentials``) for both families.

``node create|set`` and ``composition service create|set`` build their
options and ``driver_info`` from one ``Credentials`` each: the option
names, the environment variable and the wording stay each family's own.
"""

import argparse

import pytest

from mogan_cli import exceptions
from mogan_cli.commands import composition, node

REFUSALS = [
    (
        node.CREDENTIALS,
        "MOGAN_BMC_PASSWORD",
        ("--bmc-address", "a", "--bmc-username", "u"),
        "give the BMC password with --bmc-password or $MOGAN_BMC_PASSWORD",
        ("--bmc-address", "a"),
        "changing the BMC access needs --bmc-address and --bmc-username",
    ),
    (
        composition.CREDENTIALS,
        "MOGAN_COMPOSITION_PASSWORD",
        ("--address", "a", "--username", "u"),
        "give the service password with --password or $MOGAN_COMPOSITION_PASSWORD",
        ("--password", "p"),
        "changing the access needs --address and --username",
    ),
]


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

    def test_help_texts(self):
        """Each family's help names what it reaches."""
        parser = argparse.ArgumentParser()
        composition.CREDENTIALS.add_options(parser, required=False)
        text = " ".join(parser.format_help().split())
        assert "Service password (default: $MOGAN_COMPOSITION_PASSWORD" in text
        assert "Do not check the service's TLS certificate" in text
        assert "--system-id" not in text


@pytest.mark.parametrize(
    ("creds", "env", "no_password", "missing", "partial", "incomplete"), REFUSALS
)
def test_refusals_name_each_familys_options(
    monkeypatch, creds, env, no_password, missing, partial, incomplete
):
    """No password, or a partial change, says which of its options to give."""
    monkeypatch.delenv(env, raising=False)
    with pytest.raises(exceptions.CommandError) as err:
        creds.driver_info(_parse(creds, True, *no_password))
    assert str(err.value) == missing
    with pytest.raises(exceptions.CommandError) as err:
        creds.changed(_parse(creds, False, *partial))
    assert str(err.value) == incomplete
    assert creds.changed(_parse(creds, False)) is None
