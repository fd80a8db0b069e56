"""The emulated BIOS: an attribute registry, validation, and applying settings.

One attribute registry serves every system (as one server model would): a
realistic set of enumerations, integers with bounds, strings with lengths,
a boolean, a read-only and a write-only attribute. Settings are validated
against it when they are PATCHed (a refused value answers 400 with the
standard Base message) and applied at the next reset (or at once with
``ApplyTime: Immediate``); the outcome is recorded in ``@Redfish.Settings``
(``Time``, ``Messages``) as a BMC does.
"""

from typing import Any

from . import redfish

REGISTRY_ID = "MoganBiosAttributeRegistry.v1_0_0"
REGISTRY_PATH = "/redfish/v1/Systems/Bios/BiosRegistry"
APPLY_TIMES = ("OnReset", "Immediate")


def _enum(name: str, display: str, values: list[str], default: str, menu: str):
    return {
        "AttributeName": name,
        "DisplayName": display,
        "Type": "Enumeration",
        "Value": [{"ValueName": v, "ValueDisplayName": v} for v in values],
        "DefaultValue": default,
        "MenuPath": f"./{menu}",
    }


ATTRIBUTES: list[dict[str, Any]] = [
    _enum("BootMode", "Boot Mode", ["Uefi", "Bios"], "Uefi", "BootSettings"),
    _enum(
        "ProcVirtualization",
        "Virtualization Technology",
        ["Enabled", "Disabled"],
        "Enabled",
        "ProcessorSettings",
    ),
    _enum(
        "LogicalProc",
        "Logical Processor (Hyper-Threading)",
        ["Enabled", "Disabled"],
        "Enabled",
        "ProcessorSettings",
    ),
    _enum(
        "ProcTurboMode",
        "Turbo Boost",
        ["Enabled", "Disabled"],
        "Enabled",
        "ProcessorSettings",
    ),
    _enum(
        "SriovGlobalEnable",
        "SR-IOV Global Enable",
        ["Enabled", "Disabled"],
        "Disabled",
        "IntegratedDevices",
    ),
    _enum(
        "SysProfile",
        "System Profile",
        ["PerfOptimized", "PerfPerWattOptimizedOs", "PerfPerWattOptimizedDapc"],
        "PerfPerWattOptimizedDapc",
        "SysProfileSettings",
    ),
    _enum(
        "EmbSata",
        "Embedded SATA",
        ["AhciMode", "RaidMode", "Off"],
        "AhciMode",
        "SataSettings",
    ),
    _enum(
        "PxeDev1EnDis",
        "PXE Device 1",
        ["Enabled", "Disabled"],
        "Enabled",
        "NetworkSettings",
    ),
    _enum(
        "HttpDev1EnDis",
        "HTTP Device 1",
        ["Enabled", "Disabled"],
        "Disabled",
        "NetworkSettings",
    ),
    _enum(
        "SecureBoot",
        "Secure Boot",
        ["Enabled", "Disabled"],
        "Disabled",
        "SysSecurity",
    ),
    _enum("TpmSecurity", "TPM Security", ["On", "Off"], "On", "SysSecurity"),
    _enum(
        "MemTest",
        "System Memory Testing",
        ["Enabled", "Disabled"],
        "Disabled",
        "MemSettings",
    ),
    {
        "AttributeName": "AcPwrRcvryUserDelay",
        "DisplayName": "User Defined AC Recovery Delay (seconds)",
        "Type": "Integer",
        "LowerBound": 60,
        "UpperBound": 240,
        "ScalarIncrement": 1,
        "DefaultValue": 60,
        "MenuPath": "./SysSecurity",
    },
    {
        "AttributeName": "QuietBoot",
        "DisplayName": "Quiet Boot",
        "Type": "Boolean",
        "DefaultValue": True,
        "MenuPath": "./BootSettings",
    },
    {
        "AttributeName": "AssetTag",
        "DisplayName": "Asset Tag",
        "Type": "String",
        "MinLength": 0,
        "MaxLength": 16,
        "DefaultValue": "",
        "MenuPath": "./MiscSettings",
    },
    {
        "AttributeName": "SystemServiceTag",
        "DisplayName": "Service Tag",
        "Type": "String",
        "ReadOnly": True,
        "DefaultValue": "",
        "MenuPath": "./SysInformation",
    },
    {
        "AttributeName": "AdminPassword",
        "DisplayName": "System Password",
        "Type": "Password",
        "WriteOnly": True,
        "MinLength": 0,
        "MaxLength": 32,
        "DefaultValue": None,
        "MenuPath": "./SysSecurity",
    },
]
BY_NAME = {attr["AttributeName"]: attr for attr in ATTRIBUTES}
for _attr in ATTRIBUTES:
    _attr.setdefault("ReadOnly", False)
    _attr.setdefault("WriteOnly", False)
    _attr.update({"ResetRequired": True, "Hidden": False, "Immutable": False})
    _attr["HelpText"] = f"Sets {_attr['DisplayName']}."


def defaults() -> dict[str, Any]:
    """Every attribute at its default value."""
    return {name: attr["DefaultValue"] for name, attr in BY_NAME.items()}


def initial_attributes(system_name: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """A system's attributes: defaults, its service tag, then the test's overrides.

    Raises:
        ValueError: an override names an unknown attribute.
    """
    unknown = set(overrides) - set(BY_NAME)
    if unknown:
        raise ValueError(f"unknown BIOS attributes {sorted(unknown)}")
    values = defaults()
    values["SystemServiceTag"] = system_name[:16].upper()
    values.update(overrides)
    return values


def visible(attributes: dict[str, Any]) -> dict[str, Any]:
    """Attributes as a client reads them (write-only ones read as null)."""
    return {
        name: None if BY_NAME[name]["WriteOnly"] else value
        for name, value in attributes.items()
    }


def check(name: str, value: Any) -> None:
    """Refuse a value the registry does not allow for ``name``.

    Raises:
        redfish.RedfishError: 400 with the standard Base message.
    """
    pointer = (f"#/Attributes/{name}",)
    attr = BY_NAME.get(name)
    if attr is None:
        raise redfish.RedfishError(400, "PropertyUnknown", name, related=pointer)
    if attr["ReadOnly"]:
        raise redfish.RedfishError(400, "PropertyNotWritable", name, related=pointer)
    kind = attr["Type"]
    expected = {
        "Enumeration": str,
        "String": str,
        "Password": str,
        "Integer": int,
        "Boolean": bool,
    }[kind]
    if not isinstance(value, expected) or (
        kind == "Integer" and isinstance(value, bool)
    ):
        raise redfish.RedfishError(
            400, "PropertyValueTypeError", value, name, related=pointer
        )
    if kind == "Enumeration" and value not in [v["ValueName"] for v in attr["Value"]]:
        raise redfish.RedfishError(
            400, "PropertyValueNotInList", value, name, related=pointer
        )
    if kind == "Integer" and not attr["LowerBound"] <= value <= attr["UpperBound"]:
        raise redfish.RedfishError(
            400, "PropertyValueNotInList", value, name, related=pointer
        )
    if kind in {"String", "Password"} and len(value) > attr["MaxLength"]:
        raise redfish.RedfishError(
            400, "StringValueTooLong", value, attr["MaxLength"], related=pointer
        )


def apply_pending(system: dict[str, Any], now: float, failure: str | None) -> None:
    """Apply the system's pending settings (at a reset), or record a failure.

    A failed apply leaves the attributes as they were, drops the pending
    settings and leaves an error message in the settings status, as a BMC
    reports a BIOS job that failed.
    """
    pending = system["bios_pending"]
    if not pending:
        return
    settings = system["bios_settings"]
    if failure is None:
        system["bios"].update(pending)
        settings["messages"] = [redfish.message("Success")]
    else:
        settings["messages"] = [redfish.message("GeneralError", text=failure)]
    system["bios_pending"] = {}
    settings["time"] = now
    settings["etag"] += 1


def registry() -> dict[str, Any]:
    """The AttributeRegistry resource."""
    return redfish.odata(
        REGISTRY_PATH,
        "#AttributeRegistry.v1_3_6.AttributeRegistry",
        Id=REGISTRY_ID,
        Name="BIOS Attribute Registry",
        Description="BIOS attributes of the Mogan test servers",
        Language="en",
        OwningEntity="Mogan",
        RegistryVersion="1.0.0",
        SupportedSystems=[
            {
                "ProductName": "Sushy Emulator",
                "SystemId": "MOGAN",
                "FirmwareVersion": "1.0.0",
            }
        ],
        RegistryEntries={
            "Attributes": ATTRIBUTES,
            "Menus": [
                {"MenuName": menu, "DisplayName": menu, "MenuPath": f"./{menu}"}
                for menu in sorted({a["MenuPath"][2:] for a in ATTRIBUTES})
            ],
        },
    )
