"""The CLI's log masking (``mogan_cli.redact``) and paging (``v1.base``) helpers."""

import json
import logging

import pytest

from mogan_cli import redact
from mogan_cli.v1 import base


class TestRedact:
    def test_secret_fields_at_any_depth(self):
        """Passwords, adminPass, private keys and tokens are masked; the rest stays."""
        body = {
            "server": {"name": "web", "adminPass": "p4ss"},
            "auth": {"identity": {"password": {"user": {"password": "pw"}}}},
            "keypairs": [{"name": "k", "private_key": "-----BEGIN"}],
            "application_credential_secret": "s",
        }
        masked = json.loads(redact.body(json.dumps(body).encode()))
        assert masked["server"] == {"name": "web", "adminPass": redact.MASK}
        assert masked["auth"]["identity"]["password"] == redact.MASK
        assert masked["keypairs"] == [{"name": "k", "private_key": redact.MASK}]
        assert masked["application_credential_secret"] == redact.MASK

    def test_headers(self):
        """Credential headers are masked whatever their case."""
        masked = redact.headers(
            {"Authorization": "Basic eA==", "x-auth-token": "t", "Accept": "a"}
        )
        assert masked == {
            "Authorization": redact.MASK,
            "x-auth-token": redact.MASK,
            "Accept": "a",
        }

    @pytest.mark.parametrize(
        ("text", "secret"),
        [
            ('{"password": "hunter2", "x": 1}', "hunter2"),
            ("{'adminPass': 'hunter2'}", "hunter2"),
            ('{"private_key": "-----BEGIN\\nhunter2"}', "hunter2"),
            ("Authorization: Basic aHVudGVyMg==", "aHVudGVyMg=="),
            ("{'authorization': 'Basic aHVudGVyMg=='}", "aHVudGVyMg=="),
            ('-H "X-Auth-Token: {SHA256}hunter2"', "hunter2"),
            ("X-Subject-Token=hunter2", "hunter2"),
        ],
    )
    def test_text(self, text, secret):
        """Secrets inside free text (other libraries' log lines) are masked."""
        assert secret not in redact.text(text)
        assert redact.MASK in redact.text(text)

    def test_filter_masks_formatted_records(self):
        """The logging filter masks a record's arguments too."""
        record = logging.LogRecord(
            "x", logging.DEBUG, __file__, 1, "body=%s", ('{"password": "pw1"}',), None
        )
        assert redact.RedactingFilter().filter(record)
        assert record.getMessage() == f'body={{"password": "{redact.MASK}"}}'


class TestPaginate:
    @staticmethod
    def pages(items: list[str], size: int, *, honour_marker: bool = True):
        """A page fetcher over ``items`` serving ``size`` at most per page."""
        calls: list[base.Query] = []

        def fetch(query: base.Query) -> list[base.Resource]:
            calls.append(dict(query))
            start = 0
            if honour_marker and query["marker"] is not None:
                start = items.index(str(query["marker"])) + 1
            limit = size if query["limit"] is None else min(size, int(query["limit"]))
            return [{"uuid": i} for i in items[start : start + limit]]

        return fetch, calls

    def test_all_pages(self):
        """Pages are followed until one comes back empty."""
        fetch, calls = self.pages(list("abcde"), 2)
        assert [i["uuid"] for i in base.paginate(fetch)] == list("abcde")
        assert [c["marker"] for c in calls] == [None, "b", "d", "e"]

    def test_limit_caps(self):
        """``limit`` stops early and asks only for what is still missing."""
        fetch, calls = self.pages(list("abcde"), 2)
        assert [i["uuid"] for i in base.paginate(fetch, limit=3)] == list("abc")
        assert [c["limit"] for c in calls] == [3, 1]

    def test_a_server_ignoring_the_marker_does_not_loop(self):
        """The same page twice ends the listing instead of looping."""
        fetch, calls = self.pages(list("abcde"), 2, honour_marker=False)
        assert [i["uuid"] for i in base.paginate(fetch)] == list("ab")
        assert len(calls) == 2

    def test_window(self):
        """``window`` applies marker and limit to a whole collection."""
        items = [{"uuid": i} for i in "abcde"]
        assert base.window(items, marker="b", limit=2) == [{"uuid": "c"}, {"uuid": "d"}]
        assert base.window(items, marker="zz") == []
