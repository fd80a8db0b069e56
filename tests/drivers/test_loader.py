"""Loading drivers by name from the ``mogan.drivers`` entry points."""

import pytest

from mogan.drivers import fake, loader


class TestLoad:
    def test_fake_is_installed(self):
        """The fake driver is registered in the entry-point group."""
        assert "fake" in loader.available()

    def test_load_passes_keyword_arguments(self, tmp_path):
        """Loading by name builds the driver class with the given arguments."""
        driver = loader.load("fake", state_path=str(tmp_path), deploy_seconds=5.0)
        assert isinstance(driver, fake.FakeDriver)
        assert driver.name == "fake"
        assert driver.deploy_seconds == 5.0
        driver.close()

    def test_unknown_name_lists_the_available_drivers(self):
        """An unknown name is refused with the names that do exist."""
        with pytest.raises(loader.DriverNotFound, match=r"nope.*available.*fake"):
            loader.load("nope")
