"""The ``mogan-fake`` BIOS interface: BIOS steps that keep the BIOS registry.

- deploy and clean step ``apply_configuration(settings)``, ``settings`` a
  list of ``{"name", "value"}``: each named setting gets its value in
  Ironic's BIOS settings table. Unlike the stock fake, settings not named
  are left alone and the registry columns (``attribute_type``,
  ``allowable_values``, bounds, ``read_only`` ...) are kept, as a real
  driver re-reading its BMC would leave them. A setting the registry
  forbids fails the step as a BMC would refuse it: read-only, a value not
  in ``allowable_values``, an Integer outside its bounds or not a number,
  a String outside its length limits. A name the node does not have yet
  is added (without registry fields).
- deploy and clean step ``factory_reset``: puts back the defaults.

Defaults (the rule): the values the node's settings had just before this
interface first changed any of them, remembered then in the node's
``driver_internal_info`` (``mogan_bios_defaults``) and kept from then on.
A reset gives those settings those values again and removes settings
added since; a node never changed is at its defaults and is left as is.
"""

from typing import Any

from ironic.common import exception
from ironic.drivers import base
from ironic.drivers.modules import fake
from ironic.objects import bios as bios_objects

from mogan_ironic_steps import common

DEFAULTS_KEY = "mogan_bios_defaults"
SETTINGS_ARGSINFO = {
    "settings": {
        "description": "BIOS settings to apply: a list of {name, value}.",
        "required": True,
    },
}


class MoganFakeBIOS(fake.FakeBIOS):
    """Fake BIOS with deploy and clean steps that keep the registry."""

    @base.deploy_step(priority=0, argsinfo=SETTINGS_ARGSINFO)
    @base.clean_step(priority=0, argsinfo=SETTINGS_ARGSINFO, requires_ramdisk=False)
    def apply_configuration(self, task: Any, settings: list[dict[str, Any]]) -> None:
        """Give each named setting its value (see the module docstring)."""
        common.check_failure(task, "bios", "apply_configuration")
        wanted = _parse(settings)
        current = _current(task)
        for name, value in wanted.items():
            if name in current:
                _check(current[name], value)
        _remember_defaults(task, current)
        _write(task, current, wanted)

    @base.deploy_step(priority=0)
    @base.clean_step(priority=0, requires_ramdisk=False)
    def factory_reset(self, task: Any) -> None:
        """Put back the defaults (see the module docstring)."""
        common.check_failure(task, "bios", "factory_reset")
        defaults = task.node.driver_internal_info.get(DEFAULTS_KEY)
        if defaults is None:
            return
        current = _current(task)
        _write(task, current, defaults)
        added = [name for name in current if name not in defaults]
        if added:
            bios_objects.BIOSSettingList.delete(task.context, task.node.id, added)


def _parse(settings: Any) -> dict[str, str]:
    """``settings`` as name → value.

    Raises:
        InvalidParameterValue: not a list of ``{"name", "value"}``.
    """
    if not isinstance(settings, list):
        raise exception.InvalidParameterValue(
            err=f"BIOS settings must be a list, not {settings!r}"
        )
    parsed = {}
    for item in settings:
        if not isinstance(item, dict) or not item.get("name") or "value" not in item:
            raise exception.InvalidParameterValue(
                err=f"BIOS setting {item!r} needs a name and a value"
            )
        value = item["value"]
        parsed[str(item["name"])] = value if isinstance(value, str) else str(value)
    return parsed


def _current(task: Any) -> dict[str, Any]:
    """The node's BIOS settings objects by name."""
    settings = bios_objects.BIOSSettingList.get_by_node_id(task.context, task.node.id)
    return {s.name: s for s in settings}


def _check(setting: Any, value: str) -> None:
    """Refuse a value the registry forbids, as a BMC would.

    Raises:
        InvalidParameterValue: read-only, not allowed, out of bounds.
    """
    name = setting.name
    if setting.read_only and value != setting.value:
        raise exception.InvalidParameterValue(err=f"BIOS setting {name} is read-only")
    allowed = setting.allowable_values
    if allowed and value not in allowed:
        raise exception.InvalidParameterValue(
            err=f"BIOS setting {name}: {value!r} is not one of {allowed}"
        )
    if setting.attribute_type == "Integer":
        _check_range(name, value, setting.lower_bound, setting.upper_bound)
    if setting.attribute_type == "String":
        low, high = setting.min_length, setting.max_length
        if (low is not None and len(value) < low) or (
            high is not None and len(value) > high
        ):
            raise exception.InvalidParameterValue(
                err=f"BIOS setting {name}: {value!r} is not {low} to {high} long"
            )


def _check_range(name: str, value: str, low: Any, high: Any) -> None:
    try:
        number = int(value)
    except ValueError:
        raise exception.InvalidParameterValue(
            err=f"BIOS setting {name}: {value!r} is not an integer"
        ) from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise exception.InvalidParameterValue(
            err=f"BIOS setting {name}: {number} is not in {low}..{high}"
        )


def _remember_defaults(task: Any, current: dict[str, Any]) -> None:
    """Record the node's values before the first change (see the docstring)."""
    if DEFAULTS_KEY not in task.node.driver_internal_info:
        defaults = {name: s.value for name, s in current.items()}
        task.node.set_driver_internal_info(DEFAULTS_KEY, defaults)
        task.node.save()


def _write(task: Any, current: dict[str, Any], values: dict[str, str]) -> None:
    """Store ``values``, keeping each existing setting's registry columns."""
    update, create = [], []
    for name, value in values.items():
        setting = current.get(name)
        if setting is None:
            create.append({"name": name, "value": value})
        elif setting.value != value:
            registry = {f: getattr(setting, f) for f in setting.registry_fields}
            update.append({"name": name, "value": value, **registry})
    if update:
        bios_objects.BIOSSettingList.save(task.context, task.node.id, update)
    if create:
        bios_objects.BIOSSettingList.create(task.context, task.node.id, create)
