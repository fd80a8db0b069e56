"""Flavor query functions on SQLite, PostgreSQL and MariaDB."""

import datetime
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mogan import exception
from mogan.db import models
from mogan.db.api import flavor as flavor_db

T0 = datetime.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.UTC)


def new_flavor(db: orm.Session, name: str, **values: Any) -> models.Flavor:
    """Insert a flavor called ``name`` with a fresh uuid."""
    return flavor_db.create(
        db, {"uuid": str(uuid.uuid4()), "name": name, "resources": {}, **values}
    )


def walk(db: orm.Session, limit: int, **query: Any) -> list[str]:
    """Every flavor name, fetched ``limit`` rows a page with markers."""
    names: list[str] = []
    marker = None
    while True:
        page = flavor_db.get_all(db, limit=limit, marker=marker, **query)
        names.extend(f.name for f in page)
        if len(page) < limit:
            return names
        marker = page[-1]


def count_access_rows(db: orm.Session) -> int:
    """How many flavor access rows the database holds."""
    stmt = sa.select(sa.func.count()).select_from(models.FlavorProject)
    return int(db.scalar(stmt) or 0)


class TestGet:
    def test_returns_the_flavor_by_uuid(self, db):
        """A flavor is found by its uuid."""
        flavor = new_flavor(db, "bm.small")
        db.expunge_all()
        assert flavor_db.get(db, flavor.uuid).name == "bm.small"

    def test_unknown_uuid_raises_not_found(self, db):
        """An unknown uuid raises FlavorNotFound."""
        with pytest.raises(exception.FlavorNotFound):
            flavor_db.get(db, str(uuid.uuid4()))

    def test_private_flavor_is_hidden_from_other_projects(self, db):
        """A private flavor is not found for a project off its access list."""
        flavor = new_flavor(db, "bm.private", is_public=False)
        with pytest.raises(exception.FlavorNotFound):
            flavor_db.get(db, flavor.uuid, visible_to="project-b", all_visible=False)

    def test_private_flavor_is_found_by_a_listed_project(self, db):
        """A private flavor is found by a project on its access list."""
        flavor = new_flavor(db, "bm.private", is_public=False)
        flavor_db.add_project(db, flavor, "project-a")
        found = flavor_db.get(
            db, flavor.uuid, visible_to="project-a", all_visible=False
        )
        assert found.uuid == flavor.uuid

    def test_disabled_flavor_is_hidden_unless_all_visible(self, db):
        """A disabled flavor is hidden from projects but found by admins."""
        flavor = new_flavor(db, "bm.off", disabled=True)
        with pytest.raises(exception.FlavorNotFound):
            flavor_db.get(db, flavor.uuid, visible_to="project-a", all_visible=False)
        assert flavor_db.get(db, flavor.uuid).disabled is True


class TestGetAll:
    def test_a_project_sees_public_and_shared_enabled_flavors(self, db):
        """A project lists public flavors and private ones shared with it, enabled."""
        new_flavor(db, "a-public")
        shared = new_flavor(db, "b-shared", is_public=False)
        flavor_db.add_project(db, shared, "project-a")
        new_flavor(db, "c-private", is_public=False)
        new_flavor(db, "d-disabled", disabled=True)
        seen = flavor_db.get_all(db, visible_to="project-a", all_visible=False)
        assert [f.name for f in seen] == ["a-public", "b-shared"]

    def test_all_visible_lists_everything(self, db):
        """Admins list private and disabled flavors too."""
        new_flavor(db, "a-public")
        new_flavor(db, "b-private", is_public=False)
        new_flavor(db, "c-disabled", disabled=True)
        assert [f.name for f in flavor_db.get_all(db)] == [
            "a-public",
            "b-private",
            "c-disabled",
        ]

    @pytest.mark.parametrize("sort_dir", ["asc", "desc"])
    def test_pages_by_name_cover_every_row_once(self, db, sort_dir):
        """Keyset pages by name return every flavor once, in order."""
        names = [f"bm.{i:02d}" for i in range(7)]
        for name in reversed(names):
            new_flavor(db, name)
        expected = names if sort_dir == "asc" else names[::-1]
        assert walk(db, 3, sort_key="name", sort_dir=sort_dir) == expected

    @pytest.mark.parametrize("sort_dir", ["asc", "desc"])
    def test_ties_on_the_sort_key_are_broken_by_insertion(self, db, sort_dir):
        """Flavors sharing created_at page in id order, none lost at a boundary."""
        names = [f"tie.{i}" for i in range(5)]
        for name in names:
            new_flavor(db, name, created_at=T0)
        new_flavor(db, "later", created_at=T0 + datetime.timedelta(microseconds=1))
        expected = [*names, "later"]
        if sort_dir == "desc":
            expected.reverse()
        assert walk(db, 2, sort_key="created_at", sort_dir=sort_dir) == expected

    @pytest.mark.parametrize("sort_dir", ["asc", "desc"])
    def test_null_sort_values_page_last_ascending(self, db, sort_dir):
        """Never-updated flavors (NULL updated_at) sort last ascending, first desc."""
        new_flavor(db, "never-1")
        new_flavor(db, "later", updated_at=T0 + datetime.timedelta(days=1))
        new_flavor(db, "never-2")
        new_flavor(db, "early", updated_at=T0)
        expected = ["early", "later", "never-1", "never-2"]
        if sort_dir == "desc":
            expected.reverse()
        assert walk(db, 1, sort_key="updated_at", sort_dir=sort_dir) == expected
        assert walk(db, 3, sort_key="updated_at", sort_dir=sort_dir) == expected

    def test_limit_alone_returns_the_first_rows(self, db):
        """A limit without a marker returns the first rows in order."""
        for name in ("c", "a", "b"):
            new_flavor(db, name)
        assert [f.name for f in flavor_db.get_all(db, limit=2)] == ["a", "b"]


class TestCreate:
    def test_values_round_trip_through_the_database(self, db):
        """JSON columns, booleans and text come back as they were stored."""
        flavor = new_flavor(
            db,
            "bm.gold",
            description="gold",
            resources={"CUSTOM_GOLD": 1},
            resource_traits={"CUSTOM_RAID": "required"},
            resource_aggregates={"az": ["a", "b"]},
            is_public=False,
        )
        db.expunge_all()
        got = flavor_db.get(db, flavor.uuid)
        assert (got.description, got.resources) == ("gold", {"CUSTOM_GOLD": 1})
        assert got.resource_traits == {"CUSTOM_RAID": "required"}
        assert got.resource_aggregates == {"az": ["a", "b"]}
        assert (got.is_public, got.disabled) == (False, False)

    def test_timestamps_come_back_aware_utc_with_microseconds(self, db):
        """Datetimes are returned in UTC, exactly, whatever zone they went in."""
        plus_two = datetime.timezone(datetime.timedelta(hours=2))
        flavor = new_flavor(db, "bm.tz", created_at=T0.astimezone(plus_two))
        db.expunge_all()
        got = flavor_db.get(db, flavor.uuid)
        assert got.created_at == T0
        assert got.created_at.utcoffset() == datetime.timedelta(0)
        assert got.updated_at is None

    def test_naive_datetimes_are_refused(self, db):
        """A datetime without a zone is refused rather than guessed."""
        with pytest.raises(sa_exc.StatementError, match="naive datetime"):
            new_flavor(db, "bm.naive", created_at=T0.replace(tzinfo=None))

    def test_duplicate_name_raises_exists_and_keeps_the_transaction(self, db):
        """A taken name raises FlavorExists; earlier work in the transaction stays."""
        new_flavor(db, "bm.dup")
        with pytest.raises(exception.FlavorExists):
            new_flavor(db, "bm.dup")
        new_flavor(db, "bm.next")
        assert [f.name for f in flavor_db.get_all(db)] == ["bm.dup", "bm.next"]

    def test_names_differing_in_case_are_distinct(self, db):
        """Names are compared exactly: 'Gold' and 'gold' are two flavors."""
        new_flavor(db, "gold")
        new_flavor(db, "Gold")
        assert sorted(f.name for f in flavor_db.get_all(db)) == ["Gold", "gold"]


class TestUpdate:
    def test_changes_values_and_stamps_updated_at(self, db):
        """An update stores the new values and sets updated_at."""
        flavor = new_flavor(db, "bm.old")
        flavor_db.update(db, flavor, {"name": "bm.new", "disabled": True})
        db.flush()
        db.expunge_all()
        got = flavor_db.get(db, flavor.uuid)
        assert (got.name, got.disabled) == ("bm.new", True)
        assert got.updated_at is not None

    def test_rename_to_a_taken_name_raises_exists(self, db):
        """Renaming onto another flavor's name raises FlavorExists."""
        new_flavor(db, "bm.taken")
        flavor = new_flavor(db, "bm.mine")
        with pytest.raises(exception.FlavorExists):
            flavor_db.update(db, flavor, {"name": "bm.taken"})


class TestDestroy:
    def test_removes_the_flavor_and_its_access_rows(self, db):
        """Destroying a flavor deletes it and its access list."""
        flavor = new_flavor(db, "bm.gone", is_public=False)
        flavor_db.add_project(db, flavor, "project-a")
        flavor_db.destroy(db, flavor)
        with pytest.raises(exception.FlavorNotFound):
            flavor_db.get(db, flavor.uuid)
        assert count_access_rows(db) == 0

    def test_the_database_cascades_access_rows(self, db):
        """Deleting a flavor row outside the ORM cascades to its access rows."""
        flavor = new_flavor(db, "bm.gone", is_public=False)
        flavor_db.add_project(db, flavor, "project-a")
        db.execute(sa.delete(models.Flavor).where(models.Flavor.id == flavor.id))
        assert count_access_rows(db) == 0


class TestAccess:
    def test_add_is_idempotent(self, db):
        """Sharing a flavor twice with a project keeps one access row."""
        flavor = new_flavor(db, "bm.shared", is_public=False)
        flavor_db.add_project(db, flavor, "project-b")
        flavor_db.add_project(db, flavor, "project-a")
        flavor_db.add_project(db, flavor, "project-a")
        db.expunge_all()
        got = flavor_db.get(db, flavor.uuid)
        assert [p.project_id for p in got.projects] == ["project-a", "project-b"]

    def test_remove_unshares(self, db):
        """Removing a project takes its access row away."""
        flavor = new_flavor(db, "bm.shared", is_public=False)
        flavor_db.add_project(db, flavor, "project-a")
        flavor_db.remove_project(db, flavor, "project-a")
        assert count_access_rows(db) == 0

    def test_remove_of_an_unlisted_project_raises(self, db):
        """Removing a project not on the list raises FlavorAccessNotFound."""
        flavor = new_flavor(db, "bm.shared", is_public=False)
        with pytest.raises(exception.FlavorAccessNotFound):
            flavor_db.remove_project(db, flavor, "project-a")

    def test_project_ids_are_matched_exactly(self, db):
        """A project id differing only in case does not see a shared flavor."""
        flavor = new_flavor(db, "bm.shared", is_public=False)
        flavor_db.add_project(db, flavor, "project-a")
        with pytest.raises(exception.FlavorNotFound):
            flavor_db.get(db, flavor.uuid, visible_to="PROJECT-A", all_visible=False)
