"""Loading drivers by name from the ``mogan.drivers`` entry points."""

import pytest

from mogan import conf as mogan_conf
from mogan.drivers import fake, ironic, loader


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


class TestOptions:
    def test_from_conf_registers_and_reads_the_drivers_group(self, tmp_path):
        """``[fake]`` is the driver's: registered when it is built, read from file."""
        path = tmp_path / "mogan.conf"
        path.write_text("[engine]\ndriver = fake\n[fake]\ndeploy_seconds = 2.5\n")
        conf = mogan_conf.make_conf(
            args=["--config-file", str(path)],
            overrides={"DEFAULT": {"state_path": str(tmp_path / "state")}},
        )
        assert "fake" not in conf
        driver = loader.from_conf(conf)
        try:
            assert isinstance(driver, fake.FakeDriver)
            assert (driver.deploy_seconds, driver.power_seconds) == (2.5, 0.0)
            assert conf.fake.deploy_seconds == 2.5
        finally:
            driver.close()

    def test_ironic_group_keeps_its_names(self):
        """``[ironic]`` options keep their names and defaults, now the driver's."""
        conf = mogan_conf.make_conf()
        assert "ironic" not in conf
        ironic.IronicDriver.register_opts(conf)
        ironic.IronicDriver.register_opts(conf)
        assert conf.ironic.api_max_retries == 3
        assert conf.ironic.configdrive_format == "iso"
        assert conf.ironic.timeout == 30

    def test_sample_generator_finds_every_installed_drivers_group(self):
        """The ``mogan.drivers`` namespace lists each driver's group, none twice."""
        groups = dict(loader.list_opts())
        assert {"fake", "ironic"} <= set(groups)
        assert {opt.dest for opt in groups["fake"]} == {
            "deploy_seconds",
            "power_seconds",
            "clean_seconds",
            "hardware_seconds",
            "inventory_file",
        }
        assert "api_max_retries" in {opt.dest for opt in groups["ironic"]}
        names = [name for name, _ in loader.list_opts()]
        assert len(names) == len(set(names))
