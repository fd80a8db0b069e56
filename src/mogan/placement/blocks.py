"""What a resource block is in Placement: its classes, amounts and traits.

One definition for the two sides that must agree on it: the engine's
composition sync writes each block's provider inventory from it, and the
scheduler claims a block's whole inventory from it (a claim of anything
else would leave part of a block to another server, or be refused).
What must not live here: reading blocks (drivers) or keeping them (db).
"""

from collections.abc import Iterable, Mapping

from mogan.placement import client as placement_client

VCPU = "VCPU"
MEMORY_MB = "MEMORY_MB"
DISK_GB = "DISK_GB"
# NOTE: the classes a composable flavor may ask for besides CUSTOM_* ones.
STANDARD_CLASSES = (VCPU, MEMORY_MB, DISK_GB)
COMPUTE = "Compute"


def custom(prefix: str, name: str) -> str:
    """``CUSTOM_<PREFIX>_<NAME>`` by the node resource-class rule.

    Upper case, runs of other characters to ``_``: ``NVIDIA A100`` is
    ``CUSTOM_ACCEL_NVIDIA_A100``.
    """
    return placement_client.resource_class_name(f"{prefix}_{name}")


def amounts(
    *, cores: int, memory_mb: int, storage_gb: int, accelerators: Mapping[str, int]
) -> dict[str, int]:
    """The block's whole capacity by Placement class (only what it brings).

    ``VCPU`` counts cores (a composed system's threads depend on its BIOS;
    its cores do not), ``DISK_GB`` the drives' GiB, one
    ``CUSTOM_ACCEL_<MODEL>`` per accelerator model.
    """
    out = {VCPU: cores, MEMORY_MB: memory_mb, DISK_GB: storage_gb} | {
        custom("ACCEL", model): int(n) for model, n in accelerators.items()
    }
    return {rc: n for rc, n in sorted(out.items()) if n > 0}


def traits(block_types: Iterable[str]) -> list[str]:
    """``CUSTOM_BLOCK_<TYPE>`` for each of the block's types."""
    return sorted({custom("BLOCK", t) for t in block_types})
