"""Keypair query functions on SQLite, PostgreSQL and MariaDB."""

from typing import Any

import pytest
from sqlalchemy import orm

from mogan import exception
from mogan.db import models
from mogan.db.api import keypair as keypair_db


def new_keypair(
    db: orm.Session, name: str, user_id: str = "alice", **values: Any
) -> models.KeyPair:
    """Insert a keypair called ``name`` for ``user_id``."""
    return keypair_db.create(
        db,
        {
            "name": name,
            "user_id": user_id,
            "project_id": "project-a",
            "fingerprint": f"fp:{user_id}:{name}",
            "public_key": f"ssh-ed25519 AAAA {name}",
            **values,
        },
    )


class TestGet:
    def test_returns_the_users_keypair_by_name(self, db):
        """A keypair is found by its owner and name, with every value stored."""
        new_keypair(db, "laptop", type="x509")
        db.expunge_all()
        got = keypair_db.get(db, "alice", "laptop")
        assert (got.fingerprint, got.type) == ("fp:alice:laptop", "x509")
        assert got.public_key == "ssh-ed25519 AAAA laptop"
        assert got.created_at.utcoffset() is not None

    def test_another_users_keypair_is_not_found(self, db):
        """A keypair of the same name owned by someone else is not found."""
        new_keypair(db, "laptop", user_id="bob")
        with pytest.raises(exception.KeypairNotFound):
            keypair_db.get(db, "alice", "laptop")

    def test_user_ids_are_matched_exactly(self, db):
        """A user id differing only in case does not reach the keypair."""
        new_keypair(db, "laptop", user_id="alice")
        with pytest.raises(exception.KeypairNotFound):
            keypair_db.get(db, "Alice", "laptop")


class TestGetAll:
    def test_lists_only_the_users_keypairs_by_name(self, db):
        """Listing returns the user's keypairs in name order and no one else's."""
        for name in ("c", "a", "b"):
            new_keypair(db, name)
        new_keypair(db, "a", user_id="bob")
        assert [k.name for k in keypair_db.get_all(db, "alice")] == ["a", "b", "c"]

    def test_pages_cover_every_keypair_once(self, db):
        """Keyset pages return every keypair once, in order."""
        names = [f"key-{i}" for i in range(5)]
        for name in reversed(names):
            new_keypair(db, name)
        seen: list[str] = []
        marker = None
        while page := keypair_db.get_all(db, "alice", limit=2, marker=marker):
            seen.extend(k.name for k in page)
            marker = page[-1]
        assert seen == names

    def test_count_is_per_user(self, db):
        """The count covers only the user's own keypairs."""
        new_keypair(db, "a")
        new_keypair(db, "b")
        new_keypair(db, "a", user_id="bob")
        assert (keypair_db.count(db, "alice"), keypair_db.count(db, "carol")) == (2, 0)


class TestCreate:
    def test_duplicate_name_for_the_user_raises_exists(self, db):
        """A user's second keypair of the same name raises KeypairExists."""
        new_keypair(db, "laptop")
        with pytest.raises(exception.KeypairExists):
            new_keypair(db, "laptop")
        assert keypair_db.count(db, "alice") == 1

    def test_same_name_for_another_user_is_fine(self, db):
        """Names are unique per user, not globally."""
        new_keypair(db, "laptop")
        new_keypair(db, "laptop", user_id="bob")
        assert keypair_db.count(db, "bob") == 1

    def test_names_differing_in_case_are_distinct(self, db):
        """'Laptop' and 'laptop' are two keypairs."""
        new_keypair(db, "laptop")
        new_keypair(db, "Laptop")
        assert keypair_db.count(db, "alice") == 2


class TestDestroy:
    def test_removes_the_keypair(self, db):
        """A destroyed keypair is gone and the others stay."""
        keypair = new_keypair(db, "old")
        new_keypair(db, "new")
        keypair_db.destroy(db, keypair)
        with pytest.raises(exception.KeypairNotFound):
            keypair_db.get(db, "alice", "old")
        assert [k.name for k in keypair_db.get_all(db, "alice")] == ["new"]
