"""The ``mogan-fake-hardware`` type: Ironic's fake hardware with these interfaces.

Its default RAID, BIOS and firmware interfaces are this plugin's (the first
supported and enabled one is the default); every other interface is the
stock fake's. As a subclass of ``FakeHardware`` it also keeps Ironic's
special case that lets a fake node combine any enabled interfaces.
"""

from ironic.drivers import fake_hardware

from mogan_ironic_steps import bios, firmware, raid


class MoganFakeHardware(fake_hardware.FakeHardware):
    """Fake hardware whose RAID, BIOS and firmware steps apply something."""

    @property
    def supported_bios_interfaces(self) -> list[type]:
        """BIOS interfaces, this plugin's first."""
        return [bios.MoganFakeBIOS, *super().supported_bios_interfaces]

    @property
    def supported_raid_interfaces(self) -> list[type]:
        """RAID interfaces, this plugin's first."""
        return [raid.MoganFakeRAID, *super().supported_raid_interfaces]

    @property
    def supported_firmware_interfaces(self) -> list[type]:
        """Firmware interfaces, this plugin's first."""
        return [firmware.MoganFakeFirmware, *super().supported_firmware_interfaces]
