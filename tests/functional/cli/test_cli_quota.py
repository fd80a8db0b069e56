"""The ``mogan`` CLI end to end: limits and quota commands (API 1.3)."""

from tests.conftest import ADMIN, MEMBER
from tests.factories import make_flavor
from tests.functional.cli.support import error_line


class TestQuotaCommands:
    def test_set_show_and_delete_a_quota(self, mogan, client):
        """An admin sets named limits and a class limit, reads them, drops them."""
        make_flavor(client, name="bm.gold", resources={"CUSTOM_BAREMETAL_GOLD": 1})
        result = mogan(
            "quota",
            "set",
            "project-a",
            "--servers",
            "20",
            "--server-group-members",
            "5",
            "--resource",
            "CUSTOM_BAREMETAL_GOLD=4",
            "-f",
            "json",
        )
        assert result.code == 0, result.err
        quota = result.json()
        assert quota["servers"] == 20
        assert quota["server_group_members"] == 5
        assert quota["CUSTOM_BAREMETAL_GOLD"] == 4
        shown = mogan("quota", "show", "project-a", "-f", "json").json()
        assert shown == quota
        assert mogan("quota", "delete", "project-a").code == 0
        again = mogan("quota", "show", "project-a", "-f", "json").json()
        assert again["servers"] == 10
        assert "CUSTOM_BAREMETAL_GOLD" not in again

    def test_set_without_limits_says_so(self, mogan):
        """Nothing to set is an error before any request."""
        result = mogan("quota", "set", "project-a")
        assert result.code == 1
        assert "give at least one limit" in error_line(result)

    def test_a_malformed_resource_option_is_refused(self, mogan):
        """--resource wants CLASS=N."""
        result = mogan("quota", "set", "project-a", "--resource", "GOLD")
        assert result.code == 2
        assert "expected CLASS=N" in result.err

    def test_a_member_sees_their_limits_and_usage(self, mogan, client):
        """``limits show`` lists each limit with what the project uses."""
        client.put(
            "/v1/quotas/project-a",
            json={"quota": {"servers": 7}},
            headers={**ADMIN.headers, "OpenStack-API-Version": "baremetal-compute 1.3"},
        )
        result = mogan("limits", "show", "-f", "json", persona=MEMBER)
        assert result.code == 0, result.err
        rows = {row["Resource"]: row for row in result.json()}
        assert rows["servers"] == {"Resource": "servers", "Limit": 7, "In Use": 0}
        assert rows["metadata_items"]["In Use"] is None

    def test_a_member_cannot_set_quotas(self, mogan):
        """The API's 403 reaches the user as one line."""
        result = mogan("quota", "set", "project-a", "--servers", "99", persona=MEMBER)
        assert result.code == 1
        assert "mogan:quota:update" in error_line(result)
